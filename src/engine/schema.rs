//! Schema introspection: reads the PostgreSQL catalog of a live database into
//! plain, sortable data ([`Schema`]) that holds no database handle, so codegen
//! and the merge only ever see values.
//!
//! The catalog queries live in `sql/catalog/*.sql`, each with an explicit
//! `ORDER BY`, so the loaded schema is the same whatever order PostgreSQL
//! happens to return rows in.

use std::collections::BTreeMap;

use postgres::{Client, GenericClient};

pub use crate::engine::fixture::{FkAction, Identity};

/// Why the schema could not be introspected.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A catalog query failed.
    #[error("catalog query sql/catalog/{query} failed: {source}")]
    Query {
        /// The file name of the query under `sql/catalog/`.
        query: &'static str,
        /// The PostgreSQL error.
        #[source]
        source: postgres::Error,
    },
    /// The catalog answered something this code does not understand
    /// (a newer PostgreSQL, or a bug here).
    #[error("unexpected catalog data for {object}: {detail}")]
    Unexpected {
        /// The table, column or constraint concerned.
        object: String,
        /// What was unexpected.
        detail: String,
    },
}

/// The tables and enum types of schema `public`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Schema {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Enum types by name, with their labels in declared order.
    pub enums: BTreeMap<String, EnumType>,
}

impl Schema {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
}

/// One application table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Table {
    /// Table name as in the database.
    pub name: String,
    /// Columns in physical (ordinal) order.
    pub columns: Vec<Column>,
    /// The primary key, if the table has one.
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints and unique indexes, sorted by name.
    pub unique_keys: Vec<UniqueKey>,
    /// Foreign keys, sorted by name: the table's own and, for a partitioned
    /// table, those declared on its partitions (one per distinct shape:
    /// columns, referenced table and columns).
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Index of the column called `name` in [`Table::columns`].
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Indexes (into [`Table::columns`]) of the primary-key columns, in key
    /// order; empty when the table has no primary key.
    pub fn primary_key_indexes(&self) -> Vec<usize> {
        self.primary_key
            .iter()
            .flat_map(|pk| pk.columns.iter())
            .filter_map(|name| self.column_index(name))
            .collect()
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    /// Column name as in the database.
    pub name: String,
    /// Ordinal position (`attnum`, 1-based; gaps where columns were dropped).
    pub position: i16,
    /// The type, domains resolved to their base type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (a NOT NULL domain makes the column not null).
    pub nullable: bool,
    /// The default expression as PostgreSQL prints it, e.g. `gen_random_uuid()`.
    /// Generated columns keep their expression in [`Column::generated`] instead.
    pub default: Option<String>,
    /// `GENERATED … AS IDENTITY`.
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`: the expression.
    pub generated: Option<String>,
}

impl Column {
    /// True when an INSERT may leave this column out: it has a default, an
    /// identity or is generated.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.identity.is_some() || self.generated.is_some()
    }
}

/// A column type: the display name PostgreSQL uses plus what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnType {
    /// `format_type` of the declared type, e.g. `character varying(255)`,
    /// `uuid[]`, `user_role`, or a domain's name.
    pub name: String,
    /// The declared type resolved through domains.
    pub kind: TypeKind,
}

/// A scalar or an array of scalars.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeKind {
    /// A single value.
    Scalar(Scalar),
    /// An array whose every value read is one-dimensional, 1-based and
    /// without NULL elements: a slice in Rust (`&'static [T]`).
    /// PostgreSQL does not distinguish dimensions in the type, so this is
    /// what the catalog gives; [`crate::engine::rows::refine_types`] turns it
    /// into [`TypeKind::NdArray`] when the data needs more.
    Array(Scalar),
    /// An array with several dimensions, other lower bounds or NULL
    /// elements in some value: `fixture::Array<T>`.
    NdArray(Scalar),
}

impl TypeKind {
    /// The scalar, or the array's element.
    pub fn scalar(&self) -> &Scalar {
        match self {
            TypeKind::Scalar(s) | TypeKind::Array(s) | TypeKind::NdArray(s) => s,
        }
    }

    /// Whether values are arrays.
    pub fn is_array(&self) -> bool {
        !matches!(self, TypeKind::Scalar(_))
    }
}

/// The scalar types the extractor knows, after resolving domains.
///
/// Adding a type: one variant here and one arm in `scalar_of` (schema),
/// `rows::decode_scalar` (reading), `codegen::types::scalar_spec` and
/// `codegen::rows_file::scalar_value` (the Rust type and the value
/// expression), a runtime type in `fixture.rs`, `merge::eval::field_kind` and
/// `to_value` (build.rs), and `seed`'s `ToSql for Val` (writing). A type
/// without a binary mapping needs none of that: it is [`Scalar::TextForm`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    /// `boolean`
    Bool,
    /// `smallint`
    Int2,
    /// `integer`
    Int4,
    /// `bigint`
    Int8,
    /// `numeric(p, s)` with p ≤ 28 and 0 ≤ s ≤ 28, whose every value fits
    /// rust_decimal's `Decimal` (28 digits).
    Numeric,
    /// Any other `numeric` (unconstrained, wider, or holding NaN or
    /// ±Infinity): exact decimal text, `fixture::Numeric`.
    BigNumeric,
    /// `real`
    Float4,
    /// `double precision`
    Float8,
    /// `text`, `varchar`, `char(n)` (blank padding kept), `name`.
    Text,
    /// `uuid`
    Uuid,
    /// `timestamp with time zone`
    Timestamptz,
    /// `timestamp without time zone`
    Timestamp,
    /// `date`
    Date,
    /// `time without time zone`
    Time,
    /// `jsonb`
    Jsonb,
    /// `json` (exact text: whitespace, key order and duplicate keys kept)
    Json,
    /// `bytea`
    Bytea,
    /// `inet` and `cidr`
    Inet,
    /// `macaddr`
    Macaddr,
    /// `bit(n)` and `bit varying`
    Bits,
    /// `point`
    Point,
    /// A range type (`int4range`, `tstzrange`, a user's range), by its
    /// subtype.
    Range(Box<Scalar>),
    /// A PostgreSQL enum type of schema `public`, by name.
    Enum(String),
    /// Any other type, by its PostgreSQL name (`interval`, `money`,
    /// `timetz`, `tsvector`, `xml`, `box`, a composite `public.pair`, …):
    /// read as `::text`, held as that text, seeded from it (PostgreSQL's
    /// own input function parses it back).
    TextForm(String),
    /// A type whose text PostgreSQL itself refuses to read back (such as
    /// `pg_node_tree`), or that the catalog does not describe: reading rows
    /// of it fails, and extraction lists every such column.
    Unsupported(String),
}

impl Scalar {
    /// Whether values hold a float (no `Eq` in Rust).
    pub fn has_float(&self) -> bool {
        match self {
            Scalar::Float4 | Scalar::Float8 | Scalar::Point => true,
            Scalar::Range(inner) => inner.has_float(),
            _ => false,
        }
    }
}

/// Types whose input function always refuses, so their values cannot be
/// seeded in any form.
const UNSEEDABLE: &[&str] = &[
    "pg_node_tree",
    "pg_ndistinct",
    "pg_dependencies",
    "pg_mcv_list",
    "pg_brin_bloom_summary",
    "pg_brin_minmax_multi_summary",
    "pg_snapshot",
    "txid_snapshot",
];

/// Precision and scale of a `numeric` type modifier, `None` when
/// unconstrained.
fn numeric_typmod(typmod: i32) -> Option<(i32, i32)> {
    if typmod < 4 {
        return None;
    }
    let m = typmod - 4;
    // The scale is 11 bits, signed (PostgreSQL 15 allows negative scales).
    Some(((m >> 16) & 0xffff, ((m & 0x7ff) ^ 1024) - 1024))
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrimaryKey {
    /// Constraint name.
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// A unique constraint or a unique index that no constraint owns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UniqueKey {
    /// Constraint or index name.
    pub name: String,
    /// Key parts in order: column names, or expression text where
    /// [`UniqueKey::has_expressions`] says so.
    pub columns: Vec<String>,
    /// True when some key part is an expression rather than a column (such
    /// a key cannot be checked without evaluating it).
    pub has_expressions: bool,
    /// The `WHERE` predicate of a partial unique index.
    pub predicate: Option<String>,
    /// `NULLS NOT DISTINCT`: NULLs collide (PostgreSQL 15+).
    pub nulls_not_distinct: bool,
    /// True for a unique constraint, false for a bare unique index.
    pub is_constraint: bool,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing columns in key order.
    pub columns: Vec<String>,
    /// The referenced table (may be this table: a self-reference).
    pub ref_table: String,
    /// Referenced columns, matching [`ForeignKey::columns`] one to one.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: FkAction,
    /// `ON UPDATE` action.
    pub on_update: FkAction,
    /// `DEFERRABLE`.
    pub deferrable: bool,
}

fn fk_action_from_code(code: &str) -> Option<FkAction> {
    Some(match code {
        "a" => FkAction::NoAction,
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => return None,
    })
}

/// A PostgreSQL enum type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnumType {
    /// Type name as in the database.
    pub name: String,
    /// Labels in declared order (`enumsortorder`).
    pub labels: Vec<String>,
}

const TABLES_SQL: (&str, &str) = ("tables.sql", include_str!("../../sql/catalog/tables.sql"));
const COLUMNS_SQL: (&str, &str) = ("columns.sql", include_str!("../../sql/catalog/columns.sql"));
const TYPES_SQL: (&str, &str) = ("types.sql", include_str!("../../sql/catalog/types.sql"));
const ENUMS_SQL: (&str, &str) = ("enums.sql", include_str!("../../sql/catalog/enums.sql"));
const CONSTRAINTS_SQL: (&str, &str) = (
    "constraints.sql",
    include_str!("../../sql/catalog/constraints.sql"),
);
const UNIQUE_INDEXES_SQL: (&str, &str) = (
    "unique_indexes.sql",
    include_str!("../../sql/catalog/unique_indexes.sql"),
);

/// Introspects schema `public` of the database `client` is connected to.
///
/// Runs in one REPEATABLE READ read-only transaction, so the catalog cannot
/// change between queries.
pub fn load(client: &mut Client) -> Result<Schema, SchemaError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|source| SchemaError::Query {
            query: "(BEGIN)",
            source,
        })?;
    let schema = load_in(&mut tx)?;
    tx.commit().map_err(|source| SchemaError::Query {
        query: "(COMMIT)",
        source,
    })?;
    Ok(schema)
}

fn run(
    q: &mut impl GenericClient,
    (file, sql): (&'static str, &str),
) -> Result<Vec<postgres::Row>, SchemaError> {
    q.query(sql, &[]).map_err(|source| SchemaError::Query {
        query: file,
        source,
    })
}

fn load_in(q: &mut impl GenericClient) -> Result<Schema, SchemaError> {
    let enums = load_enums(q)?;
    let types = load_types(q)?;

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in run(q, TABLES_SQL)? {
        let name: String = row.get("table_name");
        tables.insert(
            name.clone(),
            Table {
                name,
                columns: Vec::new(),
                primary_key: None,
                unique_keys: Vec::new(),
                foreign_keys: Vec::new(),
            },
        );
    }

    for row in run(q, COLUMNS_SQL)? {
        let table_name: String = row.get("table_name");
        let Some(table) = tables.get_mut(&table_name) else {
            continue; // a partition or an extension's table
        };
        let name: String = row.get("column_name");
        let type_oid: u32 = row.get("type_oid");
        let type_name: String = row.get("type_name");
        let type_mod: i32 = row.get("type_mod");
        let (kind, domain_not_null) = resolve_type(&types, &enums, type_oid, type_mod);
        let not_null: bool = row.get("not_null");
        let identity = match row.get::<_, String>("identity").as_str() {
            "" => None,
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            other => {
                return Err(SchemaError::Unexpected {
                    object: format!("{table_name}.{name}"),
                    detail: format!("attidentity {other:?}"),
                })
            }
        };
        let expr: Option<String> = row.get("default_expr");
        let is_generated = !row.get::<_, String>("generated").is_empty();
        let (default, generated) = if is_generated {
            (None, expr)
        } else {
            (expr, None)
        };
        table.columns.push(Column {
            name,
            position: row.get("position"),
            ty: ColumnType {
                name: type_name,
                kind,
            },
            nullable: !(not_null || domain_not_null),
            default,
            identity,
            generated,
        });
    }

    for row in run(q, CONSTRAINTS_SQL)? {
        let table_name: String = row.get("table_name");
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        let name: String = row.get("constraint_name");
        let columns: Vec<String> = row.get("columns");
        match row.get::<_, String>("kind").as_str() {
            "p" => table.primary_key = Some(PrimaryKey { name, columns }),
            "u" => table.unique_keys.push(UniqueKey {
                name,
                columns,
                has_expressions: false,
                predicate: None,
                nulls_not_distinct: row.get("nulls_not_distinct"),
                is_constraint: true,
            }),
            "f" => {
                let action = |field: &str| {
                    let code: String = row.get(field);
                    fk_action_from_code(&code).ok_or_else(|| SchemaError::Unexpected {
                        object: format!("{table_name}.{name}"),
                        detail: format!("{field} code {code:?}"),
                    })
                };
                let fk = ForeignKey {
                    columns,
                    ref_table: row
                        .get::<_, Option<String>>("ref_table")
                        .unwrap_or_default(),
                    ref_columns: row.get("ref_columns"),
                    on_delete: action("on_delete")?,
                    on_update: action("on_update")?,
                    deferrable: row.get("deferrable"),
                    name,
                };
                table.foreign_keys.push(fk);
            }
            other => {
                return Err(SchemaError::Unexpected {
                    object: format!("{table_name}.{name}"),
                    detail: format!("constraint kind {other:?}"),
                })
            }
        }
    }

    for row in run(q, UNIQUE_INDEXES_SQL)? {
        let table_name: String = row.get("table_name");
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        let part_is_column: Vec<bool> = row.get("part_is_column");
        table.unique_keys.push(UniqueKey {
            name: row.get("index_name"),
            columns: row.get("parts"),
            has_expressions: part_is_column.iter().any(|is_col| !is_col),
            predicate: row.get("predicate"),
            nulls_not_distinct: row.get("nulls_not_distinct"),
            is_constraint: false,
        });
    }

    // Constraints and indexes come from two queries; one order for both.
    for table in tables.values_mut() {
        table.unique_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        // Partitions that each declare the same key (Pagila's payment_p*)
        // fold into one key of the parent, named by the first.
        let mut shapes = std::collections::BTreeSet::new();
        table.foreign_keys.retain(|fk| {
            shapes.insert((
                fk.columns.clone(),
                fk.ref_table.clone(),
                fk.ref_columns.clone(),
            ))
        });
    }

    Ok(Schema { tables, enums })
}

fn load_enums(q: &mut impl GenericClient) -> Result<BTreeMap<String, EnumType>, SchemaError> {
    let mut enums: BTreeMap<String, EnumType> = BTreeMap::new();
    for row in run(q, ENUMS_SQL)? {
        let name: String = row.get("enum_name");
        enums
            .entry(name.clone())
            .or_insert_with(|| EnumType {
                name,
                labels: Vec::new(),
            })
            .labels
            .push(row.get("label"));
    }
    Ok(enums)
}

/// One `pg_type` row, enough to resolve domains and arrays.
struct TypeInfo {
    schema: String,
    name: String,
    kind: String,
    element: u32,
    base: u32,
    not_null: bool,
    is_array: bool,
    type_mod: i32,
    range_subtype: u32,
}

fn load_types(q: &mut impl GenericClient) -> Result<BTreeMap<u32, TypeInfo>, SchemaError> {
    Ok(run(q, TYPES_SQL)?
        .into_iter()
        .map(|row| {
            let oid: u32 = row.get("oid");
            let info = TypeInfo {
                schema: row.get("schema_name"),
                name: row.get("type_name"),
                kind: row.get("kind"),
                element: row.get("element_oid"),
                base: row.get("base_oid"),
                not_null: row.get("not_null"),
                is_array: row.get("is_array"),
                type_mod: row.get("type_mod"),
                range_subtype: row.get("range_subtype"),
            };
            (oid, info)
        })
        .collect())
}

/// Resolves a column's type oid through domains (to their base) and arrays
/// (to their element). Returns the kind and whether a domain forbids NULL.
/// `typmod` is the column's type modifier (a domain's own replaces it).
fn resolve_type(
    types: &BTreeMap<u32, TypeInfo>,
    enums: &BTreeMap<String, EnumType>,
    oid: u32,
    typmod: i32,
) -> (TypeKind, bool) {
    let mut not_null = false;
    let mut oid = oid;
    let mut typmod = typmod;
    // Domains may stack; the bound only guards against a corrupt catalog.
    for _ in 0..32 {
        match types.get(&oid) {
            Some(t) if t.kind == "d" => {
                not_null |= t.not_null;
                if t.type_mod >= 0 {
                    typmod = t.type_mod;
                }
                oid = t.base;
            }
            _ => break,
        }
    }
    let kind = match types.get(&oid) {
        Some(t) if t.is_array && t.element != 0 => {
            TypeKind::Array(scalar_of(types, enums, t.element, typmod))
        }
        _ => TypeKind::Scalar(scalar_of(types, enums, oid, typmod)),
    };
    (kind, not_null)
}

/// The scalar of type `oid` (domains resolved). Unknown and pseudo-types
/// are [`Scalar::Unsupported`]; types with no mapping of their own are
/// [`Scalar::TextForm`].
fn scalar_of(
    types: &BTreeMap<u32, TypeInfo>,
    enums: &BTreeMap<String, EnumType>,
    oid: u32,
    typmod: i32,
) -> Scalar {
    let mut oid = oid;
    let mut typmod = typmod;
    for _ in 0..32 {
        match types.get(&oid) {
            Some(t) if t.kind == "d" => {
                if t.type_mod >= 0 {
                    typmod = t.type_mod;
                }
                oid = t.base;
            }
            _ => break,
        }
    }
    let Some(t) = types.get(&oid) else {
        return Scalar::Unsupported(format!("type oid {oid}"));
    };
    let qualified = || {
        if t.schema == "pg_catalog" {
            t.name.clone()
        } else {
            format!("{}.{}", t.schema, t.name)
        }
    };
    match t.kind.as_str() {
        "e" if t.schema == "public" && enums.contains_key(&t.name) => {
            return Scalar::Enum(t.name.clone())
        }
        "p" => return Scalar::Unsupported(qualified()),
        "r" => {
            // A range of a type without a binary mapping is text as a whole.
            return match scalar_of(types, enums, t.range_subtype, -1) {
                Scalar::Unsupported(_) => Scalar::Unsupported(qualified()),
                Scalar::TextForm(_) | Scalar::Range(_) => Scalar::TextForm(qualified()),
                s => Scalar::Range(Box::new(s)),
            };
        }
        _ => {}
    }
    if t.schema != "pg_catalog" {
        return Scalar::TextForm(qualified());
    }
    match t.name.as_str() {
        "bool" => Scalar::Bool,
        "int2" => Scalar::Int2,
        "int4" => Scalar::Int4,
        "int8" => Scalar::Int8,
        "numeric" => match numeric_typmod(typmod) {
            Some((p, s)) if p <= 28 && (0..=28).contains(&s) => Scalar::Numeric,
            _ => Scalar::BigNumeric,
        },
        "float4" => Scalar::Float4,
        "float8" => Scalar::Float8,
        "text" | "varchar" | "bpchar" | "name" => Scalar::Text,
        "uuid" => Scalar::Uuid,
        "timestamptz" => Scalar::Timestamptz,
        "timestamp" => Scalar::Timestamp,
        "date" => Scalar::Date,
        "time" => Scalar::Time,
        "jsonb" => Scalar::Jsonb,
        "json" => Scalar::Json,
        "bytea" => Scalar::Bytea,
        "inet" | "cidr" => Scalar::Inet,
        "macaddr" => Scalar::Macaddr,
        "bit" | "varbit" => Scalar::Bits,
        "point" => Scalar::Point,
        name if UNSEEDABLE.contains(&name) => Scalar::Unsupported(name.to_owned()),
        name => Scalar::TextForm(name.to_owned()),
    }
}
