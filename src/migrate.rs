//! (in progress)

/// Errors of this step.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Placeholder until the step lands.
    #[error("not implemented yet")]
    NotImplemented,
}
