//! Shared helpers of the migrate, catalog and passwords tests: uniquely named
//! throwaway databases on the embedded cluster, and v0.2 sources to migrate.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};

use et_testdb::cluster::Cluster;
use et_testdb::config::DbUrl;
use postgres::Client;

/// The v0.2 baseline schema.
pub const BASELINE: &str = include_str!("../../sql/v0.2_baseline.sql");
/// A tiny hand-made v0.2 data set (see the file's header).
pub const MINI_V02: &str = include_str!("../fixtures/mini_v02.sql");

/// A database that is dropped when the test passes and kept (and named on
/// stderr) when it fails, so it can be inspected.
pub struct TestDb {
    pub name: String,
    pub url: DbUrl,
    admin: DbUrl,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// An empty database named `mig_<label>_<pid>_<n>_test`.
    pub fn empty(label: &str) -> TestDb {
        let cluster = Cluster::ensure().expect("embedded cluster");
        let name = format!(
            "mig_{label}_{}_{}_test",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = cluster.url("postgres");
        let mut c = admin.connect().expect("connect to postgres db");
        // Separate calls: a multi-statement string runs as one transaction,
        // where CREATE/DROP DATABASE are not allowed.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop stale test database");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        TestDb {
            url: cluster.url(&name),
            name,
            admin,
        }
    }

    /// A copy of `self` (CREATE DATABASE … TEMPLATE); `self` must have no
    /// open connections.
    pub fn clone_as(&self, label: &str) -> TestDb {
        let copy = TestDb::empty(label);
        let mut c = self.admin.connect().expect("connect to postgres db");
        c.batch_execute(&format!("DROP DATABASE {}", copy.name))
            .expect("drop empty copy");
        c.batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}",
            copy.name, self.name
        ))
        .expect("clone test database");
        copy
    }

    pub fn connect(&self) -> Client {
        self.url.connect().expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept database {} for inspection ({})", self.name, self.url);
            return;
        }
        if let Ok(mut c) = self.admin.connect() {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A v0.2 database holding the baseline schema and the tiny data set.
pub fn mini_v02(label: &str) -> TestDb {
    let db = TestDb::empty(label);
    let mut c = db.connect();
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
    et_testdb::demo::generate(&mut db.connect(), &et_testdb::demo::DemoOptions::default())
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
