//! IR → tokens: the forward function, the `_grad` function and the gradient struct.
//!
//! Generated code resolves every path of ours through `::autograd`, carries the user's
//! visibility and attributes, and allows on its own items the lints its shape can trigger
//! (many arguments, repeated names), never on the user's crate.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Attribute, Ident};

use crate::ast::{AssignOp, BinOp, Block, Cond, Expr, Form, Function, IfExpr, Stmt};
use crate::check::Scalar;
use crate::render::{binary, cmp_tokens, constant, literal, prec, Rendered, Renderer};
use crate::reverse::Program;
use crate::rules::Method;

/// Everything one function generates.
pub fn emit(function: &Function, scalar: &Scalar, program: &Program) -> TokenStream {
    let forward = forward_fn(function, scalar);
    let grad = grad_fn(function, scalar, program);
    let grad_struct = grad_struct(function);
    quote! {
        #forward
        #grad
        #grad_struct
    }
}

/// `loss` → `LossGrad`
pub fn struct_name(function: &Function) -> Ident {
    let name = function.name.to_string();
    let camel: String = name
        .trim_start_matches("r#")
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    format_ident!("{}Grad", camel, span = function.name.span())
}

pub fn grad_fn_name(function: &Function) -> Ident {
    format_ident!("{}_grad", function.name, span = function.name.span())
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

fn forward_fn(function: &Function, scalar: &Scalar) -> TokenStream {
    match &function.form {
        Form::Attribute(_) => original_item(function),
        Form::Bang => {
            let Some(body) = &function.body else {
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
            let printer = Printer { scalar };
            let import =
                (matches!(scalar, Scalar::Concrete(_)) && uses_real_trait(body)).then(|| {
                    quote!(
                        use ::autograd::Real as _;
                    )
                });
            let stmts = printer.stmts(body);
            quote! {
                #attrs
                #lints
                #vis fn #name #generics (#params) -> #ty #where_clause {
                    #import
                    #stmts
                }
            }
        }
    }
}

fn grad_fn(function: &Function, scalar: &Scalar, program: &Program) -> TokenStream {
    let attrs = fn_attrs(function, false);
    let lints = allowed_lints();
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = grad_fn_name(function);
    let struct_name = struct_name(function);
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
    let renderer = Renderer::new(program, scalar, &param_names, &reserved);
    let body = renderer.block(program.root);
    let value = renderer.expr(program.value).tokens;
    let fields = function
        .params
        .iter()
        .zip(&program.grads)
        .filter_map(|(param, grad)| {
            let grad = renderer.expr((*grad)?).tokens;
            let field = &param.name;
            Some(quote!(#field: #grad))
        });
    let import = (matches!(scalar, Scalar::Concrete(_)) && renderer.uses_real_trait()).then(|| {
        quote!(
            use ::autograd::Real as _;
        )
    });
    let doc = format!(
        " Value and gradient of [`{name}`], in one pass: `({name}(..), {struct_name} {{ .. }})`.\n\n \
         Generated by `autograd::grad!`."
    );
    quote! {
        #[doc = #doc]
        #attrs
        #lints
        #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause {
            #import
            #body
            (#value, #struct_name { #(#fields),* })
        }
    }
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
    let struct_name = struct_name(function);
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
                Method::lookup(&method.to_string()).is_some_and(|(m, _)| m.is_real_trait_method())
                    || in_expr(receiver)
                    || args.iter().any(in_expr)
            }
            Expr::Binary { lhs, rhs, .. } => in_expr(lhs) || in_expr(rhs),
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

/// Prints the DSL tree back as Rust: the forward function, as the user wrote it, with its
/// numbers converted to the function's type.
struct Printer<'a> {
    scalar: &'a Scalar,
}

impl Printer<'_> {
    fn stmts(&self, block: &Block) -> TokenStream {
        block.stmts.iter().map(|stmt| self.stmt(stmt)).collect()
    }

    fn stmt(&self, stmt: &Stmt) -> TokenStream {
        match stmt {
            Stmt::Let {
                name,
                mutable,
                init,
            } => {
                let mutability = mutable.then(|| quote!(mut));
                let init = self.expr(init).tokens;
                quote!(let #mutability #name = #init;)
            }
            Stmt::Assign {
                name,
                op,
                op_span,
                value,
            } => {
                let value = self.expr(value).tokens;
                let op = match op {
                    AssignOp::Set => quote_spanned!(*op_span=> =),
                    AssignOp::Add => quote_spanned!(*op_span=> +=),
                    AssignOp::Sub => quote_spanned!(*op_span=> -=),
                    AssignOp::Mul => quote_spanned!(*op_span=> *=),
                    AssignOp::Div => quote_spanned!(*op_span=> /=),
                };
                quote!(#name #op #value;)
            }
            Stmt::If(if_expr) => self.if_expr(if_expr),
            Stmt::Return { value, span } => {
                let value = self.expr(value).tokens;
                quote_spanned!(*span=> return #value;)
            }
            Stmt::Tail(expr) => self.expr(expr).tokens,
            Stmt::Unsupported { .. } => TokenStream::new(),
        }
    }

    fn if_expr(&self, if_expr: &IfExpr) -> TokenStream {
        let cond = self.cond(&if_expr.cond).tokens;
        let then_stmts = self.stmts(&if_expr.then_branch);
        let else_part = if_expr.else_branch.as_ref().map(|block| {
            let stmts = self.stmts(block);
            quote!(else { #stmts })
        });
        quote_spanned!(if_expr.if_span=> if #cond { #then_stmts } #else_part)
    }

    fn cond(&self, cond: &Cond) -> Rendered {
        match cond {
            Cond::Cmp {
                op,
                op_span,
                lhs,
                rhs,
            } => binary(
                self.expr(lhs),
                cmp_tokens(*op, *op_span),
                self.expr(rhs),
                prec::CMP,
            ),
            Cond::And(a, b) => binary(self.cond(a), quote!(&&), self.cond(b), prec::AND),
            Cond::Or(a, b) => binary(self.cond(a), quote!(||), self.cond(b), prec::OR),
            Cond::Not(a) => {
                let a = self.cond(a).at_least(prec::UNARY);
                Rendered {
                    tokens: quote!(!#a),
                    prec: prec::UNARY,
                }
            }
            Cond::Bool(value) => Rendered::atom(quote!(#value)),
            Cond::Unsupported { .. } => Rendered::atom(quote!(false)),
        }
    }

    fn expr(&self, expr: &Expr) -> Rendered {
        match expr {
            Expr::Lit { value, span, .. } => literal(*value, self.scalar, *span),
            Expr::Var(name) => Rendered::atom(quote!(#name)),
            Expr::Const(path) => constant(path, self.scalar),
            Expr::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let (tokens, op_prec) = match op {
                    BinOp::Add => (quote_spanned!(*op_span=> +), prec::ADD),
                    BinOp::Sub => (quote_spanned!(*op_span=> -), prec::ADD),
                    BinOp::Mul => (quote_spanned!(*op_span=> *), prec::MUL),
                    BinOp::Div => (quote_spanned!(*op_span=> /), prec::MUL),
                };
                binary(self.expr(lhs), tokens, self.expr(rhs), op_prec)
            }
            Expr::Neg { span, expr } => {
                let inner = self.expr(expr).at_least(prec::UNARY);
                Rendered {
                    tokens: quote_spanned!(*span=> -#inner),
                    prec: prec::UNARY,
                }
            }
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                let receiver = self.expr(receiver).at_least(prec::ATOM);
                let args = args.iter().map(|arg| self.expr(arg).tokens);
                Rendered::atom(quote!(#receiver.#method(#(#args),*)))
            }
            Expr::Powi {
                receiver,
                method,
                exponent,
                exponent_span,
            } => {
                let receiver = self.expr(receiver).at_least(prec::ATOM);
                let mut literal = proc_macro2::Literal::u32_unsuffixed(exponent.unsigned_abs());
                literal.set_span(*exponent_span);
                let sign = (*exponent < 0).then(|| quote!(-));
                Rendered::atom(quote!(#receiver.#method(#sign #literal)))
            }
            Expr::Call { func, args } => {
                let args = args.iter().map(|arg| self.expr(arg).tokens);
                Rendered::atom(quote!(#func(#(#args),*)))
            }
            Expr::If(if_expr) => Rendered {
                tokens: self.if_expr(if_expr),
                prec: prec::IF,
            },
            Expr::Unsupported { .. } => Rendered::atom(quote!(())),
        }
    }
}
