//! AST → the forward function's body: the function as the user wrote it, its numbers of the
//! function's type, and `tanh` computed as the gradient computes it.

use proc_macro2::{Delimiter, Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::ast::{
    with_text, AssignOp, BinOp, Block, Cond, Expr, ForKind, ForLoop, IfExpr, Scalar, Stmt,
};
use crate::ir::Method;
use crate::print::{
    constant, literal_prec, prec, write_count, write_element, write_literal, write_range, Printer,
};
use crate::tokens;

/// The statements of the forward function. The body is taken: its names are moved into the
/// output, not copied.
pub fn body(block: Block, scalar: &Scalar) -> TokenStream {
    let mut out = if matches!(scalar, Scalar::Concrete(_)) && uses_real_trait(&block) {
        quote!(
            use ::autograd::Real as _;
        )
    } else {
        TokenStream::new()
    };
    ForwardPrinter { scalar }.stmts(block, &mut out);
    out
}

struct ForwardPrinter<'a> {
    scalar: &'a Scalar,
}

impl Printer for ForwardPrinter<'_> {
    type Expr = Expr;

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

    fn write_bare(&mut self, expr: Expr, out: &mut TokenStream) {
        match expr {
            Expr::Lit { value, span, .. } => write_literal(value, self.scalar, span, out),
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
                self.write_binary(lhs, (text, op_span), op_prec, rhs, out);
            }
            Expr::Neg { span, expr } => {
                tokens::op(out, "-", span);
                self.write(*expr, prec::UNARY, out);
            }
            Expr::Method {
                receiver,
                method,
                args,
            } => self.write_method(*receiver, generated_method(method), args, out),
            Expr::Powi {
                receiver,
                exponent,
                exponent_span,
                ..
            } => self.write_powi(*receiver, exponent, exponent_span, out),
            Expr::Call { func, args } => {
                tokens::push_ident(out, func);
                self.write_args(args, out);
            }
            Expr::If(if_expr) => self.if_expr(*if_expr, out),
            Expr::Index { array, index, .. } => write_element(&array.ident, &index, out),
            Expr::Ref { span, expr } => {
                tokens::op(out, "&", span);
                self.write(*expr, prec::UNARY, out);
            }
            Expr::Len { array, span } => write_count(&array.ident, self.scalar, span, out),
            // [0.0; N]
            Expr::Repeat { value, len, span } => {
                let mut inner = TokenStream::new();
                self.write(*value, prec::IF, &mut inner);
                tokens::op(&mut inner, ";", span);
                inner.extend(quote!(#len));
                tokens::group(out, Delimiter::Bracket, inner, span);
            }
            // Rejected by `check`: never printed.
            Expr::Unsupported { .. } => tokens::group(
                out,
                Delimiter::Parenthesis,
                TokenStream::new(),
                Span::call_site(),
            ),
        }
    }
}

impl ForwardPrinter<'_> {
    fn stmts(&mut self, block: Block, out: &mut TokenStream) {
        for stmt in block.stmts {
            self.stmt(stmt, out);
        }
    }

    fn stmt(&mut self, stmt: Stmt, out: &mut TokenStream) {
        let site = Span::call_site();
        match stmt {
            Stmt::Let {
                name,
                mutable,
                init,
            } => {
                tokens::let_binding(out, mutable, Some(name.ident), site);
                self.write(init, prec::IF, out);
                tokens::op(out, ";", site);
            }
            Stmt::Assign {
                name,
                op,
                op_span,
                value,
            } => {
                tokens::push_ident(out, name.ident);
                tokens::op(out, assign_text(op), op_span);
                self.write(value, prec::IF, out);
                tokens::op(out, ";", site);
            }
            Stmt::SetElem {
                array,
                index,
                op,
                op_span,
                value,
            } => {
                write_element(&array.ident, &index, out);
                tokens::op(out, assign_text(op), op_span);
                self.write(value, prec::IF, out);
                tokens::op(out, ";", site);
            }
            Stmt::For(for_loop) => self.for_loop(*for_loop, out),
            Stmt::If(if_expr) => self.if_expr(if_expr, out),
            Stmt::Return { value, span } => {
                tokens::word(out, "return", span);
                self.write(value, prec::IF, out);
                tokens::op(out, ";", span);
            }
            Stmt::Tail(expr) => self.write(expr, prec::IF, out),
            Stmt::Unsupported { .. } => {}
        }
    }

    // for i in a..b { ... }   for &x in xs.iter() { ... }
    fn for_loop(&mut self, for_loop: ForLoop, out: &mut TokenStream) {
        let span = for_loop.for_span;
        tokens::word(out, "for", span);
        match for_loop.kind {
            ForKind::Range {
                var,
                start,
                end,
                inclusive,
            } => {
                tokens::push_ident(out, var.ident);
                tokens::word(out, "in", span);
                write_range(&start, &end, inclusive, out);
            }
            ForKind::Elements { elems, arrays } => {
                let elems = elems.iter().map(|e| &e.ident);
                let arrays: Vec<&Ident> = arrays.iter().map(|a| &a.ident).collect();
                match arrays.as_slice() {
                    [one] => out.extend(quote!(#(&#elems)* in #one.iter())),
                    [first, rest @ ..] => out.extend(quote!(
                        (#(&#elems),*) in #first.iter() #(.zip(#rest.iter()))*
                    )),
                    [] => {}
                }
            }
        }
        let mut body = TokenStream::new();
        self.stmts(for_loop.body, &mut body);
        tokens::group(out, Delimiter::Brace, body, span);
    }

    // if cond { ... } else { ... }
    fn if_expr(&mut self, if_expr: IfExpr, out: &mut TokenStream) {
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

    /// A condition, in parentheses unless it binds at least as tightly as `min`.
    fn cond(&mut self, cond: Cond, min: u8, out: &mut TokenStream) {
        let cond_prec = match cond {
            Cond::Cmp { .. } => prec::CMP,
            Cond::And(..) => prec::AND,
            Cond::Or(..) => prec::OR,
            Cond::Not(_) => prec::UNARY,
            Cond::Bool(_) | Cond::Unsupported { .. } => prec::ATOM,
        };
        if cond_prec < min {
            let mut inner = TokenStream::new();
            self.cond(cond, prec::IF, &mut inner);
            tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
            return;
        }
        match cond {
            Cond::Cmp {
                op,
                op_span,
                lhs,
                rhs,
            } => self.write_cmp(lhs, op, op_span, rhs, out),
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.cond(*a, cond_prec, out);
                let op = if cond_prec == prec::AND { "&&" } else { "||" };
                tokens::op(out, op, Span::call_site());
                self.cond(*b, cond_prec + 1, out);
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
        }
    }
}

fn assign_text(op: AssignOp) -> &'static str {
    match op {
        AssignOp::Set => "=",
        AssignOp::Add => "+=",
        AssignOp::Sub => "-=",
        AssignOp::Mul => "*=",
        AssignOp::Div => "/=",
    }
}

/// Whether the body calls a method of `autograd::Real` (which a concrete-typed function must
/// bring into scope).
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
            Expr::Repeat { value, .. } => in_expr(value),
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
        | Stmt::SetElem { value: e, .. }
        | Stmt::Return { value: e, .. }
        | Stmt::Tail(e) => in_expr(e),
        Stmt::If(if_expr) => in_if(if_expr),
        Stmt::For(for_loop) => uses_real_trait(&for_loop.body),
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
