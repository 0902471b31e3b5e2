//! Interconnect scenarios: link presets from the hardware catalogue, and collectives on an optical
//! circuit-switched fabric whose circuits are reconfigured between phases.

use std::path::Path;
use std::process::Command;

use clustersim::run::{plan, Plan};
use clustersim::scenario::{self, DataDir};
use reports::{CollectivePhase, CollectiveReport};
use sim_core::SimDuration;

use crate::repo;

/// Plans and runs a collective scenario given as text, through the same path as `clustersim run`.
fn run(text: &str) -> CollectiveReport {
    let file = scenario::parse(text, "test.ron").unwrap_or_else(|e| panic!("{e}"));
    let plan = match plan(file, text, "test.ron", &DataDir::resolve(None), None) {
        Ok(Plan::Collectives(p)) => p,
        Ok(Plan::ParameterServer(_) | Plan::Strads(_) | Plan::Dnn(_)) => panic!("not a collective scenario"),
        Err(e) => panic!("{e}"),
    };
    clustersim::collectives::execute(&plan, &|| ()).unwrap()
}

/// 16 H100s with one TeraPHY each (8 ports × 16 GB/s), 2 ports per circuit (32 GB/s each way),
/// 50 ns of fibre per circuit.
const GPUS: &str = r#"host: (gpu: "h100-sxm5")"#;
const SIZES: &str = r#"["1 MiB", "64 MiB"]"#;

/// A `CollectivePhases` scenario on the 16-GPU circuit-switched fabric with switch `ocs` and
/// variants `variants` (RON list items, may be empty).
fn phased(ocs: &str, phases: &str, variants: &str) -> String {
    format!(
        r#"(name: "ocs", seed: 5,
            platform: ({GPUS}, topology: CircuitSwitched(gpus: 16, ocs: {ocs}, chiplets_per_gpu: 1,
                ports_per_neighbor: 2, link_latency: "50 ns")),
            workload: CollectivePhases(sizes: {SIZES}, phases: [{phases}]),
            variants: [{variants}])"#
    )
}

/// The same GPUs on a fixed optical fabric of shape `shape`, running one `collective`.
fn fixed(shape: &str, collective: &str) -> String {
    format!(
        r#"(name: "ocs", seed: 5,
            platform: ({GPUS}, topology: OpticalFabric(shape: {shape}, chiplets_per_gpu: 1,
                ports_per_neighbor: 2, link_latency: "50 ns")),
            workload: Collective(collective: {collective}, sizes: {SIZES}))"#
    )
}

fn phase(r: &CollectiveReport, variant: usize, size: usize, phase: usize) -> &CollectivePhase {
    &r.variants[variant].points[size].phases[phase]
}

/// Phase time (reconfiguration + collective) [ps].
fn phase_ps(p: &CollectivePhase) -> u64 {
    p.reconfiguration_ps + p.collective_ps
}

/// The acceptance case of the interconnect issue: "a ring all-reduce whose circuits are
/// reconfigured between two collectives shows exactly the reconfiguration delay in its completion
/// time".
///
/// System: 16 GPUs on an optical circuit switch. Phase 1: an all-to-all on circuits i ↔ i+3 and
/// i ↔ i+5 (32 circuits); phase 2: a ring all-reduce on the ring i ↔ i+1 (16 circuits, none of
/// phase 1's), so every circuit changes. Variants: MEMS (10 ms), µs-class (20 µs), and MEMS with
/// its delay overridden to 2.5 ms.
/// Expectation, for every size and variant: phase 2 takes exactly (to the picosecond) the same
/// ring all-reduce's time alone on a fixed optical ring of the same GPUs, plus the switch's delay;
/// 16 circuits are set up and 32 torn down.
#[test]
fn a_reconfigured_ring_all_reduce_takes_exactly_the_delay_longer() {
    let phases = r#"(name: "tokens", circuits: Permutations(gpus: 16, degree: 4, shifts: [3, 5]),
                     collective: AllToAll(AllAtOnce)),
                    (name: "gradients", circuits: Ring(gpus: 16), collective: AllReduce(Ring))"#;
    let variants = r#"(name: "mems"), (name: "us", ocs: (preset: "us-ocs")),
                      (name: "mems 2.5 ms", ocs: (preset: "mems", reconfiguration: "2.5 ms"))"#;
    let r = run(&phased(r#"(preset: "mems")"#, phases, variants));
    let alone = run(&fixed("Ring(gpus: 16)", "AllReduce(Ring)"));
    let delays = [SimDuration::from_ms(10), SimDuration::from_us(20), SimDuration::from_us(2_500)];
    for (v, delay) in delays.iter().enumerate() {
        for size in 0..2 {
            let p2 = phase(&r, v, size, 1);
            assert_eq!((p2.circuits_set_up, p2.circuits_torn_down), (16, 32));
            assert_eq!(p2.reconfiguration_ps, delay.0, "variant {v}");
            let alone_s = alone.variants[0].points[size].time_s;
            // The fixed ring's time, from the picoseconds of phase 2 without the delay.
            assert_eq!(SimDuration(phase_ps(p2) - delay.0).as_secs_f64(), alone_s, "variant {v} size {size}");
            assert_eq!(p2.time_s, SimDuration(phase_ps(p2)).as_secs_f64());
        }
    }
    // The all-to-all differs from the ring all-reduce (a check that phase 2 is not phase 1 again).
    assert_ne!(phase(&r, 0, 1, 0).collective_ps, phase(&r, 0, 1, 1).collective_ps);
    // And the two-phase total is the sum of the phases.
    let p = &r.variants[0].points[1];
    assert_eq!(p.time_s, SimDuration(p.phases.iter().map(phase_ps).sum()).as_secs_f64());
}

/// System: as above, but phase 2's ring all-reduce runs on the circuits phase 1's ring all-reduce
/// already holds (ring, then ring), on a MEMS switch (10 ms).
/// Expectation: nothing is reconfigured: no circuit set up or torn down, no delay, and phase 2
/// takes exactly phase 1's time, which is the ring all-reduce's time alone on a fixed ring.
#[test]
fn a_ring_all_reduce_on_unchanged_circuits_takes_no_delay() {
    let phases = r#"(circuits: Ring(gpus: 16), collective: AllReduce(Ring)),
                    (circuits: Ring(gpus: 16), collective: AllReduce(Ring))"#;
    let r = run(&phased(r#"(preset: "mems")"#, phases, ""));
    let alone = run(&fixed("Ring(gpus: 16)", "AllReduce(Ring)"));
    for size in 0..2 {
        let (p1, p2) = (phase(&r, 0, size, 0), phase(&r, 0, size, 1));
        assert_eq!((p2.circuits_set_up, p2.circuits_torn_down, p2.reconfiguration_ps), (0, 0, 0));
        assert_eq!(phase_ps(p2), phase_ps(p1));
        assert_eq!(p2.time_s, alone.variants[0].points[size].time_s);
        assert_eq!(p1.name, "phase 1");
    }
    assert_eq!(r.variants[0].name, "OCS mems");
    assert_eq!(r.variants[0].platform, "OCS mems (10 ms), 16 GPUs");
}

/// System: a 4-host star, its cables given as the catalogue's InfiniBand NDR preset, with and
/// without a latency override, and given explicitly.
/// Expectation: `(preset: "ib-ndr")` is exactly `(bandwidth: "400 Gbps", latency: "10 ns")` (NDR's
/// port rate and the default cable latency); an override replaces only its field; HDR (200 Gb/s)
/// is slower.
#[test]
fn link_presets_set_the_port_rate_and_the_default_cable_latency() {
    let star = |link: &str| {
        let text = format!(
            r#"(name: "star", seed: 1, platform: ({GPUS}, topology: Star(hosts: 4, link: {link},
                switch_latency: "300 ns")), workload: Collective(collective: AllReduce(Ring), sizes: {SIZES}))"#
        );
        run(&text)
    };
    assert_eq!(star(r#"(preset: "ib-ndr")"#), star(r#"(bandwidth: "400 Gbps", latency: "10 ns")"#));
    let overridden = star(r#"(preset: "ib-ndr", latency: "2 us")"#);
    assert_eq!(overridden, star(r#"(bandwidth: "400 Gbps", latency: "2 us")"#));
    assert_ne!(overridden, star(r#"(preset: "ib-ndr")"#));
    assert_eq!(star(r#"(preset: "eth-400g", bandwidth: "50 GB/s")"#), star(r#"(preset: "ib-ndr")"#));
    let (hdr, ndr) = (star(r#"(preset: "ib-hdr")"#), star(r#"(preset: "ib-ndr")"#));
    assert!(hdr.variants[0].points[1].time_s > 1.9 * ndr.variants[0].points[1].time_s);
}

fn clustersim(args: &[&str], threads: usize) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(repo())
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("clustersim runs")
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The shipped scenario: ring all-reduce, all-to-all on a torus, ring all-reduce again, on MEMS,
/// µs-class and SiP micro-ring switches.
/// Expectations: it runs; its CSV has a row per phase and a total; each reconfiguration takes the
/// catalogue delay (10 ms, 20 µs, 25 µs); returning to the ring costs exactly that delay over
/// phase 1; its outputs are byte-identical with 1 and 2 threads.
#[test]
fn the_shipped_ocs_scenario_runs_and_reports_each_phase() {
    let scenario = repo().join("scenarios/collectives_ocs.ron");
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut stdout = String::new();
    for (threads, dir) in [1, 2].into_iter().zip(&dirs) {
        let out = clustersim(&["run", scenario.to_str().unwrap(), "--out", dir.path().to_str().unwrap()], threads);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        stdout = String::from_utf8(out.stdout).unwrap();
    }
    assert!(stdout.contains("reconfig (s)") && stdout.contains("total"), "{stdout}");
    for f in ["summary.json", "collectives.csv", "busbw.svg", "time.svg", "link_load.svg"] {
        assert!(read(dirs[0].path(), f) == read(dirs[1].path(), f), "{f} differs between 1 and 2 threads");
    }
    let csv = String::from_utf8(read(dirs[0].path(), "collectives.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], reports::COLLECTIVE_PHASES_CSV_HEADER.join(","));
    // 3 variants × 3 sizes × (3 phases + total).
    assert_eq!(lines.len(), 1 + 3 * 3 * 4);
    assert_eq!(lines.iter().filter(|l| l.contains(",total,")).count(), 3 * 3);
    let summary: serde_json::Value = serde_json::from_slice(&read(dirs[0].path(), "summary.json")).unwrap();
    for (v, delay_ps) in [(0, 10_000_000_000u64), (1, 20_000_000), (2, 25_000_000)] {
        let variant = &summary["variants"][v];
        assert_eq!(variant["points"].as_array().unwrap().len(), 3);
        for point in variant["points"].as_array().unwrap() {
            let phases = point["phases"].as_array().unwrap();
            let ps = |k: usize, field: &str| phases[k][field].as_u64().unwrap();
            assert_eq!(phases.len(), 3);
            assert_eq!(ps(0, "reconfiguration_ps"), 0);
            assert_eq!((ps(1, "circuits_set_up"), ps(1, "circuits_torn_down")), (20, 4));
            assert_eq!(ps(1, "reconfiguration_ps"), delay_ps);
            assert_eq!((ps(2, "circuits_set_up"), ps(2, "circuits_torn_down")), (4, 20));
            assert_eq!(ps(2, "reconfiguration_ps"), delay_ps);
            assert_eq!(ps(2, "collective_ps"), ps(0, "collective_ps"), "back on the ring, as fast as phase 1");
            let total: u64 = (0..3).map(|k| ps(k, "reconfiguration_ps") + ps(k, "collective_ps")).sum();
            assert_eq!(point["time_s"].as_f64().unwrap(), SimDuration(total).as_secs_f64());
        }
    }
}
