use super::*;

fn col(name: &str, nullable: bool, has_default: bool) -> ColumnMeta {
    ColumnMeta {
        name: name.into(),
        pg_type: "text".into(),
        nullable,
        has_default,
    }
}

fn schema() -> Vec<TableMeta> {
    vec![
        TableMeta {
            name: "users".into(),
            columns: vec![
                col("id", false, false),
                col("email", false, false),
                col("tz", false, true),
            ],
            primary_key: vec!["id".into()],
            unique_keys: vec![UniqueKey {
                name: "users_email_key".into(),
                columns: vec!["email".into()],
            }],
            foreign_keys: vec![],
        },
        TableMeta {
            name: "logs".into(),
            columns: vec![
                col("id", false, false),
                col("user_id", false, false),
                col("corrected_from", true, false),
            ],
            primary_key: vec!["id".into()],
            unique_keys: vec![],
            foreign_keys: vec![
                ForeignKey {
                    name: "logs_user_id_fkey".into(),
                    columns: vec!["user_id".into()],
                    ref_table: "users".into(),
                    ref_columns: vec!["id".into()],
                },
                ForeignKey {
                    name: "logs_corrected_from_fkey".into(),
                    columns: vec!["corrected_from".into()],
                    ref_table: "logs".into(),
                    ref_columns: vec!["id".into()],
                },
            ],
        },
    ]
}

fn row(origin: Origin, item: &str, table: &str, values: &[(&str, Value)]) -> Row {
    Row {
        origin,
        source: Source {
            file: if origin == Origin::Golden {
                "golden/x.rs".into()
            } else {
                "generated/auto_x.rs".into()
            },
            line: 1,
            item: item.into(),
        },
        table: table.into(),
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn user(origin: Origin, item: &str, id: u128, email: &str) -> Row {
    row(
        origin,
        item,
        "users",
        &[
            ("id", Value::Uuid(id)),
            ("email", Value::Text(email.into())),
        ],
    )
}

fn log(origin: Origin, item: &str, id: u128, user: u128, from: Option<u128>) -> Row {
    row(
        origin,
        item,
        "logs",
        &[
            ("id", Value::Uuid(id)),
            ("user_id", Value::Uuid(user)),
            ("corrected_from", from.map_or(Value::Null, Value::Uuid)),
        ],
    )
}

#[test]
fn golden_wins_on_the_same_primary_key() {
    let plan = merge(
        &schema(),
        vec![
            user(Origin::Generated, "ROWS[0]", 1, "fake@x"),
            user(Origin::Golden, "TEST_USER", 1, "gold@x"),
        ],
    )
    .unwrap();
    let users = plan.tables.iter().find(|t| t.table == "users").unwrap();
    assert_eq!(
        (users.golden_rows, users.generated_rows, users.overridden),
        (1, 0, 1)
    );
    assert_eq!(users.batches[0].rows[0][1], Value::Text("gold@x".into()));
}

#[test]
fn conflicts_are_reported_with_their_source() {
    let err = merge(
        &schema(),
        vec![
            user(Origin::Golden, "A", 1, "a@x"),
            user(Origin::Golden, "B", 1, "b@x"),
            user(Origin::Golden, "C", 3, "c@x"),
            user(Origin::Generated, "ROWS[7]", 9, "c@x"),
            log(Origin::Golden, "L", 5, 42, None),
            row(
                Origin::Golden,
                "NO_EMAIL",
                "users",
                &[("id", Value::Uuid(8))],
            ),
        ],
    )
    .unwrap_err();
    let text: Vec<String> = err.iter().map(|c| c.to_string()).collect();
    let all = text.join("\n");
    assert!(all.contains("golden/x.rs:1: B: duplicate key in golden: table `users`, primary key (id) = 00000000-0000-0000-0000-000000000001"), "{all}");
    assert!(all.contains("generated/auto_x.rs:1: ROWS[7]: unique-key collision with golden row golden/x.rs:1: C: table `users`, unique key `users_email_key` (email) = \"c@x\""), "{all}");
    assert!(all.contains("L: dangling foreign key: table `logs`, foreign key `logs_user_id_fkey` (user_id) = 00000000-0000-0000-0000-00000000002a"), "{all}");
    assert!(
        all.contains("NO_EMAIL: required column `users.email`"),
        "{all}"
    );
    assert_eq!(err.len(), 4, "{all}");
}

#[test]
fn defaulted_columns_may_be_left_unset_and_batch_separately() {
    let mut with_tz = user(Origin::Golden, "TZ", 2, "tz@x");
    with_tz
        .values
        .insert("tz".into(), Value::Text("UTC".into()));
    let plan = merge(
        &schema(),
        vec![user(Origin::Golden, "NO_TZ", 1, "n@x"), with_tz],
    )
    .unwrap();
    let users = &plan
        .tables
        .iter()
        .find(|t| t.table == "users")
        .unwrap()
        .batches;
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].columns, vec!["id", "email"]);
    assert_eq!(users[1].columns, vec!["id", "email", "tz"]);
}

#[test]
fn tables_follow_foreign_keys_and_corrections_follow_their_logs() {
    // Log 1 corrects log 3, which corrects log 2: order must be 2, 3, 1.
    let plan = merge(
        &schema(),
        vec![
            log(Origin::Generated, "L1", 1, 10, Some(3)),
            log(Origin::Generated, "L2", 2, 10, None),
            log(Origin::Generated, "L3", 3, 10, Some(2)),
            user(Origin::Generated, "U", 10, "u@x"),
        ],
    )
    .unwrap();
    let names: Vec<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(names, ["users", "logs"]);
    let ids: Vec<Value> = plan.tables[1]
        .batches
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r[0].clone()))
        .collect();
    assert_eq!(ids, [Value::Uuid(2), Value::Uuid(3), Value::Uuid(1)]);
}

#[test]
fn nulls_never_collide_and_null_foreign_keys_are_not_checked() {
    let mut a = user(Origin::Golden, "A", 1, "a@x");
    a.values.insert("email".into(), Value::Null);
    let mut b = user(Origin::Generated, "B", 2, "b@x");
    b.values.insert("email".into(), Value::Null);
    merge(&schema(), vec![a, b, log(Origin::Golden, "L", 5, 1, None)]).unwrap();
}

#[test]
fn depth_ties_break_by_name() {
    let mut tables = schema();
    tables.push(TableMeta {
        name: "admins".into(),
        columns: vec![col("id", false, false)],
        primary_key: vec!["id".into()],
        unique_keys: vec![],
        foreign_keys: vec![ForeignKey {
            name: "admins_id_fkey".into(),
            columns: vec!["id".into()],
            ref_table: "users".into(),
            ref_columns: vec!["id".into()],
        }],
    });
    let plan = merge(&tables, vec![]).unwrap();
    let names: Vec<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(names, ["users", "admins", "logs"]);
}

#[test]
fn a_row_rejected_for_its_own_error_does_not_echo_as_dangling_references() {
    // Four golden users lose a required column (a schema change); 23 logs
    // point at them. Only the four root causes are reported, each with how
    // many rows it left unchecked, plus the one reference that really
    // dangles.
    let mut rows = Vec::new();
    for (n, dependants) in [(1u128, 10u128), (2, 7), (3, 5), (4, 1)] {
        rows.push(row(
            Origin::Golden,
            &format!("USER_{n}"),
            "users",
            &[("id", Value::Uuid(n))],
        ));
        for d in 0..dependants {
            let id = n * 100 + d;
            rows.push(log(Origin::Generated, &format!("ROWS[{id}]"), id, n, None));
        }
    }
    rows.push(log(Origin::Golden, "STRAY", 999, 42, None));
    let err = merge(&schema(), rows).unwrap_err();
    let text: Vec<String> = err.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        text,
        [
            "golden/x.rs:1: STRAY: dangling foreign key: table `logs`, foreign key `logs_user_id_fkey` (user_id) = 00000000-0000-0000-0000-00000000002a matches no row of `users` in golden/ or generated/",
            "golden/x.rs:1: USER_1: required column `users.email` (NOT NULL, no default) is not set; set it in the golden row (10 rows that reference it were not checked)",
            "golden/x.rs:1: USER_2: required column `users.email` (NOT NULL, no default) is not set; set it in the golden row (7 rows that reference it were not checked)",
            "golden/x.rs:1: USER_3: required column `users.email` (NOT NULL, no default) is not set; set it in the golden row (5 rows that reference it were not checked)",
            "golden/x.rs:1: USER_4: required column `users.email` (NOT NULL, no default) is not set; set it in the golden row (1 row that references it was not checked)",
        ]
    );
}
