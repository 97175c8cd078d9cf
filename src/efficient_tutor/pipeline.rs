//! The whole job, steps 1 → 5: reset → migrate → passwords → extract → seed.
//! `cargo run --bin extract` with no database configured runs steps 1–4 on
//! the embedded cluster and the demo dump; `cargo run --bin pipeline` runs
//! all five. Each step reports progress and its time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::efficient_tutor::passwords;
use crate::engine::config::{guard_destructive, DbUrl};
use crate::engine::extract::{self, ExtractOptions, ExtractReport};
use crate::engine::restore::{self, DumpSource};
use crate::engine::{migrate, plan, seed};
use crate::Result;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Reset,
    Migrate,
    Passwords,
    Extract,
    Seed,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Reset => "reset",
            Step::Migrate => "migrate",
            Step::Passwords => "passwords",
            Step::Extract => "extract",
            Step::Seed => "seed",
        }
    }
}

/// How to run the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    pub target: DbUrl,
    pub dump: DumpSource,
    pub allow_non_test_db: bool,
    pub known_passwords: Option<PathBuf>,
    /// bcrypt cost for step 3; `None`: 12, or 4 when anonymizing (every
    /// hash is then replaced by the `testtest` hash in step 4 anyway).
    pub bcrypt_cost: Option<u32>,
    pub extract: ExtractOptions,
    /// The last step to run.
    pub through: Step,
    /// Draw progress spinners (off in tests and when not on a terminal).
    pub progress: bool,
}

/// What the pipeline did.
#[derive(Debug, Clone, Default)]
pub struct PipelineReport {
    pub timings: Vec<(Step, Duration, String)>,
    pub extract: Option<ExtractReport>,
    /// Rows per table seeded (step 5).
    pub seeded: Vec<(String, u64)>,
}

struct Ui {
    bar: Option<ProgressBar>,
}

impl Ui {
    fn start(enabled: bool, step: Step, total: usize) -> Ui {
        let n = step as usize + 1;
        let msg = format!("[{n}/{total}] {}", step.name());
        if !enabled {
            eprintln!("{msg} …");
            return Ui { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
                .expect("valid template"),
        );
        bar.set_prefix(msg);
        bar.enable_steady_tick(Duration::from_millis(120));
        Ui { bar: Some(bar) }
    }
    fn note(&self, m: String) {
        if let Some(b) = &self.bar {
            b.set_message(m);
        }
    }
    fn done(self, step: Step, total: usize, elapsed: Duration, summary: &str) {
        let line = format!(
            "[{}/{total}] {:<9} {:>7.2?}  {summary}",
            step as usize + 1,
            step.name(),
            elapsed
        );
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
        eprintln!("{line}");
    }
}

/// Runs steps 1 through `opts.through`.
pub fn run(opts: &PipelineOptions) -> Result<PipelineReport> {
    guard_destructive(&opts.target, "reset and rebuild", opts.allow_non_test_db)?;
    let total = opts.through as usize + 1;
    let mut report = PipelineReport::default();
    let mut timed = |step: Step, f: &mut dyn FnMut(&Ui) -> Result<String>| -> Result<()> {
        if step > opts.through {
            return Ok(());
        }
        let ui = Ui::start(opts.progress, step, total);
        let started = Instant::now();
        let summary = f(&ui)?;
        let elapsed = started.elapsed();
        ui.done(step, total, elapsed, &summary);
        report.timings.push((step, elapsed, summary));
        Ok(())
    };

    timed(Step::Reset, &mut |ui| {
        ui.note("choosing the dump".into());
        let chosen = restore::choose_dump(&opts.dump, &opts.target)?;
        ui.note(format!(
            "restoring {} ({})",
            chosen.path.display(),
            chosen.origin
        ));
        let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
        let r = restore::reset(
            &opts.target,
            &chosen.path,
            restore::ResetOptions {
                jobs,
                allow_empty: false,
                lock_timeout_secs: 30,
            },
        )?;
        for line in &r.recovered {
            ui.note(format!("recovered: {line}"));
        }
        Ok(format!(
            "{} rows from {} ({})",
            r.rows.values().sum::<u64>(),
            chosen.path.display(),
            chosen.origin
        ))
    })?;

    timed(Step::Migrate, &mut |ui| {
        let r = migrate::run(&opts.target, &migrate::MigrateOptions::default(), |e| {
            if let migrate::Event::Applying(m) = e {
                ui.note(m.file_name.to_string());
            }
        })?;
        Ok(format!(
            "{} files applied, {} already applied",
            r.applied.len(),
            r.already_applied
        ))
    })?;

    let mut extract_report = None;
    timed(Step::Passwords, &mut |ui| {
        let cost = opts.bcrypt_cost.unwrap_or(if opts.extract.anonymize {
            4
        } else {
            passwords::DEFAULT_COST
        });
        let known = match &opts.known_passwords {
            Some(p) => passwords::read_known(p)?,
            None => Vec::new(),
        };
        let mut client = connect(&opts.target)?;
        ui.note(format!("bcrypt cost {cost}"));
        let r = passwords::run(&mut client, &known, cost, |_| {})?;
        Ok(format!(
            "{} known, {} students, {} testtest (cost {cost}{})",
            r.known,
            r.students,
            r.fallback,
            if opts.bcrypt_cost.is_none() && opts.extract.anonymize {
                ": extraction replaces every hash"
            } else {
                ""
            }
        ))
    })?;

    timed(Step::Extract, &mut |ui| {
        let r = extract::extract(&opts.target, &opts.extract, |e| {
            if let extract::Event::TableRead { table, rows } = e {
                ui.note(format!("read {table} ({rows} rows)"));
            }
        })?;
        let s = format!(
            "{} rows, {} files written, {} unchanged, {}",
            r.rows.values().sum::<usize>(),
            r.files_written,
            r.files_unchanged,
            if r.anonymized {
                "anonymized"
            } else {
                "NOT anonymized"
            }
        );
        extract_report = Some(r);
        Ok(s)
    })?;
    report.extract = extract_report;

    let mut seeded = Vec::new();
    timed(Step::Seed, &mut |_ui| {
        // Seed what was just extracted, merged exactly as build.rs would.
        let plan = plan::plan_for_sources(&opts.extract.golden_root)?;
        let mut client = connect(&opts.target)?;
        let r = seed::seed_plan(&mut client, &plan, None)?;
        let n: u64 = r.rows.iter().map(|(_, n)| n).sum();
        seeded = r.rows;
        Ok(format!("{n} rows"))
    })?;
    report.seeded = seeded;
    Ok(report)
}

fn connect(url: &DbUrl) -> Result<postgres::Client> {
    url.connect()
        .map_err(|e| restore::unreachable(url, &e).into())
}

/// Rows per table as a printable table.
pub fn rows_table(rows: &BTreeMap<String, usize>) -> String {
    let width = rows.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (t, n) in rows {
        out.push_str(&format!("  {t:<width$}  {n:>8}\n"));
    }
    out.push_str(&format!(
        "  {:<width$}  {:>8}\n",
        "total",
        rows.values().sum::<usize>()
    ));
    out
}
