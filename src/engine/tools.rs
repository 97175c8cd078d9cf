//! Finding and running the PostgreSQL programs (initdb, pg_ctl, pg_dump,
//! pg_restore, psql). Debian keeps the server programs off `PATH` in
//! `/usr/lib/postgresql/<major>/bin`, so that is searched too, newest first.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A PostgreSQL program we run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Initdb,
    PgCtl,
    PgDump,
    PgRestore,
    Psql,
}

impl Tool {
    /// The executable's file name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Initdb => "initdb",
            Tool::PgCtl => "pg_ctl",
            Tool::PgDump => "pg_dump",
            Tool::PgRestore => "pg_restore",
            Tool::Psql => "psql",
        }
    }

    /// The Debian package that ships it.
    pub fn debian_package(self) -> &'static str {
        match self {
            Tool::Initdb | Tool::PgCtl => "postgresql (server, e.g. postgresql-15)",
            Tool::PgDump | Tool::PgRestore | Tool::Psql => {
                "postgresql-client (e.g. postgresql-client-15)"
            }
        }
    }
}

/// Errors finding or running a PostgreSQL program.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The program is in neither `$ET_TESTDB_PG_BIN` (when set), `PATH` nor
    /// `/usr/lib/postgresql/*/bin`.
    #[error(
        "`{tool}` was not found ({where_}).\n\
         Install it: `apt-get install {package}`, or set ET_TESTDB_PG_BIN to the directory that holds it."
    )]
    Missing {
        tool: &'static str,
        package: &'static str,
        where_: String,
    },
    /// The program could not be started at all.
    #[error("could not run `{}`: {source}", path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Finds `tool`: only in `$ET_TESTDB_PG_BIN` when that is set, else on `PATH`,
/// then in the newest `/usr/lib/postgresql/<major>/bin`.
pub fn find(tool: Tool) -> Result<PathBuf, ToolError> {
    let name = tool.name();
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("ET_TESTDB_PG_BIN") {
        // An explicit directory is the only place looked at, so a wrong one
        // is reported rather than silently replaced by another version.
        dirs.push(PathBuf::from(dir));
    } else {
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        dirs.extend(debian_bin_dirs());
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
        .ok_or_else(|| ToolError::Missing {
            tool: name,
            package: tool.debian_package(),
            where_: match std::env::var_os("ET_TESTDB_PG_BIN") {
                Some(d) => format!(
                    "looked in $ET_TESTDB_PG_BIN = {}",
                    PathBuf::from(d).display()
                ),
                None => "looked on PATH and in /usr/lib/postgresql/*/bin".into(),
            },
        })
}

/// `/usr/lib/postgresql/<major>/bin`, newest major first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    majors.sort_by_key(|m| std::cmp::Reverse(m.0));
    majors.into_iter().map(|(_, p)| p).collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A command for `tool`, or the error naming the package to install.
pub fn command(tool: Tool) -> Result<Command, ToolError> {
    Ok(Command::new(find(tool)?))
}

/// Runs `cmd` to completion, capturing its output.
pub fn output(cmd: &mut Command) -> Result<Output, ToolError> {
    cmd.output().map_err(|source| ToolError::Spawn {
        path: PathBuf::from(cmd.get_program()),
        source,
    })
}

/// The trimmed standard error of a finished program, or its standard output
/// when it wrote nothing to standard error.
pub fn stderr_text(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if err.is_empty() {
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    } else {
        err
    }
}

/// The program name of `cmd`, for messages.
pub fn program_name(cmd: &Command) -> String {
    Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(OsStr::new("?"))
        .to_string_lossy()
        .into_owned()
}

/// Runs `cmd` like [`output`], but the program gets SIGTERM when the thread
/// that started it ends, which includes this process being killed (Linux
/// `PR_SET_PDEATHSIG`). For programs that write to a database on this
/// command's behalf, so a killed command leaves none of them running.
/// SIGTERM rather than SIGKILL because pg_restore and pg_dump handle it: the
/// leader of a parallel run passes it to its worker processes and cancels
/// their queries before it exits (a SIGKILLed leader would leave its workers
/// to finish whatever table they were copying).
pub fn output_tied(cmd: &mut Command) -> Result<Output, ToolError> {
    use std::os::unix::process::CommandExt;
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs between fork and exec and only makes
    // async-signal-safe system calls (prctl, getppid); it allocates nothing
    // on the success path.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
            // The parent may have died before the prctl took effect.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
            }
            Ok(())
        })
    };
    output(cmd)
}
