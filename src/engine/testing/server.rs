//! Which server test databases live on: the embedded cluster, or the one
//! `TEST_DATABASE_URL` names (never production's); admin connections to it.

use postgres::Client;

use super::{registry, TestingError, TEST_DATABASE_URL_VAR};
use crate::engine::cluster::Cluster;
use crate::engine::config::{self, DbUrl};
use crate::engine::restore::db_error_text;

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
