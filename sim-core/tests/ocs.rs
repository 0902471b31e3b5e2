//! Optical circuit-switched fabrics: reconfiguration delays and forwarding through GPUs.

use sim_core::collective::ring_all_reduce;
use sim_core::ocs;
use sim_core::platform::LinkSpec;
use sim_core::time::transfer_time;
use sim_core::{
    BytesPerSec, ComputeDevice, FlopPerSec, FlowNetwork, LinkId, NodeId, Platform, Router, SimDuration, SimTime,
};

/// 100 GB/s optical circuits with 100 ns of fibre.
const CIRCUIT_BW: BytesPerSec = BytesPerSec(100_000_000_000);

fn gpu() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(989_000_000_000_000),
        efficiency: 0.5,
        memory_bytes: 80 << 30,
        memory_bandwidth: BytesPerSec(3_350_000_000_000),
        launch_overhead: SimDuration::ZERO,
    }
}

/// `n` forwarding GPUs and a circuit (full-duplex link) for each pair in `circuits`; returns the
/// platform, the GPUs and each circuit's two directions.
fn fabric(
    n: usize,
    circuits: &[(usize, usize)],
    latency: SimDuration,
) -> (Platform, Vec<NodeId>, Vec<(LinkId, LinkId)>) {
    let mut p = Platform::new();
    let gpus: Vec<NodeId> = (0..n).map(|i| p.add_host(format!("gpu{i}"), gpu(), 0)).collect();
    for &g in &gpus {
        p.set_forwarding(g, true);
    }
    let links =
        circuits.iter().map(|&(a, b)| p.connect(gpus[a], gpus[b], &LinkSpec::new(CIRCUIT_BW, latency))).collect();
    (p, gpus, links)
}

fn drain(net: &mut FlowNetwork) -> Vec<(u64, SimTime)> {
    let mut out = Vec::new();
    while let Some(t) = net.next_time() {
        net.check_capacity().unwrap();
        out.extend(net.advance(t).into_iter().map(|c| (c.tag, c.finished)));
    }
    out
}

/// System: GPUs 0 – 1 – 2 with circuits 0–1 and 1–2 only, no latency; a flow 0→2 (relayed by
/// GPU 1) and GPU 1's own flow 1→2, n bytes each, both at t = 0.
/// Expectation: the relayed flow crosses 1→2, so the two share it: both end at 2n/B. Alone, the
/// relayed flow takes n/B; if GPU 1 does not forward, there is no route.
#[test]
fn a_relayed_flow_competes_with_the_relaying_gpus_own_traffic() {
    let n = 1_000_000_000;
    let (mut p, g, _) = fabric(3, &[(0, 1), (1, 2)], SimDuration::ZERO);
    let mut router = Router::new(&p);
    let relayed = router.route(&p, g[0], g[2], 0).unwrap();
    assert_eq!(relayed.links.len(), 2, "0→2 goes through GPU 1");
    let own = router.route(&p, g[1], g[2], 1).unwrap();
    let mut net = FlowNetwork::new(&p);
    net.start(SimTime::ZERO, &relayed, n, 0);
    net.start(SimTime::ZERO, &own, n, 1);
    let both = SimTime::ZERO + transfer_time(2 * n, CIRCUIT_BW);
    assert_eq!(drain(&mut net), vec![(0, both), (1, both)]);

    let mut alone = FlowNetwork::new(&p);
    alone.start(SimTime::ZERO, &relayed, n, 0);
    assert_eq!(drain(&mut alone), vec![(0, SimTime::ZERO + transfer_time(n, CIRCUIT_BW))]);

    p.set_forwarding(g[1], false);
    assert!(Router::new(&p).route(&p, g[0], g[2], 0).is_err());
}

/// System: one circuit carrying a 1 GB flow (10 ms at 100 GB/s) and a second, unaffected circuit
/// carrying another; at t = 4 ms the first circuit is re-established with a 25 ms delay.
/// Expectation: the affected flow ends exactly 25 ms late (35 ms); the other is undisturbed
/// (10 ms); the dark circuit carried nothing during the delay.
#[test]
fn a_reconfigured_circuit_carries_nothing_for_exactly_the_delay() {
    let (p, g, c) = fabric(4, &[(0, 1), (2, 3)], SimDuration::ZERO);
    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    let gb = 1_000_000_000;
    net.start(SimTime::ZERO, &router.route(&p, g[0], g[1], 0).unwrap(), gb, 0);
    net.start(SimTime::ZERO, &router.route(&p, g[2], g[3], 1).unwrap(), gb, 1);
    let ms = |x: u64| SimTime(x * 1_000_000_000);
    // Run to 4 ms (process the latency ends at t = 0 first).
    while net.next_time().is_some_and(|t| t <= ms(4)) {
        let t = net.next_time().unwrap();
        assert!(net.advance(t).is_empty());
    }
    let ready = ocs::reconfigure(&mut net, &mut router, ms(4), &[c[0].0], &[c[0].0], SimDuration::from_ms(25));
    assert_eq!(ready, ms(29));
    let mut done = drain(&mut net);
    done.sort();
    assert_eq!(done, vec![(0, ms(35)), (1, ms(10))]);
}

/// System: 4 GPUs with circuits for two rings, A = 0→1→2→3→0 (up) and B = 0→2→1→3→0 (dark);
/// a ring all-reduce of M bytes over A, then a reconfiguration from A to B taking d, then the
/// same all-reduce over B once its circuits are up.
/// Expectation: the second all-reduce ends at T_A + d + T_B exactly, T_A and T_B being each
/// ring's time on an idle fabric; ring A's circuits carry nothing after the reconfiguration.
#[test]
fn ring_all_reduces_around_a_reconfiguration_differ_by_exactly_the_delay() {
    let latency = SimDuration::from_ns(100);
    let ring_a = [(0, 1), (1, 2), (2, 3), (3, 0)];
    let ring_b = [(0, 2), (2, 1), (1, 3), (3, 0)];
    let all: Vec<(usize, usize)> = ring_a.iter().chain(&ring_b[..3]).copied().collect();
    let (p, g, c) = fabric(4, &all, latency);
    let order_a = vec![g[0], g[1], g[2], g[3]];
    let order_b = vec![g[0], g[2], g[1], g[3]];
    let m = 400_000_000;
    let d = SimDuration::from_ms(10);

    // Each ring alone, on a fabric where only its circuits exist.
    let alone = |circuits: &[(usize, usize)], order: &[usize]| {
        let (p, g, _) = fabric(4, circuits, latency);
        let hosts: Vec<NodeId> = order.iter().map(|&i| g[i]).collect();
        let mut router = Router::new(&p);
        let mut net = FlowNetwork::new(&p);
        ring_all_reduce(&p, &mut router, &mut net, &hosts, m, SimTime::ZERO).unwrap()
    };
    let t_a = alone(&ring_a, &[0, 1, 2, 3]);
    let t_b = alone(&ring_b, &[0, 2, 1, 3]);

    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    // Circuits of B that A does not have start dark.
    let only_b: Vec<LinkId> = c[4..].iter().flat_map(|&(x, y)| [x, y]).collect();
    let only_a: Vec<LinkId> = c[0..3].iter().flat_map(|&(x, y)| [x, y]).collect();
    for &l in &only_b {
        router.set_link_up(l, false);
        net.set_link_up(SimTime::ZERO, l, false);
    }
    let end_a = ring_all_reduce(&p, &mut router, &mut net, &order_a, m, SimTime::ZERO).unwrap();
    assert_eq!(end_a, t_a);
    let bytes_a: Vec<u64> = only_a.iter().map(|l| net.link_bytes()[l.index()]).collect();
    let ready = ocs::reconfigure(&mut net, &mut router, end_a, &only_a, &only_b, d);
    // The runtime waits for the circuits, then starts the second collective.
    while let Some(t) = net.next_time() {
        net.advance(t);
    }
    let end_b = ring_all_reduce(&p, &mut router, &mut net, &order_b, m, ready).unwrap();
    assert_eq!(end_b, SimTime(t_a.0 + d.0 + t_b.0));
    let bytes_after: Vec<u64> = only_a.iter().map(|l| net.link_bytes()[l.index()]).collect();
    assert_eq!(bytes_a, bytes_after, "torn-down circuits carry nothing");
}
