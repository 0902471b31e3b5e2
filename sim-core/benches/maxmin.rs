//! Cost of max-min re-solves in [`FlowNetwork`] as the number of concurrent flows grows.
//!
//! * `pods/change/N`: `N` long-lived background flows spread over `N / 4` disjoint pods (4 hosts on
//!   one switch, 4 background flows per pod, so every connected component stays small). One change
//!   = start one short flow in a pseudo-random pod, let its latency end, re-solve, run it to its
//!   completion, re-solve again (two incremental solves). Expected: flat in `N`.
//! * `giant/change/N`: `N` background flows all crossing one core link between two switches, so
//!   every flow is in one component; one start + finish of an extra flow (two full-solve fallbacks).
//! * `*/cold_full_solve/N`: one solve of `N` flows that all became sending at once (every rate
//!   changes), i.e. the cost of a from-scratch full solve on each platform.
//!
//! Background flows are sized to last ~10⁶ simulated seconds, so none finishes while measured and
//! the only completion of each change is the short flow's (checked). Before the benchmarks a sanity
//! pass prints the solver counters per change, showing which path each case takes.
//!
//! Run with `CARGO_TARGET_DIR=/work/target-maxmin cargo bench -p sim-core --bench maxmin`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use rand::Rng;
use sim_core::flow::SolverStats;
use sim_core::rng::{stream, StreamKind};
use sim_core::{
    BytesPerSec, ComputeDevice, FlopPerSec, FlowNetwork, LinkSpec, NodeId, Platform, Route, Router, SimDuration,
    SimTime,
};

/// Total background-flow counts.
const SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Hosts per pod and background flows per pod in the small-component case.
const HOSTS_PER_POD: usize = 4;
const FLOWS_PER_POD: usize = 4;
/// Hosts on each side of the core link in the giant-component case.
const HOSTS_PER_SIDE: usize = 64;
/// Link bandwidth everywhere [bytes/s] (100 Gb/s).
const BW: u64 = 12_500_000_000;
/// Bytes of the short flow of one change.
const SHORT_BYTES: u64 = 1_000_000;
/// Simulated lifetime of a background flow at its lowest possible rate [s].
const BG_LIFETIME_S: f64 = 1e6;
/// Pre-drawn changes (cycled).
const PLAN: usize = 4096;

fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1_000_000_000_000),
        efficiency: 1.0,
        memory_bytes: 1 << 30,
        memory_bandwidth: BytesPerSec(1_000_000_000_000),
        launch_overhead: SimDuration::ZERO,
    }
}

fn spec() -> LinkSpec {
    LinkSpec::new(BytesPerSec(BW), SimDuration::from_ns(100))
}

/// A network in steady state plus the routes of the changes to apply to it.
struct Bench {
    net: FlowNetwork,
    /// Routes of the short flows, cycled.
    plan: Vec<Route>,
    cursor: usize,
    tag: u64,
    /// Routes of the background flows (for the cold full solve).
    background: Vec<Route>,
    bg_bytes: u64,
    platform: Platform,
}

impl Bench {
    /// `N / 4` pods of 4 hosts on a switch; 4 background flows per pod between random host pairs.
    fn pods(n: usize) -> Self {
        let pods = n.div_ceil(FLOWS_PER_POD);
        let mut p = Platform::new();
        let mut hosts: Vec<Vec<NodeId>> = Vec::with_capacity(pods);
        for k in 0..pods {
            let sw = p.add_switch(format!("pod{k}/sw"), SimDuration::from_ns(200), 0);
            let hs: Vec<NodeId> = (0..HOSTS_PER_POD).map(|h| p.add_host(format!("pod{k}/h{h}"), device(), 0)).collect();
            for &h in &hs {
                p.connect(h, sw, &spec());
            }
            hosts.push(hs);
        }
        let mut router = Router::new(&p);
        let mut rng = stream(1, StreamKind::Test, n as u32);
        let mut pair = |rng: &mut rand_chacha::ChaCha8Rng, pod: usize, key: u64| {
            let a = rng.random_range(0..HOSTS_PER_POD);
            let b = (a + rng.random_range(1..HOSTS_PER_POD)) % HOSTS_PER_POD;
            router.route(&p, hosts[pod][a], hosts[pod][b], key).expect("pod hosts are connected")
        };
        let background: Vec<Route> = (0..n).map(|i| pair(&mut rng, i % pods, i as u64)).collect();
        let plan: Vec<Route> = (0..PLAN)
            .map(|i| {
                let pod = rng.random_range(0..pods);
                pair(&mut rng, pod, (n + i) as u64)
            })
            .collect();
        // At most FLOWS_PER_POD + 1 flows share a link.
        Self::build(p, background, plan, FLOWS_PER_POD + 1)
    }

    /// Two switches joined by one core cable, 64 hosts on each; every flow goes left to right.
    fn giant(n: usize) -> Self {
        let mut p = Platform::new();
        let left = p.add_switch("left", SimDuration::from_ns(200), 0);
        let right = p.add_switch("right", SimDuration::from_ns(200), 0);
        p.connect(left, right, &spec());
        let mut side = |sw: NodeId, name: &str| -> Vec<NodeId> {
            (0..HOSTS_PER_SIDE)
                .map(|h| {
                    let id = p.add_host(format!("{name}/h{h}"), device(), 0);
                    p.connect(id, sw, &spec());
                    id
                })
                .collect()
        };
        let ls = side(left, "l");
        let rs = side(right, "r");
        let mut router = Router::new(&p);
        let mut rng = stream(2, StreamKind::Test, n as u32);
        let mut pair = |rng: &mut rand_chacha::ChaCha8Rng, key: u64| {
            let a = rng.random_range(0..HOSTS_PER_SIDE);
            let b = rng.random_range(0..HOSTS_PER_SIDE);
            router.route(&p, ls[a], rs[b], key).expect("left and right are connected")
        };
        let background: Vec<Route> = (0..n).map(|i| pair(&mut rng, i as u64)).collect();
        let plan: Vec<Route> = (0..PLAN).map(|i| pair(&mut rng, (n + i) as u64)).collect();
        Self::build(p, background, plan, n + 1)
    }

    /// Starts the background flows (sized to outlive any benchmark) and runs them past their latency.
    fn build(platform: Platform, background: Vec<Route>, plan: Vec<Route>, max_sharing: usize) -> Self {
        let bg_bytes = (BW as f64 / max_sharing as f64 * BG_LIFETIME_S) as u64;
        let net = Self::started(&platform, &background, bg_bytes);
        let mut b = Bench { net, plan, cursor: 0, tag: 1 << 40, background, bg_bytes, platform };
        // Settle: first (full) solve of the background, then a few warm-up changes so scratch buffers
        // and the event heap have their steady-state capacity.
        b.net.next_time();
        for _ in 0..64 {
            b.change();
        }
        b
    }

    /// A fresh network with every background flow sending and rates not yet solved. All routes of
    /// one topology have the same latency, so one `advance` ends every latency phase.
    fn started(platform: &Platform, background: &[Route], bg_bytes: u64) -> FlowNetwork {
        let mut net = FlowNetwork::new(platform);
        for (i, r) in background.iter().enumerate() {
            assert_eq!(r.latency, background[0].latency, "set-up assumes one route latency");
            net.start(SimTime::ZERO, r, bg_bytes, i as u64);
        }
        let t = net.next_time().expect("background flows are pending");
        assert!(net.advance(t).is_empty(), "no background flow ends during set-up");
        assert_eq!(net.stats().solves, 0, "rates are solved by the caller's next_time()");
        net
    }

    /// One change: start a short flow, run it to completion. Returns its finish time.
    #[inline]
    fn change(&mut self) -> SimTime {
        let route = &self.plan[self.cursor];
        self.cursor = (self.cursor + 1) % self.plan.len();
        let tag = self.tag;
        self.tag += 1;
        let now = self.net.now();
        self.net.start(now, route, SHORT_BYTES, tag);
        loop {
            let t = self.net.next_time().expect("the short flow is pending");
            let done = self.net.advance(t);
            match done.as_slice() {
                [] => {}
                [c] if c.tag == tag => return c.finished,
                other => panic!("unexpected completions {other:?}"),
            }
        }
    }
}

fn delta(a: SolverStats, b: SolverStats) -> SolverStats {
    SolverStats {
        solves: b.solves - a.solves,
        full_solves: b.full_solves - a.full_solves,
        flows_resolved: b.flows_resolved - a.flows_resolved,
    }
}

/// Solver counters per change (which path each case takes) and the counters of one cold solve.
fn sanity() {
    println!("sanity: solver counters per change (after set-up and 64 warm-up changes)");
    println!(
        "{:<6} {:>6} {:>7} {:>9} {:>12} {:>16}",
        "case", "N", "changes", "solves", "full_solves", "flows_resolved"
    );
    for (name, make) in [("pods", Bench::pods as fn(usize) -> Bench), ("giant", Bench::giant)] {
        for n in SIZES {
            let mut b = make(n);
            let changes: usize = if name == "giant" { (200_000 / n).max(20) } else { 20_000 };
            let before = b.net.stats();
            for _ in 0..changes {
                black_box(b.change());
            }
            let d = delta(before, b.net.stats());
            let c = changes as f64;
            println!(
                "{:<6} {:>6} {:>7} {:>9.2} {:>12.2} {:>16.2}",
                name,
                n,
                changes,
                d.solves as f64 / c,
                d.full_solves as f64 / c,
                d.flows_resolved as f64 / c
            );
            let mut cold = Bench::started(&b.platform, &b.background, b.bg_bytes);
            cold.next_time();
            let cs = cold.stats();
            println!(
                "{:<6} {:>6} cold solve: solves {} full_solves {} flows_resolved {}",
                name, n, cs.solves, cs.full_solves, cs.flows_resolved
            );
        }
    }
}

fn benches(c: &mut Criterion) {
    for (name, make) in [("pods", Bench::pods as fn(usize) -> Bench), ("giant", Bench::giant)] {
        let mut g = c.benchmark_group(format!("maxmin/{name}"));
        g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
        g.throughput(Throughput::Elements(1));
        for n in SIZES {
            let mut b = make(n);
            g.bench_with_input(BenchmarkId::new("change", n), &n, |bench, _| bench.iter(|| black_box(b.change())));
            // A from-scratch solve of the same background flows: every flow sending, none rated yet.
            let (platform, background, bg_bytes) = (b.platform.clone(), b.background.clone(), b.bg_bytes);
            drop(b);
            g.bench_with_input(BenchmarkId::new("cold_full_solve", n), &n, |bench, _| {
                bench.iter_batched_ref(
                    || Bench::started(&platform, &background, bg_bytes),
                    |net| {
                        let t = net.next_time();
                        debug_assert_eq!(net.stats().full_solves, 1);
                        black_box(t)
                    },
                    BatchSize::LargeInput,
                )
            });
        }
        g.finish();
    }
}

fn main() {
    // `cargo bench -- <filter>` skips the sanity pass.
    if std::env::args().skip(1).all(|a| a.starts_with('-')) {
        sanity();
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
