//! Device placement for DNN training: choose the data × tensor × pipeline degrees, the micro-batch
//! size and the device of every rank so that one training iteration, as the simulator runs it, is as
//! short as possible, with every device's memory a hard constraint.
//!
//! A [`Problem`] is a job on a platform with a starting configuration (its split and micro-batch size
//! define the sequential baseline). [`Placer`]s search it: the sequential rank-order baseline
//! (Megatron-LM's default mapping), random mappings, a topology-aware constructive placement and a
//! seeded, budgeted simulated annealing whose candidates are scored by the simulator itself
//! ([`placers`]). Every candidate is scored by [`sim_core::training::run_iteration`]; budgets count
//! simulated candidates, never wall time, and a batch of candidates is generated sequentially from one
//! seeded stream and evaluated in parallel with results collected in order, so a search gives the same
//! plan for any thread count. [`locality`] measures how sparse and local a plan's traffic is.

pub mod locality;
pub mod order;
pub mod placers;

use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use sim_core::training::{check_iteration, run_iteration, Parallelism, TrainingConfig, TrainingError, TrainingJob};
use sim_core::{NetworkModel, NodeId, PathSelection, Platform, SimDuration};

pub use locality::{locality, Locality};
pub use order::{chain_order, domain_size, locality_order, AxisOrder};
pub use placers::{Annealing, Random, Sequential, TopologyAware};

/// A placement problem: a job, a platform and the configuration plans start from.
#[derive(Clone, Debug)]
pub struct Problem<'a> {
    /// The platform; its hosts are the candidate devices.
    pub platform: &'a Platform,
    /// The job.
    pub job: &'a TrainingJob,
    /// Everything but the plan (schedule, ZeRO, recomputation, buckets, …). Its parallelism and
    /// micro-batch size are the sequential baseline's, and its device count `d · t · p` is kept by
    /// every plan. Its `stage_layers` is kept for plans with the same pipeline degree.
    pub base: TrainingConfig,
    /// How flows share links.
    pub model: NetworkModel,
    /// How routes pick among equal-cost paths.
    pub selection: PathSelection,
    /// Whether plans may change the data, tensor and pipeline degrees.
    pub splits: bool,
    /// Micro-batch sizes plans may use (each ≥ 1; empty means the base's only).
    pub micro_batches: Vec<u64>,
}

/// Data, tensor and pipeline degrees `(d, t, p)`.
pub type Split = (u32, u32, u32);

/// A plan: the split, the micro-batch size and the device of every rank.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Plan {
    /// Data, tensor and pipeline degrees as `(data, tensor, pipeline)`.
    pub split: Split,
    /// Samples per micro-batch.
    pub micro_batch_size: u64,
    /// Devices in Megatron-LM's rank order ([`Parallelism::coordinates`]).
    pub devices: Vec<NodeId>,
}

impl Plan {
    /// The plan's degrees.
    pub fn parallelism(&self) -> Parallelism {
        let (data, tensor, pipeline) = self.split;
        Parallelism { data, tensor, pipeline }
    }
}

/// What a placer chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// The best plan found.
    pub plan: Plan,
    /// Its simulated iteration time [ps].
    pub iteration_time: SimDuration,
    /// Candidates the placer had simulated (cache hits included; memory-infeasible candidates,
    /// rejected without simulating, excluded). Never above the budget.
    pub evaluations: u32,
    /// Which of the placer's own candidates won, e.g. `"sequential (fallback)"`.
    pub origin: String,
}

/// Why no plan could be found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlacementError {
    /// No split and micro-batch size in the search space fits in memory.
    #[error("the job fits nowhere: of {candidates} splits × micro-batch sizes, the closest ({data}×{tensor}×{pipeline}, micro-batch {micro_batch}) needs {need_gib:.2} GiB on {device} but it holds {capacity_gib:.2} GiB, {short_gib:.2} GiB short; add devices, recomputation or ZeRO")]
    FitsNowhere {
        /// Candidates tried.
        candidates: usize,
        /// Data-parallel degree of the closest candidate.
        data: u32,
        /// Its tensor-parallel degree.
        tensor: u32,
        /// Its pipeline degree.
        pipeline: u32,
        /// Its micro-batch size.
        micro_batch: u64,
        /// The device that overflows.
        device: String,
        /// What it needs [GiB].
        need_gib: f64,
        /// What it holds [GiB].
        capacity_gib: f64,
        /// The smallest shortfall over all candidates [GiB].
        short_gib: f64,
    },
    /// No candidate is valid for a reason other than memory (batch, stage split, devices).
    #[error("no valid split: {0}")]
    NoValidSplit(TrainingError),
    /// The sequential baseline's own split is not valid.
    #[error("the runtime's split: {0}")]
    Baseline(TrainingError),
    /// The budget is 0.
    #[error("the budget must allow at least one evaluation")]
    ZeroBudget,
    /// A simulation failed (routing or a collective).
    #[error("simulating a candidate: {0}")]
    Simulation(TrainingError),
}

/// Memoized scoring of plans by the simulator, shared by the placers of one problem.
pub struct Evaluator<'a> {
    problem: &'a Problem<'a>,
    cache: Mutex<BTreeMap<Plan, Result<SimDuration, TrainingError>>>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of `problem` with an empty cache.
    pub fn new(problem: &'a Problem<'a>) -> Self {
        Evaluator { problem, cache: Mutex::new(BTreeMap::new()) }
    }

    /// The problem.
    pub fn problem(&self) -> &'a Problem<'a> {
        self.problem
    }

    /// The configuration a plan runs with ([`plan_config`]).
    pub fn config(&self, plan: &Plan) -> TrainingConfig {
        plan_config(&self.problem.base, plan)
    }

    /// Checks `plan` without simulating it ([`check_iteration`]: degrees, batch, stage split,
    /// devices and memory).
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(&self, plan: &Plan) -> Result<(), TrainingError> {
        check_iteration(self.problem.platform, self.problem.job, &self.config(plan))
    }

    /// Iteration time of each plan [ps], in order: infeasible plans get their check error without
    /// being simulated; the others are simulated in parallel (or taken from the cache).
    pub fn evaluate(&self, plans: &[Plan]) -> Vec<Result<SimDuration, TrainingError>> {
        plans
            .par_iter()
            .map(|plan| {
                if let Some(r) = self.cache.lock().expect("no panics while held").get(plan) {
                    return r.clone();
                }
                let p = self.problem;
                let r = run_iteration(p.platform, p.job, &self.config(plan), p.model, p.selection)
                    .map(|run| run.iteration_time);
                self.cache.lock().expect("no panics while held").insert(plan.clone(), r.clone());
                r
            })
            .collect()
    }
}

/// One placer's use of an [`Evaluator`] under a budget of simulated candidates.
pub struct Session<'e, 'a> {
    evaluator: &'e Evaluator<'a>,
    budget: u32,
    used: u32,
}

impl<'e, 'a> Session<'e, 'a> {
    /// A session allowed `budget` simulated candidates.
    pub fn new(evaluator: &'e Evaluator<'a>, budget: u32) -> Self {
        Session { evaluator, budget, used: 0 }
    }

    /// The evaluator.
    pub fn evaluator(&self) -> &'e Evaluator<'a> {
        self.evaluator
    }

    /// Simulated candidates left.
    pub fn remaining(&self) -> u32 {
        self.budget - self.used
    }

    /// Candidates simulated so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// Scores `plans` in order: memory-infeasible or otherwise invalid plans are dropped unsimulated;
    /// the valid ones are simulated until the budget is spent (later ones are dropped). Returns the
    /// simulated plans with their iteration times [ps], in the order given.
    ///
    /// # Errors
    /// [`PlacementError::Simulation`] if a valid plan fails to simulate (routing, collectives).
    pub fn score(&mut self, plans: Vec<Plan>) -> Result<Vec<(Plan, SimDuration)>, PlacementError> {
        let mut valid: Vec<Plan> = plans.into_iter().filter(|p| self.evaluator.check(p).is_ok()).collect();
        valid.truncate(self.remaining() as usize);
        self.used += valid.len() as u32;
        let times = self.evaluator.evaluate(&valid);
        valid.into_iter().zip(times).map(|(p, t)| t.map(|t| (p, t)).map_err(PlacementError::Simulation)).collect()
    }
}

/// A placement algorithm. Implementations must be deterministic functions of the problem, the budget
/// and the seed (whatever the thread count), and must not simulate more than `budget` candidates.
pub trait Placer: Sync {
    /// Short name for reports, e.g. `"annealing"`.
    fn name(&self) -> &'static str;

    /// Finds a plan for `evaluator`'s problem with at most `budget` simulated candidates, drawing any
    /// randomness from `seed`.
    ///
    /// # Errors
    /// [`PlacementError`] when no valid plan exists or a simulation fails.
    fn place(&self, evaluator: &Evaluator<'_>, budget: u32, seed: u64) -> Result<Placement, PlacementError>;
}

/// `base` with `plan`'s split, micro-batch size and devices; `base.stage_layers` is dropped when the
/// pipeline degree differs.
pub fn plan_config(base: &TrainingConfig, plan: &Plan) -> TrainingConfig {
    let mut config = base.clone();
    config.parallelism = plan.parallelism();
    config.micro_batch_size = plan.micro_batch_size;
    config.devices = Some(plan.devices.clone());
    if plan.split.2 != base.parallelism.pipeline {
        config.stage_layers = None;
    }
    config
}

/// The sequential baseline's plan: the base split and micro-batch size on the platform's first
/// `d · t · p` hosts in id order.
pub fn sequential_plan(problem: &Problem<'_>) -> Plan {
    let par = problem.base.parallelism;
    let hosts = problem.platform.hosts();
    let n = (par.devices() as usize).min(hosts.len());
    Plan {
        split: (par.data, par.tensor, par.pipeline),
        micro_batch_size: problem.base.micro_batch_size,
        devices: hosts[..n].to_vec(),
    }
}

/// The micro-batch sizes of the search space.
pub fn micro_batches(problem: &Problem<'_>) -> Vec<u64> {
    if problem.micro_batches.is_empty() {
        vec![problem.base.micro_batch_size]
    } else {
        problem.micro_batches.clone()
    }
}

/// Every (split, micro-batch size) of the search space that passes [`check_iteration`] on the
/// platform's first hosts: all `(d, t, p)` with `d · t · p` equal to the base's device count and
/// `p` at most the layer count (only the base split when [`Problem::splits`] is off), times
/// [`micro_batches`]; ordered by tensor degree, then pipeline degree, then the micro-batch sizes in
/// the order given.
///
/// # Errors
/// [`PlacementError::FitsNowhere`] naming the smallest memory shortfall when no candidate fits, or
/// [`PlacementError::NoValidSplit`] when none is valid for another reason.
pub fn feasible_splits(problem: &Problem<'_>) -> Result<Vec<(Split, u64)>, PlacementError> {
    let base = problem.base.parallelism;
    let n = base.devices();
    let hosts = problem.platform.hosts();
    let devices: Vec<NodeId> = hosts[..(n as usize).min(hosts.len())].to_vec();
    let mut candidates = Vec::new();
    if problem.splits {
        for t in divisors(n) {
            for p in divisors(n / t) {
                if p as usize <= problem.job.layers.len() {
                    candidates.push(((n / t / p) as u32, t as u32, p as u32));
                }
            }
        }
    } else {
        candidates.push((base.data, base.tensor, base.pipeline));
    }
    let mut ok = Vec::new();
    let mut closest: Option<(u64, Split, u64, TrainingError)> = None;
    let mut other = None;
    let tried = candidates.len() * micro_batches(problem).len();
    for split in candidates {
        for b in micro_batches(problem) {
            let plan = Plan { split, micro_batch_size: b, devices: devices.clone() };
            match check_iteration(problem.platform, problem.job, &plan_config(&problem.base, &plan)) {
                Ok(()) => ok.push((split, b)),
                Err(e @ TrainingError::OutOfMemory { need, capacity, .. }) => {
                    let short = need - capacity;
                    if closest.as_ref().is_none_or(|c| short < c.0) {
                        closest = Some((short, split, b, e));
                    }
                }
                Err(e) => {
                    other.get_or_insert(e);
                }
            }
        }
    }
    if !ok.is_empty() {
        return Ok(ok);
    }
    const GIB: f64 = (1u64 << 30) as f64;
    match (closest, other) {
        (
            Some((
                short,
                (data, tensor, pipeline),
                micro_batch,
                TrainingError::OutOfMemory { device, need, capacity, .. },
            )),
            _,
        ) => Err(PlacementError::FitsNowhere {
            candidates: tried,
            data,
            tensor,
            pipeline,
            micro_batch,
            device,
            need_gib: need as f64 / GIB,
            capacity_gib: capacity as f64 / GIB,
            short_gib: short as f64 / GIB,
        }),
        (_, Some(e)) => Err(PlacementError::NoValidSplit(e)),
        _ => Err(PlacementError::NoValidSplit(TrainingError::ZeroDegree)),
    }
}

/// Divisors of `n`, ascending.
fn divisors(n: u64) -> Vec<u64> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut i = 1;
    while i * i <= n {
        if n % i == 0 {
            small.push(i);
            if i * i != n {
                large.push(n / i);
            }
        }
        i += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// Runs every placer on `evaluator`'s problem with the same budget and seed.
pub fn place_all(
    evaluator: &Evaluator<'_>,
    placers: &[&dyn Placer],
    budget: u32,
    seed: u64,
) -> Vec<(&'static str, Result<Placement, PlacementError>)> {
    placers.iter().map(|p| (p.name(), p.place(evaluator, budget, seed))).collect()
}

#[cfg(test)]
mod tests;
