//! Collective benchmarks: one collective over a sweep of message sizes on one or more platforms,
//! reporting time and bus bandwidth as nccl-tests does.
//!
//! Every (variant, size) point runs on a fresh, idle network, so points are independent; they run
//! in parallel with rayon and are collected in declaration order, so outputs are byte-identical
//! for any thread count. A point of a phased variant ([`PhasedPlan`], planned by
//! [`crate::phases`]) runs its phases one after the other on one network, reconfiguring the
//! optical circuit switch between them.

use rayon::prelude::*;
use sim_core::collective::{
    self, AllReduceAlgorithm, AllToAllAlgorithm, BroadcastAlgorithm, Collective, CollectiveSpec, ExecOptions,
};
use sim_core::{FlowNetwork, LinkId, NetworkModel, NodeId, Platform, Router, SimDuration, SimTime};

use crate::run::{network_model_of, path_selection_of, platform_of};
use crate::scenario::{
    locate, AllReduceFile, AllToAllFile, BroadcastFile, CollectiveFile, ScenarioError, ScenarioFile, WorkloadSpec,
};

/// Platforms with at most this many nodes get a link-load matrix in their report.
const LINK_LOAD_MAX_NODES: usize = 160;

/// A collective benchmark ready to run.
pub struct PreparedCollectives {
    /// The scenario as parsed.
    pub file: ScenarioFile,
    /// The seed in force (recorded in reports; collectives draw no random numbers).
    pub seed: u64,
    /// Message sizes [bytes], in the order given.
    pub sizes: Vec<u64>,
    /// The variants, in declaration order.
    pub variants: Vec<CollectiveVariantPlan>,
}

/// One variant: a collective on a platform, or a sequence of phases on an optical circuit-switched
/// platform.
pub struct CollectiveVariantPlan {
    /// Label in reports.
    pub name: String,
    /// The collective and its algorithm (for a phased variant, the first phase's).
    pub collective: Collective,
    /// Pipelined chunks.
    pub chunks: u32,
    /// The platform.
    pub platform: Platform,
    /// A short description of the platform for reports (`"FatTree, 64 hosts"`).
    pub platform_label: String,
    /// How flows share links.
    pub network_model: NetworkModel,
    /// How routes pick among equal-cost paths.
    pub path_selection: sim_core::PathSelection,
    /// The participating hosts, rank order.
    pub hosts: Vec<NodeId>,
    /// The phases of a `CollectivePhases` workload; `None` for a single collective.
    pub phased: Option<PhasedPlan>,
}

/// A sequence of collectives, each on its own circuit configuration of an optical circuit-switched
/// platform (see [`crate::phases`]).
pub struct PhasedPlan {
    /// Reconfiguration delay of the optical circuit switch [ps].
    pub reconfiguration: SimDuration,
    /// The phases, in order; at least one.
    pub phases: Vec<PhasePlan>,
}

/// One phase: the circuit changes that lead to its configuration, and its collective.
pub struct PhasePlan {
    /// Label in reports.
    pub name: String,
    /// The collective and its algorithm.
    pub collective: Collective,
    /// The collective as written (`"all-reduce (ring)"`).
    pub collective_label: String,
    /// The circuit configuration (`"ring"`, `"4×4 torus"`).
    pub circuits_label: String,
    /// Links (both directions of each circuit) of the configuration, ascending.
    pub links: Vec<LinkId>,
    /// Links of the previous configuration's circuits that this one does not hold (empty for the
    /// first phase).
    pub tear_down: Vec<LinkId>,
    /// Links of this configuration's circuits that the previous one did not hold (empty for the
    /// first phase).
    pub set_up: Vec<LinkId>,
}

/// Checks a `Collective` scenario and builds its variants.
///
/// # Errors
/// A [`ScenarioError`] naming the field: no sizes, a zero size or chunk count, more ranks than
/// hosts, a bad root or group size, platform errors, or parameter-server, DNN or `placement`
/// settings that do not apply.
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
) -> Result<PreparedCollectives, ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    let WorkloadSpec::Collective { collective, sizes, chunks, ranks } = file.workload.clone() else {
        unreachable!("planned as a collective benchmark")
    };
    let at = |field: &str| format!("workload.Collective.{field}");
    check_sweep(&file, "Collective", &sizes, chunks).map_err(|(path, m)| err(&path, m))?;
    let variants_spec = if file.variants.is_empty() {
        vec![crate::scenario::VariantSpec::named(label(&collective))]
    } else {
        file.variants.clone()
    };
    let mut variants = Vec::new();
    for (i, v) in variants_spec.iter().enumerate() {
        let vpath = |field: &str| format!("variants[{i}].{field}");
        let verr = |field: &str, m: String| ScenarioError {
            file: file_name.into(),
            position: locate(text, "variants"),
            path: vpath(field),
            message: m,
        };
        if let Some(problem) = crate::scenario::variant_name_problem(&variants_spec, i) {
            return Err(verr("name", problem));
        }
        if let Some(f) = v.training_field().or(v.ocs.as_ref().map(|_| "ocs")).or(v.dnn_field()) {
            return Err(verr(f, "does not apply to a Collective workload".into()));
        }
        let (spec, prefix) = match &v.platform {
            Some(p) => (p, vpath("platform")),
            None => (&file.platform, "platform".to_string()),
        };
        let platform = platform_of(spec, &prefix, seed.unwrap_or(file.seed)).map_err(|(path, m)| {
            if v.platform.is_some() {
                verr(path.trim_start_matches(&format!("variants[{i}].")), m)
            } else {
                err(&path, m)
            }
        })?;
        let all_hosts = platform.hosts();
        let n = ranks.map_or(all_hosts.len(), |r| r as usize);
        if n < 2 || n > all_hosts.len() {
            return Err(err(
                &at("ranks"),
                format!("{n} ranks on a platform of {} hosts (need 2 to {0})", all_hosts.len()),
            ));
        }
        let chosen = v.collective.unwrap_or(collective);
        let c = to_collective(chosen, n).map_err(|m| {
            if v.collective.is_some() {
                verr("collective", m)
            } else {
                err(&at("collective"), m)
            }
        })?;
        // Check the schedule can be built for every size (bad roots, group sizes, …).
        c.schedule(n, sizes[0].0, chunks).map_err(|e| err(&at("collective"), e.to_string()))?;
        let platform_label = format!("{}, {} hosts", topology_name(&spec.topology), all_hosts.len());
        variants.push(CollectiveVariantPlan {
            name: v.name.clone(),
            collective: c,
            chunks,
            hosts: all_hosts[..n].to_vec(),
            platform,
            platform_label,
            network_model: network_model_of(spec),
            path_selection: path_selection_of(spec),
            phased: None,
        });
    }
    Ok(PreparedCollectives {
        seed: seed.unwrap_or(file.seed),
        sizes: sizes.iter().map(|s| s.0).collect(),
        file,
        variants,
    })
}

/// Checks shared by the collective workloads (`workload` names the variant): a non-empty sweep of
/// non-zero sizes, at least one chunk, and no runtime, deployment or placement search settings.
/// Errors are (field path, message).
pub(crate) fn check_sweep(
    file: &ScenarioFile,
    workload: &str,
    sizes: &[crate::units::Size],
    chunks: u32,
) -> Result<(), (String, String)> {
    let at = |field: &str| format!("workload.{workload}.{field}");
    if sizes.is_empty() {
        return Err((at("sizes"), "give at least one message size".into()));
    }
    if let Some(i) = sizes.iter().position(|s| s.0 == 0) {
        return Err((at("sizes"), format!("size {i} is zero")));
    }
    if chunks == 0 {
        return Err((at("chunks"), "must be at least 1".into()));
    }
    if file.runtime.is_some() {
        return Err(("runtime".into(), format!("a {workload} workload runs without a runtime; remove it")));
    }
    if file.deployment.is_some() {
        let how = if workload == "Collective" { "places its ranks with `ranks`" } else { "runs on every GPU" };
        return Err(("deployment".into(), format!("a {workload} workload {how}; remove the deployment")));
    }
    if file.placement.is_some() {
        return Err(("placement".into(), crate::run::PLACEMENT_DNN_ONLY.into()));
    }
    Ok(())
}

fn topology_name(t: &crate::scenario::TopologySpec) -> String {
    use crate::scenario::{FabricShapeFile, TopologySpec};
    match t {
        TopologySpec::Star { .. } => "star".into(),
        TopologySpec::FatTree { .. } => "leaf/spine fat-tree".into(),
        TopologySpec::KaryFatTree { k, .. } => format!("{k}-ary fat-tree"),
        TopologySpec::DgxNode { node } => format!("{node} node"),
        TopologySpec::DgxCluster { node, .. } => format!("{node} cluster"),
        TopologySpec::OpticalFabric { shape, .. } => match shape {
            FabricShapeFile::Ring { .. } => "optical ring".into(),
            FabricShapeFile::Torus2d { x, y } => format!("optical {x}×{y} torus"),
            FabricShapeFile::Torus3d { x, y, z } => format!("optical {x}×{y}×{z} torus"),
            FabricShapeFile::Permutations { degree, .. } => format!("optical degree-{degree} fabric"),
            FabricShapeFile::Circuits { .. } => "optical circuits".into(),
        },
        TopologySpec::CircuitSwitched { .. } => "optical circuit switch".into(),
        TopologySpec::MultiDatacenter { .. } => "multi-datacenter WAN".into(),
        TopologySpec::TopologyZoo { graph, .. } => format!("{graph} WAN (Topology Zoo)"),
    }
}

/// The engine's collective for `c` on `ranks` ranks; an error message for a group size that does
/// not divide the ranks or a root that is not a rank.
pub(crate) fn to_collective(c: CollectiveFile, ranks: usize) -> Result<Collective, String> {
    Ok(match c {
        CollectiveFile::AllReduce(a) => Collective::AllReduce(match a {
            AllReduceFile::Ring => AllReduceAlgorithm::Ring,
            AllReduceFile::DoubleBinaryTree => AllReduceAlgorithm::DoubleBinaryTree,
            AllReduceFile::HalvingDoubling => AllReduceAlgorithm::HalvingDoubling,
            AllReduceFile::Hierarchical { group_size } => {
                if group_size == 0 || ranks % group_size as usize != 0 {
                    return Err(format!("group_size {group_size} does not divide {ranks} ranks"));
                }
                AllReduceAlgorithm::Hierarchical { group_size: group_size as usize }
            }
        }),
        CollectiveFile::ReduceScatter => Collective::ReduceScatter,
        CollectiveFile::AllGather => Collective::AllGather,
        CollectiveFile::AllToAll(a) => Collective::AllToAll(match a {
            AllToAllFile::AllAtOnce => AllToAllAlgorithm::AllAtOnce,
            AllToAllFile::Pairwise => AllToAllAlgorithm::Pairwise,
        }),
        CollectiveFile::Broadcast { root, algorithm } => {
            if root as usize >= ranks {
                return Err(format!("root {root} is not one of the {ranks} ranks"));
            }
            Collective::Broadcast {
                root: root as usize,
                algorithm: match algorithm {
                    BroadcastFile::Pipeline => BroadcastAlgorithm::Pipeline,
                    BroadcastFile::BinomialTree => BroadcastAlgorithm::BinomialTree,
                },
            }
        }
    })
}

/// A human-readable name of a collective and its algorithm (`"all-reduce (ring)"`).
pub fn label(c: &CollectiveFile) -> String {
    match c {
        CollectiveFile::AllReduce(a) => match a {
            AllReduceFile::Ring => "all-reduce (ring)".into(),
            AllReduceFile::DoubleBinaryTree => "all-reduce (double binary tree)".into(),
            AllReduceFile::HalvingDoubling => "all-reduce (halving-doubling)".into(),
            AllReduceFile::Hierarchical { group_size } => format!("all-reduce (hierarchical, groups of {group_size})"),
        },
        CollectiveFile::ReduceScatter => "reduce-scatter (ring)".into(),
        CollectiveFile::AllGather => "all-gather (ring)".into(),
        CollectiveFile::AllToAll(AllToAllFile::AllAtOnce) => "all-to-all (all at once)".into(),
        CollectiveFile::AllToAll(AllToAllFile::Pairwise) => "all-to-all (pairwise)".into(),
        CollectiveFile::Broadcast { algorithm: BroadcastFile::Pipeline, .. } => "broadcast (pipeline)".into(),
        CollectiveFile::Broadcast { algorithm: BroadcastFile::BinomialTree, .. } => "broadcast (binomial tree)".into(),
    }
}

pub(crate) fn kind_name(k: collective::CollectiveKind) -> &'static str {
    match k {
        collective::CollectiveKind::AllReduce => "all-reduce",
        collective::CollectiveKind::ReduceScatter => "reduce-scatter",
        collective::CollectiveKind::AllGather => "all-gather",
        collective::CollectiveKind::AllToAll => "all-to-all",
        collective::CollectiveKind::Broadcast => "broadcast",
        collective::CollectiveKind::Reduce => "reduce",
    }
}

pub(crate) fn algorithm_name(c: &Collective) -> String {
    match c {
        Collective::AllReduce(AllReduceAlgorithm::Ring) => "ring".into(),
        Collective::AllReduce(AllReduceAlgorithm::DoubleBinaryTree) => "double binary tree".into(),
        Collective::AllReduce(AllReduceAlgorithm::HalvingDoubling) => "halving-doubling".into(),
        Collective::AllReduce(AllReduceAlgorithm::Hierarchical { group_size }) => format!("hierarchical({group_size})"),
        Collective::ReduceScatter | Collective::AllGather => "ring".into(),
        Collective::AllToAll(AllToAllAlgorithm::AllAtOnce) => "all at once".into(),
        Collective::AllToAll(AllToAllAlgorithm::Pairwise) => "pairwise".into(),
        Collective::Broadcast { algorithm: BroadcastAlgorithm::Pipeline, .. } => "pipeline".into(),
        Collective::Broadcast { algorithm: BroadcastAlgorithm::BinomialTree, .. } => "binomial tree".into(),
    }
}

/// One measured (variant, size) point, with the link bytes of the run.
struct Point {
    stats: collective::CollectiveStats,
    link_bytes: Vec<u64>,
    /// Each phase of a phased variant, in order.
    phases: Vec<PhaseOutcome>,
    /// The point's flow-network audit.
    audit: sim_core::NetworkAudit,
}

/// When one phase started, launched its collective and ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseOutcome {
    /// End of the previous phase (0 for the first): when the switch starts reconfiguring [ps].
    pub start: SimTime,
    /// When the collective started: `start`, plus the reconfiguration delay if a circuit was set
    /// up [ps].
    pub launch: SimTime,
    /// The collective's counters; `stats.end` is the phase's end [ps].
    pub stats: collective::CollectiveStats,
}

/// Runs the phases of `plan` on variant `v`'s platform for message size `bytes` and returns each
/// phase's outcome and the bytes every link carried over all phases.
///
/// The circuits outside the first configuration are taken down at time 0 (in the router and in the
/// network), so the first collective runs on its configuration alone. When phase `k` ends, the
/// switch reconfigures (`sim_core::ocs::reconfigure`): circuits of phase `k` that phase `k + 1` does
/// not hold go dark for good, circuits phase `k + 1` adds are dark for the reconfiguration delay,
/// circuits both hold keep carrying traffic. Phase `k + 1`'s collective starts when every circuit
/// it holds is up: after the delay if a circuit was set up, at once otherwise. (A runtime on an
/// OCS fabric waits for the switch to report the new configuration; starting the flows during the
/// delay would also be wrong in the flow model, which counts a flow's route latency from its start
/// even over a dark circuit.)
///
/// # Errors
/// A phase's collective error (routing, schedule).
///
/// # Panics
/// If a phase ends with flows of an earlier one still on the network (it cannot: a collective
/// runs until its last flow completes).
pub fn run_phases(
    v: &CollectiveVariantPlan,
    plan: &PhasedPlan,
    bytes: u64,
) -> Result<(Vec<PhaseOutcome>, Vec<u64>), collective::CollectiveError> {
    let mut net = FlowNetwork::with_model(&v.platform, v.network_model);
    run_phases_on(&mut net, v, plan, bytes)
}

/// [`run_phases`] on `net`, an idle network over `v`'s platform (so the caller can read its audit).
fn run_phases_on(
    net: &mut FlowNetwork,
    v: &CollectiveVariantPlan,
    plan: &PhasedPlan,
    bytes: u64,
) -> Result<(Vec<PhaseOutcome>, Vec<u64>), collective::CollectiveError> {
    let mut router = Router::with_selection(&v.platform, v.path_selection);
    let first = &plan.phases.first().expect("a phased plan has phases").links;
    for l in (0..v.platform.links.len() as u32).map(LinkId) {
        if first.binary_search(&l).is_err() {
            router.set_link_up(l, false);
            net.set_link_up(SimTime::ZERO, l, false);
        }
    }
    let mut outcomes = Vec::with_capacity(plan.phases.len());
    let mut end = SimTime::ZERO;
    for (k, phase) in plan.phases.iter().enumerate() {
        let start = end;
        let launch = if k == 0 {
            start
        } else {
            let ready = sim_core::ocs::reconfigure(
                net,
                &mut router,
                start,
                &phase.tear_down,
                &phase.set_up,
                plan.reconfiguration,
            );
            if phase.set_up.is_empty() {
                start
            } else {
                ready
            }
        };
        let spec = CollectiveSpec { collective: phase.collective, bytes, chunks: v.chunks };
        let run = collective::run_collective(
            &v.platform,
            &mut router,
            net,
            &v.hosts,
            &spec,
            launch,
            &ExecOptions::default(),
        )?;
        assert!(run.other.is_empty(), "phase {k} met flows of an earlier phase");
        end = run.stats.end;
        outcomes.push(PhaseOutcome { start, launch, stats: run.stats });
    }
    Ok((outcomes, net.link_bytes().to_vec()))
}

/// Runs every (variant, size) point in parallel and builds the report. `on_point` is called from
/// worker threads as points finish.
///
/// # Errors
/// The first failing point's error (in declaration order).
pub fn execute(
    plan: &PreparedCollectives,
    on_point: &(dyn Fn() + Sync),
) -> Result<reports::CollectiveReport, collective::CollectiveError> {
    execute_audited(plan, on_point, false).map(|(report, _)| report)
}

/// As [`execute`], also returning each point's flow-network audit, in (variant, size) declaration
/// order; `audit` turns on the capacity check of every rate allocation
/// (`sim_core::FlowNetwork::set_audit`). For invariant tests: the report is the same either way.
///
/// # Errors
/// As [`execute`].
pub fn execute_audited(
    plan: &PreparedCollectives,
    on_point: &(dyn Fn() + Sync),
    audit: bool,
) -> Result<(reports::CollectiveReport, Vec<sim_core::NetworkAudit>), collective::CollectiveError> {
    let jobs: Vec<(usize, u64)> =
        (0..plan.variants.len()).flat_map(|v| plan.sizes.iter().map(move |&s| (v, s))).collect();
    let points: Vec<Point> = jobs
        .par_iter()
        .map(|&(vi, bytes)| {
            let v = &plan.variants[vi];
            let mut net = FlowNetwork::with_model(&v.platform, v.network_model);
            net.set_audit(audit);
            let point = match &v.phased {
                Some(phased) => {
                    let (phases, link_bytes) = run_phases_on(&mut net, v, phased, bytes)?;
                    let last = phases.last().expect("a phased plan has phases").stats;
                    let stats = collective::CollectiveStats {
                        start: SimTime::ZERO,
                        end: last.end,
                        flows: phases.iter().map(|p| p.stats.flows).sum(),
                        bytes: phases.iter().map(|p| p.stats.bytes).sum(),
                    };
                    Point { stats, link_bytes, phases, audit: net.audit() }
                }
                None => {
                    let mut router = Router::with_selection(&v.platform, v.path_selection);
                    let spec = CollectiveSpec { collective: v.collective, bytes, chunks: v.chunks };
                    let run = collective::run_collective(
                        &v.platform,
                        &mut router,
                        &mut net,
                        &v.hosts,
                        &spec,
                        sim_core::SimTime::ZERO,
                        &ExecOptions::default(),
                    )?;
                    Point {
                        stats: run.stats,
                        link_bytes: net.link_bytes().to_vec(),
                        phases: Vec::new(),
                        audit: net.audit(),
                    }
                }
            };
            on_point();
            Ok::<_, collective::CollectiveError>(point)
        })
        .collect::<Result<_, _>>()?;
    let collective_name = match plan.variants.first() {
        Some(CollectiveVariantPlan { phased: Some(p), .. }) => {
            p.phases.iter().map(|ph| kind_name(ph.collective.kind())).collect::<Vec<_>>().join(", then ")
        }
        Some(v) => kind_name(v.collective.kind()).into(),
        None => String::new(),
    };
    let variants = plan
        .variants
        .iter()
        .enumerate()
        .map(|(vi, v)| {
            let mine = &points[vi * plan.sizes.len()..(vi + 1) * plan.sizes.len()];
            let ranks = v.hosts.len();
            let series = plan.sizes.iter().zip(mine).map(|(&bytes, p)| point_report(v, bytes, ranks, p)).collect();
            // Link load of the largest size.
            let largest = plan.sizes.iter().enumerate().max_by_key(|(_, &s)| s).map(|(i, _)| i).expect("sizes");
            let algorithm = match &v.phased {
                Some(p) => p.phases.iter().map(|ph| algorithm_name(&ph.collective)).collect::<Vec<_>>().join(", then "),
                None => algorithm_name(&v.collective),
            };
            reports::CollectiveVariant {
                name: v.name.clone(),
                algorithm,
                platform: v.platform_label.clone(),
                hosts: ranks as u32,
                points: series,
                link_load: link_load(&v.platform, &mine[largest].link_bytes),
            }
        })
        .collect();
    let report = reports::CollectiveReport {
        scenario: plan.file.name.clone(),
        seed: plan.seed,
        collective: collective_name,
        variants,
    };
    Ok((report, points.iter().map(|p| p.audit).collect()))
}

/// The report of one measured point; for a phased variant, its phases and their totals (see
/// `reports::CollectivePoint::phases`).
fn point_report(v: &CollectiveVariantPlan, bytes: u64, ranks: usize, p: &Point) -> reports::CollectivePoint {
    let time = p.stats.duration();
    let Some(phased) = &v.phased else {
        return reports::CollectivePoint {
            bytes,
            time_s: time.as_secs_f64(),
            algbw_bytes_per_s: collective::algorithm_bandwidth(bytes, time),
            busbw_bytes_per_s: collective::bus_bandwidth(v.collective.kind(), bytes, ranks, time),
            flows: p.stats.flows,
            phases: Vec::new(),
        };
    };
    let phases: Vec<reports::CollectivePhase> = phased
        .phases
        .iter()
        .zip(&p.phases)
        .enumerate()
        .map(|(k, (plan, o))| {
            let kind = plan.collective.kind();
            let collective_time = o.stats.end - o.launch;
            reports::CollectivePhase {
                phase: k as u32 + 1,
                name: plan.name.clone(),
                collective: plan.collective_label.clone(),
                circuits: plan.circuits_label.clone(),
                circuits_set_up: (plan.set_up.len() / 2) as u32,
                circuits_torn_down: (plan.tear_down.len() / 2) as u32,
                reconfiguration_ps: (o.launch - o.start).0,
                collective_ps: collective_time.0,
                time_s: (o.stats.end - o.start).as_secs_f64(),
                algbw_bytes_per_s: collective::algorithm_bandwidth(bytes, collective_time),
                busbw_bytes_per_s: collective::bus_bandwidth(kind, bytes, ranks, collective_time),
                flows: o.stats.flows,
            }
        })
        .collect();
    let bus_factor: f64 = phased.phases.iter().map(|ph| collective::bus_factor(ph.collective.kind(), ranks)).sum();
    reports::CollectivePoint {
        bytes,
        time_s: time.as_secs_f64(),
        algbw_bytes_per_s: collective::algorithm_bandwidth(bytes, time),
        busbw_bytes_per_s: collective::algorithm_bandwidth(bytes, time) * bus_factor,
        flows: p.stats.flows,
        phases,
    }
}

/// The `[src node][dst node]` matrix of bytes carried, for platforms small enough to draw.
fn link_load(platform: &Platform, link_bytes: &[u64]) -> Option<reports::LinkLoad> {
    let n = platform.nodes.len();
    if n > LINK_LOAD_MAX_NODES {
        return None;
    }
    let mut bytes = vec![vec![0u64; n]; n];
    for (l, link) in platform.links.iter().enumerate() {
        bytes[link.src.index()][link.dst.index()] += link_bytes[l];
    }
    Some(reports::LinkLoad { nodes: platform.nodes.iter().map(|n| n.name.clone()).collect(), bytes })
}

/// Number of points a plan runs (for progress display).
pub fn total_points(plan: &PreparedCollectives) -> u64 {
    (plan.variants.len() * plan.sizes.len()) as u64
}
