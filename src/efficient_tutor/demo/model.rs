//! The demo production data as plain rows, built in memory before anything
//! touches the database: who exists, who studies what with whom, and what
//! happened (lessons, payments, timetable runs). Pure and deterministic: the
//! same [`DemoOptions`] give the same [`Dataset`], byte for byte.
//!
//! Every choice that the v0.3 migrations depend on (schema-facts.md §2.5) is
//! made here on purpose and says so where it is made.

use std::collections::{BTreeMap, HashSet};

use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{DemoOptions, DEFAULT_TEACHER_ID, DISCOUNT_SIBLINGS, STAFF_FIRST_NAMES};

/// Money in hundredths (numeric(10,2)).
pub(crate) type Cents = i64;
/// A UTC instant in Unix seconds.
pub(crate) type Ts = i64;

/// 2025-11-15T00:00:00Z: "now" for the demo; the clock is never read.
pub(crate) const BASE_TIME: Ts = 1_763_164_800;
const DAY: Ts = 86_400;
const HOUR: Ts = 3_600;
/// Cairo in November (no DST): local wall-clock = UTC + 2 h.
const CAIRO_OFFSET: Ts = 2 * HOUR;
/// Lessons, payments and runs spread over the 430 days before [`BASE_TIME`].
const HISTORY_DAYS: i64 = 430;
/// Saturday 2025-11-08 00:00 local: the week (Sat–Thu) of the latest
/// successful timetable run, as in upstream's hard-coded schedule.
const LATEST_WEEK_START_LOCAL: Ts = BASE_TIME - 7 * DAY;

/// The two log ids the v0.3 migration deletes as duplicates (§2.4 step 1).
pub(crate) const DUPLICATE_LOG_IDS: [Uuid; 2] = [
    uuid::uuid!("c0248183-86b6-4e74-a8c7-4ce9bf48ba5a"),
    uuid::uuid!("70eebd82-9743-4b35-9262-b5d2782f0ddc"),
];

/// A `subject_enum` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Subject {
    Math,
    Physics,
    Chemistry,
    Biology,
    It,
}

impl Subject {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Subject::Math => "Math",
            Subject::Physics => "Physics",
            Subject::Chemistry => "Chemistry",
            Subject::Biology => "Biology",
            Subject::It => "IT",
        }
    }

    /// Relative popularity when a student picks subjects.
    fn weight(self) -> u32 {
        match self {
            Subject::Math | Subject::Physics => 5,
            Subject::Chemistry => 3,
            Subject::Biology => 2,
            Subject::It => 1,
        }
    }
}

/// The subjects the default teacher's specialties allow for a grade after
/// migration step 8 (NULL grade counts as 8). Anything else makes adding the
/// composite FK fail, so students only ever take these.
pub(crate) fn allowed_subjects(grade: Option<i32>) -> &'static [Subject] {
    match grade {
        Some(10) => &[Subject::Math, Subject::Physics],
        _ => &[
            Subject::Math,
            Subject::Physics,
            Subject::Chemistry,
            Subject::Biology,
            Subject::It,
        ],
    }
}

/// A `user_role` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Admin,
    Parent,
    Student,
    Teacher,
}

impl Role {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Parent => "parent",
            Role::Student => "student",
            Role::Teacher => "teacher",
        }
    }
}

pub(crate) struct User {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub role: Role,
    pub timezone: &'static str,
    pub is_first_sign_in: Option<bool>,
    pub first_name: String,
    pub last_name: String,
}

pub(crate) struct Parent {
    pub id: Uuid,
    pub currency: &'static str,
}

pub(crate) struct Student {
    pub id: Uuid,
    pub parent_id: Uuid,
    pub student_data: Value,
    pub cost: Cents,
    pub status: &'static str,
    pub min_duration_mins: i32,
    pub max_duration_mins: i32,
    pub first_name: String,
    pub last_name: String,
    pub grade: Option<i32>,
    pub generated_password: Option<String>,
    pub notes: Option<Value>,
}

/// Students who take one subject together (sharedWith is symmetric inside).
struct Group {
    members: Vec<usize>,
    subject: Subject,
    lessons_per_week: i32,
}

pub(crate) struct Tuition {
    pub id: Uuid,
    /// Student indices, in `student_ids` order.
    pub members: Vec<usize>,
    pub student_ids: Vec<Uuid>,
    pub subject: Subject,
    pub lesson_index: i32,
    pub cost: Cents,
    pub min_duration_minutes: i32,
    pub max_duration_minutes: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub meeting_link: Option<Value>,
    pub teacher_id: Option<Uuid>,
}

/// A row of tuition_template_charges or tuition_log_charges.
pub(crate) struct Charge {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub student: usize,
    pub parent_id: Uuid,
    pub cost: Cents,
}

/// How a log names its attendees: the three cases of §2.4 step 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttendeeIds {
    /// Case (a): attendee_ids lists the students.
    Listed,
    /// attendee_ids is NULL (case b with a tuition, case c without).
    Null,
    /// attendee_ids is `{}` (treated like NULL by the migration).
    Empty,
}

pub(crate) struct TuitionLog {
    pub id: Uuid,
    pub parent_user_id: Uuid,
    pub subject: Subject,
    /// The tuition whose students attended (every demo lesson is one
    /// group's lesson, whichever way the log records it).
    pub attended: usize,
    pub cost: Cents,
    pub start_time: Ts,
    pub end_time: Ts,
    pub void: bool,
    pub corrected_from_log_id: Option<Uuid>,
    pub scheduled: bool,
    pub tuition_id: Option<Uuid>,
    pub lesson_index: Option<i32>,
    pub attendee_ids: AttendeeIds,
    pub teacher_id: Option<Uuid>,
}

pub(crate) struct PaymentLog {
    pub id: Uuid,
    pub parent_user_id: Uuid,
    pub payment_date: Ts,
    pub amount_paid: Cents,
    pub notes: Option<String>,
    pub void: bool,
    pub corrected_from_log_id: Option<Uuid>,
    pub teacher_id: Uuid,
}

pub(crate) struct TimetableRun {
    pub id: i64,
    pub run_started_at: Ts,
    pub status: &'static str,
    pub input_version_hash: String,
    pub run_duration_ms: Option<i32>,
    pub trigger_source: Option<&'static str>,
    pub solution_data: Option<Value>,
    pub error_message: Option<String>,
}

pub(crate) struct CalendarEvent {
    pub timetable_run_id: i64,
    pub event_key: String,
    pub google_event_id: String,
    pub created_at: Ts,
    pub updated_at: Ts,
}

pub(crate) struct FixedActivity {
    pub id: i64,
    pub category: &'static str,
    pub sessions_per_week: i32,
    pub min_duration_mins: i32,
    pub max_duration_mins: i32,
    /// (column, label): exactly one of gym_type/sleep_type/work_type/meal_type.
    pub kind: (&'static str, &'static str),
    pub allowed_intervals: Option<Value>,
}

pub(crate) struct PrayerSettings {
    /// Micro-degrees (numeric(9,6)).
    pub latitude_micro: i64,
    pub longitude_micro: i64,
    pub api_method: i32,
    pub eqama_times_mins: Value,
    pub duration_mins: Value,
    pub last_updated: Ts,
}

/// Every row of the demo database, in insertion order per table.
pub(crate) struct Dataset {
    pub users: Vec<User>,
    pub teachers: Vec<Uuid>,
    pub parents: Vec<Parent>,
    pub students: Vec<Student>,
    pub tuitions: Vec<Tuition>,
    pub template_charges: Vec<Charge>,
    pub tuition_logs: Vec<TuitionLog>,
    pub log_charges: Vec<Charge>,
    pub payment_logs: Vec<PaymentLog>,
    pub timetable_runs: Vec<TimetableRun>,
    pub calendar_events: Vec<CalendarEvent>,
    pub activity_overlap_rules: Vec<(&'static str, &'static str)>,
    pub fixed_activities: Vec<FixedActivity>,
    pub prayer_settings: PrayerSettings,
}

/// Builds the whole dataset for `opts`.
pub(crate) fn build(opts: &DemoOptions) -> Dataset {
    let scale = opts.scale.max(1) as usize;
    let mut g = Gen::new(opts.seed);
    g.staff(scale);
    g.families(scale);
    let groups = g.groups();
    g.tuitions(&groups);
    g.tuition_logs(scale, &groups);
    g.payment_logs();
    g.timetable_runs(scale, &groups);
    Dataset {
        users: g.users,
        teachers: g.teachers,
        parents: g.parents,
        students: g.students,
        tuitions: g.tuitions,
        template_charges: g.template_charges,
        tuition_logs: g.logs,
        log_charges: g.log_charges,
        payment_logs: g.payments,
        timetable_runs: g.runs,
        calendar_events: g.events,
        activity_overlap_rules: overlap_rules(),
        fixed_activities: fixed_activities(),
        prayer_settings: prayer_settings(),
    }
}

/// The generator's state: one ChaCha8 stream plus the uniqueness sets.
struct Gen {
    rng: ChaCha8Rng,
    users: Vec<User>,
    teachers: Vec<Uuid>,
    /// Teachers other than the default one (for a few logs and payments).
    other_teachers: Vec<Uuid>,
    parents: Vec<Parent>,
    students: Vec<Student>,
    /// Student index → its parent's users index.
    student_parent_user: Vec<usize>,
    tuitions: Vec<Tuition>,
    /// Group index → its tuitions' indices (lesson 1, 2, …).
    group_tuitions: Vec<Vec<usize>>,
    template_charges: Vec<Charge>,
    logs: Vec<TuitionLog>,
    log_charges: Vec<Charge>,
    payments: Vec<PaymentLog>,
    runs: Vec<TimetableRun>,
    events: Vec<CalendarEvent>,
    emails: HashSet<String>,
    /// Lower-cased student first names: unique, because the migration and
    /// timetable synthesis look students up by first name.
    student_first_names: HashSet<String>,
    /// Names no generated person may take (staff and the discount siblings).
    reserved_first_names: HashSet<String>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut reserved: HashSet<String> =
            STAFF_FIRST_NAMES.iter().map(|n| n.to_lowercase()).collect();
        reserved.extend(DISCOUNT_SIBLINGS.iter().map(|(f, _)| f.to_lowercase()));
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            users: Vec::new(),
            teachers: Vec::new(),
            other_teachers: Vec::new(),
            parents: Vec::new(),
            students: Vec::new(),
            student_parent_user: Vec::new(),
            tuitions: Vec::new(),
            group_tuitions: Vec::new(),
            template_charges: Vec::new(),
            logs: Vec::new(),
            log_charges: Vec::new(),
            payments: Vec::new(),
            runs: Vec::new(),
            events: Vec::new(),
            emails: HashSet::new(),
            student_first_names: HashSet::new(),
            reserved_first_names: reserved,
        }
    }

    // ----- primitives -------------------------------------------------------

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn range(&mut self, lo: i64, hi_inclusive: i64) -> i64 {
        self.rng.random_range(lo..=hi_inclusive)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).expect("non-empty choice list")
    }

    fn alnum(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        (0..len)
            .map(|_| CHARS[self.rng.random_range(0..CHARS.len())] as char)
            .collect()
    }

    fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|i| {
                let lo = if i == 0 { 1 } else { 0 };
                char::from(b'0' + self.rng.random_range(lo..10u8))
            })
            .collect()
    }

    /// A first name from `fake` that is a single alphabetic word and not reserved.
    fn first_name(&mut self) -> String {
        loop {
            let name: String = FirstName().fake_with_rng(&mut self.rng);
            if name.chars().all(|c| c.is_ascii_alphabetic())
                && !self.reserved_first_names.contains(&name.to_lowercase())
            {
                return name;
            }
        }
    }

    fn last_name(&mut self) -> String {
        LastName().fake_with_rng(&mut self.rng)
    }

    /// A student first name no other student has (case-insensitively). Once
    /// the name list runs thin, double names ("Anna-Maria") keep it unique.
    fn unique_student_first_name(&mut self) -> String {
        for _ in 0..8 {
            let name = self.first_name();
            if self.student_first_names.insert(name.to_lowercase()) {
                return name;
            }
        }
        loop {
            let name = format!("{}-{}", self.first_name(), self.first_name());
            if self.student_first_names.insert(name.to_lowercase()) {
                return name;
            }
        }
    }

    fn email(&mut self, first: &str, last: &str, domain: Option<&str>) -> String {
        const PROVIDERS: [&str; 5] = [
            "gmail.com",
            "yahoo.com",
            "hotmail.com",
            "outlook.com",
            "icloud.com",
        ];
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        };
        let domain = match domain {
            Some(d) => d.to_string(),
            None => self.pick(&PROVIDERS).to_string(),
        };
        let (f, l) = (clean(first), clean(last));
        let style = self.range(0, 3);
        let mut local = match style {
            0 => format!("{f}.{l}"),
            1 => format!("{f}{l}"),
            2 => format!("{}{l}", &f[..1]),
            _ => format!("{f}.{l}{}", self.range(1, 99)),
        };
        if self.emails.contains(&format!("{local}@{domain}")) {
            local = format!("{f}.{l}{}", self.range(100, 9999));
        }
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !self.emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        email
    }

    /// A fake but well-formed werkzeug PBKDF2 hash: `pbkdf2:sha256:600000$salt$hex`.
    /// The hex is a SHA-256 of the user id and salt, so it verifies no password.
    fn pbkdf2_hash(&mut self, user_id: Uuid) -> String {
        let salt = self.alnum(16);
        let digest = Sha256::digest(format!("et-testdb demo:{user_id}:{salt}").as_bytes());
        format!("pbkdf2:sha256:600000${salt}${}", hex(&digest))
    }

    fn push_user(&mut self, id: Uuid, role: Role, first: String, last: String, email: String) {
        let password = self.pbkdf2_hash(id);
        let timezone = if self.chance(0.8) {
            "Africa/Cairo"
        } else {
            self.pick(&["Asia/Kuwait", "Asia/Riyadh", "Asia/Dubai", "Europe/London"])
        };
        let is_first_sign_in = match self.range(0, 9) {
            0 => None,
            1..=3 => Some(true),
            _ => Some(false),
        };
        self.users.push(User {
            id,
            email,
            password,
            role,
            timezone,
            is_first_sign_in,
            first_name: first,
            last_name: last,
        });
    }

    // ----- people -----------------------------------------------------------

    /// Staff: the default teacher, more teachers and admin-role users. The
    /// first six carry [`STAFF_FIRST_NAMES`] (upstream re-hashes six staff
    /// accounts found by first name); v0.2 has no admins table, so admins
    /// are users with role `admin` only.
    fn staff(&mut self, scale: usize) {
        let teachers = 1 + 3 * scale;
        let admins = 2 * scale;
        let mut named = STAFF_FIRST_NAMES.iter();
        for i in 0..teachers + admins {
            let is_teacher = i < 4 || (i >= 6 && i < teachers + 2);
            let id = if i == 0 {
                DEFAULT_TEACHER_ID
            } else {
                self.uuid()
            };
            let first = match named.next() {
                Some(n) => n.to_string(),
                None => self.first_name(),
            };
            let last = self.last_name();
            let email = self.email(&first, &last, Some("efficienttutor.net"));
            let role = if is_teacher {
                Role::Teacher
            } else {
                Role::Admin
            };
            self.push_user(id, role, first, last, email);
            if is_teacher {
                self.teachers.push(id);
                if i != 0 {
                    self.other_teachers.push(id);
                }
            }
        }
    }

    /// Parents and their children. Family 0 is the discount-sibling family
    /// (§2.4 step 12): same parent, same last name, grade 8.
    fn families(&mut self, scale: usize) {
        for family in 0..130 * scale {
            let last = if family == 0 {
                DISCOUNT_SIBLINGS[0].1.to_string()
            } else {
                self.last_name()
            };
            let parent_first = self.first_name();
            let parent_id = self.uuid();
            let email = self.email(&parent_first, &last, None);
            self.push_user(parent_id, Role::Parent, parent_first, last.clone(), email);
            let parent_user = self.users.len() - 1;
            let currency = if self.chance(0.7) { "KWD" } else { "EGP" };
            self.parents.push(Parent {
                id: parent_id,
                currency,
            });
            if family == 0 {
                for (first, _) in DISCOUNT_SIBLINGS {
                    self.student(parent_id, parent_user, first.into(), last.clone(), Some(8));
                }
                continue;
            }
            let children = match self.range(0, 99) {
                0..=24 => 1,
                25..=74 => 2,
                _ => 3,
            };
            for _ in 0..children {
                let grade = match self.range(0, 99) {
                    0..=34 => Some(10),
                    35..=64 => Some(8),
                    65..=89 => Some(7),
                    _ => None,
                };
                let first = self.unique_student_first_name();
                self.student(parent_id, parent_user, first, last.clone(), grade);
            }
        }
    }

    fn student(
        &mut self,
        parent_id: Uuid,
        parent_user: usize,
        first: String,
        last: String,
        grade: Option<i32>,
    ) {
        let id = self.uuid();
        let domain = if self.chance(0.5) {
            Some("students.efficienttutor.net")
        } else {
            None
        };
        let email = self.email(&first, &last, domain);
        self.push_user(id, Role::Student, first.clone(), last.clone(), email);
        let cost = self.pick(&[500, 600, 600, 600, 600, 700, 750, 800]);
        let status = self.pick(&[
            "NONE", "NONE", "NONE", "NONE", "NONE", "Alpha", "Omega", "Sigma", "HIM",
        ]);
        let (min, max) = self.pick(&[(60, 90), (60, 90), (60, 90), (45, 60), (60, 120), (90, 120)]);
        let generated_password = if self.chance(0.85) {
            Some(self.alnum(10))
        } else {
            None
        };
        let notes = if self.chance(0.6) {
            Some(self.notes(grade))
        } else {
            None
        };
        let availability = self.availability();
        self.students.push(Student {
            id,
            parent_id,
            // Subjects are filled in by `groups`, once sharing is decided.
            student_data: json!({ "subjects": [], "availability": availability }),
            cost,
            status,
            min_duration_mins: min,
            max_duration_mins: max,
            first_name: first,
            last_name: last,
            grade,
            generated_password,
            notes,
        });
        self.student_parent_user.push(parent_user);
    }

    /// Weekly routine keyed by lower-case day names, types from the four
    /// original availability labels. School runs Sunday to Thursday.
    ///
    /// About a third of the students never filled in the form: every day is
    /// an empty list. The migration then gives them no intervals and the
    /// synthesized timetable no availability slots, an edge case tests need.
    /// It also keeps the default scale's extracted rows (each interval
    /// becomes an interval row and a slot row) within what compiles in
    /// under 5 s.
    fn availability(&mut self) -> Value {
        const DAYS: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        if self.chance(1.0 / 3.0) {
            let empty = DAYS.iter().map(|d| (d.to_string(), json!([])));
            return Value::Object(empty.collect());
        }
        let wake = self.pick(&["06:00", "06:30", "07:00"]);
        let bed = self.pick(&["22:00", "22:30", "23:00"]);
        let school_end = self.pick(&["13:30", "14:00", "14:30", "15:00"]);
        let sports_days: Vec<usize> = (0..self.range(0, 2))
            .map(|_| self.range(0, 6) as usize)
            .collect();
        let mut out = serde_json::Map::new();
        for (d, day) in DAYS.iter().enumerate() {
            let mut blocks = vec![json!({"start": "00:00", "end": wake, "type": "sleep"})];
            if matches!(
                *day,
                "sunday" | "monday" | "tuesday" | "wednesday" | "thursday"
            ) {
                blocks.push(json!({"start": "07:30", "end": school_end, "type": "school"}));
            }
            if sports_days.contains(&d) {
                blocks.push(json!({"start": "17:00", "end": "18:30", "type": "sports"}));
            }
            if self.chance(0.15) {
                let h = self.range(15, 20);
                blocks.push(json!({
                    "start": format!("{h:02}:00"),
                    "end": format!("{h:02}:45"),
                    "type": "others"
                }));
            }
            blocks.push(json!({"start": bed, "end": "23:59", "type": "sleep"}));
            out.insert(day.to_string(), Value::Array(blocks));
        }
        Value::Object(out)
    }

    /// GoodNotes-style notes. Names and descriptions mention the subject the
    /// way teachers wrote them, so the migration's substring guess has work.
    fn notes(&mut self, grade: Option<i32>) -> Value {
        const TOPICS: [(Subject, &str); 14] = [
            (Subject::Math, "Algebra"),
            (Subject::Math, "Numbers and indices"),
            (Subject::Math, "Trigonometry"),
            (Subject::Math, "Simultaneous equations"),
            (Subject::Physics, "Forces and motion"),
            (Subject::Physics, "Hooke's law"),
            (Subject::Physics, "Electric circuits"),
            (Subject::Physics, "Waves"),
            (Subject::Chemistry, "Moles"),
            (Subject::Chemistry, "Periodic table"),
            (Subject::Biology, "Cells"),
            (Subject::Biology, "Photosynthesis"),
            (Subject::It, "Spreadsheets"),
            (Subject::It, "Algorithms and flowcharts"),
        ];
        let allowed = allowed_subjects(grade);
        let n = self.range(1, 4);
        let mut notes = Vec::new();
        for i in 0..n {
            let (subject, topic) = loop {
                let t = self.pick(&TOPICS);
                if allowed.contains(&t.0) {
                    break t;
                }
            };
            let kind = self.range(0, 9);
            let name = match kind {
                0..=5 => topic.to_string(),
                6 | 7 => format!("{topic} HW {}", self.range(1, 8)),
                _ => format!(
                    "{} past paper {} {}",
                    subject.label(),
                    self.pick(&["May/June", "Oct/Nov", "Feb/March"]),
                    self.range(2018, 2024)
                ),
            };
            let mut note = serde_json::Map::new();
            note.insert(
                "id".into(),
                json!(format!("note-{}-{}", i + 1, self.alnum(4).to_lowercase())),
            );
            note.insert("name".into(), json!(name));
            if self.chance(0.9) {
                let description = match kind {
                    0..=5 => format!("{} notes: {topic}", subject.label()),
                    6 | 7 => format!("Homework on {}", topic.to_lowercase()),
                    _ => "Solve it timed, then check the mark scheme".to_string(),
                };
                note.insert("description".into(), json!(description));
            }
            note.insert(
                "url".into(),
                json!(format!("https://share.goodnotes.com/s/{}", self.alnum(22))),
            );
            notes.push(Value::Object(note));
        }
        Value::Array(notes)
    }

    // ----- teaching ---------------------------------------------------------

    /// Picks each student's subjects and forms groups of one grade and one
    /// subject (sharedWith is symmetric inside a group), then writes the
    /// subjects into student_data. The discount siblings share Math and
    /// Physics.
    fn groups(&mut self) -> Vec<Group> {
        let mut groups = vec![
            Group {
                members: vec![0, 1],
                subject: Subject::Math,
                lessons_per_week: 2,
            },
            Group {
                members: vec![0, 1],
                subject: Subject::Physics,
                lessons_per_week: 1,
            },
        ];
        // (grade, subject) → students enrolled, in student order.
        let mut pools: BTreeMap<(Option<i32>, Subject), Vec<usize>> = BTreeMap::new();
        for s in 2..self.students.len() {
            let grade = self.students[s].grade;
            let allowed = allowed_subjects(grade);
            let wanted = if grade == Some(10) {
                self.range(1, 2)
            } else {
                match self.range(0, 99) {
                    0..=34 => 1,
                    35..=79 => 2,
                    _ => 3,
                }
            };
            let mut taken: Vec<Subject> = Vec::new();
            while (taken.len() as i64) < wanted {
                let subject = *allowed
                    .choose_weighted(&mut self.rng, |s| s.weight())
                    .expect("weights are positive");
                if !taken.contains(&subject) {
                    taken.push(subject);
                }
            }
            for subject in taken {
                pools.entry((grade, subject)).or_default().push(s);
            }
        }
        for (&(_, subject), pool) in pools.iter_mut() {
            pool.shuffle(&mut self.rng);
            let mut rest = &pool[..];
            while !rest.is_empty() {
                let size = match self.range(0, 99) {
                    0..=74 => 1,
                    75..=94 => 2,
                    _ => 3,
                }
                .min(rest.len());
                let lessons_per_week = match self.range(0, 99) {
                    0..=59 => 1,
                    60..=94 => 2,
                    _ => 3,
                };
                let mut members = rest[..size].to_vec();
                members.sort_unstable();
                groups.push(Group {
                    members,
                    subject,
                    lessons_per_week,
                });
                rest = &rest[size..];
            }
        }
        // student_data.subjects, in subject order per student.
        let mut subjects: Vec<Vec<(Subject, Value)>> = vec![Vec::new(); self.students.len()];
        for group in &groups {
            for &m in &group.members {
                let shared: Vec<String> = group
                    .members
                    .iter()
                    .filter(|&&o| o != m)
                    .map(|&o| self.students[o].id.to_string())
                    .collect();
                let mut entry = serde_json::Map::new();
                entry.insert("name".into(), json!(group.subject.label()));
                entry.insert("lessonsPerWeek".into(), json!(group.lessons_per_week));
                // Old rows of a solo student often lack the key altogether.
                if !shared.is_empty() || self.chance(0.6) {
                    entry.insert("sharedWith".into(), json!(shared));
                }
                subjects[m].push((group.subject, Value::Object(entry)));
            }
        }
        for (s, mut list) in subjects.into_iter().enumerate() {
            list.sort_by_key(|(subject, _)| *subject);
            self.students[s].student_data["subjects"] =
                Value::Array(list.into_iter().map(|(_, v)| v).collect());
        }
        groups
    }

    /// One tuition per group and lesson index, with the group's meeting link,
    /// and template charges that split the group's cost equally (as v0.2's
    /// backfill did).
    fn tuitions(&mut self, groups: &[Group]) {
        for group in groups {
            let mut members = group.members.clone();
            members.sort_by_key(|&m| self.students[m].id);
            let student_ids: Vec<Uuid> = members.iter().map(|&m| self.students[m].id).collect();
            let cost: Cents = members.iter().map(|&m| self.students[m].cost).sum();
            let min = members
                .iter()
                .map(|&m| self.students[m].min_duration_mins)
                .max()
                .unwrap_or(60);
            let max = members
                .iter()
                .map(|&m| self.students[m].max_duration_mins)
                .max()
                .unwrap_or(90);
            let link = if self.chance(0.8) {
                Some(self.meeting_link())
            } else {
                None
            };
            // Always the default teacher: a tuition with a NULL teacher would get
            // a different deterministic id in fix_tuition_ids (§2.6 A, `None`
            // in the id text) than its regenerated twin, and relinking its logs
            // would fail.
            let teacher_id = Some(DEFAULT_TEACHER_ID);
            let mut indices = Vec::new();
            for lesson_index in 1..=group.lessons_per_week {
                let created_at = BASE_TIME - (HISTORY_DAYS + 30) * DAY + self.range(0, 60 * DAY);
                let updated_at = if self.chance(0.5) {
                    created_at
                } else {
                    created_at + self.range(HOUR, 300 * DAY)
                };
                let id = self.uuid();
                for &m in &members {
                    let charge_id = self.uuid();
                    self.template_charges.push(Charge {
                        id: charge_id,
                        owner_id: id,
                        student: m,
                        parent_id: self.students[m].parent_id,
                        cost: split(cost, members.len()),
                    });
                }
                indices.push(self.tuitions.len());
                self.tuitions.push(Tuition {
                    id,
                    members: members.clone(),
                    student_ids: student_ids.clone(),
                    subject: group.subject,
                    lesson_index,
                    cost,
                    min_duration_minutes: min,
                    max_duration_minutes: max,
                    created_at,
                    updated_at,
                    meeting_link: link.clone(),
                    teacher_id,
                });
            }
            self.group_tuitions.push(indices);
        }
    }

    fn meeting_link(&mut self) -> Value {
        match self.range(0, 19) {
            0..=10 => {
                let id = self.digits(11);
                let link = format!(
                    "https://us{:02}web.zoom.us/j/{id}?pwd={}",
                    self.pick(&[2, 4, 5, 6]),
                    self.alnum(32)
                );
                let shown = format!("{} {} {}", &id[..3], &id[3..7], &id[7..]);
                json!({ "meeting_link": link, "meeting_id": shown })
            }
            11..=18 => {
                let code = format!(
                    "{}-{}-{}",
                    self.alnum(3).to_lowercase(),
                    self.alnum(4).to_lowercase(),
                    self.alnum(3).to_lowercase()
                );
                json!({ "meeting_link": format!("https://meet.google.com/{code}"), "meeting_id": code })
            }
            _ => json!({
                "meeting_link": format!("https://teams.live.com/meet/{}", self.digits(13)),
                "meeting_id": Value::Null
            }),
        }
    }

    // ----- finance ----------------------------------------------------------

    /// Lessons that happened: mostly scheduled from a tuition (case a), some
    /// custom ones that point at a tuition without ids (case b) or only name
    /// the attendees (case c). About 4 % were voided and corrected, some
    /// corrections corrected again; the two duplicate ids the migration
    /// deletes copy two earlier logs. Charges split each log's cost equally.
    fn tuition_logs(&mut self, scale: usize, groups: &[Group]) {
        // The siblings' weekly Math and Physics lessons over the last 12
        // weeks: logs that charge both (step 12 discounts them).
        for week in 1..=12 {
            for g in 0..2 {
                for (i, &t) in self.group_tuitions[g].clone().iter().enumerate() {
                    let day = BASE_TIME - week * 7 * DAY + (2 * i as i64 + g as i64) * DAY;
                    self.log_for_tuition(t, day, LogShape::Scheduled);
                }
            }
        }
        let target = 5000 * scale;
        while self.logs.len() < target {
            let g = self.rng.random_range(0..groups.len());
            let t = self.pick(&self.group_tuitions[g].clone());
            let day = BASE_TIME - self.range(1, HISTORY_DAYS) * DAY;
            let shape = match self.range(0, 99) {
                0..=59 => LogShape::Scheduled,
                60..=71 => LogShape::TuitionOnly,
                72..=81 => LogShape::IdsOnly,
                _ => LogShape::NamesOnly,
            };
            let original = self.log_for_tuition(t, day, shape);
            if self.chance(0.04) {
                let fixed = self.correct_log(original);
                if self.chance(0.1) {
                    self.correct_log(fixed);
                }
            }
        }
        // Two plain scheduled logs entered twice.
        let plain: Vec<usize> = (0..self.logs.len())
            .filter(|&i| {
                let l = &self.logs[i];
                l.scheduled && !l.void && l.corrected_from_log_id.is_none()
            })
            .collect();
        for (k, id) in DUPLICATE_LOG_IDS.into_iter().enumerate() {
            self.duplicate_log(plain[plain.len() * (k + 1) / 3], id);
        }
    }

    /// Adds one log of tuition `t` on the day starting at `day` (UTC midnight).
    fn log_for_tuition(&mut self, t: usize, day: Ts, shape: LogShape) -> usize {
        let tuition = &self.tuitions[t];
        let (first_member, subject, cost, lesson_index, tuition_id) = (
            tuition.members[0],
            tuition.subject,
            tuition.cost,
            tuition.lesson_index,
            tuition.id,
        );
        let (min, max) = (tuition.min_duration_minutes, tuition.max_duration_minutes);
        let local_hour = self.range(14, 21);
        let start = day + local_hour * HOUR + self.pick(&[0, 0, 30]) * 60 - CAIRO_OFFSET;
        let minutes = self
            .pick(&[60, 60, 90, 90, 120])
            .clamp(min.min(max) as i64, max.max(min) as i64);
        let teacher_id = match self.range(0, 99) {
            0..=79 => Some(DEFAULT_TEACHER_ID),
            80..=89 => Some(self.pick(&self.other_teachers.clone())),
            _ => None,
        };
        let (scheduled, tuition_id, lesson_index, attendee_ids) = match shape {
            LogShape::Scheduled => (
                true,
                Some(tuition_id),
                Some(lesson_index),
                AttendeeIds::Listed,
            ),
            LogShape::TuitionOnly => {
                let ids = if self.chance(0.8) {
                    AttendeeIds::Null
                } else {
                    AttendeeIds::Empty
                };
                (false, Some(tuition_id), Some(lesson_index), ids)
            }
            LogShape::IdsOnly => (false, None, None, AttendeeIds::Listed),
            LogShape::NamesOnly => {
                let ids = if self.chance(0.8) {
                    AttendeeIds::Null
                } else {
                    AttendeeIds::Empty
                };
                (false, None, None, ids)
            }
        };
        let parent_user_id = self.users[self.student_parent_user[first_member]].id;
        let id = self.uuid();
        self.push_log(TuitionLog {
            id,
            parent_user_id,
            subject,
            attended: t,
            cost,
            start_time: start,
            end_time: start + minutes * 60,
            void: false,
            corrected_from_log_id: None,
            scheduled,
            tuition_id,
            lesson_index,
            attendee_ids,
            teacher_id,
        })
    }

    fn push_log(&mut self, log: TuitionLog) -> usize {
        let n = self.tuitions[log.attended].members.len();
        for k in 0..n {
            let a = self.tuitions[log.attended].members[k];
            let id = self.uuid();
            self.log_charges.push(Charge {
                id,
                owner_id: log.id,
                student: a,
                parent_id: self.students[a].parent_id,
                cost: split(log.cost, n),
            });
        }
        self.logs.push(log);
        self.logs.len() - 1
    }

    /// Voids log `i` and adds its ACTIVE correction (moved time or changed
    /// cost), which points back at it.
    fn correct_log(&mut self, i: usize) -> usize {
        self.logs[i].void = true;
        let shift = self.pick(&[-30 * 60, 30 * 60, 60 * 60, DAY]);
        let cost_change = self.pick(&[0, 0, -100, 100, -self.logs[i].cost / 2]);
        let id = self.uuid();
        let old = &self.logs[i];
        let copy = TuitionLog {
            id,
            parent_user_id: old.parent_user_id,
            subject: old.subject,
            attended: old.attended,
            cost: (old.cost + cost_change).max(100),
            start_time: old.start_time + shift,
            end_time: old.end_time + shift,
            void: false,
            corrected_from_log_id: Some(old.id),
            scheduled: false,
            tuition_id: old.tuition_id,
            lesson_index: old.lesson_index,
            attendee_ids: old.attendee_ids,
            teacher_id: old.teacher_id,
        };
        self.push_log(copy)
    }

    /// An exact copy of log `i` under `id` (production had such duplicates).
    fn duplicate_log(&mut self, i: usize, id: Uuid) {
        let old = &self.logs[i];
        let copy = TuitionLog {
            id,
            parent_user_id: old.parent_user_id,
            subject: old.subject,
            attended: old.attended,
            cost: old.cost,
            start_time: old.start_time,
            end_time: old.end_time,
            void: false,
            corrected_from_log_id: None,
            scheduled: old.scheduled,
            tuition_id: old.tuition_id,
            lesson_index: old.lesson_index,
            attendee_ids: old.attendee_ids,
            teacher_id: old.teacher_id,
        };
        self.push_log(copy);
    }

    /// About eight payments per parent, mostly to the default teacher, with
    /// free-text notes; about 3 % voided and corrected.
    fn payment_logs(&mut self) {
        let parents: Vec<(Uuid, Vec<usize>)> = {
            let mut by_parent: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (s, &p) in self.student_parent_user.iter().enumerate() {
                by_parent.entry(p).or_default().push(s);
            }
            by_parent
                .into_iter()
                .map(|(p, kids)| (self.users[p].id, kids))
                .collect()
        };
        for (parent_id, kids) in parents {
            let count = self.range(4, 12);
            for _ in 0..count {
                let day = BASE_TIME - self.range(1, HISTORY_DAYS) * DAY;
                let payment_date =
                    day + self.range(9, 22) * HOUR + self.range(0, 59) * 60 - CAIRO_OFFSET;
                let amount_paid = self.range(24, 192) * 50;
                let kid = self.pick(&kids);
                let notes = self.payment_note(kid, payment_date);
                let teacher_id = if self.chance(0.9) {
                    DEFAULT_TEACHER_ID
                } else {
                    self.pick(&self.other_teachers.clone())
                };
                let id = self.uuid();
                self.payments.push(PaymentLog {
                    id,
                    parent_user_id: parent_id,
                    payment_date,
                    amount_paid,
                    notes,
                    void: false,
                    corrected_from_log_id: None,
                    teacher_id,
                });
                if self.chance(0.03) {
                    let last = self.payments.len() - 1;
                    self.payments[last].void = true;
                    let delta = self.pick(&[-500, -250, 250, 500]);
                    let fixed_id = self.uuid();
                    let old = &self.payments[last];
                    let fixed = PaymentLog {
                        id: fixed_id,
                        parent_user_id: old.parent_user_id,
                        payment_date: old.payment_date + HOUR,
                        amount_paid: (old.amount_paid + delta).max(500),
                        notes: Some("Corrected amount (typo in the first entry)".into()),
                        void: false,
                        corrected_from_log_id: Some(old.id),
                        teacher_id: old.teacher_id,
                    };
                    self.payments.push(fixed);
                }
            }
        }
    }

    fn payment_note(&mut self, kid: usize, at: Ts) -> Option<String> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS[(time::OffsetDateTime::from_unix_timestamp(at)
            .map(|t| t.month() as usize)
            .unwrap_or(1))
            - 1];
        let first = self.students[kid].first_name.clone();
        Some(match self.range(0, 9) {
            0..=3 => return None,
            4 => format!("Cash, {month} sessions"),
            5 => format!("Bank transfer ref {}", self.digits(8)),
            6 => format!("InstaPay {}", self.digits(10)),
            7 => format!("Paid for {first}'s lessons ({month})"),
            8 => "Partial payment, rest next week".to_string(),
            _ => format!("Paid by {first}'s mother via WhatsApp transfer"),
        })
    }

    // ----- timetable --------------------------------------------------------

    /// Runs of the external scheduler, oldest first. The last one is the
    /// latest SUCCESS: its solution holds 22 tuition sessions over Sat 8 –
    /// Thu 13 Nov 2025 (19 single, 3 pairs; Physics 8, Math 7, Chemistry 5,
    /// IT 1, Biology 1) that name real tuition groups, like upstream's
    /// hard-coded schedule. Recent successful runs have calendar events.
    fn timetable_runs(&mut self, scale: usize, groups: &[Group]) {
        let count = 10 * scale;
        let first = BASE_TIME - HISTORY_DAYS * DAY;
        let last = LATEST_WEEK_START_LOCAL - CAIRO_OFFSET - 4 * HOUR;
        for n in 0..count {
            let id = n as i64 + 1;
            let started = first + (last - first) * n as i64 / (count as i64 - 1).max(1);
            let is_last = n + 1 == count;
            let status = if is_last {
                "SUCCESS"
            } else {
                match self.range(0, 9) {
                    0..=6 => "SUCCESS",
                    7 | 8 => "FAILED",
                    _ => "MANUAL",
                }
            };
            let week_start = started + CAIRO_OFFSET + DAY - (started + CAIRO_OFFSET) % DAY;
            let (solution_data, error_message) = match status {
                "FAILED" => (
                    None,
                    Some(
                        self.pick(&[
                            "Solver status INFEASIBLE: no assignment satisfies all availability constraints",
                            "Solver timed out after 300 s without a feasible solution",
                            "Prayer times API request failed: 503 Service Unavailable",
                        ])
                        .to_string(),
                    ),
                ),
                _ if is_last => (Some(self.latest_solution(groups)), None),
                _ => (Some(self.solution(week_start, groups)), None),
            };
            let hash = hex(&Sha256::digest(format!("demo run {id} {}", self.alnum(8))));
            let run_duration_ms = Some(self.range(800, 95_000) as i32);
            let trigger_source = Some(self.pick(&["cron", "cron", "manual", "api"]));
            self.runs.push(TimetableRun {
                id,
                run_started_at: started,
                status,
                input_version_hash: hash,
                run_duration_ms,
                trigger_source,
                solution_data,
                error_message,
            });
        }
        // Calendar sync of the three most recent successful runs per scale unit.
        let synced: Vec<usize> = (0..self.runs.len())
            .rev()
            .filter(|&r| self.runs[r].status == "SUCCESS")
            .take(3 * scale)
            .collect();
        for r in synced.into_iter().rev() {
            let run = &self.runs[r];
            let (run_id, started) = (run.id, run.run_started_at);
            let sessions: Vec<(String, String)> = run
                .solution_data
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        s["name"].as_str().unwrap_or_default().to_string(),
                        s["start_time"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            for (name, start) in sessions {
                let created_at = started + self.range(30, 600);
                let updated_at = if self.chance(0.7) {
                    created_at
                } else {
                    created_at + self.range(60, 3 * DAY)
                };
                let google_event_id: String = (0..26)
                    .map(|_| {
                        let c = self.rng.random_range(0..32u8);
                        char::from(if c < 10 { b'0' + c } else { b'a' + c - 10 })
                    })
                    .collect();
                self.events.push(CalendarEvent {
                    timetable_run_id: run_id,
                    event_key: format!("{name}@{start}"),
                    google_event_id,
                    created_at,
                    updated_at,
                });
            }
        }
    }

    /// A week of sessions for an older run: tuitions of random groups plus
    /// the owner's other categories.
    fn solution(&mut self, week_start_local: Ts, groups: &[Group]) -> Value {
        let n = self.range(15, 25) as usize;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < n.min(self.tuitions.len()) {
            let g = self.rng.random_range(0..groups.len());
            let t = self.pick(&self.group_tuitions[g].clone());
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        self.week_sessions(week_start_local, &chosen)
    }

    /// The latest run's 22 sessions, resolving to real tuition groups.
    fn latest_solution(&mut self, groups: &[Group]) -> Value {
        // (subject, group size) for each session; the first pair is the
        // discount siblings' Math lesson 1.
        let mut wanted: Vec<(Subject, usize)> = Vec::new();
        wanted.extend([(Subject::Physics, 2), (Subject::Chemistry, 2)]);
        wanted.extend([(Subject::Physics, 1); 7]);
        wanted.extend([(Subject::Math, 1); 6]);
        wanted.extend([(Subject::Chemistry, 1); 4]);
        wanted.extend([(Subject::It, 1), (Subject::Biology, 1)]);
        let mut chosen: Vec<usize> = vec![self.group_tuitions[0][0]];
        let mut order: Vec<usize> = (2..groups.len()).collect();
        order.shuffle(&mut self.rng);
        for (subject, size) in wanted {
            let fits = |gi: &usize, exact: bool| {
                groups[*gi].subject == subject && (!exact || groups[*gi].members.len() == size)
            };
            let pick = order
                .iter()
                .copied()
                .filter(|gi| fits(gi, true))
                .chain(order.iter().copied().filter(|gi| fits(gi, false)))
                .flat_map(|gi| self.group_tuitions[gi].clone())
                .find(|t| !chosen.contains(t));
            if let Some(t) = pick {
                chosen.push(t);
            }
        }
        chosen.shuffle(&mut self.rng);
        self.week_sessions(LATEST_WEEK_START_LOCAL, &chosen)
    }

    /// Lays tuition sessions out over Saturday–Thursday from
    /// `week_start_local` (a local midnight), 15:00–21:00, and adds sleep,
    /// meals, gym, prayer and work blocks. Times are naive local ISO
    /// datetimes, as the scheduler wrote them.
    fn week_sessions(&mut self, week_start_local: Ts, tuitions: &[usize]) -> Value {
        let mut sessions = Vec::new();
        let per_day = tuitions.len().div_ceil(6).max(1);
        for (i, &t) in tuitions.iter().enumerate() {
            let day = (i / per_day) as i64;
            let slot = (i % per_day) as i64;
            let tuition = &self.tuitions[t];
            let start = week_start_local + day * DAY + 15 * HOUR + slot * 90 * 60;
            let end = start + tuition.min_duration_minutes.min(90) as i64 * 60;
            let mut name = String::from("Tuition");
            for &m in &tuition.members {
                name.push('_');
                name.push_str(&self.students[m].first_name);
            }
            name.push_str(&format!(
                "_{}_{}",
                tuition.subject.label(),
                tuition.lesson_index
            ));
            sessions.push(session(&name, "Tuition", start, end));
        }
        const PRAYERS: [(&str, Ts); 5] = [
            ("Fajr", 5 * HOUR),
            ("Dhuhr", 12 * HOUR),
            ("Asr", 15 * HOUR - 15 * 60),
            ("Maghrib", 17 * HOUR),
            ("Isha", 18 * HOUR + 30 * 60),
        ];
        for day in 0..6 {
            let base = week_start_local + day * DAY;
            sessions.push(session(
                &format!("Sleep_NIGHT_{}", day + 1),
                "Sleep",
                base - HOUR,
                base + 6 * HOUR + 30 * 60,
            ));
            for (meal, at) in [
                ("BREAKFAST", 8 * HOUR),
                ("LUNCH", 14 * HOUR),
                ("DINNER", 21 * HOUR),
            ] {
                sessions.push(session(
                    &format!("Meal_{meal}_{}", day + 1),
                    "Meal",
                    base + at,
                    base + at + 30 * 60,
                ));
            }
            for (prayer, at) in PRAYERS {
                let at = at + self.range(0, 5) * 60;
                sessions.push(session(
                    &format!("Prayer_{prayer}_{}", day + 1),
                    "Prayer",
                    base + at,
                    base + at + 15 * 60,
                ));
            }
            if day % 2 == 0 {
                let kind = ["PUSH", "PULL", "LEG"][(day / 2) as usize];
                sessions.push(session(
                    &format!("Gym_{kind}_{}", day / 2 + 1),
                    "Gym",
                    base + 7 * HOUR,
                    base + 8 * HOUR + 15 * 60,
                ));
            }
            if day < 5 {
                sessions.push(session(
                    &format!("Work_MAIN_JOB_{}", day + 1),
                    "Work",
                    base + 9 * HOUR,
                    base + 13 * HOUR + 30 * 60,
                ));
            }
        }
        Value::Array(sessions)
    }
}

#[derive(Clone, Copy)]
enum LogShape {
    /// SCHEDULED from a tuition, attendee_ids listed (case a).
    Scheduled,
    /// CUSTOM with a tuition_id but no attendee ids (case b).
    TuitionOnly,
    /// CUSTOM with attendee ids and no tuition (case a).
    IdsOnly,
    /// CUSTOM with only attendee_names (case c).
    NamesOnly,
}

/// One scheduler session object.
fn session(name: &str, category: &str, start_local: Ts, end_local: Ts) -> Value {
    json!({
        "name": name,
        "category": category,
        "start_time": naive_iso(start_local),
        "end_time": naive_iso(end_local),
    })
}

/// `YYYY-MM-DDTHH:MM:SS` of a wall-clock instant encoded as Unix seconds.
fn naive_iso(ts: Ts) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ts).expect("demo times are in range");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An equal share of `total` among `n`, rounded to the cent.
fn split(total: Cents, n: usize) -> Cents {
    let n = n.max(1) as i64;
    (total + n / 2) / n
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn overlap_rules() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Work", "Prayer"),
        ("Work", "Meal"),
        ("Tuition", "Prayer"),
        ("Gym", "Prayer"),
        ("Sleep", "Prayer"),
        ("Meal", "Prayer"),
        ("CalendarEvent", "Prayer"),
        ("Work", "CalendarEvent"),
    ]
}

/// The owner's fixed weekly activities (not scaled: one person's routine).
fn fixed_activities() -> Vec<FixedActivity> {
    let window = |days: &[&str], start: &str, end: &str| -> Value {
        let mut m = serde_json::Map::new();
        for d in days {
            m.insert((*d).into(), json!([{ "start": start, "end": end }]));
        }
        Value::Object(m)
    };
    const WEEK: [&str; 6] = [
        "saturday",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
    ];
    let rows = [
        (
            "Gym",
            1,
            60,
            90,
            ("gym_type", "PUSH"),
            Some(window(&WEEK, "06:00", "09:00")),
        ),
        (
            "Gym",
            1,
            60,
            90,
            ("gym_type", "PULL"),
            Some(window(&WEEK, "06:00", "09:00")),
        ),
        (
            "Gym",
            1,
            60,
            90,
            ("gym_type", "LEG"),
            Some(window(&WEEK, "06:00", "09:00")),
        ),
        ("Sleep", 7, 360, 480, ("sleep_type", "NIGHT"), None),
        (
            "Sleep",
            3,
            20,
            40,
            ("sleep_type", "NAP"),
            Some(window(&WEEK, "13:00", "16:00")),
        ),
        (
            "Work",
            5,
            240,
            300,
            ("work_type", "MAIN_JOB"),
            Some(window(&WEEK[1..], "08:00", "16:00")),
        ),
        ("Work", 2, 60, 120, ("work_type", "FREELANCE"), None),
        (
            "Meal",
            1,
            90,
            150,
            ("meal_type", "MEALPREP"),
            Some(window(&["friday"], "10:00", "14:00")),
        ),
        ("Meal", 7, 15, 30, ("meal_type", "BREAKFAST"), None),
        ("Meal", 7, 30, 45, ("meal_type", "LUNCH"), None),
        ("Meal", 7, 30, 45, ("meal_type", "DINNER"), None),
    ];
    rows.into_iter()
        .enumerate()
        .map(
            |(i, (category, per_week, min, max, kind, allowed))| FixedActivity {
                id: i as i64 + 1,
                category,
                sessions_per_week: per_week,
                min_duration_mins: min,
                max_duration_mins: max,
                kind,
                allowed_intervals: allowed,
            },
        )
        .collect()
}

fn prayer_settings() -> PrayerSettings {
    PrayerSettings {
        // A made-up point in Nasr City, Cairo.
        latitude_micro: 30_051_230,
        longitude_micro: 31_345_670,
        api_method: 5,
        eqama_times_mins: json!({"fajr": 20, "dhuhr": 15, "asr": 15, "maghrib": 10, "isha": 15}),
        duration_mins: json!({"fajr": 15, "dhuhr": 15, "asr": 15, "maghrib": 15, "isha": 20}),
        last_updated: BASE_TIME - 20 * DAY,
    }
}
