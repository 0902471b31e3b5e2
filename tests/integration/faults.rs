//! DNN training through GPU failures: checkpoints, lost work and restarts in the report and the figure.

use crate::{clustersim_in, repo};

/// The shipped failure scenario: two failures at given times; the first one's lost work checked against the
/// job's periodic course (segments of 50 iterations and a checkpoint), the time fully accounted for.
#[test]
fn a_failure_scenario_reports_and_plots_its_recovery_cost() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/dnn_llama2_faults.ron");
    let out = clustersim_in(dir.path(), &["run", scenario.to_str().unwrap(), "--out", "out"], 2);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["faults.csv", "recovery.png", "recovery.svg"] {
        assert!(dir.path().join("out").join(f).is_file(), "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap()).unwrap();
    let v = &s["variants"][0];
    let f = &v["faults"];
    let num = |x: &serde_json::Value| x.as_f64().unwrap();
    let iteration = num(&v["iteration_time_s"]);
    let checkpoint = num(&f["checkpoint_s"]);
    // 1 GB/s for the most loaded GPU's weights and optimizer state.
    let state = num(&v["memory"]["weights_bytes"]) + num(&v["memory"]["optimizer_bytes"]);
    assert!((checkpoint - state / 1e9).abs() < 1e-9, "{checkpoint} vs {}", state / 1e9);
    assert!((num(&f["restart_s"]) - 120.0 - checkpoint).abs() < 1e-9, "restart includes loading the checkpoint");
    assert!((num(&f["failure_free_s"]) - 2000.0 * iteration).abs() < 1e-6);
    assert!((num(&f["useful_s"]) - num(&f["failure_free_s"])).abs() < 1e-6, "every iteration is kept once");
    let parts =
        num(&f["useful_s"]) + num(&f["checkpoint_overhead_s"]) + num(&f["lost_work_s"]) + num(&f["restarting_s"]);
    assert!((parts - num(&f["job_time_s"])).abs() < 1e-6, "{parts} vs {}", f["job_time_s"]);
    let failures = f["failures"].as_array().unwrap();
    assert!(failures.len() >= 2);
    let first = &failures[0];
    assert_eq!(num(&first["at_s"]), 1200.0);
    // Before the first failure the job ran segments of 50 iterations and a checkpoint.
    let segment = 50.0 * iteration + checkpoint;
    let done_segments = (1200.0 / segment).floor();
    let lost = 1200.0 - done_segments * segment;
    assert!((num(&first["lost_work_s"]) - lost).abs() < 1e-6, "{} vs {lost}", first["lost_work_s"]);
    assert_eq!(first["resumed_from"].as_f64().unwrap(), 50.0 * done_segments);
    // Recovering takes the restart and redoing the lost iterations.
    let redo = num(&first["iterations_done"]) - num(&first["resumed_from"]);
    let recover = num(&f["restart_s"]) + redo * iteration;
    assert!((num(&first["time_to_recover_s"]) - recover).abs() < 1e-6, "{} vs {recover}", first["time_to_recover_s"]);
    let csv = std::fs::read_to_string(dir.path().join("out/faults.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + failures.len());
}

#[test]
fn faults_outside_dnn_training_and_parameter_servers_and_failures_of_unused_gpus_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A collective benchmark has no job to fail (parameter-server runs are covered in ps_faults.rs).
    let collective = std::fs::read_to_string(repo().join("scenarios/collectives_allreduce.ron")).unwrap().replace(
        "    seed: 1,\n",
        "    seed: 1,\n    faults: (checkpoint: (every: 5, cost: \"1 s\"), restart: \"1 s\"),\n",
    );
    std::fs::write(dir.path().join("coll.ron"), collective).unwrap();
    let out = clustersim_in(dir.path(), &["validate", "coll.ron"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: coll.ron:6:5: faults: faults are modelled for training runs (Dnn, parameter-server, STRADS), \
             not collective benchmarks"
        ),
        "{stderr}"
    );
    // A STRADS run takes link faults, not device failures.
    let strads = std::fs::read_to_string(repo().join("scenarios/strads_lasso_synthetic.ron")).unwrap().replace(
        "    seed: 7,\n",
        "    seed: 7,\n    faults: (restart: \"1 s\", failures: [(at: \"1 s\", device: \"host1\")]),\n",
    );
    std::fs::write(dir.path().join("strads.ron"), strads).unwrap();
    let out = clustersim_in(dir.path(), &["validate", "strads.ron"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("faults: a STRADS run takes link faults (faults.links) only"), "{stderr}");
    let dnn = std::fs::read_to_string(repo().join("scenarios/dnn_llama2_faults.ron"))
        .unwrap()
        .replace("split: (data: 8, tensor: 8)", "split: (data: 2, tensor: 8)");
    std::fs::write(dir.path().join("dnn.ron"), &dnn).unwrap();
    let out = clustersim_in(dir.path(), &["validate", "dnn.ron"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("faults.failures[0].device: variant \"dp2 tp8 pp1\" does not run on \"node3/gpu5\""),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("both.ron"),
        dnn.replace("(every: 50, bandwidth", "(every: 50, cost: \"1 s\", bandwidth"),
    )
    .unwrap();
    let out = clustersim_in(dir.path(), &["validate", "both.ron"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("faults.checkpoint: give exactly one of cost and bandwidth"));
}
