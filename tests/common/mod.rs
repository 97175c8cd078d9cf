//! Helpers shared by the integration tests: databases on the embedded
//! cluster (started by the tests themselves) and running the binaries.
#![allow(dead_code)]

pub mod fault;
pub mod pagila;
pub mod round_trip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use et_testdb::engine::cluster::Cluster;
use et_testdb::engine::config::DbUrl;
use et_testdb::engine::restore::quote_ident;
use postgres::Client;

/// The embedded cluster, started if needed.
pub fn cluster() -> Cluster {
    Cluster::ensure().expect("start the embedded cluster")
}

/// A fresh, empty database `name` on the embedded cluster (dropped first if
/// it exists).
pub fn fresh_db(name: &str) -> DbUrl {
    recreate_db(name, None)
}

/// Drops database `name` if it exists and creates it, empty or as a copy of
/// `template`.
fn recreate_db(name: &str, template: Option<&str>) -> DbUrl {
    let c = cluster();
    let mut admin = c.url("postgres").connect().expect("connect to postgres");
    // Separate calls: a multi-statement string runs as one transaction,
    // where CREATE/DROP DATABASE are not allowed.
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))
        .expect("drop database");
    let from = template.map_or(String::new(), |t| format!(" TEMPLATE {}", quote_ident(t)));
    admin
        .batch_execute(&format!("CREATE DATABASE {}{from}", quote_ident(name)))
        .expect("create database");
    c.url(name)
}

/// Drops database `name` on the embedded cluster.
pub fn drop_db(name: &str) {
    let mut admin = cluster().url("postgres").connect().unwrap();
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))
        .unwrap();
}

/// Runs one of the crate's binaries with `args`, from the crate root, with no
/// database configured through the environment.
pub fn run_bin(exe: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL_TEST_CLI")
        .env_remove("DATABASE_URL_PROD_CLI")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run binary")
}

/// Runs `cmd` with its standard output a pipe whose reader is already gone,
/// as in `cmd | head -0`.
pub fn run_with_closed_stdout(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

/// Standard error of a finished program.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes a small custom-format dump of a database holding `rows` rows in
/// table `t`, to `path`.
pub fn small_dump(path: &Path, source_db: &str, rows: i32) {
    dump_of(
        path,
        source_db,
        &format!(
            "CREATE TABLE t (i int PRIMARY KEY, s text NOT NULL);
             INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {rows}) g;"
        ),
        "-Fc",
    );
}

/// Writes to `path` a dump (`format`: `-Fc`, `-Ft`, …) of a scratch database
/// `source_db` in which `sql` ran (empty `sql`: an empty database).
pub fn dump_of(path: &Path, source_db: &str, sql: &str, format: &str) {
    let url = fresh_db(source_db);
    url.connect().unwrap().batch_execute(sql).unwrap();
    let pg_dump = et_testdb::engine::tools::find(et_testdb::engine::tools::Tool::PgDump).unwrap();
    let out = Command::new(pg_dump)
        .arg(format)
        .arg("-f")
        .arg(path)
        .arg(url.expose())
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", stderr(&out));
    drop_db(source_db);
}

/// A fresh database `name` with the v0.3 schema (v0.2 baseline + every
/// migration), empty.
pub fn v03_db(name: &str) -> DbUrl {
    let url = fresh_db(name);
    let mut c = url.connect().unwrap();
    c.batch_execute(et_testdb::efficient_tutor::demo::BASELINE_SQL)
        .unwrap();
    et_testdb::engine::migrate::run_on(
        &mut c,
        et_testdb::engine::migrate::migrations().unwrap(),
        &et_testdb::engine::migrate::MigrateOptions::default(),
        |_| {},
    )
    .unwrap();
    url
}

/// A uniquely named database on the embedded cluster for one test: dropped
/// when the test passes, kept (and named on stderr) when it fails, so it can
/// be inspected.
pub struct TestDb {
    pub name: String,
    pub url: DbUrl,
    admin: DbUrl,
}

impl TestDb {
    /// An empty database named `et_<label>_<pid>_<n>_test`.
    pub fn empty(label: &str) -> TestDb {
        TestDb::create(label, None)
    }

    /// An empty database in which `sql` has run. A simple-query batch is
    /// one implicit transaction, so `-- @commit` lines split it where a
    /// later statement needs an earlier one committed (a new enum value
    /// cannot be used in the transaction that adds it).
    pub fn with_sql(label: &str, sql: &str) -> TestDb {
        let db = TestDb::empty(label);
        let mut client = db.client();
        for chunk in sql.split("\n-- @commit\n") {
            client.batch_execute(chunk).expect("run the test's SQL");
        }
        db
    }

    /// A copy of `self` (`CREATE DATABASE … TEMPLATE`); `self` must have no
    /// open connections.
    pub fn clone_as(&self, label: &str) -> TestDb {
        TestDb::create(label, Some(&self.name))
    }

    /// Creates a uniquely named database, empty or from `template`.
    fn create(label: &str, template: Option<&str>) -> TestDb {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "et_{label}_{}_{}_test",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let url = recreate_db(&name, template);
        let admin = url.with_dbname("postgres");
        TestDb { url, name, admin }
    }

    /// A new connection to the database.
    pub fn client(&self) -> Client {
        self.url.connect().expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept database {} for inspection ({})", self.name, self.url);
            return;
        }
        if let Ok(mut c) = self.admin.connect() {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ));
        }
    }
}

/// Asserts rustfmt would leave every row file (`auto_*`) of `files` as it
/// is: the row emitter writes rustfmt's layout. (`schema.rs` and `mod.rs`
/// come from prettyplease.)
pub fn assert_row_files_rustfmt_clean(files: &std::collections::BTreeMap<PathBuf, String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (path, text) in files {
        if !path.to_string_lossy().starts_with("auto_") {
            continue;
        }
        // Where the `#[path]` of its table module says: rustfmt follows it.
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        paths.push(file);
    }
    assert!(!paths.is_empty(), "no row files to check");
    let out = Command::new("rustfmt")
        .args([
            "--edition",
            "2021",
            "--check",
            "--config",
            "format_generated_files=true",
        ])
        .args(&paths)
        .output()
        .expect("run rustfmt (`rustup component add rustfmt`)");
    assert!(
        out.status.success(),
        "rustfmt would change emitted row files:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The files under `dir`, by path relative to it.
pub fn files_in(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), text);
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
