//! The `clustersim` binary: outputs, determinism, golden summaries, the quickstart's claim, and
//! errors for bad scenarios.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::{repo, shared_data};

use clustersim::output::{ALWAYS_FILES, STALENESS_FILES, WAN_FILES};

/// The quickstart's outputs: every variant reads parameters, none crosses a WAN.
fn quickstart_outputs() -> Vec<&'static str> {
    [&ALWAYS_FILES[..], &STALENESS_FILES[..]].concat()
}

fn clustersim(dir: &Path, args: &[&str], threads: usize) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("clustersim runs")
}

/// Runs plain `clustersim` (the built-in quickstart) in a fresh directory; returns that directory.
fn quickstart(threads: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = clustersim(dir.path(), &[], threads);
    assert!(out.status.success(), "quickstart failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// One quickstart run shared by the tests that only read its outputs.
fn shared_quickstart() -> &'static Path {
    static RUN: OnceLock<tempfile::TempDir> = OnceLock::new();
    RUN.get_or_init(|| quickstart(2)).path()
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join("out/quickstart").join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "summary.json")).unwrap()
}

fn variant<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["variants"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("variant {name}"))
}

#[test]
fn quickstart_writes_every_output() {
    let dir = shared_quickstart();
    let mut written: Vec<String> = std::fs::read_dir(dir.join("out/quickstart"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    let mut expected = quickstart_outputs();
    expected.sort();
    assert_eq!(written, expected, "no WAN traffic, so no {WAN_FILES:?}");
    for f in quickstart_outputs() {
        assert!(!read(dir, f).is_empty(), "{f} is empty");
    }
    assert!(read(dir, "convergence.png").starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(read(dir, "staleness.png").starts_with(b"\x89PNG\r\n\x1a\n"));
    let staleness = String::from_utf8(read(dir, "staleness.csv")).unwrap();
    assert!(staleness.starts_with("variant,staleness_clocks,reads,share\nBSP,0,292919,1\nSSP(3),0,"), "{staleness}");
    let metrics = String::from_utf8(read(dir, "metrics.csv")).unwrap();
    assert!(metrics.starts_with("variant,worker,clock,sim_time_s,objective,bytes,"), "{}", &metrics[..80]);
    // 3 variants × 16 workers × 300 clocks, plus the header.
    assert_eq!(metrics.lines().count(), 3 * 16 * 300 + 1);
}

/// Same scenario and seed: byte-identical outputs, run to run and whatever the thread count.
#[test]
fn quickstart_is_deterministic_across_runs_and_thread_counts() {
    let one = quickstart(1);
    let again = quickstart(2);
    for f in quickstart_outputs() {
        assert!(read(one.path(), f) == read(shared_quickstart(), f), "{f} differs between 1 and 2 threads");
        assert!(read(again.path(), f) == read(shared_quickstart(), f), "{f} differs between two runs");
    }
}

/// The quickstart's claim: SSP(3) reaches the target loss in less simulated time than BSP, and no
/// read broke the staleness bound.
#[test]
fn quickstart_ssp_reaches_the_target_before_bsp() {
    let s = summary(shared_quickstart());
    let target = s["target_objective"].as_f64().unwrap();
    let bsp = variant(&s, "BSP")["time_to_target_s"].as_f64().expect("BSP reaches the target");
    let ssp = variant(&s, "SSP(3)")["time_to_target_s"].as_f64().expect("SSP(3) reaches the target");
    eprintln!("target {target}: BSP {bsp} s, SSP(3) {ssp} s");
    // A margin, not just an ordering: at least 15 % faster.
    assert!(ssp < 0.85 * bsp, "SSP(3) {ssp} s vs BSP {bsp} s");
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["staleness_violations"], 0, "{}", v["name"]);
    }
    assert_eq!(variant(&s, "BSP")["staleness_max"], 0);
    assert!(variant(&s, "SSP(3)")["staleness_max"].as_u64().unwrap() <= 3);
}

/// Golden summaries: `UPDATE_GOLDEN=1 cargo test` regenerates them on purpose.
#[test]
fn quickstart_summary_matches_golden() {
    let golden = repo().join("tests/golden/quickstart.summary.json");
    let got = String::from_utf8(read(shared_quickstart(), "summary.json")).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("golden file exists (UPDATE_GOLDEN=1 creates it)");
    assert!(
        got == want,
        "summary.json differs from {}; if the change is intended, rerun with UPDATE_GOLDEN=1",
        golden.display()
    );
}

/// Every shipped scenario validates; those that need research-only data are skipped, visibly,
/// when the data directory is absent.
#[test]
fn every_scenario_validates() {
    let mut checked = 0;
    let mut files = Vec::new();
    for dir in [repo().join("scenarios"), repo().join("scenarios/placement")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "ron") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let research_data = ["MovieLens100k", "\"reuters\"", "\"riboflavin\""];
        if research_data.iter().any(|d| text.contains(d)) && shared_data().is_none() {
            eprintln!("skipped {}: research-only data not found (set CLUSTERSIM_DATA_DIR)", path.display());
            continue;
        }
        let data = shared_data().unwrap_or_else(|| repo().join("workloads/data"));
        let out = clustersim(&repo(), &["validate", path.to_str().unwrap(), "--data-dir", data.to_str().unwrap()], 1);
        assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
        checked += 1;
    }
    assert!(checked >= 3);
}

/// The catalogue of malformed or inconsistent scenarios (`tests/bad_scenarios/`) run with `clustersim
/// run`: (file, `line:col: field.path:` after the file name, part of the message).
const BAD_RUN: &[(&str, &str, &str)] = &[
    (
        "unknown_field.ron",
        "18:13: platform.topology.FatTree.hosts_per_spine:",
        "Unexpected field named `hosts_per_spine`",
    ),
    ("wrong_unit.ron", "19:37: platform.topology.FatTree.host_link.bandwidth:", "unknown unit \"Gb\""),
    ("missing_unit.ron", "19:57: platform.topology.FatTree.host_link.latency:", "has no unit"),
    ("unit_of_wrong_kind.ron", "12:32: platform.host.memory_bandwidth:", "unknown unit \"GB\""),
    ("missing_data_file.ron", "26:9: workload.LogisticRegression.dataset:", "cannot read data file"),
    ("too_few_hosts.ron", "36:18: deployment.workers:", "need 22 hosts"),
    ("duplicate_variant.ron", "42:10: variants[2].name:", "used by an earlier variant"),
    ("bad_straggler_trace.ron", "37:5: stragglers:", "job 9 does not exist"),
    ("unknown_consistency.ron", "41:39: variants[1].consistency:", "Unexpected variant named `Stale`"),
    ("negative_count.ron", "18:22: platform.topology.FatTree.spines:", "out of bounds"),
    ("negative_learning_rate.ron", "28:9: workload.LogisticRegression.learning_rate:", "must be positive"),
    ("variant_batch_too_large.ron", "42:45: variants[2].batch_size:", "exceeds the smallest worker partition"),
    ("gaia_async.ron", "19:44: variants[1].asp:", "needs a bounded consistency"),
    ("gaia_unequal_shards.ron", "19:42: variants[1].asp:", "same number (≥ 1) of shards in every data center"),
    ("label_skew_out_of_range.ron", "19:26: variants[1].label_skew:", "skew 1.5 is not in [0, 1]"),
    ("strads_two_schedulers.ron", "11:30: deployment.servers:", "exactly one scheduler node"),
    ("strads_scheduler_for_lda.ron", "10:33: runtime.Strads.scheduler:", "only Lasso takes a scheduler"),
    ("strads_lambda_twice.ron", "9:56: workload.Lasso.lambda_ratio:", "either lambda or lambda_ratio"),
    ("strads_variant_consistency.ron", "14:23: variants[1].consistency:", "not a Strads setting"),
    (
        "unknown_link_preset.ron",
        "11:25: platform.topology.FatTree.host_link.preset:",
        "unknown network preset `ib-xdr`; valid names: ib-hdr, ib-ndr, eth-100g, eth-400g",
    ),
    (
        "missing_link_latency.ron",
        "9:13: platform.topology.Star.link.latency:",
        "required unless the link names a catalogue network preset",
    ),
    (
        "unknown_ocs_preset.ron",
        "9:19: platform.topology.CircuitSwitched.ocs.preset:",
        "unknown optical circuit switch preset `rotor`; valid names: mems, us-ocs, sip-microring",
    ),
    (
        "ocs_variant_unknown_preset.ron",
        "20:30: variants[1].ocs.preset:",
        "unknown optical circuit switch preset `microsecond`",
    ),
    (
        "ocs_phase_exceeds_ports.ron",
        "20:14: workload.CollectivePhases.phases[1].circuits:",
        "GPU 0 needs 16 optical ports (4 neighbours × 4 ports each) but its chiplets have 8",
    ),
    (
        "ocs_phase_bad_collective.ron",
        "18:40: workload.CollectivePhases.phases[1].collective:",
        "root 16 is not one of the 16 ranks",
    ),
    (
        "ocs_phase_unknown_shape.ron",
        "18:24: workload.CollectivePhases.phases[1].circuits:",
        "Unexpected variant named `Hypercube`",
    ),
    (
        "ocs_phases_need_circuit_switch.ron",
        "7:9: platform.topology:",
        "a CollectivePhases workload runs on a CircuitSwitched topology",
    ),
    (
        "dnn_out_of_memory.ron",
        "10:9: runtime.Training.split:",
        "does not fit: GPU node0/gpu0 (rank 0) needs 2609.20 GiB but holds 74.51 GiB (weights 325.25 GiB",
    ),
    (
        "dnn_variant_out_of_memory.ron",
        "12:23: variants[1].split:",
        "does not fit: GPU node0/gpu0 (rank 0) needs 102.94 GiB but holds 74.51 GiB",
    ),
    (
        "dnn_two_model_sources.ron",
        "7:40: workload.Dnn.hf_config:",
        "give exactly one of model, hf_config and astra (given: model, hf_config)",
    ),
    ("dnn_unknown_model.ron", "7:19: workload.Dnn.model:", "no model \"gpt-5\" in the zoo (known: llama-2-7b"),
    (
        "dnn_batch_not_divisible.ron",
        "8:34: workload.Dnn.global_batch:",
        "global batch 100 is not a positive multiple of data-parallel degree 8 × micro-batch size 1",
    ),
    (
        "dnn_too_few_gpus.ron",
        "9:23: runtime.Training.split:",
        "the split needs 32 GPUs (data × tensor × pipeline) but the platform has 8",
    ),
    (
        "dnn_training_runtime_for_logreg.ron",
        "9:5: runtime:",
        "a Training runtime trains a Dnn workload; this is LogisticRegression",
    ),
    ("dnn_variant_consistency.ron", "11:27: variants[1].consistency:", "not a Training setting"),
    (
        "dnn_sequence_for_resnet.ron",
        "8:57: workload.Dnn.sequence:",
        "resnet50 is not a transformer: it has no sequence length",
    ),
    (
        "dnn_unknown_device.ron",
        "11:61: runtime.Training.devices[3]:",
        "\"node0/gpu9\" is not a node of the platform (hosts: node0/gpu0, node0/gpu1, node0/gpu2, node0/gpu3, … \
         (8 in all))",
    ),
    ("dnn_duplicate_device.ron", "12:25: variants[1].devices:", "variant \"twice\": device node0/gpu1 is listed twice"),
    ("dnn_placement_zero_budget.ron", "10:32: placement.budget:", "must be at least 1 simulator evaluation"),
    ("place_co_design_electrical.ron", "8:28: placement.co_design:", "and no variant runs on one"),
    ("placement_for_parameter_server.ron", "13:5: placement:", "only used by Dnn workloads"),
    // Quantities: a sign, a zero, a value beyond u64.
    ("negative_size.ron", "6:63: platform.host.memory:", "size \"-64 GiB\" is negative"),
    ("negative_duration.ron", "7:98: platform.topology.Star.switch_latency:", "duration \"-500 ns\" is negative"),
    ("zero_bandwidth.ron", "7:53: platform.topology.Star.link.bandwidth:", "must be at least 1 byte/s"),
    ("zero_compute_rate.ron", "6:23: platform.host.peak:", "must be at least 1 FLOP/s"),
    ("quantity_too_large.ron", "7:53: platform.topology.Star.link.bandwidth:", "\"1e30 Gbps\" is too large"),
    // Types and RON syntax.
    ("string_for_number.ron", "7:30: platform.topology.Star.hosts:", "Expected integer"),
    ("fraction_for_integer.ron", "7:31: platform.topology.Star.hosts:", "`4.5` is not a whole number"),
    ("number_for_string.ron", "9:42: workload.LogisticRegression.dataset:", "Expected string"),
    ("duplicate_field.ron", "7:34: platform.topology.Star.hosts:", "duplicate field named `hosts`"),
    ("missing_required_field.ron", "11:1: seed:", "missing field named `seed`"),
    (
        "unclosed_paren.ron",
        "7:80: platform.topology.Star.link.switch_latency:",
        "Unexpected field named `switch_latency` in `LinkSpecFile`",
    ),
    // References to what does not exist.
    ("unknown_gpu.ron", "6:16: platform.host.gpu:", "unknown GPU preset `rtx-4090`"),
    ("dnn_unknown_node.ron", "5:34: platform.topology.DgxNode.node:", "unknown node preset `dgx-b200`"),
    ("unknown_region.ron", "7:35: platform.topology.MultiDatacenter.regions:", "unknown region `aws:mars-1`"),
    ("unknown_pop.ron", "7:49: platform.topology.TopologyZoo.data_centers:", "has no PoP `Atlantis`"),
    ("circuit_unknown_gpu.ron", "8:13: platform.topology.OpticalFabric.shape:", "(3 ↔ 7): GPU index out of range"),
    ("straggler_unknown_worker.ron", "12:28: stragglers.Persistent.workers:", "worker 5 does not exist"),
    ("dnn_missing_hf_config.ron", "6:19: workload.Dnn.hf_config:", "no_such_model/config.json: No such file"),
    // Duplicate names.
    ("duplicate_region.ron", "7:35: platform.topology.MultiDatacenter.regions:", "listed more than once"),
    // Values out of range, impossible shapes and placements.
    ("efficiency_out_of_range.ron", "6:37: platform.host.efficiency:", "1.5 is outside (0, 1]"),
    ("straggler_probability_above_one.ron", "12:5: stragglers:", "probability 1.5 is outside [0, 1]"),
    ("kary_fat_tree_odd_k.ron", "8:13: platform.topology.KaryFatTree.k:", "needs an even switch radix"),
    ("collective_too_many_ranks.ron", "9:73: workload.Collective.ranks:", "64 ranks on a platform of 16 hosts"),
    ("collective_no_sizes.ron", "9:55: workload.Collective.sizes:", "give at least one message size"),
    (
        "dnn_stage_layers_mismatch.ron",
        "7:72: runtime.Training.stage_layers:",
        "34 layers cannot be split into 2 pipeline stages as [10, 10]",
    ),
    // Sizes that would not fit in memory: an error, not an allocation (found while fuzzing).
    ("platform_too_large.ron", "7:24: platform.topology.Star.hosts:", "4000000000 hosts make the platform too large"),
    ("fat_tree_too_large.ron", "7:27: platform.topology.FatTree.leaves:", "100000000 makes the platform too large"),
    ("mf_synthetic_too_large.ron", "10:9: workload.MatrixFactorization.dataset:", "160000000000 ratings"),
    ("lasso_synthetic_too_large.ron", "9:62: workload.Lasso.synthetic:", "80000000000 non-zeros"),
    ("dnn_absurd_sequence.ron", "7:23: runtime.Training.split:", "does not fit: GPU node0/gpu0 (rank 0) needs"),
    // A Dnn job's faults: checkpoint cost, MTBF, length, restart, failing devices, schema.
    (
        "dnn_faults_checkpoint_cost_and_bandwidth.ron",
        "12:9: faults.checkpoint:",
        "give exactly one of cost and bandwidth",
    ),
    ("dnn_faults_checkpoint_without_cost.ron", "12:9: faults.checkpoint:", "give exactly one of cost and bandwidth"),
    (
        "dnn_faults_zero_checkpoint_bandwidth.ron",
        "12:45: faults.checkpoint.bandwidth:",
        "bandwidth \"0 GB/s\" must be at least 1 byte/s",
    ),
    ("dnn_faults_negative_mtbf.ron", "13:9: faults.mtbf_hours:", "-5 is not a positive number of hours"),
    ("dnn_faults_nan_mtbf.ron", "13:9: faults.mtbf_hours:", "NaN is not a positive number of hours"),
    ("dnn_faults_zero_iterations.ron", "11:9: faults.iterations:", "a job has at least 1 iteration"),
    ("dnn_faults_missing_iterations.ron", "10:5: faults:", "need its length: iterations: N"),
    (
        "dnn_faults_failure_without_restart.ron",
        "10:5: faults:",
        "devices fail (failures or mtbf_hours): give the restart time",
    ),
    (
        "dnn_faults_unknown_device.ron",
        "15:27: faults.failures[1].device:",
        "variant \"dp1 tp4 pp1\": \"node0/gpu9\" is not a node of the platform",
    ),
    (
        "dnn_faults_unused_device.ron",
        "15:27: faults.failures[1].device:",
        "variant \"dp1 tp4 pp1\" does not run on \"node0/gpu6\"",
    ),
    ("dnn_link_fault_unknown_node.ron", "14:26: faults.links[1].between:", "the platform has no node \"node0/switch\""),
    (
        "dnn_link_fault_no_cable.ron",
        "14:26: faults.links[1].between:",
        "no cable joins \"node0/gpu1\" and \"node0/gpu2\"",
    ),
    (
        "dnn_link_fault_degrade_above_one.ron",
        "14:69: faults.links[1].event:",
        "a degraded cable keeps a fraction in (0, 1] of its bandwidth, not 2",
    ),
    ("dnn_faults_unknown_field.ron", "13:9: faults.mtbf:", "Unexpected field named `mtbf`"),
    ("dnn_faults_restart_without_unit.ron", "12:19: faults.restart:", "duration \"60\" has no unit"),
];

/// The catalogue's scenarios run with `clustersim place` (the placement search's own errors), as
/// [`BAD_RUN`].
const BAD_PLACE: &[(&str, &str, &str)] =
    &[("place_fits_nowhere.ron", "7:23: runtime.Training.split:", "the job fits nowhere: of 10 splits")];

/// The catalogue of bad sweep files (`tests/bad_sweeps/`) run with `clustersim sweep`, as [`BAD_RUN`]; each
/// fails while the sweep loads (its file, base scenario and every point parsed), before any point runs.
/// Their base scenario is the quickstart, by a path relative to the sweep file.
const BAD_SWEEP: &[(&str, &str, &str)] = &[
    (
        "sweep_unknown_axis_field.ron",
        "7:59: axes[1].values[0]:",
        "is not a valid scenario: runtime.ParameterServer.clock: Unexpected field named `clock`",
    ),
    (
        "sweep_value_of_wrong_type.ron",
        "6:65: axes[0].values[1]:",
        "the point platform.topology.FatTree.spines = \"two\" is not a valid scenario: \
         platform.topology.FatTree.spines: Expected integer",
    ),
    ("sweep_empty_values.ron", "7:51: axes[1].values:", "an axis needs at least one value"),
    (
        "sweep_missing_base_scenario.ron",
        "4:5: scenario:",
        "tests/bad_sweeps/../../scenarios/no_such_scenario.ron: No such file",
    ),
    ("sweep_random_zero_points.ron", "8:20: sample.Random.points:", "must be from 1 to"),
    ("sweep_unknown_metric.ron", "8:5: metric:", "no metric \"tokens_per_s\" here"),
    ("sweep_unknown_field.ron", "8:5: threads:", "Unexpected field named `threads`"),
];

/// Runs `clustersim <command> <bad scenario> --out <dir>/out` for each case of `tests/bad_scenarios/`,
/// as [`assert_bad_inputs`].
fn assert_bad_scenarios(command: &str, cases: &[(&str, &str, &str)]) {
    assert_bad_inputs(command, "tests/bad_scenarios", cases);
}

/// Runs `clustersim <command> <file of directory dir> --out <tmp>/out` for each case, and checks: exit
/// code 2, `error: file:line:col: field.path: message`, no panic, and the existing output directory left
/// exactly as it was; for `run`, `clustersim validate` (parse and plan only) reports the same first line.
fn assert_bad_inputs(command: &str, dir_in_repo: &str, cases: &[(&str, &str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("summary.json"), "an earlier result").unwrap();
    for (file, position, message) in cases {
        // Every entry names a line, a column and a field path.
        let (line_col, field) = position.split_once(' ').unwrap_or_else(|| panic!("{file}: no field path"));
        let numbers: Vec<&str> = line_col.trim_end_matches(':').split(':').collect();
        assert!(numbers.len() == 2 && numbers.iter().all(|n| n.parse::<u32>().is_ok()), "{file}: {position}");
        assert!(field.ends_with(':') && field.len() > 1 && !field.contains(' '), "{file}: {position}");
        let path: PathBuf = repo().join(dir_in_repo).join(file);
        let out = clustersim(&repo(), &[command, path.to_str().unwrap(), "--out", out_dir.to_str().unwrap()], 1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        let expected = format!("error: {}:{position}", path.display());
        assert!(stderr.starts_with(&expected), "{file}:\n  got  {stderr}\n  want {expected}");
        assert!(stderr.contains(message), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("out")], "{file}: nothing else is written beside the output");
        assert_eq!(std::fs::read_to_string(out_dir.join("summary.json")).unwrap(), "an earlier result", "{file}");
        assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1, "{file}");
        if command == "run" {
            let validated = clustersim(&repo(), &["validate", path.to_str().unwrap()], 1);
            let v = String::from_utf8_lossy(&validated.stderr);
            assert_eq!(validated.status.code(), Some(2), "{file}: validate: {v}");
            assert_eq!(v.lines().next(), stderr.lines().next(), "{file}: validate and run disagree");
        }
    }
}

/// Malformed or inconsistent scenarios: exit code 2, `file:line:col: field.path: message`, no
/// panic, and an existing output directory left exactly as it was.
#[test]
fn bad_scenarios_are_reported_with_position_and_field() {
    let cases = BAD_RUN;
    assert_bad_scenarios("run", cases);
}

/// As [`bad_scenarios_are_reported_with_position_and_field`], for the placement search's errors.
#[test]
fn bad_placements_are_reported_with_position_and_field() {
    assert_bad_scenarios("place", BAD_PLACE);
}

/// As [`bad_scenarios_are_reported_with_position_and_field`], for sweep files.
#[test]
fn bad_sweeps_are_reported_with_position_and_field() {
    assert_bad_inputs("sweep", "tests/bad_sweeps", BAD_SWEEP);
}

/// The files of directory `dir` of the repository, by name, sorted.
fn catalogue(dir: &str) -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(repo().join(dir)).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    files
}

/// Checks that every file of `dir` is in one of `tables`, once, and every entry is a file there.
fn assert_catalogue_covered(dir: &str, tables: &[&[(&str, &str, &str)]]) -> usize {
    let listed: Vec<&str> = tables.iter().flat_map(|t| t.iter()).map(|c| c.0).collect();
    let unique: std::collections::BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "{dir}: a file is listed twice");
    let files = catalogue(dir);
    let unasserted: Vec<&String> = files.iter().filter(|f| !unique.contains(f.as_str())).collect();
    assert!(unasserted.is_empty(), "{dir}: in no table of tests/integration/cli.rs: {unasserted:?}");
    let gone: Vec<&&str> = unique.iter().filter(|f| !files.iter().any(|g| g == **f)).collect();
    assert!(gone.is_empty(), "listed but not in {dir}/: {gone:?}");
    files.len()
}

/// Every file of `tests/bad_scenarios/` is in [`BAD_RUN`] or [`BAD_PLACE`], and every file of
/// `tests/bad_sweeps/` in [`BAD_SWEEP`], once, and every entry is a file there: a new bad scenario or
/// sweep cannot go unasserted.
#[test]
fn every_bad_scenario_is_asserted() {
    let scenarios = assert_catalogue_covered("tests/bad_scenarios", &[BAD_RUN, BAD_PLACE]);
    assert!(scenarios >= 87, "{scenarios} bad scenarios");
    let sweeps = assert_catalogue_covered("tests/bad_sweeps", &[BAD_SWEEP]);
    assert!(sweeps >= 7, "{sweeps} bad sweeps");
}

#[test]
fn a_missing_scenario_file_is_an_input_error() {
    let out = clustersim(&repo(), &["run", "no/such/scenario.ron"], 1);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read scenario file no/such/scenario.ron"));
}

/// The quickstart with d-mod-k routing and SSP(3) against ESSP(3), 60 clocks: both schema
/// additions parse and run, and ESSP keeps the staleness bound.
#[test]
fn essp_and_d_mod_k_routing_run_from_a_scenario() {
    let text = std::fs::read_to_string(repo().join("scenarios/quickstart.ron")).unwrap();
    let text = text
        .replace("topology: FatTree(", "routing: DModK,\n        topology: FatTree(")
        .replace("clocks: 300", "clocks: 60")
        .replace("(name: \"BSP\", consistency: Bsp),", "(name: \"ESSP(3)\", consistency: Essp(staleness: 3)),")
        .replace("(name: \"async\", consistency: Async),\n", "");
    assert!(text.contains("Essp") && text.contains("DModK"), "the quickstart changed shape");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("essp.ron"), text).unwrap();
    let out = clustersim(dir.path(), &["run", "essp.ron"], 2);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/quickstart/summary.json")).unwrap()).unwrap();
    for name in ["ESSP(3)", "SSP(3)"] {
        let v = variant(&s, name);
        assert_eq!(v["staleness_violations"], 0, "{name}");
        assert!(v["staleness_max"].as_u64().unwrap() <= 3, "{name}");
    }
}

/// Runs `scenarios/dnn_llama2_7b.ron` with `threads` threads into a fresh directory; returns it.
fn dnn_run(threads: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/dnn_llama2_7b.ron");
    let out = clustersim(dir.path(), &["run", scenario.to_str().unwrap(), "--out", "out"], threads);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// A DNN training scenario writes its summary, table, plots and Perfetto trace, byte-identical with
/// 1 and 2 threads, and its figures are consistent with one another.
#[test]
fn dnn_scenario_outputs_are_complete_consistent_and_deterministic() {
    let (one, two) = (dnn_run(1), dnn_run(2));
    let mut expected: Vec<&str> = clustersim::output::DNN_FILES.into_iter().chain(["trace.json"]).collect();
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(one.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    for file in &expected {
        let a = std::fs::read(one.path().join("out").join(file)).unwrap();
        let b = std::fs::read(two.path().join("out").join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.path().join("out/summary.json")).unwrap()).unwrap();
    for v in s["variants"].as_array().unwrap() {
        let f = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k}"));
        let name = v["name"].as_str().unwrap();
        let t = f("iteration_time_s");
        // The per-GPU means decompose the iteration.
        let sum = f("compute_s") + f("exposed_communication_s") + f("bubble_s");
        assert!((sum / t - 1.0).abs() < 1e-9, "{name}: {sum} vs {t}");
        assert!((f("tokens_per_s") - f("global_batch") * 4096.0 / t).abs() <= 1e-6 * f("tokens_per_s"), "{name}");
        assert!(f("mfu") > 0.0 && f("mfu") <= f("hfu") && f("hfu") < 1.0, "{name}");
        assert!(f("peak_memory_bytes") <= f("memory_capacity_bytes"), "{name}");
        // Busy GPUs at the H100's 700 W TDP.
        assert!((f("gpu_energy_j") - 700.0 * f("compute_s") * f("gpus")).abs() <= 1e-6 * f("gpu_energy_j"), "{name}");
        let optical = name.contains("optical");
        // Link energy: 5.26 pJ/bit on optical chiplets, none counted for electrical links.
        assert_eq!(f("link_energy_j") > 0.0, optical, "{name}");
    }
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.path().join("out/trace.json")).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let cats: std::collections::BTreeSet<&str> = events.iter().filter_map(|e| e["cat"].as_str()).collect();
    assert_eq!(cats.into_iter().collect::<Vec<_>>(), ["collective", "compute", "optimizer", "send", "wait"]);
}

/// A model read from a Hugging Face config file trains exactly as the same model from the zoo.
#[test]
fn a_hugging_face_config_trains_as_the_zoo_model() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo().join("workloads/data/dnn_models/hf_config/meta-llama_Llama-2-7b-hf.config.json");
    std::fs::copy(&config, dir.path().join("llama.json")).unwrap();
    let scenario = |source: &str| {
        format!(
            "(name: \"hf\", seed: 1, platform: (topology: DgxNode(node: \"dgx-h100\")), \
             workload: Dnn({source}, global_batch: 16, sequence: 2048), \
             runtime: Training(split: (data: 2, tensor: 4), recompute: Selective, trace: false))"
        )
    };
    let mut times = Vec::new();
    for (file, source) in [("hf.ron", "hf_config: \"llama.json\""), ("zoo.ron", "model: \"llama-2-7b\"")] {
        std::fs::write(dir.path().join(file), scenario(source)).unwrap();
        let out = clustersim(dir.path(), &["run", file, "--out", file], 1);
        assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(file).join("summary.json")).unwrap()).unwrap();
        let v = &s["variants"][0];
        assert_eq!(v["tokens_per_s"].as_f64().unwrap(), 16.0 * 2048.0 / v["iteration_time_s"].as_f64().unwrap());
        assert!(!dir.path().join(file).join("trace.json").exists(), "trace: false writes no trace");
        times.push((
            v["iteration_time_s"].clone(),
            v["peak_memory_bytes"].clone(),
            v["model_flops_per_iteration"].clone(),
        ));
    }
    assert_eq!(times[0], times[1]);
}

/// The DNN scenario's summary: `UPDATE_GOLDEN=1 cargo test` regenerates it on purpose.
#[test]
fn dnn_summary_matches_golden() {
    let golden = repo().join("tests/golden/dnn_llama2_7b.summary.json");
    let got = std::fs::read_to_string(dnn_run(2).path().join("out/summary.json")).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("golden file exists (UPDATE_GOLDEN=1 creates it)");
    assert!(got == want, "summary.json differs from {}; if intended, rerun with UPDATE_GOLDEN=1", golden.display());
}
