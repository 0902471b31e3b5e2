//! Simulated time and the physical quantities that turn into it.
//!
//! Time is an integer number of **picoseconds** so that event order never depends on floating-point
//! rounding; 2^64 ps ≈ 213 days of simulated time. Every duration derived from a physical quantity
//! (a transfer, a kernel) is computed here, in integer or `u128` arithmetic, rounded **up** to the
//! next picosecond, so that a finish time is never earlier than physics allows.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Picoseconds per second.
pub const PS_PER_SEC: u64 = 1_000_000_000_000;

/// An instant of simulated time [ps since the start of the run].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time [ps].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// This instant in seconds (for reports only; never feed it back into event keys).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / PS_PER_SEC as f64
    }

    /// Time elapsed since `earlier`.
    ///
    /// # Panics
    /// If `earlier` is after `self` (a causality bug).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        assert!(earlier <= self, "time went backwards: {earlier:?} > {self:?}");
        SimDuration(self.0 - earlier.0)
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `ps` picoseconds.
    pub const fn from_ps(ps: u64) -> Self {
        SimDuration(ps)
    }
    /// A duration of `ns` nanoseconds.
    pub const fn from_ns(ns: u64) -> Self {
        SimDuration(ns * 1_000)
    }
    /// A duration of `us` microseconds.
    pub const fn from_us(us: u64) -> Self {
        SimDuration(us * 1_000_000)
    }
    /// A duration of `ms` milliseconds.
    pub const fn from_ms(ms: u64) -> Self {
        SimDuration(ms * 1_000_000_000)
    }

    /// The duration closest to `secs` seconds, rounded up to the next picosecond.
    ///
    /// # Panics
    /// If `secs` is negative, not finite, or beyond 2^64 ps.
    pub fn from_secs_f64_ceil(secs: f64) -> Self {
        assert!(secs.is_finite() && secs >= 0.0, "invalid duration {secs} s");
        let ps = (secs * PS_PER_SEC as f64).ceil();
        assert!(ps < u64::MAX as f64, "duration {secs} s overflows the picosecond clock");
        SimDuration(ps as u64)
    }

    /// This span in seconds (for reports).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / PS_PER_SEC as f64
    }

    /// This span scaled by `factor` (a straggler slowdown), rounded up.
    ///
    /// # Panics
    /// If `factor` is negative or not finite.
    pub fn mul_f64_ceil(self, factor: f64) -> Self {
        assert!(factor.is_finite() && factor >= 0.0, "invalid scale factor {factor}");
        SimDuration((self.0 as f64 * factor).ceil() as u64)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.checked_add(d.0).expect("simulated time overflowed u64 picoseconds"))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.checked_add(d.0).expect("duration overflowed u64 picoseconds"))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9} s", self.as_secs_f64())
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9} s", self.as_secs_f64())
    }
}

/// A data rate [bytes/s]. Integer so that `bytes / rate` can be computed exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BytesPerSec(pub u64);

/// A compute rate [FLOP/s].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlopPerSec(pub u64);

/// Time to move `bytes` at a constant `rate`: ⌈bytes · 10¹² / rate⌉ ps, exact in `u128`.
///
/// # Panics
/// If `rate` is zero, or the result exceeds 2^64 ps.
pub fn transfer_time(bytes: u64, rate: BytesPerSec) -> SimDuration {
    assert!(rate.0 > 0, "transfer at zero bandwidth never ends");
    ceil_div_ps(bytes as u128 * PS_PER_SEC as u128, rate.0 as u128)
}

/// Time to execute `flops` at a constant `rate` [FLOP/s]: ⌈flops · 10¹² / rate⌉ ps.
///
/// # Panics
/// If `rate` is zero, or the result exceeds 2^64 ps.
pub fn compute_time(flops: u64, rate: FlopPerSec) -> SimDuration {
    assert!(rate.0 > 0, "compute at zero FLOP/s never ends");
    ceil_div_ps(flops as u128 * PS_PER_SEC as u128, rate.0 as u128)
}

fn ceil_div_ps(num: u128, den: u128) -> SimDuration {
    let ps = num.div_ceil(den);
    SimDuration(u64::try_from(ps).expect("duration overflows u64 picoseconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_time_is_exact_and_rounds_up() {
        // 1 GB at 12.5 GB/s = 80 ms exactly.
        assert_eq!(transfer_time(1_000_000_000, BytesPerSec(12_500_000_000)), SimDuration::from_ms(80));
        // 1 byte at 3 B/s = 333_333_333_333.33… ps, rounded up.
        assert_eq!(transfer_time(1, BytesPerSec(3)), SimDuration(333_333_333_334));
    }

    #[test]
    fn durations_from_seconds_round_up() {
        assert_eq!(SimDuration::from_secs_f64_ceil(1e-12), SimDuration(1));
        assert_eq!(SimDuration::from_secs_f64_ceil(0.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_us(5).mul_f64_ceil(1.5), SimDuration(7_500_000));
    }

    #[test]
    #[should_panic(expected = "time went backwards")]
    fn time_never_runs_backwards() {
        let _ = SimTime(5).since(SimTime(6));
    }
}
