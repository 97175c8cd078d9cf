//! The production guard against real servers: every spelling of the
//! production database is refused by a real destructive binary, and the
//! production database is left exactly as it was.
//!
//! Over a unix socket the production database lives on the embedded
//! cluster. Over TCP it lives on a second, separate cluster started by the
//! test (`TcpCluster`): 127.0.0.1 on a free port, scram-sha-256 passwords,
//! plus a unix socket of its own.
//!
//! Each row of a table is a spelling template: `{db}` is the production
//! database's name, `{dir}` the socket directory (`{enc_dir}` percent-encoded
//! for a URI's authority), `{link}` a symlink to it, `{port}` and `{pw}` the
//! TCP cluster's port and password, `{hostname}` this machine's name. Every
//! row gets a fresh production database holding a marker row, so one row
//! that writes cannot hide another. Environment variables reach the binaries
//! through `Command::env` only, so nothing races the other tests.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{cluster, fresh_db, small_dump, stderr};
use et_testdb::engine::config::DbUrl;
use et_testdb::engine::restore::quote_ident;

const RESET: &str = env!("CARGO_BIN_EXE_reset");
const SEED: &str = env!("CARGO_BIN_EXE_seed");
const MIGRATE: &str = env!("CARGO_BIN_EXE_migrate");
const PASSWORDS: &str = env!("CARGO_BIN_EXE_passwords");
const PIPELINE: &str = env!("CARGO_BIN_EXE_pipeline");

/// Every variable that could point a command somewhere else than its
/// arguments say; removed so the host's environment cannot change a row.
const POINTING_VARS: &[&str] = &[
    "DATABASE_URL_TEST_CLI",
    "DATABASE_URL_PROD_CLI",
    "TEST_DATABASE_URL",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGSERVICE",
    "RUST_BACKTRACE",
];

/// The production refusal's wording (the part a test can rely on).
const PROD_REFUSAL: &str = "is the production database";
/// The refusal when the guard cannot tell.
const UNDECIDED_REFUSAL: &str = "cannot tell whether it is the production database";

/// What a row must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Refused as production.
    Production,
    /// Refused because the guard cannot tell.
    Undecided,
}

/// One spelling of the production database.
struct Row {
    label: &'static str,
    /// The spelling given as `--db-url`.
    target: &'static str,
    /// `DATABASE_URL_PROD_CLI`; `None`: the canonical spelling.
    prod: Option<&'static str>,
    /// Extra environment for the binary.
    env: &'static [(&'static str, &'static str)],
    expect: Expect,
}

const fn row(label: &'static str, target: &'static str) -> Row {
    Row {
        label,
        target,
        prod: None,
        env: &[],
        expect: Expect::Production,
    }
}

/// Values substituted into a row's templates.
struct Subst {
    dir: String,
    link: String,
    port: u16,
    pw: String,
    hostname: String,
}

impl Subst {
    fn apply(&self, template: &str, db: &str) -> String {
        template
            .replace("{db}", db)
            .replace("{dir}", &self.dir)
            .replace("{link}", &self.link)
            .replace("{port}", &self.port.to_string())
            .replace("{pw}", &self.pw)
            .replace("{hostname}", &self.hostname)
            .replace(
                "{enc_dir}",
                &et_testdb::engine::config::percent_encode(&self.dir).replace('/', "%2F"),
            )
    }
}

/// Runs `exe` with `args` from an empty directory (no `.env`), with nothing
/// but `env` pointing it anywhere.
fn run(exe: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args(args).current_dir(cwd);
    for v in POINTING_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run binary")
}

/// A database name no other test or process uses; it contains `test`, so
/// only the production check can refuse it.
fn unique_name(label: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "et_{label}_{}_{}_test",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn create_marker(url: &DbUrl) {
    url.connect()
        .expect("connect to the production database")
        .batch_execute("CREATE TABLE marker (v text); INSERT INTO marker VALUES ('production');")
        .expect("create the marker");
}

/// The marker's rows, or why they cannot be read (the database was written).
fn marker(url: &DbUrl) -> Result<Vec<String>, String> {
    let mut c = url.connect().map_err(|e| format!("cannot connect: {e}"))?;
    let rows = c
        .query("SELECT v FROM marker", &[])
        .map_err(|e| format!("marker unreadable: {e}"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Runs every row against `reset --dump`, and returns the rows that were not
/// refused as expected.
fn check_rows(
    rows: &[Row],
    subst: &Subst,
    canonical: &str,
    server: &dyn Fn(&str) -> DbUrl,
    drop_db: &dyn Fn(&str),
    dump: &Path,
) -> Vec<String> {
    let cwd = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for r in rows {
        let name = unique_name("guard_prod");
        let url = server(&name);
        create_marker(&url);
        let target = subst.apply(r.target, &name);
        let prod = subst.apply(r.prod.unwrap_or(canonical), &name);
        let extra: Vec<(&str, String)> = r
            .env
            .iter()
            .map(|(k, v)| (*k, subst.apply(v, &name)))
            .collect();
        let mut env: Vec<(&str, &str)> = vec![("DATABASE_URL_PROD_CLI", &prod)];
        env.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let out = run(
            RESET,
            &[
                "--dump",
                dump.to_str().unwrap(),
                "--jobs",
                "1",
                "--db-url",
                &target,
                "--allow-non-test-db",
            ],
            &env,
            cwd.path(),
        );
        let err = stderr(&out);
        let wanted = match r.expect {
            Expect::Production => PROD_REFUSAL,
            Expect::Undecided => UNDECIDED_REFUSAL,
        };
        let mut problems = Vec::new();
        if out.status.success() {
            problems.push("exit status 0".to_string());
        }
        if !err.contains(wanted) {
            problems.push(format!("no `{wanted}`"));
        }
        if err.contains("--allow-non-test-db") {
            problems.push("suggests --allow-non-test-db".into());
        }
        if !subst.pw.is_empty() && err.contains(&subst.pw) {
            problems.push("shows the password".into());
        }
        match marker(&url) {
            Ok(v) if v == ["production"] => {}
            Ok(v) => problems.push(format!("production changed: marker {v:?}")),
            Err(e) => problems.push(format!("production written: {e}")),
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n    target {}\n    stderr: {}",
                r.label,
                problems.join("; "),
                et_testdb::engine::config::redact_text(&target, &target),
                err.trim().replace('\n', "\n            ")
            ));
        }
        drop_db(&name);
    }
    failures
}

fn assert_no_failures(kind: &str, total: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of {total} {kind} spellings of production were not refused as they must be:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn embedded_drop(name: &str) {
    let mut admin = cluster().url("postgres").connect().unwrap();
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))
        .unwrap();
}

/// A symlink to `target` in a fresh temporary directory (kept alive by the
/// returned guard).
fn symlink_to(target: &Path) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::Builder::new()
        .prefix("et-guard-l-")
        .tempdir_in("/tmp")
        .unwrap();
    let link = d.path().join("s");
    std::os::unix::fs::symlink(target, &link).unwrap();
    (d, link)
}

/// Spellings of a database on the embedded cluster (unix socket, port 5432).
const SOCKET_ROWS: &[Row] = &[
    row(
        "canonical URL",
        "postgresql://postgres@/{db}?host={dir}&port=5432",
    ),
    row(
        "default port left out (URL)",
        "postgresql://postgres@/{db}?host={dir}",
    ),
    row(
        "default port left out (conninfo)",
        "host={dir} dbname={db} user=postgres",
    ),
    row(
        "conninfo form",
        "host={dir} port=5432 dbname={db} user=postgres",
    ),
    row(
        "conninfo, quoted values",
        "host='{dir}' port='5432' dbname='{db}' user='postgres'",
    ),
    row(
        "postgres:// scheme",
        "postgres://postgres@/{db}?host={dir}&port=5432",
    ),
    row(
        "trailing slash",
        "postgresql://postgres@/{db}?host={dir}/&port=5432",
    ),
    row(
        "trailing slash (conninfo)",
        "host={dir}/ port=5432 dbname={db} user=postgres",
    ),
    row(
        "double slash",
        "host={dir}//. port=5432 dbname={db} user=postgres",
    ),
    row(
        "dot and dot-dot",
        "host={dir}/../s/./ port=5432 dbname={db} user=postgres",
    ),
    row(
        "symlinked socket directory",
        "host={link} port=5432 dbname={db} user=postgres",
    ),
    row(
        "symlink, trailing slash, no port",
        "postgresql://postgres@/{db}?host={link}/",
    ),
    row(
        "percent-encoded socket in the authority",
        "postgresql://postgres@{enc_dir}:5432/{db}",
    ),
    row(
        "socket in the authority, no port",
        "postgresql://postgres@{enc_dir}/{db}",
    ),
    row(
        "port and user as query parameters",
        "postgresql:///{db}?host={dir}&port=5432&user=postgres",
    ),
    row(
        "dbname as a query parameter",
        "postgresql://postgres@/?host={dir}&dbname={db}",
    ),
    row(
        "multi-host list: missing socket first",
        "host=/nonexistent/et-guard,{dir} port=5432 dbname={db} user=postgres",
    ),
    row(
        "multi-host list: socket first",
        "host={dir},/nonexistent/et-guard port=5432 dbname={db} user=postgres",
    ),
    Row {
        label: "multi-host lists on both sides, in the other order",
        target: "host={link},{dir} port=5432 dbname={db} user=postgres",
        prod: Some("host={dir},{link} dbname={db} user=postgres"),
        env: &[],
        expect: Expect::Production,
    },
    row(
        "loopback TCP on the socket's port (very likely the same server)",
        "postgresql://postgres@127.0.0.1:5432/{db}",
    ),
    row(
        "localhost, no port, against the socket",
        "postgresql://postgres@localhost/{db}",
    ),
    Row {
        label: "PGPORT names the socket's port",
        target: "host={dir} dbname={db} user=postgres",
        prod: None,
        env: &[("PGPORT", "5432")],
        expect: Expect::Production,
    },
    Row {
        label: "PGPORT elsewhere: the Rust client still uses 5432",
        target: "host={dir} dbname={db} user=postgres",
        prod: None,
        env: &[("PGPORT", "6543")],
        expect: Expect::Production,
    },
    Row {
        label: "production spelled with a trailing slash, target canonical",
        target: "postgresql://postgres@/{db}?host={dir}&port=5432",
        prod: Some("host={dir}/ dbname={db} user=postgres"),
        env: &[],
        expect: Expect::Production,
    },
    Row {
        label: "empty dbname means the user's name",
        target: "host={dir} port=5432 dbname='' user={db}",
        prod: None,
        env: &[],
        expect: Expect::Production,
    },
];

#[test]
fn every_socket_spelling_of_production_is_refused() {
    let c = cluster();
    let dir = c.socket_dir().to_string_lossy().into_owned();
    let (_keep, link) = symlink_to(c.socket_dir());
    let subst = Subst {
        dir,
        link: link.to_string_lossy().into_owned(),
        port: 5432,
        pw: String::new(),
        hostname: String::new(),
    };
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("small.dump");
    small_dump(&dump, &format!("et_guard_src_{}", std::process::id()), 3);
    let canonical = "postgresql://postgres@/{db}?host={dir}&port=5432";
    let embedded = |name: &str| fresh_db(name);
    let failures = check_rows(
        SOCKET_ROWS,
        &subst,
        canonical,
        &embedded,
        &embedded_drop,
        &dump,
    );
    assert_no_failures("socket", SOCKET_ROWS.len(), &failures);
}

/// A second, separate PostgreSQL cluster: 127.0.0.1 on a free port with
/// scram-sha-256 password authentication, and a unix socket in its own
/// directory. Stopped and deleted when dropped.
struct TcpCluster {
    dir: tempfile::TempDir,
    port: u16,
    password: String,
    run_as: Option<(u32, u32)>,
}

impl TcpCluster {
    fn start() -> TcpCluster {
        let dir = tempfile::Builder::new()
            .prefix("et-guard-")
            .tempdir_in("/tmp")
            .unwrap();
        let run_as = nix::unistd::geteuid().is_root().then(|| {
            let u = nix::unistd::User::from_name("postgres")
                .unwrap()
                .expect("a postgres user to run the server as");
            (u.uid.as_raw(), u.gid.as_raw())
        });
        let own = |p: &Path| {
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
            }
        };
        own(dir.path());
        let password: String = {
            use rand::RngExt;
            let mut rng = rand::rng();
            (0..20)
                .map(|_| char::from(b"abcdefghijkmnopqrstuvwxyz23456789"[rng.random_range(0..33)]))
                .collect()
        };
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, &password).unwrap();
        own(&pwfile);
        let sock = dir.path().join("s");
        std::fs::create_dir(&sock).unwrap();
        own(&sock);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.path().join("data");
        let tool = |t| et_testdb::engine::tools::find(t).unwrap();
        let pg = |t| {
            let mut cmd = Command::new(tool(t));
            cmd.current_dir(dir.path()).env("LC_ALL", "C");
            if let Some((uid, gid)) = run_as {
                cmd.uid(uid).gid(gid);
            }
            cmd
        };
        let ok = |mut cmd: Command, what: &str| {
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{what}: {}", stderr(&out));
        };
        let mut initdb = pg(et_testdb::engine::tools::Tool::Initdb);
        initdb
            .arg("-D")
            .arg(&data)
            .arg(format!("--pwfile={}", pwfile.display()))
            .args([
                "--username=postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]);
        ok(initdb, "initdb");
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n",
            sock.display()
        ));
        std::fs::write(&conf, text).unwrap();
        let mut start = pg(et_testdb::engine::tools::Tool::PgCtl);
        start
            .args(["start", "-w", "-s", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(dir.path().join("log"));
        ok(start, "pg_ctl start");
        TcpCluster {
            dir,
            port,
            password,
            run_as,
        }
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("s")
    }

    /// The canonical TCP URL of `db`, with the password.
    fn url(&self, db: &str) -> DbUrl {
        DbUrl::parse(
            &format!(
                "postgresql://postgres:{}@127.0.0.1:{}/{db}",
                self.password, self.port
            ),
            "the TCP test cluster",
        )
        .unwrap()
    }

    /// Creates `db` (empty) and returns its URL.
    fn create(&self, db: &str) -> DbUrl {
        let mut admin = self.url("postgres").connect().expect("connect over TCP");
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(db)))
            .unwrap();
        self.url(db)
    }

    fn drop_db(&self, db: &str) {
        let mut admin = self.url("postgres").connect().unwrap();
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(db)
            ))
            .unwrap();
    }
}

impl Drop for TcpCluster {
    fn drop(&mut self) {
        let mut cmd = Command::new(
            et_testdb::engine::tools::find(et_testdb::engine::tools::Tool::PgCtl).unwrap(),
        );
        cmd.args(["stop", "-m", "immediate", "-s", "-D"])
            .arg(self.dir.path().join("data"))
            .current_dir(self.dir.path());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        let _ = cmd.output();
    }
}

/// Spellings of a database on the TCP cluster (canonical:
/// `postgresql://postgres:{pw}@127.0.0.1:{port}/{db}`).
const TCP_ROWS: &[Row] = &[
    row("canonical URL", "postgresql://postgres:{pw}@127.0.0.1:{port}/{db}"),
    row("localhost", "postgresql://postgres:{pw}@localhost:{port}/{db}"),
    row("LOCALHOST", "postgresql://postgres:{pw}@LOCALHOST:{port}/{db}"),
    row("LocalHost", "postgresql://postgres:{pw}@LocalHost:{port}/{db}"),
    row("127.1", "postgresql://postgres:{pw}@127.1:{port}/{db}"),
    row("[::ffff:127.0.0.1]", "postgresql://postgres:{pw}@[::ffff:127.0.0.1]:{port}/{db}"),
    row("[::ffff:7f00:1]", "postgresql://postgres:{pw}@[::ffff:7f00:1]:{port}/{db}"),
    row("[::1] (loopback over IPv6)", "postgresql://postgres:{pw}@[::1]:{port}/{db}"),
    row("127.0.0.2 (another loopback address)", "postgresql://postgres:{pw}@127.0.0.2:{port}/{db}"),
    row("0.0.0.0 (reaches this machine)", "postgresql://postgres:{pw}@0.0.0.0:{port}/{db}"),
    row("octal 0177.0.0.1", "postgresql://postgres:{pw}@0177.0.0.1:{port}/{db}"),
    row("one decimal number 2130706433", "postgresql://postgres:{pw}@2130706433:{port}/{db}"),
    row("this machine's host name", "postgresql://postgres:{pw}@{hostname}:{port}/{db}"),
    row("percent-encoded host", "postgresql://postgres:{pw}@%31%32%37.0.0.1:{port}/{db}"),
    row("conninfo form", "host=127.0.0.1 port={port} dbname={db} user=postgres password={pw}"),
    row("conninfo, localhost", "host=localhost port={port} dbname={db} user=postgres password={pw}"),
    row("hostaddr alone", "hostaddr=127.0.0.1 port={port} dbname={db} user=postgres password={pw}"),
    row(
        "hostaddr takes precedence over an unresolvable host",
        "host=prod.invalid hostaddr=127.0.0.1 port={port} dbname={db} user=postgres password={pw}",
    ),
    row(
        "hostaddr in IPv4-mapped IPv6 form",
        "host=localhost hostaddr=::ffff:127.0.0.1 port={port} dbname={db} user=postgres password={pw}",
    ),
    row("host and port as query parameters", "postgresql://postgres:{pw}@/{db}?host=127.0.0.1&port={port}"),
    row(
        "multi-host list, production second",
        "postgresql://postgres:{pw}@127.0.0.1:1,localhost:{port}/{db}",
    ),
    row(
        "multi-host list, production first",
        "postgresql://postgres:{pw}@localhost:{port},127.0.0.1:1/{db}",
    ),
    Row {
        label: "multi-host lists on both sides, in either order",
        target: "host=127.0.0.1,localhost port={port},1 dbname={db} user=postgres password={pw}",
        prod: Some("postgresql://postgres:{pw}@localhost:1,127.1:{port}/{db}"),
        env: &[],
        expect: Expect::Production,
    },
    Row {
        label: "port left out, PGPORT names it",
        target: "host=localhost dbname={db} user=postgres password={pw}",
        prod: None,
        env: &[("PGPORT", "{port}")],
        expect: Expect::Production,
    },
    row(
        "the same server's unix socket",
        "host={dir} port={port} dbname={db} user=postgres",
    ),
    Row {
        label: "production spelled as conninfo with hostaddr, target as localhost",
        target: "postgresql://postgres:{pw}@localhost:{port}/{db}",
        prod: Some("hostaddr=127.0.0.1 port={port} dbname={db} user=postgres password={pw}"),
        env: &[],
        expect: Expect::Production,
    },
    Row {
        label: "an unresolvable host name on the right port",
        target: "postgresql://postgres:{pw}@et-guard-nowhere.invalid:{port}/{db}",
        prod: None,
        env: &[],
        expect: Expect::Undecided,
    },
];

#[test]
#[ignore = "starts a second PostgreSQL cluster; run by .ci/run --ignored"]
fn every_tcp_spelling_of_production_is_refused() {
    let tcp = TcpCluster::start();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let subst = Subst {
        dir: tcp.socket_dir().to_string_lossy().into_owned(),
        link: String::new(),
        port: tcp.port,
        pw: tcp.password.clone(),
        hostname,
    };
    let work = tempfile::tempdir().unwrap();
    let dump = work.path().join("small.dump");
    small_dump(&dump, &format!("et_guard_tsrc_{}", std::process::id()), 3);
    let canonical = "postgresql://postgres:{pw}@127.0.0.1:{port}/{db}";
    let server = |name: &str| tcp.create(name);
    let failures = check_rows(
        TCP_ROWS,
        &subst,
        canonical,
        &server,
        &|n| tcp.drop_db(n),
        &dump,
    );
    assert_no_failures("TCP", TCP_ROWS.len(), &failures);

    // Not production: the same name on another server (the embedded
    // cluster), and another database on the production server.
    let name = unique_name("guard_tcp_named");
    let prod = tcp.create(&name);
    create_marker(&prod);
    let same_name_elsewhere = fresh_db(&name);
    let other = unique_name("guard_tcp_other");
    tcp.create(&other);
    let other_on_prod_server = format!(
        "host=localhost port={} dbname={other} user=postgres password={}",
        tcp.port, tcp.password
    );
    let cwd = tempfile::tempdir().unwrap();
    for target in [same_name_elsewhere.expose(), &other_on_prod_server] {
        let out = run(
            RESET,
            &["--dump", dump.to_str().unwrap(), "--db-url", target],
            &[("DATABASE_URL_PROD_CLI", prod.expose())],
            cwd.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        marker(&prod).as_deref(),
        Ok(&["production".to_string()][..])
    );
    embedded_drop(&name);
}

#[test]
fn every_destructive_binary_refuses_production_without_an_override() {
    let c = cluster();
    let name = unique_name("guard_bins");
    let url = fresh_db(&name);
    create_marker(&url);
    let dir = c.socket_dir().display().to_string();
    let prod = format!("postgresql://postgres@/{name}?host={dir}&port=5432");
    let target = format!("host={dir}/ dbname={name} user=postgres");
    let cwd = tempfile::tempdir().unwrap();
    let dump = cwd.path().join("small.dump");
    small_dump(&dump, &format!("et_guard_bsrc_{}", std::process::id()), 3);
    let dump = dump.to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (RESET, &["--dump", dump]),
        (MIGRATE, &[]),
        (PASSWORDS, &["--cost", "4"]),
        (SEED, &[]),
        (PIPELINE, &["--dump", dump, "--cost", "4"]),
    ];
    for (exe, extra) in cases {
        for allow in [false, true] {
            let mut args: Vec<&str> = extra.to_vec();
            args.extend(["--db-url", &target]);
            if allow {
                args.push("--allow-non-test-db");
            }
            let out = run(exe, &args, &[("DATABASE_URL_PROD_CLI", &prod)], cwd.path());
            let err = stderr(&out);
            let bin = Path::new(exe).file_name().unwrap().to_string_lossy();
            assert!(!out.status.success(), "{bin} {args:?} succeeded: {err}");
            assert!(err.contains(PROD_REFUSAL), "{bin}: {err}");
            assert!(!err.contains("--allow-non-test-db"), "{bin}: {err}");
            assert_eq!(
                marker(&url).as_deref(),
                Ok(&["production".to_string()][..]),
                "{bin}"
            );
        }
    }
    embedded_drop(&name);
}

#[test]
fn production_named_in_dot_env_is_refused_too() {
    let c = cluster();
    let name = unique_name("guard_dotenv");
    let url = fresh_db(&name);
    create_marker(&url);
    let dir = c.socket_dir().display().to_string();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".env"),
        format!("DATABASE_URL_PROD_CLI=\"host={dir} dbname={name} user=postgres\"\n"),
    )
    .unwrap();
    let out = run(
        SEED,
        &[
            "--db-url",
            &format!("postgresql://postgres@/{name}?host={dir}/"),
        ],
        &[],
        cwd.path(),
    );
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(PROD_REFUSAL), "{err}");
    assert!(
        err.contains("DATABASE_URL_PROD_CLI in .env"),
        "names where production came from: {err}"
    );
    assert!(!err.contains("--allow-non-test-db"), "{err}");
    assert_eq!(marker(&url).as_deref(), Ok(&["production".to_string()][..]));
    embedded_drop(&name);
}

#[test]
fn other_databases_and_other_servers_are_not_production() {
    let c = cluster();
    let dir = c.socket_dir().display().to_string();
    let cwd = tempfile::tempdir().unwrap();
    let dump = cwd.path().join("small.dump");
    small_dump(&dump, &format!("et_guard_osrc_{}", std::process::id()), 3);
    let dump = dump.to_str().unwrap();
    let prod_name = unique_name("guard_other_prod");
    let prod = fresh_db(&prod_name);
    create_marker(&prod);
    // Another database on the production server, spelled differently.
    let other = unique_name("guard_other");
    fresh_db(&other);
    let out = run(
        RESET,
        &[
            "--dump",
            dump,
            "--db-url",
            &format!("host={dir}/ dbname={other} user=postgres"),
        ],
        &[("DATABASE_URL_PROD_CLI", prod.expose())],
        cwd.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The same name, but production is on another port: another server.
    let out = run(
        RESET,
        &[
            "--dump",
            dump,
            "--db-url",
            &format!("host={dir} dbname={prod_name} user=postgres"),
        ],
        &[(
            "DATABASE_URL_PROD_CLI",
            &format!("postgresql://postgres@127.0.0.1:5433/{prod_name}"),
        )],
        cwd.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    embedded_drop(&other);
    embedded_drop(&prod_name);
}

#[test]
fn the_unreachable_hint_names_where_the_url_came_from() {
    let cwd = tempfile::tempdir().unwrap();
    let dump = cwd.path().join("small.dump");
    small_dump(&dump, &format!("et_guard_hsrc_{}", std::process::id()), 3);
    let dump = dump.to_str().unwrap();
    // Port 1 on loopback: nothing listens there.
    let nowhere = "postgresql://postgres@127.0.0.1:1/et_guard_nowhere_test";
    let reset = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--dump", dump];
        all.extend(args);
        let out = run(RESET, &all, env, cwd.path());
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("cannot connect to"), "{err}");
        err
    };

    let err = reset(&["--db-url", nowhere], &[]);
    assert!(
        err.contains("drop --db-url to use the embedded cluster"),
        "{err}"
    );
    let err = reset(
        &["--db-url", nowhere],
        &[("DATABASE_URL_TEST_CLI", nowhere)],
    );
    assert!(
        err.contains("drop --db-url to use $DATABASE_URL_TEST_CLI"),
        "{err}"
    );

    let err = reset(&[], &[("DATABASE_URL_TEST_CLI", nowhere)]);
    assert!(
        err.contains("unset DATABASE_URL_TEST_CLI to use the embedded cluster"),
        "{err}"
    );
    assert!(!err.contains("--db-url"), "{err}");

    std::fs::write(
        cwd.path().join(".env"),
        format!("DATABASE_URL_TEST_CLI={nowhere}\n"),
    )
    .unwrap();
    let err = reset(&[], &[]);
    assert!(
        err.contains("remove DATABASE_URL_TEST_CLI from .env to use the embedded cluster"),
        "{err}"
    );
    assert!(!err.contains("--db-url") && !err.contains("unset"), "{err}");
    let err = reset(&[], &[("DATABASE_URL_TEST_CLI", nowhere)]);
    assert!(
        err.contains("unset DATABASE_URL_TEST_CLI to use DATABASE_URL_TEST_CLI in .env"),
        "{err}"
    );
}
