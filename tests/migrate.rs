//! Step 2 against real PostgreSQL: the runner's rules (order, history,
//! checksums, rollback, error positions) and what the migration does to a
//! small hand-made v0.2 database.

mod migrate_support;

use et_testdb::engine::migrate::{
    self, Divergence, Event, MigrateError, MigrateOptions, Migration,
};
use migrate_support::{content_digest, mini_v02, run_bin, tuition_id, TestDb};
use rust_decimal::Decimal;
use uuid::{uuid, Uuid};

/// The project's migration files.
fn migrations() -> &'static [Migration] {
    migrate::migrations().unwrap()
}

fn quiet(_: Event<'_>) {}

fn siblings() -> MigrateOptions {
    MigrateOptions {
        settings: [(
            et_testdb::efficient_tutor::DISCOUNT_SIBLINGS_SETTING.to_string(),
            et_testdb::efficient_tutor::discount_siblings_value(&[
                ("Amy".into(), "Sib".into()),
                ("Ben".into(), "Sib".into()),
            ]),
        )]
        .into(),
        ..MigrateOptions::default()
    }
}

/// The proof that nothing is hand-listed: the embedded set is exactly the
/// `.sql` files on disk now, by name and by text, read independently of
/// build.rs's discovery.
#[test]
fn embedded_set_equals_the_files_on_disk() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/v0.3_migration");
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let m = Migration {
                version: 0,
                file_name: "",
                sql: Box::leak(text.into_boxed_str()),
            };
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name, m.checksum())
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<(String, String)> = migrations()
        .iter()
        .map(|m| (m.file_name.to_string(), m.checksum()))
        .collect();
    assert!(on_disk.len() >= 14, "{on_disk:?}");
    assert_eq!(on_disk, embedded, "build.rs embeds every file of {dir}");
    for (i, m) in migrations().iter().enumerate() {
        assert_eq!(m.version as usize, i + 1);
        assert!(m.file_name.starts_with(&format!("{:03}_", m.version)));
    }
}

#[test]
fn second_run_applies_nothing_and_history_has_checksums() {
    let db = mini_v02("rerun");
    let first = migrate::run(&db.url, &siblings(), quiet).unwrap();
    assert_eq!(first.applied.len(), migrations().len());
    assert_eq!(first.already_applied, 0);

    let mut seen = Vec::new();
    let second = migrate::run(&db.url, &siblings(), |e| {
        if let Event::AlreadyApplied(m) = e {
            seen.push(m.file_name)
        }
    })
    .unwrap();
    assert!(second.applied.is_empty(), "{:?}", second.applied);
    assert_eq!(second.already_applied, migrations().len());
    assert_eq!(seen.len(), migrations().len());

    let mut c = db.client();
    let rows = c
        .query(
            "SELECT version, name, checksum FROM et_testdb.migration_history ORDER BY version",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), migrations().len());
    for (row, m) in rows.iter().zip(migrations()) {
        assert_eq!(row.get::<_, i32>(0), m.version);
        assert_eq!(row.get::<_, String>(1), m.name());
        assert_eq!(row.get::<_, String>(2), m.checksum());
    }
}

#[test]
fn an_edited_applied_file_is_an_error_naming_it() {
    let db = mini_v02("edited");
    migrate::run(&db.url, &siblings(), quiet).unwrap();
    // Recording another checksum is what editing the file after applying it
    // looks like to the runner.
    db.client()
        .execute(
            "UPDATE et_testdb.migration_history SET checksum = 'f00' WHERE version = 3",
            &[],
        )
        .unwrap();
    let err = migrate::run(&db.url, &siblings(), quiet).unwrap_err();
    assert!(
        matches!(&err, MigrateError::Diverged(d) if matches!(d[..], [Divergence::Edited { .. }])),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("sql/v0.3_migration/003_availability_migration.sql was edited"),
        "{msg}"
    );
}

#[test]
fn a_failing_file_rolls_back_and_reports_file_line_message_and_hint() {
    let db = TestDb::empty("failing");
    let files = [
        Migration {
            version: 1,
            file_name: "001_ok.sql",
            sql: "CREATE TABLE kept (x int);\n",
        },
        Migration {
            version: 2,
            file_name: "002_bad.sql",
            sql: "-- header\nCREATE TABLE rolled_back (x int);\nINSERT INTO rolled_back VALUES (1);\n\nSELECT x,\n       nosuch\n  FROM rolled_back;\n",
        },
    ];
    let mut c = db.client();
    let err = migrate::run_on(&mut c, &files, &MigrateOptions::default(), quiet).unwrap_err();
    let MigrateError::FileFailed(f) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(f.path, "sql/v0.3_migration/002_bad.sql");
    assert_eq!(f.line, 6, "{err}");
    assert!(
        f.message.contains("column \"nosuch\" does not exist"),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("sql/v0.3_migration/002_bad.sql:6: "),
        "{msg}"
    );
    assert!(msg.contains("rolled back"), "{msg}");

    let tables: Vec<String> = c
        .query(
            "SELECT relname::text FROM pg_class WHERE relname IN ('kept', 'rolled_back') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["kept"]);
    let versions: Vec<i32> = c
        .query("SELECT version FROM et_testdb.migration_history", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1]);

    // The hint reaches the message too.
    let hinted = [Migration {
        version: 3,
        file_name: "003_hint.sql",
        sql: "SELECT 1;\nSELECT lenght('x');\n",
    }];
    let fresh = TestDb::empty("hint");
    let err = migrate::run_on(
        &mut fresh.client(),
        &hinted,
        &MigrateOptions::default(),
        quiet,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("sql/v0.3_migration/003_hint.sql:2: "),
        "{msg}"
    );
    assert!(msg.contains("hint: No function matches"), "{msg}");
}

#[test]
fn data_that_breaks_a_real_file_is_reported_at_the_failing_statement() {
    let db = mini_v02("baddata");
    // Grade 9 has no specialty of the default teacher: step 8's composite FK fails.
    db.client()
        .execute(
            "UPDATE students SET grade = 9 WHERE first_name = 'Ben'",
            &[],
        )
        .unwrap();
    let err = migrate::run(&db.url, &siblings(), quiet).unwrap_err();
    let MigrateError::FileFailed(f) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(f.path, "sql/v0.3_migration/008_grade_migration.sql");
    let sql = migrations()[7].sql;
    let line = sql.lines().nth(f.line - 1).unwrap();
    assert!(
        line.contains("fk_student_subjects_to_teacher_specialties"),
        "line {} is {line:?}\n{err}",
        f.line
    );
    assert!(
        err.to_string().contains("violates foreign key constraint"),
        "{err}"
    );
    let applied: i64 = db
        .client()
        .query_one("SELECT count(*) FROM et_testdb.migration_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(applied, 7, "files 001-007 stay applied");
}

#[test]
fn tuition_ids_follow_the_rule_and_its_test_vectors() {
    // The rule in Rust, against the vectors of schema-facts.md §2.6 A.
    let t = uuid!("8fb84d2f-478a-437f-825e-9e364274d78a");
    let s = uuid!("54e42585-3b29-4531-bf71-6bb8325e0020");
    let v1 = uuid!("76a151db-a437-ddc4-9a2f-fa97b52e584c");
    let v2 = uuid!("cb58f744-c1d2-b506-01fd-635f9f258945");
    let v3 = uuid!("2a14dbb7-5371-cb9e-7600-5973a6bfd2c9");
    let fin_t = uuid!("aaaa0001-0000-0000-0000-000000000000");
    let a1 = uuid!("cccc0001-0000-0000-0000-000000000000");
    let a2 = uuid!("cccc0002-0000-0000-0000-000000000000");
    assert_eq!(tuition_id("Physics", "IGCSE", 10, 1, Some(t), &[s]), v1);
    assert_eq!(tuition_id("Physics", "IGCSE", 10, 2, Some(t), &[s]), v2);
    assert_eq!(
        tuition_id("Math", "IGCSE", 10, 1, Some(fin_t), &[a2, a1]),
        v3
    );

    // The same vectors out of file 013, on enrolments added after step 12.
    let db = mini_v02("vectors");
    let up_to_12 = MigrateOptions {
        up_to: Some(12),
        ..siblings()
    };
    migrate::run(&db.url, &up_to_12, quiet).unwrap();
    db.client()
        .batch_execute(
            "INSERT INTO users (id, email, password, role) VALUES
               ('8fb84d2f-478a-437f-825e-9e364274d78a', 't@example.com', '', 'teacher'),
               ('aaaa0001-0000-0000-0000-000000000000', 'fa@example.com', '', 'teacher'),
               ('bbbb0001-0000-0000-0000-000000000000', 'pa@example.com', '', 'parent'),
               ('54e42585-3b29-4531-bf71-6bb8325e0020', 's@example.com', '', 'student'),
               ('cccc0001-0000-0000-0000-000000000000', 'a1@example.com', '', 'student'),
               ('cccc0002-0000-0000-0000-000000000000', 'a2@example.com', '', 'student');
             INSERT INTO teachers (id) VALUES
               ('8fb84d2f-478a-437f-825e-9e364274d78a'), ('aaaa0001-0000-0000-0000-000000000000');
             INSERT INTO parents (id) VALUES ('bbbb0001-0000-0000-0000-000000000000');
             INSERT INTO students (id, parent_id) VALUES
               ('54e42585-3b29-4531-bf71-6bb8325e0020', 'bbbb0001-0000-0000-0000-000000000000'),
               ('cccc0001-0000-0000-0000-000000000000', 'bbbb0001-0000-0000-0000-000000000000'),
               ('cccc0002-0000-0000-0000-000000000000', 'bbbb0001-0000-0000-0000-000000000000');
             INSERT INTO teacher_specialties (teacher_id, subject, educational_system, grade) VALUES
               ('8fb84d2f-478a-437f-825e-9e364274d78a', 'Physics', 'IGCSE', 10),
               ('aaaa0001-0000-0000-0000-000000000000', 'Math', 'IGCSE', 10);
             INSERT INTO student_subjects (id, student_id, subject, lessons_per_week, teacher_id, educational_system, grade) VALUES
               ('e0000000-0000-0000-0000-000000000001', '54e42585-3b29-4531-bf71-6bb8325e0020', 'Physics', 2,
                '8fb84d2f-478a-437f-825e-9e364274d78a', 'IGCSE', 10),
               ('e0000000-0000-0000-0000-000000000002', 'cccc0001-0000-0000-0000-000000000000', 'Math', 1,
                'aaaa0001-0000-0000-0000-000000000000', 'IGCSE', 10),
               ('e0000000-0000-0000-0000-000000000003', 'cccc0002-0000-0000-0000-000000000000', 'Math', 1,
                'aaaa0001-0000-0000-0000-000000000000', 'IGCSE', 10);
             -- cccc0001 shares Math with cccc0002; cccc0002's own enrolment is then already handled.
             INSERT INTO student_subject_sharings VALUES
               ('e0000000-0000-0000-0000-000000000002', 'cccc0002-0000-0000-0000-000000000000');",
        )
        .unwrap();
    migrate::run(&db.url, &siblings(), quiet).unwrap();

    let mut c = db.client();
    let ids = |teacher: Uuid, c: &mut postgres::Client| -> Vec<(Uuid, i32)> {
        c.query(
            "SELECT id, lesson_index FROM tuitions WHERE teacher_id = $1 ORDER BY lesson_index",
            &[&teacher],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    };
    assert_eq!(ids(t, &mut c), [(v1, 1), (v2, 2)]);
    assert_eq!(
        ids(fin_t, &mut c),
        [(v3, 1)],
        "one tuition for the shared group"
    );
    let members: Vec<Uuid> = c
        .query(
            "SELECT student_id FROM tuition_template_charges WHERE tuition_id = $1 ORDER BY student_id",
            &[&v3],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(members, [a1, a2]);
}

#[test]
fn mini_database_migrates_as_the_facts_say() {
    let db = mini_v02("mini");
    migrate::run(&db.url, &siblings(), quiet).unwrap();
    let mut c = db.client();
    let amy = uuid!("20000000-0000-0000-0000-000000000001");
    let ben = uuid!("20000000-0000-0000-0000-000000000002");
    let teacher = uuid!("dcef54de-bc89-4388-a7a8-dba5d8327447");

    // Step 12: both siblings on a log → 4.50 each; Amy alone → 6.00. VOID: none.
    let charges: Vec<(Uuid, Uuid, Decimal)> = c
        .query(
            "SELECT tuition_log_id, student_id, cost FROM tuition_log_charges ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let log = |n: u8| Uuid::parse_str(&format!("40000000-0000-0000-0000-00000000000{n}")).unwrap();
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(
        charges,
        [
            (log(1), amy, d("4.50")),
            (log(1), ben, d("4.50")),
            (log(2), amy, d("4.50")),
            (log(2), ben, d("4.50")),
            (log(3), amy, d("6.00")),
        ]
    );

    // Regeneration: Physics ×2 for the pair, Math ×1 for Amy; the link and
    // the log of the old Physics tuition follow it to its deterministic id.
    let physics1 = tuition_id("Physics", "IGCSE", 10, 1, Some(teacher), &[amy, ben]);
    let link: (Uuid, String, String) = c
        .query_one(
            "SELECT tuition_id, meeting_link_type::text, meeting_link FROM meeting_links",
            &[],
        )
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .unwrap();
    assert_eq!(
        link,
        (physics1, "ZOOM".into(), "https://zoom.us/j/1".into())
    );
    let relinked: Option<Uuid> = c
        .query_one(
            "SELECT tuition_id FROM tuition_logs WHERE id = $1",
            &[&log(2)],
        )
        .unwrap()
        .get(0);
    assert_eq!(relinked, Some(physics1));
    let n_tuitions: i64 = c
        .query_one("SELECT count(*) FROM tuitions", &[])
        .unwrap()
        .get(0);
    assert_eq!(n_tuitions, 3);

    // The admin: deterministic id, Master, empty password until `passwords`.
    let admin: (Uuid, String, String, Option<String>) = c
        .query_one(
            "SELECT u.id, u.password, a.privileges::text, u.first_name
             FROM users u JOIN admins a USING (id) WHERE u.email = 'admin@et.com'",
            &[],
        )
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .unwrap();
    assert_eq!(admin.0, uuid!("9a886717-a545-d42a-faf4-221a552d20b5"));
    assert_eq!((admin.1.as_str(), admin.2.as_str()), ("", "Master"));
    assert_eq!(
        admin.3.as_deref(),
        Some("Olive"),
        "the default teacher's name"
    );
    let last_master = c.execute("DELETE FROM admins", &[]).unwrap_err();
    let text = last_master.as_db_error().map(|e| e.message().to_string());
    assert!(
        text.as_deref().is_some_and(|t| t.contains("last Master")),
        "{last_master:?}"
    );

    // Timetable synthesis: run 2 (after run 1), slots from the SUCCESS run.
    let slots: Vec<(String, String, i32, String)> = c
        .query(
            "SELECT u.first_name, s.name, s.day_of_week, s.start_time::text
             FROM timetable_solution_slots s
             JOIN timetable_run_user_solutions o ON o.id = s.solution_id
             JOIN users u ON u.id = o.user_id
             WHERE o.timetable_run_id = 2
             ORDER BY 1, 2, 3",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let row = |who: &str, name: &str, day: i32, at: &str| {
        (who.to_string(), name.to_string(), day, at.to_string())
    };
    assert_eq!(
        slots,
        [
            row("Amy", "Availability", 1, "08:00:00"),
            row("Amy", "Availability", 7, "22:00:00"),
            row("Amy", "Tuition: Math (Amy)", 7, "16:00:00"),
            row("Amy", "Tuition: Physics (Amy, Ben)", 6, "10:00:00"),
            row("Ben", "Tuition: Physics (Amy, Ben)", 6, "10:00:00"),
            row("Olive", "Tuition: Math (Amy)", 7, "16:00:00"),
            row("Olive", "Tuition: Physics (Amy, Ben)", 6, "10:00:00"),
        ]
    );
}

#[test]
fn migrating_the_same_source_twice_gives_identical_rows() {
    let a = mini_v02("det_a");
    let b = a.clone_as("det_b");
    migrate::run(&a.url, &siblings(), quiet).unwrap();
    migrate::run(&b.url, &siblings(), quiet).unwrap();
    let da = content_digest(&mut a.client());
    let db = content_digest(&mut b.client());
    assert!(da.len() >= 23, "{da:?}");
    assert_eq!(da, db);
}

#[test]
fn unknown_applied_versions_and_out_of_order_files_are_errors() {
    let file = |version, file_name| Migration {
        version,
        file_name,
        sql: "SELECT 1;\n",
    };
    let (one, two, three) = (
        file(1, "001_one.sql"),
        file(2, "002_two.sql"),
        file(3, "003_three.sql"),
    );
    let db = TestDb::empty("order");
    let mut c = db.client();
    let options = MigrateOptions::default();
    migrate::run_on(&mut c, &[one, three], &options, quiet).unwrap();

    let err = migrate::run_on(&mut c, &[one, two, three], &options, quiet).unwrap_err();
    assert!(
        matches!(&err, MigrateError::Diverged(d) if matches!(d[..], [Divergence::OutOfOrder { .. }])),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("  - sql/v0.3_migration/002_two.sql is not applied, but the later sql/v0.3_migration/003_three.sql is")
            && msg.contains("next free number (004)"),
        "{msg}"
    );

    let err = migrate::run_on(&mut c, &[one], &options, quiet).unwrap_err();
    assert!(
        matches!(&err, MigrateError::Diverged(d)
            if matches!(&d[..], [Divergence::Removed { version: 3, path }] if path.ends_with("/003_three.sql"))),
        "{err:?}"
    );
}

#[test]
fn two_runners_at_once_apply_each_file_once() {
    let db = mini_v02("concurrent");
    let reports: Vec<migrate::Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| migrate::run(&db.url, &siblings(), quiet).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let applied: usize = reports.iter().map(|r| r.applied.len()).sum();
    assert_eq!(applied, migrations().len(), "{reports:?}");
}

/// The embedded cluster's URL for database `dbname` as user `user`.
fn cluster_url(user: &str, dbname: &str) -> et_testdb::engine::config::DbUrl {
    let c = et_testdb::engine::cluster::Cluster::ensure().unwrap();
    let raw = c.url(dbname).expose().replacen(
        "postgresql://postgres@",
        &format!("postgresql://{user}@"),
        1,
    );
    et_testdb::engine::config::DbUrl::parse(&raw, "--db-url").unwrap()
}

#[test]
fn a_missing_database_says_run_reset_first() {
    let url = cluster_url("postgres", "et_no_such_db_test");
    let msg = migrate::run(&url, &siblings(), quiet)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(msg.contains("cargo run --bin reset"), "{msg}");
}

#[test]
fn an_unreachable_server_says_check_the_server_not_reset() {
    // A socket directory with no server in it.
    let empty = tempfile::tempdir().unwrap();
    let raw = format!(
        "postgresql://postgres@/x_test?host={}&port=5432",
        et_testdb::engine::config::percent_encode(&empty.path().to_string_lossy())
    );
    let url = et_testdb::engine::config::DbUrl::parse(&raw, "--db-url").unwrap();
    let msg = migrate::run(&url, &siblings(), quiet)
        .unwrap_err()
        .to_string();
    assert!(!msg.contains("reset"), "{msg}");
    assert!(msg.contains("check that the server runs"), "{msg}");
    assert!(msg.contains(&empty.path().display().to_string()), "{msg}");

    // A TCP port nobody listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = et_testdb::engine::config::DbUrl::parse(
        &format!("postgresql://u:hunter2@127.0.0.1:{port}/x_test"),
        "$DATABASE_URL_TEST_CLI",
    )
    .unwrap();
    let msg = migrate::run(&url, &siblings(), quiet)
        .unwrap_err()
        .to_string();
    assert!(!msg.contains("reset"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(msg.contains("check that the server runs"), "{msg}");
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
}

#[test]
fn a_refused_login_says_check_the_user_and_password_where_they_came_from() {
    // Trust auth accepts any password, but not a role that does not exist:
    // the server answers 28000, the class of a wrong password (28P01).
    let url = cluster_url("et_no_such_role", "efficient_tutor_test_db");
    let out = run_bin(
        env!("CARGO_BIN_EXE_migrate"),
        &[],
        &[("DATABASE_URL_TEST_CLI", url.expose())],
    );
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("et_no_such_role"), "{msg}");
    assert!(!msg.contains("reset"), "{msg}");
    assert!(
        msg.contains("check the user and password in $DATABASE_URL_TEST_CLI"),
        "{msg}"
    );
}

/// Migrations 1..=n of a tiny synthetic set, each creating a table.
fn tiny(n: i32) -> Vec<Migration> {
    const FILES: [(&str, &str); 4] = [
        ("001_one.sql", "CREATE TABLE one (x int);\n"),
        ("002_two.sql", "CREATE TABLE two (x int);\n"),
        ("003_three.sql", "CREATE TABLE three (x int);\n"),
        ("004_four.sql", "CREATE TABLE four (x int);\n"),
    ];
    FILES[..n as usize]
        .iter()
        .zip(1..)
        .map(|(&(file_name, sql), version)| Migration {
            version,
            file_name,
            sql,
        })
        .collect()
}

#[test]
fn a_new_file_after_the_applied_ones_is_applied_alone() {
    let db = mini_v02("newfile");
    migrate::run(&db.url, &siblings(), quiet).unwrap();
    // The case: the team adds 015 to the directory.
    let mut with_new: Vec<Migration> = migrations().to_vec();
    with_new.push(Migration {
        version: 15,
        file_name: "015_add_student_nickname.sql",
        sql: "ALTER TABLE students ADD COLUMN nickname text;\n",
    });
    let report = migrate::run_on(&mut db.client(), &with_new, &siblings(), quiet).unwrap();
    let applied: Vec<&str> = report.applied.iter().map(|a| a.0).collect();
    assert_eq!(applied, ["015_add_student_nickname.sql"]);
    assert_eq!(report.already_applied, migrations().len());
    db.client()
        .execute("SELECT nickname FROM students", &[])
        .unwrap();
}

#[test]
fn a_removed_applied_file_is_named_with_what_to_do() {
    let db = TestDb::empty("removed");
    let mut c = db.client();
    let options = MigrateOptions::default();
    migrate::run_on(&mut c, &tiny(3), &options, quiet).unwrap();
    let err = migrate::run_on(&mut c, &tiny(2), &options, quiet).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("sql/v0.3_migration/003_three.sql"), "{msg}");
    assert!(msg.contains("no file with version 003"), "{msg}");
    assert!(msg.contains("restore the file"), "{msg}");
}

#[test]
fn a_renumbered_applied_file_is_reported_as_renumbered() {
    let db = TestDb::empty("renumbered");
    let mut c = db.client();
    let options = MigrateOptions::default();
    migrate::run_on(&mut c, &tiny(2), &options, quiet).unwrap();
    // A new file slipped in as 002, the applied 002 pushed to 003.
    let mut files = tiny(3);
    files[2] = Migration {
        version: 3,
        file_name: "003_two.sql",
        sql: files[1].sql,
    };
    files[1] = Migration {
        version: 2,
        file_name: "002_new.sql",
        sql: "CREATE TABLE new (x int);\n",
    };
    let err = migrate::run_on(&mut c, &files, &options, quiet).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(
            "002_two.sql was applied as version 002 but is now sql/v0.3_migration/003_two.sql"
        ),
        "{msg}"
    );
    assert!(msg.contains("002_new.sql"), "{msg}");
    assert!(!msg.contains("was edited"), "{msg}");
    // Nothing was applied.
    let n: i64 = c
        .query_one("SELECT count(*) FROM et_testdb.migration_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[test]
fn an_edited_applied_file_is_reported_with_its_checksums() {
    let db = TestDb::empty("editedset");
    let mut c = db.client();
    let options = MigrateOptions::default();
    migrate::run_on(&mut c, &tiny(2), &options, quiet).unwrap();
    let mut files = tiny(3);
    files[0].sql = "CREATE TABLE one (x bigint);\n";
    let err = migrate::run_on(&mut c, &files, &options, quiet).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("sql/v0.3_migration/001_one.sql was edited after it was applied"),
        "{msg}"
    );
    assert!(msg.contains(&tiny(1)[0].checksum()[..12]), "{msg}");
    assert!(msg.contains(&files[0].checksum()[..12]), "{msg}");
    assert!(msg.contains("new migration"), "{msg}");
}
