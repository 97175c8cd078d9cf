//! Step 1 against a real PostgreSQL: restoring, and every bad input leaving
//! the old test database untouched.

mod common;

use common::*;
use et_testdb::engine::config::DbUrl;
use et_testdb::engine::restore::ResetOptions;

const RESET: &str = env!("CARGO_BIN_EXE_reset");

/// A target database holding a marker table that must survive failures.
fn target_with_marker(name: &str) -> DbUrl {
    let url = fresh_db(name);
    url.connect()
        .unwrap()
        .batch_execute("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('old');")
        .unwrap();
    url
}

fn assert_marker_survives(url: &DbUrl) {
    let mut c = url.connect().expect("the old test database still exists");
    let v: String = c.query_one("SELECT v FROM marker", &[]).unwrap().get(0);
    assert_eq!(v, "old");
}

fn reset(args: &[&str]) -> std::process::Output {
    run_bin(RESET, args, &[])
}

#[test]
fn restores_a_dump_and_replaces_the_old_database() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.dump");
    small_dump(&dump, "et_reset_src_ok_test", 250);
    let url = target_with_marker("et_reset_ok_test");
    let out = reset(&["--dump", dump.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("250"), "reports rows per table: {stdout}");
    let mut c = url.connect().unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
    assert_eq!(n, 250);
    let marker: Option<String> = c
        .query_one("SELECT to_regclass('marker')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(marker, None, "the old contents are gone");
    // Running it again also works.
    let again = reset(&["--dump", dump.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(again.status.success(), "{}", stderr(&again));
    drop(c);
    drop_db("et_reset_ok_test");
}

#[test]
fn missing_dump_is_reported_and_nothing_changes() {
    let url = target_with_marker("et_reset_missing_test");
    let out = reset(&["--dump", "/nonexistent/prod.dump", "--db-url", url.expose()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent/prod.dump") && err.contains("does not exist"),
        "{err}"
    );
    assert_marker_survives(&url);
    drop_db("et_reset_missing_test");
}

#[test]
fn corrupt_dump_is_reported_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("garbage.dump");
    std::fs::write(
        &dump,
        b"PGDMP\x01\x0e\x00\x04\x08\x01\x01 this is not a dump at all",
    )
    .unwrap();
    let url = target_with_marker("et_reset_corrupt_test");
    let out = reset(&["--dump", dump.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("garbage.dump") && err.contains("pg_dump -Fc"),
        "{err}"
    );
    assert_marker_survives(&url);
    drop_db("et_reset_corrupt_test");
}

#[test]
fn truncated_dump_is_reported_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.dump");
    small_dump(&full, "et_reset_src_trunc_test", 20_000);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let url = target_with_marker("et_reset_trunc_test");
    let out = reset(&["--dump", cut.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cut.dump"), "{err}");
    assert_marker_survives(&url);
    drop_db("et_reset_trunc_test");
}

#[test]
fn plain_sql_file_is_reported_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("backup.sql");
    std::fs::write(
        &sql,
        "--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n",
    )
    .unwrap();
    let url = target_with_marker("et_reset_plain_test");
    let out = reset(&["--dump", sql.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("backup.sql") && err.contains("plain SQL"),
        "{err}"
    );
    assert_marker_survives(&url);
    drop_db("et_reset_plain_test");
}

#[test]
fn unreachable_server_is_reported_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.dump");
    small_dump(&dump, "et_reset_src_unreach_test", 5);
    let out = reset(&[
        "--dump",
        dump.to_str().unwrap(),
        "--db-url",
        "postgresql://tester:Sup3rSecretPw@127.0.0.1:1/some_test_db",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains("Sup3rSecretPw"), "password leaked: {err}");
}

#[test]
fn malformed_url_is_reported_without_the_password() {
    let out = reset(&[
        "--db-url",
        "postgresql://tester:Sup3rSecretPw@localhost:notaport/x_test",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--db-url") && err.contains("malformed"),
        "{err}"
    );
    assert!(!err.contains("Sup3rSecretPw"), "password leaked: {err}");
}

#[test]
fn missing_pg_restore_names_the_package_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.dump");
    small_dump(&dump, "et_reset_src_nobin_test", 5);
    let url = target_with_marker("et_reset_nobin_test");
    let empty = tempfile::tempdir().unwrap();
    let out = run_bin(
        RESET,
        &["--dump", dump.to_str().unwrap(), "--db-url", url.expose()],
        &[("ET_TESTDB_PG_BIN", empty.path().to_str().unwrap())],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("pg_restore") && err.contains("apt-get install postgresql-client"),
        "{err}"
    );
    assert_marker_survives(&url);
    drop_db("et_reset_nobin_test");
}

#[test]
fn guard_refuses_non_test_and_production_targets() {
    let c = cluster();
    // Name without `test`: refused before anything is touched.
    let prodlike = c.url("efficient_tutor");
    let out = reset(&["--db-url", prodlike.expose()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not contain `test`"),
        "{}",
        stderr(&out)
    );

    // The production URL: refused even with the override.
    let url = target_with_marker("et_reset_prod_test");
    let out = run_bin(
        RESET,
        &["--db-url", url.expose(), "--allow-non-test-db"],
        &[("DATABASE_URL_PROD_CLI", url.expose())],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("production"), "{}", stderr(&out));
    assert_marker_survives(&url);
    drop_db("et_reset_prod_test");
}

#[test]
fn restores_the_demo_dump_with_the_generators_row_counts() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("demo.dump");
    let opts = et_testdb::efficient_tutor::demo::DemoOptions::default();
    let generated =
        et_testdb::efficient_tutor::demo::write_dump(&c.url("postgres"), &dump, &opts).unwrap();
    let url = target_with_marker("et_reset_demo_test");
    let report = et_testdb::engine::restore::reset(&url, &dump, opts_jobs(2)).unwrap();
    assert_eq!(report.rows, generated);
    assert!(
        generated["users"] >= 300 && generated["tuition_logs"] >= 3000,
        "{generated:?}"
    );
    drop_db("et_reset_demo_test");
}

#[test]
fn download_recent_dumps_production_then_restores_it() {
    let c = cluster();
    let prod = fresh_db("et_reset_fakeprod");
    prod.connect()
        .unwrap()
        .batch_execute("CREATE TABLE p (v int); INSERT INTO p SELECT generate_series(1, 42);")
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let target = target_with_marker("et_reset_download_test");
    let run = |prod_url: &str| {
        let mut cmd = std::process::Command::new(RESET);
        cmd.args(["--download-recent", "--db-url", target.expose()])
            .current_dir(work.path())
            .env("DATABASE_URL_PROD_CLI", prod_url)
            .env_remove("DATABASE_URL_TEST_CLI")
            .env_remove("RUST_BACKTRACE");
        cmd.output().unwrap()
    };

    // An unreachable production server: no file, old database intact.
    let out = run("postgresql://u:Pr0dSecret@127.0.0.1:1/efficient_tutor");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("pg_dump") && !err.contains("Pr0dSecret"),
        "{err}"
    );
    assert!(!work.path().join("prod_backup.dump").exists());
    assert_marker_survives(&target);

    let out = run(prod.expose());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(work.path().join("prod_backup.dump").is_file());
    let n: i64 = target
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM p", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 42);
    // Production was only read.
    let still: i64 = prod
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM p", &[])
        .unwrap()
        .get(0);
    assert_eq!(still, 42);
    drop(c);
    drop_db("et_reset_fakeprod");
    drop_db("et_reset_download_test");
}

fn opts_jobs(jobs: usize) -> ResetOptions {
    ResetOptions {
        jobs,
        allow_empty: false,
        lock_timeout_secs: 5,
    }
}

/// A database `name` holding `marker` = `value`.
fn db_with_marker(name: &str, value: &str) {
    fresh_db(name)
        .connect()
        .unwrap()
        .batch_execute(&format!(
            "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('{value}');"
        ))
        .unwrap();
}

fn marker_of(url: &DbUrl) -> String {
    url.connect()
        .expect("the test database exists")
        .query_one("SELECT v FROM marker", &[])
        .unwrap()
        .get(0)
}

/// Databases whose name starts with `prefix`, sorted.
fn databases_like(prefix: &str) -> Vec<String> {
    let mut c = cluster().url("postgres").connect().unwrap();
    c.query(
        "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
        &[&prefix],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn mark_invalid(db: &str) {
    cluster()
        .url("postgres")
        .connect()
        .unwrap()
        .execute(
            "UPDATE pg_database SET datconnlimit = -2 WHERE datname = $1",
            &[&db],
        )
        .unwrap();
}

/// Every state an interrupted reset can leave (and one an older version
/// left: an invalid test database), and what the next run must make of it.
#[test]
fn every_interrupted_swap_is_recovered() {
    // (case, databases present as (suffix, marker), invalid suffixes,
    //  the marker the test database must hold after recovery)
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [&'static str],
        &'static str,
    );
    let cases: &[Case] = &[
        (
            "killed after the old one was renamed away",
            &[("__et_ready", "new"), ("__et_old", "old")],
            &[],
            "new",
        ),
        (
            "killed after the restore was complete",
            &[("", "old"), ("__et_ready", "new")],
            &[],
            "old",
        ),
        (
            "killed while dropping the old one",
            &[("", "new"), ("__et_old", "old")],
            &["__et_old"],
            "new",
        ),
        (
            "killed after the swap, before the drop",
            &[("", "new"), ("__et_old", "old")],
            &[],
            "new",
        ),
        (
            "killed during the restore",
            &[("", "old"), ("__et_restoring", "partial")],
            &[],
            "old",
        ),
        (
            "only the previous one is left",
            &[("__et_old", "old")],
            &[],
            "old",
        ),
        (
            "an older version's interrupted DROP",
            &[("", "gone"), ("__et_ready", "new")],
            &[""],
            "new",
        ),
    ];
    for (i, (case, present, invalid, expect)) in cases.iter().enumerate() {
        let name = format!("et_reset_recover{i}_test");
        for (suffix, value) in *present {
            db_with_marker(&format!("{name}{suffix}"), value);
        }
        for suffix in *invalid {
            mark_invalid(&format!("{name}{suffix}"));
        }
        let url = cluster().url(&name);
        // A client left connected to a staging database must not stop it.
        let _holder = cluster().url(&format!("{name}__et_ready")).connect().ok();
        let done = et_testdb::engine::restore::recover(&url, 5).unwrap();
        assert!(!done.is_empty(), "{case}: recovery says what it did");
        assert_eq!(marker_of(&url), *expect, "{case}: {done:?}");
        assert_eq!(
            databases_like(&name),
            vec![name.clone()],
            "{case}: {done:?}"
        );
        assert!(
            et_testdb::engine::restore::recover(&url, 5)
                .unwrap()
                .is_empty(),
            "{case}: a second recovery has nothing to do"
        );
        drop_db(&name);
    }
}

#[test]
fn the_next_command_recovers_and_says_so() {
    let name = "et_reset_says_so_test";
    db_with_marker(&format!("{name}__et_ready"), "new");
    let url = cluster().url(name);
    // migrate on a database with no v0.3 baseline fails, but only after the
    // recovery, which it reports.
    let out = run_bin(
        env!("CARGO_BIN_EXE_migrate"),
        &["--db-url", url.expose()],
        &[],
    );
    let err = stderr(&out);
    assert!(
        err.contains("recovered from an interrupted reset")
            && err.contains(&format!("renamed {name}__et_ready")),
        "{err}"
    );
    assert_eq!(marker_of(&url), "new");
    drop_db(name);
}

#[test]
fn sessions_on_the_test_database_do_not_stop_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.dump");
    small_dump(&dump, "et_reset_src_busy_test", 10);
    let url = target_with_marker("et_reset_busy_test");
    let mut busy = url.connect().unwrap();
    busy.batch_execute("BEGIN; SELECT * FROM marker FOR UPDATE")
        .unwrap();
    let out = reset(&["--dump", dump.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let n: i64 = url
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM t", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 10);
    assert_eq!(
        databases_like("et_reset_busy_test"),
        vec!["et_reset_busy_test"]
    );
    drop_db("et_reset_busy_test");
}

#[test]
fn an_empty_dump_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("empty.dump");
    dump_of(&dump, "et_reset_src_empty_test", "", "-Fc");
    let url = target_with_marker("et_reset_empty_test");
    let out = reset(&["--dump", dump.to_str().unwrap(), "--db-url", url.expose()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("holds no tables") && err.contains("--allow-empty"),
        "{err}"
    );
    assert_marker_survives(&url);
    let out = reset(&[
        "--dump",
        dump.to_str().unwrap(),
        "--db-url",
        url.expose(),
        "--allow-empty",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tables: i64 = url
        .connect()
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'marker'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the empty dump replaced the database");
    drop_db("et_reset_empty_test");
}

#[test]
fn a_tar_dump_restores_even_with_several_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.tar");
    dump_of(
        &dump,
        "et_reset_src_tar_test",
        "CREATE TABLE t (i int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 42);",
        "-Ft",
    );
    let url = target_with_marker("et_reset_tar_test");
    let out = reset(&[
        "--dump",
        dump.to_str().unwrap(),
        "--db-url",
        url.expose(),
        "--jobs",
        "4",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let n: i64 = url
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM t", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 42);
    drop_db("et_reset_tar_test");
}

#[test]
fn a_reset_waits_for_another_one_and_names_it() {
    let url = target_with_marker("et_reset_locked_test");
    // What a running reset holds: the advisory lock for this database name.
    let mut other = cluster().url("postgres").connect().unwrap();
    other
        .batch_execute("SET application_name = 'the other reset'")
        .unwrap();
    other
        .execute(
            "SELECT pg_advisory_lock(x'65742d72'::int, hashtext($1))",
            &[&"et_reset_locked_test"],
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("small.dump");
    small_dump(&dump, "et_reset_src_locked_test", 5);
    let out = reset(&[
        "--dump",
        dump.to_str().unwrap(),
        "--db-url",
        url.expose(),
        "--lock-timeout",
        "1",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("waiting 1 s")
            && err.contains("another reset")
            && err.contains("the other reset"),
        "{err}"
    );
    assert_marker_survives(&url);
    drop(other);
    drop_db("et_reset_locked_test");
}
