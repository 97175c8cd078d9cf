//! THE anonymization rules: every column of the v0.3 schema that holds
//! personal data, secrets, free text or links (schema-facts.md §1.11), and
//! what happens to it. This file is reviewed like a migration: a new column
//! that looks personal fails extraction until it has a line here.

use super::Action::{self, *};

/// One rule: `table.column` gets `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub table: &'static str,
    pub column: &'static str,
    pub action: Action,
}

const fn rule(table: &'static str, column: &'static str, action: Action) -> Rule {
    Rule {
        table,
        column,
        action,
    }
}

/// Every rule, by table.
pub const RULES: &[Rule] = &[
    // users [PII] [SECRET]
    rule("users", "email", Email),
    rule("users", "first_name", FirstName),
    rule("users", "last_name", LastName),
    rule("users", "password", PasswordHash),
    rule(
        "users",
        "timezone",
        Keep("IANA zone shared by most users; needed for scheduling tests"),
    ),
    // teachers [PII]
    rule("teachers", "birth_date", BirthDate),
    rule(
        "teachers",
        "currency",
        Keep("ISO currency code, not personal"),
    ),
    rule(
        "parents",
        "currency",
        Keep("ISO currency code, not personal"),
    ),
    // students [SECRET, plaintext]
    rule("students", "generated_password", Password),
    // notes [FREE] [LINK]
    rule("notes", "name", Title),
    rule("notes", "description", Sentence),
    rule("notes", "url", Url),
    // meeting_links [LINK] [SECRET]
    rule("meeting_links", "meeting_link", MeetingLink),
    rule("meeting_links", "meeting_id", MeetingId),
    rule("meeting_links", "meeting_password", Secret),
    // payment_logs [FREE]
    rule("payment_logs", "notes", Sentence),
    // timetable [PII inside names]
    rule("timetable_solution_slots", "name", NamesInText),
    rule("timetable_runs", "legacy_solution_data", NamesInJson),
    rule("timetable_runs", "error_message", Sentence),
    rule(
        "timetable_runs",
        "input_version_hash",
        Keep("a hash of scheduler input, not personal"),
    ),
    rule(
        "timetable_runs",
        "trigger_source",
        Keep("which job started the run"),
    ),
    // calendar_events [LINK]
    rule("calendar_events", "google_event_id", ExternalId),
    // The scheduler's slot key embeds the session name (student first names).
    rule("calendar_events", "event_key", NamesInText),
    // prayer_settings [PII: a location]
    rule("prayer_settings", "latitude", Latitude),
    rule("prayer_settings", "longitude", Longitude),
    rule(
        "prayer_settings",
        "eqama_times_mins",
        Keep("minutes offsets, not personal"),
    ),
    rule(
        "prayer_settings",
        "duration_mins",
        Keep("minutes durations, not personal"),
    ),
    rule(
        "fixed_activities",
        "allowed_intervals",
        Keep("[QUASI] weekly time windows of the owner's routine, no identifiers"),
    ),
];

/// Words in a column name that suggest personal data, secrets, free text or
/// links. A text or JSON column whose name contains one and has no rule
/// fails extraction.
pub const PII_HINTS: &[&str] = &[
    "name",
    "email",
    "mail",
    "phone",
    "mobile",
    "address",
    "street",
    "city",
    "zip",
    "postal",
    "url",
    "link",
    "note",
    "description",
    "comment",
    "message",
    "password",
    "secret",
    "token",
    "birth",
    "ssn",
    "passport",
    "iban",
    "card",
    "ip",
    "location",
    "latitude",
    "longitude",
    "data",
];
