//! Failures and recovery of a training job: what checkpoints, lost work and restarts cost ([`FaultReport`],
//! one per DNN variant run with failures; [`PsFaultReport`], one per parameter-server variant, whose steps are
//! clocks), tabulated per failure ([`faults_csv`], [`ps_faults_csv`]) and drawn ([`recovery_svg`],
//! [`recovery_png`]; [`ps_recovery_svg`], [`ps_recovery_png`]).
//!
//! **Recovery figure:** two panels. Above, steps (iterations, or clocks) completed against wall-clock time, one
//! line per variant: a staircase that climbs with each step and drops back to the last checkpoint at each
//! failure (marked with a cross). Below, one horizontal bar per variant splitting the job's time into kept
//! steps, checkpoints, lost work and restarts, with the goodput (kept / total) printed after it.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::breakdown::{draw_stacked_bars, StackedBars, COMPONENTS};
use crate::dnn::DnnReport;
use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};
use crate::summary::RunReport;
use crate::tables::{finish, write_row};

/// A training job's course through checkpoints, failures and restarts (`sim_core::faults`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultReport {
    /// Iterations of the job.
    pub iterations: u64,
    /// Iterations between checkpoints (0: none).
    pub checkpoint_every: u64,
    /// Time to write one checkpoint [s].
    pub checkpoint_s: f64,
    /// Time from a failure until training runs again, loading the checkpoint included [s].
    pub restart_s: f64,
    /// Time without any fault (failures, link changes): iterations × iteration time [s].
    pub failure_free_s: f64,
    /// When the job's last iteration completed [s]; `None` if failures never let it complete.
    pub job_time_s: Option<f64>,
    /// Time on iterations that were kept [s].
    pub useful_s: f64,
    /// Time writing checkpoints that completed [s].
    pub checkpoint_overhead_s: f64,
    /// Time on work that failures discarded (iterations and partial checkpoints) [s].
    pub lost_work_s: f64,
    /// Time restarting, interrupted restarts included [s].
    pub restarting_s: f64,
    /// Kept iteration time over job time (1 without failures or checkpoints).
    pub goodput: f64,
    /// Every failure, in time order.
    pub failures: Vec<FailureReport>,
    /// `(time [s], iterations done)` at each change, from `(0, 0)`; for the figure, not written to JSON.
    #[serde(skip)]
    pub progress: Vec<(f64, u64)>,
    /// Why the job never completes, if it does not.
    pub never_completes: Option<String>,
    /// The platform's link changes (`faults.links`) and the iteration time from each on; iterations
    /// run at the time of the state in force when they start. Empty without link faults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_events: Vec<LinkEventReport>,
}

/// Links changing at one time, and the iteration time on the platform from then on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkEventReport {
    /// When, on the job's wall clock [s].
    pub at_s: f64,
    /// What changed, one entry per cable: `"leaf0–spine1 fails"`.
    pub changes: Vec<String>,
    /// One iteration on the platform from then on, re-simulated [s].
    pub iteration_time_s: f64,
}

/// One failure and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureReport {
    /// When it hit [s].
    pub at_s: f64,
    /// What it interrupted: `iteration`, `checkpoint` or `restart`.
    pub during: String,
    /// Iterations done when it hit.
    pub iterations_done: u64,
    /// The iteration count the job resumed from (its last checkpoint's).
    pub resumed_from: u64,
    /// Work discarded [s].
    pub lost_work_s: f64,
    /// From the failure until the job was back where it was [s].
    pub time_to_recover_s: Option<f64>,
}

/// Header of [`faults_csv`].
pub const FAULTS_CSV_HEADER: [&str; 8] =
    ["variant", "failure", "at_s", "during", "iterations_done", "resumed_from", "lost_work_s", "time_to_recover_s"];

/// Renders one row per failure of every variant with a [`FaultReport`], header [`FAULTS_CSV_HEADER`].
pub fn faults_csv(report: &DnnReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FAULTS_CSV_HEADER).expect("writing to memory cannot fail");
    for v in &report.variants {
        let Some(f) = &v.faults else { continue };
        for (i, r) in f.failures.iter().enumerate() {
            let row = [
                v.name.clone(),
                (i + 1).to_string(),
                r.at_s.to_string(),
                r.during.clone(),
                r.iterations_done.to_string(),
                r.resumed_from.to_string(),
                r.lost_work_s.to_string(),
                r.time_to_recover_s.map_or(String::new(), |t| t.to_string()),
            ];
            w.write_record(&row).expect("writing to memory cannot fail");
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("CSV of UTF-8 strings")
}

/// A parameter-server run's course through checkpoints, failures and restarts (`sim_core::faults` with the
/// clocks as steps): each clock takes the time it took in the failure-free run with checkpoint drains, from
/// every update of the clocks before it reaching its shard to every update of it doing so. A failure loses a
/// worker; every worker rolls back to the servers' last checkpoint (coordinated checkpoints: server tables and
/// worker-local state), and the rolled-back clocks are **replayed exactly**: same data, same random draws,
/// same updates and the same time as their first execution, so the job ends with the failure-free model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PsFaultReport {
    /// Clocks of the run [clocks].
    pub clocks: u64,
    /// Clocks between checkpoints (0: none; a failure restarts from clock 0) [clocks].
    pub checkpoint_every: u64,
    /// What a checkpoint writes from its largest parts: the largest shard's rows (keys and values) plus the
    /// largest worker-local state [bytes]; the write time at the checkpoint bandwidth follows from it.
    pub checkpoint_bytes: u64,
    /// Time to write one checkpoint [s].
    pub checkpoint_s: f64,
    /// Time from a failure until the workers run again, reading the checkpoint back included [s].
    pub restart_s: f64,
    /// Failure-free time: the run with checkpoint drains, their write time excluded, until every update of
    /// its last clock reached its shard [s].
    pub failure_free_s: f64,
    /// When the job's last clock completed on its wall clock [s]; `None` if failures never let it complete.
    pub job_time_s: Option<f64>,
    /// Time on clocks that were kept [s] (the failure-free time once the job completes).
    pub useful_s: f64,
    /// Time writing checkpoints that completed [s].
    pub checkpoint_overhead_s: f64,
    /// Time on work that failures discarded (clocks and partial checkpoints) [s].
    pub lost_work_s: f64,
    /// Time restarting, interrupted restarts included [s].
    pub restarting_s: f64,
    /// Kept clock time over job time (1 without failures or checkpoints).
    pub goodput: f64,
    /// When the objective first reached the scenario's target on the job's wall clock [s]; `None` if never,
    /// or without a target.
    pub time_to_target_s: Option<f64>,
    /// How rolled-back clocks are replayed: always `"exact"` (see the type's docs).
    pub replay: String,
    /// Every failure, in time order.
    pub failures: Vec<PsFailureReport>,
    /// `(time [s], clocks done)` at each change, from `(0, 0)`; for the figure, not written to JSON.
    #[serde(skip)]
    pub progress: Vec<(f64, u64)>,
    /// Why the job never completes, if it does not.
    pub never_completes: Option<String>,
}

/// One failure of a parameter-server run and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PsFailureReport {
    /// When it hit, on the job's wall clock [s].
    pub at_s: f64,
    /// The worker host it took down, for a failure given in the scenario; `None` for one drawn from the
    /// failure rate (any worker host: all roll back alike).
    pub device: Option<String>,
    /// What it interrupted: `clock`, `checkpoint` or `restart`.
    pub during: String,
    /// Clocks completed (by every worker, delivered to every shard) when it hit [clocks].
    pub clocks_done: u64,
    /// The clock the job resumed from: its last checkpoint's [clocks].
    pub resumed_from: u64,
    /// Work discarded: the time since the last checkpoint (or restart) completed [s].
    pub lost_work_s: f64,
    /// From the failure until the job was back at the exact point it interrupted (the restart, the checkpoint
    /// read back, then the replay of the lost work: `restart_s + lost_work_s` unless another failure
    /// intervenes) [s].
    pub time_to_recover_s: Option<f64>,
}

/// Header of [`ps_faults_csv`].
pub const PS_FAULTS_CSV_HEADER: [&str; 9] = [
    "variant",
    "failure",
    "at_s",
    "device",
    "during",
    "clocks_done",
    "resumed_from",
    "lost_work_s",
    "time_to_recover_s",
];

/// Renders one row per failure of every variant of a parameter-server run with a [`PsFaultReport`], header
/// [`PS_FAULTS_CSV_HEADER`]; `device` is empty for failures drawn from the failure rate.
pub fn ps_faults_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, PS_FAULTS_CSV_HEADER);
    for v in &report.variants {
        let Some(f) = &v.faults else { continue };
        for (i, r) in f.failures.iter().enumerate() {
            write_row(
                &mut w,
                [
                    v.name.clone(),
                    (i + 1).to_string(),
                    r.at_s.to_string(),
                    r.device.clone().unwrap_or_default(),
                    r.during.clone(),
                    r.clocks_done.to_string(),
                    r.resumed_from.to_string(),
                    r.lost_work_s.to_string(),
                    r.time_to_recover_s.map_or(String::new(), |t| t.to_string()),
                ],
            );
        }
    }
    finish(w)
}

/// Renders the recovery figure (1000 × 600 px) of a parameter-server run's variants with a [`PsFaultReport`]
/// as an SVG document: clocks done against wall-clock time, and each job time's split.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn ps_recovery_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::PsRecovery(report))
}

/// Renders the same figure as [`ps_recovery_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn ps_recovery_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::PsRecovery(report))
}

/// Renders the recovery figure (1000 × 600 px) of the variants with a [`FaultReport`] as an SVG document.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn recovery_svg(report: &DnnReport) -> Result<String, ReportError> {
    render_svg(Figure::Recovery(report))
}

/// Renders the same figure as [`recovery_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn recovery_png(report: &DnnReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Recovery(report))
}

/// Names and colours of the job-time components: kept iterations as compute, checkpoints in orange, lost work
/// in vermillion (Okabe & Ito), restarts in the breakdown's grey.
const FAULT_COMPONENTS: [(&str, RGBColor); 4] = [
    ("kept iterations", COMPONENTS[0].1),
    ("checkpoints", RGBColor(0xE6, 0x9F, 0x00)),
    ("lost work", RGBColor(0xD5, 0x5E, 0x00)),
    ("restarts", COMPONENTS[2].1),
];

/// [`FAULT_COMPONENTS`] with the steps called clocks.
const PS_FAULT_COMPONENTS: [(&str, RGBColor); 4] =
    [("kept clocks", FAULT_COMPONENTS[0].1), FAULT_COMPONENTS[1], FAULT_COMPONENTS[2], FAULT_COMPONENTS[3]];

/// One variant's course through failures as the recovery figure draws it, whatever its steps are.
struct Course<'a> {
    /// Variant index (its colour).
    index: usize,
    name: &'a str,
    /// Steps of the job.
    steps: u64,
    /// `(time [s], steps done)` at each change.
    progress: &'a [(f64, u64)],
    /// `(time [s], steps done)` of each failure.
    failures: Vec<(f64, u64)>,
    /// Kept steps, checkpoints, lost work, restarts [s].
    parts: Vec<f64>,
    job_time_s: Option<f64>,
    goodput: f64,
}

/// How a figure names its steps: the y axis and the first bar component.
struct StepWords {
    axis: &'static str,
    components: &'static [(&'static str, RGBColor)],
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &DnnReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let courses: Vec<Course> = report
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.faults.as_ref().map(|f| (i, v.name.as_str(), f)))
        .map(|(index, name, f)| Course {
            index,
            name,
            steps: f.iterations,
            progress: &f.progress,
            failures: f.failures.iter().map(|r| (r.at_s, r.iterations_done)).collect(),
            parts: vec![f.useful_s, f.checkpoint_overhead_s, f.lost_work_s, f.restarting_s],
            job_time_s: f.job_time_s,
            goodput: f.goodput,
        })
        .collect();
    let words = StepWords { axis: "iterations done", components: &FAULT_COMPONENTS };
    draw_courses(&report.scenario, &courses, &words, root)
}

pub(crate) fn draw_ps<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let courses: Vec<Course> = report
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.faults.as_ref().map(|f| (i, v.name.as_str(), f)))
        .map(|(index, name, f)| Course {
            index,
            name,
            steps: f.clocks,
            progress: &f.progress,
            failures: f.failures.iter().map(|r| (r.at_s, r.clocks_done)).collect(),
            parts: vec![f.useful_s, f.checkpoint_overhead_s, f.lost_work_s, f.restarting_s],
            job_time_s: f.job_time_s,
            goodput: f.goodput,
        })
        .collect();
    let words = StepWords { axis: "clocks done", components: &PS_FAULT_COMPONENTS };
    draw_courses(&report.scenario, &courses, &words, root)
}

fn draw_courses<DB: DrawingBackend>(
    scenario: &str,
    with: &[Course],
    words: &StepWords,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (_, height) = root.dim_in_pixel();
    let (upper, lower) = root.split_vertically(height * 11 / 20);
    let t_max = with.iter().flat_map(|f| f.progress.last().map(|p| p.0)).fold(0.0, f64::max);
    let n_max = with.iter().map(|f| f.steps).max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(&upper)
        .caption(format!("{scenario}: progress through failures"), (FONT, 24))
        .margin(15)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..(t_max * 1.02).max(1e-9), 0.0..n_max as f64 * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("wall-clock time of the job [s]")
        .y_desc(words.axis)
        .x_label_formatter(&|v: &f64| fmt_tick_number(*v))
        .y_label_formatter(&|v: &f64| fmt_tick_number(*v))
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .x_max_light_lines(1)
        .y_max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    for f in with {
        let (name, color) = (f.name, variant_color(f.index));
        let style = ShapeStyle::from(color).stroke_width(2);
        // A staircase: iterations hold between changes.
        let mut points = Vec::with_capacity(2 * f.progress.len());
        for w in f.progress.windows(2) {
            points.push((w[0].0, w[0].1 as f64));
            points.push((w[1].0, w[0].1 as f64));
        }
        if let Some(&(t, n)) = f.progress.last() {
            points.push((t, n as f64));
        }
        chart
            .draw_series(LineSeries::new(points, style))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        chart.draw_series(f.failures.iter().map(|&(at, done)| Cross::new((at, done as f64), 6, style)))?;
    }
    if !with.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    let parts: Vec<Vec<f64>> = with.iter().map(|f| f.parts.clone()).collect();
    let labels = with
        .iter()
        .map(|f| match f.job_time_s {
            Some(t) => format!("{t:.1} s, goodput {:.1} %", 100.0 * f.goodput),
            None => "never completes".to_string(),
        })
        .collect();
    let bars = StackedBars {
        caption: String::new(),
        x_desc: "job time [s]",
        names: with.iter().map(|f| f.name).collect(),
        parts,
        labels,
        components: words.components,
        headroom: 1.35,
        legend_item_px: 170,
    };
    draw_stacked_bars(&bars, &lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnn::small_dnn_report;
    use crate::test_support::{decode, pixels_of, svg_texts};

    fn with_faults() -> DnnReport {
        let mut r = small_dnn_report();
        r.variants[0].faults = Some(FaultReport {
            iterations: 4,
            checkpoint_every: 2,
            checkpoint_s: 0.5,
            restart_s: 2.0,
            failure_free_s: 4.0,
            job_time_s: Some(8.5),
            useful_s: 4.0,
            checkpoint_overhead_s: 1.0,
            lost_work_s: 1.5,
            restarting_s: 2.0,
            goodput: 4.0 / 8.5,
            failures: vec![FailureReport {
                at_s: 4.0,
                during: "iteration".into(),
                iterations_done: 3,
                resumed_from: 2,
                lost_work_s: 1.5,
                time_to_recover_s: Some(3.0),
            }],
            progress: vec![(0.0, 0), (1.0, 1), (2.0, 2), (3.5, 3), (4.0, 2), (7.0, 3), (8.5, 4)],
            never_completes: None,
            link_events: Vec::new(),
        });
        r
    }

    #[test]
    fn the_csv_has_a_row_per_failure() {
        let csv = faults_csv(&with_faults());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], FAULTS_CSV_HEADER.join(","));
        assert_eq!(lines[1], format!("{},1,4,iteration,3,2,1.5,3", small_dnn_report().variants[0].name));
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn the_figure_draws_progress_and_the_cost_split() {
        let r = with_faults();
        let texts = svg_texts(&recovery_svg(&r).unwrap()).join("\n");
        for needle in ["progress through failures", "iterations done", "lost work", "restarts", "goodput 47.1 %"] {
            assert!(texts.contains(needle), "{needle} missing: {texts}");
        }
        let (_, _, rgb) = decode(&recovery_png(&r).unwrap());
        assert!(pixels_of(&rgb, FAULT_COMPONENTS[2].1) > 500, "the lost-work segment");
        assert!(pixels_of(&rgb, variant_color(0)) > 100, "the progress line");
        // JSON omits the staircase.
        let json = serde_json::to_string(r.variants[0].faults.as_ref().unwrap()).unwrap();
        assert!(!json.contains("progress") && json.contains("time_to_recover_s"));
    }

    /// The first variant of the small training report through one failure 1.5 s after its checkpoint at
    /// clock 2 (clocks of 1 s, checkpoints of 0.5 s, restarts of 2 s).
    fn ps_with_faults() -> RunReport {
        let mut r = crate::test_support::small_report();
        r.variants[0].faults = Some(PsFaultReport {
            clocks: 4,
            checkpoint_every: 2,
            checkpoint_bytes: 1_000,
            checkpoint_s: 0.5,
            restart_s: 2.0,
            failure_free_s: 4.0,
            job_time_s: Some(8.5),
            useful_s: 4.0,
            checkpoint_overhead_s: 1.0,
            lost_work_s: 1.5,
            restarting_s: 2.0,
            goodput: 4.0 / 8.5,
            time_to_target_s: None,
            replay: "exact".into(),
            failures: vec![PsFailureReport {
                at_s: 4.0,
                device: Some("host2".into()),
                during: "clock".into(),
                clocks_done: 3,
                resumed_from: 2,
                lost_work_s: 1.5,
                time_to_recover_s: Some(3.5),
            }],
            progress: vec![(0.0, 0), (1.0, 1), (2.0, 2), (3.5, 3), (4.0, 2), (7.0, 3), (8.5, 4)],
            never_completes: None,
        });
        r
    }

    #[test]
    fn a_parameter_server_run_lists_its_failures_in_clocks() {
        let r = ps_with_faults();
        let csv = ps_faults_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines, [PS_FAULTS_CSV_HEADER.join(",").as_str(), "bsp,1,4,host2,clock,3,2,1.5,3.5"]);
        let json = crate::summary_json(&r);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let f = &v["variants"][0]["faults"];
        assert_eq!((f["clocks"].as_u64(), f["failures"][0]["clocks_done"].as_u64()), (Some(4), Some(3)));
        assert_eq!(f["replay"], "exact");
        assert!(f.get("progress").is_none() && v["variants"][1].get("faults").is_none());
        // Without faults the summary is what it was.
        assert!(!crate::summary_json(&crate::test_support::small_report()).contains("faults"));
    }

    #[test]
    fn the_parameter_server_figure_counts_clocks() {
        let r = ps_with_faults();
        let texts = svg_texts(&ps_recovery_svg(&r).unwrap()).join("\n");
        for needle in ["progress through failures", "clocks done", "kept clocks", "lost work", "goodput 47.1 %"] {
            assert!(texts.contains(needle), "{needle} missing: {texts}");
        }
        assert!(!texts.contains("iterations"), "{texts}");
        let (_, _, rgb) = decode(&ps_recovery_png(&r).unwrap());
        assert!(pixels_of(&rgb, FAULT_COMPONENTS[2].1) > 500, "the lost-work segment");
        // The convergence plot's time axis says it is the job's wall clock.
        let conv = svg_texts(&crate::convergence_svg(&r).unwrap()).join("\n");
        assert!(conv.contains("job wall-clock time"), "{conv}");
    }
}
