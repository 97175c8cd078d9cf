//! `migrate` (step 2): apply the v0.3 migrations to the test database.

use anyhow::Result;
use clap::Parser;
use et_testdb::engine::migrate::{self, Event, MigrateOptions};

/// Apply the pending v0.3 migrations (every sql/v0.3_migration/NNN_<name>.sql,
/// found and embedded when this binary was built) in order, each in its own
/// transaction, recorded with a checksum in et_testdb.migration_history.
/// Applied files are skipped; an applied file that was edited, renamed,
/// renumbered or removed since, or a new file numbered before an applied
/// one, is an error naming the file.
///
/// Target: --db-url, else $DATABASE_URL_TEST_CLI (or .env), else the
/// embedded cluster's test database.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    #[command(flatten)]
    target: et_testdb::engine::cli::TargetArgs,
    /// A sibling who gets step 12's discount, as FIRST,LAST; give it twice.
    /// Default: the demo database's two siblings (the project file's
    /// `[migrations.settings]`). (Upstream names production
    /// students in its SQL; pass real names here, never commit them.)
    #[arg(long = "discount-sibling", value_name = "FIRST,LAST", value_parser = parse_name)]
    discount_siblings: Vec<(String, String)>,
}

fn parse_name(s: &str) -> Result<(String, String), String> {
    match s.split_once(',') {
        Some((first, last)) if !first.trim().is_empty() && !last.trim().is_empty() => {
            Ok((first.trim().to_string(), last.trim().to_string()))
        }
        _ => Err(format!("expected FIRST,LAST, got {s:?}")),
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    let url = args.target.resolve("migrate")?;
    println!("migrating {url}");
    let mut options = MigrateOptions {
        url_source: url.source().to_string(),
        ..MigrateOptions::default()
    };
    if !args.discount_siblings.is_empty() {
        anyhow::ensure!(
            args.discount_siblings.len() == 2,
            "--discount-sibling names the two siblings: give it exactly twice"
        );
        options.settings.insert(
            et_testdb::efficient_tutor::DISCOUNT_SIBLINGS_SETTING.to_string(),
            et_testdb::efficient_tutor::discount_siblings_value(&args.discount_siblings),
        );
    }
    let report = migrate::run(&url, &options, |event| match event {
        Event::AlreadyApplied(m) => println!("  = {} (already applied)", m.file_name),
        Event::Applying(m) => println!("  > {} …", m.file_name),
        Event::Applied(m, took) => println!("  ✓ {} ({} ms)", m.file_name, took.as_millis()),
        Event::Notice(m, text) => println!("    notice from {}: {text}", m.file_name),
    })?;
    if report.applied.is_empty() {
        println!(
            "nothing to apply: all {} migrations are already applied",
            report.already_applied
        );
    } else {
        let total: u128 = report.applied.iter().map(|(_, d)| d.as_millis()).sum();
        println!(
            "applied {} migration(s) in {total} ms ({} already applied)",
            report.applied.len(),
            report.already_applied
        );
    }
    Ok(())
}
