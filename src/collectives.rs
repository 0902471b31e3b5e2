//! Collective benchmarks: one collective over a sweep of message sizes on one or more platforms,
//! reporting time and bus bandwidth as nccl-tests does.
//!
//! Every (variant, size) point runs on a fresh, idle network, so points are independent; they run
//! in parallel with rayon and are collected in declaration order, so outputs are byte-identical
//! for any thread count.

use rayon::prelude::*;
use sim_core::collective::{
    self, AllReduceAlgorithm, AllToAllAlgorithm, BroadcastAlgorithm, Collective, CollectiveSpec, ExecOptions,
};
use sim_core::{FlowNetwork, NetworkModel, NodeId, Platform, Router};

use crate::run::{network_model_of, platform_of};
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

/// One variant: a collective on a platform.
pub struct CollectiveVariantPlan {
    /// Label in reports.
    pub name: String,
    /// The collective and its algorithm.
    pub collective: Collective,
    /// Pipelined chunks.
    pub chunks: u32,
    /// The platform.
    pub platform: Platform,
    /// A short description of the platform for reports (`"FatTree, 64 hosts"`).
    pub platform_label: String,
    /// How flows share links.
    pub network_model: NetworkModel,
    /// The participating hosts, rank order.
    pub hosts: Vec<NodeId>,
}

/// Checks a `Collective` scenario and builds its variants.
///
/// # Errors
/// A [`ScenarioError`] naming the field: no sizes, a zero size or chunk count, more ranks than
/// hosts, a bad root or group size, platform errors, or parameter-server settings that do not
/// apply.
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
) -> Result<PreparedCollectives, ScenarioError> {
    let err = |path: &str, message: String| ScenarioError {
        file: file_name.into(),
        position: locate(text, path),
        path: path.into(),
        message,
    };
    let WorkloadSpec::Collective { collective, sizes, chunks, ranks } = file.workload.clone() else {
        unreachable!("planned as a collective benchmark")
    };
    let at = |field: &str| format!("workload.Collective.{field}");
    if sizes.is_empty() {
        return Err(err(&at("sizes"), "give at least one message size".into()));
    }
    if let Some(i) = sizes.iter().position(|s| s.0 == 0) {
        return Err(err(&at("sizes"), format!("size {i} is zero")));
    }
    if chunks == 0 {
        return Err(err(&at("chunks"), "must be at least 1".into()));
    }
    if file.runtime.is_some() {
        return Err(err("runtime", "a Collective workload runs without a runtime; remove it".into()));
    }
    if file.deployment.is_some() {
        return Err(err(
            "deployment",
            "a Collective workload places its ranks with `ranks`; remove the deployment".into(),
        ));
    }
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
        if let Some(f) = [
            v.consistency.map(|_| "consistency"),
            v.stragglers.as_ref().map(|_| "stragglers"),
            v.clocks.map(|_| "clocks"),
            v.learning_rate.map(|_| "learning_rate"),
            v.batch_size.map(|_| "batch_size"),
        ]
        .into_iter()
        .flatten()
        .next()
        {
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
        });
    }
    Ok(PreparedCollectives {
        seed: seed.unwrap_or(file.seed),
        sizes: sizes.iter().map(|s| s.0).collect(),
        file,
        variants,
    })
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
        TopologySpec::MultiDatacenter { .. } => "multi-datacenter WAN".into(),
        TopologySpec::TopologyZoo { graph, .. } => format!("{graph} WAN (Topology Zoo)"),
    }
}

fn to_collective(c: CollectiveFile, ranks: usize) -> Result<Collective, String> {
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

fn kind_name(k: collective::CollectiveKind) -> &'static str {
    match k {
        collective::CollectiveKind::AllReduce => "all-reduce",
        collective::CollectiveKind::ReduceScatter => "reduce-scatter",
        collective::CollectiveKind::AllGather => "all-gather",
        collective::CollectiveKind::AllToAll => "all-to-all",
        collective::CollectiveKind::Broadcast => "broadcast",
        collective::CollectiveKind::Reduce => "reduce",
    }
}

fn algorithm_name(c: &Collective) -> String {
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
    let jobs: Vec<(usize, u64)> =
        (0..plan.variants.len()).flat_map(|v| plan.sizes.iter().map(move |&s| (v, s))).collect();
    let points: Vec<Point> = jobs
        .par_iter()
        .map(|&(vi, bytes)| {
            let v = &plan.variants[vi];
            let mut router = Router::new(&v.platform);
            let mut net = FlowNetwork::with_model(&v.platform, v.network_model);
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
            on_point();
            Ok::<_, collective::CollectiveError>(Point { stats: run.stats, link_bytes: net.link_bytes().to_vec() })
        })
        .collect::<Result<_, _>>()?;
    let kind = plan.variants.first().map(|v| v.collective.kind());
    let variants = plan
        .variants
        .iter()
        .enumerate()
        .map(|(vi, v)| {
            let mine = &points[vi * plan.sizes.len()..(vi + 1) * plan.sizes.len()];
            let ranks = v.hosts.len();
            let series = plan
                .sizes
                .iter()
                .zip(mine)
                .map(|(&bytes, p)| {
                    let time = p.stats.duration();
                    reports::CollectivePoint {
                        bytes,
                        time_s: time.as_secs_f64(),
                        algbw_bytes_per_s: collective::algorithm_bandwidth(bytes, time),
                        busbw_bytes_per_s: collective::bus_bandwidth(v.collective.kind(), bytes, ranks, time),
                        flows: p.stats.flows,
                    }
                })
                .collect();
            // Link load of the largest size.
            let largest = plan.sizes.iter().enumerate().max_by_key(|(_, &s)| s).map(|(i, _)| i).expect("sizes");
            reports::CollectiveVariant {
                name: v.name.clone(),
                algorithm: algorithm_name(&v.collective),
                platform: v.platform_label.clone(),
                hosts: ranks as u32,
                points: series,
                link_load: link_load(&v.platform, &mine[largest].link_bytes),
            }
        })
        .collect();
    Ok(reports::CollectiveReport {
        scenario: plan.file.name.clone(),
        seed: plan.seed,
        collective: kind.map(kind_name).unwrap_or_default().into(),
        variants,
    })
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
