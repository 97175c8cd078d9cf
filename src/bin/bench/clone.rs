//! `bench clone`: what another language's test worker pays for its
//! database: `cluster clone` run as a process, end to end (spawn, find the
//! template, claim a pooled clone, record it, print the URL, top the pool up
//! again, exit), against a bare `CREATE DATABASE … TEMPLATE` in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{db, human, table, BenchError, Line, Stats};
use et_testdb::engine::testing::{self, registry};

/// The target for one `cluster clone` process, median.
pub const TARGET: Duration = Duration::from_millis(50);

/// What `bench clone` measures.
#[derive(Debug, Clone, clap::Args)]
pub struct CloneArgs {
    /// Clones to time (each is dropped, untimed, before the next).
    #[arg(long, default_value_t = 30)]
    pub iterations: usize,
}

/// The `cluster` binary beside this one (`cargo build --release --bins`).
pub fn cluster_exe(bench_exe: &Path) -> Result<PathBuf, BenchError> {
    let exe = bench_exe.with_file_name("cluster");
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(BenchError::Child {
            detail: format!(
                "{} is missing; build it with the bench: `cargo build --release --bins`",
                exe.display()
            ),
        })
    }
}

/// Runs the measurement and returns the table.
pub fn run(args: &CloneArgs, bench_exe: &Path) -> Result<(String, bool), BenchError> {
    let cluster = cluster_exe(bench_exe)?;
    let tpl = testing::template()?;
    let mut admin = tpl
        .server()
        .admin_url()
        .connect()
        .map_err(db("connecting to the admin database"))?;
    let me = std::process::id().to_string();
    let (mut process, mut bare) = (Vec::new(), Vec::new());
    // One unmeasured round: the first pays for cold caches.
    for i in 0..=args.iterations {
        let t = Instant::now();
        let out = Command::new(&cluster)
            .args(["clone", "--owner-pid", &me])
            .output()
            .map_err(|e| BenchError::Child {
                detail: format!("running {}: {e}", cluster.display()),
            })?;
        let elapsed = t.elapsed();
        if !out.status.success() {
            return Err(BenchError::Child {
                detail: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let name = url
            .split('/')
            .nth(3)
            .and_then(|rest| rest.split('?').next())
            .unwrap_or_default()
            .to_string();
        registry::drop_and_forget(&mut admin, &name).map_err(db("dropping the clone"))?;
        let b = crate::testdb::bare_clone(&mut admin, &tpl, "")?;
        if i > 0 {
            process.push(elapsed);
            bare.push(b);
        }
    }
    let (Some(p), Some(b)) = (Stats::of(&process), Stats::of(&bare)) else {
        return Err(BenchError::Child {
            detail: "no iterations were measured; pass --iterations 1 or more".into(),
        });
    };
    let met = p.median <= TARGET;
    let lines = vec![
        Line::target(
            format!("`cluster clone` as a process, median of {}", p.n),
            format!("{} (p95 {})", human(p.median), human(p.p95)),
            format!("≤ {}", human(TARGET)),
            met,
        ),
        Line::info(
            "bare CREATE DATABASE … TEMPLATE, median (same run)",
            format!("{} (p95 {})", human(b.median), human(b.p95)),
        ),
        Line::info("pool size (ET_TESTDB_POOL)", tpl.pool_size().to_string()),
        Line::info("load average", crate::load_average()),
    ];
    Ok((table(&lines), met))
}
