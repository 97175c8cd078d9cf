//! `passwords` (step 3): bcrypt re-hash of every user's password.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;
use et_testdb::efficient_tutor::passwords::{self, Progress, DEFAULT_COST, FALLBACK_PASSWORD};
use indicatif::{ProgressBar, ProgressStyle};

/// Give every user a bcrypt ($2b$) password hash, in one transaction: users
/// in --known get their plaintext, students their generated_password, and
/// everyone else `testtest`.
///
/// Target: --db-url, else $DATABASE_URL_TEST_CLI (or .env), else the
/// embedded cluster's test database.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    /// Known plaintexts: one `email,plaintext` per line, # comments (see
    /// known_passwords.example.csv). Never commit the real file.
    #[arg(long, value_name = "FILE")]
    known: Option<PathBuf>,
    /// bcrypt cost (4..=31); 12 as upstream, lower for quick local runs.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_COST)]
    cost: u32,
    #[command(flatten)]
    target: et_testdb::engine::cli::TargetArgs,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    let known = match &args.known {
        Some(path) => passwords::read_known(path)?,
        None => Vec::new(),
    };
    let url = args.target.resolve("rewrite the passwords of")?;
    println!(
        "re-hashing passwords in {url} (bcrypt $2b$, cost {})",
        args.cost
    );
    let started = Instant::now();
    let mut client = url
        .connect()
        .map_err(|e| et_testdb::engine::restore::unreachable(&url, &e))?;
    let bar = ProgressBar::hidden();
    let report = passwords::run(&mut client, &known, args.cost, |p| match p {
        Progress::Hashing { total } => {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template("  hashing {pos}/{len} [{bar:30}] {eta} left")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
        }
        Progress::Hashed => bar.inc(1),
    })?;
    bar.finish_and_clear();
    println!("  {} user(s) from the known-passwords file", report.known);
    println!(
        "  {} student(s) from their generated_password",
        report.students
    );
    println!(
        "  {} other user(s) set to `{FALLBACK_PASSWORD}`",
        report.fallback
    );
    for email in &report.known_not_found {
        println!("  warning: {email} (known-passwords file) matches no user");
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
