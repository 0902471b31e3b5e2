//! Shared plot machinery: the embedded font, the palette, and rendering one figure to SVG or PNG.
//!
//! Every figure is drawn by one function generic over plotters' [`DrawingBackend`], so the SVG and the PNG
//! of a figure come from the same drawing code; [`render_svg`] and [`render_png`] only pick the backend.

use std::ops::Range;
use std::sync::Once;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::collective::{CollectiveReport, LinkLoad};
use crate::collective_plot::{self, Metric};
use crate::dnn::DnnReport;
use crate::dnn_plot::{self, ThroughputPlot};
use crate::error::ReportError;
use crate::summary::RunReport;
use crate::sweep::SweepReport;
use crate::{breakdown, convergence, faults, heatmap, staleness, strads, sweep, wan};

/// Width of every figure except the heatmap [px].
pub const WIDTH_PX: u32 = 1000;
/// Height of every figure except the heatmap [px].
pub const HEIGHT_PX: u32 = 600;
/// Width of the link-load heatmap [px] (the other figures are [`WIDTH_PX`] wide).
pub const HEATMAP_WIDTH_PX: u32 = 1000;
/// Height of the link-load heatmap [px] (taller than the other figures, so that the matrix cells are square).
pub const HEATMAP_HEIGHT_PX: u32 = 900;

/// Font family every text element uses; it resolves to the embedded DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera license, see `assets/DejaVuSans-LICENSE.txt`), embedded so that PNG text renders
/// on machines without system fonts or fontconfig.
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the embedded font as plotters' `"sans-serif"` family, once per process.
///
/// # Panics
/// If the embedded font does not parse: the asset is corrupt, which the tests catch.
pub(crate) fn ensure_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        let ok = plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok();
        assert!(ok, "embedded assets/DejaVuSans.ttf does not parse as a font");
    });
}

/// Colour-blind-safe line colours (Okabe & Ito, 2008), used in variant order and cycled.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
];

/// Distinct variant colours before they repeat.
pub(crate) const PALETTE_LEN: usize = PALETTE.len();

/// Colour of the `i`-th variant.
pub(crate) fn variant_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The figures this crate draws, each with the data it is drawn from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Figure<'a> {
    Convergence(&'a RunReport),
    Breakdown(&'a RunReport),
    Staleness(&'a RunReport),
    Wan(&'a RunReport),
    /// STRADS: non-zero variables vs simulated time.
    Nonzeros(&'a RunReport),
    /// STRADS: cumulative parallelization error vs round.
    Parallelization(&'a RunReport),
    BusBandwidth(&'a CollectiveReport),
    CollectiveTime(&'a CollectiveReport),
    /// A link-load matrix and its title.
    LinkLoad(&'a LinkLoad, &'a str),
    /// A device × device traffic matrix (bytes each device sent each other one), drawn as a link load.
    TrafficMatrix(&'a LinkLoad, &'a str),
    /// DNN training: throughput vs GPU count, one line per series.
    Throughput(&'a ThroughputPlot),
    /// DNN training: compute / exposed communication / bubble / other time per iteration, one bar per variant.
    DnnBreakdown(&'a DnnReport),
    /// DNN training with failures: progress through them and the job time's split.
    Recovery(&'a DnnReport),
    /// A parameter-server run with failures: clocks done through them and the job time's split.
    PsRecovery(&'a RunReport),
    /// A sweep: the plotted metric against one axis (its index).
    SweepAxis(&'a SweepReport, usize),
}

impl Figure<'_> {
    fn name(self) -> &'static str {
        match self {
            Figure::Convergence(_) => "convergence",
            Figure::Breakdown(_) => "breakdown",
            Figure::Staleness(_) => "staleness",
            Figure::Wan(_) => "WAN",
            Figure::Nonzeros(_) => "non-zeros",
            Figure::Parallelization(_) => "parallelization error",
            Figure::BusBandwidth(_) => "bus bandwidth",
            Figure::CollectiveTime(_) => "collective time",
            Figure::LinkLoad(..) => "link load",
            Figure::TrafficMatrix(..) => "traffic matrix",
            Figure::Throughput(_) => "throughput",
            Figure::DnnBreakdown(_) => "DNN breakdown",
            Figure::SweepAxis(..) => "sweep axis",
            Figure::Recovery(_) => "recovery",
            Figure::PsRecovery(_) => "parameter-server recovery",
        }
    }

    /// Width and height of the figure [px].
    pub(crate) fn size(self) -> (u32, u32) {
        match self {
            Figure::LinkLoad(..) | Figure::TrafficMatrix(..) => (HEATMAP_WIDTH_PX, HEATMAP_HEIGHT_PX),
            _ => (WIDTH_PX, HEIGHT_PX),
        }
    }

    /// Draws the figure onto any backend; the only place where the figure kinds are dispatched.
    fn draw<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        match self {
            Figure::Convergence(report) => convergence::draw(report, root)?,
            Figure::Breakdown(report) => breakdown::draw(report, root)?,
            Figure::Staleness(report) => staleness::draw(report, root)?,
            Figure::Wan(report) => wan::draw(report, root)?,
            Figure::Nonzeros(report) => strads::draw_nonzeros(report, root)?,
            Figure::Parallelization(report) => strads::draw_parallelization(report, root)?,
            Figure::BusBandwidth(report) => collective_plot::draw(report, Metric::BusBandwidth, root)?,
            Figure::CollectiveTime(report) => collective_plot::draw(report, Metric::Time, root)?,
            Figure::LinkLoad(load, title) => heatmap::draw(load, title, heatmap::Cells::Links, root)?,
            Figure::TrafficMatrix(load, title) => heatmap::draw(load, title, heatmap::Cells::Traffic, root)?,
            Figure::Throughput(plot) => dnn_plot::draw_throughput(plot, root)?,
            Figure::DnnBreakdown(report) => dnn_plot::draw_breakdown(report, root)?,
            Figure::SweepAxis(report, axis) => sweep::draw(report, axis, root)?,
            Figure::Recovery(report) => faults::draw(report, root)?,
            Figure::PsRecovery(report) => faults::draw_ps(report, root)?,
        }
        root.present()
    }
}

/// A bar chart's category coordinate: `n` rows of height 1 spanning `0.0..n`, with one tick at each row centre
/// (`k + 0.5`). Used for horizontal bars, one row per variant.
pub(crate) struct Rows(pub usize);

impl Ranged for Rows {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.0.max(1) as f64;
        limit.0 + (value / span * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0).map(|k| k as f64 + 0.5).collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.0.max(1) as f64
    }
}

/// Renders `figure` as an SVG document of [`Figure::size`].
pub(crate) fn render_svg(figure: Figure<'_>) -> Result<String, ReportError> {
    ensure_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        figure.draw(&root).map_err(|e| ReportError::draw(figure.name(), e))?;
    }
    Ok(svg)
}

/// Renders `figure` as an 8-bit RGB PNG of [`Figure::size`].
pub(crate) fn render_png(figure: Figure<'_>) -> Result<Vec<u8>, ReportError> {
    ensure_font();
    let (width, height) = figure.size();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        figure.draw(&root).map_err(|e| ReportError::draw(figure.name(), e))?;
    }
    encode_png(&rgb, (width, height)).map_err(|source| ReportError::PngEncode { plot: figure.name(), source })
}

fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Formats a duration given in seconds with three significant digits and an SI prefix (s, ms, µs, ns),
/// for labels.
pub(crate) fn fmt_seconds(s: f64) -> String {
    if s == 0.0 || !s.is_finite() {
        return format!("{s} s");
    }
    let (value, unit) = match s.abs() {
        a if a >= 1.0 => (s, "s"),
        a if a >= 1e-3 => (s * 1e3, "ms"),
        a if a >= 1e-6 => (s * 1e6, "µs"),
        _ => (s * 1e9, "ns"),
    };
    let decimals = match value.abs() {
        a if a >= 99.95 => 0,
        a if a >= 9.995 => 1,
        _ => 2,
    };
    format!("{value:.decimals$} {unit}")
}

/// Like [`fmt_seconds`] but without trailing zeros (`"10 µs"`, `"1.5 s"`), for axis ticks.
pub(crate) fn fmt_seconds_tick(s: f64) -> String {
    trim_zeros(&fmt_seconds(s))
}

/// Formats a byte count with three significant digits and a binary prefix (B, KiB, MiB, GiB, TiB, PiB), without
/// trailing zeros: `1024.0` → `"1 KiB"`, `3 << 30` → `"3 GiB"`, `1.5e9` → `"1.4 GiB"`.
pub(crate) fn fmt_bytes(b: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if b == 0.0 || !b.is_finite() {
        return format!("{b} B");
    }
    let mut value = b;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = match value.abs() {
        a if a >= 99.95 => 0,
        a if a >= 9.995 => 1,
        _ => 2,
    };
    trim_zeros(&format!("{value:.decimals$} {}", UNITS[unit]))
}

/// Formats a linear-axis tick value with at most six decimals and no trailing zeros (`0.30000000000000004` →
/// `"0.3"`, `20.0` → `"20"`).
pub(crate) fn fmt_tick_number(v: f64) -> String {
    let s = trim_zeros(&format!("{v:.6}"));
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Drops trailing zeros (and a then trailing point) from the number in front of the first space:
/// `"2.50 ms"` → `"2.5 ms"`, `"10.0 s"` → `"10 s"`.
fn trim_zeros(label: &str) -> String {
    let (number, unit) = label.split_once(' ').unwrap_or((label, ""));
    let number = if number.contains('.') { number.trim_end_matches('0').trim_end_matches('.') } else { number };
    if unit.is_empty() {
        number.to_string()
    } else {
        format!("{number} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, pixels_of, small_report, svg_texts};
    use crate::{breakdown_png, breakdown_svg, convergence_png, convergence_svg};

    /// Pixels in `[x0, x1) × [y0, y1)` whose every channel is below 100 (text and axes are black).
    fn dark_pixels(rgb: &[u8], (x0, x1): (u32, u32), (y0, y1): (u32, u32)) -> usize {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = 3 * (y * WIDTH_PX + x) as usize;
                n += usize::from(rgb[i..i + 3].iter().all(|&c| c < 100));
            }
        }
        n
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let r = small_report();
        assert_eq!(convergence_svg(&r).unwrap(), convergence_svg(&r).unwrap());
        assert_eq!(convergence_png(&r).unwrap(), convergence_png(&r).unwrap());
        assert_eq!(breakdown_svg(&r).unwrap(), breakdown_svg(&r).unwrap());
        assert_eq!(breakdown_png(&r).unwrap(), breakdown_png(&r).unwrap());
    }

    #[test]
    fn pngs_decode_to_the_figure_size() {
        let r = small_report();
        for png_bytes in [convergence_png(&r).unwrap(), breakdown_png(&r).unwrap()] {
            let (w, h, rgb) = decode(&png_bytes);
            assert_eq!((w, h), (WIDTH_PX, HEIGHT_PX));
            assert_eq!(rgb.len(), (WIDTH_PX * HEIGHT_PX * 3) as usize);
        }
    }

    #[test]
    fn png_title_is_rendered_with_the_embedded_font() {
        // The title is centred in the top ~50 px; with an empty scenario name that band must be blank, so
        // dark pixels there come from glyphs.
        let title_band = ((WIDTH_PX / 2 - 150, WIDTH_PX / 2 + 150), (0, 50));
        let mut r = small_report();
        let (_, _, with_title) = decode(&convergence_png(&r).unwrap());
        r.scenario.clear();
        let (_, _, without_title) = decode(&convergence_png(&r).unwrap());
        assert_eq!(dark_pixels(&without_title, title_band.0, title_band.1), 0);
        assert!(dark_pixels(&with_title, title_band.0, title_band.1) > 100);
    }

    #[test]
    fn png_axis_label_and_legend_text_are_rendered() {
        let r = small_report();
        let (_, _, rgb) = decode(&convergence_png(&r).unwrap());
        // x-axis description sits in the bottom band, centred.
        assert!(dark_pixels(&rgb, (350, 650), (HEIGHT_PX - 45, HEIGHT_PX)) > 100);
        // y-axis description is rotated text in the left band.
        assert!(dark_pixels(&rgb, (0, 45), (150, 450)) > 100);
    }

    #[test]
    fn png_draws_one_line_per_variant_in_its_colour() {
        let r = small_report();
        let (_, _, rgb) = decode(&convergence_png(&r).unwrap());
        assert!(pixels_of(&rgb, variant_color(0)) > 200, "bsp line missing");
        assert!(pixels_of(&rgb, variant_color(1)) > 200, "ssp-2 line missing");
        assert_eq!(pixels_of(&rgb, variant_color(2)), 0, "only two variants");
    }

    #[test]
    fn breakdown_png_stacks_all_three_components() {
        let r = small_report();
        let (_, _, rgb) = decode(&breakdown_png(&r).unwrap());
        let [compute, communication, waiting] = crate::breakdown::COMPONENT_COLORS;
        let (a, b, c) = (pixels_of(&rgb, compute), pixels_of(&rgb, communication), pixels_of(&rgb, waiting));
        // Per worker: compute 1 s, communication 0.5 s, waiting 0.25 s, so the areas are ordered likewise.
        assert!(a > b && b > c && c > 1000, "areas {a} {b} {c}");
    }

    #[test]
    fn svg_contains_title_axis_labels_and_legend() {
        let r = small_report();
        let svg = convergence_svg(&r).unwrap();
        assert!(svg.starts_with("<svg"));
        let texts = svg_texts(&svg);
        for needle in ["quickstart", "simulated time [s]", "logistic loss", "bsp", "ssp-2", "target 0.35"] {
            assert!(texts.contains(&needle), "convergence SVG lacks {needle:?}: {texts:?}");
        }
        let svg = breakdown_svg(&r).unwrap();
        let texts = svg_texts(&svg);
        for needle in [
            "quickstart: time breakdown per worker",
            "simulated time per worker [s] (mean over workers)",
            "compute",
            "communication",
            "waiting",
            "bsp",
            "ssp-2",
            "1.75 s",
        ] {
            assert!(texts.contains(&needle), "breakdown SVG lacks {needle:?}: {texts:?}");
        }
    }

    #[test]
    fn degenerate_reports_still_render() {
        let mut empty = small_report();
        empty.variants.clear();
        empty.target_objective = None;
        let mut odd = small_report();
        odd.variants[0].convergence.truncate(1);
        odd.variants[1].convergence[2].objective = f64::NAN;
        odd.variants[1].summary.workers = 0;
        odd.variants[1].summary.waiting_s = f64::INFINITY;
        let mut flat = small_report();
        for v in &mut flat.variants {
            v.convergence.iter_mut().for_each(|p| p.objective = 0.5);
            v.summary.compute_s = 0.0;
            v.summary.communication_s = 0.0;
            v.summary.waiting_s = 0.0;
        }
        for r in [&empty, &odd, &flat] {
            convergence_svg(r).unwrap();
            decode(&convergence_png(r).unwrap());
            breakdown_svg(r).unwrap();
            decode(&breakdown_png(r).unwrap());
        }
    }

    #[test]
    fn fmt_seconds_keeps_about_three_digits() {
        assert_eq!(fmt_seconds(0.0), "0 s");
        assert_eq!(fmt_seconds(1234.4), "1234 s");
        assert_eq!(fmt_seconds(12.345), "12.3 s");
        assert_eq!(fmt_seconds(1.2345), "1.23 s");
        assert_eq!(fmt_seconds(9.999), "10.0 s");
        assert_eq!(fmt_seconds(0.12345), "123 ms");
        assert_eq!(fmt_seconds(0.0012345), "1.23 ms");
        assert_eq!(fmt_seconds(2.5e-6), "2.50 µs");
        assert_eq!(fmt_seconds(3e-10), "0.30 ns");
    }

    #[test]
    fn fmt_bytes_uses_binary_prefixes_without_trailing_zeros() {
        assert_eq!(fmt_bytes(0.0), "0 B");
        assert_eq!(fmt_bytes(1.0), "1 B");
        assert_eq!(fmt_bytes(512.0), "512 B");
        assert_eq!(fmt_bytes(1024.0), "1 KiB");
        assert_eq!(fmt_bytes(1536.0), "1.5 KiB");
        assert_eq!(fmt_bytes(f64::from(1u32 << 20) * 64.0), "64 MiB");
        assert_eq!(fmt_bytes((1u64 << 32) as f64), "4 GiB");
        assert_eq!(fmt_bytes(1.5e9), "1.4 GiB");
        assert_eq!(fmt_bytes(7.88 * (1u64 << 30) as f64), "7.88 GiB");
        assert_eq!(fmt_bytes((1u64 << 50) as f64 * 2048.0), "2048 PiB");
    }

    #[test]
    fn fmt_seconds_tick_drops_trailing_zeros() {
        assert_eq!(fmt_seconds_tick(1e-5), "10 µs");
        assert_eq!(fmt_seconds_tick(1.0), "1 s");
        assert_eq!(fmt_seconds_tick(0.0025), "2.5 ms");
        assert_eq!(fmt_seconds_tick(100.0), "100 s");
        assert_eq!(fmt_seconds_tick(0.0), "0 s");
    }
}
