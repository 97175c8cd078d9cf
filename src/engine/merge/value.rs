//! Fixture values as the merge and the seed plan hold them: owned, with no
//! dependency beyond `std`, so `build.rs` can include this module.

use std::fmt;

/// A point in time: absolute, or relative to the moment of seeding (what
/// upstream computed from "now" when its data module was imported).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Ts {
    /// Microseconds since 1970-01-01 00:00 UTC.
    At(i64),
    /// Microseconds after (negative: before) the moment of seeding.
    FromSeed(i64),
}

/// One column value.
///
/// Infinite timestamps are `Ts::At(i64::MAX)` / `Ts::At(i64::MIN)`, infinite
/// dates `Date(i32::MAX)` / `Date(i32::MIN)`, as PostgreSQL sends them.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    /// A UUID as its 128-bit value (non-RFC UUIDs are normal here).
    Uuid(u128),
    /// A decimal in canonical text, scale kept (`120.00`).
    Numeric(String),
    /// `timestamptz`.
    Timestamptz(Ts),
    /// `timestamp` without time zone (wall clock, microseconds).
    Timestamp(Ts),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// JSON text.
    Json(String),
    /// An enum label as PostgreSQL knows it.
    Enum(String),
    /// `real` or `double precision`: the bits of the `f64` (a `real` is
    /// widened exactly).
    Float(u64),
    /// `bytea`
    Bytes(Vec<u8>),
    /// `inet`/`cidr`: address and netmask bits.
    Inet(std::net::IpAddr, u8),
    /// `macaddr`
    Macaddr([u8; 6]),
    /// `bit`/`varbit`: one `0` or `1` per bit.
    Bits(String),
    /// `point`: the bits of x and y.
    Point(u64, u64),
    /// A range; `None` is `empty`.
    Range(Option<Box<(RangeBound, RangeBound)>>),
    /// A value in the text form of its type (`interval`, `money`, a
    /// composite…): the seeder has PostgreSQL parse it.
    TextForm(String),
    /// A one-dimensional, 1-based array (elements may be NULL).
    Array(Vec<Value>),
    /// Any other array: (length, lower bound) per dimension, and the
    /// elements in row-major order.
    NdArray(Vec<(i32, i32)>, Vec<Value>),
}

/// One end of a range.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RangeBound {
    Unbounded,
    Inclusive(Value),
    Exclusive(Value),
}

impl Value {
    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Formats a u128 as a hyphenated lower-case UUID.
pub fn uuid_text(v: u128) -> String {
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parses a hyphenated or simple UUID.
pub fn parse_uuid(s: &str) -> Option<u128> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ts::At(us) => write!(f, "@{us}us"),
            Ts::FromSeed(us) => write!(f, "seed{us:+}us"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) | Value::Json(s) => write!(f, "{s:?}"),
            Value::Uuid(u) => f.write_str(&uuid_text(*u)),
            Value::Numeric(n) => f.write_str(n),
            Value::Timestamptz(t) | Value::Timestamp(t) => write!(f, "{t}"),
            Value::Date(d) => write!(f, "date({d})"),
            Value::Time(t) => write!(f, "time({t}us)"),
            Value::Enum(l) => write!(f, "'{l}'"),
            Value::Float(bits) => write!(f, "{:?}", f64::from_bits(*bits)),
            Value::Bytes(b) => {
                f.write_str("\\x")?;
                b.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
            Value::Inet(addr, bits) => write!(f, "{addr}/{bits}"),
            Value::Macaddr(m) => {
                let parts: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
                f.write_str(&parts.join(":"))
            }
            Value::Bits(b) => write!(f, "B'{b}'"),
            Value::Point(x, y) => write!(f, "({:?},{:?})", f64::from_bits(*x), f64::from_bits(*y)),
            Value::Range(None) => f.write_str("empty"),
            Value::Range(Some(bounds)) => {
                let (lo, hi) = &**bounds;
                match lo {
                    RangeBound::Unbounded => f.write_str("(")?,
                    RangeBound::Inclusive(v) => write!(f, "[{v}")?,
                    RangeBound::Exclusive(v) => write!(f, "({v}")?,
                }
                f.write_str(",")?;
                match hi {
                    RangeBound::Unbounded => f.write_str(")"),
                    RangeBound::Inclusive(v) => write!(f, "{v}]"),
                    RangeBound::Exclusive(v) => write!(f, "{v})"),
                }
            }
            Value::TextForm(s) => write!(f, "{s:?}"),
            Value::Array(items) | Value::NdArray(_, items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}
