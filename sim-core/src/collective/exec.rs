//! The executor: runs schedules as flows on a [`FlowNetwork`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::schedule::Schedule;
use super::CollectiveError;
use crate::flow::{Completion, FlowId, FlowNetwork};
use crate::platform::{NodeId, Platform};
use crate::rng::mix64;
use crate::routing::{Route, Router};
use crate::time::{transfer_time, BytesPerSec, SimDuration, SimTime};

/// How an [`Execution`] charges local work and picks paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// Rate at which a receiver reduces an incoming reducing transfer into its buffer
    /// [bytes/s]; `None` (the default) makes reductions free. A transfer's dependents wait for
    /// its arrival plus `reduction_overhead + bytes / reduction_rate`.
    pub reduction_rate: Option<BytesPerSec>,
    /// Fixed cost of each reduction (a kernel launch) [ps]; charged only with a `reduction_rate`.
    pub reduction_overhead: SimDuration,
    /// Salt of the ECMP key. A transfer from host `a` to host `b` is routed with key
    /// `mix64(flow_key ^ mix64(a << 32 | b))`, so all transfers of one connection follow one path
    /// (as a connection does under hash-based ECMP) and collectives with different salts may
    /// spread differently.
    pub flow_key: u64,
    /// Whether to keep an [`OpRecord`] per op (O(ops) memory; for tests and traces).
    pub record: bool,
}

impl ExecOptions {
    /// The time a receiver spends reducing `bytes` [ps].
    pub fn reduction_time(&self, bytes: u64) -> SimDuration {
        match self.reduction_rate {
            Some(rate) => self.reduction_overhead + transfer_time(bytes, rate),
            None => SimDuration::ZERO,
        }
    }
}

/// Counters of one collective.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectiveStats {
    /// When the collective was asked to start [ps].
    pub start: SimTime,
    /// When its last op completed, including the last reduction [ps]; `start` if it has no ops.
    pub end: SimTime,
    /// Flows started (one per op).
    pub flows: u64,
    /// Bytes sent, summed over flows (not over the links they cross) [bytes].
    pub bytes: u64,
}

impl CollectiveStats {
    /// `end − start` [ps].
    pub fn duration(&self) -> SimDuration {
        self.end - self.start
    }
}

/// What happened to one op (kept when [`ExecOptions::record`] is set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpRecord {
    /// The op.
    pub op: u64,
    /// When its flow started [ps].
    pub started: SimTime,
    /// When its last byte arrived [ps].
    pub finished: SimTime,
}

/// Hashes an op id (a `u64`) by [`mix64`]: fixed, so lookups are the same on every run.
#[derive(Clone, Copy, Debug, Default)]
struct OpHasher(u64);

impl Hasher for OpHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = mix64(self.0 ^ x);
    }
}

const READY: u8 = 0;
const DONE: u8 = 1;

/// Routes cached per sending rank (a ring rank talks to one peer, a tree rank to three).
const ROUTES_PER_RANK: usize = 4;

/// One collective in progress: a [`Schedule`] mapped onto hosts, driven by the flows it starts.
///
/// The executor keeps state only for ops that are ready, in flight, or waiting with some but not
/// all dependencies done, so a schedule of tens of millions of ops runs in memory proportional to
/// its frontier (about `p` ops for the ring), not to its size.
///
/// **Driving it.** [`run`] drives a set of executions on a network. An outer event loop can drive
/// one itself: call [`Self::issue`] at [`Self::next_time`] (and right after delivering
/// completions), and hand every flow completion to [`Self::on_completion`], which claims the
/// flows this execution started (recognized by [`FlowId`]). Ops that become ready at the same
/// instant start in the order they became ready (FIFO), so a run is deterministic.
#[derive(Debug)]
pub struct Execution {
    schedule: Box<dyn Schedule>,
    hosts: Vec<NodeId>,
    options: ExecOptions,
    ops: u64,
    done: u64,
    /// (time, seq, op, READY | DONE) due after the instant being processed.
    timers: BinaryHeap<Reverse<(SimTime, u64, u64, u8)>>,
    /// Entries due at the instant being processed, in push order. Their times never decrease
    /// and their sequence numbers grow, so taking the smaller of this queue's front and the
    /// heap's top yields exactly the heap's (time, seq) order, without a heap push and pop for
    /// the common zero-delay case.
    due_now: VecDeque<(SimTime, u64, u64, u8)>,
    seq: u64,
    /// Remaining dependency counts of ops with at least one (but not every) dependency done.
    /// Looked up by op, never iterated, so its hash order cannot reach results.
    waiting: hashbrown::HashMap<u64, u32, BuildHasherDefault<OpHasher>>,
    /// Flows in flight, indexed by the tag given to [`FlowNetwork::start`]: the flow, its op and
    /// whether it reduces (`None` for a free entry).
    in_flight: Vec<Option<(FlowId, u64, bool)>>,
    /// Free entries of `in_flight`.
    free_tags: Vec<u32>,
    routes: Vec<Vec<(u32, Route)>>,
    scratch: Vec<u64>,
    stats: CollectiveStats,
    records: Vec<OpRecord>,
}

impl Execution {
    /// An execution of `schedule` whose rank `i` runs on `hosts[i]`, starting at `start`.
    ///
    /// # Errors
    /// [`CollectiveError::RankMismatch`] if `hosts.len() != schedule.ranks()`.
    pub fn new(
        schedule: Box<dyn Schedule>,
        hosts: Vec<NodeId>,
        start: SimTime,
        options: ExecOptions,
    ) -> Result<Self, CollectiveError> {
        if hosts.len() != schedule.ranks() {
            return Err(CollectiveError::RankMismatch { ranks: schedule.ranks(), hosts: hosts.len() });
        }
        let mut e = Execution {
            ops: schedule.ops(),
            done: 0,
            timers: BinaryHeap::new(),
            due_now: VecDeque::new(),
            seq: 0,
            waiting: hashbrown::HashMap::default(),
            in_flight: Vec::new(),
            free_tags: Vec::new(),
            routes: vec![Vec::new(); hosts.len()],
            scratch: Vec::new(),
            stats: CollectiveStats { start, end: start, flows: 0, bytes: 0 },
            records: Vec::new(),
            schedule,
            hosts,
            options,
        };
        let mut roots = Vec::new();
        e.schedule.roots(&mut roots);
        for op in roots {
            e.push(start, op, READY);
        }
        Ok(e)
    }

    /// The schedule being run.
    pub fn schedule(&self) -> &dyn Schedule {
        &*self.schedule
    }

    /// The earliest instant at which this execution has something to do without waiting for a
    /// flow (an op to start, a reduction to finish) [ps].
    pub fn next_time(&self) -> Option<SimTime> {
        let heap = self.timers.peek().map(|Reverse((t, ..))| *t);
        let queue = self.due_now.front().map(|e| e.0);
        match (heap, queue) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether every op has completed.
    pub fn is_finished(&self) -> bool {
        self.done == self.ops
    }

    /// Counters so far; `end` is final once [`Self::is_finished`].
    pub fn stats(&self) -> CollectiveStats {
        self.stats
    }

    /// One record per completed op, in completion order (empty unless [`ExecOptions::record`]).
    pub fn records(&self) -> &[OpRecord] {
        &self.records
    }

    /// Takes the completion of a flow if this execution started it; returns whether it did.
    pub fn on_completion(&mut self, c: &Completion) -> bool {
        // Tags index `in_flight`; a flow of other traffic may carry any tag, so the flow id decides.
        let Some(entry) = self.in_flight.get_mut(c.tag as usize) else {
            return false;
        };
        let Some((_, op, reduce)) = entry.filter(|e| e.0 == c.flow) else {
            return false;
        };
        *entry = None;
        self.free_tags.push(c.tag as u32);
        if self.options.record {
            self.records.push(OpRecord { op, started: c.started, finished: c.finished });
        }
        let delay = if reduce { self.options.reduction_time(c.bytes) } else { SimDuration::ZERO };
        self.push(c.finished + delay, op, DONE);
        true
    }

    /// Processes everything due by `now` [ps]: completes ops whose reduction has finished and
    /// starts, at `now`, every op whose dependencies are all done.
    ///
    /// # Errors
    /// [`CollectiveError::Routing`] if two hosts that must talk are not connected;
    /// [`CollectiveError::StartInPast`] if an op is due before the network's current time (the
    /// execution was created with a start time in the network's past).
    ///
    /// # Panics
    /// If `now` is after an unprocessed event of `net` (see [`FlowNetwork::start`]).
    pub fn issue(
        &mut self,
        platform: &Platform,
        router: &mut Router,
        net: &mut FlowNetwork,
        now: SimTime,
    ) -> Result<(), CollectiveError> {
        while let Some((t, op, kind)) = self.peek_due(now) {
            if kind == READY && t < net.now() {
                return Err(CollectiveError::StartInPast { start: t, now: net.now() });
            }
            self.pop_due();
            if kind == DONE {
                self.complete(op, t);
            } else {
                self.start(platform, router, net, op, now)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, t: SimTime, op: u64, kind: u8) {
        // Only entries at the queue's own instant may go to the queue (keeping it sorted).
        if self.due_now.back().map_or(self.timers.peek().is_none_or(|Reverse(e)| e.0 >= t), |b| b.0 == t) {
            self.due_now.push_back((t, self.seq, op, kind));
        } else {
            self.timers.push(Reverse((t, self.seq, op, kind)));
        }
        self.seq += 1;
    }

    /// The earliest (time, op, kind) due by `now`, in (time, seq) order.
    fn peek_due(&self, now: SimTime) -> Option<(SimTime, u64, u8)> {
        let heap = self.timers.peek().map(|Reverse(e)| *e);
        let queue = self.due_now.front().copied();
        let first = match (heap, queue) {
            (Some(h), Some(q)) => Some(if (h.0, h.1) < (q.0, q.1) { h } else { q }),
            (h, q) => h.or(q),
        };
        first.filter(|e| e.0 <= now).map(|(t, _, op, kind)| (t, op, kind))
    }

    /// Removes the entry [`Self::peek_due`] returned.
    fn pop_due(&mut self) {
        let heap = self.timers.peek().map(|Reverse(e)| (e.0, e.1));
        let queue = self.due_now.front().map(|e| (e.0, e.1));
        match (heap, queue) {
            (Some(h), Some(q)) if h < q => {
                self.timers.pop();
            }
            (_, Some(_)) => {
                self.due_now.pop_front();
            }
            _ => {
                self.timers.pop();
            }
        }
    }

    fn complete(&mut self, op: u64, t: SimTime) {
        self.done += 1;
        self.stats.end = self.stats.end.max(t);
        let mut next = std::mem::take(&mut self.scratch);
        next.clear();
        self.schedule.dependents(op, &mut next);
        for &d in &next {
            let ready = match self.schedule.deps(d) {
                1 => true,
                n => {
                    let left = self.waiting.entry(d).or_insert(n);
                    *left -= 1;
                    *left == 0
                }
            };
            if ready {
                self.waiting.remove(&d);
                self.push(t, d, READY);
            }
        }
        self.scratch = next;
    }

    fn start(
        &mut self,
        platform: &Platform,
        router: &mut Router,
        net: &mut FlowNetwork,
        op: u64,
        now: SimTime,
    ) -> Result<(), CollectiveError> {
        let t = self.schedule.transfer(op);
        let (src, dst) = (self.hosts[t.src as usize], self.hosts[t.dst as usize]);
        let cache = &mut self.routes[t.src as usize];
        let route = match cache.iter().position(|(d, _)| *d == t.dst) {
            Some(i) => &cache[i].1,
            None => {
                let key = mix64(self.options.flow_key ^ mix64(u64::from(src.0) << 32 | u64::from(dst.0)));
                let route = router.route(platform, src, dst, key)?;
                if cache.len() == ROUTES_PER_RANK {
                    cache.remove(0);
                }
                cache.push((t.dst, route));
                &cache.last().expect("just pushed").1
            }
        };
        let tag = match self.free_tags.pop() {
            Some(tag) => tag,
            None => {
                self.in_flight.push(None);
                (self.in_flight.len() - 1) as u32
            }
        };
        let flow = net.start(now, route, t.bytes, u64::from(tag));
        self.in_flight[tag as usize] = Some((flow, op, t.reduce));
        self.stats.flows += 1;
        self.stats.bytes += t.bytes;
        Ok(())
    }
}

/// Runs `executions` concurrently on `net` until all have finished; returns the completions of
/// flows none of them started (other traffic already on the network), in completion order.
///
/// The network may already carry other flows: they share links with the collectives' flows (so
/// contention is real) and keep running after this returns if they have not finished.
///
/// # Errors
/// [`CollectiveError::Routing`] if two hosts that must talk are not connected;
/// [`CollectiveError::StartInPast`] if an execution starts before the network's current time;
/// [`CollectiveError::FlowFailed`] if a flow lost its route to a failed link.
///
/// # Panics
/// If the executions stall with ops left and nothing pending (a schedule that breaks the
/// [`Schedule`] contract).
///
/// # Complexity
/// O(ops · (log frontier + route lookup)) on top of the network's own work; memory O(frontier).
pub fn run(
    platform: &Platform,
    router: &mut Router,
    net: &mut FlowNetwork,
    executions: &mut [Execution],
) -> Result<Vec<Completion>, CollectiveError> {
    let mut other = Vec::new();
    while !executions.iter().all(Execution::is_finished) {
        let due = executions.iter().filter_map(Execution::next_time).min();
        let flow = net.next_time();
        let t = match (due, flow) {
            (Some(a), Some(b)) => a.min(b),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => panic!("collective stalled: ops remain but none is ready or in flight"),
        };
        if t < net.now() {
            return Err(CollectiveError::StartInPast { start: t, now: net.now() });
        }
        if flow == Some(t) {
            for c in net.advance(t) {
                if !executions.iter_mut().any(|e| e.on_completion(&c)) {
                    other.push(c);
                }
            }
        }
        for e in executions.iter_mut() {
            e.issue(platform, router, net, t)?;
        }
        check_failures(platform, net)?;
    }
    Ok(other)
}

/// The first flow of `net` that lost its route, as an error naming it.
///
/// # Errors
/// [`CollectiveError::FlowFailed`] if any flow failed.
pub fn check_failures(platform: &Platform, net: &FlowNetwork) -> Result<(), CollectiveError> {
    match net.failures().first() {
        Some(f) => Err(CollectiveError::FlowFailed(f.describe(platform))),
        None => Ok(()),
    }
}
