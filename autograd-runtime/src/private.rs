//! Helpers that generated code calls through `::autograd::__private`. Not a public API.
//!
//! The derivatives at kinks (`kinks.rs`), the partials of a call, the seeding of dual numbers
//! (`dual.rs`), and small conversions.

use crate::Real;

pub use crate::kinks::{div_or_zero, max_weight, min_weight, powf_base, powf_exponent, sign, step};

/// Seeding of array parameters with tangents, for the generated `_jvp` and `_hvp`.
pub use crate::dual::{DualParts, Seed};

/// The partials of a call `g(a, b)` inside a `grad!` body: `N` is the number the caller
/// expects, so a callee whose gradient holds fewer reports `Partials`' message at the call.
#[inline(always)]
pub fn partials<T, const N: usize, P: crate::Partials<T, N>>(partials: P) -> [T; N] {
    partials.partials()
}

/// For generated code that needs `Float`'s associated functions (`nan()`, `infinity()`).
pub use num_traits::Float;

/// `xs.len()` as a number of type `T` (`s / xs.len()` in a `grad!` body), rounded to nearest
/// as `as` rounds.
#[inline(always)]
pub fn count<T: Real>(len: usize) -> T {
    T::lit(len as f64)
}
