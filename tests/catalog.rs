//! The migrated demo database's `public` schema equals upstream's v0.3
//! exactly: every line of tests/expected/v0.3_catalog.txt (hand-written from
//! schema-facts.md §1) against the same lines read from pg_catalog by
//! tests/catalog/catalog_lines.sql. Every difference is printed.

mod migrate_support;

use std::collections::BTreeSet;

use et_testdb::engine::migrate::{self, MigrateOptions};
use migrate_support::demo_v02;

const EXPECTED: &str = include_str!("expected/v0.3_catalog.txt");
const CATALOG_LINES: &str = include_str!("catalog/catalog_lines.sql");

fn expected_lines() -> Vec<String> {
    EXPECTED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn expected_catalog_has_no_duplicate_lines() {
    let lines = expected_lines();
    let unique: BTreeSet<&String> = lines.iter().collect();
    assert_eq!(lines.len(), unique.len(), "a line is listed twice");
}

/// The lines `expected` has and `actual` lacks, and the reverse.
fn differences(actual: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    let expected: BTreeSet<String> = expected_lines().into_iter().collect();
    (
        expected.difference(actual).cloned().collect(),
        actual.difference(&expected).cloned().collect(),
    )
}

#[test]
fn catalog_query_returns_lines_in_byte_order_and_v02_differs() {
    let db = demo_v02("catalog_order");
    let mut c = db.client();
    let lines: Vec<String> = c
        .query(CATALOG_LINES, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        lines.len() > 100,
        "the v0.2 catalog has {} lines",
        lines.len()
    );
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);

    // The comparison sees what v0.2 lacks and what it still has.
    let (missing, unexpected) = differences(&lines.into_iter().collect());
    for line in [
        "table admins",
        "enum notetypeenum: STUDY_NOTES, HOMEWORK, PAST_PAPERS",
        "column users.is_active boolean NOT NULL DEFAULT true",
    ] {
        assert!(
            missing.iter().any(|l| l == line),
            "{line} not reported missing"
        );
    }
    for line in [
        "column students.user_id uuid NOT NULL",
        "column timetable_runs.solution_data jsonb",
    ] {
        assert!(
            unexpected.iter().any(|l| l == line),
            "{line} not reported unexpected"
        );
    }
}

#[test]
fn migrated_demo_catalog_equals_upstream_v03() {
    let db = demo_v02("catalog");
    migrate::run(&db.url, &MigrateOptions::default(), |_| {}).unwrap();
    let actual: BTreeSet<String> = db
        .client()
        .query(CATALOG_LINES, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (missing, unexpected) = differences(&actual);
    let mut report = String::new();
    for l in &missing {
        report.push_str(&format!("\n  - missing:    {l}"));
    }
    for l in &unexpected {
        report.push_str(&format!("\n  + unexpected: {l}"));
    }
    assert!(
        report.is_empty(),
        "the migrated catalog differs from tests/expected/v0.3_catalog.txt in {} line(s):{report}",
        missing.len() + unexpected.len()
    );
}
