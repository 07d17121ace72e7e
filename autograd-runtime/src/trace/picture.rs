//! The picture of a graph that both outputs draw: labelled nodes of a few shapes, edges, and
//! nested clusters. A [`Trace`](super::Trace) becomes one, and so does the DOT subset that the
//! macro's `f_graph()` writes; a picture is written as DOT here and drawn as SVG in `svg.rs`.

use std::collections::HashMap;

use layout::gv::parser::ast;
use layout::gv::DotParser;

use crate::{Error, Result};

/// How a node is drawn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Shape {
    Box,
    Ellipse,
    /// The label alone, no border.
    Plain,
    /// Fields side by side (`{ x | data 2.0000 | grad 4.0000 }`); the label is unused.
    Record(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub label: String,
    pub shape: Shape,
    /// The function's result: a double border.
    pub output: bool,
    /// An input that is not differentiated: a dashed border.
    pub dashed: bool,
    pub cluster: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cluster {
    pub label: String,
    pub parent: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Picture {
    pub name: String,
    pub left_to_right: bool,
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize)>,
    pub clusters: Vec<Cluster>,
}

impl Picture {
    /// The chain of clusters around `node`, innermost first. Bounded by the number of clusters,
    /// so a cycle of parents (a bug of the caller) cannot hang it.
    pub fn cluster_chain(&self, node: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut at = self.nodes[node].cluster;
        while let Some(k) = at.filter(|&k| k < self.clusters.len()) {
            if chain.len() == self.clusters.len() {
                break;
            }
            chain.push(k);
            at = self.clusters[k].parent;
        }
        chain
    }

    /// Clusters that hold at least one node, directly or through a cluster inside them.
    pub fn used_clusters(&self) -> Vec<bool> {
        let mut used = vec![false; self.clusters.len()];
        for node in 0..self.nodes.len() {
            for k in self.cluster_chain(node) {
                used[k] = true;
            }
        }
        used
    }

    /// Graphviz DOT, left to right, one statement per line.
    pub fn to_dot(&self) -> String {
        let mut out = format!("digraph {} {{\n", quote(&self.name));
        if self.left_to_right {
            out.push_str("  rankdir=LR;\n");
        }
        out.push_str("  graph [fontname=\"Helvetica\"];\n");
        out.push_str("  node [shape=box, fontname=\"Helvetica\"];\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let (shape, label) = match &node.shape {
                Shape::Box => ("box", quote(&node.label)),
                Shape::Ellipse => ("ellipse", quote(&node.label)),
                Shape::Plain => ("plaintext", quote(&node.label)),
                Shape::Record(fields) => {
                    let fields: Vec<String> = fields.iter().map(|f| record_field(f)).collect();
                    ("record", format!("\"{{ {} }}\"", fields.join(" | ")))
                }
            };
            out.push_str(&format!("  n{i} [label={label}, shape={shape}"));
            let mut styles = Vec::new();
            // Graphviz draws no second border around a record, so its output is bold instead.
            match (node.output, &node.shape) {
                (true, Shape::Record(_)) => styles.push("bold"),
                (true, _) => out.push_str(", peripheries=2"),
                _ => {}
            }
            if node.dashed {
                styles.push("dashed");
            }
            if !styles.is_empty() {
                out.push_str(&format!(", style=\"{}\"", styles.join(",")));
            }
            out.push_str("];\n");
        }
        for (from, to) in &self.edges {
            out.push_str(&format!("  n{from} -> n{to};\n"));
        }
        let used = self.used_clusters();
        for k in 0..self.clusters.len() {
            if self.clusters[k].parent.is_none() && used[k] {
                self.cluster_to_dot(k, &used, 1, &mut out);
            }
        }
        out.push_str("}\n");
        out
    }

    fn cluster_to_dot(&self, k: usize, used: &[bool], depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        out.push_str(&format!(
            "{indent}subgraph cluster_{k} {{\n{indent}  label={};\n",
            quote(&self.clusters[k].label)
        ));
        let members: Vec<String> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].cluster == Some(k))
            .map(|i| format!("n{i};"))
            .collect();
        if !members.is_empty() {
            out.push_str(&format!("{indent}  {}\n", members.join(" ")));
        }
        // `depth` bounds the recursion should the parents form a cycle.
        for child in 0..self.clusters.len() {
            if self.clusters[child].parent == Some(k) && used[child] && depth <= self.clusters.len()
            {
                self.cluster_to_dot(child, used, depth + 1, out);
            }
        }
        out.push_str(&format!("{indent}}}\n"));
    }

    /// Reads DOT: the subset `f_graph()` writes and [`Picture::to_dot`] writes (`digraph`,
    /// `rankdir`, `node [..]` defaults, nodes with `label`, `shape`, `peripheries`, `style`,
    /// edges and edge chains, nested `subgraph cluster_k { label=".."; .. }`). Other attributes
    /// are ignored; a `subgraph` not named `cluster..` only scopes node defaults, as in Graphviz.
    pub fn from_dot(dot: &str) -> Result<Picture> {
        let graph = DotParser::new(dot)
            .process()
            .map_err(|message| Error::Graph {
                message: format!(
                "the DOT text does not parse ({message}); dot_to_svg reads the DOT a `#[trace]` \
                 function's `f_graph()` writes: `digraph`, node and edge statements, subgraphs"
            ),
            })?;
        let mut reader = Reader {
            picture: Picture {
                name: graph.name.clone(),
                ..Picture::default()
            },
            ids: HashMap::new(),
            defaults: vec![HashMap::new()],
            cluster: None,
        };
        reader.statements(&graph.list);
        Ok(reader.picture)
    }
}

/// Walks a parsed DOT graph into a [`Picture`], keeping Graphviz' scoping of `node [..]`.
struct Reader {
    picture: Picture,
    ids: HashMap<String, usize>,
    /// Node attribute defaults, one map per open scope.
    defaults: Vec<HashMap<String, String>>,
    /// The innermost open cluster.
    cluster: Option<usize>,
}

impl Reader {
    fn statements(&mut self, list: &ast::StmtList) {
        for stmt in &list.list {
            match stmt {
                ast::Stmt::Node(n) => {
                    let node = self.node(&n.id.name);
                    for (key, value) in n.list.iter() {
                        apply(&mut self.picture.nodes[node], key, value);
                    }
                }
                ast::Stmt::Edge(e) => {
                    let mut from = self.node(&e.from.name);
                    for (to, _) in &e.to {
                        let to = self.node(&to.name);
                        self.picture.edges.push((from, to));
                        from = to;
                    }
                }
                // `node [..]`: defaults for nodes created later in this scope.
                ast::Stmt::Attribute(a) if matches!(a.target, ast::AttrStmtTarget::Node) => {
                    if let Some(scope) = self.defaults.last_mut() {
                        for (key, value) in a.list.iter() {
                            scope.insert(key.clone(), value.clone());
                        }
                    }
                }
                // `rankdir=LR;` at the top, `label=".."` in a cluster.
                ast::Stmt::Attribute(a) if matches!(a.target, ast::AttrStmtTarget::Graph) => {
                    for (key, value) in a.list.iter() {
                        match (key.as_str(), self.cluster) {
                            ("rankdir", None) => self.picture.left_to_right = value == "LR",
                            ("label", Some(k)) => self.picture.clusters[k].label = value.clone(),
                            _ => {}
                        }
                    }
                }
                ast::Stmt::Attribute(_) => {}
                ast::Stmt::SubGraph(g) => {
                    let outer = self.cluster;
                    if g.name.starts_with("cluster") {
                        self.picture.clusters.push(Cluster {
                            label: String::new(),
                            parent: outer,
                        });
                        self.cluster = Some(self.picture.clusters.len() - 1);
                    }
                    self.defaults.push(HashMap::new());
                    self.statements(&g.list);
                    self.defaults.pop();
                    self.cluster = outer;
                }
            }
        }
    }

    /// The node named `id`, created with the defaults in scope if new. Naming a node inside a
    /// cluster puts it there, as in Graphviz.
    fn node(&mut self, id: &str) -> usize {
        let cluster = self.cluster;
        if let Some(&i) = self.ids.get(id) {
            if cluster.is_some() {
                self.picture.nodes[i].cluster = cluster;
            }
            return i;
        }
        // Graphviz' default shape is an ellipse; the label defaults to the id.
        let mut node = Node {
            label: id.to_string(),
            shape: Shape::Ellipse,
            output: false,
            dashed: false,
            cluster,
        };
        let mut defaults: Vec<(&String, &String)> = self.defaults.iter().flatten().collect();
        // `label` last, so a `shape=record` default sees it.
        defaults.sort_by_key(|(key, _)| *key == "label");
        for (key, value) in defaults {
            apply(&mut node, key, value);
        }
        self.picture.nodes.push(node);
        self.ids
            .insert(id.to_string(), self.picture.nodes.len() - 1);
        self.picture.nodes.len() - 1
    }
}

/// One DOT node attribute.
fn apply(node: &mut Node, key: &str, value: &str) {
    match key {
        "label" => {
            node.label = value.to_string();
            if let Shape::Record(_) = node.shape {
                node.shape = Shape::Record(record_fields(value));
            }
        }
        "shape" => {
            node.shape = match value {
                "ellipse" | "oval" | "circle" | "point" => Shape::Ellipse,
                "doublecircle" => {
                    node.output = true;
                    Shape::Ellipse
                }
                "plaintext" | "plain" | "none" => Shape::Plain,
                "record" | "Mrecord" => Shape::Record(record_fields(&node.label)),
                _ => Shape::Box,
            }
        }
        "peripheries" => node.output = value.parse::<u32>().is_ok_and(|n| n >= 2),
        "style" => {
            node.dashed = value.contains("dashed") || value.contains("dotted");
            node.output |= value.contains("bold");
        }
        _ => {}
    }
}

/// The fields of a flat record label `{ a | b | c }` (the parser has already removed the
/// backslashes of `\{`, `\|`, so an escaped `|` inside a field splits it).
fn record_fields(label: &str) -> Vec<String> {
    let flat: String = label.chars().filter(|c| !matches!(c, '{' | '}')).collect();
    flat.split('|').map(|f| f.trim().to_string()).collect()
}

/// A DOT string literal: Graphviz reads `\\` as a backslash and `\n` as a line break.
fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text, &[]))
}

/// A record field: `{`, `}`, `|`, `<`, `>` are record syntax, so they are escaped too.
fn record_field(text: &str) -> String {
    escape(text, &['{', '}', '|', '<', '>'])
}

fn escape(text: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if special.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_f_graph_subset() {
        let dot = r#"digraph f {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  n0 [label="x", shape=ellipse];
  n1 [label="y", shape=ellipse, style=dashed];
  n2 [label="z = x * y\nline \"two\""];
  n3 [label="w = z + x", peripheries=2];
  n0 -> n2; n1 -> n2; n2 -> n3; n0 -> n3;
  subgraph cluster_0 { label="if x > 0.0"; n4; n5; subgraph cluster_1 { label="for i in 0..n"; n6; } }
}"#;
        let p = Picture::from_dot(dot).unwrap();
        assert!(p.left_to_right);
        assert_eq!(p.nodes.len(), 7);
        assert_eq!(p.nodes[0].shape, Shape::Ellipse);
        assert!(p.nodes[1].dashed);
        assert_eq!(p.nodes[2].label, "z = x * y\nline \"two\"");
        assert_eq!(p.nodes[2].shape, Shape::Box);
        assert!(p.nodes[3].output && !p.nodes[2].output);
        assert_eq!(p.edges, vec![(0, 2), (1, 2), (2, 3), (0, 3)]);
        assert_eq!(p.clusters[0].label, "if x > 0.0");
        assert_eq!(p.clusters[1].parent, Some(0));
        assert_eq!(
            (p.nodes[4].cluster, p.nodes[6].cluster, p.nodes[3].cluster),
            (Some(0), Some(1), None)
        );
        // Nodes first named in a cluster take the defaults: a box labelled by its id.
        assert_eq!(
            (p.nodes[4].label.as_str(), &p.nodes[4].shape),
            ("n4", &Shape::Box)
        );
    }

    #[test]
    fn dot_round_trips() {
        let p = Picture {
            name: "f".into(),
            left_to_right: true,
            nodes: vec![
                Node {
                    label: String::new(),
                    shape: Shape::Record(vec!["a | b".into(), "data 1.0000".into()]),
                    output: false,
                    dashed: true,
                    cluster: Some(1),
                },
                Node {
                    label: "if \"q\" < 0\\".into(),
                    shape: Shape::Plain,
                    output: true,
                    dashed: false,
                    cluster: None,
                },
            ],
            edges: vec![(0, 1)],
            clusters: vec![
                Cluster {
                    label: "for i in 0..n".into(),
                    parent: None,
                },
                Cluster {
                    label: "if x < 0.0".into(),
                    parent: Some(0),
                },
                Cluster {
                    label: "empty".into(),
                    parent: None,
                },
            ],
        };
        let dot = p.to_dot();
        assert!(!dot.contains("empty"), "{dot}");
        let back = Picture::from_dot(&dot).unwrap();
        assert_eq!(back.nodes[1], p.nodes[1]);
        assert!(back.nodes[0].dashed);
        // The escaped `|` inside a field is lost by layout-rs' lexer: documented above.
        assert_eq!(
            back.nodes[0].shape,
            Shape::Record(vec!["a".into(), "b".into(), "data 1.0000".into()])
        );
        assert_eq!(back.edges, p.edges);
        assert_eq!(back.clusters.len(), 2);
        assert_eq!(back.clusters[1].label, "if x < 0.0");
    }

    #[test]
    fn bad_dot_is_an_error() {
        for dot in [
            "",
            "digraph {",
            "digraph { a -> }",
            "graph { a [x= }",
            "digraph {} }",
            "digraph { \"a",
        ] {
            let err = Picture::from_dot(dot).unwrap_err();
            assert!(matches!(err, Error::Graph { .. }), "{dot}: {err:?}");
        }
    }
}
