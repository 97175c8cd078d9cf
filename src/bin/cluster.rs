//! `cluster`: the embedded PostgreSQL that every command uses when no database
//! URL is configured.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use et_testdb::engine::client_url::{self, Form};
use et_testdb::engine::cluster::{Cluster, Status};
use et_testdb::engine::testing::{self, registry};

/// Manage the embedded PostgreSQL cluster (one per checkout and user).
///
/// It is created and started on demand by every command that has no
/// --db-url / DATABASE_URL_TEST_CLI, and keeps running between commands.
/// It lives under /dev/shm (or the temp directory); set ET_TESTDB_CLUSTER_DIR
/// to put it elsewhere. It listens on a private unix socket only, unless
/// ET_TESTDB_LISTEN=127.0.0.1:PORT (loopback only) opens TCP as well, with a
/// generated password that `url --tcp` shows.
///
/// For tests in other languages (pytest with pytest-xdist, say), `clone`
/// hands out databases cloned from the same seeded template `test_db()`
/// uses; every one is recorded on the server, `drop` drops one, and `prune`
/// drops those whose owner process has gone.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the cluster if needed and print the test database's URL
    /// (`psql "$(cargo run -q --bin cluster -- url)"`).
    Url {
        /// How to spell it: libpq (psql, the et-testdb commands), asyncpg or
        /// psycopg (SQLAlchemy URLs, as the backend's DATABASE_URL_TEST),
        /// env (DATABASE_URL_TEST=… and DATABASE_URL_TEST_CLI=… lines for .env).
        #[arg(long = "as", value_enum, default_value = "libpq", value_name = "FORM")]
        form: Form,
        /// The TCP address with the password instead of the socket (needs
        /// ET_TESTDB_LISTEN).
        #[arg(long)]
        tcp: bool,
        /// Another database on the cluster [default: the test database].
        #[arg(long, value_name = "NAME")]
        db: Option<String>,
    },
    /// Print the URL of a new database cloned from the seeded template (the
    /// one test_db() uses; built if needed). It is yours until `drop`, or
    /// until `prune` finds its owner gone.
    Clone {
        /// Name it et_clone_<NAME> (e.g. the pytest-xdist worker id, gw0);
        /// an older clone of that name whose owner is gone is replaced.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// How to spell the URL (see `url --as`).
        #[arg(long = "as", value_enum, default_value = "libpq", value_name = "FORM")]
        form: Form,
        /// Over TCP with the password (needs ET_TESTDB_LISTEN).
        #[arg(long)]
        tcp: bool,
        /// The process the clone belongs to [default: the one that ran this
        /// command]. Pass yours when calling through `cargo run`, whose
        /// process ends at once.
        #[arg(long, value_name = "PID")]
        owner_pid: Option<i32>,
    },
    /// Drop one clone (NAME as given to `clone --name`, or a database name
    /// `clones` lists).
    Drop { name: String },
    /// Drop every clone and kept test database whose owner process is gone.
    Prune,
    /// List the clones and kept test databases, with their owners.
    Clones,
    /// Say whether the cluster exists and runs, and where it lives.
    Status,
    /// Stop the server (data is kept; the next command starts it again).
    Stop,
    /// Stop the server and delete the cluster with all its data.
    Remove,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::engine::cli::run(|| run(args))
}

/// The cluster's TCP URL for `db`, or why there is none.
fn tcp_url(cluster: &Cluster, db: &str) -> Result<et_testdb::engine::config::DbUrl> {
    match cluster.tcp_url(db)? {
        Some(url) => Ok(url),
        None => bail!(
            "the embedded cluster does not listen on TCP; set {}=127.0.0.1:PORT (loopback only) and run this again",
            et_testdb::engine::cluster::LISTEN_VAR
        ),
    }
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Cmd::Url { form, tcp, db } => {
            let cluster = Cluster::ensure()?;
            let name = db.as_deref().unwrap_or(cluster.test_db_name()).to_string();
            let name = name.as_str();
            let url = if tcp {
                tcp_url(&cluster, name)?
            } else {
                cluster.url(name)
            };
            println!("{}", client_url::render(&url, form)?);
        }
        Cmd::Clone {
            name,
            form,
            tcp,
            owner_pid,
        } => {
            let pid = owner_pid.unwrap_or_else(|| nix::unistd::getppid().as_raw());
            let Some(owner) = registry::Owner::of_pid(pid) else {
                bail!("--owner-pid {pid}: no such process on this host");
            };
            let mut url = testing::clone_for(name.as_deref(), &owner)?;
            if tcp {
                let cluster = Cluster::locate()?;
                url = tcp_url(&cluster, url.dbname().unwrap_or_default())?;
            }
            println!("{}", client_url::render(&url, form)?);
        }
        Cmd::Drop { name } => {
            let dropped = testing::drop_recorded(&name)?;
            println!("dropped {dropped}");
        }
        Cmd::Prune => {
            let (_, mut admin) = testing::admin_client()?;
            let dropped = registry::prune(&mut admin)?;
            if dropped.is_empty() {
                println!("nothing to prune: every recorded database's owner still runs");
            }
            for name in dropped {
                println!("dropped {name}");
            }
        }
        Cmd::Clones => {
            let (_, mut admin) = testing::admin_client()?;
            let entries = registry::list(&mut admin)?;
            if entries.is_empty() {
                println!("no clones or kept test databases");
            }
            for e in entries {
                let state = match e.owner.is_alive() {
                    Some(true) => "owner running",
                    Some(false) => "owner gone (prune drops it)",
                    None => "owner on another host",
                };
                println!(
                    "{}  {}  pid {} on {}  since {} UTC  {state}{}",
                    e.name,
                    e.kind,
                    e.owner.pid,
                    e.owner.host,
                    e.created,
                    if e.exists { "" } else { "  (database gone)" }
                );
            }
        }
        Cmd::Status => {
            let cluster = Cluster::locate()?;
            let state = match cluster.status()? {
                Status::Absent => "absent (created on first use)",
                Status::Stopped => "stopped",
                Status::Running => "running",
            };
            println!("status:  {state}");
            println!("dir:     {}", cluster.root().display());
            println!("socket:  {}", cluster.socket_dir().display());
            println!("log:     {}", cluster.log_file().display());
            println!("url:     {}", cluster.test_url());
            match cluster.listening() {
                Some(addr) => println!("tcp:     {addr} (password: `cluster url --tcp`)"),
                None => println!("tcp:     off (ET_TESTDB_LISTEN=127.0.0.1:PORT turns it on)"),
            }
        }
        Cmd::Stop => {
            let cluster = Cluster::locate()?;
            if cluster.stop()? {
                println!(
                    "stopped the embedded cluster in {}",
                    cluster.root().display()
                );
            } else {
                println!("the embedded cluster was not running");
            }
        }
        Cmd::Remove => {
            let cluster = Cluster::locate()?;
            if cluster.remove()? {
                println!(
                    "removed the embedded cluster in {}",
                    cluster.root().display()
                );
            } else {
                println!("there was no embedded cluster to remove");
            }
        }
    }
    Ok(())
}
