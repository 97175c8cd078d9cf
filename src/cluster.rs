//! The embedded PostgreSQL cluster every command uses when no database URL is
//! configured.
//!
//! One cluster per checkout and user, created and started on demand by
//! [`Cluster::ensure`]: initdb + pg_ctl, unix socket only, trust auth, fsync
//! off. It lives on tmpfs (`/dev/shm`) when it can, because cloning a
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
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::config::{DbUrl, TEST_DB_NAME};
use crate::tools::{self, Tool, ToolError};

/// The superuser the cluster is created with, whoever runs it.
pub const SUPERUSER: &str = "postgres";
/// The port in the socket's file name (`.s.PGSQL.<port>`); no TCP is opened.
pub const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes (`sun_path` is 108 with NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Errors of the embedded cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
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
        Ok(Cluster {
            root,
            socket_dir,
            run_as,
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
        if cluster.status()? != Status::Running {
            cluster.start()?;
        }
        cluster.ensure_database(TEST_DB_NAME)?;
        Ok(cluster)
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
            "postgresql://{SUPERUSER}@/{dbname}?host={}&port={PORT}",
            crate::config::percent_encode(&self.socket_dir.to_string_lossy())
        );
        DbUrl::parse(&raw, crate::config::EMBEDDED_SOURCE)
            .expect("the embedded cluster's URL is valid")
    }

    /// The test database's URL, `efficient_tutor_test_db`.
    pub fn test_url(&self) -> DbUrl {
        self.url(TEST_DB_NAME)
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
        Ok(existed)
    }

    /// An exclusive lock serialising every start, stop and removal.
    fn lock(&self) -> Result<File, ClusterError> {
        let path = lock_path(&self.root);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("open the lock file", &path))?;
        file.lock().map_err(io("lock", &path))?;
        Ok(file)
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

    fn start(&self) -> Result<(), ClusterError> {
        self.make_dir(&self.socket_dir)?;
        let log = self.log_file();
        let log_start = fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let mut cmd = self.pg_command(Tool::PgCtl)?;
        cmd.args(["start", "-w", "-t", "120", "-s", "-D"])
            .arg(self.data_dir())
            .arg("-l")
            .arg(&log);
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
