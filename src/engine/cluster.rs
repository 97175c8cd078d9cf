//! The embedded PostgreSQL cluster every command uses when no database URL is
//! configured.
//!
//! One cluster per checkout and user, created and started on demand by
//! [`Cluster::ensure`]: initdb + pg_ctl, a private unix socket with trust
//! auth, fsync off. TCP is off unless `ET_TESTDB_LISTEN=127.0.0.1:PORT` asks
//! for it ([`listen_from_env`]): then the server also listens on that
//! loopback address, and TCP connections need the superuser's password,
//! generated once and kept (mode 0600) beside the cluster; only `cluster url
//! --tcp` shows it. It lives on tmpfs (`/dev/shm`) when it can, because cloning a
//! template database there costs a few milliseconds instead of a hundred,
//! and under the system temp directory otherwise; `ET_TESTDB_CLUSTER_DIR`
//! overrides the place. It keeps running between commands, so the five steps
//! can run one after another; `cargo run --bin cluster -- stop|remove` ends it.
//!
//! Why it is not inside the checkout: as root the server must run as the
//! `postgres` user (PostgreSQL refuses to run as root), and that user often
//! cannot read the checkout (for example under `/root`).
//!
//! Concurrency: every start goes through an exclusive file lock beside the
//! cluster directory, so parallel commands and test processes find one
//! server, never start a second, and never see a half-made data directory
//! (initdb writes to `data.tmp`, which is renamed only when complete).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::{IpAddr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::engine::config::DbUrl;
use crate::engine::tools::{self, Tool, ToolError};

/// The superuser the cluster is created with, whoever runs it.
pub const SUPERUSER: &str = "postgres";
/// The port in the socket's file name (`.s.PGSQL.<port>`) unless
/// `ET_TESTDB_LISTEN` names another (one port serves the socket and TCP).
pub const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes (`sun_path` is 108 with NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Errors of the embedded cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The project file cannot be read.
    #[error(transparent)]
    Project(#[from] crate::engine::project::ProjectError),
    /// A PostgreSQL program is missing or could not start.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// Filesystem work on the cluster's directories failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Running as root, but there is no `postgres` user to run the server as.
    #[error(
        "running as root, the embedded PostgreSQL must run as the `postgres` user, and there is none.\n\
         Install the server package (`apt-get install postgresql`), which creates it, or pass --db-url."
    )]
    NoPostgresUser,
    /// initdb, pg_ctl start or stop failed.
    #[error("`{program}` failed for the embedded cluster in {}:\n{output}", dir.display())]
    Program {
        program: String,
        dir: PathBuf,
        output: String,
    },
    /// `ET_TESTDB_LISTEN` is not a loopback address and port.
    #[error("{LISTEN_VAR}={value} cannot be used: {why}")]
    Listen { value: String, why: &'static str },
    /// The server runs, but a query on it failed.
    #[error("the embedded cluster at {} is running but refused a query: {source}", dir.display())]
    Query {
        dir: PathBuf,
        #[source]
        source: postgres::Error,
    },
}

/// Where the embedded cluster lives. Creating this value touches nothing.
#[derive(Debug, Clone)]
pub struct Cluster {
    root: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    /// The project's test database (`[database] name`).
    test_db: String,
}

/// What [`Cluster::status`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No data directory yet.
    Absent,
    /// Initialised, server down.
    Stopped,
    /// Server accepting connections.
    Running,
}

impl Cluster {
    /// The cluster for this checkout and user, with its paths resolved.
    pub fn locate() -> Result<Cluster, ClusterError> {
        let key = format!(
            "{}:{}",
            env!("CARGO_MANIFEST_DIR"),
            nix::unistd::geteuid().as_raw()
        );
        let hash = hex_prefix(key.as_bytes(), 12);
        let root = match std::env::var_os("ET_TESTDB_CLUSTER_DIR") {
            Some(dir) => absolute(Path::new(&dir)),
            None => default_base().join(format!("et-testdb-{hash}")),
        };
        let socket_in_root = root.join("s");
        let socket_dir = if socket_path_len(&socket_in_root) <= MAX_SOCKET_PATH {
            socket_in_root
        } else {
            // A long cluster path cannot hold the socket; use a short one
            // keyed by the root so two clusters never share it.
            let h = hex_prefix(root.as_os_str().as_encoded_bytes(), 12);
            PathBuf::from("/tmp").join(format!("et-testdb-s-{h}"))
        };
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name(SUPERUSER)
                .ok()
                .flatten()
                .ok_or(ClusterError::NoPostgresUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        let test_db = crate::engine::project::Project::current()?
            .database
            .name
            .clone();
        Ok(Cluster {
            root,
            socket_dir,
            run_as,
            test_db,
        })
    }

    /// Locates the cluster and makes sure it is initialised, running, and has
    /// the test database. Safe to call from many processes at once.
    pub fn ensure() -> Result<Cluster, ClusterError> {
        let cluster = Cluster::locate()?;
        let _lock = cluster.lock()?;
        if !cluster.data_dir().join("PG_VERSION").exists() {
            cluster.init()?;
        }
        let wanted = listen_from_env()?;
        let running = cluster.status()? == Status::Running;
        if running && wanted.is_some() && cluster.listening() != wanted {
            // Listening is a start-time setting: restart to open (or move) TCP.
            cluster.stop_locked()?;
            cluster.start(wanted)?;
        } else if !running {
            cluster.start(wanted)?;
        }
        if wanted.is_some() {
            cluster.set_password()?;
        }
        cluster.ensure_database(&cluster.test_db)?;
        Ok(cluster)
    }

    /// The loopback address the server listens on for TCP, when it does
    /// (read from `postmaster.pid`, so it is what the running server uses).
    pub fn listening(&self) -> Option<SocketAddr> {
        let pid = fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        let lines: Vec<&str> = pid.lines().collect();
        let port: u16 = lines.get(3)?.trim().parse().ok()?;
        let ip: IpAddr = lines.get(5)?.trim().parse().ok()?;
        Some(SocketAddr::new(ip, port))
    }

    /// The port in the socket's name: the running server's, else [`PORT`].
    fn port(&self) -> u16 {
        fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .ok()
            .and_then(|pid| pid.lines().nth(3)?.trim().parse().ok())
            .unwrap_or(PORT)
    }

    /// The file holding the TCP password (mode 0600, beside the cluster).
    pub fn password_file(&self) -> PathBuf {
        let mut name = self.root.file_name().unwrap_or_default().to_os_string();
        name.push(".tcp-password");
        self.root.with_file_name(name)
    }

    /// The TCP password, generated on first use.
    fn password(&self) -> Result<String, ClusterError> {
        let path = self.password_file();
        if let Ok(pw) = fs::read_to_string(&path) {
            if !pw.trim().is_empty() {
                return Ok(pw.trim().to_string());
            }
        }
        let mut bytes = [0u8; 18];
        File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(io("read", Path::new("/dev/urandom")))?;
        let pw: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        use std::os::unix::fs::OpenOptionsExt;
        let tmp = path.with_extension("tmp");
        let _ = fs::remove_file(&tmp);
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io("create", &tmp))?;
        std::io::Write::write_all(&mut f, pw.as_bytes()).map_err(io("write", &tmp))?;
        fs::rename(&tmp, &path).map_err(io("rename into place", &path))?;
        Ok(pw)
    }

    /// Gives the superuser the TCP password (socket connections stay trust).
    fn set_password(&self) -> Result<(), ClusterError> {
        let pw = self.password()?;
        let query = |source| ClusterError::Query {
            dir: self.root.clone(),
            source,
        };
        let mut client = self.url("postgres").connect().map_err(query)?;
        client
            .batch_execute(&format!(
                "SET password_encryption = 'scram-sha-256'; ALTER ROLE {SUPERUSER} PASSWORD '{}'",
                pw.replace('\'', "''")
            ))
            .map_err(query)
    }

    /// A URL for `dbname` over TCP with the password, when the server listens.
    pub fn tcp_url(&self, dbname: &str) -> Result<Option<DbUrl>, ClusterError> {
        let Some(addr) = self.listening() else {
            return Ok(None);
        };
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let raw = format!(
            "postgresql://{SUPERUSER}:{}@{host}:{}/{dbname}",
            self.password()?,
            addr.port()
        );
        Ok(Some(
            DbUrl::parse(&raw, "the embedded cluster over TCP").expect("a valid URL"),
        ))
    }

    /// The cluster's directory (data, socket, log).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The data directory (PGDATA).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The directory holding the unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The server log.
    pub fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// A URL for database `dbname` on this cluster (usable by psql).
    pub fn url(&self, dbname: &str) -> DbUrl {
        let raw = format!(
            "postgresql://{SUPERUSER}@/{dbname}?host={}&port={}",
            crate::engine::config::percent_encode(&self.socket_dir.to_string_lossy()),
            self.port()
        );
        DbUrl::parse(&raw, crate::engine::config::EMBEDDED_SOURCE)
            .expect("the embedded cluster's URL is valid")
    }

    /// The project's test database (`[database] name` of et-testdb.toml).
    pub fn test_db_name(&self) -> &str {
        &self.test_db
    }

    /// The test database's URL.
    pub fn test_url(&self) -> DbUrl {
        self.url(&self.test_db)
    }

    /// Whether the cluster exists and its server is up.
    pub fn status(&self) -> Result<Status, ClusterError> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(Status::Absent);
        }
        let mut cmd = self.pg_command(Tool::PgCtl)?;
        cmd.arg("status").arg("-D").arg(self.data_dir());
        let out = tools::output(&mut cmd)?;
        Ok(if out.status.success() {
            Status::Running
        } else {
            Status::Stopped
        })
    }

    /// Stops the server if it runs; returns whether it was running.
    pub fn stop(&self) -> Result<bool, ClusterError> {
        let _lock = self.lock()?;
        self.stop_locked()
    }

    fn stop_locked(&self) -> Result<bool, ClusterError> {
        if self.status()? != Status::Running {
            return Ok(false);
        }
        let mut cmd = self.pg_command(Tool::PgCtl)?;
        cmd.args(["stop", "-m", "fast", "-w", "-s", "-D"])
            .arg(self.data_dir());
        self.run(cmd)?;
        Ok(true)
    }

    /// Stops the server and deletes the cluster; returns whether there was one.
    pub fn remove(&self) -> Result<bool, ClusterError> {
        self.stop()?;
        let _lock = self.lock()?;
        let mut existed = false;
        for dir in [&self.root, &self.socket_dir] {
            if dir.exists() {
                existed = true;
                fs::remove_dir_all(dir).map_err(io("remove", dir))?;
            }
        }
        let pw = self.password_file();
        match fs::remove_file(&pw) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", &pw)(e)),
        }
        // Unlinked while held: a process waiting on the old file notices
        // (see `lock`) and takes the lock on a new one.
        let lock = lock_path(&self.root);
        match fs::remove_file(&lock) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", &lock)(e)),
        }
        Ok(existed)
    }

    /// An exclusive lock serialising every start, stop and removal.
    /// `remove` deletes the lock file; a lock taken on a file that was
    /// unlinked while this process waited for it is no lock, so it is taken
    /// again on the file now at the path.
    fn lock(&self) -> Result<File, ClusterError> {
        use std::os::unix::fs::MetadataExt;
        let path = lock_path(&self.root);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io("open the lock file", &path))?;
            file.lock().map_err(io("lock", &path))?;
            let held = file.metadata().map_err(io("stat", &path))?;
            match fs::metadata(&path) {
                Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => return Ok(file),
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("stat", &path)(e)),
            }
        }
    }

    /// initdb into `data.tmp`, configure, then rename to `data`.
    fn init(&self) -> Result<(), ClusterError> {
        self.make_dir(&self.root)?;
        self.make_dir(&self.socket_dir)?;
        let tmp = self.root.join("data.tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io("remove the unfinished", &tmp))?;
        }
        let mut cmd = self.pg_command(Tool::Initdb)?;
        cmd.arg("-D").arg(&tmp).args([
            "--username",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]);
        self.run(cmd)?;
        let conf = tmp.join("postgresql.conf");
        let settings = format!(
            "\n# et-testdb: a throwaway cluster; speed over durability.\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{}'\n\
             port = {PORT}\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 200\n\
             shared_buffers = 128MB\n\
             max_wal_size = 4GB\n\
             log_min_messages = warning\n\
             timezone = 'UTC'\n",
            self.socket_dir.display().to_string().replace('\'', "''")
        );
        let mut existing = String::new();
        File::open(&conf)
            .and_then(|mut f| f.read_to_string(&mut existing))
            .map_err(io("read", &conf))?;
        fs::write(&conf, existing + &settings).map_err(io("write", &conf))?;
        let data = self.data_dir();
        fs::rename(&tmp, &data).map_err(io("rename into place", &data))?;
        Ok(())
    }

    fn start(&self, listen: Option<SocketAddr>) -> Result<(), ClusterError> {
        self.make_dir(&self.socket_dir)?;
        self.write_hba()?;
        let log = self.log_file();
        let log_start = fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let mut cmd = self.pg_command(Tool::PgCtl)?;
        cmd.args(["start", "-w", "-t", "120", "-s", "-D"])
            .arg(self.data_dir())
            .arg("-l")
            .arg(&log);
        if let Some(addr) = listen {
            cmd.arg("-o").arg(format!(
                "-c listen_addresses={} -c port={}",
                addr.ip(),
                addr.port()
            ));
        }
        self.run(cmd).map_err(|e| match e {
            ClusterError::Program {
                program,
                dir,
                output,
            } => ClusterError::Program {
                program,
                output: format!("{output}\nserver log:\n{}", tail_from(&log, log_start)),
                dir,
            },
            other => other,
        })
    }

    /// Socket connections are trusted; TCP ones (only ever on loopback, see
    /// [`listen_from_env`]) need the password. Written before every start,
    /// so clusters made before TCP existed get it too.
    fn write_hba(&self) -> Result<(), ClusterError> {
        let hba = self.data_dir().join("pg_hba.conf");
        let text =
            "# et-testdb: trust on the private socket only; TCP (loopback) needs the password.\n\
                    local all all trust\n\
                    host all all 127.0.0.1/32 scram-sha-256\n\
                    host all all ::1/128 scram-sha-256\n";
        if fs::read_to_string(&hba).ok().as_deref() == Some(text) {
            return Ok(());
        }
        fs::write(&hba, text).map_err(io("write", &hba))?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&hba, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(io("give the postgres user", &hba))?;
        }
        Ok(())
    }

    fn ensure_database(&self, name: &str) -> Result<(), ClusterError> {
        let query = |source| ClusterError::Query {
            dir: self.root.clone(),
            source,
        };
        let mut client = self.url("postgres").connect().map_err(query)?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .map_err(query)?
            .is_some();
        if !exists {
            let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
            if let Err(e) = client.batch_execute(&sql) {
                // Another process may have created it since we looked.
                if e.code() != Some(&postgres::error::SqlState::DUPLICATE_DATABASE) {
                    return Err(query(e));
                }
            }
        }
        Ok(())
    }

    /// Creates `dir`, owned by the server's user.
    fn make_dir(&self, dir: &Path) -> Result<(), ClusterError> {
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io("set permissions on", dir))?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(dir, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(io("give the postgres user", dir))?;
        }
        Ok(())
    }

    /// A command for a server program, run as `postgres` when we are root, from
    /// a directory that user can read.
    fn pg_command(&self, tool: Tool) -> Result<Command, ClusterError> {
        let mut cmd = tools::command(tool)?;
        cmd.env("LC_ALL", "C").env_remove("PGDATA");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
            // The server user may not be able to read our working directory.
            cmd.current_dir(if self.root.exists() {
                self.root.as_path()
            } else {
                Path::new("/")
            });
        }
        Ok(cmd)
    }

    fn run(&self, mut cmd: Command) -> Result<(), ClusterError> {
        let out = tools::output(&mut cmd)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(ClusterError::Program {
                program: tools::program_name(&cmd),
                dir: self.root.clone(),
                output: tools::stderr_text(&out),
            })
        }
    }
}

/// `/dev/shm` when it is a writable directory (tmpfs: template clones are
/// cheap there), else the system temp directory.
fn default_base() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let writable = nix::unistd::access(shm, nix::unistd::AccessFlags::W_OK).is_ok();
    if shm.is_dir() && writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The environment variable that opens TCP on the embedded cluster.
pub const LISTEN_VAR: &str = "ET_TESTDB_LISTEN";

/// `ET_TESTDB_LISTEN=127.0.0.1:PORT` (or `[::1]:PORT`): where the embedded
/// cluster listens for TCP as well as on its socket. Only loopback is
/// accepted: the cluster is a throwaway with a generated password, not a
/// server for the network.
pub fn listen_from_env() -> Result<Option<SocketAddr>, ClusterError> {
    let Some(raw) = std::env::var_os(LISTEN_VAR) else {
        return Ok(None);
    };
    let raw = raw.to_string_lossy().trim().to_string();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_loopback() && a.port() != 0 => Ok(Some(a)),
        Ok(_) => Err(ClusterError::Listen {
            value: raw,
            why: "only a loopback address with a port is allowed (127.0.0.1:PORT or [::1]:PORT)",
        }),
        Err(_) => Err(ClusterError::Listen {
            value: raw,
            why: "expected ADDRESS:PORT, e.g. 127.0.0.1:54329",
        }),
    }
}

fn lock_path(root: &Path) -> PathBuf {
    let mut name = root.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    root.with_file_name(name)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn socket_path_len(dir: &Path) -> usize {
    dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len()
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    let digest = Sha256::digest(bytes);
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(n)
        .collect()
}

/// The log written since `start`, at most its last 40 lines.
fn tail_from(path: &Path, start: u64) -> String {
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.seek(SeekFrom::Start(start));
        let _ = f.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ClusterError {
    let path = path.to_path_buf();
    move |source| ClusterError::Io {
        action,
        path,
        source,
    }
}
