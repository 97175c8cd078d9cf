//! Reads fixture rows out of Rust source: parses `golden/` and `generated/`
//! with `syn` and evaluates the small grammar fixture rows use, without
//! compiling them. Shared by `build.rs` and the library.
//!
//! The grammar: literals (strings, byte strings, integers, floats,
//! booleans) and the float and infinity consts of [`CONSTS`]; `uuid!("…")`
//! and `Uuid::from_u128(0x…)`; `dec!(…)` and `Decimal::from_parts(…)`;
//! `Some(…)` and `None`; enum variants (`UserRole::Teacher`); arrays and
//! slices; constructor calls of the fixture types (`Ts::FromSeed(-40 * DAY)`,
//! `Time::hm(9, 0)`, `Timestamptz::utc(2024, 12, 24, 14, 0, 0, 0)`,
//! `Date::ymd(2024, 12, 24)`, `Json("…")`); integer arithmetic; struct literals with
//! `..BASE`; references to other items and their fields (`TEST_TEACHER.id`).
//! A struct literal's *explicitly written* fields are the columns the row
//! sets; fields taken from a `..Table::DEFAULT` base are left to the
//! database's defaults.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use syn::spanned::Spanned;
use syn::{Expr, Item, Lit, Type};

use super::super::civil;
use super::value::{parse_uuid, RangeBound, Ts, Value};

/// Microseconds in the time-unit constants fixture files may use.
pub const UNITS: &[(&str, i128)] = &[
    ("MICROSECOND", 1),
    ("MILLISECOND", 1_000),
    ("SECOND", 1_000_000),
    ("MINUTE", 60_000_000),
    ("HOUR", 3_600_000_000),
    ("DAY", 86_400_000_000),
];

/// Associated consts fixture values may name (`f64::NAN`,
/// `Timestamptz::INFINITY`), by type and name, as the expression they stand
/// for.
fn associated_const(ty: &str, name: &str) -> Option<Ev> {
    let call = |path: &[&str], v: i128| {
        Ev::Call(
            path.iter().map(|s| s.to_string()).collect(),
            vec![Ev::Int(v)],
        )
    };
    Some(match (ty, name) {
        ("f32" | "f64", "NAN") => Ev::Float("NaN".into()),
        ("f32" | "f64", "INFINITY") => Ev::Float("inf".into()),
        ("f32" | "f64", "NEG_INFINITY") => Ev::Float("-inf".into()),
        ("Timestamptz", "INFINITY") => call(&["Timestamptz", "At"], i64::MAX.into()),
        ("Timestamptz", "NEG_INFINITY") => call(&["Timestamptz", "At"], i64::MIN.into()),
        ("Timestamp", "INFINITY") => call(&["Timestamp"], i64::MAX.into()),
        ("Timestamp", "NEG_INFINITY") => call(&["Timestamp"], i64::MIN.into()),
        ("Date", "INFINITY") => call(&["Date"], i32::MAX.into()),
        ("Date", "NEG_INFINITY") => call(&["Date"], i32::MIN.into()),
        _ => return None,
    })
}

/// The associated consts fixture values may name, for messages and docs.
pub const CONSTS: &str = "f32/f64::{NAN, INFINITY, NEG_INFINITY}, \
     Timestamptz/Timestamp/Date::{INFINITY, NEG_INFINITY}";

/// An evaluated expression, before it is typed as a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Str(String),
    Bytes(Vec<u8>),
    Int(i128),
    /// A float literal's text (kept exact for numerics).
    Float(String),
    Bool(bool),
    Uuid(u128),
    Decimal(String),
    None,
    Some(Box<Ev>),
    Array(Vec<Ev>),
    /// A path that names no item: an enum variant or a unit constant.
    Path(Vec<String>),
    /// A call of a constructor: `Ts::FromSeed(x)`, `Json("…")`.
    Call(Vec<String>, Vec<Ev>),
    /// A struct value; `set` holds the fields written explicitly.
    Struct {
        ty: String,
        fields: BTreeMap<String, Ev>,
        set: BTreeSet<String>,
    },
}

/// Where an item was defined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// An evaluation error, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EvalError {
    pub loc: Loc,
    pub message: String,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

/// A `const` or `static` item found in a fixture file.
#[derive(Clone)]
pub struct ItemDef {
    pub name: String,
    pub ty: Type,
    pub expr: Expr,
    pub loc: Loc,
}

/// A struct definition: its fields and their Rust types.
#[derive(Clone)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<(String, Type)>,
}

/// Every item and struct of a set of files, for evaluation.
#[derive(Default)]
pub struct Items {
    pub items: BTreeMap<String, Vec<Rc<ItemDef>>>,
    /// Enum types: their variants in declared order.
    pub enums: BTreeMap<String, Vec<String>>,
    pub structs: BTreeMap<String, StructDef>,
    cache: BTreeMap<String, Ev>,
    evaluating: BTreeSet<String>,
}

/// The Rust name of a field or item, without `r#`.
pub fn ident_text(i: &syn::Ident) -> String {
    let s = i.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

impl Items {
    /// Adds the items of one parsed file (inline modules included).
    pub fn add_file(&mut self, file: &str, source: &str) -> Result<(), EvalError> {
        let parsed = syn::parse_file(source).map_err(|e| EvalError {
            loc: Loc {
                file: file.to_string(),
                line: line_of(e.span()),
            },
            message: format!("cannot parse: {e}"),
        })?;
        self.add_items(file, &parsed.items);
        Ok(())
    }

    fn add_items(&mut self, file: &str, items: &[Item]) {
        for item in items {
            let (ident, ty, expr, span) = match item {
                Item::Const(c) => (&c.ident, &*c.ty, &*c.expr, c.span()),
                Item::Static(s) => (&s.ident, &*s.ty, &*s.expr, s.span()),
                Item::Enum(e) => {
                    self.enums.insert(
                        ident_text(&e.ident),
                        e.variants.iter().map(|v| ident_text(&v.ident)).collect(),
                    );
                    continue;
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.add_items(file, inner);
                    }
                    continue;
                }
                Item::Struct(s) => {
                    let fields = s
                        .fields
                        .iter()
                        .filter_map(|f| Some((ident_text(f.ident.as_ref()?), f.ty.clone())))
                        .collect();
                    self.structs.insert(
                        ident_text(&s.ident),
                        StructDef {
                            name: ident_text(&s.ident),
                            fields,
                        },
                    );
                    continue;
                }
                Item::Impl(imp) => {
                    // Associated consts such as `Users::DEFAULT`.
                    if let Type::Path(p) = &*imp.self_ty {
                        let owner = p.path.segments.last().map(|s| ident_text(&s.ident));
                        for ii in &imp.items {
                            if let syn::ImplItem::Const(c) = ii {
                                let name = format!(
                                    "{}::{}",
                                    owner.clone().unwrap_or_default(),
                                    ident_text(&c.ident)
                                );
                                self.items.entry(name.clone()).or_default().push(Rc::new(
                                    ItemDef {
                                        name,
                                        ty: c.ty.clone(),
                                        expr: c.expr.clone(),
                                        loc: Loc {
                                            file: file.to_string(),
                                            line: line_of(c.span()),
                                        },
                                    },
                                ));
                            }
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let name = ident_text(ident);
            self.items
                .entry(name.clone())
                .or_default()
                .push(Rc::new(ItemDef {
                    name,
                    ty: ty.clone(),
                    expr: expr.clone(),
                    loc: Loc {
                        file: file.to_string(),
                        line: line_of(span),
                    },
                }));
        }
    }

    /// The unique item called `name`.
    pub fn item(&self, name: &str, at: &Loc) -> Result<&Rc<ItemDef>, EvalError> {
        let tokens = |d: &ItemDef| quote::ToTokens::to_token_stream(&d.expr).to_string();
        match self.items.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(one),
            // The same definition in several files (a shared slice constant).
            Some([first, rest @ ..]) if rest.iter().all(|d| tokens(d) == tokens(first)) => {
                Ok(first)
            }
            Some(many) if !many.is_empty() => Err(EvalError {
                loc: at.clone(),
                message: format!(
                    "`{name}` is defined more than once ({}); fixture names must be unique",
                    many.iter()
                        .map(|d| d.loc.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            _ => Err(EvalError {
                loc: at.clone(),
                message: format!("`{name}` is not defined in golden/ or generated/"),
            }),
        }
    }

    /// Evaluates the item called `name` (memoised).
    pub fn eval_item(&mut self, name: &str, at: &Loc) -> Result<Ev, EvalError> {
        if let Some(v) = self.cache.get(name) {
            return Ok(v.clone());
        }
        let def = self.item(name, at)?.clone();
        if !self.evaluating.insert(name.to_string()) {
            return Err(EvalError {
                loc: def.loc.clone(),
                message: format!("`{name}` refers to itself"),
            });
        }
        let v = self.eval(&def.expr, &def.loc);
        self.evaluating.remove(name);
        let v = v?;
        self.cache.insert(name.to_string(), v.clone());
        Ok(v)
    }

    /// Evaluates an expression found at `loc` (its own line is used when known).
    pub fn eval(&mut self, expr: &Expr, loc: &Loc) -> Result<Ev, EvalError> {
        let here = Loc {
            file: loc.file.clone(),
            line: match line_of(expr.span()) {
                0 => loc.line,
                n => n,
            },
        };
        let err = |m: String| EvalError {
            loc: here.clone(),
            message: m,
        };
        match expr {
            Expr::Lit(l) => lit(&l.lit).ok_or_else(|| err("unsupported literal".into())),
            Expr::Paren(p) => self.eval(&p.expr, &here),
            Expr::Group(g) => self.eval(&g.expr, &here),
            Expr::Reference(r) => self.eval(&r.expr, &here),
            Expr::Cast(c) => self.eval(&c.expr, &here),
            Expr::Unary(u) => match (&u.op, self.eval(&u.expr, &here)?) {
                (syn::UnOp::Neg(_), Ev::Int(i)) => Ok(Ev::Int(-i)),
                (syn::UnOp::Neg(_), Ev::Float(f)) => Ok(Ev::Float(match f.strip_prefix('-') {
                    Some(positive) => positive.to_string(),
                    None => format!("-{f}"),
                })),
                (syn::UnOp::Neg(_), Ev::Decimal(f)) => Ok(Ev::Decimal(format!("-{f}"))),
                (syn::UnOp::Not(_), Ev::Bool(b)) => Ok(Ev::Bool(!b)),
                _ => Err(err("unsupported unary operation".into())),
            },
            Expr::Binary(b) => {
                let (l, r) = (self.eval(&b.left, &here)?, self.eval(&b.right, &here)?);
                let (Ev::Int(l), Ev::Int(r)) = (l, r) else {
                    return Err(err("arithmetic is supported on integers only".into()));
                };
                let v = match b.op {
                    syn::BinOp::Add(_) => l.checked_add(r),
                    syn::BinOp::Sub(_) => l.checked_sub(r),
                    syn::BinOp::Mul(_) => l.checked_mul(r),
                    syn::BinOp::Div(_) if r != 0 => Some(l / r),
                    _ => None,
                };
                v.map(Ev::Int)
                    .ok_or_else(|| err("unsupported or overflowing arithmetic".into()))
            }
            Expr::Array(a) => Ok(Ev::Array(
                a.elems
                    .iter()
                    .map(|e| self.eval(e, &here))
                    .collect::<Result<_, _>>()?,
            )),
            Expr::Path(p) => {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| ident_text(&s.ident))
                    .collect();
                self.eval_path(&segs, &here)
            }
            Expr::Field(f) => {
                let base = self.eval(&f.base, &here)?;
                let syn::Member::Named(name) = &f.member else {
                    return Err(err("tuple fields are not supported".into()));
                };
                let name = ident_text(name);
                match base {
                    Ev::Struct { fields, ty, .. } => fields
                        .get(&name)
                        .cloned()
                        .ok_or_else(|| err(format!("`{ty}` has no field `{name}` here"))),
                    _ => Err(err(format!("`.{name}` of something that is not a row"))),
                }
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Err(err("unsupported call".into()));
                };
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| ident_text(&s.ident))
                    .collect();
                let args: Vec<Ev> = c
                    .args
                    .iter()
                    .map(|a| self.eval(a, &here))
                    .collect::<Result<_, _>>()?;
                call(&segs, args).map_err(err)
            }
            Expr::Macro(m) => {
                let name = m
                    .mac
                    .path
                    .segments
                    .last()
                    .map(|s| ident_text(&s.ident))
                    .unwrap_or_default();
                let tokens = m.mac.tokens.to_string();
                match name.as_str() {
                    "uuid" => {
                        let text = tokens.trim().trim_matches('"');
                        parse_uuid(text)
                            .map(Ev::Uuid)
                            .ok_or_else(|| err(format!("invalid uuid {tokens}")))
                    }
                    "dec" => Ok(Ev::Decimal(tokens.replace([' ', '_'], ""))),
                    other => Err(err(format!("unsupported macro `{other}!`"))),
                }
            }
            Expr::Struct(s) => {
                let ty = s
                    .path
                    .segments
                    .last()
                    .map(|s| ident_text(&s.ident))
                    .unwrap_or_default();
                let (mut fields, mut set) = match &s.rest {
                    Some(rest) => match self.eval(rest, &here)? {
                        Ev::Struct { fields, set, .. } => (fields, set),
                        _ => return Err(err("`..` base is not a struct".into())),
                    },
                    None => (BTreeMap::new(), BTreeSet::new()),
                };
                for f in &s.fields {
                    let syn::Member::Named(name) = &f.member else {
                        return Err(err("tuple structs are not rows".into()));
                    };
                    let name = ident_text(name);
                    let v = self.eval(&f.expr, &here)?;
                    set.insert(name.clone());
                    fields.insert(name, v);
                }
                Ok(Ev::Struct { ty, fields, set })
            }
            _ => Err(err(format!(
                "unsupported expression in a fixture: `{}`",
                quote::ToTokens::to_token_stream(expr)
            ))),
        }
    }

    fn eval_path(&mut self, segs: &[String], here: &Loc) -> Result<Ev, EvalError> {
        let last = segs.last().cloned().unwrap_or_default();
        if segs.len() == 1 && last == "None" {
            return Ok(Ev::None);
        }
        if segs.len() >= 2 && segs[segs.len() - 2] == "Decimal" && last == "ZERO" {
            return Ok(Ev::Decimal("0".into()));
        }
        if let Some(v) = segs
            .len()
            .checked_sub(2)
            .and_then(|i| associated_const(&segs[i], &last))
        {
            return Ok(v);
        }
        if let Some((_, us)) = UNITS.iter().find(|(n, _)| *n == last) {
            return Ok(Ev::Int(*us));
        }
        // `Users::DEFAULT`: an associated const. Its fields are all "unset".
        if segs.len() >= 2 {
            let assoc = format!("{}::{}", segs[segs.len() - 2], last);
            if self.items.contains_key(&assoc) {
                let v = self.eval_item(&assoc, here)?;
                return Ok(match v {
                    Ev::Struct { ty, fields, .. } => Ev::Struct {
                        ty,
                        fields,
                        set: BTreeSet::new(),
                    },
                    other => other,
                });
            }
        }
        // `Enum::Variant` of a schema enum is a variant whatever its case
        // (label 'G' becomes `MpaaRating::G`); an unknown variant is
        // reported against the enum when the value is typed.
        if segs.len() >= 2 && self.enums.contains_key(&segs[segs.len() - 2]) {
            return Ok(Ev::Path(segs.to_vec()));
        }
        // Other SCREAMING_CASE names are items.
        let screaming = last.chars().any(|c| c.is_ascii_uppercase())
            && last
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if screaming || self.items.contains_key(&last) {
            return self.eval_item(&last, here);
        }
        Ok(Ev::Path(segs.to_vec()))
    }
}

fn lit(l: &Lit) -> Option<Ev> {
    Some(match l {
        Lit::Str(s) => Ev::Str(s.value()),
        Lit::ByteStr(b) => Ev::Bytes(b.value()),
        Lit::Int(i) => Ev::Int(i.base10_parse::<i128>().ok().or_else(|| {
            // u128 literals above i128::MAX (full-range uuids).
            i.base10_parse::<u128>().ok().map(|u| u as i128)
        })?),
        Lit::Float(f) => Ev::Float(f.base10_digits().to_string()),
        Lit::Bool(b) => Ev::Bool(b.value),
        _ => return None,
    })
}

fn call(segs: &[String], args: Vec<Ev>) -> Result<Ev, String> {
    let last = segs.last().map(String::as_str).unwrap_or("");
    match (last, args.as_slice()) {
        ("Some", [v]) => Ok(Ev::Some(Box::new(v.clone()))),
        ("from_u128", [Ev::Int(i)]) => Ok(Ev::Uuid(*i as u128)),
        ("nil", []) => Ok(Ev::Uuid(0)),
        ("from_parts", [Ev::Int(lo), Ev::Int(mid), Ev::Int(hi), Ev::Bool(neg), Ev::Int(scale)]) => {
            let mantissa = (*hi as u128) << 64 | (*mid as u128) << 32 | (*lo as u128);
            Ok(Ev::Decimal(decimal_text(mantissa, *neg, *scale as u32)))
        }
        ("from_i128_with_scale", [Ev::Int(m), Ev::Int(scale)]) => Ok(Ev::Decimal(decimal_text(
            m.unsigned_abs(),
            *m < 0,
            *scale as u32,
        ))),
        _ => Ok(Ev::Call(segs.to_vec(), args)),
    }
}

/// A decimal's canonical text from its mantissa and scale.
pub fn decimal_text(mantissa: u128, negative: bool, scale: u32) -> String {
    let digits = mantissa.to_string();
    let scale = scale as usize;
    let body = if scale == 0 {
        digits
    } else if digits.len() > scale {
        format!(
            "{}.{}",
            &digits[..digits.len() - scale],
            &digits[digits.len() - scale..]
        )
    } else {
        format!("0.{}{}", "0".repeat(scale - digits.len()), digits)
    };
    if negative && mantissa != 0 {
        format!("-{body}")
    } else {
        body
    }
}

/// How a Rust field type maps to a column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Uuid,
    Text,
    Bool,
    Int,
    Numeric,
    Timestamptz,
    Timestamp,
    Date,
    Time,
    Json,
    /// A fixture enum: its Rust name.
    Enum(String),
    Option(Box<FieldKind>),
    Array(Box<FieldKind>),
    /// `f32`
    Float4,
    /// `f64`
    Float8,
    /// `&[u8]`
    Bytes,
    Inet,
    Macaddr,
    Bits,
    Point,
    /// `Range<T>`
    Range(Box<FieldKind>),
    /// `Array<T>`: any dimensions, NULL elements.
    NdArray(Box<FieldKind>),
    /// A text-form newtype (`Interval`, `Money`, `PgText`…).
    TextForm,
}

/// The runtime newtypes over text (fixture.rs) that hold a value in its
/// type's text form.
pub const TEXT_FORMS: &[&str] = &["Interval", "Money", "Timetz", "Tsvector", "Xml", "PgText"];

/// Classifies a field's Rust type. `enums` holds the names of the schema's
/// enum types.
pub fn field_kind(ty: &Type, enums: &BTreeSet<String>) -> Option<FieldKind> {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) if matches!(&*s.elem, Type::Path(p) if p.path.is_ident("u8")) => {
                Some(FieldKind::Bytes)
            }
            Type::Slice(s) => Some(FieldKind::Array(Box::new(field_kind(&s.elem, enums)?))),
            Type::Path(p) if p.path.is_ident("str") => Some(FieldKind::Text),
            other => field_kind(other, enums),
        },
        Type::Array(a) => Some(FieldKind::Array(Box::new(field_kind(&a.elem, enums)?))),
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let name = ident_text(&seg.ident);
            let inner = || -> Option<&Type> {
                if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                    a.args.iter().find_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                } else {
                    None
                }
            };
            Some(match name.as_str() {
                "Option" => FieldKind::Option(Box::new(field_kind(inner()?, enums)?)),
                "Uuid" => FieldKind::Uuid,
                "str" | "String" => FieldKind::Text,
                "bool" => FieldKind::Bool,
                "i16" | "i32" | "i64" | "u16" | "u32" => FieldKind::Int,
                "Decimal" | "Numeric" => FieldKind::Numeric,
                "Timestamptz" => FieldKind::Timestamptz,
                "Timestamp" => FieldKind::Timestamp,
                "Date" => FieldKind::Date,
                "Time" => FieldKind::Time,
                "Json" => FieldKind::Json,
                "f32" => FieldKind::Float4,
                "f64" => FieldKind::Float8,
                "Inet" => FieldKind::Inet,
                "Macaddr" => FieldKind::Macaddr,
                "Bits" => FieldKind::Bits,
                "Point" => FieldKind::Point,
                "Range" => FieldKind::Range(Box::new(field_kind(inner()?, enums)?)),
                "Array" => FieldKind::NdArray(Box::new(field_kind(inner()?, enums)?)),
                n if TEXT_FORMS.contains(&n) => FieldKind::TextForm,
                n if enums.contains(n) => FieldKind::Enum(n.to_string()),
                _ => return None,
            })
        }
        Type::Group(g) => field_kind(&g.elem, enums),
        Type::Paren(p) => field_kind(&p.elem, enums),
        _ => None,
    }
}

/// Types an evaluated value as a column value. `labels` maps
/// (enum Rust name, variant) to the PostgreSQL label.
pub fn to_value(
    ev: &Ev,
    kind: &FieldKind,
    labels: &BTreeMap<(String, String), String>,
) -> Result<Value, String> {
    let bad = || format!("expected {kind:?}, found {ev:?}");
    // Constructor calls: the last path segment says what it builds.
    let ctor = |ev: &Ev| -> Option<(String, Vec<Ev>)> {
        match ev {
            Ev::Call(p, a) => Some((p.last().cloned().unwrap_or_default(), a.clone())),
            _ => None,
        }
    };
    Ok(match kind {
        FieldKind::Option(inner) => match ev {
            Ev::None => Value::Null,
            Ev::Some(v) => to_value(v, inner, labels)?,
            _ => return Err(format!("expected Some(…) or None, found {ev:?}")),
        },
        FieldKind::Array(inner) => match ev {
            Ev::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| to_value(i, inner, labels))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(bad()),
        },
        FieldKind::Uuid => match ev {
            Ev::Uuid(u) => Value::Uuid(*u),
            Ev::Str(s) => Value::Uuid(parse_uuid(s).ok_or_else(bad)?),
            _ => return Err(bad()),
        },
        FieldKind::Text => match ev {
            Ev::Str(s) => Value::Text(s.clone()),
            _ => return Err(bad()),
        },
        FieldKind::Bool => match ev {
            Ev::Bool(b) => Value::Bool(*b),
            _ => return Err(bad()),
        },
        FieldKind::Int => match ev {
            Ev::Int(i) => Value::Int(i64::try_from(*i).map_err(|_| bad())?),
            _ => return Err(bad()),
        },
        FieldKind::Numeric => match ev {
            Ev::Decimal(d) | Ev::Float(d) => Value::Numeric(d.clone()),
            Ev::Int(i) => Value::Numeric(i.to_string()),
            Ev::Str(s) => Value::Numeric(s.clone()),
            _ => match ctor(ev) {
                Some((_, args)) if args.len() == 1 => return to_value(&args[0], kind, labels),
                _ => return Err(bad()),
            },
        },
        FieldKind::Timestamptz | FieldKind::Timestamp => {
            let (name, args) = ctor(ev).ok_or_else(bad)?;
            let us = match args.as_slice() {
                [Ev::Int(i)] => i64::try_from(*i).map_err(|_| bad())?,
                [] => 0,
                [y, mo, d, h, mi, s, us] => {
                    let [y, mo, d, h, mi, s, us] =
                        ints([y, mo, d, h, mi, s, us]).ok_or_else(bad)?;
                    let time = civil_time([h, mi, s, us]).ok_or_else(bad)?;
                    checked_date(y, mo, d, time)?;
                    civil::micros_from_civil(y, mo as u32, d as u32, time)
                }
                _ => return Err(bad()),
            };
            let ts = match name.as_str() {
                "FromSeed" | "from_seed" | "seed" | "at_seed" | "seed_relative" => Ts::FromSeed(us),
                _ => Ts::At(us),
            };
            if *kind == FieldKind::Timestamptz {
                Value::Timestamptz(ts)
            } else {
                Value::Timestamp(ts)
            }
        }
        FieldKind::Date => match ctor(ev) {
            Some((_, a)) => match a.as_slice() {
                [Ev::Int(d)] => Value::Date(i32::try_from(*d).map_err(|_| bad())?),
                [y, m, d] => {
                    let [y, m, d] = ints([y, m, d]).ok_or_else(bad)?;
                    checked_date(y, m, d, (0, 0, 0, 0))?;
                    let days = civil::days_from_civil(y, m as u32, d as u32);
                    Value::Date(i32::try_from(days).map_err(|_| bad())?)
                }
                _ => return Err(bad()),
            },
            None => return Err(bad()),
        },
        FieldKind::Time => match ctor(ev) {
            Some((_, a)) => {
                let ints: Vec<i128> = a
                    .iter()
                    .map(|x| match x {
                        Ev::Int(i) => Ok(*i),
                        _ => Err(bad()),
                    })
                    .collect::<Result<_, _>>()?;
                let us = match ints.as_slice() {
                    [us] => *us,
                    [h, m] => (h * 3600 + m * 60) * 1_000_000,
                    [h, m, s] => (h * 3600 + m * 60 + s) * 1_000_000,
                    [h, m, s, us] => {
                        let fields = [*h, *m, *s, *us].map(|v| i64::try_from(v).unwrap_or(-1));
                        let time = civil_time(fields)
                            .filter(|t| civil::check_time_of_day(*t).is_none())
                            .ok_or_else(|| {
                                format!("{h}:{m}:{s}.{us} is not a time of day within 00:00:00–24:00:00")
                            })?;
                        i128::from(civil::micros_from_civil(1970, 1, 1, time))
                    }
                    _ => return Err(bad()),
                };
                Value::Time(i64::try_from(us).map_err(|_| bad())?)
            }
            None => return Err(bad()),
        },
        FieldKind::Json => match ev {
            Ev::Str(s) => Value::Json(s.clone()),
            _ => match ctor(ev) {
                Some((_, a)) => match a.as_slice() {
                    [Ev::Str(s)] => Value::Json(s.clone()),
                    _ => return Err(bad()),
                },
                None => return Err(bad()),
            },
        },
        FieldKind::Float4 | FieldKind::Float8 => {
            let text = match ev {
                Ev::Float(f) => f.clone(),
                Ev::Int(i) => i.to_string(),
                _ => return Err(bad()),
            };
            let v = if *kind == FieldKind::Float4 {
                f64::from(text.parse::<f32>().map_err(|_| bad())?)
            } else {
                text.parse::<f64>().map_err(|_| bad())?
            };
            Value::Float(v.to_bits())
        }
        FieldKind::Bytes => match ev {
            Ev::Bytes(b) => Value::Bytes(b.clone()),
            Ev::Array(items) => Value::Bytes(
                items
                    .iter()
                    .map(|i| match i {
                        Ev::Int(b) => u8::try_from(*b).map_err(|_| bad()),
                        _ => Err(bad()),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(bad()),
        },
        FieldKind::Inet => {
            let (name, args) = ctor(ev).ok_or_else(bad)?;
            let ints = |ev: &Ev| -> Result<Vec<i128>, String> {
                match ev {
                    Ev::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            Ev::Int(n) => Ok(*n),
                            _ => Err(bad()),
                        })
                        .collect(),
                    _ => Err(bad()),
                }
            };
            let [parts, Ev::Int(bits)] = args.as_slice() else {
                return Err(bad());
            };
            let parts = ints(parts)?;
            let addr = match (name.as_str(), parts.as_slice()) {
                ("v4", p) if p.len() == 4 => {
                    let mut octets = [0u8; 4];
                    for (o, x) in octets.iter_mut().zip(p) {
                        *o = u8::try_from(*x).map_err(|_| bad())?;
                    }
                    std::net::IpAddr::from(octets)
                }
                ("v6", p) if p.len() == 8 => {
                    let mut seg = [0u16; 8];
                    for (s, x) in seg.iter_mut().zip(p) {
                        *s = u16::try_from(*x).map_err(|_| bad())?;
                    }
                    std::net::IpAddr::from(seg)
                }
                _ => return Err(bad()),
            };
            Value::Inet(addr, u8::try_from(*bits).map_err(|_| bad())?)
        }
        FieldKind::Macaddr => match ctor(ev).map(|(_, a)| a).as_deref() {
            Some([Ev::Array(items)]) if items.len() == 6 => {
                let mut m = [0u8; 6];
                for (b, i) in m.iter_mut().zip(items) {
                    let Ev::Int(n) = i else { return Err(bad()) };
                    *b = u8::try_from(*n).map_err(|_| bad())?;
                }
                Value::Macaddr(m)
            }
            _ => return Err(bad()),
        },
        FieldKind::Bits => match ctor(ev).map(|(_, a)| a).as_deref() {
            Some([Ev::Str(s)]) if s.chars().all(|c| c == '0' || c == '1') => Value::Bits(s.clone()),
            _ => return Err(bad()),
        },
        FieldKind::Point => match ctor(ev).map(|(_, a)| a).as_deref() {
            Some([x, y]) => {
                let coord = |e: &Ev| match to_value(e, &FieldKind::Float8, labels)? {
                    Value::Float(bits) => Ok(bits),
                    _ => Err(bad()),
                };
                Value::Point(coord(x)?, coord(y)?)
            }
            _ => return Err(bad()),
        },
        FieldKind::Range(inner) => match ev {
            Ev::Path(p) if p.last().is_some_and(|l| l == "Empty") => Value::Range(None),
            _ => {
                let (_, args) = ctor(ev).ok_or_else(bad)?;
                let [lo, hi] = args.as_slice() else {
                    return Err(bad());
                };
                let bound = |b: &Ev| -> Result<RangeBound, String> {
                    match b {
                        Ev::Path(p) if p.last().is_some_and(|l| l == "Unbounded") => {
                            Ok(RangeBound::Unbounded)
                        }
                        _ => match ctor(b) {
                            Some((n, a)) if n == "Included" && a.len() == 1 => {
                                Ok(RangeBound::Inclusive(to_value(&a[0], inner, labels)?))
                            }
                            Some((n, a)) if n == "Excluded" && a.len() == 1 => {
                                Ok(RangeBound::Exclusive(to_value(&a[0], inner, labels)?))
                            }
                            _ => Err(format!("expected a Bound, found {b:?}")),
                        },
                    }
                };
                Value::Range(Some(Box::new((bound(lo)?, bound(hi)?))))
            }
        },
        FieldKind::NdArray(inner) => match ctor(ev).map(|(_, a)| a).as_deref() {
            Some([Ev::Array(lens), Ev::Array(lower), Ev::Array(items)])
                if lens.len() == lower.len() =>
            {
                let int = |e: &Ev| match e {
                    Ev::Int(i) => i32::try_from(*i).map_err(|_| bad()),
                    _ => Err(bad()),
                };
                let dims = lens
                    .iter()
                    .zip(lower)
                    .map(|(l, b)| Ok((int(l)?, int(b)?)))
                    .collect::<Result<Vec<_>, String>>()?;
                let element = FieldKind::Option(inner.clone());
                let items = items
                    .iter()
                    .map(|i| to_value(i, &element, labels))
                    .collect::<Result<Vec<_>, _>>()?;
                match dims[..] {
                    [] | [(_, 1)] => Value::Array(items),
                    _ => Value::NdArray(dims, items),
                }
            }
            _ => return Err(bad()),
        },
        FieldKind::TextForm => match ev {
            Ev::Str(s) => Value::TextForm(s.clone()),
            _ => match ctor(ev).map(|(_, a)| a).as_deref() {
                Some([Ev::Str(s)]) => Value::TextForm(s.clone()),
                _ => return Err(bad()),
            },
        },
        FieldKind::Enum(name) => match ev {
            Ev::Path(p) if p.len() >= 2 => {
                let variant = p.last().cloned().unwrap_or_default();
                let label = labels
                    .get(&(name.clone(), variant.clone()))
                    .ok_or_else(|| format!("`{name}` has no variant `{variant}`"))?;
                Value::Enum(label.clone())
            }
            _ => return Err(bad()),
        },
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
/// Integers of a constructor's arguments, if each is one.
fn ints<const N: usize>(args: [&Ev; N]) -> Option<[i64; N]> {
    let mut out = [0; N];
    for (slot, arg) in out.iter_mut().zip(args) {
        match arg {
            Ev::Int(i) => *slot = i64::try_from(*i).ok()?,
            _ => return None,
        }
    }
    Some(out)
}

/// A time of day's fields, if each fits.
fn civil_time([h, m, s, us]: [i64; 4]) -> Option<(u32, u32, u32, u32)> {
    let field = |v: i64| u32::try_from(v).ok();
    Some((field(h)?, field(m)?, field(s)?, field(us)?))
}

/// An error naming the date and time when they are impossible.
fn checked_date(y: i64, m: i64, d: i64, time: (u32, u32, u32, u32)) -> Result<(), String> {
    let (month, day) = (u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0));
    match civil::check(y, month, day, time) {
        None => Ok(()),
        Some(why) => {
            let (h, mi, s, us) = time;
            Err(format!(
                "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06} is impossible: {why}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(src: &str) -> Items {
        let mut it = Items::default();
        it.add_file("golden/t.rs", src).unwrap();
        it
    }

    #[test]
    fn evaluates_the_fixture_grammar() {
        let mut it = items(
            r#"
            pub struct Users { pub id: Uuid, pub email: &'static str, pub tz: &'static str }
            impl Users { pub const DEFAULT: Users = Users { id: Uuid::nil(), email: "", tz: "UTC" }; }
            pub const T_ID: Uuid = uuid!("8fb84d2f-478a-437f-825e-9e364274d78a");
            pub const T: Users = Users { id: T_ID, email: "t@example.com", ..Users::DEFAULT };
            pub const COPY: Users = Users { email: "c@example.com", ..T };
            pub const REF: Uuid = T.id;
            pub const WHEN: Ts = Ts::FromSeed(-40 * DAY + 2 * HOUR);
            pub const MONEY: Decimal = Decimal::from_parts(12050, 0, 0, false, 2);
            pub const D: Decimal = dec!(120.00);
            pub const IDS: &[Uuid] = &[Uuid::from_u128(0x11), T_ID];
            pub const NEG: Decimal = Decimal::from_parts(5, 0, 0, true, 3);
            "#,
        );
        let at = Loc {
            file: "x".into(),
            line: 0,
        };
        let Ev::Struct { fields, set, .. } = it.eval_item("T", &at).unwrap() else {
            panic!()
        };
        assert_eq!(
            fields["id"],
            Ev::Uuid(0x8fb84d2f_478a_437f_825e_9e364274d78a)
        );
        assert_eq!(set.iter().collect::<Vec<_>>(), ["email", "id"]);
        let Ev::Struct { fields, set, .. } = it.eval_item("COPY", &at).unwrap() else {
            panic!()
        };
        assert_eq!(fields["email"], Ev::Str("c@example.com".into()));
        assert_eq!(set.len(), 2, "a row base passes on what it set");
        assert_eq!(
            it.eval_item("REF", &at).unwrap(),
            Ev::Uuid(0x8fb84d2f_478a_437f_825e_9e364274d78a)
        );
        let when = it.eval_item("WHEN", &at).unwrap();
        let kind = FieldKind::Timestamptz;
        assert_eq!(
            to_value(&when, &kind, &BTreeMap::new()).unwrap(),
            Value::Timestamptz(Ts::FromSeed(-40 * 86_400_000_000 + 7_200_000_000))
        );
        assert_eq!(
            it.eval_item("MONEY", &at).unwrap(),
            Ev::Decimal("120.50".into())
        );
        assert_eq!(
            it.eval_item("NEG", &at).unwrap(),
            Ev::Decimal("-0.005".into())
        );
        assert_eq!(
            it.eval_item("D", &at).unwrap(),
            Ev::Decimal("120.00".into())
        );
        assert_eq!(
            it.eval_item("IDS", &at).unwrap(),
            Ev::Array(vec![
                Ev::Uuid(0x11),
                Ev::Uuid(0x8fb84d2f_478a_437f_825e_9e364274d78a)
            ])
        );
    }

    #[test]
    fn unknown_references_name_file_and_line() {
        let mut it = items("\n\npub const A: Uuid = MISSING.id;\n");
        let e = it
            .eval_item(
                "A",
                &Loc {
                    file: "x".into(),
                    line: 0,
                },
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "golden/t.rs:3: `MISSING` is not defined in golden/ or generated/"
        );
    }

    #[test]
    fn enum_variants_of_any_case_evaluate_to_their_labels() {
        // Variants as codegen names labels 'G', 'NC-17', 'PG13X' and 'R'.
        let mut it = items(
            r#"
            pub enum MpaaRating { G, Nc17, PG13X, R }
            pub const G: i32 = 1;
            pub const FAMILY: MpaaRating = MpaaRating::G;
            pub const ADULT: MpaaRating = MpaaRating::Nc17;
            pub const LOUD: MpaaRating = MpaaRating::PG13X;
            pub const LIST: &[MpaaRating] = &[MpaaRating::R, MpaaRating::G];
            pub const PLAIN: i32 = G;
            "#,
        );
        let at = Loc {
            file: "x".into(),
            line: 0,
        };
        let labels: BTreeMap<(String, String), String> = [
            ("G", "G"),
            ("Nc17", "NC-17"),
            ("PG13X", "PG13X"),
            ("R", "R"),
        ]
        .into_iter()
        .map(|(v, l)| (("MpaaRating".to_string(), v.to_string()), l.to_string()))
        .collect();
        let kind = FieldKind::Enum("MpaaRating".into());
        for (item, label) in [("FAMILY", "G"), ("ADULT", "NC-17"), ("LOUD", "PG13X")] {
            let ev = it.eval_item(item, &at).unwrap();
            assert_eq!(
                to_value(&ev, &kind, &labels).unwrap(),
                Value::Enum(label.into()),
                "{item}"
            );
        }
        let list = it.eval_item("LIST", &at).unwrap();
        assert_eq!(
            to_value(&list, &FieldKind::Array(Box::new(kind)), &labels).unwrap(),
            Value::Array(vec![Value::Enum("R".into()), Value::Enum("G".into())])
        );
        // A bare all-caps name is still an item.
        assert_eq!(it.eval_item("PLAIN", &at).unwrap(), Ev::Int(1));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil::days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil::days_from_civil(2000, 1, 1), 10_957);
        assert_eq!(civil::days_from_civil(2024, 10, 4), 20_000);
    }

    #[test]
    fn readable_dates_and_times_evaluate_and_impossible_ones_are_named() {
        let mut it = items(
            r#"
            pub const AT: Timestamptz = Timestamptz::utc(2024, 12, 24, 14, 0, 0, 5);
            pub const WALL: Timestamp = Timestamp::at(1969, 12, 31, 23, 59, 59, 999_999);
            pub const DAY: Date = Date::ymd(2024, 10, 4);
            pub const END: Time = Time::hms(24, 0, 0, 0);
            pub const NO_DAY: Date = Date::ymd(2023, 2, 29);
            pub const NO_TIME: Time = Time::hms(24, 0, 0, 1);
            "#,
        );
        let at = Loc {
            file: "x".into(),
            line: 0,
        };
        let mut value = |name: &str, kind: FieldKind| {
            to_value(&it.eval_item(name, &at).unwrap(), &kind, &BTreeMap::new())
        };
        assert_eq!(
            value("AT", FieldKind::Timestamptz),
            Ok(Value::Timestamptz(Ts::At(1_735_048_800_000_005)))
        );
        assert_eq!(
            value("WALL", FieldKind::Timestamp),
            Ok(Value::Timestamp(Ts::At(-1)))
        );
        assert_eq!(value("DAY", FieldKind::Date), Ok(Value::Date(20_000)));
        assert_eq!(
            value("END", FieldKind::Time),
            Ok(Value::Time(86_400_000_000))
        );
        let err = value("NO_DAY", FieldKind::Date).unwrap_err();
        assert!(
            err.contains("2023-02-29") && err.contains("no such day"),
            "{err}"
        );
        let err = value("NO_TIME", FieldKind::Time).unwrap_err();
        assert!(err.contains("24:0:0.1"), "{err}");
    }
}
