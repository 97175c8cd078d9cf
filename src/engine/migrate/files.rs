//! Finding the migration files in the project's migration directory, so the
//! list of migrations is never written by hand.
//!
//! The rules, checked whenever a command reads the directory, so a mistake
//! fails with the file's name rather than being ignored:
//!
//! - A migration is a file `NNN_<name>.sql` directly in the directory: a
//!   version of at least three digits written without extra leading zeros
//!   (`001`, `015`, `1000`), an underscore, and a name of ASCII letters,
//!   digits, `_` and `-`.
//! - Versions are 1, 2, 3, … with no gap and no duplicate: a gap is almost
//!   always a file renamed or numbered by mistake, and the runner applies
//!   files in order, so a missing number would later become an out-of-order
//!   file. The error names the files around the gap.
//! - A `.sql` file that does not follow the pattern is an error (a migration
//!   named `15-add-column.sql` must not be skipped silently). Other files
//!   (a README, an editor's backup `x.sql~`) and subdirectories are ignored
//!   with a warning; hidden files (`.x.sql.swp`) are ignored silently.
//! - The text must be UTF-8.

use std::path::{Path, PathBuf};

/// One migration file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// The `NNN` prefix as a number.
    pub version: i32,
    /// The file name, e.g. `001_sql_code.sql`.
    pub file_name: String,
    /// The file's full path.
    pub path: PathBuf,
}

/// What [`discover`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The migration files, in version order.
    pub files: Vec<FoundFile>,
    /// Entries that were ignored, one sentence each (build warnings).
    pub warnings: Vec<String>,
}

/// Splits a migration file name `NNN_<name>.sql` into its version and name;
/// the error says what is wrong with it.
pub fn parse_file_name(file_name: &str) -> Result<(i32, &str), String> {
    const PATTERN: &str = "migration files are named NNN_<name>.sql: a version of three or more \
                           digits (001, 015), an underscore, a name of letters, digits, _ and -";
    let Some(stem) = file_name.strip_suffix(".sql") else {
        return Err(format!("it does not end in .sql ({PATTERN})"));
    };
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = stem.split_at(digits);
    let Some(name) = rest.strip_prefix('_') else {
        return Err(format!("no `NNN_` version prefix ({PATTERN})"));
    };
    if digits < 3 {
        return Err(format!(
            "the version `{number}` has fewer than three digits ({PATTERN})"
        ));
    }
    let version: i32 = number
        .parse()
        .map_err(|_| format!("the version `{number}` is too large"))?;
    if version == 0 {
        return Err("version 000: versions start at 001".to_string());
    }
    if format!("{version:03}") != number {
        return Err(format!(
            "the version `{number}` has extra leading zeros; write it {version:03}"
        ));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "the name `{name}` is empty or has other characters ({PATTERN})"
        ));
    }
    Ok((version, name))
}

/// Reads `dir` and returns its migration files in version order, or every
/// problem found (each naming the file concerned).
pub fn discover(dir: &Path) -> Result<Found, Vec<String>> {
    let shown = |name: &str| dir.join(name).display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![format!(
            "cannot read the migration directory {}: {e}",
            dir.display()
        )]
    })?;
    let mut found = Found::default();
    let mut problems = Vec::new();
    let mut names: Vec<(String, bool)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| vec![format!("cannot read {}: {e}", dir.display())])?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        match entry.file_name().into_string() {
            Ok(name) => names.push((name, is_dir)),
            Err(name) => problems.push(format!(
                "{}: the file name is not UTF-8; rename it",
                dir.join(name).display()
            )),
        }
    }
    names.sort();
    for (name, is_dir) in names {
        if name.starts_with('.') {
            continue;
        }
        if is_dir {
            found.warnings.push(format!(
                "ignored {}/: migrations are the .sql files directly in {}",
                shown(&name),
                dir.display()
            ));
            continue;
        }
        if !name.ends_with(".sql") {
            found
                .warnings
                .push(format!("ignored {}: not a .sql file", shown(&name)));
            continue;
        }
        match parse_file_name(&name) {
            Ok((version, _)) => found.files.push(FoundFile {
                version,
                file_name: name.clone(),
                path: dir.join(&name),
            }),
            Err(why) => problems.push(format!("{}: {why}; rename it", shown(&name))),
        }
    }
    found.files.sort_by_key(|f| f.version);
    for pair in found.files.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.version == b.version {
            problems.push(format!(
                "{} and {} have the same version {:03}; give the newer one the next free number",
                shown(&a.file_name),
                shown(&b.file_name),
                a.version
            ));
        }
    }
    let mut expected = 1;
    for f in &found.files {
        if f.version > expected {
            let after = found
                .files
                .iter()
                .rfind(|g| g.version < f.version)
                .map_or("the start".to_string(), |g| g.file_name.clone());
            problems.push(format!(
                "{}: version {expected:03} is missing (the numbers jump from {after} to {}); \
                 number migrations 001, 002, … without gaps",
                shown(&f.file_name),
                f.file_name
            ));
        }
        expected = f.version + 1;
    }
    for f in &found.files {
        if let Err(e) = std::fs::read_to_string(&f.path) {
            problems.push(format!(
                "{}: cannot be read as UTF-8 text: {e}",
                f.path.display()
            ));
        }
        if f.path.to_str().is_none() {
            problems.push(format!("{}: the path is not UTF-8", f.path.display()));
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), "SELECT 1;\n").unwrap();
        }
        dir
    }

    fn names(found: &Found) -> Vec<&str> {
        found.files.iter().map(|f| f.file_name.as_str()).collect()
    }

    #[test]
    fn file_names_follow_the_pattern() {
        assert_eq!(parse_file_name("001_sql_code.sql"), Ok((1, "sql_code")));
        assert_eq!(parse_file_name("015_add-x.sql"), Ok((15, "add-x")));
        assert_eq!(parse_file_name("1000_big.sql"), Ok((1000, "big")));
        for bad in [
            "15_x.sql",
            "015-x.sql",
            "015_.sql",
            "0015_x.sql",
            "000_x.sql",
            "015_a b.sql",
            "x.sql",
            "015_x.SQL",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_file_is_found_and_read_in_order() {
        let dir = dir_with(&["002_b.sql", "001_a.sql", "003_new.sql"]);
        let found = discover(dir.path()).unwrap();
        assert_eq!(names(&found), ["001_a.sql", "002_b.sql", "003_new.sql"]);
        assert!(found.warnings.is_empty(), "{:?}", found.warnings);
        let loaded = crate::engine::migrate::load_dir(dir.path()).unwrap();
        let versions: Vec<(i32, &str)> = loaded.iter().map(|m| (m.version, m.file_name)).collect();
        assert_eq!(
            versions,
            [(1, "001_a.sql"), (2, "002_b.sql"), (3, "003_new.sql")]
        );
    }

    #[test]
    fn a_misnamed_sql_file_is_an_error_naming_it() {
        let dir = dir_with(&["001_a.sql", "2-b.sql"]);
        let problems = discover(dir.path()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("2-b.sql"), "{problems:?}");
        assert!(problems[0].contains("NNN_<name>.sql"), "{problems:?}");
    }

    #[test]
    fn duplicates_and_gaps_are_errors_naming_the_files() {
        let dir = dir_with(&["001_a.sql", "002_b.sql", "002_c.sql"]);
        let problems = discover(dir.path()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("002_b.sql")
                && p.contains("002_c.sql")
                && p.contains("same version")),
            "{problems:?}"
        );
        let dir = dir_with(&["001_a.sql", "002_b.sql", "004_d.sql"]);
        let problems = discover(dir.path()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("version 003 is missing")
                && problems[0].contains("from 002_b.sql to 004_d.sql"),
            "{problems:?}"
        );
        let dir = dir_with(&["002_b.sql"]);
        let problems = discover(dir.path()).unwrap_err();
        assert!(
            problems[0].contains("version 001 is missing"),
            "{problems:?}"
        );
    }

    #[test]
    fn other_files_are_ignored_with_a_warning_and_hidden_ones_silently() {
        let dir = dir_with(&["001_a.sql", "README.md", "001_a.sql~", ".001_a.sql.swp"]);
        std::fs::create_dir(dir.path().join("old")).unwrap();
        let found = discover(dir.path()).unwrap();
        assert_eq!(names(&found), ["001_a.sql"]);
        assert_eq!(found.warnings.len(), 3, "{:?}", found.warnings);
        assert!(found.warnings.iter().any(|w| w.contains("README.md")));
        assert!(found.warnings.iter().any(|w| w.contains("old/")));
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error() {
        let dir = dir_with(&["001_a.sql"]);
        std::fs::write(dir.path().join("002_b.sql"), [0xff, 0xfe, b';']).unwrap();
        let problems = discover(dir.path()).unwrap_err();
        assert!(
            problems[0].contains("002_b.sql") && problems[0].contains("UTF-8"),
            "{problems:?}"
        );
    }
}
