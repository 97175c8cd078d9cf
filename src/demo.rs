//! (temporary stub in main; the real generator lands from the demo branch)

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::DbUrl;

/// Errors of this step.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Placeholder until the step lands.
    #[error("not implemented yet")]
    NotImplemented,
}

/// Generator options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    pub seed: u64,
    pub scale: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { seed: 1, scale: 1 }
    }
}

/// Rows per table.
pub type DemoCounts = BTreeMap<String, u64>;

/// Cache key.
pub fn fingerprint(opts: &DemoOptions) -> String {
    format!("stub-{}-{}", opts.seed, opts.scale)
}

/// Writes the demo dump.
pub fn write_dump(
    _server: &DbUrl,
    _out: &Path,
    _opts: &DemoOptions,
) -> Result<DemoCounts, DemoError> {
    Err(DemoError::NotImplemented)
}
