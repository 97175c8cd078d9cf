//! Step 2: the v0.3 migrations (`sql/v0.3_migration/NNN_<name>.sql`) and the
//! runner that applies them.
//!
//! The files are found by build.rs ([`files`] has the naming rules) and
//! embedded as [`MIGRATIONS`]; nothing lists them by hand, so a new file is
//! part of the next build. [`run_with`] and [`run_on`] take any set, which is
//! how tests try added, removed, renumbered and edited files.
//!
//! Rules (refinery's, kept): files apply in version order, each in its own
//! transaction together with its row in the history table
//! `et_testdb.migration_history` (version, name, SHA-256 checksum); applied
//! files are skipped, so a second run applies nothing. Before anything is
//! applied, the history is compared with the files ([`divergences`]): an
//! applied file that was edited, renamed or renumbered, an applied version
//! with no file, and a pending file older than an applied one are each
//! reported, all at once, naming the file and what to do. A failing file
//! rolls back completely; the error names the file, the line (the Postgres
//! error position mapped to the file's line, or the failing statement's line
//! when Postgres gives no position), the message, detail and hint. Files
//! applied before it stay recorded. A session advisory lock keeps two runners
//! apart.
//!
//! Why not refinery itself: with one transaction per migration
//! (`set_grouped(false)`), refinery_core (`traits/sync.rs`, `migrate`) runs
//! the migration's SQL and its history insert as two separate transactions,
//! so a crash between them leaves a file applied but unrecorded, and the next
//! run re-applies non-idempotent SQL (CREATE TYPE, DELETE + rebuild of
//! charges). Grouped mode puts every file in one transaction instead. Its
//! error wraps the `postgres::Error` of a whole-file `batch_execute`, which
//! gives no line for errors without a position (e.g. a foreign key that
//! existing rows violate), and it would add chrono, regex and siphasher for
//! what is ~150 lines here. The history lives in its own schema, so the
//! `public` schema stays exactly upstream's v0.3.
//!
//! Each file runs statement by statement (split by [`split_statements`],
//! which knows quotes, dollar quotes and comments) inside its transaction, so
//! an error can be tied to the statement that raised it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::error::{DbError, ErrorPosition};
use postgres::Client;
use sha2::{Digest, Sha256};

use crate::engine::config::DbUrl;
use crate::engine::project::{shown, Project};

pub mod files;

/// The schema of the history table (outside `public`, which must equal
/// upstream's v0.3 exactly; extraction and seeding ignore it).
pub const HISTORY_SCHEMA: &str = "et_testdb";

/// The history table, schema-qualified.
pub const HISTORY_TABLE: &str = "et_testdb.migration_history";

/// An arbitrary, fixed advisory-lock key ("et-testdb migrate").
const LOCK_KEY: i64 = 0x6574_7464_626d_6967;

/// One migration file, read from the project's migration directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The `NNN` prefix.
    pub version: i32,
    /// The file name, e.g. `001_sql_code.sql`.
    pub file_name: &'static str,
    /// The file's text.
    pub sql: &'static str,
}

impl Migration {
    /// The name after the version, e.g. `sql_code`.
    pub fn name(&self) -> &'static str {
        let stem = self.file_name.trim_end_matches(".sql");
        stem.split_once('_').map_or(stem, |(_, name)| name)
    }

    /// The path shown in messages, e.g. `sql/v0.3_migration/001_sql_code.sql`.
    pub fn path(&self) -> String {
        format!("{}/{}", migration_dir(), self.file_name)
    }

    /// Hex SHA-256 of the file's text.
    pub fn checksum(&self) -> String {
        hex(&Sha256::digest(self.sql.as_bytes()))
    }
}

/// The project's migration files (`[schema] migrations` of et-testdb.toml),
/// in version order, read once per process: [`files::discover`] finds
/// every `NNN_<name>.sql` file, nobody lists them by hand, and a misnamed
/// file, a gap or a duplicate version is an error naming the files. None
/// when the project has no migration directory.
pub fn migrations() -> Result<&'static [Migration], MigrateError> {
    static LOADED: OnceLock<Result<Vec<Migration>, String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let project = Project::current().map_err(|e| e.to_string())?;
            let Some(dir) = &project.schema.migrations else {
                return Ok(Vec::new());
            };
            load_dir(dir).map_err(|problems| {
                format!(
                    "the migrations in {} cannot be used:\n  {}",
                    shown(dir),
                    problems.join("\n  ")
                )
            })
        })
        .as_deref()
        .map_err(|detail| MigrateError::Files {
            detail: detail.clone(),
        })
}

/// Every migration file of `dir`, in version order (the texts live as long
/// as the process: they are read once).
pub fn load_dir(dir: &Path) -> Result<Vec<Migration>, Vec<String>> {
    let found = files::discover(dir)?;
    found
        .files
        .iter()
        .map(|f| {
            let sql = std::fs::read_to_string(&f.path)
                .map_err(|e| vec![format!("{}: {e}", f.path.display())])?;
            Ok(Migration {
                version: f.version,
                file_name: Box::leak(f.file_name.clone().into_boxed_str()),
                sql: Box::leak(sql.into_boxed_str()),
            })
        })
        .collect()
}

/// The project's baseline SQL (`[schema] baseline`): what a migration run
/// starts from. Empty when the project has none.
pub fn baseline_sql() -> Result<&'static str, MigrateError> {
    static LOADED: OnceLock<Result<String, String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let project = Project::current().map_err(|e| e.to_string())?;
            match &project.schema.baseline {
                None => Ok(String::new()),
                Some(path) => std::fs::read_to_string(path).map_err(|e| {
                    format!(
                        "the baseline {} (`[schema] baseline` of {}) cannot be read: {e}",
                        shown(path),
                        project.display_path()
                    )
                }),
            }
        })
        .as_deref()
        .map_err(|detail| MigrateError::Files {
            detail: detail.clone(),
        })
}

/// The migration directory as messages name it.
pub fn migration_dir() -> String {
    Project::current()
        .ok()
        .and_then(|p| p.schema.migrations.as_deref().map(shown))
        .unwrap_or_else(|| "the migration directory".to_string())
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// Settings each file's transaction starts with
    /// (`set_config(key, value, true)`), for migrations that read them with
    /// `current_setting(key, true)`. Default: the project file's
    /// `[migrations.settings]`, or none when no project file can be read.
    pub settings: BTreeMap<String, String>,
    /// Apply only files up to this version (all when `None`).
    pub up_to: Option<i32>,
    /// Where the URL came from (`--db-url`, `$DATABASE_URL_TEST_CLI`, …),
    /// named by the hint of a connection error. Default: "the database URL".
    pub url_source: String,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            settings: crate::engine::project::Project::current()
                .map(|p| p.migration_settings.clone())
                .unwrap_or_default(),
            up_to: None,
            url_source: "the database URL".to_string(),
        }
    }
}

/// What a run reports as it goes (the binary prints these).
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A file is already applied (checksum verified).
    AlreadyApplied(&'a Migration),
    /// A file is about to be applied.
    Applying(&'a Migration),
    /// A file was applied and recorded.
    Applied(&'a Migration, Duration),
    /// A NOTICE the file raised (e.g. a skipped sibling discount).
    Notice(&'a Migration, String),
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Files applied by this run, with their durations.
    pub applied: Vec<(&'static str, Duration)>,
    /// Files that were already applied.
    pub already_applied: usize,
}

/// Errors of step 2.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The project's migration files or baseline cannot be used.
    #[error("{detail}")]
    Files { detail: String },
    /// Could not connect; the hint follows the cause ([`ConnectCause`]).
    #[error("cannot connect to {url}: {detail}\n{hint}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The server's or the client's message.
        detail: String,
        /// What the failure means.
        cause: ConnectCause,
        /// What to do about it.
        hint: String,
        /// The error (not a `#[source]`: `detail` already shows its text).
        error: postgres::Error,
    },
    /// A database call of the runner itself (not of a migration file) failed.
    #[error("{action} failed: {}", db_text(source))]
    Db {
        action: &'static str,
        #[source]
        source: postgres::Error,
    },
    /// A migration file failed; its transaction was rolled back.
    #[error(transparent)]
    FileFailed(Box<FileFailure>),
    /// The history and the files disagree; nothing was applied.
    #[error(
        "the database's migration history ({HISTORY_TABLE}) does not match {} (nothing is applied while they disagree):\n{}\n\
         An applied migration keeps its number, name and text; a change goes into a new file after the last one. \
         To rebuild the database from scratch instead: `cargo run --bin reset`, then `cargo run --bin migrate`.",
        migration_dir(),
        .0.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n")
    )]
    Diverged(Vec<Divergence>),
}

/// One way the history table and the migration files disagree. Each
/// message names the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Divergence {
    /// An applied file's text changed.
    Edited {
        /// The file's path.
        path: String,
        /// The checksum recorded when it was applied.
        recorded: String,
        /// The file's checksum now.
        current: String,
    },
    /// An applied migration now carries another number (found by its name,
    /// else by its text).
    Renumbered {
        /// The recorded version.
        version: i32,
        /// The file name it was applied as.
        applied: String,
        /// The path it has now.
        now: String,
        /// A new file that took the old number, if any.
        taken_by: Option<String>,
    },
    /// The applied version's file now has another name: renamed (same
    /// text), or replaced by a different migration.
    Renamed {
        /// The recorded version.
        version: i32,
        /// The file name it was applied as.
        applied: String,
        /// The path holding that version now.
        now: String,
        /// Whether the text is the one applied (a plain rename).
        same_text: bool,
    },
    /// An applied version has no file.
    Removed {
        /// The recorded version.
        version: i32,
        /// The path it was applied from.
        path: String,
    },
    /// A pending file is older than an applied one.
    OutOfOrder {
        /// The pending file.
        path: String,
        /// The newest applied file.
        applied_later: String,
        /// The first version after every file and every applied one.
        next: i32,
    },
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |sum: &str| sum.chars().take(12).collect::<String>();
        match self {
            Divergence::Edited {
                path,
                recorded,
                current,
            } => write!(
                f,
                "{path} was edited after it was applied (checksum then {}…, now {}…): restore the applied \
                 text (e.g. `git checkout -- {path}`) and put the change in a new migration",
                short(recorded),
                short(current)
            ),
            Divergence::Renumbered {
                version,
                applied,
                now,
                taken_by,
            } => {
                write!(f, "{applied} was applied as version {version:03} but is now {now}")?;
                if let Some(taken_by) = taken_by {
                    write!(f, ", and {version:03} now belongs to {taken_by}")?;
                }
                write!(
                    f,
                    ": give it back its number {version:03} (renumbered, it would run twice)"
                )?;
                if taken_by.is_some() {
                    f.write_str(", and a new migration the next free number")?;
                }
                Ok(())
            }
            Divergence::Renamed {
                version,
                applied,
                now,
                same_text: true,
            } => write!(
                f,
                "{applied} (version {version:03}) was renamed to {now} after it was applied: give it back its name"
            ),
            Divergence::Renamed {
                version,
                applied,
                now,
                same_text: false,
            } => write!(
                f,
                "version {version:03} was applied as {applied}, but that number now belongs to {now}: \
                 give {applied} back its name and text, and a new migration the next free number"
            ),
            Divergence::Removed { version, path } => write!(
                f,
                "{path} is recorded as applied, but {} has no file with version {version:03}: \
                 restore the file (e.g. `git checkout -- {path}`); if a newer checkout migrated this \
                 database, migrate it with that checkout",
                migration_dir()
            ),
            Divergence::OutOfOrder {
                path,
                applied_later,
                next,
            } => write!(
                f,
                "{path} is not applied, but the later {applied_later} is: migrations apply in order, \
                 so give the new file the next free number ({next:03})"
            ),
        }
    }
}

/// Why a connection failed, as far as what to do about it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectCause {
    /// The server runs, but the database does not exist (3D000).
    MissingDatabase,
    /// The server refused the login: wrong password, unknown role, no
    /// `pg_hba.conf` entry (class 28), or a password it asked for is missing.
    Auth,
    /// Nothing answers at the address (refused, no socket, timeout, unknown host).
    Unreachable,
    /// The server is starting, stopping or out of connection slots.
    NotReady,
    /// Anything else.
    Other,
}

/// Classifies a connection error by its SQLSTATE, or by the client-side
/// failure when the server never answered.
pub fn connect_cause(e: &postgres::Error) -> ConnectCause {
    if let Some(db) = e.as_db_error() {
        return cause_of_sqlstate(db.code());
    }
    let io = std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>());
    let text = e.to_string();
    match io {
        // tokio-postgres reports `target_session_attrs` mismatches as an io
        // PermissionDenied; every other io error means no server answered.
        Some(io) if io.kind() != std::io::ErrorKind::PermissionDenied => ConnectCause::Unreachable,
        _ if text == "timeout waiting for server" => ConnectCause::Unreachable,
        _ if text == "authentication error" => ConnectCause::Auth,
        _ if std::error::Error::source(e).is_some_and(|s| s.to_string() == "password missing") => {
            ConnectCause::Auth
        }
        _ => ConnectCause::Other,
    }
}

/// The [`ConnectCause`] of a server error code.
pub fn cause_of_sqlstate(code: &postgres::error::SqlState) -> ConnectCause {
    use postgres::error::SqlState;
    if *code == SqlState::INVALID_CATALOG_NAME {
        ConnectCause::MissingDatabase
    } else if code.code().starts_with("28") {
        // 28000 invalid_authorization_specification, 28P01 invalid_password.
        ConnectCause::Auth
    } else if [
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
    ]
    .contains(code)
    {
        ConnectCause::NotReady
    } else {
        ConnectCause::Other
    }
}

/// What to do about a connection error of `cause` to `url`, whose URL came
/// from `url_source`.
pub fn connect_hint(cause: ConnectCause, url: &DbUrl, url_source: &str) -> String {
    let config = url.config();
    match cause {
        ConnectCause::MissingDatabase => format!(
            "Run `cargo run --bin reset` first to create the database {}, or fix its name in {url_source}.",
            url.dbname().unwrap_or("?")
        ),
        ConnectCause::Auth => format!(
            "The server refused the login of user {}: check the user and password in {url_source}.",
            config.get_user().unwrap_or("(none given)")
        ),
        ConnectCause::Unreachable => format!(
            "No PostgreSQL server answers at {}: check that the server runs, and the host and port in {url_source}.",
            addresses(config)
        ),
        ConnectCause::NotReady => {
            "The server is starting, stopping or out of connection slots: wait a moment and rerun.".to_string()
        }
        ConnectCause::Other => format!("Check the server and {url_source}."),
    }
}

/// `127.0.0.1:5432`, `socket /run/postgresql/.s.PGSQL.5432`, comma-separated.
fn addresses(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match h {
                postgres::config::Host::Tcp(host) if host.contains(':') => {
                    format!("[{host}]:{port}")
                }
                postgres::config::Host::Tcp(host) => format!("{host}:{port}"),
                postgres::config::Host::Unix(dir) => {
                    format!("socket {}", dir.join(format!(".s.PGSQL.{port}")).display())
                }
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where and why a migration file failed.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path}:{line}: {message}{detail}{hint}{context}\n\
     The file was rolled back; files before it stay applied. Fix the file (or the data) and rerun."
)]
pub struct FileFailure {
    /// The file's path.
    pub path: String,
    /// The line the error points at (the failing statement's first line when
    /// Postgres gives no position).
    pub line: usize,
    /// The Postgres message (with its SQLSTATE).
    pub message: String,
    /// `\n  detail: …` or empty.
    pub detail: String,
    /// `\n  hint: …` or empty.
    pub hint: String,
    /// `\n  where: …` / the failing statement, or empty.
    pub context: String,
    /// The underlying error.
    #[source]
    pub source: postgres::Error,
}

fn db_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Connects to `url` and applies the pending ones of [`MIGRATIONS`]; see
/// [`run_with`].
pub fn run(
    url: &DbUrl,
    options: &MigrateOptions,
    on_event: impl FnMut(Event<'_>),
) -> Result<Report, MigrateError> {
    run_with(url, migrations()?, options, on_event)
}

/// Connects to `url` and applies the pending ones of `migrations`; NOTICEs
/// raised by a file are reported as [`Event::Notice`].
pub fn run_with(
    url: &DbUrl,
    migrations: &[Migration],
    options: &MigrateOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Report, MigrateError> {
    let notices: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&notices);
    let mut config = url.config().clone();
    config.notice_callback(move |n: DbError| {
        sink.lock()
            .expect("notice sink poisoned")
            .push(n.message().to_string());
    });
    let mut client = config.connect(postgres::NoTls).map_err(|error| {
        let cause = connect_cause(&error);
        MigrateError::Connect {
            url: url.to_string(),
            detail: crate::engine::config::redact_text(
                &crate::engine::restore::db_error_text(&error),
                url.expose(),
            ),
            cause,
            hint: connect_hint(cause, url, &options.url_source),
            error,
        }
    })?;
    run_on(&mut client, migrations, options, |event| {
        let mut sink = notices.lock().expect("notice sink poisoned");
        match &event {
            // Whatever came before (the history table's own NOTICEs) is not a file's.
            Event::Applying(_) => sink.clear(),
            Event::Applied(m, _) => {
                for message in sink.drain(..) {
                    on_event(Event::Notice(m, message));
                }
            }
            _ => {}
        }
        drop(sink);
        on_event(event);
    })
}

/// Applies the pending ones of `migrations` (normally [`MIGRATIONS`]) over
/// an existing connection; NOTICEs go wherever that client's config sends
/// them.
pub fn run_on(
    client: &mut Client,
    migrations: &[Migration],
    options: &MigrateOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Report, MigrateError> {
    let db = |action: &'static str| move |source| MigrateError::Db { action, source };
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .map_err(db("taking the migration lock"))?;
    let result = apply_pending(client, migrations, options, &mut on_event);
    // A dropped connection releases the lock too; an error here changes nothing.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]);
    result
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The version.
    pub version: i32,
    /// The name after the version (`sql_code`).
    pub name: String,
    /// Hex SHA-256 of the text that was applied.
    pub checksum: String,
}

impl Applied {
    /// The file name it was applied from, e.g. `001_sql_code.sql`.
    pub fn file_name(&self) -> String {
        format!("{:03}_{}.sql", self.version, self.name)
    }
}

/// Every way `applied` (the history, in version order) and `migrations`
/// disagree, in version order; empty when the files only add migrations
/// after the applied ones.
pub fn divergences(applied: &[Applied], migrations: &[Migration]) -> Vec<Divergence> {
    // A file where the history expects it (same version, same name).
    let in_history = |m: &Migration| {
        applied
            .iter()
            .any(|a| a.version == m.version && a.name == m.name())
    };
    // The same migration under another number: same name, else same text,
    // among the files the history does not already account for.
    let moved_to = |a: &Applied| -> Option<&Migration> {
        let others = || {
            migrations
                .iter()
                .filter(move |m| m.version != a.version && !in_history(m))
        };
        others()
            .find(|m| m.name() == a.name)
            .or_else(|| others().find(|m| m.checksum() == a.checksum))
    };
    let in_place = |a: &Applied| {
        migrations
            .iter()
            .any(|m| m.version == a.version && m.name() == a.name)
    };
    let moved: Vec<i32> = applied
        .iter()
        .filter(|a| !in_place(a))
        .filter_map(&moved_to)
        .map(|m| m.version)
        .collect();
    let mut out = Vec::new();
    for a in applied {
        let same_version = migrations.iter().find(|m| m.version == a.version);
        match (same_version, moved_to(a)) {
            (Some(m), _) if m.name() == a.name => {
                if m.checksum() != a.checksum {
                    out.push(Divergence::Edited {
                        path: m.path(),
                        recorded: a.checksum.clone(),
                        current: m.checksum(),
                    });
                }
            }
            (same_version, Some(m)) => out.push(Divergence::Renumbered {
                version: a.version,
                applied: a.file_name(),
                now: m.path(),
                // A file that is itself a moved applied one is reported on its own line.
                taken_by: same_version
                    .filter(|s| !moved.contains(&s.version))
                    .map(Migration::path),
            }),
            (Some(m), None) => out.push(Divergence::Renamed {
                version: a.version,
                applied: a.file_name(),
                now: m.path(),
                same_text: m.checksum() == a.checksum,
            }),
            (None, None) => out.push(Divergence::Removed {
                version: a.version,
                path: format!("{}/{}", migration_dir(), a.file_name()),
            }),
        }
    }
    if let Some(last) = applied.iter().max_by_key(|a| a.version) {
        let next = migrations
            .iter()
            .map(|m| m.version)
            .chain([last.version])
            .max()
            .unwrap_or(0)
            + 1;
        for m in migrations {
            let pending = !applied.iter().any(|a| a.version == m.version);
            if pending && m.version < last.version && !moved.contains(&m.version) {
                out.push(Divergence::OutOfOrder {
                    path: m.path(),
                    applied_later: format!("{}/{}", migration_dir(), last.file_name()),
                    next,
                });
            }
        }
    }
    out
}

/// Where a database stands against a migration set (see [`state`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State<'m> {
    /// The history records every migration.
    Current,
    /// The history lacks these (in order): partly migrated, or new files.
    Pending(Vec<&'m Migration>),
    /// No history table, but the tables of the project's baseline the
    /// migrations start from: a database `migrate` has not run on.
    Unmigrated,
    /// No history table and not the baseline's tables: not a database these
    /// migrations are for.
    Unrelated,
}

/// Reads (never writes) where the database behind `client` stands against
/// `migrations`; a history that disagrees with them is
/// [`MigrateError::Diverged`].
pub fn state<'m>(
    client: &mut Client,
    migrations: &'m [Migration],
) -> Result<State<'m>, MigrateError> {
    let db = |action: &'static str| move |source| MigrateError::Db { action, source };
    if migrations.is_empty() {
        // A project without migrations: its baseline is its schema.
        return Ok(State::Current);
    }
    let has_history: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .map_err(db("looking for the history table"))?
        .get(0);
    if !has_history {
        let baseline = created_tables(baseline_sql()?);
        let present: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)",
                &[&baseline],
            )
            .map_err(db("looking for the baseline's tables"))?
            .get(0);
        let all =
            !baseline.is_empty() && usize::try_from(present).is_ok_and(|n| n == baseline.len());
        return Ok(if all {
            State::Unmigrated
        } else {
            State::Unrelated
        });
    }
    let applied = read_history(client)?;
    let problems = divergences(&applied, migrations);
    if !problems.is_empty() {
        return Err(MigrateError::Diverged(problems));
    }
    let pending: Vec<&Migration> = migrations
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .collect();
    Ok(if pending.is_empty() {
        State::Current
    } else {
        State::Pending(pending)
    })
}

/// The tables `sql` creates with `CREATE TABLE` (not temporary ones).
fn created_tables(sql: &str) -> Vec<String> {
    split_statements(sql)
        .iter()
        .filter_map(|stmt| {
            let code: String = stmt
                .text
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join(" ");
            let words: Vec<&str> = code.split_whitespace().collect();
            let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
            if upper(0)? != "CREATE" || upper(1)? != "TABLE" {
                return None;
            }
            let mut i = 2;
            if upper(2).as_deref() == Some("IF") {
                i = 5;
            }
            let name = words.get(i)?.split('(').next()?;
            let name = name.strip_prefix("public.").unwrap_or(name);
            Some(name.trim_matches('"').to_string())
        })
        .collect()
}

fn read_history(client: &mut Client) -> Result<Vec<Applied>, MigrateError> {
    Ok(client
        .query(
            &format!("SELECT version, name, checksum FROM {HISTORY_TABLE} ORDER BY version"),
            &[],
        )
        .map_err(|source| MigrateError::Db {
            action: "reading the history table",
            source,
        })?
        .iter()
        .map(|r| Applied {
            version: r.get(0),
            name: r.get(1),
            checksum: r.get(2),
        })
        .collect())
}

fn apply_pending(
    client: &mut Client,
    migrations: &[Migration],
    options: &MigrateOptions,
    on_event: &mut impl FnMut(Event<'_>),
) -> Result<Report, MigrateError> {
    let db = |action: &'static str| move |source| MigrateError::Db { action, source };
    client
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {HISTORY_SCHEMA};
             CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
                 version integer PRIMARY KEY,
                 name text NOT NULL,
                 checksum text NOT NULL,
                 applied_at timestamp with time zone NOT NULL DEFAULT now(),
                 duration_ms bigint NOT NULL
             );"
        ))
        .map_err(db("creating the history table"))?;
    let applied = read_history(client)?;
    // Every disagreement is reported at once, before anything is applied.
    let problems = divergences(&applied, migrations);
    if !problems.is_empty() {
        return Err(MigrateError::Diverged(problems));
    }
    let mut report = Report::default();
    for m in migrations
        .iter()
        .filter(|m| options.up_to.is_none_or(|up| m.version <= up))
    {
        if applied.iter().any(|a| a.version == m.version) {
            report.already_applied += 1;
            on_event(Event::AlreadyApplied(m));
            continue;
        }
        on_event(Event::Applying(m));
        let started = Instant::now();
        apply_one(client, m, &options.settings)?;
        let elapsed = started.elapsed();
        report.applied.push((m.file_name, elapsed));
        on_event(Event::Applied(m, elapsed));
    }
    Ok(report)
}

/// Applies one file and records it, in one transaction.
fn apply_one(
    client: &mut Client,
    m: &Migration,
    settings: &BTreeMap<String, String>,
) -> Result<(), MigrateError> {
    let db = |action: &'static str| move |source| MigrateError::Db { action, source };
    let started = Instant::now();
    let mut tx = client.transaction().map_err(db("starting a transaction"))?;
    for (key, value) in settings {
        tx.execute("SELECT set_config($1, $2, true)", &[key, value])
            .map_err(db("setting the project's migration settings"))?;
    }
    for stmt in split_statements(m.sql) {
        tx.batch_execute(stmt.text)
            .map_err(|source| file_failed(m, &stmt, source))?;
    }
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    tx.execute(
        &format!(
            "INSERT INTO {HISTORY_TABLE} (version, name, checksum, duration_ms)
             VALUES ($1, $2, $3, $4)"
        ),
        &[&m.version, &m.name(), &m.checksum(), &duration_ms],
    )
    .map_err(db("recording the migration"))?;
    tx.commit().map_err(db("committing the migration"))
}

fn file_failed(m: &Migration, stmt: &Statement<'_>, source: postgres::Error) -> MigrateError {
    let Some(dbe) = source.as_db_error() else {
        return MigrateError::FileFailed(Box::new(FileFailure {
            path: m.path(),
            line: stmt.line,
            message: source.to_string(),
            detail: String::new(),
            hint: String::new(),
            context: String::new(),
            source,
        }));
    };
    let line = match dbe.position() {
        Some(ErrorPosition::Original(pos)) => stmt.line_of_char(*pos as usize),
        _ => stmt.line,
    };
    let opt =
        |label: &str, v: Option<&str>| v.map(|v| format!("\n  {label}: {v}")).unwrap_or_default();
    let context = match (dbe.position(), dbe.where_()) {
        (Some(ErrorPosition::Internal { query, .. }), w) => format!(
            "\n  in: {}{}",
            query.trim(),
            opt("where", w).replace('\n', "\n  ")
        ),
        (_, Some(w)) => format!("\n  where: {}", w.replace('\n', "\n    ")),
        (_, None) => format!(
            "\n  statement (line {}): {}",
            stmt.line,
            m.sql.lines().nth(stmt.line - 1).unwrap_or("").trim()
        ),
    };
    // The usual cause of a missing table in the first file: not a database
    // of the project's baseline.
    let hint = match dbe.hint() {
        None if m.version == 1 && dbe.code() == &postgres::error::SqlState::UNDEFINED_TABLE => Some(
            "the migrations start from the project's baseline schema; restore a dump of it first (`cargo run --bin reset`)",
        ),
        other => other,
    };
    MigrateError::FileFailed(Box::new(FileFailure {
        path: m.path(),
        line,
        message: format!("{} ({})", dbe.message(), dbe.code().code()),
        detail: opt("detail", dbe.detail()),
        hint: opt("hint", hint),
        context,
        source,
    }))
}

/// One SQL statement of a file, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's text, from just after the previous `;` through its own
    /// `;` (leading comments and blank lines included, as sent to Postgres).
    pub text: &'a str,
    /// The 1-based file line where `text` begins.
    pub text_line: usize,
    /// The 1-based file line of the statement's first token.
    pub line: usize,
}

impl Statement<'_> {
    /// The file line of a 1-based character position in `text` (Postgres
    /// error positions count characters, not bytes).
    pub fn line_of_char(&self, position: usize) -> usize {
        let before = self.text.chars().take(position.saturating_sub(1));
        self.text_line + before.filter(|&c| c == '\n').count()
    }
}

/// Splits SQL into statements at top-level `;`, skipping `;` inside string
/// literals (`'…'`, `E'…'`), quoted identifiers, dollar-quoted bodies and
/// comments. Text after the last `;` that holds only whitespace and comments
/// is dropped.
pub fn split_statements(sql: &str) -> Vec<Statement<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut line = 1;
    let mut first_token_line: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let token_at = |first: &mut Option<usize>, l: usize| {
            first.get_or_insert(l);
        };
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if bytes[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            b'\'' | b'"' => {
                token_at(&mut first_token_line, line);
                let escapes = c == b'\''
                    && i > 0
                    && matches!(bytes[i - 1], b'E' | b'e')
                    && (i < 2 || !bytes[i - 2].is_ascii_alphanumeric() && bytes[i - 2] != b'_');
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if escapes => i += 1,
                        b'\n' => line += 1,
                        q if q == c => {
                            // A doubled quote is an escaped quote.
                            if bytes.get(i + 1) == Some(&c) {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                token_at(&mut first_token_line, line);
                let tag_end = sql[i + 1..]
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(end)
                        if bytes[end] == b'$'
                            && !bytes[i + 1..end].first().is_some_and(u8::is_ascii_digit) =>
                    {
                        let tag = &sql[i..=end];
                        let body = end + 1;
                        let close = sql[body..]
                            .find(tag)
                            .map_or(sql.len(), |n| body + n + tag.len());
                        line += sql[i..close].matches('\n').count();
                        i = close;
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                i += 1;
                out.push(Statement {
                    text: &sql[start..i],
                    text_line: start_line,
                    line: first_token_line.unwrap_or(line),
                });
                start = i;
                start_line = line;
                first_token_line = None;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                token_at(&mut first_token_line, line);
                i += 1;
            }
        }
    }
    if first_token_line.is_some() {
        out.push(Statement {
            text: &sql[start..],
            text_line: start_line,
            line: first_token_line.unwrap_or(line),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_quoted_semicolons_and_lines() {
        let sql = "-- a; comment\nCREATE TABLE a (x text DEFAULT ';');\n\n/* b; */ DO $$ BEGIN PERFORM 1; END; $$;\nSELECT 'it''s;', E'\\';', \"a;b\" FROM t;\n-- trailing; comment\n";
        let stmts = split_statements(sql);
        let lines: Vec<usize> = stmts.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 4, 5], "{stmts:#?}");
        assert!(stmts[1].text.contains("PERFORM 1; END; $$;"));
        assert!(stmts[2].text.trim_start().starts_with("SELECT"));
        // Character 1 of the second statement's text is the newline after `;`.
        assert_eq!(stmts[1].line_of_char(1), 2);
        assert_eq!(stmts[1].line_of_char(3), 4);
    }

    #[test]
    fn split_handles_tagged_dollar_quotes() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $$ x $$; $fn$ LANGUAGE sql;\nSELECT $1;";
        let stmts = split_statements(sql);
        assert_eq!(stmts.len(), 2, "{stmts:#?}");
        assert_eq!(stmts[1].line, 2);
    }

    fn m(version: i32, file_name: &'static str, sql: &'static str) -> Migration {
        Migration {
            version,
            file_name,
            sql,
        }
    }

    fn applied(of: &[Migration]) -> Vec<Applied> {
        of.iter()
            .map(|m| Applied {
                version: m.version,
                name: m.name().to_string(),
                checksum: m.checksum(),
            })
            .collect()
    }

    #[test]
    fn divergences_name_each_changed_file() {
        let old = [
            m(1, "001_a.sql", "A;"),
            m(2, "002_b.sql", "B;"),
            m(3, "003_c.sql", "C;"),
        ];
        let history = applied(&old);
        // Adding a file after the others is not a divergence.
        let mut added = old.to_vec();
        added.push(m(4, "004_d.sql", "D;"));
        assert_eq!(divergences(&history, &added), []);

        let removed = &old[..2];
        assert_eq!(
            divergences(&history, removed),
            [Divergence::Removed {
                version: 3,
                path: "sql/v0.3_migration/003_c.sql".into()
            }]
        );

        let edited = [old[0], m(2, "002_b.sql", "B2;"), old[2]];
        assert!(matches!(
            &divergences(&history, &edited)[..],
            [Divergence::Edited { path, .. }] if path == "sql/v0.3_migration/002_b.sql"
        ));

        let renamed = [old[0], m(2, "002_bee.sql", "B;"), old[2]];
        assert!(matches!(
            &divergences(&history, &renamed)[..],
            [Divergence::Renamed {
                version: 2,
                same_text: true,
                ..
            }]
        ));

        // A new file pushed in as 002: 002 and 003 moved up by one.
        let shifted = [
            old[0],
            m(2, "002_new.sql", "N;"),
            m(3, "003_b.sql", "B;"),
            m(4, "004_c.sql", "C;"),
        ];
        let found = divergences(&history, &shifted);
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 2, "{text:#?}");
        assert!(
            text[0].starts_with(
                "002_b.sql was applied as version 002 but is now sql/v0.3_migration/003_b.sql, \
                 and 002 now belongs to sql/v0.3_migration/002_new.sql"
            ),
            "{text:#?}"
        );
        assert!(
            text[1].starts_with(
                "003_c.sql was applied as version 003 but is now sql/v0.3_migration/004_c.sql:"
            ),
            "{text:#?}"
        );

        // A pending file older than an applied one.
        let history = applied(&[old[0], old[2]]);
        let found = divergences(&history, &old);
        assert!(matches!(
            &found[..],
            [Divergence::OutOfOrder { path, next: 4, .. }] if path == "sql/v0.3_migration/002_b.sql"
        ));
    }

    #[test]
    fn connection_errors_are_classified_by_sqlstate() {
        use postgres::error::SqlState;
        for (code, cause) in [
            (SqlState::INVALID_PASSWORD, ConnectCause::Auth),
            (
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                ConnectCause::Auth,
            ),
            (
                SqlState::INVALID_CATALOG_NAME,
                ConnectCause::MissingDatabase,
            ),
            (SqlState::CANNOT_CONNECT_NOW, ConnectCause::NotReady),
            (SqlState::TOO_MANY_CONNECTIONS, ConnectCause::NotReady),
            (SqlState::SYNTAX_ERROR, ConnectCause::Other),
        ] {
            assert_eq!(cause_of_sqlstate(&code), cause, "{}", code.code());
        }
        let url = DbUrl::parse("postgresql://bob:hunter2@db.example:6543/x_test", "t").unwrap();
        let hint = connect_hint(ConnectCause::Auth, &url, "DATABASE_URL_TEST_CLI in .env");
        assert_eq!(
            hint,
            "The server refused the login of user bob: check the user and password in DATABASE_URL_TEST_CLI in .env."
        );
        let hint = connect_hint(ConnectCause::Unreachable, &url, "--db-url");
        assert!(
            hint.contains("db.example:6543") && hint.contains("--db-url"),
            "{hint}"
        );
        assert!(!hint.contains("reset"));
        let hint = connect_hint(ConnectCause::MissingDatabase, &url, "--db-url");
        assert_eq!(
            hint,
            "Run `cargo run --bin reset` first to create the database x_test, or fix its name in --db-url."
        );
    }

    #[test]
    fn the_baseline_tables_are_found() {
        let tables = created_tables(crate::efficient_tutor::demo::BASELINE_SQL);
        assert!(tables.len() >= 10, "{tables:?}");
        assert!(tables.iter().any(|t| t == "users") && tables.iter().any(|t| t == "tuitions"));
        assert_eq!(
            created_tables("-- x\nCREATE TABLE IF NOT EXISTS public.\"a\" (x int);\nCREATE TEMP TABLE t (x int);\ncreate table b(x int);"),
            ["a", "b"]
        );
    }

    #[test]
    fn embedded_files_are_numbered_in_order() {
        for (i, m) in migrations().unwrap().iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.file_name);
            assert!(m.file_name.starts_with(&format!("{:03}_", m.version)));
        }
    }
}
