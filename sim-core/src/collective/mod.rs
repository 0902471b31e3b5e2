//! Collectives built from flows, so that contention between them (and with other traffic) is real.
//!
//! A collective is a **schedule** ([`Schedule`]): point-to-point transfers between ranks with
//! dependencies (a transfer starts once the transfers it depends on have arrived, plus the
//! receiver's reduction time when they carry partial sums). An [`Execution`] maps ranks to hosts
//! and runs the schedule as flows on a [`FlowNetwork`]; [`run`] drives several executions (and
//! the network's other flows) together. Schedules are generated on demand from op ids, and the
//! executor keeps state only for its frontier, so a 4096-rank ring all-reduce (33.5 million
//! transfers) needs memory for about 4096 of them at a time.
//!
//! [`Collective`] names the algorithms a scenario can select and builds their schedules:
//!
//! | collective | algorithm | time on a star: `p` hosts, route latency `α`, bandwidth `B`, `M` bytes, 1 chunk |
//! |---|---|---|
//! | all-reduce | ring ([`RingSchedule`]) | `2(p − 1)(α + M/(p·B))` |
//! | all-reduce | double binary tree ([`DoubleBinaryTree`]) | `p = 2`: `(c + 1)α + M/B` with `c` chunks; else no closed form (about `2M/B` plus depth terms when pipelined) |
//! | all-reduce | recursive halving-doubling ([`HalvingDoubling`]) | `2·log2(p)·α + 2(p − 1)/p · M/B` for `p` a power of two; `+ 2(α + M/B)` otherwise |
//! | all-reduce | hierarchical ([`RingSchedule::hierarchical_all_reduce`]) | `2(L − 1)(α₁ + M/(L·B₁)) + 2(G − 1)(α₂ + M/(L·G·B₂))` for `G` groups of `L` |
//! | reduce-scatter, all-gather | ring | `(p − 1)(α + M/(p·B))` |
//! | all-to-all | all at once ([`AllToAll`]) | `α + (p − 1)/p · M/B` |
//! | all-to-all | pairwise | `(p − 1)(α + M/(p·B))` |
//! | broadcast | pipelined chain ([`Broadcast`]) | `(p − 2 + c)(α + M/(c·B))` with `c` chunks |
//! | broadcast | binomial tree | `⌈log2 p⌉(α + M/B)` |
//!
//! **Chunking.** With `c` chunks each op also waits for the same op of the previous chunk, so
//! step `k` of chunk `j + 1` runs while chunk `j` is in step `k + 1`. In this flow model a flow
//! streams its bytes (it does not store and forward), so chunking pays where a step forwards data
//! that crossed a *different* link (chains, trees, the levels of the hierarchical all-reduce); on
//! the star the ring all-reduce's steps share each rank's one link, and the chunked ring takes
//! `(2(p − 1) + c − 1)·α + 2(p − 1)·M/(p·B)`: no faster than `c = 1`, by `(c − 1)α`.
//!
//! Bus bandwidth as nccl-tests reports it: [`bus_bandwidth`].

mod all_to_all;
mod broadcast;
mod exec;
mod halving_doubling;
mod ring;
mod schedule;
mod tree;

pub use all_to_all::AllToAll;
pub use broadcast::Broadcast;
pub use exec::{check_failures, run, CollectiveStats, ExecOptions, Execution, OpRecord};
pub use halving_doubling::HalvingDoubling;
pub use ring::RingSchedule;
pub use schedule::{ExplicitSchedule, Schedule, Transfer};
pub use tree::DoubleBinaryTree;

use crate::flow::{Completion, FlowNetwork};
use crate::platform::{NodeId, Platform};
use crate::routing::{Router, RoutingError};
use crate::time::{SimDuration, SimTime, PS_PER_SEC};

/// Why a collective cannot be built or run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CollectiveError {
    /// Two hosts that must exchange data are not connected.
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// A flow lost its route to a failed link and no other path joined its ends
    /// ([`crate::FlowNetwork::failures`]); the text names the flow, its ends and the link.
    #[error("{0}")]
    FlowFailed(String),
    /// The host list does not have one host per rank.
    #[error("{hosts} hosts given for a schedule of {ranks} ranks")]
    RankMismatch {
        /// Ranks of the schedule.
        ranks: usize,
        /// Hosts given.
        hosts: usize,
    },
    /// A collective needs at least one chunk.
    #[error("a collective needs at least one chunk")]
    ZeroChunks,
    /// The broadcast root is not a rank.
    #[error("broadcast root {root} is not one of the {ranks} ranks")]
    BadRoot {
        /// The root asked for.
        root: usize,
        /// Ranks of the collective.
        ranks: usize,
    },
    /// The ranks do not split into groups of the given size.
    #[error("{ranks} ranks do not split into groups of {group_size}")]
    BadGroups {
        /// Ranks of the collective.
        ranks: usize,
        /// Group size asked for.
        group_size: usize,
    },
    /// Groups of hosts (nodes) of different sizes.
    #[error("group {group} has {size} hosts but group 0 has {expected}")]
    UnequalGroups {
        /// Index of the first group whose size differs.
        group: usize,
        /// Its size.
        size: usize,
        /// The size of group 0.
        expected: usize,
    },
    /// An explicit schedule's op names a rank that does not exist.
    #[error("op {op} names rank {rank}, but the schedule has {ranks} ranks")]
    BadRank {
        /// The op.
        op: u64,
        /// The rank it names.
        rank: usize,
        /// Ranks of the schedule.
        ranks: usize,
    },
    /// An explicit schedule's op depends on itself, on a later op, or twice on one op.
    #[error("op {op} depends on op {dep}, which is not a distinct earlier op")]
    BadDependency {
        /// The op.
        op: u64,
        /// The offending dependency.
        dep: u64,
    },
    /// An op would start before the network's current time.
    #[error("an op is due at {start}, before the network's current time {now}")]
    StartInPast {
        /// When the op was due [ps].
        start: SimTime,
        /// The network's time [ps].
        now: SimTime,
    },
}

/// The collective operations, for bus bandwidth and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CollectiveKind {
    /// Every rank ends with the sum of all ranks' buffers.
    AllReduce,
    /// Rank `i` ends with the sum of part `i` of all ranks' buffers.
    ReduceScatter,
    /// Every rank ends with every rank's part.
    AllGather,
    /// Every rank sends a distinct block to every other rank.
    AllToAll,
    /// Every rank ends with the root's buffer.
    Broadcast,
    /// The root ends with the sum of all ranks' buffers.
    Reduce,
}

/// All-reduce algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AllReduceAlgorithm {
    /// Ring reduce-scatter then ring all-gather ([`RingSchedule::all_reduce`]).
    Ring,
    /// NCCL's double binary tree ([`DoubleBinaryTree`]).
    DoubleBinaryTree,
    /// Rabenseifner's recursive halving-doubling ([`HalvingDoubling`]); any rank count.
    HalvingDoubling,
    /// Ring inside each group of `group_size` consecutive ranks, ring across groups
    /// ([`RingSchedule::hierarchical_all_reduce`]). Hosts are listed group by group (see
    /// [`flatten_groups`]).
    Hierarchical {
        /// Ranks per group (GPUs per node).
        group_size: usize,
    },
}

/// All-to-all algorithms ([`AllToAll`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AllToAllAlgorithm {
    /// Every transfer at once.
    AllAtOnce,
    /// `p − 1` pairwise rounds.
    Pairwise,
}

/// Broadcast algorithms ([`Broadcast`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BroadcastAlgorithm {
    /// A pipelined chain from the root.
    Pipeline,
    /// A binomial tree from the root.
    BinomialTree,
}

/// A collective and its algorithm, as a scenario selects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collective {
    /// All-reduce of an `M`-byte buffer.
    AllReduce(AllReduceAlgorithm),
    /// Ring reduce-scatter of an `M`-byte buffer (each rank keeps `M/p`).
    ReduceScatter,
    /// Ring all-gather into an `M`-byte buffer (each rank contributes `M/p`).
    AllGather,
    /// All-to-all of an `M`-byte send buffer per rank (`M/p` to each rank).
    AllToAll(AllToAllAlgorithm),
    /// Broadcast of `M` bytes from rank `root`.
    Broadcast {
        /// The rank that has the data.
        root: usize,
        /// How it spreads.
        algorithm: BroadcastAlgorithm,
    },
}

impl Collective {
    /// Which operation this is.
    pub fn kind(&self) -> CollectiveKind {
        match self {
            Collective::AllReduce(_) => CollectiveKind::AllReduce,
            Collective::ReduceScatter => CollectiveKind::ReduceScatter,
            Collective::AllGather => CollectiveKind::AllGather,
            Collective::AllToAll(_) => CollectiveKind::AllToAll,
            Collective::Broadcast { .. } => CollectiveKind::Broadcast,
        }
    }

    /// The schedule of this collective over `ranks` ranks on `bytes` [bytes] in `chunks` chunks.
    /// `bytes` is nccl-tests' size `S`: the buffer of each rank for all-reduce and broadcast, the
    /// whole (input or output) buffer for reduce-scatter and all-gather, the send buffer of each
    /// rank for all-to-all.
    ///
    /// # Errors
    /// [`CollectiveError::ZeroChunks`], [`CollectiveError::BadRoot`], or
    /// [`CollectiveError::BadGroups`], as the algorithm's constructor says.
    pub fn schedule(&self, ranks: usize, bytes: u64, chunks: u32) -> Result<Box<dyn Schedule>, CollectiveError> {
        Ok(match *self {
            Collective::AllReduce(AllReduceAlgorithm::Ring) => {
                Box::new(RingSchedule::all_reduce(ranks, bytes, chunks)?)
            }
            Collective::AllReduce(AllReduceAlgorithm::DoubleBinaryTree) => {
                Box::new(DoubleBinaryTree::new(ranks, bytes, chunks)?)
            }
            Collective::AllReduce(AllReduceAlgorithm::HalvingDoubling) => {
                Box::new(HalvingDoubling::new(ranks, bytes, chunks)?)
            }
            Collective::AllReduce(AllReduceAlgorithm::Hierarchical { group_size }) => {
                Box::new(RingSchedule::hierarchical_all_reduce(ranks, group_size, bytes, chunks)?)
            }
            Collective::ReduceScatter => Box::new(RingSchedule::reduce_scatter(ranks, bytes, chunks)?),
            Collective::AllGather => Box::new(RingSchedule::all_gather(ranks, bytes, chunks)?),
            Collective::AllToAll(AllToAllAlgorithm::AllAtOnce) => {
                Box::new(AllToAll::all_at_once(ranks, bytes, chunks)?)
            }
            Collective::AllToAll(AllToAllAlgorithm::Pairwise) => Box::new(AllToAll::pairwise(ranks, bytes, chunks)?),
            Collective::Broadcast { root, algorithm: BroadcastAlgorithm::Pipeline } => {
                Box::new(Broadcast::pipeline(ranks, root, bytes, chunks)?)
            }
            Collective::Broadcast { root, algorithm: BroadcastAlgorithm::BinomialTree } => {
                Box::new(Broadcast::binomial(ranks, root, bytes, chunks)?)
            }
        })
    }
}

/// A collective of a given size: what [`run_collective`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectiveSpec {
    /// The collective and its algorithm.
    pub collective: Collective,
    /// Its size `S` (see [`Collective::schedule`]) [bytes].
    pub bytes: u64,
    /// Pipelined chunks (1 = unchunked).
    pub chunks: u32,
}

/// What [`run_collective`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectiveRun {
    /// The collective's counters and completion time.
    pub stats: CollectiveStats,
    /// Completions of flows the collective did not start (other traffic), in completion order.
    pub other: Vec<Completion>,
}

/// Runs `spec` over `hosts` (rank `i` on `hosts[i]`) on `net`, starting at `start` [ps], until it
/// completes. Other flows already on the network share its links.
///
/// # Errors
/// As [`Collective::schedule`], [`Execution::new`] and [`run`].
pub fn run_collective(
    platform: &Platform,
    router: &mut Router,
    net: &mut FlowNetwork,
    hosts: &[NodeId],
    spec: &CollectiveSpec,
    start: SimTime,
    options: &ExecOptions,
) -> Result<CollectiveRun, CollectiveError> {
    let schedule = spec.collective.schedule(hosts.len(), spec.bytes, spec.chunks)?;
    let mut exec = [Execution::new(schedule, hosts.to_vec(), start, options.clone())?];
    let other = run(platform, router, net, &mut exec)?;
    Ok(CollectiveRun { stats: exec[0].stats(), other })
}

/// The host list of a hierarchical collective over `groups` (the hosts of each node), group by
/// group, and the group size, for [`AllReduceAlgorithm::Hierarchical`].
///
/// # Errors
/// [`CollectiveError::UnequalGroups`] if the groups differ in size.
pub fn flatten_groups(groups: &[Vec<NodeId>]) -> Result<(Vec<NodeId>, usize), CollectiveError> {
    let expected = groups.first().map_or(0, Vec::len);
    if let Some((group, g)) = groups.iter().enumerate().find(|(_, g)| g.len() != expected) {
        return Err(CollectiveError::UnequalGroups { group, size: g.len(), expected });
    }
    Ok((groups.concat(), expected))
}

/// Runs a ring all-reduce of `bytes` over `hosts` (in ring order) starting at `start`; returns
/// when the last byte of the last step arrives [ps]. Shorthand for [`run_collective`] with
/// [`AllReduceAlgorithm::Ring`], one chunk and default options; completions of other flows on the
/// network are dropped, so use [`run_collective`] when there are any.
///
/// The buffer is cut into `p = hosts.len()` parts (sizes differ by at most one byte); in each of
/// `2(p − 1)` steps host `i` sends one part to host `i + 1 mod p`, once it has received the part it
/// forwards. On links of bandwidth `B` and route latency `α` with no contention this takes
/// `2(p − 1)(α + bytes/(p·B))` (Thakur, Rabenseifner, Gropp, "Optimization of Collective
/// Communication Operations in MPICH", IJHPCA 19(1), 2005, §4.4; Patarasuk & Yuan's
/// bandwidth-optimal ring).
///
/// # Errors
/// [`RoutingError`] if two ring neighbours are not connected.
///
/// # Panics
/// If `start` is before the network's current time.
pub fn ring_all_reduce(
    platform: &Platform,
    router: &mut Router,
    net: &mut FlowNetwork,
    hosts: &[NodeId],
    bytes: u64,
    start: SimTime,
) -> Result<SimTime, RoutingError> {
    let spec = CollectiveSpec { collective: Collective::AllReduce(AllReduceAlgorithm::Ring), bytes, chunks: 1 };
    match run_collective(platform, router, net, hosts, &spec, start, &ExecOptions::default()) {
        Ok(run) => Ok(run.stats.end),
        Err(CollectiveError::Routing(e)) => Err(e),
        Err(e) => panic!("ring all-reduce: {e}"),
    }
}

/// nccl-tests' correction factor from algorithm to bus bandwidth for `kind` on `ranks` ranks:
/// all-reduce `2(n − 1)/n`; reduce-scatter, all-gather and all-to-all `(n − 1)/n`; broadcast and
/// reduce 1 (NVIDIA nccl-tests, `doc/PERFORMANCE.md`, "Summary"). 0 for `ranks == 0`.
pub fn bus_factor(kind: CollectiveKind, ranks: usize) -> f64 {
    if ranks == 0 {
        return 0.0;
    }
    let n = ranks as f64;
    match kind {
        CollectiveKind::AllReduce => 2.0 * (n - 1.0) / n,
        CollectiveKind::ReduceScatter | CollectiveKind::AllGather | CollectiveKind::AllToAll => (n - 1.0) / n,
        CollectiveKind::Broadcast | CollectiveKind::Reduce => 1.0,
    }
}

/// Algorithm bandwidth `algbw = S/t` [bytes/s] of a collective of size `bytes` (nccl-tests' `S`,
/// see [`Collective::schedule`]) that took `time`; `+∞` if `time` is zero.
pub fn algorithm_bandwidth(bytes: u64, time: SimDuration) -> f64 {
    if time.0 == 0 {
        return f64::INFINITY;
    }
    bytes as f64 * PS_PER_SEC as f64 / time.0 as f64
}

/// Bus bandwidth [bytes/s] as nccl-tests reports it: `algbw · factor`, where
/// `algbw = bytes/time` and the factor is [`bus_factor`]. It is comparable to the bandwidth of
/// the hardware bottleneck independently of the rank count: a ring all-reduce on a star of
/// bandwidth `B` reaches `busbw → B` as the latency term vanishes (NVIDIA nccl-tests,
/// `doc/PERFORMANCE.md`).
pub fn bus_bandwidth(kind: CollectiveKind, bytes: u64, ranks: usize, time: SimDuration) -> f64 {
    algorithm_bandwidth(bytes, time) * bus_factor(kind, ranks)
}

#[cfg(test)]
mod tests;
