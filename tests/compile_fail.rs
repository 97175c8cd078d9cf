//! Compile-fail cases for the fixture merge: each case copies the crate,
//! changes `golden/` (or `generated/schema.rs`) the way a developer might,
//! runs `cargo build`, and checks that the build fails with the expected
//! messages (file:line, row, table, column and value).
//!
//! Why not trybuild: trybuild compiles single test files against the crate
//! as it is, while these conflicts live in the crate's own `golden/` and are
//! found by its build script. So each case builds a patched copy of the
//! crate instead (sharing one target directory, so dependencies build once).
//! Fixture *references* from test code are checked with trybuild, in
//! `tests/fixture_refs.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// A copy of the crate's sources in a temporary directory.
fn crate_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("et-testdb-compile-fail-")
        .tempdir()
        .unwrap();
    for f in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        std::fs::copy(root().join(f), dir.path().join(f)).unwrap();
    }
    for d in ["src", "generated", "golden", "sql"] {
        copy_dir(&root().join(d), &dir.path().join(d));
    }
    dir
}

/// Builds the library of the copy; returns (success, stderr).
fn build(dir: &Path) -> (bool, String) {
    let target = root().join("target").join("compile-fail");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--lib", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Appends a golden module file with `body`, registered in golden/mod.rs.
fn add_golden(dir: &Path, name: &str, body: &str) {
    let header = "use crate::fixture::*;\nuse crate::generated::schema::*;\nuse rust_decimal_macros::dec;\nuse uuid::uuid;\n\nuse super::*;\n";
    std::fs::write(
        dir.join("golden").join(format!("{name}.rs")),
        format!("{header}{body}"),
    )
    .unwrap();
    let mod_rs = dir.join("golden/mod.rs");
    let mut text = std::fs::read_to_string(&mod_rs).unwrap();
    text.push_str(&format!("\n#[allow(unused_imports)]\npub mod {name};\n"));
    std::fs::write(mod_rs, text).unwrap();
}

fn expect_failure(dir: &Path, expected: &[&str]) {
    let (ok, stderr) = build(dir);
    assert!(!ok, "the build should fail; stderr:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "missing `{e}` in:\n{stderr}");
    }
}

/// All cases in one test: they share the target directory, so running them
/// one after another is both simpler and faster than in parallel.
#[test]
fn every_conflict_class_fails_the_build_with_its_message() {
    // The unpatched copy builds: the cases below fail for their patch only.
    let base = crate_copy();
    let (ok, stderr) = build(base.path());
    assert!(ok, "the unchanged crate must build:\n{stderr}");

    // 1. Duplicate key within golden.
    let dir = crate_copy();
    add_golden(
        dir.path(),
        "zz_dup",
        "pub const SECOND_TEST_TEACHER: Teachers = Teachers {\n    id: TEST_TEACHER_ID,\n    currency: \"EUR\",\n    ..Teachers::DEFAULT\n};\n",
    );
    expect_failure(
        dir.path(),
        &[
            "golden/zz_dup.rs:7: SECOND_TEST_TEACHER: duplicate key in golden: table `teachers`, primary key (id) = 8fb84d2f-478a-437f-825e-9e364274d78a is already used by golden/users.rs:",
        ],
    );

    // 2. Unique-key collision between golden and generated: a golden user
    //    with the email of an extracted one.
    let dir = crate_copy();
    let email = first_generated_email();
    add_golden(
        dir.path(),
        "zz_unique",
        &format!(
            "pub const EMAIL_TWIN_USER: Users = Users {{\n    id: uuid!(\"601de000-00ff-0000-0000-000000000001\"),\n    email: \"{email}\",\n    password: TEST_PASSWORD_TEACHER_HASH,\n    role: UserRole::Teacher,\n    timezone: \"UTC\",\n    ..Users::DEFAULT\n}};\n"
        ),
    );
    expect_failure(
        dir.path(),
        &[
            "unique-key collision with golden row golden/zz_unique.rs:7: EMAIL_TWIN_USER: table `users`, unique key `users_email_key` (email) =",
            &format!("\"{email}\""),
        ],
    );

    // 3. Dangling foreign key.
    let dir = crate_copy();
    add_golden(
        dir.path(),
        "zz_dangling",
        "pub const ORPHAN_PAYMENT: PaymentLogs = PaymentLogs {\n    id: uuid!(\"601de000-00ff-0000-0000-000000000002\"),\n    parent_id: TEST_PARENT_ID,\n    payment_date: Timestamptz::FromSeed(0),\n    amount_paid: dec!(10.00),\n    status: LogStatusEnum::Active,\n    teacher_id: uuid!(\"601de000-00ff-0000-0000-0000000000ee\"),\n    notes: None,\n    corrected_from_log_id: None,\n};\n",
    );
    expect_failure(
        dir.path(),
        &[
            "golden/zz_dangling.rs:7: ORPHAN_PAYMENT: dangling foreign key: table `payment_logs`, foreign key `payment_logs_teacher_id_fkey` (teacher_id) = 601de000-00ff-0000-0000-0000000000ee matches no row of `teachers`",
        ],
    );

    // 4. A required column left unset.
    let dir = crate_copy();
    add_golden(
        dir.path(),
        "zz_required",
        "pub const NAMELESS_NOTE: Notes = Notes {\n    id: uuid!(\"601de000-00ff-0000-0000-000000000003\"),\n    teacher_id: TEST_TEACHER_ID,\n    student_id: TEST_STUDENT_ID,\n    subject: SubjectEnum::Math,\n    note_type: Notetypeenum::Homework,\n    ..Notes::DEFAULT\n};\n",
    );
    expect_failure(
        dir.path(),
        &["golden/zz_required.rs:7: NAMELESS_NOTE: required column `notes.name` (NOT NULL, no default) is not set"],
    );

    // 5. Schema drift: the schema gains a required column, and every golden
    //    row of that table that lacks it is named.
    let dir = crate_copy();
    let schema = dir.path().join("generated/schema.rs");
    replace_in(
        &schema,
        "pub struct Parents {",
        "pub struct Parents {\n    pub billing_code: &'static str,",
    );
    replace_in(
        &schema,
        "name: \"parents\",\n        columns: &[",
        "name: \"parents\",\n        columns: &[\n            ColumnMeta {\n                name: \"billing_code\",\n                field: \"billing_code\",\n                pg_type: \"text\",\n                nullable: false,\n                has_default: false,\n                identity: None,\n                generated: false,\n            },",
    );
    expect_failure(
        dir.path(),
        &[
            "TEST_PARENT: required column `parents.billing_code` (NOT NULL, no default) is not set",
            "TEST_UNRELATED_PARENT: required column `parents.billing_code`",
            "FIN_PARENT_A: required column `parents.billing_code`",
            "FIN_PARENT_B: required column `parents.billing_code`",
        ],
    );
}

/// An email of an extracted (generated) user, read from generated/.
fn first_generated_email() -> String {
    let users = std::fs::read_dir(root().join("generated"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("auto_users"))
        .expect("generated/ has the users table");
    let file = if users.is_dir() {
        users.join("part_0001.rs")
    } else {
        users
    };
    let text = std::fs::read_to_string(file).unwrap();
    let at = text.find("email: \"").expect("a generated email") + "email: \"".len();
    text[at..].split('"').next().unwrap().to_string()
}
