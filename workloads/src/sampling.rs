//! Data partitioning over workers and the mini-batch order of each worker.

use rand::seq::SliceRandom;
use sim_core::rng::{stream, StreamKind};

use crate::ProgramError;

/// How the examples are divided among workers: IID, or skewed by label across groups of workers (data
/// centers).
///
/// # `Iid` (the default)
/// The split of the crate docs: one shuffle with stream `(seed, Partition, 0)`, then `workers` contiguous
/// near-equal parts.
///
/// # `LabelSkew { skew, groups }`
/// Worker `w` belongs to group (data center) `groups[w]`; groups are numbered `0..G` and none is empty.
/// With `n` examples, `m = ⌊skew · n⌋` and group boundaries `B_g = ⌊g · n / G⌋`:
/// 1. The ids `0..n` are shuffled with stream `(seed, Partition, 1)`. The first `m` form the
///    label-partitioned set `S`, the other `n − m` the rest `R` (already in random order).
/// 2. `S` is sorted by label, stably, so examples with equal labels keep their random order.
/// 3. Group `g` gets positions `⌊B_g·m/n⌋ .. ⌊B_{g+1}·m/n⌋` of the sorted `S` and positions
///    `B_g − ⌊B_g·m/n⌋ .. B_{g+1} − ⌊B_{g+1}·m/n⌋` of `R`: `S` and `R` are each cut into `G` contiguous
///    near-equal chunks, chunk `g` to group `g`, with the cuts placed so that group `g` holds exactly
///    `N_g = B_{g+1} − B_g` examples. Group sizes thus differ by at most 1 whatever the skew.
/// 4. The group's examples are shuffled with stream `(seed, Partition, 2 + g)` and split over the
///    group's workers, in worker-index order, into contiguous near-equal parts (the `k`-th of its `K`
///    workers gets positions `⌊k·N_g/K⌋ .. ⌊(k+1)·N_g/K⌋`). Each part is shuffled with the worker's
///    stream `(seed, DataSampler, w)` and batches are drawn from it as in the crate docs.
///
/// At `skew = 0`, `S` is empty and each group holds a uniformly random subset of `N_g` examples, the same
/// law as [`Partition::Iid`] (with different draws). At `skew = 1` the data is fully label-partitioned: the
/// groups hold consecutive runs of the label-sorted data. For binary labels with a share `p ≤ 1/2` of
/// label 1 and two groups, the expected share of label 1 is `p·(1 − skew)` in group 0 and `p·(1 + skew)` in
/// group 1 (group 0 holds only label 0 at `skew = 1`). Since groups are (nearly) equal in size, equal
/// workers in a BSP step still sample the population's label mix; only algorithms that let a group run
/// ahead on its own data (Gaia, federated averaging) see the skew.
///
/// # References
/// Hsieh, Phanishayee, Mutlu, Gibbons, "The Non-IID Data Quagmire of Decentralized Machine Learning",
/// ICML 2020 (SkewScout): partitions across data centers either "shuffled" (IID) or label-partitioned
/// ("skewed"), the degree of skew being a key determinant of the accuracy loss. The interpolation by a
/// label-partitioned fraction `skew` of the data is this crate's definition; that it matches the paper's
/// degree-of-skew experiments exactly is unverified.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Partition {
    /// Every worker gets a uniformly random near-equal share of the examples.
    #[default]
    Iid,
    /// A fraction `skew` of the examples is partitioned by label across the groups of workers.
    LabelSkew {
        /// Fraction of the examples that is label-partitioned, in `[0, 1]` (0: IID, 1: fully by label).
        skew: f64,
        /// The group (data center) of each worker, in worker-index order: one entry per worker, groups
        /// numbered `0..G`, every group with at least one worker.
        groups: Vec<usize>,
    },
}

impl Partition {
    /// Checks the partition against `workers` (≥ 1); returns the number of groups `G`.
    fn check(&self, workers: usize) -> Result<usize, ProgramError> {
        let bad = |message: String| Err(ProgramError::InvalidConfig { field: "partition", message });
        match self {
            Partition::Iid => Ok(1),
            Partition::LabelSkew { skew, groups } => {
                if !(0.0..=1.0).contains(skew) {
                    return bad(format!("skew {skew} is not in [0, 1]"));
                }
                if groups.len() != workers {
                    return bad(format!("groups has {} entries for {workers} workers", groups.len()));
                }
                let num_groups = groups.iter().max().map_or(0, |&g| g + 1);
                let mut members = vec![0usize; num_groups];
                for &g in groups {
                    members[g] += 1;
                }
                if let Some(g) = members.iter().position(|&k| k == 0) {
                    return bad(format!("group {g} has no workers (groups must be numbered 0..{num_groups})"));
                }
                Ok(num_groups)
            }
        }
    }
}

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
    /// The group of each worker (all 0 for [`Partition::Iid`]).
    groups: Vec<usize>,
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
        Ok(BatchPlan { orders, groups: vec![0; workers], batch_size })
    }

    /// The plan for the examples labelled `labels` (one per example) under `partition`; `what` names
    /// them in errors. [`Partition::Iid`] gives exactly [`BatchPlan::new`]`(labels.len(), …)`.
    ///
    /// # Errors
    /// As [`BatchPlan::new`]; for [`Partition::LabelSkew`], `InvalidConfig` on `"partition"` if the skew
    /// is outside `[0, 1]`, `groups` does not have one entry per worker, a group in `0..G` has no worker,
    /// or `batch_size` exceeds the smallest worker partition.
    pub(crate) fn with_partition<L: Ord + Copy>(
        labels: &[L],
        workers: usize,
        batch_size: usize,
        seed: u64,
        what: &str,
        partition: &Partition,
    ) -> Result<Self, ProgramError> {
        let Partition::LabelSkew { skew, groups } = partition else {
            return Self::new(labels.len(), workers, batch_size, seed, what);
        };
        if workers == 0 {
            return Err(ProgramError::InvalidConfig { field: "workers", message: "must be at least 1".into() });
        }
        if batch_size == 0 {
            return Err(ProgramError::InvalidConfig { field: "batch_size", message: "must be at least 1".into() });
        }
        let num_groups = partition.check(workers)?;
        let n = labels.len();
        let m = ((skew * n as f64).floor() as usize).min(n);
        let mut all: Vec<u32> = (0..n as u32).collect();
        all.shuffle(&mut stream(seed, StreamKind::Partition, 1));
        let (skewed, rest) = all.split_at_mut(m);
        skewed.sort_by_key(|&i| labels[i as usize]); // stable: ties keep the shuffled order
        let bound = |g: usize| g * n / num_groups;
        let cut = |g: usize| if n == 0 { 0 } else { (bound(g) as u128 * m as u128 / n as u128) as usize };
        let mut orders = vec![Vec::new(); workers];
        for g in 0..num_groups {
            let mut data = skewed[cut(g)..cut(g + 1)].to_vec();
            data.extend_from_slice(&rest[bound(g) - cut(g)..bound(g + 1) - cut(g + 1)]);
            data.shuffle(&mut stream(seed, StreamKind::Partition, 2 + g as u32));
            let members: Vec<usize> = (0..workers).filter(|&w| groups[w] == g).collect();
            let (len, k) = (data.len(), members.len());
            for (j, &w) in members.iter().enumerate() {
                let mut part = data[j * len / k..(j + 1) * len / k].to_vec();
                part.shuffle(&mut stream(seed, StreamKind::DataSampler, w as u32));
                orders[w] = part;
            }
        }
        let (smallest, w) = orders.iter().enumerate().map(|(w, o)| (o.len(), w)).min().expect("workers ≥ 1");
        if batch_size > smallest {
            let g = groups[w];
            let members = groups.iter().filter(|&&h| h == g).count();
            return Err(ProgramError::InvalidConfig {
                field: "partition",
                message: format!(
                    "batch_size {batch_size} exceeds the smallest worker partition ({smallest} {what} at worker {w}: \
                     group {g} holds {} of {n} {what} over its {members} workers)",
                    bound(g + 1) - bound(g)
                ),
            });
        }
        Ok(BatchPlan { orders, groups: groups.clone(), batch_size })
    }

    /// Worker `worker`'s examples in visiting order.
    pub(crate) fn partition(&self, worker: usize) -> &[u32] {
        &self.orders[worker]
    }

    /// Per group `g` (`0..G`; one group for [`Partition::Iid`]), the number of its examples with each label
    /// `0..=max label`: `counts[g][label]`. `labels` has one entry per example.
    pub(crate) fn label_counts<L: Copy + Into<usize>>(&self, labels: &[L]) -> Vec<Vec<u64>> {
        let num_labels = labels.iter().map(|&l| l.into() + 1).max().unwrap_or(0);
        let num_groups = self.groups.iter().max().map_or(0, |&g| g + 1);
        let mut counts = vec![vec![0u64; num_labels]; num_groups];
        for (order, &g) in self.orders.iter().zip(&self.groups) {
            for &i in order {
                counts[g][labels[i as usize].into()] += 1;
            }
        }
        counts
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

    /// `BatchPlan::new` as it was before label skew existed: these partitions were printed by that code.
    #[test]
    fn iid_partition_is_unchanged() {
        let expected: [&[u32]; 3] =
            [&[6, 2, 12, 11, 0, 5, 9], &[20, 19, 16, 3, 8, 17, 10, 1], &[15, 21, 7, 18, 4, 14, 22, 13]];
        let p = BatchPlan::new(23, 3, 2, 7, "x").unwrap();
        let labels = [0u8; 23];
        let q = BatchPlan::with_partition(&labels, 3, 2, 7, "x", &Partition::Iid).unwrap();
        for (w, e) in expected.iter().enumerate() {
            assert_eq!(p.partition(w), *e);
        }
        assert_eq!(p, q);
        assert_eq!(q.label_counts(&labels), vec![vec![23]]);
    }

    fn skewed(labels: &[u8], skew: f64, groups: &[usize], seed: u64) -> Result<BatchPlan, ProgramError> {
        let partition = Partition::LabelSkew { skew, groups: groups.to_vec() };
        BatchPlan::with_partition(labels, groups.len(), 1, seed, "examples", &partition)
    }

    #[test]
    fn label_skew_groups_are_equal_within_one_and_cover_every_example_once() {
        // Includes n = 13, G = 5, m = 12, where cutting S and R each into near-equal chunks independently
        // would give group sizes 2 and 4.
        for n in 5..40usize {
            let labels: Vec<u8> = (0..n).map(|i| (i * 7 % 3) as u8).collect();
            for num_groups in 1..=5 {
                let groups: Vec<usize> = (0..2 * num_groups).map(|w| w % num_groups).collect();
                for m in 0..=n {
                    let skew = if m == n { 1.0 } else { (m as f64 + 0.5) / n as f64 }; // ⌊skew·n⌋ = m
                    let plan = skewed(&labels, skew, &groups, n as u64);
                    if n / num_groups < 2 {
                        // A group of ⌊n/G⌋ < 2 examples leaves one of its two workers without any.
                        assert!(plan.is_err(), "n {n} G {num_groups} m {m}");
                        continue;
                    }
                    let p = plan.unwrap();
                    let counts = p.label_counts(&labels);
                    let sizes: Vec<u64> = counts.iter().map(|c| c.iter().sum()).collect();
                    let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                    assert!(hi - lo <= 1, "n {n} G {num_groups} m {m}: group sizes {sizes:?}");
                    let mut all: Vec<u32> = (0..groups.len()).flat_map(|w| p.partition(w).to_vec()).collect();
                    all.sort_unstable();
                    assert_eq!(all, (0..n as u32).collect::<Vec<_>>(), "n {n} G {num_groups} m {m}");
                }
            }
        }
    }

    #[test]
    fn full_skew_sorts_labels_across_groups() {
        // 30 examples, 12 of label 0, 9 of label 1, 9 of label 2, three groups of 10: fully by label.
        let labels: Vec<u8> = (0..30)
            .map(|i| {
                if i < 12 {
                    0
                } else if i < 21 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let p = skewed(&labels, 1.0, &[2, 0, 1, 0, 2, 1], 3).unwrap();
        assert_eq!(p.label_counts(&labels), vec![vec![10, 0, 0], vec![2, 8, 0], vec![0, 1, 9]]);
        // Workers 1 and 3 share group 0 (5 examples each, all label 0).
        assert!([1, 3].iter().all(|&w| p.partition(w).len() == 5 && p.partition(w).iter().all(|&i| i < 12)));
        assert_eq!(p, skewed(&labels, 1.0, &[2, 0, 1, 0, 2, 1], 3).unwrap());
        assert_ne!(p, skewed(&labels, 1.0, &[2, 0, 1, 0, 2, 1], 4).unwrap());
    }

    #[test]
    fn label_skew_rejects_bad_settings() {
        let labels = [0u8, 1, 0, 1, 0, 1, 0, 1];
        let field = |r: Result<BatchPlan, ProgramError>| match r {
            Err(ProgramError::InvalidConfig { field, .. }) => field,
            Ok(_) => "ok",
        };
        assert_eq!(field(skewed(&labels, 1.5, &[0, 1], 0)), "partition");
        assert_eq!(field(skewed(&labels, -0.1, &[0, 1], 0)), "partition");
        assert_eq!(field(skewed(&labels, f64::NAN, &[0, 1], 0)), "partition");
        assert_eq!(field(skewed(&labels, 0.5, &[0, 2], 0)), "partition"); // group 1 empty
        let two = Partition::LabelSkew { skew: 0.5, groups: vec![0, 1] };
        assert_eq!(field(BatchPlan::with_partition(&labels, 3, 1, 0, "x", &two)), "partition");
        // Group 1 has three workers for its 4 examples: partitions of 1, 1 and 2.
        let uneven = Partition::LabelSkew { skew: 0.5, groups: vec![0, 1, 1, 1] };
        assert_eq!(field(BatchPlan::with_partition(&labels, 4, 1, 0, "x", &uneven)), "ok");
        assert_eq!(field(BatchPlan::with_partition(&labels, 4, 2, 0, "x", &uneven)), "partition");
        assert_eq!(field(BatchPlan::with_partition(&labels, 4, 0, 0, "x", &uneven)), "batch_size");
        assert_eq!(field(skewed(&labels, 0.0, &[0, 1], 0)), "ok");
    }
}
