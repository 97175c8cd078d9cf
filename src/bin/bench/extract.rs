//! `bench extract` (issue 4): extraction rows/s, and what the generated code
//! costs rustc, at the default demo scale and at about 100k rows.
//!
//! Sources are demo databases migrated to v0.3 with passwords re-hashed
//! (what the pipeline hands to step 4), kept on the embedded cluster between
//! runs. Figures:
//! - read phase: connect, introspect the schema and read every table in one
//!   REPEATABLE READ snapshot (`ExtractReport::read_time` at the default
//!   scale; the same calls, `schema::load` + `rows::load_all`, at the large
//!   scale, where [`et_testdb::engine::extract::extract`] would refuse the row count);
//! - end to end: the whole [`et_testdb::engine::extract::extract`] call (read, subset,
//!   golden key avoidance, anonymization, codegen, atomic write). At the
//!   large scale extraction refuses more than
//!   [`et_testdb::engine::extract::MAX_EMBEDDED_ROWS`] rows, so it runs with the largest
//!   `--max-rows-per-table` that fits: it still reads every row, and the rate
//!   is given over the rows written;
//! - compile: a scratch crate holding a copy of `src/engine/fixture.rs` (as
//!   `et_testdb::engine::fixture`, reachable as `::et_testdb::engine::fixture` through
//!   `extern crate self as et_testdb`, exactly as in this crate) and the
//!   extracted files, with this crate's dev profile and lock file. Its
//!   dependencies are built once; each timed run cleans just that crate and
//!   runs `cargo build`. Peak memory is GNU time's maximum resident set size
//!   of the build (the one rustc process dominates it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::scratch::{self, db, BenchError};
use crate::{load_average, median, print_table, rate, secs, thousands};
use et_testdb::engine::extract::{self, ExtractOptions, MAX_EMBEDDED_ROWS};

/// Options of `bench extract`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExtractArgs {
    /// Demo scale of the large source (scale 5 has about 117k rows after
    /// migration; extraction keeps at most 100k of them).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub scale: u32,
    /// Timed extraction runs per source (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub runs: usize,
    /// Timed clean builds per generated tree (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub compile_runs: usize,
    /// Skip the compile measurements.
    #[arg(long)]
    pub no_compile: bool,
    /// Skip the large source (only the default scale).
    #[arg(long)]
    pub default_only: bool,
}

/// Extraction figures for one source.
#[derive(Debug, Clone)]
pub struct ExtractFigures {
    pub label: String,
    /// Rows read from the source.
    pub rows_read: u64,
    pub read: Duration,
    /// Rows written to the generated files.
    pub rows_written: u64,
    /// `--max-rows-per-table` used to stay under the cap, if any.
    pub subset: Option<usize>,
    pub end_to_end: Duration,
    /// Medians of the phases of the whole call, in order: read; subset and
    /// golden keys; anonymization; codegen and write.
    pub phases: [Duration; 4],
    /// The last phase split, measured apart on the same (not anonymized)
    /// rows: `codegen::gen_all`, then `codegen::write_atomically`.
    pub codegen_split: (Duration, Duration),
}

/// Compile figures for one generated tree.
#[derive(Debug, Clone)]
pub struct CompileFigures {
    pub label: String,
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub clean_build: Duration,
    /// Peak resident memory in bytes, when GNU time is available.
    pub peak_memory: Option<u64>,
    /// User + system CPU time of the build, when GNU time is available
    /// (less sensitive than wall time to other load on the machine).
    pub cpu: Option<Duration>,
}

/// The default scale's generated code must build from clean within this
/// (issue 12).
pub const DEFAULT_COMPILE_TARGET: Duration = Duration::from_secs(3);
/// About 100k rows' generated code must build from clean within this, and
/// within [`LARGE_MEMORY_TARGET`] bytes of rustc memory (issue 12).
pub const LARGE_COMPILE_TARGET: Duration = Duration::from_secs(12);
/// See [`LARGE_COMPILE_TARGET`].
pub const LARGE_MEMORY_TARGET: u64 = 1_200_000_000;
/// Extraction end to end, at the default scale and at about 100k rows
/// (issue 12).
pub const RATE_TARGET: f64 = 150_000.0;

/// Runs the benchmark and prints its tables.
pub fn run(args: &ExtractArgs) -> Result<(Vec<ExtractFigures>, Vec<CompileFigures>), BenchError> {
    let runs = args.runs.max(1);
    let work = tempfile::tempdir().map_err(scratch::io("creating a temporary directory"))?;
    let mut figures = Vec::new();
    let mut trees: Vec<(String, u64, PathBuf)> = Vec::new();

    let (small, _) = scratch::demo_source(1, |m| eprintln!("bench extract: {m}"))?;
    let out = work.path().join("scale1/generated");
    let f = measure_extract("demo scale 1 (default)", &small, None, None, &out, runs)?;
    trees.push((f.label.clone(), f.rows_written, out));
    figures.push(f);

    if !args.default_only {
        let (large, _) = scratch::demo_source(args.scale, |m| eprintln!("bench extract: {m}"))?;
        let (read, rows_read, cap_n) = measure_read(&large, runs)?;
        let out = work.path().join("large/generated");
        let f = measure_extract(
            &format!("demo scale {}", args.scale),
            &large,
            Some((read, rows_read)),
            cap_n,
            &out,
            runs,
        )?;
        trees.push((f.label.clone(), f.rows_written, out));
        figures.push(f);
    }

    println!();
    println!("load average after extracting: {}", load_average());
    println!("extraction, median of {runs} runs; target ≥ 150,000 rows/s end to end");
    let rows: Vec<Vec<String>> = figures
        .iter()
        .flat_map(|f| {
            let read_rate = f.rows_read as f64 / f.read.as_secs_f64().max(1e-9);
            let e2e_rate = f.rows_written as f64 / f.end_to_end.as_secs_f64().max(1e-9);
            let pass = |r: f64| if r >= RATE_TARGET { "PASS" } else { "MISS" }.to_string();
            [
                vec![
                    f.label.clone(),
                    "read phase (connect, introspect, read all tables)".to_string(),
                    thousands(f.rows_read),
                    secs(f.read),
                    rate(f.rows_read, f.read),
                    pass(read_rate),
                ],
                vec![
                    f.label.clone(),
                    match f.subset {
                        None => "end to end (read, anonymize, codegen, write)".to_string(),
                        Some(n) => format!(
                            "end to end, --max-rows-per-table {n} (reads all, writes a subset)"
                        ),
                    },
                    thousands(f.rows_written),
                    secs(f.end_to_end),
                    rate(f.rows_written, f.end_to_end),
                    pass(e2e_rate),
                ],
            ]
        })
        .collect();
    print_table(
        &["source", "what", "rows", "time", "rate", "≥ 150k/s"],
        &rows,
    );
    println!();
    println!("where the end-to-end time goes (medians of each phase)");
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            let mut r = vec![f.label.clone()];
            r.extend(f.phases.iter().map(|&d| secs(d)));
            r.push(format!(
                "{} + {}",
                secs(f.codegen_split.0),
                secs(f.codegen_split.1)
            ));
            r
        })
        .collect();
    print_table(
        &[
            "source",
            "read",
            "subset + golden keys",
            "anonymize",
            "codegen + write",
            "apart: gen_all + write_atomically",
        ],
        &rows,
    );
    if let Some((_, _, tree)) = trees.first() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("generated");
        println!(
            "the default-scale extraction {} the committed generated/",
            if same_tree(tree, &committed) {
                "is byte-identical to"
            } else {
                "DIFFERS from"
            }
        );
    }

    let mut compiles = Vec::new();
    if !args.no_compile {
        let krate = compile_crate_dir();
        for (label, rows, tree) in &trees {
            eprintln!("bench extract: compiling the generated code of {label}");
            compiles.push(measure_compile(
                &krate,
                label,
                *rows,
                tree,
                args.compile_runs.max(1),
            )?);
        }
        println!();
        println!("load average while building: {}", load_average());
        println!(
            "clean build of generated/ (debug, dependencies already built), median of {} runs; \
             targets: default scale ≤ 3 s, about 100k rows ≤ 12 s and ≤ 1.2 GB",
            args.compile_runs.max(1)
        );
        let rows: Vec<Vec<String>> = compiles
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    c.label.clone(),
                    thousands(c.rows),
                    format!("{} files, {:.1} MB", c.files, c.bytes as f64 / 1e6),
                    secs(c.clean_build),
                    c.cpu.map(secs).unwrap_or_else(|| "n/a".to_string()),
                    c.peak_memory
                        .map(|b| format!("{:.2} GB", b as f64 / 1e9))
                        .unwrap_or_else(|| "n/a (needs GNU time)".to_string()),
                    {
                        let met = if i == 0 {
                            c.clean_build <= DEFAULT_COMPILE_TARGET
                        } else {
                            c.clean_build <= LARGE_COMPILE_TARGET
                                && c.peak_memory.is_some_and(|m| m <= LARGE_MEMORY_TARGET)
                        };
                        if met { "PASS" } else { "MISS" }.to_string()
                    },
                ]
            })
            .collect();
        print_table(
            &[
                "generated from",
                "rows",
                "size",
                "clean build (wall)",
                "CPU (user+sys)",
                "peak rustc memory",
                "target (wall, memory)",
            ],
            &rows,
        );
    }
    Ok((figures, compiles))
}

/// Times the read phase alone (every row), and finds the largest
/// `--max-rows-per-table` whose subset extraction accepts (`None` when the
/// whole database fits).
fn measure_read(
    url: &et_testdb::engine::config::DbUrl,
    runs: usize,
) -> Result<(Duration, u64, Option<usize>), BenchError> {
    let mut samples = Vec::new();
    let mut last = None;
    for i in 0..runs {
        eprintln!("bench extract: read phase, run {}/{runs}", i + 1);
        let started = Instant::now();
        let mut client = url.connect().map_err(db(format!("connecting to {url}")))?;
        let schema = et_testdb::engine::schema::load(&mut client).map_err(BenchError::step)?;
        let all =
            et_testdb::engine::rows::load_all(&mut client, &schema).map_err(BenchError::step)?;
        samples.push(started.elapsed());
        last = Some((schema, all));
    }
    let (schema, all) = last.expect("at least one run");
    let total: usize = all.values().map(Vec::len).sum();
    if total <= MAX_EMBEDDED_ROWS {
        return Ok((median(&samples), total as u64, None));
    }
    // The largest n whose referentially closed subset fits under the cap.
    let subset_total = |n: usize| {
        let mut copy = all.clone();
        extract::subset(&schema, &mut copy, n);
        copy.values().map(Vec::len).sum::<usize>()
    };
    let (mut lo, mut hi) = (1usize, all.values().map(Vec::len).max().unwrap_or(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if subset_total(mid) <= MAX_EMBEDDED_ROWS {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok((median(&samples), total as u64, Some(lo)))
}

/// Times `extract::extract` into `out` (`runs` times, the last output kept).
fn measure_extract(
    label: &str,
    url: &et_testdb::engine::config::DbUrl,
    read: Option<(Duration, u64)>,
    max_rows_per_table: Option<usize>,
    out: &Path,
    runs: usize,
) -> Result<ExtractFigures, BenchError> {
    let mut reads = Vec::new();
    let mut totals = Vec::new();
    let mut phases: [Vec<Duration>; 4] = Default::default();
    let mut report = None;
    for i in 0..runs {
        eprintln!("bench extract: {label}: extraction run {}/{runs}", i + 1);
        // A fresh directory each time: the writer skips unchanged files, which
        // would flatter every run after the first.
        if out.exists() {
            std::fs::remove_dir_all(out)
                .map_err(scratch::io(format!("removing {}", out.display())))?;
        }
        let started = Instant::now();
        let (mut anonymizing, mut writing) = (None, None);
        let r = extract::extract(
            url,
            &ExtractOptions {
                out_dir: out.to_path_buf(),
                max_rows_per_table,
                ..ExtractOptions::default()
            },
            |e| match e {
                extract::Event::Anonymizing => anonymizing = Some(started.elapsed()),
                extract::Event::Writing => writing = Some(started.elapsed()),
                _ => {}
            },
        )
        .map_err(BenchError::step)?;
        let writing = writing.unwrap_or(r.total_time);
        let anonymizing = anonymizing.unwrap_or(writing);
        phases[0].push(r.read_time);
        phases[1].push(anonymizing.saturating_sub(r.read_time));
        phases[2].push(writing.saturating_sub(anonymizing));
        phases[3].push(r.total_time.saturating_sub(writing));
        reads.push(r.read_time);
        totals.push(r.total_time);
        report = Some(r);
    }
    let report = report.expect("at least one run");
    let rows_written = report.rows.values().sum::<usize>() as u64;
    let (read, rows_read) = read.unwrap_or((median(&reads), rows_written));
    Ok(ExtractFigures {
        label: label.to_string(),
        rows_read,
        read,
        rows_written,
        subset: max_rows_per_table,
        end_to_end: median(&totals),
        phases: phases.map(|p| median(&p)),
        codegen_split: codegen_split(url, max_rows_per_table, out)?,
    })
}

/// Times `codegen::gen_all` and `codegen::write_atomically` apart, once, on
/// the rows extraction writes (subset the same way; not anonymized, which
/// changes values but not the shape of the code).
fn codegen_split(
    url: &et_testdb::engine::config::DbUrl,
    max_rows_per_table: Option<usize>,
    out: &Path,
) -> Result<(Duration, Duration), BenchError> {
    let mut client = url.connect().map_err(db(format!("connecting to {url}")))?;
    let schema = et_testdb::engine::schema::load(&mut client).map_err(BenchError::step)?;
    let mut all =
        et_testdb::engine::rows::load_all(&mut client, &schema).map_err(BenchError::step)?;
    if let Some(n) = max_rows_per_table {
        extract::subset(&schema, &mut all, n);
    }
    let started = Instant::now();
    let files = et_testdb::engine::codegen::gen_all(
        &schema,
        &all,
        &et_testdb::engine::codegen::Options::default(),
    )
    .map_err(BenchError::step)?;
    let generate = started.elapsed();
    let target = out.with_file_name("split-generated");
    let started = Instant::now();
    et_testdb::engine::codegen::write_atomically(&target, &files).map_err(BenchError::step)?;
    let write = started.elapsed();
    std::fs::remove_dir_all(&target)
        .map_err(scratch::io(format!("removing {}", target.display())))?;
    Ok((generate, write))
}

/// The scratch crate lives under this crate's target directory so its
/// dependencies stay built between runs.
fn compile_crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-compile")
}

const CRATE_NAME: &str = "et-bench-fixtures";

const CARGO_TOML: &str = r#"[package]
name = "et-bench-fixtures"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "src/lib.rs"

[dependencies]
rust_decimal = "1"
serde_json = "1"
time = { version = "0.3", features = ["macros", "formatting", "parsing"] }
uuid = "1"

# The same profile as et-testdb's.
[profile.dev.package."*"]
opt-level = 2

[profile.dev]
debug = "line-tables-only"

[workspace]
"#;

const LIB_RS: &str = r#"//! The generated fixture code alone, for `bench extract` compile figures.
#![allow(dead_code)]
extern crate self as et_testdb;
pub mod engine {
    pub mod civil;
    pub mod fixture;
}
pub use engine::fixture;
#[path = "../generated/mod.rs"]
pub mod generated;
"#;

/// Writes the scratch crate with `tree` as its `generated/`, builds its
/// dependencies (untimed), then times `runs` clean builds of the crate.
fn measure_compile(
    krate: &Path,
    label: &str,
    rows: u64,
    tree: &Path,
    runs: usize,
) -> Result<CompileFigures, BenchError> {
    let write = |rel: &str, text: &str| -> Result<(), BenchError> {
        let path = krate.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(scratch::io(format!("creating {}", dir.display())))?;
        }
        // Unchanged files keep their mtime, so cargo keeps what is built.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text)
                .map_err(scratch::io(format!("writing {}", path.display())))?;
        }
        Ok(())
    };
    write("Cargo.toml", CARGO_TOML)?;
    write("Cargo.lock", include_str!("../../../Cargo.lock"))?;
    write("src/lib.rs", LIB_RS)?;
    write(
        "src/engine/fixture.rs",
        include_str!("../../engine/fixture.rs"),
    )?;
    write("src/engine/civil.rs", include_str!("../../engine/civil.rs"))?;
    let generated = krate.join("generated");
    if generated.exists() {
        std::fs::remove_dir_all(&generated)
            .map_err(scratch::io(format!("removing {}", generated.display())))?;
    }
    let (files, bytes) = copy_tree(tree, &generated)?;

    // The dependencies only, untimed.
    cargo(
        krate,
        &[
            "build",
            "--offline",
            "--quiet",
            "-p",
            "rust_decimal",
            "-p",
            "serde_json",
            "-p",
            "time",
            "-p",
            "uuid",
        ],
    )?;
    let time = Path::new("/usr/bin/time");
    let mut builds = Vec::new();
    let mut peaks = Vec::new();
    let mut cpus = Vec::new();
    for i in 0..runs {
        eprintln!("bench extract: {label}: clean build {}/{runs}", i + 1);
        cargo(krate, &["clean", "--offline", "--quiet", "-p", CRATE_NAME])?;
        let incremental = krate.join("target/debug/incremental");
        if incremental.exists() {
            for entry in
                std::fs::read_dir(&incremental).map_err(scratch::io("listing incremental/"))?
            {
                let entry = entry.map_err(scratch::io("listing incremental/"))?;
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("et_bench_fixtures")
                {
                    std::fs::remove_dir_all(entry.path())
                        .map_err(scratch::io("removing the incremental cache"))?;
                }
            }
        }
        let rss_file = krate.join("target/peak-rss.txt");
        let started = Instant::now();
        if time.exists() {
            let mut cmd = Command::new(time);
            cmd.arg("-f")
                .arg("%M %U %S")
                .arg("-o")
                .arg(&rss_file)
                .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            run_cargo(cmd, krate, &["build", "--offline", "--quiet"])?;
        } else {
            cargo(krate, &["build", "--offline", "--quiet"])?;
        }
        builds.push(started.elapsed());
        if time.exists() {
            let text = std::fs::read_to_string(&rss_file)
                .map_err(scratch::io(format!("reading {}", rss_file.display())))?;
            // The last line is ours; earlier ones would be cargo's warnings.
            let fields: Vec<&str> = text
                .lines()
                .last()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            if let [kb, user, sys] = fields[..] {
                if let (Ok(kb), Ok(user), Ok(sys)) =
                    (kb.parse::<u64>(), user.parse::<f64>(), sys.parse::<f64>())
                {
                    peaks.push(kb * 1024);
                    cpus.push(Duration::from_secs_f64(user + sys));
                }
            }
        }
    }
    peaks.sort();
    Ok(CompileFigures {
        label: label.to_string(),
        rows,
        files,
        bytes,
        clean_build: median(&builds),
        peak_memory: peaks.get(peaks.len() / 2).copied(),
        cpu: (!cpus.is_empty()).then(|| median(&cpus)),
    })
}

fn cargo(krate: &Path, args: &[&str]) -> Result<(), BenchError> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run_cargo(Command::new(program), krate, args)
}

fn run_cargo(mut cmd: Command, krate: &Path, args: &[&str]) -> Result<(), BenchError> {
    cmd.args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", krate.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let shown = format!("cargo {}", args.join(" "));
    let out = cmd
        .output()
        .map_err(scratch::io(format!("running {shown}")))?;
    if !out.status.success() {
        return Err(BenchError::Command {
            command: format!("{shown} (in {})", krate.display()),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

/// Copies a directory tree; returns the number of files and their bytes.
fn copy_tree(from: &Path, to: &Path) -> Result<(usize, u64), BenchError> {
    std::fs::create_dir_all(to).map_err(scratch::io(format!("creating {}", to.display())))?;
    let (mut files, mut bytes) = (0, 0);
    for entry in
        std::fs::read_dir(from).map_err(scratch::io(format!("listing {}", from.display())))?
    {
        let entry = entry.map_err(scratch::io(format!("listing {}", from.display())))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            let (f, b) = copy_tree(&entry.path(), &target)?;
            files += f;
            bytes += b;
        } else {
            bytes += std::fs::copy(entry.path(), &target)
                .map_err(scratch::io(format!("copying {}", entry.path().display())))?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// Whether two directory trees hold the same files with the same bytes.
fn same_tree(a: &Path, b: &Path) -> bool {
    fn files(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                files(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                out.push((rel, std::fs::read(&path)?));
            }
        }
        Ok(())
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    if files(a, a, &mut x).is_err() || files(b, b, &mut y).is_err() {
        return false;
    }
    x.sort();
    y.sort();
    x == y
}
