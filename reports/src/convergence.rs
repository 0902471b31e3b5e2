//! The convergence plot: global objective vs simulated time [s], one line per variant.
//!
//! Objective curves (e.g. logistic loss) drop fast and then flatten, so with the full y range the variants'
//! tails overlap. The y axis is therefore zoomed to [minimum, 90th percentile of all samples] (widened to
//! include the target) when that at least halves the shown range; lines are clipped at the top edge and the
//! axis label says so.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::plot::{render_png, render_svg, variant_color, Figure, FONT};
use crate::summary::RunReport;

/// Quantile of all objective samples used as the top of a zoomed y axis.
const ZOOM_QUANTILE: f64 = 0.9;
/// Zoom only if the full range is at least this many times the zoomed range.
const ZOOM_MIN_GAIN: f64 = 2.0;
/// Draw point markers when a variant has at most this many samples.
const MARKERS_MAX_POINTS: usize = 40;

/// Renders the convergence plot as an SVG document (1000 × 600 px): objective vs simulated time [s], one
/// line per variant with a legend, title = scenario name, and a dashed horizontal line at the target
/// objective if there is one. Non-finite samples are skipped.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn convergence_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Convergence(report))
}

/// Renders the same figure as [`convergence_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn convergence_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Convergence(report))
}

/// Y range to show and whether it was zoomed (cut off at the top).
#[derive(Debug, PartialEq)]
pub(crate) struct YRange {
    pub lo: f64,
    pub hi: f64,
    pub zoomed: bool,
}

/// Chooses the y range from all finite objective samples and the target (see the module docs), padded by
/// 5 % of the span on each side. Never empty: a flat or missing series gets a span of its own.
pub(crate) fn y_range(samples: &[f64], target: Option<f64>) -> YRange {
    let mut v: Vec<f64> = samples.iter().copied().filter(|y| y.is_finite()).collect();
    let target = target.filter(|t| t.is_finite());
    if v.is_empty() {
        match target {
            Some(t) => v.push(t),
            None => return YRange { lo: 0.0, hi: 1.0, zoomed: false },
        }
    }
    v.sort_by(f64::total_cmp);
    let min = v[0].min(target.unwrap_or(f64::INFINITY));
    let max = v[v.len() - 1].max(target.unwrap_or(f64::NEG_INFINITY));
    let q_index = ((v.len() - 1) as f64 * ZOOM_QUANTILE).ceil() as usize;
    let q = v[q_index].max(target.unwrap_or(f64::NEG_INFINITY));
    let (lo, hi, zoomed) =
        if (max - min) > ZOOM_MIN_GAIN * (q - min) && q > min { (min, q, true) } else { (min, max, false) };
    let span = hi - lo;
    let pad = if span > 0.0 {
        0.05 * span
    } else if lo != 0.0 {
        0.05 * lo.abs()
    } else {
        1.0
    };
    YRange { lo: lo - pad, hi: hi + pad, zoomed }
}

/// Clips a polyline to `lo <= y <= hi`, returning the visible pieces in order. Points are interpolated where
/// the line crosses a bound, so slopes are kept (plotters itself would clamp points onto the edge).
pub(crate) fn clip_polyline(points: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    if let [p] = points {
        if lo <= p.1 && p.1 <= hi {
            pieces.push(vec![*p]);
        }
        return pieces;
    }
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], lo, hi) {
            Some((a, b)) => {
                if cur.last() != Some(&a) && !cur.is_empty() {
                    pieces.push(std::mem::take(&mut cur));
                }
                if cur.is_empty() {
                    cur.push(a);
                }
                cur.push(b);
            }
            None => {
                if !cur.is_empty() {
                    pieces.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
}

fn clip_segment(a: (f64, f64), b: (f64, f64), lo: f64, hi: f64) -> Option<((f64, f64), (f64, f64))> {
    let dy = b.1 - a.1;
    if dy == 0.0 {
        return (lo <= a.1 && a.1 <= hi).then_some((a, b));
    }
    let (ta, tb) = ((lo - a.1) / dy, (hi - a.1) / dy);
    let t0 = ta.min(tb).max(0.0);
    let t1 = ta.max(tb).min(1.0);
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * (b.0 - a.0), a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = report
        .variants
        .iter()
        .map(|v| {
            let pts = v
                .convergence
                .iter()
                .filter(|p| p.sim_time_s.is_finite() && p.objective.is_finite())
                .map(|p| (p.sim_time_s, p.objective))
                .collect();
            (v.name.as_str(), pts)
        })
        .collect();
    let x_max = series.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.0)).fold(0.0, f64::max);
    // 2 % headroom so the last marker is not cut in half by the frame.
    let x_max = if x_max > 0.0 { x_max * 1.02 } else { 1.0 };
    let samples: Vec<f64> = series.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.1)).collect();
    let y = y_range(&samples, report.target_objective);

    let mut chart = ChartBuilder::on(root)
        .caption(&report.scenario, (FONT, 28))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, y.lo..y.hi)?;
    let y_desc = if y.zoomed {
        format!("{} (y zoomed: early values cut off)", report.objective_name)
    } else {
        report.objective_name.clone()
    };
    // Runs with faults plot their convergence over the job's wall clock, rollbacks included.
    let through_failures = report.variants.iter().any(|v| v.faults.is_some());
    chart
        .configure_mesh()
        .x_desc(if through_failures {
            "job wall-clock time, checkpoints and failures included [s]"
        } else {
            "simulated time [s]"
        })
        .y_desc(y_desc)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;

    if let Some(t) = report.target_objective.filter(|t| t.is_finite()) {
        let style = ShapeStyle::from(RGBColor(0x55, 0x55, 0x55)).stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(vec![(0.0, t), (x_max, t)], 10, 6, style))?
            .label(format!("target {t}"))
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (7, 0)], style)
                    + PathElement::new(vec![(13, 0), (20, 0)], style)
            });
    }
    for (i, (name, pts)) in series.iter().enumerate() {
        let style = ShapeStyle::from(variant_color(i)).stroke_width(2);
        let pieces = clip_polyline(pts, y.lo, y.hi);
        chart
            .draw_series(pieces.into_iter().map(|piece| PathElement::new(piece, style)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        if pts.len() <= MARKERS_MAX_POINTS {
            let visible = pts.iter().filter(|p| y.lo <= p.1 && p.1 <= y.hi);
            chart.draw_series(visible.map(|&p| Circle::new(p, 3, style.filled())))?;
        }
        // A cross at each failure, where the curve jumps back to its checkpoint's objective (clamped to the range).
        let failures = report.variants[i].faults.iter().flat_map(|f| f.failures.iter().map(|r| r.at_s));
        let marks: Vec<(f64, f64)> = failures
            .filter_map(|at| pts.iter().rev().find(|p| p.0 <= at).map(|p| (at, p.1.clamp(y.lo, y.hi))))
            .collect();
        chart.draw_series(marks.into_iter().map(|p| Cross::new(p, 6, style)))?;
    }
    if samples.is_empty() {
        let centre = (x_max / 2.0, (y.lo + y.hi) / 2.0);
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series([Text::new("no objective samples", centre, style)])?;
    }
    if series.is_empty() && report.target_objective.is_none() {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0x99, 0x99, 0x99))
        .margin(10)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_range_zooms_on_flattening_curve_and_keeps_target() {
        // A loss that drops from 0.69 and then creeps down: most samples sit near the floor.
        let mut s = vec![0.69, 0.5, 0.4];
        s.extend((0..37).map(|i| 0.32 - 0.001 * i as f64));
        let r = y_range(&s, Some(0.30));
        assert!(r.zoomed);
        assert!(r.hi < 0.4, "top should cut off the first drop, got {r:?}");
        assert!(r.lo < 0.284 && r.lo > 0.27, "bottom near the minimum, got {r:?}");
        let r = y_range(&s, Some(0.45));
        assert!(r.hi > 0.45, "target must stay visible, got {r:?}");
    }

    #[test]
    fn y_range_does_not_zoom_linear_curve() {
        let s: Vec<f64> = (0..20).map(|i| 1.0 - 0.05 * i as f64).collect();
        let r = y_range(&s, None);
        assert!(!r.zoomed);
        assert!(r.lo < 0.05 && r.hi > 1.0);
    }

    #[test]
    fn y_range_is_never_empty() {
        assert_eq!(y_range(&[], None), YRange { lo: 0.0, hi: 1.0, zoomed: false });
        let r = y_range(&[2.0, 2.0, f64::NAN], None);
        assert!(r.lo < 2.0 && r.hi > 2.0);
        let r = y_range(&[0.0], None);
        assert!(r.lo < 0.0 && r.hi > 0.0);
    }

    #[test]
    fn clip_polyline_interpolates_at_bounds_and_splits_pieces() {
        // Starts above, dips inside, goes above again, comes back.
        let pts = [(0.0, 2.0), (1.0, 0.0), (2.0, 2.0), (3.0, 0.0)];
        let pieces = clip_polyline(&pts, 0.0, 1.0);
        assert_eq!(pieces, vec![vec![(0.5, 1.0), (1.0, 0.0), (1.5, 1.0)], vec![(2.5, 1.0), (3.0, 0.0)]]);
        // Fully inside: unchanged, one piece.
        let inside = [(0.0, 0.2), (1.0, 0.3), (2.0, 0.25)];
        assert_eq!(clip_polyline(&inside, 0.0, 1.0), vec![inside.to_vec()]);
        // Fully outside and single points.
        assert!(clip_polyline(&[(0.0, 5.0), (1.0, 6.0)], 0.0, 1.0).is_empty());
        assert_eq!(clip_polyline(&[(0.0, 0.5)], 0.0, 1.0), vec![vec![(0.0, 0.5)]]);
        assert!(clip_polyline(&[], 0.0, 1.0).is_empty());
    }
}
