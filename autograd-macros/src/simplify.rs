//! Adjoint IR → IR that reads like a hand derivation.
//!
//! Two passes over the program, in order:
//! 1. peephole and common subexpressions, in one forward walk: `x*1`, `x+0`, `a + -b`,
//!    `-(-x)`, `x.powi(1)` fold away, an operation on two literals becomes one literal, and a
//!    value computed twice (the same op on the same arguments, where the first is in scope) is
//!    computed once;
//! 2. dead code: values and region results that neither the value nor the gradient needs.
//!
//! Both keep every use in scope of its value (the reverse pass made it so): a value is only
//! ever replaced by one visible where it was.
//!
//! Every rewrite keeps the value bit for bit (up to the sign of a zero, and but for an
//! intermediate that would have overflowed or lost bits as a subnormal: `0.5 * (2 * x)` is `x`
//! even where `2 * x` is inf).

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use crate::hash::FastMap;
use crate::ir::{
    Args, ArrayRef, BlockId, Graph, Id, IdVec, Inst, Op, Program, RegionId, RegionKind, ValueId,
};
use crate::rules::is_power_of_two;

pub fn simplify(program: &mut Program) {
    let mut peephole = Peephole {
        replace: program.graph.values.ids().collect(),
        seen: Vec::new(),
        root: program.root,
    };
    peephole.block(&mut program.graph, program.root);
    program.value = peephole.replace[program.value];
    for grad in program.grads.iter_mut().flatten() {
        *grad = peephole.replace[*grad];
    }
    remove_dead_code(program);
}

struct Peephole {
    /// What each node was replaced by (itself if it stays).
    replace: IdVec<ValueId, ValueId>,
    /// The nodes computed so far, by op and arguments, one map per enclosing block.
    seen: Vec<Seen>,
    /// The function's body, where a literal a rewrite makes goes.
    root: BlockId,
}

impl Peephole {
    fn block(&mut self, graph: &mut Graph, block: BlockId) {
        let size = graph.blocks[block].insts.len();
        self.seen
            .push(Seen::with_capacity_and_hasher(size, Default::default()));
        let insts = graph.blocks[block].insts.clone();
        for inst in insts {
            match inst {
                Inst::Value(id) => self.node(graph, id),
                Inst::Region(region) => {
                    for arg in graph.regions[region].args.iter_mut() {
                        *arg = self.replace[*arg];
                    }
                    self.fold_invariants(graph, region);
                    for body in graph.regions[region].bodies.clone() {
                        self.block(graph, body);
                    }
                    for yields in &mut graph.regions[region].yields {
                        for value in yields {
                            *value = self.replace[*value];
                        }
                    }
                    self.fold_results(graph, region);
                }
            }
        }
        self.seen.pop();
    }

    fn node(&mut self, graph: &mut Graph, id: ValueId) {
        for arg in graph.values[id].args.iter_mut() {
            *arg = self.replace[*arg];
        }
        let folded = fold(graph, id, self.root);
        // A rewrite may have made a literal.
        while self.replace.len() < graph.values.len() {
            let new = ValueId::new(self.replace.len());
            self.replace.push(new);
        }
        if let Some(target) = folded {
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

    /// A carried variable the loop's body gives back unchanged is its value on entry (a reverse
    /// loop's adjoint of a sum, say), in the body and after the loop.
    fn fold_invariants(&mut self, graph: &mut Graph, region: RegionId) {
        let r = &graph.regions[region];
        if !matches!(r.kind, RegionKind::Loop(_)) {
            return;
        }
        let body = r.bodies[0];
        let mut folded = Vec::new();
        for inst in &graph.blocks[body].insts {
            let Inst::Value(id) = *inst else { break };
            let Op::Carried(owner, k) = graph.values[id].op else {
                break;
            };
            if owner == region && r.yields[0].get(k) == Some(&id) {
                if let (Some(&init), Some(&result)) = (r.args.get(k), r.results.get(k)) {
                    folded.push((id, init));
                    folded.push((result, init));
                }
            }
        }
        for (value, init) in folded {
            self.replace[value] = init;
            if graph.values[init].adjoint_of.is_none() {
                graph.values[init].adjoint_of = graph.values[value].adjoint_of;
            }
        }
    }

    /// A result that is `true` from the `then` arm and `false` from the `else` arm is the
    /// condition itself (whether an early return was taken, say); a result that repeats
    /// another is that one.
    fn fold_results(&mut self, graph: &mut Graph, region: RegionId) {
        let r = &graph.regions[region];
        let is_bool = |value: Option<&ValueId>, b: bool| {
            value.is_some_and(|&v| graph.values[v].op == Op::Bool(b))
        };
        let mut folded: Vec<(ValueId, ValueId)> = match r.kind {
            // A loop's results differ with the values they start from.
            RegionKind::Loop(_) => return,
            RegionKind::If => r
                .results
                .iter()
                .enumerate()
                .filter(|&(i, _)| {
                    is_bool(r.yields[0].get(i), true) && is_bool(r.yields[1].get(i), false)
                })
                .map(|(_, &result)| (result, r.cond()))
                .collect(),
        };
        // Two results that every body yields the same values for are one.
        let column = |i: usize| -> Vec<Option<ValueId>> {
            r.yields
                .iter()
                .map(|yields| yields.get(i).copied())
                .collect()
        };
        let mut first_with: FastMap<Vec<Option<ValueId>>, ValueId> = FastMap::default();
        for (i, &result) in r.results.iter().enumerate() {
            match first_with.entry(column(i)) {
                Entry::Occupied(first) => folded.push((result, *first.get())),
                Entry::Vacant(slot) => {
                    slot.insert(result);
                }
            }
        }
        for (result, cond) in folded {
            self.alias(graph, result, cond);
        }
    }

    /// `id` is the same value as `target`: uses of `id` use `target`, which keeps the
    /// stronger of the two names.
    fn alias(&mut self, graph: &mut Graph, id: ValueId, target: ValueId) {
        self.replace[id] = target;
        if let Some(name) = graph.values[id].name.clone() {
            if !matches!(
                graph.values[target].op,
                Op::Param(_) | Op::Lit(_) | Op::Const(_)
            ) {
                graph.name(target, name.text, name.kind);
            }
        }
        if graph.values[target].adjoint_of.is_none() {
            graph.values[target].adjoint_of = graph.values[id].adjoint_of;
        }
    }
}

/// Folds node `id` in place; returns the node it is equal to, if it is just another node.
fn fold(graph: &mut Graph, id: ValueId, root: BlockId) -> Option<ValueId> {
    // Each rewrite may enable another (`x * -1` → `-x` → `--y` → `y`); a few rounds suffice.
    for _ in 0..4 {
        if let Some(value) = literal_result(graph, id) {
            let node = &mut graph.values[id];
            node.op = Op::Lit(value);
            node.args = Args::default();
            return None;
        }
        let node = &graph.values[id];
        let args = node.args.as_slice();
        let lit = |i: usize| args.get(i).and_then(|&a| graph.lit_value(a));
        let negated = |i: usize| {
            args.get(i).and_then(|&a| match graph.values[a].op {
                Op::Neg => graph.values[a].args.first().copied(),
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
                } else if let Some((x, c)) = scaled_by_literal(graph, args) {
                    // (c1 * x) * c2 → x * (c1·c2) and (-x) * c → x * (-c), where exact: a
                    // constant adjoint joins a rule's constant (`1.0 - 2.0 / u` differentiates
                    // to y² * 0.5, not -(y²) * -0.5)
                    let span = graph.values[id].span;
                    let c = graph.hoisted_lit(root, c, span);
                    (Op::Mul, Args::from([x, c]))
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
        let node = &mut graph.values[id];
        node.op = op;
        node.args = new_args;
    }
    None
}

/// For `a + b`, `a - b`, `a * b` or `a / b` of two literals: the result, where computing it in
/// `f32` and in `f64` gives the same value (`0.5 * 2.0`, `1.0 + 3.0`), so the literal is what
/// the operation gives at run time for either scalar type.
fn literal_result(graph: &Graph, id: ValueId) -> Option<f64> {
    let node = &graph.values[id];
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
fn product_factors(graph: &Graph, id: ValueId) -> Option<[ValueId; 2]> {
    match (&graph.values[id].op, graph.values[id].args.as_slice()) {
        (Op::Mul, &[a, b]) => Some([a, b]),
        _ => None,
    }
}

/// For a product of a literal `c` and `x` (either order): `(c, x)`, left factor first, then
/// right (both, for a product of two literals).
fn literal_scalings(graph: &Graph, id: ValueId) -> impl Iterator<Item = (f64, ValueId)> + '_ {
    product_factors(graph, id)
        .into_iter()
        .flat_map(|[a, b]| [(a, b), (b, a)])
        .filter_map(|(lit, x)| Some((graph.lit_value(lit)?, x)))
}

/// For a product with one negated factor, `(-a) * b` or `a * (-b)`: `[a, b]`, the product
/// without its sign (negation is exact, so `-((-a) * b)` is exactly `a * b`).
fn negated_factor(graph: &Graph, product: ValueId) -> Option<[ValueId; 2]> {
    let [a, b] = product_factors(graph, product)?;
    let inner = |x: ValueId| match graph.values[x].op {
        Op::Neg => graph.values[x].args.first().copied(),
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
fn unit_scaling(graph: &Graph, args: &[ValueId]) -> Option<(ValueId, bool)> {
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
fn unit_scaling_across(graph: &Graph, args: &[ValueId]) -> Option<[ValueId; 2]> {
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

/// For `c2 * (c1 * x)` or `c * (-x)` (any order of each product): `x` and the one literal
/// it is scaled by, where the product of the two literals is exact and scaling by it gives
/// the same value: one of them is a power of two, and the product is a normal number that
/// `f32` computes alike.
fn scaled_by_literal(graph: &Graph, args: &[ValueId]) -> Option<(ValueId, f64)> {
    for (outer, inner) in [(0, 1), (1, 0)] {
        let (Some(c2), Some(&inner)) = (graph.lit_value(*args.get(outer)?), args.get(inner)) else {
            continue;
        };
        if let (Op::Neg, &[x]) = (&graph.values[inner].op, graph.values[inner].args.as_slice()) {
            return Some((x, -c2));
        }
        for (c1, x) in literal_scalings(graph, inner) {
            let product = c1 * c2;
            let narrow = (c1 as f32) * (c2 as f32);
            let exact = (is_power_of_two(c1) || is_power_of_two(c2))
                && product.is_normal()
                && f64::from(narrow) == product
                && f64::from(c1 as f32) == c1
                && f64::from(c2 as f32) == c2;
            if exact {
                return Some((x, product));
            }
        }
    }
    None
}

/// An op and its arguments (at most 4, inline, so a key allocates nothing), compared
/// structurally: a literal by its bits, every NaN alike.
struct Key {
    op: Op,
    args: [ValueId; 4],
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
            state.write_usize(arg.index());
        }
    }
}

/// The key under which a pure node is looked up for reuse; `None` for nodes that are never
/// shared (parameters, calls and their partials, `if` results, constants) and for any node of
/// more than 4 arguments (no op has more than 3).
fn cse_key(graph: &Graph, id: ValueId) -> Option<Key> {
    let node = &graph.values[id];
    let mut args = [ValueId::new(usize::MAX); 4];
    args.get_mut(..node.args.len())?.copy_from_slice(&node.args);
    match node.op {
        Op::Param(_)
        | Op::Call(_)
        | Op::Partial(_)
        | Op::Result(..)
        | Op::Const(_)
        | Op::Carried(..)
        | Op::Saved(..)
        | Op::SavedEnd(..)
        | Op::Store(..)
        | Op::Declare(..)
        | Op::Trace(..) => return None,
        // An element of an input is the same wherever it is read; a local or adjoint element
        // changes.
        Op::Load(place) => {
            let place = &graph.places[place];
            if place.adjoint || !matches!(place.array, ArrayRef::Param(_)) {
                return None;
            }
        }
        // Commutative: `a * b` and `b * a` are the same value.
        Op::Add | Op::Mul => args[..2].sort_unstable(),
        _ => {}
    }
    Some(Key {
        op: node.op.clone(),
        args,
    })
}

type Seen = FastMap<Key, ValueId>;

/// Removes values and region results that neither the value nor the gradient needs.
fn remove_dead_code(program: &mut Program) {
    let graph = &mut program.graph;
    let mut live = IdVec::filled(false, graph.values.len());
    live[program.value] = true;
    for &grad in program.grads.iter().flatten() {
        live[grad] = true;
    }
    let mut carried = FastMap::default();
    for (id, value) in graph.values.iter() {
        if let Op::Carried(region, k) = value.op {
            carried.insert((region, k), id);
        }
    }
    let marker = Marker { graph, carried };
    marker.mark_live(program.root, &mut live);
    sweep(graph, program.root, &live);
}

struct Marker<'g> {
    graph: &'g Graph,
    /// Each loop's carried values, by loop and index.
    carried: FastMap<(RegionId, usize), ValueId>,
}

impl Marker<'_> {
    /// Whether loop `region` keeps its carried variable `k`: its result or its value inside the
    /// loop is used.
    fn keeps(&self, region: RegionId, k: usize, live: &IdVec<ValueId, bool>) -> bool {
        let r = &self.graph.regions[region];
        r.results.get(k).is_some_and(|&result| live[result])
            || self.carried.get(&(region, k)).is_some_and(|&c| live[c])
    }

    /// Marks what the live values of `block` need, walking backwards. Returns whether anything
    /// in the block is live.
    fn mark_live(&self, block: BlockId, live: &mut IdVec<ValueId, bool>) -> bool {
        let graph = self.graph;
        let mut any = false;
        for inst in graph.blocks[block].insts.iter().rev() {
            match *inst {
                Inst::Value(id) => {
                    let value = &graph.values[id];
                    if value.op.has_effect() {
                        live[id] = true;
                    }
                    if live[id] {
                        any = true;
                        for &arg in &value.args {
                            live[arg] = true;
                        }
                        // A saved value needs the forward loop to carry it.
                        if let Op::Saved(region, k) | Op::SavedEnd(region, k) = value.op {
                            if let Some(&c) = self.carried.get(&(region, k)) {
                                live[c] = true;
                            }
                        }
                    }
                }
                Inst::Region(region_id) => {
                    let region = &graph.regions[region_id];
                    let mut needed = false;
                    if let RegionKind::Loop(_) = region.kind {
                        // What an iteration needs can make more of the previous one live.
                        loop {
                            let mut added = false;
                            for k in 0..region.args.len() {
                                if self.keeps(region_id, k, live) {
                                    if let Some(&out) = region.yields[0].get(k) {
                                        added |= !live[out];
                                        live[out] = true;
                                    }
                                }
                            }
                            needed |= self.mark_live(region.bodies[0], live);
                            let pending = (0..region.args.len()).any(|k| {
                                self.keeps(region_id, k, live)
                                    && region.yields[0].get(k).is_some_and(|&out| !live[out])
                            });
                            if !pending && !added {
                                break;
                            }
                        }
                        for k in 0..region.args.len() {
                            if self.keeps(region_id, k, live) {
                                needed = true;
                                live[region.args[k]] = true;
                            }
                        }
                        any |= needed;
                        continue;
                    }
                    for (i, &result) in region.results.iter().enumerate() {
                        if live[result] {
                            needed = true;
                            for yields in &region.yields {
                                if let Some(&value) = yields.get(i) {
                                    live[value] = true;
                                }
                            }
                        }
                    }
                    for &body in &region.bodies {
                        needed |= self.mark_live(body, live);
                    }
                    if needed {
                        any = true;
                        for &arg in &region.args {
                            live[arg] = true;
                        }
                    }
                }
            }
        }
        any
    }
}

fn sweep(graph: &mut Graph, block: BlockId, live: &IdVec<ValueId, bool>) {
    let insts = std::mem::take(&mut graph.blocks[block].insts);
    let mut kept = Vec::new();
    for inst in insts {
        match inst {
            Inst::Value(id) => {
                if live[id] {
                    kept.push(inst);
                }
            }
            Inst::Region(region) => {
                let bodies = graph.regions[region].bodies.clone();
                for &body in &bodies {
                    sweep(graph, body, live);
                }
                match graph.regions[region].kind {
                    RegionKind::If => retain_results(graph, region, live),
                    RegionKind::Loop(_) => retain_carried(graph, region, live),
                }
                let empty = graph.regions[region].results.is_empty()
                    && bodies
                        .iter()
                        .all(|&body| graph.blocks[body].insts.is_empty());
                if !empty {
                    kept.push(inst);
                }
            }
        }
    }
    graph.blocks[block].insts = kept;
}

/// Keeps the carried variables of loop `region` that are used (their value inside the loop
/// or after it), renumbered, with their values on entry and at the end of the body.
fn retain_carried(graph: &mut Graph, region: RegionId, live: &IdVec<ValueId, bool>) {
    let old = graph.regions[region].clone();
    let body = old.bodies[0];
    let mut carried = vec![None; old.args.len()];
    for inst in &graph.blocks[body].insts {
        if let Inst::Value(id) = *inst {
            if let Op::Carried(owner, k) = graph.values[id].op {
                if owner == region && k < carried.len() {
                    carried[k] = Some(id);
                }
            }
        }
    }
    let mut renumber = vec![None; old.args.len()];
    let (mut args, mut results, mut yields) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..old.args.len() {
        let used = live[old.results[k]] || carried[k].is_some_and(|c| live[c]);
        if !used {
            continue;
        }
        let new = args.len();
        renumber[k] = Some(new);
        args.push(old.args[k]);
        graph.values[old.results[k]].op = Op::Result(region, new);
        results.push(old.results[k]);
        yields.push(old.yields[0][k]);
        if let Some(c) = carried[k] {
            graph.values[c].op = Op::Carried(region, new);
        }
    }
    if renumber.iter().enumerate().all(|(k, n)| *n == Some(k)) {
        return;
    }
    // A reverse loop's saved values name the forward loop's carried variables by number.
    for id in graph.values.ids() {
        match graph.values[id].op {
            Op::Saved(owner, k) if owner == region => {
                if let Some(Some(new)) = renumber.get(k) {
                    graph.values[id].op = Op::Saved(region, *new);
                }
            }
            Op::SavedEnd(owner, k) if owner == region => {
                if let Some(Some(new)) = renumber.get(k) {
                    graph.values[id].op = Op::SavedEnd(region, *new);
                }
            }
            _ => {}
        }
    }
    let target = &mut graph.regions[region];
    target.args = args.into();
    target.results = results;
    target.yields = vec![yields];
}

/// Keeps the live results of `region` (and what each body yields for them), renumbered.
fn retain_results(graph: &mut Graph, region: RegionId, live: &IdVec<ValueId, bool>) {
    let old = graph.regions[region].clone();
    let mut results = Vec::new();
    let mut yields = vec![Vec::new(); old.yields.len()];
    for (i, &result) in old.results.iter().enumerate() {
        if live[result] {
            graph.values[result].op = Op::Result(region, results.len());
            results.push(result);
            for (kept, body_yields) in yields.iter_mut().zip(&old.yields) {
                if let Some(&value) = body_yields.get(i) {
                    kept.push(value);
                }
            }
        }
    }
    let target = &mut graph.regions[region];
    target.results = results;
    target.yields = yields;
}
