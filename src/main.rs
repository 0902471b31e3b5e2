//! `clustersim`: run a scenario file and write its reports.
//!
//! Exit codes: 0 success, 2 a bad scenario or command line, 1 any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use clustersim::run::{execute, prepare, report, total_clocks};
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
    let prepared = prepare(parsed, text, name, &DataDir::resolve(data_dir), None)?;
    println!(
        "{name}: ok ({} variants, {} hosts, {} workers, {} server shards)",
        prepared.variants.len(),
        prepared.platform.hosts().len(),
        prepared.deployment.workers.len(),
        prepared.deployment.servers.len()
    );
    Ok(())
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
    let prepared = prepare(parsed, text, name, &DataDir::resolve(data_dir), seed)?;
    let out = out.unwrap_or_else(|| Path::new("out").join(&prepared.file.name));
    println!("seed={} scenario={} variants={}", prepared.seed, prepared.file.name, prepared.variants.len());

    let bar = ProgressBar::new(total_clocks(&prepared));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} [{bar:30}] {pos}/{len} clocks")
            .expect("valid template")
            .progress_chars("=> "),
    );
    // Show the bar only for runs that last; quick runs print nothing extra.
    bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    let shown = std::sync::atomic::AtomicBool::new(false);
    let outcomes = execute(&prepared, &|_| {
        if !shown.load(std::sync::atomic::Ordering::Relaxed) && wall.elapsed().as_secs_f64() > 1.0 {
            shown.store(true, std::sync::atomic::Ordering::Relaxed);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.inc(1);
    })
    .with_context(|| format!("running scenario {}", prepared.file.name))
    .map_err(Failure::Other)?;
    bar.finish_and_clear();

    let report = report(&prepared, &outcomes);
    let files = output::render(&report).map_err(Failure::Other)?;
    output::replace_dir(&out, &files).map_err(Failure::Other)?;
    print_table(&report);
    println!("wrote {}/ ({})", out.display(), output::FILES.join(", "));
    println!("wall time {:.2} s", wall.elapsed().as_secs_f64());
    Ok(())
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
