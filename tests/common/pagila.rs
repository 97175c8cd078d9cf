//! Pagila, the PostgreSQL sample database (tests/fixtures/pagila/, MIT-style
//! licence beside it), loaded the way `psql -f` would: the schema file as
//! one batch, the data file's `COPY … FROM stdin` blocks through COPY and
//! its other statements as they are.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use postgres::Client;

/// The folder with Pagila's files and its project file.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pagila")
}

/// Pagila's schema.
pub fn schema_sql() -> String {
    std::fs::read_to_string(dir().join("pagila-schema.sql")).expect("Pagila's schema")
}

/// Runs Pagila's schema on `client`.
pub fn load_schema(client: &mut Client) {
    client
        .batch_execute(&schema_sql())
        .expect("load pagila-schema.sql");
}

/// Loads Pagila's data (every row of its 15 tables and 7 partitions).
pub fn load_data(client: &mut Client) {
    let text = std::fs::read_to_string(dir().join("pagila-data.sql")).expect("Pagila's data");
    let mut lines = text.lines();
    let mut statement = String::new();
    while let Some(line) = lines.next() {
        if line.starts_with("COPY ") && line.ends_with("FROM stdin;") {
            let mut writer = client
                .copy_in(line.trim_end_matches(';'))
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            for row in lines.by_ref() {
                if row == "\\." {
                    break;
                }
                writer.write_all(row.as_bytes()).unwrap();
                writer.write_all(b"\n").unwrap();
            }
            writer.finish().unwrap_or_else(|e| panic!("{line}: {e}"));
            continue;
        }
        if line.starts_with("--") || line.trim().is_empty() {
            continue;
        }
        statement.push_str(line);
        statement.push('\n');
        if line.trim_end().ends_with(';') {
            client
                .batch_execute(&statement)
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
            statement.clear();
        }
    }
}
