//! The `cargo test` harness: a fresh, seeded database per test.
//!
//! [`test_db`] returns a [`TestDb`]: a `CREATE DATABASE … TEMPLATE` clone of
//! a template that holds the v0.3 schema (the v0.2 baseline plus every
//! migration, applied to an empty database) and every row of the merged
//! seed plan ([`crate::engine::plan::seed_plan`]), seeded with the template's build
//! moment as "now".
//!
//! The template is named after a fingerprint of the baseline, the migration
//! files, the seed plan and the UTC day (relative timestamps must stay
//! relative to the day the tests run), so it is built once and every test
//! process reuses it: threads of `cargo test` through a per-process
//! `OnceLock`, the processes of `cargo nextest run` by finding it on the
//! server. The first process builds it under a PostgreSQL advisory lock,
//! into a temporary name that is renamed only when complete, then marked
//! `IS_TEMPLATE` and `ALLOW_CONNECTIONS false` (a connection to a template
//! would make every clone wait). Templates of other fingerprints are dropped
//! by the next build once they are 15 minutes old, so a run that crosses
//! midnight, or another checkout sharing the server, keeps its own
//! meanwhile.
//!
//! The server is the embedded cluster ([`crate::engine::cluster`]), or the one named
//! by `TEST_DATABASE_URL` (environment or `.env`; any database on that
//! server). When the template exists, a process pays one connection and one
//! query before its first clone: no lock, no `pg_ctl`.
//!
//! A small pool of clones made ahead of time, shared on the server by every
//! process, turns most clones into a rename: `ET_TESTDB_POOL` sets its size
//! (default 3, 0 turns it off); see `pool.rs`.
//!
//! A test's database is dropped when the test passes, and kept, with its
//! name and a psql command printed, when it fails.
//!
//! Stale fixtures: when the schema the SQL files produce differs from the
//! schema `generated/` was extracted from, every test fails with one message
//! listing the differences and naming `cargo run --bin extract`. The
//! comparison is done once, when the template is built, and its outcome is
//! stored in the template's comment.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::error::SqlState;
use postgres::Client;
use sha2::{Digest, Sha256};

use crate::engine::cluster::Cluster;
use crate::engine::config::{self, DbUrl};
use crate::engine::merge::{ColumnMeta, TableMeta};
use crate::engine::restore::{db_error_text, quote_ident};
use crate::engine::{migrate, plan, seed};

mod pool;
pub mod registry;
pub use pool::{DEFAULT_POOL_SIZE, POOL_PREFIX, POOL_SIZE_VAR};

/// The environment variable (or `.env` key) naming the server test
/// databases are created on; unset means the embedded cluster.
pub const TEST_DATABASE_URL_VAR: &str = "TEST_DATABASE_URL";
/// Every template's name starts with this, followed by its fingerprint.
pub const TEMPLATE_PREFIX: &str = "et_testdb_tpl_";
/// Every test database's name starts with this.
pub const CLONE_PREFIX: &str = "et_test_";
/// The command that brings `generated/` up to date.
pub const EXTRACT_COMMAND: &str = "cargo run --bin extract";

/// The code that builds a template, part of its fingerprint: a change to
/// how it is built (or seeded, or migrated) makes a new one.
const BUILDER_SOURCES: [&str; 3] = [
    include_str!("mod.rs"),
    include_str!("../seed.rs"),
    include_str!("../migrate/mod.rs"),
];
/// An arbitrary, fixed advisory-lock key ("et-testdb template").
const BUILD_LOCK_KEY: i64 = 0x6574_7464_6274_706c;
/// Templates of other fingerprints younger than this are left alone: another
/// process (a run that started before midnight, another checkout sharing
/// the server) may still be cloning them. Short, because on tmpfs every
/// template kept costs memory.
const STALE_AFTER_SECS: i64 = 15 * 60;
/// The pools of other templates go sooner: without them a straggler only
/// pays a clone.
const POOL_STALE_AFTER_SECS: i64 = 2 * 60;
/// The catalog query of the stale-fixture check.
const COLUMNS_SQL: &str = include_str!("columns.sql");

/// Why no test database could be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TestingError {
    /// `TEST_DATABASE_URL` is set but unusable.
    #[error("{TEST_DATABASE_URL_VAR} cannot be used: {detail}")]
    Config { detail: String },
    /// The server for test databases cannot be reached or started.
    #[error("cannot reach the server for test databases ({server}): {detail}\n{advice}")]
    Server {
        server: String,
        detail: String,
        advice: String,
    },
    /// Building a seeded database (the template, or one built the slow way)
    /// failed.
    #[error("building the seeded database {database} failed while {step}:\n{detail}")]
    Build {
        database: String,
        step: &'static str,
        detail: String,
    },
    /// `generated/` was extracted from another schema than `sql/` produces.
    #[error("{}", stale_message(.differences))]
    StaleFixtures { differences: Vec<String> },
    /// Creating, connecting to or dropping a test database failed.
    #[error("test database {name}: {action} failed: {detail}")]
    Database {
        name: String,
        action: &'static str,
        detail: String,
    },
}

fn stale_message(differences: &[String]) -> String {
    let mut s = format!(
        "the fixtures in generated/ were extracted from another schema than sql/ produces \
         (v0.2 baseline + v0.3 migrations); {} difference{}:\n",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    for d in differences {
        s.push_str(&format!("  - {d}\n"));
    }
    s.push_str(&format!(
        "Re-extract the fixtures with `{EXTRACT_COMMAND}`, then run the tests again."
    ));
    s
}

/// A fresh database for one test, seeded with every fixture row. Panics
/// with the reason (and what to do) when none can be made.
///
/// ```no_run
/// let db = et_testdb::test_db();
/// let mut client = db.client();
/// let n: i64 = client.query_one("SELECT count(*) FROM users", &[]).unwrap().get(0);
/// # let _ = n;
/// ```
pub fn test_db() -> TestDb {
    match try_test_db() {
        Ok(db) => db,
        Err(e) => panic!("et-testdb: no test database: {e}"),
    }
}

/// [`test_db`], returning the reason instead of panicking.
pub fn try_test_db() -> Result<TestDb, TestingError> {
    template()?.create_db()
}

/// The process's template, found or built on first use; every later call
/// returns the same one (or the same error).
pub fn template() -> Result<Arc<Template>, TestingError> {
    static TEMPLATE: OnceLock<Result<Arc<Template>, TestingError>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| Template::prepare().map(Arc::new))
        .clone()
}

/// Where test databases are created: the admin URL (a database on the
/// server to run `CREATE DATABASE` from).
#[derive(Debug, Clone)]
pub struct Server {
    admin: DbUrl,
    embedded: bool,
}

impl Server {
    /// `TEST_DATABASE_URL` (environment or `.env`), else the embedded
    /// cluster, started only if connecting to it fails. Returns a connection
    /// to the admin database too, since finding the server needed one.
    pub fn from_env() -> Result<(Server, Client), TestingError> {
        let configured =
            config::env_or_dotenv(TEST_DATABASE_URL_VAR).map_err(|e| TestingError::Config {
                detail: e.to_string(),
            })?;
        match configured {
            Some((raw, source)) => {
                let admin = DbUrl::parse(&raw, &source).map_err(|e| TestingError::Config {
                    detail: e.to_string(),
                })?;
                refuse_production(&admin)?;
                let client = admin.connect().map_err(|e| TestingError::Server {
                    server: admin.to_string(),
                    detail: config::redact_text(&db_error_text(&e), admin.expose()),
                    advice: admin.unreachable_hint(),
                })?;
                let server = Server {
                    admin,
                    embedded: false,
                };
                Ok((server, client))
            }
            None => Self::embedded(),
        }
    }

    /// The embedded cluster; `pg_ctl` runs only when its socket does not
    /// answer.
    pub fn embedded() -> Result<(Server, Client), TestingError> {
        let unreachable = |detail: String| {
            TestingError::Server {
            server: "the embedded cluster".into(),
            detail,
            advice: format!(
                "See `cargo run --bin cluster -- status`, or set {TEST_DATABASE_URL_VAR} to use another server."
            ),
        }
        };
        let located = Cluster::locate().map_err(|e| unreachable(e.to_string()))?;
        let admin = located.url("postgres");
        let client = match admin.connect() {
            Ok(c) => c,
            Err(_) => {
                let cluster = Cluster::ensure().map_err(|e| unreachable(e.to_string()))?;
                cluster
                    .url("postgres")
                    .connect()
                    .map_err(|e| unreachable(db_error_text(&e)))?
            }
        };
        let server = Server {
            admin,
            embedded: true,
        };
        Ok((server, client))
    }

    /// The admin database's URL.
    pub fn admin_url(&self) -> &DbUrl {
        &self.admin
    }

    /// Whether this is the embedded cluster.
    pub fn is_embedded(&self) -> bool {
        self.embedded
    }
}

/// Test databases are created and dropped freely: never on production's
/// server, nor on one the guard cannot tell from it.
fn refuse_production(admin: &DbUrl) -> Result<(), TestingError> {
    let prod = config::production_url().map_err(|e| TestingError::Config {
        detail: e.to_string(),
    })?;
    let Some(prod) = prod else { return Ok(()) };
    let problem = match admin.compare_server(&prod, &config::ClientEnv::from_env()) {
        config::Sameness::Same { shared } => format!(
            "{admin} is on the production server ({prod}, from {}: {shared})",
            prod.source()
        ),
        config::Sameness::Undecided { reason } => format!(
            "cannot tell whether {admin} is on the production server ({prod}, from {}): {reason}",
            prod.source()
        ),
        config::Sameness::Different => return Ok(()),
    };
    Err(TestingError::Config {
        detail: format!(
            "{problem}; test databases are created and dropped there. \
             Point {TEST_DATABASE_URL_VAR} at a test server."
        ),
    })
}

/// What a template records about itself, in its database comment.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct TemplateNote {
    /// Seconds since the Unix epoch.
    built_at: i64,
    /// The stale-fixture check's findings (empty: seeded and current).
    differences: Vec<String>,
}

/// The seeded template test databases are cloned from, plus a few admin
/// connections to clone and drop with.
pub struct Template {
    server: Server,
    name: String,
    build_time: Option<Duration>,
    admins: Mutex<Vec<Client>>,
    pool: pool::Pool,
    /// Appended to every `CREATE DATABASE … TEMPLATE`.
    clone_options: &'static str,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("server", &self.server)
            .field("name", &self.name)
            .field("build_time", &self.build_time)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Finds (or builds) today's template on the server of
    /// [`Server::from_env`], with a pool of the size `ET_TESTDB_POOL` asks.
    pub fn prepare() -> Result<Template, TestingError> {
        let (server, admin) = Server::from_env()?;
        Template::prepare_on(server, admin, &template_name(), pool::size_from_env())
    }

    /// Finds template `name` on `server`, building it if absent; `admin` is
    /// a connection to the server's admin database. `pool_size` clones are
    /// kept ready (0: none).
    pub fn prepare_on(
        server: Server,
        mut admin: Client,
        name: &str,
        pool_size: usize,
    ) -> Result<Template, TestingError> {
        let build_time = ensure_template(&mut admin, &server, name)?;
        registry::ensure_table(&mut admin).map_err(|e| TestingError::Build {
            database: registry::TABLE.to_string(),
            step: "creating the record of test databases",
            detail: db_error_text(&e),
        })?;
        let version: i32 = admin
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .map_err(|e| TestingError::Build {
                database: name.to_string(),
                step: "reading the server version",
                detail: db_error_text(&e),
            })?
            .get(0);
        // On the embedded cluster (tmpfs, fsync off) the checkpoints of
        // FILE_COPY are nearly free, and copying files beats WAL-logging
        // every block: measured 25% faster alone, 40% with 8 clones at
        // once. Elsewhere those checkpoints may flush a busy server, so
        // the server's default (WAL_LOG) stays.
        let clone_options = if server.embedded && version >= 150_000 {
            " STRATEGY FILE_COPY"
        } else {
            ""
        };
        let template = Template {
            pool: pool::Pool::new(server.admin.clone(), name, pool_size, clone_options),
            clone_options,
            server,
            name: name.to_string(),
            build_time,
            admins: Mutex::new(vec![admin]),
        };
        // Fill the pool while the first test takes the slow path.
        template.pool.request_refill();
        Ok(template)
    }

    /// The template database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server it lives on.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// How long building it took, when this process built it.
    pub fn build_time(&self) -> Option<Duration> {
        self.build_time
    }

    /// Waits (at most `timeout`) for the pool's refills to finish; see
    /// `cluster clone`, which exits right after taking a database.
    pub fn wait_for_pool(&self, timeout: Duration) {
        self.pool.wait_idle(timeout);
    }

    /// How many clones the pool keeps ready.
    pub fn pool_size(&self) -> usize {
        self.pool.size()
    }

    /// A new test database: a pooled clone when one is ready, else a fresh
    /// clone of the template. It is recorded ([`registry`]) as this
    /// process's until it is dropped.
    pub fn create_db(self: &Arc<Self>) -> Result<TestDb, TestingError> {
        static ME: OnceLock<registry::Owner> = OnceLock::new();
        let me = ME.get_or_init(registry::Owner::this_process);
        self.create_db_as(clone_name(), registry::Kind::TestDb, me)
    }

    /// A new database `name` cloned from the template (a pooled clone when
    /// one is ready), recorded as made by `kind` for `owner`.
    pub fn create_db_as(
        self: &Arc<Self>,
        name: String,
        kind: registry::Kind,
        owner: &registry::Owner,
    ) -> Result<TestDb, TestingError> {
        let test_db = |name: String| -> Result<TestDb, TestingError> {
            self.with_admin(|c| registry::record(c, &name, kind, owner))
                .map_err(|e| TestingError::Database {
                    name: name.clone(),
                    action: "recording",
                    detail: db_error_text(&e),
                })?;
            Ok(TestDb {
                url: self.server.admin.with_dbname(&name),
                name,
                template: Arc::clone(self),
                keep: false,
                detached: false,
            })
        };
        // A failed claim only costs the fast path.
        let claimed = self
            .with_admin(|c| self.pool.claim(c, &name))
            .unwrap_or(false);
        self.pool.request_refill();
        if claimed {
            return test_db(name);
        }
        let create = |name: &str| {
            format!(
                "CREATE DATABASE {} TEMPLATE {}{}",
                quote_ident(name),
                quote_ident(&self.name),
                self.clone_options
            )
        };
        let mut last = String::new();
        // A name can only collide with another machine's test on a shared server.
        let mut name = name;
        for _ in 0..5 {
            match self.with_admin(|c| c.batch_execute(&create(&name))) {
                Ok(()) => return test_db(name),
                Err(e) if e.code() == Some(&SqlState::DUPLICATE_DATABASE) => {
                    last = db_error_text(&e);
                    name = clone_name();
                }
                Err(e) => {
                    let mut detail = db_error_text(&e);
                    if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) {
                        detail.push_str(&format!(
                            "\nThe template {} is gone (dropped while this process used it); run the tests again.",
                            self.name
                        ));
                    }
                    return Err(TestingError::Database {
                        name,
                        action: "cloning the template",
                        detail,
                    });
                }
            }
        }
        Err(TestingError::Database {
            name: "(five random names)".into(),
            action: "cloning the template",
            detail: last,
        })
    }

    /// Drops database `name` (any open connections are ended) and its
    /// record.
    pub fn drop_db(&self, name: &str) -> Result<(), TestingError> {
        self.with_admin(|c| registry::drop_and_forget(c, name))
            .map_err(|e| TestingError::Database {
                name: name.to_string(),
                action: "dropping",
                detail: db_error_text(&e),
            })
    }

    /// Runs `f` on an admin connection from the pool (a new one when all
    /// are busy, so parallel tests do not queue behind each other).
    pub fn with_admin<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        let pooled = self.lock_admins().pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => self.server.admin.connect()?,
        };
        let result = f(&mut client);
        if !client.is_closed() {
            self.lock_admins().push(client);
        }
        result
    }

    fn lock_admins(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        // A test that panicked never holds this lock, but be lenient anyway.
        self.admins.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One test's database: dropped when the test passes, kept (and named on
/// stderr) when it fails.
pub struct TestDb {
    name: String,
    url: DbUrl,
    template: Arc<Template>,
    keep: bool,
    /// Handed to someone else ([`TestDb::detach`]): neither dropped nor
    /// reported here.
    detached: bool,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("template", &self.template.name)
            .finish()
    }
}

impl TestDb {
    /// The database's name (`et_test_…`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its connection URL.
    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// The template it was cloned from.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// A new connection to it; panics with the reason when that fails.
    pub fn client(&self) -> Client {
        match self.try_client() {
            Ok(c) => c,
            Err(e) => panic!("et-testdb: {e}"),
        }
    }

    /// A new connection to it.
    pub fn try_client(&self) -> Result<Client, TestingError> {
        self.url.connect().map_err(|e| TestingError::Database {
            name: self.name.clone(),
            action: "connecting",
            detail: db_error_text(&e),
        })
    }

    /// Keeps the database after the test even if it passes (its name is
    /// printed on drop).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Gives the database away: it outlives this value and stays recorded
    /// for its owner, to be dropped by `cluster drop` or `cluster prune`.
    pub fn detach(mut self) -> DbUrl {
        self.detached = true;
        self.url.clone()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.detached {
            return;
        }
        if std::thread::panicking() || self.keep {
            let why = if self.keep {
                "as asked"
            } else {
                "because the test failed"
            };
            eprintln!(
                "et-testdb: kept test database {} {why}; inspect it with\n    psql '{}'\n  and drop it with\n    psql '{}' -c 'DROP DATABASE {}'\n  (or, once this process has ended, `cargo run --bin cluster -- prune`)",
                self.name,
                self.url.without_password(),
                self.template.server.admin.without_password(),
                quote_ident(&self.name),
            );
            return;
        }
        if let Err(e) = self.template.drop_db(&self.name) {
            eprintln!("et-testdb: warning: {e}");
        }
    }
}

/// Every `cluster clone` database's name starts with this.
pub const CLONE_DB_PREFIX: &str = "et_clone_";

/// A database cloned from the seeded template (built if needed), for a
/// process that is not a Rust test: `cluster clone`. `label` names it
/// `et_clone_<label>` (a pytest-xdist worker's `gw0`, say), else a unique
/// name is chosen. A database of that name whose owner is gone, or is
/// `owner` itself, is replaced; one a live process owns is refused. The
/// database is recorded for `owner` and outlives this process.
pub fn clone_for(label: Option<&str>, owner: &registry::Owner) -> Result<DbUrl, TestingError> {
    let name = match label {
        Some(l) => clone_db_name(l)?,
        None => format!("{CLONE_DB_PREFIX}{}", unique_suffix()),
    };
    let template = template()?;
    let existing = template
        .with_admin(registry::list)
        .map_err(|e| TestingError::Database {
            name: name.clone(),
            action: "reading the record of",
            detail: db_error_text(&e),
        })?
        .into_iter()
        .find(|e| e.name == name && e.exists);
    if let Some(e) = existing {
        if e.owner.is_alive() != Some(false) && e.owner != *owner {
            return Err(TestingError::Database {
                name,
                action: "cloning",
                detail: format!(
                    "it exists and belongs to process {} on {}, which still runs; \
                     choose another --name, or drop it with `cluster drop {}`",
                    e.owner.pid,
                    e.owner.host,
                    label.unwrap_or_default()
                ),
            });
        }
    }
    template.drop_db(&name)?;
    let db = template.create_db_as(name, registry::Kind::Clone, owner)?;
    let url = db.detach();
    template.wait_for_pool(Duration::from_secs(10));
    Ok(url)
}

/// `gw0` → `et_clone_gw0`; a name that already has the prefix is kept.
pub fn clone_db_name(label: &str) -> Result<String, TestingError> {
    let bare = label.strip_prefix(CLONE_DB_PREFIX).unwrap_or(label);
    let ok = !bare.is_empty()
        && bare.len() + CLONE_DB_PREFIX.len() <= 63
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(TestingError::Config {
            detail: format!(
                "the clone name `{label}` is not usable: use letters, digits, `_` or `-`, at most {} characters",
                63 - CLONE_DB_PREFIX.len()
            ),
        });
    }
    Ok(format!("{CLONE_DB_PREFIX}{bare}"))
}

/// The admin connection to the server test databases live on, without
/// building a template (for `cluster drop`, `prune` and `clones`).
pub fn admin_client() -> Result<(Server, Client), TestingError> {
    let (server, mut admin) = Server::from_env()?;
    registry::ensure_table(&mut admin).map_err(|e| TestingError::Database {
        name: registry::TABLE.into(),
        action: "creating",
        detail: db_error_text(&e),
    })?;
    Ok((server, admin))
}

/// Drops a recorded database (`gw0` or `et_clone_gw0`, or a kept test
/// database's full name). Databases the record does not hold are refused,
/// so this never drops anything else on the server.
pub fn drop_recorded(name: &str) -> Result<String, TestingError> {
    let (_, mut admin) = admin_client()?;
    let entries = registry::list(&mut admin).map_err(|e| TestingError::Database {
        name: name.into(),
        action: "reading the record of",
        detail: db_error_text(&e),
    })?;
    let full = [name.to_string(), format!("{CLONE_DB_PREFIX}{name}")];
    let Some(e) = entries.into_iter().find(|e| full.contains(&e.name)) else {
        return Err(TestingError::Database {
            name: name.into(),
            action: "dropping",
            detail: "no database of that name was made by `cluster clone` or test_db(); \
                     `cluster clones` lists the ones that were"
                .into(),
        });
    };
    registry::drop_and_forget(&mut admin, &e.name).map_err(|err| TestingError::Database {
        name: e.name.clone(),
        action: "dropping",
        detail: db_error_text(&err),
    })?;
    Ok(e.name)
}

/// The fingerprint of the template for UTC day `day` (days since the Unix
/// epoch): 16 hex digits over the baseline, the migration files, the seed
/// plan, the code that builds it, and the day.
pub fn fingerprint(day: i64) -> String {
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    for source in BUILDER_SOURCES {
        part(source.as_bytes());
    }
    // A project file that cannot be read fails the template build, which
    // reports it; the fingerprint only needs to differ from a good one.
    part(migrate::baseline_sql().unwrap_or("").as_bytes());
    for m in migrate::migrations().unwrap_or(&[]) {
        part(m.file_name.as_bytes());
        part(m.sql.as_bytes());
    }
    part(plan::fingerprint().as_bytes());
    part(&day.to_le_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's (UTC) template name.
pub fn template_name() -> String {
    format!("{TEMPLATE_PREFIX}{}", fingerprint(unix_secs() / 86_400))
}

fn unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Microseconds since the Unix epoch, the seeder's "now".
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// `et_test_<pid>_<n>_<6 hex>`: unique in this process by the counter, and
/// across machines sharing a server by the random-ish suffix.
fn clone_name() -> String {
    format!("{CLONE_PREFIX}{}", unique_suffix())
}

/// `<pid>_<n>_<6 hex>`, see [`clone_name`].
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!(
        "{pid}:{n}:{nanos}:{:?}",
        std::thread::current().id()
    ));
    let suffix: String = digest[..3].iter().map(|b| format!("{b:02x}")).collect();
    format!("{pid}_{n}_{suffix}")
}

/// Makes sure template `name` exists; returns the build time when this call
/// built it. Fails with [`TestingError::StaleFixtures`] when the template
/// records differences.
fn ensure_template(
    admin: &mut Client,
    server: &Server,
    name: &str,
) -> Result<Option<Duration>, TestingError> {
    let step = |step: &'static str| {
        let database = name.to_string();
        move |e: postgres::Error| TestingError::Build {
            database,
            step,
            detail: db_error_text(&e),
        }
    };
    if let Some(note) = read_note(admin, name).map_err(step("looking for the template"))? {
        return check_note(note).map(|()| None);
    }
    admin
        .execute("SELECT pg_advisory_lock($1)", &[&BUILD_LOCK_KEY])
        .map_err(step("taking the template lock"))?;
    let result = (|| {
        // Another process may have built it while we waited for the lock.
        if let Some(note) = read_note(admin, name).map_err(step("looking for the template"))? {
            return check_note(note).map(|()| None);
        }
        let started = Instant::now();
        let note = build_template(admin, server, name)?;
        let elapsed = started.elapsed();
        drop_stale_templates(admin, name);
        check_note(note).map(|()| Some(elapsed))
    })();
    // Ending the session would release the lock too.
    let _ = admin.execute("SELECT pg_advisory_unlock($1)", &[&BUILD_LOCK_KEY]);
    result
}

fn check_note(note: TemplateNote) -> Result<(), TestingError> {
    if note.differences.is_empty() {
        Ok(())
    } else {
        Err(TestingError::StaleFixtures {
            differences: note.differences,
        })
    }
}

/// The note of a finished template `name`; None when there is none (or it
/// is not a finished template of ours).
fn read_note(admin: &mut Client, name: &str) -> Result<Option<TemplateNote>, postgres::Error> {
    let row = admin.query_opt(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE datname = $1 AND datistemplate",
        &[&name],
    )?;
    Ok(row
        .and_then(|r| r.get::<_, Option<String>>(0))
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// Builds template `name` from nothing; the caller holds the build lock.
fn build_template(
    admin: &mut Client,
    server: &Server,
    name: &str,
) -> Result<TemplateNote, TestingError> {
    let tmp = format!("{name}_b{}", std::process::id());
    let step = |step: &'static str| {
        let database = tmp.clone();
        move |e: postgres::Error| TestingError::Build {
            database,
            step,
            detail: db_error_text(&e),
        }
    };
    // Leftovers of a crashed build, or a template of this name whose note is
    // unreadable: nobody else builds while we hold the lock.
    for leftover in [tmp.as_str(), name] {
        drop_template(admin, leftover).map_err(step("dropping a leftover"))?;
    }
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE template0",
            quote_ident(&tmp)
        ))
        .map_err(step("creating the database"))?;
    let seed_time = now_micros();
    let tmp_url = server.admin.with_dbname(&tmp);
    let populated = populate(&tmp_url, seed_time).and_then(|d| {
        // Statistics are catalog rows, so every clone plans its queries
        // with them from the start.
        tmp_url
            .connect()
            .and_then(|mut c| c.batch_execute("ANALYZE"))
            .map_err(step("analyzing"))?;
        Ok(d)
    });
    let differences = match populated {
        Ok(d) => d,
        Err(e) => {
            let _ = drop_template(admin, &tmp);
            return Err(e);
        }
    };
    let built_at = seed_time / 1_000_000;
    let note = TemplateNote {
        built_at,
        differences,
    };
    let note_json = serde_json::to_string(&note).expect("a note serializes");
    let tmp_q = quote_ident(&tmp);
    admin
        .batch_execute(&format!(
            "COMMENT ON DATABASE {tmp_q} IS '{}'",
            note_json.replace('\'', "''")
        ))
        .map_err(step("recording the template's note"))?;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {tmp_q} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
        ))
        .map_err(step("marking it a template"))?;
    // The rename is what makes it visible: it is complete by now.
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {tmp_q} RENAME TO {}",
            quote_ident(name)
        ))
        .map_err(step("renaming it into place"))?;
    Ok(note)
}

/// Fills the empty database at `url` the slow way, as a template is built
/// (and as sqlx::test would per test): the v0.2 baseline, every migration,
/// the stale-fixture check and, when that finds nothing, the seed plan with
/// `seed_time_us` as "now". Returns the check's differences.
pub fn populate(url: &DbUrl, seed_time_us: i64) -> Result<Vec<String>, TestingError> {
    let database = url.dbname().unwrap_or("?").to_string();
    let fail = |step: &'static str, detail: String| TestingError::Build {
        database: database.clone(),
        step,
        detail,
    };
    let mut client = url
        .connect()
        .map_err(|e| fail("connecting", db_error_text(&e)))?;
    let mut tx = client
        .transaction()
        .map_err(|e| fail("starting the baseline", db_error_text(&e)))?;
    let baseline =
        migrate::baseline_sql().map_err(|e| fail("reading the baseline", e.to_string()))?;
    let migrations =
        migrate::migrations().map_err(|e| fail("reading the migrations", e.to_string()))?;
    tx.batch_execute(baseline)
        .map_err(|e| fail("loading the project's baseline", db_error_text(&e)))?;
    tx.commit()
        .map_err(|e| fail("loading the project's baseline", db_error_text(&e)))?;
    migrate::run_on(
        &mut client,
        migrations,
        &migrate::MigrateOptions::default(),
        |_| {},
    )
    .map_err(|e| fail("applying the project's migrations", e.to_string()))?;
    let plan = plan::seed_plan();
    let differences = if plan.tables.is_empty() {
        // No fixtures yet: nothing to compare, nothing to seed.
        Vec::new()
    } else {
        let actual = load_tables(&mut client)
            .map_err(|e| fail("reading the migrated schema", db_error_text(&e)))?;
        schema_differences(&plan.schema, &actual)
    };
    if differences.is_empty() {
        seed::seed_plan(&mut client, plan, Some(seed_time_us))
            .map_err(|e| fail("seeding the fixtures", e.to_string()))?;
    }
    Ok(differences)
}

/// Drops `name` even if it is a template.
fn drop_template(admin: &mut Client, name: &str) -> Result<(), postgres::Error> {
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])?
        .is_some();
    if exists {
        let q = quote_ident(name);
        admin.batch_execute(&format!("ALTER DATABASE {q} WITH IS_TEMPLATE false"))?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"))?;
    }
    Ok(())
}

/// Drops our templates other than `current` (and today's, which tests of
/// this checkout use) that were built more than [`STALE_AFTER_SECS`] ago,
/// or whose note is unreadable (an unfinished build: the caller holds the
/// build lock); drops the pools of templates built more than
/// [`POOL_STALE_AFTER_SECS`] ago, and of templates that are gone. Best
/// effort: a failure here costs only space.
fn drop_stale_templates(admin: &mut Client, current: &str) {
    let today = template_name();
    let Ok(rows) = admin.query(
        "SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE starts_with(datname, $1) AND datname <> $2 AND datname <> $3",
        &[&TEMPLATE_PREFIX, &current, &today],
    ) else {
        return;
    };
    let now = unix_secs();
    let mut unused_pools = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let note: Option<TemplateNote> = row
            .get::<_, Option<String>>(1)
            .and_then(|t| serde_json::from_str(&t).ok());
        let age = note.map_or(i64::MAX, |n| now - n.built_at);
        if age > STALE_AFTER_SECS {
            let _ = drop_template(admin, &name);
        }
        if age > POOL_STALE_AFTER_SECS {
            unused_pools.push(pool::prefix_of(&name));
        }
    }
    // Pools of the templates above, and of templates that are gone.
    let Ok(rows) = admin.query(
        "SELECT p.datname::text FROM pg_database p \
         WHERE starts_with(p.datname, $1) AND ( \
           EXISTS (SELECT 1 FROM unnest($3::text[]) u WHERE starts_with(p.datname, u)) \
           OR NOT EXISTS ( \
           SELECT 1 FROM pg_database t WHERE starts_with(t.datname, $2) \
             AND starts_with(p.datname, $1 || substr(t.datname, length($2) + 1) || '_')))",
        &[&POOL_PREFIX, &TEMPLATE_PREFIX, &unused_pools],
    ) else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let _ = admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&name)
        ));
    }
}

/// The tables of schema `public` with their columns, as the stale-fixture
/// check compares them (keys are left empty).
pub fn load_tables(client: &mut Client) -> Result<Vec<TableMeta>, postgres::Error> {
    let mut tables: BTreeMap<String, TableMeta> = BTreeMap::new();
    for row in client.query(COLUMNS_SQL, &[])? {
        let table: String = row.get(0);
        let entry = tables.entry(table.clone()).or_insert_with(|| TableMeta {
            name: table,
            columns: Vec::new(),
            primary_key: Vec::new(),
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
        });
        if let Some(name) = row.get::<_, Option<String>>(1) {
            entry.columns.push(ColumnMeta {
                name,
                pg_type: row.get(2),
                nullable: row.get(3),
                has_default: row.get(4),
            });
        }
    }
    Ok(tables.into_values().collect())
}

/// The differences between the schema the fixtures were extracted from
/// (`fixtures`, `plan.schema`) and the database's (`database`): tables,
/// columns, nullability, defaults, and types where the fixtures name one.
/// One line per difference, sorted by table and column; empty when they
/// agree.
pub fn schema_differences(fixtures: &[TableMeta], database: &[TableMeta]) -> Vec<String> {
    let by_name = |tables: &[TableMeta]| -> BTreeMap<String, TableMeta> {
        tables.iter().map(|t| (t.name.clone(), t.clone())).collect()
    };
    let (fix, db) = (by_name(fixtures), by_name(database));
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = fix.keys().chain(db.keys()).collect();
    for table in names {
        match (fix.get(table), db.get(table)) {
            (Some(_), None) => out.push(format!(
                "table `{table}` is in generated/ but not in the database"
            )),
            (None, Some(_)) => out.push(format!(
                "table `{table}` is in the database but not in generated/"
            )),
            (Some(f), Some(d)) => column_differences(table, f, d, &mut out),
            (None, None) => unreachable!("the name came from one of them"),
        }
    }
    out
}

fn column_differences(table: &str, fix: &TableMeta, db: &TableMeta, out: &mut Vec<String>) {
    let f: BTreeMap<&str, &ColumnMeta> = fix.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let d: BTreeMap<&str, &ColumnMeta> = db.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let names: std::collections::BTreeSet<&str> = f.keys().chain(d.keys()).copied().collect();
    let null_text = |nullable: bool| if nullable { "nullable" } else { "NOT NULL" };
    let default_text = |has: bool| {
        if has {
            "has a default"
        } else {
            "has no default"
        }
    };
    for column in names {
        let at = format!("`{table}.{column}`");
        match (f.get(column), d.get(column)) {
            (Some(_), None) => out.push(format!(
                "column {at} is in generated/ but not in the database"
            )),
            (None, Some(c)) => {
                let required = if !c.nullable && !c.has_default {
                    " (NOT NULL, no default: golden rows must set it)"
                } else {
                    ""
                };
                out.push(format!(
                    "column {at} is in the database but not in generated/{required}"
                ))
            }
            (Some(fc), Some(dc)) => {
                if fc.nullable != dc.nullable {
                    out.push(format!(
                        "column {at} is {} in generated/ but {} in the database",
                        null_text(fc.nullable),
                        null_text(dc.nullable)
                    ));
                }
                if fc.has_default != dc.has_default {
                    out.push(format!(
                        "column {at} {} in generated/ but {} in the database",
                        default_text(fc.has_default),
                        default_text(dc.has_default)
                    ));
                }
                if !fc.pg_type.is_empty() && !same_type(&fc.pg_type, &dc.pg_type) {
                    out.push(format!(
                        "column {at} has type `{}` in generated/ but `{}` in the database",
                        fc.pg_type, dc.pg_type
                    ));
                }
            }
            (None, None) => unreachable!("the name came from one of them"),
        }
    }
}

/// Type names compared as `format_type` prints them, ignoring case and
/// spaces.
fn same_type(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, pg_type: &str, nullable: bool, has_default: bool) -> ColumnMeta {
        ColumnMeta {
            name: name.into(),
            pg_type: pg_type.into(),
            nullable,
            has_default,
        }
    }

    fn table(name: &str, columns: Vec<ColumnMeta>) -> TableMeta {
        TableMeta {
            name: name.into(),
            columns,
            primary_key: vec!["id".into()],
            unique_keys: vec![],
            foreign_keys: vec![],
        }
    }

    fn users() -> TableMeta {
        table(
            "users",
            vec![
                col("id", "uuid", false, true),
                col("email", "text", false, false),
                col("nickname", "text", true, false),
            ],
        )
    }

    #[test]
    fn identical_schemas_have_no_differences() {
        let s = vec![
            users(),
            table("admins", vec![col("id", "uuid", false, false)]),
        ];
        assert_eq!(schema_differences(&s, &s), Vec::<String>::new());
    }

    #[test]
    fn every_kind_of_difference_is_listed_once_in_order() {
        let fixtures = vec![
            users(),
            table("gone", vec![col("id", "uuid", false, false)]),
        ];
        let mut db_users = users();
        db_users.columns[1].nullable = true; // email
        db_users.columns[2].has_default = true; // nickname
        db_users.columns[2].pg_type = "character varying(20)".into();
        db_users.columns.push(col("phone", "text", false, false));
        db_users.columns.push(col("note", "text", true, false));
        db_users.columns.retain(|c| c.name != "id");
        let database = vec![
            db_users,
            table("admins", vec![col("id", "uuid", false, false)]),
        ];
        let diffs = schema_differences(&fixtures, &database);
        assert_eq!(
            diffs,
            vec![
                "table `admins` is in the database but not in generated/",
                "table `gone` is in generated/ but not in the database",
                "column `users.email` is NOT NULL in generated/ but nullable in the database",
                "column `users.id` is in generated/ but not in the database",
                "column `users.nickname` has no default in generated/ but has a default in the database",
                "column `users.nickname` has type `text` in generated/ but `character varying(20)` in the database",
                "column `users.note` is in the database but not in generated/",
                "column `users.phone` is in the database but not in generated/ (NOT NULL, no default: golden rows must set it)",
            ]
        );
    }

    #[test]
    fn types_are_compared_only_when_the_fixtures_name_one() {
        let mut fixtures = users();
        for c in &mut fixtures.columns {
            c.pg_type.clear();
        }
        assert!(schema_differences(&[fixtures], &[users()]).is_empty());
        let mut spaced = users();
        spaced.columns[0].pg_type = "UUID ".into();
        assert!(schema_differences(&[spaced], &[users()]).is_empty());
    }

    #[test]
    fn the_stale_message_lists_every_difference_and_names_the_command() {
        let err = TestingError::StaleFixtures {
            differences: vec!["table `a` is in generated/ but not in the database".into()],
        };
        let text = err.to_string();
        assert!(text.contains("1 difference:\n  - table `a`"), "{text}");
        assert!(text.ends_with(
            "Re-extract the fixtures with `cargo run --bin extract`, then run the tests again."
        ));
    }

    #[test]
    fn fingerprints_change_with_the_day_and_names_fit_postgres() {
        assert_ne!(fingerprint(20_000), fingerprint(20_001));
        assert_eq!(fingerprint(20_000), fingerprint(20_000));
        assert!(template_name().len() <= 63);
        assert!(format!("{}_b{}", template_name(), u32::MAX).len() <= 63);
        let a = clone_name();
        assert!(a.starts_with(CLONE_PREFIX) && a.len() <= 63, "{a}");
        assert_ne!(a, clone_name());
    }
}
