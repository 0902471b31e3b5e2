//! DNN training on an explicit device list (`runtime.Training.devices`, a variant's `devices`), and
//! the `placement` search settings: checked for `Dnn` workloads, refused by every other planner.

use clustersim::dnn::{execute, prepare, PreparedDnn};
use clustersim::run::plan;
use clustersim::scenario::{parse, DataDir, ScenarioError};

fn prepared(text: &str) -> Result<PreparedDnn, ScenarioError> {
    prepare(parse(text, "t.ron")?, text, "t.ron", None)
}

/// Iteration time [ps] of every variant of `text`, in order.
fn iteration_times(text: &str) -> Vec<u64> {
    let p = prepared(text).unwrap_or_else(|e| panic!("{e}"));
    execute(&p).unwrap_or_else(|(v, e)| panic!("{v}: {e}")).iter().map(|r| r.run.iteration_time.0).collect()
}

/// GPT-2 split data 2 × tensor 2 × pipeline 2 over 8 GPUs on `topology`, with variants `variants`.
fn gpt2(topology: &str, variants: &str) -> String {
    format!(
        r#"(
    name: "devices",
    seed: 1,
    platform: (host: (gpu: "a100-sxm4-80gb"), topology: {topology}),
    workload: Dnn(model: "gpt2", global_batch: 16),
    runtime: Training(split: (data: 2, tensor: 2, pipeline: 2)),
    variants: [{variants}],
)"#
    )
}

/// 1-based column of the first `needle` on 1-based line `line` of `text`.
fn position_of(text: &str, line: usize, needle: &str) -> usize {
    text.lines().nth(line - 1).and_then(|l| l.find(needle)).expect("written") + 1
}

fn names(prefix: &str, ids: impl IntoIterator<Item = u32>) -> String {
    let v: Vec<String> = ids.into_iter().map(|i| format!("\"{prefix}{i}\"")).collect();
    format!("[{}]", v.join(", "))
}

/// On a star every host is alike: reversing the ranks changes nothing.
#[test]
fn dnn_reversed_devices_on_a_star_take_the_same_time() {
    let star = r#"Star(hosts: 8, link: (bandwidth: "100 Gbps", latency: "1 us"), switch_latency: "300 ns")"#;
    let text = gpt2(
        star,
        &format!(
            r#"(name: "default"), (name: "reversed", devices: {}), (name: "listed in order", devices: {})"#,
            names("host", (0..8).rev()),
            names("host", 0..8)
        ),
    );
    let p = prepared(&text).unwrap();
    assert_eq!(p.variants[0].config.devices, None);
    let reversed: Vec<u32> = p.variants[1].config.devices.as_ref().unwrap().iter().map(|n| n.0).collect();
    let star_hosts = p.variants[1].platform.hosts();
    assert_eq!(reversed, star_hosts.iter().rev().map(|n| n.0).collect::<Vec<_>>());
    let t = iteration_times(&text);
    assert!(t[0] > 0);
    assert_eq!(t[1], t[0], "reversed on a symmetric star");
    assert_eq!(t[2], t[0], "the default order listed explicitly");
}

/// On DGX nodes, interleaving the nodes' GPUs puts each tensor-parallel pair on two nodes, so its
/// all-reduces leave the NVSwitch for the NICs: slower than the default, which keeps pairs in a node.
#[test]
fn dnn_interleaved_devices_on_a_dgx_cluster_cross_nodes_and_slow_down() {
    let cluster = r#"DgxCluster(nodes: 2, node: "dgx-a100", fabric: SingleSwitch)"#;
    let interleaved: Vec<String> =
        (0..4).flat_map(|g| [format!("\"node0/gpu{g}\""), format!("\"node1/gpu{g}\"")]).collect();
    let text =
        gpt2(cluster, &format!(r#"(name: "default"), (name: "interleaved", devices: [{}])"#, interleaved.join(", ")));
    let t = iteration_times(&text);
    assert!(t[1] > t[0], "interleaved {} ps, default {} ps", t[1], t[0]);
    // The runtime's own list applies to every variant that does not override it.
    let base = text.replace(
        "runtime: Training(split: (data: 2, tensor: 2, pipeline: 2)),",
        &format!("runtime: Training(split: (data: 2, tensor: 2, pipeline: 2), devices: [{}]),", interleaved.join(", ")),
    );
    let base = base.replace(
        r#"(name: "default"), (name: "interleaved", devices: ["#,
        r#"(name: "runtime's"), (name: "again", devices: ["#,
    );
    assert_eq!(iteration_times(&base), vec![t[1], t[1]]);
}

#[test]
fn dnn_device_list_errors_name_the_entry_or_the_list() {
    let star = r#"Star(hosts: 8, link: (bandwidth: "100 Gbps", latency: "1 us"), switch_latency: "300 ns")"#;
    let case = |variants: &str| prepared(&gpt2(star, variants)).err().expect("refused");

    let variants = r#"(name: "a"), (name: "b", devices: ["host0", "host1", "switch", "host9"])"#;
    let e = case(variants);
    assert_eq!(e.path, "variants[1].devices[2]");
    assert!(
        e.message.contains("\"switch\" is a switch, not a GPU (hosts: host0, host1, host2, host3, … (8 in all))"),
        "{e}"
    );
    assert_eq!(e.position, Some((7, position_of(&gpt2(star, variants), 7, "\"switch\""))), "{e}");

    let e = case(r#"(name: "a", devices: ["host0", "host1", "nowhere"])"#);
    assert_eq!(e.path, "variants[0].devices[2]");
    assert!(e.message.starts_with("\"nowhere\" is not a node of the platform"), "{e}");

    let e = case(r#"(name: "a", devices: ["host0", "host1"])"#);
    assert_eq!(e.path, "variants[0].devices");
    assert!(e.message.contains("the split needs 8 GPUs (data × tensor × pipeline) but devices lists 2"), "{e}");

    let e = case(&format!(r#"(name: "a", devices: {})"#, names("host", [0, 1, 2, 3, 4, 5, 6, 0])));
    assert_eq!(e.path, "variants[0].devices");
    assert!(e.message.contains("device host0 is listed twice"), "{e}");

    // A list of the runtime, wrong on a variant's own platform: the runtime's entry, naming the variant.
    let text = gpt2(
        star,
        r#"(name: "a"), (name: "b", platform: (host: (gpu: "a100-sxm4-80gb"), topology: DgxNode(node: "dgx-a100")))"#,
    )
    .replace(
        "split: (data: 2, tensor: 2, pipeline: 2)",
        &format!("split: (data: 2, tensor: 2, pipeline: 2), devices: {}", names("host", 0..8)),
    );
    let e = prepared(&text).err().expect("refused");
    assert_eq!(e.path, "runtime.Training.devices[0]");
    assert!(e.message.starts_with("variant \"b\": \"host0\" is not a node of the platform (hosts: node0/gpu0"), "{e}");
    assert_eq!(e.position, Some((6, position_of(&text, 6, "\"host0\""))), "{e}");
}

#[test]
fn dnn_placement_settings_are_checked_and_kept() {
    let star = r#"Star(hosts: 8, link: (bandwidth: "100 Gbps", latency: "1 us"), switch_latency: "300 ns")"#;
    let with = |placement: &str| {
        gpt2(star, r#"(name: "a")"#).replace("    variants:", &format!("    placement: {placement},\n    variants:"))
    };
    let p = prepared(&with("(budget: 5, splits: false, micro_batches: [1, 2], random_samples: 3, co_design: false)"))
        .unwrap();
    let s = p.placement.expect("kept");
    assert_eq!(
        (s.budget, s.splits, s.micro_batches, s.random_samples, s.co_design),
        (5, false, Some(vec![1, 2]), 3, false)
    );
    let p = prepared(&with("()")).unwrap();
    let s = p.placement.expect("kept");
    assert_eq!((s.budget, s.splits, s.micro_batches, s.random_samples, s.co_design), (64, true, None, 1, false));
    assert!(prepared(&gpt2(star, r#"(name: "a")"#)).unwrap().placement.is_none());
    for (placement, path, message) in [
        ("(budget: 0)", "placement.budget", "must be at least 1"),
        ("(random_samples: 0)", "placement.random_samples", "must be at least 1"),
        ("(micro_batches: [])", "placement.micro_batches", "give at least one micro-batch size"),
        ("(micro_batches: [2, 0])", "placement.micro_batches", "entry 1 is 0"),
    ] {
        let e = prepared(&with(placement)).err().expect("refused");
        assert_eq!(e.path, path, "{e}");
        assert!(e.message.contains(message), "{e}");
        assert_eq!(e.position.map(|p| p.0), Some(7), "{e}");
    }
    let e = parse(&with("(budget: 4, depth: 2)"), "t.ron").expect_err("unknown field");
    assert_eq!(e.path, "placement.depth", "{e}");
}

/// Every planner but the DNN one refuses `placement` (and DNN-only variant fields such as `devices`).
#[test]
fn dnn_only_placement_and_devices_are_refused_elsewhere() {
    let star = r#"platform: (
        host: (peak: "100 GFLOP/s", efficiency: 0.3, memory: "64 GiB", memory_bandwidth: "20 GB/s"),
        topology: Star(hosts: 4, link: (bandwidth: "10 Gbps", latency: "2 us"), switch_latency: "500 ns"),
    ),"#;
    let scenarios = [
        format!(
            r#"(name: "ps", seed: 1, {star}
                workload: LogisticRegression(dataset: "adult", batch_size: 64, learning_rate: 0.05),
                runtime: ParameterServer(consistency: Bsp, clocks: 10), deployment: (workers: 2, servers: 1),"#
        ),
        format!(
            r#"(name: "strads", seed: 1, {star}
                workload: Lasso(dataset: "diabetes", lambda_ratio: 0.1),
                runtime: Strads(rounds: 10, set_size: 4), deployment: (workers: 2, servers: 1),"#
        ),
        format!(
            r#"(name: "collective", seed: 1, {star}
                workload: Collective(collective: AllReduce(Ring), sizes: ["1 MiB"]),"#
        ),
        r#"(name: "phases", seed: 1,
                platform: (host: (gpu: "h100-sxm5"), topology: CircuitSwitched(gpus: 4, ocs: (preset: "mems"), chiplets_per_gpu: 1,
                                                     link_latency: "50 ns")),
                workload: CollectivePhases(phases: [(circuits: Ring(gpus: 4), collective: AllGather)], sizes: ["1 MiB"]),"#
            .to_string(),
    ];
    let data_dir = DataDir::resolve(None);
    for head in &scenarios {
        // Each runs as it is.
        let text = format!("{head}\n)");
        let file = parse(&text, "t.ron").unwrap_or_else(|e| panic!("{e}"));
        plan(file, &text, "t.ron", &data_dir, None).unwrap_or_else(|e| panic!("{e}"));

        let text = format!("{head}\n    placement: (budget: 4),\n)");
        let file = parse(&text, "t.ron").unwrap();
        let e = plan(file, &text, "t.ron", &data_dir, None).err().expect("placement refused");
        assert_eq!((e.path.as_str(), e.message.as_str()), ("placement", "only used by Dnn workloads"), "{head}");
        let line = text.lines().position(|l| l.contains("placement: (budget")).unwrap() + 1;
        assert_eq!(e.position, Some((line, 5)), "{head}");

        let text = format!("{head}\n    variants: [(name: \"a\", devices: [\"host0\"])],\n)");
        let file = parse(&text, "t.ron").unwrap();
        let e = plan(file, &text, "t.ron", &data_dir, None).err().expect("devices refused");
        assert_eq!(e.path, "variants[0].devices", "{head}: {e}");
    }
}
