//! The macros of `autograd`: `grad!` and `#[differentiable]` write the reverse-mode gradient of
//! a numeric function as plain Rust, at compile time. Use them through the `autograd` crate,
//! whose documentation and README describe the body language and the generated API.
//!
//! The stages live one per file; `expand.rs` runs them in order. `docs/architecture.md` in the
//! repository describes each stage, the IR and the reverse pass.

mod ast;
mod bounds;
mod carry;
mod check;
mod emit;
mod errors;
mod expand;
mod fallback;
mod fastpath;
mod forward;
mod fuse;
mod graph;
mod hash;
mod higher;
mod ir;
mod lower;
mod parse;
mod print;
mod render;
mod reverse;
mod rules;
mod scopes;
mod simplify;
mod sums;
mod tokens;
mod trace;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Writes a numeric function and its gradient.
///
/// `grad! { fn loss(w, b, x, y) { ... } }` generates `loss`, `loss_grad` (value and gradient
/// in one call) and the struct `LossGrad<T>` with one field per parameter. Untyped parameters
/// are generic over `T: autograd::Real`; `#[wrt(w, b)]` differentiates with respect to some
/// parameters only. The README lists the body language and every derivative rule.
///
/// ```
/// use autograd::grad;
/// grad! {
///     fn loss(w, b, x, y) {
///         (w*x + b - y).powi(2)
///     }
///
///     #[wrt(w, b)]
///     fn fit(w, b, x, y) {
///         let yhat = w * x + b;
///         if yhat > y { (yhat - y).powi(2) } else { 0.5 * (yhat - y).powi(2) }
///     }
/// }
/// let (l, g) = loss_grad(0.5, 1.0, 2.0, 3.0);
/// assert_eq!(l, 1.0);
/// assert_eq!((g.w, g.b, g.x, g.y), (-4.0, -2.0, -1.0, 2.0));
/// let (_, g) = fit_grad(0.5_f32, 1.0, 2.0, 3.0);
/// assert_eq!(g.to_array(), [-2.0, -1.0]);
/// ```
#[proc_macro]
pub fn grad(input: TokenStream) -> TokenStream {
    expand::grad(input.into()).into()
}

/// Adds `NAME_grad` and `NameGrad` to an ordinary typed function, kept as written.
///
/// The body takes the same language as [`grad!`]; `#[differentiable(wrt(x))]` differentiates
/// with respect to some parameters only.
///
/// ```
/// use autograd::differentiable;
/// #[differentiable(wrt(x))]
/// fn scaled_sin(x: f64, k: f64) -> f64 {
///     (k * x).sin()
/// }
/// let (value, g) = scaled_sin_grad(0.5, 2.0);
/// assert_eq!(value, scaled_sin(0.5, 2.0));
/// assert_eq!(g.x, 2.0 * 1.0_f64.cos());
/// ```
#[proc_macro_attribute]
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(args.into(), item.into()).into()
}
