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

use postgres::error::SqlState;

use crate::engine::config::{redact_text, DbUrl};
use crate::engine::tools::{self, Tool, ToolError};

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
    /// The dump creates no table: restoring it would leave an empty test
    /// database.
    #[error(
        "{} holds no tables: restoring it would replace the test database with an empty one.\n\
         Check that the dump is of the right database, or pass --allow-empty if an empty database is what you want.",
        path.display()
    )]
    EmptyDump { path: PathBuf },
    /// Waited `timeout` for a lock and did not get it.
    #[error(
        "gave up on {url} after waiting {timeout} for {waited_for}.\n\
         Wait for it to finish (or end that session), then run the command again."
    )]
    LockTimeout {
        url: String,
        waited_for: String,
        timeout: String,
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
    /// What was found and repaired from an earlier, interrupted reset.
    pub recovered: Vec<String>,
}

/// How a reset runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetOptions {
    /// Parallel `pg_restore` jobs (a tar archive is always restored with one).
    pub jobs: usize,
    /// Accept a dump that holds no table at all.
    pub allow_empty: bool,
    /// Seconds to wait for another reset of the same database.
    pub lock_timeout_secs: u32,
}

/// The archive formats `pg_restore` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    /// `pg_dump -Fc`
    Custom,
    /// `pg_dump -Fd` (a directory)
    Directory,
    /// `pg_dump -Ft`: pg_restore cannot restore it in parallel.
    Tar,
}

/// A dump that `pg_restore --list` read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpInfo {
    pub format: DumpFormat,
    /// Tables the archive creates.
    pub tables: usize,
}

/// Checks that `path` is an archive `pg_restore` can read (custom,
/// directory or tar format), without touching any database, and says what
/// it holds.
pub fn validate_dump(path: &Path) -> Result<DumpInfo, RestoreError> {
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
        if !head.starts_with(b"PGDMP") && !is_tar(head) && looks_like_sql(head) {
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
    parse_toc(&String::from_utf8_lossy(&out.stdout)).ok_or_else(|| RestoreError::Corrupt {
        path: path.to_path_buf(),
        detail: "pg_restore --list printed no archive header".into(),
    })
}

/// Reads the format and the number of tables from `pg_restore --list`.
fn parse_toc(list: &str) -> Option<DumpInfo> {
    let format = list.lines().find_map(|l| {
        let f = l.trim_start_matches(';').trim().strip_prefix("Format:")?;
        Some(match f.trim() {
            "TAR" => DumpFormat::Tar,
            "DIRECTORY" => DumpFormat::Directory,
            _ => DumpFormat::Custom,
        })
    })?;
    // A TOC line is `id; oid oid TYPE schema name owner`; comments start with `;`.
    let tables = list
        .lines()
        .filter(|l| !l.starts_with(';'))
        .filter(|l| {
            let mut words = l.split_whitespace().skip(3);
            words.next() == Some("TABLE") && words.next() != Some("DATA")
        })
        .count();
    Some(DumpInfo { format, tables })
}

/// A POSIX tar header has `ustar` at byte 257.
fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
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

/// The databases a reset of one test database uses beside it. Each is the
/// target's name plus a suffix, cut to PostgreSQL's 63-byte identifiers.
///
/// A reset restores into `restoring`, renames it `ready` once `pg_restore`
/// has finished (so a database under that name is always complete), renames
/// the old test database `old`, renames `ready` to the test name and drops
/// `old`. Each rename is one atomic catalog update, so at every instant a
/// complete database exists under the test name or under `ready`, and
/// [`recover`] finishes or undoes whatever an interrupted reset left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingNames {
    /// Being restored into: incomplete by definition.
    pub restoring: String,
    /// Completely restored, not yet in place.
    pub ready: String,
    /// The previous test database, on its way out.
    pub old: String,
}

impl StagingNames {
    /// The staging names for the test database `target`.
    pub fn for_target(target: &str) -> StagingNames {
        let with = |suffix: &str| {
            let mut base = target.to_string();
            while base.len() + suffix.len() > 63 {
                base.pop();
            }
            base + suffix
        };
        StagingNames {
            restoring: with("__et_restoring"),
            ready: with("__et_ready"),
            old: with("__et_old"),
        }
    }
}

/// Replaces `target`'s database with the contents of `dump`, restored with
/// `pg_restore --no-owner --no-privileges --jobs <jobs>`. The caller has
/// already passed the target through the production guard.
///
/// First repairs what an interrupted reset left ([`recover`]); the report
/// says what it found.
pub fn reset(
    target: &DbUrl,
    dump: &Path,
    opts: ResetOptions,
) -> Result<RestoreReport, RestoreError> {
    let info = validate_dump(dump)?;
    if info.tables == 0 && !opts.allow_empty {
        return Err(RestoreError::EmptyDump {
            path: dump.to_path_buf(),
        });
    }
    let name = target.dbname().unwrap_or_default().to_string();
    let names = StagingNames::for_target(&name);
    let mut admin = connect_maintenance(target)?;
    lock_reset(&mut admin, target, &name, opts.lock_timeout_secs)?;
    let recovered = recover_locked(&mut admin, target, &name)?;
    let server_err = server_error(target);

    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE template0",
            quote_ident(&names.restoring)
        ))
        .map_err(server_err("creating the staging database"))?;
    // pg_restore cannot restore a tar archive in parallel.
    let jobs = match info.format {
        DumpFormat::Tar => 1,
        DumpFormat::Custom | DumpFormat::Directory => opts.jobs.max(1),
    };
    let restored = run_pg_restore(&target.with_dbname(&names.restoring), dump, jobs);
    if let Err(e) = restored {
        let _ = drop_database(&mut admin, &names.restoring);
        return Err(match e {
            RestoreError::RestoreFailed { path, detail, .. } => RestoreError::RestoreFailed {
                path,
                target: target.to_string(),
                detail,
            },
            other => other,
        });
    }
    rename_database(&mut admin, target, &names.restoring, &names.ready)?;
    // From here on a complete copy exists under `ready`: the swap.
    if database_state(&mut admin, &name).map_err(server_err("reading pg_database"))?
        == DbState::Valid
    {
        rename_database(&mut admin, target, &name, &names.old)?;
    }
    rename_database(&mut admin, target, &names.ready, &name)?;
    drop_database(&mut admin, &names.old)
        .map_err(server_err("dropping the previous test database"))?;
    drop(admin);

    let mut client = target.connect().map_err(|e| unreachable(target, &e))?;
    Ok(RestoreReport {
        rows: count_rows(&mut client).map_err(server_err("counting rows"))?,
        recovered,
    })
}

/// Finds what an interrupted reset of `target` left on its server and
/// repairs it: a restore that finished but was not yet in place is moved
/// into place when the test database is missing, a previous test database
/// is put back when nothing newer is complete, and every staging database
/// that is incomplete, superseded or invalid (an interrupted `DROP
/// DATABASE`) is dropped. Returns one line per repair; nothing to do is an
/// empty list. Serialised with running resets by the same lock.
pub fn recover(target: &DbUrl, lock_timeout_secs: u32) -> Result<Vec<String>, RestoreError> {
    let name = target.dbname().unwrap_or_default().to_string();
    let mut admin = connect_maintenance(target)?;
    lock_reset(&mut admin, target, &name, lock_timeout_secs)?;
    recover_locked(&mut admin, target, &name)
}

fn recover_locked(
    admin: &mut postgres::Client,
    target: &DbUrl,
    name: &str,
) -> Result<Vec<String>, RestoreError> {
    let names = StagingNames::for_target(name);
    let state = |admin: &mut postgres::Client, db: &str| {
        database_state(admin, db).map_err(server_error(target)("reading pg_database"))
    };
    let mut done = Vec::new();
    let drop_one = |admin: &mut postgres::Client, db: &str, why: &str, done: &mut Vec<String>| {
        drop_database(admin, db)
            .map_err(server_error(target)("dropping a leftover staging database"))?;
        done.push(format!("dropped {db}: {why}"));
        Ok::<_, RestoreError>(())
    };
    if state(admin, name)? == DbState::Invalid {
        drop_one(
            admin,
            name,
            "an interrupted DROP DATABASE had left it invalid",
            &mut done,
        )?;
    }
    if state(admin, &names.restoring)? != DbState::Missing {
        drop_one(
            admin,
            &names.restoring,
            "an interrupted reset's incomplete restore",
            &mut done,
        )?;
    }
    for staged in [&names.ready, &names.old] {
        if state(admin, staged)? == DbState::Invalid {
            drop_one(
                admin,
                staged,
                "an interrupted DROP DATABASE had left it invalid",
                &mut done,
            )?;
        }
    }
    if state(admin, name)? == DbState::Missing {
        for (staged, what) in [
            (&names.ready, "the complete restore of an interrupted reset"),
            (
                &names.old,
                "the test database from before an interrupted reset",
            ),
        ] {
            if state(admin, staged)? == DbState::Valid {
                rename_database(admin, target, staged, name)?;
                done.push(format!(
                    "{name} was missing: renamed {staged} ({what}) into its place"
                ));
                break;
            }
        }
    }
    if state(admin, name)? == DbState::Valid {
        let superseded = format!(
            "a complete restore that an interrupted reset had not swapped in; {name} is as it was before that reset"
        );
        let replaced = format!("the database {name} replaced");
        for (staged, why) in [(&names.ready, superseded), (&names.old, replaced)] {
            if state(admin, staged)? != DbState::Missing {
                drop_one(admin, staged, &why, &mut done)?;
            }
        }
    }
    Ok(done)
}

/// A database as `pg_database` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbState {
    Missing,
    Valid,
    /// `datconnlimit = -2`: an interrupted `DROP DATABASE`; only dropping it
    /// is possible.
    Invalid,
}

fn database_state(admin: &mut postgres::Client, db: &str) -> Result<DbState, postgres::Error> {
    let row = admin.query_opt(
        "SELECT datconnlimit = -2 FROM pg_database WHERE datname = $1",
        &[&db],
    )?;
    Ok(match row {
        None => DbState::Missing,
        Some(r) if r.get::<_, bool>(0) => DbState::Invalid,
        Some(_) => DbState::Valid,
    })
}

fn drop_database(admin: &mut postgres::Client, db: &str) -> Result<(), postgres::Error> {
    admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(db)
    ))
}

/// Renames `from` to `to`, first ending the sessions connected to `from`
/// (a rename needs none). A session that connects again in between makes
/// the rename fail with `object_in_use`; it is retried.
fn rename_database(
    admin: &mut postgres::Client,
    target: &DbUrl,
    from: &str,
    to: &str,
) -> Result<(), RestoreError> {
    let sql = format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_ident(from),
        quote_ident(to)
    );
    let what = format!("renaming {from} to {to}");
    let mut attempt = 0;
    loop {
        admin
            .execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&from],
            )
            .map_err(server_error(target)(&what))?;
        match admin.batch_execute(&sql) {
            Ok(()) => return Ok(()),
            Err(e) if e.code() == Some(&SqlState::OBJECT_IN_USE) && attempt < 20 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(25 * attempt));
            }
            Err(e) => return Err(server_error(target)(&what)(e)),
        }
    }
}

/// Takes the session advisory lock that serialises resets (and recoveries)
/// of one database on one server; it is released when `admin` disconnects,
/// so a killed reset never leaves it held.
fn lock_reset(
    admin: &mut postgres::Client,
    target: &DbUrl,
    name: &str,
    timeout_secs: u32,
) -> Result<(), RestoreError> {
    let server_err = server_error(target);
    admin
        .batch_execute(&format!(
            "SET application_name = 'et-testdb reset'; SET lock_timeout = '{timeout_secs}s'"
        ))
        .map_err(server_err("setting up the session"))?;
    match admin.execute(
        "SELECT pg_advisory_lock($1, hashtext($2))",
        &[&RESET_LOCK_CLASS, &name],
    ) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
            let holder = admin
                .query_opt(
                    "SELECT a.pid, coalesce(a.application_name, ''), \
                            coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '?') \
                     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                     WHERE l.locktype = 'advisory' AND l.granted \
                       AND l.classid::int = $1 AND l.objid::int = hashtext($2) LIMIT 1",
                    &[&RESET_LOCK_CLASS, &name],
                )
                .ok()
                .flatten()
                .map(|r| {
                    format!(
                        "pid {} ({}), connected since {}",
                        r.get::<_, i32>(0),
                        r.get::<_, String>(1),
                        r.get::<_, String>(2)
                    )
                })
                .unwrap_or_else(|| "a session that has since ended".into());
            Err(RestoreError::LockTimeout {
                url: target.to_string(),
                waited_for: format!("the lock another reset of {name} holds: {holder}"),
                timeout: format!("{timeout_secs} s"),
            })
        }
        Err(e) => Err(server_err("taking the reset lock")(e)),
    }
}

/// The advisory lock class of resets ("et-r" as an int).
const RESET_LOCK_CLASS: i32 = 0x6574_2d72;

fn server_error(
    target: &DbUrl,
) -> impl Fn(&str) -> Box<dyn FnOnce(postgres::Error) -> RestoreError> + '_ {
    move |what: &str| {
        let what = what.to_string();
        let url = target.to_string();
        Box::new(move |e: postgres::Error| RestoreError::Server {
            what,
            url,
            detail: db_error_text(&e),
        })
    }
}

fn run_pg_restore(staging: &DbUrl, dump: &Path, jobs: usize) -> Result<(), RestoreError> {
    let mut cmd = libpq_command(Tool::PgRestore, staging)?;
    cmd.args(["--no-owner", "--no-privileges", "--exit-on-error"])
        .arg(format!("--jobs={}", jobs.max(1)))
        .arg(format!("--dbname={}", staging.without_password()))
        .arg(dump);
    // Dies with this process: a killed reset leaves no pg_restore behind.
    let out = tools::output_tied(&mut cmd)?;
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
    let out = tools::output_tied(&mut cmd)?;
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
/// the environment rather than the argument list. The `PG*` variables that
/// choose a server (host, port, database, user, service) are removed, so the
/// program reaches exactly the server the Rust client and the production
/// guard see for `url`, never one the environment adds.
pub fn libpq_command(tool: Tool, url: &DbUrl) -> Result<Command, ToolError> {
    let mut cmd = tools::command(tool)?;
    for var in [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGDATABASE",
        "PGUSER",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGOPTIONS",
        "PGTARGETSESSIONATTRS",
    ] {
        cmd.env_remove(var);
    }
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

/// [`RestoreError::Unreachable`] for `target`, password redacted, with the
/// hint for the cause ([`crate::engine::migrate::connect_cause`]): a refused login
/// or a missing database says so; no server at all names where the URL came
/// from and what would be used without it.
pub fn unreachable(target: &DbUrl, e: &postgres::Error) -> RestoreError {
    use crate::engine::migrate::{connect_cause, connect_hint, ConnectCause};
    let hint = match connect_cause(e) {
        ConnectCause::Unreachable | ConnectCause::Other => target.unreachable_hint(),
        cause => connect_hint(cause, target, target.source()),
    };
    RestoreError::Unreachable {
        url: target.to_string(),
        detail: redact_text(&db_error_text(e), target.expose()),
        hint,
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
    /// `prod_backup.dump` if present, else the project's synthetic dump.
    Default(Synthetic),
}

/// A project's stand-in for production when no dump is given: a generator
/// that writes a dump, cached under [`cache_dir`] by its fingerprint.
#[derive(Clone)]
pub struct Synthetic {
    /// What it is called in messages ("demo dump").
    pub name: String,
    /// Changes whenever the dump it writes would change.
    pub fingerprint: String,
    /// Writes the dump to the path, using the server for scratch work.
    #[allow(clippy::type_complexity)]
    pub write: std::sync::Arc<dyn Fn(&DbUrl, &Path) -> Result<(), crate::Error> + Send + Sync>,
}

impl Synthetic {
    /// Where its dump is cached.
    pub fn path(&self) -> PathBuf {
        let stem = self.name.replace(' ', "-");
        cache_dir().join(format!("{stem}-{}.dump", self.fingerprint))
    }
}

impl std::fmt::Debug for Synthetic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synthetic")
            .field("name", &self.name)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Synthetic {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, &self.fingerprint) == (&other.name, &other.fingerprint)
    }
}

impl Eq for Synthetic {}

/// The dump a reset will restore, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenDump {
    pub path: PathBuf,
    /// For messages: "--dump", "prod_backup.dump", "downloaded from production",
    /// "demo dump (cached)" or "demo dump (generated)".
    pub origin: String,
}

/// Resolves `source` to a dump file: downloads production, or finds
/// `prod_backup.dump`, or generates the project's synthetic dump on `server`
/// and caches it under `target/et-testdb/` (keyed by its fingerprint).
pub fn choose_dump(source: &DumpSource, server: &DbUrl) -> Result<ChosenDump, crate::Error> {
    match source {
        DumpSource::File(path) => Ok(ChosenDump {
            path: path.clone(),
            origin: "--dump".into(),
        }),
        DumpSource::DownloadRecent => {
            let prod = crate::engine::config::production_url()?.ok_or(
                crate::engine::config::ConfigError::MissingVar {
                    var: crate::engine::config::names()?.production_url_var.as_str(),
                    what: "--download-recent dumps production from it",
                },
            )?;
            let dest = PathBuf::from(PROD_BACKUP_FILE);
            download(&prod, &dest)?;
            Ok(ChosenDump {
                path: dest,
                origin: format!("downloaded from {prod}"),
            })
        }
        DumpSource::Default(synthetic) => {
            let prod = PathBuf::from(PROD_BACKUP_FILE);
            if prod.is_file() {
                return Ok(ChosenDump {
                    path: prod,
                    origin: PROD_BACKUP_FILE.into(),
                });
            }
            let path = synthetic.path();
            if path.is_file() {
                return Ok(ChosenDump {
                    path,
                    origin: format!("{} (cached)", synthetic.name),
                });
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| RestoreError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            (synthetic.write)(server, &path)?;
            Ok(ChosenDump {
                path,
                origin: format!("{} (generated)", synthetic.name),
            })
        }
    }
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
    fn staging_names_fit_identifier_limit() {
        let long = "x".repeat(63);
        let n = StagingNames::for_target(&long);
        for s in [&n.restoring, &n.ready, &n.old] {
            assert_eq!(s.len(), 63, "{s}");
        }
        let n = StagingNames::for_target("efficient_tutor_test_db");
        assert_eq!(n.restoring, "efficient_tutor_test_db__et_restoring");
        assert_eq!(n.ready, "efficient_tutor_test_db__et_ready");
        assert_eq!(n.old, "efficient_tutor_test_db__et_old");
    }

    #[test]
    fn toc_gives_format_and_tables() {
        let list = ";\n; Archive created at 2026-01-01\n;     Format: TAR\n;\n\
                    215; 1259 16385 TABLE public t postgres\n\
                    3310; 0 16385 TABLE DATA public t postgres\n\
                    3160; 2606 16390 CONSTRAINT public t t_pkey postgres\n";
        assert_eq!(
            parse_toc(list),
            Some(DumpInfo {
                format: DumpFormat::Tar,
                tables: 1
            })
        );
        let empty = ";\n;     Format: CUSTOM\n;\n";
        assert_eq!(parse_toc(empty).map(|i| i.tables), Some(0));
        assert_eq!(parse_toc("garbage"), None);
    }
}
