//! The seeded template: its fingerprint and name, building it once under an
//! advisory lock into a temporary name renamed into place and marked
//! `IS_TEMPLATE`, finding it again, and dropping stale ones.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::Client;
use sha2::{Digest, Sha256};

use super::{drift, pool, registry, Server, TestingError, POOL_PREFIX, TEMPLATE_PREFIX};
use crate::engine::config::DbUrl;
use crate::engine::restore::{db_error_text, quote_ident};
use crate::engine::{migrate, plan, seed};

/// The code that builds a template, part of its fingerprint: a change to
/// how it is built (or seeded, or migrated) makes a new one.
const BUILDER_SOURCES: [&str; 7] = [
    include_str!("mod.rs"),
    include_str!("server.rs"),
    include_str!("template.rs"),
    include_str!("db.rs"),
    include_str!("drift.rs"),
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

/// The process's template, found or built on first use; every later call
/// returns the same one (or the same error).
pub fn template() -> Result<Arc<Template>, TestingError> {
    static TEMPLATE: OnceLock<Result<Arc<Template>, TestingError>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| Template::prepare().map(Arc::new))
        .clone()
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
    pub(super) server: Server,
    pub(super) name: String,
    build_time: Option<Duration>,
    pub(super) admins: Mutex<Vec<Client>>,
    pub(super) pool: pool::Pool,
    /// Appended to every `CREATE DATABASE … TEMPLATE`.
    pub(super) clone_options: &'static str,
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
        let clone_options = if server.is_embedded() && version >= 150_000 {
            " STRATEGY FILE_COPY"
        } else {
            ""
        };
        let template = Template {
            pool: pool::Pool::new(server.admin_url().clone(), name, pool_size, clone_options),
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

    /// Runs `f` on an admin connection from the pool (a new one when all
    /// are busy, so parallel tests do not queue behind each other).
    pub fn with_admin<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        let pooled = self.lock_admins().pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => self.server.admin_url().connect()?,
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
    let tmp_url = server.admin_url().with_dbname(&tmp);
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
    // A new session for the rest, as the commands run each step: a baseline
    // made by pg_dump sets search_path to '' for its session, which would
    // break unqualified migrations and make the schema check read
    // `public.`-qualified type names.
    drop(client);
    let mut client = url
        .connect()
        .map_err(|e| fail("connecting", db_error_text(&e)))?;
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
        let project = crate::engine::project::Project::current()
            .map_err(|e| fail("reading the project file", e.to_string()))?;
        let actual = drift::load_tables(&mut client, project)
            .map_err(|e| fail("reading the migrated schema", drift::schema_error_text(&e)))?;
        drift::schema_differences(&plan.schema, &actual)
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

#[cfg(test)]
mod tests {
    use super::super::db::clone_name;
    use super::super::CLONE_PREFIX;
    use super::*;

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
