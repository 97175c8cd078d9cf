//! `demo`: write the synthetic v0.2 production dump that `reset` restores
//! when no real dump is given.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use et_testdb::efficient_tutor::demo::{self, DemoOptions};
use et_testdb::engine::cluster::Cluster;
use et_testdb::engine::config::{resolve_target, Target};

/// Generate the deterministic demo production database (EfficientTutor v0.2
/// schema, fake but realistic data) and write it with `pg_dump -Fc`.
///
/// It is built in a scratch database on the server (the embedded cluster
/// unless --db-url / DATABASE_URL_TEST_CLI names one), which is dropped
/// afterwards. The same seed and scale always give the same rows.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Args {
    /// Random seed.
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    seed: u64,
    /// Volume multiplier (1 ≈ 400 users, 5000 tuition logs; 100 for benchmarks).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    scale: u32,
    /// Where to write the dump [default: target/et-testdb/demo-<fingerprint>.dump].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Any database URL of the server to build on (default: the embedded cluster).
    #[arg(long)]
    db_url: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let opts = DemoOptions {
        seed: args.seed,
        scale: args.scale,
    };
    let server = match resolve_target(args.db_url.as_deref())? {
        Target::Url(url) => *url,
        Target::Embedded => Cluster::ensure()?.test_url(),
    };
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from(format!(
            "target/et-testdb/demo-{}.dump",
            demo::fingerprint(&opts)
        ))
    });
    let started = Instant::now();
    let counts = demo::write_dump(&server, &out, &opts)
        .with_context(|| format!("writing the demo dump {}", out.display()))?;
    for (table, rows) in &counts {
        println!("{table:<26} {rows:>9}");
    }
    println!(
        "{} rows in {:.1} s → {}",
        counts.values().sum::<u64>(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
