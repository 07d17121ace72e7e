//! Loop fusion: a reverse loop whose work does not depend on the order of its iterations runs
//! inside its forward loop, so each element is read once and the loop runs once.
//!
//! After `simplify`, the adjoint of a sum the forward loop carries (`s += ..`) is the same in
//! every iteration and has been replaced by its value on entry; a reverse loop that then
//! carries only sums of its own (`d_w += ..`), reads no saved values and no adjoint array of a
//! local (which the reverse code of what follows the loop fills), and needs nothing the code
//! after the forward loop computes, gives the same gradient when its iterations run forwards,
//! each right after the forward iteration it reverses (up to the order in which sums are added).
//! Its body is then appended to the forward loop's body, and `simplify`, run again, merges the
//! values it computed again with the forward ones.

use crate::hash::{FastMap, FastSet};
use crate::ir::{BlockId, Graph, Inst, Op, Program, RegionId, ValueId};

/// Fuses every reverse loop that can run inside its forward loop. Returns whether any did.
pub fn fuse_loops(program: &mut Program) -> bool {
    let graph = &mut program.graph;
    let mut fused = false;
    let blocks: Vec<BlockId> = graph.blocks.ids().collect();
    for block in blocks {
        while let Some(candidate) = find_candidate(graph, block) {
            fuse(graph, block, candidate);
            fused = true;
        }
    }
    fused
}

/// A reverse loop to fuse into its forward loop, and the values between the two that move
/// before the forward loop because the reverse body reads them.
struct Candidate {
    forward: RegionId,
    reverse: RegionId,
    hoist: Vec<ValueId>,
}

fn find_candidate(graph: &Graph, block: BlockId) -> Option<Candidate> {
    let insts = &graph.blocks[block].insts;
    for (at, inst) in insts.iter().enumerate() {
        let Inst::Region(reverse) = *inst else {
            continue;
        };
        let Some(header) = graph.header(reverse) else {
            continue;
        };
        let (true, Some(forward)) = (header.reversed, header.forward) else {
            continue;
        };
        let Some(forward_at) = insts
            .iter()
            .position(|inst| matches!(inst, Inst::Region(r) if *r == forward))
        else {
            continue;
        };
        if forward_at >= at || !only_sums(graph, reverse) {
            continue;
        }
        if let Some(hoist) = hoistable(graph, block, forward_at, at, reverse) {
            return Some(Candidate {
                forward,
                reverse,
                hoist,
            });
        }
    }
    None
}

/// Whether each carried variable of `reverse` is a sum that only adds to itself, and its body
/// reads no saved value and no adjoint array.
fn only_sums(graph: &Graph, reverse: RegionId) -> bool {
    let region = &graph.regions[reverse];
    let body = region.bodies[0];
    let mut uses: FastMap<ValueId, usize> = FastMap::default();
    let mut clean = true;
    visit(graph, body, &mut |inst| match *inst {
        Inst::Value(id) => {
            let value = &graph.values[id];
            match value.op {
                Op::Saved(..) | Op::SavedEnd(..) => clean = false,
                Op::Load(place) if graph.places[place].adjoint => clean = false,
                _ => {}
            }
            for &arg in &value.args {
                *uses.entry(arg).or_default() += 1;
            }
        }
        Inst::Region(inner) => {
            let inner = &graph.regions[inner];
            for &arg in inner.args.iter().chain(inner.yields.iter().flatten()) {
                *uses.entry(arg).or_default() += 1;
            }
        }
    });
    if !clean {
        return false;
    }
    for &value in &region.yields[0] {
        *uses.entry(value).or_default() += 1;
    }
    graph.blocks[body].insts.iter().all(|inst| match *inst {
        Inst::Value(id) => match graph.values[id].op {
            Op::Carried(_, k) => {
                let Some(&out) = region.yields[0].get(k) else {
                    return false;
                };
                let out_value = &graph.values[out];
                uses.get(&id) == Some(&1)
                    && out_value.op == Op::Add
                    && out_value.args.contains(&id)
                    && uses.get(&out) == Some(&1)
            }
            _ => true,
        },
        Inst::Region(_) => true,
    })
}

/// Calls `f` on every instruction of `block` and of the regions inside it.
fn visit(graph: &Graph, block: BlockId, f: &mut impl FnMut(&Inst)) {
    for inst in &graph.blocks[block].insts {
        f(inst);
        if let Inst::Region(region) = *inst {
            for &body in &graph.regions[region].bodies {
                visit(graph, body, f);
            }
        }
    }
}

/// The values of `block` between the forward loop (at `from`) and the reverse loop (at `to`)
/// that the reverse loop reads, in order, when each can move before the forward loop; `None`
/// when one cannot (it needs the forward loop's results, say).
fn hoistable(
    graph: &Graph,
    block: BlockId,
    from: usize,
    to: usize,
    reverse: RegionId,
) -> Option<Vec<ValueId>> {
    let insts = &graph.blocks[block].insts;
    let between: FastMap<ValueId, usize> = insts[from..to]
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| match *inst {
            Inst::Value(id) => Some((id, i)),
            Inst::Region(_) => None,
        })
        .collect();
    // What the reverse loop reads from outside it.
    let region = &graph.regions[reverse];
    let mut inside: FastSet<ValueId> = FastSet::default();
    let mut read: Vec<ValueId> = region.args.to_vec();
    visit(graph, region.bodies[0], &mut |inst| match *inst {
        Inst::Value(id) => {
            inside.insert(id);
            read.extend(graph.values[id].args.iter().copied());
        }
        Inst::Region(inner) => {
            let inner = &graph.regions[inner];
            inside.extend(inner.results.iter().copied());
            read.extend(
                inner
                    .args
                    .iter()
                    .chain(inner.yields.iter().flatten())
                    .copied(),
            );
        }
    });
    read.extend(region.yields[0].iter().copied());
    // Results of regions between the loops (the forward loop's among them) cannot move.
    let mut results: FastSet<ValueId> = FastSet::default();
    for inst in &insts[from..to] {
        if let Inst::Region(r) = *inst {
            results.extend(graph.regions[r].results.iter().copied());
        }
    }
    let mut hoist: FastSet<ValueId> = FastSet::default();
    let mut pending: Vec<ValueId> = read.into_iter().filter(|v| !inside.contains(v)).collect();
    while let Some(value) = pending.pop() {
        if results.contains(&value) {
            return None;
        }
        if !between.contains_key(&value) || hoist.contains(&value) {
            continue;
        }
        let node = &graph.values[value];
        let movable = match node.op {
            Op::Load(place) => {
                let place = &graph.places[place];
                !place.adjoint && matches!(place.array, crate::ir::ArrayRef::Param(_))
            }
            Op::Store(..)
            | Op::Declare(..)
            | Op::Trace(..)
            | Op::Call(_)
            | Op::Partial(_)
            | Op::Carried(..)
            | Op::Saved(..)
            | Op::SavedEnd(..)
            | Op::Result(..) => false,
            _ => true,
        };
        if !movable {
            return None;
        }
        hoist.insert(value);
        pending.extend(node.args.iter().copied());
    }
    let mut ordered: Vec<ValueId> = hoist.into_iter().collect();
    ordered.sort_by_key(|v| between.get(v).copied().unwrap_or(0));
    Some(ordered)
}

fn fuse(graph: &mut Graph, block: BlockId, candidate: Candidate) {
    let Candidate {
        forward,
        reverse,
        hoist,
    } = candidate;
    // The values the reverse loop reads move before the forward loop.
    let insts = &mut graph.blocks[block].insts;
    insts.retain(|inst| !matches!(inst, Inst::Value(v) if hoist.contains(v)));
    let at = insts
        .iter()
        .position(|inst| matches!(inst, Inst::Region(r) if *r == forward))
        .unwrap_or(0);
    for (i, &value) in hoist.iter().enumerate() {
        insts.insert(at + i, Inst::Value(value));
    }
    insts.retain(|inst| !matches!(inst, Inst::Region(r) if *r == reverse));

    let reverse_region = graph.regions[reverse].clone();
    let forward_body = graph.regions[forward].bodies[0];
    let reverse_body = reverse_region.bodies[0];
    let carried = graph.regions[forward].args.len();
    let mut carried_values = Vec::new();
    let mut rest = Vec::new();
    let mut declared = Vec::new();
    for inst in std::mem::take(&mut graph.blocks[reverse_body].insts) {
        match inst {
            Inst::Value(id) => match graph.values[id].op {
                Op::Carried(_, k) => {
                    graph.values[id].op = Op::Carried(forward, carried + k);
                    carried_values.push(inst);
                }
                // The body computed again stores what the forward body just stored.
                Op::Store(place, _) if !graph.places[place].adjoint => {}
                Op::Declare(local, _) => declared.push(local),
                _ => rest.push(inst),
            },
            Inst::Region(inner) => {
                graph.regions[inner].parent = forward_body;
                rest.push(inst);
            }
        }
    }
    // The forward body's declarations of local arrays declare their adjoint arrays too.
    for inst in graph.blocks[forward_body].insts.clone() {
        if let Inst::Value(id) = inst {
            if let Op::Declare(local, _) = graph.values[id].op {
                if declared.contains(&local) {
                    graph.values[id].op = Op::Declare(local, true);
                }
            }
        }
    }
    let body = &mut graph.blocks[forward_body].insts;
    let first_other = body
        .iter()
        .take_while(
            |inst| matches!(inst, Inst::Value(v) if matches!(graph.values[*v].op, Op::Carried(..))),
        )
        .count();
    for (i, inst) in carried_values.into_iter().enumerate() {
        body.insert(first_other + i, inst);
    }
    body.extend(rest);
    let mut args = graph.regions[forward].args.to_vec();
    args.extend(reverse_region.args.iter().copied());
    let target = &mut graph.regions[forward];
    target.args = args.into();
    target.yields[0].extend(reverse_region.yields[0].iter().copied());
    for (k, &result) in reverse_region.results.iter().enumerate() {
        target.results.push(result);
        graph.values[result].op = Op::Result(forward, carried + k);
    }
}
