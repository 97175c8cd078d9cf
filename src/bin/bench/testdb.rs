//! `bench testdb`: what a test pays for its database.
//!
//! Figures, all from one run, against issue 6's targets:
//! - per-test database: [`et_testdb::test_db`] end to end, median and p95,
//!   against a bare `CREATE DATABASE … TEMPLATE` of the same template
//!   measured in the same run, interleaved with it so both see the same
//!   machine (target: median ≤ 1.2× the bare clone). Twice: as tests get it
//!   (with the pool of ready clones, and a pause standing in for the test's
//!   own work, during which the pool refills) and with the pool off (every
//!   call a clone);
//! - cold start: from no cluster at all to the first test database, in a
//!   helper process pointed at a fresh `ET_TESTDB_CLUSTER_DIR` (target ≤ 3 s);
//! - the sqlx::test way: an empty database per test, then the baseline, the
//!   migrations and the fixtures (target: ours at least 10× faster).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{db, human, table, BenchError, Line, Stats};
use et_testdb::engine::restore::quote_ident;
use et_testdb::engine::testing::{self, Template, TEST_DATABASE_URL_VAR};

/// The hidden subcommand the cold-start helper process runs.
pub const COLD_SUBCOMMAND: &str = "testdb-cold";
/// The line prefix through which the helper reports its figure.
const COLD_PREFIX: &str = "COLD_START_US=";

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per-test databases (and bare clones) to time.
    pub iterations: usize,
    /// sqlx::test-style databases to time (each replays every migration).
    pub sqlx_iterations: usize,
    /// Skip the cold start (it initialises a second, throwaway cluster).
    pub skip_cold: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: 50,
            sqlx_iterations: 10,
            skip_cold: false,
        }
    }
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct Report {
    pub template: String,
    pub template_bytes: i64,
    pub server: String,
    /// Set when this run had to build the template first.
    pub build_time: Option<Duration>,
    /// test_db() as tests get it (pool of `pool_size`).
    pub ours: Stats,
    pub pool_size: usize,
    /// test_db() with the pool off.
    pub unpooled: Stats,
    pub ours_drop: Stats,
    pub bare: Stats,
    /// Bare clones with `STRATEGY = FILE_COPY` (PostgreSQL 15+), for comparison.
    pub bare_file_copy: Option<Stats>,
    pub cold_start: Option<Duration>,
    pub sqlx_style: Option<Stats>,
}

const RATIO_TARGET: f64 = 1.2;
/// What a pooled test does between getting its database and dropping it.
const TEST_BODY: Duration = Duration::from_millis(30);
const COLD_TARGET: Duration = Duration::from_secs(3);
const SPEEDUP_TARGET: f64 = 10.0;

impl Report {
    /// The figures with their targets.
    pub fn lines(&self) -> Vec<Line> {
        let bare = self.bare.median;
        let budget = format!(
            "≤ {RATIO_TARGET}× bare = {}",
            human(bare.mul_f64(RATIO_TARGET))
        );
        let pooled_ratio = ratio(self.ours.median, bare);
        let unpooled_ratio = ratio(self.unpooled.median, bare);
        let pool = format!("pool of {}", self.pool_size);
        let mut lines = vec![
            Line::target(
                format!("per-test database, test_db() ({pool}): median"),
                human(self.ours.median),
                budget.clone(),
                pooled_ratio <= RATIO_TARGET,
            ),
            Line::info(
                format!("per-test database, test_db() ({pool}): p95"),
                human(self.ours.p95),
            ),
            Line::info("  ratio to the bare clone", format!("{pooled_ratio:.2}×")),
            Line::target(
                "per-test database, test_db() without pool: median",
                human(self.unpooled.median),
                budget,
                unpooled_ratio <= RATIO_TARGET,
            ),
            Line::info(
                "per-test database, test_db() without pool: p95",
                human(self.unpooled.p95),
            ),
            Line::info("  ratio to the bare clone", format!("{unpooled_ratio:.2}×")),
            Line::info(
                "bare CREATE DATABASE … TEMPLATE: median (p95)",
                format!("{} ({})", human(bare), human(self.bare.p95)),
            ),
        ];
        if let Some(fc) = &self.bare_file_copy {
            lines.push(Line::info(
                "bare clone, STRATEGY FILE_COPY: median (p95)",
                format!("{} ({})", human(fc.median), human(fc.p95)),
            ));
        }
        lines.push(Line::info(
            "dropping a passed test's database: median",
            human(self.ours_drop.median),
        ));
        if let Some(cold) = self.cold_start {
            lines.push(Line::target(
                "cold start: cluster + template + first test db",
                human(cold),
                format!("≤ {}", human(COLD_TARGET)),
                cold <= COLD_TARGET,
            ));
        }
        if let Some(sqlx) = &self.sqlx_style {
            lines.push(Line::info(
                "sqlx::test-style per test (create, baseline, migrations, seed): median",
                human(sqlx.median),
            ));
            for (what, ours) in [("", &self.ours), (" without pool", &self.unpooled)] {
                let speedup = ratio(sqlx.median, ours.median);
                lines.push(Line::target(
                    format!("  speed-up of test_db(){what} over it"),
                    format!("{speedup:.0}×"),
                    format!("≥ {SPEEDUP_TARGET:.0}×"),
                    speedup >= SPEEDUP_TARGET,
                ));
            }
        }
        lines
    }

    /// Whether every target with a figure is met.
    pub fn all_met(&self) -> bool {
        self.lines().iter().all(|l| l.met != Some(false))
    }

    /// The printed report: a heading and the table.
    pub fn render(&self) -> String {
        let built = match self.build_time {
            Some(t) => format!("built by this run in {}", human(t)),
            None => "already built".into(),
        };
        format!(
            "bench testdb: {} test databases on {}\ntemplate {} ({:.1} MB, {built})\n\n{}",
            self.ours.n,
            self.server,
            self.template,
            self.template_bytes as f64 / 1_048_576.0,
            table(&self.lines())
        )
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// Runs every measurement; `exe` is the bench binary, run again (with
/// [`COLD_SUBCOMMAND`]) for the cold start. `progress` hears what is being
/// measured.
pub fn run(
    opts: &Options,
    exe: &Path,
    mut progress: impl FnMut(&str),
) -> Result<Report, BenchError> {
    progress("finding or building the template");
    let tpl = testing::template()?;
    // The same template without a pool: every call a clone.
    let unpooled_tpl = {
        let (server, admin) = testing::Server::from_env()?;
        std::sync::Arc::new(Template::prepare_on(server, admin, tpl.name(), 0)?)
    };
    let server = if tpl.server().is_embedded() {
        "the embedded cluster".to_string()
    } else {
        format!("{TEST_DATABASE_URL_VAR} = {}", tpl.server().admin_url())
    };
    let mut bare_admin = tpl
        .server()
        .admin_url()
        .connect()
        .map_err(db("connecting to the admin database"))?;
    let (template_bytes, version): (i64, i32) = bare_admin
        .query_one(
            "SELECT pg_database_size($1::text), current_setting('server_version_num')::int",
            &[&tpl.name()],
        )
        .map(|r| (r.get(0), r.get(1)))
        .map_err(db("reading the template's size"))?;
    let file_copy = version >= 150_000;

    progress("per-test databases and bare clones, interleaved");
    let (mut ours, mut ours_drop, mut unpooled) = (vec![], vec![], vec![]);
    let (mut bare, mut bare_fc) = (vec![], vec![]);
    // One unmeasured round first: the first clone pays for cold caches.
    for i in 0..=opts.iterations {
        // The kinds take turns going first, so none always follows the
        // same one (a drop or a FILE_COPY checkpoint just before a clone
        // slows it).
        let (mut create, mut dropped, mut plain_create) = (None, None, None);
        let (mut plain, mut fc) = (None, None);
        for k in 0..4 {
            match (i + k) % 4 {
                0 => {
                    let t = Instant::now();
                    let test = et_testdb::try_test_db()?;
                    create = Some(t.elapsed());
                    // The test's own work, during which the pool refills.
                    std::thread::sleep(TEST_BODY);
                    let t = Instant::now();
                    drop(test);
                    dropped = Some(t.elapsed());
                }
                1 => {
                    let t = Instant::now();
                    let test = unpooled_tpl.create_db()?;
                    plain_create = Some(t.elapsed());
                    drop(test);
                }
                2 => plain = Some(bare_clone(&mut bare_admin, &tpl, "")?),
                _ if file_copy => {
                    fc = Some(bare_clone(&mut bare_admin, &tpl, " STRATEGY FILE_COPY")?)
                }
                _ => {}
            }
        }
        if i > 0 {
            ours.extend(create);
            ours_drop.extend(dropped);
            unpooled.extend(plain_create);
            bare.extend(plain);
            bare_fc.extend(fc);
        }
    }

    let cold_start = if opts.skip_cold {
        None
    } else {
        progress("cold start in a fresh cluster");
        Some(cold_start(exe)?)
    };

    let sqlx_style = if opts.sqlx_iterations == 0 {
        None
    } else {
        progress("sqlx::test-style databases");
        let mut times = Vec::new();
        for _ in 0..opts.sqlx_iterations {
            times.push(sqlx_style(&mut bare_admin, &tpl)?);
        }
        Stats::of(&times)
    };

    let none = || BenchError::Child {
        detail: "no iterations were measured; pass --iterations 1 or more".into(),
    };
    Ok(Report {
        template: tpl.name().to_string(),
        template_bytes,
        server,
        build_time: tpl.build_time(),
        ours: Stats::of(&ours).ok_or_else(none)?,
        pool_size: tpl.pool_size(),
        unpooled: Stats::of(&unpooled).ok_or_else(none)?,
        ours_drop: Stats::of(&ours_drop).ok_or_else(none)?,
        bare: Stats::of(&bare).ok_or_else(none)?,
        bare_file_copy: Stats::of(&bare_fc),
        cold_start,
        sqlx_style,
    })
}

/// Times one `CREATE DATABASE … TEMPLATE` (with `extra` options), then
/// drops the clone untimed.
pub(crate) fn bare_clone(
    admin: &mut postgres::Client,
    tpl: &Template,
    extra: &str,
) -> Result<Duration, BenchError> {
    let name = format!("et_test_bench_bare_{}", std::process::id());
    let q = quote_ident(&name);
    let t = Instant::now();
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {q} TEMPLATE {}{extra}",
            quote_ident(tpl.name())
        ))
        .map_err(db("a bare clone of the template"))?;
    let elapsed = t.elapsed();
    admin
        .batch_execute(&format!("DROP DATABASE {q}"))
        .map_err(db("dropping the bare clone"))?;
    Ok(elapsed)
}

/// Times what sqlx::test does per test: an empty database, then the
/// baseline, every migration and the fixtures; drops it untimed.
fn sqlx_style(admin: &mut postgres::Client, tpl: &Template) -> Result<Duration, BenchError> {
    let name = format!("et_test_bench_sqlx_{}", std::process::id());
    let q = quote_ident(&name);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {q}"));
    let t = Instant::now();
    admin
        .batch_execute(&format!("CREATE DATABASE {q} TEMPLATE template0"))
        .map_err(db("creating an empty database"))?;
    let populated = testing::populate(
        &tpl.server().admin_url().with_dbname(&name),
        testing::now_micros(),
    );
    let elapsed = t.elapsed();
    admin
        .batch_execute(&format!("DROP DATABASE {q} WITH (FORCE)"))
        .map_err(db("dropping the sqlx-style database"))?;
    populated?;
    Ok(elapsed)
}

/// Runs the helper process against a fresh cluster directory and returns
/// the time it reports; the directory is removed afterwards.
fn cold_start(exe: &Path) -> Result<Duration, BenchError> {
    let base = cold_base();
    let dir = tempfile::Builder::new()
        .prefix("et-testdb-cold-")
        .tempdir_in(&base)
        .map_err(|e| BenchError::Child {
            detail: format!("cannot create a directory in {}: {e}", base.display()),
        })?;
    let out = Command::new(exe)
        .arg(COLD_SUBCOMMAND)
        .env("ET_TESTDB_CLUSTER_DIR", dir.path().join("c"))
        .env_remove(TEST_DATABASE_URL_VAR)
        .output()
        .map_err(|e| BenchError::Child {
            detail: format!("cannot run {}: {e}", exe.display()),
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let figure = stdout
        .lines()
        .find_map(|l| l.strip_prefix(COLD_PREFIX))
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (out.status.success(), figure) {
        (true, Some(us)) => Ok(Duration::from_micros(us)),
        _ => Err(BenchError::Child {
            detail: format!(
                "{} {COLD_SUBCOMMAND} exited with {}:\n{stdout}{}",
                exe.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        }),
    }
}

/// Where the throwaway cold-start cluster goes: where the real one would.
fn cold_base() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && tempfile::tempdir_in(shm).is_ok() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The helper process: from nothing to the first test database on the
/// cluster of `ET_TESTDB_CLUSTER_DIR`, printed as `COLD_PREFIX<µs>`;
/// then the cluster is stopped and removed.
pub fn cold_child() -> Result<(), BenchError> {
    let started = Instant::now();
    let db = et_testdb::try_test_db()?;
    let elapsed = started.elapsed();
    let embedded = db.template().server().is_embedded();
    drop(db);
    et_testdb::engine::cluster::Cluster::locate()?.remove()?;
    if !embedded {
        return Err(BenchError::Child {
            detail: format!("the cold start must use the embedded cluster; is {TEST_DATABASE_URL_VAR} set in .env?"),
        });
    }
    println!("{COLD_PREFIX}{}", elapsed.as_micros());
    Ok(())
}
