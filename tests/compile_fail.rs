//! The fixture merge end to end: a patched copy of the crate whose build
//! fails, through cargo, with the conflict's file:line message. Every
//! conflict class and its exact message is checked on the real fixtures, in
//! memory, by the merge module's own tests (`src/engine/merge/fixture_cases.rs`);
//! this one case proves that `build.rs` turns a conflict into a failed build
//! that names it.
//!
//! Why not trybuild: trybuild compiles single test files against the crate
//! as it is, while these conflicts live in the crate's own `golden/` and are
//! found by its build script. Fixture *references* from test code are
//! checked with trybuild, in `tests/fixture_refs.rs`.
//!
//! Cost: the copy lives at a fixed path in the target directory and its
//! files are rewritten only when their content changed, so cargo's
//! fingerprints hold between runs; a warm run compiles nothing and only
//! re-runs the failing build script. `cargo check` runs in trybuild's target
//! directory (`<target>/tests/trybuild`; the outer `cargo test` holds the
//! lock on its own one) with trybuild's flags, profile and `--target`, so
//! the dependencies are checked once for both tests on a fresh machine. If
//! trybuild changes its flags, the two just stop sharing: cargo keeps units
//! built with different flags apart.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the patched crate lives, kept between runs.
fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compile-fail-crate")
}

/// Writes `bytes` to `path` unless it already holds them (an unchanged file
/// keeps its mtime, which is what cargo's fingerprints compare).
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Makes `to` hold exactly the files of `from` (plus `extra`, relative
/// paths with their contents), touching only what differs.
fn sync_dir(from: &Path, to: &Path, extra: &[(&str, String)]) {
    fn files(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut wanted: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut src = Vec::new();
    files(from, from, &mut src);
    for rel in src {
        let bytes = std::fs::read(from.join(&rel)).unwrap();
        wanted.push((rel, bytes));
    }
    for (rel, text) in extra {
        let rel = PathBuf::from(rel);
        wanted.retain(|(p, _)| *p != rel);
        wanted.push((rel, text.clone().into_bytes()));
    }
    for (rel, bytes) in &wanted {
        write_if_changed(&to.join(rel), bytes);
    }
    let mut present = Vec::new();
    files(to, to, &mut present);
    for rel in present {
        if !wanted.iter().any(|(p, _)| *p == rel) {
            std::fs::remove_file(to.join(rel)).unwrap();
        }
    }
}

/// The header a new golden module starts with (its first item on line 7).
const GOLDEN_HEADER: &str = "use crate::fixture::*;\nuse crate::generated::schema::*;\nuse rust_decimal_macros::dec;\nuse uuid::uuid;\n\nuse super::*;\n";

/// A golden row whose primary key another golden row already has.
const DUPLICATE: &str = "pub const SECOND_TEST_TEACHER: Teachers = Teachers {\n    id: TEST_TEACHER_ID,\n    currency: \"EUR\",\n    ..Teachers::DEFAULT\n};\n";

/// The rustc flags trybuild (1.0.x, `rustflags.rs` and `cargo.rs`) checks
/// a compile-fail case with.
const TRYBUILD_RUSTFLAGS: &str =
    r#"["--cfg", "trybuild", "--verbose", "-A", "dead_code", "--diagnostic-width=140"]"#;

/// The build-script optimisation both nested builds use (the crate's own
/// profile; trybuild's generated project has none, so
/// `tests/fixture_refs.rs` sets the same variable). `build.rs` parses every
/// fixture file, and it re-runs on every run of this test.
const BUILD_OVERRIDE_OPT_LEVEL: (&str, &str) = ("CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL", "2");

/// The host target, as `rustc -vV` names it (trybuild passes `--target`).
fn host() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// The manifest without its `[profile…]` sections: trybuild's project has
/// none, and only equal profiles share built units.
fn without_profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut in_profile = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile");
        }
        if !in_profile {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `cargo check --lib` of the copy, as trybuild checks; returns (success,
/// stderr).
fn check(dir: &Path) -> (bool, String) {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("tests")
        .join("trybuild");
    let host = host();
    let out = Command::new(env!("CARGO"))
        .args(["check", "--lib", "--offline", "--quiet", "--target", &host])
        .arg(format!("--config=build.rustflags={TRYBUILD_RUSTFLAGS}"))
        .arg(format!(
            "--config=target.{host}.rustflags={TRYBUILD_RUSTFLAGS}"
        ))
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_INCREMENTAL", "0")
        .env(BUILD_OVERRIDE_OPT_LEVEL.0, BUILD_OVERRIDE_OPT_LEVEL.1)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_golden_conflict_fails_the_build_with_its_file_and_line() {
    let copy = crate_dir();
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    write_if_changed(
        &copy.join("Cargo.toml"),
        without_profiles(&manifest).as_bytes(),
    );
    for f in ["Cargo.lock", "build.rs"] {
        write_if_changed(&copy.join(f), &std::fs::read(root().join(f)).unwrap());
    }
    for d in ["src", "sql", "generated"] {
        sync_dir(&root().join(d), &copy.join(d), &[]);
    }
    let mut golden_mod = std::fs::read_to_string(root().join("golden/mod.rs")).unwrap();
    golden_mod.push_str("\n#[allow(unused_imports)]\npub mod zz_dup;\n");
    sync_dir(
        &root().join("golden"),
        &copy.join("golden"),
        &[
            ("mod.rs", golden_mod),
            ("zz_dup.rs", format!("{GOLDEN_HEADER}{DUPLICATE}")),
        ],
    );

    let (ok, stderr) = check(&copy);
    assert!(!ok, "the build should fail; stderr:\n{stderr}");
    for expected in [
        "et-testdb: golden/ and generated/ conflict (1 problem):",
        "golden/zz_dup.rs:7: SECOND_TEST_TEACHER: duplicate key in golden: table `teachers`, primary key (id) = 8fb84d2f-478a-437f-825e-9e364274d78a is already used by golden/users.rs:",
    ] {
        assert!(stderr.contains(expected), "missing `{expected}` in:\n{stderr}");
    }
}
