//! IR → Rust statements: names, inlining, parentheses.
//!
//! A node gets a `let` when it has a name (the user's, or `d_` + one) or is used more than
//! once or from another block; every other node is written inline where it is used, so the
//! code has no needless temporaries. Names are the user's, made unique with `_1`, `_2` where
//! a variable was assigned again; temporaries the user had no name for are `t1`, `t2`, ...
//! Literals and constants are rendered here for both the IR and the forward function.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ast::CmpOp;
use crate::check::Scalar;
use crate::hash::{FastMap, FastSet};
use crate::ir::{BlockId, Graph, Inst, NodeId, Op};
use crate::reverse::Program;
use crate::tokens;

/// Operator precedence, loosest first, for parentheses.
pub mod prec {
    pub const IF: u8 = 0;
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const CMP: u8 = 3;
    pub const ADD: u8 = 4;
    pub const MUL: u8 = 5;
    pub const UNARY: u8 = 6;
    pub const ATOM: u8 = 7;
}

/// The precedence of [`write_literal`]'s tokens.
pub fn literal_prec(value: f64, scalar: &Scalar) -> u8 {
    if value.is_finite() && value.is_sign_negative() && matches!(scalar, Scalar::Concrete(_)) {
        prec::UNARY
    } else {
        prec::ATOM
    }
}

/// Float literal tokens already made, by value, for one function (so one number type, one
/// suffix): formatting a float (and lexing a suffixed one) costs far more than copying the
/// token. Kept per expansion only: tokens must not outlive the macro call.
#[derive(Default)]
pub struct Literals(RefCell<FastMap<u64, proc_macro2::Literal>>);

impl Literals {
    /// `float_literal(value, suffix, span)`, made once per value.
    fn get(&self, value: f64, suffix: Option<&Ident>, span: Span) -> TokenTree {
        let key = value.to_bits();
        let cached = self.0.try_borrow().ok().and_then(|m| m.get(&key).cloned());
        let mut literal = match cached {
            Some(literal) => literal,
            None => {
                let literal = float_literal(value, suffix);
                if let Ok(mut map) = self.0.try_borrow_mut() {
                    map.insert(key, literal.clone());
                }
                literal
            }
        };
        literal.set_span(span);
        TokenTree::Literal(literal)
    }
}

/// A literal of the function's number type: `T::lit(0.5)` or `0.5_f64`.
pub fn write_literal(
    value: f64,
    scalar: &Scalar,
    span: Span,
    literals: &Literals,
    out: &mut TokenStream,
) {
    let ty = scalar.ident();
    if !value.is_finite() {
        let tokens = if value.is_nan() {
            quote_spanned!(span=> <#ty as ::autograd::__private::Float>::nan())
        } else if value > 0.0 {
            quote_spanned!(span=> <#ty as ::autograd::__private::Float>::infinity())
        } else {
            quote_spanned!(span=> <#ty as ::autograd::__private::Float>::neg_infinity())
        };
        out.extend(tokens);
        return;
    }
    match scalar {
        Scalar::Generic(ty) => write_lit_call(ty, lit_args(value, span, literals), span, out),
        // -0.5_f64
        Scalar::Concrete(ty) => {
            if value.is_sign_negative() {
                tokens::op(out, "-", span);
            }
            out.extend([literals.get(value.abs(), Some(ty), span)]);
        }
    }
}

/// `(-0.5)`, the argument of `T::lit` for a finite value, all with `span`.
fn lit_args(value: f64, span: Span, literals: &Literals) -> proc_macro2::Group {
    let mut inner = TokenStream::new();
    if value.is_sign_negative() {
        tokens::op(&mut inner, "-", Span::call_site());
    }
    inner.extend([literals.get(value.abs(), None, span)]);
    let mut group = proc_macro2::Group::new(Delimiter::Parenthesis, inner);
    group.set_span(span);
    group
}

/// `T::lit` and its argument `args` (see `lit_args`).
fn write_lit_call(ty: &Ident, args: proc_macro2::Group, span: Span, out: &mut TokenStream) {
    // In one push: each passes `proc_macro2`'s wrapper.
    out.extend([
        TokenTree::Ident(ty.clone()),
        tokens::punct(b':', Spacing::Joint, span),
        tokens::punct(b':', Spacing::Alone, span),
        TokenTree::Ident(Ident::new("lit", span)),
        TokenTree::Group(args),
    ]);
}

/// `2.0`, `1e-6`, `0.5_f64`: a float literal token for a finite, non-negative value.
fn float_literal(value: f64, suffix: Option<&Ident>) -> proc_macro2::Literal {
    // `{:?}` writes an exponent exactly for these magnitudes; otherwise its digits are those of
    // `f64_unsuffixed`, which needs no lexer.
    let exponent = (value != 0.0 && value < 1e-4) || value >= 1e16;
    match suffix {
        None if !exponent => proc_macro2::Literal::f64_unsuffixed(value),
        _ => {
            let text = match suffix {
                Some(ty) => format!("{value:?}_{ty}"),
                None => format!("{value:?}"),
            };
            text.parse::<proc_macro2::Literal>()
                .unwrap_or_else(|_| proc_macro2::Literal::f64_unsuffixed(value))
        }
    }
}

/// A constant path of the function's number type: `T::lit(PATH)`, `PATH`, `(PATH as f32)`.
pub fn constant(path: &syn::Path, scalar: &Scalar) -> TokenStream {
    let is_f32_path = path.segments.iter().any(|s| s.ident == "f32");
    match scalar {
        Scalar::Generic(ty) if is_f32_path => {
            quote!(#ty::lit(::core::primitive::f64::from(#path)))
        }
        Scalar::Generic(ty) => quote!(#ty::lit(#path)),
        // A path of the function's own type (`f32::consts::PI` in an `f32` function) is used as
        // it is; an `f64` user constant is `SCALE` in an `f64` function.
        Scalar::Concrete(ty)
            if path.segments.iter().any(|s| s.ident == *ty) || (ty == "f64" && !is_f32_path) =>
        {
            quote!(#path)
        }
        Scalar::Concrete(ty) => quote!((#path as #ty)),
    }
}

pub fn cmp_tokens(op: CmpOp, span: Span) -> TokenStream {
    match op {
        CmpOp::Lt => quote_spanned!(span=> <),
        CmpOp::Le => quote_spanned!(span=> <=),
        CmpOp::Gt => quote_spanned!(span=> >),
        CmpOp::Ge => quote_spanned!(span=> >=),
        CmpOp::Eq => quote_spanned!(span=> ==),
        CmpOp::Ne => quote_spanned!(span=> !=),
    }
}

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

/// Appends `n` in decimal, as `write!` would, without formatting machinery.
fn push_decimal(out: &mut String, mut n: usize) {
    // Least significant digit first, into the end of a buffer long enough for any `usize`.
    let mut digits = [0u8; 20];
    let mut first = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        first -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(
        digits
            .get(first..)
            .unwrap_or_default()
            .iter()
            .map(|&d| char::from(d)),
    );
}

/// A name without its `r#`, to build other names from: `d_` + `let`.
fn unraw(text: &str) -> &str {
    text.strip_prefix("r#").unwrap_or(text)
}

/// Renders the body of a `_grad` function.
pub struct Renderer<'a> {
    program: &'a Program,
    scalar: &'a Scalar,
    /// How often each node is used, and the block of its last use.
    uses: Vec<usize>,
    use_block: Vec<Option<BlockId>>,
    defined_in: Vec<Option<BlockId>>,
    /// For a node used as an arm's value of an `if`: that result's Phi.
    arm_value_of: Vec<Option<NodeId>>,
    /// Whether each node gets its own `let` (see `is_bound`).
    bound: Vec<bool>,
    /// The name each bound node has in the generated code.
    names: Vec<Option<Ident>>,
    /// The uses of each node still to be written. For a node whose name only its `let` and
    /// its uses write (see `write_use`), the last one moves the name into the output instead
    /// of copying it.
    uses_left: Vec<usize>,
    /// The text of each name, as its identifier prints: other names are built from it
    /// without formatting the identifier again; shared with `taken`.
    texts: Vec<Option<Rc<str>>>,
    taken: FastSet<Rc<str>>,
    /// For a name taken more than once, the suffix to try next.
    suffixes: FastMap<String, usize>,
    temps: usize,
    /// Where the next name is built, so that building it allocates nothing.
    scratch: String,
    literals: Literals,
    /// Argument groups that are the same at every use, made once and copied (a copy shares
    /// its tokens, where a new group allocates its stream, its buffer and its literal): a
    /// literal node's `(0.5)` of `T::lit(0.5)` (its one span), and `powi`'s `(2)`.
    lit_args: FastMap<NodeId, proc_macro2::Group>,
    powi_args: FastMap<i32, proc_macro2::Group>,
    empty_parens: tokens::EmptyParens,
}

impl<'a> Renderer<'a> {
    pub fn new(
        program: &'a Program,
        scalar: &'a Scalar,
        params: &[Ident],
        reserved: &[String],
    ) -> Self {
        let count = program.graph.nodes.len();
        let mut renderer = Renderer {
            program,
            scalar,
            uses: vec![0; count],
            use_block: vec![None; count],
            defined_in: vec![None; count],
            arm_value_of: vec![None; count],
            bound: Vec::new(),
            names: vec![None; count],
            uses_left: Vec::new(),
            texts: vec![None; count],
            // Every bound node takes a name: no growing, no rehashing.
            taken: FastSet::with_capacity_and_hasher(count, Default::default()),
            suffixes: FastMap::default(),
            temps: 0,
            scratch: String::new(),
            literals: Literals::default(),
            lit_args: FastMap::default(),
            powi_args: FastMap::default(),
            empty_parens: tokens::EmptyParens::default(),
        };
        renderer
            .taken
            .extend(reserved.iter().map(|name| Rc::from(name.as_str())));
        renderer.taken.insert(Rc::from(scalar.ident().to_string()));
        let texts: Vec<Rc<str>> = params.iter().map(|p| Rc::from(p.to_string())).collect();
        renderer.taken.extend(texts.iter().cloned());
        // One pass over the nodes for all the parameters.
        for (id, node) in program.graph.nodes.iter().enumerate() {
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
        renderer.bound = (0..count).map(|id| renderer.compute_bound(id)).collect();
        renderer.uses_left = renderer.uses.clone();
        renderer.assign_names(program.root);
        renderer
    }

    fn graph(&self) -> &'a Graph {
        &self.program.graph
    }

    fn add_use(&mut self, node: NodeId, block: BlockId) {
        self.uses[node] += 1;
        self.use_block[node] = Some(block);
    }

    fn count_uses(&mut self, block: BlockId) {
        let graph = self.graph();
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Node(id) => {
                    self.defined_in[id] = Some(block);
                    for &arg in &graph.nodes[id].args {
                        self.add_use(arg, block);
                    }
                }
                Inst::If(if_id) => {
                    let the_if = &graph.ifs[if_id];
                    self.add_use(the_if.cond, block);
                    self.count_uses(the_if.then_block);
                    self.count_uses(the_if.else_block);
                    for (i, &phi) in the_if.outputs.iter().enumerate() {
                        for (value, arm) in [
                            (the_if.then_values[i], the_if.then_block),
                            (the_if.else_values[i], the_if.else_block),
                        ] {
                            self.add_use(value, arm);
                            self.arm_value_of[value] = Some(phi);
                        }
                    }
                }
            }
        }
    }

    /// Whether node `id` gets its own `let` (or is bound by its call or `if`).
    fn is_bound(&self, id: NodeId) -> bool {
        self.bound[id]
    }

    fn compute_bound(&self, id: NodeId) -> bool {
        let node = &self.graph().nodes[id];
        match node.op {
            Op::Param(_) | Op::Lit(_) | Op::Const(_) | Op::Bool(_) => false,
            Op::Partial(_) | Op::Phi(..) => true,
            Op::Call(_) if self.has_partials(id) => true,
            _ => {
                let single_local_use =
                    self.uses[id] == 1 && self.use_block[id] == self.defined_in[id];
                // `y = y * 0.5` in an arm: the `if`'s result is named `y` already.
                let named_by_phi = self.arm_value_of[id].is_some_and(|phi| {
                    let name_of = |n: NodeId| self.graph().nodes[n].name.as_ref().map(|n| &n.text);
                    name_of(phi) == name_of(id)
                });
                !single_local_use || (node.name.is_some() && !named_by_phi)
            }
        }
    }

    fn has_partials(&self, call: NodeId) -> bool {
        let Op::Call(site) = self.graph().nodes[call].op else {
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
                push_decimal(&mut self.scratch, self.temps);
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
    fn base_name(&mut self, id: NodeId) -> Option<Rc<str>> {
        let node = &self.graph().nodes[id];
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
    fn set_name(&mut self, id: NodeId, text: Rc<str>) {
        let span = self.graph().nodes[id].span;
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

    fn assign_name(&mut self, id: NodeId) {
        let name = match self.graph().nodes[id].export_of {
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
                Inst::Node(id) => {
                    if matches!(graph.nodes[id].op, Op::Partial(_)) || !self.is_bound(id) {
                        continue;
                    }
                    self.assign_name(id);
                    if let Op::Call(site) = graph.nodes[id].op {
                        self.name_partials(id, site);
                    }
                }
                Inst::If(if_id) => {
                    let the_if = &graph.ifs[if_id];
                    self.assign_names(the_if.then_block);
                    self.assign_names(the_if.else_block);
                    for &phi in &the_if.outputs {
                        self.assign_name(phi);
                    }
                }
            }
        }
    }

    // ∂s/∂a of `let s = g(a, b)` is `ds_da`
    fn name_partials(&mut self, call: NodeId, site: usize) {
        let graph = self.graph();
        let call_name = self.texts[call].clone().unwrap_or_else(|| Rc::from(""));
        for (i, partial) in graph.calls[site].partials.iter().enumerate() {
            let Some(partial) = *partial else { continue };
            if self.uses[partial] == 0 {
                continue;
            }
            let arg = graph.nodes[call].args[i];
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
                Inst::Node(id) => {
                    let node = &graph.nodes[id];
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
                Inst::If(if_id) => {
                    let the_if = &graph.ifs[if_id];
                    let cond = self.expr(the_if.cond);
                    let then_stmts = self.block(the_if.then_block);
                    let else_stmts = self.block(the_if.else_block);
                    let then_values = self.tuple(&the_if.then_values);
                    let else_values = self.tuple(&the_if.else_values);
                    let names: Vec<&Option<Ident>> =
                        the_if.outputs.iter().map(|&phi| &self.names[phi]).collect();
                    let pattern = match names.as_slice() {
                        [one] => quote!(#one),
                        many => quote!((#(#many),*)),
                    };
                    let span = the_if.span;
                    if the_if.outputs.is_empty() {
                        out.extend(quote_spanned!(span=>
                            if #cond { #then_stmts } else { #else_stmts }
                        ));
                    } else {
                        out.extend(quote_spanned!(span=>
                            let #pattern = if #cond {
                                #then_stmts
                                #then_values
                            } else {
                                #else_stmts
                                #else_values
                            };
                        ));
                    }
                }
            }
        }
    }

    fn tuple(&mut self, values: &[NodeId]) -> TokenStream {
        match values {
            [] => TokenStream::new(),
            [one] => self.expr(*one),
            many => {
                let mut out = TokenStream::new();
                self.write_args(many, &mut out);
                out
            }
        }
    }

    // let (s, s_grad) = g_grad(a, b);
    // let [ds_da, ds_db] = ::autograd::__private::partials::<T, 2, _>(s_grad);
    // (the count is the caller's, so a callee with fewer partials fails its `Partials` bound,
    // whose message explains the mismatch, at the user's call)
    fn call_with_partials(&mut self, id: NodeId, site: usize) -> TokenStream {
        let graph = self.graph();
        let node = &graph.nodes[id];
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

    /// A use of node `id`: its name if it is bound, else its expression.
    pub fn expr(&mut self, id: NodeId) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.write(id, prec::IF, &mut tokens);
        tokens
    }

    /// The precedence of a use of `id`, known before it is written.
    fn prec_of(&self, id: NodeId) -> u8 {
        let node = &self.graph().nodes[id];
        if self.names[id].is_some() && (self.is_bound(id) || matches!(node.op, Op::Param(_))) {
            return prec::ATOM;
        }
        match node.op {
            Op::Lit(value)
                if value.is_sign_negative() && matches!(self.scalar, Scalar::Concrete(_)) =>
            {
                prec::UNARY
            }
            Op::Add | Op::Sub => prec::ADD,
            Op::Mul | Op::Div => prec::MUL,
            Op::Neg | Op::Not => prec::UNARY,
            Op::Cmp(_) => prec::CMP,
            Op::And => prec::AND,
            Op::Or => prec::OR,
            _ => prec::ATOM,
        }
    }

    /// Writes a use of `id` into `out`, in parentheses unless it binds at least as tightly as
    /// `min`. Everything is written into one stream: nesting never copies what is below it.
    fn write(&mut self, id: NodeId, min: u8, out: &mut TokenStream) {
        if self.prec_of(id) >= min {
            self.write_use(id, out);
        } else {
            let mut inner = TokenStream::new();
            self.write_use(id, &mut inner);
            tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
        }
    }

    fn write_use(&mut self, id: NodeId, out: &mut TokenStream) {
        let named = self.names[id].is_some()
            && (self.is_bound(id) || matches!(self.graph().nodes[id].op, Op::Param(_)));
        if !named {
            return self.write_op(id, out);
        }
        // An `if`'s results and a call's names are written by patterns too: never moved.
        let by_uses_only = self.is_bound(id)
            && !matches!(
                self.graph().nodes[id].op,
                Op::Phi(..) | Op::Partial(_) | Op::Call(_)
            );
        let left = &mut self.uses_left[id];
        *left = left.saturating_sub(1);
        if by_uses_only && *left == 0 {
            if let Some(name) = self.names[id].take() {
                tokens::push_ident(out, name);
            }
        } else if let Some(name) = &self.names[id] {
            tokens::ident(out, name);
        }
    }

    /// `(a, b, c)`: arguments in parentheses.
    fn write_args(&mut self, args: &[NodeId], out: &mut TokenStream) {
        if args.is_empty() {
            self.empty_parens.write(out, Span::call_site());
            return;
        }
        let mut inner = TokenStream::new();
        for (i, &arg) in args.iter().enumerate() {
            if i > 0 {
                tokens::op(&mut inner, ",", Span::call_site());
            }
            self.write(arg, prec::IF, &mut inner);
        }
        tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
    }

    /// `lhs op rhs`; operators associate left, so the right side needs a tighter binding.
    fn write_binary(
        &mut self,
        args: &[NodeId],
        op: (&str, Span),
        op_prec: u8,
        out: &mut TokenStream,
    ) {
        let (Some(&lhs), Some(&rhs)) = (args.first(), args.get(1)) else {
            return;
        };
        self.write(lhs, op_prec, out);
        tokens::op(out, op.0, op.1);
        self.write(rhs, op_prec + 1, out);
    }

    /// The expression of node `id` itself (not its name).
    fn write_op(&mut self, id: NodeId, out: &mut TokenStream) {
        let graph = self.graph();
        let node = &graph.nodes[id];
        let span = node.span;
        let args = node.args.as_slice();
        match &node.op {
            Op::Param(_) | Op::Phi(..) | Op::Partial(_) => {
                if let Some(name) = &self.names[id] {
                    tokens::ident(out, name);
                }
            }
            Op::Lit(value) => match self.scalar {
                Scalar::Generic(ty) if value.is_finite() => {
                    let literals = &self.literals;
                    let args = self
                        .lit_args
                        .entry(id)
                        .or_insert_with(|| lit_args(*value, span, literals))
                        .clone();
                    write_lit_call(ty, args, span, out);
                }
                _ => write_literal(*value, self.scalar, span, &self.literals, out),
            },
            Op::Const(index) => {
                if let Some(path) = graph.consts.get(*index) {
                    out.extend(constant(path, self.scalar));
                }
            }
            Op::Add => self.write_binary(args, ("+", span), prec::ADD, out),
            Op::Sub => self.write_binary(args, ("-", span), prec::ADD, out),
            Op::Mul => self.write_binary(args, ("*", span), prec::MUL, out),
            Op::Div => self.write_binary(args, ("/", span), prec::MUL, out),
            Op::Cmp(op) => {
                // Comparisons do not chain: both sides bind tighter.
                if let (Some(&lhs), Some(&rhs)) = (args.first(), args.get(1)) {
                    self.write(lhs, prec::CMP + 1, out);
                    out.extend(cmp_tokens(*op, span));
                    self.write(rhs, prec::CMP + 1, out);
                }
            }
            Op::And => self.write_binary(args, ("&&", Span::call_site()), prec::AND, out),
            Op::Or => self.write_binary(args, ("||", Span::call_site()), prec::OR, out),
            Op::Neg | Op::Not => {
                if node.op == Op::Neg {
                    tokens::op(out, "-", span);
                } else {
                    tokens::op(out, "!", Span::call_site());
                }
                if let Some(&a) = args.first() {
                    self.write(a, prec::UNARY, out);
                }
            }
            Op::Method(method) => {
                if let Some(&receiver) = args.first() {
                    self.write(receiver, prec::ATOM, out);
                }
                let dot = tokens::punct(b'.', Spacing::Alone, span);
                out.extend([dot, TokenTree::Ident(Ident::new(method.name(), span))]);
                self.write_args(args.get(1..).unwrap_or_default(), out);
            }
            Op::Powi(n) => {
                if let Some(&receiver) = args.first() {
                    self.write(receiver, prec::ATOM, out);
                }
                tokens::op(out, ".", span);
                tokens::word(out, "powi", span);
                let mut args = self
                    .powi_args
                    .entry(*n)
                    .or_insert_with(|| {
                        let mut inner = TokenStream::new();
                        if *n < 0 {
                            tokens::op(&mut inner, "-", Span::call_site());
                        }
                        let exponent = proc_macro2::Literal::u32_unsuffixed(n.unsigned_abs());
                        inner.extend([TokenTree::Literal(exponent)]);
                        proc_macro2::Group::new(Delimiter::Parenthesis, inner)
                    })
                    .clone();
                args.set_span(span);
                out.extend([TokenTree::Group(args)]);
            }
            Op::Helper(helper) => {
                tokens::private_path(out, helper.name(), span);
                self.write_args(args, out);
            }
            Op::Call(site) => {
                if let Some(call) = graph.calls.get(*site) {
                    tokens::ident(out, &call.name);
                }
                self.write_args(args, out);
            }
            Op::Bool(value) => tokens::word(
                out,
                if *value { "true" } else { "false" },
                Span::call_site(),
            ),
        }
    }

    /// Whether the code calls a method of `autograd::Real` (which a concrete-typed function
    /// must bring into scope).
    pub fn uses_real_trait(&self) -> bool {
        self.graph().nodes.iter().enumerate().any(|(id, node)| {
            self.uses[id] > 0 && matches!(node.op, Op::Method(m) if m.is_real_trait_method())
        })
    }
}
