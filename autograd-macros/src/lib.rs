//! The macros of `autograd`: `grad!` and `#[differentiable]` write the reverse-mode gradient of
//! a numeric function as plain Rust, at compile time. Use them through the `autograd` crate,
//! whose documentation and README describe the body language and the generated API.
//!
//! The stages live one per file; `expand.rs` runs them in order.

mod ast;
mod check;
mod emit;
mod errors;
mod expand;
mod fallback;
mod ir;
mod lower;
mod parse;
mod render;
mod reverse;
mod rules;
mod simplify;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Writes a numeric function and its gradient.
///
/// `grad! { fn loss(w, b, x, y) { (w*x + b - y).powi(2) } }` generates `loss`, `loss_grad`
/// (value and gradient in one call) and the struct `LossGrad<T>`. See the `autograd` crate.
#[proc_macro]
pub fn grad(input: TokenStream) -> TokenStream {
    expand::grad(input.into()).into()
}

/// Adds `NAME_grad` and `NameGrad` to an ordinary typed function, kept as written.
///
/// `#[differentiable] fn f(x: f64, y: f64) -> f64 { x * y }`, or
/// `#[differentiable(wrt(x))]` to differentiate with respect to some parameters only.
#[proc_macro_attribute]
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(args.into(), item.into()).into()
}
