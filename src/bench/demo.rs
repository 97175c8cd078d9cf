//! `bench demo`: how long the demo generator takes per scale (moved out of
//! the tests, which must not time anything).

use std::time::Instant;

use crate::bench::scratch::{BenchError, ScratchDb};
use crate::bench::{print_table, rate, secs, thousands};
use crate::demo::{self, DemoOptions};

/// Options of `bench demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Scales to generate, each into a fresh scratch database.
    #[arg(long = "scale", value_name = "N", default_values_t = [1, 10])]
    pub scales: Vec<u32>,
}

/// Generates the demo database at each scale and prints rows and time
/// (`demo::generate`: baseline schema + COPY of every row, one transaction).
pub fn run(args: &DemoArgs) -> Result<(), BenchError> {
    let mut rows = Vec::new();
    for &scale in &args.scales {
        let db = ScratchDb::create(&format!("bench_demo_test_{}", std::process::id()))?;
        let mut c = db.connect()?;
        let started = Instant::now();
        let counts = demo::generate(
            &mut c,
            &DemoOptions {
                scale,
                ..DemoOptions::default()
            },
        )
        .map_err(BenchError::step)?;
        let elapsed = started.elapsed();
        let total: u64 = counts.values().sum();
        rows.push(vec![
            scale.to_string(),
            thousands(total),
            secs(elapsed),
            rate(total, elapsed),
        ]);
    }
    println!();
    println!("demo::generate (v0.2 baseline + COPY of every row, one transaction)");
    print_table(&["scale", "rows", "time", "rate"], &rows);
    Ok(())
}
