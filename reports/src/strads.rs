//! Reports of STRADS runs (scheduled model parallelism): the per-round CSV and two plots, the model's non-zero
//! variables over simulated time and the cumulative parallelization error over rounds.
//!
//! A STRADS run commits rounds instead of clocks; each [`RoundReport`] says when the round was dispatched and
//! committed, how many variables it updated, how much updating them together (rather than one at a time)
//! raised the objective, and, when recorded, the objective and the model's non-zero count after the commit.
//!
//! **Decimation:** long runs commit 100 000+ rounds. The plots draw at most [`MAX_DRAWN_POINTS`] points per
//! line, evenly spaced by round and always including the first and the last, so rendering stays fast and the
//! SVG small (2 000 points are two per horizontal pixel of the figure). Cumulative sums are taken over all
//! rounds before decimating; the CSV always has every round.
//!
//! # References
//! S. Lee et al., "On Model Parallelization and Scheduling Strategies for Distributed Machine Learning",
//! NIPS 2014. J. K. Kim et al., "STRADS: A Distributed Framework for Scheduled Model Parallel Machine
//! Learning", EuroSys 2016.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};
use crate::summary::{RoundReport, RunReport};
use crate::tables::{finish, write_row};

/// Header of [`strads_csv`]: variant name, round [0-based], `dispatched_s` and `committed_s` [s, simulated],
/// `variables` scheduled [count], the round's `parallelization_error` and its running sum over the variant's
/// rounds so far `cumulative_parallelization_error` [objective units], `objective` after the commit [objective
/// units] and `nonzeros` after the commit [count]; the last two are empty when not recorded.
pub const STRADS_CSV_HEADER: &str = "variant,round,dispatched_s,committed_s,variables,parallelization_error,\
                                     cumulative_parallelization_error,objective,nonzeros";

/// Most points drawn per line [points]; longer series are decimated (see the module docs).
pub(crate) const MAX_DRAWN_POINTS: usize = 2000;
/// Draw point markers when a line has at most this many points.
const MARKERS_MAX_POINTS: usize = 40;
/// Colour of the zero line of the parallelization-error plot.
const ZERO_LINE: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Renders the STRADS CSV: one row per (variant, round), variants in report order and rounds in their
/// [`VariantReport::rounds`](crate::VariantReport::rounds) order, with header [`STRADS_CSV_HEADER`]. Times are
/// simulated seconds; floats use shortest round-trip formatting; `objective` and `nonzeros` are empty when not
/// recorded. Variants without rounds (other runtimes) have no rows.
pub fn strads_csv(report: &RunReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, STRADS_CSV_HEADER.split(','));
    for v in &report.variants {
        for (r, cumulative) in v.rounds.iter().zip(cumulative_error(&v.rounds)) {
            write_row(
                &mut w,
                [
                    v.name.clone(),
                    r.round.to_string(),
                    r.dispatched_s.to_string(),
                    r.committed_s.to_string(),
                    r.variables.to_string(),
                    r.parallelization_error.to_string(),
                    cumulative.to_string(),
                    r.objective.map(|o| o.to_string()).unwrap_or_default(),
                    r.nonzeros.map(|n| n.to_string()).unwrap_or_default(),
                ],
            );
        }
    }
    finish(w)
}

/// Renders the non-zeros plot as an SVG document (1000 × 600 px), titled `"<scenario>: non-zero
/// coefficients"`: the model's non-zero variables [count] ([`RoundReport::nonzeros`]) against the simulated
/// time of each round's commit [s] ([`RoundReport::committed_s`]), one line per variant that recorded any, with a
/// legend of variant names. Long series are decimated to at most 2 000 points per line.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn nonzeros_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Nonzeros(report))
}

/// Renders the same figure as [`nonzeros_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn nonzeros_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Nonzeros(report))
}

/// Renders the parallelization-error plot as an SVG document (1000 × 600 px), titled `"<scenario>:
/// parallelization error"`: the running sum over rounds of [`RoundReport::parallelization_error`] [objective
/// units] against the round [0-based], one line per variant with rounds, on a linear y axis with a line at
/// zero (the error can be negative). Long series are decimated to at most 2 000 points per line.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn parallelization_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Parallelization(report))
}

/// Renders the same figure as [`parallelization_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn parallelization_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Parallelization(report))
}

/// Running sum of the rounds' parallelization error, in round order [objective units].
pub(crate) fn cumulative_error(rounds: &[RoundReport]) -> Vec<f64> {
    rounds
        .iter()
        .scan(0.0, |sum, r| {
            *sum += r.parallelization_error;
            Some(*sum)
        })
        .collect()
}

/// At most `max` of `points` (`max` ≥ 2), evenly spaced by index and always including the first and the last;
/// all of them when there are no more than `max`. Integer arithmetic, so the choice is deterministic.
pub(crate) fn decimate<T: Copy>(points: &[T], max: usize) -> Vec<T> {
    let n = points.len();
    if n <= max {
        return points.to_vec();
    }
    let max = max.max(2);
    let (last, steps) = ((n - 1) as u128, (max - 1) as u128);
    (0..max as u128).map(|i| points[(i * last / steps) as usize]).collect()
}

/// Where the parallelization-error legend goes, given the y extent of the lines [objective units]: the left
/// corner on the far side of zero from where the lines mostly go, since they all start at zero on the left.
fn legend_position(lo: f64, hi: f64) -> SeriesLabelPosition {
    if lo.abs() > hi.abs() {
        SeriesLabelPosition::LowerLeft
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

/// Formats a tick of the parallelization-error axis, whose ticks reach `magnitude` [objective units] (the
/// larger absolute end of the axis, which always includes zero): like [`fmt_tick_number`] between 10⁻³ and 10⁵,
/// else in scientific notation with up to three significant digits (`"1.5e-9"`, `"-2e6"`), since errors of a
/// well-scheduled run can be tiny and those of a diverging one huge.
pub(crate) fn fmt_error_tick(v: f64, magnitude: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e5).contains(&magnitude) {
        return fmt_tick_number(v);
    }
    let s = format!("{v:.2e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    format!("{mantissa}e{exponent}")
}

/// One line of a STRADS plot: the variant's index (its colour), its name and the points to draw.
struct Line<'a, P> {
    variant: usize,
    name: &'a str,
    points: Vec<P>,
}

/// Draws a centred "no data" message on an empty chart area.
fn draw_no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    message: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = root.dim_in_pixel();
    let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(message, (w as i32 / 2, h as i32 / 2), style))
}

pub(crate) fn draw_nonzeros<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // Points (commit time [s], non-zeros [count]) of the variants that recorded non-zeros.
    let series: Vec<Line<(f64, u64)>> = report
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let pts: Vec<(f64, u64)> = v
                .rounds
                .iter()
                .filter(|r| r.committed_s.is_finite())
                .filter_map(|r| r.nonzeros.map(|n| (r.committed_s, n)))
                .collect();
            Line { variant: i, name: v.name.as_str(), points: decimate(&pts, MAX_DRAWN_POINTS) }
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    let x_max = series.iter().flat_map(|line| line.points.iter().map(|p| p.0)).fold(0.0, f64::max);
    // 2 % headroom so the last marker is not cut in half by the frame.
    let x_max = if x_max > 0.0 { x_max * 1.02 } else { 1.0 };
    let y_max = series.iter().flat_map(|line| line.points.iter().map(|p| p.1)).max().unwrap_or(0);
    let y_top = (y_max + y_max.div_ceil(20)).max(1);

    let mut chart = ChartBuilder::on(root)
        .caption(format!("{}: non-zero coefficients", report.scenario), (FONT, 26))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, 0u64..y_top)?;
    chart
        .configure_mesh()
        .x_desc("simulated time [s]")
        .y_desc("non-zero coefficients [count]")
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    for line in &series {
        let style = ShapeStyle::from(variant_color(line.variant)).stroke_width(2);
        chart
            .draw_series([PathElement::new(line.points.clone(), style)])?
            .label(line.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        if line.points.len() <= MARKERS_MAX_POINTS {
            chart.draw_series(line.points.iter().map(|&p| Circle::new(p, 3, style.filled())))?;
        }
    }
    if series.is_empty() {
        return draw_no_data(root, "no non-zero counts recorded");
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0x99, 0x99, 0x99))
        .margin(10)
        .draw()?;
    Ok(())
}

pub(crate) fn draw_parallelization<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // Points (round, cumulative error [objective units]) of the variants with rounds.
    let series: Vec<Line<(u64, f64)>> = report
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let pts: Vec<(u64, f64)> = v
                .rounds
                .iter()
                .zip(cumulative_error(&v.rounds))
                .filter(|(_, c)| c.is_finite())
                .map(|(r, c)| (r.round, c))
                .collect();
            Line { variant: i, name: v.name.as_str(), points: decimate(&pts, MAX_DRAWN_POINTS) }
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    let last_round = series.iter().flat_map(|line| line.points.iter().map(|p| p.0)).max().unwrap_or(0);
    // 2 % headroom (at least one round) so the last marker is not cut in half by the frame.
    let x_top = last_round + last_round.div_ceil(50).max(1);
    let values = series.iter().flat_map(|line| line.points.iter().map(|p| p.1));
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };
    let magnitude = (lo - pad).abs().max((hi + pad).abs());
    let y_fmt = |v: &f64| fmt_error_tick(*v, magnitude);

    let mut chart = ChartBuilder::on(root)
        .caption(format!("{}: parallelization error", report.scenario), (FONT, 26))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0u64..x_top, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc("cumulative objective increase from concurrent updates")
        .y_label_formatter(&y_fmt)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    chart.draw_series([PathElement::new(vec![(0, 0.0), (x_top, 0.0)], ZERO_LINE.stroke_width(1))])?;
    for line in &series {
        let style = ShapeStyle::from(variant_color(line.variant)).stroke_width(2);
        chart
            .draw_series([PathElement::new(line.points.clone(), style)])?
            .label(line.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        if line.points.len() <= MARKERS_MAX_POINTS {
            chart.draw_series(line.points.iter().map(|&p| Circle::new(p, 3, style.filled())))?;
        }
    }
    if series.is_empty() {
        return draw_no_data(root, "no STRADS rounds");
    }
    chart
        .configure_series_labels()
        .position(legend_position(lo, hi))
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
    use crate::summary::StradsSummary;
    use crate::test_support::{decode, pixels_of, small_report, svg_texts};
    use crate::{summary_json, HEIGHT_PX, WIDTH_PX};

    fn round(round: u64, error: f64, objective: Option<f64>, nonzeros: Option<u64>) -> RoundReport {
        RoundReport {
            round,
            dispatched_s: round as f64 * 0.5,
            committed_s: round as f64 * 0.5 + 0.25,
            variables: 4,
            parallelization_error: error,
            objective,
            nonzeros,
        }
    }

    fn strads_summary(scheduler: &str) -> StradsSummary {
        StradsSummary {
            scheduler: scheduler.into(),
            set_size: 4,
            pipeline_depth: 2,
            rounds: 3,
            variables_updated: 12,
            schedule_s: 0.01,
            pull_s: 0.02,
            push_s: 1.5,
            apply_s: 0.125,
            parallelization_error: 0.75,
            final_nonzeros: Some(9),
            optimum: Some(0.125),
            diverged: false,
        }
    }

    /// The small report with STRADS rounds: `bsp` (renamed to the STRADS scheduler) has three rounds with
    /// objectives and non-zeros, `ssp-2` (random scheduling) two rounds with negative error and nothing recorded.
    fn strads_report() -> RunReport {
        let mut r = small_report();
        r.variants[0].name = "strads".into();
        r.variants[0].summary.strads = Some(strads_summary("STRADS (priority + dependency)"));
        r.variants[0].rounds =
            vec![round(0, 0.5, Some(2.0), Some(3)), round(1, 0.25, None, Some(7)), round(2, 0.0, Some(1.0), Some(9))];
        r.variants[1].name = "random".into();
        r.variants[1].summary.strads =
            Some(StradsSummary { final_nonzeros: None, optimum: None, ..strads_summary("random") });
        r.variants[1].rounds = vec![round(0, -1.5, None, None), round(1, 0.5, None, None)];
        r
    }

    #[test]
    fn csv_has_header_one_row_per_round_and_a_running_sum() {
        let csv = strads_csv(&strads_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "variant,round,dispatched_s,committed_s,variables,parallelization_error,\
             cumulative_parallelization_error,objective,nonzeros"
        );
        assert_eq!(lines[0], STRADS_CSV_HEADER);
        assert_eq!(
            &lines[1..],
            [
                "strads,0,0,0.25,4,0.5,0.5,2,3",
                "strads,1,0.5,0.75,4,0.25,0.75,,7",
                "strads,2,1,1.25,4,0,0.75,1,9",
                "random,0,0,0.25,4,-1.5,-1.5,,",
                "random,1,0.5,0.75,4,0.5,-1,,",
            ]
        );
        for line in &lines {
            assert_eq!(line.split(',').count(), 9, "{line}");
        }
    }

    #[test]
    fn csv_without_rounds_has_only_the_header() {
        assert_eq!(strads_csv(&small_report()), format!("{STRADS_CSV_HEADER}\n"));
        let mut r = strads_report();
        r.variants.clear();
        assert_eq!(strads_csv(&r), format!("{STRADS_CSV_HEADER}\n"));
    }

    #[test]
    fn decimate_keeps_first_and_last_and_at_most_max() {
        let v: Vec<u32> = (0..10).collect();
        assert_eq!(decimate(&v, 20), v);
        assert_eq!(decimate(&v, 10), v);
        assert_eq!(decimate(&v, 4), vec![0, 3, 6, 9]);
        assert_eq!(decimate(&v, 2), vec![0, 9]);
        assert!(decimate::<u32>(&[], 4).is_empty());
        let long: Vec<u32> = (0..100_001).collect();
        let d = decimate(&long, MAX_DRAWN_POINTS);
        assert_eq!(d.len(), MAX_DRAWN_POINTS);
        assert_eq!((d[0], d[MAX_DRAWN_POINTS - 1]), (0, 100_000));
        assert!(d.windows(2).all(|w| w[1] - w[0] == 50 || w[1] - w[0] == 51), "evenly spaced");
    }

    #[test]
    fn error_ticks_stay_readable_at_any_magnitude() {
        assert_eq!(fmt_error_tick(0.0, 1e-9), "0");
        assert_eq!(fmt_error_tick(1.5e-9, 2e-9), "1.5e-9");
        assert_eq!(fmt_error_tick(-3.0000000000000004e-9, 4e-9), "-3e-9");
        assert_eq!(fmt_error_tick(1.25e-4, 4e-4), "1.25e-4");
        assert_eq!(fmt_error_tick(0.30000000000000004, 0.5), "0.3");
        assert_eq!(fmt_error_tick(-0.002, 0.014), "-0.002");
        assert_eq!(fmt_error_tick(2e6, 1e7), "2e6");
        // Tiny errors get distinct tick labels in the figure.
        let mut r = strads_report();
        r.variants.iter_mut().flat_map(|v| &mut v.rounds).for_each(|x| x.parallelization_error *= 1e-9);
        let svg = parallelization_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        assert!(texts.contains(&"-1e-9") && texts.contains(&"5e-10"), "{texts:?}");
    }

    #[test]
    fn plots_render_deterministically_at_the_figure_size() {
        let mut empty = strads_report();
        empty.variants.clear();
        for r in [strads_report(), small_report(), empty] {
            assert_eq!(nonzeros_svg(&r).unwrap(), nonzeros_svg(&r).unwrap());
            assert_eq!(parallelization_svg(&r).unwrap(), parallelization_svg(&r).unwrap());
            for png in [nonzeros_png(&r).unwrap(), parallelization_png(&r).unwrap()] {
                let (w, h, rgb) = decode(&png);
                assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
                assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
            }
            assert_eq!(nonzeros_png(&r).unwrap(), nonzeros_png(&r).unwrap());
            assert_eq!(parallelization_png(&r).unwrap(), parallelization_png(&r).unwrap());
        }
    }

    #[test]
    fn nonzeros_plot_has_title_axes_and_only_variants_that_recorded_nonzeros() {
        let r = strads_report();
        let svg = nonzeros_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in ["quickstart: non-zero coefficients", "simulated time [s]", "non-zero coefficients [count]"] {
            assert!(texts.contains(&needle), "non-zeros SVG lacks {needle:?}: {texts:?}");
        }
        assert!(texts.contains(&"strads"), "{texts:?}");
        assert!(!texts.contains(&"random"), "random recorded no non-zeros: {texts:?}");
        let (_, _, rgb) = decode(&nonzeros_png(&r).unwrap());
        assert!(pixels_of(&rgb, variant_color(0)) > 200, "strads line missing");
        assert_eq!(pixels_of(&rgb, variant_color(1)), 0, "random drew a line");

        let svg = nonzeros_svg(&small_report()).unwrap();
        assert!(svg_texts(&svg).contains(&"no non-zero counts recorded"));
    }

    #[test]
    fn parallelization_plot_has_title_axes_zero_line_and_a_line_per_variant_with_rounds() {
        let r = strads_report();
        let svg = parallelization_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "quickstart: parallelization error",
            "round",
            "cumulative objective increase from concurrent updates",
            "strads",
            "random",
        ] {
            assert!(texts.contains(&needle), "parallelization SVG lacks {needle:?}: {texts:?}");
        }
        let (_, _, rgb) = decode(&parallelization_png(&r).unwrap());
        assert!(pixels_of(&rgb, variant_color(0)) > 200, "strads line missing");
        assert!(pixels_of(&rgb, variant_color(1)) > 200, "random line missing");
        assert!(pixels_of(&rgb, ZERO_LINE) > 500, "zero line missing");

        let svg = parallelization_svg(&small_report()).unwrap();
        assert!(svg_texts(&svg).contains(&"no STRADS rounds"));
    }

    #[test]
    fn long_runs_are_decimated_for_drawing() {
        let mut r = strads_report();
        r.variants[0].rounds =
            (0..100_000).map(|k| round(k, 1e-3 * ((k % 7) as f64 - 3.0), None, Some(k / 100))).collect();
        let small = strads_report();
        for (big, little) in [
            (nonzeros_svg(&r).unwrap(), nonzeros_svg(&small).unwrap()),
            (parallelization_svg(&r).unwrap(), parallelization_svg(&small).unwrap()),
        ] {
            // About 2 000 points of "x,y " each: tens of kB, not megabytes.
            assert!(big.len() < little.len() + 60_000, "{} bytes", big.len());
        }
        decode(&nonzeros_png(&r).unwrap());
        decode(&parallelization_png(&r).unwrap());
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let mut r = strads_report();
        r.variants[0].rounds[1].committed_s = f64::NAN;
        r.variants[1].rounds[0].parallelization_error = f64::INFINITY;
        nonzeros_svg(&r).unwrap();
        parallelization_svg(&r).unwrap();
        decode(&nonzeros_png(&r).unwrap());
        decode(&parallelization_png(&r).unwrap());
    }

    #[test]
    fn report_with_strads_fields_round_trips_through_serde() {
        let r = strads_report();
        let s = serde_json::to_string(&r).unwrap();
        let back: RunReport = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.variants[0].rounds.len(), 3);
        assert_eq!(back.variants[0].summary.strads.as_ref().unwrap().final_nonzeros, Some(9));
        // summary.json carries the STRADS summary but not the rounds.
        let v: serde_json::Value = serde_json::from_str(&summary_json(&r)).unwrap();
        assert_eq!(v["variants"][0]["strads"]["scheduler"], "STRADS (priority + dependency)");
        assert_eq!(v["variants"][1]["strads"]["optimum"], serde_json::Value::Null);
        assert!(!summary_json(&r).contains("\"rounds\": ["), "rounds stay out of summary.json");
    }

    #[test]
    fn reports_written_before_strads_still_parse_and_omit_empty_rounds() {
        let mut v = serde_json::to_value(small_report()).unwrap();
        for variant in v["variants"].as_array_mut().unwrap() {
            assert!(variant.get("rounds").is_none(), "empty rounds are not written");
            assert!(variant["summary"].as_object_mut().unwrap().remove("strads").is_some());
        }
        let back: RunReport = serde_json::from_value(v).unwrap();
        assert_eq!(back, small_report());
        assert_eq!(back.variants[0].summary.strads, None);
        assert!(back.variants[0].rounds.is_empty());
    }
}
