//! Optimizers: one [`Optimizer`] trait, one file per rule ([`Sgd`], [`Adam`], [`AdamW`]).
//!
//! An optimizer sees a model as one flat slice of parameters and a slice of gradients of the
//! same layout. Its state (momentum, moment estimates) is allocated on the first step, so every
//! later step runs without allocating.
//!
//! ```
//! use autograd::optim::{Adam, AdamW, Optimizer, Sgd};
//! // Minimise (p0 - 1)² + (p1 + 2)² with each rule, through the one trait.
//! let rules: Vec<Box<dyn Optimizer<f64>>> = vec![
//!     Box::new(Sgd::new(0.1).momentum(0.5)),
//!     Box::new(Adam::new(0.05)),
//!     Box::new(AdamW::new(0.05).weight_decay(0.0)),
//! ];
//! for mut opt in rules {
//!     let mut p = [0.0, 0.0];
//!     for _ in 0..500 {
//!         let g = [2.0 * (p[0] - 1.0), 2.0 * (p[1] + 2.0)];
//!         opt.step(&mut p, &g)?;
//!     }
//!     assert!((p[0] - 1.0).abs() < 1e-3 && (p[1] + 2.0).abs() < 1e-3, "{p:?}");
//! }
//! # Ok::<(), autograd::Error>(())
//! ```

mod adam;
mod adamw;
mod sgd;

pub use adam::Adam;
pub use adamw::AdamW;
pub use sgd::Sgd;

use crate::{simd, Error, Real, Result};

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
/// # Errors
///
/// `step` returns [`Error::Invalid`] for a hyperparameter out of its range (a learning rate
/// or an epsilon that is not finite and positive, a momentum or beta outside `[0, 1)`, a weight
/// decay that is negative or not finite, Nesterov momentum without a momentum) and for a
/// gradient that is NaN or infinite (the message names its index: one bad gradient would
/// make every parameter it reaches NaN), [`Error::LengthMismatch`] if `params` and `grads`
/// differ in length, and, for an optimizer with state (momentum, Adam),
/// [`Error::OptimizerState`] if the length differs from the one of the first step: the state
/// was sized for that model; call [`reset`](Self::reset) to reuse the optimizer for another
/// model. On error nothing is changed, neither the parameters nor the state.
///
/// The gradients are checked in a pass of their own before the update, which only reads
/// them: the update loop cannot check them as it goes, since by the time it met a bad one it
/// would have changed the parameters before it. On a million parameters that pass costs about
/// 5 % of an Adam or AdamW step and half the time of a plain SGD step, which does little more
/// than read the gradients once (about 0.1 ms in `f32`: a small part of the forward and
/// backward passes that made the gradients).
///
/// ```
/// use autograd::optim::{Optimizer, Sgd};
/// // Minimise (p - 3)^2 by gradient descent: the gradient is 2 (p - 3).
/// let mut opt = Sgd::new(0.1);
/// let mut p = [0.0_f64];
/// for _ in 0..100 {
///     let g = [2.0 * (p[0] - 3.0)];
///     opt.step(&mut p, &g)?;
/// }
/// assert!((p[0] - 3.0).abs() < 1e-6);
///
/// // One gradient short: an error that says so, and `p` is left as it was.
/// let err = opt.step(&mut p, &[]).unwrap_err();
/// assert_eq!(err.to_string(), "length mismatch: optimizer step: parameters vs gradients (1 vs 0)");
/// // A NaN gradient: an error naming it, and `p` is left as it was.
/// let before = p;
/// let err = opt.step(&mut p, &[f64::NAN]).unwrap_err();
/// assert!(err.to_string().starts_with("Sgd: gradient 0 is NaN"), "{err}");
/// assert_eq!(p, before);
/// # Ok::<(), autograd::Error>(())
/// ```
pub trait Optimizer<T: Real> {
    /// Applies one update to `params` given `grads` of the same layout.
    ///
    /// # Errors
    /// For a bad hyperparameter, a non-finite gradient or a length mismatch, as the trait's
    /// documentation says; nothing is changed then.
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(0.5);
    /// let mut p = [1.0_f64, 2.0];
    /// opt.step(&mut p, &[1.0, -2.0])?;
    /// assert_eq!(p, [1.0 - 0.5 * 1.0, 2.0 + 0.5 * 2.0]); // p - lr · g
    /// // Three gradients for two parameters: an error, and `p` is left as it was.
    /// assert!(opt.step(&mut p, &[1.0; 3]).is_err());
    /// assert_eq!(p, [0.5, 3.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    fn step(&mut self, params: &mut [T], grads: &[T]) -> Result<()>;

    /// The current learning rate.
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer, Sgd};
    /// assert_eq!(Sgd::new(0.25_f32).learning_rate(), 0.25);
    /// assert_eq!(Adam::<f64>::default().learning_rate(), 1e-3);
    /// ```
    fn learning_rate(&self) -> T;

    /// Changes the learning rate from the next step on (for schedules); the state is kept.
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(1.0).momentum(0.5);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[1.0])?; // b = 1: p = -1
    /// opt.set_learning_rate(0.5);
    /// assert_eq!(opt.learning_rate(), 0.5);
    /// opt.step(&mut p, &[1.0])?; // the momentum is kept: b = 0.5 · 1 + 1 = 1.5, p = -1 - 0.5 · 1.5
    /// assert_eq!(p, [-1.75]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    fn set_learning_rate(&mut self, lr: T);

    /// Forgets the state (momentum, moment estimates, step count), as if newly built.
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new(0.1);
    /// opt.step(&mut [1.0_f64, 2.0], &[0.5, 0.5])?;
    /// // The state is sized for two parameters: a model of one is an error...
    /// assert!(opt.step(&mut [1.0], &[0.5]).is_err());
    /// // ...until reset; then the step is a first step again, lr · g / (|g| + eps).
    /// opt.reset();
    /// let mut p = [1.0];
    /// opt.step(&mut p, &[0.5])?;
    /// assert!((p[0] - (1.0 - 0.1 * 0.5 / (0.5 + 1e-8))).abs() < 1e-12);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    fn reset(&mut self);
}

/// Checks the slices of a step against each other and against the state, without changing
/// anything. One message for every optimizer. An empty state has not been sized yet.
fn check_step<T>(state: &[T], params: &[T], grads: &[T]) -> Result<()> {
    check_lengths(params, grads)?;
    if state.is_empty() || state.len() == params.len() {
        Ok(())
    } else {
        Err(Error::OptimizerState {
            state: state.len(),
            params: params.len(),
        })
    }
}

/// Checks that every gradient is finite, changing nothing: `Error::Invalid` naming the
/// optimizer and the first gradient that is NaN or infinite.
///
/// A pass of its own (see the trait's docs), vectorised: an `and` over the elements has no
/// early exit to keep LLVM from it, and runs with AVX2 where the CPU has it. The index is
/// looked for only when the pass fails.
fn check_grads<T: Real>(optimizer: &str, grads: &[T]) -> Result<()> {
    let finite = simd::dispatch(
        #[inline(always)]
        |_| grads.iter().fold(true, |ok, g| ok & g.is_finite()),
    );
    if finite {
        Ok(())
    } else {
        Err(non_finite_grad(optimizer, grads))
    }
}

#[cold]
#[inline(never)]
fn non_finite_grad<T: Real>(optimizer: &str, grads: &[T]) -> Error {
    let first = grads.iter().enumerate().find(|(_, g)| !g.is_finite());
    let (i, value) = first.map_or((0, f64::NAN), |(i, g)| (i, g.to_f64().unwrap_or(f64::NAN)));
    Error::Invalid {
        what: optimizer.into(),
        message: format!(
            "gradient {i} is {value}; every gradient must be finite, so nothing was changed. \
             Look for where it comes from: a NaN or inf in the data, or a loss or activation \
             that overflows (a lower learning rate, scaled inputs)"
        ),
    }
}

/// Checks a hyperparameter: `Error::Invalid` naming the optimizer, the setting, its value and
/// the range it must lie in, unless `ok` holds.
fn check_hyper<T: Real>(
    optimizer: &str,
    name: &str,
    value: T,
    range: &str,
    ok: bool,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            what: optimizer.into(),
            message: format!(
                "{name} is {}; it must be {range}",
                value.to_f64().unwrap_or(f64::NAN)
            ),
        })
    }
}

/// Checks the hyperparameters every optimizer has: a learning rate that is finite and
/// positive, a weight decay that is finite and not negative.
fn check_lr_wd<T: Real>(optimizer: &str, lr: T, weight_decay: T) -> Result<()> {
    check_hyper(
        optimizer,
        "the learning rate",
        lr,
        "finite and > 0",
        lr.is_finite() && lr > T::zero(),
    )?;
    check_hyper(
        optimizer,
        "the weight decay",
        weight_decay,
        "finite and ≥ 0",
        weight_decay.is_finite() && weight_decay >= T::zero(),
    )
}

/// Sizes the state on the first step (after [`check_step`]).
fn size_state<T: Real>(state: &mut Vec<T>, params: &[T]) {
    if state.is_empty() {
        state.resize(params.len(), T::zero());
    }
}

/// Checks that a step has one gradient per parameter.
fn check_lengths<T>(params: &[T], grads: &[T]) -> Result<()> {
    if params.len() == grads.len() {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: "optimizer step: parameters vs gradients",
            left: params.len(),
            right: grads.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every optimizer, with state where it has one.
    fn all() -> Vec<Box<dyn Optimizer<f64>>> {
        vec![
            Box::new(Sgd::new(0.1)),
            Box::new(Sgd::new(0.1).momentum(0.9)),
            Box::new(Adam::new(0.1)),
            Box::new(AdamW::new(0.1)),
        ]
    }

    #[test]
    fn mismatched_gradients_are_an_error_that_changes_nothing() {
        for mut opt in all() {
            let mut p = [1.0, 2.0];
            let err = opt.step(&mut p, &[0.1]).unwrap_err();
            assert_eq!(
                err.to_string(),
                "length mismatch: optimizer step: parameters vs gradients (2 vs 1)"
            );
            assert_eq!(p, [1.0, 2.0]);
            // The failed step sized no state: another model's length is still accepted.
            opt.step(&mut [1.0], &[0.1]).unwrap();
        }
    }

    #[test]
    fn a_new_length_after_the_first_step_is_an_error_unless_reset() {
        for (i, mut opt) in all().into_iter().enumerate() {
            opt.step(&mut [1.0, 2.0], &[0.1, 0.1]).unwrap();
            let mut p = [1.0, 2.0, 3.0];
            let got = opt.step(&mut p, &[0.1; 3]);
            if i == 0 {
                // Plain SGD has no state: any length is fine.
                assert!(got.is_ok());
                continue;
            }
            let err = got.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::OptimizerState {
                        state: 2,
                        params: 3
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains("call reset()"), "{err}");
            assert_eq!(p, [1.0, 2.0, 3.0]);
            opt.reset();
            opt.step(&mut p, &[0.1; 3]).unwrap();
        }
    }

    #[test]
    fn a_non_finite_gradient_is_an_error_naming_it_that_changes_nothing() {
        let names = ["Sgd", "Sgd", "Adam", "AdamW"];
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for ((mut opt, mut twin), name) in all().into_iter().zip(all()).zip(names) {
                // A first step sizes the state and fills it; the twin never sees the bad one.
                let mut p = [1.0, 2.0, 3.0];
                let mut q = p;
                opt.step(&mut p, &[0.1, -0.2, 0.3]).unwrap();
                twin.step(&mut q, &[0.1, -0.2, 0.3]).unwrap();
                let before = p;
                let err = opt.step(&mut p, &[0.5, bad, f64::NAN]).unwrap_err();
                assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
                assert!(
                    err.to_string()
                        .starts_with(&format!("{name}: gradient 1 is {bad}; every gradient")),
                    "{err}"
                );
                assert_eq!(p, before, "{name}");
                // The state is as it was: the next steps match the twin's bit for bit.
                for g in [[0.5, 0.25, -1.0], [0.0, 1.0, 2.0]] {
                    opt.step(&mut p, &g).unwrap();
                    twin.step(&mut q, &g).unwrap();
                }
                assert_eq!(p, q, "{name}");
            }
        }
    }

    #[test]
    fn a_non_finite_gradient_is_found_past_the_vector_lanes() {
        // 1,000 gradients: the vectorised pass over whole lanes and the scalar rest.
        for at in [0, 511, 998, 999] {
            let mut g = vec![0.5_f32; 1000];
            g[at] = f32::NAN;
            let mut p = vec![1.0_f32; 1000];
            let err = Adam::new(0.1).step(&mut p, &g).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("Adam: gradient {at} is NaN")),
                "{err}"
            );
            assert!(p.iter().all(|&x| x == 1.0));
        }
    }

    #[test]
    fn hyperparameters_out_of_range_are_errors_that_change_nothing() {
        let bad: Vec<(Box<dyn Optimizer<f64>>, &str)> = vec![
            (
                Box::new(Sgd::new(-0.1)),
                "Sgd: the learning rate is -0.1; it must be finite and > 0",
            ),
            (
                Box::new(Sgd::new(f64::NAN)),
                "Sgd: the learning rate is NaN; it must be finite and > 0",
            ),
            (
                Box::new(Sgd::new(0.1).momentum(1.0)),
                "Sgd: the momentum is 1; it must be in [0, 1)",
            ),
            (
                Box::new(Sgd::new(0.1).weight_decay(-1.0)),
                "Sgd: the weight decay is -1; it must be finite and ≥ 0",
            ),
            (
                Box::new(Adam::new(0.0)),
                "Adam: the learning rate is 0; it must be finite and > 0",
            ),
            (
                Box::new(Adam::new(0.1).betas(0.9, 1.5)),
                "Adam: beta2 is 1.5; it must be in [0, 1)",
            ),
            (
                Box::new(Adam::new(0.1).eps(0.0)),
                "Adam: eps is 0; it must be finite and > 0",
            ),
            (
                Box::new(Sgd::new(0.1).nesterov(true)),
                "Sgd: Nesterov momentum needs a momentum: set .momentum(..) to a value in (0, 1), \
                 e.g. 0.9, or drop .nesterov(true)",
            ),
            (
                Box::new(AdamW::new(0.1).weight_decay(f64::INFINITY)),
                "AdamW: the weight decay is inf; it must be finite and ≥ 0",
            ),
        ];
        for (mut opt, message) in bad {
            let mut p = [1.0, 2.0];
            let err = opt.step(&mut p, &[0.5, 0.5]).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert_eq!(err.to_string(), message);
            assert_eq!(p, [1.0, 2.0]);
        }
        // A schedule that sets a bad rate is caught at the next step.
        let mut opt = Sgd::new(0.1);
        opt.set_learning_rate(f64::INFINITY);
        assert!(opt.step(&mut [1.0], &[1.0]).is_err());
    }
}
