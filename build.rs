//! Merges the fixtures at compile time: reads `generated/` (extracted rows
//! and the schema) and `golden/` (hand-written rows) with `syn`, applies the
//! merge rules, and writes the ordered seed plan to `OUT_DIR`. A conflict
//! fails the build with file, line, row, table, column and value. It never
//! touches a database.
//!
//! The migrations are not its business: the commands read the project's
//! migration directory (et-testdb.toml) when they run.

#[path = "src/engine/merge/mod.rs"]
#[allow(dead_code, unused_imports)]
mod merge;

#[path = "src/engine/civil.rs"]
#[allow(dead_code)]
mod civil;

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/engine/merge");
    println!("cargo::rerun-if-changed=generated");
    println!("cargo::rerun-if-changed=golden");

    let files = merge::load::gather_sources(&root).unwrap_or_else(|e| {
        fail(
            "the fixtures cannot be read",
            std::iter::once(e.to_string()),
        )
    });

    let loaded = match merge::load::load(&files) {
        Ok(l) => l,
        Err(errors) => fail(
            "the fixtures cannot be read",
            errors.iter().map(|e| e.to_string()),
        ),
    };
    let plan = match merge::merge(&loaded.tables, loaded.rows) {
        Ok(p) => p,
        Err(conflicts) => fail(
            "golden/ and generated/ conflict",
            conflicts.iter().map(|c| c.to_string()),
        ),
    };
    let json = serde_json::to_string(&plan).expect("a plan serializes");
    write_if_changed(&out.join("seed_plan.json"), json.as_bytes());
    let digest = merge::load::sources_digest(&files);
    write_if_changed(&out.join("sources_digest.txt"), digest.as_bytes());
}

/// Fails the build with one `cargo::error` line per problem.
fn fail(what: &str, problems: impl Iterator<Item = String>) -> ! {
    let problems: Vec<String> = problems.collect();
    println!(
        "cargo::error=et-testdb: {what} ({} problem{}):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in &problems {
        println!("cargo::error={p}");
    }
    std::process::exit(0)
}

fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        std::fs::write(path, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
