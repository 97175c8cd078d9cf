//! The project file as data: rules, skips and faker settings change what
//! `extract` does with no Rust edit and no rebuild, and a bad line is
//! reported with its line number, every bad line at once.

mod common;

use std::path::Path;

use common::TestDb;
use et_testdb::engine::extract::{extract, ExtractError, ExtractOptions};
use et_testdb::engine::project::Project;

const CONTACTS_SQL: &str = r#"
CREATE TABLE contacts (
    id integer PRIMARY KEY,
    phone text NOT NULL,
    city text,
    visits integer NOT NULL,
    met_on date,
    scratch text,
    tally integer NOT NULL
);
CREATE TABLE audit (id integer PRIMARY KEY, owner integer NOT NULL REFERENCES contacts (id));
CREATE TABLE cache (id integer PRIMARY KEY, blob text);
INSERT INTO contacts VALUES
    (1, '+44 20 7946 0018', 'Leeds', 3, '2024-03-01', 'x', 1),
    (2, '+44 20 7946 0019', 'York', 5, '2024-04-02', 'y', 2);
INSERT INTO audit VALUES (1, 1);
INSERT INTO cache VALUES (1, 'anything');
"#;

fn file(dir: &Path, body: &str) -> Project {
    let path = dir.join("et-testdb.toml");
    let text = format!(
        "name = \"contacts\"\n[database]\nname = \"contacts_test\"\nurl_var = \"C_URL\"\n\
         production_url_var = \"C_PROD\"\nclient_url_var = \"C_CLIENT\"\n{body}"
    );
    std::fs::write(&path, text).unwrap();
    Project::read(&path).unwrap()
}

fn options(dir: &Path, project: Project) -> ExtractOptions {
    ExtractOptions {
        out_dir: dir.join("generated"),
        golden_root: dir.to_path_buf(),
        project: Some(project),
        ..ExtractOptions::default()
    }
}

#[test]
fn a_rule_added_to_the_file_is_used_without_a_rebuild() {
    let db = TestDb::with_sql("project_rules", CONTACTS_SQL);
    let dir = tempfile::tempdir().unwrap();

    // No rule: the phone and city columns are refused, nothing written.
    let err = extract(&db.url, &options(dir.path(), file(dir.path(), "")), |_| {})
        .expect_err("unreviewed personal columns are refused");
    assert!(matches!(err, ExtractError::Anonymize(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("contacts.phone (text)"), "{text}");
    assert!(text.contains("contacts.city (text)"), "{text}");
    assert!(!dir.path().join("generated").exists());

    // Rules in the file: extraction runs, and the fakes replace the values.
    let project = file(
        dir.path(),
        "[anonymize]\nlocale = \"en\"\n[anonymize.columns]\n\"contacts.phone\" = \"phone\"\n\
         \"contacts.city\" = \"city\"\n\"contacts.met_on\" = \"date_shift\"\n\
         \"cache.blob\" = { keep = \"opaque cache entries, no personal data\" }\n\
         [schema]\nskip = [\"contacts.scratch\"]\n",
    );
    let report = extract(&db.url, &options(dir.path(), project), |_| {}).unwrap();
    assert_eq!(report.rows["contacts"], 2);
    let generated = std::fs::read_to_string(dir.path().join("generated/auto_contacts.rs")).unwrap();
    for real in ["7946 0018", "Leeds", "York", "2024-03-01"] {
        assert!(!generated.contains(real), "{real} leaked:\n{generated}");
    }
    let schema_rs = std::fs::read_to_string(dir.path().join("generated/schema.rs")).unwrap();
    assert!(
        !schema_rs.contains("scratch"),
        "a skipped column is not generated"
    );
    assert!(schema_rs.contains("visits"), "{schema_rs}");
}

#[test]
fn every_bad_line_is_named_against_the_live_schema() {
    let db = TestDb::with_sql("project_bad", CONTACTS_SQL);
    let dir = tempfile::tempdir().unwrap();
    let project = file(
        dir.path(),
        "[schema]\nskip = [\"contacts.tally\", \"nosuch\", \"contacts\", \"contacts.id\"]\n\
         [anonymize.columns]\n\"contacts.phon\" = \"phone\"\n\"contacts.visits\" = \"email\"\n\
         \"missing.col\" = \"city\"\n",
    );
    let err = extract(&db.url, &options(dir.path(), project), |_| {})
        .expect_err("a file that does not fit the schema is refused");
    let ExtractError::Project(p) = &err else {
        panic!("refused for the file: {err}")
    };
    let text = err.to_string();
    assert_eq!(p.problems.len(), 7, "{text}");
    for want in [
        "line 8: schema.skip leaves out `contacts.tally`, which is NOT NULL without a default",
        "line 8: schema.skip names table `nosuch`, which the database does not have (tables: audit, cache, contacts)",
        "line 8: schema.skip leaves out table `contacts`, which `audit` references (audit_owner_fkey, NOT NULL)",
        "line 8: schema.skip leaves out `contacts.id`, which is part of the primary key",
        "line 10: rule for `contacts.phon`: table `contacts` has no column `phon` (columns: id, phone, city, visits, met_on, scratch, tally)",
        "line 11: rule for `contacts.visits`: `email` writes text; the column is integer",
        "line 12: rule for `missing.col`: the database has no table `missing`",
    ] {
        assert!(text.contains(want), "{want:?} in:\n{text}");
    }
    assert!(!dir.path().join("generated").exists());
}

#[test]
fn the_checked_in_project_file_parses_and_names_existing_paths() {
    let p = Project::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("et-testdb.toml")).unwrap();
    assert_eq!(p.database.name, "efficient_tutor_test_db");
    assert!(p.schema.baseline.as_ref().unwrap().is_file());
    assert!(p.schema.migrations.as_ref().unwrap().is_dir());
    assert!(p.anonymize.rules.len() >= 25);
}
