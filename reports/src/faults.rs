//! Failures and recovery of a training job: what checkpoints, lost work and restarts cost ([`FaultReport`],
//! one per DNN variant run with failures), tabulated per failure ([`faults_csv`]) and drawn
//! ([`recovery_svg`], [`recovery_png`]).
//!
//! **Recovery figure:** two panels. Above, iterations completed against wall-clock time, one line per variant:
//! a staircase that climbs with each iteration and drops back to the last checkpoint at each failure (marked
//! with a cross). Below, one horizontal bar per variant splitting the job's time into kept iterations,
//! checkpoints, lost work and restarts, with the goodput (kept / total) printed after it.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::breakdown::{draw_stacked_bars, StackedBars, COMPONENTS};
use crate::dnn::DnnReport;
use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};

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
    /// Failure-free time: iterations × iteration time [s].
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

pub(crate) fn draw<DB: DrawingBackend>(
    report: &DnnReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let with: Vec<(usize, &str, &FaultReport)> = report
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.faults.as_ref().map(|f| (i, v.name.as_str(), f)))
        .collect();
    let (_, height) = root.dim_in_pixel();
    let (upper, lower) = root.split_vertically(height * 11 / 20);
    let t_max = with.iter().flat_map(|(_, _, f)| f.progress.last().map(|p| p.0)).fold(0.0, f64::max);
    let n_max = with.iter().map(|(_, _, f)| f.iterations).max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(&upper)
        .caption(format!("{}: progress through failures", report.scenario), (FONT, 24))
        .margin(15)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..(t_max * 1.02).max(1e-9), 0.0..n_max as f64 * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("wall-clock time of the job [s]")
        .y_desc("iterations done")
        .x_label_formatter(&|v: &f64| fmt_tick_number(*v))
        .y_label_formatter(&|v: &f64| fmt_tick_number(*v))
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .x_max_light_lines(1)
        .y_max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    for &(i, name, f) in &with {
        let color = variant_color(i);
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
        chart.draw_series(f.failures.iter().map(|r| Cross::new((r.at_s, r.iterations_done as f64), 6, style)))?;
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
    let parts: Vec<Vec<f64>> =
        with.iter().map(|(_, _, f)| vec![f.useful_s, f.checkpoint_overhead_s, f.lost_work_s, f.restarting_s]).collect();
    let labels = with
        .iter()
        .map(|(_, _, f)| match f.job_time_s {
            Some(t) => format!("{t:.1} s, goodput {:.1} %", 100.0 * f.goodput),
            None => "never completes".to_string(),
        })
        .collect();
    let bars = StackedBars {
        caption: String::new(),
        x_desc: "job time [s]",
        names: with.iter().map(|(_, n, _)| *n).collect(),
        parts,
        labels,
        components: &FAULT_COMPONENTS,
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
}
