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
