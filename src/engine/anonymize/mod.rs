//! Deterministic anonymization of extracted rows.
//!
//! Every fake is a function of the salt, the kind of value and the source
//! value: the same person gets the same fake name in every table and in
//! every run, and a first name embedded in free text (a timetable slot
//! "Tuition: Math (Ali, Sara)", a legacy session `Tuition_Ali_Math_1`) is
//! replaced by the same fake as the `users.first_name` it came from. Fakes
//! come from a different name pool than realistic data usually uses and are
//! re-drawn when they equal any real value seen, so a fake never reproduces a
//! real name. Unique columns stay unique, and avoid the golden rows' keys.
//! The rules live in [`rules`]; [`check_coverage`] refuses an extraction
//! while any column that [`detect`] finds personal (by name, type or value)
//! has none.

pub mod detect;

use std::collections::{BTreeMap, BTreeSet};

use fake::faker::lorem::en::Sentence as LoremSentence;
use fake::faker::name::it_it::{FirstName as FakeFirst, LastName as FakeLast};
use fake::Fake;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::engine::rows::{Row, Value};
use crate::engine::schema::{Schema, Table};

/// The salt used when none is given: fakes are stable across runs.
pub const DEFAULT_SALT: &str = "et-testdb";
/// The password every extracted account gets, as upstream's pipeline did.
pub const TEST_PASSWORD: &str = "testtest";

/// What a rule does to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Kept as is; the text says why it is not personal.
    Keep(&'static str),
    FirstName,
    LastName,
    /// A unique fake address at example.com.
    Email,
    /// The bcrypt hash of `testtest` (fixed salt, so files are deterministic).
    PasswordHash,
    /// A fake plaintext password.
    Password,
    /// Free text → a lorem sentence.
    Sentence,
    /// A short free-text title (a note's name) → a few lorem words.
    Title,
    /// A link → an example.com URL.
    Url,
    /// A meeting URL: same provider, fake meeting id.
    MeetingLink,
    /// A meeting id → a fake one.
    MeetingId,
    /// A secret → a fake token.
    Secret,
    /// A date of birth → a fake date in the same decade.
    BirthDate,
    /// An external system's id → a fake one.
    ExternalId,
    /// A location → Cairo, with a fixed offset.
    Latitude,
    Longitude,
    /// Text with names in it: every known name is replaced by its fake.
    NamesInText,
    /// JSON whose strings have names in them: as [`Action::NamesInText`] for
    /// every string value.
    NamesInJson,
}

/// Anonymization errors.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    /// Columns that may hold personal data but have no rule, every one of
    /// them, each with why.
    #[error(
        "{} column(s) may hold personal data and have no anonymization rule; nothing was written:\n  {}\n\
         Review each and add a line for it to RULES in src/efficient_tutor/rules.rs: an anonymizing \
         action (see `Action` in src/engine/anonymize/mod.rs) if it holds personal data, or \
         `Keep(\"why it is not personal\")` if it does not. Then extract again.",
        findings.len(),
        findings.iter().map(Finding::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Uncovered { findings: Vec<Finding> },
    /// Rules for columns the schema does not have.
    #[error(
        "anonymization rules name columns the database does not have:\n  {}\n\
         Remove or rename them in src/efficient_tutor/rules.rs.",
        columns.join("\n  ")
    )]
    StaleRules { columns: Vec<String> },
    /// bcrypt failed (only on an invalid cost).
    #[error("bcrypt: {0}")]
    Bcrypt(#[from] bcrypt::BcryptError),
}

/// One column without a rule that looks personal, and why. It names the
/// kind of pattern a value matched, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: String,
    pub column: String,
    /// The declared type, and the base type when it is a domain:
    /// `text`, `neutral_t, a domain over text`.
    pub pg_type: String,
    /// `name looks like a phone number or messenger account (phone)`,
    /// `values contain email addresses`, …
    pub reasons: Vec<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{} ({}): {}",
            self.table,
            self.column,
            self.pg_type,
            self.reasons.join("; ")
        )
    }
}

/// The rule for `table.column`, if any.
pub fn rule_for(table: &str, column: &str) -> Option<Action> {
    crate::efficient_tutor::rules::RULES
        .iter()
        .find(|r| r.table == table && r.column == column)
        .map(|r| r.action)
}

/// Why `column` of `table` needs a rule, from its name, its type and the
/// `rows` read from it (none when the table's rows are not known).
pub fn column_finding(table: &Table, index: usize, rows: Option<&[Row]>) -> Option<Finding> {
    let c = &table.columns[index];
    let mut reasons = detect::column_reasons(&c.name, &c.ty);
    if let Some(rows) = rows.filter(|_| detect::samples_values(&c.ty.kind)) {
        reasons
            .extend(detect::ValueFindings::scan(rows.iter().map(|r| &r.values[index])).reasons());
    }
    if reasons.is_empty() {
        return None;
    }
    let pg_type = match detect::domain_base(&c.ty) {
        Some(base) => format!("{}, a domain over {base}", c.ty.name),
        None => c.ty.name.clone(),
    };
    Some(Finding {
        table: table.name.clone(),
        column: c.name.clone(),
        pg_type,
        reasons,
    })
}

/// Fails when a column without a rule looks personal by its name, its type
/// or the values in `rows` (table → rows read, in column order), listing
/// every such column at once; or when a rule names a column that does not
/// exist. Run it after reading and before writing anything.
pub fn check_coverage(
    schema: &Schema,
    rows: &BTreeMap<String, Vec<Row>>,
) -> Result<(), AnonymizeError> {
    let findings: Vec<Finding> = schema
        .tables
        .values()
        .flat_map(|t| {
            let read = rows.get(&t.name).map(Vec::as_slice);
            (0..t.columns.len())
                .filter(|&i| rule_for(&t.name, &t.columns[i].name).is_none())
                .filter_map(move |i| column_finding(t, i, read))
        })
        .collect();
    if !findings.is_empty() {
        return Err(AnonymizeError::Uncovered { findings });
    }
    let existing: BTreeSet<(&str, &str)> = schema
        .tables
        .values()
        .flat_map(|t| t.columns.iter().map(|c| (t.name.as_str(), c.name.as_str())))
        .collect();
    let stale: Vec<String> = crate::efficient_tutor::rules::RULES
        .iter()
        .filter(|r| !existing.contains(&(r.table, r.column)))
        .map(|r| format!("{}.{}", r.table, r.column))
        .collect();
    if !stale.is_empty() {
        return Err(AnonymizeError::StaleRules { columns: stale });
    }
    Ok(())
}

/// The anonymizer: deterministic, stateful only to keep unique columns
/// unique and to know the real names it must replace and never reproduce.
pub struct Anonymizer {
    salt: String,
    password_hash: String,
    /// Real first and last names → their fakes, longest first when replacing.
    names: BTreeMap<String, String>,
    /// The same, keyed by the lower-cased real name.
    names_lower: BTreeMap<String, String>,
    /// Every real value seen in a name or email column (fakes avoid them).
    real_values: BTreeSet<String>,
    /// Values already issued per unique column, and golden keys to avoid.
    taken: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Anonymizer {
    /// A new anonymizer; `bcrypt_cost` is the cost of the one `testtest` hash.
    pub fn new(salt: &str, bcrypt_cost: u32) -> Result<Anonymizer, AnonymizeError> {
        // A fixed bcrypt salt derived from ours keeps generated files
        // byte-identical between runs; the hash still verifies normally.
        let digest = Sha256::digest(format!("{salt}\0bcrypt-salt").as_bytes());
        let mut bsalt = [0u8; 16];
        bsalt.copy_from_slice(&digest[..16]);
        let password_hash = bcrypt::hash_with_salt(TEST_PASSWORD, bcrypt_cost, bsalt)?
            .format_for_version(bcrypt::Version::TwoB);
        Ok(Anonymizer {
            salt: salt.to_string(),
            password_hash,
            names: BTreeMap::new(),
            names_lower: BTreeMap::new(),
            real_values: BTreeSet::new(),
            taken: BTreeMap::new(),
        })
    }

    /// The hash every password becomes.
    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }

    /// Reserves golden unique-key values, so no fake collides with them.
    pub fn reserve(&mut self, table: &str, column: &str, value: &str) {
        self.taken
            .entry((table.to_string(), column.to_string()))
            .or_default()
            .insert(value.to_ascii_lowercase());
    }

    /// Learns the real first and last names (and emails) before any row is
    /// anonymized, so names embedded in text anywhere can be replaced and no
    /// fake reproduces a real value.
    pub fn learn(&mut self, first_names: &[&str], last_names: &[&str], emails: &[&str]) {
        for v in first_names.iter().chain(last_names).chain(emails) {
            self.real_values.insert(v.to_ascii_lowercase());
        }
        for n in first_names {
            if n.chars().count() >= 2 {
                let fake = self.fake_name(n, true);
                self.names.insert(n.to_string(), fake);
            }
        }
        for n in last_names {
            if n.chars().count() >= 2 && !self.names.contains_key(*n) {
                let fake = self.fake_name(n, false);
                self.names.insert(n.to_string(), fake);
            }
        }
        self.names_lower = self
            .names
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect();
    }

    fn rng(&self, kind: &str, value: &str, attempt: u32) -> ChaCha8Rng {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update([0]);
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        h.update(attempt.to_le_bytes());
        ChaCha8Rng::from_seed(h.finalize().into())
    }

    /// A fake name for a real one: the same input always gives the same
    /// output, and it is never a real name we have seen.
    fn fake_name(&self, real: &str, first: bool) -> String {
        let kind = if first { "first" } else { "last" };
        for attempt in 0.. {
            let mut rng = self.rng(kind, real, attempt);
            let fake: String = if first {
                FakeFirst().fake_with_rng(&mut rng)
            } else {
                FakeLast().fake_with_rng(&mut rng)
            };
            let clash = self.real_values.contains(&fake.to_ascii_lowercase());
            if !clash || attempt > 50 {
                // After many clashes, make it unmistakably synthetic.
                return if clash {
                    format!("{fake}{}", rng.random_range(10..99))
                } else {
                    fake
                };
            }
        }
        unreachable!()
    }

    /// The fake for one value of `table.column`.
    pub fn apply(&mut self, table: &str, column: &str, action: Action, value: &Value) -> Value {
        let text = match value {
            Value::Null => return Value::Null,
            Value::Text(s) | Value::Json(s) => s.as_str(),
            Value::Date(d) if action == Action::BirthDate => {
                return Value::Date(self.birth_date(*d));
            }
            Value::Numeric(n) if matches!(action, Action::Latitude | Action::Longitude) => {
                return Value::Numeric(self.coordinate(action, n));
            }
            other => return other.clone(),
        };
        let out = match action {
            Action::Keep(_) => return value.clone(),
            Action::FirstName => self
                .names
                .get(text)
                .cloned()
                .unwrap_or_else(|| self.fake_name(text, true)),
            Action::LastName => self
                .names
                .get(text)
                .cloned()
                .unwrap_or_else(|| self.fake_name(text, false)),
            Action::Email => self.unique(table, column, text, |a, attempt| {
                let mut rng = a.rng("email", text, attempt);
                let first: String = FakeFirst().fake_with_rng(&mut rng);
                let last: String = FakeLast().fake_with_rng(&mut rng);
                let n: u32 = rng.random_range(1..1000);
                format!(
                    "{}.{}{n}@example.com",
                    ascii_slug(&first),
                    ascii_slug(&last)
                )
            }),
            Action::PasswordHash => self.password_hash.clone(),
            Action::Password => {
                let mut rng = self.rng("password", text, 0);
                token(&mut rng, 10)
            }
            Action::Sentence => {
                let mut rng = self.rng("sentence", text, 0);
                let s: String = LoremSentence(3..9).fake_with_rng(&mut rng);
                s
            }
            Action::Title => {
                let mut rng = self.rng("title", text, 0);
                let words: Vec<String> =
                    fake::faker::lorem::en::Words(2..4).fake_with_rng(&mut rng);
                let mut t = words.join(" ");
                if let Some(first) = t.get(..1) {
                    t = first.to_uppercase() + &t[1..];
                }
                t
            }
            Action::Url => {
                let mut rng = self.rng("url", text, 0);
                format!("https://example.com/doc/{}", token(&mut rng, 12))
            }
            Action::MeetingLink => {
                let mut rng = self.rng("meeting", text, 0);
                if text.contains("zoom.us") {
                    format!("https://example.zoom.us/j/{}", digits(&mut rng, 11))
                } else if text.contains("meet.google.com") {
                    format!("https://meet.google.com/{}", meet_code(&mut rng))
                } else {
                    format!("https://example.com/meet/{}", token(&mut rng, 10))
                }
            }
            Action::MeetingId => {
                let mut rng = self.rng("meeting-id", text, 0);
                if text.chars().all(|c| c.is_ascii_digit() || c == ' ') {
                    digits(
                        &mut rng,
                        text.chars().filter(|c| c.is_ascii_digit()).count().max(6),
                    )
                } else {
                    meet_code(&mut rng)
                }
            }
            Action::Secret => {
                let mut rng = self.rng("secret", text, 0);
                token(&mut rng, 8)
            }
            Action::ExternalId => self.unique(table, column, text, |a, attempt| {
                let mut rng = a.rng("external-id", text, attempt);
                token(&mut rng, 26).to_ascii_lowercase()
            }),
            Action::NamesInText => self.replace_names(text),
            Action::NamesInJson => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(mut json) => {
                    self.replace_in_json(&mut json);
                    json.to_string()
                }
                Err(_) => self.replace_names(text),
            },
            Action::BirthDate | Action::Latitude | Action::Longitude => {
                return value.clone();
            }
        };
        match value {
            Value::Json(_) => Value::Json(out),
            _ => Value::Text(out),
        }
    }

    /// Draws fakes until one is free in this unique column; records it.
    fn unique(
        &mut self,
        table: &str,
        column: &str,
        _real: &str,
        draw: impl Fn(&Anonymizer, u32) -> String,
    ) -> String {
        let key = (table.to_string(), column.to_string());
        for attempt in 0.. {
            let fake = draw(self, attempt);
            let lower = fake.to_ascii_lowercase();
            let taken = self.taken.get(&key).is_some_and(|s| s.contains(&lower));
            if !taken && !self.real_values.contains(&lower) {
                self.taken.entry(key).or_default().insert(lower);
                return fake;
            }
        }
        unreachable!()
    }

    /// Replaces every known real name in `text` (whole words; `_`, spaces
    /// and punctuation are word boundaries) with its fake.
    pub fn replace_names(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if !word.is_empty() {
                match self.names.get(word.as_str()) {
                    Some(f) => out.push_str(f),
                    None => {
                        // Case-insensitive match keeps the source casing style.
                        match self.names_lower.get(&word.to_lowercase()) {
                            Some(f) if word.chars().all(|c| c.is_lowercase()) => {
                                out.push_str(&f.to_lowercase())
                            }
                            Some(f) if word.chars().all(|c| c.is_uppercase()) => {
                                out.push_str(&f.to_uppercase())
                            }
                            Some(f) => out.push_str(f),
                            None => out.push_str(word),
                        }
                    }
                }
                word.clear();
            }
        };
        for c in text.chars() {
            if c.is_alphabetic() || c == '\'' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    fn replace_in_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.replace_names(s),
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|i| self.replace_in_json(i))
            }
            serde_json::Value::Object(map) => {
                map.values_mut().for_each(|i| self.replace_in_json(i))
            }
            _ => {}
        }
    }

    /// A birth date moved by a stable offset of up to two years.
    fn birth_date(&self, days: i32) -> i32 {
        let mut rng = self.rng("birth", &days.to_string(), 0);
        let shift: i32 = rng.random_range(-730..=730);
        days + if shift == 0 { 1 } else { shift }
    }

    /// Cairo's coordinates with a stable small offset, keeping 6 decimals.
    fn coordinate(&self, action: Action, real: &rust_decimal::Decimal) -> rust_decimal::Decimal {
        let mut rng = self.rng("coord", &real.to_string(), 0);
        let base: i64 = if action == Action::Latitude {
            30_044_400
        } else {
            31_235_700
        };
        rust_decimal::Decimal::new(base + rng.random_range(-50_000..50_000), 6)
    }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn token(rng: &mut ChaCha8Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn digits(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len)
        .map(|i| {
            let lo = if i == 0 { 1 } else { 0 };
            char::from(b'0' + rng.random_range(lo..10u8))
        })
        .collect()
}

fn meet_code(rng: &mut ChaCha8Rng) -> String {
    let mut part = |n| {
        (0..n)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect::<String>()
    };
    format!("{}-{}-{}", part(3), part(4), part(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anon() -> Anonymizer {
        let mut a = Anonymizer::new(DEFAULT_SALT, 4).unwrap();
        a.learn(&["Omar", "Sara", "Layla"], &["Hassan"], &["omar@gmail.com"]);
        a
    }

    #[test]
    fn same_value_same_fake_everywhere() {
        let mut a = anon();
        let mut b = anon();
        let first = a.apply(
            "users",
            "first_name",
            Action::FirstName,
            &Value::Text("Omar".into()),
        );
        let again = b.apply(
            "users",
            "first_name",
            Action::FirstName,
            &Value::Text("Omar".into()),
        );
        assert_eq!(first, again);
        let Value::Text(fake) = &first else { panic!() };
        assert_ne!(fake, "Omar");
        let slot = a.replace_names("Tuition: Math (Omar, Sara)");
        assert!(
            slot.starts_with(&format!("Tuition: Math ({fake}, ")),
            "{slot}"
        );
        assert!(!slot.contains("Sara"), "{slot}");
        let legacy = a.apply(
            "timetable_runs",
            "legacy_solution_data",
            Action::NamesInJson,
            &Value::Json(
                r#"[{"name":"Tuition_Omar_Layla_Physics_1","category":"Tuition"}]"#.into(),
            ),
        );
        let Value::Json(j) = legacy else { panic!() };
        assert!(j.contains(&format!("Tuition_{fake}_")), "{j}");
        assert!(!j.contains("Omar") && !j.contains("Layla"), "{j}");
    }

    #[test]
    fn emails_are_unique_and_avoid_golden_keys() {
        let mut a = anon();
        let first = a.apply("users", "email", Action::Email, &Value::Text("x@y".into()));
        let mut b = anon();
        let Value::Text(f) = &first else { panic!() };
        b.reserve("users", "email", f);
        let second = b.apply("users", "email", Action::Email, &Value::Text("x@y".into()));
        assert_ne!(first, second, "a reserved golden email is never issued");
        let mut seen = BTreeSet::new();
        for i in 0..2000 {
            let v = a.apply(
                "users",
                "email",
                Action::Email,
                &Value::Text(format!("u{i}@real.org")),
            );
            assert!(seen.insert(v));
        }
    }

    #[test]
    fn password_hash_is_bcrypt_of_testtest_and_stable() {
        let a = anon();
        assert!(a.password_hash().starts_with("$2b$04$"));
        assert!(bcrypt::verify(TEST_PASSWORD, a.password_hash()).unwrap());
        assert_eq!(a.password_hash(), anon().password_hash());
    }

    fn table(name: &str, columns: &[(&str, crate::engine::schema::TypeKind, &str)]) -> Table {
        Table {
            name: name.into(),
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, (c, kind, display))| crate::engine::schema::Column {
                    name: c.to_string(),
                    position: i as i16 + 1,
                    ty: crate::engine::schema::ColumnType {
                        name: display.to_string(),
                        kind: kind.clone(),
                    },
                    nullable: true,
                    default: None,
                    identity: None,
                    generated: None,
                })
                .collect(),
            primary_key: None,
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
        }
    }

    #[test]
    fn coverage_lists_every_unreviewed_column_with_its_reason() {
        use crate::engine::schema::{Scalar, TypeKind};
        let text = || TypeKind::Scalar(Scalar::Text);
        let mut schema = Schema::default();
        let t = table(
            "contacts",
            &[
                ("PhoneNumber", text(), "text"),
                ("grade", TypeKind::Scalar(Scalar::Int4), "integer"),
                ("subject", text(), "text"),
                ("extra", TypeKind::Scalar(Scalar::Jsonb), "jsonb"),
            ],
        );
        schema.tables.insert(t.name.clone(), t);
        let rows = BTreeMap::from([(
            "contacts".to_string(),
            vec![Row {
                values: vec![
                    Value::Null,
                    Value::Int4(3),
                    Value::Text("Math".into()),
                    Value::Json(r#"{"x": "a@b.example"}"#.into()),
                ],
            }],
        )]);
        let err = check_coverage(&schema, &rows).unwrap_err().to_string();
        assert!(
            err.contains(
                "contacts.PhoneNumber (text): name looks like a phone number or messenger account (phone)"
            ),
            "{err}"
        );
        assert!(
            err.contains("contacts.extra (jsonb): values contain email addresses"),
            "{err}"
        );
        assert!(!err.contains("grade") && !err.contains("subject"), "{err}");
        assert!(!err.contains("a@b.example"), "no value is shown: {err}");
        // Without the rows, only the name is judged.
        let err = check_coverage(&schema, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("PhoneNumber") && !err.contains("contacts.extra"),
            "{err}"
        );
    }

    #[test]
    fn every_rule_and_hint_is_well_formed() {
        for h in crate::efficient_tutor::rules::PII_HINTS {
            assert!(
                !h.word.is_empty()
                    && h.word == h.word.to_lowercase()
                    && detect::split_name(h.word).concat() == h.word.replace(' ', ""),
                "hint {:?} must be lower-case words as split_name splits them",
                h.word
            );
        }
        for r in crate::efficient_tutor::rules::RULES {
            if let Action::Keep(why) = r.action {
                assert!(
                    why.len() >= 10,
                    "{}.{}: say why it is kept",
                    r.table,
                    r.column
                );
            }
        }
    }
}
