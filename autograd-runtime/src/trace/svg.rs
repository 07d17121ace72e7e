//! Draws a [`Picture`] as SVG. layout-rs places the nodes and routes the edges; the SVG is
//! written here (layout-rs' own writer sizes the canvas by the length of the text, uses Times
//! and has no dashed or double borders). layout-rs knows no clusters, so after the layout each
//! cluster's nodes are tinted with its colour, named in a legend, and boxed with its label when
//! the box would hold no other node.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, RecordDef, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::picture::{Picture, Shape};
use crate::{Error, Result};

const FONT_SIZE: f64 = 14.0;
const FONT: &str = "Helvetica, Arial, DejaVu Sans, sans-serif";
/// Average advance of a character of `FONT`, in font sizes: sizes the nodes.
const CHAR_WIDTH: f64 = 0.6;
const LINE_HEIGHT: f64 = 1.25;
/// Cluster tints (node fill) and their borders, by cluster index.
const TINTS: [(&str, &str); 6] = [
    ("#e3eefc", "#4a7bc8"),
    ("#fdf1d8", "#c08a1e"),
    ("#e2f3e6", "#3d8f55"),
    ("#fbe4e2", "#c0504d"),
    ("#efe5fb", "#8057b8"),
    ("#dff4f7", "#2f8f9d"),
];
const INK: &str = "#222222";
const EDGE: &str = "#555555";
/// Room around a cluster's nodes, and above them for its label.
const CLUSTER_PAD: f64 = 10.0;
const CLUSTER_LABEL: f64 = 20.0;

/// Layout sizes (see [`layout_size`]) up to which layout-rs optimises the ranks and crossings,
/// and up to which it lays out at all. Measured on a loop's trace, release build: 500 takes
/// 0.1 s optimised, 10,000 takes 1 s unoptimised (debug builds ~10 times that); the time grows
/// faster than the square of the size.
const OPTIMISE_UP_TO: usize = 500;
const LAY_OUT_UP_TO: usize = 10_000;

/// The picture as an SVG document.
pub(crate) fn render(picture: &Picture) -> Result<String> {
    let size = layout_size(picture);
    if size > LAY_OUT_UP_TO {
        return Err(Error::Graph {
            message: format!(
                "{} nodes, and {} more points to route their long edges through, are too \
                 many to lay out in reasonable time (the limit is {LAY_OUT_UP_TO} together); \
                 print the table instead, or write the DOT and render it with Graphviz \
                 (`dot -Tsvg`), or trace fewer loop iterations",
                picture.nodes.len(),
                size - picture.nodes.len()
            ),
        });
    }
    // layout-rs asserts its invariants instead of returning errors; a graph it cannot place
    // becomes an error here rather than a panic in the caller.
    let (mut canvas, boxes) =
        catch_unwind(AssertUnwindSafe(|| lay_out(picture))).map_err(|panic| {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Error::Graph {
                message: format!(
                    "layout-rs could not lay out the graph ({reason}); write the DOT instead \
                     and render it with Graphviz (`dot -Tsvg`)"
                ),
            }
        })?;
    canvas.clusters(picture, &boxes);
    canvas.outputs(picture, &boxes);
    canvas.legend(picture);
    Ok(canvas.finish(&picture.name))
}

/// A node's box after the layout: left, top, right, bottom.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    fn intersects(self, other: Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// How many nodes the layered layout places: the picture's, plus one per rank an edge crosses
/// (the "virtual" nodes that route it). Ranks by longest path from the sources, as layout-rs
/// starts. An estimate for a graph with cycles (DOT text may have some): nodes on a cycle
/// stay at rank 0.
fn layout_size(picture: &Picture) -> usize {
    let n = picture.nodes.len();
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(from, to) in &picture.edges {
        if from < n && to < n && from != to {
            out[from].push(to);
            indegree[to] += 1;
        }
    }
    let mut rank = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut virtual_nodes = 0;
    while let Some(from) = ready.pop() {
        for &to in &out[from] {
            rank[to] = rank[to].max(rank[from] + 1);
            indegree[to] -= 1;
            if indegree[to] == 0 {
                ready.push(to);
            }
        }
    }
    for &(from, to) in &picture.edges {
        if from < n && to < n && rank[to] > rank[from] {
            virtual_nodes += rank[to] - rank[from] - 1;
        }
    }
    n + virtual_nodes
}

fn lay_out(picture: &Picture) -> (Canvas, Vec<Rect>) {
    let mut canvas = Canvas::default();
    if picture.nodes.is_empty() {
        return (canvas, Vec::new());
    }
    let dir = if picture.left_to_right {
        Orientation::LeftToRight
    } else {
        Orientation::TopToBottom
    };
    let mut graph = VisualGraph::new(dir);
    let handles: Vec<_> = (0..picture.nodes.len())
        .map(|i| graph.add_node(element(picture, i, dir)))
        .collect();
    let look = StyleAttr::new(Color::fast(EDGE), 1, None, 0, FONT_SIZE as usize);
    for &(from, to) in &picture.edges {
        if let (Some(&from), Some(&to)) = (handles.get(from), handles.get(to)) {
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Normal,
                "",
                &look,
                &None,
                &None,
            );
            graph.add_edge(arrow, from, to);
        }
    }
    // layout-rs' rank and crossing optimisers give the better picture but grow fast with the
    // size: only small graphs get them.
    let optimise = layout_size(picture) <= OPTIMISE_UP_TO;
    graph.do_it(false, !optimise, false, &mut canvas);
    let boxes = handles
        .iter()
        .map(|&h| {
            let (a, b) = graph.pos(h).bbox(false);
            Rect {
                x0: a.x,
                y0: a.y,
                x1: b.x,
                y1: b.y,
            }
        })
        .collect();
    (canvas, boxes)
}

/// Width and height of a label.
fn text_size(text: &str) -> (f64, f64) {
    let width = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let lines = text.lines().count().max(1);
    (
        width as f64 * CHAR_WIDTH * FONT_SIZE,
        lines as f64 * LINE_HEIGHT * FONT_SIZE,
    )
}

fn element(picture: &Picture, i: usize, dir: Orientation) -> Element {
    let node = &picture.nodes[i];
    let fill = match picture.cluster_chain(i).first() {
        Some(&k) => TINTS[k % TINTS.len()].0,
        None => "white",
    };
    let look = StyleAttr::new(
        Color::fast(INK),
        1,
        Some(Color::fast(fill)),
        0,
        FONT_SIZE as usize,
    );
    let (tw, th) = text_size(&node.label);
    let (shape, size) = match &node.shape {
        Shape::Box | Shape::Plain => (
            ShapeKind::Box(node.label.clone()),
            Point::new(tw + 20.0, th + 10.0),
        ),
        Shape::Ellipse => (
            ShapeKind::Circle(node.label.clone()),
            Point::new((tw * 1.3 + 16.0).max(36.0), (th * 1.3 + 4.0).max(28.0)),
        ),
        Shape::Record(fields) => {
            let sizes = fields.iter().map(|f| text_size(f));
            let (w, h) = if picture.left_to_right {
                sizes.fold((0.0, 0.0), |(w, h), (fw, fh)| {
                    (w + fw + 16.0, f64::max(h, fh))
                })
            } else {
                sizes.fold((0.0, 0.0), |(w, h), (fw, fh)| {
                    (f64::max(w, fw + 16.0), h + fh + 8.0)
                })
            };
            // `{ a | b }`: the braces turn the fields across the rank direction, as in Graphviz.
            let inner = fields.iter().map(|f| RecordDef::new_text(f)).collect();
            let record = RecordDef::Array(vec![RecordDef::Array(inner)]);
            (ShapeKind::Record(record), Point::new(w, h + 10.0))
        }
    };
    let mut flags = String::new();
    if node.dashed {
        flags.push_str("dashed ");
    }
    if node.shape == Shape::Plain {
        flags.push_str("plain ");
    }
    let look = if node.dashed && matches!(node.shape, Shape::Record(_)) {
        // A record's borders carry no flags (layout-rs draws them without properties): grey.
        StyleAttr {
            line_color: Color::fast("#888888"),
            ..look
        }
    } else {
        look
    };
    // Shapes are made in the frame the placer works in, as layout-rs' own DOT reader does.
    Element::create_with_properties(shape, look, dir.flip(), size, flags)
}

/// The SVG being written: layout-rs draws into it, then the clusters, output borders and legend
/// are added around what it drew.
struct Canvas {
    /// Cluster boxes, drawn under everything.
    under: String,
    body: String,
    /// Extent of everything drawn.
    min: Point,
    max: Point,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            under: String::new(),
            body: String::new(),
            min: Point::splat(f64::INFINITY),
            max: Point::splat(f64::NEG_INFINITY),
        }
    }
}

/// `#rrggbb` (or `none`) from layout-rs' `#rrggbbaa`: SVG 1.1 renderers know no alpha digits.
fn colour(color: Option<Color>) -> String {
    match color {
        Some(c) => {
            let web = c.to_web_color();
            if web.ends_with("00") {
                "none".to_string()
            } else {
                web.chars().take(7).collect()
            }
        }
        None => "none".to_string(),
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

impl Canvas {
    fn grow(&mut self, a: Point, b: Point) {
        self.min = Point::new(self.min.x.min(a.x.min(b.x)), self.min.y.min(a.y.min(b.y)));
        self.max = Point::new(self.max.x.max(a.x.max(b.x)), self.max.y.max(a.y.max(b.y)));
    }

    /// Text centred on `at`, one `tspan` per line; `anchor` is `middle` or `start`.
    fn text(out: &mut String, at: Point, text: &str, anchor: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">"#,
            at.x, at.y
        );
        // The first baseline sits half the block above the centre, plus ~0.35em so that a
        // line's middle, not its baseline, is on the centre.
        let first = 0.35 - (lines.len().max(1) - 1) as f64 * LINE_HEIGHT / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let dy = if i == 0 { first } else { LINE_HEIGHT };
            let _ = write!(
                out,
                r#"<tspan x="{:.1}" dy="{dy:.2}em">{}</tspan>"#,
                at.x,
                xml_escape(line)
            );
        }
        out.push_str("</text>\n");
    }

    /// Boxes around the nodes of each cluster, with its label, where the box holds no node of
    /// another cluster and crosses no unrelated cluster's box.
    fn clusters(&mut self, picture: &Picture, boxes: &[Rect]) {
        let n = picture.clusters.len();
        let chains: Vec<Vec<usize>> = (0..boxes.len()).map(|i| picture.cluster_chain(i)).collect();
        // Each cluster's box: its nodes, and the boxes of the clusters inside it, with room
        // for the label. Clusters are visited innermost first (deepest chains first).
        let mut area: Vec<Option<Rect>> = vec![None; n];
        let mut depth = vec![0usize; n];
        for chain in &chains {
            for (d, &k) in chain.iter().rev().enumerate() {
                depth[k] = d;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(depth[k]));
        for &k in &order {
            let members = chains
                .iter()
                .zip(boxes)
                .filter(|(chain, _)| chain.first() == Some(&k))
                .map(|(_, b)| *b);
            let inner = picture
                .clusters
                .iter()
                .zip(&area)
                .filter(|(c, _)| c.parent == Some(k))
                .filter_map(|(_, a)| *a);
            let within = members.chain(inner).reduce(Rect::union);
            // Wide enough for the label, which starts at the left edge.
            let label = text_size(&picture.clusters[k].label).0 + 16.0;
            area[k] = within.map(|r| Rect {
                x0: r.x0 - CLUSTER_PAD,
                y0: r.y0 - CLUSTER_PAD - CLUSTER_LABEL,
                x1: (r.x1 + CLUSTER_PAD).max(r.x0 - CLUSTER_PAD + label),
                y1: r.y1 + CLUSTER_PAD,
            });
        }
        let related = |a: usize, b: usize| {
            let inside = |inner: usize, outer: usize| {
                let mut at = Some(inner);
                for _ in 0..=n {
                    match at {
                        Some(k) if k == outer => return true,
                        Some(k) => at = picture.clusters.get(k).and_then(|c| c.parent),
                        None => return false,
                    }
                }
                false
            };
            inside(a, b) || inside(b, a)
        };
        order.reverse(); // outermost first, so inner boxes are drawn over outer ones
        for &k in &order {
            let Some(r) = area[k] else { continue };
            let holds_other = boxes
                .iter()
                .zip(&chains)
                .any(|(b, chain)| !chain.contains(&k) && r.intersects(*b));
            let crosses =
                (0..n).any(|j| !related(j, k) && area[j].is_some_and(|other| other.intersects(r)));
            if holds_other || crosses {
                continue;
            }
            let (tint, stroke) = TINTS[k % TINTS.len()];
            let _ = writeln!(
                self.under,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="{tint}" fill-opacity="0.35" stroke="{stroke}" stroke-dasharray="6,3"/>"#,
                r.x0,
                r.y0,
                r.x1 - r.x0,
                r.y1 - r.y0
            );
            let at = Point::new(r.x0 + 8.0, r.y0 + CLUSTER_LABEL / 2.0 + 2.0);
            Self::text(&mut self.under, at, &picture.clusters[k].label, "start");
            self.grow(Point::new(r.x0, r.y0), Point::new(r.x1, r.y1));
        }
    }

    /// A second border around the function's result.
    fn outputs(&mut self, picture: &Picture, boxes: &[Rect]) {
        for (node, r) in picture.nodes.iter().zip(boxes) {
            if !node.output {
                continue;
            }
            let (cx, cy) = ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
            let _ = match node.shape {
                Shape::Ellipse => writeln!(
                    self.body,
                    r#"<ellipse cx="{cx:.1}" cy="{cy:.1}" rx="{:.1}" ry="{:.1}" fill="none" stroke="{INK}"/>"#,
                    (r.x1 - r.x0) / 2.0 + 4.0,
                    (r.y1 - r.y0) / 2.0 + 4.0
                ),
                _ => writeln!(
                    self.body,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{INK}"/>"#,
                    r.x0 - 4.0,
                    r.y0 - 4.0,
                    r.x1 - r.x0 + 8.0,
                    r.y1 - r.y0 + 8.0
                ),
            };
            self.grow(
                Point::new(r.x0 - 4.0, r.y0 - 4.0),
                Point::new(r.x1 + 4.0, r.y1 + 4.0),
            );
        }
    }

    /// Under the graph, one line per cluster with nodes: its tint and its label, indented by
    /// nesting. Names every cluster, boxed or not.
    fn legend(&mut self, picture: &Picture) {
        let used = picture.used_clusters();
        if !used.contains(&true) || !self.min.x.is_finite() {
            return;
        }
        let x = self.min.x;
        let mut y = self.max.y + 24.0;
        for (k, cluster) in picture.clusters.iter().enumerate() {
            if !used[k] {
                continue;
            }
            let mut depth = 0;
            let mut at = cluster.parent;
            while let Some(p) = at.filter(|_| depth < picture.clusters.len()) {
                depth += 1;
                at = picture.clusters.get(p).and_then(|c| c.parent);
            }
            let x = x + depth as f64 * 20.0;
            let (tint, stroke) = TINTS[k % TINTS.len()];
            let _ = writeln!(
                self.body,
                r#"<rect x="{x:.1}" y="{:.1}" width="24" height="14" fill="{tint}" stroke="{stroke}"/>"#,
                y - 7.0
            );
            Self::text(
                &mut self.body,
                Point::new(x + 32.0, y),
                &cluster.label,
                "start",
            );
            let (w, _) = text_size(&cluster.label);
            self.grow(Point::new(x, y - 10.0), Point::new(x + 32.0 + w, y + 10.0));
            y += 22.0;
        }
    }

    fn finish(self, title: &str) -> String {
        let margin = 10.0;
        let (min, max) = if self.min.x.is_finite() {
            (self.min, self.max)
        } else {
            (Point::zero(), Point::zero())
        };
        let (x, y) = (min.x - margin, min.y - margin);
        let (w, h) = (max.x - min.x + 2.0 * margin, max.y - min.y + 2.0 * margin);
        let mut out = String::with_capacity(self.under.len() + self.body.len() + 1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="{x:.1} {y:.1} {w:.1} {h:.1}" font-family="{FONT}" font-size="{FONT_SIZE}" fill="{INK}">"#
        );
        let _ = writeln!(out, "<title>{}</title>", xml_escape(title));
        let _ = writeln!(
            out,
            r#"<defs><marker id="arrow" markerWidth="10" markerHeight="7" refX="10" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="{EDGE}"/></marker></defs>"#
        );
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="white"/>"#
        );
        out.push_str(&self.under);
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        let flags = properties.unwrap_or_default();
        self.grow(xy, xy.add(size));
        if flags.contains("plain") {
            return;
        }
        let dash = if flags.contains("dashed") {
            r#" stroke-dasharray="5,3""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" stroke="{}" stroke-width="{}"{dash}/>"#,
            xy.x,
            xy.y,
            size.x,
            size.y,
            colour(look.fill_color),
            colour(Some(look.line_color)),
            look.line_width
        );
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start, stop);
        let _ = writeln!(
            self.body,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{}"/>"#,
            start.x,
            start.y,
            stop.x,
            stop.y,
            colour(Some(look.line_color)),
            look.line_width
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
    ) {
        let half = size.scale(0.5);
        self.grow(xy.sub(half), xy.add(half));
        let dash = if properties.unwrap_or_default().contains("dashed") {
            r#" stroke-dasharray="5,3""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<ellipse cx="{:.1}" cy="{:.1}" rx="{:.1}" ry="{:.1}" fill="{}" stroke="{}" stroke-width="{}"{dash}/>"#,
            xy.x,
            xy.y,
            half.x,
            half.y,
            colour(look.fill_color),
            colour(Some(look.line_color)),
            look.line_width
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        let (w, h) = text_size(text);
        self.grow(
            Point::new(xy.x - w / 2.0, xy.y - h / 2.0),
            Point::new(xy.x + w / 2.0, xy.y + h / 2.0),
        );
        Self::text(&mut self.body, xy, text, "middle");
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        _properties: Option<String>,
        _text: &str,
    ) {
        // As layout-rs' SVG writer: the first pair is the exit point and its control point,
        // each next pair a control point and the point the curve enters.
        let [(p0, c0), (c1, p1), rest @ ..] = path else {
            return;
        };
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            p0.x, p0.y, c0.x, c0.y, c1.x, c1.y, p1.x, p1.y
        );
        for (c, p) in rest {
            let _ = write!(d, " S {:.1} {:.1}, {:.1} {:.1}", c.x, c.y, p.x, p.y);
        }
        for (a, b) in path {
            self.grow(*a, *a);
            self.grow(*b, *b);
        }
        let dash = if dashed {
            r#" stroke-dasharray="5,3""#
        } else {
            ""
        };
        let end = if head.1 {
            r#" marker-end="url(#arrow)""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{}"{dash}{end}/>"#,
            colour(Some(look.line_color)),
            look.line_width
        );
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        // Only rounded records ask for a clip, and no node here is rounded.
        0
    }
}
