//! From fixture source files to merge input: finds the schema
//! (`impl Table { const TABLE: TableMeta }` and the enums in
//! `generated/schema.rs`) and every row (`const`/`static` items whose type is
//! a table struct, or an array or slice of one), evaluates them, and types
//! each value by its struct field. Shared by `build.rs` and the library.

use std::collections::{BTreeMap, BTreeSet};

use syn::spanned::Spanned;
use syn::Type;

use super::eval::{field_kind, ident_text, to_value, Ev, FieldKind, Items, Loc};
use super::{ColumnMeta, ForeignKey, Origin, Row, Source, TableMeta, UniqueKey};

/// A fixture source file.
pub struct SourceFile {
    /// The path shown in messages (`golden/users.rs`).
    pub path: String,
    pub text: String,
    pub origin: Origin,
}

/// Reads every `.rs` file under `root/generated` and `root/golden` (sorted,
/// paths relative to `root` in messages).
pub fn gather_sources(root: &std::path::Path) -> std::io::Result<Vec<SourceFile>> {
    gather(
        root,
        &[("generated", Origin::Generated), ("golden", Origin::Golden)],
    )
}

/// The `.rs` files of `golden/` alone (what extraction checks its fakes
/// against, without reading the generated rows it is about to replace).
pub fn gather_golden(root: &std::path::Path) -> std::io::Result<Vec<SourceFile>> {
    gather(root, &[("golden", Origin::Golden)])
}

fn gather(root: &std::path::Path, dirs: &[(&str, Origin)]) -> std::io::Result<Vec<SourceFile>> {
    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for e in entries {
            let p = e?.path();
            if p.is_dir() {
                collect(&p, out)?;
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for &(dir, origin) in dirs {
        let mut paths = Vec::new();
        collect(&root.join(dir), &mut paths)?;
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
            let rel = p.strip_prefix(root).unwrap_or(&p);
            files.push(SourceFile {
                path: rel.to_string_lossy().replace('\\', "/"),
                text,
                origin,
            });
        }
    }
    Ok(files)
}

/// A stable digest (hex) of fixture sources: paths and contents, in order.
pub fn sources_digest(files: &[SourceFile]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in files {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The schema and rows read from fixture sources.
pub struct Loaded {
    pub tables: Vec<TableMeta>,
    pub rows: Vec<Row>,
    /// Table struct name → table name.
    pub structs: BTreeMap<String, String>,
}

/// A problem reading the fixtures (not a merge conflict).
pub type LoadError = super::eval::EvalError;

fn str_of(ev: &Ev) -> Option<String> {
    match ev {
        Ev::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn strs(ev: Option<&Ev>) -> Vec<String> {
    match ev {
        Some(Ev::Array(items)) => items.iter().filter_map(str_of).collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(ev: &'a Ev, name: &str) -> Option<&'a Ev> {
    match ev {
        Ev::Struct { fields, .. } => fields.get(name),
        _ => None,
    }
}

/// The table struct an item's type names, and whether it holds many rows:
/// `Table` is one row, `[Table; N]`, `&[Table]` and `&'static [Table]` are
/// many. Anything else (such as a list of parts, `&[&[Table]]`) is not a
/// row: its elements are counted where they are defined.
fn row_type(ty: &Type, structs: &BTreeMap<String, String>) -> Option<(String, bool)> {
    fn table(ty: &Type, structs: &BTreeMap<String, String>) -> Option<String> {
        match ty {
            Type::Path(p) => {
                let name = ident_text(&p.path.segments.last()?.ident);
                structs.contains_key(&name).then_some(name)
            }
            Type::Group(g) => table(&g.elem, structs),
            _ => None,
        }
    }
    fn list(ty: &Type, structs: &BTreeMap<String, String>) -> Option<String> {
        match ty {
            Type::Slice(s) => table(&s.elem, structs),
            Type::Array(a) => table(&a.elem, structs),
            Type::Group(g) => list(&g.elem, structs),
            _ => None,
        }
    }
    if let Some(t) = table(ty, structs) {
        return Some((t, false));
    }
    let inner = match ty {
        Type::Reference(r) => &*r.elem,
        other => other,
    };
    list(inner, structs).map(|t| (t, true))
}

/// The elements of an array literal (behind `&` if any).
fn array_elems(
    expr: &syn::Expr,
) -> Option<&syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>> {
    match expr {
        syn::Expr::Array(a) => Some(&a.elems),
        syn::Expr::Reference(r) => array_elems(&r.expr),
        syn::Expr::Paren(p) => array_elems(&p.expr),
        _ => None,
    }
}

/// Reads the schema and the rows from `files`.
pub fn load(files: &[SourceFile]) -> Result<Loaded, Vec<LoadError>> {
    let mut items = Items::default();
    let mut errors = Vec::new();
    let mut origin_of: BTreeMap<String, Origin> = BTreeMap::new();
    for f in files {
        origin_of.insert(f.path.clone(), f.origin);
        if let Err(e) = items.add_file(&f.path, &f.text) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Enums: variants (declared order) zip labels (declared order).
    let mut labels: BTreeMap<(String, String), String> = BTreeMap::new();
    let enum_variants = items.enums.clone();
    for (name, variants) in &enum_variants {
        let key = format!("{name}::META");
        if !items.items.contains_key(&key) {
            continue;
        }
        let at = Loc {
            file: "generated/schema.rs".into(),
            line: 0,
        };
        let meta = items.eval_item(&key, &at).map_err(|e| vec![e])?;
        for (v, l) in variants.iter().zip(strs(field(&meta, "labels"))) {
            labels.insert((name.clone(), v.clone()), l);
        }
    }
    let enum_names: BTreeSet<String> = enum_variants.keys().cloned().collect();

    // Tables: every `X::TABLE`.
    let mut tables = Vec::new();
    let mut structs: BTreeMap<String, String> = BTreeMap::new();
    let mut kinds: BTreeMap<String, BTreeMap<String, (String, FieldKind)>> = BTreeMap::new();
    // Fields of generated columns, per struct: read, then left out.
    let mut skipped: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let table_keys: Vec<String> = items
        .items
        .keys()
        .filter(|k| k.ends_with("::TABLE"))
        .cloned()
        .collect();
    for key in table_keys {
        let struct_name = key.trim_end_matches("::TABLE").to_string();
        let def = items.items[&key][0].loc.clone();
        let meta = match items.eval_item(&key, &def) {
            Ok(m) => m,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let name = field(&meta, "name").and_then(str_of).unwrap_or_default();
        let mut columns = Vec::new();
        let mut field_to_column = BTreeMap::new();
        let mut generated_fields = BTreeSet::new();
        if let Some(Ev::Array(cols)) = field(&meta, "columns") {
            for c in cols {
                let cname = field(c, "name").and_then(str_of).unwrap_or_default();
                let fname = field(c, "field")
                    .and_then(str_of)
                    .unwrap_or_else(|| cname.clone());
                // A generated (STORED) column is computed by the database:
                // never a column to insert, whatever a row's field says.
                let generated = matches!(field(c, "generated"), Some(Ev::Bool(true)));
                if generated {
                    generated_fields.insert(fname);
                    continue;
                }
                columns.push(ColumnMeta {
                    name: cname.clone(),
                    pg_type: field(c, "pg_type").and_then(str_of).unwrap_or_default(),
                    nullable: matches!(field(c, "nullable"), Some(Ev::Bool(true))),
                    has_default: matches!(field(c, "has_default"), Some(Ev::Bool(true))),
                });
                field_to_column.insert(fname, cname);
            }
        }
        let unique_keys = match field(&meta, "unique_keys") {
            Some(Ev::Array(keys)) => keys
                .iter()
                .filter(|k| {
                    // Expression and partial indexes cannot be checked on
                    // plain values; PostgreSQL still enforces them at seed time.
                    !matches!(field(k, "has_expressions"), Some(Ev::Bool(true)))
                        && matches!(field(k, "predicate"), Some(Ev::None) | None)
                })
                .map(|k| UniqueKey {
                    name: field(k, "name").and_then(str_of).unwrap_or_default(),
                    columns: strs(field(k, "columns")),
                })
                .collect(),
            _ => Vec::new(),
        };
        let foreign_keys = match field(&meta, "foreign_keys") {
            Some(Ev::Array(fks)) => fks
                .iter()
                .map(|k| ForeignKey {
                    name: field(k, "name").and_then(str_of).unwrap_or_default(),
                    columns: strs(field(k, "columns")),
                    ref_table: field(k, "ref_table").and_then(str_of).unwrap_or_default(),
                    ref_columns: strs(field(k, "ref_columns")),
                })
                .collect(),
            _ => Vec::new(),
        };
        // Field kinds from the struct definition.
        let mut fk = BTreeMap::new();
        if let Some(sd) = items.structs.get(&struct_name) {
            for (fname, ty) in &sd.fields {
                let Some(col) = field_to_column.get(fname) else {
                    continue;
                };
                match field_kind(ty, &enum_names) {
                    Some(kind) => {
                        fk.insert(fname.clone(), (col.clone(), kind));
                    }
                    None => errors.push(LoadError {
                        loc: def.clone(),
                        message: format!(
                            "field `{struct_name}.{fname}` has a type fixtures cannot hold: `{}`",
                            quote::ToTokens::to_token_stream(ty)
                        ),
                    }),
                }
            }
        }
        skipped.insert(struct_name.clone(), generated_fields);
        kinds.insert(struct_name.clone(), fk);
        structs.insert(struct_name, name.clone());
        tables.push(TableMeta {
            name,
            columns,
            primary_key: strs(field(&meta, "primary_key")),
            unique_keys,
            foreign_keys,
        });
    }
    tables.sort();

    // Rows: items typed as a table struct (or an array/slice of them).
    let mut rows = Vec::new();
    let defs: Vec<std::rc::Rc<super::eval::ItemDef>> = items
        .items
        .values()
        .flatten()
        .filter(|d| !d.name.contains("::"))
        .cloned()
        .collect();
    for def in defs {
        let Some((struct_name, many)) = row_type(&def.ty, &structs) else {
            continue;
        };
        let origin = origin_of
            .get(&def.loc.file)
            .copied()
            .unwrap_or(Origin::Generated);
        // Each element of an array is evaluated on its own, for its line.
        let mut elements: Vec<(String, usize, Result<Ev, LoadError>)> = Vec::new();
        match (many, array_elems(&def.expr)) {
            (true, Some(list)) => {
                for (i, e) in list.iter().enumerate() {
                    let line = e.span().start().line;
                    elements.push((format!("{}[{i}]", def.name), line, items.eval(e, &def.loc)));
                }
            }
            (true, None) => match items.eval(&def.expr, &def.loc) {
                Ok(Ev::Array(list)) => {
                    for (i, v) in list.into_iter().enumerate() {
                        elements.push((format!("{}[{i}]", def.name), def.loc.line, Ok(v)));
                    }
                }
                other => elements.push((def.name.clone(), def.loc.line, other)),
            },
            (false, _) => elements.push((
                def.name.clone(),
                def.loc.line,
                items.eval_item(&def.name, &def.loc),
            )),
        }
        let table = structs[&struct_name].clone();
        let fks = &kinds[&struct_name];
        let generated_fields = &skipped[&struct_name];
        for (item, line, ev) in elements {
            let ev = match ev {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let loc = Loc {
                file: def.loc.file.clone(),
                line,
            };
            let Ev::Struct { fields, set, .. } = ev else {
                errors.push(LoadError {
                    loc: loc.clone(),
                    message: format!("`{item}` is not a `{struct_name}` struct literal"),
                });
                continue;
            };
            let mut values = BTreeMap::new();
            for f in &set {
                if generated_fields.contains(f) {
                    continue;
                }
                let Some((col, kind)) = fks.get(f) else {
                    errors.push(LoadError {
                        loc: loc.clone(),
                        message: format!("`{item}`: `{struct_name}` has no field `{f}`"),
                    });
                    continue;
                };
                match to_value(&fields[f], kind, &labels) {
                    Ok(v) => {
                        values.insert(col.clone(), v);
                    }
                    Err(m) => errors.push(LoadError {
                        loc: loc.clone(),
                        message: format!("`{item}.{f}`: {m}"),
                    }),
                }
            }
            rows.push(Row {
                origin,
                source: Source {
                    file: loc.file.clone(),
                    line: loc.line,
                    item,
                },
                table: table.clone(),
                values,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(errors);
    }
    rows.sort_by(|a, b| a.source.cmp(&b.source));
    Ok(Loaded {
        tables,
        rows,
        structs,
    })
}
