//! The record of every database handed out for tests, so none leaks.
//!
//! Like sqlx's `_sqlx_test.databases`, a table on the server's admin
//! database, `et_testdb.databases`, holds one row per database that
//! [`super::test_db`] or `cluster clone` made: its name, what made it, and
//! the process that owns it (pid, the process's start time so a reused pid
//! is not mistaken for it, and the host). A test database that is dropped
//! normally leaves no row; one kept after a failed test, one whose test
//! process was killed, and a clone nobody dropped keep theirs, and
//! `cluster prune` drops every database whose owner is gone.

use postgres::error::SqlState;
use postgres::Client;

use crate::engine::restore::quote_ident;

/// The table, schema-qualified.
pub const TABLE: &str = "et_testdb.databases";

/// What made a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `test_db()` in a test process.
    TestDb,
    /// `cluster clone`, for another language's tests.
    Clone,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::TestDb => "test_db",
            Kind::Clone => "clone",
        }
    }
}

/// The process a database belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: i32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat`, field 22).
    pub start: Option<i64>,
    pub host: String,
}

impl Owner {
    /// This process.
    pub fn this_process() -> Owner {
        Owner::of_pid(std::process::id() as i32).unwrap_or_else(|| Owner {
            pid: std::process::id() as i32,
            start: None,
            host: host_name(),
        })
    }

    /// Process `pid` on this host, if it runs.
    pub fn of_pid(pid: i32) -> Option<Owner> {
        let start = start_time(pid)?;
        Some(Owner {
            pid,
            start: Some(start),
            host: host_name(),
        })
    }

    /// Whether the owner still runs. `None`: it belongs to another host, so
    /// this one cannot tell.
    pub fn is_alive(&self) -> Option<bool> {
        if self.host != host_name() {
            return None;
        }
        Some(match (start_time(self.pid), self.start) {
            (None, _) => false,
            (Some(now), Some(then)) => now == then,
            (Some(_), None) => true,
        })
    }
}

/// A row of the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: String,
    pub owner: Owner,
    /// `YYYY-MM-DD HH:MM:SS` (UTC).
    pub created: String,
    /// Whether the database itself still exists.
    pub exists: bool,
}

fn start_time(pid: i32) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    // Fields from 3 on; the start time is field 22.
    after.split_whitespace().nth(19)?.parse().ok()
}

fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default()
}

/// Creates the table if it is missing. Parallel first uses race on the
/// catalog; the loser finds it made.
pub fn ensure_table(admin: &mut Client) -> Result<(), postgres::Error> {
    let exists: bool = admin
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&TABLE])?
        .get(0);
    if exists {
        return Ok(());
    }
    let ddl = format!(
        "CREATE SCHEMA IF NOT EXISTS et_testdb; \
         CREATE TABLE IF NOT EXISTS {TABLE} ( \
           name text PRIMARY KEY, \
           kind text NOT NULL, \
           owner_pid integer NOT NULL, \
           owner_start bigint, \
           owner_host text NOT NULL, \
           created_at timestamptz NOT NULL DEFAULT now())"
    );
    for _ in 0..3 {
        match admin.batch_execute(&ddl) {
            Ok(()) => return Ok(()),
            Err(e)
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                    || e.code() == Some(&SqlState::DUPLICATE_SCHEMA)
                    || e.code() == Some(&SqlState::DUPLICATE_TABLE) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Records `name` as made by `kind` for `owner` (replacing an older row of
/// the same name).
pub fn record(
    admin: &mut Client,
    name: &str,
    kind: Kind,
    owner: &Owner,
) -> Result<(), postgres::Error> {
    admin.execute(
        &format!(
            "INSERT INTO {TABLE} (name, kind, owner_pid, owner_start, owner_host) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, owner_pid = EXCLUDED.owner_pid, \
               owner_start = EXCLUDED.owner_start, owner_host = EXCLUDED.owner_host, created_at = now()"
        ),
        &[&name, &kind.as_str(), &owner.pid, &owner.start, &owner.host],
    )?;
    Ok(())
}

/// Drops database `name` and forgets it. The table must exist.
pub fn drop_and_forget(admin: &mut Client, name: &str) -> Result<(), postgres::Error> {
    // Two statements of one simple query run as one implicit transaction,
    // where DROP DATABASE is not allowed: send them apart.
    admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    ))?;
    forget(admin, name)
}

/// Removes `name`'s row (the database is not touched). The table must
/// exist ([`ensure_table`]).
pub fn forget(admin: &mut Client, name: &str) -> Result<(), postgres::Error> {
    admin.execute(&format!("DELETE FROM {TABLE} WHERE name = $1"), &[&name])?;
    Ok(())
}

/// Every recorded database, by name.
pub fn list(admin: &mut Client) -> Result<Vec<Entry>, postgres::Error> {
    ensure_table(admin)?;
    let rows = admin.query(
        &format!(
            "SELECT r.name, r.kind, r.owner_pid, r.owner_start, r.owner_host, \
                    to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), \
                    EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = r.name) \
             FROM {TABLE} r ORDER BY r.name"
        ),
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| Entry {
            name: r.get(0),
            kind: r.get(1),
            owner: Owner {
                pid: r.get(2),
                start: r.get(3),
                host: r.get(4),
            },
            created: r.get(5),
            exists: r.get(6),
        })
        .collect())
}

/// Drops every recorded database whose owner process is gone (on this
/// host), and forgets rows whose database no longer exists. Returns the
/// names dropped.
pub fn prune(admin: &mut Client) -> Result<Vec<String>, postgres::Error> {
    let mut dropped = Vec::new();
    for e in list(admin)? {
        if !e.exists {
            forget(admin, &e.name)?;
        } else if e.owner.is_alive() == Some(false) {
            drop_and_forget(admin, &e.name)?;
            dropped.push(e.name);
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_gone_one_is_not() {
        let me = Owner::this_process();
        assert!(me.start.is_some());
        assert_eq!(me.is_alive(), Some(true));
        let reused = Owner {
            start: me.start.map(|s| s + 1),
            ..me.clone()
        };
        assert_eq!(
            reused.is_alive(),
            Some(false),
            "a reused pid is not the owner"
        );
        let elsewhere = Owner {
            host: "another-host.invalid".into(),
            ..me
        };
        assert_eq!(elsewhere.is_alive(), None);
    }
}
