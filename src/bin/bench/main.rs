//! `bench`: benchmarks that print figures against the performance targets.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
mod clone;
mod demo;
mod devloop;
mod extract;
mod scratch;
mod seed;
mod support;
mod testdb;

use support::*;

/// Measure et-testdb against its performance targets and print tables of
/// figures, targets and whether each is met. Build with --release for
/// figures worth quoting: `cargo run --release --bin bench -- testdb`
/// (also `seed`, `extract`, `demo`, `clone`, `loop`).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
    /// Exit with an error when a target is missed (the figures are printed
    /// either way).
    #[arg(long, global = true)]
    check: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// What a test pays for its database: test_db() against a bare
    /// CREATE DATABASE … TEMPLATE, the cold start of cluster + template, and
    /// the sqlx::test way (replay every migration and insert the fixtures).
    ///
    /// Uses the server of TEST_DATABASE_URL when set, else the embedded
    /// cluster; the cold start always uses a throwaway embedded cluster.
    Testdb {
        /// Test databases (and bare clones) to time.
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// sqlx::test-style databases to time; 0 skips them.
        #[arg(long, default_value_t = 10)]
        sqlx_iterations: usize,
        /// Skip the cold start (it initialises a second cluster).
        #[arg(long)]
        skip_cold: bool,
    },
    /// Seed time against `pg_restore --data-only` of the same rows.
    Seed(seed::SeedArgs),
    /// Extraction rows/s, and compile time and peak rustc memory of the
    /// generated code.
    Extract(extract::ExtractArgs),
    /// Demo database generation time per scale, and migration 013's time
    /// per scale against a linear target.
    Demo(demo::DemoArgs),
    /// `cluster clone` end to end as a process, against a bare
    /// CREATE DATABASE … TEMPLATE (needs `cargo build --release --bins`).
    Clone(clone::CloneArgs),
    /// What a developer waits for, on a fresh clone of this checkout: fresh
    /// `cargo run --bin extract`, fresh and warm `cargo test`, and a golden
    /// edit followed by `cargo test --test backend_queries`, each beside its
    /// target. Tens of minutes; run it on an idle machine.
    Loop(devloop::LoopArgs),
    /// The cold-start helper `testdb` runs in a fresh cluster directory.
    #[command(name = testdb::COLD_SUBCOMMAND, hide = true)]
    TestdbCold,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Cmd::Testdb {
            iterations,
            sqlx_iterations,
            skip_cold,
        } => {
            let opts = testdb::Options {
                iterations,
                sqlx_iterations,
                skip_cold,
            };
            let exe = std::env::current_exe()?;
            let report = testdb::run(&opts, &exe, |step| eprintln!("measuring: {step}…"))?;
            println!("{}", report.render());
            if args.check && !report.all_met() {
                bail!("a performance target is missed (see the table)");
            }
        }
        Cmd::TestdbCold => testdb::cold_child()?,
        Cmd::Clone(a) => {
            let (table, met) = clone::run(&a, &std::env::current_exe()?)?;
            println!("{table}");
            if args.check && !met {
                bail!("a performance target is missed (see the table)");
            }
        }
        Cmd::Seed(a) => {
            seed::run(&a)?;
        }
        Cmd::Extract(a) => {
            extract::run(&a)?;
        }
        Cmd::Loop(a) => {
            let met = devloop::run(&a)?;
            if args.check && !met {
                bail!("a performance target is missed (see the table)");
            }
        }
        Cmd::Demo(a) => {
            let met = demo::run(&a)?;
            if args.check && !met {
                bail!("a performance target is missed (see the table)");
            }
        }
    }
    Ok(())
}
