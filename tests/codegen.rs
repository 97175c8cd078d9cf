//! Code generation from a real database holding
//! tests/fixtures/codegen/all_types.sql: byte snapshots, determinism, atomic
//! writes, and the generated code compiled as a real module of this test.
//!
//! To accept new output: `ET_TESTDB_BLESS=1 INSTA_UPDATE=always cargo test --test codegen`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::TestDb;
use et_testdb::engine::codegen::{self, Options};
use et_testdb::engine::{rows, schema};

const ALL_TYPES: &str = include_str!("fixtures/codegen/all_types.sql");
const FIXTURE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/codegen/generated"
);
const V03_SUBSET: &str = include_str!("fixtures/codegen/v03_subset.sql");
const NAMES: &str = include_str!("fixtures/codegen/names.sql");
const NAMES_FIXTURE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/codegen/names_generated"
);
const V03_FIXTURE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/codegen/v03_generated"
);

/// Small parts so the splitting into `auto_<table>/part_NNNN.rs` is exercised.
fn options() -> Options {
    Options {
        rows_per_part: 2,
        ..Options::default()
    }
}

fn generate(label: &str) -> BTreeMap<PathBuf, String> {
    generate_from(label, ALL_TYPES, &options())
}

fn generate_from(label: &str, sql: &str, options: &Options) -> BTreeMap<PathBuf, String> {
    let db = TestDb::with_sql(label, sql);
    let mut client = db.client();
    let schema = schema::load(&mut client).unwrap();
    let all_rows = rows::load_all(&mut client, &schema).unwrap();
    codegen::gen_all(&schema, &all_rows, options).unwrap()
}

/// Compares `files` with the committed copy in `dir` (rewriting it first
/// when `ET_TESTDB_BLESS` is set).
fn assert_matches_committed(files: &BTreeMap<PathBuf, String>, dir: &str) {
    if std::env::var_os("ET_TESTDB_BLESS").is_some() {
        codegen::write_atomically(Path::new(dir), files).unwrap();
    }
    for (path, content) in files {
        let committed = std::fs::read_to_string(Path::new(dir).join(path)).unwrap_or_default();
        assert!(
            committed == *content,
            "{dir}/{} is stale; run \
             `ET_TESTDB_BLESS=1 INSTA_UPDATE=always cargo test --test codegen` and commit the changes",
            path.display()
        );
    }
}

#[test]
fn generated_code_matches_snapshots_and_committed_fixture() {
    let files = generate("codegen_snapshot");
    for (path, content) in &files {
        let name = path.to_string_lossy().replace(['/', '.'], "_");
        insta::assert_snapshot!(name, content);
        assert!(content.starts_with(codegen::HEADER));
        assert!(content.ends_with('\n'));
    }
    assert_matches_committed(&files, FIXTURE_DIR);
    common::assert_row_files_rustfmt_clean(&files);
}

#[test]
fn v03_subset_generates_compilable_code() {
    let files = generate_from("codegen_v03", V03_SUBSET, &Options::default());
    insta::assert_snapshot!("v03_schema_rs", files[Path::new("schema.rs")]);
    insta::assert_snapshot!("v03_auto_users_rs", files[Path::new("auto_users.rs")]);
    assert_matches_committed(&files, V03_FIXTURE_DIR);
    common::assert_row_files_rustfmt_clean(&files);
}

#[test]
fn two_extractions_are_byte_identical() {
    let first = generate("codegen_determinism_a");
    let second = generate("codegen_determinism_b");
    assert_eq!(first, second);
}

#[test]
fn write_atomically_rewrites_only_changed_files() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("generated");
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("mod.rs"), "pub mod a;\n".to_owned());
    files.insert(PathBuf::from("a.rs"), "// a\n".to_owned());
    files.insert(PathBuf::from("auto_t/part_0001.rs"), "// part\n".to_owned());

    let summary = codegen::write_atomically(&out, &files).unwrap();
    assert_eq!(summary.written.len(), 3);
    let inode =
        |p: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(out.join(p)).unwrap());
    let a_inode = inode("a.rs");

    files.insert(
        PathBuf::from("mod.rs"),
        "pub mod a;\npub mod b;\n".to_owned(),
    );
    files.remove(Path::new("auto_t/part_0001.rs"));
    let summary = codegen::write_atomically(&out, &files).unwrap();
    assert_eq!(summary.written, [PathBuf::from("mod.rs")]);
    assert_eq!(summary.unchanged, [PathBuf::from("a.rs")]);
    assert_eq!(summary.removed, [PathBuf::from("auto_t/part_0001.rs")]);
    // Unchanged bytes: the very same file (so its mtime is unchanged too).
    assert_eq!(inode("a.rs"), a_inode);
    assert_eq!(
        std::fs::read_to_string(out.join("mod.rs")).unwrap(),
        "pub mod a;\npub mod b;\n"
    );
    assert!(!out.join("auto_t").exists());
    // The manifest lists exactly what the run wrote: it is what makes the
    // directory a previous output that the next run may replace.
    assert_eq!(
        std::fs::read_to_string(out.join(codegen::MANIFEST))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        ["a.rs", "mod.rs"]
    );
    // Nothing but the output directory is left next to it.
    let siblings: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1);
}

// The committed output of `generated_code_matches_snapshots_and_committed_fixture`,
// compiled as a real module of this test crate.
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/codegen/generated/mod.rs"]
mod generated;

#[test]
fn generated_code_compiles_and_reads_back_through_typed_accessors() {
    use et_testdb::engine::fixture::{FkAction, Identity};
    use generated::schema::{EducationalSystem, Mood, People, TABLES};
    use generated::{auto_audit_notes, auto_enrolments, auto_people, auto_specialties};

    // Rows, by their stable names.
    let people: Vec<&People> = auto_people::rows().collect();
    assert_eq!(people.len(), auto_people::ROW_COUNT);
    assert_eq!(auto_people::PARTS.len(), 2);
    let ada = people[0];
    assert_eq!(
        ada.id,
        auto_people::PEOPLE_3F2A9C1B000040008000000000000001_ID
    );
    assert_eq!(ada.id.to_string(), "3f2a9c1b-0000-4000-8000-000000000001");
    assert_eq!(people[2].id, auto_people::PEOPLE_AAAA0001_ID);
    assert_eq!(ada.name, "Ada");
    assert_eq!(ada.nickname, None);
    assert_eq!(ada.small, -3);
    assert_eq!(ada.big, i64::MAX);
    assert_eq!(ada.cost.to_string(), "6.00");
    assert_eq!(people[1].cost.to_string(), "-1234.56");
    assert_eq!(
        ada.created_at.to_offset_date_time(0),
        time::macros::datetime!(2024-03-01 12:30:00.123456 UTC)
    );
    assert_eq!(
        ada.local_at.unwrap().to_primitive_date_time(),
        time::macros::datetime!(1969-12-31 23:59:59)
    );
    assert_eq!(
        ada.birth_date.unwrap().to_date(),
        Some(time::macros::date!(1815 - 12 - 10))
    );
    assert_eq!(
        ada.wake_at.unwrap().to_time(),
        Some(time::macros::time!(07:15))
    );
    assert_eq!(
        people[1].wake_at.unwrap().to_time(),
        Some(time::macros::time!(23:59:59.999999))
    );
    assert_eq!(
        ada.profile.unwrap().parse().unwrap(),
        serde_json::json!({"a": {"x": "y"}, "b": [1, 2]})
    );
    assert_eq!(ada.friend_ids, &[] as &[uuid::Uuid]);
    assert_eq!(people[1].friend_ids, [ada.id, people[2].id]);
    assert_eq!(ada.tags, Some(&["maths", "quote\"d", "back\\slash"][..]));
    assert_eq!(ada.r#type, Some("admin"));
    assert_eq!(people[1].manager_id, Some(ada.id));

    // Enums keep their PostgreSQL labels and declared order.
    assert_eq!(ada.mood, Mood::Happy);
    assert_eq!(Mood::ALL, [Mood::Happy, Mood::Meh, Mood::Sad]);
    assert!(Mood::Meh < Mood::Sad);
    assert_eq!(people[1].system.unwrap().label(), "National-EG");
    assert_eq!(
        EducationalSystem::from_label("Self"),
        Some(EducationalSystem::Self_)
    );
    assert_eq!(EducationalSystem::from_label("nope"), None);

    // Composite primary keys name a tuple.
    let (student, teacher, subject) = auto_enrolments::ENROLMENTS_AAAA0001_3F2A9C1B_MATH_ID;
    assert_eq!((student, teacher, subject), (people[2].id, ada.id, "Math"));
    assert_eq!(auto_specialties::ROW_COUNT, 2);
    // No primary key: sorted by the whole row.
    let notes: Vec<_> = auto_audit_notes::rows()
        .map(|n| (n.body, n.at.map(|d| d.days())))
        .collect();
    assert_eq!(
        notes,
        [("first", None), ("first", Some(18_262)), ("second", None)]
    );

    // Metadata for the merge and the seeder.
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        ["audit_notes", "enrolments", "people", "specialties"]
    );
    let enrolments = generated::schema::Enrolments::TABLE;
    assert_eq!(
        enrolments.primary_key,
        ["student_id", "teacher_id", "subject"]
    );
    let fk = enrolments.foreign_keys[0];
    assert_eq!(fk.columns, ["teacher_id", "subject", "grade"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (FkAction::Restrict, FkAction::Cascade)
    );
    let id = generated::schema::Specialties::TABLE.columns[0];
    assert_eq!(
        (id.name, id.identity, id.has_default),
        ("id", Some(Identity::Always), true)
    );
    let type_column = People::TABLE
        .columns
        .iter()
        .find(|c| c.name == "type")
        .unwrap();
    assert_eq!(type_column.field, "type");
    let name_length = People::TABLE.columns.last().unwrap();
    assert!(name_length.generated);
    let partial = People::TABLE.unique_keys[1];
    assert_eq!(partial.predicate, Some("mood = 'sad'::mood"));
}

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/codegen/v03_generated/mod.rs"]
mod v03_generated;

#[test]
fn v03_subset_code_reads_back() {
    use v03_generated::schema::{EducationalSystemEnum, SessionCategoryEnum, StudentStatusEnum};
    use v03_generated::*;

    let student = auto_students::rows().next().unwrap();
    assert_eq!(student.id, auto_students::STUDENTS_FFFFFFFF_ID);
    assert_eq!(student.status, StudentStatusEnum::None);
    assert_eq!(student.status.label(), "NONE");
    assert_eq!(
        student.educational_system,
        Some(EducationalSystemEnum::NationalEg)
    );
    assert_eq!(student.cost.to_string(), "6.00");
    // A composite enum primary key names a tuple of variants.
    assert_eq!(
        auto_activity_overlap_rules::ACTIVITY_OVERLAP_RULES_GYM_PRAYER_ID,
        (SessionCategoryEnum::Gym, SessionCategoryEnum::Prayer)
    );
    // Integer keys, identity included.
    assert_eq!(auto_timetable_runs::TIMETABLE_RUNS_42_ID, 42);
    assert_eq!(auto_calendar_events::CALENDAR_EVENTS_2_ID, 2);
    assert_eq!(auto_prayer_settings::PRAYER_SETTINGS_1_ID, 1);
    let slot = auto_timetable_solution_slots::rows().next().unwrap();
    assert_eq!(slot.participant_ids.len(), 2);
    // Self-reference: the correction points at the voided original.
    let logs: Vec<_> = auto_tuition_logs::rows().collect();
    assert_eq!(logs[1].corrected_from_log_id, Some(logs[0].id));
    assert_eq!(
        schema::AvailabilityTypeEnum::ALL
            .iter()
            .map(|v| v.label())
            .collect::<Vec<_>>(),
        ["sleep", "school", "sports", "others", "work", "personal"]
    );
    assert_eq!(schema::TABLES.len(), 16);
}

#[test]
fn codegen_errors_name_table_column_and_type() {
    let db = TestDb::with_sql(
        "codegen_errors",
        "CREATE TABLE gadgets (id integer PRIMARY KEY, tags text[], spot pg_node_tree);
         INSERT INTO gadgets VALUES (1, '{a,NULL}', NULL);",
    );
    let mut client = db.client();
    let mut schema = schema::load(&mut client).unwrap();

    let err = codegen::gen_schema(&schema, &Options::default()).unwrap_err();
    insta::assert_snapshot!("codegen_unsupported_type_error", err.to_string());

    // Without the unsupported column, a NULL inside an array is refused by
    // a slice column…
    schema.tables.get_mut("gadgets").unwrap().columns.pop();
    let rows = rows::load_table(&mut client, &schema, "gadgets").unwrap();
    let all = BTreeMap::from([("gadgets".to_owned(), rows)]);
    let err = codegen::gen_all(&schema, &all, &Options::default()).unwrap_err();
    insta::assert_snapshot!("codegen_null_array_element_error", err.to_string());
    // …and the column becomes an `Array<T>` once the types are refined by
    // the values read, as extraction does.
    rows::refine_types(&mut schema, &all);
    let files = codegen::gen_all(&schema, &all, &Options::default()).unwrap();
    let schema_rs = &files[std::path::Path::new("schema.rs")];
    assert!(
        schema_rs.contains("pub tags: Option<Array<&'static str>>"),
        "{schema_rs}"
    );
    let rows_rs = &files[std::path::Path::new("auto_gadgets.rs")];
    assert!(rows_rs.contains(r#"&[Some("a"), None]"#), "{rows_rs}");
}

#[test]
fn fixture_time_types_round_trip_through_time() {
    use et_testdb::engine::fixture::{Date, Time, Timestamp, Timestamptz};
    use time::macros::{date, datetime, time};

    let at = datetime!(1969-07-20 20:17:40.5 UTC);
    assert_eq!(
        Timestamptz::from_offset_date_time(at).to_offset_date_time(0),
        at
    );
    assert_eq!(
        Timestamptz::from_offset_date_time(at).micros(),
        Some(-14_182_939_500_000)
    );
    let local = datetime!(2025-10-01 16:00);
    assert_eq!(
        Timestamp::from_primitive_date_time(local).to_primitive_date_time(),
        local
    );
    assert_eq!(Date::from_date(date!(1970 - 01 - 02)), Date(1));
    assert_eq!(Date(-1).to_date(), Some(date!(1969 - 12 - 31)));
    assert_eq!(
        Time::from_time(time!(23:59:59.999999)),
        Time(86_399_999_999)
    );
    assert_eq!(Time(86_400_000_000).to_time(), None); // PostgreSQL's 24:00:00

    // The readable constructors agree with `time`, in const context.
    const LANDING: Timestamptz = Timestamptz::utc(1969, 7, 20, 20, 17, 40, 500_000);
    assert_eq!(LANDING.to_offset_date_time(0), at);
    const LOCAL: Timestamp = Timestamp::at(2025, 10, 1, 16, 0, 0, 0);
    assert_eq!(LOCAL.to_primitive_date_time(), local);
    const LEAP: Date = Date::ymd(2024, 2, 29);
    assert_eq!(LEAP.to_date(), Some(date!(2024 - 02 - 29)));
    assert_eq!(Time::hms(23, 59, 59, 999_999), Time(86_399_999_999));
    assert_eq!(Time::hms(24, 0, 0, 0), Time(86_400_000_000));
}

fn small_output() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("mod.rs"), "pub mod a;\n".to_owned());
    files.insert(PathBuf::from("a.rs"), "// a\n".to_owned());
    files.insert(PathBuf::from("auto_t/part_0001.rs"), "// part\n".to_owned());
    files
}

#[test]
fn out_dir_of_foreign_files_is_refused_and_kept() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("fixtures");
    std::fs::create_dir_all(out.join("notes")).unwrap();
    std::fs::write(out.join("todo.txt"), "mine\n").unwrap();
    std::fs::write(out.join("notes/keep.md"), "mine too\n").unwrap();

    let result = codegen::write_atomically(&out, &small_output());
    assert_eq!(
        std::fs::read_to_string(out.join("todo.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes/keep.md")).unwrap(),
        "mine too\n"
    );
    let err = result.expect_err("a folder extraction did not write is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("is not an earlier extraction's output"),
        "{msg}"
    );
    assert!(msg.contains(&out.display().to_string()), "{msg}");
    assert!(msg.contains("todo.txt") && msg.contains("notes/"), "{msg}");
    assert!(!out.join("a.rs").exists());
}

#[test]
fn foreign_files_beside_a_previous_output_are_refused_and_kept() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("generated");
    codegen::write_atomically(&out, &small_output()).unwrap();
    std::fs::write(out.join("README.md"), "mine\n").unwrap();
    std::fs::write(out.join("auto_t/extra.rs"), "// mine\n").unwrap();

    let mut next = small_output();
    next.insert(PathBuf::from("a.rs"), "// a, changed\n".to_owned());
    let err = codegen::write_atomically(&out, &next).expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("besides an earlier extraction's output"),
        "{msg}"
    );
    assert!(
        msg.contains("README.md") && msg.contains("auto_t/extra.rs"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("auto_t/extra.rs")).unwrap(),
        "// mine\n"
    );
    // The previous output is untouched too.
    assert_eq!(std::fs::read_to_string(out.join("a.rs")).unwrap(), "// a\n");
}

#[test]
fn stale_staging_folders_are_removed_by_the_next_run() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("generated");
    codegen::write_atomically(&out, &small_output()).unwrap();
    // What an interrupted run leaves (kill -9 before the swap): this
    // version's staging folder, and the older naming, each with data.
    let stale = parent.path().join(".generated.et-testdb-staging-AbC123");
    let legacy = parent.path().join(".generated.new-Xy9Zq1");
    for dir in [&stale, &legacy] {
        std::fs::create_dir_all(dir.join("auto_t")).unwrap();
        std::fs::write(dir.join("auto_users.rs"), "// real data\n").unwrap();
    }
    // Not ours: kept.
    let other = parent.path().join(".other.new-Xy9Zq1");
    std::fs::create_dir_all(&other).unwrap();

    let summary = codegen::write_atomically(&out, &small_output()).unwrap();
    assert!(!stale.exists(), "stale staging folder removed");
    assert_eq!(summary.notices.len(), 2, "{:?}", summary.notices);
    assert!(
        summary.notices[0].contains(&stale.display().to_string())
            && summary.notices[1].contains(&legacy.display().to_string())
            && summary.notices[0].contains("interrupted extraction"),
        "{:?}",
        summary.notices
    );
    assert!(
        !legacy.exists(),
        "stale staging folder of the older naming removed"
    );
    assert!(other.exists());
    let mut names: Vec<String> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [".other.new-Xy9Zq1", "generated"]);
}

#[test]
fn colliding_names_keywords_and_keyless_tables_generate_distinct_names() {
    let files = generate_from("codegen_names", NAMES, &Options::default());
    assert_matches_committed(&files, NAMES_FIXTURE_DIR);
    common::assert_row_files_rustfmt_clean(&files);
}

#[test]
fn the_committed_generated_row_files_are_rustfmt_clean() {
    let generated = Path::new(env!("CARGO_MANIFEST_DIR")).join("generated");
    common::assert_row_files_rustfmt_clean(&common::files_in(&generated));
}

// The committed output of the test above, compiled as a real module: the
// names are distinct and the code compiles.
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/codegen/names_generated/mod.rs"]
mod names_generated;

#[test]
fn colliding_names_read_back_as_their_own_tables_and_columns() {
    use names_generated::schema::*;
    use names_generated::*;

    // Nine tables, nine structs (a duplicate would not compile).
    let tables: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    assert_eq!(
        tables,
        [
            "Mood",
            "UserData",
            "Users",
            "date",
            "no_key",
            "point",
            "range",
            "user_data",
            "users"
        ]
    );
    // The name spelled like the table keeps it; the enum `mood` keeps `Mood`.
    assert_eq!(UserData::TABLE.name, "UserData");
    assert_eq!(Users::TABLE.name, "Users");
    assert_eq!(Mood::On.label(), "on");
    assert_eq!(auto_users::ROW_COUNT, 2);
    // Columns that collide after casing are distinct fields of their own.
    let user_data = TABLES.iter().find(|t| t.name == "user_data").unwrap();
    let fields: Vec<(&str, &str)> = user_data
        .columns
        .iter()
        .map(|c| (c.name, c.field))
        .collect();
    let distinct: std::collections::BTreeSet<&str> = fields.iter().map(|(_, f)| *f).collect();
    assert_eq!(distinct.len(), fields.len(), "{fields:?}");
    assert!(fields.contains(&("user_id", "user_id")), "{fields:?}");
    assert!(fields.contains(&("type", "type")), "{fields:?}");
    // A table without a primary key keeps every row, duplicates included.
    assert_eq!(auto_no_key::ROW_COUNT, 3);
}
