//! Helpers shared by the integration tests: databases on the embedded
//! cluster (started by the tests themselves) and running the binaries.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use et_testdb::cluster::Cluster;
use et_testdb::config::DbUrl;
use et_testdb::restore::quote_ident;

/// The embedded cluster, started if needed.
pub fn cluster() -> Cluster {
    Cluster::ensure().expect("start the embedded cluster")
}

/// A fresh, empty database `name` on the embedded cluster (dropped first if
/// it exists).
pub fn fresh_db(name: &str) -> DbUrl {
    let c = cluster();
    let mut admin = c.url("postgres").connect().expect("connect to postgres");
    for sql in [
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        "CREATE DATABASE {}",
    ] {
        admin
            .batch_execute(&sql.replace("{}", &quote_ident(name)))
            .expect("create database");
    }
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

/// Standard error of a finished program.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes a small custom-format dump of a database holding `rows` rows in
/// table `t`, to `path`.
pub fn small_dump(path: &Path, source_db: &str, rows: i32) {
    let url = fresh_db(source_db);
    let mut c = url.connect().unwrap();
    c.batch_execute(&format!(
        "CREATE TABLE t (i int PRIMARY KEY, s text NOT NULL);
         INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {rows}) g;"
    ))
    .unwrap();
    drop(c);
    let pg_dump = et_testdb::tools::find(et_testdb::tools::Tool::PgDump).unwrap();
    let out = Command::new(pg_dump)
        .arg("-Fc")
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
    c.batch_execute(et_testdb::demo::BASELINE_SQL).unwrap();
    et_testdb::migrate::run_on(
        &mut c,
        et_testdb::migrate::MIGRATIONS,
        &et_testdb::migrate::MigrateOptions::default(),
        |_| {},
    )
    .unwrap();
    url
}
