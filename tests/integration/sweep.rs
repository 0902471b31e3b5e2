//! `clustersim sweep` and `clustersim merge`: a grid over scenario fields, byte-identical for any thread
//! count and any sharding.

use std::path::Path;

use crate::{clustersim_in, repo};

/// The quickstart shortened to 30 clocks, and a sweep of 2 × 3 points over it: host link bandwidth and
/// the second variant's consistency model (values of two kinds: quantities and enum variants).
fn sweep_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base =
        std::fs::read_to_string(repo().join("scenarios/quickstart.ron")).unwrap().replace("clocks: 300", "clocks: 30");
    assert!(base.contains("clocks: 30,"), "the quickstart changed shape");
    std::fs::write(dir.path().join("base.ron"), base).unwrap();
    let sweep = r#"(
    name: "small",
    scenario: "base.ron",
    axes: [
        (field: "platform.topology.FatTree.host_link.bandwidth", values: ["1 Gbps", "10 Gbps"]),
        (field: "variants[1].consistency", values: [Ssp(staleness: 1), Ssp(staleness: 5), Essp(staleness: 2)]),
    ],
    metric: "sim_time_s",
)
"#;
    std::fs::write(dir.path().join("sweep.ron"), sweep).unwrap();
    dir
}

/// Every file of directory `dir`, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_sweep_is_the_same_on_any_thread_count_and_merged_shards_equal_it_byte_for_byte() {
    let dir = sweep_dir();
    let d = dir.path();
    ok(&clustersim_in(d, &["sweep", "sweep.ron", "--out", "one"], 1));
    ok(&clustersim_in(d, &["sweep", "sweep.ron", "--out", "two"], 2));
    let one = files(&d.join("one"));
    assert_eq!(one, files(&d.join("two")), "1 and 2 threads differ");
    let names: Vec<&str> = one.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "axis1_bandwidth.png",
            "axis1_bandwidth.svg",
            "axis2_consistency.png",
            "axis2_consistency.svg",
            "sweep.csv",
            "sweep.json"
        ]
    );

    // The table: 6 points × 3 variants, the swept values in place, faster links never slower.
    let csv = String::from_utf8(one.iter().find(|(n, _)| n == "sweep.csv").unwrap().1.clone()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("point,platform.topology.FatTree.host_link.bandwidth,variants[1].consistency,variant,")
    );
    assert_eq!(lines.len(), 1 + 6 * 3);
    assert!(lines[1].starts_with("0,1 Gbps,Ssp(staleness: 1),BSP,"), "{}", lines[1]);
    assert!(lines[18].starts_with("5,10 Gbps,Essp(staleness: 2),async,"), "{}", lines[18]);
    let report: serde_json::Value =
        serde_json::from_slice(&one.iter().find(|(n, _)| n == "sweep.json").unwrap().1).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let time = |i: usize| rows[i]["values"][1].as_f64().unwrap();
    for slow in 0..9 {
        assert!(time(slow + 9) < time(slow), "row {slow}: 10 Gbps not faster than 1 Gbps");
    }
    // The swept variant really changed: SSP(1), SSP(5) and ESSP(2) give three different runs.
    let second: Vec<f64> = [1, 4, 7].iter().map(|&i| time(i)).collect();
    assert!(second[0] != second[1] && second[1] != second[2], "{second:?}");
    // The unswept variants are the same at every point of one bandwidth.
    assert_eq!(time(0), time(3));
    assert_eq!(time(2), time(5));

    // Three shards, run in any order, then merged: the same bytes.
    for shard in ["3/3", "1/3", "2/3"] {
        ok(&clustersim_in(d, &["sweep", "sweep.ron", "--shard", shard], 2));
    }
    let shards: Vec<String> = (1..=3).map(|i| format!("out/small-shards/{i}-of-3")).collect();
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", "merged"]);
    ok(&clustersim_in(d, &args, 1));
    assert_eq!(files(&d.join("merged")), one, "merged shards differ from the one-machine sweep");

    // A shard missing, a shard twice, a shard of another sweep: exit 2, nothing written.
    let out = clustersim_in(d, &["merge", &shards[0], &shards[2], "--out", "bad"], 1);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shards missing: 2/3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = clustersim_in(d, &["merge", &shards[0], &shards[1], &shards[1], "--out", "bad"], 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shard 2/3 is also in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let edited = std::fs::read_to_string(d.join("sweep.ron")).unwrap().replace("\"1 Gbps\"", "\"2 Gbps\"");
    std::fs::write(d.join("edited.ron"), edited).unwrap();
    ok(&clustersim_in(d, &["sweep", "edited.ron", "--shard", "2/3", "--out", "edited"], 1));
    let out = clustersim_in(d, &["merge", &shards[0], "edited", &shards[2], "--out", "bad"], 1);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shard of another sweep"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!d.join("bad").exists());
}

#[test]
fn a_random_sample_is_seeded_and_runs_in_grid_order() {
    let dir = sweep_dir();
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("sweep.ron")).unwrap();
    let sampled = text.replace("metric:", "sample: Random(points: 4, seed: 11),\n    metric:");
    std::fs::write(d.join("sample.ron"), &sampled).unwrap();
    ok(&clustersim_in(d, &["sweep", "sample.ron", "--out", "a"], 2));
    ok(&clustersim_in(d, &["sweep", "sample.ron", "--out", "b"], 1));
    assert_eq!(files(&d.join("a")), files(&d.join("b")));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("a/sweep.json")).unwrap()).unwrap();
    let points: Vec<u64> = report["rows"].as_array().unwrap().iter().map(|r| r["point"].as_u64().unwrap()).collect();
    let mut distinct = points.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{points:?}");
    assert!(distinct.windows(2).all(|w| w[0] < w[1]) && distinct.iter().all(|&p| p < 6));
    assert_eq!(report["grid_points"], 6);
    std::fs::write(d.join("other.ron"), sampled.replace("seed: 11", "seed: 12")).unwrap();
    ok(&clustersim_in(d, &["sweep", "other.ron", "--out", "c"], 2));
    let other: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("c/sweep.json")).unwrap()).unwrap();
    assert_ne!(other["rows"], report["rows"], "another seed, another sample (of 15 possible)");
}

#[test]
fn a_bad_axis_names_the_sweep_file_line_column_and_value_and_keeps_earlier_output() {
    let dir = sweep_dir();
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    std::fs::write(d.join("out/sweep.csv"), "an earlier result").unwrap();
    let text = std::fs::read_to_string(d.join("sweep.ron")).unwrap();
    let cases = [
        (
            text.replace("\"10 Gbps\"", "\"10 Gb\""),
            "sweep.ron:5:85: axes[0].values[1]: the point",
            "unknown unit \"Gb\"",
        ),
        (
            text.replace("host_link.bandwidth", "host_link.bandwith"),
            "sweep.ron:5:74: axes[0].values[0]: the point",
            "Unexpected field named `bandwith`",
        ),
        (
            text.replace("FatTree.host_link", "Star.host_link"),
            "sweep.ron:5:72: axes[0].values[0]",
            "`platform.topology` is `FatTree`, not `Star`",
        ),
        (text.replace("variants[1]", "variants[7]"), "sweep.ron:6:53: axes[1].values[0]", "has 3 elements, no [7]"),
        (text.replace("variants[1]", "variants[x]"), "sweep.ron:6:10: axes[1].field:", "\"x\" is not a list index"),
        (text.replace("sim_time_s", "tokens_per_s"), "sweep.ron:8:5: metric:", "no metric \"tokens_per_s\""),
        (text.replace("base.ron", "missing.ron"), "sweep.ron:3:5: scenario:", "cannot read the base scenario"),
        (text.replace("axes:", "axis:"), "sweep.ron:4:5: axis: ", "Unexpected field named `axis`"),
    ];
    for (bad, position, message) in cases {
        std::fs::write(d.join("bad.ron"), &bad).unwrap();
        let out = clustersim_in(d, &["sweep", "bad.ron", "--out", "out"], 1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let want = format!("error: {}", position.replace("sweep.ron", "bad.ron"));
        assert!(stderr.starts_with(&want), "got  {stderr}want {want}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(std::fs::read_to_string(d.join("out/sweep.csv")).unwrap(), "an earlier result");
    }
}

/// Every shipped sweep file loads: its base scenario parses and every point's scenario parses.
#[test]
fn every_shipped_sweep_loads() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("scenarios/sweeps")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let sweep = clustersim::sweep::load(&text, path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sweep.points.len() as u64, sweep.header.shape.grid_points.min(sweep.header.points.len() as u64));
        checked += 1;
    }
    assert!(checked >= 1);
}
