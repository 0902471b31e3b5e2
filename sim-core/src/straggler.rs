//! Straggler models: per-worker, per-clock multipliers of compute time.
//!
//! Each worker draws from its own seeded stream, one draw per clock in clock order, so a worker's
//! slowdowns do not depend on what other workers do or on event interleaving.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::rng::{stream, StreamKind};

/// How compute durations are stretched.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StragglerModel {
    /// Every worker runs at nominal speed.
    None,
    /// Independently each clock, a worker is slowed by `slowdown` (≥ 1) with probability `prob`.
    Bernoulli {
        /// Probability of a slow clock, in [0, 1].
        prob: f64,
        /// Multiplier of a slow clock's compute time, ≥ 1.
        slowdown: f64,
    },
    /// Fixed workers are persistently slower by `slowdown`.
    Persistent {
        /// Indices of the slow workers.
        workers: Vec<u32>,
        /// Multiplier of their compute time, ≥ 1.
        slowdown: f64,
    },
    /// Multipliers replayed from a measured trace: `ratios[w][i]` is trace worker `w`'s mini-batch
    /// time at iteration `i` divided by the mean over the trace's workers at `i` (so the mean
    /// multiplier is 1). Simulated worker `k` replays trace worker `k mod W`; workers beyond the
    /// first `W` start at a seeded iteration offset so they are not copies. Iterations wrap.
    ///
    /// Source of the shipped traces: Alibaba PAI mini-batch times (Xiao et al., "AntMan", OSDI 2020).
    Trace {
        /// `[trace workers × iterations]` time ratios, all positive.
        ratios: Vec<Vec<f64>>,
    },
}

/// The slowdown stream of one worker.
#[derive(Clone, Debug)]
pub struct WorkerSlowdown {
    worker: u32,
    rng: ChaCha8Rng,
    trace_offset: usize,
}

impl WorkerSlowdown {
    /// The stream of `worker` in a run seeded with `seed`.
    pub fn new(seed: u64, worker: u32) -> Self {
        let mut rng = stream(seed, StreamKind::Straggler, worker);
        let trace_offset = rng.random_range(0..1_000_000);
        WorkerSlowdown { worker, rng, trace_offset }
    }

    /// The multiplier of this worker's compute time at `clock` (≥ 0; 1 = nominal). Call once per
    /// clock, in clock order.
    pub fn factor(&mut self, model: &StragglerModel, clock: u64) -> f64 {
        match model {
            StragglerModel::None => 1.0,
            StragglerModel::Bernoulli { prob, slowdown } => {
                let u: f64 = self.rng.random();
                if u < *prob {
                    *slowdown
                } else {
                    1.0
                }
            }
            StragglerModel::Persistent { workers, slowdown } => {
                if workers.contains(&self.worker) {
                    *slowdown
                } else {
                    1.0
                }
            }
            StragglerModel::Trace { ratios } => {
                let w = self.worker as usize % ratios.len();
                let series = &ratios[w];
                let offset = if (self.worker as usize) < ratios.len() { 0 } else { self.trace_offset };
                series[(clock as usize + offset) % series.len()]
            }
        }
    }
}

impl StragglerModel {
    /// Checks the model's parameters; returns a description of the first problem.
    ///
    /// # Errors
    /// A probability outside [0, 1], a slowdown below 1 or not finite, or an empty or non-positive
    /// trace.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            StragglerModel::None => Ok(()),
            StragglerModel::Bernoulli { prob, slowdown } => {
                if !(0.0..=1.0).contains(prob) {
                    return Err(format!("probability {prob} is outside [0, 1]"));
                }
                check_slowdown(*slowdown)
            }
            StragglerModel::Persistent { slowdown, .. } => check_slowdown(*slowdown),
            StragglerModel::Trace { ratios } => {
                if ratios.is_empty() || ratios.iter().any(|s| s.is_empty()) {
                    return Err("the trace has no iterations".into());
                }
                if ratios.iter().flatten().any(|r| !(r.is_finite() && *r > 0.0)) {
                    return Err("the trace has a non-positive time ratio".into());
                }
                Ok(())
            }
        }
    }
}

fn check_slowdown(s: f64) -> Result<(), String> {
    if s.is_finite() && s >= 1.0 {
        Ok(())
    } else {
        Err(format!("slowdown {s} must be a finite number ≥ 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bernoulli_slows_about_the_stated_share_of_clocks() {
        let model = StragglerModel::Bernoulli { prob: 0.2, slowdown: 3.0 };
        let mut s = WorkerSlowdown::new(1, 0);
        let slow = (0..10_000).filter(|&c| s.factor(&model, c) > 1.0).count();
        // Binomial(10 000, 0.2): sd = 40; allow 5 sd.
        assert!((1_800..=2_200).contains(&slow), "{slow}");
    }

    #[test]
    fn trace_replays_ratios_in_clock_order() {
        let model = StragglerModel::Trace { ratios: vec![vec![0.5, 1.5], vec![1.5, 0.5]] };
        let mut s = WorkerSlowdown::new(1, 1);
        let f: Vec<f64> = (0..3).map(|c| s.factor(&model, c)).collect();
        assert_eq!(f, vec![1.5, 0.5, 1.5]);
    }
}
