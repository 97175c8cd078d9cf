//! Pagila round trip (issue 11): a schema nobody here wrote, configured only
//! by its project file (tests/fixtures/pagila/et-testdb.toml), no source
//! patch and no database edit. Extract with anonymization on, evaluate the
//! generated files as build.rs does, seed a schema-only copy, and compare
//! every table and partition row for row: anonymized columns must differ,
//! every other column must be equal. After seeding, an insert relying on
//! each sequence default succeeds.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{pagila, round_trip, TestDb};
use et_testdb::engine::anonymize::Action;
use et_testdb::engine::extract::{extract, ExtractOptions};
use et_testdb::engine::project::Project;
use et_testdb::engine::restore::quote_ident;
use et_testdb::engine::seed::seed_plan;
use postgres::Client;

/// Every table and partition of `public`, each row's columns as text keyed
/// by the primary key's text, for comparison.
fn rows_by_key(
    client: &mut Client,
    table: &str,
) -> (Vec<String>, BTreeMap<String, Vec<Option<String>>>) {
    let columns: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = $1::text::regclass \
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&format!("public.{}", quote_ident(table))],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let pk: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid \
             AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::text::regclass AND i.indisprimary \
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
            &[&format!("public.{}", quote_ident(table))],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        !pk.is_empty(),
        "every Pagila table has a primary key: {table}"
    );
    let select: Vec<String> = columns
        .iter()
        .map(|c| format!("{}::text", quote_ident(c)))
        .collect();
    let key: Vec<String> = pk
        .iter()
        .map(|c| format!("{}::text", quote_ident(c)))
        .collect();
    let sql = format!(
        "SELECT concat_ws('|', {}), {} FROM public.{}",
        key.join(", "),
        select.join(", "),
        quote_ident(table)
    );
    let rows = client
        .query(&sql, &[])
        .unwrap()
        .iter()
        .map(|r| {
            let k: String = r.get(0);
            let vals = (1..=columns.len())
                .map(|i| r.get::<_, Option<String>>(i))
                .collect();
            (k, vals)
        })
        .collect();
    (columns, rows)
}

fn relations(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn pagila_round_trips_with_anonymization_configured_in_its_project_file() {
    let source = TestDb::empty("pagila_src");
    {
        let mut c = source.client();
        pagila::load_schema(&mut c);
        pagila::load_data(&mut c);
    }
    let project = Project::read(&pagila::dir().join("et-testdb.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = ExtractOptions {
        out_dir: dir.path().join("generated"),
        golden_root: dir.path().to_path_buf(),
        project: Some(project.clone()),
        ..ExtractOptions::default()
    };
    let report = extract(&source.url, &opts, |_| {}).unwrap_or_else(|e| panic!("extract:\n{e}"));
    common::assert_row_files_rustfmt_clean(&common::files_in(&dir.path().join("generated")));
    assert!(report.anonymized);
    assert_eq!(
        report.rows.len(),
        15,
        "Pagila's 15 tables (partitions go through payment)"
    );
    for (table, n) in &report.rows {
        let count: i64 = source
            .client()
            .query_one(
                &format!("SELECT count(*) FROM public.{}", quote_ident(table)),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(*n as i64, count, "every row of {table} is extracted");
    }

    let plan = round_trip::plan_of(dir.path());
    let copy = TestDb::empty("pagila_copy");
    pagila::load_schema(&mut copy.client());
    let seeded =
        seed_plan(&mut copy.client(), &plan, None).unwrap_or_else(|e| panic!("seed:\n{e}"));
    assert!(
        seeded.replica_mode,
        "seeded as superuser, foreign keys verified after the load"
    );

    let (mut src, mut dst) = (source.client(), copy.client());
    let tables = relations(&mut src);
    assert_eq!(tables, relations(&mut dst));
    assert!(
        tables.iter().any(|t| t == "payment_p2022_07"),
        "partitions are compared too"
    );
    let mut anonymized_seen = BTreeSet::new();
    for table in &tables {
        let (columns, before) = rows_by_key(&mut src, table);
        let (_, after) = rows_by_key(&mut dst, table);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{table}: the same rows, by primary key"
        );
        for (key, was) in &before {
            let now = &after[key];
            for (i, column) in columns.iter().enumerate() {
                let anonymized = project
                    .rule(table, column)
                    .is_some_and(|r| r.action != Action::Keep);
                if !anonymized {
                    assert_eq!(was[i], now[i], "{table}.{column} of row {key} must be kept");
                } else if was[i].is_some() {
                    assert_ne!(
                        was[i], now[i],
                        "{table}.{column} of row {key} must be anonymized"
                    );
                    anonymized_seen.insert(format!("{table}.{column}"));
                }
            }
        }
    }
    let configured: BTreeSet<String> = project
        .anonymize
        .rules
        .iter()
        .filter(|(_, r)| r.action != Action::Keep)
        .map(|((t, c), _)| format!("{t}.{c}"))
        .collect();
    // A rule whose column was never seen changing holds only NULLs
    // (staff.picture is NULL in every Pagila row).
    for unseen in configured.difference(&anonymized_seen) {
        let (t, c) = unseen.split_once('.').unwrap();
        let non_null: i64 = src
            .query_one(
                &format!(
                    "SELECT count({}) FROM public.{}",
                    quote_ident(c),
                    quote_ident(t)
                ),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(
            non_null, 0,
            "{unseen} has values and a rule, so it must have changed"
        );
    }
    assert!(anonymized_seen.len() >= 15, "{anonymized_seen:?}");
    drop((src, dst));
    inserts_after_seeding_use_fresh_ids(&mut copy.client());
}

/// One insert per sequence-backed column, relying on the default: a copy of
/// an existing row with the column left out (other unique keys perturbed).
fn inserts_after_seeding_use_fresh_ids(client: &mut Client) {
    let backed = client
        .query(
            "SELECT c.relname::text, a.attname::text FROM pg_attrdef d \
             JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
             WHERE n.nspname = 'public' AND NOT c.relispartition \
             AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' ORDER BY 1",
            &[],
        )
        .unwrap();
    assert!(
        backed.len() >= 13,
        "Pagila's sequence-backed tables: {}",
        backed.len()
    );
    for row in backed {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        let t = format!("public.{}", quote_ident(&table));
        let others: Vec<(String, String)> = client
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, NULL) FROM pg_attribute a \
                 WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped \
                 AND a.attname <> $2 AND a.attgenerated = '' ORDER BY a.attnum",
                &[&t, &column],
            )
            .unwrap()
            .iter()
            .map(|r| (quote_ident(&r.get::<_, String>(0)), r.get(1)))
            .collect();
        // A timestamp moved by a second keeps rental's unique
        // (rental_date, inventory_id, customer_id) free.
        let values: Vec<String> = others
            .iter()
            .map(|(c, ty)| match ty.as_str() {
                "timestamp with time zone" | "timestamp without time zone" => {
                    format!("{c} + interval '1 second'")
                }
                _ => c.clone(),
            })
            .collect();
        let names: Vec<&str> = others.iter().map(|(c, _)| c.as_str()).collect();
        let sql = format!(
            "INSERT INTO {t} ({}) SELECT {} FROM {t} ORDER BY {col} DESC LIMIT 1 RETURNING {col}::text",
            names.join(", "),
            values.join(", "),
            col = quote_ident(&column)
        );
        let mut tx = client.transaction().unwrap();
        // Only the sequence is under test: other unique keys, which a copied
        // row would break (store's one manager per staff member), are
        // dropped inside the transaction, which rolls back.
        let others: Vec<(String, bool)> = tx
            .query(
                "SELECT i.indexrelid::regclass::text, c.oid IS NOT NULL FROM pg_index i \
                 LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u' \
                 WHERE i.indrelid = $1::text::regclass AND i.indisunique AND NOT i.indisprimary",
                &[&t],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        for (index, is_constraint) in others {
            let drop = if is_constraint {
                let name = index.rsplit('.').next().unwrap().to_string();
                format!("ALTER TABLE {t} DROP CONSTRAINT {name}")
            } else {
                format!("DROP INDEX {index}")
            };
            tx.batch_execute(&drop).unwrap();
        }
        let out = tx.query_one(&sql, &[]);
        assert!(
            out.is_ok(),
            "insert into {table} relying on {column}'s default: {:?}",
            out.err()
        );
        tx.rollback().unwrap();
    }
}
