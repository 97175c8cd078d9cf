//! Arguments every binary shares: counts of zero are refused by the parser,
//! before anything is touched, with a message naming the flag.

mod common;

use common::*;

#[test]
fn zero_counts_are_rejected_by_the_parser() {
    let cases: &[(&str, &[&str])] = &[
        (env!("CARGO_BIN_EXE_reset"), &["--jobs", "0"]),
        (
            env!("CARGO_BIN_EXE_extract"),
            &["--max-rows-per-table", "0"],
        ),
        (
            env!("CARGO_BIN_EXE_pipeline"),
            &["--max-rows-per-table", "0"],
        ),
        (env!("CARGO_BIN_EXE_seed"), &["--lock-timeout", "0"]),
    ];
    for (exe, args) in cases {
        let out = run_bin(exe, args, &[]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{exe} {args:?}: clap's usage error\n{err}"
        );
        assert!(
            err.contains(args[0]),
            "{exe} {args:?}: names the flag\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = run_bin(env!("CARGO_BIN_EXE_reset"), &["--jobs", "many"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a whole number"),
        "{}",
        stderr(&out)
    );
}

/// Every command that connects names the cause of a failed connection and
/// what to do about it, for the source the URL came from.
#[test]
fn connection_errors_name_their_cause_and_source() {
    let missing = cluster().url("et_cli_no_such_db_test");
    let dir = tempfile::tempdir().unwrap();
    let nobody_home = format!(
        "postgresql://postgres@/et_cli_test?host={}&port=5432",
        dir.path().display()
    );
    for exe in [
        env!("CARGO_BIN_EXE_seed"),
        env!("CARGO_BIN_EXE_migrate"),
        env!("CARGO_BIN_EXE_passwords"),
    ] {
        let out = run_bin(exe, &["--db-url", missing.expose()], &[]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{exe}");
        assert!(
            err.contains("does not exist") && err.contains("reset"),
            "{exe}: {err}"
        );
        assert!(
            !err.contains("schema") && !err.contains("drift"),
            "{exe}: {err}"
        );

        let out = run_bin(exe, &["--db-url", &nobody_home], &[]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{exe}");
        assert!(err.contains("--db-url"), "{exe} names the source: {err}");
        assert!(
            !err.contains("run `cargo run --bin reset` first"),
            "{exe}: {err}"
        );

        // The same URL from the environment: the hint names the variable.
        let out = run_bin(exe, &[], &[("DATABASE_URL_TEST_CLI", nobody_home.as_str())]);
        let err = stderr(&out);
        assert!(err.contains("DATABASE_URL_TEST_CLI"), "{exe}: {err}");
        assert!(!err.contains("--db-url"), "{exe}: {err}");
    }
    let out = run_bin(
        env!("CARGO_BIN_EXE_extract"),
        &[
            "--db-url",
            missing.expose(),
            "--out",
            dir.path().join("g").to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr(&out);
    assert!(
        err.contains("does not exist") && err.contains("reset"),
        "{err}"
    );
}
