//! `clustersim place` and `clustersim regress`: the placement optimizer (`workloads::placement`) on
//! a DNN scenario's variants, its report, the plan as a runnable scenario, and the regression suite.
//!
//! Every variant is placed on its own by four algorithms with the same budget and seed: the
//! sequential baseline, random mappings, the topology-aware constructive placement and the annealing
//! search. Each chosen plan is simulated once more with a traffic matrix for its locality metrics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use rayon::prelude::*;
use reports::LinkLoad;
use serde::{Deserialize, Serialize};
use sim_core::training::{run_iteration, TrainingRun};
use sim_core::{NodeId, Platform};
use workloads::placement::{
    locality, plan_config, Annealing, Evaluator, Locality, Placement, PlacementError, Placer, Plan, Problem, Random,
    Sequential, TopologyAware,
};

use crate::dnn::{DnnVariantPlan, PreparedDnn};
use crate::scenario::{
    self, FabricShapeFile, PlacementSearchSpec, PlatformSpec, RuntimeSpec, SplitSpec, TopologySpec, VariantSpec,
    WorkloadSpec,
};

/// Simulated candidates per variant and algorithm when the scenario has no `placement` settings.
pub const DEFAULT_BUDGET: u32 = 64;

/// The algorithms, in report order.
pub const ALGORITHMS: [&str; 4] = ["sequential", "random", "topology-aware", "annealing"];

/// One algorithm's plan for one variant, with its locality.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    /// Algorithm name (one of [`ALGORITHMS`]).
    pub algorithm: String,
    /// Data-parallel degree.
    pub data: u32,
    /// Tensor-parallel degree.
    pub tensor: u32,
    /// Pipeline degree.
    pub pipeline: u32,
    /// Samples per micro-batch.
    pub micro_batch: u64,
    /// Simulated iteration time [s].
    pub iteration_time_s: f64,
    /// Sequential baseline's iteration time over this one (`> 1`: faster than the baseline; 0 when
    /// the baseline does not fit).
    pub speedup_vs_sequential: f64,
    /// Candidates simulated.
    pub evaluations: u32,
    /// Which candidate won.
    pub origin: String,
    /// Bytes sent between devices in one iteration [bytes].
    pub bytes_sent: u64,
    /// Bytes × links crossed [bytes].
    pub byte_hops: u64,
    /// Links crossed by the average byte.
    pub mean_hops: f64,
    /// Share of bytes sent to a nearest device (one cable or one switch away).
    pub one_hop_share: f64,
    /// Distinct peers per device, mean.
    pub peers_mean: f64,
    /// Distinct peers per device, largest.
    pub peers_max: u32,
    /// Bytes on the most loaded link [bytes].
    pub max_link_bytes: u64,
    /// The most loaded link, `"src → dst"`.
    pub max_link: String,
    /// Its bytes over its bandwidth [s].
    pub max_link_busy_s: f64,
    /// Devices in rank order, by name.
    pub devices: Vec<String>,
}

/// The placements of one variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantPlacement {
    /// Variant name.
    pub variant: String,
    /// Devices every plan uses.
    pub gpus: u64,
    /// One row per algorithm that found a plan, in [`ALGORITHMS`] order.
    pub rows: Vec<PlanRow>,
    /// Algorithms that found none, with why (e.g. the baseline's split does not fit).
    pub failures: Vec<(String, String)>,
    /// With `placement.co_design` on an `OpticalFabric` platform: circuits chosen for the search
    /// plan's traffic, and that plan's iteration on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_design: Option<CoDesign>,
}

impl VariantPlacement {
    /// Every row: the algorithms', then the co-designed one.
    pub fn all_rows(&self) -> impl Iterator<Item = &PlanRow> {
        self.rows.iter().chain(self.co_design.as_ref().map(|c| &c.row))
    }
}

/// TopoOpt-style co-design of one variant: the circuits of an optical direct-connect fabric chosen
/// for the search plan's traffic (`topologies::co_design`), and the plan run on them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoDesign {
    /// The co-designed platform (the variant's `OpticalFabric` with `Circuits` and bundled ports).
    pub platform: PlatformSpec,
    /// Share of the plan's bytes between GPUs the design joins by a circuit.
    pub served_share: f64,
    /// The search's plan on the co-designed fabric (algorithm `"co-designed"`).
    pub row: PlanRow,
    /// The best iteration any algorithm found on the fabric as given [s].
    pub fixed_iteration_time_s: f64,
    /// Per circuit-switching technology of the catalogue: when re-patching the circuits once for
    /// this job pays for its delay.
    pub break_even: Vec<BreakEven>,
}

/// Re-patching the fabric for one job (TopoOpt's one-shot, per-job topologies) against keeping it
/// fixed: the delay is paid once, the gain every iteration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakEven {
    /// Catalogue technology (`"mems"`, `"us-ocs"`, `"sip-microring"`).
    pub technology: String,
    /// Its reconfiguration delay [s].
    pub reconfiguration_s: f64,
    /// Iterations after which the co-designed circuits have repaid the delay: delay / (fixed −
    /// co-designed iteration time); `None` when the co-designed circuits are not faster.
    pub iterations: Option<f64>,
}

/// What `clustersim place` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceReport {
    /// Scenario name.
    pub scenario: String,
    /// Seed of the random baseline and the search.
    pub seed: u64,
    /// Simulated candidates allowed per variant and algorithm.
    pub budget: u32,
    /// Per variant, in declaration order.
    pub variants: Vec<VariantPlacement>,
}

/// Why placing failed: the scenario (a job that fits nowhere; exit 2) or a simulation (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// No plan exists for a variant.
    #[error("{file}: variant {variant:?}: {error}")]
    Input {
        /// Scenario file.
        file: String,
        /// Variant name.
        variant: String,
        /// Why.
        error: Box<PlacementError>,
    },
    /// A candidate could not be simulated.
    #[error("variant {variant:?}: {message}")]
    Other {
        /// Variant name.
        variant: String,
        /// Why.
        message: String,
    },
}

impl PlaceError {
    /// An [`PlaceError::Input`] as a scenario error at the split the search started from (the
    /// variant's `split` if it overrides it, else `runtime.Training.split`), with line and column in
    /// `text`.
    /// `None` when it is not an input error.
    pub fn located(&self, prepared: &PreparedDnn, text: &str) -> Option<scenario::ScenarioError> {
        let PlaceError::Input { file, variant, error } = self else { return None };
        let i = prepared.file.variants.iter().position(|v| v.name == *variant);
        let (path, position) = match i {
            Some(i) if prepared.file.variants[i].split.is_some() => {
                (format!("variants[{i}].split"), crate::run::nth_variant_field(text, i, "split"))
            }
            _ => ("runtime.Training.split".to_string(), scenario::locate(text, "runtime.Training.split")),
        };
        Some(scenario::ScenarioError {
            file: file.clone(),
            position,
            path,
            message: format!("variant {variant:?}: {error}"),
        })
    }
}

/// The search settings in force: the scenario's, or the defaults.
pub fn settings(prepared: &PreparedDnn) -> PlacementSearchSpec {
    prepared.placement.clone().unwrap_or(PlacementSearchSpec {
        budget: DEFAULT_BUDGET,
        splits: true,
        micro_batches: None,
        random_samples: 1,
        co_design: false,
    })
}

/// The placement problem of variant `v`.
fn problem<'a>(v: &'a DnnVariantPlan, settings: &PlacementSearchSpec) -> Problem<'a> {
    let mut base = v.config.clone();
    base.devices = None;
    base.trace = false;
    Problem {
        platform: &v.platform,
        job: &v.job,
        micro_batches: settings.micro_batches.clone().unwrap_or_else(|| vec![base.micro_batch_size]),
        base,
        model: v.network_model,
        selection: v.path_selection,
        splits: settings.splits,
    }
}

/// One plan's locality and traffic matrix (device names in rank order) on `problem`'s platform.
fn measure(problem: &Problem<'_>, plan: &Plan) -> Result<(Locality, LinkLoad), String> {
    let mut config = plan_config(&problem.base, plan);
    config.traffic_matrix = true;
    let run: TrainingRun = run_iteration(problem.platform, problem.job, &config, problem.model, problem.selection)
        .map_err(|e| e.to_string())?;
    let l = locality(problem.platform, &run, &plan.devices, problem.selection).map_err(|e| e.to_string())?;
    let n = plan.devices.len();
    let mut bytes = vec![vec![0u64; n]; n];
    for &((a, b), x) in &l.traffic {
        bytes[a as usize][b as usize] = x;
    }
    let nodes = plan.devices.iter().map(|d| problem.platform.nodes[d.index()].name.clone()).collect();
    Ok((l, LinkLoad { nodes, bytes }))
}

/// Places every variant of `prepared` (read from `file_name`) with the four algorithms. Variants run
/// one after another; each algorithm's candidates are simulated in parallel.
///
/// Returns the report and, per variant, the traffic matrix of the annealing search's plan (of the
/// best plan found if the search found none).
///
/// # Errors
/// [`PlaceError::Input`] when a variant's job fits nowhere (naming the smallest memory shortfall) or
/// has no valid split; [`PlaceError::Other`] when a simulation fails.
pub fn place(prepared: &PreparedDnn, file_name: &str) -> Result<(PlaceReport, Vec<LinkLoad>), PlaceError> {
    let settings = settings(prepared);
    let mut variants = Vec::new();
    let mut matrices = Vec::new();
    for (i, v) in prepared.variants.iter().enumerate() {
        let problem = problem(v, &settings);
        let evaluator = Evaluator::new(&problem);
        let random = Random { samples: settings.random_samples };
        let annealing = Annealing::default();
        let placers: [&dyn Placer; 4] = [&Sequential, &random, &TopologyAware, &annealing];
        let mut found: Vec<(&str, Placement)> = Vec::new();
        let mut failures = Vec::new();
        for placer in placers {
            match placer.place(&evaluator, settings.budget, prepared.seed) {
                Ok(p) => found.push((placer.name(), p)),
                Err(e @ PlacementError::Baseline(_)) => failures.push((placer.name().to_string(), e.to_string())),
                Err(e @ PlacementError::Simulation(_)) => {
                    return Err(PlaceError::Other { variant: v.name.clone(), message: e.to_string() })
                }
                Err(error) => {
                    return Err(PlaceError::Input {
                        file: file_name.to_string(),
                        variant: v.name.clone(),
                        error: Box::new(error),
                    })
                }
            }
        }
        // Locality of every distinct plan, simulated in parallel.
        let mut distinct: Vec<&Plan> = found.iter().map(|(_, p)| &p.plan).collect();
        distinct.sort();
        distinct.dedup();
        let measured: Vec<(Locality, LinkLoad)> = distinct
            .par_iter()
            .map(|plan| measure(&problem, plan))
            .collect::<Result<_, _>>()
            .map_err(|message| PlaceError::Other { variant: v.name.clone(), message })?;
        let of = |plan: &Plan| &measured[distinct.iter().position(|p| *p == plan).expect("measured")];
        let baseline = found.iter().find(|(n, _)| *n == "sequential").map(|(_, p)| p.iteration_time.as_secs_f64());
        let rows = found.iter().map(|(name, p)| plan_row(name, p, &of(&p.plan).0, &v.platform, baseline)).collect();
        let shown = found.iter().find(|(n, _)| *n == "annealing").or(found.last()).map(|(_, p)| &p.plan);
        if let Some(plan) = shown {
            matrices.push(of(plan).1.clone());
        }
        let spec = variant_platform_spec(prepared, i);
        let co_design = match (settings.co_design, shown, &spec.topology) {
            (true, Some(plan), TopologySpec::OpticalFabric { .. }) => {
                let fixed = found.iter().map(|(_, p)| p.iteration_time.as_secs_f64()).fold(f64::INFINITY, f64::min);
                Some(co_design(prepared.seed, v, &problem, spec, plan, &of(plan).0, (baseline, fixed))?)
            }
            _ => None,
        };
        variants.push(VariantPlacement {
            variant: v.name.clone(),
            gpus: v.config.parallelism.devices(),
            rows,
            failures,
            co_design,
        });
    }
    Ok((
        PlaceReport { scenario: prepared.file.name.clone(), seed: prepared.seed, budget: settings.budget, variants },
        matrices,
    ))
}

/// A report row for `placement` by `algorithm`, with locality `l`, on `platform`.
fn plan_row(algorithm: &str, p: &Placement, l: &Locality, platform: &Platform, baseline: Option<f64>) -> PlanRow {
    let time = p.iteration_time.as_secs_f64();
    let name = |n: NodeId| platform.nodes[n.index()].name.clone();
    PlanRow {
        algorithm: algorithm.to_string(),
        data: p.plan.split.0,
        tensor: p.plan.split.1,
        pipeline: p.plan.split.2,
        micro_batch: p.plan.micro_batch_size,
        iteration_time_s: time,
        speedup_vs_sequential: baseline.map_or(0.0, |b| b / time),
        evaluations: p.evaluations,
        origin: p.origin.clone(),
        bytes_sent: l.bytes_sent,
        byte_hops: l.byte_hops,
        mean_hops: l.mean_hops,
        one_hop_share: l.one_hop_share,
        peers_mean: l.peers_mean,
        peers_max: l.peers_max,
        max_link_bytes: l.max_link_bytes,
        max_link: l.max_link.map_or(String::new(), |(a, b)| format!("{} → {}", name(a), name(b))),
        max_link_busy_s: l.max_link_busy_s,
        devices: p.plan.devices.iter().map(|&d| name(d)).collect(),
    }
}

/// The platform spec variant `i` of `prepared` runs on.
fn variant_platform_spec(prepared: &PreparedDnn, i: usize) -> &PlatformSpec {
    prepared.file.variants.get(i).and_then(|v| v.platform.as_ref()).unwrap_or(&prepared.file.platform)
}

/// Co-designs the circuits of `spec` (an `OpticalFabric`) for `plan`'s traffic `l` (TopoOpt, Wang et
/// al., NSDI 2023: the topology follows the parallelization; one alternation): every pair of GPUs
/// that exchanges bytes is a demand weighted by them, `topologies::co_design` picks circuits within
/// each GPU's optical ports (heaviest first, bundling spare ports), and the plan is simulated on the
/// resulting fabric. `baseline` is the sequential plan's iteration time and `fixed_iteration_time_s`
/// the best on the fabric as given [s].
fn co_design(
    seed: u64,
    v: &DnnVariantPlan,
    problem: &Problem<'_>,
    spec: &PlatformSpec,
    plan: &Plan,
    l: &Locality,
    (baseline, fixed_iteration_time_s): (Option<f64>, f64),
) -> Result<CoDesign, PlaceError> {
    let fail = |m: String| PlaceError::Other { variant: v.name.clone(), message: format!("co-design: {m}") };
    let TopologySpec::OpticalFabric { chiplet, chiplets_per_gpu, .. } = &spec.topology else {
        return Err(fail("needs an OpticalFabric platform".into()));
    };
    let io = topologies::catalogue::try_optical_chiplet(chiplet)
        .map(|c| topologies::catalogue::OpticalIo { chiplet: c, chiplets_per_gpu: *chiplets_per_gpu })
        .map_err(|e| fail(e.to_string()))?;
    let hosts = v.platform.hosts();
    let index: BTreeMap<NodeId, u32> = hosts.iter().enumerate().map(|(i, &h)| (h, i as u32)).collect();
    let mut pairs: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for &((a, b), bytes) in &l.traffic {
        let (a, b) = (index[&plan.devices[a as usize]], index[&plan.devices[b as usize]]);
        *pairs.entry((a.min(b), a.max(b))).or_insert(0) += bytes;
    }
    let demands: Vec<topologies::Demand> =
        pairs.into_iter().map(|((a, b), bytes)| topologies::Demand::Pair { a, b, bytes }).collect();
    let gpus = hosts.len() as u32;
    let design = topologies::co_design(gpus, io.ports() as u32, &demands).map_err(|e| fail(e.to_string()))?;
    let mut new_spec = spec.clone();
    if let TopologySpec::OpticalFabric { shape, ports_per_neighbor, .. } = &mut new_spec.topology {
        *shape = FabricShapeFile::Circuits { gpus, circuits: design.circuits.clone() };
        *ports_per_neighbor = design.ports_per_neighbor;
    }
    let platform = crate::run::platform_of(&new_spec, "platform", seed).map_err(|(_, m)| fail(m))?;
    let co_problem = Problem { platform: &platform, ..problem.clone() };
    let evaluator = Evaluator::new(&co_problem);
    let time =
        evaluator.evaluate(std::slice::from_ref(plan)).pop().expect("one plan").map_err(|e| fail(e.to_string()))?;
    let (locality, _) = measure(&co_problem, plan).map_err(fail)?;
    let placement = Placement {
        plan: plan.clone(),
        iteration_time: time,
        evaluations: 1,
        origin: "search plan on co-designed circuits".into(),
    };
    let row = plan_row("co-designed", &placement, &locality, &platform, baseline);
    let gain = fixed_iteration_time_s - row.iteration_time_s;
    let break_even = topologies::catalogue::names(topologies::catalogue::PresetKind::Ocs)
        .into_iter()
        .filter_map(topologies::catalogue::ocs)
        .map(|o| {
            let reconfiguration_s = o.reconfiguration.as_secs_f64();
            BreakEven {
                technology: o.name.to_string(),
                reconfiguration_s,
                iterations: (gain > 0.0).then(|| reconfiguration_s / gain),
            }
        })
        .collect();
    Ok(CoDesign { platform: new_spec, served_share: design.served_share, row, fixed_iteration_time_s, break_even })
}

/// The even stage split of `layers` over `p` stages, earlier stages taking the extra layers (as the
/// executor splits when `stage_layers` is absent).
fn even_stage_layers(layers: usize, p: u32) -> Vec<u32> {
    let (base, extra) = (layers as u32 / p, layers as u32 % p);
    (0..p).map(|s| base + u32::from(s < extra)).collect()
}

/// The plan as a runnable scenario: the scenario of `prepared` with, for every variant and algorithm,
/// a variant named `"<variant> · <algorithm>"` holding the chosen split, micro-batch size and
/// `devices`. Relative `hf_config`/`astra` paths are made absolute (resolved beside `file_name`) so
/// the plan runs from any directory. `clustersim run` on it reproduces the comparison.
pub fn plan_scenario(prepared: &PreparedDnn, report: &PlaceReport, file_name: &str) -> String {
    let mut file = prepared.file.clone();
    // The seed in force (`--seed` included): random fabrics are built from it.
    file.seed = prepared.seed;
    let dir = Path::new(file_name).parent().unwrap_or(Path::new("."));
    if let WorkloadSpec::Dnn { hf_config, astra, .. } = &mut file.workload {
        for path in [hf_config, astra].into_iter().flatten() {
            if let Ok(full) = dir.join(&*path).canonicalize() {
                *path = full.display().to_string();
            }
        }
    }
    let base_stage_layers = match &file.runtime {
        Some(RuntimeSpec::Training { stage_layers, .. }) => stage_layers.clone(),
        _ => None,
    };
    let originals: Vec<VariantSpec> = if prepared.file.variants.is_empty() {
        vec![VariantSpec::named(prepared.variants.first().map_or(String::new(), |v| v.name.clone()))]
    } else {
        prepared.file.variants.clone()
    };
    let mut variants = Vec::new();
    for ((spec, placed), v) in originals.iter().zip(&report.variants).zip(&prepared.variants) {
        let co_platform = placed.co_design.as_ref().map(|c| c.platform.clone());
        for row in placed.all_rows() {
            let mut out = spec.clone();
            if row.algorithm == "co-designed" {
                out.platform = co_platform.clone();
            }
            out.name = format!("{} · {}", spec.name, row.algorithm);
            out.split = Some(SplitSpec { data: row.data, tensor: row.tensor, pipeline: row.pipeline });
            out.micro_batch = Some(row.micro_batch);
            out.devices = Some(row.devices.clone());
            let given = spec.stage_layers.clone().or(base_stage_layers.clone());
            if given.as_ref().is_some_and(|g| g.len() as u32 != row.pipeline) {
                out.stage_layers = Some(even_stage_layers(v.job.layers.len(), row.pipeline));
            }
            variants.push(out);
        }
    }
    file.variants = variants;
    let mut lines = vec![
        format!(
            "// Placement plans for {file_name}, written by `clustersim place` (seed {}, budget {}).",
            report.seed, report.budget
        ),
        "// One variant per input variant and algorithm, with the split, micro-batch size and devices".to_string(),
        "// (in rank order) it chose; `clustersim run` on this file reproduces the comparison:".to_string(),
    ];
    for v in &report.variants {
        for r in v.all_rows() {
            lines.push(format!(
                "//   {} · {}: {}×{}×{} b{}, {:.6} s",
                v.variant, r.algorithm, r.data, r.tensor, r.pipeline, r.micro_batch, r.iteration_time_s
            ));
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text.push_str(&scenario::to_ron(&file));
    text
}

/// `placement.csv`: one row per variant and algorithm (devices left out; they are in `placement.json`).
pub fn placement_csv(report: &PlaceReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "variant",
        "algorithm",
        "data",
        "tensor",
        "pipeline",
        "micro_batch",
        "iteration_time_s",
        "speedup_vs_sequential",
        "evaluations",
        "bytes_sent",
        "byte_hops",
        "mean_hops",
        "one_hop_share",
        "peers_mean",
        "peers_max",
        "max_link_bytes",
        "max_link_busy_s",
    ])?;
    for v in &report.variants {
        for r in v.all_rows() {
            w.write_record([
                v.variant.clone(),
                r.algorithm.clone(),
                r.data.to_string(),
                r.tensor.to_string(),
                r.pipeline.to_string(),
                r.micro_batch.to_string(),
                format!("{:.9}", r.iteration_time_s),
                format!("{:.6}", r.speedup_vs_sequential),
                r.evaluations.to_string(),
                r.bytes_sent.to_string(),
                r.byte_hops.to_string(),
                format!("{:.6}", r.mean_hops),
                format!("{:.6}", r.one_hop_share),
                format!("{:.3}", r.peers_mean),
                r.peers_max.to_string(),
                r.max_link_bytes.to_string(),
                format!("{:.9}", r.max_link_busy_s),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner().map_err(|e| anyhow!("{e}"))?)?)
}

/// Files of a placement: `placement.json`, `placement.csv`, `plan.ron` and a traffic-matrix heatmap
/// per variant (`traffic_<k>.png`, the search's plan, devices in rank order).
///
/// # Errors
/// If a figure cannot be drawn.
pub fn render(
    prepared: &PreparedDnn,
    report: &PlaceReport,
    matrices: &[LinkLoad],
    file_name: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![
        ("placement.json".to_string(), serde_json::to_vec_pretty(report)?),
        ("placement.csv".to_string(), placement_csv(report)?.into_bytes()),
        ("plan.ron".to_string(), plan_scenario(prepared, report, file_name).into_bytes()),
    ];
    for (k, (m, v)) in matrices.iter().zip(&report.variants).enumerate() {
        let title = format!("{}: traffic of the search's plan (ranks)", v.variant);
        files.push((format!("traffic_{k}.png"), reports::traffic_matrix_png(m, &title)?));
    }
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// Regression suite.

/// Relative tolerance of `clustersim regress` on iteration times and byte × hops, and absolute
/// tolerance on the one-hop share: 0.5 %. The simulator is deterministic, so any change comes from
/// code; the tolerance lets a change that moves results by rounding-level amounts through.
pub const REGRESSION_TOLERANCE: f64 = 0.005;

/// The golden values of one scenario of the suite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Golden {
    /// Scenario name.
    pub scenario: String,
    /// One entry per variant and algorithm.
    pub cases: Vec<GoldenCase>,
}

/// One variant's plan by one algorithm, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoldenCase {
    /// Variant name.
    pub variant: String,
    /// Algorithm.
    pub algorithm: String,
    /// `d×t×p b<micro-batch>`.
    pub plan: String,
    /// Iteration time [s].
    pub iteration_time_s: f64,
    /// Bytes × links crossed [bytes].
    pub byte_hops: u64,
    /// Share of bytes to a nearest device.
    pub one_hop_share: f64,
    /// Candidates the algorithm simulated (recorded, not compared: the budget bounds it).
    #[serde(default)]
    pub evaluations: u32,
}

/// The golden values of `report`.
pub fn golden_of(report: &PlaceReport) -> Golden {
    let cases = report
        .variants
        .iter()
        .flat_map(|v| {
            v.all_rows().map(move |r| GoldenCase {
                variant: v.variant.clone(),
                algorithm: r.algorithm.clone(),
                plan: format!("{}×{}×{} b{}", r.data, r.tensor, r.pipeline, r.micro_batch),
                iteration_time_s: r.iteration_time_s,
                byte_hops: r.byte_hops,
                one_hop_share: r.one_hop_share,
                evaluations: r.evaluations,
            })
        })
        .collect();
    Golden { scenario: report.scenario.clone(), cases }
}

/// What [`check_invariants`] and [`compare`] found: lines of a readable diff.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Regressions and broken invariants (the suite fails).
    pub failures: Vec<String>,
    /// Improvements and plan changes within tolerance (accept with `--update`).
    pub notes: Vec<String>,
}

/// The suite's invariants on one report: per variant, the topology-aware placement and the search
/// are never slower than the sequential baseline, and the search never slower than the constructive
/// placement it starts from.
pub fn check_invariants(report: &PlaceReport, findings: &mut Findings) {
    for v in &report.variants {
        let time = |a: &str| v.rows.iter().find(|r| r.algorithm == a).map(|r| r.iteration_time_s);
        let (seq, topo, search) = (time("sequential"), time("topology-aware"), time("annealing"));
        let mut check = |what: &str, a: Option<f64>, b: Option<f64>| {
            if let (Some(a), Some(b)) = (a, b) {
                if a > b {
                    findings.failures.push(format!("{} / {}: {what}: {a:.6} s > {b:.6} s", report.scenario, v.variant));
                }
            }
        };
        check("topology-aware slower than sequential", topo, seq);
        check("annealing slower than sequential", search, seq);
        check("annealing slower than topology-aware", search, topo);
    }
}

/// Compares `new` with `golden`: a regression is an iteration time or byte × hops more than
/// [`REGRESSION_TOLERANCE`] above the golden (relative), a one-hop share more than it below
/// (absolute), or a case missing from either side.
pub fn compare(golden: &Golden, new: &Golden, findings: &mut Findings) {
    let key = |c: &GoldenCase| (c.variant.clone(), c.algorithm.clone());
    let old: BTreeMap<_, _> = golden.cases.iter().map(|c| (key(c), c)).collect();
    let now: BTreeMap<_, _> = new.cases.iter().map(|c| (key(c), c)).collect();
    let tol = REGRESSION_TOLERANCE;
    for (k, n) in &now {
        let at = format!("{} / {} / {}", new.scenario, k.0, k.1);
        let Some(o) = old.get(k) else {
            findings.failures.push(format!("{at}: no golden value (run `clustersim regress --update`)"));
            continue;
        };
        let rel = |a: f64, b: f64| {
            if b > 0.0 {
                a / b - 1.0
            } else if a > 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        };
        let dt = rel(n.iteration_time_s, o.iteration_time_s);
        let dh = rel(n.byte_hops as f64, o.byte_hops as f64);
        let ds = n.one_hop_share - o.one_hop_share;
        let line = format!(
            "{at}: iteration {:.6} s → {:.6} s ({:+.2} %), byte×hops {} → {} ({:+.2} %), one-hop share {:.3} → {:.3}, plan {} → {}",
            o.iteration_time_s,
            n.iteration_time_s,
            100.0 * dt,
            o.byte_hops,
            n.byte_hops,
            100.0 * dh,
            o.one_hop_share,
            n.one_hop_share,
            o.plan,
            n.plan
        );
        if dt > tol || dh > tol || ds < -tol {
            findings.failures.push(format!("REGRESSION {line}"));
        } else if dt < -tol || dh < -tol || ds > tol || o.plan != n.plan {
            findings.notes.push(format!("changed {line}"));
        }
    }
    for k in old.keys().filter(|k| !now.contains_key(*k)) {
        findings.failures.push(format!("{} / {} / {}: case gone", golden.scenario, k.0, k.1));
    }
}

/// The suite's scenario files in `dir` (`*.ron`), sorted by name.
///
/// # Errors
/// If `dir` cannot be read.
pub fn suite_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the placement suite {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    Ok(files)
}

/// Where the golden values of suite file `file` live in `golden_dir`: `<file stem>.json`.
pub fn golden_path(golden_dir: &Path, file: &Path) -> PathBuf {
    golden_dir.join(format!("{}.json", file.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy())))
}
