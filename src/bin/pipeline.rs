//! `pipeline`: steps 1 → 5 in one go.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use et_testdb::efficient_tutor::demo::DemoOptions;
use et_testdb::efficient_tutor::pipeline::{self, PipelineOptions, Step};
use et_testdb::engine::extract::ExtractOptions;
use et_testdb::engine::restore::DumpSource;

/// Rebuild the test database from production data in one go:
/// reset → migrate → passwords → extract → seed.
///
/// 1. reset: restore --dump FILE, else ./prod_backup.dump, else the demo dump;
/// 2. migrate: apply the v0.3 migrations;
/// 3. passwords: bcrypt every password (cost 4 when anonymizing, since
///    extraction then replaces every hash with the `testtest` one; 12 with
///    --no-anonymize, or --cost);
/// 4. extract: write generated/ (anonymized unless --no-anonymize);
/// 5. seed: load golden/ + the freshly generated/ rows, merged exactly as
///    build.rs merges them.
///
/// The database is, in order: --db-url, $DATABASE_URL_TEST_CLI, the same key
/// in ./.env, otherwise the embedded cluster. Ends with rows per table, time
/// per step, and whether the data is anonymized.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    /// A custom-format dump (`pg_dump -Fc`) to start from.
    #[arg(long, value_name = "FILE")]
    dump: Option<PathBuf>,
    /// Keep real personal data in generated/ (never commit it).
    #[arg(long)]
    no_anonymize: bool,
    /// Known plaintext passwords for step 3 (see known_passwords.example.csv).
    #[arg(long, value_name = "FILE")]
    known: Option<PathBuf>,
    /// bcrypt cost for step 3.
    #[arg(long, value_name = "N")]
    cost: Option<u32>,
    /// Keep at most N rows per table in generated/ (plus referenced rows).
    #[arg(long, value_name = "N", value_parser = et_testdb::engine::cli::at_least_one)]
    max_rows_per_table: Option<usize>,
    #[command(flatten)]
    target: et_testdb::engine::cli::TargetArgs,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    if args.no_anonymize {
        eprintln!(
            "WARNING: --no-anonymize: generated/ will hold REAL personal data. Do not commit it."
        );
    }
    let target = args.target.resolve("reset and rebuild")?;
    let report = pipeline::run(&PipelineOptions {
        target: target.clone(),
        dump: match args.dump {
            Some(p) => DumpSource::File(p),
            None => DumpSource::Default(et_testdb::efficient_tutor::demo::synthetic(
                DemoOptions::default(),
            )),
        },
        allow_non_test_db: args.target.allow_non_test_db,
        known_passwords: args.known,
        bcrypt_cost: args.cost,
        extract: ExtractOptions {
            anonymize: !args.no_anonymize,
            max_rows_per_table: args.max_rows_per_table,
            ..ExtractOptions::default()
        },
        through: Step::Seed,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })?;

    println!("\nsummary for {target}");
    println!("  step        time");
    for (step, elapsed, _) in &report.timings {
        println!("  {:<9} {:>7.2?}", step.name(), elapsed);
    }
    let extracted = report.extract.as_ref();
    println!(
        "\n  data: {}",
        match extracted.map(|e| e.anonymized) {
            Some(true) => "anonymized",
            _ => "NOT anonymized (real personal data)",
        }
    );
    println!("\n  rows seeded per table:");
    let width = report
        .seeded
        .iter()
        .map(|(t, _)| t.len())
        .max()
        .unwrap_or(0);
    for (t, n) in &report.seeded {
        println!("    {t:<width$}  {n:>8}");
    }
    println!(
        "    {:<width$}  {:>8}",
        "total",
        report.seeded.iter().map(|(_, n)| n).sum::<u64>()
    );
    if let Some(hint) = et_testdb::engine::client_url::backend_hint(&target) {
        println!("\n{hint}");
    }
    Ok(())
}
