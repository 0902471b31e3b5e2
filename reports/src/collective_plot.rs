//! The collective benchmark's line plots: bus bandwidth [GB/s] and collective time [s] vs message size
//! [bytes], one line with markers per variant.
//!
//! The x axis is logarithmic in base 2 with ticks at powers of two labelled with binary prefixes (`1 KiB`,
//! `4 MiB`, `1 GiB`), since sweeps double the size at every step. Bus bandwidth is on a linear axis from 0;
//! time is on a base-10 log axis. Variants differ in colour and marker shape (so the lines stay apart in
//! grey-scale print too). Points with 0 bytes or a non-finite (or, for time, non-positive) value cannot be
//! placed and are skipped.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::collective::{gb_per_s, CollectiveReport};
use crate::error::ReportError;
use crate::log_axis::{LogAxis, LogBase};
use crate::plot::{fmt_bytes, fmt_seconds_tick, fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};

/// Message-size range shown when no point can be placed: 1 KiB … 4 GiB [bytes].
const FALLBACK_BYTES: (f64, f64) = (1024.0, 4_294_967_296.0);
/// Time range shown when no point can be placed [s].
const FALLBACK_TIME_S: (f64, f64) = (1e-6, 1.0);
/// Most labelled ticks on the x axis.
const MAX_X_LABELS: usize = 12;

/// Marker outlines, as pixel offsets from the point: octagon ("circle"), square, triangle, diamond,
/// downward triangle, plus. Variant `i` uses shape `i mod 6` and colour `i mod 7`.
const MARKERS: [&[(i32, i32)]; 6] = [
    &[(-2, -5), (2, -5), (5, -2), (5, 2), (2, 5), (-2, 5), (-5, 2), (-5, -2)],
    &[(-4, -4), (4, -4), (4, 4), (-4, 4)],
    &[(0, -6), (5, 4), (-5, 4)],
    &[(0, -6), (6, 0), (0, 6), (-6, 0)],
    &[(0, 6), (5, -4), (-5, -4)],
    &[(-2, -6), (2, -6), (2, -2), (6, -2), (6, 2), (2, 2), (2, 6), (-2, 6), (-2, 2), (-6, 2), (-6, -2), (-2, -2)],
];

/// Renders the bus-bandwidth plot as an SVG document (1000 × 600 px): bus bandwidth [GB/s, 1 GB = 10⁹ bytes]
/// vs message size [bytes] on a base-2 log axis, one line with markers per variant, a legend, and the title
/// `"<scenario>: <collective> bus bandwidth"`.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn busbw_svg(report: &CollectiveReport) -> Result<String, ReportError> {
    render_svg(Figure::BusBandwidth(report))
}

/// Renders the same figure as [`busbw_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn busbw_png(report: &CollectiveReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::BusBandwidth(report))
}

/// Renders the collective-time plot as an SVG document (1000 × 600 px): simulated time of one collective [s]
/// vs message size [bytes], both axes logarithmic (base 10 and base 2), one line with markers per variant, a
/// legend, and the title `"<scenario>: <collective> time"`.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn time_svg(report: &CollectiveReport) -> Result<String, ReportError> {
    render_svg(Figure::CollectiveTime(report))
}

/// Renders the same figure as [`time_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn time_png(report: &CollectiveReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::CollectiveTime(report))
}

/// What the y axis shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Metric {
    /// Bus bandwidth [GB/s], linear from 0.
    BusBandwidth,
    /// Collective time [s], logarithmic.
    Time,
}

impl Metric {
    /// The plotted value of a point, if it can be placed on this axis.
    fn value(self, p: &crate::CollectivePoint) -> Option<f64> {
        let v = match self {
            Metric::BusBandwidth => gb_per_s(p.busbw_bytes_per_s),
            Metric::Time => p.time_s,
        };
        let ok = v.is_finite() && if self == Metric::Time { v > 0.0 } else { v >= 0.0 };
        (ok && p.bytes > 0).then_some(v)
    }
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &CollectiveReport,
    metric: Metric,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = report
        .variants
        .iter()
        .map(|v| {
            let pts = v.points.iter().filter_map(|p| metric.value(p).map(|y| (p.bytes as f64, y))).collect();
            (v.name.as_str(), pts)
        })
        .collect();
    let xs = series.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.0));
    let x = LogAxis::covering(xs, LogBase::Two, FALLBACK_BYTES);
    let ys = series.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.1));
    match metric {
        Metric::BusBandwidth => {
            let top = ys.fold(0.0, f64::max);
            let top = if top > 0.0 { top * 1.08 } else { 1.0 };
            let title = format!("{}: {} bus bandwidth", report.scenario, report.collective);
            let fmt = |v: &f64| fmt_tick_number(*v);
            let y = Y { range: 0.0..top, desc: "bus bandwidth [GB/s]", fmt: &fmt, light_lines: 1 };
            draw_lines(root, &title, &series, x, y)
        }
        Metric::Time => {
            let y = LogAxis::covering(ys, LogBase::Ten, FALLBACK_TIME_S);
            let title = format!("{}: {} time", report.scenario, report.collective);
            let fmt = |v: &f64| fmt_seconds_tick(*v);
            let y = Y { range: y, desc: "time per collective [s] (log scale)", fmt: &fmt, light_lines: 10 };
            draw_lines(root, &title, &series, x, y)
        }
    }
}

/// The y axis of a line plot.
struct Y<'a, R> {
    /// Coordinate range (a linear range or a [`LogAxis`]).
    range: R,
    /// Axis description.
    desc: &'a str,
    /// Tick label formatter.
    fmt: &'a dyn Fn(&f64) -> String,
    /// Light grid lines per labelled tick (a log axis draws its own minor lines if they fit in this budget).
    light_lines: usize,
}

/// Draws the frame, axes, one line with markers per series and the legend.
fn draw_lines<DB, R>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(&str, Vec<(f64, f64)>)],
    x: LogAxis,
    y: Y<'_, R>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    R: AsRangedCoord<Value = f64>,
    R::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 26))
        .margin(20)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y.range)?;
    let x_fmt = |v: &f64| fmt_bytes(*v);
    chart
        .configure_mesh()
        .x_desc("message size [bytes] (log scale)")
        .y_desc(y.desc)
        .x_labels(MAX_X_LABELS)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(y.fmt)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .x_max_light_lines(4)
        .y_max_light_lines(y.light_lines)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;

    for (i, (name, pts)) in series.iter().enumerate() {
        let color = variant_color(i);
        let line = ShapeStyle::from(color).stroke_width(2);
        let shape = MARKERS[i % MARKERS.len()];
        chart.draw_series([PathElement::new(pts.clone(), line)])?.label(*name).legend(move |(lx, ly)| {
            EmptyElement::at((lx, ly))
                + PathElement::new(vec![(0, 0), (24, 0)], line)
                + Polygon::new(shape.iter().map(|&(dx, dy)| (dx + 12, dy)).collect::<Vec<_>>(), color.filled())
        });
        chart.draw_series(pts.iter().map(|&p| EmptyElement::at(p) + Polygon::new(shape.to_vec(), color.filled())))?;
    }
    if series.iter().all(|(_, pts)| pts.is_empty()) {
        let (w, h) = root.dim_in_pixel();
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new("no measurements", (w as i32 / 2, h as i32 / 2), style))?;
        return Ok(());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, pixels_of, small_collective_report, svg_texts};
    use crate::{CollectivePoint, HEIGHT_PX, WIDTH_PX};

    #[test]
    fn rendering_twice_gives_identical_bytes_and_pngs_have_the_figure_size() {
        let r = small_collective_report();
        assert_eq!(busbw_svg(&r).unwrap(), busbw_svg(&r).unwrap());
        assert_eq!(time_svg(&r).unwrap(), time_svg(&r).unwrap());
        for render in [busbw_png, time_png] {
            let png = render(&r).unwrap();
            assert_eq!(png, render(&r).unwrap());
            let (w, h, rgb) = decode(&png);
            assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
            assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
        }
    }

    #[test]
    fn svgs_have_titles_axis_descriptions_binary_size_ticks_and_legend() {
        let r = small_collective_report();
        let svg = busbw_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "allreduce_sweep: all-reduce bus bandwidth",
            "bus bandwidth [GB/s]",
            "message size [bytes] (log scale)",
            "ring @ 4-host star",
            "tree @ 4-host star",
            "1 KiB",
            "1 MiB",
            "1 GiB",
            "0",
        ] {
            assert!(texts.contains(&needle), "bus bandwidth SVG lacks {needle:?}: {texts:?}");
        }
        let svg = time_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in
            ["allreduce_sweep: all-reduce time", "time per collective [s] (log scale)", "100 µs", "1 ms", "1 s"]
        {
            assert!(texts.contains(&needle), "time SVG lacks {needle:?}: {texts:?}");
        }
    }

    #[test]
    fn png_draws_one_line_with_markers_per_variant_in_its_colour() {
        let r = small_collective_report();
        for png in [busbw_png(&r).unwrap(), time_png(&r).unwrap()] {
            let (_, _, rgb) = decode(&png);
            assert!(pixels_of(&rgb, variant_color(0)) > 300, "ring line missing");
            assert!(pixels_of(&rgb, variant_color(1)) > 300, "tree line missing");
            assert_eq!(pixels_of(&rgb, variant_color(2)), 0, "only two variants");
        }
    }

    /// A sweep over every power of two from 1 byte to 4 GiB.
    fn full_range_report() -> CollectiveReport {
        let mut r = small_collective_report();
        for (i, v) in r.variants.iter_mut().enumerate() {
            v.points = (0..=32)
                .map(|e| {
                    let bytes = 1u64 << e;
                    let time_s = (1 + i) as f64 * (1e-5 + bytes as f64 / 1e10);
                    let algbw = bytes as f64 / time_s;
                    CollectivePoint {
                        bytes,
                        time_s,
                        algbw_bytes_per_s: algbw,
                        busbw_bytes_per_s: 1.5 * algbw,
                        flows: 1,
                        phases: Vec::new(),
                    }
                })
                .collect();
        }
        r
    }

    #[test]
    fn log_axes_span_one_byte_to_four_gib() {
        let r = full_range_report();
        let texts_busbw = busbw_svg(&r).unwrap();
        let texts = svg_texts(&texts_busbw);
        for needle in ["1 B", "1 KiB", "1 MiB", "1 GiB"] {
            assert!(texts.contains(&needle), "x ticks lack {needle:?}: {texts:?}");
        }
        let x_ticks = texts.iter().filter(|t| t.ends_with('B') && !t.contains('[')).count();
        assert!((5..=MAX_X_LABELS).contains(&x_ticks), "{x_ticks} size ticks: {texts:?}");
        let time = time_svg(&r).unwrap();
        let texts = svg_texts(&time);
        for needle in ["10 µs", "100 ms"] {
            assert!(texts.contains(&needle), "y ticks lack {needle:?}: {texts:?}");
        }
        for png in [busbw_png(&r).unwrap(), time_png(&r).unwrap()] {
            let (_, _, rgb) = decode(&png);
            assert!(pixels_of(&rgb, variant_color(0)) > 1000);
            assert!(pixels_of(&rgb, variant_color(1)) > 1000);
        }
    }

    #[test]
    fn unplaceable_points_are_skipped_and_empty_reports_render() {
        let mut odd = small_collective_report();
        odd.variants[0].points[0].bytes = 0;
        odd.variants[0].points[1].time_s = f64::NAN;
        odd.variants[0].points[1].busbw_bytes_per_s = f64::INFINITY;
        odd.variants[1].points[2].time_s = 0.0;
        odd.variants[1].points.truncate(1);
        let mut empty = small_collective_report();
        empty.variants.clear();
        let mut no_points = small_collective_report();
        no_points.variants.iter_mut().for_each(|v| v.points.clear());
        for r in [&odd, &empty, &no_points] {
            busbw_svg(r).unwrap();
            time_svg(r).unwrap();
            decode(&busbw_png(r).unwrap());
            decode(&time_png(r).unwrap());
        }
        assert!(svg_texts(&busbw_svg(&empty).unwrap()).contains(&"no measurements"));
        assert!(Metric::BusBandwidth.value(&odd.variants[0].points[0]).is_none(), "0 bytes cannot be placed");
    }
}
