//! `extract` (step 4): a migrated database → typed Rust fixtures in generated/.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use et_testdb::efficient_tutor::demo::DemoOptions;
use et_testdb::efficient_tutor::pipeline::{self, PipelineOptions, Step};
use et_testdb::engine::config::{resolve_target, Target};
use et_testdb::engine::extract::{self, ExtractOptions};
use et_testdb::engine::restore::DumpSource;

/// Write the test database's rows as typed Rust fixture modules into
/// generated/ (anonymized unless --no-anonymize).
///
/// With a database configured (--db-url, $DATABASE_URL_TEST_CLI or .env) it
/// extracts that database, which must already be migrated to v0.3.
///
/// With none, it runs the whole pipeline on the embedded cluster: the demo
/// production dump (or ./prod_backup.dump) → reset → migrate → passwords →
/// extract. On a fresh clone that rewrites generated/ byte-for-byte as
/// committed, so `git status` stays clean.
///
/// Files are written to a staging folder next to the output directory and
/// swapped into place when complete; a file whose bytes did not change is not
/// rewritten. The output directory must be new, empty, or an earlier output
/// (its .et-testdb-manifest lists what extraction wrote); anything else in it
/// is refused and left alone, never deleted.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    /// The database to extract (skips steps 1–3).
    #[arg(long, value_name = "URL")]
    db_url: Option<String>,
    /// Keep real personal data. Prints a warning and marks every file header;
    /// never commit the result.
    #[arg(long)]
    no_anonymize: bool,
    /// Output directory: new, empty, or an earlier extraction's output
    /// (replaced as a whole). A directory holding other files is refused.
    #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/generated"))]
    out: PathBuf,
    /// Keep at most N rows per table, plus every row they reference.
    #[arg(long, value_name = "N", value_parser = et_testdb::engine::cli::at_least_one)]
    max_rows_per_table: Option<usize>,
    /// Salt of the deterministic fakes (the same salt gives the same fakes).
    #[arg(long, value_name = "TEXT", default_value = et_testdb::engine::anonymize::DEFAULT_SALT)]
    salt: String,
    /// Allow a target whose database name does not contain `test` (pipeline only).
    #[arg(long)]
    allow_non_test_db: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    let opts = ExtractOptions {
        out_dir: args.out.clone(),
        anonymize: !args.no_anonymize,
        salt: args.salt.clone(),
        max_rows_per_table: args.max_rows_per_table,
        ..ExtractOptions::default()
    };
    if args.no_anonymize {
        eprintln!(
            "WARNING: --no-anonymize: generated/ will hold REAL personal data. Do not commit it."
        );
    }
    let report = match resolve_target(args.db_url.as_deref())? {
        Target::Url(url) => {
            let progress = indicatif::ProgressBar::new_spinner();
            progress.enable_steady_tick(std::time::Duration::from_millis(120));
            let r = extract::extract(&url, &opts, |e| match e {
                extract::Event::TableRead { table, rows } => {
                    progress.set_message(format!("read {table}: {rows} rows"))
                }
                extract::Event::Anonymizing => progress.set_message("anonymizing"),
                extract::Event::Writing => progress.set_message("writing generated code"),
                extract::Event::Notice(n) => progress.println(format!("note: {n}")),
                extract::Event::Tables(_) => {}
            });
            progress.finish_and_clear();
            r?
        }
        Target::Embedded => {
            let target = et_testdb::target_url(None)?;
            eprintln!(
                "no database configured: running the pipeline on the embedded cluster ({target})"
            );
            let p = pipeline::run(&PipelineOptions {
                target,
                dump: DumpSource::Default(et_testdb::efficient_tutor::demo::synthetic(
                    DemoOptions::default(),
                )),
                allow_non_test_db: args.allow_non_test_db,
                known_passwords: None,
                bcrypt_cost: None,
                extract: opts,
                through: Step::Extract,
                progress: console_is_tty(),
            })?;
            p.extract.expect("the pipeline ran the extract step")
        }
    };
    for n in &report.notices {
        eprintln!("note: {n}");
    }
    println!(
        "extracted {} rows into {} ({} files written, {} unchanged) in {:.1?}; {}",
        report.rows.values().sum::<usize>(),
        args.out.display(),
        report.files_written,
        report.files_unchanged,
        report.total_time,
        if report.anonymized {
            "anonymized"
        } else {
            "NOT anonymized"
        }
    );
    print!("{}", pipeline::rows_table(&report.rows));
    Ok(())
}

fn console_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
