//! STRADS scenarios: a model-parallel program (Lasso, MF by CCD++, LDA by word-block rotation) on
//! the STRADS runtime (`sim_core::runtime::strads`), one run per variant (scheduler, set size,
//! pipeline depth, platform), in parallel with rayon and collected in declaration order, so
//! outputs are byte-identical for any thread count.
//!
//! For Lasso the planner also solves the problem once by sequential coordinate descent to a KKT
//! violation below [`OPTIMUM_KKT_TOLERANCE`]: that optimum `F*` is reported with every variant, and
//! `stop_within_optimum: ε` makes `(1 + ε)·F*` the run's target objective (time to target is then
//! "time to within ε of the optimum") and stops each variant there.

use std::sync::Arc;

use rayon::prelude::*;
use sim_core::program::ModelParallelProgram;
use sim_core::runtime::strads::{self, StradsConfig, StradsDeployment, StradsError, StradsRun};
use sim_core::{Platform, StragglerModel};
use workloads::data::design::{SparseDesign, SyntheticDesignConfig};
use workloads::strads::lasso::{LassoScheduler, StradsLasso, StradsLassoConfig};
use workloads::strads::lda::{StradsLda, StradsLdaConfig};
use workloads::strads::mf::{StradsMf, StradsMfConfig};

use crate::run::{
    lasso_lambda_problem, load_data, network_model_of, nth_variant_field, path_selection_of, place, platform_of,
    stragglers, variant_platform, workload_field, Data, VariantPlatformError,
};
use crate::scenario::{
    DataDir, RuntimeSpec, ScenarioError, ScenarioFile, SchedulerSpec, SyntheticDesignSpec, VariantSpec, WorkloadSpec,
};

/// The sequential reference solver stops at this KKT violation (objective units of `λ`).
pub const OPTIMUM_KKT_TOLERANCE: f64 = 1e-9;
/// The sequential reference solver gives up after this many sweeps over the coordinates.
pub const OPTIMUM_MAX_SWEEPS: usize = 20_000;

/// A STRADS scenario ready to run.
pub struct PreparedStrads {
    /// The scenario as parsed.
    pub file: ScenarioFile,
    /// The seed in force.
    pub seed: u64,
    /// The variants, in declaration order.
    pub variants: Vec<StradsVariantPlan>,
    /// The objective's optimum by the sequential reference solver (Lasso).
    pub optimum: Option<f64>,
    /// The target objective: the file's, or `(1 + stop_within_optimum)·optimum`.
    pub target: Option<f64>,
}

/// One variant ready to run.
pub struct StradsVariantPlan {
    /// Label in reports.
    pub name: String,
    /// Runtime settings.
    pub config: StradsConfig,
    /// Straggler model.
    pub stragglers: StragglerModel,
    /// The program with this variant's scheduler.
    pub program: Box<dyn ModelParallelProgram + Send>,
    /// The platform.
    pub platform: Arc<Platform>,
    /// Scheduler and worker hosts.
    pub deployment: StradsDeployment,
    /// The scheduler, as reported (`"STRADS (priority + dependency)"`, `"static rotation"`).
    pub scheduler: String,
    /// Variables scheduled per round (Lasso's `set_size`; 0 for the static rotations).
    pub set_size: u32,
}

/// The data of a STRADS workload.
enum StradsData {
    Design(Arc<SparseDesign>),
    Other(Data),
}

/// Checks a scenario with a `Strads` runtime and builds its variants.
///
/// # Errors
/// A [`ScenarioError`] naming the field (and its line and column where found): a deployment without
/// exactly one server (the scheduler), settings out of range, a scheduler for a program with a static
/// schedule, parameter-server-only variant fields, `placement` search settings (DNN only), missing
/// data files.
pub fn prepare(
    file: ScenarioFile,
    text: &str,
    file_name: &str,
    data_dir: &DataDir,
    seed: Option<u64>,
) -> Result<PreparedStrads, ScenarioError> {
    let err = crate::scenario::field_error(file_name, text);
    let seed = seed.unwrap_or(file.seed);
    let Some(RuntimeSpec::Strads {
        rounds,
        set_size,
        pipeline_depth,
        scheduler,
        objective_every,
        stop_within_optimum,
        value_bytes,
        key_bytes,
        message_overhead_bytes,
    }) = file.runtime.clone()
    else {
        unreachable!("planned only for Strads runtimes")
    };
    if file.placement.is_some() {
        return Err(err("placement", crate::run::PLACEMENT_DNN_ONLY.into()));
    }
    let Some(deployment_spec) = &file.deployment else {
        return Err(err(
            "deployment",
            "required by the Strads runtime (workers, and servers: 1 for the scheduler)".into(),
        ));
    };
    let rt = "runtime.Strads";
    if rounds == 0 {
        return Err(err(&format!("{rt}.rounds"), "must be at least 1".into()));
    }
    if objective_every == 0 {
        return Err(err(&format!("{rt}.objective_every"), "must be at least 1".into()));
    }
    if deployment_spec.servers != 1 {
        return Err(err(
            "deployment.servers",
            format!("a Strads runtime has exactly one scheduler node (servers: 1), not {}", deployment_spec.servers),
        ));
    }
    let is_lasso = matches!(file.workload, WorkloadSpec::Lasso { .. });
    if !is_lasso {
        if scheduler.is_some() {
            return Err(err(
                &format!("{rt}.scheduler"),
                "only Lasso takes a scheduler; MF and LDA rotate statically".into(),
            ));
        }
        if set_size.is_some() {
            return Err(err(&format!("{rt}.set_size"), "only Lasso takes a set size".into()));
        }
        if stop_within_optimum.is_some() {
            return Err(err(&format!("{rt}.stop_within_optimum"), "only Lasso has a reference optimum".into()));
        }
    }
    if let Some(eps) = stop_within_optimum {
        if !(eps > 0.0 && eps.is_finite()) {
            return Err(err(&format!("{rt}.stop_within_optimum"), format!("{eps} must be a positive fraction")));
        }
        if file.target_objective.is_some() {
            return Err(err(
                "target_objective",
                "give either target_objective or stop_within_optimum, not both".into(),
            ));
        }
    }
    if let Some(t) = file.target_objective {
        if !t.is_finite() {
            return Err(err("target_objective", format!("{t} is not a finite number")));
        }
    }
    let data = match &file.workload {
        WorkloadSpec::Lasso { dataset, lambda, lambda_ratio, coords_per_clock, synthetic } => {
            lasso_lambda_problem(*lambda, *lambda_ratio).map_err(|(f, m)| err(&format!("workload.Lasso.{f}"), m))?;
            if coords_per_clock.is_some() {
                return Err(err(
                    "workload.Lasso.coords_per_clock",
                    "a ParameterServer setting; under Strads the runtime's set_size says how many coordinates a \
                     round updates"
                        .into(),
                ));
            }
            if dataset == "synthetic" {
                let cfg = synthetic_config(synthetic.as_ref().cloned().unwrap_or_default(), seed);
                let nonzeros = cfg.features as u64 * cfg.support as u64;
                if (cfg.samples as u64).max(nonzeros) > crate::run::MAX_SYNTHETIC_VALUES {
                    return Err(err(
                        "workload.Lasso.synthetic",
                        format!(
                            "{} samples and {nonzeros} non-zeros (features × support): at most {} of each",
                            cfg.samples,
                            crate::run::MAX_SYNTHETIC_VALUES
                        ),
                    ));
                }
                let design =
                    SparseDesign::synthetic(&cfg).map_err(|e| err("workload.Lasso.synthetic", e.to_string()))?;
                StradsData::Design(Arc::new(design))
            } else {
                if synthetic.is_some() {
                    return Err(err("workload.Lasso.synthetic", "only for dataset \"synthetic\"".into()));
                }
                match load_data(&file.workload, data_dir, seed).map_err(|(path, m)| err(&path, m))? {
                    Data::Regression(d) => StradsData::Design(Arc::new(SparseDesign::standardized_from(&d))),
                    _ => unreachable!("Lasso loads regression data"),
                }
            }
        }
        WorkloadSpec::Lda { docs_per_clock: Some(_), .. } => {
            return Err(err(
                "workload.Lda.docs_per_clock",
                "a ParameterServer setting; under Strads a round samples one word block of every document".into(),
            ))
        }
        WorkloadSpec::MatrixFactorization { .. } => {
            return Err(err(
                "workload",
                "MatrixFactorization is the SGD program of the parameter server; under Strads use \
                 MatrixFactorizationCd (CCD++)"
                    .into(),
            ))
        }
        WorkloadSpec::LogisticRegression { .. } => {
            return Err(err(
                "workload",
                "LogisticRegression has no model-parallel program; use a ParameterServer".into(),
            ))
        }
        w => StradsData::Other(load_data(w, data_dir, seed).map_err(|(path, m)| err(&path, m))?),
    };
    let lambda = match (&file.workload, &data) {
        (WorkloadSpec::Lasso { lambda, lambda_ratio, .. }, StradsData::Design(d)) => {
            Some(lambda.unwrap_or_else(|| lambda_ratio.expect("checked") * d.lambda_max()))
        }
        _ => None,
    };
    let platform = Arc::new(platform_of(&file.platform, "platform", seed).map_err(|(path, m)| err(&path, m))?);
    let deployment = place(deployment_spec, &platform).map_err(|(path, m)| err(&path, m))?;
    let base_stragglers = stragglers(&file.stragglers).map_err(|m| err("stragglers", m))?;

    let specs: Vec<VariantSpec> = if file.variants.is_empty() {
        vec![VariantSpec::named(scheduler.as_ref().map_or("STRADS".into(), scheduler_label))]
    } else {
        file.variants.clone()
    };
    let mut variants = Vec::with_capacity(specs.len());
    for (i, v) in specs.iter().enumerate() {
        let verr = |field: &str, m: String| ScenarioError {
            file: file_name.into(),
            position: nth_variant_field(text, i, field),
            path: format!("variants[{i}].{field}"),
            message: m,
        };
        if let Some(problem) = crate::scenario::variant_name_problem(&specs, i) {
            return Err(verr("name", problem));
        }
        let ps_only = [
            v.consistency.map(|_| "consistency"),
            v.clocks.map(|_| "clocks"),
            v.learning_rate.map(|_| "learning_rate"),
            v.batch_size.map(|_| "batch_size"),
            v.asp.as_ref().map(|_| "asp"),
            v.label_skew.map(|_| "label_skew"),
            v.collective.map(|_| "collective"),
            v.ocs.as_ref().map(|_| "ocs"),
        ];
        if let Some(field) = ps_only.into_iter().flatten().next().or(v.dnn_field()) {
            return Err(verr(field, "not a Strads setting (use scheduler, set_size, pipeline_depth, rounds)".into()));
        }
        if !is_lasso {
            if let Some(field) =
                [v.scheduler.as_ref().map(|_| "scheduler"), v.set_size.map(|_| "set_size")].into_iter().flatten().next()
            {
                return Err(verr(
                    field,
                    "only Lasso takes a scheduler and a set size; MF and LDA rotate statically".into(),
                ));
            }
        }
        let config = StradsConfig {
            rounds: v.rounds.unwrap_or(rounds),
            pipeline_depth: v.pipeline_depth.unwrap_or(pipeline_depth),
            value_bytes,
            key_bytes,
            message_overhead_bytes,
            objective_every,
            target_objective: None,
            network_model: network_model_of(&file.platform),
            path_selection: path_selection_of(&file.platform),
            audit: false,
            link_faults: Vec::new(),
        };
        if config.rounds == 0 {
            return Err(verr("rounds", "must be at least 1".into()));
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
        let workers = vdeployment.workers.len();
        if let Some(m) = crate::run::straggler_worker_problem(&stragglers, workers) {
            let field = "stragglers.Persistent.workers";
            return Err(if v.stragglers.is_some() { verr(field, m) } else { err(field, m) });
        }
        let sched = v.scheduler.clone().or_else(|| scheduler.clone());
        let program_error = |e: workloads::ProgramError, overridden: &dyn Fn(&str) -> Option<&'static str>| match e {
            workloads::ProgramError::InvalidConfig { field, message } => match overridden(field) {
                Some(vf) => verr(vf, message),
                None if field == "workers" => err("deployment.workers", message),
                None if field == "set_size" && set_size.is_none() => {
                    err(&format!("{rt}.set_size"), format!("the default set size 32: {message}"))
                }
                None if ["set_size", "candidates", "eta", "dependency_threshold"].contains(&field) => {
                    err(&format!("{rt}.{}", if field == "set_size" { "set_size" } else { "scheduler" }), message)
                }
                None => err(&format!("workload.{}", workload_field(&file.workload, field)), message),
            },
            other => err("workload", other.to_string()),
        };
        let (program, label, set): (Box<dyn ModelParallelProgram + Send>, String, u32) = match (&file.workload, &data) {
            (WorkloadSpec::Lasso { .. }, StradsData::Design(design)) => {
                let set = v.set_size.or(set_size).unwrap_or(32);
                let spec = sched.clone().unwrap_or(SchedulerSpec::Priority {
                    eta: None,
                    squared: false,
                    candidates: None,
                    dependency_threshold: None,
                    no_dependency_filter: false,
                    restart: None,
                });
                let cfg = StradsLassoConfig {
                    workers,
                    set_size: set as usize,
                    lambda: lambda.expect("Lasso has λ"),
                    scheduler: lasso_scheduler(&spec, set),
                    seed,
                };
                let name = format!("lasso ({}), {}", lasso_dataset(&file.workload), scheduler_label(&spec));
                let p = StradsLasso::new(design.clone(), cfg)
                    .map_err(|e| {
                        program_error(e, &|f| match f {
                            "set_size" if v.set_size.is_some() => Some("set_size"),
                            "candidates" | "eta" | "dependency_threshold" if v.scheduler.is_some() => Some("scheduler"),
                            _ => None,
                        })
                    })?
                    .with_name(name);
                (Box::new(p), scheduler_label(&spec), set)
            }
            (
                WorkloadSpec::MatrixFactorizationCd { rank, l2, items_per_round, .. },
                StradsData::Other(Data::Ratings(r)),
            ) => {
                let cfg = StradsMfConfig {
                    workers,
                    rank: *rank,
                    l2: *l2,
                    block: *items_per_round as usize,
                    inner_iterations: 1,
                    seed,
                };
                let p = StradsMf::new(r.clone(), cfg)
                    .map_err(|e| program_error(e, &|_| None))?
                    .with_name(format!("matrix factorisation by CCD++ (rank {rank})"));
                (Box::new(p), "static rotation (CCD++)".into(), 0)
            }
            (WorkloadSpec::Lda { topics, alpha, beta, .. }, StradsData::Other(Data::Corpus(c))) => {
                let cfg = StradsLdaConfig { workers, topics: *topics, alpha: *alpha, beta: *beta, blocks: None, seed };
                let p = StradsLda::new(c.clone(), cfg).map_err(|e| program_error(e, &|_| None))?;
                (Box::new(p), "static word-block rotation".into(), 0)
            }
            _ => unreachable!("data is loaded for the workload it belongs to"),
        };
        variants.push(StradsVariantPlan {
            name: v.name.clone(),
            config,
            stragglers,
            program,
            platform: vplatform,
            deployment: StradsDeployment { scheduler: vdeployment.servers[0], workers: vdeployment.workers },
            scheduler: label,
            set_size: set,
        });
    }
    let optimum = match (&data, lambda) {
        (StradsData::Design(design), Some(lambda)) => {
            let cfg =
                StradsLassoConfig { workers: 1, set_size: 1, lambda, scheduler: LassoScheduler::RoundRobin, seed };
            let reference = StradsLasso::new(design.clone(), cfg).map_err(|e| err("workload.Lasso", e.to_string()))?;
            let (_, objective, _) = reference.solve_sequential(OPTIMUM_KKT_TOLERANCE, OPTIMUM_MAX_SWEEPS);
            Some(objective)
        }
        _ => None,
    };
    let target = match (stop_within_optimum, optimum) {
        (Some(eps), Some(f)) => Some((1.0 + eps) * f),
        _ => file.target_objective,
    };
    if stop_within_optimum.is_some() {
        for v in &mut variants {
            v.config.target_objective = target;
        }
    }
    Ok(PreparedStrads { file, seed, variants, optimum, target })
}

fn lasso_dataset(w: &WorkloadSpec) -> &str {
    match w {
        WorkloadSpec::Lasso { dataset, .. } => dataset,
        _ => "",
    }
}

fn synthetic_config(s: SyntheticDesignSpec, seed: u64) -> SyntheticDesignConfig {
    let d = SyntheticDesignConfig::default();
    SyntheticDesignConfig {
        samples: s.samples.map_or(d.samples, |v| v as usize),
        features: s.features.map_or(d.features, |v| v as usize),
        block_size: s.block_size.map_or(d.block_size, |v| v as usize),
        support: s.support.map_or(d.support, |v| v as usize),
        within_block_correlation: s.within_block_correlation.unwrap_or(d.within_block_correlation),
        true_nonzeros: s.true_nonzeros.map_or(d.true_nonzeros, |v| v as usize),
        noise_sd: s.noise_sd.unwrap_or(d.noise_sd),
        seed,
    }
}

/// The program's scheduler for `spec` with set size `set` (defaults: [`LassoScheduler::strads`]).
fn lasso_scheduler(spec: &SchedulerSpec, set: u32) -> LassoScheduler {
    match spec {
        SchedulerSpec::RoundRobin => LassoScheduler::RoundRobin,
        SchedulerSpec::Random => LassoScheduler::Random,
        SchedulerSpec::Block => LassoScheduler::Block,
        SchedulerSpec::Priority { eta, squared, candidates, dependency_threshold, no_dependency_filter, restart } => {
            let LassoScheduler::Priority {
                eta: eta0,
                candidates: c0,
                dependency_threshold: rho0,
                restart: restart0,
                ..
            } = LassoScheduler::strads(set as usize)
            else {
                unreachable!("strads() is a Priority scheduler")
            };
            LassoScheduler::Priority {
                eta: eta.unwrap_or(eta0),
                squared: *squared,
                candidates: candidates.map_or(c0, |c| c as usize),
                dependency_threshold: if *no_dependency_filter { None } else { dependency_threshold.or(rho0) },
                restart: restart.unwrap_or(restart0),
            }
        }
    }
}

/// How reports name the scheduler of `spec` ([`LassoScheduler::label`]).
pub fn scheduler_label(spec: &SchedulerSpec) -> String {
    lasso_scheduler(spec, 1).label()
}

/// Rounds all variants run at most (for progress display).
pub fn total_rounds(prepared: &PreparedStrads) -> u64 {
    prepared.variants.iter().map(|v| v.config.rounds).sum()
}

/// Runs every variant in parallel (rayon's global pool), returning the runs in declaration order.
///
/// # Errors
/// The first variant's runtime error, in declaration order.
pub fn execute(prepared: &PreparedStrads) -> Result<Vec<StradsRun>, StradsError> {
    prepared
        .variants
        .par_iter()
        .map(|v| strads::run(&v.platform, &v.deployment, v.program.as_ref(), &v.config, &v.stragglers, prepared.seed))
        .collect()
}

/// The report of a finished run.
pub fn report(prepared: &PreparedStrads, runs: &[StradsRun]) -> reports::RunReport {
    let objective_name = prepared.variants.first().map(|v| v.program.objective_name()).unwrap_or_default();
    let variants = runs.iter().zip(&prepared.variants).map(|(r, v)| variant_report(r, v, prepared)).collect();
    reports::RunReport {
        scenario: prepared.file.name.clone(),
        seed: prepared.seed,
        objective_name,
        target_objective: prepared.target,
        variants,
    }
}

fn variant_report(run: &StradsRun, v: &StradsVariantPlan, prepared: &PreparedStrads) -> reports::VariantReport {
    let (wan_bytes, wan_cost) = crate::run::wan_traffic(&v.platform, &run.link_bytes);
    let secs = |d: sim_core::SimDuration| d.as_secs_f64();
    let push: f64 = run.workers.iter().map(|w| secs(w.push)).sum();
    let apply: f64 = run.workers.iter().map(|w| secs(w.apply)).sum();
    let end = run.end_time.as_secs_f64();
    let idle: f64 = run.workers.iter().map(|w| (end - secs(w.push) - secs(w.apply)).max(0.0)).sum();
    let point_after =
        |round: u64| run.convergence.binary_search_by_key(&(round + 1), |p| p.rounds).ok().map(|i| &run.convergence[i]);
    let summary = reports::VariantSummary {
        final_objective: run.convergence.last().map_or(f64::NAN, |p| p.objective),
        sim_time_s: end,
        clocks: run.rounds.len() as u64,
        workers: run.workers.len() as u32,
        bytes_sent: run.bytes_sent,
        wan_bytes,
        wan_cost_usd: wan_cost,
        compute_s: push + apply,
        communication_s: 0.0,
        waiting_s: idle,
        reads: 0,
        staleness_mean: 0.0,
        staleness_variance: 0.0,
        staleness_max: 0,
        staleness_histogram: Vec::new(),
        staleness_violations: 0,
        rows_pushed: 0,
        time_to_target_s: prepared.target.and_then(|t| run.time_to(t)).map(|t| t.as_secs_f64()),
        events: run.events,
        asp: None,
        strads: Some(reports::StradsSummary {
            scheduler: v.scheduler.clone(),
            set_size: v.set_size,
            pipeline_depth: v.config.pipeline_depth,
            rounds: run.rounds.len() as u64,
            variables_updated: run.rounds.iter().map(|r| u64::from(r.variables)).sum(),
            schedule_s: run.schedule_time.as_secs_f64(),
            pull_s: run.pull_time.as_secs_f64(),
            push_s: push,
            apply_s: apply,
            parallelization_error: run.parallelization_error(),
            final_nonzeros: run.convergence.last().and_then(|p| p.nonzeros),
            optimum: prepared.optimum,
            diverged: run.diverged,
        }),
    };
    reports::VariantReport {
        name: v.name.clone(),
        summary,
        convergence: run
            .convergence
            .iter()
            .map(|p| reports::ConvergencePoint {
                clock: p.rounds,
                sim_time_s: p.time.as_secs_f64(),
                objective: p.objective,
            })
            .collect(),
        worker_clocks: Vec::new(),
        rounds: run
            .rounds
            .iter()
            .map(|r| {
                let point = point_after(r.round);
                reports::RoundReport {
                    round: r.round,
                    dispatched_s: r.dispatched.as_secs_f64(),
                    committed_s: r.committed.as_secs_f64(),
                    variables: r.variables,
                    parallelization_error: r.parallelization_error,
                    objective: point.map(|p| p.objective),
                    nonzeros: point.and_then(|p| p.nonzeros),
                }
            })
            .collect(),
        faults: None,
    }
}
