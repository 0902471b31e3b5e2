//! The flow-level network: transfers as flows sharing links by max-min fairness.
//!
//! A transfer of `n` bytes over a route is a **flow**. It first spends the route's latency in
//! flight (carrying nothing), then sends its bytes at a rate that changes whenever the set of
//! flows sharing its links changes. Rates are the **max-min fair** allocation computed by
//! progressive filling (Bertsekas & Gallager, *Data Networks*, 2nd ed., §6.5.2): repeatedly find the
//! link whose remaining capacity divided by its unfixed flows is smallest, fix those flows at that
//! share, and subtract it from their other links. This is the flow model of SimGrid with plain
//! max-min sharing; SimGrid's default models additionally weight flows by route latency (CM02) and
//! scale bandwidth and latency (LV08), so the two agree exactly only on zero-latency links.
//!
//! Re-solving is **incremental**: flow starts and ends at one instant mark their links dirty, and
//! the next query re-solves only the connected component of links and flows those changes touch
//! (a full solve when the component holds most flows). Progress is advanced lazily: a flow's
//! remaining bytes are brought up to date only when its rate changes, and its completion is a
//! versioned entry in the network's own queue, so entries made stale by a rate change are skipped.
//!
//! Closed forms this reproduces exactly (to the picosecond rounding): one flow takes
//! `latency + n/B`; `k` equal flows on one bottleneck all end at `latency + k·n/B`.
//!
//! **Network models** ([`NetworkModel`]): `MaxMin` is the plain, equal-weight sharing above.
//! `Cm02` and `Lv08` are SimGrid's flow models, implemented from SimGrid's source
//! (`src/kernel/resource/models/network_cm02.cpp`, SimGrid 3.32) and checked against SimGrid 3.32
//! itself (`sim-core/tests/simgrid.rs`): sharing is *weighted* max-min where a flow's weight is the
//! inverse of its penalty (route latency, plus weight-S divided by each link's bandwidth); each
//! flow's rate is bounded by its route's slowest link and by the TCP window, γ / (2 · latency);
//! with cross-traffic on, each flow also consumes 5 % of its rate on its reverse route (the ACKs);
//! the latency phase lasts latency × latency-factor and bytes progress at rate × bandwidth-factor.
//!
//! **Link faults** ([`FlowNetwork::apply_link_fault`], [`LinkFault`]): a degraded link keeps a
//! fraction of its capacity and its flows; a failed link drops its flows' routes. Each such flow brings
//! its progress up to date and moves, with the bytes it has left, to a shortest path over the links
//! still up (the network's own router, [`FlowNetwork::enable_rerouting`]), spending that route's
//! latency before it sends again (the fluid model counts bytes sent at the failure as delivered; no
//! retransmission timeout is modelled). A flow with no path left fails ([`FlowFailure`]). This differs from an optical circuit going
//! dark ([`FlowNetwork::set_link_up`]), whose flows stall until it is back.
//!
//! **Audit** ([`NetworkAudit`], [`FlowNetwork::audit`]): the network always counts flows and bytes
//! started, completed and failed, and the processed occurrences whose time was earlier than the one
//! before (a clock going backwards); with [`FlowNetwork::set_audit`] it also checks every rate
//! allocation against every link's capacity. Invariant checks (the swarm test) read it; reports do not.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use crate::platform::{NodeId, Platform};
use crate::queue::{EventKey, EventQueue, QuaternaryHeapQueue};
use crate::routing::Route;
use crate::time::{SimDuration, SimTime, PS_PER_SEC};

/// Identity of a flow within one [`FlowNetwork`], in start order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u64);

/// A fault injected into a link ([`FlowNetwork::apply_link_fault`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LinkFault {
    /// The link carries nothing from now on: flows crossing it are rerouted over the remaining
    /// shortest paths ([`FlowNetwork::enable_rerouting`]) or fail ([`FlowNetwork::failures`]).
    Fail,
    /// The link runs at this fraction of its bandwidth, in (0, 1]; flows crossing it keep their
    /// route and share what is left.
    Degrade(f64),
    /// The link is back at its full bandwidth and carries traffic again (new flows and reroutes may
    /// use it; flows already rerouted away keep their new route).
    Restore,
}

/// A flow that lost its route: a link it crossed failed (or it was started over a failed link) and
/// no other path joined its ends. It delivers nothing; [`NetworkAudit`] counts it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowFailure {
    /// The flow.
    pub flow: FlowId,
    /// The caller's tag given at [`FlowNetwork::start`].
    pub tag: u64,
    /// Bytes of the whole flow [bytes].
    pub bytes: u64,
    /// Its source node.
    pub src: NodeId,
    /// Its destination node.
    pub dst: NodeId,
    /// When it was started [ps].
    pub started: SimTime,
    /// When it failed [ps].
    pub at: SimTime,
    /// The failed link on its route.
    pub link: crate::LinkId,
}

impl FlowFailure {
    /// A sentence naming the flow, its ends and the failed link by the names of `platform`'s nodes.
    pub fn describe(&self, platform: &Platform) -> String {
        let name = |n: NodeId| platform.nodes[n.index()].name.as_str();
        let l = &platform.links[self.link.index()];
        format!(
            "flow {} ({} bytes from {} to {}, started at {:.9} s) failed at {:.9} s: link {} -> {} is down \
             and no other route joins its ends",
            self.flow.0,
            self.bytes,
            name(self.src),
            name(self.dst),
            self.started.as_secs_f64(),
            self.at.as_secs_f64(),
            name(l.src),
            name(l.dst),
        )
    }
}

/// How concurrent flows share links, and how latency enters a transfer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NetworkModel {
    /// Equal-weight max-min fairness, no rate caps, no correction factors (the default).
    #[default]
    MaxMin,
    /// SimGrid's CM02 (Casanova & Marchal, LIP RR-2002-40): weights 1/latency, TCP window bound
    /// γ/(2·latency) with γ = 4 194 304 bytes, ACK cross-traffic of 5 %, no correction factors.
    Cm02,
    /// SimGrid's default LV08 (Velho & Legrand, SimuTools 2009; INRIA RR-7821): CM02 plus
    /// latency × 13.01, bandwidth × 0.97 and weight-S = 20 537 bytes.
    Lv08,
}

/// The parameters of a [`NetworkModel`], as SimGrid 3.32 sets them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelParams {
    /// Weight flows by 1 / penalty, penalty = route latency [s] + Σ weight_s / bandwidth; equal
    /// weights when false.
    pub latency_weighted: bool,
    /// SimGrid's `network/weight-S` [bytes].
    pub weight_s: f64,
    /// TCP window γ [bytes]: a flow's rate is at most γ / (2 · route latency); `None` for no bound.
    pub tcp_gamma: Option<f64>,
    /// Share of a flow's rate it also consumes on each link of its reverse route (ACKs).
    pub crosstraffic: f64,
    /// Multiplier of the route latency for the latency phase.
    pub latency_factor: f64,
    /// Multiplier of the shared rate for the bytes' progress.
    pub bandwidth_factor: f64,
}

impl NetworkModel {
    /// This model's parameters (SimGrid 3.32 defaults: `network/TCP-gamma` 4194304,
    /// `network/crosstraffic` yes; LV08 sets latency-factor 13.01, bandwidth-factor 0.97,
    /// weight-S 20537).
    pub fn params(self) -> ModelParams {
        match self {
            NetworkModel::MaxMin => ModelParams {
                latency_weighted: false,
                weight_s: 0.0,
                tcp_gamma: None,
                crosstraffic: 0.0,
                latency_factor: 1.0,
                bandwidth_factor: 1.0,
            },
            NetworkModel::Cm02 => ModelParams {
                latency_weighted: true,
                weight_s: 0.0,
                tcp_gamma: Some(4_194_304.0),
                crosstraffic: 0.05,
                latency_factor: 1.0,
                bandwidth_factor: 1.0,
            },
            NetworkModel::Lv08 => ModelParams {
                latency_weighted: true,
                weight_s: 20_537.0,
                tcp_gamma: Some(4_194_304.0),
                crosstraffic: 0.05,
                latency_factor: 13.01,
                bandwidth_factor: 0.97,
            },
        }
    }
}

/// A finished flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The flow.
    pub flow: FlowId,
    /// The caller's tag given at [`FlowNetwork::start`].
    pub tag: u64,
    /// Bytes delivered [bytes].
    pub bytes: u64,
    /// When the flow was started [ps].
    pub started: SimTime,
    /// When its last byte arrived [ps].
    pub finished: SimTime,
}

/// Counters of the solver's work, for benchmarks and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SolverStats {
    /// Re-solves performed (one per instant at which flows started or ended).
    pub solves: u64,
    /// Of those, how many fell back to solving every active flow.
    pub full_solves: u64,
    /// Flows whose rate was recomputed, summed over solves.
    pub flows_resolved: u64,
}

/// What a [`FlowNetwork`] has done, for invariant checks: flows and bytes in and out, the clock's
/// monotonicity and (with [`FlowNetwork::set_audit`]) the worst link overload. Runs return it
/// (e.g. `PsRun::network_audit`) so that tests can check their invariants; reports never show it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetworkAudit {
    /// Flows started.
    pub flows_started: u64,
    /// Flows that delivered all their bytes.
    pub flows_completed: u64,
    /// Flows that ended without delivering their bytes: their route lost a failed link and no
    /// other path joined their ends ([`FlowFailure`]).
    pub flows_failed: u64,
    /// Times a flow moved to a new route because a link of its route failed (a flow may move more
    /// than once; it still counts once as started and once as completed or failed).
    pub flows_rerouted: u64,
    /// Flows started and neither completed nor failed when the audit was taken, counted from the
    /// network's live flow slots (not from the counters above).
    pub flows_in_flight: u64,
    /// Bytes of every flow started [bytes].
    pub bytes_injected: u64,
    /// Bytes of completed flows [bytes].
    pub bytes_delivered: u64,
    /// Bytes of failed flows, whole flows [bytes].
    pub bytes_failed: u64,
    /// Bytes of the flows in flight, whole flows whatever they have sent so far [bytes].
    pub bytes_in_flight: u64,
    /// Times a clock went backwards: a flow started or an occurrence (latency end, completion,
    /// link change) processed at a time earlier than the previous one. A run's audit adds its
    /// engine's regressions ([`crate::Simulation::time_regressions`]). Must be 0.
    pub time_regressions: u64,
    /// Rate allocations checked against link capacities: one per re-solve while auditing, 0 when
    /// the audit is off.
    pub allocations_checked: u64,
    /// The largest link overload of a checked allocation (dimensionless): the maximum over checked
    /// allocations and loaded links of load / capacity − 1, the load being the sum of the rates
    /// (shared values × coefficients) of the flows crossing the link. At most 0 when no link is
    /// ever above capacity; −1 when nothing was checked; +∞ for a load on a link that is down or a
    /// rate that is not a number.
    pub max_link_overload: f64,
}

impl Default for NetworkAudit {
    fn default() -> Self {
        NetworkAudit {
            flows_started: 0,
            flows_completed: 0,
            flows_failed: 0,
            flows_rerouted: 0,
            flows_in_flight: 0,
            bytes_injected: 0,
            bytes_delivered: 0,
            bytes_failed: 0,
            bytes_in_flight: 0,
            time_regressions: 0,
            allocations_checked: 0,
            max_link_overload: -1.0,
        }
    }
}

impl NetworkAudit {
    /// Relative tolerance of the capacity check: floating-point residue of the sharing arithmetic.
    pub const OVERLOAD_TOLERANCE: f64 = 1e-9;

    /// Adds `other` (another network of the same run, e.g. a collective timed in isolation):
    /// counters add, the worst overload is kept.
    pub fn merge(&mut self, other: &NetworkAudit) {
        self.flows_started += other.flows_started;
        self.flows_completed += other.flows_completed;
        self.flows_failed += other.flows_failed;
        self.flows_rerouted += other.flows_rerouted;
        self.flows_in_flight += other.flows_in_flight;
        self.bytes_injected += other.bytes_injected;
        self.bytes_delivered += other.bytes_delivered;
        self.bytes_failed += other.bytes_failed;
        self.bytes_in_flight += other.bytes_in_flight;
        self.time_regressions += other.time_regressions;
        self.allocations_checked += other.allocations_checked;
        self.max_link_overload = self.max_link_overload.max(other.max_link_overload);
    }

    /// Checks the network's invariants: every flow started is completed, failed or in flight, and
    /// so is every byte; no clock went backwards; no checked allocation put a link above its
    /// capacity by more than [`Self::OVERLOAD_TOLERANCE`].
    ///
    /// # Errors
    /// A description of every broken invariant.
    pub fn check(&self) -> Result<(), String> {
        let mut broken = Vec::new();
        let flows = self.flows_completed + self.flows_failed + self.flows_in_flight;
        if self.flows_started != flows {
            broken.push(format!(
                "{} flows started, {} completed + {} failed + {} in flight = {flows}",
                self.flows_started, self.flows_completed, self.flows_failed, self.flows_in_flight
            ));
        }
        let bytes = self.bytes_delivered + self.bytes_failed + self.bytes_in_flight;
        if self.bytes_injected != bytes {
            broken.push(format!(
                "{} bytes injected, {} delivered + {} failed + {} in flight = {bytes}",
                self.bytes_injected, self.bytes_delivered, self.bytes_failed, self.bytes_in_flight
            ));
        }
        if self.time_regressions != 0 {
            broken.push(format!("the clock went backwards {} times", self.time_regressions));
        }
        if self.max_link_overload.is_nan() || self.max_link_overload > Self::OVERLOAD_TOLERANCE {
            broken.push(format!("a link carried {:+e} of its capacity too much", self.max_link_overload));
        }
        if broken.is_empty() {
            Ok(())
        } else {
            Err(broken.join("; "))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// In flight for the route latency; not yet sharing bandwidth.
    Latency,
    /// Sending bytes at `rate`.
    Sending,
}

/// One capacity owner a flow consumes.
#[derive(Clone, Copy, Debug, Default)]
struct Hop {
    /// The capacity owner (a link id).
    owner: u32,
    /// Position of the flow in `link_flows[owner]` while it is sending.
    pos: u32,
    /// Bytes consumed on the owner per byte of the flow's shared value (1 on the route, the
    /// cross-traffic share on the reverse route, summed where both meet).
    coeff: f64,
}

/// A flow's state. Slots are reused and keep their vectors' allocations, so starting a flow
/// allocates nothing in the steady state.
#[derive(Clone, Debug)]
struct Flow {
    live: bool,
    id: FlowId,
    tag: u64,
    bytes: u64,
    /// Links of the route (their ids, for per-link accounting).
    links: Vec<u32>,
    /// Capacity owners this flow consumes (its route's, and its reverse route's with
    /// cross-traffic), deduplicated and sorted by owner.
    hops: Vec<Hop>,
    /// Sharing weight (1 / penalty).
    weight: f64,
    /// Upper bound of the shared value [bytes/s] (`f64::INFINITY` for none).
    bound: f64,
    remaining: f64,
    /// The flow's shared value [bytes/s]; its bytes progress at `value · bandwidth_factor`.
    value: f64,
    last_update: SimTime,
    phase: Phase,
    started: SimTime,
    /// Bytes credited to the links of earlier routes when the flow was rerouted [bytes].
    sent_before: u64,
}

impl Flow {
    fn empty() -> Self {
        Flow {
            live: false,
            id: FlowId(0),
            tag: 0,
            bytes: 0,
            links: Vec::new(),
            hops: Vec::new(),
            weight: 1.0,
            bound: f64::INFINITY,
            remaining: 0.0,
            value: 0.0,
            last_update: SimTime::ZERO,
            phase: Phase::Latency,
            started: SimTime::ZERO,
            sent_before: 0,
        }
    }
}

/// A sending flow on a capacity owner's list: its slot and its weight × coefficient there (kept
/// beside the slot so summing a link's weights reads one contiguous list).
#[derive(Clone, Copy, Debug)]
struct Entry {
    slot: u32,
    wc: f64,
}

/// A scheduled change of a link's state, ordered by (time, sequence number).
#[derive(Clone, Copy, Debug)]
struct LinkEvent {
    at: SimTime,
    seq: u64,
    link: u32,
    change: LinkChange,
}

#[derive(Clone, Copy, Debug)]
enum LinkChange {
    /// An optical circuit going dark or coming back ([`FlowNetwork::set_link_up`]).
    Up(bool),
    /// Fault injection ([`FlowNetwork::apply_link_fault`]).
    Fault(LinkFault),
}

impl PartialEq for LinkEvent {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for LinkEvent {}
impl PartialOrd for LinkEvent {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for LinkEvent {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What rerouting around failed links needs: the platform and a router whose failed links are down.
#[derive(Clone, Debug)]
struct Rerouter {
    platform: Platform,
    router: crate::Router,
}

/// Flows sharing the links of one platform.
#[derive(Clone, Debug)]
pub struct FlowNetwork {
    now: SimTime,
    /// Capacity of each link [bytes/s] now (0 while down); only capacity owners are consulted.
    capacity: Vec<f64>,
    /// Capacity of each link when up [bytes/s].
    nominal: Vec<f64>,
    /// Each link's (src, dst) node ids.
    ends: Vec<(u32, u32)>,
    /// Fraction of its bandwidth each capacity owner runs at ([`LinkFault::Degrade`]).
    scale: Vec<f64>,
    /// Whether each capacity owner is down ([`Self::set_link_up`]: a dark circuit, flows stall).
    down: Vec<bool>,
    /// Whether each capacity owner has failed ([`LinkFault::Fail`]: flows move away or fail).
    failed: Vec<bool>,
    /// Capacity owners failed now.
    failed_count: usize,
    /// With [`Self::enable_rerouting`]: how flows move off failed links.
    rerouter: Option<Box<Rerouter>>,
    /// Flows that lost their route, in failure order.
    failures: Vec<FlowFailure>,
    owner: Vec<u32>,
    /// The opposite direction of each link's cable, if any (for ACK cross-traffic).
    reverse: Vec<Option<u32>>,
    params: ModelParams,
    /// The sending flows on each capacity owner.
    link_flows: Vec<Vec<Entry>>,
    /// Bytes delivered over each link (by link id) by finished flows.
    link_bytes: Vec<u64>,
    /// With [`Self::record_pairs`]: bytes delivered by finished flows per (first link's src, last
    /// link's dst).
    pairs: Option<BTreeMap<(NodeId, NodeId), u64>>,
    flows: Vec<Flow>,
    /// (owner, coefficient) uses of the flow being started (reused buffer).
    uses: Vec<(u32, f64)>,
    /// Sequence number of each slot's pending event (`u64::MAX` for none). Sequence numbers are
    /// unique, so an event left behind by an earlier flow in the slot, or superseded by a rate
    /// change, can never match.
    slot_seq: Vec<u64>,
    free: Vec<u32>,
    /// Pending latency ends and completions, keyed by (time, seq), with the slot.
    events: QuaternaryHeapQueue,
    /// Entries of `events` superseded by a later one (skipped when they surface).
    stale: usize,
    /// Scheduled circuit changes ([`Self::schedule_link_up`]): they bound [`Self::next_time`] even
    /// with no flow in the network, since flows may wait for a circuit.
    link_events: BinaryHeap<Reverse<LinkEvent>>,
    /// Scheduled link faults ([`Self::schedule_link_fault`]): they bound [`Self::next_time`] only while
    /// flows are in the network (a fault of an idle network changes no flow, so it is applied when
    /// the network next moves, and a run with nothing left to do ends without waiting for it).
    fault_events: BinaryHeap<Reverse<LinkEvent>>,
    seq: u64,
    next_id: u64,
    sending: usize,
    dirty: Vec<u32>,
    stats: SolverStats,
    scratch: Scratch,
    /// Counters of [`NetworkAudit`] (its in-flight fields are filled in by [`Self::audit`]).
    audit: NetworkAudit,
    /// Whether every allocation is checked against link capacities ([`Self::set_audit`]).
    auditing: bool,
    /// Time of the latest flow start or processed occurrence, for [`NetworkAudit::time_regressions`].
    last_seen: SimTime,
}

/// Reusable buffers of the solver, so a re-solve allocates nothing in the steady state.
#[derive(Clone, Debug, Default)]
struct Scratch {
    epoch: u32,
    link_epoch: Vec<u32>,
    link_local: Vec<u32>,
    flow_epoch: Vec<u32>,
    flow_local: Vec<u32>,
    comp_links: Vec<u32>,
    comp_flows: Vec<u32>,
    rem: Vec<f64>,
    wsum: Vec<f64>,
    unfixed: Vec<u32>,
    fixed: Vec<bool>,
    /// Filling heap of link fair shares, kept to reuse its allocation.
    heap: BinaryHeap<Reverse<Share>>,
    /// Filling heap of flow bounds, kept to reuse its allocation.
    bounded: BinaryHeap<Reverse<Share>>,
    new_rate: Vec<f64>,
    /// Load of each capacity owner [bytes/s], for the audit's capacity check.
    load: Vec<f64>,
}

impl Scratch {
    /// A fresh mark value; on wrap-around every mark is cleared so old marks cannot collide.
    fn next_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.link_epoch.iter_mut().for_each(|e| *e = 0);
            self.flow_epoch.iter_mut().for_each(|e| *e = 0);
            self.epoch = 1;
        }
    }
}

/// A fair share in the filling heap: ordered by value, ties by link or flow (total order,
/// deterministic).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Share(f64, u32);
impl Eq for Share {}
impl PartialOrd for Share {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Share {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl FlowNetwork {
    /// An idle network over `platform`'s links, sharing by plain max-min.
    pub fn new(platform: &Platform) -> Self {
        Self::with_model(platform, NetworkModel::MaxMin)
    }

    /// An idle network over `platform`'s links, sharing by `model`.
    pub fn with_model(platform: &Platform, model: NetworkModel) -> Self {
        let n = platform.links.len();
        let owner = (0..n as u32).map(|l| platform.capacity_owner(crate::LinkId(l)).0).collect();
        let reverse = platform
            .links
            .iter()
            .map(|l| {
                platform.out_links[l.dst.index()].iter().find(|r| platform.links[r.index()].dst == l.src).map(|r| r.0)
            })
            .collect();
        FlowNetwork {
            now: SimTime::ZERO,
            capacity: platform.links.iter().map(|l| l.bandwidth.0 as f64).collect(),
            nominal: platform.links.iter().map(|l| l.bandwidth.0 as f64).collect(),
            ends: platform.links.iter().map(|l| (l.src.0, l.dst.0)).collect(),
            scale: vec![1.0; n],
            down: vec![false; n],
            failed: vec![false; n],
            failed_count: 0,
            rerouter: None,
            failures: Vec::new(),
            owner,
            reverse,
            params: model.params(),
            link_flows: vec![Vec::new(); n],
            link_bytes: vec![0; n],
            pairs: None,
            flows: Vec::new(),
            uses: Vec::new(),
            slot_seq: Vec::new(),
            free: Vec::new(),
            events: QuaternaryHeapQueue::new(),
            stale: 0,
            link_events: BinaryHeap::new(),
            fault_events: BinaryHeap::new(),
            seq: 0,
            next_id: 0,
            sending: 0,
            dirty: Vec::new(),
            stats: SolverStats::default(),
            scratch: Scratch { link_epoch: vec![0; n], link_local: vec![0; n], ..Scratch::default() },
            audit: NetworkAudit::default(),
            auditing: false,
            last_seen: SimTime::ZERO,
        }
    }

    /// The network's current time [ps].
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Starts a flow of `bytes` over `route` at time `now`; `tag` comes back in its [`Completion`].
    /// A zero-byte flow completes after the route latency; an empty route (same node) after zero
    /// time.
    ///
    /// # Panics
    /// If `now` is before the network's current time or after its next unprocessed latency end
    /// or completion (see [`Self::next_time`]).
    pub fn start(&mut self, now: SimTime, route: &Route, bytes: u64, tag: u64) -> FlowId {
        self.sync(now);
        self.observe(now);
        self.audit.flows_started += 1;
        self.audit.bytes_injected += bytes;
        let id = FlowId(self.next_id);
        self.next_id += 1;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.flows.push(Flow::empty());
                self.slot_seq.push(u64::MAX);
                self.scratch.flow_epoch.push(0);
                (self.flows.len() - 1) as u32
            }
        };
        let latency = self.set_route(slot, &route.links, route.latency);
        let flow = &mut self.flows[slot as usize];
        flow.live = true;
        flow.id = id;
        flow.tag = tag;
        flow.bytes = bytes;
        flow.remaining = bytes as f64;
        flow.value = 0.0;
        flow.last_update = now;
        flow.phase = Phase::Latency;
        flow.started = now;
        flow.sent_before = 0;
        self.set_event(slot, Some(now + latency));
        if self.failed_count > 0 {
            if let Some(&cut) = route.links.iter().find(|l| self.failed[self.owner[l.index()] as usize]) {
                self.reroute_or_fail(slot, now, cut);
            }
        }
        id
    }

    /// Puts `links` (a route of latency `route_latency`) in `slot`'s flow: its links, the capacity
    /// owners it consumes, its weight and bound; returns the latency of its latency phase.
    fn set_route(&mut self, slot: u32, links: &[crate::LinkId], route_latency: SimDuration) -> SimDuration {
        let p = self.params;
        // (owner, coefficient), merged per owner: half-duplex media and ACK cross-traffic. Owners
        // are sorted (a stable sort, so merged coefficients add in route order), which makes the
        // solver's tie-breaking order canonical.
        let mut uses = std::mem::take(&mut self.uses);
        uses.clear();
        uses.extend(links.iter().map(|l| (self.owner[l.index()], 1.0)));
        if p.crosstraffic > 0.0 {
            uses.extend(
                links.iter().filter_map(|l| self.reverse[l.index()]).map(|r| (self.owner[r as usize], p.crosstraffic)),
            );
        }
        uses.sort_by_key(|u| u.0);
        let latency_s = route_latency.as_secs_f64();
        // SimGrid: penalty = latency (+ weight-S / bandwidth per link); a flow without latency
        // gets penalty 1 (network_cm02.cpp, comm_action_set_variable).
        let weight = if p.latency_weighted && latency_s > 0.0 {
            let penalty = links.iter().fold(latency_s, |acc, l| acc + p.weight_s / self.nominal[l.index()]);
            1.0 / penalty
        } else {
            1.0
        };
        let slowest = links.iter().map(|l| self.nominal[l.index()]).fold(f64::INFINITY, f64::min);
        let window = match p.tcp_gamma {
            Some(g) if latency_s > 0.0 => g / (2.0 * latency_s),
            _ => f64::INFINITY,
        };
        let bound = if p.latency_weighted { slowest.min(window) } else { f64::INFINITY };
        let latency =
            if p.latency_factor == 1.0 { route_latency } else { route_latency.mul_f64_ceil(p.latency_factor) };
        let flow = &mut self.flows[slot as usize];
        flow.links.clear();
        flow.links.extend(links.iter().map(|l| l.0));
        flow.hops.clear();
        for &(owner, coeff) in &uses {
            match flow.hops.last_mut() {
                Some(h) if h.owner == owner => h.coeff += coeff,
                _ => flow.hops.push(Hop { owner, pos: 0, coeff }),
            }
        }
        self.uses = uses;
        flow.weight = weight;
        flow.bound = bound;
        latency
    }

    /// Time of the next latency end, completion, scheduled circuit change, or scheduled link fault
    /// while flows are in the network, if any. Re-solves rates
    /// first if flows started or ended, or links changed, since the last solve. A flow stalled on
    /// a down link has no completion until the link returns, so with no link change scheduled this
    /// can be `None` while [`Self::active`] is not zero.
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.resolve_if_dirty();
        let mut link = self.link_events.peek().map(|Reverse(e)| e.at);
        if self.active() > 0 {
            if let Some(Reverse(f)) = self.fault_events.peek() {
                link = Some(link.map_or(f.at, |l| l.min(f.at)));
            }
        }
        while let Some((EventKey { time: t, seq }, slot)) = self.events.peek() {
            if self.is_current(slot, seq) {
                return Some(link.map_or(t, |l| l.min(t)));
            }
            self.events.pop();
            self.stale = self.stale.saturating_sub(1);
        }
        link
    }

    /// Advances to `t` and processes every latency end and completion due by then; returns the
    /// flows that finished, in the order their completions were scheduled.
    ///
    /// # Panics
    /// If `t` is before the current time or after the next pending occurrence
    /// (call [`Self::next_time`] first).
    pub fn advance(&mut self, t: SimTime) -> Vec<Completion> {
        self.sync(t);
        let mut done = Vec::new();
        while let Some((EventKey { time: et, seq }, slot)) = self.events.peek() {
            if et > t {
                break;
            }
            self.events.pop();
            if !self.is_current(slot, seq) {
                self.stale = self.stale.saturating_sub(1);
                continue;
            }
            self.observe(et);
            let flow = &mut self.flows[slot as usize];
            match flow.phase {
                Phase::Latency if flow.bytes > 0 && !flow.links.is_empty() => {
                    flow.phase = Phase::Sending;
                    flow.last_update = t;
                    for h in &mut flow.hops {
                        let list = &mut self.link_flows[h.owner as usize];
                        h.pos = list.len() as u32;
                        list.push(Entry { slot, wc: flow.weight * h.coeff });
                        self.dirty.push(h.owner);
                    }
                    self.sending += 1;
                }
                Phase::Latency => done.push(self.finish(slot, t)),
                Phase::Sending => {
                    self.detach(slot);
                    done.push(self.finish(slot, t));
                }
            }
        }
        done
    }

    /// Takes `link` down at `now` (its capacity drops to zero: flows crossing it stall, carrying
    /// nothing, and have no completion until it is back) or brings it back up to its bandwidth.
    /// This is how an optical circuit switch's reconfiguration is modelled; the router must be told
    /// too ([`crate::Router::set_link_up`]) so that new flows avoid down links.
    ///
    /// # Panics
    /// As [`Self::start`] for `now`.
    pub fn set_link_up(&mut self, now: SimTime, link: crate::LinkId, up: bool) {
        self.sync(now);
        self.observe(now);
        self.apply_link_state(link.index(), up);
    }

    /// Schedules [`Self::set_link_up`] for time `at`; the change is applied by [`Self::advance`]
    /// when the network reaches `at` ([`Self::next_time`] reports it).
    ///
    /// # Panics
    /// If `at` is before the network's current time.
    pub fn schedule_link_up(&mut self, at: SimTime, link: crate::LinkId, up: bool) {
        self.schedule(at, link, LinkChange::Up(up));
    }

    /// Makes rerouting possible: a flow whose route crosses a failed link ([`LinkFault::Fail`])
    /// moves to a route of `platform` (the one the network was built over) chosen by a router with
    /// `selection` among the shortest paths over links that have not failed, keeping the bytes it
    /// has still to send and spending the new route's latency first. Without it such flows fail.
    pub fn enable_rerouting(&mut self, platform: &Platform, selection: crate::PathSelection) {
        let mut router = crate::Router::with_selection(platform, selection);
        for (l, &o) in self.owner.iter().enumerate() {
            if self.failed[o as usize] {
                router.set_link_up(crate::LinkId(l as u32), false);
            }
        }
        self.rerouter = Some(Box::new(Rerouter { platform: platform.clone(), router }));
    }

    /// Injects `fault` into `link` at `now` (its capacity owner: both directions of a half-duplex
    /// medium). A failure moves every flow whose route crosses the link to another route
    /// ([`Self::enable_rerouting`]) or fails it ([`Self::failures`]); flows started later over the
    /// link are moved or failed at their start. Callers should also take the link down in their own
    /// router ([`crate::Router::set_link_up`]) so that new routes avoid it.
    ///
    /// # Panics
    /// As [`Self::start`] for `now`; if a degradation's fraction is not in (0, 1].
    pub fn apply_link_fault(&mut self, now: SimTime, link: crate::LinkId, fault: LinkFault) {
        Self::check_fault(fault);
        self.sync(now);
        self.observe(now);
        self.apply_fault(now, link.index(), fault);
    }

    /// Schedules [`Self::apply_link_fault`] for time `at`; applied by [`Self::advance`] when the
    /// network reaches `at`, before the completions due then.
    ///
    /// # Panics
    /// If `at` is before the network's current time; as [`Self::apply_link_fault`] for `fault`.
    pub fn schedule_link_fault(&mut self, at: SimTime, link: crate::LinkId, fault: LinkFault) {
        Self::check_fault(fault);
        self.schedule(at, link, LinkChange::Fault(fault));
    }

    /// Schedules every fault of `faults` ((time [ps], link, fault), in any order) and, if there is any,
    /// makes rerouting possible over `platform` by `selection` ([`Self::enable_rerouting`]): how a run
    /// injects a scenario's link faults.
    ///
    /// # Panics
    /// As [`Self::schedule_link_fault`].
    pub fn schedule_link_faults(
        &mut self,
        platform: &Platform,
        selection: crate::PathSelection,
        faults: impl IntoIterator<Item = (SimTime, crate::LinkId, LinkFault)>,
    ) {
        let mut any = false;
        for (at, link, fault) in faults {
            self.schedule_link_fault(at, link, fault);
            any = true;
        }
        if any {
            self.enable_rerouting(platform, selection);
        }
    }

    /// Flows that lost their route so far, in failure order. A run that needs every flow delivered
    /// checks this after each [`Self::advance`] and reports the first.
    pub fn failures(&self) -> &[FlowFailure] {
        &self.failures
    }

    fn check_fault(fault: LinkFault) {
        if let LinkFault::Degrade(f) = fault {
            assert!(f > 0.0 && f <= 1.0, "a degraded link keeps a fraction in (0, 1] of its bandwidth, not {f}");
        }
    }

    fn schedule(&mut self, at: SimTime, link: crate::LinkId, change: LinkChange) {
        assert!(at >= self.now, "scheduling a link change in the past");
        let e = Reverse(LinkEvent { at, seq: self.seq, link: link.0, change });
        match change {
            LinkChange::Up(_) => self.link_events.push(e),
            LinkChange::Fault(_) => self.fault_events.push(e),
        }
        self.seq += 1;
    }

    fn apply_link_state(&mut self, link: usize, up: bool) {
        let o = self.owner[link] as usize;
        self.down[o] = !up;
        self.refresh_capacity(o);
    }

    /// Sets owner `o`'s capacity from its state: zero while down or failed, else its bandwidth
    /// times its degradation.
    fn refresh_capacity(&mut self, o: usize) {
        let capacity = if self.down[o] || self.failed[o] { 0.0 } else { self.nominal[o] * self.scale[o] };
        if self.capacity[o] != capacity {
            self.capacity[o] = capacity;
            self.dirty.push(o as u32);
        }
    }

    fn apply_fault(&mut self, now: SimTime, link: usize, fault: LinkFault) {
        let o = self.owner[link] as usize;
        let fail = match fault {
            LinkFault::Fail => true,
            LinkFault::Degrade(f) => {
                self.scale[o] = f;
                false
            }
            LinkFault::Restore => {
                self.scale[o] = 1.0;
                false
            }
        };
        if fail != self.failed[o] {
            self.failed[o] = fail;
            if fail {
                self.failed_count += 1;
            } else {
                self.failed_count -= 1;
            }
            if let Some(r) = self.rerouter.as_deref_mut() {
                for (l, &lo) in self.owner.iter().enumerate() {
                    if lo as usize == o {
                        r.router.set_link_up(crate::LinkId(l as u32), !fail);
                    }
                }
            }
        }
        self.refresh_capacity(o);
        if fail {
            // Every live flow whose route crosses the owner, in slot order (deterministic).
            for slot in 0..self.flows.len() as u32 {
                let f = &self.flows[slot as usize];
                if f.live {
                    if let Some(&cut) = f.links.iter().find(|&&l| self.owner[l as usize] as usize == o) {
                        self.reroute_or_fail(slot, now, crate::LinkId(cut));
                    }
                }
            }
        }
    }

    /// Moves `slot`'s flow, cut at `now` by failed link `cut`, to a new route for the bytes it has
    /// left, or fails it when no route remains (or rerouting is off).
    fn reroute_or_fail(&mut self, slot: u32, now: SimTime, cut: crate::LinkId) {
        let factor = self.params.bandwidth_factor;
        let f = &mut self.flows[slot as usize];
        let sending = f.phase == Phase::Sending;
        if sending {
            let dt = now.since(f.last_update).0 as f64 / PS_PER_SEC as f64;
            f.remaining = (f.remaining - f.value * factor * dt).max(0.0);
            f.last_update = now;
        }
        let (src, dst) =
            (self.ends[f.links[0] as usize].0, self.ends[*f.links.last().expect("a cut route") as usize].1);
        let key = crate::rng::mix64(f.id.0 ^ 0x5EED_F00D);
        let route =
            self.rerouter.as_deref_mut().and_then(|r| r.router.route(&r.platform, NodeId(src), NodeId(dst), key).ok());
        if sending {
            self.detach(slot);
            let f = &mut self.flows[slot as usize];
            if f.value > 0.0 {
                self.stale += 1; // its completion
            }
            f.value = 0.0;
        } else {
            self.stale += 1; // its latency end
        }
        // The bytes sent so far crossed the old route's links.
        let f = &mut self.flows[slot as usize];
        let sent = (f.bytes - f.sent_before).saturating_sub(f.remaining.ceil() as u64);
        for &l in &f.links {
            self.link_bytes[l as usize] += sent;
        }
        f.sent_before += sent;
        match route {
            Some(route) => {
                self.audit.flows_rerouted += 1;
                let latency = self.set_route(slot, &route.links, route.latency);
                let f = &mut self.flows[slot as usize];
                f.phase = Phase::Latency;
                f.last_update = now;
                self.set_event(slot, Some(now + latency));
            }
            None => {
                let f = &mut self.flows[slot as usize];
                f.live = false;
                self.audit.flows_failed += 1;
                self.audit.bytes_failed += f.bytes;
                self.failures.push(FlowFailure {
                    flow: f.id,
                    tag: f.tag,
                    bytes: f.bytes,
                    src: NodeId(src),
                    dst: NodeId(dst),
                    started: f.started,
                    at: now,
                    link: cut,
                });
                self.set_event(slot, None);
                self.free.push(slot);
            }
        }
    }

    /// Bytes delivered so far over each link, indexed by link id [bytes].
    pub fn link_bytes(&self) -> &[u64] {
        &self.link_bytes
    }

    /// Starts counting the bytes finished flows deliver per (source, destination) node pair, for a
    /// traffic matrix ([`Self::pair_bytes`]). Off by default: it costs a map update per flow.
    /// `platform` must be the one the network was built over.
    pub fn record_pairs(&mut self, platform: &Platform) {
        debug_assert_eq!(platform.links.len(), self.ends.len(), "record_pairs needs the network's own platform");
        self.pairs = Some(BTreeMap::new());
    }

    /// Bytes delivered so far per (source, destination) node pair, ascending by pair [bytes]; empty
    /// unless [`Self::record_pairs`] was called (flows over an empty route are not counted).
    pub fn pair_bytes(&self) -> Vec<((NodeId, NodeId), u64)> {
        self.pairs.as_ref().map_or_else(Vec::new, |m| m.iter().map(|(&k, &v)| (k, v)).collect())
    }

    /// Counters of the solver's work.
    pub fn stats(&self) -> SolverStats {
        self.stats
    }

    /// Turns the capacity audit on or off (off by default): while on, every rate allocation is
    /// checked against every link's capacity ([`NetworkAudit::max_link_overload`]), at the cost of
    /// a pass over the links of every sending flow per re-solve. The counters are always kept.
    pub fn set_audit(&mut self, on: bool) {
        self.auditing = on;
    }

    /// The audit so far (see [`NetworkAudit`]); its in-flight figures are the flows live now.
    pub fn audit(&self) -> NetworkAudit {
        let mut a = self.audit;
        for f in self.flows.iter().filter(|f| f.live) {
            a.flows_in_flight += 1;
            a.bytes_in_flight += f.bytes;
        }
        a
    }

    /// Number of flows started and not yet finished.
    pub fn active(&self) -> usize {
        self.flows.len() - self.free.len()
    }

    /// Current rate of every sending flow, as `(flow, bytes/s)` of progress, in slot order (for
    /// tests and invariant checks).
    pub fn rates(&mut self) -> Vec<(FlowId, f64)> {
        self.resolve_if_dirty();
        let factor = self.params.bandwidth_factor;
        self.flows.iter().filter(|f| f.live && f.phase == Phase::Sending).map(|f| (f.id, f.value * factor)).collect()
    }

    /// Checks that no link carries more than its capacity (relative tolerance 1e-9).
    ///
    /// # Errors
    /// A description of the first overloaded link.
    pub fn check_capacity(&mut self) -> Result<(), String> {
        self.resolve_if_dirty();
        for (l, list) in self.link_flows.iter().enumerate() {
            let load: f64 = list
                .iter()
                .map(|e| {
                    let f = &self.flows[e.slot as usize];
                    f.value * f.hops.iter().find(|h| h.owner as usize == l).expect("flow lists its links").coeff
                })
                .sum();
            if load > self.capacity[l] * (1.0 + 1e-9) {
                return Err(format!("link {l} carries {load} B/s over capacity {}", self.capacity[l]));
            }
        }
        Ok(())
    }

    /// Records that the network acted at `t`, counting a regression if `t` is before the previous
    /// action (a comparison: cheap enough to keep always on).
    fn observe(&mut self, t: SimTime) {
        if t < self.last_seen {
            self.audit.time_regressions += 1;
        } else {
            self.last_seen = t;
        }
    }

    fn is_current(&self, slot: u32, seq: u64) -> bool {
        self.flows[slot as usize].live && self.slot_seq[slot as usize] == seq
    }

    /// Makes `at` the pending event of `slot` (`None`: no event), superseding any earlier one.
    fn set_event(&mut self, slot: u32, at: Option<SimTime>) {
        self.slot_seq[slot as usize] = match at {
            Some(time) => {
                let seq = self.seq;
                self.seq += 1;
                self.events.push(EventKey { time, seq }, slot);
                seq
            }
            None => u64::MAX,
        };
    }

    /// Moves the network's clock to `t`, solving pending changes at the old time first.
    ///
    /// # Panics
    /// If `t` is before now, or after a latency end or completion not yet processed (progress
    /// would be mis-accounted).
    fn sync(&mut self, t: SimTime) {
        assert!(t >= self.now, "flow network time went backwards: {t:?} < {:?}", self.now);
        if t > self.now {
            if let Some(next) = self.next_time() {
                assert!(t <= next, "moving the flow network to {t:?} past its unprocessed event at {next:?}");
            }
            self.now = t;
        }
        // Link changes due by `t`, in (time, sequence) order across both kinds.
        loop {
            let due = |h: &BinaryHeap<Reverse<LinkEvent>>| h.peek().map(|Reverse(e)| *e).filter(|e| e.at <= t);
            let (circuit, fault) = (due(&self.link_events), due(&self.fault_events));
            let e = match (circuit, fault) {
                (Some(a), Some(b)) if b < a => self.fault_events.pop(),
                (Some(_), _) => self.link_events.pop(),
                (None, Some(_)) => self.fault_events.pop(),
                (None, None) => break,
            };
            let Some(Reverse(LinkEvent { at, link, change, .. })) = e else { unreachable!("peeked") };
            self.observe(at);
            match change {
                LinkChange::Up(up) => self.apply_link_state(link as usize, up),
                LinkChange::Fault(f) => self.apply_fault(at, link as usize, f),
            }
        }
    }

    fn detach(&mut self, slot: u32) {
        for i in 0..self.flows[slot as usize].hops.len() {
            let Hop { owner: o, pos: p, .. } = self.flows[slot as usize].hops[i];
            let list = &mut self.link_flows[o as usize];
            list.swap_remove(p as usize);
            if (p as usize) < list.len() {
                let moved = list[p as usize].slot;
                let m = &mut self.flows[moved as usize];
                m.hops.iter_mut().find(|h| h.owner == o).expect("flow lists its links").pos = p;
            }
            self.dirty.push(o);
        }
        self.sending -= 1;
    }

    fn finish(&mut self, slot: u32, t: SimTime) -> Completion {
        let flow = &mut self.flows[slot as usize];
        debug_assert!(flow.live);
        flow.live = false;
        self.audit.flows_completed += 1;
        self.audit.bytes_delivered += flow.bytes;
        for &l in &flow.links {
            self.link_bytes[l as usize] += flow.bytes - flow.sent_before;
        }
        if let (Some(map), Some(&first), Some(&last)) = (self.pairs.as_mut(), flow.links.first(), flow.links.last()) {
            let key = (NodeId(self.ends[first as usize].0), NodeId(self.ends[last as usize].1));
            *map.entry(key).or_insert(0) += flow.bytes;
        }
        self.free.push(slot);
        Completion { flow: flow.id, tag: flow.tag, bytes: flow.bytes, started: flow.started, finished: t }
    }

    fn resolve_if_dirty(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        self.stats.solves += 1;
        let mut s = std::mem::take(&mut self.scratch);
        s.next_epoch();
        s.comp_links.clear();
        s.comp_flows.clear();
        let dirty = std::mem::take(&mut self.dirty);
        if !self.collect_component(&mut s, &dirty) {
            // The change touches most flows: solve everything, without the component walk.
            self.stats.full_solves += 1;
            s.next_epoch();
            s.comp_links.clear();
            s.comp_flows.clear();
            for l in 0..self.link_flows.len() as u32 {
                if !self.link_flows[l as usize].is_empty() {
                    s.link_epoch[l as usize] = s.epoch;
                    s.comp_links.push(l);
                }
            }
            for (slot, f) in self.flows.iter().enumerate() {
                if f.live && f.phase == Phase::Sending {
                    s.comp_flows.push(slot as u32);
                }
            }
        }
        self.fill(&mut s);
        if self.auditing {
            self.audit_capacity(&mut s);
        }
        self.scratch = s;
        self.dirty = dirty;
        self.dirty.clear();
    }

    /// Checks the allocation just made against every link's capacity, over all sending flows (not
    /// only the re-solved component, so a flaw in the incremental solve shows too), and records the
    /// worst overload in the audit.
    fn audit_capacity(&mut self, s: &mut Scratch) {
        s.load.clear();
        s.load.resize(self.capacity.len(), 0.0);
        for f in self.flows.iter().filter(|f| f.live && f.phase == Phase::Sending) {
            for h in &f.hops {
                s.load[h.owner as usize] += f.value * h.coeff;
            }
        }
        let mut worst = self.audit.max_link_overload;
        for (&load, &capacity) in s.load.iter().zip(&self.capacity) {
            if load == 0.0 {
                continue;
            }
            let over = if capacity > 0.0 { load / capacity - 1.0 } else { f64::INFINITY };
            // A NaN rate makes the ratio NaN, which `max` would drop: count it as infinite.
            worst = worst.max(if over.is_nan() { f64::INFINITY } else { over });
        }
        self.audit.max_link_overload = worst;
        self.audit.allocations_checked += 1;
    }

    /// Collects the component reachable from `dirty` into `s.comp_links` / `s.comp_flows`; returns
    /// false (abandoning the walk) once it holds more than half of the sending flows.
    fn collect_component(&self, s: &mut Scratch, dirty: &[u32]) -> bool {
        let limit = self.sending / 2 + 16;
        for &d in dirty {
            if s.link_epoch[d as usize] != s.epoch {
                s.link_epoch[d as usize] = s.epoch;
                s.comp_links.push(d);
            }
        }
        let mut i = 0;
        while i < s.comp_links.len() {
            let l = s.comp_links[i];
            i += 1;
            for &Entry { slot, .. } in &self.link_flows[l as usize] {
                if s.flow_epoch[slot as usize] == s.epoch {
                    continue;
                }
                s.flow_epoch[slot as usize] = s.epoch;
                s.comp_flows.push(slot);
                if s.comp_flows.len() > limit {
                    return false;
                }
                for &Hop { owner: o, .. } in &self.flows[slot as usize].hops {
                    if s.link_epoch[o as usize] != s.epoch {
                        s.link_epoch[o as usize] = s.epoch;
                        s.comp_links.push(o);
                    }
                }
            }
        }
        true
    }

    /// Weighted progressive filling over the component in `s` (SimGrid's LMM `maxmin` solver: each
    /// unfixed flow grows at its weight; a link saturates when its remaining capacity is used up,
    /// a flow stops at its bound), then new completion times for flows whose value changed. With
    /// unit weights and coefficients (`MaxMin`) this is plain progressive filling.
    fn fill(&mut self, s: &mut Scratch) {
        let now = self.now;
        s.rem.clear();
        s.wsum.clear();
        s.unfixed.clear();
        // Flow-local state, indexed by position in comp_flows.
        s.fixed.clear();
        s.fixed.resize(s.comp_flows.len(), false);
        s.new_rate.clear();
        s.new_rate.resize(s.comp_flows.len(), 0.0);
        s.flow_local.resize(self.flows.len(), 0);
        for (i, &slot) in s.comp_flows.iter().enumerate() {
            s.flow_local[slot as usize] = i as u32;
        }
        let mut heap = std::mem::take(&mut s.heap);
        heap.clear();
        for (local, &l) in s.comp_links.iter().enumerate() {
            s.link_local[l as usize] = local as u32;
            let list = &self.link_flows[l as usize];
            let wsum: f64 = list.iter().map(|e| e.wc).sum();
            s.rem.push(self.capacity[l as usize]);
            s.wsum.push(wsum);
            s.unfixed.push(list.len() as u32);
            if !list.is_empty() {
                heap.push(Reverse(Share(self.capacity[l as usize] / wsum, local as u32)));
            }
        }
        // Flows with a finite bound, by the fill level at which they reach it.
        let mut bounded = std::mem::take(&mut s.bounded);
        bounded.clear();
        bounded.extend(s.comp_flows.iter().enumerate().filter_map(|(fi, &slot)| {
            let f = &self.flows[slot as usize];
            f.bound.is_finite().then(|| Reverse(Share(f.bound / f.weight, fi as u32)))
        }));
        // A link's fair share rem / wsum never falls during filling (every flow fixed before it
        // saturates is fixed at a level no higher than its share), so a key in `heap` is a lower
        // bound of the link's share: a popped key that has gone stale is pushed back with the current
        // share instead of pushing a new key on every change (lazy decrease-key).
        loop {
            while let Some(&Reverse(Share(key, local))) = heap.peek() {
                let li = local as usize;
                if s.unfixed[li] == 0 {
                    heap.pop();
                    continue;
                }
                let share = s.rem[li] / s.wsum[li].max(f64::MIN_POSITIVE);
                if share > key {
                    heap.pop();
                    heap.push(Reverse(Share(share, local)));
                    continue;
                }
                break;
            }
            while let Some(&Reverse(Share(_, fi))) = bounded.peek() {
                if !s.fixed[fi as usize] {
                    break;
                }
                bounded.pop();
            }
            let link_level = heap.peek().map(|Reverse(sh)| sh.0);
            let bound_level = bounded.peek().map(|Reverse(sh)| sh.0);
            // (flow to fix alone at its bound) or (link whose unfixed flows all saturate it).
            let (level, single) = match (link_level, bound_level) {
                (None, None) => break,
                (Some(l), Some(b)) if b < l => (b, true),
                (None, Some(b)) => (b, true),
                (Some(l), _) => (l, false),
            };
            if single {
                let Reverse(Share(_, fi)) = bounded.pop().expect("peeked");
                let slot = s.comp_flows[fi as usize];
                self.fix_flow(s, fi as usize, slot, level);
            } else {
                let Reverse(Share(_, local)) = heap.pop().expect("peeked");
                let l = s.comp_links[local as usize];
                for k in 0..self.link_flows[l as usize].len() {
                    let slot = self.link_flows[l as usize][k].slot;
                    let fi = s.flow_local[slot as usize] as usize;
                    if !s.fixed[fi] {
                        self.fix_flow(s, fi, slot, level);
                    }
                }
            }
        }
        s.heap = heap;
        s.bounded = bounded;
        self.stats.flows_resolved += s.comp_flows.len() as u64;
        let factor = self.params.bandwidth_factor;
        for (fi, &slot) in s.comp_flows.iter().enumerate() {
            let value = s.new_rate[fi];
            let f = &mut self.flows[slot as usize];
            if f.value == value {
                continue; // unchanged rate: the pending completion stays valid
            }
            let dt = now.since(f.last_update).0 as f64 / PS_PER_SEC as f64;
            f.remaining = (f.remaining - f.value * factor * dt).max(0.0);
            f.last_update = now;
            let had_event = f.value > 0.0;
            f.value = value;
            if had_event {
                self.stale += 1; // the completion scheduled at the old rate
            }
            // A flow stalled on a down link (value 0) has no completion until capacity returns.
            let at = (value > 0.0).then(|| now + duration_at_rate(f.remaining, value * factor));
            self.set_event(slot, at);
        }
        // Long-lived flows' superseded completions would otherwise stay in the heap for good.
        if self.stale > 64 && self.stale > self.events.len() / 2 {
            let (flows, seqs) = (&self.flows, &self.slot_seq);
            self.events.retain(|key, slot| flows[slot as usize].live && seqs[slot as usize] == key.seq);
            self.stale = 0;
        }
    }

    /// Fixes flow `fi` (slot `slot`) at fill level `level` (value = weight · level, or its bound)
    /// and takes its share off every link it uses.
    fn fix_flow(&self, s: &mut Scratch, fi: usize, slot: u32, level: f64) {
        let f = &self.flows[slot as usize];
        let value = (f.weight * level).min(f.bound);
        s.fixed[fi] = true;
        s.new_rate[fi] = value;
        for &Hop { owner: o, coeff: c, .. } in &f.hops {
            let lo = s.link_local[o as usize] as usize;
            s.rem[lo] = (s.rem[lo] - c * value).max(0.0);
            s.wsum[lo] -= c * f.weight;
            s.unfixed[lo] -= 1;
        }
    }
}

/// Time to send `remaining` bytes at `rate` bytes/s, rounded up to the picosecond. A result within
/// 1e-12 (relative) of a whole picosecond is taken as that picosecond, so floating-point residue of
/// the sharing arithmetic does not add a spurious picosecond to exact closed forms.
fn duration_at_rate(remaining: f64, rate: f64) -> SimDuration {
    assert!(rate > 0.0, "a sending flow with zero rate never finishes");
    let x = remaining * PS_PER_SEC as f64 / rate;
    if x <= 1e-6 {
        return SimDuration::ZERO;
    }
    let r = x.round();
    let ps = if (x - r).abs() <= 1e-12 * x { r } else { x.ceil() };
    assert!(ps < u64::MAX as f64, "flow duration overflows the picosecond clock");
    SimDuration(ps as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{LinkSpec, NodeId};
    use crate::routing::Router;
    use crate::time::{transfer_time, BytesPerSec};

    /// Runs the network until idle; returns (tag, finish time) in completion order.
    fn drain(net: &mut FlowNetwork) -> Vec<(u64, SimTime)> {
        let mut out = Vec::new();
        while let Some(t) = net.next_time() {
            net.check_capacity().unwrap();
            out.extend(net.advance(t).into_iter().map(|c| (c.tag, c.finished)));
        }
        out
    }

    /// A chain of hosts n0 – n1 – … joined by cables of the given bandwidths [bytes/s].
    fn chain(bandwidths: &[u64], latency: SimDuration) -> (Platform, Vec<NodeId>) {
        let mut p = Platform::new();
        let nodes: Vec<NodeId> =
            (0..=bandwidths.len()).map(|i| p.add_switch(format!("n{i}"), SimDuration::ZERO, 0)).collect();
        for (i, &b) in bandwidths.iter().enumerate() {
            p.connect(nodes[i], nodes[i + 1], &LinkSpec::new(BytesPerSec(b), latency));
        }
        (p, nodes)
    }

    fn route_of(p: &Platform, links: &[u32]) -> Route {
        let links: Vec<crate::LinkId> = links.iter().map(|&l| crate::LinkId(l)).collect();
        let latency = links.iter().fold(SimDuration::ZERO, |a, l| a + p.links[l.index()].latency);
        Route { links, latency }
    }

    /// Two equal-length paths n0 → s1 → n3 (links 0, 2) and n0 → s2 → n3 (links 4, 6), every
    /// cable 1 GB/s with 1 us latency; all nodes are switches, so both paths forward.
    fn diamond() -> Platform {
        let mut p = Platform::new();
        let n: Vec<NodeId> = ["n0", "s1", "s2", "n3"].iter().map(|s| p.add_switch(*s, SimDuration::ZERO, 0)).collect();
        let spec = LinkSpec::new(BytesPerSec(1_000_000_000), SimDuration::from_us(1));
        p.connect(n[0], n[1], &spec);
        p.connect(n[1], n[3], &spec);
        p.connect(n[0], n[2], &spec);
        p.connect(n[2], n[3], &spec);
        p
    }

    /// System: a 1 GB flow over n0 → s1 → n3 (1 GB/s, 2 us of latency); link s1 → n3 fails at
    /// t = 0.5 s; rerouting is on.
    /// Expectation: it moves to n0 → s2 → n3 with what it has left, 1 GB − 1 GB/s · (0.5 s − 2 us),
    /// after that route's 2 us: it ends at 0.5 s + 2 us + 0.500 002 s = 1 s + 4 us exactly; the old
    /// route's links carried the bytes sent before the failure, the new route's the rest.
    #[test]
    fn a_failed_link_moves_its_flows_to_another_route() {
        let p = diamond();
        let mut net = FlowNetwork::new(&p);
        net.enable_rerouting(&p, crate::PathSelection::Hash);
        net.start(SimTime::ZERO, &route_of(&p, &[0, 2]), 1_000_000_000, 9);
        net.schedule_link_fault(SimTime(500_000_000_000), crate::LinkId(2), LinkFault::Fail);
        let done = drain(&mut net);
        assert_eq!(done, vec![(9, SimTime::ZERO + SimDuration::from_ms(1000) + SimDuration::from_us(4))]);
        let sent = 499_998_000;
        assert_eq!(net.link_bytes(), &[sent, 0, sent, 0, 1_000_000_000 - sent, 0, 1_000_000_000 - sent, 0]);
        let a = net.audit();
        assert_eq!((a.flows_started, a.flows_completed, a.flows_rerouted, a.flows_failed), (1, 1, 1, 0));
        a.check().unwrap();
        assert!(net.failures().is_empty());
    }

    /// System: as above without rerouting, and a chain (one path) with rerouting.
    /// Expectation: the flow fails at 0.5 s, delivering nothing; the failure names the flow, its
    /// ends and the link; the audit counts it failed, whole, and its invariants hold.
    #[test]
    fn a_flow_without_another_route_fails_visibly() {
        let p = diamond();
        let (c, _) = chain(&[1_000_000_000], SimDuration::from_us(1));
        for (platform, reroute, route) in [(&p, false, vec![0, 2]), (&c, true, vec![0])] {
            let mut net = FlowNetwork::new(platform);
            if reroute {
                net.enable_rerouting(platform, crate::PathSelection::Hash);
            }
            net.start(SimTime::ZERO, &route_of(platform, &route), 1_000_000_000, 9);
            let cut = crate::LinkId(*route.last().unwrap());
            net.schedule_link_fault(SimTime(500_000_000_000), cut, LinkFault::Fail);
            assert!(drain(&mut net).is_empty());
            let f = &net.failures()[0];
            assert_eq!((f.tag, f.bytes, f.at, f.link), (9, 1_000_000_000, SimTime(500_000_000_000), cut));
            let text = f.describe(platform);
            assert!(text.contains("flow 0 (1000000000 bytes from n0 to"), "{text}");
            assert!(text.contains("failed at 0.500000000 s"), "{text}");
            let a = net.audit();
            assert_eq!(
                (a.flows_failed, a.bytes_failed, a.flows_completed, a.flows_in_flight),
                (1, 1_000_000_000, 0, 0)
            );
            a.check().unwrap();
            // A flow started later over the failed link fails at once (no route) or moves (diamond with
            // rerouting is covered above).
            net.start(SimTime(1_000_000_000_000), &route_of(platform, &route), 10, 10);
            assert_eq!(net.failures().len(), 2);
            assert_eq!(net.active(), 0);
        }
    }

    /// System: a flow started over a link that has already failed, with another path.
    /// Expectation: it takes the other path from its start: 2 us + 1 s.
    #[test]
    fn a_flow_started_over_a_failed_link_takes_another_route() {
        let p = diamond();
        let mut net = FlowNetwork::new(&p);
        net.apply_link_fault(SimTime::ZERO, crate::LinkId(0), LinkFault::Fail);
        net.enable_rerouting(&p, crate::PathSelection::Hash);
        net.start(SimTime::ZERO, &route_of(&p, &[0, 2]), 1_000_000_000, 1);
        assert_eq!(drain(&mut net), vec![(1, SimTime::ZERO + SimDuration::from_ms(1000) + SimDuration::from_us(2))]);
        assert_eq!(net.link_bytes()[4], 1_000_000_000);
        assert_eq!(net.link_bytes()[0], 0);
    }

    /// System: a 1 GB flow on one 1 GB/s link (no latency) degraded to a quarter at 0.2 s and
    /// restored at 0.6 s.
    /// Expectation: 0.2 GB by 0.2 s, 0.1 GB more by 0.6 s, the last 0.7 GB in 0.7 s: it ends at 1.3 s,
    /// and the link never carries more than its degraded capacity.
    #[test]
    fn a_degraded_link_slows_its_flows_until_restored() {
        let (p, _) = chain(&[1_000_000_000], SimDuration::ZERO);
        let mut net = FlowNetwork::new(&p);
        net.set_audit(true);
        net.start(SimTime::ZERO, &route_of(&p, &[0]), 1_000_000_000, 3);
        net.schedule_link_fault(SimTime(200_000_000_000), crate::LinkId(0), LinkFault::Degrade(0.25));
        net.schedule_link_fault(SimTime(600_000_000_000), crate::LinkId(0), LinkFault::Restore);
        assert_eq!(drain(&mut net), vec![(3, SimTime(1_300_000_000_000))]);
        let a = net.audit();
        a.check().unwrap();
        assert!(a.max_link_overload <= 1e-9 && a.allocations_checked >= 3);
    }

    /// System: one 1 GB flow over a 10 Gbps link with 5 us latency.
    /// Expectation: it ends at latency + n/B = 5 us + 0.8 s exactly.
    #[test]
    fn one_flow_takes_latency_plus_size_over_bandwidth() {
        let (p, _) = chain(&[1_250_000_000], SimDuration::from_us(5));
        let mut net = FlowNetwork::new(&p);
        net.start(SimTime::ZERO, &route_of(&p, &[0]), 1_000_000_000, 7);
        let want = SimTime::ZERO + SimDuration::from_us(5) + transfer_time(1_000_000_000, BytesPerSec(1_250_000_000));
        assert_eq!(drain(&mut net), vec![(7, want)]);
        assert_eq!(net.link_bytes()[0], 1_000_000_000);
    }

    /// System: k = 1..8 equal flows of n bytes on one bottleneck link of bandwidth B, latency L.
    /// Expectation: all end together at L + k·n/B, exactly.
    #[test]
    fn k_equal_flows_on_a_bottleneck_end_together() {
        for k in 1..=8u64 {
            let (p, _) = chain(&[3_000_000_007], SimDuration::from_ns(1_234));
            let mut net = FlowNetwork::new(&p);
            for i in 0..k {
                net.start(SimTime::ZERO, &route_of(&p, &[0]), 123_456_789, i);
            }
            let want = SimTime::ZERO
                + SimDuration::from_ns(1_234)
                + transfer_time(k * 123_456_789, BytesPerSec(3_000_000_007));
            let done = drain(&mut net);
            assert_eq!(done.len() as u64, k);
            assert!(done.iter().all(|&(_, t)| t == want), "k={k}: {done:?} want {want:?}");
        }
    }

    /// System: the parking lot n0 –l1– n1 –l2– n2 –l3– n3, l1 = l2 = 12.5 GB/s, l3 = 6.25 GB/s, no
    /// latency; flows n0→n3 1 GB, on l1 0.5 GB, on l2 0.25 GB and 1 GB, on l3 0.1 GB, all at t = 0.
    /// Expectation (max-min, worked by hand): they end at 0.184, 0.056, 0.056, 0.176, 0.032 s.
    #[test]
    fn parking_lot_max_min_shares() {
        let (p, _) = chain(&[12_500_000_000, 12_500_000_000, 6_250_000_000], SimDuration::ZERO);
        // Forward links are 0, 2, 4 (connect returns a→b first).
        let mut net = FlowNetwork::new(&p);
        let gb = 1_000_000_000;
        net.start(SimTime::ZERO, &route_of(&p, &[0, 2, 4]), gb, 0);
        net.start(SimTime::ZERO, &route_of(&p, &[0]), gb / 2, 1);
        net.start(SimTime::ZERO, &route_of(&p, &[2]), gb / 4, 2);
        net.start(SimTime::ZERO, &route_of(&p, &[2]), gb, 3);
        net.start(SimTime::ZERO, &route_of(&p, &[4]), gb / 10, 4);
        let mut done = drain(&mut net);
        done.sort();
        let ms = |m: u64| SimTime(m * 1_000_000_000);
        assert_eq!(done, vec![(0, ms(184)), (1, ms(56)), (2, ms(56)), (3, ms(176)), (4, ms(32))]);
    }

    /// Flows in separate components do not disturb each other's completion events, and the solver
    /// touches only the component that changed.
    #[test]
    fn incremental_resolve_touches_only_the_changed_component() {
        let (p, _) = chain(&[1_000_000_000, 1_000_000_000], SimDuration::ZERO);
        let mut net = FlowNetwork::new(&p);
        net.start(SimTime::ZERO, &route_of(&p, &[0]), 1_000_000_000, 0);
        net.start(SimTime::ZERO, &route_of(&p, &[2]), 2_000_000_000, 1);
        assert_eq!(net.next_time(), Some(SimTime::ZERO)); // latency ends (zero latency)
        net.advance(SimTime::ZERO);
        net.next_time();
        let before = net.stats().flows_resolved;
        // A new flow on link 2 only: link 0's flow is not re-rated.
        net.start(SimTime(500_000_000_000), &route_of(&p, &[2]), 1_000_000_000, 2);
        let t = net.next_time().unwrap();
        net.advance(t);
        net.next_time();
        assert_eq!(net.stats().flows_resolved - before, 2);
        let done = drain(&mut net);
        // Flow 0 alone at 1 GB/s: 1 s. Flow 1: 0.5 GB by 0.5 s, then 0.5 GB/s for 1.5 GB... flows 1 and 2
        // share until flow 2 ends at 0.5 + 2 = 2.5 s; flow 1 then has 0.5 GB left at 1 GB/s: 3.0 s.
        let s = |x: u64| SimTime(x * 500_000_000_000);
        assert_eq!(done, vec![(0, s(2)), (2, s(5)), (1, s(6))]);
    }

    /// Regression: an event left in the heap by a flow that sped up must not finish a later flow
    /// that reuses its slot. System: one 1 GB/s link; A (3 GB) and B (1 GB) at 0 s; B ends at 2 s,
    /// A speeds up and ends at 4 s (its 6 s completion goes stale); C (10 GB) starts at 4 s in A's
    /// slot. Expectation: C ends at 14 s, not at A's stale 6 s.
    #[test]
    fn a_reused_slot_ignores_its_previous_flows_events() {
        let (p, _) = chain(&[1_000_000_000], SimDuration::ZERO);
        let mut net = FlowNetwork::new(&p);
        let gb = 1_000_000_000;
        net.start(SimTime::ZERO, &route_of(&p, &[0]), 3 * gb, 0);
        net.start(SimTime::ZERO, &route_of(&p, &[0]), gb, 1);
        let s = |x: u64| SimTime(x * 1_000_000_000_000);
        let mut done = Vec::new();
        while done.len() < 2 {
            let t = net.next_time().unwrap();
            done.extend(net.advance(t).into_iter().map(|c| (c.tag, c.finished)));
        }
        assert_eq!(done, vec![(1, s(2)), (0, s(4))]);
        net.start(s(4), &route_of(&p, &[0]), 10 * gb, 2);
        assert_eq!(drain(&mut net), vec![(2, s(14))]);
    }

    /// Superseded completion events of long-lived flows are reclaimed: the heap stays bounded.
    #[test]
    fn stale_events_do_not_accumulate() {
        let (p, _) = chain(&[1_000_000_000], SimDuration::ZERO);
        let mut net = FlowNetwork::new(&p);
        // 10 TB each: about 10^6 s at their share, so none finishes during the test.
        for i in 0..100 {
            net.start(SimTime::ZERO, &route_of(&p, &[0]), 10_000_000_000_000, i);
        }
        let mut t = SimTime::ZERO;
        for k in 0..1_000 {
            // A short flow joins and leaves: every long flow is re-rated twice.
            net.start(t, &route_of(&p, &[0]), 1_000, 1_000 + k);
            loop {
                let next = net.next_time().unwrap();
                t = next;
                if net.advance(next).iter().any(|c| c.tag == 1_000 + k) {
                    break;
                }
            }
        }
        assert!(net.events.len() < 400, "{} heap entries for 100 live flows", net.events.len());
    }

    /// The audit counts flows and bytes in and out (in flight mid-run, none after), checks every
    /// allocation only when asked, and finds no overload and no clock regression.
    #[test]
    fn audit_counts_flows_and_bytes_and_checks_capacity_when_on() {
        let (p, _) = chain(&[1_000_000_000, 500_000_000], SimDuration::from_ns(100));
        for on in [false, true] {
            let mut net = FlowNetwork::with_model(&p, NetworkModel::Cm02);
            net.set_audit(on);
            net.start(SimTime::ZERO, &route_of(&p, &[0, 2]), 3_000_000, 0);
            net.start(SimTime::ZERO, &route_of(&p, &[0]), 1_000_000, 1);
            net.start(SimTime(5), &Route::default(), 7, 2);
            let a = net.audit();
            assert_eq!(
                (a.flows_started, a.flows_in_flight, a.bytes_injected, a.bytes_in_flight),
                (3, 3, 4_000_007, 4_000_007)
            );
            assert_eq!(drain(&mut net).len(), 3);
            let a = net.audit();
            assert_eq!(
                (a.flows_completed, a.flows_in_flight, a.bytes_delivered, a.bytes_in_flight),
                (3, 0, 4_000_007, 0)
            );
            assert_eq!((a.flows_failed, a.bytes_failed, a.time_regressions), (0, 0, 0));
            a.check().unwrap();
            if on {
                assert!(a.allocations_checked > 0);
                // The 500 MB/s link is saturated by the one flow crossing it (CM02's ACKs load the
                // reverse links only).
                assert!(a.max_link_overload.abs() < 1e-9, "{a:?}");
            } else {
                assert_eq!((a.allocations_checked, a.max_link_overload), (0, -1.0));
            }
        }
        let mut broken =
            NetworkAudit { flows_started: 2, flows_completed: 1, max_link_overload: 0.5, ..NetworkAudit::default() };
        broken.merge(&NetworkAudit { time_regressions: 1, ..NetworkAudit::default() });
        let e = broken.check().unwrap_err();
        assert!(e.contains("2 flows started") && e.contains("backwards 1 times") && e.contains("capacity"), "{e}");
    }

    /// A zero-byte flow completes after the route latency; a flow on an empty route at once.
    #[test]
    fn empty_flows_and_local_routes() {
        let (p, _) = chain(&[1_000], SimDuration::from_ns(50));
        let mut net = FlowNetwork::new(&p);
        net.start(SimTime(10), &route_of(&p, &[0]), 0, 1);
        net.start(SimTime(10), &Route::default(), 999, 2);
        assert_eq!(drain(&mut net), vec![(2, SimTime(10)), (1, SimTime(50_010))]);
    }

    /// Random flows on a small random graph: capacity is never exceeded, every flow completes and
    /// delivers its bytes (checked by `drain`).
    #[test]
    fn random_flows_conserve_bytes() {
        use rand::Rng;
        let mut rng = crate::rng::stream(3, crate::rng::StreamKind::Test, 0);
        let mut p = Platform::new();
        let hosts: Vec<NodeId> =
            (0..6).map(|i| p.add_host(format!("h{i}"), crate::compute::test_device(), 0)).collect();
        let sw: Vec<NodeId> = (0..3).map(|i| p.add_switch(format!("s{i}"), SimDuration::from_ns(100), 0)).collect();
        for (i, &h) in hosts.iter().enumerate() {
            p.connect(h, sw[i % 3], &LinkSpec::new(BytesPerSec(1_000_000_000 + i as u64), SimDuration::from_ns(10)));
        }
        p.connect(sw[0], sw[1], &LinkSpec::new(BytesPerSec(700_000_000), SimDuration::from_ns(10)));
        p.connect(sw[1], sw[2], &LinkSpec::new(BytesPerSec(900_000_000), SimDuration::from_ns(10)));
        let mut router = Router::new(&p);
        let mut net = FlowNetwork::new(&p);
        let mut total = 0u64;
        let mut finished = Vec::new();
        let mut t = SimTime::ZERO;
        for k in 0..300u64 {
            t += SimDuration::from_us(rng.random_range(0..20));
            while let Some(next) = net.next_time() {
                if next > t {
                    break;
                }
                finished.extend(net.advance(next).into_iter().map(|c| c.tag));
                net.check_capacity().unwrap();
            }
            let (a, b) = (rng.random_range(0..6), rng.random_range(0..6));
            let r = router.route(&p, hosts[a], hosts[b], k).unwrap();
            let bytes = rng.random_range(0..100_000);
            total += bytes;
            net.start(t, &r, bytes, k);
        }
        finished.extend(drain(&mut net).into_iter().map(|(tag, _)| tag));
        finished.sort_unstable();
        assert_eq!(finished, (0..300).collect::<Vec<u64>>(), "every flow completes exactly once");
        assert_eq!(net.active(), 0);
        assert!(total > 0);
    }
}
