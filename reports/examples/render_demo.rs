//! Renders the demo report's figures and tables into a directory (default `/tmp/reports-demo`), to look at.
//!
//! `cargo run -p reports --example render_demo -- [OUT_DIR]`

use reports::*;

fn demo_report() -> RunReport {
    // Logistic-loss-like curves: fast initial drop, then a slow tail; async is faster per clock in time but noisier.
    let variant = |name: &str, clock_s: f64, rate: f64, floor: f64, wait_frac: f64| {
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
                wan_bytes: 0,
                wan_cost_usd: 0.0,
                compute_s: 0.5 * total,
                communication_s: (0.5 - wait_frac) * total,
                waiting_s: wait_frac * total,
                reads: 1000,
                staleness_mean: 1.0,
                staleness_max: 3,
                staleness_violations: 0,
                time_to_target_s: None,
                events: 123_456,
            },
            convergence,
            worker_clocks,
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
    write("summary.json", summary_json(&r).as_bytes());
    write("metrics.csv", metrics_csv(&r).as_bytes());
    write("convergence.csv", convergence_csv(&r).as_bytes());
    println!("wrote {dir}");
}
