//! Plain result types handed to the renderers.
//!
//! These are the API boundary between a run and its reports: the `clustersim` package fills them in from a
//! finished simulation, and every renderer in this crate reads only them. Simulated time is in seconds as
//! `f64` here (converted once from integer picoseconds by the caller); nothing in these types is wall-clock time.

use serde::{Deserialize, Serialize};

/// Everything the reports of one scenario run need: one entry per compared variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Scenario name (used as the plot title and in file names chosen by the caller).
    pub scenario: String,
    /// Root seed of the run, so a report can be replayed.
    pub seed: u64,
    /// Name of the training objective, e.g. `"logistic loss"` (used as the y-axis label; no unit, it is a loss).
    pub objective_name: String,
    /// Objective value that counts as "converged" [objective units]; `None` if the scenario sets no target.
    pub target_objective: Option<f64>,
    /// Compared variants (e.g. BSP, SSP s=3, async), in the order the scenario lists them.
    pub variants: Vec<VariantReport>,
}

/// Results of one variant of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantReport {
    /// Variant name as given in the scenario, e.g. `"ssp-3"`.
    pub name: String,
    /// Whole-run totals.
    pub summary: VariantSummary,
    /// Global objective over time, in increasing `clock` order; with [`VariantReport::faults`], over the job's
    /// wall clock through failures instead, in time order (clocks repeat after each rollback).
    pub convergence: Vec<ConvergencePoint>,
    /// One record per (worker, clock), ordered by worker, then clock.
    pub worker_clocks: Vec<WorkerClockRecord>,
    /// STRADS rounds in commit order; empty for other runtimes (and then left out of the JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<RoundReport>,
    /// A parameter-server run's course through failures and checkpoints, when the scenario has faults; `None`
    /// otherwise (and then left out of the JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<crate::faults::PsFaultReport>,
}

/// Whole-run totals of one variant. Every time is simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    /// Global objective at the end of the run [objective units].
    pub final_objective: f64,
    /// Simulated time at the end of the run [s].
    pub sim_time_s: f64,
    /// Clocks completed by every worker [clocks] (the minimum over workers).
    pub clocks: u64,
    /// Number of workers [count].
    pub workers: u32,
    /// Bytes put on the network by all nodes [bytes].
    pub bytes_sent: u64,
    /// Bytes that crossed wide-area (inter-datacenter) links [bytes].
    pub wan_bytes: u64,
    /// Cost of the WAN traffic [USD].
    pub wan_cost_usd: f64,
    /// Time spent computing, summed over workers [s].
    pub compute_s: f64,
    /// Time spent sending and receiving, summed over workers [s].
    pub communication_s: f64,
    /// Time spent blocked on the consistency model (barriers, staleness bound), summed over workers [s].
    pub waiting_s: f64,
    /// Parameter reads served [count].
    pub reads: u64,
    /// Mean staleness of the reads [clocks].
    pub staleness_mean: f64,
    /// Variance of the staleness of the reads (population variance, over all reads) [clocks²]; 0 without reads.
    #[serde(default)]
    pub staleness_variance: f64,
    /// Largest staleness of any read [clocks].
    pub staleness_max: u64,
    /// Reads per staleness [count]: `staleness_histogram[k]` reads had staleness `k` clocks, for `k` in
    /// `0..=staleness_max`; empty when there were no reads. The entries sum to `reads`.
    #[serde(default)]
    pub staleness_histogram: Vec<u64>,
    /// Reads whose staleness exceeded the configured bound [count]; 0 for a correct SSP runtime.
    pub staleness_violations: u64,
    /// Rows the parameter-server shards pushed into workers' caches (ESSP's eager pushes; 0 under other
    /// consistency models) [count].
    #[serde(default)]
    pub rows_pushed: u64,
    /// Simulated time at which the objective first reached `target_objective` [s]; `None` if never reached
    /// or no target was set.
    pub time_to_target_s: Option<f64>,
    /// Discrete events processed by the engine [count].
    pub events: u64,
    /// Measurements of Gaia's Approximate Synchronous Parallel model; `None` for runs without it.
    #[serde(default)]
    pub asp: Option<AspSummary>,
    /// Measurements of a STRADS run (scheduled model parallelism); `None` for runs of other runtimes.
    #[serde(default)]
    pub strads: Option<StradsSummary>,
}

/// Whole-run measurements of an Approximate Synchronous Parallel (ASP) run: the parameter server spans data
/// centers, a significance filter decides which accumulated updates cross the WAN to the other data centers'
/// mirrors, and selective barriers hold reads that would otherwise miss significant updates.
///
/// # References
/// K. Hsieh et al., "Gaia: Geo-Distributed Machine Learning Approaching LAN Speeds", NSDI 2017.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AspSummary {
    /// Significance threshold at clock 0 [fraction of the parameter's value], e.g. `0.01` for 1 %: an accumulated
    /// update is significant when its magnitude relative to the parameter's value exceeds the threshold (Gaia
    /// lowers the threshold as training proceeds).
    pub threshold: f64,
    /// Parameter values with a nonzero accumulated update that the significance filter examined [count].
    pub checked: u64,
    /// Of [`checked`](Self::checked), those found significant and sent to the mirrors [count].
    pub significant: u64,
    /// `significant / checked` [fraction, 0..=1]; 0 when nothing was checked.
    pub significant_share: f64,
    /// Bytes of mirror traffic: notices, significant updates and mirror clocks [bytes].
    pub mirror_bytes: u64,
    /// Read requests a selective barrier held [count].
    pub barrier_held_reads: u64,
    /// Largest lead of a worker's clock over the slowest worker of another data center [clocks].
    pub max_mirror_lead: u64,
}

/// Whole-run measurements of a STRADS run (scheduled model parallelism): a scheduler picks a set of model
/// variables each round (prioritised by recent change, filtered so that strongly dependent variables are not
/// updated together), workers compute partial results for them (push), the scheduler aggregates them (pull) and
/// commits the new values, which workers apply. Rounds may be pipelined: the scheduler dispatches up to
/// [`pipeline_depth`](Self::pipeline_depth) rounds ahead of the last commit. A run's rounds are in
/// [`VariantReport::rounds`].
///
/// # References
/// S. Lee et al., "On Model Parallelization and Scheduling Strategies for Distributed Machine Learning",
/// NIPS 2014. J. K. Kim et al., "STRADS: A Distributed Framework for Scheduled Model Parallel Machine
/// Learning", EuroSys 2016.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StradsSummary {
    /// Scheduler label, e.g. `"STRADS (priority + dependency)"`, `"random"`, `"round-robin"`, `"block"`.
    pub scheduler: String,
    /// Variables scheduled per round (L) [count].
    pub set_size: u32,
    /// Rounds the scheduler may run ahead of the last commit [rounds].
    pub pipeline_depth: u32,
    /// Rounds committed [count].
    pub rounds: u64,
    /// Sum over rounds of the distinct variables scheduled [count].
    pub variables_updated: u64,
    /// Scheduler time spent choosing schedules [s].
    pub schedule_s: f64,
    /// Scheduler time spent aggregating partial results [s].
    pub pull_s: f64,
    /// Worker time spent computing partial results, summed over workers [s].
    pub push_s: f64,
    /// Worker time spent applying commits, summed over workers [s].
    pub apply_s: f64,
    /// Sum over rounds of the objective increase caused by updating each round's variables together rather than
    /// one at a time [objective units]; can be negative.
    pub parallelization_error: f64,
    /// Non-zero variables of the final model (the Lasso support size) [count]; `None` for dense models.
    pub final_nonzeros: Option<u64>,
    /// The objective's optimum from a sequential reference solver, when the program has one [objective units].
    pub optimum: Option<f64>,
    /// Whether the run stopped because the objective stopped being finite (parallel coordinate descent
    /// diverges when too many correlated variables move together).
    #[serde(default)]
    pub diverged: bool,
}

/// One committed round of a STRADS run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundReport {
    /// Round index [0-based].
    pub round: u64,
    /// Simulated time at which the round's tasks were sent to the workers [s].
    pub dispatched_s: f64,
    /// Simulated time at which the round's commit was sent [s].
    pub committed_s: f64,
    /// Distinct variables scheduled in the round [count].
    pub variables: u32,
    /// Objective increase caused by updating the round's variables together rather than one at a time
    /// [objective units]; can be negative.
    pub parallelization_error: f64,
    /// Global objective after this round's commit, if it was recorded [objective units].
    pub objective: Option<f64>,
    /// Non-zero variables after this round's commit, if recorded [count].
    pub nonzeros: Option<u64>,
}

/// One sample of the global objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvergencePoint {
    /// Clock after which the objective was evaluated [clocks].
    pub clock: u64,
    /// Simulated time of the evaluation [s]; for a run with faults, on the job's wall clock (checkpoints,
    /// failures, restarts and replays included).
    pub sim_time_s: f64,
    /// Global objective value [objective units].
    pub objective: f64,
}

/// What one worker did during one clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerClockRecord {
    /// Worker index [0-based].
    pub worker: u32,
    /// Clock index [clocks].
    pub clock: u64,
    /// Simulated time at which this worker finished the clock [s].
    pub sim_time_s: f64,
    /// Global objective after this clock, if it was recorded [objective units].
    pub objective: Option<f64>,
    /// Bytes sent plus received by the worker in this clock [bytes].
    pub bytes: u64,
    /// Time spent computing in this clock [s].
    pub compute_s: f64,
    /// Time spent communicating in this clock [s].
    pub communication_s: f64,
    /// Time spent blocked on the consistency model in this clock [s].
    pub wait_s: f64,
}
