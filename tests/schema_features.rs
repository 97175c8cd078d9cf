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

const PARTITIONED: &str = "
    CREATE TABLE shopper (id integer PRIMARY KEY);
    CREATE TABLE payment (
        id integer NOT NULL,
        shopper_id integer NOT NULL,
        paid date NOT NULL,
        PRIMARY KEY (paid, id)
    ) PARTITION BY RANGE (paid);
    CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
    CREATE TABLE payment_2023 PARTITION OF payment FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');";

#[test]
fn foreign_keys_declared_on_partitions_are_folded_into_the_parent() {
    // As Pagila's payment_p2022_*: each partition declares the same key.
    let ddl = format!(
        "{PARTITIONED}
        ALTER TABLE payment_2022 ADD CONSTRAINT payment_2022_shopper_fkey
            FOREIGN KEY (shopper_id) REFERENCES shopper (id);
        ALTER TABLE payment_2023 ADD CONSTRAINT payment_2023_shopper_fkey
            FOREIGN KEY (shopper_id) REFERENCES shopper (id);"
    );
    let data = "
        INSERT INTO shopper VALUES (1), (2);
        INSERT INTO payment VALUES (1, 2, '2022-03-01'), (2, 1, '2023-05-01');";
    let db = TestDb::with_sql("partition_fk_schema", &ddl);
    let loaded = schema::load(&mut db.client()).unwrap();
    let names: Vec<&String> = loaded.tables.keys().collect();
    assert_eq!(names, ["payment", "shopper"], "partitions are not tables");
    let fks: Vec<(&str, &[String], &str)> = loaded.tables["payment"]
        .foreign_keys
        .iter()
        .map(|f| (f.name.as_str(), f.columns.as_slice(), f.ref_table.as_str()))
        .collect();
    assert_eq!(
        fks,
        [(
            "payment_2022_shopper_fkey",
            &["shopper_id".to_string()][..],
            "shopper"
        )],
        "one key per shape, on the parent"
    );

    let (_source, target, report) = round_trip("partition_fk", &ddl, data);
    let order: Vec<&str> = report.rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(order, ["shopper", "payment"], "referenced rows first");
    let n: i64 = target
        .client()
        .query_one("SELECT count(*) FROM payment_2023", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "rows reach their partition through the parent");
}

#[test]
fn a_dangling_reference_in_a_partition_is_rejected_by_the_merge() {
    // The source holds a dangling row; the partition's key is NOT VALID so
    // the database kept it. The merge must see the key and refuse the row.
    let sql = format!(
        "{PARTITIONED}
        INSERT INTO shopper VALUES (1);
        INSERT INTO payment VALUES (1, 1, '2022-03-01'), (2, 9, '2022-04-01');
        ALTER TABLE payment_2022 ADD CONSTRAINT payment_2022_shopper_fkey
            FOREIGN KEY (shopper_id) REFERENCES shopper (id) NOT VALID;"
    );
    let source = TestDb::with_sql("partition_dangling", &sql);
    let err = extract_plan(&source)
        .expect_err("a dangling reference")
        .to_string();
    assert!(
        err.contains("dangling foreign key: table `payment`, foreign key `payment_2022_shopper_fkey` (shopper_id) = 9 matches no row of `shopper`"),
        "{err}"
    );
}

#[test]
fn a_key_declared_on_the_parent_is_listed_once_and_names_the_root() {
    // PostgreSQL clones the parent's key onto each partition, and a key
    // referencing a partitioned table onto each referenced partition.
    let ddl = format!(
        "{PARTITIONED}
        CREATE TABLE refund (
            id integer PRIMARY KEY,
            paid date NOT NULL,
            payment_id integer NOT NULL,
            FOREIGN KEY (paid, payment_id) REFERENCES payment (paid, id)
        );
        ALTER TABLE payment ADD FOREIGN KEY (shopper_id) REFERENCES shopper (id);"
    );
    let db = TestDb::with_sql("parent_fk_schema", &ddl);
    let loaded = schema::load(&mut db.client()).unwrap();
    let shape = |t: &str| -> Vec<(String, String)> {
        loaded.tables[t]
            .foreign_keys
            .iter()
            .map(|f| (f.name.clone(), f.ref_table.clone()))
            .collect()
    };
    assert_eq!(
        shape("payment"),
        [("payment_shopper_id_fkey".to_string(), "shopper".to_string())]
    );
    assert_eq!(
        shape("refund"),
        [(
            "refund_paid_payment_id_fkey".to_string(),
            "payment".to_string()
        )]
    );
    assert_eq!(
        loaded.tables["payment"].primary_key.as_ref().unwrap().name,
        "payment_pkey"
    );
}

#[test]
fn generated_stored_columns_are_never_inserted() {
    let ddl = "
        CREATE TABLE word (
            id integer PRIMARY KEY,
            body text NOT NULL,
            size integer NOT NULL GENERATED ALWAYS AS (length(body)) STORED
        );";
    let data = "INSERT INTO word (id, body) VALUES (1, 'four'), (2, 'sixsix');";
    let source = TestDb::with_sql("generated_col_src", &format!("{ddl}\n{data}"));
    let plan = extract_plan(&source).unwrap_or_else(|e| panic!("{e}"));
    let word = plan.tables.iter().find(|t| t.table == "word").unwrap();
    for batch in &word.batches {
        assert_eq!(batch.columns, ["id", "body"], "no COPY of `size`");
    }
    assert!(
        plan.schema[0].columns.iter().all(|c| c.name != "size"),
        "not a column rows must set"
    );
    let (_source, target, _) = round_trip("generated_col", ddl, data);
    let sizes: Vec<i32> = target
        .client()
        .query("SELECT size FROM word ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(sizes, [4, 6], "computed by the database");
}

#[test]
fn materialized_views_are_refreshed_after_seeding_in_dependency_order() {
    // `a_totals` reads `z_totals` through a plain view, so name order
    // would refresh it first and leave it empty.
    let ddl = "
        CREATE TABLE sale (id integer PRIMARY KEY, amount integer NOT NULL);
        CREATE MATERIALIZED VIEW z_totals AS SELECT count(*) AS n, sum(amount) AS total FROM sale WITH NO DATA;
        CREATE VIEW middle AS SELECT n, total FROM z_totals;
        CREATE MATERIALIZED VIEW a_totals AS SELECT n * 2 AS twice FROM middle WHERE n > 0 WITH NO DATA;
        CREATE SCHEMA reports;
        CREATE MATERIALIZED VIEW reports.big_sales AS SELECT id FROM public.sale WHERE amount > 10;";
    let data = "INSERT INTO sale VALUES (1, 5), (2, 20), (3, 30);";
    let (_source, target, report) = round_trip("matview", ddl, data);
    assert_eq!(
        report.materialized_views,
        ["reports.big_sales", "z_totals", "a_totals"]
    );
    let mut c = target.client();
    let total: i64 = c
        .query_one("SELECT total FROM z_totals", &[])
        .expect("populated")
        .get(0);
    assert_eq!(total, 55);
    let twice: i64 = c
        .query_one("SELECT twice FROM a_totals", &[])
        .unwrap()
        .get(0);
    assert_eq!(twice, 6, "refreshed after the view it reads");
    let big: i64 = c
        .query_one("SELECT count(*) FROM reports.big_sales", &[])
        .unwrap()
        .get(0);
    assert_eq!(big, 2, "every schema's views");
}

#[test]
fn a_foreign_key_the_plan_does_not_know_is_verified_after_a_replica_load() {
    // The fixtures come from a database without the key; the target
    // declares it across schemas. The superuser load skips foreign-key
    // triggers, so only the check after the load can catch the row.
    let ddl = "CREATE TABLE item (id integer PRIMARY KEY, owner_id integer);";
    let data = "INSERT INTO item VALUES (1, 1), (2, NULL), (3, 2);";
    let source = TestDb::with_sql("unknown_fk_src", &format!("{ddl}\n{data}"));
    let plan = extract_plan(&source).unwrap_or_else(|e| panic!("{e}"));
    let target = TestDb::with_sql(
        "unknown_fk_dst",
        &format!(
            "{ddl}
            CREATE SCHEMA ext;
            CREATE TABLE ext.owner (id integer PRIMARY KEY);
            INSERT INTO ext.owner VALUES (1);
            ALTER TABLE item ADD CONSTRAINT item_owner_fkey FOREIGN KEY (owner_id) REFERENCES ext.owner (id);
            INSERT INTO item VALUES (10, 1);"
        ),
    );
    let mut c = target.client();
    let err = seed_plan(&mut c, &plan, None).expect_err("the row of item with owner 2 dangles");
    let msg = err.to_string();
    assert!(
        msg.contains("foreign key item_owner_fkey of table item")
            && msg.contains("(owner_id)=(2)")
            && msg.contains("ext.owner")
            && msg.contains("nothing was changed"),
        "{msg}"
    );
    let ids: Vec<i32> = c
        .query("SELECT id FROM item ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [10], "the database is unchanged");

    // With the owner present, the same plan seeds.
    c.batch_execute("INSERT INTO ext.owner VALUES (2)").unwrap();
    let report = seed_plan(&mut c, &plan, None).unwrap();
    assert!(report.replica_mode);
}

#[test]
fn enum_labels_of_any_spelling_round_trip() {
    let ddl = r#"
        CREATE TYPE spelling AS ENUM ('G', 'PG-13', 'NC-17', 'very happy', '1st', 'a', 'A', 'Ab', 'aB');
        CREATE TABLE film (id integer PRIMARY KEY, rating spelling NOT NULL, also spelling[]);"#;
    let data = r#"
        INSERT INTO film VALUES
          (1, 'G', '{a,A}'), (2, 'PG-13', NULL), (3, 'NC-17', '{}'), (4, 'very happy', '{"very happy"}'),
          (5, '1st', '{1st}'), (6, 'a', '{A}'), (7, 'A', '{a}'), (8, 'Ab', '{aB,Ab}'), (9, 'aB', NULL);"#;
    let (source, target, _) = round_trip("enum_spelling", ddl, data);
    let read = |db: &TestDb| -> Vec<String> {
        db.client()
            .query("SELECT f::text FROM film f ORDER BY id", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(read(&target), read(&source));
}
