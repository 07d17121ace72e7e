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
//! ## What the macro generates
//!
//! For `fn loss(w, b, x, y)`: the function itself, `loss<T: Real>(..) -> T`; its gradient,
//! `loss_grad<T: Real>(..) -> (T, LossGrad<T>)`, value and gradient in one call; and the
//! gradient type `LossGrad<T>`, one public field per differentiated parameter, with
//! `to_array()` and the [`Gradient`] trait (zero, `+`, `+=`, scaling), so loops can sum and
//! average the gradients of any generated function.
//!
//! - Untyped parameters are generic over [`Real`] (`f32`, `f64`); typed ones keep their type.
//! - `#[wrt(w, b)]` differentiates only with respect to `w` and `b`; the others are constants
//!   and get no field.
//! - The body may use `let`, `let mut` with `+=` and friends, `if`/`else` (a real branch in the
//!   reverse pass too), arithmetic, the usual `f64` methods (`exp`, `ln`, `sin`, `powi`,
//!   `tanh`, `max`, …) and `relu`/`sigmoid`/`softplus`. Anything else is a compile error on
//!   the offending token that names what to write instead.
//! - A call `g(u, v)` differentiates through `g` by calling `g_grad`: a hand-written `g_grad`
//!   is a custom derivative.
//!
//! ```
//! use autograd::{grad, Gradient};
//! grad! {
//!     /// Squared error of a line; the data `x`, `y` are constants.
//!     #[wrt(w, b)]
//!     pub fn sq(w, b, x, y) {
//!         let r = w * x + b - y;
//!         if r > 0.0 { r * r } else { 2.0 * r * r }
//!     }
//! }
//! let (value, g) = sq_grad(1.0_f32, 0.0, 2.0, 1.0); // r = 1 > 0
//! assert_eq!((value, g.w, g.b), (1.0, 4.0, 2.0));
//! let mean = (g + sq_grad(1.0_f32, 0.0, 2.0, 3.0).1) * 0.5; // r = -1: 4r·x, 4r
//! assert_eq!(mean.to_array(), [-2.0, -1.0]);
//! ```
//!
//! The attribute form keeps an ordinary typed function as written and adds `NAME_grad`:
//!
//! ```
//! #[autograd::differentiable(wrt(x))]
//! fn softplus_scaled(x: f64, k: f64) -> f64 {
//!     (1.0 + (k * x).exp()).ln() / k
//! }
//! let (_, g) = softplus_scaled_grad(0.0, 2.0);
//! assert!((g.x - 0.5).abs() < 1e-15); // sigmoid(0)
//! ```
//!
//! ## Over data, and checking a gradient
//!
//! [`batch::mean_grad`] runs a generated gradient over columns of samples and returns the mean
//! value and mean gradient (vectorised; a NaN or infinite sample is an error naming it).
//! [`check::check_grad`] compares any gradient with finite differences.
//!
//! ```
//! use autograd::{batch, check::check_grad, grad};
//! grad! {
//!     #[wrt(w, b)]
//!     fn sq(w, b, x, y) { (w * x + b - y).powi(2) }
//! }
//! let xs = [0.0, 1.0, 2.0, 3.0];
//! let ys = [1.0, 3.0, 5.0, 7.0]; // y = 2x + 1
//! let (mse, g) = batch::mean_grad((&xs, &ys), |(x, y)| sq_grad(2.0, 0.0, x, y))?;
//! assert_eq!((mse, g.w, g.b), (1.0, -3.0, -2.0));
//! let report = check_grad(|[w, b]| { let (v, g) = sq_grad(w, b, 2.0, 5.0); (v, g.to_array()) }, [0.5, 0.5]);
//! assert!(report.passes(1e-8), "{report}");
//! # Ok::<(), autograd::Error>(())
//! ```
//!
//! ## Training
//!
//! `nn` has dense layers, activations, losses and an `nn::Mlp`; [`optim`] has SGD, Adam and
//! AdamW behind one [`optim::Optimizer`] trait; `data` loads CSV and `x:y` files, normalises
//! and makes shuffled mini-batches; `train::Trainer` runs epochs with a progress bar, a loss
//! history and plots; `argmin` hands a generated gradient to argmin's solvers
//! (L-BFGS and others). Every fallible call returns [`Result`] with an error that says what
//! to do.
//!
//! ```
//! # #[cfg(all(feature = "nn", feature = "train"))]
//! # fn main() -> Result<(), autograd::Error> {
//! use autograd::nn::{loss, Activation, Mlp};
//! use autograd::optim::{Adam, Optimizer};
//! use autograd::train::Trainer;
//! // XOR with a 2 → 8 → 1 network.
//! let x = [0.0_f32, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
//! let y = [0.0, 1.0, 1.0, 0.0];
//! let mut mlp = Mlp::new(&[2, 8, 1], Activation::Tanh, 1)?;
//! let mut opt = Adam::new(0.05);
//! let mut dy = [0.0; 4];
//! let mut trainer = Trainer::new(300).progress(false);
//! let summary = trainer.run(|epoch| {
//!     let l = loss::bce_with_logits(mlp.forward(&x)?, &y, &mut dy)?;
//!     mlp.backward(&dy)?;
//!     let (params, grads) = mlp.params_and_grads();
//!     opt.step(params, grads)?;
//!     epoch.record(l)
//! })?;
//! assert!(summary.last_loss < 0.1 * trainer.history()[0], "{summary:?}");
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "nn", feature = "train")))]
//! # fn main() {}
//! ```
//!
//! ## Cargo features
//!
//! All on by default. With `default-features = false` you get [`grad!`],
//! [`differentiable`], [`Real`], [`Gradient`], [`check`], [`batch`] (serial) and [`optim`]:
//! nine crates to build (the macro, the runtime, `num-traits`, `syn` and its helpers).
//!
//! | feature | enables | pulls in |
//! | --- | --- | --- |
//! | `nn` | `nn`: `Dense`, `Mlp`, activations, losses, `Scalar` | matrixmultiply, rand |
//! | `data` | `data`: normalisation, `x:y` files, shuffled mini-batches | rand |
//! | `csv` | `data::Csv` | csv |
//! | `train` | `train::Trainer` and its progress bar | indicatif |
//! | `plot` | `train::plot_loss`, `Trainer::plot` | plotters |
//! | `safetensors` | `train::{save_tensors, load_tensors}`, `Mlp::{save, load}` | safetensors |
//! | `parallel` | `batch::par_mean_grad` | rayon |
//! | `argmin` | `argmin::Problem`, argmin's solvers re-exported | argmin |
//!
//! The README has the full body language, the derivative table with its conventions at kinks,
//! and the benchmarks.

#![warn(missing_docs)]

pub use autograd_macros::{differentiable, grad};
pub use autograd_runtime::*;

// Named again under their features, so that without one rustc says which feature an item is
// gated behind (a glob re-export of a configured-out module says only "not found").
#[cfg(feature = "argmin")]
pub use autograd_runtime::argmin;
#[cfg(feature = "data")]
pub use autograd_runtime::data;
#[cfg(feature = "nn")]
pub use autograd_runtime::nn;
#[cfg(feature = "trace")]
pub use autograd_runtime::trace;
#[cfg(feature = "train")]
pub use autograd_runtime::train;
#[cfg(feature = "nn")]
pub use autograd_runtime::Scalar;
#[cfg(feature = "trace")]
pub use autograd_runtime::Trace;
