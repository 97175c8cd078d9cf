//! Writing a [`Dataset`] into the v0.2 tables with `COPY … FROM STDIN`
//! (text format), in foreign-key order, inside the caller's transaction.
//! Columns are always named: the physical order is not ours to assume.

use std::io::Write;

use postgres::Transaction;
use serde_json::Value;
use uuid::Uuid;

use super::model::{AttendeeIds, Cents, Charge, Dataset, Ts};
use super::{pg_text, DemoCounts, DemoError};

/// Rows encoded per parallel work item.
const CHUNK_ROWS: usize = 8_192;

/// Loads every table of `data`, returning the rows COPY reported per table.
pub(crate) fn load(tx: &mut Transaction<'_>, data: &Dataset) -> Result<DemoCounts, DemoError> {
    // Each tuition's attendee arrays, rendered once: logs repeat them.
    let names_literals: Vec<String> = data
        .tuitions
        .iter()
        .map(|t| {
            let names: Vec<&str> = t
                .members
                .iter()
                .map(|&m| data.students[m].first_name.as_str())
                .collect();
            text_array_literal(&names)
        })
        .collect();
    let ids_literals: Vec<String> = data
        .tuitions
        .iter()
        .map(|t| uuid_array_literal(&t.student_ids))
        .collect();
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
                r.text(&uuid_array_literal(&t.student_ids));
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
                r.text(&names_literals[l.attended]);
                r.money(l.cost);
                r.ts(l.start_time);
                r.ts(l.end_time);
                r.text(if l.void { "VOID" } else { "ACTIVE" });
                r.opt_uuid(l.corrected_from_log_id.as_ref());
                r.text(if l.scheduled { "SCHEDULED" } else { "CUSTOM" });
                r.opt_uuid(l.tuition_id.as_ref());
                r.opt_int(l.lesson_index.map(i64::from));
                match l.attendee_ids {
                    AttendeeIds::Listed => r.text(&ids_literals[l.attended]),
                    AttendeeIds::Empty => r.text("{}"),
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
fn copy<T: Sync>(
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &str,
    items: &[T],
    row: impl Fn(&mut Row, &T) + Sync,
) -> Result<u64, DemoError> {
    use rayon::prelude::*;
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
    // Encoding is most of the client's work at large scales: chunks are
    // encoded in parallel, in order, while the server parses the previous
    // batch.
    for batch in items.chunks(CHUNK_ROWS * 8) {
        let encoded: Vec<Vec<u8>> = batch
            .par_chunks(CHUNK_ROWS)
            .map(|chunk| {
                let mut r = Row::default();
                for item in chunk {
                    row(&mut r, item);
                    r.end();
                }
                r.buf
            })
            .collect();
        for buf in encoded {
            writer.write_all(&buf).map_err(io_err)?;
        }
    }
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
        let special = |b: &u8| matches!(b, b'\\' | b'\t' | b'\n' | b'\r');
        if !s.as_bytes().iter().any(special) {
            self.buf.extend_from_slice(s.as_bytes());
            return;
        }
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

    /// Hyphenated lower-case hex, by hand: this runs millions of times.
    fn uuid(&mut self, u: &Uuid) {
        self.sep();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 36];
        let mut j = 0;
        for (i, &x) in u.as_bytes().iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out[j] = b'-';
                j += 1;
            }
            out[j] = HEX[usize::from(x >> 4)];
            out[j + 1] = HEX[usize::from(x & 15)];
            j += 2;
        }
        self.buf.extend_from_slice(&out);
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
        if c < 0 {
            self.buf.push(b'-');
        }
        push_num(&mut self.buf, c.abs() / 100, 1);
        self.buf.push(b'.');
        push_num(&mut self.buf, c.abs() % 100, 2);
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

    /// `YYYY-MM-DD HH:MM:SS+00`, by hand: this runs millions of times.
    fn ts(&mut self, ts: Ts) {
        self.sep();
        let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let b = &mut self.buf;
        push_num(b, y, 4);
        b.push(b'-');
        push_num(b, m, 2);
        b.push(b'-');
        push_num(b, d, 2);
        b.push(b' ');
        push_num(b, secs / 3600, 2);
        b.push(b':');
        push_num(b, secs / 60 % 60, 2);
        b.push(b':');
        push_num(b, secs % 60, 2);
        b.extend_from_slice(b"+00");
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
}

/// A uuid[] literal.
fn uuid_array_literal(ids: &[Uuid]) -> String {
    let inner: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("{{{}}}", inner.join(","))
}

/// A text[] literal with every element double-quoted.
fn text_array_literal(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// `n` in decimal, zero-padded to `width` digits (n ≥ 0).
fn push_num(buf: &mut Vec<u8>, n: i64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut n = n;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits[..len].iter().rev());
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_like_postgres_reads_them() {
        let mut r = Row::default();
        r.ts(super::super::model::BASE_TIME);
        r.ts(951_782_400); // 2000-02-29 00:00:00
        r.ts(1_709_251_199); // 2024-02-29 23:59:59
        assert_eq!(
            String::from_utf8(r.buf).unwrap(),
            "2025-11-15 00:00:00+00\t2000-02-29 00:00:00+00\t2024-02-29 23:59:59+00"
        );
    }

    #[test]
    fn uuids_render_hyphenated() {
        let u = super::super::DEFAULT_TEACHER_ID;
        let mut r = Row::default();
        r.uuid(&u);
        assert_eq!(String::from_utf8(r.buf).unwrap(), u.to_string());
    }

    #[test]
    fn text_is_escaped_for_copy() {
        let mut r = Row::default();
        r.text("a\tb\\c\nd");
        r.money(-1234);
        r.money(5);
        assert_eq!(
            String::from_utf8(r.buf).unwrap(),
            "a\\tb\\\\c\\nd\t-12.34\t0.05"
        );
        assert_eq!(
            text_array_literal(&["Anna", "O\"Brien"]),
            "{\"Anna\",\"O\\\"Brien\"}"
        );
    }
}
