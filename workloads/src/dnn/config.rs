//! Transformer architectures: [`TransformerConfig`], its parser for Hugging Face `config.json`
//! text, and the built-in configurations.
//!
//! The 8 Hugging Face configs are embedded from `workloads/data/dnn_models/hf_config/` ([`HF_CONFIGS`];
//! origin and licence in that folder's `README.md`). GPT-3 175B and the GPT models of Megatron-LM's
//! Table 1 are written out here, since they have no public `config.json`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DnnError;

/// The feed-forward (MLP) block of a transformer layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FfnKind {
    /// Two matrices `h → ffn → h` with an element-wise activation between (GELU in GPT and BERT).
    Gelu,
    /// Three matrices: `down(silu(gate(x)) ⊙ up(x))`, `gate` and `up` `h → ffn`, `down` `ffn → h`
    /// (Llama, Qwen2; Shazeer, "GLU Variants Improve Transformer", 2020).
    SwiGlu,
}

/// The normalisation layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormKind {
    /// LayerNorm with gain and bias: `2·h` parameters.
    LayerNorm,
    /// RMSNorm, gain only: `h` parameters (Zhang & Sennrich 2019; Llama, Qwen2).
    RmsNorm,
}

/// Where the normalisations sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormPlacement {
    /// Before each sub-layer, plus a final norm before the LM head (GPT-2, GPT-3, Llama, Qwen2).
    Pre,
    /// After each residual sum, plus a norm after the embeddings and none at the end (BERT).
    Post,
}

/// Which linear layers of a block carry a bias vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinearBiases {
    /// Query, key and value projections (`q_dim + 2·kv_dim` parameters).
    pub qkv: bool,
    /// The attention output projection (`h` parameters).
    pub attention_output: bool,
    /// Every MLP matrix (`ffn + h` for [`FfnKind::Gelu`], `2·ffn + h` for [`FfnKind::SwiGlu`]).
    pub mlp: bool,
}

impl LinearBiases {
    /// Every linear layer has a bias (GPT-2, GPT-3, BERT).
    pub const ALL: LinearBiases = LinearBiases { qkv: true, attention_output: true, mlp: true };
    /// No linear layer has a bias (Llama).
    pub const NONE: LinearBiases = LinearBiases { qkv: false, attention_output: false, mlp: false };
    /// Biases on the query, key and value projections only (Qwen2).
    pub const QKV_ONLY: LinearBiases = LinearBiases { qkv: true, attention_output: false, mlp: false };
}

/// What sits on top of the last block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LmHead {
    /// A projection `h → vocab` without bias (GPT, Llama, Qwen2): next-token prediction.
    CausalLm,
    /// BERT's masked-LM head (`BertForMaskedLM`): a dense `h → h` with bias, GELU and LayerNorm,
    /// then the projection `h → vocab` with a bias of `vocab` entries. BERT's pooler (`h·h + h`, used
    /// for next-sentence prediction and classification, absent from `BertForMaskedLM`) is not counted.
    MaskedLm,
}

/// A transformer language model's architecture, enough to count its parameters, FLOPs and
/// activation memory exactly ([`TransformerConfig::layers`]).
///
/// Build one with [`TransformerConfig::from_hf_json`], [`builtin`], or by hand and check it with
/// [`TransformerConfig::validate`] (the `Deserialize` impl does not validate).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerConfig {
    /// Model name (`"llama-2-7b"`).
    pub name: String,
    /// Transformer blocks `l` (`num_hidden_layers`, GPT-2 `n_layer`).
    pub num_layers: u64,
    /// Hidden size `h` (`hidden_size`, GPT-2 `n_embd`).
    pub hidden: u64,
    /// MLP width (`intermediate_size`, GPT-2 `n_inner`, `4·h` when null).
    pub ffn: u64,
    /// Attention (query) heads `a`.
    pub heads: u64,
    /// Key/value heads (grouped-query attention); `heads` for multi-head attention.
    pub kv_heads: u64,
    /// Size of one head (`head_dim`, default `h / heads`).
    pub head_dim: u64,
    /// Vocabulary size `V`, as the embedding table has it (Megatron pads GPT-2's 50 257 to 51 200).
    pub vocab: u64,
    /// Tokens per training sample `s` (context length used for training); from a Hugging Face
    /// config, `max_position_embeddings` (GPT-2 `n_positions`).
    pub sequence: u64,
    /// The MLP block.
    pub ffn_kind: FfnKind,
    /// The normalisation layers.
    pub norm: NormKind,
    /// Where they sit.
    pub norm_placement: NormPlacement,
    /// Which linear layers have biases.
    pub biases: LinearBiases,
    /// Whether the LM head reuses the input embedding matrix (GPT-2, GPT-3, BERT) instead of its own
    /// `vocab × h` matrix (Llama, Qwen2).
    pub tied_embeddings: bool,
    /// Rows of the learned position-embedding table (GPT-2 1 024, BERT 512, GPT-3 2 048); 0 for
    /// rotary positions (Llama, Qwen2), which have no parameters.
    pub position_embeddings: u64,
    /// Rows of BERT's token-type (segment) embedding table (`type_vocab_size`, 2); 0 if none.
    pub token_types: u64,
    /// What sits on top of the last block.
    pub head: LmHead,
    /// Whether training applies dropout (GPT-2, GPT-3, BERT: probability 0.1; Llama and Qwen2: 0),
    /// which keeps one-byte masks for the backward pass ([`TransformerConfig::layers`]).
    pub dropout: bool,
}

/// The embedded Hugging Face configs as `(zoo name, config.json text)`, from
/// `workloads/data/dnn_models/hf_config/` (copied from the Hugging Face Hub model repositories;
/// architecture facts, no weights; see that folder's `README.md`).
pub const HF_CONFIGS: [(&str, &str); 8] = [
    ("llama-2-7b", include_str!("../../data/dnn_models/hf_config/meta-llama_Llama-2-7b-hf.config.json")),
    ("llama-2-13b", include_str!("../../data/dnn_models/hf_config/meta-llama_Llama-2-13b-hf.config.json")),
    ("llama-2-70b", include_str!("../../data/dnn_models/hf_config/meta-llama_Llama-2-70b-hf.config.json")),
    ("llama-3-8b", include_str!("../../data/dnn_models/hf_config/meta-llama_Meta-Llama-3-8B.config.json")),
    ("gpt2", include_str!("../../data/dnn_models/hf_config/gpt2.config.json")),
    ("bert-base", include_str!("../../data/dnn_models/hf_config/bert-base-uncased.config.json")),
    ("bert-large", include_str!("../../data/dnn_models/hf_config/bert-large-uncased.config.json")),
    ("qwen2-72b", include_str!("../../data/dnn_models/hf_config/Qwen_Qwen2-72B.config.json")),
];

/// Training sequence length of the built-in `qwen2-72b` [tokens]: its config's
/// `max_position_embeddings` is 131 072, but Qwen2 was pre-trained at 4 096 tokens and extended to
/// 32 768 only at the end (Yang et al., "Qwen2 Technical Report", 2024, §3.2; recalled).
pub const QWEN2_PRETRAINING_SEQUENCE: u64 = 4096;

/// The GPT models of Megatron-LM's weak-scaling table as `(zoo name, heads, hidden, layers,
/// published parameters [billions])`: Narayanan et al., "Efficient Large-Scale Language Model
/// Training on GPU Clusters Using Megatron-LM", SC'21, Table 1 (recalled; the dimensions reproduce
/// the published parameter column through the paper's own formula, checked by the tests). All use
/// sequence 2 048 and vocabulary 51 200.
pub const MEGATRON_TABLE1: [(&str, u64, u64, u64, f64); 10] = [
    ("megatron-1.7b", 24, 2304, 24, 1.7),
    ("megatron-3.6b", 32, 3072, 30, 3.6),
    ("megatron-7.5b", 32, 4096, 36, 7.5),
    ("megatron-18.4b", 48, 6144, 40, 18.4),
    ("megatron-39.1b", 64, 8192, 48, 39.1),
    ("megatron-76.1b", 80, 10240, 60, 76.1),
    ("megatron-145.6b", 96, 12288, 80, 145.6),
    ("megatron-310.1b", 128, 16384, 96, 310.1),
    ("megatron-529.6b", 128, 20480, 105, 529.6),
    ("megatron-1t", 160, 25600, 128, 1008.0),
];

/// Megatron-LM's vocabulary: GPT-2's 50 257 BPE tokens padded to a multiple of 1 024 (so that it
/// divides across tensor-parallel ranks) = 51 200.
pub const MEGATRON_VOCAB: u64 = 51_200;

impl TransformerConfig {
    /// A GPT-3-style model as Megatron-LM trains it: 4h GELU MLP, LayerNorm (pre-norm), biases on
    /// every linear layer, learned positions for `sequence` tokens, embeddings tied to the LM head,
    /// dropout, vocabulary [`MEGATRON_VOCAB`].
    pub fn megatron_gpt(name: &str, num_layers: u64, hidden: u64, heads: u64, sequence: u64) -> Self {
        TransformerConfig {
            name: name.to_string(),
            num_layers,
            hidden,
            ffn: 4 * hidden,
            heads,
            kv_heads: heads,
            head_dim: hidden.checked_div(heads).unwrap_or(0),
            vocab: MEGATRON_VOCAB,
            sequence,
            ffn_kind: FfnKind::Gelu,
            norm: NormKind::LayerNorm,
            norm_placement: NormPlacement::Pre,
            biases: LinearBiases::ALL,
            tied_embeddings: true,
            position_embeddings: sequence,
            token_types: 0,
            head: LmHead::CausalLm,
            dropout: true,
        }
    }

    /// GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, hidden 12 288, 96 heads of 128, sequence
    /// 2 048, with Megatron's padded vocabulary 51 200 ([`TransformerConfig::megatron_gpt`]).
    pub fn gpt3_175b() -> Self {
        Self::megatron_gpt("gpt3-175b", 96, 12288, 96, 2048)
    }

    /// The same model trained on `sequence` tokens per sample.
    ///
    /// # Errors
    /// [`DnnError::BadField`] (`sequence`) if `sequence` is 0 or exceeds a learned position table.
    pub fn with_sequence(mut self, sequence: u64) -> Result<Self, DnnError> {
        self.sequence = sequence;
        self.validate()?;
        Ok(self)
    }

    /// Checks that the dimensions are consistent.
    ///
    /// # Errors
    /// [`DnnError::BadField`] naming the field: a zero dimension, `heads` not a multiple of
    /// `kv_heads`, or `sequence` longer than the learned position table.
    pub fn validate(&self) -> Result<(), DnnError> {
        let bad =
            |field: &'static str, message: String| DnnError::BadField { model: self.name.clone(), field, message };
        let dims = [
            ("num_layers", self.num_layers),
            ("hidden", self.hidden),
            ("ffn", self.ffn),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("head_dim", self.head_dim),
            ("vocab", self.vocab),
            ("sequence", self.sequence),
        ];
        for (field, v) in dims {
            if v == 0 {
                return Err(bad(field, "must be positive".into()));
            }
        }
        if self.heads % self.kv_heads != 0 {
            return Err(bad("kv_heads", format!("{} query heads are not a multiple of {}", self.heads, self.kv_heads)));
        }
        if self.position_embeddings > 0 && self.sequence > self.position_embeddings {
            return Err(bad(
                "sequence",
                format!("{} tokens exceed the {} learned positions", self.sequence, self.position_embeddings),
            ));
        }
        Ok(())
    }

    /// Reads a Hugging Face `config.json` (GPT-2, BERT, Llama or Qwen2 `model_type`) and names the
    /// model `name`.
    ///
    /// Keys read, by `model_type`:
    /// - `gpt2`: `n_layer`, `n_embd`, `n_head`, `n_positions` (else `n_ctx`), `n_inner` (null or
    ///   absent: `4·n_embd`), `vocab_size`, `activation_function` (a GELU), `tie_word_embeddings`
    ///   (default true), `attn_pdrop`/`resid_pdrop`/`embd_pdrop` (default 0.1). LayerNorm, pre-norm,
    ///   biases everywhere, learned positions.
    /// - `bert`: `num_hidden_layers`, `hidden_size`, `num_attention_heads`, `intermediate_size`,
    ///   `vocab_size`, `max_position_embeddings`, `type_vocab_size` (default 2), `hidden_act` (a GELU),
    ///   `position_embedding_type` (must be absent or `absolute`), `tie_word_embeddings` (default
    ///   true), `attention_probs_dropout_prob`/`hidden_dropout_prob` (default 0.1). LayerNorm,
    ///   post-norm, biases everywhere, the masked-LM head.
    /// - `llama`: `num_hidden_layers`, `hidden_size`, `intermediate_size`, `num_attention_heads`,
    ///   `num_key_value_heads` (default: heads), `head_dim` (default `h / heads`), `vocab_size`,
    ///   `max_position_embeddings`, `hidden_act` (`silu`), `tie_word_embeddings` (default false),
    ///   `attention_bias` (q, k, v and o biases; default false), `mlp_bias` (default false),
    ///   `attention_dropout` (default 0). RMSNorm, pre-norm, rotary positions.
    /// - `qwen2`: as `llama`, but q, k and v always have biases and o and the MLP never do
    ///   (`Qwen2Attention` in Hugging Face transformers).
    ///
    /// The training sequence is the context length (`max_position_embeddings`, GPT-2
    /// `n_positions`); change it with [`TransformerConfig::with_sequence`].
    ///
    /// # Errors
    /// [`DnnError::Json`] if `text` is not JSON, [`DnnError::UnsupportedModelType`],
    /// [`DnnError::MissingField`] or [`DnnError::BadField`] naming the key, or a failed
    /// [`TransformerConfig::validate`].
    pub fn from_hf_json(name: &str, text: &str) -> Result<Self, DnnError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| DnnError::Json { model: name.to_string(), message: e.to_string() })?;
        let Some(obj) = value.as_object() else {
            return Err(DnnError::BadField {
                model: name.to_string(),
                field: "(root)",
                message: "a config must be a JSON object".into(),
            });
        };
        let hf = Hf { model: name, obj };
        let model_type = hf.string("model_type")?;
        let config = match model_type.as_str() {
            "gpt2" => hf.gpt2()?,
            "bert" => hf.bert()?,
            "llama" => hf.llama(false)?,
            "qwen2" => hf.llama(true)?,
            other => {
                return Err(DnnError::UnsupportedModelType { model: name.to_string(), model_type: other.to_string() })
            }
        };
        config.validate()?;
        Ok(config)
    }
}

/// The built-in transformer `name`: one of the first 19 entries of [`super::ZOO`] (the Hugging Face
/// configs of [`HF_CONFIGS`], with `qwen2-72b` at [`QWEN2_PRETRAINING_SEQUENCE`] tokens;
/// `gpt3-175b`; the [`MEGATRON_TABLE1`] models).
///
/// # Errors
/// [`DnnError::UnknownModel`] for any other name.
pub fn builtin(name: &str) -> Result<TransformerConfig, DnnError> {
    if let Some((_, text)) = HF_CONFIGS.iter().find(|(n, _)| *n == name) {
        let config = TransformerConfig::from_hf_json(name, text)?;
        return if name == "qwen2-72b" { config.with_sequence(QWEN2_PRETRAINING_SEQUENCE) } else { Ok(config) };
    }
    if name == "gpt3-175b" {
        return Ok(TransformerConfig::gpt3_175b());
    }
    if let Some(&(n, heads, hidden, layers, _)) = MEGATRON_TABLE1.iter().find(|row| row.0 == name) {
        return Ok(TransformerConfig::megatron_gpt(n, layers, hidden, heads, 2048));
    }
    Err(DnnError::UnknownModel { name: name.to_string() })
}

/// Typed access to one config object, with errors naming the key.
struct Hf<'a> {
    model: &'a str,
    obj: &'a Map<String, Value>,
}

impl Hf<'_> {
    fn bad(&self, field: &'static str, message: String) -> DnnError {
        DnnError::BadField { model: self.model.to_string(), field, message }
    }

    fn missing(&self, field: &'static str) -> DnnError {
        DnnError::MissingField { model: self.model.to_string(), field }
    }

    /// The value of `field`, `None` if absent or null.
    fn get(&self, field: &'static str) -> Option<&Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    fn opt_uint(&self, field: &'static str) -> Result<Option<u64>, DnnError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| self.bad(field, format!("expected a whole number, got {v}"))),
        }
    }

    fn uint(&self, field: &'static str) -> Result<u64, DnnError> {
        self.opt_uint(field)?.ok_or_else(|| self.missing(field))
    }

    fn opt_bool(&self, field: &'static str) -> Result<Option<bool>, DnnError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| self.bad(field, format!("expected true or false, got {v}"))),
        }
    }

    fn opt_f64(&self, field: &'static str) -> Result<Option<f64>, DnnError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| self.bad(field, format!("expected a number, got {v}"))),
        }
    }

    fn opt_string(&self, field: &'static str) -> Result<Option<String>, DnnError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.bad(field, format!("expected a string, got {v}"))),
        }
    }

    fn string(&self, field: &'static str) -> Result<String, DnnError> {
        self.opt_string(field)?.ok_or_else(|| self.missing(field))
    }

    /// Whether any of the dropout probabilities (each `default` when absent) is positive.
    fn dropout(&self, fields: &[&'static str], default: f64) -> Result<bool, DnnError> {
        for &f in fields {
            if self.opt_f64(f)?.unwrap_or(default) > 0.0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Checks that the activation `field` (default `default`) is a GELU variant.
    fn expect_gelu(&self, field: &'static str, default: &str) -> Result<(), DnnError> {
        let act = self.opt_string(field)?.unwrap_or_else(|| default.to_string());
        if act.starts_with("gelu") {
            Ok(())
        } else {
            Err(self.bad(field, format!("expected a GELU activation, got {act:?}")))
        }
    }

    fn heads_dim(&self, hidden: u64, heads: u64) -> Result<u64, DnnError> {
        if heads == 0 || hidden % heads != 0 {
            return Err(self.bad("num_attention_heads", format!("{heads} heads do not divide hidden size {hidden}")));
        }
        Ok(hidden / heads)
    }

    fn gpt2(&self) -> Result<TransformerConfig, DnnError> {
        let hidden = self.uint("n_embd")?;
        let heads = self.uint("n_head")?;
        if heads == 0 || hidden % heads != 0 {
            return Err(self.bad("n_head", format!("{heads} heads do not divide n_embd {hidden}")));
        }
        let positions = match self.opt_uint("n_positions")? {
            Some(p) => p,
            None => self.opt_uint("n_ctx")?.ok_or_else(|| self.missing("n_positions"))?,
        };
        self.expect_gelu("activation_function", "gelu_new")?;
        Ok(TransformerConfig {
            name: self.model.to_string(),
            num_layers: self.uint("n_layer")?,
            hidden,
            ffn: self.opt_uint("n_inner")?.unwrap_or(4 * hidden),
            heads,
            kv_heads: heads,
            head_dim: hidden / heads,
            vocab: self.uint("vocab_size")?,
            sequence: positions,
            ffn_kind: FfnKind::Gelu,
            norm: NormKind::LayerNorm,
            norm_placement: NormPlacement::Pre,
            biases: LinearBiases::ALL,
            tied_embeddings: self.opt_bool("tie_word_embeddings")?.unwrap_or(true),
            position_embeddings: positions,
            token_types: 0,
            head: LmHead::CausalLm,
            dropout: self.dropout(&["attn_pdrop", "resid_pdrop", "embd_pdrop"], 0.1)?,
        })
    }

    fn bert(&self) -> Result<TransformerConfig, DnnError> {
        let hidden = self.uint("hidden_size")?;
        let heads = self.uint("num_attention_heads")?;
        let head_dim = self.heads_dim(hidden, heads)?;
        let positions = self.uint("max_position_embeddings")?;
        self.expect_gelu("hidden_act", "gelu")?;
        if let Some(kind) = self.opt_string("position_embedding_type")? {
            if kind != "absolute" {
                return Err(
                    self.bad("position_embedding_type", format!("only \"absolute\" is supported, got {kind:?}"))
                );
            }
        }
        Ok(TransformerConfig {
            name: self.model.to_string(),
            num_layers: self.uint("num_hidden_layers")?,
            hidden,
            ffn: self.uint("intermediate_size")?,
            heads,
            kv_heads: heads,
            head_dim,
            vocab: self.uint("vocab_size")?,
            sequence: positions,
            ffn_kind: FfnKind::Gelu,
            norm: NormKind::LayerNorm,
            norm_placement: NormPlacement::Post,
            biases: LinearBiases::ALL,
            tied_embeddings: self.opt_bool("tie_word_embeddings")?.unwrap_or(true),
            position_embeddings: positions,
            token_types: self.opt_uint("type_vocab_size")?.unwrap_or(2),
            head: LmHead::MaskedLm,
            dropout: self.dropout(&["attention_probs_dropout_prob", "hidden_dropout_prob"], 0.1)?,
        })
    }

    /// Llama, or Qwen2 if `qwen2` (q/k/v biases, nothing else).
    fn llama(&self, qwen2: bool) -> Result<TransformerConfig, DnnError> {
        let hidden = self.uint("hidden_size")?;
        let heads = self.uint("num_attention_heads")?;
        let head_dim = match self.opt_uint("head_dim")? {
            Some(d) => d,
            None => self.heads_dim(hidden, heads)?,
        };
        let act = self.opt_string("hidden_act")?.unwrap_or_else(|| "silu".to_string());
        if act != "silu" {
            return Err(self.bad("hidden_act", format!("expected \"silu\" (SwiGLU), got {act:?}")));
        }
        let biases = if qwen2 {
            LinearBiases::QKV_ONLY
        } else {
            let attention = self.opt_bool("attention_bias")?.unwrap_or(false);
            LinearBiases {
                qkv: attention,
                attention_output: attention,
                mlp: self.opt_bool("mlp_bias")?.unwrap_or(false),
            }
        };
        let positions = self.uint("max_position_embeddings")?;
        Ok(TransformerConfig {
            name: self.model.to_string(),
            num_layers: self.uint("num_hidden_layers")?,
            hidden,
            ffn: self.uint("intermediate_size")?,
            heads,
            kv_heads: self.opt_uint("num_key_value_heads")?.unwrap_or(heads),
            head_dim,
            vocab: self.uint("vocab_size")?,
            sequence: positions,
            ffn_kind: FfnKind::SwiGlu,
            norm: NormKind::RmsNorm,
            norm_placement: NormPlacement::Pre,
            biases,
            tied_embeddings: self.opt_bool("tie_word_embeddings")?.unwrap_or(false),
            position_embeddings: 0,
            token_types: 0,
            head: LmHead::CausalLm,
            dropout: self.dropout(&["attention_dropout"], 0.0)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_config_parses_with_its_published_shape() {
        // (name, layers, hidden, ffn, heads, kv_heads, vocab, sequence, tied)
        let expected = [
            ("llama-2-7b", 32, 4096, 11008, 32, 32, 32000, 4096, false),
            ("llama-2-13b", 40, 5120, 13824, 40, 40, 32000, 4096, false),
            ("llama-2-70b", 80, 8192, 28672, 64, 8, 32000, 4096, false),
            ("llama-3-8b", 32, 4096, 14336, 32, 8, 128256, 8192, false),
            ("gpt2", 12, 768, 3072, 12, 12, 50257, 1024, true),
            ("bert-base", 12, 768, 3072, 12, 12, 30522, 512, true),
            ("bert-large", 24, 1024, 4096, 16, 16, 30522, 512, true),
            ("qwen2-72b", 80, 8192, 29568, 64, 8, 152064, 4096, false),
        ];
        assert_eq!(expected.len(), HF_CONFIGS.len());
        for (name, layers, hidden, ffn, heads, kv, vocab, seq, tied) in expected {
            let c = builtin(name).unwrap();
            let got = (c.num_layers, c.hidden, c.ffn, c.heads, c.kv_heads, c.vocab, c.sequence, c.tied_embeddings);
            assert_eq!(got, (layers, hidden, ffn, heads, kv, vocab, seq, tied), "{name}");
            assert_eq!(c.head_dim * c.heads, c.hidden, "{name}");
        }
        let qwen = TransformerConfig::from_hf_json("q", HF_CONFIGS[7].1).unwrap();
        assert_eq!((qwen.sequence, qwen.biases), (131072, LinearBiases::QKV_ONLY));
        let bert = builtin("bert-base").unwrap();
        assert_eq!(
            (bert.norm_placement, bert.head, bert.token_types, bert.position_embeddings),
            (NormPlacement::Post, LmHead::MaskedLm, 2, 512)
        );
        let llama = builtin("llama-2-7b").unwrap();
        assert_eq!(
            (llama.ffn_kind, llama.norm, llama.biases, llama.dropout),
            (FfnKind::SwiGlu, NormKind::RmsNorm, LinearBiases::NONE, false)
        );
        let gpt2 = builtin("gpt2").unwrap();
        assert_eq!((gpt2.biases, gpt2.dropout, gpt2.position_embeddings), (LinearBiases::ALL, true, 1024));
    }

    #[test]
    fn megatron_and_gpt3_have_their_published_dimensions() {
        let g = builtin("gpt3-175b").unwrap();
        assert_eq!(
            (g.num_layers, g.hidden, g.heads, g.head_dim, g.sequence, g.vocab, g.ffn),
            (96, 12288, 96, 128, 2048, 51200, 49152)
        );
        assert!(g.tied_embeddings && g.dropout && g.position_embeddings == 2048);
        let t = builtin("megatron-1t").unwrap();
        assert_eq!((t.num_layers, t.hidden, t.heads, t.sequence, t.vocab), (128, 25600, 160, 2048, 51200));
        for (name, ..) in MEGATRON_TABLE1 {
            builtin(name).unwrap().validate().unwrap();
        }
    }

    #[test]
    fn gpt2_n_inner_null_means_4h_and_a_value_is_used() {
        let text = |inner: &str| {
            format!(
                r#"{{"model_type":"gpt2","n_layer":2,"n_embd":64,"n_head":4,"n_positions":128,"vocab_size":100,"n_inner":{inner}}}"#
            )
        };
        assert_eq!(TransformerConfig::from_hf_json("t", &text("null")).unwrap().ffn, 256);
        assert_eq!(TransformerConfig::from_hf_json("t", &text("100")).unwrap().ffn, 100);
        // n_ctx stands in for a missing n_positions.
        let ctx = r#"{"model_type":"gpt2","n_layer":2,"n_embd":64,"n_head":4,"n_ctx":32,"vocab_size":100}"#;
        assert_eq!(TransformerConfig::from_hf_json("t", ctx).unwrap().sequence, 32);
    }

    #[test]
    fn bad_configs_are_errors_naming_the_field() {
        let parse = |text: &str| TransformerConfig::from_hf_json("m", text).unwrap_err();
        assert!(matches!(parse("{not json"), DnnError::Json { .. }));
        assert!(matches!(parse("[1, 2]"), DnnError::BadField { field: "(root)", .. }));
        assert_eq!(parse("{}"), DnnError::MissingField { model: "m".into(), field: "model_type" });
        assert_eq!(
            parse(r#"{"model_type":"t5"}"#),
            DnnError::UnsupportedModelType { model: "m".into(), model_type: "t5".into() }
        );
        let llama = HF_CONFIGS[0].1;
        let without = llama.replace("\"hidden_size\": 4096,", "");
        assert_eq!(parse(&without), DnnError::MissingField { model: "m".into(), field: "hidden_size" });
        let string = llama.replace("\"hidden_size\": 4096", "\"hidden_size\": \"4096\"");
        assert!(matches!(parse(&string), DnnError::BadField { field: "hidden_size", .. }));
        let negative = llama.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": -32");
        assert!(matches!(parse(&negative), DnnError::BadField { field: "num_hidden_layers", .. }));
        let zero = llama.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": 0");
        assert!(matches!(parse(&zero), DnnError::BadField { field: "num_layers", .. }));
        let gqa = llama.replace("\"num_key_value_heads\": 32", "\"num_key_value_heads\": 5");
        assert!(matches!(parse(&gqa), DnnError::BadField { field: "kv_heads", .. }));
        let relu = llama.replace("\"silu\"", "\"relu\"");
        assert!(matches!(parse(&relu), DnnError::BadField { field: "hidden_act", .. }));
        let gpt2 = HF_CONFIGS[4].1.replace("\"n_embd\": 768", "\"n_embd\": 770");
        assert!(matches!(parse(&gpt2), DnnError::BadField { field: "n_head", .. }));
        let bert = HF_CONFIGS[5].1.replace("\"absolute\"", "\"relative_key\"");
        assert!(matches!(parse(&bert), DnnError::BadField { field: "position_embedding_type", .. }));
        let e = parse(&without).to_string();
        assert_eq!(e, "m: missing field `hidden_size`");
    }

    #[test]
    fn with_sequence_respects_learned_positions() {
        let gpt2 = builtin("gpt2").unwrap();
        assert_eq!(gpt2.clone().with_sequence(512).unwrap().sequence, 512);
        assert!(matches!(gpt2.with_sequence(2048), Err(DnnError::BadField { field: "sequence", .. })));
        assert_eq!(builtin("llama-2-7b").unwrap().with_sequence(32768).unwrap().sequence, 32768);
    }

    #[test]
    fn llama_attention_bias_flag_is_read() {
        let text = HF_CONFIGS[3].1.replace("\"attention_bias\": false", "\"attention_bias\": true");
        let c = TransformerConfig::from_hf_json("m", &text).unwrap();
        assert_eq!(c.biases, LinearBiases { qkv: true, attention_output: true, mlp: false });
    }
}
