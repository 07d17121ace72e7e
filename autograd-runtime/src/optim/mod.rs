//! Optimizers: one [`Optimizer`] trait, one file per rule ([`Sgd`], [`Adam`], [`AdamW`]).
//!
//! An optimizer sees a model as one flat slice of parameters and a slice of gradients of the
//! same layout. Its state (momentum, moment estimates) is allocated on the first step, so every
//! later step runs without allocating.

mod adam;
mod adamw;
mod sgd;

pub use adam::Adam;
pub use adamw::AdamW;
pub use sgd::Sgd;

use crate::Real;

/// An update rule: moves parameters against their gradients.
///
/// `params` holds all of a model's parameters in one contiguous slice and `grads` their
/// gradients in the same order. `step` only reads `grads`.
///
/// # Who zeroes gradients
///
/// Nobody needs to: the training step owns the gradient buffer and *overwrites* it on every
/// step (a model's backward pass writes `=`, not `+=`), so gradients never accumulate across
/// steps by accident, and there is no `zero_grad`. If you want to accumulate over several
/// mini-batches on purpose, sum into a buffer of your own and pass it to `step`.
///
/// # Panics
///
/// `step` panics if `params` and `grads` differ in length, or, for an optimizer with state
/// (momentum, Adam), if the length differs from the one of the first step: the state was sized
/// for that model; call [`reset`](Self::reset) to reuse the optimizer for another model.
///
/// ```
/// use autograd::optim::{Optimizer, Sgd};
/// // Minimise (p - 3)^2 by gradient descent: the gradient is 2 (p - 3).
/// let mut opt = Sgd::new(0.1);
/// let mut p = [0.0_f64];
/// for _ in 0..100 {
///     let g = [2.0 * (p[0] - 3.0)];
///     opt.step(&mut p, &g);
/// }
/// assert!((p[0] - 3.0).abs() < 1e-6);
/// ```
pub trait Optimizer<T: Real> {
    /// Applies one update to `params` given `grads` of the same layout.
    fn step(&mut self, params: &mut [T], grads: &[T]);

    /// The current learning rate.
    fn learning_rate(&self) -> T;

    /// Changes the learning rate from the next step on (for schedules); the state is kept.
    fn set_learning_rate(&mut self, lr: T);

    /// Forgets the state (momentum, moment estimates, step count), as if newly built.
    fn reset(&mut self);
}

/// Checks the slices of a step against each other and against the state, sizing the state on
/// the first step. One message for every optimizer.
fn size_state<T: Real>(state: &mut Vec<T>, params: &[T], grads: &[T]) {
    check_lengths(params, grads);
    if state.is_empty() {
        state.resize(params.len(), T::zero());
    } else {
        assert_eq!(
            state.len(),
            params.len(),
            "optimizer step: state was sized for {} parameters but got {}; \
             call reset() to use the optimizer with another model",
            state.len(),
            params.len()
        );
    }
}

/// Checks that a step has one gradient per parameter.
fn check_lengths<T>(params: &[T], grads: &[T]) {
    assert_eq!(
        params.len(),
        grads.len(),
        "optimizer step: {} parameters but {} gradients",
        params.len(),
        grads.len()
    );
}
