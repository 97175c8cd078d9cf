//! Step 4 on the real demo database: no personal data leaks, extraction is
//! deterministic, the committed generated/ is fresh, subsets keep their
//! references, and the generated rows round-trip into a fresh v0.3 database.
//! Off the happy path: an unmigrated source is refused with the pending
//! migrations, and `--out` never deletes files extraction did not write.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use et_testdb::efficient_tutor::demo::{self, DemoOptions};
use et_testdb::engine::anonymize::{self, Action};
use et_testdb::engine::config::DbUrl;
use et_testdb::engine::extract::{extract, ExtractOptions};
use et_testdb::engine::migrate::{self, MigrateOptions};
use et_testdb::engine::project::Project;
use et_testdb::engine::rows::{self, Value};

/// The demo database, migrated and re-hashed: the extraction source.
fn source() -> &'static DbUrl {
    static SOURCE: OnceLock<DbUrl> = OnceLock::new();
    SOURCE.get_or_init(|| {
        // Per process: nextest runs each test in its own process. Sources
        // left by processes that have ended are dropped.
        let mut admin = cluster().url("postgres").connect().unwrap();
        for row in admin
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'et\\_extract\\_src\\_%\\_test'",
                &[],
            )
            .unwrap()
        {
            let name: String = row.get(0);
            let pid = name.trim_start_matches("et_extract_src_").trim_end_matches("_test");
            if !Path::new("/proc").join(pid).exists() {
                drop_db(&name);
            }
        }
        let url = fresh_db(&format!("et_extract_src_{}_test", std::process::id()));
        let mut c = url.connect().unwrap();
        demo::generate(&mut c, &DemoOptions::default()).unwrap();
        migrate::run_on(
            &mut c,
            migrate::migrations().unwrap(),
            &MigrateOptions::default(),
            |_| {},
        )
        .unwrap();
        et_testdb::efficient_tutor::passwords::run(&mut c, &[], 4, |_| {}).unwrap();
        url
    })
}

fn extract_to(dir: &Path, anonymize: bool, max_rows: Option<usize>) {
    let opts = ExtractOptions {
        out_dir: dir.to_path_buf(),
        anonymize,
        max_rows_per_table: max_rows,
        ..ExtractOptions::default()
    };
    extract(source(), &opts, |_| {}).unwrap();
}

fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The strings under `name` keys of a JSON document (session names embed
/// student first names; times and categories are not personal).
fn json_names(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_names(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match x {
                    serde_json::Value::String(s) if k.contains("name") => {
                        out.insert(s.clone());
                    }
                    _ => json_names(x, out),
                }
            }
        }
        _ => {}
    }
}

/// The string literals of generated code, and every word in them.
fn literals_and_words(code: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut literals = BTreeSet::new();
    let (mut inside, mut escaped, mut current) = (false, false, String::new());
    for c in code.chars() {
        match (inside, escaped, c) {
            (true, true, _) => {
                current.push(c);
                escaped = false;
            }
            (true, false, '\\') => escaped = true,
            (true, false, '"') => {
                literals.insert(std::mem::take(&mut current));
                inside = false;
            }
            (true, false, _) => current.push(c),
            (false, _, '"') => inside = true,
            _ => {}
        }
    }
    let words = literals
        .iter()
        .flat_map(|l| l.split(|c: char| !c.is_alphabetic()))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    (literals, words)
}

#[test]
fn anonymized_output_holds_no_original_personal_value() {
    let dir = tempfile::tempdir().unwrap();
    extract_to(dir.path(), true, None);
    let text: String = read_tree(dir.path())
        .into_values()
        .map(|b| String::from_utf8(b).unwrap())
        .collect();

    let mut client = source().connect().unwrap();
    let schema = et_testdb::engine::schema::load(&mut client).unwrap();
    let all = rows::load_all(&mut client, &schema).unwrap();
    // The real first and last names: a one-word value from these anywhere
    // in the output is a leak.
    let mut names: BTreeSet<String> = BTreeSet::new();
    // Words of columns that are not personal (timezones such as
    // Europe/London): a name that is also one of them proves nothing.
    let mut public_words: BTreeSet<String> = BTreeSet::new();
    let mut secrets: BTreeSet<String> = BTreeSet::new();
    let mut checked_columns = Vec::new();
    for table in schema.tables.values() {
        for (i, col) in table.columns.iter().enumerate() {
            let action = anonymize::rule_for(Project::current().unwrap(), &table.name, &col.name);
            for row in &all[&table.name] {
                let Value::Text(s) = &row.values[i] else {
                    continue;
                };
                match action {
                    None | Some(Action::Keep) => public_words.extend(
                        s.split(|c: char| !c.is_alphabetic())
                            .filter(|w| !w.is_empty())
                            .map(str::to_string),
                    ),
                    Some(Action::FirstName | Action::LastName) => {
                        names.insert(s.clone());
                    }
                    _ => {}
                }
            }
        }
    }
    let embeds_a_name = |s: &str| {
        s.split(|c: char| !c.is_alphabetic())
            .any(|w| names.contains(w))
    };
    for table in schema.tables.values() {
        for (i, col) in table.columns.iter().enumerate() {
            let action =
                match anonymize::rule_for(Project::current().unwrap(), &table.name, &col.name) {
                    None | Some(Action::Keep) => continue,
                    Some(a) => a,
                };
            checked_columns.push(format!("{}.{}", table.name, col.name));
            // Columns whose rule replaces the names inside: the values that
            // hold a name are secret (the rest, e.g. `Availability`, are not).
            let names_only = matches!(action, Action::NamesInText | Action::NamesInJson);
            for row in &all[&table.name] {
                match &row.values[i] {
                    Value::Text(s) if !names_only || embeds_a_name(s) => {
                        secrets.insert(s.clone());
                    }
                    Value::Json(j) => {
                        let v: serde_json::Value = serde_json::from_str(j).unwrap();
                        let mut found = BTreeSet::new();
                        json_names(&v, &mut found);
                        secrets.extend(found.into_iter().filter(|s| embeds_a_name(s)));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(checked_columns.len() >= 15, "{checked_columns:?}");
    // A value leaks when it is a whole literal of the output, or, for a
    // one-word value such as a first name, a word inside any literal (names
    // are embedded in slot names, session keys and JSON).
    let (literals, words) = literals_and_words(&text);
    let leaks: Vec<&String> = secrets
        .iter()
        .filter(|s| s.chars().count() >= 4)
        .filter(|s| {
            literals.contains(*s)
                || (s.chars().all(char::is_alphabetic)
                    && words.contains(*s)
                    && !public_words.contains(*s))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "{} original values appear in generated code, e.g. {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(10)]
    );
    assert!(text.contains("// Data: anonymized"), "headers say so");
}

#[test]
fn two_extractions_are_byte_identical() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    extract_to(a.path(), true, None);
    extract_to(b.path(), true, None);
    assert_eq!(read_tree(a.path()), read_tree(b.path()));
}

#[test]
fn committed_generated_matches_a_fresh_extraction_of_the_demo_dump() {
    let fresh = tempfile::tempdir().unwrap();
    extract_to(fresh.path(), true, None);
    let committed = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("generated"));
    let fresh = read_tree(fresh.path());
    let differing: Vec<&PathBuf> = fresh
        .keys()
        .chain(committed.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| fresh.get(*p) != committed.get(*p))
        .collect();
    assert!(
        differing.is_empty(),
        "generated/ is stale: these files differ from a fresh extraction of the demo dump: {differing:?}\n\
         Run `cargo run --bin extract` and commit generated/."
    );
}

#[test]
fn no_anonymize_keeps_real_values_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    extract_to(dir.path(), false, Some(3));
    let schema_rs = std::fs::read_to_string(dir.path().join("schema.rs")).unwrap();
    // The leak test's criterion does see real data when it is there.
    let mut c = source().connect().unwrap();
    let email: String = c
        .query_one("SELECT email FROM users ORDER BY id LIMIT 1", &[])
        .unwrap()
        .get(0);
    let users = std::fs::read_to_string(dir.path().join("auto_users.rs")).unwrap();
    assert!(users.contains(&format!("\"{email}\"")), "{email} kept");
    assert!(
        schema_rs.contains("NOT ANONYMIZED"),
        "{}",
        &schema_rs[..300]
    );
}

#[test]
fn a_subset_keeps_every_referenced_row() {
    let dir = tempfile::tempdir().unwrap();
    extract_to(dir.path(), true, Some(5));
    // The merge refuses dangling foreign keys; merge the subset alone.
    let root = tempfile::tempdir().unwrap();
    std::fs::rename(dir.path(), root.path().join("generated"))
        .or_else(|_| copy(dir.path(), &root.path().join("generated")))
        .unwrap();
    let plan = et_testdb::engine::plan::merge_sources(root.path()).unwrap();
    let rows: usize = plan
        .tables
        .iter()
        .flat_map(|t| t.batches.iter().map(|b| b.rows.len()))
        .sum();
    let tables = plan.tables.iter().filter(|t| !t.batches.is_empty()).count();
    assert!(rows < 400, "a subset: {rows} rows");
    assert!(tables >= 15, "every table keeps rows: {tables}");
}

fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            copy(&e.path(), &to.join(e.file_name()))?;
        } else {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

#[test]
fn generated_rows_round_trip_into_a_fresh_v03_database() {
    // Extract, then seed the extracted rows alone into an empty v0.3 schema.
    let root = tempfile::tempdir().unwrap();
    extract_to(&root.path().join("generated"), true, None);
    let plan = et_testdb::engine::plan::merge_sources(root.path()).unwrap();
    let name = format!("et_extract_roundtrip_{}_test", std::process::id());
    let target = v03_db(&name);
    let mut t = target.connect().unwrap();
    et_testdb::engine::seed::seed_plan(&mut t, &plan, None).unwrap();

    let mut s = source().connect().unwrap();
    let schema = et_testdb::engine::schema::load(&mut s).unwrap();
    let want = rows::load_all(&mut s, &schema).unwrap();
    let got = rows::load_all(&mut t, &schema).unwrap();
    for table in schema.tables.values() {
        let keep: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                matches!(
                    anonymize::rule_for(Project::current().unwrap(), &table.name, &c.name),
                    None | Some(Action::Keep)
                )
            })
            .map(|(i, _)| i)
            .collect();
        let project = |rows: &Vec<rows::Row>| -> Vec<Vec<Value>> {
            rows.iter()
                .map(|r| keep.iter().map(|&i| r.values[i].clone()).collect())
                .collect()
        };
        let (w, g) = (project(&want[&table.name]), project(&got[&table.name]));
        if table.name == "admins" {
            // The extracted Master yields to golden's (one_master_admin_idx).
            assert_eq!(w.len(), g.len());
            continue;
        }
        assert_eq!(w.len(), g.len(), "row count of {}", table.name);
        assert!(w == g, "rows of {} differ after the round trip", table.name);
    }
    drop(t);
    drop_db(&name);
}

/// A v0.2 database (baseline schema and the tiny data set of the migrate
/// tests), migrated through `up_to` when given.
fn v02_db(label: &str, up_to: Option<i32>) -> TestDb {
    let db = TestDb::empty(label);
    let mut c = db.client();
    c.batch_execute(demo::BASELINE_SQL).unwrap();
    c.batch_execute(include_str!("fixtures/mini_v02.sql"))
        .unwrap();
    if up_to.is_some() {
        let options = MigrateOptions {
            up_to,
            ..MigrateOptions::default()
        };
        migrate::run_on(&mut c, migrate::migrations().unwrap(), &options, |_| {}).unwrap();
    }
    db
}

fn extract_error(db: &TestDb) -> String {
    let out = tempfile::tempdir().unwrap();
    let opts = ExtractOptions {
        out_dir: out.path().join("generated"),
        ..ExtractOptions::default()
    };
    let err = extract(&db.url, &opts, |_| {}).expect_err("refused");
    assert!(!out.path().join("generated").exists());
    err.to_string()
}

#[test]
fn extract_on_an_unmigrated_database_says_migrate_first() {
    let msg = extract_error(&v02_db("extract_v02", None));
    assert!(msg.contains("cargo run --bin migrate"), "{msg}");
    assert!(
        msg.contains("001_sql_code.sql") && msg.contains("014_synthesize_timetable.sql"),
        "{msg}"
    );
    assert!(
        !msg.contains("rule"),
        "not an anonymization question: {msg}"
    );
}

#[test]
fn extract_on_a_partly_migrated_database_names_the_pending_files() {
    let msg = extract_error(&v02_db("extract_v02_part", Some(12)));
    assert!(msg.contains("cargo run --bin migrate"), "{msg}");
    assert!(
        msg.contains("013_fix_tuition_ids.sql") && msg.contains("014_synthesize_timetable.sql"),
        "{msg}"
    );
    assert!(!msg.contains("012_"), "{msg}");
}

#[test]
fn extract_out_never_deletes_files_it_did_not_write() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("fixtures");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.md"), "my notes\n").unwrap();
    let out_arg = out.to_str().unwrap();
    let run = || {
        run_bin(
            env!("CARGO_BIN_EXE_extract"),
            &[
                "--db-url",
                source().expose(),
                "--out",
                out_arg,
                "--max-rows-per-table",
                "3",
            ],
            &[],
        )
    };
    let refused = run();
    assert!(!refused.status.success());
    let msg = stderr(&refused);
    assert!(
        msg.contains("refusing to write into") && msg.contains("notes.md"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.md")).unwrap(),
        "my notes\n"
    );
    assert!(!out.join("schema.rs").exists());

    // Moved away: the directory is written, then recognised as a previous
    // output and replaced by the next run.
    std::fs::remove_file(out.join("notes.md")).unwrap();
    assert!(run().status.success());
    assert!(out.join("schema.rs").exists() && out.join(".et-testdb-manifest").exists());
    let again = run();
    assert!(again.status.success(), "{}", stderr(&again));
    let staging: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "fixtures")
        .collect();
    assert!(staging.is_empty(), "{staging:?}");
}
