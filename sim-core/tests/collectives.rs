//! Collectives against their closed forms, on platforms built by hand.
//!
//! Link bandwidths are chosen so that every transfer time is a whole number of picoseconds
//! (12.5 GB/s = 80 ps per byte, 25 GB/s = 40 ps/byte, 250 GB/s = 4 ps/byte), so "exact" means
//! equal to the picosecond. Where a flow shares a link, the flow model's float rates are snapped
//! to the picosecond (`flow.rs`), and the closed forms still hold exactly.

use sim_core::collective::{
    bus_bandwidth, bus_factor, flatten_groups, run, run_collective, AllReduceAlgorithm, AllToAllAlgorithm,
    BroadcastAlgorithm, Collective, CollectiveKind, CollectiveSpec, CollectiveStats, ExecOptions, Execution,
};
use sim_core::platform::LinkSpec;
use sim_core::time::transfer_time;
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, FlowNetwork, NodeId, Platform, Router, SimDuration, SimTime};

fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1),
        efficiency: 1.0,
        memory_bytes: 1,
        memory_bandwidth: BytesPerSec(1),
        launch_overhead: SimDuration::ZERO,
    }
}

const B: BytesPerSec = BytesPerSec(12_500_000_000);
const L: SimDuration = SimDuration::from_ns(1_500);
/// Route latency on the star: two links.
const ALPHA: u64 = 2 * L.0;

/// N hosts on one switch with zero hop latency; full-duplex links of latency `l` and bandwidth `b`.
fn star(n: usize, b: BytesPerSec, l: SimDuration) -> (Platform, Vec<NodeId>) {
    let mut p = Platform::new();
    let sw = p.add_switch("switch", SimDuration::ZERO, 0);
    let hosts: Vec<NodeId> = (0..n).map(|i| p.add_host(format!("h{i}"), device(), 0)).collect();
    for &h in &hosts {
        p.connect(h, sw, &LinkSpec::new(b, l));
    }
    (p, hosts)
}

/// Time of `bytes` at bandwidth `b` [ps].
fn tt(bytes: u64, b: BytesPerSec) -> u64 {
    transfer_time(bytes, b).0
}

fn run_on(p: &Platform, hosts: &[NodeId], collective: Collective, bytes: u64, chunks: u32) -> CollectiveStats {
    run_with(p, hosts, collective, bytes, chunks, &ExecOptions::default())
}

fn run_with(
    p: &Platform,
    hosts: &[NodeId],
    collective: Collective,
    bytes: u64,
    chunks: u32,
    options: &ExecOptions,
) -> CollectiveStats {
    let mut router = Router::new(p);
    let mut net = FlowNetwork::new(p);
    let spec = CollectiveSpec { collective, bytes, chunks };
    let out = run_collective(p, &mut router, &mut net, hosts, &spec, SimTime::ZERO, options).unwrap();
    assert!(out.other.is_empty());
    assert_eq!(net.active(), 0, "every flow finished");
    out.stats
}

const RING: Collective = Collective::AllReduce(AllReduceAlgorithm::Ring);

/// System: the star (N hosts, link latency L, bandwidth B, so route latency α = 2L); ring
/// all-reduce of M bytes, M divisible by N, one chunk.
/// Expectation: 2(N−1)(α + M/(N·B)), exact; 2(N−1)·N flows carrying 2(N−1)·M bytes.
#[test]
fn ring_all_reduce_on_a_star() {
    for n in [2u64, 3, 4, 5, 8, 16] {
        let m = 3_000_000 * n;
        let (p, hosts) = star(n as usize, B, L);
        let s = run_on(&p, &hosts, RING, m, 1);
        assert_eq!(s.end, SimTime(2 * (n - 1) * (ALPHA + tt(m / n, B))), "n = {n}");
        assert_eq!((s.flows, s.bytes), (2 * (n - 1) * n, 2 * (n - 1) * m));
    }
}

/// System: the star; ring reduce-scatter and ring all-gather of M bytes (the whole buffer).
/// Expectation: each takes (N−1)(α + M/(N·B)), exact.
#[test]
fn reduce_scatter_and_all_gather_on_a_star() {
    for n in [2u64, 3, 7, 8] {
        let m = 3_000_000 * n;
        let (p, hosts) = star(n as usize, B, L);
        let want = SimTime((n - 1) * (ALPHA + tt(m / n, B)));
        assert_eq!(run_on(&p, &hosts, Collective::ReduceScatter, m, 1).end, want, "reduce-scatter n = {n}");
        assert_eq!(run_on(&p, &hosts, Collective::AllGather, m, 1).end, want, "all-gather n = {n}");
    }
}

/// System: the star, N = 2^d; recursive halving-doubling all-reduce of M bytes, M divisible by N.
/// Expectation: 2·d·α + 2(N−1)/N · M/B: round k of each phase moves M/2^(k+1) bytes per rank on
/// its own links; exact (every M/2^k is a whole number of picoseconds at 80 ps/byte).
#[test]
fn halving_doubling_on_a_star_power_of_two() {
    for d in 1..=5u64 {
        let n = 1 << d;
        let m = 3_000_000 * n;
        let (p, hosts) = star(n as usize, B, L);
        let s = run_on(&p, &hosts, Collective::AllReduce(AllReduceAlgorithm::HalvingDoubling), m, 1);
        assert_eq!(s.end, SimTime(2 * d * ALPHA + tt(2 * (n - 1) * m / n, B)), "n = {n}");
        assert_eq!(s.flows, 2 * d * n);
    }
}

/// System: the star, N = N' + e with N' = 2^d the largest power of two ≤ N and 0 < e < N'.
/// Expectation: the e extra ranks fold in and out (one full-buffer transfer each way, α + M/B),
/// around the power-of-two algorithm: 2(α + M/B) + 2·d·α + 2(N'−1)/N' · M/B, exact.
#[test]
fn halving_doubling_folds_other_rank_counts() {
    for n in [3u64, 5, 6, 7, 12] {
        let core = 1u64 << n.ilog2();
        let d = u64::from(n.ilog2());
        let m = 3_000_000 * core;
        let (p, hosts) = star(n as usize, B, L);
        let s = run_on(&p, &hosts, Collective::AllReduce(AllReduceAlgorithm::HalvingDoubling), m, 1);
        let want = 2 * (ALPHA + tt(m, B)) + 2 * d * ALPHA + tt(2 * (core - 1) * m / core, B);
        assert_eq!(s.end, SimTime(want), "n = {n}");
    }
}

/// DGX-like nodes on a rail-optimized fabric: `g` nodes of `l` GPUs; GPU j of node i is joined to
/// its node's NVSwitch (latency `l1`, bandwidth `b1`, hop latency `h1`) and to rail switch j
/// (latency `l2`, bandwidth `b2`, hop latency `h2`). Same-node GPUs talk over the NVSwitch only,
/// same-rank GPUs of different nodes over their rail only (hosts do not forward). Returns the hosts
/// grouped by node.
fn rail_optimized(
    g: usize,
    l: usize,
    (b1, l1, h1): (BytesPerSec, SimDuration, SimDuration),
    (b2, l2, h2): (BytesPerSec, SimDuration, SimDuration),
) -> (Platform, Vec<Vec<NodeId>>) {
    let mut p = Platform::new();
    let nodes: Vec<Vec<NodeId>> =
        (0..g).map(|i| (0..l).map(|j| p.add_host(format!("n{i}/gpu{j}"), device(), 0)).collect()).collect();
    let rails: Vec<NodeId> = (0..l).map(|j| p.add_switch(format!("rail{j}"), h2, 0)).collect();
    for (i, gpus) in nodes.iter().enumerate() {
        let nvswitch = p.add_switch(format!("n{i}/nvswitch"), h1, 0);
        for (j, &gpu) in gpus.iter().enumerate() {
            p.connect(gpu, nvswitch, &LinkSpec::new(b1, l1));
            p.connect(gpu, rails[j], &LinkSpec::new(b2, l2));
        }
    }
    (p, nodes)
}

/// System: G DGX-like nodes of 8 GPUs (NVSwitch links 250 GB/s, 0.5 µs, switch 0.1 µs; rail NIC
/// links 25 GB/s, 2 µs, switch 0.3 µs), so α₁ = 2·0.5 + 0.1 = 1.1 µs and α₂ = 2·2 + 0.3 = 4.3 µs;
/// hierarchical all-reduce of M bytes (M divisible by 8·G).
/// Expectation: intra-node ring reduce-scatter (L−1)(α₁ + M/(L·B₁)), then a ring all-reduce of M/L
/// among the same-rank GPUs of the G nodes on each rail, 2(G−1)(α₂ + M/(L·G·B₂)), then the
/// intra-node ring all-gather (L−1)(α₁ + M/(L·B₁)); the phases follow each other because every GPU
/// finishes each phase at the same time. Exact.
#[test]
fn hierarchical_all_reduce_on_dgx_nodes() {
    let nv = (BytesPerSec(250_000_000_000), SimDuration::from_ns(500), SimDuration::from_ns(100));
    let nic = (BytesPerSec(25_000_000_000), SimDuration::from_ns(2_000), SimDuration::from_ns(300));
    let (a1, a2) = (2 * nv.1 .0 + nv.2 .0, 2 * nic.1 .0 + nic.2 .0);
    for (g, l) in [(2u64, 8u64), (4, 8), (3, 4), (1, 8), (4, 1)] {
        let (p, groups) = rail_optimized(g as usize, l as usize, nv, nic);
        let (hosts, group_size) = flatten_groups(&groups).unwrap();
        let m = 1_200_000 * g * l;
        let collective = Collective::AllReduce(AllReduceAlgorithm::Hierarchical { group_size });
        let s = run_on(&p, &hosts, collective, m, 1);
        let want = 2 * (l - 1) * (a1 + tt(m / l, nv.0)) + 2 * (g - 1) * (a2 + tt(m / (l * g), nic.0));
        assert_eq!(s.end, SimTime(want), "{g} nodes × {l} GPUs");
    }
}

/// System: the star; all-to-all of an M-byte send buffer per host (M/N to each other host), every
/// transfer at once. Each uplink and downlink carries N−1 equal flows, each at B/(N−1).
/// Expectation: α + (N−1)/N · M/B, exact. Pairwise: N−1 rounds of one M/N transfer per link,
/// (N−1)(α + M/(N·B)), exact.
#[test]
fn all_to_all_on_a_star() {
    for n in [2u64, 3, 4, 8, 16] {
        let m = 3_000_000 * n;
        let (p, hosts) = star(n as usize, B, L);
        let s = run_on(&p, &hosts, Collective::AllToAll(AllToAllAlgorithm::AllAtOnce), m, 1);
        assert_eq!(s.end, SimTime(ALPHA + tt((n - 1) * m / n, B)), "all at once, n = {n}");
        assert_eq!((s.flows, s.bytes), (n * (n - 1), (n - 1) * m));
        let s = run_on(&p, &hosts, Collective::AllToAll(AllToAllAlgorithm::Pairwise), m, 1);
        assert_eq!(s.end, SimTime((n - 1) * (ALPHA + tt(m / n, B))), "pairwise, n = {n}");
    }
}

/// A two-level fat-tree: `leaves` leaf switches of `per_leaf` hosts (links `L`, `B`), `spines`
/// spine switches, every leaf joined to every spine by a cable of `uplink` bandwidth with zero
/// latency; all switches have zero hop latency, so every host-to-host route has α = 2L.
fn fat_tree(leaves: usize, per_leaf: usize, spines: usize, uplink: BytesPerSec) -> (Platform, Vec<NodeId>) {
    let mut p = Platform::new();
    let hosts: Vec<NodeId> = (0..leaves * per_leaf).map(|i| p.add_host(format!("h{i}"), device(), 0)).collect();
    let leaf: Vec<NodeId> = (0..leaves).map(|i| p.add_switch(format!("leaf{i}"), SimDuration::ZERO, 0)).collect();
    let spine: Vec<NodeId> = (0..spines).map(|i| p.add_switch(format!("spine{i}"), SimDuration::ZERO, 0)).collect();
    for (i, &h) in hosts.iter().enumerate() {
        p.connect(h, leaf[i / per_leaf], &LinkSpec::new(B, L));
    }
    for &l in &leaf {
        for &s in &spine {
            p.connect(l, s, &LinkSpec::new(uplink, SimDuration::ZERO));
        }
    }
    (p, hosts)
}

/// System: full-bisection two-level fat-trees of 4 leaves × 4 hosts (N = 16); all-to-all at once
/// of M bytes per host.
/// (a) One spine, leaf–spine cables of 4B (a leaf's uplink equals its hosts' total: non-blocking,
///     no path choice). Expectation: the host links are the bottleneck (N−1 flows each, at
///     B/(N−1); a leaf uplink carries 48 flows at B/15 = 3.2B < 4B): α + (N−1)/N · M/B, exact,
///     as on the star.
/// (b) Two spines, cables of 2B (the same bisection bandwidth), paths chosen by ECMP hashing.
///     Expectation: hashing does not split a leaf's 48 inter-leaf flows evenly (here 33 of them
///     share one 2B uplink, more than the 30 it carries at B/15), so that link sets the time:
///     α + max over links of (bytes carried / capacity), exact, and 10 % above (a).
#[test]
fn all_to_all_on_a_full_bisection_fat_tree() {
    let a2a = Collective::AllToAll(AllToAllAlgorithm::AllAtOnce);
    let (p, hosts) = fat_tree(4, 4, 1, BytesPerSec(4 * B.0));
    let n = hosts.len() as u64;
    let m = 3_000_000 * n;
    let ideal = SimTime(ALPHA + tt((n - 1) * m / n, B));
    assert_eq!(run_on(&p, &hosts, a2a, m, 1).end, ideal);

    let (p, hosts) = fat_tree(4, 4, 2, BytesPerSec(2 * B.0));
    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    let spec = CollectiveSpec { collective: a2a, bytes: m, chunks: 1 };
    let out = run_collective(&p, &mut router, &mut net, &hosts, &spec, SimTime::ZERO, &ExecOptions::default()).unwrap();
    let busiest = (0..p.links.len()).map(|l| tt(net.link_bytes()[l], p.links[l].bandwidth)).max().unwrap();
    assert_eq!(out.stats.end, SimTime(ALPHA + busiest));
    assert_eq!(busiest, 33 * tt(m / n, BytesPerSec(2 * B.0)));
    assert!(out.stats.end > ideal);
}

/// System: the star, N = 8; ring all-reduce of M bytes in c chunks (M divisible by N·c).
/// Expectation: with s = 2(N−1) steps, the ops of chunk j step k run in wave j + k; a wave holds
/// n_w ≤ min(c, s) ops on each rank's link, each of M/(N·c) bytes, and lasts α + n_w·M/(N·c·B);
/// summing the s + c − 1 waves gives (s + c − 1)·α + s·M/(N·B), exact. The bandwidth term is the
/// ring's (already optimal) one for every c; chunking adds (c − 1)·α, because a flow streams its
/// bytes and the ring's steps all share each rank's single link (see the module docs).
#[test]
fn chunked_ring_all_reduce_on_a_star() {
    let n = 8u64;
    let s = 2 * (n - 1);
    let (p, hosts) = star(n as usize, B, L);
    for c in [1u64, 2, 3, 4, 8, 16] {
        let m = 960_000 * n;
        let st = run_on(&p, &hosts, RING, m, c as u32);
        assert_eq!(st.end, SimTime((s + c - 1) * ALPHA + tt(s * m / n, B)), "c = {c}");
        assert_eq!(st.flows, s * n * c);
    }
}

/// System: the star, N = 8 hosts; broadcast of M = 96 MB from rank 3 down a chain in c chunks
/// (every hop on its own links).
/// Expectation: a pipeline of N−1 stages fed c items: (N − 2 + c)(α + M/(c·B)), exact; it falls
/// towards the bandwidth term M/B as c grows (c = 64: within 11 % of M/B, against 7·M/B for c = 1).
#[test]
fn pipelined_broadcast_approaches_the_bandwidth_term() {
    let n = 8u64;
    let (p, hosts) = star(n as usize, B, SimDuration::from_ns(500));
    let alpha = 1_000_000;
    let m = 96_000_000;
    let mut last = u64::MAX;
    for c in [1u64, 2, 4, 8, 16, 32, 64] {
        let collective = Collective::Broadcast { root: 3, algorithm: BroadcastAlgorithm::Pipeline };
        let s = run_on(&p, &hosts, collective, m, c as u32);
        assert_eq!(s.end, SimTime((n - 2 + c) * (alpha + tt(m / c, B))), "c = {c}");
        assert!(s.end.0 < last, "more chunks, sooner (c = {c})");
        last = s.end.0;
    }
    assert!((last as f64) < 1.11 * tt(m, B) as f64);
}

/// System: the star; binomial-tree broadcast of M bytes from rank 2 (N ≥ 3) or 0.
/// Expectation: ⌈log2 N⌉ rounds, each one M-byte transfer per sending rank on its own links:
/// ⌈log2 N⌉(α + M/B), exact.
#[test]
fn binomial_broadcast_on_a_star() {
    for n in [2u64, 3, 5, 8, 13, 16] {
        let (p, hosts) = star(n as usize, B, L);
        let root = if n >= 3 { 2 } else { 0 };
        let m = 4_000_000;
        let collective = Collective::Broadcast { root, algorithm: BroadcastAlgorithm::BinomialTree };
        let s = run_on(&p, &hosts, collective, m, 1);
        let rounds = u64::from(n.next_power_of_two().ilog2());
        assert_eq!(s.end, SimTime(rounds * (ALPHA + tt(m, B))), "n = {n}");
    }
}

const TREE: Collective = Collective::AllReduce(AllReduceAlgorithm::DoubleBinaryTree);

/// System: the star, N = 2; double binary tree all-reduce of M bytes in c chunks. Tree 0 (root 0)
/// and tree 1 (root 1) each carry M/2: per chunk a reduce to the root and a broadcast back.
/// Expectation: waves as in the chunked ring: wave w holds the reduces of chunk w and the
/// broadcasts of chunk w − 1; the two middle kinds of wave share a link, so
/// (c + 1)·α + M/B, exact.
#[test]
fn double_binary_tree_two_ranks() {
    let (p, hosts) = star(2, B, L);
    for c in [1u64, 2, 4, 8] {
        let m = 6_000_000 * c;
        let s = run_on(&p, &hosts, TREE, m, c as u32);
        assert_eq!(s.end, SimTime((c + 1) * ALPHA + tt(m, B)), "c = {c}");
    }
}

/// System: the star with zero link latency, N = 8 and 16; double binary tree all-reduce of M
/// bytes. A rank interior in one tree (two children) and a leaf in the other sends M/2 up in each
/// tree and M/2 to each of two children: 2M bytes on its uplink.
/// Expectation: the time is at least 2M/B, and pipelining brings it close: with c = 64 chunks
/// within 5 % of 2M/B (measured: 1.8 % above for N = 8, 3.3 % for N = 16; 0.5 % and 0.8 % at
/// c = 256), while unchunked it takes 2.5 × (N = 8) and 3.5 × (N = 16) the bound, because each
/// level of the trees waits for the whole half-buffer from the level below.
#[test]
fn double_binary_tree_pipelines_towards_twice_m_over_b() {
    for n in [8usize, 16] {
        let (p, hosts) = star(n, B, SimDuration::ZERO);
        let m = 64_000_000;
        let bound = 2 * tt(m, B);
        let one = run_on(&p, &hosts, TREE, m, 1).end.0;
        let many = run_on(&p, &hosts, TREE, m, 64).end.0;
        assert!(many >= bound && (many as f64) < 1.05 * bound as f64, "n = {n}: {many} vs {bound}");
        assert!(one >= 5 * bound / 2, "n = {n}: unchunked {one}");
    }
}

/// System: the star, N = 16, α = 3 µs, a 16 KiB all-reduce (latency-bound).
/// Expectation: the tree's O(log N) depth beats the ring's 2(N − 1) = 30 latency terms, and
/// halving-doubling's 2·log2 N = 8 latency terms beat both.
#[test]
fn small_all_reduces_favour_logarithmic_algorithms() {
    let (p, hosts) = star(16, B, L);
    let m = 16_384;
    let ring = run_on(&p, &hosts, RING, m, 1).end;
    let tree = run_on(&p, &hosts, TREE, m, 1).end;
    let rhd = run_on(&p, &hosts, Collective::AllReduce(AllReduceAlgorithm::HalvingDoubling), m, 1).end;
    assert!(rhd < tree && tree < ring, "rhd {rhd}, tree {tree}, ring {ring}");
    assert_eq!(ring, SimTime(30 * (ALPHA + tt(m / 16, B))));
}

/// System: the star, N = 8; two ring all-reduces of M bytes each over the same hosts in the same
/// order, started together.
/// Expectation: every link carries both rings' flows at each step, each at B/2, so each step takes
/// α + 2M/(N·B) and both end at 2(N−1)(α + 2M/(N·B)), exact: 2(N−1)·M/(N·B) later than one alone
/// (the bandwidth term doubles, the latency term does not). Two rings over disjoint halves of the
/// hosts share no link and each takes its time alone.
#[test]
fn concurrent_collectives_contend_for_links() {
    let n = 8u64;
    let m = 3_000_000 * n;
    let (p, hosts) = star(n as usize, B, L);
    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    let exec = |hosts: &[NodeId], key| {
        let schedule = RING.schedule(hosts.len(), m, 1).unwrap();
        Execution::new(schedule, hosts.to_vec(), SimTime::ZERO, ExecOptions { flow_key: key, ..Default::default() })
            .unwrap()
    };
    let mut both = [exec(&hosts, 1), exec(&hosts, 2)];
    run(&p, &mut router, &mut net, &mut both).unwrap();
    let alone = 2 * (n - 1) * (ALPHA + tt(m / n, B));
    let shared = 2 * (n - 1) * (ALPHA + tt(2 * m / n, B));
    assert_eq!(both.map(|e| e.stats().end), [SimTime(shared); 2]);
    assert_eq!(shared - alone, 2 * (n - 1) * tt(m / n, B));

    let mut net = FlowNetwork::new(&p);
    let half = (n / 2) as usize;
    let mut apart = [exec(&hosts[..half], 1), exec(&hosts[half..], 2)];
    run(&p, &mut router, &mut net, &mut apart).unwrap();
    let want = 2 * (half as u64 - 1) * (ALPHA + tt(m / half as u64, B));
    assert_eq!(apart.map(|e| e.stats().end), [SimTime(want); 2]);
}

/// System: the star, N = 4; a 2 MB background flow h0 → h2 started at t = 0 (alone it would end
/// at α + 160 µs), then a ring all-reduce of 4 MB starting at 10 µs (alone 6(α + 80 µs) = 516 µs).
/// Expectation: the flows share h0's uplink and h2's downlink, so the all-reduce ends later than
/// alone and the background flow later than alone; its completion is handed back to the caller,
/// and the network is idle afterwards. Starting a collective in the network's past is an error.
#[test]
fn other_traffic_shares_links_and_is_handed_back() {
    let n = 4;
    let (p, hosts) = star(n, B, L);
    let mut router = Router::new(&p);
    let mut net = FlowNetwork::new(&p);
    let route = router.route(&p, hosts[0], hosts[2], 0).unwrap();
    net.start(SimTime::ZERO, &route, 2_000_000, 77);
    let spec = CollectiveSpec { collective: RING, bytes: 4_000_000, chunks: 1 };
    let start = SimTime(10_000_000);
    let out = run_collective(&p, &mut router, &mut net, &hosts, &spec, start, &ExecOptions::default()).unwrap();
    assert!(out.stats.duration().0 > 6 * (ALPHA + tt(1_000_000, B)));
    assert_eq!(out.other.len(), 1);
    assert_eq!(out.other[0].tag, 77);
    assert!(out.other[0].finished.0 > ALPHA + tt(2_000_000, B));
    assert_eq!(net.active(), 0);
    let err = run_collective(&p, &mut router, &mut net, &hosts, &spec, SimTime::ZERO, &ExecOptions::default());
    assert!(matches!(err, Err(sim_core::collective::CollectiveError::StartInPast { .. })));
}

/// System: the star, N = 8; ring all-reduce of M bytes with a reduction rate R = 50 GB/s and a
/// 2 µs launch overhead per reduction.
/// Expectation: each of the N−1 reduce-scatter steps waits for the receiver's reduction of M/N
/// bytes before the next step, all-gather steps copy: 2(N−1)(α + M/(N·B)) + (N−1)(2 µs + M/(N·R)),
/// exact.
#[test]
fn reduction_time_delays_reduce_scatter_steps() {
    let n = 8u64;
    let m = 3_000_000 * n;
    let (p, hosts) = star(n as usize, B, L);
    let rate = BytesPerSec(50_000_000_000);
    let options = ExecOptions {
        reduction_rate: Some(rate),
        reduction_overhead: SimDuration::from_us(2),
        ..ExecOptions::default()
    };
    let s = run_with(&p, &hosts, RING, m, 1, &options);
    let want = 2 * (n - 1) * (ALPHA + tt(m / n, B)) + (n - 1) * (2_000_000 + tt(m / n, rate));
    assert_eq!(s.end, SimTime(want));
}

/// nccl-tests' factors (doc/PERFORMANCE.md): all-reduce 2(n−1)/n, reduce-scatter, all-gather and
/// all-to-all (n−1)/n, broadcast and reduce 1.
/// System: the star, N = 8, 1 GB ring all-reduce and all-to-all, α = 3 µs.
/// Expectation: bus bandwidth within 0.1 % below B for the ring (busbw = B/(1 + α·N·B/M)) and for
/// all-to-all (busbw = B/(1 + α·N·B/((N−1)·M))), never above B.
#[test]
fn bus_bandwidth_matches_nccl_tests() {
    assert_eq!(bus_factor(CollectiveKind::AllReduce, 8), 1.75);
    assert_eq!(bus_factor(CollectiveKind::ReduceScatter, 8), 0.875);
    assert_eq!(bus_factor(CollectiveKind::AllGather, 4), 0.75);
    assert_eq!(bus_factor(CollectiveKind::AllToAll, 2), 0.5);
    assert_eq!(bus_factor(CollectiveKind::Broadcast, 8), 1.0);
    assert_eq!(bus_factor(CollectiveKind::Reduce, 8), 1.0);
    assert_eq!(bus_bandwidth(CollectiveKind::AllReduce, 1_000, 4, SimDuration::from_us(1)), 1.5e9);
    let n = 8;
    let m = 1_000_000_000;
    let (p, hosts) = star(n, B, L);
    for collective in [RING, Collective::AllToAll(AllToAllAlgorithm::AllAtOnce)] {
        let s = run_on(&p, &hosts, collective, m, 1);
        let busbw = bus_bandwidth(collective.kind(), m, n, s.duration());
        let b = B.0 as f64;
        assert!(busbw <= b && busbw > 0.999 * b, "{collective:?}: {busbw}");
    }
}

/// The same collective twice gives the same op-by-op timeline (FIFO start order, no hashing).
#[test]
fn runs_are_deterministic() {
    let (p, hosts) = star(12, B, L);
    let timeline = || {
        let mut router = Router::new(&p);
        let mut net = FlowNetwork::new(&p);
        let schedule = TREE.schedule(12, 7_777_777, 5).unwrap();
        let options = ExecOptions { record: true, ..Default::default() };
        let mut e = [Execution::new(schedule, hosts.clone(), SimTime(42), options).unwrap()];
        run(&p, &mut router, &mut net, &mut e).unwrap();
        (e[0].stats(), e[0].records().to_vec())
    };
    assert_eq!(timeline(), timeline());
}

/// System: the star, N = 256; ring all-reduce (130 560 transfers, generated on demand).
/// Expectation: the closed form 2(N−1)(α + M/(N·B)), exact.
#[test]
fn large_ring_matches_the_closed_form() {
    let n = 256u64;
    let m = 100_000 * n;
    let (p, hosts) = star(n as usize, B, L);
    let s = run_on(&p, &hosts, RING, m, 1);
    assert_eq!(s.end, SimTime(2 * (n - 1) * (ALPHA + tt(m / n, B))));
    assert_eq!(s.flows, 2 * (n - 1) * n);
}
