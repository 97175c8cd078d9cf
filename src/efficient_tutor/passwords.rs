//! Step 3: give every user a bcrypt (`$2b$`) password hash that v0.3's
//! login (passlib) accepts.
//!
//! - Users named in the optional known-passwords file get the hash of their
//!   plaintext (the file is never committed; its format is
//!   [`parse_known`]'s, shown in `known_passwords.example.csv`).
//! - Students get the hash of their `students.generated_password` (the
//!   plaintext upstream keeps for parents), when it is not empty.
//! - Everyone else, including the admin the migration created with an empty
//!   password, gets the hash of [`FALLBACK_PASSWORD`], computed once.
//!
//! The per-user hashes are computed in parallel (rayon), then every update
//! runs in one transaction. Salts are random, so hashes differ between runs;
//! the extractor decides what reaches the fixtures.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use bcrypt::Version;
use postgres::Client;
use rayon::prelude::*;
use uuid::Uuid;

/// The bcrypt cost upstream uses (passlib's default).
pub const DEFAULT_COST: u32 = 12;

/// The password of everyone without a known or generated one (upstream's
/// test pipeline standardises on it).
pub const FALLBACK_PASSWORD: &str = "testtest";

/// One line of the known-passwords file.
#[derive(Clone, PartialEq, Eq)]
pub struct KnownPassword {
    /// The user's email (matched case-insensitively).
    pub email: String,
    /// The plaintext password.
    pub plaintext: String,
    /// The file line it came from.
    pub line: usize,
}

impl fmt::Debug for KnownPassword {
    // Never print a plaintext password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KnownPassword({} on line {}, ***)",
            self.email, self.line
        )
    }
}

/// What a run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordsReport {
    /// Users who got their known plaintext.
    pub known: usize,
    /// Emails of the known-passwords file that match no user.
    pub known_not_found: Vec<String>,
    /// Students who got their generated password.
    pub students: usize,
    /// Users who got the fallback password.
    pub fallback: usize,
}

/// Errors of step 3.
#[derive(Debug, thiserror::Error)]
pub enum PasswordsError {
    /// The known-passwords file cannot be read.
    #[error("cannot read the known-passwords file {path}: {source}")]
    ReadKnown {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A line of the known-passwords file is not `email,plaintext`.
    #[error(
        "{path}:{line}: {reason}\n\
         Each line must be `email,plaintext` (see known_passwords.example.csv); # starts a comment."
    )]
    MalformedKnown {
        path: String,
        line: usize,
        reason: &'static str,
    },
    /// The same email twice in the known-passwords file.
    #[error("{path}:{line}: {email} is already given on line {first}; keep one of them")]
    DuplicateKnown {
        path: String,
        line: usize,
        first: usize,
        email: String,
    },
    /// A bcrypt cost outside 4..=31.
    #[error("bcrypt cost {0} is out of range; use 4..=31 (upstream uses 12)")]
    Cost(u32),
    /// bcrypt failed.
    #[error("hashing the password of {who} failed: {source}")]
    Hash {
        who: String,
        #[source]
        source: bcrypt::BcryptError,
    },
    /// A database call failed.
    #[error("{action} failed: {source}")]
    Db {
        action: &'static str,
        #[source]
        source: postgres::Error,
    },
}

/// Reads and parses a known-passwords file.
pub fn read_known(path: &Path) -> Result<Vec<KnownPassword>, PasswordsError> {
    let text = std::fs::read_to_string(path).map_err(|source| PasswordsError::ReadKnown {
        path: path.display().to_string(),
        source,
    })?;
    parse_known(&text, &path.display().to_string())
}

/// Parses known-passwords text: one `email,plaintext` per line; the
/// plaintext is everything after the first comma, verbatim (it may hold
/// commas and spaces; only the line break ends it). Blank lines and lines
/// starting with `#` are skipped. `path` is only for messages.
pub fn parse_known(text: &str, path: &str) -> Result<Vec<KnownPassword>, PasswordsError> {
    let mut out: Vec<KnownPassword> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let malformed = |reason| PasswordsError::MalformedKnown {
            path: path.to_string(),
            line,
            reason,
        };
        let (email, plaintext) = raw.split_once(',').ok_or(malformed("no comma"))?;
        let email = email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(malformed("the part before the comma is not an email"));
        }
        if plaintext.is_empty() {
            return Err(malformed("the password after the comma is empty"));
        }
        if let Some(&first) = seen.get(&email.to_lowercase()) {
            return Err(PasswordsError::DuplicateKnown {
                path: path.to_string(),
                line,
                first,
                email: email.to_string(),
            });
        }
        seen.insert(email.to_lowercase(), line);
        out.push(KnownPassword {
            email: email.to_string(),
            plaintext: plaintext.to_string(),
            line,
        });
    }
    Ok(out)
}

/// A `$2b$` bcrypt hash of `plaintext`.
pub fn hash(plaintext: &str, cost: u32) -> Result<String, bcrypt::BcryptError> {
    Ok(bcrypt::hash_with_result(plaintext, cost)?.format_for_version(Version::TwoB))
}

/// What a run reports while it hashes (bcrypt at cost 12 takes about a
/// quarter of a second per password and core).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Hashing starts: this many per-user hashes, plus the shared fallback.
    Hashing { total: usize },
    /// One more per-user hash is done (called from rayon's threads).
    Hashed,
}

/// Re-hashes every user's password (see the module doc), in one transaction.
pub fn run(
    client: &mut Client,
    known: &[KnownPassword],
    cost: u32,
    on_progress: impl Fn(Progress) + Sync,
) -> Result<PasswordsReport, PasswordsError> {
    if !(4..=31).contains(&cost) {
        return Err(PasswordsError::Cost(cost));
    }
    let db = |action: &'static str| move |source| PasswordsError::Db { action, source };
    let users: Vec<(Uuid, String, Option<String>)> = client
        .query(
            "SELECT u.id, u.email::text, s.generated_password
             FROM users u LEFT JOIN students s ON s.id = u.id
             ORDER BY u.id",
            &[],
        )
        .map_err(db("reading users"))?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();

    let by_email: HashMap<String, &KnownPassword> =
        known.iter().map(|k| (k.email.to_lowercase(), k)).collect();
    let mut report = PasswordsReport::default();
    // (user id, who for messages, plaintext)
    let mut to_hash: Vec<(Uuid, String, &str)> = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for (id, email, generated) in &users {
        if let Some(k) = by_email.get(&email.to_lowercase()) {
            matched.insert(email.to_lowercase());
            report.known += 1;
            to_hash.push((
                *id,
                format!("{email} (known-passwords line {})", k.line),
                &k.plaintext,
            ));
        } else if let Some(generated) = generated.as_deref().filter(|g| !g.is_empty()) {
            report.students += 1;
            to_hash.push((*id, format!("student {email}"), generated));
        }
    }
    report.known_not_found = known
        .iter()
        .filter(|k| !matched.contains(&k.email.to_lowercase()))
        .map(|k| k.email.clone())
        .collect();
    report.fallback = users.len() - to_hash.len();

    on_progress(Progress::Hashing {
        total: to_hash.len(),
    });
    let hashed: Vec<(Uuid, String)> = to_hash
        .par_iter()
        .map(|(id, who, plaintext)| {
            let hashed = hash(plaintext, cost);
            on_progress(Progress::Hashed);
            hashed
                .map(|h| (*id, h))
                .map_err(|source| PasswordsError::Hash {
                    who: who.clone(),
                    source,
                })
        })
        .collect::<Result<_, _>>()?;
    let fallback = hash(FALLBACK_PASSWORD, cost).map_err(|source| PasswordsError::Hash {
        who: "the fallback password".into(),
        source,
    })?;

    let (ids, hashes): (Vec<Uuid>, Vec<String>) = hashed.into_iter().unzip();
    let mut tx = client.transaction().map_err(db("starting a transaction"))?;
    tx.execute(
        "UPDATE users u SET password = v.hash
         FROM unnest($1::uuid[], $2::text[]) AS v(id, hash)
         WHERE u.id = v.id",
        &[&ids, &hashes],
    )
    .map_err(db("writing known and student passwords"))?;
    tx.execute(
        "UPDATE users SET password = $1 WHERE NOT (id = ANY ($2::uuid[]))",
        &[&fallback, &ids],
    )
    .map_err(db("writing the fallback password"))?;
    tx.commit().map_err(db("committing the passwords"))?;
    Ok(report)
}
