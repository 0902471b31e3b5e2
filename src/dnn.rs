//! DNN training scenarios: a `Dnn` workload under a `Training` runtime. Each variant is one
//! training iteration of a model (from the zoo, a Hugging Face config or an ASTRA-sim workload)
//! split over a platform's GPUs, simulated by `sim_core::training::run_iteration`.
//!
//! [`prepare`] builds every variant's job, split and platform and checks them without simulating
//! (`sim_core::training::check_iteration`): a split that does not fit in a GPU's memory, a batch
//! that does not divide, too few GPUs are scenario errors naming the file, line and field.
//! [`execute`] runs the variants in parallel with rayon, collected in declaration order, so the
//! outputs are byte-identical whatever the thread count. [`report`] and [`trace`] turn the runs
//! into a [`reports::DnnReport`] and a Perfetto trace.
//!
//! **Energy** of an iteration: each GPU draws its busy power (the catalogue GPU's TDP, or the
//! host's `power_watts`) while it computes, nothing otherwise, plus `link_energy_pj_per_bit` for
//! every bit each link carries (optical I/O chiplets: the catalogue's mean transmit + receive
//! energy per bit and per link crossed, so a bit relayed through a GPU pays twice).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use reports::{
    DnnReport, DnnVariantReport, FailureReport, FaultReport, LinkEventReport, MemoryBreakdown, SpanCategory, TraceSpan,
    TraceTrack,
};
use sim_core::collective::AllReduceAlgorithm;
use sim_core::faults::{poisson_failures, timeline, CheckpointPolicy};
use sim_core::time::transfer_time;
use sim_core::training::{
    check_iteration, run_iteration, Parallelism, PipelineSchedule, Recomputation, SpanKind, TensorParallelComm,
    TrainingConfig, TrainingError, TrainingJob, TrainingRun, ZeroStage,
};
use sim_core::{NetworkModel, NodeId, PathSelection, Platform, SimDuration, SimTime};
use workloads::dnn::astra::{builtin_workload, AstraDegrees, AstraWorkload};
use workloads::dnn::{self, TransformerConfig, ZooModel};

use crate::run::{nth_variant_field, platform_of};
use crate::scenario::{
    line_col, locate, locate_in_list_offset, locate_offset, AllReduceFile, FaultSpec, PlacementSearchSpec,
    PlatformSpec, RecomputeSpec, RuntimeSpec, ScenarioError, ScenarioFile, ScheduleSpec, SplitSpec,
    TensorParallelCommSpec, TopologySpec, VariantSpec, WorkloadSpec, ZeroSpec,
};

/// Variants with more GPUs than this get no trace unless the runtime asks for one (`trace: true`):
/// a trace holds several spans per layer, micro-batch and GPU.
pub const TRACE_MAX_GPUS: u64 = 256;

/// Largest split accepted [GPUs]: beyond any platform the builders make.
pub const MAX_GPUS: u64 = 1 << 20;

/// Most micro-batches per pipeline accepted in one iteration: the executor keeps per-micro-batch
/// state for each replica.
pub const MAX_MICRO_BATCHES: u64 = 1 << 20;

/// A DNN training scenario ready to run.
pub struct PreparedDnn {
    /// The scenario as parsed.
    pub file: ScenarioFile,
    /// The seed in force (recorded; the executor draws no random numbers).
    pub seed: u64,
    /// The variants, in declaration order.
    pub variants: Vec<DnnVariantPlan>,
    /// The scenario's `placement` search settings, checked (budget and random samples ≥ 1, a
    /// non-empty list of micro-batch sizes ≥ 1); `None` if it has none. Only `clustersim place` and
    /// `clustersim regress` use them.
    pub placement: Option<PlacementSearchSpec>,
}

/// One variant: a job, its split and schedule, and the platform it runs on.
pub struct DnnVariantPlan {
    /// Label in reports.
    pub name: String,
    /// The training job (one global batch).
    pub job: TrainingJob,
    /// Split, schedule and options; `config.trace` says whether spans are collected, and
    /// `config.devices` holds the GPUs of a `devices` list (`None`: the platform's first hosts).
    pub config: TrainingConfig,
    /// The platform.
    pub platform: Arc<Platform>,
    /// How flows share links.
    pub network_model: NetworkModel,
    /// How routes pick among equal-cost paths.
    pub path_selection: PathSelection,
    /// Power of one GPU while it computes [W].
    pub gpu_power_watts: f64,
    /// Energy of one bit crossing one link [pJ/bit].
    pub link_energy_pj_per_bit: f64,
    /// The kind of platform, whatever its size (`"dgx-h100"`, `"optical 2D torus"`), which groups
    /// variants into the scaling plot's series.
    pub platform_kind: String,
    /// The platform's link states after each time of `faults.links` (ascending), on the job's wall
    /// clock; empty without link faults.
    pub link_states: Vec<LinkState>,
}

/// The links failed or degraded from a time of the job's wall clock on.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkState {
    /// When it starts [ps].
    pub at: SimTime,
    /// Indices into `faults.links` of the changes at that time.
    pub changes: Vec<usize>,
    /// Every link failed or degraded then, ascending by link (restored links are left out).
    pub faults: Vec<(sim_core::LinkId, sim_core::LinkFault)>,
}

/// One variant's run: its iteration on the platform as built, and on each of its link states.
#[derive(Clone, Debug)]
pub struct DnnRun {
    /// The iteration on the platform without faults.
    pub run: TrainingRun,
    /// The iteration time on each of the variant's [`DnnVariantPlan::link_states`], in order [ps].
    pub link_state_times: Vec<SimDuration>,
}

/// Checks a `Dnn` scenario and builds its variants. Files named by `hf_config` and `astra` are read
/// relative to the directory of `file_name`.
///
/// # Errors
/// A [`ScenarioError`] naming the field: a missing or conflicting model source, an unknown model,
/// an unreadable or malformed config or workload file, a runtime other than `Training`, settings of
/// other runtimes, platform errors, a `devices` list naming a node that is not a host of the
/// variant's platform, bad `placement` settings, and every error of `check_iteration` (too few GPUs,
/// a device list of the wrong length or with a duplicate, a batch that does not divide, a bad stage
/// split, a GPU whose memory cannot hold its share).
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
) -> Result<PreparedDnn, ScenarioError> {
    prepare_with(file, text, file_name, seed, true)
}

/// As [`prepare`], for the placement search: a split that does not fit in memory is not an error
/// here (the search looks for one that does, and names the smallest shortfall if none fits).
///
/// # Errors
/// As [`prepare`], except memory.
pub fn prepare_for_placement(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
) -> Result<PreparedDnn, ScenarioError> {
    prepare_with(file, text, file_name, seed, false)
}

fn prepare_with(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    seed: Option<u64>,
    check_memory: bool,
) -> Result<PreparedDnn, ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    let seed = seed.unwrap_or(file.seed);
    let WorkloadSpec::Dnn { model, hf_config, astra, global_batch, sequence } = file.workload.clone() else {
        unreachable!("planned only for Dnn workloads")
    };
    // The runtime's settings, which the variants start from.
    let Some(RuntimeSpec::Training {
        split: base_split,
        devices: base_devices,
        micro_batch: base_micro_batch,
        schedule: base_schedule,
        recompute: base_recompute,
        zero: base_zero,
        sequence_parallel: base_sequence_parallel,
        stage_layers: base_stage_layers,
        gradient_bucket,
        overlap_gradients,
        all_reduce,
        scatter_gather,
        tensor_parallel_comm,
        compute_efficiency,
        link_energy_pj_per_bit,
        trace,
    }) = file.runtime.clone()
    else {
        let m = if file.runtime.is_some() {
            "a Dnn workload runs on a Training runtime"
        } else {
            "required by the Dnn workload (a Training runtime)"
        };
        return Err(err("runtime", m.into()));
    };
    if file.deployment.is_some() {
        return Err(err(
            "deployment",
            "a Training runtime places its GPUs itself: the platform's first data × tensor × pipeline hosts, or \
             the hosts listed in runtime.Training.devices"
                .into(),
        ));
    }
    if let Some(p) = &file.placement {
        check_placement(p).map_err(|(f, m)| err(&format!("placement.{f}"), m))?;
        // Co-design rewires optical direct-connect fabrics: some variant must run on one (the others,
        // e.g. an electrical baseline, are placed without it).
        let optical = |s: &PlatformSpec| matches!(s.topology, TopologySpec::OpticalFabric { .. });
        let any_optical = if file.variants.is_empty() {
            optical(&file.platform)
        } else {
            file.variants.iter().any(|v| optical(v.platform.as_ref().unwrap_or(&file.platform)))
        };
        if p.co_design && !any_optical {
            return Err(err(
                "placement.co_design",
                "co-design chooses the circuits of an OpticalFabric platform, and no variant runs on one".into(),
            ));
        }
    }
    if file.stragglers != crate::scenario::StragglerSpec::None {
        return Err(err("stragglers", "not modelled for DNN training".into()));
    }
    if file.target_objective.is_some() {
        return Err(err("target_objective", "a DNN training run has no objective".into()));
    }
    let rt = "runtime.Training";
    if let Some(e) = compute_efficiency {
        if !(e > 0.0 && e <= 1.0) {
            return Err(err(&format!("{rt}.compute_efficiency"), format!("{e} is outside (0, 1]")));
        }
    }
    if let Some(e) = link_energy_pj_per_bit {
        if !(e.is_finite() && e >= 0.0) {
            return Err(err(&format!("{rt}.link_energy_pj_per_bit"), format!("{e} is not a finite energy ≥ 0")));
        }
    }
    let w = "workload.Dnn";
    let sources =
        [model.as_ref().map(|_| "model"), hf_config.as_ref().map(|_| "hf_config"), astra.as_ref().map(|_| "astra")];
    let given: Vec<&str> = sources.into_iter().flatten().collect();
    if given.len() != 1 {
        let at = given.get(1).map_or(w.to_string(), |f| format!("{w}.{f}"));
        let given = if given.is_empty() { "none".to_string() } else { given.join(", ") };
        return Err(err(&at, format!("give exactly one of model, hf_config and astra (given: {given})")));
    }
    let dir = Path::new(file_name).parent().unwrap_or(Path::new("."));
    let source = if let Some(name) = &model {
        Source::Zoo(zoo(name, sequence).map_err(|(f, m)| err(&format!("{w}.{f}"), m))?)
    } else if let Some(path) = &hf_config {
        let full = dir.join(path);
        let json = std::fs::read_to_string(&full)
            .map_err(|e| err(&format!("{w}.hf_config"), format!("cannot read {}: {e}", full.display())))?;
        let config =
            TransformerConfig::from_hf_json(path, &json).map_err(|e| err(&format!("{w}.hf_config"), e.to_string()))?;
        let config = match sequence {
            Some(s) => config.with_sequence(s).map_err(|e| err(&format!("{w}.sequence"), e.to_string()))?,
            None => config,
        };
        Source::Zoo(ZooModel::Transformer(config))
    } else {
        let name = astra.as_deref().expect("one source is given");
        // A file beside the scenario wins over a shipped one of the same name.
        let full = dir.join(name);
        let text = match (full.is_file(), builtin_workload(name)) {
            (false, Some(t)) => t.to_string(),
            _ => std::fs::read_to_string(&full).map_err(|e| {
                err(
                    &format!("{w}.astra"),
                    format!("{name} is not a shipped ASTRA-sim workload and cannot read {}: {e}", full.display()),
                )
            })?,
        };
        let workload = AstraWorkload::parse(name, &text).map_err(|e| err(&format!("{w}.astra"), e.to_string()))?;
        if global_batch.is_some() || sequence.is_some() {
            let f = if global_batch.is_some() { "global_batch" } else { "sequence" };
            return Err(err(
                &format!("{w}.{f}"),
                "an ASTRA-sim workload fixes one iteration of one NPU (one sample per data-parallel replica)".into(),
            ));
        }
        Source::Astra(workload)
    };
    if !matches!(source, Source::Astra(_)) && global_batch.is_none() {
        return Err(err(w, "global_batch is required (samples per iteration)".into()));
    }

    let specs = if file.variants.is_empty() {
        vec![VariantSpec::named(default_name(base_split))]
    } else {
        file.variants.clone()
    };
    let mut variants = Vec::new();
    let mut platforms: Vec<(Option<PlatformSpec>, Arc<Platform>)> = Vec::new();
    for (i, v) in specs.iter().enumerate() {
        let verr = |field: &str, m: String| ScenarioError {
            file: file_name.into(),
            position: if file.variants.is_empty() {
                locate(text, &format!("{rt}.{field}"))
            } else {
                nth_variant_field(text, i, field).or_else(|| locate(text, "variants"))
            },
            path: if file.variants.is_empty() { format!("{rt}.{field}") } else { format!("variants[{i}].{field}") },
            message: m,
        };
        // An error at a split field: the variant's if it overrides it, else the runtime's.
        let at = |field: &str, overridden: bool, m: String| {
            if overridden {
                verr(field, m)
            } else {
                err(&format!("{rt}.{field}"), m)
            }
        };
        if let Some(problem) = crate::scenario::variant_name_problem(&specs, i) {
            return Err(verr("name", problem));
        }
        let other = v
            .training_field()
            .or(v.strads_field())
            .or(v.collective.map(|_| "collective"))
            .or(v.ocs.as_ref().map(|_| "ocs"));
        if let Some(f) = other {
            return Err(verr(f, "not a Training setting".into()));
        }
        let split = v.split.unwrap_or(base_split);
        let micro_batch = v.micro_batch.unwrap_or(base_micro_batch);
        let gpus = u64::from(split.data)
            .checked_mul(u64::from(split.tensor))
            .and_then(|g| g.checked_mul(u64::from(split.pipeline)));
        if gpus.is_none_or(|g| g > MAX_GPUS) {
            return Err(at("split", v.split.is_some(), format!("more than {MAX_GPUS} GPUs")));
        }
        let batch = v.global_batch.or(global_batch);
        let job = match (&v.model, &source) {
            (Some(name), Source::Zoo(_)) => {
                zoo(name, sequence).map_err(|(_, m)| verr("model", m))?.job(batch.expect("checked"))
            }
            (Some(_), Source::Astra(_)) => {
                return Err(verr("model", "the scenario's model is an ASTRA-sim workload".into()));
            }
            (None, Source::Zoo(m)) => m.job(batch.expect("checked")),
            (None, Source::Astra(a)) => {
                if v.global_batch.is_some() {
                    return Err(verr("global_batch", "an ASTRA-sim workload fixes its batch".into()));
                }
                if split.pipeline != 1 || micro_batch != 1 {
                    let (f, o) = if split.pipeline != 1 {
                        ("split", v.split.is_some())
                    } else {
                        ("micro_batch", v.micro_batch.is_some())
                    };
                    let m = "an ASTRA-sim workload is one NPU's iteration: run it with pipeline: 1 and micro_batch: 1";
                    return Err(at(f, o, m.into()));
                }
                let degrees =
                    AstraDegrees { data_parallel: u64::from(split.data), tensor_parallel: u64::from(split.tensor) };
                a.job(degrees).map_err(|e| at("split", v.split.is_some(), e.to_string()))?
            }
        };
        let own = v.platform.is_some();
        let (platform_spec, prefix) = match &v.platform {
            Some(p) => (p, format!("variants[{i}].platform")),
            None => (&file.platform, "platform".to_string()),
        };
        // An error at a platform field: the variant's own platform, or the scenario's.
        let perr = |path: &str, m: String| {
            if own {
                verr(path.trim_start_matches(&format!("variants[{i}].")), m)
            } else {
                err(path, m)
            }
        };
        let platform = match platforms.iter().find(|(s, _)| s.as_ref() == v.platform.as_ref()) {
            Some((_, p)) => p.clone(),
            None => {
                let built = Arc::new(platform_of(platform_spec, &prefix, seed).map_err(|(path, m)| perr(&path, m))?);
                platforms.push((v.platform.clone(), built.clone()));
                built
            }
        };
        let mut config = TrainingConfig::new(
            Parallelism { data: split.data, tensor: split.tensor, pipeline: split.pipeline },
            micro_batch,
        );
        config.schedule = match v.schedule.unwrap_or(base_schedule) {
            ScheduleSpec::OneFOneB => PipelineSchedule::OneFOneB,
            ScheduleSpec::GPipe => PipelineSchedule::GPipe,
        };
        config.recomputation = match v.recompute.unwrap_or(base_recompute) {
            RecomputeSpec::None => Recomputation::None,
            RecomputeSpec::Selective => Recomputation::Selective,
            RecomputeSpec::Full => Recomputation::Full,
        };
        config.zero = match v.zero.unwrap_or(base_zero) {
            ZeroSpec::None => ZeroStage::None,
            ZeroSpec::Optimizer => ZeroStage::Optimizer,
            ZeroSpec::Full => ZeroStage::Full,
        };
        config.sequence_parallel = v.sequence_parallel.unwrap_or(base_sequence_parallel);
        config.stage_layers = v.stage_layers.clone().or_else(|| base_stage_layers.clone());
        if let Some(b) = gradient_bucket {
            config.bucket_bytes = b.0;
        }
        config.overlap_gradients = overlap_gradients;
        if let Some(a) = all_reduce {
            config.all_reduce = all_reduce_of(a);
        }
        config.scatter_gather = scatter_gather;
        config.tensor_parallel_comm = match tensor_parallel_comm {
            TensorParallelCommSpec::Isolated => TensorParallelComm::Isolated,
            TensorParallelCommSpec::Flows => TensorParallelComm::Flows,
        };
        config.compute_efficiency = compute_efficiency;
        config.trace = match trace {
            Some(t) => t,
            None => config.parallelism.devices() <= TRACE_MAX_GPUS,
        };
        // The device list: the variant's, else the runtime's, resolved on the variant's platform.
        let own_devices = v.devices.is_some();
        let devices = v.devices.as_ref().or(base_devices.as_ref());
        if let Some(names) = devices {
            config.devices = Some(resolve_devices(&platform, names).map_err(|(k, m)| {
                let field = format!("devices[{k}]");
                if own_devices {
                    ScenarioError {
                        file: file_name.into(),
                        position: list_item(text, locate_in_list_offset(text, "variants", i, "devices"), k)
                            .or_else(|| nth_variant_field(text, i, "devices")),
                        path: format!("variants[{i}].{field}"),
                        message: m,
                    }
                } else {
                    let m = if file.variants.is_empty() { m } else { format!("variant {:?}: {m}", v.name) };
                    ScenarioError {
                        file: file_name.into(),
                        position: list_item(text, locate_offset(text, &format!("{rt}.devices")), k)
                            .or_else(|| locate(text, &format!("{rt}.devices"))),
                        path: format!("{rt}.{field}"),
                        message: m,
                    }
                }
            })?);
        }
        let micro_batches = job.global_batch / (u64::from(split.data) * micro_batch).max(1);
        if micro_batches > MAX_MICRO_BATCHES {
            let m = format!("{micro_batches} micro-batches per pipeline; at most {MAX_MICRO_BATCHES} are simulated");
            return Err(at("micro_batch", v.micro_batch.is_some(), m));
        }
        let checked = match check_iteration(&platform, &job, &config) {
            Err(TrainingError::OutOfMemory { .. }) if !check_memory => Ok(()),
            r => r,
        };
        checked.map_err(|e| {
            let m = check_message(&e, devices.is_some());
            // With several variants, say which one failed even where the runtime's field is at fault.
            let m = if file.variants.is_empty() { m } else { format!("variant {:?}: {m}", v.name) };
            match &e {
                TrainingError::ZeroMicroBatch => at("micro_batch", v.micro_batch.is_some(), m),
                TrainingError::DeviceCount { .. }
                | TrainingError::DuplicateDevice { .. }
                | TrainingError::NotADevice { .. }
                    if devices.is_some() =>
                {
                    at("devices", own_devices, m)
                }
                TrainingError::StageLayers { .. } if v.stage_layers.is_some() || base_stage_layers.is_some() => {
                    at("stage_layers", v.stage_layers.is_some(), m)
                }
                TrainingError::Batch { .. } if v.global_batch.is_some() => verr("global_batch", m),
                TrainingError::Batch { .. } if v.split.is_none() && v.micro_batch.is_none() => {
                    err(&format!("{w}.global_batch"), m)
                }
                TrainingError::Batch { .. } if v.split.is_none() => verr("micro_batch", m),
                _ => at("split", v.split.is_some(), m),
            }
        })?;
        let gpu_power_watts = gpu_power(platform_spec).map_err(|(f, m)| perr(&format!("{prefix}.{f}"), m))?;
        variants.push(DnnVariantPlan {
            name: v.name.clone(),
            job,
            config,
            platform,
            network_model: crate::run::network_model_of(platform_spec),
            path_selection: crate::run::path_selection_of(platform_spec),
            gpu_power_watts,
            link_energy_pj_per_bit: link_energy_pj_per_bit.unwrap_or_else(|| optical_energy(platform_spec)),
            platform_kind: platform_kind(&platform_spec.topology),
            link_states: Vec::new(),
        });
    }
    if let Some(f) = &file.faults {
        check_faults(f, &variants, text, file_name)?;
        for v in &mut variants {
            v.link_states = link_states(&crate::faults::resolve_link_faults(f, &v.platform, text, file_name)?);
        }
    }
    let placement = file.placement.clone();
    Ok(PreparedDnn { file, seed, variants, placement })
}

/// Checks `faults` against the variants: a job of at least one iteration, exactly one checkpoint cost, a
/// positive MTBF, and failing devices that every variant's job runs on.
fn check_faults(f: &FaultSpec, variants: &[DnnVariantPlan], text: &str, file_name: &str) -> Result<(), ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    match f.iterations {
        None => {
            let m = "a Dnn job's faults need its length: iterations: N (at least 1)";
            return Err(err("faults", m.into()));
        }
        Some(0) => return Err(err("faults.iterations", "a job has at least 1 iteration".into())),
        Some(_) => {}
    }
    crate::run::check_fault_common(f, text, file_name)?;
    for (k, failure) in f.failures.iter().enumerate() {
        let at = ScenarioError {
            file: file_name.into(),
            position: crate::scenario::locate_in_list(text, "faults.failures", k, "device"),
            path: format!("faults.failures[{k}].device"),
            message: String::new(),
        };
        for v in variants {
            let used = training_devices(v);
            let found = resolve_devices(&v.platform, std::slice::from_ref(&failure.device));
            match found {
                Ok(ids) if used.contains(&ids[0]) => {}
                Ok(_) => {
                    let m = format!("variant {:?} does not run on {:?}", v.name, failure.device);
                    return Err(ScenarioError { message: m, ..at });
                }
                Err((_, m)) => return Err(ScenarioError { message: format!("variant {:?}: {m}", v.name), ..at }),
            }
        }
    }
    Ok(())
}

/// The cumulative link states of `events` (in `faults.links` order, several links per entry): one per
/// distinct time, ascending.
fn link_states(events: &[crate::faults::LinkFaultEvent]) -> Vec<LinkState> {
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.at); // stable: entries at one time apply in the order given
    let mut now = std::collections::BTreeMap::new();
    let mut out: Vec<LinkState> = Vec::new();
    for e in events {
        match e.fault {
            sim_core::LinkFault::Restore => now.remove(&e.link),
            f => now.insert(e.link, f),
        };
        let faults = now.iter().map(|(&l, &f)| (l, f)).collect();
        match out.last_mut() {
            Some(last) if last.at == e.at => {
                last.faults = faults;
                if last.changes.last() != Some(&e.entry) {
                    last.changes.push(e.entry);
                }
            }
            _ => out.push(LinkState { at: e.at, changes: vec![e.entry], faults }),
        }
    }
    out
}

/// The GPUs a variant's job runs on: its device list, else the platform's first hosts.
fn training_devices(v: &DnnVariantPlan) -> Vec<NodeId> {
    let gpus = v.config.parallelism.devices() as usize;
    v.config.devices.clone().unwrap_or_else(|| v.platform.hosts().into_iter().take(gpus).collect())
}

/// The course of variant `index`'s whole job through the scenario's failures, with one iteration taking
/// `iteration` [ps] (or, from each of `link_states` on, that state's time) and a checkpoint its cost or, at
/// the checkpoint bandwidth, the most loaded GPU's weights and optimizer state (read back as long on a
/// restart).
fn fault_report(
    f: &FaultSpec,
    seed: u64,
    index: usize,
    gpus: u64,
    iteration: SimDuration,
    report: &DnnVariantReport,
    link_states: &[(&LinkState, SimDuration)],
) -> FaultReport {
    // An iteration runs on the link state in force when it starts.
    let mut step_time =
        |_, t: SimTime| link_states.iter().rev().find(|(s, _)| s.at <= t).map_or(iteration, |&(_, d)| d);
    let every = f.checkpoint.as_ref().map_or(0, |c| c.every);
    let cost = match f.checkpoint.as_ref().map(|c| (c.cost, c.bandwidth)) {
        Some((Some(c), _)) => c.0,
        Some((None, Some(b))) => transfer_time(report.memory.weights_bytes + report.memory.optimizer_bytes, b.0),
        _ => SimDuration::ZERO,
    };
    let restart = SimDuration(f.restart.map_or(0, |r| r.0 .0).saturating_add(cost.0));
    let policy = CheckpointPolicy { every, cost, restart };
    let iterations = f.iterations.unwrap_or(0);
    let mut given: Vec<SimTime> = f.failures.iter().map(|x| SimTime(x.at.0 .0)).collect();
    given.sort_unstable();
    let drawn: Box<dyn Iterator<Item = SimTime>> = match f.mtbf_hours {
        Some(h) => Box::new(poisson_failures(seed, index as u32, h * 3600.0, gpus)),
        None => Box::new(std::iter::empty()),
    };
    let mut failures = merge_ascending(given.into_iter(), drawn);
    let secs = |d: SimDuration| d.as_secs_f64();
    let failure_free_s = iterations as f64 * secs(iteration);
    let base = FaultReport {
        iterations,
        checkpoint_every: every,
        checkpoint_s: secs(cost),
        restart_s: secs(restart),
        failure_free_s,
        job_time_s: None,
        useful_s: 0.0,
        checkpoint_overhead_s: 0.0,
        lost_work_s: 0.0,
        restarting_s: 0.0,
        goodput: 0.0,
        failures: Vec::new(),
        progress: Vec::new(),
        never_completes: None,
        link_events: Vec::new(),
    };
    let link_events = link_states
        .iter()
        .map(|(s, d)| LinkEventReport {
            at_s: s.at.as_secs_f64(),
            changes: s
                .changes
                .iter()
                .map(|&k| {
                    let l = &f.links[k];
                    let event = match l.event {
                        crate::scenario::LinkEventSpec::Fail => "fails".to_string(),
                        crate::scenario::LinkEventSpec::Degrade(x) => format!("runs at {x} of its bandwidth"),
                        crate::scenario::LinkEventSpec::Restore => "is restored".to_string(),
                    };
                    format!("{}–{} {event}", l.between.0, l.between.1)
                })
                .collect(),
            iteration_time_s: d.as_secs_f64(),
        })
        .collect();
    let base = FaultReport { link_events, ..base };
    match timeline(iterations, &mut step_time, policy, &mut failures) {
        Err(e) => FaultReport { never_completes: Some(e.to_string()), ..base },
        Ok(t) => FaultReport {
            job_time_s: Some(t.end.as_secs_f64()),
            useful_s: secs(t.useful),
            checkpoint_overhead_s: secs(t.checkpoint_time),
            lost_work_s: secs(t.lost_work),
            restarting_s: secs(t.restart_time),
            goodput: if t.end.0 == 0 { 1.0 } else { t.useful.0 as f64 / t.end.0 as f64 },
            failures: t
                .failures
                .iter()
                .map(|r| FailureReport {
                    at_s: r.at.as_secs_f64(),
                    during: r.during.label("iteration").into(),
                    iterations_done: r.steps_done,
                    resumed_from: r.resumed_from,
                    lost_work_s: secs(r.lost_work),
                    time_to_recover_s: r.recovered_at.map(|a| a.since(r.at).as_secs_f64()),
                })
                .collect(),
            progress: t.progress.iter().map(|&(at, n)| (at.as_secs_f64(), n)).collect(),
            ..base
        },
    }
}

/// Two ascending sequences of times as one, ascending.
fn merge_ascending<'a>(
    a: impl Iterator<Item = SimTime> + 'a,
    b: impl Iterator<Item = SimTime> + 'a,
) -> impl Iterator<Item = SimTime> + 'a {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x <= y => a.next(),
        (_, Some(_)) => b.next(),
        _ => a.next(),
    })
}

/// Checks `placement` search settings; an error is (field, message).
fn check_placement(p: &PlacementSearchSpec) -> Result<(), (&'static str, String)> {
    if p.budget == 0 {
        return Err(("budget", "must be at least 1 simulator evaluation".into()));
    }
    if p.random_samples == 0 {
        return Err(("random_samples", "must be at least 1".into()));
    }
    match p.micro_batches.as_deref() {
        Some([]) => Err(("micro_batches", "give at least one micro-batch size (or leave it out)".into())),
        Some(sizes) => match sizes.iter().position(|&b| b == 0) {
            Some(k) => Err(("micro_batches", format!("entry {k} is 0; micro-batch sizes must be at least 1"))),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// The hosts of `platform` called `names`, in order; an error is (index in `names`, message) for a
/// name that is not a node of the platform or is a switch. Counts and duplicates are left to
/// `check_iteration`.
fn resolve_devices(platform: &Platform, names: &[String]) -> Result<Vec<NodeId>, (usize, String)> {
    names
        .iter()
        .enumerate()
        .map(|(k, name)| match platform.node_by_name(name) {
            Some(n) if platform.is_host(n) => Ok(n),
            found => {
                let hosts = platform.hosts();
                let shown: Vec<&str> = hosts.iter().take(4).map(|&h| platform.nodes[h.index()].name.as_str()).collect();
                let more =
                    if hosts.len() > shown.len() { format!(", … ({} in all)", hosts.len()) } else { String::new() };
                let what = if found.is_some() { "is a switch, not a GPU" } else { "is not a node of the platform" };
                Err((k, format!("{name:?} {what} (hosts: {}{more})", shown.join(", "))))
            }
        })
        .collect()
}

/// 1-based (line, column) of the `k`-th element (from 0) of the list written after the field name
/// at byte `field` of `text` (`devices: ["a", "b"]`), if found.
fn list_item(text: &str, field: Option<usize>, k: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = field?;
    while bytes.get(i) != Some(&b'[') {
        if matches!(bytes.get(i), None | Some(b',' | b')' | b']')) {
            return None;
        }
        i += 1;
    }
    // Depth inside the list, elements seen, and whether the next token starts an element.
    let (mut depth, mut seen, mut at_start) = (0i32, 0usize, false);
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if at_start && depth == 1 && c != b']' {
            if seen == k {
                return Some(line_col(text, i));
            }
            at_start = false;
        }
        match c {
            b'[' | b'(' | b'{' => {
                depth += 1;
                at_start = depth == 1;
            }
            b']' | b')' | b'}' => {
                depth -= 1;
                if depth <= 0 {
                    return None;
                }
            }
            b',' if depth == 1 => {
                seen += 1;
                at_start = true;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where the model comes from.
enum Source {
    Zoo(ZooModel),
    Astra(AstraWorkload),
}

/// The zoo model `name`, at `sequence` tokens if given (transformers only); an error (the field
/// at fault, `"model"` or `"sequence"`, and a message).
fn zoo(name: &str, sequence: Option<u64>) -> Result<ZooModel, (&'static str, String)> {
    let model = dnn::model(name).map_err(|e| ("model", e.to_string()))?;
    match (model, sequence) {
        (m, None) => Ok(m),
        (ZooModel::Transformer(c), Some(s)) => {
            c.with_sequence(s).map(ZooModel::Transformer).map_err(|e| ("sequence", e.to_string()))
        }
        (m, Some(_)) => Err(("sequence", format!("{} is not a transformer: it has no sequence length", m.name()))),
    }
}

/// A split's label, for the single variant of a scenario without variants.
fn default_name(s: SplitSpec) -> String {
    format!("dp{} tp{} pp{}", s.data, s.tensor, s.pipeline)
}

fn all_reduce_of(a: AllReduceFile) -> AllReduceAlgorithm {
    match a {
        AllReduceFile::Ring => AllReduceAlgorithm::Ring,
        AllReduceFile::DoubleBinaryTree => AllReduceAlgorithm::DoubleBinaryTree,
        AllReduceFile::HalvingDoubling => AllReduceAlgorithm::HalvingDoubling,
        AllReduceFile::Hierarchical { group_size } => {
            AllReduceAlgorithm::Hierarchical { group_size: group_size as usize }
        }
    }
}

/// The message of a failed `check_iteration`, in the scenario's terms (`listed`: the GPUs come from
/// a `devices` list); out-of-memory lists what the GPU would hold.
fn check_message(e: &TrainingError, listed: bool) -> String {
    match e {
        TrainingError::OutOfMemory { device, rank, need, capacity, memory } => format!(
            "does not fit: GPU {device} (rank {rank}) needs {} but holds {} (weights {}, gradients {}, optimizer {}, \
             activations {}, buffers {}); use more tensor or pipeline parallelism, ZeRO, or recomputation",
            gib(*need),
            gib(*capacity),
            gib(memory.weights),
            gib(memory.gradients),
            gib(memory.optimizer),
            gib(memory.activations),
            gib(memory.buffers)
        ),
        TrainingError::DeviceCount { need, have } if listed => {
            format!("the split needs {need} GPUs (data × tensor × pipeline) but devices lists {have}")
        }
        TrainingError::DeviceCount { need, have } => {
            format!("the split needs {need} GPUs (data × tensor × pipeline) but the platform has {have}")
        }
        other => other.to_string(),
    }
}

/// Bytes as GiB with two decimals.
fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Busy power of one GPU of `spec` [W]: `host.power_watts`, else the catalogue GPU's TDP (the
/// host's `gpu`, or the DGX node's); an error (field, message) if neither is known.
fn gpu_power(spec: &PlatformSpec) -> Result<f64, (String, String)> {
    if let Some(w) = spec.host.power_watts {
        return if w.is_finite() && w >= 0.0 {
            Ok(w)
        } else {
            Err(("host.power_watts".into(), format!("{w} is not a finite power ≥ 0")))
        };
    }
    let gpu = match (&spec.host.gpu, &spec.topology) {
        (Some(name), _) => topologies::catalogue::gpu(name),
        (None, TopologySpec::DgxNode { node } | TopologySpec::DgxCluster { node, .. }) => {
            topologies::catalogue::node(node).map(|n| n.gpu)
        }
        _ => None,
    };
    gpu.map(|g| f64::from(g.tdp_watts)).ok_or_else(|| {
        (
            "host.power_watts".into(),
            "required for DNN training energy unless the host names a catalogue GPU (gpu: \"a100-sxm4-80gb\")".into(),
        )
    })
}

/// The kind of a topology, whatever its size.
fn platform_kind(t: &TopologySpec) -> String {
    use crate::scenario::FabricShapeFile;
    match t {
        TopologySpec::Star { .. } => "star".into(),
        TopologySpec::FatTree { .. } => "leaf/spine".into(),
        TopologySpec::KaryFatTree { .. } => "k-ary fat-tree".into(),
        TopologySpec::DgxNode { node } | TopologySpec::DgxCluster { node, .. } => node.clone(),
        TopologySpec::OpticalFabric { shape, .. } => match shape {
            FabricShapeFile::Ring { .. } => "optical ring".into(),
            FabricShapeFile::Torus2d { .. } => "optical 2D torus".into(),
            FabricShapeFile::Torus3d { .. } => "optical 3D torus".into(),
            FabricShapeFile::Permutations { degree, .. } => format!("optical degree-{degree} fabric"),
            FabricShapeFile::Circuits { .. } => "optical circuits".into(),
        },
        TopologySpec::CircuitSwitched { .. } => "optical circuit switch".into(),
        TopologySpec::MultiDatacenter { .. } => "multi-datacenter".into(),
        TopologySpec::TopologyZoo { graph, .. } => graph.clone(),
    }
}

/// Default link energy [pJ/bit]: the mean of the catalogue chiplet's reported range on optical
/// fabrics, 0 elsewhere (`CircuitSwitched` platforms do not reach DNN training: `platform_of`
/// refuses them outside `CollectivePhases`).
fn optical_energy(spec: &PlatformSpec) -> f64 {
    match &spec.topology {
        TopologySpec::OpticalFabric { chiplet, .. } => topologies::catalogue::optical_chiplet(chiplet)
            .map_or(0.0, |c| (c.energy_pj_per_bit_min + c.energy_pj_per_bit_max) / 2.0),
        _ => 0.0,
    }
}

/// Runs every variant (in parallel; results in declaration order): its iteration, then one iteration
/// on each of its link states (failed and degraded links; no trace, no traffic matrix).
///
/// # Errors
/// The first variant's error in declaration order (a collective that cannot be routed, a flow left
/// without a route by failed links): the variant's name, with the link state's time and
/// `faults.links` entries when the error comes from one, and the error.
pub fn execute(prepared: &PreparedDnn) -> Result<Vec<DnnRun>, (String, TrainingError)> {
    prepared
        .variants
        .par_iter()
        .map(|v| {
            let run = run_iteration(&v.platform, &v.job, &v.config, v.network_model, v.path_selection)
                .map_err(|e| (v.name.clone(), e))?;
            let mut link_state_times = Vec::with_capacity(v.link_states.len());
            for state in &v.link_states {
                if state.faults.is_empty() {
                    link_state_times.push(run.iteration_time);
                    continue;
                }
                let config = TrainingConfig {
                    trace: false,
                    traffic_matrix: false,
                    link_faults: state.faults.clone(),
                    ..v.config.clone()
                };
                let entries = state.changes.iter().map(|k| format!("faults.links[{k}]")).collect::<Vec<_>>();
                let on_state = |e| {
                    let at = format!(
                        "{} after {} at {:.3} s of the job",
                        v.name,
                        entries.join(", "),
                        state.at.as_secs_f64()
                    );
                    (at, e)
                };
                let r =
                    run_iteration(&v.platform, &v.job, &config, v.network_model, v.path_selection).map_err(on_state)?;
                link_state_times.push(r.iteration_time);
            }
            Ok(DnnRun { run, link_state_times })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The report of `runs` (one per variant of `prepared`, in order).
pub fn report(prepared: &PreparedDnn, runs: &[DnnRun]) -> DnnReport {
    let variant = |(i, (v, r)): (usize, (&DnnVariantPlan, &DnnRun))| {
        let mut report = variant_report(v, &r.run);
        if let Some(f) = &prepared.file.faults {
            let states = v.link_states.iter().zip(&r.link_state_times).map(|(s, &t)| (s, t)).collect::<Vec<_>>();
            let gpus = r.run.devices.len() as u64;
            report.faults = Some(fault_report(f, prepared.seed, i, gpus, r.run.iteration_time, &report, &states));
        }
        report
    };
    DnnReport {
        scenario: prepared.file.name.clone(),
        variants: prepared.variants.iter().zip(runs).enumerate().map(variant).collect(),
    }
}

fn variant_report(v: &DnnVariantPlan, run: &TrainingRun) -> DnnVariantReport {
    let par = v.config.parallelism;
    let gpus = run.devices.len() as f64;
    let time = run.iteration_time.as_secs_f64();
    let mean = |f: &dyn Fn(&sim_core::training::DeviceAccount) -> u64| {
        run.devices.iter().map(|d| f(d) as f64).sum::<f64>() / gpus / 1e12
    };
    let peak = run
        .devices
        .iter()
        .max_by_key(|d| (d.memory.total(), std::cmp::Reverse(d.rank)))
        .expect("a run has at least one GPU");
    let peak_flops = v.platform.device(run.devices[0].node).map_or(f64::NAN, |d| d.peak.0 as f64);
    let per_gpu = run.model_flops / time / gpus;
    let busy_s: f64 = run.devices.iter().map(|d| d.compute.as_secs_f64()).sum();
    let gpu_energy_j = busy_s * v.gpu_power_watts;
    let bits: f64 = run.link_bytes.iter().map(|&b| b as f64 * 8.0).sum();
    let link_energy_j = bits * v.link_energy_pj_per_bit * 1e-12;
    let global_batch = v.job.global_batch;
    let m = &peak.memory;
    DnnVariantReport {
        name: v.name.clone(),
        model: v.job.model.clone(),
        gpus: run.devices.len() as u32,
        data_parallel: par.data,
        tensor_parallel: par.tensor,
        pipeline_parallel: par.pipeline,
        schedule: schedule_label(v.config.schedule).into(),
        micro_batch_size: v.config.micro_batch_size,
        micro_batches: run.micro_batches,
        global_batch,
        iteration_time_s: time,
        samples_per_s: global_batch as f64 / time,
        tokens_per_s: global_batch as f64 * v.job.tokens_per_sample as f64 / time,
        model_flops_per_iteration: run.model_flops,
        hardware_flops_per_iteration: run.hardware_flops,
        model_flops_per_gpu_per_s: per_gpu,
        mfu: per_gpu / peak_flops,
        hfu: run.hardware_flops / time / gpus / peak_flops,
        compute_s: mean(&|d| d.compute.0),
        exposed_communication_s: mean(&|d| d.communication.0),
        bubble_s: mean(&|d| d.bubble.0),
        pipeline_bubble_fraction: run.bubble_fraction(),
        peak_memory_bytes: m.total(),
        memory_capacity_bytes: peak.capacity,
        memory: MemoryBreakdown {
            weights_bytes: m.weights,
            gradients_bytes: m.gradients,
            optimizer_bytes: m.optimizer,
            activations_bytes: m.activations,
            buffers_bytes: m.buffers,
        },
        energy_j: gpu_energy_j + link_energy_j,
        gpu_energy_j,
        link_energy_j,
        bytes_sent: run.bytes_sent,
        flows: run.flows,
        faults: None,
    }
}

/// `"1F1B"` or `"GPipe"`.
pub fn schedule_label(s: PipelineSchedule) -> &'static str {
    match s {
        PipelineSchedule::OneFOneB => "1F1B",
        PipelineSchedule::GPipe => "GPipe",
    }
}

/// The scaling plot of `report` (the report of `prepared`'s runs): variants that differ only in
/// their data-parallel degree and the size of their platform form one series, its points (GPUs,
/// tokens/s, or samples/s if some model has one token per sample), drawn with its ideal linear
/// scaling. A series is labelled by model, tensor and pipeline
/// degrees, schedule, the ZeRO stage and recomputation when used, and the platform's kind.
pub fn throughput_plot(prepared: &PreparedDnn, report: &DnnReport) -> reports::ThroughputPlot {
    // Tokens/s for sequence models; samples/s when some model has one token per sample.
    let tokens = prepared.variants.iter().all(|v| v.job.tokens_per_sample > 1);
    let mut series: Vec<reports::ThroughputSeries> = Vec::new();
    for (plan, v) in prepared.variants.iter().zip(&report.variants) {
        let c = &plan.config;
        let mut name = format!("{} tp{} pp{} {}", v.model, v.tensor_parallel, v.pipeline_parallel, v.schedule);
        match c.zero {
            ZeroStage::None => {}
            ZeroStage::Optimizer => name += ", ZeRO-1",
            ZeroStage::Full => name += ", ZeRO-3",
        }
        match c.recomputation {
            Recomputation::None => {}
            Recomputation::Selective => name += ", selective recompute",
            Recomputation::Full => name += ", full recompute",
        }
        if c.sequence_parallel {
            name += ", sequence parallel";
        }
        if c.micro_batch_size != 1 {
            name += &format!(", micro-batch {}", c.micro_batch_size);
        }
        name += &format!(", {}", plan.platform_kind);
        let y = if tokens { v.tokens_per_s } else { v.samples_per_s };
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push((v.gpus, y)),
            None => series.push(reports::ThroughputSeries { name, points: vec![(v.gpus, y)] }),
        }
    }
    reports::ThroughputPlot {
        scenario: report.scenario.clone(),
        y_label: if tokens { "throughput [tokens/s]" } else { "throughput [samples/s]" }.into(),
        series,
        ideal_scaling: true,
    }
}

/// The Perfetto trace of the variants that collected spans, or `None` if none did. Each GPU is a
/// process (`"<variant> / gpu<rank> dp.. pp.. tp.. (<node>)"`) with a `compute` track (forward and
/// backward kernels, the optimizer step, and `idle` where nothing ran), a `pipeline sends` track and
/// a `gradients` track (data-parallel collectives), so that spans on one track never overlap.
/// Tensor-parallel collectives are part of their pass's span.
pub fn trace(prepared: &PreparedDnn, runs: &[DnnRun]) -> Option<String> {
    let mut tracks = Vec::new();
    let mut spans = Vec::new();
    for (v, DnnRun { run, .. }) in prepared.variants.iter().zip(runs) {
        if !v.config.trace {
            continue;
        }
        let first = tracks.len() as u32;
        for d in &run.devices {
            let process = format!(
                "{} / gpu{} dp{} pp{} tp{} ({})",
                v.name,
                d.rank,
                d.replica,
                d.stage,
                d.tp_rank,
                v.platform.nodes[d.node.index()].name
            );
            let id = first + 3 * d.rank as u32;
            tracks.push(TraceTrack { id, process: process.clone(), name: "compute".into() });
            tracks.push(TraceTrack { id: id + 1, process: process.clone(), name: "pipeline sends".into() });
            tracks.push(TraceTrack { id: id + 2, process, name: "gradients".into() });
        }
        // Busy intervals of each compute track, to draw the idle gaps.
        let mut busy: BTreeMap<u64, Vec<(SimTime, SimTime)>> = BTreeMap::new();
        for s in &run.spans {
            let (category, lane) = match s.kind {
                SpanKind::Forward | SpanKind::Backward => (SpanCategory::Compute, 0),
                SpanKind::Optimizer => (SpanCategory::Optimizer, 0),
                SpanKind::Send => (SpanCategory::Send, 1),
                SpanKind::DataParallel => (SpanCategory::Collective, 2),
            };
            if lane == 0 {
                busy.entry(s.rank).or_default().push((s.start, s.end));
            }
            spans.push(TraceSpan {
                track: first + 3 * s.rank as u32 + lane,
                name: s.name.clone(),
                category,
                start_ps: s.start.0,
                end_ps: s.end.0,
                args: Vec::new(),
            });
        }
        let end = SimTime::ZERO + run.iteration_time;
        for d in &run.devices {
            let mut intervals = busy.remove(&d.rank).unwrap_or_default();
            intervals.sort();
            let mut at = SimTime::ZERO;
            for (s, e) in intervals.into_iter().chain(std::iter::once((end, end))) {
                if s > at {
                    spans.push(TraceSpan {
                        track: first + 3 * d.rank as u32,
                        name: "idle".into(),
                        category: SpanCategory::Wait,
                        start_ps: at.0,
                        end_ps: s.0,
                        args: Vec::new(),
                    });
                }
                at = at.max(e);
            }
        }
    }
    (!tracks.is_empty()).then(|| reports::trace_json(&tracks, &spans))
}
