//! A loop's adjoint sums scaled by a power of two, scaled once after the loop.
//!
//! The adjoint of a square is twice the value: `s += r * r` sends `d_r = r + r` into every sum
//! of the reverse code, `d_w += d_r * x`, one more addition in each iteration. Scaling by a
//! power of two is exact, so `Σ (2r)·x` is `2·Σ r·x` bit for bit (but where a partial sum
//! overflows or turns subnormal): the loop adds `r * x`, and the sum is doubled after it, as a
//! person writes a least-squares gradient. Only for sums the gradient alone reads: the
//! function's value is computed exactly as written.

use crate::carry::use_counts;
use crate::hash::{FastMap, FastSet};
use crate::ir::{ArrayRef, BlockId, Graph, Inst, Op, Program, RegionId, ValueId};
use crate::rules::is_power_of_two;

/// Scales the sums of every loop (see the module's documentation). Returns whether it changed
/// anything (values it replaced are then dead).
pub fn scale_sums(program: &mut Program) -> bool {
    let mut loops = Vec::new();
    program.graph.collect_loops(program.root, &mut loops);
    if loops.is_empty() {
        return false;
    }
    let primal = primal_values(program);
    let mut changed = false;
    for region in loops {
        changed |= scale_loop(program, region, &primal);
    }
    changed
}

/// The values the function's value depends on: through arguments, regions' yields, and the
/// local arrays it reads (every store into one).
fn primal_values(program: &Program) -> FastSet<ValueId> {
    let graph = &program.graph;
    let mut stores: FastMap<ArrayRef, Vec<ValueId>> = FastMap::default();
    for (id, value) in graph.values.iter() {
        if let Op::Store(place, _) = value.op {
            let place = &graph.places[place];
            if !place.adjoint {
                stores.entry(place.array).or_default().push(id);
            }
        }
    }
    let mut seen = FastSet::default();
    let mut pending = vec![program.value];
    while let Some(value) = pending.pop() {
        if !seen.insert(value) {
            continue;
        }
        let node = &graph.values[value];
        pending.extend(node.args.iter().copied());
        match node.op {
            Op::Result(region, k) | Op::Carried(region, k) => {
                let region = &graph.regions[region];
                pending.extend(region.yields.iter().filter_map(|y| y.get(k).copied()));
                pending.extend(region.args.iter().copied());
            }
            Op::Load(place) if !graph.places[place].adjoint => {
                let array = graph.places[place].array;
                pending.extend(stores.get(&array).into_iter().flatten().copied());
            }
            _ => {}
        }
    }
    seen
}

fn scale_loop(program: &mut Program, region: RegionId, primal: &FastSet<ValueId>) -> bool {
    let graph = &program.graph;
    let r = &graph.regions[region];
    let body = r.bodies[0];
    let uses = use_counts(graph, body);
    // `acc += term`, with `acc` zero on entry and read nowhere else in the loop.
    let mut sums = Vec::new();
    for k in 0..r.args.len() {
        let (Some(carried), Some(&next), Some(&result)) = (
            graph.carried(region, k),
            r.yields[0].get(k),
            r.results.get(k),
        ) else {
            continue;
        };
        let node = &graph.values[next];
        let term = match (&node.op, node.args.as_slice()) {
            (Op::Add, &[a, b]) if a == carried => b,
            (Op::Add, &[a, b]) if b == carried => a,
            _ => continue,
        };
        let single = |v: ValueId| uses.get(&v).copied().unwrap_or(0) == 1;
        if graph.lit_value(r.args[k]) == Some(0.0)
            && single(carried)
            && single(next)
            && !primal.contains(&result)
        {
            sums.push((k, next, term, result));
        }
    }
    let mut unscaled: FastMap<ValueId, Option<(f64, ValueId)>> = FastMap::default();
    let mut scaled = Vec::new();
    for (_, next, term, result) in sums {
        let Some((factor, unscaled_term)) = unscale(&mut program.graph, body, term, &mut unscaled)
        else {
            continue;
        };
        for arg in program.graph.values[next].args.iter_mut() {
            if *arg == term {
                *arg = unscaled_term;
            }
        }
        scaled.push((result, factor));
    }
    if scaled.is_empty() {
        return false;
    }
    // After the loop, each sum times its scale.
    let graph = &mut program.graph;
    let span = graph.regions[region].span;
    let scales: Vec<ValueId> = scaled
        .iter()
        .map(|&(_, factor)| graph.hoisted_lit(program.root, factor, span))
        .collect();
    let parent = graph.regions[region].parent;
    let after = graph.blocks[parent]
        .insts
        .iter()
        .position(|inst| matches!(inst, Inst::Region(r) if *r == region))
        .map_or(0, |at| at + 1);
    let mut replace: FastMap<ValueId, ValueId> = FastMap::default();
    let mut products = Vec::new();
    for (&(result, _), &scale) in scaled.iter().zip(&scales) {
        let product = graph.detached(Op::Mul, [result, scale], span);
        products.push(Inst::Value(product));
        replace.insert(result, product);
    }
    graph.blocks[parent].insts.splice(after..after, products);
    let products: FastSet<ValueId> = replace.values().copied().collect();
    let swap = |v: &mut ValueId| {
        if let Some(&p) = replace.get(v) {
            *v = p;
        }
    };
    for id in graph.values.ids() {
        if !products.contains(&id) {
            graph.values[id].args.iter_mut().for_each(swap);
        }
    }
    for id in graph.regions.ids() {
        let r = &mut graph.regions[id];
        r.args.iter_mut().for_each(swap);
        r.yields.iter_mut().flatten().for_each(swap);
    }
    program.grads.iter_mut().flatten().for_each(swap);
    true
}

/// For `term` = `c * x` (or `x + x`, `c` = 2) with `c` a power of two, or a product with such
/// a factor: `c` and the term without it, made next to the original (a new value where the
/// term is a product). Only for values of the loop's body.
fn unscale(
    graph: &mut Graph,
    body: BlockId,
    term: ValueId,
    memo: &mut FastMap<ValueId, Option<(f64, ValueId)>>,
) -> Option<(f64, ValueId)> {
    if let Some(&known) = memo.get(&term) {
        return known;
    }
    let in_body = graph.blocks[body]
        .insts
        .iter()
        .any(|inst| matches!(inst, Inst::Value(v) if *v == term));
    let (op, args, span) = {
        let node = &graph.values[term];
        (node.op.clone(), node.args.to_vec(), node.span)
    };
    let power = |graph: &Graph, v: ValueId| {
        graph
            .lit_value(v)
            .filter(|&c| is_power_of_two(c) && c.abs() != 1.0)
    };
    let found = match (in_body, op, args.as_slice()) {
        (false, ..) => None,
        (true, Op::Add, &[a, b]) if a == b => Some((2.0, a)),
        (true, Op::Mul, &[a, b]) => match (power(graph, a), power(graph, b)) {
            (_, Some(c)) => Some((c, a)),
            (Some(c), None) => Some((c, b)),
            (None, None) => {
                let inner = match unscale(graph, body, a, memo) {
                    Some((c, a)) => Some((c, [a, b])),
                    None => unscale(graph, body, b, memo).map(|(c, b)| (c, [a, b])),
                };
                inner.map(|(c, factors)| {
                    let product = graph.detached(Op::Mul, factors, span);
                    let insts = &mut graph.blocks[body].insts;
                    let at = insts
                        .iter()
                        .position(|inst| matches!(inst, Inst::Value(v) if *v == term))
                        .map_or(insts.len(), |at| at + 1);
                    insts.insert(at, Inst::Value(product));
                    (c, product)
                })
            }
        },
        _ => None,
    };
    memo.insert(term, found);
    found
}
