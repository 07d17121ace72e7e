//! A loop's stores into adjoint arrays, after fusion: written as a person would write them.
//!
//! 1. **Carried to the next iteration.** In a loop that runs upward, `d_x[i + 1] += t` adds to
//!    the element that the next iteration adds to again as `d_x[i]`: a store, and one
//!    iteration later a load of the same element, a chain through memory. The term is carried
//!    instead in a variable, `d_x_next`, added to the next iteration's `d_x[i] += ..`; the
//!    last iteration's goes into the array after the loop, if the loop ran. (Downward, the
//!    same with `d_x[i - 1]`.) Only where nothing in the loop reads the array and every store
//!    into it adds, so the order of the additions does not matter.
//! 2. **Written once.** When such a store (carried or not) is then the loop's only store into
//!    an adjoint array that is still zero (nothing touched it since it was zeroed), each
//!    iteration writes its own element once: `d_x[i] = ..`, no load.
//! 3. **Not zeroed.** When those stores write every element of a parameter's adjoint array
//!    (`0..x.len() - 1` and the carried last element), `_grad_into` need not zero it first
//!    (`Program::assigned`).
//!
//! Each keeps the gradient as it was but for the order in which terms are added.

use std::rc::Rc;

use crate::ast::IndexExpr;
use crate::bounds::{length_form, offset, param_name, shifted, Linear};
use crate::hash::FastMap;
use crate::ir::{
    ArrayRef, BlockId, Graph, Inst, NameKind, Op, PlaceId, Program, RegionId, RegionKind, ValueId,
};

/// Rewrites the adjoint stores of every loop of `program` (see the module's documentation).
/// Returns whether it carried any store (the sums it replaced are then dead).
pub fn carry_stores(program: &mut Program) -> bool {
    let mut loops = Vec::new();
    program.graph.collect_loops(program.root, &mut loops);
    let mut flushes = Vec::new();
    for &region in &loops {
        while let Some(pair) = find_pair(&program.graph, region) {
            let flush = carry(program, region, pair);
            flushes.push((region, pair.array, flush));
        }
    }
    for &region in &loops {
        write_once(program, region, &flushes);
    }
    !flushes.is_empty()
}

/// Two top-level `+=` stores of a loop into one adjoint array: at `i + offset` and at the
/// element the next iteration's store at `i + offset` adds to.
#[derive(Clone, Copy)]
struct Pair {
    array: ArrayRef,
    offset: i64,
}

/// The loop's direction: 1 upward, -1 downward.
fn step(graph: &Graph, region: RegionId) -> i64 {
    match graph.header(region) {
        Some(header) if header.reversed => -1,
        _ => 1,
    }
}

/// The offset of a store's place from the loop's variable, for a store into a one-dimensional
/// adjoint array.
fn store_offset(graph: &Graph, place: PlaceId, var: &str) -> Option<i64> {
    let place = &graph.places[place];
    match place.index.as_slice() {
        [index] if place.adjoint => offset(index, var),
        _ => None,
    }
}

/// What a loop's body does with one adjoint array.
#[derive(Default)]
struct Uses {
    /// Top-level `+=` stores: each with its offset, if it has one.
    top: Vec<(ValueId, Option<i64>)>,
    /// Stores inside regions of the body.
    nested: usize,
    /// Loads, `=` stores, or a declaration in the body (a new array each iteration).
    other: bool,
}

fn uses(graph: &Graph, region: RegionId, array: ArrayRef) -> Uses {
    let body = graph.regions[region].bodies[0];
    let var = graph
        .header(region)
        .map(|h| h.var.to_string())
        .unwrap_or_default();
    let mut uses = Uses::default();
    for inst in &graph.blocks[body].insts {
        match *inst {
            Inst::Value(id) => match graph.values[id].op {
                Op::Store(place, true) if is_adjoint_of(graph, place, array) => {
                    uses.top.push((id, store_offset(graph, place, &var)));
                }
                _ => note_other(graph, id, array, &mut uses),
            },
            Inst::Region(inner) => {
                for &b in &graph.regions[inner].bodies {
                    visit(graph, b, &mut |id| match graph.values[id].op {
                        Op::Store(place, true) if is_adjoint_of(graph, place, array) => {
                            uses.nested += 1;
                        }
                        _ => note_other(graph, id, array, &mut uses),
                    });
                }
            }
        }
    }
    uses
}

fn note_other(graph: &Graph, id: ValueId, array: ArrayRef, uses: &mut Uses) {
    match graph.values[id].op {
        Op::Store(place, _) | Op::Load(place) if is_adjoint_of(graph, place, array) => {
            uses.other = true;
        }
        Op::Declare(local, _) if array == ArrayRef::Local(local) => uses.other = true,
        _ => {}
    }
}

fn is_adjoint_of(graph: &Graph, place: PlaceId, array: ArrayRef) -> bool {
    let place = &graph.places[place];
    place.adjoint && place.array == array
}

/// Calls `f` on every value of `block` and of the regions inside it.
fn visit(graph: &Graph, block: BlockId, f: &mut impl FnMut(ValueId)) {
    for inst in &graph.blocks[block].insts {
        match *inst {
            Inst::Value(id) => f(id),
            Inst::Region(region) => {
                for &body in &graph.regions[region].bodies {
                    visit(graph, body, f);
                }
            }
        }
    }
}

/// The adjoint arrays a loop's body stores into at its top level.
fn stored_arrays(graph: &Graph, region: RegionId) -> Vec<ArrayRef> {
    let body = graph.regions[region].bodies[0];
    let mut arrays = Vec::new();
    for inst in &graph.blocks[body].insts {
        if let Inst::Value(id) = *inst {
            if let Op::Store(place, _) = graph.values[id].op {
                let place = &graph.places[place];
                if place.adjoint && !arrays.contains(&place.array) {
                    arrays.push(place.array);
                }
            }
        }
    }
    arrays
}

/// A pair of stores to carry: the one farthest along the loop's direction first, so that
/// `d_x[i + 2]`, `d_x[i + 1]`, `d_x[i]` become two carried variables in turn.
fn find_pair(graph: &Graph, region: RegionId) -> Option<Pair> {
    let step = step(graph, region);
    for array in stored_arrays(graph, region) {
        let uses = uses(graph, region, array);
        if uses.other {
            continue;
        }
        let mut offsets: Vec<i64> = uses.top.iter().filter_map(|&(_, o)| o).collect();
        offsets.sort_unstable_by_key(|&o| std::cmp::Reverse(o * step));
        offsets.dedup();
        let found = offsets
            .iter()
            .find(|&&ahead| offsets.contains(&(ahead - step)));
        if let Some(&ahead) = found {
            return Some(Pair {
                array,
                offset: ahead - step,
            });
        }
    }
    None
}

/// The name of an array (`x`, `h`).
fn array_name(graph: &Graph, array: ArrayRef) -> Option<Rc<str>> {
    match array {
        ArrayRef::Param(i) => param_name(graph, i),
        ArrayRef::Local(local) => Some(Rc::from(graph.locals[local].name.to_string())),
    }
}

/// Carries `pair`'s farther store to the next iteration (see the module's documentation).
/// Returns the store after the loop, the last iteration's.
fn carry(program: &mut Program, region: RegionId, pair: Pair) -> ValueId {
    let root = program.root;
    let graph = &mut program.graph;
    let step = step(graph, region);
    let body = graph.regions[region].bodies[0];
    let span = graph.regions[region].span;
    let uses = uses(graph, region, pair.array);
    let at = |o: i64| -> Vec<ValueId> {
        uses.top
            .iter()
            .filter(|&&(_, offset)| offset == Some(o))
            .map(|&(id, _)| id)
            .collect()
    };
    let (ahead, here) = (at(pair.offset + step), at(pair.offset));

    // The carried variable: zero on entry, then what this iteration adds one element ahead.
    let k = graph.regions[region].args.len();
    let zero = graph.hoisted_lit(root, 0.0, span);
    let carried = graph.detached(Op::Carried(region, k), [], span);
    let first_other = graph.blocks[body]
        .insts
        .iter()
        .take_while(
            |inst| matches!(inst, Inst::Value(v) if matches!(graph.values[*v].op, Op::Carried(..))),
        )
        .count();
    graph.blocks[body]
        .insts
        .insert(first_other, Inst::Value(carried));
    let mut next = None;
    for &store in &ahead {
        let value = graph.values[store].args[0];
        let position = position_in(graph, body, store);
        let sum = match next {
            None => value,
            Some(total) => {
                let sum = graph.detached(Op::Add, [total, value], span);
                graph.blocks[body].insts.insert(position, Inst::Value(sum));
                sum
            }
        };
        next = Some(sum);
        graph.blocks[body]
            .insts
            .retain(|inst| !matches!(inst, Inst::Value(v) if *v == store));
    }
    let next = next.unwrap_or(zero);
    // This iteration's element takes what the last iteration carried.
    if let Some(&store) = here.first() {
        let value = graph.values[store].args[0];
        let position = position_in(graph, body, store);
        let sum = carried_first(graph, body, position, carried, value);
        graph.values[store].args[0] = sum;
    }
    graph.regions[region].args = {
        let mut args = graph.regions[region].args.to_vec();
        args.push(zero);
        args.into()
    };
    let result = graph.add_result(region, &[next]);
    if let Some(name) = array_name(graph, pair.array) {
        let name = format!("d_{}_next", name.trim_start_matches("r#"));
        graph.name(result, name, NameKind::Adjoint);
    }

    // After the loop, if it ran: the element one past the last iteration's.
    let header = graph.header(region).cloned();
    let last_index = match header {
        Some(h) if h.reversed => shifted(&h.start, pair.offset + step),
        Some(h) if h.inclusive => shifted(&h.end, pair.offset + step),
        Some(h) => shifted(&h.end, pair.offset + step - 1),
        None => IndexExpr::Lit { value: 0, span },
    };
    let place = graph.place(pair.array, &[last_index], true);
    let parent = graph.regions[region].parent;
    let ran = graph.detached(Op::Nonempty(region), [], span);
    let guard = graph.push_if(parent, ran, span);
    let then_arm = graph.regions[guard].bodies[0];
    let flush = graph.push(then_arm, Op::Store(place, true), [result], span);
    let insts = &mut graph.blocks[parent].insts;
    insts.retain(|inst| !matches!(inst, Inst::Region(r) if *r == guard));
    let after = insts
        .iter()
        .position(|inst| matches!(inst, Inst::Region(r) if *r == region))
        .map_or(insts.len(), |i| i + 1);
    insts.insert(after, Inst::Region(guard));
    insts.insert(after, Inst::Value(ran));
    flush
}

/// `carried + value`, written `d_x_next - a - b` where `value` is `-a - b` or `(-a) * c - b`:
/// the carried term first, then each term of `value`'s sum (through the sums used only
/// there), subtracted where it is negated. New values go before `position` in `body`; what
/// they replace is left for dead-code removal. (The order of an adjoint's terms is free; its
/// sign costs an instruction.)
fn carried_first(
    graph: &mut Graph,
    body: BlockId,
    mut position: usize,
    carried: ValueId,
    value: ValueId,
) -> ValueId {
    let uses = use_counts(graph, body);
    let mut terms = Vec::new();
    signed_terms(graph, &uses, value, true, &mut terms);
    let span = graph.values[value].span;
    let mut products: FastMap<[ValueId; 2], ValueId> = FastMap::default();
    let mut total = carried;
    for (positive, term) in terms {
        // (-a) * b, a * (-b): subtract a * b
        let unsigned = match (&graph.values[term].op, graph.values[term].args.as_slice()) {
            (Op::Neg, &[x]) => Some(x),
            (Op::Mul, &[a, b]) => {
                let inner =
                    |x: ValueId| match (&graph.values[x].op, graph.values[x].args.as_slice()) {
                        (Op::Neg, &[y]) => Some(y),
                        _ => None,
                    };
                let factors = match (inner(a), inner(b)) {
                    (Some(a), None) => Some([a, b]),
                    (None, Some(b)) => Some([a, b]),
                    _ => None,
                };
                factors.map(|factors| {
                    product(graph, &mut products, factors, body, &mut position, span)
                })
            }
            _ => None,
        };
        let (positive, term) = match unsigned {
            Some(x) => (!positive, x),
            None => (positive, term),
        };
        let op = if positive { Op::Add } else { Op::Sub };
        total = graph.detached(op, [total, term], span);
        graph.blocks[body]
            .insts
            .insert(position, Inst::Value(total));
        position += 1;
    }
    total
}

/// How often each value is read in `block` (and the regions inside it), and by the region
/// that `block` is a body of.
pub fn use_counts(graph: &Graph, block: BlockId) -> FastMap<ValueId, usize> {
    let mut uses: FastMap<ValueId, usize> = FastMap::default();
    let mut count = |ids: &[ValueId]| {
        for &id in ids {
            *uses.entry(id).or_default() += 1;
        }
    };
    fn walk(graph: &Graph, block: BlockId, count: &mut impl FnMut(&[ValueId])) {
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => count(&graph.values[id].args),
                Inst::Region(region) => {
                    let r = &graph.regions[region];
                    count(&r.args);
                    for yields in &r.yields {
                        count(yields);
                    }
                    for &body in &r.bodies {
                        walk(graph, body, count);
                    }
                }
            }
        }
    }
    walk(graph, block, &mut count);
    if let Some(owner) = graph.blocks[block].owner {
        for yields in &graph.regions[owner].yields {
            count(yields);
        }
    }
    uses
}

/// The terms of a sum, each with its sign, through the sums that nothing else reads.
fn signed_terms(
    graph: &Graph,
    uses: &FastMap<ValueId, usize>,
    value: ValueId,
    positive: bool,
    terms: &mut Vec<(bool, ValueId)>,
) {
    let node = &graph.values[value];
    let inner = |v: ValueId| uses.get(&v).copied().unwrap_or(0) <= 1;
    match (&node.op, node.args.as_slice()) {
        (Op::Add, &[a, b]) if inner(value) => {
            signed_terms(graph, uses, a, positive, terms);
            signed_terms(graph, uses, b, positive, terms);
        }
        (Op::Sub, &[a, b]) if inner(value) => {
            signed_terms(graph, uses, a, positive, terms);
            signed_terms(graph, uses, b, !positive, terms);
        }
        _ => terms.push((positive, value)),
    }
}

/// `a * b`, made once (before `position`, which moves past it).
fn product(
    graph: &mut Graph,
    products: &mut FastMap<[ValueId; 2], ValueId>,
    factors: [ValueId; 2],
    body: BlockId,
    position: &mut usize,
    span: proc_macro2::Span,
) -> ValueId {
    if let Some(&p) = products.get(&factors) {
        return p;
    }
    let p = graph.detached(Op::Mul, factors, span);
    graph.blocks[body].insts.insert(*position, Inst::Value(p));
    *position += 1;
    products.insert(factors, p);
    p
}

fn position_in(graph: &Graph, block: BlockId, value: ValueId) -> usize {
    graph.blocks[block]
        .insts
        .iter()
        .position(|inst| matches!(inst, Inst::Value(v) if *v == value))
        .unwrap_or(graph.blocks[block].insts.len())
}

/// Makes a loop's one store into a zeroed adjoint array (and the stores of its carried
/// elements after the loop) `=`, and records parameters whose adjoint arrays they fill.
fn write_once(program: &mut Program, region: RegionId, flushes: &[(RegionId, ArrayRef, ValueId)]) {
    let graph = &program.graph;
    let Some(header) = graph.header(region).cloned() else {
        return;
    };
    let parent = graph.regions[region].parent;
    for array in stored_arrays(graph, region) {
        let graph = &program.graph;
        let uses = uses(graph, region, array);
        let [(store, Some(offset))] = uses.top[..] else {
            continue;
        };
        if uses.other || uses.nested > 0 || !zero_before(graph, program.root, parent, region, array)
        {
            continue;
        }
        let carried: Vec<ValueId> = flushes
            .iter()
            .filter(|&&(r, a, _)| r == region && a == array)
            .map(|&(_, _, flush)| flush)
            .collect();
        let graph = &mut program.graph;
        set_assign(graph, store);
        for &flush in &carried {
            set_assign(graph, flush);
        }
        // Does it write every element? Then `_grad_into` need not zero the array.
        let ArrayRef::Param(p) = array else { continue };
        if parent != program.root || carried.len() > 1 || (header.reversed && !carried.is_empty()) {
            continue;
        }
        let Some(name) = param_name(graph, p) else {
            continue;
        };
        if graph
            .locals
            .iter()
            .any(|(_, l)| *l.name.to_string() == *name)
        {
            continue;
        }
        let end = Linear::of(&header.end).shifted(i64::from(header.inclusive));
        let start = Linear::of(&header.start);
        let from_zero = start.shifted(offset) == Linear::default();
        let covers = match carried.as_slice() {
            [] => from_zero && end.shifted(offset) == length_form(&name),
            // The carried last element is one past the range: written only if the loop ran,
            // unless the store after the loop runs always. It can when it stores at the
            // loop's end, `x.len() - 1`: in bounds unless `x` is empty, and then the loop
            // runs (its end wraps around) and reads `x[0]`, as the forward function does.
            [flush] => {
                let fits = from_zero && offset == 0 && end.shifted(1) == length_form(&name);
                if fits {
                    unguard(graph, parent, *flush);
                }
                fits
            }
            _ => false,
        };
        if covers && !program.assigned.contains(&p) {
            program.assigned.push(p);
        }
    }
}

fn set_assign(graph: &mut Graph, store: ValueId) {
    if let Op::Store(place, _) = graph.values[store].op {
        graph.values[store].op = Op::Store(place, false);
    }
}

/// Whether adjoint array `array` is still zero where loop `region` (in `block`) starts:
/// declared in `block` (or a parameter's, zeroed on entry, with `block` the function's body),
/// and not touched between there and the loop.
fn zero_before(
    graph: &Graph,
    root: BlockId,
    block: BlockId,
    region: RegionId,
    array: ArrayRef,
) -> bool {
    let insts = &graph.blocks[block].insts;
    let Some(end) = insts
        .iter()
        .position(|inst| matches!(inst, Inst::Region(r) if *r == region))
    else {
        return false;
    };
    let start = match array {
        ArrayRef::Param(_) if block == root => 0,
        ArrayRef::Param(_) => return false,
        ArrayRef::Local(local) => {
            let declared = insts[..end].iter().rposition(|inst| {
                matches!(inst, Inst::Value(v) if graph.values[*v].op == Op::Declare(local, true))
            });
            match declared {
                Some(at) => at + 1,
                None => return false,
            }
        }
    };
    let mut touched = false;
    for inst in &insts[start..end] {
        let mut note = |id: ValueId| {
            if let Op::Store(place, _) | Op::Load(place) = graph.values[id].op {
                touched |= is_adjoint_of(graph, place, array);
            }
        };
        match *inst {
            Inst::Value(id) => note(id),
            Inst::Region(inner) => {
                for &body in &graph.regions[inner].bodies {
                    visit(graph, body, &mut note);
                }
            }
        }
    }
    !touched
}

/// Moves the store after a loop out of its `if` (the `if` is left empty and removed).
fn unguard(graph: &mut Graph, block: BlockId, flush: ValueId) {
    let guard = graph.regions.iter().find_map(|(id, r)| {
        (r.parent == block
            && matches!(r.kind, RegionKind::If)
            && graph.blocks[r.bodies[0]]
                .insts
                .iter()
                .any(|inst| matches!(inst, Inst::Value(v) if *v == flush)))
        .then_some(id)
    });
    let Some(guard) = guard else { return };
    let cond = graph.regions[guard].cond();
    let then_arm = graph.regions[guard].bodies[0];
    graph.blocks[then_arm].insts.clear();
    let insts = &mut graph.blocks[block].insts;
    let Some(at) = insts
        .iter()
        .position(|inst| matches!(inst, Inst::Region(r) if *r == guard))
    else {
        return;
    };
    insts[at] = Inst::Value(flush);
    insts.retain(|inst| !matches!(inst, Inst::Value(v) if *v == cond));
}
