//! Step 5, `seed`: load the merged seed plan (golden + generated rows,
//! checked and ordered by `build.rs`) into a database.
//!
//! One transaction: TRUNCATE every table of the schema with RESTART
//! IDENTITY, one binary COPY per batch in the plan's order, every sequence
//! the tables use (owned, identity, or reached through a `nextval(…)`
//! default) moved past the largest ids, every materialized view refreshed,
//! COMMIT. Any failure rolls back, so
//! the database is left exactly as it was. Foreign keys were proven at
//! compile time, so when the role may (a superuser), the load runs with
//! `session_replication_role = replica`, which skips foreign-key triggers;
//! CHECK, NOT NULL and UNIQUE stay enforced. The merge only knows the keys
//! of the fixtures' schema, so after such a load every foreign key the
//! database declares on or onto the seeded tables is checked with one
//! anti-join each, before COMMIT.
//!
//! Values are written in PostgreSQL's binary format with postgres-protocol
//! (one arm per type in `ToSql for Val`; `numeric` exactly, through
//! [`crate::engine::numeric`]). A value in the *text form* of its type
//! (`interval`, `money`, `timetz`, `tsvector`, `xml`, and every type without
//! a mapping of its own: [`Value::TextForm`]) is not encoded here: a batch
//! with such a column is copied, still in binary, into a temporary table
//! where that column is `text` (or `text[]`), then moved with
//! `INSERT … SELECT col::<its type>`, so PostgreSQL's own input function
//! parses it. Batches without text-form values (all of EfficientTutor's)
//! take the direct binary COPY.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{IsNull, Kind, ToSql, Type};
use postgres::Transaction;

use crate::engine::merge::value::RangeBound;
use crate::engine::merge::{Plan, Ts, Value};
use crate::engine::restore::{db_error_text, quote_ident};

/// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_US: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;

/// Errors of step 5.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A statement failed; the transaction was rolled back.
    #[error("seeding {what} failed, nothing was changed: {detail}")]
    Db { what: String, detail: String },
    /// Another session holds a lock on a table the seed must truncate, for
    /// longer than the session's `lock_timeout`.
    #[error(
        "gave up after waiting {timeout} for locks on the tables to truncate; {holders}.\n\
         End that transaction (commit, roll back, or pg_terminate_backend), then seed again; nothing was changed."
    )]
    LockTimeout { timeout: String, holders: String },
    /// The connection to the server was lost part-way; the transaction was
    /// rolled back by the server.
    #[error("the connection to the server was lost while {what}; nothing was changed: {detail}")]
    ConnectionLost { what: String, detail: String },
    /// After a load that skipped foreign-key triggers, a row references
    /// no row: a key the merge did not check (the fixtures' schema lacks
    /// it, or it crosses schemas). The transaction was rolled back.
    #[error("{0}")]
    ForeignKeyViolation(Box<FkViolation>),
    /// The database lacks a table or column the fixtures have.
    #[error(
        "the database does not match the fixtures: {detail}\n\
         Migrate it (`cargo run --bin migrate`) or re-extract the fixtures (`cargo run --bin extract`)."
    )]
    Drift { detail: String },
}

/// A foreign key the seeded rows violate ([`SeedError::ForeignKeyViolation`]).
#[derive(Debug, thiserror::Error)]
#[error(
    "foreign key {constraint} of table {table} is violated by the seeded rows: {rows} row(s) \
     reference no row of {ref_table}, e.g. ({columns})=({values}); nothing was changed.\n\
     The load skipped foreign-key triggers because the merge proves the references it knows, \
     but it did not know this key. Fix the rows (golden/ or the source database), or \
     re-extract (`cargo run --bin extract`) if the fixtures predate the key."
)]
pub struct FkViolation {
    pub constraint: String,
    pub table: String,
    pub ref_table: String,
    /// The referencing columns, comma-separated.
    pub columns: String,
    /// The first offending row's values of those columns.
    pub values: String,
    /// How many rows violate the key.
    pub rows: i64,
}

/// What a seed did.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    /// Rows inserted per table, in insert order.
    pub rows: Vec<(String, u64)>,
    /// Whether foreign-key triggers were skipped during the load.
    pub replica_mode: bool,
    /// Materialized views refreshed after the load, in refresh order.
    pub materialized_views: Vec<String>,
    pub elapsed: std::time::Duration,
}

fn db(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> SeedError {
    let what = what.into();
    move |e| {
        if connection_lost(&e) {
            SeedError::ConnectionLost {
                what,
                detail: db_error_text(&e),
            }
        } else {
            SeedError::Db {
                what,
                detail: db_error_text(&e),
            }
        }
    }
}

/// Whether `e` means the session is gone: the client saw the socket close,
/// an I/O error, or the server ended the session (SQLSTATE classes 08, 57).
fn connection_lost(e: &postgres::Error) -> bool {
    let io = StdError::source(e).is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
    let class = e.code().map(|c| &c.code()[..2]);
    e.is_closed() || io || matches!(class, Some("08" | "57"))
}

/// Only a missing table or column is drift; anything else (a lost
/// connection, a permission) is reported as what it is.
fn drift_or(what: String, e: postgres::Error) -> SeedError {
    use postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_COLUMN => {
            SeedError::Drift {
                detail: format!("{what}: {}", db_error_text(&e)),
            }
        }
        _ => db(what)(e),
    }
}

/// Names the sessions that hold locks on `tables` (for a lock timeout).
fn lock_holders(client: &mut postgres::Client, tables: &[String]) -> String {
    let rows = client.query(
        "SELECT DISTINCT a.pid, coalesce(nullif(a.application_name, ''), '?'), a.state, \
                coalesce(to_char(a.xact_start, 'HH24:MI:SS'), '?'), left(a.query, 60) \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         JOIN pg_class c ON c.oid = l.relation \
         WHERE l.granted AND a.pid <> pg_backend_pid() AND c.relname = ANY($1) \
         ORDER BY 1",
        &[&tables],
    );
    match rows {
        Ok(rows) if !rows.is_empty() => {
            let list: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "pid {} ({}, {}, transaction open since {}, last query: {})",
                        r.get::<_, i32>(0),
                        r.get::<_, String>(1),
                        r.get::<_, Option<String>>(2).unwrap_or_default(),
                        r.get::<_, String>(3),
                        r.get::<_, Option<String>>(4).unwrap_or_default().trim()
                    )
                })
                .collect();
            format!("they are held by {}", list.join("; "))
        }
        _ => "the session that held them has since ended".into(),
    }
}

/// Seeds `client`'s database with `plan`, in one transaction. `seed_time` is
/// the moment relative timestamps are resolved against (microseconds since
/// the Unix epoch); `None` means the transaction's `now()`.
pub fn seed_plan(
    client: &mut postgres::Client,
    plan: &Plan,
    seed_time: Option<i64>,
) -> Result<SeedReport, SeedError> {
    seed_plan_with(client, plan, seed_time, |_, _| Ok(()))
}

/// [`seed_plan`] with a hook run after each table is loaded (inside the
/// transaction); an error from the hook aborts and rolls everything back.
/// Tests use it to inject failures.
pub fn seed_plan_with(
    client: &mut postgres::Client,
    plan: &Plan,
    seed_time: Option<i64>,
    mut after_table: impl FnMut(&mut Transaction<'_>, &str) -> Result<(), SeedError>,
) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let mut tx = client.transaction().map_err(db("BEGIN"))?;
    let seed_us = match seed_time {
        Some(t) => t,
        None => {
            let row = tx
                .query_one(
                    "SELECT (extract(epoch FROM date_trunc('microseconds', now())) * 1000000)::bigint",
                    &[],
                )
                .map_err(db("reading now()"))?;
            row.get(0)
        }
    };
    let superuser: bool = tx
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .map_err(db("checking the role"))?
        .get(0);
    if superuser {
        tx.batch_execute("SET LOCAL session_replication_role = replica")
            .map_err(db("SET session_replication_role"))?;
    }

    let all: Vec<String> = plan.tables.iter().map(|t| quote_ident(&t.table)).collect();
    if !all.is_empty() {
        let truncated = tx
            .batch_execute(&format!(
                "TRUNCATE {} RESTART IDENTITY CASCADE",
                all.join(", ")
            ))
            .map_err(|e| {
                if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
                    SeedError::LockTimeout {
                        timeout: String::new(),
                        holders: String::new(),
                    }
                } else {
                    drift_or("TRUNCATE".into(), e)
                }
            });
        if let Err(SeedError::LockTimeout { .. }) = truncated {
            drop(tx);
            let tables: Vec<String> = plan.tables.iter().map(|t| t.table.clone()).collect();
            let timeout = client
                .query_one("SELECT current_setting('lock_timeout')", &[])
                .map(|r| r.get::<_, String>(0))
                .unwrap_or_else(|_| "lock_timeout".into());
            return Err(SeedError::LockTimeout {
                timeout,
                holders: lock_holders(client, &tables),
            });
        }
        truncated?;
    }

    let mut report = SeedReport {
        replica_mode: superuser,
        ..SeedReport::default()
    };
    for table in &plan.tables {
        let mut n = 0u64;
        for batch in &table.batches {
            if batch.rows.is_empty() {
                continue;
            }
            let cols: Vec<String> = batch.columns.iter().map(|c| quote_ident(c)).collect();
            let staged: Vec<Option<&str>> = (0..cols.len())
                .map(|i| text_form_column(batch.rows.iter().map(|r| &r[i])))
                .collect();
            let copy_err = || db(format!("COPY into {}", table.table));
            let target = if staged.iter().any(Option::is_some) {
                stage(&mut tx, &table.table, &cols, &staged)?;
                STAGE.to_owned()
            } else {
                quote_ident(&table.table)
            };
            let types = column_types(&mut tx, &target, &cols)?;
            let sink = tx
                .copy_in(&format!(
                    "COPY {target} ({}) FROM STDIN (FORMAT binary)",
                    cols.join(", ")
                ))
                .map_err(copy_err())?;
            let mut writer = BinaryCopyInWriter::new(sink, &types);
            let mut vals: Vec<Val<'_>> = Vec::with_capacity(cols.len());
            for row in &batch.rows {
                vals.clear();
                vals.extend(row.iter().map(|v| Val { v, seed_us }));
                let refs: Vec<&(dyn ToSql + Sync)> =
                    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                writer.write(&refs).map_err(copy_err())?;
            }
            let copied = writer.finish().map_err(copy_err())?;
            n += if target == STAGE {
                unstage(&mut tx, &table.table, &cols, &staged)?
            } else {
                copied
            };
        }
        after_table(&mut tx, &table.table)?;
        report.rows.push((table.table.clone(), n));
    }

    let tables: Vec<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    if superuser {
        verify_foreign_keys(&mut tx, &tables)?;
    }
    advance_sequences(&mut tx, &tables)?;
    report.materialized_views = refresh_materialized_views(&mut tx)?;
    tx.commit().map_err(db("COMMIT"))?;
    report.elapsed = started.elapsed();
    Ok(report)
}

const SEQUENCES_SQL: &str = include_str!("../../sql/catalog/sequences.sql");

/// Moves every sequence a column of `tables` uses (owned, identity, or only
/// named by a `nextval(…)` default) past the largest value of every integer
/// column that uses it, in any table: the next `nextval` returns a free id.
/// A sequence whose columns are all empty goes back to its start value.
/// Descending sequences move below the smallest value instead.
fn advance_sequences(tx: &mut Transaction<'_>, tables: &[&str]) -> Result<(), SeedError> {
    let rows = tx
        .query(SEQUENCES_SQL, &[&tables])
        .map_err(db("finding sequences (sql/catalog/sequences.sql)"))?;
    // Sequence → (start, increment, columns as (schema, table, column)).
    type Uses = (i64, i64, Vec<(String, String, String)>);
    let mut seqs: BTreeMap<String, Uses> = BTreeMap::new();
    for r in rows {
        let entry = seqs
            .entry(r.get("sequence_name"))
            .or_insert_with(|| (r.get("start_value"), r.get("increment"), Vec::new()));
        entry.2.push((
            r.get("table_schema"),
            r.get("table_name"),
            r.get("column_name"),
        ));
    }
    for (seq, (start, increment, columns)) in seqs {
        let (agg, pick, before) = if increment > 0 {
            ("max", "greatest", "<")
        } else {
            ("min", "least", ">")
        };
        let extremes: Vec<String> = columns
            .iter()
            .map(|(schema, table, column)| {
                format!(
                    "(SELECT {agg}({c})::bigint FROM {s}.{t})",
                    c = quote_ident(column),
                    s = quote_ident(schema),
                    t = quote_ident(table)
                )
            })
            .collect();
        let used: Vec<String> = columns
            .iter()
            .map(|(_, table, column)| format!("{table}.{column}"))
            .collect();
        tx.execute(
            &format!(
                "SELECT setval($1::text::regclass, \
                        CASE WHEN m IS NULL OR m {before} $2 THEN $2 ELSE m END, \
                        m IS NOT NULL AND NOT m {before} $2) \
                 FROM (SELECT {pick}({}) AS m) AS extreme",
                extremes.join(", ")
            ),
            &[&seq, &start],
        )
        .map_err(db(format!(
            "moving sequence {seq} past the values of {}",
            used.join(", ")
        )))?;
    }
    Ok(())
}

const MATVIEWS_SQL: &str = include_str!("../../sql/catalog/matviews.sql");

/// Refreshes every materialized view (sql/catalog/matviews.sql: all
/// schemas, each after the views it reads), so they show the seeded rows.
fn refresh_materialized_views(tx: &mut Transaction<'_>) -> Result<Vec<String>, SeedError> {
    let views: Vec<String> = tx
        .query(MATVIEWS_SQL, &[])
        .map_err(db("finding materialized views (sql/catalog/matviews.sql)"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for view in &views {
        // `view` is regclass text: already quoted and qualified as needed.
        tx.batch_execute(&format!("REFRESH MATERIALIZED VIEW {view}"))
            .map_err(db(format!("refreshing materialized view {view}")))?;
    }
    Ok(views)
}

const VERIFY_FKS_SQL: &str = include_str!("../../sql/catalog/verify_foreign_keys.sql");

/// Checks every foreign key the database declares on or onto `tables`
/// (sql/catalog/verify_foreign_keys.sql, read from the catalog, not the
/// plan), one set-based anti-join per key, after a load that skipped
/// foreign-key triggers. The first violation fails the seed, naming the key,
/// the table and the offending values.
fn verify_foreign_keys(tx: &mut Transaction<'_>, tables: &[&str]) -> Result<(), SeedError> {
    let keys = tx.query(VERIFY_FKS_SQL, &[&tables]).map_err(db(
        "finding foreign keys (sql/catalog/verify_foreign_keys.sql)",
    ))?;
    for key in keys {
        let constraint: String = key.get("constraint_name");
        let table: String = key.get("table_name");
        let ref_table: String = key.get("ref_table");
        let columns: Vec<String> = key.get("columns");
        let ref_columns: Vec<String> = key.get("ref_columns");
        // Inheritance children are not covered by their parent's key;
        // partitions are (a partitioned table has no rows of its own).
        let only = |partitioned: bool| if partitioned { "" } else { "ONLY " };
        let t_cols: Vec<String> = columns
            .iter()
            .map(|c| format!("t.{}", quote_ident(c)))
            .collect();
        let all = |test: &str| {
            t_cols
                .iter()
                .map(|c| format!("{c} IS {test}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let matches = t_cols
            .iter()
            .zip(&ref_columns)
            .map(|(c, r)| format!("r.{} = {c}", quote_ident(r)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let missing = format!(
            "NOT EXISTS (SELECT 1 FROM {}{ref_table} AS r WHERE {matches})",
            only(key.get("ref_partitioned"))
        );
        // MATCH SIMPLE: a row with any NULL in the key is not checked.
        // MATCH FULL: all NULL passes, some NULL fails.
        let violates = if key.get::<_, bool>("match_full") {
            format!(
                "NOT ({}) AND (NOT ({}) OR {missing})",
                all("NULL"),
                all("NOT NULL")
            )
        } else {
            format!("{} AND {missing}", all("NOT NULL"))
        };
        let values: Vec<String> = t_cols.iter().map(|c| format!("{c}::text")).collect();
        let sql = format!(
            "SELECT count(*) OVER ()::bigint, {} FROM {}{table} AS t WHERE {violates} LIMIT 1",
            values.join(", "),
            only(key.get("table_partitioned"))
        );
        let found = tx.query_opt(&sql, &[]).map_err(db(format!(
            "checking foreign key {constraint} of table {table}"
        )))?;
        if let Some(row) = found {
            let values: Vec<String> = (1..=columns.len())
                .map(|i| {
                    row.get::<_, Option<String>>(i)
                        .unwrap_or_else(|| "NULL".to_owned())
                })
                .collect();
            return Err(SeedError::ForeignKeyViolation(Box::new(FkViolation {
                constraint,
                table,
                ref_table,
                columns: columns.join(", "),
                values: values.join(", "),
                rows: row.get(0),
            })));
        }
    }
    Ok(())
}

/// The server's types of `cols` in `relation` (already quoted; enums
/// included).
fn column_types(
    tx: &mut Transaction<'_>,
    relation: &str,
    cols: &[String],
) -> Result<Vec<Type>, SeedError> {
    let stmt = tx
        .prepare(&format!(
            "SELECT {} FROM {relation} LIMIT 0",
            cols.join(", ")
        ))
        .map_err(|e| drift_or(format!("table `{relation}`"), e))?;
    Ok(stmt.columns().iter().map(|c| c.type_().clone()).collect())
}

/// The temporary table a batch with text-form values goes through.
const STAGE: &str = "pg_temp.et_testdb_stage";

/// How a column of a batch is staged: `text` when its values are in text
/// form, `text[]` when its arrays hold text-form elements, `None` (binary,
/// straight into the table) otherwise.
fn text_form_column<'a>(values: impl Iterator<Item = &'a Value>) -> Option<&'static str> {
    fn has_text_form(items: &[Value]) -> bool {
        items.iter().any(|v| match v {
            Value::TextForm(_) => true,
            Value::Array(inner) | Value::NdArray(_, inner) => has_text_form(inner),
            _ => false,
        })
    }
    for v in values {
        match v {
            Value::TextForm(_) => return Some("text"),
            Value::Array(items) | Value::NdArray(_, items) if has_text_form(items) => {
                return Some("text[]")
            }
            _ => {}
        }
    }
    None
}

/// Creates [`STAGE`] with `cols` of `table`: their own types, `text` or
/// `text[]` where `staged` says.
fn stage(
    tx: &mut Transaction<'_>,
    table: &str,
    cols: &[String],
    staged: &[Option<&str>],
) -> Result<(), SeedError> {
    let select: Vec<String> = cols
        .iter()
        .zip(staged)
        .map(|(c, s)| match s {
            Some(ty) => format!("{c}::{ty} AS {c}"),
            None => c.clone(),
        })
        .collect();
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {STAGE}; \
         CREATE TEMPORARY TABLE et_testdb_stage ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
        select.join(", "),
        quote_ident(table)
    ))
    .map_err(|e| drift_or(format!("staging the text-form columns of `{table}`"), e))
}

/// Moves [`STAGE`]'s rows into `table`, each staged column cast from its
/// text to the column's declared type; returns the row count.
fn unstage(
    tx: &mut Transaction<'_>,
    table: &str,
    cols: &[String],
    staged: &[Option<&str>],
) -> Result<u64, SeedError> {
    let what = || format!("moving the text-form columns of `{table}` into place");
    let declared: Vec<String> = tx
        .query(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM unnest($2::text[]) WITH ORDINALITY AS c(name, i) \
             JOIN pg_attribute a ON a.attrelid = $1::text::regclass AND a.attname = c.name \
             ORDER BY c.i",
            &[&quote_ident(table), &cols.iter().map(|c| unquoted(c)).collect::<Vec<_>>()],
        )
        .map_err(db(what()))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if declared.len() != cols.len() {
        return Err(SeedError::Drift {
            detail: format!("`{table}` lacks some of the columns {}", cols.join(", ")),
        });
    }
    let select: Vec<String> = cols
        .iter()
        .zip(staged)
        .zip(&declared)
        .map(|((c, s), ty)| match s {
            Some(_) => format!("{c}::{ty}"),
            None => c.clone(),
        })
        .collect();
    let moved = tx
        .execute(
            &format!(
                "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {STAGE}",
                quote_ident(table),
                cols.join(", "),
                select.join(", ")
            ),
            &[],
        )
        .map_err(db(what()))?;
    tx.batch_execute(&format!("DROP TABLE {STAGE}"))
        .map_err(db(what()))?;
    Ok(moved)
}

/// A quoted identifier's name.
fn unquoted(quoted: &str) -> String {
    match quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => quoted.to_owned(),
    }
}

/// Rows per table of a plan, for reports before seeding.
pub fn plan_counts(plan: &Plan) -> BTreeMap<String, usize> {
    plan.tables
        .iter()
        .map(|t| {
            (
                t.table.clone(),
                t.batches.iter().map(|b| b.rows.len()).sum(),
            )
        })
        .collect()
}

/// A fixture value bound for a column of a known server type.
#[derive(Debug)]
struct Val<'a> {
    v: &'a Value,
    seed_us: i64,
}

type BoxErr = Box<dyn StdError + Sync + Send>;

impl Val<'_> {
    fn with<'b>(&self, v: &'b Value) -> Val<'b> {
        Val {
            v,
            seed_us: self.seed_us,
        }
    }
}

/// postgres-types' `IsNull` as postgres-protocol spells it.
fn wire(null: IsNull) -> postgres_protocol::IsNull {
    match null {
        IsNull::Yes => postgres_protocol::IsNull::Yes,
        IsNull::No => postgres_protocol::IsNull::No,
    }
}

/// The element type of an array type.
fn element_of(ty: &Type) -> Result<&Type, BoxErr> {
    match ty.kind() {
        Kind::Array(element) => Ok(element),
        _ => Err(format!("an array cannot go into a {ty} column").into()),
    }
}

/// One arm per type: the binary form of a value for a column of type `ty`.
impl ToSql for Val<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, BoxErr> {
        use postgres_protocol::types as pg;
        let instant = |t: &Ts| match *t {
            Ts::At(us @ (i64::MAX | i64::MIN)) => us,
            Ts::At(us) => us - PG_EPOCH_US,
            Ts::FromSeed(offset) => self.seed_us + offset - PG_EPOCH_US,
        };
        let numeric = |text: &str, out: &mut postgres::types::private::BytesMut| {
            let mut buf = Vec::new();
            crate::engine::numeric::from_text(text, &mut buf)?;
            out.extend_from_slice(&buf);
            Ok::<(), BoxErr>(())
        };
        match self.v {
            Value::Null => return Ok(IsNull::Yes),
            Value::Bool(b) => pg::bool_to_sql(*b, out),
            Value::Int(i) => match *ty {
                Type::INT2 => pg::int2_to_sql(i16::try_from(*i)?, out),
                Type::INT4 => pg::int4_to_sql(i32::try_from(*i)?, out),
                Type::INT8 => pg::int8_to_sql(*i, out),
                Type::NUMERIC => numeric(&i.to_string(), out)?,
                Type::FLOAT4 => pg::float4_to_sql(*i as f32, out),
                Type::FLOAT8 => pg::float8_to_sql(*i as f64, out),
                _ => return Err(format!("an integer cannot go into a {ty} column").into()),
            },
            Value::Text(s) | Value::Enum(s) | Value::TextForm(s) => pg::text_to_sql(s, out),
            Value::Uuid(u) => pg::uuid_to_sql(u.to_be_bytes(), out),
            Value::Numeric(n) => numeric(n, out)?,
            Value::Timestamptz(t) | Value::Timestamp(t) => pg::timestamp_to_sql(instant(t), out),
            Value::Date(d @ (i32::MAX | i32::MIN)) => pg::date_to_sql(*d, out),
            Value::Date(d) => pg::date_to_sql(d - PG_EPOCH_DAYS, out),
            Value::Time(us) => pg::time_to_sql(*us, out),
            Value::Json(s) => {
                if *ty == Type::JSONB {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(s.as_bytes());
            }
            Value::Float(bits) => match *ty {
                Type::FLOAT4 => pg::float4_to_sql(f64::from_bits(*bits) as f32, out),
                _ => pg::float8_to_sql(f64::from_bits(*bits), out),
            },
            Value::Bytes(b) => pg::bytea_to_sql(b, out),
            Value::Inet(addr, bits) => pg::inet_to_sql(*addr, *bits, out),
            Value::Macaddr(m) => pg::macaddr_to_sql(*m, out),
            Value::Bits(b) => {
                let mut packed = vec![0u8; b.len().div_ceil(8)];
                for (i, c) in b.bytes().enumerate() {
                    if c == b'1' {
                        packed[i / 8] |= 0x80 >> (i % 8);
                    }
                }
                pg::varbit_to_sql(b.len(), packed.into_iter(), out)?;
            }
            Value::Point(x, y) => pg::point_to_sql(f64::from_bits(*x), f64::from_bits(*y), out),
            Value::Range(None) => pg::empty_range_to_sql(out),
            Value::Range(Some(bounds)) => {
                let Kind::Range(element) = ty.kind() else {
                    return Err(format!("a range cannot go into a {ty} column").into());
                };
                let bound = |b: &RangeBound, out: &mut postgres::types::private::BytesMut| {
                    Ok::<_, BoxErr>(match b {
                        RangeBound::Unbounded => pg::RangeBound::Unbounded,
                        RangeBound::Inclusive(v) => {
                            pg::RangeBound::Inclusive(wire(self.with(v).to_sql(element, out)?))
                        }
                        RangeBound::Exclusive(v) => {
                            pg::RangeBound::Exclusive(wire(self.with(v).to_sql(element, out)?))
                        }
                    })
                };
                pg::range_to_sql(
                    |out| bound(&bounds.0, out),
                    |out| bound(&bounds.1, out),
                    out,
                )?;
            }
            Value::Array(items) => {
                let dims = if items.is_empty() {
                    Vec::new()
                } else {
                    vec![(i32::try_from(items.len())?, 1)]
                };
                array(self, ty, &dims, items, out)?;
            }
            Value::NdArray(dims, items) => array(self, ty, dims, items, out)?,
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// An array of any dimensions (postgres-protocol's `array_to_sql`).
fn array(
    val: &Val<'_>,
    ty: &Type,
    dims: &[(i32, i32)],
    items: &[Value],
    out: &mut postgres::types::private::BytesMut,
) -> Result<(), BoxErr> {
    use postgres_protocol::types as pg;
    let element = element_of(ty)?;
    pg::array_to_sql(
        dims.iter()
            .map(|&(len, lower_bound)| pg::ArrayDimension { len, lower_bound }),
        element.oid(),
        items,
        |v, out| val.with(v).to_sql(element, out).map(wire),
        out,
    )
}
