//! IR → adjoint IR: the reverse pass.
//!
//! Walks the function backwards and accumulates each value's adjoint as a list of terms. Every
//! use of a value comes after it, so when the walk reaches a value all its terms are known:
//! its adjoint is one sum, bound once, and then its rule (from `rules.rs`) sends terms on to
//! its arguments. An `if` is reversed by an `if` on the same condition: each arm walks its own
//! code backwards, and what it sends to values outside the arm leaves as a result of the
//! reverse `if`. Only active values (those that depend on a differentiated parameter) get
//! adjoints.

use std::collections::BTreeMap;

use crate::errors::Errors;
use crate::hash::FastMap;
use crate::ir::{Args, BlockId, Builder, Graph, Inst, NameKind, NodeId, Op};
use crate::lower::Lowered;
use crate::rules;

/// A function with its gradient, as IR.
pub struct Program {
    pub graph: Graph,
    pub root: BlockId,
    /// The function's value.
    pub value: NodeId,
    /// For each parameter: its partial derivative, or `None` when it is not differentiated.
    /// A differentiated parameter the value does not depend on has a `Lit(0)` node.
    pub grads: Vec<Option<NodeId>>,
}

/// Adjoint terms waiting for their value's definition, by value. Most values have one to
/// three, which `Args` holds without an allocation of their own. The function's body keeps
/// them in a list indexed by node (most of its values get terms, and each is asked for once:
/// an index, not a hash and a probe); an arm of an `if`, which sees few values, in a map.
enum Terms {
    ByNode(Vec<Option<Args>>),
    Map(FastMap<NodeId, Args>),
}

impl Terms {
    fn by_node(nodes: usize) -> Terms {
        Terms::ByNode(vec![None; nodes])
    }

    fn arm() -> Terms {
        Terms::Map(FastMap::default())
    }

    fn push(&mut self, to: NodeId, term: NodeId) {
        match self {
            Terms::ByNode(slots) => {
                if slots.len() <= to {
                    slots.resize(to + 1, None);
                }
                if let Some(slot) = slots.get_mut(to) {
                    slot.get_or_insert_with(Args::default).push(term);
                }
            }
            Terms::Map(map) => map.entry(to).or_default().push(term),
        }
    }

    /// The terms of `node`, taken out.
    fn take(&mut self, node: NodeId) -> Option<Args> {
        match self {
            Terms::ByNode(slots) => slots.get_mut(node).and_then(Option::take),
            Terms::Map(map) => map.remove(&node),
        }
    }

    /// The values with terms, in no particular order.
    fn nodes(&self) -> Vec<NodeId> {
        match self {
            Terms::ByNode(slots) => (0..slots.len())
                .filter(|&node| slots.get(node).is_some_and(Option::is_some))
                .collect(),
            Terms::Map(map) => map.keys().copied().collect(),
        }
    }
}

pub fn differentiate(lowered: Lowered, wrt: &[bool]) -> syn::Result<Program> {
    let Lowered {
        mut graph,
        root,
        params,
        result,
    } = lowered;
    let active = activity(&graph, root, wrt);
    let mut reverse = Reverse {
        graph: &mut graph,
        active,
        param_adjoints: BTreeMap::new(),
        errors: Errors::default(),
        scratch: String::new(),
    };
    let mut terms = Terms::by_node(reverse.graph.nodes.len());
    if reverse.is_active(result) {
        let one = reverse.graph.push(
            root,
            Op::Lit(1.0),
            Vec::new(),
            reverse.graph.nodes[result].span,
        );
        terms.push(result, one);
    }
    let forward = reverse.graph.blocks[root].insts.clone();
    reverse.block(&forward, root, &mut terms);
    let param_adjoints = reverse.param_adjoints;
    if let Some(error) = reverse.errors.combined() {
        return Err(error);
    }

    let grads = params
        .iter()
        .enumerate()
        .map(|(i, &param)| {
            if !wrt.get(i).copied().unwrap_or(false) {
                return None;
            }
            Some(param_adjoints.get(&param).copied().unwrap_or_else(|| {
                let span = graph.nodes[param].span;
                graph.push(root, Op::Lit(0.0), Vec::new(), span)
            }))
        })
        .collect();
    Ok(Program {
        graph,
        root,
        value: result,
        grads,
    })
}

/// Which nodes depend on a differentiated parameter.
fn activity(graph: &Graph, root: BlockId, wrt: &[bool]) -> Vec<bool> {
    let mut active = vec![false; graph.nodes.len()];
    mark_active(graph, root, wrt, &mut active);
    active
}

fn mark_active(graph: &Graph, block: BlockId, wrt: &[bool], active: &mut Vec<bool>) {
    for inst in &graph.blocks[block].insts {
        match *inst {
            Inst::Node(id) => {
                let node = &graph.nodes[id];
                active[id] = match node.op {
                    Op::Param(i) => wrt.get(i).copied().unwrap_or(false),
                    Op::Lit(_) | Op::Const(_) | Op::Partial(_) | Op::Bool(_) => false,
                    Op::Cmp(_) | Op::And | Op::Or | Op::Not => false,
                    _ => node.args.iter().any(|&arg| active[arg]),
                };
            }
            Inst::If(if_id) => {
                let the_if = &graph.ifs[if_id];
                mark_active(graph, the_if.then_block, wrt, active);
                mark_active(graph, the_if.else_block, wrt, active);
                for (i, &phi) in the_if.outputs.iter().enumerate() {
                    active[phi] = active[the_if.then_values[i]] || active[the_if.else_values[i]];
                }
            }
        }
    }
}

struct Reverse<'g> {
    graph: &'g mut Graph,
    active: Vec<bool>,
    param_adjoints: BTreeMap<NodeId, NodeId>,
    errors: Errors,
    /// Where a `d_` name is built.
    scratch: String,
}

impl Reverse<'_> {
    fn is_active(&self, node: NodeId) -> bool {
        self.active.get(node).copied().unwrap_or(false)
    }

    fn builder(&mut self, block: BlockId, span_of: NodeId) -> Builder<'_> {
        let span = self.graph.nodes[span_of].span;
        Builder {
            graph: self.graph,
            block,
            span,
        }
    }

    /// The adjoint of `node` from its terms: one sum, named `d_` + the node's name.
    fn sum(&mut self, node: NodeId, terms: &[NodeId], block: BlockId) -> NodeId {
        let mut b = self.builder(block, node);
        let mut total = terms[0];
        for &term in &terms[1..] {
            total = b.add(total, term);
        }
        // The sum is named after its value: `d_yhat`. A term that is already the adjoint of
        // another value keeps that name, unless only this value has a name of the user's.
        let named = |graph: &Graph, id: NodeId| graph.nodes[id].name.is_some();
        let current = self.graph.nodes[total].adjoint_of;
        if current.is_none_or(|p| !named(self.graph, p) && named(self.graph, node)) {
            self.graph.nodes[total].adjoint_of = Some(node);
        }
        if let Some(name) = &self.graph.nodes[node].name {
            self.scratch.clear();
            self.scratch.push_str("d_");
            // `strip_prefix`, not `trim_start_matches`: no substring searcher per name.
            let text = name.text.strip_prefix("r#").unwrap_or(&name.text);
            self.scratch.push_str(text);
            self.graph
                .name(total, self.scratch.as_str(), NameKind::Adjoint);
        }
        total
    }

    /// Reverses the forward instructions `insts`, writing adjoint code at the end of `target`.
    fn block(&mut self, insts: &[Inst], target: BlockId, terms: &mut Terms) {
        for inst in insts.iter().rev() {
            match *inst {
                Inst::Node(id) => self.node(id, target, terms),
                Inst::If(if_id) => self.branch(if_id, target, terms),
            }
        }
    }

    fn push_term(&self, terms: &mut Terms, to: NodeId, term: NodeId) {
        if self.is_active(to) {
            terms.push(to, term);
        }
    }

    fn node(&mut self, id: NodeId, target: BlockId, terms: &mut Terms) {
        let Some(node_terms) = terms.take(id) else {
            return;
        };
        if !self.is_active(id) || node_terms.is_empty() {
            return;
        }
        let dy = self.sum(id, &node_terms, target);
        let op = self.graph.nodes[id].op.clone();
        let args = self.graph.nodes[id].args.clone();
        match op {
            Op::Param(_) => {
                self.param_adjoints.insert(id, dy);
            }
            // y = g(a, b): da += dy * ∂g/∂a, db += dy * ∂g/∂b
            Op::Call(site) => {
                let partials = self.graph.calls[site].partials.clone();
                for (i, partial) in partials.into_iter().enumerate() {
                    let Some(&arg) = args.get(i) else { continue };
                    if !self.is_active(arg) {
                        continue;
                    }
                    match partial {
                        Some(partial) => {
                            let term = self.builder(target, id).mul(dy, partial);
                            self.push_term(terms, arg, term);
                        }
                        None => {
                            let callee = self.graph.calls[site].name.clone();
                            self.errors.push(
                                callee.span(),
                                format!(
                                    "argument {} of `{callee}` depends on a differentiated \
                                     parameter, but `{callee}`'s `#[wrt]` leaves that \
                                     parameter out; add it to `{callee}`'s `#[wrt]`",
                                    i + 1
                                ),
                            );
                        }
                    }
                }
            }
            op => {
                let mut b = self.builder(target, id);
                let contributions = rules::adjoint(&mut b, &op, &args, id, dy);
                for (k, term) in contributions {
                    if let Some(&arg) = args.get(k) {
                        self.push_term(terms, arg, term);
                    }
                }
            }
        }
    }

    fn branch(&mut self, if_id: usize, target: BlockId, terms: &mut Terms) {
        let the_if = self.graph.ifs[if_id].clone();
        // The adjoints of the `if`'s results.
        let mut output_adjoints = Vec::new();
        for (i, &phi) in the_if.outputs.iter().enumerate() {
            if let Some(phi_terms) = terms.take(phi) {
                if self.is_active(phi) && !phi_terms.is_empty() {
                    output_adjoints.push((i, self.sum(phi, &phi_terms, target)));
                }
            }
        }
        if output_adjoints.is_empty() {
            return;
        }
        let reverse_if = self.graph.push_if(target, the_if.cond, the_if.span);
        let reverse = &self.graph.ifs[reverse_if];
        let (then_target, else_target) = (reverse.then_block, reverse.else_block);

        let mut arm_terms = Vec::new();
        for (forward_block, values, arm_target) in [
            (the_if.then_block, &the_if.then_values, then_target),
            (the_if.else_block, &the_if.else_values, else_target),
        ] {
            let mut local = Terms::arm();
            for &(i, d_out) in &output_adjoints {
                self.push_term(&mut local, values[i], d_out);
            }
            let insts = self.graph.blocks[forward_block].insts.clone();
            self.block(&insts, arm_target, &mut local);
            arm_terms.push((arm_target, local));
        }
        // What the arms send to values outside them leaves as results of the reverse `if`.
        let mut outer: Vec<NodeId> = arm_terms
            .iter()
            .flat_map(|(_, local)| local.nodes())
            .collect();
        outer.sort_unstable();
        outer.dedup();
        for node in outer {
            let mut sums = Vec::new();
            for (arm_target, local) in &mut arm_terms {
                let sum = match local.take(node) {
                    Some(node_terms) if !node_terms.is_empty() => {
                        let mut b = Builder {
                            graph: self.graph,
                            block: *arm_target,
                            span: the_if.span,
                        };
                        let mut total = node_terms[0];
                        for &term in &node_terms[1..] {
                            total = b.add(total, term);
                        }
                        total
                    }
                    _ => self
                        .graph
                        .push(*arm_target, Op::Lit(0.0), Vec::new(), the_if.span),
                };
                sums.push(sum);
            }
            let phi = self.graph.add_output(reverse_if, sums[0], sums[1]);
            terms.push(node, phi);
        }
    }
}
