//! Proleptic Gregorian calendar arithmetic, const: the days and microseconds
//! behind the readable date and time constructors of fixture rows
//! (`Date::ymd(2024, 12, 24)`, `Timestamptz::utc(2024, 12, 24, 14, 0, 0, 0)`),
//! shared by the runtime types, codegen, and `build.rs`'s evaluator (which
//! includes this file by path). Howard Hinnant's `days_from_civil` and
//! `civil_from_days`.

/// Microseconds in a day.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// Whether `year` is a leap year.
pub const fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days of `month` (1–12) of `year`.
pub const fn month_days(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a date or time of day is not one, if it is not.
pub const fn check(
    year: i64,
    month: u32,
    day: u32,
    time: (u32, u32, u32, u32),
) -> Option<&'static str> {
    let (hour, minute, second, micro) = time;
    if month < 1 || month > 12 {
        Some("the month is not 1–12")
    } else if day < 1 || day > month_days(year, month) {
        Some("the month has no such day")
    } else if hour > 23 || minute > 59 || second > 59 || micro > 999_999 {
        Some("the time of day is not within 00:00:00–23:59:59.999999")
    } else {
        None
    }
}

/// Why `time` is not a value of PostgreSQL's `time` type, if it is not:
/// a time of day, or `24:00:00`, the end of the day.
pub const fn check_time_of_day(time: (u32, u32, u32, u32)) -> Option<&'static str> {
    let end_of_day = time.0 == 24 && time.1 == 0 && time.2 == 0 && time.3 == 0;
    if end_of_day || check(1970, 1, 1, time).is_none() {
        None
    } else {
        Some("the time of day is not within 00:00:00–24:00:00")
    }
}

/// Days since 1970-01-01 of a valid date.
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
pub const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Microseconds since 1970-01-01 00:00:00 of a valid date and time of day.
pub const fn micros_from_civil(year: i64, month: u32, day: u32, time: (u32, u32, u32, u32)) -> i64 {
    let (hour, minute, second, micro) = time;
    let seconds = (hour as i64 * 60 + minute as i64) * 60 + second as i64;
    days_from_civil(year, month, day) * DAY_MICROS + seconds * 1_000_000 + micro as i64
}

/// The date and time of day of microseconds since 1970-01-01 00:00:00:
/// (year, month, day, (hour, minute, second, microsecond)).
pub const fn civil_from_micros(micros: i64) -> (i64, u32, u32, (u32, u32, u32, u32)) {
    let days = micros.div_euclid(DAY_MICROS);
    let of_day = micros.rem_euclid(DAY_MICROS);
    let (year, month, day) = civil_from_days(days);
    let seconds = of_day / 1_000_000;
    let time = (
        (seconds / 3_600) as u32,
        (seconds / 60 % 60) as u32,
        (seconds % 60) as u32,
        (of_day % 1_000_000) as u32,
    );
    (year, month, day, time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_agree_across_eras() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(check(y, m, d, (0, 0, 0, 0)), None, "{days}");
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn micros_split_into_date_and_time_of_day() {
        let t = micros_from_civil(2024, 12, 24, (14, 5, 9, 123_456));
        assert_eq!(t, 1_735_049_109_123_456);
        assert_eq!(civil_from_micros(t), (2024, 12, 24, (14, 5, 9, 123_456)));
        assert_eq!(civil_from_micros(-1), (1969, 12, 31, (23, 59, 59, 999_999)));
    }

    #[test]
    fn impossible_dates_and_times_are_named() {
        assert_eq!(
            check(2023, 2, 29, (0, 0, 0, 0)),
            Some("the month has no such day")
        );
        assert_eq!(check(2024, 2, 29, (0, 0, 0, 0)), None);
        assert_eq!(
            check(1900, 2, 29, (0, 0, 0, 0)),
            Some("the month has no such day")
        );
        assert_eq!(
            check(2024, 13, 1, (0, 0, 0, 0)),
            Some("the month is not 1–12")
        );
        assert!(check(2024, 1, 1, (24, 0, 0, 0)).is_some());
        assert_eq!(check_time_of_day((24, 0, 0, 0)), None);
        assert!(check_time_of_day((24, 0, 0, 1)).is_some());
        assert!(check_time_of_day((23, 60, 0, 0)).is_some());
    }
}
