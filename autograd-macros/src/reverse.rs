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
    internal, BlockId, Builder, Graph, IdVec, Inst, NameKind, Op, Program, RegionId, RegionKind,
    ValueId,
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
            if !wrt.get(i).copied().unwrap_or(false) {
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
    };
    export_residuals(&mut program)?;
    Ok(program)
}

/// Which values depend on a differentiated parameter.
fn activity(graph: &Graph, root: BlockId, wrt: &[bool]) -> IdVec<ValueId, bool> {
    let mut active = IdVec::filled(false, graph.values.len());
    mark_active(graph, root, wrt, &mut active);
    active
}

fn mark_active(graph: &Graph, block: BlockId, wrt: &[bool], active: &mut IdVec<ValueId, bool>) {
    for inst in &graph.blocks[block].insts {
        match *inst {
            Inst::Value(id) => {
                let value = &graph.values[id];
                active[id] = match value.op {
                    Op::Param(i) => wrt.get(i).copied().unwrap_or(false),
                    Op::Lit(_) | Op::Const(_) | Op::Partial(_) => false,
                    _ if graph.is_bool(id) => false,
                    _ => value.args.iter().any(|&arg| active[arg]),
                };
            }
            Inst::Region(region) => {
                let region = &graph.regions[region];
                for &body in &region.bodies {
                    mark_active(graph, body, wrt, active);
                }
                for (i, &result) in region.results.iter().enumerate() {
                    active[result] = !graph.is_bool(result)
                        && region
                            .yields
                            .iter()
                            .any(|yields| yields.get(i).is_some_and(|&v| active[v]));
                }
            }
        }
    }
}

struct Reverse<'g> {
    graph: &'g mut Graph,
    active: IdVec<ValueId, bool>,
    param_adjoints: BTreeMap<ValueId, ValueId>,
    errors: Errors,
    /// Where a `d_` name is built.
    scratch: String,
}

impl Reverse<'_> {
    fn is_active(&self, value: ValueId) -> bool {
        self.active.get(value).copied().unwrap_or(false)
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
        total
    }

    /// Reverses the forward instructions `insts`, writing adjoint code at the end of `target`.
    fn block(&mut self, insts: &[Inst], target: BlockId, terms: &mut Terms) {
        for inst in insts.iter().rev() {
            match *inst {
                Inst::Value(id) => self.value(id, target, terms),
                Inst::Region(region) => match self.graph.regions[region].kind {
                    RegionKind::If => self.reverse_if(region, target, terms),
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
        if result_adjoints.is_empty() {
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
