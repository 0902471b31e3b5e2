//! How a training job is split and scheduled: the executor's knobs.

use crate::collective::AllReduceAlgorithm;
use crate::platform::NodeId;

/// Data, tensor and pipeline parallel degrees. `data · tensor · pipeline` devices take part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parallelism {
    /// Data-parallel replicas `d`.
    pub data: u32,
    /// Tensor-parallel ranks per layer `t` (Megatron-LM, Shoeybi et al. 2019).
    pub tensor: u32,
    /// Pipeline stages `p`.
    pub pipeline: u32,
}

impl Parallelism {
    /// Devices taking part: `d · t · p`.
    pub fn devices(&self) -> u64 {
        u64::from(self.data) * u64::from(self.tensor) * u64::from(self.pipeline)
    }

    /// Megatron-LM's rank order (`megatron/core/parallel_state.py`): tensor-parallel ranks are
    /// consecutive, then data-parallel replicas, then pipeline stages, so rank
    /// `r = (stage · d + replica) · t + tp_rank`. Returns `(replica, stage, tp_rank)` of `r`.
    pub fn coordinates(&self, rank: u64) -> (u32, u32, u32) {
        let t = u64::from(self.tensor);
        let d = u64::from(self.data);
        ((rank / t % d) as u32, (rank / (t * d)) as u32, (rank % t) as u32)
    }

    /// The rank of `(replica, stage, tp_rank)`; inverse of [`Self::coordinates`].
    pub fn rank(&self, replica: u32, stage: u32, tp_rank: u32) -> u64 {
        (u64::from(stage) * u64::from(self.data) + u64::from(replica)) * u64::from(self.tensor) + u64::from(tp_rank)
    }
}

/// Order of forward and backward passes of micro-batches on each pipeline stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineSchedule {
    /// GPipe (Huang et al., NeurIPS 2019): all forward passes, then all backward passes in reverse
    /// micro-batch order (the order autograd runs them); keeps `m` micro-batches of activations.
    GPipe,
    /// 1F1B, PipeDream-Flush (Narayanan et al., "Memory-Efficient Pipeline-Parallel DNN Training",
    /// ICML 2021; Megatron-LM's non-interleaved schedule, SC'21 §2.2): stage `s` of `p` runs
    /// `min(p − s − 1, m)` warm-up forwards, then alternates one forward and one backward, then
    /// drains; keeps at most `p − s` micro-batches of activations.
    OneFOneB,
}

/// ZeRO sharding of model states across data-parallel replicas (Rajbhandari et al., "ZeRO", SC'20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroStage {
    /// Every replica holds all model states; gradients are all-reduced.
    None,
    /// ZeRO-1 (`P_os`): optimizer states sharded `d` ways; gradients are reduce-scattered, each
    /// replica updates its shard, and the updated 16-bit weights are all-gathered (same volume as
    /// an all-reduce, §7.2.1).
    Optimizer,
    /// ZeRO-3 (`P_os+g+p`): weights, gradients and optimizer states sharded `d` ways; the weights
    /// of each gradient bucket are all-gathered before its forward and again before its backward
    /// in every micro-batch (prefetched one bucket ahead), and gradients are reduce-scattered
    /// (1.5× the all-reduce volume, §7.2.2).
    Full,
}

/// Activation recomputation (Chen et al. 2016; Korthikanti et al. 2022).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recomputation {
    /// Keep every activation.
    None,
    /// Recompute the attention core in the backward pass (Korthikanti et al. §5): drops
    /// [`super::ActivationBytes::attention`], repeats [`super::Layer::attention_flops`].
    Selective,
    /// Keep only each layer's input and repeat its whole forward pass (including its
    /// tensor-parallel collectives) before its backward pass.
    Full,
}

/// How tensor-parallel collectives are simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorParallelComm {
    /// Each distinct (group, collective, size) is run once as flows on an otherwise empty copy of
    /// the network, and that duration is charged every time. Exact when the group's links carry
    /// no other traffic while it runs (a tensor-parallel group inside one NVSwitch domain, whose
    /// GPU–NVSwitch links inter-node traffic does not use); it keeps large jobs cheap (GPT-3 on
    /// 1 024 GPUs runs ~10⁶ tensor-parallel all-reduces per iteration).
    Isolated,
    /// Every tensor-parallel collective runs as flows on the shared network, contending with
    /// pipeline and data-parallel traffic.
    Flows,
}

/// How pipeline stages hand activations and gradients to their neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineSends {
    /// The sender's next pass waits until its send is delivered (Megatron-LM's batched
    /// `isend`/`irecv` followed by a wait, SC'21 §4).
    Blocking,
    /// The sender goes on at once; only the receiver waits.
    Async,
}

/// The executor's configuration for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingConfig {
    /// Parallel degrees.
    pub parallelism: Parallelism,
    /// Samples per micro-batch `b`; the global batch must be a multiple of `d · b`, and the
    /// number of micro-batches per replica is `m = global_batch / (d · b)`.
    pub micro_batch_size: u64,
    /// Pipeline schedule.
    pub schedule: PipelineSchedule,
    /// Layers on each stage, input first; `None` splits the layers as evenly as possible, the
    /// earlier stages taking the extra ones. Must sum to the job's layer count, each ≥ 1.
    pub stage_layers: Option<Vec<u32>>,
    /// ZeRO sharding.
    pub zero: ZeroStage,
    /// Activation recomputation.
    pub recomputation: Recomputation,
    /// Megatron sequence parallelism (Korthikanti et al. §4.2.2): splits the replicated
    /// activations too; the two all-reduces become an all-gather and a reduce-scatter of the same
    /// total volume.
    pub sequence_parallel: bool,
    /// Gradient bucket size [bytes per device]: consecutive layers (in backward order) fill a
    /// bucket until it reaches this size, and its data-parallel collective starts when the last
    /// micro-batch's backward pass has produced all its gradients (PyTorch DDP, Li et al., VLDB
    /// 2020, §3.2.3; default 25 MiB there). `0` gives one bucket per layer; `u64::MAX` one bucket
    /// per stage.
    pub bucket_bytes: u64,
    /// Whether bucket collectives may start during the last backward pass (`true`, DDP's
    /// overlap) or only after it (`false`).
    pub overlap_gradients: bool,
    /// Algorithm of all-reduces: the data-parallel gradient all-reduces and the layers'
    /// tensor-parallel all-reduces (reduce-scatter and all-gather use the ring). A hierarchical
    /// one must split every group it runs over ([`super::TrainingError::AllReduceGroups`]).
    pub all_reduce: AllReduceAlgorithm,
    /// How tensor-parallel collectives are simulated.
    pub tensor_parallel_comm: TensorParallelComm,
    /// Megatron's scatter/gather optimisation (SC'21 §4.1): each tensor-parallel rank sends `1/t`
    /// of a stage boundary's tensor and the receivers all-gather it; otherwise every rank sends
    /// the whole tensor.
    pub scatter_gather: bool,
    /// Pipeline send semantics.
    pub pipeline_sends: PipelineSends,
    /// Achieved share of peak FLOP/s for every kernel, replacing the devices' own efficiency;
    /// the one calibration constant of a reproduction.
    pub compute_efficiency: Option<f64>,
    /// Devices in rank order ([`Parallelism::coordinates`]); `None` uses the platform's hosts in
    /// id order.
    pub devices: Option<Vec<NodeId>>,
    /// Keep a span per pass, transfer, collective and optimizer step for a trace.
    pub trace: bool,
    /// Record the bytes every (source, destination) device pair exchanges
    /// ([`super::TrainingRun::traffic`]); costs a map update per flow.
    pub traffic_matrix: bool,
    /// Check every rate allocation of every flow network against link capacities
    /// ([`crate::FlowNetwork::set_audit`]; for invariant tests, off by default). The rest of
    /// [`super::TrainingRun::network_audit`] is always kept.
    pub audit: bool,
    /// Links that have failed or are degraded for the whole iteration, applied before it starts
    /// ([`crate::FlowNetwork::schedule_link_faults`] at time 0): flows move to the remaining shortest paths, and a
    /// flow left without one fails the iteration ([`crate::collective::CollectiveError::FlowFailed`]).
    pub link_faults: Vec<(crate::LinkId, crate::LinkFault)>,
}

impl TrainingConfig {
    /// A configuration with Megatron-LM's defaults: 1F1B, no ZeRO, no recomputation, no sequence
    /// parallelism, 25 MiB overlapped buckets, ring all-reduce, isolated tensor-parallel
    /// collectives, scatter/gather, blocking sends, devices' own efficiency, hosts in id order.
    pub fn new(parallelism: Parallelism, micro_batch_size: u64) -> Self {
        TrainingConfig {
            parallelism,
            micro_batch_size,
            schedule: PipelineSchedule::OneFOneB,
            stage_layers: None,
            zero: ZeroStage::None,
            recomputation: Recomputation::None,
            sequence_parallel: false,
            bucket_bytes: 25 << 20,
            overlap_gradients: true,
            all_reduce: AllReduceAlgorithm::Ring,
            tensor_parallel_comm: TensorParallelComm::Isolated,
            scatter_gather: true,
            pipeline_sends: PipelineSends::Blocking,
            compute_efficiency: None,
            devices: None,
            trace: false,
            traffic_matrix: false,
            audit: false,
            link_faults: Vec::new(),
        }
    }
}
