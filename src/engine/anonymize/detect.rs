//! Finding personal data that no rule covers, three ways:
//!
//! - **names**: a column name (and a user-defined type's name) is split into
//!   words, case-insensitively and camelCase-aware (`PhoneNumber` → phone,
//!   number; `Email2` → email, 2; `userIPs` → user, ips), and the words are
//!   matched against [`rules::PII_HINTS`](super::hints::PII_HINTS);
//! - **types**: every type is checked, domains resolved to their base type
//!   ([`TypeKind`] is already resolved) and arrays to their element. A
//!   `bytea`, `inet`, `macaddr` or geometric column always needs a rule. A
//!   hint only counts where the type can hold what it suggests: a
//!   `timestamp` named `email_sent_at` holds no address, a `uuid` is a
//!   random key, a `boolean` holds one bit, and an enum holds labels fixed
//!   by the schema, so those types are matched against fewer kinds (see
//!   [`Class`]);
//! - **values**: the values of every text and JSON column (arrays and
//!   domains included) are scanned for email addresses, phone numbers, IP
//!   addresses (v4 and v6) and card-like numbers (13 to 19 digits passing
//!   Luhn), inside JSON strings, keys and numbers too, and JSON keys are
//!   matched against the hints. A finding names the pattern, never the
//!   value.
//!
//! The value detectors prefer false positives to leaks, but stay quiet on
//! the usual neighbours of personal data:
//!
//! - dates (`2024-01-15`, `15.01.2024`), times (`10:30:00`), UUIDs, year
//!   ranges (`2023-2024`), decimals and plain numbers are not phone numbers;
//!   a bare run of digits is one only when it starts with `0` (a trunk or
//!   international prefix) or `+`, so epoch timestamps such as
//!   `1700000000000` pass;
//! - `1.2.3` and `1.2.3.4.5` are not IP addresses, nor is `v1.2.3.4`; a bare
//!   `1.2.3.4` is (a four-part version string cannot be told from an
//!   address, so it is flagged);
//! - a 13–19 digit number is card-like only when it passes the Luhn check
//!   and is not one repeated digit;
//! - obfuscated addresses (`jo [at] example [dot] com`) and names inside
//!   free text are not detected by value: free-text columns are caught by
//!   their names (`bio`, `notes`, `comment`, …).

use std::collections::{BTreeMap, BTreeSet};

use super::hints::{Hint, Match, PII_HINTS};
use crate::engine::rows::Value;
use crate::engine::schema::{ColumnType, Scalar, TypeKind};

/// What a name hint or a type suggests a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    PersonName,
    Email,
    Phone,
    Contact,
    Address,
    Birth,
    Identity,
    Network,
    Sensitive,
    Location,
    Money,
    Secret,
    Social,
    Photo,
    Link,
    FreeText,
    Blob,
}

impl Kind {
    /// How a refusal says it: "name looks like {describe}".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::PersonName => "a person's name or login",
            Kind::Email => "an email address",
            Kind::Phone => "a phone number or messenger account",
            Kind::Contact => "contact details",
            Kind::Address => "a postal address",
            Kind::Birth => "a birth date or age",
            Kind::Identity => "an identity document, tax, bank or card number",
            Kind::Network => "a network address or device identifier",
            Kind::Sensitive => "sensitive personal data such as gender, health, origin or beliefs",
            Kind::Location => "a location",
            Kind::Money => "a person's income",
            Kind::Secret => "a secret or credential",
            Kind::Social => "a social-media account",
            Kind::Photo => "a photo, image or file",
            Kind::Link => "a link",
            Kind::FreeText => "free text",
            Kind::Blob => "unstructured data",
        }
    }
}

/// What a column's type can hold, which decides the hints that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Text, JSON, and any type this module does not know: every hint.
    TextLike,
    /// Numbers can be phone, card, zip or account numbers, ages,
    /// coordinates, PINs, incomes, or coded sensitive data.
    Number,
    /// Dates, times and timestamps: only birth dates.
    Temporal,
    /// A bit: only sensitive facts (`is_male`, `has_diabetes`).
    Bool,
    /// Labels fixed by the schema (visible in schema.rs anyway): only which
    /// label a person has when that is sensitive, a place, or an age band.
    Enum,
    /// A random key carries nothing personal.
    Uuid,
    /// Binary data: always needs a rule (and every hint counts).
    Binary,
}

impl Class {
    /// The class of a (resolved) column type; an array has its element's.
    pub fn of(kind: &TypeKind) -> Class {
        match kind.scalar() {
            Scalar::Text | Scalar::Json | Scalar::Jsonb | Scalar::Inet | Scalar::Macaddr => {
                Class::TextLike
            }
            Scalar::Int2
            | Scalar::Int4
            | Scalar::Int8
            | Scalar::Numeric
            | Scalar::BigNumeric
            | Scalar::Float4
            | Scalar::Float8
            | Scalar::Bits
            | Scalar::Point => Class::Number,
            Scalar::Date | Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz => {
                Class::Temporal
            }
            Scalar::Bool => Class::Bool,
            Scalar::Uuid => Class::Uuid,
            Scalar::Enum(_) => Class::Enum,
            Scalar::Bytea => Class::Binary,
            Scalar::Range(inner) => Class::of(&TypeKind::Scalar((**inner).clone())),
            Scalar::TextForm(name) | Scalar::Unsupported(name) => match base_name(name) {
                "bytea" => Class::Binary,
                "float4" | "float8" | "money" | "oid" | "bit" | "varbit" => Class::Number,
                "interval" | "timetz" => Class::Temporal,
                _ => Class::TextLike,
            },
        }
    }

    /// Whether a hint of `kind` counts for a column of this class.
    pub fn admits(self, kind: Kind) -> bool {
        use Kind::*;
        match self {
            Class::TextLike | Class::Binary => true,
            Class::Number => matches!(
                kind,
                Phone
                    | Contact
                    | Address
                    | Birth
                    | Identity
                    | Network
                    | Sensitive
                    | Location
                    | Money
                    | Secret
            ),
            Class::Temporal => kind == Birth,
            Class::Bool => kind == Sensitive,
            Class::Enum => matches!(kind, Sensitive | Address | Birth),
            Class::Uuid => false,
        }
    }
}

/// `public.citext` → `citext`.
fn base_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Splits an identifier into lower-case words: at every character that is
/// not a letter or digit, between a lower-case and an upper-case letter,
/// before the last capital of a run followed by lower case (`HTTPServer` →
/// http, server; an acronym's plural stays whole: `IPs` → ips), and between
/// letters and digits.
pub fn split_name(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            let plural_of_acronym = next == Some('s') && !after.is_some_and(|a| a.is_lowercase());
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphabetic() != c.is_alphabetic())
                || (prev.is_uppercase()
                    && c.is_uppercase()
                    && next.is_some_and(|n| n.is_lowercase())
                    && !plural_of_acronym);
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `word`, or a plural of it.
fn is_word_or_plural(token: &str, word: &str) -> bool {
    token == word
        || token.strip_suffix('s') == Some(word)
        || token.strip_suffix("es") == Some(word)
        || word
            .strip_suffix('y')
            .is_some_and(|stem| token.strip_suffix("ies") == Some(stem))
}

/// Whether `hint` matches the words of a name.
fn hint_matches(words: &[String], hint: &Hint) -> bool {
    match hint.how {
        Match::Word if hint.word.contains(' ') => {
            // A phrase matches consecutive words or their concatenation
            // (`national id`: national_id, NationalID, nationalid).
            let parts: Vec<&str> = hint.word.split(' ').collect();
            let joined = parts.concat();
            words.iter().any(|w| is_word_or_plural(w, &joined))
                || words.windows(parts.len()).any(|win| {
                    let (last, init) = parts.split_last().expect("a phrase has words");
                    win[..init.len()].iter().zip(init).all(|(w, p)| w == p)
                        && is_word_or_plural(&win[init.len()], last)
                })
        }
        Match::Word => words.iter().any(|w| is_word_or_plural(w, hint.word)),
        Match::Part => words.iter().any(|w| w.contains(hint.word)),
        Match::Suffix => words.iter().any(|w| {
            w.ends_with(hint.word) || w.strip_suffix('s').is_some_and(|s| s.ends_with(hint.word))
        }),
    }
}

/// The kinds of personal data an identifier's words suggest, each with the
/// first hint word that suggested it, restricted to what `class` can hold.
pub fn name_kinds(name: &str, class: Class) -> BTreeMap<Kind, &'static str> {
    let words = split_name(name);
    let mut kinds = BTreeMap::new();
    for hint in PII_HINTS {
        if class.admits(hint.kind) && !kinds.contains_key(&hint.kind) && hint_matches(&words, hint)
        {
            kinds.insert(hint.kind, hint.word);
        }
    }
    kinds
}

/// Built-in type names as `format_type` prints them, without modifiers.
const BUILTIN_TYPES: &[&str] = &[
    "text",
    "character varying",
    "character",
    "varchar",
    "char",
    "\"char\"",
    "bpchar",
    "name",
    "citext",
    "uuid",
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
    "money",
    "boolean",
    "date",
    "time without time zone",
    "time with time zone",
    "timestamp without time zone",
    "timestamp with time zone",
    "interval",
    "json",
    "jsonb",
    "bytea",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "xml",
    "tsvector",
    "tsquery",
    "oid",
    "bit",
    "bit varying",
];

/// A display type name without `[]` and `(…)` modifiers:
/// `time(3) without time zone[]` → `time without time zone`.
fn strip_modifiers(display: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in display.trim_end_matches("[]").chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the declared type is one the user named (a domain, an enum, an
/// extension's type): its name is then matched against the hints too.
fn is_user_named(ty: &ColumnType) -> bool {
    !BUILTIN_TYPES.contains(&strip_modifiers(&ty.name).as_str())
}

/// PostgreSQL's name for a resolved scalar.
fn scalar_display(s: &Scalar) -> &str {
    match s {
        Scalar::Bool => "boolean",
        Scalar::Int2 => "smallint",
        Scalar::Int4 => "integer",
        Scalar::Int8 => "bigint",
        Scalar::Numeric => "numeric",
        Scalar::Text => "text",
        Scalar::Uuid => "uuid",
        Scalar::Timestamptz => "timestamp with time zone",
        Scalar::Timestamp => "timestamp without time zone",
        Scalar::Date => "date",
        Scalar::Time => "time without time zone",
        Scalar::Jsonb => "jsonb",
        Scalar::Json => "json",
        Scalar::BigNumeric => "numeric",
        Scalar::Float4 => "real",
        Scalar::Float8 => "double precision",
        Scalar::Bytea => "bytea",
        Scalar::Inet => "inet",
        Scalar::Macaddr => "macaddr",
        Scalar::Bits => "bit varying",
        Scalar::Point => "point",
        Scalar::Range(_) => "range",
        Scalar::Enum(name) | Scalar::TextForm(name) | Scalar::Unsupported(name) => name,
    }
}

/// The base type when the declared type is a domain: `text`, `text[]`.
pub fn domain_base(ty: &ColumnType) -> Option<String> {
    if !is_user_named(ty) {
        return None;
    }
    // `format_type` may qualify (`ext.citext`) or quote (`"Gender"`) it.
    let declared = ty.name.trim_end_matches("[]");
    let unqualified = base_name(declared).trim_matches('"');
    let scalar = ty.kind.scalar();
    match scalar {
        Scalar::Enum(n) | Scalar::TextForm(n) | Scalar::Unsupported(n)
            if base_name(n) == unqualified =>
        {
            return None
        }
        _ => {}
    }
    let array = matches!(ty.kind, TypeKind::Array(_)) && !ty.name.ends_with("[]");
    Some(format!(
        "{}{}",
        scalar_display(scalar),
        if array { "[]" } else { "" }
    ))
}

/// Why a column's type alone needs a rule, if it does.
fn type_reason(kind: &TypeKind) -> Option<String> {
    let base = match kind.scalar() {
        Scalar::TextForm(name) | Scalar::Unsupported(name) => base_name(name),
        scalar => scalar_display(scalar),
    };
    let holds = match base {
        "bytea" => "binary data: a photo, a scan or a document",
        "inet" | "cidr" => "IP addresses",
        "macaddr" | "macaddr8" => "device (MAC) addresses",
        "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle" | "geometry"
        | "geography" => "a location or a shape on a map",
        "xml" | "tsvector" | "hstore" => "free-form text",
        _ => return None,
    };
    Some(format!("type {base} holds {holds}"))
}

/// Why a column needs a rule, judged by its name and type alone.
pub fn column_reasons(column: &str, ty: &ColumnType) -> Vec<String> {
    let class = Class::of(&ty.kind);
    let mut reasons: Vec<String> = name_kinds(column, class)
        .into_iter()
        .map(|(kind, word)| format!("name looks like {} ({word})", kind.describe()))
        .collect();
    if is_user_named(ty) {
        let declared = ty.name.trim_end_matches("[]");
        reasons.extend(
            name_kinds(declared, class)
                .into_iter()
                .map(|(kind, word)| format!("type name looks like {} ({word})", kind.describe())),
        );
    }
    reasons.extend(type_reason(&ty.kind));
    reasons
}

/// Whether a column's values are scanned: text and JSON, in arrays and
/// domains too, and the text-like types of extensions.
pub fn samples_values(kind: &TypeKind) -> bool {
    match kind.scalar() {
        Scalar::Text | Scalar::Json | Scalar::Jsonb => true,
        Scalar::TextForm(name) | Scalar::Unsupported(name) => {
            matches!(base_name(name), "citext" | "xml" | "hstore")
        }
        _ => false,
    }
}

/// A kind of personal value recognised inside text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    Email,
    Phone,
    Ip,
    Card,
}

impl Pattern {
    /// All of them, in report order.
    pub const ALL: [Pattern; 4] = [Pattern::Email, Pattern::Phone, Pattern::Ip, Pattern::Card];

    /// "values contain {plural}".
    pub fn plural(self) -> &'static str {
        match self {
            Pattern::Email => "email addresses",
            Pattern::Phone => "phone numbers",
            Pattern::Ip => "IP addresses",
            Pattern::Card => "card numbers",
        }
    }
}

/// What the values of one column gave away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFindings {
    /// Patterns seen in the values.
    pub patterns: BTreeSet<Pattern>,
    /// Kinds suggested by JSON keys, with the hint word.
    pub json_keys: BTreeMap<Kind, &'static str>,
}

impl ValueFindings {
    /// Scans every value (stopping early once every pattern was seen).
    pub fn scan<'a>(values: impl IntoIterator<Item = &'a Value>) -> ValueFindings {
        let mut f = ValueFindings::default();
        for v in values {
            if f.patterns.len() == Pattern::ALL.len() {
                break;
            }
            f.add(v);
        }
        f
    }

    /// Scans one value.
    pub fn add(&mut self, value: &Value) {
        match value {
            Value::Text(s) => patterns_in_text(s, &mut self.patterns),
            Value::Json(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(json) => self.add_json(&json),
                Err(_) => patterns_in_text(s, &mut self.patterns),
            },
            Value::TextForm(s) => patterns_in_text(s, &mut self.patterns),
            Value::Array(items) | Value::NdArray(_, items) => {
                items.iter().for_each(|v| self.add(v))
            }
            _ => {}
        }
    }

    fn add_json(&mut self, v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => patterns_in_text(s, &mut self.patterns),
            serde_json::Value::Number(n) => patterns_in_text(&n.to_string(), &mut self.patterns),
            serde_json::Value::Array(items) => items.iter().for_each(|x| self.add_json(x)),
            serde_json::Value::Object(map) => {
                for (key, x) in map {
                    patterns_in_text(key, &mut self.patterns);
                    for (kind, word) in name_kinds(key, Class::TextLike) {
                        if counts_as_json_key(kind, word) {
                            self.json_keys.entry(kind).or_insert(word);
                        }
                    }
                    self.add_json(x);
                }
            }
            _ => {}
        }
    }

    /// The refusal's reasons: one for the patterns, one per key kind.
    pub fn reasons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.patterns.is_empty() {
            let seen: Vec<&str> = self.patterns.iter().map(|p| p.plural()).collect();
            out.push(format!("values contain {}", seen.join(", ")));
        }
        out.extend(
            self.json_keys
                .iter()
                .map(|(kind, word)| format!("JSON keys look like {} ({word})", kind.describe())),
        );
        out
    }
}

/// JSON keys name fields of many documents that are not personal: only the
/// kinds that point at a person count, and not the generic `key` or `hash`.
fn counts_as_json_key(kind: Kind, word: &str) -> bool {
    !matches!(kind, Kind::FreeText | Kind::Link | Kind::Photo | Kind::Blob)
        && !matches!(word, "key" | "hash" | "salt" | "pass")
}

/// Adds the patterns seen in `text` to `out`.
pub fn patterns_in_text(text: &str, out: &mut BTreeSet<Pattern>) {
    // Only texts with the right characters can hold a pattern.
    let has_digit = text.bytes().any(|b| b.is_ascii_digit());
    if !has_digit && !text.contains('@') && !text.contains("::") {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    if has_email(&chars) {
        out.insert(Pattern::Email);
    }
    if has_ipv4(&chars) || has_ipv6(&chars) {
        out.insert(Pattern::Ip);
    }
    if has_digit {
        let masked = mask_dates_times_uuids(&chars);
        if has_phone(&masked) {
            out.insert(Pattern::Phone);
        }
        if has_card(&masked) {
            out.insert(Pattern::Card);
        }
    }
}

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// `local@domain.tld` with a top-level domain of two or more letters.
fn has_email(c: &[char]) -> bool {
    for (at, _) in c.iter().enumerate().filter(|(_, &ch)| ch == '@') {
        let mut start = at;
        while start > 0 && is_email_local(c[start - 1]) {
            start -= 1;
        }
        if !c[start..at].iter().any(|ch| ch.is_alphanumeric()) {
            continue;
        }
        let mut end = at + 1;
        while end < c.len() && is_email_domain(c[end]) {
            end += 1;
        }
        let domain: String = c[at + 1..end].iter().collect();
        let domain = domain.trim_end_matches(['.', '-']);
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_ok = labels.len() >= 2
            && labels
                .iter()
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        let tld = labels.last().copied().unwrap_or_default();
        if labels_ok && tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic) {
            return true;
        }
    }
    false
}

/// Four decimal parts of at most 255, not inside a longer dotted run and
/// not glued to a letter (`v1.2.3.4` is a version).
fn has_ipv4(c: &[char]) -> bool {
    let n = c.len();
    for i in 0..n {
        if !c[i].is_ascii_digit() || (i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '.')) {
            continue;
        }
        let mut j = i;
        let mut parts = 0;
        let ok = loop {
            let start = j;
            while j < n && c[j].is_ascii_digit() && j - start < 4 {
                j += 1;
            }
            let len = j - start;
            let value: u32 = c[start..j]
                .iter()
                .collect::<String>()
                .parse()
                .unwrap_or(999);
            if len == 0 || len > 3 || value > 255 {
                break false;
            }
            parts += 1;
            if parts == 4 {
                break true;
            }
            if j < n && c[j] == '.' {
                j += 1;
            } else {
                break false;
            }
        };
        let glued = |k: usize| {
            c.get(k).is_some_and(|ch| ch.is_alphanumeric())
                || (c.get(k) == Some(&'.') && c.get(k + 1).is_some_and(|ch| ch.is_ascii_digit()))
        };
        if ok && !glued(j) {
            return true;
        }
    }
    false
}

/// Hex groups separated by colons: eight, or fewer around one `::`; the
/// last may be an IPv4 address. At least two groups, so `a::b`-like
/// tokens glued to words (`std::fs`) are not taken.
fn has_ipv6(c: &[char]) -> bool {
    let n = c.len();
    let mut i = 0;
    while i < n {
        let in_token = |ch: char| ch.is_ascii_hexdigit() || ch == ':' || ch == '.';
        let starts = in_token(c[i])
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == ':' || c[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && in_token(c[j]) {
            j += 1;
        }
        let glued = j < n && c[j].is_alphanumeric();
        let token: String = c[i..j].iter().collect();
        if !glued && is_ipv6(token.trim_end_matches('.')) {
            return true;
        }
        i = j.max(i + 1);
    }
    false
}

fn is_ipv6(token: &str) -> bool {
    if token.matches(':').count() < 2 || token.contains(":::") {
        return false;
    }
    let halves: Vec<&str> = token.split("::").collect();
    if halves.len() > 2 {
        return false;
    }
    let groups: Vec<&str> = halves
        .iter()
        .flat_map(|h| h.split(':'))
        .filter(|g| !g.is_empty())
        .collect();
    // Every `:` between groups of one half separates two non-empty groups.
    if halves
        .iter()
        .any(|h| !h.is_empty() && h.split(':').any(str::is_empty))
    {
        return false;
    }
    let mut count = 0;
    for (k, g) in groups.iter().enumerate() {
        if g.contains('.') {
            let last = k + 1 == groups.len();
            if !last || !has_ipv4(&g.chars().collect::<Vec<_>>()) || g.split('.').count() != 4 {
                return false;
            }
            count += 2;
        } else if g.len() <= 4 && g.chars().all(|ch| ch.is_ascii_hexdigit()) {
            count += 1;
        } else {
            return false;
        }
    }
    let compressed = halves.len() == 2;
    groups.len() >= 2 && if compressed { count <= 7 } else { count == 8 }
}

/// Replaces dates, times and UUIDs with `#`, so their digits are not read
/// as phone or card numbers.
fn mask_dates_times_uuids(c: &[char]) -> Vec<char> {
    let mut out = c.to_vec();
    let mut i = 0;
    while i < c.len() {
        let len = match_uuid(c, i)
            .or_else(|| match_date(c, i))
            .or_else(|| match_time(c, i));
        match len {
            Some(len) => {
                out[i..i + len].iter_mut().for_each(|ch| *ch = '#');
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

/// Length of a run of `min..=max` characters satisfying `f` at `i`.
fn run(c: &[char], i: usize, min: usize, max: usize, f: impl Fn(char) -> bool) -> Option<usize> {
    let len = c[i.min(c.len())..]
        .iter()
        .take(max)
        .take_while(|&&ch| f(ch))
        .count();
    (len >= min).then_some(len)
}

fn match_uuid(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '-') {
        return None;
    }
    let mut j = i;
    for (k, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if k > 0 {
            if c.get(j) != Some(&'-') {
                return None;
            }
            j += 1;
        }
        if run(c, j, len, len, |ch| ch.is_ascii_hexdigit())? != len {
            return None;
        }
        j += len;
    }
    let glued = c
        .get(j)
        .is_some_and(|ch| ch.is_alphanumeric() || *ch == '-');
    (!glued).then_some(j - i)
}

/// `2024-01-15`, `2024/1/5`, `15.01.2024`, `1-5-2024`: a four-digit year
/// first or last, one separator kind.
fn match_date(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && c[i - 1].is_ascii_digit() {
        return None;
    }
    let digits = |j: usize, min: usize, max: usize| run(c, j, min, max, |ch| ch.is_ascii_digit());
    let first = digits(i, 1, 4)?;
    let sep = *c.get(i + first)?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let second = digits(i + first + 1, 1, 2)?;
    let j = i + first + 1 + second;
    if c.get(j) != Some(&sep) {
        return None;
    }
    let third = digits(j + 1, 1, 4)?;
    let end = j + 1 + third;
    let year_first = first == 4 && third <= 2;
    let year_last = first <= 2 && third == 4;
    let glued = c.get(end).is_some_and(|ch| ch.is_ascii_digit());
    ((year_first || year_last) && !glued).then_some(end - i)
}

/// `10:30`, `10:30:00`, `10:30:00.123`.
fn match_time(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && (c[i - 1].is_ascii_digit() || c[i - 1] == ':') {
        return None;
    }
    let digits = |j: usize, min: usize, max: usize| run(c, j, min, max, |ch| ch.is_ascii_digit());
    let hours = digits(i, 1, 2)?;
    let mut j = i + hours;
    for _ in 0..2 {
        if c.get(j) == Some(&':') && digits(j + 1, 2, 2) == Some(2) {
            j += 3;
        } else {
            break;
        }
    }
    if j == i + hours {
        return None;
    }
    if matches!(c.get(j), Some('.' | ',')) {
        if let Some(frac) = digits(j + 1, 1, 9) {
            j += 1 + frac;
        }
    }
    let glued = c.get(j).is_some_and(|ch| ch.is_ascii_digit() || *ch == ':');
    (!glued).then_some(j - i)
}

/// A character before a phone number that makes it part of something else
/// (a word, a decimal, a path, an address, a masked date).
fn glues_before_phone(p: char) -> bool {
    p.is_alphanumeric() || matches!(p, '.' | ',' | '/' | '\\' | '@' | '#')
}

/// A character before a card number that makes it part of a word or a
/// decimal (`ref-4111…` and `card_4111…` are still cards).
fn glues_before_card(p: char) -> bool {
    p.is_alphanumeric() || matches!(p, '.' | ',')
}

/// A number written with digits and separators: the digit groups, the
/// separator characters seen, whether it began with `+`, and where it ends.
struct NumberRun {
    groups: Vec<String>,
    seps: BTreeSet<char>,
    plus: bool,
    end: usize,
}

/// Reads a number at `i` whose groups are separated by runs of up to three
/// characters from `seps`.
fn read_number(c: &[char], i: usize, seps: &[char]) -> Option<NumberRun> {
    let mut j = i;
    let plus = c.get(j) == Some(&'+');
    if plus {
        j += 1;
    }
    let mut run = NumberRun {
        groups: Vec::new(),
        seps: BTreeSet::new(),
        plus,
        end: j,
    };
    let mut pending: Vec<char> = Vec::new();
    while j < c.len() {
        let ch = c[j];
        if ch.is_ascii_digit() {
            if !pending.is_empty() || run.groups.is_empty() {
                run.seps.extend(pending.drain(..));
                run.groups.push(String::new());
            }
            run.groups.last_mut().expect("a group").push(ch);
            j += 1;
            run.end = j;
        } else if seps.contains(&ch) && pending.len() < 3 {
            pending.push(ch);
            j += 1;
        } else {
            break;
        }
    }
    (!run.groups.is_empty()).then_some(run)
}

fn has_phone(c: &[char]) -> bool {
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next_digit = c
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_digit() || *n == '(');
        let starts = ch.is_ascii_digit() || (matches!(ch, '+' | '(') && next_digit);
        if !starts || (i > 0 && glues_before_phone(c[i - 1])) {
            i += 1;
            continue;
        }
        let Some(run) = read_number(c, i, &[' ', '-', '.', '(', ')']) else {
            i += 1;
            continue;
        };
        let glued_after = c.get(run.end).is_some_and(|ch| ch.is_alphanumeric());
        if !glued_after && looks_like_phone(&run, ch == '(') {
            return true;
        }
        i = run.end.max(i + 1);
    }
    false
}

fn looks_like_phone(run: &NumberRun, starts_with_paren: bool) -> bool {
    let sizes: Vec<usize> = run.groups.iter().map(String::len).collect();
    let digits: usize = sizes.iter().sum();
    if !(7..=15).contains(&digits) {
        return false;
    }
    if sizes.len() == 1 {
        return (run.plus && digits >= 8) || (run.groups[0].starts_with('0') && digits >= 10);
    }
    // `978-3-16-148410-0` (an ISBN) and `1.2.3` have one-digit groups.
    if sizes[1..].iter().any(|&s| s < 2) {
        return false;
    }
    if run.plus || starts_with_paren || run.seps.contains(&'(') {
        return true;
    }
    let is_year =
        |g: &str| g.len() == 4 && g.parse::<u32>().is_ok_and(|y| (1900..=2100).contains(&y));
    if sizes.len() == 2 && is_year(&run.groups[0]) && is_year(&run.groups[1]) {
        return false; // 2023-2024
    }
    if run.seps.iter().all(|&s| s == '.') {
        // Dotted: not an IPv4 address, and long enough not to be a version.
        let ip_like = sizes.len() == 4 && sizes.iter().all(|&s| s <= 3);
        return sizes.len() >= 3 && digits >= 10 && !ip_like;
    }
    digits >= 8
}

fn has_card(c: &[char]) -> bool {
    let mut i = 0;
    while i < c.len() {
        if !c[i].is_ascii_digit() || (i > 0 && glues_before_card(c[i - 1])) {
            i += 1;
            continue;
        }
        let Some(run) = read_number(c, i, &[' ', '-']) else {
            i += 1;
            continue;
        };
        // One separator at a time between groups (`4111 1111 …`).
        let digits: String = run.groups.concat();
        let glued_after = c.get(run.end).is_some_and(|ch| ch.is_alphanumeric());
        if !glued_after && is_card_number(&digits) {
            return true;
        }
        i = run.end.max(i + 1);
    }
    false
}

/// 13 to 19 digits, not one repeated digit, passing the Luhn check.
pub fn is_card_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if !(13..=19).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if bytes.iter().all(|&b| b == bytes[0]) {
        return false;
    }
    let sum: u32 = bytes
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(text: &str) -> Vec<Pattern> {
        let mut out = BTreeSet::new();
        patterns_in_text(text, &mut out);
        out.into_iter().collect()
    }

    fn kinds(name: &str, class: Class) -> Vec<Kind> {
        name_kinds(name, class).into_keys().collect()
    }

    #[test]
    fn names_split_case_insensitively_and_camel_case_aware() {
        let cases: &[(&str, &[&str])] = &[
            ("PhoneNumber", &["phone", "number"]),
            ("Email2", &["email", "2"]),
            ("homeAddr", &["home", "addr"]),
            ("home_addr", &["home", "addr"]),
            ("HTTPServer", &["http", "server"]),
            ("userIPs", &["user", "ips"]),
            ("URLsFor", &["urls", "for"]),
            ("DOB", &["dob"]),
            ("date_of_birth", &["date", "of", "birth"]),
            ("eMailAddr", &["e", "mail", "addr"]),
            ("ipv4-address", &["ipv", "4", "address"]),
            ("  Spaced Out ", &["spaced", "out"]),
            ("ÉcoleNom", &["école", "nom"]),
        ];
        for (name, want) in cases {
            assert_eq!(split_name(name), *want, "{name}");
        }
    }

    #[test]
    fn name_hints_catch_the_red_team_spellings() {
        use Kind::*;
        let t = Class::TextLike;
        let cases: &[(&str, Kind)] = &[
            ("telephone", Phone),
            ("surname", PersonName),
            ("fullname", PersonName),
            ("username", PersonName),
            ("UserName", PersonName),
            ("nickname", PersonName),
            ("login", PersonName),
            ("home_addr", Address),
            ("homeAddr", Address),
            ("whatsapp", Phone),
            ("national_id", Identity),
            ("NationalID", Identity),
            ("bio", FreeText),
            ("PhoneNumber", Phone),
            ("Email2", Email),
            ("e_mail", Email),
            ("userIPs", Network),
            ("passport_no", Identity),
            ("cardNumber", Identity),
            ("avatar_url", Photo),
            ("zipcode", Address),
            ("Notes", FreeText),
            ("cities", Address),
            ("api_token", Secret),
            ("pwd", Secret),
        ];
        for (name, kind) in cases {
            assert!(
                kinds(name, t).contains(kind),
                "{name}: {:?}",
                kinds(name, t)
            );
        }
    }

    #[test]
    fn name_hints_depend_on_what_the_type_can_hold() {
        use Kind::*;
        assert_eq!(kinds("date_of_birth", Class::Temporal), [Birth]);
        assert_eq!(kinds("DOB", Class::Temporal), [Birth]);
        assert!(kinds("email_sent_at", Class::Temporal).is_empty());
        assert!(kinds("last_login", Class::Temporal).is_empty());
        assert!(kinds("email_verified", Class::Bool).is_empty());
        assert_eq!(kinds("gender", Class::Bool), [Sensitive]);
        assert!(kinds("user_email_id", Class::Uuid).is_empty());
        assert_eq!(kinds("age", Class::Number), [Birth]);
        assert_eq!(kinds("ZIP", Class::Number), [Address]);
        assert!(kinds("note_type", Class::Enum).is_empty());
        assert!(kinds("meeting_link_type", Class::Enum).is_empty());
        assert_eq!(kinds("gender", Class::Enum), [Sensitive]);
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "id",
            "created_at",
            "status",
            "grade",
            "subject",
            "cost",
            "day_of_week",
            "start_time",
            "lesson_index",
            "timezone",
            "currency",
            "privileges",
            "availability_type",
            "is_first_sign_in",
            "participant_ids",
            "page",
            "usage",
            "stage",
            "tip",
        ] {
            assert!(
                kinds(name, Class::TextLike).is_empty(),
                "{name}: {:?}",
                kinds(name, Class::TextLike)
            );
        }
    }

    #[test]
    fn emails_are_seen_and_look_alikes_are_not() {
        for yes in [
            "a@b.example",
            "write to Jo.Doe+tag@mail.example.org.",
            "<x_y@sub-domain.example>",
        ] {
            assert_eq!(patterns(yes), [Pattern::Email], "{yes}");
        }
        for no in [
            "@handle",
            "user@localhost",
            "a@b",
            "x@1.2.3.4x",
            "50% @ noon",
        ] {
            assert!(!patterns(no).contains(&Pattern::Email), "{no}");
        }
    }

    #[test]
    fn phones_are_seen_and_dates_times_uuids_and_numbers_are_not() {
        for yes in [
            "+20 100 123 4567",
            "call +1 (555) 123-4567 now",
            "(555) 123-4567",
            "555-123-4567",
            "555.123.4567",
            "0100-123-4567",
            "01012345678",
            "+201001234567",
            "tel:+44 20 7946 0958",
            "0049 30 1234567",
            "id-01012345678",
            "123-45-6789",
        ] {
            assert!(patterns(yes).contains(&Pattern::Phone), "{yes}");
        }
        for no in [
            "2024-01-15",
            "2024-01-15 10:30:00",
            "2024-01-15T10:30:00.123+02:00",
            "15.01.2024",
            "15-01-2024",
            "10:30",
            "123e4567-e89b-12d3-a456-426614174000",
            "12345",
            "3.14159",
            "1700000000",
            "1700000000000",
            "version 1.2.3",
            "2023-2024 season",
            "ISBN 978-3-16-148410-0",
            "1 250 000",
            "EGP 1500.50",
            "after 5pm",
            "order #12345678",
            "192.168.100.200",
        ] {
            assert!(!patterns(no).contains(&Pattern::Phone), "{no}");
        }
    }

    #[test]
    fn ip_addresses_are_seen_and_versions_are_not() {
        for yes in [
            "login from 203.0.113.7",
            "10.0.0.1",
            "peer fe80::1ff:fe23:4567:890a joined",
            "2001:db8:85a3:0:0:8a2e:370:7334",
            "::ffff:192.0.2.1",
            "[2001:db8::1]:443",
            // A bare four-part version string cannot be told from an
            // address; it is flagged.
            "1.2.3.4",
        ] {
            assert!(patterns(yes).contains(&Pattern::Ip), "{yes}");
        }
        for no in [
            "v1.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "10:30:00",
            "std::fs::read",
            "aa:bb:cc:dd:ee:ff",
            "Foo::Bar",
            "123e4567-e89b-12d3-a456-426614174000",
        ] {
            assert!(!patterns(no).contains(&Pattern::Ip), "{no}");
        }
    }

    #[test]
    fn card_numbers_pass_luhn_and_other_long_numbers_do_not() {
        for yes in [
            "4111111111111111",
            "paid with 4111 1111 1111 1111",
            "5555-5555-5555-4444",
            "378282246310005",
            "ref-4111111111111111",
            "card_4111111111111111",
            "{\"n\": 4111111111111111}",
        ] {
            assert!(patterns(yes).contains(&Pattern::Card), "{yes}");
        }
        for no in [
            "4111111111111112",
            "1234567890123",
            "1700000000000",
            "0000000000000000",
            "123456789012",
            "12345678901234567890",
            "123e4567-e89b-12d3-a456-426614174000",
        ] {
            assert!(!patterns(no).contains(&Pattern::Card), "{no}");
        }
        assert!(is_card_number("4012888888881881"));
        assert!(!is_card_number("4012888888881882"));
    }

    #[test]
    fn json_values_keys_and_arrays_are_scanned() {
        let f = ValueFindings::scan(&[
            Value::Json(r#"{"contact": "a@b.example"}"#.into()),
            Value::Json(r#"{"a": {"b": ["ring (555) 123-4567"]}}"#.into()),
            Value::Json(r#"{"n": 4111111111111111}"#.into()),
            Value::Array(vec![
                Value::Text("x".into()),
                Value::Text("10.1.2.3".into()),
            ]),
            Value::Json(r#"{"x@y.example": 1}"#.into()),
        ]);
        assert_eq!(f.patterns.iter().copied().collect::<Vec<_>>(), Pattern::ALL);
        assert_eq!(
            f.json_keys.keys().copied().collect::<Vec<_>>(),
            [Kind::Contact]
        );
        let reasons = f.reasons();
        assert_eq!(
            reasons[0],
            "values contain email addresses, phone numbers, IP addresses, card numbers"
        );
        let quiet = ValueFindings::scan(&[
            Value::Json(r#"{"key": "monday", "start": "10:30", "id": "123e4567-e89b-12d3-a456-426614174000"}"#.into()),
            Value::Text("release v1.2.3.4 at 2024-01-15 10:30:00".into()),
            Value::Int8(4111111111111111),
        ]);
        assert_eq!(quiet, ValueFindings::default());
    }

    #[test]
    fn types_alone_can_need_a_rule() {
        let ty = |name: &str, kind: TypeKind| ColumnType {
            name: name.into(),
            kind,
        };
        let bytea = ty("bytea", TypeKind::Scalar(Scalar::Bytea));
        assert_eq!(
            column_reasons("bytes_v1", &bytea),
            ["type bytea holds binary data: a photo, a scan or a document"]
        );
        let inet = ty("inet[]", TypeKind::Array(Scalar::Inet));
        assert_eq!(
            column_reasons("seen", &inet),
            ["type inet holds IP addresses"]
        );
        let domain = ty("email_address", TypeKind::Scalar(Scalar::Text));
        assert_eq!(domain_base(&domain).as_deref(), Some("text"));
        assert_eq!(
            column_reasons("contact_1", &domain),
            [
                "name looks like contact details (contact)",
                "type name looks like an email address (email)",
                "type name looks like a postal address (addr)",
            ]
        );
        let list = ty("list_t", TypeKind::Array(Scalar::Text));
        assert_eq!(domain_base(&list).as_deref(), Some("text[]"));
        let builtin = ty("character varying(255)", TypeKind::Scalar(Scalar::Text));
        assert_eq!(domain_base(&builtin), None);
        let e = ty(
            "notetypeenum",
            TypeKind::Scalar(Scalar::Enum("notetypeenum".into())),
        );
        assert_eq!(domain_base(&e), None);
        assert!(column_reasons("note_type", &e).is_empty());
        assert!(samples_values(&TypeKind::Array(Scalar::Jsonb)));
        assert!(samples_values(&TypeKind::Scalar(Scalar::Unsupported(
            "public.citext".into()
        ))));
        assert!(!samples_values(&TypeKind::Scalar(Scalar::Int8)));
    }
}
