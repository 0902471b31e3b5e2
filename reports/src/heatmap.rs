//! The link-load heatmap: bytes carried by every directed link, as a node × node matrix.
//!
//! Row = source node, column = destination node; cell `(src, dst)` is the link `src → dst`. The colour scale
//! is **linear** in bytes, from light blue just above 0 to dark blue at the most loaded link (ColorBrewer
//! "Blues", which gets darker monotonically); cells with exactly 0 bytes (no link, or an unused one) stay
//! white, so lightly used links are told apart from unused ones. A colour bar on the right gives the scale
//! (0, ¼, ½, ¾ and the maximum), and the subtitle names the most loaded link.
//!
//! Up to [`MAX_NAMED_NODES`] nodes, rows and columns are labelled with node names (columns rotated) and a
//! light grid separates the cells; beyond that, only every k-th node index is labelled. Cells are drawn in
//! increasing load, so where a large matrix puts several cells on one pixel the most loaded one shows.

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::collective::LinkLoad;
use crate::error::ReportError;
use crate::plot::{fmt_bytes, render_png, render_svg, Figure, FONT, HEATMAP_HEIGHT_PX, HEATMAP_WIDTH_PX};

/// Matrices with at most this many nodes get node names as labels; larger ones get indices.
pub(crate) const MAX_NAMED_NODES: usize = 32;
/// Node names longer than this many characters are cut, ending in `…`.
const MAX_LABEL_CHARS: usize = 16;
/// Most labelled indices per axis in index mode.
const MAX_INDEX_LABELS: usize = 16;

/// Top of the matrix [px]; above it sit the title and subtitle.
const TOP_PX: i32 = 85;
/// Outer margin [px].
const MARGIN_PX: i32 = 20;
/// Band for the rotated "source" and the "destination" axis descriptions [px].
const DESC_PX: i32 = 28;
/// Gap between the matrix and its labels [px].
const GAP_PX: i32 = 6;
/// Narrowest and widest band for row labels (and rotated column labels) [px].
const MIN_LABEL_PX: i32 = 24;
const MAX_LABEL_PX: i32 = 140;
/// Height of the index labels under the columns [px].
const INDEX_LABEL_HEIGHT_PX: i32 = 20;
/// Space right of the matrix for the colour bar, its ticks and its description [px].
const COLOUR_BAR_AREA_PX: i32 = 180;
/// Width of the colour bar [px].
const COLOUR_BAR_PX: i32 = 22;

/// Renders the link-load heatmap of `load` as an SVG document (1000 × 900 px) titled `title`: rows are source
/// nodes, columns destination nodes, colour = bytes carried by the link (linear scale, white = 0; see the
/// module docs), with a colour bar and the most loaded link named in the subtitle.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn link_load_svg(load: &LinkLoad, title: &str) -> Result<String, ReportError> {
    render_svg(Figure::LinkLoad(load, title))
}

/// Renders the same figure as [`link_load_svg`] as an 8-bit RGB PNG (1000 × 900 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn link_load_png(load: &LinkLoad, title: &str) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::LinkLoad(load, title))
}

/// Renders a device × device traffic matrix (`load.bytes[src][dst]`: bytes device `src` sent device
/// `dst`, in any order of devices, e.g. rank order) as an SVG document (1000 × 900 px) titled `title`,
/// drawn as [`link_load_svg`] draws links, the subtitle naming the heaviest pair.
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails.
pub fn traffic_matrix_svg(load: &LinkLoad, title: &str) -> Result<String, ReportError> {
    render_svg(Figure::TrafficMatrix(load, title))
}

/// Renders the same figure as [`traffic_matrix_svg`] as an 8-bit RGB PNG (1000 × 900 px).
///
/// # Errors
/// [`ReportError::Draw`] if plotters fails, [`ReportError::PngEncode`] if encoding fails.
pub fn traffic_matrix_png(load: &LinkLoad, title: &str) -> Result<Vec<u8>, ReportError> {
    render_png(Figure::TrafficMatrix(load, title))
}

/// What a cell of the matrix is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cells {
    /// The directed link `src → dst`.
    Links,
    /// Bytes device `src` sent device `dst` (over any route).
    Traffic,
}

/// Colour stops of the scale, from just above 0 to the maximum (ColorBrewer Blues, classes 3–9).
const RAMP: [RGBColor; 7] = [
    RGBColor(0xC6, 0xDB, 0xEF),
    RGBColor(0x9E, 0xCA, 0xE1),
    RGBColor(0x6B, 0xAE, 0xD6),
    RGBColor(0x42, 0x92, 0xC6),
    RGBColor(0x21, 0x71, 0xB5),
    RGBColor(0x08, 0x51, 0x9C),
    RGBColor(0x08, 0x30, 0x6B),
];

/// Colour of a cell holding `bytes` when the most loaded link holds `max` (linear; 0 bytes is white).
pub(crate) fn cell_color(bytes: u64, max: u64) -> RGBColor {
    if bytes == 0 || max == 0 {
        return WHITE;
    }
    ramp(bytes as f64 / max as f64)
}

/// The scale at `t` ∈ [0, 1], interpolated linearly between [`RAMP`] stops.
fn ramp(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Where the matrix sits in the figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Matrix side [nodes].
    n: usize,
    /// Whether rows and columns are labelled with names (else with indices).
    names: bool,
    /// Top-left corner of the matrix [px].
    x0: i32,
    y0: i32,
    /// Side of the (square) matrix [px].
    side: i32,
    /// Height of the column labels under the matrix [px].
    column_label_px: i32,
}

impl Layout {
    /// The layout for `load`: the label bands are as wide as its longest label (measured in the embedded font,
    /// which must be registered), between [`MIN_LABEL_PX`] and [`MAX_LABEL_PX`].
    pub(crate) fn for_load(load: &LinkLoad) -> Self {
        let n = load.size();
        let font = label_font(n);
        let width = |text: &str| font.box_size(text).map_or(text.chars().count() as i32 * 8, |(w, _)| w as i32);
        let longest = if n <= MAX_NAMED_NODES {
            (0..n).map(|k| width(&short_label(&load.node_name(k)))).max().unwrap_or(0)
        } else {
            width(&(n - 1).to_string())
        };
        Layout::new(n, longest + 4)
    }

    /// The layout of an `n`-node matrix whose longest row label is `label_px` wide.
    pub(crate) fn new(n: usize, label_px: i32) -> Self {
        let names = n <= MAX_NAMED_NODES;
        let label_px = label_px.clamp(MIN_LABEL_PX, MAX_LABEL_PX);
        let (w, h) = (HEATMAP_WIDTH_PX as i32, HEATMAP_HEIGHT_PX as i32);
        let x0 = MARGIN_PX + DESC_PX + label_px + GAP_PX;
        // Names under the columns are rotated, so they take as much height as they take width on the left.
        let column_label_px = if names { label_px } else { INDEX_LABEL_HEIGHT_PX };
        let below = GAP_PX + column_label_px + DESC_PX + MARGIN_PX;
        let side = (w - x0 - COLOUR_BAR_AREA_PX).min(h - TOP_PX - below);
        Layout { n, names, x0, y0: TOP_PX, side, column_label_px }
    }

    /// Pixel offset of the edge before cell `k` (0 ≤ k ≤ n) from the matrix's top or left side.
    fn edge(&self, k: usize) -> i32 {
        (k as i64 * i64::from(self.side) / self.n.max(1) as i64) as i32
    }

    /// Pixel span `[a, b)` of cell `k` along an axis, at least 1 px wide.
    fn span(&self, k: usize) -> (i32, i32) {
        let a = self.edge(k);
        (a, self.edge(k + 1).max(a + 1))
    }

    /// Corners of cell `(src, dst)`: row `src`, column `dst`.
    fn cell(&self, src: usize, dst: usize) -> [(i32, i32); 2] {
        let (xa, xb) = self.span(dst);
        let (ya, yb) = self.span(src);
        [(self.x0 + xa, self.y0 + ya), (self.x0 + xb, self.y0 + yb)]
    }

    /// Pixel at the centre of cell `(src, dst)`.
    #[cfg(test)]
    pub(crate) fn cell_centre(&self, src: usize, dst: usize) -> (i32, i32) {
        let [(xa, ya), (xb, yb)] = self.cell(src, dst);
        ((xa + xb) / 2, (ya + yb) / 2)
    }

    /// Centre of row or column `k` along its axis, relative to the matrix side.
    fn centre(&self, k: usize) -> i32 {
        let (a, b) = self.span(k);
        (a + b) / 2
    }

    fn bottom(&self) -> i32 {
        self.y0 + self.side
    }

    fn right(&self) -> i32 {
        self.x0 + self.side
    }
}

/// Font of the row and column labels of an `n`-node matrix.
fn label_font(n: usize) -> FontDesc<'static> {
    (FONT, if n <= 24 { 14 } else { 13 }).into_font()
}

/// `name`, cut to [`MAX_LABEL_CHARS`] characters.
fn short_label(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL_CHARS {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(MAX_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Step between labelled indices so that at most [`MAX_INDEX_LABELS`] labels remain (1, 2, 5, 10, 20, …).
fn index_step(n: usize) -> usize {
    let mut step = 1;
    for k in 0.. {
        step = [1, 2, 5][k % 3] * 10usize.pow(k as u32 / 3);
        if n.div_ceil(step) <= MAX_INDEX_LABELS {
            break;
        }
    }
    step
}

pub(crate) fn draw<DB: DrawingBackend>(
    load: &LinkLoad,
    title: &str,
    kind: Cells,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let centred = |size| TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(title.to_string(), (w / 2, 16), centred(24)))?;

    let n = load.size();
    if n == 0 {
        let style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        return root.draw(&Text::new("no link-load data", (w / 2, h / 2), style));
    }
    let max = load.max_link();
    let subtitle = match (max, kind) {
        (Some((src, dst, bytes)), Cells::Links) => format!(
            "bytes per directed link, linear colour scale, white = no traffic; most loaded: {} → {} ({})",
            load.node_name(src),
            load.node_name(dst),
            fmt_bytes(bytes as f64)
        ),
        (Some((src, dst, bytes)), Cells::Traffic) => format!(
            "bytes sent per device pair, linear colour scale, white = none; heaviest: {} → {} ({})",
            load.node_name(src),
            load.node_name(dst),
            fmt_bytes(bytes as f64)
        ),
        (None, Cells::Links) => "no link carried any bytes".to_string(),
        (None, Cells::Traffic) => "no device sent any bytes".to_string(),
    };
    root.draw(&Text::new(subtitle, (w / 2, 50), centred(15)))?;

    let layout = Layout::for_load(load);
    let max_bytes = max.map_or(0, |m| m.2);
    let mut cells: Vec<(usize, usize, u64)> = load.used_links().collect();
    cells.sort_by_key(|&(src, dst, b)| (b, src, dst));
    for (src, dst, b) in cells {
        root.draw(&Rectangle::new(layout.cell(src, dst), cell_color(b, max_bytes).filled()))?;
    }
    if layout.names {
        let grid = ShapeStyle::from(RGBColor(0xE4, 0xE4, 0xE4));
        for k in 1..n {
            let e = layout.edge(k);
            root.draw(&PathElement::new(vec![(layout.x0 + e, layout.y0), (layout.x0 + e, layout.bottom())], grid))?;
            root.draw(&PathElement::new(vec![(layout.x0, layout.y0 + e), (layout.right(), layout.y0 + e)], grid))?;
        }
    }
    let frame = ShapeStyle::from(RGBColor(0x99, 0x99, 0x99));
    root.draw(&Rectangle::new([(layout.x0, layout.y0), (layout.right(), layout.bottom())], frame))?;

    draw_node_labels(load, &layout, root)?;
    draw_colour_bar(&layout, max_bytes, kind, root)?;
    Ok(())
}

/// Row and column labels (names or every k-th index) and the "source" / "destination" descriptions.
fn draw_node_labels<DB: DrawingBackend>(
    load: &LinkLoad,
    layout: &Layout,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = layout.n;
    let label_font = label_font(n);
    let row_style = TextStyle::from(label_font.clone()).pos(Pos::new(HPos::Right, VPos::Center));
    if layout.names {
        // Rotated by 270° the text reads upwards; its right end (anchor) touches the matrix.
        let col_style =
            TextStyle::from(label_font.transform(FontTransform::Rotate270)).pos(Pos::new(HPos::Right, VPos::Center));
        for k in 0..n {
            let label = short_label(&load.node_name(k));
            root.draw(&Text::new(
                label.clone(),
                (layout.x0 - GAP_PX, layout.y0 + layout.centre(k)),
                row_style.clone(),
            ))?;
            root.draw(&Text::new(label, (layout.x0 + layout.centre(k), layout.bottom() + GAP_PX), col_style.clone()))?;
        }
    } else {
        let col_style = TextStyle::from(label_font).pos(Pos::new(HPos::Center, VPos::Top));
        let tick = ShapeStyle::from(RGBColor(0x66, 0x66, 0x66));
        for k in (0..n).step_by(index_step(n)) {
            let (x, y) = (layout.x0 + layout.centre(k), layout.y0 + layout.centre(k));
            root.draw(&PathElement::new(vec![(layout.x0 - 4, y), (layout.x0, y)], tick))?;
            root.draw(&PathElement::new(vec![(x, layout.bottom()), (x, layout.bottom() + 4)], tick))?;
            root.draw(&Text::new(k.to_string(), (layout.x0 - GAP_PX - 2, y), row_style.clone()))?;
            root.draw(&Text::new(k.to_string(), (x, layout.bottom() + GAP_PX + 1), col_style.clone()))?;
        }
    }
    let label_bottom = layout.bottom() + GAP_PX + layout.column_label_px;
    let desc = (FONT, 18).into_font();
    let centred = Pos::new(HPos::Center, VPos::Center);
    let middle = layout.side / 2;
    let source_style = TextStyle::from(desc.clone().transform(FontTransform::Rotate270)).pos(centred);
    root.draw(&Text::new("source", (MARGIN_PX + DESC_PX / 2, layout.y0 + middle), source_style))?;
    let dest_style = TextStyle::from(desc).pos(centred);
    root.draw(&Text::new("destination", (layout.x0 + middle, label_bottom + DESC_PX / 2), dest_style))?;
    Ok(())
}

/// The colour bar right of the matrix: the gradient from 0 to `max` bytes with five ticks, and a white
/// swatch for "no traffic" under it.
fn draw_colour_bar<DB: DrawingBackend>(
    layout: &Layout,
    max: u64,
    cells: Cells,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let frame = ShapeStyle::from(RGBColor(0x99, 0x99, 0x99));
    let tick_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let x0 = layout.right() + 24;
    let x1 = x0 + COLOUR_BAR_PX;
    let swatch = 22;
    let top = layout.y0;
    let bottom = layout.bottom() - swatch - 20;
    if max > 0 {
        let rows = bottom - top;
        for r in 0..rows {
            let t = f64::from(rows - 1 - r) / f64::from((rows - 1).max(1));
            let color = ramp(t);
            root.draw(&Rectangle::new([(x0, top + r), (x1, top + r + 1)], color.filled()))?;
        }
        root.draw(&Rectangle::new([(x0, top), (x1, bottom)], frame))?;
        for q in 0..=4u32 {
            let y = bottom - (f64::from(q) / 4.0 * f64::from(rows)).round() as i32;
            let value = max as f64 * f64::from(q) / 4.0;
            root.draw(&PathElement::new(vec![(x1, y), (x1 + 5, y)], frame))?;
            root.draw(&Text::new(fmt_bytes(value), (x1 + 8, y), tick_style.clone()))?;
        }
        let desc = TextStyle::from((FONT, 16).into_font().transform(FontTransform::Rotate270))
            .pos(Pos::new(HPos::Center, VPos::Center));
        let x_desc = x1 + 8 + 84 + 14;
        let what = match cells {
            Cells::Links => "bytes per link (linear)",
            Cells::Traffic => "bytes per pair (linear)",
        };
        root.draw(&Text::new(what, (x_desc, (top + bottom) / 2), desc))?;
    }
    let (sy0, sy1) = (layout.bottom() - swatch, layout.bottom());
    root.draw(&Rectangle::new([(x0, sy0), (x1, sy1)], WHITE.filled()))?;
    root.draw(&Rectangle::new([(x0, sy0), (x1, sy1)], frame))?;
    root.draw(&Text::new("no traffic", (x1 + 8, (sy0 + sy1) / 2), tick_style))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(c: RGBColor) -> f64 {
        0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
    }

    #[test]
    fn colour_scale_darkens_monotonically_and_keeps_zero_white() {
        assert_eq!(cell_color(0, 100), WHITE);
        assert_eq!(cell_color(5, 0), WHITE);
        assert_eq!(cell_color(100, 100), RAMP[6]);
        let lum: Vec<f64> = (1..=100).map(|b| luminance(cell_color(b, 100))).collect();
        assert!(lum.windows(2).all(|w| w[0] >= w[1]), "{lum:?}");
        assert!(luminance(cell_color(1, 1000)) < luminance(WHITE) - 20.0, "smallest load still visible");
    }

    #[test]
    fn layout_is_square_inside_the_figure_and_cells_tile_it() {
        for n in [1, 5, 32, 33, 76, 1000, 5000] {
            let l = Layout::new(n, if n <= MAX_NAMED_NODES { 200 } else { 10 });
            assert!(l.side > 500, "n = {n}: {l:?}");
            assert!(l.right() + COLOUR_BAR_AREA_PX <= HEATMAP_WIDTH_PX as i32);
            assert!(l.bottom() < HEATMAP_HEIGHT_PX as i32 - 2 * DESC_PX);
            assert_eq!(l.edge(0), 0);
            assert_eq!(l.edge(n), l.side);
            let [(xa, ya), (xb, yb)] = l.cell(n - 1, 0);
            assert!(xb > xa && yb > ya && yb <= l.bottom() + 1);
        }
    }

    #[test]
    fn index_labels_stay_few() {
        assert_eq!(index_step(10), 1);
        assert_eq!(index_step(33), 5);
        assert_eq!(index_step(76), 5);
        assert_eq!(index_step(1000), 100);
        assert!(1234usize.div_ceil(index_step(1234)) <= MAX_INDEX_LABELS);
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(short_label("spine-1"), "spine-1");
        assert_eq!(short_label("a-very-long-node-name-indeed"), "a-very-long-nod…");
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;
    use crate::plot::ensure_font;
    use crate::test_support::{decode, small_collective_report, svg_texts};

    fn star_load() -> LinkLoad {
        small_collective_report().variants[0].link_load.clone().unwrap()
    }

    fn pixel(rgb: &[u8], (x, y): (i32, i32)) -> RGBColor {
        let i = 3 * (y as usize * HEATMAP_WIDTH_PX as usize + x as usize);
        RGBColor(rgb[i], rgb[i + 1], rgb[i + 2])
    }

    fn darkness(c: RGBColor) -> u32 {
        3 * 255 - u32::from(c.0) - u32::from(c.1) - u32::from(c.2)
    }

    #[test]
    fn rendering_twice_gives_identical_bytes_and_png_has_the_heatmap_size() {
        let load = star_load();
        assert_eq!(link_load_svg(&load, "t").unwrap(), link_load_svg(&load, "t").unwrap());
        let png = link_load_png(&load, "t").unwrap();
        assert_eq!(png, link_load_png(&load, "t").unwrap());
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), (HEATMAP_WIDTH_PX, HEATMAP_HEIGHT_PX));
        assert_eq!(rgb.len(), (HEATMAP_WIDTH_PX * HEATMAP_HEIGHT_PX * 3) as usize);
    }

    #[test]
    fn cells_are_darker_where_the_link_carried_more() {
        let load = star_load();
        let (_, _, rgb) = decode(&link_load_png(&load, "star").unwrap());
        ensure_font();
        let layout = Layout::for_load(&load);
        let at = |src, dst| pixel(&rgb, layout.cell_centre(src, dst));
        // sw = node 4: sw→h3 3000 > sw→h2 2000 > sw→h1 1500 > sw→h0 1000 = h0→sw 1000 > h0→h1 0.
        let order = [at(4, 3), at(4, 2), at(4, 1), at(4, 0), at(1, 0)];
        assert!(order.windows(2).all(|w| darkness(w[0]) > darkness(w[1])), "{order:?}");
        assert_eq!(at(4, 0), at(0, 4), "equal loads, equal colours");
        assert_eq!(at(4, 3), cell_color(3000, 3000));
        assert_eq!(at(4, 0), cell_color(1000, 3000));
        assert_eq!(at(1, 0), WHITE);
        assert_eq!(at(4, 4), WHITE);
    }

    #[test]
    fn svg_has_title_axis_descriptions_node_names_and_colour_bar() {
        let svg = link_load_svg(&star_load(), "ring @ 4-host star: link load").unwrap();
        let texts = svg_texts(&svg);
        for needle in ["ring @ 4-host star: link load", "source", "destination", "h0", "h3", "sw", "no traffic"] {
            assert!(texts.contains(&needle), "heatmap SVG lacks {needle:?}: {texts:?}");
        }
        // Colour bar ends: 0 and the maximum, 3000 bytes; the subtitle names the most loaded link.
        assert!(texts.contains(&"0 B") && texts.contains(&"2.93 KiB"), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("sw → h3 (2.93 KiB)")), "{texts:?}");
    }

    #[test]
    fn large_matrices_are_labelled_with_indices() {
        let n = 76;
        let mut bytes = vec![vec![0u64; n]; n];
        for i in 0..n - 1 {
            bytes[i][i + 1] = (i as u64 + 1) * 10;
        }
        let load = LinkLoad { nodes: (0..n).map(|i| format!("node-{i}")).collect(), bytes };
        let svg = link_load_svg(&load, "big").unwrap();
        let texts = svg_texts(&svg);
        assert!(!texts.iter().any(|t| t.starts_with("node-") && !t.contains('→')), "no names beyond 32 nodes");
        for needle in ["0", "5", "75", "source", "destination"] {
            assert!(texts.contains(&needle), "lacks {needle:?}: {texts:?}");
        }
        let (_, _, rgb) = decode(&link_load_png(&load, "big").unwrap());
        ensure_font();
        let layout = Layout::for_load(&load);
        let (lo, hi) = (pixel(&rgb, layout.cell_centre(0, 1)), pixel(&rgb, layout.cell_centre(74, 75)));
        assert!(darkness(hi) > darkness(lo) && darkness(lo) > 0, "{lo:?} {hi:?}");
    }

    #[test]
    fn degenerate_matrices_still_render() {
        let empty = LinkLoad { nodes: vec![], bytes: vec![] };
        let silent = LinkLoad { nodes: vec!["a".into(), "b".into()], bytes: vec![vec![0, 0], vec![0, 0]] };
        let ragged = LinkLoad { nodes: vec!["a".into()], bytes: vec![vec![0, 5], vec![7]] };
        let n = 3000;
        let mut bytes = vec![Vec::new(); n];
        bytes[n - 1] = vec![1; n];
        let huge = LinkLoad { nodes: vec![], bytes };
        for load in [&empty, &silent, &ragged, &huge] {
            link_load_svg(load, "").unwrap();
            decode(&link_load_png(load, "").unwrap());
        }
        assert!(svg_texts(&link_load_svg(&empty, "").unwrap()).contains(&"no link-load data"));
        assert!(svg_texts(&link_load_svg(&silent, "").unwrap()).contains(&"no link carried any bytes"));
    }
}
