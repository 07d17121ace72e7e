//! Tokens → AST: the DSL's own syntax (untyped parameters, `#[wrt]`) on top of syn's Rust.
//!
//! Syntax errors are recorded and parsing goes on with the next function, so that every
//! function whose signature parsed can still get a stub. Constructs that parse as Rust but are
//! not part of the DSL become `Unsupported` nodes for `check.rs` to report.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Token};

use crate::ast::{
    is_constant_name, AssignOp, BinOp, Block, CmpOp, Cond, Expr, ForKind, ForLoop, Form, Function,
    IfExpr, IndexExpr, IndexOp, Param, Shape, Stmt, VarName,
};
use crate::errors::Errors;
use crate::fastpath;

/// Parses the contents of `grad! { ... }`: one or more functions.
pub fn parse_bang(input: TokenStream, errors: &mut Errors) -> Vec<Function> {
    let (input, mut bodies) = fastpath::take_bodies(input);
    let parser = |stream: ParseStream| Ok(parse_functions(stream, &mut bodies, errors));
    match parser.parse2(input) {
        Ok(functions) => functions,
        Err(error) => {
            errors.push_error(error);
            Vec::new()
        }
    }
}

/// Parses `#[differentiable(...)] fn ...`: the attribute's arguments and the item.
pub fn parse_attribute(
    args: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> Option<Function> {
    let item_fn: syn::ItemFn = match syn::parse2(item) {
        Ok(item_fn) => item_fn,
        Err(error) => {
            errors.push(
                error.span(),
                "#[differentiable] goes on a function: `fn f(x: f64, y: f64) -> f64 { ... }`",
            );
            return None;
        }
    };
    let mut wrt_span = args
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span());
    let mut wrt = parse_attribute_args(args, errors);
    let (attrs, attr_wrt, attr_wrt_span) = split_wrt(&item_fn.attrs, errors);
    let (attrs, trace) = split_trace(attrs, errors);
    if attr_wrt.is_some() {
        wrt = attr_wrt;
        wrt_span = attr_wrt_span;
    }
    let sig = &item_fn.sig;
    for unsupported in [
        sig.constness.map(|t| (t.span, "a `const fn`")),
        sig.asyncness.map(|t| (t.span, "an `async fn`")),
        match &sig.safety {
            syn::Safety::Unsafe(t) => Some((t.span, "an `unsafe fn`")),
            _ => None,
        },
        sig.variadic
            .as_ref()
            .map(|v| (v.dots.spans[0], "a variadic function")),
    ]
    .into_iter()
    .flatten()
    {
        errors.push(
            unsupported.0,
            format!("#[differentiable] does not take {}", unsupported.1),
        );
    }
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Typed(pat_type) => match &*pat_type.pat {
                syn::Pat::Ident(pat) if pat.subpat.is_none() && pat.by_ref.is_none() => {
                    let (ty, shape) = split_shape((*pat_type.ty).clone(), false);
                    params.push(Param {
                        name: pat.ident.clone(),
                        ty,
                        shape,
                        mutable: pat.mutability.is_some(),
                    });
                }
                other => {
                    // The item stays as written; only the error is added.
                    errors.push(
                        other.span(),
                        "a parameter is a plain name with a numeric type, like `x: f64`",
                    );
                    return None;
                }
            },
            syn::FnArg::Receiver(receiver) => {
                errors.push(
                    receiver.span(),
                    "methods are not supported: differentiable functions are free functions of \
                     numbers",
                );
                return None;
            }
        }
    }
    let ret = match &sig.output {
        syn::ReturnType::Type(_, ty) => Some((**ty).clone()),
        syn::ReturnType::Default => {
            errors.push(
                sig.paren_token.span.close(),
                "a differentiable function returns a number: add `-> f64` (or `-> f32`, `-> T`)",
            );
            None
        }
    };
    let body = Some(convert_block(&item_fn.block, false));
    Some(Function {
        attrs,
        vis: item_fn.vis.clone(),
        name: sig.ident.clone(),
        generics: sig.generics.clone(),
        params,
        ret,
        wrt,
        wrt_span,
        trace,
        stubs: true,
        body,
        form: Form::Attribute(Box::new(item_fn)),
    })
}

// #[differentiable]  or  #[differentiable(wrt(a, b))]
fn parse_attribute_args(args: TokenStream, errors: &mut Errors) -> Option<Vec<syn::Ident>> {
    if args.is_empty() {
        return None;
    }
    let parser = |input: ParseStream| {
        let key: syn::Ident = input.parse()?;
        if key != "wrt" {
            return Err(syn::Error::new(
                key.span(),
                "unknown argument; #[differentiable] takes `wrt(a, b)` or nothing",
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let names = Punctuated::<syn::Ident, Token![,]>::parse_terminated(&content)?;
        Ok(names.into_iter().collect())
    };
    match parser.parse2(args) {
        Ok(names) => Some(names),
        Err(error) => {
            errors.push_error(error);
            None
        }
    }
}

/// Splits `#[wrt(a, b)]` off a function's attributes.
fn split_wrt(
    attrs: &[Attribute],
    errors: &mut Errors,
) -> (Vec<Attribute>, Option<Vec<syn::Ident>>, Span) {
    let mut kept = Vec::new();
    let mut wrt = None;
    let mut wrt_span = Span::call_site();
    for attr in attrs {
        if !attr.path().is_ident("wrt") {
            kept.push(attr.clone());
            continue;
        }
        // #[wrt(a, b)]
        let names = attr
            .parse_args_with(Punctuated::<syn::Ident, Token![,]>::parse_terminated)
            .map_err(|_| {
                syn::Error::new(attr.span(), "`wrt` lists parameter names: `#[wrt(w, b)]`")
            });
        match names {
            Ok(names) if wrt.is_none() => {
                wrt = Some(names.into_iter().collect());
                wrt_span = attr.span();
            }
            Ok(_) => errors.push_error(syn::Error::new_spanned(attr, "`#[wrt]` is given twice")),
            Err(error) => errors.push_error(error),
        }
    }
    (kept, wrt, wrt_span)
}

/// Splits `#[trace]` off a function's attributes: where it was written, if it was.
fn split_trace(attrs: Vec<Attribute>, errors: &mut Errors) -> (Vec<Attribute>, Option<Span>) {
    let mut kept = Vec::with_capacity(attrs.len());
    let mut trace = None;
    for attr in attrs {
        if !attr.path().is_ident("trace") {
            kept.push(attr);
            continue;
        }
        let span = attr.span();
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            errors.push_error(syn::Error::new_spanned(
                &attr.meta,
                "`#[trace]` takes no arguments: it generates `f_graph()`, `f_trace(..)` and \
                 `f_source()` for the function it is on",
            ));
        } else if trace.is_some() {
            errors.push_error(syn::Error::new_spanned(attr, "`#[trace]` is given twice"));
        }
        trace.get_or_insert(span);
    }
    (kept, trace)
}

fn parse_functions(
    input: ParseStream,
    bodies: &mut fastpath::Bodies,
    errors: &mut Errors,
) -> Vec<Function> {
    let mut functions = Vec::new();
    if input.is_empty() {
        errors.push(
            Span::call_site(),
            "grad! needs a function: `grad! { fn f(x, y) { x * y } }`",
        );
    }
    while !input.is_empty() {
        match parse_function(input, bodies, errors) {
            Ok(function) => functions.push(function),
            Err(error) => {
                errors.push_error(error);
                skip_to_next_function(input);
            }
        }
    }
    functions
}

/// After a syntax error, skips to the next `fn` (or its attributes and visibility).
fn skip_to_next_function(input: ParseStream) {
    while !input.is_empty() {
        if input.peek(Token![fn]) || input.peek(Token![pub]) || input.peek(Token![#]) {
            // Make progress even when the error was at this very token.
            if input.peek(Token![fn]) {
                let _ = input.parse::<TokenTree>();
                continue;
            }
            return;
        }
        let _ = input.parse::<TokenTree>();
    }
}

// /// docs
// #[wrt(w, b)]
// pub fn name(w, b, x: f64) -> T { body }
fn parse_function(
    input: ParseStream,
    bodies: &mut fastpath::Bodies,
    errors: &mut Errors,
) -> syn::Result<Function> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: syn::Visibility = input.parse()?;
    if !input.peek(Token![fn]) {
        return Err(input.error("expected a function: `fn name(x, y) { ... }`"));
    }
    input.parse::<Token![fn]>()?;
    let name: syn::Ident = input.parse()?;
    if input.peek(Token![<]) {
        return Err(input.error(
            "grad! functions take no generics: untyped parameters are already generic over \
             `T: autograd::Real`; for your own generics use #[autograd::differentiable]",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let (params, stubs) = parse_params(&content, errors)?;
    let ret = if input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        Some(input.parse::<syn::Type>()?)
    } else {
        None
    };
    if input.peek(Token![where]) {
        return Err(input.error("grad! functions take no `where` clause"));
    }
    let body = if !input.peek(syn::token::Brace) {
        let span = if input.is_empty() {
            name.span()
        } else {
            input.span()
        };
        errors.push(
            span,
            format!("`{name}` has no body: write it as `fn {name}(...) {{ ... }}`"),
        );
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
        }
        None
    } else {
        let group: proc_macro2::Group = input.parse::<TokenTree>().and_then(|tree| match tree {
            TokenTree::Group(group) => Ok(group),
            other => Err(syn::Error::new(other.span(), "expected `{`")),
        })?;
        match bodies.take(&group) {
            Some(block) => Some(block),
            None => match syn::parse2::<syn::Block>(TokenStream::from(TokenTree::Group(group))) {
                Ok(block) => Some(convert_block(&block, false)),
                Err(error) => {
                    errors.push_error(error);
                    None
                }
            },
        }
    };
    let (attrs, wrt, wrt_span) = split_wrt(&attrs, errors);
    let (attrs, trace) = split_trace(attrs, errors);
    Ok(Function {
        form: Form::Bang,
        attrs,
        vis,
        name,
        generics: Default::default(),
        params,
        ret,
        wrt,
        wrt_span,
        trace,
        stubs,
        body,
    })
}

// (w, b, x: f64)
/// The parameters, and whether all of them were read.
fn parse_params(content: ParseStream, errors: &mut Errors) -> syn::Result<(Vec<Param>, bool)> {
    let mut params = Vec::new();
    let mut complete = true;
    while !content.is_empty() {
        let mut mutable = false;
        if content.peek(Token![mut]) {
            let token: Token![mut] = content.parse()?;
            errors.push(
                token.span,
                "parameters cannot be `mut`; to change one, shadow it: `let mut x = x;`",
            );
            mutable = true;
        }
        if !content.peek(syn::Ident) || content.peek(Token![self]) {
            // Report the bad parameter and skip to the next one.
            complete = false;
            let token: TokenTree = content.parse()?;
            errors.push(
                token.span(),
                "a parameter is a plain name, optionally typed: `x` or `x: f64`",
            );
            while !content.is_empty() && !content.peek(Token![,]) {
                content.parse::<TokenTree>()?;
            }
        } else {
            let name: syn::Ident = content.parse()?;
            let (ty, shape) = if content.peek(Token![:]) {
                content.parse::<Token![:]>()?;
                split_shape(content.parse::<syn::Type>()?, true)
            } else {
                (None, Shape::Scalar)
            };
            params.push(Param {
                name,
                ty,
                shape,
                mutable,
            });
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok((params, complete))
}

/// A parameter's type as its number type and shape: `&[f64]` is `(f64, Slice)`, `[[T; 3]; 2]`
/// is `(T, Matrix)`. Inside `grad!` (`bang`), an element type `T` is the generic number type,
/// as an untyped parameter's is. Any other type is a number type, checked later.
fn split_shape(ty: syn::Type, bang: bool) -> (Option<syn::Type>, Shape) {
    // `[E; N]`: its element type and length.
    fn array(ty: &syn::Type) -> Option<(&syn::Type, &syn::Expr)> {
        match ty {
            syn::Type::Array(array) => Some((&array.elem, &array.len)),
            syn::Type::Paren(paren) => array(&paren.elem),
            syn::Type::Group(group) => array(&group.elem),
            _ => None,
        }
    }
    let shaped = match &ty {
        syn::Type::Reference(reference) if reference.mutability.is_none() => {
            match &*reference.elem {
                syn::Type::Slice(slice) => Some(match array(&slice.elem) {
                    Some((elem, cols)) => (elem.clone(), Shape::Rows(cols.clone())),
                    None => ((*slice.elem).clone(), Shape::Slice),
                }),
                _ => None,
            }
        }
        _ => array(&ty).map(|(elem, len)| match array(elem) {
            Some((inner, cols)) => (
                inner.clone(),
                Shape::Matrix {
                    rows: len.clone(),
                    cols: cols.clone(),
                },
            ),
            None => (elem.clone(), Shape::Array(len.clone())),
        }),
    };
    match shaped {
        // An array of arrays of arrays is not a shape: its element type is rejected later.
        Some((elem, shape)) => {
            let generic = bang
                && matches!(&elem, syn::Type::Path(path) if path.qself.is_none() && path.path.is_ident("T"));
            (if generic { None } else { Some(elem) }, shape)
        }
        None => (Some(ty), Shape::Scalar),
    }
}

/// Converts a syn block into the DSL's block.
///
/// In a statement block (an arm of an `if` statement) a last `if` without `;` is a statement
/// too; elsewhere it is the block's value.
pub fn convert_block(block: &syn::Block, statement_block: bool) -> Block {
    let count = block.stmts.len();
    let stmts = block
        .stmts
        .iter()
        .enumerate()
        .map(|(i, stmt)| convert_stmt(stmt, i + 1 == count, statement_block))
        .collect();
    Block {
        stmts,
        span: block.brace_token.span.join(),
    }
}

fn unsupported_stmt(span: Span, what: impl Into<String>) -> Stmt {
    Stmt::Unsupported {
        span,
        what: what.into(),
    }
}

fn convert_stmt(stmt: &syn::Stmt, is_last: bool, statement_block: bool) -> Stmt {
    match stmt {
        // let x = e;  let mut x = e;  let x: f64 = e;
        syn::Stmt::Local(local) => {
            let pat = match &local.pat {
                syn::Pat::Type(pat_type) => &*pat_type.pat,
                pat => pat,
            };
            let syn::Pat::Ident(pat_ident) = pat else {
                return unsupported_stmt(
                    local.pat.span(),
                    "this pattern is not supported; bind one name: `let x = ...;`",
                );
            };
            if pat_ident.by_ref.is_some() || pat_ident.subpat.is_some() {
                return unsupported_stmt(
                    pat_ident.span(),
                    "this pattern is not supported; bind one name: `let x = ...;`",
                );
            }
            let Some(init) = &local.init else {
                return Stmt::Let {
                    name: VarName::new(pat_ident.ident.clone()),
                    mutable: pat_ident.mutability.is_some(),
                    init: unsupported(
                        local.let_token.span,
                        "a `let` without a value is not supported; write `let x = ...;`",
                    ),
                };
            };
            if let Some((else_token, _)) = &init.diverge {
                return unsupported_stmt(else_token.span, "`let ... else` is not supported");
            }
            Stmt::Let {
                name: VarName::new(pat_ident.ident.clone()),
                mutable: pat_ident.mutability.is_some(),
                init: convert_expr(&init.expr),
            }
        }
        syn::Stmt::Item(item) => unsupported_stmt(
            item.span(),
            "items inside a differentiable function are not supported; define them outside",
        ),
        syn::Stmt::Macro(mac) => unsupported_stmt(mac.mac.path.span(), macro_message(&mac.mac)),
        syn::Stmt::Expr(expr, semi) => {
            convert_expr_stmt(expr, semi.is_some(), is_last && !statement_block)
        }
    }
}

fn convert_expr_stmt(expr: &syn::Expr, has_semi: bool, is_last: bool) -> Stmt {
    match expr {
        // h[j] = e;
        syn::Expr::Assign(assign) if matches!(&*assign.left, syn::Expr::Index(_)) => set_elem(
            &assign.left,
            AssignOp::Set,
            assign.eq_token.span,
            &assign.right,
        ),
        // h[j] += e;
        syn::Expr::Binary(binary)
            if compound_assign(&binary.op).is_some()
                && matches!(&*binary.left, syn::Expr::Index(_)) =>
        {
            let (op, op_span) =
                compound_assign(&binary.op).unwrap_or((AssignOp::Set, binary.op.span()));
            set_elem(&binary.left, op, op_span, &binary.right)
        }
        syn::Expr::ForLoop(for_loop) => convert_for(for_loop),
        syn::Expr::While(while_loop) => unsupported_stmt(
            while_loop.while_token.span,
            "`while` loops are not supported: the number of steps must be known when the loop \
             starts; write `for i in 0..n { ... }`",
        ),
        syn::Expr::Loop(loop_expr) => unsupported_stmt(
            loop_expr.loop_token.span,
            "`loop` is not supported: the number of steps must be known when the loop starts; \
             write `for i in 0..n { ... }`",
        ),
        syn::Expr::Break(brk) => unsupported_stmt(
            brk.break_token.span,
            "`break` is not supported: a `for` loop runs its whole range; compute the range \
             first, or guard the body with `if`",
        ),
        syn::Expr::Continue(cont) => unsupported_stmt(
            cont.continue_token.span,
            "`continue` is not supported: guard the rest of the body with `if` instead",
        ),
        // x = e;
        syn::Expr::Assign(assign) => match assigned_name(&assign.left) {
            Some(name) => Stmt::Assign {
                name,
                op: AssignOp::Set,
                op_span: assign.eq_token.span,
                value: convert_expr(&assign.right),
            },
            None => unsupported_stmt(
                assign.left.span(),
                "only a local variable can be assigned: `x = ...;`",
            ),
        },
        // x += e;  x -= e;  x *= e;  x /= e;
        syn::Expr::Binary(binary) if compound_assign(&binary.op).is_some() => {
            let (op, op_span) =
                compound_assign(&binary.op).unwrap_or((AssignOp::Set, binary.op.span()));
            match assigned_name(&binary.left) {
                Some(name) => Stmt::Assign {
                    name,
                    op,
                    op_span,
                    value: convert_expr(&binary.right),
                },
                None => unsupported_stmt(
                    binary.left.span(),
                    "only a local variable can be assigned: `x += ...;`",
                ),
            }
        }
        // return e;
        syn::Expr::Return(ret) => match &ret.expr {
            Some(value) => Stmt::Return {
                value: convert_expr(value),
                span: ret.return_token.span,
            },
            None => unsupported_stmt(ret.return_token.span, "`return` needs a value: `return x;`"),
        },
        syn::Expr::If(if_expr) if !is_last || has_semi => Stmt::If(convert_if(if_expr, true)),
        _ if is_last && !has_semi => Stmt::Tail(convert_expr(expr)),
        syn::Expr::Macro(mac) => unsupported_stmt(mac.mac.path.span(), macro_message(&mac.mac)),
        // m %= y;
        syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::RemAssign(_)) => {
            let (m, y) = operand_text(&binary.left, &binary.right);
            unsupported_stmt(
                binary.op.span(),
                format!(
                    "`%=` is not differentiable here; write \
                     `{m} = {m} - {y} * ({m} / {y}).trunc();`, which is what `%=` computes and is differentiated piecewise (`trunc` has \
                     derivative 0)"
                ),
            )
        }
        // m ^= y;  m <<= y; ...
        syn::Expr::Binary(binary) if is_assign_op(&binary.op) => unsupported_stmt(
            binary.op.span(),
            "this assignment operator is not supported; supported: `=`, `+=`, `-=`, `*=`, `/=`",
        ),
        syn::Expr::Binary(_)
        | syn::Expr::Unary(_)
        | syn::Expr::Lit(_)
        | syn::Expr::Path(_)
        | syn::Expr::MethodCall(_)
        | syn::Expr::Call(_)
        | syn::Expr::Paren(_) => unsupported_stmt(
            expr.span(),
            "this statement does nothing: its value is unused; bind it with `let` or make it \
             the last expression",
        ),
        other => unsupported_stmt(other.span(), describe_unsupported(other)),
    }
}

// h[j] = e;  h[j] += e;
fn set_elem(target: &syn::Expr, op: AssignOp, op_span: Span, value: &syn::Expr) -> Stmt {
    match convert_index(target) {
        Expr::Index { array, index, .. } => Stmt::SetElem {
            array,
            index,
            op,
            op_span,
            value: convert_expr(value),
        },
        _ => unsupported_stmt(
            target.span(),
            "only an element of a local array can be assigned: `h[j] = ...;`",
        ),
    }
}

// for i in a..b { }   for &x in xs { }   for (&x, &y) in xs.iter().zip(ys) { }
fn convert_for(for_loop: &syn::ExprForLoop) -> Stmt {
    let for_span = for_loop.for_token.span;
    if let Some(label) = &for_loop.label {
        return unsupported_stmt(label.name.apostrophe, "loop labels are not supported");
    }
    let body = convert_block(&for_loop.body, true);
    let kind = match (&*for_loop.pat, strip_parens(&for_loop.expr)) {
        (syn::Pat::Ident(pat), syn::Expr::Range(range))
            if pat.by_ref.is_none() && pat.mutability.is_none() && pat.subpat.is_none() =>
        {
            let (Some(start), Some(end)) = (&range.start, &range.end) else {
                return unsupported_stmt(
                    range.span(),
                    "a loop's range needs both bounds: `for i in 0..n`",
                );
            };
            ForKind::Range {
                var: VarName::new(pat.ident.clone()),
                start: convert_index_expr(start),
                end: convert_index_expr(end),
                inclusive: matches!(range.limits, syn::RangeLimits::Closed(_)),
            }
        }
        // for _ in 0..n
        (syn::Pat::Wild(wild), syn::Expr::Range(range)) => {
            let (Some(start), Some(end)) = (&range.start, &range.end) else {
                return unsupported_stmt(
                    range.span(),
                    "a loop's range needs both bounds: `for i in 0..n`",
                );
            };
            ForKind::Range {
                var: VarName::new(syn::Ident::new("_", wild.underscore_token.span)),
                start: convert_index_expr(start),
                end: convert_index_expr(end),
                inclusive: matches!(range.limits, syn::RangeLimits::Closed(_)),
            }
        }
        (pat, expr) => match elements(pat, expr) {
            Some((elems, arrays)) => ForKind::Elements { elems, arrays },
            None => {
                // Point at the first adapter the loop does not take: `.map(..)`.
                let mut span = for_loop.expr.span();
                let mut expr = strip_parens(&for_loop.expr);
                while let syn::Expr::MethodCall(call) = expr {
                    if call.method != "iter" && call.method != "zip" {
                        span = call.method.span();
                    }
                    expr = strip_parens(&call.receiver);
                }
                return unsupported_stmt(
                    span,
                    "this loop is not supported; loop over a range, `for i in 0..xs.len()`, \
                     over the elements of an array, `for &x in xs`, or over several side by \
                     side, `for (&x, &y) in xs.iter().zip(ys)`; iterator adapters and \
                     closures (`.map(|x| ..)`) are not supported",
                );
            }
        },
    };
    Stmt::For(Box::new(ForLoop {
        for_span,
        kind,
        body,
    }))
}

fn strip_parens(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(paren) => strip_parens(&paren.expr),
        syn::Expr::Group(group) => strip_parens(&group.expr),
        other => other,
    }
}

/// `&x` in `xs` (or `xs.iter()`), `(&x, &y)` in `xs.iter().zip(ys)`: the names and arrays.
fn elements(pat: &syn::Pat, expr: &syn::Expr) -> Option<(Vec<VarName>, Vec<VarName>)> {
    fn elem(pat: &syn::Pat) -> Option<VarName> {
        match pat {
            syn::Pat::Reference(reference) if reference.mutability.is_none() => {
                match &*reference.pat {
                    syn::Pat::Ident(ident)
                        if ident.by_ref.is_none()
                            && ident.mutability.is_none()
                            && ident.subpat.is_none() =>
                    {
                        Some(VarName::new(ident.ident.clone()))
                    }
                    _ => None,
                }
            }
            syn::Pat::Paren(paren) => elem(&paren.pat),
            _ => None,
        }
    }
    // `xs`, `&xs`, `xs.iter()`
    fn array(expr: &syn::Expr) -> Option<VarName> {
        match strip_parens(expr) {
            syn::Expr::Path(path) if path.qself.is_none() => {
                path.path.get_ident().cloned().map(VarName::new)
            }
            syn::Expr::Reference(reference) if reference.mutability.is_none() => {
                array(&reference.expr)
            }
            syn::Expr::MethodCall(call) if call.method == "iter" && call.args.is_empty() => {
                array(&call.receiver)
            }
            _ => None,
        }
    }
    match pat {
        syn::Pat::Tuple(tuple) => {
            // xs.iter().zip(ys).zip(zs): ((&x, &y), &z) is not taken; (&x, &y) is.
            let syn::Expr::MethodCall(call) = strip_parens(expr) else {
                return None;
            };
            if call.method != "zip" || call.args.len() != 1 || tuple.elems.len() != 2 {
                return None;
            }
            let elems = tuple.elems.iter().map(elem).collect::<Option<Vec<_>>>()?;
            let arrays = vec![array(&call.receiver)?, array(&call.args[0])?];
            Some((elems, arrays))
        }
        _ => Some((vec![elem(pat)?], vec![array(expr)?])),
    }
}

// xs[i], m[i][j]
fn convert_index(expr: &syn::Expr) -> Expr {
    let mut indices = Vec::new();
    let mut base = expr;
    while let syn::Expr::Index(index) = strip_parens(base) {
        indices.push(convert_index_expr(&index.index));
        base = &index.expr;
    }
    indices.reverse();
    match strip_parens(base) {
        syn::Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
            let ident = path
                .path
                .get_ident()
                .cloned()
                .unwrap_or_else(|| syn::Ident::new("_", Span::call_site()));
            Expr::Index {
                span: ident.span(),
                array: VarName::new(ident),
                index: indices,
            }
        }
        other => unsupported(
            other.span(),
            "only a named array can be indexed: `xs[i]`, `m[i][j]`",
        ),
    }
}

/// An index or a loop bound: integers only.
fn convert_index_expr(expr: &syn::Expr) -> IndexExpr {
    let unsupported = |span: Span, what: &str| IndexExpr::Unsupported {
        span,
        what: what.to_string(),
    };
    const INTEGERS: &str = "an index is an integer: loop variables, integer literals, \
        constants, `xs.len()`, and `+ - * / %` of them";
    match expr {
        syn::Expr::Paren(paren) => IndexExpr::Paren(Box::new(convert_index_expr(&paren.expr))),
        syn::Expr::Group(group) => convert_index_expr(&group.expr),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if int.suffix().is_empty() || int.suffix() == "usize" => {
            match int.base10_parse::<u64>() {
                Ok(value) => IndexExpr::Lit {
                    value,
                    span: int.span(),
                },
                Err(_) => unsupported(int.span(), "this integer is too large for an index"),
            }
        }
        syn::Expr::Lit(lit) => unsupported(
            lit.span(),
            &format!("`{}` is not an integer; {INTEGERS}", lit.to_token_stream()),
        ),
        syn::Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) if !is_constant_name(ident) => IndexExpr::Var(VarName::new(ident.clone())),
            _ => IndexExpr::Const(path.path.clone()),
        },
        // xs.len(), m[i].len()
        syn::Expr::MethodCall(call) if call.method == "len" && call.args.is_empty() => {
            match strip_parens(&call.receiver) {
                syn::Expr::Path(path) if path.path.get_ident().is_some() => IndexExpr::Len {
                    array: VarName::new(
                        path.path
                            .get_ident()
                            .cloned()
                            .unwrap_or_else(|| syn::Ident::new("_", Span::call_site())),
                    ),
                    rows: false,
                },
                syn::Expr::Index(index) => match strip_parens(&index.expr) {
                    syn::Expr::Path(path) if path.path.get_ident().is_some() => IndexExpr::Len {
                        array: VarName::new(
                            path.path
                                .get_ident()
                                .cloned()
                                .unwrap_or_else(|| syn::Ident::new("_", Span::call_site())),
                        ),
                        rows: true,
                    },
                    other => unsupported(other.span(), "`.len()` of a named array: `xs.len()`"),
                },
                other => unsupported(other.span(), "`.len()` of a named array: `xs.len()`"),
            }
        }
        syn::Expr::Binary(binary) => {
            let op = match binary.op {
                syn::BinOp::Add(_) => IndexOp::Add,
                syn::BinOp::Sub(_) => IndexOp::Sub,
                syn::BinOp::Mul(_) => IndexOp::Mul,
                syn::BinOp::Div(_) => IndexOp::Div,
                syn::BinOp::Rem(_) => IndexOp::Rem,
                _ => return unsupported(binary.op.span(), INTEGERS),
            };
            IndexExpr::Binary {
                op,
                op_span: binary.op.span(),
                operands: Box::new([
                    convert_index_expr(&binary.left),
                    convert_index_expr(&binary.right),
                ]),
            }
        }
        other => unsupported(other.span(), INTEGERS),
    }
}

fn is_assign_op(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::AddAssign(_)
            | syn::BinOp::SubAssign(_)
            | syn::BinOp::MulAssign(_)
            | syn::BinOp::DivAssign(_)
            | syn::BinOp::RemAssign(_)
            | syn::BinOp::BitXorAssign(_)
            | syn::BinOp::BitAndAssign(_)
            | syn::BinOp::BitOrAssign(_)
            | syn::BinOp::ShlAssign(_)
            | syn::BinOp::ShrAssign(_)
    )
}

/// The operands of `a % b` for a suggestion: as written when both are names or literals,
/// else `x` and `y`.
fn operand_text(a: &syn::Expr, b: &syn::Expr) -> (String, String) {
    let atom = |expr: &syn::Expr| match expr {
        syn::Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
            Some(path.to_token_stream().to_string())
        }
        syn::Expr::Lit(lit) => Some(lit.to_token_stream().to_string()),
        _ => None,
    };
    match (atom(a), atom(b)) {
        (Some(a), Some(b)) => (a, b),
        _ => ("x".into(), "y".into()),
    }
}

fn compound_assign(op: &syn::BinOp) -> Option<(AssignOp, Span)> {
    match op {
        syn::BinOp::AddAssign(t) => Some((AssignOp::Add, t.span())),
        syn::BinOp::SubAssign(t) => Some((AssignOp::Sub, t.span())),
        syn::BinOp::MulAssign(t) => Some((AssignOp::Mul, t.span())),
        syn::BinOp::DivAssign(t) => Some((AssignOp::Div, t.span())),
        _ => None,
    }
}

fn assigned_name(expr: &syn::Expr) -> Option<VarName> {
    match expr {
        syn::Expr::Path(path) if path.qself.is_none() => {
            path.path.get_ident().cloned().map(VarName::new)
        }
        _ => None,
    }
}

/// `statement`: whether the `if` is a statement (its arms are statement blocks).
fn convert_if(if_expr: &syn::ExprIf, statement: bool) -> IfExpr {
    let else_branch = if_expr
        .else_branch
        .as_ref()
        .map(|(_, else_expr)| match &**else_expr {
            syn::Expr::Block(block) => convert_block(&block.block, statement),
            // else if ...: a block holding the inner `if`.
            syn::Expr::If(inner) if statement => Block {
                span: inner.if_token.span,
                stmts: vec![Stmt::If(convert_if(inner, true))],
            },
            other => Block {
                span: other.span(),
                stmts: vec![Stmt::Tail(convert_expr(other))],
            },
        });
    IfExpr {
        if_span: if_expr.if_token.span,
        cond: convert_cond(&if_expr.cond),
        then_branch: convert_block(&if_expr.then_branch, statement),
        else_branch,
    }
}

fn unsupported(span: Span, what: impl Into<String>) -> Expr {
    unsupported_with(span, what, Vec::new())
}

/// An unsupported expression whose operands are still checked.
fn unsupported_with(span: Span, what: impl Into<String>, inner: Vec<Expr>) -> Expr {
    Expr::Unsupported {
        span,
        what: what.into(),
        inner,
    }
}

/// Converts an expression. Numbers, names, `+ - * /`, unary `-`, methods, calls and `if`.
pub fn convert_expr(expr: &syn::Expr) -> Expr {
    match expr {
        syn::Expr::Lit(lit) => Expr::from_lit(&lit.lit),
        syn::Expr::Path(path) => {
            if path.qself.is_some() {
                return unsupported(path.span(), "qualified paths are not supported");
            }
            if let Some(ident) = path.path.get_ident() {
                if is_constant_name(ident) {
                    return Expr::Const(path.path.clone());
                }
                return Expr::Var(VarName::new(ident.clone()));
            }
            let has_generics = path
                .path
                .segments
                .iter()
                .any(|s| !matches!(s.arguments, syn::PathArguments::None));
            if has_generics {
                return unsupported(
                    path.span(),
                    "paths with generic arguments are not supported",
                );
            }
            Expr::Const(path.path.clone())
        }
        syn::Expr::Paren(paren) => convert_expr(&paren.expr),
        syn::Expr::Group(group) => convert_expr(&group.expr),
        syn::Expr::Binary(binary) => {
            let op = match binary.op {
                syn::BinOp::Add(_) => BinOp::Add,
                syn::BinOp::Sub(_) => BinOp::Sub,
                syn::BinOp::Mul(_) => BinOp::Mul,
                syn::BinOp::Div(_) => BinOp::Div,
                syn::BinOp::Lt(_)
                | syn::BinOp::Le(_)
                | syn::BinOp::Gt(_)
                | syn::BinOp::Ge(_)
                | syn::BinOp::Eq(_)
                | syn::BinOp::Ne(_)
                | syn::BinOp::And(_)
                | syn::BinOp::Or(_) => {
                    return unsupported_with(
                        binary.op.span(),
                        "comparisons and `&&`, `||` are supported only as `if` conditions",
                        operands(binary),
                    )
                }
                syn::BinOp::Rem(_) => {
                    let (x, y) = operand_text(&binary.left, &binary.right);
                    return unsupported_with(
                        binary.op.span(),
                        format!(
                            "`%` is not differentiable here; write the remainder as \
                             `{x} - {y} * ({x} / {y}).trunc()`, which is what `%` computes and \
                             is differentiated piecewise (`trunc` has derivative 0)"
                        ),
                        operands(binary),
                    );
                }
                _ if compound_assign(&binary.op).is_some() => {
                    return unsupported(
                        binary.op.span(),
                        "assignments are statements: write `x += ...;` on its own line",
                    )
                }
                syn::BinOp::BitXor(_) => {
                    return unsupported_with(
                        binary.op.span(),
                        "`^` is exclusive or in Rust, not a power; write `x.powi(2)` for an \
                         integer power or `x.powf(y)` for any other",
                        operands(binary),
                    )
                }
                _ => {
                    return unsupported_with(
                        binary.op.span(),
                        "this operator is not supported; supported operators: + - * / and \
                             unary -",
                        operands(binary),
                    )
                }
            };
            Expr::Binary {
                op,
                op_span: binary.op.span(),
                operands: Box::new([convert_expr(&binary.left), convert_expr(&binary.right)]),
            }
        }
        syn::Expr::Unary(unary) => match unary.op {
            syn::UnOp::Neg(minus) => Expr::Neg {
                span: minus.span,
                expr: Box::new(convert_expr(&unary.expr)),
            },
            syn::UnOp::Not(bang) => {
                unsupported(bang.span, "`!` is supported only in `if` conditions")
            }
            syn::UnOp::Deref(star) => unsupported_with(
                star.span,
                "references and dereferences are not supported: parameters are numbers",
                vec![convert_expr(&unary.expr)],
            ),
            _ => unsupported(unary.span(), "this operator is not supported"),
        },
        syn::Expr::MethodCall(call) => convert_method(call),
        syn::Expr::Call(call) => convert_call(call),
        syn::Expr::If(if_expr) => Expr::If(Box::new(convert_if(if_expr, false))),
        // xs.len() as f64: the length as a number
        syn::Expr::Cast(cast)
            if matches!(strip_parens(&cast.expr), syn::Expr::MethodCall(call)
                if call.method == "len" && call.args.is_empty()) =>
        {
            convert_expr(&cast.expr)
        }
        // The offending token, and the expression inside, which is still checked.
        syn::Expr::Cast(cast) => unsupported_with(
            cast.as_token.span,
            describe_unsupported(expr),
            vec![convert_expr(&cast.expr)],
        ),
        syn::Expr::Index(_) => convert_index(expr),
        // [0.0; N]
        syn::Expr::Repeat(repeat) => Expr::Repeat {
            span: repeat.bracket_token.span.join(),
            value: Box::new(convert_expr(&repeat.expr)),
            len: Box::new((*repeat.len).clone()),
        },
        syn::Expr::Field(field) => {
            let member = field.member.to_token_stream().to_string();
            let base = match &*field.base {
                syn::Expr::Path(path) if path.path.get_ident().is_some() => {
                    path.to_token_stream().to_string()
                }
                _ => "s".into(),
            };
            unsupported_with(
                field.member.span(),
                format!(
                    "fields are not supported: parameters are numbers; make `{member}` a \
                     parameter of its own and pass `{base}.{member}` where you call the function"
                ),
                vec![convert_expr(&field.base)],
            )
        }
        other => unsupported(other.span(), describe_unsupported(other)),
    }
}

fn operands(binary: &syn::ExprBinary) -> Vec<Expr> {
    vec![convert_expr(&binary.left), convert_expr(&binary.right)]
}

/// `println!(..)`, `max!(..)`: what to do instead of the macro.
fn macro_message(mac: &syn::Macro) -> &'static str {
    let name = mac.path.segments.last().map(|s| s.ident.to_string());
    match name.as_deref() {
        Some("vec") => {
            "`vec!` is not supported: a differentiable function allocates nothing; declare a \
             local array, `let mut h = [0.0; N];` (N a literal or constant), or take the data as \
             a slice parameter, `xs: &[T]`"
        }
        Some(
            "print" | "println" | "eprint" | "eprintln" | "dbg" | "assert" | "assert_eq"
            | "assert_ne" | "debug_assert" | "debug_assert_eq" | "debug_assert_ne",
        ) => {
            "printing and assertions are not supported inside a differentiable function; print \
             or check the value where you call the function"
        }
        _ => {
            "macros are not supported inside a differentiable function; write out the expression \
             the macro stands for, with the supported operators and methods"
        }
    }
}

/// `K`, `consts::N`: a constant's name, in capitals or through a path (not a variable).
fn is_constant_path(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Path(path) => match path.path.get_ident() {
            Some(ident) => ident
                .to_string()
                .starts_with(|c: char| c.is_ascii_uppercase()),
            None => true,
        },
        _ => false,
    }
}

/// What an unsupported expression is, and what to do instead.
fn describe_unsupported(expr: &syn::Expr) -> &'static str {
    match expr {
        syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {
            "a loop is a statement: its value cannot be used; write it on its own and use the \
             variables it changes"
        }
        syn::Expr::Closure(_) => {
            "closures are not supported; define another function in the same grad! block and \
             call it"
        }
        syn::Expr::Macro(mac) => macro_message(&mac.mac),
        syn::Expr::Reference(_) => {
            "references are not supported: parameters and values are numbers"
        }
        syn::Expr::Array(_) => {
            "array literals are not supported; declare a local array as `let mut h = [0.0; N];` \
             and set its elements"
        }
        syn::Expr::Tuple(_) => {
            "tuples are not supported: a differentiable function returns one number; write one \
             function per component, in the same grad! block"
        }
        syn::Expr::Cast(cast) if is_constant_path(&cast.expr) => {
            "`as` casts are not supported: a constant used as a number is a float, \
             `const K: f64 = 3.0;` (an integer constant serves as a length, an index or a loop \
             bound)"
        }
        syn::Expr::Cast(_) => {
            "`as` casts are not supported: every value already has the function's number type"
        }
        syn::Expr::Field(_) => {
            "fields are not supported: parameters are numbers; make the field a parameter of \
             its own and pass `s.field` where you call the function"
        }
        syn::Expr::Struct(_) => {
            "structs are not supported: values in a differentiable function are numbers; bind \
             each field's value with its own `let`"
        }
        syn::Expr::Match(_) => "`match` is not supported; use `if` / `else if` / `else`",
        syn::Expr::Block(_) | syn::Expr::Unsafe(_) | syn::Expr::Const(_) => {
            "block expressions are not supported; use `let` statements in the function body"
        }
        syn::Expr::Let(_) => "`if let` and `let` in expressions are not supported",
        syn::Expr::Range(_) => "ranges are not supported",
        syn::Expr::Try(_) => "`?` is not supported",
        syn::Expr::Async(_) | syn::Expr::Await(_) => "async code is not supported",
        syn::Expr::Break(_) | syn::Expr::Continue(_) => "`break` and `continue` are not supported",
        syn::Expr::Return(_) => {
            "`return` is supported only as a statement: `return x;` in the body or in an `if` branch"
        }
        syn::Expr::Assign(_) => "assignments are statements: write `x = ...;` on its own line",
        _ => "this expression is not supported in a differentiable function",
    }
}

// x.powi(2), x.powi(-1)
fn powi_exponent(expr: &syn::Expr) -> Option<(i32, Span)> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse::<i32>().ok().map(|n| (n, int.span())),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(minus),
            expr,
            ..
        }) => powi_exponent(expr).and_then(|(n, _)| n.checked_neg().map(|n| (n, minus.span))),
        syn::Expr::Paren(paren) => powi_exponent(&paren.expr),
        syn::Expr::Group(group) => powi_exponent(&group.expr),
        _ => None,
    }
}

fn make_method(receiver: Expr, method: syn::Ident, args: &[&syn::Expr]) -> Expr {
    if method == "powi" && args.len() == 1 {
        if let Some((exponent, exponent_span)) = powi_exponent(args[0]) {
            return Expr::Powi {
                receiver: Box::new(receiver),
                method,
                exponent,
                exponent_span,
            };
        }
    }
    Expr::Method {
        receiver: Box::new(receiver),
        method,
        args: args.iter().map(|arg| convert_expr(arg)).collect(),
    }
}

// receiver.method(args)
fn convert_method(call: &syn::ExprMethodCall) -> Expr {
    // xs.len() as a number
    if call.method == "len" && call.args.is_empty() {
        if let syn::Expr::Path(path) = strip_parens(&call.receiver) {
            if let Some(ident) = path.path.get_ident() {
                return Expr::Len {
                    array: VarName::new(ident.clone()),
                    span: call.method.span(),
                };
            }
        }
    }
    let is_iterator = |method: &syn::Ident| {
        matches!(
            method.to_string().as_str(),
            "iter"
                | "into_iter"
                | "map"
                | "sum"
                | "fold"
                | "zip"
                | "product"
                | "enumerate"
                | "filter"
                | "for_each"
                | "reduce"
                | "copied"
                | "cloned"
        )
    };
    if is_iterator(&call.method) {
        // One error for the whole chain, at its first adapter after `iter()`: `.map(|x| ..)`.
        let mut span = call.method.span();
        let mut receiver = &*call.receiver;
        while let syn::Expr::MethodCall(inner) = strip_parens(receiver) {
            if !is_iterator(&inner.method) {
                break;
            }
            if inner.method != "iter" && inner.method != "into_iter" {
                span = inner.method.span();
            }
            receiver = &inner.receiver;
        }
        return unsupported(
            span,
            "iterator methods and closures are not supported; write a `for` loop: \
             `let mut s = 0.0; for &x in xs { s += ..; }`",
        );
    }
    if let Some(turbofish) = &call.turbofish {
        return unsupported(
            turbofish.span(),
            "methods with generic arguments are not supported",
        );
    }
    let args: Vec<&syn::Expr> = call.args.iter().collect();
    make_method(convert_expr(&call.receiver), call.method.clone(), &args)
}

/// An argument of a call: `&xs` and `&m[i]` pass arrays (`check.rs` says where `&` may stand).
fn convert_arg(arg: &syn::Expr) -> Expr {
    match arg {
        syn::Expr::Reference(reference) if reference.mutability.is_none() => Expr::Ref {
            span: reference.span(),
            expr: Box::new(convert_expr(&reference.expr)),
        },
        _ => convert_expr(arg),
    }
}

// g(a, b)  or  f64::sin(x)  or  T::lit(0.5), T::zero(), T::one()
fn convert_call(call: &syn::ExprCall) -> Expr {
    let syn::Expr::Path(path) = &*call.func else {
        return unsupported(
            call.func.span(),
            "only named functions can be called: `g(x, y)`",
        );
    };
    if path.qself.is_some() {
        return unsupported(path.span(), "qualified paths are not supported");
    }
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    if segments.first().is_some_and(|s| s.ident == "Vec") {
        return unsupported(
            path.span(),
            "`Vec` is not supported in a differentiable function, which allocates nothing; \
             declare a local array, `let mut h = [0.0; N];`, or take the data as a slice \
             parameter, `xs: &[T]`",
        );
    }
    let args: Vec<&syn::Expr> = call.args.iter().collect();
    if let [segment] = segments.as_slice() {
        if !segment.arguments.is_none() {
            return unsupported(
                segment.span(),
                "calls with generic arguments are not supported",
            );
        }
        return Expr::Call {
            func: segment.ident.clone(),
            args: args.iter().map(|arg| convert_arg(arg)).collect(),
        };
    }
    if let [ty, method] = segments.as_slice() {
        let ty_name = ty.ident.to_string();
        let is_scalar_type = ty_name == "f32" || ty_name == "f64" || ty_name.len() == 1;
        if is_scalar_type && ty.arguments.is_none() && method.arguments.is_none() {
            let method_ident = method.ident.clone();
            let name = method_ident.to_string();
            let span = method_ident.span();
            match (name.as_str(), args.as_slice()) {
                ("zero", []) => return literal(0.0, span),
                ("one", []) => return literal(1.0, span),
                ("lit", [arg]) => {
                    if let lit @ Expr::Lit { .. } = convert_expr(arg) {
                        return lit;
                    }
                }
                (_, [receiver, rest @ ..]) => {
                    return make_method(convert_expr(receiver), method_ident, rest)
                }
                _ => {}
            }
        }
    }
    if let Some(last) = segments.last().filter(|_| segments.len() > 1) {
        let module = segments[..segments.len() - 1]
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        let name = &last.ident;
        return unsupported(
            path.span(),
            format!(
                "calls through a path are not supported; bring the function and its gradient \
                 into scope and call it by name: `use {module}::{{{name}, {name}_grad}};` \
                 then `{name}(..)`"
            ),
        );
    }
    unsupported(
        path.span(),
        "this call is not supported; call a differentiable function by name, `g(x, y)`, or a \
         method as `x.sin()`",
    )
}

fn literal(value: f64, span: Span) -> Expr {
    Expr::Lit { value, span }
}

// x > 0.0 && !(y <= x) || true
fn convert_cond(expr: &syn::Expr) -> Cond {
    match expr {
        syn::Expr::Paren(paren) => convert_cond(&paren.expr),
        syn::Expr::Group(group) => convert_cond(&group.expr),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(b),
            ..
        }) => Cond::Bool(b.value),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Not(_),
            expr,
            ..
        }) => Cond::Not(Box::new(convert_cond(expr))),
        syn::Expr::Binary(binary) => {
            let cmp = match binary.op {
                syn::BinOp::Lt(_) => CmpOp::Lt,
                syn::BinOp::Le(_) => CmpOp::Le,
                syn::BinOp::Gt(_) => CmpOp::Gt,
                syn::BinOp::Ge(_) => CmpOp::Ge,
                syn::BinOp::Eq(_) => CmpOp::Eq,
                syn::BinOp::Ne(_) => CmpOp::Ne,
                syn::BinOp::And(_) => {
                    return Cond::And(
                        Box::new(convert_cond(&binary.left)),
                        Box::new(convert_cond(&binary.right)),
                    )
                }
                syn::BinOp::Or(_) => {
                    return Cond::Or(
                        Box::new(convert_cond(&binary.left)),
                        Box::new(convert_cond(&binary.right)),
                    )
                }
                _ => {
                    return Cond::Unsupported {
                        span: binary.span(),
                        what: "a condition compares numbers: `x > 0.0`, joined by `&&`, `||`, `!`"
                            .into(),
                    }
                }
            };
            Cond::Cmp {
                op: cmp,
                op_span: binary.op.span(),
                lhs: convert_expr(&binary.left),
                rhs: convert_expr(&binary.right),
            }
        }
        syn::Expr::Let(let_expr) => Cond::Unsupported {
            span: let_expr.let_token.span,
            what: "`if let` is not supported; a condition compares numbers: `x > 0.0`".into(),
        },
        other => Cond::Unsupported {
            span: other.span(),
            what: "a condition compares numbers: `x > 0.0`, joined by `&&`, `||`, `!`".into(),
        },
    }
}
