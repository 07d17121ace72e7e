//! Adjoint IR → IR that reads like a hand derivation.
//!
//! Three passes over the program, in order:
//! 1. peephole and common subexpressions, in one forward walk: `x*1`, `x+0`, `a + -b`,
//!    `-(-x)`, `x.powi(1)` fold away, an operation on two literals becomes one literal, and a
//!    value computed twice (the same op on the same arguments, where the first is in scope) is
//!    computed once;
//! 2. dead code: nodes and `if` results that neither the value nor the gradient needs;
//! 3. residuals: a value defined inside a forward `if` arm and used by the reverse code
//!    leaves that `if` as an extra result (0 from the other arm), so it is in scope.
//!
//! Every rewrite keeps the value bit for bit (up to the sign of a zero, and but for an
//! intermediate that would have overflowed or lost bits as a subnormal: `0.5 * (2 * x)` is `x`
//! even where `2 * x` is inf).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::hash::FastMap;
use crate::ir::{Args, BlockId, Graph, IfId, Inst, NodeId, Op};
use crate::reverse::Program;
use crate::rules::is_power_of_two;

pub fn simplify(program: &mut Program) {
    let mut peephole = Peephole {
        replace: (0..program.graph.nodes.len()).collect(),
        seen: Vec::new(),
    };
    peephole.block(&mut program.graph, program.root);
    program.value = peephole.replace[program.value];
    for grad in program.grads.iter_mut().flatten() {
        *grad = peephole.replace[*grad];
    }
    remove_dead_code(program);
    export_residuals(program);
}

struct Peephole {
    /// What each node was replaced by (itself if it stays).
    replace: Vec<NodeId>,
    /// The nodes computed so far, by op and arguments, one map per enclosing block.
    seen: Vec<Seen>,
}

impl Peephole {
    fn block(&mut self, graph: &mut Graph, block: BlockId) {
        let size = graph.blocks[block].insts.len();
        self.seen
            .push(Seen::with_capacity_and_hasher(size, Default::default()));
        let insts = graph.blocks[block].insts.clone();
        for inst in insts {
            match inst {
                Inst::Node(id) => self.node(graph, id),
                Inst::If(if_id) => {
                    let cond = graph.ifs[if_id].cond;
                    graph.ifs[if_id].cond = self.replace[cond];
                    let (then_block, else_block) =
                        (graph.ifs[if_id].then_block, graph.ifs[if_id].else_block);
                    self.block(graph, then_block);
                    self.block(graph, else_block);
                    let the_if = &mut graph.ifs[if_id];
                    for value in the_if.then_values.iter_mut().chain(&mut the_if.else_values) {
                        *value = self.replace[*value];
                    }
                }
            }
        }
        self.seen.pop();
    }

    fn node(&mut self, graph: &mut Graph, id: NodeId) {
        for arg in graph.nodes[id].args.iter_mut() {
            *arg = self.replace[*arg];
        }
        if let Some(target) = fold(graph, id) {
            self.alias(graph, id, target);
            return;
        }
        let Some(key) = cse_key(graph, id) else {
            return;
        };
        // A key is in at most one map: it is added only where no map has it. The innermost
        // map is asked and filled in one lookup.
        let Some((innermost, outer)) = self.seen.split_last_mut() else {
            return;
        };
        let existing = match outer.iter().rev().find_map(|seen| seen.get(&key)) {
            Some(&target) => Some(target),
            None => match innermost.entry(key) {
                Entry::Occupied(entry) => Some(*entry.get()),
                Entry::Vacant(entry) => {
                    entry.insert(id);
                    None
                }
            },
        };
        if let Some(target) = existing {
            self.alias(graph, id, target);
        }
    }

    /// `id` is the same value as `target`: uses of `id` use `target`, which keeps the
    /// stronger of the two names.
    fn alias(&mut self, graph: &mut Graph, id: NodeId, target: NodeId) {
        self.replace[id] = target;
        if let Some(name) = graph.nodes[id].name.clone() {
            if !matches!(
                graph.nodes[target].op,
                Op::Param(_) | Op::Lit(_) | Op::Const(_)
            ) {
                graph.name(target, name.text, name.kind);
            }
        }
        if graph.nodes[target].adjoint_of.is_none() {
            graph.nodes[target].adjoint_of = graph.nodes[id].adjoint_of;
        }
    }
}

/// Folds node `id` in place; returns the node it is equal to, if it is just another node.
fn fold(graph: &mut Graph, id: NodeId) -> Option<NodeId> {
    // Each rewrite may enable another (`x * -1` → `-x` → `--y` → `y`); a few rounds suffice.
    for _ in 0..4 {
        if let Some(value) = literal_result(graph, id) {
            let node = &mut graph.nodes[id];
            node.op = Op::Lit(value);
            node.args = Args::default();
            return None;
        }
        let node = &graph.nodes[id];
        let args = node.args.as_slice();
        let lit = |i: usize| args.get(i).and_then(|&a| graph.lit_value(a));
        let negated = |i: usize| {
            args.get(i).and_then(|&a| match graph.nodes[a].op {
                Op::Neg => graph.nodes[a].args.first().copied(),
                _ => None,
            })
        };
        let (op, new_args) = match node.op {
            // x * 1, 1 * x
            Op::Mul if lit(1) == Some(1.0) => return Some(args[0]),
            Op::Mul if lit(0) == Some(1.0) => return Some(args[1]),
            // x * -1, -1 * x
            Op::Mul if lit(1) == Some(-1.0) => (Op::Neg, Args::from([args[0]])),
            Op::Mul if lit(0) == Some(-1.0) => (Op::Neg, Args::from([args[1]])),
            Op::Mul => {
                if let Some((x, negate)) = unit_scaling(graph, args) {
                    // c1 * (c2 * x) with c2 a power of two and c1·c2 = ±1: exactly ±x
                    if !negate {
                        return Some(x);
                    }
                    (Op::Neg, Args::from([x]))
                } else if let Some(product) = unit_scaling_across(graph, args) {
                    // ((x * c2) * y) * c1 with c2 a power of two and c1·c2 = 1: exactly x * y
                    (Op::Mul, Args::from(product))
                } else if let (Some(a), Some(b)) = (negated(0), negated(1)) {
                    // (-a) * (-b)
                    (Op::Mul, Args::from([a, b]))
                } else {
                    return None;
                }
            }
            // x / 1
            Op::Div if lit(1) == Some(1.0) => return Some(args[0]),
            // x + 0, 0 + x
            Op::Add if lit(1) == Some(0.0) => return Some(args[0]),
            Op::Add if lit(0) == Some(0.0) => return Some(args[1]),
            // a + -b, -a + b
            Op::Add => match (negated(0), negated(1)) {
                (_, Some(b)) => (Op::Sub, Args::from([args[0], b])),
                (Some(a), None) => (Op::Sub, Args::from([args[1], a])),
                _ => return None,
            },
            // x - 0, 0 - x
            Op::Sub if lit(1) == Some(0.0) => return Some(args[0]),
            Op::Sub if lit(0) == Some(0.0) => (Op::Neg, Args::from([args[1]])),
            // a - -b
            Op::Sub => match negated(1) {
                Some(b) => (Op::Add, Args::from([args[0], b])),
                None => return None,
            },
            // --x, -(literal), -((-a) * b): exactly a * b
            Op::Neg => match (negated(0), lit(0), negated_factor(graph, args[0])) {
                (Some(a), _, _) => return Some(a),
                (None, Some(value), _) => (Op::Lit(-value), Args::default()),
                (None, None, Some(product)) => (Op::Mul, Args::from(product)),
                _ => return None,
            },
            // x.powi(1), x.powi(0)
            Op::Powi(1) => return Some(args[0]),
            Op::Powi(0) => (Op::Lit(1.0), Args::default()),
            _ => return None,
        };
        let node = &mut graph.nodes[id];
        node.op = op;
        node.args = new_args;
    }
    None
}

/// For `a + b`, `a - b`, `a * b` or `a / b` of two literals: the result, where computing it in
/// `f32` and in `f64` gives the same value (`0.5 * 2.0`, `1.0 + 3.0`), so the literal is what
/// the operation gives at run time for either scalar type.
fn literal_result(graph: &Graph, id: NodeId) -> Option<f64> {
    let node = &graph.nodes[id];
    let &[a, b] = node.args.as_slice() else {
        return None;
    };
    let (a, b) = (graph.lit_value(a)?, graph.lit_value(b)?);
    let (a32, b32) = (a as f32, b as f32);
    let (wide, narrow) = match node.op {
        Op::Add => (a + b, a32 + b32),
        Op::Sub => (a - b, a32 - b32),
        Op::Mul => (a * b, a32 * b32),
        Op::Div => (a / b, a32 / b32),
        _ => return None,
    };
    let same = f64::from(a32) == a && f64::from(b32) == b && f64::from(narrow) == wide;
    (same && wide.is_finite()).then_some(wide)
}

/// The two factors of `id` if it is a product.
fn product_factors(graph: &Graph, id: NodeId) -> Option<[NodeId; 2]> {
    match (&graph.nodes[id].op, graph.nodes[id].args.as_slice()) {
        (Op::Mul, &[a, b]) => Some([a, b]),
        _ => None,
    }
}

/// For a product of a literal `c` and `x` (either order): `(c, x)`, left factor first, then
/// right (both, for a product of two literals).
fn literal_scalings(graph: &Graph, id: NodeId) -> impl Iterator<Item = (f64, NodeId)> + '_ {
    product_factors(graph, id)
        .into_iter()
        .flat_map(|[a, b]| [(a, b), (b, a)])
        .filter_map(|(lit, x)| Some((graph.lit_value(lit)?, x)))
}

/// For a product with one negated factor, `(-a) * b` or `a * (-b)`: `[a, b]`, the product
/// without its sign (negation is exact, so `-((-a) * b)` is exactly `a * b`).
fn negated_factor(graph: &Graph, product: NodeId) -> Option<[NodeId; 2]> {
    let [a, b] = product_factors(graph, product)?;
    let inner = |x: NodeId| match graph.nodes[x].op {
        Op::Neg => graph.nodes[x].args.first().copied(),
        _ => None,
    };
    match (inner(a), inner(b)) {
        (Some(a), None) => Some([a, b]),
        (None, Some(b)) => Some([a, b]),
        _ => None,
    }
}

/// For `c1 * (c2 * x)` (either order) where `c2` is a power of two and `c1·c2 = ±1`: `x` and
/// whether the product is `-x`. Scaling by a power of two is exact, so `c1 * (c2 * x)` rounds
/// once, to exactly `±x` (`0.5 * (2 * a)`, from `0.5 * a.powi(2)`, is `a`).
fn unit_scaling(graph: &Graph, args: &[NodeId]) -> Option<(NodeId, bool)> {
    for (outer, inner) in [(0, 1), (1, 0)] {
        let Some(c1) = graph.lit_value(*args.get(outer)?) else {
            continue;
        };
        for (c2, x) in literal_scalings(graph, *args.get(inner)?) {
            if is_power_of_two(c2) && (c1 * c2).abs() == 1.0 {
                return Some((x, c1 * c2 < 0.0));
            }
        }
    }
    None
}

/// For `((x * c2) * y) * c1` (any order of each product) where `c2` is a power of two and
/// `c1·c2 = 1`: `[x, y]`. The two scalings cancel exactly, so the product is `x * y` (a chain
/// rule through `exp` puts a factor between them: `t * t * 0.5 * t1 * 2.0` is `t * t * t1`).
/// Only `id` itself is rewritten, so a shared `x * c2` or inner product stays as it was.
fn unit_scaling_across(graph: &Graph, args: &[NodeId]) -> Option<[NodeId; 2]> {
    for (outer, inner) in [(0, 1), (1, 0)] {
        let (Some(c1), Some([p, q])) = (
            graph.lit_value(*args.get(outer)?),
            product_factors(graph, *args.get(inner)?),
        ) else {
            continue;
        };
        for (scaled, y) in [(p, q), (q, p)] {
            for (c2, x) in literal_scalings(graph, scaled) {
                if is_power_of_two(c2) && c1 * c2 == 1.0 {
                    return Some([x, y]);
                }
            }
        }
    }
    None
}

/// An op and its arguments (at most 4, inline, so a key allocates nothing), compared
/// structurally: a literal by its bits, every NaN alike.
struct Key {
    op: Op,
    args: [NodeId; 4],
}

fn lit_bits(value: f64) -> u64 {
    if value.is_nan() {
        f64::NAN.to_bits()
    } else {
        value.to_bits()
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        let same_op = match (&self.op, &other.op) {
            (Op::Lit(a), Op::Lit(b)) => lit_bits(*a) == lit_bits(*b),
            (a, b) => a == b,
        };
        same_op && self.args == other.args
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(&self.op).hash(state);
        match self.op {
            Op::Lit(value) => lit_bits(value).hash(state),
            Op::Method(method) => method.hash(state),
            Op::Powi(n) => n.hash(state),
            Op::Helper(helper) => helper.hash(state),
            Op::Cmp(cmp) => cmp.hash(state),
            Op::Bool(value) => value.hash(state),
            // The rest are told apart by their discriminant, or never keyed.
            _ => {}
        }
        for &arg in &self.args {
            state.write_usize(arg);
        }
    }
}

/// The key under which a pure node is looked up for reuse; `None` for nodes that are never
/// shared (parameters, calls and their partials, `if` results, constants) and for any node of
/// more than 4 arguments (no op has more than 3).
fn cse_key(graph: &Graph, id: NodeId) -> Option<Key> {
    let node = &graph.nodes[id];
    let mut args = [usize::MAX; 4];
    args.get_mut(..node.args.len())?.copy_from_slice(&node.args);
    match node.op {
        Op::Param(_) | Op::Call(_) | Op::Partial(_) | Op::Phi(..) | Op::Const(_) => return None,
        // Commutative: `a * b` and `b * a` are the same value.
        Op::Add | Op::Mul => args[..2].sort_unstable(),
        _ => {}
    }
    Some(Key {
        op: node.op.clone(),
        args,
    })
}

type Seen = FastMap<Key, NodeId>;

/// Removes nodes and `if` results that neither the value nor the gradient needs.
fn remove_dead_code(program: &mut Program) {
    let graph = &mut program.graph;
    let mut live = vec![false; graph.nodes.len()];
    live[program.value] = true;
    for &grad in program.grads.iter().flatten() {
        live[grad] = true;
    }
    mark_live(graph, program.root, &mut live);
    sweep(graph, program.root, &live);
}

/// Marks what the live nodes of `block` need, walking backwards. Returns whether anything
/// in the block is live.
fn mark_live(graph: &Graph, block: BlockId, live: &mut [bool]) -> bool {
    let mut any = false;
    for inst in graph.blocks[block].insts.iter().rev() {
        match *inst {
            Inst::Node(id) => {
                if live[id] {
                    any = true;
                    for &arg in &graph.nodes[id].args {
                        live[arg] = true;
                    }
                }
            }
            Inst::If(if_id) => {
                let the_if = &graph.ifs[if_id];
                let mut needed = false;
                for (i, &phi) in the_if.outputs.iter().enumerate() {
                    if live[phi] {
                        needed = true;
                        live[the_if.then_values[i]] = true;
                        live[the_if.else_values[i]] = true;
                    }
                }
                let then_live = mark_live(graph, the_if.then_block, live);
                let else_live = mark_live(graph, the_if.else_block, live);
                if needed || then_live || else_live {
                    any = true;
                    live[the_if.cond] = true;
                }
            }
        }
    }
    any
}

fn sweep(graph: &mut Graph, block: BlockId, live: &[bool]) {
    let insts = std::mem::take(&mut graph.blocks[block].insts);
    let mut kept = Vec::new();
    for inst in insts {
        match inst {
            Inst::Node(id) => {
                if live[id] {
                    kept.push(inst);
                }
            }
            Inst::If(if_id) => {
                let (then_block, else_block) =
                    (graph.ifs[if_id].then_block, graph.ifs[if_id].else_block);
                sweep(graph, then_block, live);
                sweep(graph, else_block, live);
                let keep_outputs: Vec<bool> = graph.ifs[if_id]
                    .outputs
                    .iter()
                    .map(|&phi| live[phi])
                    .collect();
                retain_outputs(graph, if_id, &keep_outputs);
                let empty = graph.ifs[if_id].outputs.is_empty()
                    && graph.blocks[then_block].insts.is_empty()
                    && graph.blocks[else_block].insts.is_empty();
                if !empty {
                    kept.push(inst);
                }
            }
        }
    }
    graph.blocks[block].insts = kept;
}

fn retain_outputs(graph: &mut Graph, if_id: IfId, keep: &[bool]) {
    let the_if = graph.ifs[if_id].clone();
    let mut outputs = Vec::new();
    let mut then_values = Vec::new();
    let mut else_values = Vec::new();
    for (i, &phi) in the_if.outputs.iter().enumerate() {
        if keep[i] {
            graph.nodes[phi].op = Op::Phi(if_id, outputs.len());
            outputs.push(phi);
            then_values.push(the_if.then_values[i]);
            else_values.push(the_if.else_values[i]);
        }
    }
    let target = &mut graph.ifs[if_id];
    target.outputs = outputs;
    target.then_values = then_values;
    target.else_values = else_values;
}

/// Makes every use see its value: a value defined in an `if` arm and used outside the arm
/// (the reverse code needs it) becomes a result of that `if`.
fn export_residuals(program: &mut Program) {
    // Without an `if`, every value is in scope wherever it is used.
    if program.graph.ifs.is_empty() {
        return;
    }
    let mut exporter = Exporter {
        defined_in: vec![None; program.graph.nodes.len()],
        exports: HashMap::new(),
    };
    exporter.record_definitions(&program.graph, program.root);
    let root = program.root;
    exporter.rewrite_block(&mut program.graph, root);
    program.value = exporter.export(&mut program.graph, program.value, root);
    for i in 0..program.grads.len() {
        if let Some(grad) = program.grads[i] {
            program.grads[i] = Some(exporter.export(&mut program.graph, grad, root));
        }
    }
}

struct Exporter {
    /// The block each node is defined in.
    defined_in: Vec<Option<BlockId>>,
    /// `(if, node)` → the result of that `if` that carries `node` out of its arm.
    exports: HashMap<(IfId, NodeId), NodeId>,
}

impl Exporter {
    fn record_definitions(&mut self, graph: &Graph, block: BlockId) {
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Node(id) => self.defined_in[id] = Some(block),
                Inst::If(if_id) => {
                    let the_if = &graph.ifs[if_id];
                    for &phi in &the_if.outputs {
                        self.defined_in[phi] = Some(block);
                    }
                    self.record_definitions(graph, the_if.then_block);
                    self.record_definitions(graph, the_if.else_block);
                }
            }
        }
    }

    fn visible(&self, graph: &Graph, node: NodeId, mut block: BlockId) -> bool {
        if matches!(
            graph.nodes[node].op,
            Op::Param(_) | Op::Lit(_) | Op::Const(_) | Op::Bool(_)
        ) {
            return true;
        }
        let Some(defined) = self.defined_in.get(node).copied().flatten() else {
            return true;
        };
        loop {
            if block == defined {
                return true;
            }
            match graph.blocks[block].parent {
                Some(parent) => block = parent,
                None => return false,
            }
        }
    }

    /// The node that carries `node`'s value into `block`.
    fn export(&mut self, graph: &mut Graph, mut node: NodeId, block: BlockId) -> NodeId {
        while !self.visible(graph, node, block) {
            let Some(defined) = self.defined_in[node] else {
                return node;
            };
            let (Some(if_id), Some(parent)) =
                (graph.blocks[defined].owner, graph.blocks[defined].parent)
            else {
                return node;
            };
            node = match self.exports.get(&(if_id, node)) {
                Some(&phi) => phi,
                None => {
                    let the_if = &graph.ifs[if_id];
                    let in_then = the_if.then_block == defined;
                    let other = if in_then {
                        the_if.else_block
                    } else {
                        the_if.then_block
                    };
                    let span = graph.nodes[node].span;
                    // The arm that did not compute the value gives a placeholder.
                    let filler = if graph.is_bool(node) {
                        Op::Bool(false)
                    } else {
                        Op::Lit(0.0)
                    };
                    let zero = graph.push(other, filler, Vec::new(), span);
                    let (then_value, else_value) =
                        if in_then { (node, zero) } else { (zero, node) };
                    let phi = graph.add_output(if_id, then_value, else_value);
                    graph.nodes[phi].name = graph.nodes[node].name.clone();
                    graph.nodes[phi].export_of = Some(node);
                    self.defined_in.resize(graph.nodes.len(), None);
                    self.defined_in[zero] = Some(other);
                    self.defined_in[phi] = Some(parent);
                    self.exports.insert((if_id, node), phi);
                    phi
                }
            };
        }
        node
    }

    fn rewrite_block(&mut self, graph: &mut Graph, block: BlockId) {
        let insts = graph.blocks[block].insts.clone();
        for inst in insts {
            match inst {
                Inst::Node(id) => {
                    for i in 0..graph.nodes[id].args.len() {
                        let arg = graph.nodes[id].args[i];
                        graph.nodes[id].args[i] = self.export(graph, arg, block);
                    }
                }
                Inst::If(if_id) => {
                    let cond = graph.ifs[if_id].cond;
                    graph.ifs[if_id].cond = self.export(graph, cond, block);
                    let (then_block, else_block) =
                        (graph.ifs[if_id].then_block, graph.ifs[if_id].else_block);
                    self.rewrite_block(graph, then_block);
                    self.rewrite_block(graph, else_block);
                    for i in 0..graph.ifs[if_id].outputs.len() {
                        let value = graph.ifs[if_id].then_values[i];
                        graph.ifs[if_id].then_values[i] = self.export(graph, value, then_block);
                        let value = graph.ifs[if_id].else_values[i];
                        graph.ifs[if_id].else_values[i] = self.export(graph, value, else_block);
                    }
                }
            }
        }
    }
}
