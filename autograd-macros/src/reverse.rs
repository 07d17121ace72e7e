//! IR → adjoint IR: the reverse pass.
//!
//! Walks the function backwards and accumulates each value's adjoint as a list of terms. Every
//! use of a value comes after it, so when the walk reaches a value all its terms are known:
//! its adjoint is one sum, bound once, and then its rule (from `rules.rs`) sends terms on to
//! its arguments. The walk is one match over instructions; a region is reversed by its kind's
//! one arm (an `if` by an `if` on the same condition: each arm walks its own code backwards,
//! and what it sends to values outside the arm leaves as a result of the reverse `if`). Only
//! active values (those that depend on a differentiated parameter) get adjoints.
//!
//! The reverse code reads forward values where it needs them, which may be inside an arm it is
//! not in; `export_residuals` then carries each such value out of its arm as one more result
//! of the forward region, so that every use sees its value.

use std::collections::BTreeMap;

use crate::errors::Errors;
use crate::hash::FastMap;
use crate::ir::{
    internal, ArrayRef, BlockId, Builder, Graph, IdVec, Inst, LocalId, LoopHeader, NameKind, Op,
    PlaceId, Program, RegionId, RegionKind, Type, ValueId,
};
use crate::lower::Lowered;
use crate::rules;

/// Adjoint terms waiting for their value's definition, by value.
#[derive(Default)]
struct Terms(FastMap<ValueId, Vec<ValueId>>);

impl Terms {
    fn push(&mut self, to: ValueId, term: ValueId) {
        self.0.entry(to).or_default().push(term);
    }

    /// The terms of `value`, taken out.
    fn take(&mut self, value: ValueId) -> Option<Vec<ValueId>> {
        self.0.remove(&value).filter(|terms| !terms.is_empty())
    }

    /// The values with terms, in id order.
    fn values(&self) -> Vec<ValueId> {
        let mut values: Vec<ValueId> = self.0.keys().copied().collect();
        values.sort_unstable();
        values
    }
}

/// `wrt[i]`: whether parameter i is differentiated; `arrays[i]`: whether it is an array, whose
/// gradient the reverse code stores element by element into `d_` + its name.
pub fn differentiate(lowered: Lowered, wrt: &[bool], arrays: &[bool]) -> syn::Result<Program> {
    differentiate_traced(lowered, wrt, arrays, FastMap::default())
}

/// `differentiate`, with an `Op::Trace` after each adjoint of a value in `trace` (a value's
/// node of the graph, see `graph.rs`), for `f_trace`.
pub fn differentiate_traced(
    lowered: Lowered,
    wrt: &[bool],
    arrays: &[bool],
    trace: FastMap<ValueId, usize>,
) -> syn::Result<Program> {
    let Lowered {
        mut graph,
        root,
        params,
        result,
    } = lowered;
    let scalar_wrt: Vec<bool> = wrt
        .iter()
        .zip(arrays)
        .map(|(&wrt, &array)| wrt && !array)
        .collect();
    let active = activity(&graph, root, &scalar_wrt, wrt);
    // Local arrays declared in the function's body keep their adjoint array there too.
    for inst in graph.blocks[root].insts.clone() {
        if let Inst::Value(id) = inst {
            if let Op::Declare(local, _) = graph.values[id].op {
                graph.values[id].op = Op::Declare(local, true);
            }
        }
    }
    let local_stores = local_stores(&graph, root);
    let mut reverse = Reverse {
        graph: &mut graph,
        local_stores,
        active,
        param_adjoints: BTreeMap::new(),
        errors: Errors::default(),
        scratch: String::new(),
        trace,
    };
    let mut terms = Terms::default();
    if reverse.is_active(result) {
        let span = reverse.graph.values[result].span;
        let one = reverse.graph.push(root, Op::Lit(1.0), [], span);
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
            if !scalar_wrt.get(i).copied().unwrap_or(false) {
                return None;
            }
            Some(param_adjoints.get(&param).copied().unwrap_or_else(|| {
                let span = graph.values[param].span;
                graph.push(root, Op::Lit(0.0), [], span)
            }))
        })
        .collect();
    let mut program = Program {
        graph,
        root,
        value: result,
        grads,
        assigned: Vec::new(),
    };
    export_residuals(&mut program)?;
    Ok(program)
}

/// Which values depend on a differentiated parameter: `scalars[i]` says whether parameter i
/// is a differentiated number, `wrt[i]` whether it is differentiated at all (an array's
/// elements are then active). A local array is active once an active value is stored in it;
/// a loop's carried variable once its value on entry or at the end of the body is. Both can
/// make values before them active, so the marking runs until nothing changes.
fn activity(graph: &Graph, root: BlockId, scalars: &[bool], wrt: &[bool]) -> Activity {
    let mut activity = Activity {
        values: IdVec::filled(false, graph.values.len()),
        locals: IdVec::filled(false, graph.locals.len()),
        changed: true,
    };
    while activity.changed {
        activity.changed = false;
        activity.mark(graph, root, scalars, wrt);
    }
    activity
}

struct Activity {
    values: IdVec<ValueId, bool>,
    locals: IdVec<LocalId, bool>,
    changed: bool,
}

impl Activity {
    fn set(&mut self, id: ValueId, active: bool) {
        if active && !self.values[id] {
            self.values[id] = true;
            self.changed = true;
        }
    }

    fn mark(&mut self, graph: &Graph, block: BlockId, scalars: &[bool], wrt: &[bool]) {
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => {
                    let value = &graph.values[id];
                    let active = match value.op {
                        Op::Param(i) => scalars.get(i).copied().unwrap_or(false),
                        Op::Lit(_) | Op::Const(_) | Op::Partial(_) | Op::Count(_) => false,
                        Op::Load(place) => match graph.places[place].array {
                            ArrayRef::Param(i) => wrt.get(i).copied().unwrap_or(false),
                            ArrayRef::Local(local) => self.locals[local],
                        },
                        Op::Store(place, _) => {
                            let stored = value.args.iter().any(|&arg| self.values[arg]);
                            if let ArrayRef::Local(local) = graph.places[place].array {
                                if stored && !self.locals[local] {
                                    self.locals[local] = true;
                                    self.changed = true;
                                }
                            }
                            false
                        }
                        // Set by the loop, below.
                        Op::Carried(..) => self.values[id],
                        _ if value.ty != Type::Real => false,
                        _ => value.args.iter().any(|&arg| self.values[arg]),
                    };
                    self.set(id, active);
                }
                Inst::Region(region_id) => {
                    let region = &graph.regions[region_id];
                    if let RegionKind::Loop(_) = region.kind {
                        for (k, &init) in region.args.iter().enumerate() {
                            if let Some(carried) = graph.carried(region_id, k) {
                                self.set(carried, self.values[init]);
                            }
                        }
                        self.mark(graph, region.bodies[0], scalars, wrt);
                        for (k, &out) in region.yields[0].iter().enumerate() {
                            if let Some(carried) = graph.carried(region_id, k) {
                                self.set(carried, self.values[out]);
                            }
                        }
                    } else {
                        for &body in &region.bodies {
                            self.mark(graph, body, scalars, wrt);
                        }
                    }
                    for (i, &result) in region.results.iter().enumerate() {
                        let active = !graph.is_bool(result)
                            && region
                                .yields
                                .iter()
                                .any(|yields| yields.get(i).is_some_and(|&v| self.values[v]));
                        self.set(result, active);
                    }
                }
            }
        }
    }
}

/// For each local array: how many stores write it, and the block that declares it.
fn local_stores(graph: &Graph, root: BlockId) -> IdVec<LocalId, (usize, Option<BlockId>)> {
    fn walk(graph: &Graph, block: BlockId, out: &mut IdVec<LocalId, (usize, Option<BlockId>)>) {
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => match graph.values[id].op {
                    Op::Store(place, _) => {
                        if let ArrayRef::Local(local) = graph.places[place].array {
                            out[local].0 += 1;
                        }
                    }
                    Op::Declare(local, _) => out[local].1 = Some(block),
                    _ => {}
                },
                Inst::Region(region) => {
                    for &body in &graph.regions[region].bodies {
                        walk(graph, body, out);
                    }
                }
            }
        }
    }
    let mut out = IdVec::filled((0, None), graph.locals.len());
    walk(graph, root, &mut out);
    out
}

struct Reverse<'g> {
    graph: &'g mut Graph,
    /// For each local array: how many stores the function has into it, and the block that
    /// declares it.
    local_stores: IdVec<LocalId, (usize, Option<BlockId>)>,
    active: Activity,
    param_adjoints: BTreeMap<ValueId, ValueId>,
    errors: Errors,
    /// Where a `d_` name is built.
    scratch: String,
    /// For `f_trace`: each value's node of the graph; a value recomputed in a reverse loop
    /// stands for the same node.
    trace: FastMap<ValueId, usize>,
}

impl Reverse<'_> {
    fn is_active(&self, value: ValueId) -> bool {
        self.active.values.get(value).copied().unwrap_or(false)
    }

    fn builder(&mut self, block: BlockId, span_of: ValueId) -> Builder<'_> {
        let span = self.graph.values[span_of].span;
        Builder {
            graph: self.graph,
            block,
            span,
        }
    }

    /// The adjoint of `value` from its terms: one sum, named `d_` + the value's name.
    fn sum(&mut self, value: ValueId, terms: &[ValueId], block: BlockId) -> ValueId {
        let mut b = self.builder(block, value);
        let total = sum_terms(&mut b, terms);
        // The sum is named after its value: `d_yhat`. A term that is already the adjoint of
        // another value keeps that name, unless only this value has a name of the user's.
        let named = |graph: &Graph, id: ValueId| graph.values[id].name.is_some();
        let current = self.graph.values[total].adjoint_of;
        if current.is_none_or(|p| !named(self.graph, p) && named(self.graph, value)) {
            self.graph.values[total].adjoint_of = Some(value);
        }
        if let Some(name) = &self.graph.values[value].name {
            self.scratch.clear();
            self.scratch.push_str("d_");
            self.scratch
                .push_str(name.text.strip_prefix("r#").unwrap_or(&name.text));
            self.graph
                .name(total, self.scratch.as_str(), NameKind::Adjoint);
        }
        if let Some(&node) = self.trace.get(&value) {
            let span = self.graph.values[value].span;
            self.graph.push(block, Op::Trace(node, true), [total], span);
        }
        total
    }

    /// Reverses the forward instructions `insts`, writing adjoint code at the end of `target`.
    fn block(&mut self, insts: &[Inst], target: BlockId, terms: &mut Terms) {
        for inst in insts.iter().rev() {
            match *inst {
                Inst::Value(id) => self.value(id, target, terms),
                Inst::Region(region) => match self.graph.regions[region].kind {
                    RegionKind::If => self.reverse_if(region, target, terms),
                    RegionKind::Loop(_) => self.reverse_loop(region, target, terms),
                },
            }
        }
    }

    fn push_term(&self, terms: &mut Terms, to: ValueId, term: ValueId) {
        if self.is_active(to) {
            terms.push(to, term);
        }
    }

    fn value(&mut self, id: ValueId, target: BlockId, terms: &mut Terms) {
        // h[j] = e: de = d_h[j], d_h[j] = 0.  h[j] += e: de = d_h[j].
        if let Op::Store(place, add) = self.graph.values[id].op {
            let stored = self.graph.values[id].args.first().copied();
            let local_active = match self.graph.places[place].array {
                ArrayRef::Local(local) => self.active.locals[local],
                ArrayRef::Param(_) => false,
            };
            if let (Some(stored), true) = (stored, local_active) {
                let adjoint = self.adjoint_place(place);
                let span = self.graph.values[id].span;
                let d = self.graph.push(target, Op::Load(adjoint), [], span);
                if let Some(name) = self.graph.values[stored].name.clone() {
                    self.graph.name(
                        d,
                        format!("d_{}", name.text.trim_start_matches("r#")),
                        NameKind::Adjoint,
                    );
                }
                if !add {
                    let zero = self.graph.push(target, Op::Lit(0.0), [], span);
                    self.graph
                        .push(target, Op::Store(adjoint, false), [zero], span);
                }
                self.push_term(terms, stored, d);
            }
            return;
        }
        let Some(value_terms) = terms.take(id) else {
            return;
        };
        if !self.is_active(id) {
            return;
        }
        let dy = self.sum(id, &value_terms, target);
        let op = self.graph.values[id].op.clone();
        let args = self.graph.values[id].args.clone();
        match op {
            Op::Param(_) => {
                self.param_adjoints.insert(id, dy);
            }
            // v = xs[i]: d_xs[i] += dv
            Op::Load(place) => {
                let adjoint = self.adjoint_place(place);
                let span = self.graph.values[id].span;
                self.graph
                    .push(target, Op::Store(adjoint, true), [dy], span);
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

    /// `if c { A } else { B }` reversed: `if c { reverse(A) } else { reverse(B) }`, whose
    /// results are the terms the arms send to values outside them.
    fn reverse_if(&mut self, forward: RegionId, target: BlockId, terms: &mut Terms) {
        let region = self.graph.regions[forward].clone();
        // The adjoints of the region's results.
        let mut result_adjoints = Vec::new();
        for (i, &result) in region.results.iter().enumerate() {
            if let Some(result_terms) = terms.take(result) {
                if self.is_active(result) {
                    result_adjoints.push((i, self.sum(result, &result_terms, target)));
                }
            }
        }
        // An arm that stores into a local array has a reverse even without results.
        let stores = region.bodies.iter().any(|&b| self.has_active_store(b));
        if result_adjoints.is_empty() && !stores {
            return;
        }
        let reverse = self.graph.push_if(target, region.cond(), region.span);
        let reverse_bodies = self.graph.regions[reverse].bodies.clone();

        let mut arm_terms = Vec::new();
        for ((&body, yields), &arm_target) in region
            .bodies
            .iter()
            .zip(&region.yields)
            .zip(&reverse_bodies)
        {
            let mut local = Terms::default();
            for &(i, d_result) in &result_adjoints {
                if let Some(&value) = yields.get(i) {
                    self.push_term(&mut local, value, d_result);
                }
            }
            let insts = self.graph.blocks[body].insts.clone();
            self.block(&insts, arm_target, &mut local);
            arm_terms.push((arm_target, local));
        }
        // What the arms send to values outside them leaves as results of the reverse `if`.
        let mut outer: Vec<ValueId> = arm_terms
            .iter()
            .flat_map(|(_, local)| local.values())
            .collect();
        outer.sort_unstable();
        outer.dedup();
        for value in outer {
            let mut sums = Vec::new();
            for (arm_target, local) in &mut arm_terms {
                let mut b = Builder {
                    graph: self.graph,
                    block: *arm_target,
                    span: region.span,
                };
                let sum = match local.take(value) {
                    Some(value_terms) => sum_terms(&mut b, &value_terms),
                    None => b.lit(0.0),
                };
                sums.push(sum);
            }
            let result = self.graph.add_result(reverse, &sums);
            terms.push(value, result);
        }
    }
}

impl Reverse<'_> {
    /// The same element of the adjoint array.
    fn adjoint_place(&mut self, place: PlaceId) -> PlaceId {
        let place = self.graph.places[place].clone();
        self.graph.place(place.array, &place.index, true)
    }

    /// `for i in range { body }` reversed: `for i in range.rev() { body again; reverse(body) }`.
    /// The body is computed again from the iteration's start (the carried variables as the
    /// forward loop saved them; `Op::Saved`), so nothing else is stored: inputs are read
    /// again, and a carried variable whose value the reverse code does not read (a sum) is
    /// never saved (dead code removes it). The reverse loop carries the adjoints of the
    /// carried variables backwards, and sums what the body sends to values outside it.
    fn reverse_loop(&mut self, forward: RegionId, target: BlockId, terms: &mut Terms) {
        let region = self.graph.regions[forward].clone();
        let Some(header) = self.graph.header(forward).cloned() else {
            return;
        };
        let span = region.span;
        let body = region.bodies[0];
        let mut seeds = Vec::new();
        for &result in &region.results {
            let seed = match terms.take(result) {
                Some(result_terms) if self.is_active(result) => {
                    Some(self.sum(result, &result_terms, target))
                }
                _ => None,
            };
            seeds.push(seed);
        }
        if seeds.iter().all(Option::is_none) && !self.has_active_store(body) {
            return;
        }
        // The carried variables whose adjoints the reverse loop carries.
        let active: Vec<usize> = (0..region.results.len())
            .filter(|&k| self.is_active(region.results[k]))
            .collect();
        let inits: Vec<ValueId> = active
            .iter()
            .map(|&k| match seeds[k] {
                Some(seed) => seed,
                None => self.graph.push(target, Op::Lit(0.0), [], span),
            })
            .collect();
        let reverse_header = LoopHeader {
            reversed: true,
            forward: Some(forward),
            ..header.clone()
        };
        let (reverse, d_carried) = self.graph.push_loop(target, reverse_header, &inits, span);
        let reverse_body = self.graph.regions[reverse].bodies[0];
        for (&k, &d) in active.iter().zip(&d_carried) {
            self.name_adjoint(d, region.results[k]);
        }

        // The body again, from the saved carried variables.
        let mut remap: FastMap<ValueId, ValueId> = FastMap::default();
        let mut saved = Vec::new();
        for k in 0..region.args.len() {
            let value = self
                .graph
                .push(reverse_body, Op::Saved(forward, k), [], span);
            if let Some(carried) = self.graph.carried(forward, k) {
                self.graph.values[value].name = self.graph.values[carried].name.clone();
                self.copy_activity(carried, value);
                remap.insert(carried, value);
            }
            saved.push(value);
        }
        let insts = self.graph.blocks[body].insts.clone();
        let copied = self.copy_insts(&insts, reverse_body, &mut remap, Some(forward));

        let mut local = Terms::default();
        for (&k, &d) in active.iter().zip(&d_carried) {
            if let Some(&out) = region.yields[0].get(k) {
                let out = remap.get(&out).copied().unwrap_or(out);
                self.push_term(&mut local, out, d);
            }
        }
        self.block(&copied, reverse_body, &mut local);
        self.read_back_stores(&copied, reverse_body, body, &header.var);
        // A carried variable's value at the end of the iteration, where the reverse code reads
        // it (the output of `tanh`, say), is saved too rather than computed again: it is the
        // next iteration's value at its start, so the forward loop saves one more value.
        for k in 0..region.args.len() {
            let Some(&out) = region.yields[0].get(k) else {
                continue;
            };
            let Some(&copy) = remap.get(&out) else {
                continue;
            };
            let is_copy = copied
                .iter()
                .any(|i| matches!(i, Inst::Value(v) if *v == copy));
            // (A call stays: its partials read it.)
            let op = &self.graph.values[copy].op;
            if is_copy && !matches!(op, Op::Saved(..) | Op::Call(_)) {
                let value = &mut self.graph.values[copy];
                value.op = Op::SavedEnd(forward, k);
                value.args = Default::default();
            }
        }

        // The adjoints of the carried variables at the start of the iteration.
        let mut next = Vec::new();
        for &k in &active {
            let value = match local.take(saved[k]) {
                Some(value_terms) => sum_terms(
                    &mut Builder {
                        graph: self.graph,
                        block: reverse_body,
                        span,
                    },
                    &value_terms,
                ),
                None => self.graph.push(reverse_body, Op::Lit(0.0), [], span),
            };
            let carried = self.graph.carried(forward, k);
            if let Some(&node) = carried.and_then(|carried| self.trace.get(&carried)) {
                self.graph
                    .push(reverse_body, Op::Trace(node, true), [value], span);
            }
            next.push(value);
        }
        // What the body sends to values outside it is summed over the iterations.
        let mut sums = Vec::new();
        for value in local.values() {
            let Some(value_terms) = local.take(value) else {
                continue;
            };
            // The sum starts at zero, before the loop.
            let zero = self.graph.push(target, Op::Lit(0.0), [], span);
            let insts = &mut self.graph.blocks[target].insts;
            if let Some(at) = insts
                .iter()
                .position(|inst| matches!(inst, Inst::Region(r) if *r == reverse))
            {
                let zero_inst = insts.pop();
                if let Some(zero_inst) = zero_inst {
                    insts.insert(at, zero_inst);
                }
            }
            let k = self.graph.regions[reverse].args.len();
            let r = &mut self.graph.regions[reverse];
            r.args = {
                let mut args = r.args.to_vec();
                args.push(zero);
                args.into()
            };
            let acc = self
                .graph
                .push(reverse_body, Op::Carried(reverse, k), [], span);
            // Carried values stand at the start of the body.
            let inst = self.graph.blocks[reverse_body].insts.pop();
            if let Some(inst) = inst {
                self.graph.blocks[reverse_body].insts.insert(k, inst);
            }
            self.name_adjoint(acc, value);
            let mut b = Builder {
                graph: self.graph,
                block: reverse_body,
                span,
            };
            let total = sum_terms(&mut b, &value_terms);
            let total = b.add(acc, total);
            next.push(total);
            sums.push(value);
        }
        let mut results = Vec::new();
        for value in next {
            results.push(self.graph.add_result(reverse, &[value]));
        }
        for (&k, &result) in active.iter().zip(&results) {
            self.name_adjoint(result, region.results[k]);
            if let Some(&init) = region.args.get(k) {
                self.push_term(terms, init, result);
            }
        }
        for (&value, &result) in sums.iter().zip(&results[active.len()..]) {
            self.name_adjoint(result, value);
            self.push_term(terms, value, result);
        }
    }

    /// `h[j] = v` in a loop over `j`, the only store into a local array declared outside the
    /// loop, leaves `v` in `h[j]` for good: the reverse loop reads it back from there instead
    /// of computing it again (the array is its tape). The body's copy of `v` becomes that read,
    /// once the reverse code has used its rule, and the copy of the store goes.
    fn read_back_stores(
        &mut self,
        copied: &[Inst],
        reverse_body: BlockId,
        forward_body: BlockId,
        var: &syn::Ident,
    ) {
        let var = var.to_string();
        for inst in copied {
            let Inst::Value(store) = *inst else { continue };
            let Op::Store(place, false) = self.graph.values[store].op else {
                continue;
            };
            let Some(&stored) = self.graph.values[store].args.first() else {
                continue;
            };
            let target = &self.graph.places[place];
            let ArrayRef::Local(local) = target.array else {
                continue;
            };
            let indexed_by_loop = matches!(target.index.as_slice(),
                [crate::ast::IndexExpr::Var(name)] if *name.text == *var);
            let (stores, declared) = self.local_stores[local];
            let declared_outside = declared.is_some_and(|d| !self.graph.encloses(forward_body, d));
            let is_copy = copied
                .iter()
                .any(|i| matches!(i, Inst::Value(v) if *v == stored));
            let is_call = matches!(self.graph.values[stored].op, Op::Call(_));
            if stores == 1 && indexed_by_loop && declared_outside && is_copy && !is_call {
                let value = &mut self.graph.values[stored];
                value.op = Op::Load(place);
                value.args = Default::default();
                self.graph.blocks[reverse_body]
                    .insts
                    .retain(|i| !matches!(i, Inst::Value(v) if *v == store));
            }
        }
    }

    /// Names `value` `d_` + the name of `primal`, if it has one.
    fn name_adjoint(&mut self, value: ValueId, primal: ValueId) {
        if let Some(name) = self.graph.values[primal].name.clone() {
            let text = format!("d_{}", name.text.trim_start_matches("r#"));
            self.graph.name(value, text, NameKind::Adjoint);
        }
    }

    fn copy_activity(&mut self, from: ValueId, to: ValueId) {
        let active = self.is_active(from);
        self.active.values.resize(self.graph.values.len(), false);
        self.active.values[to] = active;
    }

    /// Whether `block` stores an active value into a local array, at any depth.
    fn has_active_store(&self, block: BlockId) -> bool {
        self.graph.blocks[block]
            .insts
            .iter()
            .any(|inst| match *inst {
                Inst::Value(id) => match self.graph.values[id].op {
                    Op::Store(place, _) => match self.graph.places[place].array {
                        ArrayRef::Local(local) => self.active.locals[local],
                        ArrayRef::Param(_) => false,
                    },
                    _ => false,
                },
                Inst::Region(region) => self.graph.regions[region]
                    .bodies
                    .iter()
                    .any(|&body| self.has_active_store(body)),
            })
    }

    /// Copies `insts` to the end of `target`, their arguments through `remap` (which learns
    /// each copy). `Carried` values of loop `skip` are already mapped and not copied. A copied
    /// local array declares its adjoint array too: the reverse code after it reads that.
    fn copy_insts(
        &mut self,
        insts: &[Inst],
        target: BlockId,
        remap: &mut FastMap<ValueId, ValueId>,
        skip: Option<RegionId>,
    ) -> Vec<Inst> {
        let start = self.graph.blocks[target].insts.len();
        for inst in insts {
            match *inst {
                Inst::Value(id) => {
                    let mut value = self.graph.values[id].clone();
                    if matches!(value.op, Op::Carried(region, _) if Some(region) == skip) {
                        continue;
                    }
                    // The forward loop recorded the value already.
                    if matches!(value.op, Op::Trace(..)) {
                        continue;
                    }
                    for arg in value.args.iter_mut() {
                        *arg = remap.get(arg).copied().unwrap_or(*arg);
                    }
                    match value.op {
                        Op::Declare(local, _) => value.op = Op::Declare(local, true),
                        Op::Call(site) => {
                            let copy = self.graph.calls[site].clone();
                            value.op = Op::Call(self.graph.calls.push(copy));
                        }
                        _ => {}
                    }
                    let copy = self.graph.values.push(value);
                    self.graph.blocks[target].insts.push(Inst::Value(copy));
                    self.copy_activity(id, copy);
                    remap.insert(id, copy);
                    if let Some(&node) = self.trace.get(&id) {
                        self.trace.insert(copy, node);
                    }
                }
                Inst::Region(region_id) => {
                    let region = self.graph.regions[region_id].clone();
                    let kind = match region.kind {
                        RegionKind::Loop(header) => {
                            let header = self.graph.loops[header].clone();
                            RegionKind::Loop(self.graph.loops.push(header))
                        }
                        kind => kind,
                    };
                    let args: Vec<ValueId> = region
                        .args
                        .iter()
                        .map(|arg| remap.get(arg).copied().unwrap_or(*arg))
                        .collect();
                    let copy = self.graph.push_region(
                        target,
                        kind,
                        args,
                        region.bodies.len(),
                        region.span,
                    );
                    let bodies = self.graph.regions[copy].bodies.clone();
                    for (&from, &to) in region.bodies.iter().zip(&bodies) {
                        let inner = self.graph.blocks[from].insts.clone();
                        // A copied loop's carried values are its own.
                        for inst in &inner {
                            if let Inst::Value(id) = *inst {
                                if let Op::Carried(r, k) = self.graph.values[id].op {
                                    if r == region_id {
                                        let mut value = self.graph.values[id].clone();
                                        value.op = Op::Carried(copy, k);
                                        let new = self.graph.values.push(value);
                                        self.graph.blocks[to].insts.push(Inst::Value(new));
                                        self.copy_activity(id, new);
                                        remap.insert(id, new);
                                    }
                                }
                            }
                        }
                        self.copy_insts(&inner, to, remap, Some(region_id));
                    }
                    for (b, yields) in region.yields.iter().enumerate() {
                        let mapped: Vec<ValueId> = yields
                            .iter()
                            .map(|v| remap.get(v).copied().unwrap_or(*v))
                            .collect();
                        self.graph.regions[copy].yields[b] = mapped;
                    }
                    for (i, &result) in region.results.iter().enumerate() {
                        let mut value = self.graph.values[result].clone();
                        value.op = Op::Result(copy, i);
                        let new = self.graph.values.push(value);
                        self.graph.regions[copy].results.push(new);
                        self.copy_activity(result, new);
                        remap.insert(result, new);
                    }
                }
            }
        }
        // The copies of calls list the copies of their partials.
        let copied: Vec<Inst> = self.graph.blocks[target].insts[start..].to_vec();
        for inst in &copied {
            if let Inst::Value(id) = *inst {
                if let Op::Call(site) = self.graph.values[id].op {
                    for partial in self.graph.calls[site].partials.iter_mut().flatten() {
                        *partial = remap.get(partial).copied().unwrap_or(*partial);
                    }
                }
            }
        }
        copied
    }
}

/// `terms[0] + terms[1] + ...` (at least one term).
fn sum_terms(b: &mut Builder, terms: &[ValueId]) -> ValueId {
    let mut total = terms[0];
    for &term in &terms[1..] {
        total = b.add(total, term);
    }
    total
}

/// Makes every use see its value: a value defined in a region's body and used outside it
/// (the reverse code needs it) becomes a result of that region, which the other bodies give
/// a placeholder for (they never run the code that reads it).
fn export_residuals(program: &mut Program) -> syn::Result<()> {
    if program.graph.regions.is_empty() {
        return Ok(());
    }
    let mut exporter = Exporter {
        defined_in: IdVec::filled(None, program.graph.values.len()),
        exports: FastMap::default(),
    };
    exporter.record_definitions(&program.graph, program.root);
    let root = program.root;
    exporter.rewrite_block(&mut program.graph, root)?;
    program.value = exporter.export(&mut program.graph, program.value, root)?;
    for i in 0..program.grads.len() {
        if let Some(grad) = program.grads[i] {
            program.grads[i] = Some(exporter.export(&mut program.graph, grad, root)?);
        }
    }
    Ok(())
}

struct Exporter {
    /// The block each value is defined in.
    defined_in: IdVec<ValueId, Option<BlockId>>,
    /// `(region, value)` → the result of that region that carries `value` out of its body.
    exports: FastMap<(RegionId, ValueId), ValueId>,
}

impl Exporter {
    fn record_definitions(&mut self, graph: &Graph, block: BlockId) {
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => self.defined_in[id] = Some(block),
                Inst::Region(region) => {
                    let region = &graph.regions[region];
                    for &result in &region.results {
                        self.defined_in[result] = Some(block);
                    }
                    for &body in &region.bodies {
                        self.record_definitions(graph, body);
                    }
                }
            }
        }
    }

    fn visible(&self, graph: &Graph, value: ValueId, block: BlockId) -> bool {
        if graph.values[value].op.is_constant() {
            return true;
        }
        match self.defined_in.get(value).copied().flatten() {
            Some(defined) => graph.encloses(defined, block),
            None => true,
        }
    }

    /// The value that carries `value` into `block`.
    fn export(
        &mut self,
        graph: &mut Graph,
        mut value: ValueId,
        block: BlockId,
    ) -> syn::Result<ValueId> {
        while !self.visible(graph, value, block) {
            let span = graph.values[value].span;
            let defined =
                self.defined_in[value].ok_or_else(|| internal(span, "a value without a block"))?;
            let region_id = graph.blocks[defined]
                .owner
                .ok_or_else(|| internal(span, "a value out of scope in the function's body"))?;
            value = match self.exports.get(&(region_id, value)) {
                Some(&result) => result,
                None => {
                    let region = &graph.regions[region_id];
                    let parent = region.parent;
                    let bodies = region.bodies.clone();
                    // The bodies that did not compute the value give a placeholder.
                    let filler = if graph.is_bool(value) {
                        Op::Bool(false)
                    } else {
                        Op::Lit(0.0)
                    };
                    let mut yields = Vec::new();
                    for body in bodies {
                        if body == defined {
                            yields.push(value);
                        } else {
                            let placeholder = graph.push(body, filler.clone(), [], span);
                            self.defined_in.resize(graph.values.len(), None);
                            self.defined_in[placeholder] = Some(body);
                            yields.push(placeholder);
                        }
                    }
                    let result = graph.add_result(region_id, &yields);
                    graph.values[result].name = graph.values[value].name.clone();
                    graph.values[result].export_of = Some(value);
                    self.defined_in.resize(graph.values.len(), None);
                    self.defined_in[result] = Some(parent);
                    self.exports.insert((region_id, value), result);
                    result
                }
            };
        }
        Ok(value)
    }

    fn rewrite_block(&mut self, graph: &mut Graph, block: BlockId) -> syn::Result<()> {
        let insts = graph.blocks[block].insts.clone();
        for inst in insts {
            match inst {
                Inst::Value(id) => {
                    for i in 0..graph.values[id].args.len() {
                        let arg = graph.values[id].args[i];
                        graph.values[id].args[i] = self.export(graph, arg, block)?;
                    }
                }
                Inst::Region(region) => {
                    for i in 0..graph.regions[region].args.len() {
                        let arg = graph.regions[region].args[i];
                        graph.regions[region].args[i] = self.export(graph, arg, block)?;
                    }
                    let bodies = graph.regions[region].bodies.clone();
                    for (b, &body) in bodies.iter().enumerate() {
                        self.rewrite_block(graph, body)?;
                        for i in 0..graph.regions[region].yields[b].len() {
                            let value = graph.regions[region].yields[b][i];
                            graph.regions[region].yields[b][i] = self.export(graph, value, body)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
