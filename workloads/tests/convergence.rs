//! Sequential SGD (one worker, a plain loop over clocks) must learn on the shipped and synthetic data.

use sim_core::program::{DataParallelProgram, Params};
use workloads::data::synthetic;
use workloads::{builtin, LogRegConfig, LogisticRegression, MatrixFactorization, MfConfig};

/// Runs `clocks` clocks of worker 0 sequentially, applying each step before the next.
fn run_sequential(prog: &dyn DataParallelProgram, clocks: u64) -> Params {
    let mut params = prog.initial_params();
    for clock in 0..clocks {
        let step = prog.compute(0, clock, &params, &mut ());
        params.apply(&step.updates);
    }
    params
}

fn logreg_cfg() -> LogRegConfig {
    LogRegConfig {
        workers: 1,
        batch_size: 64,
        learning_rate: 0.5,
        lr_decay: 0.01,
        l2: 1e-4,
        seed: 42,
        partition: workloads::Partition::Iid,
    }
}

#[test]
fn sgd_learns_adult() {
    let prog = LogisticRegression::new(builtin::adult(), logreg_cfg()).unwrap();
    let zero = prog.objective(&prog.initial_params());
    assert!((zero - std::f64::consts::LN_2).abs() < 1e-12);
    let params = run_sequential(&prog, 300);
    let loss = prog.objective(&params);
    let acc = prog.accuracy(&params);
    eprintln!("adult: log-loss {loss:.4}, accuracy {acc:.4} after 300 batches of 64");
    assert!(loss < 0.40, "adult log-loss {loss}");
    assert!(acc > 0.80, "adult accuracy {acc}");
}

#[test]
fn sgd_learns_a9a() {
    let prog = LogisticRegression::new(builtin::a9a_test(), logreg_cfg()).unwrap();
    let params = run_sequential(&prog, 300);
    let loss = prog.objective(&params);
    eprintln!("a9a: log-loss {loss:.4}, accuracy {:.4} after 300 batches of 64", prog.accuracy(&params));
    assert!(loss < 0.40, "a9a log-loss {loss}");
}

#[test]
fn sgd_factorises_a_synthetic_low_rank_matrix() {
    let ratings = synthetic::low_rank(300, 200, 5, 40, 0.1, 7);
    let cfg = MfConfig { workers: 1, rank: 5, batch_size: 200, learning_rate: 0.02, lr_decay: 0.0, l2: 0.001, seed: 1 };
    let prog = MatrixFactorization::new(ratings, cfg).unwrap();
    let before = prog.mse(&prog.initial_params());
    let params = run_sequential(&prog, 6_000);
    let after = prog.mse(&params);
    eprintln!("synthetic MF: MSE {before:.4} -> {after:.4}, objective {:.4}", prog.objective(&params));
    assert!(after < 0.1 * before, "MSE {before} -> {after}");
}

#[test]
fn programs_are_deterministic_across_instances() {
    let a = LogisticRegression::new(builtin::adult(), LogRegConfig { workers: 4, ..logreg_cfg() }).unwrap();
    let b = LogisticRegression::new(builtin::adult(), LogRegConfig { workers: 4, ..logreg_cfg() }).unwrap();
    let params = a.initial_params();
    for w in 0..4 {
        assert_eq!(a.compute(w, 17, &params, &mut ()), b.compute(w, 17, &params, &mut ()));
        assert_eq!(a.rows_needed(w, 17), b.rows_needed(w, 17));
    }
    let c = LogisticRegression::new(builtin::adult(), LogRegConfig { seed: 43, workers: 4, ..logreg_cfg() }).unwrap();
    assert_ne!(a.batch(0, 0), c.batch(0, 0));
}
