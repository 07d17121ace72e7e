//! Rust expression syntax, shared by both printers (the forward function's, from the AST,
//! in `forward.rs`, and the gradient's, from the IR, in `render.rs`): precedence and
//! parentheses, operators, method calls, and numbers and constants of the function's type.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::Ident;

use crate::ast::{CmpOp, IndexExpr, Scalar};
use crate::tokens;

/// A printer of one kind of expression tree. It says how tightly each expression binds and
/// writes it bare; the rest of Rust's expression syntax is written here, once.
pub trait Printer {
    type Expr;

    /// How tightly `expr` binds (see [`prec`]).
    fn prec(&self, expr: &Self::Expr) -> u8;

    /// Writes `expr` itself, without parentheses around it.
    fn write_bare(&mut self, expr: Self::Expr, out: &mut TokenStream);

    /// Writes `expr`, in parentheses unless it binds at least as tightly as `min`.
    fn write(&mut self, expr: Self::Expr, min: u8, out: &mut TokenStream) {
        if self.prec(&expr) >= min {
            self.write_bare(expr, out);
        } else {
            let mut inner = TokenStream::new();
            self.write_bare(expr, &mut inner);
            tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
        }
    }

    /// `lhs op rhs`: operators associate left, so the right side must bind tighter.
    fn write_binary(
        &mut self,
        lhs: Self::Expr,
        op: (&str, Span),
        op_prec: u8,
        rhs: Self::Expr,
        out: &mut TokenStream,
    ) {
        self.write(lhs, op_prec, out);
        tokens::op(out, op.0, op.1);
        self.write(rhs, op_prec + 1, out);
    }

    /// `lhs < rhs`: comparisons do not chain, so both sides bind tighter.
    fn write_cmp(
        &mut self,
        lhs: Self::Expr,
        op: CmpOp,
        span: Span,
        rhs: Self::Expr,
        out: &mut TokenStream,
    ) {
        self.write(lhs, prec::CMP + 1, out);
        out.extend(cmp_tokens(op, span));
        self.write(rhs, prec::CMP + 1, out);
    }

    /// `(a, b, c)`
    fn write_args(&mut self, args: impl IntoIterator<Item = Self::Expr>, out: &mut TokenStream) {
        let mut inner = TokenStream::new();
        for (i, arg) in args.into_iter().enumerate() {
            if i > 0 {
                tokens::op(&mut inner, ",", Span::call_site());
            }
            self.write(arg, prec::IF, &mut inner);
        }
        tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
    }

    /// `receiver.method(args)`
    fn write_method(
        &mut self,
        receiver: Self::Expr,
        method: Ident,
        args: impl IntoIterator<Item = Self::Expr>,
        out: &mut TokenStream,
    ) {
        let span = method.span();
        self.write(receiver, prec::ATOM, out);
        out.extend([
            tokens::punct(b'.', Spacing::Alone, span),
            TokenTree::Ident(method),
        ]);
        self.write_args(args, out);
    }

    /// `receiver.powi(n)`, the exponent an integer literal spanned `span`.
    fn write_powi(&mut self, receiver: Self::Expr, n: i32, span: Span, out: &mut TokenStream) {
        self.write(receiver, prec::ATOM, out);
        tokens::op(out, ".", span);
        tokens::word(out, "powi", span);
        let mut inner = TokenStream::new();
        if n < 0 {
            tokens::op(&mut inner, "-", Span::call_site());
        }
        let mut exponent = proc_macro2::Literal::u32_unsuffixed(n.unsigned_abs());
        exponent.set_span(span);
        inner.extend([TokenTree::Literal(exponent)]);
        tokens::group(out, Delimiter::Parenthesis, inner, span);
    }
}

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

/// A literal of the function's number type: `T::lit(0.5)` or `0.5_f64`.
pub fn write_literal(value: f64, scalar: &Scalar, span: Span, out: &mut TokenStream) {
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
    let suffix = match scalar {
        Scalar::Generic(_) => None,
        Scalar::Concrete(ty) => Some(ty),
    };
    let mut literal = TokenStream::new();
    if value.is_sign_negative() {
        tokens::op(&mut literal, "-", span);
    }
    let mut digits = float_literal(value.abs(), suffix);
    digits.set_span(span);
    literal.extend([TokenTree::Literal(digits)]);
    match scalar {
        // T::lit(-0.5)
        Scalar::Generic(ty) => {
            out.extend(quote_spanned!(span=> #ty::lit));
            tokens::group(out, Delimiter::Parenthesis, literal, span);
        }
        // -0.5_f64
        Scalar::Concrete(_) => out.extend(literal),
    }
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

/// An index or a loop bound, as written (integers need no conversion).
pub fn write_index(index: &IndexExpr, out: &mut TokenStream) {
    match index {
        IndexExpr::Var(name) => tokens::ident(out, &name.ident),
        IndexExpr::Lit { value, span } => {
            let mut lit = proc_macro2::Literal::u64_unsuffixed(*value);
            lit.set_span(*span);
            out.extend([TokenTree::Literal(lit)]);
        }
        IndexExpr::Const(path) => out.extend(quote!(#path)),
        IndexExpr::Len { array, rows } => {
            tokens::ident(out, &array.ident);
            if *rows {
                tokens::group(out, Delimiter::Bracket, quote!(0), Span::call_site());
            }
            out.extend(quote!(.len()));
        }
        IndexExpr::Binary {
            op,
            op_span,
            operands,
        } => {
            write_index(&operands[0], out);
            tokens::op(out, op.text(), *op_span);
            write_index(&operands[1], out);
        }
        IndexExpr::Paren(inner) => {
            let mut tokens = TokenStream::new();
            write_index(inner, &mut tokens);
            tokens::group(out, Delimiter::Parenthesis, tokens, Span::call_site());
        }
        IndexExpr::Min(operands) => {
            write_index_atom(&operands[0], out);
            let mut arg = TokenStream::new();
            write_index(&operands[1], &mut arg);
            out.extend(quote!(.min));
            tokens::group(out, Delimiter::Parenthesis, arg, Span::call_site());
        }
        // Rejected by `check`: never printed.
        IndexExpr::Unsupported { span, .. } => {
            out.extend(quote_spanned!(*span=> 0));
        }
    }
}

/// An index as the receiver of a method: in parentheses unless it is an atom.
fn write_index_atom(index: &IndexExpr, out: &mut TokenStream) {
    if let IndexExpr::Binary { .. } = index {
        let mut inner = TokenStream::new();
        write_index(index, &mut inner);
        tokens::group(out, Delimiter::Parenthesis, inner, Span::call_site());
    } else {
        write_index(index, out);
    }
}

/// `xs[i]`, `m[i][j]`
pub fn write_element(array: &Ident, indices: &[IndexExpr], out: &mut TokenStream) {
    tokens::ident(out, array);
    for index in indices {
        let mut inner = TokenStream::new();
        write_index(index, &mut inner);
        tokens::group(out, Delimiter::Bracket, inner, array.span());
    }
}

/// `start..end` (or `start..=end`): a loop's range.
pub fn write_range(start: &IndexExpr, end: &IndexExpr, inclusive: bool, out: &mut TokenStream) {
    write_index(start, out);
    tokens::op(out, if inclusive { "..=" } else { ".." }, Span::call_site());
    write_index(end, out);
}

/// `xs.len()` as a number of the function's type.
pub fn write_count(array: impl ToTokens, scalar: &Scalar, span: Span, out: &mut TokenStream) {
    let ty = scalar.ident();
    out.extend(quote_spanned!(span=> ::autograd::__private::count::<#ty>(#array.len())));
}
