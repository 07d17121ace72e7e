//! Neural-network building blocks, with no graph at run time: each layer's backward pass is
//! written out, and every buffer is owned and reused.
//!
//! ```text
//! kernels.rs     scalar kernels, each NAME + NAME_grad (value and partials): activations,
//!                per-element loss terms, tanh (Real::tanh_fast), a vectorisable sigmoid
//! activation.rs  Activation: a kernel applied to a whole buffer, with its derivative
//! init.rs        Init: Xavier/Glorot and He from a seeded RNG
//! gemm.rs        the matrix products (a direct loop for small ones; matrixmultiply), and
//!                the `Scalar` impls of f32 and f64 that choose among them
//! gemm_avx512.rs the large f32 products on AVX-512 CPUs: packed panels, a 12 × 32 kernel
//! dense.rs       Dense: y = f(x Wᵀ + b) over a batch, forward and backward
//! mlp.rs         Mlp: Dense layers, all parameters in one Vec, gradients in another
//! loss.rs        MSE, SSE (a `grad!` kernel over blocks of 16), binary cross-entropy with
//!                logits, softmax cross-entropy
//! loss_by_hand.rs the hand-written MSE and SSE they replaced: the tests' reference, and the
//!                `old` of benches/losses.rs
//! ```
//!
//! A training step:
//!
//! ```
//! use autograd_runtime::nn::{loss, Activation, Mlp};
//! use autograd_runtime::optim::{Adam, Optimizer};
//! let x = [0.0_f32, 1.0, 1.0, 0.0]; // two samples of two features
//! let y = [1.0, 0.0];
//! let mut mlp = Mlp::new(&[2, 8, 1], Activation::Relu, 42)?;
//! let mut opt = Adam::new(0.01);
//! let mut dlogits = [0.0; 2];
//! let logits = mlp.forward(&x)?;
//! let l = loss::bce_with_logits(logits, &y, &mut dlogits)?;
//! mlp.backward(&dlogits)?;
//! let (params, grads) = mlp.params_and_grads();
//! opt.step(params, grads)?;
//! assert!(l > 0.0);
//! # Ok::<(), autograd_runtime::Error>(())
//! ```

mod activation;
mod dense;
mod gemm;
mod gemm_avx512;
mod init;
pub mod kernels;
pub mod loss;
mod mlp;

pub use activation::Activation;
pub use dense::Dense;
pub use init::Init;
pub use mlp::{Mlp, ParamTensor};
