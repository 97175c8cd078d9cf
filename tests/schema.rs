//! Introspection and row reading against a real database holding
//! tests/fixtures/codegen/all_types.sql.

mod common;

use common::TestDb;
use et_testdb::engine::rows::{self, Row, RowsError, Value};
use et_testdb::engine::schema::{self, FkAction, Identity, Scalar, TypeKind};

const ALL_TYPES: &str = include_str!("fixtures/codegen/all_types.sql");

#[test]
fn introspection_snapshot() {
    let db = TestDb::with_sql("schema_snapshot", ALL_TYPES);
    let schema = schema::load(&mut db.client()).unwrap();
    insta::assert_debug_snapshot!("all_types_schema", schema);
}

#[test]
fn tables_skip_views_and_extension_relations_and_are_ordered() {
    let db = TestDb::with_sql("schema_tables", ALL_TYPES);
    let schema = schema::load(&mut db.client()).unwrap();
    let names: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["audit_notes", "enrolments", "people", "specialties"]
    );
}

#[test]
fn columns_keys_and_enums_are_introspected_in_declared_order() {
    let db = TestDb::with_sql("schema_details", ALL_TYPES);
    let schema = schema::load(&mut db.client()).unwrap();

    // Enum labels follow enumsortorder: 'meh' was added BEFORE 'sad'.
    assert_eq!(schema.enums["mood"].labels, ["happy", "meh", "sad"]);

    let people = &schema.tables["people"];
    let columns: Vec<&str> = people.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        columns,
        [
            "id",
            "email",
            "name",
            "nickname",
            "is_active",
            "small",
            "age",
            "big",
            "cost",
            "created_at",
            "local_at",
            "birth_date",
            "wake_at",
            "profile",
            "friend_ids",
            "tags",
            "mood",
            "system",
            "rank",
            "type",
            "manager_id",
            "name_length"
        ]
    );
    let positions: Vec<i16> = people.columns.iter().map(|c| c.position).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));

    let col = |name: &str| people.column(name).unwrap();
    // Domains resolve to their base type; a NOT NULL domain makes the column not null.
    assert_eq!(col("email").ty.kind, TypeKind::Scalar(Scalar::Text));
    assert_eq!(col("email").ty.name, "email_address");
    assert_eq!(col("rank").ty.kind, TypeKind::Scalar(Scalar::Int4));
    assert!(!col("rank").nullable);
    assert!(col("nickname").nullable);
    assert_eq!(col("friend_ids").ty.kind, TypeKind::Array(Scalar::Uuid));
    assert_eq!(col("friend_ids").ty.name, "uuid[]");
    assert_eq!(
        col("mood").ty.kind,
        TypeKind::Scalar(Scalar::Enum("mood".into()))
    );
    assert_eq!(col("cost").default.as_deref(), Some("6.00"));
    assert_eq!(
        col("name_length").generated.as_deref(),
        Some("length(name)")
    );
    assert_eq!(col("name_length").default, None);

    let specialties = &schema.tables["specialties"];
    assert_eq!(
        specialties.column("id").unwrap().identity,
        Some(Identity::Always)
    );
    let enrolments = &schema.tables["enrolments"];
    assert_eq!(
        enrolments.column("seq").unwrap().identity,
        Some(Identity::ByDefault)
    );
    assert_eq!(
        enrolments.primary_key.as_ref().unwrap().columns,
        ["student_id", "teacher_id", "subject"]
    );

    // Composite FK: columns in key order, with both actions.
    let fk = enrolments
        .foreign_keys
        .iter()
        .find(|fk| fk.name == "enrolments_specialty_fkey")
        .unwrap();
    assert_eq!(fk.columns, ["teacher_id", "subject", "grade"]);
    assert_eq!(fk.ref_table, "specialties");
    assert_eq!(fk.ref_columns, ["person_id", "subject", "grade"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (FkAction::Restrict, FkAction::Cascade)
    );

    // Self-reference.
    let self_fk = &people.foreign_keys[0];
    assert_eq!(self_fk.ref_table, "people");
    assert_eq!(self_fk.on_delete, FkAction::SetNull);

    // Unique constraint and partial expression unique index, sorted by name.
    let uniques: Vec<(&str, bool, bool)> = people
        .unique_keys
        .iter()
        .map(|k| (k.name.as_str(), k.is_constraint, k.predicate.is_some()))
        .collect();
    assert_eq!(
        uniques,
        [
            ("people_email_key", true, false),
            ("people_one_sad_idx", false, true)
        ]
    );
    assert!(people.unique_keys[1].has_expressions);
    assert_eq!(
        specialties.unique_keys[0].columns,
        ["person_id", "subject", "grade"]
    );

    // Loading twice gives the same data (no order left to chance).
    assert_eq!(schema, schema::load(&mut db.client()).unwrap());
}

#[test]
fn rows_are_read_typed_and_sorted_by_primary_key() {
    let db = TestDb::with_sql("rows_read", ALL_TYPES);
    let mut client = db.client();
    let schema = schema::load(&mut client).unwrap();
    let people = rows::load_table(&mut client, &schema, "people").unwrap();
    assert_eq!(people.len(), 3);
    let table = &schema.tables["people"];
    let get = |row: &Row, name: &str| row.values[table.column_index(name).unwrap()].clone();
    let ids: Vec<String> = people
        .iter()
        .map(|r| match get(r, "id") {
            Value::Uuid(u) => u.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [
            "3f2a9c1b-0000-4000-8000-000000000001",
            "3f2a9c1b-0000-4000-8000-000000000002",
            "aaaa0001-0000-0000-0000-000000000000"
        ]
    );
    let ada = &people[0];
    assert_eq!(get(ada, "small"), Value::Int2(-3));
    assert_eq!(get(ada, "big"), Value::Int8(i64::MAX));
    assert_eq!(get(ada, "cost"), Value::Numeric("6.00".parse().unwrap()));
    // 2024-03-01 12:30:00.123456 UTC
    assert_eq!(
        get(ada, "created_at"),
        Value::Timestamptz(1_709_296_200_123_456)
    );
    // One second before the Unix epoch.
    assert_eq!(get(ada, "local_at"), Value::Timestamp(-1_000_000));
    assert_eq!(
        get(ada, "wake_at"),
        Value::Time(7 * 3_600_000_000 + 15 * 60_000_000)
    );
    assert_eq!(get(ada, "birth_date"), Value::Date(-56_270));
    assert_eq!(
        get(ada, "profile"),
        Value::Json(r#"{"a": {"x": "y"}, "b": [1, 2]}"#.into())
    );
    assert_eq!(get(ada, "friend_ids"), Value::Array(vec![]));
    assert_eq!(
        get(ada, "tags"),
        Value::Array(vec![
            Value::Text("maths".into()),
            Value::Text("quote\"d".into()),
            Value::Text("back\\slash".into())
        ])
    );
    assert_eq!(get(ada, "mood"), Value::Enum("happy".into()));
    assert_eq!(get(ada, "nickname"), Value::Null);
    assert_eq!(get(ada, "name_length"), Value::Int4(3));
    assert_eq!(
        get(&people[1], "cost"),
        Value::Numeric("-1234.56".parse().unwrap())
    );
    assert_eq!(
        get(&people[1], "name"),
        Value::Text("Bob ü \"Bobby\"".into())
    );

    // Without a primary key, rows are sorted by the whole row.
    let notes = rows::load_table(&mut client, &schema, "audit_notes").unwrap();
    let bodies: Vec<(Value, Value)> = notes
        .iter()
        .map(|r| (r.values[0].clone(), r.values[1].clone()))
        .collect();
    assert_eq!(
        bodies,
        [
            (Value::Text("first".into()), Value::Null),
            (Value::Text("first".into()), Value::Date(18_262)),
            (Value::Text("second".into()), Value::Null),
        ]
    );
}

#[test]
fn unsupported_type_error_names_table_column_and_type() {
    let db = TestDb::with_sql(
        "rows_unsupported",
        "CREATE TABLE gadgets (id integer PRIMARY KEY, plan pg_node_tree, weight real, stats pg_ndistinct);",
    );
    let mut client = db.client();
    let schema = schema::load(&mut client).unwrap();
    let err = rows::load_table(&mut client, &schema, "gadgets").unwrap_err();
    // Both columns at once; `real` is read.
    let RowsError::Unsupported { columns } = &err else {
        panic!("{err}");
    };
    let named: Vec<&str> = columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(named, ["plan", "stats"]);
    insta::assert_snapshot!("unsupported_type_error", err.to_string());

    let err = rows::load_table(&mut client, &schema, "nope").unwrap_err();
    insta::assert_snapshot!("unknown_table_error", err.to_string());
}
