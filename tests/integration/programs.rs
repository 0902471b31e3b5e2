//! The parameter-server runtime driving the real ML programs on real data.

use sim_core::program::DataParallelProgram;
use sim_core::runtime::ps::{self, Consistency, PsConfig, PsDeployment, SspReads};
use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, LinkSpec, SimDuration, StragglerModel};
use workloads::{LogRegConfig, LogisticRegression, MatrixFactorization, MfConfig};

use crate::shared_data;

fn device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(100_000_000_000),
        efficiency: 0.3,
        memory_bytes: 1 << 36,
        memory_bandwidth: BytesPerSec(20_000_000_000),
        launch_overhead: SimDuration::from_us(50),
    }
}

fn run(
    program: &dyn DataParallelProgram,
    servers: usize,
    consistency: Consistency,
    reads: SspReads,
    clocks: u64,
) -> ps::PsRun {
    let workers = program.workers();
    let link = LinkSpec::new(BytesPerSec(1_250_000_000), SimDuration::from_us(2));
    let platform = topologies::star((workers + servers) as u32, &device(), &link, SimDuration::from_ns(500));
    let hosts = platform.hosts();
    let deployment = PsDeployment { workers: hosts[..workers].to_vec(), servers: hosts[workers..].to_vec() };
    let config = PsConfig { consistency, clocks, ssp_reads: reads, ..PsConfig::default() };
    let stragglers = StragglerModel::Bernoulli { prob: 0.2, slowdown: 5.0 };
    ps::run(&platform, &deployment, program, &config, &stragglers, 9).unwrap()
}

fn logreg(workers: usize) -> LogisticRegression {
    let cfg = LogRegConfig {
        workers,
        batch_size: 64,
        learning_rate: 0.05,
        lr_decay: 0.01,
        l2: 1e-4,
        seed: 1,
        partition: workloads::Partition::Iid,
    };
    LogisticRegression::new(workloads::builtin::adult(), cfg).unwrap()
}

/// With one worker, every consistency model computes exactly plain sequential mini-batch SGD.
#[test]
fn one_worker_on_adult_is_sequential_sgd() {
    let program = logreg(1);
    let clocks = 80;
    let mut params = program.initial_params();
    let mut objectives = vec![program.objective(&params)];
    for c in 0..clocks {
        params.apply(&program.compute(0, c, &params, &mut ()).updates);
        objectives.push(program.objective(&params));
    }
    for (consistency, reads) in [
        (Consistency::Bsp, SspReads::Latest),
        (Consistency::Ssp { staleness: 3 }, SspReads::Latest),
        (Consistency::Ssp { staleness: 3 }, SspReads::CompleteClocks),
        (Consistency::Async, SspReads::Latest),
    ] {
        let out = run(&program, 3, consistency, reads, clocks);
        assert_eq!(out.final_params, params, "{consistency:?} {reads:?}");
        let got: Vec<f64> = out.convergence.iter().map(|p| p.objective).collect();
        assert_eq!(got, objectives, "{consistency:?} {reads:?}");
    }
    assert!(objectives[clocks as usize] < 0.45, "{}", objectives[clocks as usize]);
}

/// SSP(0) with complete-clock reads computes BSP's model bit for bit on real data and 8 workers.
#[test]
fn ssp_zero_is_bsp_on_adult() {
    let program = logreg(8);
    let bsp = run(&program, 2, Consistency::Bsp, SspReads::Latest, 60);
    let ssp = run(&program, 2, Consistency::Ssp { staleness: 0 }, SspReads::CompleteClocks, 60);
    assert_eq!(bsp.final_params, ssp.final_params);
    let obj = |r: &ps::PsRun| r.convergence.iter().map(|p| p.objective).collect::<Vec<_>>();
    assert_eq!(obj(&bsp), obj(&ssp));
}

/// Matrix factorisation of MovieLens 100k (research-only data, read from the data directory).
#[test]
fn movielens_matrix_factorisation_converges_under_ssp() {
    let Some(dir) = shared_data() else {
        eprintln!("skipped: MovieLens 100k not found (set CLUSTERSIM_DATA_DIR to the shared data directory)");
        return;
    };
    let text = std::fs::read_to_string(dir.join("mf_movielens_100k/u.data")).unwrap();
    let ratings = workloads::data::movielens::parse(&text).unwrap();
    assert_eq!(ratings.entries.len(), 100_000);
    let cfg =
        MfConfig { workers: 6, rank: 10, batch_size: 500, learning_rate: 0.005, lr_decay: 0.0, l2: 0.05, seed: 2 };
    let program = MatrixFactorization::new(ratings, cfg).unwrap();
    let out = run(&program, 2, Consistency::Ssp { staleness: 2 }, SspReads::Latest, 150);
    let first = out.convergence.first().unwrap().objective;
    let last = out.convergence.last().unwrap().objective;
    eprintln!("MovieLens MF under SSP(2): {first} -> {last}");
    assert!(last < first / 5.0, "{first} -> {last}");
    assert_eq!(out.staleness_violations, 0);
}

/// Lasso on diabetes through the runtime: one worker under BSP is exact coordinate descent, and
/// its solution satisfies the KKT conditions; four workers under SSP(2) (Shotgun with stale
/// residuals) reach the same objective.
#[test]
fn lasso_on_diabetes_through_the_runtime_reaches_the_kkt_point() {
    let data = workloads::builtin::diabetes();
    let lasso = |workers: usize, coords: usize| {
        let cfg = workloads::LassoConfig { workers, coords_per_clock: coords, lambda: 400.0, seed: 3 };
        workloads::Lasso::new(&data, cfg).unwrap()
    };
    let one = lasso(1, 10);
    let out = run(&one, 1, Consistency::Bsp, SspReads::Latest, 400);
    let kkt = one.kkt_violation(&out.final_params);
    assert!(kkt < 1e-6, "KKT violation {kkt}");
    let optimum = out.convergence.last().unwrap().objective;
    let four = lasso(4, 1);
    let out4 = run(&four, 2, Consistency::Ssp { staleness: 2 }, SspReads::Latest, 1500);
    let reached = out4.convergence.last().unwrap().objective;
    assert!((reached - optimum).abs() < 1e-6 * optimum, "{reached} vs {optimum}");
    assert!(four.residual_drift(&out4.final_params) < 1e-6);
}

/// LDA on Reuters (research-only data) through the runtime under SSP(2): the log-likelihood
/// (the negative of the objective) rises over the sweeps.
#[test]
fn lda_on_reuters_through_the_runtime_raises_the_log_likelihood() {
    let Some(dir) = shared_data() else {
        eprintln!("skipped: Reuters not found (set CLUSTERSIM_DATA_DIR to the shared data directory)");
        return;
    };
    let docs = std::fs::read_to_string(dir.join("lda_reuters/reuters.ldac")).unwrap();
    let tokens = std::fs::read_to_string(dir.join("lda_reuters/reuters.tokens")).unwrap();
    let corpus = workloads::data::ldac::parse_with_vocabulary(&docs, &tokens).unwrap();
    let cfg = workloads::LdaConfig { workers: 4, topics: 20, alpha: 0.1, beta: 0.1, docs_per_clock: 25, seed: 5 };
    let lda = workloads::LatentDirichletAllocation::new(corpus, cfg).unwrap();
    // 4 workers × 25 documents: one sweep of the 395 documents every 4 clocks.
    let out = run(&lda, 2, Consistency::Ssp { staleness: 2 }, SspReads::Latest, 40);
    let ll: Vec<f64> = out.convergence.iter().map(|p| -p.objective).collect();
    assert!(ll[4] > ll[0] + 0.05 * ll[0].abs(), "sweep 1: {} → {}", ll[0], ll[4]);
    assert!(ll[40] > ll[4], "sweeps 1 → 10: {} → {}", ll[4], ll[40]);
    assert_eq!(out.staleness_violations, 0);
}
