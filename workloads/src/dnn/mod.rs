//! # The DNN model zoo: published models as [`TrainingJob`]s, layer by layer
//!
//! Each model becomes a sequence of [`sim_core::training::Layer`]s whose figures (FLOPs, parameters,
//! activation memory, tensor-parallel collectives) are **per sample and for the whole, unsplit
//! layer**, as `sim_core::training::job` defines them; the executor in `sim-core` splits and
//! multiplies them.
//!
//! - [`config`]: [`TransformerConfig`] (parsed from Hugging Face `config.json` text or built in: GPT-3
//!   175B and the GPT models of Megatron-LM's Table 1), the embedded configs and the built-ins.
//! - [`transformer`]: a transformer's layers (embedding, one [`Layer`] per block, final norm + LM head)
//!   from Megatron-LM's FLOP count and Korthikanti et al.'s activation memory.
//! - [`resnet`]: ResNet-50/101/152 at 224 × 224 (He et al. 2016; torchvision layout), one layer per
//!   bottleneck block.
//! - [`dlrm`]: a DLRM (Naumov et al. 2019) in the shape of the MLPerf Training Criteo-1TB benchmark,
//!   with model-parallel embedding tables.
//! - [`astra`]: ASTRA-sim workload import.
//!
//! The zoo by name: [`ZOO`] lists the built-ins and [`model`] builds one ([`ZooModel::job`]).
//!
//! **Architecture invariant:** nothing here opens files; the Hugging Face configs are embedded with
//! `include_str!` from `workloads/data/dnn_models/` (origin and licence in its `README.md`).

pub mod config;
pub mod dlrm;
pub mod resnet;
pub mod transformer;

pub use config::{FfnKind, LinearBiases, LmHead, NormKind, NormPlacement, TransformerConfig};
pub use dlrm::DlrmConfig;
pub use resnet::ResNetConfig;
pub use sim_core::training::{Layer, TrainingJob};

/// Why a model description could not be read or built.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnnError {
    /// The text is not JSON (the message is `serde_json`'s, with line and column).
    #[error("{model}: not valid JSON: {message}")]
    Json {
        /// The model being read.
        model: String,
        /// What the JSON parser said.
        message: String,
    },
    /// A field the model type needs is absent (or `null`).
    #[error("{model}: missing field `{field}`")]
    MissingField {
        /// The model being read.
        model: String,
        /// The field, as spelled in the config (`"hidden_size"`, `"n_embd"`).
        field: &'static str,
    },
    /// A field has the wrong type or an impossible value.
    #[error("{model}: field `{field}`: {message}")]
    BadField {
        /// The model being read or checked.
        model: String,
        /// The field, as spelled in the config (or the [`TransformerConfig`] field name).
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// `model_type` names an architecture this module does not build.
    #[error("{model}: unsupported model_type {model_type:?} (supported: gpt2, bert, llama, qwen2)")]
    UnsupportedModelType {
        /// The model being read.
        model: String,
        /// The `model_type` found.
        model_type: String,
    },
    /// No built-in model has this name.
    #[error("no model {name:?} in the zoo (known: {})", ZOO.join(", "))]
    UnknownModel {
        /// The name asked for.
        name: String,
    },
}

/// The built-in models by name, in this order: the 8 Hugging Face configs, GPT-3 175B, the ten GPT
/// models of Megatron-LM's Table 1 (Narayanan et al., SC'21), ResNet-50/101/152 and the MLPerf DLRM.
pub const ZOO: [&str; 23] = [
    "llama-2-7b",
    "llama-2-13b",
    "llama-2-70b",
    "llama-3-8b",
    "gpt2",
    "bert-base",
    "bert-large",
    "qwen2-72b",
    "gpt3-175b",
    "megatron-1.7b",
    "megatron-3.6b",
    "megatron-7.5b",
    "megatron-18.4b",
    "megatron-39.1b",
    "megatron-76.1b",
    "megatron-145.6b",
    "megatron-310.1b",
    "megatron-529.6b",
    "megatron-1t",
    "resnet50",
    "resnet101",
    "resnet152",
    "dlrm",
];

/// A built-in model of any family.
#[derive(Clone, Debug, PartialEq)]
pub enum ZooModel {
    /// A transformer language model ([`transformer`]).
    Transformer(TransformerConfig),
    /// A ResNet ([`resnet`]).
    ResNet(ResNetConfig),
    /// A DLRM ([`dlrm`]).
    Dlrm(DlrmConfig),
}

impl ZooModel {
    /// The model's name.
    pub fn name(&self) -> &str {
        match self {
            ZooModel::Transformer(c) => &c.name,
            ZooModel::ResNet(c) => &c.name,
            ZooModel::Dlrm(c) => &c.name,
        }
    }

    /// The model's layers, input first (per sample, unsplit).
    pub fn layers(&self) -> Vec<Layer> {
        match self {
            ZooModel::Transformer(c) => c.layers(),
            ZooModel::ResNet(c) => c.layers(),
            ZooModel::Dlrm(c) => c.layers(),
        }
    }

    /// A training job of `global_batch` samples per iteration, with the family's precision (see
    /// [`TransformerConfig::job`], [`ResNetConfig::job`], [`DlrmConfig::job`]).
    pub fn job(&self, global_batch: u64) -> TrainingJob {
        match self {
            ZooModel::Transformer(c) => c.job(global_batch),
            ZooModel::ResNet(c) => c.job(global_batch),
            ZooModel::Dlrm(c) => c.job(global_batch),
        }
    }
}

/// The built-in model `name` (one of [`ZOO`]).
///
/// # Errors
/// [`DnnError::UnknownModel`] if `name` is not in [`ZOO`]; an embedded config that fails to parse
/// would return its parse error (the tests check that none does).
pub fn model(name: &str) -> Result<ZooModel, DnnError> {
    match name {
        "resnet50" => Ok(ZooModel::ResNet(ResNetConfig::resnet50())),
        "resnet101" => Ok(ZooModel::ResNet(ResNetConfig::resnet101())),
        "resnet152" => Ok(ZooModel::ResNet(ResNetConfig::resnet152())),
        "dlrm" => Ok(ZooModel::Dlrm(DlrmConfig::mlperf_criteo_1tb())),
        _ => config::builtin(name).map(ZooModel::Transformer),
    }
}

/// Relative difference `|a − b| / |b|`, for the tests.
#[cfg(test)]
pub(crate) fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zoo_model_builds_and_its_job_adds_up() {
        for name in ZOO {
            let m = model(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.name(), name);
            let job = m.job(8);
            assert!(!job.layers.is_empty(), "{name}");
            assert_eq!(job.global_batch, 8);
            assert!(job.parameters() > 0, "{name}");
            assert!(job.model_flops() > 0.0, "{name}");
            for l in &job.layers {
                assert!(l.forward_flops.is_finite() && l.forward_flops >= 0.0, "{name} {}", l.name);
                assert!(l.backward_flops >= l.forward_flops, "{name} {}", l.name);
                assert!(l.attention_flops <= l.forward_flops, "{name} {}", l.name);
                assert!(l.forward_memory_bytes > 0.0, "{name} {}", l.name);
                assert!(l.fixed_times.is_none() && l.gradient_collective.is_none());
            }
        }
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_zoo() {
        let e = model("gpt-5").unwrap_err();
        assert_eq!(e, DnnError::UnknownModel { name: "gpt-5".into() });
        assert!(e.to_string().contains("llama-2-7b") && e.to_string().contains("dlrm"));
    }
}

pub mod astra;
