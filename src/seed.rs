//! Step 5, `seed`: load the merged seed plan (golden + generated rows,
//! checked and ordered by `build.rs`) into a database.
//!
//! One transaction: TRUNCATE every table of the schema with RESTART
//! IDENTITY, one binary COPY per batch in the plan's order, sequences and
//! identities moved past the largest ids, COMMIT. Any failure rolls back, so
//! the database is left exactly as it was. Foreign keys were proven at
//! compile time, so when the role may (a superuser), the load runs with
//! `session_replication_role = replica`, which skips foreign-key triggers;
//! CHECK, NOT NULL and UNIQUE stay enforced.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{IsNull, Kind, ToSql, Type};
use postgres::Transaction;

use crate::merge::{Plan, Ts, Value};
use crate::restore::{db_error_text, quote_ident};

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
    /// The database lacks a table or column the fixtures have.
    #[error(
        "the database does not match the fixtures: {detail}\n\
         Migrate it (`cargo run --bin migrate`) or re-extract the fixtures (`cargo run --bin extract`)."
    )]
    Drift { detail: String },
}

/// What a seed did.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    /// Rows inserted per table, in insert order.
    pub rows: Vec<(String, u64)>,
    /// Whether foreign-key triggers were skipped during the load.
    pub replica_mode: bool,
    pub elapsed: std::time::Duration,
}

fn db(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> SeedError {
    let what = what.into();
    move |e| SeedError::Db {
        what,
        detail: db_error_text(&e),
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
        tx.batch_execute(&format!(
            "TRUNCATE {} RESTART IDENTITY CASCADE",
            all.join(", ")
        ))
        .map_err(|e| {
            if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) {
                SeedError::Drift {
                    detail: db_error_text(&e),
                }
            } else {
                db("TRUNCATE")(e)
            }
        })?;
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
            let types = column_types(&mut tx, &table.table, &cols)?;
            let sink = tx
                .copy_in(&format!(
                    "COPY {} ({}) FROM STDIN (FORMAT binary)",
                    quote_ident(&table.table),
                    cols.join(", ")
                ))
                .map_err(db(format!("COPY into {}", table.table)))?;
            let mut writer = BinaryCopyInWriter::new(sink, &types);
            let mut vals: Vec<Val<'_>> = Vec::with_capacity(cols.len());
            for row in &batch.rows {
                vals.clear();
                vals.extend(row.iter().map(|v| Val { v, seed_us }));
                let refs: Vec<&(dyn ToSql + Sync)> =
                    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                writer
                    .write(&refs)
                    .map_err(db(format!("COPY into {}", table.table)))?;
            }
            n += writer
                .finish()
                .map_err(db(format!("COPY into {}", table.table)))?;
        }
        after_table(&mut tx, &table.table)?;
        report.rows.push((table.table.clone(), n));
    }

    // Sequences and identities: past the largest ids now present.
    let tables: Vec<&str> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    let seqs = tx
        .query(
            "SELECT c.relname::text, a.attname::text, pg_get_serial_sequence(quote_ident(c.relname), a.attname) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE n.nspname = 'public' AND c.relname = ANY($1) \
               AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL \
             ORDER BY 1, 2",
            &[&tables],
        )
        .map_err(db("finding sequences"))?;
    for s in seqs {
        let (table, column, seq): (String, String, String) = (s.get(0), s.get(1), s.get(2));
        tx.execute(
            &format!(
                "SELECT setval($1::text::regclass, coalesce(max({c}), 1), max({c}) IS NOT NULL) FROM {t}",
                c = quote_ident(&column),
                t = quote_ident(&table)
            ),
            &[&seq],
        )
        .map_err(db(format!("moving the sequence of {table}.{column}")))?;
    }
    tx.commit().map_err(db("COMMIT"))?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The server's types of `cols` in `table` (enums included).
fn column_types(
    tx: &mut Transaction<'_>,
    table: &str,
    cols: &[String],
) -> Result<Vec<Type>, SeedError> {
    let stmt = tx
        .prepare(&format!(
            "SELECT {} FROM {} LIMIT 0",
            cols.join(", "),
            quote_ident(table)
        ))
        .map_err(|e| SeedError::Drift {
            detail: format!("table `{table}`: {}", db_error_text(&e)),
        })?;
    Ok(stmt.columns().iter().map(|c| c.type_().clone()).collect())
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

impl ToSql for Val<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, BoxErr> {
        let instant = |t: &Ts| match *t {
            Ts::At(us) => us,
            Ts::FromSeed(offset) => self.seed_us + offset,
        };
        match self.v {
            Value::Null => return Ok(IsNull::Yes),
            Value::Bool(b) => out.extend_from_slice(&[*b as u8]),
            Value::Int(i) => match *ty {
                Type::INT2 => out.extend_from_slice(&i16::try_from(*i)?.to_be_bytes()),
                Type::INT4 => out.extend_from_slice(&i32::try_from(*i)?.to_be_bytes()),
                Type::INT8 => out.extend_from_slice(&i.to_be_bytes()),
                Type::NUMERIC => {
                    rust_decimal::Decimal::from(*i).to_sql(ty, out)?;
                }
                _ => return Err(format!("an integer cannot go into a {ty} column").into()),
            },
            Value::Text(s) | Value::Enum(s) => out.extend_from_slice(s.as_bytes()),
            Value::Uuid(u) => out.extend_from_slice(&u.to_be_bytes()),
            Value::Numeric(n) => {
                let d: rust_decimal::Decimal = n.parse()?;
                d.to_sql(ty, out)?;
            }
            Value::Timestamptz(t) | Value::Timestamp(t) => {
                out.extend_from_slice(&(instant(t) - PG_EPOCH_US).to_be_bytes())
            }
            Value::Date(d) => out.extend_from_slice(&(d - PG_EPOCH_DAYS).to_be_bytes()),
            Value::Time(us) => out.extend_from_slice(&us.to_be_bytes()),
            Value::Json(s) => {
                if *ty == Type::JSONB {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(s.as_bytes());
            }
            Value::Array(items) => {
                if !matches!(ty.kind(), Kind::Array(_)) {
                    return Err(format!("an array cannot go into a {ty} column").into());
                }
                let vals: Vec<Val<'_>> = items
                    .iter()
                    .map(|v| Val {
                        v,
                        seed_us: self.seed_us,
                    })
                    .collect();
                return vals.to_sql(ty, out);
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
