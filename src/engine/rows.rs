//! Reading a table's rows into owned [`Value`]s: one binary `COPY … TO
//! STDOUT` per table, decoded by the column types [`crate::engine::schema`] found,
//! then sorted by primary key so the output does not depend on physical row
//! order.
//!
//! Binary values are decoded with postgres-protocol (`bytea`, floats, `inet`,
//! `macaddr`, bit strings, `point`, ranges, arrays of any dimension with NULL
//! elements) and [`crate::engine::numeric`] (`numeric`, exact). A column of
//! [`Scalar::TextForm`] (`interval`, `money`, `timetz`, `tsvector`, `xml`
//! and every type without a mapping of its own) is read as `col::text`, or
//! `col::text[]` for an array, and kept as that text.

use std::collections::BTreeMap;

use postgres::binary_copy::BinaryCopyOutIter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, Type};
use postgres::GenericClient;
use rust_decimal::Decimal;

use crate::engine::schema::{Scalar, Schema, Table, TypeKind};

/// The types the extractor reads and emits, for error messages.
pub const SUPPORTED_TYPES: &str = "every type PostgreSQL can read back from its own text: bool, \
     integers, numeric (any precision, NaN, ±Infinity), real, double precision, text/varchar/char(n), \
     uuid, timestamps and dates (±infinity), time, json, jsonb, bytea, inet, cidr, macaddr, bit, \
     varbit, point, ranges, public enums, arrays of any dimension, domains over these, and any \
     other type in its text form";

/// One column [`check_supported`] refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unhandled {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// The declared type, with what it resolves to.
    pub type_name: String,
    /// Why it cannot be extracted and seeded.
    pub why: String,
}

fn unhandled_table(columns: &[Unhandled]) -> String {
    let mut rows = vec![[
        "table".to_owned(),
        "column".to_owned(),
        "type".to_owned(),
        "why".to_owned(),
    ]];
    rows.extend(columns.iter().map(|u| {
        [
            u.table.clone(),
            u.column.clone(),
            u.type_name.clone(),
            u.why.clone(),
        ]
    }));
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2)];
    rows.iter()
        .map(|r| {
            format!(
                "  {:w0$}  {:w1$}  {:w2$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a table's rows could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RowsError {
    /// The table is not in the introspected schema.
    #[error("table {table:?} is not in schema public (known tables: {known})")]
    UnknownTable {
        /// The requested table.
        table: String,
        /// The tables that exist, comma-separated.
        known: String,
    },
    /// Columns whose values cannot be extracted and seeded, all of them.
    #[error(
        "{} column(s) cannot be extracted: their values cannot be seeded back in any form.\n{}\n\
         Skip them in the project file (`[schema] skip = [\"table.column\"]`), or change their type. \
         The extractor handles {SUPPORTED_TYPES}.",
        columns.len(),
        unhandled_table(columns)
    )]
    Unsupported {
        /// Every such column, by table and column.
        columns: Vec<Unhandled>,
    },
    /// The COPY failed.
    #[error("reading table {table} with COPY failed: {source}")]
    Copy {
        /// Table name.
        table: String,
        /// The PostgreSQL error.
        #[source]
        source: postgres::Error,
    },
    /// A value could not be decoded.
    #[error("cannot read {table}.{column} ({type_name}): {detail}")]
    Decode {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The PostgreSQL type.
        type_name: String,
        /// What was wrong with the value.
        detail: String,
    },
}

/// One value of a column, owned and independent of the database.
///
/// Ordering is derived so rows can be sorted by primary key; it matches
/// PostgreSQL's order for the types that make sense as keys (integers,
/// uuids, timestamps), and is byte order for text and enum labels
/// (collation-independent, so the same on every machine). Floats are held
/// as their bits, so NaN equals itself and the order is total.
///
/// Infinite timestamps and dates are `i64::MAX`/`i64::MIN` and
/// `i32::MAX`/`i32::MIN`, as PostgreSQL sends them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// `boolean`
    Bool(bool),
    /// `smallint`
    Int2(i16),
    /// `integer`
    Int4(i32),
    /// `bigint`
    Int8(i64),
    /// `numeric` that `Decimal` holds exactly.
    Numeric(Decimal),
    /// Any other `numeric` (NaN, ±Infinity, more than 28 digits): the exact
    /// text PostgreSQL prints.
    NumericText(String),
    /// `real`: the bits of the `f32`.
    Float4(u32),
    /// `double precision`: the bits of the `f64`.
    Float8(u64),
    /// Text types.
    Text(String),
    /// `uuid`
    Uuid(uuid::Uuid),
    /// `timestamptz`: microseconds since 1970-01-01 00:00:00 UTC.
    Timestamptz(i64),
    /// `timestamp`: microseconds since 1970-01-01 00:00:00.
    Timestamp(i64),
    /// `date`: days since 1970-01-01.
    Date(i32),
    /// `time`: microseconds since midnight.
    Time(i64),
    /// `json`/`jsonb`: the text PostgreSQL prints (canonical for jsonb).
    Json(String),
    /// A label of a PostgreSQL enum.
    Enum(String),
    /// `bytea`
    Bytes(Vec<u8>),
    /// `inet`/`cidr`: address and netmask bits.
    Inet(std::net::IpAddr, u8),
    /// `macaddr`
    Macaddr([u8; 6]),
    /// `bit`/`varbit`: one `0` or `1` per bit.
    Bits(String),
    /// `point`: the bits of x and y.
    Point(u64, u64),
    /// A range; `None` is `empty`.
    Range(Option<Box<(Bound, Bound)>>),
    /// A value of a [`Scalar::TextForm`] type: its text.
    TextForm(String),
    /// A one-dimensional, 1-based array (elements may be NULL).
    Array(Vec<Value>),
    /// Any other array: (length, lower bound) per dimension, and the
    /// elements in row-major order.
    NdArray(Vec<(i32, i32)>, Vec<Value>),
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bound {
    /// No bound (`(,5]`).
    Unbounded,
    /// `[`/`]`
    Inclusive(Value),
    /// `(`/`)`
    Exclusive(Value),
}

impl Value {
    /// The same value as the fixture merge and the seed plan hold it.
    pub fn to_fixture(&self) -> crate::engine::merge::Value {
        use crate::engine::merge::value::RangeBound as B;
        use crate::engine::merge::{Ts, Value as F};
        let ts = |us: i64| F::Timestamptz(Ts::At(us));
        match self {
            Value::Null => F::Null,
            Value::Bool(b) => F::Bool(*b),
            Value::Int2(i) => F::Int(i64::from(*i)),
            Value::Int4(i) => F::Int(i64::from(*i)),
            Value::Int8(i) => F::Int(*i),
            Value::Numeric(d) => F::Numeric(d.to_string()),
            Value::NumericText(s) => F::Numeric(s.clone()),
            Value::Float4(bits) => F::Float(f64::from(f32::from_bits(*bits)).to_bits()),
            Value::Float8(bits) => F::Float(*bits),
            Value::Text(s) => F::Text(s.clone()),
            Value::Uuid(u) => F::Uuid(u.as_u128()),
            Value::Timestamptz(us) => ts(*us),
            Value::Timestamp(us) => F::Timestamp(Ts::At(*us)),
            Value::Date(d) => F::Date(*d),
            Value::Time(us) => F::Time(*us),
            Value::Json(s) => F::Json(s.clone()),
            Value::Enum(l) => F::Enum(l.clone()),
            Value::Bytes(b) => F::Bytes(b.clone()),
            Value::Inet(addr, bits) => F::Inet(*addr, *bits),
            Value::Macaddr(m) => F::Macaddr(*m),
            Value::Bits(b) => F::Bits(b.clone()),
            Value::Point(x, y) => F::Point(*x, *y),
            Value::Range(None) => F::Range(None),
            Value::Range(Some(bounds)) => {
                let bound = |b: &Bound| match b {
                    Bound::Unbounded => B::Unbounded,
                    Bound::Inclusive(v) => B::Inclusive(v.to_fixture()),
                    Bound::Exclusive(v) => B::Exclusive(v.to_fixture()),
                };
                F::Range(Some(Box::new((bound(&bounds.0), bound(&bounds.1)))))
            }
            Value::TextForm(s) => F::TextForm(s.clone()),
            Value::Array(items) => F::Array(items.iter().map(Value::to_fixture).collect()),
            Value::NdArray(dims, items) => {
                F::NdArray(dims.clone(), items.iter().map(Value::to_fixture).collect())
            }
        }
    }
}

/// One row: values in the order of the table's columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Row {
    /// One value per [`crate::engine::schema::Table::columns`] entry.
    pub values: Vec<Value>,
}

/// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_OFFSET_DAYS: i32 = 10_957;

/// Every column of `table` whose type this module cannot read (see
/// [`Scalar::Unsupported`]), in column order; empty when all can be read.
pub fn unhandled_columns(table: &Table) -> Vec<Unhandled> {
    table
        .columns
        .iter()
        .filter_map(|column| {
            let kind = &column.ty.kind;
            let name = match kind.scalar() {
                Scalar::Unsupported(name) => name,
                Scalar::Range(inner) => match &**inner {
                    Scalar::Unsupported(name) => name,
                    _ => return None,
                },
                _ => return None,
            };
            let resolved = if kind.is_array() {
                format!("{name}[]")
            } else {
                name.clone()
            };
            let type_name = if column.ty.name == resolved {
                resolved
            } else {
                format!("{} (resolves to {resolved})", column.ty.name)
            };
            let why = if name.starts_with("type oid ") {
                "the catalog does not describe the type".to_owned()
            } else {
                format!("PostgreSQL cannot read a {name} value back from any form")
            };
            Some(Unhandled {
                table: table.name.clone(),
                column: column.name.clone(),
                type_name,
                why,
            })
        })
        .collect()
}

/// Checks that every column of `table` has a type this module can read,
/// naming every one that does not.
pub fn check_supported(table: &Table) -> Result<(), RowsError> {
    let columns = unhandled_columns(table);
    if columns.is_empty() {
        Ok(())
    } else {
        Err(RowsError::Unsupported { columns })
    }
}

/// Checks every table of `schema` at once (see [`check_supported`]).
pub fn check_all_supported(schema: &Schema) -> Result<(), RowsError> {
    let columns: Vec<Unhandled> = schema.tables.values().flat_map(unhandled_columns).collect();
    if columns.is_empty() {
        Ok(())
    } else {
        Err(RowsError::Unsupported { columns })
    }
}

/// The Rust shape each column's values need, from the values read: a
/// `numeric(p ≤ 28)` column holding NaN becomes [`Scalar::BigNumeric`], an
/// array column with a multi-dimensional, non-1-based or NULL-holding value
/// becomes [`TypeKind::NdArray`]. Call it after reading, before codegen.
pub fn refine_types(schema: &mut Schema, rows: &BTreeMap<String, Vec<Row>>) {
    fn needs_text(v: &Value) -> bool {
        match v {
            Value::NumericText(_) => true,
            Value::Array(items) | Value::NdArray(_, items) => items.iter().any(needs_text),
            _ => false,
        }
    }
    for (name, table) in schema.tables.iter_mut() {
        let Some(table_rows) = rows.get(name) else {
            continue;
        };
        for (i, column) in table.columns.iter_mut().enumerate() {
            let values = || table_rows.iter().map(|r| &r.values[i]);
            if *column.ty.kind.scalar() == Scalar::Numeric && values().any(needs_text) {
                column.ty.kind = match column.ty.kind {
                    TypeKind::Scalar(_) => TypeKind::Scalar(Scalar::BigNumeric),
                    TypeKind::Array(_) => TypeKind::Array(Scalar::BigNumeric),
                    TypeKind::NdArray(_) => TypeKind::NdArray(Scalar::BigNumeric),
                };
            }
            if let TypeKind::Array(element) = &column.ty.kind {
                let general = values().any(|v| match v {
                    Value::NdArray(..) => true,
                    Value::Array(items) => items.contains(&Value::Null),
                    _ => false,
                });
                if general {
                    column.ty.kind = TypeKind::NdArray(element.clone());
                }
            }
        }
    }
}

/// The select-list entry that reads `column`: the column itself, or its
/// text form.
fn select_item(column: &crate::engine::schema::Column) -> String {
    let name = quote_ident(&column.name);
    match (&column.ty.kind, column.ty.kind.scalar()) {
        (TypeKind::Scalar(_), Scalar::TextForm(_)) => format!("{name}::text"),
        (_, Scalar::TextForm(_)) => format!("{name}::text[]"),
        _ => name,
    }
}

/// Reads every row of `table_name`, every column, sorted by primary key
/// (by the whole row when the table has none).
///
/// Run it inside a REPEATABLE READ transaction when several tables must be
/// read consistently.
pub fn load_table(
    client: &mut impl GenericClient,
    schema: &Schema,
    table_name: &str,
) -> Result<Vec<Row>, RowsError> {
    let table = schema
        .table(table_name)
        .ok_or_else(|| RowsError::UnknownTable {
            table: table_name.to_owned(),
            known: schema.tables.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
    check_supported(table)?;
    let copy_err = |source| RowsError::Copy {
        table: table.name.clone(),
        source,
    };

    let select = format!(
        "SELECT {} FROM public.{}",
        table
            .columns
            .iter()
            .map(select_item)
            .collect::<Vec<_>>()
            .join(", "),
        quote_ident(&table.name)
    );
    // The statement tells us the wire types (including enums and domains)
    // that BinaryCopyOutIter wants; decoding itself follows the schema.
    let types: Vec<Type> = client
        .prepare(&select)
        .map_err(copy_err)?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let reader = client
        .copy_out(&format!("COPY ({select}) TO STDOUT (FORMAT binary)"))
        .map_err(copy_err)?;
    let mut iter = BinaryCopyOutIter::new(reader, &types);

    let mut rows = Vec::new();
    while let Some(raw) = iter.next().map_err(copy_err)? {
        let mut values = Vec::with_capacity(table.columns.len());
        for (i, column) in table.columns.iter().enumerate() {
            let decode_err = |detail: String| RowsError::Decode {
                table: table.name.clone(),
                column: column.name.clone(),
                type_name: column.ty.name.clone(),
                detail,
            };
            let field: RawField = raw.try_get(i).map_err(|e| decode_err(e.to_string()))?;
            let value = match field.0 {
                None => Value::Null,
                Some(bytes) => decode(&column.ty.kind, bytes).map_err(decode_err)?,
            };
            values.push(value);
        }
        rows.push(Row { values });
    }

    let pk = table.primary_key_indexes();
    rows.sort_by(|a, b| {
        pk.iter()
            .map(|&i| a.values[i].cmp(&b.values[i]))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.cmp(b))
    });
    Ok(rows)
}

/// Reads every table of `schema` (see [`load_table`]) from one snapshot:
/// a REPEATABLE READ, read-only transaction, so foreign keys between the
/// tables read hold even while the database is being written to.
pub fn load_all(
    client: &mut postgres::Client,
    schema: &Schema,
) -> Result<BTreeMap<String, Vec<Row>>, RowsError> {
    let begin_err = |source| RowsError::Copy {
        table: "(all tables: BEGIN)".to_owned(),
        source,
    };
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(begin_err)?;
    let mut all = BTreeMap::new();
    for name in schema.tables.keys() {
        all.insert(name.clone(), load_table(&mut tx, schema, name)?);
    }
    tx.commit().map_err(begin_err)?;
    Ok(all)
}

pub use crate::engine::restore::quote_ident;

/// The undecoded bytes of one field, whatever its type.
struct RawField<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawField<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawField(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawField(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn decode(kind: &TypeKind, bytes: &[u8]) -> Result<Value, String> {
    match kind {
        TypeKind::Scalar(scalar) => decode_scalar(scalar, bytes),
        TypeKind::Array(element) | TypeKind::NdArray(element) => decode_array(element, bytes),
    }
}

fn fixed<const N: usize>(bytes: &[u8]) -> Result<[u8; N], String> {
    bytes
        .try_into()
        .map_err(|_| format!("expected {N} bytes, got {}", bytes.len()))
}

fn text(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("invalid UTF-8: {e}"))
}

fn decode_scalar(scalar: &Scalar, bytes: &[u8]) -> Result<Value, String> {
    use postgres_protocol::types as pg;
    let e = |e: Box<dyn std::error::Error + Sync + Send>| e.to_string();
    Ok(match scalar {
        Scalar::Bool => Value::Bool(fixed::<1>(bytes)?[0] != 0),
        Scalar::Int2 => Value::Int2(i16::from_be_bytes(fixed(bytes)?)),
        Scalar::Int4 => Value::Int4(i32::from_be_bytes(fixed(bytes)?)),
        Scalar::Int8 => Value::Int8(i64::from_be_bytes(fixed(bytes)?)),
        Scalar::Numeric | Scalar::BigNumeric => {
            let exact = crate::engine::numeric::to_text(bytes)?;
            match Decimal::from_str_exact(&exact) {
                Ok(d) if *scalar == Scalar::Numeric && d.to_string() == exact => Value::Numeric(d),
                _ => Value::NumericText(exact),
            }
        }
        Scalar::Float4 => Value::Float4(pg::float4_from_sql(bytes).map_err(e)?.to_bits()),
        Scalar::Float8 => Value::Float8(pg::float8_from_sql(bytes).map_err(e)?.to_bits()),
        Scalar::Text => Value::Text(text(bytes)?),
        Scalar::Enum(_) => Value::Enum(text(bytes)?),
        Scalar::TextForm(_) => Value::TextForm(text(bytes)?),
        Scalar::Uuid => Value::Uuid(uuid::Uuid::from_bytes(fixed(bytes)?)),
        Scalar::Timestamptz => Value::Timestamptz(timestamp_micros(bytes)?),
        Scalar::Timestamp => Value::Timestamp(timestamp_micros(bytes)?),
        Scalar::Date => Value::Date(match i32::from_be_bytes(fixed(bytes)?) {
            infinite @ (i32::MAX | i32::MIN) => infinite,
            days => days + PG_EPOCH_OFFSET_DAYS,
        }),
        Scalar::Time => Value::Time(i64::from_be_bytes(fixed(bytes)?)),
        Scalar::Jsonb => match bytes.split_first() {
            Some((1, rest)) => Value::Json(text(rest)?),
            _ => return Err("unknown jsonb binary version".into()),
        },
        Scalar::Json => Value::Json(text(bytes)?),
        Scalar::Bytea => Value::Bytes(pg::bytea_from_sql(bytes).to_vec()),
        Scalar::Inet => {
            let inet = pg::inet_from_sql(bytes).map_err(e)?;
            Value::Inet(inet.addr(), inet.netmask())
        }
        Scalar::Macaddr => Value::Macaddr(pg::macaddr_from_sql(bytes).map_err(e)?),
        Scalar::Bits => {
            let bits = pg::varbit_from_sql(bytes).map_err(e)?;
            let octets = bits.bytes();
            Value::Bits(
                (0..bits.len())
                    .map(|i| {
                        if octets[i / 8] & (0x80 >> (i % 8)) != 0 {
                            '1'
                        } else {
                            '0'
                        }
                    })
                    .collect(),
            )
        }
        Scalar::Point => {
            let p = pg::point_from_sql(bytes).map_err(e)?;
            Value::Point(p.x().to_bits(), p.y().to_bits())
        }
        Scalar::Range(inner) => match pg::range_from_sql(bytes).map_err(e)? {
            pg::Range::Empty => Value::Range(None),
            pg::Range::Nonempty(lower, upper) => {
                let bound = |b: pg::RangeBound<Option<&[u8]>>| -> Result<Bound, String> {
                    Ok(match b {
                        pg::RangeBound::Unbounded => Bound::Unbounded,
                        pg::RangeBound::Inclusive(Some(v)) => {
                            Bound::Inclusive(decode_scalar(inner, v)?)
                        }
                        pg::RangeBound::Exclusive(Some(v)) => {
                            Bound::Exclusive(decode_scalar(inner, v)?)
                        }
                        _ => return Err("a range bound is NULL".into()),
                    })
                };
                Value::Range(Some(Box::new((bound(lower)?, bound(upper)?))))
            }
        },
        Scalar::Unsupported(name) => return Err(format!("unsupported type {name}")),
    })
}

/// Microseconds since 1970, infinities kept as `i64::MAX`/`i64::MIN`.
fn timestamp_micros(bytes: &[u8]) -> Result<i64, String> {
    Ok(match i64::from_be_bytes(fixed(bytes)?) {
        infinite @ (i64::MAX | i64::MIN) => infinite,
        micros => micros.checked_add(PG_EPOCH_OFFSET_MICROS).ok_or(
            "timestamps after the year 292277 do not fit in microseconds since 1970 (an i64)",
        )?,
    })
}

/// Decodes an array of any dimension (postgres-protocol's
/// `array_from_sql`), NULL elements included.
fn decode_array(element: &Scalar, bytes: &[u8]) -> Result<Value, String> {
    use postgres::fallible_iterator::FallibleIterator as _;
    use postgres_protocol::types as pg;
    let e = |e: Box<dyn std::error::Error + Sync + Send>| e.to_string();
    let array = pg::array_from_sql(bytes).map_err(e)?;
    let dims: Vec<(i32, i32)> = array
        .dimensions()
        .map(|d| Ok((d.len, d.lower_bound)))
        .collect()
        .map_err(e)?;
    let items: Vec<Value> = array
        .values()
        .map(Ok)
        .collect::<Vec<Option<&[u8]>>>()
        .map_err(e)?
        .into_iter()
        .map(|v| match v {
            None => Ok(Value::Null),
            Some(b) => decode_scalar(element, b),
        })
        .collect::<Result<_, String>>()?;
    Ok(match dims[..] {
        [] | [(_, 1)] => Value::Array(items),
        _ => Value::NdArray(dims, items),
    })
}
