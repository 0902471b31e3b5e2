//! The staleness plot: per variant, the share of parameter reads [%] at each staleness [clocks].
//!
//! A few buckets (an SSP bound of a handful of clocks) are drawn as grouped bars, one bar per variant in each
//! bucket, in variant order from left to right. A long tail (asynchronous runs reach tens of clocks) is drawn as
//! step lines, one histogram outline per variant, since bars that thin would vanish. The legend, a strip under
//! the chart, gives each variant's mean and variance, e.g. `SSP(3): mean 1.28, var 0.39`; a variant without
//! reads is listed as `name: no reads` and draws nothing.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, FONT};
use crate::summary::{RunReport, VariantSummary};

/// At most this many staleness buckets are drawn as grouped bars; more are drawn as step lines.
pub(crate) const BARS_MAX_BUCKETS: usize = 16;
/// Most labelled ticks on the staleness axis.
const MAX_X_LABELS: usize = 20;
/// Share of a bucket's width the group of bars takes (the rest is the gap between buckets).
const GROUP_WIDTH: f64 = 0.8;
/// Legend: font size [px], line height [px] and space between entries [px].
const LEGEND_FONT_PX: u32 = 16;
const LEGEND_LINE_PX: u32 = 26;
const LEGEND_GAP_PX: u32 = 32;
/// Legend swatch size [px] and the space between swatch and text [px].
const SWATCH_PX: i32 = 16;
const SWATCH_GAP_PX: i32 = 8;

/// Renders the staleness plot as an SVG document (1000 × 600 px): the share of each variant's reads [%] at each
/// staleness [clocks], as grouped bars (at most 16 staleness values) or step lines (more), titled
/// `"<scenario>: staleness of reads"`, with a legend giving each variant's mean [clocks] and variance
/// [clocks²] (from [`VariantSummary::staleness_mean`] and [`VariantSummary::staleness_variance`]). Bars come
/// from [`VariantSummary::staleness_histogram`]; variants without reads are only named in the legend.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn staleness_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Staleness(report))
}

/// Renders the same figure as [`staleness_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn staleness_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Staleness(report))
}

/// The histogram without trailing empty buckets (so its length is the largest staleness + 1, or 0).
pub(crate) fn trimmed(histogram: &[u64]) -> &[u64] {
    let len = histogram.iter().rposition(|&n| n > 0).map_or(0, |k| k + 1);
    &histogram[..len]
}

/// Share of the histogram's reads at each staleness [fraction, 0..=1], trailing empty buckets dropped; empty
/// when the histogram holds no reads. Shares are of the histogram's own total, so they sum to 1.
pub(crate) fn shares(histogram: &[u64]) -> Vec<f64> {
    let h = trimmed(histogram);
    let total: u64 = h.iter().sum();
    h.iter().map(|&n| n as f64 / total as f64).collect()
}

/// The legend entry of a variant: `"<name>: mean <m>, var <v>"` with two decimals, or `"<name>: no reads"`.
pub(crate) fn legend_label(name: &str, s: &VariantSummary) -> String {
    if s.reads == 0 && trimmed(&s.staleness_histogram).is_empty() {
        format!("{name}: no reads")
    } else {
        format!("{name}: mean {:.2}, var {:.2}", s.staleness_mean, s.staleness_variance)
    }
}

/// Distance between labelled staleness ticks [clocks]: the smallest of 1, 2, 5, 10, 20, 50, … that labels at
/// most [`MAX_X_LABELS`] of `buckets` values.
pub(crate) fn tick_step(buckets: usize) -> usize {
    let mut power = 1;
    loop {
        for step in [power, 2 * power, 5 * power] {
            if buckets.div_ceil(step) <= MAX_X_LABELS {
                return step;
            }
        }
        power *= 10;
    }
}

/// The staleness axis: `n` integer buckets centred on `0, 1, …, n − 1`, spanning `−0.5..n − 0.5`, with ticks
/// every [`tick_step`] buckets.
struct Buckets(usize);

impl Ranged for Buckets {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.0.max(1) as f64;
        limit.0 + ((value + 0.5) / span * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0.max(1)).step_by(tick_step(self.0.max(1))).map(|k| k as f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.0.max(1) as f64 - 0.5
    }
}

/// One legend entry: the variant's index (its colour) and its label.
struct Entry {
    variant: usize,
    label: String,
    width_px: u32,
}

/// Splits legend entries into rows that fit `width_px`, in order; every row holds at least one entry.
fn legend_rows(entries: &[Entry], width_px: u32) -> Vec<&[Entry]> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, e) in entries.iter().enumerate() {
        let w = e.width_px + if i > start { LEGEND_GAP_PX } else { 0 };
        if i > start && used + w > width_px {
            rows.push(&entries[start..i]);
            start = i;
            used = e.width_px;
        } else {
            used += w;
        }
    }
    if start < entries.len() {
        rows.push(&entries[start..]);
    }
    rows
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // (variant index, share per staleness [%]) of the variants that read.
    let series: Vec<(usize, Vec<f64>)> = report
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| (i, shares(&v.summary.staleness_histogram).into_iter().map(|s| 100.0 * s).collect()))
        .filter(|(_, s): &(usize, Vec<f64>)| !s.is_empty())
        .collect();
    let buckets = series.iter().map(|(_, s)| s.len()).max().unwrap_or(1);
    let bars = buckets <= BARS_MAX_BUCKETS;
    let top = series.iter().flat_map(|(_, s)| s.iter().copied()).fold(0.0, f64::max);
    let y_top = if top > 0.0 { top * 1.08 } else { 100.0 };

    // Legend layout first: its height decides the chart's.
    let (width, height) = root.dim_in_pixel();
    let label_style = TextStyle::from((FONT, LEGEND_FONT_PX).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let mut entries = Vec::with_capacity(report.variants.len());
    for (i, v) in report.variants.iter().enumerate() {
        let label = legend_label(&v.name, &v.summary);
        let (text_w, _) = root.estimate_text_size(&label, &label_style)?;
        entries.push(Entry { variant: i, label, width_px: (SWATCH_PX + SWATCH_GAP_PX) as u32 + text_w });
    }
    let rows = legend_rows(&entries, width.saturating_sub(40));
    let strip_px = if rows.is_empty() { 0 } else { rows.len() as u32 * LEGEND_LINE_PX + 16 };
    let (main, legend_strip) = root.split_vertically(height.saturating_sub(strip_px));

    let mut chart = ChartBuilder::on(&main)
        .caption(format!("{}: staleness of reads", report.scenario), (FONT, 26))
        .margin(20)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(70)
        .build_cartesian_2d(Buckets(buckets), 0.0..y_top)?;
    let x_fmt = |v: &f64| format!("{}", v.round() as i64);
    let y_fmt = |v: &f64| fmt_tick_number(*v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("staleness [clocks]")
        .y_desc("share of reads [%]")
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;

    if bars {
        let bar_w = GROUP_WIDTH / series.len().max(1) as f64;
        for (j, (i, s)) in series.iter().enumerate() {
            let color = variant_color(*i);
            let x_off = -GROUP_WIDTH / 2.0 + j as f64 * bar_w;
            chart.draw_series(s.iter().enumerate().filter(|(_, &y)| y > 0.0).map(|(k, &y)| {
                let x0 = k as f64 + x_off;
                Rectangle::new([(x0, 0.0), (x0 + bar_w, y)], color.filled())
            }))?;
        }
    } else {
        for (i, s) in &series {
            let style = ShapeStyle::from(variant_color(*i)).stroke_width(2);
            chart.draw_series([PathElement::new(step_outline(s), style)])?;
        }
    }
    if series.is_empty() {
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series([Text::new("no reads", ((buckets as f64 - 1.0) / 2.0, y_top / 2.0), style)])?;
    }

    // Legend: centred rows of swatches and labels under the chart.
    let mid_of_row = |r: usize| 8 + r as i32 * LEGEND_LINE_PX as i32 + LEGEND_LINE_PX as i32 / 2;
    for (r, row) in rows.iter().enumerate() {
        let row_w: u32 = row.iter().map(|e| e.width_px).sum::<u32>() + LEGEND_GAP_PX * (row.len() as u32 - 1);
        let mut x = (width as i32 - row_w as i32) / 2;
        let y = mid_of_row(r);
        for e in *row {
            let color = variant_color(e.variant);
            let read = series.iter().any(|(i, _)| *i == e.variant);
            let swatch = [(x, y - SWATCH_PX / 2), (x + SWATCH_PX, y + SWATCH_PX / 2)];
            if !read {
                legend_strip.draw(&Rectangle::new(swatch, color.stroke_width(1)))?;
            } else if bars {
                legend_strip.draw(&Rectangle::new(swatch, color.filled()))?;
            } else {
                let line = ShapeStyle::from(color).stroke_width(2);
                legend_strip.draw(&PathElement::new(vec![(x, y), (x + SWATCH_PX, y)], line))?;
            }
            legend_strip.draw(&Text::new(e.label.as_str(), (x + SWATCH_PX + SWATCH_GAP_PX, y), label_style.clone()))?;
            x += e.width_px as i32 + LEGEND_GAP_PX as i32;
        }
    }
    Ok(())
}

/// The outline of a histogram with unit-wide buckets centred on `0, 1, …`: up from the axis at `−0.5`, across
/// each bucket at its height, down to the axis after the last one.
pub(crate) fn step_outline(heights: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * heights.len() + 2);
    pts.push((-0.5, 0.0));
    for (k, &y) in heights.iter().enumerate() {
        pts.push((k as f64 - 0.5, y));
        pts.push((k as f64 + 0.5, y));
    }
    pts.push((heights.len() as f64 - 0.5, 0.0));
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, pixels_of, set_staleness, small_report, svg_texts};
    use crate::{HEIGHT_PX, WIDTH_PX};

    #[test]
    fn shares_drop_trailing_empty_buckets_and_sum_to_one() {
        assert_eq!(shares(&[3, 6, 3, 0, 0]), vec![0.25, 0.5, 0.25]);
        assert_eq!(shares(&[0, 4]), vec![0.0, 1.0]);
        assert!(shares(&[]).is_empty());
        assert!(shares(&[0, 0]).is_empty());
    }

    #[test]
    fn tick_step_labels_at_most_twenty_buckets() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(20), 1);
        assert_eq!(tick_step(21), 2);
        assert_eq!(tick_step(62), 5);
        assert_eq!(tick_step(101), 10);
        assert_eq!(tick_step(250), 20);
        assert_eq!(tick_step(1000), 50);
        assert_eq!(tick_step(1001), 100);
    }

    #[test]
    fn step_outline_rises_crosses_each_bucket_and_falls() {
        assert_eq!(
            step_outline(&[50.0, 25.0]),
            vec![(-0.5, 0.0), (-0.5, 50.0), (0.5, 50.0), (0.5, 25.0), (1.5, 25.0), (1.5, 0.0)]
        );
    }

    #[test]
    fn legend_rows_wrap_in_order() {
        let e = |variant, width_px| Entry { variant, label: String::new(), width_px };
        let entries = [e(0, 300), e(1, 300), e(2, 300), e(3, 900)];
        let rows = legend_rows(&entries, 960);
        let ids: Vec<Vec<usize>> = rows.iter().map(|r| r.iter().map(|e| e.variant).collect()).collect();
        assert_eq!(ids, vec![vec![0, 1], vec![2], vec![3]]);
        assert!(legend_rows(&[], 960).is_empty());
    }

    #[test]
    fn renders_deterministically_at_the_figure_size() {
        let r = small_report();
        assert_eq!(staleness_svg(&r).unwrap(), staleness_svg(&r).unwrap());
        let png = staleness_png(&r).unwrap();
        assert_eq!(png, staleness_png(&r).unwrap());
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
        assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
    }

    #[test]
    fn svg_has_title_axes_ticks_and_legend_with_mean_and_variance() {
        let svg = staleness_svg(&small_report()).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "quickstart: staleness of reads",
            "staleness [clocks]",
            "share of reads [%]",
            "bsp: mean 0.00, var 0.00",
            "ssp-2: mean 1.00, var 0.50",
            "0",
            "1",
            "2",
        ] {
            assert!(texts.contains(&needle), "staleness SVG lacks {needle:?}: {texts:?}");
        }
        assert!(!texts.contains(&"3"), "no staleness-3 bucket: {texts:?}");
    }

    #[test]
    fn png_bars_are_proportional_to_the_shares() {
        // bsp: 100 % at 0. ssp-2: 25 %, 50 %, 25 % at 0, 1, 2; bars have equal widths, so areas are 4 : 4.
        let (_, _, rgb) = decode(&staleness_png(&small_report()).unwrap());
        let (bsp, ssp) = (pixels_of(&rgb, variant_color(0)), pixels_of(&rgb, variant_color(1)));
        assert!(bsp > 2000 && ssp > 2000, "bars missing: {bsp} {ssp}");
        let ratio = bsp as f64 / ssp as f64;
        assert!((0.9..1.1).contains(&ratio), "bsp {bsp} px vs ssp-2 {ssp} px");
        assert_eq!(pixels_of(&rgb, variant_color(2)), 0, "only two variants");
    }

    #[test]
    fn variant_without_reads_draws_no_bars_but_is_named() {
        let mut r = small_report();
        set_staleness(&mut r.variants[0].summary, &[]);
        let texts_svg = staleness_svg(&r).unwrap();
        let texts = svg_texts(&texts_svg);
        assert!(texts.contains(&"bsp: no reads"), "{texts:?}");
        assert!(texts.contains(&"ssp-2: mean 1.00, var 0.50"), "{texts:?}");
        let (_, _, rgb) = decode(&staleness_png(&r).unwrap());
        // Only the hollow legend swatch of bsp: its outline, about 4 × 16 px.
        assert!(pixels_of(&rgb, variant_color(0)) <= 80, "bsp drew bars");
        assert!(pixels_of(&rgb, variant_color(1)) > 2000);

        for v in &mut r.variants {
            set_staleness(&mut v.summary, &[]);
        }
        let svg = staleness_svg(&r).unwrap();
        assert!(svg_texts(&svg).contains(&"no reads"));
        decode(&staleness_png(&r).unwrap());
        r.variants.clear();
        staleness_svg(&r).unwrap();
        decode(&staleness_png(&r).unwrap());
    }

    #[test]
    fn single_bucket_histograms_render_one_full_bar_each() {
        let mut r = small_report();
        set_staleness(&mut r.variants[1].summary, &[7]);
        let svg = staleness_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        assert!(texts.contains(&"ssp-2: mean 0.00, var 0.00"), "{texts:?}");
        assert!(!texts.contains(&"1"), "one bucket, one tick: {texts:?}");
        let (_, _, rgb) = decode(&staleness_png(&r).unwrap());
        let (a, b) = (pixels_of(&rgb, variant_color(0)), pixels_of(&rgb, variant_color(1)));
        assert!(a > 10_000 && a.abs_diff(b) < a / 20, "two equal full bars: {a} {b}");
    }

    #[test]
    fn long_tails_are_drawn_as_step_lines_with_thinned_ticks() {
        let mut r = small_report();
        let mut tail = vec![1u64; 62];
        tail[0] = 100;
        set_staleness(&mut r.variants[1].summary, &tail);
        assert!(tail.len() > BARS_MAX_BUCKETS);
        let svg = staleness_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in ["0", "5", "55"] {
            assert!(texts.contains(&needle), "ticks lack {needle:?}: {texts:?}");
        }
        assert!(!texts.contains(&"61"), "{texts:?}");
        let (_, _, rgb) = decode(&staleness_png(&r).unwrap());
        // Outlines, not filled bars: bsp's 100 % bucket is a thin frame, far less than a filled bar.
        let bsp = pixels_of(&rgb, variant_color(0));
        assert!(bsp > 300 && bsp < 3000, "bsp outline {bsp} px");
        assert!(pixels_of(&rgb, variant_color(1)) > 300);
    }
}
