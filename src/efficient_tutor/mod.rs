//! EfficientTutor: the project this repository ships. Its description
//! (baseline, migrations, anonymization rules, database and variable names)
//! is data, in `et-testdb.toml`; what cannot be data lives here: the
//! `passwords` step, the synthetic production database the demo dump is
//! made from, and the pipeline that runs every step in order.

pub mod demo;
pub mod passwords;
pub mod pipeline;
