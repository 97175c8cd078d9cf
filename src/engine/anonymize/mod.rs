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
pub mod hints;

use std::collections::{BTreeMap, BTreeSet};

use fake::faker::lorem::en::Sentence as LoremSentence;
use fake::Fake;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::engine::project::{FakerSettings, Locale, Project};
use crate::engine::rows::{Row, Value};
use crate::engine::schema::{Scalar, Schema, Table, TypeKind};

/// `fake_in!(locale, module::raw::Faker, rng)`: the faker in the project's
/// locale (fake's locales are types, the project's is a value).
macro_rules! fake_in {
    ($locale:expr, $($faker:ident)::+, $rng:expr) => {{
        use fake::faker::$($faker)::+ as F;
        use fake::locales::*;
        match $locale {
            Locale::ArSa => F(AR_SA).fake_with_rng($rng),
            Locale::CyGb => F(CY_GB).fake_with_rng($rng),
            Locale::DeDe => F(DE_DE).fake_with_rng($rng),
            Locale::En => F(EN).fake_with_rng($rng),
            Locale::FaIr => F(FA_IR).fake_with_rng($rng),
            Locale::FrFr => F(FR_FR).fake_with_rng($rng),
            Locale::ItIt => F(IT_IT).fake_with_rng($rng),
            Locale::JaJp => F(JA_JP).fake_with_rng($rng),
            Locale::NlNl => F(NL_NL).fake_with_rng($rng),
            Locale::PtBr => F(PT_BR).fake_with_rng($rng),
            Locale::PtPt => F(PT_PT).fake_with_rng($rng),
            Locale::TrTr => F(TR_TR).fake_with_rng($rng),
            Locale::ZhCn => F(ZH_CN).fake_with_rng($rng),
            Locale::ZhTw => F(ZH_TW).fake_with_rng($rng),
        }
    }};
}

/// The salt used when none is given: fakes are stable across runs.
pub const DEFAULT_SALT: &str = "et-testdb";
/// The password every extracted account gets, as upstream's pipeline did.
pub const TEST_PASSWORD: &str = "testtest";

/// What a rule does to a column. The project file names them in snake
/// case ([`Action::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Kept as is; the rule says why it is not personal.
    Keep,
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
    /// Longer free text → a lorem paragraph.
    FreeText,
    /// A link → an example.com URL.
    Url,
    /// A meeting URL: same provider, fake meeting id.
    MeetingLink,
    /// A meeting id → a fake one.
    MeetingId,
    /// A secret → a fake token.
    Secret,
    /// A date of birth → a fake date within two years.
    BirthDate,
    /// A date or timestamp moved by a stable number of days (at most the
    /// project's `date_shift_days` either way).
    DateShift,
    /// An external system's id → a fake one (unique).
    ExternalId,
    /// A coordinate → a point in the project's region.
    Latitude,
    Longitude,
    /// Text with names in it: every known name is replaced by its fake.
    NamesInText,
    /// JSON whose strings have names in them: as [`Action::NamesInText`] for
    /// every string value.
    NamesInJson,
    /// A phone number in the project's locale.
    Phone,
    /// A street address (number and street) in the project's locale.
    Address,
    /// A street name.
    Street,
    /// A city name.
    City,
    /// A postal code.
    PostalCode,
    /// A country name.
    Country,
    /// A login name (unique).
    Username,
    /// A company name.
    Company,
    /// An IPv4 address.
    Ip,
    /// The text `[redacted]`; for `bytea`, the bytes of that text.
    Redacted,
}

/// What an action can be applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fits {
    Any,
    Text,
    TextOrJson,
    TextJsonOrBytes,
    Json,
    Date,
    DateOrTime,
    Number,
}

impl Action {
    /// Every action by the name the project file gives it, and what it
    /// applies to.
    pub const ALL: &[(&str, Action)] = &[
        ("first_name", Action::FirstName),
        ("last_name", Action::LastName),
        ("email", Action::Email),
        ("username", Action::Username),
        ("phone", Action::Phone),
        ("address", Action::Address),
        ("street", Action::Street),
        ("city", Action::City),
        ("postal_code", Action::PostalCode),
        ("country", Action::Country),
        ("company", Action::Company),
        ("ip", Action::Ip),
        ("birth_date", Action::BirthDate),
        ("date_shift", Action::DateShift),
        ("latitude", Action::Latitude),
        ("longitude", Action::Longitude),
        ("password_hash", Action::PasswordHash),
        ("password", Action::Password),
        ("secret", Action::Secret),
        ("external_id", Action::ExternalId),
        ("url", Action::Url),
        ("meeting_link", Action::MeetingLink),
        ("meeting_id", Action::MeetingId),
        ("title", Action::Title),
        ("sentence", Action::Sentence),
        ("free_text", Action::FreeText),
        ("names_in_text", Action::NamesInText),
        ("names_in_json", Action::NamesInJson),
        ("redacted", Action::Redacted),
    ];

    /// The action the file calls `name`.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, a)| a)
    }

    /// The file's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            a => {
                Action::ALL
                    .iter()
                    .find(|(_, x)| *x == a)
                    .expect("every action but Keep is listed")
                    .0
            }
        }
    }

    fn applies_to(self) -> Fits {
        use Action::*;
        match self {
            Keep => Fits::Any,
            NamesInText => Fits::TextOrJson,
            Redacted => Fits::TextJsonOrBytes,
            NamesInJson => Fits::Json,
            BirthDate => Fits::Date,
            DateShift => Fits::DateOrTime,
            Latitude | Longitude => Fits::Number,
            _ => Fits::Text,
        }
    }

    /// Whether the action can replace values of `kind`; the error says what
    /// it needs.
    pub fn fits(self, kind: &TypeKind) -> Result<(), String> {
        let fits = self.applies_to();
        if fits == Fits::Any {
            return Ok(());
        }
        let TypeKind::Scalar(s) = kind else {
            return Err(
                "replaces single values, not arrays; keep the column with a reason, or skip it"
                    .to_string(),
            );
        };
        let ok = match fits {
            Fits::Any => true,
            Fits::Text => *s == Scalar::Text,
            Fits::TextOrJson => matches!(s, Scalar::Text | Scalar::Json | Scalar::Jsonb),
            Fits::TextJsonOrBytes => {
                matches!(
                    s,
                    Scalar::Text | Scalar::Json | Scalar::Jsonb | Scalar::Bytea
                )
            }
            Fits::Json => matches!(s, Scalar::Json | Scalar::Jsonb),
            Fits::Date => *s == Scalar::Date,
            Fits::DateOrTime => matches!(s, Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz),
            Fits::Number => *s == Scalar::Numeric,
        };
        if ok {
            return Ok(());
        }
        Err(match fits {
            Fits::Any => unreachable!(),
            Fits::Text => "writes text".to_string(),
            Fits::TextOrJson => "writes text or JSON".to_string(),
            Fits::TextJsonOrBytes => "writes text, JSON or bytes".to_string(),
            Fits::Json => "rewrites JSON".to_string(),
            Fits::Date => "moves a date".to_string(),
            Fits::DateOrTime => "moves a date or timestamp".to_string(),
            Fits::Number => "writes a numeric coordinate".to_string(),
        })
    }
}

/// Anonymization errors.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    /// Columns that may hold personal data but have no rule, every one of
    /// them, each with why.
    #[error(
        "{} column(s) may hold personal data and have no anonymization rule; nothing was written:\n  {}\n\
         Review each and add a line for it under [anonymize.columns] in {}: a faker \
         (\"table.column\" = \"email\"; the fakers are {}) if it holds personal data, or \
         {{ keep = \"why it is not personal\" }} if it does not. Then extract again.",
        findings.len(),
        findings.iter().map(Finding::to_string).collect::<Vec<_>>().join("\n  "),
        file,
        Action::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    )]
    Uncovered {
        findings: Vec<Finding>,
        file: String,
    },
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

/// The action for `table.column` in `project`, if it has a rule.
pub fn rule_for(project: &Project, table: &str, column: &str) -> Option<Action> {
    project.rule(table, column).map(|r| r.action)
}

/// Why `column` of `table` needs a rule, from its name, its type and the
/// `rows` read from it (none when the table's rows are not known).
pub fn column_finding(table: &Table, index: usize, rows: Option<&[Row]>) -> Option<Finding> {
    let c = &table.columns[index];
    // An integer or uuid column of a primary or foreign key holds row
    // references, not what its name mentions: `address_id` is no address.
    let is_key = table
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter())
        .chain(table.foreign_keys.iter().flat_map(|fk| fk.columns.iter()))
        .any(|k| *k == c.name);
    let holds_ids = matches!(
        c.ty.kind,
        TypeKind::Scalar(Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Uuid)
    );
    if is_key && holds_ids {
        return None;
    }
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
/// every such column at once. Rules naming columns that do not exist are
/// [`Project::validate`]'s to report. Run it after reading and before
/// writing anything.
pub fn check_coverage(
    project: &Project,
    schema: &Schema,
    rows: &BTreeMap<String, Vec<Row>>,
) -> Result<(), AnonymizeError> {
    let findings: Vec<Finding> = schema
        .tables
        .values()
        .flat_map(|t| {
            let read = rows.get(&t.name).map(Vec::as_slice);
            (0..t.columns.len())
                .filter(|&i| rule_for(project, &t.name, &t.columns[i].name).is_none())
                .filter_map(move |i| column_finding(t, i, read))
        })
        .collect();
    if !findings.is_empty() {
        return Err(AnonymizeError::Uncovered {
            findings,
            file: project.display_path(),
        });
    }
    Ok(())
}

/// The anonymizer: deterministic, stateful only to keep unique columns
/// unique and to know the real names it must replace and never reproduce.
pub struct Anonymizer {
    salt: String,
    settings: FakerSettings,
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
    pub fn new(
        salt: &str,
        bcrypt_cost: u32,
        settings: FakerSettings,
    ) -> Result<Anonymizer, AnonymizeError> {
        // A fixed bcrypt salt derived from ours keeps generated files
        // byte-identical between runs; the hash still verifies normally.
        let digest = Sha256::digest(format!("{salt}\0bcrypt-salt").as_bytes());
        let mut bsalt = [0u8; 16];
        bsalt.copy_from_slice(&digest[..16]);
        let password_hash = bcrypt::hash_with_salt(TEST_PASSWORD, bcrypt_cost, bsalt)?
            .format_for_version(bcrypt::Version::TwoB);
        Ok(Anonymizer {
            salt: salt.to_string(),
            settings,
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
                fake_in!(self.settings.locale, name::raw::FirstName, &mut rng)
            } else {
                fake_in!(self.settings.locale, name::raw::LastName, &mut rng)
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
            Value::Bytes(_) if action == Action::Redacted => {
                return Value::Bytes(b"[redacted]".to_vec());
            }
            Value::Date(d) if action == Action::BirthDate => {
                return Value::Date(self.birth_date(*d));
            }
            Value::Date(d) if action == Action::DateShift => {
                return Value::Date(d + self.shift_days(&d.to_string()));
            }
            Value::Timestamp(us) if action == Action::DateShift => {
                return Value::Timestamp(us + i64::from(self.shift_days(&us.to_string())) * DAY_US);
            }
            Value::Timestamptz(us) if action == Action::DateShift => {
                let moved = us + i64::from(self.shift_days(&us.to_string())) * DAY_US;
                return Value::Timestamptz(moved);
            }
            Value::Numeric(n) if matches!(action, Action::Latitude | Action::Longitude) => {
                return Value::Numeric(self.coordinate(action, n));
            }
            // Project::validate refuses a rule whose action does not fit its
            // column's type, so nothing personal is ever kept by mistake here.
            other => return other.clone(),
        };
        let locale = self.settings.locale;
        let out = match action {
            Action::Keep => return value.clone(),
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
                let first: String = fake_in!(a.settings.locale, name::raw::FirstName, &mut rng);
                let last: String = fake_in!(a.settings.locale, name::raw::LastName, &mut rng);
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
            Action::FreeText => {
                let mut rng = self.rng("free-text", text, 0);
                let s: String = fake::faker::lorem::en::Paragraph(2..5).fake_with_rng(&mut rng);
                s
            }
            Action::Phone => {
                let mut rng = self.rng("phone", text, 0);
                fake_in!(locale, phone_number::raw::PhoneNumber, &mut rng)
            }
            Action::Address => {
                let mut rng = self.rng("address", text, 0);
                let number: String = fake_in!(locale, address::raw::BuildingNumber, &mut rng);
                let street: String = fake_in!(locale, address::raw::StreetName, &mut rng);
                format!("{number} {street}")
            }
            Action::Street => {
                let mut rng = self.rng("street", text, 0);
                fake_in!(locale, address::raw::StreetName, &mut rng)
            }
            Action::City => {
                let mut rng = self.rng("city", text, 0);
                fake_in!(locale, address::raw::CityName, &mut rng)
            }
            Action::PostalCode => {
                let mut rng = self.rng("postal-code", text, 0);
                fake_in!(locale, address::raw::PostCode, &mut rng)
            }
            Action::Country => {
                let mut rng = self.rng("country", text, 0);
                fake_in!(locale, address::raw::CountryName, &mut rng)
            }
            Action::Company => {
                let mut rng = self.rng("company", text, 0);
                fake_in!(locale, company::raw::CompanyName, &mut rng)
            }
            Action::Username => self.unique(table, column, text, |a, attempt| {
                let mut rng = a.rng("username", text, attempt);
                let first: String = fake_in!(a.settings.locale, name::raw::FirstName, &mut rng);
                let n: u32 = rng.random_range(1..10_000);
                format!("{}{n}", ascii_slug(&first))
            }),
            Action::Ip => {
                let mut rng = self.rng("ip", text, 0);
                // TEST-NET-3 (RFC 5737): documentation addresses, never real hosts.
                format!("203.0.113.{}", rng.random_range(1..255u8))
            }
            Action::Redacted => match value {
                Value::Json(_) => "\"[redacted]\"".to_string(),
                _ => "[redacted]".to_string(),
            },
            Action::BirthDate | Action::DateShift | Action::Latitude | Action::Longitude => {
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

    /// A stable shift of at most `date_shift_days` days either way, never 0.
    fn shift_days(&self, value: &str) -> i32 {
        let max = self.settings.date_shift_days.max(1);
        let mut rng = self.rng("date-shift", value, 0);
        let shift: i32 = rng.random_range(-max..=max);
        if shift == 0 {
            1
        } else {
            shift
        }
    }

    /// A birth date moved by a stable offset of up to two years.
    fn birth_date(&self, days: i32) -> i32 {
        let mut rng = self.rng("birth", &days.to_string(), 0);
        let shift: i32 = rng.random_range(-730..=730);
        days + if shift == 0 { 1 } else { shift }
    }

    /// A point of the project's region (a stable offset from its centre),
    /// with 6 decimals.
    fn coordinate(&self, action: Action, real: &rust_decimal::Decimal) -> rust_decimal::Decimal {
        let mut rng = self.rng("coord", &real.to_string(), 0);
        let r = self.settings.region;
        let centre = if action == Action::Latitude {
            r.latitude
        } else {
            r.longitude
        };
        let micro = |deg: f64| (deg * 1e6).round() as i64;
        let spread = micro(r.spread).max(1);
        rust_decimal::Decimal::new(micro(centre) + rng.random_range(-spread..spread), 6)
    }
}

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

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
        let mut a = Anonymizer::new(DEFAULT_SALT, 4, FakerSettings::default()).unwrap();
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
        let err = check_coverage(&no_rules(), &schema, &rows)
            .unwrap_err()
            .to_string();
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
        let err = check_coverage(&no_rules(), &schema, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("PhoneNumber") && !err.contains("contacts.extra"),
            "{err}"
        );
    }

    fn no_rules() -> Project {
        let text = "name = \"t\"\n[database]\nname = \"t\"\nurl_var = \"A\"\n\
                    production_url_var = \"B\"\nclient_url_var = \"C\"\n";
        Project::parse(std::path::Path::new("t.toml"), text).unwrap()
    }

    #[test]
    fn integer_key_columns_are_references_not_what_their_names_say() {
        use crate::engine::schema::{ForeignKey, PrimaryKey};
        let int = || TypeKind::Scalar(Scalar::Int4);
        let mut t = table(
            "store",
            &[
                ("address_id", int(), "integer"),
                ("city_id", int(), "integer"),
                ("phone_id", TypeKind::Scalar(Scalar::Text), "text"),
            ],
        );
        t.primary_key = Some(PrimaryKey {
            name: "store_pkey".into(),
            columns: vec!["city_id".into()],
        });
        t.foreign_keys.push(ForeignKey {
            name: "store_address_fkey".into(),
            columns: vec!["address_id".into(), "phone_id".into()],
            ref_table: "address".into(),
            ref_columns: vec!["id".into(), "p".into()],
            on_delete: crate::engine::schema::FkAction::NoAction,
            on_update: crate::engine::schema::FkAction::NoAction,
            deferrable: false,
        });
        assert!(
            column_finding(&t, 0, None).is_none(),
            "an integer foreign key"
        );
        assert!(
            column_finding(&t, 1, None).is_none(),
            "an integer primary key"
        );
        assert!(
            column_finding(&t, 2, None).is_some(),
            "a text key column can still hold a phone number"
        );
    }

    #[test]
    fn every_hint_is_well_formed() {
        for h in hints::PII_HINTS {
            assert!(
                !h.word.is_empty()
                    && h.word == h.word.to_lowercase()
                    && detect::split_name(h.word).concat() == h.word.replace(' ', ""),
                "hint {:?} must be lower-case words as split_name splits them",
                h.word
            );
        }
    }

    #[test]
    fn every_action_has_a_name_and_fakes_in_every_locale() {
        for &(name, action) in Action::ALL {
            assert_eq!(Action::parse(name), Some(action));
            assert_eq!(action.name(), name);
        }
        for &(_, locale) in Locale::ALL {
            let settings = FakerSettings {
                locale,
                ..FakerSettings::default()
            };
            let mut a = Anonymizer::new(DEFAULT_SALT, 4, settings).unwrap();
            for &(name, action) in Action::ALL {
                let text = TypeKind::Scalar(Scalar::Text);
                if action.fits(&text).is_err() || action == Action::NamesInText {
                    continue;
                }
                let real = Value::Text("Real Person 12 Main St".into());
                let fake = a.apply("t", name, action, &real);
                assert_ne!(fake, real, "{name} in {locale:?}");
                let again = Anonymizer::new(DEFAULT_SALT, 4, settings)
                    .unwrap()
                    .apply("t", name, action, &real);
                assert_eq!(fake, again, "{name} is deterministic in {locale:?}");
            }
        }
    }

    #[test]
    fn date_shift_moves_dates_and_timestamps_by_whole_days_within_the_limit() {
        let settings = FakerSettings {
            date_shift_days: 10,
            ..FakerSettings::default()
        };
        let mut a = Anonymizer::new(DEFAULT_SALT, 4, settings).unwrap();
        for d in 0..200 {
            let Value::Date(moved) = a.apply("t", "d", Action::DateShift, &Value::Date(d)) else {
                panic!()
            };
            assert!(moved != d && (moved - d).abs() <= 10, "{d} → {moved}");
            let us = i64::from(d) * DAY_US + 12_345;
            let Value::Timestamptz(m) =
                a.apply("t", "ts", Action::DateShift, &Value::Timestamptz(us))
            else {
                panic!()
            };
            assert!(m != us && (m - us) % DAY_US == 0 && ((m - us) / DAY_US).abs() <= 10);
        }
    }

    #[test]
    fn fakers_refuse_columns_they_cannot_fill() {
        let t = |s| TypeKind::Scalar(s);
        assert!(Action::Email.fits(&t(Scalar::Text)).is_ok());
        assert!(Action::Email.fits(&t(Scalar::Int4)).is_err());
        assert!(Action::Email.fits(&TypeKind::Array(Scalar::Text)).is_err());
        assert!(Action::DateShift.fits(&t(Scalar::Timestamptz)).is_ok());
        assert!(Action::BirthDate.fits(&t(Scalar::Text)).is_err());
        assert!(Action::NamesInJson.fits(&t(Scalar::Jsonb)).is_ok());
        assert!(Action::Keep.fits(&TypeKind::Array(Scalar::Uuid)).is_ok());
        assert!(Action::Redacted.fits(&t(Scalar::Bytea)).is_ok());
        let mut a = Anonymizer::new(DEFAULT_SALT, 4, FakerSettings::default()).unwrap();
        let photo = Value::Bytes(vec![0xff, 0xd8, 0xff, 0]);
        assert_eq!(
            a.apply("staff", "picture", Action::Redacted, &photo),
            Value::Bytes(b"[redacted]".to_vec())
        );
    }
}
