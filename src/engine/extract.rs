//! Step 4, `extract`: a migrated v0.3 database → typed Rust fixture modules
//! in `generated/`. It reads like the pipeline it is:
//! [`schema::load`] → [`rows::load_table`] per table (one consistent
//! snapshot) → subset → [`anonymize`] → [`codegen::gen_all`] →
//! [`codegen::write_atomically`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::anonymize::{self, Action, Anonymizer};
use crate::engine::codegen::{self, Options};
use crate::engine::config::DbUrl;
use crate::engine::merge::load::{gather_golden, load as load_fixtures, SourceFile};
use crate::engine::merge::{Origin, Value as FixtureValue};
use crate::engine::migrate;
use crate::engine::project::{Project, ProjectError};
use crate::engine::rows::{self, Row, Value};
use crate::engine::schema::{self, Schema};

/// The most rows `generated/` should hold: beyond it the generated code
/// costs too much to compile (shared/codegen-costs.md), and extraction asks
/// for `--max-rows-per-table`.
pub const MAX_EMBEDDED_ROWS: usize = 100_000;

/// Errors of step 4.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    Connect(crate::engine::restore::RestoreError),
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    #[error(transparent)]
    Rows(#[from] rows::RowsError),
    #[error(transparent)]
    Codegen(#[from] codegen::CodegenError),
    #[error(transparent)]
    Anonymize(#[from] anonymize::AnonymizeError),
    #[error("reading {what}: {detail}")]
    Db { what: String, detail: String },
    #[error(
        "the database has {rows} rows, more than the {MAX_EMBEDDED_ROWS} that compile comfortably as Rust \
         (about 15 s and 1.5 GB per 100k rows).\n\
         Extract a subset: `cargo run --bin extract -- --max-rows-per-table N` (referenced rows are kept too)."
    )]
    TooLarge { rows: usize },
    #[error("the database has no tables in schema `public`; migrate it first (`cargo run --bin migrate`)")]
    Empty,
    /// The database lacks migrations of this checkout.
    #[error(
        "{url} is not migrated: {why}.\n\
         Run `cargo run --bin migrate` on it first (same --db-url or {url_var}), then extract again. \
         Pending: {}.",
        pending.join(", ")
    )]
    NotMigrated {
        url: String,
        url_var: String,
        why: String,
        pending: Vec<String>,
    },
    #[error(transparent)]
    Migrate(#[from] migrate::MigrateError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("golden/ cannot be read: {0}")]
    Golden(String),
}

/// What to extract and how.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Where the fixture modules go (`generated/`).
    pub out_dir: PathBuf,
    /// The crate root holding `golden/` (whose keys fakes avoid).
    pub golden_root: PathBuf,
    pub anonymize: bool,
    pub salt: String,
    /// Keep at most this many rows per table (plus every row they reference).
    pub max_rows_per_table: Option<usize>,
    /// The project (rules, skips, faker settings); `None`: the current one
    /// ([`Project::current`]).
    pub project: Option<Project>,
    /// bcrypt cost of the one `testtest` hash. The default is bcrypt's
    /// minimum, 4: the password is public, so cost protects nothing here,
    /// while every test that logs in as an extracted user pays it (a verify
    /// at cost 12 takes about a quarter of a second; at 4, about a
    /// millisecond).
    pub bcrypt_cost: u32,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        ExtractOptions {
            out_dir: root.join("generated"),
            golden_root: root,
            anonymize: true,
            salt: anonymize::DEFAULT_SALT.to_string(),
            max_rows_per_table: None,
            project: None,
            bcrypt_cost: 4,
        }
    }
}

/// Progress events, for a display.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    Tables(usize),
    TableRead { table: &'a str, rows: usize },
    Anonymizing,
    Writing,
    Notice(String),
}

/// What an extraction did.
#[derive(Debug, Clone, Default)]
pub struct ExtractReport {
    /// Rows written per table.
    pub rows: BTreeMap<String, usize>,
    pub anonymized: bool,
    pub files_written: usize,
    pub files_unchanged: usize,
    pub read_time: Duration,
    pub total_time: Duration,
    pub notices: Vec<String>,
}

fn db(what: &str) -> impl FnOnce(postgres::Error) -> ExtractError + '_ {
    move |e| ExtractError::Db {
        what: what.to_string(),
        detail: crate::engine::restore::db_error_text(&e),
    }
}

/// Extracts `url`'s database into `opts.out_dir`.
pub fn extract(
    url: &DbUrl,
    opts: &ExtractOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<ExtractReport, ExtractError> {
    let started = Instant::now();
    let project = match &opts.project {
        Some(p) => p,
        None => Project::current()?,
    };
    let mut client = url
        .connect()
        .map_err(|e| ExtractError::Connect(crate::engine::restore::unreachable(url, &e)))?;
    // Before the schema is read: unmigrated v0.2 columns would otherwise
    // fail the anonymization check, and a partly migrated schema would be
    // extracted as if it were v0.3.
    let not_migrated = |why: String, pending: Vec<&migrate::Migration>| ExtractError::NotMigrated {
        url: url.to_string(),
        url_var: project.database.url_var.clone(),
        why,
        pending: pending.iter().map(|m| m.file_name.to_string()).collect(),
    };
    let migrations = migrate::migrations()?;
    match migrate::state(&mut client, migrations)? {
        migrate::State::Pending(p) => {
            let why = format!(
                "{} of the {} migrations are not applied",
                p.len(),
                migrations.len()
            );
            return Err(not_migrated(why, p));
        }
        migrate::State::Unmigrated => {
            let why = format!(
                "it has the baseline's tables and no {}",
                migrate::HISTORY_TABLE
            );
            return Err(not_migrated(why, migrations.iter().collect()));
        }
        migrate::State::Current | migrate::State::Unrelated => {}
    }
    let mut schema = schema::load(&mut client)?;
    project.validate(&schema)?;
    project.restrict(&mut schema);
    if schema.tables.is_empty() {
        return Err(ExtractError::Empty);
    }
    on_event(Event::Tables(schema.tables.len()));

    // One snapshot for every table, so references stay consistent.
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(db("BEGIN"))?;
    let mut all: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    // A table with a column of an unsupported type cannot be read. Every
    // such column of every table is reported at once; when anonymizing,
    // the text of those tables is still sampled so that the personal-data
    // check below also names every unreviewed column in the same run, and
    // the unsupported columns are reported after it.
    let unreadable = rows::check_all_supported(&schema).err();
    for (name, table) in &schema.tables {
        if rows::check_supported(table).is_err() {
            if opts.anonymize {
                all.insert(name.clone(), sample_as_text(&mut tx, table)?);
            }
            continue;
        }
        let rows = rows::load_table(&mut tx, &schema, name)?;
        on_event(Event::TableRead {
            table: name,
            rows: rows.len(),
        });
        all.insert(name.clone(), rows);
    }
    tx.commit().map_err(db("COMMIT"))?;
    let read_time = started.elapsed();

    if opts.anonymize {
        // Names, types and every value read, before anything is written.
        anonymize::check_coverage(project, &schema, &all)?;
    }
    if let Some(e) = unreadable {
        return Err(e.into());
    }
    // Each column's Rust type holds every value read.
    rows::refine_types(&mut schema, &all);

    if let Some(n) = opts
        .max_rows_per_table
        .or(project.subset.max_rows_per_table)
    {
        subset(&schema, &mut all, n);
    }
    let total: usize = all.values().map(Vec::len).sum();
    if total > MAX_EMBEDDED_ROWS {
        return Err(ExtractError::TooLarge { rows: total });
    }

    let mut notices = Vec::new();
    let options = Options {
        anonymized: opts.anonymize,
        ..Options::default()
    };
    // schema.rs once: golden/ is read against it, then it is written.
    let schema_rs = codegen::gen_schema(&schema, &options)?;
    let golden = golden_rows(&schema_rs, opts)?;
    notices.extend(yield_partial_unique(&schema, &mut all, &golden));
    if opts.anonymize {
        on_event(Event::Anonymizing);
        anonymize_rows(project, &schema, &mut all, &golden, opts)?;
    } else {
        notices.push(
            "--no-anonymize: generated/ holds REAL production data; its headers say so. Do not commit it."
                .to_string(),
        );
    }
    for n in &notices {
        on_event(Event::Notice(n.clone()));
    }

    on_event(Event::Writing);
    let files = codegen::gen_all_with_schema(&schema, &all, &options, schema_rs)?;
    let summary = codegen::write_atomically(&opts.out_dir, &files)?;
    notices.extend(summary.notices);
    Ok(ExtractReport {
        rows: all.iter().map(|(t, r)| (t.clone(), r.len())).collect(),
        anonymized: opts.anonymize,
        files_written: summary.written.len(),
        files_unchanged: summary.unchanged.len(),
        read_time,
        total_time: started.elapsed(),
        notices,
    })
}

/// The most rows of an unreadable table whose text the personal-data check
/// samples.
const UNREADABLE_SAMPLE: usize = 10_000;

/// The value-scanned columns of a table [`rows::load_table`] cannot read
/// (it has a column of an unsupported type), cast to text: at most
/// [`UNREADABLE_SAMPLE`] rows by primary key, the other columns NULL. Only
/// the personal-data check sees these rows.
fn sample_as_text(
    tx: &mut postgres::Transaction<'_>,
    table: &schema::Table,
) -> Result<Vec<Row>, ExtractError> {
    let sampled: Vec<usize> = (0..table.columns.len())
        .filter(|&i| anonymize::detect::samples_values(&table.columns[i].ty.kind))
        .collect();
    if sampled.is_empty() {
        return Ok(Vec::new());
    }
    let q = rows::quote_ident;
    let order = match &table.primary_key {
        Some(pk) => format!(
            " ORDER BY {}",
            pk.columns
                .iter()
                .map(|c| q(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {} FROM public.{}{order} LIMIT {UNREADABLE_SAMPLE}",
        sampled
            .iter()
            .map(|&i| format!("{}::text", q(&table.columns[i].name)))
            .collect::<Vec<_>>()
            .join(", "),
        q(&table.name)
    );
    let what = format!("a sample of table {}", table.name);
    let found = tx.query(&sql, &[]).map_err(db(&what))?;
    Ok(found
        .iter()
        .map(|r| {
            let mut values = vec![Value::Null; table.columns.len()];
            for (k, &i) in sampled.iter().enumerate() {
                if let Some(s) = r.get::<_, Option<String>>(k) {
                    values[i] = Value::Text(s);
                }
            }
            Row { values }
        })
        .collect())
}

/// A table's rows by the values of some columns.
type KeyIndex<'a> = BTreeMap<Vec<&'a Value>, Vec<usize>>;

/// Keeps the first `n` rows of each table (by primary key) and then every
/// row that a kept row references, transitively, so references never dangle.
pub fn subset(schema: &Schema, all: &mut BTreeMap<String, Vec<Row>>, n: usize) {
    // The foreign keys, by referencing table: (columns, target, target
    // columns), as indexes.
    type Fk<'a> = (Vec<usize>, &'a str, Vec<usize>);
    let mut fks: BTreeMap<&str, Vec<Fk>> = BTreeMap::new();
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let Some(target) = schema.table(&fk.ref_table) else {
                continue;
            };
            let from = fk
                .columns
                .iter()
                .filter_map(|c| table.column_index(c))
                .collect();
            let to = fk
                .ref_columns
                .iter()
                .filter_map(|c| target.column_index(c))
                .collect();
            fks.entry(table.name.as_str())
                .or_default()
                .push((from, target.name.as_str(), to));
        }
    }
    let keep: BTreeMap<String, Vec<bool>> = {
        let all = &*all;
        let mut keep: BTreeMap<&str, Vec<bool>> = all
            .iter()
            .map(|(t, rows)| (t.as_str(), (0..rows.len()).map(|i| i < n).collect()))
            .collect();
        // Every kept row's parents, each row once: a worklist over the
        // rows as they are kept, with each target's rows indexed by the
        // referenced columns on first use.
        let mut work: Vec<(&str, usize)> = all
            .iter()
            .flat_map(|(t, rows)| (0..rows.len().min(n)).map(move |i| (t.as_str(), i)))
            .collect();
        let mut indexes: BTreeMap<(&str, &[usize]), KeyIndex> = BTreeMap::new();
        while let Some((table, i)) = work.pop() {
            for (from, target, to) in fks.get(table).map(Vec::as_slice).unwrap_or_default() {
                let row = &all[table][i];
                let key: Vec<&Value> = from.iter().map(|&c| &row.values[c]).collect();
                if key.contains(&&Value::Null) {
                    continue;
                }
                let index = indexes.entry((target, to.as_slice())).or_insert_with(|| {
                    let mut index = KeyIndex::new();
                    for (j, r) in all[*target].iter().enumerate() {
                        index
                            .entry(to.iter().map(|&c| &r.values[c]).collect())
                            .or_default()
                            .push(j);
                    }
                    index
                });
                for &j in index.get(&key).map(Vec::as_slice).unwrap_or_default() {
                    let kept = keep.get_mut(target).expect("every table");
                    if !kept[j] {
                        kept[j] = true;
                        work.push((target, j));
                    }
                }
            }
        }
        keep.into_iter().map(|(t, k)| (t.to_owned(), k)).collect()
    };
    for (t, rows) in all.iter_mut() {
        let kept = &keep[t];
        let mut i = 0;
        rows.retain(|_| {
            i += 1;
            kept[i - 1]
        });
    }
}

/// Golden rows as (table → column → value text), for key avoidance.
type GoldenValues = BTreeMap<String, Vec<BTreeMap<String, FixtureValue>>>;

/// Reads golden/ against the schema being extracted (so the fixture types
/// match even before generated/ exists).
fn golden_rows(schema_rs: &str, opts: &ExtractOptions) -> Result<GoldenValues, ExtractError> {
    let mut files: Vec<SourceFile> =
        gather_golden(&opts.golden_root).map_err(|e| ExtractError::Golden(e.to_string()))?;
    files.push(SourceFile {
        path: "generated/schema.rs".into(),
        text: schema_rs.to_owned(),
        origin: Origin::Generated,
    });
    let loaded = load_fixtures(&files).map_err(|es| {
        ExtractError::Golden(
            es.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n  "),
        )
    })?;
    let mut out: GoldenValues = BTreeMap::new();
    for row in loaded.rows {
        out.entry(row.table).or_default().push(row.values);
    }
    Ok(out)
}

/// A partial unique index such as `one_master_admin_idx` (at most one row
/// with `privileges = 'Master'`) that a golden row already fills: generated
/// rows matching it take the column's default instead, so the seed cannot
/// fail on it. Only predicates of the form `(column = 'label'::type)` are
/// understood; others are left to PostgreSQL.
fn yield_partial_unique(
    schema: &Schema,
    all: &mut BTreeMap<String, Vec<Row>>,
    golden: &GoldenValues,
) -> Vec<String> {
    let mut notices = Vec::new();
    for table in schema.tables.values() {
        for uk in &table.unique_keys {
            let Some((column, label)) = uk.predicate.as_deref().and_then(parse_eq_predicate) else {
                continue;
            };
            let golden_has = golden.get(&table.name).is_some_and(|rows| {
                rows.iter().any(|r| {
                    matches!(r.get(&column), Some(FixtureValue::Enum(l) | FixtureValue::Text(l)) if *l == label)
                })
            });
            let Some(ci) = table.column_index(&column) else {
                continue;
            };
            let Some(default) = table.columns[ci].default.as_deref().and_then(parse_label) else {
                continue;
            };
            if !golden_has || default == label {
                continue;
            }
            let mut changed = 0;
            for row in all.get_mut(&table.name).into_iter().flatten() {
                if matches!(&row.values[ci], Value::Enum(l) | Value::Text(l) if *l == label) {
                    row.values[ci] = match &row.values[ci] {
                        Value::Enum(_) => Value::Enum(default.clone()),
                        _ => Value::Text(default.clone()),
                    };
                    changed += 1;
                }
            }
            if changed > 0 {
                notices.push(format!(
                    "{changed} extracted row(s) of `{}` had {column} = '{label}', which `{}` allows once and a golden row already has; they get the default '{default}'",
                    table.name, uk.name
                ));
            }
        }
    }
    notices
}

/// `(privileges = 'Master'::admin_privilege_type)` → (privileges, Master).
fn parse_eq_predicate(p: &str) -> Option<(String, String)> {
    let inner = p.trim().trim_start_matches('(').trim_end_matches(')');
    let (lhs, rhs) = inner.split_once(" = ")?;
    let column = lhs.trim().trim_matches('"').to_string();
    if !column
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    Some((column, parse_label(rhs)?))
}

/// `'Normal'::admin_privilege_type` → Normal.
fn parse_label(expr: &str) -> Option<String> {
    let e = expr.trim();
    let rest = e.strip_prefix('\'')?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_string())
}

/// Applies the rules of [`anonymize::rules`] to every row.
fn anonymize_rows(
    project: &Project,
    schema: &Schema,
    all: &mut BTreeMap<String, Vec<Row>>,
    golden: &GoldenValues,
    opts: &ExtractOptions,
) -> Result<(), ExtractError> {
    let settings = project.anonymize.settings;
    let mut anon = Anonymizer::new(&opts.salt, opts.bcrypt_cost, settings)?;
    // Golden values of unique columns that have a rule are reserved.
    for table in schema.tables.values() {
        for uk in &table.unique_keys {
            for col in &uk.columns {
                if anonymize::rule_for(project, &table.name, col).is_none() {
                    continue;
                }
                for row in golden.get(&table.name).into_iter().flatten() {
                    if let Some(FixtureValue::Text(v)) = row.get(col) {
                        anon.reserve(&table.name, col, v);
                    }
                }
            }
        }
    }
    // Names and emails to replace everywhere and never reproduce.
    let (mut first, mut last, mut emails) = (Vec::new(), Vec::new(), Vec::new());
    for table in schema.tables.values() {
        for (ci, c) in table.columns.iter().enumerate() {
            let bucket = match anonymize::rule_for(project, &table.name, &c.name) {
                Some(Action::FirstName) => &mut first,
                Some(Action::LastName) => &mut last,
                Some(Action::Email) => &mut emails,
                _ => continue,
            };
            for row in &all[&table.name] {
                if let Value::Text(s) = &row.values[ci] {
                    bucket.push(s.clone());
                }
            }
        }
    }
    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    anon.learn(&refs(&first), &refs(&last), &refs(&emails));
    for table in schema.tables.values() {
        let actions: Vec<(usize, Action)> = table
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| anonymize::rule_for(project, &table.name, &c.name).map(|a| (i, a)))
            .filter(|(_, a)| *a != Action::Keep)
            .collect();
        if actions.is_empty() {
            continue;
        }
        let rows = all.get_mut(&table.name).expect("every table");
        for row in rows.iter_mut() {
            for (i, action) in &actions {
                let v = anon.apply(
                    &table.name,
                    &table.columns[*i].name,
                    *action,
                    &row.values[*i],
                );
                row.values[*i] = v;
            }
        }
    }
    Ok(())
}
