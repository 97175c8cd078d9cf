//! The demo production generator against real PostgreSQL (the embedded
//! cluster): determinism, counts, scaling, the dump, and every precondition
//! of the v0.3 migrations (schema-facts.md §2.5) checked in SQL.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use et_testdb::efficient_tutor::demo::{
    self, DemoCounts, DemoError, DemoOptions, DEFAULT_TEACHER_ID, DISCOUNT_SIBLINGS,
    STAFF_FIRST_NAMES,
};
use et_testdb::engine::cluster::Cluster;
use postgres::Client;

mod common;
use common::TestDb;

fn generated(tag: &str, opts: &DemoOptions) -> (TestDb, Client, DemoCounts) {
    let db = TestDb::empty(tag);
    let mut c = db.client();
    let counts = demo::generate(&mut c, opts).expect("demo generation");
    (db, c, counts)
}

fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

/// Asserts that `sql` (a count of violations) returns 0.
fn none(c: &mut Client, what: &str, sql: &str) {
    let n = count(c, sql);
    assert_eq!(n, 0, "{what}: {n} violating rows\n{sql}");
}

/// Every table's content as one md5, rows ordered by their full text.
fn table_hashes(c: &mut Client) -> BTreeMap<String, String> {
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let sql = format!(
                "SELECT coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') FROM {t} x"
            );
            let h: String = c.query_one(&sql, &[]).unwrap().get(0);
            (t, h)
        })
        .collect()
}

#[test]
fn same_seed_same_rows_other_seed_other_rows() {
    let opts = DemoOptions::default();
    let (_a, mut ca, counts_a) = generated("det_a", &opts);
    let (_b, mut cb, counts_b) = generated("det_b", &opts);
    let other = DemoOptions {
        seed: opts.seed + 1,
        ..opts.clone()
    };
    let (_c, mut cc, _) = generated("det_c", &other);
    assert_eq!(counts_a, counts_b);
    let (ha, hb, hc) = (
        table_hashes(&mut ca),
        table_hashes(&mut cb),
        table_hashes(&mut cc),
    );
    assert_eq!(ha.len(), 14, "the 14 v0.2 tables: {ha:?}");
    assert_eq!(ha, hb, "two databases from the same seed differ");
    for table in [
        "users",
        "students",
        "tuition_logs",
        "payment_logs",
        "timetable_runs",
    ] {
        assert_ne!(ha[table], hc[table], "{table} does not depend on the seed");
    }
    assert_eq!(demo::fingerprint(&opts), demo::fingerprint(&opts.clone()));
    assert_ne!(demo::fingerprint(&opts), demo::fingerprint(&other));
    assert_ne!(
        demo::fingerprint(&opts),
        demo::fingerprint(&DemoOptions { scale: 2, ..opts })
    );
    assert_eq!(demo::fingerprint(&other).len(), 16);
}

#[test]
fn counts_match_the_database_and_volume_is_realistic() {
    let (_db, mut c, counts) = generated("counts", &DemoOptions::default());
    assert_eq!(counts.len(), 14);
    for (table, &n) in &counts {
        let actual = count(&mut c, &format!("SELECT count(*) FROM {table}"));
        assert_eq!(actual as u64, n, "rows reported for {table}");
    }
    let between = |table: &str, lo: u64, hi: u64| {
        let n = counts[table];
        assert!(
            lo <= n && n <= hi,
            "{table}: {n} rows, expected {lo}..={hi}"
        );
    };
    between("users", 350, 450);
    between("students", 230, 290);
    between("parents", 130, 130);
    between("teachers", 4, 4);
    between("tuition_logs", 4500, 6000);
    between("tuition_log_charges", 5000, 9000);
    between("payment_logs", 1000, 1500);
    between("prayer_settings", 1, 1);
    for table in [
        "tuitions",
        "tuition_template_charges",
        "timetable_runs",
        "calendar_events",
        "fixed_activities",
        "activity_overlap_rules",
    ] {
        assert!(counts[table] > 0, "{table} is empty");
    }
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM users WHERE role = 'admin'"),
        2
    );
}

#[test]
fn scale_two_roughly_doubles_every_growing_table() {
    let (_a, _ca, one) = generated("scale1", &DemoOptions::default());
    let (_b, _cb, two) = generated(
        "scale2",
        &DemoOptions {
            scale: 2,
            ..DemoOptions::default()
        },
    );
    for table in [
        "users",
        "students",
        "parents",
        "tuitions",
        "tuition_logs",
        "tuition_log_charges",
        "payment_logs",
        "timetable_runs",
    ] {
        let ratio = two[table] as f64 / one[table] as f64;
        assert!(
            (1.7..=2.3).contains(&ratio),
            "{table}: {} → {} rows (×{ratio:.2})",
            one[table],
            two[table]
        );
    }
}

#[test]
fn refuses_a_database_that_is_not_empty() {
    let db = TestDb::empty("notempty");
    let mut c = db.client();
    c.batch_execute("CREATE TABLE something (id int)").unwrap();
    let err = demo::generate(&mut c, &DemoOptions::default()).unwrap_err();
    assert!(
        matches!(err, DemoError::NotEmpty { tables: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&db.name), "{err}");
}

#[test]
fn write_dump_produces_a_restorable_archive() {
    let cluster = Cluster::ensure().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested").join("demo.dump");
    let counts = demo::write_dump(&cluster.url("postgres"), &out, &DemoOptions::default())
        .expect("write_dump");
    assert!(counts["tuition_logs"] > 0);
    let list = Command::new(
        et_testdb::engine::tools::find(et_testdb::engine::tools::Tool::PgRestore).unwrap(),
    )
    .arg("--list")
    .arg(&out)
    .output()
    .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let toc = String::from_utf8_lossy(&list.stdout);
    for needle in [
        "TABLE DATA public tuition_logs",
        "EXTENSION - pg_stat_statements",
        "TRIGGER public tuitions set_timestamp",
    ] {
        assert!(
            toc.contains(needle),
            "the dump's TOC lacks {needle:?}:\n{toc}"
        );
    }
    // Nothing but the dump is left behind: no partial file, no scratch db.
    let names: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("demo.dump")]);
    let mut admin = cluster.url("postgres").connect().unwrap();
    let scratch: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("et_testdb_demo_build_{}_%", std::process::id())],
        )
        .unwrap()
        .get(0);
    assert_eq!(scratch, 0, "the scratch database was not dropped");
}

/// schema-facts.md §2.5, one check each, plus the shape facts the
/// migration helper relies on.
#[test]
fn meets_every_v03_migration_precondition() {
    let (_db, mut c, _) = generated("precond", &DemoOptions::default());
    let t = DEFAULT_TEACHER_ID;
    assert_eq!(
        count(&mut c, &format!("SELECT count(*) FROM users u JOIN teachers USING (id) WHERE id = '{t}' AND u.role = 'teacher'")),
        1,
        "the default teacher exists in users and teachers"
    );
    // NULL would pass the composite FK, but breaks relinking in §2.6 A.
    none(
        &mut c,
        "tuitions not of the default teacher",
        &format!("SELECT count(*) FROM tuitions WHERE teacher_id IS DISTINCT FROM '{t}'"),
    );
    none(
        &mut c,
        "grades other than 7, 8, 10, NULL",
        "SELECT count(*) FROM students WHERE grade IS NOT NULL AND grade NOT IN (7, 8, 10)",
    );
    assert!(count(&mut c, "SELECT count(*) FROM students WHERE grade IS NULL") > 0);

    // student_data.subjects: valid labels, allowed for the grade, sane counts.
    let allowed = "(coalesce(s.grade, 8) = 10 AND e->>'name' IN ('Math', 'Physics')) \
                   OR (coalesce(s.grade, 8) IN (7, 8) AND e->>'name' IN ('Math', 'Physics', 'Chemistry', 'Biology', 'IT'))";
    none(
        &mut c,
        "subjects not allowed for the grade",
        &format!(
            "SELECT count(*) FROM students s, jsonb_array_elements(s.student_data->'subjects') e \
         WHERE NOT ({allowed}) OR (e->>'name')::subject_enum IS NULL \
            OR (e->>'lessonsPerWeek')::int NOT BETWEEN 1 AND 3"
        ),
    );
    none(
        &mut c,
        "students without subjects",
        "SELECT count(*) FROM students WHERE jsonb_array_length(student_data->'subjects') = 0",
    );
    none(&mut c, "student_data keys",
        "SELECT count(*) FROM students WHERE NOT (student_data ?& array['subjects', 'availability'])");
    // availability: day names, the four original types, castable times.
    none(&mut c, "availability intervals", "SELECT count(*) FROM students s, \
        jsonb_each(s.student_data->'availability') d, jsonb_array_elements(d.value) i \
        WHERE d.key NOT IN ('monday','tuesday','wednesday','thursday','friday','saturday','sunday') \
           OR i->>'type' NOT IN ('sleep','school','sports','others') \
           OR (i->>'start')::time IS NULL OR (i->>'end')::time IS NULL");
    for kind in ["sleep", "school", "sports", "others"] {
        assert!(
            count(
                &mut c,
                &format!(
                    "SELECT count(*) FROM students s, \
            jsonb_each(s.student_data->'availability') d, jsonb_array_elements(d.value) i \
            WHERE i->>'type' = '{kind}'"
                )
            ) > 0,
            "no {kind} interval"
        );
    }
    // sharedWith: existing students, symmetric, same grade and subject.
    let shares = "SELECT s.id, s.grade, e->>'name' AS subject, w::uuid AS other \
        FROM students s, jsonb_array_elements(s.student_data->'subjects') e, \
        jsonb_array_elements_text(coalesce(e->'sharedWith', '[]'::jsonb)) w";
    none(&mut c, "sharedWith ids that are not students", &format!(
        "SELECT count(*) FROM ({shares}) x WHERE NOT EXISTS (SELECT 1 FROM students o WHERE o.id = x.other)"));
    none(
        &mut c,
        "asymmetric or cross-grade sharing",
        &format!(
            "SELECT count(*) FROM ({shares}) x WHERE NOT EXISTS (SELECT 1 FROM ({shares}) y \
         WHERE y.id = x.other AND y.other = x.id AND y.subject = x.subject \
           AND y.grade IS NOT DISTINCT FROM x.grade)"
        ),
    );
    assert!(
        count(&mut c, &format!("SELECT count(*) FROM ({shares}) x")) > 0,
        "no group lessons"
    );

    // Tuition groups: existing students of one grade, subject allowed for it,
    // and the same group and lesson count as student_data says.
    none(
        &mut c,
        "tuition students that do not exist",
        "SELECT count(*) FROM tuitions t WHERE cardinality(t.student_ids) <> \
         (SELECT count(*) FROM students s WHERE s.id = ANY(t.student_ids))",
    );
    none(&mut c, "tuitions mixing grades",
        "SELECT count(*) FROM (SELECT t.id FROM tuitions t JOIN students s ON s.id = ANY(t.student_ids) \
         GROUP BY t.id HAVING count(DISTINCT coalesce(s.grade, 0)) > 1) x");
    none(
        &mut c,
        "tuition subjects not allowed for the grade",
        "SELECT count(*) FROM tuitions t JOIN students s ON s.id = t.student_ids[1] \
         WHERE NOT ((coalesce(s.grade, 8) = 10 AND t.subject IN ('Math', 'Physics')) \
                 OR coalesce(s.grade, 8) IN (7, 8) AND t.subject <> 'Geography')",
    );
    none(&mut c, "tuitions not matching student_data",
        "SELECT count(*) FROM tuitions t, unnest(t.student_ids) m(sid) JOIN students s ON s.id = m.sid \
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(s.student_data->'subjects') e \
            WHERE e->>'name' = t.subject::text AND (e->>'lessonsPerWeek')::int >= t.lesson_index \
              AND (SELECT count(*) FROM jsonb_array_elements_text(coalesce(e->'sharedWith', '[]'::jsonb))) \
                  = cardinality(t.student_ids) - 1)");
    none(
        &mut c,
        "enrolments without their tuitions",
        "SELECT count(*) FROM students s, jsonb_array_elements(s.student_data->'subjects') e, \
         generate_series(1, (e->>'lessonsPerWeek')::int) li \
         WHERE NOT EXISTS (SELECT 1 FROM tuitions t WHERE s.id = ANY(t.student_ids) \
            AND t.subject::text = e->>'name' AND t.lesson_index = li)",
    );

    // Notes: every element named; URLs present.
    none(&mut c, "notes without a name",
        "SELECT count(*) FROM students s, jsonb_array_elements(s.notes) n WHERE coalesce(n->>'name', '') = ''");
    assert!(
        count(
            &mut c,
            "SELECT count(*) FROM students s, jsonb_array_elements(s.notes) n \
        WHERE n->>'url' LIKE 'https://share.goodnotes.com/s/%'"
        ) > 100
    );
    // Meeting links: both kinds, with ids.
    for host in ["zoom.us", "meet.google.com"] {
        assert!(
            count(
                &mut c,
                &format!(
                    "SELECT count(*) FROM tuitions \
            WHERE meeting_link->>'meeting_link' LIKE '%{host}%' AND meeting_link ? 'meeting_id'"
                )
            ) > 10
        );
    }
    none(
        &mut c,
        "admin@et.com already taken",
        "SELECT count(*) FROM users WHERE email = 'admin@et.com'",
    );

    // Names: students duplicate users; user_id = parent_id; unique first names.
    none(&mut c, "student names differing from users", "SELECT count(*) FROM students s JOIN users u USING (id) \
        WHERE s.first_name IS DISTINCT FROM u.first_name OR s.last_name IS DISTINCT FROM u.last_name \
           OR u.role <> 'student'");
    none(
        &mut c,
        "students.user_id <> parent_id",
        "SELECT count(*) FROM students WHERE user_id <> parent_id",
    );
    none(&mut c, "duplicate student first names",
        "SELECT count(*) FROM (SELECT lower(first_name) FROM students GROUP BY 1 HAVING count(*) > 1) x");
    none(
        &mut c,
        "first names unusable in session names",
        "SELECT count(*) FROM students WHERE first_name !~ '^[A-Za-z-]+$'",
    );

    // Logs: names match students; the three charge cases all occur.
    none(
        &mut c,
        "attendee names without exactly one student",
        "SELECT count(*) FROM tuition_logs l, unnest(l.attendee_names) n \
         WHERE (SELECT count(*) FROM students s WHERE s.first_name = n) <> 1",
    );
    none(&mut c, "attendee ids not matching names",
        "SELECT count(*) FROM tuition_logs l WHERE cardinality(l.attendee_ids) > 0 AND l.attendee_names <> \
         ARRAY(SELECT s.first_name::text FROM unnest(l.attendee_ids) WITH ORDINALITY a(id, o) \
               JOIN students s ON s.id = a.id ORDER BY a.o)");
    for (case, sql) in [
        ("a", "coalesce(cardinality(attendee_ids), 0) > 0"),
        (
            "b",
            "coalesce(cardinality(attendee_ids), 0) = 0 AND tuition_id IS NOT NULL",
        ),
        (
            "c",
            "coalesce(cardinality(attendee_ids), 0) = 0 AND tuition_id IS NULL",
        ),
        ("empty array", "attendee_ids = '{}'"),
    ] {
        assert!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM tuition_logs WHERE status = 'ACTIVE' AND {sql}")
            ) > 50,
            "too few logs of case {case}"
        );
    }
    none(
        &mut c,
        "case b logs whose tuition group differs from the names",
        "SELECT count(*) FROM tuition_logs l JOIN tuitions t ON t.id = l.tuition_id \
         WHERE cardinality(l.attendee_names) <> cardinality(t.student_ids)",
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM tuition_logs WHERE id IN \
        ('c0248183-86b6-4e74-a8c7-4ce9bf48ba5a', '70eebd82-9743-4b35-9262-b5d2782f0ddc')"
        ),
        2
    );
    // Charges: equal splits that add up to the log's cost, within rounding.
    none(&mut c, "logs whose charges do not add up",
        "SELECT count(*) FROM tuition_logs l WHERE abs(l.cost - (SELECT sum(cost) FROM tuition_log_charges ch \
         WHERE ch.tuition_log_id = l.id)) > 0.02 * cardinality(l.attendee_names)");
    none(&mut c, "tuitions whose template charges do not add up",
        "SELECT count(*) FROM tuitions t WHERE abs(t.cost - (SELECT sum(cost) FROM tuition_template_charges ch \
         WHERE ch.tuition_id = t.id)) > 0.02 * cardinality(t.student_ids)");
    // Corrections point at VOID originals, and each VOID one is corrected.
    for table in ["tuition_logs", "payment_logs"] {
        none(&mut c, "corrections of ACTIVE rows", &format!(
            "SELECT count(*) FROM {table} c JOIN {table} o ON o.id = c.corrected_from_log_id WHERE o.status <> 'VOID'"));
        none(
            &mut c,
            "VOID rows without a correction",
            &format!(
                "SELECT count(*) FROM {table} o WHERE o.status = 'VOID' AND NOT EXISTS \
             (SELECT 1 FROM {table} c WHERE c.corrected_from_log_id = o.id)"
            ),
        );
        assert!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM {table} WHERE status = 'VOID'")
            ) > 10
        );
    }
    assert!(count(&mut c, "SELECT count(*) FROM tuition_logs c JOIN tuition_logs o ON o.id = c.corrected_from_log_id \
        WHERE o.corrected_from_log_id IS NOT NULL") > 0, "no correction of a correction");
    assert!(
        count(
            &mut c,
            "SELECT count(*) FROM payment_logs WHERE notes IS NOT NULL"
        ) > 300
    );

    // Step 12's siblings: same parent, same last name, logs charging both.
    let (a, b) = (DISCOUNT_SIBLINGS[0], DISCOUNT_SIBLINGS[1]);
    assert_eq!(a.1, b.1);
    let both = count(&mut c, &format!(
        "SELECT count(*) FROM tuition_logs l WHERE l.status = 'ACTIVE' AND \
         (SELECT count(DISTINCT s.id) FROM tuition_log_charges ch JOIN students s ON s.id = ch.student_id \
          WHERE ch.tuition_log_id = l.id AND (s.first_name, s.last_name) IN (('{}', '{}'), ('{}', '{}'))) = 2 \
         AND l.id IN (SELECT tuition_log_id FROM tuition_log_charges)", a.0, a.1, b.0, b.1));
    assert!(both >= 10, "only {both} logs charge both siblings");
    assert_eq!(count(&mut c, &format!(
        "SELECT count(DISTINCT parent_id) FROM students WHERE (first_name, last_name) IN (('{}', '{}'), ('{}', '{}'))",
        a.0, a.1, b.0, b.1)), 1);

    // Staff: six distinct first names, each on exactly one user, all staff.
    for name in STAFF_FIRST_NAMES {
        assert_eq!(count(&mut c, &format!(
            "SELECT count(*) FROM users WHERE first_name = '{name}' AND role IN ('teacher', 'admin')")), 1,
            "staff {name}");
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM users WHERE first_name = '{name}'")
            ),
            1
        );
    }
    assert_eq!(
        count(
            &mut c,
            &format!(
                "SELECT count(*) FROM users WHERE id = '{t}' AND first_name = '{}'",
                STAFF_FIRST_NAMES[0]
            )
        ),
        1
    );
    none(&mut c, "passwords not PBKDF2-shaped",
        "SELECT count(*) FROM users WHERE password !~ '^pbkdf2:sha256:600000\\$[A-Za-z0-9]{16}\\$[0-9a-f]{64}$'");
    none(
        &mut c,
        "teachers that are not teacher users",
        "SELECT count(*) FROM teachers JOIN users USING (id) WHERE role <> 'teacher'",
    );
    none(
        &mut c,
        "parents that are not parent users",
        "SELECT count(*) FROM parents JOIN users USING (id) WHERE role <> 'parent'",
    );

    latest_run_resolves_to_tuitions(&mut c);
}

/// The latest SUCCESS run holds 22 tuition sessions (19 single, 3 pairs)
/// over Sat 8 – Thu 13 Nov 2025 that each resolve, by first names + subject
/// + lesson index, to exactly one tuition.
fn latest_run_resolves_to_tuitions(c: &mut Client) {
    let mut groups: BTreeMap<(BTreeSet<String>, String, i32), usize> = BTreeMap::new();
    for row in c
        .query(
            "SELECT lower(t.subject::text), t.lesson_index, array_agg(lower(s.first_name::text)) \
             FROM tuitions t JOIN students s ON s.id = ANY(t.student_ids) GROUP BY t.id",
            &[],
        )
        .unwrap()
    {
        let names: Vec<String> = row.get(2);
        *groups
            .entry((names.into_iter().collect(), row.get(0), row.get(1)))
            .or_default() += 1;
    }
    let latest: serde_json::Value = c
        .query_one(
            "SELECT solution_data FROM timetable_runs WHERE status = 'SUCCESS' \
             ORDER BY run_started_at DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let max_id: i64 = c
        .query_one("SELECT max(id) FROM timetable_runs", &[])
        .unwrap()
        .get(0);
    let latest_id: i64 = c
        .query_one("SELECT id FROM timetable_runs WHERE status = 'SUCCESS' ORDER BY run_started_at DESC LIMIT 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        max_id, latest_id,
        "the latest run by time is the highest id"
    );
    let sessions = latest.as_array().expect("solution_data is an array");
    let mut sizes = Vec::new();
    let mut subjects: BTreeMap<String, usize> = BTreeMap::new();
    let mut days = BTreeSet::new();
    for s in sessions {
        let category = s["category"].as_str().unwrap();
        let start = s["start_time"].as_str().unwrap();
        assert!(s["end_time"].as_str().unwrap() > start);
        time::PrimitiveDateTime::parse(
            start,
            &time::format_description::well_known::Iso8601::DEFAULT,
        )
        .unwrap_or_else(|e| panic!("{start}: {e}"));
        if category != "Tuition" {
            continue;
        }
        assert!(
            ("2025-11-08".."2025-11-14").contains(&&start[..10]),
            "{start}"
        );
        days.insert(start[..10].to_string());
        let name = s["name"].as_str().unwrap();
        let parts: Vec<&str> = name.split('_').collect();
        assert!(parts.len() >= 4 && parts[0] == "Tuition", "{name}");
        let lesson: i32 = parts[parts.len() - 1].parse().unwrap();
        let subject = parts[parts.len() - 2].to_lowercase();
        let names: BTreeSet<String> = parts[1..parts.len() - 2]
            .iter()
            .map(|n| n.to_lowercase())
            .collect();
        sizes.push(names.len());
        *subjects.entry(subject.clone()).or_default() += 1;
        assert_eq!(
            groups.get(&(names, subject, lesson)),
            Some(&1),
            "session {name} resolves to one tuition"
        );
    }
    assert_eq!(sizes.len(), 22, "tuition sessions in the latest run");
    assert_eq!(sizes.iter().filter(|&&n| n == 2).count(), 3);
    assert_eq!(sizes.iter().filter(|&&n| n == 1).count(), 19);
    assert_eq!(days.len(), 6, "Saturday to Thursday: {days:?}");
    let expect: BTreeMap<String, usize> = [
        ("physics", 8),
        ("math", 7),
        ("chemistry", 5),
        ("it", 1),
        ("biology", 1),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(subjects, expect);
    for category in ["Sleep", "Meal", "Prayer", "Gym", "Work"] {
        assert!(
            sessions.iter().any(|s| s["category"] == category),
            "no {category} session"
        );
    }
}
