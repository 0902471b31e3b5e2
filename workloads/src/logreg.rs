//! Binary logistic regression trained by mini-batch SGD on sparse data.

use std::sync::Arc;

use sim_core::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use sim_core::Work;

use crate::data::Dataset;
use crate::sampling::{check_rates, learning_rate, BatchPlan, Partition};
use crate::ProgramError;

/// Settings of [`LogisticRegression`].
#[derive(Clone, Debug, PartialEq)]
pub struct LogRegConfig {
    /// Number of workers (data partitions), ≥ 1.
    pub workers: usize,
    /// Examples per mini-batch (one batch per worker per clock), ≥ 1 and ≤ the smallest partition.
    pub batch_size: usize,
    /// Initial step size `η0` (> 0, unitless).
    pub learning_rate: f64,
    /// Decay of the step size: clock `c` uses `η_c = η0 / sqrt(1 + lr_decay · c)` (≥ 0; 0 = constant).
    pub lr_decay: f64,
    /// L2 regularisation strength `λ` (≥ 0) of the objective's `(λ/2)‖w‖²` term.
    pub l2: f64,
    /// Seed of the data partition and mini-batch order.
    pub seed: u64,
    /// How the examples are divided among workers: [`Partition::Iid`] (the default) or skewed by label
    /// across groups of workers (data centers); see [`Partition`].
    pub partition: Partition,
}

/// Logistic regression `p(y = 1 | x) = σ(w · x)` by mini-batch SGD, one parameter-server row per feature.
///
/// - **Table** 0, `"weights"`: `num_features` rows of width 1 (initially 0). Feature 0 of the shipped
///   parsers is a constant bias, so its row is the intercept.
/// - **Data**: see the partition and batch order of the crate docs (seeded shuffle, contiguous equal split,
///   a fixed per-worker visiting order cycled clock after clock), or, with [`Partition::LabelSkew`], a
///   split skewed by label across groups of workers ([`Self::label_counts`] shows the result).
/// - **Objective** (exact, over all examples): `L(w) = (1/n) Σ_i [log(1 + e^{z_i}) − y_i z_i] + (λ/2)‖w‖²`
///   with `z_i = w · x_i`, `y_i ∈ {0, 1}`; `log(1 + e^z)` is evaluated stably as
///   `max(z, 0) + ln(1 + e^{−|z|})`.
/// - **Update** of worker `w` at clock `c` on its batch `B` (`|B| = batch_size`): for every feature `j`
///   that is nonzero in some example of `B`, `Δw_j = −η_c · g_j` with
///   `g_j = (1/|B|) Σ_{i∈B} (σ(z_i) − y_i) x_ij + λ w_j`. The data term is the exact gradient of the batch's
///   average loss; the L2 term is applied **lazily**, only to the rows the batch touches (the rows it has
///   to read and push anyway), which keeps updates sparse. Rows not touched get no update.
/// - **Work** per step, with `nnz` the nonzeros of the batch and `k` the touched rows:
///   `flops = 4·nnz + 20·|B| + 4·k` (2 per nonzero for the dot products, 2 per nonzero for the gradient
///   accumulation, ~20 per example for the sigmoid and residual, 4 per touched row for scaling, L2 and the
///   step); `bytes = 12·nnz + |B| + 16·k` (each nonzero's `u32` index and `f64` value, one byte of label per
///   example, and each touched weight read once and its delta written once, 8 bytes each).
#[derive(Clone, Debug)]
pub struct LogisticRegression {
    data: Arc<Dataset>,
    cfg: LogRegConfig,
    plan: BatchPlan,
    name: String,
}

impl LogisticRegression {
    /// The program on `dataset` with settings `cfg`; named `"logistic regression"` (see [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] if `workers` or `batch_size` is 0, `batch_size` exceeds the smallest
    /// partition (`len / workers` examples; field `"partition"` under [`Partition::LabelSkew`]), a rate is
    /// negative, zero (`learning_rate`) or not finite, or on field `"partition"` if the skew is outside
    /// `[0, 1]`, `groups` does not have one entry per worker or some group `0..G` has no worker.
    pub fn new(dataset: impl Into<Arc<Dataset>>, cfg: LogRegConfig) -> Result<Self, ProgramError> {
        let data = dataset.into();
        check_rates(cfg.learning_rate, cfg.lr_decay, cfg.l2)?;
        let plan = BatchPlan::with_partition(
            data.labels(),
            cfg.workers,
            cfg.batch_size,
            cfg.seed,
            "examples",
            &cfg.partition,
        )?;
        Ok(LogisticRegression { data, cfg, plan, name: "logistic regression".into() })
    }

    /// The same program reported under `name` (e.g. `"logistic regression (adult)"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The training data.
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    /// The settings.
    pub fn config(&self) -> &LogRegConfig {
        &self.cfg
    }

    /// The example ids of `worker`'s partition, in visiting order.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn partition(&self, worker: usize) -> &[u32] {
        self.plan.partition(worker)
    }

    /// Per group of workers `g`, the number of its examples with label 0 and with label 1:
    /// `counts[g] = [negatives, positives]` (`G` groups under [`Partition::LabelSkew`], one group of all
    /// workers under [`Partition::Iid`]). Shows the skew of a partition; the counts sum to the data set's size.
    pub fn label_counts(&self) -> Vec<Vec<u64>> {
        let mut counts = self.plan.label_counts(self.data.labels());
        for c in &mut counts {
            c.resize(2, 0); // a data set with no positive example still reports two labels
        }
        counts
    }

    /// The example ids of `worker`'s mini-batch at `clock` (`batch_size` distinct ids).
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn batch(&self, worker: usize, clock: u64) -> Vec<usize> {
        self.plan.batch(worker, clock).collect()
    }

    /// Step size `η_c` of clock `clock`.
    pub fn learning_rate(&self, clock: u64) -> f64 {
        learning_rate(self.cfg.learning_rate, self.cfg.lr_decay, clock)
    }

    /// Share of all examples classified correctly by `σ(w · x) ≥ 1/2`, in [0, 1].
    pub fn accuracy(&self, params: &Params) -> f64 {
        let w = params.table(0);
        let correct = (0..self.data.len()).filter(|&i| (self.margin(w, i) >= 0.0) == (self.data.label(i) == 1)).count();
        correct as f64 / self.data.len() as f64
    }

    fn margin(&self, w: &[f64], i: usize) -> f64 {
        let (idx, val) = self.data.row(i);
        idx.iter().zip(val).map(|(&j, &v)| w[j as usize] * v).sum()
    }

    /// Sorted, unique features present in the batch.
    fn touched(&self, worker: usize, clock: u64) -> Vec<u32> {
        let mut rows: Vec<u32> =
            self.plan.batch(worker, clock).flat_map(|i| self.data.row(i).0.iter().copied()).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// `σ(z) = 1 / (1 + e^{−z})`, without overflow.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)`, without overflow or cancellation.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

fn weight_row(j: u32) -> RowRef {
    RowRef { table: 0, row: j }
}

impl DataParallelProgram for LogisticRegression {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn tables(&self) -> Vec<TableSpec> {
        vec![TableSpec { name: "weights".into(), rows: self.data.num_features(), width: 1 }]
    }

    fn initial_params(&self) -> Params {
        Params::zeros(&self.tables())
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    fn rows_needed(&self, worker: usize, clock: u64) -> Vec<RowRef> {
        self.touched(worker, clock).into_iter().map(weight_row).collect()
    }

    fn compute(&self, worker: usize, clock: u64, params: &Params, _state: &mut dyn std::any::Any) -> Step {
        let touched = self.touched(worker, clock);
        let weight = |j: u32| params.row(weight_row(j))[0];
        let mut grad = vec![0.0; touched.len()];
        let (mut nnz, mut examples) = (0u64, 0u64);
        for i in self.plan.batch(worker, clock) {
            let (idx, val) = self.data.row(i);
            let z: f64 = idx.iter().zip(val).map(|(&j, &v)| weight(j) * v).sum();
            let residual = sigmoid(z) - f64::from(self.data.label(i));
            for (&j, &v) in idx.iter().zip(val) {
                let pos = touched.binary_search(&j).expect("batch features are touched");
                grad[pos] += residual * v;
            }
            nnz += idx.len() as u64;
            examples += 1;
        }
        let eta = self.learning_rate(clock);
        let inv_b = 1.0 / examples as f64;
        let updates: Vec<RowDelta> = touched
            .iter()
            .zip(&grad)
            .map(|(&j, &g)| RowDelta { row: weight_row(j), delta: vec![-eta * (g * inv_b + self.cfg.l2 * weight(j))] })
            .collect();
        let k = touched.len() as u64;
        let work = Work { flops: 4 * nnz + 20 * examples + 4 * k, bytes: 12 * nnz + examples + 16 * k };
        Step { updates, work }
    }

    fn objective(&self, params: &Params) -> f64 {
        let w = params.table(0);
        let loss: f64 = (0..self.data.len())
            .map(|i| {
                let z = self.margin(w, i);
                softplus(z) - f64::from(self.data.label(i)) * z
            })
            .sum();
        let norm2: f64 = w.iter().map(|x| x * x).sum();
        loss / self.data.len() as f64 + 0.5 * self.cfg.l2 * norm2
    }

    fn learning_rate_factor(&self, clock: u64) -> f64 {
        self.learning_rate(clock) / self.cfg.learning_rate
    }

    fn objective_name(&self) -> String {
        "training log-loss".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::libsvm;

    fn tiny() -> Dataset {
        libsvm::parse("+1 1:0.5 2:1\n-1 2:-1.5 3:2\n+1 1:1 3:-0.5\n-1 1:-2 2:0.25\n", Some(3)).unwrap()
    }

    fn cfg(workers: usize, batch_size: usize) -> LogRegConfig {
        LogRegConfig {
            workers,
            batch_size,
            learning_rate: 0.1,
            lr_decay: 0.0,
            l2: 0.3,
            seed: 5,
            partition: Partition::Iid,
        }
    }

    #[test]
    fn update_is_minus_eta_times_the_finite_difference_gradient() {
        // One worker, batch = whole data set: the batch objective is the full objective, and every row
        // is touched (so lazy L2 is exact L2).
        let prog = LogisticRegression::new(tiny(), cfg(1, 4)).unwrap();
        let mut params = prog.initial_params();
        params.table_mut(0).copy_from_slice(&[0.2, -0.4, 0.7, 0.1]);
        let step = prog.compute(0, 0, &params, &mut ());
        assert_eq!(step.updates.len(), 4);
        for u in &step.updates {
            let h = 1e-6;
            let (mut plus, mut minus) = (params.clone(), params.clone());
            plus.row_mut(u.row)[0] += h;
            minus.row_mut(u.row)[0] -= h;
            let fd = (prog.objective(&plus) - prog.objective(&minus)) / (2.0 * h);
            let g = -u.delta[0] / 0.1;
            assert!((g - fd).abs() < 1e-8, "row {}: update gives {g}, finite difference {fd}", u.row.row);
        }
    }

    #[test]
    fn objective_of_zero_model_is_ln_2() {
        let prog = LogisticRegression::new(tiny(), cfg(1, 2)).unwrap();
        assert!((prog.objective(&prog.initial_params()) - std::f64::consts::LN_2).abs() < 1e-15);
        assert!((softplus(800.0) - 800.0).abs() < 1e-12 && softplus(-800.0) >= 0.0);
    }

    #[test]
    fn compute_is_deterministic_and_rows_needed_cover_updates() {
        let prog = LogisticRegression::new(tiny(), cfg(2, 2)).unwrap();
        let params = prog.initial_params();
        for worker in 0..2 {
            for clock in 0..5 {
                let a = prog.compute(worker, clock, &params, &mut ());
                assert_eq!(a, prog.compute(worker, clock, &params, &mut ()));
                let needed = prog.rows_needed(worker, clock);
                assert!(needed.windows(2).all(|w| w[0] < w[1]));
                assert!(a.updates.iter().all(|u| needed.binary_search(&u.row).is_ok()));
                assert!(a.updates.windows(2).all(|w| w[0].row < w[1].row));
                assert!(a.work.flops > 0 && a.work.bytes > 0);
            }
        }
    }

    #[test]
    fn compute_reads_only_rows_needed() {
        // Poison every row that is not needed: the step must not change.
        let prog = LogisticRegression::new(tiny(), cfg(2, 1)).unwrap();
        let mut params = prog.initial_params();
        params.table_mut(0).copy_from_slice(&[0.2, -0.4, 0.7, 0.1]);
        for clock in 0..4 {
            let needed = prog.rows_needed(1, clock);
            let mut poisoned = params.clone();
            for j in 0..4 {
                if needed.binary_search(&weight_row(j)).is_err() {
                    poisoned.row_mut(weight_row(j))[0] = f64::NAN;
                }
            }
            assert_eq!(prog.compute(1, clock, &params, &mut ()), prog.compute(1, clock, &poisoned, &mut ()));
        }
    }

    #[test]
    fn rejects_bad_configs() {
        assert!(LogisticRegression::new(tiny(), cfg(0, 1)).is_err());
        assert!(LogisticRegression::new(tiny(), cfg(2, 3)).is_err());
        let mut c = cfg(1, 1);
        c.learning_rate = 0.0;
        assert!(LogisticRegression::new(tiny(), c).is_err());
    }
}
