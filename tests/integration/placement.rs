//! `clustersim place` and `clustersim regress` end to end: the suite against its golden values, a
//! regression caught with a readable diff, a plan that runs as a scenario and predicts its own
//! iteration time, and a job that fits nowhere.

use std::path::Path;
use std::process::{Command, Output};

use crate::repo;

fn clustersim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clustersim")).current_dir(dir).args(args).output().expect("clustersim runs")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn the_placement_suite_matches_its_golden_values() {
    let out = clustersim(&repo(), &["regress"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("no regression"), "{stdout}");
    assert!(stdout.matches("cases compared").count() >= 5, "{stdout}");
}

#[test]
fn a_regression_fails_the_suite_with_a_readable_diff() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (suite, golden) = (tmp.path().join("suite"), tmp.path().join("golden"));
    std::fs::create_dir_all(&suite).expect("mkdir");
    std::fs::create_dir_all(&golden).expect("mkdir");
    let name = "optical_random_gpt2";
    std::fs::copy(repo().join(format!("scenarios/placement/{name}.ron")), suite.join(format!("{name}.ron")))
        .expect("copy");
    let recorded = std::fs::read_to_string(repo().join(format!("tests/golden/placement/{name}.json"))).expect("golden");
    // Pretend the search used to be 10 % faster than it is now.
    let mut g: serde_json::Value = serde_json::from_str(&recorded).expect("json");
    let case =
        g["cases"].as_array_mut().expect("cases").iter_mut().find(|c| c["algorithm"] == "annealing").expect("case");
    let t = case["iteration_time_s"].as_f64().expect("time");
    case["iteration_time_s"] = serde_json::json!(t / 1.1);
    std::fs::write(golden.join(format!("{name}.json")), serde_json::to_string_pretty(&g).expect("json"))
        .expect("write");
    let args = ["regress", "--dir", suite.to_str().expect("utf-8"), "--golden", golden.to_str().expect("utf-8")];
    let out = clustersim(&repo(), &args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("REGRESSION") && stdout.contains("annealing") && stdout.contains("+10.00 %"), "{stdout}");
    assert!(text(&out.stderr).contains("regression"), "{}", text(&out.stderr));
    // Accepting on purpose makes it pass again.
    let mut update = args.to_vec();
    update.push("--update");
    assert!(clustersim(&repo(), &update).status.success());
    assert!(clustersim(&repo(), &args).status.success());
}

#[test]
fn a_plan_runs_as_a_scenario_and_predicts_its_iteration_time() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out_dir = tmp.path().join("placed");
    let scenario = repo().join("scenarios/placement/optical_random_gpt2.ron");
    // Another seed than the file's: the random fabric's rings come from it, and plan.ron must keep it.
    let args = ["place", scenario.to_str().expect("utf-8"), "--seed", "7", "--out", out_dir.to_str().expect("utf-8")];
    let out = clustersim(tmp.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in ["placement.json", "placement.csv", "plan.ron", "traffic_0.png"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("placement.json")).expect("json")).expect("json");
    let rows = report["variants"][0]["rows"].as_array().expect("rows");
    let time =
        |a: &str| rows.iter().find(|r| r["algorithm"] == a).expect("row")["iteration_time_s"].as_f64().expect("s");
    assert!(time("annealing") <= time("topology-aware") && time("topology-aware") <= time("sequential"));

    let run_dir = tmp.path().join("run");
    let plan = out_dir.join("plan.ron");
    let out =
        clustersim(tmp.path(), &["run", plan.to_str().expect("utf-8"), "--out", run_dir.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).expect("summary")).expect("json");
    let variants = summary["variants"].as_array().expect("variants");
    // The co-designed plan runs on its own circuits, as a variant with its own platform.
    let co = &report["variants"][0]["co_design"];
    assert!(co["served_share"].as_f64().expect("co-designed") > 0.99, "{co}");
    let rows: Vec<&serde_json::Value> = rows.iter().chain([&co["row"]]).collect();
    assert!(time("annealing") > co["row"]["iteration_time_s"].as_f64().expect("s"));
    // Re-patching pays off after delay / (best fixed − co-designed) iterations, per technology.
    let fixed = co["fixed_iteration_time_s"].as_f64().expect("s");
    assert_eq!(fixed, time("annealing"));
    let gain = fixed - co["row"]["iteration_time_s"].as_f64().expect("s");
    let break_even = co["break_even"].as_array().expect("break-even");
    assert_eq!(break_even.len(), 3, "{co}");
    for b in break_even {
        let n = b["iterations"].as_f64().expect("faster, so it pays off");
        assert!((n - b["reconfiguration_s"].as_f64().expect("s") / gain).abs() <= 1e-12 * n, "{b}");
    }
    assert_eq!(variants.len(), rows.len());
    for (v, r) in variants.iter().zip(rows) {
        assert!(v["name"].as_str().expect("name").ends_with(r["algorithm"].as_str().expect("algorithm")));
        assert_eq!(v["iteration_time_s"].as_f64(), r["iteration_time_s"].as_f64(), "{}", v["name"]);
    }
}

#[test]
fn a_job_that_fits_nowhere_names_the_smallest_shortfall() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out_dir = tmp.path().join("placed");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    std::fs::write(out_dir.join("earlier.txt"), "kept").expect("write");
    let scenario = repo().join("tests/bad_scenarios/place_fits_nowhere.ron");
    let out = clustersim(
        tmp.path(),
        &["place", scenario.to_str().expect("utf-8"), "--out", out_dir.to_str().expect("utf-8")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("place_fits_nowhere.ron") && stderr.contains("fits nowhere"), "{stderr}");
    assert!(stderr.contains("GiB short") && stderr.contains("1×8×1"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(out_dir.join("earlier.txt")).expect("kept"), "kept");
}

/// The `optical-codesign` claim of `clustersim reproduce` needs no research data, so it runs here too.
#[test]
fn the_optical_codesign_claim_holds_without_research_data() {
    use clustersim::reproduce::{claims, run_claim};
    use clustersim::scenario::DataDir;
    let claim = claims().iter().find(|c| c.id == "optical-codesign").expect("claim");
    let outcome = run_claim(claim, &DataDir::resolve(None)).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(outcome.checks.len(), 3);
    for c in &outcome.checks {
        assert!(c.holds, "{}: {}", c.what, c.simulated);
    }
}
