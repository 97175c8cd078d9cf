//! The demo production database: a deterministic, synthetic EfficientTutor
//! v0.2 database with realistic volume and realistic (fake) PII, for machines
//! that have no production dump.
//!
//! [`generate`] loads `sql/v0.2_baseline.sql` into an empty database and
//! COPYs every row in one transaction; [`write_dump`] does that in a scratch
//! database and writes it with `pg_dump -Fc`, the format `reset` restores.
//! [`fingerprint`] names a dump by generator version, baseline and options so
//! a cached dump is rebuilt when any of them changes. The rows are built in
//! `model` (pure; the same seed gives the same rows) and written by
//! `copy`. The data meets every precondition of the v0.3 migrations
//! (schema-facts.md §2.5); `tests/demo.rs` checks each one in SQL.

mod copy;
mod model;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::engine::config::DbUrl;
use crate::engine::tools::{self, Tool, ToolError};

/// The v0.2 production schema the demo data is loaded into.
pub const BASELINE_SQL: &str = include_str!("../../../sql/v0.2_baseline.sql");

/// Bump when the generated rows change for reasons the source hash cannot see.
const GENERATOR_VERSION: &str = "demo-v1";

/// The hard-coded production teacher every v0.3 migration step assigns
/// logs, notes and enrolments to. It exists in users and teachers.
pub const DEFAULT_TEACHER_ID: Uuid = uuid::uuid!("dcef54de-bc89-4388-a7a8-dba5d8327447");

/// The sibling students (first, last) that migration step 12 discounts by
/// name: same parent, same last name, grade 8, and logs that charge both.
pub const DISCOUNT_SIBLINGS: [(&str, &str); 2] = [("Yara", "Haddad"), ("Ziad", "Haddad")];

/// First names of the six staff users (the default teacher first, three more
/// teachers, two admin-role users). Each is unique among all users, because
/// upstream's password step finds staff accounts by first name.
pub const STAFF_FIRST_NAMES: [&str; 6] = ["Tarek", "Mona", "Sherif", "Dalia", "Hossam", "Rania"];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seeds every random choice; the same seed gives identical rows.
    pub seed: u64,
    /// Volume multiplier: 1 is about 400 users and 5000 tuition logs; every
    /// table except the owner's single-person scheduler settings grows with it.
    pub scale: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 20_251_115,
            scale: 1,
        }
    }
}

/// Rows written per table.
pub type DemoCounts = std::collections::BTreeMap<String, u64>;

/// Errors of the demo generator.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// `--scale 0`.
    #[error("the demo scale must be at least 1 (got 0)")]
    ZeroScale,
    /// The target already has tables.
    #[error(
        "database {db} is not empty ({tables} tables in schema public); the demo generator \
         only fills an empty database. Drop and recreate it, or use write_dump / `cargo run --bin demo`, \
         which build in a scratch database"
    )]
    NotEmpty { db: String, tables: i64 },
    /// Running a statement failed.
    #[error("the demo generator failed while {action}: {reason}")]
    Db { action: String, reason: String },
    /// `sql/v0.2_baseline.sql` did not load.
    #[error("sql/v0.2_baseline.sql failed to load: {reason}")]
    Baseline { reason: String },
    /// COPY into a table failed.
    #[error("writing the demo rows of table {table} failed: {reason}")]
    Copy { table: String, reason: String },
    /// pg_dump is missing or could not start.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// pg_dump ran and failed.
    #[error("pg_dump of the demo database {db} failed: {stderr}")]
    Dump { db: String, stderr: String },
    /// The dump file could not be written or moved into place.
    #[error("cannot write the demo dump {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A PostgreSQL error as one line: message, detail, hint, and where.
pub(crate) fn pg_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" (detail: {d})"));
            }
            if let Some(h) = db.hint() {
                s.push_str(&format!(" (hint: {h})"));
            }
            if let Some(w) = db.where_() {
                s.push_str(&format!(" (where: {w})"));
            }
            s
        }
        // Connection errors keep the useful part (e.g. "Connection refused")
        // in their source.
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

fn db_err(action: &str) -> impl FnOnce(postgres::Error) -> DemoError + '_ {
    move |e| DemoError::Db {
        action: action.to_string(),
        reason: pg_text(&e),
    }
}

/// Creates the v0.2 baseline schema in the EMPTY database `client` is
/// connected to and fills it with the demo rows, in one transaction.
/// Returns the rows written per table.
pub fn generate(
    client: &mut postgres::Client,
    opts: &DemoOptions,
) -> Result<DemoCounts, DemoError> {
    if opts.scale == 0 {
        return Err(DemoError::ZeroScale);
    }
    let row = client
        .query_one(
            "SELECT current_database()::text, \
             (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')",
            &[],
        )
        .map_err(db_err("checking that the database is empty"))?;
    let (db, tables): (String, i64) = (row.get(0), row.get(1));
    if tables > 0 {
        return Err(DemoError::NotEmpty { db, tables });
    }
    let data = model::build(opts);
    let mut tx = client
        .transaction()
        .map_err(db_err("starting the transaction"))?;
    tx.batch_execute(BASELINE_SQL)
        .map_err(|e| DemoError::Baseline {
            reason: pg_text(&e),
        })?;
    // Per-row foreign-key triggers dominate COPY time at large scales, so
    // the foreign keys are dropped for the load and re-added afterwards with
    // the same names and definitions (as pg_restore does); re-adding checks
    // every row with one join each.
    let fks: Vec<(String, String, String)> = tx
        .query(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) \
             FROM pg_constraint \
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace \
             ORDER BY 1, 2",
            &[],
        )
        .map_err(db_err("reading the baseline's foreign keys"))?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (table, name, _) in &fks {
        tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
            .map_err(db_err(&format!("dropping {name} for the load")))?;
    }
    let counts = copy::load(&mut tx, &data)?;
    for (table, name, definition) in &fks {
        tx.batch_execute(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ))
        .map_err(db_err(&format!(
            "re-adding {name} on {table}: the demo rows break it"
        )))?;
    }
    tx.commit().map_err(db_err("committing the demo rows"))?;
    Ok(counts)
}

/// The demo database as the restore step's stand-in for production.
pub fn synthetic(opts: DemoOptions) -> crate::engine::restore::Synthetic {
    crate::engine::restore::Synthetic {
        name: "demo dump".to_string(),
        fingerprint: fingerprint(&opts),
        write: std::sync::Arc::new(move |server, path| {
            write_dump(server, path, &opts)?;
            Ok(())
        }),
    }
}

/// A 16-hex-digit name for the dump of `opts`: it changes with the generator
/// version, its sources, the baseline schema and the options.
pub fn fingerprint(opts: &DemoOptions) -> String {
    let mut h = Sha256::new();
    for part in [
        GENERATOR_VERSION,
        BASELINE_SQL,
        include_str!("mod.rs"),
        include_str!("model.rs"),
        include_str!("copy.rs"),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(opts.seed.to_le_bytes());
    h.update(opts.scale.to_le_bytes());
    model::hex(&h.finalize()[..8])
}

/// Generates the demo database on the server of `server` (any database URL
/// of that server) in a scratch database, writes it to `out` with
/// `pg_dump -Fc`, and drops the scratch database whatever happens. `out` is
/// replaced only when the dump succeeded.
pub fn write_dump(server: &DbUrl, out: &Path, opts: &DemoOptions) -> Result<DemoCounts, DemoError> {
    static BUILDS: AtomicU32 = AtomicU32::new(0);
    let scratch = format!(
        "et_testdb_demo_build_{}_{}",
        std::process::id(),
        BUILDS.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = match server.connect() {
        Ok(c) => c,
        // The named database may not exist yet (e.g. before the first reset).
        Err(_) => server
            .with_dbname("postgres")
            .connect()
            .map_err(db_err(&format!("connecting to {server}")))?,
    };
    // One statement per call: a multi-statement string runs as one
    // transaction, where DROP/CREATE DATABASE are not allowed.
    for sql in [
        format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"),
        format!("CREATE DATABASE {scratch}"),
    ] {
        admin
            .batch_execute(&sql)
            .map_err(db_err(&format!("creating the scratch database {scratch}")))?;
    }
    let built = build_and_dump(&server.with_dbname(&scratch), out, opts);
    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        .map_err(db_err(&format!("dropping the scratch database {scratch}")));
    let counts = built?;
    dropped?;
    Ok(counts)
}

fn build_and_dump(db: &DbUrl, out: &Path, opts: &DemoOptions) -> Result<DemoCounts, DemoError> {
    let mut client = db
        .connect()
        .map_err(db_err(&format!("connecting to {db}")))?;
    let counts = generate(&mut client, opts)?;
    drop(client);

    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let tmp = tempfile::Builder::new()
        .prefix(".demo-")
        .suffix(".dump.partial")
        .tempfile_in(&dir)
        .map_err(io(&dir))?;
    let mut cmd = tools::command(Tool::PgDump)?;
    cmd.arg("--format=custom")
        .arg("--file")
        .arg(tmp.path())
        .arg("--dbname")
        .arg(db.without_password());
    if let Some(pw) = db.password() {
        cmd.env("PGPASSWORD", pw);
    }
    let output = tools::output(&mut cmd)?;
    if !output.status.success() {
        return Err(DemoError::Dump {
            db: db.to_string(),
            stderr: crate::engine::config::redact_text(&tools::stderr_text(&output), db.expose()),
        });
    }
    // tempfile creates 0600; a dump is no secret and others restore it.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(io(tmp.path()))?;
    }
    tmp.persist(out).map_err(|e| DemoError::Io {
        path: out.to_path_buf(),
        source: e.error,
    })?;
    Ok(counts)
}
