//! DNN training: the job description ([`job`]), the split and schedule ([`config`]), memory per
//! device ([`memory`]) and the executor that runs one training iteration with data, tensor and
//! pipeline parallelism on the flow network ([`exec`]).

pub mod config;
pub mod exec;
pub mod job;
pub mod memory;

pub use config::{
    Parallelism, PipelineSchedule, PipelineSends, Recomputation, TensorParallelComm, TrainingConfig, ZeroStage,
};
pub use exec::{check_iteration, run_iteration, DeviceAccount, Span, SpanKind, TrainingRun};
pub use job::{ActivationBytes, GradientCollective, Layer, LayerCollective, LayerTimes, TrainingJob};
pub use memory::MemoryUse;

use crate::collective::{CollectiveError, CollectiveKind};

/// Why a training iteration cannot be simulated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainingError {
    /// A parallel degree is zero.
    #[error("data, tensor and pipeline degrees must all be at least 1")]
    ZeroDegree,
    /// The micro-batch size is zero.
    #[error("the micro-batch size must be at least 1")]
    ZeroMicroBatch,
    /// The compute efficiency is outside (0, 1].
    #[error("compute efficiency {0} is outside (0, 1]")]
    Efficiency(f64),
    /// Not as many devices as `d · t · p`.
    #[error("the split needs {need} devices but {have} are given")]
    DeviceCount {
        /// `d · t · p`.
        need: u64,
        /// Devices available or listed.
        have: u64,
    },
    /// A listed device is not a host of the platform.
    #[error("node {node} is not a compute device of the platform")]
    NotADevice {
        /// Its node id.
        node: u32,
    },
    /// A device is listed twice.
    #[error("device {device} is listed twice")]
    DuplicateDevice {
        /// Its name.
        device: String,
    },
    /// The global batch is not a positive multiple of `d · b`.
    #[error("global batch {global_batch} is not a positive multiple of data-parallel degree {data} × micro-batch size {micro_batch}")]
    Batch {
        /// Samples per iteration.
        global_batch: u64,
        /// Data-parallel degree.
        data: u32,
        /// Micro-batch size.
        micro_batch: u64,
    },
    /// The layers cannot be split into the stages as asked.
    #[error("{layers} layers cannot be split into {stages} pipeline stages as {given:?} (each stage needs ≥ 1 layer, counts must sum to the layers)")]
    StageLayers {
        /// Layers of the model.
        layers: usize,
        /// Pipeline stages.
        stages: u32,
        /// The explicit split given (empty for the even split).
        given: Vec<u32>,
    },
    /// A device cannot hold its share of the model, its optimizer state and activations (the device
    /// furthest over its capacity, the lowest rank on ties).
    #[error("device {device} (rank {rank}) needs {need} bytes but has {capacity}: weights {w}, gradients {g}, optimizer {o}, activations {a}, buffers {b}",
        w = memory.weights, g = memory.gradients, o = memory.optimizer, a = memory.activations, b = memory.buffers)]
    OutOfMemory {
        /// The device's name in the platform.
        device: String,
        /// Its rank.
        rank: u64,
        /// Bytes it needs at its peak [bytes].
        need: u64,
        /// Its capacity [bytes].
        capacity: u64,
        /// What the need is made of.
        memory: MemoryUse,
    },
    /// A hierarchical all-reduce whose group size does not split a group it would run over (found
    /// by [`check_iteration`], before anything runs).
    #[error("hierarchical all-reduce groups of {group_size} ranks do not split the {ranks} ranks of a {group} group")]
    AllReduceGroups {
        /// `"data-parallel"` or `"tensor-parallel"`.
        group: &'static str,
        /// Ranks of that group (the data-parallel or tensor-parallel degree).
        ranks: u32,
        /// The algorithm's group size.
        group_size: usize,
    },
    /// A layer asks for a collective the executor cannot run.
    #[error("collective {0:?} is not supported in a training step")]
    UnsupportedCollective(CollectiveKind),
    /// A collective or transfer could not be built or routed.
    #[error(transparent)]
    Collective(#[from] CollectiveError),
    /// The run stopped with passes left (a dependency that can never be met).
    #[error("training stalled: the replica of rank {rank} has passes left but nothing can run")]
    Stalled {
        /// First rank of a replica that did not finish.
        rank: u64,
    },
}
