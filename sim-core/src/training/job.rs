//! What a DNN training job costs, layer by layer: the executor's input.
//!
//! A model is a sequence of [`Layer`]s. Every figure is **per sample** of the global batch (a
//! sequence of `s` tokens for a language model, an image for a CNN) and for the **whole layer**,
//! before any tensor-parallel split: the executor divides by the tensor-parallel degree `t` where
//! the layer is split ([`Layer::tensor_parallel`]) and multiplies by the micro-batch size. The
//! model zoo (`workloads::dnn`) fills these from published formulas; the ASTRA-sim importer from
//! ASTRA-sim workload files.

use crate::collective::CollectiveKind;
use crate::time::SimDuration;

/// Activation memory a layer keeps for its backward pass, per sample [bytes], split the way
/// Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (MLSys
/// 2023, §4, Table 2) split it, so each recomputation and parallelism setting follows:
///
/// | setting | bytes kept |
/// | --- | --- |
/// | no recomputation, tensor parallel `t` | `replicated + split / t + attention / t` |
/// | + sequence parallelism | `(replicated + split + attention) / t` |
/// | selective recomputation (+ sequence parallelism) | `(replicated + split) / t` |
/// | full recomputation | `input` (`input / t` with sequence parallelism) |
///
/// For a GPT layer with hidden size `h`, `a` heads and sequence length `s` in 16-bit:
/// `replicated = 10·s·h`, `split = 24·s·h`, `attention = 5·a·s²`, `input = 2·s·h`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ActivationBytes {
    /// Kept on every tensor-parallel rank (layer-norm inputs, dropout masks outside the split
    /// blocks) unless sequence parallelism splits it [bytes/sample].
    pub replicated: f64,
    /// Split across tensor-parallel ranks (inputs of the split matrix multiplies) [bytes/sample].
    pub split: f64,
    /// The attention core (softmax output, its dropout mask and output): what selective
    /// recomputation drops, split across tensor-parallel ranks [bytes/sample].
    pub attention: f64,
    /// The layer's input, all that full recomputation keeps [bytes/sample].
    pub input: f64,
}

/// A collective a layer runs among its tensor-parallel ranks in every forward or backward pass
/// (Megatron's two all-reduces per transformer layer each way, a DLRM embedding's all-to-all).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerCollective {
    /// Which collective.
    pub kind: CollectiveKind,
    /// Its size `S` per sample, as [`crate::collective::Collective::schedule`] defines `S`
    /// (the buffer each rank holds for all-reduce) [bytes/sample].
    pub bytes: f64,
}

/// One layer of a DNN (or a group of layers the model zoo keeps together, such as a transformer
/// block), per sample and unsplit; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Name shown in traces (`"layer17"`, `"embedding"`, `"conv2_1"`).
    pub name: String,
    /// Forward-pass arithmetic [FLOP/sample].
    pub forward_flops: f64,
    /// Backward-pass arithmetic: gradients of inputs and weights [FLOP/sample]; usually 2× forward.
    pub backward_flops: f64,
    /// The part of `forward_flops` that selective recomputation repeats in the backward pass (the
    /// attention core, `4·s²·h` per sample for a GPT layer) [FLOP/sample].
    pub attention_flops: f64,
    /// Device-memory traffic of the forward pass besides reading the weights [bytes/sample]; the
    /// backward pass is charged twice this. Roofline input ([`crate::ComputeDevice::kernel_time`]).
    pub forward_memory_bytes: f64,
    /// Trainable parameters (count, not bytes).
    pub parameters: u64,
    /// Whether tensor parallelism splits this layer's arithmetic, parameters and split activations
    /// over the `t` ranks (Megatron's column/row-parallel blocks, vocabulary-parallel embeddings);
    /// if not, each rank holds and computes all of it.
    pub tensor_parallel: bool,
    /// Whether this layer's gradients are all-reduced across data-parallel replicas. False for
    /// model-parallel embedding tables (DLRM), whose rows live on one rank.
    pub data_parallel_gradients: bool,
    /// Activation memory kept for the backward pass.
    pub activations: ActivationBytes,
    /// What the layer hands to the next one [bytes/sample]: the tensor a pipeline stage boundary
    /// after this layer sends forward (and its gradient, the same size, backward). `2·s·h` for a
    /// GPT layer in 16-bit.
    pub output_bytes: f64,
    /// Collectives among tensor-parallel ranks in the forward pass (run only when `t > 1`).
    pub forward_collectives: Vec<LayerCollective>,
    /// Collectives among tensor-parallel ranks in the backward pass (run only when `t > 1`).
    pub backward_collectives: Vec<LayerCollective>,
    /// Measured or imported compute times per sample that replace the roofline (ASTRA-sim
    /// workloads give times, not FLOPs); `None` derives times from the FLOPs.
    pub fixed_times: Option<LayerTimes>,
    /// The data-parallel gradient collective, if not the default all-reduce of
    /// `parameters · gradient_bytes_per_parameter` bytes (ASTRA-sim workloads name theirs).
    pub gradient_collective: Option<GradientCollective>,
}

/// Compute times of one layer for one sample, replacing the roofline [ps].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerTimes {
    /// Forward pass [ps/sample].
    pub forward: SimDuration,
    /// Backward pass, gradient of the layer's input [ps/sample].
    pub input_gradient: SimDuration,
    /// Backward pass, gradient of the layer's weights [ps/sample]; the gradient collective waits
    /// for it.
    pub weight_gradient: SimDuration,
}

/// A layer's data-parallel gradient collective, given explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GradientCollective {
    /// Which collective (all-reduce, or reduce-scatter/all-gather/all-to-all as a workload says).
    pub kind: CollectiveKind,
    /// Its size `S` per iteration, as [`crate::collective::Collective::schedule`] defines it [bytes].
    pub bytes: u64,
}

/// A training job: a model, a batch and the precision of its model states.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingJob {
    /// Model name (`"Llama-2-7B"`).
    pub model: String,
    /// The layers, input first.
    pub layers: Vec<Layer>,
    /// Samples per iteration across all data-parallel replicas (the global batch).
    pub global_batch: u64,
    /// Tokens per sample (sequence length; 1 for non-sequence models), for tokens/s.
    pub tokens_per_sample: u64,
    /// Bytes per parameter of the weights the passes read (2 for 16-bit) [bytes].
    pub weight_bytes_per_parameter: u64,
    /// Bytes per parameter of the gradients communicated (2 for 16-bit) [bytes].
    pub gradient_bytes_per_parameter: u64,
    /// Bytes per parameter of optimizer state: fp32 master weights, momentum and variance for
    /// mixed-precision Adam, 12 (Rajbhandari et al., "ZeRO", SC'20, §3.1: 2 + 2 + 12 = 16 bytes per
    /// parameter of model states) [bytes].
    pub optimizer_bytes_per_parameter: u64,
}

impl TrainingJob {
    /// A job in mixed precision: 16-bit weights and gradients (2 + 2 bytes per parameter) and
    /// `optimizer_bytes_per_parameter` bytes of fp32 optimizer state (12 for Adam, 8 for SGD with
    /// momentum, 4 for plain SGD: the fp32 master weights plus one value per moment).
    pub fn mixed_precision(
        model: impl Into<String>,
        layers: Vec<Layer>,
        global_batch: u64,
        tokens_per_sample: u64,
        optimizer_bytes_per_parameter: u64,
    ) -> Self {
        TrainingJob {
            model: model.into(),
            layers,
            global_batch,
            tokens_per_sample,
            weight_bytes_per_parameter: 2,
            gradient_bytes_per_parameter: 2,
            optimizer_bytes_per_parameter,
        }
    }

    /// Trainable parameters of the whole model.
    pub fn parameters(&self) -> u64 {
        self.layers.iter().map(|l| l.parameters).sum()
    }

    /// Model FLOPs of one iteration: forward + backward of every sample, no recomputation
    /// (what MFU counts; Chowdhery et al., "PaLM", 2022, App. B) [FLOP].
    pub fn model_flops(&self) -> f64 {
        self.layers.iter().map(|l| l.forward_flops + l.backward_flops).sum::<f64>() * self.global_batch as f64
    }
}
