//! Run orchestration: a parsed scenario is checked and turned into a platform, a deployment and
//! one program per variant ([`prepare`]); the variants then run in parallel with rayon
//! ([`execute`]), and their measurements become a [`reports::RunReport`].
//!
//! Variants are independent single-threaded simulations collected in declaration order, so the
//! report is byte-identical whatever the number of threads.
//!
//! With `faults`, each variant runs once with coordinated checkpoints every `checkpoint.every` clocks
//! ([`PsConfig::checkpoint_every`]: the run drains there, so the server tables are a consistent
//! snapshot), and [`report`] follows the job through its failures with `sim_core::faults::timeline`, the
//! clocks as steps ([`ps_fault_report`]): a failure loses a worker and rolls every worker back to the last
//! checkpoint; the rolled-back clocks are replayed exactly (same data, same draws, same time), so each
//! clock's time and objective come from that one run, placed on the job's wall clock once per execution.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use sim_core::faults::{poisson_failures, timeline, CheckpointPolicy, Phase};
use sim_core::runtime::ps::{self, AspConfig, CheckpointSize, Consistency, PsConfig, PsDeployment, PsRun};
use sim_core::time::transfer_time;
use sim_core::{ComputeDevice, DataParallelProgram, LinkSpec, NodeId, Platform, SimDuration, SimTime, StragglerModel};
use workloads::data::lasso::RegressionData;
use workloads::data::ldac::Corpus;
use workloads::{
    Dataset, Lasso, LassoConfig, LatentDirichletAllocation, LdaConfig, LogRegConfig, LogisticRegression,
    MatrixFactorization, MfConfig, Ratings,
};

use crate::scenario::{
    locate, ConsistencySpec, DataDir, LinkSpecFile, NetworkModelSpec, PlacementSpec, RatingsSpec, RuntimeSpec,
    ScenarioError, ScenarioFile, SspReadsSpec, StragglerSpec, TopologySpec, WorkloadSpec,
};

/// A scenario ready to run.
pub struct Prepared {
    /// The scenario as parsed.
    pub file: ScenarioFile,
    /// The scenario's platform (a variant may run on its own, see [`PreparedVariant::platform`]).
    pub platform: Arc<Platform>,
    /// Hosts of workers and server shards on the scenario's platform.
    pub deployment: PsDeployment,
    /// The variants, in declaration order.
    pub variants: Vec<PreparedVariant>,
    /// The seed in force (the file's, or the command line's).
    pub seed: u64,
}

/// One variant ready to run.
pub struct PreparedVariant {
    /// Label in reports.
    pub name: String,
    /// Runtime settings.
    pub config: PsConfig,
    /// Straggler model.
    pub stragglers: StragglerModel,
    /// The program (with this variant's overrides).
    pub program: Box<dyn DataParallelProgram + Send>,
    /// The platform the variant runs on.
    pub platform: Arc<Platform>,
    /// Where its workers and shards run, and how.
    pub layout: Layout,
}

/// How a variant's workers and shards are laid out.
pub enum Layout {
    /// One parameter server, wherever its shards are (over a WAN if they are in several sites).
    Single(PsDeployment),
    /// Gaia: each data center (site with workers, in site order) its own shards; program worker
    /// `i` is the `i`-th worker in data-center order.
    Gaia {
        /// Workers and shards of each data center.
        data_centers: Vec<PsDeployment>,
        /// Approximate Synchronous Parallel settings.
        asp: AspConfig,
    },
}

impl Layout {
    /// Worker hosts in program worker order.
    pub fn workers(&self) -> Vec<NodeId> {
        match self {
            Layout::Single(d) => d.workers.clone(),
            Layout::Gaia { data_centers, .. } => data_centers.iter().flat_map(|d| d.workers.iter().copied()).collect(),
        }
    }
}

/// Checks `file` (whose text is `text`, read from `file_name`) and builds everything a run needs,
/// loading data sets from `data_dir`.
///
/// # Errors
/// A [`ScenarioError`] naming the field and, where it can be found in `text`, its line and column:
/// values out of range, inconsistent counts, unknown data sets, missing data files, topology errors,
/// `placement` search settings (DNN only).
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    data_dir: &DataDir,
    seed: Option<u64>,
) -> Result<Prepared, ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    let seed = seed.unwrap_or(file.seed);
    let workload = match &file.workload {
        WorkloadSpec::LogisticRegression { .. } => "LogisticRegression",
        WorkloadSpec::MatrixFactorization { .. } => "MatrixFactorization",
        WorkloadSpec::Lasso { .. } => "Lasso",
        WorkloadSpec::Lda { .. } => "Lda",
        WorkloadSpec::MatrixFactorizationCd { .. } => {
            return Err(err(
                "runtime",
                "MatrixFactorizationCd is model-parallel: it runs on a Strads runtime (MatrixFactorization is the \
                 parameter-server program)"
                    .into(),
            ))
        }
        WorkloadSpec::Collective { .. } | WorkloadSpec::CollectivePhases { .. } | WorkloadSpec::Dnn { .. } => {
            unreachable!("planned by crate::collectives, crate::phases and crate::dnn")
        }
    };
    if file.placement.is_some() {
        return Err(err("placement", PLACEMENT_DNN_ONLY.into()));
    }
    let (Some(runtime), Some(deployment_spec)) = (&file.runtime, &file.deployment) else {
        let missing = if file.runtime.is_none() { "runtime" } else { "deployment" };
        return Err(err(
            missing,
            format!("required by the {workload} workload (a ParameterServer runtime and its deployment)"),
        ));
    };

    let platform = Arc::new(platform_of(&file.platform, "platform", seed).map_err(|(path, m)| err(&path, m))?);
    let deployment = place(deployment_spec, &platform).map_err(|(path, m)| err(&path, m))?;

    let RuntimeSpec::ParameterServer {
        consistency,
        clocks,
        value_bytes,
        key_bytes,
        message_overhead_bytes,
        objective_every,
        ssp_reads,
    } = runtime.clone()
    else {
        unreachable!("Strads runtimes are planned by crate::strads")
    };
    match &file.workload {
        WorkloadSpec::Lasso { coords_per_clock: None, .. } => {
            return Err(err("workload.Lasso.coords_per_clock", "required by the ParameterServer runtime".into()));
        }
        WorkloadSpec::Lasso { dataset, .. } if dataset == "synthetic" => {
            return Err(err(
                "workload.Lasso.dataset",
                "the synthetic sparse design (100 000 features) runs on the Strads runtime only".into(),
            ));
        }
        WorkloadSpec::Lasso { synthetic: Some(_), .. } => {
            return Err(err("workload.Lasso.synthetic", "only for dataset \"synthetic\"".into()));
        }
        WorkloadSpec::Lda { docs_per_clock: None, .. } => {
            return Err(err("workload.Lda.docs_per_clock", "required by the ParameterServer runtime".into()));
        }
        _ => {}
    }
    if let WorkloadSpec::Lasso { lambda, lambda_ratio, .. } = &file.workload {
        lasso_lambda_problem(*lambda, *lambda_ratio).map_err(|(f, m)| err(&format!("workload.Lasso.{f}"), m))?;
    }
    if clocks == 0 {
        return Err(err("runtime.ParameterServer.clocks", "must be at least 1".into()));
    }
    if objective_every == 0 {
        return Err(err("runtime.ParameterServer.objective_every", "must be at least 1".into()));
    }
    if let Some(t) = file.target_objective {
        if !t.is_finite() {
            return Err(err("target_objective", format!("{t} is not a finite number")));
        }
    }
    if let Some(f) = &file.faults {
        if f.iterations.is_some() {
            let m = "a parameter-server run's length is runtime.clocks (its steps are clocks): leave iterations out";
            return Err(err("faults.iterations", m.into()));
        }
        check_fault_common(f, text, file_name)?;
    }
    // Coordinated checkpoints drain the run (0: never checkpoint, no drains).
    let checkpoint_every = file.faults.as_ref().and_then(|f| f.checkpoint.as_ref()).map(|c| c.every).filter(|&k| k > 0);

    let data = load_data(&file.workload, data_dir, seed).map_err(|(path, m)| err(&path, m))?;
    let base_stragglers = stragglers(&file.stragglers).map_err(|m| err("stragglers", m))?;

    let specs: Vec<crate::scenario::VariantSpec> = if file.variants.is_empty() {
        vec![crate::scenario::VariantSpec::named(consistency_of(consistency).label())]
    } else {
        file.variants.clone()
    };
    let mut variants = Vec::with_capacity(specs.len());
    for (i, v) in specs.iter().enumerate() {
        let at = |field: &str| format!("variants[{i}].{field}");
        let verr = |field: &str, m: String| ScenarioError {
            file: file_name.into(),
            position: nth_variant_field(text, i, field),
            path: at(field),
            message: m,
        };
        if let Some(problem) = crate::scenario::variant_name_problem(&specs, i) {
            return Err(verr("name", problem));
        }
        let collective_only = [v.collective.map(|_| "collective"), v.ocs.as_ref().map(|_| "ocs")];
        if v.label_skew.is_some() && !matches!(file.workload, WorkloadSpec::LogisticRegression { .. }) {
            return Err(verr("label_skew", format!("only LogisticRegression partitions by label; this is {workload}")));
        }
        if let Some(field) = collective_only.into_iter().flatten().next() {
            return Err(verr(field, format!("only collective workloads take a variant {field}; this is {workload}")));
        }
        if let Some(field) = v.strads_field() {
            return Err(verr(field, "only a Strads runtime takes this override; this is a ParameterServer".into()));
        }
        if let Some(field) = v.dnn_field() {
            return Err(verr(field, "only a Training runtime takes this override; this is a ParameterServer".into()));
        }
        let config = PsConfig {
            consistency: consistency_of(v.consistency.unwrap_or(consistency)),
            clocks: v.clocks.unwrap_or(clocks),
            value_bytes,
            key_bytes,
            message_overhead_bytes,
            objective_every,
            network_model: network_model_of(&file.platform),
            path_selection: path_selection_of(&file.platform),
            ssp_reads: match ssp_reads {
                SspReadsSpec::Latest => ps::SspReads::Latest,
                SspReadsSpec::CompleteClocks => ps::SspReads::CompleteClocks,
            },
            audit: false,
            checkpoint_every,
            link_faults: Vec::new(),
        };
        if config.clocks == 0 {
            return Err(verr("clocks", "must be at least 1".into()));
        }
        let stragglers = match &v.stragglers {
            Some(s) => stragglers(s).map_err(|m| verr("stragglers", m))?,
            None => base_stragglers.clone(),
        };
        let (vplatform, vdeployment) = variant_platform(v, i, deployment_spec, (&platform, &deployment), seed)
            .map_err(|e| match e {
                VariantPlatformError::Variant(field, m) => verr(&field, m),
                VariantPlatformError::File(path, m) => err(&path, m),
            })?;
        let mut config = config;
        if let Some(f) = &file.faults {
            config.link_faults =
                crate::faults::schedule(&crate::faults::resolve_link_faults(f, &vplatform, text, file_name)?);
        }
        let layout = match &v.asp {
            None => Layout::Single(vdeployment),
            Some(a) => {
                let asp = AspConfig {
                    threshold: a.threshold,
                    selective_barrier: a.selective_barrier,
                    mirror_slack: a.mirror_slack,
                };
                asp.validate().map_err(|m| verr("asp.threshold", m))?;
                if matches!(config.consistency, Consistency::Async) {
                    return Err(verr(
                        "asp",
                        "Gaia's mirror clock needs a bounded consistency inside each data center (Bsp, Ssp, Essp)"
                            .into(),
                    ));
                }
                let data_centers = by_site(&vdeployment, &vplatform).map_err(|m| verr("asp", m))?;
                Layout::Gaia { data_centers, asp }
            }
        };
        let worker_hosts = layout.workers();
        if let Some(m) = straggler_worker_problem(&stragglers, worker_hosts.len()) {
            let field = "stragglers.Persistent.workers";
            return Err(if v.stragglers.is_some() { verr(field, m) } else { err(field, m) });
        }
        let sites: Vec<u32> = worker_hosts.iter().map(|h| vplatform.nodes[h.index()].site).collect();
        let program = build_program(&file.workload, &data, &sites, v, seed).map_err(|e| match e {
            workloads::ProgramError::InvalidConfig { field, message } => {
                let overridden = match field {
                    "batch_size" => v.batch_size.is_some(),
                    "learning_rate" => v.learning_rate.is_some(),
                    "partition" => v.label_skew.is_some(),
                    _ => false,
                };
                let field = if field == "partition" { "label_skew" } else { field };
                if overridden {
                    verr(field, message)
                } else if field == "workers" {
                    err("deployment.workers", message)
                } else {
                    let field = if field == "data" { "dataset" } else { field };
                    err(&format!("workload.{}", workload_field(&file.workload, field)), message)
                }
            }
            other => err("workload", other.to_string()),
        })?;
        variants.push(PreparedVariant {
            name: v.name.clone(),
            config,
            stragglers,
            program,
            platform: vplatform,
            layout,
        });
    }
    if let Some(f) = &file.faults {
        check_failing_workers(f, &variants, &platform, text, file_name)?;
    }
    Ok(Prepared { file, platform, deployment, variants, seed })
}

/// Checks that every failure of `faults.failures` names a host that runs a worker in every variant (errors
/// name the variant when it runs on its own platform, not the scenario's `platform`). (`faults.links` is not
/// read here.)
fn check_failing_workers(
    f: &crate::scenario::FaultSpec,
    variants: &[PreparedVariant],
    platform: &Arc<Platform>,
    text: &str,
    file_name: &str,
) -> Result<(), ScenarioError> {
    for (k, failure) in f.failures.iter().enumerate() {
        let at = |message: String| ScenarioError {
            file: file_name.into(),
            position: crate::scenario::locate_in_list(text, "faults.failures", k, "device"),
            path: format!("faults.failures[{k}].device"),
            message,
        };
        for v in variants {
            let workers = v.layout.workers();
            let name = &failure.device;
            match v.platform.node_by_name(name) {
                Some(n) if workers.contains(&n) => {}
                found => {
                    let hosts: Vec<&str> = workers.iter().map(|w| v.platform.nodes[w.index()].name.as_str()).collect();
                    let what = if found.is_some() { "runs no worker" } else { "is not a node of the platform" };
                    let own = !Arc::ptr_eq(&v.platform, platform);
                    let of = if own { format!(" (variant {:?})", v.name) } else { String::new() };
                    return Err(at(format!(
                        "{name:?} {what}{of}: a failure takes down a worker's host, one of {}",
                        hosts.join(", ")
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Where a variant's own platform went wrong: a field inside the variant (path relative to it), or
/// the scenario's deployment, which does not fit that platform (path from the file's root).
pub(crate) enum VariantPlatformError {
    /// (field path within `variants[i]`, message).
    Variant(String, String),
    /// (field path from the root, message).
    File(String, String),
}

/// The platform and deployment variant `v` (the `i`-th) runs on: its own `platform` with the
/// scenario's deployment rule applied to it, or else the scenario's `base` (platform, deployment).
pub(crate) fn variant_platform(
    v: &crate::scenario::VariantSpec,
    i: usize,
    deployment_spec: &crate::scenario::DeploymentSpec,
    base: (&Arc<Platform>, &PsDeployment),
    seed: u64,
) -> Result<(Arc<Platform>, PsDeployment), VariantPlatformError> {
    let Some(spec) = &v.platform else { return Ok((base.0.clone(), base.1.clone())) };
    let prefix = format!("variants[{i}].");
    let p = platform_of(spec, &format!("{prefix}platform"), seed)
        .map_err(|(path, m)| VariantPlatformError::Variant(path.trim_start_matches(&prefix).to_string(), m))?;
    let d = place(deployment_spec, &p)
        .map_err(|(path, m)| VariantPlatformError::File(path, format!("{m} (variant {:?})", v.name)))?;
    Ok((Arc::new(p), d))
}

/// What is wrong with a Lasso workload's regularisation, as (field, message): exactly one of
/// `lambda` (finite, ≥ 0) and `lambda_ratio` (in (0, 1]) must be given.
pub(crate) fn lasso_lambda_problem(lambda: Option<f64>, ratio: Option<f64>) -> Result<(), (&'static str, String)> {
    match (lambda, ratio) {
        (Some(_), Some(_)) => Err(("lambda_ratio", "give either lambda or lambda_ratio, not both".into())),
        (None, None) => Err(("lambda", "required (or lambda_ratio, a fraction of λ_max)".into())),
        (Some(l), None) if !(l.is_finite() && l >= 0.0) => Err(("lambda", format!("{l} must be finite and ≥ 0"))),
        (None, Some(r)) if !(r > 0.0 && r <= 1.0) => Err(("lambda_ratio", format!("{r} must be in (0, 1]"))),
        _ => Ok(()),
    }
}

pub(crate) fn workload_field(w: &WorkloadSpec, field: &str) -> String {
    match w {
        WorkloadSpec::MatrixFactorizationCd { .. } => format!("MatrixFactorizationCd.{field}"),
        WorkloadSpec::LogisticRegression { .. } => format!("LogisticRegression.{field}"),
        WorkloadSpec::MatrixFactorization { .. } => format!("MatrixFactorization.{field}"),
        WorkloadSpec::Lasso { .. } => format!("Lasso.{field}"),
        WorkloadSpec::Lda { .. } => format!("Lda.{field}"),
        WorkloadSpec::Collective { .. } => format!("Collective.{field}"),
        WorkloadSpec::CollectivePhases { .. } => format!("CollectivePhases.{field}"),
        WorkloadSpec::Dnn { .. } => format!("Dnn.{field}"),
    }
}

/// Position of `field` inside the `i`-th element of the `variants` list.
pub(crate) fn nth_variant_field(text: &str, i: usize, field: &str) -> Option<(usize, usize)> {
    crate::scenario::locate_in_list(text, "variants", i, field)
}

fn consistency_of(c: ConsistencySpec) -> Consistency {
    match c {
        ConsistencySpec::Bsp => Consistency::Bsp,
        ConsistencySpec::Ssp { staleness } => Consistency::Ssp { staleness },
        ConsistencySpec::Essp { staleness } => Consistency::Essp { staleness },
        ConsistencySpec::Async => Consistency::Async,
    }
}

/// The cable of `l`: a catalogue network preset with the fields `l` gives overriding it (see
/// [`LinkSpecFile`] for what a preset sets), or every figure given. Errors name fields under `path`,
/// the link's own field path.
fn link_spec(l: &LinkSpecFile, path: &str) -> Result<LinkSpec, (String, String)> {
    let field = |f: &str| format!("{path}.{f}");
    let preset = match &l.preset {
        Some(name) => Some(topologies::catalogue::try_network(name).map_err(|e| (field("preset"), e.to_string()))?),
        None => None,
    };
    let need = |f: &str| {
        (field(f), "required unless the link names a catalogue network preset (preset: \"ib-ndr\")".to_string())
    };
    let bandwidth = match (l.bandwidth, &preset) {
        (Some(b), _) => b.0,
        (None, Some(p)) => p.port_rate,
        (None, None) => return Err(need("bandwidth")),
    };
    let latency = match (l.latency, &preset) {
        (Some(d), _) => d.0,
        (None, Some(_)) => topologies::DEFAULT_CABLE_LATENCY,
        (None, None) => return Err(need("latency")),
    };
    Ok(LinkSpec { bandwidth, latency, price_per_gb: 0.0, half_duplex: l.half_duplex })
}

fn build_platform(t: &TopologySpec, device: &ComputeDevice) -> Result<Platform, (String, String)> {
    let path = |variant: &str| format!("platform.topology.{variant}");
    match t {
        TopologySpec::Star { hosts, link, switch_latency } => {
            if *hosts == 0 {
                return Err((format!("{}.hosts", path("Star")), "must be at least 1".into()));
            }
            // The switch is a node too.
            if u64::from(*hosts) >= topologies::MAX_NODES {
                let m = format!("{hosts} hosts make the platform too large (at most {})", topologies::MAX_NODES - 1);
                return Err((format!("{}.hosts", path("Star")), m));
            }
            let link = link_spec(link, &format!("{}.link", path("Star")))?;
            Ok(topologies::star(*hosts, device, &link, switch_latency.0))
        }
        TopologySpec::FatTree {
            leaves,
            hosts_per_leaf,
            spines,
            host_link,
            oversubscription,
            spine_link_latency,
            switch_latency,
        } => {
            let spec = topologies::FatTreeSpec {
                leaves: *leaves,
                hosts_per_leaf: *hosts_per_leaf,
                spines: *spines,
                host_link: link_spec(host_link, &format!("{}.host_link", path("FatTree")))?,
                oversubscription: *oversubscription,
                spine_link_latency: spine_link_latency.0,
                switch_latency: switch_latency.0,
            };
            topologies::fat_tree(&spec, device).map_err(|e| {
                // Errors of a count or ratio name the scenario field they are about.
                let field = match &e {
                    topologies::TopologyError::ZeroCount { field, .. }
                    | topologies::TopologyError::InvalidRatio { field, .. }
                    | topologies::TopologyError::TooLarge { field, .. } => Some(*field),
                    _ => None,
                };
                (field.map_or(path("FatTree"), |f| format!("{}.{f}", path("FatTree"))), e.to_string())
            })
        }
        TopologySpec::DgxNode { .. }
        | TopologySpec::DgxCluster { .. }
        | TopologySpec::KaryFatTree { .. }
        | TopologySpec::OpticalFabric { .. }
        | TopologySpec::CircuitSwitched { .. }
        | TopologySpec::TopologyZoo { .. } => unreachable!("built by platform_of"),
        TopologySpec::MultiDatacenter { regions, hosts_per_dc, lan_link, switch_latency } => {
            let spec = topologies::MultiDcSpec {
                regions: regions.clone(),
                hosts_per_dc: *hosts_per_dc,
                lan_link: link_spec(lan_link, &format!("{}.lan_link", path("MultiDatacenter")))?,
                switch_latency: switch_latency.0,
                wan_overrides: Vec::new(),
            };
            topologies::multi_datacenter(&spec, device)
                .map_err(|e| (format!("{}.regions", path("MultiDatacenter")), e.to_string()))
        }
    }
}

/// Why a scenario other than a `Dnn` workload's may not have `placement` search settings.
pub(crate) const PLACEMENT_DNN_ONLY: &str = "only used by Dnn workloads";

/// Checks the parts of `faults` every kind of run reads: exactly one checkpoint cost (when checkpoints
/// are asked for), a positive MTBF, and a restart time wherever devices fail.
///
/// # Errors
/// A [`ScenarioError`] at the offending field.
pub(crate) fn check_fault_common(
    f: &crate::scenario::FaultSpec,
    text: &str,
    file_name: &str,
) -> Result<(), ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    if let Some(c) = &f.checkpoint {
        if c.cost.is_some() == c.bandwidth.is_some() {
            return Err(err("faults.checkpoint", "give exactly one of cost and bandwidth".into()));
        }
        if c.bandwidth.is_some_and(|b| b.0 .0 == 0) {
            return Err(err("faults.checkpoint.bandwidth", "must be positive".into()));
        }
    }
    if let Some(m) = f.mtbf_hours {
        if !(m.is_finite() && m > 0.0 && m * 3600.0 * 1e12 < 1e30) {
            return Err(err("faults.mtbf_hours", format!("{m} is not a positive number of hours")));
        }
    }
    if f.restart.is_none() && (!f.failures.is_empty() || f.mtbf_hours.is_some()) {
        let m = "devices fail (failures or mtbf_hours): give the restart time, e.g. restart: \"600 s\"";
        return Err(err("faults", m.into()));
    }
    Ok(())
}

/// Plans any scenario: a parameter-server run ([`prepare`]), a STRADS run
/// ([`crate::strads::prepare`]), a DNN training run ([`crate::dnn::prepare`]) or a collective
/// benchmark ([`crate::collectives::prepare`], [`crate::phases::prepare`]).
///
/// # Errors
/// As the planner of the scenario's workload.
pub fn plan(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    data_dir: &DataDir,
    seed: Option<u64>,
) -> Result<Plan, ScenarioError> {
    if let Some(f) = &file.faults {
        let ps = matches!(file.runtime, None | Some(RuntimeSpec::ParameterServer { .. }));
        let (devices, links) = match file.workload {
            WorkloadSpec::Dnn { .. } => (true, true),
            WorkloadSpec::Collective { .. } | WorkloadSpec::CollectivePhases { .. } => (false, false),
            // STRADS runs take link faults; parameter-server runs (a missing runtime is reported by
            // `prepare`) also recover from failures.
            _ => (ps, true),
        };
        let fails_devices =
            f.iterations.is_some() || f.checkpoint.is_some() || !f.failures.is_empty() || f.mtbf_hours.is_some();
        if !links || (fails_devices && !devices) {
            let message = if links {
                "a STRADS run takes link faults (faults.links) only: failures and checkpoint recovery are \
                 modelled for Dnn training jobs and parameter-server runs"
            } else {
                "faults are modelled for training runs (Dnn, parameter-server, STRADS), not collective benchmarks"
            };
            return Err(ScenarioError {
                file: file_name.into(),
                position: locate(text, "faults"),
                path: "faults".into(),
                message: message.into(),
            });
        }
    }
    match file.workload {
        WorkloadSpec::Collective { .. } => {
            crate::collectives::prepare(file, text, file_name, seed).map(Plan::Collectives)
        }
        WorkloadSpec::CollectivePhases { .. } => {
            crate::phases::prepare(file, text, file_name, seed).map(Plan::Collectives)
        }
        WorkloadSpec::Dnn { .. } => crate::dnn::prepare(file, text, file_name, seed).map(Plan::Dnn),
        _ if matches!(file.runtime, Some(RuntimeSpec::Training { .. })) => Err(ScenarioError {
            file: file_name.into(),
            position: locate(text, "runtime"),
            path: "runtime".into(),
            message: format!(
                "a Training runtime trains a Dnn workload; this is {}",
                workload_field(&file.workload, "").trim_end_matches('.')
            ),
        }),
        _ if matches!(file.runtime, Some(RuntimeSpec::Strads { .. })) => {
            crate::strads::prepare(file, text, file_name, data_dir, seed).map(Plan::Strads)
        }
        _ => prepare(file, text, file_name, data_dir, seed).map(Plan::ParameterServer),
    }
}

/// A scenario ready to run.
pub enum Plan {
    /// Training on a parameter server.
    ParameterServer(Prepared),
    /// A collective benchmark.
    Collectives(crate::collectives::PreparedCollectives),
    /// STRADS scheduled model parallelism.
    Strads(crate::strads::PreparedStrads),
    /// DNN training with data, tensor and pipeline parallelism.
    Dnn(crate::dnn::PreparedDnn),
}

/// The compute device and platform of `spec`; errors name fields under `prefix`. `seed` draws
/// random optical fabrics.
pub(crate) fn platform_of(
    spec: &crate::scenario::PlatformSpec,
    prefix: &str,
    seed: u64,
) -> Result<Platform, (String, String)> {
    use crate::scenario::DgxFabricFile;
    use topologies::catalogue;
    let topo = |variant: &str, field: &str| format!("{prefix}.topology.{variant}.{field}");
    let terr = |variant: &'static str, field: &'static str| {
        let path = topo(variant, field);
        move |e: topologies::TopologyError| (path, e.to_string())
    };
    match &spec.topology {
        TopologySpec::DgxNode { node } | TopologySpec::DgxCluster { node, .. } => {
            let variant = if matches!(spec.topology, TopologySpec::DgxNode { .. }) { "DgxNode" } else { "DgxCluster" };
            let mut preset = catalogue::try_node(node).map_err(terr(variant, "node"))?;
            preset.gpu.device = device_of(&spec.host, Some(preset.gpu.device.clone()), prefix)?;
            match &spec.topology {
                TopologySpec::DgxCluster { nodes, fabric, .. } => {
                    let fabric = match *fabric {
                        DgxFabricFile::SingleSwitch => topologies::DgxFabric::SingleSwitch,
                        DgxFabricFile::LeafSpine { nics_per_leaf, spines, oversubscription } => {
                            topologies::DgxFabric::LeafSpine { nics_per_leaf, spines, oversubscription }
                        }
                        DgxFabricFile::Rails { spines, oversubscription, pxn } => {
                            topologies::DgxFabric::Rails { spines, oversubscription, pxn }
                        }
                    };
                    let spec = topologies::DgxClusterSpec::new(*nodes, preset, fabric);
                    topologies::dgx_cluster(&spec).map_err(terr(variant, "fabric"))
                }
                _ => {
                    let latency =
                        topologies::DgxClusterSpec::new(1, preset.clone(), topologies::DgxFabric::SingleSwitch)
                            .nvswitch_latency;
                    topologies::dgx_node(&preset, latency).map_err(terr(variant, "node"))
                }
            }
        }
        TopologySpec::OpticalFabric { shape, chiplet, chiplets_per_gpu, ports_per_neighbor, link_latency } => {
            let device = device_of(&spec.host, None, prefix)?;
            let chiplet = catalogue::try_optical_chiplet(chiplet).map_err(terr("OpticalFabric", "chiplet"))?;
            let shape = shape_of(shape, seed);
            let spec = topologies::DirectFabricSpec {
                shape,
                io: catalogue::OpticalIo { chiplet, chiplets_per_gpu: *chiplets_per_gpu },
                ports_per_neighbor: *ports_per_neighbor,
                link_latency: link_latency.0,
                forwarding: topologies::Forwarding::Host,
            };
            topologies::direct_fabric(&spec, &device).map_err(terr("OpticalFabric", "shape"))
        }
        TopologySpec::CircuitSwitched { .. } => Err((
            format!("{prefix}.topology.CircuitSwitched"),
            "a CircuitSwitched platform takes its circuits from the phases of a CollectivePhases workload; for \
             fixed circuits use an OpticalFabric topology"
                .into(),
        )),
        TopologySpec::TopologyZoo {
            graph,
            data_centers,
            hosts_per_dc,
            lan_link,
            wan_bandwidth,
            switch_latency,
            wan_price_per_gb,
        } => {
            let device = device_of(&spec.host, None, prefix)?;
            let lan = link_spec(lan_link, &topo("TopologyZoo", "lan_link"))?;
            let mut zoo = topologies::ZooWanSpec::new(graph.clone(), *hosts_per_dc, lan);
            zoo.data_centers = data_centers.clone();
            zoo.wan_bandwidth = wan_bandwidth.0;
            zoo.wan_price_per_gb = *wan_price_per_gb;
            if let Some(l) = switch_latency {
                zoo.switch_latency = l.0;
            }
            topologies::zoo_wan(&zoo, &device).map_err(|e| {
                use topologies::TopologyError as E;
                // The field each error is about (the graph's own errors stay at `graph`).
                let field = match &e {
                    E::UnknownPop { .. } | E::DuplicateRegion { .. } => "data_centers",
                    E::ZeroCount { field, .. } | E::InvalidRatio { field, .. } | E::TooLarge { field, .. } => field,
                    E::InvalidBandwidth { field: "wan_bandwidth", .. } => "wan_bandwidth",
                    _ => "graph",
                };
                (topo("TopologyZoo", field), e.to_string())
            })
        }
        TopologySpec::KaryFatTree { k, host_link, oversubscription, fabric_link_latency, switch_latency } => {
            let device = device_of(&spec.host, None, prefix)?;
            let spec = topologies::KaryFatTreeSpec {
                k: *k,
                host_link: link_spec(host_link, &topo("KaryFatTree", "host_link"))?,
                oversubscription: *oversubscription,
                fabric_link_latency: fabric_link_latency.0,
                switch_latency: switch_latency.0,
            };
            topologies::k_ary_fat_tree(&spec, &device).map_err(terr("KaryFatTree", "k"))
        }
        _ => {
            let device = device_of(&spec.host, None, prefix)?;
            build_platform(&spec.topology, &device).map_err(|(path, m)| (path.replacen("platform", prefix, 1), m))
        }
    }
}

/// The builder's fabric shape of `shape`; random permutations draw from `seed`.
pub(crate) fn shape_of(shape: &crate::scenario::FabricShapeFile, seed: u64) -> topologies::FabricShape {
    use crate::scenario::FabricShapeFile;
    match shape {
        FabricShapeFile::Ring { gpus } => topologies::FabricShape::Ring { gpus: *gpus },
        FabricShapeFile::Torus2d { x, y } => topologies::FabricShape::Torus2d { x: *x, y: *y },
        FabricShapeFile::Torus3d { x, y, z } => topologies::FabricShape::Torus3d { x: *x, y: *y, z: *z },
        FabricShapeFile::Permutations { gpus, degree, shifts } => topologies::FabricShape::Permutations {
            gpus: *gpus,
            degree: *degree,
            source: match shifts {
                Some(s) => topologies::PermutationSource::Shifts(s.clone()),
                None => topologies::PermutationSource::Random { seed },
            },
        },
        FabricShapeFile::Circuits { gpus, circuits } => {
            topologies::FabricShape::Circuits { gpus: *gpus, circuits: circuits.clone() }
        }
    }
}

/// The device of `host`: a catalogue GPU (or `base`) with the fields `host` gives overriding it.
pub(crate) fn device_of(
    host: &crate::scenario::HostSpec,
    base: Option<ComputeDevice>,
    prefix: &str,
) -> Result<ComputeDevice, (String, String)> {
    let field = |f: &str| format!("{prefix}.host.{f}");
    let base = match &host.gpu {
        Some(name) => Some(topologies::catalogue::try_gpu(name).map_err(|e| (field("gpu"), e.to_string()))?.device),
        None => base,
    };
    let need = |f: &str| {
        (
            field(f),
            "required unless the host names a catalogue GPU (gpu: \"h100-sxm5\") or the topology's node does".into(),
        )
    };
    let device = ComputeDevice {
        peak: match (host.peak, &base) {
            (Some(p), _) => p.0,
            (None, Some(b)) => b.peak,
            (None, None) => return Err(need("peak")),
        },
        efficiency: match (host.efficiency, &base) {
            (Some(e), _) => e,
            (None, Some(b)) => b.efficiency,
            (None, None) => return Err(need("efficiency")),
        },
        memory_bytes: match (host.memory, &base) {
            (Some(m), _) => m.0,
            (None, Some(b)) => b.memory_bytes,
            (None, None) => return Err(need("memory")),
        },
        memory_bandwidth: match (host.memory_bandwidth, &base) {
            (Some(m), _) => m.0,
            (None, Some(b)) => b.memory_bandwidth,
            (None, None) => return Err(need("memory_bandwidth")),
        },
        launch_overhead: host
            .launch_overhead
            .map(|d| d.0)
            .or(base.as_ref().map(|b| b.launch_overhead))
            .unwrap_or_default(),
    };
    if !(device.efficiency > 0.0 && device.efficiency <= 1.0) {
        return Err((field("efficiency"), format!("{} is outside (0, 1]", device.efficiency)));
    }
    Ok(device)
}

/// The path selection a platform spec selects.
pub(crate) fn path_selection_of(spec: &crate::scenario::PlatformSpec) -> sim_core::PathSelection {
    match spec.routing {
        crate::scenario::RoutingSpec::EcmpHash => sim_core::PathSelection::Hash,
        crate::scenario::RoutingSpec::DModK => sim_core::PathSelection::DestinationModK,
    }
}

/// The network model a platform spec selects.
pub(crate) fn network_model_of(spec: &crate::scenario::PlatformSpec) -> sim_core::NetworkModel {
    match spec.network_model {
        NetworkModelSpec::MaxMin => sim_core::NetworkModel::MaxMin,
        NetworkModelSpec::Cm02 => sim_core::NetworkModel::Cm02,
        NetworkModelSpec::Lv08 => sim_core::NetworkModel::Lv08,
    }
}

pub(crate) fn place(
    d: &crate::scenario::DeploymentSpec,
    platform: &Platform,
) -> Result<PsDeployment, (String, String)> {
    let hosts = platform.hosts();
    if d.workers == 0 {
        return Err(("deployment.workers".into(), "must be at least 1".into()));
    }
    if d.servers == 0 {
        return Err(("deployment.servers".into(), "must be at least 1".into()));
    }
    let (w, s) = (d.workers as usize, d.servers as usize);
    let need = match d.placement {
        PlacementSpec::Colocated => w.max(s),
        PlacementSpec::Dedicated | PlacementSpec::SpreadSites => w + s,
    };
    if need > hosts.len() {
        let path =
            if d.placement == PlacementSpec::Colocated && s > w { "deployment.servers" } else { "deployment.workers" };
        return Err((
            path.into(),
            format!(
                "{w} workers and {s} server shards need {need} hosts with {:?} placement; the platform has {}",
                d.placement,
                hosts.len()
            ),
        ));
    }
    let order: Vec<NodeId> = match d.placement {
        PlacementSpec::SpreadSites => {
            // Deal hosts round-robin over sites, keeping each site's host order.
            let mut sites: std::collections::BTreeMap<u32, Vec<NodeId>> = std::collections::BTreeMap::new();
            for &h in &hosts {
                sites.entry(platform.nodes[h.index()].site).or_default().push(h);
            }
            let lists: Vec<Vec<NodeId>> = sites.into_values().collect();
            let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
            (0..longest).flat_map(|i| lists.iter().filter_map(move |l| l.get(i).copied())).collect()
        }
        _ => hosts,
    };
    Ok(match d.placement {
        PlacementSpec::Colocated => PsDeployment { workers: order[..w].to_vec(), servers: order[..s].to_vec() },
        _ => PsDeployment { workers: order[..w].to_vec(), servers: order[w..w + s].to_vec() },
    })
}

/// Groups `d`'s workers and shards by the site of their host: one data center per site with
/// workers, in site order.
///
/// # Errors
/// A message if a site has shards but no workers, or the sites with workers have unequal shard
/// counts (mirrors pair shards one to one).
fn by_site(d: &PsDeployment, platform: &Platform) -> Result<Vec<PsDeployment>, String> {
    use std::collections::BTreeMap;
    let mut sites: BTreeMap<u32, PsDeployment> = BTreeMap::new();
    let site = |h: NodeId| platform.nodes[h.index()].site;
    for &w in &d.workers {
        sites
            .entry(site(w))
            .or_insert_with(|| PsDeployment { workers: Vec::new(), servers: Vec::new() })
            .workers
            .push(w);
    }
    for &s in &d.servers {
        match sites.get_mut(&site(s)) {
            Some(dc) => dc.servers.push(s),
            None => return Err(format!("server shard on host {} is in site {} with no worker", s.0, site(s))),
        }
    }
    let counts: Vec<(u32, usize)> = sites.iter().map(|(s, d)| (*s, d.servers.len())).collect();
    if counts.iter().any(|&(_, n)| n != counts[0].1) || counts[0].1 == 0 {
        return Err(format!(
            "Gaia needs the same number (≥ 1) of shards in every data center with workers (mirrors pair shards one \
             to one); the deployment gives (site, shards) {counts:?} — use SpreadSites placement with servers a \
             multiple of the sites"
        ));
    }
    Ok(sites.into_values().collect())
}

/// Most values a seeded synthetic data set may hold: ratings and factor entries of a synthetic rating
/// matrix, samples and non-zeros of a synthetic Lasso design. 2^26 is 30 times the shipped scenarios'
/// largest (a design of 2 million non-zeros) and a few hundred MiB; a larger request is a scenario
/// error, not an allocation of its size.
pub const MAX_SYNTHETIC_VALUES: u64 = 1 << 26;

/// The data a workload trains on, loaded once for all variants.
pub(crate) enum Data {
    Classification(Arc<Dataset>),
    Ratings(Arc<Ratings>),
    Regression(Arc<RegressionData>),
    Corpus(Arc<Corpus>),
}

/// Loads the data set of workload `w` (not the synthetic Lasso design, which `crate::strads` builds).
pub(crate) fn load_data(w: &WorkloadSpec, data_dir: &DataDir, seed: u64) -> Result<Data, (String, String)> {
    match w {
        WorkloadSpec::LogisticRegression { dataset, .. } => {
            let path = "workload.LogisticRegression.dataset".to_string();
            let data = match dataset.as_str() {
                "adult" => workloads::builtin::adult(),
                "a9a" => workloads::builtin::a9a_test(),
                file => {
                    let full = data_dir.path.join(file);
                    let text = read_data_file(&full, data_dir).map_err(|m| (path.clone(), m))?;
                    workloads::data::libsvm::parse(&text, None)
                        .map_err(|e| (path.clone(), format!("{}: {e}", full.display())))?
                }
            };
            Ok(Data::Classification(Arc::new(data)))
        }
        WorkloadSpec::MatrixFactorization { dataset, .. } | WorkloadSpec::MatrixFactorizationCd { dataset, .. } => {
            let path = format!("workload.{}", workload_field(w, "dataset"));
            let ratings = match dataset {
                RatingsSpec::MovieLens100k => {
                    let full = data_dir.path.join("mf_movielens_100k").join("u.data");
                    let text = read_data_file(&full, data_dir).map_err(|m| (path.clone(), m))?;
                    workloads::data::movielens::parse(&text)
                        .map_err(|e| (path.clone(), format!("{}: {e}", full.display())))?
                }
                RatingsSpec::Synthetic { users, items, rank, ratings_per_user, noise } => {
                    if *users == 0 || *items == 0 || *rank == 0 || *ratings_per_user == 0 || *ratings_per_user > *items
                    {
                        return Err((
                            path,
                            "users, items, rank and ratings_per_user must be positive, ratings_per_user ≤ items".into(),
                        ));
                    }
                    if !(noise.is_finite() && *noise >= 0.0) {
                        return Err((path, format!("noise {noise} must be a finite number ≥ 0")));
                    }
                    let ratings = u64::from(*users) * u64::from(*ratings_per_user);
                    let factors = (u64::from(*users) + u64::from(*items)) * u64::from(*rank);
                    if ratings.max(factors) > MAX_SYNTHETIC_VALUES {
                        return Err((
                            path,
                            format!(
                                "{ratings} ratings and {factors} factor entries: at most {MAX_SYNTHETIC_VALUES} of \
                                 each (users × ratings_per_user, (users + items) × rank)"
                            ),
                        ));
                    }
                    workloads::data::synthetic::low_rank(*users, *items, *rank, *ratings_per_user, *noise, seed)
                }
            };
            Ok(Data::Ratings(Arc::new(ratings)))
        }
        WorkloadSpec::Lasso { dataset, .. } => {
            let path = "workload.Lasso.dataset".to_string();
            let data = match dataset.as_str() {
                "diabetes" => workloads::builtin::diabetes(),
                "riboflavin" => {
                    let full = data_dir.path.join("lasso_riboflavin").join("riboflavin.csv");
                    let text = read_data_file(&full, data_dir).map_err(|m| (path.clone(), m))?;
                    workloads::data::lasso::parse_riboflavin(&text)
                        .map_err(|e| (path.clone(), format!("{}: {e}", full.display())))?
                }
                other => return Err((path, format!("unknown data set {other:?} (\"diabetes\" or \"riboflavin\")"))),
            };
            Ok(Data::Regression(Arc::new(data)))
        }
        WorkloadSpec::Lda { dataset, .. } => {
            let path = "workload.Lda.dataset".to_string();
            if dataset != "reuters" {
                return Err((path, format!("unknown corpus {dataset:?} (\"reuters\")")));
            }
            let dir = data_dir.path.join("lda_reuters");
            let docs = read_data_file(&dir.join("reuters.ldac"), data_dir).map_err(|m| (path.clone(), m))?;
            let tokens = read_data_file(&dir.join("reuters.tokens"), data_dir).map_err(|m| (path.clone(), m))?;
            let corpus = workloads::data::ldac::parse_with_vocabulary(&docs, &tokens)
                .map_err(|e| (path.clone(), format!("{}: {e}", dir.join("reuters.ldac").display())))?;
            Ok(Data::Corpus(Arc::new(corpus)))
        }
        WorkloadSpec::Collective { .. } | WorkloadSpec::CollectivePhases { .. } | WorkloadSpec::Dnn { .. } => {
            unreachable!("collective and DNN workloads load no data")
        }
    }
}

fn read_data_file(path: &Path, data_dir: &DataDir) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read data file {}: {e} (data directory from {}; pass --data-dir DIR or set CLUSTERSIM_DATA_DIR; \
             research-only data sets are not shipped, see workloads/data/README.md)",
            path.display(),
            data_dir.origin
        )
    })
}

/// The program of variant `v`, partitioned over workers whose hosts are in `sites` (one per
/// worker, in program worker order).
fn build_program(
    w: &WorkloadSpec,
    data: &Data,
    sites: &[u32],
    v: &crate::scenario::VariantSpec,
    seed: u64,
) -> Result<Box<dyn DataParallelProgram + Send>, workloads::ProgramError> {
    let workers = sites.len();
    match (w, data) {
        (WorkloadSpec::Lasso { lambda, lambda_ratio, coords_per_clock, .. }, Data::Regression(d)) => {
            let coords_per_clock = coords_per_clock.expect("checked by prepare") as usize;
            let lambda = match (lambda, lambda_ratio) {
                (Some(l), _) => *l,
                (None, r) => {
                    let probe = Lasso::new(d, LassoConfig { workers, coords_per_clock, lambda: 0.0, seed })?;
                    r.expect("checked by prepare") * probe.lambda_max()
                }
            };
            let cfg = LassoConfig { workers, coords_per_clock, lambda, seed };
            Lasso::new(d, cfg).map(|p| Box::new(p) as _)
        }
        (WorkloadSpec::Lda { topics, alpha, beta, docs_per_clock, .. }, Data::Corpus(c)) => {
            let cfg = LdaConfig {
                workers,
                topics: *topics,
                alpha: *alpha,
                beta: *beta,
                docs_per_clock: docs_per_clock.expect("checked by prepare") as usize,
                seed,
            };
            LatentDirichletAllocation::new(c.clone(), cfg).map(|p| Box::new(p) as _)
        }
        (
            WorkloadSpec::LogisticRegression { batch_size, learning_rate, lr_decay, l2, label_skew, .. },
            Data::Classification(d),
        ) => {
            let skew = v.label_skew.unwrap_or(*label_skew);
            // Skew 0 is the IID partition (statistically what LabelSkew with skew 0 would give).
            let partition = if skew == 0.0 {
                workloads::Partition::Iid
            } else {
                // Data centers are the worker hosts' sites, numbered densely in site order.
                let mut distinct: Vec<u32> = sites.to_vec();
                distinct.sort_unstable();
                distinct.dedup();
                let groups = sites.iter().map(|s| distinct.binary_search(s).expect("listed")).collect();
                workloads::Partition::LabelSkew { skew, groups }
            };
            let cfg = LogRegConfig {
                workers,
                batch_size: v.batch_size.unwrap_or(*batch_size) as usize,
                learning_rate: v.learning_rate.unwrap_or(*learning_rate),
                lr_decay: *lr_decay,
                l2: *l2,
                seed,
                partition,
            };
            LogisticRegression::new(d.clone(), cfg).map(|p| Box::new(p) as _)
        }
        (WorkloadSpec::MatrixFactorization { rank, batch_size, learning_rate, lr_decay, l2, .. }, Data::Ratings(r)) => {
            let cfg = MfConfig {
                workers,
                rank: *rank,
                batch_size: v.batch_size.unwrap_or(*batch_size) as usize,
                learning_rate: v.learning_rate.unwrap_or(*learning_rate),
                lr_decay: *lr_decay,
                l2: *l2,
                seed,
            };
            MatrixFactorization::new(r.clone(), cfg).map(|p| Box::new(p) as _)
        }
        _ => unreachable!("data is loaded for the workload it belongs to"),
    }
}

pub(crate) fn stragglers(s: &StragglerSpec) -> Result<StragglerModel, String> {
    let model = match s {
        StragglerSpec::None => StragglerModel::None,
        StragglerSpec::Bernoulli { prob, slowdown } => StragglerModel::Bernoulli { prob: *prob, slowdown: *slowdown },
        StragglerSpec::Persistent { workers, slowdown } => {
            StragglerModel::Persistent { workers: workers.clone(), slowdown: *slowdown }
        }
        StragglerSpec::PaiTrace { job } => {
            let text = workloads::builtin::pai_job(*job)
                .ok_or_else(|| format!("PAI trace job {job} does not exist (jobs 1 to 4 ship)"))?;
            let ratios = workloads::data::pai_trace::parse(text).map_err(|e| format!("PAI trace job {job}: {e}"))?;
            StragglerModel::Trace { ratios }
        }
    };
    model.validate()?;
    Ok(model)
}

/// What is wrong with a straggler model on a run of `workers` workers: a persistent straggler that is
/// not one of them (it would slow nobody, silently).
pub(crate) fn straggler_worker_problem(model: &StragglerModel, workers: usize) -> Option<String> {
    let StragglerModel::Persistent { workers: slow, .. } = model else { return None };
    let w = slow.iter().find(|&&w| w as usize >= workers)?;
    Some(format!("worker {w} does not exist: the run has {workers} workers, numbered from 0"))
}

/// Measurements of one variant.
pub struct VariantOutcome {
    /// Label.
    pub name: String,
    /// Everything the runtime measured.
    pub run: PsRun,
}

/// Runs every variant of `prepared` in parallel (rayon's global pool) and returns their outcomes
/// in declaration order. `on_clock` is called from worker threads as clocks complete.
///
/// # Errors
/// The first variant's runtime error (in declaration order).
pub fn execute(prepared: &Prepared, on_clock: &(dyn Fn(u64) + Sync)) -> Result<Vec<VariantOutcome>, ps::PsError> {
    prepared
        .variants
        .par_iter()
        .map(|v| {
            let run = match &v.layout {
                Layout::Single(d) => ps::run_observed(
                    &v.platform,
                    d,
                    v.program.as_ref(),
                    &v.config,
                    &v.stragglers,
                    prepared.seed,
                    on_clock,
                )?,
                Layout::Gaia { data_centers, asp } => ps::run_gaia(
                    &v.platform,
                    data_centers,
                    v.program.as_ref(),
                    &v.config,
                    asp,
                    &v.stragglers,
                    prepared.seed,
                    on_clock,
                )?,
            };
            Ok(VariantOutcome { name: v.name.clone(), run })
        })
        .collect()
}

/// Total clocks all variants will run (for progress display).
pub fn total_clocks(prepared: &Prepared) -> u64 {
    prepared.variants.iter().map(|v| v.config.clocks).sum()
}

/// The report of a finished run; with `faults`, each variant's [`ps_fault_report`] and its convergence on the
/// job's wall clock.
pub fn report(prepared: &Prepared, outcomes: &[VariantOutcome]) -> reports::RunReport {
    let target = prepared.file.target_objective;
    let objective_name = prepared.variants.first().map(|v| v.program.objective_name()).unwrap_or_default();
    let variants = outcomes
        .iter()
        .zip(&prepared.variants)
        .enumerate()
        .map(|(i, (o, v))| {
            let mut report = variant_report(o, v, target);
            if let Some(f) = &prepared.file.faults {
                let (faults, convergence) = ps_fault_report(f, prepared.seed, i, v, &o.run, target);
                report.faults = Some(faults);
                report.convergence = convergence;
            }
            report
        })
        .collect();
    reports::RunReport {
        scenario: prepared.file.name.clone(),
        seed: prepared.seed,
        objective_name,
        target_objective: target,
        variants,
    }
}

/// Bytes that crossed links between sites, and the price of every link's bytes [USD], given the
/// bytes each link carried.
pub(crate) fn wan_traffic(platform: &Platform, link_bytes: &[u64]) -> (u64, f64) {
    let (mut wan_bytes, mut wan_cost) = (0u64, 0.0f64);
    for (l, &b) in link_bytes.iter().enumerate() {
        let link = &platform.links[l];
        if platform.nodes[link.src.index()].site != platform.nodes[link.dst.index()].site {
            wan_bytes += b;
        }
        wan_cost += b as f64 * link.price_per_gb / 1e9;
    }
    (wan_bytes, wan_cost)
}

fn variant_report(o: &VariantOutcome, v: &PreparedVariant, target: Option<f64>) -> reports::VariantReport {
    let run = &o.run;
    let (wan_bytes, wan_cost) = wan_traffic(&v.platform, &run.link_bytes);
    let secs = |f: &dyn Fn(&ps::WorkerClock) -> u64| run.worker_clocks.iter().map(f).sum::<u64>() as f64 / 1e12;
    let objective_after = |clock: u64| {
        run.convergence.binary_search_by_key(&(clock + 1), |p| p.clock).ok().map(|i| run.convergence[i].objective)
    };
    // Buckets 0..=max staleness (none without reads).
    let staleness_buckets = run.staleness_histogram.iter().rposition(|&n| n > 0).map_or(0, |k| k + 1);
    let summary = reports::VariantSummary {
        final_objective: run.convergence.last().map_or(f64::NAN, |p| p.objective),
        sim_time_s: run.end_time.as_secs_f64(),
        clocks: v.config.clocks,
        workers: v.program.workers() as u32,
        bytes_sent: run.bytes_sent,
        wan_bytes,
        wan_cost_usd: wan_cost,
        compute_s: secs(&|c| c.compute.0),
        communication_s: secs(&|c| c.communication.0),
        waiting_s: secs(&|c| c.waiting.0),
        reads: run.reads,
        staleness_mean: run.staleness_mean(),
        staleness_variance: run.staleness_variance(),
        staleness_max: run.staleness_max(),
        staleness_histogram: run.staleness_histogram[..staleness_buckets].to_vec(),
        staleness_violations: run.staleness_violations,
        rows_pushed: run.rows_pushed,
        time_to_target_s: target
            .and_then(|t| run.convergence.iter().find(|p| p.objective <= t))
            .map(|p| p.time.as_secs_f64()),
        events: run.events,
        asp: match (&run.asp, &v.layout) {
            (Some(a), Layout::Gaia { asp, .. }) => Some(reports::AspSummary {
                threshold: asp.threshold,
                checked: a.checked,
                significant: a.significant,
                significant_share: a.significant_share(),
                mirror_bytes: a.mirror_bytes,
                barrier_held_reads: a.barrier_held_reads,
                max_mirror_lead: a.max_mirror_lead,
            }),
            _ => None,
        },
        strads: None,
    };
    reports::VariantReport {
        name: o.name.clone(),
        summary,
        convergence: run
            .convergence
            .iter()
            .map(|p| reports::ConvergencePoint {
                clock: p.clock,
                sim_time_s: p.time.as_secs_f64(),
                objective: p.objective,
            })
            .collect(),
        rounds: Vec::new(),
        worker_clocks: run
            .worker_clocks
            .iter()
            .map(|c| reports::WorkerClockRecord {
                worker: c.worker,
                clock: c.clock,
                sim_time_s: c.finished.as_secs_f64(),
                objective: objective_after(c.clock),
                bytes: c.bytes,
                compute_s: c.compute.as_secs_f64(),
                communication_s: c.communication.as_secs_f64(),
                wait_s: c.waiting.as_secs_f64(),
            })
            .collect(),
        faults: None,
    }
}

/// What one checkpoint of variant `v` costs to write (and to read back on a restart) under `f`: its `cost`,
/// or the largest shard plus the largest worker-local state ([`CheckpointSize`]) at its `bandwidth`, as if
/// both shared one host's storage (colocated placement; an upper bound for dedicated hosts). Returns the
/// bytes counted and the time.
pub fn checkpoint_cost(f: &crate::scenario::FaultSpec, v: &PreparedVariant) -> (u64, SimDuration) {
    let (shards, gaia) = match &v.layout {
        Layout::Single(d) => (d.servers.len(), false),
        Layout::Gaia { data_centers, .. } => (data_centers[0].servers.len(), true),
    };
    let size = CheckpointSize::of(v.program.as_ref(), &v.config, shards, gaia);
    let bytes = size.shard_bytes + size.worker_bytes;
    let cost = match f.checkpoint.as_ref().map(|c| (c.cost, c.bandwidth)) {
        Some((Some(c), _)) => c.0,
        Some((None, Some(b))) => transfer_time(bytes, b.0),
        _ => SimDuration::ZERO,
    };
    (bytes, cost)
}

/// Variant `index`'s whole run through the failures of `f` (given ones, in time order, and with `mtbf_hours`
/// a Poisson process over its worker hosts, seeded by `seed` and the variant's index), and its objective on
/// the job's wall clock.
///
/// Steps are clocks: clock `c` takes `run.step_end[c] − run.step_end[c − 1]`, from every update of the clocks
/// before it at its shard to every update of it, in `run` (the failure-free run, drained at every
/// checkpoint); checkpoints cost [`checkpoint_cost`], and a restart `restart` plus reading the checkpoint back
/// (as long). A rolled-back clock is replayed exactly: same data, same draws, same updates and time as its
/// first execution (the programs draw from streams keyed by worker and clock, and the servers and workers
/// restart from a consistent snapshot), so the objective recorded after each clock of `run` holds after every
/// execution of it. The wall-clock convergence has a point after each completed execution of a clock whose
/// objective `run` recorded, and at each failure and each completed restart the objective of the checkpoint
/// the job resumes from: the curve climbs back at a failure, then repeats its descent.
///
/// # Panics
/// If `run` lacks the objective of a checkpoint clock (the runtime records every one).
pub fn ps_fault_report(
    f: &crate::scenario::FaultSpec,
    seed: u64,
    index: usize,
    v: &PreparedVariant,
    run: &PsRun,
    target: Option<f64>,
) -> (reports::PsFaultReport, Vec<reports::ConvergencePoint>) {
    let clocks = v.config.clocks;
    let every = f.checkpoint.as_ref().map_or(0, |c| c.every);
    let (checkpoint_bytes, cost) = checkpoint_cost(f, v);
    let restart = SimDuration(f.restart.map_or(0, |r| r.0 .0).saturating_add(cost.0));
    let policy = CheckpointPolicy { every, cost, restart };
    // Given failures in time order (stable: declaration order among equal times), then drawn ones merged in.
    let mut given: Vec<(SimTime, Option<String>)> =
        f.failures.iter().map(|x| (SimTime(x.at.0 .0), Some(x.device.clone()))).collect();
    given.sort_by_key(|g| g.0);
    let workers = v.layout.workers().len() as u64;
    let drawn: Box<dyn Iterator<Item = (SimTime, Option<String>)>> = match f.mtbf_hours {
        Some(h) => Box::new(poisson_failures(seed, index as u32, h * 3600.0, workers).map(|t| (t, None))),
        None => Box::new(std::iter::empty()),
    };
    // The timeline draws failures in order and records each one it draws but the last: the k-th record is the
    // k-th failure drawn.
    let mut devices: Vec<Option<String>> = Vec::new();
    let step_end = &run.step_end;
    let mut step_time = |c: u64, _: SimTime| {
        let c = c as usize;
        step_end[c].since(if c == 0 { SimTime::ZERO } else { step_end[c - 1] })
    };
    let course = {
        let mut failures = merge_ascending(given.into_iter(), drawn).map(|(t, d)| {
            devices.push(d);
            t
        });
        timeline(clocks, &mut step_time, policy, &mut failures)
    };
    let secs = |d: SimDuration| d.as_secs_f64();
    let failure_free = step_end.last().copied().unwrap_or(SimTime::ZERO);
    let base = reports::PsFaultReport {
        clocks,
        checkpoint_every: every,
        checkpoint_bytes,
        checkpoint_s: secs(cost),
        restart_s: secs(restart),
        failure_free_s: failure_free.as_secs_f64(),
        job_time_s: None,
        useful_s: 0.0,
        checkpoint_overhead_s: 0.0,
        lost_work_s: 0.0,
        restarting_s: 0.0,
        goodput: 0.0,
        time_to_target_s: None,
        replay: "exact".into(),
        failures: Vec::new(),
        progress: Vec::new(),
        never_completes: None,
    };
    let t = match course {
        Err(e) => return (reports::PsFaultReport { never_completes: Some(e.to_string()), ..base }, Vec::new()),
        Ok(t) => t,
    };
    let convergence = wall_clock_convergence(&t, &run.convergence);
    let report = reports::PsFaultReport {
        job_time_s: Some(t.end.as_secs_f64()),
        useful_s: secs(t.useful),
        checkpoint_overhead_s: secs(t.checkpoint_time),
        lost_work_s: secs(t.lost_work),
        restarting_s: secs(t.restart_time),
        goodput: if t.end.0 == 0 { 1.0 } else { t.useful.0 as f64 / t.end.0 as f64 },
        time_to_target_s: target
            .and_then(|goal| convergence.iter().find(|p| p.objective <= goal))
            .map(|p| p.sim_time_s),
        failures: t
            .failures
            .iter()
            .zip(devices)
            .map(|(r, device)| reports::PsFailureReport {
                at_s: r.at.as_secs_f64(),
                device,
                during: r.during.label("clock").into(),
                clocks_done: r.steps_done,
                resumed_from: r.resumed_from,
                lost_work_s: secs(r.lost_work),
                time_to_recover_s: r.caught_up_at.map(|a| a.since(r.at).as_secs_f64()),
            })
            .collect(),
        progress: t.progress.iter().map(|&(at, n)| (at.as_secs_f64(), n)).collect(),
        ..base
    };
    (report, convergence)
}

/// The objective over the job's wall clock (see [`ps_fault_report`]): `points` (the run's, by clock) placed
/// after every execution of their clock in `t`, and the resumed checkpoint's objective at each failure and
/// completed restart (after, at a failure, the objective of the clocks it found done, when recorded).
fn wall_clock_convergence(
    t: &sim_core::faults::Timeline,
    points: &[ps::ObjectivePoint],
) -> Vec<reports::ConvergencePoint> {
    let objective = |c: u64| points.binary_search_by_key(&c, |p| p.clock).ok().map(|i| points[i].objective);
    let at = |c: u64, time: SimTime, objective: f64| reports::ConvergencePoint {
        clock: c,
        sim_time_s: time.as_secs_f64(),
        objective,
    };
    let checkpoint = |c: u64| objective(c).expect("the runtime records the objective at every checkpoint clock");
    let mut out = vec![at(0, SimTime::ZERO, checkpoint(0))];
    let mut resumed = 0;
    for s in &t.spans {
        match (s.phase, s.failure) {
            (Phase::Step(c), None) => out.extend(objective(c + 1).map(|o| at(c + 1, s.end, o))),
            (_, Some(k)) => {
                let r = t.failures[k];
                if !matches!(s.phase, Phase::Restart) {
                    out.extend(objective(r.steps_done).map(|o| at(r.steps_done, s.end, o)));
                }
                resumed = r.resumed_from;
                out.push(at(resumed, s.end, checkpoint(resumed)));
            }
            (Phase::Restart, None) => out.push(at(resumed, s.end, checkpoint(resumed))),
            (Phase::Checkpoint(_), None) => {}
        }
    }
    out
}

/// Two ascending sequences of labelled times as one, ascending (`a` first among equal times).
fn merge_ascending<'a, T: 'a>(
    a: impl Iterator<Item = (SimTime, T)> + 'a,
    b: impl Iterator<Item = (SimTime, T)> + 'a,
) -> impl Iterator<Item = (SimTime, T)> + 'a {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
        (_, Some(_)) => b.next(),
        _ => a.next(),
    })
}
