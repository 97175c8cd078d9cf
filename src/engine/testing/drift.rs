//! Stale fixtures: the schema the SQL files produce compared with the
//! schema `generated/` was extracted from.

use std::collections::BTreeMap;

use postgres::Client;

use super::EXTRACT_COMMAND;
use crate::engine::merge::{ColumnMeta, TableMeta};
use crate::engine::project::Project;
use crate::engine::restore::db_error_text;
use crate::engine::schema::{self, SchemaError};

pub(super) fn stale_message(differences: &[String]) -> String {
    let mut s = format!(
        "the fixtures in generated/ were extracted from another schema than the project's baseline and migrations produce; {} difference{}:\n",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    for d in differences {
        s.push_str(&format!("  - {d}\n"));
    }
    s.push_str(&format!(
        "Re-extract the fixtures with `{EXTRACT_COMMAND}`, then run the tests again."
    ));
    s
}

/// The tables of schema `public` with their columns, as the stale-fixture
/// check compares them, read by [`schema::load`] like extraction reads them
/// (so a re-extracted `generated/` agrees): extension tables are skipped, a
/// NOT NULL domain makes its column NOT NULL, and generated columns are left
/// out, as the merge leaves them out of `plan.schema`. Keys are left empty.
pub fn load_tables(client: &mut Client, project: &Project) -> Result<Vec<TableMeta>, SchemaError> {
    let mut schema = schema::load(client)?;
    // What extraction leaves out is not drift.
    project.restrict(&mut schema);
    Ok(schema
        .tables
        .into_values()
        .map(|t| TableMeta {
            columns: t
                .columns
                .iter()
                .filter(|c| c.generated.is_none())
                .map(|c| ColumnMeta {
                    name: c.name.clone(),
                    pg_type: c.ty.name.clone(),
                    nullable: c.nullable,
                    has_default: c.has_default(),
                })
                .collect(),
            name: t.name,
            primary_key: Vec::new(),
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
        })
        .collect())
}

/// A [`SchemaError`] for a message: the server's full text for a failed query.
pub(super) fn schema_error_text(e: &SchemaError) -> String {
    match e {
        SchemaError::Query { query, source } => {
            format!(
                "catalog query sql/catalog/{query}: {}",
                db_error_text(source)
            )
        }
        SchemaError::Unexpected { .. } => e.to_string(),
    }
}

/// The differences between the schema the fixtures were extracted from
/// (`fixtures`, `plan.schema`) and the database's (`database`): tables,
/// columns, nullability, defaults, and types where the fixtures name one.
/// One line per difference, sorted by table and column; empty when they
/// agree.
pub fn schema_differences(fixtures: &[TableMeta], database: &[TableMeta]) -> Vec<String> {
    let by_name = |tables: &[TableMeta]| -> BTreeMap<String, TableMeta> {
        tables.iter().map(|t| (t.name.clone(), t.clone())).collect()
    };
    let (fix, db) = (by_name(fixtures), by_name(database));
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = fix.keys().chain(db.keys()).collect();
    for table in names {
        match (fix.get(table), db.get(table)) {
            (Some(_), None) => out.push(format!(
                "table `{table}` is in generated/ but not in the database"
            )),
            (None, Some(_)) => out.push(format!(
                "table `{table}` is in the database but not in generated/"
            )),
            (Some(f), Some(d)) => column_differences(table, f, d, &mut out),
            (None, None) => unreachable!("the name came from one of them"),
        }
    }
    out
}

fn column_differences(table: &str, fix: &TableMeta, db: &TableMeta, out: &mut Vec<String>) {
    let f: BTreeMap<&str, &ColumnMeta> = fix.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let d: BTreeMap<&str, &ColumnMeta> = db.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let names: std::collections::BTreeSet<&str> = f.keys().chain(d.keys()).copied().collect();
    let null_text = |nullable: bool| if nullable { "nullable" } else { "NOT NULL" };
    let default_text = |has: bool| {
        if has {
            "has a default"
        } else {
            "has no default"
        }
    };
    for column in names {
        let at = format!("`{table}.{column}`");
        match (f.get(column), d.get(column)) {
            (Some(_), None) => out.push(format!(
                "column {at} is in generated/ but not in the database"
            )),
            (None, Some(c)) => {
                let required = if !c.nullable && !c.has_default {
                    " (NOT NULL, no default: golden rows must set it)"
                } else {
                    ""
                };
                out.push(format!(
                    "column {at} is in the database but not in generated/{required}"
                ))
            }
            (Some(fc), Some(dc)) => {
                if fc.nullable != dc.nullable {
                    out.push(format!(
                        "column {at} is {} in generated/ but {} in the database",
                        null_text(fc.nullable),
                        null_text(dc.nullable)
                    ));
                }
                if fc.has_default != dc.has_default {
                    out.push(format!(
                        "column {at} {} in generated/ but {} in the database",
                        default_text(fc.has_default),
                        default_text(dc.has_default)
                    ));
                }
                if !fc.pg_type.is_empty() && !same_type(&fc.pg_type, &dc.pg_type) {
                    out.push(format!(
                        "column {at} has type `{}` in generated/ but `{}` in the database",
                        fc.pg_type, dc.pg_type
                    ));
                }
            }
            (None, None) => unreachable!("the name came from one of them"),
        }
    }
}

/// Type names compared as `format_type` prints them, ignoring case and
/// spaces.
fn same_type(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::super::TestingError;
    use super::*;

    fn col(name: &str, pg_type: &str, nullable: bool, has_default: bool) -> ColumnMeta {
        ColumnMeta {
            name: name.into(),
            pg_type: pg_type.into(),
            nullable,
            has_default,
        }
    }

    fn table(name: &str, columns: Vec<ColumnMeta>) -> TableMeta {
        TableMeta {
            name: name.into(),
            columns,
            primary_key: vec!["id".into()],
            unique_keys: vec![],
            foreign_keys: vec![],
        }
    }

    fn users() -> TableMeta {
        table(
            "users",
            vec![
                col("id", "uuid", false, true),
                col("email", "text", false, false),
                col("nickname", "text", true, false),
            ],
        )
    }

    #[test]
    fn identical_schemas_have_no_differences() {
        let s = vec![
            users(),
            table("admins", vec![col("id", "uuid", false, false)]),
        ];
        assert_eq!(schema_differences(&s, &s), Vec::<String>::new());
    }

    #[test]
    fn every_kind_of_difference_is_listed_once_in_order() {
        let fixtures = vec![
            users(),
            table("gone", vec![col("id", "uuid", false, false)]),
        ];
        let mut db_users = users();
        db_users.columns[1].nullable = true; // email
        db_users.columns[2].has_default = true; // nickname
        db_users.columns[2].pg_type = "character varying(20)".into();
        db_users.columns.push(col("phone", "text", false, false));
        db_users.columns.push(col("note", "text", true, false));
        db_users.columns.retain(|c| c.name != "id");
        let database = vec![
            db_users,
            table("admins", vec![col("id", "uuid", false, false)]),
        ];
        let diffs = schema_differences(&fixtures, &database);
        assert_eq!(
            diffs,
            vec![
                "table `admins` is in the database but not in generated/",
                "table `gone` is in generated/ but not in the database",
                "column `users.email` is NOT NULL in generated/ but nullable in the database",
                "column `users.id` is in generated/ but not in the database",
                "column `users.nickname` has no default in generated/ but has a default in the database",
                "column `users.nickname` has type `text` in generated/ but `character varying(20)` in the database",
                "column `users.note` is in the database but not in generated/",
                "column `users.phone` is in the database but not in generated/ (NOT NULL, no default: golden rows must set it)",
            ]
        );
    }

    #[test]
    fn types_are_compared_only_when_the_fixtures_name_one() {
        let mut fixtures = users();
        for c in &mut fixtures.columns {
            c.pg_type.clear();
        }
        assert!(schema_differences(&[fixtures], &[users()]).is_empty());
        let mut spaced = users();
        spaced.columns[0].pg_type = "UUID ".into();
        assert!(schema_differences(&[spaced], &[users()]).is_empty());
    }

    #[test]
    fn the_stale_message_lists_every_difference_and_names_the_command() {
        let err = TestingError::StaleFixtures {
            differences: vec!["table `a` is in generated/ but not in the database".into()],
        };
        let text = err.to_string();
        assert!(text.contains("1 difference:\n  - table `a`"), "{text}");
        assert!(text.ends_with(
            "Re-extract the fixtures with `cargo run --bin extract`, then run the tests again."
        ));
    }
}
