//! The golden fixtures and the merged plan against a real v0.3 database:
//! every golden row arrives with exactly its values, every other generated
//! row arrives too, golden wins on a shared key, corrections follow the logs
//! they correct, and the test passwords match their hashes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use et_testdb::engine::merge::load::{gather_sources, load};
use et_testdb::engine::merge::{Origin, Plan, Ts, Value as FixtureValue};
use et_testdb::engine::rows::{self, Value};
use et_testdb::golden;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A database value as the fixture model holds it, with timestamps made
/// relative to `seed_time` (golden times are offsets from seeding).
fn fixture_value(v: &Value, seed_time: i64) -> FixtureValue {
    match v.to_fixture() {
        FixtureValue::Timestamptz(Ts::At(us)) => FixtureValue::Timestamptz(Ts::At(us - seed_time)),
        other => other,
    }
}

/// A fixture value with relative times expressed the same way.
fn normalized(v: &FixtureValue) -> FixtureValue {
    match v {
        FixtureValue::Timestamptz(Ts::FromSeed(off)) => FixtureValue::Timestamptz(Ts::At(*off)),
        FixtureValue::Numeric(n) => FixtureValue::Numeric(
            n.parse::<rust_decimal::Decimal>()
                .unwrap()
                .normalize()
                .to_string(),
        ),
        FixtureValue::Array(a) => FixtureValue::Array(a.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_seeded_database_holds_every_golden_row_exactly_and_every_other_row() {
    let url = v03_db("et_golden_seed_test");
    let mut c = url.connect().unwrap();
    let seed_time = 1_764_000_000_000_000; // 2025-11-24T16:00:00Z
    let plan = et_testdb::engine::plan::seed_plan();
    let report = et_testdb::engine::seed::seed_plan(&mut c, plan, Some(seed_time)).unwrap();

    // Every planned row arrived.
    let planned: BTreeMap<String, usize> = et_testdb::engine::seed::plan_counts(plan);
    for (table, n) in &report.rows {
        assert_eq!(planned[table] as u64, *n, "{table}");
    }
    let schema = et_testdb::engine::schema::load(&mut c).unwrap();
    let all = rows::load_all(&mut c, &schema).unwrap();
    for (table, n) in &planned {
        assert_eq!(all[table].len(), *n, "rows of {table} in the database");
    }

    // Every golden row, column by column, as written.
    let files = gather_sources(root()).unwrap();
    let loaded = load(&files).unwrap();
    let golden_rows: Vec<_> = loaded
        .rows
        .iter()
        .filter(|r| r.origin == Origin::Golden)
        .collect();
    assert!(golden_rows.len() > 100, "{}", golden_rows.len());
    for g in golden_rows {
        let table = &schema.tables[&g.table];
        let pk = table.primary_key_indexes();
        let found = all[&g.table].iter().find(|r| {
            pk.iter().all(|&i| {
                let col = &table.columns[i].name;
                normalized(&fixture_value(&r.values[i], seed_time)) == normalized(&g.values[col])
            })
        });
        let row = found.unwrap_or_else(|| panic!("{} is not in {}", g.source, g.table));
        for (col, want) in &g.values {
            let i = table.column_index(col).unwrap();
            let got = fixture_value(&row.values[i], seed_time);
            assert_eq!(
                normalized(&got),
                normalized(want),
                "{}.{col} of {}",
                g.table,
                g.source
            );
        }
    }
    drop(c);
    drop_db("et_golden_seed_test");
}

#[test]
fn golden_values_match_upstream() {
    use et_testdb::generated::schema::{AdminPrivilegeType, EducationalSystemEnum, UserRole};
    assert_eq!(
        golden::TEST_TEACHER_ID.to_string(),
        "8fb84d2f-478a-437f-825e-9e364274d78a"
    );
    assert_eq!(golden::TEST_TEACHER_USER.email, "test.teacher@example.com");
    assert_eq!(golden::TEST_TEACHER_USER.role, UserRole::Teacher);
    assert_eq!(golden::TEST_ADMIN.privileges, AdminPrivilegeType::Master);
    assert_eq!(golden::TEST_STUDENT.parent_id, golden::TEST_PARENT_ID);
    assert_eq!(
        golden::TEST_STUDENT.educational_system,
        Some(EducationalSystemEnum::Igcse)
    );
    assert_eq!(golden::TEACHER_SPECIALTIES.len(), 23);
    assert_eq!(
        golden::TEACHER_SPECIALTIES
            .iter()
            .filter(|s| s.teacher_id == golden::TEST_TEACHER_ID)
            .count(),
        16
    );
    // The financial sandbox sums (schema-facts §3.4).
    let charged = |parent, teacher| -> rust_decimal::Decimal {
        golden::TUITION_LOG_CHARGES
            .iter()
            .filter(|c| c.parent_id == parent)
            .filter(|c| {
                let logs = [
                    golden::FIN_LOG_1,
                    golden::FIN_LOG_2,
                    golden::FIN_LOG_3,
                    golden::FIN_LOG_4,
                    golden::FIN_LOG_5,
                    golden::FIN_LOG_6,
                    golden::FIN_LOG_7,
                ];
                logs.iter()
                    .any(|l| l.id == c.tuition_log_id && l.teacher_id == Some(teacher))
            })
            .map(|c| c.cost)
            .sum()
    };
    use rust_decimal_macros::dec;
    assert_eq!(
        charged(golden::FIN_PARENT_A_ID, golden::FIN_TEACHER_A_ID),
        dec!(250.00)
    );
    assert_eq!(
        charged(golden::FIN_PARENT_A_ID, golden::FIN_TEACHER_B_ID),
        dec!(200.00)
    );
    assert_eq!(
        charged(golden::FIN_PARENT_B_ID, golden::FIN_TEACHER_A_ID),
        dec!(350.00)
    );
}

#[test]
fn golden_passwords_match_their_bcrypt_hashes() {
    for (plain, hash) in [
        (
            golden::TEST_PASSWORD_ADMIN,
            golden::TEST_PASSWORD_ADMIN_HASH,
        ),
        (
            golden::TEST_PASSWORD_TEACHER,
            golden::TEST_PASSWORD_TEACHER_HASH,
        ),
        (
            golden::TEST_PASSWORD_PARENT,
            golden::TEST_PASSWORD_PARENT_HASH,
        ),
        (
            golden::TEST_PASSWORD_STUDENT,
            golden::TEST_PASSWORD_STUDENT_HASH,
        ),
    ] {
        assert!(hash.starts_with("$2b$12$"), "{hash}");
        assert!(bcrypt::verify(plain, hash).unwrap(), "{plain}");
    }
    assert_eq!(
        golden::TEST_STUDENT.generated_password,
        Some(golden::TEST_PASSWORD_STUDENT)
    );
    assert_eq!(
        golden::TEST_STUDENT_USER.password,
        golden::TEST_PASSWORD_STUDENT_HASH
    );
}

/// A generated row with a golden row's primary key is dropped in the merge.
#[test]
fn a_generated_row_with_a_golden_id_loses() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = gather_sources(root()).unwrap();
    files.push(et_testdb::engine::merge::load::SourceFile {
        path: "generated/auto_zz_extra.rs".into(),
        origin: Origin::Generated,
        text: "use super::schema::*;\n\
               static ROWS: [Teachers; 1] = [Teachers {\n\
                   id: Uuid::from_u128(0x8fb84d2f_478a_437f_825e_9e364274d78a),\n\
                   currency: \"XXX\",\n\
                   birth_date: None,\n\
               }];\n"
            .into(),
    });
    drop(dir);
    let loaded = load(&files).unwrap();
    let plan = et_testdb::engine::merge::merge(&loaded.tables, loaded.rows).unwrap();
    let teachers = plan.tables.iter().find(|t| t.table == "teachers").unwrap();
    assert_eq!(teachers.overridden, 1);
    let currencies: Vec<&FixtureValue> = teachers
        .batches
        .iter()
        .flat_map(|b| {
            let ci = b.columns.iter().position(|c| c == "currency").unwrap();
            b.rows.iter().map(move |r| &r[ci])
        })
        .collect();
    assert!(!currencies.contains(&&FixtureValue::Text("XXX".into())));
}

/// In the plan, a correction comes after the log it corrects.
#[test]
fn corrections_follow_the_logs_they_correct() {
    fn check(plan: &Plan, table: &str) -> usize {
        let t = plan.tables.iter().find(|t| t.table == table).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        let mut corrections = 0;
        for b in &t.batches {
            let id = b.columns.iter().position(|c| c == "id").unwrap();
            let from = b.columns.iter().position(|c| c == "corrected_from_log_id");
            for r in &b.rows {
                if let Some(FixtureValue::Uuid(parent)) = from.map(|f| &r[f]) {
                    assert!(
                        seen.contains(parent),
                        "{table}: a correction before its log"
                    );
                    corrections += 1;
                }
                if let FixtureValue::Uuid(u) = &r[id] {
                    seen.insert(*u);
                }
            }
        }
        corrections
    }
    let plan = et_testdb::engine::plan::seed_plan();
    assert!(check(plan, "tuition_logs") > 10);
    assert!(check(plan, "payment_logs") > 5);
    let order: Vec<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    let pos = |t: &str| order.iter().position(|x| *x == t).unwrap();
    assert!(pos("users") < pos("teachers") && pos("teachers") < pos("tuitions"));
    assert!(pos("tuition_logs") < pos("tuition_log_charges"));
}
