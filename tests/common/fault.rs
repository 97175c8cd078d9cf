//! Fault injection: run a binary, interrupt it at a chosen moment the way a
//! user would (kill -9 of the process, or Ctrl-C to its process group), and
//! describe what it left behind exactly: a database fingerprint, a directory
//! snapshot, leftover staging databases and orphaned `pg_restore` processes.
//!
//! Used by `tests/fault_injection.rs`; nothing here knows which command it
//! interrupts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use postgres::Client;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use et_testdb::engine::restore::quote_ident;

/// The environment variable that fixes the random seed of a run.
pub const SEED_VAR: &str = "ET_FAULT_SEED";

/// The environment variable that overrides the number of trials per command.
pub const TRIALS_VAR: &str = "ET_FAULT_TRIALS";

/// How a run is interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interrupt {
    /// `kill -9 <pid>`: the main process only, so its children are orphaned
    /// unless the program took care of them.
    Kill,
    /// Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    CtrlC,
}

impl std::fmt::Display for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Interrupt::Kill => "SIGKILL",
            Interrupt::CtrlC => "SIGINT",
        })
    }
}

/// The seeded random source of one test, and the seed to print.
pub fn rng(label: &str) -> (u64, ChaCha8Rng) {
    let seed = match std::env::var(SEED_VAR) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR}={s:?} is not an unsigned integer")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos() as u64,
    };
    // One stream per command, so one command's trials can be repeated alone.
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(label.as_bytes());
    let d = h.finalize();
    let stream = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
    (seed, ChaCha8Rng::seed_from_u64(stream))
}

/// Trials per command: `ET_FAULT_TRIALS`, else `default`.
pub fn trials(default: usize) -> usize {
    match std::env::var(TRIALS_VAR) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{TRIALS_VAR}={s:?} is not a number")),
        Err(_) => default,
    }
}

/// When to interrupt a command, measured on uninterrupted runs: how long a
/// run takes, and its phases as a probe sees them. The probe watches what
/// the command changes (a database's oid, whether a staging database has
/// connections, a lock, a folder); each change of its value starts a
/// phase. Phases such as the swap of a finished restore are a few percent
/// of a run, which moments drawn over the whole run alone would rarely hit.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The median duration.
    pub span: Duration,
    /// Per phase, the median time from its start (the probe's n-th change)
    /// to the next change or the end. Empty when nothing was seen to
    /// change.
    pub phases: Vec<Duration>,
    /// The median moment each phase starts, for the printout.
    pub starts: Vec<Duration>,
}

/// One trial's moment of interruption.
#[derive(Debug, Clone, Copy)]
pub enum Moment {
    /// This long after the start.
    At(Duration),
    /// This long after the probe's `nth` change (0: the first).
    AfterChange { nth: usize, delay: Duration },
}

impl Schedule {
    /// The moment of trial `i`. Trials alternate signals (even: SIGKILL).
    /// Half of each signal's trials draw a moment uniformly over the whole
    /// run; the other half go through the phases in turn and draw a delay
    /// uniformly over the phase, timed from the change that starts it in
    /// that very run (so a run's speed does not matter).
    pub fn moment(&self, rng: &mut ChaCha8Rng, i: usize) -> (Moment, String) {
        let j = i / 2;
        if self.phases.is_empty() || j.is_multiple_of(2) {
            return (Moment::At(uniform(rng, self.span)), "whole run".into());
        }
        let nth = (j / 2) % self.phases.len();
        let delay = uniform(rng, self.phases[nth]);
        (
            Moment::AfterChange { nth, delay },
            format!("phase {} of {}", nth + 1, self.phases.len()),
        )
    }

    /// For the printout.
    pub fn describe(&self) -> String {
        let mut s = format!("runs take {} ms", self.span.as_millis());
        for (k, (start, len)) in self.starts.iter().zip(&self.phases).enumerate() {
            let _ = write!(
                s,
                "; phase {} from {} ms for {} ms",
                k + 1,
                start.as_millis(),
                len.as_millis()
            );
        }
        s
    }
}

/// A duration uniformly distributed over `[0, span]`.
pub fn uniform(rng: &mut ChaCha8Rng, span: Duration) -> Duration {
    let micros = span.as_micros().max(1) as u64;
    Duration::from_micros(rng.random_range(0..=micros))
}

/// A binary and its arguments, run from the crate root with no database
/// configured through the environment (as `common::run_bin`).
#[derive(Debug, Clone)]
pub struct Invocation {
    pub exe: PathBuf,
    pub args: Vec<String>,
}

impl Invocation {
    pub fn new(exe: &str, args: &[&str]) -> Invocation {
        Invocation {
            exe: PathBuf::from(exe),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The binary's file name, for messages.
    pub fn name(&self) -> String {
        self.exe
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Starts the program in its own process group (so a Ctrl-C can be sent
    /// to it and its children as a terminal would), with stdout and stderr
    /// going to files in `log_dir`: a pipe could stall a child we are not
    /// reading, or be held open by an orphan.
    pub fn spawn(&self, log_dir: &Path) -> Running {
        let stdout = log_dir.join("stdout");
        let stderr = log_dir.join("stderr");
        let child = Command::new(&self.exe)
            .args(&self.args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DATABASE_URL_TEST_CLI")
            .env_remove("DATABASE_URL_PROD_CLI")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("create the stdout log"))
            .stderr(File::create(&stderr).expect("create the stderr log"))
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.exe.display()));
        Running {
            child,
            started: Instant::now(),
            stdout,
            stderr,
        }
    }

    /// Runs the program to the end; returns its status, output and duration.
    pub fn run(&self, log_dir: &Path) -> Finished {
        let mut running = self.spawn(log_dir);
        let status = running.child.wait().expect("wait for the program");
        running.finished(status)
    }

    /// Runs the program and interrupts it as `how` says at `moment`; for
    /// [`Moment::AfterChange`], `probe` is polled (about every millisecond)
    /// and its changes counted from its value before the start.
    pub fn run_interrupted<T: PartialEq>(
        &self,
        log_dir: &Path,
        moment: Moment,
        how: Interrupt,
        mut probe: impl FnMut() -> T,
    ) -> Interrupted {
        match moment {
            Moment::At(at) => self.spawn(log_dir).interrupt_at(at, how),
            Moment::AfterChange { nth, delay } => {
                let mut last = probe();
                let mut running = self.spawn(log_dir);
                let mut seen = 0;
                while running
                    .child
                    .try_wait()
                    .expect("poll the program")
                    .is_none()
                {
                    let now = probe();
                    if now != last {
                        last = now;
                        seen += 1;
                        if seen > nth {
                            break;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                let at = running.started.elapsed() + delay;
                running.interrupt_at(at, how)
            }
        }
    }

    /// Runs the program to the end and panics unless it succeeded, while
    /// polling `probe` (about every millisecond): returns the output and
    /// the moments the probe's value changed.
    pub fn run_watching<T: PartialEq>(
        &self,
        log_dir: &Path,
        mut probe: impl FnMut() -> T,
    ) -> (Finished, Vec<Duration>) {
        let mut last = probe();
        let mut running = self.spawn(log_dir);
        let mut changes = Vec::new();
        let status = loop {
            if let Some(status) = running.child.try_wait().expect("poll the program") {
                break status;
            }
            let now = probe();
            if now != last {
                last = now;
                changes.push(running.started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let done = running.finished(status);
        assert!(
            done.status.success(),
            "{} {:?} failed ({}):\n{}{}",
            self.name(),
            self.args,
            done.status,
            done.stdout,
            done.stderr
        );
        (done, changes)
    }

    /// Measures the program: `n` uninterrupted runs, each after
    /// `prepare()` has reset what it works on, each watched by `probe`.
    /// Medians, because one run can be off by a fifth on a busy machine;
    /// phases from the runs that saw the most common number of changes (a
    /// state shorter than the polling interval can be missed).
    pub fn measure<T: PartialEq>(
        &self,
        log_dir: &Path,
        n: usize,
        mut prepare: impl FnMut(),
        mut probe: impl FnMut() -> T,
    ) -> Schedule {
        let runs: Vec<(Duration, Vec<Duration>)> = (0..n)
            .map(|_| {
                prepare();
                let (done, changes) = self.run_watching(log_dir, &mut probe);
                (done.elapsed, changes)
            })
            .collect();
        fn median(mut v: Vec<Duration>) -> Duration {
            v.sort();
            v[v.len() / 2]
        }
        let span = median(runs.iter().map(|r| r.0).collect());
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for r in &runs {
            *counts.entry(r.1.len()).or_default() += 1;
        }
        let phases_n = counts
            .iter()
            .max_by_key(|(len, k)| (**k, **len))
            .map_or(0, |(len, _)| *len);
        let typical: Vec<&(Duration, Vec<Duration>)> =
            runs.iter().filter(|r| r.1.len() == phases_n).collect();
        let starts: Vec<Duration> = (0..phases_n)
            .map(|k| median(typical.iter().map(|r| r.1[k]).collect()))
            .collect();
        let phases: Vec<Duration> = (0..phases_n)
            .map(|k| {
                median(
                    typical
                        .iter()
                        .map(|(end, ch)| ch.get(k + 1).unwrap_or(end).saturating_sub(ch[k]))
                        .collect(),
                )
            })
            .collect();
        Schedule {
            span,
            phases,
            starts,
        }
    }

    /// Runs the program to the end and panics unless it succeeded.
    pub fn run_ok(&self, log_dir: &Path) -> Finished {
        let done = self.run(log_dir);
        assert!(
            done.status.success(),
            "{} {:?} failed ({}):\n{}{}",
            self.name(),
            self.args,
            done.status,
            done.stdout,
            done.stderr
        );
        done
    }
}

/// A program that was started.
pub struct Running {
    child: Child,
    started: Instant,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// A program that ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

/// What happened when a run was to be interrupted.
#[derive(Debug)]
pub struct Interrupted {
    /// Whether the signal was sent (false: the program had already ended).
    pub signalled: bool,
    pub finished: Finished,
}

impl Running {
    /// Waits until `at` after the start, then interrupts the program the way
    /// `how` says (unless it has ended by then), and waits for the main
    /// process to end.
    pub fn interrupt_at(mut self, at: Duration, how: Interrupt) -> Interrupted {
        let deadline = self.started + at;
        let now = Instant::now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        // Until it is waited for, an ended child stays a zombie whose pid
        // (and process group) cannot be reused, so this cannot hit a stranger.
        let signalled = match self.child.try_wait().expect("poll the program") {
            Some(_) => false,
            None => {
                let pid = Pid::from_raw(self.child.id() as i32);
                match how {
                    Interrupt::Kill => signal::kill(pid, Signal::SIGKILL),
                    Interrupt::CtrlC => signal::killpg(pid, Signal::SIGINT),
                }
                .expect("send the signal");
                true
            }
        };
        let status = self.child.wait().expect("wait for the program");
        Interrupted {
            signalled,
            finished: self.finished(status),
        }
    }

    fn finished(self, status: ExitStatus) -> Finished {
        let read =
            |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        Finished {
            status,
            elapsed: self.started.elapsed(),
            stdout: read(&self.stdout),
            stderr: read(&self.stderr),
        }
    }
}

/// Running `pg_restore` processes whose arguments mention `needle` (a
/// database name), as (pid, command line).
pub fn pg_restore_processes(needle: &str) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_pg_restore = args
            .first()
            .is_some_and(|a0| Path::new(a0).file_name().is_some_and(|n| n == "pg_restore"));
        if is_pg_restore && args.iter().any(|a| a.contains(needle)) {
            found.push((pid, args.join(" ")));
        }
    }
    found.sort();
    found
}

/// Kills the processes `pids` (orphans a trial found), so the next trial
/// starts clean, and waits until they are gone.
pub fn kill_processes(pids: &[i32]) {
    for &pid in pids {
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids
        .iter()
        .any(|p| Path::new("/proc").join(p.to_string()).exists())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until no client backend works for a run on database `name`: none
/// is connected to `name` or to a database whose name starts with it (a
/// staging copy), and none elsewhere (the maintenance database) has a last
/// statement that mentions it. A killed client's backend finishes its
/// current statement before it notices, so the state is only final then.
/// Returns the backends still there after `timeout` (pid, database, query).
pub fn wait_for_backends(
    admin: &mut Client,
    name: &str,
    timeout: Duration,
) -> Vec<(i32, String, String)> {
    let deadline = Instant::now() + timeout;
    loop {
        let rows: Vec<(i32, String, String)> = admin
            .query(
                "SELECT pid, coalesce(datname::text, ''), coalesce(query, '') \
                 FROM pg_stat_activity \
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() \
                   AND (left(datname::text, length($1)) = $1 OR strpos(query, $1) > 0) \
                 ORDER BY pid",
                &[&name],
            )
            .expect("read pg_stat_activity")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        if rows.is_empty() || Instant::now() >= deadline {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Every database whose name starts with `name` other than `name` itself:
/// a staging or parked copy of it.
pub fn databases_beside(admin: &mut Client, name: &str) -> Vec<String> {
    admin
        .query(
            "SELECT datname::text FROM pg_database \
             WHERE left(datname::text, length($1)) = $1 AND datname <> $1 \
             ORDER BY 1",
            &[&name],
        )
        .expect("list databases")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Whether database `name` exists.
pub fn database_exists(admin: &mut Client, name: &str) -> bool {
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("read pg_database")
        .is_some()
}

/// Drops database `name` if it exists, with its connections.
pub fn drop_database(admin: &mut Client, name: &str) {
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))
        .unwrap_or_else(|e| panic!("drop database {name}: {e}"));
}

/// (Re)creates database `name` as a copy of `template` (which must have no
/// connections). FILE_COPY copies the files at once, which on the tmpfs
/// cluster is faster than WAL_LOG's page-by-page copy.
pub fn clone_database(admin: &mut Client, template: &str, name: &str) {
    drop_database(admin, name);
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY",
            quote_ident(name),
            quote_ident(template)
        ))
        .unwrap_or_else(|e| panic!("create database {name} from {template}: {e}"));
}

/// An exact description of a database's contents: one entry per component
/// ("schema", "table s.t", "sequence s.q"), each a digest of that
/// component's full text. Two databases with equal fingerprints hold the
/// same schema, the same rows and the same sequence positions.
pub type Fingerprint = BTreeMap<String, String>;

/// The catalog, as sorted lines: schemas, relations, columns with types,
/// defaults and nullability, constraints, indexes, enum and domain types,
/// functions, views, triggers and extensions. No OIDs, so two copies of one
/// database describe alike.
const SCHEMA_SQL: &str = r#"
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
), lines AS (
  SELECT 'schema ' || nspname AS line FROM ns
  UNION ALL
  SELECT 'relation ' || ns.nspname || '.' || c.relname || ' kind ' || c.relkind::text
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT 'column ' || ns.nspname || '.' || c.relname
      || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)
      || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
      || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
      || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
      || CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || a.attgenerated::text ELSE '' END
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN ns ON ns.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION ALL
  SELECT 'constraint ' || ns.nspname || '.' || coalesce(c.relname, t.typname, '')
      || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
  FROM pg_constraint con
  JOIN ns ON ns.oid = con.connamespace
  LEFT JOIN pg_class c ON c.oid = con.conrelid
  LEFT JOIN pg_type t ON t.oid = con.contypid
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT 'type ' || ns.nspname || '.' || t.typname || ' ' || t.typtype::text
      || CASE WHEN t.typtype = 'd' THEN ' over ' || format_type(t.typbasetype, t.typtypmod) ELSE '' END
      || coalesce(' labels ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                 FROM pg_enum e WHERE e.enumtypid = t.oid), '')
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd')
  UNION ALL
  SELECT 'function ' || pg_get_functiondef(p.oid)
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
  UNION ALL
  SELECT 'view ' || ns.nspname || '.' || c.relname || ' ' || pg_get_viewdef(c.oid)
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(tg.oid)
  FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ns ON ns.oid = c.relnamespace
  WHERE NOT tg.tgisinternal
  UNION ALL
  SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
)
SELECT count(*), md5(coalesce(string_agg(line, E'\n' ORDER BY line COLLATE "C"), '')) FROM lines
"#;

/// Columns left out of the row comparison, as `schema.table.column`: those
/// whose values depend on when a command ran (`now()`, seed-relative
/// timestamps), found by [`volatile_columns`].
pub type Mask = BTreeSet<String>;

/// The relations a fingerprint covers: ordinary and partitioned tables
/// and sequences outside the system schemas, as (schema, name, kind).
fn relations(client: &mut Client) -> Vec<(String, String, String)> {
    client
        .query(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'S') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg\\_%' \
             ORDER BY 1, 2",
            &[],
        )
        .expect("list the relations")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The columns of table `schema.name`, in order.
fn columns(client: &mut Client, schema: &str, name: &str) -> Vec<String> {
    client
        .query(
            "SELECT a.attname::text FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&schema, &name],
        )
        .expect("list the columns")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The fingerprint of the database `client` is connected to.
///
/// Each table's rows are compared as a multiset of their full text
/// (`t::text`): the row count and the sums of each row's 128-bit md5 (as
/// two 64-bit halves), so any changed value, missing, extra or duplicated
/// row changes it, whatever the physical order. (Sorting the text instead
/// costs twice as much on the larger demo databases, for no more
/// certainty.) `history` names a table whose `columns` alone are compared
/// (the migration history records when and for how long, which differ from
/// run to run); columns in `mask` are left out of their rows' text.
pub fn fingerprint(
    client: &mut Client,
    history: Option<(&str, &str, &str)>,
    mask: &Mask,
) -> Fingerprint {
    let mut fp = Fingerprint::new();
    let row = client
        .query_one(SCHEMA_SQL, &[])
        .expect("fingerprint the schema");
    let (lines, digest): (i64, String) = (row.get(0), row.get(1));
    fp.insert("schema".into(), format!("{lines} lines md5 {digest}"));
    for (schema, name, kind) in relations(client) {
        let q = format!("{}.{}", quote_ident(&schema), quote_ident(&name));
        if kind == "S" {
            let r = client
                .query_one(&format!("SELECT last_value, is_called FROM {q}"), &[])
                .unwrap_or_else(|e| panic!("read sequence {q}: {e}"));
            let (last, called): (i64, bool) = (r.get(0), r.get(1));
            fp.insert(
                format!("sequence {schema}.{name}"),
                format!("last_value {last} is_called {called}"),
            );
            continue;
        }
        let prefix = format!("{schema}.{name}.");
        let row_text = match history {
            Some((hs, ht, cols)) if hs == schema && ht == name => format!("({cols})::text"),
            _ if mask.iter().any(|m| m.starts_with(&prefix)) => {
                let kept: Vec<String> = columns(client, &schema, &name)
                    .into_iter()
                    .filter(|c| !mask.contains(&format!("{prefix}{c}")))
                    .map(|c| format!("t.{}", quote_ident(&c)))
                    .collect();
                format!("ROW({})::text", kept.join(", "))
            }
            _ => "t::text".to_string(),
        };
        let r = client
            .query_one(
                &format!(
                    "SELECT count(*), \
                     coalesce(sum(('x' || left(h, 16))::bit(64)::bigint::numeric), 0)::text, \
                     coalesce(sum(('x' || right(h, 16))::bit(64)::bigint::numeric), 0)::text \
                     FROM (SELECT md5({row_text}) AS h FROM {q} AS t) AS rows"
                ),
                &[],
            )
            .unwrap_or_else(|e| panic!("fingerprint table {q}: {e}"));
        let (n, hi, lo): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        let masked = if row_text.starts_with("ROW(") {
            " (masked)"
        } else {
            ""
        };
        fp.insert(
            format!("table {schema}.{name}"),
            format!("{n} rows sum {hi}/{lo}{masked}"),
        );
    }
    fp
}

/// The columns in which databases `a` and `b` differ, as
/// `schema.table.column`: run the same command on two copies at different
/// moments, and these are the values that depend on the moment. Panics if
/// they differ in anything else (schema, sequences, row counts), or if
/// leaving those columns out does not make them equal.
pub fn volatile_columns(a: &mut Client, b: &mut Client) -> Mask {
    let none = Mask::new();
    let (fa, fb) = (fingerprint(a, None, &none), fingerprint(b, None, &none));
    let mut mask = Mask::new();
    if fa == fb {
        return mask;
    }
    for (key, va) in &fa {
        let vb = fb.get(key);
        if vb == Some(va) {
            continue;
        }
        let Some(table) = key.strip_prefix("table ") else {
            panic!(
                "two uninterrupted runs differ in {key}: {va} vs {}",
                vb.map_or("(absent)", String::as_str)
            );
        };
        let (schema, name) = table.split_once('.').expect("schema.table");
        let q = format!("{}.{}", quote_ident(schema), quote_ident(name));
        for col in columns(a, schema, name) {
            let sql = format!(
                "SELECT count(*), md5(coalesce(string_agg(coalesce(t.{c}::text, '<null>'), E'\\n' \
                 ORDER BY t.{c}::text COLLATE \"C\"), '')) FROM {q} AS t",
                c = quote_ident(&col)
            );
            let digest = |c: &mut Client| -> (i64, String) {
                let r = c.query_one(&sql, &[]).expect("digest a column");
                (r.get(0), r.get(1))
            };
            let (da, db) = (digest(a), digest(b));
            assert_eq!(
                da.0, db.0,
                "two uninterrupted runs leave different row counts in {table}"
            );
            if da != db {
                mask.insert(format!("{table}.{col}"));
            }
        }
    }
    let (ma, mb) = (fingerprint(a, None, &mask), fingerprint(b, None, &mask));
    assert!(
        ma == mb,
        "two uninterrupted runs still differ without the columns {mask:?}:{}",
        fingerprint_diff(&ma, &mb)
    );
    mask
}

/// The components in which `a` and `b` differ, for messages.
pub fn fingerprint_diff(a: &Fingerprint, b: &Fingerprint) -> String {
    let mut out = String::new();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut shown = 0;
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            shown += 1;
            if shown <= 8 {
                let _ = write!(
                    out,
                    "\n    {k}: {} vs {}",
                    x.map_or("(absent)", String::as_str),
                    y.map_or("(absent)", String::as_str)
                );
            }
        }
    }
    if shown > 8 {
        let _ = write!(out, "\n    … and {} more", shown - 8);
    }
    out
}

/// A directory's contents: every entry under it by relative path, mapped to
/// "dir", "file <sha256>" or "symlink <target>". Equal snapshots mean the
/// same tree, byte for byte.
pub type DirSnapshot = BTreeMap<PathBuf, String>;

/// Snapshots `dir` (an absent directory gives an empty map; the root
/// itself is not an entry, so compare existence separately if it matters).
pub fn snapshot_dir(dir: &Path) -> DirSnapshot {
    fn walk(base: &Path, dir: &Path, out: &mut DirSnapshot) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(base).expect("under base").to_path_buf();
            let meta = std::fs::symlink_metadata(&path).expect("stat an entry");
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).expect("read a symlink");
                out.insert(rel, format!("symlink {}", target.display()));
            } else if meta.is_dir() {
                out.insert(rel, "dir".into());
                walk(base, &path, out);
            } else {
                let bytes = std::fs::read(&path).expect("read a file");
                let digest = Sha256::digest(&bytes);
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                out.insert(rel, format!("file {hex}"));
            }
        }
    }
    let mut out = DirSnapshot::new();
    walk(dir, dir, &mut out);
    out
}

/// The paths in which two snapshots differ, for messages.
pub fn snapshot_diff(a: &DirSnapshot, b: &DirSnapshot) -> String {
    let keys: BTreeSet<&PathBuf> = a.keys().chain(b.keys()).collect();
    let diff: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.display().to_string())
        .collect();
    let n = diff.len();
    let mut s = diff.into_iter().take(8).collect::<Vec<_>>().join(", ");
    if n > 8 {
        let _ = write!(s, " … and {} more", n - 8);
    }
    s
}

/// Copies the tree `from` to `to` (which must not exist).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for e in std::fs::read_dir(from).expect("read a directory").flatten() {
        let path = e.path();
        let dest = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).expect("copy a file");
        }
    }
}

/// The tally of one command's trials: how they were interrupted, what they
/// left, and every loss with its reason.
#[derive(Debug, Default)]
pub struct Tally {
    pub command: String,
    pub trials: usize,
    pub by_signal: BTreeMap<String, usize>,
    /// Trials per window their moment was drawn from.
    pub by_window: BTreeMap<String, usize>,
    /// Trials whose program had ended before the signal was due.
    pub ended_first: usize,
    /// Outcome name ("before", "after", "prefix 3/14", …) → trials.
    pub outcomes: BTreeMap<String, usize>,
    /// One line per loss: the trial and what was wrong.
    pub losses: Vec<String>,
}

impl Tally {
    pub fn new(command: &str) -> Tally {
        Tally {
            command: command.to_string(),
            ..Tally::default()
        }
    }

    /// The lines the test prints at the end.
    pub fn report(&self) -> String {
        let mut s = format!(
            "fault injection `{}`: {} trials ({}; {}; {} ended before the signal), outcomes: {}; losses: {}",
            self.command,
            self.trials,
            self.by_signal
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.by_window
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.ended_first,
            self.outcomes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.losses.len()
        );
        for l in &self.losses {
            let _ = write!(s, "\n  LOSS {l}");
        }
        s
    }
}
