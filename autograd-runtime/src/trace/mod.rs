//! What a `#[trace]` function computed: the value and the adjoint of every node of its graph at
//! one point, as micrograd's `draw_dot` shows them (`data | grad`).
//!
//! For a function marked `#[trace]` the macro writes its graph at compile time — one
//! [`NodeInfo`] per operation, one [`ClusterInfo`] per `if` branch or loop body — and generates
//! `f_graph() -> &'static str` (that graph as DOT) and `f_trace(args..) -> Trace`, which runs
//! the function and its gradient and records every value and adjoint here. A [`Trace`] prints
//! as a table, and writes itself as DOT or SVG ([`Trace::to_svg`]); [`dot_to_svg`] renders the
//! DOT of `f_graph()`. Pictures are laid out by the `layout-rs` crate, in Rust: no Graphviz.
//!
//! ```
//! use autograd::grad;
//! grad! {
//!     /// micrograd's `draw_dot` example.
//!     #[trace]
//!     fn drawn(x, y) {
//!         let z = x * y;
//!         z + x
//!     }
//! }
//! let trace = drawn_trace(2.0, 3.0);
//! assert_eq!(trace.value_of("z"), Some(6.0));
//! assert_eq!(trace.adjoint_of("z"), Some(1.0));
//! assert_eq!(trace.adjoint_of("x"), Some(4.0)); // y + 1
//! assert_eq!(trace.output().map(|e| e.value), Some(8.0));
//! assert!(drawn_graph().starts_with("digraph"));
//! assert!(autograd::trace::dot_to_svg(drawn_graph())?.contains("<svg"));
//! # Ok::<(), autograd::Error>(())
//! ```

mod picture;
#[cfg(feature = "png")]
mod png;
mod svg;

use std::fmt;
use std::path::Path;

use crate::{Error, Result};
use picture::{Cluster, Node, Picture, Shape};

/// One node of a function's computation graph, written by the macro at compile time.
///
/// ```
/// use autograd::trace::{NodeInfo, Role};
/// static X: NodeInfo = NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None };
/// assert_eq!(X.role, Role::Param);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// The user's name (`"yhat"`), a parameter's name, a literal's text (`"2.0"`), or for an
    /// unnamed intermediate its expression (`"a * b"`).
    pub name: &'static str,
    /// The operation: `"input"`, `"const"`, `"+"`, `"*"`, `"neg"`, `"tanh"`, `"powi(2)"`,
    /// `"g()"` for a call, `"index"` for an element of an array, `"len"`, `"if"` for the result
    /// of an `if`, `"carried"` for a loop's variable at the start of an iteration (its inputs:
    /// the value before the loop and the one at the end of the body), `"for"` for its value
    /// after the loop.
    pub op: &'static str,
    /// The operands: indices into the same table, in argument order.
    pub inputs: &'static [usize],
    /// What the node is to the function.
    pub role: Role,
    /// The `if` branch or loop body the node is in: an index into the clusters table.
    pub cluster: Option<usize>,
}

/// What a node is to its function.
///
/// ```
/// use autograd::trace::Role;
/// assert_ne!(Role::Param, Role::Data);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// An input the gradient is taken with respect to.
    Param,
    /// An input that is not differentiated (outside `#[wrt(..)]`).
    Data,
    /// A literal.
    Const,
    /// An intermediate value.
    Inner,
    /// The function's result.
    Output,
}

/// An `if` branch or a loop body of a function's graph, written by the macro at compile time.
///
/// ```
/// use autograd::trace::ClusterInfo;
/// static BODY: ClusterInfo = ClusterInfo { label: "for i in 0..xs.len()", parent: None };
/// assert_eq!(BODY.parent, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterInfo {
    /// What the user wrote: `"if x > 0.0"`, `"else"`, `"for i in 0..xs.len()"`.
    pub label: &'static str,
    /// The cluster this one is nested in.
    pub parent: Option<usize>,
}

/// One recorded value of a node: a node inside a loop has one entry per iteration.
///
/// ```
/// # use autograd::trace::{NodeInfo, Role, Trace};
/// # static NODES: [NodeInfo; 1] = [NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None }];
/// let mut t = Trace::new("f", &NODES, &[]);
/// t.value(0, 2.0);
/// t.adjoint(0, 1.0);
/// let x = &t.entries()[0];
/// assert_eq!((x.name, x.value, x.adjoint, x.instance), ("x", 2.0, Some(1.0), 0));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Entry {
    /// The node's name (see [`NodeInfo::name`]).
    pub name: &'static str,
    /// The node's operation (see [`NodeInfo::op`]).
    pub op: &'static str,
    /// The value computed.
    pub value: f64,
    /// The derivative of the output with respect to this value; `None` for constants, data,
    /// and values the output does not depend on.
    pub adjoint: Option<f64>,
    /// The entries this one was computed from (indices into [`Trace::entries`]), in argument
    /// order.
    pub inputs: Vec<usize>,
    /// What the node is to the function.
    pub role: Role,
    /// The node of the static graph this is an entry of (an index into the macro's table).
    pub node: usize,
    /// Which entry of its node this is, from 0: the iteration, for a node inside a loop.
    pub instance: usize,
}

/// The values and adjoints of one evaluation of a `#[trace]` function, node by node.
///
/// Made by the generated `f_trace(args..)`; below, by hand, as it does for micrograd's example
/// `z = x * y; w = z + x` at `x = 2`, `y = 3`:
///
/// ```
/// use autograd::trace::{NodeInfo, Role, Trace};
/// static NODES: [NodeInfo; 4] = [
///     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
///     NodeInfo { name: "y", op: "input", inputs: &[], role: Role::Param, cluster: None },
///     NodeInfo { name: "z", op: "*", inputs: &[0, 1], role: Role::Inner, cluster: None },
///     NodeInfo { name: "w", op: "+", inputs: &[2, 0], role: Role::Output, cluster: None },
/// ];
/// let mut t = Trace::new("f", &NODES, &[]);
/// for (node, value) in [(0, 2.0), (1, 3.0), (2, 6.0), (3, 8.0)] {
///     t.value(node, value);
/// }
/// for (node, adjoint) in [(3, 1.0), (2, 1.0), (1, 2.0), (0, 4.0)] {
///     t.adjoint(node, adjoint);
/// }
/// assert_eq!(t.adjoint_of("x"), Some(4.0));
/// println!("{t}");
/// // name | op    |  value | adjoint
/// // -----+-------+--------+--------
/// // x    | input | 2.0000 |  4.0000
/// // ...
/// ```
#[derive(Clone, Debug)]
pub struct Trace {
    function: &'static str,
    nodes: &'static [NodeInfo],
    clusters: &'static [ClusterInfo],
    entries: Vec<Entry>,
    /// Per node: its latest entry, what a later node's inputs refer to.
    latest: Vec<Option<usize>>,
    /// Per node: its entries still without an adjoint, most recent last.
    pending: Vec<Vec<usize>>,
    /// Per node: how many entries it has.
    count: Vec<usize>,
}

impl Trace {
    /// An empty trace of `function` over the macro's tables. Called by generated code.
    #[doc(hidden)]
    pub fn new(
        function: &'static str,
        nodes: &'static [NodeInfo],
        clusters: &'static [ClusterInfo],
    ) -> Trace {
        Trace {
            function,
            nodes,
            clusters,
            entries: Vec::new(),
            latest: vec![None; nodes.len()],
            pending: vec![Vec::new(); nodes.len()],
            count: vec![0; nodes.len()],
        }
    }

    /// Records a new entry of node `node` with this value. Its inputs are the latest entries of
    /// the node's inputs at this moment. Called by generated code.
    #[doc(hidden)]
    pub fn value(&mut self, node: usize, value: f64) {
        let Some(info) = self.nodes.get(node) else {
            debug_assert!(false, "trace of {}: no node {node}", self.function);
            return;
        };
        // An input without an entry yet (a loop-carried value's first use of itself) is left
        // out rather than pointing nowhere.
        let mut inputs: Vec<usize> = info
            .inputs
            .iter()
            .filter_map(|&i| self.latest.get(i).copied().flatten())
            .collect();
        // A loop's carried value comes from its value before the loop on the first iteration
        // and from the end of the last iteration after that: whichever was recorded last.
        if info.op == "carried" {
            inputs = inputs.iter().max().copied().into_iter().collect();
        }
        let index = self.entries.len();
        self.entries.push(Entry {
            name: info.name,
            op: info.op,
            value,
            adjoint: None,
            inputs,
            role: info.role,
            node,
            instance: self.count[node],
        });
        self.count[node] += 1;
        self.latest[node] = Some(index);
        self.pending[node].push(index);
    }

    /// Records the adjoint of the most recent entry of `node` that has none yet: the reverse
    /// pass runs loops backwards, so a node's first adjoint belongs to its last iteration.
    /// Called by generated code.
    #[doc(hidden)]
    pub fn adjoint(&mut self, node: usize, adjoint: f64) {
        match self.pending.get_mut(node).and_then(Vec::pop) {
            Some(entry) => self.entries[entry].adjoint = Some(adjoint),
            // An adjoint with no value before it is a bug of the macro, not of the user.
            None => debug_assert!(
                false,
                "trace of {}: adjoint of node {node} before its value",
                self.function
            ),
        }
    }

    /// The name of the traced function.
    ///
    /// ```
    /// let t = autograd::Trace::new("loss", &[], &[]);
    /// assert_eq!(t.function(), "loss");
    /// ```
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Every entry, in evaluation order.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 2] = [
    /// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
    /// #     NodeInfo { name: "y", op: "exp", inputs: &[0], role: Role::Output, cluster: None },
    /// # ];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 0.0);
    /// t.value(1, 1.0);
    /// let names: Vec<&str> = t.entries().iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["x", "y"]);
    /// assert_eq!(t.entries()[1].inputs, [0]);
    /// ```
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The last entry named `name` (the last iteration, for a node in a loop).
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 1] = [NodeInfo { name: "s", op: "+", inputs: &[0], role: Role::Inner, cluster: None }];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 1.0);
    /// t.value(0, 3.0); // a second iteration
    /// assert_eq!(t.get("s").map(|e| (e.value, e.instance)), Some((3.0, 1)));
    /// assert!(t.get("nope").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }

    /// The value of the last entry named `name`.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 1] = [NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None }];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 2.5);
    /// assert_eq!(t.value_of("x"), Some(2.5));
    /// ```
    pub fn value_of(&self, name: &str) -> Option<f64> {
        self.get(name).map(|e| e.value)
    }

    /// The adjoint of the last entry named `name`: `None` if there is no such entry or it has
    /// no adjoint (a constant, data, a value the output does not depend on).
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 2] = [
    /// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
    /// #     NodeInfo { name: "c", op: "input", inputs: &[], role: Role::Data, cluster: None },
    /// # ];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 2.0);
    /// t.value(1, 5.0);
    /// t.adjoint(0, 5.0);
    /// assert_eq!((t.adjoint_of("x"), t.adjoint_of("c")), (Some(5.0), None));
    /// ```
    pub fn adjoint_of(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|e| e.adjoint)
    }

    /// The function's result: the last entry of an output node.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 2] = [
    /// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
    /// #     NodeInfo { name: "x * x", op: "*", inputs: &[0, 0], role: Role::Output, cluster: None },
    /// # ];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 3.0);
    /// t.value(1, 9.0);
    /// assert_eq!(t.output().map(|e| e.value), Some(9.0));
    /// ```
    pub fn output(&self) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.role == Role::Output)
    }

    /// How an entry is named in the table and the picture: `s#2` for the third entry of a node
    /// with several, the plain name otherwise.
    fn label(&self, entry: &Entry) -> String {
        if self.count[entry.node] > 1 {
            format!("{}#{}", entry.name, entry.instance)
        } else {
            entry.name.to_string()
        }
    }

    /// The trace as Graphviz DOT, drawn as micrograd's `draw_dot` draws a graph: left to right,
    /// one record `{ name | data 2.0000 | grad 4.0000 }` per entry, and a small ellipse with the
    /// operation between an entry and its inputs. Constants are plain text, data inputs dashed,
    /// the result bold; `if` branches and loop bodies are `subgraph cluster_k` boxes.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 2] = [
    /// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
    /// #     NodeInfo { name: "y", op: "tanh", inputs: &[0], role: Role::Output, cluster: None },
    /// # ];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 0.5);
    /// t.value(1, 0.5f64.tanh());
    /// t.adjoint(1, 1.0);
    /// t.adjoint(0, 1.0 - 0.5f64.tanh().powi(2));
    /// let dot = t.to_dot();
    /// assert!(dot.starts_with("digraph \"f\" {"));
    /// assert!(dot.contains("{ y | data 0.4621 | grad 1.0000 }"));
    /// assert!(dot.contains("label=\"tanh\", shape=ellipse"));
    /// ```
    pub fn to_dot(&self) -> String {
        self.picture().to_dot()
    }

    /// Writes [`Trace::to_dot`] to `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if the path ends in `.svg` or `.png` (the file would not hold what
    /// its name says; no extension or any other is fine), [`Error::Io`] if the file cannot be
    /// written.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-trace-{}.dot", std::process::id()));
    /// autograd::Trace::new("f", &[], &[]).write_dot(&path)?;
    /// assert!(std::fs::read_to_string(&path)?.starts_with("digraph"));
    /// # std::fs::remove_file(&path)?;
    /// assert!(autograd::Trace::new("f", &[], &[]).write_dot(path.with_extension("svg")).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_dot(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        check_extension(path, Format::Dot)?;
        write(path, self.to_dot().as_bytes())
    }

    /// The picture of [`Trace::to_dot`] as an SVG document, laid out by `layout-rs`. layout-rs
    /// knows no clusters, so the nodes of each `if` branch or loop body are tinted with a
    /// colour that a legend under the graph names, and boxed with the label where the layout
    /// leaves room.
    ///
    /// # Errors
    ///
    /// [`Error::Graph`] if the graph is too large to lay out in reasonable time (the limit
    /// counts nodes and the bends of long edges: a loop of 100 iterations whose body uses an
    /// input from before the loop reaches it), or if `layout-rs` fails.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 2] = [
    /// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
    /// #     NodeInfo { name: "y", op: "tanh", inputs: &[0], role: Role::Output, cluster: None },
    /// # ];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 0.5);
    /// t.value(1, 0.5f64.tanh());
    /// let svg = t.to_svg()?;
    /// assert!(svg.contains("<svg") && svg.contains(">tanh<") && svg.contains(">data 0.4621<"));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn to_svg(&self) -> Result<String> {
        svg::render(&self.picture())
    }

    /// Writes [`Trace::to_svg`] to `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if the path ends in `.png` or `.dot` (the file would not hold what
    /// its name says; no extension or any other is fine), [`Error::Io`] if the file cannot be
    /// written, [`Error::Graph`] as [`Trace::to_svg`].
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-trace-{}.svg", std::process::id()));
    /// autograd::Trace::new("f", &[], &[]).write_svg(&path)?;
    /// assert!(std::fs::read_to_string(&path)?.contains("<svg"));
    /// # std::fs::remove_file(&path)?;
    /// // SVG in a file named .png: an error, and no file.
    /// let png = path.with_extension("png");
    /// let err = autograd::Trace::new("f", &[], &[]).write_svg(&png).unwrap_err();
    /// assert!(err.to_string().contains("use a .svg path"), "{err}");
    /// assert!(!png.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        check_extension(path, Format::Svg)?;
        write(path, self.to_svg()?.as_bytes())
    }

    /// The picture of [`Trace::to_svg`] as PNG bytes, at twice the SVG's size. Needs the
    /// `png` feature (resvg). Text uses a bundled font with ASCII and a few symbols.
    ///
    /// # Errors
    ///
    /// [`Error::Graph`] as [`Trace::to_svg`], or if rasterising fails.
    ///
    /// ```
    /// # use autograd::trace::{NodeInfo, Role, Trace};
    /// # static NODES: [NodeInfo; 1] = [NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None }];
    /// let mut t = Trace::new("f", &NODES, &[]);
    /// t.value(0, 1.0);
    /// assert!(t.to_png()?.starts_with(b"\x89PNG"));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    #[cfg(feature = "png")]
    pub fn to_png(&self) -> Result<Vec<u8>> {
        png::svg_to_png(&self.to_svg()?)
    }

    /// Writes [`Trace::to_png`] to `path`. Needs the `png` feature.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if the path ends in `.svg` or `.dot` (the file would not hold what
    /// its name says; no extension or any other is fine), [`Error::Io`] if the file cannot be
    /// written, [`Error::Graph`] as [`Trace::to_png`].
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-trace-{}.png", std::process::id()));
    /// autograd::Trace::new("f", &[], &[]).write_png(&path)?;
    /// assert!(std::fs::read(&path)?.starts_with(b"\x89PNG"));
    /// # std::fs::remove_file(&path)?;
    /// assert!(autograd::Trace::new("f", &[], &[]).write_png(path.with_extension("svg")).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "png")]
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        check_extension(path, Format::Png)?;
        write(path, &self.to_png()?)
    }

    /// The graph to draw: a record per entry, an op ellipse per computed entry.
    fn picture(&self) -> Picture {
        let mut picture = Picture {
            name: self.function.to_string(),
            left_to_right: true,
            clusters: self
                .clusters
                .iter()
                .map(|c| Cluster {
                    label: c.label.to_string(),
                    parent: c.parent.filter(|&p| p < self.clusters.len()),
                })
                .collect(),
            ..Picture::default()
        };
        // Picture node of each entry's record.
        let mut record = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let cluster = self.nodes[entry.node]
                .cluster
                .filter(|&k| k < self.clusters.len());
            // The op first, so the DOT reads operands, op, result.
            let op = (!entry.inputs.is_empty()).then(|| {
                picture.nodes.push(Node {
                    label: entry.op.to_string(),
                    shape: Shape::Ellipse,
                    output: false,
                    dashed: false,
                    cluster,
                });
                picture.nodes.len() - 1
            });
            let label = self.label(entry);
            let shape = if entry.role == Role::Const {
                Shape::Plain
            } else {
                Shape::Record(vec![
                    label.clone(),
                    format!("data {}", Number(entry.value)),
                    match entry.adjoint {
                        Some(a) => format!("grad {}", Number(a)),
                        None => "grad —".to_string(),
                    },
                ])
            };
            picture.nodes.push(Node {
                label,
                shape,
                output: entry.role == Role::Output,
                dashed: entry.role == Role::Data,
                cluster,
            });
            let this = picture.nodes.len() - 1;
            record.push(this);
            if let Some(op) = op {
                for &input in &entry.inputs {
                    picture.edges.push((record[input], op));
                }
                picture.edges.push((op, this));
            }
        }
        picture
    }
}

/// Renders DOT — what a `#[trace]` function's `f_graph()` returns — as an SVG document, laid
/// out by `layout-rs`.
///
/// Reads the DOT `f_graph()` and [`Trace::to_dot`] write: `rankdir`, `node [..]` defaults,
/// nodes with `label`, `shape` (`box`, `ellipse`, `plaintext`, `record`), `peripheries=2` (the
/// output, drawn with a double border), `style=dashed`, edges, and nested
/// `subgraph cluster_k { label=".."; .. }`, drawn as [`Trace::to_svg`] draws clusters. Other
/// attributes are ignored.
///
/// # Errors
///
/// [`Error::Graph`] if the text does not parse as DOT, or the graph is too large to lay out
/// (as [`Trace::to_svg`]), or `layout-rs` fails.
///
/// ```
/// let dot = r#"digraph f {
///   rankdir=LR;
///   node [shape=box, fontname="Helvetica"];
///   n0 [label="x", shape=ellipse];
///   n1 [label="y", shape=ellipse];
///   n2 [label="z = x * y"];
///   n3 [label="w = z + x", peripheries=2];
///   n0 -> n2; n1 -> n2; n2 -> n3; n0 -> n3;
/// }"#;
/// let svg = autograd::trace::dot_to_svg(dot)?;
/// assert!(svg.contains(">z = x * y<") && svg.contains(">w = z + x<"));
/// assert!(autograd::trace::dot_to_svg("digraph {").is_err());
/// # Ok::<(), autograd::Error>(())
/// ```
pub fn dot_to_svg(dot: &str) -> Result<String> {
    svg::render(&Picture::from_dot(dot)?)
}

/// Renders DOT as [`dot_to_svg`] does, then as PNG bytes at twice the SVG's size. Needs the
/// `png` feature (resvg).
///
/// # Errors
///
/// [`Error::Graph`] as [`dot_to_svg`], or if rasterising fails.
///
/// ```
/// let png = autograd::trace::dot_to_png("digraph f { x -> y; }")?;
/// assert!(png.starts_with(b"\x89PNG"));
/// # Ok::<(), autograd::Error>(())
/// ```
#[cfg(feature = "png")]
pub fn dot_to_png(dot: &str) -> Result<Vec<u8>> {
    png::svg_to_png(&dot_to_svg(dot)?)
}

/// The formats a trace writes, for [`check_extension`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Dot,
    Svg,
    Png,
}

impl Format {
    /// The format an extension names, if it names one of ours (in any case).
    fn of(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "dot" | "gv" => Some(Format::Dot),
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }

    /// Its name, its usual extension, and the method that writes it.
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Format::Dot => ("DOT", "dot", "write_dot"),
            Format::Svg => ("SVG", "svg", "write_svg"),
            Format::Png => ("PNG", "png", "write_png"),
        }
    }
}

/// `Error::Invalid` if `path`'s extension names another of our formats than `format`, the one
/// about to be written: SVG in `x.png` is a file that image viewers refuse. No extension, or
/// an extension we do not write (`.txt`, `.xml`), is allowed.
fn check_extension(path: &Path, format: Format) -> Result<()> {
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::of);
    match named {
        Some(other) if other != format => {
            let (name, ext, method) = format.describe();
            let (other_name, other_ext, other_method) = other.describe();
            let feature = if other == Format::Png {
                " (feature png)"
            } else {
                ""
            };
            Err(Error::Invalid {
                what: format!("Trace::{method}"),
                message: format!(
                    "{} has the extension of {other_name}, but this writes {name}: use a .{ext} \
                     path, or {other_method}{feature} to write {other_name} (.{other_ext})",
                    path.display()
                ),
            })
        }
        _ => Ok(()),
    }
}

fn write(path: &Path, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A value as the table and the picture show it: four decimals (micrograd's `%.4f`), or
/// scientific notation for magnitudes four decimals would hide or stretch. `{:#}` gives every
/// digit (the shortest text that reads back as the same `f64`), `{:.N}` N decimals.
struct Number(f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if f.alternate() {
            return write!(f, "{v}");
        }
        let decimals = f.precision().unwrap_or(4);
        let magnitude = v.abs();
        if v == 0.0 || !v.is_finite() || (1e-3..1e9).contains(&magnitude) {
            write!(f, "{v:.decimals$}")
        } else {
            write!(f, "{v:.decimals$e}")
        }
    }
}

/// A table in evaluation order: `name | op | value | adjoint`, `—` where there is no adjoint.
/// Values have four decimals; `{:.N}` gives N, `{:#}` every digit.
///
/// ```
/// # use autograd::trace::{NodeInfo, Role, Trace};
/// # static NODES: [NodeInfo; 2] = [
/// #     NodeInfo { name: "x", op: "input", inputs: &[], role: Role::Param, cluster: None },
/// #     NodeInfo { name: "y", op: "neg", inputs: &[0], role: Role::Output, cluster: None },
/// # ];
/// let mut t = Trace::new("f", &NODES, &[]);
/// t.value(0, 0.05);
/// t.value(1, -0.05);
/// t.adjoint(1, 1.0);
/// let table = t.to_string();
/// assert_eq!(table.lines().nth(3), Some("y    | neg   | -0.0500 |  1.0000"));
/// assert!(format!("{t:#}").contains("| -0.05 |"));
/// ```
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = |v: f64| match (f.alternate(), f.precision()) {
            (true, _) => format!("{:#}", Number(v)),
            (false, Some(p)) => format!("{:.p$}", Number(v)),
            (false, None) => Number(v).to_string(),
        };
        let rows: Vec<[String; 4]> = self
            .entries
            .iter()
            .map(|e| {
                [
                    self.label(e),
                    e.op.to_string(),
                    number(e.value),
                    e.adjoint.map_or_else(|| "—".to_string(), number),
                ]
            })
            .collect();
        let header = ["name", "op", "value", "adjoint"].map(String::from);
        let mut width = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let [a, b, c, d] = width;
        // Names and ops to the left, numbers to the right so their points line up.
        writeln!(
            f,
            "{:<a$} | {:<b$} | {:>c$} | {:>d$}",
            header[0], header[1], header[2], header[3]
        )?;
        writeln!(
            f,
            "{}-+-{}-+-{}-+-{}",
            "-".repeat(a),
            "-".repeat(b),
            "-".repeat(c),
            "-".repeat(d)
        )?;
        for [name, op, value, adjoint] in &rows {
            writeln!(f, "{name:<a$} | {op:<b$} | {value:>c$} | {adjoint:>d$}")?;
        }
        Ok(())
    }
}
