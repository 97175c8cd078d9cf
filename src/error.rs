//! The crate's top-level error: one variant per layer, each layer's own
//! `thiserror` enum carrying the context a user needs (path, table, column,
//! the Postgres error and its hint). Binaries wrap this in `anyhow`.

/// Any failure of an et-testdb step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration: URLs, `.env`, the production guard.
    #[error(transparent)]
    Config(#[from] crate::engine::config::ConfigError),
    /// A PostgreSQL program is missing or failed.
    #[error(transparent)]
    Tool(#[from] crate::engine::tools::ToolError),
    /// The embedded cluster could not be created, started or stopped.
    #[error(transparent)]
    Cluster(#[from] crate::engine::cluster::ClusterError),
    /// Step 1: validating or restoring a dump.
    #[error(transparent)]
    Restore(#[from] crate::engine::restore::RestoreError),
    /// The demo production database generator.
    #[error(transparent)]
    Demo(#[from] crate::efficient_tutor::demo::DemoError),
    /// Step 2: the v0.3 migrations.
    #[error(transparent)]
    Migrate(#[from] crate::engine::migrate::MigrateError),
    /// Step 4: extraction.
    #[error(transparent)]
    Extract(#[from] crate::engine::extract::ExtractError),
    /// Merging fixture sources at run time.
    #[error(transparent)]
    Plan(#[from] crate::engine::plan::PlanError),
    /// Step 5: seeding.
    #[error(transparent)]
    Seed(#[from] crate::engine::seed::SeedError),
    /// Step 4: anonymization.
    #[error(transparent)]
    Anonymize(#[from] crate::engine::anonymize::AnonymizeError),
    /// Step 3: bcrypt re-hashing.
    #[error(transparent)]
    Passwords(#[from] crate::efficient_tutor::passwords::PasswordsError),
    /// Step 4: introspecting the schema.
    #[error(transparent)]
    Schema(#[from] crate::engine::schema::SchemaError),
    /// Step 4: reading rows.
    #[error(transparent)]
    Rows(#[from] crate::engine::rows::RowsError),
    /// Step 4: generating or writing fixture code.
    #[error(transparent)]
    Codegen(#[from] crate::engine::codegen::CodegenError),
    /// The project file (et-testdb.toml).
    #[error(transparent)]
    Project(#[from] crate::engine::project::ProjectError),
    /// The `cargo test` harness: the template or a test database.
    #[error(transparent)]
    Testing(#[from] crate::engine::testing::TestingError),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
