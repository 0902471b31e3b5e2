//! The WAN plot: per variant, the bytes that crossed wide-area (inter-datacenter) links and what that traffic
//! cost, as two panels of horizontal bars, traffic above and cost below, one bar per variant (first variant on
//! top, in its variant colour) with its value printed after the bar.
//!
//! Traffic is in decimal units (1 GB = 10⁹ bytes, as cloud egress is billed). The traffic axis is in GB unless
//! the largest value is below 0.1 GB (then MB or kB) or at least 10⁴ GB (then TB), so that tick labels stay
//! short; the axis description names the unit.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::plot::{fmt_tick_number, render_png, render_svg, variant_color, Figure, Rows, FONT};
use crate::summary::RunReport;

/// Decimal byte units [bytes per unit, name], smallest first.
const BYTE_UNITS: [(f64, &str); 5] = [(1.0, "B"), (1e3, "kB"), (1e6, "MB"), (1e9, "GB"), (1e12, "TB")];
/// Headroom right of the longest bar for its value label [fraction of the longest bar].
const LABEL_HEADROOM: f64 = 0.2;

/// Renders the WAN plot as an SVG document (1000 × 600 px), titled `"<scenario>: WAN traffic and cost"`: in the
/// upper panel each variant's [`VariantSummary::wan_bytes`](crate::VariantSummary::wan_bytes) [GB, 1 GB = 10⁹
/// bytes; MB, kB or TB when the values are far from GB], in the lower panel its
/// [`VariantSummary::wan_cost_usd`](crate::VariantSummary::wan_cost_usd) [USD], one labelled horizontal bar per
/// variant.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn wan_svg(report: &RunReport) -> Result<String, ReportError> {
    render_svg(Figure::Wan(report))
}

/// Renders the same figure as [`wan_svg`] as an 8-bit RGB PNG (1000 × 600 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn wan_png(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::Wan(report))
}

/// The traffic axis unit for a largest value of `max_bytes` [bytes]: GB, unless below 0.1 GB (MB, or kB below
/// 0.1 MB) or from 10⁴ GB (TB). Returns (bytes per unit, unit name).
pub(crate) fn traffic_unit(max_bytes: f64) -> (f64, &'static str) {
    match max_bytes {
        b if b >= 1e13 => BYTE_UNITS[4],
        b if b >= 1e8 => BYTE_UNITS[3],
        b if b >= 1e5 => BYTE_UNITS[2],
        _ => BYTE_UNITS[1],
    }
}

/// Formats a byte count with three significant digits and a decimal prefix, without trailing zeros:
/// `0` → `"0 B"`, `1234` → `"1.23 kB"`, `2.5e9` → `"2.5 GB"`.
pub(crate) fn fmt_bytes_si(bytes: u64) -> String {
    let b = bytes as f64;
    let (per, unit) = BYTE_UNITS.iter().rev().copied().find(|&(per, _)| b >= per).unwrap_or(BYTE_UNITS[0]);
    three_digits(b / per, unit)
}

/// Formats an amount in US dollars: two decimals from $1 (`"$12.35"`), else three significant digits without
/// trailing zeros (`"$0.0123"`, `"$0.045"`), `"$0"` for nothing and scientific notation below a micro-dollar.
pub(crate) fn fmt_usd(usd: f64) -> String {
    if !usd.is_finite() {
        return format!("${usd}");
    }
    match usd.abs() {
        0.0 => "$0".to_string(),
        a if a >= 1.0 => format!("${usd:.2}"),
        a if a < 1e-6 => format!("${usd:.1e}"),
        a => {
            let decimals = (2 - a.log10().floor() as i32).clamp(2, 8) as usize;
            let s = format!("{usd:.decimals$}");
            format!("${}", s.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

/// `value` with three significant digits (from 100 on: none after the point), trailing zeros dropped, then
/// `" unit"`.
fn three_digits(value: f64, unit: &str) -> String {
    let decimals = match value.abs() {
        a if a >= 99.95 => 0,
        a if a >= 9.995 => 1,
        _ => 2,
    };
    let s = format!("{value:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    format!("{s} {unit}")
}

/// One panel: a bar per row (row `n − 1 − i` holds variant `i`, so the first is on top).
struct Panel<'a> {
    /// Axis description, with its unit.
    desc: String,
    /// Bar lengths in axis units.
    values: Vec<f64>,
    /// Value label printed after each bar.
    labels: Vec<String>,
    /// Variant names, in order.
    names: &'a [&'a str],
}

pub(crate) fn draw<DB: DrawingBackend>(
    report: &RunReport,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let names: Vec<&str> = report.variants.iter().map(|v| v.name.as_str()).collect();
    let bytes: Vec<u64> = report.variants.iter().map(|v| v.summary.wan_bytes).collect();
    let cost: Vec<f64> =
        report.variants.iter().map(|v| v.summary.wan_cost_usd).map(|c| if c.is_finite() { c } else { 0.0 }).collect();
    let (per, unit) = traffic_unit(bytes.iter().copied().max().unwrap_or(0) as f64);
    let traffic = Panel {
        desc: format!("WAN traffic [{unit}]"),
        values: bytes.iter().map(|&b| b as f64 / per).collect(),
        labels: bytes.iter().map(|&b| fmt_bytes_si(b)).collect(),
        names: &names,
    };
    let cost = Panel {
        desc: "WAN cost [USD]".to_string(),
        labels: cost.iter().map(|&c| fmt_usd(c)).collect(),
        values: cost,
        names: &names,
    };

    let body = root.margin(12, 0, 0, 0).titled(&format!("{}: WAN traffic and cost", report.scenario), (FONT, 26))?;
    let (_, height) = body.dim_in_pixel();
    let (upper, lower) = body.split_vertically(height / 2);
    let longest_name = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let y_label_px = (longest_name as u32 * 9 + 30).clamp(70, 320);
    draw_panel(&upper, &traffic, y_label_px)?;
    draw_panel(&lower, &cost, y_label_px)?;
    if bytes.iter().all(|&b| b == 0) {
        let (w, h) = upper.dim_in_pixel();
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        upper.draw(&Text::new("no WAN traffic", (w as i32 / 2, h as i32 / 2), style))?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel<'_>,
    y_label_px: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = panel.names.len();
    let x_max = panel.values.iter().copied().fold(0.0, f64::max);
    let x_max = if x_max > 0.0 { x_max * (1.0 + LABEL_HEADROOM) } else { 1.0 };
    let row_label = |y: &f64| {
        let k = (*y - 0.5).round();
        if k >= 0.0 && (k as usize) < n {
            panel.names[n - 1 - k as usize].to_string()
        } else {
            String::new()
        }
    };
    let x_fmt = |v: &f64| fmt_tick_number(*v);
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .margin_top(5)
        .margin_bottom(5)
        .x_label_area_size(50)
        .y_label_area_size(y_label_px)
        .build_cartesian_2d(0.0..x_max, Rows(n))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(panel.desc.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&row_label)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .y_label_style((FONT, 16))
        .max_light_lines(1)
        .light_line_style(RGBColor(0xF0, 0xF0, 0xF0))
        .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
        .draw()?;
    chart.draw_series(panel.values.iter().enumerate().filter(|(_, &v)| v > 0.0).map(|(i, &v)| {
        let row = (n - 1 - i) as f64;
        Rectangle::new([(0.0, row + 0.2), (v, row + 0.8)], variant_color(i).filled())
    }))?;
    let label_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(panel.values.iter().zip(&panel.labels).enumerate().map(|(i, (&v, label))| {
        let row = (n - 1 - i) as f64;
        EmptyElement::at((v.max(0.0), row + 0.5)) + Text::new(label.clone(), (6, 0), label_style.clone())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, pixels_of, small_report, svg_texts};
    use crate::{HEIGHT_PX, WIDTH_PX};

    /// The small report with WAN traffic: bsp 3 GB for $0.06, ssp-2 1.5 GB for $0.03.
    fn wan_report() -> RunReport {
        let mut r = small_report();
        r.variants[0].summary.wan_bytes = 3_000_000_000;
        r.variants[0].summary.wan_cost_usd = 0.06;
        r.variants[1].summary.wan_bytes = 1_500_000_000;
        r.variants[1].summary.wan_cost_usd = 0.03;
        r
    }

    #[test]
    fn units_and_labels() {
        assert_eq!(traffic_unit(3e9), (1e9, "GB"));
        assert_eq!(traffic_unit(1e8), (1e9, "GB"));
        assert_eq!(traffic_unit(5e7), (1e6, "MB"));
        assert_eq!(traffic_unit(5e4), (1e3, "kB"));
        assert_eq!(traffic_unit(0.0), (1e3, "kB"));
        assert_eq!(traffic_unit(2e13), (1e12, "TB"));
        assert_eq!(fmt_bytes_si(0), "0 B");
        assert_eq!(fmt_bytes_si(999), "999 B");
        assert_eq!(fmt_bytes_si(1234), "1.23 kB");
        assert_eq!(fmt_bytes_si(2_500_000_000), "2.5 GB");
        assert_eq!(fmt_bytes_si(123_456_789), "123 MB");
        assert_eq!(fmt_usd(0.0), "$0");
        assert_eq!(fmt_usd(12.345), "$12.35");
        assert_eq!(fmt_usd(1.0), "$1.00");
        assert_eq!(fmt_usd(0.06), "$0.06");
        assert_eq!(fmt_usd(0.0275), "$0.0275");
        assert_eq!(fmt_usd(0.012345), "$0.0123");
        assert_eq!(fmt_usd(0.5), "$0.5");
        assert_eq!(fmt_usd(0.999), "$0.999");
        assert_eq!(fmt_usd(2e-7), "$2.0e-7");
    }

    #[test]
    fn renders_deterministically_at_the_figure_size() {
        let r = wan_report();
        assert_eq!(wan_svg(&r).unwrap(), wan_svg(&r).unwrap());
        let png = wan_png(&r).unwrap();
        assert_eq!(png, wan_png(&r).unwrap());
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
        assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
    }

    #[test]
    fn svg_has_title_both_axes_names_and_value_labels() {
        let svg = wan_svg(&wan_report()).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "quickstart: WAN traffic and cost",
            "WAN traffic [GB]",
            "WAN cost [USD]",
            "bsp",
            "ssp-2",
            "3 GB",
            "1.5 GB",
            "$0.06",
            "$0.03",
        ] {
            assert!(texts.contains(&needle), "WAN SVG lacks {needle:?}: {texts:?}");
        }
        assert_eq!(texts.iter().filter(|t| **t == "bsp").count(), 2, "names in both panels: {texts:?}");
    }

    #[test]
    fn png_bars_are_proportional_to_the_values() {
        // In both panels bsp's bar is twice ssp-2's; bars have equal heights.
        let (_, _, rgb) = decode(&wan_png(&wan_report()).unwrap());
        let (bsp, ssp) = (pixels_of(&rgb, variant_color(0)), pixels_of(&rgb, variant_color(1)));
        assert!(ssp > 2000, "bars missing: {bsp} {ssp}");
        let ratio = bsp as f64 / ssp as f64;
        assert!((1.9..2.1).contains(&ratio), "bsp {bsp} px vs ssp-2 {ssp} px");
    }

    #[test]
    fn zero_traffic_zero_cost_and_no_variants_still_render() {
        let mut free = wan_report();
        free.variants.iter_mut().for_each(|v| v.summary.wan_cost_usd = 0.0);
        let texts_svg = wan_svg(&free).unwrap();
        assert!(svg_texts(&texts_svg).contains(&"$0"));
        let none = small_report();
        let svg = wan_svg(&none).unwrap();
        assert!(svg_texts(&svg).contains(&"no WAN traffic"));
        let mut empty = small_report();
        empty.variants.clear();
        let mut odd = wan_report();
        odd.variants[1].summary.wan_cost_usd = f64::NAN;
        for r in [&free, &none, &empty, &odd] {
            wan_svg(r).unwrap();
            decode(&wan_png(r).unwrap());
        }
        let (_, _, rgb) = decode(&wan_png(&none).unwrap());
        assert_eq!(pixels_of(&rgb, variant_color(0)), 0, "no bars without traffic");
    }
}
