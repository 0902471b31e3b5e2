use sim_core::training::{Parallelism, Recomputation, TrainingConfig, TrainingJob};
use sim_core::{
    BytesPerSec, ComputeDevice, FlopPerSec, LinkSpec, NetworkModel, NodeId, PathSelection, Platform, SimDuration,
};
use topologies::catalogue;
use topologies::{dgx_cluster, DgxClusterSpec};

use super::*;
use crate::dnn::TransformerConfig;

fn gpu(memory_gib: u64) -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(100_000_000_000_000),
        efficiency: 0.5,
        memory_bytes: memory_gib << 30,
        memory_bandwidth: BytesPerSec(2_000_000_000_000),
        launch_overhead: SimDuration::ZERO,
    }
}

/// 8 hosts on two leaf switches joined by one thin link, hosts alternating between the leaves (as a
/// scheduler that deals GPUs round-robin would number them): host `i` sits on leaf `i mod 2`.
fn interleaved() -> Platform {
    let mut p = Platform::new();
    let hosts: Vec<NodeId> = (0..8).map(|i| p.add_host(format!("gpu{i}"), gpu(80), 0)).collect();
    let leaves =
        [p.add_switch("leaf0", SimDuration::from_ns(100), 0), p.add_switch("leaf1", SimDuration::from_ns(100), 0)];
    let fast = LinkSpec::new(BytesPerSec(100_000_000_000), SimDuration::from_ns(500));
    for (i, &h) in hosts.iter().enumerate() {
        p.connect(h, leaves[i % 2], &fast);
    }
    p.connect(leaves[0], leaves[1], &LinkSpec::new(BytesPerSec(5_000_000_000), SimDuration::from_ns(500)));
    p
}

fn small_gpt(global_batch: u64) -> TrainingJob {
    TransformerConfig::megatron_gpt("gpt-test", 8, 1024, 16, 512).job(global_batch)
}

fn problem<'a>(platform: &'a Platform, job: &'a TrainingJob, par: Parallelism, splits: bool) -> Problem<'a> {
    let mut base = TrainingConfig::new(par, 1);
    base.recomputation = Recomputation::Selective;
    Problem {
        platform,
        job,
        base,
        model: NetworkModel::MaxMin,
        selection: PathSelection::Hash,
        splits,
        micro_batches: vec![1, 2],
    }
}

#[test]
fn divisors_are_complete_and_ascending() {
    assert_eq!(divisors(12), vec![1, 2, 3, 4, 6, 12]);
    assert_eq!(divisors(16), vec![1, 2, 4, 8, 16]);
    assert_eq!(divisors(1), vec![1]);
}

#[test]
fn layouts_are_permutations_with_the_promised_neighbours() {
    let par = Parallelism { data: 2, tensor: 2, pipeline: 3 };
    let order: Vec<NodeId> = (0..12).map(NodeId).collect();
    for axes in [AxisOrder::TensorDataPipeline, AxisOrder::TensorPipelineData] {
        let devices = order::layout(par, &order, axes);
        let mut sorted = devices.clone();
        sorted.sort();
        assert_eq!(sorted, order, "{axes:?} is a permutation");
    }
    let tdp = order::layout(par, &order, AxisOrder::TensorDataPipeline);
    assert_eq!(tdp, order, "Megatron's order is the identity");
    let tpd = order::layout(par, &order, AxisOrder::TensorPipelineData);
    // Replica 0, stage 1, tensor rank 0 is rank (1·2 + 0)·2 + 0 = 4; along t-p-d it sits at 0 + 2·1.
    assert_eq!(tpd[par.rank(0, 1, 0) as usize], NodeId(2));
    assert_eq!(tpd[par.rank(1, 0, 1) as usize], NodeId(1 + 2 * 3));
}

#[test]
fn bandwidth_domains_and_locality_order_follow_the_topology() {
    let node = catalogue::node("dgx-h100").expect("in the catalogue");
    let dgx = dgx_cluster(&DgxClusterSpec::rail_optimized(4, node, 2)).expect("builds");
    let hosts = dgx.hosts();
    assert_eq!(domain_size(&dgx, &hosts), 8, "one NVSwitch node");
    assert_eq!(locality_order(&dgx, &hosts), hosts, "node by node, rails aligned");

    let p = interleaved();
    let hosts = p.hosts();
    assert_eq!(domain_size(&p, &hosts), 4, "the hosts of one leaf");
    let order: Vec<u32> = locality_order(&p, &hosts).iter().map(|n| n.0).collect();
    assert_eq!(order, vec![0, 2, 4, 6, 1, 3, 5, 7]);
}

#[test]
fn topology_aware_and_search_beat_the_sequential_baseline_where_ids_mislead() {
    let platform = interleaved();
    let job = small_gpt(16);
    let problem = problem(&platform, &job, Parallelism { data: 2, tensor: 4, pipeline: 1 }, false);
    let evaluator = Evaluator::new(&problem);
    let sequential = Sequential.place(&evaluator, 64, 1).expect("fits");
    let constructive = TopologyAware.place(&evaluator, 64, 1).expect("fits");
    let search = Annealing::default().place(&evaluator, 24, 1).expect("fits");
    // Tensor-parallel groups of 4 on one leaf instead of across the thin link.
    assert!(constructive.iteration_time.0 * 3 < sequential.iteration_time.0 * 2, "{constructive:?} vs {sequential:?}");
    assert!(!constructive.origin.contains("fallback"), "{}", constructive.origin);
    let leaf = |n: NodeId| n.0 % 2;
    for group in constructive.plan.devices.chunks(4) {
        assert!(group.iter().all(|&n| leaf(n) == leaf(group[0])), "{:?}", constructive.plan.devices);
    }
    assert!(search.iteration_time <= constructive.iteration_time);
    assert!(search.evaluations <= 24, "{}", search.evaluations);
    assert_eq!(sequential.evaluations, 1);
}

#[test]
fn the_search_is_the_same_for_any_thread_count() {
    let platform = interleaved();
    let job = small_gpt(16);
    let problem = problem(&platform, &job, Parallelism { data: 8, tensor: 1, pipeline: 1 }, true);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| {
            let evaluator = Evaluator::new(&problem);
            (Annealing::default().place(&evaluator, 20, 7), Random { samples: 4 }.place(&evaluator, 20, 7))
        })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    let (search, random) = one;
    let search = search.expect("fits");
    assert!(search.evaluations <= 20);
    assert!(random.expect("fits").evaluations == 4);
}

#[test]
fn a_job_that_fits_nowhere_names_the_smallest_shortfall() {
    let platform = interleaved();
    let job = TransformerConfig::gpt3_175b().job(8);
    let problem = problem(&platform, &job, Parallelism { data: 1, tensor: 8, pipeline: 1 }, true);
    let err = feasible_splits(&problem).expect_err("175B parameters do not fit in 8 × 80 GiB");
    let PlacementError::FitsNowhere { short_gib, need_gib, capacity_gib, candidates, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*candidates, 10 * 2, "(d, t, p) with d·t·p = 8, p ≤ 96: 10 splits × 2 micro-batch sizes");
    assert!((need_gib - capacity_gib - short_gib).abs() < 1e-9);
    // The smallest over every candidate of its shortfall (check_iteration reports a candidate's
    // largest, see sim-core's `out_of_memory_names_the_largest_shortfall`).
    let hosts = platform.hosts();
    let mut smallest = f64::INFINITY;
    for t in divisors(8) {
        for p in divisors(8 / t) {
            for b in [1, 2] {
                let split = ((8 / t / p) as u32, t as u32, p as u32);
                let plan = Plan { split, micro_batch_size: b, devices: hosts.clone() };
                let config = plan_config(&problem.base, &plan);
                if let Err(sim_core::training::TrainingError::OutOfMemory { need, capacity, .. }) =
                    sim_core::training::check_iteration(&platform, &job, &config)
                {
                    smallest = smallest.min((need - capacity) as f64 / (1u64 << 30) as f64);
                }
            }
        }
    }
    assert!((short_gib - smallest).abs() < 1e-9, "{short_gib} vs {smallest}");
    // 175 × 10⁹ parameters × 16 bytes (weights, gradients, Adam) over 8 GPUs is ≥ 326 GiB each.
    assert!(*need_gib > 326.0, "{err}");
    let message = err.to_string();
    assert!(message.contains("GiB short") && message.contains("fits nowhere"), "{message}");
    let evaluator = Evaluator::new(&problem);
    assert!(matches!(TopologyAware.place(&evaluator, 8, 1), Err(PlacementError::FitsNowhere { .. })));
    assert!(matches!(Sequential.place(&evaluator, 8, 1), Err(PlacementError::Baseline(_))));
}

#[test]
fn locality_counts_every_byte_once_and_sees_the_local_plan() {
    let platform = interleaved();
    let job = small_gpt(16);
    let problem = problem(&platform, &job, Parallelism { data: 2, tensor: 4, pipeline: 1 }, false);
    let evaluator = Evaluator::new(&problem);
    let measure = |plan: &Plan| {
        let mut config = evaluator.config(plan);
        config.traffic_matrix = true;
        let run = sim_core::training::run_iteration(&platform, &job, &config, problem.model, problem.selection)
            .expect("runs");
        let l = locality(&platform, &run, &plan.devices, problem.selection).expect("routes");
        assert_eq!(l.bytes_sent, run.bytes_sent);
        assert_eq!(l.traffic.iter().map(|(_, b)| b).sum::<u64>(), run.bytes_sent);
        l
    };
    let sequential = measure(&Sequential.place(&evaluator, 1, 1).expect("fits").plan);
    let local = measure(&TopologyAware.place(&evaluator, 16, 1).expect("fits").plan);
    // Same bytes, fewer links crossed: same-leaf pairs cross 2 links, cross-leaf pairs 3.
    assert_eq!(sequential.bytes_sent, local.bytes_sent);
    assert!(local.byte_hops < sequential.byte_hops);
    assert!(local.one_hop_share > sequential.one_hop_share);
    assert!((2.0..=3.0).contains(&local.mean_hops), "{}", local.mean_hops);
    // Ring all-reduces: each device talks to its 2 ring neighbours among the 4 tensor-parallel ranks
    // and to its 1 data-parallel peer.
    assert_eq!(local.peers_max, 3);
    // The thin leaf-to-leaf link is the busiest in the sequential plan.
    let (a, b) = sequential.max_link.expect("traffic");
    assert!(!platform.is_host(a) && !platform.is_host(b));
}

#[test]
fn neighbouring_splits_move_one_prime_factor() {
    let plan = Plan { split: (16, 4, 16), micro_batch_size: 1, devices: Vec::new() };
    assert!(placers::adjacent(&plan, (16, 8, 8), 1));
    assert!(placers::adjacent(&plan, (8, 8, 16), 1));
    assert!(placers::adjacent(&plan, (16, 4, 16), 2), "another micro-batch size");
    assert!(!placers::adjacent(&plan, (16, 4, 16), 1), "itself");
    assert!(!placers::adjacent(&plan, (4, 16, 16), 1), "a factor of 4 is two steps");
    assert!(!placers::adjacent(&plan, (16, 8, 8), 2), "split and micro-batch at once");
    assert!(placers::adjacent(&Plan { split: (3, 1, 2), ..plan.clone() }, (1, 3, 2), 1));
}

#[test]
fn the_chain_order_walks_physical_neighbours_of_a_ring() {
    // A ring of 6 hosts wired 0-3-1-4-2-5-0 through forwarding hosts: the chain follows the wiring.
    let mut p = Platform::new();
    let hosts: Vec<NodeId> = (0..6).map(|i| p.add_host(format!("gpu{i}"), gpu(80), 0)).collect();
    let wiring = [0, 3, 1, 4, 2, 5];
    let link = LinkSpec::new(BytesPerSec(10_000_000_000), SimDuration::from_ns(100));
    for k in 0..6 {
        p.connect(hosts[wiring[k]], hosts[wiring[(k + 1) % 6]], &link);
    }
    for &h in &hosts {
        p.set_forwarding(h, true);
    }
    let chain: Vec<u32> = chain_order(&p, &hosts).iter().map(|n| n.0).collect();
    assert_eq!(chain, vec![0, 3, 1, 4, 2, 5]);
}
