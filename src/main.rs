//! `clustersim`: run a scenario file and write its reports.
//!
//! Exit codes: 0 success, 2 a bad scenario or command line, 1 any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use clustersim::run::{execute, plan, report, total_clocks, Plan};
use clustersim::scenario::{self, DataDir, ScenarioError};
use clustersim::{output, QUICKSTART};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use indicatif::{ProgressBar, ProgressStyle};

/// Deterministic discrete-event simulator of ML training clusters and their interconnects.
///
/// Without a command, runs the built-in quickstart scenario into out/quickstart/.
#[derive(Parser, Debug)]
#[command(name = "clustersim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and write its reports to out/<name>/ (or --out).
    Run {
        /// Scenario file (RON).
        file: PathBuf,
        /// Output directory [default: out/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Directory of research-only data sets [default: $CLUSTERSIM_DATA_DIR, else ../shared/data].
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Run every reproduction scenario, write each one's reports to <out>/<scenario name>/ and
    /// the verdicts to REPRODUCTIONS.md (or --markdown).
    Reproduce {
        /// Directory for the scenarios' reports.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Where to write the verdicts.
        #[arg(long, default_value = "REPRODUCTIONS.md")]
        markdown: PathBuf,
        /// Only these claims (ids as in REPRODUCTIONS.md) [default: all].
        #[arg(long)]
        only: Vec<String>,
        /// As for `run`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Find a plan (split, micro-batch size, device of every rank) for each variant of a DNN scenario
    /// with the sequential, random, topology-aware and search placers; print them with their predicted
    /// iteration times and locality, and write placement.json, placement.csv, plan.ron (a runnable
    /// scenario holding every plan) and traffic heatmaps to out/<name>-place/ (or --out).
    Place {
        /// Scenario file (RON) with a Dnn workload; its `placement` settings bound the search.
        file: PathBuf,
        /// Output directory [default: out/<scenario name>-place].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run the placement regression suite: place every scenario in --dir and compare each
    /// algorithm's iteration time and locality with the golden values in --golden; exit 1 with a
    /// readable diff on a regression beyond 0.5 % or a broken invariant (search or topology-aware
    /// slower than the sequential baseline, search slower than its constructive start).
    Regress {
        /// The suite's scenario files.
        #[arg(long, default_value = "scenarios/placement")]
        dir: PathBuf,
        /// The golden values (one JSON file per scenario).
        #[arg(long, default_value = "tests/golden/placement")]
        golden: PathBuf,
        /// Accept the new values as golden (on purpose: after checking the diff).
        #[arg(long)]
        update: bool,
    },
    /// Run a parameter sweep: every point of the grid of a sweep file's axes (or a seeded random sample),
    /// in parallel; write one table (sweep.csv, sweep.json) and one figure per axis to out/<name>-sweep/
    /// (or --out). With --shard i/n, run only the i-th of n shares of the points and write shard.json to
    /// out/<name>-shards/<i>-of-<n>/ (or --out), for `clustersim merge`.
    Sweep {
        /// Sweep file (RON): name, scenario, axes, sample, metric.
        file: PathBuf,
        /// Output directory [default: out/<sweep name>-sweep, or out/<sweep name>-shards/<i>-of-<n>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard i of n (1 ≤ i ≤ n), e.g. `--shard $SLURM_ARRAY_TASK_ID/8`.
        #[arg(long)]
        shard: Option<String>,
        /// As for `run`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Merge the shard outputs of a sweep (directories holding shard.json, or the files) into its table and
    /// figures, the same bytes as the single-machine sweep, in out/<name>-sweep/ (or --out).
    Merge {
        /// Shard directories (or shard.json files), one per shard.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output directory [default: out/<sweep name>-sweep].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario (schema, units, references, data files) without running it.
    Validate {
        /// Scenario file (RON).
        file: PathBuf,
        /// As for `run`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// A failure, and whether it was the user's input (exit 2) or anything else (exit 1).
enum Failure {
    Input(anyhow::Error),
    Other(anyhow::Error),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Input(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run(QUICKSTART, "<built-in quickstart>", None, None, None),
        Some(Command::Run { file, out, seed, data_dir }) => {
            read(&file).and_then(|text| run(&text, &file.display().to_string(), out, seed, data_dir.as_deref()))
        }
        Some(Command::Reproduce { out, markdown, only, data_dir }) => {
            reproduce(&out, &markdown, &only, data_dir.as_deref())
        }
        Some(Command::Place { file, out, seed }) => {
            read(&file).and_then(|text| place(&text, &file.display().to_string(), out, seed))
        }
        Some(Command::Regress { dir, golden, update }) => regress(&dir, &golden, update),
        Some(Command::Sweep { file, out, shard, data_dir }) => read(&file)
            .and_then(|text| sweep(&text, &file.display().to_string(), out, shard.as_deref(), data_dir.as_deref())),
        Some(Command::Merge { shards, out }) => merge(&shards, out),
        Some(Command::Validate { file, data_dir }) => {
            read(&file).and_then(|text| validate(&text, &file.display().to_string(), data_dir.as_deref()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn read(file: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(file)
        .with_context(|| format!("cannot read scenario file {}", file.display()))
        .map_err(Failure::Input)
}

fn validate(text: &str, name: &str, data_dir: Option<&Path>) -> Result<(), Failure> {
    let parsed = scenario::parse(text, name)?;
    match plan(parsed, text, name, &DataDir::resolve(data_dir), None)? {
        Plan::ParameterServer(p) => println!(
            "{name}: ok ({} variants, {} hosts, {} workers, {} server shards)",
            p.variants.len(),
            p.platform.hosts().len(),
            p.deployment.workers.len(),
            p.deployment.servers.len()
        ),
        Plan::Strads(p) => println!(
            "{name}: ok ({} variants, {} workers and a scheduler{})",
            p.variants.len(),
            p.variants.first().map_or(0, |v| v.deployment.workers.len()),
            p.optimum.map_or(String::new(), |f| format!(", optimum {f:.6}"))
        ),
        Plan::Dnn(p) => {
            let gpus = p.variants.iter().map(|v| v.config.parallelism.devices()).max().unwrap_or(0);
            println!("{name}: ok ({} variants, up to {gpus} GPUs; every split fits in memory)", p.variants.len());
        }
        Plan::Collectives(p) => match p.variants.first().and_then(|v| v.phased.as_ref()) {
            Some(phased) => println!(
                "{name}: ok ({} variants × {} message sizes × {} phases)",
                p.variants.len(),
                p.sizes.len(),
                phased.phases.len()
            ),
            None => println!("{name}: ok ({} variants × {} message sizes)", p.variants.len(), p.sizes.len()),
        },
    }
    Ok(())
}

/// A progress bar that appears only once a run has lasted a second.
struct Progress {
    bar: ProgressBar,
    shown: std::sync::atomic::AtomicBool,
    wall: Instant,
}

impl Progress {
    fn new(total: u64, unit: &str, wall: Instant) -> Self {
        let bar = ProgressBar::new(total);
        let template = format!("{{spinner}} {{elapsed}} [{{bar:30}}] {{pos}}/{{len}} {unit}");
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        Progress { bar, shown: std::sync::atomic::AtomicBool::new(false), wall }
    }

    fn tick(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.shown.load(Relaxed) && self.wall.elapsed().as_secs_f64() > 1.0 {
            self.shown.store(true, Relaxed);
            self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
    }
}

/// One line per variant run through failures: its job time against the failure-free time.
fn print_ps_faults(report: &reports::RunReport) {
    for v in &report.variants {
        let Some(f) = &v.faults else { continue };
        match f.job_time_s {
            Some(t) => println!(
                "{}: job {t:.3} s through {} failures (failure-free {:.3} s, lost {:.3} s, goodput {:.1} %)",
                v.name,
                f.failures.len(),
                f.failure_free_s,
                f.lost_work_s,
                100.0 * f.goodput
            ),
            None => println!("{}: {}", v.name, f.never_completes.as_deref().unwrap_or("never completes")),
        }
    }
}

fn run(
    text: &str,
    name: &str,
    out: Option<PathBuf>,
    seed: Option<u64>,
    data_dir: Option<&Path>,
) -> Result<(), Failure> {
    #[allow(clippy::disallowed_methods)] // wall time is printed to the terminal only
    let wall = Instant::now();
    let parsed = scenario::parse(text, name)?;
    let scenario_name = parsed.name.clone();
    let out = out.unwrap_or_else(|| Path::new("out").join(&scenario_name));
    let files = match plan(parsed, text, name, &DataDir::resolve(data_dir), seed)? {
        Plan::ParameterServer(prepared) => {
            println!("seed={} scenario={} variants={}", prepared.seed, scenario_name, prepared.variants.len());
            let progress = Progress::new(total_clocks(&prepared), "clocks", wall);
            let outcomes = execute(&prepared, &|_| progress.tick())
                .with_context(|| format!("running scenario {scenario_name}"))
                .map_err(Failure::Other)?;
            progress.bar.finish_and_clear();
            let report = report(&prepared, &outcomes);
            let mut files = output::render(&report).map_err(Failure::Other)?;
            if report.variants.iter().any(|v| v.faults.is_some()) {
                // A run through failures: each one, and the clocks done through them.
                files.push(("faults.csv", reports::ps_faults_csv(&report).into_bytes()));
                let png =
                    reports::ps_recovery_png(&report).context("rendering recovery.png").map_err(Failure::Other)?;
                let svg =
                    reports::ps_recovery_svg(&report).context("rendering recovery.svg").map_err(Failure::Other)?;
                files.push(("recovery.png", png));
                files.push(("recovery.svg", svg.into_bytes()));
            }
            print_table(&report);
            print_ps_faults(&report);
            files
        }
        Plan::Strads(prepared) => {
            println!("seed={} scenario={} variants={}", prepared.seed, scenario_name, prepared.variants.len());
            if let Some(f) = prepared.optimum {
                println!("optimum by sequential coordinate descent: {f:.9}");
            }
            let runs = clustersim::strads::execute(&prepared)
                .with_context(|| format!("running scenario {scenario_name}"))
                .map_err(Failure::Other)?;
            let report = clustersim::strads::report(&prepared, &runs);
            let files = output::render(&report).map_err(Failure::Other)?;
            print_strads_table(&report);
            files
        }
        Plan::Dnn(prepared) => {
            println!("seed={} scenario={} variants={}", prepared.seed, scenario_name, prepared.variants.len());
            let runs = clustersim::dnn::execute(&prepared)
                .map_err(|(variant, e)| anyhow::anyhow!("variant {variant:?}: {e}"))
                .with_context(|| format!("running scenario {scenario_name}"))
                .map_err(Failure::Other)?;
            let report = clustersim::dnn::report(&prepared, &runs);
            let trace = clustersim::dnn::trace(&prepared, &runs);
            let scaling = clustersim::dnn::throughput_plot(&prepared, &report);
            let files = output::render_dnn(&report, &scaling, trace.as_deref()).map_err(Failure::Other)?;
            print_dnn_table(&report);
            files
        }
        Plan::Collectives(prepared) => {
            println!("seed={} scenario={} variants={}", prepared.seed, scenario_name, prepared.variants.len());
            let progress = Progress::new(clustersim::collectives::total_points(&prepared), "points", wall);
            let report = clustersim::collectives::execute(&prepared, &|| progress.tick())
                .with_context(|| format!("running scenario {scenario_name}"))
                .map_err(Failure::Other)?;
            progress.bar.finish_and_clear();
            let files = output::render_collectives(&report).map_err(Failure::Other)?;
            print_collective_table(&report);
            files
        }
    };
    output::replace_dir(&out, &files).map_err(Failure::Other)?;
    let names: Vec<&str> = files.iter().map(|(f, _)| *f).collect();
    println!("wrote {}/ ({})", out.display(), names.join(", "));
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    Ok(())
}

/// Parses and prepares a DNN scenario for placement.
fn prepare_placement(text: &str, name: &str, seed: Option<u64>) -> Result<clustersim::dnn::PreparedDnn, Failure> {
    let parsed = scenario::parse(text, name)?;
    if !matches!(parsed.workload, scenario::WorkloadSpec::Dnn { .. }) {
        return Err(Failure::Input(anyhow::anyhow!("{name}: `place` needs a Dnn workload (a DNN training job)")));
    }
    Ok(clustersim::dnn::prepare_for_placement(parsed, text, name, seed)?)
}

/// A placement error as a failure: a job that fits nowhere is the scenario's fault (exit 2, with the
/// file, line and field of the split the search started from).
fn place_failure(e: clustersim::place::PlaceError, prepared: &clustersim::dnn::PreparedDnn, text: &str) -> Failure {
    match e.located(prepared, text) {
        Some(located) => Failure::Input(located.into()),
        None => Failure::Other(e.into()),
    }
}

fn place(text: &str, name: &str, out: Option<PathBuf>, seed: Option<u64>) -> Result<(), Failure> {
    #[allow(clippy::disallowed_methods)] // wall time is printed to the terminal only
    let wall = Instant::now();
    let prepared = prepare_placement(text, name, seed)?;
    let settings = clustersim::place::settings(&prepared);
    println!(
        "seed={} scenario={} variants={} budget={} simulated candidates per algorithm",
        prepared.seed,
        prepared.file.name,
        prepared.variants.len(),
        settings.budget
    );
    let (report, matrices) =
        clustersim::place::place(&prepared, name).map_err(|e| place_failure(e, &prepared, text))?;
    print_place_table(&report);
    let files = clustersim::place::render(&prepared, &report, &matrices, name).map_err(Failure::Other)?;
    let out = out.unwrap_or_else(|| Path::new("out").join(format!("{}-place", prepared.file.name)));
    write_dir(&out, &files)?;
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    Ok(())
}

/// One row per variant and algorithm: plan, predicted iteration time, speed-up over the sequential
/// baseline, and locality.
fn print_place_table(report: &clustersim::place::PlaceReport) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "variant",
        "algorithm",
        "d×t×p b",
        "iteration (s)",
        "vs sequential",
        "evals",
        "mean hops",
        "one-hop share",
        "peers mean/max",
        "busiest link (s busy)",
    ]);
    for v in &report.variants {
        for r in v.all_rows() {
            add_row(
                &mut table,
                2,
                vec![
                    v.variant.clone(),
                    r.algorithm.clone(),
                    format!("{}×{}×{} b{}", r.data, r.tensor, r.pipeline, r.micro_batch),
                    format!("{:.4}", r.iteration_time_s),
                    if r.speedup_vs_sequential > 0.0 {
                        format!("{:.3}×", r.speedup_vs_sequential)
                    } else {
                        "–".into()
                    },
                    r.evaluations.to_string(),
                    format!("{:.2}", r.mean_hops),
                    format!("{:.1} %", 100.0 * r.one_hop_share),
                    format!("{:.1}/{}", r.peers_mean, r.peers_max),
                    format!("{:.4}", r.max_link_busy_s),
                ],
            );
        }
        for (algorithm, why) in &v.failures {
            println!("{}: {algorithm}: {why}", v.variant);
        }
        if let Some(c) = &v.co_design {
            let circuits = match &c.platform.topology {
                clustersim::scenario::TopologySpec::OpticalFabric {
                    shape: clustersim::scenario::FabricShapeFile::Circuits { circuits, .. },
                    ports_per_neighbor,
                    ..
                } => format!("{} circuits of {ports_per_neighbor} ports", circuits.len()),
                _ => String::new(),
            };
            println!(
                "{}: co-designed fabric: {circuits}, {:.1} % of the plan's bytes on a direct circuit",
                v.variant,
                100.0 * c.served_share
            );
            let pays: Vec<String> = c
                .break_even
                .iter()
                .map(|b| match b.iterations {
                    Some(n) if n >= 0.01 => {
                        format!("{} ({} s) after {n:.2} iterations", b.technology, b.reconfiguration_s)
                    }
                    Some(n) => format!("{} ({} s) after {n:.1e} iterations", b.technology, b.reconfiguration_s),
                    None => format!("{} never (not faster)", b.technology),
                })
                .collect();
            println!(
                "{}: re-patching once for this job ({:.4} s fixed → {:.4} s) pays off with {}",
                v.variant,
                c.fixed_iteration_time_s,
                c.row.iteration_time_s,
                pays.join(", ")
            );
        }
    }
    println!("{table}");
}

impl From<clustersim::sweep::SweepError> for Failure {
    fn from(e: clustersim::sweep::SweepError) -> Self {
        Failure::Input(e.into())
    }
}

fn sweep(
    text: &str,
    name: &str,
    out: Option<PathBuf>,
    shard: Option<&str>,
    data_dir: Option<&Path>,
) -> Result<(), Failure> {
    use clustersim::sweep;
    #[allow(clippy::disallowed_methods)] // wall time is printed to the terminal only
    let wall = Instant::now();
    let shard = shard.map(sweep::parse_shard).transpose().map_err(|e| Failure::Input(anyhow::anyhow!(e)))?;
    let loaded = sweep::load(text, name)?;
    let h = &loaded.header;
    let mine = sweep::shard_points(&loaded, shard).len();
    println!(
        "sweep={} scenario={} axes={} grid={} points{}={mine}",
        h.shape.sweep,
        h.shape.scenario,
        h.shape.axes.len(),
        h.shape.grid_points,
        shard.map_or(String::new(), |(i, n)| format!(" in shard {i}/{n}"))
    );
    let progress = Progress::new(mine as u64, "points", wall);
    let rows = sweep::run(&loaded, shard, &DataDir::resolve(data_dir), &|| progress.tick())?;
    progress.bar.finish_and_clear();
    let failed: Vec<u64> = rows.iter().filter(|r| r.error.is_some()).map(|r| r.point).collect();
    let (out, files) = match shard {
        Some((i, n)) => {
            let out = out.unwrap_or_else(|| {
                Path::new("out").join(format!("{}-shards", h.shape.sweep)).join(format!("{i}-of-{n}"))
            });
            let json = sweep::shard_json(&loaded, (i, n), rows);
            (out, vec![(sweep::SHARD_FILE.to_string(), json.into_bytes())])
        }
        None => {
            let report = sweep::report(h, rows);
            print_sweep_table(&report);
            let out = out.unwrap_or_else(|| Path::new("out").join(format!("{}-sweep", h.shape.sweep)));
            (out, sweep::render(&report).map_err(Failure::Other)?)
        }
    };
    write_dir(&out, &files)?;
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Other(anyhow::anyhow!(
            "{} point(s) failed to run (their rows hold the error): {:?}",
            failed.len(),
            failed
        )))
    }
}

fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Failure> {
    use clustersim::sweep;
    let mut texts = Vec::new();
    for s in shards {
        let file = if s.is_dir() { s.join(sweep::SHARD_FILE) } else { s.clone() };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read shard file {}", file.display()))
            .map_err(Failure::Input)?;
        texts.push((file.display().to_string(), text));
    }
    let report = sweep::merge(&texts)?;
    print_sweep_table(&report);
    let out = out.unwrap_or_else(|| Path::new("out").join(format!("{}-sweep", report.shape.sweep)));
    let files = sweep::render(&report).map_err(Failure::Other)?;
    write_dir(&out, &files)?;
    let failed = report.rows.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        println!("{failed} point(s) failed to run (their rows hold the error)");
    }
    Ok(())
}

/// Writes `files` as directory `out` (replacing it atomically) and says so.
fn write_dir(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Failure> {
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    output::replace_dir(out, &refs).map_err(Failure::Other)?;
    let names: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    println!("wrote {}/ ({})", out.display(), names.join(", "));
    Ok(())
}

/// The sweep's plotted metric per point and variant (the first 40 rows; sweep.csv has them all).
fn print_sweep_table(report: &reports::SweepReport) {
    const SHOWN: usize = 40;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let shape = &report.shape;
    let metric = shape.metrics.get(shape.plotted).cloned().unwrap_or_default();
    let header: Vec<String> = std::iter::once("point".to_string())
        .chain(shape.axes.iter().map(|a| a.field.clone()))
        .chain(["variant".to_string(), metric])
        .collect();
    table.set_header(header);
    for r in report.rows.iter().take(SHOWN) {
        let value = match (&r.error, r.values.get(shape.plotted).copied().flatten()) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(v)) => format!("{v:.6}"),
            (None, None) => "–".into(),
        };
        let row: Vec<String> = std::iter::once(r.point.to_string())
            .chain(shape.axes.iter().zip(&r.coords).map(|(a, &c)| a.values[c as usize].clone()))
            .chain([r.variant.clone(), value])
            .collect();
        add_row(&mut table, shape.axes.len() + 2, row);
    }
    println!("{table}");
    if report.rows.len() > SHOWN {
        println!("(first {SHOWN} of {} rows; all in sweep.csv)", report.rows.len());
    }
}

fn regress(dir: &Path, golden_dir: &Path, update: bool) -> Result<(), Failure> {
    use clustersim::place;
    #[allow(clippy::disallowed_methods)] // wall time is printed to the terminal only
    let wall = Instant::now();
    let files = place::suite_files(dir).map_err(Failure::Input)?;
    if files.is_empty() {
        return Err(Failure::Input(anyhow::anyhow!("no scenario files in {}", dir.display())));
    }
    let mut findings = place::Findings::default();
    for file in &files {
        let name = file.display().to_string();
        let text = read(file)?;
        let prepared = prepare_placement(&text, &name, None)?;
        let (report, _) = place::place(&prepared, &name).map_err(|e| place_failure(e, &prepared, &text))?;
        place::check_invariants(&report, &mut findings);
        let new = place::golden_of(&report);
        let path = place::golden_path(golden_dir, file);
        let cases = new.cases.len();
        if update {
            std::fs::create_dir_all(golden_dir)
                .and_then(|()| std::fs::write(&path, serde_json::to_string_pretty(&new).expect("serializable") + "\n"))
                .with_context(|| format!("writing {}", path.display()))
                .map_err(Failure::Other)?;
            println!("{name}: {cases} cases recorded in {}", path.display());
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(json) => {
                let golden: place::Golden = serde_json::from_str(&json)
                    .with_context(|| format!("reading {}", path.display()))
                    .map_err(Failure::Input)?;
                place::compare(&golden, &new, &mut findings);
                println!("{name}: {cases} cases compared with {}", path.display());
            }
            Err(_) => findings
                .failures
                .push(format!("{name}: no golden values at {} (run `clustersim regress --update`)", path.display())),
        }
    }
    for n in &findings.notes {
        println!("  {n}");
    }
    for f in &findings.failures {
        println!("  {f}");
    }
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    if findings.failures.is_empty() {
        println!("placement suite: {} scenarios, no regression", files.len());
        Ok(())
    } else {
        Err(Failure::Other(anyhow::anyhow!(
            "placement suite: {} regression(s) beyond {} % or broken invariants (listed above)",
            findings.failures.len(),
            100.0 * place::REGRESSION_TOLERANCE
        )))
    }
}

fn reproduce(out: &Path, markdown: &Path, only: &[String], data_dir: Option<&Path>) -> Result<(), Failure> {
    use clustersim::reproduce;
    #[allow(clippy::disallowed_methods)] // wall time is printed to the terminal only
    let wall = Instant::now();
    let claims: Vec<&'static reproduce::Claim> =
        reproduce::claims().iter().filter(|c| only.is_empty() || only.iter().any(|o| o == c.id)).collect();
    if claims.is_empty() {
        let ids: Vec<&str> = reproduce::claims().iter().map(|c| c.id).collect();
        return Err(Failure::Input(anyhow::anyhow!("no claim matches --only {only:?} (claims: {})", ids.join(", "))));
    }
    let data_dir = DataDir::resolve(data_dir);
    let mut outcomes = Vec::new();
    for claim in claims {
        println!("{}: running {}", claim.id, claim.scenario_path);
        let outcome = reproduce::run_claim(claim, &data_dir).map_err(Failure::Other)?;
        let owned = |files: Vec<(&'static str, Vec<u8>)>| files.into_iter().map(|(n, b)| (n.to_string(), b)).collect();
        let files: Vec<(String, Vec<u8>)> = match &outcome.report {
            reproduce::ClaimReport::Training(r) => output::render(r).map(owned),
            reproduce::ClaimReport::Dnn { report, scaling, trace } => {
                output::render_dnn(report, scaling, trace.as_deref()).map(owned)
            }
            reproduce::ClaimReport::Placement { files, .. } => Ok(files.clone()),
        }
        .map_err(Failure::Other)?;
        let dir = out.join(outcome.report.scenario());
        let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        output::replace_dir(&dir, &refs).map_err(Failure::Other)?;
        for c in &outcome.checks {
            println!("  [{}] {}: {}", if c.holds { "holds" } else { "FAILS" }, c.what, c.simulated);
        }
        outcomes.push(outcome);
    }
    std::fs::write(markdown, reproduce::markdown(&outcomes))
        .with_context(|| format!("writing {}", markdown.display()))
        .map_err(Failure::Other)?;
    let held = outcomes.iter().filter(|o| o.holds()).count();
    println!("{held} of {} claims hold; wrote {}", outcomes.len(), markdown.display());
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    Ok(())
}

/// One row per variant of a DNN training run: split, iteration time, throughput, utilization, where the
/// time went, memory and energy.
fn print_dnn_table(report: &reports::DnnReport) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "variant",
        "GPUs",
        "d×t×p",
        "iteration (s)",
        "tokens/s",
        "MFU",
        "compute / comm / bubble (s)",
        "peak memory",
        "energy (kJ)",
    ]);
    for v in &report.variants {
        add_row(
            &mut table,
            1,
            vec![
                v.name.clone(),
                v.gpus.to_string(),
                format!("{}×{}×{}", v.data_parallel, v.tensor_parallel, v.pipeline_parallel),
                format!("{:.4}", v.iteration_time_s),
                format!("{:.0}", v.tokens_per_s),
                format!("{:.1} %", 100.0 * v.mfu),
                format!("{:.3} / {:.3} / {:.3}", v.compute_s, v.exposed_communication_s, v.bubble_s),
                format!("{:.1} of {:.1} GiB", gib(v.peak_memory_bytes), gib(v.memory_capacity_bytes)),
                format!("{:.2}", v.energy_j / 1e3),
            ],
        );
    }
    println!("{table}");
    for v in &report.variants {
        let Some(f) = &v.faults else { continue };
        match f.job_time_s {
            Some(t) => println!(
                "{}: {} iterations in {t:.1} s ({:.1} s without faults): {} failures, {:.1} s lost work, {:.1} s \
                 restarting, {:.1} s checkpoints, goodput {:.1} %",
                v.name,
                f.iterations,
                f.failure_free_s,
                f.failures.len(),
                f.lost_work_s,
                f.restarting_s,
                f.checkpoint_overhead_s,
                100.0 * f.goodput
            ),
            None => println!("{}: {}", v.name, f.never_completes.as_deref().unwrap_or("never completes")),
        }
        for e in &f.link_events {
            println!("  from {:.1} s ({}): {:.4} s per iteration", e.at_s, e.changes.join("; "), e.iteration_time_s);
        }
    }
}

/// One row per variant of a STRADS run: scheduler, rounds, time to target, where the time went.
fn print_strads_table(report: &reports::RunReport) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let target = report.target_objective.map_or_else(|| "time to target (s)".into(), |t| format!("time to {t:.6} (s)"));
    table.set_header(vec![
        "variant".to_string(),
        "scheduler".into(),
        format!("final {}", report.objective_name),
        "rounds".into(),
        "sim time (s)".into(),
        target,
        "non-zeros".into(),
        "parallelization error".into(),
        "scheduler busy (s)".into(),
        "MB sent".into(),
    ]);
    for v in &report.variants {
        let s = &v.summary;
        let Some(st) = &s.strads else { continue };
        let row = vec![
            v.name.clone(),
            st.scheduler.clone(),
            format!("{:.6}", s.final_objective),
            st.rounds.to_string(),
            format!("{:.4}", s.sim_time_s),
            match s.time_to_target_s {
                Some(t) => format!("{t:.4}"),
                None if st.diverged => "diverged".into(),
                None => "not reached".into(),
            },
            st.final_nonzeros.map_or("-".into(), |n| n.to_string()),
            format!("{:.3e}", st.parallelization_error),
            format!("{:.4}", st.schedule_s + st.pull_s),
            format!("{:.1}", s.bytes_sent as f64 / 1e6),
        ];
        add_row(&mut table, 2, row);
    }
    println!("{table}");
}

fn print_collective_table(report: &reports::CollectiveReport) {
    if report.variants.iter().any(|v| v.points.iter().any(|p| !p.phases.is_empty())) {
        return print_phase_table(report);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["variant", "platform", "ranks", "size", "time (s)", "algbw (GB/s)", "busbw (GB/s)"]);
    for v in &report.variants {
        for p in &v.points {
            let row = vec![
                v.name.clone(),
                v.platform.clone(),
                v.hosts.to_string(),
                human_bytes(p.bytes),
                format!("{:.6}", p.time_s),
                format!("{:.2}", p.algbw_bytes_per_s / 1e9),
                format!("{:.2}", p.busbw_bytes_per_s / 1e9),
            ];
            table.add_row(row.into_iter().enumerate().map(|(i, c)| {
                let cell = Cell::new(c);
                if i < 2 {
                    cell
                } else {
                    cell.set_alignment(CellAlignment::Right)
                }
            }));
        }
    }
    println!("{table}");
}

/// One row per phase and a total per (variant, size): the reconfiguration before each phase, the
/// collective's own time and bus bandwidth, and the phase time.
fn print_phase_table(report: &reports::CollectiveReport) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "variant",
        "size",
        "phase",
        "collective on circuits",
        "circuits +/−",
        "reconfig (s)",
        "collective (s)",
        "busbw (GB/s)",
        "phase time (s)",
    ]);
    let secs = |ps: u64| format!("{:.6}", ps as f64 / 1e12);
    for v in &report.variants {
        for p in &v.points {
            let size = human_bytes(p.bytes);
            for ph in &p.phases {
                add_row(
                    &mut table,
                    3,
                    vec![
                        v.name.clone(),
                        size.clone(),
                        format!("{} {}", ph.phase, ph.name),
                        format!("{} on {}", ph.collective, ph.circuits),
                        format!("+{} −{}", ph.circuits_set_up, ph.circuits_torn_down),
                        secs(ph.reconfiguration_ps),
                        secs(ph.collective_ps),
                        format!("{:.2}", ph.busbw_bytes_per_s / 1e9),
                        format!("{:.6}", ph.time_s),
                    ],
                );
            }
            let reconfiguration: u64 = p.phases.iter().map(|ph| ph.reconfiguration_ps).sum();
            let collective: u64 = p.phases.iter().map(|ph| ph.collective_ps).sum();
            let row = vec![
                v.name.clone(),
                size,
                "total".into(),
                String::new(),
                String::new(),
                secs(reconfiguration),
                secs(collective),
                String::new(),
                format!("{:.6}", p.time_s),
            ];
            add_row(&mut table, 3, row);
        }
    }
    println!("{table}");
    println!("(circuits +/−: set up / torn down before the phase; phase time = reconfig + collective)");
}

/// Adds `row` to `table`, right-aligning the columns from `first_number` on.
fn add_row(table: &mut Table, first_number: usize, row: Vec<String>) {
    table.add_row(row.into_iter().enumerate().map(|(i, c)| {
        let cell = Cell::new(c);
        if i == 1 || i >= first_number {
            cell.set_alignment(CellAlignment::Right)
        } else {
            cell
        }
    }));
}

/// Bytes in GiB.
fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

fn human_bytes(b: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (scale, unit) in UNITS {
        if b >= scale && b % scale == 0 {
            return format!("{} {unit}", b / scale);
        }
    }
    format!("{b} B")
}

fn print_table(report: &reports::RunReport) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let target =
        report.target_objective.map(|t| format!("time to {t} (s)")).unwrap_or_else(|| "time to target (s)".into());
    table.set_header(vec![
        "variant".to_string(),
        format!("final {}", report.objective_name),
        "sim time (s)".into(),
        target,
        "compute (s)".into(),
        "comm (s)".into(),
        "wait (s)".into(),
        "staleness mean/max".into(),
        "MB sent".into(),
    ]);
    for v in &report.variants {
        let s = &v.summary;
        let row = vec![
            v.name.clone(),
            format!("{:.5}", s.final_objective),
            format!("{:.4}", s.sim_time_s),
            s.time_to_target_s.map_or("not reached".into(), |t| format!("{t:.4}")),
            format!("{:.3}", s.compute_s),
            format!("{:.3}", s.communication_s),
            format!("{:.3}", s.waiting_s),
            format!("{:.2} / {}", s.staleness_mean, s.staleness_max),
            format!("{:.1}", s.bytes_sent as f64 / 1e6),
        ];
        table.add_row(row.into_iter().enumerate().map(|(i, c)| {
            let cell = Cell::new(c);
            if i == 0 {
                cell
            } else {
                cell.set_alignment(CellAlignment::Right)
            }
        }));
    }
    println!("{table}");
    println!("(compute, comm and wait are summed over workers)");
}
