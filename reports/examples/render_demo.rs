//! Renders the demo report's figures and tables into a directory (default `/tmp/reports-demo`), to look at.
//!
//! `cargo run -p reports --example render_demo -- [OUT_DIR]`

use reports::*;

fn demo_report() -> RunReport {
    // Logistic-loss-like curves: fast initial drop, then a slow tail; async is faster per clock in time but noisier.
    // Staleness histograms [reads per staleness]: BSP reads fresh rows, SSP(3) up to 3 clocks old, async has a tail.
    let histogram = |name: &str| -> Vec<u64> {
        match name {
            "bsp" => vec![1000],
            "ssp (s=3)" => vec![180, 320, 300, 200],
            _ => (0..11u64).map(|k| 300 / (k + 1)).collect(),
        }
    };
    let variant = |name: &str, clock_s: f64, rate: f64, floor: f64, wait_frac: f64| {
        let staleness_histogram = histogram(name);
        let reads: u64 = staleness_histogram.iter().sum();
        let mean =
            staleness_histogram.iter().enumerate().map(|(k, &n)| k as f64 * n as f64).sum::<f64>() / reads as f64;
        let variance =
            staleness_histogram.iter().enumerate().map(|(k, &n)| n as f64 * (k as f64 - mean).powi(2)).sum::<f64>()
                / reads as f64;
        let clocks = 60u64;
        let convergence: Vec<ConvergencePoint> = (0..=clocks)
            .map(|c| {
                let t = c as f64 * clock_s;
                let wiggle = if name == "async" { 0.004 * ((c as f64) * 1.7).sin() } else { 0.0 };
                let objective = floor + (std::f64::consts::LN_2 - floor) * (-rate * c as f64).exp() + wiggle;
                ConvergencePoint { clock: c, sim_time_s: t, objective }
            })
            .collect();
        let workers = 8u32;
        let total = clocks as f64 * clock_s * f64::from(workers);
        let worker_clocks = (0..workers)
            .flat_map(|w| {
                (1..=clocks).map(move |c| WorkerClockRecord {
                    worker: w,
                    clock: c,
                    sim_time_s: c as f64 * clock_s,
                    objective: None,
                    bytes: 4096,
                    compute_s: 0.5 * clock_s,
                    communication_s: (0.5 - wait_frac) * clock_s,
                    wait_s: wait_frac * clock_s,
                })
            })
            .collect();
        VariantReport {
            name: name.into(),
            summary: VariantSummary {
                final_objective: convergence.last().unwrap().objective,
                sim_time_s: clocks as f64 * clock_s,
                clocks,
                workers,
                bytes_sent: 1 << 30,
                wan_bytes: (2.5e9 * clock_s) as u64,
                wan_cost_usd: 2.5 * clock_s * 0.02,
                compute_s: 0.5 * total,
                communication_s: (0.5 - wait_frac) * total,
                waiting_s: wait_frac * total,
                reads,
                staleness_mean: mean,
                staleness_variance: variance,
                staleness_max: staleness_histogram.len() as u64 - 1,
                staleness_histogram,
                staleness_violations: 0,
                rows_pushed: 0,
                time_to_target_s: None,
                events: 123_456,
                asp: None,
                strads: None,
            },
            convergence,
            worker_clocks,
            rounds: Vec::new(),
            faults: None,
        }
    };
    RunReport {
        scenario: "quickstart_lr_8workers".into(),
        seed: 42,
        objective_name: "logistic loss".into(),
        target_objective: Some(0.30),
        variants: vec![
            variant("bsp", 0.9, 0.25, 0.28, 0.3),
            variant("ssp (s=3)", 0.7, 0.22, 0.281, 0.15),
            variant("async", 0.55, 0.18, 0.285, 0.02),
        ],
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/tmp/reports-demo".into());
    std::fs::create_dir_all(&dir).unwrap();
    let r = demo_report();
    let write = |name: &str, bytes: &[u8]| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    write("convergence.png", &convergence_png(&r).unwrap());
    write("convergence.svg", convergence_svg(&r).unwrap().as_bytes());
    write("breakdown.png", &breakdown_png(&r).unwrap());
    write("breakdown.svg", breakdown_svg(&r).unwrap().as_bytes());
    write("staleness.png", &staleness_png(&r).unwrap());
    write("staleness.svg", staleness_svg(&r).unwrap().as_bytes());
    write("wan.png", &wan_png(&r).unwrap());
    write("wan.svg", wan_svg(&r).unwrap().as_bytes());
    write("staleness.csv", staleness_csv(&r).as_bytes());
    write("summary.json", summary_json(&r).as_bytes());
    write("metrics.csv", metrics_csv(&r).as_bytes());
    write("convergence.csv", convergence_csv(&r).as_bytes());
    collective_main(&dir);
    strads_main(&dir);
    println!("wrote {dir}");
}

/// Routes `src → dst` over the two-level fat tree of [`ring_link_load`] (ECMP: spine by leaf pair) and adds
/// `bytes` to every link on the way.
fn route(m: &mut [Vec<u64>], (hosts, per_leaf, spines): (usize, usize, usize), src: usize, dst: usize, bytes: u64) {
    let leaves = hosts / per_leaf;
    let (la, lb) = (hosts + src / per_leaf, hosts + dst / per_leaf);
    let mut path = vec![src, la];
    if la != lb {
        path.push(hosts + leaves + (la + lb) % spines);
        path.push(lb);
    }
    path.push(dst);
    for w in path.windows(2) {
        m[w[0]][w[1]] += bytes;
    }
}

/// Binary-tree all-reduce (reduce to host 0, broadcast back) on the same fat tree: every tree edge carries
/// `bytes` up and `bytes` down, so switch links aggregate uneven loads.
fn tree_link_load(hosts: usize, per_leaf: usize, spines: usize, bytes: u64) -> LinkLoad {
    let mut load = ring_link_load(hosts, per_leaf, spines, 0);
    for h in 1..hosts {
        let parent = (h - 1) / 2;
        route(&mut load.bytes, (hosts, per_leaf, spines), h, parent, bytes);
        route(&mut load.bytes, (hosts, per_leaf, spines), parent, h, bytes);
    }
    load
}

/// A two-level fat tree: `hosts` hosts, `per_leaf` per leaf switch, `spines` spines; nodes numbered hosts
/// first, then leaves, then spines. Returns the node names and the ring all-reduce's link load for `bytes`.
fn ring_link_load(hosts: usize, per_leaf: usize, spines: usize, bytes: u64) -> LinkLoad {
    let leaves = hosts / per_leaf;
    let n = hosts + leaves + spines;
    let mut nodes: Vec<String> = (0..hosts).map(|h| format!("gpu-{h}")).collect();
    nodes.extend((0..leaves).map(|l| format!("leaf-{l}")));
    nodes.extend((0..spines).map(|s| format!("spine-{s}")));
    let mut m = vec![vec![0u64; n]; n];
    // Every ring edge carries 2 (p − 1) / p of the buffer.
    let per_edge = 2 * (hosts as u64 - 1) * bytes / hosts as u64;
    for h in 0..hosts {
        let next = (h + 1) % hosts;
        let (la, lb) = (hosts + h / per_leaf, hosts + next / per_leaf);
        let mut path = vec![h, la];
        if la != lb {
            path.push(hosts + leaves + h % spines);
            path.push(lb);
        }
        path.push(next);
        for w in path.windows(2) {
            m[w[0]][w[1]] += per_edge;
        }
    }
    LinkLoad { nodes, bytes: m }
}

fn demo_collective_report() -> CollectiveReport {
    let sizes: Vec<u64> = (10..=32).map(|e| 1u64 << e).collect();
    // α-β model: latency term per step, bandwidth term with the algorithm's traffic factor.
    let variant = |algorithm: &str, platform: &str, hosts: u32, steps: f64, alpha: f64, beta: f64, factor: f64| {
        let p = f64::from(hosts);
        let bus = 2.0 * (p - 1.0) / p;
        let points = sizes
            .iter()
            .map(|&b| {
                let time_s = steps * alpha + factor * b as f64 / beta;
                let algbw = b as f64 / time_s;
                CollectivePoint {
                    bytes: b,
                    time_s,
                    algbw_bytes_per_s: algbw,
                    busbw_bytes_per_s: algbw * bus,
                    flows: (steps * p) as u64,
                    phases: Vec::new(),
                }
            })
            .collect();
        CollectiveVariant {
            name: format!("{algorithm} @ {platform}"),
            algorithm: algorithm.into(),
            platform: platform.into(),
            hosts,
            points,
            link_load: None,
        }
    };
    let mut ring64 = variant("ring", "64-GPU fat-tree", 64, 126.0, 2e-6, 12.5e9, 2.0 * 63.0 / 64.0);
    ring64.link_load = Some(ring_link_load(64, 8, 4, 1 << 32));
    let mut tree64 = variant("tree", "64-GPU fat-tree", 64, 12.0, 2e-6, 12.5e9, 2.6);
    tree64.link_load = Some(tree_link_load(64, 8, 4, 1 << 32));
    let hd64 = variant("halving-doubling", "64-GPU fat-tree", 64, 12.0, 2e-6, 12.5e9, 2.3);
    let mut tree16 = variant("tree", "16-GPU fat-tree", 16, 8.0, 1.5e-6, 25e9, 2.0 * 15.0 / 16.0);
    tree16.link_load = Some(tree_link_load(16, 4, 2, 1 << 32));
    CollectiveReport {
        scenario: "allreduce_sweep".into(),
        seed: 1,
        collective: "all-reduce".into(),
        variants: vec![ring64, tree64, hd64, tree16],
    }
}

fn collective_main(dir: &str) {
    let r = demo_collective_report();
    let write = |name: &str, bytes: &[u8]| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    write("busbw.png", &busbw_png(&r).unwrap());
    write("busbw.svg", busbw_svg(&r).unwrap().as_bytes());
    write("time.png", &time_png(&r).unwrap());
    write("time.svg", time_svg(&r).unwrap().as_bytes());
    write("collective.json", collective_summary_json(&r).as_bytes());
    write("collective.csv", collective_csv(&r).as_bytes());
    for (i, v) in r.variants.iter().enumerate() {
        if let Some(load) = &v.link_load {
            let title = format!("{}: link load, 4 GiB all-reduce", v.name);
            write(&format!("link_load_{i}.png"), &link_load_png(load, &title).unwrap());
            write(&format!("link_load_{i}.svg"), link_load_svg(load, &title).unwrap().as_bytes());
        }
    }
}

/// A Lasso-like STRADS comparison: 3 000 rounds per scheduler; the dependency-aware scheduler grows the support
/// steadily with little parallelization error, random scheduling overshoots (more non-zeros, larger error).
fn demo_strads_report() -> RunReport {
    let mut report = demo_report();
    report.scenario = "lasso_strads".into();
    report.objective_name = "lasso objective".into();
    report.target_objective = None;
    let specs = [("STRADS (priority + dependency)", 400.0, 1e-5, 0.0), ("random", 700.0, 4e-5, 150.0)];
    report.variants.truncate(specs.len());
    for (v, &(scheduler, support, error, overshoot)) in report.variants.iter_mut().zip(&specs) {
        v.name = scheduler.into();
        v.rounds = (0..3000u64)
            .map(|k| {
                let x = k as f64 / 3000.0;
                let nonzeros = support * (1.0 - (-5.0 * x).exp()) + overshoot * (-((x - 0.3) * 8.0).powi(2)).exp();
                RoundReport {
                    round: k,
                    dispatched_s: k as f64 * 0.02,
                    committed_s: k as f64 * 0.02 + 0.015,
                    variables: 64,
                    parallelization_error: error * (1.0 - x) + error * 0.3 * ((k % 5) as f64 - 2.0),
                    objective: None,
                    nonzeros: (k % 10 == 0).then_some(nonzeros as u64),
                }
            })
            .collect();
    }
    report
}

fn strads_main(dir: &str) {
    let r = demo_strads_report();
    let write = |name: &str, bytes: &[u8]| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    write("nonzeros.png", &nonzeros_png(&r).unwrap());
    write("nonzeros.svg", nonzeros_svg(&r).unwrap().as_bytes());
    write("parallelization.png", &parallelization_png(&r).unwrap());
    write("parallelization.svg", parallelization_svg(&r).unwrap().as_bytes());
    write("strads.csv", strads_csv(&r).as_bytes());
}
