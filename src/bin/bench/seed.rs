//! `bench seed` (issue 5): our seed time against `pg_restore --data-only`
//! of the same rows into the same truncated v0.3 schema, measured in the
//! same run on the embedded cluster.
//!
//! Two plans: the embedded one (golden + committed `generated/`, default
//! demo scale) and a large one built from the demo database at `--scale`.
//! The large plan does not go through codegen (extraction refuses more than
//! [`et_testdb::engine::extract::MAX_EMBEDDED_ROWS`] rows, and the generated code would
//! not compile comfortably): the migrated rows are read with
//! [`et_testdb::engine::rows::load_all`] and merged by [`et_testdb::engine::merge::merge`], the same
//! merge `build.rs` runs, so the seeder gets the same kind of plan. Those rows
//! are not anonymized (the demo data is synthetic); that changes no sizes
//! that matter to the load.
//!
//! Per run, both sides start from the same state (every table truncated,
//! untimed) and load the same rows:
//! - ours: [`et_testdb::engine::seed::seed_plan`], wall time of the call (its own
//!   TRUNCATE, binary COPY per table, sequence moves, COMMIT);
//! - theirs: `pg_restore --data-only --disable-triggers --single-transaction`
//!   of a `pg_dump -Fc --data-only --schema=public` of the database our seed
//!   produced, wall time of the process. `--disable-triggers` because we skip
//!   foreign-key triggers too (`session_replication_role = replica`);
//!   `--single-transaction` because our seed is one transaction. It is also
//!   timed with `-j 2` (parallel, no single transaction; faster on this
//!   machine), and the ratio is taken against the faster of the variants.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::scratch::{self, db, BenchError, ScratchDb};
use crate::{load_average, median, print_table, rate, secs, thousands};
use et_testdb::engine::merge::{self, Origin, Plan, Source, Value as PlanValue};
use et_testdb::engine::restore::quote_ident;
use et_testdb::engine::rows;
use et_testdb::engine::tools::{self, Tool};

/// Options of `bench seed`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// Demo scale of the large plan (scale 1 is the default, committed one).
    /// Scale 5 gives about 117k rows after migration.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub scale: u32,
    /// Timed runs per side and plan (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: usize,
    /// pg_restore variants to time, by job count (repeat the flag): 1 runs
    /// `--single-transaction` (like our seed); N > 1 runs `-j N` (which
    /// cannot be one transaction). The ratio uses the fastest variant.
    #[arg(long = "restore-jobs", value_name = "N", default_values_t = [1, 2])]
    pub restore_jobs: Vec<u32>,
    /// Skip the large plan (only the embedded, default-scale one).
    #[arg(long)]
    pub default_only: bool,
}

/// One plan's figures.
#[derive(Debug, Clone)]
pub struct SeedFigures {
    pub label: String,
    pub rows: u64,
    pub ours: Duration,
    /// pg_restore's median per job count.
    pub pg_restore: Vec<(u32, Duration)>,
    pub replica_mode: bool,
}

impl SeedFigures {
    /// Our median over the fastest pg_restore variant's median.
    pub fn ratio(&self) -> f64 {
        let best = self
            .pg_restore
            .iter()
            .map(|(_, d)| *d)
            .min()
            .unwrap_or(Duration::MAX);
        self.ours.as_secs_f64() / best.as_secs_f64().max(1e-9)
    }
}

fn variant(jobs: u32) -> String {
    if jobs > 1 {
        format!("pg_restore -j {jobs}")
    } else {
        "pg_restore -1".to_string()
    }
}

/// Runs the benchmark and prints its table.
pub fn run(args: &SeedArgs) -> Result<Vec<SeedFigures>, BenchError> {
    let runs = args.runs.max(1);
    let mut figures = Vec::new();
    eprintln!("bench seed: embedded plan (golden + generated/, demo scale 1)");
    // The first call parses the plan build.rs embedded: once per process,
    // outside the seed times, reported below.
    let started = Instant::now();
    let embedded = et_testdb::engine::plan::seed_plan();
    let parse_time = started.elapsed();
    figures.push(measure(
        "embedded plan (scale 1)",
        embedded,
        runs,
        &args.restore_jobs,
    )?);
    if !args.default_only {
        let (source, _) = scratch::demo_source(args.scale, |m| eprintln!("bench seed: {m}"))?;
        eprintln!(
            "bench seed: building the scale-{} plan from {source}",
            args.scale
        );
        let plan = plan_from_database(&source)?;
        figures.push(measure(
            &format!("demo scale {} (read + merged)", args.scale),
            &plan,
            runs,
            &args.restore_jobs,
        )?);
    }
    println!();
    println!("load average after seeding: {}", load_average());
    println!(
        "seed vs pg_restore --data-only --disable-triggers (-1: --single-transaction), \
         median of {runs} runs each, same truncated v0.3 schema; target ≤ 1.0× the fastest pg_restore"
    );
    let mut header: Vec<String> = ["plan", "rows", "our seed"].map(String::from).to_vec();
    header.extend(args.restore_jobs.iter().map(|&j| variant(j)));
    header.extend(["ratio".to_string(), "≤ 1.0×".to_string()]);
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            [
                f.label.clone(),
                thousands(f.rows),
                format!("{} ({})", secs(f.ours), rate(f.rows, f.ours)),
            ]
            .into_iter()
            .chain(
                f.pg_restore
                    .iter()
                    .map(|(_, d)| format!("{} ({})", secs(*d), rate(f.rows, *d))),
            )
            .chain([
                format!("{:.2}×", f.ratio()),
                if f.ratio() <= 1.0 { "PASS" } else { "MISS" }.to_string(),
            ])
            .collect()
        })
        .collect();
    print_table(
        &header.iter().map(String::as_str).collect::<Vec<_>>(),
        &rows,
    );
    println!(
        "not in the seed times: parsing the embedded plan (once per process) took {}",
        secs(parse_time)
    );
    if figures.iter().any(|f| !f.replica_mode) {
        println!("note: the role is not a superuser, so our seed paid for foreign-key triggers");
    }
    Ok(figures)
}

/// Seeds `plan` into a fresh v0.3 database, dumps it, then alternates timed
/// seeds and timed restores from the same truncated state.
fn measure(
    label: &str,
    plan: &Plan,
    runs: usize,
    variants: &[u32],
) -> Result<SeedFigures, BenchError> {
    let scratch_db = scratch::empty_v03(&format!("bench_seed_test_{}", std::process::id()))?;
    let mut client = scratch_db.connect()?;
    let rows: u64 = et_testdb::engine::seed::plan_counts(plan)
        .values()
        .map(|&n| n as u64)
        .sum();
    let tables: Vec<String> = plan.tables.iter().map(|t| quote_ident(&t.table)).collect();
    let truncate = format!("TRUNCATE {} RESTART IDENTITY CASCADE", tables.join(", "));

    // Warm-up seed; its result is what gets dumped.
    let report =
        et_testdb::engine::seed::seed_plan(&mut client, plan, None).map_err(BenchError::step)?;
    check_count(&mut client, rows, "our seed")?;
    let dir = tempfile::tempdir().map_err(scratch::io("creating a temporary directory"))?;
    let dump = dir.path().join("seeded.dump");
    pg_dump(&scratch_db, &dump)?;

    let mut ours = Vec::new();
    let mut theirs: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    for i in 0..runs {
        eprintln!("bench seed: {label}: run {}/{runs}", i + 1);
        client.batch_execute(&truncate).map_err(db("TRUNCATE"))?;
        let started = Instant::now();
        et_testdb::engine::seed::seed_plan(&mut client, plan, None).map_err(BenchError::step)?;
        ours.push(started.elapsed());
        check_count(&mut client, rows, "our seed")?;

        for (&jobs, samples) in variants.iter().zip(&mut theirs) {
            client.batch_execute(&truncate).map_err(db("TRUNCATE"))?;
            let started = Instant::now();
            pg_restore(&scratch_db, &dump, jobs)?;
            samples.push(started.elapsed());
            check_count(&mut client, rows, &variant(jobs))?;
        }
    }
    Ok(SeedFigures {
        label: label.to_string(),
        rows,
        ours: median(&ours),
        pg_restore: variants
            .iter()
            .zip(&theirs)
            .map(|(&j, s)| (j, median(s)))
            .collect(),
        replica_mode: report.replica_mode,
    })
}

/// Both sides must have loaded every row, or the comparison means nothing.
fn check_count(client: &mut postgres::Client, want: u64, who: &str) -> Result<(), BenchError> {
    let got = scratch::count_rows(client)?;
    if got != want {
        return Err(BenchError::Db {
            what: format!("checking what {who} loaded"),
            detail: format!("{got} rows in the database, the plan has {want}"),
        });
    }
    Ok(())
}

fn run_tool(cmd: &mut std::process::Command) -> Result<(), BenchError> {
    let name = tools::program_name(cmd);
    let out = tools::output(cmd).map_err(BenchError::step)?;
    if !out.status.success() {
        return Err(BenchError::Command {
            command: name,
            detail: tools::stderr_text(&out),
        });
    }
    Ok(())
}

fn pg_dump(scratch_db: &ScratchDb, out: &Path) -> Result<(), BenchError> {
    let mut cmd = tools::command(Tool::PgDump).map_err(BenchError::step)?;
    cmd.args([
        "--format=custom",
        "--data-only",
        "--schema=public",
        "--file",
    ])
    .arg(out)
    .arg("--dbname")
    .arg(scratch_db.url().without_password());
    run_tool(&mut cmd)
}

fn pg_restore(scratch_db: &ScratchDb, dump: &Path, jobs: u32) -> Result<(), BenchError> {
    let mut cmd = tools::command(Tool::PgRestore).map_err(BenchError::step)?;
    cmd.args(["--data-only", "--disable-triggers", "--exit-on-error"]);
    if jobs > 1 {
        cmd.arg(format!("--jobs={jobs}"));
    } else {
        cmd.arg("--single-transaction");
    }
    cmd.arg("--dbname")
        .arg(scratch_db.url().without_password())
        .arg(dump);
    run_tool(&mut cmd)
}

/// The seed plan of every row of a migrated database: read like extraction
/// reads (one snapshot), converted to fixture values and merged as
/// `build.rs` merges (no golden rows), against the embedded plan's schema.
pub fn plan_from_database(url: &et_testdb::engine::config::DbUrl) -> Result<Plan, BenchError> {
    let mut client = url.connect().map_err(db(format!("connecting to {url}")))?;
    let schema = et_testdb::engine::schema::load(&mut client).map_err(BenchError::step)?;
    let all = rows::load_all(&mut client, &schema).map_err(BenchError::step)?;
    let tables = &et_testdb::engine::plan::seed_plan().schema;
    let mut fixture_rows = Vec::new();
    for (name, table_rows) in &all {
        let table = &schema.tables[name];
        let keep: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.generated.is_none())
            .map(|(i, _)| i)
            .collect();
        for (n, row) in table_rows.iter().enumerate() {
            let values: BTreeMap<String, PlanValue> = keep
                .iter()
                .map(|&i| (table.columns[i].name.clone(), row.values[i].to_fixture()))
                .collect();
            fixture_rows.push(merge::Row {
                origin: Origin::Generated,
                source: Source {
                    file: format!("{url}"),
                    line: 0,
                    item: format!("{name}[{n}]"),
                },
                table: name.clone(),
                values,
            });
        }
    }
    merge::merge(tables, fixture_rows).map_err(|conflicts| BenchError::Db {
        what: "merging the large plan".to_string(),
        detail: conflicts
            .iter()
            .take(5)
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    })
}
