//! The kitchen sink (tests/fixtures/kitchen_sink.sql: every column type the
//! tool maps, and the text-form fallback, each in its own table) goes through
//! extract → build.rs's evaluation → seed into a schema-only copy and comes
//! back byte-identical. Columns the tool truly cannot handle are listed in
//! one run.

mod common;

use std::path::Path;

use common::round_trip::{compare, extract_into, round_trip, split_at_data};
use common::TestDb;

const KITCHEN_SINK: &str = include_str!("fixtures/kitchen_sink.sql");

#[test]
fn the_kitchen_sink_round_trips_byte_identically() {
    let (schema, data) = split_at_data(KITCHEN_SINK);
    let rt = round_trip("kitchen_sink", schema, data, "");
    // Every table was seeded with all its rows (the comparison would
    // also catch a missing row; this names the count).
    let seeded: u64 = rt.seeded.iter().map(|(_, n)| n).sum();
    assert!(seeded > 150, "only {seeded} rows seeded: {:?}", rt.seeded);

    // The values took their typed shapes, not the text fallback.
    // The value grammar, whatever the layout: without whitespace, and
    // without the trailing comma of a list broken across lines.
    let squashed = |text: &str| {
        text.split_whitespace()
            .collect::<String>()
            .replace(",)", ")")
            .replace(",]", "]")
    };
    let generated = |table: &str| {
        squashed(&std::fs::read_to_string(rt.generated().join(format!("auto_{table}.rs"))).unwrap())
    };
    for (table, shape) in [
        ("ks_float8", "Some(f64::NAN)"),
        ("ks_float8", "Some(-0.0)"),
        ("ks_float4", "Some(f32::NEG_INFINITY)"),
        ("ks_bytea", r#"Some(b"\0\xFF\n\\\"\0")"#),
        (
            "ks_numeric",
            r#"Numeric("12345678901234567890.12345678901234567890")"#,
        ),
        ("ks_numeric", r#"Numeric("NaN")"#),
        (
            "ks_inet",
            "Inet::v6([0x2001, 0xdb8, 0x0, 0x0, 0x0, 0xff00, 0x42, 0x8329], 64)",
        ),
        (
            "ks_int4range",
            "Range::Span(Bound::Unbounded, Bound::Excluded(6))",
        ),
        ("ks_int4range", "Some(Range::Empty)"),
        ("ks_date", "Date::NEG_INFINITY"),
        ("ks_timestamp", "Timestamptz::INFINITY"),
        ("ks_array_nd", "Array::new(&[1, 1], &[1, 1], &[None])"),
        ("ks_array_nd", "&[-1],"),
        ("ks_interval", r#"Interval("1 day -01:00:00")"#),
        ("ks_composite", r#"PgText("(1,a)")"#),
        ("ks_char", r#"Some("ab   ")"#),
    ] {
        assert!(
            generated(table).contains(&squashed(shape)),
            "{shape} not in auto_{table}.rs"
        );
    }
    let schema_rs = std::fs::read_to_string(rt.generated().join("schema.rs")).unwrap();
    assert!(
        schema_rs.contains("pub v: Option<Range<Timestamptz>>"),
        "{schema_rs}"
    );
    assert!(schema_rs.contains("pub d: &'static [u8]"), "{schema_rs}");

    // The comparison itself notices a changed byte.
    rt.copy
        .client()
        .batch_execute("UPDATE ks_json SET v = '{\"b\": 1,  \"a\"  : [1, 2]}' WHERE id = 1")
        .unwrap();
    let diff = compare(&mut rt.source.client(), &mut rt.copy.client());
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(diff[0].contains("ks_json"), "{diff:?}");
}

/// Writes `bytes` to `path` unless it already holds them (an unchanged file
/// keeps its mtime, so cargo rebuilds nothing).
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// The kitchen sink's generated Rust compiles against the runtime types and
/// its values read back as the types promise. trybuild builds a small
/// program that includes the generated files, in the target directory
/// `tests/fixture_refs.rs` and `tests/compile_fail.rs` already build the
/// crate in, so only the program itself is compiled on a warm run.
#[test]
fn the_kitchen_sink_generated_code_compiles() {
    let (schema, data) = split_at_data(KITCHEN_SINK);
    let db = TestDb::with_sql("kitchen_sink_compiles", &format!("{schema}\n{data}"));
    let tmp = extract_into(&db, "").unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kitchen_sink");
    let generated = dir.join("generated");
    let mut wanted = Vec::new();
    for entry in std::fs::read_dir(tmp.path().join("generated")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        write_if_changed(&generated.join(&name), &std::fs::read(&path).unwrap());
        wanted.push(name);
    }
    for entry in std::fs::read_dir(&generated).unwrap() {
        let path = entry.unwrap().path();
        if !wanted.contains(&path.file_name().unwrap().to_owned()) {
            std::fs::remove_file(path).unwrap();
        }
    }
    let program = format!(
        r#"//! The kitchen sink's generated fixtures, compiled and read.
#![allow(dead_code)]
#[path = {mod_rs:?}]
mod generated;

use generated::*;

fn main() {{
    assert!(auto_ks_float8::rows().any(|r| r.v.is_some_and(f64::is_nan)));
    assert!(auto_ks_float4::rows().any(|r| r.v == Some(f32::NEG_INFINITY)));
    assert!(auto_ks_bytea::rows().any(|r| r.d == b"\0\0"));
    assert!(auto_ks_int4range::rows().any(|r| matches!(r.v, Some(et_testdb::fixture::Range::Empty))));
    assert!(auto_ks_date::rows().any(|r| r.v == Some(et_testdb::fixture::Date::INFINITY)));
    assert!(auto_ks_numeric::rows().any(|r| r.free.map(|n| n.text()) == Some("NaN")));
    assert_eq!(auto_ks_array_nd::rows().count(), 7);
}}
"#,
        mod_rs = generated.join("mod.rs")
    );
    let main_rs = dir.join("kitchen_sink_compiles.rs");
    write_if_changed(&main_rs, program.as_bytes());
    // As tests/fixture_refs.rs does, so the two share built dependencies.
    std::env::set_var("CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL", "2");
    let t = trybuild::TestCases::new();
    t.pass(&main_rs);
}

#[test]
fn columns_the_tool_cannot_handle_are_listed_in_one_run() {
    let db = TestDb::with_sql(
        "unhandled",
        "CREATE TABLE plans (id integer PRIMARY KEY, tree pg_node_tree, fine interval);
         CREATE TABLE stats (id integer PRIMARY KEY, nd pg_ndistinct, deps pg_dependencies);",
    );
    let err = extract_into(&db, "").expect_err("these columns cannot be seeded");
    let text = err.to_string();
    // One table, one line per column: table, column, type, why.
    for (table, column, ty) in [
        ("plans", "tree", "pg_node_tree"),
        ("stats", "nd", "pg_ndistinct"),
        ("stats", "deps", "pg_dependencies"),
    ] {
        assert!(
            text.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.starts_with(&[table, column, ty])
            }),
            "no line for {table}.{column} in:\n{text}"
        );
    }
    assert!(text.contains("3 column(s)"), "{text}");
    assert!(!text.contains("fine"), "interval is handled:\n{text}");
}
