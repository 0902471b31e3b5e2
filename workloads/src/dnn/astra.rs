//! ASTRA-sim 1.0 text workloads, their analytical network configs, and the analytical backend's
//! per-message cost, so clustersim can run the workloads ASTRA-sim ships and be compared with it.
//!
//! # The text workload format (ASTRA-sim 1.0)
//!
//! Read token by token, as upstream's `Workload::initialize_workload` reads it with `>>` (line breaks
//! are whitespace; every error still names the 1-based line of the offending token):
//!
//! 1. the parallelism keyword ([`AstraParallelism`]) and its extra tokens:
//!    `HYBRID_TRANSFORMER model_parallel_NPU_group: N`;
//!    `HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: N checkpoints: k l1 … lk
//!    checkpoint_initiates: m i1 … im`; `HYBRID_DLRM k` and `HYBRID_DLRM_ENHANCED k`
//!    (`DLRM_LAST_BOTTOM_LAYER`, a 0-based layer index); nothing for the others;
//! 2. the number of layers;
//! 3. per layer, 12 tokens: name, a reserved integer (`-1` in every shipped file), then for the
//!    forward pass, the input gradient and the weight gradient in turn a compute time [cycles], a
//!    communication type ([`CommType`]) and a communication size [bytes]; then the delay per update
//!    [cycles]; under `HYBRID_CUSTOMIZED` a 13th token, the layer's own parallelism ([`LayerPolicy`]).
//!
//! Stricter than upstream, which silently reads an unknown collective name as `NONE` and ignores
//! whatever follows the last layer: here both are errors. Compute times are in cycles and
//! 1 cycle = 1 ns in ASTRA-sim 1.0 (`inputs/system/README.md`: "The default clock cycle period is
//! 1ns"); they must be at most [`MAX_CYCLES`] so that picoseconds fit in a `u64`.
//!
//! # Mapping to a clustersim [`TrainingJob`]
//!
//! [`AstraWorkload::job`] turns a workload into one [`Layer`] per ASTRA-sim layer, given the
//! data-parallel degree `d` and tensor-parallel degree `t` ([`AstraDegrees`]; [`AstraWorkload::degrees`]
//! computes the split ASTRA-sim itself would use on a given network). Every layer gets
//! `fixed_times` = the file's compute times × 1000 [ps], zero FLOPs, zero parameters, no activation
//! memory, `output_bytes = 0` and **`tensor_parallel = false`**: the file's times and sizes are
//! already those of one NPU (the model-parallel split was applied when the file was written), so the
//! executor must not divide them by `t` again; the tensor-parallel collectives are still listed and
//! run among the `t` ranks (they run whenever `t > 1`).
//!
//! **Batch convention.** A file describes one iteration of one NPU. The job has
//! `global_batch = d` and `tokens_per_sample = 1`: one "sample" per data-parallel replica per
//! iteration, so per-sample times and per-sample collective sizes are the file's per-iteration values
//! (run it with micro-batch size 1 and no pipeline stages).
//!
//! **Collective sizes.** ASTRA-sim 1.0's system layer (`astra-sim/system/collective/Ring.cc`, the
//! `Ring` constructor) takes an all-reduce's, all-to-all's and reduce-scatter's size as each NPU's
//! whole buffer, which is what clustersim's `S` is too
//! ([`sim_core::collective::Collective::schedule`]); but an all-gather's size is each NPU's
//! *contribution* (`final_data_size = data_size * nodes_in_ring`), while clustersim's `S` is the
//! whole gathered buffer. So an `ALLGATHER` of `s` bytes becomes `S = s · g` for a group of `g`
//! ranks (`g = t` for forward and input-gradient collectives, `g = d` for the weight gradient).
//!
//! **Which group each collective runs over.** Upstream's `Workload::decode_involved_dimensions` gives
//! each phase a set of network dimensions; dimension 0 is the innermost (consecutive NPU ids,
//! `HierarchicalTopology::npuIdToAddress`):
//!
//! | ASTRA-sim parallelism | fwd + input-grad comms over | weight-grad comm over | clustersim |
//! | --- | --- | --- | --- |
//! | `DATA` | — (never issued by `iterate_data_parallel`) | all NPUs | `t = 1`, `d` = NPUs; weight-grad comm = `gradient_collective` |
//! | `MICRO` | — | all NPUs (only layer 0, no compute) | one layer, zero times, `gradient_collective`; `t = 1` |
//! | `MODEL` | all NPUs | — (never issued) | `d = 1`, `t` = NPUs; fwd → `forward_collectives`, ig → `backward_collectives` |
//! | `HYBRID_DATA_MODEL` | dimension 0 | dimensions 1.. | `t` = units of dim 0, `d` = the rest |
//! | `HYBRID_MODEL_DATA` | dimensions 1.. | dimension 0 | `d` = units of dim 0, `t` = the rest (model groups are strided by `d` in NPU ids) |
//! | `HYBRID_TRANSFORMER` | the first `N` NPUs (dimensions up to `Sys::break_dimension(N)`) | the other dimensions | `t = N`, `d` = NPUs / `N` |
//! | `HYBRID_CUSTOMIZED` | per layer, as its own policy | per layer | supported only if every layer names the same policy |
//! | `HYBRID_DLRM(_ENHANCED)` | layer 0: all NPUs; others: — | all NPUs | [`AstraError::Unsupported`] |
//! | `HYBRID_TRANSFORMER_FWD_IN_BCKWD`, `DISTRIBUTED_INFERENCE` | | | [`AstraError::Unsupported`] |
//!
//! A weight-gradient comm of type `NONE` (or one that is never issued) gives
//! `data_parallel_gradients = false` and `gradient_collective = None`; otherwise
//! `data_parallel_gradients = true` and `gradient_collective = Some(kind, S)`. `HYBRID_DLRM` is refused
//! because layer 0's all-to-all and the MLPs' all-reduces both span *all* NPUs, while a clustersim job
//! runs forward collectives among the `t` tensor-parallel ranks and gradient collectives among the
//! `d` replicas: no `d × t` split hosts both unless one degree is 1, and then one of them would
//! vanish or change its overlap. `ALLREDUCEALLTOALL` is parsed but refused where it would run
//! (upstream's `Layer::issue_*_comm` panics on it: "no known collective operation!").
//!
//! **Loop details kept.** `iterate_data_parallel` never computes layer 0's input gradient, so under
//! `DATA` layer 0's `input_gradient` time is 0; the hybrid and model loops compute it but issue no
//! input-gradient comm for layer 0, so layer 0 has no `backward_collectives` there, while
//! `iterate_hybrid_parallel_Transformer` does issue it.
//!
//! **Not kept** (no field for them in [`Layer`]; the executor's own schedule applies):
//! - the delay per update ([`AstraLayer::update_delay_cycles`]), which upstream's `Layer::call` adds
//!   after each issued collective finishes before it counts as done;
//! - barriers: upstream blocks on forward comms, waits for a layer's input-gradient comm only after
//!   that layer's weight-gradient compute (hybrid and model loops; the Transformer loop blocks on it
//!   at once), and lets weight-gradient comms run until that layer's next forward pass;
//! - the order of the two gradient computes (the `DATA` loop computes a layer's weight gradient before
//!   its input gradient, the others the reverse);
//! - collective algorithms, chunking and scheduling (the system config), and `compute-scale`,
//!   `comm-scale` (1 by default).
//!
//! # Analytical network configs and the per-message cost
//!
//! [`AnalyticalNetwork::parse`] reads `inputs/network/analytical/*.json`;
//! [`AnalyticalDimension::message_latency_ns`] is the analytical backend's cost of one message
//! (`HierarchicalTopology::send`), and [`AnalyticalDimension::ring_all_reduce_ns`] /
//! [`AnalyticalDimension::direct_all_to_all_ns`] compose it along the step structure of ASTRA-sim
//! 1.0's ring and direct collectives, as references for the congestion-free microbenchmarks
//! (`microAllReduce.txt`, `microAllToAll.txt`). See those functions for exactly what they include.
//!
//! # Sources
//! - Input files: `astra-sim/astra-sim`, branch `ASTRA-sim-1.0`, commit `07d5d19` (2023-09-21), MIT
//!   (`workloads/data/astra-sim/`).
//! - Semantics: ASTRA-sim 1.0 `astra-sim/workload/Workload.cc` (`initialize_workload`,
//!   `decode_parallelsim`, `decode_involved_dimensions`, the `iterate_*` loops) and
//!   `astra-sim/workload/Layer.cc` (`call`, `issue_*_comm`), read in the 1.0-era copies of the public
//!   fork `brianwuuu/astra-sim` (commits `b28636b` and `0bc258a`) because the code index holds only
//!   ASTRA-sim 2.x of `astra-sim/astra-sim`'s `Workload.cc`; `astra-sim/system/collective/Ring.cc` of
//!   `astra-sim/astra-sim` (commit `019586d`) and `AllToAll.cc` (same fork, commit `d40e166`).
//! - Network: `astra-sim/astra-network-analytical`, `analytical/topology/HierarchicalTopology.cc`
//!   (commit `5eaeb9d`: constructor, `send`, `linkLatency`), `analytical/src/topology/Topology.cc`
//!   (`serializationLatency`, `hbmLatency`, `criticalLatency`) and `analytical/main.cc` (the GB/s to
//!   bytes/ns conversion and the defaults of optional keys).

use std::fmt;

use serde::Deserialize;
use sim_core::collective::CollectiveKind;
use sim_core::time::SimDuration;
use sim_core::training::{ActivationBytes, GradientCollective, Layer, LayerCollective, LayerTimes, TrainingJob};

/// The upstream commit the embedded files come from (`astra-sim/astra-sim`, branch `ASTRA-sim-1.0`).
pub const UPSTREAM_COMMIT: &str = "07d5d19de827d77890c0c02850f5bcf78bf6ba45";

/// Picoseconds per ASTRA-sim 1.0 cycle: 1 cycle = 1 ns (`inputs/system/README.md`) [ps/cycle].
pub const PS_PER_CYCLE: u64 = 1_000;

/// Largest compute time or update delay accepted [cycles], so that its picoseconds fit in a `u64`.
pub const MAX_CYCLES: u64 = u64::MAX / PS_PER_CYCLE;

macro_rules! embed {
    ($dir:literal, $($file:literal),+ $(,)?) => {
        &[$(($file, include_str!(concat!("../../data/astra-sim/v1_07d5d19/", $dir, "/", $file)))),+]
    };
}

static WORKLOADS: &[(&str, &str)] = embed!(
    "inputs/workload",
    "DLRM_HybridParallel.txt",
    "MLP_HybridParallel_Data_Model.txt",
    "MLP_HybridParallel_Model_Data.txt",
    "MLP_ModelParallel.txt",
    "Resnet50_DataParallel.txt",
    "Transformer_HybridParallel.txt",
    "Transformer_HybridParallel_Fwd_In_Bckwd.txt",
    "microAllReduce.txt",
    "microAllToAll.txt",
    "sample_per_layer_parallel_HybridCustomized.txt",
);

static NETWORKS: &[(&str, &str)] = embed!(
    "inputs/network/analytical",
    "sample_Ring_FullyConnected_Ring.json",
    "sample_Ring_FullyConnected_Switch.json",
    "sample_Switch.json",
    "sample_Torus2D.json",
    "sample_Torus3D.json",
);

static SYSTEMS: &[(&str, &str)] = embed!(
    "inputs/system",
    "sample_3dim_sys.txt",
    "sample_a2a_A2A_AG_F_OP_sys.txt",
    "sample_a2a_AG_OP_F_H_sys.txt",
    "sample_a2a_sys.txt",
    "sample_torus_sys.txt",
);

/// The 10 ASTRA-sim 1.0 text workloads shipped in `workloads/data/astra-sim/v1_07d5d19/inputs/workload/`,
/// as `(file name, text)`, sorted by file name (byte order). Parse with [`AstraWorkload::parse`].
/// Source: ASTRA-sim commit [`UPSTREAM_COMMIT`], MIT licence.
pub fn builtin_workloads() -> &'static [(&'static str, &'static str)] {
    WORKLOADS
}

/// The 5 analytical-backend network configs shipped in
/// `workloads/data/astra-sim/v1_07d5d19/inputs/network/analytical/`, as `(file name, JSON text)`,
/// sorted by file name. Parse with [`AnalyticalNetwork::parse`]. Source and licence as
/// [`builtin_workloads`].
pub fn builtin_network_configs() -> &'static [(&'static str, &'static str)] {
    NETWORKS
}

/// The 5 system-layer configs shipped in `workloads/data/astra-sim/v1_07d5d19/inputs/system/`
/// (`key: value` lines: collective algorithm per dimension, chunking, scheduling; format in that
/// folder's `README.md`), as `(file name, text)`, sorted by file name; not parsed here. Source and
/// licence as [`builtin_workloads`].
pub fn builtin_system_configs() -> &'static [(&'static str, &'static str)] {
    SYSTEMS
}

/// The text of the shipped workload `file_name` (e.g. `"Resnet50_DataParallel.txt"`), if any.
pub fn builtin_workload(file_name: &str) -> Option<&'static str> {
    WORKLOADS.iter().find(|(n, _)| *n == file_name).map(|(_, t)| *t)
}

/// The text of the shipped analytical network config `file_name` (e.g. `"sample_Torus2D.json"`), if any.
pub fn builtin_network_config(file_name: &str) -> Option<&'static str> {
    NETWORKS.iter().find(|(n, _)| *n == file_name).map(|(_, t)| *t)
}

/// Why an ASTRA-sim file could not be read, or a workload not mapped to a clustersim job.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AstraError {
    /// The workload text is malformed.
    #[error("{file}:{line}: {field}: {message}")]
    Parse {
        /// The file name given to the parser.
        file: String,
        /// 1-based line of the offending token (the last line if the text ended too early).
        line: usize,
        /// What was being read (`"layer #0 `conv1`: forward compute time"`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The workload is valid ASTRA-sim input but has no faithful clustersim equivalent.
    #[error("{file}: {feature} cannot be mapped to a clustersim training job: {reason}")]
    Unsupported {
        /// The workload's file name.
        file: String,
        /// The construct at fault (`"HYBRID_DLRM"`, `"layer #3 `x`: ALLREDUCEALLTOALL"`).
        feature: String,
        /// Why.
        reason: String,
    },
    /// The data/tensor-parallel degrees do not fit the workload's parallelism.
    #[error("{file}: data-parallel {data_parallel} × tensor-parallel {tensor_parallel}: {message}")]
    Degrees {
        /// The workload's file name.
        file: String,
        /// Data-parallel degree asked for.
        data_parallel: u64,
        /// Tensor-parallel degree asked for.
        tensor_parallel: u64,
        /// What is wrong.
        message: String,
    },
    /// The network config is not valid JSON of the expected shape.
    #[error("{file}:{line}:{column}: {message}")]
    Json {
        /// The file name given to the parser.
        file: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// 1-based column (0 if unknown).
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// A network config field has an invalid value.
    #[error("{file}: {field}: {message}")]
    Network {
        /// The file name given to the parser.
        file: String,
        /// The JSON key, with the dimension index (`"link-bandwidth[1]"`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

/// A communication type of a workload layer (upstream `ComType`, decoded in `initialize_workload`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommType {
    /// `NONE`: no collective.
    None,
    /// `ALLREDUCE`: size = each NPU's buffer.
    AllReduce,
    /// `ALLTOALL`: size = each NPU's send buffer.
    AllToAll,
    /// `ALLGATHER`: size = each NPU's contribution (the result is size × group).
    AllGather,
    /// `REDUCESCATTER`: size = each NPU's input buffer.
    ReduceScatter,
    /// `ALLREDUCEALLTOALL`: decoded upstream but not implemented by 1.0's `Layer` (it panics).
    AllReduceAllToAll,
}

impl CommType {
    /// The keyword as written in workload files.
    pub fn keyword(self) -> &'static str {
        match self {
            CommType::None => "NONE",
            CommType::AllReduce => "ALLREDUCE",
            CommType::AllToAll => "ALLTOALL",
            CommType::AllGather => "ALLGATHER",
            CommType::ReduceScatter => "REDUCESCATTER",
            CommType::AllReduceAllToAll => "ALLREDUCEALLTOALL",
        }
    }

    fn from_keyword(s: &str) -> Option<CommType> {
        Some(match s {
            "NONE" => CommType::None,
            "ALLREDUCE" => CommType::AllReduce,
            "ALLTOALL" => CommType::AllToAll,
            "ALLGATHER" => CommType::AllGather,
            "REDUCESCATTER" => CommType::ReduceScatter,
            "ALLREDUCEALLTOALL" => CommType::AllReduceAllToAll,
            _ => return None,
        })
    }
}

impl fmt::Display for CommType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// A layer's own parallelism under `HYBRID_CUSTOMIZED` (the 13th token of its line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerPolicy {
    /// `DATA`: weight-gradient comm over all NPUs, no forward or input-gradient comm.
    Data,
    /// `MODEL`: forward and input-gradient comms over all NPUs, no weight-gradient comm.
    Model,
    /// `HYBRID_DATA_MODEL`: forward/input-gradient over dimension 0, weight gradient over the rest.
    HybridDataModel,
    /// `HYBRID_MODEL_DATA`: forward/input-gradient over dimensions 1.., weight gradient over dimension 0.
    HybridModelData,
}

impl LayerPolicy {
    /// The keyword as written in workload files.
    pub fn keyword(self) -> &'static str {
        match self {
            LayerPolicy::Data => "DATA",
            LayerPolicy::Model => "MODEL",
            LayerPolicy::HybridDataModel => "HYBRID_DATA_MODEL",
            LayerPolicy::HybridModelData => "HYBRID_MODEL_DATA",
        }
    }

    fn from_keyword(s: &str) -> Option<LayerPolicy> {
        Some(match s {
            "DATA" => LayerPolicy::Data,
            "MODEL" => LayerPolicy::Model,
            "HYBRID_DATA_MODEL" => LayerPolicy::HybridDataModel,
            "HYBRID_MODEL_DATA" => LayerPolicy::HybridModelData,
            _ => return None,
        })
    }
}

/// The training-loop parallelism named on a workload's first line (upstream `ParallelismPolicy`,
/// decoded by `Workload::decode_parallelsim`), with its extra header tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AstraParallelism {
    /// `DATA`: pure data parallelism.
    Data,
    /// `MODEL`: pure model parallelism over all NPUs.
    Model,
    /// `HYBRID_DATA_MODEL`: model parallel within dimension 0, data parallel across the others.
    HybridDataModel,
    /// `HYBRID_MODEL_DATA`: data parallel within dimension 0, model parallel across the others.
    HybridModelData,
    /// `HYBRID_TRANSFORMER model_parallel_NPU_group: N`.
    HybridTransformer {
        /// NPUs per model-parallel group (`N`).
        model_parallel_npu_group: u64,
    },
    /// `HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: N checkpoints: … checkpoint_initiates: …`:
    /// the Transformer loop with forward recomputation inside the backward pass.
    HybridTransformerFwdInBckwd {
        /// NPUs per model-parallel group (`N`).
        model_parallel_npu_group: u64,
        /// 0-based indices of the checkpoint layers, as listed.
        checkpoints: Vec<u64>,
        /// 0-based indices of the layers that start a recomputation, as listed.
        checkpoint_initiates: Vec<u64>,
    },
    /// `HYBRID_DLRM k`: embedding (layer 0) model parallel over all NPUs, MLPs data parallel.
    HybridDlrm {
        /// `DLRM_LAST_BOTTOM_LAYER`: 0-based index of the last bottom-MLP layer.
        last_bottom_layer: u64,
    },
    /// `HYBRID_DLRM_ENHANCED k`: as [`AstraParallelism::HybridDlrm`] (same upstream loop).
    HybridDlrmEnhanced {
        /// `DLRM_LAST_BOTTOM_LAYER`: 0-based index of the last bottom-MLP layer.
        last_bottom_layer: u64,
    },
    /// `HYBRID_CUSTOMIZED`: each layer names its own [`LayerPolicy`].
    HybridCustomized,
    /// `MICRO`: a collective microbenchmark (only layer 0's weight-gradient comm, no compute).
    Micro,
    /// `DISTRIBUTED_INFERENCE`: forward passes only.
    DistributedInference,
}

impl AstraParallelism {
    /// The keyword as written on the first line.
    pub fn keyword(&self) -> &'static str {
        match self {
            AstraParallelism::Data => "DATA",
            AstraParallelism::Model => "MODEL",
            AstraParallelism::HybridDataModel => "HYBRID_DATA_MODEL",
            AstraParallelism::HybridModelData => "HYBRID_MODEL_DATA",
            AstraParallelism::HybridTransformer { .. } => "HYBRID_TRANSFORMER",
            AstraParallelism::HybridTransformerFwdInBckwd { .. } => "HYBRID_TRANSFORMER_FWD_IN_BCKWD",
            AstraParallelism::HybridDlrm { .. } => "HYBRID_DLRM",
            AstraParallelism::HybridDlrmEnhanced { .. } => "HYBRID_DLRM_ENHANCED",
            AstraParallelism::HybridCustomized => "HYBRID_CUSTOMIZED",
            AstraParallelism::Micro => "MICRO",
            AstraParallelism::DistributedInference => "DISTRIBUTED_INFERENCE",
        }
    }
}

/// Which NPUs form a model-parallel group, as ASTRA-sim 1.0 decides it
/// (`Workload::decode_involved_dimensions`); see the module docs' table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelGroup {
    /// No model parallelism: every issued collective is data parallel over all NPUs (`DATA`, `MICRO`).
    Single,
    /// All NPUs (`MODEL`).
    AllNpus,
    /// The NPUs of network dimension 0 (`HYBRID_DATA_MODEL`).
    FirstDimension,
    /// The NPUs of network dimensions 1.. (`HYBRID_MODEL_DATA`).
    OuterDimensions,
    /// The first `n` NPUs of each block of `n` (`HYBRID_TRANSFORMER*`: `model_parallel_NPU_group`).
    Npus(u64),
    /// Differs between layers (`HYBRID_DLRM*`, `HYBRID_CUSTOMIZED` with mixed policies) or the loop
    /// is not a training loop (`DISTRIBUTED_INFERENCE`); no single data × tensor split.
    PerLayer,
}

impl ModelGroup {
    /// The data- and tensor-parallel degrees this grouping gives on a network with
    /// `npus_per_dimension[i]` NPUs in dimension `i` (dimension 0 innermost), or `None` if it has no
    /// single split, the network is empty or has a zero, or the group does not divide the NPUs.
    pub fn degrees(self, npus_per_dimension: &[u64]) -> Option<AstraDegrees> {
        let total =
            npus_per_dimension.iter().try_fold(1u64, |acc, &n| if n == 0 { None } else { acc.checked_mul(n) })?;
        if npus_per_dimension.is_empty() {
            return None;
        }
        let (data_parallel, tensor_parallel) = match self {
            ModelGroup::Single => (total, 1),
            ModelGroup::AllNpus => (1, total),
            ModelGroup::FirstDimension => (total / npus_per_dimension[0], npus_per_dimension[0]),
            ModelGroup::OuterDimensions => (npus_per_dimension[0], total / npus_per_dimension[0]),
            ModelGroup::Npus(n) => {
                if n == 0 || total % n != 0 {
                    return None;
                }
                (total / n, n)
            }
            ModelGroup::PerLayer => return None,
        };
        Some(AstraDegrees { data_parallel, tensor_parallel })
    }
}

/// Data- and tensor-parallel degrees of a clustersim job built from an ASTRA-sim workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AstraDegrees {
    /// Data-parallel replicas `d` (the job's `global_batch`).
    pub data_parallel: u64,
    /// Tensor-parallel ranks `t` per replica (ASTRA-sim's model-parallel group).
    pub tensor_parallel: u64,
}

/// One pass of a layer (forward, input gradient or weight gradient): compute, then a collective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AstraPhase {
    /// Compute time [cycles] (1 cycle = 1 ns), at most [`MAX_CYCLES`].
    pub compute_cycles: u64,
    /// The collective issued after the compute.
    pub comm: CommType,
    /// The collective's size as ASTRA-sim defines it (see [`CommType`]) [bytes].
    pub comm_bytes: u64,
}

impl AstraPhase {
    /// The compute time [ps] (1 cycle = 1000 ps).
    pub fn compute(&self) -> SimDuration {
        // compute_cycles <= MAX_CYCLES, checked by the parser; saturate anyway for hand-built values.
        SimDuration::from_ps(self.compute_cycles.saturating_mul(PS_PER_CYCLE))
    }
}

/// One layer line of a workload file, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AstraLayer {
    /// Layer name (first token).
    pub name: String,
    /// The reserved integer (second token; `-1` in every shipped file; upstream calls it `depen`).
    pub reserved: i64,
    /// Forward pass.
    pub forward: AstraPhase,
    /// Backward pass, gradient of the layer's input.
    pub input_gradient: AstraPhase,
    /// Backward pass, gradient of the layer's weights.
    pub weight_gradient: AstraPhase,
    /// Delay upstream adds after each issued collective of this layer finishes [cycles]; not mapped.
    pub update_delay_cycles: u64,
    /// The layer's own parallelism (only under `HYBRID_CUSTOMIZED`).
    pub policy: Option<LayerPolicy>,
    /// 1-based line of the layer's name in the file.
    pub line: usize,
}

/// A parsed ASTRA-sim 1.0 text workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AstraWorkload {
    /// The file name given to [`AstraWorkload::parse`] (used in errors and as the job's model name).
    pub name: String,
    /// The parallelism on the first line.
    pub parallelism: AstraParallelism,
    /// The layers, input first.
    pub layers: Vec<AstraLayer>,
}

/// The token stream of a workload: whitespace-separated, each token with its 1-based line.
struct Tokens<'a> {
    file: &'a str,
    tokens: Vec<(usize, &'a str)>,
    pos: usize,
    last_line: usize,
}

impl<'a> Tokens<'a> {
    fn new(file: &'a str, text: &'a str) -> Self {
        let mut tokens = Vec::new();
        let mut last_line = 1;
        for (i, line) in text.lines().enumerate() {
            last_line = i + 1;
            tokens.extend(line.split_whitespace().map(|t| (i + 1, t)));
        }
        Tokens { file, tokens, pos: 0, last_line }
    }

    fn error(&self, line: usize, field: &str, message: impl Into<String>) -> AstraError {
        AstraError::Parse { file: self.file.to_string(), line, field: field.to_string(), message: message.into() }
    }

    fn next(&mut self, field: &str) -> Result<(usize, &'a str), AstraError> {
        match self.tokens.get(self.pos) {
            Some(&t) => {
                self.pos += 1;
                Ok(t)
            }
            None => Err(self.error(self.last_line, field, "missing: the text ends here")),
        }
    }

    fn unsigned(&mut self, field: &str, max: u64) -> Result<(usize, u64), AstraError> {
        let (line, text) = self.next(field)?;
        match text.parse::<u64>() {
            Ok(v) if v <= max => Ok((line, v)),
            Ok(v) => Err(self.error(line, field, format!("{v} is larger than the maximum {max}"))),
            Err(_) => Err(self.error(line, field, format!("expected a non-negative integer, found `{text}`"))),
        }
    }

    fn signed(&mut self, field: &str) -> Result<(usize, i64), AstraError> {
        let (line, text) = self.next(field)?;
        text.parse::<i64>()
            .map(|v| (line, v))
            .map_err(|_| self.error(line, field, format!("expected an integer, found `{text}`")))
    }

    fn keyword(&mut self, field: &str, expected: &str) -> Result<(), AstraError> {
        let (line, text) = self.next(field)?;
        if text == expected {
            Ok(())
        } else {
            Err(self.error(line, field, format!("expected `{expected}`, found `{text}`")))
        }
    }

    /// A count, then that many non-negative integers (layer indices, range-checked by the caller),
    /// each with its line.
    fn index_list(&mut self, field: &str) -> Result<Vec<(usize, u64)>, AstraError> {
        let (_, count) = self.unsigned(&format!("{field} count"), u64::MAX)?;
        let mut out = Vec::new();
        for i in 0..count {
            out.push(self.unsigned(&format!("{field} #{i}"), u64::MAX)?);
        }
        Ok(out)
    }
}

impl AstraWorkload {
    /// Parses the text of an ASTRA-sim 1.0 workload file (format in the module docs). `name` is the
    /// file name, used in errors and as the job's model name.
    ///
    /// # Errors
    /// [`AstraError::Parse`] naming the file, the 1-based line and the field: an unknown parallelism,
    /// collective or per-layer policy keyword, a missing or non-integer number, a compute time or
    /// update delay above [`MAX_CYCLES`], zero layers or a zero model-parallel group, a layer index
    /// in the header (DLRM last bottom layer, checkpoints) outside the layers, or tokens after the
    /// last layer. Never panics.
    ///
    /// # Complexity
    /// Time and space O(length of `text`).
    pub fn parse(name: &str, text: &str) -> Result<AstraWorkload, AstraError> {
        let mut tk = Tokens::new(name, text);
        let (line, keyword) = tk.next("parallelism")?;
        let mut checkpoint_lists = None;
        let mut dlrm_bottom = None;
        let parallelism = match keyword {
            "DATA" => AstraParallelism::Data,
            "MODEL" => AstraParallelism::Model,
            "HYBRID_DATA_MODEL" => AstraParallelism::HybridDataModel,
            "HYBRID_MODEL_DATA" => AstraParallelism::HybridModelData,
            "HYBRID_CUSTOMIZED" => AstraParallelism::HybridCustomized,
            "MICRO" => AstraParallelism::Micro,
            "DISTRIBUTED_INFERENCE" => AstraParallelism::DistributedInference,
            "HYBRID_TRANSFORMER" | "HYBRID_TRANSFORMER_FWD_IN_BCKWD" => {
                tk.keyword("model_parallel_NPU_group label", "model_parallel_NPU_group:")?;
                let (gline, group) = tk.unsigned("model_parallel_NPU_group", u64::MAX)?;
                if group == 0 {
                    return Err(tk.error(gline, "model_parallel_NPU_group", "must be at least 1"));
                }
                if keyword == "HYBRID_TRANSFORMER" {
                    AstraParallelism::HybridTransformer { model_parallel_npu_group: group }
                } else {
                    tk.keyword("checkpoints label", "checkpoints:")?;
                    let checkpoints = tk.index_list("checkpoints")?;
                    tk.keyword("checkpoint_initiates label", "checkpoint_initiates:")?;
                    let initiates = tk.index_list("checkpoint_initiates")?;
                    let p = AstraParallelism::HybridTransformerFwdInBckwd {
                        model_parallel_npu_group: group,
                        checkpoints: checkpoints.iter().map(|&(_, v)| v).collect(),
                        checkpoint_initiates: initiates.iter().map(|&(_, v)| v).collect(),
                    };
                    checkpoint_lists = Some((checkpoints, initiates));
                    p
                }
            }
            "HYBRID_DLRM" | "HYBRID_DLRM_ENHANCED" => {
                let (bline, k) = tk.unsigned("DLRM_LAST_BOTTOM_LAYER", u64::MAX)?;
                dlrm_bottom = Some((bline, k));
                if keyword == "HYBRID_DLRM" {
                    AstraParallelism::HybridDlrm { last_bottom_layer: k }
                } else {
                    AstraParallelism::HybridDlrmEnhanced { last_bottom_layer: k }
                }
            }
            other => {
                return Err(tk.error(
                    line,
                    "parallelism",
                    format!(
                        "unknown parallelism `{other}` (expected DATA, MODEL, HYBRID_DATA_MODEL, HYBRID_MODEL_DATA, \
                         HYBRID_TRANSFORMER, HYBRID_TRANSFORMER_FWD_IN_BCKWD, HYBRID_DLRM, HYBRID_DLRM_ENHANCED, \
                         HYBRID_CUSTOMIZED, MICRO or DISTRIBUTED_INFERENCE)"
                    ),
                ))
            }
        };
        let (count_line, count) = tk.unsigned("layer count", u64::MAX)?;
        if count == 0 {
            return Err(tk.error(count_line, "layer count", "a workload needs at least one layer"));
        }
        let customized = parallelism == AstraParallelism::HybridCustomized;
        // Never trust the count for the allocation: a layer needs at least 12 tokens.
        let mut layers = Vec::with_capacity((count as usize).min(tk.tokens.len() / 12 + 1));
        for i in 0..count {
            let (line, name) = tk.next(&format!("layer #{i}: name"))?;
            let field = |what: &str| format!("layer #{i} `{name}`: {what}");
            let (_, reserved) = tk.signed(&field("reserved"))?;
            let mut phases = [AstraPhase { compute_cycles: 0, comm: CommType::None, comm_bytes: 0 }; 3];
            for (phase, what) in phases.iter_mut().zip(["forward", "input-gradient", "weight-gradient"]) {
                phase.compute_cycles = tk.unsigned(&field(&format!("{what} compute time [cycles]")), MAX_CYCLES)?.1;
                let comm_field = field(&format!("{what} communication type"));
                let (cline, ctext) = tk.next(&comm_field)?;
                phase.comm = CommType::from_keyword(ctext).ok_or_else(|| {
                    tk.error(
                        cline,
                        &comm_field,
                        format!(
                            "unknown collective `{ctext}` (expected NONE, ALLREDUCE, ALLTOALL, ALLGATHER, \
                             REDUCESCATTER or ALLREDUCEALLTOALL)"
                        ),
                    )
                })?;
                phase.comm_bytes = tk.unsigned(&field(&format!("{what} communication size [bytes]")), u64::MAX)?.1;
            }
            let (_, update_delay_cycles) = tk.unsigned(&field("delay per update [cycles]"), MAX_CYCLES)?;
            let policy = if customized {
                let pfield = field("per-layer parallelism");
                let (pline, ptext) = tk.next(&pfield)?;
                Some(LayerPolicy::from_keyword(ptext).ok_or_else(|| {
                    tk.error(
                        pline,
                        &pfield,
                        format!(
                            "unknown per-layer parallelism `{ptext}` (expected DATA, MODEL, HYBRID_DATA_MODEL or \
                             HYBRID_MODEL_DATA)"
                        ),
                    )
                })?)
            } else {
                None
            };
            let [forward, input_gradient, weight_gradient] = phases;
            layers.push(AstraLayer {
                name: name.to_string(),
                reserved,
                forward,
                input_gradient,
                weight_gradient,
                update_delay_cycles,
                policy,
                line,
            });
        }
        if let Some(&(line, text)) = tk.tokens.get(tk.pos) {
            return Err(tk.error(
                line,
                "end of file",
                format!("unexpected `{text}` after the last of the {count} layers the header announces"),
            ));
        }
        if let Some((line, k)) = dlrm_bottom {
            if k >= count {
                return Err(tk.error(
                    line,
                    "DLRM_LAST_BOTTOM_LAYER",
                    format!("layer {k} does not exist ({count} layers)"),
                ));
            }
        }
        if let Some((checkpoints, initiates)) = checkpoint_lists {
            for (what, list) in [("checkpoints", &checkpoints), ("checkpoint_initiates", &initiates)] {
                if let Some(&(line, v)) = list.iter().find(|&&(_, v)| v >= count) {
                    return Err(tk.error(line, what, format!("layer {v} does not exist ({count} layers)")));
                }
            }
        }
        Ok(AstraWorkload { name: name.to_string(), parallelism, layers })
    }

    /// The parallelism on the first line.
    pub fn parallelism(&self) -> &AstraParallelism {
        &self.parallelism
    }

    /// Which NPUs form a model-parallel group (see the module docs' table). Under
    /// `HYBRID_CUSTOMIZED`, that of the layers' common policy, or [`ModelGroup::PerLayer`] if they differ.
    pub fn model_group(&self) -> ModelGroup {
        match &self.parallelism {
            AstraParallelism::Data | AstraParallelism::Micro => ModelGroup::Single,
            AstraParallelism::Model => ModelGroup::AllNpus,
            AstraParallelism::HybridDataModel => ModelGroup::FirstDimension,
            AstraParallelism::HybridModelData => ModelGroup::OuterDimensions,
            AstraParallelism::HybridTransformer { model_parallel_npu_group }
            | AstraParallelism::HybridTransformerFwdInBckwd { model_parallel_npu_group, .. } => {
                ModelGroup::Npus(*model_parallel_npu_group)
            }
            AstraParallelism::HybridCustomized => match self.common_policy() {
                Ok(p) => policy_group(p),
                Err(_) => ModelGroup::PerLayer,
            },
            AstraParallelism::HybridDlrm { .. }
            | AstraParallelism::HybridDlrmEnhanced { .. }
            | AstraParallelism::DistributedInference => ModelGroup::PerLayer,
        }
    }

    /// The data × tensor split ASTRA-sim 1.0 uses for this workload on a network with
    /// `npus_per_dimension[i]` NPUs in dimension `i` (e.g. [`AnalyticalNetwork::npus_per_dimension`]).
    ///
    /// # Errors
    /// [`AstraError::Unsupported`] if [`AstraWorkload::model_group`] is [`ModelGroup::PerLayer`];
    /// [`AstraError::Degrees`] if the network is empty, has a zero, overflows `u64`, or the
    /// model-parallel group does not divide its NPUs.
    pub fn degrees(&self, npus_per_dimension: &[u64]) -> Result<AstraDegrees, AstraError> {
        let group = self.model_group();
        if group == ModelGroup::PerLayer {
            return Err(self.unsupported(self.parallelism.keyword(), "its layers use different NPU groups"));
        }
        group.degrees(npus_per_dimension).ok_or_else(|| AstraError::Degrees {
            file: self.name.clone(),
            data_parallel: 0,
            tensor_parallel: 0,
            message: format!("no split of a network of {npus_per_dimension:?} NPUs per dimension for {group:?}"),
        })
    }

    fn unsupported(&self, feature: &str, reason: &str) -> AstraError {
        AstraError::Unsupported { file: self.name.clone(), feature: feature.to_string(), reason: reason.to_string() }
    }

    /// The single per-layer policy of a `HYBRID_CUSTOMIZED` workload, or the first mismatch.
    fn common_policy(&self) -> Result<LayerPolicy, AstraError> {
        let first = self.layers.first().and_then(|l| l.policy).unwrap_or(LayerPolicy::Data);
        for (i, l) in self.layers.iter().enumerate() {
            let p = l.policy.unwrap_or(LayerPolicy::Data);
            if p != first {
                return Err(self.unsupported(
                    "HYBRID_CUSTOMIZED",
                    &format!(
                        "layer #0 `{}` is {} but layer #{i} `{}` is {}: their collectives run over different \
                         NPU groups, which no single data × tensor split reproduces",
                        self.layers[0].name,
                        first.keyword(),
                        l.name,
                        p.keyword()
                    ),
                ));
            }
        }
        Ok(first)
    }

    /// The clustersim training job for `degrees` (data-parallel `d`, tensor-parallel `t`), one
    /// [`Layer`] per ASTRA-sim layer, by the rules in the module docs: `fixed_times` = compute
    /// cycles × 1000 [ps] (layer 0's input gradient 0 under `DATA`; all zero under `MICRO`),
    /// `tensor_parallel = false`, forward / input-gradient comms as `forward_collectives` /
    /// `backward_collectives` among the `t` ranks, the weight-gradient comm as `gradient_collective`
    /// across the `d` replicas (`data_parallel_gradients = false` when there is none), all-gather
    /// sizes × group size, `global_batch = d`, `tokens_per_sample = 1`, and 2 / 2 / 12 bytes per
    /// parameter of weights / gradients / optimizer state (inert: every layer has 0 parameters).
    ///
    /// # Errors
    /// - [`AstraError::Unsupported`]: `HYBRID_DLRM`, `HYBRID_DLRM_ENHANCED`,
    ///   `HYBRID_TRANSFORMER_FWD_IN_BCKWD`, `DISTRIBUTED_INFERENCE`, `HYBRID_CUSTOMIZED` with mixed
    ///   per-layer policies, `MICRO` with more than one layer, an `ALLREDUCEALLTOALL` that would run.
    /// - [`AstraError::Degrees`]: a degree of 0; `t ≠ 1` for `DATA`, `MICRO` or all-`DATA` layers;
    ///   `d ≠ 1` for `MODEL` or all-`MODEL` layers; `t ≠ model_parallel_NPU_group` for
    ///   `HYBRID_TRANSFORMER`; an all-gather size × group overflowing `u64`.
    pub fn job(&self, degrees: AstraDegrees) -> Result<TrainingJob, AstraError> {
        let AstraDegrees { data_parallel: d, tensor_parallel: t } = degrees;
        let bad = |message: String| AstraError::Degrees {
            file: self.name.clone(),
            data_parallel: d,
            tensor_parallel: t,
            message,
        };
        if d == 0 || t == 0 {
            return Err(bad("both degrees must be at least 1".into()));
        }
        // (loop, policy): the loop decides which comms are issued and what layer 0 does; the policy
        // which group an issued comm spans.
        let (lp, policy) = match &self.parallelism {
            AstraParallelism::Data => (Loop::Data, LayerPolicy::Data),
            AstraParallelism::Micro => {
                if self.layers.len() != 1 {
                    return Err(self.unsupported(
                        "MICRO",
                        &format!(
                            "ASTRA-sim runs only layer 0 of a microbenchmark; this file has {} layers",
                            self.layers.len()
                        ),
                    ));
                }
                (Loop::Micro, LayerPolicy::Data)
            }
            AstraParallelism::Model => (Loop::Hybrid, LayerPolicy::Model),
            AstraParallelism::HybridDataModel => (Loop::Hybrid, LayerPolicy::HybridDataModel),
            AstraParallelism::HybridModelData => (Loop::Hybrid, LayerPolicy::HybridModelData),
            AstraParallelism::HybridCustomized => (Loop::Hybrid, self.common_policy()?),
            AstraParallelism::HybridTransformer { model_parallel_npu_group: n } => {
                if t != *n {
                    return Err(bad(format!(
                        "HYBRID_TRANSFORMER needs tensor-parallel = model_parallel_NPU_group = {n}"
                    )));
                }
                (Loop::Transformer, LayerPolicy::HybridDataModel)
            }
            AstraParallelism::HybridTransformerFwdInBckwd { .. } => {
                return Err(self.unsupported(
                    "HYBRID_TRANSFORMER_FWD_IN_BCKWD",
                    "its loop recomputes forward passes from checkpoint layers inside the backward pass, which a \
                     clustersim Layer with fixed times cannot express",
                ))
            }
            AstraParallelism::HybridDlrm { .. } | AstraParallelism::HybridDlrmEnhanced { .. } => {
                return Err(self.unsupported(
                    self.parallelism.keyword(),
                    "layer 0's forward and input-gradient all-to-alls and the other layers' weight-gradient \
                     all-reduces all span every NPU, but a clustersim job runs forward collectives among \
                     tensor-parallel ranks and gradient collectives among data-parallel replicas",
                ))
            }
            AstraParallelism::DistributedInference => {
                return Err(self.unsupported("DISTRIBUTED_INFERENCE", "it runs forward passes only, not training"))
            }
        };
        // Which group each kind of comm spans; `None` = not issued or no involved dimension.
        let (fwd_ig_in_tp, wg_in_dp) = match policy {
            LayerPolicy::Data => {
                if t != 1 {
                    return Err(bad(format!(
                        "{}: collectives span all NPUs, so tensor-parallel must be 1",
                        policy.keyword()
                    )));
                }
                (false, true)
            }
            LayerPolicy::Model => {
                if d != 1 {
                    return Err(bad(format!(
                        "{}: collectives span all NPUs, so data-parallel must be 1",
                        policy.keyword()
                    )));
                }
                (true, false)
            }
            LayerPolicy::HybridDataModel | LayerPolicy::HybridModelData => (true, true),
        };
        let fwd_ig_in_tp = fwd_ig_in_tp && !matches!(lp, Loop::Data | Loop::Micro);
        let mut layers = Vec::with_capacity(self.layers.len());
        for (i, l) in self.layers.iter().enumerate() {
            let first = i == 0;
            let collective =
                |phase: &AstraPhase, what: &str, group: u64| -> Result<Option<(CollectiveKind, u64)>, AstraError> {
                    let kind = match phase.comm {
                        CommType::None => return Ok(None),
                        CommType::AllReduce => CollectiveKind::AllReduce,
                        CommType::AllToAll => CollectiveKind::AllToAll,
                        CommType::ReduceScatter => CollectiveKind::ReduceScatter,
                        CommType::AllGather => CollectiveKind::AllGather,
                        CommType::AllReduceAllToAll => return Err(self.unsupported(
                            &format!("layer #{i} `{}`: {what} ALLREDUCEALLTOALL", l.name),
                            "ASTRA-sim 1.0 decodes it but its Layer does not implement it, and clustersim has no such \
                             collective",
                        )),
                    };
                    let bytes = if kind == CollectiveKind::AllGather {
                        phase.comm_bytes.checked_mul(group).ok_or_else(|| {
                            bad(format!(
                                "layer #{i} `{}`: {what} all-gather of {} bytes × {group} overflows",
                                l.name, phase.comm_bytes
                            ))
                        })?
                    } else {
                        phase.comm_bytes
                    };
                    Ok(Some((kind, bytes)))
                };
            let as_layer_collective =
                |c: Option<(CollectiveKind, u64)>| c.map(|(kind, bytes)| LayerCollective { kind, bytes: bytes as f64 });
            let forward_collectives: Vec<LayerCollective> = if fwd_ig_in_tp {
                as_layer_collective(collective(&l.forward, "forward", t)?).into_iter().collect()
            } else {
                Vec::new()
            };
            let ig_issued = fwd_ig_in_tp && (!first || lp == Loop::Transformer);
            let backward_collectives: Vec<LayerCollective> = if ig_issued {
                as_layer_collective(collective(&l.input_gradient, "input-gradient", t)?).into_iter().collect()
            } else {
                Vec::new()
            };
            let wg_issued = wg_in_dp && (lp != Loop::Micro || first);
            let gradient_collective = if wg_issued {
                collective(&l.weight_gradient, "weight-gradient", d)?
                    .map(|(kind, bytes)| GradientCollective { kind, bytes })
            } else {
                None
            };
            let times = match lp {
                Loop::Micro => LayerTimes::default(),
                Loop::Data => LayerTimes {
                    forward: l.forward.compute(),
                    input_gradient: if first { SimDuration::ZERO } else { l.input_gradient.compute() },
                    weight_gradient: l.weight_gradient.compute(),
                },
                Loop::Hybrid | Loop::Transformer => LayerTimes {
                    forward: l.forward.compute(),
                    input_gradient: l.input_gradient.compute(),
                    weight_gradient: l.weight_gradient.compute(),
                },
            };
            layers.push(Layer {
                name: l.name.clone(),
                forward_flops: 0.0,
                backward_flops: 0.0,
                attention_flops: 0.0,
                forward_memory_bytes: 0.0,
                parameters: 0,
                tensor_parallel: false,
                data_parallel_gradients: gradient_collective.is_some(),
                activations: ActivationBytes::default(),
                output_bytes: 0.0,
                forward_collectives,
                backward_collectives,
                fixed_times: Some(times),
                gradient_collective,
            });
        }
        Ok(TrainingJob {
            model: self.name.clone(),
            layers,
            global_batch: d,
            tokens_per_sample: 1,
            weight_bytes_per_parameter: 2,
            gradient_bytes_per_parameter: 2,
            optimizer_bytes_per_parameter: 12,
        })
    }
}

/// The upstream training loop a workload runs under (which comms it issues, what layer 0 does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loop {
    /// `iterate_data_parallel`: weight-gradient comms only; layer 0's input gradient not computed.
    Data,
    /// `iterate_micro_benchmark`: layer 0's weight-gradient comm only, no compute.
    Micro,
    /// `iterate_model_parallel`, `iterate_hybrid_parallel_{data_model,model_data,customized}`: no
    /// input-gradient comm for layer 0.
    Hybrid,
    /// `iterate_hybrid_parallel_Transformer`: input-gradient comm for every layer.
    Transformer,
}

fn policy_group(p: LayerPolicy) -> ModelGroup {
    match p {
        LayerPolicy::Data => ModelGroup::Single,
        LayerPolicy::Model => ModelGroup::AllNpus,
        LayerPolicy::HybridDataModel => ModelGroup::FirstDimension,
        LayerPolicy::HybridModelData => ModelGroup::OuterDimensions,
    }
}

/// The topology of one dimension of an analytical-backend `Hierarchical` network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DimensionTopology {
    /// `Ring`: bidirectional ring; a message takes the shorter way round.
    Ring,
    /// `FullyConnected`: a direct link between every pair.
    FullyConnected,
    /// `Switch`: every NPU on one switch (2 link hops plus the router latency).
    Switch,
}

/// One dimension of an analytical-backend network config (the `i`-th entry of each JSON list).
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyticalDimension {
    /// `topologies-per-dim[i]`.
    pub topology: DimensionTopology,
    /// `dimension-type[i]` (`"T"`, `"N"`, `"P"`; used by upstream's cost model only).
    pub dimension_type: String,
    /// `units-count[i]`: NPUs along this dimension.
    pub npus: u64,
    /// `links-count[i]`: links per NPU in this dimension.
    pub links: u64,
    /// `link-latency[i]` [ns].
    pub link_latency_ns: f64,
    /// `link-bandwidth[i]` as written [GB/s]; the backend reads it as `x · 2^30 / 1e9` bytes/ns.
    pub link_bandwidth_gbps: f64,
    /// `nic-latency[i]` [ns] (default 0).
    pub nic_latency_ns: f64,
    /// `router-latency[i]` [ns] (default 0; Switch only).
    pub router_latency_ns: f64,
    /// `hbm-latency[i]` [ns] (default 0).
    pub hbm_latency_ns: f64,
    /// `hbm-bandwidth[i]` [bytes/ns] (upstream: "GB/s = B/ns", not converted; default 1).
    pub hbm_bandwidth_bytes_per_ns: f64,
    /// `hbm-scale[i]` (default 0, which turns the HBM term off).
    pub hbm_scale: f64,
}

/// An analytical-backend network config (`inputs/network/analytical/*.json`, ASTRA-sim 1.0).
#[derive(Clone, Debug, PartialEq)]
pub struct AnalyticalNetwork {
    /// The file name given to the parser.
    pub name: String,
    /// The dimensions, innermost (consecutive NPU ids) first.
    pub dimensions: Vec<AnalyticalDimension>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    #[serde(rename = "topology-name")]
    topology_name: Option<String>,
    #[serde(rename = "dimensions-count")]
    dimensions_count: Option<usize>,
    #[serde(rename = "topologies-per-dim")]
    topologies_per_dim: Vec<String>,
    #[serde(rename = "dimension-type")]
    dimension_type: Vec<String>,
    #[serde(rename = "units-count")]
    units_count: Vec<u64>,
    #[serde(rename = "links-count")]
    links_count: Vec<u64>,
    #[serde(rename = "link-latency")]
    link_latency: Vec<f64>,
    #[serde(rename = "link-bandwidth")]
    link_bandwidth: Vec<f64>,
    #[serde(rename = "nic-latency")]
    nic_latency: Option<Vec<f64>>,
    #[serde(rename = "router-latency")]
    router_latency: Option<Vec<f64>>,
    #[serde(rename = "hbm-latency")]
    hbm_latency: Option<Vec<f64>>,
    #[serde(rename = "hbm-bandwidth")]
    hbm_bandwidth: Option<Vec<f64>>,
    #[serde(rename = "hbm-scale")]
    hbm_scale: Option<Vec<f64>>,
}

impl AnalyticalNetwork {
    /// Parses an analytical network config. Keys as upstream's `analytical/main.cc` reads them;
    /// `topology-name` (must be `Hierarchical`), `dimensions-count` (default 1), `nic-latency`,
    /// `router-latency`, `hbm-latency` (default 0), `hbm-bandwidth` (default 1) and `hbm-scale`
    /// (default 0) are optional. Unknown keys are errors (upstream ignores them).
    ///
    /// # Errors
    /// [`AstraError::Json`] (with line and column) for malformed JSON, wrong types, unknown or
    /// missing keys; [`AstraError::Network`] naming the key and dimension for a list whose length is
    /// not `dimensions-count`, an unknown topology, a zero NPU count (or fewer than 2 on a
    /// FullyConnected dimension, where upstream divides by `npus − 1`), a negative or non-finite
    /// latency, or a non-positive bandwidth.
    ///
    /// A links count whose [`AnalyticalDimension::bandwidth_scalar`] is 0 (a Ring with 1 link, a
    /// FullyConnected with fewer links than peers, a Switch with none) is accepted, although
    /// upstream's backend exits on it ("Bandwidth scalar of dimension … is 0"): the shipped
    /// `sample_Ring_FullyConnected_Ring.json` has such a dimension (dimension 2: a Ring of 2 NPUs with
    /// 1 link). Messages on it take infinitely long ([`AnalyticalDimension::message_latency_ns`]).
    pub fn parse(name: &str, json: &str) -> Result<AnalyticalNetwork, AstraError> {
        let raw: RawNetwork = serde_json::from_str(json).map_err(|e| AstraError::Json {
            file: name.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let err = |field: String, message: String| AstraError::Network { file: name.to_string(), field, message };
        if let Some(t) = &raw.topology_name {
            if t != "Hierarchical" {
                return Err(err("topology-name".into(), format!("`{t}` is not supported (only `Hierarchical`)")));
            }
        }
        let n = raw.dimensions_count.unwrap_or(1);
        if n == 0 {
            return Err(err("dimensions-count".into(), "must be at least 1".into()));
        }
        let check_len = |key: &str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(err(key.into(), format!("has {len} entries but dimensions-count is {n}")))
            }
        };
        check_len("topologies-per-dim", raw.topologies_per_dim.len())?;
        check_len("dimension-type", raw.dimension_type.len())?;
        check_len("units-count", raw.units_count.len())?;
        check_len("links-count", raw.links_count.len())?;
        check_len("link-latency", raw.link_latency.len())?;
        check_len("link-bandwidth", raw.link_bandwidth.len())?;
        let optional = |key: &str, v: &Option<Vec<f64>>, default: f64| -> Result<Vec<f64>, AstraError> {
            match v {
                Some(v) => check_len(key, v.len()).map(|()| v.clone()),
                None => Ok(vec![default; n]),
            }
        };
        let nic = optional("nic-latency", &raw.nic_latency, 0.0)?;
        let router = optional("router-latency", &raw.router_latency, 0.0)?;
        let hbm_latency = optional("hbm-latency", &raw.hbm_latency, 0.0)?;
        let hbm_bandwidth = optional("hbm-bandwidth", &raw.hbm_bandwidth, 1.0)?;
        let hbm_scale = optional("hbm-scale", &raw.hbm_scale, 0.0)?;
        let mut dimensions = Vec::with_capacity(n);
        for i in 0..n {
            let topology = match raw.topologies_per_dim[i].as_str() {
                "Ring" => DimensionTopology::Ring,
                "FullyConnected" => DimensionTopology::FullyConnected,
                "Switch" => DimensionTopology::Switch,
                other => {
                    return Err(err(
                        format!("topologies-per-dim[{i}]"),
                        format!("unknown topology `{other}` (expected Ring, FullyConnected or Switch)"),
                    ))
                }
            };
            let non_negative = |key: &str, v: f64| {
                if v.is_finite() && v >= 0.0 {
                    Ok(v)
                } else {
                    Err(err(format!("{key}[{i}]"), format!("{v} is not a finite non-negative number")))
                }
            };
            let positive = |key: &str, v: f64| {
                if v.is_finite() && v > 0.0 {
                    Ok(v)
                } else {
                    Err(err(format!("{key}[{i}]"), format!("{v} is not a finite positive number")))
                }
            };
            let npus = raw.units_count[i];
            if npus == 0 {
                return Err(err(format!("units-count[{i}]"), "must be at least 1".into()));
            }
            let dim = AnalyticalDimension {
                topology,
                dimension_type: raw.dimension_type[i].clone(),
                npus,
                links: raw.links_count[i],
                link_latency_ns: non_negative("link-latency", raw.link_latency[i])?,
                link_bandwidth_gbps: positive("link-bandwidth", raw.link_bandwidth[i])?,
                nic_latency_ns: non_negative("nic-latency", nic[i])?,
                router_latency_ns: non_negative("router-latency", router[i])?,
                hbm_latency_ns: non_negative("hbm-latency", hbm_latency[i])?,
                hbm_bandwidth_bytes_per_ns: positive("hbm-bandwidth", hbm_bandwidth[i])?,
                hbm_scale: non_negative("hbm-scale", hbm_scale[i])?,
            };
            if dim.topology == DimensionTopology::FullyConnected && npus < 2 {
                return Err(err(
                    format!("units-count[{i}]"),
                    "a FullyConnected dimension needs at least 2 NPUs".into(),
                ));
            }
            dimensions.push(dim);
        }
        Ok(AnalyticalNetwork { name: name.to_string(), dimensions })
    }

    /// NPUs per dimension, innermost first (`units-count`).
    pub fn npus_per_dimension(&self) -> Vec<u64> {
        self.dimensions.iter().map(|d| d.npus).collect()
    }

    /// All NPUs: the product of [`AnalyticalNetwork::npus_per_dimension`] (saturating).
    pub fn total_npus(&self) -> u64 {
        self.dimensions.iter().fold(1u64, |acc, d| acc.saturating_mul(d.npus))
    }
}

impl AnalyticalDimension {
    /// A dimension with only the basic parameters: `npus` NPUs, `links` links per NPU of
    /// `link_bandwidth_gbps` [GB/s] and `link_latency_ns` [ns]; no NIC, router or HBM term (the
    /// upstream defaults except the router, which defaults to 0 too).
    pub fn simple(
        topology: DimensionTopology,
        npus: u64,
        links: u64,
        link_latency_ns: f64,
        link_bandwidth_gbps: f64,
    ) -> AnalyticalDimension {
        AnalyticalDimension {
            topology,
            dimension_type: "N".into(),
            npus,
            links,
            link_latency_ns,
            link_bandwidth_gbps,
            nic_latency_ns: 0.0,
            router_latency_ns: 0.0,
            hbm_latency_ns: 0.0,
            hbm_bandwidth_bytes_per_ns: 1.0,
            hbm_scale: 0.0,
        }
    }

    /// One link's bandwidth as the backend uses it: `link_bandwidth_gbps · 2^30 / 1e9` [bytes/ns]
    /// (`analytical/main.cc`, `link_bandwidth_b_ns`).
    pub fn link_bandwidth_bytes_per_ns(&self) -> f64 {
        self.link_bandwidth_gbps * (1u64 << 30) as f64 / 1e9
    }

    /// The multiplier `HierarchicalTopology`'s constructor applies to the link bandwidth: Ring
    /// `links` (`links − 1` if odd), FullyConnected `⌊links / (npus − 1)⌋` (integer division),
    /// Switch `links`. A message on this dimension is serialised at link bandwidth × this.
    pub fn bandwidth_scalar(&self) -> u64 {
        match self.topology {
            DimensionTopology::Ring => {
                if self.links % 2 != 0 {
                    self.links.saturating_sub(1)
                } else {
                    self.links
                }
            }
            DimensionTopology::FullyConnected => match self.npus.checked_sub(1) {
                Some(adjacent) if adjacent > 0 => self.links / adjacent,
                _ => 0,
            },
            DimensionTopology::Switch => self.links,
        }
    }

    /// Bandwidth a message gets: [`Self::link_bandwidth_bytes_per_ns`] × [`Self::bandwidth_scalar`] [bytes/ns].
    pub fn effective_bandwidth_bytes_per_ns(&self) -> f64 {
        self.link_bandwidth_bytes_per_ns() * self.bandwidth_scalar() as f64
    }

    /// Link hops of a message between two NPUs `distance` apart in this dimension's coordinate:
    /// Ring `min(distance, npus − distance)`, FullyConnected 1, Switch 2 (`HierarchicalTopology::send`).
    pub fn hops(&self, distance: u64) -> u64 {
        match self.topology {
            DimensionTopology::Ring => {
                let d = distance % self.npus.max(1);
                d.min(self.npus - d)
            }
            DimensionTopology::FullyConnected => 1,
            DimensionTopology::Switch => 2,
        }
    }

    /// The analytical backend's latency of one message of `bytes` between two NPUs `distance`
    /// apart in this dimension [ns]: ASTRA-sim's `HierarchicalTopology::send`
    /// (`astra-network-analytical`, `analytical/topology/HierarchicalTopology.cc`, commit `5eaeb9d`)
    /// with `Topology::serializationLatency`, `hbmLatency` and `criticalLatency`:
    ///
    /// `comm = hops·α + bytes / (B·k) + 2·nic (+ router on a Switch)`, each partial sum truncated to
    /// an integer (upstream accumulates in an `int`), `hbm = (hbm_latency + bytes / hbm_bandwidth) ·
    /// hbm_scale`, result `max(comm, hbm)`; `α` = link latency [ns], `B` =
    /// [`Self::link_bandwidth_bytes_per_ns`], `k` = [`Self::bandwidth_scalar`], hops = [`Self::hops`].
    /// Congestion-free: concurrent messages do not slow each other. Upstream's `int` would overflow
    /// past 2^31 ns; here the sum is 64-bit. A message to oneself (`distance` 0 on a Ring) costs
    /// only the serialisation and NIC terms here (upstream returns 0 before computing). If
    /// [`Self::bandwidth_scalar`] is 0 (upstream refuses such a network) the result is `f64::INFINITY`.
    pub fn message_latency_ns(&self, bytes: u64, distance: u64) -> f64 {
        if self.bandwidth_scalar() == 0 {
            return f64::INFINITY;
        }
        let hops = self.hops(distance);
        // `as i64` truncates toward zero like C++'s double → int conversion (and saturates).
        let mut comm = (hops as f64 * self.link_latency_ns) as i64;
        comm = (comm as f64 + bytes as f64 / self.effective_bandwidth_bytes_per_ns()) as i64;
        comm = (comm as f64 + 2.0 * self.nic_latency_ns) as i64;
        if self.topology == DimensionTopology::Switch {
            comm = (comm as f64 + self.router_latency_ns) as i64;
        }
        let hbm = (self.hbm_latency_ns + bytes as f64 / self.hbm_bandwidth_bytes_per_ns) * self.hbm_scale;
        (comm as f64).max(hbm)
    }

    /// Reference time of a ring all-reduce of `bytes` per NPU over this one dimension [ns]:
    /// `2(p − 1) · message_latency_ns(⌊bytes / p⌋, 1)`, `p` = [`Self::npus`] (0 if `p ≤ 1`).
    ///
    /// Composed here, not a formula upstream states: ASTRA-sim 1.0 simulates collectives message by
    /// message. The step structure is that of its `Ring` algorithm (`astra-sim/system/collective/Ring.cc`:
    /// `stream_count = 2 * (nodes_in_ring - 1)` sequential steps, each sending `msg_size = data_size /
    /// nodes_in_ring` to the ring neighbour, 1 coordinate away), and each step costs the backend's
    /// [`Self::message_latency_ns`]. Not included, though ASTRA-sim adds them: the system layer's
    /// memory-bus and reduction delays (`MemBus`, `PacketBundle`, `endpoint-delay`), splitting into
    /// `preferred-dataset-splits` chunks and their pipelining, and multi-dimensional phases. With
    /// `links-count` 2 on a Ring the backend serialises each message at 2·B.
    ///
    /// For a Ring dimension without NIC/HBM terms and integral `α` this is the textbook
    /// `2(p−1)(α + S/(p·B·k))` (Thakur, Rabenseifner & Gropp, IJHPCA 2005) up to the per-message
    /// truncation to whole ns.
    pub fn ring_all_reduce_ns(&self, bytes: u64) -> f64 {
        let p = self.npus;
        if p <= 1 {
            return 0.0;
        }
        2.0 * (p - 1) as f64 * self.message_latency_ns(bytes / p, 1)
    }

    /// Reference time of a direct all-to-all of `bytes` per NPU (`bytes / p` to each peer) over this
    /// one dimension [ns]: `message_latency_ns(⌊bytes / p⌋, farthest peer)` — all `p − 1` messages in
    /// flight at once (0 if `p ≤ 1`). The farthest peer is `⌊p/2⌋` hops away on a Ring; every peer is
    /// 1 hop away on FullyConnected and 2 on a Switch.
    ///
    /// Composed here, like [`Self::ring_all_reduce_ns`]: ASTRA-sim 1.0's `AllToAll` algorithm
    /// (`astra-sim/system/collective/AllToAll.cc`) with window −1 (`direct`) sets `parallel_reduce =
    /// nodes_in_ring − 1` and `stream_count = nodes_in_ring − 1`, i.e. one message of `data_size /
    /// nodes_in_ring` to every peer, all outstanding together, and the congestion-free backend
    /// charges each its own [`Self::message_latency_ns`]. Same exclusions as the ring all-reduce;
    /// in particular the system layer injects the messages one per memory-bus callback, which this
    /// treats as simultaneous.
    pub fn direct_all_to_all_ns(&self, bytes: u64) -> f64 {
        let p = self.npus;
        if p <= 1 {
            return 0.0;
        }
        let farthest = match self.topology {
            DimensionTopology::Ring => p / 2,
            DimensionTopology::FullyConnected | DimensionTopology::Switch => 1,
        };
        self.message_latency_ns(bytes / p, farthest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shipped(name: &str) -> AstraWorkload {
        AstraWorkload::parse(name, builtin_workload(name).unwrap()).unwrap()
    }

    fn network(name: &str) -> AnalyticalNetwork {
        AnalyticalNetwork::parse(name, builtin_network_config(name).unwrap()).unwrap()
    }

    fn deg(d: u64, t: u64) -> AstraDegrees {
        AstraDegrees { data_parallel: d, tensor_parallel: t }
    }

    #[test]
    fn every_shipped_workload_parses_with_the_documented_layer_count() {
        // Counts from shared/data/astra-sim/NOTICE.md (ResNet-50 54, Transformer 57, DLRM 8) and the files.
        let expected = [
            ("DLRM_HybridParallel.txt", 8, "HYBRID_DLRM"),
            ("MLP_HybridParallel_Data_Model.txt", 6, "HYBRID_DATA_MODEL"),
            ("MLP_HybridParallel_Model_Data.txt", 6, "HYBRID_MODEL_DATA"),
            ("MLP_ModelParallel.txt", 6, "MODEL"),
            ("Resnet50_DataParallel.txt", 54, "DATA"),
            ("Transformer_HybridParallel.txt", 57, "HYBRID_TRANSFORMER"),
            ("Transformer_HybridParallel_Fwd_In_Bckwd.txt", 21, "HYBRID_TRANSFORMER_FWD_IN_BCKWD"),
            ("microAllReduce.txt", 1, "MICRO"),
            ("microAllToAll.txt", 1, "MICRO"),
            ("sample_per_layer_parallel_HybridCustomized.txt", 6, "HYBRID_CUSTOMIZED"),
        ];
        assert_eq!(builtin_workloads().len(), expected.len());
        for ((name, text), (want_name, layers, keyword)) in builtin_workloads().iter().zip(expected) {
            assert_eq!(*name, want_name);
            let w = AstraWorkload::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(w.layers.len(), layers, "{name}");
            assert_eq!(w.parallelism.keyword(), keyword, "{name}");
            assert!(w.layers.iter().all(|l| l.reserved == -1), "{name}");
        }
    }

    #[test]
    fn headers_are_read() {
        assert_eq!(
            shipped("Transformer_HybridParallel.txt").parallelism,
            AstraParallelism::HybridTransformer { model_parallel_npu_group: 4 }
        );
        assert_eq!(
            shipped("DLRM_HybridParallel.txt").parallelism,
            AstraParallelism::HybridDlrm { last_bottom_layer: 4 }
        );
        assert_eq!(
            shipped("Transformer_HybridParallel_Fwd_In_Bckwd.txt").parallelism,
            AstraParallelism::HybridTransformerFwdInBckwd {
                model_parallel_npu_group: 4,
                checkpoints: vec![2, 11],
                checkpoint_initiates: vec![19, 10],
            }
        );
        let c = shipped("sample_per_layer_parallel_HybridCustomized.txt");
        let policies: Vec<_> = c.layers.iter().map(|l| l.policy.unwrap()).collect();
        use LayerPolicy::*;
        assert_eq!(policies, [HybridDataModel, HybridModelData, Data, Model, Model, HybridModelData]);
    }

    #[test]
    fn resnet_lines_round_trip_exactly() {
        let w = shipped("Resnet50_DataParallel.txt");
        // conv1	-1	13003	NONE	0	12864	NONE	0	32291	ALLREDUCE	37632	3229
        assert_eq!(
            w.layers[0],
            AstraLayer {
                name: "conv1".into(),
                reserved: -1,
                forward: AstraPhase { compute_cycles: 13003, comm: CommType::None, comm_bytes: 0 },
                input_gradient: AstraPhase { compute_cycles: 12864, comm: CommType::None, comm_bytes: 0 },
                weight_gradient: AstraPhase { compute_cycles: 32291, comm: CommType::AllReduce, comm_bytes: 37632 },
                update_delay_cycles: 3229,
                policy: None,
                line: 3,
            }
        );
        // fc1000	-1	16416	NONE	0	27708	NONE	0	9220	ALLREDUCE	8192000	922
        let fc = w.layers.last().unwrap();
        assert_eq!(fc.name, "fc1000");
        assert_eq!(fc.line, 56);
        assert_eq!(fc.forward.compute_cycles, 16416);
        assert_eq!(fc.input_gradient.compute_cycles, 27708);
        assert_eq!(
            fc.weight_gradient,
            AstraPhase { compute_cycles: 9220, comm: CommType::AllReduce, comm_bytes: 8192000 }
        );
        assert_eq!(fc.update_delay_cycles, 922);
    }

    #[test]
    fn data_parallel_mapping_times_in_ps() {
        let w = shipped("Resnet50_DataParallel.txt");
        assert_eq!(w.model_group(), ModelGroup::Single);
        let job = w.job(deg(16, 1)).unwrap();
        assert_eq!(job.layers.len(), 54);
        assert_eq!(job.global_batch, 16);
        let conv1 = &job.layers[0];
        assert_eq!(
            conv1.fixed_times,
            Some(LayerTimes {
                forward: SimDuration::from_ps(13_003_000),
                // iterate_data_parallel never computes layer 0's input gradient.
                input_gradient: SimDuration::ZERO,
                weight_gradient: SimDuration::from_ps(32_291_000),
            })
        );
        assert_eq!(
            conv1.gradient_collective,
            Some(GradientCollective { kind: CollectiveKind::AllReduce, bytes: 37632 })
        );
        assert!(conv1.data_parallel_gradients && !conv1.tensor_parallel);
        assert!(conv1.forward_collectives.is_empty() && conv1.backward_collectives.is_empty());
        // layer_64_1_conv4	-1	3456	NONE	0	3648	NONE	0	7488	ALLREDUCE	65536	749
        let l1 = job.layers[1].fixed_times.unwrap();
        assert_eq!(l1.input_gradient, SimDuration::from_ps(3_648_000));
        assert_eq!((job.parameters(), job.model_flops()), (0, 0.0));
        // Total wg bytes: the sum of the file's sizes, unchanged.
        let total: u64 = job.layers.iter().map(|l| l.gradient_collective.unwrap().bytes).sum();
        let expected: u64 = w.layers.iter().map(|l| l.weight_gradient.comm_bytes).sum();
        assert_eq!(total, expected);
        assert!(matches!(w.job(deg(4, 2)), Err(AstraError::Degrees { .. })));
        assert!(matches!(w.job(deg(0, 1)), Err(AstraError::Degrees { .. })));
    }

    #[test]
    fn transformer_mapping_uses_model_group_for_fwd_and_ig() {
        let w = shipped("Transformer_HybridParallel.txt");
        assert_eq!(w.degrees(&network("sample_Torus2D.json").npus_per_dimension()), Ok(deg(4, 4)));
        assert!(matches!(w.job(deg(4, 2)), Err(AstraError::Degrees { .. })));
        let job = w.job(deg(4, 4)).unwrap();
        // Embedding	-1	300	ALLGATHER	8388608	1	NONE	0	1	NONE	0	10
        let emb = &job.layers[0];
        assert_eq!(
            emb.forward_collectives,
            [LayerCollective { kind: CollectiveKind::AllGather, bytes: 8388608.0 * 4.0 }]
        );
        assert!(emb.backward_collectives.is_empty());
        assert_eq!(emb.gradient_collective, None);
        assert!(!emb.data_parallel_gradients);
        assert_eq!(emb.fixed_times.unwrap().input_gradient, SimDuration::from_ps(1_000));
        // Concat1	-1	2162688	ALLREDUCE	8388608	3145728	ALLGATHER	134217728	2228224	ALLREDUCE	33554432	10
        let concat = &job.layers[6];
        assert_eq!(concat.name, "Concat1");
        assert_eq!(concat.forward_collectives, [LayerCollective { kind: CollectiveKind::AllReduce, bytes: 8388608.0 }]);
        assert_eq!(
            concat.backward_collectives,
            [LayerCollective { kind: CollectiveKind::AllGather, bytes: 134217728.0 * 4.0 }]
        );
        assert_eq!(
            concat.gradient_collective,
            Some(GradientCollective { kind: CollectiveKind::AllReduce, bytes: 33554432 })
        );
        assert_eq!(
            concat.fixed_times,
            Some(LayerTimes {
                forward: SimDuration::from_ps(2_162_688_000),
                input_gradient: SimDuration::from_ps(3_145_728_000),
                weight_gradient: SimDuration::from_ps(2_228_224_000),
            })
        );
    }

    #[test]
    fn hybrid_and_model_loops_skip_layer0_input_gradient_comm() {
        let w = shipped("MLP_HybridParallel_Data_Model.txt");
        let net = network("sample_Ring_FullyConnected_Ring.json"); // [2, 8, 2]
        assert_eq!(w.degrees(&net.npus_per_dimension()), Ok(deg(16, 2)));
        let job = w.job(deg(16, 2)).unwrap();
        assert!(job.layers[0].backward_collectives.is_empty());
        assert_eq!(
            job.layers[0].forward_collectives,
            [LayerCollective { kind: CollectiveKind::AllGather, bytes: 37632.0 * 2.0 }]
        );
        assert_eq!(
            job.layers[1].backward_collectives,
            [LayerCollective { kind: CollectiveKind::AllReduce, bytes: 65536.0 }]
        );
        assert_eq!(job.layers[0].fixed_times.unwrap().input_gradient, SimDuration::from_ps(32_291_000));
        let md = shipped("MLP_HybridParallel_Model_Data.txt");
        assert_eq!(md.degrees(&net.npus_per_dimension()), Ok(deg(2, 16)));
        let m = shipped("MLP_ModelParallel.txt");
        assert_eq!(m.degrees(&net.npus_per_dimension()), Ok(deg(1, 32)));
        let job = m.job(deg(1, 32)).unwrap();
        assert!(job.layers.iter().all(|l| !l.data_parallel_gradients && l.gradient_collective.is_none()));
        assert!(matches!(m.job(deg(2, 16)), Err(AstraError::Degrees { .. })));
    }

    #[test]
    fn micro_maps_to_one_collective_and_no_compute() {
        let w = shipped("microAllToAll.txt");
        let job = w.job(deg(8, 1)).unwrap();
        assert_eq!(job.layers[0].fixed_times, Some(LayerTimes::default()));
        assert_eq!(
            job.layers[0].gradient_collective,
            Some(GradientCollective { kind: CollectiveKind::AllToAll, bytes: 1 << 20 })
        );
    }

    #[test]
    fn unmappable_workloads_say_why() {
        for name in [
            "DLRM_HybridParallel.txt",
            "Transformer_HybridParallel_Fwd_In_Bckwd.txt",
            "sample_per_layer_parallel_HybridCustomized.txt",
        ] {
            let w = shipped(name);
            match w.job(deg(1, 1)) {
                Err(AstraError::Unsupported { file, .. }) => assert_eq!(file, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(shipped("DLRM_HybridParallel.txt").degrees(&[4]), Err(AstraError::Unsupported { .. })));
        let text = "DATA\n1\nx -1 1 NONE 0 1 NONE 0 1 ALLREDUCEALLTOALL 8 0\n";
        let w = AstraWorkload::parse("a.txt", text).unwrap();
        let e = w.job(deg(2, 1)).unwrap_err();
        assert!(e.to_string().contains("ALLREDUCEALLTOALL"), "{e}");
        // A uniform HYBRID_CUSTOMIZED maps like its policy.
        let text = "HYBRID_CUSTOMIZED\n1\nx -1 1 ALLGATHER 8 1 NONE 0 1 ALLREDUCE 16 0 HYBRID_DATA_MODEL\n";
        let w = AstraWorkload::parse("c.txt", text).unwrap();
        assert_eq!(w.model_group(), ModelGroup::FirstDimension);
        assert_eq!(w.job(deg(2, 2)).unwrap().layers[0].forward_collectives[0].bytes, 16.0);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let text =
            "DATA\n2\nconv1 -1 10 NONE 0 10 NONE 0 10 ALLREDUCE 64 1\nfc -1 10 NONE 0 x NONE 0 10 ALLREDUCE 64 1\n";
        let e = AstraWorkload::parse("r.txt", text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.txt:4: layer #1 `fc`: input-gradient compute time [cycles]: expected a non-negative integer, found `x`"
        );
        let e = AstraWorkload::parse("r.txt", "DATA\n1\nconv1 -1 10 NONE 0 10 ALLRED 0 10 NONE 0 1\n").unwrap_err();
        assert!(
            matches!(&e, AstraError::Parse { line: 3, field, .. } if field.contains("input-gradient communication type"))
        );
        let e = AstraWorkload::parse("r.txt", "DATA\n2\nconv1 -1 10 NONE 0 10 NONE 0 10 NONE 0 1\n").unwrap_err();
        assert!(matches!(&e, AstraError::Parse { line: 3, field, .. } if field == "layer #1: name"), "{e}");
        let e = AstraWorkload::parse("r.txt", "DATA\n1\nconv1 -1 10 NONE 0 10 NONE 0 10 NONE 0 1 extra\n").unwrap_err();
        assert!(matches!(&e, AstraError::Parse { line: 3, field, .. } if field == "end of file"), "{e}");
        let e =
            AstraWorkload::parse("r.txt", "HYBRID_DLRM 9\n1\nconv1 -1 10 NONE 0 10 NONE 0 10 NONE 0 1\n").unwrap_err();
        assert!(matches!(&e, AstraError::Parse { line: 1, .. }), "{e}");
        let e = AstraWorkload::parse("r.txt", "PIPELINE\n1\n").unwrap_err();
        assert!(e.to_string().starts_with("r.txt:1: parallelism: unknown parallelism `PIPELINE`"), "{e}");
        let big = format!("DATA\n1\nx -1 {} NONE 0 1 NONE 0 1 NONE 0 0\n", MAX_CYCLES + 1);
        assert!(AstraWorkload::parse("r.txt", &big).is_err());
        assert!(AstraWorkload::parse("r.txt", "DATA\n0\n").is_err());
        assert!(AstraWorkload::parse("r.txt", "").is_err());
    }

    #[test]
    fn shipped_networks_parse() {
        assert_eq!(builtin_network_configs().len(), 5);
        for (name, text) in builtin_network_configs() {
            AnalyticalNetwork::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        }
        let n = network("sample_Ring_FullyConnected_Switch.json");
        assert_eq!(n.npus_per_dimension(), [2, 8, 2]);
        assert_eq!(n.total_npus(), 32);
        let topo: Vec<_> = n.dimensions.iter().map(|d| d.topology).collect();
        use DimensionTopology::*;
        assert_eq!(topo, [Ring, FullyConnected, Switch]);
        let d1 = &n.dimensions[1];
        assert_eq!((d1.links, d1.link_latency_ns, d1.link_bandwidth_gbps), (7, 500.0, 25.0));
        assert_eq!(d1.bandwidth_scalar(), 1);
        let s = network("sample_Switch.json");
        assert_eq!((s.dimensions[0].router_latency_ns, s.dimensions[0].hbm_scale), (10.0, 1.0));
        // Upstream's backend would refuse this shipped file: dimension 2 is a Ring of 2 with 1 link.
        let rfr = &network("sample_Ring_FullyConnected_Ring.json").dimensions[2];
        assert_eq!((rfr.topology, rfr.npus, rfr.links, rfr.bandwidth_scalar()), (Ring, 2, 1, 0));
        assert_eq!(rfr.ring_all_reduce_ns(1 << 20), f64::INFINITY);
        assert_eq!(builtin_system_configs().len(), 5);
    }

    #[test]
    fn network_errors() {
        let e = AnalyticalNetwork::parse("n.json", "{\"units-count\": [4], ").unwrap_err();
        assert!(matches!(e, AstraError::Json { .. }), "{e}");
        let base = |extra: &str| {
            format!(
                "{{\"topologies-per-dim\": [\"Ring\"], \"dimension-type\": [\"N\"], \"units-count\": [4], \
                 \"links-count\": [{extra}], \"link-latency\": [1], \"link-bandwidth\": [32]}}"
            )
        };
        assert!(AnalyticalNetwork::parse("n.json", &base("2")).is_ok());
        let fc = base("2").replace("Ring", "FullyConnected").replace("[4]", "[1]");
        let e = AnalyticalNetwork::parse("n.json", &fc).unwrap_err();
        assert!(matches!(&e, AstraError::Network { field, .. } if field == "units-count[0]"), "{e}");
        let e = AnalyticalNetwork::parse("n.json", &base("2").replace("[32]", "[0]")).unwrap_err();
        assert!(matches!(&e, AstraError::Network { field, .. } if field == "link-bandwidth[0]"), "{e}");
        let e = AnalyticalNetwork::parse("n.json", &base("2, 2")).unwrap_err();
        assert!(matches!(&e, AstraError::Network { field, .. } if field == "links-count"), "{e}");
        let e = AnalyticalNetwork::parse("n.json", "{\"bogus\": 1}").unwrap_err();
        assert!(matches!(e, AstraError::Json { .. }), "{e}");
    }

    #[test]
    fn per_message_latency_matches_a_hand_computation() {
        // sample_Switch.json: 4 NPUs, 1 link, α = 500 ns, 25 GB/s, router 10 ns, HBM 500 ns + x/370, scale 1.
        let s = &network("sample_Switch.json").dimensions[0];
        // B = 25 · 2^30 / 1e9 = 26.8435456 bytes/ns; 262144 / 26.8435456 = 9765.625 ns.
        assert_eq!(s.link_bandwidth_bytes_per_ns(), 26.8435456);
        // comm = trunc(2·500 + 9765.625) + 2·0 + 10 = 10775 > hbm = 500 + 262144/370 = 1208.5.
        assert_eq!(s.message_latency_ns(262_144, 1), 10_775.0);
        // 1 MiB ring all-reduce: 2·3 steps of 262144 bytes.
        assert_eq!(s.ring_all_reduce_ns(1 << 20), 6.0 * 10_775.0);
        assert_eq!(s.direct_all_to_all_ns(1 << 20), 10_775.0);
        // With α = 0 a small message is HBM-bound: comm = trunc(370 / 26.84…) + 10 = 13 + 10 = 23,
        // hbm = (500 + 370 / 370) · 1 = 501.
        let mut z = s.clone();
        z.link_latency_ns = 0.0;
        assert_eq!(z.message_latency_ns(370, 1), 501.0);
        // sample_Torus2D.json dim 0: Ring of 4, 2 links (×2), α = 1 ns, 32 GB/s, no HBM term.
        let r = &network("sample_Torus2D.json").dimensions[0];
        assert_eq!(r.bandwidth_scalar(), 2);
        // 262144 / (2 · 34.359738368) = 3814.697265625 → trunc(1 + 3814.697…) = 3815.
        assert_eq!(r.message_latency_ns(262_144, 1), 3815.0);
        assert_eq!(r.ring_all_reduce_ns(1 << 20), 6.0 * 3815.0);
        // All-to-all: farthest peer 2 hops: trunc(2 + 3814.697…) = 3816.
        assert_eq!(r.hops(3), 1);
        assert_eq!(r.direct_all_to_all_ns(1 << 20), 3816.0);
        // FullyConnected of 8 with 7 links: scalar 1, one hop.
        let f = AnalyticalDimension::simple(DimensionTopology::FullyConnected, 8, 7, 500.0, 25.0);
        // 131072 / 26.8435456 = 4882.8125 → trunc(500 + 4882.8125) = 5382; 14 steps.
        assert_eq!(f.ring_all_reduce_ns(1 << 20), 14.0 * 5382.0);
    }

    #[test]
    fn closed_form_agrees_when_nothing_is_truncated() {
        // Ring of 8, 2 links of 2^30·1e-9·… choose B so that S/(p·B·2) is integral: B·k = 2^30/1e9·2·x.
        // With α = 100 ns, 1 link-bandwidth unit = 1e9/2^30 GB/s gives exactly 1 byte/ns per link.
        let gbps = 1e9 / (1u64 << 30) as f64;
        let r = AnalyticalDimension::simple(DimensionTopology::Ring, 8, 2, 100.0, gbps);
        assert!((r.effective_bandwidth_bytes_per_ns() - 2.0).abs() < 1e-12);
        let s: u64 = 8 * 2 * 1000; // S/p = 2000 bytes → 1000 ns at 2 bytes/ns.
        let closed = 2.0 * 7.0 * (100.0 + s as f64 / (8.0 * 2.0));
        assert_eq!(r.ring_all_reduce_ns(s), closed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_text_never_panics(text in "\\PC{0,400}") {
            if let Ok(w) = AstraWorkload::parse("p.txt", &text) {
                let _ = w.job(deg(1, 1));
                let _ = w.degrees(&[2, 2]);
            }
            let _ = AnalyticalNetwork::parse("p.json", &text);
        }

        #[test]
        fn garbled_shipped_files_never_panic(
            file in 0usize..10,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), prop_oneof![
                Just(String::new()),
                Just("-1".to_string()),
                Just("18446744073709551615".to_string()),
                Just("99999999999999999999999".to_string()),
                Just("ALLREDUCEALLTOALL".to_string()),
                Just("MODEL".to_string()),
                Just("0".to_string()),
                "[A-Z_]{1,12}",
                "[0-9]{1,6}",
            ]), 1..6),
            d in 0u64..5,
            t in 0u64..5,
        ) {
            let (name, text) = builtin_workloads()[file];
            let mut tokens: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            for (at, with) in edits {
                let i = at.index(tokens.len());
                if with.is_empty() { tokens.remove(i); } else { tokens[i] = with; }
                if tokens.is_empty() { break; }
            }
            if let Ok(w) = AstraWorkload::parse(name, &tokens.join(" ")) {
                let _ = w.job(deg(d, t));
                let _ = w.model_group().degrees(&[d, t]);
            }
        }

        #[test]
        fn garbled_network_json_never_panics(file in 0usize..5, cut in 0usize..500, n in -3i64..20) {
            let (name, text) = builtin_network_configs()[file];
            let cut = cut.min(text.len());
            let _ = AnalyticalNetwork::parse(name, &text[..cut]);
            let edited = text.replacen("2", &n.to_string(), 1);
            if let Ok(net) = AnalyticalNetwork::parse(name, &edited) {
                for dim in &net.dimensions {
                    let _ = dim.ring_all_reduce_ns(1 << 20);
                    let _ = dim.direct_all_to_all_ns(1 << 20);
                }
            }
        }
    }
}
