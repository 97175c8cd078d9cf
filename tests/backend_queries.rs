//! Examples of tests as EfficientTutor's backend writes them: each asks the
//! library for its own seeded database and refers to golden fixtures by
//! name, so the compiler checks every reference.

use et_testdb::engine::testing::test_db;
use et_testdb::golden::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

#[test]
fn a_teacher_sees_their_tuitions_and_students() {
    let test = test_db();
    let mut db = test.client();
    let tuitions: Vec<Uuid> = db
        .query(
            "SELECT id FROM tuitions WHERE teacher_id = $1 ORDER BY id",
            &[&TEST_TEACHER_ID],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut expected = vec![TEST_TUITION_ID, TEST_TUITION_ID_NO_LINK];
    expected.sort();
    assert_eq!(tuitions, expected);

    let students: Vec<Uuid> = db
        .query(
            "SELECT DISTINCT c.student_id FROM tuition_template_charges c
             JOIN tuitions t ON t.id = c.tuition_id WHERE t.teacher_id = $1",
            &[&TEST_TEACHER_ID],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(students, vec![TEST_STUDENT_ID]);

    let link: Option<String> = db
        .query_opt(
            "SELECT meeting_link FROM meeting_links WHERE tuition_id = $1",
            &[&TEST_TUITION_ID],
        )
        .unwrap()
        .map(|r| r.get(0));
    assert_eq!(
        link.as_deref(),
        Some(TEST_TUITION_MEETING_LINK.meeting_link)
    );
    let none: Option<String> = db
        .query_opt(
            "SELECT meeting_link FROM meeting_links WHERE tuition_id = $1",
            &[&TEST_TUITION_ID_NO_LINK],
        )
        .unwrap()
        .map(|r| r.get(0));
    assert_eq!(none, None);
}

/// What a parent owes a teacher: ACTIVE log charges minus ACTIVE payments.
fn balance(db: &mut postgres::Client, parent: Uuid, teacher: Uuid) -> Decimal {
    db.query_one(
        "SELECT
           (SELECT coalesce(sum(c.cost), 0) FROM tuition_log_charges c
              JOIN tuition_logs l ON l.id = c.tuition_log_id
             WHERE c.parent_id = $1 AND l.teacher_id = $2 AND l.status = 'ACTIVE')
         - (SELECT coalesce(sum(amount_paid), 0) FROM payment_logs
             WHERE parent_id = $1 AND teacher_id = $2 AND status = 'ACTIVE')",
        &[&parent, &teacher],
    )
    .unwrap()
    .get(0)
}

#[test]
fn a_parents_balance_counts_active_charges_and_payments_only() {
    let test = test_db();
    let mut db = test.client();
    assert_eq!(
        balance(&mut db, FIN_PARENT_A_ID, FIN_TEACHER_A_ID),
        dec!(130.00)
    );
    assert_eq!(
        balance(&mut db, FIN_PARENT_A_ID, FIN_TEACHER_B_ID),
        dec!(200.00)
    );
    assert_eq!(
        balance(&mut db, FIN_PARENT_B_ID, FIN_TEACHER_A_ID),
        dec!(190.00)
    );
    // Voiding a log removes its charge from the balance.
    db.execute(
        "UPDATE tuition_logs SET status = 'VOID' WHERE id = $1",
        &[&FIN_LOG_7_ID],
    )
    .unwrap();
    assert_eq!(
        balance(&mut db, FIN_PARENT_B_ID, FIN_TEACHER_A_ID),
        dec!(-10.00)
    );
    // FIN_LOG_1 and FIN_LOG_2 are forty days older than the rest.
    let days: f64 = db
        .query_one(
            "SELECT extract(epoch FROM (SELECT start_time FROM tuition_logs WHERE id = $2)
                                     - (SELECT start_time FROM tuition_logs WHERE id = $1)) / 86400",
            &[&FIN_LOG_1_ID, &FIN_LOG_3_ID],
        )
        .unwrap()
        .get::<_, Decimal>(0)
        .try_into()
        .unwrap();
    assert!((days - 40.0).abs() < 0.01, "{days}");
}

#[test]
fn a_correction_voids_the_original_and_the_chain_can_be_walked() {
    let test = test_db();
    let mut db = test.client();
    let correction = Uuid::from_u128(0x601de000_00c0_0000_0000_000000000001);
    let mut tx = db.transaction().unwrap();
    tx.execute(
        "UPDATE tuition_logs SET status = 'VOID' WHERE id = $1",
        &[&FIN_LOG_3_ID],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO tuition_logs (id, subject, educational_system, grade, start_time, end_time,
                                   corrected_from_log_id, teacher_id)
         SELECT $1, subject, educational_system, grade, start_time, end_time, id, teacher_id
         FROM tuition_logs WHERE id = $2",
        &[&correction, &FIN_LOG_3_ID],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO tuition_log_charges (tuition_log_id, student_id, parent_id, cost)
         VALUES ($1, $2, $3, 80.00)",
        &[&correction, &FIN_STUDENT_A1_ID, &FIN_PARENT_A_ID],
    )
    .unwrap();
    tx.commit().unwrap();
    assert_eq!(
        balance(&mut db, FIN_PARENT_A_ID, FIN_TEACHER_A_ID),
        dec!(110.00)
    );

    let chain: Vec<(Uuid, String)> = db
        .query(
            "WITH RECURSIVE chain AS (
               SELECT id, corrected_from_log_id, status, 0 AS depth FROM tuition_logs WHERE id = $1
               UNION ALL
               SELECT l.id, l.corrected_from_log_id, l.status, c.depth + 1
               FROM tuition_logs l JOIN chain c ON l.id = c.corrected_from_log_id)
             SELECT id, status::text FROM chain ORDER BY depth",
            &[&correction],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        chain,
        vec![
            (correction, "ACTIVE".to_string()),
            (FIN_LOG_3_ID, "VOID".to_string())
        ]
    );

    // The extracted production data has corrections too: every corrected
    // original is VOID, and every chain ends at a log with no predecessor.
    let bad: i64 = db
        .query_one(
            "SELECT count(*) FROM tuition_logs c JOIN tuition_logs o ON o.id = c.corrected_from_log_id
             WHERE o.status <> 'VOID'",
            &[],
        )
        .unwrap()
        .get(0);
    let corrections: i64 = db
        .query_one(
            "SELECT count(*) FROM tuition_logs WHERE corrected_from_log_id IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(corrections > 1);
    assert_eq!(bad, 0);
}

#[test]
fn a_student_sees_the_slots_of_the_latest_successful_run() {
    let test = test_db();
    let mut db = test.client();
    let slots: Vec<(String, i32)> = db
        .query(
            "WITH latest AS (
               SELECT id FROM timetable_runs WHERE status = 'SUCCESS'
               ORDER BY run_started_at DESC, id DESC LIMIT 1)
             SELECT s.name, s.day_of_week FROM timetable_solution_slots s
             JOIN timetable_run_user_solutions u ON u.id = s.solution_id
             WHERE u.timetable_run_id = (SELECT id FROM latest) AND u.user_id = $1
             ORDER BY s.day_of_week, s.start_time",
            &[&TEST_STUDENT_ID],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        slots,
        vec![
            (TEST_SLOT_STUDENT_MATH.name.to_string(), 1),
            (TEST_SLOT_STUDENT_PHYSICS.name.to_string(), 2)
        ]
    );
    let run: i64 = db
        .query_one(
            "SELECT timetable_run_id FROM timetable_run_user_solutions WHERE id = $1",
            &[&TEST_USER_SOLUTION_ID],
        )
        .unwrap()
        .get(0);
    assert_eq!(run, TEST_TIMETABLE_RUN_ID);
}

#[test]
fn deleting_a_student_cascades_to_their_rows() {
    let test = test_db();
    let mut db = test.client();
    let count = |db: &mut postgres::Client, sql: &str| -> i64 {
        db.query_one(sql, &[&TEST_STUDENT_ID]).unwrap().get(0)
    };
    let queries = [
        "SELECT count(*) FROM tuition_template_charges WHERE student_id = $1",
        "SELECT count(*) FROM tuition_log_charges WHERE student_id = $1",
        "SELECT count(*) FROM notes WHERE student_id = $1",
        "SELECT count(*) FROM timetable_run_user_solutions WHERE user_id = $1",
        "SELECT count(*) FROM student_subjects WHERE student_id = $1",
        "SELECT count(*) FROM availability_intervals WHERE user_id = $1",
    ];
    for q in queries {
        assert!(count(&mut db, q) > 0, "{q}");
    }
    db.execute("DELETE FROM users WHERE id = $1", &[&TEST_STUDENT_ID])
        .unwrap();
    for q in queries {
        assert_eq!(count(&mut db, q), 0, "{q}");
    }
    assert_eq!(
        count(&mut db, "SELECT count(*) FROM students WHERE id = $1"),
        0
    );
    // The logs themselves stay; only the student's charges went.
    let logs: i64 = db
        .query_one(
            "SELECT count(*) FROM tuition_logs WHERE id = $1",
            &[&TEST_TUITION_LOG_ID_SCHEDULED],
        )
        .unwrap()
        .get(0);
    assert_eq!(logs, 1);
}

#[test]
fn teachers_and_the_master_admin_are_protected_as_upstream_expects() {
    let test = test_db();
    let mut db = test.client();
    // A teacher with nothing attached can go.
    db.execute(
        "DELETE FROM users WHERE id = $1",
        &[&TEST_DELETABLE_TEACHER_ID],
    )
    .unwrap();
    // One with enrolled students cannot (specialties are RESTRICTed).
    let err = db
        .execute("DELETE FROM users WHERE id = $1", &[&TEST_TEACHER_ID])
        .unwrap_err();
    assert!(err.as_db_error().is_some(), "{err}");
    // The last Master admin can be neither deleted nor demoted.
    let err = db
        .execute("DELETE FROM users WHERE id = $1", &[&TEST_ADMIN_ID])
        .unwrap_err();
    let message = err.as_db_error().map(|d| d.message().to_lowercase());
    assert!(
        message.as_deref().is_some_and(|m| m.contains("master")),
        "{message:?}"
    );
}

#[test]
fn each_test_gets_its_own_database() {
    let (a, b) = (test_db(), test_db());
    assert_ne!(a.name(), b.name());
    let mut ca = a.client();
    ca.execute("DELETE FROM notes WHERE id = $1", &[&TEST_NOTE_ID])
        .unwrap();
    let in_b: i64 = b
        .client()
        .query_one("SELECT count(*) FROM notes WHERE id = $1", &[&TEST_NOTE_ID])
        .unwrap()
        .get(0);
    assert_eq!(in_b, 1);
}
