//! Lasso regression by parallel (Shotgun-style) coordinate descent, as a data-parallel program on a
//! parameter server: the Lasso application of SSP (Ho et al., NIPS 2013, experiments) with the update
//! rule of STRADS/Petuum (`sailing-pmls/strads`, `apps/linear-solver_release/lasso.cpp`; Kim et al.,
//! EuroSys 2016).

use sim_core::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use sim_core::Work;

use crate::data::lasso::RegressionData;
use crate::sampling::BatchPlan;
use crate::ProgramError;

/// Index of the coefficient table `"beta"` (`p` rows × 1).
pub const BETA_TABLE: u32 = 0;
/// Index of the residual table `"residual"` (`n` rows × 1).
pub const RESIDUAL_TABLE: u32 = 1;

/// Settings of [`Lasso`].
///
/// There is no step size: coordinate descent minimises exactly along each coordinate, so the program keeps
/// the default [`DataParallelProgram::learning_rate_factor`] of 1 at every clock.
#[derive(Clone, Debug, PartialEq)]
pub struct LassoConfig {
    /// Number of workers, ≥ 1 and ≤ the number of features `p`; each owns a block of coordinates.
    pub workers: usize,
    /// Coordinates each worker updates per clock, ≥ 1 and ≤ the smallest block (`⌊p / workers⌋`), so a
    /// clock never visits a coordinate twice.
    pub coords_per_clock: usize,
    /// Regularisation strength `λ` (≥ 0, finite) of the objective `½(‖y − Xβ‖² + λ‖β‖₁)`, in the units of
    /// `x_jᵀy` on the standardised problem (targets' units × samples). `β = 0` is optimal iff
    /// `λ ≥ λ_max = 2·max_j |x_jᵀy|` ([`Lasso::lambda_max`]).
    pub lambda: f64,
    /// Seed of the coordinate partition and visiting order.
    pub seed: u64,
}

/// Lasso `min_β ½(‖y − Xβ‖² + λ‖β‖₁)` by parallel coordinate descent, with the residual kept on the
/// parameter server.
///
/// - **Standardisation** (done once, in [`Lasso::new`], as glmnet does: Friedman, Hastie & Tibshirani,
///   J. Stat. Softw. 2010, §2.1): every column of `X` is centred and scaled to unit population variance, so
///   `‖x_j‖² = n`; the targets are centred (so no intercept is fitted). A constant column becomes all zeros
///   and its coefficient stays 0. The objective, `β`, `λ` and the KKT residuals all refer to this
///   standardised problem.
/// - **Tables**: 0 `"beta"`, `p` rows × width 1, initially 0 (row `j` is `β_j`); 1 `"residual"`, `n` rows ×
///   width 1, initially `y` (row `i` is `r_i = (y − Xβ)_i`).
/// - **Coordinates over workers**: the `p` coordinates play the role of the examples of the crate-level
///   partition: shuffled once with stream `(seed, Partition, 0)`, split into `workers` contiguous blocks
///   (sizes differ by at most one), each block shuffled once with `(seed, DataSampler, w)` into a visiting
///   order fixed for the run. At clock `c` worker `w` updates the `coords_per_clock` consecutive
///   coordinates of its order from position `c · coords_per_clock`, cyclically (each coordinate once per
///   pass over the block), so the coordinates are a pure function of `(seed, worker, clock)`.
/// - **Update** (STRADS `lasso.cpp`, `aggregator` and `soft_threshold`): with `r` the worker's view of the
///   residual, for each coordinate `j` in visiting order: `a = Σ_i x_ij (r_i + x_ij β_j)`,
///   `b = ‖x_j‖²` (precomputed), `β_j ← S(a, λ/2) / b` with `S(z, t) = sign(z)·max(|z| − t, 0)`, then
///   `r ← r − x_j Δβ_j` in the worker's local copy, so later coordinates of the same clock see it: with one
///   worker this is exact sequential cyclic coordinate descent. Several workers update their blocks from
///   possibly stale residuals, as in Shotgun (Bradley, Kyrola, Bickson & Guestrin, ICML 2011), which can
///   diverge if too many correlated coordinates move at once.
/// - **Step**: additive updates `Δβ_j` on the beta rows that changed and `r_final − r_view` on the residual
///   rows that changed (one row delta each, sorted by row: beta rows first). Since every residual delta is
///   `−Σ x_j Δβ_j` of the same step, the server's residual stays `y − Xβ` up to rounding whatever the
///   staleness ([`Lasso::residual_drift`] measures it).
/// - **Reads**: the coordinates' beta rows and all `n` residual rows (see [`DataParallelProgram::rows_needed`]).
/// - **Work** per step, with `k = coords_per_clock`, `m` the coordinates that moved (`Δβ_j ≠ 0`) and
///   `[m > 0]` 1 if any moved: `flops = k·(2n + 4) + m·2n + [m > 0]·n` (a dot product per coordinate plus
///   `bβ`, the threshold and the division; a multiply-subtract per sample for each residual update; the
///   final residual difference); `bytes = 16n + k·(16n + 16) + m·(24n + 8) + [m > 0]·24n` (copying the
///   residual view; per coordinate the column and the residual read, `β_j` and `b_j`; per move the column
///   read and the residual read and written, the `Δβ_j` written; the two residuals read and the delta
///   written), all `f64`.
/// - **Objective** (exact, from `β` alone: `Xβ` is recomputed, the residual table is not trusted):
///   `½(‖y − Xβ‖² + λ‖β‖₁)`, STRADS's `(RSS + λΣ|β_j|)/2`.
///
/// # References
/// Ho et al., "More Effective Distributed ML via a Stale Synchronous Parallel Parameter Server", NIPS 2013
/// (Lasso application); Kim et al., "STRADS", EuroSys 2016; Bradley et al., "Parallel Coordinate Descent
/// for L1-Regularized Loss Minimization", ICML 2011; Friedman, Hastie & Tibshirani, "Regularization Paths
/// for Generalized Linear Models via Coordinate Descent", J. Stat. Softw. 33(1), 2010.
#[derive(Clone, Debug)]
pub struct Lasso {
    /// Standardised design, column-major `[p × n]`.
    x: Vec<f64>,
    /// Centred targets, `n`.
    y: Vec<f64>,
    /// `b_j = ‖x_j‖²` (`n` up to rounding; 0 for a constant column).
    col_sq: Vec<f64>,
    n: usize,
    p: usize,
    cfg: LassoConfig,
    plan: BatchPlan,
    name: String,
}

/// `S(z, t) = sign(z)·max(|z| − t, 0)`.
fn soft_threshold(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

fn beta_row(j: usize) -> RowRef {
    RowRef { table: BETA_TABLE, row: j as u32 }
}

fn residual_row(i: usize) -> RowRef {
    RowRef { table: RESIDUAL_TABLE, row: i as u32 }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Lasso {
    /// The program on `data` (standardised into the program, see the type docs) with settings `cfg`; named
    /// `"lasso"` (see [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] naming `data` if there are fewer than 2 samples or more than
    /// `u32::MAX` samples or features; `workers` if it is 0 or exceeds `p`; `coords_per_clock` if it is 0 or
    /// exceeds `⌊p / workers⌋`; `lambda` if it is negative or not finite.
    pub fn new(data: &RegressionData, cfg: LassoConfig) -> Result<Self, ProgramError> {
        let bad = |field: &'static str, message: String| Err(ProgramError::InvalidConfig { field, message });
        let (n, p) = (data.samples(), data.features());
        if n < 2 || n > u32::MAX as usize || p > u32::MAX as usize {
            return bad("data", format!("{n} samples × {p} features; need 2..=2^32−1 samples and ≤ 2^32−1 features"));
        }
        if cfg.workers == 0 || cfg.workers > p {
            return bad("workers", format!("{} workers for {p} coordinates; need 1..={p}", cfg.workers));
        }
        let block = p / cfg.workers;
        if cfg.coords_per_clock == 0 || cfg.coords_per_clock > block {
            return bad(
                "coords_per_clock",
                format!(
                    "{} is not in 1..={block} (the smallest block of {p} coordinates over {} workers)",
                    cfg.coords_per_clock, cfg.workers
                ),
            );
        }
        if !(cfg.lambda.is_finite() && cfg.lambda >= 0.0) {
            return bad("lambda", format!("{} must be non-negative and finite", cfg.lambda));
        }
        let plan = BatchPlan::new(p, cfg.workers, cfg.coords_per_clock, cfg.seed, "coordinates")
            .expect("settings checked above");

        let nf = n as f64;
        let mut x = Vec::with_capacity(n * p);
        let mut col_sq = Vec::with_capacity(p);
        for j in 0..p {
            let col = data.column(j);
            let constant = col.iter().all(|&v| v == col[0]);
            if constant {
                x.extend(std::iter::repeat_n(0.0, n));
                col_sq.push(0.0);
                continue;
            }
            let mean = col.iter().sum::<f64>() / nf;
            let sd = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf).sqrt();
            let start = x.len();
            x.extend(col.iter().map(|v| (v - mean) / sd));
            col_sq.push(x[start..].iter().map(|v| v * v).sum());
        }
        let y_mean = data.targets().iter().sum::<f64>() / nf;
        let y = data.targets().iter().map(|v| v - y_mean).collect();
        Ok(Lasso { x, y, col_sq, n, p, cfg, plan, name: "lasso".into() })
    }

    /// The same program reported under `name` (e.g. `"lasso (diabetes)"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The settings.
    pub fn config(&self) -> &LassoConfig {
        &self.cfg
    }

    /// Number of samples `n` (rows of the residual table).
    pub fn samples(&self) -> usize {
        self.n
    }

    /// Number of features `p` (rows of the beta table).
    pub fn features(&self) -> usize {
        self.p
    }

    /// Standardised column `j` of the design (`n` values, mean 0, `‖x_j‖² = n`; all 0 if the raw column
    /// was constant).
    ///
    /// # Panics
    /// If `j >= p`.
    pub fn column(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }

    /// The centred targets `y` (`n` values, mean 0).
    pub fn targets(&self) -> &[f64] {
        &self.y
    }

    /// `λ_max = 2·max_j |x_jᵀy|`: the smallest `λ` for which `β = 0` is optimal (same units as `λ`).
    pub fn lambda_max(&self) -> f64 {
        (0..self.p).map(|j| 2.0 * dot(self.column(j), &self.y).abs()).fold(0.0, f64::max)
    }

    /// The coordinates of `worker`'s block in visiting order.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn block(&self, worker: usize) -> &[u32] {
        self.plan.partition(worker)
    }

    /// The coordinates `worker` updates at `clock`, in update order (`coords_per_clock` distinct ones).
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn coordinates(&self, worker: usize, clock: u64) -> Vec<usize> {
        self.plan.batch(worker, clock).collect()
    }

    /// The exact residual `y − Xβ` of the coefficients in `params` (`n` values; the residual table is not
    /// read).
    pub fn exact_residual(&self, params: &Params) -> Vec<f64> {
        let beta = params.table(BETA_TABLE as usize);
        let mut r = self.y.clone();
        for (j, &b) in beta.iter().enumerate() {
            if b != 0.0 {
                for (ri, xij) in r.iter_mut().zip(self.column(j)) {
                    *ri -= xij * b;
                }
            }
        }
        r
    }

    /// The largest violation of the Lasso optimality (KKT) conditions by `β` in `params`, with `r = y − Xβ`
    /// recomputed exactly and `g_j = x_jᵀr`: `max_j` of `|g_j − (λ/2)·sign(β_j)|` if `β_j ≠ 0`, else
    /// `max(0, |g_j| − λ/2)` (same units as `λ`). Zero exactly at the minimiser.
    pub fn kkt_violation(&self, params: &Params) -> f64 {
        let r = self.exact_residual(params);
        let half = 0.5 * self.cfg.lambda;
        let beta = params.table(BETA_TABLE as usize);
        (0..self.p)
            .map(|j| {
                let g = dot(self.column(j), &r);
                let b = beta[j];
                if b != 0.0 {
                    (g - half * b.signum()).abs()
                } else {
                    (g.abs() - half).max(0.0)
                }
            })
            .fold(0.0, f64::max)
    }

    /// Number of nonzero coefficients (the support size) of `β` in `params`.
    pub fn nonzeros(&self, params: &Params) -> usize {
        params.table(BETA_TABLE as usize).iter().filter(|&&b| b != 0.0).count()
    }

    /// `max_i |r_i − (y − Xβ)_i|`: how far the residual table of `params` is from the exact residual of its
    /// `β` (rounding only, if every update came from [`DataParallelProgram::compute`]).
    pub fn residual_drift(&self, params: &Params) -> f64 {
        let exact = self.exact_residual(params);
        params.table(RESIDUAL_TABLE as usize).iter().zip(&exact).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
    }
}

impl DataParallelProgram for Lasso {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn tables(&self) -> Vec<TableSpec> {
        vec![
            TableSpec { name: "beta".into(), rows: self.p as u32, width: 1 },
            TableSpec { name: "residual".into(), rows: self.n as u32, width: 1 },
        ]
    }

    fn initial_params(&self) -> Params {
        let mut params = Params::zeros(&self.tables());
        params.table_mut(RESIDUAL_TABLE as usize).copy_from_slice(&self.y);
        params
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    /// The beta rows of the clock's coordinates (sorted), then every residual row `0..n`.
    fn rows_needed(&self, worker: usize, clock: u64) -> Vec<RowRef> {
        let mut coords = self.coordinates(worker, clock);
        coords.sort_unstable();
        coords.into_iter().map(beta_row).chain((0..self.n).map(residual_row)).collect()
    }

    fn compute(&self, worker: usize, clock: u64, params: &Params, _state: &mut dyn std::any::Any) -> Step {
        let n = self.n;
        let view: Vec<f64> = (0..n).map(|i| params.row(residual_row(i))[0]).collect();
        let mut r = view.clone();
        let half = 0.5 * self.cfg.lambda;
        let mut moved: Vec<(usize, f64)> = Vec::new();
        let coords = self.coordinates(worker, clock);
        for &j in &coords {
            let beta = params.row(beta_row(j))[0];
            let (col, b) = (self.column(j), self.col_sq[j]);
            let a = dot(col, &r) + b * beta;
            let new = if b > 0.0 { soft_threshold(a, half) / b } else { 0.0 };
            let delta = new - beta;
            if delta != 0.0 {
                for (ri, xij) in r.iter_mut().zip(col) {
                    *ri -= xij * delta;
                }
                moved.push((j, delta));
            }
        }
        moved.sort_unstable_by_key(|&(j, _)| j);
        let (k, m, nn) = (coords.len() as u64, moved.len() as u64, n as u64);
        let any = u64::from(m > 0);
        let mut updates: Vec<RowDelta> =
            moved.iter().map(|&(j, d)| RowDelta { row: beta_row(j), delta: vec![d] }).collect();
        if m > 0 {
            updates.extend(
                r.iter()
                    .zip(&view)
                    .enumerate()
                    .map(|(i, (a, b))| (i, a - b))
                    .filter(|&(_, d)| d != 0.0)
                    .map(|(i, d)| RowDelta { row: residual_row(i), delta: vec![d] }),
            );
        }
        let work = Work {
            flops: k * (2 * nn + 4) + m * 2 * nn + any * nn,
            bytes: 16 * nn + k * (16 * nn + 16) + m * (24 * nn + 8) + any * 24 * nn,
        };
        Step { updates, work }
    }

    fn objective(&self, params: &Params) -> f64 {
        let r = self.exact_residual(params);
        let rss: f64 = r.iter().map(|v| v * v).sum();
        let l1: f64 = params.table(BETA_TABLE as usize).iter().map(|b| b.abs()).sum();
        0.5 * (rss + self.cfg.lambda * l1)
    }

    fn objective_name(&self) -> String {
        "Lasso objective ½(RSS + λ‖β‖₁), standardised".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 6 samples × 4 features; feature 3 is constant.
    fn tiny() -> RegressionData {
        let cols = vec![
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, // f0
            0.5, -1.0, 2.0, 0.0, 1.5, -0.5, // f1
            3.0, 1.0, 4.0, 1.0, 5.0, 9.0, // f2
            7.0, 7.0, 7.0, 7.0, 7.0, 7.0, // f3 constant
        ];
        let y = vec![1.0, 3.0, 2.0, 5.0, 4.0, 6.5];
        RegressionData::new((0..4).map(|j| format!("f{j}")).collect(), cols, y).unwrap()
    }

    fn cfg(workers: usize, coords_per_clock: usize, lambda: f64) -> LassoConfig {
        LassoConfig { workers, coords_per_clock, lambda, seed: 3 }
    }

    #[test]
    fn soft_threshold_shrinks_towards_zero() {
        assert_eq!(soft_threshold(3.0, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5, 1.0), 0.0);
        assert_eq!(soft_threshold(-1.0, 1.0), 0.0);
    }

    #[test]
    fn standardises_columns_and_centres_targets() {
        let prog = Lasso::new(&tiny(), cfg(1, 4, 1.0)).unwrap();
        for j in 0..3 {
            let c = prog.column(j);
            assert!(c.iter().sum::<f64>().abs() < 1e-12);
            assert!((c.iter().map(|v| v * v).sum::<f64>() - 6.0).abs() < 1e-12);
        }
        assert!(prog.column(3).iter().all(|&v| v == 0.0));
        assert!(prog.targets().iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn one_coordinate_step_is_the_closed_form_minimiser() {
        // From β = 0 with one coordinate per clock, β_j = S(x_jᵀy, λ/2)/n: check that it minimises the
        // objective along coordinate j (the objective is larger a little either side).
        let lambda = 2.0;
        let prog = Lasso::new(&tiny(), cfg(1, 1, lambda)).unwrap();
        let params = prog.initial_params();
        // The first clock whose coordinate moves (not the constant column, correlation above λ/2).
        let corr = |j: usize| dot(prog.column(j), prog.targets());
        let clock = (0..4).find(|&c| corr(prog.coordinates(0, c)[0]).abs() > lambda / 2.0).unwrap();
        let j = prog.coordinates(0, clock)[0];
        let step = prog.compute(0, clock, &params, &mut ());
        let expected = soft_threshold(corr(j), lambda / 2.0) / 6.0;
        assert_eq!(step.updates[0].row, beta_row(j));
        assert!((step.updates[0].delta[0] - expected).abs() < 1e-12);
        let mut after = params.clone();
        after.apply(&step.updates);
        assert!(prog.residual_drift(&after) < 1e-12);
        let f = prog.objective(&after);
        for h in [-1e-4, 1e-4] {
            let mut moved = after.clone();
            moved.row_mut(beta_row(j))[0] += h;
            assert!(prog.objective(&moved) > f);
        }
    }

    #[test]
    fn compute_is_deterministic_sorted_and_within_rows_needed() {
        let prog = Lasso::new(&tiny(), cfg(2, 2, 0.5)).unwrap();
        let mut params = prog.initial_params();
        for clock in 0..6 {
            let mut all = Vec::new();
            for worker in 0..2 {
                let a = prog.compute(worker, clock, &params, &mut ());
                assert_eq!(a, prog.compute(worker, clock, &params, &mut ()));
                let needed = prog.rows_needed(worker, clock);
                assert!(needed.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(needed.len(), 2 + 6);
                assert!(a.updates.windows(2).all(|w| w[0].row < w[1].row));
                assert!(a.updates.iter().all(|u| needed.binary_search(&u.row).is_ok()));
                assert!(a.work.flops > 0 && a.work.bytes > 0);
                all.push(a);
            }
            for s in &all {
                params.apply(&s.updates);
            }
            assert!(prog.residual_drift(&params) < 1e-12);
        }
    }

    #[test]
    fn compute_reads_only_rows_needed() {
        let prog = Lasso::new(&tiny(), cfg(2, 1, 0.5)).unwrap();
        let mut params = prog.initial_params();
        params.table_mut(0).copy_from_slice(&[0.3, -0.2, 0.1, 0.0]);
        for clock in 0..4 {
            let needed = prog.rows_needed(1, clock);
            let mut poisoned = params.clone();
            for j in 0..4 {
                if needed.binary_search(&beta_row(j)).is_err() {
                    poisoned.row_mut(beta_row(j))[0] = f64::NAN;
                }
            }
            assert_eq!(prog.compute(1, clock, &params, &mut ()), prog.compute(1, clock, &poisoned, &mut ()));
        }
    }

    #[test]
    fn work_counts_what_the_step_did() {
        // One coordinate that moves: k = m = 1, n = 6.
        let prog = Lasso::new(&tiny(), cfg(1, 1, 0.0)).unwrap();
        let params = prog.initial_params();
        let clock = (0..4).find(|&c| prog.coordinates(0, c)[0] != 3).unwrap();
        let step = prog.compute(0, clock, &params, &mut ());
        assert_eq!(step.updates.len(), 1 + 6);
        assert_eq!(step.work, Work { flops: 16 + 12 + 6, bytes: 96 + 112 + 152 + 144 });
        // The constant column never moves: no updates, no update work.
        let c = (0..4).find(|&c| prog.coordinates(0, c)[0] == 3).unwrap();
        let still = prog.compute(0, c, &params, &mut ());
        assert!(still.updates.is_empty());
        assert_eq!(still.work, Work { flops: 16, bytes: 96 + 112 });
    }

    #[test]
    fn rejects_bad_configs() {
        let field = |c: LassoConfig| match Lasso::new(&tiny(), c) {
            Err(ProgramError::InvalidConfig { field, .. }) => field,
            Ok(_) => "ok",
        };
        assert_eq!(field(cfg(0, 1, 1.0)), "workers");
        assert_eq!(field(cfg(5, 1, 1.0)), "workers");
        assert_eq!(field(cfg(2, 0, 1.0)), "coords_per_clock");
        assert_eq!(field(cfg(2, 3, 1.0)), "coords_per_clock");
        assert_eq!(field(cfg(1, 4, -1.0)), "lambda");
        assert_eq!(field(cfg(1, 4, f64::NAN)), "lambda");
        assert_eq!(field(cfg(1, 4, 0.0)), "ok");
        let one = RegressionData::new(vec!["a".into()], vec![1.0], vec![2.0]).unwrap();
        assert!(matches!(Lasso::new(&one, cfg(1, 1, 1.0)), Err(ProgramError::InvalidConfig { field: "data", .. })));
    }
}
