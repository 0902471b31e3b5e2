//! Lasso by scheduled (model-parallel) coordinate descent in the STRADS style: the scheduler holds `β` and
//! chooses which coordinates are updated together; workers hold row shards of the design and their slice of
//! the residual (Lee et al., "On Model Parallelization and Scheduling Strategies for Distributed Machine
//! Learning", NIPS 2014, §3–4; Kim et al., "STRADS: A Distributed Framework for Scheduled Model Parallel
//! Machine Learning", EuroSys 2016; update rule and scheduler of `sailing-pmls/strads`,
//! `apps/linear-solver_release/` — `lasso.cpp`, `ll-scheduler.hpp`, `ll-coordinator.cpp`).
//!
//! Schedulers ([`LassoScheduler`]): round-robin, uniform random (Shotgun), a static pre-planned block
//! rotation, and STRADS's dynamic scheduler (priority sampling by the last change `|Δβ_j|`, then the
//! dependency filter [`dependency_filter`]).

use std::any::Any;
use std::sync::Arc;

use rand::seq::index;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sim_core::program::{Commit, ModelParallelProgram, Partial, Schedule, Task};
use sim_core::rng::{stream, StreamKind};
use sim_core::Work;

use crate::data::design::SparseDesign;
use crate::ProgramError;

/// How [`StradsLasso`] chooses the coordinates of a round (`L` = [`StradsLassoConfig::set_size`], `p` the
/// number of features). Every scheduler returns distinct coordinates; all workers get the same ones.
#[derive(Clone, Debug, PartialEq)]
pub enum LassoScheduler {
    /// Round `t` updates coordinates `tL, tL+1, …, tL+L−1` (mod `p`): cyclic in index order, every coordinate
    /// once per `p/L` rounds. Adjacent coordinates are updated together, so on designs whose correlation is
    /// local in index order (the synthetic blocks) this is the worst case for interference: with `L = 32` it
    /// diverges (objective → ∞) on the default synthetic design and on riboflavin. The STRADS coordinator's
    /// serial debugging `scheduling_emulator` (`ll-coordinator.cpp`) does the same.
    RoundRobin,
    /// `L` distinct coordinates uniformly at random each round, without regard to correlation: Shotgun
    /// (Bradley, Kyrola, Bickson & Guestrin, "Parallel Coordinate Descent for L1-Regularized Loss
    /// Minimization", ICML 2011). Drawn with `rand::seq::index::sample` from the scheduler stream, sorted.
    /// Like Shotgun it diverges when too many correlated coordinates move together: with `L = 32` on
    /// riboflavin (4 088 genes, 71 samples), as do the round-robin and block schedulers.
    Random,
    /// A static, pre-planned schedule: coordinates are cut into `L` contiguous blocks (block `b` is
    /// `⌊b·p/L⌋ .. ⌊(b+1)·p/L⌋`) and round `t` updates the `(t mod ⌈p/L⌉)`-th coordinate of every block that
    /// has one, so concurrently updated coordinates are about `p/L` apart in index and each coordinate is
    /// updated once per `⌈p/L⌉` rounds. This is STRADS's *static* scheduling (a rotation fixed in advance, as
    /// its LDA and MF apps use); it avoids interference only when correlation is local in index order, as
    /// in the synthetic design ([`crate::data::design::SyntheticDesignConfig`]), and knows nothing about the
    /// data otherwise.
    Block,
    /// STRADS's dynamic scheduling (Lee et al., NIPS 2014, §3; `ll-scheduler.hpp`: `wsamplerctx::do_sampling`,
    /// `update_weight`, `check_interference`):
    ///
    /// 1. **Priority sampling.** Coordinate `j` has weight `w_j = |Δβ_j|` (or `Δβ_j²` if `squared`) of its
    ///    last committed update, 0 before its first. `candidates` (`L′`) indices are drawn with replacement
    ///    with probability `∝ w_j + eta`: a uniform `u ∈ [0, p·eta + Σ_k w_k)` picks coordinate `⌊u/eta⌋`
    ///    below `p·eta` and otherwise descends a sum tree of the `w_k` (`O(log p)` per draw and per weight
    ///    update); duplicates are dropped (one chance per coordinate, as STRADS does), and the distinct
    ///    candidates are sorted by weight, descending, ties by index (STRADS: non-zero weights by decreasing
    ///    weight, then the zero-weight ones in index order).
    /// 2. **Dependency filter** (if `dependency_threshold` is `Some(ρ)`): [`dependency_filter`] keeps, in that
    ///    order, a candidate only if its |correlation| with every already kept one is `< ρ`, up to `L`. With
    ///    `None` (an ablation) the first `L` candidates are taken.
    /// 3. **Restart** (if `restart`): once, at round `3·⌊p/L⌋`, every weight is re-seeded from the committed
    ///    model, `w_j ← |β_j|` (`β_j²` if `squared`), so the coordinates in the current support get the
    ///    priority and those at 0 fall back to `eta`. This is STRADS's single scheduler restart
    ///    (`ll-coordinator.cpp`: `switch_iter = (columns/schedule_size)·3`, `_scheduler_start_remote(…, beta,
    ///    …)` at `iteration == switch_iter`; `update_weight` takes `|β_j|`).
    ///
    /// The paper samples `L′ > L` candidates; the code draws `L` random points (`L′ = L`), the default here
    /// ([`LassoScheduler::strads`]). Differences from the STRADS code, deliberately: the code (compiled with
    /// `EXPERIMENT_BW`) overrides the base weight
    /// `bw` by `0.01 × (mean nonzero weight)` once more than 10 weights are nonzero, whereas here `eta` is
    /// fixed; after its restart the code skips the correlation check for pairs with a zero weight
    /// (`CORRELATION_OPTIMIZATION`), whereas here every pair is checked; and each STRADS scheduler thread
    /// samples only its own contiguous range of coordinates, whereas here one sampler covers all `p`.
    Priority {
        /// Base weight `η > 0` added to every coordinate's weight, so coordinates that never moved keep a
        /// chance (units of `|Δβ|`, or `Δβ²` if `squared`). STRADS: `bw = 1e-4` (`lassoll.cpp`,
        /// `DEFINE_double(bw, 0.0001)`).
        eta: f64,
        /// `false`: `w_j = |Δβ_j|` as the STRADS code (`update_weight`: `fabs`); `true`: `w_j = Δβ_j²` as the
        /// NIPS 2014 paper states (`p(j) ∝ (δβ_j)² + η`).
        squared: bool,
        /// Number `L′ ≥ L` of draws per round (with replacement; duplicates dropped before filtering).
        candidates: usize,
        /// The dependency threshold `ρ ∈ (0, 1]` on |correlation| (STRADS `infthreshold = 0.1`, `lassoll.cpp`),
        /// or `None` for priority sampling without the filter.
        dependency_threshold: Option<f64>,
        /// Whether to re-seed the weights from `β` once at round `3·⌊p/L⌋` (see above).
        restart: bool,
    },
}

impl LassoScheduler {
    /// STRADS's dynamic scheduler with the defaults of its code for set size `set_size` (`L`): `eta = 1e-4`
    /// (`bw`), weights `|Δβ|`, `L′ = L` draws, `ρ = 0.1` (`infthreshold`), restart on.
    ///
    /// `L′ = L` as the code (`do_sampling` draws `schedule_size` points), not the paper's `L′ > L`: with more
    /// draws than slots, the weight-sorted candidates fill the `L` slots with coordinates already moving and
    /// cut the zero-weight (never or no longer moving) ones, so coordinates that have yet to enter the
    /// support are starved. Measured on the default synthetic design (1 000 × 100 000, `λ = 0.1·λ_max`,
    /// `L = 32`, 3 seeds), rounds to within 1 % of the optimum: `L′ = L` 32 k–48 k, `L′ = 2L` 74 k–171 k,
    /// random 52 k–77 k. The price is fewer coordinates per round (≈ 23 of 32 there: duplicates and the
    /// filter).
    pub fn strads(set_size: usize) -> Self {
        LassoScheduler::Priority {
            eta: 1e-4,
            squared: false,
            candidates: set_size,
            dependency_threshold: Some(0.1),
            restart: true,
        }
    }

    /// A short label for names and plots: `"round-robin"`, `"random (Shotgun)"`, `"static blocks"`,
    /// `"priority + dependency"` or `"priority"` (without the filter), with `" (Δβ²)"` for squared weights.
    pub fn label(&self) -> String {
        match self {
            LassoScheduler::RoundRobin => "round-robin".into(),
            LassoScheduler::Random => "random (Shotgun)".into(),
            LassoScheduler::Block => "static blocks".into(),
            LassoScheduler::Priority { squared, dependency_threshold, .. } => {
                let base = if dependency_threshold.is_some() { "priority + dependency" } else { "priority" };
                if *squared {
                    format!("{base} (Δβ²)")
                } else {
                    base.into()
                }
            }
        }
    }
}

/// Settings of [`StradsLasso`].
#[derive(Clone, Debug, PartialEq)]
pub struct StradsLassoConfig {
    /// Number of workers (data shards), `1..=n`: worker `w` holds samples `⌊w·n/W⌋ .. ⌊(w+1)·n/W⌋`.
    pub workers: usize,
    /// Coordinates scheduled per round, `L`, in `1..=p` (STRADS `schedule_size`, default 32).
    pub set_size: usize,
    /// Regularisation `λ ≥ 0` (finite) of the objective `½(‖y − Xβ‖² + λ‖β‖₁)`, in the units of `x_jᵀy`;
    /// `β = 0` is optimal iff `λ ≥ λ_max` ([`StradsLasso::lambda_max`]).
    pub lambda: f64,
    /// How coordinates are chosen.
    pub scheduler: LassoScheduler,
    /// Seed of the scheduler's random stream `sim_core::rng::stream(seed, StreamKind::Scheduler, 0)`.
    pub seed: u64,
}

impl StradsLassoConfig {
    /// STRADS's defaults: `L = 32` and [`LassoScheduler::strads`], seed 0.
    pub fn strads(workers: usize, lambda: f64) -> Self {
        StradsLassoConfig { workers, set_size: 32, lambda, scheduler: LassoScheduler::strads(32), seed: 0 }
    }
}

/// The committed model, held by the scheduler: `β` (`p` values, initially 0).
#[derive(Clone, Debug, PartialEq)]
pub struct LassoModel {
    beta: Vec<f64>,
}

impl LassoModel {
    /// The coefficients `β` (`p` values, standardised units).
    pub fn beta(&self) -> &[f64] {
        &self.beta
    }
}

/// A worker's state: its slice of the residual and the coefficients that slice reflects.
///
/// Invariant (up to rounding): `residual[i − first_row] = y_i − Σ_j x_ij·beta[j]` for the worker's rows `i`.
/// [`ModelParallelProgram::apply`] keeps it by setting `beta[j]` to the committed value and subtracting
/// `x_ij·(new − old)`; [`ModelParallelProgram::push`] reads `beta[j]` (not the task's value), so a partial
/// result is always the worker's share of `x_jᵀ(y − Σ_{k≠j} x_k β_k)`, whatever commits it has applied.
#[derive(Clone, Debug, PartialEq)]
pub struct LassoWorkerState {
    first_row: usize,
    residual: Vec<f64>,
    beta: Vec<f64>,
}

impl LassoWorkerState {
    /// First sample of the worker's shard.
    pub fn first_row(&self) -> usize {
        self.first_row
    }

    /// The residual `y − Xβ` on the worker's samples (one value per sample of the shard).
    pub fn residual(&self) -> &[f64] {
        &self.residual
    }

    /// The coefficients the residual reflects (`p` values): those of the commits applied so far.
    pub fn beta(&self) -> &[f64] {
        &self.beta
    }
}

/// Counters of the scheduler's choices since the start of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LassoSchedulerStats {
    /// Rounds scheduled.
    pub rounds: u64,
    /// Distinct candidates drawn (priority scheduler; 0 otherwise).
    pub candidates: u64,
    /// Coordinates scheduled (after the dependency filter).
    pub scheduled: u64,
    /// Whether the priority scheduler's restart has happened.
    pub restarted: bool,
}

/// The scheduler's state: its random stream, the priority weights and sum tree (priority scheduler
/// only) and counters.
#[derive(Clone, Debug)]
pub struct LassoSchedulerState {
    rng: ChaCha8Rng,
    weights: Vec<f64>,
    tree: SumTree,
    stats: LassoSchedulerStats,
}

impl LassoSchedulerState {
    /// The priority weights `w_j` (`|Δβ_j|` or `Δβ_j²` of the last update, without `eta`; `p` values), or an
    /// empty slice for schedulers without priorities.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Counters since the start of the run.
    pub fn stats(&self) -> LassoSchedulerStats {
        self.stats
    }
}

/// A complete binary tree of sums over `p` non-negative leaves (padded to a power of two with zeros):
/// `O(log p)` to change a leaf and to find the leaf where a prefix sum crosses a point. Internal nodes are
/// always recomputed as the sum of their two children, so no rounding error accumulates over updates.
#[derive(Clone, Debug, Default)]
struct SumTree {
    leaves: usize,
    nodes: Vec<f64>,
}

impl SumTree {
    fn new(values: impl Iterator<Item = f64>, len: usize) -> Self {
        let leaves = len.next_power_of_two().max(1);
        let mut nodes = vec![0.0; 2 * leaves];
        for (k, v) in values.enumerate() {
            nodes[leaves + k] = v;
        }
        for k in (1..leaves).rev() {
            nodes[k] = nodes[2 * k] + nodes[2 * k + 1];
        }
        SumTree { leaves, nodes }
    }

    fn depth(&self) -> u64 {
        self.leaves.trailing_zeros() as u64
    }

    fn total(&self) -> f64 {
        self.nodes[1]
    }

    fn set(&mut self, j: usize, v: f64) {
        let mut k = self.leaves + j;
        self.nodes[k] = v;
        while k > 1 {
            k /= 2;
            self.nodes[k] = self.nodes[2 * k] + self.nodes[2 * k + 1];
        }
    }

    /// The leaf `j` with `Σ_{i<j} v_i ≤ u < Σ_{i≤j} v_i`, for `0 ≤ u < total`; never a zero leaf while the
    /// total is positive (a subtree whose sum is 0 is never entered).
    fn find(&self, mut u: f64) -> usize {
        let mut k = 1;
        while k < self.leaves {
            let left = self.nodes[2 * k];
            if u < left || self.nodes[2 * k + 1] <= 0.0 {
                k *= 2;
            } else {
                u -= left;
                k = 2 * k + 1;
            }
        }
        k - self.leaves
    }
}

/// The STRADS dependency check (Lee et al., NIPS 2014, §3: pairwise `|x_jᵀx_k| < ρ` on normalised columns;
/// `ll-scheduler.hpp`, `check_interference`): walks `candidates` in order and keeps a candidate only if
/// `|correlation|` ([`SparseDesign::correlation`]) with every candidate kept so far is `< threshold`, stopping
/// once `max_keep` are kept. The first candidate is always kept (if `max_keep ≥ 1`); the checks of one
/// candidate stop at its first conflict, as in STRADS. Empty columns have correlation 0 with everything.
///
/// `candidates` must be distinct feature indices `< p` (a repeated nonzero column would be dropped, a
/// repeated empty one kept twice). Returns the kept candidates in their original order and the work done:
/// per correlation computed, the merge-join's entries stepped over `e` (1 FLOP and 12 bytes — a `u32` row
/// and an `f64` value — each) plus 4 FLOP and 16 bytes (the two norms, the division and comparison).
///
/// # Panics
/// If a candidate is `>= p`.
pub fn dependency_filter(
    design: &SparseDesign,
    candidates: &[u32],
    threshold: f64,
    max_keep: usize,
) -> (Vec<u32>, Work) {
    let mut kept: Vec<u32> = Vec::with_capacity(max_keep.min(candidates.len()));
    let (mut entries, mut pairs) = (0u64, 0u64);
    for &c in candidates {
        if kept.len() >= max_keep {
            break;
        }
        let mut free = true;
        for &k in &kept {
            let (r, e) = design.correlation_counted(c as usize, k as usize);
            entries += e;
            pairs += 1;
            if r.abs() >= threshold {
                free = false;
                break;
            }
        }
        if free {
            kept.push(c);
        }
    }
    (kept, Work { flops: entries + 4 * pairs, bytes: 12 * entries + 16 * pairs })
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

/// Lasso `min_β ½(‖y − Xβ‖² + λ‖β‖₁)` on a [`SparseDesign`] by STRADS scheduled coordinate descent, a
/// [`ModelParallelProgram`].
///
/// - **Data**: the design as given (use [`SparseDesign::standardized_from`] for the glmnet standardisation
///   of [`crate::lasso::Lasso`]); worker `w` holds the contiguous samples `⌊w·n/W⌋ .. ⌊(w+1)·n/W⌋` (sizes
///   differ by at most one). At construction each column is split at the shard boundaries (its rows are
///   sorted, so a worker's entries of column `j` are one contiguous run), so a worker touches only its own
///   entries.
/// - **Model** ([`LassoModel`], the scheduler's): `β`, initially 0. **Worker state**
///   ([`LassoWorkerState`]): the residual `r = y − Xβ` on its samples (initially `y`) and the `β` it
///   reflects. **Scheduler state** ([`LassoSchedulerState`]): the stream
///   `sim_core::rng::stream(seed, StreamKind::Scheduler, 0)`, priority weights and their sum tree.
/// - **Round** (STRADS `lasso.cpp`, `aggregator` and `soft_threshold`; REFERENCE §5.2), for the scheduled
///   coordinates `J` ([`LassoScheduler`]):
///   - `schedule`: every worker gets the task `vars = J`, `values = β_j` (committed at dispatch) — STRADS
///     ships `(id, β_j)` pairs with each task. Workers do not read the values (see below); they are carried
///     so the task has STRADS's size.
///   - `push` on worker `w`: `partial_j = Σ_{i ∈ shard} x_ij (r_i + x_ij β_j)` in row order, with the
///     worker's own `β_j`.
///   - `pull`: `a_j = Σ_w partial_{w,j}` (worker order), `b_j = ‖x_j‖²`, `β_j' = S(a_j, λ/2)/b_j` (0 if
///     `b_j = 0`), `Δ_j = β_j' − β_j` against the committed `β_j`; `β_j ← β_j'`; priority weights from
///     `Δ_j`. The commit carries `β_j'` per coordinate (8 bytes each, as STRADS's `Δβ_j`); its
///     [`Commit::parallelization_error`] is `Σ_{j<k ∈ J} Δ_j Δ_k x_jᵀx_k` (below).
///   - `apply` on worker `w`: for each `j`, `d = β_j' − β_j^w`; if `d ≠ 0`, `β_j^w ← β_j'` and
///     `r_i ← r_i − x_ij·d` on its rows.
///
///   With one worker and `L = 1` this is exactly sequential cyclic coordinate descent, operation for
///   operation (round-robin) — tested bit for bit.
/// - **Pipelining.** `r_i + x_ij β_j^w = y_i − Σ_{k≠j} x_ik β_k^w` does not depend on `β_j^w`, so a partial
///   result is consistent whichever commits of `j` the worker has applied, and `β_j'` minimises the
///   objective along `j` given the other coordinates as the workers saw them. A coordinate scheduled again
///   in a pipelined round before the previous round's commit reaches the scheduler gets the same `β_j'`,
///   hence `Δ_j = 0`, instead of the change being applied twice — and the same holds if a worker applied
///   the earlier commit before computing the later round, which a partial computed from the task's stale
///   `β_j` would get wrong (it would undo the earlier change). Commits carry new values, not increments, so
///   applying them is idempotent.
/// - **Parallelization error.** With `F(β) = ½‖y − Xβ‖² + (λ/2)‖β‖₁`, `r = y − Xβ` and the round's changes
///   `Δ_j`: `F(β + Σ_j Δ_j e_j) − F(β) = −Σ_j Δ_j x_jᵀr + ½ Σ_j Σ_k Δ_j Δ_k x_jᵀx_k + (λ/2)Σ_j(|β_j + Δ_j| − |β_j|)`,
///   while one coordinate at a time from the same `β`, `F(β + Δ_j e_j) − F(β) = −Δ_j x_jᵀr + ½Δ_j²‖x_j‖² +
///   (λ/2)(|β_j + Δ_j| − |β_j|)`. The L1 part is separable, so the joint change exceeds the sum of the
///   individual ones by exactly `½Σ_{j≠k} Δ_j Δ_k x_jᵀx_k = Σ_{j<k} Δ_j Δ_k x_jᵀx_k`, the interference the
///   dependency filter bounds (`|x_jᵀx_k| < ρ·n` for standardised columns). Computed exactly, by a
///   merge-join dot product per pair of moved coordinates.
/// - **Work** (FLOP, bytes; `f64` values, `u32` row indices; `e` = entries touched):
///   - `schedule`: building `W` tasks of `|J|` (index, value) pairs, `12·W·|J| + 8·|J|` bytes; the random
///     scheduler `|J|·(1 + ⌈log₂|J|⌉)` FLOP and `8|J|` bytes for sampling and sorting; the priority
///     scheduler per draw one sum-tree descent of depth `D = ⌈log₂ p⌉` (`2D + 1` FLOP, `16D` bytes; charged
///     also when the draw falls in the uniform `eta` part), `c·⌈log₂ c⌉` FLOP and `16c`
///     bytes to sort the `c` distinct candidates, the filter's work ([`dependency_filter`]), and at the
///     restart `2p` FLOP and `40p` bytes (read `β`, write weights, rebuild the tree).
///   - `push`: `4e` FLOP and `20e + 16|J|` bytes (`x_ij`, row, `r_i`; `β_j`, the partial), `e` the
///     worker's entries of the scheduled columns.
///   - `pull`: per coordinate `W + 5` FLOP and `8W + 32` bytes (partials, `b_j`, `β_j` read and written,
///     the commit value); priority weights `D + 1` FLOP and `24D` bytes each; the parallelization error
///     `e + 3` FLOP and `12e + 16` bytes per pair of moved coordinates (merge-join).
///   - `apply`: `|J|` FLOP and `24|J|` bytes, plus `2e` FLOP and `28e` bytes (`x_ij`, row, `r_i` read and
///     written) for the columns that moved.
/// - **Objective** (exact, from `β` alone: `Xβ` recomputed over the nonzero coefficients):
///   `½(‖y − Xβ‖² + λ‖β‖₁)`, STRADS's `(RSS + λΣ|β_j|)/2`.
///
/// # References
/// Lee, Kim, Zheng, Ho, Gibson & Xing, NIPS 2014; Kim, Ho, Lee, Zheng, Dai, Gibson & Xing, EuroSys 2016;
/// `sailing-pmls/strads` @ f49c09d3de56, `apps/linear-solver_release/` (REFERENCE §5.2); Bradley et al.,
/// ICML 2011 (Shotgun).
#[derive(Clone, Debug)]
pub struct StradsLasso {
    design: Arc<SparseDesign>,
    cfg: StradsLassoConfig,
    /// `workers + 1` sample boundaries.
    shard_rows: Vec<usize>,
    /// `p × (workers + 1)`: where worker `w`'s entries of column `j` start, relative to the column's start
    /// (`bounds[j·(W+1) + w]`; the last is the column's length).
    bounds: Vec<u32>,
    /// Round of the priority scheduler's restart, `3·⌊p/L⌋`.
    restart_round: u64,
    name: String,
}

impl StradsLasso {
    /// The program on `design` with settings `cfg`, named `"lasso, STRADS <scheduler label>"`
    /// ([`LassoScheduler::label`]; see [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] naming `workers` (0 or more than the samples `n`), `set_size` (0 or
    /// more than the features `p`), `lambda` (negative or not finite), `candidates` (fewer than
    /// `set_size`), `eta` (not finite and positive) or `dependency_threshold` (not in (0, 1]).
    pub fn new(design: Arc<SparseDesign>, cfg: StradsLassoConfig) -> Result<Self, ProgramError> {
        let bad = |field: &'static str, message: String| Err(ProgramError::InvalidConfig { field, message });
        let (n, p) = (design.samples(), design.features());
        if cfg.workers == 0 || cfg.workers > n {
            return bad("workers", format!("{} workers for {n} samples; need 1..={n}", cfg.workers));
        }
        if cfg.set_size == 0 || cfg.set_size > p {
            return bad("set_size", format!("{} is not in 1..={p} (the number of features)", cfg.set_size));
        }
        if !(cfg.lambda.is_finite() && cfg.lambda >= 0.0) {
            return bad("lambda", format!("{} must be non-negative and finite", cfg.lambda));
        }
        if let LassoScheduler::Priority { eta, candidates, dependency_threshold, .. } = &cfg.scheduler {
            if *candidates < cfg.set_size {
                return bad("candidates", format!("{candidates} is fewer than set_size {}", cfg.set_size));
            }
            if !(eta.is_finite() && *eta > 0.0) {
                return bad("eta", format!("{eta} must be positive and finite"));
            }
            if let Some(rho) = dependency_threshold {
                if !(*rho > 0.0 && *rho <= 1.0) {
                    return bad("dependency_threshold", format!("{rho} is not in (0, 1]"));
                }
            }
        }
        let w = cfg.workers;
        let shard_rows: Vec<usize> = (0..=w).map(|k| k * n / w).collect();
        let mut bounds = Vec::with_capacity(p * (w + 1));
        for j in 0..p {
            let (rows, _) = design.column(j);
            bounds.extend(shard_rows.iter().map(|&s| rows.partition_point(|&i| (i as usize) < s) as u32));
        }
        let restart_round = 3 * (p / cfg.set_size) as u64;
        let name = format!("lasso, STRADS {}", cfg.scheduler.label());
        Ok(StradsLasso { design, cfg, shard_rows, bounds, restart_round, name })
    }

    /// The same program reported under `name` (e.g. `"lasso (riboflavin), STRADS priority + dependency"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The settings.
    pub fn config(&self) -> &StradsLassoConfig {
        &self.cfg
    }

    /// The design.
    pub fn design(&self) -> &SparseDesign {
        &self.design
    }

    /// The samples `⌊w·n/W⌋ .. ⌊(w+1)·n/W⌋` of worker `worker`'s shard.
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn shard(&self, worker: usize) -> std::ops::Range<usize> {
        self.shard_rows[worker]..self.shard_rows[worker + 1]
    }

    /// The round at which the priority scheduler's restart happens (if enabled): `3·⌊p/L⌋`.
    pub fn restart_round(&self) -> u64 {
        self.restart_round
    }

    /// Worker `worker`'s entries of column `j` (rows and values).
    fn shard_column(&self, worker: usize, j: usize) -> (&[u32], &[f64]) {
        let base = self.design.column_start(j);
        let k = j * (self.cfg.workers + 1) + worker;
        let (a, b) = (base + self.bounds[k] as usize, base + self.bounds[k + 1] as usize);
        let (rows, values) = self.design.entries();
        (&rows[a..b], &values[a..b])
    }

    /// `λ_max = 2·max_j |x_jᵀy|` of the design ([`SparseDesign::lambda_max`]).
    pub fn lambda_max(&self) -> f64 {
        self.design.lambda_max()
    }

    /// The coefficients of a model made by this program ([`ModelParallelProgram::initial_model`]).
    ///
    /// # Panics
    /// If `model` is not a [`LassoModel`].
    pub fn beta(model: &dyn Any) -> &[f64] {
        &model.downcast_ref::<LassoModel>().expect("a StradsLasso model").beta
    }

    /// The exact residual `y − Xβ` (`n` values) of `beta` (`p` values), summing over the nonzero coefficients.
    ///
    /// # Panics
    /// If `beta` has fewer than `p` values.
    pub fn residual_of(&self, beta: &[f64]) -> Vec<f64> {
        let mut r = self.design.targets().to_vec();
        for (j, &b) in beta.iter().enumerate().take(self.design.features()) {
            if b != 0.0 {
                let (rows, x) = self.design.column(j);
                for (&i, &v) in rows.iter().zip(x) {
                    r[i as usize] -= v * b;
                }
            }
        }
        r
    }

    /// The objective `½(‖y − Xβ‖² + λ‖β‖₁)` of `beta` (`p` values), computed exactly.
    ///
    /// # Panics
    /// If `beta` has fewer than `p` values.
    pub fn objective_of(&self, beta: &[f64]) -> f64 {
        let r = self.residual_of(beta);
        let rss: f64 = r.iter().map(|v| v * v).sum();
        let l1: f64 = beta.iter().map(|b| b.abs()).sum();
        0.5 * (rss + self.cfg.lambda * l1)
    }

    /// The largest violation of the Lasso optimality (KKT) conditions by `beta` (`p` values), with
    /// `r = y − Xβ` recomputed exactly and `g_j = x_jᵀr`: `max_j` of `|g_j − (λ/2)·sign(β_j)|` if `β_j ≠ 0`,
    /// else `max(0, |g_j| − λ/2)` (units of `λ`). Zero exactly at a minimiser.
    ///
    /// # Panics
    /// If `beta` has fewer than `p` values.
    pub fn kkt_violation(&self, beta: &[f64]) -> f64 {
        let r = self.residual_of(beta);
        let half = 0.5 * self.cfg.lambda;
        (0..self.design.features())
            .map(|j| {
                let g = self.design.column_dot(j, &r);
                if beta[j] != 0.0 {
                    (g - half * beta[j].signum()).abs()
                } else {
                    (g.abs() - half).max(0.0)
                }
            })
            .fold(0.0, f64::max)
    }

    /// A reference solution by plain sequential cyclic coordinate descent on the whole design (coordinates
    /// `0..p` in order each sweep, from `β = 0`, the running residual updated after every coordinate —
    /// independent of schedulers and shards), for the optimum `F*` against which runs are measured.
    /// Stops after the first sweep whose `β` has [`Self::kkt_violation`] `≤ tol` (units of `λ`), or after
    /// `max_sweeps`. Returns `(β, objective, sweeps done)`.
    pub fn solve_sequential(&self, tol: f64, max_sweeps: usize) -> (Vec<f64>, f64, usize) {
        let d = &*self.design;
        let p = d.features();
        let half = 0.5 * self.cfg.lambda;
        let mut beta = vec![0.0; p];
        let mut r = d.targets().to_vec();
        let mut sweeps = 0;
        while sweeps < max_sweeps {
            sweeps += 1;
            for (j, bj) in beta.iter_mut().enumerate() {
                let (rows, x) = d.column(j);
                let b = d.col_sq_norm(j);
                let a: f64 = rows.iter().zip(x).map(|(&i, &v)| v * (r[i as usize] + v * *bj)).sum();
                let new = if b > 0.0 { soft_threshold(a, half) / b } else { 0.0 };
                let delta = new - *bj;
                if delta != 0.0 {
                    *bj = new;
                    for (&i, &v) in rows.iter().zip(x) {
                        r[i as usize] -= v * delta;
                    }
                }
            }
            if self.kkt_violation(&beta) <= tol {
                break;
            }
        }
        let f = self.objective_of(&beta);
        (beta, f, sweeps)
    }

    fn priority_weight(squared: bool, change: f64) -> f64 {
        if squared {
            change * change
        } else {
            change.abs()
        }
    }

    /// The priority scheduler's choice for `round` (see [`LassoScheduler::Priority`]).
    fn priority_schedule(&self, round: u64, st: &mut LassoSchedulerState, beta: &[f64], work: &mut Work) -> Vec<u32> {
        let LassoScheduler::Priority { eta, squared, candidates, dependency_threshold, restart } = self.cfg.scheduler
        else {
            unreachable!("priority_schedule called for another scheduler")
        };
        let p = self.design.features() as u64;
        if restart && !st.stats.restarted && round >= self.restart_round {
            for (w, &b) in st.weights.iter_mut().zip(beta) {
                *w = Self::priority_weight(squared, b);
            }
            st.tree = SumTree::new(st.weights.iter().copied(), st.weights.len());
            st.stats.restarted = true;
            *work = work.plus(Work { flops: 2 * p, bytes: 40 * p });
        }
        let depth = st.tree.depth();
        // Draw u uniformly in [0, p·η + Σw): below p·η it picks coordinate ⌊u/η⌋ (the η part of every
        // weight), above it the sum tree of the w_j; together, probability ∝ w_j + η.
        let base = eta * p as f64;
        let weighted = st.tree.total();
        let mut cand: Vec<u32> = (0..candidates)
            .map(|_| {
                let u = st.rng.random::<f64>() * (base + weighted);
                let j = if u < base || weighted <= 0.0 {
                    ((u / eta) as u64).min(p - 1) as usize
                } else {
                    st.tree.find(u - base).min(p as usize - 1)
                };
                j as u32
            })
            .collect();
        cand.sort_unstable();
        cand.dedup();
        let weights = &st.weights;
        cand.sort_by(|&a, &b| weights[b as usize].total_cmp(&weights[a as usize]).then(a.cmp(&b)));
        let c = cand.len() as u64;
        st.stats.candidates += c;
        let log_c = 64 - c.leading_zeros() as u64;
        *work = work.plus(Work {
            flops: candidates as u64 * (2 * depth + 1) + c * log_c,
            bytes: candidates as u64 * 16 * depth + 16 * c,
        });
        match dependency_threshold {
            Some(rho) => {
                let (kept, w) = dependency_filter(&self.design, &cand, rho, self.cfg.set_size);
                *work = work.plus(w);
                kept
            }
            None => {
                cand.truncate(self.cfg.set_size);
                cand
            }
        }
    }
}

fn model_mut(model: &mut dyn Any) -> &mut LassoModel {
    model.downcast_mut::<LassoModel>().expect("a StradsLasso model")
}

fn scheduler_mut(state: &mut dyn Any) -> &mut LassoSchedulerState {
    state.downcast_mut::<LassoSchedulerState>().expect("a StradsLasso scheduler state")
}

fn worker_mut(state: &mut dyn Any) -> &mut LassoWorkerState {
    state.downcast_mut::<LassoWorkerState>().expect("a StradsLasso worker state")
}

impl ModelParallelProgram for StradsLasso {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn objective_name(&self) -> String {
        "Lasso objective ½(RSS + λ‖β‖₁)".into()
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    fn initial_model(&self) -> Box<dyn Any + Send> {
        Box::new(LassoModel { beta: vec![0.0; self.design.features()] })
    }

    fn initial_scheduler_state(&self) -> Box<dyn Any + Send> {
        let p = self.design.features();
        let (weights, tree) = match self.cfg.scheduler {
            LassoScheduler::Priority { .. } => (vec![0.0; p], SumTree::new(std::iter::repeat_n(0.0, p), p)),
            _ => (Vec::new(), SumTree::default()),
        };
        Box::new(LassoSchedulerState {
            rng: stream(self.cfg.seed, StreamKind::Scheduler, 0),
            weights,
            tree,
            stats: LassoSchedulerStats::default(),
        })
    }

    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send> {
        let rows = self.shard(worker);
        Box::new(LassoWorkerState {
            first_row: rows.start,
            residual: self.design.targets()[rows].to_vec(),
            beta: vec![0.0; self.design.features()],
        })
    }

    fn schedule(&self, round: u64, state: &mut dyn Any, model: &dyn Any) -> Schedule {
        let st = scheduler_mut(state);
        let beta = Self::beta(model);
        let (p, l) = (self.design.features(), self.cfg.set_size);
        let mut work = Work::default();
        let vars: Vec<u32> = match self.cfg.scheduler {
            LassoScheduler::RoundRobin => {
                let start = ((round as u128 * l as u128) % p as u128) as usize;
                (0..l).map(|i| ((start + i) % p) as u32).collect()
            }
            LassoScheduler::Block => {
                let offset = (round % p.div_ceil(l) as u64) as usize;
                (0..l)
                    .filter_map(|b| {
                        let j = b * p / l + offset;
                        (j < (b + 1) * p / l).then_some(j as u32)
                    })
                    .collect()
            }
            LassoScheduler::Random => {
                let mut v: Vec<u32> = index::sample(&mut st.rng, p, l).into_iter().map(|j| j as u32).collect();
                v.sort_unstable();
                let log_l = 64 - (l as u64).leading_zeros() as u64;
                work = work.plus(Work { flops: l as u64 * (1 + log_l), bytes: 8 * l as u64 });
                v
            }
            LassoScheduler::Priority { .. } => self.priority_schedule(round, st, beta, &mut work),
        };
        st.stats.rounds += 1;
        st.stats.scheduled += vars.len() as u64;
        let values: Vec<f64> = vars.iter().map(|&j| beta[j as usize]).collect();
        let (w, k) = (self.cfg.workers as u64, vars.len() as u64);
        work = work.plus(Work { flops: 0, bytes: 12 * w * k + 8 * k });
        let task = Task { vars, values };
        Schedule { tasks: vec![task; self.cfg.workers], work }
    }

    fn push(&self, worker: usize, _round: u64, task: &Task, state: &mut dyn Any) -> Partial {
        let st = worker_mut(state);
        let first = st.first_row;
        let mut entries = 0u64;
        let values = task
            .vars
            .iter()
            .map(|&j| {
                let (rows, x) = self.shard_column(worker, j as usize);
                let bj = st.beta[j as usize];
                entries += rows.len() as u64;
                let mut acc = 0.0;
                for (&i, &v) in rows.iter().zip(x) {
                    acc += v * (st.residual[i as usize - first] + v * bj);
                }
                acc
            })
            .collect();
        let k = task.vars.len() as u64;
        Partial { values, work: Work { flops: 4 * entries, bytes: 20 * entries + 16 * k } }
    }

    fn pull(
        &self,
        _round: u64,
        schedule: &Schedule,
        partials: &[Option<Partial>],
        model: &mut dyn Any,
        state: &mut dyn Any,
    ) -> Commit {
        let Some(first) = partials.iter().position(Option::is_some) else {
            return Commit::default();
        };
        let vars = &schedule.tasks[first].vars;
        let contributors: Vec<&Partial> = partials.iter().flatten().collect();
        let model = model_mut(model);
        let st = scheduler_mut(state);
        let half = 0.5 * self.cfg.lambda;
        let priority = match self.cfg.scheduler {
            LassoScheduler::Priority { squared, .. } => Some(squared),
            _ => None,
        };
        let mut values = Vec::with_capacity(vars.len());
        let mut deltas = Vec::with_capacity(vars.len());
        for (k, &j) in vars.iter().enumerate() {
            let j = j as usize;
            let a = contributors[1..].iter().fold(contributors[0].values[k], |a, p| a + p.values[k]);
            let b = self.design.col_sq_norm(j);
            let new = if b > 0.0 { soft_threshold(a, half) / b } else { 0.0 };
            let delta = new - model.beta[j];
            model.beta[j] = new;
            if let Some(squared) = priority {
                let w = Self::priority_weight(squared, delta);
                st.weights[j] = w;
                st.tree.set(j, w);
            }
            values.push(new);
            deltas.push(delta);
        }
        let (k, wc) = (vars.len() as u64, contributors.len() as u64);
        let mut work = Work { flops: k * (wc + 5), bytes: k * (8 * wc + 32) };
        if priority.is_some() {
            let depth = st.tree.depth();
            work = work.plus(Work { flops: k * (depth + 1), bytes: k * 24 * depth });
        }
        let mut parallelization_error = 0.0;
        for a in 0..vars.len() {
            if deltas[a] == 0.0 {
                continue;
            }
            for b in a + 1..vars.len() {
                if deltas[b] == 0.0 {
                    continue;
                }
                let (dot, e) = self.design.dot_counted(vars[a] as usize, vars[b] as usize);
                parallelization_error += deltas[a] * deltas[b] * dot;
                work = work.plus(Work { flops: e + 3, bytes: 12 * e + 16 });
            }
        }
        Commit { values, work, parallelization_error }
    }

    fn apply(&self, worker: usize, _round: u64, task: &Task, commit: &Commit, state: &mut dyn Any) -> Work {
        let st = worker_mut(state);
        let first = st.first_row;
        let mut entries = 0u64;
        for (&j, &new) in task.vars.iter().zip(&commit.values) {
            let j = j as usize;
            let d = new - st.beta[j];
            if d != 0.0 {
                st.beta[j] = new;
                let (rows, x) = self.shard_column(worker, j);
                entries += rows.len() as u64;
                for (&i, &v) in rows.iter().zip(x) {
                    st.residual[i as usize - first] -= v * d;
                }
            }
        }
        let k = task.vars.len() as u64;
        Work { flops: k + 2 * entries, bytes: 24 * k + 28 * entries }
    }

    fn objective(&self, model: &dyn Any) -> f64 {
        self.objective_of(Self::beta(model))
    }

    fn nonzeros(&self, model: &dyn Any) -> Option<u64> {
        Some(Self::beta(model).iter().filter(|&&b| b != 0.0).count() as u64)
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // index loops mirror the per-worker / per-coordinate formulas
mod tests {
    use super::*;
    use crate::data::design::SyntheticDesignConfig;
    use crate::data::lasso::RegressionData;

    /// A sequential stand-in for the STRADS runtime: schedule → push on every worker with a task → pull →
    /// apply on those workers, one round at a time.
    struct Driver<'a> {
        prog: &'a StradsLasso,
        model: Box<dyn Any + Send>,
        sched: Box<dyn Any + Send>,
        workers: Vec<Box<dyn Any + Send>>,
        round: u64,
    }

    impl<'a> Driver<'a> {
        fn new(prog: &'a StradsLasso) -> Self {
            Driver {
                prog,
                model: prog.initial_model(),
                sched: prog.initial_scheduler_state(),
                workers: (0..prog.workers()).map(|w| prog.initial_worker_state(w)).collect(),
                round: 0,
            }
        }

        fn step(&mut self) -> (Schedule, Commit) {
            let prog = self.prog;
            let s = prog.schedule(self.round, self.sched.as_mut(), self.model.as_ref());
            assert_eq!(s.tasks.len(), prog.workers());
            let partials: Vec<Option<Partial>> = s
                .tasks
                .iter()
                .zip(self.workers.iter_mut())
                .enumerate()
                .map(|(w, (t, st))| (!t.vars.is_empty()).then(|| prog.push(w, self.round, t, st.as_mut())))
                .collect();
            let c = prog.pull(self.round, &s, &partials, self.model.as_mut(), self.sched.as_mut());
            for (w, (t, st)) in s.tasks.iter().zip(self.workers.iter_mut()).enumerate() {
                if !t.vars.is_empty() {
                    prog.apply(w, self.round, t, &c, st.as_mut());
                }
            }
            self.round += 1;
            (s, c)
        }

        fn beta(&self) -> &[f64] {
            StradsLasso::beta(self.model.as_ref())
        }

        fn objective(&self) -> f64 {
            self.prog.objective(self.model.as_ref())
        }

        fn stats(&self) -> LassoSchedulerStats {
            self.sched.downcast_ref::<LassoSchedulerState>().unwrap().stats()
        }
    }

    fn diabetes() -> Arc<SparseDesign> {
        Arc::new(SparseDesign::standardized_from(&crate::builtin::diabetes()))
    }

    fn cfg(workers: usize, set_size: usize, lambda: f64, scheduler: LassoScheduler) -> StradsLassoConfig {
        StradsLassoConfig { workers, set_size, lambda, scheduler, seed: 11 }
    }

    /// Plain sequential cyclic coordinate descent, written independently of the program.
    fn plain_cd(d: &SparseDesign, lambda: f64, sweeps: usize) -> Vec<f64> {
        let p = d.features();
        let mut beta = vec![0.0f64; p];
        let mut r = d.targets().to_vec();
        for _ in 0..sweeps {
            for j in 0..p {
                let (rows, x) = d.column(j);
                let mut a = 0.0;
                for k in 0..rows.len() {
                    a += x[k] * (r[rows[k] as usize] + x[k] * beta[j]);
                }
                let t = lambda / 2.0;
                let shrunk = if a > t {
                    a - t
                } else if a < -t {
                    a + t
                } else {
                    0.0
                };
                let b = d.col_sq_norm(j);
                let new = if b > 0.0 { shrunk / b } else { 0.0 };
                let delta = new - beta[j];
                beta[j] = new;
                if delta != 0.0 {
                    for k in 0..rows.len() {
                        r[rows[k] as usize] -= x[k] * delta;
                    }
                }
            }
        }
        beta
    }

    #[test]
    fn one_worker_round_robin_is_sequential_cd_bit_for_bit() {
        let d = diabetes();
        let lambda = 0.1 * d.lambda_max();
        let prog = StradsLasso::new(d.clone(), cfg(1, 1, lambda, LassoScheduler::RoundRobin)).unwrap();
        let mut drv = Driver::new(&prog);
        for _ in 0..10 * 10 {
            drv.step();
        }
        let reference = plain_cd(&d, lambda, 10);
        assert!(reference.iter().filter(|&&b| b != 0.0).count() >= 5);
        assert_eq!(drv.beta(), &reference[..]);
        // Converge: 2 000 sweeps more, still bit for bit, and optimal.
        for _ in 0..2_000 * 10 {
            drv.step();
        }
        assert_eq!(drv.beta(), &plain_cd(&d, lambda, 2_010)[..]);
        let kkt = prog.kkt_violation(drv.beta());
        assert!(kkt < 1e-6, "KKT violation {kkt}");
        let (beta, f, sweeps) = prog.solve_sequential(1e-6, 10_000);
        assert!(prog.kkt_violation(&beta) <= 1e-6 && sweeps < 10_000, "{sweeps} sweeps");
        assert!((f - drv.objective()).abs() <= 1e-10 * f);
        assert_eq!(prog.nonzeros(drv.model.as_ref()), Some(beta.iter().filter(|&&b| b != 0.0).count() as u64));
    }

    #[test]
    fn four_workers_match_one_worker() {
        let d = diabetes();
        let lambda = 0.05 * d.lambda_max();
        let one = StradsLasso::new(d.clone(), cfg(1, 1, lambda, LassoScheduler::RoundRobin)).unwrap();
        let four = StradsLasso::new(d.clone(), cfg(4, 1, lambda, LassoScheduler::RoundRobin)).unwrap();
        assert_eq!(four.shard(0), 0..110);
        assert_eq!(four.shard(3), 331..442);
        let (mut a, mut b) = (Driver::new(&one), Driver::new(&four));
        for _ in 0..50 * 10 {
            a.step();
            b.step();
        }
        let scale = a.beta().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (x, y) in a.beta().iter().zip(b.beta()) {
            assert!((x - y).abs() <= 1e-12 * scale, "{x} vs {y}");
        }
        // Each worker's residual slice is the exact residual of the committed β on its rows.
        let exact = four.residual_of(b.beta());
        for (w, st) in b.workers.iter().enumerate() {
            let st = st.downcast_ref::<LassoWorkerState>().unwrap();
            assert_eq!(st.beta(), b.beta());
            for (k, r) in st.residual().iter().enumerate() {
                assert!((r - exact[four.shard(w).start + k]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn pipelined_reschedule_gives_zero_change() {
        // Rounds 0 and 1 both schedule all 10 coordinates (round-robin, L = p) from the same committed β;
        // round 1's partials are computed before commit 0 reaches the workers.
        let d = diabetes();
        let lambda = 0.1 * d.lambda_max();
        let prog = StradsLasso::new(d, cfg(2, 10, lambda, LassoScheduler::RoundRobin)).unwrap();
        let mut model = prog.initial_model();
        let mut sched = prog.initial_scheduler_state();
        let mut ws: Vec<_> = (0..2).map(|w| prog.initial_worker_state(w)).collect();
        let s0 = prog.schedule(0, sched.as_mut(), model.as_ref());
        let s1 = prog.schedule(1, sched.as_mut(), model.as_ref());
        assert_eq!(s0.tasks, s1.tasks);
        let p0: Vec<_> = (0..2).map(|w| Some(prog.push(w, 0, &s0.tasks[w], ws[w].as_mut()))).collect();
        let p1: Vec<_> = (0..2).map(|w| Some(prog.push(w, 1, &s1.tasks[w], ws[w].as_mut()))).collect();
        let c0 = prog.pull(0, &s0, &p0, model.as_mut(), sched.as_mut());
        assert!(c0.values.iter().any(|&v| v != 0.0));
        for w in 0..2 {
            prog.apply(w, 0, &s0.tasks[w], &c0, ws[w].as_mut());
        }
        let before = StradsLasso::beta(model.as_ref()).to_vec();
        let c1 = prog.pull(1, &s1, &p1, model.as_mut(), sched.as_mut());
        assert_eq!(c1.values, c0.values);
        assert_eq!(StradsLasso::beta(model.as_ref()), &before[..]);
        assert_eq!(c1.parallelization_error, 0.0);
        for w in 0..2 {
            let st = ws[w].downcast_ref::<LassoWorkerState>().unwrap().clone();
            prog.apply(w, 1, &s1.tasks[w], &c1, ws[w].as_mut());
            assert_eq!(ws[w].downcast_ref::<LassoWorkerState>().unwrap(), &st);
        }
    }

    #[test]
    fn stale_task_after_applied_commit_does_not_undo_it() {
        // One feature (bmi), so every round schedules coordinate 0. Round 1 is dispatched with β_0 = 0 before
        // commit 0, but the workers apply commit 0 before computing round 1: the change is kept, not undone.
        let raw = crate::builtin::diabetes();
        let one = RegressionData::new(vec!["bmi".into()], raw.column(2).to_vec(), raw.targets().to_vec()).unwrap();
        let d = Arc::new(SparseDesign::standardized_from(&one));
        let prog = StradsLasso::new(d.clone(), cfg(3, 1, 0.2 * d.lambda_max(), LassoScheduler::RoundRobin)).unwrap();
        let mut model = prog.initial_model();
        let mut sched = prog.initial_scheduler_state();
        let mut ws: Vec<_> = (0..3).map(|w| prog.initial_worker_state(w)).collect();
        let s0 = prog.schedule(0, sched.as_mut(), model.as_ref());
        let s1 = prog.schedule(1, sched.as_mut(), model.as_ref());
        assert_eq!(s1.tasks[0].values, vec![0.0]);
        let p0: Vec<_> = (0..3).map(|w| Some(prog.push(w, 0, &s0.tasks[w], ws[w].as_mut()))).collect();
        let c0 = prog.pull(0, &s0, &p0, model.as_mut(), sched.as_mut());
        let b1 = c0.values[0];
        assert!(b1 != 0.0);
        for w in 0..3 {
            prog.apply(w, 0, &s0.tasks[w], &c0, ws[w].as_mut());
        }
        let p1: Vec<_> = (0..3).map(|w| Some(prog.push(w, 1, &s1.tasks[w], ws[w].as_mut()))).collect();
        let c1 = prog.pull(1, &s1, &p1, model.as_mut(), sched.as_mut());
        assert!((c1.values[0] - b1).abs() <= 1e-12 * b1.abs(), "{} vs {b1}", c1.values[0]);
    }

    /// A small random design: `n × p`, some columns copies (or negated copies) of others so that high
    /// correlations occur, some empty.
    fn random_design(seed: u64, n: usize, p: usize) -> SparseDesign {
        let mut rng = stream(seed, StreamKind::Test, 0);
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for j in 0..p {
            let col: Vec<f64> = match rng.random_range(0..5) {
                0 if j > 0 => {
                    let src = rng.random_range(0..j);
                    let s = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    cols[src].iter().map(|v| s * v + if rng.random_bool(0.3) { 0.5 } else { 0.0 }).collect()
                }
                1 => vec![0.0; n],
                _ => (0..n).map(|_| if rng.random_bool(0.6) { rng.random_range(-2.0..2.0) } else { 0.0 }).collect(),
            };
            cols.push(col);
        }
        let mut col_ptr = vec![0];
        let (mut rows, mut values) = (Vec::new(), Vec::new());
        for col in &cols {
            for (i, &v) in col.iter().enumerate() {
                if v != 0.0 {
                    rows.push(i as u32);
                    values.push(v);
                }
            }
            col_ptr.push(rows.len());
        }
        let y = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
        SparseDesign::from_csc(n, col_ptr, rows, values, y).unwrap()
    }

    mod filter_props {
        use super::*;
        use proptest::prelude::{prop_assert, prop_assert_eq, proptest, ProptestConfig};

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn dependency_filter_is_a_greedy_maximal_independent_prefix(
                seed in 0u64..1_000_000,
                n in 1usize..8,
                p in 1usize..12,
                shuffle in 0u64..1_000,
                take in 0usize..12,
                rho in 0.01f64..=1.0,
                max_keep in 0usize..12,
            ) {
                let d = random_design(seed, n, p);
                let mut cands: Vec<u32> = (0..p as u32).collect();
                let mut rng = stream(shuffle, StreamKind::Test, 1);
                for i in (1..cands.len()).rev() {
                    cands.swap(i, rng.random_range(0..=i));
                }
                cands.truncate(take.min(p));
                let (kept, work) = dependency_filter(&d, &cands, rho, max_keep);
                prop_assert!(kept.len() <= max_keep);
                for (a, &x) in kept.iter().enumerate() {
                    for &y in &kept[..a] {
                        prop_assert!(d.correlation(x as usize, y as usize).abs() < rho);
                    }
                }
                // Kept is a subsequence of the candidates; each dropped candidate considered before the set
                // filled conflicts with a kept one that precedes it.
                let mut so_far: Vec<u32> = Vec::new();
                for &c in &cands {
                    if so_far.len() == max_keep {
                        break;
                    }
                    if kept.get(so_far.len()) == Some(&c) {
                        so_far.push(c);
                    } else {
                        prop_assert!(so_far.iter().any(|&k| d.correlation(c as usize, k as usize).abs() >= rho),
                            "candidate {} dropped without a conflict", c);
                    }
                }
                prop_assert_eq!(&so_far, &kept);
                prop_assert!(kept.len() <= 1 || work.flops > 0);
            }
        }
    }

    #[test]
    fn parallelization_error_is_the_joint_minus_individual_objective_change() {
        // A small dense case: 30 samples × 6 features, mixed correlations.
        let mut rng = stream(4, StreamKind::Test, 2);
        let (n, p) = (30, 6);
        let base: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut cols = Vec::new();
        for j in 0..p {
            let mix = j as f64 / p as f64;
            cols.extend(base.iter().map(|b| mix * b + rng.random_range(-1.0..1.0)));
        }
        let y: Vec<f64> = (0..n).map(|i| 3.0 * cols[i] - 2.0 * cols[4 * n + i] + rng.random_range(-0.3..0.3)).collect();
        let data = RegressionData::new((0..p).map(|j| format!("f{j}")).collect(), cols, y).unwrap();
        let d = Arc::new(SparseDesign::standardized_from(&data));
        let lambda = 0.05 * d.lambda_max();
        let prog = StradsLasso::new(d, cfg(3, p, lambda, LassoScheduler::RoundRobin)).unwrap();
        let mut drv = Driver::new(&prog);
        let mut checked = 0;
        for _ in 0..6 {
            let before = drv.beta().to_vec();
            let f0 = prog.objective_of(&before);
            let (_, c) = drv.step();
            let after = drv.beta().to_vec();
            let individual: f64 = (0..p)
                .map(|j| {
                    let mut b = before.clone();
                    b[j] = after[j];
                    prog.objective_of(&b) - f0
                })
                .sum();
            let lhs = prog.objective_of(&after) - (f0 + individual);
            let pe = c.parallelization_error;
            assert!((lhs - pe).abs() <= 1e-9 * pe.abs().max(1e-3 * f0), "{lhs} vs {pe} (F = {f0})");
            if pe.abs() > 1e-3 * f0 {
                checked += 1;
            }
        }
        assert!(checked >= 1, "no round with a sizeable interference term");
    }

    fn synthetic(samples: usize, features: usize, true_nonzeros: usize, seed: u64) -> Arc<SparseDesign> {
        Arc::new(
            SparseDesign::synthetic(&SyntheticDesignConfig {
                samples,
                features,
                true_nonzeros,
                seed,
                ..SyntheticDesignConfig::default()
            })
            .unwrap(),
        )
    }

    fn synthetic_small() -> Arc<SparseDesign> {
        synthetic(500, 5_000, 25, 3)
    }

    /// Rounds until the objective is within `gap` (relative) of `f_star`, checked every `every` rounds, or
    /// `None` by `limit`.
    fn rounds_to_gap(prog: &StradsLasso, f_star: f64, gap: f64, every: u64, limit: u64) -> Option<u64> {
        let mut drv = Driver::new(prog);
        while drv.round < limit {
            drv.step();
            if drv.round % every == 0 && drv.objective() <= (1.0 + gap) * f_star {
                return Some(drv.round);
            }
        }
        None
    }

    /// Rounds to `gap` for random and STRADS (`L = 32`, 4 workers) on `d` at `λ = 0.1·λ_max`.
    fn random_vs_strads(d: &Arc<SparseDesign>, gap: f64, every: u64, limit: u64) -> (u64, u64) {
        let lambda = 0.1 * d.lambda_max();
        let mk = |s: LassoScheduler| StradsLasso::new(d.clone(), cfg(4, 32, lambda, s)).unwrap();
        let (_, f_star, _) = mk(LassoScheduler::Random).solve_sequential(1e-7 * lambda, 100_000);
        let random = rounds_to_gap(&mk(LassoScheduler::Random), f_star, gap, every, limit).expect("random converges");
        let strads =
            rounds_to_gap(&mk(LassoScheduler::strads(32)), f_star, gap, every, limit).expect("STRADS converges");
        (random, strads)
    }

    #[test]
    fn priority_concentrates_updates_on_the_support() {
        // Share of scheduled coordinates in the support S of the optimum, rounds 300..1 000 (L = 32): random
        // samples S at its size share |S|/p (0.74 % here), the STRADS scheduler re-draws coordinates that keep
        // moving. Observed: random 0.63 %; STRADS 3.0–4.1 % over scheduler seeds 1–8 (4–5.6 × |S|/p).
        let d = synthetic_small();
        let lambda = 0.1 * d.lambda_max();
        let mk = |s: LassoScheduler| StradsLasso::new(d.clone(), cfg(2, 32, lambda, s)).unwrap();
        let (beta, _, _) = mk(LassoScheduler::Random).solve_sequential(1e-7 * lambda, 100_000);
        let share = |s: LassoScheduler| {
            let prog = mk(s);
            let mut drv = Driver::new(&prog);
            let (mut hit, mut all) = (0, 0);
            for round in 0..1_000 {
                let (sc, _) = drv.step();
                if round >= 300 {
                    all += sc.tasks[0].vars.len();
                    hit += sc.tasks[0].vars.iter().filter(|&&j| beta[j as usize] != 0.0).count();
                }
            }
            hit as f64 / all as f64
        };
        let support = beta.iter().filter(|&&b| b != 0.0).count() as f64 / beta.len() as f64;
        let (random, strads) = (share(LassoScheduler::Random), share(LassoScheduler::strads(32)));
        eprintln!("support share {support:.4}: random {random:.4}, STRADS {strads:.4}");
        assert!(random < 3.0 * support, "random {random} vs support share {support}");
        assert!(strads > 3.0 * support, "STRADS {strads} vs support share {support}");
    }

    /// The scenario-sized design (1 000 × 100 000, `λ = 0.1·λ_max`, `L = 32`): rounds to within 1 % of F*.
    /// Observed STRADS / random ratios over 7 (design seed, scheduler seed) pairs: 0.50–0.69 (here
    /// 35 800 / 57 480 = 0.62). Release builds only (a few seconds there).
    #[test]
    #[cfg_attr(debug_assertions, ignore = "several seconds in release; minutes in debug")]
    fn priority_with_filter_reaches_one_percent_sooner_than_random_at_scale() {
        let (random, strads) = random_vs_strads(&synthetic(1_000, 100_000, 100, 1), 0.01, 20, 200_000);
        eprintln!("rounds to 1 %: random {random}, STRADS {strads}");
        assert!(strads as f64 <= 0.8 * random as f64, "STRADS {strads} vs random {random}");
    }

    #[test]
    fn schedulers_choose_distinct_coordinates_as_documented() {
        let d = synthetic_small();
        let p = d.features();
        let lambda = 0.1 * d.lambda_max();
        // Round-robin: consecutive, wrapping.
        let rr = StradsLasso::new(d.clone(), cfg(2, 32, lambda, LassoScheduler::RoundRobin)).unwrap();
        let mut drv = Driver::new(&rr);
        let (s, _) = drv.step();
        assert_eq!(s.tasks[0].vars, (0..32).collect::<Vec<u32>>());
        assert_eq!(s.tasks[0], s.tasks[1]);
        // Block: each coordinate once per ⌈p/L⌉ rounds; coordinates of a round ≥ ⌊p/L⌋ − 1 apart.
        let bl = StradsLasso::new(d.clone(), cfg(1, 32, lambda, LassoScheduler::Block)).unwrap();
        let mut drv = Driver::new(&bl);
        let mut seen = vec![0u32; p];
        for _ in 0..p.div_ceil(32) {
            let (s, _) = drv.step();
            let v = &s.tasks[0].vars;
            assert!(v.windows(2).all(|w| w[1] - w[0] >= (p / 32) as u32 - 1));
            for &j in v {
                seen[j as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
        // Random and priority: distinct; priority with the filter keeps no correlated pair.
        for s in [LassoScheduler::Random, LassoScheduler::strads(32)] {
            let prog = StradsLasso::new(d.clone(), cfg(1, 32, lambda, s.clone())).unwrap();
            let mut drv = Driver::new(&prog);
            for _ in 0..300 {
                let (sc, c) = drv.step();
                let mut v = sc.tasks[0].vars.clone();
                assert_eq!(sc.tasks[0].values.len(), v.len());
                assert_eq!(c.values.len(), v.len());
                if matches!(s, LassoScheduler::Priority { .. }) {
                    for a in 0..v.len() {
                        for b in 0..a {
                            assert!(d.correlation(v[a] as usize, v[b] as usize).abs() < 0.1);
                        }
                    }
                } else {
                    assert_eq!(v.len(), 32);
                }
                v.sort_unstable();
                v.dedup();
                assert_eq!(v.len(), sc.tasks[0].vars.len());
            }
        }
    }

    #[test]
    fn sum_tree_samples_in_proportion_to_weights() {
        let weights = [0.0, 1.0, 3.0, 0.0, 6.0];
        let mut tree = SumTree::new(weights.iter().copied(), 5);
        assert_eq!(tree.total(), 10.0);
        let mut rng = stream(1, StreamKind::Test, 3);
        let mut counts = [0u32; 5];
        for _ in 0..100_000 {
            counts[tree.find(rng.random::<f64>() * tree.total())] += 1;
        }
        assert_eq!((counts[0], counts[3]), (0, 0));
        for (c, w) in counts.iter().zip(weights) {
            assert!((*c as f64 / 100_000.0 - w / 10.0).abs() < 0.01, "{counts:?}");
        }
        tree.set(4, 0.0);
        assert_eq!(tree.total(), 4.0);
        assert_eq!(tree.find(3.999_999), 2);
        assert_eq!(tree.find(4.5), 2); // past the total (rounding): never a zero leaf
    }

    #[test]
    fn priority_restart_reseeds_weights_from_beta() {
        let d = diabetes();
        let lambda = 0.05 * d.lambda_max();
        let prog = StradsLasso::new(d, cfg(1, 2, lambda, LassoScheduler::strads(2))).unwrap();
        assert_eq!(prog.restart_round(), 15);
        let mut drv = Driver::new(&prog);
        for _ in 0..15 {
            drv.step();
        }
        assert!(!drv.stats().restarted);
        // Round 15's schedule restarts before sampling; compare with β as committed before it.
        let beta = drv.beta().to_vec();
        let s = prog.schedule(15, drv.sched.as_mut(), drv.model.as_ref());
        let st = drv.sched.downcast_ref::<LassoSchedulerState>().unwrap();
        assert!(st.stats().restarted);
        assert_eq!(st.weights(), &beta.iter().map(|b| b.abs()).collect::<Vec<_>>()[..]);
        assert!(!s.tasks[0].vars.is_empty());
    }

    #[test]
    fn rejects_bad_configs_naming_the_field() {
        let d = diabetes();
        let field = |c: StradsLassoConfig| match StradsLasso::new(d.clone(), c) {
            Err(ProgramError::InvalidConfig { field, .. }) => field,
            Ok(_) => "ok",
        };
        let prio = |eta: f64, candidates: usize, rho: Option<f64>| LassoScheduler::Priority {
            eta,
            squared: true,
            candidates,
            dependency_threshold: rho,
            restart: false,
        };
        assert_eq!(field(cfg(1, 1, 1.0, LassoScheduler::Random)), "ok");
        assert_eq!(field(cfg(0, 1, 1.0, LassoScheduler::Random)), "workers");
        assert_eq!(field(cfg(443, 1, 1.0, LassoScheduler::Random)), "workers");
        assert_eq!(field(cfg(442, 10, 0.0, LassoScheduler::Block)), "ok");
        assert_eq!(field(cfg(1, 0, 1.0, LassoScheduler::Random)), "set_size");
        assert_eq!(field(cfg(1, 11, 1.0, LassoScheduler::Random)), "set_size");
        assert_eq!(field(cfg(1, 1, -1.0, LassoScheduler::Random)), "lambda");
        assert_eq!(field(cfg(1, 1, f64::INFINITY, LassoScheduler::Random)), "lambda");
        assert_eq!(field(cfg(1, 4, 1.0, prio(1e-4, 3, None))), "candidates");
        assert_eq!(field(cfg(1, 4, 1.0, prio(0.0, 4, None))), "eta");
        assert_eq!(field(cfg(1, 4, 1.0, prio(1e-4, 4, Some(0.0)))), "dependency_threshold");
        assert_eq!(field(cfg(1, 4, 1.0, prio(1e-4, 4, Some(1.5)))), "dependency_threshold");
        assert_eq!(field(cfg(1, 4, 1.0, prio(1e-4, 4, Some(1.0)))), "ok");
        let named = StradsLasso::new(d.clone(), StradsLassoConfig { set_size: 4, ..StradsLassoConfig::strads(2, 1.0) })
            .unwrap();
        assert_eq!(named.name(), "lasso, STRADS priority + dependency");
        assert_eq!(named.with_name("lasso (diabetes)").name(), "lasso (diabetes)");
    }

    #[test]
    fn work_counts_entries_touched() {
        let d = diabetes();
        let lambda = 0.1 * d.lambda_max();
        let prog = StradsLasso::new(d.clone(), cfg(2, 2, lambda, LassoScheduler::RoundRobin)).unwrap();
        let mut model = prog.initial_model();
        let mut sched = prog.initial_scheduler_state();
        let mut ws: Vec<_> = (0..2).map(|w| prog.initial_worker_state(w)).collect();
        let s = prog.schedule(0, sched.as_mut(), model.as_ref());
        assert_eq!(s.work, Work { flops: 0, bytes: 12 * 2 * 2 + 16 });
        let e0 = (d.column_nnz(0) + d.column_nnz(1)) as u64;
        let parts: Vec<_> = (0..2).map(|w| Some(prog.push(w, 0, &s.tasks[w], ws[w].as_mut()))).collect();
        let (a, b) = (parts[0].as_ref().unwrap().work, parts[1].as_ref().unwrap().work);
        assert_eq!(a.flops + b.flops, 4 * e0);
        assert_eq!(a.bytes + b.bytes, 20 * e0 + 2 * 32);
        let c = prog.pull(0, &s, &parts, model.as_mut(), sched.as_mut());
        let moved = c.values.iter().filter(|&&v| v != 0.0).count();
        let dots = if moved == 2 { d.dot_counted(0, 1).1 + 3 } else { 0 };
        assert_eq!(c.work.flops, 2 * (2 + 5) + dots);
        let wa = prog.apply(0, 0, &s.tasks[0], &c, ws[0].as_mut());
        let moved_entries: u64 =
            (0..2).filter(|&k| c.values[k] != 0.0).map(|k| prog.shard_column(0, k).0.len() as u64).sum();
        assert_eq!(wa, Work { flops: 2 + 2 * moved_entries, bytes: 48 + 28 * moved_entries });
    }
}
