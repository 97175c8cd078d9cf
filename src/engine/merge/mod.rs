//! The fixture merge: golden rows + generated rows → one checked, ordered
//! seed plan. Pure logic with no database and no I/O, shared by `build.rs`
//! (which includes this module with `#[path]`, so conflicts are compile
//! errors) and by the library (the extractor avoids golden unique keys; the
//! seeder reads the plan).
//!
//! The rules (shared/DESIGN.md, "Merge rules"):
//! 1. a row is identified by its table and primary key;
//! 2. golden wins: a generated row with a golden row's key is dropped;
//! 3. conflicts fail with file, line, row, table, column and value:
//!    duplicate keys within golden, a unique-key collision between golden and
//!    generated (NULLs never collide), a dangling foreign key, a golden row
//!    that leaves a required column unset; only root causes are reported:
//!    a row rejected for its own error is not also blamed on the rows that
//!    reference it (its message counts them instead);
//! 4. the order is computed from the foreign keys: tables by (depth, name),
//!    and inside a self-referencing table the rows pointed at go first.

pub mod eval;
pub mod load;
pub mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

pub use value::{Ts, Value};

/// One column as the merge sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ColumnMeta {
    pub name: String,
    /// The PostgreSQL type as `format_type` prints it (for the seeder).
    pub pg_type: String,
    pub nullable: bool,
    /// A default or identity: leaving it unset is allowed.
    pub has_default: bool,
}

/// A unique key (constraint or non-partial unique index).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct UniqueKey {
    pub name: String,
    pub columns: Vec<String>,
}

/// A foreign key, possibly composite.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

/// A table as the merge sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct TableMeta {
    pub name: String,
    pub columns: Vec<ColumnMeta>,
    pub primary_key: Vec<String>,
    pub unique_keys: Vec<UniqueKey>,
    pub foreign_keys: Vec<ForeignKey>,
}

impl TableMeta {
    fn column(&self, name: &str) -> Option<&ColumnMeta> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Which side a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    Golden,
    Generated,
}

/// Where a row was written: for error messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub file: String,
    pub line: usize,
    /// The Rust name of the row, e.g. `TEST_TEACHER` or `ROWS[12]`.
    pub item: String,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.item)
    }
}

/// One fixture row: the columns it sets explicitly. A column it leaves out
/// gets the table's default when seeded.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub origin: Origin,
    pub source: Source,
    pub table: String,
    pub values: BTreeMap<String, Value>,
}

/// A merge conflict; each names file, line, row, table, column and value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conflict {
    /// Two golden rows share a primary or unique key.
    DuplicateGolden {
        first: Source,
        second: Source,
        table: String,
        key: String,
        columns: Vec<String>,
        value: String,
    },
    /// A generated row and a golden row with different primary keys share
    /// another unique key.
    UniqueCollision {
        golden: Source,
        generated: Source,
        table: String,
        key: String,
        columns: Vec<String>,
        value: String,
    },
    /// A foreign key points at a row that exists in neither set.
    DanglingForeignKey {
        source: Source,
        table: String,
        key: String,
        columns: Vec<String>,
        value: String,
        ref_table: String,
    },
    /// A golden row leaves a NOT NULL column without default unset.
    RequiredColumnUnset {
        source: Source,
        table: String,
        column: String,
        /// Rows whose foreign keys point at this rejected row, so were not
        /// checked (their would-be dangling errors are not reported).
        dependants: usize,
    },
    /// A row sets a column the table does not have.
    UnknownColumn {
        source: Source,
        table: String,
        column: String,
        /// Rows whose foreign keys point at this rejected row, so were not
        /// checked (their would-be dangling errors are not reported).
        dependants: usize,
    },
    /// A row of a table the schema does not have.
    UnknownTable { source: Source, table: String },
    /// A row leaves (part of) its primary key unset or NULL.
    MissingPrimaryKey {
        source: Source,
        table: String,
        column: String,
        /// Rows whose foreign keys point at this rejected row, so were not
        /// checked (their would-be dangling errors are not reported).
        dependants: usize,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::DuplicateGolden {
                first,
                second,
                table,
                key,
                columns,
                value,
            } => write!(
                f,
                "{second}: duplicate key in golden: table `{table}`, {key} ({}) = {value} is already used by {first}",
                columns.join(", ")
            ),
            Conflict::UniqueCollision {
                golden,
                generated,
                table,
                key,
                columns,
                value,
            } => write!(
                f,
                "{generated}: unique-key collision with golden row {golden}: table `{table}`, {key} ({}) = {value}; \
                 re-run `cargo run --bin extract` (it avoids golden keys) or change the golden row",
                columns.join(", ")
            ),
            Conflict::DanglingForeignKey {
                source,
                table,
                key,
                columns,
                value,
                ref_table,
            } => write!(
                f,
                "{source}: dangling foreign key: table `{table}`, {key} ({}) = {value} matches no row of `{ref_table}` in golden/ or generated/",
                columns.join(", ")
            ),
            Conflict::RequiredColumnUnset {
                source,
                table,
                column,
                dependants,
            } => write!(
                f,
                "{source}: required column `{table}.{column}` (NOT NULL, no default) is not set; set it in the golden row{}",
                Dependants(*dependants)
            ),
            Conflict::UnknownColumn {
                source,
                table,
                column,
                dependants,
            } => write!(
                f,
                "{source}: table `{table}` has no column `{column}` (schema drift? re-run `cargo run --bin extract`){}",
                Dependants(*dependants)
            ),
            Conflict::UnknownTable { source, table } => {
                write!(f, "{source}: there is no table `{table}` in generated/schema.rs")
            }
            Conflict::MissingPrimaryKey {
                source,
                table,
                column,
                dependants,
            } => write!(
                f,
                "{source}: primary-key column `{table}.{column}` must be set to a fixed value{}",
                Dependants(*dependants)
            ),
        }
    }
}

/// The note a rejected row's conflict ends with when rows point at it.
struct Dependants(usize);

impl fmt::Display for Dependants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            1 => write!(f, " (1 row that references it was not checked)"),
            n => write!(f, " ({n} rows that reference it were not checked)"),
        }
    }
}

impl Conflict {
    /// The dependants count of a conflict that rejects its row.
    fn dependants_mut(&mut self) -> Option<&mut usize> {
        match self {
            Conflict::RequiredColumnUnset { dependants, .. }
            | Conflict::UnknownColumn { dependants, .. }
            | Conflict::MissingPrimaryKey { dependants, .. } => Some(dependants),
            _ => None,
        }
    }
}

/// Rows of one table sharing one column list (golden rows may leave
/// different columns to their defaults, so a table can have several).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// One table's share of the plan, in insert order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TablePlan {
    pub table: String,
    /// The table's foreign-key depth (0 = references nothing).
    pub depth: usize,
    pub batches: Vec<Batch>,
    /// Rows kept from golden/ and from generated/.
    pub golden_rows: usize,
    pub generated_rows: usize,
    /// Generated rows dropped because a golden row has their key.
    pub overridden: usize,
}

/// The merged, ordered seed plan.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Every table of the schema, in insert order (empty ones included, so
    /// the seeder truncates them too).
    pub tables: Vec<TablePlan>,
    /// The schema the fixtures were written for (from `generated/schema.rs`),
    /// to detect a database or fixtures that drifted.
    pub schema: Vec<TableMeta>,
}

/// The canonical text of a key's values, for messages and indexing.
fn key_text(values: &[&Value]) -> String {
    let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", parts.join(", "))
    }
}

/// A row's values for `columns`; None when any is NULL or unset (NULLs never
/// collide and MATCH SIMPLE foreign keys are not checked).
fn key_of<'a>(row: &'a Row, columns: &[String]) -> Option<Vec<&'a Value>> {
    columns
        .iter()
        .map(|c| row.values.get(c).filter(|v| !v.is_null()))
        .collect()
}

/// Merges golden and generated rows under the rules above.
pub fn merge(tables: &[TableMeta], rows: Vec<Row>) -> Result<Plan, Vec<Conflict>> {
    let mut conflicts = Vec::new();
    let by_name: BTreeMap<&str, &TableMeta> = tables.iter().map(|t| (t.name.as_str(), t)).collect();

    // Shape checks: known tables and columns, required columns, primary keys.
    // A row that fails these is rejected: its conflicts wait until the
    // foreign-key check has counted the rows pointing at it, which are not
    // reported as dangling (the cause is the rejected row, not them).
    let mut per_table: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
    let mut rejected: BTreeMap<&str, Vec<(Row, Vec<Conflict>)>> = BTreeMap::new();
    for row in rows {
        let Some(meta) = by_name.get(row.table.as_str()) else {
            conflicts.push(Conflict::UnknownTable {
                source: row.source.clone(),
                table: row.table.clone(),
            });
            continue;
        };
        let mut own = Vec::new();
        for col in row.values.keys() {
            if meta.column(col).is_none() {
                own.push(Conflict::UnknownColumn {
                    source: row.source.clone(),
                    table: meta.name.clone(),
                    column: col.clone(),
                    dependants: 0,
                });
            }
        }
        for col in &meta.columns {
            let set = row.values.contains_key(&col.name);
            if !set && !col.nullable && !col.has_default {
                own.push(Conflict::RequiredColumnUnset {
                    source: row.source.clone(),
                    table: meta.name.clone(),
                    column: col.name.clone(),
                    dependants: 0,
                });
            }
        }
        for pk in &meta.primary_key {
            if row.values.get(pk).is_none_or(Value::is_null) {
                own.push(Conflict::MissingPrimaryKey {
                    source: row.source.clone(),
                    table: meta.name.clone(),
                    column: pk.clone(),
                    dependants: 0,
                });
            }
        }
        if own.is_empty() {
            per_table.entry(meta.name.as_str()).or_default().push(row);
        } else {
            rejected
                .entry(meta.name.as_str())
                .or_default()
                .push((row, own));
        }
    }

    // Golden wins on the primary key; duplicates within golden are errors.
    let mut kept: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
    let mut overridden: BTreeMap<&str, usize> = BTreeMap::new();
    for meta in tables {
        let rows = per_table.remove(meta.name.as_str()).unwrap_or_default();
        let (golden, generated): (Vec<Row>, Vec<Row>) =
            rows.into_iter().partition(|r| r.origin == Origin::Golden);
        let mut keys: Vec<(String, Vec<String>)> =
            vec![("primary key".to_string(), meta.primary_key.clone())];
        keys.extend(
            meta.unique_keys
                .iter()
                .map(|u| (format!("unique key `{}`", u.name), u.columns.clone())),
        );
        // Index golden keys.
        let mut golden_index: Vec<HashMap<String, usize>> = vec![HashMap::new(); keys.len()];
        for (i, row) in golden.iter().enumerate() {
            for (k, (kname, cols)) in keys.iter().enumerate() {
                let Some(vals) = key_of(row, cols) else {
                    continue;
                };
                let text = key_text(&vals);
                if let Some(&first) = golden_index[k].get(&text) {
                    conflicts.push(Conflict::DuplicateGolden {
                        first: golden[first].source.clone(),
                        second: row.source.clone(),
                        table: meta.name.clone(),
                        key: kname.clone(),
                        columns: cols.clone(),
                        value: text,
                    });
                } else {
                    golden_index[k].insert(text, i);
                }
            }
        }
        let mut out = golden.clone();
        let mut dropped = 0;
        for row in generated {
            let pk = key_of(&row, &meta.primary_key).map(|v| key_text(&v));
            let golden_pk = pk.as_ref().and_then(|p| golden_index[0].get(p)).copied();
            if golden_pk.is_some() {
                dropped += 1;
                continue;
            }
            for (k, (kname, cols)) in keys.iter().enumerate().skip(1) {
                let Some(vals) = key_of(&row, cols) else {
                    continue;
                };
                let text = key_text(&vals);
                if let Some(&g) = golden_index[k].get(&text) {
                    conflicts.push(Conflict::UniqueCollision {
                        golden: golden[g].source.clone(),
                        generated: row.source.clone(),
                        table: meta.name.clone(),
                        key: kname.clone(),
                        columns: cols.clone(),
                        value: text,
                    });
                }
            }
            out.push(row);
        }
        overridden.insert(meta.name.as_str(), dropped);
        kept.insert(meta.name.as_str(), out);
    }

    // Foreign keys must resolve within the merged set. A reference to a
    // rejected row counts against that row instead of dangling.
    let mut dependants: BTreeMap<(&str, usize), BTreeSet<&Source>> = BTreeMap::new();
    for meta in tables {
        for fk in &meta.foreign_keys {
            let Some(target_rows) = kept.get(fk.ref_table.as_str()) else {
                continue;
            };
            let targets: BTreeSet<String> = target_rows
                .iter()
                .filter_map(|r| key_of(r, &fk.ref_columns).map(|v| key_text(&v)))
                .collect();
            let mut rejected_targets: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, (r, _)) in rejected
                .get(fk.ref_table.as_str())
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(v) = key_of(r, &fk.ref_columns) {
                    rejected_targets.entry(key_text(&v)).or_default().push(i);
                }
            }
            for row in &kept[meta.name.as_str()] {
                let Some(vals) = key_of(row, &fk.columns) else {
                    continue;
                };
                let text = key_text(&vals);
                if targets.contains(&text) {
                    continue;
                }
                if let Some(parents) = rejected_targets.get(&text) {
                    for &i in parents {
                        dependants
                            .entry((fk.ref_table.as_str(), i))
                            .or_default()
                            .insert(&row.source);
                    }
                } else {
                    conflicts.push(Conflict::DanglingForeignKey {
                        source: row.source.clone(),
                        table: meta.name.clone(),
                        key: format!("foreign key `{}`", fk.name),
                        columns: fk.columns.clone(),
                        value: text,
                        ref_table: fk.ref_table.clone(),
                    });
                }
            }
        }
    }

    for (table, list) in rejected {
        for (i, (_, own)) in list.into_iter().enumerate() {
            let n = dependants.get(&(table, i)).map_or(0, BTreeSet::len);
            for mut c in own {
                if let Some(d) = c.dependants_mut() {
                    *d = n;
                }
                conflicts.push(c);
            }
        }
    }

    if !conflicts.is_empty() {
        conflicts.sort();
        conflicts.dedup();
        return Err(conflicts);
    }

    let depths = table_depths(tables);
    let mut order: Vec<&TableMeta> = tables.iter().collect();
    order.sort_by(|a, b| (depths[&a.name], &a.name).cmp(&(depths[&b.name], &b.name)));
    let plan = Plan {
        schema: tables.to_vec(),
        tables: order
            .into_iter()
            .map(|meta| {
                let rows = kept.remove(meta.name.as_str()).unwrap_or_default();
                let golden_rows = rows.iter().filter(|r| r.origin == Origin::Golden).count();
                let generated_rows = rows.len() - golden_rows;
                let rows = order_self_references(meta, rows);
                TablePlan {
                    table: meta.name.clone(),
                    depth: depths[&meta.name],
                    batches: batches(meta, rows),
                    golden_rows,
                    generated_rows,
                    overridden: overridden.get(meta.name.as_str()).copied().unwrap_or(0),
                }
            })
            .collect(),
    };
    Ok(plan)
}

/// Foreign-key depth of each table: 0 when it references no other table,
/// else one more than the deepest table it references. Self-references do
/// not count; a cycle between tables (none in the EfficientTutor schema) is
/// broken by ignoring the edge that closes it, and the seeder loads with
/// foreign-key triggers off where the server allows, so the order then only
/// matters for a non-superuser, who gets a clear error from PostgreSQL.
pub fn table_depths(tables: &[TableMeta]) -> BTreeMap<String, usize> {
    fn visit(
        name: &str,
        by_name: &BTreeMap<&str, &TableMeta>,
        depths: &mut BTreeMap<String, usize>,
        visiting: &mut BTreeSet<String>,
    ) -> usize {
        if let Some(&d) = depths.get(name) {
            return d;
        }
        if !visiting.insert(name.to_string()) {
            return 0;
        }
        let mut depth = 0;
        if let Some(meta) = by_name.get(name) {
            let mut refs: Vec<&str> = meta
                .foreign_keys
                .iter()
                .map(|f| f.ref_table.as_str())
                .filter(|r| *r != name)
                .collect();
            refs.sort();
            refs.dedup();
            for r in refs {
                depth = depth.max(visit(r, by_name, depths, visiting) + 1);
            }
        }
        visiting.remove(name);
        depths.insert(name.to_string(), depth);
        depth
    }
    let by_name: BTreeMap<&str, &TableMeta> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut depths = BTreeMap::new();
    let mut visiting = BTreeSet::new();
    for t in tables {
        visit(&t.name, &by_name, &mut depths, &mut visiting);
    }
    depths
}

/// Sorts rows by primary key, then moves every row after the rows its
/// self-referencing foreign keys point at (a stable topological order).
fn order_self_references(meta: &TableMeta, mut rows: Vec<Row>) -> Vec<Row> {
    let pk_text = |r: &Row| {
        key_of(r, &meta.primary_key)
            .map(|v| key_text(&v))
            .unwrap_or_default()
    };
    rows.sort_by_cached_key(|r| (r.origin != Origin::Golden, pk_text(r)));
    let self_fks: Vec<&ForeignKey> = meta
        .foreign_keys
        .iter()
        .filter(|f| f.ref_table == meta.name)
        .collect();
    if self_fks.is_empty() {
        return rows;
    }
    // Index rows by each referenced key, then emit depth-first.
    let mut emitted = vec![false; rows.len()];
    let mut out_idx = Vec::with_capacity(rows.len());
    let indexes: Vec<HashMap<String, usize>> = self_fks
        .iter()
        .map(|fk| {
            rows.iter()
                .enumerate()
                .filter_map(|(i, r)| key_of(r, &fk.ref_columns).map(|v| (key_text(&v), i)))
                .collect()
        })
        .collect();
    fn emit(
        i: usize,
        rows: &[Row],
        fks: &[&ForeignKey],
        indexes: &[HashMap<String, usize>],
        emitted: &mut Vec<bool>,
        on_path: &mut BTreeSet<usize>,
        out: &mut Vec<usize>,
    ) {
        if emitted[i] || !on_path.insert(i) {
            return;
        }
        for (fk, index) in fks.iter().zip(indexes) {
            if let Some(vals) = key_of(&rows[i], &fk.columns) {
                if let Some(&parent) = index.get(&key_text(&vals)) {
                    if parent != i {
                        emit(parent, rows, fks, indexes, emitted, on_path, out);
                    }
                }
            }
        }
        on_path.remove(&i);
        if !emitted[i] {
            emitted[i] = true;
            out.push(i);
        }
    }
    let mut on_path = BTreeSet::new();
    for i in 0..rows.len() {
        emit(
            i,
            &rows,
            &self_fks,
            &indexes,
            &mut emitted,
            &mut on_path,
            &mut out_idx,
        );
    }
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    out_idx
        .into_iter()
        .map(|i| slots[i].take().expect("each row emitted once"))
        .collect()
}

/// Groups rows into batches by the set of columns they set, keeping order
/// (a new batch starts whenever the column set changes, so self-reference
/// order survives).
fn batches(meta: &TableMeta, rows: Vec<Row>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for row in rows {
        let columns: Vec<String> = meta
            .columns
            .iter()
            .filter(|c| row.values.contains_key(&c.name))
            .map(|c| c.name.clone())
            .collect();
        let values: Vec<Value> = columns.iter().map(|c| row.values[c].clone()).collect();
        match out.last_mut() {
            Some(b) if b.columns == columns => b.rows.push(values),
            _ => out.push(Batch {
                columns,
                rows: vec![values],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fixture_cases;
