//! A logarithmic plot axis with ticks at whole powers of its base.
//!
//! plotters' own log coordinate puts bold ticks at arbitrary multiples; this one puts labelled ticks only at
//! powers of the base (every power, or every 2nd, 5th, 10th, … so that the labels fit), with light grid lines
//! at every power of 2 (base 2) or at 1…9 × 10ᵏ (base 10). For base 10 over less than about two decades the
//! ticks are 1, 2 and 5 × 10ᵏ.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// Base of a [`LogAxis`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogBase {
    Two,
    Ten,
}

impl LogBase {
    fn log(self, v: f64) -> f64 {
        match self {
            LogBase::Two => v.log2(),
            LogBase::Ten => v.log10(),
        }
    }

    fn pow(self, e: f64) -> f64 {
        match self {
            LogBase::Two => e.exp2(),
            // Rationale: parsing `1eN` gives the double nearest to 10^N, which powf does not promise.
            LogBase::Ten => format!("1e{e}").parse().unwrap_or_else(|_| 10f64.powf(e)),
        }
    }

    /// Narrowest axis [base units] so that there are always at least two ticks.
    fn min_span(self) -> f64 {
        match self {
            LogBase::Two => 2.0,
            LogBase::Ten => 1.0,
        }
    }
}

/// Exponent steps between labelled ticks, tried in order until the labels fit.
const STEPS: [i64; 9] = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/// A logarithmic axis from `base^lo` to `base^hi`, exponents in floating point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LogAxis {
    base: LogBase,
    lo: f64,
    hi: f64,
}

impl LogAxis {
    /// The axis showing every positive finite value in `values`, padded by 4 % of the span (at least 0.3
    /// base units) on each side and at least [`LogBase::min_span`] wide; `fallback` (`lo < hi`, both
    /// positive) if there is no such value.
    pub(crate) fn covering(values: impl IntoIterator<Item = f64>, base: LogBase, fallback: (f64, f64)) -> Self {
        let logs: Vec<f64> = values.into_iter().filter(|v| v.is_finite() && *v > 0.0).map(|v| base.log(v)).collect();
        let (min, max) = if logs.is_empty() {
            (base.log(fallback.0), base.log(fallback.1))
        } else {
            logs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &l| (lo.min(l), hi.max(l)))
        };
        let pad = (0.04 * (max - min)).max(0.3);
        let (mut lo, mut hi) = (min - pad, max + pad);
        if hi - lo < base.min_span() {
            let centre = (lo + hi) / 2.0;
            (lo, hi) = (centre - base.min_span() / 2.0, centre + base.min_span() / 2.0);
        }
        LogAxis { base, lo, hi }
    }

    /// Integer exponents within the axis.
    fn exponents(&self) -> std::ops::RangeInclusive<i64> {
        (self.lo.ceil() as i64)..=(self.hi.floor() as i64)
    }

    fn contains(&self, v: f64) -> bool {
        let l = self.base.log(v);
        self.lo <= l && l <= self.hi
    }

    /// Labelled ticks: powers of the base, every `step`-th so that at most `max` remain (at least one).
    fn bold_points(&self, max: usize) -> Vec<f64> {
        let max = max.max(1);
        let exps = self.exponents();
        if self.base == LogBase::Ten && exps.clone().count() < 3 {
            let ticks = self.mantissa_points(&[1.0, 2.0, 5.0]);
            if ticks.len() <= max {
                return ticks;
            }
        }
        for step in STEPS {
            let first = (*exps.start()).div_euclid(step) * step;
            let first = if first < *exps.start() { first + step } else { first };
            let ticks: Vec<f64> =
                (first..=*exps.end()).step_by(step as usize).map(|e| self.base.pow(e as f64)).collect();
            if !ticks.is_empty() && ticks.len() <= max {
                return ticks;
            }
        }
        vec![self.base.pow(*exps.start() as f64)]
    }

    /// `m × base^e` for every mantissa `m` and integer `e` that falls within the axis, in increasing order.
    fn mantissa_points(&self, mantissas: &[f64]) -> Vec<f64> {
        let mut out = Vec::new();
        for e in (self.lo.floor() as i64)..=(self.hi.ceil() as i64) {
            let p = self.base.pow(e as f64);
            out.extend(mantissas.iter().map(|m| m * p).filter(|&v| self.contains(v)));
        }
        out
    }

    /// Light grid lines: every power of 2, or 1…9 × 10ᵏ; the labelled ticks alone if those are too many.
    fn light_points(&self, max: usize, bold: usize) -> Vec<f64> {
        let all = match self.base {
            LogBase::Two => self.exponents().map(|e| self.base.pow(e as f64)).collect(),
            LogBase::Ten => self.mantissa_points(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
        };
        if all.len() <= max {
            all
        } else {
            self.bold_points(bold)
        }
    }
}

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// Non-positive and NaN values map just below the axis; far-out values are clamped to keep pixels small.
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let frac = if *value > 0.0 { (self.base.log(*value) - self.lo) / (self.hi - self.lo) } else { -0.1 };
        let frac = if frac.is_nan() { -0.1 } else { frac.clamp(-1.0, 2.0) };
        limit.0 + (frac * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light_points(hint.max_num_points(), hint.bold_points())
        } else {
            self.bold_points(hint.max_num_points())
        }
    }

    fn range(&self) -> Range<f64> {
        self.base.pow(self.lo)..self.base.pow(self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::{BoldPoints, LightPoints};

    #[test]
    fn sizes_from_one_byte_to_four_gib_fit_and_map_in_order() {
        let sizes: Vec<f64> = (0..=32).map(|e| (1u64 << e) as f64).collect();
        let axis = LogAxis::covering(sizes.iter().copied(), LogBase::Two, (1.0, 2.0));
        let px: Vec<i32> = sizes.iter().map(|s| axis.map(s, (100, 900))).collect();
        assert!(px.windows(2).all(|w| w[0] < w[1]), "strictly increasing: {px:?}");
        assert!(px[0] > 100 && px[32] < 900, "both ends inside the axis: {px:?}");
        let ticks = axis.key_points(BoldPoints(12));
        assert!(ticks.len() <= 12 && ticks.len() >= 5, "{ticks:?}");
        assert_eq!(ticks[0], 1.0);
        assert!(ticks.contains(&1024.0) && ticks.contains(&((1u64 << 30) as f64)), "{ticks:?}");
    }

    #[test]
    fn kib_to_gib_sweep_labels_every_other_power() {
        let axis = LogAxis::covering([1024.0, (1u64 << 32) as f64], LogBase::Two, (1.0, 2.0));
        let ticks = axis.key_points(BoldPoints(12));
        let expected: Vec<f64> = (5..=16).map(|k| (1u64 << (2 * k)) as f64).collect();
        assert_eq!(ticks, expected);
        // Light lines at every power of two.
        assert_eq!(axis.key_points(LightPoints::new(12, 48)).len(), 23);
    }

    #[test]
    fn decades_or_one_two_five() {
        let axis = LogAxis::covering([1e-5, 0.7], LogBase::Ten, (1.0, 10.0));
        assert_eq!(axis.key_points(BoldPoints(12)), vec![1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        let narrow = LogAxis::covering([0.5, 0.6], LogBase::Ten, (1.0, 10.0));
        let ticks = narrow.key_points(BoldPoints(12));
        assert!(ticks.len() >= 2, "{ticks:?}");
        assert!(ticks.contains(&0.5) && ticks.contains(&1.0), "{ticks:?}");
    }

    #[test]
    fn degenerate_inputs_fall_back_and_never_panic() {
        let axis = LogAxis::covering([0.0, -1.0, f64::NAN, f64::INFINITY], LogBase::Two, (1024.0, 4096.0));
        assert_eq!(axis.key_points(BoldPoints(10)), vec![1024.0, 2048.0, 4096.0]);
        assert_eq!(axis.map(&0.0, (0, 100)), -10);
        assert_eq!(axis.map(&f64::NAN, (0, 100)), -10);
        assert_eq!(axis.map(&1e300, (0, 100)), 200);
        let single = LogAxis::covering([8.0], LogBase::Two, (1.0, 2.0));
        assert!(single.key_points(BoldPoints(10)).contains(&8.0));
        assert!(!single.key_points(BoldPoints(0)).is_empty());
    }
}
