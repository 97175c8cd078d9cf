//! (in progress)

/// Errors of step 1.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Placeholder until the step lands.
    #[error("not implemented yet")]
    NotImplemented,
}
