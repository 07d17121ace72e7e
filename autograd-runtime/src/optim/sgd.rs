//! Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's
//! `torch.optim.SGD` (with `dampening = 0`).

use super::{
    check_grads, check_hyper, check_lengths, check_lr_wd, check_step, size_state, Optimizer,
};
use crate::{Error, Real, Result};

/// SGD: `p -= lr * d`, where
///
/// ```text
/// g = grad + weight_decay * p              (L2 penalty, added to the gradient)
/// b = g                    on the first step,
/// b = momentum * b + g     after it        (only when momentum != 0)
/// d = g + momentum * b     with Nesterov,
/// d = b                    with momentum,
/// d = g                    without
/// ```
///
/// Defaults: no momentum, no Nesterov, no weight decay. Nesterov needs a momentum: without one
/// `step` returns an error (as PyTorch raises one).
///
/// ```
/// use autograd::optim::{Optimizer, Sgd};
/// let mut opt = Sgd::new(0.1).momentum(0.9);
/// let mut p = [1.0_f64, -2.0];
/// opt.step(&mut p, &[0.5, 1.0])?;
/// assert!((p[0] - 0.95).abs() < 1e-12 && (p[1] + 2.1).abs() < 1e-12);
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T> {
    lr: T,
    momentum: T,
    nesterov: bool,
    weight_decay: T,
    /// Momentum buffer `b`; empty until the first step with momentum.
    buffer: Vec<T>,
}

impl<T: Real> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(0.5);
    /// let mut p = [1.0_f64, -1.0];
    /// opt.step(&mut p, &[1.0, 1.0])?;
    /// opt.step(&mut p, &[1.0, 1.0])?;
    /// assert_eq!(p, [0.0, -2.0]); // no memory: each step is lr · g
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn new(lr: T) -> Self {
        Self {
            lr,
            momentum: T::zero(),
            nesterov: false,
            weight_decay: T::zero(),
            buffer: Vec::new(),
        }
    }

    /// Sets the momentum factor (PyTorch's `momentum`, usually 0.9).
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(0.5).momentum(0.5);
    /// let mut p = [0.0_f64];
    /// opt.step(&mut p, &[1.0])?; // b = g = 1: p = -0.5
    /// opt.step(&mut p, &[1.0])?; // b = 0.5 · 1 + 1 = 1.5: p = -0.5 - 0.5 · 1.5
    /// assert_eq!(p, [-1.25]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: T) -> Self {
        self.momentum = momentum;
        self
    }

    /// Uses Nesterov momentum. It needs a [`momentum`](Self::momentum) above 0: without one,
    /// [`step`](Optimizer::step) returns [`Error::Invalid`](crate::Error::Invalid).
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(0.1).momentum(0.9).nesterov(true).weight_decay(1e-4);
    /// let mut p = [1.0_f32];
    /// opt.step(&mut p, &[0.5])?;
    /// // First step: d = g + 0.9 g with g = 0.5 + 1e-4 * 1.
    /// assert!((p[0] - (1.0 - 0.1 * 1.9 * 0.5001)).abs() < 1e-6);
    /// // Without a momentum there is nothing to look ahead with.
    /// assert!(Sgd::new(0.1).nesterov(true).step(&mut p, &[0.5]).is_err());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Sets the L2 weight decay: `weight_decay * p` is added to the gradient.
    ///
    /// ```
    /// use autograd::optim::{Optimizer, Sgd};
    /// let mut opt = Sgd::new(0.5).weight_decay(0.25);
    /// let mut p = [2.0_f64];
    /// opt.step(&mut p, &[1.0])?;
    /// assert_eq!(p, [1.25]); // g = 1 + 0.25 · 2 = 1.5: p = 2 - 0.5 · 1.5
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Real> Optimizer<T> for Sgd<T> {
    fn step(&mut self, params: &mut [T], grads: &[T]) -> Result<()> {
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        check_lr_wd("Sgd", lr, wd)?;
        check_hyper(
            "Sgd",
            "the momentum",
            mu,
            "in [0, 1)",
            mu >= T::zero() && mu < T::one(),
        )?;
        if self.nesterov && mu == T::zero() {
            return Err(Error::Invalid {
                what: "Sgd".into(),
                message: "Nesterov momentum needs a momentum: set .momentum(..) to a value in \
                          (0, 1), e.g. 0.9, or drop .nesterov(true)"
                    .into(),
            });
        }
        if mu == T::zero() {
            check_lengths(params, grads)?;
            check_grads("Sgd", grads)?;
            for (p, &g) in params.iter_mut().zip(grads) {
                *p = *p - lr * (g + wd * *p);
            }
            return Ok(());
        }
        // With b = 0 before the first step, `mu * b + g` gives PyTorch's `b = g` exactly.
        check_step(&self.buffer, params, grads)?;
        check_grads("Sgd", grads)?;
        size_state(&mut self.buffer, params);
        // Read once: with the flag read in the loop, LLVM stopped making a loop per value of it
        // once `check_grads` came before the loop, and blended both results instead.
        let nesterov = self.nesterov;
        for ((p, &g), b) in params.iter_mut().zip(grads).zip(&mut self.buffer) {
            let g = g + wd * *p;
            *b = mu * *b + g;
            let d = if nesterov { g + mu * *b } else { *b };
            *p -= lr * d;
        }
        Ok(())
    }

    fn learning_rate(&self) -> T {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }

    fn reset(&mut self) {
        self.buffer = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two steps from p = [1, -2] with gradients [0.5, 1] then [0.25, -1], at lr 0.1.
    fn two_steps(mut opt: Sgd<f64>) -> [f64; 2] {
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        opt.step(&mut p, &[0.25, -1.0]).unwrap();
        p
    }

    fn assert_close(got: [f64; 2], want: [f64; 2]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn plain() {
        // p - 0.1*0.5 - 0.1*0.25 = 0.925; -2 - 0.1 + 0.1 = -2
        assert_close(two_steps(Sgd::new(0.1)), [0.925, -2.0]);
    }

    #[test]
    fn momentum() {
        // step 1: b = [0.5, 1]; p = [0.95, -2.1]
        // step 2: b = 0.9*[0.5, 1] + [0.25, -1] = [0.7, -0.1]; p = [0.88, -2.09]
        assert_close(two_steps(Sgd::new(0.1).momentum(0.9)), [0.88, -2.09]);
    }

    #[test]
    fn nesterov() {
        // step 1: b = [0.5, 1]; d = g + 0.9 b = [0.95, 1.9]; p = [0.905, -2.19]
        // step 2: b = [0.7, -0.1]; d = [0.25 + 0.63, -1 - 0.09] = [0.88, -1.09]
        //         p = [0.905 - 0.088, -2.19 + 0.109] = [0.817, -2.081]
        let opt = Sgd::new(0.1).momentum(0.9).nesterov(true);
        assert_close(two_steps(opt), [0.817, -2.081]);
    }

    #[test]
    fn weight_decay() {
        // step 1: g = [0.5 + 0.1, 1 - 0.2] = [0.6, 0.8]; p = [0.94, -2.08]
        // step 2: g = [0.25 + 0.094, -1 - 0.208] = [0.344, -1.208]; p = [0.9056, -1.9592]
        assert_close(
            two_steps(Sgd::new(0.1).weight_decay(0.1)),
            [0.9056, -1.9592],
        );
    }

    #[test]
    fn momentum_with_weight_decay() {
        // step 1: g = [0.6, 0.8] = b; p = [0.94, -2.08]
        // step 2: g = [0.344, -1.208]; b = 0.9*[0.6, 0.8] + g = [0.884, -0.488]
        //         p = [0.94 - 0.0884, -2.08 + 0.0488] = [0.8516, -2.0312]
        let opt = Sgd::new(0.1).momentum(0.9).weight_decay(0.1);
        assert_close(two_steps(opt), [0.8516, -2.0312]);
    }

    #[test]
    fn reset_forgets_momentum() {
        let mut opt = Sgd::new(0.1).momentum(0.9);
        let mut p = [1.0, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        opt.reset();
        let mut q = [0.0_f64];
        opt.step(&mut q, &[1.0]).unwrap();
        assert!((q[0] + 0.1).abs() < 1e-12);
    }

    #[test]
    fn f32_momentum() {
        let mut opt = Sgd::new(0.1_f32).momentum(0.9);
        let mut p = [1.0_f32, -2.0];
        opt.step(&mut p, &[0.5, 1.0]).unwrap();
        opt.step(&mut p, &[0.25, -1.0]).unwrap();
        assert!(
            (p[0] - 0.88).abs() < 1e-6 && (p[1] + 2.09).abs() < 1e-6,
            "{p:?}"
        );
    }
}
