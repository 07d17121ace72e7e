//! Adam (Kingma & Ba, 2015), as PyTorch's `torch.optim.Adam` (without `amsgrad`).

use super::{check_grads, check_hyper, check_lr_wd, check_step, size_state, Optimizer};
use crate::{Real, Result};

/// Adam: per-parameter steps scaled by running estimates of the gradient's first and second
/// moments. At step `t = 1, 2, …`:
///
/// ```text
/// g = grad + weight_decay * p          (L2 penalty, coupled; see AdamW for decoupled decay)
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g^2
/// p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
/// ```
///
/// Defaults: `lr = 1e-3`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`, no weight decay.
///
/// ```
/// use autograd::optim::{Adam, Optimizer};
/// let mut opt = Adam::default();
/// let mut p = [1.0_f64];
/// opt.step(&mut p, &[4.0])?;
/// // The first step moves each parameter by about lr, whatever the gradient's size.
/// assert!((p[0] - (1.0 - 1e-3)).abs() < 1e-9);
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Adam<T> {
    lr: T,
    beta1: T,
    beta2: T,
    eps: T,
    weight_decay: T,
    /// `beta1^t` and `beta2^t`, kept as running products (no `powi` per step).
    beta1_t: T,
    beta2_t: T,
    m: Vec<T>,
    v: Vec<T>,
}

impl<T: Real> Default for Adam<T> {
    fn default() -> Self {
        Self::new(T::lit(1e-3))
    }
}

impl<T: Real> Adam<T> {
    /// Adam with learning rate `lr` and the other settings at their defaults.
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new(0.5);
    /// let mut p = [0.0_f64, 0.0];
    /// opt.step(&mut p, &[1e-3, 100.0])?;
    /// // The first step is lr · g / (|g| + eps), eps = 1e-8 by default: about lr for each
    /// // parameter, however small or large its gradient.
    /// assert!((p[0] + 0.5 * 1e-3 / (1e-3 + 1e-8)).abs() < 1e-12);
    /// assert!((p[1] + 0.5 * 100.0 / (100.0 + 1e-8)).abs() < 1e-12);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn new(lr: T) -> Self {
        Self {
            lr,
            beta1: T::lit(0.9),
            beta2: T::lit(0.999),
            eps: T::lit(1e-8),
            weight_decay: T::zero(),
            beta1_t: T::one(),
            beta2_t: T::one(),
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// Sets the decay rates of the first and second moment estimates.
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new(0.01).betas(0.5, 0.9).eps(1e-6);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[2.0])?;
    /// // After bias correction the first step is lr * g / (|g| + eps).
    /// assert!((p[0] + 0.01 * 2.0 / (2.0 + 1e-6)).abs() < 1e-15);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Sets `eps`, added to the denominator for numerical stability.
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new(0.1).eps(0.5);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[0.5])?;
    /// // The first step is lr · g / (|g| + eps): a large eps damps it, here to half of lr.
    /// assert!((p[0] + 0.1 * 0.5 / (0.5 + 0.5)).abs() < 1e-12);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// Sets the L2 weight decay: `weight_decay * p` is added to the gradient (PyTorch's
    /// `Adam(weight_decay=…)`). For decoupled decay use [`AdamW`](super::AdamW).
    ///
    /// ```
    /// use autograd::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new(0.1).weight_decay(0.5);
    /// let mut p = [2.0_f64, 2.0];
    /// opt.step(&mut p, &[0.0, -1.0])?;
    /// // g = grad + 0.5 p = [1, 0]: the first parameter takes a first step lr · g / (|g| + eps),
    /// // the second, whose gradient the penalty cancels, does not move.
    /// assert!((p[0] - (2.0 - 0.1 / (1.0 + 1e-8))).abs() < 1e-12);
    /// assert_eq!(p[1], 2.0);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Real> Adam<T> {
    /// Checks the hyperparameters, the step's slices against each other and against the state,
    /// and the gradients, changing nothing (AdamW checks before it decays the weights).
    pub(super) fn check(&self, name: &str, params: &[T], grads: &[T]) -> Result<()> {
        check_lr_wd(name, self.lr, self.weight_decay)?;
        for (beta, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            check_hyper(name, beta, b, "in [0, 1)", b >= T::zero() && b < T::one())?;
        }
        check_hyper(
            name,
            "eps",
            self.eps,
            "finite and > 0",
            self.eps.is_finite() && self.eps > T::zero(),
        )?;
        check_step(&self.m, params, grads)?;
        check_grads(name, grads)
    }

    /// The update of a step that passed [`check`](Self::check).
    pub(super) fn update(&mut self, params: &mut [T], grads: &[T]) {
        size_state(&mut self.m, params);
        size_state(&mut self.v, params);
        let (b1, b2, wd) = (self.beta1, self.beta2, self.weight_decay);
        self.beta1_t *= b1;
        self.beta2_t *= b2;
        let step_size = self.lr / (T::one() - self.beta1_t);
        let bias2 = T::one() - self.beta2_t;
        let (m, v) = (&mut self.m, &mut self.v);
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
            let g = g + wd * *p;
            *m = b1 * *m + (T::one() - b1) * g;
            *v = b2 * *v + (T::one() - b2) * g * g;
            *p -= step_size * *m / ((*v / bias2).sqrt() + self.eps);
        }
    }
}

impl<T: Real> Optimizer<T> for Adam<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) -> Result<()> {
        self.check("Adam", params, grads)?;
        self.update(params, grads);
        Ok(())
    }

    fn learning_rate(&self) -> T {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }

    fn reset(&mut self) {
        self.beta1_t = T::one();
        self.beta2_t = T::one();
        self.m = Vec::new();
        self.v = Vec::new();
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The Adam update of step 2 of the two-step example below, computed by hand:
    /// m = 0.9*[0.05, 0.1] + 0.1*[0.25, -1] = [0.07, -0.01]
    /// v = 0.999*[0.00025, 0.001] + 0.001*[0.0625, 1] = [0.00031225, 0.001999]
    /// bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999 (so v[1] corrects to 1).
    pub(crate) fn second_update(lr: f64) -> [f64; 2] {
        [
            lr * (0.07 / 0.19) / ((0.00031225_f64 / 0.001999).sqrt() + 1e-8),
            lr * (-0.01 / 0.19) / (1.0 + 1e-8),
        ]
    }

    /// The update of step 1: m/(1-0.9) = g and v/(1-0.999) = g^2, so lr * g / (|g| + eps).
    pub(crate) fn first_update(lr: f64) -> [f64; 2] {
        [lr * 0.5 / (0.5 + 1e-8), lr * 1.0 / (1.0 + 1e-8)]
    }

    fn assert_close(got: [f64; 2], want: [f64; 2]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn two_steps_by_hand() {
        let mut opt = Adam::new(0.1);
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        let u1 = first_update(0.1);
        assert_close(p, [1.0 - u1[0], -2.0 - u1[1]]);
        opt.step(&mut p, &[0.25, -1.0]).unwrap();
        let u2 = second_update(0.1);
        assert_close(p, [1.0 - u1[0] - u2[0], -2.0 - u1[1] - u2[1]]);
        // Sanity of the hand formulas themselves: both steps move by about lr.
        assert!((p[0] - (1.0 - 0.1 - 0.0932)).abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn coupled_weight_decay_enters_the_moments() {
        // g = grad + 0.5 * p: with p = [2], grad = [-1] the gradient is 0, so nothing moves.
        let mut opt = Adam::new(0.1).weight_decay(0.5);
        let mut p = [2.0];
        opt.step(&mut p, &[-1.0]).unwrap();
        assert_eq!(p, [2.0]);
    }

    #[test]
    fn defaults() {
        let opt = Adam::<f64>::default();
        assert_eq!(
            (opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay),
            (1e-3, 0.9, 0.999, 1e-8, 0.0)
        );
    }

    #[test]
    fn reset_restarts_bias_correction() {
        let mut opt = Adam::new(0.1);
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &[0.3, 7.0]).unwrap();
        opt.reset();
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        let u1 = first_update(0.1);
        assert_close(p, [1.0 - u1[0], -2.0 - u1[1]]);
    }

    #[test]
    fn f32_two_steps() {
        let mut opt = Adam::new(0.1_f32);
        let mut p = [1.0_f32, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        opt.step(&mut p, &[0.25, -1.0]).unwrap();
        let (u1, u2) = (first_update(0.1), second_update(0.1));
        let want = [1.0 - u1[0] - u2[0], -2.0 - u1[1] - u2[1]];
        for (g, w) in p.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-6, "{p:?} vs {want:?}");
        }
    }
}
