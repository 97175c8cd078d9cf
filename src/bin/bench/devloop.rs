//! `bench loop`: what a developer waits for, each figure beside its target
//! (issue 12), measured on a fresh clone of this checkout:
//!
//! - fresh clone: `cargo run --bin extract` (build + pipeline), target ≤ 120 s;
//! - fresh clone: `cargo test` after that, target ≤ 240 s;
//! - warm `cargo test`, nothing changed, target ≤ 30 s;
//! - edit one golden row, then `cargo test --test backend_queries`,
//!   target ≤ 10 s.
//!
//! The clone gets its own, empty target directory (so "fresh" means every
//! dependency is built), its own embedded cluster and the machine's cargo
//! registry. It takes tens of minutes; run it on an idle machine:
//! `cargo run --release --bin bench -- loop --check`. Never part of CI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{human, load_average, table, BenchError, Line};

/// What `bench loop` measures.
#[derive(Debug, Clone, clap::Args)]
pub struct LoopArgs {
    /// The checkout to clone (default: this one).
    #[arg(long, value_name = "DIR")]
    pub checkout: Option<PathBuf>,
    /// Keep the clone (its path is printed) instead of removing it.
    #[arg(long)]
    pub keep: bool,
}

/// The targets, in the order the table prints them.
const FRESH_EXTRACT: Duration = Duration::from_secs(120);
const FRESH_TEST: Duration = Duration::from_secs(240);
const WARM_TEST: Duration = Duration::from_secs(30);
const GOLDEN_EDIT: Duration = Duration::from_secs(10);

/// The golden file and the text whose edit stands for "edit one golden row".
const GOLDEN_FILE: &str = "golden/notes.rs";

/// Runs every step and prints the table; returns whether every target is met.
pub fn run(args: &LoopArgs) -> Result<bool, BenchError> {
    let checkout = args
        .checkout
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let work = tempfile::Builder::new()
        .prefix("et-testdb-bench-loop-")
        .tempdir()
        .map_err(|source| BenchError::Io {
            what: "creating the scratch directory".into(),
            source,
        })?;
    let clone = work.path().join("et-testdb");
    step("cloning", || {
        let mut c = Command::new("git");
        c.arg("clone").arg("--quiet").arg(&checkout).arg(&clone);
        c
    })?;
    // The clone needs ../shared beside it only for what the tests read from
    // it; link the checkout's, when there is one.
    let shared = checkout.join("../shared");
    if shared.is_dir() {
        let _ = std::os::unix::fs::symlink(&shared, work.path().join("shared"));
    }
    let target = work.path().join("target");
    let cluster = work.path().join("cluster");
    let cargo = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO"));
        c.args(args)
            .current_dir(&clone)
            .env("CARGO_TARGET_DIR", &target)
            .env("ET_TESTDB_CLUSTER_DIR", &cluster)
            .env_remove("TEST_DATABASE_URL")
            .env_remove("ET_TESTDB_CONFIG");
        c
    };

    let mut lines = Vec::new();
    let fresh_extract = step("fresh clone: cargo run --bin extract", || {
        cargo(&["run", "-q", "--bin", "extract"])
    })?;
    lines.push(Line::target(
        "fresh clone: cargo run --bin extract",
        human(fresh_extract),
        format!("≤ {}", human(FRESH_EXTRACT)),
        fresh_extract <= FRESH_EXTRACT,
    ));
    let fresh_test = step("fresh clone: cargo test", || cargo(&["test", "-q"]))?;
    lines.push(Line::target(
        "fresh clone: cargo test after that",
        human(fresh_test),
        format!("≤ {}", human(FRESH_TEST)),
        fresh_test <= FRESH_TEST,
    ));
    let warm_test = step("warm cargo test", || cargo(&["test", "-q"]))?;
    lines.push(Line::target(
        "warm cargo test, nothing changed",
        human(warm_test),
        format!("≤ {}", human(WARM_TEST)),
        warm_test <= WARM_TEST,
    ));
    edit_golden(&clone.join(GOLDEN_FILE))?;
    let golden_edit = step("golden edit: cargo test --test backend_queries", || {
        cargo(&["test", "-q", "--test", "backend_queries"])
    })?;
    lines.push(Line::target(
        "edit one golden row, then cargo test --test backend_queries",
        human(golden_edit),
        format!("≤ {}", human(GOLDEN_EDIT)),
        golden_edit <= GOLDEN_EDIT,
    ));
    lines.push(Line::info("load average", load_average()));
    println!("{}", table(&lines));
    if args.keep {
        let kept = work.keep();
        println!("kept: {}", kept.display());
    } else {
        // The clone's cluster is removed with it; stop its server first.
        let _ = cargo(&["run", "-q", "--bin", "cluster", "--", "remove"]).output();
    }
    Ok(lines.iter().all(|l| l.met != Some(false)))
}

/// Runs the command `make` builds, timed; fails with its stderr.
fn step(what: &str, make: impl FnOnce() -> Command) -> Result<Duration, BenchError> {
    eprintln!("measuring: {what}…");
    let mut cmd = make();
    let started = Instant::now();
    let out = cmd.output().map_err(|e| BenchError::Command {
        command: what.to_string(),
        detail: e.to_string(),
    })?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(BenchError::Command {
            command: what.to_string(),
            detail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(elapsed)
}

/// Changes one golden row: the first string literal of `path` gets a
/// suffix, which changes a value the merge and the seed plan carry.
fn edit_golden(path: &Path) -> Result<(), BenchError> {
    let io = |what: &str| {
        let what = format!("{what} {}", path.display());
        move |source| BenchError::Io { what, source }
    };
    let text = std::fs::read_to_string(path).map_err(io("reading"))?;
    let edited = text.replacen("description: Some(\"", "description: Some(\"(edited) ", 1);
    if edited == text {
        return Err(BenchError::Command {
            command: "editing a golden row".into(),
            detail: format!(
                "{} has no `description: Some(\"…\")` to edit",
                path.display()
            ),
        });
    }
    std::fs::write(path, edited).map_err(io("writing"))
}
