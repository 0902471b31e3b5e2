//! Parameter sweeps: one row per (point, variant) of a grid or a random sample of a grid of scenario
//! variations, as a table ([`sweep_csv`], [`sweep_json`]) and one figure per swept axis ([`sweep_axis_svg`],
//! [`sweep_axis_png`]).
//!
//! **Axis figure:** the swept values of one axis as categories along x (in the order the sweep lists them),
//! the plotted metric along y. Each variant is a line with markers through the mean of the metric over the
//! points sharing that value (the other axes vary among them), with a whisker from their minimum to their
//! maximum: a main-effects plot, as in the design of experiments. Points without a value (a run that failed,
//! a target never reached) are left out; a value of the axis without any point leaves a gap.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, Rows, FONT, PALETTE_LEN};

/// A finished sweep (or the merge of its shards).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// What was swept and measured.
    #[serde(flatten)]
    pub shape: SweepShape,
    /// One row per (point, variant) in point order, variants in the scenario's order; a point that failed
    /// has one row with an empty variant, no values and the error.
    pub rows: Vec<SweepRow>,
}

/// What a sweep varies and measures: everything of its report but the rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepShape {
    /// Name of the sweep; titles start with it.
    pub sweep: String,
    /// Name of the scenario the points vary.
    pub scenario: String,
    /// Points of the full grid [count] (the product of the axes' lengths); a random sample runs fewer.
    pub grid_points: u64,
    /// The swept axes, in the sweep file's order.
    pub axes: Vec<SweepAxis>,
    /// Names of the metric columns, with their unit as a suffix (`_s` seconds, `_bytes` bytes, …).
    pub metrics: Vec<String>,
    /// Index into [`SweepShape::metrics`] of the metric the axis figures plot.
    pub plotted: usize,
}

/// One swept field and its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepAxis {
    /// Dotted field path in the scenario (`platform.topology.FatTree.host_link.bandwidth`).
    pub field: String,
    /// The values, as written in the sweep file (strings without their quotes).
    pub values: Vec<String>,
}

/// The measurements of one variant at one point of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Index of the point in the full grid (row-major: the last axis varies fastest).
    pub point: u64,
    /// Per axis, the index of the point's value in [`SweepAxis::values`].
    pub coords: Vec<u32>,
    /// The variant (for collective benchmarks, variant and message size).
    pub variant: String,
    /// One value per metric, `None` where there is none (a target not reached, a non-finite value).
    pub values: Vec<Option<f64>>,
    /// Why the point's run failed, if it did.
    pub error: Option<String>,
}

/// Renders the sweep as pretty JSON (the [`SweepReport`] itself), ending in a newline.
pub fn sweep_json(report: &SweepReport) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("plain structs with string keys always serialize");
    out.push('\n');
    out
}

/// Renders the sweep table as CSV: `point`, one column per axis (headed by its field path, holding the value),
/// `variant`, one column per metric (shortest round-trip floats, empty where there is no value), `error`.
pub fn sweep_csv(report: &SweepReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = std::iter::once("point")
        .chain(report.shape.axes.iter().map(|a| a.field.as_str()))
        .chain(std::iter::once("variant"))
        .chain(report.shape.metrics.iter().map(String::as_str))
        .chain(std::iter::once("error"))
        .collect();
    w.write_record(&header).expect("writing to memory cannot fail");
    for r in &report.rows {
        let axis_value = |(a, &c): (&SweepAxis, &u32)| a.values.get(c as usize).cloned().unwrap_or_default();
        let record: Vec<String> = std::iter::once(r.point.to_string())
            .chain(report.shape.axes.iter().zip(&r.coords).map(axis_value))
            .chain(std::iter::once(r.variant.clone()))
            .chain(r.values.iter().map(|v| v.map_or(String::new(), |x| x.to_string())))
            .chain(std::iter::once(r.error.clone().unwrap_or_default()))
            .collect();
        w.write_record(&record).expect("writing to memory cannot fail");
    }
    String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("CSV of UTF-8 strings")
}

/// Renders the figure of axis `axis` (index into [`SweepShape::axes`]) as an SVG document (1000 × 600 px):
/// the plotted metric against the axis' values, per variant the mean over the points sharing each value with
/// a min–max whisker.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails (or `axis` is out of range).
pub fn sweep_axis_svg(report: &SweepReport, axis: usize) -> Result<String, ReportError> {
    render_svg(Figure::SweepAxis(report, axis))
}

/// Renders the same figure as [`sweep_axis_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails (or `axis` is out of range), [`ReportError::PngEncode`] if encoding
/// fails.
pub fn sweep_axis_png(report: &SweepReport, axis: usize) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::SweepAxis(report, axis))
}

/// Per value of the axis: (mean, min, max) of the plotted metric over one variant's rows, `None` without any.
type Effect = Vec<Option<(f64, f64, f64)>>;

/// The variants in order of first appearance, each with its main effect along `axis`.
fn effects(report: &SweepReport, axis: usize) -> Vec<(&str, Effect)> {
    let k = report.shape.axes[axis].values.len();
    let mut out: Vec<(&str, Vec<Vec<f64>>)> = Vec::new();
    for r in report.rows.iter().filter(|r| r.error.is_none()) {
        let Some(v) = r.values.get(report.shape.plotted).copied().flatten().filter(|v| v.is_finite()) else { continue };
        let Some(&c) = r.coords.get(axis).filter(|&&c| (c as usize) < k) else { continue };
        let i = match out.iter().position(|(name, _)| *name == r.variant) {
            Some(i) => i,
            None => {
                out.push((&r.variant, vec![Vec::new(); k]));
                out.len() - 1
            }
        };
        out[i].1[c as usize].push(v);
    }
    out.into_iter()
        .map(|(name, per_value)| {
            let effect = per_value
                .iter()
                .map(|vs| {
                    (!vs.is_empty()).then(|| {
                        let mean = vs.iter().sum::<f64>() / vs.len() as f64;
                        let min = vs.iter().copied().fold(f64::INFINITY, f64::min);
                        let max = vs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        (mean, min, max)
                    })
                })
                .collect();
            (name, effect)
        })
        .collect()
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &SweepReport,
    axis: usize,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let Some(swept) = report.shape.axes.get(axis) else {
        return Err(DrawingAreaErrorKind::LayoutError);
    };
    let metric = report.shape.metrics.get(report.shape.plotted).map_or("", String::as_str);
    let lines = effects(report, axis);
    let (lo, hi) = lines
        .iter()
        .flat_map(|(_, e)| e.iter().flatten())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, min, max)| (lo.min(min), hi.max(max)));
    let (y0, y1) = if lo.is_finite() {
        let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.02).max(f64::MIN_POSITIVE);
        (if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad }, hi + pad)
    } else {
        (0.0, 1.0)
    };
    let k = swept.values.len();
    let short = swept.field.rsplit('.').next().unwrap_or(&swept.field);
    let y_desc = if report.shape.axes.len() > 1 {
        format!("{metric} (mean over the other axes, bar: min–max)")
    } else {
        metric.to_string()
    };
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{}: {metric} by {short}", report.shape.sweep), (FONT, 24))
        .margin(20)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(Rows(k), y0..y1)?;
    let label = |v: &f64| swept.values.get(v.floor().max(0.0) as usize).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .x_desc(swept.field.as_str())
        .y_desc(y_desc)
        .x_label_formatter(&label)
        .y_label_formatter(&|v: &f64| fmt_tick_number(*v))
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .disable_x_mesh()
        .y_max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    // Variants side by side around each value's centre, so that their whiskers do not hide each other.
    let dodge = (0.3 / lines.len().max(1) as f64).min(0.06);
    for (i, (name, effect)) in lines.iter().enumerate() {
        let color = variant_color(i);
        let style = ShapeStyle::from(color).stroke_width(2);
        let offset = 0.5 + dodge * (i as f64 - (lines.len() - 1) as f64 / 2.0);
        // Whiskers: a vertical bar with caps from min to max at each value.
        for (c, e) in effect.iter().enumerate() {
            let Some((_, min, max)) = *e else { continue };
            let x = c as f64 + offset;
            chart.draw_series(std::iter::once(PathElement::new(vec![(x, min), (x, max)], style)))?;
        }
        // The mean, a line broken where a value has no point.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for (c, e) in effect.iter().enumerate() {
            match e {
                Some((mean, _, _)) => segment.push((c as f64 + offset, *mean)),
                None => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for s in segments.iter().filter(|s| s.len() > 1) {
            chart.draw_series(LineSeries::new(s.iter().copied(), style))?;
        }
        let means = effect.iter().enumerate().filter_map(|(c, e)| e.map(|(m, _, _)| (c as f64 + offset, m)));
        // Colours repeat after the palette; the repeats get triangles.
        let marker = |p: (f64, f64)| -> DynElement<'static, DB, (f64, f64)> {
            if i < PALETTE_LEN {
                Circle::new(p, 5, color.filled()).into_dyn()
            } else {
                TriangleMarker::new(p, 7, color.filled()).into_dyn()
            }
        };
        chart
            .draw_series(means.map(marker))?
            .label(*name)
            .legend(move |(lx, ly)| PathElement::new(vec![(lx, ly), (lx + 24, ly)], style));
    }
    if lines.is_empty() {
        let (w, h) = root.dim_in_pixel();
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(format!("no values of {metric}"), (w as i32 / 2, h as i32 / 2), style))?;
    } else {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, pixels_of, svg_texts};

    fn report() -> SweepReport {
        let row = |point: u64, coords: Vec<u32>, variant: &str, v: Option<f64>| SweepRow {
            point,
            coords,
            variant: variant.into(),
            values: vec![v, Some(1.0)],
            error: None,
        };
        SweepReport {
            shape: SweepShape {
                sweep: "bw".into(),
                scenario: "quickstart".into(),
                grid_points: 4,
                axes: vec![
                    SweepAxis { field: "platform.bandwidth".into(), values: vec!["10 Gbps".into(), "40 Gbps".into()] },
                    SweepAxis { field: "seed".into(), values: vec!["1".into(), "2".into()] },
                ],
                metrics: vec!["sim_time_s".into(), "clocks".into()],
                plotted: 0,
            },
            rows: vec![
                row(0, vec![0, 0], "BSP", Some(4.0)),
                row(0, vec![0, 0], "SSP", Some(3.0)),
                row(1, vec![0, 1], "BSP", Some(6.0)),
                row(1, vec![0, 1], "SSP", None),
                row(2, vec![1, 0], "BSP", Some(1.0)),
                row(2, vec![1, 0], "SSP", Some(0.5)),
                SweepRow {
                    point: 3,
                    coords: vec![1, 1],
                    variant: String::new(),
                    values: vec![None, None],
                    error: Some("out of memory".into()),
                },
            ],
        }
    }

    #[test]
    fn csv_has_a_row_per_point_and_variant_with_axis_values() {
        let csv = sweep_csv(&report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "point,platform.bandwidth,seed,variant,sim_time_s,clocks,error");
        assert_eq!(lines[1], "0,10 Gbps,1,BSP,4,1,");
        assert_eq!(lines[4], "1,10 Gbps,2,SSP,,1,");
        assert_eq!(lines[7], "3,40 Gbps,2,,,,out of memory");
        assert_eq!(lines.len(), 8);
    }

    #[test]
    fn json_round_trips() {
        let r = report();
        let back: SweepReport = serde_json::from_str(&sweep_json(&r)).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn main_effects_average_over_the_other_axes() {
        let r = report();
        let e = effects(&r, 0);
        assert_eq!(e[0].0, "BSP");
        assert_eq!(e[0].1, vec![Some((5.0, 4.0, 6.0)), Some((1.0, 1.0, 1.0))]);
        // SSP's second point has no value and point 3 failed: one value each.
        assert_eq!(e[1].1, vec![Some((3.0, 3.0, 3.0)), Some((0.5, 0.5, 0.5))]);
        let e = effects(&r, 1);
        assert_eq!(e[0].1, vec![Some((2.5, 1.0, 4.0)), Some((6.0, 6.0, 6.0))]);
        assert_eq!(e[1].1, vec![Some((1.75, 0.5, 3.0)), None]);
    }

    #[test]
    fn axis_figures_name_the_field_values_and_variants() {
        let r = report();
        let texts = svg_texts(&sweep_axis_svg(&r, 0).unwrap()).join("\n");
        for needle in ["platform.bandwidth", "10 Gbps", "40 Gbps", "sim_time_s", "BSP", "SSP", "min–max"] {
            assert!(texts.contains(needle), "{needle} missing in {texts}");
        }
        let (w, h, rgb) = decode(&sweep_axis_png(&r, 1).unwrap());
        assert_eq!((w, h), (crate::WIDTH_PX, crate::HEIGHT_PX));
        assert!(pixels_of(&rgb, variant_color(0)) > 100 && pixels_of(&rgb, variant_color(1)) > 100);
        assert!(sweep_axis_svg(&r, 2).is_err());
        let mut empty = r.clone();
        empty.rows.clear();
        assert!(svg_texts(&sweep_axis_svg(&empty, 0).unwrap()).join(" ").contains("no values of sim_time_s"));
    }
}
