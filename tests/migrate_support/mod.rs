//! Shared helpers of the migrate, catalog and passwords tests: uniquely named
//! throwaway databases on the embedded cluster, and v0.2 sources to migrate.
#![allow(dead_code)] // each test binary uses a different subset

use postgres::Client;

#[path = "../common/mod.rs"]
mod common;
#[allow(unused_imports)] // run_bin: the migrate tests only
pub use common::{run_bin, TestDb};

/// The v0.2 baseline schema.
pub const BASELINE: &str = include_str!("../../sql/v0.2_baseline.sql");
/// A tiny hand-made v0.2 data set (see the file's header).
pub const MINI_V02: &str = include_str!("../fixtures/mini_v02.sql");

/// A v0.2 database holding the baseline schema and the tiny data set.
pub fn mini_v02(label: &str) -> TestDb {
    let db = TestDb::empty(label);
    let mut c = db.client();
    c.batch_execute(BASELINE).expect("load v0.2 baseline");
    c.batch_execute(MINI_V02).expect("load mini v0.2 data");
    db
}

/// The deterministic tuition id of schema-facts.md §2.6 A, computed in Rust
/// (an independent check of the SQL).
pub fn tuition_id(
    subject: &str,
    system: &str,
    grade: i32,
    lesson: i32,
    teacher: Option<uuid::Uuid>,
    students: &[uuid::Uuid],
) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut s: Vec<String> = students.iter().map(|u| u.to_string()).collect();
    s.sort();
    s.dedup();
    let text = format!(
        "{subject}:{system}:{grade}:{lesson}:{}:{}",
        teacher.map_or("None".to_string(), |t| t.to_string()),
        s.join(",")
    );
    let digest = Sha256::digest(text.as_bytes());
    uuid::Uuid::from_slice(&digest[..16]).expect("16 bytes")
}

/// A v0.2 database holding the demo production data.
pub fn demo_v02(label: &str) -> TestDb {
    let db = TestDb::empty(label);
    et_testdb::efficient_tutor::demo::generate(
        &mut db.client(),
        &et_testdb::efficient_tutor::demo::DemoOptions::default(),
    )
    .expect("generate the demo database");
    db
}

/// A digest of every row of every `public` table, in a fixed order.
pub fn content_digest(c: &mut Client) -> Vec<(String, String)> {
    let tables: Vec<String> = c
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let digest: Option<String> = c
                .query_one(
                    &format!(
                        "SELECT md5(string_agg(r::text, E'\\n' ORDER BY r::text COLLATE \"C\")) FROM {t} r"
                    ),
                    &[],
                )
                .unwrap()
                .get(0);
            (t, digest.unwrap_or_default())
        })
        .collect()
}
