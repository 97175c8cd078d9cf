//! One test's database ([`TestDb`]): cloned from the template (or taken
//! from the pool), dropped when the test passes and kept when it fails; and
//! the clones `cluster clone` hands to other processes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::error::SqlState;
use postgres::Client;
use sha2::{Digest, Sha256};

use super::{admin_client, registry, template, Template, TestingError, CLONE_PREFIX};
use crate::engine::config::DbUrl;
use crate::engine::restore::{db_error_text, quote_ident};

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

impl Template {
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
                url: self.server.admin_url().with_dbname(&name),
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
                self.template.server.admin_url().without_password(),
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

/// `et_test_<pid>_<n>_<6 hex>`: unique in this process by the counter, and
/// across machines sharing a server by the random-ish suffix.
pub(super) fn clone_name() -> String {
    format!("{CLONE_PREFIX}{}", unique_suffix())
}

/// `<pid>_<n>_<6 hex>`, see [`clone_name`].
pub(super) fn unique_suffix() -> String {
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
