//! Rust names for database names: [`Ident`] (casing, keywords, reserved
//! type names), the collision check, table module and file names, and the
//! names of the ID consts of rows.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use sha2::{Digest, Sha256};

use super::CodegenError;
use crate::engine::rows::{Row, Value};
use crate::engine::schema::{Schema, Table};

/// An identifier; `r#name` becomes a raw identifier.
pub(super) fn ident(name: &str) -> syn::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => syn::Ident::new_raw(raw, Span::call_site()),
        None => syn::Ident::new(name, Span::call_site()),
    }
}

/// A name in the database and its Rust spelling (heck casing, keywords
/// escaped), so every place that needs one of them uses the same pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident {
    /// The name as in the database.
    pub db: String,
    /// The Rust identifier, possibly raw (`r#type`) or suffixed (`self_`).
    pub rs: String,
}

/// Strict and reserved keywords of Rust 2015–2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code uses unqualified: the runtime types it
/// imports and the prelude types it names. A table or enum may not take them.
pub(super) const RESERVED_TYPE_NAMES: &[&str] = &[
    "Array",
    "Bits",
    "Bound",
    "ColumnMeta",
    "Date",
    "Decimal",
    "EnumMeta",
    "FkAction",
    "ForeignKeyMeta",
    "Identity",
    "Inet",
    "Interval",
    "Json",
    "Macaddr",
    "Money",
    "Numeric",
    "Option",
    "PgText",
    "Point",
    "Range",
    "TableMeta",
    "Time",
    "Timestamp",
    "Timestamptz",
    "Timetz",
    "Tsvector",
    "UniqueKeyMeta",
    "Uuid",
    "Xml",
];

impl Ident {
    /// A struct field: `snake_case`.
    pub fn field(db: &str) -> Ident {
        Ident::cased(db, heck::ToSnakeCase::to_snake_case)
    }

    /// A type or enum variant: `UpperCamelCase`.
    pub fn type_name(db: &str) -> Ident {
        Ident::cased(db, heck::ToUpperCamelCase::to_upper_camel_case)
    }

    /// A constant: `SHOUTY_SNAKE_CASE`.
    pub fn constant(db: &str) -> Ident {
        Ident::cased(db, heck::ToShoutySnakeCase::to_shouty_snake_case)
    }

    fn cased(db: &str, case: fn(&str) -> String) -> Ident {
        // Only ASCII letters, digits and `_` survive; anything else separates words.
        let ascii: String = db
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut rs = case(&ascii);
        if rs.is_empty() {
            rs = "_empty".to_owned();
        } else if rs.starts_with(|c: char| c.is_ascii_digit()) {
            rs.insert(0, '_');
        }
        if KEYWORDS.contains(&rs.as_str()) {
            rs = match rs.as_str() {
                // These four cannot be raw identifiers.
                "crate" | "self" | "Self" | "super" => format!("{rs}_"),
                _ => format!("r#{rs}"),
            };
        }
        Ident {
            db: db.to_owned(),
            rs,
        }
    }

    /// The identifier token.
    pub fn tokens(&self) -> proc_macro2::Ident {
        ident(&self.rs)
    }

    /// The Rust name without a raw prefix, for messages and file names.
    pub fn plain(&self) -> &str {
        self.rs.strip_prefix("r#").unwrap_or(&self.rs)
    }
}

impl quote::ToTokens for Ident {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(std::iter::once(proc_macro2::TokenTree::Ident(
            self.tokens(),
        )));
    }
}

pub(super) fn check_unique<'a>(
    what: &str,
    idents: impl IntoIterator<Item = &'a Ident>,
) -> Result<(), CodegenError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for id in idents {
        if let Some(first) = seen.insert(&id.rs, &id.db) {
            return Err(CodegenError::NameCollision {
                what: what.to_owned(),
                first: first.to_owned(),
                second: id.db.clone(),
                rust: id.rs.clone(),
            });
        }
    }
    Ok(())
}

/// FNV-1a (32 bits) of `text`: a pinned hash, the same on every machine and
/// in every release, for suffixes that keep colliding names apart.
fn pinned_hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, byte| {
        (h ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Makes `idents` distinct: a Rust name that only one of them takes stays;
/// where several take it (or it is `reserved`), the one already spelled
/// like its database name keeps it and every other gets `suffix(name, hash
/// of its exact database name and kind)`, so a name depends only on its own
/// database name and on whether it collides, never on order.
fn distinct(
    idents: Vec<Ident>,
    kind: &str,
    reserved: &BTreeSet<&str>,
    suffix: fn(&str, u32) -> String,
) -> Vec<Ident> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for id in &idents {
        *uses.entry(id.rs.clone()).or_default() += 1;
    }
    idents
        .into_iter()
        .map(|id| {
            let taken = reserved.contains(id.plain());
            let collides = uses[&id.rs] > 1;
            if !taken && (!collides || id.plain() == id.db) {
                return id;
            }
            let hash = pinned_hash(&format!("{kind}:{}", id.db));
            Ident {
                rs: suffix(id.plain(), hash),
                db: id.db,
            }
        })
        .collect()
}

/// The Rust names of a schema's tables (struct names), columns (field
/// names) and row modules, distinct by construction: names that collide
/// after casing (`user_data` and `"UserData"`, `userId` and `user_id`), or
/// with a runtime type the generated code uses, get distinct, deterministic
/// names instead of an error ([`distinct`]).
#[derive(Debug, Clone, Default)]
pub struct Names {
    structs: BTreeMap<String, Ident>,
    fields: BTreeMap<String, Vec<Ident>>,
    modules: BTreeMap<String, String>,
}

impl Names {
    /// The names of every table of `schema`; enum type names are reserved
    /// for the enums.
    pub fn of(schema: &Schema) -> Names {
        let mut reserved: BTreeSet<&str> = RESERVED_TYPE_NAMES.iter().copied().collect();
        let enum_names: Vec<String> = schema
            .enums
            .keys()
            .map(|e| Ident::type_name(e).rs)
            .collect();
        reserved.extend(enum_names.iter().map(String::as_str));
        let tables: Vec<&Table> = schema.tables.values().collect();
        let structs = distinct(
            tables.iter().map(|t| Ident::type_name(&t.name)).collect(),
            "table",
            &reserved,
            |base, h| format!("{base}X{h:08X}"),
        );
        let modules = distinct(
            tables
                .iter()
                .map(|t| Ident {
                    db: t.name.clone(),
                    rs: Ident::field(&t.name)
                        .plain()
                        .trim_start_matches('_')
                        .to_owned(),
                })
                .collect(),
            "module",
            &BTreeSet::new(),
            |base, h| format!("{base}_x{h:08x}"),
        );
        let none = BTreeSet::new();
        Names {
            structs: tables
                .iter()
                .zip(structs)
                .map(|(t, id)| (t.name.clone(), id))
                .collect(),
            fields: tables
                .iter()
                .map(|t| {
                    let fields = distinct(
                        t.columns.iter().map(|c| Ident::field(&c.name)).collect(),
                        "column",
                        &none,
                        |base, h| format!("{base}_x{h:08x}"),
                    );
                    (t.name.clone(), fields)
                })
                .collect(),
            modules: tables
                .iter()
                .zip(modules)
                .map(|(t, m)| (t.name.clone(), format!("auto_{}", m.rs)))
                .collect(),
        }
    }

    /// The struct of `table`.
    pub fn table_struct(&self, table: &str) -> Ident {
        self.structs
            .get(table)
            .cloned()
            .unwrap_or_else(|| Ident::type_name(table))
    }

    /// The fields of `table`, in column order.
    pub fn fields(&self, table: &Table) -> Vec<Ident> {
        self.fields.get(&table.name).cloned().unwrap_or_else(|| {
            table
                .columns
                .iter()
                .map(|c| Ident::field(&c.name))
                .collect()
        })
    }

    /// The row module of `table`, `auto_<snake table>`.
    pub fn module(&self, table: &str) -> String {
        self.modules
            .get(table)
            .cloned()
            .unwrap_or_else(|| table_module_name(table))
    }

    /// The row module's file, `auto_<snake table>.rs`.
    pub fn file_name(&self, table: &str) -> String {
        format!("{}.rs", self.module(table))
    }
}

/// The Rust variant names of an enum's labels, in label order. Each is the
/// label in `UpperCamelCase` ([`Ident::type_name`]: 'G' → `G`, 'very happy'
/// → `VeryHappy`, '1st' → `_1st`). Labels that case to the same name ('a'
/// and 'A') stay distinct: the label already spelled like that name keeps it,
/// every other one gets `X` and a pinned hash of its exact text (FNV-1a, 32
/// bits, in hex), so a name depends only on its label and on whether it
/// collides, never on declared order.
pub fn enum_variants(labels: &[String]) -> Vec<Ident> {
    let base: Vec<Ident> = labels.iter().map(|l| Ident::type_name(l)).collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &base {
        *uses.entry(b.plain()).or_default() += 1;
    }
    base.iter()
        .zip(labels)
        .map(|(b, label)| {
            if uses[b.plain()] == 1 || b.rs == *label {
                return b.clone();
            }
            let hash = pinned_hash(label);
            Ident {
                db: label.clone(),
                rs: format!("{}X{hash:08X}", b.plain()),
            }
        })
        .collect()
}

/// Enum name → label → Rust variant name ([`enum_variants`]).
pub(super) type VariantNames = BTreeMap<String, BTreeMap<String, String>>;

pub(super) fn variant_names(schema: &Schema) -> VariantNames {
    schema
        .enums
        .values()
        .map(|e| {
            let names = e
                .labels
                .iter()
                .cloned()
                .zip(enum_variants(&e.labels).into_iter().map(|v| v.rs))
                .collect();
            (e.name.clone(), names)
        })
        .collect()
}

/// The file name of a table's module: `auto_<snake table>.rs`.
pub fn table_file_name(table: &str) -> String {
    format!(
        "auto_{}.rs",
        Ident::field(table).plain().trim_start_matches('_')
    )
}

/// `auto_<snake table>`, the module of a table's rows.
pub(super) fn table_module_name(table: &str) -> String {
    table_file_name(table).trim_end_matches(".rs").to_owned()
}

/// One readable fragment of a primary-key value for an ID const name.
/// Uuids get their full hex here; [`id_names`] shortens them.
fn key_fragment(value: &Value) -> String {
    let text = match value {
        Value::Uuid(u) => return u.simple().to_string().to_uppercase(),
        Value::Int2(i) => i.to_string(),
        Value::Int4(i) => i.to_string(),
        Value::Int8(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Numeric(d) => d.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Time(m) | Value::Timestamp(m) | Value::Timestamptz(m) => m.to_string(),
        Value::Text(s)
        | Value::Enum(s)
        | Value::Json(s)
        | Value::NumericText(s)
        | Value::TextForm(s)
        | Value::Bits(s) => s.clone(),
        Value::Float4(bits) => f32::from_bits(*bits).to_string(),
        Value::Float8(bits) => f64::from_bits(*bits).to_string(),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        Value::Inet(addr, bits) => format!("{addr}_{bits}"),
        Value::Macaddr(m) => m.iter().map(|x| format!("{x:02X}")).collect(),
        Value::Point(x, y) => format!("{}_{}", f64::from_bits(*x), f64::from_bits(*y)),
        Value::Range(None) => "EMPTY".to_owned(),
        Value::Range(Some(b)) => {
            let end = |b: &crate::engine::rows::Bound| match b {
                crate::engine::rows::Bound::Unbounded => "INF".to_owned(),
                crate::engine::rows::Bound::Inclusive(v)
                | crate::engine::rows::Bound::Exclusive(v) => key_fragment(v),
            };
            format!("{}_{}", end(&b.0), end(&b.1))
        }
        Value::Null => "NULL".to_owned(),
        Value::Array(items) | Value::NdArray(_, items) => {
            items.iter().map(key_fragment).collect::<Vec<_>>().join("_")
        }
    };
    let text = text.replace('-', "M").replace('.', "P");
    let shouty: String = Ident::constant(&text).plain().trim_matches('_').to_owned();
    let mut shouty: String = shouty.chars().take(24).collect();
    if shouty.is_empty() {
        shouty = "EMPTY".to_owned();
    }
    shouty
}

/// `<TABLE>_<key>_ID` for every row, in row order. A uuid part is the
/// shortest prefix (at least 8 hex digits) that tells apart the distinct
/// values of its column, so a name changes only when a new row shares its
/// prefix. Names that still clash (text squeezed to the same identifier) get
/// a hash of the exact key appended.
pub(super) fn id_names(table: &Table, rows: &[Row]) -> Vec<String> {
    let pk = table.primary_key_indexes();
    let table_part = Ident::constant(&table.name)
        .plain()
        .trim_matches('_')
        .to_owned();
    // Uuids sort as their hex digits do, and the digits two of them share
    // are the leading zero bits of their difference, four to a digit.
    let mut uuid_len: BTreeMap<(usize, u128), usize> = BTreeMap::new();
    for &i in &pk {
        let mut sorted: Vec<u128> = rows
            .iter()
            .filter_map(|r| match &r.values[i] {
                Value::Uuid(u) => Some(u.as_u128()),
                _ => None,
            })
            .collect();
        sorted.sort_unstable();
        sorted.dedup();
        let common = |a: u128, b: u128| ((a ^ b).leading_zeros() / 4) as usize;
        for (k, &v) in sorted.iter().enumerate() {
            let before = k.checked_sub(1).map_or(0, |p| common(sorted[p], v) + 1);
            let after = sorted.get(k + 1).map_or(0, |&n| common(n, v) + 1);
            uuid_len.insert((i, v), before.max(after).clamp(8, 32));
        }
    }
    let mut names: Vec<String> = rows
        .iter()
        .map(|row| {
            let mut name = String::with_capacity(table_part.len() + 16);
            name.push_str(&table_part);
            for &i in &pk {
                name.push('_');
                match &row.values[i] {
                    Value::Uuid(u) => {
                        let mut buf = [0u8; 32];
                        let hex = u.simple().encode_upper(&mut buf);
                        name.push_str(&hex[..uuid_len[&(i, u.as_u128())]]);
                    }
                    value => name.push_str(&key_fragment(value)),
                }
            }
            name.push_str("_ID");
            name
        })
        .collect();
    let clashing: Vec<usize> = {
        let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for name in &names {
            *count.entry(name.as_str()).or_default() += 1;
        }
        (0..names.len())
            .filter(|&k| count[names[k].as_str()] > 1)
            .collect()
    };
    for k in clashing {
        let key: Vec<&Value> = pk.iter().map(|&i| &rows[k].values[i]).collect();
        let digest = Sha256::digest(format!("{key:?}").as_bytes());
        let hex: String = digest[..4].iter().map(|b| format!("{b:02X}")).collect();
        names[k] = format!("{}_{hex}_ID", names[k].trim_end_matches("_ID"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_labels_of_any_spelling_get_distinct_deterministic_variants() {
        let labels: Vec<String> = [
            "G",
            "PG-13",
            "NC-17",
            "very happy",
            "1st",
            "a",
            "A",
            "Ab",
            "AB",
            "very_happy",
            "Very Happy",
            "self",
        ]
        .map(String::from)
        .to_vec();
        let names: Vec<String> = enum_variants(&labels).into_iter().map(|v| v.rs).collect();
        assert_eq!(
            names,
            [
                "G",
                "Pg13",
                "Nc17",
                // Three labels case to `VeryHappy` and none is spelled so.
                "VeryHappyXEC75531B",
                "_1st",
                // 'A' is spelled like its name and keeps it.
                "AXE40C292C",
                "A",
                "Ab",
                "AbX2CD5218A",
                "VeryHappyXBAEDFF4C",
                "VeryHappyX5C33441B",
                "Self_",
            ]
        );
        // The same label gets the same name whatever its neighbours' order.
        let mut reversed = labels.clone();
        reversed.reverse();
        let mut again: Vec<String> = enum_variants(&reversed).into_iter().map(|v| v.rs).collect();
        again.reverse();
        assert_eq!(again, names);
        for v in enum_variants(&labels) {
            let _ = v.tokens();
        }
    }

    #[test]
    fn idents_are_cased_and_escaped() {
        assert_eq!(Ident::field("type").rs, "r#type");
        assert_eq!(Ident::field("userId").rs, "user_id");
        assert_eq!(Ident::field("1st place").rs, "_1st_place");
        assert_eq!(Ident::field("self").rs, "self_");
        assert_eq!(Ident::type_name("Self").rs, "Self_");
        assert_eq!(Ident::type_name("National-EG").rs, "NationalEg");
        assert_eq!(
            Ident::type_name("student_status_enum").rs,
            "StudentStatusEnum"
        );
        assert_eq!(Ident::type_name("NONE").rs, "None");
        assert_eq!(Ident::constant("timetable_runs").rs, "TIMETABLE_RUNS");
        assert_eq!(Ident::field("").rs, "_empty");
        // Every spelling is a valid identifier.
        for id in [
            Ident::field("type"),
            Ident::type_name("Self"),
            Ident::field("1st"),
        ] {
            let _ = id.tokens();
        }
    }

    #[test]
    fn colliding_names_get_distinct_deterministic_names() {
        use crate::engine::schema::{Column, ColumnType, Scalar, TypeKind};
        let column = |name: &str| Column {
            name: name.into(),
            position: 1,
            ty: ColumnType {
                name: "integer".into(),
                kind: TypeKind::Scalar(Scalar::Int4),
            },
            nullable: true,
            default: None,
            identity: None,
            generated: None,
        };
        let table = |name: &str, columns: &[&str]| Table {
            name: name.into(),
            columns: columns.iter().map(|c| column(c)).collect(),
            primary_key: None,
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
        };
        let mut schema = Schema::default();
        for t in [
            table("user_data", &["user_id", "userId", "type", "UserId"]),
            table("UserData", &["x"]),
            table("date", &["x"]),
            table("Users", &["x"]),
            table("users", &["x"]),
        ] {
            schema.tables.insert(t.name.clone(), t);
        }
        let names = Names::of(&schema);
        let again = Names::of(&schema);
        let structs: Vec<String> = ["user_data", "UserData", "date", "users", "Users"]
            .iter()
            .map(|t| names.table_struct(t).rs)
            .collect();
        assert_eq!(
            structs[1], "UserData",
            "the name spelled like the table keeps it"
        );
        assert!(
            structs[0].starts_with("UserDataX") && structs[0].len() == 17,
            "{structs:?}"
        );
        assert!(
            structs[2].starts_with("DateX"),
            "the runtime type `Date` stays free"
        );
        assert_eq!(structs[4], "Users");
        assert!(structs[3].starts_with("UsersX"));
        let unique: BTreeSet<&String> = structs.iter().collect();
        assert_eq!(unique.len(), structs.len(), "{structs:?}");
        let fields: Vec<String> = names
            .fields(&schema.tables["user_data"])
            .into_iter()
            .map(|f| f.rs)
            .collect();
        assert_eq!(fields[0], "user_id");
        assert!(fields[1].starts_with("user_id_x") && fields[3].starts_with("user_id_x"));
        assert_ne!(fields[1], fields[3]);
        assert_eq!(fields[2], "r#type");
        assert_eq!(names.module("users"), "auto_users");
        assert!(names.module("Users").starts_with("auto_users_x"));
        assert_eq!(
            names.table_struct("user_data").rs,
            again.table_struct("user_data").rs
        );
    }
}
