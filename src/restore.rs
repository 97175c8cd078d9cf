//! Step 1, `reset`: replace the test database with the contents of a
//! production dump (custom format, as `pg_dump -Fc` writes it).
//!
//! Nothing is dropped until the new copy is complete: the dump is checked
//! with `pg_restore --list`, restored into a staging database beside the
//! target, and only then is the old test database dropped (terminating its
//! connections) and the staging one renamed into its place. A corrupt,
//! truncated or wrong-format dump, an unreachable server or a missing
//! `pg_restore` leaves the old test database exactly as it was.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::{redact_text, DbUrl};
use crate::tools::{self, Tool, ToolError};

/// The file `reset` uses when no dump is named, as upstream's script did.
pub const PROD_BACKUP_FILE: &str = "prod_backup.dump";

/// Errors of step 1.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// A PostgreSQL program is missing or could not start.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// The dump file does not exist.
    #[error(
        "the dump {} does not exist.\n\
         Pass an existing file with --dump, use --download-recent, or run without --dump to use the demo dump.",
        path.display()
    )]
    MissingDump { path: PathBuf },
    /// The dump file cannot be read.
    #[error("cannot read the dump {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A plain SQL script was given where a custom-format dump is expected.
    #[error(
        "{} is a plain SQL script, not a custom-format dump.\n\
         Make the dump with `pg_dump -Fc` (what `reset --download-recent` does), or load a SQL script with `psql -f`.",
        path.display()
    )]
    PlainSql { path: PathBuf },
    /// `pg_restore` cannot read the dump.
    #[error(
        "{} is not a readable pg_dump archive (corrupt, truncated or another format):\n{detail}\n\
         Make a fresh dump with `pg_dump -Fc`, or use `reset --download-recent`.",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    /// The server cannot be reached; `hint` names where the URL came from
    /// ([`DbUrl::unreachable_hint`]).
    #[error("cannot connect to {url}: {detail}\n{hint}")]
    Unreachable {
        url: String,
        detail: String,
        hint: String,
    },
    /// A statement on the server failed.
    #[error("{what} on {url} failed: {detail}")]
    Server {
        what: String,
        url: String,
        detail: String,
    },
    /// `pg_restore` failed part-way; the target was not touched.
    #[error(
        "pg_restore of {} failed; {target} was left as it was:\n{detail}",
        path.display()
    )]
    RestoreFailed {
        path: PathBuf,
        target: String,
        detail: String,
    },
    /// `pg_dump` of production failed; no file was written.
    #[error("pg_dump of {url} failed; {} was not written:\n{detail}", path.display())]
    DumpFailed {
        url: String,
        path: PathBuf,
        detail: String,
    },
    /// Writing the downloaded dump failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Rows per table (`schema.table` outside `public`) after the restore.
    pub rows: BTreeMap<String, u64>,
}

/// Checks that `path` is a custom-format (or directory-format) dump that
/// `pg_restore` can read, without touching any database.
pub fn validate_dump(path: &Path) -> Result<(), RestoreError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => RestoreError::MissingDump {
            path: path.to_path_buf(),
        },
        _ => RestoreError::Unreadable {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    if meta.is_file() {
        let mut head = [0u8; 512];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|source| RestoreError::Unreadable {
                path: path.to_path_buf(),
                source,
            })?;
        let head = &head[..n];
        if !head.starts_with(b"PGDMP") && looks_like_sql(head) {
            return Err(RestoreError::PlainSql {
                path: path.to_path_buf(),
            });
        }
    }
    let mut cmd = tools::command(Tool::PgRestore)?;
    cmd.arg("--list").arg(path);
    let out = tools::output(&mut cmd)?;
    if !out.status.success() {
        return Err(RestoreError::Corrupt {
            path: path.to_path_buf(),
            detail: tools::stderr_text(&out),
        });
    }
    Ok(())
}

fn looks_like_sql(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let upper = t.to_ascii_uppercase();
    t.starts_with("--")
        || t.starts_with("/*")
        || [
            "SET ", "CREATE ", "INSERT ", "BEGIN", "SELECT ", "COPY ", "DROP ", "ALTER ",
        ]
        .iter()
        .any(|k| upper.starts_with(k))
}

/// Replaces `target`'s database with the contents of `dump`, restored with
/// `pg_restore --no-owner --no-privileges --jobs <jobs>`. The caller has
/// already passed the target through the production guard.
pub fn reset(target: &DbUrl, dump: &Path, jobs: usize) -> Result<RestoreReport, RestoreError> {
    validate_dump(dump)?;
    let name = target.dbname().unwrap_or_default().to_string();
    let staging = staging_name(&name);
    let mut admin = connect_maintenance(target)?;
    let server_err = |what: &str| {
        let what = what.to_string();
        let url = target.to_string();
        move |e: postgres::Error| RestoreError::Server {
            what,
            url,
            detail: db_error_text(&e),
        }
    };
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&staging)
        ))
        .map_err(server_err("dropping a leftover staging database"))?;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE template0",
            quote_ident(&staging)
        ))
        .map_err(server_err("creating the staging database"))?;

    let restored = run_pg_restore(&target.with_dbname(&staging), dump, jobs);
    if let Err(e) = restored {
        let _ = admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&staging)
        ));
        return Err(match e {
            RestoreError::RestoreFailed { path, detail, .. } => RestoreError::RestoreFailed {
                path,
                target: target.to_string(),
                detail,
            },
            other => other,
        });
    }

    // Swap: the old database is dropped only now that its replacement is whole.
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&name)
        ))
        .map_err(server_err("dropping the old test database"))?;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&staging),
            quote_ident(&name)
        ))
        .map_err(server_err("renaming the restored database into place"))?;
    drop(admin);

    let mut client = target.connect().map_err(|e| unreachable(target, &e))?;
    Ok(RestoreReport {
        rows: count_rows(&mut client).map_err(server_err("counting rows"))?,
    })
}

fn run_pg_restore(staging: &DbUrl, dump: &Path, jobs: usize) -> Result<(), RestoreError> {
    let mut cmd = libpq_command(Tool::PgRestore, staging)?;
    cmd.args(["--no-owner", "--no-privileges", "--exit-on-error"])
        .arg(format!("--jobs={}", jobs.max(1)))
        .arg(format!("--dbname={}", staging.without_password()))
        .arg(dump);
    let out = tools::output(&mut cmd)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(RestoreError::RestoreFailed {
            path: dump.to_path_buf(),
            target: staging.to_string(),
            detail: redact_text(&tools::stderr_text(&out), staging.expose()),
        })
    }
}

/// `pg_dump -Fc` of `source` into `dest`: written to a temporary file beside
/// it and renamed into place only when pg_dump succeeded.
pub fn download(source: &DbUrl, dest: &Path) -> Result<(), RestoreError> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".et-testdb-download-")
        .suffix(".dump")
        .tempfile_in(dir)
        .map_err(|source| RestoreError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    let mut cmd = libpq_command(Tool::PgDump, source)?;
    cmd.args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--file={}", tmp.path().display()))
        .arg(format!("--dbname={}", source.without_password()));
    let out = tools::output(&mut cmd)?;
    if !out.status.success() {
        return Err(RestoreError::DumpFailed {
            url: source.to_string(),
            path: dest.to_path_buf(),
            detail: redact_text(&tools::stderr_text(&out), source.expose()),
        });
    }
    tmp.persist(dest).map_err(|e| RestoreError::Write {
        path: dest.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// A libpq program aimed at `url`, with the password (if any) passed through
/// the environment rather than the argument list.
pub fn libpq_command(tool: Tool, url: &DbUrl) -> Result<Command, ToolError> {
    let mut cmd = tools::command(tool)?;
    cmd.env_remove("PGPASSWORD");
    if let Some(pw) = url.password() {
        cmd.env("PGPASSWORD", pw);
    }
    Ok(cmd)
}

/// Connects to the server's maintenance database (`postgres`, else
/// `template1`), from which the target can be dropped and created.
pub fn connect_maintenance(target: &DbUrl) -> Result<postgres::Client, RestoreError> {
    let mut last = None;
    for db in ["postgres", "template1"] {
        match target.with_dbname(db).connect() {
            Ok(c) => return Ok(c),
            Err(e) => {
                // Only a missing/forbidden maintenance db is worth a second try.
                let retry = e.as_db_error().is_some();
                last = Some(e);
                if !retry {
                    break;
                }
            }
        }
    }
    Err(unreachable(target, &last.expect("tried at least once")))
}

/// [`RestoreError::Unreachable`] for `target`, password redacted.
pub fn unreachable(target: &DbUrl, e: &postgres::Error) -> RestoreError {
    RestoreError::Unreachable {
        url: target.to_string(),
        detail: redact_text(&db_error_text(e), target.expose()),
        hint: target.unreachable_hint(),
    }
}

/// A Postgres error's message with its detail and hint, or the client error.
pub fn db_error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = db.message().to_string();
            if let Some(d) = db.detail() {
                s.push_str(&format!("\nDETAIL: {d}"));
            }
            if let Some(h) = db.hint() {
                s.push_str(&format!("\nHINT: {h}"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s.push_str(&format!(": {inner}"));
                src = inner.source();
            }
            s
        }
    }
}

/// Exact row counts of every ordinary table outside the system schemas.
pub fn count_rows(client: &mut postgres::Client) -> Result<BTreeMap<String, u64>, postgres::Error> {
    let tables = client.query(
        "SELECT n.nspname, c.relname FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_%' \
         ORDER BY n.nspname, c.relname",
        &[],
    )?;
    let mut rows = BTreeMap::new();
    for t in tables {
        let (schema, table): (String, String) = (t.get(0), t.get(1));
        let n: i64 = client
            .query_one(
                &format!(
                    "SELECT count(*) FROM {}.{}",
                    quote_ident(&schema),
                    quote_ident(&table)
                ),
                &[],
            )?
            .get(0);
        let key = if schema == "public" {
            table
        } else {
            format!("{schema}.{table}")
        };
        rows.insert(key, n as u64);
    }
    Ok(rows)
}

/// The staging database's name: the target's, with a suffix, cut to fit
/// PostgreSQL's 63-byte identifiers.
fn staging_name(target: &str) -> String {
    const SUFFIX: &str = "__et_restoring";
    let mut base = target.to_string();
    while base.len() + SUFFIX.len() > 63 {
        base.pop();
    }
    base + SUFFIX
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Where the dump for a reset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpSource {
    /// A file the user named.
    File(PathBuf),
    /// `pg_dump` of `$DATABASE_URL_PROD_CLI` into `prod_backup.dump` first.
    DownloadRecent,
    /// `prod_backup.dump` if present, else the demo dump.
    Default(crate::demo::DemoOptions),
}

/// The dump a reset will restore, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenDump {
    pub path: PathBuf,
    /// For messages: "--dump", "prod_backup.dump", "downloaded from production",
    /// "demo dump (cached)" or "demo dump (generated)".
    pub origin: String,
}

/// Resolves `source` to a dump file: downloads production, or finds
/// `prod_backup.dump`, or generates the demo dump on `server` and caches it
/// under `target/et-testdb/` (keyed by the generator's fingerprint).
pub fn choose_dump(source: &DumpSource, server: &DbUrl) -> Result<ChosenDump, crate::Error> {
    match source {
        DumpSource::File(path) => Ok(ChosenDump {
            path: path.clone(),
            origin: "--dump".into(),
        }),
        DumpSource::DownloadRecent => {
            let prod =
                crate::config::production_url()?.ok_or(crate::config::ConfigError::MissingVar {
                    var: crate::config::PROD_URL_VAR,
                    what: "--download-recent dumps production from it",
                })?;
            let dest = PathBuf::from(PROD_BACKUP_FILE);
            download(&prod, &dest)?;
            Ok(ChosenDump {
                path: dest,
                origin: format!("downloaded from {prod}"),
            })
        }
        DumpSource::Default(opts) => {
            let prod = PathBuf::from(PROD_BACKUP_FILE);
            if prod.is_file() {
                return Ok(ChosenDump {
                    path: prod,
                    origin: PROD_BACKUP_FILE.into(),
                });
            }
            let path = demo_dump_path(opts);
            if path.is_file() {
                return Ok(ChosenDump {
                    path,
                    origin: "demo dump (cached)".into(),
                });
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| RestoreError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            crate::demo::write_dump(server, &path, opts)?;
            Ok(ChosenDump {
                path,
                origin: "demo dump (generated)".into(),
            })
        }
    }
}

/// Where the demo dump for `opts` is cached.
pub fn demo_dump_path(opts: &crate::demo::DemoOptions) -> PathBuf {
    cache_dir().join(format!("demo-{}.dump", crate::demo::fingerprint(opts)))
}

/// `<target dir>/et-testdb`: `$CARGO_TARGET_DIR` when set, else the
/// checkout's `target/`.
pub fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("et-testdb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_scripts_are_recognised() {
        assert!(looks_like_sql(b"--\n-- PostgreSQL database dump\n"));
        assert!(looks_like_sql(b"  SET statement_timeout = 0;"));
        assert!(looks_like_sql(b"create table x ();"));
        assert!(!looks_like_sql(b"PGDMP\x01\x0e"));
        assert!(!looks_like_sql(b"\x00\x01garbage"));
    }

    #[test]
    fn staging_name_fits_identifier_limit() {
        let long = "x".repeat(63);
        assert_eq!(staging_name(&long).len(), 63);
        assert_eq!(
            staging_name("efficient_tutor_test_db"),
            "efficient_tutor_test_db__et_restoring"
        );
    }
}
