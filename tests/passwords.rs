//! Step 3 against real PostgreSQL: who gets which bcrypt hash, verified with
//! `bcrypt::verify` (cost 4 for speed), and the known-passwords file format.

mod migrate_support;

use et_testdb::efficient_tutor::passwords::{self, parse_known, PasswordsError, FALLBACK_PASSWORD};
use et_testdb::engine::migrate::{self, MigrateOptions};
use migrate_support::{demo_v02, mini_v02};

fn password_of(c: &mut postgres::Client, email: &str) -> String {
    c.query_one(
        "SELECT password::text FROM users WHERE email = $1",
        &[&email],
    )
    .unwrap()
    .get(0)
}

#[test]
fn the_example_file_parses() {
    let text = include_str!("../known_passwords.example.csv");
    let known = parse_known(text, "known_passwords.example.csv").unwrap();
    assert_eq!(known.len(), 2);
    assert_eq!(known[1].email, "teacher.one@example.com");
    assert_eq!(known[1].plaintext, "correct horse, battery staple");
    assert!(
        !format!("{known:?}").contains("change-me"),
        "Debug hides plaintexts"
    );
}

#[test]
fn malformed_and_duplicate_lines_are_errors_with_their_line() {
    let err = parse_known("# c\na@x.com,one\nno comma here\n", "k.csv").unwrap_err();
    assert!(
        matches!(err, PasswordsError::MalformedKnown { line: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("k.csv:3: no comma"), "{err}");

    let err = parse_known("a@x.com,one\n\nA@X.com,two\n", "k.csv").unwrap_err();
    assert!(
        matches!(
            err,
            PasswordsError::DuplicateKnown {
                line: 3,
                first: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = parse_known("a@x.com,\n", "k.csv").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn known_students_and_everyone_else_get_the_right_hash() {
    let db = mini_v02("pw_mini");
    migrate::run(&db.url, &MigrateOptions::default(), |_| {}).unwrap();
    let known = parse_known(
        "ADMIN@et.com,admin secret, with comma\nnobody@example.com,x\n",
        "t",
    )
    .unwrap();
    let mut c = db.client();
    let report = passwords::run(&mut c, &known, 4, |_| {}).unwrap();
    assert_eq!(report.known, 1);
    assert_eq!(report.known_not_found, ["nobody@example.com"]);
    assert_eq!(report.students, 1, "Amy has a generated password, Ben none");
    assert_eq!(report.fallback, 3, "owner, parent, Ben");

    let admin = password_of(&mut c, "admin@et.com");
    assert!(admin.starts_with("$2b$04$"), "{admin}");
    assert!(bcrypt::verify("admin secret, with comma", &admin).unwrap());
    let amy = password_of(&mut c, "amy@example.com");
    assert!(bcrypt::verify("amy-pass", &amy).unwrap());
    assert!(!bcrypt::verify(FALLBACK_PASSWORD, &amy).unwrap());

    let others: Vec<String> = ["owner@example.com", "parent@example.com", "ben@example.com"]
        .iter()
        .map(|e| password_of(&mut c, e))
        .collect();
    assert!(bcrypt::verify(FALLBACK_PASSWORD, &others[0]).unwrap());
    assert!(
        others.iter().all(|h| h == &others[0]),
        "the fallback hash is computed once: {others:?}"
    );
}

#[test]
fn every_demo_user_can_log_in_after_migrate_and_passwords() {
    let db = demo_v02("pw_demo");
    migrate::run(&db.url, &MigrateOptions::default(), |_| {}).unwrap();
    let mut c = db.client();
    let planned = std::sync::atomic::AtomicUsize::new(0);
    let report = passwords::run(&mut c, &[], 4, |p| {
        if let passwords::Progress::Hashing { total } = p {
            planned.store(total, std::sync::atomic::Ordering::Relaxed);
        }
    })
    .unwrap();
    let (users, students_with_pw): (i64, i64) = c
        .query_one(
            "SELECT (SELECT count(*) FROM users),
                    (SELECT count(*) FROM students WHERE generated_password <> '')",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(report.students as i64, students_with_pw);
    assert_eq!(planned.into_inner(), report.students);
    assert_eq!((report.students + report.fallback) as i64, users);

    let rows = c
        .query(
            "SELECT u.password::text, s.generated_password
             FROM users u LEFT JOIN students s USING (id) ORDER BY u.id",
            &[],
        )
        .unwrap();
    let mut fallback_hash: Option<String> = None;
    for r in &rows {
        let hash: String = r.get(0);
        assert!(hash.starts_with("$2b$04$"), "{hash}");
        match r.get::<_, Option<String>>(1).filter(|g| !g.is_empty()) {
            // One verification per distinct hash keeps the test fast.
            Some(generated) => assert!(bcrypt::verify(&generated, &hash).unwrap()),
            None => match &fallback_hash {
                Some(f) => assert_eq!(&hash, f),
                None => {
                    assert!(bcrypt::verify(FALLBACK_PASSWORD, &hash).unwrap());
                    fallback_hash = Some(hash);
                }
            },
        }
    }
}
