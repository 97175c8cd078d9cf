//! PostgreSQL's binary `numeric`, to and from exact decimal text.
//!
//! postgres-protocol has no `numeric`, and rust_decimal holds 28 digits (a
//! `numeric(40,20)` value does not fit, NaN and ±Infinity have no Decimal),
//! so values travel as the exact text PostgreSQL prints (`120.00`, `NaN`,
//! `-Infinity`, `0.000…1`) and this module converts that text to and from
//! the wire format: `ndigits`, `weight`, `sign`, `dscale` (four i16), then
//! `ndigits` base-10000 digits, most significant first; the value is
//! `Σ digit[i] × 10000^(weight − i)`, shown with `dscale` fraction digits.

const POSITIVE: u16 = 0x0000;
const NEGATIVE: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PLUS_INFINITY: u16 = 0xD000;
const MINUS_INFINITY: u16 = 0xF000;

/// The text PostgreSQL prints for a binary numeric.
pub fn to_text(buf: &[u8]) -> Result<String, String> {
    let word = |i: usize| -> Result<u16, String> {
        buf.get(2 * i..2 * i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated numeric".to_owned())
    };
    let ndigits = word(0)? as usize;
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = word(3)? as usize;
    if buf.len() != 8 + 2 * ndigits {
        return Err(format!(
            "numeric of {} bytes for {ndigits} digits",
            buf.len()
        ));
    }
    match sign {
        NAN => return Ok("NaN".into()),
        PLUS_INFINITY => return Ok("Infinity".into()),
        MINUS_INFINITY => return Ok("-Infinity".into()),
        POSITIVE | NEGATIVE => {}
        other => return Err(format!("unknown numeric sign {other:#06x}")),
    }
    let digits: Vec<u16> = (0..ndigits)
        .map(|i| word(4 + i))
        .collect::<Result<_, _>>()?;
    if let Some(d) = digits.iter().find(|d| **d > 9999) {
        return Err(format!("numeric digit {d} is not base 10000"));
    }
    let digit = |i: i32| -> u16 {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == NEGATIVE {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            if i == 0 {
                out.push_str(&digit(i).to_string());
            } else {
                out.push_str(&format!("{:04}", digit(i)));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut fraction = String::with_capacity(dscale + 4);
        let mut i = weight + 1;
        while fraction.len() < dscale {
            fraction.push_str(&format!("{:04}", digit(i)));
            i += 1;
        }
        fraction.truncate(dscale);
        out.push_str(&fraction);
    }
    Ok(out)
}

/// Appends the binary numeric for decimal text: an optional sign, digits
/// with an optional point, an optional exponent (`1.5e-3`), or `NaN`,
/// `Infinity`, `-Infinity` (any case, as PostgreSQL reads them).
pub fn from_text(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let bad = || format!("{text:?} is not a decimal number");
    let t = text.trim();
    let special = |sign: u16, out: &mut Vec<u8>| {
        for w in [0u16, 0, sign, 0] {
            out.extend_from_slice(&w.to_be_bytes());
        }
    };
    let sign = match t.to_ascii_lowercase().as_str() {
        "nan" => Some(NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(PLUS_INFINITY),
        "-infinity" | "-inf" => Some(MINUS_INFINITY),
        _ => None,
    };
    if let Some(sign) = sign {
        special(sign, out);
        return Ok(());
    }
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        || exponent.abs() > 100_000
    {
        return Err(bad());
    }
    let dscale = (frac_part.len() as i64 - exponent).clamp(0, 16_383) as u16;
    // The digits, with the decimal point after `point` of them.
    let mut all: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let mut point = int_part.len() as i64 + exponent;
    if point < 0 {
        let pad = (-point) as usize;
        all.splice(0..0, std::iter::repeat_n(0, pad));
        point = 0;
    }
    // Align the point to a group of four, then pad to whole groups.
    let left = ((4 - point % 4) % 4) as usize;
    all.splice(0..0, std::iter::repeat_n(0, left));
    point += left as i64;
    let wanted = (all.len().max(point as usize)).div_ceil(4) * 4;
    all.resize(wanted, 0);
    let mut groups: Vec<u16> = all
        .chunks(4)
        .map(|c| c.iter().fold(0u16, |acc, d| acc * 10 + u16::from(*d)))
        .collect();
    let mut weight = point / 4 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let weight =
        i16::try_from(weight).map_err(|_| format!("{text:?} is out of numeric's range"))?;
    let sign = if negative && !groups.is_empty() {
        NEGATIVE
    } else {
        POSITIVE
    };
    let ndigits = u16::try_from(groups.len()).map_err(|_| bad())?;
    for w in [ndigits, weight as u16, sign, dscale] {
        out.extend_from_slice(&w.to_be_bytes());
    }
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> String {
        let mut buf = Vec::new();
        from_text(text, &mut buf).unwrap();
        to_text(&buf).unwrap()
    }

    #[test]
    fn text_survives_the_binary_form() {
        for t in [
            "0",
            "0.00",
            "120.00",
            "-0.01",
            "0.5",
            "12345678901234567890.12345678901234567890",
            "-0.00000000000000000001",
            "99999999999999999999.99999999999999999999",
            "123456789012345678901234567890123456789.123456789",
            "10000",
            "100000000",
            "0.0001",
            "NaN",
            "Infinity",
            "-Infinity",
        ] {
            assert_eq!(round(t), t);
        }
    }

    #[test]
    fn exponents_and_signs_read_as_postgres_reads_them() {
        assert_eq!(round("1.000e2"), "100.0");
        assert_eq!(round("1e-3"), "0.001");
        assert_eq!(round("-0.0"), "0.0");
        assert_eq!(round("+7"), "7");
        assert_eq!(round("5E3"), "5000");
        assert!(from_text("1.2.3", &mut Vec::new()).is_err());
        assert!(from_text("", &mut Vec::new()).is_err());
    }

    #[test]
    fn the_wire_format_is_postgres_own() {
        // 120.50: one digit group 120 and a fraction group 5000, dscale 2.
        let mut buf = Vec::new();
        from_text("120.50", &mut buf).unwrap();
        assert_eq!(buf, [0, 2, 0, 0, 0, 0, 0, 2, 0, 120, 0x13, 0x88]);
    }
}
