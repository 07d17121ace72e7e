//! Lowered IR → the computation graph a learner looks at (`#[trace]` only): one node per
//! value of the function, labelled with the user's names, as Graphviz DOT (`f_graph()`) and
//! as the node table `f_trace` hands to `autograd::Trace`. Also marks, in the lowered IR, where
//! the trace records each node's value.

use std::fmt::Write as _;

use crate::ast::{CmpOp, Function, IndexExpr};
use crate::hash::{FastMap, FastSet};
use crate::ir::{
    ArrayRef, BlockId, Graph, Inst, Method, Op, PlaceId, RegionId, RegionKind, Type, ValueId,
};
use crate::lower::Lowered;

/// Longest expression text written into a label; longer ones end in `…`.
const MAX_TEXT: usize = 40;

/// What a node is to the reader (`autograd::trace::Role`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Param,
    Data,
    Const,
    Inner,
    Output,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Param => "Param",
            Role::Data => "Data",
            Role::Const => "Const",
            Role::Inner => "Inner",
            Role::Output => "Output",
        }
    }
}

pub struct Node {
    /// The user's name, a parameter's or a literal's text, or the expression.
    pub name: String,
    /// The operation, short: `*`, `tanh`, `powi(2)`, `input`.
    pub op: String,
    /// `z = x * y`: what `f_graph()` writes in the node.
    pub label: String,
    pub inputs: Vec<usize>,
    pub role: Role,
    pub cluster: Option<usize>,
}

pub struct Cluster {
    pub label: String,
    pub parent: Option<usize>,
}

/// The function's graph: its nodes in evaluation order, the branches and loops they sit in,
/// and which IR value each node is.
pub struct TraceGraph {
    pub nodes: Vec<Node>,
    pub clusters: Vec<Cluster>,
    pub node_of: FastMap<ValueId, usize>,
}

/// The graph of `lowered`, the IR of `function` before its reverse pass.
pub fn build(function: &Function, lowered: &Lowered) -> TraceGraph {
    let wrt: Vec<bool> = function
        .params
        .iter()
        .map(|p| function.is_wrt(&p.name))
        .collect();
    let mut builder = Builder {
        graph: &lowered.graph,
        function,
        wrt,
        result: lowered.result,
        out: TraceGraph {
            nodes: Vec::new(),
            clusters: Vec::new(),
            node_of: FastMap::default(),
        },
        texts: FastMap::default(),
        inputs: Vec::new(),
        used: used_by_numbers(&lowered.graph),
    };
    builder.block(lowered.root, None);
    // Inputs once every node is known: a loop's carried value reads the end of its body.
    let Builder {
        mut out, inputs, ..
    } = builder;
    for (node, inputs) in out.nodes.iter_mut().zip(inputs) {
        node.inputs = inputs
            .iter()
            .filter_map(|input| out.node_of.get(input).copied())
            .collect();
    }
    out
}

/// The values some number is computed from: a literal only compared with is not drawn.
fn used_by_numbers(graph: &Graph) -> FastSet<ValueId> {
    let mut used = FastSet::default();
    for (_, value) in graph.values.iter() {
        if value.ty == Type::Real {
            used.extend(value.args.iter().copied());
        }
    }
    for (_, region) in graph.regions.iter() {
        used.extend(region.yields.iter().flatten().copied());
        if let RegionKind::Loop(_) = region.kind {
            used.extend(region.args.iter().copied());
        }
    }
    used
}

/// After each node's value in `graph`, an `Op::Trace` that hands it to the trace.
pub fn instrument(graph: &mut Graph, block: BlockId, node_of: &FastMap<ValueId, usize>) {
    let insts = std::mem::take(&mut graph.blocks[block].insts);
    let mut out = Vec::with_capacity(insts.len() * 2);
    for inst in insts {
        out.push(inst);
        match inst {
            Inst::Value(id) => {
                if let Some(&node) = node_of.get(&id) {
                    let span = graph.values[id].span;
                    let trace = graph.detached(Op::Trace(node, false), [id], span);
                    out.push(Inst::Value(trace));
                }
            }
            Inst::Region(region) => {
                for body in graph.regions[region].bodies.clone() {
                    instrument(graph, body, node_of);
                }
                // A region's results exist once it has run: record them after it.
                for result in graph.regions[region].results.clone() {
                    if let Some(&node) = node_of.get(&result) {
                        let span = graph.values[result].span;
                        let trace = graph.detached(Op::Trace(node, false), [result], span);
                        out.push(Inst::Value(trace));
                    }
                }
            }
        }
    }
    graph.blocks[block].insts = out;
}

struct Builder<'a> {
    graph: &'a Graph,
    function: &'a Function,
    wrt: Vec<bool>,
    result: ValueId,
    out: TraceGraph,
    /// Each value's text, as its users print it.
    texts: FastMap<ValueId, String>,
    /// Each node's inputs, as values.
    inputs: Vec<Vec<ValueId>>,
    used: FastSet<ValueId>,
}

impl Builder<'_> {
    fn block(&mut self, block: BlockId, cluster: Option<usize>) {
        for inst in &self.graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => self.value(id, cluster),
                Inst::Region(region) => self.region(region, cluster),
            }
        }
    }

    fn region(&mut self, region_id: RegionId, parent: Option<usize>) {
        let region = &self.graph.regions[region_id];
        let labels: Vec<String> = match region.kind {
            RegionKind::If => {
                let cond = self.expr_text(region.cond());
                vec![format!("if {cond}"), format!("else (not {cond})")]
            }
            RegionKind::Loop(_) => vec![self.loop_label(region_id)],
        };
        // A loop's carried values are its body's first nodes; its results are the carried
        // values after the loop.
        for (&body, label) in region.bodies.iter().zip(labels) {
            let cluster = self.out.clusters.len();
            self.out.clusters.push(Cluster { label, parent });
            self.block(body, Some(cluster));
        }
        for (i, &result) in region.results.iter().enumerate() {
            let inputs: Vec<ValueId> = region
                .yields
                .iter()
                .filter_map(|yields| yields.get(i).copied())
                .collect();
            let op = match region.kind {
                RegionKind::If => "if",
                RegionKind::Loop(_) => "for",
            };
            self.add(result, op.to_string(), &inputs, parent);
        }
    }

    fn value(&mut self, id: ValueId, cluster: Option<usize>) {
        let value = &self.graph.values[id];
        if value.ty != Type::Real {
            return;
        }
        let args = value.args.as_slice().to_vec();
        let op = match &value.op {
            // An array's elements are the nodes (`Op::Load`).
            Op::Param(i)
                if self
                    .function
                    .params
                    .get(*i)
                    .is_some_and(|p| !p.shape.is_scalar()) =>
            {
                return
            }
            Op::Param(_) => "input".to_string(),
            Op::Lit(_) | Op::Const(_) if !self.used.contains(&id) && id != self.result => return,
            Op::Lit(_) | Op::Const(_) => "const".to_string(),
            Op::Add => "+".to_string(),
            Op::Sub => "-".to_string(),
            Op::Mul => "*".to_string(),
            Op::Div => "/".to_string(),
            Op::Neg => "neg".to_string(),
            Op::Method(method) => method_name(*method).to_string(),
            Op::Powi(n) => format!("powi({n})"),
            Op::Helper(helper) => helper.name().to_string(),
            Op::Call(site) => format!("{}()", self.graph.calls[*site].name),
            Op::Carried(..) => "carried".to_string(),
            Op::Load(_) => "index".to_string(),
            Op::Count(_) => "len".to_string(),
            // The partials of a call, a region's result (see `region`), values of a reverse
            // pass: not nodes of the function's graph.
            Op::Partial(_)
            | Op::Result(..)
            | Op::Saved(..)
            | Op::SavedEnd(..)
            | Op::Store(..)
            | Op::Declare(..)
            | Op::Trace(..)
            | Op::Nonempty(_)
            | Op::Cmp(_)
            | Op::And
            | Op::Or
            | Op::Not
            | Op::Bool(_) => return,
        };
        let inputs = match value.op {
            // A carried value comes from its initial value and from the last iteration.
            Op::Carried(region, k) => {
                let region = &self.graph.regions[region];
                let mut inputs: Vec<ValueId> = region.args.get(k).copied().into_iter().collect();
                inputs.extend(region.yields.first().and_then(|y| y.get(k)).copied());
                inputs
            }
            _ => args,
        };
        self.add(id, op, &inputs, cluster);
    }

    fn add(&mut self, id: ValueId, op: String, inputs: &[ValueId], cluster: Option<usize>) {
        let value = &self.graph.values[id];
        let role = match value.op {
            _ if id == self.result => Role::Output,
            Op::Param(i) => self.param_role(i),
            Op::Load(place) => match self.graph.places[place].array {
                ArrayRef::Param(i) => self.param_role(i),
                ArrayRef::Local(_) => Role::Inner,
            },
            Op::Lit(_) | Op::Const(_) => Role::Const,
            Op::Count(_) => Role::Data,
            _ => Role::Inner,
        };
        let expr = self.expr_text(id);
        let name = match &value.name {
            Some(name) => name.text.trim_start_matches("r#").to_string(),
            None => expr.clone(),
        };
        let label = if value.name.is_some() && name != expr {
            format!("{name} = {expr}")
        } else {
            name.clone()
        };
        self.texts.insert(id, name.clone());
        let node = self.out.nodes.len();
        self.inputs.push(inputs.to_vec());
        self.out.nodes.push(Node {
            name,
            op,
            label,
            inputs: Vec::new(),
            role,
            cluster,
        });
        self.out.node_of.insert(id, node);
    }

    fn param_role(&self, i: usize) -> Role {
        if self.wrt.get(i).copied().unwrap_or(false) {
            Role::Param
        } else {
            Role::Data
        }
    }

    /// How a use of `id` reads: its name if it has one, else its expression.
    fn text(&self, id: ValueId) -> String {
        match self.texts.get(&id) {
            Some(text) => text.clone(),
            None => self.expr_text(id),
        }
    }

    /// An argument's text, in parentheses when it is an operation without a name that binds
    /// less tightly than `min`.
    fn operand(&self, id: ValueId, min: u8) -> String {
        let text = self.text(id);
        let value = &self.graph.values[id];
        let prec = match value.op {
            _ if value.name.is_some() => u8::MAX,
            Op::Cmp(_) => 1,
            Op::Add | Op::Sub => 2,
            Op::Mul | Op::Div => 3,
            Op::Neg => 4,
            _ => u8::MAX,
        };
        if prec < min {
            format!("({text})")
        } else {
            text
        }
    }

    /// The value's own expression, one operation over its arguments' texts.
    fn expr_text(&self, id: ValueId) -> String {
        let value = &self.graph.values[id];
        let args = value.args.as_slice();
        // Operands of `+ -` bind at least as `+`; the right one of `- /` tighter.
        let arg = |i: usize, min: u8| {
            args.get(i)
                .map_or_else(String::new, |&a| self.operand(a, min))
        };
        let list = || {
            args.iter()
                .map(|&a| self.text(a))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text = match &value.op {
            Op::Param(i) => self
                .function
                .params
                .get(*i)
                .map_or_else(String::new, |p| p.name.to_string()),
            Op::Lit(v) => format!("{v:?}"),
            Op::Const(c) => path_text(&self.graph.consts[*c]),
            Op::Add => format!("{} + {}", arg(0, 2), arg(1, 2)),
            Op::Sub => format!("{} - {}", arg(0, 2), arg(1, 3)),
            Op::Mul => format!("{} * {}", arg(0, 3), arg(1, 3)),
            Op::Div => format!("{} / {}", arg(0, 3), arg(1, 4)),
            Op::Neg => format!("-{}", arg(0, 4)),
            Op::Method(method) => {
                let rest: Vec<String> = args.iter().skip(1).map(|&a| self.text(a)).collect();
                format!(
                    "{}.{}({})",
                    arg(0, 5),
                    method_name(*method),
                    rest.join(", ")
                )
            }
            Op::Powi(n) => format!("{}.powi({n})", arg(0, 5)),
            Op::Helper(helper) => format!("{}({})", helper.name(), list()),
            Op::Call(site) => format!("{}({})", self.graph.calls[*site].name, list()),
            Op::Load(place) => self.place_text(*place),
            Op::Count(place) => format!("{}.len()", self.place_text(*place)),
            Op::Cmp(op) => format!("{} {} {}", arg(0, 2), cmp_text(*op), arg(1, 2)),
            Op::And => format!("{} && {}", arg(0, 2), arg(1, 2)),
            Op::Or => format!("{} || {}", arg(0, 2), arg(1, 2)),
            Op::Not => format!("!{}", arg(0, 5)),
            Op::Bool(b) => b.to_string(),
            Op::Result(..) | Op::Carried(..) => value
                .name
                .as_ref()
                .map_or_else(|| "…".to_string(), |n| n.text.to_string()),
            Op::Partial(_)
            | Op::Saved(..)
            | Op::SavedEnd(..)
            | Op::Store(..)
            | Op::Declare(..)
            | Op::Trace(..)
            | Op::Nonempty(_) => String::new(),
        };
        shorten(text)
    }

    /// `xs[i]`, `m[k][j]`, `xs`.
    fn place_text(&self, place: PlaceId) -> String {
        let place = &self.graph.places[place];
        let mut text = self.array_name(place.array);
        for index in &place.index {
            let _ = write!(text, "[{}]", index_text(index));
        }
        text
    }

    fn array_name(&self, array: ArrayRef) -> String {
        match array {
            ArrayRef::Param(i) => self
                .function
                .params
                .get(i)
                .map_or_else(String::new, |p| p.name.to_string()),
            ArrayRef::Local(local) => self.graph.locals[local].name.to_string(),
        }
    }

    fn loop_label(&self, region: RegionId) -> String {
        let Some(header) = self.graph.header(region) else {
            return "for".to_string();
        };
        let range = if header.inclusive { "..=" } else { ".." };
        let mut label = format!(
            "for {} in {}{range}{}",
            header.var,
            index_text(&header.start),
            index_text(&header.end)
        );
        if header.reversed {
            label.push_str(" (reversed)");
        }
        label
    }
}

/// A method as the user wrote it (`tanh` is computed by `tanh_fast` in `grad!`).
fn method_name(method: Method) -> &'static str {
    match method {
        Method::TanhFast => Method::Tanh.name(),
        method => method.name(),
    }
}

fn shorten(mut text: String) -> String {
    if text.chars().count() > MAX_TEXT {
        text = text.chars().take(MAX_TEXT - 1).collect();
        text.push('…');
    }
    text
}

fn cmp_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
    }
}

/// `consts::SCALE`, as written.
fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// An index as the user wrote it.
fn index_text(index: &IndexExpr) -> String {
    match index {
        IndexExpr::Var(var) => var.text.to_string(),
        IndexExpr::Lit { value, .. } => value.to_string(),
        IndexExpr::Const(path) => path_text(path),
        IndexExpr::Len { array, rows } => {
            if *rows {
                format!("{}[..].len()", array.text)
            } else {
                format!("{}.len()", array.text)
            }
        }
        IndexExpr::Binary { op, operands, .. } => format!(
            "{} {} {}",
            index_text(&operands[0]),
            op.text(),
            index_text(&operands[1])
        ),
        IndexExpr::Paren(inner) => format!("({})", index_text(inner)),
        IndexExpr::Min(operands) => format!(
            "{}.min({})",
            index_text(&operands[0]),
            index_text(&operands[1])
        ),
        IndexExpr::Unsupported { what, .. } => what.clone(),
    }
}

/// `f_graph()`: the graph as Graphviz DOT, left to right; inputs as ellipses (dashed when not
/// differentiated), constants as plain text, the output with a double border, each branch and
/// loop body a cluster.
pub fn dot(name: &str, graph: &TraceGraph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {name} {{");
    out.push_str("  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    // Nodes outside every cluster, then each top-level cluster with what is inside it.
    for (k, node) in graph.nodes.iter().enumerate() {
        if node.cluster.is_none() {
            write_node(&mut out, k, node, 1);
        }
    }
    for (c, cluster) in graph.clusters.iter().enumerate() {
        if cluster.parent.is_none() {
            write_cluster(&mut out, graph, c, 1);
        }
    }
    for (k, node) in graph.nodes.iter().enumerate() {
        for input in &node.inputs {
            let _ = writeln!(out, "  n{input} -> n{k};");
        }
    }
    out.push_str("}\n");
    out
}

fn write_cluster(out: &mut String, graph: &TraceGraph, c: usize, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}subgraph cluster_{c} {{\n{pad}  label=\"{}\";",
        escape(&graph.clusters[c].label)
    );
    for (k, node) in graph.nodes.iter().enumerate() {
        if node.cluster == Some(c) {
            write_node(out, k, node, depth + 1);
        }
    }
    for (inner, cluster) in graph.clusters.iter().enumerate() {
        if cluster.parent == Some(c) {
            write_cluster(out, graph, inner, depth + 1);
        }
    }
    let _ = writeln!(out, "{pad}}}");
}

fn write_node(out: &mut String, k: usize, node: &Node, depth: usize) {
    let pad = "  ".repeat(depth);
    let style = match node.role {
        Role::Param => ", shape=ellipse",
        Role::Data => ", shape=ellipse, style=dashed",
        Role::Const => ", shape=plaintext",
        Role::Output => ", peripheries=2",
        Role::Inner => "",
    };
    let _ = writeln!(out, "{pad}n{k} [label=\"{}\"{style}];", escape(&node.label));
}

/// A DOT string's escapes: quotes and backslashes.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
