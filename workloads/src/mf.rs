//! Matrix factorisation of a sparse rating matrix by mini-batch SGD.

use std::sync::Arc;

use sim_core::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use sim_core::rng::{stream, StreamKind};
use sim_core::Work;

use crate::data::{standard_normal, Ratings};
use crate::sampling::{check_rates, learning_rate, BatchPlan};
use crate::ProgramError;

/// Standard deviation of the initial factor entries.
pub const INIT_STD: f64 = 0.1;

/// Settings of [`MatrixFactorization`].
#[derive(Clone, Debug, PartialEq)]
pub struct MfConfig {
    /// Number of workers (rating partitions), ≥ 1.
    pub workers: usize,
    /// Rank `k` of the factorisation (width of both tables), ≥ 1.
    pub rank: u32,
    /// Ratings per mini-batch (one batch per worker per clock), ≥ 1 and ≤ the smallest partition.
    pub batch_size: usize,
    /// Initial step size `η0` per rating (> 0; units of 1/rating²).
    pub learning_rate: f64,
    /// Decay of the step size: clock `c` uses `η_c = η0 / sqrt(1 + lr_decay · c)` (≥ 0; 0 = constant).
    pub lr_decay: f64,
    /// L2 regularisation strength `λ` (≥ 0), see [`MatrixFactorization`].
    pub l2: f64,
    /// Seed of the factor initialisation, the rating partition and the mini-batch order.
    pub seed: u64,
}

/// Low-rank matrix factorisation `R ≈ U Vᵀ` by SGD (Koren, Bell & Volinsky, IEEE Computer 2009), the
/// parameter-server matrix-factorisation workload.
///
/// - **Tables**: 0 `"user_factors"` (`users × rank`, row `u` = `U_u`) and 1 `"item_factors"`
///   (`items × rank`, row `i` = `V_i`). Initial entries are independent `N(0, INIT_STD²)` drawn from stream
///   `(seed, ModelInit, 0)`, all of `U` row-major and then all of `V`.
/// - **Data**: the ratings are partitioned and batched like examples (crate docs).
/// - **Objective** (exact, over all `N` ratings Ω): the mean over ratings of the per-rating loss
///   `ℓ(u, i, r) = (r − U_u · V_i)² + λ (‖U_u‖² + ‖V_i‖²)`, i.e.
///   `F = (1/N) Σ_Ω (r − U_u·V_i)² + (λ/N) (Σ_u n_u ‖U_u‖² + Σ_i n_i ‖V_i‖²)`: training MSE plus L2 weighted by
///   each row's number of ratings `n_u`, `n_i` (users and items without ratings are not regularised).
///   [`Self::mse`] gives the data term alone.
/// - **Update** of a worker at clock `c` on its batch `B`: every rating of `B` takes one SGD step of size `η_c`
///   on its own loss, all evaluated at the same view `params`, and the steps are summed per row:
///   `ΔU_u = Σ_{(u,i,r)∈B} 2η_c (e V_i − λ U_u)`, `ΔV_i = Σ_{(u,i,r)∈B} 2η_c (e U_u − λ V_i)` with
///   `e = r − U_u · V_i`. This is `−η_c |B|` times the gradient of the batch's mean loss, so `η_c` is a
///   per-rating step size independent of `batch_size`. Only rows of users and items in `B` are read and
///   updated.
/// - **Work** per step, with `k` = rank and `t` touched rows: `flops = |B| (12k + 1)` (2k for the
///   prediction, 1 for the error, 5 per component for each of the two gradient rows); `bytes = 12|B| + 16kt`
///   (each rating's two `u32` ids and `f32` value; each touched row read once and its delta written once,
///   8 bytes per value).
#[derive(Clone, Debug)]
pub struct MatrixFactorization {
    ratings: Arc<Ratings>,
    cfg: MfConfig,
    plan: BatchPlan,
    name: String,
}

fn user_row(u: u32) -> RowRef {
    RowRef { table: 0, row: u }
}

fn item_row(i: u32) -> RowRef {
    RowRef { table: 1, row: i }
}

impl MatrixFactorization {
    /// The program on `ratings` with settings `cfg`; named `"matrix factorisation"` (see [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] if `workers`, `rank` or `batch_size` is 0, `batch_size` exceeds the
    /// smallest partition, a rate is negative, zero (`learning_rate`) or not finite, or a rating has a user or
    /// item id out of range or a non-finite value.
    pub fn new(ratings: impl Into<Arc<Ratings>>, cfg: MfConfig) -> Result<Self, ProgramError> {
        let ratings = ratings.into();
        check_rates(cfg.learning_rate, cfg.lr_decay, cfg.l2)?;
        if cfg.rank == 0 {
            return Err(ProgramError::InvalidConfig { field: "rank", message: "must be at least 1".into() });
        }
        if let Some(p) =
            ratings.entries.iter().position(|&(u, i, r)| u >= ratings.users || i >= ratings.items || !r.is_finite())
        {
            let (u, i, r) = ratings.entries[p];
            return Err(ProgramError::InvalidConfig {
                field: "data",
                message: format!(
                    "rating {p} ({u}, {i}, {r}) is outside {} users × {} items or not finite",
                    ratings.users, ratings.items
                ),
            });
        }
        let plan = BatchPlan::new(ratings.entries.len(), cfg.workers, cfg.batch_size, cfg.seed, "ratings")?;
        Ok(MatrixFactorization { ratings, cfg, plan, name: "matrix factorisation".into() })
    }

    /// The same program reported under `name` (e.g. `"matrix factorisation (movielens-100k)"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The training ratings.
    pub fn ratings(&self) -> &Ratings {
        &self.ratings
    }

    /// The settings.
    pub fn config(&self) -> &MfConfig {
        &self.cfg
    }

    /// The rating indices (into `ratings().entries`) of `worker`'s partition, in visiting order.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn partition(&self, worker: usize) -> &[u32] {
        self.plan.partition(worker)
    }

    /// The rating indices of `worker`'s mini-batch at `clock` (`batch_size` distinct indices).
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

    /// Training mean squared error `(1/N) Σ_Ω (r − U_u · V_i)²` (in squared rating units), without regularisation.
    pub fn mse(&self, params: &Params) -> f64 {
        self.sums(params).0 / self.ratings.entries.len() as f64
    }

    /// Sums over all ratings of the squared error and of `‖U_u‖² + ‖V_i‖²`.
    fn sums(&self, params: &Params) -> (f64, f64) {
        let (mut sq, mut reg) = (0.0, 0.0);
        for &(u, i, r) in &self.ratings.entries {
            let (pu, qi) = (params.row(user_row(u)), params.row(item_row(i)));
            let e = f64::from(r) - dot(pu, qi);
            sq += e * e;
            reg += dot(pu, pu) + dot(qi, qi);
        }
        (sq, reg)
    }

    /// Sorted, unique rows the batch touches: its users (table 0), then its items (table 1).
    fn touched(&self, worker: usize, clock: u64) -> Vec<RowRef> {
        let entries = &self.ratings.entries;
        let mut rows: Vec<RowRef> =
            self.plan.batch(worker, clock).flat_map(|p| [user_row(entries[p].0), item_row(entries[p].1)]).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl DataParallelProgram for MatrixFactorization {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec { name: "user_factors".into(), rows: self.ratings.users, width: self.cfg.rank },
            TableSpec { name: "item_factors".into(), rows: self.ratings.items, width: self.cfg.rank },
        ]
    }

    fn initial_params(&self) -> Params {
        let mut params = Params::zeros(&self.tables());
        let mut rng = stream(self.cfg.seed, StreamKind::ModelInit, 0);
        for t in 0..2 {
            for x in params.table_mut(t) {
                *x = INIT_STD * standard_normal(&mut rng);
            }
        }
        params
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    fn rows_needed(&self, worker: usize, clock: u64) -> Vec<RowRef> {
        self.touched(worker, clock)
    }

    fn compute(&self, worker: usize, clock: u64, params: &Params, _state: &mut dyn std::any::Any) -> Step {
        let touched = self.touched(worker, clock);
        let k = self.cfg.rank as usize;
        let mut deltas = vec![0.0; touched.len() * k];
        let step = 2.0 * self.learning_rate(clock);
        let l2 = self.cfg.l2;
        let mut count = 0u64;
        for p in self.plan.batch(worker, clock) {
            let (u, i, r) = self.ratings.entries[p];
            let (ur, ir) = (user_row(u), item_row(i));
            let (pu, qi) = (params.row(ur), params.row(ir));
            let e = f64::from(r) - dot(pu, qi);
            let a = touched.binary_search(&ur).expect("batch user is touched") * k;
            for j in 0..k {
                deltas[a + j] += step * (e * qi[j] - l2 * pu[j]);
            }
            let b = touched.binary_search(&ir).expect("batch item is touched") * k;
            for j in 0..k {
                deltas[b + j] += step * (e * pu[j] - l2 * qi[j]);
            }
            count += 1;
        }
        let t = touched.len() as u64;
        let updates =
            touched.iter().zip(deltas.chunks_exact(k)).map(|(&row, d)| RowDelta { row, delta: d.to_vec() }).collect();
        let k = k as u64;
        Step { updates, work: Work { flops: count * (12 * k + 1), bytes: 12 * count + 16 * k * t } }
    }

    fn objective(&self, params: &Params) -> f64 {
        let (sq, reg) = self.sums(params);
        (sq + self.cfg.l2 * reg) / self.ratings.entries.len() as f64
    }

    fn learning_rate_factor(&self, clock: u64) -> f64 {
        self.learning_rate(clock) / self.cfg.learning_rate
    }

    fn objective_name(&self) -> String {
        "training MSE + L2 (per rating)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;

    fn cfg(workers: usize, batch_size: usize) -> MfConfig {
        MfConfig { workers, rank: 3, batch_size, learning_rate: 0.05, lr_decay: 0.0, l2: 0.01, seed: 11 }
    }

    #[test]
    fn single_rating_batches_follow_the_objective_gradient() {
        // One rating, batch of 1: the update is −η·(gradient of the objective) on both touched rows.
        let ratings = Ratings { users: 2, items: 2, entries: vec![(1, 0, 3.5)] };
        let prog = MatrixFactorization::new(ratings, cfg(1, 1)).unwrap();
        let params = prog.initial_params();
        let step = prog.compute(0, 0, &params, &mut ());
        assert_eq!(step.updates.iter().map(|u| u.row).collect::<Vec<_>>(), vec![user_row(1), item_row(0)]);
        for u in &step.updates {
            for j in 0..3 {
                let h = 1e-6;
                let (mut plus, mut minus) = (params.clone(), params.clone());
                plus.row_mut(u.row)[j] += h;
                minus.row_mut(u.row)[j] -= h;
                let fd = (prog.objective(&plus) - prog.objective(&minus)) / (2.0 * h);
                assert!((-u.delta[j] / 0.05 - fd).abs() < 1e-6, "{:?}[{j}]", u.row);
            }
        }
    }

    #[test]
    fn compute_is_deterministic_and_sparse() {
        let prog = MatrixFactorization::new(synthetic::low_rank(30, 20, 3, 8, 0.1, 3), cfg(3, 10)).unwrap();
        let params = prog.initial_params();
        assert_eq!(params, prog.initial_params());
        for worker in 0..3 {
            for clock in 0..6 {
                let a = prog.compute(worker, clock, &params, &mut ());
                assert_eq!(a, prog.compute(worker, clock, &params, &mut ()));
                let needed = prog.rows_needed(worker, clock);
                assert!(needed.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(a.updates.iter().map(|u| u.row).collect::<Vec<_>>(), needed);
                // Reads only rows_needed: poison the others.
                let mut poisoned = params.clone();
                for t in 0..2u32 {
                    for row in 0..[30, 20][t as usize] {
                        let r = RowRef { table: t, row };
                        if needed.binary_search(&r).is_err() {
                            poisoned.row_mut(r).fill(f64::NAN);
                        }
                    }
                }
                assert_eq!(a, prog.compute(worker, clock, &poisoned, &mut ()));
            }
        }
    }

    #[test]
    fn rejects_bad_configs_and_ratings() {
        let bad = Ratings { users: 1, items: 1, entries: vec![(0, 1, 1.0)] };
        assert!(MatrixFactorization::new(bad, cfg(1, 1)).is_err());
        let ok = Ratings { users: 1, items: 1, entries: vec![(0, 0, 1.0)] };
        let mut c = cfg(1, 1);
        c.rank = 0;
        assert!(MatrixFactorization::new(ok.clone(), c).is_err());
        assert!(MatrixFactorization::new(ok, cfg(1, 2)).is_err());
    }
}
