//! The row files of the output directory: `auto_<table>.rs` and its part
//! files, written as text by the direct emitter (see [`super::emit`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;

use proc_macro2::TokenStream;
use quote::quote;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::emit::{Code, Writer};
use super::naming::{id_names, variant_names, Names, VariantNames};
use super::types::{bare_type, runtime_type_name, scalar_type, unsupported, Uses};
use super::{check_options, header, CodegenError, Ident, Options};
use super::{gen_mod, gen_schema};
use crate::engine::civil;
use crate::engine::rows::{Row, Value};
use crate::engine::schema::{Scalar, Schema, Table, TypeKind};

/// Where a table's rows can name the rows they reference: the ID const of
/// every row whose primary key is one uuid column, by table. A foreign-key
/// value that is such a row's key is emitted as the path of its ID const
/// (`auto_users::USERS_3F2A9C1B_ID`) instead of a uuid literal: the
/// rows read as references, and rustc resolves a path more cheaply than it
/// type-checks and evaluates a `Uuid::from_u128` call.
struct RowNames {
    /// By table and key: the ID const's name, and its path from another
    /// table's module (`auto_users::USERS_3F2A9C1B_ID`).
    by_table: BTreeMap<String, BTreeMap<uuid::Uuid, (String, String)>>,
    /// Every table's ID const names, in row order (see [`id_names`]).
    in_order: BTreeMap<String, Vec<String>>,
    /// Every table's row module, `auto_<table>`.
    modules: BTreeMap<String, String>,
    /// The Rust names of the tables and their columns.
    rust: Names,
}

impl RowNames {
    fn new(schema: &Schema, rows: &BTreeMap<String, Vec<Row>>) -> RowNames {
        let mut by_table = BTreeMap::new();
        let mut in_order = BTreeMap::new();
        let rust = Names::of(schema);
        let modules = schema
            .tables
            .keys()
            .map(|t| (t.clone(), rust.module(t)))
            .collect();
        for (name, table) in &schema.tables {
            if table.primary_key_indexes().is_empty() {
                continue;
            }
            let table_rows = rows.get(name).map(Vec::as_slice).unwrap_or_default();
            let names = id_names(table, table_rows);
            if let Some(key) = single_uuid_key(table) {
                let module = rust.module(name);
                let by_key = names
                    .iter()
                    .zip(table_rows)
                    .filter_map(|(id_name, row)| match row.values.get(key) {
                        Some(Value::Uuid(u)) => {
                            Some((*u, (id_name.clone(), format!("{module}::{id_name}"))))
                        }
                        _ => None,
                    })
                    .collect();
                by_table.insert(name.clone(), by_key);
            }
            in_order.insert(name.clone(), names);
        }
        RowNames {
            by_table,
            in_order,
            modules,
            rust,
        }
    }
}

/// The index of a table's primary-key column when the key is one uuid column.
fn single_uuid_key(table: &Table) -> Option<usize> {
    match table.primary_key_indexes()[..] {
        [i] if matches!(table.columns[i].ty.kind, TypeKind::Scalar(Scalar::Uuid)) => Some(i),
        _ => None,
    }
}

/// For each column of `table`, the table whose rows its values name: the
/// table itself for a one-uuid primary key, the referenced table for a
/// one-column foreign key onto such a key.
fn reference_targets(schema: &Schema, table: &Table) -> Vec<Option<String>> {
    let mut targets = vec![None; table.columns.len()];
    if let Some(key) = single_uuid_key(table) {
        targets[key] = Some(table.name.clone());
    }
    for fk in &table.foreign_keys {
        let ([column], [ref_column]) = (&fk.columns[..], &fk.ref_columns[..]) else {
            continue;
        };
        let Some(target) = schema.table(&fk.ref_table) else {
            continue;
        };
        let onto_key = single_uuid_key(target).map(|k| &target.columns[k].name) == Some(ref_column);
        if let (true, Some(i)) = (onto_key, table.column_index(column)) {
            targets[i].get_or_insert_with(|| target.name.clone());
        }
    }
    targets
}

/// How the rows of one file refer to ID consts.
struct Refs<'a> {
    names: &'a RowNames,
    /// Per column, see [`reference_targets`].
    targets: &'a [Option<String>],
    table: &'a str,
    /// Rows in `auto_<table>/part_NNNN.rs` sit one module deeper.
    in_part: bool,
}

impl Refs<'_> {
    /// The path of the ID const of the row of `value` that column `column`
    /// names, if that row was extracted: `NAME` or `super::NAME` for the
    /// table's own rows, `auto_<table>::NAME` (imported) for another's.
    fn path(&self, column: usize, value: &uuid::Uuid, uses: &mut Uses) -> Option<Code> {
        let target = self.targets.get(column)?.as_deref()?;
        let (name, qualified) = self.names.by_table.get(target)?.get(value)?;
        Some(if target == self.table {
            if self.in_part {
                Code::atom(format!("super::{name}"))
            } else {
                Code::atom(name.as_str())
            }
        } else {
            let module = &self.names.modules[target];
            if !uses.modules.contains(module) {
                uses.modules.insert(module.clone());
            }
            Code::atom(qualified.as_str())
        })
    }
}

/// Emits values as expressions, pulling every slice literal out into a
/// deduplicated `const` named by a hash of its content (so the name does not
/// depend on which row used it first).
#[derive(Default)]
struct Emitter<'a> {
    /// Slice content (element type and values, debug-printed) → (const
    /// name, type, value).
    slices: BTreeMap<String, SliceConst>,
    /// Name referenced rows by their ID consts (not in the ID consts
    /// themselves).
    refs: Option<Refs<'a>>,
    /// The schema's enum variant names; a label missing here is an error.
    variant_names: Option<&'a VariantNames>,
    /// `EnumType::Variant` by enum and label: heck-casing both for every
    /// value was a tenth of the time spent here.
    variants: BTreeMap<String, BTreeMap<String, Code>>,
}

/// A `const SLICE_…: Type = value;` item.
struct SliceConst {
    name: String,
    ty: Code,
    value: Code,
}

impl Emitter<'_> {
    /// The expression for `value` of `table.columns[index]`.
    fn value(
        &mut self,
        table: &Table,
        index: usize,
        value: &Value,
        nullable: bool,
        uses: &mut Uses,
    ) -> Result<Code, CodegenError> {
        let column = &table.columns[index];
        let bad = |reason: &str| CodegenError::BadValue {
            table: table.name.clone(),
            column: column.name.clone(),
            type_name: column.ty.name.clone(),
            value: format!("{value:?}"),
            reason: reason.to_owned(),
        };
        let wrap = |inner: Code| {
            if nullable {
                Code::some(inner)
            } else {
                inner
            }
        };
        if let Value::Null = value {
            return if nullable {
                Ok(Code::atom("None"))
            } else {
                Err(bad("NULL in a NOT NULL column"))
            };
        }
        if let (Some(refs), Value::Uuid(u)) = (&self.refs, value) {
            if let Some(path) = refs.path(index, u, uses) {
                return Ok(wrap(path));
            }
        }
        let inner = match (&column.ty.kind, value) {
            (TypeKind::Scalar(Scalar::Enum(name)), Value::Enum(label)) => {
                if let Some(variant) = self.variants.get(name).and_then(|v| v.get(label)) {
                    return Ok(wrap(variant.clone()));
                }
                let variant =
                    scalar_value(&Scalar::Enum(name.clone()), value, self.variant_names, uses)
                        .ok_or_else(|| bad("value does not match the column type"))?;
                self.variants
                    .entry(name.clone())
                    .or_default()
                    .insert(label.clone(), variant.clone());
                variant
            }
            (TypeKind::Scalar(scalar), _) => scalar_value(scalar, value, self.variant_names, uses)
                .ok_or_else(|| bad("value does not match the column type"))?,
            (TypeKind::Array(scalar), Value::Array(items)) => {
                // Key by the values, not by token text: stringifying tokens
                // for every row is what made this slow.
                let key = format!("{scalar:?} {items:?}");
                if let Some(slice) = self.slices.get(&key) {
                    return Ok(wrap(Code::atom(slice.name.as_str())));
                }
                let elements = items
                    .iter()
                    .map(|item| match item {
                        Value::Null => Err(bad("NULL array elements need an `Array` column")),
                        _ => scalar_value(scalar, item, self.variant_names, uses)
                            .ok_or_else(|| bad("array element does not match the column type")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let element_type =
                    scalar_type(scalar, uses, false).ok_or_else(|| unsupported(table, column))?;
                self.slice_const(key, quote!(&[#element_type]), Code::Slice(elements))
            }
            (TypeKind::NdArray(scalar), Value::Array(items) | Value::NdArray(_, items)) => {
                let key = format!("nd {scalar:?} {value:?}");
                if let Some(slice) = self.slices.get(&key) {
                    return Ok(wrap(Code::atom(slice.name.as_str())));
                }
                let dims = match value {
                    Value::NdArray(dims, _) => dims.clone(),
                    _ if items.is_empty() => Vec::new(),
                    _ => vec![(items.len() as i32, 1)],
                };
                let ints = |f: fn(&(i32, i32)) -> i32| {
                    Code::Slice(dims.iter().map(|d| Code::atom(f(d).to_string())).collect())
                };
                let elements = items
                    .iter()
                    .map(|item| match item {
                        Value::Null => Ok(Code::atom("None")),
                        _ => scalar_value(scalar, item, self.variant_names, uses)
                            .map(Code::some)
                            .ok_or_else(|| bad("array element does not match the column type")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let element_type =
                    scalar_type(scalar, uses, false).ok_or_else(|| unsupported(table, column))?;
                uses.runtime.insert("Array");
                let expr = Code::call(
                    "Array::new",
                    vec![ints(|d| d.0), ints(|d| d.1), Code::Slice(elements)],
                );
                self.slice_const(key, quote!(Array<#element_type>), expr)
            }
            (TypeKind::Array(_) | TypeKind::NdArray(_), _) => return Err(bad("expected an array")),
        };
        Ok(wrap(inner))
    }

    /// Pulls `value` (of Rust type `ty`) out into a `SLICE_…` const named
    /// by `key`, returning the path to it.
    fn slice_const(&mut self, key: String, ty: TokenStream, value: Code) -> Code {
        let name = slice_const_name(&key);
        let slice = SliceConst {
            name: name.clone(),
            ty: Code::atom(type_text(ty)),
            value,
        };
        self.slices.insert(key, slice);
        Code::atom(name)
    }

    /// The slice consts, sorted by name.
    fn consts(self) -> Vec<SliceConst> {
        let mut consts: Vec<SliceConst> = self.slices.into_values().collect();
        consts.sort_by(|a, b| a.name.cmp(&b.name));
        consts
    }
}

/// A type's tokens as rustfmt writes them: `&'static str`, `&[u8]`,
/// `Range<Timestamptz>`, `(Uuid, i32)`, `[Users; 3]`.
fn type_text(tokens: TokenStream) -> String {
    use proc_macro2::{Delimiter, TokenTree};
    fn walk(tokens: TokenStream, out: &mut String) {
        let mut word_before = false;
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) => {
                    if word_before {
                        out.push(' ');
                    }
                    out.push_str(&ident.to_string());
                    word_before = true;
                }
                TokenTree::Literal(literal) => {
                    out.push_str(&literal.to_string());
                    word_before = true;
                }
                TokenTree::Punct(punct) => {
                    match punct.as_char() {
                        ',' => out.push_str(", "),
                        ';' => out.push_str("; "),
                        c => out.push(c),
                    }
                    word_before = false;
                }
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::None => ("", ""),
                    };
                    out.push_str(open);
                    walk(group.stream(), out);
                    let trimmed = out.trim_end_matches([',', ' ']).len();
                    out.truncate(trimmed);
                    out.push_str(close);
                    word_before = false;
                }
            }
        }
    }
    let mut out = String::new();
    walk(tokens, &mut out);
    out
}

/// `SLICE_<16 hex of sha256(content)>`: 64 bits make an accidental clash
/// between two slices of one file negligible, and the name stays the same
/// when other rows change.
fn slice_const_name(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02X}")).collect();
    format!("SLICE_{hex}")
}

fn uuid_literal(value: &uuid::Uuid) -> Code {
    let h = value.simple().to_string();
    let text = format!(
        "0x{}_{}_{}_{}_{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    Code::call("Uuid::from_u128", vec![Code::Atom(text)])
}

/// A float literal: `1.5`, `-0.0`, `1e300`, or `f64::NAN`,
/// `f64::INFINITY`, `f64::NEG_INFINITY` (`f32::…` for a `real`). The
/// shortest text that reads back as the same bits.
fn float_expr(v: f64, single: bool) -> Code {
    let ty = if single { "f32" } else { "f64" };
    if v.is_nan() {
        return Code::atom(format!("{ty}::NAN"));
    }
    if v.is_infinite() {
        let name = if v > 0.0 { "INFINITY" } else { "NEG_INFINITY" };
        return Code::atom(format!("{ty}::{name}"));
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    Code::atom(if single {
        format!("{sign}{:?}", v.abs() as f32)
    } else {
        format!("{sign}{:?}", v.abs())
    })
}

/// `±infinity` as the type's `INFINITY` const, or `None` for a finite value.
fn infinity(ty: &str, v: i64, infinite: (i64, i64)) -> Option<Code> {
    match v {
        v if v == infinite.0 => Some(Code::atom(format!("{ty}::INFINITY"))),
        v if v == infinite.1 => Some(Code::atom(format!("{ty}::NEG_INFINITY"))),
        _ => None,
    }
}

/// How a date or time value reads, for the note after its field: the
/// integer the row holds is exact and cheap to compile (a const fn per value
/// that computed it from the date, `Timestamptz::utc(2024, 12, 24, 14, 0,
/// 0, 0)`, cost rustc 13% more at the default scale and 27% more at 100k
/// rows), the note makes a diff read as dates.
fn date_note(value: &Value) -> Option<String> {
    let mut out = String::with_capacity(28);
    let date = |out: &mut String, (y, m, d): (i64, u32, u32)| {
        let _ = write!(out, "{y:04}-{m:02}-{d:02}");
    };
    let time = |out: &mut String, (h, m, s, us): (u32, u32, u32, u32)| {
        let _ = write!(out, "{h:02}:{m:02}:{s:02}");
        if us != 0 {
            let _ = write!(out, ".{us:06}");
        }
    };
    let instant = |out: &mut String, micros: i64| {
        let (y, m, d, t) = civil::civil_from_micros(micros);
        date(out, (y, m, d));
        out.push(' ');
        time(out, t);
    };
    match value {
        Value::Timestamptz(m) if *m != i64::MAX && *m != i64::MIN => {
            instant(&mut out, *m);
            out.push('Z');
        }
        Value::Timestamp(m) if *m != i64::MAX && *m != i64::MIN => instant(&mut out, *m),
        Value::Date(d) if *d != i32::MAX && *d != i32::MIN => {
            date(&mut out, civil::civil_from_days(i64::from(*d)));
        }
        Value::Time(m) if *m == civil::DAY_MICROS => out.push_str("24:00:00"),
        Value::Time(m) => time(&mut out, civil::civil_from_micros(*m).3),
        _ => return None,
    }
    Some(out)
}

/// The expression for one value of a scalar: one arm per type.
fn scalar_value(
    scalar: &Scalar,
    value: &Value,
    variants: Option<&VariantNames>,
    uses: &mut Uses,
) -> Option<Code> {
    // Import exactly what the value expressions name, so no file has an
    // unused import (a part may hold only NULLs of some column).
    match (scalar, value) {
        (Scalar::Enum(name), _) => {
            uses.schema.insert(Ident::type_name(name).rs);
        }
        (
            Scalar::Bool
            | Scalar::Int2
            | Scalar::Int4
            | Scalar::Int8
            | Scalar::Text
            | Scalar::Float4
            | Scalar::Float8
            | Scalar::Bytea,
            _,
        ) => {}
        (Scalar::Range(_), Value::Range(Some(_))) => {
            uses.runtime.insert("Range");
            uses.runtime.insert("Bound");
        }
        (Scalar::Range(_), _) => {
            uses.runtime.insert("Range");
        }
        _ => {
            if let Some(name) = runtime_type_name(scalar) {
                uses.runtime.insert(name);
            }
        }
    }
    let int = |v: i64| Code::atom(itoa::Buffer::new().format(v));
    let text_call = |ty: &'static str, s: &str| Code::call(ty, vec![Code::str(s)]);
    Some(match (scalar, value) {
        (Scalar::Bool, Value::Bool(b)) => Code::atom(if *b { "true" } else { "false" }),
        (Scalar::Int2, Value::Int2(i)) => int(i64::from(*i)),
        (Scalar::Int4, Value::Int4(i)) => int(i64::from(*i)),
        (Scalar::Int8, Value::Int8(i)) => int(*i),
        (Scalar::Float4, Value::Float4(bits)) => float_expr(f64::from(f32::from_bits(*bits)), true),
        (Scalar::Float8, Value::Float8(bits)) => float_expr(f64::from_bits(*bits), false),
        (Scalar::Text, Value::Text(s)) => Code::str(s),
        (Scalar::Uuid, Value::Uuid(u)) => uuid_literal(u),
        (Scalar::Numeric, Value::Numeric(d)) => {
            let m = d.mantissa().unsigned_abs();
            Code::call(
                "Decimal::from_parts",
                vec![
                    int(i64::from(m as u32)),
                    int(i64::from((m >> 32) as u32)),
                    int(i64::from((m >> 64) as u32)),
                    Code::atom(if d.is_sign_negative() {
                        "true"
                    } else {
                        "false"
                    }),
                    int(i64::from(d.scale())),
                ],
            )
        }
        (Scalar::BigNumeric, Value::Numeric(d)) => text_call("Numeric", &d.to_string()),
        (Scalar::BigNumeric, Value::NumericText(s)) => text_call("Numeric", s),
        (Scalar::Timestamptz, Value::Timestamptz(m)) => {
            infinity("Timestamptz", *m, (i64::MAX, i64::MIN))
                .unwrap_or_else(|| Code::call("Timestamptz::At", vec![int(*m)]))
        }
        (Scalar::Timestamp, Value::Timestamp(m)) => infinity("Timestamp", *m, (i64::MAX, i64::MIN))
            .unwrap_or_else(|| Code::call("Timestamp", vec![int(*m)])),
        (Scalar::Date, Value::Date(d)) => {
            let infinite = (i32::MAX.into(), i32::MIN.into());
            infinity("Date", i64::from(*d), infinite)
                .unwrap_or_else(|| Code::call("Date", vec![int(i64::from(*d))]))
        }
        (Scalar::Time, Value::Time(m)) => Code::call("Time", vec![int(*m)]),
        (Scalar::Json | Scalar::Jsonb, Value::Json(s)) => text_call("Json", s),
        (Scalar::Enum(name), Value::Enum(label)) => {
            let variant = variants?.get(name)?.get(label)?;
            Code::atom(format!("{}::{variant}", Ident::type_name(name).rs))
        }
        (Scalar::Bytea, Value::Bytes(b)) => Code::byte_str(b),
        (Scalar::Inet, Value::Inet(addr, bits)) => {
            let (ctor, parts) = match addr {
                std::net::IpAddr::V4(a) => (
                    "Inet::v4",
                    a.octets().iter().map(|o| int(i64::from(*o))).collect(),
                ),
                std::net::IpAddr::V6(a) => (
                    "Inet::v6",
                    a.segments()
                        .iter()
                        .map(|s| Code::atom(format!("{s:#x}")))
                        .collect(),
                ),
            };
            Code::call(ctor, vec![Code::Array(parts), int(i64::from(*bits))])
        }
        (Scalar::Macaddr, Value::Macaddr(m)) => Code::call(
            "Macaddr",
            vec![Code::Array(m.iter().map(|b| int(i64::from(*b))).collect())],
        ),
        (Scalar::Bits, Value::Bits(b)) => text_call("Bits", b),
        (Scalar::Point, Value::Point(x, y)) => Code::call(
            "Point",
            vec![
                float_expr(f64::from_bits(*x), false),
                float_expr(f64::from_bits(*y), false),
            ],
        ),
        (Scalar::Range(_), Value::Range(None)) => Code::atom("Range::Empty"),
        (Scalar::Range(inner), Value::Range(Some(bounds))) => {
            let mut bound = |b: &crate::engine::rows::Bound| -> Option<Code> {
                use crate::engine::rows::Bound as B;
                Some(match b {
                    B::Unbounded => Code::atom("Bound::Unbounded"),
                    B::Inclusive(v) => Code::call(
                        "Bound::Included",
                        vec![scalar_value(inner, v, variants, uses)?],
                    ),
                    B::Exclusive(v) => Code::call(
                        "Bound::Excluded",
                        vec![scalar_value(inner, v, variants, uses)?],
                    ),
                })
            };
            let (lo, hi) = (bound(&bounds.0)?, bound(&bounds.1)?);
            Code::call("Range::Span", vec![lo, hi])
        }
        (Scalar::TextForm(name), Value::TextForm(s)) => {
            text_call(super::types::text_form_type(name), s)
        }
        _ => return None,
    })
}

/// Generates a table's row files: `auto_<table>.rs`, plus
/// `auto_<table>/part_NNNN.rs` files when the table has more than
/// [`Options::rows_per_part`] rows. `rows` must be sorted by primary key
/// (as [`crate::engine::rows::load_table`] returns them). File names are relative
/// to the output directory.
fn gen_table_rows(
    schema: &Schema,
    table_name: &str,
    rows: &[Row],
    names: &RowNames,
    options: &Options,
) -> Result<Vec<(PathBuf, String)>, CodegenError> {
    check_options(options)?;
    let table = schema
        .table(table_name)
        .ok_or_else(|| CodegenError::UnknownTable(table_name.to_owned()))?;
    let struct_ident = names.rust.table_struct(&table.name);
    let file_name = names.rust.file_name(&table.name);
    let fields = names.rust.fields(table);
    let stem = file_name.trim_end_matches(".rs").to_owned();
    let targets = reference_targets(schema, table);
    let variants = variant_names(schema);
    let mut files = Vec::new();

    // The ID consts (and any slice consts their values need).
    let mut uses = Uses::default();
    uses.schema.insert(struct_ident.rs.clone());
    let pk = table.primary_key_indexes();
    let mut id_consts = Vec::new();
    let mut id_slices = Vec::new();
    if !pk.is_empty() {
        let mut types = pk
            .iter()
            .map(|&i| {
                bare_type(table, &table.columns[i], &mut uses, false)
                    .map(|t| Code::atom(type_text(t)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let id_type = if types.len() == 1 {
            types.pop().expect("one type")
        } else {
            Code::Tuple(types)
        };
        let id_names = &names.in_order[&table.name];
        let mut emitter = Emitter {
            variant_names: Some(&variants),
            ..Emitter::default()
        };
        for (row, name) in rows.iter().zip(id_names) {
            let mut parts = pk
                .iter()
                .map(|&i| emitter.value(table, i, &row.values[i], false, &mut uses))
                .collect::<Result<Vec<_>, _>>()?;
            let value = if parts.len() == 1 {
                parts.pop().expect("one part")
            } else {
                Code::Tuple(parts)
            };
            id_consts.push((format!("pub const {name}"), value));
        }
        id_slices = emitter.consts();
        id_consts.push((String::new(), id_type));
    }
    let id_type = id_consts.pop().map(|(_, ty)| ty);

    let per_part = options.rows_per_part.max(1);
    let order = if table.primary_key.is_some() {
        "in primary-key order"
    } else {
        "sorted by the whole row"
    };
    let chunks: Vec<&[Row]> = if rows.len() <= per_part {
        vec![rows]
    } else {
        rows.chunks(per_part).collect()
    };
    let refs = |in_part| Refs {
        names,
        targets: &targets,
        table: &table.name,
        in_part,
    };

    // The rows: in this file, or in part files.
    let struct_name = &struct_ident.rs;
    let mut body = Writer::new("");
    let mut mods = String::new();
    let parts_value = if chunks.len() == 1 {
        let (row_consts, literals) = row_literals(
            table,
            struct_name,
            &fields,
            rows,
            &mut uses,
            refs(false),
            &variants,
        )?;
        write_rows(&mut body, "static ROWS", struct_name, &row_consts, literals);
        Code::Slice(vec![Code::atom("&ROWS")])
    } else {
        let mut refs_to_parts = Vec::new();
        for n in 0..chunks.len() {
            let part = format!("part_{:04}", n + 1);
            let _ = writeln!(mods, "#[path = \"{stem}/{part}.rs\"]\nmod {part};");
            refs_to_parts.push(Code::atom(format!("&{part}::ROWS")));
        }
        // Parts are independent, so write them in parallel.
        let parts: Vec<(PathBuf, String)> = chunks
            .par_iter()
            .enumerate()
            .map(|(n, chunk)| {
                let mut part_uses = Uses::default();
                part_uses.schema.insert(struct_name.clone());
                let (row_consts, literals) = row_literals(
                    table,
                    struct_name,
                    &fields,
                    chunk,
                    &mut part_uses,
                    refs(true),
                    &variants,
                )?;
                let mut head = header(options);
                let _ = writeln!(
                    head,
                    "//! Rows {}–{} of table `{}` (of {}), {order}.",
                    n * per_part + 1,
                    n * per_part + chunk.len(),
                    table.name,
                    rows.len()
                );
                head.push_str(&use_lines(&part_uses, options, "super::super"));
                let mut part = Writer::new(&head);
                write_rows(
                    &mut part,
                    "pub(super) static ROWS",
                    struct_name,
                    &row_consts,
                    literals,
                );
                let path = PathBuf::from(format!("{stem}/part_{:04}.rs", n + 1));
                Ok((path, part.finish()))
            })
            .collect::<Result<_, CodegenError>>()?;
        files.extend(parts);
        Code::Slice(refs_to_parts)
    };

    // The table module: docs, imports, PARTS, ROW_COUNT, rows(), the part
    // modules, the ID consts, then the rows.
    let mut head = header(options);
    if table.primary_key.is_some() {
        let _ = writeln!(
            head,
            "//! Rows of table `{}` {order}, and a `pub const` per row named from its primary key.",
            table.name
        );
    } else {
        let _ = writeln!(
            head,
            "//! Rows of table `{}` {order} (the table has no primary key, so no named rows).",
            table.name
        );
    }
    head.push_str(&use_lines(&uses, options, "super"));
    let mut file = Writer::new(&head);
    file.line(&format!(
        "/// Every row, {order}, in parts of at most {per_part} rows."
    ));
    file.item(
        "pub static PARTS",
        &Code::atom(format!("&[&[{struct_name}]]")),
        &parts_value,
    );
    file.line("/// The number of rows.");
    file.line(&format!("pub const ROW_COUNT: usize = {};", rows.len()));
    file.line(&format!("/// Every row, {order}."));
    file.line(&format!(
        "pub fn rows() -> impl Iterator<Item = &'static {struct_name}> {{"
    ));
    file.line("    PARTS.iter().flat_map(|part| part.iter())");
    file.line("}");
    file.push(&mods);
    if let Some(id_type) = &id_type {
        for (head, value) in &id_consts {
            file.item(head, id_type, value);
        }
    }
    write_consts(&mut file, &id_slices);
    file.push(&body.finish());
    files.insert(0, (PathBuf::from(&file_name), file.finish()));
    Ok(files)
}

/// The `use` lines of a row file, as rustfmt orders and breaks them;
/// `generated` is the path of the `generated` module, which holds `schema`
/// and the table modules.
fn use_lines(uses: &Uses, options: &Options, generated: &str) -> String {
    let mut out = Writer::new("");
    let schema: Vec<&str> = uses.schema.iter().map(String::as_str).collect();
    let modules: Vec<&str> = uses.modules.iter().map(String::as_str).collect();
    let schema_path = format!("{generated}::schema");
    // rustfmt sorts `super::auto_users` before `super::schema::…`, and a
    // braced list after both.
    if matches!(modules[..], [module] if module < "schema") {
        out.use_list(generated, &modules);
        out.use_list(&schema_path, &schema);
    } else {
        out.use_list(&schema_path, &schema);
        out.use_list(generated, &modules);
    }
    let runtime: Vec<&str> = uses.runtime.iter().copied().collect();
    out.use_list(&options.runtime_path, &runtime);
    out.finish()
}

/// Writes `const SLICE_…` items.
fn write_consts(out: &mut Writer, consts: &[SliceConst]) {
    for slice in consts {
        out.item(&format!("const {}", slice.name), &slice.ty, &slice.value);
    }
}

/// Writes the slice consts of some rows, then `{head}: [Struct; N]` of them.
fn write_rows(
    out: &mut Writer,
    head: &str,
    struct_name: &str,
    consts: &[SliceConst],
    literals: Vec<Code>,
) {
    write_consts(out, consts);
    let ty = Code::atom(format!("[{struct_name}; {}]", literals.len()));
    out.item(head, &ty, &Code::Array(literals));
}

/// The slice consts and the struct literals of some rows.
fn row_literals<'a>(
    table: &Table,
    struct_name: &str,
    fields: &[Ident],
    rows: &[Row],
    uses: &mut Uses,
    refs: Refs<'a>,
    variants: &'a VariantNames,
) -> Result<(Vec<SliceConst>, Vec<Code>), CodegenError> {
    let mut emitter = Emitter {
        refs: Some(refs),
        variant_names: Some(variants),
        ..Emitter::default()
    };
    let mut literals = Vec::with_capacity(rows.len());
    let struct_name: Rc<str> = struct_name.into();
    let field_names: Vec<Rc<str>> = fields.iter().map(|f| f.rs.as_str().into()).collect();
    for row in rows {
        if row.values.len() != table.columns.len() {
            return Err(CodegenError::BadValue {
                table: table.name.clone(),
                column: "(row)".to_owned(),
                type_name: String::new(),
                value: format!("{row:?}"),
                reason: format!(
                    "{} values for {} columns",
                    row.values.len(),
                    table.columns.len()
                ),
            });
        }
        let fields = row
            .values
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let nullable = table.columns[i].nullable;
                let code = emitter.value(table, i, value, nullable, uses)?;
                let code = match date_note(value) {
                    Some(note) => Code::Noted(Box::new(code), note),
                    None => code,
                };
                Ok((field_names[i].clone(), code))
            })
            .collect::<Result<Vec<_>, CodegenError>>()?;
        literals.push(Code::Struct(struct_name.clone(), fields));
    }
    Ok((emitter.consts(), literals))
}

/// Every file of the output directory: `mod.rs`, `schema.rs` and each
/// table's row files (a table missing from `rows` gets an empty one).
pub fn gen_all(
    schema: &Schema,
    rows: &BTreeMap<String, Vec<Row>>,
    options: &Options,
) -> Result<BTreeMap<PathBuf, String>, CodegenError> {
    gen_all_with_schema(schema, rows, options, gen_schema(schema, options)?)
}

/// [`gen_all`] with `schema.rs` already generated (by [`gen_schema`] with the
/// same schema and options).
pub fn gen_all_with_schema(
    schema: &Schema,
    rows: &BTreeMap<String, Vec<Row>>,
    options: &Options,
    schema_rs: String,
) -> Result<BTreeMap<PathBuf, String>, CodegenError> {
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("mod.rs"), gen_mod(schema, options)?);
    files.insert(PathBuf::from("schema.rs"), schema_rs);
    let row_names = RowNames::new(schema, rows);
    let names: Vec<&String> = schema.tables.keys().collect();
    let per_table = names
        .par_iter()
        .map(|name| {
            let table_rows = rows.get(*name).map(Vec::as_slice).unwrap_or_default();
            gen_table_rows(schema, name, table_rows, &row_names, options)
        })
        .collect::<Result<Vec<_>, CodegenError>>()?;
    files.extend(per_table.into_iter().flatten());
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_read_as_dates_in_their_notes() {
        let note = |v: Value| date_note(&v);
        assert_eq!(
            note(Value::Timestamptz(1_735_048_800_000_000)).as_deref(),
            Some("2024-12-24 14:00:00Z")
        );
        assert_eq!(
            note(Value::Timestamp(-1)).as_deref(),
            Some("1969-12-31 23:59:59.999999")
        );
        assert_eq!(note(Value::Date(20_000)).as_deref(), Some("2024-10-04"));
        assert_eq!(
            note(Value::Time(civil::DAY_MICROS)).as_deref(),
            Some("24:00:00")
        );
        assert_eq!(
            note(Value::Time(30_600_000_000)).as_deref(),
            Some("08:30:00")
        );
        assert_eq!(note(Value::Timestamptz(i64::MAX)), None);
        assert_eq!(note(Value::Date(i32::MIN)), None);
        assert_eq!(note(Value::Int4(3)), None);
    }
}
