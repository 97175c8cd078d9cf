//! The Rust types of columns in generated code, and the imports they need.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::naming::enum_variants;
use super::naming::ident;
use super::{runtime, CodegenError, Ident, Options};
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
        let rt_names = self.runtime.iter().map(|n| ident(n));
        let mut out = if self.runtime.is_empty() {
            quote!()
        } else {
            quote!(use #rt::{#(#rt_names),*};)
        };
        if let Some(path) = generated {
            if !self.schema.is_empty() {
                let names = self.schema.iter().map(|n| ident(n));
                out.extend(quote!(use #path::schema::{#(#names),*};));
            }
            if !self.modules.is_empty() {
                let names = self.modules.iter().map(|n| ident(n));
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

/// The runtime newtype of a text-form type (see `fixture.rs`).
pub(super) fn text_form_type(pg_name: &str) -> &'static str {
    match pg_name {
        "interval" => "Interval",
        "money" => "Money",
        "timetz" => "Timetz",
        "tsvector" => "Tsvector",
        "xml" => "Xml",
        _ => "PgText",
    }
}

/// A scalar's Rust type and a const placeholder of it (the value of a
/// `DEFAULT` field that is never inserted), recording the imports they
/// need: the one table of Rust types. References are spelled `&'static` in
/// struct fields and elided in `const` items (where clippy's
/// `redundant_static_lifetimes` would flag them).
fn scalar_spec(
    schema: Option<&Schema>,
    scalar: &Scalar,
    uses: &mut Uses,
    in_field: bool,
) -> Option<(TokenStream, TokenStream)> {
    let mut runtime = |name: &'static str| {
        uses.runtime.insert(name);
        let id = ident(name);
        quote!(#id)
    };
    let lifetime = if in_field { quote!('static) } else { quote!() };
    Some(match scalar {
        Scalar::Bool => (quote!(bool), quote!(false)),
        Scalar::Int2 => (quote!(i16), quote!(0)),
        Scalar::Int4 => (quote!(i32), quote!(0)),
        Scalar::Int8 => (quote!(i64), quote!(0)),
        Scalar::Float4 => (quote!(f32), quote!(0.0)),
        Scalar::Float8 => (quote!(f64), quote!(0.0)),
        Scalar::Text => (quote!(& #lifetime str), quote!("")),
        Scalar::Bytea => (quote!(& #lifetime [u8]), quote!(b"")),
        Scalar::Numeric => {
            let t = runtime("Decimal");
            (t, quote!(Decimal::ZERO))
        }
        Scalar::BigNumeric => {
            let t = runtime("Numeric");
            (t, quote!(Numeric("0")))
        }
        Scalar::Uuid => {
            let t = runtime("Uuid");
            (t, quote!(Uuid::nil()))
        }
        Scalar::Timestamptz => (runtime("Timestamptz"), quote!(Timestamptz::At(0))),
        Scalar::Timestamp => (runtime("Timestamp"), quote!(Timestamp(0))),
        Scalar::Date => (runtime("Date"), quote!(Date(0))),
        Scalar::Time => (runtime("Time"), quote!(Time(0))),
        Scalar::Json | Scalar::Jsonb => (runtime("Json"), quote!(Json("null"))),
        Scalar::Inet => (runtime("Inet"), quote!(Inet::v4([0, 0, 0, 0], 32))),
        Scalar::Macaddr => (runtime("Macaddr"), quote!(Macaddr([0, 0, 0, 0, 0, 0]))),
        Scalar::Bits => (runtime("Bits"), quote!(Bits(""))),
        Scalar::Point => (runtime("Point"), quote!(Point(0.0, 0.0))),
        Scalar::Range(inner) => {
            let (inner, _) = scalar_spec(schema, inner, uses, in_field)?;
            uses.runtime.insert("Range");
            (quote!(Range<#inner>), quote!(Range::Empty))
        }
        Scalar::TextForm(name) => {
            let t = runtime(text_form_type(name));
            (quote!(#t), quote!(#t("")))
        }
        Scalar::Enum(name) => {
            let id = Ident::type_name(name);
            uses.schema.insert(id.rs.clone());
            let first = schema
                .and_then(|s| s.enums.get(name))
                .and_then(|e| enum_variants(&e.labels).into_iter().next());
            let placeholder = match first {
                Some(v) => quote!(#id::#v),
                None => quote!(unreachable!()),
            };
            (quote!(#id), placeholder)
        }
        Scalar::Unsupported(_) => return None,
    })
}

/// The runtime type a scalar's values are spelled with, if any: what
/// [`scalar_spec`] imports for it, without building its tokens (row files
/// ask for every value).
pub(super) fn runtime_type_name(scalar: &Scalar) -> Option<&'static str> {
    Some(match scalar {
        Scalar::Numeric => "Decimal",
        Scalar::BigNumeric => "Numeric",
        Scalar::Uuid => "Uuid",
        Scalar::Timestamptz => "Timestamptz",
        Scalar::Timestamp => "Timestamp",
        Scalar::Date => "Date",
        Scalar::Time => "Time",
        Scalar::Json | Scalar::Jsonb => "Json",
        Scalar::Inet => "Inet",
        Scalar::Macaddr => "Macaddr",
        Scalar::Bits => "Bits",
        Scalar::Point => "Point",
        Scalar::Range(_) => "Range",
        Scalar::TextForm(name) => text_form_type(name),
        Scalar::Bool
        | Scalar::Int2
        | Scalar::Int4
        | Scalar::Int8
        | Scalar::Float4
        | Scalar::Float8
        | Scalar::Text
        | Scalar::Bytea
        | Scalar::Enum(_)
        | Scalar::Unsupported(_) => return None,
    })
}

/// The Rust type of a scalar, recording what it needs imported.
pub(super) fn scalar_type(scalar: &Scalar, uses: &mut Uses, in_field: bool) -> Option<TokenStream> {
    scalar_spec(None, scalar, uses, in_field).map(|(ty, _)| ty)
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
        (TypeKind::NdArray(_), _) => {
            uses.runtime.insert("Array");
            quote!(Array<#scalar>)
        }
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
    match &column.ty.kind {
        TypeKind::Array(_) => quote!(&[]),
        TypeKind::NdArray(_) => {
            uses.runtime.insert("Array");
            quote!(Array::new(&[], &[], &[]))
        }
        TypeKind::Scalar(scalar) => {
            // The placeholder needs only the runtime names it spells.
            let mut scratch = Uses::default();
            match scalar_spec(Some(schema), scalar, &mut scratch, false) {
                Some((_, value)) => {
                    uses.runtime.extend(scratch.runtime);
                    value
                }
                None => quote!(unreachable!()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_name_of_a_scalar_is_what_its_type_imports() {
        let scalars = [
            Scalar::Bool,
            Scalar::Int8,
            Scalar::Float4,
            Scalar::Text,
            Scalar::Bytea,
            Scalar::Numeric,
            Scalar::BigNumeric,
            Scalar::Uuid,
            Scalar::Timestamptz,
            Scalar::Timestamp,
            Scalar::Date,
            Scalar::Time,
            Scalar::Json,
            Scalar::Jsonb,
            Scalar::Inet,
            Scalar::Macaddr,
            Scalar::Bits,
            Scalar::Point,
            Scalar::TextForm("interval".into()),
            Scalar::TextForm("box".into()),
        ];
        for scalar in scalars {
            let mut uses = Uses::default();
            scalar_type(&scalar, &mut uses, false);
            let expected: Vec<&str> = uses.runtime.into_iter().collect();
            let named: Vec<&str> = runtime_type_name(&scalar).into_iter().collect();
            assert_eq!(named, expected, "{scalar:?}");
        }
    }
}
