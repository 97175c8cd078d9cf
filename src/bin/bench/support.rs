//! Benchmarks that print figures against the design's performance targets,
//! all measured in one run (shared/DESIGN.md, "Performance targets"; timed
//! assertions never go into tests). One module per subcommand of
//! `cargo run --release --bin bench -- <subcommand>`; this module holds what
//! they share: errors, summary statistics and how figures are printed.

use std::fmt::Write as _;
use std::time::Duration;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A pipeline step, the harness or the cluster failed (boxed: the crate
    /// error is large).
    #[error(transparent)]
    Step(Box<et_testdb::Error>),
    /// A statement the benchmark runs itself failed.
    #[error("benchmark: {what} failed: {detail}")]
    Db { what: String, detail: String },
    /// A program the benchmark runs failed.
    #[error("benchmark: `{command}` failed: {detail}")]
    Command { command: String, detail: String },
    /// A scratch file or directory could not be written.
    #[error("benchmark: {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A helper process of the benchmark failed.
    #[error("the benchmark's helper process failed: {detail}")]
    Child { detail: String },
}

impl BenchError {
    /// Wraps any step's error (everything that converts into [`et_testdb::Error`]).
    pub fn step(e: impl Into<et_testdb::Error>) -> BenchError {
        BenchError::Step(Box::new(e.into()))
    }
}

impl From<et_testdb::engine::testing::TestingError> for BenchError {
    fn from(e: et_testdb::engine::testing::TestingError) -> Self {
        BenchError::step(e)
    }
}

impl From<et_testdb::engine::cluster::ClusterError> for BenchError {
    fn from(e: et_testdb::engine::cluster::ClusterError) -> Self {
        BenchError::step(e)
    }
}

pub(crate) fn db(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> BenchError {
    let what = what.into();
    move |e| BenchError::Db {
        what,
        detail: et_testdb::engine::restore::db_error_text(&e),
    }
}

/// Median, 95th percentile and extremes of a set of timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub n: usize,
    pub median: Duration,
    pub p95: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Stats {
    /// The statistics of `samples` (nearest-rank percentiles); None when empty.
    pub fn of(samples: &[Duration]) -> Option<Stats> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort();
        let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
        Some(Stats {
            n: s.len(),
            median: rank(0.5),
            p95: rank(0.95),
            min: s[0],
            max: s[s.len() - 1],
        })
    }
}

/// A duration as a person reads it: `12.3 ms`, `1.42 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// One line of a results table: a figure, its value, and its target with
/// whether it is met (None: informational).
#[derive(Debug, Clone)]
pub struct Line {
    pub figure: String,
    pub value: String,
    pub target: String,
    pub met: Option<bool>,
}

impl Line {
    /// An informational line, with no target.
    pub fn info(figure: impl Into<String>, value: impl Into<String>) -> Line {
        Line {
            figure: figure.into(),
            value: value.into(),
            target: String::new(),
            met: None,
        }
    }

    /// A line with a target.
    pub fn target(
        figure: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) -> Line {
        Line {
            figure: figure.into(),
            value: value.into(),
            target: target.into(),
            met: Some(met),
        }
    }
}

/// Renders `lines` as a [`markdown_table`].
pub fn table(lines: &[Line]) -> String {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.figure.clone(),
                l.value.clone(),
                l.target.clone(),
                match l.met {
                    Some(true) => "yes".into(),
                    Some(false) => "NO".into(),
                    None => String::new(),
                },
            ]
        })
        .collect();
    markdown_table(&["figure", "value", "target", "met"], &rows)
}

/// The median of `samples` as [`Stats`] computes it (zero when empty).
pub fn median(samples: &[Duration]) -> Duration {
    Stats::of(samples).map_or(Duration::ZERO, |s| s.median)
}

/// Seconds with three decimals.
pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `rows / d` as a rounded figure with thousands separators.
pub fn rate(rows: u64, d: Duration) -> String {
    let r = rows as f64 / d.as_secs_f64().max(1e-9);
    format!("{} rows/s", thousands(r.round() as u64))
}

/// 123456 → "123,456".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Prints [`markdown_table`].
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    print!("{}", markdown_table(header, rows));
}

/// A table with a header row, then rows, columns padded to fit, in
/// Markdown's pipe syntax (so the figures paste into notes as they are).
pub fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i == widths.len() {
                widths.push(0);
            }
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let padded: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{:<w$}", cells.get(i).map_or("", String::as_str)))
            .collect();
        let _ = writeln!(out, "| {} |", padded.join(" | "));
    };
    line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule);
    for r in rows {
        line(r);
    }
    out
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), to read timings
/// against: the machine is shared.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_use_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let samples: Vec<Duration> = (1..=20).rev().map(ms).collect();
        let s = Stats::of(&samples).unwrap();
        assert_eq!(
            (s.median, s.p95, s.min, s.max),
            (ms(10), ms(19), ms(1), ms(20))
        );
        assert_eq!(Stats::of(&[]), None);
        assert_eq!(Stats::of(&[ms(3)]).unwrap().p95, ms(3));
    }

    #[test]
    fn tables_align_and_mark_targets() {
        let t = table(&[
            Line::target("a", "1 ms", "≤ 2 ms", true),
            Line::info("longer figure", "3 ms"),
            Line::target("b", "9 s", "≤ 3 s", false),
        ]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "| figure        | value | target | met |");
        assert_eq!(lines[1], "| ------------- | ----- | ------ | --- |");
        assert_eq!(lines[2], "| a             | 1 ms  | ≤ 2 ms | yes |");
        assert_eq!(lines[3], "| longer figure | 3 ms  |        |     |");
        assert_eq!(lines[4], "| b             | 9 s   | ≤ 3 s  | NO  |");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(109_049), "109,049");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn median_is_the_nearest_rank_one() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(median(&[ms(4), ms(1), ms(2), ms(3)]), ms(2));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
