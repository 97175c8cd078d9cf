//! `bench`: prints the performance figures of issues 4 and 5.

use anyhow::Result;
use clap::{Parser, Subcommand};
use et_testdb::bench;

/// Measure et-testdb on the embedded cluster and print tables of figures
/// with their targets. Build with `--release`: the figures of a debug build
/// mean little.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seed time against `pg_restore --data-only` of the same rows (issue 5).
    Seed(bench::seed::SeedArgs),
    /// Extraction rows/s, and compile time and peak rustc memory of the
    /// generated code (issue 4).
    Extract(bench::extract::ExtractArgs),
    /// Demo database generation time per scale.
    Demo(bench::demo::DemoArgs),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Seed(a) => {
            bench::seed::run(&a)?;
        }
        Command::Extract(a) => {
            bench::extract::run(&a)?;
        }
        Command::Demo(a) => {
            bench::demo::run(&a)?;
        }
    }
    Ok(())
}
