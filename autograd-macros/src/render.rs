//! IR → Rust statements: names, inlining, parentheses.
//!
//! A node gets a `let` when it has a name (the user's, or `d_` + one) or is used more than
//! once or from another block; every other node is written inline where it is used, so the
//! code has no needless temporaries. Names are the user's, made unique with `_1`, `_2` where
//! a variable was assigned again; temporaries the user had no name for are `t1`, `t2`, ...
//! The expression syntax itself (precedence, operators, literals) is `print.rs`'s.

use std::fmt::Write as _;
use std::rc::Rc;

use proc_macro2::{Delimiter, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ast::{IndexExpr, IndexOp, Scalar, Shape};
use crate::errors::Errors;
use crate::hash::{FastMap, FastSet};
use crate::ir::{
    internal, ArrayRef, BlockId, CallId, Graph, IdVec, Inst, LoopHeader, Op, PlaceId, Program,
    RegionId, RegionKind, ValueId,
};
use crate::print::{
    constant, literal_prec, prec, write_count, write_element, write_index, write_literal, Printer,
};
use crate::tokens;

/// Whether `text` is an identifier as it is (`x`, `d_x`, `t1`; not `r#let`). Names derived
/// here are never keywords.
fn is_plain(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
}

/// An identifier from a name; `r#let` stays a raw identifier.
fn make_ident(text: &str, span: Span) -> Ident {
    if is_plain(text) {
        return Ident::new(text, span);
    }
    make_unusual_ident(text, span)
}

/// An identifier from a name that is not plain (see `is_plain`): `r#let`, or `let` made raw.
fn make_unusual_ident(text: &str, span: Span) -> Ident {
    let mut ident = syn::parse_str::<Ident>(text)
        .or_else(|_| syn::parse_str::<Ident>(&format!("r#{text}")))
        .unwrap_or_else(|_| format_ident!("t"));
    ident.set_span(span);
    ident
}

/// A name without its `r#`, to build other names from: `d_` + `let`.
fn unraw(text: &str) -> &str {
    text.strip_prefix("r#").unwrap_or(text)
}

/// Renders the body of a `_grad` function.
/// The `autograd::Trace` that `f_trace` fills.
pub const TRACE: &str = "__trace";

pub struct Renderer<'a> {
    program: &'a Program,
    scalar: &'a Scalar,
    /// How often each node is used, and the block of its last use.
    uses: IdVec<ValueId, usize>,
    use_block: IdVec<ValueId, Option<BlockId>>,
    defined_in: IdVec<ValueId, Option<BlockId>>,
    /// For a node used as an arm's value of an `if`: that result's Phi.
    arm_value_of: IdVec<ValueId, Option<ValueId>>,
    /// Whether each node gets its own `let` (see `is_bound`).
    bound: IdVec<ValueId, bool>,
    /// The name each bound node has in the generated code.
    names: IdVec<ValueId, Option<Ident>>,
    /// The text of each name, as its identifier prints: other names are built from it
    /// without formatting the identifier again; shared with `taken`.
    texts: IdVec<ValueId, Option<Rc<str>>>,
    taken: FastSet<Rc<str>>,
    /// For a name taken more than once, the suffix to try next.
    suffixes: FastMap<String, usize>,
    temps: usize,
    /// Where the next name is built, so that building it allocates nothing.
    scratch: String,
    /// Internal errors found while writing (a bound value without a name).
    errors: Errors,
    /// The parameters' names.
    params: Vec<Ident>,
    /// For each loop whose reverse reads saved values: where it saves them, and which of its
    /// carried variables.
    tapes: FastMap<RegionId, Tape>,
    /// The parameters' shapes, for what the loops of a `_grad` body do beyond the tape-free
    /// rendering `f_trace` shares: a check of the reads of arrays whose length is known only
    /// at run time, once before a loop (`bounds.rs`), and a stack array for the tape of a loop
    /// whose trip count is a constant. `None`: neither.
    shapes: Option<Vec<Shape>>,
}

/// A tape with more entries than this stays a `Vec` even when its length is a constant: the
/// stack is not the place for it.
const STACK_TAPE_MAX: u64 = 4096;

/// `let mut h_tape = Vec::with_capacity(..)`: a forward loop's carried variables at the start
/// of each iteration, for its reverse loop; with `ends`, also their values after the loop, so
/// that the reverse loop reads each iteration's start and end from a window of two.
struct Tape {
    name: Ident,
    carried: Vec<usize>,
    ends: bool,
}

impl<'a> Renderer<'a> {
    pub fn new(
        program: &'a Program,
        scalar: &'a Scalar,
        params: &[Ident],
        reserved: &[String],
    ) -> Self {
        let count = program.graph.values.len();
        let mut renderer = Renderer {
            program,
            scalar,
            uses: IdVec::filled(0, count),
            use_block: IdVec::filled(None, count),
            defined_in: IdVec::filled(None, count),
            arm_value_of: IdVec::filled(None, count),
            bound: IdVec::new(),
            names: IdVec::filled(None, count),
            texts: IdVec::filled(None, count),
            // Every bound node takes a name: no growing, no rehashing.
            taken: FastSet::with_capacity_and_hasher(count, Default::default()),
            suffixes: FastMap::default(),
            temps: 0,
            scratch: String::new(),
            errors: Errors::default(),
            params: params.to_vec(),
            tapes: FastMap::default(),
            shapes: None,
        };
        renderer
            .taken
            .extend(reserved.iter().map(|name| Rc::from(name.as_str())));
        // Loop variables, local arrays and adjoint arrays keep their names.
        let graph = &program.graph;
        let mut kept: Vec<String> = graph.loops.iter().map(|(_, h)| h.var.to_string()).collect();
        for (_, local) in graph.locals.iter() {
            kept.push(local.name.to_string());
            kept.push(format!("d_{}", unraw(&local.name.to_string())));
        }
        for (_, place) in graph.places.iter() {
            if let (ArrayRef::Param(i), true) = (place.array, place.adjoint) {
                if let Some(param) = params.get(i) {
                    kept.push(format!("d_{}", unraw(&param.to_string())));
                }
            }
        }
        renderer
            .taken
            .extend(kept.iter().map(|name| Rc::from(name.as_str())));
        renderer.taken.insert(Rc::from(scalar.ident().to_string()));
        let texts: Vec<Rc<str>> = params.iter().map(|p| Rc::from(p.to_string())).collect();
        renderer.taken.extend(texts.iter().cloned());
        // One pass over the nodes for all the parameters.
        for (id, node) in program.graph.values.iter() {
            if let Op::Param(i) = node.op {
                if let (Some(param), Some(text)) = (params.get(i), texts.get(i)) {
                    renderer.names[id] = Some(param.clone());
                    renderer.texts[id] = Some(text.clone());
                }
            }
        }
        renderer.count_uses(program.root);
        renderer.add_use(program.value, program.root);
        for &grad in program.grads.iter().flatten() {
            renderer.add_use(grad, program.root);
        }
        // Fixed from here on; asked for every use of every node.
        renderer.bound = program
            .graph
            .values
            .ids()
            .map(|id| renderer.compute_bound(id))
            .collect();
        renderer.assign_names(program.root);
        renderer.name_tapes();
        renderer
    }

    /// Renders loops knowing the parameters' shapes (see `shapes`): the `_grad` functions do.
    pub fn with_shapes(&mut self, shapes: Vec<Shape>) {
        self.shapes = Some(shapes);
    }

    /// For a loop whose range ends at a constant (`0..xs.len()` of an `[T; N]`, `1..=N - 1`),
    /// that end, one past its last index: its tape is a stack array of that length (and one
    /// more with the end entry), written at the iteration's index. Constants are literals,
    /// lengths of fixed-size arrays (an `[T; N]` parameter's, a local `[0.0; N]`'s) and the
    /// constants that are such lengths (`N`), so the tape is no larger than arrays the
    /// function holds already; a literal end only up to `STACK_TAPE_MAX`.
    fn stack_end(&self, header: &LoopHeader) -> Option<TokenStream> {
        self.shapes.as_ref()?;
        let end = crate::bounds::shifted(&header.end, i64::from(header.inclusive));
        let (end, value) = self.constant(&end)?;
        match value {
            Some(v) if v > STACK_TAPE_MAX => None,
            _ => Some(end),
        }
    }

    /// An index expression as a constant expression, and its value if it is a literal one.
    fn constant(&self, index: &IndexExpr) -> Option<(TokenStream, Option<u64>)> {
        let graph = self.graph();
        match index {
            IndexExpr::Lit { value, .. } => {
                let mut tokens = TokenStream::new();
                write_index(index, &mut tokens);
                Some((tokens, Some(*value)))
            }
            IndexExpr::Const(path) => {
                let text = quote!(#path).to_string();
                let is_length = self
                    .fixed_lengths()
                    .any(|dim| quote!(#dim).to_string() == text);
                is_length.then(|| (quote!(#path), None))
            }
            IndexExpr::Len { array, rows } => {
                let name = &*array.text;
                let mut locals = graph.locals.iter().filter(|(_, l)| l.name == name);
                let dim = match locals.next() {
                    // Locals of one name and two lengths: not one constant.
                    Some((_, local)) if !*rows => {
                        let len = &local.len;
                        let text = quote!(#len).to_string();
                        if locals.any(|(_, l)| {
                            let other = &l.len;
                            quote!(#other).to_string() != text
                        }) {
                            return None;
                        }
                        local.len.clone()
                    }
                    Some(_) => return None,
                    None => {
                        let i = self.params.iter().position(|p| p == name)?;
                        match (self.shapes.as_ref()?.get(i)?, *rows) {
                            (Shape::Array(n), false) | (Shape::Rows(n), true) => n.clone(),
                            (Shape::Matrix { rows, .. }, false) => rows.clone(),
                            (Shape::Matrix { cols, .. }, true) => cols.clone(),
                            _ => return None,
                        }
                    }
                };
                let value = match &dim {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(int),
                        ..
                    }) => int.base10_parse().ok(),
                    _ => None,
                };
                Some((quote!(#dim), value))
            }
            IndexExpr::Binary {
                op,
                op_span,
                operands,
            } => {
                let (a, x) = self.constant(&operands[0])?;
                let (b, y) = self.constant(&operands[1])?;
                let value = match (x, y) {
                    (Some(x), Some(y)) => match op {
                        IndexOp::Add => x.checked_add(y),
                        IndexOp::Sub => x.checked_sub(y),
                        IndexOp::Mul => x.checked_mul(y),
                        IndexOp::Div => x.checked_div(y),
                        IndexOp::Rem => x.checked_rem(y),
                    },
                    _ => None,
                };
                let mut tokens = a;
                tokens::op(&mut tokens, op.text(), *op_span);
                tokens.extend(b);
                Some((tokens, value))
            }
            IndexExpr::Paren(inner) => {
                let (inner, value) = self.constant(inner)?;
                Some((quote!((#inner)), value))
            }
            _ => None,
        }
    }

    /// The lengths of the fixed-size arrays: parameters' and locals'.
    fn fixed_lengths(&self) -> impl Iterator<Item = &syn::Expr> {
        let params = self.shapes.iter().flatten().flat_map(|shape| match shape {
            Shape::Array(n) | Shape::Rows(n) => vec![n],
            Shape::Matrix { rows, cols } => vec![rows, cols],
            _ => Vec::new(),
        });
        params.chain(self.graph().locals.iter().map(|(_, l)| &l.len))
    }

    /// `if a < b { assert!(b - 1 + c < xs.len()); }` before a loop that reads `xs[i + c]`.
    fn write_checks(&mut self, region: RegionId, out: &mut TokenStream) {
        let graph = self.graph();
        let (guarded, checks) = crate::bounds::loop_checks(graph, region);
        let mut asserts = TokenStream::new();
        for check in checks {
            let ArrayRef::Param(i) = check.array else {
                continue;
            };
            let shape = self.shapes.as_ref().and_then(|shapes| shapes.get(i));
            if !shape.is_some_and(Shape::is_dynamic) {
                continue;
            }
            let Some(name) = self.array_name(check.array) else {
                continue;
            };
            let mut index = TokenStream::new();
            write_index(&check.index, &mut index);
            asserts.extend(quote!(assert!(#index < #name.len());));
        }
        if asserts.is_empty() {
            return;
        }
        let Some(header) = graph.header(region) else {
            return;
        };
        if guarded {
            let mut range = TokenStream::new();
            write_index(&header.start, &mut range);
            tokens::op(
                &mut range,
                if header.inclusive { "<=" } else { "<" },
                Span::call_site(),
            );
            write_index(&header.end, &mut range);
            out.extend(quote!(if #range { #asserts }));
        } else {
            out.extend(asserts);
        }
    }

    /// Finds the forward loops whose reverse loops read saved values, and names their tapes.
    fn name_tapes(&mut self) {
        let graph = self.graph();
        let mut saved: Vec<(RegionId, usize)> = graph
            .values
            .iter()
            .filter_map(|(id, value)| match value.op {
                Op::Saved(region, k) | Op::SavedEnd(region, k) if self.uses[id] > 0 => {
                    Some((region, k))
                }
                _ => None,
            })
            .collect();
        saved.sort_unstable();
        saved.dedup();
        let mut by_loop: Vec<(RegionId, Vec<usize>)> = Vec::new();
        for (region, k) in saved {
            match by_loop.last_mut() {
                Some((last, carried)) if *last == region => carried.push(k),
                _ => by_loop.push((region, vec![k])),
            }
        }
        for (region, carried) in by_loop {
            self.scratch.clear();
            match carried.as_slice() {
                [k] => {
                    let name = graph.regions[region]
                        .results
                        .get(*k)
                        .and_then(|&r| self.texts[r].clone());
                    match name {
                        Some(name) => {
                            self.scratch.push_str(unraw(&name));
                            self.scratch.push_str("_tape");
                        }
                        None => self.scratch.push_str("tape"),
                    }
                }
                _ => self.scratch.push_str("tape"),
            }
            let text = self.unique(None);
            let name = make_ident(&text, graph.regions[region].span);
            let ends = graph.values.iter().any(|(id, value)| {
                matches!(value.op, Op::SavedEnd(r, _) if r == region) && self.uses[id] > 0
            });
            // The reverse loop must see the tape: a forward loop inside an arm of an `if` has
            // its reverse in the other `if`, where the arm's tape is out of scope.
            let forward_parent = graph.regions[region].parent;
            let hidden = graph.regions.iter().any(|(_, r)| {
                graph
                    .header_of(r)
                    .is_some_and(|h| h.forward == Some(region))
                    && !graph.encloses(forward_parent, r.parent)
            });
            if hidden {
                self.errors.push_error(syn::Error::new(
                    graph.regions[region].span,
                    "the gradient of this loop needs the values it carries at each step, and \
                     that is not supported yet for a loop inside an `if`; move the loop out of \
                     the `if` and put the condition inside the loop's body",
                ));
            }
            self.tapes.insert(
                region,
                Tape {
                    name,
                    carried,
                    ends,
                },
            );
        }
    }

    fn graph(&self) -> &'a Graph {
        &self.program.graph
    }

    fn add_use(&mut self, node: ValueId, block: BlockId) {
        self.uses[node] += 1;
        self.use_block[node] = Some(block);
    }

    fn count_uses(&mut self, block: BlockId) {
        let graph = self.graph();
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => {
                    self.defined_in[id] = Some(block);
                    for &arg in &graph.values[id].args {
                        self.add_use(arg, block);
                    }
                }
                Inst::Region(region) => {
                    let region = &graph.regions[region];
                    for &arg in &region.args {
                        self.add_use(arg, block);
                    }
                    // `let mut a = b1[j];` before a loop that changes `a`: the loop's variable
                    // is named `a` already.
                    if let RegionKind::Loop(_) = region.kind {
                        for (&arg, &result) in region.args.iter().zip(&region.results) {
                            self.arm_value_of[arg] = Some(result);
                        }
                    }
                    for (&body, yields) in region.bodies.iter().zip(&region.yields) {
                        self.count_uses(body);
                        for (&value, &result) in yields.iter().zip(&region.results) {
                            self.add_use(value, body);
                            self.arm_value_of[value] = Some(result);
                        }
                    }
                }
            }
        }
    }

    /// Whether node `id` gets its own `let` (or is bound by its call or `if`).
    fn is_bound(&self, id: ValueId) -> bool {
        self.bound[id]
    }

    fn compute_bound(&self, id: ValueId) -> bool {
        let node = &self.graph().values[id];
        match node.op {
            Op::Param(_) | Op::Lit(_) | Op::Const(_) | Op::Bool(_) => false,
            Op::Store(..) | Op::Declare(..) | Op::Trace(..) => false,
            Op::Partial(_)
            | Op::Result(..)
            | Op::Carried(..)
            | Op::Saved(..)
            | Op::SavedEnd(..) => true,
            // A local or adjoint element changes: read it where it stands.
            Op::Load(place) if self.is_mutable(place) => true,
            Op::Call(_) if self.has_partials(id) => true,
            _ => {
                let single_local_use =
                    self.uses[id] == 1 && self.use_block[id] == self.defined_in[id];
                // `y = y * 0.5` in an arm: the `if`'s result is named `y` already.
                let named_by_phi = self.arm_value_of[id].is_some_and(|phi| {
                    let name_of =
                        |n: ValueId| self.graph().values[n].name.as_ref().map(|n| &n.text);
                    name_of(phi) == name_of(id)
                });
                !single_local_use || (node.name.is_some() && !named_by_phi)
            }
        }
    }

    fn is_mutable(&self, place: PlaceId) -> bool {
        let place = &self.graph().places[place];
        place.adjoint || matches!(place.array, ArrayRef::Local(_))
    }

    fn has_partials(&self, call: ValueId) -> bool {
        let Op::Call(site) = self.graph().values[call].op else {
            return false;
        };
        self.graph().calls[site]
            .partials
            .iter()
            .flatten()
            .any(|&p| self.uses[p] > 0)
    }

    /// Takes the name in `scratch`, made unique: `t` is a temporary, `t1`, `t2`, ...; a
    /// name taken already gets a suffix, `x_1`, `x_2`, ... `text` is the name's text if it
    /// has one already.
    fn unique(&mut self, text: Option<Rc<str>>) -> Rc<str> {
        if self.scratch == "t" {
            loop {
                self.temps += 1;
                self.scratch.truncate(1);
                let _ = write!(self.scratch, "{}", self.temps);
                if !self.taken.contains(self.scratch.as_str()) {
                    break;
                }
            }
        } else {
            // Most names are free: taking one is then a single lookup.
            let name: Rc<str> = match text {
                Some(text) if *text == *self.scratch => text,
                _ => Rc::from(self.scratch.as_str()),
            };
            if self.taken.insert(name.clone()) {
                return name;
            }
            // The first free `base_i`; the search resumes where the last one for `base` ended
            // (names are never freed), so n copies of a name cost O(n), not O(n²).
            let base = self.scratch.len();
            let next = self.suffixes.entry(self.scratch.clone()).or_insert(1);
            loop {
                self.scratch.truncate(base);
                let _ = write!(self.scratch, "_{next}");
                *next += 1;
                if !self.taken.contains(self.scratch.as_str()) {
                    break;
                }
            }
        }
        let name: Rc<str> = Rc::from(self.scratch.as_str());
        self.taken.insert(name.clone());
        name
    }

    /// Writes the name node `id` would like into `scratch`; returns the IR's name, which
    /// `unique` shares rather than copies where it is what was written.
    fn base_name(&mut self, id: ValueId) -> Option<Rc<str>> {
        let node = &self.graph().values[id];
        self.scratch.clear();
        if let Some(primal) = node.adjoint_of {
            if let Some(primal_name) = &self.texts[primal] {
                self.scratch.push_str("d_");
                self.scratch.push_str(unraw(primal_name));
                // `reverse` named the sum so too, mostly: its text is shared if it is the same.
                return node.name.as_ref().map(|name| name.text.clone());
            }
        }
        match &node.name {
            Some(name) => {
                self.scratch.push_str(&name.text);
                return Some(name.text.clone());
            }
            None if self.graph().is_bool(id) => self.scratch.push_str("cond"),
            None => self.scratch.push('t'),
        }
        None
    }

    /// Names node `id` `text`.
    fn set_name(&mut self, id: ValueId, text: Rc<str>) {
        let span = self.graph().values[id].span;
        // A plain name prints as it is written; any other is printed once.
        let (ident, text) = if is_plain(&text) {
            (Ident::new(&text, span), text)
        } else {
            let ident = make_unusual_ident(&text, span);
            let printed = Rc::from(ident.to_string());
            (ident, printed)
        };
        self.names[id] = Some(ident);
        self.texts[id] = Some(text);
    }

    fn assign_name(&mut self, id: ValueId) {
        let name = match self.graph().values[id].export_of {
            Some(original) if self.names[original].is_some() => {
                self.texts[original].clone().unwrap_or_else(|| Rc::from(""))
            }
            _ => {
                let text = self.base_name(id);
                self.unique(text)
            }
        };
        self.set_name(id, name);
    }

    /// Names every bound node, in program order (so a primal is named before its adjoint).
    fn assign_names(&mut self, block: BlockId) {
        let graph = self.graph();
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => {
                    if matches!(graph.values[id].op, Op::Partial(_))
                        || !self.is_bound(id)
                        || self.names[id].is_some()
                    {
                        continue;
                    }
                    self.assign_name(id);
                    if let Op::Call(site) = graph.values[id].op {
                        self.name_partials(id, site);
                    }
                }
                Inst::Region(region_id) => {
                    let region = &graph.regions[region_id];
                    if let RegionKind::Loop(_) = region.kind {
                        // A carried variable has one name: before, inside and after the loop.
                        let body = region.bodies[0];
                        for (k, &result) in region.results.iter().enumerate() {
                            self.assign_name(result);
                            let carried = graph.carried(region_id, k);
                            if let (Some(carried), Some(text)) =
                                (carried, self.texts[result].clone())
                            {
                                self.set_name(carried, text);
                            }
                        }
                        self.assign_names(body);
                        continue;
                    }
                    for &body in &region.bodies {
                        self.assign_names(body);
                    }
                    for &phi in &region.results {
                        self.assign_name(phi);
                    }
                }
            }
        }
    }

    // ∂s/∂a of `let s = g(a, b)` is `ds_da`
    fn name_partials(&mut self, call: ValueId, site: CallId) {
        let graph = self.graph();
        let call_name = self.texts[call].clone().unwrap_or_else(|| Rc::from(""));
        for (i, partial) in graph.calls[site].partials.iter().enumerate() {
            let Some(partial) = *partial else { continue };
            if self.uses[partial] == 0 {
                continue;
            }
            let arg = graph.values[call].args[i];
            self.scratch.clear();
            let _ = match &self.texts[arg] {
                Some(arg_name) => write!(self.scratch, "d{call_name}_d{}", unraw(arg_name)),
                None => write!(self.scratch, "d{call_name}_d{}", i + 1),
            };
            let name = self.unique(None);
            self.set_name(partial, name);
        }
    }

    /// The statements of `block`.
    pub fn block(&mut self, block: BlockId) -> TokenStream {
        let mut out = TokenStream::new();
        self.write_block(block, &mut out);
        out
    }

    /// Writes the statements of `block` into `out`.
    pub fn write_block(&mut self, block: BlockId, out: &mut TokenStream) {
        let graph = self.graph();
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => {
                    let node = &graph.values[id];
                    match node.op {
                        Op::Store(place, add) => {
                            self.write_store(place, add, node.args.as_slice(), node.span, out);
                            continue;
                        }
                        Op::Declare(local, with_adjoint) => {
                            let local = &graph.locals[local];
                            let name = &local.name;
                            let len = &local.len;
                            let mut init = TokenStream::new();
                            write_literal(local.init, self.scalar, node.span, &mut init);
                            out.extend(quote_spanned!(node.span=> let mut #name = [#init; #len];));
                            if with_adjoint {
                                let d_name = make_ident(
                                    &format!("d_{}", unraw(&name.to_string())),
                                    node.span,
                                );
                                let mut zero = TokenStream::new();
                                write_literal(0.0, self.scalar, node.span, &mut zero);
                                out.extend(
                                    quote_spanned!(node.span=> let mut #d_name = [#zero; #len];),
                                );
                            }
                            continue;
                        }
                        Op::Trace(k, adjoint) => {
                            self.write_trace(k, adjoint, node.args.as_slice(), node.span, out);
                            continue;
                        }
                        Op::Carried(..) | Op::Saved(..) | Op::SavedEnd(..) => continue,
                        _ => {}
                    }
                    if matches!(node.op, Op::Partial(_)) || !self.is_bound(id) {
                        continue;
                    }
                    if let Op::Call(site) = node.op {
                        if self.has_partials(id) {
                            let tokens = self.call_with_partials(id, site);
                            out.extend(tokens);
                            continue;
                        }
                    }
                    tokens::let_binding(out, false, self.names[id].clone(), node.span);
                    self.write_op(id, out);
                    tokens::op(out, ";", Span::call_site());
                }
                Inst::Region(region) => match graph.regions[region].kind {
                    RegionKind::If => self.write_if(region, out),
                    RegionKind::Loop(_) => self.write_loop(region, out),
                },
            }
        }
    }

    // let (a, b) = if cond { ...; (a1, b1) } else { ...; (a2, b2) };
    fn write_if(&mut self, region: RegionId, out: &mut TokenStream) {
        let region = &self.graph().regions[region];
        let cond = self.expr(region.cond());
        let mut arms = Vec::new();
        for (&body, yields) in region.bodies.iter().zip(&region.yields) {
            let mut stmts = self.block(body);
            stmts.extend(self.tuple(yields));
            arms.push(stmts);
        }
        let (then_arm, else_arm) = (arms.first(), arms.get(1));
        let names: Vec<&Option<Ident>> = region.results.iter().map(|&r| &self.names[r]).collect();
        let span = region.span;
        match names.as_slice() {
            // An arm without code (a store's reverse in the other) is left out.
            [] if else_arm.is_none_or(TokenStream::is_empty) => out.extend(quote_spanned!(span=>
                if #cond { #then_arm }
            )),
            [] => out.extend(quote_spanned!(span=>
                if #cond { #then_arm } else { #else_arm }
            )),
            [one] => out.extend(quote_spanned!(span=>
                let #one = if #cond { #then_arm } else { #else_arm };
            )),
            many => out.extend(quote_spanned!(span=>
                let (#(#many),*) = if #cond { #then_arm } else { #else_arm };
            )),
        }
    }

    // let mut s = s0;
    // for i in a..b { ...; s = s + ...; }
    // (a reverse loop: `for i in (a..b).rev()`, or `for (i, &h) in (a..b).zip(&h_tape).rev()`
    // when it reads what the forward loop saved)
    fn write_loop(&mut self, region_id: RegionId, out: &mut TokenStream) {
        let graph = self.graph();
        let region = &graph.regions[region_id];
        let span = region.span;
        let Some(header) = graph.header(region_id) else {
            self.errors
                .push_error(internal(span, format!("{region_id:?} has no loop header")));
            return;
        };
        let body = region.bodies[0];
        let carried: Vec<Option<ValueId>> = (0..region.args.len())
            .map(|k| graph.carried(region_id, k))
            .collect();
        let mut updates = Vec::new();
        for (k, (&init, &result)) in region.args.iter().zip(&region.results).enumerate() {
            let out_value = region.yields[0].get(k).copied();
            let changes = out_value.is_some() && out_value != carried[k];
            let init = self.expr(init);
            tokens::let_binding(out, changes, self.names[result].clone(), span);
            out.extend(init);
            tokens::op(out, ";", span);
            if let (true, Some(value)) = (changes, out_value) {
                updates.push((result, carried[k], value));
            }
        }
        // The carried variables the tape keeps, by the names they have here.
        let tape = self.tapes.get(&region_id).map(|tape| {
            let names: Vec<Option<Ident>> = tape
                .carried
                .iter()
                .map(|&k| region.results.get(k).and_then(|&r| self.names[r].clone()))
                .collect();
            (tape.name.clone(), names, tape.ends)
        });
        let var = &header.var;
        let mut range = TokenStream::new();
        write_index(&header.start, &mut range);
        let mut end = TokenStream::new();
        write_index(&header.end, &mut end);
        // A tape of a constant length is a stack array, written at the iteration's index;
        // any other a `Vec`, pushed to.
        let stack = tape.as_ref().and_then(|_| self.stack_end(header));
        if let Some((tape, names, ends)) = &tape {
            let extra = ends.then(|| quote!(+ 1));
            match &stack {
                Some(end) => {
                    let mut zero = TokenStream::new();
                    write_literal(0.0, self.scalar, span, &mut zero);
                    let zeros = names.iter().flatten().map(|_| &zero);
                    let init = match names.iter().flatten().count() {
                        1 => zero.clone(),
                        _ => quote!((#(#zeros),*)),
                    };
                    out.extend(quote_spanned!(span=>
                        let mut #tape = [#init; #end #extra];
                    ));
                }
                None => {
                    let mut capacity = range.clone();
                    if header.inclusive {
                        capacity.extend(quote!(..=#end));
                    } else {
                        capacity.extend(quote!(..#end));
                    }
                    out.extend(quote_spanned!(span=>
                        let mut #tape = ::std::vec::Vec::with_capacity((#capacity).count() #extra);
                    ));
                }
            }
        }
        self.write_checks(region_id, out);
        let mut stmts = TokenStream::new();
        let saved_from = header.forward.and_then(|forward| self.tapes.get(&forward));
        let head = match (header.reversed, saved_from) {
            (false, _) if header.inclusive => quote!(#var in #range..=#end),
            (false, _) => quote!(#var in #range..#end),
            (true, None) if header.inclusive => quote!(#var in (#range..=#end).rev()),
            (true, None) => quote!(#var in (#range..#end).rev()),
            (true, Some(tape)) => {
                // The saved values this body reads, by the names they have here.
                let saved_names = |moment: fn(RegionId, usize) -> Op| -> Vec<TokenStream> {
                    tape.carried
                        .iter()
                        .map(|&k| {
                            let op = header.forward.map(|f| moment(f, k));
                            let saved =
                                graph.blocks[body]
                                    .insts
                                    .iter()
                                    .find_map(|inst| match *inst {
                                        Inst::Value(id)
                                            if Some(&graph.values[id].op) == op.as_ref() =>
                                        {
                                            Some(id)
                                        }
                                        _ => None,
                                    });
                            match saved.filter(|&id| self.uses[id] > 0) {
                                Some(id) => {
                                    let name = self.names[id].clone();
                                    quote!(#name)
                                }
                                None => quote!(_),
                            }
                        })
                        .collect()
                };
                let starts = saved_names(Op::Saved);
                // A stack tape holds the iterations from its index 0: from the range's start on.
                let tape_name = tape.name.clone();
                let from_start = !matches!(header.start, IndexExpr::Lit { value: 0, .. })
                    && header
                        .forward
                        .and_then(|f| graph.header(f))
                        .is_some_and(|f| self.stack_end(f).is_some());
                let tape_name = if from_start {
                    quote!(#tape_name[#range..])
                } else {
                    quote!(#tape_name)
                };
                let bound = if header.inclusive {
                    quote!(#end + 1)
                } else {
                    end.clone()
                };
                let tuple = |names: &[TokenStream]| match names {
                    [one] => quote!(#one),
                    many => quote!((#(#many),*)),
                };
                if tape.ends {
                    // for (i, window) in (a..b).zip(h_tape.windows(2)).rev() {
                    //     let h = window[0]; let h_end = window[1]; ...
                    let ends = saved_names(Op::SavedEnd);
                    let window = make_ident("window", span);
                    let (start_tuple, end_tuple) = (tuple(&starts), tuple(&ends));
                    if starts.iter().any(|t| t.to_string() != "_") {
                        stmts.extend(quote!(let #start_tuple = #window[0];));
                    }
                    stmts.extend(quote!(let #end_tuple = #window[1];));
                    quote!((#var, #window) in (#range..#bound).zip(#tape_name.windows(2)).rev())
                } else {
                    let pattern = tuple(&starts);
                    quote!((#var, &#pattern) in (#range..#bound).zip(&#tape_name).rev())
                }
            }
        };
        if let Some((tape, names, _)) = &tape {
            let names: Vec<&Ident> = names.iter().flatten().collect();
            let entry = match names.as_slice() {
                [one] => quote!(#one),
                many => quote!((#(#many),*)),
            };
            match &stack {
                Some(_) => stmts.extend(quote!(#tape[#var] = #entry;)),
                None => stmts.extend(quote!(#tape.push(#entry);)),
            }
        }
        self.write_block(body, &mut stmts);
        self.write_updates(&updates, span, &mut stmts);
        out.extend(quote_spanned!(span=> for #head));
        tokens::group(out, Delimiter::Brace, stmts, span);
        // The values after the loop end the tape: the last iteration's end.
        if let Some((tape, names, true)) = &tape {
            let names: Vec<&Ident> = names.iter().flatten().collect();
            let entry = match names.as_slice() {
                [one] => quote!(#one),
                many => quote!((#(#many),*)),
            };
            match &stack {
                Some(end) => out.extend(quote!(#tape[#end] = #entry;)),
                None => out.extend(quote!(#tape.push(#entry);)),
            }
        }
    }

    /// The carried variables' new values at the end of an iteration: one assignment each
    /// (`s += r * r;`), in an order where none reads a variable assigned before it, or, where
    /// there is no such order, all at once: `(a, b) = (b, a + b);`.
    fn write_updates(
        &mut self,
        updates: &[(ValueId, Option<ValueId>, ValueId)],
        span: Span,
        out: &mut TokenStream,
    ) {
        let graph = self.graph();
        let reads: Vec<Vec<ValueId>> = updates
            .iter()
            .map(|&(_, _, value)| {
                let mut read = Vec::new();
                self.inline_reads(value, &mut read);
                read
            })
            .collect();
        let mut left: Vec<usize> = (0..updates.len()).collect();
        let mut order = Vec::new();
        while !left.is_empty() {
            // An update whose variable no other remaining update reads can go next.
            let next = left.iter().position(|&i| {
                let carried = updates[i].1;
                left.iter()
                    .all(|&j| j == i || carried.is_none_or(|c| !reads[j].contains(&c)))
            });
            match next {
                Some(at) => order.push(left.remove(at)),
                None => break,
            }
        }
        for i in order {
            let (result, carried, value) = updates[i];
            let name = self.names[result].clone();
            let node = &graph.values[value];
            // s = s + e  is written  s += e
            let accumulates = node.op == Op::Add
                && !self.is_bound(value)
                && carried.is_some_and(|c| node.args.first() == Some(&c));
            if accumulates {
                let term = self.expr(node.args[1]);
                out.extend(quote_spanned!(span=> #name += #term;));
            } else {
                let value = self.expr(value);
                out.extend(quote_spanned!(span=> #name = #value;));
            }
        }
        if !left.is_empty() {
            let names: Vec<Option<Ident>> = left
                .iter()
                .map(|&i| self.names[updates[i].0].clone())
                .collect();
            let values: Vec<TokenStream> = left.iter().map(|&i| self.expr(updates[i].2)).collect();
            out.extend(quote_spanned!(span=> (#(#names),*) = (#(#values),*);));
        }
    }

    /// The values an expression reads where it is written: `value` itself, and, through the
    /// values written inline, their arguments.
    fn inline_reads(&self, value: ValueId, read: &mut Vec<ValueId>) {
        read.push(value);
        if self.is_bound(value) {
            return;
        }
        for &arg in &self.graph().values[value].args {
            self.inline_reads(arg, read);
        }
    }

    /// `xs[i] += value;`, `h[j] = value;`
    fn write_store(
        &mut self,
        place: PlaceId,
        add: bool,
        args: &[ValueId],
        span: Span,
        out: &mut TokenStream,
    ) {
        let Some(&value) = args.first() else {
            self.errors
                .push_error(internal(span, "a store without a value"));
            return;
        };
        self.write_place(place, out);
        tokens::op(out, if add { "+=" } else { "=" }, span);
        self.write(value, prec::IF, out);
        tokens::op(out, ";", span);
    }

    /// `__trace.value(k, x);` or `__trace.adjoint(k, d_x);` (`f_trace` only), in `f64`.
    fn write_trace(
        &mut self,
        node: usize,
        adjoint: bool,
        args: &[ValueId],
        span: Span,
        out: &mut TokenStream,
    ) {
        let Some(&value) = args.first() else {
            self.errors
                .push_error(internal(span, "a trace record without a value"));
            return;
        };
        let method = if adjoint { "adjoint" } else { "value" };
        let method = Ident::new(method, Span::call_site());
        let trace = Ident::new(TRACE, Span::call_site());
        let mut expr = TokenStream::new();
        self.write(value, prec::IF, &mut expr);
        let expr = if self.scalar.ident() == "f64" {
            expr
        } else {
            quote!(::core::convert::From::from(#expr))
        };
        let node = proc_macro2::Literal::usize_unsuffixed(node);
        out.extend(quote!(#trace.#method(#node, #expr);));
    }

    /// The name of an array: the parameter's or the local's.
    fn array_name(&self, array: ArrayRef) -> Option<Ident> {
        match array {
            ArrayRef::Param(i) => self.params.get(i).cloned(),
            ArrayRef::Local(local) => self.graph().locals.get(local).map(|l| l.name.clone()),
        }
    }

    /// `xs[i]`, `d_xs[i]`
    fn write_place(&mut self, place: PlaceId, out: &mut TokenStream) {
        let graph = self.graph();
        let place = &graph.places[place];
        let name = self.array_name(place.array);
        let Some(name) = name else {
            self.errors.push_error(internal(
                Span::call_site(),
                "an element of an unknown array",
            ));
            return;
        };
        let name = if place.adjoint {
            make_ident(&format!("d_{}", unraw(&name.to_string())), name.span())
        } else {
            name
        };
        write_element(&name, &place.index, out);
    }

    fn tuple(&mut self, values: &[ValueId]) -> TokenStream {
        match values {
            [] => TokenStream::new(),
            [one] => self.expr(*one),
            many => {
                let mut out = TokenStream::new();
                self.write_args(many.iter().copied(), &mut out);
                out
            }
        }
    }

    // let (s, s_grad) = g_grad(a, b);
    // let [ds_da, ds_db] = ::autograd::__private::partials::<T, 2, _>(s_grad);
    // (the count is the caller's, so a callee with fewer partials fails its `Partials` bound,
    // whose message explains the mismatch, at the user's call)
    fn call_with_partials(&mut self, id: ValueId, site: CallId) -> TokenStream {
        let graph = self.graph();
        let node = &graph.values[id];
        let call = &graph.calls[site];
        let name = self.names[id].clone().unwrap_or_else(|| format_ident!("t"));
        let grad_fn = format_ident!("{}_grad", call.name, span = call.name.span());
        let grad_name = make_ident(&format!("{}_grad", unraw(&name.to_string())), node.span);
        let args: Vec<TokenStream> = node.args.iter().map(|&a| self.expr(a)).collect();
        let parts: Vec<TokenStream> = call
            .partials
            .iter()
            .flatten()
            .map(|&p| match &self.names[p] {
                Some(partial_name) if self.uses[p] > 0 => quote!(#partial_name),
                _ => quote!(_),
            })
            .collect();
        let ty = self.scalar.ident();
        let count = proc_macro2::Literal::usize_unsuffixed(parts.len());
        quote_spanned!(node.span=>
            let (#name, #grad_name) = #grad_fn(#(#args),*);
            let [#(#parts),*] = ::autograd::__private::partials::<#ty, #count, _>(#grad_name);
        )
    }

    /// A use of value `id`: its name if it is bound, else its expression.
    pub fn expr(&mut self, id: ValueId) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.write(id, prec::IF, &mut tokens);
        tokens
    }

    /// Whether a use of `id` is its name.
    fn is_named(&self, id: ValueId) -> bool {
        self.is_bound(id) || matches!(self.graph().values[id].op, Op::Param(_))
    }

    /// The name of `id`; a bound value without one is an internal error.
    fn write_name(&mut self, id: ValueId, out: &mut TokenStream) {
        match &self.names[id] {
            Some(name) => tokens::ident(out, name),
            None => {
                let span = self.graph().values[id].span;
                self.errors
                    .push_error(internal(span, format!("{id:?} is bound but has no name")));
            }
        }
    }

    /// The expression of value `id` itself (not its name).
    fn write_op(&mut self, id: ValueId, out: &mut TokenStream) {
        let graph = self.graph();
        let value = &graph.values[id];
        let span = value.span;
        let args = value.args.as_slice();
        // `verify` checked every op's arity.
        let arg = |i: usize| args[i];
        match &value.op {
            Op::Param(_)
            | Op::Result(..)
            | Op::Partial(_)
            | Op::Carried(..)
            | Op::Saved(..)
            | Op::SavedEnd(..) => self.write_name(id, out),
            Op::Load(place) => self.write_place(*place, out),
            Op::Nonempty(region) => match graph.header(*region) {
                Some(header) => {
                    write_index(&header.start, out);
                    tokens::op(out, if header.inclusive { "<=" } else { "<" }, span);
                    write_index(&header.end, out);
                }
                None => self
                    .errors
                    .push_error(internal(span, format!("{region:?} has no loop header"))),
            },
            Op::Count(place) => {
                let mut array = TokenStream::new();
                self.write_place(*place, &mut array);
                write_count(array, self.scalar, span, out);
            }
            Op::Store(..) | Op::Declare(..) | Op::Trace(..) => self.errors.push_error(internal(
                span,
                format!("{id:?} is a statement, used as a value"),
            )),
            Op::Lit(value) => write_literal(*value, self.scalar, span, out),
            Op::Const(index) => out.extend(constant(&graph.consts[*index], self.scalar)),
            Op::Add => self.write_binary(arg(0), ("+", span), prec::ADD, arg(1), out),
            Op::Sub => self.write_binary(arg(0), ("-", span), prec::ADD, arg(1), out),
            Op::Mul => self.write_binary(arg(0), ("*", span), prec::MUL, arg(1), out),
            Op::Div => self.write_binary(arg(0), ("/", span), prec::MUL, arg(1), out),
            Op::Cmp(op) => self.write_cmp(arg(0), *op, span, arg(1), out),
            Op::And => self.write_binary(arg(0), ("&&", Span::call_site()), prec::AND, arg(1), out),
            Op::Or => self.write_binary(arg(0), ("||", Span::call_site()), prec::OR, arg(1), out),
            Op::Neg => {
                tokens::op(out, "-", span);
                self.write(arg(0), prec::UNARY, out);
            }
            Op::Not => {
                tokens::op(out, "!", Span::call_site());
                self.write(arg(0), prec::UNARY, out);
            }
            Op::Method(method) => {
                let name = Ident::new(method.name(), span);
                self.write_method(arg(0), name, args[1..].iter().copied(), out);
            }
            Op::Powi(n) => self.write_powi(arg(0), *n, span, out),
            Op::Helper(helper) => {
                tokens::private_path(out, helper.name(), span);
                self.write_args(args.iter().copied(), out);
            }
            Op::Call(site) => {
                tokens::ident(out, &graph.calls[*site].name);
                self.write_args(args.iter().copied(), out);
            }
            Op::Bool(value) => tokens::word(
                out,
                if *value { "true" } else { "false" },
                Span::call_site(),
            ),
        }
    }

    /// The internal errors found while writing, if any.
    pub fn finish(self) -> syn::Result<()> {
        match self.errors.combined() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Whether the code calls a method of `autograd::Real` (which a concrete-typed function
    /// must bring into scope).
    pub fn uses_real_trait(&self) -> bool {
        self.graph().values.iter().any(|(id, node)| {
            self.uses[id] > 0 && matches!(node.op, Op::Method(m) if m.is_real_trait_method())
        })
    }
}

impl Printer for Renderer<'_> {
    type Expr = ValueId;

    /// A bound value is written by its name, an atom.
    fn prec(&self, &id: &ValueId) -> u8 {
        if self.is_named(id) {
            return prec::ATOM;
        }
        match self.graph().values[id].op {
            Op::Lit(value) => literal_prec(value, self.scalar),
            Op::Add | Op::Sub => prec::ADD,
            Op::Mul | Op::Div => prec::MUL,
            Op::Neg | Op::Not => prec::UNARY,
            Op::Cmp(_) | Op::Nonempty(_) => prec::CMP,
            Op::And => prec::AND,
            Op::Or => prec::OR,
            _ => prec::ATOM,
        }
    }

    fn write_bare(&mut self, id: ValueId, out: &mut TokenStream) {
        if self.is_named(id) {
            self.write_name(id, out);
        } else {
            self.write_op(id, out);
        }
    }
}
