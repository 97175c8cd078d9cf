//! Benchmarks that print figures (never timed assertions in tests):
//! `cargo run --release --bin bench -- <seed|extract|demo>`.

pub mod demo;
pub mod extract;
pub mod scratch;
pub mod seed;
