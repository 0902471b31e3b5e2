//! STRADS on real data through the simulated runtime: exact sequential coordinate descent with one
//! worker and set size 1, the same optimum with several workers and pipelining, and byte-identical
//! scenario outputs for any thread count.

use std::sync::Arc;

use sim_core::platform::LinkSpec;
use sim_core::runtime::strads::{self, StradsConfig, StradsDeployment};
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, NodeId, Platform, SimDuration, StragglerModel};
use workloads::data::design::SparseDesign;
use workloads::strads::lasso::{LassoScheduler, StradsLasso, StradsLassoConfig};

use crate::repo;

fn star(hosts: usize) -> (Platform, Vec<NodeId>) {
    let device = ComputeDevice {
        peak: FlopPerSec(50_000_000_000),
        efficiency: 1.0,
        memory_bytes: 1 << 34,
        memory_bandwidth: BytesPerSec(20_000_000_000),
        launch_overhead: SimDuration::from_us(5),
    };
    let mut p = Platform::new();
    let sw = p.add_switch("switch", SimDuration::from_us(1), 0);
    let hs: Vec<NodeId> = (0..hosts).map(|i| p.add_host(format!("host{i}"), device.clone(), 0)).collect();
    for &h in &hs {
        p.connect(h, sw, &LinkSpec::new(BytesPerSec(1_250_000_000), SimDuration::from_us(5)));
    }
    (p, hs)
}

fn soft_threshold(z: f64, t: f64) -> f64 {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        0.0
    }
}

/// Sequential cyclic coordinate descent, `updates` coordinate updates, written out plainly.
fn sequential_cd(design: &SparseDesign, lambda: f64, updates: usize) -> Vec<f64> {
    let p = design.features();
    let mut beta = vec![0.0; p];
    let mut r = design.targets().to_vec();
    for u in 0..updates {
        let j = u % p;
        let (rows, x) = design.column(j);
        let mut a = 0.0;
        for (&i, &v) in rows.iter().zip(x) {
            a += v * (r[i as usize] + v * beta[j]);
        }
        let b = design.col_sq_norm(j);
        let new = if b > 0.0 { soft_threshold(a, lambda / 2.0) / b } else { 0.0 };
        let d = new - beta[j];
        beta[j] = new;
        if d != 0.0 {
            for (&i, &v) in rows.iter().zip(x) {
                r[i as usize] -= v * d;
            }
        }
    }
    beta
}

fn run(design: &Arc<SparseDesign>, cfg: StradsLassoConfig, config: &StradsConfig) -> (StradsLasso, strads::StradsRun) {
    let program = StradsLasso::new(design.clone(), cfg).unwrap();
    let (platform, hosts) = star(program.config().workers + 1);
    let deployment = StradsDeployment { scheduler: hosts[0], workers: hosts[1..].to_vec() };
    let out = strads::run(&platform, &deployment, &program, config, &StragglerModel::None, 1).unwrap();
    (program, out)
}

#[test]
fn one_worker_and_set_size_one_is_sequential_coordinate_descent_and_meets_kkt() {
    let design = Arc::new(SparseDesign::standardized_from(&workloads::builtin::diabetes()));
    let lambda = 0.1 * design.lambda_max();
    let cfg = StradsLassoConfig { workers: 1, set_size: 1, lambda, scheduler: LassoScheduler::RoundRobin, seed: 1 };
    // 30 sweeps: bit-identical to the plain loop.
    let (_, out) = run(&design, cfg.clone(), &StradsConfig { rounds: 300, ..StradsConfig::default() });
    assert_eq!(StradsLasso::beta(out.final_model.as_ref()), sequential_cd(&design, lambda, 300).as_slice());
    // To convergence: the Lasso optimality conditions hold.
    let (program, out) =
        run(&design, cfg, &StradsConfig { rounds: 20_000, objective_every: 100, ..StradsConfig::default() });
    let beta = StradsLasso::beta(out.final_model.as_ref());
    let kkt = program.kkt_violation(beta);
    assert!(kkt < 1e-6, "KKT violation {kkt}");
    let nonzero = beta.iter().filter(|b| **b != 0.0).count();
    assert!((1..10).contains(&nonzero), "{nonzero} non-zeros at 0.1 λ_max");
}

#[test]
fn several_workers_with_pipelining_reach_the_sequential_optimum() {
    let design = Arc::new(SparseDesign::standardized_from(&workloads::builtin::diabetes()));
    let lambda = 0.1 * design.lambda_max();
    let reference = StradsLasso::new(
        design.clone(),
        StradsLassoConfig { workers: 1, set_size: 1, lambda, scheduler: LassoScheduler::RoundRobin, seed: 1 },
    )
    .unwrap();
    let (_, optimum, _) = reference.solve_sequential(1e-10, 100_000);
    for depth in [0, 2] {
        let cfg = StradsLassoConfig { workers: 4, set_size: 2, lambda, scheduler: LassoScheduler::strads(2), seed: 1 };
        let config =
            StradsConfig { rounds: 20_000, pipeline_depth: depth, objective_every: 100, ..StradsConfig::default() };
        let (_, out) = run(&design, cfg, &config);
        let last = out.convergence.last().unwrap().objective;
        assert!((last - optimum).abs() <= 1e-8 * optimum, "depth {depth}: {last} vs optimum {optimum}");
    }
}

/// A small STRADS Lasso scenario: outputs are byte-identical whatever the thread count.
#[test]
fn a_strads_scenario_is_deterministic_across_thread_counts() {
    let text = r#"(
    name: "strads_small",
    seed: 3,
    platform: (
        host: (peak: "100 GFLOP/s", efficiency: 0.3, memory: "64 GiB", memory_bandwidth: "20 GB/s"),
        topology: Star(hosts: 5, link: (bandwidth: "10 Gbps", latency: "5 us"), switch_latency: "1 us"),
    ),
    workload: Lasso(dataset: "synthetic", lambda_ratio: 0.1,
        synthetic: (samples: 200, features: 2000, support: 10, true_nonzeros: 20)),
    runtime: Strads(rounds: 400, set_size: 8, pipeline_depth: 1),
    deployment: (workers: 4, servers: 1),
    variants: [
        (name: "STRADS", scheduler: Priority()),
        (name: "random", scheduler: Random),
        (name: "blocks", scheduler: Block),
    ],
)"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strads_small.ron");
    std::fs::write(&file, text).unwrap();
    let mut outputs = Vec::new();
    for threads in [1, 2] {
        let out_dir = dir.path().join(format!("out{threads}"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .args(["run", file.to_str().unwrap(), "--out", out_dir.to_str().unwrap()])
            .current_dir(repo())
            .env("RAYON_NUM_THREADS", threads.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        outputs.push(files);
    }
    let names: Vec<&str> = outputs[0].iter().map(|(n, _)| n.as_str()).collect();
    for want in ["summary.json", "strads.csv", "convergence.png", "nonzeros.svg", "parallelization.svg"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(outputs[0] == outputs[1], "outputs differ between 1 and 2 threads");
}
