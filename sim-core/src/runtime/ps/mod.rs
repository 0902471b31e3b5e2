//! The parameter server: sharded tables, worker caches, and BSP / SSP / ESSP / asynchronous
//! consistency.
//!
//! **Structure.** Parameter tables are sharded by row over server nodes. Each worker keeps a cache
//! of every row it reads, tagged with the row's *clock*; a row served with clock `t` contains
//! exactly the updates of every worker's clocks `< t` (plus, in the worker's cache, that worker's
//! own later writes). Workers run clocks: read the rows they need, compute one step of the
//! program, send their updates (one batch per shard, an empty batch still counting as the clock
//! message), and advance their clock. Every request, response and update batch is a flow on the
//! network, sized by the rows it carries, so WAN versus LAN and contention matter. Messages
//! between one worker and one shard are delivered in order (one connection each).
//!
//! **Consistency** (Ho et al., "More Effective Distributed ML via a Stale Synchronous Parallel
//! Parameter Server", NIPS 2013; code semantics of Petuum Bösen's `SSPConsistencyController`):
//! - **SSP(s)**: a worker at clock `c` may read a cached row only if its clock is `≥ c − s`;
//!   otherwise it asks the shard, which answers once every worker has delivered its updates of
//!   clocks `< c − s` (the shard's minimum clock reaches `c − s`). Own writes are always visible.
//!   What the shard serves is set by [`SspReads`]: by default its **latest** value, every update
//!   delivered so far in arrival order (Bösen's behaviour: the row clock is a guarantee, the value
//!   may be fresher); or only **complete clocks**, the updates of clocks every worker has
//!   delivered, applied in canonical (clock, worker) order, so that a read's content is exactly
//!   described by its clock and SSP(0) computes exactly what BSP computes.
//! - **ESSP(s)** (eager SSP; Dai et al., "High-Performance Distributed ML at Scale through
//!   Parameter Server Consistency Models", AAAI 2015, §3; Bösen's `SSPPush` controller, its
//!   default): SSP's blocking rule, plus **push**: a shard remembers which rows each worker has
//!   read from it, and each time its committed clock advances it sends every such worker the
//!   current values of those rows (one message per worker, tagged with the committed clock). Caches
//!   are refreshed before they are needed: when a clock's compute outlasts a message round trip,
//!   reads stay about one clock stale whatever `s` (SSP's spread over `0..=s`), at the cost of the
//!   pushed bytes; when messages are slower than compute, workers run at the bound either way.
//! - **BSP**: a barrier after every clock. Each shard, once it has every worker's updates of
//!   clock `c`, sends every worker a release; a worker starts clock `c + 1` after all releases and
//!   then re-reads every row it needs.
//! - **Asynchronous**: no bound. A worker re-reads every row it needs each clock and the shard
//!   answers at once with its latest value, which includes every update delivered so far in
//!   arrival order.
//!
//! **Geo-distribution** ([`run_gaia`]; Hsieh et al., "Gaia: Geo-Distributed Machine Learning
//! Approaching LAN Speeds", NSDI 2017, §3): each data center runs its own full set of shards and
//! its workers talk only to them, under the consistency model above (intra-DC BSP, SSP or ESSP).
//! Shard `k` of one data center and shard `k` of every other are *mirrors*; they keep their models
//! approximately equal by **Approximate Synchronous Parallel** (see [`AspConfig`]): a significance
//! filter, a selective barrier and a mirror clock. The ordinary parameter server stretched over a
//! WAN is [`run`] with shards in several data centers.
//!
//! **Accounting** per worker and clock: compute time (the program's reported work on the
//! worker's device, times the straggler factor); waiting time (the longest time one of the
//! clock's read requests sat at a shard for the consistency rule, plus, under BSP, the barrier
//! after the clock); communication time (the rest of the reading time); bytes sent and received;
//! and the staleness `c − row clock` of every row read. The three times partition a worker's
//! timeline: they add up to when it finished its last clock (under BSP, passed its last barrier).
//! Server-side update application costs no simulated time.
//!
//! **Checkpoints** ([`PsConfig::checkpoint_every`] `= Some(k)`): the run drains at every checkpoint
//! clock `c = k, 2k, …` short of the last: no worker starts its clock `c` (counting from 0) until every
//! update of clocks `< c` has reached its shard (under [`run_gaia`], and every mirror has reported its
//! commit of them), and none of a later clock exists yet, so the server tables then hold exactly the
//! updates of clocks `< c` whatever the consistency model: a consistent snapshot, taken at
//! [`PsRun::step_end`]`[c − 1]`, with its objective recorded. Writing it costs no simulated time here;
//! `crate::faults::timeline` adds it, and the failures and restarts, to the job's wall clock. Workers
//! wait at the drain (counted as waiting time of the clock they start after it). Without checkpoints
//! the run is exactly what it was before checkpoints existed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::engine::Simulation;
use crate::flow::{Completion, FlowNetwork, NetworkAudit, NetworkModel};
use crate::platform::{NodeId, Platform};
use crate::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use crate::routing::{PathSelection, Router, RoutingError};
use crate::runtime::channel::Channels;
use crate::straggler::{StragglerModel, WorkerSlowdown};
use crate::time::{SimDuration, SimTime};

mod asp;

pub use asp::{AspConfig, AspStats};

/// How fresh a worker's reads must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// Bulk synchronous parallel: a barrier after every clock.
    Bsp,
    /// Stale synchronous parallel with staleness bound `staleness` ≥ 0 [clocks].
    Ssp {
        /// The bound `s`: a read at clock `c` sees every update of clocks `< c − s`.
        staleness: u32,
    },
    /// Eager SSP with staleness bound `staleness` ≥ 0 [clocks]: SSP's rule, and shards push
    /// the rows a worker has read to it whenever their committed clock advances.
    Essp {
        /// The bound `s`, as for SSP.
        staleness: u32,
    },
    /// No bound: reads see whatever has arrived.
    Async,
}

impl Consistency {
    /// Short label for reports (`"BSP"`, `"SSP(3)"`, `"async"`).
    pub fn label(&self) -> String {
        match self {
            Consistency::Bsp => "BSP".into(),
            Consistency::Ssp { staleness } => format!("SSP({staleness})"),
            Consistency::Essp { staleness } => format!("ESSP({staleness})"),
            Consistency::Async => "async".into(),
        }
    }

    /// The staleness bound [clocks]: `s` for SSP and ESSP, 0 for BSP, `None` for async.
    pub fn staleness_bound(&self) -> Option<u64> {
        match self {
            Consistency::Bsp => Some(0),
            Consistency::Ssp { staleness } | Consistency::Essp { staleness } => Some(u64::from(*staleness)),
            Consistency::Async => None,
        }
    }
}

/// What an SSP shard serves when it answers a read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SspReads {
    /// The shard's current value: every update delivered so far, in arrival order (Petuum Bösen).
    #[default]
    Latest,
    /// Only the updates of clocks every worker has delivered, in canonical (clock, worker) order.
    CompleteClocks,
}

/// Parameters of one parameter-server run.
#[derive(Clone, Debug, PartialEq)]
pub struct PsConfig {
    /// The consistency model.
    pub consistency: Consistency,
    /// Clocks each worker runs.
    pub clocks: u64,
    /// Bytes per parameter value on the wire [bytes] (4 for float32; the math runs in f64).
    pub value_bytes: u32,
    /// Bytes per row key on the wire [bytes].
    pub key_bytes: u32,
    /// Fixed bytes of every message (headers) [bytes].
    pub message_overhead_bytes: u32,
    /// Record the objective every this many completed clocks (≥ 1).
    pub objective_every: u64,
    /// What SSP and ESSP shards serve and push (ignored by BSP, which serves complete clocks, and
    /// async, which serves the latest value).
    pub ssp_reads: SspReads,
    /// How messages share the network.
    pub network_model: NetworkModel,
    /// How routes pick among equal-cost paths.
    pub path_selection: PathSelection,
    /// Check every rate allocation against link capacities ([`FlowNetwork::set_audit`]; for
    /// invariant tests, off by default). The rest of [`PsRun::network_audit`] is always kept.
    pub audit: bool,
    /// Coordinated checkpoints every this many clocks (≥ 1) [clocks]: the run drains at clocks
    /// `k, 2k, …` before the last, so the server tables are then a consistent snapshot (see the
    /// module docs). `None` (the default): no drains, the run of a parameter server without
    /// checkpoints.
    pub checkpoint_every: Option<u64>,
    /// Links failing, degrading or coming back at given times of the run [ps]
    /// ([`FlowNetwork::schedule_link_fault`]): messages move to the remaining shortest paths, and one
    /// left without a path fails the run ([`PsError::FlowFailed`]).
    pub link_faults: Vec<(SimTime, crate::LinkId, crate::LinkFault)>,
}

impl Default for PsConfig {
    fn default() -> Self {
        PsConfig {
            consistency: Consistency::Bsp,
            clocks: 100,
            value_bytes: 4,
            key_bytes: 8,
            message_overhead_bytes: 64,
            objective_every: 1,
            ssp_reads: SspReads::Latest,
            network_model: NetworkModel::MaxMin,
            path_selection: PathSelection::Hash,
            audit: false,
            checkpoint_every: None,
            link_faults: Vec::new(),
        }
    }
}

/// Where the workers and the server shards run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsDeployment {
    /// Host of each worker; worker `i` processes data partition `i`.
    pub workers: Vec<NodeId>,
    /// Host of each server shard.
    pub servers: Vec<NodeId>,
}

/// The shard, among `shards` (≥ 1) of one data center, that owns `row`: consecutive rows of every table
/// spread round-robin, each table starting at its own offset.
///
/// # Panics
/// If `shards` is 0.
pub fn shard_of(row: RowRef, shards: usize) -> usize {
    (row.row as usize + row.table as usize * 7_919) % shards
}

/// What a coordinated checkpoint of a run saves from its largest parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointSize {
    /// The largest shard's rows, each its key and values [bytes]; under Gaia twice the values, as a shard
    /// also keeps its accumulated updates not yet sent to its mirrors.
    pub shard_bytes: u64,
    /// The largest worker-local state ([`DataParallelProgram::worker_state_bytes`]) [bytes].
    pub worker_bytes: u64,
}

impl CheckpointSize {
    /// Of `program` run with `config` on `shards` (≥ 1) shards per data center; `gaia` for [`run_gaia`]
    /// (shards then also save their ASP accumulators).
    ///
    /// # Panics
    /// If `shards` is 0.
    pub fn of(program: &dyn DataParallelProgram, config: &PsConfig, shards: usize, gaia: bool) -> Self {
        assert!(shards > 0, "a parameter server has at least one shard");
        let mut per_shard = vec![0u64; shards];
        let copies = if gaia { 2 } else { 1 };
        for (t, spec) in program.tables().iter().enumerate() {
            let row = u64::from(config.key_bytes) + copies * u64::from(spec.width) * u64::from(config.value_bytes);
            for r in 0..spec.rows {
                per_shard[shard_of(RowRef { table: t as u32, row: r }, shards)] += row;
            }
        }
        CheckpointSize {
            shard_bytes: per_shard.into_iter().max().unwrap_or(0),
            worker_bytes: (0..program.workers()).map(|w| program.worker_state_bytes(w)).max().unwrap_or(0),
        }
    }
}

/// Why a run could not start.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PsError {
    /// The deployment is inconsistent with the program or platform.
    #[error("invalid deployment: {0}")]
    Deployment(String),
    /// A worker cannot reach a server.
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A message lost its route to a failed link and no other path joined its ends; the text names
    /// the flow, its ends and the link.
    #[error("{0}")]
    FlowFailed(String),
}

/// One worker's clock, as measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkerClock {
    /// Worker index.
    pub worker: u32,
    /// The clock.
    pub clock: u64,
    /// When the worker finished computing this clock and sent its updates [ps].
    pub finished: SimTime,
    /// Bytes the worker sent and received for this clock [bytes].
    pub bytes: u64,
    /// Time computing [ps].
    pub compute: SimDuration,
    /// Time moving data, not blocked by consistency [ps].
    pub communication: SimDuration,
    /// Time blocked by the consistency rule [ps]: read requests held at a shard, and for BSP the
    /// barrier after this clock.
    pub waiting: SimDuration,
}

/// The model at a moment: recorded when every shard has every worker's updates of clocks `< clock`
/// (under [`run_gaia`], every shard of every data center has its own data center's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectivePoint {
    /// Clocks completed by every worker and delivered to every shard.
    pub clock: u64,
    /// When that happened [ps].
    pub time: SimTime,
    /// The program's objective of the servers' model at that moment (under [`run_gaia`], the mean
    /// over data centers of the objective of each data center's model).
    pub objective: f64,
}

/// Everything a run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct PsRun {
    /// Objective over simulated time, one point per completed clock (see [`PsConfig::objective_every`]).
    pub convergence: Vec<ObjectivePoint>,
    /// Per worker and clock measurements, ordered by (worker, clock).
    pub worker_clocks: Vec<WorkerClock>,
    /// Rows read by workers' computations.
    pub reads: u64,
    /// Histogram of read staleness: `staleness_histogram[k]` reads had staleness `k` [clocks].
    /// Staleness is `c − row clock`, measured against the clock a row is guaranteed to include;
    /// with latest reads (async, SSP's default) the value may be fresher, so this is an upper bound.
    pub staleness_histogram: Vec<u64>,
    /// Reads whose staleness exceeded the SSP bound (must be zero).
    pub staleness_violations: u64,
    /// Rows shards pushed to workers' caches (ESSP; zero otherwise).
    pub rows_pushed: u64,
    /// Bytes of every message sent [bytes].
    pub bytes_sent: u64,
    /// Bytes carried by each link, indexed by link id [bytes].
    pub link_bytes: Vec<u64>,
    /// When the last update reached its shard [ps].
    pub end_time: SimTime,
    /// The end of each clock as a step of the job [ps]: entry `c` is when every shard had every update
    /// of clocks `≤ c` (the global clock reached `c + 1`), or, at a checkpoint clock under [`run_gaia`],
    /// the later moment the snapshot was taken (every mirror had them too). `config.clocks` entries,
    /// ascending; `step_end[c] − step_end[c − 1]` is the time of clock `c` (of clock 0: `step_end[0]`).
    pub step_end: Vec<SimTime>,
    /// Engine events and flow completions processed.
    pub events: u64,
    /// The servers' final model (under [`run_gaia`]: the first data center's; see
    /// [`PsRun::dc_params`]).
    pub final_params: Params,
    /// Gaia's measurements ([`run_gaia`] only).
    pub asp: Option<AspStats>,
    /// Under [`run_gaia`], each data center's final model, in data-center order; empty otherwise.
    pub dc_params: Vec<Params>,
    /// Under [`run_gaia`], each data center's accumulated local updates not yet found significant
    /// (never sent to its mirrors), in data-center order; empty otherwise. For every data center
    /// `d`, `dc_params[d] + Σ_{e≠d} dc_unsent[e]` is the initial model plus every update of every
    /// worker: nothing significant is lost or applied twice.
    pub dc_unsent: Vec<Params>,
    /// The flow network's audit at the end of the run, the engine's clock regressions included
    /// (for invariant tests; not reported).
    pub network_audit: NetworkAudit,
}

impl PsRun {
    /// Mean staleness of reads [clocks].
    pub fn staleness_mean(&self) -> f64 {
        let total: u64 = self.staleness_histogram.iter().enumerate().map(|(k, n)| k as u64 * n).sum();
        if self.reads == 0 {
            0.0
        } else {
            total as f64 / self.reads as f64
        }
    }

    /// Variance of read staleness (population variance over all reads) [clocks²].
    pub fn staleness_variance(&self) -> f64 {
        if self.reads == 0 {
            return 0.0;
        }
        let mean = self.staleness_mean();
        self.staleness_histogram.iter().enumerate().map(|(k, &n)| n as f64 * (k as f64 - mean).powi(2)).sum::<f64>()
            / self.reads as f64
    }

    /// Largest staleness of any read [clocks].
    pub fn staleness_max(&self) -> u64 {
        self.staleness_histogram.iter().rposition(|&n| n > 0).unwrap_or(0) as u64
    }
}

/// Runs `program` on `platform` under `deployment` with the given configuration, straggler model
/// and seed, until every worker has run `config.clocks` clocks and every update has reached its
/// shard.
///
/// # Errors
/// [`PsError`] if the deployment does not match the program (worker count), names a node that
/// is not a host, has no server, a worker cannot reach a server, or the configuration is invalid.
pub fn run(
    platform: &Platform,
    deployment: &PsDeployment,
    program: &dyn DataParallelProgram,
    config: &PsConfig,
    stragglers: &StragglerModel,
    seed: u64,
) -> Result<PsRun, PsError> {
    run_observed(platform, deployment, program, config, stragglers, seed, &|_| {})
}

/// As [`run`], calling `on_clock(c)` each time every shard has committed clock `c` (for progress
/// display; it cannot influence the run).
///
/// # Errors
/// As [`run`].
pub fn run_observed(
    platform: &Platform,
    deployment: &PsDeployment,
    program: &dyn DataParallelProgram,
    config: &PsConfig,
    stragglers: &StragglerModel,
    seed: u64,
    on_clock: &(dyn Fn(u64) + Sync),
) -> Result<PsRun, PsError> {
    Runtime::new(platform, std::slice::from_ref(deployment), program, config, None, stragglers, seed, on_clock)?.run()
}

/// Runs `program` geo-distributed under Gaia's Approximate Synchronous Parallel (Hsieh et al.,
/// NSDI 2017, §3): `data_centers[d]` lists the workers and shards of data center `d`; program
/// worker `i` is the `i`-th worker in data-center order. Inside a data center `config.consistency`
/// rules (BSP, SSP or ESSP); between data centers, `asp`. Every data center needs the same number
/// of shards (shard `k` of each holds the same rows: they are mirrors).
///
/// # Errors
/// As [`run`]; also [`PsError::Deployment`] for no data center, one without workers, or unequal
/// shard counts, and [`PsError::Config`] for asynchronous consistency (the mirror clock needs a
/// bound) or an invalid [`AspConfig`].
#[allow(clippy::too_many_arguments)]
pub fn run_gaia(
    platform: &Platform,
    data_centers: &[PsDeployment],
    program: &dyn DataParallelProgram,
    config: &PsConfig,
    asp: &AspConfig,
    stragglers: &StragglerModel,
    seed: u64,
    on_clock: &(dyn Fn(u64) + Sync),
) -> Result<PsRun, PsError> {
    Runtime::new(platform, data_centers, program, config, Some(asp), stragglers, seed, on_clock)?.run()
}

/// Engine events of the runtime.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// A worker starts its next clock.
    StartClock(u32),
    /// A worker's computation of its current clock ends.
    ComputeDone(u32),
}

#[derive(Clone, Debug)]
enum Payload {
    Update {
        clock: u64,
        rows: Vec<RowDelta>,
    },
    Request {
        required: u64,
        rows: Vec<RowRef>,
    },
    Response {
        rows: Vec<RowRef>,
        values: Vec<f64>,
        row_clock: u64,
        own_included: u64,
        blocked: SimDuration,
    },
    /// ESSP: rows a shard sends unasked when its committed clock advances.
    Push {
        rows: Vec<RowRef>,
        values: Vec<f64>,
        row_clock: u64,
        own_included: u64,
    },
    Release,
    /// ASP: the parameters a batch of significant updates will change (the selective barrier).
    MirrorNotice {
        rows: Vec<RowRef>,
    },
    /// ASP: significant accumulated updates; columns found insignificant carry 0.
    MirrorUpdate {
        rows: Vec<RowDelta>,
    },
    /// ASP: the sending shard has committed every clock `< clock`.
    MirrorClock {
        clock: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Reading,
    Computing,
    Barrier,
    /// Waiting at a checkpoint's drain to start the clock.
    Draining,
    Done,
}

struct Worker {
    host: NodeId,
    /// Data center of the worker.
    dc: usize,
    /// Index among its data center's workers.
    local: usize,
    clock: u64,
    phase: Phase,
    cache: Params,
    row_clock: Vec<Vec<u64>>,
    /// Own updates of recent clocks, for read-my-writes on re-read rows.
    history: VecDeque<(u64, Vec<RowDelta>)>,
    /// Per shard, the own clocks known to be included in that shard's served values.
    acked: Vec<u64>,
    awaiting: usize,
    releases: usize,
    slowdown: WorkerSlowdown,
    /// The program's worker-local state (see [`DataParallelProgram::initial_worker_state`]).
    state: Box<dyn std::any::Any + Send>,
    step: Option<Step>,
    // Accounting of the current clock.
    phase_start: SimTime,
    /// When the current clock's computation ended and its updates were sent.
    finished: SimTime,
    blocked: SimDuration,
    bytes: u64,
    compute: SimDuration,
    waiting: SimDuration,
    communication: SimDuration,
}

struct Shard {
    host: NodeId,
    /// Data center of the shard.
    dc: usize,
    /// Updates delivered from each worker of its data center, by index within the data center
    /// (= that worker's next expected clock).
    worker_clock: Vec<u64>,
    /// Clocks complete at this shard (min of `worker_clock`); the committed value covers them.
    committed_clock: u64,
    /// Buffered update batches of incomplete clocks, by clock, then worker (SSP and BSP).
    pending: BTreeMap<u64, Vec<Option<Vec<RowDelta>>>>,
    /// Requests waiting for `committed_clock ≥ required`: (worker, required, rows, arrival).
    waiting: Vec<(u32, u64, Vec<RowRef>, SimTime)>,
    /// ESSP: the rows each worker has read from this shard (pushed on every commit).
    subscribed: Vec<BTreeSet<RowRef>>,
    /// ASP: the clock each data center's mirror last reported (own entry unused).
    mirror_clock: Vec<u64>,
    /// ASP: rows with a nonzero accumulated local update.
    dirty: BTreeSet<RowRef>,
    /// ASP: rows held by a selective barrier, with the number of announced updates still to come.
    barred: BTreeMap<RowRef, u32>,
}

struct Runtime<'a> {
    platform: &'a Platform,
    program: &'a dyn DataParallelProgram,
    config: PsConfig,
    stragglers: &'a StragglerModel,
    tables: Vec<TableSpec>,
    sim: Simulation<Event>,
    net: FlowNetwork,
    router: Router,
    workers: Vec<Worker>,
    /// Shards, data-center-major: shard `k` of data center `d` is `d · shards_per_dc + k`.
    shards: Vec<Shard>,
    /// Shards in each data center (≥ 1).
    shards_per_dc: usize,
    /// Workers of each data center, by global index; a worker's index in its list is its local index.
    dc_workers: Vec<Vec<u32>>,
    /// Each data center's servers' model: latest (async, SSP with latest reads) or complete clocks
    /// only (BSP, SSP with complete-clock reads); each shard of a data center owns a disjoint set of
    /// rows. Under ASP, mirrors' significant updates are added on arrival.
    server_params: Vec<Params>,
    /// Gaia's state, under [`run_gaia`].
    asp: Option<asp::Asp>,
    /// Connections: index `2 · (worker · shards_per_dc + k)` worker→shard `k` of its data center,
    /// `+ 1` shard→worker; then, from [`Runtime::mirror_base`], one per (sending data center,
    /// receiving data center, shard `k`).
    conns: Channels<Payload>,
    global_clock: u64,
    /// The last checkpoint clock whose snapshot was taken (0: none yet).
    snapshot_clock: u64,
    /// Workers waiting at the drain of the next checkpoint, in arrival order.
    drained: Vec<u32>,
    on_clock: &'a (dyn Fn(u64) + Sync),
    out: PsRun,
}

impl<'a> Runtime<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        platform: &'a Platform,
        data_centers: &[PsDeployment],
        program: &'a dyn DataParallelProgram,
        config: &PsConfig,
        asp_config: Option<&AspConfig>,
        stragglers: &'a StragglerModel,
        seed: u64,
        on_clock: &'a (dyn Fn(u64) + Sync),
    ) -> Result<Self, PsError> {
        if data_centers.is_empty() {
            return Err(PsError::Deployment("no data center".into()));
        }
        let p: usize = data_centers.iter().map(|d| d.workers.len()).sum();
        if p != program.workers() {
            return Err(PsError::Deployment(format!(
                "{p} worker hosts for a program partitioned over {} workers",
                program.workers()
            )));
        }
        let shards_per_dc = data_centers[0].servers.len();
        if shards_per_dc == 0 {
            return Err(PsError::Deployment("no server shard".into()));
        }
        for (d, dc) in data_centers.iter().enumerate() {
            if dc.servers.len() != shards_per_dc {
                return Err(PsError::Deployment(format!(
                    "data center {d} has {} shards, data center 0 has {shards_per_dc}: mirrors pair shards one to one",
                    dc.servers.len()
                )));
            }
            if dc.workers.is_empty() && data_centers.len() > 1 {
                return Err(PsError::Deployment(format!("data center {d} has no worker")));
            }
        }
        for &n in data_centers.iter().flat_map(|d| d.workers.iter().chain(&d.servers)) {
            if n.index() >= platform.nodes.len() || !platform.is_host(n) {
                return Err(PsError::Deployment(format!("node {} is not a host of the platform", n.0)));
            }
        }
        if config.objective_every == 0 {
            return Err(PsError::Config("objective_every must be at least 1".into()));
        }
        if config.checkpoint_every == Some(0) {
            return Err(PsError::Config("checkpoint_every must be at least 1 clock (or None)".into()));
        }
        if let Some(a) = asp_config {
            a.validate().map_err(PsError::Config)?;
            if config.consistency == Consistency::Async {
                return Err(PsError::Config(
                    "Gaia's mirror clock needs a bounded intra-data-center consistency (BSP, SSP or ESSP), not async"
                        .into(),
                ));
            }
        }
        stragglers.validate().map_err(PsError::Config)?;
        let tables = program.tables();
        let init = program.initial_params();
        let mut router = Router::with_selection(platform, config.path_selection);
        // Fail early if some worker cannot reach a shard of its data center, or a shard a mirror.
        for dc in data_centers {
            for &w in &dc.workers {
                for &s in &dc.servers {
                    router.route(platform, w, s, 0)?;
                    router.route(platform, s, w, 0)?;
                }
            }
        }
        for a in data_centers {
            for b in data_centers {
                for (&x, &y) in a.servers.iter().zip(&b.servers) {
                    if x != y {
                        router.route(platform, x, y, 0)?;
                    }
                }
            }
        }
        let mut dc_workers = Vec::with_capacity(data_centers.len());
        let mut workers = Vec::with_capacity(p);
        for dc in data_centers {
            let mut ids = Vec::with_capacity(dc.workers.len());
            for &host in &dc.workers {
                let i = workers.len();
                ids.push(i as u32);
                workers.push(Worker {
                    host,
                    dc: dc_workers.len(),
                    local: ids.len() - 1,
                    clock: 0,
                    phase: Phase::Reading,
                    cache: init.clone(),
                    row_clock: tables.iter().map(|t| vec![0; t.rows as usize]).collect(),
                    history: VecDeque::new(),
                    acked: vec![0; shards_per_dc],
                    awaiting: 0,
                    releases: 0,
                    slowdown: WorkerSlowdown::new(seed, i as u32),
                    state: program.initial_worker_state(i),
                    step: None,
                    phase_start: SimTime::ZERO,
                    finished: SimTime::ZERO,
                    blocked: SimDuration::ZERO,
                    bytes: 0,
                    compute: SimDuration::ZERO,
                    waiting: SimDuration::ZERO,
                    communication: SimDuration::ZERO,
                });
            }
            dc_workers.push(ids);
        }
        let dcs = data_centers.len();
        let shards = data_centers
            .iter()
            .enumerate()
            .flat_map(|(d, dc)| {
                let local = dc.workers.len();
                dc.servers.iter().map(move |&host| Shard {
                    host,
                    dc: d,
                    worker_clock: vec![0; local],
                    committed_clock: 0,
                    pending: BTreeMap::new(),
                    waiting: Vec::new(),
                    subscribed: vec![BTreeSet::new(); local],
                    mirror_clock: vec![0; dcs],
                    dirty: BTreeSet::new(),
                    barred: BTreeMap::new(),
                })
            })
            .collect();
        let conns = Channels::new(2 * p * shards_per_dc + dcs * dcs * shards_per_dc);
        let mut sim = Simulation::new();
        for w in 0..p as u32 {
            sim.schedule_at(SimTime::ZERO, Event::StartClock(w));
        }
        let server_params = vec![init.clone(); dcs];
        let asp = asp_config.map(|a| asp::Asp::new(a.clone(), &tables, dcs));
        let out = PsRun {
            convergence: vec![ObjectivePoint { clock: 0, time: SimTime::ZERO, objective: program.objective(&init) }],
            worker_clocks: Vec::new(),
            reads: 0,
            staleness_histogram: Vec::new(),
            staleness_violations: 0,
            rows_pushed: 0,
            bytes_sent: 0,
            link_bytes: Vec::new(),
            end_time: SimTime::ZERO,
            step_end: Vec::with_capacity(config.clocks.min(1 << 20) as usize),
            events: 0,
            final_params: init,
            asp: None,
            dc_params: Vec::new(),
            dc_unsent: Vec::new(),
            network_audit: NetworkAudit::default(),
        };
        let mut net = FlowNetwork::with_model(platform, config.network_model);
        net.set_audit(config.audit);
        net.schedule_link_faults(platform, config.path_selection, config.link_faults.iter().copied());
        Ok(Runtime {
            platform,
            program,
            config: config.clone(),
            stragglers,
            tables,
            net,
            router,
            sim,
            workers,
            shards,
            shards_per_dc,
            dc_workers,
            server_params,
            asp,
            conns,
            global_clock: 0,
            snapshot_clock: 0,
            drained: Vec::new(),
            on_clock,
            out,
        })
    }

    /// The first message that lost its route, as an error.
    fn check_failures(&self) -> Result<(), PsError> {
        match self.net.failures().first() {
            Some(f) => Err(PsError::FlowFailed(f.describe(self.platform))),
            None => Ok(()),
        }
    }

    fn run(mut self) -> Result<PsRun, PsError> {
        loop {
            self.check_failures()?;
            let net_next = self.net.next_time();
            let sim_next = self.sim.peek_time();
            let take_net = match (net_next, sim_next) {
                (Some(a), Some(b)) => a <= b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            self.out.events += 1;
            if take_net {
                let t = net_next.expect("checked");
                self.sim.advance_to(t);
                for c in self.net.advance(t) {
                    self.on_flow_done(c)?;
                }
            } else {
                let (_, event) = self.sim.pop().expect("checked");
                match event {
                    Event::StartClock(w) => self.start_clock(w)?,
                    Event::ComputeDone(w) => self.compute_done(w)?,
                }
            }
        }
        self.check_failures()?;
        assert!(self.workers.iter().all(|w| w.phase == Phase::Done), "run ended with a worker still busy");
        assert_eq!(self.global_clock, self.config.clocks, "run ended before every update was committed");
        self.out.end_time = self.sim.now();
        self.out.link_bytes = self.net.link_bytes().to_vec();
        self.out.network_audit = self.net.audit();
        self.out.network_audit.time_regressions += self.sim.time_regressions();
        self.out.worker_clocks.sort_by_key(|r| (r.worker, r.clock));
        if let Some(asp) = self.asp.take() {
            let (stats, unsent) = asp.finish();
            self.out.asp = Some(stats);
            self.out.dc_unsent = unsent;
            self.out.dc_params = self.server_params.clone();
        }
        self.out.final_params = self.server_params.swap_remove(0);
        Ok(self.out)
    }

    /// Whether shards apply updates on arrival and serve their latest value.
    fn serves_latest(&self) -> bool {
        match self.config.consistency {
            Consistency::Async => true,
            Consistency::Ssp { .. } | Consistency::Essp { .. } => self.config.ssp_reads == SspReads::Latest,
            Consistency::Bsp => false,
        }
    }

    /// The shard, within a data center, that owns `row`.
    fn shard_of(&self, row: RowRef) -> usize {
        shard_of(row, self.shards_per_dc)
    }

    /// The checkpoint clock a worker about to start clock `c` must wait at, if any: `c` itself when it is
    /// a checkpoint clock (short of the last) whose snapshot is not taken yet.
    fn drain_before(&self, c: u64) -> Option<u64> {
        let k = self.config.checkpoint_every?;
        (c > 0 && c % k == 0 && c < self.config.clocks && self.snapshot_clock < c).then_some(c)
    }

    /// Takes the next checkpoint's snapshot if its drain is complete (every update of the clocks before
    /// it at every shard, and under ASP reported by every mirror), records its objective, and releases
    /// the workers waiting at it.
    fn try_snapshot(&mut self) {
        let Some(k) = self.config.checkpoint_every else { return };
        let c = self.snapshot_clock + k;
        if c >= self.config.clocks || self.global_clock < c {
            return;
        }
        assert_eq!(self.global_clock, c, "no worker passes a checkpoint clock before its snapshot");
        if self.asp.is_some() {
            let mirrored =
                self.shards.iter().all(|s| s.mirror_clock.iter().enumerate().all(|(d, &m)| d == s.dc || m >= c));
            if !mirrored {
                return;
            }
        }
        let now = self.sim.now();
        self.snapshot_clock = c;
        self.out.step_end[c as usize - 1] = now;
        self.record_objective(c);
        for w in std::mem::take(&mut self.drained) {
            let worker = &mut self.workers[w as usize];
            worker.waiting += now.since(worker.phase_start);
            self.sim.schedule_at(now, Event::StartClock(w));
        }
    }

    /// The global index of shard `k` of worker `w`'s data center.
    fn shard_index(&self, w: u32, k: usize) -> usize {
        self.workers[w as usize].dc * self.shards_per_dc + k
    }

    fn row_bytes(&self, row: RowRef, with_values: bool) -> u64 {
        let values =
            if with_values { self.tables[row.table as usize].width as u64 * self.config.value_bytes as u64 } else { 0 };
        self.config.key_bytes as u64 + values
    }

    // ----- worker side -----

    fn start_clock(&mut self, w: u32) -> Result<(), PsError> {
        let now = self.sim.now();
        let clocks = self.config.clocks;
        let worker = &mut self.workers[w as usize];
        if worker.clock == clocks {
            worker.phase = Phase::Done;
            return Ok(());
        }
        let c = worker.clock;
        if self.drain_before(c).is_some() {
            let worker = &mut self.workers[w as usize];
            worker.phase = Phase::Draining;
            worker.phase_start = now;
            self.drained.push(w);
            self.try_snapshot();
            return Ok(());
        }
        let worker = &mut self.workers[w as usize];
        worker.phase = Phase::Reading;
        worker.phase_start = now;
        worker.blocked = SimDuration::ZERO;
        let needed = self.program.rows_needed(w as usize, c);
        let (required, stale): (u64, Vec<RowRef>) = match self.config.consistency {
            Consistency::Ssp { staleness } | Consistency::Essp { staleness } => {
                let required = c.saturating_sub(staleness as u64);
                let stale = needed
                    .iter()
                    .copied()
                    .filter(|r| worker.row_clock[r.table as usize][r.row as usize] < required)
                    .collect();
                (required, stale)
            }
            Consistency::Bsp => (c, needed),
            Consistency::Async => (0, needed),
        };
        let mut by_shard: BTreeMap<usize, Vec<RowRef>> = BTreeMap::new();
        for r in stale {
            by_shard.entry(self.shard_of(r)).or_default().push(r);
        }
        self.workers[w as usize].awaiting = by_shard.len();
        if by_shard.is_empty() {
            return self.begin_compute(w);
        }
        for (shard, rows) in by_shard {
            let bytes =
                self.config.message_overhead_bytes as u64 + rows.iter().map(|&r| self.row_bytes(r, false)).sum::<u64>();
            self.send(self.to_shard(w, shard), Payload::Request { required, rows }, bytes)?;
        }
        Ok(())
    }

    fn begin_compute(&mut self, w: u32) -> Result<(), PsError> {
        let now = self.sim.now();
        let bound = self.config.consistency.staleness_bound();
        let worker = &mut self.workers[w as usize];
        let c = worker.clock;
        // Reading phase ends: split its time into blocked-by-consistency and communication.
        let reading = now.since(worker.phase_start);
        let blocked = worker.blocked.min(reading);
        worker.waiting += blocked;
        worker.communication += SimDuration(reading.0 - blocked.0);
        // Check and record the staleness of every row this computation reads.
        for r in self.program.rows_needed(w as usize, c) {
            let staleness = c.saturating_sub(worker.row_clock[r.table as usize][r.row as usize]);
            self.out.reads += 1;
            let k = staleness as usize;
            if self.out.staleness_histogram.len() <= k {
                self.out.staleness_histogram.resize(k + 1, 0);
            }
            self.out.staleness_histogram[k] += 1;
            if bound.is_some_and(|b| staleness > b) {
                self.out.staleness_violations += 1;
            }
        }
        if self.asp.is_some() {
            let dc = worker.dc;
            let slowest = self
                .dc_workers
                .iter()
                .enumerate()
                .filter(|&(d, _)| d != dc)
                .flat_map(|(_, ids)| ids.iter().map(|&i| self.workers[i as usize].clock))
                .min();
            if let (Some(slowest), Some(asp)) = (slowest, self.asp.as_mut()) {
                asp.stats.max_mirror_lead = asp.stats.max_mirror_lead.max(c.saturating_sub(slowest));
            }
        }
        let worker = &mut self.workers[w as usize];
        let step = self.program.compute(w as usize, c, &worker.cache, worker.state.as_mut());
        let device = self.platform.device(worker.host).expect("workers run on hosts");
        let factor = worker.slowdown.factor(self.stragglers, c);
        let duration = device.kernel_time(step.work).mul_f64_ceil(factor);
        worker.compute += duration;
        worker.step = Some(step);
        worker.phase = Phase::Computing;
        self.sim.schedule_in(duration, Event::ComputeDone(w));
        Ok(())
    }

    fn compute_done(&mut self, w: u32) -> Result<(), PsError> {
        let now = self.sim.now();
        let step = self.workers[w as usize].step.take().expect("a computation was running");
        let c = self.workers[w as usize].clock;
        // Read-my-writes: own updates are visible in the cache at once.
        self.workers[w as usize].cache.apply(&step.updates);
        // One batch per shard, empty ones included: the batch is also the clock message.
        let mut batches: Vec<Vec<RowDelta>> = vec![Vec::new(); self.shards_per_dc];
        for u in &step.updates {
            batches[self.shard_of(u.row)].push(u.clone());
        }
        for (shard, rows) in batches.into_iter().enumerate() {
            let bytes = self.config.message_overhead_bytes as u64
                + rows.iter().map(|u| self.row_bytes(u.row, true)).sum::<u64>();
            self.send(self.to_shard(w, shard), Payload::Update { clock: c, rows }, bytes)?;
        }
        let keep_from = match self.config.consistency {
            // Future reads are served with clock ≥ (c + 1) − s, so older own updates are never re-added.
            Consistency::Ssp { staleness } | Consistency::Essp { staleness } => {
                (c + 1).saturating_sub(staleness as u64 + 1)
            }
            Consistency::Bsp => c + 1,
            Consistency::Async => 0,
        };
        let worker = &mut self.workers[w as usize];
        worker.history.push_back((c, step.updates));
        while worker.history.front().is_some_and(|(k, _)| *k < keep_from) {
            worker.history.pop_front();
        }
        worker.clock = c + 1;
        worker.finished = now;
        if self.config.consistency == Consistency::Bsp {
            // The clock's record stays open until the barrier releases: its wait belongs to it.
            worker.phase = Phase::Barrier;
            worker.phase_start = now;
            if worker.releases == self.shards_per_dc {
                return self.pass_barrier(w);
            }
        } else {
            self.close_clock(w);
            self.sim.schedule_at(now, Event::StartClock(w));
        }
        Ok(())
    }

    /// Records the clock the worker just finished and resets its per-clock counters.
    fn close_clock(&mut self, w: u32) {
        let worker = &mut self.workers[w as usize];
        self.out.worker_clocks.push(WorkerClock {
            worker: w,
            clock: worker.clock - 1,
            finished: worker.finished,
            bytes: worker.bytes,
            compute: worker.compute,
            communication: worker.communication,
            waiting: worker.waiting,
        });
        worker.bytes = 0;
        worker.compute = SimDuration::ZERO;
        worker.communication = SimDuration::ZERO;
        worker.waiting = SimDuration::ZERO;
    }

    fn pass_barrier(&mut self, w: u32) -> Result<(), PsError> {
        let now = self.sim.now();
        let worker = &mut self.workers[w as usize];
        worker.releases = 0;
        worker.waiting += now.since(worker.phase_start);
        self.close_clock(w);
        self.sim.schedule_at(now, Event::StartClock(w));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn on_response(
        &mut self,
        w: u32,
        shard: usize,
        rows: Vec<RowRef>,
        values: Vec<f64>,
        row_clock: u64,
        own_included: u64,
        blocked: SimDuration,
    ) -> Result<(), PsError> {
        self.install_rows(w, shard, &rows, &values, row_clock, own_included);
        let worker = &mut self.workers[w as usize];
        worker.blocked = worker.blocked.max(blocked);
        worker.awaiting -= 1;
        if worker.awaiting == 0 {
            return self.begin_compute(w);
        }
        Ok(())
    }

    /// Writes served rows into worker `w`'s cache with their row clock, re-applying the worker's
    /// own updates the served values do not include yet.
    fn install_rows(
        &mut self,
        w: u32,
        shard: usize,
        rows: &[RowRef],
        values: &[f64],
        row_clock: u64,
        own_included: u64,
    ) {
        let worker = &mut self.workers[w as usize];
        let mut offset = 0;
        for r in rows {
            let width = self.tables[r.table as usize].width as usize;
            let dst = worker.cache.row_mut(*r);
            dst.copy_from_slice(&values[offset..offset + width]);
            offset += width;
            // Re-apply own updates the served value does not contain yet (history is in clock order).
            let first = worker.history.partition_point(|(k, _)| *k < own_included);
            for (_, updates) in worker.history.range(first..) {
                if let Ok(i) = updates.binary_search_by_key(r, |u| u.row) {
                    for (v, d) in dst.iter_mut().zip(&updates[i].delta) {
                        *v += d;
                    }
                }
            }
            worker.row_clock[r.table as usize][r.row as usize] = row_clock;
        }
        // Own updates every shard has acknowledged can never need re-applying again.
        worker.acked[shard] = worker.acked[shard].max(own_included);
        let all_acked = *worker.acked.iter().min().expect("at least one shard");
        while worker.history.front().is_some_and(|(k, _)| *k < all_acked) {
            worker.history.pop_front();
        }
    }

    // ----- server side -----
    // Server-side functions take the global shard index `g`.

    /// The clock shard `g` may serve local reads at: its committed clock, and under ASP no more than
    /// `mirror_slack` past the clock every mirror has reported.
    fn served_clock(&self, g: usize) -> u64 {
        let s = &self.shards[g];
        match &self.asp {
            None => s.committed_clock,
            Some(asp) => {
                let mirrors = s.mirror_clock.iter().enumerate().filter(|&(d, _)| d != s.dc).map(|(_, &c)| c).min();
                mirrors.map_or(s.committed_clock, |m| s.committed_clock.min(m + asp.config.mirror_slack))
            }
        }
    }

    fn on_update(&mut self, local: usize, g: usize, clock: u64, rows: Vec<RowDelta>) -> Result<(), PsError> {
        let latest = self.serves_latest();
        let dc = self.shards[g].dc;
        let p = self.dc_workers[dc].len();
        let s = &mut self.shards[g];
        assert_eq!(s.worker_clock[local], clock, "update batches arrive in clock order");
        s.worker_clock[local] += 1;
        if latest {
            self.server_params[dc].apply(&rows);
            if let Some(asp) = self.asp.as_mut() {
                asp.accumulate(dc, &mut s.dirty, &rows);
            }
        } else {
            s.pending.entry(clock).or_insert_with(|| vec![None; p])[local] = Some(rows);
        }
        let min = *s.worker_clock.iter().min().expect("at least one worker");
        let before = s.committed_clock;
        let served_before = self.served_clock(g);
        let s = &mut self.shards[g];
        while s.committed_clock < min {
            let m = s.committed_clock;
            if let Some(batches) = s.pending.remove(&m) {
                // Canonical order: by worker index, whatever the arrival order.
                for b in batches.into_iter().flatten() {
                    self.server_params[dc].apply(&b);
                    if let Some(asp) = self.asp.as_mut() {
                        asp.accumulate(dc, &mut s.dirty, &b);
                    }
                }
            }
            s.committed_clock = m + 1;
        }
        let committed = s.committed_clock;
        if committed > before && self.asp.is_some() {
            self.send_to_mirrors(g)?;
        }
        self.on_served_clock(g, served_before)?;
        if self.config.consistency == Consistency::Bsp && committed > before {
            debug_assert_eq!(committed, before + 1, "BSP workers are never more than one clock apart");
            for i in 0..p {
                let w = self.dc_workers[dc][i];
                let conn = self.to_worker(w, g % self.shards_per_dc);
                self.send(conn, Payload::Release, self.config.message_overhead_bytes as u64)?;
            }
        }
        self.record_progress();
        Ok(())
    }

    /// After anything that may raise shard `g`'s served clock from `before`: answers the reads now
    /// allowed and, under ESSP, pushes subscribed rows if the served clock rose.
    fn on_served_clock(&mut self, g: usize, before: u64) -> Result<(), PsError> {
        self.serve_waiting(g)?;
        if matches!(self.config.consistency, Consistency::Essp { .. }) && self.served_clock(g) > before {
            self.push_subscribed(g)?;
        }
        // Under ASP a mirror clock may complete a checkpoint's drain.
        self.try_snapshot();
        Ok(())
    }

    /// ESSP: sends every worker the current values of the rows it has read from shard `g`.
    fn push_subscribed(&mut self, g: usize) -> Result<(), PsError> {
        let latest = self.serves_latest();
        let served = self.served_clock(g);
        let dc = self.shards[g].dc;
        for local in 0..self.dc_workers[dc].len() {
            if self.shards[g].subscribed[local].is_empty() {
                continue;
            }
            let w = self.dc_workers[dc][local];
            let rows: Vec<RowRef> = self.shards[g].subscribed[local].iter().copied().collect();
            let mut values = Vec::new();
            for &r in &rows {
                values.extend_from_slice(self.server_params[dc].row(r));
            }
            let own_included = if latest { self.shards[g].worker_clock[local] } else { self.shards[g].committed_clock };
            let bytes =
                self.config.message_overhead_bytes as u64 + rows.iter().map(|&r| self.row_bytes(r, true)).sum::<u64>();
            self.out.rows_pushed += rows.len() as u64;
            let payload = Payload::Push { rows, values, row_clock: served, own_included };
            self.send(self.to_worker(w, g % self.shards_per_dc), payload, bytes)?;
        }
        Ok(())
    }

    fn on_request(&mut self, w: u32, g: usize, required: u64, rows: Vec<RowRef>) -> Result<(), PsError> {
        let now = self.sim.now();
        if matches!(self.config.consistency, Consistency::Essp { .. }) {
            let local = self.workers[w as usize].local;
            self.shards[g].subscribed[local].extend(rows.iter().copied());
        }
        self.shards[g].waiting.push((w, required, rows, now));
        self.serve_waiting(g)
    }

    fn serve_waiting(&mut self, g: usize) -> Result<(), PsError> {
        let now = self.sim.now();
        let asynchronous = self.config.consistency == Consistency::Async;
        let latest = self.serves_latest();
        let served = self.served_clock(g);
        let dc = self.shards[g].dc;
        let ready: Vec<(u32, u64, Vec<RowRef>, SimTime)>;
        {
            let shard = &mut self.shards[g];
            let barred = &shard.barred;
            let (r, keep): (Vec<_>, Vec<_>) =
                std::mem::take(&mut shard.waiting).into_iter().partition(|(_, required, rows, _)| {
                    (asynchronous || *required <= served) && !rows.iter().any(|r| barred.contains_key(r))
                });
            if let Some(asp) = self.asp.as_mut() {
                // A read that would be served but for the selective barrier.
                asp.stats.barrier_held_reads += keep
                    .iter()
                    .filter(|(_, required, rows, _)| *required <= served && rows.iter().any(|r| barred.contains_key(r)))
                    .count() as u64;
            }
            shard.waiting = keep;
            ready = r;
        }
        for (w, _, rows, arrival) in ready {
            let mut values = Vec::new();
            for &r in &rows {
                values.extend_from_slice(self.server_params[dc].row(r));
            }
            let local = self.workers[w as usize].local;
            let own_included = if latest { self.shards[g].worker_clock[local] } else { self.shards[g].committed_clock };
            let bytes =
                self.config.message_overhead_bytes as u64 + rows.iter().map(|&r| self.row_bytes(r, true)).sum::<u64>();
            let payload =
                Payload::Response { rows, values, row_clock: served, own_included, blocked: now.since(arrival) };
            self.send(self.to_worker(w, g % self.shards_per_dc), payload, bytes)?;
        }
        Ok(())
    }

    /// Records the objective when every shard has committed one more clock (at a checkpoint clock, when
    /// its snapshot is taken), and the clock's end.
    fn record_progress(&mut self) {
        let global = self.shards.iter().map(|s| s.committed_clock).min().expect("at least one shard");
        while self.global_clock < global {
            self.global_clock += 1;
            let c = self.global_clock;
            (self.on_clock)(c);
            self.out.step_end.push(self.sim.now());
            let checkpoint = self.config.checkpoint_every.is_some_and(|k| c % k == 0 && c < self.config.clocks);
            if !checkpoint && (c % self.config.objective_every == 0 || c == self.config.clocks) {
                self.record_objective(c);
            }
        }
        self.try_snapshot();
    }

    /// Records the objective of the servers' model now, after `c` clocks.
    fn record_objective(&mut self, c: u64) {
        let objective =
            self.server_params.iter().map(|p| self.program.objective(p)).sum::<f64>() / self.server_params.len() as f64;
        self.out.convergence.push(ObjectivePoint { clock: c, time: self.sim.now(), objective });
    }

    // ----- messaging -----

    fn to_shard(&self, w: u32, k: usize) -> usize {
        2 * (w as usize * self.shards_per_dc + k)
    }

    fn to_worker(&self, w: u32, k: usize) -> usize {
        2 * (w as usize * self.shards_per_dc + k) + 1
    }

    /// First connection index of the mirror connections.
    fn mirror_base(&self) -> usize {
        2 * self.workers.len() * self.shards_per_dc
    }

    /// The connection from shard `k` of data center `from` to its mirror in data center `to`.
    fn to_mirror(&self, from: usize, to: usize, k: usize) -> usize {
        self.mirror_base() + (from * self.dc_workers.len() + to) * self.shards_per_dc + k
    }

    /// The ends of a connection.
    fn ends(&self, conn: usize) -> Ends {
        let base = self.mirror_base();
        if conn >= base {
            let i = conn - base;
            let k = i % self.shards_per_dc;
            let pair = i / self.shards_per_dc;
            let (from, to) = (pair / self.dc_workers.len(), pair % self.dc_workers.len());
            Ends::Mirror { from: from * self.shards_per_dc + k, to: to * self.shards_per_dc + k }
        } else {
            let pair = conn / 2;
            let (w, k) = ((pair / self.shards_per_dc) as u32, pair % self.shards_per_dc);
            let g = self.shard_index(w, k);
            if conn % 2 == 0 {
                Ends::ToShard { w, g }
            } else {
                Ends::ToWorker { w, k, g }
            }
        }
    }

    fn send(&mut self, conn: usize, payload: Payload, bytes: u64) -> Result<(), PsError> {
        let now = self.sim.now();
        let (src, dst) = match self.ends(conn) {
            Ends::ToShard { w, g, .. } => {
                self.workers[w as usize].bytes += bytes;
                (self.workers[w as usize].host, self.shards[g].host)
            }
            Ends::ToWorker { w, g, .. } => {
                self.workers[w as usize].bytes += bytes;
                (self.shards[g].host, self.workers[w as usize].host)
            }
            Ends::Mirror { from, to } => {
                self.asp.as_mut().expect("mirror traffic only under ASP").stats.mirror_bytes += bytes;
                (self.shards[from].host, self.shards[to].host)
            }
        };
        let tag = self.conns.post(conn, payload);
        let route = self.router.route(self.platform, src, dst, conn as u64)?;
        self.net.start(now, &route, bytes, tag);
        self.out.bytes_sent += bytes;
        Ok(())
    }

    fn on_flow_done(&mut self, c: Completion) -> Result<(), PsError> {
        let (conn, ready) = self.conns.arrive(c.tag);
        for payload in ready {
            self.deliver(conn, payload)?;
        }
        Ok(())
    }

    fn deliver(&mut self, conn: usize, payload: Payload) -> Result<(), PsError> {
        match (self.ends(conn), payload) {
            (Ends::ToShard { w, g }, Payload::Update { clock, rows }) => {
                self.on_update(self.workers[w as usize].local, g, clock, rows)
            }
            (Ends::ToShard { w, g }, Payload::Request { required, rows }) => self.on_request(w, g, required, rows),
            (Ends::ToWorker { w, k, .. }, Payload::Response { rows, values, row_clock, own_included, blocked }) => {
                self.on_response(w, k, rows, values, row_clock, own_included, blocked)
            }
            (Ends::ToWorker { w, k, .. }, Payload::Push { rows, values, row_clock, own_included }) => {
                self.install_rows(w, k, &rows, &values, row_clock, own_included);
                Ok(())
            }
            (Ends::ToWorker { w, .. }, Payload::Release) => {
                let worker = &mut self.workers[w as usize];
                worker.releases += 1;
                if worker.phase == Phase::Barrier && worker.releases == self.shards_per_dc {
                    return self.pass_barrier(w);
                }
                Ok(())
            }
            (Ends::Mirror { to, .. }, Payload::MirrorNotice { rows }) => self.on_mirror_notice(to, rows),
            (Ends::Mirror { to, .. }, Payload::MirrorUpdate { rows }) => self.on_mirror_update(to, rows),
            (Ends::Mirror { from, to }, Payload::MirrorClock { clock }) => self.on_mirror_clock(from, to, clock),
            (ends, payload) => unreachable!("{payload:?} on connection {ends:?}"),
        }
    }
}

/// The ends of a connection, with global shard indices.
#[derive(Clone, Copy, Debug)]
enum Ends {
    /// Worker `w` to shard `g` of its data center.
    ToShard { w: u32, g: usize },
    /// Shard `k` (global `g`) to worker `w`.
    ToWorker { w: u32, k: usize, g: usize },
    /// Shard `from` to its mirror `to`.
    Mirror { from: usize, to: usize },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{ComputeDevice, Work};
    use crate::platform::LinkSpec;
    use crate::time::{BytesPerSec, FlopPerSec};

    /// Worker `w` at clock `c` adds 1 to row `c` (one row per clock) and reads row 0, so SSP's bound
    /// applies. The objective `Σ_r v_r (p + 1)^r` (exact in f64 for the sizes used) tells which clocks'
    /// updates a model holds: with every update of clocks `< c` and none later it is
    /// `Σ_{r<c} p (p + 1)^r`.
    struct Tally {
        workers: usize,
        clocks: u32,
    }

    impl Tally {
        fn base(&self) -> f64 {
            (self.workers + 1) as f64
        }

        /// The objective of a model holding exactly the updates of clocks `< c`.
        fn exactly_before(&self, c: u64) -> f64 {
            (0..c).map(|r| self.workers as f64 * self.base().powi(r as i32)).sum()
        }
    }

    impl DataParallelProgram for Tally {
        fn name(&self) -> String {
            "tally".into()
        }
        fn tables(&self) -> Vec<TableSpec> {
            vec![TableSpec { name: "per clock".into(), rows: self.clocks, width: 1 }]
        }
        fn initial_params(&self) -> Params {
            Params::zeros(&self.tables())
        }
        fn workers(&self) -> usize {
            self.workers
        }
        fn rows_needed(&self, _worker: usize, _clock: u64) -> Vec<RowRef> {
            vec![RowRef { table: 0, row: 0 }]
        }
        fn compute(&self, _worker: usize, clock: u64, _params: &Params, _state: &mut dyn std::any::Any) -> Step {
            let row = RowRef { table: 0, row: clock as u32 };
            Step { updates: vec![RowDelta { row, delta: vec![1.0] }], work: Work { flops: 1_000_000, bytes: 0 } }
        }
        fn objective(&self, params: &Params) -> f64 {
            params.table(0).iter().enumerate().map(|(r, v)| v * self.base().powi(r as i32)).sum()
        }
        fn objective_name(&self) -> String {
            "tally".into()
        }
    }

    fn device() -> ComputeDevice {
        ComputeDevice {
            peak: FlopPerSec(1_000_000_000),
            efficiency: 1.0,
            memory_bytes: 1 << 30,
            memory_bandwidth: BytesPerSec(1_000_000_000),
            launch_overhead: SimDuration::ZERO,
        }
    }

    /// `hosts` hosts on one switch (10 Gbps, 2 µs per link), the first `hosts / 2` in site 0, the rest in
    /// site 1.
    fn star(hosts: usize) -> (Platform, Vec<NodeId>) {
        let mut p = Platform::new();
        let sw = p.add_switch("switch", SimDuration::from_ns(500), 0);
        let hs: Vec<NodeId> =
            (0..hosts).map(|i| p.add_host(format!("host{i}"), device(), (2 * i / hosts) as u32)).collect();
        for &h in &hs {
            p.connect(h, sw, &LinkSpec::new(BytesPerSec(1_250_000_000), SimDuration::from_us(2)));
        }
        (p, hs)
    }

    const CLOCKS: u32 = 12;

    fn tally() -> Tally {
        Tally { workers: 3, clocks: CLOCKS }
    }

    /// Worker 0 computes 4 times slower, so under SSP the others run ahead of it.
    fn slow_first() -> StragglerModel {
        StragglerModel::Persistent { workers: vec![0], slowdown: 4.0 }
    }

    fn run_tally(consistency: Consistency, checkpoint_every: Option<u64>) -> PsRun {
        let (platform, hosts) = star(5);
        let deployment = PsDeployment { workers: hosts[..3].to_vec(), servers: hosts[3..].to_vec() };
        let config = PsConfig {
            consistency,
            clocks: u64::from(CLOCKS),
            objective_every: 5,
            checkpoint_every,
            ..PsConfig::default()
        };
        run(&platform, &deployment, &tally(), &config, &slow_first(), 1).unwrap()
    }

    const MODELS: [Consistency; 4] =
        [Consistency::Bsp, Consistency::Ssp { staleness: 3 }, Consistency::Essp { staleness: 2 }, Consistency::Async];

    #[test]
    fn a_checkpoint_snapshot_holds_exactly_the_clocks_before_it() {
        let p = tally();
        for consistency in MODELS {
            let run = run_tally(consistency, Some(4));
            let label = consistency.label();
            // Checkpoint clocks 4 and 8 (not 12, the last) are recorded whatever objective_every (5).
            let clocks: Vec<u64> = run.convergence.iter().map(|q| q.clock).collect();
            assert_eq!(clocks, [0, 4, 5, 8, 10, 12], "{label}");
            for q in run.convergence.iter().filter(|q| q.clock % 4 == 0) {
                assert_eq!(q.objective, p.exactly_before(q.clock), "{label}: snapshot at clock {}", q.clock);
                if q.clock > 0 {
                    assert_eq!(q.time, run.step_end[q.clock as usize - 1], "{label}");
                }
            }
            // No worker started a checkpoint clock before the snapshot: each finished it after.
            for r in run.worker_clocks.iter().filter(|r| r.clock % 4 == 0 && r.clock > 0) {
                assert!(r.finished > run.step_end[r.clock as usize - 1], "{label}: {r:?}");
            }
            assert_eq!(run.step_end.len(), CLOCKS as usize);
            assert!(run.step_end.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(run.staleness_violations, 0);
            assert_eq!(run.final_params.table(0), vec![3.0; CLOCKS as usize].as_slice());
        }
    }

    #[test]
    fn without_the_drain_stale_models_run_past_the_checkpoint_clock() {
        // The check above has teeth: under SSP without drains, when clock 4's last update arrives the
        // faster workers' later clocks are already in the servers' latest value.
        let p = tally();
        let run = run_tally(Consistency::Ssp { staleness: 3 }, None);
        let fast_ahead = run.worker_clocks.iter().any(|r| r.clock == 4 && r.finished < run.step_end[3]);
        assert!(fast_ahead, "a fast worker finishes clock 4 before clock 3 is complete everywhere");
        let at5 = run.convergence.iter().find(|q| q.clock == 5).unwrap();
        assert!(at5.objective > p.exactly_before(5), "{} vs {}", at5.objective, p.exactly_before(5));
    }

    #[test]
    fn checkpoint_drains_only_slow_a_run_and_never_change_its_final_model() {
        for consistency in MODELS {
            let plain = run_tally(consistency, None);
            let drained = run_tally(consistency, Some(4));
            assert_eq!(plain.final_params, drained.final_params);
            assert!(drained.step_end[CLOCKS as usize - 1] >= plain.step_end[CLOCKS as usize - 1]);
            // The last step ends when the run's last update arrives.
            assert_eq!(plain.step_end.last(), Some(&plain.convergence.last().unwrap().time));
        }
        // Under BSP every clock already ends at a barrier: the drain costs nothing.
        let (plain, drained) = (run_tally(Consistency::Bsp, None), run_tally(Consistency::Bsp, Some(4)));
        assert_eq!(plain.step_end, drained.step_end);
        assert_eq!(plain.worker_clocks, drained.worker_clocks);
    }

    #[test]
    fn under_gaia_a_snapshot_waits_for_the_mirrors() {
        // Threshold 0: every update is significant, so once the mirrors have reported a clock every data
        // center's model holds every update of the clocks before it.
        let p = Tally { workers: 4, clocks: CLOCKS };
        let (platform, hosts) = star(8);
        let dcs = [
            PsDeployment { workers: hosts[0..2].to_vec(), servers: hosts[2..4].to_vec() },
            PsDeployment { workers: hosts[4..6].to_vec(), servers: hosts[6..8].to_vec() },
        ];
        let asp = AspConfig { threshold: 0.0, selective_barrier: true, mirror_slack: 0 };
        for consistency in [Consistency::Bsp, Consistency::Ssp { staleness: 2 }] {
            let config = PsConfig {
                consistency,
                clocks: u64::from(CLOCKS),
                objective_every: 100,
                checkpoint_every: Some(3),
                ..PsConfig::default()
            };
            let run = run_gaia(&platform, &dcs, &p, &config, &asp, &slow_first(), 1, &|_| {}).unwrap();
            let points: Vec<(u64, f64)> = run.convergence.iter().map(|q| (q.clock, q.objective)).collect();
            let want: Vec<(u64, f64)> = [0, 3, 6, 9].iter().map(|&c| (c, p.exactly_before(c))).collect();
            assert_eq!(points[..4], want[..], "{}", consistency.label());
            assert_eq!(points.last().unwrap().0, u64::from(CLOCKS));
        }
    }

    #[test]
    fn a_checkpoint_saves_the_largest_shard_and_worker_state() {
        let p = tally();
        let config = PsConfig { key_bytes: 8, value_bytes: 4, ..PsConfig::default() };
        // 12 rows of width 1 over 5 shards: rows 0..12 mod 5 gives 3, 3, 2, 2, 2 rows of 12 bytes.
        assert_eq!(CheckpointSize::of(&p, &config, 5, false), CheckpointSize { shard_bytes: 36, worker_bytes: 0 });
        assert_eq!(CheckpointSize::of(&p, &config, 5, true).shard_bytes, 3 * 16);
        assert_eq!(CheckpointSize::of(&p, &config, 1, false).shard_bytes, 12 * 12);
    }

    #[test]
    fn a_zero_checkpoint_interval_is_a_configuration_error() {
        let (platform, hosts) = star(4);
        let deployment = PsDeployment { workers: hosts[..3].to_vec(), servers: hosts[3..].to_vec() };
        let config = PsConfig { checkpoint_every: Some(0), ..PsConfig::default() };
        let e = run(&platform, &deployment, &tally(), &config, &StragglerModel::None, 1).unwrap_err();
        assert!(matches!(e, PsError::Config(_)), "{e}");
    }
}
