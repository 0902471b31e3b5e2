//! The Lasso coordinate-descent program against independent checks: the KKT conditions computed here
//! from the raw data (own standardisation, own residual), the closed form at the top of the path
//! (`λ ≥ λ_max` and just below it), a monotone objective, determinism, and the residual invariant with
//! several workers. Riboflavin (research-only) is read from the data directory when present.

use std::path::PathBuf;

use sim_core::program::{DataParallelProgram, Params, RowRef};
use workloads::data::lasso::{parse_riboflavin, RegressionData};
use workloads::{builtin, Lasso, LassoConfig, ProgramError};

/// The standardised problem built here, independently of the program: columns centred and scaled to
/// `‖x_j‖² = n`, targets centred (constant columns become 0).
struct Standardised {
    n: usize,
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
}

fn standardise(d: &RegressionData) -> Standardised {
    let n = d.samples();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let x = (0..d.features())
        .map(|j| {
            let c = d.column(j);
            let m = mean(c);
            let ss: f64 = c.iter().map(|v| (v - m).powi(2)).sum();
            if c.iter().all(|&v| v == c[0]) {
                vec![0.0; n]
            } else {
                let scale = (n as f64 / ss).sqrt();
                c.iter().map(|v| (v - m) * scale).collect()
            }
        })
        .collect();
    let my = mean(d.targets());
    Standardised { n, x, y: d.targets().iter().map(|v| v - my).collect() }
}

impl Standardised {
    fn residual(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.n).map(|i| self.y[i] - beta.iter().zip(&self.x).map(|(b, c)| b * c[i]).sum::<f64>()).collect()
    }

    fn correlation(&self, j: usize, r: &[f64]) -> f64 {
        self.x[j].iter().zip(r).map(|(a, b)| a * b).sum()
    }

    /// `max_j` KKT violation of `β` for `½(‖y − Xβ‖² + λ‖β‖₁)`.
    fn kkt(&self, beta: &[f64], lambda: f64) -> f64 {
        let r = self.residual(beta);
        (0..beta.len())
            .map(|j| {
                let g = self.correlation(j, &r);
                if beta[j] > 0.0 {
                    (g - lambda / 2.0).abs()
                } else if beta[j] < 0.0 {
                    (g + lambda / 2.0).abs()
                } else {
                    (g.abs() - lambda / 2.0).max(0.0)
                }
            })
            .fold(0.0, f64::max)
    }

    fn objective(&self, beta: &[f64], lambda: f64) -> f64 {
        let r = self.residual(beta);
        0.5 * (r.iter().map(|v| v * v).sum::<f64>() + lambda * beta.iter().map(|b| b.abs()).sum::<f64>())
    }
}

fn cfg(workers: usize, coords_per_clock: usize, lambda: f64) -> LassoConfig {
    LassoConfig { workers, coords_per_clock, lambda, seed: 11 }
}

/// One worker, clocks run in order with each step applied before the next, until the program's KKT
/// violation is below `tol` (checked every `every` clocks) or `max_clocks`. Returns the parameters, the
/// clocks run and the objective after every clock.
fn run_sequential(prog: &Lasso, tol: f64, every: u64, max_clocks: u64) -> (Params, u64, Vec<f64>) {
    let mut params = prog.initial_params();
    let mut objectives = vec![prog.objective(&params)];
    let mut clock = 0;
    while clock < max_clocks {
        let step = prog.compute(0, clock, &params, &mut ());
        params.apply(&step.updates);
        clock += 1;
        objectives.push(prog.objective(&params));
        if clock % every == 0 && prog.kkt_violation(&params) < tol {
            break;
        }
    }
    (params, clock, objectives)
}

fn data_dir() -> PathBuf {
    std::env::var_os("CLUSTERSIM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

#[test]
fn diabetes_converges_to_a_kkt_point() {
    let data = builtin::diabetes();
    let own = standardise(&data);
    let lambda_max = Lasso::new(&data, cfg(1, 10, 0.0)).unwrap().lambda_max();
    for (fraction, support) in [(0.1, 3..=8), (0.01, 8..=10)] {
        let lambda = fraction * lambda_max;
        let prog = Lasso::new(&data, cfg(1, 10, lambda)).unwrap();
        let (params, clocks, _) = run_sequential(&prog, 1e-9, 1, 100_000);
        let beta = params.table(0);
        let kkt_own = own.kkt(beta, lambda);
        let kkt_prog = prog.kkt_violation(&params);
        let nz = prog.nonzeros(&params);
        eprintln!(
            "diabetes: λ = {lambda:.3} ({fraction} λ_max, λ_max = {lambda_max:.3}): support {nz}/10 after {clocks} \
             sweeps, KKT {kkt_own:.2e} (own) / {kkt_prog:.2e} (program), objective {:.6}, drift {:.1e}",
            prog.objective(&params),
            prog.residual_drift(&params),
        );
        assert!(kkt_own < 1e-6, "KKT violation {kkt_own} at λ = {lambda}");
        assert!((kkt_own - kkt_prog).abs() < 1e-8);
        assert!(support.contains(&nz), "support {nz} at {fraction} λ_max");
        assert!((prog.objective(&params) - own.objective(beta, lambda)).abs() < 1e-9 * prog.objective(&params));
        assert!(prog.residual_drift(&params) < 1e-9);
        // The solution is not trivially KKT-clean: a 1 % change of a coefficient breaks the conditions.
        let j = beta.iter().position(|&b| b != 0.0).unwrap();
        let mut moved = beta.to_vec();
        moved[j] *= 1.01;
        assert!(own.kkt(&moved, lambda) > 1e-3);
    }
}

#[test]
fn diabetes_top_of_the_path_matches_the_closed_form() {
    let data = builtin::diabetes();
    let own = standardise(&data);
    let corr: Vec<f64> = (0..10).map(|j| own.correlation(j, &own.y)).collect();
    let top = (0..10).max_by(|&a, &b| corr[a].abs().total_cmp(&corr[b].abs())).unwrap();
    assert_eq!(data.feature_names()[top], "bmi");
    let lambda_max = 2.0 * corr[top].abs();
    let prog = Lasso::new(&data, cfg(1, 10, lambda_max)).unwrap();
    assert!((prog.lambda_max() - lambda_max).abs() < 1e-9 * lambda_max);

    // λ ≥ λ_max: β = 0 is optimal, and a full sweep from 0 moves nothing.
    for lambda in [lambda_max * (1.0 + 1e-12), 2.0 * lambda_max] {
        let prog = Lasso::new(&data, cfg(1, 10, lambda)).unwrap();
        let params = prog.initial_params();
        assert!(prog.compute(0, 0, &params, &mut ()).updates.is_empty());
        assert_eq!(prog.kkt_violation(&params), 0.0);
    }

    // Just below λ_max: exactly one coefficient, β_bmi = (x_bmiᵀy − (λ/2)·sign)/n, and every other
    // |x_kᵀ(y − x_bmi β_bmi)| ≤ λ/2 (checked here, so the closed form is the minimiser).
    let lambda = 0.95 * lambda_max;
    let hand = (corr[top] - 0.5 * lambda * corr[top].signum()) / own.n as f64;
    let mut beta = vec![0.0; 10];
    beta[top] = hand;
    assert!(own.kkt(&beta, lambda) < 1e-9, "closed form is not optimal: {}", own.kkt(&beta, lambda));
    let prog = Lasso::new(&data, cfg(1, 10, lambda)).unwrap();
    let (params, clocks, _) = run_sequential(&prog, 1e-10, 1, 1_000);
    let got = params.table(0);
    eprintln!(
        "diabetes top of path: λ_max = {lambda_max:.6}, λ = 0.95 λ_max, β_bmi = {:.9} (hand {hand:.9}) after {clocks} \
         sweeps",
        got[top]
    );
    assert_eq!(prog.nonzeros(&params), 1);
    assert!((got[top] - hand).abs() < 1e-12 * hand.abs().max(1.0), "β_bmi {} vs {hand}", got[top]);
}

#[test]
fn objective_never_increases_with_one_worker() {
    let data = builtin::diabetes();
    let lambda_max = Lasso::new(&data, cfg(1, 1, 0.0)).unwrap().lambda_max();
    // One coordinate per clock, so every single coordinate update is checked.
    let prog = Lasso::new(&data, cfg(1, 1, 0.05 * lambda_max)).unwrap();
    let (_, clocks, objectives) = run_sequential(&prog, 0.0, 1, 3_000);
    assert_eq!(clocks, 3_000);
    for (c, w) in objectives.windows(2).enumerate() {
        assert!(w[1] <= w[0] * (1.0 + 1e-14), "clock {c}: objective {} -> {}", w[0], w[1]);
    }
    // ... and it reaches the optimum (300 sweeps of 10 coordinates).
    let (best, _, _) = run_sequential(&prog, 1e-9, 10, 100_000);
    let optimum = prog.objective(&best);
    eprintln!(
        "diabetes, one coordinate per clock: objective {:.6} -> {:.6} (optimum {optimum:.6})",
        objectives[0], objectives[3_000]
    );
    assert!(objectives[3_000] - optimum < 1e-9 * optimum);
}

#[test]
fn steps_are_deterministic_and_read_only_rows_needed() {
    let data = builtin::diabetes();
    let make = |seed| Lasso::new(&data, LassoConfig { seed, ..cfg(3, 2, 1000.0) }).unwrap();
    let (a, b) = (make(11), make(11));
    let mut params = a.initial_params();
    for clock in 0..8 {
        let mut steps = Vec::new();
        for w in 0..3 {
            let step = a.compute(w, clock, &params, &mut ());
            assert_eq!(step, b.compute(w, clock, &params, &mut ()));
            let needed = a.rows_needed(w, clock);
            assert_eq!(needed, b.rows_needed(w, clock));
            assert!(needed.windows(2).all(|p| p[0] < p[1]));
            // Needed: this clock's coordinates' β rows and every residual row.
            let mut coords = a.coordinates(w, clock);
            coords.sort_unstable();
            let beta_rows: Vec<u32> = needed.iter().filter(|r| r.table == 0).map(|r| r.row).collect();
            assert_eq!(beta_rows, coords.iter().map(|&j| j as u32).collect::<Vec<_>>());
            assert_eq!(needed.iter().filter(|r| r.table == 1).count(), 442);
            // Poisoning every β row that is not needed leaves the step unchanged.
            let mut poisoned = params.clone();
            for j in 0..10u32 {
                let row = RowRef { table: 0, row: j };
                if needed.binary_search(&row).is_err() {
                    poisoned.row_mut(row)[0] = f64::NAN;
                }
            }
            assert_eq!(step, a.compute(w, clock, &poisoned, &mut ()));
            assert!(step.updates.windows(2).all(|p| p[0].row < p[1].row));
            steps.push(step);
        }
        for s in &steps {
            params.apply(&s.updates);
        }
    }
    assert_ne!(
        (0..3).map(|w| make(11).block(w).to_vec()).collect::<Vec<_>>(),
        (0..3).map(|w| make(12).block(w).to_vec()).collect::<Vec<_>>()
    );
    let mut all: Vec<u32> = (0..3).flat_map(|w| a.block(w).to_vec()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..10).collect::<Vec<u32>>());
}

#[test]
fn parallel_workers_keep_the_residual_consistent() {
    // Bulk-synchronous rounds: every worker computes against the same parameters, then all steps are
    // applied. The residual table must track y − Xβ, and with few workers Shotgun still converges.
    let data = builtin::diabetes();
    let lambda_max = Lasso::new(&data, cfg(1, 1, 0.0)).unwrap().lambda_max();
    let lambda = 0.1 * lambda_max;
    let sequential = Lasso::new(&data, cfg(1, 10, lambda)).unwrap();
    let (best, _, _) = run_sequential(&sequential, 1e-9, 1, 100_000);
    let optimum = sequential.objective(&best);
    let prog = Lasso::new(&data, cfg(2, 5, lambda)).unwrap();
    let mut params = prog.initial_params();
    let mut clock = 0;
    while clock < 20_000 && prog.kkt_violation(&params) >= 1e-6 {
        let steps: Vec<_> = (0..2).map(|w| prog.compute(w, clock, &params, &mut ())).collect();
        for s in &steps {
            params.apply(&s.updates);
        }
        clock += 1;
        assert!(prog.residual_drift(&params) < 1e-9, "clock {clock}: drift {}", prog.residual_drift(&params));
    }
    let gap = prog.objective(&params) - optimum;
    eprintln!(
        "diabetes, 2 workers × 5 coordinates (BSP rounds): KKT {:.2e} after {clock} clocks, objective gap {gap:.2e}, \
         drift {:.1e}",
        prog.kkt_violation(&params),
        prog.residual_drift(&params)
    );
    assert!(prog.kkt_violation(&params) < 1e-6);
    assert!(gap.abs() < 1e-6 * optimum);
}

#[test]
fn rejects_bad_configs_on_diabetes() {
    let data = builtin::diabetes();
    let field = |c| match Lasso::new(&data, c) {
        Err(ProgramError::InvalidConfig { field, .. }) => field,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => "ok",
    };
    assert_eq!(field(cfg(11, 1, 1.0)), "workers");
    assert_eq!(field(cfg(4, 3, 1.0)), "coords_per_clock");
    assert_eq!(field(cfg(4, 2, f64::INFINITY)), "lambda");
    assert_eq!(field(cfg(10, 1, 0.0)), "ok");
}

#[test]
fn riboflavin_converges_to_a_kkt_point() {
    let path = data_dir().join("lasso_riboflavin/riboflavin.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found (set CLUSTERSIM_DATA_DIR)", path.display());
        return;
    };
    let data = parse_riboflavin(&text).unwrap();
    assert_eq!((data.samples(), data.features()), (71, 4088));
    assert_eq!(data.targets()[0], -6.643856189774724);
    let own = standardise(&data);
    let p = data.features();
    let lambda_max = Lasso::new(&data, cfg(1, p, 0.0)).unwrap().lambda_max();
    for fraction in [0.2, 0.05] {
        let lambda = fraction * lambda_max;
        let prog = Lasso::new(&data, cfg(1, p, lambda)).unwrap();
        let (params, clocks, objectives) = run_sequential(&prog, 1e-8, 5, 50_000);
        let beta = params.table(0);
        let kkt_own = own.kkt(beta, lambda);
        let nz = prog.nonzeros(&params);
        eprintln!(
            "riboflavin: λ = {lambda:.4} ({fraction} λ_max, λ_max = {lambda_max:.4}): support {nz}/{p} after {clocks} \
             sweeps, KKT {kkt_own:.2e} (own) / {:.2e} (program), objective {:.6}",
            prog.kkt_violation(&params),
            prog.objective(&params),
        );
        assert!(kkt_own < 1e-6, "KKT violation {kkt_own} at λ = {lambda}");
        assert!(nz > 1 && nz < data.samples(), "support {nz}");
        assert!(objectives.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
    }
}
