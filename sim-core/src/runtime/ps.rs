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
//! **Accounting** per worker and clock: compute time (the program's reported work on the
//! worker's device, times the straggler factor); waiting time (the longest time one of the
//! clock's read requests sat at a shard for the consistency rule, plus, under BSP, the barrier
//! after the clock); communication time (the rest of the reading time); bytes sent and received;
//! and the staleness `c − row clock` of every row read. The three times partition a worker's
//! timeline: they add up to when it finished its last clock (under BSP, passed its last barrier).
//! Server-side update application costs no simulated time.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::engine::Simulation;
use crate::flow::{Completion, FlowNetwork, NetworkModel};
use crate::platform::{NodeId, Platform};
use crate::program::{DataParallelProgram, Params, RowDelta, RowRef, Step, TableSpec};
use crate::routing::{PathSelection, Router, RoutingError};
use crate::straggler::{StragglerModel, WorkerSlowdown};
use crate::time::{SimDuration, SimTime};

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

/// The model at a moment: recorded when every shard has every worker's updates of clocks `< clock`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectivePoint {
    /// Clocks completed by every worker and delivered to every shard.
    pub clock: u64,
    /// When that happened [ps].
    pub time: SimTime,
    /// The program's objective of the servers' model at that moment.
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
    /// Engine events and flow completions processed.
    pub events: u64,
    /// The servers' final model.
    pub final_params: Params,
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
    Runtime::new(platform, deployment, program, config, stragglers, seed, on_clock)?.run()
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
        clock: u64,
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
}

#[derive(Clone, Debug)]
struct Message {
    conn: usize,
    seq: u64,
    payload: Payload,
    bytes: u64,
}

/// An in-order channel between a worker and a shard (one per direction).
#[derive(Clone, Debug, Default)]
struct Connection {
    next_send: u64,
    next_deliver: u64,
    held: BTreeMap<u64, Message>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Reading,
    Computing,
    Barrier,
    Done,
}

struct Worker {
    host: NodeId,
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
    /// Updates delivered from each worker (= that worker's next expected clock).
    worker_clock: Vec<u64>,
    /// Clocks complete at this shard (min of `worker_clock`); the committed value covers them.
    committed_clock: u64,
    /// Buffered update batches of incomplete clocks, by clock, then worker (SSP and BSP).
    pending: BTreeMap<u64, Vec<Option<Vec<RowDelta>>>>,
    /// Requests waiting for `committed_clock ≥ required`: (worker, required, rows, arrival).
    waiting: Vec<(u32, u64, Vec<RowRef>, SimTime)>,
    /// ESSP: the rows each worker has read from this shard (pushed on every commit).
    subscribed: Vec<BTreeSet<RowRef>>,
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
    shards: Vec<Shard>,
    /// The servers' model: latest (async, SSP with latest reads) or complete clocks only (BSP, SSP
    /// with complete-clock reads); each shard owns a disjoint set of rows.
    server_params: Params,
    /// Connections: index `2 · (worker · shards + shard)` worker→shard, `+ 1` shard→worker.
    conns: Vec<Connection>,
    in_flight: Vec<Option<Message>>,
    free_msgs: Vec<u32>,
    global_clock: u64,
    on_clock: &'a (dyn Fn(u64) + Sync),
    out: PsRun,
}

impl<'a> Runtime<'a> {
    fn new(
        platform: &'a Platform,
        deployment: &PsDeployment,
        program: &'a dyn DataParallelProgram,
        config: &PsConfig,
        stragglers: &'a StragglerModel,
        seed: u64,
        on_clock: &'a (dyn Fn(u64) + Sync),
    ) -> Result<Self, PsError> {
        if deployment.workers.len() != program.workers() {
            return Err(PsError::Deployment(format!(
                "{} worker hosts for a program partitioned over {} workers",
                deployment.workers.len(),
                program.workers()
            )));
        }
        if deployment.servers.is_empty() {
            return Err(PsError::Deployment("no server shard".into()));
        }
        for &n in deployment.workers.iter().chain(&deployment.servers) {
            if n.index() >= platform.nodes.len() || !platform.is_host(n) {
                return Err(PsError::Deployment(format!("node {} is not a host of the platform", n.0)));
            }
        }
        if config.objective_every == 0 {
            return Err(PsError::Config("objective_every must be at least 1".into()));
        }
        stragglers.validate().map_err(PsError::Config)?;
        let tables = program.tables();
        let init = program.initial_params();
        let mut router = Router::with_selection(platform, config.path_selection);
        // Fail early if some worker cannot reach some shard.
        for &w in &deployment.workers {
            for &s in &deployment.servers {
                router.route(platform, w, s, 0)?;
                router.route(platform, s, w, 0)?;
            }
        }
        let p = deployment.workers.len();
        let workers = deployment
            .workers
            .iter()
            .enumerate()
            .map(|(i, &host)| Worker {
                host,
                clock: 0,
                phase: Phase::Reading,
                cache: init.clone(),
                row_clock: tables.iter().map(|t| vec![0; t.rows as usize]).collect(),
                history: VecDeque::new(),
                acked: vec![0; deployment.servers.len()],
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
            })
            .collect();
        let shards = deployment
            .servers
            .iter()
            .map(|&host| Shard {
                host,
                worker_clock: vec![0; p],
                committed_clock: 0,
                pending: BTreeMap::new(),
                waiting: Vec::new(),
                subscribed: vec![BTreeSet::new(); p],
            })
            .collect();
        let conns = vec![Connection::default(); 2 * p * deployment.servers.len()];
        let mut sim = Simulation::new();
        for w in 0..p as u32 {
            sim.schedule_at(SimTime::ZERO, Event::StartClock(w));
        }
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
            events: 0,
            final_params: init.clone(),
        };
        Ok(Runtime {
            platform,
            program,
            config: config.clone(),
            stragglers,
            tables,
            net: FlowNetwork::with_model(platform, config.network_model),
            router,
            sim,
            workers,
            shards,
            server_params: init,
            conns,
            in_flight: Vec::new(),
            free_msgs: Vec::new(),
            global_clock: 0,
            on_clock,
            out,
        })
    }

    fn run(mut self) -> Result<PsRun, PsError> {
        loop {
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
        assert!(self.workers.iter().all(|w| w.phase == Phase::Done), "run ended with a worker still busy");
        assert_eq!(self.global_clock, self.config.clocks, "run ended before every update was committed");
        self.out.end_time = self.sim.now();
        self.out.link_bytes = self.net.link_bytes().to_vec();
        self.out.worker_clocks.sort_by_key(|r| (r.worker, r.clock));
        self.out.final_params = self.server_params;
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

    fn shard_of(&self, row: RowRef) -> usize {
        // Spread consecutive rows of every table round-robin over shards.
        (row.row as usize + row.table as usize * 7_919) % self.shards.len()
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
            self.send(self.to_shard(w, shard), Payload::Request { clock: c, required, rows }, bytes)?;
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
        let mut batches: Vec<Vec<RowDelta>> = vec![Vec::new(); self.shards.len()];
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
            if worker.releases == self.shards.len() {
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

    fn on_update(&mut self, w: u32, shard: usize, clock: u64, rows: Vec<RowDelta>) -> Result<(), PsError> {
        let p = self.workers.len();
        let latest = self.serves_latest();
        let s = &mut self.shards[shard];
        assert_eq!(s.worker_clock[w as usize], clock, "update batches arrive in clock order");
        s.worker_clock[w as usize] += 1;
        if latest {
            self.server_params.apply(&rows);
        } else {
            s.pending.entry(clock).or_insert_with(|| vec![None; p])[w as usize] = Some(rows);
        }
        let min = *s.worker_clock.iter().min().expect("at least one worker");
        let before = s.committed_clock;
        while s.committed_clock < min {
            let m = s.committed_clock;
            if let Some(batches) = s.pending.remove(&m) {
                // Canonical order: by worker index, whatever the arrival order.
                for b in batches.into_iter().flatten() {
                    self.server_params.apply(&b);
                }
            }
            s.committed_clock = m + 1;
        }
        let committed = s.committed_clock;
        self.serve_waiting(shard)?;
        if matches!(self.config.consistency, Consistency::Essp { .. }) && committed > before {
            self.push_subscribed(shard)?;
        }
        if self.config.consistency == Consistency::Bsp && committed > before {
            debug_assert_eq!(committed, before + 1, "BSP workers are never more than one clock apart");
            for worker in 0..p {
                let conn = self.to_worker(worker as u32, shard);
                self.send(conn, Payload::Release, self.config.message_overhead_bytes as u64)?;
            }
        }
        self.record_progress();
        Ok(())
    }

    /// ESSP: sends every worker the current values of the rows it has read from `shard`.
    fn push_subscribed(&mut self, shard: usize) -> Result<(), PsError> {
        let latest = self.serves_latest();
        let committed = self.shards[shard].committed_clock;
        for w in 0..self.workers.len() {
            if self.shards[shard].subscribed[w].is_empty() {
                continue;
            }
            let rows: Vec<RowRef> = self.shards[shard].subscribed[w].iter().copied().collect();
            let mut values = Vec::new();
            for &r in &rows {
                values.extend_from_slice(self.server_params.row(r));
            }
            let own_included = if latest { self.shards[shard].worker_clock[w] } else { committed };
            let bytes =
                self.config.message_overhead_bytes as u64 + rows.iter().map(|&r| self.row_bytes(r, true)).sum::<u64>();
            self.out.rows_pushed += rows.len() as u64;
            let payload = Payload::Push { rows, values, row_clock: committed, own_included };
            self.send(self.to_worker(w as u32, shard), payload, bytes)?;
        }
        Ok(())
    }

    fn on_request(
        &mut self,
        w: u32,
        shard: usize,
        clock: u64,
        required: u64,
        rows: Vec<RowRef>,
    ) -> Result<(), PsError> {
        let _ = clock;
        let now = self.sim.now();
        if matches!(self.config.consistency, Consistency::Essp { .. }) {
            self.shards[shard].subscribed[w as usize].extend(rows.iter().copied());
        }
        self.shards[shard].waiting.push((w, required, rows, now));
        self.serve_waiting(shard)
    }

    fn serve_waiting(&mut self, shard: usize) -> Result<(), PsError> {
        let now = self.sim.now();
        let asynchronous = self.config.consistency == Consistency::Async;
        let latest = self.serves_latest();
        let committed = self.shards[shard].committed_clock;
        let ready: Vec<(u32, u64, Vec<RowRef>, SimTime)>;
        {
            let waiting = &mut self.shards[shard].waiting;
            let (r, keep): (Vec<_>, Vec<_>) = std::mem::take(waiting)
                .into_iter()
                .partition(|(_, required, _, _)| asynchronous || *required <= committed);
            *waiting = keep;
            ready = r;
        }
        for (w, _, rows, arrival) in ready {
            let mut values = Vec::new();
            for &r in &rows {
                values.extend_from_slice(self.server_params.row(r));
            }
            let own_included = if latest { self.shards[shard].worker_clock[w as usize] } else { committed };
            let bytes =
                self.config.message_overhead_bytes as u64 + rows.iter().map(|&r| self.row_bytes(r, true)).sum::<u64>();
            let payload =
                Payload::Response { rows, values, row_clock: committed, own_included, blocked: now.since(arrival) };
            self.send(self.to_worker(w, shard), payload, bytes)?;
        }
        Ok(())
    }

    /// Records the objective when every shard has committed one more clock.
    fn record_progress(&mut self) {
        let global = self.shards.iter().map(|s| s.committed_clock).min().expect("at least one shard");
        while self.global_clock < global {
            self.global_clock += 1;
            let c = self.global_clock;
            (self.on_clock)(c);
            if c % self.config.objective_every == 0 || c == self.config.clocks {
                let objective = self.program.objective(&self.server_params);
                self.out.convergence.push(ObjectivePoint { clock: c, time: self.sim.now(), objective });
            }
        }
    }

    // ----- messaging -----

    fn to_shard(&self, w: u32, shard: usize) -> usize {
        2 * (w as usize * self.shards.len() + shard)
    }

    fn to_worker(&self, w: u32, shard: usize) -> usize {
        2 * (w as usize * self.shards.len() + shard) + 1
    }

    /// The worker and shard of a connection.
    fn ends(&self, conn: usize) -> (u32, usize) {
        let pair = conn / 2;
        ((pair / self.shards.len()) as u32, pair % self.shards.len())
    }

    fn send(&mut self, conn: usize, payload: Payload, bytes: u64) -> Result<(), PsError> {
        let now = self.sim.now();
        let (w, shard) = self.ends(conn);
        let (src, dst) = if conn % 2 == 0 {
            (self.workers[w as usize].host, self.shards[shard].host)
        } else {
            (self.shards[shard].host, self.workers[w as usize].host)
        };
        let seq = self.conns[conn].next_send;
        self.conns[conn].next_send += 1;
        let msg = Message { conn, seq, payload, bytes };
        let slot = match self.free_msgs.pop() {
            Some(s) => {
                self.in_flight[s as usize] = Some(msg);
                s
            }
            None => {
                self.in_flight.push(Some(msg));
                (self.in_flight.len() - 1) as u32
            }
        };
        let route = self.router.route(self.platform, src, dst, conn as u64)?;
        self.net.start(now, &route, bytes, slot as u64);
        self.out.bytes_sent += bytes;
        self.workers[w as usize].bytes += bytes;
        Ok(())
    }

    fn on_flow_done(&mut self, c: Completion) -> Result<(), PsError> {
        let msg = self.in_flight[c.tag as usize].take().expect("message in flight");
        self.free_msgs.push(c.tag as u32);
        let conn = msg.conn;
        self.conns[conn].held.insert(msg.seq, msg);
        // Deliver in order: everything contiguous from the next expected sequence number.
        loop {
            let next = self.conns[conn].next_deliver;
            let Some(m) = self.conns[conn].held.remove(&next) else { break };
            self.conns[conn].next_deliver += 1;
            self.deliver(m)?;
        }
        Ok(())
    }

    fn deliver(&mut self, m: Message) -> Result<(), PsError> {
        let (w, shard) = self.ends(m.conn);
        let _ = m.bytes;
        match m.payload {
            Payload::Update { clock, rows } => self.on_update(w, shard, clock, rows),
            Payload::Request { clock, required, rows } => self.on_request(w, shard, clock, required, rows),
            Payload::Response { rows, values, row_clock, own_included, blocked } => {
                self.on_response(w, shard, rows, values, row_clock, own_included, blocked)
            }
            Payload::Push { rows, values, row_clock, own_included } => {
                self.install_rows(w, shard, &rows, &values, row_clock, own_included);
                Ok(())
            }
            Payload::Release => {
                let worker = &mut self.workers[w as usize];
                worker.releases += 1;
                if worker.phase == Phase::Barrier && worker.releases == self.shards.len() {
                    return self.pass_barrier(w);
                }
                Ok(())
            }
        }
    }
}
