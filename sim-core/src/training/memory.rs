//! Memory each device needs for one training iteration.

use super::config::{PipelineSchedule, Recomputation, TrainingConfig, ZeroStage};
use super::job::{Layer, TrainingJob};

/// Peak memory of one device, by what it holds [bytes].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUse {
    /// Weights in the passes' precision [bytes].
    pub weights: u64,
    /// Gradients [bytes].
    pub gradients: u64,
    /// Optimizer states (fp32 master weights, Adam moments) [bytes].
    pub optimizer: u64,
    /// Activations kept for backward passes, for every micro-batch in flight at once [bytes].
    pub activations: u64,
    /// Working buffers: one layer's full activations during recomputation, ZeRO-3's gathered
    /// weights of two buckets [bytes].
    pub buffers: u64,
}

impl MemoryUse {
    /// Everything together [bytes], saturating: parts of absurd jobs saturate at `u64::MAX` (they are
    /// computed in f64), and such a job fits nowhere rather than overflowing.
    pub fn total(&self) -> u64 {
        [self.gradients, self.optimizer, self.activations, self.buffers]
            .into_iter()
            .fold(self.weights, u64::saturating_add)
    }
}

/// The share of a layer one tensor-parallel rank holds: `1/t` if the layer is split, else 1.
pub(crate) fn tp_share(layer: &Layer, t: u32) -> f64 {
    if layer.tensor_parallel {
        1.0 / f64::from(t)
    } else {
        1.0
    }
}

/// Activation bytes one rank keeps per sample for `layer` (Korthikanti et al. 2022, Table 2;
/// [`super::ActivationBytes`]).
pub(crate) fn kept_activations(layer: &Layer, config: &TrainingConfig) -> f64 {
    let a = &layer.activations;
    let share = tp_share(layer, config.parallelism.tensor);
    let sp = if config.sequence_parallel { share } else { 1.0 };
    match config.recomputation {
        Recomputation::None => a.replicated * sp + (a.split + a.attention) * share,
        Recomputation::Selective => a.replicated * sp + a.split * share,
        Recomputation::Full => a.input * sp,
    }
}

/// Activation bytes of `layer` while its backward pass runs (nothing dropped), per sample.
fn full_activations(layer: &Layer, config: &TrainingConfig) -> f64 {
    let a = &layer.activations;
    let share = tp_share(layer, config.parallelism.tensor);
    let sp = if config.sequence_parallel { share } else { 1.0 };
    a.replicated * sp + (a.split + a.attention) * share
}

/// Micro-batches whose activations stage `stage` keeps at once: `m` under GPipe, `min(p − s, m)`
/// under 1F1B.
pub(crate) fn in_flight(config: &TrainingConfig, stage: u32, micro_batches: u64) -> u64 {
    match config.schedule {
        PipelineSchedule::GPipe => micro_batches,
        PipelineSchedule::OneFOneB => u64::from(config.parallelism.pipeline - stage).min(micro_batches),
    }
}

/// Peak memory of a device of stage `stage` holding `layers`, with `micro_batches` micro-batches
/// per iteration and gradient buckets of `bucket_parameters` parameters (per device) each.
pub(crate) fn stage_memory(
    job: &TrainingJob,
    layers: &[Layer],
    config: &TrainingConfig,
    stage: u32,
    micro_batches: u64,
    largest_bucket_parameters: f64,
) -> MemoryUse {
    let t = config.parallelism.tensor;
    let d = f64::from(config.parallelism.data);
    let params: f64 = layers.iter().map(|l| l.parameters as f64 * tp_share(l, t)).sum();
    let (weight_shard, grad_shard, opt_shard) = match config.zero {
        ZeroStage::None => (1.0, 1.0, 1.0),
        ZeroStage::Optimizer => (1.0, 1.0, d),
        ZeroStage::Full => (d, d, d),
    };
    let b = config.micro_batch_size as f64;
    let kept: f64 = layers.iter().map(|l| kept_activations(l, config)).sum::<f64>() * b;
    let activations = kept * in_flight(config, stage, micro_batches) as f64;
    let mut buffers = 0.0;
    if config.recomputation != Recomputation::None {
        buffers += layers.iter().map(|l| full_activations(l, config)).fold(0.0, f64::max) * b;
    }
    if config.zero == ZeroStage::Full {
        buffers += 2.0 * largest_bucket_parameters * job.weight_bytes_per_parameter as f64;
    }
    MemoryUse {
        weights: (params * job.weight_bytes_per_parameter as f64 / weight_shard).ceil() as u64,
        gradients: (params * job.gradient_bytes_per_parameter as f64 / grad_shard).ceil() as u64,
        optimizer: (params * job.optimizer_bytes_per_parameter as f64 / opt_shard).ceil() as u64,
        activations: activations.ceil() as u64,
        buffers: buffers.ceil() as u64,
    }
}
