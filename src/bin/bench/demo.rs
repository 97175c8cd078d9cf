//! `bench demo`: how long the demo generator takes per scale (moved out of
//! the tests, which must not time anything), and how migration 013 (the
//! tuition regeneration, the one step whose cost once grew with the square of
//! the data) scales with the demo database's size.

use std::time::{Duration, Instant};

use crate::scratch::{BenchError, ScratchDb};
use crate::{human, median, print_table, rate, secs, thousands};
use et_testdb::efficient_tutor::demo::{self, DemoOptions};
use et_testdb::engine::migrate::{self, MigrateOptions};

/// Options of `bench demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Scales to generate, each into a fresh scratch database.
    #[arg(long = "scale", value_name = "N", default_values_t = [1, 10])]
    pub scales: Vec<u32>,
    /// Times migration 013 is applied per scale (each to a fresh copy of the
    /// generated database, after 012 in the same session, as `migrate` runs
    /// them); the median is shown. 0 skips it.
    #[arg(long, default_value_t = 3)]
    pub migration_runs: usize,
}

/// The migration whose scaling `bench demo` measures.
const MIGRATION_013: i32 = 13;

/// Generates the demo database at each scale and prints rows and time
/// (`demo::generate`: baseline schema + COPY of every row, one transaction),
/// then the time of migration 013 per scale against the linear target: at
/// the largest scale at most (largest / smallest scale) times its time at
/// the smallest. Returns whether that target is met (true when not measured).
pub fn run(args: &DemoArgs) -> Result<bool, BenchError> {
    let mut rows = Vec::new();
    let mut m013: Vec<(u32, Duration)> = Vec::new();
    for &scale in &args.scales {
        let db = ScratchDb::create(&format!("bench_demo_test_{}", std::process::id()))?;
        let mut c = db.connect()?;
        let started = Instant::now();
        let counts = demo::generate(
            &mut c,
            &DemoOptions {
                scale,
                ..DemoOptions::default()
            },
        )
        .map_err(BenchError::step)?;
        let elapsed = started.elapsed();
        let total: u64 = counts.values().sum();
        rows.push(vec![
            scale.to_string(),
            thousands(total),
            secs(elapsed),
            rate(total, elapsed),
        ]);
        if args.migration_runs > 0 {
            m013.push((scale, time_013(&db, c, args.migration_runs)?));
        }
    }
    println!();
    println!("demo::generate (v0.2 baseline + COPY of every row, one transaction)");
    print_table(&["scale", "rows", "time", "rate"], &rows);
    if m013.is_empty() {
        return Ok(true);
    }
    let (lo_scale, lo) = *m013.iter().min_by_key(|(s, _)| *s).expect("not empty");
    let (hi_scale, hi) = *m013.iter().max_by_key(|(s, _)| *s).expect("not empty");
    let allowed = f64::from(hi_scale) / f64::from(lo_scale.max(1));
    let ratio = hi.as_secs_f64() / lo.as_secs_f64().max(1e-9);
    let met = ratio <= allowed;
    let mut rows: Vec<Vec<String>> = m013
        .iter()
        .map(|(scale, d)| vec![scale.to_string(), human(*d), String::new(), String::new()])
        .collect();
    if hi_scale > lo_scale {
        rows.push(vec![
            format!("{hi_scale} vs {lo_scale}"),
            format!("{ratio:.1}×"),
            format!("≤ {allowed:.0}× (linear)"),
            if met { "yes" } else { "NO" }.into(),
        ]);
    }
    println!();
    println!(
        "migration 013 (tuition regeneration), median of {} runs, each on a fresh copy, after 012 in the same session",
        args.migration_runs
    );
    print_table(&["scale", "time", "target", "met"], &rows);
    Ok(met)
}

/// Migrates `db` (the demo database just generated, `c` its connection) up
/// to 011, then `runs` times applies 012 and 013 to a fresh copy, and
/// returns the median of the durations the runner records for 013.
fn time_013(db: &ScratchDb, mut c: postgres::Client, runs: usize) -> Result<Duration, BenchError> {
    let upto = |version: i32| {
        let n = migrate::migrations()
            .unwrap()
            .iter()
            .position(|m| m.version == version)
            .expect("migration 013 exists");
        &migrate::migrations().unwrap()[..=n]
    };
    let options = MigrateOptions::default();
    migrate::run_on(&mut c, upto(MIGRATION_013 - 2), &options, |_| {}).map_err(BenchError::step)?;
    // A template must have no other connection.
    drop(c);
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let copy = db.copy(&format!("bench_m013_test_{}_{i}", std::process::id()))?;
        let mut c = copy.connect()?;
        // 012 on the same connection first, as `migrate` runs it: 013 then
        // starts with the catalog caches of a session that has been
        // migrating, not with a new session's cold ones.
        migrate::run_on(&mut c, upto(MIGRATION_013 - 1), &options, |_| {})
            .map_err(BenchError::step)?;
        let report = migrate::run_on(&mut c, upto(MIGRATION_013), &options, |_| {})
            .map_err(BenchError::step)?;
        match report.applied.as_slice() {
            [(_, took)] => samples.push(*took),
            other => {
                return Err(BenchError::Db {
                    what: "applying migration 013 alone".into(),
                    detail: format!("{} files were applied, expected 1", other.len()),
                })
            }
        }
        drop(c);
        // Keep the cluster's footprint flat between runs.
        drop(copy);
    }
    Ok(median(&samples))
}
