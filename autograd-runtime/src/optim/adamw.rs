//! AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, as PyTorch's
//! `torch.optim.AdamW`.

use super::{check_hyper, Adam, Optimizer};
use crate::{Real, Result};

/// AdamW: first `p *= 1 - lr * weight_decay`, then the [`Adam`] update with the plain gradient.
///
/// Unlike Adam's L2 penalty, the decay does not pass through the moment estimates, so every
/// weight shrinks at the same relative rate whatever its gradient history.
///
/// Defaults: `lr = 1e-3`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`,
/// `weight_decay = 1e-2`.
///
/// ```
/// use autograd::optim::{AdamW, Optimizer};
/// let mut opt = AdamW::new(0.1).weight_decay(0.5);
/// let mut p = [2.0_f64];
/// opt.step(&mut p, &[0.0])?;
/// // A zero gradient leaves only the decay: 2 * (1 - 0.1 * 0.5).
/// assert!((p[0] - 1.9).abs() < 1e-12);
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AdamW<T> {
    adam: Adam<T>,
    weight_decay: T,
}

impl<T: Real> Default for AdamW<T> {
    fn default() -> Self {
        Self::new(T::lit(1e-3))
    }
}

impl<T: Real> AdamW<T> {
    /// AdamW with learning rate `lr` and the other settings at their defaults.
    ///
    /// ```
    /// use autograd::optim::{AdamW, Optimizer};
    /// let mut opt = AdamW::new(0.1);
    /// let mut p = [3.0_f64];
    /// opt.step(&mut p, &[0.0])?;
    /// // A zero gradient leaves the default decay 1e-2 alone: p (1 - lr · 1e-2).
    /// assert_eq!(p, [3.0 * (1.0 - 0.1 * 1e-2)]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn new(lr: T) -> Self {
        Self {
            adam: Adam::new(lr),
            weight_decay: T::lit(1e-2),
        }
    }

    /// Sets the decay rates of the first and second moment estimates.
    ///
    /// ```
    /// use autograd::optim::{AdamW, Optimizer};
    /// // No memory: m = g and v = g² at every step, so each step is lr · g / (|g| + eps).
    /// let mut opt = AdamW::new(0.1).betas(0.0, 0.0).weight_decay(0.0);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[4.0])?;
    /// opt.step(&mut p, &[-1.0])?; // with the default betas, m would still point down
    /// assert!((p[0] - (-0.1 * 4.0 / (4.0 + 1e-8) + 0.1 / (1.0 + 1e-8))).abs() < 1e-12);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn betas(mut self, beta1: T, beta2: T) -> Self {
        self.adam = self.adam.betas(beta1, beta2);
        self
    }

    /// Sets `eps`, added to the denominator for numerical stability.
    ///
    /// ```
    /// use autograd::optim::{AdamW, Optimizer};
    /// let mut opt = AdamW::new(0.1).eps(0.5).weight_decay(0.0);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[0.5])?;
    /// // The first step is lr · g / (|g| + eps): a large eps damps it, here to half of lr.
    /// assert!((p[0] + 0.1 * 0.5 / (0.5 + 0.5)).abs() < 1e-12);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn eps(mut self, eps: T) -> Self {
        self.adam = self.adam.eps(eps);
        self
    }

    /// Sets the decoupled weight decay (default `1e-2`).
    ///
    /// ```
    /// use autograd::optim::{Adam, AdamW, Optimizer};
    /// let g = [0.3, -2.0];
    /// let mut adam = [1.0_f64, 1.0];
    /// Adam::new(0.1).step(&mut adam, &g)?;
    /// let mut adamw = [1.0_f64, 1.0];
    /// AdamW::new(0.1).weight_decay(0.5).step(&mut adamw, &g)?;
    /// // Decoupled: the weights shrink by 1 - lr · 0.5 = 0.95, then take Adam's step unchanged.
    /// for (w, a) in adamw.iter().zip(adam) {
    ///     assert!((w - (0.95 + (a - 1.0))).abs() < 1e-12);
    /// }
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Real> Optimizer<T> for AdamW<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) -> Result<()> {
        self.adam.check("AdamW", params, grads)?;
        check_hyper(
            "AdamW",
            "the weight decay",
            self.weight_decay,
            "finite and ≥ 0",
            self.weight_decay.is_finite() && self.weight_decay >= T::zero(),
        )?;
        let shrink = T::one() - self.adam.learning_rate() * self.weight_decay;
        for p in params.iter_mut() {
            *p *= shrink;
        }
        // Checked above: `step` would check the gradients a second time.
        self.adam.update(params, grads);
        Ok(())
    }

    fn learning_rate(&self) -> T {
        self.adam.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.adam.set_learning_rate(lr);
    }

    fn reset(&mut self) {
        self.adam.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::super::adam::tests::{first_update, second_update};
    use super::*;

    #[test]
    fn two_steps_by_hand() {
        // lr 0.1, decay 0.1: each step first multiplies p by 1 - 0.01 = 0.99, then subtracts
        // the Adam update, which does not depend on p (same gradients as Adam's test).
        let mut opt = AdamW::new(0.1).weight_decay(0.1);
        let mut p = [1.0_f64, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        let u1 = first_update(0.1);
        let after1 = [0.99 - u1[0], -1.98 - u1[1]];
        opt.step(&mut p, &[0.25, -1.0]).unwrap();
        let u2 = second_update(0.1);
        let want = [0.99 * after1[0] - u2[0], 0.99 * after1[1] - u2[1]];
        for (g, w) in p.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "got {p:?}, want {want:?}");
        }
    }

    #[test]
    fn defaults() {
        let opt = AdamW::<f64>::default();
        assert_eq!((opt.learning_rate(), opt.weight_decay), (1e-3, 1e-2));
    }

    #[test]
    fn zero_decay_is_adam() {
        let mut w = AdamW::new(0.05).weight_decay(0.0);
        let mut a = Adam::new(0.05);
        let (mut p, mut q) = ([0.3, -0.7, 1.1], [0.3, -0.7, 1.1]);
        for g in [[0.1, -0.2, 0.3], [-0.5, 0.4, 0.0]] {
            w.step(&mut p, &g).unwrap();
            a.step(&mut q, &g).unwrap();
        }
        assert_eq!(p, q);
    }
}
