//! IR → tokens: the forward function, the `_grad` function and the gradient struct.
//!
//! Generated code resolves every path of ours through `::autograd`, carries the user's
//! visibility and attributes, and allows on its own items the lints its shape can trigger
//! (many arguments, repeated names), never on the user's crate.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::{Attribute, Ident};

use crate::ast::{
    with_text, AssignOp, BinOp, Block, Cond, Expr, Form, Function, IfExpr, Scalar, Stmt,
};
use crate::ir::{Method, Program};
use crate::render::{cmp_tokens, constant, literal_prec, prec, write_literal, Literals, Renderer};
use crate::tokens;

/// Everything one function generates. The forward function is printed from the body, which
/// is taken: its names are moved into the output, not copied.
pub fn emit(function: &mut Function, scalar: &Scalar, program: &Program) -> TokenStream {
    // Streams are moved into the output, never interpolated: `#stream` copies every token.
    let mut out = forward_fn(function, scalar);
    out.extend(grad_fn(function, scalar, program));
    out.extend(grad_struct(function));
    out
}

/// Lints that generated code can trigger by its shape alone: many parameters (one per
/// number), parameters the gradient does not need, rule constants such as `ln 2` written out,
/// the casts of constants to the function's type, and `x = x + y` (the body language's math
/// style, which the forward function keeps as written).
pub fn allowed_lints() -> TokenStream {
    quote! {
        #[allow(
            unused_variables,
            clippy::too_many_arguments,
            clippy::many_single_char_names,
            clippy::excessive_precision,
            clippy::approx_constant,
                        clippy::unnecessary_cast,
            clippy::assign_op_pattern,
        )]
    }
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr")
}

fn is_inline(attr: &Attribute) -> bool {
    attr.path().is_ident("inline")
}

/// Generics, parameters and where clause of the generated functions.
pub struct Signature {
    pub generics: TokenStream,
    pub params: TokenStream,
    pub where_clause: TokenStream,
    pub ty: Ident,
}

pub fn signature(function: &Function, scalar: &Scalar) -> Signature {
    let ty = scalar.ident().clone();
    // Each name once, even in the stubs of a function that declared one twice.
    let mut names: Vec<&Ident> = Vec::new();
    for param in &function.params {
        if !names.contains(&&param.name) {
            names.push(&param.name);
        }
    }
    let params = quote!(#(#names: #ty),*);
    match (scalar, &function.form) {
        (Scalar::Generic(_), Form::Attribute(_)) => {
            let (generics, _, where_clause) = function.generics.split_for_impl();
            // The gradient needs `T: Real`; add the bound unless the user wrote it.
            let has_real_bound = function.generics.type_params().any(|param| {
                param.ident == ty
                    && param.bounds.iter().any(|bound| {
                        matches!(bound, syn::TypeParamBound::Trait(t)
                            if t.path.segments.last().is_some_and(|s| s.ident == "Real"))
                    })
            });
            let where_clause = if has_real_bound {
                quote!(#where_clause)
            } else {
                let predicates = where_clause.map(|w| {
                    let predicates = &w.predicates;
                    quote!(#predicates,)
                });
                quote!(where #predicates #ty: ::autograd::Real)
            };
            Signature {
                generics: quote!(#generics),
                params,
                where_clause,
                ty,
            }
        }
        (Scalar::Generic(_), Form::Bang) => Signature {
            generics: quote!(<#ty: ::autograd::Real>),
            params,
            where_clause: TokenStream::new(),
            ty,
        },
        (Scalar::Concrete(_), Form::Attribute(_)) => {
            let (generics, _, where_clause) = function.generics.split_for_impl();
            Signature {
                generics: quote!(#generics),
                params,
                where_clause: quote!(#where_clause),
                ty,
            }
        }
        (Scalar::Concrete(_), Form::Bang) => Signature {
            generics: TokenStream::new(),
            params,
            where_clause: TokenStream::new(),
            ty,
        },
    }
}

/// Attributes for a generated function: the user's (docs only where asked), plus `#[inline]`
/// unless the user chose an inline attribute.
fn fn_attrs(function: &Function, keep_docs: bool) -> TokenStream {
    let attrs = function
        .attrs
        .iter()
        .filter(|attr| keep_docs || !is_doc(attr));
    let inline = (!function.attrs.iter().any(is_inline)).then(|| quote!(#[inline]));
    quote!(#(#attrs)* #inline)
}

/// The attribute form's function, as the user wrote it (without `#[wrt]`).
pub fn original_item(function: &Function) -> TokenStream {
    match &function.form {
        Form::Attribute(item) => {
            let mut item = (**item).clone();
            item.attrs = function.attrs.clone();
            quote!(#item)
        }
        Form::Bang => TokenStream::new(),
    }
}

fn forward_fn(function: &mut Function, scalar: &Scalar) -> TokenStream {
    match &function.form {
        Form::Attribute(_) => original_item(function),
        Form::Bang => {
            let Some(body) = function.body.take() else {
                return TokenStream::new();
            };
            let attrs = fn_attrs(function, true);
            let lints = allowed_lints();
            let vis = &function.vis;
            let name = &function.name;
            let Signature {
                generics,
                params,
                where_clause,
                ty,
            } = signature(function, scalar);
            let printer = Printer {
                scalar,
                literals: Literals::default(),
                empty_parens: tokens::EmptyParens::default(),
            };
            let mut stmts = if matches!(scalar, Scalar::Concrete(_)) && uses_real_trait(&body) {
                quote!(
                    use ::autograd::Real as _;
                )
            } else {
                TokenStream::new()
            };
            printer.stmts(body, &mut stmts);
            let mut out = quote! {
                #attrs
                #lints
                #vis fn #name #generics (#params) -> #ty #where_clause
            };
            tokens::group(&mut out, Delimiter::Brace, stmts, Span::call_site());
            out
        }
    }
}

fn grad_fn(function: &Function, scalar: &Scalar, program: &Program) -> TokenStream {
    let attrs = fn_attrs(function, false);
    let lints = allowed_lints();
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = function.grad_fn_name();
    let struct_name = function.struct_name();
    let Signature {
        generics,
        params,
        where_clause,
        ty,
    } = signature(function, scalar);
    let param_names: Vec<Ident> = function.params.iter().map(|p| p.name.clone()).collect();
    let mut reserved = vec![struct_name.to_string()];
    for call in &program.graph.calls {
        reserved.push(call.name.to_string());
        reserved.push(format!("{}_grad", call.name));
    }
    let mut renderer = Renderer::new(program, scalar, &param_names, &reserved);
    let mut body = if matches!(scalar, Scalar::Concrete(_)) && renderer.uses_real_trait() {
        quote!(
            use ::autograd::Real as _;
        )
    } else {
        TokenStream::new()
    };
    renderer.write_block(program.root, &mut body);
    let value = renderer.expr(program.value);
    let fields = function
        .params
        .iter()
        .zip(&program.grads)
        .filter_map(|(param, grad)| {
            let grad = renderer.expr((*grad)?);
            let field = &param.name;
            Some(quote!(#field: #grad))
        });
    let doc = format!(
        " Value and gradient of [`{name}`], in one pass: `({name}(..), {struct_name} {{ .. }})`.\n\n \
         Generated by `autograd::grad!`."
    );
    body.extend(quote!((#value, #struct_name { #(#fields),* })));
    let mut out = quote! {
        #[doc = #doc]
        #attrs
        #lints
        #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause
    };
    tokens::group(&mut out, Delimiter::Brace, body, Span::call_site());
    out
}

/// The differentiated parameters.
pub fn wrt_params(function: &Function) -> Vec<&Ident> {
    let mut names: Vec<&Ident> = Vec::new();
    for param in &function.params {
        if function.is_wrt(&param.name) && !names.contains(&&param.name) {
            names.push(&param.name);
        }
    }
    names
}

/// `NameGrad<T>` with `to_array`, `Gradient`, `+`, `+=`, `* scalar` and `Partials`.
pub fn grad_struct(function: &Function) -> TokenStream {
    let vis = &function.vis;
    let name = &function.name;
    let struct_name = function.struct_name();
    let cfgs = function.attrs.iter().filter(|a| is_cfg(a));
    let cfgs = quote!(#(#cfgs)*);
    let fields = wrt_params(function);
    let len = proc_macro2::Literal::usize_unsuffixed(fields.len());
    let field_list: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let doc = format!(
        " Gradient of [`{name}`]: one partial derivative per differentiated parameter \
         ({}).\n\n Generated by `autograd::grad!`.",
        field_list.join(", ")
    );
    let to_array_doc = format!(
        " The partial derivatives in parameter order: `[{}]`.",
        field_list.join(", ")
    );
    let field_docs = fields.iter().map(|f| format!(" `∂{name}/∂{f}`"));
    let span = Span::call_site();
    quote_spanned! {span=>
        #[doc = #doc]
        #cfgs
        #[derive(Debug, Clone, Copy, PartialEq)]
        #vis struct #struct_name<T> {
            #( #[doc = #field_docs] pub #fields: T, )*
        }

        #cfgs
        impl<T: ::core::marker::Copy> #struct_name<T> {
            #[doc = #to_array_doc]
            #[inline]
            #vis fn to_array(self) -> [T; #len] {
                [#(self.#fields),*]
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::autograd::Gradient for #struct_name<T> {
            type Scalar = T;
            const LEN: usize = #len;
            #[inline]
            fn zero() -> Self {
                Self { #(#fields: T::zero()),* }
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Add for #struct_name<T> {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self { #(#fields: self.#fields + rhs.#fields),* }
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::AddAssign for #struct_name<T> {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                #(self.#fields += rhs.#fields;)*
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Mul<T> for #struct_name<T> {
            type Output = Self;
            #[inline]
            fn mul(self, scale: T) -> Self {
                Self { #(#fields: self.#fields * scale),* }
            }
        }

        #cfgs
        impl<T: ::core::marker::Copy> ::autograd::Partials<T, #len> for #struct_name<T> {
            #[inline]
            fn partials(self) -> [T; #len] {
                self.to_array()
            }
        }
    }
}

fn uses_real_trait(block: &Block) -> bool {
    fn in_expr(expr: &Expr) -> bool {
        match expr {
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                with_text(method, Method::lookup)
                    .is_some_and(|(m, _)| m.as_generated(false).is_real_trait_method())
                    || in_expr(receiver)
                    || args.iter().any(in_expr)
            }
            Expr::Binary { operands, .. } => operands.iter().any(in_expr),
            Expr::Neg { expr, .. } => in_expr(expr),
            Expr::Powi { receiver, .. } => in_expr(receiver),
            Expr::Call { args, .. } => args.iter().any(in_expr),
            Expr::If(if_expr) => in_if(if_expr),
            _ => false,
        }
    }
    fn in_cond(cond: &Cond) -> bool {
        match cond {
            Cond::Cmp { lhs, rhs, .. } => in_expr(lhs) || in_expr(rhs),
            Cond::And(a, b) | Cond::Or(a, b) => in_cond(a) || in_cond(b),
            Cond::Not(a) => in_cond(a),
            _ => false,
        }
    }
    fn in_if(if_expr: &IfExpr) -> bool {
        in_cond(&if_expr.cond)
            || uses_real_trait(&if_expr.then_branch)
            || if_expr.else_branch.as_ref().is_some_and(uses_real_trait)
    }
    block.stmts.iter().any(|stmt| match stmt {
        Stmt::Let { init: e, .. }
        | Stmt::Assign { value: e, .. }
        | Stmt::Return { value: e, .. }
        | Stmt::Tail(e) => in_expr(e),
        Stmt::If(if_expr) => in_if(if_expr),
        Stmt::Unsupported { .. } => false,
    })
}

/// The method `grad!`'s forward function calls for `method`: the one its `_grad` calls
/// (`Method::as_generated`), so that the two compute the same value.
fn generated_method(method: Ident) -> Ident {
    match with_text(&method, Method::lookup).map(|(m, _)| (m, m.as_generated(false))) {
        Some((written, generated)) if generated != written => {
            Ident::new(generated.name(), method.span())
        }
        _ => method,
    }
}

/// Prints the DSL tree back as Rust: the forward function, as the user wrote it, with its
/// numbers converted to the function's type. Writes into one stream, like `Renderer`.
struct Printer<'a> {
    scalar: &'a Scalar,
    literals: Literals,
    empty_parens: tokens::EmptyParens,
}

impl Printer<'_> {
    fn stmts(&self, block: Block, out: &mut TokenStream) {
        for stmt in block.stmts {
            self.stmt(stmt, out);
        }
    }

    fn stmt(&self, stmt: Stmt, out: &mut TokenStream) {
        let site = Span::call_site();
        match stmt {
            Stmt::Let {
                name,
                mutable,
                init,
            } => {
                tokens::let_binding(out, mutable, Some(name.ident), site);
                self.expr(init, prec::IF, out);
                tokens::op(out, ";", site);
            }
            Stmt::Assign {
                name,
                op,
                op_span,
                value,
            } => {
                tokens::push_ident(out, name.ident);
                let op = match op {
                    AssignOp::Set => "=",
                    AssignOp::Add => "+=",
                    AssignOp::Sub => "-=",
                    AssignOp::Mul => "*=",
                    AssignOp::Div => "/=",
                };
                tokens::op(out, op, op_span);
                self.expr(value, prec::IF, out);
                tokens::op(out, ";", site);
            }
            Stmt::If(if_expr) => self.if_expr(if_expr, out),
            Stmt::Return { value, span } => {
                tokens::word(out, "return", span);
                self.expr(value, prec::IF, out);
                tokens::op(out, ";", span);
            }
            Stmt::Tail(expr) => self.expr(expr, prec::IF, out),
            Stmt::Unsupported { .. } => {}
        }
    }

    // if cond { ... } else { ... }
    fn if_expr(&self, if_expr: IfExpr, out: &mut TokenStream) {
        let span = if_expr.if_span;
        tokens::word(out, "if", span);
        self.cond(if_expr.cond, prec::IF, out);
        let mut then_stmts = TokenStream::new();
        self.stmts(if_expr.then_branch, &mut then_stmts);
        tokens::group(out, Delimiter::Brace, then_stmts, span);
        if let Some(block) = if_expr.else_branch {
            let mut else_stmts = TokenStream::new();
            self.stmts(block, &mut else_stmts);
            tokens::word(out, "else", Span::call_site());
            tokens::group(out, Delimiter::Brace, else_stmts, Span::call_site());
        }
    }

    /// Writes `inner` in parentheses unless its precedence is at least `min`.
    fn parenthesized(
        &self,
        prec: u8,
        min: u8,
        out: &mut TokenStream,
        inner: impl FnOnce(&mut TokenStream),
    ) {
        if prec >= min {
            inner(out);
        } else {
            let mut tokens = TokenStream::new();
            inner(&mut tokens);
            tokens::group(out, Delimiter::Parenthesis, tokens, Span::call_site());
        }
    }

    fn cond(&self, cond: Cond, min: u8, out: &mut TokenStream) {
        let prec = match cond {
            Cond::Cmp { .. } => prec::CMP,
            Cond::And(..) => prec::AND,
            Cond::Or(..) => prec::OR,
            Cond::Not(_) => prec::UNARY,
            Cond::Bool(_) | Cond::Unsupported { .. } => prec::ATOM,
        };
        self.parenthesized(prec, min, out, |out| match cond {
            Cond::Cmp {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                self.expr(lhs, prec::CMP, out);
                out.extend(cmp_tokens(op, op_span));
                self.expr(rhs, prec::CMP + 1, out);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.cond(*a, prec, out);
                let op = if prec == prec::AND { "&&" } else { "||" };
                tokens::op(out, op, Span::call_site());
                self.cond(*b, prec + 1, out);
            }
            Cond::Not(a) => {
                tokens::op(out, "!", Span::call_site());
                self.cond(*a, prec::UNARY, out);
            }
            Cond::Bool(value) => {
                let value = if value { "true" } else { "false" };
                tokens::word(out, value, Span::call_site());
            }
            Cond::Unsupported { .. } => tokens::word(out, "false", Span::call_site()),
        });
    }

    fn prec(&self, expr: &Expr) -> u8 {
        match expr {
            Expr::Lit { value, .. } => literal_prec(*value, self.scalar),
            Expr::Binary {
                op: BinOp::Add | BinOp::Sub,
                ..
            } => prec::ADD,
            Expr::Binary { .. } => prec::MUL,
            Expr::Neg { .. } => prec::UNARY,
            Expr::If(_) => prec::IF,
            _ => prec::ATOM,
        }
    }

    /// Writes `expr`, in parentheses unless it binds at least as tightly as `min`.
    fn expr(&self, expr: Expr, min: u8, out: &mut TokenStream) {
        self.parenthesized(self.prec(&expr), min, out, |out| self.write_expr(expr, out));
    }

    fn args(&self, args: Vec<Expr>, out: &mut TokenStream) {
        if args.is_empty() {
            self.empty_parens.write(out, Span::call_site());
            return;
        }
        let mut inner = TokenStream::new();
        for (i, arg) in args.into_iter().enumerate() {
            if i > 0 {
                tokens::op(&mut inner, ",", Span::call_site());
            }
            self.expr(arg, prec::IF, &mut inner);
        }
        tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
    }

    fn write_expr(&self, expr: Expr, out: &mut TokenStream) {
        let site = Span::call_site();
        match expr {
            Expr::Lit { value, span, .. } => {
                write_literal(value, self.scalar, span, &self.literals, out)
            }
            Expr::Var(name) => tokens::push_ident(out, name.ident),
            Expr::Const(path) => out.extend(constant(&path, self.scalar)),
            Expr::Binary {
                op,
                op_span,
                operands,
            } => {
                let [lhs, rhs] = *operands;
                let (text, op_prec) = match op {
                    BinOp::Add => ("+", prec::ADD),
                    BinOp::Sub => ("-", prec::ADD),
                    BinOp::Mul => ("*", prec::MUL),
                    BinOp::Div => ("/", prec::MUL),
                };
                self.expr(lhs, op_prec, out);
                tokens::op(out, text, op_span);
                self.expr(rhs, op_prec + 1, out);
            }
            Expr::Neg { span, expr } => {
                tokens::op(out, "-", span);
                self.expr(*expr, prec::UNARY, out);
            }
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                self.expr(*receiver, prec::ATOM, out);
                let dot = tokens::punct(b'.', Spacing::Alone, site);
                out.extend([dot, TokenTree::Ident(generated_method(method))]);
                self.args(args, out);
            }
            Expr::Powi {
                receiver,
                method,
                exponent,
                exponent_span,
            } => {
                self.expr(*receiver, prec::ATOM, out);
                tokens::op(out, ".", site);
                tokens::push_ident(out, method);
                let mut inner = TokenStream::new();
                if exponent < 0 {
                    tokens::op(&mut inner, "-", site);
                }
                let mut literal = proc_macro2::Literal::u32_unsuffixed(exponent.unsigned_abs());
                literal.set_span(exponent_span);
                inner.extend([TokenTree::Literal(literal)]);
                tokens::group(out, Delimiter::Parenthesis, inner, site);
            }
            Expr::Call { func, args } => {
                tokens::push_ident(out, func);
                self.args(args, out);
            }
            Expr::If(if_expr) => self.if_expr(*if_expr, out),
            Expr::Unsupported { .. } => {
                tokens::group(out, Delimiter::Parenthesis, TokenStream::new(), site)
            }
        }
    }
}
