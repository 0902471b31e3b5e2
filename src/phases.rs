//! Collective phases on an optical circuit-switched fabric: the `CollectivePhases` workload on a
//! `CircuitSwitched` topology.
//!
//! A phase is a circuit configuration (a fabric shape: ring, torus, permutations, explicit
//! circuits) and a collective run on it. The platform is built once with the union of every
//! phase's circuits (`topologies::circuit_switched_fabric`), so the engine's router never sees it
//! change; each configuration must fit the GPUs' optical ports on its own. For each message size,
//! [`crate::collectives::run_phases`] runs the phases one after the other, reconfiguring the
//! switch between them (`sim_core::ocs::reconfigure`) with the delay of its catalogue preset
//! (MEMS 10 ms, µs-class 20 µs, SiP micro-ring 25 µs; see `topologies::catalogue`) or the one the
//! scenario gives. This is the issue's "optical circuit-switched fabric whose circuits are set by
//! the scenario": a reconfiguration takes the stated delay, during which the circuits it sets up
//! carry nothing.

use sim_core::SimDuration;
use topologies::catalogue::{self, OpticalIo};
use topologies::{circuit_switched_fabric, CircuitSwitchedSpec, TopologyError};

use crate::collectives::{
    check_sweep, label, to_collective, CollectiveVariantPlan, PhasePlan, PhasedPlan, PreparedCollectives,
};
use crate::run::{device_of, network_model_of, path_selection_of, shape_of};
use crate::scenario::{
    locate, locate_in_list, variant_name_problem, FabricShapeFile, OcsSpecFile, ScenarioError, ScenarioFile,
    TopologySpec, VariantSpec, WorkloadSpec,
};

/// Checks a `CollectivePhases` scenario and builds its variants: for each, the circuit-switched
/// platform (the union of the phases' circuits), the circuits each phase tears down and sets up,
/// and the switch's reconfiguration delay.
///
/// Random `Permutations` circuits of phase `k` (from 0) draw from seed `seed + k`, so phases with
/// the same random shape get different circuits.
///
/// # Errors
/// A [`ScenarioError`] naming the field: the sweep's sizes and chunks, no phase, a phase whose
/// circuits are invalid, disconnected, of another GPU count or beyond a GPU's optical ports (named
/// by the phase's index), a collective that does not fit the GPUs, an unknown optical circuit switch
/// or chiplet preset (listing the known names), a platform that is not `CircuitSwitched`, and
/// variant fields that do not apply.
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
) -> Result<PreparedCollectives, ScenarioError> {
    let seed = seed.unwrap_or(file.seed);
    let err = crate::scenario::field_error(file_name, text);
    let WorkloadSpec::CollectivePhases { phases, sizes, chunks } = file.workload.clone() else {
        unreachable!("planned as collective phases")
    };
    let at = |field: &str| format!("workload.CollectivePhases.{field}");
    check_sweep(&file, "CollectivePhases", &sizes, chunks).map_err(|(path, m)| err(&path, m))?;
    if phases.is_empty() {
        return Err(err(&at("phases"), "give at least one phase".into()));
    }
    let phase_err = |k: usize, field: &str, message: String| ScenarioError {
        file: file_name.into(),
        position: locate_in_list(text, &at("phases"), k, field).or_else(|| locate(text, &at("phases"))),
        path: format!("{}[{k}].{field}", at("phases")),
        message,
    };
    let mut names = Vec::with_capacity(phases.len());
    for (k, phase) in phases.iter().enumerate() {
        match &phase.name {
            Some(name) if name.trim().is_empty() => return Err(phase_err(k, "name", "must not be empty".into())),
            Some(name) => names.push(name.clone()),
            None => names.push(format!("phase {}", k + 1)),
        }
    }
    let shapes: Vec<_> =
        phases.iter().enumerate().map(|(k, p)| shape_of(&p.circuits, seed.wrapping_add(k as u64))).collect();

    let variants_spec = if file.variants.is_empty() {
        let name = match &file.platform.topology {
            TopologySpec::CircuitSwitched { ocs: OcsSpecFile { preset: Some(p), .. }, .. } => format!("OCS {p}"),
            _ => "OCS".into(),
        };
        vec![VariantSpec::named(name)]
    } else {
        file.variants.clone()
    };
    let mut variants = Vec::with_capacity(variants_spec.len());
    for (i, v) in variants_spec.iter().enumerate() {
        let vpath = |field: &str| format!("variants[{i}].{field}");
        let verr = |field: &str, message: String| ScenarioError {
            file: file_name.into(),
            position: locate_in_list(text, "variants", i, field),
            path: vpath(field),
            message,
        };
        if let Some(problem) = variant_name_problem(&variants_spec, i) {
            return Err(verr("name", problem));
        }
        if let Some(f) = v.training_field().or(v.collective.map(|_| "collective")).or(v.dnn_field()) {
            let why = if f == "collective" { "; each phase names its collective" } else { "" };
            return Err(verr(f, format!("does not apply to a CollectivePhases workload{why}")));
        }
        let (spec, prefix) = match &v.platform {
            Some(p) => (p, vpath("platform")),
            None => (&file.platform, "platform".to_string()),
        };
        // Errors in the platform: at the variant's platform if it has one, else at the base one.
        let perr = |path: String, message: String| {
            if v.platform.is_some() {
                verr(path.trim_start_matches(&format!("variants[{i}].")), message)
            } else {
                err(&path, message)
            }
        };
        let TopologySpec::CircuitSwitched { gpus, ocs, chiplet, chiplets_per_gpu, ports_per_neighbor, link_latency } =
            &spec.topology
        else {
            return Err(perr(
                format!("{prefix}.topology"),
                "a CollectivePhases workload runs on a CircuitSwitched topology (GPUs on an optical circuit switch)"
                    .into(),
            ));
        };
        let topo = |field: &str| format!("{prefix}.topology.CircuitSwitched.{field}");
        let (switch, reconfiguration) = match &v.ocs {
            Some(o) => switch_of(o).map_err(|(f, m)| verr(&format!("ocs.{f}"), m))?,
            None => switch_of(ocs).map_err(|(f, m)| perr(topo(&format!("ocs.{f}")), m))?,
        };
        let device = device_of(&spec.host, None, &prefix).map_err(|(path, m)| perr(path, m))?;
        let chiplet = catalogue::try_optical_chiplet(chiplet).map_err(|e| perr(topo("chiplet"), e.to_string()))?;
        let cs = CircuitSwitchedSpec {
            gpus: *gpus,
            configurations: shapes.clone(),
            io: OpticalIo { chiplet, chiplets_per_gpu: *chiplets_per_gpu },
            ports_per_neighbor: *ports_per_neighbor,
            link_latency: link_latency.0,
        };
        let fabric = circuit_switched_fabric(&cs, &device).map_err(|e| match e {
            TopologyError::InConfiguration { configuration, source } => {
                let on = match &v.platform {
                    Some(_) => format!(" (on the platform of variant \"{}\")", v.name),
                    None => String::new(),
                };
                phase_err(configuration, "circuits", format!("{source}{on}"))
            }
            TopologyError::ZeroCount { field: "ports_per_neighbor", .. } => {
                perr(topo("ports_per_neighbor"), e.to_string())
            }
            TopologyError::ZeroCount { field: "io.chiplets_per_gpu", .. } => {
                perr(topo("chiplets_per_gpu"), e.to_string())
            }
            other => perr(topo("gpus"), other.to_string()),
        })?;
        let n = *gpus as usize;
        let mut planned = Vec::with_capacity(phases.len());
        for (k, phase) in phases.iter().enumerate() {
            let c = to_collective(phase.collective, n).map_err(|m| phase_err(k, "collective", m))?;
            // Check the schedule can be built (bad roots, group sizes, …).
            c.schedule(n, sizes[0].0, chunks).map_err(|e| phase_err(k, "collective", e.to_string()))?;
            let (tear_down, set_up) = if k == 0 { (Vec::new(), Vec::new()) } else { fabric.changes(k - 1, k) };
            let links_of = |circuits: Vec<usize>| {
                let mut links: Vec<_> = circuits
                    .into_iter()
                    .flat_map(|c| [sim_core::LinkId(2 * c as u32), sim_core::LinkId(2 * c as u32 + 1)])
                    .collect();
                links.sort_unstable();
                links
            };
            planned.push(PhasePlan {
                name: names[k].clone(),
                collective: c,
                collective_label: label(&phase.collective),
                circuits_label: circuits_label(&phase.circuits),
                links: fabric.links(k),
                tear_down: links_of(tear_down),
                set_up: links_of(set_up),
            });
        }
        let hosts = fabric.platform.hosts();
        variants.push(CollectiveVariantPlan {
            name: v.name.clone(),
            collective: planned[0].collective,
            chunks,
            platform_label: format!("{switch} ({}), {gpus} GPUs", human_duration(reconfiguration)),
            platform: fabric.platform,
            network_model: network_model_of(spec),
            path_selection: path_selection_of(spec),
            hosts,
            phased: Some(PhasedPlan { reconfiguration, phases: planned }),
        });
    }
    Ok(PreparedCollectives { seed, sizes: sizes.iter().map(|s| s.0).collect(), file, variants })
}

/// The switch of `o` for reports (`"OCS mems"`, or `"OCS"` without a preset) and its
/// reconfiguration delay [ps]: the scenario's if given, else the preset's. Errors are (field,
/// message), the field relative to `o`.
fn switch_of(o: &OcsSpecFile) -> Result<(String, SimDuration), (String, String)> {
    let preset = match &o.preset {
        Some(name) => Some(catalogue::try_ocs(name).map_err(|e| ("preset".to_string(), e.to_string()))?),
        None => None,
    };
    let name = preset.as_ref().map_or_else(|| "OCS".to_string(), |p| format!("OCS {}", p.name));
    match (o.reconfiguration, preset) {
        (Some(d), _) => Ok((name, d.0)),
        (None, Some(p)) => Ok((name, p.reconfiguration)),
        (None, None) => Err((
            "reconfiguration".into(),
            "required unless the switch names a catalogue preset (preset: \"mems\")".into(),
        )),
    }
}

/// A short description of a circuit configuration (`"ring"`, `"4×4 torus"`, `"shifts 1, 3"`).
fn circuits_label(shape: &FabricShapeFile) -> String {
    match shape {
        FabricShapeFile::Ring { .. } => "ring".into(),
        FabricShapeFile::Torus2d { x, y } => format!("{x}×{y} torus"),
        FabricShapeFile::Torus3d { x, y, z } => format!("{x}×{y}×{z} torus"),
        FabricShapeFile::Permutations { shifts: Some(s), .. } => {
            format!("shifts {}", s.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))
        }
        FabricShapeFile::Permutations { degree, shifts: None, .. } => format!("random degree-{degree}"),
        FabricShapeFile::Circuits { circuits, .. } => format!("{} circuits", circuits.len()),
    }
}

/// `d` in the largest unit that divides it exactly (`"10 ms"`, `"20 µs"`, `"1500 ns"`).
fn human_duration(d: SimDuration) -> String {
    const UNITS: [(u64, &str); 4] = [(1_000_000_000_000, "s"), (1_000_000_000, "ms"), (1_000_000, "µs"), (1_000, "ns")];
    if d.0 == 0 {
        return "0 s".into();
    }
    UNITS
        .iter()
        .find(|(scale, _)| d.0 % scale == 0)
        .map_or_else(|| format!("{} ps", d.0), |(scale, unit)| format!("{} {unit}", d.0 / scale))
}

#[cfg(test)]
mod tests {
    use sim_core::{FlowNetwork, Router, SimTime};

    use super::*;
    use crate::collectives::run_phases;

    fn plan(text: &str) -> Result<PreparedCollectives, ScenarioError> {
        let file = crate::scenario::parse(text, "t.ron").unwrap();
        prepare(file, text, "t.ron", None)
    }

    fn plan_err(text: &str) -> ScenarioError {
        match plan(text) {
            Ok(_) => panic!("planned without error"),
            Err(e) => e,
        }
    }

    /// A scenario of 8 GPUs, one TeraPHY each (8 ports × 16 GB/s), 2 ports per circuit (32 GB/s),
    /// 50 ns of fibre per circuit, an OCS of 1 ms, with the given phases.
    fn scenario(phases: &str) -> String {
        format!(
            r#"(name: "t", seed: 3,
                platform: (host: (gpu: "h100-sxm5"),
                    topology: CircuitSwitched(gpus: 8, ocs: (preset: "mems", reconfiguration: "1 ms"),
                        chiplets_per_gpu: 1, ports_per_neighbor: 2, link_latency: "50 ns")),
                workload: CollectivePhases(sizes: ["8 MiB"], phases: [{phases}]))"#
        )
    }

    #[test]
    fn switch_presets_and_overrides() {
        let o = |preset: Option<&str>, reconfiguration: Option<SimDuration>| OcsSpecFile {
            preset: preset.map(Into::into),
            reconfiguration: reconfiguration.map(crate::units::Duration),
        };
        assert_eq!(switch_of(&o(Some("mems"), None)), Ok(("OCS mems".into(), SimDuration::from_ms(10))));
        assert_eq!(switch_of(&o(Some("us-ocs"), None)), Ok(("OCS us-ocs".into(), SimDuration::from_us(20))));
        assert_eq!(
            switch_of(&o(Some("mems"), Some(SimDuration::from_ms(3)))),
            Ok(("OCS mems".into(), SimDuration::from_ms(3)))
        );
        assert_eq!(switch_of(&o(None, Some(SimDuration::from_us(5)))), Ok(("OCS".into(), SimDuration::from_us(5))));
        let (field, message) = switch_of(&o(Some("rotor"), None)).unwrap_err();
        assert_eq!(field, "preset");
        assert!(message.ends_with("valid names: mems, us-ocs, sip-microring"), "{message}");
        assert_eq!(switch_of(&o(None, None)).unwrap_err().0, "reconfiguration");
        assert_eq!(human_duration(SimDuration::from_us(1500)), "1500 µs");
        assert_eq!(human_duration(SimDuration::from_ms(10)), "10 ms");
        assert_eq!(human_duration(SimDuration(7)), "7 ps");
    }

    /// System: 8 GPUs, phase 1 a ring all-reduce on the ring (circuits i ↔ i+1), phase 2 the same
    /// on shift-3 circuits (i ↔ i+3, none in common with the ring), phase 3 back on the ring.
    /// Expectation: 8 circuits set up and 8 torn down before phases 2 and 3; phase 3's ring
    /// all-reduce takes exactly phase 1's time plus the 1 ms delay (its circuits are again the
    /// ring, and nothing else is on the network); phase 1 has no delay.
    #[test]
    fn returning_to_a_configuration_costs_exactly_the_delay() {
        let p = plan(&scenario(
            "(circuits: Ring(gpus: 8), collective: AllReduce(Ring)),
             (circuits: Permutations(gpus: 8, degree: 2, shifts: [3]), collective: AllReduce(Ring)),
             (circuits: Ring(gpus: 8), collective: AllReduce(Ring))",
        ))
        .unwrap();
        let v = &p.variants[0];
        let phased = v.phased.as_ref().unwrap();
        assert_eq!(phased.reconfiguration, SimDuration::from_ms(1));
        assert_eq!(v.platform_label, "OCS mems (1 ms), 8 GPUs");
        assert_eq!((phased.phases[1].set_up.len(), phased.phases[1].tear_down.len()), (16, 16));
        assert_eq!(phased.phases[2].set_up, phased.phases[1].tear_down);
        let (o, _) = run_phases(v, phased, 8 << 20).unwrap();
        assert_eq!(o[0].launch, SimTime::ZERO);
        assert_eq!(o[1].launch - o[1].start, SimDuration::from_ms(1));
        assert_eq!((o[2].stats.end - o[2].start).0, o[0].stats.duration().0 + SimDuration::from_ms(1).0);
        // Shift-3 rings relay ring neighbours over 3 hops: slower than the ring.
        assert!(o[1].stats.duration() > o[0].stats.duration());
    }

    /// System: the same 8 GPUs; phase 1 on the ring, phase 2 on the ring plus shift-3 circuits
    /// (a superset), phase 3 on the ring again (a subset of phase 2).
    /// Expectation: phase 2 waits the delay for its new circuits; phase 3 only tears circuits down,
    /// so it starts at once and takes exactly phase 1's time.
    #[test]
    fn tearing_down_alone_costs_nothing() {
        let p = plan(&scenario(
            "(circuits: Ring(gpus: 8), collective: AllReduce(Ring)),
             (circuits: Permutations(gpus: 8, degree: 4, shifts: [1, 3]), collective: AllToAll(AllAtOnce)),
             (circuits: Ring(gpus: 8), collective: AllReduce(Ring))",
        ))
        .unwrap();
        let v = &p.variants[0];
        let phased = v.phased.as_ref().unwrap();
        assert_eq!((phased.phases[1].set_up.len(), phased.phases[1].tear_down.len()), (16, 0));
        assert_eq!((phased.phases[2].set_up.len(), phased.phases[2].tear_down.len()), (0, 16));
        let (o, link_bytes) = run_phases(v, phased, 8 << 20).unwrap();
        assert_eq!(o[1].launch - o[1].start, SimDuration::from_ms(1));
        assert_eq!(o[2].launch, o[2].start);
        assert_eq!(o[2].stats.duration(), o[0].stats.duration());
        // The all-to-all used the shift-3 circuits; the ring all-reduces did not.
        assert!(phased.phases[1].set_up.iter().all(|l| link_bytes[l.index()] > 0));
        // Alone on the ring (a fresh network), the ring all-reduce takes phase 1's time.
        let mut router = Router::new(&v.platform);
        let mut net = FlowNetwork::new(&v.platform);
        for &l in &phased.phases[1].set_up {
            router.set_link_up(l, false);
            net.set_link_up(SimTime::ZERO, l, false);
        }
        let alone =
            sim_core::collective::ring_all_reduce(&v.platform, &mut router, &mut net, &v.hosts, 8 << 20, SimTime::ZERO)
                .unwrap();
        assert_eq!(alone, o[0].stats.end);
    }

    #[test]
    fn phase_errors_name_the_phase() {
        let e = plan_err(&scenario(
            "(circuits: Ring(gpus: 8), collective: AllReduce(Ring)),
             (circuits: Torus2d(x: 4, y: 2), collective: AllReduce(Ring))",
        ));
        assert_eq!(e.path, "workload.CollectivePhases.phases[1].circuits");
        assert!(e.message.contains("a torus side must be at least 3"), "{}", e.message);
        assert_eq!(e.position, Some((6, 15)));
        let e = plan_err(&scenario(
            "(circuits: Ring(gpus: 8), collective: AllReduce(Ring)),
             (name: \"tree\", circuits: Ring(gpus: 8), collective: AllReduce(Hierarchical(group_size: 3)))",
        ));
        assert_eq!(e.path, "workload.CollectivePhases.phases[1].collective");
        assert!(e.message.contains("group_size 3 does not divide 8 ranks"), "{}", e.message);
        let e = plan_err(&scenario(""));
        assert_eq!(e.path, "workload.CollectivePhases.phases");
        let e = plan_err(&scenario("(name: \" \", circuits: Ring(gpus: 8), collective: AllGather)"));
        assert_eq!(e.path, "workload.CollectivePhases.phases[0].name");
    }
}
