//! Reading a table's rows into owned [`Value`]s: one binary `COPY … TO
//! STDOUT` per table, decoded by the column types [`crate::engine::schema`] found,
//! then sorted by primary key so the output does not depend on physical row
//! order.

use std::collections::BTreeMap;

use postgres::binary_copy::BinaryCopyOutIter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, Type};
use postgres::GenericClient;
use rust_decimal::Decimal;

use crate::engine::schema::{Scalar, Schema, Table, TypeKind};

/// The types the extractor reads and emits, for error messages.
pub const SUPPORTED_TYPES: &str = "bool, smallint, integer, bigint, numeric, text/varchar/char, \
     uuid, timestamptz, timestamp, date, time, json, jsonb, public enums, domains over these \
     and one-dimensional arrays of them";

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
    /// A column has a type the extractor cannot represent as fixture code.
    #[error(
        "column {table}.{column} has type {type_name}, which the extractor does not support; \
         supported: {SUPPORTED_TYPES}. Change the column's type or add support in src/engine/rows.rs \
         and src/engine/codegen/ (types.rs, rows_file.rs)"
    )]
    UnsupportedType {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The PostgreSQL type.
        type_name: String,
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
/// (collation-independent, so the same on every machine).
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
    /// `numeric`
    Numeric(Decimal),
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
    /// A one-dimensional array.
    Array(Vec<Value>),
}

impl Value {
    /// The same value as the fixture merge and the seed plan hold it.
    pub fn to_fixture(&self) -> crate::engine::merge::Value {
        use crate::engine::merge::{Ts, Value as F};
        match self {
            Value::Null => F::Null,
            Value::Bool(b) => F::Bool(*b),
            Value::Int2(i) => F::Int(i64::from(*i)),
            Value::Int4(i) => F::Int(i64::from(*i)),
            Value::Int8(i) => F::Int(*i),
            Value::Numeric(d) => F::Numeric(d.to_string()),
            Value::Text(s) => F::Text(s.clone()),
            Value::Uuid(u) => F::Uuid(u.as_u128()),
            Value::Timestamptz(us) => F::Timestamptz(Ts::At(*us)),
            Value::Timestamp(us) => F::Timestamp(Ts::At(*us)),
            Value::Date(d) => F::Date(*d),
            Value::Time(us) => F::Time(*us),
            Value::Json(s) => F::Json(s.clone()),
            Value::Enum(l) => F::Enum(l.clone()),
            Value::Array(items) => F::Array(items.iter().map(Value::to_fixture).collect()),
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

/// Checks that every column of `table` has a type this module can read, and
/// names the first that does not.
pub fn check_supported(table: &Table) -> Result<(), RowsError> {
    for column in &table.columns {
        if let Scalar::Unsupported(name) = column.ty.kind.scalar() {
            let type_name = match &column.ty.kind {
                TypeKind::Array(_) if !column.ty.name.ends_with("[]") => format!("{name}[]"),
                _ if column.ty.name == *name => name.clone(),
                _ => format!("{} (resolves to {name})", column.ty.name),
            };
            return Err(RowsError::UnsupportedType {
                table: table.name.clone(),
                column: column.name.clone(),
                type_name,
            });
        }
    }
    Ok(())
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
            .map(|c| quote_ident(&c.name))
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
        TypeKind::Array(element) => decode_array(element, bytes),
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
    Ok(match scalar {
        Scalar::Bool => Value::Bool(fixed::<1>(bytes)?[0] != 0),
        Scalar::Int2 => Value::Int2(i16::from_be_bytes(fixed(bytes)?)),
        Scalar::Int4 => Value::Int4(i32::from_be_bytes(fixed(bytes)?)),
        Scalar::Int8 => Value::Int8(i64::from_be_bytes(fixed(bytes)?)),
        Scalar::Numeric => {
            Value::Numeric(Decimal::from_sql(&Type::NUMERIC, bytes).map_err(|e| {
                format!("{e} (NaN, infinity and more than 28 digits are not supported)")
            })?)
        }
        Scalar::Text => Value::Text(text(bytes)?),
        Scalar::Enum(_) => Value::Enum(text(bytes)?),
        Scalar::Uuid => Value::Uuid(uuid::Uuid::from_bytes(fixed(bytes)?)),
        Scalar::Timestamptz => Value::Timestamptz(timestamp_micros(bytes)?),
        Scalar::Timestamp => Value::Timestamp(timestamp_micros(bytes)?),
        Scalar::Date => {
            let days = i32::from_be_bytes(fixed(bytes)?);
            if days == i32::MAX || days == i32::MIN {
                return Err("infinite dates are not supported".into());
            }
            Value::Date(days + PG_EPOCH_OFFSET_DAYS)
        }
        Scalar::Time => Value::Time(i64::from_be_bytes(fixed(bytes)?)),
        Scalar::Jsonb => match bytes.split_first() {
            Some((1, rest)) => Value::Json(text(rest)?),
            _ => return Err("unknown jsonb binary version".into()),
        },
        Scalar::Json => Value::Json(text(bytes)?),
        Scalar::Unsupported(name) => return Err(format!("unsupported type {name}")),
    })
}

fn timestamp_micros(bytes: &[u8]) -> Result<i64, String> {
    let micros = i64::from_be_bytes(fixed(bytes)?);
    if micros == i64::MAX || micros == i64::MIN {
        return Err("infinite timestamps are not supported".into());
    }
    Ok(micros + PG_EPOCH_OFFSET_MICROS)
}

/// Decodes PostgreSQL's binary array format: dimensions, a null flag, the
/// element oid, (length, lower bound) per dimension, then length-prefixed
/// elements (-1 for NULL).
fn decode_array(element: &Scalar, bytes: &[u8]) -> Result<Value, String> {
    let mut cursor = bytes;
    let mut next_i32 = || -> Result<i32, String> {
        let (head, rest) = cursor
            .split_first_chunk::<4>()
            .ok_or("truncated array header")?;
        cursor = rest;
        Ok(i32::from_be_bytes(*head))
    };
    let dimensions = next_i32()?;
    let _has_nulls = next_i32()?;
    let _element_oid = next_i32()?;
    let len = match dimensions {
        0 => 0,
        1 => {
            let len = next_i32()?;
            let _lower_bound = next_i32()?;
            usize::try_from(len).map_err(|_| "negative array length")?
        }
        n => return Err(format!("{n}-dimensional arrays are not supported")),
    };
    let mut values = Vec::with_capacity(len);
    for _ in 0..len {
        let (head, rest) = cursor
            .split_first_chunk::<4>()
            .ok_or("truncated array element")?;
        let item_len = i32::from_be_bytes(*head);
        cursor = rest;
        if item_len < 0 {
            values.push(Value::Null);
            continue;
        }
        let item_len = item_len as usize;
        if cursor.len() < item_len {
            return Err("truncated array element".into());
        }
        let (item, rest) = cursor.split_at(item_len);
        cursor = rest;
        values.push(decode_scalar(element, item)?);
    }
    Ok(Value::Array(values))
}
