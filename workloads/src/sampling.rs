//! Data partitioning over workers and the mini-batch order of each worker.

use rand::seq::SliceRandom;
use sim_core::rng::{stream, StreamKind};

use crate::ProgramError;

/// Which examples each worker owns and in which order it visits them.
///
/// The `n` example ids are shuffled once with stream `(seed, Partition, 0)` and split into `workers`
/// contiguous parts (worker `w` gets positions `w·n/W .. (w+1)·n/W`, so sizes differ by at most 1). Each
/// part is then shuffled with the worker's own stream `(seed, DataSampler, w)`; that order is fixed for
/// the run. The batch of clock `c` is the `batch_size` consecutive entries starting at position
/// `c · batch_size`, cyclically: every example is visited once per pass over the part, in the same order
/// each pass, and a batch may straddle the end of a pass. So a batch is a pure function of
/// `(seed, worker, clock)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BatchPlan {
    orders: Vec<Vec<u32>>,
    batch_size: usize,
}

impl BatchPlan {
    /// The plan for `n` examples; `what` names them in errors ("examples", "ratings").
    pub(crate) fn new(
        n: usize,
        workers: usize,
        batch_size: usize,
        seed: u64,
        what: &str,
    ) -> Result<Self, ProgramError> {
        if workers == 0 {
            return Err(ProgramError::InvalidConfig { field: "workers", message: "must be at least 1".into() });
        }
        if batch_size == 0 {
            return Err(ProgramError::InvalidConfig { field: "batch_size", message: "must be at least 1".into() });
        }
        let smallest = n / workers;
        if batch_size > smallest {
            return Err(ProgramError::InvalidConfig {
                field: "batch_size",
                message: format!(
                    "{batch_size} exceeds the smallest worker partition ({smallest} of {n} {what} over {workers} workers)"
                ),
            });
        }
        let mut all: Vec<u32> = (0..n as u32).collect();
        all.shuffle(&mut stream(seed, StreamKind::Partition, 0));
        let orders = (0..workers)
            .map(|w| {
                let mut part = all[w * n / workers..(w + 1) * n / workers].to_vec();
                part.shuffle(&mut stream(seed, StreamKind::DataSampler, w as u32));
                part
            })
            .collect();
        Ok(BatchPlan { orders, batch_size })
    }

    /// Worker `worker`'s examples in visiting order.
    pub(crate) fn partition(&self, worker: usize) -> &[u32] {
        &self.orders[worker]
    }

    /// The example ids of `worker`'s batch at `clock` (`batch_size` distinct ids).
    pub(crate) fn batch(&self, worker: usize, clock: u64) -> impl Iterator<Item = usize> + '_ {
        let order = &self.orders[worker];
        let len = order.len();
        let start = ((clock as u128 * self.batch_size as u128) % len as u128) as usize;
        (0..self.batch_size).map(move |j| order[(start + j) % len] as usize)
    }
}

/// The learning rate of clock `clock`: `η0 / sqrt(1 + decay · clock)`.
pub(crate) fn learning_rate(eta0: f64, decay: f64, clock: u64) -> f64 {
    eta0 / (1.0 + decay * clock as f64).sqrt()
}

/// Checks the shared optimiser settings.
pub(crate) fn check_rates(learning_rate: f64, lr_decay: f64, l2: f64) -> Result<(), ProgramError> {
    let bad = |field: &'static str, m: &str| Err(ProgramError::InvalidConfig { field, message: m.into() });
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return bad("learning_rate", "must be positive and finite");
    }
    if !(lr_decay.is_finite() && lr_decay >= 0.0) {
        return bad("lr_decay", "must be non-negative and finite");
    }
    if !(l2.is_finite() && l2 >= 0.0) {
        return bad("l2", "must be non-negative and finite");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_every_example_once() {
        let p = BatchPlan::new(103, 4, 5, 9, "examples").unwrap();
        let mut all: Vec<u32> = (0..4).flat_map(|w| p.partition(w).to_vec()).collect();
        assert_eq!((0..4).map(|w| p.partition(w).len()).collect::<Vec<_>>(), vec![25, 26, 26, 26]);
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<u32>>());
        // Five batches of 5 cover the 25 examples of worker 0 once; the sixth wraps around.
        let mut seen: Vec<usize> = (0..5).flat_map(|c| p.batch(0, c).collect::<Vec<_>>()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 25);
        assert_eq!(p.batch(0, 5).collect::<Vec<_>>(), p.batch(0, 0).collect::<Vec<_>>());
        assert_eq!(p, BatchPlan::new(103, 4, 5, 9, "examples").unwrap());
        assert!(BatchPlan::new(10, 4, 3, 0, "examples").is_err());
        assert!(BatchPlan::new(10, 0, 1, 0, "examples").is_err());
    }
}
