//! et-testdb: EfficientTutor's PostgreSQL test database as code.
//!
//! The pipeline reads like its steps: [`restore`] (step 1) → [`migrate`]
//! (step 2) → [`passwords`] (step 3) → [`extract`] (step 4: [`schema`] →
//! [`rows`] → [`anonymize`] → [`codegen`]) → [`seed`] (step 5). Generated
//! fixture code is written in the types of [`fixture`]. [`cluster`] runs the
//! embedded PostgreSQL that every step uses when no URL is configured, and
//! [`config`] decides where each command points and refuses unsafe targets.

pub mod anonymize;
pub mod bench;
pub mod cli;
pub mod client_url;
pub mod cluster;
pub mod codegen;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod fixture;
pub mod merge;
pub mod migrate;
pub mod passwords;
pub mod pipeline;
pub mod plan;
pub mod restore;
pub mod rows;
pub mod schema;
pub mod seed;
pub mod testing;
pub mod tools;

pub use error::{Error, Result};
pub use testing::{test_db, try_test_db, TestDb};

// Generated fixture code names the runtime types as `::et_testdb::fixture::…`
// so the same files compile inside this crate and in tests that include them.
extern crate self as et_testdb;

/// The database a command works on: `--db-url`, else `DATABASE_URL_TEST_CLI`
/// (environment or `.env`), else the embedded cluster's test database
/// (started on demand).
pub fn target_url(cli_url: Option<&str>) -> Result<config::DbUrl> {
    match config::resolve_target(cli_url)? {
        config::Target::Url(url) => Ok(*url),
        config::Target::Embedded => Ok(cluster::Cluster::ensure()?.test_url()),
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
