//! The runtime types that generated fixture code (`generated/`) and golden
//! rows are written in: const-constructible wrappers for timestamps, dates,
//! times, JSON and the other PostgreSQL types, and the table metadata
//! `generated/schema.rs` describes each table with.
//!
//! | PostgreSQL | Rust field | a value |
//! |---|---|---|
//! | `bool`, `smallint`, `integer`, `bigint` | `bool`, `i16`, `i32`, `i64` | `-3` |
//! | `real`, `double precision` | `f32`, `f64` | `1.5`, `f64::NAN`, `f64::NEG_INFINITY` |
//! | `numeric(p, s)`, p ≤ 28, s ≤ 28 | [`Decimal`] | `Decimal::from_parts(…)` |
//! | any other `numeric` (or one holding NaN) | [`Numeric`] | `Numeric("NaN")`, exact text |
//! | `text`, `varchar`, `char(n)` (padding kept), `name` | `&'static str` | `"ab   "` |
//! | `uuid` | [`Uuid`] | `Uuid::from_u128(0x…)` |
//! | `timestamptz`, `timestamp`, `date` | [`Timestamptz`], [`Timestamp`], [`Date`] | `Timestamptz::utc(2024, 12, 24, 14, 0, 0, 0)`, `Date::ymd(2024, 12, 24)`, `Date::INFINITY` |
//! | `time` | [`Time`] | `Time::hms(8, 30, 0, 0)` |
//! | `json`, `jsonb` | [`Json`] | `Json("{\"a\":  1}")` (json byte for byte) |
//! | `bytea` | `&'static [u8]` | `b"\x00\xff"` |
//! | `inet`, `cidr` | [`Inet`] | `Inet::v4([10, 0, 0, 0], 8)` |
//! | `macaddr` | [`Macaddr`] | `Macaddr([8, 0, 43, 1, 2, 3])` |
//! | `bit(n)`, `varbit` | [`Bits`] | `Bits("10101")` |
//! | `point` | [`Point`] | `Point(1.5, -2.0)` |
//! | a range of any of these | [`Range`] | `Range::Span(Bound::Included(1), Bound::Unbounded)`, `Range::Empty` |
//! | a public enum | the generated enum | `Mood::Happy` |
//! | an array | `&'static [T]`, or [`Array`] when some value has several dimensions, other lower bounds or NULL elements | `&[1, 2]`, `Array::new(&[2, 2], &[1, 1], &[Some(1), None, …])` |
//! | `interval`, `money`, `timetz`, `tsvector`, `xml` | [`Interval`], [`Money`], [`Timetz`], [`Tsvector`], [`Xml`] | `Interval("1 day 02:00:00")` |
//! | any other type (`box`, `pg_lsn`, a composite, a multirange, …) | [`PgText`] | `PgText("(1,abc)")` |
//!
//! The last two rows are the *text form*: the value as PostgreSQL prints it,
//! parsed back by PostgreSQL's own input function when seeded, so any type
//! whose text PostgreSQL can read back round-trips exactly.
//!
//! Why wrappers rather than `time` values: a `time::OffsetDateTime` built in a
//! const context per row costs rustc seconds per thousand rows (see
//! shared/codegen-costs.md); an `i64` of microseconds costs nothing, and the
//! accessors below give the `time` value when a test needs one.

pub use rust_decimal::Decimal;
pub use std::net::IpAddr;
pub use std::ops::Bound;
pub use uuid::Uuid;

use crate::engine::civil;
use time::{Date as TimeDate, Duration, OffsetDateTime, PrimitiveDateTime, Time as TimeOfDay};

/// Microseconds since 1970-01-01 00:00:00 of a date and time of day,
/// panicking (a build error in a const) when either is impossible.
const fn civil_micros(year: i32, month: u32, day: u32, time: (u32, u32, u32, u32)) -> i64 {
    if let Some(why) = civil::check(year as i64, month, day, time) {
        panic!("{}", why);
    }
    civil::micros_from_civil(year as i64, month, day, time)
}

/// `timestamp with time zone`: an instant, or (in golden rows) an offset
/// from the moment the database is seeded, for what upstream computed from
/// "now" (`Timestamptz::FromSeed(-40 * DAY)`: forty days before seeding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timestamptz {
    /// Microseconds since 1970-01-01 00:00:00 UTC.
    At(i64),
    /// Microseconds after (negative: before) the moment of seeding.
    FromSeed(i64),
}

impl Timestamptz {
    /// `infinity`.
    pub const INFINITY: Timestamptz = Timestamptz::At(i64::MAX);
    /// `-infinity`.
    pub const NEG_INFINITY: Timestamptz = Timestamptz::At(i64::MIN);

    /// The instant of a UTC date and time of day: `Timestamptz::utc(2024,
    /// 12, 24, 14, 0, 0, 0)` is 2024-12-24 14:00:00+00. An impossible date
    /// or time fails the build.
    pub const fn utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micro: u32,
    ) -> Timestamptz {
        Timestamptz::At(civil_micros(
            year,
            month,
            day,
            (hour, minute, second, micro),
        ))
    }

    /// Microseconds since the Unix epoch, UTC, with relative times resolved
    /// against `seed_time` (microseconds since the epoch).
    pub const fn resolve(self, seed_time: i64) -> i64 {
        match self {
            Timestamptz::At(us) => us,
            Timestamptz::FromSeed(offset) => seed_time + offset,
        }
    }

    /// Microseconds since the Unix epoch, UTC; `None` for a time relative to
    /// seeding (use [`Timestamptz::resolve`]).
    pub const fn micros(self) -> Option<i64> {
        match self {
            Timestamptz::At(us) => Some(us),
            Timestamptz::FromSeed(_) => None,
        }
    }

    /// As a `time` value in UTC, relative times resolved against `seed_time`.
    pub fn to_offset_date_time(self, seed_time: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::microseconds(self.resolve(seed_time))
    }

    /// From a `time` value (sub-microsecond precision is truncated, as
    /// PostgreSQL does).
    pub fn from_offset_date_time(value: OffsetDateTime) -> Timestamptz {
        Timestamptz::At((value.unix_timestamp_nanos() / 1_000) as i64)
    }
}

/// Microseconds in a second, minute, hour and day, for relative times.
pub const SECOND: i64 = 1_000_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// `timestamp without time zone`: microseconds since 1970-01-01 00:00:00
/// (wall clock, no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// `infinity`.
    pub const INFINITY: Timestamp = Timestamp(i64::MAX);
    /// `-infinity`.
    pub const NEG_INFINITY: Timestamp = Timestamp(i64::MIN);

    /// A date and time of day: `Timestamp::at(2024, 12, 24, 14, 0, 0, 0)`
    /// is 2024-12-24 14:00:00. An impossible date or time fails the build.
    pub const fn at(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micro: u32,
    ) -> Timestamp {
        Timestamp(civil_micros(
            year,
            month,
            day,
            (hour, minute, second, micro),
        ))
    }

    /// Microseconds since 1970-01-01 00:00:00.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// As a `time` value.
    pub fn to_primitive_date_time(self) -> PrimitiveDateTime {
        let utc = OffsetDateTime::UNIX_EPOCH + Duration::microseconds(self.0);
        PrimitiveDateTime::new(utc.date(), utc.time())
    }

    /// From a `time` value (sub-microsecond precision is truncated).
    pub fn from_primitive_date_time(value: PrimitiveDateTime) -> Timestamp {
        Timestamp((value.assume_utc().unix_timestamp_nanos() / 1_000) as i64)
    }
}

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// `date`: days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// `infinity`.
    pub const INFINITY: Date = Date(i32::MAX);
    /// `-infinity`.
    pub const NEG_INFINITY: Date = Date(i32::MIN);

    /// A date: `Date::ymd(2024, 12, 24)`. An impossible date fails the
    /// build.
    pub const fn ymd(year: i32, month: u32, day: u32) -> Date {
        if let Some(why) = civil::check(year as i64, month, day, (0, 0, 0, 0)) {
            panic!("{}", why);
        }
        Date(civil::days_from_civil(year as i64, month, day) as i32)
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// As a `time` value; `None` outside `time`'s range.
    pub fn to_date(self) -> Option<TimeDate> {
        TimeDate::from_julian_day(UNIX_EPOCH_JULIAN_DAY.checked_add(self.0)?).ok()
    }

    /// From a `time` value.
    pub fn from_date(value: TimeDate) -> Date {
        Date(value.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
    }
}

/// `time without time zone`: microseconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

impl Time {
    /// `hh:mm:00`.
    pub const fn hm(hour: i64, minute: i64) -> Time {
        Time((hour * 60 + minute) * MINUTE)
    }

    /// `hh:mm:ss.ffffff`: `Time::hms(8, 30, 0, 0)`; `Time::hms(24, 0, 0, 0)`
    /// is PostgreSQL's end of day. An impossible time fails the build.
    pub const fn hms(hour: u32, minute: u32, second: u32, micro: u32) -> Time {
        if let Some(why) = civil::check_time_of_day((hour, minute, second, micro)) {
            panic!("{}", why);
        }
        Time(civil::micros_from_civil(
            1970,
            1,
            1,
            (hour, minute, second, micro),
        ))
    }

    /// Microseconds since midnight.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// As a `time` value; `None` for PostgreSQL's `24:00:00`.
    pub fn to_time(self) -> Option<TimeOfDay> {
        if !(0..civil::DAY_MICROS).contains(&self.0) {
            return None;
        }
        let micros = self.0;
        TimeOfDay::from_hms_micro(
            (micros / 3_600_000_000) as u8,
            (micros / 60_000_000 % 60) as u8,
            (micros / 1_000_000 % 60) as u8,
            (micros % 1_000_000) as u32,
        )
        .ok()
    }

    /// From a `time` value (sub-microsecond precision is truncated).
    pub fn from_time(value: TimeOfDay) -> Time {
        let (h, m, sec, micro) = value.as_hms_micro();
        Time(
            i64::from(h) * 3_600_000_000
                + i64::from(m) * 60_000_000
                + i64::from(sec) * 1_000_000
                + i64::from(micro),
        )
    }
}

/// `json` / `jsonb`: the text PostgreSQL prints for the value (for `jsonb`
/// that is canonical: keys sorted, whitespace normalised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json(pub &'static str);

impl Json {
    /// The JSON text.
    pub const fn text(self) -> &'static str {
        self.0
    }

    /// Parsed.
    pub fn parse(self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_str(self.0)
    }
}

/// Newtypes over a value's text: exact, const-constructible, and read back
/// by PostgreSQL's own input function when seeded.
macro_rules! text_form {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub &'static str);

        impl $name {
            /// The text, as PostgreSQL prints it.
            pub const fn text(self) -> &'static str {
                self.0
            }
        }
    )*};
}

text_form! {
    /// A `numeric` that `Decimal` cannot hold (more than 28 digits, NaN,
    /// ±Infinity), or any value of an unconstrained `numeric` column: its
    /// exact text, such as `"12345678901234567890.12345678901234567890"`.
    Numeric;
    /// `interval`, as PostgreSQL prints it (`"1 year 2 mons 03:00:00"`).
    Interval;
    /// `money`, as PostgreSQL prints it under the database's `lc_monetary`
    /// (`"$1,234.56"`).
    Money;
    /// `time with time zone` (`"04:05:06.789-08"`).
    Timetz;
    /// `tsvector` (`"'a' 'cat':3"`).
    Tsvector;
    /// `xml`.
    Xml;
    /// Any type without a mapping of its own (`box`, `pg_lsn`, `macaddr8`,
    /// a composite, a multirange, an enum of another schema, an
    /// extension's type): its text form, such as `"(1,abc)"`.
    PgText;
}

/// `inet` or `cidr`: an address and its netmask bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Inet {
    /// The address.
    pub addr: IpAddr,
    /// Netmask bits (32 or 128 for a single host).
    pub netmask: u8,
}

impl Inet {
    /// An IPv4 address or network.
    pub const fn v4(octets: [u8; 4], netmask: u8) -> Inet {
        Inet {
            addr: IpAddr::V4(std::net::Ipv4Addr::new(
                octets[0], octets[1], octets[2], octets[3],
            )),
            netmask,
        }
    }

    /// An IPv6 address or network, by its eight 16-bit segments.
    pub const fn v6(s: [u16; 8], netmask: u8) -> Inet {
        Inet {
            addr: IpAddr::V6(std::net::Ipv6Addr::new(
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
            )),
            netmask,
        }
    }
}

/// `macaddr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Macaddr(pub [u8; 6]);

/// `bit(n)` or `bit varying`: one `'0'` or `'1'` per bit, first bit first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bits(pub &'static str);

/// `point`: x and y.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Point(pub f64, pub f64);

/// A range of `T` (`int4range` is `Range<i32>`, `tstzrange`
/// `Range<Timestamptz>`), as PostgreSQL canonicalises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range<T: 'static> {
    /// `empty`.
    Empty,
    /// From the lower bound to the upper one.
    Span(Bound<T>, Bound<T>),
}

/// An array that is not a plain 1-based list: several dimensions, other
/// lower bounds, or NULL elements. Elements are in row-major order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Array<T: 'static> {
    /// The length of each dimension (empty for an empty array).
    pub lens: &'static [i32],
    /// The lower bound of each dimension (PostgreSQL's default is 1).
    pub lower: &'static [i32],
    /// Every element, NULL as `None`.
    pub elems: &'static [Option<T>],
}

impl<T> Array<T> {
    /// An array of `lens` dimensions with lower bounds `lower`.
    pub const fn new(
        lens: &'static [i32],
        lower: &'static [i32],
        elems: &'static [Option<T>],
    ) -> Array<T> {
        Array { lens, lower, elems }
    }
}

/// `GENERATED … AS IDENTITY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity {
    /// `GENERATED ALWAYS`: explicit values need `OVERRIDING SYSTEM VALUE`.
    Always,
    /// `GENERATED BY DEFAULT`.
    ByDefault,
}

/// A referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FkAction {
    /// `NO ACTION`
    NoAction,
    /// `RESTRICT`
    Restrict,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

impl FkAction {
    /// The SQL spelling, e.g. `SET NULL`.
    pub const fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A column of a table, as `generated/schema.rs` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnMeta {
    /// Column name in the database.
    pub name: &'static str,
    /// Field name in the table's Rust struct.
    pub field: &'static str,
    /// PostgreSQL type as `format_type` prints it (`uuid[]`, `numeric(10,2)`,
    /// an enum's or a domain's name).
    pub pg_type: &'static str,
    /// NULL allowed.
    pub nullable: bool,
    /// An INSERT may leave it out (default, identity or generated).
    pub has_default: bool,
    /// Identity column.
    pub identity: Option<Identity>,
    /// Generated column (never inserted).
    pub generated: bool,
}

/// A unique constraint or unique index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UniqueKeyMeta {
    /// Constraint or index name.
    pub name: &'static str,
    /// Key parts: column names, or expression text when `has_expressions`.
    pub columns: &'static [&'static str],
    /// Some part is an expression.
    pub has_expressions: bool,
    /// `WHERE` predicate of a partial index.
    pub predicate: Option<&'static str>,
    /// `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
}

/// A foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ForeignKeyMeta {
    /// Constraint name.
    pub name: &'static str,
    /// Referencing columns.
    pub columns: &'static [&'static str],
    /// Referenced table.
    pub ref_table: &'static str,
    /// Referenced columns.
    pub ref_columns: &'static [&'static str],
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    pub on_update: FkAction,
    /// `DEFERRABLE`.
    pub deferrable: bool,
}

/// A table, as `generated/schema.rs` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableMeta {
    /// Table name in the database.
    pub name: &'static str,
    /// Columns in physical order (the struct's field order).
    pub columns: &'static [ColumnMeta],
    /// Primary-key columns; empty when there is none.
    pub primary_key: &'static [&'static str],
    /// Unique keys other than the primary key.
    pub unique_keys: &'static [UniqueKeyMeta],
    /// Foreign keys.
    pub foreign_keys: &'static [ForeignKeyMeta],
}

/// A PostgreSQL enum type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumMeta {
    /// Type name in the database.
    pub name: &'static str,
    /// Labels in declared order.
    pub labels: &'static [&'static str],
}
