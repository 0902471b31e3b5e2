//! Physical quantities written with their unit in scenario files (`"10 Gbps"`, `"1.25 GB/s"`,
//! `"5 us"`, `"1 GiB"`, `"989 TFLOP/s"`), parsed once, exactly, into typed values.
//!
//! Numbers are read as decimals (`12.5`, `1e3`, `2_000`) and scaled in integer arithmetic, so
//! `"1.25 GB/s"` is exactly 1 250 000 000 bytes/s; a value that is not a whole number of the base
//! unit (bytes, bytes/s, picoseconds, FLOP/s) is rounded to the nearest one, and a value that
//! rounds to zero where zero is meaningless is rejected. Decimal prefixes are powers of 1000, binary
//! ones (`KiB`, `MiB`, `GiB`, `TiB`) powers of 1024; `b`/`bps` are bits, `B` bytes.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::Deserialize;
use sim_core::{BytesPerSec, FlopPerSec, SimDuration};

/// A duration in a scenario [ps].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

/// A data size in a scenario [bytes].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

/// A data rate in a scenario [bytes/s], written in bits (`Gbps`) or bytes (`GB/s`) per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bandwidth(pub BytesPerSec);

/// A compute rate in a scenario [FLOP/s].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlopRate(pub FlopPerSec);

/// A decimal number `mantissa · 10^exponent`, kept exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decimal {
    mantissa: u128,
    exponent: i32,
}

/// Why a quantity did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError(String);

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QuantityError {}

const DURATION_UNITS: &[(&str, u128, u128)] = &[
    ("ps", 1, 1),
    ("ns", 1_000, 1),
    ("us", 1_000_000, 1),
    ("µs", 1_000_000, 1),
    ("ms", 1_000_000_000, 1),
    ("s", 1_000_000_000_000, 1),
];

const SIZE_UNITS: &[(&str, u128, u128)] = &[
    ("B", 1, 1),
    ("KB", 1_000, 1),
    ("MB", 1_000_000, 1),
    ("GB", 1_000_000_000, 1),
    ("TB", 1_000_000_000_000, 1),
    ("KiB", 1 << 10, 1),
    ("MiB", 1 << 20, 1),
    ("GiB", 1 << 30, 1),
    ("TiB", 1 << 40, 1),
];

/// Bandwidth units as (name, numerator, denominator) of bytes/s.
const BANDWIDTH_UNITS: &[(&str, u128, u128)] = &[
    ("bps", 1, 8),
    ("Kbps", 1_000, 8),
    ("Mbps", 1_000_000, 8),
    ("Gbps", 1_000_000_000, 8),
    ("Tbps", 1_000_000_000_000, 8),
    ("B/s", 1, 1),
    ("KB/s", 1_000, 1),
    ("MB/s", 1_000_000, 1),
    ("GB/s", 1_000_000_000, 1),
    ("TB/s", 1_000_000_000_000, 1),
    ("KiB/s", 1 << 10, 1),
    ("MiB/s", 1 << 20, 1),
    ("GiB/s", 1 << 30, 1),
];

const FLOP_UNITS: &[(&str, u128, u128)] = &[
    ("FLOP/s", 1, 1),
    ("KFLOP/s", 1_000, 1),
    ("MFLOP/s", 1_000_000, 1),
    ("GFLOP/s", 1_000_000_000, 1),
    ("TFLOP/s", 1_000_000_000_000, 1),
    ("PFLOP/s", 1_000_000_000_000_000, 1),
];

fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.replace('_', "");
    let (num, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s.as_str(), 0),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let mantissa = digits.trim_start_matches('0');
    let mantissa = if mantissa.is_empty() { 0 } else { mantissa.parse::<u128>().ok()? };
    Some(Decimal { mantissa, exponent: exp.checked_sub(frac.len() as i32)? })
}

/// `d · num / den`, rounded to the nearest integer; `None` on overflow.
fn scale(d: Decimal, num: u128, den: u128) -> Option<u128> {
    let mut n = d.mantissa.checked_mul(num)?;
    let mut q = den;
    if d.exponent >= 0 {
        n = n.checked_mul(10u128.checked_pow(d.exponent as u32)?)?;
    } else {
        q = q.checked_mul(10u128.checked_pow(d.exponent.unsigned_abs())?)?;
    }
    Some((n + q / 2) / q)
}

/// Parses `"<number> <unit>"` (space optional) against `units`; returns the value in base units.
fn parse_quantity(text: &str, what: &str, units: &[(&str, u128, u128)]) -> Result<u128, QuantityError> {
    let t = text.trim();
    let split =
        t.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '_' | 'e' | 'E' | '+' | '-'))).unwrap_or(t.len());
    // An exponent's 'e' must not swallow a unit that starts with 'E' or 'e' (none do, but be strict).
    let (number, unit) = (t[..split].trim(), t[split..].trim());
    let names = || units.iter().map(|u| u.0).collect::<Vec<_>>().join(", ");
    if number.starts_with('-') {
        return Err(QuantityError(format!("{what} \"{text}\" is negative")));
    }
    let value = parse_decimal(number)
        .ok_or_else(|| QuantityError(format!("{what} \"{text}\" does not start with a number")))?;
    if unit.is_empty() {
        return Err(QuantityError(format!("{what} \"{text}\" has no unit (expected one of {})", names())));
    }
    let &(_, num, den) = units.iter().find(|u| u.0 == unit).ok_or_else(|| {
        QuantityError(format!("{what} \"{text}\": unknown unit \"{unit}\" (expected one of {})", names()))
    })?;
    scale(value, num, den).ok_or_else(|| QuantityError(format!("{what} \"{text}\" is too large")))
}

fn to_u64(v: u128, what: &str, text: &str) -> Result<u64, QuantityError> {
    u64::try_from(v).map_err(|_| QuantityError(format!("{what} \"{text}\" is too large")))
}

impl std::str::FromStr for Duration {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v = parse_quantity(s, "duration", DURATION_UNITS)?;
        Ok(Duration(SimDuration(to_u64(v, "duration", s)?)))
    }
}

impl std::str::FromStr for Size {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v = parse_quantity(s, "size", SIZE_UNITS)?;
        Ok(Size(to_u64(v, "size", s)?))
    }
}

impl std::str::FromStr for Bandwidth {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v = to_u64(parse_quantity(s, "bandwidth", BANDWIDTH_UNITS)?, "bandwidth", s)?;
        if v == 0 {
            return Err(QuantityError(format!("bandwidth \"{s}\" must be at least 1 byte/s")));
        }
        Ok(Bandwidth(BytesPerSec(v)))
    }
}

impl std::str::FromStr for FlopRate {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v = to_u64(parse_quantity(s, "compute rate", FLOP_UNITS)?, "compute rate", s)?;
        if v == 0 {
            return Err(QuantityError(format!("compute rate \"{s}\" must be at least 1 FLOP/s")));
        }
        Ok(FlopRate(FlopPerSec(v)))
    }
}

macro_rules! deserialize_from_str {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(de::Error::custom)
            }
        }
    )*};
}

deserialize_from_str!(Duration, Size, Bandwidth, FlopRate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!("10 Gbps".parse::<Bandwidth>().unwrap().0, BytesPerSec(1_250_000_000));
        assert_eq!("1.25 GB/s".parse::<Bandwidth>().unwrap().0, BytesPerSec(1_250_000_000));
        assert_eq!("5 us".parse::<Duration>().unwrap().0, SimDuration(5_000_000));
        assert_eq!("0.5ns".parse::<Duration>().unwrap().0, SimDuration(500));
        assert_eq!("1 GiB".parse::<Size>().unwrap().0, 1 << 30);
        assert_eq!("989.4 TFLOP/s".parse::<FlopRate>().unwrap().0, FlopPerSec(989_400_000_000_000));
        assert_eq!("1e3 MB".parse::<Size>().unwrap().0, 1_000_000_000);
        assert_eq!("2_000 ms".parse::<Duration>().unwrap().0, SimDuration::from_ms(2_000));
    }

    #[test]
    fn rejects_wrong_or_missing_units() {
        let e = "10".parse::<Bandwidth>().unwrap_err().to_string();
        assert!(e.contains("no unit") && e.contains("Gbps"), "{e}");
        let e = "10 Gb".parse::<Bandwidth>().unwrap_err().to_string();
        assert!(e.contains("unknown unit \"Gb\""), "{e}");
        assert!("5 GB".parse::<Duration>().is_err());
        assert!("-1 us".parse::<Duration>().unwrap_err().to_string().contains("negative"));
        assert!("0 Gbps".parse::<Bandwidth>().is_err());
        assert!("fast".parse::<Duration>().is_err());
        assert!("1e30 s".parse::<Duration>().unwrap_err().to_string().contains("too large"));
    }
}
