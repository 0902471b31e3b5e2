//! The training executor against closed forms: the pipeline bubble `(p − 1)/(m + p − 1)` for both
//! schedules, a data-parallel iteration with a ring all-reduce, gradient overlap, tensor-parallel
//! collectives isolated vs. as flows, the memory check, and determinism.

use sim_core::collective::CollectiveKind;
use sim_core::platform::LinkSpec;
use sim_core::training::{
    run_iteration, ActivationBytes, Layer, LayerCollective, Parallelism, PipelineSchedule, TensorParallelComm,
    TrainingConfig, TrainingError, TrainingJob, ZeroStage,
};
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, NetworkModel, PathSelection, Platform, SimDuration};

/// 1 TFLOP/s at efficiency 1, no launch overhead: `F` FLOPs take `F` ps.
fn device(memory: u64) -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1_000_000_000_000),
        efficiency: 1.0,
        memory_bytes: memory,
        memory_bandwidth: BytesPerSec(u64::MAX / 4),
        launch_overhead: SimDuration::ZERO,
    }
}

/// `n` hosts on one switch; links of `bw` bytes/s and `latency` each way, switch hop free.
fn star(n: usize, bw: u64, latency: SimDuration, memory: u64) -> Platform {
    let mut p = Platform::new();
    let hosts: Vec<_> = (0..n).map(|i| p.add_host(format!("gpu{i}"), device(memory), 0)).collect();
    let sw = p.add_switch("switch", SimDuration::ZERO, 0);
    for h in hosts {
        p.connect(h, sw, &LinkSpec::new(BytesPerSec(bw), latency));
    }
    p
}

fn layer(i: usize, fwd: f64, params: u64) -> Layer {
    Layer {
        name: format!("layer{i}"),
        forward_flops: fwd,
        backward_flops: 2.0 * fwd,
        attention_flops: 0.0,
        forward_memory_bytes: 0.0,
        parameters: params,
        tensor_parallel: true,
        data_parallel_gradients: true,
        activations: ActivationBytes { replicated: 10.0, split: 20.0, attention: 0.0, input: 2.0 },
        output_bytes: 0.0,
        forward_collectives: Vec::new(),
        backward_collectives: Vec::new(),
        fixed_times: None,
        gradient_collective: None,
    }
}

fn job(layers: Vec<Layer>, global_batch: u64) -> TrainingJob {
    TrainingJob {
        model: "test".into(),
        layers,
        global_batch,
        tokens_per_sample: 1,
        weight_bytes_per_parameter: 2,
        gradient_bytes_per_parameter: 2,
        optimizer_bytes_per_parameter: 12,
    }
}

fn run(platform: &Platform, job: &TrainingJob, config: &TrainingConfig) -> sim_core::training::TrainingRun {
    run_iteration(platform, job, config, NetworkModel::MaxMin, PathSelection::Hash).expect("runs")
}

#[test]
fn pipeline_bubble_is_exactly_p_minus_1_over_m_plus_p_minus_1() {
    // Uniform stages (one layer each, forward 1 µs, backward 2 µs), no parameters, no bytes to send.
    for schedule in [PipelineSchedule::GPipe, PipelineSchedule::OneFOneB] {
        for (p, m) in [(2u32, 1u64), (2, 8), (4, 4), (4, 16), (8, 3)] {
            let platform = star(p as usize, 1 << 30, SimDuration::ZERO, 1 << 40);
            let layers = (0..p as usize).map(|i| layer(i, 1e6, 0)).collect();
            let mut config = TrainingConfig::new(Parallelism { data: 1, tensor: 1, pipeline: p }, 1);
            config.schedule = schedule;
            let r = run(&platform, &job(layers, m), &config);
            let pass = SimDuration::from_us(3).0;
            let (p64, m64) = (u64::from(p), m);
            assert_eq!(r.iteration_time.0, (m64 + p64 - 1) * pass, "{schedule:?} p={p} m={m}");
            let bubble: u64 = r.devices.iter().map(|d| d.bubble.0).sum();
            // Σ bubble / (p · T) = (p − 1)/(m + p − 1), as an integer identity.
            assert_eq!(bubble * (m64 + p64 - 1), p64 * r.iteration_time.0 * (p64 - 1), "{schedule:?} p={p} m={m}");
            let f = r.bubble_fraction();
            assert!((f - (p64 - 1) as f64 / (m64 + p64 - 1) as f64).abs() < 1e-12);
            assert!(r.devices.iter().all(|d| d.communication == SimDuration::ZERO));
        }
    }
}

#[test]
fn one_f_one_b_keeps_fewer_activations_than_gpipe() {
    let platform = star(4, 1 << 30, SimDuration::ZERO, 1 << 40);
    let layers: Vec<Layer> = (0..4).map(|i| layer(i, 1e6, 0)).collect();
    let mut config = TrainingConfig::new(Parallelism { data: 1, tensor: 1, pipeline: 4 }, 1);
    let one = run(&platform, &job(layers.clone(), 16), &config);
    config.schedule = PipelineSchedule::GPipe;
    let gpipe = run(&platform, &job(layers, 16), &config);
    // 30 bytes per sample kept per layer: 1F1B keeps p − s micro-batches on stage s, GPipe all 16.
    for s in 0..4u64 {
        assert_eq!(one.devices[s as usize].memory.activations, 30 * (4 - s));
        assert_eq!(gpipe.devices[s as usize].memory.activations, 30 * 16);
    }
}

#[test]
fn data_parallel_iteration_matches_the_ring_closed_form() {
    // d = 4 replicas, one layer of P parameters, m = 2 micro-batches each, one bucket.
    // Iteration = m·(tF + tB) + ring all-reduce 2(d − 1)(α + S/(d·B)) + Adam (28 bytes/param).
    let (bw, hop) = (10_000_000_000u64, SimDuration::from_ns(500));
    let platform = star(4, bw, hop, 1 << 40);
    let params = 4_000_000u64;
    let mut config = TrainingConfig::new(Parallelism { data: 4, tensor: 1, pipeline: 1 }, 1);
    config.bucket_bytes = u64::MAX;
    let r = run(&platform, &job(vec![layer(0, 1e6, params)], 8), &config);
    let s = params * 2;
    let alpha = 2 * hop.0; // two links per route
    let step = alpha + (s / 4) * 1_000_000_000_000 / bw;
    let ring = 2 * 3 * step;
    // Adam: 12 FLOP and 28 bytes per parameter; memory bandwidth is effectively infinite here.
    let adam = params * 12;
    let compute = 2 * SimDuration::from_us(3).0;
    assert_eq!(r.iteration_time.0, compute + ring + adam);
    for d in &r.devices {
        assert_eq!(d.compute.0, compute + adam);
        assert_eq!(d.communication.0, ring);
        assert_eq!(d.bubble.0, 0);
    }
    assert_eq!(r.flows, 4 * 2 * 3);
}

#[test]
fn gradient_buckets_overlap_the_backward_pass() {
    // Four layers, one bucket each: with overlap, only the last bucket's all-reduce (and the
    // queue behind it) is exposed; without, all four run after the backward pass.
    let platform = star(2, 1_000_000_000, SimDuration::ZERO, 1 << 40);
    let layers: Vec<Layer> = (0..4).map(|i| layer(i, 4e7, 1_000_000)).collect();
    let mut config = TrainingConfig::new(Parallelism { data: 2, tensor: 1, pipeline: 1 }, 1);
    config.bucket_bytes = 0;
    let overlapped = run(&platform, &job(layers.clone(), 2), &config);
    config.overlap_gradients = false;
    let serial = run(&platform, &job(layers, 2), &config);
    // All-reduce of 2 MB over 2 ranks at 1 GB/s: 2 steps of 1 MB = 2 ms; backward of a layer 80 µs.
    let ar = 2 * SimDuration::from_ms(1).0;
    let compute = 4 * SimDuration::from_us(120).0;
    let adam = 4 * 1_000_000 * 12;
    assert_eq!(serial.iteration_time.0, compute + 4 * ar + adam);
    // Overlapped: the first bucket starts after the first layer's backward (80 µs into it) and
    // the others queue behind it: 3 backward layers remain, all hidden under 4 all-reduces.
    let first_ready = 4 * SimDuration::from_us(40).0 + SimDuration::from_us(80).0;
    assert_eq!(overlapped.iteration_time.0, first_ready + 4 * ar + adam);
}

#[test]
fn tensor_parallel_collectives_isolated_equal_flows_without_contention() {
    let platform = star(4, 1_000_000_000, SimDuration::from_ns(700), 1 << 40);
    let mut layers: Vec<Layer> = (0..3).map(|i| layer(i, 1e6, 1000)).collect();
    for l in &mut layers {
        let c = LayerCollective { kind: CollectiveKind::AllReduce, bytes: 4096.0 };
        l.forward_collectives = vec![c, c];
        l.backward_collectives = vec![c, c];
    }
    let mut config = TrainingConfig::new(Parallelism { data: 1, tensor: 4, pipeline: 1 }, 2);
    let isolated = run(&platform, &job(layers.clone(), 4), &config);
    config.tensor_parallel_comm = TensorParallelComm::Flows;
    let flows = run(&platform, &job(layers, 4), &config);
    assert_eq!(isolated.iteration_time, flows.iteration_time);
    assert!(isolated.devices[0].communication > SimDuration::ZERO);
    assert_eq!(isolated.devices[0].communication, flows.devices[0].communication);
    // 3 layers × 4 collectives × 2 micro-batches, 2·3·4 flows each.
    assert_eq!(flows.flows, 3 * 4 * 2 * 24);
}

#[test]
fn isolated_collectives_count_the_same_traffic_as_flows() {
    // d = 2, t = 2, p = 2 with full recomputation (forward collectives re-run in the backward), so
    // every kind of traffic is present; isolated and flow-simulated tensor-parallel collectives must
    // account identical bytes, per link and per device pair, and the pairs must sum to the total.
    let platform = star(8, 1_000_000_000, SimDuration::from_ns(700), 1 << 40);
    let mut layers: Vec<Layer> = (0..4).map(|i| layer(i, 1e6, 1000)).collect();
    for l in &mut layers {
        let c = LayerCollective { kind: CollectiveKind::AllReduce, bytes: 4096.0 };
        l.forward_collectives = vec![c];
        l.backward_collectives = vec![c, c];
        l.output_bytes = 512.0;
    }
    let mut config = TrainingConfig::new(Parallelism { data: 2, tensor: 2, pipeline: 2 }, 1);
    config.recomputation = sim_core::training::Recomputation::Full;
    config.scatter_gather = false;
    config.traffic_matrix = true;
    let isolated = run(&platform, &job(layers.clone(), 6), &config);
    config.tensor_parallel_comm = TensorParallelComm::Flows;
    let flows = run(&platform, &job(layers.clone(), 6), &config);
    assert!(isolated.bytes_sent > 0);
    assert_eq!(isolated.bytes_sent, flows.bytes_sent);
    assert_eq!(isolated.link_bytes, flows.link_bytes);
    assert_eq!(isolated.traffic, flows.traffic);
    assert_eq!(flows.traffic.iter().map(|(_, b)| b).sum::<u64>(), flows.bytes_sent);
    // Ranks 0 and 1 (stage 0, replica 0) exchange only tensor-parallel traffic (no scatter/gather):
    // a ring all-reduce of 4 096 bytes between 2 ranks sends 4 096 bytes each way; per layer and
    // micro-batch there are 4 (forward, recomputed forward, 2 in the backward), 2 layers per stage,
    // m = 3 micro-batches.
    let pair = flows.traffic.iter().find(|((a, b), _)| (a.0, b.0) == (0, 1)).expect("ranks 0 and 1 talk").1;
    assert_eq!(pair, 4 * 2 * 3 * 4096);
    // With scatter/gather, each pipeline transfer's all-gather is timed in isolation and its
    // traffic counted once per transfer, as the flows would carry it.
    config.scatter_gather = true;
    config.tensor_parallel_comm = TensorParallelComm::Isolated;
    let isolated = run(&platform, &job(layers.clone(), 6), &config);
    config.tensor_parallel_comm = TensorParallelComm::Flows;
    let flows = run(&platform, &job(layers.clone(), 6), &config);
    assert_eq!(isolated.bytes_sent, flows.bytes_sent);
    assert_eq!(isolated.traffic, flows.traffic);
    // Without the flag no matrix is kept.
    config.traffic_matrix = false;
    assert!(run(&platform, &job(layers.clone(), 6), &config).traffic.is_empty());
}

#[test]
fn out_of_memory_names_the_largest_shortfall() {
    // Two stages; the second holds 4× the parameters of the first, and both overflow: the error
    // names a device of the second stage (rank 1), whose shortfall is the larger.
    let platform = star(2, 1 << 30, SimDuration::ZERO, 1_000);
    let layers = vec![layer(0, 1e6, 100), layer(1, 1e6, 400)];
    let config = TrainingConfig::new(Parallelism { data: 1, tensor: 1, pipeline: 2 }, 1);
    let err = run_iteration(&platform, &job(layers, 1), &config, NetworkModel::MaxMin, PathSelection::Hash)
        .expect_err("does not fit");
    let TrainingError::OutOfMemory { rank, need, capacity, .. } = err else { panic!("{err:?}") };
    assert_eq!((rank, capacity), (1, 1_000));
    assert!(need > 4 * 100 * 16 - 1, "{need}");
}

#[test]
fn a_split_that_does_not_fit_fails_naming_the_device() {
    let platform = star(2, 1 << 30, SimDuration::ZERO, 1_000_000);
    let layers: Vec<Layer> = (0..2).map(|i| layer(i, 1e6, 100_000)).collect();
    let config = TrainingConfig::new(Parallelism { data: 1, tensor: 1, pipeline: 2 }, 1);
    let err = run_iteration(&platform, &job(layers.clone(), 2), &config, NetworkModel::MaxMin, PathSelection::Hash)
        .expect_err("16 bytes/param × 100 000 = 1.6 MB > 1 MB");
    match &err {
        TrainingError::OutOfMemory { device, need, capacity, .. } => {
            assert_eq!(device, "gpu0");
            assert_eq!(*capacity, 1_000_000);
            assert!(*need >= 1_600_000);
        }
        e => panic!("unexpected {e}"),
    }
    assert!(err.to_string().contains("gpu0"));
    // ZeRO-1 over two replicas halves the optimizer state: 2 + 2 + 6 = 10 bytes/param fits.
    let mut config = TrainingConfig::new(Parallelism { data: 2, tensor: 1, pipeline: 1 }, 1);
    config.zero = ZeroStage::Optimizer;
    let one = vec![layer(0, 1e6, 90_000)];
    assert!(run_iteration(&platform, &job(one, 2), &config, NetworkModel::MaxMin, PathSelection::Hash).is_ok());
}

#[test]
fn inconsistent_splits_are_errors() {
    let platform = star(4, 1 << 30, SimDuration::ZERO, 1 << 40);
    let layers: Vec<Layer> = (0..2).map(|i| layer(i, 1e6, 0)).collect();
    let go = |par: Parallelism, mb: u64, batch: u64| {
        run_iteration(
            &platform,
            &job(layers.clone(), batch),
            &TrainingConfig::new(par, mb),
            NetworkModel::MaxMin,
            PathSelection::Hash,
        )
    };
    assert!(matches!(
        go(Parallelism { data: 8, tensor: 1, pipeline: 1 }, 1, 8),
        Err(TrainingError::DeviceCount { .. })
    ));
    assert!(matches!(
        go(Parallelism { data: 1, tensor: 1, pipeline: 4 }, 1, 8),
        Err(TrainingError::StageLayers { .. })
    ));
    assert!(matches!(go(Parallelism { data: 2, tensor: 1, pipeline: 1 }, 2, 6), Err(TrainingError::Batch { .. })));
    assert!(matches!(go(Parallelism { data: 0, tensor: 1, pipeline: 1 }, 1, 6), Err(TrainingError::ZeroDegree)));
}

#[test]
fn the_same_run_is_identical() {
    let platform = star(8, 1_000_000_000, SimDuration::from_ns(300), 1 << 40);
    let mut layers: Vec<Layer> = (0..4).map(|i| layer(i, 3e6, 50_000)).collect();
    for l in &mut layers {
        l.output_bytes = 1e5;
        l.forward_collectives = vec![LayerCollective { kind: CollectiveKind::AllReduce, bytes: 1e4 }];
    }
    let mut config = TrainingConfig::new(Parallelism { data: 2, tensor: 2, pipeline: 2 }, 1);
    config.trace = true;
    config.tensor_parallel_comm = TensorParallelComm::Flows;
    let a = run(&platform, &job(layers.clone(), 8), &config);
    let b = run(&platform, &job(layers, 8), &config);
    assert_eq!(a, b);
    assert!(!a.spans.is_empty());
    for d in &a.devices {
        assert_eq!(d.compute.0 + d.communication.0 + d.bubble.0, a.iteration_time.0, "rank {}", d.rank);
    }
}

/// Regression (found by the swarm test): a hierarchical all-reduce whose groups do not split the
/// data-parallel or tensor-parallel group is a configuration error of `check_iteration`, not a
/// failure in the middle of the run; where the algorithm is not used it is not an error.
#[test]
fn hierarchical_all_reduce_groups_must_split_the_groups_they_run_over() {
    use sim_core::collective::AllReduceAlgorithm;
    use sim_core::training::check_iteration;
    let platform = star(6, 1 << 30, SimDuration::ZERO, 1 << 40);
    let hierarchical = |d, t, group_size| {
        let mut c = TrainingConfig::new(Parallelism { data: d, tensor: t, pipeline: 1 }, 1);
        c.all_reduce = AllReduceAlgorithm::Hierarchical { group_size };
        c
    };
    let dense = job(vec![layer(0, 1e6, 1_000)], 6);
    let err = check_iteration(&platform, &dense, &hierarchical(3, 1, 2)).unwrap_err();
    assert_eq!(err, TrainingError::AllReduceGroups { group: "data-parallel", ranks: 3, group_size: 2 });
    let config = hierarchical(3, 1, 3);
    check_iteration(&platform, &dense, &config).unwrap();
    run(&platform, &dense, &config);
    // ZeRO reduce-scatters the gradients: no all-reduce over the 3 replicas.
    let mut zero = hierarchical(3, 1, 2);
    zero.zero = ZeroStage::Optimizer;
    run(&platform, &dense, &zero);
    // Tensor-parallel all-reduces over 2 ranks cannot form groups of 4 (data-parallel 1 has none).
    let mut tp = layer(0, 1e6, 1_000);
    tp.forward_collectives = vec![LayerCollective { kind: CollectiveKind::AllReduce, bytes: 64.0 }];
    let tp_job = job(vec![tp], 2);
    let err = check_iteration(&platform, &tp_job, &hierarchical(1, 2, 4)).unwrap_err();
    assert_eq!(err, TrainingError::AllReduceGroups { group: "tensor-parallel", ranks: 2, group_size: 4 });
    let mut sequence_parallel = hierarchical(1, 2, 4);
    sequence_parallel.sequence_parallel = true;
    run(&platform, &tp_job, &sequence_parallel);
}
