//! The conflict classes on the crate's real fixtures: each case patches the
//! sources `build.rs` reads (`golden/`, `generated/schema.rs`) in memory, the
//! way a developer might edit them, and checks the exact messages that
//! `load` + `merge` give, which `build.rs` prints as the build's errors.
//! `tests/compile_fail.rs` keeps one of these cases end to end, through
//! cargo.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::load::{gather_sources, load, SourceFile};
use super::value::parse_uuid;
use super::{merge, Conflict, Origin, Row, TableMeta, Value};

/// The fixture sources of this checkout, as `build.rs` gathers them (read
/// once).
fn all_sources() -> &'static [SourceFile] {
    static ALL: OnceLock<Vec<SourceFile>> = OnceLock::new();
    ALL.get_or_init(|| {
        gather_sources(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).expect("fixtures readable")
    })
}

/// The schema's tables (from generated/schema.rs alone).
fn schema() -> &'static [TableMeta] {
    static TABLES: OnceLock<Vec<TableMeta>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let schema: Vec<SourceFile> = all_sources()
            .iter()
            .filter(|f| f.path == "generated/schema.rs")
            .map(copy)
            .collect();
        load(&schema).map_err(errors).unwrap().tables
    })
}

fn copy(f: &SourceFile) -> SourceFile {
    SourceFile {
        path: f.path.clone(),
        text: f.text.clone(),
        origin: f.origin,
    }
}

/// The table of a generated rows file: `generated/auto_<table>.rs` or
/// `generated/auto_<table>/part_NNNN.rs`.
fn generated_table(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("generated/auto_")?;
    Some(
        rest.split_once('/')
            .map_or(rest.trim_end_matches(".rs"), |(t, _)| t),
    )
}

/// The sources `build.rs` reads, less the generated rows of tables a case
/// does not involve: all of golden/, the schema, and the generated rows of
/// `tables` and of every table they reference, directly or not (so every
/// foreign key among the rows kept is checked as in the full build).
/// Evaluating all 12 MB of generated rows takes seconds in a debug build;
/// `build.rs` merges the full set on every build anyway.
fn sources(tables: &[&str]) -> Vec<SourceFile> {
    let mut keep: BTreeSet<&str> = tables.iter().copied().collect();
    let mut todo: Vec<&str> = keep.iter().copied().collect();
    while let Some(t) = todo.pop() {
        let meta = schema()
            .iter()
            .find(|m| m.name == t)
            .expect("a table of the schema");
        for fk in &meta.foreign_keys {
            if keep.insert(&fk.ref_table) {
                todo.push(&fk.ref_table);
            }
        }
    }
    all_sources()
        .iter()
        .filter(|f| generated_table(&f.path).is_none_or(|t| keep.contains(t)))
        .map(copy)
        .collect()
}

/// The header a new golden module starts with (six lines and a blank one, so
/// the first item is on line 7).
const GOLDEN_HEADER: &str = "use crate::fixture::*;\nuse crate::generated::schema::*;\nuse rust_decimal_macros::dec;\nuse uuid::uuid;\n\nuse super::*;\n";

/// Adds `golden/<name>.rs` with `body`, registered in golden/mod.rs.
fn add_golden(files: &mut Vec<SourceFile>, name: &str, body: &str) {
    let m = files
        .iter_mut()
        .find(|f| f.path == "golden/mod.rs")
        .expect("golden/mod.rs");
    m.text
        .push_str(&format!("\n#[allow(unused_imports)]\npub mod {name};\n"));
    files.push(SourceFile {
        path: format!("golden/{name}.rs"),
        text: format!("{GOLDEN_HEADER}{body}"),
        origin: Origin::Golden,
    });
}

/// Replaces the first `from` in `path`'s text.
fn replace_in(files: &mut [SourceFile], path: &str, from: &str, to: &str) {
    let f = files.iter_mut().find(|f| f.path == path).expect(path);
    assert!(f.text.contains(from), "{path} has no `{from}`");
    f.text = f.text.replacen(from, to, 1);
}

/// The rows of the unpatched `sources(tables)` (to name the rows a message
/// cites).
fn rows(tables: &[&str]) -> Vec<Row> {
    load(&sources(tables)).map_err(errors).unwrap().rows
}

fn errors<E: std::fmt::Display>(es: Vec<E>) -> String {
    es.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The conflicts of `files`, as the build prints them, sorted.
fn conflicts(files: &[SourceFile]) -> Vec<String> {
    let loaded = load(files).map_err(errors).unwrap();
    let mut out: Vec<String> = match merge(&loaded.tables, loaded.rows) {
        Ok(_) => panic!("the patched fixtures should conflict"),
        Err(cs) => cs.iter().map(Conflict::to_string).collect(),
    };
    out.sort();
    out
}

fn assert_contains(all: &[String], expected: &str) {
    assert!(
        all.iter().any(|c| c.contains(expected)),
        "missing `{expected}` in:\n{}",
        all.join("\n")
    );
}

/// The base the cases patch is clean: every conflict below is the patch's.
#[test]
fn the_unchanged_fixtures_merge() {
    let loaded = load(&sources(&["users", "teachers", "parents"]))
        .map_err(errors)
        .unwrap();
    if let Err(cs) = merge(&loaded.tables, loaded.rows) {
        panic!("the unchanged fixtures conflict:\n{}", errors(cs));
    }
}

#[test]
fn duplicate_key_within_golden() {
    let mut files = sources(&["teachers"]);
    add_golden(
        &mut files,
        "zz_dup",
        "pub const SECOND_TEST_TEACHER: Teachers = Teachers {\n    id: TEST_TEACHER_ID,\n    currency: \"EUR\",\n    ..Teachers::DEFAULT\n};\n",
    );
    let got = conflicts(&files);
    assert_contains(
        &got,
        "golden/zz_dup.rs:7: SECOND_TEST_TEACHER: duplicate key in golden: table `teachers`, primary key (id) = 8fb84d2f-478a-437f-825e-9e364274d78a is already used by golden/users.rs:",
    );
    let first = rows(&["teachers"])
        .into_iter()
        .find(|r| {
            r.origin == Origin::Golden
                && r.table == "teachers"
                && r.values.get("id")
                    == parse_uuid("8fb84d2f-478a-437f-825e-9e364274d78a")
                        .map(Value::Uuid)
                        .as_ref()
        })
        .expect("the golden test teacher");
    assert_eq!(
        got,
        [format!(
            "golden/zz_dup.rs:7: SECOND_TEST_TEACHER: duplicate key in golden: table `teachers`, primary key (id) = 8fb84d2f-478a-437f-825e-9e364274d78a is already used by {}",
            first.source
        )]
    );
}

#[test]
fn unique_key_collision_between_golden_and_generated() {
    // A golden user with the email of an extracted one.
    let generated = rows(&["users"])
        .into_iter()
        .find(|r| r.origin == Origin::Generated && r.table == "users")
        .expect("a generated user");
    let email = match &generated.values["email"] {
        Value::Text(e) => e.clone(),
        other => panic!("email is text, got {other:?}"),
    };
    let mut files = sources(&["users"]);
    add_golden(
        &mut files,
        "zz_unique",
        &format!(
            "pub const EMAIL_TWIN_USER: Users = Users {{\n    id: uuid!(\"601de000-00ff-0000-0000-000000000001\"),\n    email: \"{email}\",\n    password: TEST_PASSWORD_TEACHER_HASH,\n    role: UserRole::Teacher,\n    timezone: \"UTC\",\n    ..Users::DEFAULT\n}};\n"
        ),
    );
    let got = conflicts(&files);
    assert_contains(
        &got,
        "unique-key collision with golden row golden/zz_unique.rs:7: EMAIL_TWIN_USER: table `users`, unique key `users_email_key` (email) =",
    );
    assert_contains(&got, &format!("\"{email}\""));
    assert_eq!(
        got,
        [format!(
            "{}: unique-key collision with golden row golden/zz_unique.rs:7: EMAIL_TWIN_USER: table `users`, unique key `users_email_key` (email) = \"{email}\"; \
             re-run `cargo run --bin extract` (it avoids golden keys) or change the golden row",
            generated.source
        )]
    );
}

#[test]
fn dangling_foreign_key() {
    let mut files = sources(&["teachers"]);
    add_golden(
        &mut files,
        "zz_dangling",
        "pub const ORPHAN_PAYMENT: PaymentLogs = PaymentLogs {\n    id: uuid!(\"601de000-00ff-0000-0000-000000000002\"),\n    parent_id: TEST_PARENT_ID,\n    payment_date: Timestamptz::FromSeed(0),\n    amount_paid: dec!(10.00),\n    status: LogStatusEnum::Active,\n    teacher_id: uuid!(\"601de000-00ff-0000-0000-0000000000ee\"),\n    notes: None,\n    corrected_from_log_id: None,\n};\n",
    );
    assert_eq!(
        conflicts(&files),
        ["golden/zz_dangling.rs:7: ORPHAN_PAYMENT: dangling foreign key: table `payment_logs`, foreign key `payment_logs_teacher_id_fkey` (teacher_id) = 601de000-00ff-0000-0000-0000000000ee matches no row of `teachers` in golden/ or generated/"]
    );
}

#[test]
fn required_column_left_unset() {
    let mut files = sources(&[]);
    add_golden(
        &mut files,
        "zz_required",
        "pub const NAMELESS_NOTE: Notes = Notes {\n    id: uuid!(\"601de000-00ff-0000-0000-000000000003\"),\n    teacher_id: TEST_TEACHER_ID,\n    student_id: TEST_STUDENT_ID,\n    subject: SubjectEnum::Math,\n    note_type: Notetypeenum::Homework,\n    ..Notes::DEFAULT\n};\n",
    );
    assert_eq!(
        conflicts(&files),
        ["golden/zz_required.rs:7: NAMELESS_NOTE: required column `notes.name` (NOT NULL, no default) is not set; set it in the golden row"]
    );
}

#[test]
fn schema_drift_names_every_row_that_lacks_a_new_required_column() {
    let mut files = sources(&["parents"]);
    replace_in(
        &mut files,
        "generated/schema.rs",
        "pub struct Parents {",
        "pub struct Parents {\n    pub billing_code: &'static str,",
    );
    replace_in(
        &mut files,
        "generated/schema.rs",
        "name: \"parents\",\n        columns: &[",
        "name: \"parents\",\n        columns: &[\n            ColumnMeta {\n                name: \"billing_code\",\n                field: \"billing_code\",\n                pg_type: \"text\",\n                nullable: false,\n                has_default: false,\n                identity: None,\n                generated: false,\n            },",
    );
    let got = conflicts(&files);
    for row in [
        "TEST_PARENT: required column `parents.billing_code` (NOT NULL, no default) is not set",
        "TEST_UNRELATED_PARENT: required column `parents.billing_code`",
        "FIN_PARENT_A: required column `parents.billing_code`",
        "FIN_PARENT_B: required column `parents.billing_code`",
    ] {
        assert_contains(&got, row);
    }
    // Exactly the rows of the table, each once: the golden ones and (their
    // struct changed too) the generated ones.
    let mut expected: Vec<String> = rows(&["parents"])
        .into_iter()
        .filter(|r| r.table == "parents")
        .map(|r| {
            format!(
                "{}: required column `parents.billing_code` (NOT NULL, no default) is not set; set it in the golden row",
                r.source
            )
        })
        .collect();
    expected.sort();
    // The rows rejected above are the only errors: what points at them is
    // not reported as dangling, but counted in their message.
    let noted = got
        .iter()
        .filter(|c| c.contains(" that reference it were not checked)"))
        .count();
    assert!(
        noted >= 4,
        "the golden parents' dependants are counted: {got:#?}"
    );
    let bare: Vec<String> = got
        .iter()
        .map(|c| match c.rfind(" (") {
            Some(at) if c.ends_with(" were not checked)") || c.ends_with(" was not checked)") => {
                c[..at].to_owned()
            }
            _ => c.clone(),
        })
        .collect();
    assert_eq!(bare, expected, "no dangling-reference echoes");
}
