//! The checkpoint/restart timeline against Daly's closed form for Poisson failures.
//!
//! Daly (2006, "A higher order estimate of the optimum checkpoint interval for restart dumps", FGCS
//! 22(3), eq. 11): with failures of mean time between failures `M`, restarts of `R` that a failure
//! restarts too, a segment of `s` seconds of work followed by nothing else takes `M e^{R/M} (e^{s/M} − 1)`
//! seconds in expectation. A job of `n` segments of `τ` seconds of steps, each but the last followed by a
//! checkpoint of `δ` seconds, takes `M e^{R/M} ((n − 1)(e^{(τ+δ)/M} − 1) + e^{τ/M} − 1)`.

use sim_core::faults::{poisson_failures, timeline, CheckpointPolicy};
use sim_core::SimDuration;

const S: f64 = 1e12;

fn secs(s: f64) -> SimDuration {
    SimDuration::from_secs_f64_ceil(s)
}

/// Mean and standard error of the job's time over `runs` seeds.
fn simulate(steps: u64, step_s: f64, policy: CheckpointPolicy, mtbf_s: f64, runs: u64) -> (f64, f64) {
    let ends: Vec<f64> = (0..runs)
        .map(|seed| {
            let mut failures = poisson_failures(seed, 0, mtbf_s, 1);
            let t = timeline(steps, &mut |_, _| secs(step_s), policy, &mut failures).unwrap();
            // Every picosecond is a kept step, a checkpoint, lost work or a restart.
            let parts = t.useful.0 + t.checkpoint_time.0 + t.lost_work.0 + t.restart_time.0;
            assert_eq!(parts, t.end.0, "seed {seed}");
            assert!(t.failures.iter().all(|f| f.recovered_at.is_some_and(|r| r > f.at)), "seed {seed}");
            t.end.0 as f64 / S
        })
        .collect();
    let n = ends.len() as f64;
    let mean = ends.iter().sum::<f64>() / n;
    let var = ends.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn daly(segments: f64, tau: f64, delta: f64, restart: f64, mtbf: f64) -> f64 {
    mtbf * (restart / mtbf).exp() * ((segments - 1.0) * (((tau + delta) / mtbf).exp() - 1.0) + (tau / mtbf).exp() - 1.0)
}

#[test]
fn mean_job_time_matches_dalys_closed_form_within_two_percent() {
    // (steps, step [s], steps per checkpoint, checkpoint [s], restart [s], MTBF [s]): failures rare, about
    // one per segment, and more frequent than segments.
    let cases = [(100, 1.0, 10, 2.0, 5.0, 60.0), (60, 0.5, 6, 0.5, 1.0, 20.0), (40, 2.0, 4, 3.0, 10.0, 5.0)];
    for (steps, step, every, cost, restart, mtbf) in cases {
        let policy = CheckpointPolicy { every, cost: secs(cost), restart: secs(restart) };
        let (mean, stderr) = simulate(steps, step, policy, mtbf, 4000);
        let want = daly((steps / every) as f64, every as f64 * step, cost, restart, mtbf);
        let rel = (mean - want).abs() / want;
        eprintln!("M = {mtbf} s: simulated {mean:.2} ± {stderr:.2} s, Daly {want:.2} s ({:.2} %)", 100.0 * rel);
        assert!(rel < 0.02, "M = {mtbf} s: simulated {mean} ± {stderr} s vs Daly {want} s");
    }
}
