//! `seed` (step 5): truncate and load golden + generated fixture rows.

use anyhow::Result;
use clap::Parser;

/// Fill the test database with the merged fixtures: the golden rows of
/// golden/ and the extracted rows of generated/, merged and checked when the
/// crate was compiled.
///
/// In one transaction it truncates every application table (RESTART
/// IDENTITY), loads every row with binary COPY in foreign-key order, and
/// moves sequences past the largest ids. On any failure nothing changes.
///
/// The database is, in order: --db-url, $DATABASE_URL_TEST_CLI, the same key
/// in ./.env, otherwise the embedded cluster. It must already have the v0.3
/// schema (`cargo run --bin migrate`).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    #[command(flatten)]
    target: et_testdb::engine::cli::TargetArgs,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    let target = args.target.resolve("truncate and seed")?;
    let plan = et_testdb::engine::plan::seed_plan();
    let mut client = target
        .connect()
        .map_err(|e| et_testdb::engine::restore::unreachable(&target, &e))?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = '{}s'",
            args.target.lock_timeout
        ))
        .map_err(|e| anyhow::anyhow!("{}", et_testdb::engine::restore::db_error_text(&e)))?;
    let report = et_testdb::engine::seed::seed_plan(&mut client, plan, None)?;
    println!(
        "seeded {target} in {:.1?}{}",
        report.elapsed,
        if report.replica_mode {
            " (foreign-key triggers skipped: checked at compile time)"
        } else {
            ""
        }
    );
    let width = report.rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (t, plan_t) in report.rows.iter().zip(&plan.tables) {
        println!(
            "  {:<width$}  {:>8}  (golden {}, generated {}, overridden by golden {})",
            t.0, t.1, plan_t.golden_rows, plan_t.generated_rows, plan_t.overridden
        );
    }
    println!(
        "  {:<width$}  {:>8}",
        "total",
        report.rows.iter().map(|(_, n)| n).sum::<u64>()
    );
    if let Some(hint) = et_testdb::engine::client_url::backend_hint(&target) {
        println!("\n{hint}");
    }
    Ok(())
}
