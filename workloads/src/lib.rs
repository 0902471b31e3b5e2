//! # workloads: ML programs with real math on real data
//!
//! Implementations of [`sim_core::program::DataParallelProgram`] — the Alg/Sys split of Petuum (Xing et
//! al., KDD 2015): the program declares parameter tables, computes one clock of updates on one worker's
//! data partition, and evaluates an exact objective; the runtime in `sim-core` does communication,
//! consistency and scheduling — plus the data they run on.
//!
//! - [`logreg::LogisticRegression`]: sparse logistic regression by mini-batch SGD (Adult, a9a).
//! - [`mf::MatrixFactorization`]: low-rank matrix factorisation by SGD (MovieLens, synthetic).
//! - [`lda::LatentDirichletAllocation`]: LDA topic modelling by collapsed Gibbs sampling, documents over
//!   workers and word–topic counts on the server (LDA-C corpora such as Reuters).
//! - [`lasso::Lasso`]: Lasso regression by parallel (Shotgun-style) coordinate descent with the residual
//!   on the parameter server, STRADS's update rule (diabetes, embedded; riboflavin, research-only, parsed
//!   by [`data::lasso`]).
//! - [`data`]: in-memory data sets and parsers (UCI Adult, LIBSVM, MovieLens `u.data`, Alibaba PAI
//!   mini-batch times) and seeded synthetic generators.
//! - [`builtin`]: the redistributable files embedded in the crate, each with its source and licence.
//! - [`dnn`]: the DNN model zoo (Llama, GPT-3, Megatron-LM, BERT, Qwen2, ResNet, DLRM) as per-layer
//!   `sim_core::training::TrainingJob`s, from embedded Hugging Face configs and published formulas.
//!
//! **Architecture invariant:** this crate never opens files. Parsers take text; the `clustersim` package
//! reads files (e.g. MovieLens, which may not be redistributed) and [`builtin`] embeds the rest with
//! `include_str!`. No `HashMap` iteration reaches a result.
//!
//! ## Data partition and mini-batch order (all programs)
//! The `n` examples (ratings for matrix factorisation) are shuffled once with the stream
//! `sim_core::rng::stream(seed, StreamKind::Partition, 0)` and split into `workers` contiguous parts (worker
//! `w` gets positions `⌊w·n/W⌋ .. ⌊(w+1)·n/W⌋`, so sizes differ by at most one). Each part is shuffled once
//! more with the worker's stream `(seed, StreamKind::DataSampler, w)`, giving a fixed visiting order. The
//! batch of worker `w` at clock `c` is the `batch_size` consecutive entries of that order starting at
//! position `c · batch_size`, taken cyclically: each example is visited once per pass, in the same order
//! every pass, and a batch may straddle two passes. A batch is thus a pure function of
//! `(seed, worker, clock)`, as [`sim_core::program::DataParallelProgram::compute`] requires.
//!
//! ## Label-skewed (non-IID) partitions (logistic regression)
//! [`LogRegConfig::partition`] may instead be a [`Partition::LabelSkew`]: workers form groups (data
//! centers), a seeded fraction `skew` of the examples is sorted by label and cut into one contiguous chunk
//! per group, the rest is spread at random, and every group still holds (nearly) the same number of
//! examples — the "skewed" partitions of Hsieh et al. (ICML 2020). Within a group, examples are split over
//! its workers and batched as above. The exact construction and its random streams
//! (`(seed, Partition, 1)` and `(seed, Partition, 2 + g)`; stream `(seed, Partition, 0)` stays the IID
//! shuffle) are on [`Partition`].
//!
//! ## Learning-rate schedule (all programs)
//! Clock `c` uses `η_c = η0 / sqrt(1 + lr_decay · c)` (`lr_decay = 0`: constant step).

#![deny(missing_docs)]

pub mod builtin;
pub mod data;
pub mod dnn;
pub mod lasso;
pub mod lda;
pub mod logreg;
pub mod mf;
pub mod placement;
mod sampling;
pub mod strads;

pub use data::{DataError, Dataset, Ratings};
pub use lasso::{Lasso, LassoConfig};
pub use lda::{LatentDirichletAllocation, LdaConfig, LdaWorkerState};
pub use logreg::{LogRegConfig, LogisticRegression};
pub use mf::{MatrixFactorization, MfConfig};
pub use sampling::Partition;

/// Why a program could not be built from its settings.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramError {
    /// A setting is out of range or inconsistent with the data.
    #[error("{field}: {message}")]
    InvalidConfig {
        /// The setting at fault, named as in the config struct (`"batch_size"`), or `"data"`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}
