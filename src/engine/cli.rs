//! What the binaries share: how a failure is shown to the user.

use std::process::ExitCode;

/// Runs a binary's body; on failure prints `error: …` with each distinct
/// cause on its own line (never a backtrace) and exits with status 1.
pub fn run(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    restore_sigpipe();
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

/// Lets a closed pipe end the process quietly, as it does `cat` or `grep`
/// (`seed | head -1`): Rust ignores SIGPIPE, so `println!` would panic on the
/// broken pipe instead. Every command prints its report only after its work
/// is committed, so ending there loses nothing.
fn restore_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: installs the default disposition; no handler code runs.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// A clap value parser for counts that must be at least 1 (`--jobs`,
/// `--max-rows-per-table`): zero would mean "do nothing" and is refused.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a whole number ({e})")),
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
    /// How long to wait for a table lock another session holds (e.g. an
    /// open transaction on a table `seed` truncates) before giving up with
    /// the name of what it waited for.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub lock_timeout: u32,
}

impl TargetArgs {
    /// The target database, checked by the production guard for `action`
    /// (e.g. "migrate"), starting the embedded cluster when it is the target.
    pub fn resolve(&self, action: &str) -> crate::Result<crate::engine::config::DbUrl> {
        let url = crate::target_url(self.db_url.as_deref())?;
        crate::engine::config::guard_destructive(&url, action, self.allow_non_test_db)?;
        // An interrupted reset may have left the test database under its
        // staging name: put it back before anything else runs. A server that
        // cannot be reached is left to the command to report.
        match crate::engine::restore::recover(&url, self.lock_timeout) {
            Ok(done) => {
                for line in done {
                    eprintln!("recovered from an interrupted reset: {line}");
                }
            }
            Err(crate::engine::restore::RestoreError::Unreachable { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(url)
    }
}
