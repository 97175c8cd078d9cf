//! Step 2: the v0.3 migrations (`sql/v0.3_migration/NNN_<name>.sql`) and the
//! runner that applies them.
//!
//! Rules (refinery's, kept): files apply in version order, each in its own
//! transaction together with its row in the history table
//! `et_testdb.migration_history` (version, name, SHA-256 checksum); applied
//! files are skipped, so a second run applies nothing; an applied file whose
//! checksum changed, an applied version with no file, and a pending file
//! older than an applied one are errors that name the file. A failing file
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

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::error::{DbError, ErrorPosition};
use postgres::Client;
use sha2::{Digest, Sha256};

use crate::config::DbUrl;

/// Where the migration files live, relative to the crate root (for messages).
pub const MIGRATION_DIR: &str = "sql/v0.3_migration";

/// The schema of the history table (outside `public`, which must equal
/// upstream's v0.3 exactly; extraction and seeding ignore it).
pub const HISTORY_SCHEMA: &str = "et_testdb";

/// The history table, schema-qualified.
pub const HISTORY_TABLE: &str = "et_testdb.migration_history";

/// The setting file 012 reads the sibling-discount names from.
pub const DISCOUNT_SIBLINGS_SETTING: &str = "et_testdb.discount_siblings";

/// An arbitrary, fixed advisory-lock key ("et-testdb migrate").
const LOCK_KEY: i64 = 0x6574_7464_626d_6967;

/// One embedded migration file.
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
        format!("{MIGRATION_DIR}/{}", self.file_name)
    }

    /// Hex SHA-256 of the file's text.
    pub fn checksum(&self) -> String {
        hex(&Sha256::digest(self.sql.as_bytes()))
    }
}

macro_rules! migrations {
    ($($version:literal => $file:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            file_name: $file,
            sql: include_str!(concat!("../sql/v0.3_migration/", $file)),
        }),*]
    };
}

/// Every migration, in order, embedded at compile time so the binary does
/// not depend on the working directory. `tests/migrate.rs` checks that this
/// list equals the directory's contents.
pub static MIGRATIONS: &[Migration] = migrations![
    1 => "001_sql_code.sql",
    2 => "002_subject_migration.sql",
    3 => "003_availability_migration.sql",
    4 => "004_add_teacher_to_subjects.sql",
    5 => "005_create_admins_table.sql",
    6 => "006_teacher_specialty_migration.sql",
    7 => "007_student_subject_educational_system.sql",
    8 => "008_grade_migration.sql",
    9 => "009_generalize_availability.sql",
    10 => "010_add_student_educational_system.sql",
    11 => "011_create_timetable_solutions.sql",
    12 => "012_tuition_log_entry_fix.sql",
    13 => "013_fix_tuition_ids.sql",
    14 => "014_synthesize_timetable.sql",
];

/// Options of a run.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// The two sibling students (first, last name) who get the discount in
    /// file 012. Default: the demo database's, `demo::DISCOUNT_SIBLINGS`.
    pub discount_siblings: Vec<(String, String)>,
    /// Apply only files up to this version (all when `None`).
    pub up_to: Option<i32>,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            discount_siblings: crate::demo::DISCOUNT_SIBLINGS
                .iter()
                .map(|(first, last)| (first.to_string(), last.to_string()))
                .collect(),
            up_to: None,
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
    /// Could not connect.
    #[error("cannot connect to {url}: {}\nRun `cargo run --bin reset` first to create the test database.", db_text(source))]
    Connect {
        url: String,
        #[source]
        source: postgres::Error,
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
    /// An applied file was edited afterwards.
    #[error(
        "{path} was edited after it was applied (recorded checksum {recorded}, file now {current}).\n\
         Applied migrations must not change: restore the file, or reset the database and migrate again."
    )]
    Edited {
        path: String,
        recorded: String,
        current: String,
    },
    /// The history names a version that no embedded file has.
    #[error(
        "the database records migration {version} ({name}) as applied, but {MIGRATION_DIR} has no such file.\n\
         The database was migrated by a different version of et-testdb: reset it and migrate again."
    )]
    UnknownApplied { version: i32, name: String },
    /// A pending file is older than an applied one.
    #[error(
        "{path} is not applied, but the later migration {applied_later} is.\n\
         Migrations apply in order: give the new file a number after {applied_later}, or reset the database."
    )]
    OutOfOrder { path: String, applied_later: String },
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

/// Connects to `url` and applies the pending migrations; NOTICEs raised by
/// a file are reported as [`Event::Notice`].
pub fn run(
    url: &DbUrl,
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
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|source| MigrateError::Connect {
            url: url.to_string(),
            source,
        })?;
    run_on(&mut client, MIGRATIONS, options, |event| {
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
    let applied: Vec<(i32, String, String)> = client
        .query(
            &format!("SELECT version, name, checksum FROM {HISTORY_TABLE} ORDER BY version"),
            &[],
        )
        .map_err(db("reading the history table"))?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();

    let mut report = Report::default();
    for (version, name, checksum) in &applied {
        let Some(m) = migrations.iter().find(|m| m.version == *version) else {
            return Err(MigrateError::UnknownApplied {
                version: *version,
                name: name.clone(),
            });
        };
        if *checksum != m.checksum() || name != m.name() {
            return Err(MigrateError::Edited {
                path: m.path(),
                recorded: checksum.clone(),
                current: m.checksum(),
            });
        }
    }
    let last_applied = applied.iter().map(|a| a.0).max();
    let siblings = serde_json::to_string(
        &options
            .discount_siblings
            .iter()
            .map(|(f, l)| [f, l])
            .collect::<Vec<_>>(),
    )
    .expect("names serialize");

    for m in migrations
        .iter()
        .filter(|m| options.up_to.is_none_or(|up| m.version <= up))
    {
        if applied.iter().any(|a| a.0 == m.version) {
            report.already_applied += 1;
            on_event(Event::AlreadyApplied(m));
            continue;
        }
        if let Some(later) = last_applied.filter(|&v| v > m.version) {
            let later = migrations
                .iter()
                .find(|x| x.version == later)
                .expect("checked");
            return Err(MigrateError::OutOfOrder {
                path: m.path(),
                applied_later: later.path(),
            });
        }
        on_event(Event::Applying(m));
        let started = Instant::now();
        apply_one(client, m, &siblings)?;
        let elapsed = started.elapsed();
        report.applied.push((m.file_name, elapsed));
        on_event(Event::Applied(m, elapsed));
    }
    Ok(report)
}

/// Applies one file and records it, in one transaction.
fn apply_one(client: &mut Client, m: &Migration, siblings: &str) -> Result<(), MigrateError> {
    let db = |action: &'static str| move |source| MigrateError::Db { action, source };
    let started = Instant::now();
    let mut tx = client.transaction().map_err(db("starting a transaction"))?;
    tx.execute(
        "SELECT set_config($1, $2, true)",
        &[&DISCOUNT_SIBLINGS_SETTING, &siblings],
    )
    .map_err(db("setting et_testdb.discount_siblings"))?;
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
    // The usual cause of a missing table in the first file: not a v0.2 database.
    let hint = match dbe.hint() {
        None if m.version == 1 && dbe.code() == &postgres::error::SqlState::UNDEFINED_TABLE => Some(
            "the migrations start from a v0.2 database; restore one first (`cargo run --bin reset`)",
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

    #[test]
    fn embedded_files_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.file_name);
            assert!(m.file_name.starts_with(&format!("{:03}_", m.version)));
        }
    }
}
