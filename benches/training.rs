//! One training iteration of GPT-3 175B on 1 024 simulated A100s (128 DGX A100 nodes, rail-optimized
//! HDR InfiniBand with 16 spines), DP × TP × PP = 8 × 8 × 16, global batch 1 536, micro-batch 1, full
//! recomputation: Megatron-LM's published configuration (Narayanan et al., SC'21, §5.1). Issue target:
//! ≤ 5 s of wall time per iteration. Run with `cargo bench --bench training`.

use criterion::{criterion_group, criterion_main, Criterion};
use sim_core::training::{run_iteration, Parallelism, Recomputation, TrainingConfig};
use sim_core::{NetworkModel, PathSelection};
use topologies::{catalogue::DGX_A100, dgx_cluster, DgxClusterSpec};

fn gpt3_1024(c: &mut Criterion) {
    let job = workloads::dnn::model("gpt3-175b").expect("in the zoo").job(1536);
    let platform = dgx_cluster(&DgxClusterSpec::rail_optimized(128, DGX_A100, 16)).expect("valid cluster");
    let mut config = TrainingConfig::new(Parallelism { data: 8, tensor: 8, pipeline: 16 }, 1);
    config.recomputation = Recomputation::Full;
    // Embedding with the first 6 blocks, the LM head with the last 6 (98 layers in all).
    config.stage_layers = Some([7].into_iter().chain([6; 14]).chain([7]).collect());
    let run = || run_iteration(&platform, &job, &config, NetworkModel::MaxMin, PathSelection::Hash).expect("runs");
    let r = run();
    eprintln!(
        "GPT-3 175B, 1 024 GPUs: iteration {:.3} s simulated, {} flows, {} events, bubble {:.3}",
        r.iteration_time.as_secs_f64(),
        r.flows,
        r.events,
        r.bubble_fraction()
    );
    let mut group = c.benchmark_group("training_iteration");
    group.sample_size(10);
    group.bench_function("gpt3_175b_1024_gpus_8x8x16", |b| b.iter(run));
    group.finish();
}

criterion_group!(benches, gpt3_1024);
criterion_main!(benches);
