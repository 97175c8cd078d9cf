//! Builders for the syntax tree of row data.
//!
//! Rows are nearly all of `generated/`. Quoting them into tokens and parsing
//! the tokens back with `syn::parse2` cost five times as much as building
//! the same `syn` tree directly (most of it in syn's expression parser and,
//! for every `0x…` uuid, its decimal big-integer conversion). So the row
//! statics, slice consts and ID consts are built here, and prettyplease
//! prints them like everything else. The file scaffolding (docs, imports,
//! accessors) still goes through `quote!` → `syn::parse2`.
//!
//! Numeric literals are `Lit::Verbatim`: prettyplease prints their text as
//! is, and syn has no reason to compute their value.

use proc_macro2::{Literal, Span};
use syn::punctuated::Punctuated;
use syn::{Expr, Item, Lit, Type, Visibility};

/// An identifier; `r#name` becomes a raw identifier.
pub fn ident(name: &str) -> syn::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => syn::Ident::new_raw(raw, Span::call_site()),
        None => syn::Ident::new(name, Span::call_site()),
    }
}

/// `a::b::c`.
pub fn path<S: AsRef<str>>(segments: &[S]) -> syn::Path {
    syn::Path {
        leading_colon: None,
        segments: segments
            .iter()
            .map(|s| syn::PathSegment::from(ident(s.as_ref())))
            .collect(),
    }
}

/// The expression `a::b::c`.
pub fn path_expr<S: AsRef<str>>(segments: &[S]) -> Expr {
    Expr::Path(syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path: path(segments),
    })
}

/// `f(args…)` where `f` is a path.
pub fn call<S: AsRef<str>>(func: &[S], args: Vec<Expr>) -> Expr {
    Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(path_expr(func)),
        paren_token: Default::default(),
        args: args.into_iter().collect(),
    })
}

/// `Some(inner)`.
pub fn some(inner: Expr) -> Expr {
    call(&["Some"], vec![inner])
}

fn lit(lit: Lit) -> Expr {
    Expr::Lit(syn::ExprLit {
        attrs: Vec::new(),
        lit,
    })
}

/// An integer literal, `-` included for negative values.
pub fn int(value: i128) -> Expr {
    let magnitude = lit(Lit::Verbatim(Literal::u128_unsuffixed(
        value.unsigned_abs(),
    )));
    if value < 0 {
        Expr::Unary(syn::ExprUnary {
            attrs: Vec::new(),
            op: syn::UnOp::Neg(Default::default()),
            expr: Box::new(magnitude),
        })
    } else {
        magnitude
    }
}

/// A literal from its source text, such as `0x1234_abcd`. The text must be
/// one literal token (the callers format it themselves).
pub fn verbatim(text: &str) -> Expr {
    let literal: Literal = text.parse().expect("codegen formats valid literals");
    lit(Lit::Verbatim(literal))
}

/// A string literal.
pub fn str(value: &str) -> Expr {
    lit(Lit::Str(syn::LitStr::new(value, Span::call_site())))
}

/// A byte string literal, `b"\x00ab"`.
pub fn byte_str(value: &[u8]) -> Expr {
    lit(Lit::ByteStr(syn::LitByteStr::new(value, Span::call_site())))
}

/// `true` or `false`.
pub fn bool(value: bool) -> Expr {
    lit(Lit::Bool(syn::LitBool::new(value, Span::call_site())))
}

/// `&[elements…]`.
pub fn slice_ref(elements: Vec<Expr>) -> Expr {
    Expr::Reference(syn::ExprReference {
        attrs: Vec::new(),
        and_token: Default::default(),
        mutability: None,
        expr: Box::new(array(elements)),
    })
}

/// `[elements…]`.
pub fn array(elements: Vec<Expr>) -> Expr {
    Expr::Array(syn::ExprArray {
        attrs: Vec::new(),
        bracket_token: Default::default(),
        elems: elements.into_iter().collect(),
    })
}

/// `Struct { field: value, … }`.
pub fn struct_lit(name: &syn::Path, fields: Vec<(syn::Ident, Expr)>) -> Expr {
    Expr::Struct(syn::ExprStruct {
        attrs: Vec::new(),
        qself: None,
        path: name.clone(),
        brace_token: Default::default(),
        fields: fields
            .into_iter()
            .map(|(member, expr)| syn::FieldValue {
                attrs: Vec::new(),
                member: syn::Member::Named(member),
                colon_token: Some(Default::default()),
                expr,
            })
            .collect::<Punctuated<_, _>>(),
        dot2_token: None,
        rest: None,
    })
}

/// `pub`, `pub(super)` or nothing.
pub fn visibility(kind: Vis) -> Visibility {
    match kind {
        Vis::Private => Visibility::Inherited,
        Vis::Pub => Visibility::Public(Default::default()),
        Vis::PubSuper => Visibility::Restricted(syn::VisRestricted {
            pub_token: Default::default(),
            paren_token: Default::default(),
            in_token: None,
            path: Box::new(path(&["super"])),
        }),
    }
}

/// Who may see an item.
#[derive(Debug, Clone, Copy)]
pub enum Vis {
    Private,
    Pub,
    PubSuper,
}

/// `vis const NAME: ty = expr;`
pub fn const_item(vis: Vis, name: &str, ty: Type, expr: Expr) -> Item {
    Item::Const(syn::ItemConst {
        attrs: Vec::new(),
        vis: visibility(vis),
        const_token: Default::default(),
        ident: ident(name),
        generics: Default::default(),
        colon_token: Default::default(),
        ty: Box::new(ty),
        eq_token: Default::default(),
        expr: Box::new(expr),
        semi_token: Default::default(),
    })
}

/// `vis static NAME: ty = expr;`
pub fn static_item(vis: Vis, name: &str, ty: Type, expr: Expr) -> Item {
    Item::Static(syn::ItemStatic {
        attrs: Vec::new(),
        vis: visibility(vis),
        static_token: Default::default(),
        mutability: syn::StaticMutability::None,
        ident: ident(name),
        colon_token: Default::default(),
        ty: Box::new(ty),
        eq_token: Default::default(),
        expr: Box::new(expr),
        semi_token: Default::default(),
    })
}

/// `[elem; len]`.
pub fn array_type(elem: Type, len: usize) -> Type {
    Type::Array(syn::TypeArray {
        bracket_token: Default::default(),
        elem: Box::new(elem),
        semi_token: Default::default(),
        len: lit(Lit::Verbatim(Literal::usize_unsuffixed(len))),
    })
}

/// A type named by a path.
pub fn path_type<S: AsRef<str>>(segments: &[S]) -> Type {
    Type::Path(syn::TypePath {
        qself: None,
        path: path(segments),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(items: Vec<Item>) -> String {
        prettyplease::unparse(&syn::File {
            shebang: None,
            attrs: Vec::new(),
            items,
        })
    }

    #[test]
    fn built_trees_print_like_parsed_code() {
        let row = struct_lit(
            &path(&["Users"]),
            vec![
                (ident("id"), path_expr(&["USERS_0A_ID"])),
                (ident("r#type"), some(int(-3))),
                (ident("name"), str("O'Brien \"x\"")),
                (ident("ok"), bool(true)),
                (
                    ident("ids"),
                    call(
                        &["Uuid", "from_u128"],
                        vec![verbatim("0x0000000a_0000_0000_0000_000000000001")],
                    ),
                ),
                (ident("tags"), slice_ref(vec![int(1), int(2)])),
            ],
        );
        let built = print(vec![
            static_item(
                Vis::PubSuper,
                "ROWS",
                array_type(path_type(&["Users"]), 1),
                array(vec![row]),
            ),
            const_item(Vis::Pub, "N", path_type(&["usize"]), int(1)),
        ]);
        let parsed: syn::File = syn::parse_str(
            r#"pub(super) static ROWS: [Users; 1] = [Users { id: USERS_0A_ID, r#type: Some(-3),
                name: "O'Brien \"x\"", ok: true,
                ids: Uuid::from_u128(0x0000000a_0000_0000_0000_000000000001), tags: &[1, 2] }];
               pub const N: usize = 1;"#,
        )
        .unwrap();
        assert_eq!(built, prettyplease::unparse(&parsed));
    }
}
