//! The training executor: one iteration of a [`TrainingJob`] under a [`TrainingConfig`], on a
//! platform's flow network.
//!
//! **Model.** The `t` tensor-parallel ranks of a stage replica (data-parallel replica `r`, stage
//! `s`) run in lockstep: they compute identical shares and meet at every tensor-parallel
//! collective, so the executor advances them as one *replica* and charges every figure to each
//! of its `t` devices. A replica runs its stage's passes in the order of the pipeline schedule;
//! a pass is a list of steps, layer by layer: compute (roofline time on the device, or the
//! layer's fixed time), the layer's tensor-parallel collectives, and in the last backward pass a
//! marker that the layer's gradients are final. A forward pass needs the previous stage's output
//! for its micro-batch, a backward pass the next stage's gradient; both travel as `t` flows (one
//! per tensor-parallel rank: `1/t` of the tensor each with scatter/gather, followed by an
//! all-gather among the receivers). Gradient buckets start their data-parallel collective (one
//! per tensor-parallel rank, over the `d` replicas of the stage) once every replica has produced
//! them; a stage's buckets run one after another (one NCCL communicator per group). When all of
//! a device's buckets are done and every replica of its stage has finished its passes (a bucket
//! can be reduced before its pass ends: at once with one replica), it runs the optimizer step (memory-bound Adam: 28 bytes of device
//! memory traffic per parameter it updates); under ZeRO-1 the updated weights are then
//! all-gathered. The iteration ends when the last device finishes.
//!
//! **Accounting** (per device, summing to the iteration time): *compute* is time in kernels
//! (recomputation and the optimizer included); *communication* is time the device waited on
//! communication with nothing to compute (tensor-parallel collectives, a pipeline input whose
//! producer had finished but whose transfer had not arrived, blocking sends, gradient
//! synchronisation before the optimizer, ZeRO's weight gathers); *bubble* is the rest (waiting
//! for another stage to compute, and idling after the device's last work).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::config::{PipelineSchedule, PipelineSends, Recomputation, TensorParallelComm, TrainingConfig, ZeroStage};
use super::job::{Layer, TrainingJob};
use super::memory::{stage_memory, tp_share, MemoryUse};
use super::TrainingError;
use crate::collective::{
    run_collective, AllReduceAlgorithm, AllToAllAlgorithm, BroadcastAlgorithm, Collective, CollectiveKind,
    CollectiveSpec, ExecOptions, Execution,
};
use crate::compute::{ComputeDevice, Work};
use crate::flow::{FlowNetwork, NetworkAudit, NetworkModel};
use crate::platform::{NodeId, Platform};
use crate::routing::{PathSelection, Router};
use crate::time::{SimDuration, SimTime};

/// What a span of a trace shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpanKind {
    /// A forward pass of one micro-batch (its tensor-parallel collectives included).
    Forward,
    /// A backward pass of one micro-batch (recomputation and collectives included).
    Backward,
    /// A pipeline send, from its start to its delivery.
    Send,
    /// A data-parallel gradient collective of one bucket, or ZeRO-1's weight gather.
    DataParallel,
    /// The optimizer step.
    Optimizer,
}

/// One interval of a device's timeline, for a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Rank of the device ([`super::Parallelism::coordinates`]).
    pub rank: u64,
    /// What it was.
    pub kind: SpanKind,
    /// Label (`"F3"`, `"B3"`, `"send F3"`, `"bucket 2"`, `"adam"`).
    pub name: String,
    /// Start [ps].
    pub start: SimTime,
    /// End [ps].
    pub end: SimTime,
}

/// One device's share of an iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceAccount {
    /// The device.
    pub node: NodeId,
    /// Its rank, data-parallel replica, pipeline stage and tensor-parallel rank.
    pub rank: u64,
    /// Data-parallel replica.
    pub replica: u32,
    /// Pipeline stage.
    pub stage: u32,
    /// Tensor-parallel rank.
    pub tp_rank: u32,
    /// Time in kernels [ps].
    pub compute: SimDuration,
    /// Time waiting on communication with nothing to compute [ps] (module docs).
    pub communication: SimDuration,
    /// Iteration time minus compute and communication [ps].
    pub bubble: SimDuration,
    /// When the device's last work ended [ps].
    pub end: SimTime,
    /// Peak memory.
    pub memory: MemoryUse,
    /// Its memory capacity [bytes].
    pub capacity: u64,
}

/// The outcome of one simulated training iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingRun {
    /// Wall time of the iteration [ps].
    pub iteration_time: SimDuration,
    /// Micro-batches per replica `m`.
    pub micro_batches: u64,
    /// Every device, in rank order.
    pub devices: Vec<DeviceAccount>,
    /// Model FLOPs of the iteration (no recomputation) [FLOP].
    pub model_flops: f64,
    /// FLOPs executed, recomputation included [FLOP].
    pub hardware_flops: f64,
    /// Bytes sent between devices [bytes]: pipeline, data-parallel and tensor-parallel traffic.
    /// Collectives timed in isolation ([`TensorParallelComm::Isolated`]) count their isolated run's
    /// bytes once per time they are charged; ZeRO-3 weight gathers are not counted.
    pub bytes_sent: u64,
    /// Flows started on the shared network (isolated collectives' flows are not among them).
    pub flows: u64,
    /// Bytes carried by each link, indexed by [`crate::LinkId`] [bytes]; counted as `bytes_sent`.
    pub link_bytes: Vec<u64>,
    /// Bytes each (source, destination) device pair sent, ascending by pair, counted as
    /// `bytes_sent` [bytes]; empty unless [`TrainingConfig::traffic_matrix`].
    pub traffic: Vec<((NodeId, NodeId), u64)>,
    /// Events processed by the executor's own loop (timers and flow completions).
    pub events: u64,
    /// Trace spans (empty unless [`TrainingConfig::trace`]), in the order they ended.
    pub spans: Vec<Span>,
    /// The audit of the shared flow network merged with those of the networks that timed isolated
    /// collectives, each once, plus the event loop's own clock regressions (for invariant tests;
    /// not reported).
    pub network_audit: NetworkAudit,
}

impl TrainingRun {
    /// Mean over devices of the bubble, over the iteration time: the pipeline bubble fraction,
    /// `(p − 1)/(m + p − 1)` for uniform stages without communication.
    pub fn bubble_fraction(&self) -> f64 {
        if self.devices.is_empty() || self.iteration_time == SimDuration::ZERO {
            return 0.0;
        }
        let bubble: f64 = self.devices.iter().map(|d| d.bubble.0 as f64).sum();
        bubble / (self.devices.len() as f64 * self.iteration_time.0 as f64)
    }
}

/// A step of a pass.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    /// Busy for `compute + comm` (isolated tensor-parallel collectives folded in).
    Run { compute: SimDuration, comm: SimDuration },
    /// A tensor-parallel collective run as flows.
    Collective { collective: Collective, bytes: u64 },
    /// The gradients of the stage's layer `layer` (index within the stage) are final.
    GradReady { layer: u32 },
}

/// Why a collective runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Purpose {
    /// A tensor-parallel step of replica `replica`.
    TpStep { replica: u32 },
    /// The receivers' all-gather of a scatter/gather pipeline transfer.
    PpGather { transfer: u32 },
    /// Bucket `bucket` of data-parallel group `group` (`stage · t + tp_rank`).
    DpBucket { group: u32, bucket: u32 },
    /// ZeRO-1's weight all-gather of group `group`.
    DpGather { group: u32 },
}

/// A timer of the executor's own queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// Replica `replica` finished its current step.
    StepDone { replica: u32 },
    /// An isolated collective finished.
    CollectiveDone { purpose: Purpose },
    /// Execution slot `slot` has something due.
    Wake { slot: u32 },
    /// The optimizer steps of data-parallel group `group` finished.
    OptimizerDone { group: u32 },
}

/// A pipeline transfer in flight.
#[derive(Clone, Copy, Debug)]
struct Transfer {
    to: u32,
    micro_batch: u32,
    backward: bool,
    flows_left: u32,
    from: u32,
    started: SimTime,
}

#[derive(Clone, Debug)]
struct Replica {
    stage: u32,
    /// Device ranks, by tensor-parallel rank.
    ranks: Vec<u64>,
    nodes: Vec<NodeId>,
    /// (micro-batch, backward) in schedule order.
    tasks: Vec<(u32, bool)>,
    next: usize,
    /// (task index, next step index) while a pass runs.
    running: Option<(usize, usize)>,
    task_start: SimTime,
    idle_since: SimTime,
    /// Per micro-batch: when its forward input / backward input arrived.
    fwd_in: Vec<Option<SimTime>>,
    bwd_in: Vec<Option<SimTime>>,
    /// Per micro-batch: when the producer of the forward / backward input finished computing.
    fwd_done: Vec<SimTime>,
    bwd_done: Vec<SimTime>,
    sends_pending: u32,
    last_send_done: SimTime,
    finished: bool,
}

#[derive(Clone, Debug, Default)]
struct Group {
    /// Device ranks by replica.
    ranks: Vec<u64>,
    queue: std::collections::VecDeque<u32>,
    busy: bool,
    done: u32,
    /// Optimizer started (it runs once per iteration).
    optimizing: bool,
}

#[derive(Clone, Debug)]
struct Bucket {
    /// Lowest stage-layer index in the bucket (its gradients are final last).
    first_layer: u32,
    /// Per-device bytes of the collective.
    bytes: u64,
    kind: CollectiveKind,
    ready: u32,
}

#[derive(Clone, Debug, Default)]
struct Acct {
    compute: u64,
    comm: u64,
    end: SimTime,
}

struct Sim<'a> {
    platform: &'a Platform,
    config: &'a TrainingConfig,
    router: Router,
    net: FlowNetwork,
    model: NetworkModel,
    selection: PathSelection,
    timers: BinaryHeap<Reverse<(SimTime, u64, Timer)>>,
    seq: u64,
    replicas: Vec<Replica>,
    /// Steps per replica: forward, backward, last backward.
    steps: Vec<[Vec<Step>; 3]>,
    groups: Vec<Group>,
    /// Buckets per stage.
    buckets: Vec<Vec<Bucket>>,
    optimizer_time: Vec<SimDuration>,
    gather_bytes: Vec<u64>,
    /// Bytes of the tensor stage `s` hands to stage `s + 1` per micro-batch [bytes].
    boundary_bytes: Vec<u64>,
    execs: Vec<Option<(Execution, Purpose)>>,
    free_execs: Vec<u32>,
    transfers: Vec<Option<Transfer>>,
    free_transfers: Vec<u32>,
    /// Owner of every flow started, by flow id: execution slot, or `TRANSFER | transfer`.
    owner: Vec<u32>,
    isolated: BTreeMap<(Vec<NodeId>, Collective, u64), (SimDuration, IsolatedTraffic)>,
    /// Times the next isolated collective's traffic is counted (its executions in the iteration).
    traffic_mult: u64,
    /// Traffic of isolated collectives, per link [bytes].
    isolated_link_bytes: Vec<u64>,
    /// Traffic of isolated collectives, per (source, destination) pair [bytes].
    isolated_pairs: BTreeMap<(NodeId, NodeId), u64>,
    /// Audits of the networks that timed isolated collectives, merged.
    isolated_audit: NetworkAudit,
    /// Time of the event loop's latest event, and how often an event came before it.
    clock: SimTime,
    time_regressions: u64,
    acct: Vec<Acct>,
    spans: Vec<Span>,
    events: u64,
    bytes_sent: u64,
    flows: u64,
    p: u32,
    d: u32,
    t: u32,
    /// Micro-batches per replica.
    m: u64,
}

const TRANSFER: u32 = 1 << 31;

/// What one isolated run of a collective sent: bytes, per link and per pair.
#[derive(Clone, Debug, Default)]
struct IsolatedTraffic {
    bytes: u64,
    links: Vec<(u32, u64)>,
    pairs: Vec<((NodeId, NodeId), u64)>,
}

/// What [`run_iteration`] checks before it simulates anything: the configuration, the stage split
/// and every device's memory.
struct Setup {
    /// Devices in rank order.
    devices: Vec<NodeId>,
    /// Micro-batches per iteration.
    micro_batches: u64,
    /// Layer range of each stage.
    split: Vec<std::ops::Range<usize>>,
    /// Per stage: peak memory, parameters updated by one device, parameters held by one device.
    memory: Vec<(MemoryUse, f64, f64)>,
    /// Per stage: gradient buckets.
    buckets: Vec<Vec<Bucket>>,
    /// Per stage: bytes one micro-batch sends to the next stage.
    boundary_bytes: Vec<u64>,
    /// FLOPs executed in one iteration, recomputation included.
    hardware_flops: f64,
}

/// Checks that `job` can run under `config` on `platform` without simulating it: the degrees,
/// micro-batch size, efficiency, devices, global batch, stage split and every device's memory.
/// Cheap (no flows), so a front end can reject a split before running anything.
///
/// # Errors
/// As [`run_iteration`], except routing and collective errors, which only a run finds.
pub fn check_iteration(platform: &Platform, job: &TrainingJob, config: &TrainingConfig) -> Result<(), TrainingError> {
    setup(platform, job, config).map(|_| ())
}

fn setup(platform: &Platform, job: &TrainingJob, config: &TrainingConfig) -> Result<Setup, TrainingError> {
    let par = config.parallelism;
    let (d, t, p) = (par.data, par.tensor, par.pipeline);
    if d == 0 || t == 0 || p == 0 {
        return Err(TrainingError::ZeroDegree);
    }
    if config.micro_batch_size == 0 {
        return Err(TrainingError::ZeroMicroBatch);
    }
    if let Some(e) = config.compute_efficiency {
        if !(e > 0.0 && e <= 1.0) {
            return Err(TrainingError::Efficiency(e));
        }
    }
    check_all_reduce_groups(job, config)?;
    let mut devices: Vec<NodeId> = match &config.devices {
        Some(list) => list.clone(),
        None => platform.hosts(),
    };
    let need = par.devices();
    if (devices.len() as u64) < need || (config.devices.is_some() && devices.len() as u64 != need) {
        return Err(TrainingError::DeviceCount { need, have: devices.len() as u64 });
    }
    devices.truncate(need as usize);
    let mut seen = std::collections::BTreeSet::new();
    for &n in &devices {
        if n.index() >= platform.nodes.len() || !platform.is_host(n) {
            return Err(TrainingError::NotADevice { node: n.0 });
        }
        if !seen.insert(n) {
            return Err(TrainingError::DuplicateDevice { device: platform.nodes[n.index()].name.clone() });
        }
    }
    let per_replica = u64::from(d) * config.micro_batch_size;
    if job.global_batch == 0
        || job.global_batch % per_replica != 0
        || job.global_batch / per_replica > u64::from(u32::MAX)
    {
        return Err(TrainingError::Batch {
            global_batch: job.global_batch,
            data: d,
            micro_batch: config.micro_batch_size,
        });
    }
    let m = job.global_batch / per_replica;
    let split = stage_split(job.layers.len(), p, config.stage_layers.as_deref())?;

    let mut setup = Setup {
        devices,
        micro_batches: m,
        split,
        memory: Vec::with_capacity(p as usize),
        buckets: Vec::with_capacity(p as usize),
        boundary_bytes: Vec::with_capacity(p as usize),
        hardware_flops: 0.0,
    };
    for s in 0..p {
        let layers = &job.layers[setup.split[s as usize].clone()];
        let buckets = make_buckets(job, layers, config);
        let largest = buckets.iter().map(|b| b.1).fold(0.0, f64::max);
        let use_ = stage_memory(job, layers, config, s, m, largest);
        let params: f64 = layers.iter().map(|l| l.parameters as f64 * tp_share(l, t)).sum();
        let updated = if config.zero == ZeroStage::None { params } else { params / f64::from(d) };
        setup.memory.push((use_, updated, params));
        setup.buckets.push(buckets.into_iter().map(|(b, _)| b).collect());
        let last = layers.last().expect("every stage has a layer");
        setup.boundary_bytes.push((last.output_bytes * config.micro_batch_size as f64).ceil() as u64);
        let b = job.global_batch as f64;
        for l in layers {
            // A split layer's ranks share its work; a replicated one is computed by all t.
            let share = tp_share(l, t) * f64::from(t);
            let recompute = match config.recomputation {
                Recomputation::None => 0.0,
                Recomputation::Selective => l.attention_flops,
                Recomputation::Full => l.forward_flops,
            };
            setup.hardware_flops += (l.forward_flops + l.backward_flops + recompute) * share * b;
        }
    }
    // The device furthest over its capacity (the lowest rank on ties), so the error names the
    // largest shortfall.
    let mut worst: Option<(u64, u64)> = None;
    for r in 0..need {
        let (_, s, _) = par.coordinates(r);
        let node = setup.devices[r as usize];
        let device = platform.device(node).expect("checked to be a host");
        let over = setup.memory[s as usize].0.total().saturating_sub(device.memory_bytes);
        if over > 0 && worst.is_none_or(|(_, w)| over > w) {
            worst = Some((r, over));
        }
    }
    if let Some((r, _)) = worst {
        let (_, s, _) = par.coordinates(r);
        let node = setup.devices[r as usize];
        let device = platform.device(node).expect("checked to be a host");
        let (use_, _, _) = setup.memory[s as usize];
        return Err(TrainingError::OutOfMemory {
            device: platform.nodes[node.index()].name.clone(),
            rank: r,
            need: use_.total(),
            capacity: device.memory_bytes,
            memory: use_,
        });
    }
    Ok(setup)
}

/// Runs one training iteration of `job` under `config` on `platform`, with the network sharing
/// `model` and paths chosen by `selection`.
///
/// # Errors
/// [`TrainingError`] for an inconsistent configuration (degrees, devices, batch, stage split), a
/// device whose memory cannot hold its share (naming it, the need and the capacity), or a
/// collective that cannot be routed.
pub fn run_iteration(
    platform: &Platform,
    job: &TrainingJob,
    config: &TrainingConfig,
    model: NetworkModel,
    selection: PathSelection,
) -> Result<TrainingRun, TrainingError> {
    let par = config.parallelism;
    let (d, t, p) = (par.data, par.tensor, par.pipeline);
    let need = par.devices();
    let Setup { devices, micro_batches: m, split, memory, buckets, boundary_bytes, hardware_flops } =
        setup(platform, job, config)?;
    let devices = &devices[..];

    let mut sim = Sim {
        platform,
        config,
        router: Router::with_selection(platform, selection),
        net: FlowNetwork::with_model(platform, model),
        model,
        selection,
        timers: BinaryHeap::new(),
        seq: 0,
        replicas: Vec::new(),
        steps: Vec::new(),
        groups: Vec::new(),
        buckets,
        optimizer_time: Vec::new(),
        gather_bytes: Vec::new(),
        boundary_bytes,
        execs: Vec::new(),
        free_execs: Vec::new(),
        transfers: Vec::new(),
        free_transfers: Vec::new(),
        owner: Vec::new(),
        isolated: BTreeMap::new(),
        traffic_mult: 1,
        isolated_link_bytes: vec![0; platform.links.len()],
        isolated_pairs: BTreeMap::new(),
        isolated_audit: NetworkAudit::default(),
        clock: SimTime::ZERO,
        time_regressions: 0,
        acct: vec![Acct::default(); need as usize],
        spans: Vec::new(),
        events: 0,
        bytes_sent: 0,
        flows: 0,
        p,
        d,
        t,
        m,
    };
    if config.traffic_matrix {
        sim.net.record_pairs(platform);
    }
    sim.net.set_audit(config.audit);
    sim.net.schedule_link_faults(platform, selection, at_start(&config.link_faults));

    // Replicas (replica-major within a stage: index = stage · d + replica) and their steps.
    for s in 0..p {
        for r in 0..d {
            let ranks: Vec<u64> = (0..t).map(|i| par.rank(r, s, i)).collect();
            let nodes: Vec<NodeId> = ranks.iter().map(|&k| devices[k as usize]).collect();
            let tasks = schedule_order(config.schedule, s, p, m as u32);
            sim.replicas.push(Replica {
                stage: s,
                ranks,
                nodes,
                tasks,
                next: 0,
                running: None,
                task_start: SimTime::ZERO,
                idle_since: SimTime::ZERO,
                fwd_in: vec![None; m as usize],
                bwd_in: vec![None; m as usize],
                fwd_done: vec![SimTime::ZERO; m as usize],
                bwd_done: vec![SimTime::ZERO; m as usize],
                sends_pending: 0,
                last_send_done: SimTime::ZERO,
                finished: false,
            });
        }
    }
    for i in 0..sim.replicas.len() {
        let s = sim.replicas[i].stage as usize;
        let nodes = sim.replicas[i].nodes.clone();
        let steps = sim.build_steps(job, &job.layers[split[s].clone()], &nodes, s as u32)?;
        sim.steps.push(steps);
    }
    for s in 0..p {
        for i in 0..t {
            let ranks = (0..d).map(|r| par.rank(r, s, i)).collect();
            sim.groups.push(Group { ranks, ..Group::default() });
        }
        let (_, updated, params) = memory[s as usize];
        let node = sim.replicas[(s * d) as usize].nodes[0];
        let device = sim.device(node);
        // Adam in mixed precision: read the 16-bit gradient, read and write fp32 master weights
        // and both moments, write the 16-bit weights: 2 + 24 + 2 = 28 bytes per parameter.
        let work = Work { flops: (updated * 12.0) as u64, bytes: (updated * 28.0) as u64 };
        sim.optimizer_time.push(if params > 0.0 { device.kernel_time(work) } else { SimDuration::ZERO });
        sim.gather_bytes.push((params * job.weight_bytes_per_parameter as f64).ceil() as u64);
    }

    for i in 0..sim.replicas.len() {
        sim.advance(i as u32, SimTime::ZERO)?;
    }
    sim.event_loop()?;

    let end = sim.acct.iter().map(|a| a.end).max().unwrap_or(SimTime::ZERO);
    let iteration_time = end.since(SimTime::ZERO);
    let accounts = (0..need)
        .map(|r| {
            let (replica, stage, tp_rank) = par.coordinates(r);
            let a = &sim.acct[r as usize];
            let node = devices[r as usize];
            DeviceAccount {
                node,
                rank: r,
                replica,
                stage,
                tp_rank,
                compute: SimDuration(a.compute),
                communication: SimDuration(a.comm),
                bubble: SimDuration(iteration_time.0.saturating_sub(a.compute + a.comm)),
                end: a.end,
                memory: memory[stage as usize].0,
                capacity: platform.device(node).map_or(0, |dev| dev.memory_bytes),
            }
        })
        .collect();
    Ok(TrainingRun {
        iteration_time,
        micro_batches: m,
        devices: accounts,
        model_flops: job.model_flops(),
        hardware_flops,
        bytes_sent: sim.bytes_sent,
        flows: sim.flows,
        link_bytes: sim.net.link_bytes().iter().zip(&sim.isolated_link_bytes).map(|(a, b)| a + b).collect(),
        traffic: {
            let mut all = std::mem::take(&mut sim.isolated_pairs);
            for (pair, b) in sim.net.pair_bytes() {
                *all.entry(pair).or_insert(0) += b;
            }
            all.into_iter().collect()
        },
        events: sim.events,
        spans: sim.spans,
        network_audit: {
            let mut audit = sim.net.audit();
            audit.merge(&sim.isolated_audit);
            audit.time_regressions += sim.time_regressions;
            audit
        },
    })
}

/// Checks that a hierarchical all-reduce splits every group it will run over: the executor uses
/// [`TrainingConfig::all_reduce`] for the data-parallel gradient all-reduces (buckets without ZeRO,
/// or layers whose gradient collective is an all-reduce) and for the layers' tensor-parallel
/// all-reduces (without sequence parallelism). Without this check such a split passed planning and
/// failed mid-run (found by the swarm test).
fn check_all_reduce_groups(job: &TrainingJob, config: &TrainingConfig) -> Result<(), TrainingError> {
    let AllReduceAlgorithm::Hierarchical { group_size } = config.all_reduce else { return Ok(()) };
    let (d, t) = (config.parallelism.data, config.parallelism.tensor);
    let data_parallel = d > 1
        && job.layers.iter().any(|l| {
            l.data_parallel_gradients
                && match l.gradient_collective {
                    Some(g) => g.kind == CollectiveKind::AllReduce && g.bytes > 0,
                    None => config.zero == ZeroStage::None && l.parameters > 0,
                }
        });
    let tensor_parallel = t > 1
        && !config.sequence_parallel
        && job.layers.iter().any(|l| {
            l.forward_collectives.iter().chain(&l.backward_collectives).any(|c| c.kind == CollectiveKind::AllReduce)
        });
    for (used, ranks, group) in [(data_parallel, d, "data-parallel"), (tensor_parallel, t, "tensor-parallel")] {
        if used && (group_size == 0 || ranks as usize % group_size != 0) {
            return Err(TrainingError::AllReduceGroups { group, ranks, group_size });
        }
    }
    Ok(())
}

/// Layer ranges of each stage.
fn stage_split(layers: usize, p: u32, explicit: Option<&[u32]>) -> Result<Vec<std::ops::Range<usize>>, TrainingError> {
    let counts: Vec<usize> = match explicit {
        Some(c) => {
            if c.len() != p as usize || c.contains(&0) || c.iter().map(|&x| x as usize).sum::<usize>() != layers {
                return Err(TrainingError::StageLayers { layers, stages: p, given: c.to_vec() });
            }
            c.iter().map(|&x| x as usize).collect()
        }
        None => {
            if layers < p as usize {
                return Err(TrainingError::StageLayers { layers, stages: p, given: Vec::new() });
            }
            let (q, r) = (layers / p as usize, layers % p as usize);
            (0..p as usize).map(|s| q + usize::from(s < r)).collect()
        }
    };
    let mut start = 0;
    Ok(counts
        .into_iter()
        .map(|c| {
            start += c;
            start - c..start
        })
        .collect())
}

/// Passes of stage `s` of `p` in schedule order: (micro-batch, backward).
pub(crate) fn schedule_order(schedule: PipelineSchedule, s: u32, p: u32, m: u32) -> Vec<(u32, bool)> {
    match schedule {
        PipelineSchedule::GPipe => (0..m).map(|k| (k, false)).chain((0..m).rev().map(|k| (k, true))).collect(),
        PipelineSchedule::OneFOneB => {
            let warm = (p - s - 1).min(m);
            let mut out: Vec<(u32, bool)> = (0..warm).map(|k| (k, false)).collect();
            for k in 0..m - warm {
                out.push((warm + k, false));
                out.push((k, true));
            }
            out.extend((m - warm..m).map(|k| (k, true)));
            out
        }
    }
}

/// Gradient buckets of a stage, in the order their gradients become final (last layer first):
/// (bucket, parameters per device).
fn make_buckets(job: &TrainingJob, layers: &[Layer], config: &TrainingConfig) -> Vec<(Bucket, f64)> {
    let t = config.parallelism.tensor;
    let default_kind =
        if config.zero == ZeroStage::None { CollectiveKind::AllReduce } else { CollectiveKind::ReduceScatter };
    let mut out: Vec<(Bucket, f64)> = Vec::new();
    let mut open: Option<(Bucket, f64)> = None;
    for (i, l) in layers.iter().enumerate().rev() {
        if !l.data_parallel_gradients {
            continue;
        }
        if let Some(g) = l.gradient_collective {
            if let Some(b) = open.take() {
                out.push(b);
            }
            out.push((Bucket { first_layer: i as u32, bytes: g.bytes, kind: g.kind, ready: 0 }, 0.0));
            continue;
        }
        let params = l.parameters as f64 * tp_share(l, t);
        if params == 0.0 {
            continue;
        }
        let bytes = (params * job.gradient_bytes_per_parameter as f64).ceil() as u64;
        let b = open.get_or_insert((Bucket { first_layer: i as u32, bytes: 0, kind: default_kind, ready: 0 }, 0.0));
        b.0.first_layer = i as u32;
        b.0.bytes += bytes;
        b.1 += params;
        if config.bucket_bytes == 0 || b.0.bytes >= config.bucket_bytes {
            out.push(open.take().expect("just filled"));
        }
    }
    out.extend(open);
    out
}

impl Sim<'_> {
    fn device(&self, node: NodeId) -> ComputeDevice {
        let mut dev = self.platform.device(node).expect("checked to be a host").clone();
        if let Some(e) = self.config.compute_efficiency {
            dev.efficiency = e;
        }
        dev
    }

    fn collective(kind: CollectiveKind, config: &TrainingConfig) -> Result<Collective, TrainingError> {
        Ok(match kind {
            CollectiveKind::AllReduce => Collective::AllReduce(config.all_reduce),
            CollectiveKind::ReduceScatter => Collective::ReduceScatter,
            CollectiveKind::AllGather => Collective::AllGather,
            CollectiveKind::AllToAll => Collective::AllToAll(AllToAllAlgorithm::AllAtOnce),
            CollectiveKind::Broadcast => Collective::Broadcast { root: 0, algorithm: BroadcastAlgorithm::Pipeline },
            CollectiveKind::Reduce => return Err(TrainingError::UnsupportedCollective(kind)),
        })
    }

    /// Duration of `collective` of `bytes` over `nodes` alone on the network [ps], memoized; its
    /// traffic is counted [`Self::traffic_mult`] times.
    fn isolated(&mut self, nodes: &[NodeId], collective: Collective, bytes: u64) -> Result<SimDuration, TrainingError> {
        if nodes.len() < 2 || bytes == 0 {
            return Ok(SimDuration::ZERO);
        }
        let key = (nodes.to_vec(), collective, bytes);
        if !self.isolated.contains_key(&key) {
            let mut net = FlowNetwork::with_model(self.platform, self.model);
            net.schedule_link_faults(self.platform, self.selection, at_start(&self.config.link_faults));
            if self.config.traffic_matrix {
                net.record_pairs(self.platform);
            }
            net.set_audit(self.config.audit);
            let mut router = Router::with_selection(self.platform, self.selection);
            let spec = CollectiveSpec { collective, bytes, chunks: 1 };
            let run = run_collective(
                self.platform,
                &mut router,
                &mut net,
                nodes,
                &spec,
                SimTime::ZERO,
                &ExecOptions::default(),
            )?;
            let traffic = IsolatedTraffic {
                bytes: run.stats.bytes,
                links: (0..).zip(net.link_bytes()).filter(|(_, &b)| b > 0).map(|(l, &b)| (l, b)).collect(),
                pairs: net.pair_bytes(),
            };
            self.isolated_audit.merge(&net.audit());
            self.isolated.insert(key.clone(), (run.stats.duration(), traffic));
        }
        let (d, traffic) = &self.isolated[&key];
        let k = self.traffic_mult;
        if k > 0 {
            self.bytes_sent += traffic.bytes * k;
            for &(l, b) in &traffic.links {
                self.isolated_link_bytes[l as usize] += b * k;
            }
            for &(pair, b) in &traffic.pairs {
                *self.isolated_pairs.entry(pair).or_insert(0) += b * k;
            }
        }
        Ok(*d)
    }

    /// Forward, backward and last-backward steps of a replica on `nodes` holding `layers`.
    fn build_steps(
        &mut self,
        job: &TrainingJob,
        layers: &[Layer],
        nodes: &[NodeId],
        stage: u32,
    ) -> Result<[Vec<Step>; 3], TrainingError> {
        let config = self.config;
        let t = self.t;
        let b = config.micro_batch_size as f64;
        let device = self.device(nodes[0]);
        let flows_mode = config.tensor_parallel_comm == TensorParallelComm::Flows;
        let mut fwd = Vec::new();
        let mut bwd = Vec::new();
        let mut last = Vec::new();
        // ZeRO-3: weights of each bucket gathered before its passes, prefetched one bucket ahead.
        let zero3: BTreeMap<u32, SimDuration> = if config.zero == ZeroStage::Full && self.d > 1 {
            let group: Vec<NodeId> =
                (0..self.d).map(|r| self.replicas[(stage * self.d + r) as usize].nodes[0]).collect();
            let mut map = BTreeMap::new();
            // Timed on one group for all; not counted as traffic (see `TrainingRun::bytes_sent`).
            self.traffic_mult = 0;
            for (bucket, params) in make_buckets(job, layers, config) {
                let bytes = (params * job.weight_bytes_per_parameter as f64).ceil() as u64;
                let time = self.isolated(&group, Collective::AllGather, bytes)?;
                map.insert(bucket.first_layer, time);
            }
            map
        } else {
            BTreeMap::new()
        };
        // Each pass's tensor-parallel collectives run once per micro-batch (forward passes, and
        // backward passes with their recomputed forwards).
        self.traffic_mult = self.m;
        let comm_steps = |sim: &mut Self, list: &[super::LayerCollective], out: &mut Vec<Step>| {
            let mut comm = SimDuration::ZERO;
            if t < 2 {
                return Ok::<SimDuration, TrainingError>(comm);
            }
            for c in list {
                let kinds: Vec<CollectiveKind> = match (config.sequence_parallel, c.kind) {
                    (true, CollectiveKind::AllReduce) => vec![CollectiveKind::AllGather, CollectiveKind::ReduceScatter],
                    (_, k) => vec![k],
                };
                for k in kinds {
                    let collective = Self::collective(k, config)?;
                    let bytes = (c.bytes * b).ceil() as u64;
                    if flows_mode {
                        out.push(Step::Collective { collective, bytes });
                    } else {
                        comm += sim.isolated(nodes, collective, bytes)?;
                    }
                }
            }
            Ok(comm)
        };
        let time = |l: &Layer, flops: f64, bytes: f64| {
            let share = tp_share(l, t);
            let weights = l.parameters as f64 * share * job.weight_bytes_per_parameter as f64;
            device.kernel_time(Work {
                flops: (flops * b * share).round() as u64,
                bytes: (weights + bytes * b * share) as u64,
            })
        };
        let mut prev_compute = SimDuration::ZERO;
        for (i, l) in layers.iter().enumerate() {
            let mut pre = SimDuration::ZERO;
            if let Some(&g) = zero3.get(&(i as u32)) {
                // Exposed part of the prefetched gather: what the previous bucket's compute did not hide.
                pre = if i == 0 { g } else { SimDuration(g.0.saturating_sub(prev_compute.0)) };
                prev_compute = SimDuration::ZERO;
            }
            let compute = match l.fixed_times {
                Some(ft) => SimDuration(ft.forward.0 * config.micro_batch_size),
                None => time(l, l.forward_flops, l.forward_memory_bytes),
            };
            prev_compute += compute;
            let mut coll = Vec::new();
            let comm = comm_steps(self, &l.forward_collectives, &mut coll)?;
            fwd.push(Step::Run { compute, comm: comm + pre });
            fwd.extend(coll);
        }
        let mut prev_compute = SimDuration::ZERO;
        for (i, l) in layers.iter().enumerate().rev() {
            let mut steps = Vec::new();
            let mut pre = SimDuration::ZERO;
            // In backward order a bucket's weights are needed from its last layer on.
            if let Some((_, &g)) = zero3.range(..=i as u32).next_back() {
                let bucket_top = zero3.range(i as u32 + 1..).next().map_or(layers.len() as u32, |(&k, _)| k) - 1;
                if bucket_top == i as u32 {
                    pre = if i + 1 == layers.len() { g } else { SimDuration(g.0.saturating_sub(prev_compute.0)) };
                    prev_compute = SimDuration::ZERO;
                }
            }
            let recompute = match config.recomputation {
                Recomputation::Full => {
                    let c = match l.fixed_times {
                        Some(ft) => SimDuration(ft.forward.0 * config.micro_batch_size),
                        None => time(l, l.forward_flops, l.forward_memory_bytes),
                    };
                    let mut coll = Vec::new();
                    let comm = comm_steps(self, &l.forward_collectives, &mut coll)?;
                    steps.push(Step::Run { compute: c, comm: comm + pre });
                    pre = SimDuration::ZERO;
                    steps.extend(coll);
                    0.0
                }
                Recomputation::Selective => l.attention_flops,
                Recomputation::None => 0.0,
            };
            let compute = match l.fixed_times {
                Some(ft) => SimDuration((ft.input_gradient.0 + ft.weight_gradient.0) * config.micro_batch_size),
                None => time(l, l.backward_flops + recompute, 2.0 * l.forward_memory_bytes),
            };
            prev_compute += compute;
            let mut coll = Vec::new();
            let comm = comm_steps(self, &l.backward_collectives, &mut coll)?;
            steps.push(Step::Run { compute, comm: comm + pre });
            steps.extend(coll);
            bwd.extend(steps.iter().copied());
            last.extend(steps);
            last.push(Step::GradReady { layer: i as u32 });
        }
        if !config.overlap_gradients {
            last.retain(|s| !matches!(s, Step::GradReady { .. }));
            last.extend((0..layers.len() as u32).rev().map(|layer| Step::GradReady { layer }));
        }
        self.traffic_mult = 1;
        Ok([merge(fwd), merge(bwd), merge(last)])
    }

    fn push(&mut self, at: SimTime, timer: Timer) {
        self.seq += 1;
        self.timers.push(Reverse((at, self.seq, timer)));
    }

    fn charge(&mut self, replica: u32, compute: SimDuration, comm: SimDuration) {
        for k in 0..self.replicas[replica as usize].ranks.len() {
            let r = self.replicas[replica as usize].ranks[k] as usize;
            self.acct[r].compute += compute.0;
            self.acct[r].comm += comm.0;
        }
    }

    fn span(&mut self, ranks: &[u64], kind: SpanKind, name: impl Fn() -> String, start: SimTime, end: SimTime) {
        if self.config.trace {
            for &rank in ranks {
                self.spans.push(Span { rank, kind, name: name(), start, end });
            }
        }
    }

    /// Starts replica `i`'s next pass if it is idle and its input is there.
    fn advance(&mut self, i: u32, now: SimTime) -> Result<(), TrainingError> {
        let rep = &self.replicas[i as usize];
        if rep.running.is_some() || rep.finished {
            return Ok(());
        }
        let blocking = self.config.pipeline_sends == PipelineSends::Blocking;
        if rep.sends_pending > 0 && blocking {
            return Ok(());
        }
        // The idle interval [idle, now] is communication while a blocking send was pending or an
        // input was in flight after its producer finished, bubble otherwise.
        let idle = rep.idle_since;
        let send_end = if blocking { rep.last_send_done.clamp(idle, now) } else { idle };
        let Some(&(mb, backward)) = rep.tasks.get(rep.next) else {
            self.charge(i, SimDuration::ZERO, now.since(idle).min(send_end.since(idle)));
            return self.replica_finished(i, now);
        };
        let from_neighbour = if backward { rep.stage + 1 < self.p } else { rep.stage > 0 };
        let (input, produced) = match (from_neighbour, backward) {
            (false, _) => (Some(idle), idle),
            (true, false) => (rep.fwd_in[mb as usize], rep.fwd_done[mb as usize]),
            (true, true) => (rep.bwd_in[mb as usize], rep.bwd_done[mb as usize]),
        };
        let Some(arrived) = input else {
            return Ok(());
        };
        let (f0, f1) = (produced.clamp(idle, now), arrived.clamp(idle, now));
        let sends = send_end.since(idle).0;
        let flight = f1.0.saturating_sub(f0.0);
        let overlap = send_end.min(f1).0.saturating_sub(f0.0);
        self.charge(i, SimDuration::ZERO, SimDuration(sends + flight - overlap.min(flight)));
        let rep = &mut self.replicas[i as usize];
        rep.running = Some((rep.next, 0));
        rep.task_start = now;
        self.run_steps(i, now)
    }

    /// Runs replica `i`'s current pass from its next step until a step takes time.
    fn run_steps(&mut self, i: u32, now: SimTime) -> Result<(), TrainingError> {
        loop {
            let rep = &self.replicas[i as usize];
            let (task, step) = rep.running.expect("a pass is running");
            let (_, backward) = rep.tasks[task];
            let list = if !backward {
                0
            } else if task + 1 == rep.tasks.len() {
                2
            } else {
                1
            };
            let Some(&s) = self.steps[i as usize][list].get(step) else {
                return self.pass_done(i, now);
            };
            self.replicas[i as usize].running = Some((task, step + 1));
            match s {
                Step::Run { compute, comm } => {
                    self.charge(i, compute, comm);
                    self.push(now + compute + comm, Timer::StepDone { replica: i });
                    return Ok(());
                }
                Step::Collective { collective, bytes } => {
                    let nodes = self.replicas[i as usize].nodes.clone();
                    self.start_exec(collective, bytes, nodes, Purpose::TpStep { replica: i }, now)?;
                    return Ok(());
                }
                Step::GradReady { layer } => self.grad_ready(i, layer, now)?,
            }
        }
    }

    fn pass_done(&mut self, i: u32, now: SimTime) -> Result<(), TrainingError> {
        let rep = &mut self.replicas[i as usize];
        let (task, _) = rep.running.take().expect("a pass is running");
        let (mb, backward) = rep.tasks[task];
        rep.next += 1;
        rep.idle_since = now;
        let (stage, start, ranks) = (rep.stage, rep.task_start, rep.ranks.clone());
        for &r in &ranks {
            self.acct[r as usize].end = self.acct[r as usize].end.max(now);
        }
        let kind = if backward { SpanKind::Backward } else { SpanKind::Forward };
        self.span(&ranks, kind, || format!("{}{mb}", if backward { "B" } else { "F" }), start, now);
        let to = match (backward, stage) {
            (false, s) if s + 1 < self.p => Some(i + self.d),
            (true, s) if s > 0 => Some(i - self.d),
            _ => None,
        };
        if let Some(to) = to {
            self.send(i, to, mb, backward, now)?;
        }
        self.advance(i, now)
    }

    /// Starts the pipeline transfer of micro-batch `mb`'s output (or gradient) from replica
    /// `from` to `to`.
    fn send(&mut self, from: u32, to: u32, mb: u32, backward: bool, now: SimTime) -> Result<(), TrainingError> {
        let stage = self.replicas[from as usize].stage;
        let boundary = if backward { self.replicas[to as usize].stage } else { stage };
        let bytes_full = self.boundary_bytes[boundary as usize];
        {
            let r = &mut self.replicas[to as usize];
            if backward {
                r.bwd_done[mb as usize] = now;
            } else {
                r.fwd_done[mb as usize] = now;
            }
        }
        let t = self.t;
        let per_flow = if self.config.scatter_gather { bytes_full.div_ceil(u64::from(t)) } else { bytes_full };
        let slot = match self.free_transfers.pop() {
            Some(s) => s,
            None => {
                self.transfers.push(None);
                (self.transfers.len() - 1) as u32
            }
        };
        self.transfers[slot as usize] =
            Some(Transfer { to, micro_batch: mb, backward, flows_left: t, from, started: now });
        self.replicas[from as usize].sends_pending += 1;
        for k in 0..t as usize {
            let (src, dst) = (self.replicas[from as usize].nodes[k], self.replicas[to as usize].nodes[k]);
            let key = crate::rng::mix64(u64::from(src.0) << 32 | u64::from(dst.0));
            let route =
                self.router.route(self.platform, src, dst, key).map_err(crate::collective::CollectiveError::from)?;
            let id = self.net.start(now, &route, per_flow, 0);
            debug_assert_eq!(id.0 as usize, self.owner.len());
            self.owner.push(TRANSFER | slot);
            self.flows += 1;
            self.bytes_sent += per_flow;
        }
        Ok(())
    }

    fn transfer_arrived(&mut self, slot: u32, now: SimTime) -> Result<(), TrainingError> {
        let tr = self.transfers[slot as usize].expect("live transfer");
        let from = &mut self.replicas[tr.from as usize];
        from.sends_pending -= 1;
        from.last_send_done = now;
        let ranks = from.ranks.clone();
        let name = || format!("send {}{}", if tr.backward { "B" } else { "F" }, tr.micro_batch);
        self.span(&ranks, SpanKind::Send, name, tr.started, now);
        self.advance(tr.from, now)?;
        if self.config.scatter_gather && self.t > 1 {
            let stage =
                if tr.backward { self.replicas[tr.to as usize].stage } else { self.replicas[tr.from as usize].stage };
            let bytes = self.boundary_bytes[stage as usize];
            let nodes = self.replicas[tr.to as usize].nodes.clone();
            let purpose = Purpose::PpGather { transfer: slot };
            if self.config.tensor_parallel_comm == TensorParallelComm::Flows {
                return self.start_exec(Collective::AllGather, bytes, nodes, purpose, now);
            }
            let d = self.isolated(&nodes, Collective::AllGather, bytes)?;
            self.push(now + d, Timer::CollectiveDone { purpose });
            return Ok(());
        }
        self.input_ready(slot, now)
    }

    fn input_ready(&mut self, slot: u32, now: SimTime) -> Result<(), TrainingError> {
        let tr = self.transfers[slot as usize].take().expect("live transfer");
        self.free_transfers.push(slot);
        let to = &mut self.replicas[tr.to as usize];
        if tr.backward {
            to.bwd_in[tr.micro_batch as usize] = Some(now);
        } else {
            to.fwd_in[tr.micro_batch as usize] = Some(now);
        }
        self.advance(tr.to, now)
    }

    fn grad_ready(&mut self, i: u32, layer: u32, now: SimTime) -> Result<(), TrainingError> {
        let stage = self.replicas[i as usize].stage as usize;
        let Some(b) = self.buckets[stage].iter().position(|b| b.first_layer == layer) else {
            return Ok(());
        };
        self.buckets[stage][b].ready += 1;
        if self.buckets[stage][b].ready == self.d {
            for k in 0..self.t {
                let g = stage as u32 * self.t + k;
                self.groups[g as usize].queue.push_back(b as u32);
                self.start_group(g, now)?;
            }
        }
        Ok(())
    }

    fn group_nodes(&self, g: u32) -> Vec<NodeId> {
        let stage = g / self.t;
        let k = (g % self.t) as usize;
        (0..self.d).map(|r| self.replicas[(stage * self.d + r) as usize].nodes[k]).collect()
    }

    fn start_group(&mut self, g: u32, now: SimTime) -> Result<(), TrainingError> {
        let group = &mut self.groups[g as usize];
        if group.busy {
            return Ok(());
        }
        let Some(b) = group.queue.pop_front() else {
            return Ok(());
        };
        group.busy = true;
        let stage = (g / self.t) as usize;
        let bucket = self.buckets[stage][b as usize].clone();
        let purpose = Purpose::DpBucket { group: g, bucket: b };
        if self.d < 2 || bucket.bytes == 0 {
            self.push(now, Timer::CollectiveDone { purpose });
            return Ok(());
        }
        let collective = Self::collective(bucket.kind, self.config)?;
        let nodes = self.group_nodes(g);
        self.start_exec(collective, bucket.bytes, nodes, purpose, now)
    }

    fn replica_finished(&mut self, i: u32, now: SimTime) -> Result<(), TrainingError> {
        let rep = &mut self.replicas[i as usize];
        rep.finished = true;
        let ranks = rep.ranks.clone();
        for r in ranks {
            self.acct[r as usize].end = self.acct[r as usize].end.max(now);
        }
        let stage = rep.stage;
        self.maybe_optimize(stage, now);
        Ok(())
    }

    /// Starts the optimizer of every group of `stage` whose gradients are all reduced, once every
    /// replica of the stage has finished its passes: a bucket can be done before its replica's
    /// last pass ends (with one replica, at once), and the step must not overlap that pass.
    fn maybe_optimize(&mut self, stage: u32, now: SimTime) {
        if !(0..self.d).all(|r| self.replicas[(stage * self.d + r) as usize].finished) {
            return;
        }
        let buckets = self.buckets[stage as usize].len();
        for k in 0..self.t {
            let g = stage * self.t + k;
            let gr = &mut self.groups[g as usize];
            if !gr.optimizing && gr.done as usize == buckets {
                gr.optimizing = true;
                self.optimize(g, now);
            }
        }
    }

    fn optimize(&mut self, g: u32, now: SimTime) {
        let stage = (g / self.t) as usize;
        let time = self.optimizer_time[stage];
        let ranks = self.groups[g as usize].ranks.clone();
        for &r in &ranks {
            let a = &mut self.acct[r as usize];
            // Waiting for the gradients since the last pass counts as communication.
            a.comm += now.0.saturating_sub(a.end.0);
            a.compute += time.0;
            a.end = now + time;
        }
        self.span(&ranks, SpanKind::Optimizer, || "adam".to_string(), now, now + time);
        self.push(now + time, Timer::OptimizerDone { group: g });
    }

    fn collective_done(&mut self, purpose: Purpose, start: SimTime, now: SimTime) -> Result<(), TrainingError> {
        match purpose {
            Purpose::TpStep { replica } => {
                self.charge(replica, SimDuration::ZERO, now.since(start));
                self.run_steps(replica, now)
            }
            Purpose::PpGather { transfer } => self.input_ready(transfer, now),
            Purpose::DpBucket { group, bucket } => {
                if now > start {
                    let ranks = self.groups[group as usize].ranks.clone();
                    self.span(&ranks, SpanKind::DataParallel, || format!("bucket {bucket}"), start, now);
                }
                let stage = (group / self.t) as usize;
                let gr = &mut self.groups[group as usize];
                gr.busy = false;
                gr.done += 1;
                self.maybe_optimize(stage as u32, now);
                self.start_group(group, now)
            }
            Purpose::DpGather { group } => {
                let ranks = self.groups[group as usize].ranks.clone();
                self.span(&ranks, SpanKind::DataParallel, || "weight gather".to_string(), start, now);
                for r in ranks {
                    let a = &mut self.acct[r as usize];
                    a.comm += now.0.saturating_sub(a.end.0);
                    a.end = a.end.max(now);
                }
                Ok(())
            }
        }
    }

    fn start_exec(
        &mut self,
        collective: Collective,
        bytes: u64,
        nodes: Vec<NodeId>,
        purpose: Purpose,
        now: SimTime,
    ) -> Result<(), TrainingError> {
        let schedule = collective.schedule(nodes.len(), bytes, 1)?;
        let exec = Execution::new(schedule, nodes, now, ExecOptions::default())?;
        let slot = match self.free_execs.pop() {
            Some(s) => s,
            None => {
                self.execs.push(None);
                (self.execs.len() - 1) as u32
            }
        };
        self.execs[slot as usize] = Some((exec, purpose));
        self.issue(slot, now)
    }

    /// Lets execution `slot` start what is due at `now`; finishes it if it is done.
    fn issue(&mut self, slot: u32, now: SimTime) -> Result<(), TrainingError> {
        let (exec, purpose) = self.execs[slot as usize].as_mut().expect("live execution");
        let before = exec.stats();
        exec.issue(self.platform, &mut self.router, &mut self.net, now)?;
        let after = exec.stats();
        let started = after.flows - before.flows;
        self.owner.extend(std::iter::repeat_n(slot, started as usize));
        self.flows += started;
        self.bytes_sent += after.bytes - before.bytes;
        if exec.is_finished() {
            let purpose = *purpose;
            self.execs[slot as usize] = None;
            self.free_execs.push(slot);
            return self.collective_done(purpose, after.start, after.end.max(now));
        }
        if let Some(t) = exec.next_time() {
            self.push(t, Timer::Wake { slot });
        }
        Ok(())
    }

    fn event_loop(&mut self) -> Result<(), TrainingError> {
        loop {
            crate::collective::check_failures(self.platform, &self.net)?;
            let timer = self.timers.peek().map(|Reverse((t, ..))| *t);
            let flow = self.net.next_time();
            let now = match (timer, flow) {
                (Some(a), Some(b)) => a.min(b),
                (Some(t), None) | (None, Some(t)) => t,
                (None, None) => break,
            };
            if now < self.clock {
                self.time_regressions += 1;
            } else {
                self.clock = now;
            }
            if flow == Some(now) {
                for c in self.net.advance(now) {
                    self.events += 1;
                    let owner = self.owner[c.flow.0 as usize];
                    if owner & TRANSFER != 0 {
                        let slot = owner & !TRANSFER;
                        let tr = self.transfers[slot as usize].as_mut().expect("live transfer");
                        tr.flows_left -= 1;
                        if tr.flows_left == 0 {
                            self.transfer_arrived(slot, now)?;
                        }
                    } else {
                        let (exec, _) = self.execs[owner as usize].as_mut().expect("live execution");
                        exec.on_completion(&c);
                        self.issue(owner, now)?;
                    }
                }
                continue;
            }
            let Reverse((_, _, timer)) = self.timers.pop().expect("peeked");
            self.events += 1;
            match timer {
                Timer::StepDone { replica } => self.run_steps(replica, now)?,
                // Isolated collectives: their waiting time is accounted where the waiter resumes.
                Timer::CollectiveDone { purpose } => self.collective_done(purpose, now, now)?,
                Timer::Wake { slot } => {
                    if self.execs[slot as usize].is_some() {
                        self.issue(slot, now)?;
                    }
                }
                Timer::OptimizerDone { group } => {
                    if self.config.zero == ZeroStage::Optimizer && self.d > 1 {
                        let stage = (group / self.t) as usize;
                        let bytes = self.gather_bytes[stage];
                        let nodes = self.group_nodes(group);
                        self.start_exec(Collective::AllGather, bytes, nodes, Purpose::DpGather { group }, now)?;
                    }
                }
            }
        }
        crate::collective::check_failures(self.platform, &self.net)?;
        if let Some(r) = self.replicas.iter().position(|r| !r.finished) {
            return Err(TrainingError::Stalled { rank: self.replicas[r].ranks[0] });
        }
        Ok(())
    }
}

/// `faults` in force from the iteration's start, as a flow network schedules them.
fn at_start(
    faults: &[(crate::LinkId, crate::LinkFault)],
) -> impl Iterator<Item = (SimTime, crate::LinkId, crate::LinkFault)> + '_ {
    faults.iter().map(|&(link, fault)| (SimTime::ZERO, link, fault))
}

/// Merges consecutive `Run` steps (their durations add), keeping markers and flow collectives.
fn merge(steps: Vec<Step>) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::with_capacity(steps.len());
    for s in steps {
        match (out.last_mut(), s) {
            (Some(Step::Run { compute, comm }), Step::Run { compute: c, comm: k }) => {
                *compute += c;
                *comm += k;
            }
            _ => out.push(s),
        }
    }
    out
}
