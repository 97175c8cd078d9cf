//! The seeder on a small schema with every supported type: values arrive
//! exactly, relative times resolve against the seed time, sequences move,
//! and a failure part-way leaves the previous contents intact.

mod common;

use std::collections::BTreeMap;

use common::*;
use et_testdb::engine::merge::{
    self, ColumnMeta, ForeignKey, Origin, Row, Source, TableMeta, Ts, Value,
};
use et_testdb::engine::seed::{seed_plan, seed_plan_with, SeedError};

const DDL: &str = "
CREATE TYPE mood AS ENUM ('Happy', 'Sad');
CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL DEFAULT 'anon');
CREATE TABLE child (
  id uuid PRIMARY KEY,
  parent_id bigint NOT NULL REFERENCES parent(id),
  flag boolean NOT NULL,
  small smallint, num integer, big bigint,
  cost numeric(10,2) NOT NULL,
  at timestamptz NOT NULL, naive timestamp, day date, t time,
  doc jsonb, ids uuid[] NOT NULL DEFAULT '{}', tags text[], feeling mood NOT NULL,
  label varchar(20),
  CONSTRAINT small_positive CHECK (small IS NULL OR small > 0)
);";

fn meta(name: &str, cols: &[(&str, bool, bool)], fks: Vec<ForeignKey>) -> TableMeta {
    TableMeta {
        name: name.into(),
        columns: cols
            .iter()
            .map(|(n, nullable, has_default)| ColumnMeta {
                name: n.to_string(),
                pg_type: String::new(),
                nullable: *nullable,
                has_default: *has_default,
            })
            .collect(),
        primary_key: vec!["id".into()],
        unique_keys: vec![],
        foreign_keys: fks,
    }
}

fn tables() -> Vec<TableMeta> {
    vec![
        meta(
            "parent",
            &[("id", false, true), ("name", false, true)],
            vec![],
        ),
        meta(
            "child",
            &[
                ("id", false, false),
                ("parent_id", false, false),
                ("flag", false, false),
                ("small", true, false),
                ("num", true, false),
                ("big", true, false),
                ("cost", false, false),
                ("at", false, false),
                ("naive", true, false),
                ("day", true, false),
                ("t", true, false),
                ("doc", true, false),
                ("ids", false, true),
                ("tags", true, false),
                ("feeling", false, false),
                ("label", true, false),
            ],
            vec![ForeignKey {
                name: "child_parent_id_fkey".into(),
                columns: vec!["parent_id".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["id".into()],
            }],
        ),
    ]
}

fn row(table: &str, values: Vec<(&str, Value)>) -> Row {
    Row {
        origin: Origin::Golden,
        source: Source {
            file: "t.rs".into(),
            line: 1,
            item: table.into(),
        },
        table: table.into(),
        values: values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn plan(small: i64) -> merge::Plan {
    merge::merge(
        &tables(),
        vec![
            row("parent", vec![("id", Value::Int(41))]),
            row(
                "child",
                vec![
                    ("id", Value::Uuid(0xaaaa0001_0000_0000_0000_000000000000)),
                    ("parent_id", Value::Int(41)),
                    ("flag", Value::Bool(true)),
                    ("small", Value::Int(small)),
                    ("num", Value::Int(-7)),
                    ("big", Value::Int(1 << 40)),
                    ("cost", Value::Numeric("120.50".into())),
                    ("at", Value::Timestamptz(Ts::FromSeed(-40 * 86_400_000_000))),
                    ("naive", Value::Timestamp(Ts::At(1_700_000_000_000_000))),
                    ("day", Value::Date(20_000)),
                    ("t", Value::Time(9 * 3_600_000_000 + 30 * 60_000_000)),
                    ("doc", Value::Json(r#"{"a": [1, "x"]}"#.into())),
                    (
                        "ids",
                        Value::Array(vec![Value::Uuid(1), Value::Uuid(u128::MAX)]),
                    ),
                    (
                        "tags",
                        Value::Array(vec![Value::Text("a".into()), Value::Null]),
                    ),
                    ("feeling", Value::Enum("Sad".into())),
                    ("label", Value::Text("hello".into())),
                ],
            ),
        ],
    )
    .unwrap()
}

#[test]
fn every_type_arrives_exactly() {
    let url = fresh_db("et_seed_types_test");
    let mut c = url.connect().unwrap();
    c.batch_execute(DDL).unwrap();
    let seed_time = 1_750_000_000_000_000i64;
    let report = seed_plan(&mut c, &plan(3), Some(seed_time)).unwrap();
    assert_eq!(report.rows, vec![("parent".into(), 1), ("child".into(), 1)]);
    let r = c
        .query_one(
            "SELECT id::text, parent_id, flag, small, num, big, cost::text,
                    (extract(epoch FROM at) * 1000000)::bigint, naive::text, day::text, t::text,
                    doc::text, ids::text, tags::text, feeling::text, label
             FROM child",
            &[],
        )
        .unwrap();
    assert_eq!(
        r.get::<_, String>(0),
        "aaaa0001-0000-0000-0000-000000000000"
    );
    assert_eq!(r.get::<_, i64>(1), 41);
    assert!(r.get::<_, bool>(2));
    assert_eq!(r.get::<_, i16>(3), 3);
    assert_eq!(r.get::<_, i32>(4), -7);
    assert_eq!(r.get::<_, i64>(5), 1 << 40);
    assert_eq!(r.get::<_, String>(6), "120.50");
    assert_eq!(r.get::<_, i64>(7), seed_time - 40 * 86_400_000_000);
    assert_eq!(r.get::<_, String>(8), "2023-11-14 22:13:20");
    assert_eq!(r.get::<_, String>(9), "2024-10-04");
    assert_eq!(r.get::<_, String>(10), "09:30:00");
    assert_eq!(r.get::<_, String>(11), r#"{"a": [1, "x"]}"#);
    assert_eq!(
        r.get::<_, String>(12),
        "{00000000-0000-0000-0000-000000000001,ffffffff-ffff-ffff-ffff-ffffffffffff}"
    );
    assert_eq!(r.get::<_, String>(13), "{a,NULL}");
    assert_eq!(r.get::<_, String>(14), "Sad");
    assert_eq!(r.get::<_, String>(15), "hello");
    // The left-out column took its default, and the identity moved past 41.
    let name: String = c.query_one("SELECT name FROM parent", &[]).unwrap().get(0);
    assert_eq!(name, "anon");
    let next: i64 = c
        .query_one("INSERT INTO parent DEFAULT VALUES RETURNING id", &[])
        .unwrap()
        .get(0);
    assert_eq!(next, 42);
    drop(c);
    drop_db("et_seed_types_test");
}

#[test]
fn a_failure_part_way_leaves_the_previous_contents() {
    let url = fresh_db("et_seed_fail_test");
    let mut c = url.connect().unwrap();
    c.batch_execute(DDL).unwrap();
    seed_plan(&mut c, &plan(3), None).unwrap();
    let before: String = c
        .query_one("SELECT string_agg(c::text, ';') FROM child c", &[])
        .unwrap()
        .get(0);

    // A CHECK violation in the data fails the COPY of the second table.
    let err = seed_plan(&mut c, &plan(-1), None).unwrap_err();
    assert!(err.to_string().contains("small_positive"), "{err}");
    // An injected failure after the first table, too.
    let err = seed_plan_with(&mut c, &plan(5), None, |_, table| {
        if table == "parent" {
            Err(SeedError::Db {
                what: "injected".into(),
                detail: "boom".into(),
            })
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert!(err.to_string().contains("boom"));

    let after: String = c
        .query_one("SELECT string_agg(c::text, ';') FROM child c", &[])
        .unwrap()
        .get(0);
    assert_eq!(before, after);
    let parents: i64 = c
        .query_one("SELECT count(*) FROM parent", &[])
        .unwrap()
        .get(0);
    assert_eq!(parents, 1);
    drop(c);
    drop_db("et_seed_fail_test");
}

#[test]
fn a_lock_held_elsewhere_times_out_naming_the_holder() {
    let url = fresh_db("et_seed_locked_test");
    let mut c = url.connect().unwrap();
    c.batch_execute(DDL).unwrap();
    seed_plan(&mut c, &plan(3), None).unwrap();
    let mut other = url.connect().unwrap();
    other
        .batch_execute("SET application_name = 'a long report'; BEGIN; SELECT count(*) FROM child")
        .unwrap();
    let other_pid: i32 = other
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    c.batch_execute("SET lock_timeout = '300ms'").unwrap();
    let err = seed_plan(&mut c, &plan(4), None).unwrap_err();
    assert!(matches!(err, SeedError::LockTimeout { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("300ms")
            && msg.contains(&format!("pid {other_pid}"))
            && msg.contains("a long report"),
        "{msg}"
    );
    let small: i16 = c.query_one("SELECT small FROM child", &[]).unwrap().get(0);
    assert_eq!(small, 3, "nothing changed");
    drop((c, other));
    drop_db("et_seed_locked_test");
}

#[test]
fn a_lost_connection_is_not_reported_as_drift() {
    let url = fresh_db("et_seed_lost_test");
    let mut c = url.connect().unwrap();
    c.batch_execute(DDL).unwrap();
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let mut killer = url.connect().unwrap();
    let err = seed_plan_with(&mut c, &plan(3), None, |_, table| {
        if table == "parent" {
            killer
                .execute("SELECT pg_terminate_backend($1, 5000)", &[&pid])
                .unwrap();
        }
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(err, SeedError::ConnectionLost { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("does not match the fixtures"),
        "{err}"
    );
    drop((c, killer));
    drop_db("et_seed_lost_test");
}

#[test]
fn the_seed_binary_times_out_on_a_lock_and_survives_a_closed_pipe() {
    let url = v03_db("et_seed_bin_test");
    let seed = env!("CARGO_BIN_EXE_seed");
    let mut other = url.connect().unwrap();
    other
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS SHARE MODE")
        .unwrap();
    let out = run_bin(
        seed,
        &["--db-url", url.expose(), "--lock-timeout", "1"],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("waiting 1s") && err.contains("pid ") && err.contains("nothing was changed"),
        "{err}"
    );
    drop(other);

    // It ends with the URL in the backend's spelling.
    let out = run_bin(seed, &["--db-url", url.expose()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected =
        et_testdb::engine::client_url::render(&url, et_testdb::engine::client_url::Form::Asyncpg)
            .unwrap();
    assert!(
        stdout.contains(&format!("DATABASE_URL_TEST={expected}")),
        "{stdout}"
    );

    // `seed | head -0`: the reader is gone before the report is printed.
    let out = run_with_closed_stdout(
        std::process::Command::new(seed)
            .args(["--db-url", url.expose()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DATABASE_URL_TEST_CLI"),
    );
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    let users: i64 = url
        .connect()
        .unwrap()
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert!(
        users > 0,
        "the seed committed before its report met the closed pipe"
    );
    drop_db("et_seed_bin_test");
}
