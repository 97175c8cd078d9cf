//! `cluster`: the embedded PostgreSQL that every command uses when no database
//! URL is configured.

use anyhow::Result;
use clap::{Parser, Subcommand};
use et_testdb::cluster::{Cluster, Status};

/// Manage the embedded PostgreSQL cluster (one per checkout and user).
///
/// It is created and started on demand by every command that has no
/// --db-url / DATABASE_URL_TEST_CLI, and keeps running between commands.
/// It lives under /dev/shm (or the temp directory); set ET_TESTDB_CLUSTER_DIR
/// to put it elsewhere.
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
    Url,
    /// Say whether the cluster exists and runs, and where it lives.
    Status,
    /// Stop the server (data is kept; the next command starts it again).
    Stop,
    /// Stop the server and delete the cluster with all its data.
    Remove,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    et_testdb::cli::run(|| run(args))
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Cmd::Url => {
            let cluster = Cluster::ensure()?;
            println!("{}", cluster.test_url().expose());
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
