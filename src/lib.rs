//! # autograd
//!
//! Automatic differentiation at compile time. [`grad!`] reads a numeric function and writes its
//! reverse-mode gradient as plain Rust, before the program runs: no tape, no graph in memory, no
//! allocation.
//!
//! ```
//! use autograd::grad;
//! grad! {
//!     fn loss(w, b, x, y) {
//!         (w*x + b - y).powi(2)
//!     }
//! }
//! let (l, g) = loss_grad(0.5, 1.0, 2.0, 3.0);
//! assert_eq!(l, 1.0);
//! assert_eq!((g.w, g.b, g.x, g.y), (-4.0, -2.0, -1.0, 2.0));
//! ```
//!
//! See the README for the body language, the derivative table and the generated API.

pub use autograd_macros::{differentiable, grad};
pub use autograd_runtime::*;
