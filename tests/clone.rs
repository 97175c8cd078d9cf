//! `cluster clone`, `drop`, `prune` and `url --as` against the real embedded
//! cluster, and the record of test databases that keeps them from leaking.

mod common;

use std::process::{Command, Output};

use common::*;
use et_testdb::engine::testing::registry;

const CLUSTER: &str = env!("CARGO_BIN_EXE_cluster");

fn cluster_cmd(args: &[&str]) -> Output {
    run_bin(CLUSTER, args, &[])
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn psql(url: &str, sql: &str) -> Output {
    let psql = et_testdb::engine::tools::find(et_testdb::engine::tools::Tool::Psql).unwrap();
    Command::new(psql)
        .args(["-X", "-At", "-c", sql, url])
        .env_remove("PGPASSWORD")
        .output()
        .unwrap()
}

/// A process to own clones: `sleep`, silent, killed when the test ends.
struct Owner(std::process::Child);

impl Owner {
    fn start() -> Owner {
        Owner(
            Command::new("sleep")
                .arg("60")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    fn end(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.end();
    }
}

fn recorded(name: &str) -> Option<registry::Entry> {
    let mut admin = cluster().url("postgres").connect().unwrap();
    registry::list(&mut admin)
        .unwrap()
        .into_iter()
        .find(|e| e.name == name)
}

fn database_exists(name: &str) -> bool {
    let mut admin = cluster().url("postgres").connect().unwrap();
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some()
}

#[test]
fn a_clone_is_seeded_recorded_and_dropped() {
    let owner = Owner::start();
    let pid = owner.pid();
    let url = ok(&cluster_cmd(&[
        "clone",
        "--name",
        "t_seeded",
        "--owner-pid",
        &pid,
    ]));
    // libpq form, read by the real psql.
    let db = ok(&psql(&url, "SELECT current_database()"));
    assert_eq!(db, "et_clone_t_seeded");
    let golden = ok(&psql(
        &url,
        "SELECT count(*) FROM users WHERE id = '8fb84d2f-478a-437f-825e-9e364274d78a'",
    ));
    assert_eq!(golden, "1", "the golden teacher is seeded");
    let entry = recorded("et_clone_t_seeded").expect("recorded");
    assert_eq!(entry.kind, "clone");
    assert_eq!(entry.owner.pid.to_string(), pid);
    let listed = ok(&cluster_cmd(&["clones"]));
    assert!(
        listed.contains("et_clone_t_seeded") && listed.contains("owner running"),
        "{listed}"
    );

    // A second clone of that name while the owner runs is refused.
    let out = cluster_cmd(&["clone", "--name", "t_seeded"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("still runs"), "{}", stderr(&out));

    assert_eq!(
        ok(&cluster_cmd(&["drop", "t_seeded"])),
        "dropped et_clone_t_seeded"
    );
    assert!(!database_exists("et_clone_t_seeded"));
    assert!(recorded("et_clone_t_seeded").is_none());
    drop(owner);
}

#[test]
fn prune_drops_exactly_the_clones_whose_owner_is_gone() {
    let mut gone = Owner::start();
    let alive = Owner::start();
    let gone_pid = gone.pid();
    let alive_pid = alive.pid();
    ok(&cluster_cmd(&[
        "clone",
        "--name",
        "t_gone",
        "--owner-pid",
        &gone_pid,
    ]));
    ok(&cluster_cmd(&[
        "clone",
        "--name",
        "t_alive",
        "--owner-pid",
        &alive_pid,
    ]));
    gone.end();
    let pruned = ok(&cluster_cmd(&["prune"]));
    assert!(pruned.contains("dropped et_clone_t_gone"), "{pruned}");
    assert!(!pruned.contains("t_alive"), "{pruned}");
    assert!(!database_exists("et_clone_t_gone"));
    assert!(database_exists("et_clone_t_alive"));
    ok(&cluster_cmd(&["drop", "et_clone_t_alive"]));
    drop(alive);
}

#[test]
fn drop_refuses_databases_it_did_not_make() {
    let out = cluster_cmd(&["drop", "efficient_tutor_test_db"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no database of that name was made"),
        "{}",
        stderr(&out)
    );
    assert!(database_exists("efficient_tutor_test_db"));
    let out = cluster_cmd(&["clone", "--name", "bad name;"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not usable"), "{}", stderr(&out));
}

#[test]
fn test_db_databases_are_recorded_until_dropped() {
    let db = et_testdb::test_db();
    let entry = recorded(db.name()).expect("test_db() records its database");
    assert_eq!(entry.kind, "test_db");
    assert_eq!(entry.owner.pid, std::process::id() as i32);
    let name = db.name().to_string();
    drop(db);
    assert!(
        recorded(&name).is_none(),
        "a dropped test database leaves no record"
    );
    assert!(!database_exists(&name));
}

#[test]
fn every_url_form_names_the_same_database() {
    let libpq = ok(&cluster_cmd(&["url"]));
    assert_eq!(
        ok(&psql(&libpq, "SELECT current_database()")),
        "efficient_tutor_test_db"
    );
    let asyncpg = ok(&cluster_cmd(&["url", "--as", "asyncpg"]));
    let psycopg = ok(&cluster_cmd(&["url", "--as", "psycopg"]));
    assert!(
        asyncpg.starts_with("postgresql+asyncpg://postgres@/efficient_tutor_test_db?host="),
        "{asyncpg}"
    );
    assert_eq!(psycopg.replace("+psycopg", "+asyncpg"), asyncpg);
    let env = ok(&cluster_cmd(&["url", "--as", "env"]));
    assert_eq!(
        env,
        format!("DATABASE_URL_TEST={asyncpg}\nDATABASE_URL_TEST_CLI={libpq}")
    );
}

/// The SQLAlchemy forms, read by the real asyncpg and psycopg. Needs a
/// Python with SQLAlchemy, asyncpg and psycopg: `bash tests/python/run.sh`
/// makes one, and `.ci/run` runs this with ET_TESTDB_PYTHON pointing at it.
#[test]
#[ignore = "needs Python with SQLAlchemy/asyncpg/psycopg: set ET_TESTDB_PYTHON (.ci/run does) and run with --ignored"]
fn the_sqlalchemy_forms_connect_with_the_real_drivers() {
    let python = std::env::var("ET_TESTDB_PYTHON")
        .expect("ET_TESTDB_PYTHON must name a python with SQLAlchemy, asyncpg and psycopg");
    let asyncpg = ok(&cluster_cmd(&["url", "--as", "asyncpg"]));
    let psycopg = ok(&cluster_cmd(&["url", "--as", "psycopg"]));
    let script = r#"
import asyncio, sys
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
async def via_asyncpg(url):
    engine = create_async_engine(url)
    async with engine.connect() as c:
        db = (await c.execute(text("SELECT current_database()"))).scalar_one()
    await engine.dispose()
    return db
print(asyncio.run(via_asyncpg(sys.argv[1])))
with create_engine(sys.argv[2]).connect() as c:
    print(c.execute(text("SELECT current_database()")).scalar_one())
"#;
    let out = Command::new(python)
        .args(["-c", script, &asyncpg, &psycopg])
        .output()
        .unwrap();
    assert_eq!(ok(&out), "efficient_tutor_test_db\nefficient_tutor_test_db");
}
