//! The runtime of `autograd`: the scalar trait [`Real`] that generated code is generic over,
//! the [`Gradient`] trait that generated gradient structs implement, the dual numbers [`Dual`]
//! and [`DualN`] of second derivatives, and what training needs:
//! batch loops, layers, losses, optimizers, data loading and a training loop, and the
//! `Trace` of a `#[trace]` function (values and adjoints as a table, DOT or SVG).
//!
//! Users depend on the façade crate `autograd`, which re-exports everything here.
//!
//! ```
//! use autograd::{batch, grad};
//! grad! { fn loss(w, x, y) { (w * x - y).powi(2) } }
//! // The mean loss over a data set of y = 2x, and its mean gradient, at w = 3.
//! let (xs, ys) = ([1.0_f64, 2.0], [2.0, 4.0]);
//! let (l, g) = batch::mean_grad((&xs, &ys), |(x, y)| loss_grad(3.0, x, y))?;
//! assert_eq!(l, 2.5); // residuals 1 and 2
//! assert_eq!(g.w, 5.0); // the mean of 2(wx - y)x: of 2 and 8
//! # Ok::<(), autograd::Error>(())
//! ```

#![warn(missing_docs)]

// Generated code names our items `::autograd::…`; inside this crate that path means us.
extern crate self as autograd;

#[cfg(feature = "safetensors")]
mod checkpoint;
mod dual;
mod error;
mod exp;
mod gradient;
mod kinks;
mod real;
#[cfg(feature = "nn")]
mod scalar;
mod simd;
mod tanh;

#[cfg(feature = "argmin")]
pub mod argmin;
pub mod batch;
pub mod check;
#[cfg(feature = "data")]
pub mod data;
#[cfg(feature = "nn")]
pub mod nn;
pub mod optim;
#[cfg(feature = "trace")]
pub mod trace;
#[cfg(feature = "train")]
pub mod train;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use dual::{Dual, DualN};
pub use error::{Error, Result};
pub use gradient::{Gradient, Partials};
/// `num_traits::Float`, the supertrait of [`Real`]: import it to call its methods (`sin`,
/// `max`, ...) on a [`Dual`] outside generic code.
///
/// ```
/// use autograd::{Dual, Float};
/// let d = Dual::variable(0.0_f64).sin().max(Dual::constant(-1.0));
/// assert_eq!((d.re, d.eps), (0.0, 1.0)); // sin 0 and cos 0
/// ```
pub use num_traits::Float;
pub use real::Real;
#[cfg(feature = "nn")]
pub use scalar::Scalar;
#[cfg(feature = "trace")]
pub use trace::Trace;
