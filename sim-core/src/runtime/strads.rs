//! STRADS: scheduled model parallelism (Lee, Kim, Zheng, Ho, Gibson, Xing, "On Model Parallelization
//! and Scheduling Strategies for Distributed Machine Learning", NIPS 2014, §2; Kim, Ho, Lee, Zheng,
//! Dai, Gibson, Xing, "STRADS: A Distributed Framework for Scheduled Model Parallel Machine
//! Learning", EuroSys 2016, §3–4).
//!
//! **Structure.** One *scheduler* node holds the committed model and the scheduler's state (STRADS's
//! scheduler and its aggregating master, colocated on one node); each *worker* holds one shard of the
//! data and its per-shard state. A **round** `t` is:
//!
//! 1. the scheduler runs [`ModelParallelProgram::schedule`] (its [`Schedule::work`] is charged on the
//!    scheduler's device) and sends each worker with a non-empty task a *task* message;
//! 2. each such worker runs [`ModelParallelProgram::push`] on its shard (charged on its device) and sends
//!    its *partial* result back;
//! 3. once every partial of round `t` has arrived and round `t − 1` is committed, the scheduler runs
//!    [`ModelParallelProgram::pull`] (charged on its device), which updates the model, and sends the
//!    *commit* to every worker that had a task in the round;
//! 4. each of those workers runs [`ModelParallelProgram::apply`] (charged on its device).
//!
//! **Pipelining** (STRADS's pipelined scheduling, EuroSys 2016 §4.2): with depth `d` the scheduler
//! may dispatch round `t` while rounds `t − d … t − 1` are still uncommitted, i.e. at most `d + 1`
//! rounds are in flight. Tasks and commits travel on one in-order connection per worker, and a worker
//! handles its messages in arrival order, so the push of round `t` sees exactly the commits of every
//! round `< t − d` in which the worker took part (and possibly later ones): staleness at most `d`
//! rounds. With `d = 0` rounds are strictly sequential and the run computes exactly what the
//! program's sequential schedule → push → pull → apply loop computes.
//!
//! **Resources.** The scheduler is one processor: scheduling and aggregation jobs queue in FIFO order.
//! Each worker is one processor: tasks and commits are handled one at a time. A worker placed on the
//! scheduler's host is modelled as a separate core there (messages between them take no time).
//!
//! **Wire sizes.** A task is `message_overhead_bytes + key_bytes · vars + value_bytes · values`; a
//! partial and a commit are `message_overhead_bytes + value_bytes · values` (every message is a flow on
//! the network, so a WAN or a congested link slows rounds down).
//!
//! **Measurements.** The objective of the committed model every `objective_every` rounds (and after
//! the first and last), with the program's non-zero count; per round, when it was dispatched and
//! committed, how many variables it scheduled and its parallelization error
//! ([`Commit::parallelization_error`]); per worker, compute and idle time; the scheduler's busy time;
//! the largest staleness of a push (checked against the depth bound).

use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::engine::Simulation;
use crate::flow::{Completion, FlowNetwork, NetworkAudit, NetworkModel};
use crate::platform::{NodeId, Platform};
use crate::program::{Commit, ModelParallelProgram, Partial, Schedule, Task};
use crate::routing::{PathSelection, Router, RoutingError};
use crate::runtime::channel::Channels;
use crate::straggler::{StragglerModel, WorkerSlowdown};
use crate::time::{SimDuration, SimTime};
use crate::Work;

/// Parameters of one STRADS run.
#[derive(Clone, Debug, PartialEq)]
pub struct StradsConfig {
    /// Rounds to run at most (≥ 1).
    pub rounds: u64,
    /// Pipeline depth `d` [rounds]: the scheduler may dispatch a round while the `d` before it are
    /// uncommitted (0: one round at a time).
    pub pipeline_depth: u32,
    /// Bytes per model or partial value on the wire [bytes] (4 for float32; the math runs in f64).
    pub value_bytes: u32,
    /// Bytes per variable id in a task [bytes].
    pub key_bytes: u32,
    /// Fixed bytes of every message (headers) [bytes].
    pub message_overhead_bytes: u32,
    /// Record the objective every this many committed rounds (≥ 1).
    pub objective_every: u64,
    /// Stop dispatching new rounds once a recorded objective is at or below this value (rounds
    /// already in flight still commit); `None` runs all [`Self::rounds`].
    pub target_objective: Option<f64>,
    /// How messages share the network.
    pub network_model: NetworkModel,
    /// How routes pick among equal-cost paths.
    pub path_selection: PathSelection,
    /// Check every rate allocation against link capacities ([`FlowNetwork::set_audit`]; for
    /// invariant tests, off by default). The rest of [`StradsRun::network_audit`] is always kept.
    pub audit: bool,
    /// Links failing, degrading or coming back at given times of the run [ps]
    /// ([`FlowNetwork::schedule_link_fault`]): messages move to the remaining shortest paths, and one
    /// left without a path fails the run ([`StradsError::FlowFailed`]).
    pub link_faults: Vec<(SimTime, crate::LinkId, crate::LinkFault)>,
}

impl Default for StradsConfig {
    fn default() -> Self {
        StradsConfig {
            rounds: 1_000,
            pipeline_depth: 0,
            value_bytes: 4,
            key_bytes: 4,
            message_overhead_bytes: 64,
            objective_every: 1,
            target_objective: None,
            network_model: NetworkModel::MaxMin,
            path_selection: PathSelection::Hash,
            audit: false,
            link_faults: Vec::new(),
        }
    }
}

/// Where the scheduler and the workers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StradsDeployment {
    /// Host of the scheduler (and aggregator).
    pub scheduler: NodeId,
    /// Host of each worker; worker `i` holds data shard `i`.
    pub workers: Vec<NodeId>,
}

/// Why a run could not start or went wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StradsError {
    /// The deployment is inconsistent with the program or platform.
    #[error("invalid deployment: {0}")]
    Deployment(String),
    /// A worker cannot reach the scheduler or back.
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The program broke the [`ModelParallelProgram`] contract (e.g. a schedule with the wrong
    /// number of tasks).
    #[error("program error: {0}")]
    Program(String),
    /// A message lost its route to a failed link and no other path joined its ends; the text names
    /// the flow, its ends and the link.
    #[error("{0}")]
    FlowFailed(String),
}

/// The committed model at a moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundPoint {
    /// Rounds committed.
    pub rounds: u64,
    /// When the last of them was committed [ps].
    pub time: SimTime,
    /// The program's objective of the committed model.
    pub objective: f64,
    /// The program's count of non-zero variables, if it has one.
    pub nonzeros: Option<u64>,
}

/// One round, as measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundRecord {
    /// The round.
    pub round: u64,
    /// When its tasks were sent [ps].
    pub dispatched: SimTime,
    /// When its commit was sent [ps].
    pub committed: SimTime,
    /// Distinct variables scheduled over all tasks.
    pub variables: u32,
    /// The commit's [`Commit::parallelization_error`] (objective units).
    pub parallelization_error: f64,
}

/// One worker's time, as measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkerAccount {
    /// Time computing partial results [ps].
    pub push: SimDuration,
    /// Time applying commits [ps].
    pub apply: SimDuration,
    /// Tasks handled.
    pub tasks: u64,
    /// Bytes the worker sent and received [bytes].
    pub bytes: u64,
}

/// Everything a run measured.
pub struct StradsRun {
    /// Objective over simulated time (see [`StradsConfig::objective_every`]); the first point is the
    /// initial model at time 0.
    pub convergence: Vec<RoundPoint>,
    /// Every committed round, in round order.
    pub rounds: Vec<RoundRecord>,
    /// Per worker, in worker order.
    pub workers: Vec<WorkerAccount>,
    /// Time the scheduler spent choosing schedules [ps].
    pub schedule_time: SimDuration,
    /// Time the scheduler spent aggregating partial results [ps].
    pub pull_time: SimDuration,
    /// Bytes of every message sent [bytes].
    pub bytes_sent: u64,
    /// Bytes carried by each link, indexed by link id [bytes].
    pub link_bytes: Vec<u64>,
    /// When the last commit was applied [ps].
    pub end_time: SimTime,
    /// Engine events and flow completions processed.
    pub events: u64,
    /// Whether the run stopped early at [`StradsConfig::target_objective`].
    pub reached_target: bool,
    /// Whether the run stopped early because a recorded objective was not finite (the iterates
    /// diverged, as parallel coordinate descent does when too many correlated variables move at once).
    pub diverged: bool,
    /// The committed model at the end (the program's type).
    pub final_model: Box<dyn Any + Send>,
    /// Largest staleness of a push [rounds]: round `t` pushed by a worker that had not yet applied
    /// the commit of round `r < t` (one it took part in) has staleness `t − r` for the oldest such
    /// `r`, and 0 when it had applied them all. The pipeline bounds it by its depth.
    pub staleness_max: u64,
    /// Pushes whose staleness exceeded [`StradsConfig::pipeline_depth`] (must be zero).
    pub staleness_violations: u64,
    /// The flow network's audit at the end of the run, the engine's clock regressions included
    /// (for invariant tests; not reported).
    pub network_audit: NetworkAudit,
}

impl std::fmt::Debug for StradsRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StradsRun")
            .field("rounds", &self.rounds.len())
            .field("convergence", &self.convergence)
            .field("bytes_sent", &self.bytes_sent)
            .field("end_time", &self.end_time)
            .field("reached_target", &self.reached_target)
            .finish_non_exhaustive()
    }
}

impl StradsRun {
    /// Sum of the rounds' parallelization errors (objective units).
    pub fn parallelization_error(&self) -> f64 {
        self.rounds.iter().map(|r| r.parallelization_error).sum()
    }

    /// The first time the recorded objective was at or below `target` [ps], if ever.
    pub fn time_to(&self, target: f64) -> Option<SimTime> {
        self.convergence.iter().find(|p| p.objective <= target).map(|p| p.time)
    }
}

/// Runs `program` on `platform` under `deployment` until `config.rounds` rounds are committed (or the
/// target objective is reached and the rounds in flight have committed), every commit applied.
/// Worker compute times are multiplied by the straggler model's factor for (worker, round), drawn
/// from the worker's stream of `seed`.
///
/// # Errors
/// [`StradsError::Deployment`] if the worker count differs from the program's or a node is not a
/// host; [`StradsError::Routing`] if a worker and the scheduler cannot reach each other;
/// [`StradsError::Config`] for zero rounds or `objective_every`, or an invalid straggler model;
/// [`StradsError::Program`] if the program returns a schedule with the wrong number of tasks.
pub fn run(
    platform: &Platform,
    deployment: &StradsDeployment,
    program: &dyn ModelParallelProgram,
    config: &StradsConfig,
    stragglers: &StragglerModel,
    seed: u64,
) -> Result<StradsRun, StradsError> {
    Runtime::new(platform, deployment, program, config, stragglers, seed)?.run()
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// The scheduler's current job ends.
    SchedulerDone,
    /// Worker `w`'s current job ends.
    WorkerDone(u32),
}

enum Payload {
    Task { round: u64, task: Arc<Task> },
    Partial { round: u64, partial: Partial },
    Commit { round: u64, commit: Arc<Commit> },
}

enum Job {
    Schedule(u64),
    Pull(u64),
}

/// What a processor is doing until its current job ends.
enum Running {
    Idle,
    /// Scheduler: tasks of a round to send when the job ends.
    Schedule {
        round: u64,
    },
    /// Scheduler: a commit to send when the job ends.
    Pull {
        round: u64,
        commit: Arc<Commit>,
    },
    /// Worker: a partial result to send when the job ends.
    Push {
        round: u64,
        partial: Partial,
    },
    /// Worker: a commit applied.
    Apply,
}

struct Worker {
    host: NodeId,
    inbox: VecDeque<Payload>,
    running: Running,
    /// Tasks whose commit has not been applied yet, by round, with the round's straggler factor.
    tasks: BTreeMap<u64, (Arc<Task>, f64)>,
    state: Box<dyn Any + Send>,
    slowdown: WorkerSlowdown,
    account: WorkerAccount,
}

/// A round between dispatch and commit.
struct InFlight {
    schedule: Schedule,
    partials: Vec<Option<Partial>>,
    missing: usize,
    dispatched: SimTime,
}

struct Runtime<'a> {
    platform: &'a Platform,
    program: &'a dyn ModelParallelProgram,
    config: StradsConfig,
    stragglers: &'a StragglerModel,
    sim: Simulation<Event>,
    net: FlowNetwork,
    router: Router,
    scheduler_host: NodeId,
    model: Box<dyn Any + Send>,
    scheduler_state: Box<dyn Any + Send>,
    jobs: VecDeque<Job>,
    running: Running,
    /// Rounds dispatched (tasks sent or being chosen).
    dispatched: u64,
    /// Rounds committed.
    committed: u64,
    /// Whether a schedule job is queued or running.
    scheduling: bool,
    /// Whether a pull job is queued or running.
    pulling: bool,
    stop: bool,
    in_flight: BTreeMap<u64, InFlight>,
    workers: Vec<Worker>,
    /// Connection `2w`: scheduler → worker `w`; `2w + 1`: worker `w` → scheduler.
    conns: Channels<Payload>,
    out: StradsRun,
}

impl<'a> Runtime<'a> {
    fn new(
        platform: &'a Platform,
        deployment: &StradsDeployment,
        program: &'a dyn ModelParallelProgram,
        config: &StradsConfig,
        stragglers: &'a StragglerModel,
        seed: u64,
    ) -> Result<Self, StradsError> {
        if deployment.workers.len() != program.workers() {
            return Err(StradsError::Deployment(format!(
                "{} worker hosts for a program sharded over {} workers",
                deployment.workers.len(),
                program.workers()
            )));
        }
        for &n in deployment.workers.iter().chain(std::iter::once(&deployment.scheduler)) {
            if n.index() >= platform.nodes.len() || !platform.is_host(n) {
                return Err(StradsError::Deployment(format!("node {} is not a host of the platform", n.0)));
            }
        }
        if config.rounds == 0 {
            return Err(StradsError::Config("rounds must be at least 1".into()));
        }
        if config.objective_every == 0 {
            return Err(StradsError::Config("objective_every must be at least 1".into()));
        }
        stragglers.validate().map_err(StradsError::Config)?;
        let mut router = Router::with_selection(platform, config.path_selection);
        for &w in &deployment.workers {
            router.route(platform, deployment.scheduler, w, 0)?;
            router.route(platform, w, deployment.scheduler, 0)?;
        }
        let workers = deployment
            .workers
            .iter()
            .enumerate()
            .map(|(i, &host)| Worker {
                host,
                inbox: VecDeque::new(),
                running: Running::Idle,
                tasks: BTreeMap::new(),
                state: program.initial_worker_state(i),
                slowdown: WorkerSlowdown::new(seed, i as u32),
                account: WorkerAccount::default(),
            })
            .collect::<Vec<_>>();
        let model = program.initial_model();
        let out = StradsRun {
            convergence: vec![RoundPoint {
                rounds: 0,
                time: SimTime::ZERO,
                objective: program.objective(model.as_ref()),
                nonzeros: program.nonzeros(model.as_ref()),
            }],
            rounds: Vec::new(),
            workers: Vec::new(),
            schedule_time: SimDuration::ZERO,
            pull_time: SimDuration::ZERO,
            bytes_sent: 0,
            link_bytes: Vec::new(),
            end_time: SimTime::ZERO,
            events: 0,
            reached_target: false,
            diverged: false,
            final_model: Box::new(()),
            staleness_max: 0,
            staleness_violations: 0,
            network_audit: NetworkAudit::default(),
        };
        let mut net = FlowNetwork::with_model(platform, config.network_model);
        net.set_audit(config.audit);
        net.schedule_link_faults(platform, config.path_selection, config.link_faults.iter().copied());
        let p = workers.len();
        let mut rt = Runtime {
            platform,
            program,
            config: config.clone(),
            stragglers,
            sim: Simulation::new(),
            net,
            router,
            scheduler_host: deployment.scheduler,
            model,
            scheduler_state: program.initial_scheduler_state(),
            jobs: VecDeque::new(),
            running: Running::Idle,
            dispatched: 0,
            committed: 0,
            scheduling: false,
            pulling: false,
            stop: false,
            in_flight: BTreeMap::new(),
            workers,
            conns: Channels::new(2 * p),
            out,
        };
        if let Some(target) = rt.config.target_objective {
            rt.stop = rt.out.convergence[0].objective <= target;
            rt.out.reached_target = rt.stop;
        }
        Ok(rt)
    }

    /// The first message that lost its route, as an error.
    fn check_failures(&self) -> Result<(), StradsError> {
        match self.net.failures().first() {
            Some(f) => Err(StradsError::FlowFailed(f.describe(self.platform))),
            None => Ok(()),
        }
    }

    fn run(mut self) -> Result<StradsRun, StradsError> {
        self.maybe_dispatch();
        self.start_scheduler_job()?;
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
                    Event::SchedulerDone => self.scheduler_done()?,
                    Event::WorkerDone(w) => self.worker_done(w)?,
                }
            }
        }
        self.check_failures()?;
        assert!(self.in_flight.is_empty(), "run ended with a round uncommitted");
        assert!(self.workers.iter().all(|w| w.tasks.is_empty() && w.inbox.is_empty()), "run ended with work left");
        self.out.end_time = self.sim.now();
        self.out.link_bytes = self.net.link_bytes().to_vec();
        self.out.network_audit = self.net.audit();
        self.out.network_audit.time_regressions += self.sim.time_regressions();
        self.out.workers = self.workers.iter().map(|w| w.account).collect();
        let last = self.out.convergence.last().map_or(0, |p| p.rounds);
        if last != self.committed {
            self.record_objective();
        }
        self.out.final_model = self.model;
        Ok(self.out)
    }

    // ----- scheduler -----

    /// Queues the next round's schedule if the pipeline has room.
    fn maybe_dispatch(&mut self) {
        let depth = u64::from(self.config.pipeline_depth);
        if !self.stop
            && !self.scheduling
            && self.dispatched < self.config.rounds
            && self.dispatched <= self.committed + depth
        {
            self.jobs.push_back(Job::Schedule(self.dispatched));
            self.dispatched += 1;
            self.scheduling = true;
        }
    }

    /// Queues the pull of the next round to commit if all its partials are in.
    fn maybe_pull(&mut self) {
        if self.pulling {
            return;
        }
        if let Some(f) = self.in_flight.get(&self.committed) {
            if f.missing == 0 {
                self.jobs.push_back(Job::Pull(self.committed));
                self.pulling = true;
            }
        }
    }

    fn start_scheduler_job(&mut self) -> Result<(), StradsError> {
        if !matches!(self.running, Running::Idle) {
            return Ok(());
        }
        let Some(job) = self.jobs.pop_front() else { return Ok(()) };
        let device = self.platform.device(self.scheduler_host).expect("validated host");
        match job {
            Job::Schedule(round) => {
                let schedule = self.program.schedule(round, self.scheduler_state.as_mut(), self.model.as_ref());
                if schedule.tasks.len() != self.workers.len() {
                    return Err(StradsError::Program(format!(
                        "round {round}: schedule has {} tasks for {} workers",
                        schedule.tasks.len(),
                        self.workers.len()
                    )));
                }
                let duration = device.kernel_time(schedule.work);
                self.out.schedule_time += duration;
                let missing = schedule.tasks.iter().filter(|t| !t.vars.is_empty()).count();
                let partials = vec![None; self.workers.len()];
                self.in_flight.insert(round, InFlight { schedule, partials, missing, dispatched: SimTime::ZERO });
                self.running = Running::Schedule { round };
                self.sim.schedule_in(duration, Event::SchedulerDone);
            }
            Job::Pull(round) => {
                let f = self.in_flight.get_mut(&round).expect("pulled round in flight");
                let commit = self.program.pull(
                    round,
                    &f.schedule,
                    &f.partials,
                    self.model.as_mut(),
                    self.scheduler_state.as_mut(),
                );
                let duration = device.kernel_time(commit.work);
                self.out.pull_time += duration;
                self.running = Running::Pull { round, commit: Arc::new(commit) };
                self.sim.schedule_in(duration, Event::SchedulerDone);
            }
        }
        Ok(())
    }

    fn scheduler_done(&mut self) -> Result<(), StradsError> {
        let now = self.sim.now();
        match std::mem::replace(&mut self.running, Running::Idle) {
            Running::Schedule { round } => {
                self.scheduling = false;
                let f = self.in_flight.get_mut(&round).expect("scheduled round in flight");
                f.dispatched = now;
                let tasks: Vec<(usize, Arc<Task>)> = f
                    .schedule
                    .tasks
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| !t.vars.is_empty())
                    .map(|(w, t)| (w, Arc::new(t.clone())))
                    .collect();
                for (w, task) in tasks {
                    let bytes = self.config.message_overhead_bytes as u64
                        + self.config.key_bytes as u64 * task.vars.len() as u64
                        + self.config.value_bytes as u64 * task.values.len() as u64;
                    self.send(2 * w, Payload::Task { round, task }, bytes)?;
                }
                self.maybe_pull();
                self.maybe_dispatch();
            }
            Running::Pull { round, commit } => {
                self.pulling = false;
                let f = self.in_flight.remove(&round).expect("pulled round in flight");
                let mut vars: Vec<u32> = f.schedule.tasks.iter().flat_map(|t| t.vars.iter().copied()).collect();
                vars.sort_unstable();
                vars.dedup();
                self.out.rounds.push(RoundRecord {
                    round,
                    dispatched: f.dispatched,
                    committed: now,
                    variables: vars.len() as u32,
                    parallelization_error: commit.parallelization_error,
                });
                self.committed = round + 1;
                let bytes = self.config.message_overhead_bytes as u64
                    + self.config.value_bytes as u64 * commit.values.len() as u64;
                for (w, t) in f.schedule.tasks.iter().enumerate() {
                    if !t.vars.is_empty() {
                        self.send(2 * w, Payload::Commit { round, commit: Arc::clone(&commit) }, bytes)?;
                    }
                }
                let last = self.committed == self.config.rounds || (self.stop && self.in_flight.is_empty());
                if self.committed % self.config.objective_every == 0 || last {
                    self.record_objective();
                }
                self.maybe_pull();
                self.maybe_dispatch();
            }
            _ => unreachable!("scheduler job ended while idle"),
        }
        self.start_scheduler_job()
    }

    fn record_objective(&mut self) {
        let objective = self.program.objective(self.model.as_ref());
        self.out.convergence.push(RoundPoint {
            rounds: self.committed,
            time: self.sim.now(),
            objective,
            nonzeros: self.program.nonzeros(self.model.as_ref()),
        });
        if let Some(target) = self.config.target_objective {
            if objective <= target && !self.stop {
                self.stop = true;
                self.out.reached_target = true;
            }
        }
        if !objective.is_finite() && !self.out.diverged {
            // Parallel coordinate descent can diverge (Bradley et al., ICML 2011, §3): stop there.
            self.stop = true;
            self.out.diverged = true;
        }
    }

    fn on_partial(&mut self, w: usize, round: u64, partial: Partial) -> Result<(), StradsError> {
        let f = self.in_flight.get_mut(&round).expect("partial of a round in flight");
        debug_assert!(f.partials[w].is_none(), "two partials from one worker");
        f.partials[w] = Some(partial);
        f.missing -= 1;
        self.maybe_pull();
        self.start_scheduler_job()
    }

    // ----- workers -----

    fn start_worker_job(&mut self, w: u32) -> Result<(), StradsError> {
        let worker = &mut self.workers[w as usize];
        if !matches!(worker.running, Running::Idle) {
            return Ok(());
        }
        let Some(payload) = worker.inbox.pop_front() else { return Ok(()) };
        let device = self.platform.device(worker.host).expect("validated host");
        // One straggler draw per task, in round order; the round's commit is applied at the same speed.
        let (running, work, factor) = match payload {
            Payload::Task { round, task } => {
                // Commits not yet applied are those of `worker.tasks`, all of earlier rounds.
                let staleness = worker.tasks.keys().next().map_or(0, |&oldest| round - oldest);
                self.out.staleness_max = self.out.staleness_max.max(staleness);
                if staleness > u64::from(self.config.pipeline_depth) {
                    self.out.staleness_violations += 1;
                }
                let partial = self.program.push(w as usize, round, &task, worker.state.as_mut());
                let work = partial.work;
                let factor = worker.slowdown.factor(self.stragglers, round);
                worker.tasks.insert(round, (task, factor));
                worker.account.tasks += 1;
                (Running::Push { round, partial }, work, factor)
            }
            Payload::Commit { round, commit } => {
                let (task, factor) = worker.tasks.remove(&round).expect("commit of a round the worker took part in");
                let work: Work = self.program.apply(w as usize, round, &task, &commit, worker.state.as_mut());
                (Running::Apply, work, factor)
            }
            Payload::Partial { .. } => unreachable!("partials go to the scheduler"),
        };
        let duration = device.kernel_time(work).mul_f64_ceil(factor);
        match running {
            Running::Push { .. } => worker.account.push += duration,
            _ => worker.account.apply += duration,
        }
        worker.running = running;
        self.sim.schedule_in(duration, Event::WorkerDone(w));
        Ok(())
    }

    fn worker_done(&mut self, w: u32) -> Result<(), StradsError> {
        match std::mem::replace(&mut self.workers[w as usize].running, Running::Idle) {
            Running::Push { round, partial } => {
                let bytes = self.config.message_overhead_bytes as u64
                    + self.config.value_bytes as u64 * partial.values.len() as u64;
                self.send(2 * w as usize + 1, Payload::Partial { round, partial }, bytes)?;
            }
            Running::Apply => {}
            _ => unreachable!("worker job ended while idle"),
        }
        self.start_worker_job(w)
    }

    // ----- network -----

    fn send(&mut self, conn: usize, payload: Payload, bytes: u64) -> Result<(), StradsError> {
        let now = self.sim.now();
        let w = conn / 2;
        let worker_host = self.workers[w].host;
        let (src, dst) =
            if conn % 2 == 0 { (self.scheduler_host, worker_host) } else { (worker_host, self.scheduler_host) };
        self.workers[w].account.bytes += bytes;
        let tag = self.conns.post(conn, payload);
        let route = self.router.route(self.platform, src, dst, conn as u64)?;
        self.net.start(now, &route, bytes, tag);
        self.out.bytes_sent += bytes;
        Ok(())
    }

    fn on_flow_done(&mut self, c: Completion) -> Result<(), StradsError> {
        let (conn, ready) = self.conns.arrive(c.tag);
        let w = conn / 2;
        for payload in ready {
            match payload {
                Payload::Partial { round, partial } => self.on_partial(w, round, partial)?,
                payload => {
                    self.workers[w].inbox.push_back(payload);
                    self.start_worker_job(w as u32)?;
                }
            }
        }
        Ok(())
    }
}
