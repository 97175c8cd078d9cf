//! A schema's round trip through the whole tool, reusable for any schema:
//! a source database → `extract` (anonymization off) into a temporary
//! directory → the generated files evaluated in-process exactly as
//! `build.rs` does (`merge::load::load`, then `merge::merge`) → `seed_plan`
//! into a schema-only copy → every table compared as text, byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use et_testdb::engine::extract::{extract, ExtractError, ExtractOptions};
use et_testdb::engine::merge::{self, load};
use et_testdb::engine::project::Project;
use et_testdb::engine::restore::quote_ident;
use et_testdb::engine::seed::seed_plan;
use postgres::Client;

use super::TestDb;

/// A minimal project file for a schema nobody configured.
pub fn minimal_project(dir: &Path, name: &str, body: &str) -> Project {
    let path = dir.join("et-testdb.toml");
    let text = format!(
        "name = \"{name}\"\n[database]\nname = \"{name}_test\"\nurl_var = \"RT_URL\"\n\
         production_url_var = \"RT_PROD\"\nclient_url_var = \"RT_CLIENT\"\n{body}"
    );
    std::fs::write(&path, &text).unwrap();
    Project::parse(&path, &text).unwrap()
}

/// What a round trip produced, for further checks.
pub struct RoundTrip {
    /// The temporary directory holding `generated/`.
    pub dir: tempfile::TempDir,
    pub source: TestDb,
    pub copy: TestDb,
    /// Rows seeded per table.
    pub seeded: Vec<(String, u64)>,
}

impl RoundTrip {
    /// `generated/` of the extraction.
    pub fn generated(&self) -> PathBuf {
        self.dir.path().join("generated")
    }
}

/// Extracts `source` (anonymization off) into a new temporary directory.
pub fn extract_into(source: &TestDb, project: &str) -> Result<tempfile::TempDir, ExtractError> {
    let dir = tempfile::tempdir().unwrap();
    let project = minimal_project(dir.path(), "round_trip", project);
    let opts = ExtractOptions {
        out_dir: dir.path().join("generated"),
        golden_root: dir.path().to_path_buf(),
        anonymize: false,
        project: Some(project),
        ..ExtractOptions::default()
    };
    extract(&source.url, &opts, |_| {})?;
    Ok(dir)
}

/// The seed plan of `root`'s `generated/` and `golden/`, evaluated as
/// `build.rs` evaluates them.
pub fn plan_of(root: &Path) -> merge::Plan {
    let files = load::gather_sources(root).unwrap();
    let loaded = match load::load(&files) {
        Ok(l) => l,
        Err(errors) => panic!(
            "the generated files cannot be evaluated:\n  {}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
    };
    match merge::merge(&loaded.tables, loaded.rows) {
        Ok(plan) => plan,
        Err(conflicts) => panic!(
            "the generated files do not merge:\n  {}",
            conflicts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
    }
}

/// Runs the round trip of `schema_sql` + `data_sql` and asserts that every
/// table of schema `public` comes back byte-identical.
pub fn round_trip(label: &str, schema_sql: &str, data_sql: &str, project: &str) -> RoundTrip {
    let source = TestDb::with_sql(
        &format!("{label}_src"),
        &format!("{schema_sql}\n{data_sql}"),
    );
    let dir = match extract_into(&source, project) {
        Ok(d) => d,
        Err(e) => panic!("extract failed:\n{e}"),
    };
    super::assert_row_files_rustfmt_clean(&super::files_in(&dir.path().join("generated")));
    let plan = plan_of(dir.path());
    let copy = TestDb::with_sql(&format!("{label}_copy"), schema_sql);
    let report = seed_plan(&mut copy.client(), &plan, None)
        .unwrap_or_else(|e| panic!("seeding the copy failed:\n{e}"));
    let mismatches = compare(&mut source.client(), &mut copy.client());
    assert!(
        mismatches.is_empty(),
        "{} table(s) did not round-trip:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    RoundTrip {
        dir,
        source,
        copy,
        seeded: report.rows,
    }
}

/// Every table of schema `public` as sorted row texts.
pub fn tables_as_text(client: &mut Client) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let rows = client
                .query(
                    &format!(
                        "SELECT x::text FROM public.{} x ORDER BY x::text COLLATE \"C\"",
                        quote_ident(&t)
                    ),
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            (t, rows)
        })
        .collect()
}

/// One line per table that differs between the two databases, naming the
/// first differing row.
pub fn compare(source: &mut Client, copy: &mut Client) -> Vec<String> {
    let (a, b) = (tables_as_text(source), tables_as_text(copy));
    let mut out = Vec::new();
    for (table, rows) in &a {
        let Some(other) = b.get(table) else {
            out.push(format!("  {table}: missing from the copy"));
            continue;
        };
        if rows == other {
            continue;
        }
        let first = rows
            .iter()
            .zip(other)
            .find(|(x, y)| x != y)
            .map(|(x, y)| format!("source {x:?}, copy {y:?}"))
            .unwrap_or_else(|| {
                format!(
                    "{} rows in the source, {} in the copy",
                    rows.len(),
                    other.len()
                )
            });
        out.push(format!("  {table}: {first}"));
    }
    out
}

/// Splits a kitchen-sink style file at its `-- @data` line: (schema, data).
pub fn split_at_data(sql: &str) -> (&str, &str) {
    sql.split_once("\n-- @data\n")
        .expect("the SQL file has a `-- @data` line")
}
