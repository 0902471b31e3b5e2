//! The DNN training plots: throughput against GPU count (scaling), and the time breakdown of one iteration per
//! variant.
//!
//! **Scaling:** one line with markers per [`ThroughputSeries`], points in increasing GPU count. When the GPU
//! counts span more than 8× both axes are logarithmic (GPUs in base 2, throughput in base 10), so that ideal
//! linear scaling is a straight line of slope 1 and small clusters are not squashed against the origin;
//! otherwise both axes are linear from 0. The optional ideal-scaling line of a series runs dashed, in the
//! series' colour, from its first point (fewest GPUs) to the series' largest GPU count, with throughput
//! proportional to GPUs (straight on either kind of axes). Points with 0 GPUs or a non-finite (on log axes,
//! non-positive; on linear axes, negative) throughput cannot be placed and are skipped.
//!
//! **Breakdown:** per variant one horizontal bar stacking compute, exposed communication, pipeline bubble and
//! other time (the rest of the iteration), each the mean per GPU over one iteration [s], in the house style of
//! the parameter-server breakdown (same colours for compute and communication, grey for the rest); the
//! iteration time and the MFU are printed after each bar.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::breakdown::{draw_stacked_bars, StackedBars, COMPONENTS};
use crate::dnn::{DnnReport, DnnVariantReport};
use crate::error::ReportError;
use crate::log_axis::{LogAxis, LogBase};
use crate::plot::{fmt_seconds, fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};

/// GPU-count span (largest / smallest) above which the scaling plot switches to log-log axes.
const LOG_SPAN: f64 = 8.0;
/// GPU range shown when no point can be placed [GPUs].
const FALLBACK_GPUS: (f64, f64) = (1.0, 64.0);
/// Throughput range shown on log axes when no point can be placed [y-axis units].
const FALLBACK_THROUGHPUT: (f64, f64) = (1.0, 1e6);
/// Most labelled ticks on the GPU axis.
const MAX_X_LABELS: usize = 12;
/// Legend label of the ideal-scaling lines.
const IDEAL_LABEL: &str = "ideal linear scaling";
/// Colour of the ideal-scaling legend sample (each line itself is drawn in its series' colour).
const IDEAL_LEGEND: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Dash and gap of the ideal-scaling lines [px].
const DASH_PX: (i32, i32) = (8, 6);

/// Names and colours of the breakdown's stacked components, in stacking order (left to right): compute and
/// communication as in the parameter-server breakdown, the bubble in reddish purple (Okabe & Ito), the rest in
/// the breakdown's grey.
const DNN_COMPONENTS: [(&str, RGBColor); 4] = [
    ("compute", COMPONENTS[0].1),
    ("exposed communication", COMPONENTS[1].1),
    ("pipeline bubble", RGBColor(0xCC, 0x79, 0xA7)),
    ("other", COMPONENTS[2].1),
];

/// One line of the scaling plot: a named group of runs (e.g. one parallelization strategy) at several GPU
/// counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThroughputSeries {
    /// Legend label, e.g. `"tp8 pp4 1F1B"`.
    pub name: String,
    /// `(GPUs [count], throughput [y-axis units, e.g. tokens/s])`, in any order; drawn in increasing GPU count.
    pub points: Vec<(u32, f64)>,
}

/// The data of the scaling plot (throughput against GPU count).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThroughputPlot {
    /// Scenario name; the title is `"<scenario>: throughput scaling"`.
    pub scenario: String,
    /// y-axis description with its unit, e.g. `"throughput [tokens/s]"` or `"throughput [samples/s]"`.
    pub y_label: String,
    /// One line per series, in legend order (series `i` gets variant colour `i`).
    pub series: Vec<ThroughputSeries>,
    /// Whether to draw each series' ideal-linear-scaling line (dashed, from its first point).
    pub ideal_scaling: bool,
}

/// Renders the scaling plot as an SVG document (1000 × 600 px): throughput (see
/// [`ThroughputPlot::y_label`]) against GPUs [count], one line with markers per series, optional dashed
/// ideal-scaling lines, a legend and the title `"<scenario>: throughput scaling"`. Log-log axes when the GPU
/// counts span more than 8×, else linear axes from 0 (module docs).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn throughput_svg(plot: &ThroughputPlot) -> Result<String, ReportError> {
    render_svg(Figure::Throughput(plot))
}

/// Renders the same figure as [`throughput_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn throughput_png(plot: &ThroughputPlot) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Throughput(plot))
}

/// Renders the DNN time-breakdown plot as an SVG document (1000 × 600 px), titled `"<scenario>: time
/// breakdown per iteration"`: one horizontal bar per variant (first variant on top) stacking compute, exposed
/// communication, pipeline bubble and other time, each the mean per GPU over one iteration [s] ("other" is
/// `iteration_time_s` minus the other three, at least 0), with the bar's total and the MFU printed after it.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn dnn_breakdown_svg(report: &DnnReport) -> Result<String, ReportError> {
    render_svg(Figure::DnnBreakdown(report))
}

/// Renders the same figure as [`dnn_breakdown_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn dnn_breakdown_png(report: &DnnReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::DnnBreakdown(report))
}

/// Compute, exposed communication, pipeline bubble and other time of one iteration, each the mean per GPU [s]:
/// non-finite or negative times count as 0, and "other" is the iteration time minus the first three, at
/// least 0.
pub(crate) fn iteration_parts(v: &DnnVariantReport) -> [f64; 4] {
    let clean = |t: f64| if t.is_finite() && t > 0.0 { t } else { 0.0 };
    let [compute, communication, bubble] = [v.compute_s, v.exposed_communication_s, v.bubble_s].map(clean);
    let other = (clean(v.iteration_time_s) - (compute + communication + bubble)).max(0.0);
    [compute, communication, bubble, other]
}

/// Formats a throughput tick with an SI prefix (k, M, G, T, P) and no trailing zeros: `250000.0` → `"250k"`,
/// `1.5e6` → `"1.5M"`, `0.5` → `"0.5"`.
pub(crate) fn fmt_si(v: f64) -> String {
    const PREFIXES: [(f64, &str); 5] = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    match PREFIXES.iter().find(|(factor, _)| v.is_finite() && v.abs() >= *factor) {
        Some(&(factor, prefix)) => format!("{}{prefix}", fmt_tick_number(v / factor)),
        None => fmt_tick_number(v),
    }
}

/// Formats a GPU-count tick: whole numbers only (a linear axis over few GPUs may tick at halves, left blank).
fn fmt_gpus(v: f64) -> String {
    if v >= 0.0 && v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// One drawn line of the scaling plot: its series' index (colour), name, points and ideal line.
struct Line<'a> {
    series: usize,
    name: &'a str,
    /// (GPUs, throughput), in increasing GPU count.
    points: Vec<(f64, f64)>,
    /// The ideal-scaling line's two ends, when drawn.
    ideal: Option<[(f64, f64); 2]>,
}

/// The lines of the scaling plot and whether its axes are logarithmic.
fn scaling_lines(plot: &ThroughputPlot) -> (Vec<Line<'_>>, bool) {
    // Points that a linear axis can place decide the kind of axes; log axes then drop throughput 0.
    let linear_ok = |&(g, y): &(u32, f64)| g > 0 && y.is_finite() && y >= 0.0;
    let gpus = || plot.series.iter().flat_map(|s| s.points.iter().filter(|p| linear_ok(p)).map(|p| p.0));
    let (lo, hi) = (gpus().min().unwrap_or(1), gpus().max().unwrap_or(1));
    let log = f64::from(hi) > LOG_SPAN * f64::from(lo);
    let placeable = |p: &(u32, f64)| linear_ok(p) && (!log || p.1 > 0.0);
    let lines = plot
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut points: Vec<(f64, f64)> =
                s.points.iter().filter(|p| placeable(p)).map(|&(g, y)| (f64::from(g), y)).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let ideal = match (points.first(), points.last()) {
                (Some(&(g0, y0)), Some(&(g1, _))) if plot.ideal_scaling && g1 > g0 && y0 > 0.0 => {
                    Some([(g0, y0), (g1, y0 * g1 / g0)])
                }
                _ => None,
            };
            Line { series: i, name: s.name.as_str(), points, ideal }
        })
        .collect();
    (lines, log)
}

pub(crate) fn draw_throughput<DB: DrawingBackend>(
    plot: &ThroughputPlot,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (lines, log) = scaling_lines(plot);
    let xs: Vec<f64> = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
    let ys: Vec<f64> =
        lines.iter().flat_map(|l| l.points.iter().chain(l.ideal.iter().flatten()).map(|p| p.1)).collect();
    let x_fmt = |v: &f64| fmt_gpus(*v);
    let y_fmt = |v: &f64| fmt_si(*v);
    if log {
        let x = LogAxis::covering(xs, LogBase::Two, FALLBACK_GPUS);
        let y = LogAxis::covering(ys, LogBase::Ten, FALLBACK_THROUGHPUT);
        let axes = Axes {
            x_desc: "GPUs (log scale)",
            y_desc: &format!("{} (log scale)", plot.y_label),
            x_fmt: &x_fmt,
            y_fmt: &y_fmt,
            y_light_lines: 10,
        };
        draw_scaling(root, plot, &lines, x, y, axes)
    } else {
        let x_top = xs.iter().copied().fold(0.0, f64::max);
        let x_top = if x_top > 0.0 { x_top * 1.08 } else { FALLBACK_GPUS.1 };
        let y_top = ys.iter().copied().fold(0.0, f64::max);
        let y_top = if y_top > 0.0 { y_top * 1.08 } else { 1.0 };
        let axes = Axes { x_desc: "GPUs", y_desc: &plot.y_label, x_fmt: &x_fmt, y_fmt: &y_fmt, y_light_lines: 1 };
        draw_scaling(root, plot, &lines, 0.0..x_top, 0.0..y_top, axes)
    }
}

/// Descriptions and tick formatters of the scaling plot's axes.
struct Axes<'a> {
    x_desc: &'a str,
    y_desc: &'a str,
    x_fmt: &'a dyn Fn(&f64) -> String,
    y_fmt: &'a dyn Fn(&f64) -> String,
    /// Light grid lines per labelled y tick (a log axis draws its own minor lines if they fit in this budget).
    y_light_lines: usize,
}

/// Draws the frame, axes, the ideal-scaling lines, one line with markers per series and the legend.
fn draw_scaling<DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    plot: &ThroughputPlot,
    lines: &[Line<'_>],
    x: X,
    y: Y,
    axes: Axes<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{}: throughput scaling", plot.scenario), (FONT, 26))
        .margin(20)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_labels(MAX_X_LABELS)
        .x_label_formatter(axes.x_fmt)
        .y_label_formatter(axes.y_fmt)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .x_max_light_lines(4)
        .y_max_light_lines(axes.y_light_lines)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;

    // Ideal lines first, so the measured lines are drawn over them; one legend entry for all of them.
    let mut ideal_labelled = false;
    for line in lines {
        let Some(ends) = line.ideal else { continue };
        let style = ShapeStyle::from(variant_color(line.series)).stroke_width(2);
        let drawn = chart.draw_series(DashedLineSeries::new(ends, DASH_PX.0, DASH_PX.1, style))?;
        if !ideal_labelled {
            ideal_labelled = true;
            drawn.label(IDEAL_LABEL).legend(|(lx, ly)| {
                let sample = ShapeStyle::from(IDEAL_LEGEND).stroke_width(2);
                DashedPathElement::new(vec![(lx, ly), (lx + 24, ly)], DASH_PX.0, DASH_PX.1 / 2, sample)
            });
        }
    }
    for line in lines {
        let color = variant_color(line.series);
        let style = ShapeStyle::from(color).stroke_width(2);
        chart.draw_series([PathElement::new(line.points.clone(), style)])?.label(line.name).legend(move |(lx, ly)| {
            EmptyElement::at((lx, ly))
                + PathElement::new(vec![(0, 0), (24, 0)], style)
                + Circle::new((12, 0), 4, color.filled())
        });
        chart.draw_series(line.points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
    }
    if lines.iter().all(|l| l.points.is_empty()) {
        let (w, h) = root.dim_in_pixel();
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        return root.draw(&Text::new("no measurements", (w as i32 / 2, h as i32 / 2), style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 16))
        .legend_area_size(34)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0x99, 0x99, 0x99))
        .margin(10)
        .draw()?;
    Ok(())
}

/// Formats what is printed after a breakdown bar: the bar's total and, when finite, the MFU.
fn bar_label(total_s: f64, mfu: f64) -> String {
    if mfu.is_finite() {
        format!("{} · MFU {:.1}%", fmt_seconds(total_s), 100.0 * mfu)
    } else {
        fmt_seconds(total_s)
    }
}

pub(crate) fn draw_breakdown<DB: DrawingBackend>(
    report: &DnnReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let parts: Vec<Vec<f64>> = report.variants.iter().map(|v| iteration_parts(v).to_vec()).collect();
    let labels = parts.iter().zip(&report.variants).map(|(p, v)| bar_label(p.iter().sum(), v.mfu)).collect();
    let bars = StackedBars {
        caption: format!("{}: time breakdown per iteration", report.scenario),
        x_desc: "simulated time per iteration [s] (mean over GPUs)",
        names: report.variants.iter().map(|v| v.name.as_str()).collect(),
        parts,
        labels,
        components: &DNN_COMPONENTS,
        // Headroom on the right for the total and MFU printed after each bar.
        headroom: 1.3,
        legend_item_px: 225,
    };
    draw_stacked_bars(&bars, root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnn::small_dnn_report;
    use crate::test_support::{decode, pixels_of, svg_texts};
    use crate::{HEIGHT_PX, WIDTH_PX};

    /// Two strategies measured at 8, 16, 32 and 64 GPUs (an 8× span: linear axes); `tp8` scales worse.
    fn small_scaling() -> ThroughputPlot {
        ThroughputPlot {
            scenario: "gpt2_scaling".into(),
            y_label: "throughput [tokens/s]".into(),
            series: vec![
                ThroughputSeries {
                    name: "dp only".into(),
                    points: vec![(16, 190_000.0), (8, 100_000.0), (64, 700_000.0), (32, 370_000.0)],
                },
                ThroughputSeries {
                    name: "tp8".into(),
                    points: vec![(8, 80_000.0), (16, 150_000.0), (32, 260_000.0), (64, 420_000.0)],
                },
            ],
            ideal_scaling: true,
        }
    }

    /// The same strategies from 1 to 1024 GPUs (log-log axes).
    fn wide_scaling() -> ThroughputPlot {
        let mut p = small_scaling();
        for (i, s) in p.series.iter_mut().enumerate() {
            let efficiency: f64 = if i == 0 { 0.95 } else { 0.8 };
            s.points = (0..=10).map(|e| (1u32 << e, 12_500.0 * f64::from(1u32 << e) * efficiency.powi(e))).collect();
        }
        p
    }

    /// `<polyline>`s and `<line>`s stroked in `color` (plotters writes upper-case hex).
    fn strokes_of(svg: &str, color: RGBColor) -> usize {
        let needle = format!("stroke=\"#{:02X}{:02X}{:02X}\"", color.0, color.1, color.2);
        svg.split('<').filter(|e| (e.starts_with("polyline") || e.starts_with("line")) && e.contains(&needle)).count()
    }

    #[test]
    fn rendering_twice_gives_identical_bytes_and_pngs_have_the_figure_size() {
        let (p, r) = (small_scaling(), small_dnn_report());
        assert_eq!(throughput_svg(&p).unwrap(), throughput_svg(&p).unwrap());
        assert_eq!(dnn_breakdown_svg(&r).unwrap(), dnn_breakdown_svg(&r).unwrap());
        for png in
            [throughput_png(&p).unwrap(), throughput_png(&wide_scaling()).unwrap(), dnn_breakdown_png(&r).unwrap()]
        {
            let (w, h, rgb) = decode(&png);
            assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
            assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
        }
        assert_eq!(throughput_png(&p).unwrap(), throughput_png(&p).unwrap());
        assert_eq!(dnn_breakdown_png(&r).unwrap(), dnn_breakdown_png(&r).unwrap());
    }

    #[test]
    fn scaling_svg_has_title_axes_legend_and_linear_gpu_ticks() {
        let svg = throughput_svg(&small_scaling()).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "gpt2_scaling: throughput scaling",
            "GPUs",
            "throughput [tokens/s]",
            "dp only",
            "tp8",
            IDEAL_LABEL,
            "0",
            "20",
            "60",
            "200k",
            "800k",
        ] {
            assert!(texts.contains(&needle), "scaling SVG lacks {needle:?}: {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.contains("log scale")), "8× span is linear: {texts:?}");
        assert_eq!(texts.iter().filter(|t| **t == IDEAL_LABEL).count(), 1, "one legend entry for all ideal lines");
    }

    #[test]
    fn wide_gpu_spans_use_log_log_axes_with_power_of_two_ticks() {
        let svg = throughput_svg(&wide_scaling()).unwrap();
        let texts = svg_texts(&svg);
        for needle in ["GPUs (log scale)", "throughput [tokens/s] (log scale)", "1", "16", "256", "1024", "100k", "1M"]
        {
            assert!(texts.contains(&needle), "log-log SVG lacks {needle:?}: {texts:?}");
        }
        let wide = wide_scaling();
        let (lines, log) = scaling_lines(&wide);
        assert!(log);
        // Ideal from the first point: 1 GPU at 12 500 tokens/s → 1024 GPUs at 12.8 M tokens/s.
        assert_eq!(lines[1].ideal, Some([(1.0, 12_500.0), (1024.0, 12_800_000.0)]));
    }

    #[test]
    fn one_line_per_series_and_dashed_ideal_lines_only_when_asked() {
        let mut p = small_scaling();
        let with_ideal = throughput_svg(&p).unwrap();
        p.ideal_scaling = false;
        let without = throughput_svg(&p).unwrap();
        for i in 0..2 {
            // The series line and its legend sample.
            assert_eq!(strokes_of(&without, variant_color(i)), 2, "series {i}");
            // Plus one stroke per dash of the ideal line.
            assert!(strokes_of(&with_ideal, variant_color(i)) > 2 + 10, "series {i} ideal line missing");
        }
        assert_eq!(strokes_of(&with_ideal, variant_color(2)), 0, "only two series");
        assert!(!svg_texts(&without).contains(&IDEAL_LABEL));
        let (_, _, rgb) = decode(&throughput_png(&small_scaling()).unwrap());
        assert!(pixels_of(&rgb, variant_color(0)) > 300, "dp line missing");
        assert!(pixels_of(&rgb, variant_color(1)) > 300, "tp8 line missing");
        assert_eq!(pixels_of(&rgb, variant_color(2)), 0, "only two series");
    }

    #[test]
    fn points_are_sorted_and_unplaceable_ones_skipped() {
        let small = small_scaling();
        let (lines, log) = scaling_lines(&small);
        assert!(!log, "64 / 8 is not more than 8×");
        assert_eq!(lines[0].points, [(8.0, 100_000.0), (16.0, 190_000.0), (32.0, 370_000.0), (64.0, 700_000.0)]);
        assert_eq!(lines[0].ideal, Some([(8.0, 100_000.0), (64.0, 800_000.0)]));
        let mut odd = small_scaling();
        odd.series[0].points.extend([(0, 5.0), (4, f64::NAN), (2, f64::INFINITY)]);
        odd.series[1].points = vec![(128, 0.0), (8, -1.0)];
        let (lines, log) = scaling_lines(&odd);
        assert!(log, "128 / 8 > 8: throughput 0 counts for the span, then is dropped from the log axis");
        assert_eq!(lines[0].points.len(), 4);
        assert!(lines[1].points.is_empty() && lines[1].ideal.is_none(), "0 and negative are off a log axis");
    }

    #[test]
    fn degenerate_scaling_plots_still_render() {
        let mut empty = small_scaling();
        empty.series.clear();
        let mut no_points = small_scaling();
        no_points.series.iter_mut().for_each(|s| s.points.clear());
        let mut single = small_scaling();
        single.series.iter_mut().for_each(|s| s.points.truncate(1));
        let mut zeros = small_scaling();
        zeros.series.iter_mut().for_each(|s| s.points.iter_mut().for_each(|p| p.1 = 0.0));
        for p in [&empty, &no_points, &single, &zeros] {
            throughput_svg(p).unwrap();
            decode(&throughput_png(p).unwrap());
        }
        assert!(svg_texts(&throughput_svg(&empty).unwrap()).contains(&"no measurements"));
        assert!(!svg_texts(&throughput_svg(&single).unwrap()).contains(&"no measurements"));
        assert!(scaling_lines(&single).0.iter().all(|l| l.ideal.is_none()), "one point: no ideal line");
    }

    #[test]
    fn fmt_si_uses_prefixes_without_trailing_zeros() {
        assert_eq!(fmt_si(0.0), "0");
        assert_eq!(fmt_si(0.5), "0.5");
        assert_eq!(fmt_si(999.0), "999");
        assert_eq!(fmt_si(1000.0), "1k");
        assert_eq!(fmt_si(250_000.0), "250k");
        assert_eq!(fmt_si(1.5e6), "1.5M");
        assert_eq!(fmt_si(3e9), "3G");
        assert_eq!(fmt_si(1.2e13), "12T");
        assert_eq!(fmt_si(2e18), "2000P");
        assert_eq!(fmt_gpus(16.0), "16");
        assert_eq!(fmt_gpus(2.5), "");
    }

    #[test]
    fn iteration_parts_decompose_the_iteration_and_sanitize() {
        let r = small_dnn_report();
        assert_eq!(iteration_parts(&r.variants[0]), [1.0, 0.5, 0.0, 0.5]);
        assert_eq!(iteration_parts(&r.variants[1]), [1.0, 0.25, 0.5, 0.75]);
        let mut v = r.variants[1].clone();
        v.compute_s = f64::NAN;
        v.bubble_s = -1.0;
        v.iteration_time_s = 0.1;
        assert_eq!(iteration_parts(&v), [0.0, 0.25, 0.0, 0.0]);
    }

    #[test]
    fn breakdown_svg_has_title_axis_variants_legend_and_totals() {
        let svg = dnn_breakdown_svg(&small_dnn_report()).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "gpt2_scaling: time breakdown per iteration",
            "simulated time per iteration [s] (mean over GPUs)",
            "dp8 tp1 pp1",
            "dp2 tp2 pp2",
            "compute",
            "exposed communication",
            "pipeline bubble",
            "other",
            "2.00 s · MFU 20.0%",
            "2.50 s · MFU 16.0%",
        ] {
            assert!(texts.contains(&needle), "breakdown SVG lacks {needle:?}: {texts:?}");
        }
    }

    #[test]
    fn breakdown_png_stacks_all_four_components_in_proportion() {
        let (_, _, rgb) = decode(&dnn_breakdown_png(&small_dnn_report()).unwrap());
        let [compute, communication, bubble, other] = DNN_COMPONENTS.map(|(_, c)| pixels_of(&rgb, c));
        // Summed over both bars: compute 2 s, communication 0.75 s, bubble 0.5 s, other 1.25 s.
        assert!(
            compute > other && other > communication && communication > bubble && bubble > 1000,
            "areas {compute} {communication} {bubble} {other}"
        );
        let ratio = compute as f64 / bubble as f64;
        assert!((3.5..4.5).contains(&ratio), "compute / bubble = {ratio}, expected about 4");
    }

    #[test]
    fn degenerate_breakdowns_still_render() {
        let mut empty = small_dnn_report();
        empty.variants.clear();
        let mut odd = small_dnn_report();
        odd.variants[0].iteration_time_s = f64::INFINITY;
        odd.variants[0].mfu = f64::NAN;
        odd.variants[1].compute_s = -3.0;
        let mut idle = small_dnn_report();
        for v in &mut idle.variants {
            (v.iteration_time_s, v.compute_s, v.exposed_communication_s, v.bubble_s) = (0.0, 0.0, 0.0, 0.0);
        }
        for r in [&empty, &odd, &idle] {
            dnn_breakdown_svg(r).unwrap();
            decode(&dnn_breakdown_png(r).unwrap());
        }
        let svg = dnn_breakdown_svg(&odd).unwrap();
        assert!(svg_texts(&svg).contains(&"1.50 s"), "no MFU when it is not finite");
    }
}
