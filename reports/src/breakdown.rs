//! The time-breakdown plot: per variant, one horizontal bar stacking compute, communication and waiting time.
//!
//! Bars show the **mean per worker** (the [`VariantSummary`] totals divided by `workers`), so a bar's length
//! is comparable with the run's simulated duration; the total is printed at the end of each bar.
//!
//! [`VariantSummary`]: crate::VariantSummary

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::plot::{fmt_seconds, render_png, render_svg, Figure, Rows, FONT};
use crate::summary::{RunReport, VariantSummary};

/// Names and colours of the stacked components, in stacking order (left to right).
pub(crate) const COMPONENTS: [(&str, RGBColor); 3] = [
    ("compute", RGBColor(0x00, 0x72, 0xB2)),
    ("communication", RGBColor(0xE6, 0x9F, 0x00)),
    ("waiting", RGBColor(0xA8, 0xA8, 0xA8)),
];

#[cfg(test)]
pub(crate) const COMPONENT_COLORS: [RGBColor; 3] = [COMPONENTS[0].1, COMPONENTS[1].1, COMPONENTS[2].1];

/// Height of the legend strip under the chart [px].
pub(crate) const LEGEND_STRIP_PX: u32 = 44;

/// Renders the time-breakdown plot as an SVG document (1000 × 600 px): one horizontal bar per variant (first
/// variant on top) stacking compute, communication and waiting time, each the mean per worker [s].
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn breakdown_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Breakdown(report))
}

/// Renders the same figure as [`breakdown_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn breakdown_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Breakdown(report))
}

/// Compute, communication and waiting time, each the mean per worker [s]; non-finite or negative totals
/// count as 0, and 0 workers as 1.
pub(crate) fn per_worker(s: &VariantSummary) -> [f64; 3] {
    let workers = f64::from(s.workers.max(1));
    [s.compute_s, s.communication_s, s.waiting_s].map(|t| if t.is_finite() && t > 0.0 { t / workers } else { 0.0 })
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let parts: Vec<Vec<f64>> = report.variants.iter().map(|v| per_worker(&v.summary).to_vec()).collect();
    let labels = parts.iter().map(|p| fmt_seconds(p.iter().sum())).collect();
    let bars = StackedBars {
        caption: format!("{}: time breakdown per worker", report.scenario),
        x_desc: "simulated time per worker [s] (mean over workers)",
        names: report.variants.iter().map(|v| v.name.as_str()).collect(),
        parts,
        labels,
        components: &COMPONENTS,
        headroom: 1.15,
        legend_item_px: 190,
    };
    draw_stacked_bars(&bars, root)
}

/// A horizontal stacked-bar chart: one row per name (the first on top), one segment per
/// component [s], a label after each bar, and a legend strip of the components underneath.
pub(crate) struct StackedBars<'a> {
    /// Chart caption.
    pub caption: String,
    /// X-axis description, with its unit.
    pub x_desc: &'a str,
    /// Row names, top to bottom.
    pub names: Vec<&'a str>,
    /// Per row, the length of each component's segment [s].
    pub parts: Vec<Vec<f64>>,
    /// Per row, what is printed after the bar.
    pub labels: Vec<String>,
    /// Legend name and colour of each component.
    pub components: &'a [(&'a str, RGBColor)],
    /// Factor of the longest bar that the x axis spans (room for the labels).
    pub headroom: f64,
    /// Width of one legend item [px].
    pub legend_item_px: i32,
}

pub(crate) fn draw_stacked_bars<DB: DrawingBackend>(
    bars: &StackedBars,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = bars.names.len();
    let names = &bars.names;
    let parts = &bars.parts;
    let x_max = parts.iter().map(|p| p.iter().sum::<f64>()).fold(0.0, f64::max);
    let x_max = if x_max > 0.0 { x_max * bars.headroom } else { 1.0 };
    let longest_name = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let y_label_px = (longest_name as u32 * 9 + 30).clamp(70, 320);
    // Row k (from the bottom) holds variant n-1-k, so the first variant is on top; ticks sit at row centres.
    let row_label = |y: &f64| {
        let k = (*y - 0.5).round();
        if k >= 0.0 && (k as usize) < n {
            names[n - 1 - k as usize].to_string()
        } else {
            String::new()
        }
    };

    let (_, height) = root.dim_in_pixel();
    let (main, legend_strip) = root.split_vertically(height.saturating_sub(LEGEND_STRIP_PX));
    let mut chart = ChartBuilder::on(&main)
        .caption(&bars.caption, (FONT, 26))
        .margin(20)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(y_label_px)
        .build_cartesian_2d(0.0..x_max, Rows(n))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(bars.x_desc)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .y_label_style((FONT, 16))
        .y_label_formatter(&row_label)
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;

    for (c, (_, color)) in bars.components.iter().enumerate() {
        chart.draw_series(parts.iter().enumerate().map(|(i, p)| {
            let row = (n - 1 - i) as f64;
            let x0: f64 = p[..c].iter().sum();
            Rectangle::new([(x0, row + 0.2), (x0 + p[c], row + 0.8)], color.filled())
        }))?;
    }
    let total_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(parts.iter().zip(&bars.labels).enumerate().map(|(i, (p, label))| {
        let row = (n - 1 - i) as f64;
        let total: f64 = p.iter().sum();
        EmptyElement::at((total, row + 0.5)) + Text::new(label.clone(), (6, 0), total_style.clone())
    }))?;

    // Legend: a centred row of swatches under the chart, outside the bars' way.
    let item_px = bars.legend_item_px;
    let (strip_w, strip_h) = legend_strip.dim_in_pixel();
    let left = (strip_w as i32 - item_px * bars.components.len() as i32) / 2;
    let mid = strip_h as i32 / 2;
    let label_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (c, (name, color)) in bars.components.iter().enumerate() {
        let x = left + item_px * c as i32;
        legend_strip.draw(&Rectangle::new([(x, mid - 8), (x + 16, mid + 8)], color.filled()))?;
        legend_strip.draw(&Text::new(*name, (x + 24, mid), label_style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_report;

    #[test]
    fn per_worker_divides_by_workers_and_sanitizes() {
        let mut s = small_report().variants[0].summary.clone();
        s.workers = 2;
        s.compute_s = 4.0;
        s.communication_s = 1.0;
        s.waiting_s = f64::NAN;
        assert_eq!(per_worker(&s), [2.0, 0.5, 0.0]);
        s.workers = 0;
        s.waiting_s = -1.0;
        assert_eq!(per_worker(&s), [4.0, 1.0, 0.0]);
    }
}
