//! Links failing, degrading and coming back: flows move to other routes (or fail the run, naming the
//! flow), and a DNN job's iterations run at the time re-simulated on the platform in force.

use crate::{clustersim_in, repo};

fn num(x: &serde_json::Value) -> f64 {
    x.as_f64().unwrap_or_else(|| panic!("{x} is not a number"))
}

/// The shipped link-fault scenario: a NIC cable fails at 600 s (traffic moves through the NVSwitch to a
/// neighbour's port), comes back at 1 500 s, and another port runs at a quarter from 2 000 s.
/// Expectation: the failed and the degraded states are slower than the intact platform, the restored
/// one is exactly as fast, and the job time is the sum of its iterations, each at the time of the
/// state in force when it starts (computed here from the reported times, within 1 µs).
#[test]
fn a_dnn_job_runs_each_iteration_on_the_link_state_it_starts_in() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/dnn_llama2_link_faults.ron");
    let out = clustersim_in(dir.path(), &["run", scenario.to_str().unwrap(), "--out", "out"], 2);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("from 600.0 s (node3/nic5–rail5 fails)"), "{stdout}");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap()).unwrap();
    let v = &s["variants"][0];
    let f = &v["faults"];
    let intact = num(&v["iteration_time_s"]);
    let events = f["link_events"].as_array().unwrap();
    let states: Vec<(f64, f64)> = events.iter().map(|e| (num(&e["at_s"]), num(&e["iteration_time_s"]))).collect();
    assert_eq!(states.iter().map(|s| s.0).collect::<Vec<_>>(), [600.0, 1500.0, 2000.0]);
    assert!(states[0].1 > intact * 1.001, "a rerouted ring shares a port: {} vs {intact}", states[0].1);
    assert_eq!(states[1].1, intact, "restored: the intact platform");
    assert!(states[2].1 > states[0].1, "a quarter-rate port is worse than a shared one: {states:?}");
    let mut t = 0.0;
    for _ in 0..2000 {
        t += states.iter().rev().find(|s| s.0 <= t).map_or(intact, |s| s.1);
    }
    let job = num(&f["job_time_s"]);
    assert!((job - t).abs() < 1e-6, "job {job} s vs {t} s summed");
    assert!((num(&f["failure_free_s"]) - 2000.0 * intact).abs() < 1e-6);
    assert!(job > num(&f["failure_free_s"]));
}

/// Without PXN wiring a GPU whose NIC cable fails has no other way out of its node.
/// Expectation: the run fails with exit code 1, naming the flow, its ends, the failed link, the
/// `faults.links` entry and its time; no output directory is written.
#[test]
fn a_link_failure_without_another_route_fails_the_run_naming_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/dnn_llama2_link_faults.ron")).unwrap();
    let no_pxn = text.replace(", pxn: true)", ")");
    assert_ne!(no_pxn, text);
    std::fs::write(dir.path().join("s.ron"), no_pxn).unwrap();
    let out = clustersim_in(dir.path(), &["run", "s.ron", "--out", "out"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for want in ["after faults.links[0] at 600.000 s", "to node3/gpu5", "link rail5 -> node3/nic5 is down", "flow "] {
        assert!(stderr.contains(want), "{want:?} in {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

/// Link faults naming what the platform does not have, or degrading outside (0, 1].
/// Expectation: exit code 2 and an error at the entry's field, with its line.
#[test]
fn link_faults_naming_missing_nodes_or_cables_are_scenario_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/dnn_llama2_link_faults.ron")).unwrap();
    let line_of = |t: &str, needle: &str| 1 + t[..t.find(needle).unwrap()].matches('\n').count();
    let cases = [
        ("(\"node6/nic2\", \"rail2\")", "(\"node6/nic2\", \"rail9\")", "faults.links[2].between", "no node \"rail9\""),
        ("(\"node6/nic2\", \"rail2\")", "(\"node6/nic2\", \"rail3\")", "faults.links[2].between", "no cable joins"),
        ("Degrade(0.25)", "Degrade(1.5)", "faults.links[2].event", "(0, 1]"),
        ("Degrade(0.25)", "Degrade(0.0)", "faults.links[2].event", "(0, 1]"),
    ];
    for (from, to, path, message) in cases {
        let bad = text.replace(from, to);
        std::fs::write(dir.path().join("bad.ron"), &bad).unwrap();
        let out = clustersim_in(dir.path(), &["validate", "bad.ron"], 1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {stderr}");
        assert!(stderr.contains(path) && stderr.contains(message), "{to}: {stderr}");
        let line = line_of(&bad, to);
        assert!(stderr.contains(&format!("bad.ron:{line}:")), "{to}: line {line} in {stderr}");
    }
}

/// The quickstart's parameter server on its fat-tree: a leaf–spine cable fails at 5 ms of the 31 ms run (its flows
/// move to the other spine) and host0's cable runs at a tenth from 10 ms.
/// Expectation: the run completes; BSP's model does not depend on timing, so its final objective is
/// bit-identical to the intact run's while it ends no earlier; cutting host0's only cable instead
/// fails the run with exit code 1, naming the flow and the link.
#[test]
fn parameter_server_messages_move_off_failed_links_or_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/quickstart.ron")).unwrap();
    let with = |links: &str| {
        text.replace(
            "    target_objective: 0.33,\n",
            &format!("    target_objective: 0.33,\n    faults: (links: [{links}]),\n"),
        )
    };
    let degraded = with(
        "(at: \"5 ms\", between: (\"leaf0\", \"spine0\"), event: Fail), \
         (at: \"10 ms\", between: (\"host0\", \"leaf0\"), event: Degrade(0.1))",
    );
    assert_ne!(degraded, text);
    let summary = |name: &str, body: &str| {
        std::fs::write(dir.path().join(name), body).unwrap();
        let out = clustersim_in(dir.path(), &["run", name, "--out", name], 2);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(name).join("summary.json")).unwrap()).unwrap();
        s
    };
    let (intact, faulty) = (summary("intact.ron", &text), summary("faulty.ron", &degraded));
    let bsp = |s: &serde_json::Value| s["variants"][0].clone();
    assert_eq!(bsp(&intact)["name"], "BSP");
    assert_eq!(bsp(&faulty)["final_objective"], bsp(&intact)["final_objective"]);
    assert!(num(&bsp(&faulty)["sim_time_s"]) > num(&bsp(&intact)["sim_time_s"]));

    std::fs::write(dir.path().join("cut.ron"), with("(at: \"10 ms\", between: (\"leaf0\", \"host0\"), event: Fail)"))
        .unwrap();
    let out = clustersim_in(dir.path(), &["run", "cut.ron", "--out", "cut"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is down and no other route joins its ends") && stderr.contains("host0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A STRADS scenario takes link faults (on the run's clock; the runtime's behaviour under them is
/// checked in sim-core/tests/strads.rs). Expectation: it validates.
#[test]
fn strads_scenarios_take_link_faults() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/strads_lasso_synthetic.ron")).unwrap();
    let faulty = text.replace(
        "    seed: 7,\n",
        "    seed: 7,\n    faults: (links: [(at: \"0 s\", between: (\"host0\", \"switch\"), event: Degrade(0.05))]),\n",
    );
    assert_ne!(faulty, text);
    std::fs::write(dir.path().join("s.ron"), &faulty).unwrap();
    let out = clustersim_in(dir.path(), &["validate", "s.ron"], 1);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
