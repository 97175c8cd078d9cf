//! The Rust types of columns in generated code, and the imports they need.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::naming::enum_variants;
use super::{ast, runtime, CodegenError, Ident, Options};
use crate::engine::schema::{Column, Scalar, Schema, Table, TypeKind};

/// The Rust types a table's fields need, by where they come from.
#[derive(Default)]
pub(super) struct Uses {
    pub(super) runtime: BTreeSet<&'static str>,
    pub(super) schema: BTreeSet<String>,
    /// Other tables' row modules, whose ID consts rows name.
    pub(super) modules: BTreeSet<String>,
}

impl Uses {
    /// The `use` items; `generated` is the path of the `generated` module
    /// (`super` from a table module), which holds `schema` and the table
    /// modules. Without it, only runtime types are imported.
    pub(super) fn tokens(&self, options: &Options, generated: Option<TokenStream>) -> TokenStream {
        let rt = runtime(options);
        let rt_names = self.runtime.iter().map(|n| ast::ident(n));
        let mut out = if self.runtime.is_empty() {
            quote!()
        } else {
            quote!(use #rt::{#(#rt_names),*};)
        };
        if let Some(path) = generated {
            if !self.schema.is_empty() {
                let names = self.schema.iter().map(|n| ast::ident(n));
                out.extend(quote!(use #path::schema::{#(#names),*};));
            }
            if !self.modules.is_empty() {
                let names = self.modules.iter().map(|n| ast::ident(n));
                out.extend(quote!(use #path::{#(#names),*};));
            }
        }
        out
    }
}

pub(super) fn unsupported(table: &Table, column: &Column) -> CodegenError {
    CodegenError::UnsupportedType {
        table: table.name.clone(),
        column: column.name.clone(),
        type_name: column.ty.name.clone(),
    }
}

/// The Rust type of a scalar, recording what it needs imported. References
/// are spelled `&'static` in struct fields and elided in `const` items
/// (where clippy's `redundant_static_lifetimes` would flag them).
pub(super) fn scalar_type(scalar: &Scalar, uses: &mut Uses, in_field: bool) -> Option<TokenStream> {
    let mut runtime = |name: &'static str| {
        uses.runtime.insert(name);
        let id = ast::ident(name);
        quote!(#id)
    };
    Some(match scalar {
        Scalar::Bool => quote!(bool),
        Scalar::Int2 => quote!(i16),
        Scalar::Int4 => quote!(i32),
        Scalar::Int8 => quote!(i64),
        Scalar::Text if in_field => quote!(&'static str),
        Scalar::Text => quote!(&str),
        Scalar::Numeric => runtime("Decimal"),
        Scalar::Uuid => runtime("Uuid"),
        Scalar::Timestamptz => runtime("Timestamptz"),
        Scalar::Timestamp => runtime("Timestamp"),
        Scalar::Date => runtime("Date"),
        Scalar::Time => runtime("Time"),
        Scalar::Json | Scalar::Jsonb => runtime("Json"),
        Scalar::Enum(name) => {
            let id = Ident::type_name(name);
            uses.schema.insert(id.rs.clone());
            quote!(#id)
        }
        Scalar::Unsupported(_) => return None,
    })
}

/// The Rust type of a column without `Option` (the type of its ID const).
pub(super) fn bare_type(
    table: &Table,
    column: &Column,
    uses: &mut Uses,
    in_field: bool,
) -> Result<TokenStream, CodegenError> {
    let scalar = scalar_type(column.ty.kind.scalar(), uses, in_field)
        .ok_or_else(|| unsupported(table, column))?;
    Ok(match (&column.ty.kind, in_field) {
        (TypeKind::Scalar(_), _) => scalar,
        (TypeKind::Array(_), true) => quote!(&'static [#scalar]),
        (TypeKind::Array(_), false) => quote!(&[#scalar]),
    })
}

pub(super) fn field_type(
    table: &Table,
    column: &Column,
    uses: &mut Uses,
) -> Result<TokenStream, CodegenError> {
    let ty = bare_type(table, column, uses, true)?;
    Ok(if column.nullable {
        quote!(Option<#ty>)
    } else {
        ty
    })
}

/// A const placeholder of a column's Rust type (never inserted: see
/// `DEFAULT`).
pub(super) fn placeholder(schema: &Schema, column: &Column, uses: &mut Uses) -> TokenStream {
    if column.nullable {
        return quote!(None);
    }
    if let TypeKind::Array(_) = column.ty.kind {
        return quote!(&[]);
    }
    let mut runtime = |name: &'static str| {
        uses.runtime.insert(name);
    };
    match column.ty.kind.scalar() {
        Scalar::Bool => quote!(false),
        Scalar::Int2 | Scalar::Int4 | Scalar::Int8 => quote!(0),
        Scalar::Text => quote!(""),
        Scalar::Numeric => {
            runtime("Decimal");
            quote!(Decimal::ZERO)
        }
        Scalar::Uuid => {
            runtime("Uuid");
            quote!(Uuid::nil())
        }
        Scalar::Timestamptz => quote!(Timestamptz::At(0)),
        Scalar::Timestamp => quote!(Timestamp(0)),
        Scalar::Date => quote!(Date(0)),
        Scalar::Time => quote!(Time(0)),
        Scalar::Json | Scalar::Jsonb => quote!(Json("null")),
        Scalar::Enum(name) => {
            let ty = Ident::type_name(name);
            let first = schema
                .enums
                .get(name)
                .and_then(|e| enum_variants(&e.labels).into_iter().next());
            match first {
                Some(v) => quote!(#ty::#v),
                None => quote!(unreachable!()),
            }
        }
        Scalar::Unsupported(_) => quote!(unreachable!()),
    }
}
