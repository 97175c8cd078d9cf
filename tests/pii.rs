//! Red team for the personal-data check of `extract`: a migrated v0.3
//! database gets tables whose columns hide personal data behind names,
//! types, domains, arrays and JSON. Extraction must refuse, name every such
//! column at once with its reason, and write nothing.
//!
//! To accept a new refusal text: `INSTA_UPDATE=always cargo test --test pii`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::TestDb;
use et_testdb::engine::extract::{extract, ExtractError, ExtractOptions};
use et_testdb::engine::migrate::{self, MigrateOptions};

/// The adversarial schema and rows. Every value is synthetic (reserved
/// example domains, documentation IP ranges, test card numbers).
const RED_TEAM_SQL: &str = r#"
CREATE EXTENSION citext;
CREATE DOMAIN short_t AS text;
CREATE DOMAIN neutral_t AS text;
CREATE DOMAIN neutral2_t AS neutral_t;
CREATE DOMAIN list_t AS text[];
CREATE DOMAIN contact_addr_t AS varchar(200);
CREATE TYPE gender_t AS ENUM ('f', 'm', 'x');

-- Personal data announced by the column's name, in every spelling.
CREATE TABLE people (
    id integer PRIMARY KEY,
    telephone text,
    surname text,
    fullname text,
    home_addr text,
    whatsapp text,
    national_id text,
    bio text,
    "PhoneNumber" text,
    "Email2" text,
    "UserName" text,
    login varchar(50),
    email short_t,
    date_of_birth date,
    "DOB" timestamp,
    age smallint,
    geo_lat numeric(9,6),
    gender gender_t,
    avatar_url text,
    api_token text,
    pwd text,
    passport_no text,
    iban text,
    "userIPs" text[],
    kind text,
    created_at timestamptz
);
INSERT INTO people (id, telephone, surname, kind, created_at)
VALUES (1, 'x', 'y', 'alpha', now());

-- Pagila's staff: a username, a photo, an extension's type (read in its
-- text form) and an IP address.
CREATE TABLE staff (
    staff_id integer PRIMARY KEY,
    username text,
    picture bytea,
    blurb citext,
    visitor inet
);
INSERT INTO staff VALUES (1, 'mike', '\x89504e47', 'write to mike@staff.example', '198.51.100.4');

-- Personal data only the values give away: neutral names and types.
CREATE TABLE events (
    id integer PRIMARY KEY,
    extra jsonb,
    misc text,
    log text,
    ref text,
    tags text[],
    neutral neutral_t,
    neutral2 neutral2_t,
    items list_t,
    attrs json,
    history jsonb[],
    code varchar(30),
    remote text,
    via contact_addr_t,
    counter integer,
    kind text,
    created_at timestamptz
);
INSERT INTO events VALUES
 (1,
  '{"contact": "a@b.example"}',
  'call +20 100 123 4567 after 5pm',
  'login from 203.0.113.7',
  'paid with 4111 1111 1111 1111',
  ARRAY['x@y.example'],
  'reach me: jo@neutral.example',
  'n2@neutral.example',
  ARRAY['ok', 'list@items.example'],
  '{"a": {"b": ["ring (555) 123-4567"]}}',
  ARRAY['{"seen": {"from": "10.1.2.3"}}'::jsonb],
  '5555-5555-5555-4444',
  'peer fe80::1ff:fe23:4567:890a joined',
  'plain',
  7,
  'release v1.2.3.4 at 2024-01-15 10:30:00 id 123e4567-e89b-12d3-a456-426614174000',
  now()),
 (2, '{"n": 1}', 'nothing here', 'ok', '1234567890123', ARRAY['none'], 'plain', 'plain',
  ARRAY['plain'], '{}', ARRAY['{}'::jsonb], 'AB-12', 'none', 'plain', 8,
  'version 1.2.3, 2023-2024 season, 1700000000000 ms', now());

-- A mixed-case table name.
CREATE TABLE "Clients" (
    id integer PRIMARY KEY,
    "eMailAddr" text,
    "homeAddr" varchar(200),
    "ZIP" integer,
    "Notes" text
);
"#;

/// Every column above that must be refused, with a word its reason contains.
const EXPECTED: &[(&str, &str)] = &[
    ("people.telephone (text)", "phone"),
    ("people.surname (text)", "name"),
    ("people.fullname (text)", "name"),
    ("people.home_addr (text)", "address"),
    ("people.whatsapp (text)", "phone"),
    ("people.national_id (text)", "identity"),
    ("people.bio (text)", "free text"),
    ("people.PhoneNumber (text)", "phone"),
    ("people.Email2 (text)", "email"),
    ("people.UserName (text)", "name"),
    ("people.login (character varying(50))", "name"),
    ("people.email (short_t, a domain over text)", "email"),
    ("people.date_of_birth (date)", "birth"),
    ("people.DOB (timestamp without time zone)", "birth"),
    ("people.age (smallint)", "birth"),
    ("people.geo_lat (numeric(9,6))", "location"),
    ("people.gender (gender_t)", "sensitive"),
    ("people.avatar_url (text)", "photo"),
    ("people.api_token (text)", "secret"),
    ("people.pwd (text)", "secret"),
    ("people.passport_no (text)", "identity"),
    ("people.iban (text)", "identity"),
    ("people.userIPs (text[])", "network"),
    ("staff.username (text)", "name"),
    ("staff.picture (bytea)", "binary"),
    ("staff.blurb (citext)", "values contain email addresses"),
    ("staff.visitor (inet)", "IP addresses"),
    ("events.extra (jsonb)", "values contain email addresses"),
    ("events.misc (text)", "values contain phone numbers"),
    ("events.log (text)", "values contain IP addresses"),
    ("events.ref (text)", "values contain card numbers"),
    ("events.tags (text[])", "values contain email addresses"),
    (
        "events.neutral (neutral_t, a domain over text)",
        "values contain email addresses",
    ),
    (
        "events.neutral2 (neutral2_t, a domain over text)",
        "values contain email addresses",
    ),
    (
        "events.items (list_t, a domain over text[])",
        "values contain email addresses",
    ),
    ("events.attrs (json)", "values contain phone numbers"),
    ("events.history (jsonb[])", "values contain IP addresses"),
    (
        "events.code (character varying(30))",
        "values contain card numbers",
    ),
    ("events.remote (text)", "values contain IP addresses"),
    (
        "events.via (contact_addr_t, a domain over text)",
        "type name looks like",
    ),
    ("Clients.eMailAddr (text)", "email"),
    ("Clients.homeAddr (character varying(200))", "address"),
    ("Clients.ZIP (integer)", "address"),
    ("Clients.Notes (text)", "free text"),
];

/// A migrated, empty v0.3 database in which `sql` has run.
fn v03_with(label: &str, sql: &str) -> TestDb {
    let db = TestDb::empty(label);
    let mut c = db.client();
    c.batch_execute(et_testdb::efficient_tutor::demo::BASELINE_SQL)
        .unwrap();
    migrate::run_on(
        &mut c,
        migrate::migrations().unwrap(),
        &MigrateOptions::default(),
        |_| {},
    )
    .unwrap();
    c.batch_execute(sql).unwrap();
    db
}

/// The v0.3 database plus the red-team tables.
fn red_team_db() -> TestDb {
    v03_with("pii", RED_TEAM_SQL)
}

/// Every file and folder under `dir`.
fn everything_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(everything_under(&e.path()));
        }
    }
    out
}

#[test]
fn red_team_columns_are_all_refused_at_once_and_nothing_is_written() {
    assert!(EXPECTED.len() >= 25);
    let db = red_team_db();
    let root = tempfile::tempdir().unwrap();
    let opts = ExtractOptions {
        out_dir: root.path().join("generated"),
        ..ExtractOptions::default()
    };
    let err = extract(&db.url, &opts, |_| {}).expect_err("extraction must refuse");
    assert!(
        matches!(err, ExtractError::Anonymize(_)),
        "refused for the personal-data check, not for another reason: {err}"
    );
    let text = err.to_string();

    // Every adversarial column is named, with its reason, on its own line.
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (column, reason) in EXPECTED {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("{column}: ")))
            .unwrap_or_else(|| panic!("{column} is not refused:\n{text}"));
        assert!(
            line.contains(reason),
            "{column}: reason should mention {reason:?}: {line}"
        );
    }
    // And nothing else: the listed columns are exactly the expected ones
    // (the benign `id`, `kind`, `counter`, `created_at` columns and every
    // reviewed EfficientTutor column pass).
    let listed: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.split_once(": ").map(|(c, _)| c))
        .filter(|c| c.contains('.') && c.ends_with(')'))
        .collect();
    let expected: BTreeSet<&str> = EXPECTED.iter().map(|(c, _)| *c).collect();
    assert_eq!(listed, expected, "{text}");
    // What to do is said, and no value is shown.
    assert!(
        text.contains("under [anonymize.columns] in et-testdb.toml"),
        "{text}"
    );
    assert!(text.contains("{ keep = \""), "{text}");
    for secret in [
        "a@b.example",
        "4111",
        "203.0.113.7",
        "123 4567",
        "mike@staff.example",
        "fe80",
    ] {
        assert!(
            !text.contains(secret),
            "the refusal shows a value: {secret}"
        );
    }
    insta::assert_snapshot!("red_team_refusal", text);

    // Nothing was written: no output folder, no staging folder.
    assert_eq!(
        everything_under(root.path()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn an_unreadable_table_that_passes_the_check_still_fails_on_its_type() {
    // The check reads around an unsupported type to list every column; once
    // nothing is left to review, the type itself is the error.
    let db = v03_with(
        "pii_unreadable",
        "CREATE TABLE waits (id integer PRIMARY KEY, plan pg_node_tree, kind text);
         INSERT INTO waits VALUES (1, NULL, 'plain');",
    );
    let root = tempfile::tempdir().unwrap();
    let opts = ExtractOptions {
        out_dir: root.path().join("generated"),
        ..ExtractOptions::default()
    };
    let err = extract(&db.url, &opts, |_| {}).expect_err("pg_node_tree is not supported");
    assert!(
        matches!(&err, ExtractError::Rows(_))
            && err
                .to_string()
                .lines()
                .any(|l| l
                    .split_whitespace()
                    .take(3)
                    .eq(["waits", "plan", "pg_node_tree"])),
        "{err}"
    );
    assert_eq!(everything_under(root.path()), Vec::<PathBuf>::new());
}

#[test]
fn no_anonymize_runs_no_check() {
    // The same database without the unreadable table: --no-anonymize
    // extracts the personal columns (it warns loudly elsewhere).
    let db = red_team_db();
    db.client().batch_execute("DROP TABLE staff").unwrap();
    let root = tempfile::tempdir().unwrap();
    let opts = ExtractOptions {
        out_dir: root.path().join("generated"),
        anonymize: false,
        ..ExtractOptions::default()
    };
    extract(&db.url, &opts, |_| {}).unwrap();
    let people = std::fs::read_to_string(root.path().join("generated/auto_people.rs")).unwrap();
    assert!(people.contains("alpha"), "{people}");
}
