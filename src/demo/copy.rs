//! Writing a [`Dataset`] into the v0.2 tables with `COPY … FROM STDIN`
//! (text format), in foreign-key order, inside the caller's transaction.
//! Columns are always named: the physical order is not ours to assume.

use std::io::Write;

use postgres::Transaction;
use serde_json::Value;
use uuid::Uuid;

use super::model::{AttendeeIds, Cents, Charge, Dataset, Ts};
use super::{pg_text, DemoCounts, DemoError};

/// Flush the row buffer into the COPY stream at about this size.
const CHUNK: usize = 1 << 20;

/// Loads every table of `data`, returning the rows COPY reported per table.
pub(crate) fn load(tx: &mut Transaction<'_>, data: &Dataset) -> Result<DemoCounts, DemoError> {
    let mut counts = DemoCounts::new();
    let mut put = |table: &str, n: u64| {
        counts.insert(table.to_string(), n);
    };

    put(
        "users",
        copy(
            tx,
            "users",
            "id, email, password, role, timezone, is_first_sign_in, first_name, last_name",
            &data.users,
            |r, u| {
                r.uuid(&u.id);
                r.text(&u.email);
                r.text(&u.password);
                r.text(u.role.label());
                r.text(u.timezone);
                r.opt_bool(u.is_first_sign_in);
                r.text(&u.first_name);
                r.text(&u.last_name);
            },
        )?,
    );
    put(
        "teachers",
        copy(tx, "teachers", "id", &data.teachers, |r, id| r.uuid(id))?,
    );
    put(
        "parents",
        copy(tx, "parents", "id, currency", &data.parents, |r, p| {
            r.uuid(&p.id);
            r.text(p.currency);
        })?,
    );
    put(
        "students",
        copy(
            tx,
            "students",
            "id, user_id, student_data, cost, status, min_duration_mins, max_duration_mins, \
             parent_id, first_name, last_name, grade, generated_password, notes",
            &data.students,
            |r, s| {
                r.uuid(&s.id);
                // v0.2's user_id is the parent's user id, an older duplicate of parent_id.
                r.uuid(&s.parent_id);
                r.json(&s.student_data);
                r.money(s.cost);
                r.text(s.status);
                r.int(s.min_duration_mins.into());
                r.int(s.max_duration_mins.into());
                r.uuid(&s.parent_id);
                r.text(&s.first_name);
                r.text(&s.last_name);
                r.opt_int(s.grade.map(i64::from));
                r.opt_text(s.generated_password.as_deref());
                r.opt_json(s.notes.as_ref());
            },
        )?,
    );
    put(
        "tuitions",
        copy(
            tx,
            "tuitions",
            "id, student_ids, subject, lesson_index, cost, min_duration_minutes, \
             max_duration_minutes, created_at, updated_at, meeting_link, teacher_id",
            &data.tuitions,
            |r, t| {
                r.uuid(&t.id);
                r.uuid_array(&t.student_ids);
                r.text(t.subject.label());
                r.int(t.lesson_index.into());
                r.money(t.cost);
                r.int(t.min_duration_minutes.into());
                r.int(t.max_duration_minutes.into());
                r.ts(t.created_at);
                r.ts(t.updated_at);
                r.opt_json(t.meeting_link.as_ref());
                r.opt_uuid(t.teacher_id.as_ref());
            },
        )?,
    );
    put(
        "tuition_template_charges",
        copy_charges(
            tx,
            "tuition_template_charges",
            "tuition_id",
            &data.template_charges,
            data,
        )?,
    );
    put(
        "tuition_logs",
        copy(
            tx,
            "tuition_logs",
            "id, parent_user_id, subject, attendee_names, cost, start_time, end_time, status, \
             corrected_from_log_id, create_type, tuition_id, lesson_index, attendee_ids, teacher_id",
            &data.tuition_logs,
            |r, l| {
                r.uuid(&l.id);
                r.uuid(&l.parent_user_id);
                r.text(l.subject.label());
                let names: Vec<&str> = l
                    .attendees
                    .iter()
                    .map(|&a| data.students[a].first_name.as_str())
                    .collect();
                r.text_array(&names);
                r.money(l.cost);
                r.ts(l.start_time);
                r.ts(l.end_time);
                r.text(if l.void { "VOID" } else { "ACTIVE" });
                r.opt_uuid(l.corrected_from_log_id.as_ref());
                r.text(if l.scheduled { "SCHEDULED" } else { "CUSTOM" });
                r.opt_uuid(l.tuition_id.as_ref());
                r.opt_int(l.lesson_index.map(i64::from));
                match l.attendee_ids {
                    AttendeeIds::Listed => {
                        let ids: Vec<Uuid> =
                            l.attendees.iter().map(|&a| data.students[a].id).collect();
                        r.uuid_array(&ids);
                    }
                    AttendeeIds::Empty => r.uuid_array(&[]),
                    AttendeeIds::Null => r.null(),
                }
                r.opt_uuid(l.teacher_id.as_ref());
            },
        )?,
    );
    put(
        "tuition_log_charges",
        copy_charges(
            tx,
            "tuition_log_charges",
            "tuition_log_id",
            &data.log_charges,
            data,
        )?,
    );
    put(
        "payment_logs",
        copy(
            tx,
            "payment_logs",
            "id, parent_user_id, payment_date, amount_paid, notes, status, \
             corrected_from_log_id, teacher_id",
            &data.payment_logs,
            |r, p| {
                r.uuid(&p.id);
                r.uuid(&p.parent_user_id);
                r.ts(p.payment_date);
                r.money(p.amount_paid);
                r.opt_text(p.notes.as_deref());
                r.text(if p.void { "VOID" } else { "ACTIVE" });
                r.opt_uuid(p.corrected_from_log_id.as_ref());
                r.uuid(&p.teacher_id);
            },
        )?,
    );
    put(
        "timetable_runs",
        copy(
            tx,
            "timetable_runs",
            "id, run_started_at, status, input_version_hash, run_duration_ms, trigger_source, \
             solution_data, error_message",
            &data.timetable_runs,
            |r, t| {
                r.int(t.id);
                r.ts(t.run_started_at);
                r.text(t.status);
                r.text(&t.input_version_hash);
                r.opt_int(t.run_duration_ms.map(i64::from));
                r.opt_text(t.trigger_source);
                r.opt_json(t.solution_data.as_ref());
                r.opt_text(t.error_message.as_deref());
            },
        )?,
    );
    // id is GENERATED ALWAYS: left out, so it numbers the rows in COPY order.
    put(
        "calendar_events",
        copy(
            tx,
            "calendar_events",
            "timetable_run_id, event_key, google_event_id, created_at, updated_at",
            &data.calendar_events,
            |r, e| {
                r.int(e.timetable_run_id);
                r.text(&e.event_key);
                r.text(&e.google_event_id);
                r.ts(e.created_at);
                r.ts(e.updated_at);
            },
        )?,
    );
    put(
        "activity_overlap_rules",
        copy(
            tx,
            "activity_overlap_rules",
            "host_category, interrupter_category",
            &data.activity_overlap_rules,
            |r, (host, interrupter)| {
                r.text(host);
                r.text(interrupter);
            },
        )?,
    );
    put(
        "fixed_activities",
        copy(
            tx,
            "fixed_activities",
            "id, fixed_activity_category, sessions_per_week, min_duration_mins, \
             max_duration_mins, gym_type, sleep_type, work_type, meal_type, allowed_intervals",
            &data.fixed_activities,
            |r, f| {
                r.int(f.id);
                r.text(f.category);
                r.int(f.sessions_per_week.into());
                r.int(f.min_duration_mins.into());
                r.int(f.max_duration_mins.into());
                for column in ["gym_type", "sleep_type", "work_type", "meal_type"] {
                    r.opt_text((f.kind.0 == column).then_some(f.kind.1));
                }
                r.opt_json(f.allowed_intervals.as_ref());
            },
        )?,
    );
    put(
        "prayer_settings",
        copy(
            tx,
            "prayer_settings",
            "id, latitude, longitude, api_method, eqama_times_mins, duration_mins, last_updated",
            std::slice::from_ref(&data.prayer_settings),
            |r, p| {
                r.int(1);
                r.micro(p.latitude_micro);
                r.micro(p.longitude_micro);
                r.int(p.api_method.into());
                r.json(&p.eqama_times_mins);
                r.json(&p.duration_mins);
                r.ts(p.last_updated);
            },
        )?,
    );
    Ok(counts)
}

fn copy_charges(
    tx: &mut Transaction<'_>,
    table: &str,
    owner_column: &str,
    charges: &[Charge],
    data: &Dataset,
) -> Result<u64, DemoError> {
    copy(
        tx,
        table,
        &format!("id, {owner_column}, student_id, parent_id, cost"),
        charges,
        |r, c| {
            r.uuid(&c.id);
            r.uuid(&c.owner_id);
            r.uuid(&data.students[c.student].id);
            r.uuid(&c.parent_id);
            r.money(c.cost);
        },
    )
}

/// COPYs `items` into `table` (`columns` named), one row per item.
fn copy<T>(
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &str,
    items: &[T],
    mut row: impl FnMut(&mut Row, &T),
) -> Result<u64, DemoError> {
    let err = |e: postgres::Error| DemoError::Copy {
        table: table.to_string(),
        reason: pg_text(&e),
    };
    let io_err = |e: std::io::Error| DemoError::Copy {
        table: table.to_string(),
        reason: e.to_string(),
    };
    let mut writer = tx
        .copy_in(&format!("COPY {table} ({columns}) FROM STDIN"))
        .map_err(err)?;
    let mut r = Row::default();
    for item in items {
        row(&mut r, item);
        r.end();
        if r.buf.len() >= CHUNK {
            writer.write_all(&r.buf).map_err(io_err)?;
            r.buf.clear();
        }
    }
    writer.write_all(&r.buf).map_err(io_err)?;
    writer.finish().map_err(err)
}

/// A COPY text-format row buffer: tab-separated fields, `\N` for NULL.
#[derive(Default)]
struct Row {
    buf: Vec<u8>,
    started: bool,
}

impl Row {
    fn sep(&mut self) {
        if self.started {
            self.buf.push(b'\t');
        }
        self.started = true;
    }

    fn end(&mut self) {
        self.buf.push(b'\n');
        self.started = false;
    }

    fn null(&mut self) {
        self.sep();
        self.buf.extend_from_slice(b"\\N");
    }

    /// A field's text, escaped for the COPY text format.
    fn text(&mut self, s: &str) {
        self.sep();
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    fn uuid(&mut self, u: &Uuid) {
        self.sep();
        let mut tmp = Uuid::encode_buffer();
        self.buf
            .extend_from_slice(u.hyphenated().encode_lower(&mut tmp).as_bytes());
    }

    fn opt_uuid(&mut self, u: Option<&Uuid>) {
        match u {
            Some(u) => self.uuid(u),
            None => self.null(),
        }
    }

    fn int(&mut self, i: i64) {
        self.sep();
        write!(self.buf, "{i}").expect("writing to a Vec");
    }

    fn opt_int(&mut self, i: Option<i64>) {
        match i {
            Some(i) => self.int(i),
            None => self.null(),
        }
    }

    fn opt_bool(&mut self, b: Option<bool>) {
        match b {
            Some(b) => self.text(if b { "t" } else { "f" }),
            None => self.null(),
        }
    }

    fn money(&mut self, c: Cents) {
        self.sep();
        let sign = if c < 0 { "-" } else { "" };
        write!(self.buf, "{sign}{}.{:02}", c.abs() / 100, c.abs() % 100).expect("writing to a Vec");
    }

    /// numeric(9,6) from millionths.
    fn micro(&mut self, m: i64) {
        self.sep();
        let sign = if m < 0 { "-" } else { "" };
        write!(
            self.buf,
            "{sign}{}.{:06}",
            m.abs() / 1_000_000,
            m.abs() % 1_000_000
        )
        .expect("writing to a Vec");
    }

    fn ts(&mut self, ts: Ts) {
        self.sep();
        let t = time::OffsetDateTime::from_unix_timestamp(ts).expect("demo times are in range");
        write!(
            self.buf,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}+00",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
        .expect("writing to a Vec");
    }

    fn json(&mut self, v: &Value) {
        self.text(&v.to_string());
    }

    fn opt_json(&mut self, v: Option<&Value>) {
        match v {
            Some(v) => self.json(v),
            None => self.null(),
        }
    }

    fn uuid_array(&mut self, ids: &[Uuid]) {
        let inner: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        self.text(&format!("{{{}}}", inner.join(",")));
    }

    /// A text[] literal with every element double-quoted.
    fn text_array(&mut self, items: &[&str]) {
        let quoted: Vec<String> = items
            .iter()
            .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        self.text(&format!("{{{}}}", quoted.join(",")));
    }
}
