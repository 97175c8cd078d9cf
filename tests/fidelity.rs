//! Data fidelity of the v0.3 migration on the demo database: the v0.2 source
//! (database A) against its migrated copy (B, a TEMPLATE clone of A), read
//! over two connections, with the expectations computed here in Rust from
//! the v0.2 rows (not by reusing the migration's SQL). Charge amounts of
//! step 1 are checked on a third copy (C) migrated only through file 001,
//! because step 12 overwrites them.

mod migrate_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use et_testdb::efficient_tutor::demo::{DEFAULT_TEACHER_ID, DISCOUNT_SIBLINGS};
use et_testdb::engine::migrate::{self, MigrateOptions};
use migrate_support::{content_digest, demo_v02, tuition_id};
use postgres::Client;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::{uuid, Uuid};

/// The two logs step 1 deletes by id.
const DELETED_LOGS: [Uuid; 2] = [
    uuid!("c0248183-86b6-4e74-a8c7-4ce9bf48ba5a"),
    uuid!("70eebd82-9743-4b35-9262-b5d2782f0ddc"),
];

/// Asserts two multisets are equal, printing only the differences (at most
/// 20 of each kind) rather than both collections.
fn assert_same<T: Ord + std::fmt::Debug>(what: &str, migrated: &[T], expected: &[T]) {
    fn count<T: Ord>(v: &[T]) -> BTreeMap<&T, i64> {
        let mut m: BTreeMap<&T, i64> = BTreeMap::new();
        for x in v {
            *m.entry(x).or_default() += 1;
        }
        m
    }
    let (got, want) = (count(migrated), count(expected));
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| got.get(*k).copied().unwrap_or(0) < **n)
        .map(|(k, _)| k)
        .take(20)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.get(*k).copied().unwrap_or(0) < **n)
        .map(|(k, _)| k)
        .take(20)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} migrated vs {} expected rows\n  missing: {missing:#?}\n  unexpected: {extra:#?}",
        migrated.len(),
        expected.len()
    );
}

#[test]
fn migrated_demo_keeps_every_fact_of_the_source() {
    let a = demo_v02("fid_src");
    let b = a.clone_as("fid_all");
    let c = a.clone_as("fid_step1");
    let again = a.clone_as("fid_again");
    migrate::run(&b.url, &MigrateOptions::default(), |_| {}).unwrap();
    migrate::run(&again.url, &MigrateOptions::default(), |_| {}).unwrap();
    assert_eq!(
        content_digest(&mut b.client()),
        content_digest(&mut again.client()),
        "migrating the same dump twice gives the same rows (extraction is byte-deterministic)"
    );
    let step1 = MigrateOptions {
        up_to: Some(1),
        ..MigrateOptions::default()
    };
    migrate::run(&c.url, &step1, |_| {}).unwrap();
    let (mut src, mut dst, mut one) = (a.client(), b.client(), c.client());

    subjects_become_enrolments_and_sharings(&mut src, &mut dst);
    availability_becomes_intervals_with_iso_days(&mut src, &mut dst);
    json_notes_become_note_rows(&mut src, &mut dst);
    meeting_links_follow_their_tuition_to_its_deterministic_id(&mut src, &mut dst);
    step1_charges_follow_the_three_rules(&mut src, &mut one);
    final_charges_are_step12_prices_and_void_logs_have_none(&mut src, &mut one, &mut dst);
    timetable_is_synthesized_from_the_latest_success_run(&mut src, &mut dst);
}

fn subjects_become_enrolments_and_sharings(src: &mut Client, dst: &mut Client) {
    let rows = src
        .query(
            "SELECT s.id, coalesce(s.grade, 8), e.elem ->> 'name',
                    coalesce((e.elem ->> 'lessonsPerWeek')::int, 1),
                    coalesce(ARRAY(SELECT jsonb_array_elements_text(e.elem -> 'sharedWith'))::uuid[], '{}')
             FROM students s,
                  jsonb_array_elements(s.student_data -> 'subjects') WITH ORDINALITY AS e(elem, ord)
             ORDER BY s.id, e.ord",
            &[],
        )
        .unwrap();
    let mut enrolments: BTreeMap<(Uuid, String), (i32, i32)> = BTreeMap::new();
    let mut sharings: BTreeSet<(Uuid, String, Uuid)> = BTreeSet::new();
    for r in &rows {
        let (student, grade, subject, lessons, shared): (Uuid, i32, String, i32, Vec<Uuid>) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        // A repeated subject keeps its first element.
        enrolments
            .entry((student, subject.clone()))
            .or_insert((lessons, grade));
        for w in shared {
            sharings.insert((student, subject.clone(), w));
        }
    }
    assert!(
        enrolments.len() > 100,
        "the demo has {} enrolments",
        enrolments.len()
    );

    let migrated: BTreeMap<(Uuid, String), (i32, i32)> = dst
        .query(
            "SELECT student_id, subject::text, lessons_per_week, grade, teacher_id, educational_system::text
             FROM student_subjects",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r.get::<_, Uuid>(4), DEFAULT_TEACHER_ID);
            assert_eq!(r.get::<_, String>(5), "IGCSE");
            ((r.get(0), r.get(1)), (r.get(2), r.get(3)))
        })
        .collect();
    let flat = |m: &BTreeMap<(Uuid, String), (i32, i32)>| {
        m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
    };
    assert_same(
        "student_subjects vs student_data.subjects",
        &flat(&migrated),
        &flat(&enrolments),
    );

    let migrated: BTreeSet<(Uuid, String, Uuid)> = dst
        .query(
            "SELECT ss.student_id, ss.subject::text, sh.shared_with_student_id
             FROM student_subject_sharings sh JOIN student_subjects ss ON ss.id = sh.student_subject_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert!(!sharings.is_empty());
    let flat = |m: &BTreeSet<(Uuid, String, Uuid)>| m.iter().cloned().collect::<Vec<_>>();
    assert_same("sharings vs sharedWith", &flat(&migrated), &flat(&sharings));
}

fn availability_becomes_intervals_with_iso_days(src: &mut Client, dst: &mut Client) {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let mut expected: Vec<(Uuid, i32, String, String, String)> = src
        .query(
            "SELECT s.id, d.day, (i ->> 'start')::time::text, (i ->> 'end')::time::text, i ->> 'type'
             FROM students s,
                  jsonb_each(s.student_data -> 'availability') AS d(day, intervals),
                  jsonb_array_elements(d.intervals) AS i",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            let day: String = r.get(1);
            let iso = DAYS.iter().position(|d| *d == day).expect("a day name") as i32 + 1;
            (r.get(0), iso, r.get(2), r.get(3), r.get(4))
        })
        .collect();
    let mut migrated: Vec<(Uuid, i32, String, String, String)> = dst
        .query(
            "SELECT user_id, day_of_week, start_time::text, end_time::text, availability_type::text
             FROM availability_intervals",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    expected.sort();
    migrated.sort();
    assert!(expected.len() > 100);
    assert_same(
        "availability_intervals vs student_data.availability",
        &migrated,
        &expected,
    );
}

/// Step 1's guesses, written again from schema-facts.md §2.4.
fn guess_note(name: &str, description: &str) -> (&'static str, &'static str) {
    let hay = format!("{name} {description}").to_lowercase();
    let name = name.to_lowercase();
    let subject = if hay.contains("math") || name.contains("numbers") {
        "Math"
    } else if hay.contains("physics") || hay.contains("hooke") {
        "Physics"
    } else if hay.contains("chemistry") {
        "Chemistry"
    } else if hay.contains("biology") {
        "Biology"
    } else if hay.contains("it") {
        "IT"
    } else if hay.contains("geography") {
        "Geography"
    } else {
        "Math"
    };
    let kind = if hay.contains("past paper") {
        "PAST_PAPERS"
    } else if hay.contains("homework") || name.contains("hw") {
        "HOMEWORK"
    } else {
        "STUDY_NOTES"
    };
    (subject, kind)
}

fn json_notes_become_note_rows(src: &mut Client, dst: &mut Client) {
    type Note = (Uuid, String, Option<String>, Option<String>, String, String);
    let mut expected: Vec<Note> = src
        .query(
            "SELECT s.id, n ->> 'name', n ->> 'description', n ->> 'url'
             FROM students s, jsonb_array_elements(s.notes) AS n
             WHERE jsonb_typeof(s.notes) = 'array'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            let (name, description): (String, Option<String>) = (r.get(1), r.get(2));
            let (subject, kind) = guess_note(&name, description.as_deref().unwrap_or(""));
            (
                r.get(0),
                name,
                description,
                r.get(3),
                subject.into(),
                kind.into(),
            )
        })
        .collect();
    let mut migrated: Vec<Note> = dst
        .query(
            "SELECT student_id, name, description, url, subject::text, note_type::text FROM notes",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    expected.sort();
    migrated.sort();
    assert!(!expected.is_empty());
    assert_same("notes vs students.notes", &migrated, &expected);
}

fn meeting_links_follow_their_tuition_to_its_deterministic_id(src: &mut Client, dst: &mut Client) {
    let grades: HashMap<Uuid, i32> = src
        .query("SELECT id, coalesce(grade, 8) FROM students", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // new id → (old id, link, meeting id); the smallest old id wins a tie.
    let mut expected: BTreeMap<Uuid, (Uuid, String, Option<String>)> = BTreeMap::new();
    let rows = src
        .query(
            "SELECT id, subject::text, lesson_index, teacher_id, student_ids,
                    meeting_link ->> 'meeting_link', meeting_link ->> 'meeting_id'
             FROM tuitions WHERE meeting_link ? 'meeting_link' ORDER BY id",
            &[],
        )
        .unwrap();
    assert!(rows.len() > 50, "the demo has {} links", rows.len());
    for r in &rows {
        let students: Vec<Uuid> = r.get::<_, Vec<Uuid>>(4);
        let students: Vec<Uuid> = students
            .into_iter()
            .filter(|s| grades.contains_key(s))
            .collect();
        // Step 8: the grade of the charged student with the smallest id.
        let grade = students.iter().min().map_or(8, |s| grades[s]);
        let new_id = tuition_id(
            &r.get::<_, String>(1),
            "IGCSE",
            grade,
            r.get(2),
            r.get(3),
            &students,
        );
        expected
            .entry(new_id)
            .or_insert((r.get(0), r.get(5), r.get(6)));
    }
    let regenerated: BTreeSet<Uuid> = dst
        .query("SELECT id FROM tuitions", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Every demo tuition is on the default teacher and matches an enrolment
    // group, so every link finds its regenerated tuition.
    let lost: Vec<&Uuid> = expected
        .keys()
        .filter(|id| !regenerated.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "links whose tuition was not regenerated: {lost:?}"
    );

    let migrated: BTreeMap<Uuid, (String, Option<String>, String)> = dst
        .query(
            "SELECT tuition_id, meeting_link, meeting_id, meeting_link_type::text FROM meeting_links",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
        .collect();
    let expected: BTreeMap<Uuid, (String, Option<String>, String)> = expected
        .into_iter()
        .map(|(id, (_, link, meeting_id))| {
            let kind = if link.contains("meet.google.com") && !link.contains("zoom.us") {
                "GOOGLE_MEET"
            } else {
                "ZOOM"
            };
            (id, (link, meeting_id, kind.to_string()))
        })
        .collect();
    let flat = |m: &BTreeMap<Uuid, (String, Option<String>, String)>| {
        m.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    assert_same(
        "meeting_links vs tuitions.meeting_link",
        &flat(&migrated),
        &flat(&expected),
    );

    // Logs of the same tuitions were re-pointed too: none points nowhere.
    let dangling: i64 = dst
        .query_one(
            "SELECT count(*) FROM tuition_logs l
             WHERE l.tuition_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tuitions t WHERE t.id = l.tuition_id)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(dangling, 0);
    let unlinked: i64 = dst
        .query_one(
            "SELECT count(*) FROM tuition_logs WHERE tuition_id IS NULL",
            &[],
        )
        .unwrap()
        .get(0);
    let unlinked_before: i64 = src
        .query_one(
            "SELECT count(*) FROM tuition_logs WHERE tuition_id IS NULL AND NOT (id = ANY ($1))",
            &[&DELETED_LOGS.to_vec()],
        )
        .unwrap()
        .get(0);
    assert_eq!(unlinked, unlinked_before, "every log keeps a tuition");
}

type Charge = (Uuid, Uuid, Uuid, Decimal);

fn step1_charges_follow_the_three_rules(src: &mut Client, one: &mut Client) {
    let students: HashMap<Uuid, (Uuid, Option<String>)> = src
        .query("SELECT id, parent_id, first_name::text FROM students", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let tuitions: HashMap<Uuid, (Decimal, Vec<Uuid>)> = src
        .query("SELECT id, cost, student_ids FROM tuitions", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let money = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let mut expected: Vec<Charge> = Vec::new();
    let mut by_rule = [0usize; 3];
    for r in &src
        .query(
            "SELECT id, cost, attendee_ids, tuition_id, attendee_names FROM tuition_logs
             WHERE status = 'ACTIVE'",
            &[],
        )
        .unwrap()
    {
        let (log, cost, ids, tuition, names): (
            Uuid,
            Decimal,
            Option<Vec<Uuid>>,
            Option<Uuid>,
            Vec<String>,
        ) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        if DELETED_LOGS.contains(&log) {
            continue;
        }
        let ids = ids.unwrap_or_default();
        let mut push = |student: Uuid, amount: Decimal| {
            expected.push((log, student, students[&student].0, money(amount)));
        };
        if !ids.is_empty() {
            by_rule[0] += 1;
            for s in ids.iter().filter(|s| students.contains_key(s)) {
                push(*s, cost / Decimal::from(ids.len()));
            }
        } else if let Some(t) = tuition {
            by_rule[1] += 1;
            let (t_cost, group) = &tuitions[&t];
            for s in group.iter().filter(|s| students.contains_key(s)) {
                push(*s, *t_cost / Decimal::from(group.len()));
            }
        } else {
            by_rule[2] += 1;
            for name in &names {
                for (s, (_, first)) in &students {
                    if first.as_deref() == Some(name.as_str()) {
                        push(*s, cost / Decimal::from(names.len()));
                    }
                }
            }
        }
    }
    assert!(
        by_rule.iter().all(|&n| n > 0),
        "every rule is exercised: {by_rule:?}"
    );

    let mut migrated: Vec<Charge> = one
        .query(
            "SELECT tuition_log_id, student_id, parent_id, cost FROM tuition_log_charges",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    expected.sort();
    migrated.sort();
    let sum = |v: &[Charge]| v.iter().map(|c| c.3).sum::<Decimal>();
    assert_eq!(sum(&migrated), sum(&expected), "total charged after step 1");
    assert_same("tuition_log_charges after step 1", &migrated, &expected);
}

fn final_charges_are_step12_prices_and_void_logs_have_none(
    src: &mut Client,
    one: &mut Client,
    dst: &mut Client,
) {
    let void: BTreeSet<Uuid> = src
        .query("SELECT id FROM tuition_logs WHERE status = 'VOID'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!void.is_empty());
    let siblings: BTreeSet<Uuid> = dst
        .query(
            "SELECT id FROM users WHERE (first_name, last_name) IN (($1, $2), ($3, $4))",
            &[
                &DISCOUNT_SIBLINGS[0].0,
                &DISCOUNT_SIBLINGS[0].1,
                &DISCOUNT_SIBLINGS[1].0,
                &DISCOUNT_SIBLINGS[1].1,
            ],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(siblings.len(), 2);

    let charges = |c: &mut Client| -> Vec<(Uuid, Uuid, Decimal)> {
        let mut v: Vec<(Uuid, Uuid, Decimal)> = c
            .query(
                "SELECT tuition_log_id, student_id, cost FROM tuition_log_charges",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        v.sort();
        v
    };
    let after_step1 = charges(one);
    let last = charges(dst);
    assert!(
        last.iter().all(|c| !void.contains(&c.0)),
        "a VOID log has charges"
    );
    assert_same(
        "later steps change prices, not who is charged",
        &last.iter().map(|c| (c.0, c.1)).collect::<Vec<_>>(),
        &after_step1.iter().map(|c| (c.0, c.1)).collect::<Vec<_>>(),
    );
    let mut on_log: BTreeMap<Uuid, usize> = BTreeMap::new();
    for c in last.iter().filter(|c| siblings.contains(&c.1)) {
        *on_log.entry(c.0).or_default() += 1;
    }
    let mut discounted = 0;
    for (log, student, cost) in &last {
        let both = siblings.contains(student) && on_log[log] == 2;
        let price = if both { "4.50" } else { "6.00" };
        discounted += usize::from(both);
        assert_eq!(
            *cost,
            price.parse::<Decimal>().unwrap(),
            "log {log} student {student}"
        );
    }
    assert!(discounted > 0, "the demo exercises the sibling discount");
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect()
    })
}

fn timetable_is_synthesized_from_the_latest_success_run(src: &mut Client, dst: &mut Client) {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let hms_format = time::macros::format_description!("[hour]:[minute]:[second]");
    let hms = |t: time::Time| t.format(&hms_format).unwrap();
    let sessions = src
        .query(
            "SELECT e ->> 'name', e ->> 'start_time', e ->> 'end_time'
             FROM (SELECT solution_data FROM timetable_runs WHERE status = 'SUCCESS'
                   ORDER BY run_started_at DESC, id DESC LIMIT 1) r,
                  jsonb_array_elements(r.solution_data) AS e
             WHERE e ->> 'category' = 'Tuition'",
            &[],
        )
        .unwrap();
    assert!(
        sessions.len() > 5,
        "the demo has {} sessions",
        sessions.len()
    );
    // (slot name, ISO day, start, end) of the teacher's slots.
    let mut expected: Vec<(String, i32, String, String)> = sessions
        .iter()
        .map(|r| {
            let name: String = r.get(0);
            let parts: Vec<&str> = name.split('_').collect();
            let subject = title(parts[parts.len() - 2]);
            let mut names: Vec<String> =
                parts[1..parts.len() - 2].iter().map(|n| title(n)).collect();
            names.sort();
            let at =
                |i: usize| time::PrimitiveDateTime::parse(&r.get::<_, String>(i), format).unwrap();
            let (start, end) = (at(1), at(2));
            (
                format!("Tuition: {subject} ({})", names.join(", ")),
                i32::from(start.weekday().number_from_monday()),
                hms(start.time()),
                hms(end.time()),
            )
        })
        .collect();

    let run: i64 = dst
        .query_one(
            "SELECT id FROM timetable_runs WHERE input_version_hash = 'migration_synthesis'",
            &[],
        )
        .unwrap()
        .get(0);
    let slots = dst
        .query(
            "SELECT u.role::text, s.name, s.day_of_week, s.start_time, s.end_time,
                    s.participant_ids, t.teacher_id, s.tuition_id IS NOT NULL
             FROM timetable_solution_slots s
             JOIN timetable_run_user_solutions o ON o.id = s.solution_id
             JOIN users u ON u.id = o.user_id
             LEFT JOIN tuitions t ON t.id = s.tuition_id
             WHERE o.timetable_run_id = $1",
            &[&run],
        )
        .unwrap();
    let mut teacher_slots = Vec::new();
    let (mut student_slots, mut participants, mut availability) = (0usize, 0usize, 0i64);
    for r in &slots {
        let (role, is_tuition): (String, bool) = (r.get(0), r.get(7));
        let people: Vec<Uuid> = r.get(5);
        match (role.as_str(), is_tuition) {
            ("teacher", true) => {
                participants += people.len();
                teacher_slots.push((r.get(1), r.get(2), hms(r.get(3)), hms(r.get(4))));
            }
            ("student", true) => {
                student_slots += 1;
                assert_eq!(
                    people,
                    vec![r.get::<_, Uuid>(6)],
                    "a student's slot lists the teacher"
                );
            }
            (_, false) => availability += 1,
            other => panic!("unexpected slot owner {other:?}"),
        }
    }
    expected.sort();
    teacher_slots.sort();
    assert_same(
        "teacher slots vs the run's Tuition sessions",
        &teacher_slots,
        &expected,
    );
    assert_eq!(
        student_slots, participants,
        "one slot per student of each session"
    );
    let intervals: i64 = dst
        .query_one("SELECT count(*) FROM availability_intervals", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        availability, intervals,
        "one Availability slot per interval"
    );
}
