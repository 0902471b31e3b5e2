//! Hand-built reports shared by the unit tests.

use crate::summary::*;

fn summary(final_objective: f64, time_to_target_s: Option<f64>) -> VariantSummary {
    VariantSummary {
        final_objective,
        sim_time_s: 2.0,
        clocks: 3,
        workers: 2,
        bytes_sent: 123_456,
        wan_bytes: 0,
        wan_cost_usd: 0.0,
        compute_s: 2.0,
        communication_s: 1.0,
        waiting_s: 0.5,
        reads: 12,
        staleness_mean: 0.5,
        staleness_max: 2,
        staleness_violations: 0,
        time_to_target_s,
        events: 999,
    }
}

fn records(step_s: f64) -> Vec<WorkerClockRecord> {
    let mut out = Vec::new();
    for worker in 0..2u32 {
        for clock in 1..=2u64 {
            out.push(WorkerClockRecord {
                worker,
                clock,
                sim_time_s: clock as f64 * step_s,
                objective: (clock == 1).then_some(0.6),
                bytes: 1000,
                compute_s: 0.25,
                communication_s: 0.125,
                wait_s: 0.125,
            });
        }
    }
    out
}

/// Two variants (`bsp`, `ssp-2`), two workers, four convergence points each.
pub(crate) fn small_report() -> RunReport {
    let curve = |times: [f64; 4], objs: [f64; 4]| -> Vec<ConvergencePoint> {
        (0..4).map(|i| ConvergencePoint { clock: i as u64, sim_time_s: times[i], objective: objs[i] }).collect()
    };
    RunReport {
        scenario: "quickstart".into(),
        seed: 42,
        objective_name: "logistic loss".into(),
        target_objective: Some(0.35),
        variants: vec![
            VariantReport {
                name: "bsp".into(),
                summary: summary(0.31, Some(1.4)),
                convergence: curve([0.0, 0.5, 1.0, 1.5], [std::f64::consts::LN_2, 0.6, 0.45, 0.31]),
                worker_clocks: records(0.5),
            },
            VariantReport {
                name: "ssp-2".into(),
                summary: summary(0.37, None),
                convergence: curve([0.0, 0.4, 0.8, 1.2], [std::f64::consts::LN_2, 0.62, 0.5, 0.37]),
                worker_clocks: records(0.4),
            },
        ],
    }
}
