//! DNN training runs (data, tensor and pipeline parallelism): the result types and their text renderers.
//!
//! A [`DnnReport`] holds one [`DnnVariantReport`] per compared variant (a parallelization, a schedule, a
//! platform, …). Every figure describes **one training iteration** (one global batch: forward, backward and
//! optimizer step) in steady state; per-GPU times are means over the variant's GPUs. The caller computes every
//! figure; the renderers only print and plot them.
//!
//! The FLOP accounting follows Megatron-LM: *model* FLOPs are those the model needs (no recomputation),
//! *hardware* FLOPs those the GPUs executed (activation recomputation included), so MFU ≤ HFU.
//!
//! Floats are written with Rust's shortest round-trip formatting, so identical input gives byte-identical
//! output.
//!
//! # References
//! D. Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM",
//! SC 2021 (1F1B schedule, bubble fraction). A. Chowdhery et al., "PaLM: Scaling Language Modeling with
//! Pathways", 2022, appendix B (model FLOPs utilization). Y. Huang et al., "GPipe", NeurIPS 2019.

use serde::{Deserialize, Serialize};

use crate::tables::{finish, write_row};

/// Header of [`dnn_csv`]: the [`DnnVariantReport`] fields in declaration order (`name` as `variant`), with
/// the [`MemoryBreakdown`] fields prefixed `memory_`. Units are in the names (see the field docs). New columns
/// are only ever appended.
pub const DNN_CSV_HEADER: [&str; 34] = [
    "variant",
    "model",
    "gpus",
    "data_parallel",
    "tensor_parallel",
    "pipeline_parallel",
    "schedule",
    "micro_batch_size",
    "micro_batches",
    "global_batch",
    "iteration_time_s",
    "samples_per_s",
    "tokens_per_s",
    "model_flops_per_iteration",
    "hardware_flops_per_iteration",
    "model_flops_per_gpu_per_s",
    "mfu",
    "hfu",
    "compute_s",
    "exposed_communication_s",
    "bubble_s",
    "pipeline_bubble_fraction",
    "peak_memory_bytes",
    "memory_capacity_bytes",
    "memory_weights_bytes",
    "memory_gradients_bytes",
    "memory_optimizer_bytes",
    "memory_activations_bytes",
    "memory_buffers_bytes",
    "energy_j",
    "gpu_energy_j",
    "link_energy_j",
    "bytes_sent",
    "flows",
];

/// The results of a DNN training scenario: one entry per compared variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnnReport {
    /// Scenario name (used in plot titles).
    pub scenario: String,
    /// Compared variants, in the order the scenario lists them.
    pub variants: Vec<DnnVariantReport>,
}

/// One variant of a DNN training scenario: its parallelization and what one training iteration cost.
///
/// Per-GPU times are means over the GPUs of one iteration and decompose the iteration: `compute_s +
/// exposed_communication_s + bubble_s ≤ iteration_time_s`, the rest being other idle time (e.g. waiting on
/// a slower stage or data-parallel peer); the breakdown plot draws that rest as "other".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DnnVariantReport {
    /// Variant name as given in the scenario, e.g. `"dp8 tp4 pp2 1F1B"`.
    pub name: String,
    /// Model trained, e.g. `"GPT-3 175B"`.
    pub model: String,
    /// GPUs used: `data_parallel × tensor_parallel × pipeline_parallel` [count].
    pub gpus: u32,
    /// Data-parallel degree: model replicas [count].
    pub data_parallel: u32,
    /// Tensor-parallel degree: GPUs sharing each layer [count].
    pub tensor_parallel: u32,
    /// Pipeline-parallel degree: pipeline stages [count].
    pub pipeline_parallel: u32,
    /// Pipeline schedule: `"1F1B"` (one forward, one backward; PipeDream-Flush) or `"GPipe"` (all forwards,
    /// then all backwards).
    pub schedule: String,
    /// Samples per micro-batch [samples].
    pub micro_batch_size: u64,
    /// Micro-batches per iteration through each pipeline [count].
    pub micro_batches: u64,
    /// Samples per iteration: `data_parallel × micro_batches × micro_batch_size` [samples].
    pub global_batch: u64,
    /// Simulated time of one iteration, from its first kernel to the end of its optimizer step [s].
    pub iteration_time_s: f64,
    /// Training throughput: `global_batch / iteration_time_s` [samples/s].
    pub samples_per_s: f64,
    /// Training throughput: samples per second times the sequence length [tokens/s].
    pub tokens_per_s: f64,
    /// FLOPs the model needs for one iteration, forward and backward, without recomputation [FLOP].
    pub model_flops_per_iteration: f64,
    /// FLOPs the GPUs executed in one iteration, activation recomputation included [FLOP].
    pub hardware_flops_per_iteration: f64,
    /// Achieved model FLOP rate of one GPU: `model_flops_per_iteration / iteration_time_s / gpus` [FLOP/s].
    pub model_flops_per_gpu_per_s: f64,
    /// Model FLOPs utilization: `model_flops_per_gpu_per_s` over one GPU's peak FLOP rate [fraction, 0..=1].
    pub mfu: f64,
    /// Hardware FLOPs utilization: like `mfu` with `hardware_flops_per_iteration` [fraction, 0..=1].
    pub hfu: f64,
    /// Time a GPU spent computing in one iteration (kernels, optimizer step), mean over GPUs [s].
    pub compute_s: f64,
    /// Time a GPU waited on communication with no compute to overlap it in one iteration, mean over GPUs [s].
    pub exposed_communication_s: f64,
    /// Time a GPU sat idle in the pipeline bubble (warm-up and cool-down of the schedule) in one iteration,
    /// mean over GPUs [s].
    pub bubble_s: f64,
    /// Share of the iteration spent in the pipeline bubble: `bubble_s / iteration_time_s` [fraction, 0..=1];
    /// about `(p − 1) / (m + p − 1)` for `p` balanced stages and `m` micro-batches.
    pub pipeline_bubble_fraction: f64,
    /// Peak memory allocated on the most loaded GPU [bytes].
    pub peak_memory_bytes: u64,
    /// Memory of one GPU [bytes].
    pub memory_capacity_bytes: u64,
    /// What the most loaded GPU held at its peak; the parts sum to `peak_memory_bytes`.
    pub memory: MemoryBreakdown,
    /// Energy of one iteration: `gpu_energy_j + link_energy_j` [J].
    pub energy_j: f64,
    /// Energy the GPUs drew in one iteration, busy and idle, summed over GPUs [J].
    pub gpu_energy_j: f64,
    /// Energy the network links drew in one iteration, summed over links [J].
    pub link_energy_j: f64,
    /// Bytes put on the network by all GPUs in one iteration [bytes].
    pub bytes_sent: u64,
    /// Point-to-point flows in one iteration [count].
    pub flows: u64,
    /// The whole job through failures and restarts from checkpoints, for a scenario with `faults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<crate::faults::FaultReport>,
}

/// Memory held by one GPU, by purpose [bytes].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryBreakdown {
    /// Model parameters [bytes].
    pub weights_bytes: u64,
    /// Gradients [bytes].
    pub gradients_bytes: u64,
    /// Optimizer state (e.g. Adam's moments and fp32 master weights) [bytes].
    pub optimizer_bytes: u64,
    /// Activations kept for the backward pass (all micro-batches in flight) [bytes].
    pub activations_bytes: u64,
    /// Communication buffers and workspace [bytes].
    pub buffers_bytes: u64,
}

/// Renders a DNN scenario's `summary.json`: the [`DnnReport`] as it is, every [`DnnVariantReport`] field
/// included (units in the field names).
///
/// # Returns
/// Pretty-printed JSON ending in a newline. Non-finite floats become `null`.
pub fn dnn_summary_json(report: &DnnReport) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("plain structs with string keys always serialize");
    out.push('\n');
    out
}

/// Renders the DNN CSV: one row per variant, in report order, with header [`DNN_CSV_HEADER`]. Floats use
/// shortest round-trip formatting (`NaN` and `inf` as Rust prints them).
pub fn dnn_csv(report: &DnnReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, DNN_CSV_HEADER);
    for v in &report.variants {
        let m = &v.memory;
        let row: [String; DNN_CSV_HEADER.len()] = [
            v.name.clone(),
            v.model.clone(),
            v.gpus.to_string(),
            v.data_parallel.to_string(),
            v.tensor_parallel.to_string(),
            v.pipeline_parallel.to_string(),
            v.schedule.clone(),
            v.micro_batch_size.to_string(),
            v.micro_batches.to_string(),
            v.global_batch.to_string(),
            v.iteration_time_s.to_string(),
            v.samples_per_s.to_string(),
            v.tokens_per_s.to_string(),
            v.model_flops_per_iteration.to_string(),
            v.hardware_flops_per_iteration.to_string(),
            v.model_flops_per_gpu_per_s.to_string(),
            v.mfu.to_string(),
            v.hfu.to_string(),
            v.compute_s.to_string(),
            v.exposed_communication_s.to_string(),
            v.bubble_s.to_string(),
            v.pipeline_bubble_fraction.to_string(),
            v.peak_memory_bytes.to_string(),
            v.memory_capacity_bytes.to_string(),
            m.weights_bytes.to_string(),
            m.gradients_bytes.to_string(),
            m.optimizer_bytes.to_string(),
            m.activations_bytes.to_string(),
            m.buffers_bytes.to_string(),
            v.energy_j.to_string(),
            v.gpu_energy_j.to_string(),
            v.link_energy_j.to_string(),
            v.bytes_sent.to_string(),
            v.flows.to_string(),
        ];
        write_row(&mut w, row);
    }
    finish(w)
}

/// Two variants of 8 GPUs training GPT-2 1.5B (sequence 1024 tokens): pure data parallelism with 1F1B
/// (compute 1 s, exposed communication 0.5 s, no bubble, other 0.5 s of a 2 s iteration) and dp2 tp2 pp2 with
/// GPipe (compute 1 s, exposed communication 0.25 s, bubble 0.5 s, other 0.75 s of 2.5 s).
#[cfg(test)]
pub(crate) fn small_dnn_report() -> DnnReport {
    let dp = DnnVariantReport {
        name: "dp8 tp1 pp1".into(),
        model: "GPT-2 1.5B".into(),
        gpus: 8,
        data_parallel: 8,
        tensor_parallel: 1,
        pipeline_parallel: 1,
        schedule: "1F1B".into(),
        micro_batch_size: 4,
        micro_batches: 8,
        global_batch: 256,
        iteration_time_s: 2.0,
        samples_per_s: 128.0,
        tokens_per_s: 131_072.0,
        model_flops_per_iteration: 1e15,
        hardware_flops_per_iteration: 1.3e15,
        model_flops_per_gpu_per_s: 6.25e13,
        mfu: 0.2,
        hfu: 0.26,
        compute_s: 1.0,
        exposed_communication_s: 0.5,
        bubble_s: 0.0,
        pipeline_bubble_fraction: 0.0,
        peak_memory_bytes: 40_000_000_000,
        memory_capacity_bytes: 80 << 30,
        memory: MemoryBreakdown {
            weights_bytes: 3_000_000_000,
            gradients_bytes: 3_000_000_000,
            optimizer_bytes: 12_000_000_000,
            activations_bytes: 20_000_000_000,
            buffers_bytes: 2_000_000_000,
        },
        energy_j: 5600.0,
        gpu_energy_j: 5000.0,
        link_energy_j: 600.0,
        bytes_sent: 48_000_000_000,
        flows: 112,
        faults: None,
    };
    let hybrid = DnnVariantReport {
        name: "dp2 tp2 pp2".into(),
        data_parallel: 2,
        tensor_parallel: 2,
        pipeline_parallel: 2,
        schedule: "GPipe".into(),
        micro_batches: 32,
        iteration_time_s: 2.5,
        samples_per_s: 102.4,
        tokens_per_s: 104_857.6,
        model_flops_per_gpu_per_s: 5e13,
        mfu: 0.16,
        hfu: 0.208,
        exposed_communication_s: 0.25,
        bubble_s: 0.5,
        pipeline_bubble_fraction: 0.2,
        peak_memory_bytes: 30_000_000_000,
        memory: MemoryBreakdown {
            weights_bytes: 750_000_000,
            gradients_bytes: 750_000_000,
            optimizer_bytes: 3_000_000_000,
            activations_bytes: 24_000_000_000,
            buffers_bytes: 1_500_000_000,
        },
        energy_j: 7000.0,
        gpu_energy_j: 6250.0,
        link_energy_j: 750.0,
        bytes_sent: 20_000_000_000,
        flows: 400,
        faults: None,
        ..dp.clone()
    };
    DnnReport { scenario: "gpt2_scaling".into(), variants: vec![dp, hybrid] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_the_header_and_one_row_per_variant_in_order() {
        let csv = dnn_csv(&small_dnn_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 2);
        assert_eq!(lines[0], DNN_CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "dp8 tp1 pp1,GPT-2 1.5B,8,8,1,1,1F1B,4,8,256,2,128,131072,1000000000000000,1300000000000000,\
             62500000000000,0.2,0.26,1,0.5,0,0,40000000000,85899345920,3000000000,3000000000,12000000000,\
             20000000000,2000000000,5600,5000,600,48000000000,112"
        );
        assert!(lines[2].starts_with("dp2 tp2 pp2,GPT-2 1.5B,8,2,2,2,GPipe,"), "{}", lines[2]);
        for line in &lines {
            assert_eq!(line.split(',').count(), DNN_CSV_HEADER.len(), "{line}");
        }
    }

    #[test]
    fn csv_quotes_names_with_commas_and_empty_report_has_the_header() {
        let mut r = small_dnn_report();
        r.variants[0].name = "dp8, zero-1".into();
        assert!(dnn_csv(&r).lines().nth(1).unwrap().starts_with("\"dp8, zero-1\",GPT-2"));
        r.variants.clear();
        assert_eq!(dnn_csv(&r), format!("{}\n", DNN_CSV_HEADER.join(",")));
    }

    #[test]
    fn csv_header_follows_the_struct_fields() {
        // Every field of DnnVariantReport in declaration order (the order serde writes them), the memory
        // breakdown's fields in its place. serde_json's map sorts keys, so the order comes from the JSON text.
        let text = serde_json::to_string(&small_dnn_report().variants[0]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut expected = Vec::new();
        let mut keys: Vec<(usize, String)> =
            v.as_object().unwrap().keys().map(|k| (text.find(&format!("\"{k}\":")).unwrap(), k.clone())).collect();
        keys.sort();
        for (_, k) in keys {
            match k.as_str() {
                "name" => expected.push("variant".to_string()),
                "memory" => {
                    for m in
                        ["weights_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes", "buffers_bytes"]
                    {
                        assert!(v["memory"].get(m).is_some(), "{m}");
                        expected.push(format!("memory_{m}"));
                    }
                }
                _ => expected.push(k),
            }
        }
        assert_eq!(expected, DNN_CSV_HEADER);
    }

    #[test]
    fn summary_json_round_trips_and_ends_in_a_newline() {
        let r = small_dnn_report();
        let json = dnn_summary_json(&r);
        assert!(json.ends_with("}\n"));
        let back: DnnReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["scenario"], "gpt2_scaling");
        assert_eq!(v["variants"][1]["schedule"], "GPipe");
        assert_eq!(v["variants"][0]["memory"]["optimizer_bytes"], 12_000_000_000u64);
        assert_eq!(v["variants"][0]["mfu"], 0.2);
    }
}
