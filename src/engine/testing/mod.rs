//! The `cargo test` harness: a fresh, seeded database per test.
//!
//! [`test_db`] returns a [`TestDb`]: a `CREATE DATABASE … TEMPLATE` clone of
//! a template that holds the v0.3 schema (the v0.2 baseline plus every
//! migration, applied to an empty database) and every row of the merged
//! seed plan ([`crate::engine::plan::seed_plan`]), seeded with the template's build
//! moment as "now".
//!
//! The template is named after a fingerprint of the baseline, the migration
//! files, the seed plan and the UTC day (relative timestamps must stay
//! relative to the day the tests run), so it is built once and every test
//! process reuses it: threads of `cargo test` through a per-process
//! `OnceLock`, the processes of `cargo nextest run` by finding it on the
//! server. The first process builds it under a PostgreSQL advisory lock,
//! into a temporary name that is renamed only when complete, then marked
//! `IS_TEMPLATE` and `ALLOW_CONNECTIONS false` (a connection to a template
//! would make every clone wait). Templates of other fingerprints are dropped
//! by the next build once they are 15 minutes old, so a run that crosses
//! midnight, or another checkout sharing the server, keeps its own
//! meanwhile.
//!
//! The server is the embedded cluster ([`crate::engine::cluster`]), or the one named
//! by `TEST_DATABASE_URL` (environment or `.env`; any database on that
//! server). When the template exists, a process pays one connection and one
//! query before its first clone: no lock, no `pg_ctl`.
//!
//! A small pool of clones made ahead of time, shared on the server by every
//! process, turns most clones into a rename: `ET_TESTDB_POOL` sets its size
//! (default 3, 0 turns it off); see `pool.rs`.
//!
//! A test's database is dropped when the test passes, and kept, with its
//! name and a psql command printed, when it fails.
//!
//! Stale fixtures: when the schema the SQL files produce differs from the
//! schema `generated/` was extracted from, every test fails with one message
//! listing the differences and naming `cargo run --bin extract`. The
//! comparison is done once, when the template is built, and its outcome is
//! stored in the template's comment.

mod db;
mod drift;
mod pool;
pub mod registry;
mod server;
mod template;

use drift::stale_message;

pub use db::{
    clone_db_name, clone_for, drop_recorded, test_db, try_test_db, TestDb, CLONE_DB_PREFIX,
};
pub use drift::{load_tables, schema_differences};
pub use pool::{DEFAULT_POOL_SIZE, POOL_PREFIX, POOL_SIZE_VAR};
pub use server::{admin_client, Server};
pub use template::{fingerprint, now_micros, populate, template, template_name, Template};

/// The environment variable (or `.env` key) naming the server test
/// databases are created on; unset means the embedded cluster.
pub const TEST_DATABASE_URL_VAR: &str = "TEST_DATABASE_URL";
/// Every template's name starts with this, followed by its fingerprint.
pub const TEMPLATE_PREFIX: &str = "et_testdb_tpl_";
/// Every test database's name starts with this.
pub const CLONE_PREFIX: &str = "et_test_";
/// The command that brings `generated/` up to date.
pub const EXTRACT_COMMAND: &str = "cargo run --bin extract";

/// Why no test database could be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TestingError {
    /// `TEST_DATABASE_URL` is set but unusable.
    #[error("{TEST_DATABASE_URL_VAR} cannot be used: {detail}")]
    Config { detail: String },
    /// The server for test databases cannot be reached or started.
    #[error("cannot reach the server for test databases ({server}): {detail}\n{advice}")]
    Server {
        server: String,
        detail: String,
        advice: String,
    },
    /// Building a seeded database (the template, or one built the slow way)
    /// failed.
    #[error("building the seeded database {database} failed while {step}:\n{detail}")]
    Build {
        database: String,
        step: &'static str,
        detail: String,
    },
    /// `generated/` was extracted from another schema than `sql/` produces.
    #[error("{}", stale_message(.differences))]
    StaleFixtures { differences: Vec<String> },
    /// Creating, connecting to or dropping a test database failed.
    #[error("test database {name}: {action} failed: {detail}")]
    Database {
        name: String,
        action: &'static str,
        detail: String,
    },
}
