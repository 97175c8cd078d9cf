//! The engine: everything that knows PostgreSQL and Rust and nothing of a
//! particular project. It reads a project's description (`et-testdb.toml`)
//! and works on any schema.
//!
//! The steps read like the pipeline: [`restore`] (a dump into the test
//! database) → [`migrate`] (the project's migration files) → [`extract`]
//! ([`schema`] → [`rows`] → [`anonymize`] → [`codegen`]) → [`seed`] (the
//! merged fixtures, [`merge`] and [`plan`]). Generated fixture code is
//! written in the types of [`fixture`]. [`cluster`] runs the embedded
//! PostgreSQL that every step uses when no URL is configured, [`config`]
//! decides where each command points and refuses unsafe targets, and
//! [`testing`] is the `cargo test` harness.

pub mod anonymize;
pub mod civil;
pub mod cli;
pub mod client_url;
pub mod cluster;
pub mod codegen;
pub mod config;
pub mod extract;
pub mod fixture;
pub mod merge;
pub mod migrate;
pub mod numeric;
pub mod plan;
pub mod project;
pub mod restore;
pub mod rows;
pub mod schema;
pub mod seed;
pub mod testing;
pub mod tools;
