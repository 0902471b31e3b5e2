//! Parameter-server runs through worker failures: coordinated checkpoints, the rollback and the exact replay
//! of the lost clocks, checked against closed forms on the shipped `scenarios/ps_mf_faults.ron`; and the
//! scenario errors of faults a parameter server cannot have.

use clustersim::run::{checkpoint_cost, execute, plan, report, Plan, Prepared, VariantOutcome};
use clustersim::scenario::{self, DataDir};
use sim_core::{SimDuration, SimTime};

use crate::{clustersim_in, repo};

const SCENARIO: &str = "scenarios/ps_mf_faults.ron";

fn text() -> String {
    std::fs::read_to_string(repo().join(SCENARIO)).unwrap()
}

/// Plans and runs `text`, a parameter-server scenario.
fn run(text: &str) -> (Prepared, Vec<VariantOutcome>, reports::RunReport) {
    let parsed = scenario::parse(text, SCENARIO).unwrap_or_else(|e| panic!("{e}"));
    let Plan::ParameterServer(prepared) = plan(parsed, text, SCENARIO, &DataDir::resolve(None), None).unwrap() else {
        panic!("a parameter-server scenario")
    };
    let outcomes = execute(&prepared, &|_| {}).unwrap();
    let r = report(&prepared, &outcomes);
    (prepared, outcomes, r)
}

/// The scenario's text with its `faults` section replaced by `faults` (empty: none).
fn with_faults(faults: &str) -> String {
    let t = text();
    let start = t.find("    faults: (").expect("the scenario has faults");
    let end = start + t[start..].find("\n    ),\n").expect("the faults section closes") + "\n    ),\n".len();
    format!("{}{faults}{}", &t[..start], &t[end..])
}

/// 1 ps, the resolution of simulated time, in seconds.
const PS: f64 = 1e-12;

#[test]
fn without_failures_or_checkpoints_the_run_and_its_report_are_unchanged() {
    let (plain_prep, _, plain) = run(&with_faults(""));
    assert!(plain_prep.variants.iter().all(|v| v.config.checkpoint_every.is_none()));
    assert!(plain.variants.iter().all(|v| v.faults.is_none()));
    assert!(!reports::summary_json(&plain).contains("\"faults\""));
    // Faults that never strike and no checkpoints: no drain, the same run; only the faults block is added.
    let quiet = "    faults: (\n        restart: \"1 s\",\n    ),\n";
    let (prep, _, mut r) = run(&with_faults(quiet));
    assert!(prep.variants.iter().all(|v| v.config.checkpoint_every.is_none()));
    for v in &r.variants {
        let f = v.faults.as_ref().unwrap();
        assert_eq!((f.job_time_s, f.goodput, f.failures.len()), (Some(f.failure_free_s), 1.0, 0));
        assert!(
            (f.failure_free_s - v.summary.sim_time_s).abs() < 1e-3,
            "{} vs {}",
            f.failure_free_s,
            v.summary.sim_time_s
        );
    }
    r.variants.iter_mut().for_each(|v| v.faults = None);
    assert_eq!(reports::summary_json(&r), reports::summary_json(&plain));
    assert_eq!(reports::convergence_csv(&r), reports::convergence_csv(&plain));
    assert_eq!(reports::metrics_csv(&r), reports::metrics_csv(&plain));
}

#[test]
fn a_failure_loses_the_work_since_the_last_checkpoint_and_the_replay_repeats_it_exactly() {
    let (prepared, outcomes, r) = run(&text());
    let faults = prepared.file.faults.as_ref().unwrap();
    let k = faults.checkpoint.as_ref().unwrap().every;
    let restart = faults.restart.unwrap().0;
    for ((v, o), vr) in prepared.variants.iter().zip(&outcomes).zip(&r.variants) {
        let f = vr.faults.as_ref().unwrap();
        let (_, cost) = checkpoint_cost(faults, v);
        assert!(cost > SimDuration::ZERO);
        let step_end = &o.run.step_end;
        // Before the first failure the job is the run with a checkpoint after every k-th clock: checkpoint m
        // (m ≥ 1) ends at step_end[mk − 1] + m · cost.
        let first = &f.failures[0];
        let at = SimTime(faults.failures[0].at.0 .0);
        let checkpoint_end = |m: u64| step_end[(m * k - 1) as usize] + SimDuration(m * cost.0);
        let last = (1..).take_while(|&m| m * k < v.config.clocks && checkpoint_end(m) <= at).last().unwrap_or(0);
        let since = if last == 0 { SimTime::ZERO } else { checkpoint_end(last) };
        let lost = at.since(since);
        assert_eq!(first.resumed_from, last * k, "{}", vr.name);
        assert!((first.lost_work_s - lost.as_secs_f64()).abs() <= PS, "{}: {} vs {lost:?}", vr.name, first.lost_work_s);
        // Back at the point the failure interrupted after the restart, the checkpoint read back, and the lost
        // work replayed.
        let recover = restart + cost + lost;
        let got = first.time_to_recover_s.unwrap();
        assert!((got - recover.as_secs_f64()).abs() <= PS, "{}: {got} vs {recover:?}", vr.name);
        assert!((f.restart_s - (restart + cost).as_secs_f64()).abs() <= PS);

        // The rollback: once the restart is over the job holds the checkpoint's model again.
        let objective = |c: u64| o.run.convergence.iter().find(|p| p.clock == c).unwrap().objective;
        let restarted = first.at_s + f.restart_s;
        let back = vr.convergence.iter().find(|p| p.sim_time_s >= restarted - PS).unwrap();
        assert_eq!((back.clock, back.objective), (first.resumed_from, objective(first.resumed_from)));
        assert!((back.sim_time_s - restarted).abs() <= 1e-9);
        // … worse than what the job had reached before the failure, which it reaches again later.
        let before = vr.convergence.iter().rev().find(|p| p.sim_time_s < first.at_s).unwrap();
        assert!(back.objective > before.objective, "{}: {back:?} vs {before:?}", vr.name);
        // Once after this restart, and once more after each later failure that rolls back past it.
        let again = vr.convergence.iter().filter(|p| p.sim_time_s > restarted && p.clock == before.clock).count();
        let later = f.failures[1..].iter().filter(|x| x.resumed_from < before.clock && x.clocks_done >= before.clock);
        assert_eq!(again, 1 + later.count(), "{}: clock {} reached again", vr.name, before.clock);
        // Clocks replay exactly: the job ends with the failure-free run's objective, at its job time.
        let end = vr.convergence.last().unwrap();
        assert_eq!((end.clock, end.objective), (v.config.clocks, o.run.convergence.last().unwrap().objective));
        assert_eq!(end.objective, vr.summary.final_objective);
        assert!((end.sim_time_s - f.job_time_s.unwrap()).abs() <= PS);
        // Every clock recorded in the failure-free run appears once per execution, with its objective.
        for p in vr.convergence.iter().filter(|p| p.clock % 5 == 0) {
            assert_eq!(p.objective, objective(p.clock), "{}: {p:?}", vr.name);
        }
        assert!(vr.convergence.windows(2).all(|w| w[0].sim_time_s <= w[1].sim_time_s));
    }
}

#[test]
fn the_job_time_is_useful_work_checkpoints_lost_work_and_restarts() {
    let (prepared, outcomes, r) = run(&text());
    let faults = prepared.file.faults.as_ref().unwrap();
    for ((v, o), vr) in prepared.variants.iter().zip(&outcomes).zip(&r.variants) {
        let f = vr.faults.as_ref().unwrap();
        let (bytes, cost) = checkpoint_cost(faults, v);
        // 1 MB/s for the largest shard (rows of an 8-byte key and 5 values of 4 bytes) and no worker state.
        assert_eq!(bytes, 28 * 1_000);
        assert_eq!(cost, SimDuration(bytes * 1_000_000));
        let job = f.job_time_s.unwrap();
        let parts = f.useful_s + f.checkpoint_overhead_s + f.lost_work_s + f.restarting_s;
        assert!((parts - job).abs() < 1e-9, "{}: {parts} vs {job}", vr.name);
        // Every clock is kept once; each checkpoint short of the last clock completes once.
        let failure_free = o.run.step_end.last().unwrap().as_secs_f64();
        assert!((f.useful_s - failure_free).abs() < 1e-9 && (f.failure_free_s - failure_free).abs() < 1e-9);
        let checkpoints = (v.config.clocks - 1) / f.checkpoint_every;
        assert!((f.checkpoint_overhead_s - checkpoints as f64 * cost.as_secs_f64()).abs() < 1e-9);
        assert_eq!(f.failures.len(), 2, "{}: both failures strike", vr.name);
        assert!((f.restarting_s - 2.0 * f.restart_s).abs() < 1e-9);
        let lost: f64 = f.failures.iter().map(|x| x.lost_work_s).sum();
        assert!((f.lost_work_s - lost).abs() < 1e-9);
        assert!((f.goodput - f.useful_s / job).abs() < 1e-12);
        let devices: Vec<Option<&str>> = f.failures.iter().map(|x| x.device.as_deref()).collect();
        assert_eq!(devices, [Some("host2"), Some("host5")]);
    }
}

#[test]
fn failures_at_a_rate_are_seeded_and_accounted_for() {
    // One failure per worker host per ~0.12 s: the job meets several.
    let mtbf =
        "    faults: (\n        checkpoint: (every: 50, cost: \"10 ms\"),\n        restart: \"20 ms\",\n        \
                mtbf_hours: 0.0002,\n    ),\n";
    let (_, _, a) = run(&with_faults(mtbf));
    let (_, _, b) = run(&with_faults(mtbf));
    assert_eq!(reports::summary_json(&a), reports::summary_json(&b));
    assert_eq!(reports::convergence_csv(&a), reports::convergence_csv(&b));
    for v in &a.variants {
        let f = v.faults.as_ref().unwrap();
        assert!(f.failures.len() >= 3, "{}: {} failures", v.name, f.failures.len());
        assert!(f.failures.iter().all(|x| x.device.is_none()));
        let parts = f.useful_s + f.checkpoint_overhead_s + f.lost_work_s + f.restarting_s;
        assert!((parts - f.job_time_s.unwrap()).abs() < 1e-9);
        for x in f.failures.iter().filter(|x| x.during != "restart") {
            // Unless another failure cut the replay short, recovery is the restart plus the lost work.
            let next = f.failures.iter().find(|y| y.at_s > x.at_s).map_or(f64::INFINITY, |y| y.at_s);
            if x.at_s + x.time_to_recover_s.unwrap() < next {
                assert!((x.time_to_recover_s.unwrap() - f.restart_s - x.lost_work_s).abs() < 1e-9, "{x:?}");
            }
        }
    }
    // The variants draw their own failure times.
    let at = |i: usize| a.variants[i].faults.as_ref().unwrap().failures[0].at_s;
    assert_ne!(at(0), at(1));
}

#[test]
fn the_cli_writes_the_failures_the_recovery_plot_and_a_convergence_that_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join(SCENARIO);
    let out = clustersim_in(dir.path(), &["run", scenario.to_str().unwrap(), "--out", "out"], 2);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["faults.csv", "recovery.png", "recovery.svg", "convergence.png"] {
        assert!(dir.path().join("out").join(f).is_file(), "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap()).unwrap();
    for v in s["variants"].as_array().unwrap() {
        let f = &v["faults"];
        assert_eq!((f["clocks"].as_u64(), f["replay"].as_str()), (Some(600), Some("exact")), "{v}");
        assert_eq!(f["failures"][0]["device"], "host2");
        assert!(f["failures"][0]["clocks_done"].as_u64().unwrap() > f["failures"][0]["resumed_from"].as_u64().unwrap());
    }
    let csv = std::fs::read_to_string(dir.path().join("out/faults.csv")).unwrap();
    assert_eq!(csv.lines().next(), Some(reports::PS_FAULTS_CSV_HEADER.join(",").as_str()));
    assert_eq!(csv.lines().count(), 1 + 4);
    // The convergence CSV follows the wall clock: time never goes back, clocks do (at each failure).
    let conv = std::fs::read_to_string(dir.path().join("out/convergence.csv")).unwrap();
    let rows: Vec<(String, u64, f64)> = conv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[1].parse().unwrap(), c[2].parse().unwrap())
        })
        .collect();
    let same = |w: &[(String, u64, f64)]| w[0].0 == w[1].0;
    assert!(rows.windows(2).filter(|w| same(w)).all(|w| w[0].2 <= w[1].2));
    assert_eq!(rows.windows(2).filter(|w| same(w) && w[1].1 < w[0].1).count(), 4, "two rollbacks per variant");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("through 2 failures"), "{stdout}");
}

/// Runs `clustersim validate` on the scenario's text with `from` replaced by `to`; returns stderr.
fn invalid(from: &str, to: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let t = text();
    assert!(t.contains(from), "{from}");
    std::fs::write(dir.path().join("bad.ron"), t.replacen(from, to, 1)).unwrap();
    let out = clustersim_in(dir.path(), &["validate", "bad.ron"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}

#[test]
fn a_failure_must_take_down_a_worker_host() {
    // host7 runs a server shard (workers run on host0 to host5).
    let e = invalid("device: \"host5\"", "device: \"host7\"");
    assert!(e.starts_with("error: bad.ron:"), "{e}");
    assert!(e.contains(":35:28: faults.failures[1].device: \"host7\" runs no worker:"), "{e}");
    assert!(e.contains("host0, host1, host2, host3, host4, host5"), "{e}");
    let e = invalid("device: \"host2\"", "device: \"node3/gpu5\"");
    assert!(e.contains("faults.failures[0].device: \"node3/gpu5\" is not a node of the platform"), "{e}");
}

#[test]
fn a_parameter_server_run_has_no_iteration_count() {
    let e = invalid("    faults: (\n", "    faults: (\n        iterations: 600,\n");
    assert!(e.contains("bad.ron:31:9: faults.iterations: a parameter-server run's length is runtime.clocks"), "{e}");
}

#[test]
fn the_common_fault_checks_apply() {
    let e = invalid("bandwidth: \"1 MB/s\"", "bandwidth: \"1 MB/s\", cost: \"1 s\"");
    assert!(e.contains("faults.checkpoint: give exactly one of cost and bandwidth"), "{e}");
    let e = invalid("        restart: \"200 ms\",\n", "");
    assert!(e.contains("faults: devices fail (failures or mtbf_hours): give the restart time"), "{e}");
}
