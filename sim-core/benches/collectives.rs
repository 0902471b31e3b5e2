//! Wall time of whole collectives on a leaf/spine fat-tree (`common/leaf_spine.rs`), at sizes
//! criterion can sample repeatedly; the one-shot runs at thousands of hosts are
//! `examples/scale.rs` (BENCHMARKS.md).
//!
//! * `ring_all_reduce/N`: ring all-reduce of 1 GiB over `N` hosts (2·N·(N−1) flows), hash ECMP.
//! * `all_to_all/hash/N`, `all_to_all/dmodk/N`: every host sends 1 MiB to every other, all at once
//!   (N·(N−1) concurrent flows), with hash-based ECMP or destination-mod-k path selection.
//!
//! Run with `CARGO_TARGET_DIR=/work/target-bench cargo bench -p sim-core --bench collectives`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use sim_core::collective::{
    run_collective, AllReduceAlgorithm, AllToAllAlgorithm, Collective, CollectiveSpec, ExecOptions,
};
use sim_core::{FlowNetwork, PathSelection, Router, SimTime};

mod common {
    pub mod leaf_spine;
}
use common::leaf_spine::fat_tree;

/// Runs `collective` of `bytes` over `hosts` hosts; returns the flows it started.
fn run(hosts: u32, collective: Collective, bytes: u64, selection: PathSelection) -> u64 {
    let p = fat_tree(hosts);
    let mut router = Router::with_selection(&p, selection);
    let mut net = FlowNetwork::new(&p);
    let spec = CollectiveSpec { collective, bytes, chunks: 1 };
    let run = run_collective(&p, &mut router, &mut net, &p.hosts(), &spec, SimTime::ZERO, &ExecOptions::default())
        .expect("runs");
    run.stats.flows
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_all_reduce");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for n in [256u32, 1024] {
        let flows = 2 * u64::from(n) * u64::from(n - 1);
        g.throughput(Throughput::Elements(flows));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                assert_eq!(run(n, Collective::AllReduce(AllReduceAlgorithm::Ring), 1 << 30, PathSelection::Hash), flows)
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("all_to_all");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, selection, n) in [
        ("hash", PathSelection::Hash, 128u32),
        ("dmodk", PathSelection::DestinationModK, 128),
        ("dmodk", PathSelection::DestinationModK, 256),
    ] {
        let flows = u64::from(n) * u64::from(n - 1);
        g.throughput(Throughput::Elements(flows));
        g.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
            b.iter(|| {
                assert_eq!(
                    run(n, Collective::AllToAll(AllToAllAlgorithm::AllAtOnce), u64::from(n) << 20, selection),
                    flows
                )
            })
        });
    }
    g.finish();
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);
