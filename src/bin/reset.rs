//! `reset` (step 1): drop and recreate the test database from a dump.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Parser;
use et_testdb::efficient_tutor::demo::DemoOptions;
use et_testdb::engine::restore::{self, DumpSource};

/// Replace the test database with a production (v0.2) dump.
///
/// The dump is, in order: --dump FILE; with --download-recent, a fresh
/// `pg_dump -Fc` of $DATABASE_URL_PROD_CLI saved as prod_backup.dump;
/// ./prod_backup.dump if present; otherwise the demo production dump, a
/// synthetic v0.2 database generated on first use and cached under
/// target/et-testdb/.
///
/// The database is, in order: --db-url, $DATABASE_URL_TEST_CLI, the same key
/// in ./.env, otherwise the embedded cluster (see `cargo run --bin cluster`).
///
/// Nothing is dropped until the dump has been validated and fully restored
/// into a staging database; on any failure the old test database is kept.
/// The swap is a pair of renames: if it is interrupted (Ctrl-C, kill -9, a
/// server stop), the next run of any command finds the complete database
/// under its staging name, puts it in place and says so.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    /// A custom-format dump (`pg_dump -Fc`) to restore.
    #[arg(long, value_name = "FILE", conflicts_with = "download_recent")]
    dump: Option<PathBuf>,
    /// Dump production ($DATABASE_URL_PROD_CLI, read-only) into
    /// prod_backup.dump first, then restore that.
    #[arg(long)]
    download_recent: bool,
    #[command(flatten)]
    target: et_testdb::engine::cli::TargetArgs,
    /// Parallel pg_restore jobs [default: number of CPUs]. A tar archive
    /// (`pg_dump -Ft`) is always restored with one.
    #[arg(long, value_name = "N", value_parser = et_testdb::engine::cli::at_least_one)]
    jobs: Option<usize>,
    /// Accept a dump that holds no tables (it would leave the test database
    /// empty; without this flag that is refused as a likely mistake).
    #[arg(long)]
    allow_empty: bool,
    /// Seed of the demo dump (used only when no dump is given).
    #[arg(long, value_name = "N", default_value_t = DemoOptions::default().seed)]
    demo_seed: u64,
    /// Size of the demo dump, as a multiple of the default (used only when no
    /// dump is given).
    #[arg(long, value_name = "N", default_value_t = DemoOptions::default().scale)]
    demo_scale: u32,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    let target = args.target.resolve("drop and restore")?;
    let source = match (args.dump, args.download_recent) {
        (Some(path), _) => DumpSource::File(path),
        (None, true) => DumpSource::DownloadRecent,
        (None, false) => {
            DumpSource::Default(et_testdb::efficient_tutor::demo::synthetic(DemoOptions {
                seed: args.demo_seed,
                scale: args.demo_scale,
            }))
        }
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });

    let started = Instant::now();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("choosing the dump");
    let chosen = restore::choose_dump(&source, &target)?;
    spinner.set_message(format!(
        "restoring {} ({}) into {target}",
        chosen.path.display(),
        chosen.origin
    ));
    let report = restore::reset(
        &target,
        &chosen.path,
        restore::ResetOptions {
            jobs,
            allow_empty: args.allow_empty,
            lock_timeout_secs: args.target.lock_timeout,
        },
    );
    spinner.finish_and_clear();
    let report = report?;
    for line in &report.recovered {
        eprintln!("recovered from an interrupted reset: {line}");
    }

    println!(
        "restored {} ({}) into {target} in {:.1?}",
        chosen.path.display(),
        chosen.origin,
        started.elapsed()
    );
    let width = report.rows.keys().map(String::len).max().unwrap_or(0);
    for (table, n) in &report.rows {
        println!("  {table:<width$}  {n:>9}");
    }
    println!(
        "  {:<width$}  {:>9}",
        "total",
        report.rows.values().sum::<u64>()
    );
    Ok(())
}
