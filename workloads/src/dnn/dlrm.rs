//! A DLRM (Naumov et al., "Deep Learning Recommendation Model for Personalization and
//! Recommendation Systems", 2019) in the shape of the MLPerf Training recommendation benchmark on
//! Criteo 1TB Click Logs: [`DlrmConfig::mlperf_criteo_1tb`].
//!
//! # Model
//! 13 dense features go through the bottom MLP 13-512-256-128; 26 categorical features each look
//! up one 128-wide row of their embedding table (one-hot, as in the original benchmark). The dot
//! interaction takes the 27 vectors (bottom-MLP output and 26 embeddings), computes their pairwise
//! dot products without self-interactions (27·26/2 = 351 values) and concatenates them with the
//! bottom-MLP output: 128 + 351 = 479 inputs to the top MLP 479-1024-1024-512-256-1 (ReLU after every
//! layer but the last, a sigmoid there). NVIDIA's implementation pads the 479 to 480 with a zero for
//! tensor-core alignment; we keep 479, as the reference `dlrm_s_pytorch.py` does.
//!
//! # Layers (a topological order: the embeddings and the bottom MLP are parallel branches)
//! - `embeddings`: all tables, sharded over the model-parallel group (`tensor_parallel: true`;
//!   `data_parallel_gradients: false`: each row lives on one rank). One all-to-all forward (the
//!   looked-up vectors to the ranks that own the samples) and one backward (their gradients), of
//!   `26 · 128 · 2` bytes per sample (16-bit vectors). No FLOPs (a one-hot lookup is a copy).
//! - `bottom_mlp`, `interaction`, `top_mlp`: data-parallel, not split. FLOPs `2·in·out` per linear
//!   layer; the interaction is the batched product `Z·Zᵀ` of the 27 × 128 matrix, `2·27·27·128`
//!   (the reference computes the whole square and keeps the lower triangle). Backward = 2 × forward.
//! - Activations (16-bit, our count): an MLP keeps each linear layer's input and its last output
//!   (ReLU keeps its output, which is the next layer's input); the interaction keeps its 27 × 128
//!   input; the embeddings keep their int64 indices (`8` bytes per table). `forward_memory_bytes` =
//!   2 × kept + output (our estimate; the embedding lookup also reads 26 rows, which are weights).

use serde::{Deserialize, Serialize};
use sim_core::collective::CollectiveKind;
use sim_core::training::{ActivationBytes, Layer, LayerCollective, TrainingJob};

/// Bytes of a 16-bit element.
const B16: f64 = 2.0;

/// Rows of the 26 Criteo-1TB embedding tables as the MLPerf Training recommendation reference
/// (TorchRec DLRM, `--num_embeddings_per_feature`) sets them: the day-0–23 cardinalities capped at
/// 40 M rows (the earlier dot-interaction benchmark used the same cap, `--max-ind-range=40000000`).
/// 204 184 588 rows, 26.1 G parameters at dimension 128.
pub const MLPERF_CRITEO_1TB_ROWS: [u64; 26] = [
    40_000_000, 39_060, 17_295, 7_424, 20_265, 3, 7_122, 1_543, 63, 40_000_000, 3_067_956, 405_282, 10, 2_209, 11_938,
    155, 4, 976, 14, 40_000_000, 40_000_000, 40_000_000, 590_152, 12_973, 108, 36,
];

/// A DLRM with dot interaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DlrmConfig {
    /// Model name (`"dlrm"`).
    pub name: String,
    /// Dense (numerical) input features (13 for Criteo).
    pub dense_features: u64,
    /// Output widths of the bottom MLP's linear layers; the last must equal `embedding_dim`.
    pub bottom_mlp: Vec<u64>,
    /// Width of every embedding row.
    pub embedding_dim: u64,
    /// Rows of each embedding table, one table per categorical feature.
    pub table_rows: Vec<u64>,
    /// Output widths of the top MLP's linear layers (its input is
    /// [`DlrmConfig::top_mlp_input`] wide).
    pub top_mlp: Vec<u64>,
}

impl DlrmConfig {
    /// The MLPerf Training DLRM on Criteo 1TB: bottom MLP 13-512-256-128, 26 tables of dimension 128
    /// with [`MLPERF_CRITEO_1TB_ROWS`] rows, dot interaction, top MLP 479-1024-1024-512-256-1.
    pub fn mlperf_criteo_1tb() -> Self {
        DlrmConfig {
            name: "dlrm".to_string(),
            dense_features: 13,
            bottom_mlp: vec![512, 256, 128],
            embedding_dim: 128,
            table_rows: MLPERF_CRITEO_1TB_ROWS.to_vec(),
            top_mlp: vec![1024, 1024, 512, 256, 1],
        }
    }

    /// Vectors entering the interaction: the bottom-MLP output and one per table.
    pub fn interaction_vectors(&self) -> u64 {
        self.table_rows.len() as u64 + 1
    }

    /// Pairwise dot products without self-interactions: `n·(n−1)/2` for `n` vectors (351).
    pub fn interaction_outputs(&self) -> u64 {
        let n = self.interaction_vectors();
        n * (n - 1) / 2
    }

    /// Width of the top MLP's input: the bottom-MLP output and the dot products (128 + 351 = 479).
    pub fn top_mlp_input(&self) -> u64 {
        self.bottom_mlp.last().copied().unwrap_or(self.dense_features) + self.interaction_outputs()
    }

    /// Embedding-table parameters: `Σ rows · dim`.
    pub fn embedding_parameters(&self) -> u64 {
        self.table_rows.iter().sum::<u64>() * self.embedding_dim
    }

    /// Trainable parameters (the sum over [`DlrmConfig::layers`]).
    pub fn parameters(&self) -> u64 {
        self.layers().iter().map(|l| l.parameters).sum()
    }

    /// Checks that the bottom MLP ends at the embedding width (the dot interaction needs it) and
    /// that there is at least one table and one top layer.
    ///
    /// # Errors
    /// [`super::DnnError::BadField`] naming the field.
    pub fn validate(&self) -> Result<(), super::DnnError> {
        let bad = |field: &'static str, message: String| super::DnnError::BadField {
            model: self.name.clone(),
            field,
            message,
        };
        if self.bottom_mlp.last() != Some(&self.embedding_dim) {
            return Err(bad("bottom_mlp", format!("must end at embedding_dim {}", self.embedding_dim)));
        }
        if self.table_rows.is_empty() {
            return Err(bad("table_rows", "a DLRM needs at least one table".into()));
        }
        if self.top_mlp.is_empty() {
            return Err(bad("top_mlp", "a DLRM needs a top MLP".into()));
        }
        Ok(())
    }

    /// The layers per sample: `embeddings`, `bottom_mlp`, `interaction`, `top_mlp` (see the module
    /// docs).
    pub fn layers(&self) -> Vec<Layer> {
        let tables = self.table_rows.len() as f64;
        let dim = self.embedding_dim as f64;
        let lookups = B16 * tables * dim;
        let layer = |name: &str, flops: f64, parameters: u64, kept: f64, input: f64, output: f64| Layer {
            name: name.to_string(),
            forward_flops: flops,
            backward_flops: 2.0 * flops,
            attention_flops: 0.0,
            forward_memory_bytes: 2.0 * kept + output,
            parameters,
            tensor_parallel: false,
            data_parallel_gradients: true,
            activations: ActivationBytes { replicated: kept, split: 0.0, attention: 0.0, input },
            output_bytes: output,
            forward_collectives: Vec::new(),
            backward_collectives: Vec::new(),
            fixed_times: None,
            gradient_collective: None,
        };

        let all_to_all = LayerCollective { kind: CollectiveKind::AllToAll, bytes: lookups };
        let indices = 8.0 * tables;
        let embeddings = Layer {
            tensor_parallel: true,
            data_parallel_gradients: false,
            forward_collectives: vec![all_to_all],
            backward_collectives: vec![all_to_all],
            ..layer("embeddings", 0.0, self.embedding_parameters(), indices, indices, lookups)
        };

        let bottom = mlp(self.dense_features, &self.bottom_mlp);
        let bottom_out = self.bottom_mlp.last().copied().unwrap_or(self.dense_features);
        let n = self.interaction_vectors() as f64;
        let z = B16 * n * dim;
        let top_in = self.top_mlp_input();
        let top = mlp(top_in, &self.top_mlp);
        let top_out = self.top_mlp.last().copied().unwrap_or(top_in);
        vec![
            embeddings,
            layer(
                "bottom_mlp",
                bottom.flops,
                bottom.parameters,
                bottom.kept,
                B16 * self.dense_features as f64,
                B16 * bottom_out as f64,
            ),
            layer("interaction", 2.0 * n * n * dim, 0, z, z, B16 * top_in as f64),
            layer("top_mlp", top.flops, top.parameters, top.kept, B16 * top_in as f64, B16 * top_out as f64),
        ]
    }

    /// A training job of `global_batch` samples per iteration: 16-bit weights and gradients (2 + 2
    /// bytes per parameter) and 4 bytes of fp32 master weights for plain SGD, the MLPerf reference's
    /// optimizer for the dot-interaction DLRM (an assumption about precision: the reference trains in
    /// fp32, NVIDIA's submissions in mixed precision).
    pub fn job(&self, global_batch: u64) -> TrainingJob {
        TrainingJob::mixed_precision(self.name.clone(), self.layers(), global_batch, 1, 4)
    }
}

/// Cost of an MLP of linear layers with biases.
struct Mlp {
    flops: f64,
    parameters: u64,
    /// Each layer's input and the last output, 16-bit [bytes].
    kept: f64,
}

fn mlp(input: u64, widths: &[u64]) -> Mlp {
    let (mut flops, mut parameters, mut kept, mut c) = (0.0, 0, 0.0, input);
    for &w in widths {
        flops += 2.0 * (c * w) as f64;
        parameters += c * w + w;
        kept += B16 * c as f64;
        c = w;
    }
    Mlp { flops, parameters, kept: kept + B16 * c as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlperf_dlrm_has_the_published_shape() {
        let d = DlrmConfig::mlperf_criteo_1tb();
        d.validate().unwrap();
        assert_eq!(d.table_rows.len(), 26);
        assert_eq!(d.interaction_outputs(), 351);
        assert_eq!(d.top_mlp_input(), 479);
        assert_eq!(d.table_rows.iter().sum::<u64>(), 204_184_588);
        let layers = d.layers();
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["embeddings", "bottom_mlp", "interaction", "top_mlp"]);
        // 13·512+512 + 512·256+256 + 256·128+128; 479·1024+1024 + 1024·1024+1024 + 1024·512+512 +
        // 512·256+256 + 256+1.
        assert_eq!(layers[1].parameters, 171_392);
        assert_eq!(layers[3].parameters, 2_197_505);
        assert_eq!(layers[0].parameters, 204_184_588 * 128);
        assert_eq!(d.parameters(), 204_184_588 * 128 + 171_392 + 2_197_505);
        assert_eq!(layers[1].forward_flops, 2.0 * (13 * 512 + 512 * 256 + 256 * 128) as f64);
        assert_eq!(layers[2].forward_flops, 2.0 * 27.0 * 27.0 * 128.0);
    }

    #[test]
    fn embeddings_are_model_parallel_with_all_to_alls() {
        let layers = DlrmConfig::mlperf_criteo_1tb().layers();
        let e = &layers[0];
        assert!(e.tensor_parallel && !e.data_parallel_gradients);
        let a2a = LayerCollective { kind: CollectiveKind::AllToAll, bytes: 26.0 * 128.0 * 2.0 };
        assert_eq!(e.forward_collectives, vec![a2a]);
        assert_eq!(e.backward_collectives, vec![a2a]);
        assert_eq!(e.output_bytes, 6656.0);
        for l in &layers[1..] {
            assert!(!l.tensor_parallel && l.data_parallel_gradients && l.forward_collectives.is_empty());
        }
    }

    #[test]
    fn inconsistent_configs_are_reported_not_panicked_on() {
        let mut d = DlrmConfig::mlperf_criteo_1tb();
        d.bottom_mlp = vec![512, 64];
        assert!(matches!(d.validate(), Err(crate::dnn::DnnError::BadField { field: "bottom_mlp", .. })));
        d.bottom_mlp.clear();
        d.table_rows.clear();
        d.top_mlp.clear();
        assert!(d.validate().is_err());
        assert_eq!(d.layers().len(), 4);
    }
}
