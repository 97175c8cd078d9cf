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
