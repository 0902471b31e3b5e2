//! Physical quantities written with their unit in scenario files (`"10 Gbps"`, `"1.25 GB/s"`,
//! `"5 us"`, `"1 GiB"`, `"989 TFLOP/s"`), parsed once, exactly, into typed values.
//!
//! Numbers are read as decimals (`12.5`, `1e3`, `2_000`) and scaled in integer arithmetic, so
//! `"1.25 GB/s"` is exactly 1 250 000 000 bytes/s; a value that is not a whole number of the base
//! unit (bytes, bytes/s, picoseconds, FLOP/s) is rounded to the nearest one, and a value that
//! rounds to zero where zero is meaningless is rejected. Decimal prefixes are powers of 1000, binary
//! ones (`KiB`, `MiB`, `GiB`, `TiB`) powers of 1024; `b`/`bps` are bits, `B` bytes.
//!
//! Each quantity displays (and serializes) as a whole number of the unit that writes it with the
//! fewest digits among those that write it exactly (`"10 Gbps"`, `"2 us"`, `"64 GiB"`,
//! `"12345 ps"`), so its text parses back to the identical value.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
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

/// `value` (in base units) as `"<integer> <unit>"`: among the `units` in which it is a whole number,
/// the one giving the smallest number (the first such unit on a tie, so zero is written in the base
/// unit). Exact: [`parse_quantity`] reads the text back to `value`.
fn format_quantity(value: u64, units: &[(&str, u128, u128)]) -> String {
    let v = u128::from(value);
    let (count, name) = units
        .iter()
        .filter(|&&(_, num, den)| (v * den) % num == 0)
        .map(|&(name, num, den)| (v * den / num, name))
        .min_by_key(|&(count, _)| count)
        .unwrap_or((v, units[0].0));
    format!("{count} {name}")
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_quantity(self.0 .0, DURATION_UNITS))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_quantity(self.0, SIZE_UNITS))
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_quantity(self.0 .0, BANDWIDTH_UNITS))
    }
}

impl fmt::Display for FlopRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_quantity(self.0 .0, FLOP_UNITS))
    }
}

macro_rules! serialize_as_text {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

serialize_as_text!(Duration, Size, Bandwidth, FlopRate);

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
    fn displays_exactly_in_the_shortest_unit() {
        assert_eq!(Bandwidth(BytesPerSec(1_250_000_000)).to_string(), "10 Gbps");
        assert_eq!(Bandwidth(BytesPerSec(1_000_000_000)).to_string(), "1 GB/s");
        assert_eq!(Bandwidth(BytesPerSec(3)).to_string(), "3 B/s");
        assert_eq!(Duration(SimDuration(2_000_000)).to_string(), "2 us");
        assert_eq!(Duration(SimDuration(12_345)).to_string(), "12345 ps");
        assert_eq!(Duration(SimDuration(0)).to_string(), "0 ps");
        assert_eq!(Size(64 << 30).to_string(), "64 GiB");
        assert_eq!(Size(0).to_string(), "0 B");
        assert_eq!(FlopRate(FlopPerSec(989_400_000_000_000)).to_string(), "989400 GFLOP/s");
        // Every value reads back to itself, including the extremes.
        for v in [0, 1, 7, 8, 125, 999, 1000, 1 << 20, 3 << 30, 1_250_000_000, u64::MAX - 1, u64::MAX] {
            assert_eq!(Duration(SimDuration(v)).to_string().parse::<Duration>().unwrap().0, SimDuration(v));
            assert_eq!(Size(v).to_string().parse::<Size>().unwrap().0, v);
            if v > 0 {
                assert_eq!(Bandwidth(BytesPerSec(v)).to_string().parse::<Bandwidth>().unwrap().0, BytesPerSec(v));
                assert_eq!(FlopRate(FlopPerSec(v)).to_string().parse::<FlopRate>().unwrap().0, FlopPerSec(v));
            }
        }
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
