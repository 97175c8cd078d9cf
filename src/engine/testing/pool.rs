//! A few clones of the template made ahead of time, so a test's database is
//! a rename (well under a millisecond) instead of a copy.
//!
//! The pool lives on the server, not in a process: pooled databases are
//! named `et_test_pool_<template suffix>_<unique>`, every process on the
//! server claims from the same pool, and a claim is an
//! `ALTER DATABASE … RENAME TO <test database>`, which exactly one claimant
//! can win (the others find the name gone and try the next). After each
//! claim a background thread tops the pool up again; a process that exits
//! mid-refill leaves the server to finish the `CREATE DATABASE`, so under
//! `cargo nextest run` (one process per test) the next process finds it.
//! Pools of templates that no longer exist are dropped with the templates
//! (see `drop_stale_templates`).

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::Client;

use crate::engine::config::DbUrl;
use crate::engine::restore::quote_ident;

/// Every pooled database's name starts with this.
pub const POOL_PREFIX: &str = "et_test_pool_";
/// The environment variable setting the pool's size (0 turns it off).
pub const POOL_SIZE_VAR: &str = "ET_TESTDB_POOL";
/// The pool's size when [`POOL_SIZE_VAR`] is unset.
pub const DEFAULT_POOL_SIZE: usize = 3;

/// The pool size from [`POOL_SIZE_VAR`], else [`DEFAULT_POOL_SIZE`].
pub fn size_from_env() -> usize {
    std::env::var(POOL_SIZE_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_POOL_SIZE)
}

/// The name prefix of template `template`'s pooled databases.
pub fn prefix_of(template: &str) -> String {
    let suffix = template
        .strip_prefix(super::TEMPLATE_PREFIX)
        .unwrap_or(template);
    format!("{POOL_PREFIX}{suffix}_")
}

/// One template's pool, as this process uses it.
pub(super) struct Pool {
    admin: DbUrl,
    template: String,
    prefix: String,
    size: usize,
    clone_options: &'static str,
    refill: Mutex<Option<Sender<()>>>,
    /// Refills (requested, finished), for [`Pool::wait_idle`].
    progress: Arc<(Mutex<(u64, u64)>, Condvar)>,
}

impl Pool {
    pub(super) fn new(
        admin: DbUrl,
        template: &str,
        size: usize,
        clone_options: &'static str,
    ) -> Pool {
        Pool {
            admin,
            template: template.to_string(),
            prefix: prefix_of(template),
            size,
            clone_options,
            refill: Mutex::new(None),
            progress: Arc::new((Mutex::new((0, 0)), Condvar::new())),
        }
    }

    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// Renames a pooled database to `name`; false when the pool is empty
    /// (or off).
    pub(super) fn claim(&self, admin: &mut Client, name: &str) -> Result<bool, postgres::Error> {
        if self.size == 0 {
            return Ok(false);
        }
        // Random order, so racing claimants rarely want the same one.
        let candidates = admin.query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) \
             ORDER BY random() LIMIT 4",
            &[&self.prefix],
        )?;
        for row in candidates {
            let pooled: String = row.get(0);
            let rename = format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&pooled),
                quote_ident(name)
            );
            match admin.batch_execute(&rename) {
                Ok(()) => return Ok(true),
                // Claimed by someone else meanwhile, or not finished yet.
                Err(e)
                    if e.code() == Some(&SqlState::INVALID_CATALOG_NAME)
                        || e.code() == Some(&SqlState::OBJECT_IN_USE) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// Asks the background thread (started on first use) to top the pool
    /// up to its size. Never blocks, never fails: the pool only saves time.
    pub(super) fn request_refill(&self) {
        if self.size == 0 {
            return;
        }
        let mut guard = self.refill.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let (tx, rx) = mpsc::channel::<()>();
            let (admin, template, prefix, size, options) = (
                self.admin.clone(),
                self.template.clone(),
                self.prefix.clone(),
                self.size,
                self.clone_options,
            );
            let progress = Arc::clone(&self.progress);
            let spawned = std::thread::Builder::new()
                .name("et-testdb-pool".into())
                .spawn(move || {
                    let mut client: Option<Client> = None;
                    while rx.recv().is_ok() {
                        // Requests that piled up meanwhile need one top-up.
                        while rx.try_recv().is_ok() {}
                        let asked = lock(&progress.0).0;
                        let target = Target {
                            admin: &admin,
                            template: &template,
                            prefix: &prefix,
                            size,
                            options,
                        };
                        if top_up(&mut client, &target).is_err() {
                            client = None;
                        }
                        lock(&progress.0).1 = asked;
                        progress.1.notify_all();
                    }
                });
            if spawned.is_err() {
                return;
            }
            *guard = Some(tx);
        }
        if let Some(tx) = guard.as_ref() {
            lock(&self.progress.0).0 += 1;
            let _ = tx.send(());
        }
    }

    /// Waits (at most `timeout`) until every refill asked for so far is
    /// done: for a process that exits right after taking a clone, so the
    /// next process finds the pool full.
    pub(super) fn wait_idle(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let (state, cv) = &*self.progress;
        let mut s = lock(state);
        while s.1 < s.0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            s = cv
                .wait_timeout(s, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the refill thread fills.
struct Target<'a> {
    admin: &'a DbUrl,
    template: &'a str,
    prefix: &'a str,
    size: usize,
    options: &'a str,
}

/// Creates pooled databases until the pool holds `size`.
fn top_up(client: &mut Option<Client>, t: &Target<'_>) -> Result<(), postgres::Error> {
    let Target {
        admin,
        template,
        prefix,
        size,
        options,
    } = *t;
    if client.as_ref().is_none_or(|c| c.is_closed()) {
        *client = Some(admin.connect()?);
    }
    let c = client.as_mut().expect("connected above");
    let have: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_database WHERE starts_with(datname, $1)",
            &[&prefix],
        )?
        .get(0);
    for _ in (have.max(0) as usize)..size {
        let name = format!("{prefix}{}", super::db::unique_suffix());
        c.batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}{options}",
            quote_ident(&name),
            quote_ident(template)
        ))?;
    }
    Ok(())
}
