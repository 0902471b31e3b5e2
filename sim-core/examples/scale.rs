//! One-shot scale measurements for BENCHMARKS.md (wall time and peak memory of single large runs,
//! too long for criterion's repeated sampling):
//!
//! ```sh
//! cargo run --release -p sim-core --example scale -- ring 4096     # ring all-reduce of 1 GiB
//! cargo run --release -p sim-core --example scale -- alltoall 256  # 1 MiB to every other host at once
//! cargo run --release -p sim-core --example scale -- hold 1000000  # concurrent flows held in memory
//! ```
//!
//! Hosts sit on a non-blocking two-level leaf/spine fat-tree of 400 Gb/s ports, 32 hosts per leaf.
//! Paths are chosen by hash-based ECMP; a third argument `dmodk` selects destination-mod-k routing
//! instead (as an InfiniBand fat-tree is routed).
#![allow(clippy::disallowed_methods)] // wall-clock timing is what this example measures

use std::time::Instant;

use sim_core::collective::{
    run_collective, AllReduceAlgorithm, AllToAllAlgorithm, Collective, CollectiveSpec, ExecOptions,
};
use sim_core::{FlowNetwork, PathSelection, Router, SimTime};

#[path = "../benches/common/leaf_spine.rs"]
mod leaf_spine;
use leaf_spine::fat_tree;

/// Peak resident memory of this process [bytes] (Linux `VmHWM`).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024)
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("ring");
    let n: u32 = args.get(2).map(|s| s.parse().expect("a number")).unwrap_or(1024);
    let selection = match args.get(3).map(String::as_str) {
        None | Some("hash") => PathSelection::Hash,
        Some("dmodk") => PathSelection::DestinationModK,
        Some(other) => panic!("unknown path selection {other}: hash or dmodk"),
    };
    let wall = Instant::now();
    match what {
        "ring" | "alltoall" => {
            let p = fat_tree(n);
            let hosts = p.hosts();
            let mut router = Router::with_selection(&p, selection);
            let mut net = FlowNetwork::new(&p);
            let (collective, bytes) = if what == "ring" {
                (Collective::AllReduce(AllReduceAlgorithm::Ring), 1u64 << 30)
            } else {
                (Collective::AllToAll(AllToAllAlgorithm::AllAtOnce), u64::from(n) << 20)
                // blocks of 1 MiB
            };
            let spec = CollectiveSpec { collective, bytes, chunks: 1 };
            let run = run_collective(&p, &mut router, &mut net, &hosts, &spec, SimTime::ZERO, &ExecOptions::default())
                .expect("runs");
            let s = wall.elapsed().as_secs_f64();
            println!(
                "{what} over {n} hosts ({selection:?}): {} flows, simulated {:.6} s, wall {s:.2} s ({:.2} us/flow), peak RSS {:.0} MiB, solver {:?}",
                run.stats.flows,
                run.stats.duration().as_secs_f64(),
                s * 1e6 / run.stats.flows as f64,
                peak_rss() as f64 / (1 << 20) as f64,
                net.stats()
            );
        }
        "hold" => {
            // n concurrent flows between random-ish host pairs of a 1024-host fat-tree, all started,
            // solved once, then held.
            let p = fat_tree(1024);
            let hosts = p.hosts();
            let mut router = Router::new(&p);
            let mut net = FlowNetwork::new(&p);
            let before = peak_rss();
            for k in 0..n as u64 {
                let a = (k * 7919) % 1024;
                let b = (a + 1 + (k * 104_729) % 1023) % 1024;
                let route = router.route(&p, hosts[a as usize], hosts[b as usize], k).expect("route");
                net.start(SimTime::ZERO, &route, 1 << 40, k);
            }
            let t = net.next_time().expect("latency ends");
            net.advance(t);
            net.next_time();
            println!(
                "hold {n} flows: wall {:.2} s, peak RSS {:.0} MiB ({:.0} MiB over the platform and router), {:.0} bytes/flow",
                wall.elapsed().as_secs_f64(),
                peak_rss() as f64 / (1 << 20) as f64,
                (peak_rss() - before) as f64 / (1 << 20) as f64,
                (peak_rss() - before) as f64 / n as f64
            );
        }
        other => panic!("unknown measurement {other}: ring, alltoall or hold"),
    }
}
