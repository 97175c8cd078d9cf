//! et-testdb: a PostgreSQL test database as code.
//!
//! [`engine`] is the tool: introspection, extraction, codegen, the merge,
//! seeding and the `cargo test` harness, for any PostgreSQL schema, driven by
//! the project's `et-testdb.toml`. [`efficient_tutor`] is the project this
//! repository ships: the steps of its pipeline that are code rather than data.
//! [`generated`] and [`golden`] are its fixtures.

pub mod efficient_tutor;
pub mod engine;

pub mod error;

pub use error::{Error, Result};
// Generated and golden fixture code names the runtime types as
// `::et_testdb::fixture::…`: that path is the fixtures' contract.
pub use engine::fixture;
pub use engine::testing::{test_db, try_test_db, TestDb};

// Generated fixture code names the runtime types as `::et_testdb::fixture::…`
// so the same files compile inside this crate and in tests that include them.
extern crate self as et_testdb;

/// The database a command works on: `--db-url`, else `DATABASE_URL_TEST_CLI`
/// (environment or `.env`), else the embedded cluster's test database
/// (started on demand).
pub fn target_url(cli_url: Option<&str>) -> Result<engine::config::DbUrl> {
    match engine::config::resolve_target(cli_url)? {
        engine::config::Target::Url(url) => Ok(*url),
        engine::config::Target::Embedded => Ok(engine::cluster::Cluster::ensure()?.test_url()),
    }
}

/// The extracted fixtures (written by `cargo run --bin extract`; never edit).
// Left out of the library's own unit-test build, which never uses them:
// `cargo test` would otherwise compile every fixture row twice.
#[cfg(not(test))]
#[rustfmt::skip]
#[path = "../generated/mod.rs"]
pub mod generated;

/// The hand-written golden fixtures tests reference by name.
#[cfg(not(test))]
#[path = "../golden/mod.rs"]
pub mod golden;
