//! The project description: one checked-in data file, `et-testdb.toml`,
//! holds every choice a project makes (which schemas, which tables and
//! columns to skip, how each personal column is anonymized, the baseline
//! SQL and the migration directory, the test database's name and the
//! environment variables that point the commands somewhere, subsetting and
//! faker settings). The engine reads it at run time, so adding a rule or
//! skipping a column needs neither a Rust edit nor a rebuild.
//!
//! Where the file is found, first match wins:
//!
//! 1. the path in `ET_TESTDB_CONFIG`;
//! 2. `et-testdb.toml` in the current directory or one of its parents;
//! 3. `et-testdb.toml` of the checkout the tool was built from.
//!
//! Relative paths in it are relative to the file's directory.
//!
//! [`Project::parse`] checks the file's shape; [`Project::validate`] checks
//! it against the introspected schema, with one message per bad line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use crate::engine::anonymize::Action;
use crate::engine::schema::Schema;

/// The file's name.
pub const FILE_NAME: &str = "et-testdb.toml";
/// The environment variable naming another project file.
pub const CONFIG_VAR: &str = "ET_TESTDB_CONFIG";

/// A project file that cannot be used: every problem, each with its line.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{} has {} problem{}:\n  {}\nFix {} and run again.",
    shown(path),
    problems.len(),
    if problems.len() == 1 { "" } else { "s" },
    problems.join("\n  "),
    if problems.len() == 1 { "it" } else { "them" }
)]
pub struct ProjectError {
    pub path: PathBuf,
    pub problems: Vec<String>,
}

/// A project, as its file describes it.
#[derive(Debug, Clone)]
pub struct Project {
    /// The file it was read from.
    pub path: PathBuf,
    /// The project's name, for messages and generated headers.
    pub name: String,
    pub database: Database,
    pub schema: SchemaChoice,
    pub anonymize: AnonymizeChoice,
    pub subset: Subset,
    /// Settings the `migrate` step sets (`set_config(key, value, true)`) in
    /// each migration's transaction: a project's migrations read them with
    /// `current_setting(key, true)`.
    pub migration_settings: BTreeMap<String, String>,
}

/// The test database and where commands find their URLs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// The test database's name on the embedded cluster, and the name a
    /// destructive command expects to recognise a test database by.
    pub name: String,
    /// The variable (environment or `.env`) holding the test database's URL.
    pub url_var: String,
    /// The variable holding the production URL: only ever read from.
    pub production_url_var: String,
    /// The variable the backend's tests read their URL from (written by
    /// `seed --print-env` in the backend's driver form).
    pub client_url_var: String,
}

/// Which part of the database is the project's.
#[derive(Debug, Clone)]
pub struct SchemaChoice {
    /// Schemas to read.
    pub include: Vec<String>,
    /// The SQL that creates the schema a migration run starts from.
    pub baseline: Option<PathBuf>,
    /// The directory of `NNN_name.sql` migration files.
    pub migrations: Option<PathBuf>,
    /// Tables left out entirely.
    pub skip_tables: BTreeSet<String>,
    /// Columns left out (they must be nullable or have a default).
    pub skip_columns: BTreeSet<(String, String)>,
    /// Lines of the skip entries, for messages.
    skip_lines: BTreeMap<String, usize>,
}

/// How personal data is replaced.
#[derive(Debug, Clone)]
pub struct AnonymizeChoice {
    pub settings: FakerSettings,
    /// `table.column` → its rule.
    pub rules: BTreeMap<(String, String), Rule>,
}

/// What fakers draw from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FakerSettings {
    pub locale: Locale,
    /// Where fake coordinates fall.
    pub region: Region,
    /// The most a `date_shift` moves a value, in days (either way).
    pub date_shift_days: i32,
}

/// A square around a centre, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub latitude: f64,
    pub longitude: f64,
    /// Half the side of the square.
    pub spread: f64,
}

impl Default for FakerSettings {
    fn default() -> Self {
        FakerSettings {
            locale: Locale::En,
            region: Region {
                latitude: 0.0,
                longitude: 0.0,
                spread: 1.0,
            },
            date_shift_days: 730,
        }
    }
}

/// The locales of the `fake` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ArSa,
    CyGb,
    DeDe,
    En,
    FaIr,
    FrFr,
    ItIt,
    JaJp,
    NlNl,
    PtBr,
    PtPt,
    TrTr,
    ZhCn,
    ZhTw,
}

impl Locale {
    /// Every locale, with the spelling the file uses.
    pub const ALL: &[(&str, Locale)] = &[
        ("ar_SA", Locale::ArSa),
        ("cy_GB", Locale::CyGb),
        ("de_DE", Locale::DeDe),
        ("en", Locale::En),
        ("fa_IR", Locale::FaIr),
        ("fr_FR", Locale::FrFr),
        ("it_IT", Locale::ItIt),
        ("ja_JP", Locale::JaJp),
        ("nl_NL", Locale::NlNl),
        ("pt_BR", Locale::PtBr),
        ("pt_PT", Locale::PtPt),
        ("tr_TR", Locale::TrTr),
        ("zh_CN", Locale::ZhCn),
        ("zh_TW", Locale::ZhTw),
    ];

    fn parse(s: &str) -> Option<Locale> {
        let norm = |x: &str| x.replace('-', "_").to_ascii_lowercase();
        Locale::ALL
            .iter()
            .find(|(name, _)| norm(name) == norm(s))
            .map(|&(_, l)| l)
    }
}

/// Subsetting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subset {
    /// Keep at most this many rows per table (plus every row they
    /// reference); `--max-rows-per-table` overrides it.
    pub max_rows_per_table: Option<usize>,
}

/// One column's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub action: Action,
    /// Why a kept column is not personal.
    pub reason: Option<String>,
    /// The line of the file it is on.
    pub line: usize,
}

// The file's shape, as serde reads it.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    database: Database,
    #[serde(default)]
    schema: SchemaFile,
    #[serde(default)]
    anonymize: AnonymizeFile,
    #[serde(default)]
    subset: Subset,
    #[serde(default)]
    migrations: MigrationsFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    include: Option<Vec<String>>,
    baseline: Option<PathBuf>,
    migrations: Option<PathBuf>,
    #[serde(default)]
    skip: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MigrationsFile {
    #[serde(default)]
    settings: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AnonymizeFile {
    locale: Option<Spanned<String>>,
    region: Option<Region>,
    date_shift_days: Option<i32>,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<toml::Value>>,
}

/// `path` as messages show it: relative to the current directory when
/// inside it.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Project {
    /// Reads and checks the file at `path` (its shape only; see
    /// [`Project::validate`] for the check against a schema).
    pub fn read(path: &Path) -> Result<Project, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProjectError {
            path: path.to_path_buf(),
            problems: vec![format!("cannot be read: {e}")],
        })?;
        Project::parse(path, &text)
    }

    /// Parses `text` as the file at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Project, ProjectError> {
        let fail = |problems: Vec<String>| ProjectError {
            path: path.to_path_buf(),
            problems,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let msg = e.message().trim().to_string();
            fail(vec![match line {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            }])
        })?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut problems = Vec::new();

        let mut skip_tables = BTreeSet::new();
        let mut skip_columns = BTreeSet::new();
        let mut skip_lines = BTreeMap::new();
        for s in &file.schema.skip {
            let line = line_of(text, s.span().start);
            let entry = s.get_ref();
            match entry.split_once('.') {
                None if !entry.is_empty() => {
                    skip_tables.insert(entry.clone());
                }
                Some((t, c)) if !t.is_empty() && !c.is_empty() && !c.contains('.') => {
                    skip_columns.insert((t.to_string(), c.to_string()));
                }
                _ => problems.push(format!(
                    "line {line}: schema.skip entry {entry:?} must be \"table\" or \"table.column\""
                )),
            }
            skip_lines.insert(entry.clone(), line);
        }

        // Reading several schemas is not built yet: a file asking for it is
        // refused rather than silently reading `public` alone.
        if let Some(include) = &file.schema.include {
            if include.as_slice() != ["public"] {
                problems.push(format!(
                    "schema.include is {include:?}, but this version reads schema `public` only; \
                     set include = [\"public\"] (or leave it out)"
                ));
            }
        }

        let mut settings = FakerSettings::default();
        if let Some(l) = &file.anonymize.locale {
            match Locale::parse(l.get_ref()) {
                Some(locale) => settings.locale = locale,
                None => problems.push(format!(
                    "line {}: anonymize.locale {:?} is not one of fake's locales: {}",
                    line_of(text, l.span().start),
                    l.get_ref(),
                    Locale::ALL
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        if let Some(r) = file.anonymize.region {
            settings.region = r;
        }
        if let Some(d) = file.anonymize.date_shift_days {
            settings.date_shift_days = d;
        }

        let mut rules = BTreeMap::new();
        for (key, value) in &file.anonymize.columns {
            let line = line_of(text, value.span().start);
            let Some((table, column)) = key
                .split_once('.')
                .filter(|(t, c)| !t.is_empty() && !c.is_empty())
            else {
                problems.push(format!(
                    "line {line}: anonymize.columns key {key:?} must be \"table.column\""
                ));
                continue;
            };
            match rule_of(value.get_ref()) {
                Ok((action, reason)) => {
                    rules.insert(
                        (table.to_string(), column.to_string()),
                        Rule {
                            action,
                            reason,
                            line,
                        },
                    );
                }
                Err(why) => problems.push(format!("line {line}: {key}: {why}")),
            }
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        Ok(Project {
            path: path.to_path_buf(),
            name: file.name,
            database: file.database,
            schema: SchemaChoice {
                include: file
                    .schema
                    .include
                    .unwrap_or_else(|| vec!["public".to_string()]),
                baseline: file.schema.baseline.map(|p| dir.join(p)),
                migrations: file.schema.migrations.map(|p| dir.join(p)),
                skip_tables,
                skip_columns,
                skip_lines,
            },
            anonymize: AnonymizeChoice { settings, rules },
            subset: file.subset,
            migration_settings: file.migrations.settings,
        })
    }

    /// The project the commands work on (see the module's docs for where it
    /// is found), read once per process.
    pub fn current() -> Result<&'static Project, ProjectError> {
        static CURRENT: OnceLock<Result<Project, ProjectError>> = OnceLock::new();
        CURRENT
            .get_or_init(|| Project::read(&Project::locate()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Where the project file is: `ET_TESTDB_CONFIG`, else `et-testdb.toml`
    /// in the current directory or a parent, else this checkout's.
    pub fn locate() -> PathBuf {
        if let Some(p) = std::env::var_os(CONFIG_VAR).filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        if let Ok(cwd) = std::env::current_dir() {
            for dir in cwd.ancestors() {
                let candidate = dir.join(FILE_NAME);
                if candidate.is_file() {
                    return candidate;
                }
            }
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join(FILE_NAME)
    }

    /// The file's path as messages show it: relative to the current
    /// directory when inside it.
    pub fn display_path(&self) -> String {
        shown(&self.path)
    }

    /// The rule for `table.column`, if any.
    pub fn rule(&self, table: &str, column: &str) -> Option<&Rule> {
        self.anonymize
            .rules
            .get(&(table.to_string(), column.to_string()))
    }

    /// Whether `table` is left out.
    pub fn skips_table(&self, table: &str) -> bool {
        self.schema.skip_tables.contains(table)
    }

    /// Whether `table.column` is left out.
    pub fn skips_column(&self, table: &str, column: &str) -> bool {
        self.schema
            .skip_columns
            .contains(&(table.to_string(), column.to_string()))
    }

    /// Checks the file against the introspected `schema` (which already
    /// holds only the included schemas, skipped tables and columns still
    /// in): every rule and skip names a column that exists, every rule's
    /// faker fits its column's type, every skipped column may be left out
    /// of an INSERT. One message per bad line.
    pub fn validate(&self, schema: &Schema) -> Result<(), ProjectError> {
        let mut problems = Vec::new();
        let table_list = || {
            let names: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
            names.join(", ")
        };
        for (entry, line) in &self.schema.skip_lines {
            let (t, c) = match entry.split_once('.') {
                Some((t, c)) => (t, Some(c)),
                None => (entry.as_str(), None),
            };
            let Some(table) = schema.tables.get(t) else {
                problems.push(format!(
                    "line {line}: schema.skip names table `{t}`, which the database does not have (tables: {})",
                    table_list()
                ));
                continue;
            };
            if c.is_none() {
                for other in schema.tables.values() {
                    if self.skips_table(&other.name) {
                        continue;
                    }
                    for fk in other.foreign_keys.iter().filter(|fk| fk.ref_table == t) {
                        let optional = fk.columns.iter().all(|fc| {
                            other.column(fc).is_some_and(|col| col.nullable)
                                || self.skips_column(&other.name, fc)
                        });
                        if !optional {
                            problems.push(format!(
                                "line {line}: schema.skip leaves out table `{t}`, which `{}` references \
                                 ({}, NOT NULL); skip `{}` too, or keep `{t}`",
                                other.name, fk.name, other.name
                            ));
                        }
                    }
                }
            }
            if let Some(c) = c {
                let in_pk = table
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.iter().any(|k| k == c));
                match table.columns.iter().find(|col| col.name == c) {
                    Some(_) if in_pk => problems.push(format!(
                        "line {line}: schema.skip leaves out `{t}.{c}`, which is part of the primary key; \
                         skip the table instead"
                    )),
                    None => problems.push(format!(
                        "line {line}: schema.skip names column `{t}.{c}`, which does not exist (columns: {})",
                        column_list(table)
                    )),
                    Some(col) if !col.nullable && !col.has_default() => problems.push(format!(
                        "line {line}: schema.skip leaves out `{t}.{c}`, which is NOT NULL without a default, \
                         so no row could be inserted without it; skip the table or anonymize the column instead"
                    )),
                    Some(_) => {}
                }
            }
        }
        for ((t, c), rule) in &self.anonymize.rules {
            let line = rule.line;
            let Some(table) = schema.tables.get(t) else {
                if !self.skips_table(t) {
                    problems.push(format!(
                        "line {line}: rule for `{t}.{c}`: the database has no table `{t}` (tables: {})",
                        table_list()
                    ));
                }
                continue;
            };
            let Some(col) = table.columns.iter().find(|col| &col.name == c) else {
                problems.push(format!(
                    "line {line}: rule for `{t}.{c}`: table `{t}` has no column `{c}` (columns: {})",
                    column_list(table)
                ));
                continue;
            };
            if let Err(why) = rule.action.fits(&col.ty.kind) {
                problems.push(format!(
                    "line {line}: rule for `{t}.{c}`: `{}` {why}; the column is {}",
                    rule.action.name(),
                    col.ty.name
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ProjectError {
                path: self.path.clone(),
                problems,
            })
        }
    }
}

impl Project {
    /// Leaves the skipped tables and columns out of `schema` (after
    /// [`Project::validate`] accepted them): a skipped column goes with the
    /// unique keys and foreign keys that include it.
    pub fn restrict(&self, schema: &mut Schema) {
        schema.tables.retain(|name, _| !self.skips_table(name));
        for table in schema.tables.values_mut() {
            let name = table.name.clone();
            let skipped = |c: &String| self.skips_column(&name, c);
            table.columns.retain(|c| !skipped(&c.name));
            table
                .unique_keys
                .retain(|k| !k.columns.iter().any(&skipped));
            table
                .foreign_keys
                .retain(|k| !k.columns.iter().any(&skipped));
        }
    }
}

fn column_list(table: &crate::engine::schema::Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    names.join(", ")
}

/// A rule's value: `"faker"` or `{ keep = "why" }`.
fn rule_of(value: &toml::Value) -> Result<(Action, Option<String>), String> {
    let known = || {
        Action::ALL
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value {
        toml::Value::String(name) if name == "keep" => {
            Err("`keep` needs a reason: write { keep = \"why it is not personal\" }".to_string())
        }
        toml::Value::String(name) => Action::parse(name)
            .map(|a| (a, None))
            .ok_or_else(|| format!("unknown faker {name:?}; the fakers are: {}", known())),
        toml::Value::Table(t) => match (t.get("keep"), t.len()) {
            (Some(toml::Value::String(why)), 1) if why.trim().len() >= 10 => {
                Ok((Action::Keep, Some(why.clone())))
            }
            (Some(toml::Value::String(_)), 1) => Err(
                "say why the column is not personal, in at least ten characters".to_string(),
            ),
            _ => Err(
                "a rule is a faker's name (\"email\") or { keep = \"why it is not personal\" }"
                    .to_string(),
            ),
        },
        _ => Err(format!(
            "a rule is a faker's name (\"email\") or {{ keep = \"why it is not personal\" }}; the fakers are: {}",
            known()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "demo"
[database]
name = "demo_test"
url_var = "DEMO_URL"
production_url_var = "DEMO_PROD_URL"
client_url_var = "DEMO_CLIENT_URL"
"#;

    fn parse(extra: &str) -> Result<Project, ProjectError> {
        Project::parse(Path::new("/p/et-testdb.toml"), &format!("{MINIMAL}{extra}"))
    }

    #[test]
    fn a_minimal_file_has_the_defaults() {
        let p = parse("").unwrap();
        assert_eq!(p.schema.include, ["public"]);
        assert!(p.schema.baseline.is_none() && p.anonymize.rules.is_empty());
        assert_eq!(p.anonymize.settings, FakerSettings::default());
    }

    #[test]
    fn paths_are_relative_to_the_file() {
        let p = parse("[schema]\nbaseline = \"sql/base.sql\"\nmigrations = \"sql/m\"\n").unwrap();
        assert_eq!(p.schema.baseline.unwrap(), Path::new("/p/sql/base.sql"));
        assert_eq!(p.schema.migrations.unwrap(), Path::new("/p/sql/m"));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_line() {
        let err = parse(
            "[schema]\nskip = [\"a.b.c\"]\n[anonymize]\nlocale = \"xx\"\n[anonymize.columns]\n\
             \"users.email\" = \"emial\"\n\"nodot\" = \"email\"\n\"users.tz\" = \"keep\"\n\"users.x\" = { keep = \"no\" }\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems.len(), 6, "{text}");
        for want in [
            "line 9: schema.skip entry \"a.b.c\"",
            "line 11: anonymize.locale \"xx\" is not one of fake's locales",
            "line 13: users.email: unknown faker \"emial\"; the fakers are: ",
            "line 14: anonymize.columns key \"nodot\" must be \"table.column\"",
            "line 15: users.tz: `keep` needs a reason",
            "line 16: users.x: say why",
        ] {
            assert!(text.contains(want), "{want:?} in {text}");
        }
    }

    #[test]
    fn schemas_other_than_public_are_refused_not_ignored() {
        let err = parse("[schema]\ninclude = [\"public\", \"sales\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("reads schema `public` only"), "{err}");
        assert!(parse("[schema]\ninclude = [\"public\"]\n").is_ok());
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = parse("[anonymize\n").unwrap_err().to_string();
        assert!(err.contains("line 8: unclosed table"), "{err}");
        let err = parse("[database2]\nx = 1\n").unwrap_err().to_string();
        assert!(err.contains("line 8") && err.contains("database2"), "{err}");
    }

    #[test]
    fn rules_and_locales_parse() {
        let p = parse(
            "[anonymize]\nlocale = \"fr-fr\"\n[anonymize.columns]\n\"users.email\" = \"email\"\n\
             \"users.tz\" = { keep = \"a shared IANA zone\" }\n",
        )
        .unwrap();
        assert_eq!(p.anonymize.settings.locale, Locale::FrFr);
        let r = p.rule("users", "email").unwrap();
        assert_eq!((r.action, r.line), (Action::Email, 11));
        let k = p.rule("users", "tz").unwrap();
        assert_eq!(k.action, Action::Keep);
        assert_eq!(k.reason.as_deref(), Some("a shared IANA zone"));
    }
}
