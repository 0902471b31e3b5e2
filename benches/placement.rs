//! The placement search on GPT-3 175B and 1 024 simulated A100s (128 DGX A100 nodes, rail-optimized
//! HDR InfiniBand with 16 spines), global batch 1 536, full recomputation, starting from a plausible
//! first try of 16 × 4 × 16 (data × tensor × pipeline, micro-batch 1), with the split, micro-batch sizes
//! 1 and 2 and the mapping open to the search. Budget: 32 simulated candidates (constructive start
//! included).
//! Issue target: ≤ 60 s of wall time. Run with `cargo bench --bench placement`.

use criterion::{criterion_group, criterion_main, Criterion};
use sim_core::training::{Parallelism, Recomputation, TrainingConfig};
use sim_core::{NetworkModel, PathSelection};
use topologies::{catalogue::DGX_A100, dgx_cluster, DgxClusterSpec};
use workloads::placement::{Annealing, Evaluator, Placer, Problem, Sequential};

/// Simulated candidates the search may spend.
const BUDGET: u32 = 32;

fn gpt3_1024(c: &mut Criterion) {
    let job = workloads::dnn::model("gpt3-175b").expect("in the zoo").job(1536);
    let platform = dgx_cluster(&DgxClusterSpec::rail_optimized(128, DGX_A100, 16)).expect("valid cluster");
    let mut base = TrainingConfig::new(Parallelism { data: 16, tensor: 4, pipeline: 16 }, 1);
    base.recomputation = Recomputation::Full;
    let problem = Problem {
        platform: &platform,
        job: &job,
        base,
        model: NetworkModel::MaxMin,
        selection: PathSelection::Hash,
        splits: true,
        micro_batches: vec![1, 2],
    };
    let search = || Annealing::default().place(&Evaluator::new(&problem), BUDGET, 1).expect("fits");
    let baseline = Sequential.place(&Evaluator::new(&problem), 1, 1).expect("fits");
    let found = search();
    eprintln!(
        "GPT-3 175B, 1 024 GPUs: sequential {:?} {:.3} s; search {:?} b{} {:.3} s ({}, {} evaluations): {:.2}× faster",
        baseline.plan.split,
        baseline.iteration_time.as_secs_f64(),
        found.plan.split,
        found.plan.micro_batch_size,
        found.iteration_time.as_secs_f64(),
        found.origin,
        found.evaluations,
        baseline.iteration_time.as_secs_f64() / found.iteration_time.as_secs_f64()
    );
    let mut group = c.benchmark_group("placement_search");
    group.sample_size(10);
    group.bench_function("gpt3_175b_1024_gpus_budget_32", |b| b.iter(search));
    group.finish();
}

criterion_group!(benches, gpt3_1024);
criterion_main!(benches);
