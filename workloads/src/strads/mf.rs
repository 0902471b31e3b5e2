//! Matrix factorisation by model-parallel coordinate descent: CCD++'s rank-one rotation (Yu, Hsieh, Si &
//! Dhillon, "Scalable Coordinate Descent Approaches to Parallel Matrix Factorization for Recommender
//! Systems", ICDM 2012) as the STRADS MF app runs it (static rotation schedule, L2 regulariser;
//! REFERENCE §5.3–5.4).

use std::any::Any;
use std::sync::Arc;

use rand::Rng;
use sim_core::program::{Commit, ModelParallelProgram, Partial, Schedule, Task};
use sim_core::rng::{stream, StreamKind};
use sim_core::Work;

use crate::data::Ratings;
use crate::sampling::BatchPlan;
use crate::ProgramError;

/// Upper end of the initial item-factor entries: every `v_jt` starts uniform in `[0, INIT_SCALE)`
/// (dimensionless; see [`StradsMf`], "Initial model").
pub const INIT_SCALE: f64 = 0.1;

/// Settings of [`StradsMf`].
#[derive(Clone, Debug, PartialEq)]
pub struct StradsMfConfig {
    /// Number of workers (user shards), ≥ 1 and ≤ the number of users.
    pub workers: usize,
    /// Rank `k` of the factorisation (columns of `U` and `V`), ≥ 1.
    pub rank: u32,
    /// L2 regularisation strength `λ` (≥ 0, finite), in squared rating units (see [`StradsMf`]).
    pub l2: f64,
    /// Items updated per item round (≥ 1): column `t` of `V` is updated in `⌈items / block⌉` rounds of
    /// consecutive item ids; a value ≥ the number of items updates the whole column in one round.
    pub block: usize,
    /// CCD++'s inner iterations `T` (≥ 1): how many times each rank-one factor pair `(u_·t, v_·t)` is
    /// refit (users, then items) before moving to column `t + 1`.
    pub inner_iterations: u32,
    /// Seed of the user partition and of the initial item factors.
    pub seed: u64,
}

impl Default for StradsMfConfig {
    /// One worker, rank 40, `λ = 0.05` (the STRADS MF demo, REFERENCE §5.3), every item of a column in
    /// one round (`block = usize::MAX`), `T = 1`, seed 0.
    fn default() -> Self {
        StradsMfConfig { workers: 1, rank: 40, l2: 0.05, block: usize::MAX, inner_iterations: 1, seed: 0 }
    }
}

/// What one round of [`StradsMf`] updates (see [`StradsMf::round_plan`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MfPhase {
    /// Every user's entry `u_it` of column `t` (each worker its own users).
    Users,
    /// The entries `v_jt` of items `first..end` of column `t` (every worker the same block).
    Items {
        /// First item id of the block.
        first: u32,
        /// One past the last item id of the block.
        end: u32,
    },
}

/// Where a round sits in the static rotation of [`StradsMf`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MfRound {
    /// Outer CCD++ iteration (a full pass over all `k` columns), from 0.
    pub outer: u64,
    /// Column `t` of `U` and `V` being refit, `0..k`.
    pub column: u32,
    /// Inner iteration `s`, `0..T`.
    pub inner: u32,
    /// Which variables of column `t` the round updates.
    pub phase: MfPhase,
}

/// One decoded variable id of [`StradsMf`] (see [`StradsMf::var_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MfVar {
    /// `u_it`: user `i`'s factor entry in column `t`.
    User {
        /// Column `t`.
        column: u32,
        /// User id `i`.
        user: u32,
    },
    /// `v_jt`: item `j`'s factor entry in column `t`.
    Item {
        /// Column `t`.
        column: u32,
        /// Item id `j`.
        item: u32,
    },
}

/// The committed model of [`StradsMf`], held by the scheduler: user factors `U` (`users × k`) and item
/// factors `V` (`items × k`), both row-major `f64`.
#[derive(Clone, Debug, PartialEq)]
pub struct StradsMfModel {
    rank: usize,
    u: Vec<f64>,
    v: Vec<f64>,
}

impl StradsMfModel {
    /// Row `i` of `U` (`k` values).
    ///
    /// # Panics
    /// If `user` is not a user id of the data.
    pub fn user(&self, user: u32) -> &[f64] {
        let i = user as usize * self.rank;
        &self.u[i..i + self.rank]
    }

    /// Row `j` of `V` (`k` values).
    ///
    /// # Panics
    /// If `item` is not an item id of the data.
    pub fn item(&self, item: u32) -> &[f64] {
        let j = item as usize * self.rank;
        &self.v[j..j + self.rank]
    }

    /// All of `U`, `users × k` row-major.
    pub fn user_factors(&self) -> &[f64] {
        &self.u
    }

    /// All of `V`, `items × k` row-major.
    pub fn item_factors(&self) -> &[f64] {
        &self.v
    }
}

/// What one worker of [`StradsMf`] keeps: the residuals `r̂_ij = r_ij − u_iᵀv_j` of its ratings, its
/// users' rows of `U` and a full copy of `V`, kept equal to the committed model by the commits it applies.
#[derive(Clone, Debug, PartialEq)]
pub struct StradsMfWorkerState {
    worker: usize,
    /// One per rating of the shard, in shard order (users ascending, then data order).
    residual: Vec<f64>,
    /// `local users × k` row-major, rows in [`StradsMf::users_of`] order.
    u: Vec<f64>,
    /// `items × k` row-major.
    v: Vec<f64>,
}

impl StradsMfWorkerState {
    /// The worker this state belongs to.
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// The residuals `r̂_ij` [rating units] of the worker's ratings: its users in [`StradsMf::users_of`]
    /// order, each user's ratings in data order.
    pub fn residuals(&self) -> &[f64] {
        &self.residual
    }

    /// The worker's copy of its users' rows of `U` (`users_of(worker).len() × k`, row-major).
    pub fn user_factors(&self) -> &[f64] {
        &self.u
    }

    /// The worker's copy of `V` (`items × k`, row-major).
    pub fn item_factors(&self) -> &[f64] {
        &self.v
    }
}

/// One worker's ratings, indexed both ways.
#[derive(Clone, Debug)]
struct Shard {
    /// Global user ids, ascending.
    users: Vec<u32>,
    /// Ratings of local user `p` are positions `user_ptr[p]..user_ptr[p + 1]`.
    user_ptr: Vec<usize>,
    /// Per rating: item id, rating value and local user position.
    item: Vec<u32>,
    rating: Vec<f64>,
    local_user: Vec<u32>,
    /// Ratings of item `j` are positions `by_item[item_ptr[j]..item_ptr[j + 1]]` (ascending).
    item_ptr: Vec<usize>,
    by_item: Vec<u32>,
}

/// Matrix factorisation `R ≈ U Vᵀ` by CCD++ (Yu, Hsieh, Si & Dhillon, ICDM 2012) as a
/// STRADS model-parallel program (Lee et al., NIPS 2014, §2; Kim et al., EuroSys 2016, §3; STRADS's MF
/// app, REFERENCE §5.3: rank-one coordinate descent with an L2 regulariser, statically scheduled).
///
/// - **Objective** (exact, from the committed model, lower is better):
///   `F(U, V) = Σ_{(i,j)∈Ω} (r_ij − u_iᵀv_j)² + λ (‖U‖²_F + ‖V‖²_F)` [squared rating units], the CCD++
///   objective of Yu et al. [`Self::rmse`] gives `sqrt((1/|Ω|) Σ_Ω (r_ij − u_iᵀv_j)²)`.
/// - **Update** of one variable (exact minimisation of `F` over it, the others fixed; CCD++'s rank-one update):
///   `u_it ← Σ_{j∈Ω_i} (r̂_ij + u_it v_jt) v_jt / (λ + Σ_{j∈Ω_i} v_jt²)`, and symmetrically
///   `v_jt ← Σ_{i∈Ω_j} (r̂_ij + u_it v_jt) u_it / (λ + Σ_{i∈Ω_j} u_it²)`, with `r̂_ij = r_ij − u_iᵀv_j`.
///   Where the denominator is 0 (`λ = 0` and the other side's entries all 0; then the numerator is 0
///   too and `F` does not depend on the variable) the variable is set to 0.
/// - **Initial model**: `U = 0` and every `v_jt` uniform in `[0, INIT_SCALE)` (stream
///   `(seed, ModelInit, 0)`, `V` row-major), so the residual starts at `R` (CCD++'s initialisation
///   `W = 0, R = A` of Yu et al.; the small positive `V` is this program's choice).
/// - **Partition**: the user ids are shuffled with stream `(seed, Partition, 0)` and split into
///   `workers` contiguous near-equal parts (the crate convention, [`crate`] docs); each worker's users
///   are then sorted ascending ([`Self::users_of`]). A worker holds every rating of its users, their
///   residuals, their rows of `U` and a full copy of `V` ([`StradsMfWorkerState`]).
/// - **Schedule** (static rotation, STRADS static scheduling; CCD++ order): for each outer iteration,
///   for each column `t = 0..k`, for each inner iteration `s = 0..T`: one *user round* (every worker's
///   task = all its users' `u_it`), then `⌈items / block⌉` *item rounds* (item round `b` updates
///   `v_jt` for items `b·block .. min((b+1)·block, items)`; every worker's task = that block).
///   [`Self::rounds_per_iteration`] rounds make one outer iteration; [`Self::round_plan`] decodes a
///   round. Every worker has a non-empty task in every round (it has ≥ 1 user), so each applies every
///   commit and its copies of `U` and `V` stay equal to the committed model. The schedule ignores the
///   model and the scheduler state (`()`).
/// - **Variables**: [`Self::var_id`]: `t·(m + n) + i` for `u_it` and `t·(m + n) + m + j` for `v_jt`
///   (`m` users, `n` items), i.e. the row of the stacked column-major `[U; V]`; all ids of a round share
///   `t` and the side. Tasks carry no values (the worker's copies are current).
/// - **Push**: user round: per own user (task order) the pair `(num, den)` of the update above over the
///   worker's ratings; item round: per block item the partial pair over the worker's ratings of that
///   item (0, 0 if none). Partial values are `[num_0, den_0, num_1, den_1, …]`.
/// - **Pull**: user round: `u_it = num/(λ + den)` from the owner's pair; item round: the pairs are summed
///   over workers in worker order, then `v_jt = num/(λ + den)`. The **commit** carries the new value of
///   each scheduled variable (user round: every user, workers in order, each in task order; item
///   round: the block in order), not its change: each worker computes `Δ = new − its copy` itself, so
///   its copies stay bit-equal to the model. [`Commit::parallelization_error`] is 0: variables
///   scheduled together are independent given the other side (the `u_it` of different users share no
///   term of `F`, nor do the `v_jt` of different items), so a round equals the sequential CCD++ updates
///   of its variables up to the order of the sums.
/// - **Apply**: for each variable, `Δ = new − copy`, then `r̂_ij −= Δu_it · v_jt` over the user's ratings
///   (or `r̂_ij −= u_it · Δv_jt` over the worker's ratings of the item; skipped when `Δ = 0`) and
///   `copy = new`.
/// - **Wire per round** (values counted by the runtime at its `value_bytes` each, ids at `key_bytes`):
///   user round: worker `w` gets `m_w` ids and returns `2 m_w` values; the commit of `m` values goes to
///   every worker. Item round of `B` items: every worker gets `B` ids and returns `2B` values; the commit of
///   `B` values goes to every worker.
/// - **Work** (`N_w` = the worker's ratings touched): schedule: `bytes = 4·(ids written)`, no flops.
///   Push: `flops = 6 N_w` (`u·v`, `+ r̂`, `× u` or `× v`, accumulate, square, accumulate); user round
///   `bytes = 20 N_w + 24 m_w` (per rating item id, residual and `v_jt`; per user `u_it` read and the pair
///   written), item round `bytes = 24 N_w + 24 B` (per rating its position, local user, residual and
///   `u_it`; per item `v_jt` and the pair). Pull per variable: `2W + 2` flops and `16W + 16` bytes for
///   items (sum of `W` pairs, the add of `λ`, the quotient; pairs read, model and commit written), `2`
///   flops and `32` bytes for users. Apply: per variable 1 flop and 24 bytes (`Δ`, copy read and
///   written), per rating updated 2 flops and 28 (users) or 32 (items) bytes.
#[derive(Clone, Debug)]
pub struct StradsMf {
    ratings: Arc<Ratings>,
    cfg: StradsMfConfig,
    shards: Vec<Shard>,
    /// `user_offset[w]` = users of workers `0..w` (position of worker `w`'s slice in a user commit).
    user_offset: Vec<usize>,
    block: usize,
    item_rounds: u64,
    name: String,
}

impl StradsMf {
    /// The program on `ratings` with settings `cfg`; named `"matrix factorisation (CCD++, STRADS)"` (see
    /// [`Self::with_name`]).
    ///
    /// # Errors
    /// [`ProgramError::InvalidConfig`] if `workers`, `rank`, `block` or `inner_iterations` is 0; `workers`
    /// exceeds the number of users; `l2` is negative or not finite; the data has no rating, a rating
    /// outside `users × items` or a non-finite rating (field `"data"`); or `rank · (users + items)`
    /// exceeds the `2^32` variable ids (field `"rank"`).
    pub fn new(ratings: impl Into<Arc<Ratings>>, cfg: StradsMfConfig) -> Result<Self, ProgramError> {
        let ratings = ratings.into();
        let bad = |field: &'static str, message: String| Err(ProgramError::InvalidConfig { field, message });
        if cfg.workers == 0 {
            return bad("workers", "must be at least 1".into());
        }
        if cfg.workers > ratings.users as usize {
            return bad("workers", format!("{} exceeds the {} users", cfg.workers, ratings.users));
        }
        if cfg.rank == 0 {
            return bad("rank", "must be at least 1".into());
        }
        if !(cfg.l2.is_finite() && cfg.l2 >= 0.0) {
            return bad("l2", format!("{} is not non-negative and finite", cfg.l2));
        }
        if cfg.block == 0 {
            return bad("block", "must be at least 1".into());
        }
        if cfg.inner_iterations == 0 {
            return bad("inner_iterations", "must be at least 1".into());
        }
        if ratings.entries.is_empty() {
            return bad("data", "no ratings".into());
        }
        if let Some(p) =
            ratings.entries.iter().position(|&(u, i, r)| u >= ratings.users || i >= ratings.items || !r.is_finite())
        {
            let (u, i, r) = ratings.entries[p];
            return bad(
                "data",
                format!(
                    "rating {p} ({u}, {i}, {r}) is outside {} users × {} items or not finite",
                    ratings.users, ratings.items
                ),
            );
        }
        let vars = u64::from(cfg.rank) * (u64::from(ratings.users) + u64::from(ratings.items));
        if vars > 1 << 32 {
            return bad("rank", format!("{vars} variables exceed the 2^32 variable ids"));
        }

        let (m, n) = (ratings.users as usize, ratings.items as usize);
        let split = BatchPlan::new(m, cfg.workers, 1, cfg.seed, "users")?;
        // Ratings of each user, in data order.
        let mut count = vec![0usize; m + 1];
        for &(u, _, _) in &ratings.entries {
            count[u as usize + 1] += 1;
        }
        for i in 0..m {
            count[i + 1] += count[i];
        }
        let mut of_user = vec![0u32; ratings.entries.len()];
        let mut fill = count.clone();
        for (p, &(u, _, _)) in ratings.entries.iter().enumerate() {
            of_user[fill[u as usize]] = p as u32;
            fill[u as usize] += 1;
        }
        let shards: Vec<Shard> = (0..cfg.workers)
            .map(|w| {
                let mut users = split.partition(w).to_vec();
                users.sort_unstable();
                let mut user_ptr = vec![0];
                let (mut item, mut rating, mut local_user) = (Vec::new(), Vec::new(), Vec::new());
                for (p, &u) in users.iter().enumerate() {
                    for &e in &of_user[count[u as usize]..count[u as usize + 1]] {
                        let (_, j, r) = ratings.entries[e as usize];
                        item.push(j);
                        rating.push(f64::from(r));
                        local_user.push(p as u32);
                    }
                    user_ptr.push(item.len());
                }
                let mut item_ptr = vec![0usize; n + 1];
                for &j in &item {
                    item_ptr[j as usize + 1] += 1;
                }
                for j in 0..n {
                    item_ptr[j + 1] += item_ptr[j];
                }
                let mut by_item = vec![0u32; item.len()];
                let mut fill = item_ptr.clone();
                for (q, &j) in item.iter().enumerate() {
                    by_item[fill[j as usize]] = q as u32;
                    fill[j as usize] += 1;
                }
                Shard { users, user_ptr, item, rating, local_user, item_ptr, by_item }
            })
            .collect();
        let mut user_offset = vec![0];
        for s in &shards {
            user_offset.push(user_offset.last().unwrap() + s.users.len());
        }
        let block = cfg.block.min(n.max(1));
        let item_rounds = n.div_ceil(block) as u64;
        Ok(StradsMf {
            ratings,
            cfg,
            shards,
            user_offset,
            block,
            item_rounds,
            name: "matrix factorisation (CCD++, STRADS)".into(),
        })
    }

    /// The same program reported under `name` (e.g. `"MF (movielens-100k), STRADS CCD++"`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The training ratings.
    pub fn ratings(&self) -> &Ratings {
        &self.ratings
    }

    /// The settings.
    pub fn config(&self) -> &StradsMfConfig {
        &self.cfg
    }

    /// The user ids of `worker`'s shard, ascending (the order of its user-round tasks).
    ///
    /// # Panics
    /// If `worker >= workers`.
    pub fn users_of(&self, worker: usize) -> &[u32] {
        &self.shards[worker].users
    }

    /// Rounds in one outer CCD++ iteration (every column refit `T` times): `k · T · (1 + ⌈items / block⌉)`.
    pub fn rounds_per_iteration(&self) -> u64 {
        u64::from(self.cfg.rank) * u64::from(self.cfg.inner_iterations) * (1 + self.item_rounds)
    }

    /// Where round `round` sits in the static rotation (see [`StradsMf`], "Schedule").
    pub fn round_plan(&self, round: u64) -> MfRound {
        let group = 1 + self.item_rounds;
        let per_column = u64::from(self.cfg.inner_iterations) * group;
        let outer = round / self.rounds_per_iteration();
        let rem = round % self.rounds_per_iteration();
        let (column, rem) = ((rem / per_column) as u32, rem % per_column);
        let (inner, phase) = ((rem / group) as u32, rem % group);
        let phase = if phase == 0 {
            MfPhase::Users
        } else {
            let first = (phase - 1) as usize * self.block;
            let end = (first + self.block).min(self.ratings.items as usize);
            MfPhase::Items { first: first as u32, end: end as u32 }
        };
        MfRound { outer, column, inner, phase }
    }

    /// The variable id of `var` (see [`StradsMf`], "Variables").
    ///
    /// # Panics
    /// If the column, user or item is out of range.
    pub fn var_id(&self, var: MfVar) -> u32 {
        let (m, n) = (u64::from(self.ratings.users), u64::from(self.ratings.items));
        let id = match var {
            MfVar::User { column, user } => {
                assert!(column < self.cfg.rank && u64::from(user) < m, "{var:?} out of range");
                u64::from(column) * (m + n) + u64::from(user)
            }
            MfVar::Item { column, item } => {
                assert!(column < self.cfg.rank && u64::from(item) < n, "{var:?} out of range");
                u64::from(column) * (m + n) + m + u64::from(item)
            }
        };
        id as u32
    }

    /// Decodes a variable id of [`Self::var_id`].
    ///
    /// # Panics
    /// If `id ≥ k · (users + items)`.
    pub fn decode_var(&self, id: u32) -> MfVar {
        let (m, n) = (u64::from(self.ratings.users), u64::from(self.ratings.items));
        let id = u64::from(id);
        assert!(id < u64::from(self.cfg.rank) * (m + n), "variable id {id} out of range");
        let (column, index) = ((id / (m + n)) as u32, id % (m + n));
        if index < m {
            MfVar::User { column, user: index as u32 }
        } else {
            MfVar::Item { column, item: (index - m) as u32 }
        }
    }

    /// Sum over all ratings of `(r_ij − u_iᵀv_j)²` [squared rating units].
    fn squared_error(&self, model: &StradsMfModel) -> f64 {
        self.ratings
            .entries
            .iter()
            .map(|&(i, j, r)| {
                let e = f64::from(r) - dot(model.user(i), model.item(j));
                e * e
            })
            .sum()
    }

    /// Training root-mean-square error `sqrt((1/|Ω|) Σ_Ω (r_ij − u_iᵀv_j)²)` [rating units] of `model`,
    /// without regularisation.
    pub fn rmse(&self, model: &StradsMfModel) -> f64 {
        (self.squared_error(model) / self.ratings.entries.len() as f64).sqrt()
    }

    /// The CCD++ objective `F(U, V)` of `model` (see [`StradsMf`]) [squared rating units].
    pub fn objective_of(&self, model: &StradsMfModel) -> f64 {
        let reg: f64 = model.u.iter().chain(&model.v).map(|x| x * x).sum();
        self.squared_error(model) + self.cfg.l2 * reg
    }

    /// CCD++'s one-variable solution `num / (λ + den)` (0 where the denominator is 0).
    fn solve(&self, num: f64, den: f64) -> f64 {
        let d = self.cfg.l2 + den;
        if d > 0.0 {
            num / d
        } else {
            0.0
        }
    }

    /// The column and side shared by all of `vars` (a round's task).
    fn task_column(&self, vars: &[u32]) -> (u32, bool) {
        let key = |id: u32| match self.decode_var(id) {
            MfVar::User { column, .. } => (column, true),
            MfVar::Item { column, .. } => (column, false),
        };
        let first = key(vars[0]);
        assert!(vars.iter().all(|&v| key(v) == first), "a task mixes columns or sides");
        first
    }

    fn item_of(&self, id: u32) -> usize {
        match self.decode_var(id) {
            MfVar::Item { item, .. } => item as usize,
            MfVar::User { .. } => unreachable!("checked by task_column"),
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn model_mut(model: &mut dyn Any) -> &mut StradsMfModel {
    model.downcast_mut().expect("StradsMf needs the model of initial_model")
}

fn worker_mut(state: &mut dyn Any) -> &mut StradsMfWorkerState {
    state.downcast_mut().expect("StradsMf needs the state of initial_worker_state")
}

impl ModelParallelProgram for StradsMf {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn objective_name(&self) -> String {
        "Σ(r − uᵀv)² + λ(‖U‖² + ‖V‖²)".into()
    }

    fn workers(&self) -> usize {
        self.cfg.workers
    }

    fn initial_model(&self) -> Box<dyn Any + Send> {
        let k = self.cfg.rank as usize;
        let mut rng = stream(self.cfg.seed, StreamKind::ModelInit, 0);
        let v = (0..self.ratings.items as usize * k).map(|_| INIT_SCALE * rng.random::<f64>()).collect();
        Box::new(StradsMfModel { rank: k, u: vec![0.0; self.ratings.users as usize * k], v })
    }

    fn initial_scheduler_state(&self) -> Box<dyn Any + Send> {
        Box::new(())
    }

    fn initial_worker_state(&self, worker: usize) -> Box<dyn Any + Send> {
        let model = self.initial_model();
        let model: &StradsMfModel = model.downcast_ref().expect("own model");
        let shard = &self.shards[worker];
        let k = self.cfg.rank as usize;
        let u: Vec<f64> = shard.users.iter().flat_map(|&i| model.user(i).iter().copied()).collect();
        let residual = (0..shard.item.len())
            .map(|q| {
                let p = shard.local_user[q] as usize;
                shard.rating[q] - dot(&u[p * k..(p + 1) * k], model.item(shard.item[q]))
            })
            .collect();
        Box::new(StradsMfWorkerState { worker, residual, u, v: model.v.clone() })
    }

    fn schedule(&self, round: u64, _state: &mut dyn Any, _model: &dyn Any) -> Schedule {
        let plan = self.round_plan(round);
        let t = plan.column;
        let tasks: Vec<Task> = match plan.phase {
            MfPhase::Users => self
                .shards
                .iter()
                .map(|s| Task {
                    vars: s.users.iter().map(|&user| self.var_id(MfVar::User { column: t, user })).collect(),
                    values: Vec::new(),
                })
                .collect(),
            MfPhase::Items { first, end } => {
                let vars: Vec<u32> = (first..end).map(|item| self.var_id(MfVar::Item { column: t, item })).collect();
                vec![Task { vars, values: Vec::new() }; self.cfg.workers]
            }
        };
        let ids: u64 = tasks.iter().map(|t| t.vars.len() as u64).sum();
        Schedule { tasks, work: Work { flops: 0, bytes: 4 * ids } }
    }

    fn push(&self, worker: usize, _round: u64, task: &Task, state: &mut dyn Any) -> Partial {
        let st = worker_mut(state);
        assert_eq!(st.worker, worker, "state of worker {} passed to worker {worker}", st.worker);
        if task.vars.is_empty() {
            return Partial::default();
        }
        let shard = &self.shards[worker];
        let k = self.cfg.rank as usize;
        let (t, users) = self.task_column(&task.vars);
        let t = t as usize;
        let mut values = Vec::with_capacity(2 * task.vars.len());
        let mut touched = 0u64;
        if users {
            assert_eq!(task.vars.len(), shard.users.len(), "a user round schedules all of the worker's users");
            for (p, &id) in task.vars.iter().enumerate() {
                assert_eq!(self.decode_var(id), MfVar::User { column: t as u32, user: shard.users[p] });
                let u = st.u[p * k + t];
                let (mut num, mut den) = (0.0, 0.0);
                for q in shard.user_ptr[p]..shard.user_ptr[p + 1] {
                    let v = st.v[shard.item[q] as usize * k + t];
                    num += (st.residual[q] + u * v) * v;
                    den += v * v;
                }
                touched += (shard.user_ptr[p + 1] - shard.user_ptr[p]) as u64;
                values.extend([num, den]);
            }
        } else {
            for &id in &task.vars {
                let j = self.item_of(id);
                let v = st.v[j * k + t];
                let (mut num, mut den) = (0.0, 0.0);
                for &q in &shard.by_item[shard.item_ptr[j]..shard.item_ptr[j + 1]] {
                    let q = q as usize;
                    let u = st.u[shard.local_user[q] as usize * k + t];
                    num += (st.residual[q] + u * v) * u;
                    den += u * u;
                }
                touched += (shard.item_ptr[j + 1] - shard.item_ptr[j]) as u64;
                values.extend([num, den]);
            }
        }
        let vars = task.vars.len() as u64;
        let per_rating = if users { 20 } else { 24 };
        Partial { values, work: Work { flops: 6 * touched, bytes: per_rating * touched + 24 * vars } }
    }

    fn pull(
        &self,
        _round: u64,
        schedule: &Schedule,
        partials: &[Option<Partial>],
        model: &mut dyn Any,
        _state: &mut dyn Any,
    ) -> Commit {
        let model = model_mut(model);
        let k = self.cfg.rank as usize;
        let Some(first) = schedule.tasks.iter().find(|t| !t.vars.is_empty()) else {
            return Commit::default();
        };
        let (t, users) = self.task_column(&first.vars);
        let t = t as usize;
        let mut values = Vec::new();
        let work;
        if users {
            for (task, partial) in schedule.tasks.iter().zip(partials) {
                let Some(partial) = partial else { continue };
                assert_eq!(partial.values.len(), 2 * task.vars.len(), "a user partial has a pair per user");
                for (&id, pair) in task.vars.iter().zip(partial.values.chunks_exact(2)) {
                    let MfVar::User { user, .. } = self.decode_var(id) else { unreachable!("checked") };
                    let new = self.solve(pair[0], pair[1]);
                    model.u[user as usize * k + t] = new;
                    values.push(new);
                }
            }
            work = Work { flops: 2 * values.len() as u64, bytes: 32 * values.len() as u64 };
        } else {
            let b = first.vars.len();
            let mut sums = vec![0.0; 2 * b];
            let mut contributors = 0u64;
            for (task, partial) in schedule.tasks.iter().zip(partials) {
                let Some(partial) = partial else { continue };
                assert_eq!(task.vars, first.vars, "every worker of an item round has the same block");
                assert_eq!(partial.values.len(), 2 * b, "an item partial has a pair per item");
                for (s, x) in sums.iter_mut().zip(&partial.values) {
                    *s += x;
                }
                contributors += 1;
            }
            for (&id, pair) in first.vars.iter().zip(sums.chunks_exact(2)) {
                let j = self.item_of(id);
                let new = self.solve(pair[0], pair[1]);
                model.v[j * k + t] = new;
                values.push(new);
            }
            let b = b as u64;
            work = Work { flops: b * (2 * contributors + 2), bytes: b * (16 * contributors + 16) };
        }
        Commit { values, work, parallelization_error: 0.0 }
    }

    fn apply(&self, worker: usize, _round: u64, task: &Task, commit: &Commit, state: &mut dyn Any) -> Work {
        let st = worker_mut(state);
        assert_eq!(st.worker, worker, "state of worker {} passed to worker {worker}", st.worker);
        if task.vars.is_empty() {
            return Work::default();
        }
        let shard = &self.shards[worker];
        let k = self.cfg.rank as usize;
        let (t, users) = self.task_column(&task.vars);
        let t = t as usize;
        let mut touched = 0u64;
        if users {
            assert_eq!(commit.values.len(), *self.user_offset.last().unwrap(), "a user commit has every user");
            let mine = &commit.values[self.user_offset[worker]..self.user_offset[worker + 1]];
            for (p, &new) in mine.iter().enumerate() {
                let delta = new - st.u[p * k + t];
                if delta != 0.0 {
                    for q in shard.user_ptr[p]..shard.user_ptr[p + 1] {
                        st.residual[q] -= delta * st.v[shard.item[q] as usize * k + t];
                    }
                    touched += (shard.user_ptr[p + 1] - shard.user_ptr[p]) as u64;
                }
                st.u[p * k + t] = new;
            }
        } else {
            assert_eq!(commit.values.len(), task.vars.len(), "an item commit has every block item");
            for (&id, &new) in task.vars.iter().zip(&commit.values) {
                let j = self.item_of(id);
                let delta = new - st.v[j * k + t];
                if delta != 0.0 {
                    for &q in &shard.by_item[shard.item_ptr[j]..shard.item_ptr[j + 1]] {
                        let q = q as usize;
                        st.residual[q] -= st.u[shard.local_user[q] as usize * k + t] * delta;
                    }
                    touched += (shard.item_ptr[j + 1] - shard.item_ptr[j]) as u64;
                }
                st.v[j * k + t] = new;
            }
        }
        let vars = if users { shard.users.len() } else { task.vars.len() } as u64;
        let per_rating = if users { 28 } else { 32 };
        Work { flops: vars + 2 * touched, bytes: 24 * vars + per_rating * touched }
    }

    fn objective(&self, model: &dyn Any) -> f64 {
        self.objective_of(model.downcast_ref().expect("StradsMf needs the model of initial_model"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;

    fn cfg(workers: usize, rank: u32, block: usize, inner: u32) -> StradsMfConfig {
        StradsMfConfig { workers, rank, l2: 0.1, block, inner_iterations: inner, seed: 17 }
    }

    /// The sequential STRADS loop (pipeline depth 0): schedule → push → pull → apply, round after round;
    /// `each` sees the model after every round.
    fn drive(
        prog: &StradsMf,
        rounds: u64,
        mut each: impl FnMut(u64, &StradsMfModel),
    ) -> (Box<dyn Any + Send>, Vec<Box<dyn Any + Send>>) {
        let mut model = prog.initial_model();
        let mut sched = prog.initial_scheduler_state();
        let mut states: Vec<_> = (0..prog.workers()).map(|w| prog.initial_worker_state(w)).collect();
        for round in 0..rounds {
            let schedule = prog.schedule(round, sched.as_mut(), model.as_ref());
            let partials: Vec<Option<Partial>> = schedule
                .tasks
                .iter()
                .zip(states.iter_mut())
                .enumerate()
                .map(|(w, (task, s))| (!task.vars.is_empty()).then(|| prog.push(w, round, task, s.as_mut())))
                .collect();
            let commit = prog.pull(round, &schedule, &partials, model.as_mut(), sched.as_mut());
            for (w, (task, s)) in schedule.tasks.iter().zip(states.iter_mut()).enumerate() {
                if !task.vars.is_empty() {
                    prog.apply(w, round, task, &commit, s.as_mut());
                }
            }
            each(round, model.downcast_ref().unwrap());
        }
        (model, states)
    }

    /// Plain sequential CCD++ (Yu et al., ICDM 2012) in its own bookkeeping: the residual
    /// `R = A − UVᵀ` on Ω, per column `R̂ = R + u_t v_tᵀ`, `T` alternating closed-form refits of `u_t` then
    /// `v_t` against `R̂`, then `R = R̂ − u_t v_tᵀ`.
    fn sequential_ccdpp(
        ratings: &Ratings,
        rank: usize,
        l2: f64,
        inner: u32,
        outer: u32,
        v0: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let (m, n) = (ratings.users as usize, ratings.items as usize);
        let mut u = vec![0.0; m * rank];
        let mut v = v0.to_vec();
        let mut res: Vec<f64> = ratings
            .entries
            .iter()
            .map(|&(i, j, r)| f64::from(r) - dot(&u[i as usize * rank..][..rank], &v[j as usize * rank..][..rank]))
            .collect();
        for _ in 0..outer {
            for t in 0..rank {
                let mut rhat: Vec<f64> = ratings
                    .entries
                    .iter()
                    .zip(&res)
                    .map(|(&(i, j, _), r)| r + u[i as usize * rank + t] * v[j as usize * rank + t])
                    .collect();
                for _ in 0..inner {
                    let (mut num, mut den) = (vec![0.0; m], vec![0.0; m]);
                    for (&(i, j, _), r) in ratings.entries.iter().zip(&rhat) {
                        let vj = v[j as usize * rank + t];
                        num[i as usize] += r * vj;
                        den[i as usize] += vj * vj;
                    }
                    for i in 0..m {
                        u[i * rank + t] = if l2 + den[i] > 0.0 { num[i] / (l2 + den[i]) } else { 0.0 };
                    }
                    let (mut num, mut den) = (vec![0.0; n], vec![0.0; n]);
                    for (&(i, j, _), r) in ratings.entries.iter().zip(&rhat) {
                        let ui = u[i as usize * rank + t];
                        num[j as usize] += r * ui;
                        den[j as usize] += ui * ui;
                    }
                    for j in 0..n {
                        v[j * rank + t] = if l2 + den[j] > 0.0 { num[j] / (l2 + den[j]) } else { 0.0 };
                    }
                }
                for ((&(i, j, _), r), rh) in ratings.entries.iter().zip(res.iter_mut()).zip(rhat.iter_mut()) {
                    *rh -= u[i as usize * rank + t] * v[j as usize * rank + t];
                    *r = *rh;
                }
            }
        }
        (u, v)
    }

    fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
        let scale = b.iter().fold(0.0f64, |s, x| s.max(x.abs())).max(1e-300);
        a.iter().zip(b).fold(0.0f64, |s, (x, y)| s.max((x - y).abs())) / scale
    }

    #[test]
    fn parallel_rounds_equal_sequential_ccdpp() {
        let ratings = synthetic::low_rank(40, 30, 3, 12, 0.1, 5);
        let (rank, inner, outer) = (4, 2, 3);
        for workers in [1, 4] {
            let prog = StradsMf::new(ratings.clone(), cfg(workers, rank, 7, inner)).unwrap();
            assert_eq!(prog.rounds_per_iteration(), 4 * 2 * (1 + 5));
            let v0 = prog.initial_model().downcast_ref::<StradsMfModel>().unwrap().v.clone();
            let (model, states) = drive(&prog, u64::from(outer) * prog.rounds_per_iteration(), |_, _| {});
            let model = model.downcast_ref::<StradsMfModel>().unwrap();
            let (u, v) = sequential_ccdpp(&ratings, rank as usize, 0.1, inner, outer, &v0);
            let (du, dv) = (max_rel_diff(&model.u, &u), max_rel_diff(&model.v, &v));
            eprintln!("{workers} worker(s): max relative difference from sequential CCD++: U {du:e}, V {dv:e}");
            assert!(du < 1e-9 && dv < 1e-9, "{workers} workers: U differs by {du:e}, V by {dv:e} (relative)");
            // The workers' copies are bit-equal to the model, and their residuals are r − uᵀv.
            let k = rank as usize;
            for (w, s) in states.iter().enumerate() {
                let s = s.downcast_ref::<StradsMfWorkerState>().unwrap();
                assert_eq!(s.item_factors(), model.item_factors());
                let mine: Vec<f64> = prog.users_of(w).iter().flat_map(|&i| model.user(i).to_vec()).collect();
                assert_eq!(s.user_factors(), &mine[..]);
                let shard = &prog.shards[w];
                for (q, r) in s.residuals().iter().enumerate() {
                    let p = shard.local_user[q] as usize;
                    let exact = shard.rating[q] - dot(&s.u[p * k..(p + 1) * k], model.item(shard.item[q]));
                    assert!((r - exact).abs() < 1e-9, "worker {w} residual {q}: {r} vs {exact}");
                }
            }
        }
    }

    /// A MovieLens-like set: 1–5 integer stars from a rank-4 signal around 3.5.
    fn stars(users: u32, items: u32, per_user: u32, seed: u64) -> Ratings {
        let mut r = synthetic::low_rank(users, items, 4, per_user, 0.5, seed);
        for e in &mut r.entries {
            e.2 = (3.5 + e.2).round().clamp(1.0, 5.0);
        }
        r
    }

    #[test]
    fn objective_never_increases() {
        let prog = StradsMf::new(stars(120, 90, 20, 3), cfg(3, 5, 25, 1)).unwrap();
        let mut last = prog.objective(prog.initial_model().as_ref());
        let initial = (last, prog.rmse(prog.initial_model().downcast_ref().unwrap()));
        let mut rmse = 0.0;
        drive(&prog, 4 * prog.rounds_per_iteration(), |round, model| {
            let f = prog.objective_of(model);
            assert!(f <= last * (1.0 + 1e-12), "round {round}: objective rose from {last} to {f}");
            last = f;
            rmse = prog.rmse(model);
        });
        eprintln!("objective {:.2} → {last:.2}, RMSE {:.4} → {rmse:.4} after 4 iterations", initial.0, initial.1);
        assert!(last < 0.2 * initial.0, "objective {last} vs initial {}", initial.0);
        assert!(rmse < 0.8 && rmse < initial.1 / 3.0, "RMSE {rmse} (initial {})", initial.1);
    }

    #[test]
    fn rounds_follow_the_rotation_and_every_worker_works() {
        let prog = StradsMf::new(stars(20, 11, 5, 1), cfg(3, 2, 4, 2)).unwrap();
        let mut users: Vec<u32> = (0..3).flat_map(|w| prog.users_of(w).to_vec()).collect();
        users.sort_unstable();
        assert_eq!(users, (0..20).collect::<Vec<_>>());
        let per = prog.rounds_per_iteration();
        assert_eq!(per, 2 * 2 * 4);
        let plans: Vec<MfRound> = (0..per + 1).map(|r| prog.round_plan(r)).collect();
        assert_eq!(plans[0], MfRound { outer: 0, column: 0, inner: 0, phase: MfPhase::Users });
        assert_eq!(plans[3].phase, MfPhase::Items { first: 8, end: 11 });
        assert_eq!((plans[4].inner, plans[4].phase), (1, MfPhase::Users));
        assert_eq!((plans[8].column, plans[8].inner), (1, 0));
        assert_eq!((plans[per as usize].outer, plans[per as usize].column), (1, 0));
        let (model, mut sched) = (prog.initial_model(), prog.initial_scheduler_state());
        for r in 0..per {
            let s = prog.schedule(r, sched.as_mut(), model.as_ref());
            assert!(s.tasks.len() == 3 && s.tasks.iter().all(|t| !t.vars.is_empty() && t.values.is_empty()));
            for t in &s.tasks {
                for &id in &t.vars {
                    assert_eq!(prog.var_id(prog.decode_var(id)), id);
                }
            }
        }
        assert_eq!(
            prog.decode_var(prog.var_id(MfVar::Item { column: 1, item: 10 })),
            MfVar::Item { column: 1, item: 10 }
        );
        assert_eq!(prog.var_id(MfVar::Item { column: 1, item: 0 }), 31 + 20);
    }

    #[test]
    fn rejects_bad_configs() {
        let ratings = stars(5, 4, 3, 2);
        let field = |c: StradsMfConfig| match StradsMf::new(ratings.clone(), c) {
            Err(ProgramError::InvalidConfig { field, .. }) => field,
            Ok(_) => "ok",
        };
        assert_eq!(field(cfg(5, 2, 1, 1)), "ok");
        assert_eq!(field(cfg(0, 2, 1, 1)), "workers");
        assert_eq!(field(cfg(6, 2, 1, 1)), "workers");
        assert_eq!(field(cfg(1, 0, 1, 1)), "rank");
        assert_eq!(field(cfg(1, 2, 0, 1)), "block");
        assert_eq!(field(cfg(1, 2, 1, 0)), "inner_iterations");
        assert_eq!(field(StradsMfConfig { l2: -0.1, ..cfg(1, 2, 1, 1) }), "l2");
        assert_eq!(field(StradsMfConfig { l2: f64::NAN, ..cfg(1, 2, 1, 1) }), "l2");
        assert_eq!(field(StradsMfConfig { l2: 0.0, ..cfg(1, 2, 1, 1) }), "ok");
        assert_eq!(field(StradsMfConfig { rank: u32::MAX, ..cfg(1, 2, 1, 1) }), "rank");
        let bad = Ratings { users: 1, items: 1, entries: vec![(0, 1, 1.0)] };
        assert!(matches!(StradsMf::new(bad, cfg(1, 1, 1, 1)), Err(ProgramError::InvalidConfig { field: "data", .. })));
        let empty = Ratings { users: 1, items: 1, entries: vec![] };
        assert!(matches!(
            StradsMf::new(empty, cfg(1, 1, 1, 1)),
            Err(ProgramError::InvalidConfig { field: "data", .. })
        ));
    }
}
