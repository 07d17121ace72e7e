//! AST → IR: names resolved to SSA values, `if` as regions.
//!
//! Each `let`, assignment and operation becomes a value; a variable is just the value it holds
//! now, so `z += x` makes a new value named `z`. An `if` becomes a region whose results are
//! the variables its arms change, and its value when it has one.
//!
//! A `return` inside an `if` makes the rest of the enclosing statements conditional, and the
//! rest is lowered once, so code size stays linear in the source:
//! - when one arm always returns, the rest goes into the other arm;
//! - otherwise the `if` also yields whether it returned and with what value, and the rest
//!   runs in a second `if` on that flag: `if returned { value } else { rest }`.
//!
//! A call of a function of the block that takes arrays is lowered in place: the callee's body,
//! its parameters bound to the arguments (an array parameter to the caller's array, or to a row
//! of one), so the reverse pass goes through it like through the caller's own code, and the
//! gradient needs no buffer per call. Its loop variables and local arrays keep their names
//! unless the code around takes them.
//!
//! Runs only on checked input; anything unexpected is an internal error, never a panic.

use std::rc::Rc;

use proc_macro2::Span;
use syn::Ident;

use crate::ast::{
    shared_text, with_text, AssignOp, BinOp, Block, Cond, Dim, Expr, ForKind, ForLoop, Form,
    Function, IfExpr, IndexExpr, Shape, Signatures, Stmt, VarName,
};
use crate::hash::{FastMap, FastSet};
use crate::ir::{
    internal, ArrayRef, BlockId, CallId, CallSite, Graph, Id, Inst, LocalArray, LoopHeader, Method,
    NameKind, Op, PlaceId, RegionId, RegionKind, ValueId,
};
use crate::scopes::Scopes;

/// A function as IR, before differentiation.
pub struct Lowered {
    pub graph: Graph,
    pub root: BlockId,
    /// The parameters' values, in order.
    pub params: Vec<ValueId>,
    /// The function's value.
    pub result: ValueId,
}

/// `functions` are the block's: calls with arrays lower their bodies.
pub fn lower<'a>(
    function: &'a Function,
    signatures: &'a Signatures,
    functions: &'a [Function],
) -> syn::Result<Lowered> {
    let body = function
        .body
        .as_ref()
        .ok_or_else(|| internal(function.name.span(), "the function has no body"))?;
    let mut graph = Graph::default();
    let root = graph.new_block(None);
    let mut params = Vec::new();
    let mut scopes = Scopes::new();
    scopes.push_frame();
    let mut arrays = Vec::new();
    for (i, param) in function.params.iter().enumerate() {
        let value = graph.push(root, Op::Param(i), [], param.name.span());
        graph.name(value, param.name.to_string(), NameKind::User);
        params.push(value);
        if param.shape.is_scalar() {
            scopes.declare_ident(&param.name, value);
        } else {
            let row_len = match &param.shape {
                Shape::Rows(cols) | Shape::Matrix { cols, .. } => dim_index(cols),
                _ => None,
            };
            let view = View::whole(ArrayRef::Param(i), VarName::new(param.name.clone()));
            arrays.push((shared_text(&param.name), View { row_len, ..view }));
        }
    }
    let mut taken = Taken::default();
    if !signatures.arrays.is_empty() {
        taken
            .arrays
            .extend(function.params.iter().map(|p| shared_text(&p.name)));
        names_declared(body, &mut taken);
    }
    let mut lowerer = Lowerer {
        graph,
        block: root,
        scopes,
        arrays,
        input_loads: FastMap::default(),
        signatures,
        keeps_user_fn: matches!(function.form, Form::Attribute(_)),
        functions,
        inlining: vec![&function.name],
        renames: Vec::new(),
        loop_vars: Vec::new(),
        taken,
    };
    let result = match lowerer.seq(&body.stmts)? {
        Flow::Returns(value) => value,
        _ => return Err(internal(body.span, "a path ends without a value")),
    };
    if !matches!(
        lowerer.graph.values[result].op,
        Op::Param(_) | Op::Lit(_) | Op::Const(_)
    ) {
        lowerer
            .graph
            .name(result, function.name.to_string(), NameKind::User);
    }
    Ok(Lowered {
        graph: lowerer.graph,
        root,
        params,
        result,
    })
}

/// How a list of statements ends.
#[derive(Clone, Copy)]
enum Flow {
    /// It runs to its end.
    Falls,
    /// Every path returns this value.
    Returns(ValueId),
    /// Some paths return: `returned` says whether this one did, `value` with what.
    Maybe { returned: ValueId, value: ValueId },
}

struct Lowerer<'a> {
    graph: Graph,
    block: BlockId,
    /// Each variable in scope, and the value it holds now.
    scopes: Scopes<ValueId>,
    /// The arrays by name, latest last: array parameters, then local arrays as declared
    /// (`check` made sure every use names one in scope).
    arrays: Vec<(Rc<str>, View)>,
    /// The loads of input elements in each block, to read each once.
    input_loads: FastMap<(BlockId, PlaceId), ValueId>,
    signatures: &'a Signatures,
    /// The attribute form: its `_grad` computes the user's function as written (see
    /// `Method::as_generated`).
    keeps_user_fn: bool,
    /// The block's functions, whose bodies calls with arrays lower.
    functions: &'a [Function],
    /// The function being lowered, then the callees whose bodies are being lowered in it: a
    /// call with arrays back into one would never end (`check` reports it).
    inlining: Vec<&'a Ident>,
    /// In a callee's body: its loop variables that the code around had taken, and their new
    /// names, latest last.
    renames: Vec<(Rc<str>, VarName)>,
    /// The variables of the loops around the code being lowered, as the generated code names
    /// them.
    loop_vars: Vec<Rc<str>>,
    taken: Taken,
}

/// An array as a body names it: a parameter or local array of the function, or, in a callee's
/// body, the argument: an array of the caller, or a row of one.
#[derive(Clone)]
struct View {
    array: ArrayRef,
    /// The array's name in the generated code.
    name: VarName,
    /// The row this is (`[k]`, as the generated code writes it); empty for a whole array.
    row: Vec<IndexExpr>,
    /// Its `.len()` where that is not `name.len()`: a row's length.
    len: Option<IndexExpr>,
    /// The length of its rows where known (`N` of `&[[T; N]]`), else `name[0].len()`.
    row_len: Option<IndexExpr>,
}

impl View {
    fn whole(array: ArrayRef, name: VarName) -> View {
        View {
            array,
            name,
            row: Vec::new(),
            len: None,
            row_len: None,
        }
    }

    /// Its `.len()`, or its rows' (`rows`), as the generated code writes it.
    fn len(&self, rows: bool) -> IndexExpr {
        let known = if rows { &self.row_len } else { &self.len };
        known.clone().unwrap_or_else(|| IndexExpr::Len {
            array: self.name.clone(),
            rows,
        })
    }
}

/// The names of arrays (parameters too) and of loop variables in the generated code: a callee's
/// local array or loop variable named like one the code around can see is renamed. Filled only
/// where the block has functions that take arrays.
#[derive(Default)]
struct Taken {
    arrays: FastSet<Rc<str>>,
    loops: FastSet<Rc<str>>,
}

/// What an arm of a region ends with: its flow and the variables it leaves.
struct ArmEnd {
    flow: Flow,
    scopes: Scopes<ValueId>,
}

impl Lowerer<'_> {
    fn lookup(&self, name: &VarName) -> syn::Result<ValueId> {
        self.scopes
            .get(&name.text)
            .copied()
            .ok_or_else(|| internal(name.span(), "unresolved name"))
    }

    fn declare(&mut self, name: &VarName, value: ValueId) {
        self.declare_value(&name.text, value);
    }

    fn declare_value(&mut self, name: &Rc<str>, value: ValueId) {
        self.name_value(value, name);
        self.scopes.declare(name.clone(), value);
    }

    /// Points the innermost variable `name` at a new value (an assignment).
    fn assign(&mut self, name: &VarName, value: ValueId) -> syn::Result<()> {
        self.name_value(value, &name.text);
        let variable = self
            .scopes
            .get_mut(&name.text)
            .ok_or_else(|| internal(name.span(), "assignment to an unresolved name"))?;
        *variable = value;
        Ok(())
    }

    fn name_value(&mut self, value: ValueId, name: &Rc<str>) {
        if !matches!(self.graph.values[value].op, Op::Param(_)) {
            self.graph.name(value, name.clone(), NameKind::User);
        }
    }

    fn push(&mut self, op: Op, args: impl Into<crate::ir::Args>, span: Span) -> ValueId {
        self.graph.push(self.block, op, args, span)
    }

    fn array(&self, name: &VarName) -> syn::Result<&View> {
        self.arrays
            .iter()
            .rev()
            .find(|(text, _)| **text == *name.text)
            .map(|(_, view)| view)
            .ok_or_else(|| internal(name.span(), "unresolved array"))
    }

    /// `array[index]`, as a place.
    fn place(&mut self, array: &VarName, index: &[IndexExpr]) -> syn::Result<crate::ir::PlaceId> {
        if self.is_inlined() {
            let index: Vec<IndexExpr> = index.iter().map(|i| self.subst(i)).collect();
            return self.place_at(array, &index);
        }
        self.place_at(array, index)
    }

    /// `array[index]` with `index` as the generated code writes it.
    fn place_at(&mut self, array: &VarName, index: &[IndexExpr]) -> syn::Result<PlaceId> {
        let view = self.array(array)?;
        let array = view.array;
        if view.row.is_empty() {
            return Ok(self.graph.place(array, index, false));
        }
        let mut full = view.row.clone();
        full.extend_from_slice(index);
        Ok(self.graph.place(array, &full, false))
    }

    /// Moves the declaration of a local array out of the `if` arms around it, to just before
    /// the outermost of them. The user declares local arrays outside arms, but the rest of a
    /// body after an early return, and a callee's body at a call in an arm, are lowered into
    /// one; there the reverse `if`, which reads the array and its adjoint, would not see it.
    fn declare_outside_arms(&mut self, declare: ValueId) {
        let mut block = self.block;
        let mut outermost = None;
        while let Some(region) = self.graph.blocks[block].owner {
            if self.graph.regions[region].kind != RegionKind::If {
                break;
            }
            outermost = Some(region);
            block = self.graph.regions[region].parent;
        }
        let Some(region) = outermost else { return };
        self.graph.blocks[self.block].insts.pop();
        let insts = &mut self.graph.blocks[block].insts;
        let at = insts
            .iter()
            .position(|inst| matches!(inst, Inst::Region(r) if *r == region))
            .unwrap_or(insts.len());
        insts.insert(at, Inst::Value(declare));
    }

    /// Whether the code being lowered is a callee's body.
    fn is_inlined(&self) -> bool {
        self.inlining.len() > 1
    }

    /// An index of a callee's body as the generated code writes it: its renamed loop
    /// variables, and its arrays' lengths as those of the arguments.
    fn subst(&self, index: &IndexExpr) -> IndexExpr {
        if !self.is_inlined() {
            return index.clone();
        }
        match index {
            IndexExpr::Var(name) => {
                match self.renames.iter().rev().find(|(n, _)| **n == *name.text) {
                    Some((_, to)) => IndexExpr::Var(to.clone()),
                    None => index.clone(),
                }
            }
            IndexExpr::Len { array, rows } => match self.array(array) {
                Ok(view) => view.len(*rows),
                Err(_) => index.clone(),
            },
            IndexExpr::Binary {
                op,
                op_span,
                operands,
            } => IndexExpr::Binary {
                op: *op,
                op_span: *op_span,
                operands: Box::new([self.subst(&operands[0]), self.subst(&operands[1])]),
            },
            IndexExpr::Paren(inner) => IndexExpr::Paren(Box::new(self.subst(inner))),
            IndexExpr::Min(operands) => IndexExpr::Min(Box::new([
                self.subst(&operands[0]),
                self.subst(&operands[1]),
            ])),
            IndexExpr::Lit { .. } | IndexExpr::Const(_) | IndexExpr::Unsupported { .. } => {
                index.clone()
            }
        }
    }

    /// A callee's loop variable or local array (`array`) named `ident`, or a new name if the
    /// code around takes that one: the first free `ident2`, `ident3`, ...
    fn fresh_name(&mut self, ident: &Ident, array: bool) -> Ident {
        if !self.is_inlined() || *ident == "_" {
            return ident.clone();
        }
        let loop_vars = &self.loop_vars;
        let taken = &self.taken;
        let is_taken = |text: &str| {
            taken.arrays.contains(text)
                || if array {
                    taken.loops.contains(text)
                } else {
                    loop_vars.iter().any(|v| **v == *text)
                }
        };
        let text = shared_text(ident);
        let (text, ident) = if is_taken(&text) {
            let base = text.trim_start_matches("r#");
            let sep = if base.ends_with(|c: char| c.is_ascii_digit()) {
                "_"
            } else {
                ""
            };
            let fresh = (2usize..)
                .map(|n| format!("{base}{sep}{n}"))
                .find(|t| !is_taken(t))
                .unwrap_or_else(|| format!("{base}_"));
            let ident = Ident::new(&fresh, ident.span());
            (Rc::from(fresh), ident)
        } else {
            (text, ident.clone())
        };
        let set = if array {
            &mut self.taken.arrays
        } else {
            &mut self.taken.loops
        };
        set.insert(text);
        ident
    }

    /// `for ... { body }`: a loop region whose carried variables are the variables in scope
    /// that the body assigns.
    fn for_loop(&mut self, for_loop: &ForLoop) -> syn::Result<()> {
        let span = for_loop.for_span;
        let mut assigned = Vec::new();
        assigned_names(&for_loop.body, &mut assigned);
        let mut carried: Vec<(Rc<str>, ValueId)> = Vec::new();
        for name in assigned {
            if carried.iter().any(|(n, _)| *n == name) {
                continue;
            }
            if let Some(&value) = self.scopes.get(&name) {
                carried.push((name, value));
            }
        }
        let (var, start, end, inclusive) = match &for_loop.kind {
            ForKind::Range {
                var,
                start,
                end,
                inclusive,
            } => (var.ident.clone(), start.clone(), end.clone(), *inclusive),
            ForKind::Elements { elems, arrays } => {
                let first = elems
                    .first()
                    .ok_or_else(|| internal(span, "a loop over no elements"))?;
                let var =
                    syn::Ident::new(&format!("{}_i", first.text.trim_start_matches("r#")), span);
                let len = |array: &VarName| IndexExpr::Len {
                    array: array.clone(),
                    rows: false,
                };
                let end = match arrays.as_slice() {
                    [one] => len(one),
                    [a, b] => IndexExpr::Min(Box::new([len(a), len(b)])),
                    _ => return Err(internal(span, "a zip of more than two arrays")),
                };
                (var, IndexExpr::Lit { value: 0, span }, end, false)
            }
        };
        let (start, end) = if self.is_inlined() {
            (self.subst(&start), self.subst(&end))
        } else {
            (start, end)
        };
        let original = shared_text(&var);
        let var = self.fresh_name(&var, false);
        let header = LoopHeader {
            var: var.clone(),
            start,
            end,
            inclusive,
            reversed: false,
            forward: None,
        };
        let inits: Vec<ValueId> = carried.iter().map(|&(_, v)| v).collect();
        let (region, values) = self.graph.push_loop(self.block, header, &inits, span);
        for ((name, _), &value) in carried.iter().zip(&values) {
            self.name_value(value, name);
            if let Some(variable) = self.scopes.get_mut(name) {
                *variable = value;
            }
        }
        let outer = self.block;
        self.block = self.graph.regions[region].bodies[0];
        self.scopes.push_frame();
        let var_name = VarName::new(var.clone());
        let renamed = *original != *var_name.text;
        if renamed {
            self.renames.push((original, var_name.clone()));
        }
        self.loop_vars.push(var_name.text.clone());
        if let ForKind::Elements { elems, arrays } = &for_loop.kind {
            for (elem, array) in elems.iter().zip(arrays) {
                let index = [IndexExpr::Var(var_name.clone())];
                let place = self.place_at(array, &index)?;
                let value = self.push(Op::Load(place), [], elem.span());
                self.declare(elem, value);
            }
        }
        let arrays_before = self.arrays.len();
        for stmt in &for_loop.body.stmts {
            self.stmt(stmt)?;
        }
        self.arrays.truncate(arrays_before);
        self.loop_vars.pop();
        if renamed {
            self.renames.pop();
        }
        self.scopes.pop_frame();
        self.block = outer;
        for (name, _) in &carried {
            let value = *self
                .scopes
                .get(name)
                .ok_or_else(|| internal(span, "a carried variable went out of scope"))?;
            let result = self.graph.add_result(region, &[value]);
            self.name_value(result, name);
            if let Some(variable) = self.scopes.get_mut(name) {
                *variable = result;
            }
        }
        Ok(())
    }

    /// Lowers `stmts` in the current block and scope, to their end or their `return`. Once
    /// a path may have returned, each following stretch of statements up to the next that may
    /// return runs under `if returned { value } else { stretch }`: one region per stretch, all
    /// side by side, so neither the code nor its nesting grows faster than the source.
    fn seq(&mut self, stmts: &[Stmt]) -> syn::Result<Flow> {
        let mut flow = Flow::Falls;
        let mut i = 0;
        while let Some(stmt) = stmts.get(i) {
            match flow {
                Flow::Returns(_) => break,
                Flow::Maybe { returned, value } => {
                    let end = stmts[i..]
                        .iter()
                        .position(|stmt| may_return(stmt) || matches!(stmt, Stmt::Tail(_)))
                        .map_or(stmts.len(), |j| i + j + 1);
                    flow = self.guard(returned, value, &stmts[i..end], stmt.span())?;
                    i = end;
                }
                Flow::Falls => {
                    i += 1;
                    flow = match stmt {
                        Stmt::Return { value, .. } => Flow::Returns(self.expr(value)?),
                        // The `if` that gives the function's result: its arms end in returns.
                        Stmt::Tail(Expr::If(if_expr)) => self.returning_if(if_expr, &[])?,
                        Stmt::Tail(expr) => Flow::Returns(self.expr(expr)?),
                        Stmt::If(if_expr) if if_contains_return(if_expr) => {
                            // `if c { return x; }` before code that does not return: that code
                            // goes into the other arm, as a person would write it.
                            let rest = &stmts[i..];
                            if one_arm_returns(if_expr) && !rest.iter().any(may_return) {
                                i = stmts.len();
                                self.returning_if(if_expr, rest)?
                            } else {
                                self.returning_if(if_expr, &[])?
                            }
                        }
                        other => {
                            self.stmt(other)?;
                            Flow::Falls
                        }
                    };
                }
            }
        }
        Ok(flow)
    }

    /// `stmts` in a scope of their own.
    fn scoped_seq(&mut self, stmts: &[Stmt]) -> syn::Result<Flow> {
        self.scopes.push_frame();
        let flow = self.seq(stmts);
        self.scopes.pop_frame();
        flow
    }

    /// `if returned { value } else { stmts }`. The variables `stmts` declare stay in scope
    /// after it, as results (whose other arm never reads them).
    fn guard(
        &mut self,
        returned: ValueId,
        value: ValueId,
        stmts: &[Stmt],
        span: Span,
    ) -> syn::Result<Flow> {
        let region = self.open_if(returned, span);
        let depth = self.scopes.frames.len().saturating_sub(1);
        let declared_before = self.scopes.frames.get(depth).map_or(0, Vec::len);
        // On this arm the code before has returned.
        let done = self.arm(region, 0, |_| Ok(Flow::Returns(value)))?;
        let rest = self.arm(region, 1, |this| this.seq(stmts))?;
        let declared: Vec<(Rc<str>, ValueId)> = rest
            .scopes
            .frames
            .get(depth)
            .and_then(|frame| frame.get(declared_before..))
            .unwrap_or_default()
            .to_vec();
        let flow = self.close_if(region, [done, rest])?;
        let done_block = self.graph.regions[region].bodies[0];
        for (name, value) in declared {
            let placeholder = self.graph.push(done_block, Op::Lit(0.0), [], span);
            let result = self.graph.add_result(region, &[placeholder, value]);
            self.declare_value(&name, result);
        }
        Ok(flow)
    }

    /// An `if` with a `return` in it. `rest`, the statements after it, is not empty only
    /// when exactly one arm always returns: it then runs after the other arm.
    fn returning_if(&mut self, if_expr: &IfExpr, rest: &[Stmt]) -> syn::Result<Flow> {
        let arms = [Some(&if_expr.then_branch), if_expr.else_branch.as_ref()];
        let always = arms.map(|arm| arm.is_some_and(Block::completes));
        let cond = self.cond(&if_expr.cond)?;
        let region = self.open_if(cond, if_expr.if_span);
        let mut ends = Vec::new();
        for (k, arm) in arms.into_iter().enumerate() {
            let end = self.arm(region, k, |this| {
                let flow = match arm {
                    Some(block) => this.scoped_seq(&block.stmts)?,
                    None => Flow::Falls,
                };
                match flow {
                    Flow::Falls if !always[k] && !rest.is_empty() => this.scoped_seq(rest),
                    Flow::Maybe { returned, value } if !always[k] && !rest.is_empty() => {
                        this.scopes.push_frame();
                        let flow = this.guard(returned, value, rest, if_expr.if_span);
                        this.scopes.pop_frame();
                        flow
                    }
                    flow => Ok(flow),
                }
            })?;
            ends.push(end);
        }
        let [then_end, else_end]: [ArmEnd; 2] = ends
            .try_into()
            .map_err(|_| internal(if_expr.if_span, "an `if` without two arms"))?;
        self.close_if(region, [then_end, else_end])
    }

    /// Adds an `if` on `cond` to the current block.
    fn open_if(&mut self, cond: ValueId, span: Span) -> RegionId {
        self.graph.push_if(self.block, cond, span)
    }

    /// Lowers arm `k` of `region` with `body`, from the variables as they are before the
    /// region; leaves them so afterwards.
    fn arm(
        &mut self,
        region: RegionId,
        k: usize,
        body: impl FnOnce(&mut Self) -> syn::Result<Flow>,
    ) -> syn::Result<ArmEnd> {
        let outer = self.block;
        let span = self.graph.regions[region].span;
        self.block = *self.graph.regions[region]
            .bodies
            .get(k)
            .ok_or_else(|| internal(span, "a region without that arm"))?;
        let saved = self.scopes.clone();
        let flow = body(self);
        self.block = outer;
        let scopes = std::mem::replace(&mut self.scopes, saved);
        Ok(ArmEnd {
            flow: flow?,
            scopes,
        })
    }

    /// Gives `region` its results: the function's value and whether it returned (when an arm
    /// may return), and every variable an arm changed. Returns the region's flow.
    fn close_if(&mut self, region: RegionId, ends: [ArmEnd; 2]) -> syn::Result<Flow> {
        let span = self.graph.regions[region].span;
        let flows = [ends[0].flow, ends[1].flow];
        let flow = match flows {
            [Flow::Falls, Flow::Falls] => Flow::Falls,
            [Flow::Returns(a), Flow::Returns(b)] => {
                Flow::Returns(self.graph.add_result(region, &[a, b]))
            }
            _ => {
                let mut returned = [None; 2];
                let mut value = [None; 2];
                for (k, flow) in flows.into_iter().enumerate() {
                    let block = self.graph.regions[region].bodies[k];
                    let (r, v) = match flow {
                        Flow::Falls => {
                            let no = self.graph.push(block, Op::Bool(false), [], span);
                            (no, self.graph.push(block, Op::Lit(0.0), [], span))
                        }
                        Flow::Returns(v) => (self.graph.push(block, Op::Bool(true), [], span), v),
                        Flow::Maybe { returned, value } => (returned, value),
                    };
                    returned[k] = Some(r);
                    value[k] = Some(v);
                }
                let (Some(r0), Some(r1), Some(v0), Some(v1)) =
                    (returned[0], returned[1], value[0], value[1])
                else {
                    return Err(internal(span, "an arm without a flow"));
                };
                Flow::Maybe {
                    returned: self.graph.add_result(region, &[r0, r1]),
                    value: self.graph.add_result(region, &[v0, v1]),
                }
            }
        };
        self.merge_variables(region, &ends[0].scopes, &ends[1].scopes);
        Ok(flow)
    }

    /// Each variable that either arm assigned becomes a result of `region`.
    fn merge_variables(
        &mut self,
        region: RegionId,
        then_scopes: &Scopes<ValueId>,
        else_scopes: &Scopes<ValueId>,
    ) {
        for (depth, frame) in then_scopes.frames.iter().enumerate() {
            for (index, (name, in_then)) in frame.iter().enumerate() {
                let (Some(before), Some(in_else)) = (
                    value_at(&self.scopes, depth, index),
                    value_at(else_scopes, depth, index),
                ) else {
                    continue;
                };
                if *in_then != before || in_else != before {
                    let result = self.graph.add_result(region, &[*in_then, in_else]);
                    self.name_value(result, name);
                    if let Some((_, value)) = self
                        .scopes
                        .frames
                        .get_mut(depth)
                        .and_then(|frame| frame.get_mut(index))
                    {
                        *value = result;
                    }
                }
            }
        }
    }

    /// A statement that does not end the path.
    fn stmt(&mut self, stmt: &Stmt) -> syn::Result<()> {
        match stmt {
            // let mut h = [0.0; N];
            Stmt::Let {
                name,
                init: Expr::Repeat { value, len, span },
                ..
            } => {
                let init = match **value {
                    Expr::Lit { value, .. } => value,
                    _ => return Err(internal(*span, "a local array of a non-literal")),
                };
                let ident = self.fresh_name(&name.ident, true);
                let local = self.graph.locals.push(LocalArray {
                    name: ident.clone(),
                    init,
                    len: (**len).clone(),
                });
                let declare = self.push(Op::Declare(local, false), [], *span);
                self.declare_outside_arms(declare);
                let view = View::whole(ArrayRef::Local(local), VarName::new(ident));
                self.arrays.push((name.text.clone(), view));
            }
            Stmt::Let { name, init, .. } => {
                let value = self.expr(init)?;
                self.declare(name, value);
            }
            // h[j] = e;  h[j] += e;  h[j] -= e;
            Stmt::SetElem {
                array,
                index,
                op,
                op_span,
                value,
            } => {
                let value = self.expr(value)?;
                let place = self.place(array, index)?;
                let (value, add) = match op {
                    AssignOp::Set => (value, false),
                    AssignOp::Add => (value, true),
                    AssignOp::Sub => (self.push(Op::Neg, [value], *op_span), true),
                    AssignOp::Mul | AssignOp::Div => {
                        return Err(internal(*op_span, "`*=` on an element"))
                    }
                };
                self.push(Op::Store(place, add), [value], *op_span);
            }
            Stmt::For(for_loop) => self.for_loop(for_loop)?,
            Stmt::Assign {
                name,
                op,
                op_span,
                value,
            } => {
                let value = self.expr(value)?;
                let value = match op {
                    AssignOp::Set => value,
                    _ => {
                        let old = self.lookup(name)?;
                        let op = match op {
                            AssignOp::Add => Op::Add,
                            AssignOp::Sub => Op::Sub,
                            AssignOp::Mul => Op::Mul,
                            _ => Op::Div,
                        };
                        self.push(op, [old, value], *op_span)
                    }
                };
                self.assign(name, value)?;
            }
            Stmt::If(if_expr) => {
                self.branch(if_expr, false)?;
            }
            Stmt::Return { span, .. } => return Err(internal(*span, "misplaced return")),
            Stmt::Tail(expr) => return Err(internal(expr.span(), "misplaced tail expression")),
            Stmt::Unsupported { span, .. } => return Err(internal(*span, "unsupported statement")),
        }
        Ok(())
    }

    /// An `if` without a `return`: a statement (`want_value == false`) or an expression. Its
    /// results are its value, if wanted, and every outer variable an arm assigns.
    fn branch(&mut self, if_expr: &IfExpr, want_value: bool) -> syn::Result<Option<ValueId>> {
        let cond = self.cond(&if_expr.cond)?;
        let region = self.open_if(cond, if_expr.if_span);
        let mut values = [None; 2];
        let mut ends = Vec::new();
        for (k, arm) in [Some(&if_expr.then_branch), if_expr.else_branch.as_ref()]
            .into_iter()
            .enumerate()
        {
            let end = self.arm(region, k, |this| {
                values[k] = this.value_arm(arm, want_value)?;
                Ok(Flow::Falls)
            })?;
            ends.push(end);
        }
        let value = match values {
            [Some(t), Some(e)] => Some(self.graph.add_result(region, &[t, e])),
            _ if want_value => return Err(internal(if_expr.if_span, "`if` value without else")),
            _ => None,
        };
        let [then_end, else_end]: [ArmEnd; 2] = ends
            .try_into()
            .map_err(|_| internal(if_expr.if_span, "an `if` without two arms"))?;
        self.merge_variables(region, &then_end.scopes, &else_end.scopes);
        Ok(value)
    }

    /// The statements of an arm without a `return`, and its value if wanted.
    fn value_arm(&mut self, arm: Option<&Block>, want_value: bool) -> syn::Result<Option<ValueId>> {
        let Some(block) = arm else {
            return Ok(None);
        };
        self.scopes.push_frame();
        let mut value = None;
        for stmt in &block.stmts {
            match stmt {
                Stmt::Tail(expr) if want_value => value = Some(self.expr(expr)?),
                other => self.stmt(other)?,
            }
        }
        self.scopes.pop_frame();
        Ok(value)
    }

    fn cond(&mut self, cond: &Cond) -> syn::Result<ValueId> {
        Ok(match cond {
            Cond::Cmp {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                self.push(Op::Cmp(*op), [lhs, rhs], *op_span)
            }
            Cond::And(a, b) => {
                let a = self.cond(a)?;
                let b = self.cond(b)?;
                self.push(Op::And, [a, b], Span::call_site())
            }
            Cond::Or(a, b) => {
                let a = self.cond(a)?;
                let b = self.cond(b)?;
                self.push(Op::Or, [a, b], Span::call_site())
            }
            Cond::Not(a) => {
                let a = self.cond(a)?;
                self.push(Op::Not, [a], Span::call_site())
            }
            Cond::Bool(value) => self.push(Op::Bool(*value), [], Span::call_site()),
            Cond::Unsupported { span, .. } => return Err(internal(*span, "unsupported condition")),
        })
    }

    fn expr(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        Ok(match expr {
            Expr::Lit { value, span, .. } => self.push(Op::Lit(*value), [], *span),
            Expr::Var(name) => self.lookup(name)?,
            Expr::Const(path) => {
                let index = self.graph.consts.push(path.clone());
                self.push(Op::Const(index), [], expr.span())
            }
            Expr::Binary {
                op,
                op_span,
                operands,
            } => {
                let [lhs, rhs] = &**operands;
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                let op = match op {
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    BinOp::Mul => Op::Mul,
                    BinOp::Div => Op::Div,
                };
                self.push(op, [lhs, rhs], *op_span)
            }
            Expr::Neg { span, expr } => {
                let a = self.expr(expr)?;
                self.push(Op::Neg, [a], *span)
            }
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                let (op, _) = with_text(method, Method::lookup)
                    .ok_or_else(|| internal(method.span(), "unknown method"))?;
                let mut values = vec![self.expr(receiver)?];
                for arg in args {
                    values.push(self.expr(arg)?);
                }
                let op = op.as_generated(self.keeps_user_fn);
                self.push(Op::Method(op), values, method.span())
            }
            Expr::Powi {
                receiver,
                method,
                exponent,
                ..
            } => {
                let a = self.expr(receiver)?;
                self.push(Op::Powi(*exponent), [a], method.span())
            }
            Expr::Call { func, args } => self.call(func, args)?,
            Expr::If(if_expr) => self
                .branch(if_expr, true)?
                .ok_or_else(|| internal(if_expr.if_span, "`if` without a value"))?,
            Expr::Index { array, index, span } => {
                let place = self.place(array, index)?;
                // An input's element read twice in a block is one value: `x[i] * x[i]`.
                let is_input = matches!(self.graph.places[place].array, ArrayRef::Param(_));
                match self.input_loads.get(&(self.block, place)) {
                    Some(&value) if is_input => value,
                    _ => {
                        let value = self.push(Op::Load(place), [], *span);
                        if is_input {
                            self.input_loads.insert((self.block, place), value);
                        }
                        value
                    }
                }
            }
            Expr::Len { array, span } => {
                let place = self.place_at(array, &[])?;
                self.push(Op::Count(place), [], *span)
            }
            Expr::Ref { span, .. } => return Err(internal(*span, "a misplaced `&`")),
            Expr::Repeat { span, .. } => return Err(internal(*span, "a misplaced local array")),
            Expr::Unsupported { span, .. } => {
                return Err(internal(*span, "unsupported expression"))
            }
        })
    }

    /// `g(a, b)`: a Call value, then one Partial value per argument the callee differentiates;
    /// or, where `g` takes arrays, its body in place.
    fn call(&mut self, func: &Ident, args: &[Expr]) -> syn::Result<ValueId> {
        if with_text(func, |name| self.signatures.arrays.contains_key(name)) {
            return self.inline(func, args);
        }
        let mut values = Vec::new();
        for arg in args {
            values.push(self.expr(arg)?);
        }
        let has_partial = match self.signatures.by_name.get(&func.to_string()) {
            Some((_, wrt)) => wrt.clone(),
            None => vec![true; args.len()],
        };
        let site = CallId::new(self.graph.calls.len());
        let call = self.push(Op::Call(site), values, func.span());
        let mut partials = Vec::new();
        let mut k = 0;
        for has in has_partial {
            partials.push(if has {
                let partial = self.push(Op::Partial(k), [call], func.span());
                k += 1;
                Some(partial)
            } else {
                None
            });
        }
        self.graph.calls.push(CallSite {
            name: func.clone(),
            partials,
        });
        Ok(call)
    }
}

impl<'a> Lowerer<'a> {
    /// `g(xs, &m[k], a)` where `g` takes arrays: `g`'s body, lowered here with its own names,
    /// its numbers bound to the argument values and its arrays to views of the caller's. Its
    /// value is the call's.
    fn inline(&mut self, func: &Ident, args: &[Expr]) -> syn::Result<ValueId> {
        let functions = self.functions;
        let callee = functions
            .iter()
            .find(|f| f.name == *func)
            .ok_or_else(|| internal(func.span(), "a call with arrays of an unknown function"))?;
        if self.inlining.contains(&&callee.name) {
            return Err(internal(func.span(), "a recursive call with arrays"));
        }
        let body = callee
            .body
            .as_ref()
            .ok_or_else(|| internal(func.span(), "the callee has no body"))?;
        if callee.params.len() != args.len() {
            return Err(internal(
                func.span(),
                "a call with arrays and too few arguments",
            ));
        }
        let mut scopes = Scopes::new();
        scopes.push_frame();
        let mut arrays = Vec::new();
        for (param, arg) in callee.params.iter().zip(args) {
            let text = shared_text(&param.name);
            if param.shape.is_scalar() {
                // The argument named like the parameter, as in `let a = ..;`.
                let value = self.expr(arg)?;
                if !self.graph.values[value].op.is_constant() {
                    self.name_value(value, &text);
                }
                scopes.declare(text, value);
            } else {
                let view = self.view_of(arg)?;
                arrays.push((text, view));
            }
        }
        let scopes = std::mem::replace(&mut self.scopes, scopes);
        let arrays = std::mem::replace(&mut self.arrays, arrays);
        let renames = std::mem::take(&mut self.renames);
        self.inlining.push(&callee.name);
        let flow = self.seq(&body.stmts);
        self.inlining.pop();
        self.renames = renames;
        self.arrays = arrays;
        self.scopes = scopes;
        match flow? {
            Flow::Returns(value) => Ok(value),
            _ => Err(internal(
                body.span,
                "a path of the callee ends without a value",
            )),
        }
    }

    /// The array an argument passes: one of the caller's (`xs`, `&xs`), or a row (`&m[k]`).
    fn view_of(&self, arg: &Expr) -> syn::Result<View> {
        let inner = match arg {
            Expr::Ref { expr, .. } => expr,
            other => other,
        };
        match inner {
            Expr::Var(name) => Ok(self.array(name)?.clone()),
            Expr::Index { array, index, .. } => {
                let view = self.array(array)?;
                let mut row = view.row.clone();
                row.extend(index.iter().map(|i| self.subst(i)));
                Ok(View {
                    array: view.array,
                    name: view.name.clone(),
                    row,
                    len: Some(view.len(true)),
                    row_len: None,
                })
            }
            other => Err(internal(
                other.span(),
                "an array argument that names no array",
            )),
        }
    }
}

/// `N` of `[T; N]` as an index: a literal or a constant.
fn dim_index(dim: &Dim) -> Option<IndexExpr> {
    match dim {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok().map(|value| IndexExpr::Lit {
            value,
            span: int.span(),
        }),
        syn::Expr::Path(path) if path.qself.is_none() => Some(IndexExpr::Const(path.path.clone())),
        _ => None,
    }
}

/// The local arrays and loop variables `block` declares, at any depth, into `taken`.
fn names_declared(block: &Block, taken: &mut Taken) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let {
                name,
                init: Expr::Repeat { .. },
                ..
            } => {
                taken.arrays.insert(name.text.clone());
            }
            Stmt::If(if_expr) => {
                names_declared(&if_expr.then_branch, taken);
                if let Some(block) = &if_expr.else_branch {
                    names_declared(block, taken);
                }
            }
            Stmt::For(for_loop) => {
                match &for_loop.kind {
                    ForKind::Range { var, .. } => {
                        taken.loops.insert(var.text.clone());
                    }
                    ForKind::Elements { elems, .. } => {
                        if let Some(first) = elems.first() {
                            let var = format!("{}_i", first.text.trim_start_matches("r#"));
                            taken.loops.insert(Rc::from(var));
                        }
                    }
                }
                names_declared(&for_loop.body, taken);
            }
            _ => {}
        }
    }
}

/// The names `block` assigns (`x = ..`, `x += ..`), at any depth, in order of first assignment.
fn assigned_names(block: &Block, names: &mut Vec<Rc<str>>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Assign { name, .. } if !names.contains(&name.text) => {
                names.push(name.text.clone());
            }
            Stmt::If(if_expr) => {
                assigned_names(&if_expr.then_branch, names);
                if let Some(block) = &if_expr.else_branch {
                    assigned_names(block, names);
                }
            }
            Stmt::For(for_loop) => assigned_names(&for_loop.body, names),
            _ => {}
        }
    }
}

/// The value of the `index`-th variable of frame `depth`.
fn value_at(scopes: &Scopes<ValueId>, depth: usize, index: usize) -> Option<ValueId> {
    let (_, value) = scopes.frames.get(depth)?.get(index)?;
    Some(*value)
}

/// Whether one arm of `if_expr` always returns and the other does not.
fn one_arm_returns(if_expr: &IfExpr) -> bool {
    let else_returns = if_expr.else_branch.as_ref().is_some_and(Block::completes);
    if_expr.then_branch.completes() != else_returns
}

/// Whether `stmt` may end the function's path (a `return`, or an `if` holding one).
fn may_return(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Return { .. } => true,
        Stmt::If(if_expr) => if_contains_return(if_expr),
        _ => false,
    }
}

fn if_contains_return(if_expr: &IfExpr) -> bool {
    contains_return(&if_expr.then_branch)
        || if_expr.else_branch.as_ref().is_some_and(contains_return)
}

fn contains_return(block: &Block) -> bool {
    block.stmts.iter().any(may_return)
}
