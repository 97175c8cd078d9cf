//! What the binaries share: how a failure is shown to the user.

use std::process::ExitCode;

/// Runs a binary's body; on failure prints `error: …` with each distinct
/// cause on its own line (never a backtrace) and exits with status 1.
pub fn run(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut shown = e.to_string();
            for cause in e.chain().skip(1) {
                let text = cause.to_string();
                // thiserror messages often already include their source.
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                    shown.push_str(&text);
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// The arguments every command that writes to a database shares.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// The test database (a libpq URL). Default: $DATABASE_URL_TEST_CLI, the
    /// same key in ./.env, else the embedded cluster's test database.
    #[arg(long, value_name = "URL")]
    pub db_url: Option<String>,
    /// Allow a database whose name does not contain `test`. Production
    /// ($DATABASE_URL_PROD_CLI) is refused even then.
    #[arg(long)]
    pub allow_non_test_db: bool,
}

impl TargetArgs {
    /// The target database, checked by the production guard for `action`
    /// (e.g. "migrate"), starting the embedded cluster when it is the target.
    pub fn resolve(&self, action: &str) -> crate::Result<crate::config::DbUrl> {
        let url = crate::target_url(self.db_url.as_deref())?;
        crate::config::guard_destructive(&url, action, self.allow_non_test_db)?;
        Ok(url)
    }
}
