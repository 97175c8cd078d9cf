//! (in progress)

/// Errors of this step.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Placeholder until the step lands.
    #[error("not implemented yet")]
    NotImplemented,
}
