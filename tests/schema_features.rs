//! Schema features the engine must carry through extract → merge → seed
//! (issue #11, "Schema features"): each test builds a small schema, fills a
//! source database, extracts it the way `extract` does (introspect, read
//! rows, generate code, merge the generated files), seeds a schema-only copy
//! and checks what arrived.

mod common;

use common::TestDb;
use et_testdb::engine::codegen::{self, Options};
use et_testdb::engine::merge::Plan;
use et_testdb::engine::seed::{seed_plan, SeedReport};
use et_testdb::engine::{plan, rows, schema};

/// The plan `extract` then `build.rs` would make of `source`'s rows.
fn extract_plan(source: &TestDb) -> Result<Plan, plan::PlanError> {
    let mut c = source.client();
    let schema = schema::load(&mut c).expect("introspect");
    let all = rows::load_all(&mut c, &schema).expect("read rows");
    let files = codegen::gen_all(&schema, &all, &Options::default()).expect("generate");
    let dir = tempfile::tempdir().unwrap();
    codegen::write_atomically(&dir.path().join("generated"), &files).expect("write");
    plan::merge_sources(dir.path())
}

/// A source database with `ddl` then `data`, and an empty copy of the
/// schema (`ddl` only) seeded from the source's extracted rows.
fn round_trip(label: &str, ddl: &str, data: &str) -> (TestDb, TestDb, SeedReport) {
    let source = TestDb::with_sql(&format!("{label}_src"), &format!("{ddl}\n{data}"));
    let plan = extract_plan(&source).unwrap_or_else(|e| panic!("{e}"));
    let target = TestDb::with_sql(&format!("{label}_dst"), ddl);
    let report = seed_plan(&mut target.client(), &plan, None).unwrap_or_else(|e| panic!("{e}"));
    (source, target, report)
}

#[test]
fn sequences_reached_only_through_defaults_move_past_the_seeded_rows() {
    // `thing_id_seq` is owned by no column (as in Pagila); `other` shares
    // it and holds the largest id.
    let ddl = "
        CREATE SEQUENCE thing_id_seq;
        CREATE TABLE thing (id integer PRIMARY KEY DEFAULT nextval('thing_id_seq'::regclass), name text NOT NULL);
        CREATE TABLE other (id bigint PRIMARY KEY DEFAULT nextval('thing_id_seq'::regclass));
        CREATE SEQUENCE unused_seq START 7;
        CREATE TABLE lonely (id integer PRIMARY KEY DEFAULT nextval('unused_seq'));";
    let data = "
        INSERT INTO thing (name) VALUES ('a'), ('b'), ('c');
        INSERT INTO other (id) VALUES (10);";
    let (_source, target, _) = round_trip("seq_default", ddl, data);
    let mut c = target.client();
    let id: i32 = c
        .query_one("INSERT INTO thing (name) VALUES ('d') RETURNING id", &[])
        .expect("the first insert after seeding uses a free id")
        .get(0);
    assert_eq!(
        id, 11,
        "past the largest id of every column using the sequence"
    );
    // An empty table's sequence starts where it was declared to.
    let id: i32 = c
        .query_one("INSERT INTO lonely DEFAULT VALUES RETURNING id", &[])
        .unwrap()
        .get(0);
    assert_eq!(id, 7);
}
