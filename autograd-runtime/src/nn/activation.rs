//! `Activation`: the element-wise nonlinearity of a layer, applied to whole buffers.

use super::{init::Init, kernels};
use crate::{simd, Error, Partials, Real, Result};

/// The nonlinearity a [`Dense`](super::Dense) layer applies to each of its outputs.
///
/// Each variant uses its kernel pair from [`kernels`](super::kernels); the `match` sits outside
/// the loops so each loop is one kernel over a slice, which LLVM vectorises.
///
/// ```
/// use autograd_runtime::nn::Activation;
/// let mut z = [-1.0_f64, 0.0, 2.0];
/// Activation::Relu.apply(&mut z);
/// assert_eq!(z, [0.0, 0.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Activation {
    /// `x`: no nonlinearity (output layers of regressions and of logit models).
    #[default]
    Identity,
    /// `tanh(x)`.
    Tanh,
    /// `max(x, 0)`.
    Relu,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
}

impl Activation {
    /// Replaces each `z` by `f(z)`.
    ///
    /// ```
    /// use autograd_runtime::nn::Activation;
    /// let mut z = [0.0_f32];
    /// Activation::Sigmoid.apply(&mut z);
    /// assert_eq!(z, [0.5]);
    /// ```
    pub fn apply<T: Real>(self, z: &mut [T]) {
        // Each loop compiled twice: baseline and AVX2 (see `simd`).
        simd::dispatch(
            #[inline(always)]
            |_| match self {
                Activation::Identity => {}
                Activation::Tanh => z.iter_mut().for_each(|x| *x = kernels::tanh(*x)),
                Activation::Relu => z.iter_mut().for_each(|x| *x = kernels::relu(*x)),
                Activation::Sigmoid => z.iter_mut().for_each(|x| *x = kernels::sigmoid(*x)),
            },
        )
    }

    /// Replaces each `z` by `f(z)` and stores `f'(z)` in `d`, what the backward pass needs.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if `z` and `d` differ in length (nothing is changed then).
    ///
    /// ```
    /// use autograd_runtime::nn::Activation;
    /// let (mut z, mut d) = ([0.0_f64, 3.0], [9.0; 2]);
    /// Activation::Tanh.apply_with_grad(&mut z, &mut d)?;
    /// assert_eq!(z[0], 0.0);
    /// assert_eq!(d[0], 1.0);
    /// assert!(Activation::Tanh.apply_with_grad(&mut z, &mut [0.0; 3]).is_err());
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn apply_with_grad<T: Real>(self, z: &mut [T], d: &mut [T]) -> Result<()> {
        if z.len() != d.len() {
            return Err(Error::LengthMismatch {
                what: "activation values and derivatives",
                left: z.len(),
                right: d.len(),
            });
        }
        simd::dispatch(
            #[inline(always)]
            |_| match self {
                Activation::Identity => d.fill(T::one()),
                Activation::Tanh => each(z, d, kernels::tanh_grad),
                Activation::Relu => each(z, d, kernels::relu_grad),
                Activation::Sigmoid => each(z, d, kernels::sigmoid_grad),
            },
        );
        Ok(())
    }

    /// The initialisation that keeps activations' variance steady through layers of this
    /// nonlinearity: He for `Relu`, Xavier/Glorot for the others.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Init};
    /// assert_eq!(Activation::Relu.init(), Init::He);
    /// assert_eq!(Activation::Tanh.init(), Init::Xavier);
    /// ```
    pub fn init(self) -> Init {
        match self {
            Activation::Relu => Init::He,
            _ => Init::Xavier,
        }
    }
}

/// Applies the kernel `f` (hand-written, or from `grad!`) to each element: value into `z`,
/// derivative into `d`.
#[inline(always)]
fn each<T: Real, G: Partials<T, 1>>(z: &mut [T], d: &mut [T], f: impl Fn(T) -> (T, G)) {
    for (x, dx) in z.iter_mut().zip(d.iter_mut()) {
        let (y, g) = f(*x);
        let [g] = g.partials();
        *x = y;
        *dx = g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_agree_with_the_kernels() {
        let xs = [-3.0_f64, -0.5, 0.0, 0.25, 4.0];
        type K = fn(f64) -> (f64, [f64; 1]);
        let cases: [(Activation, K); 4] = [
            (Activation::Identity, |x| {
                let (v, g) = kernels::identity_grad(x);
                (v, g.partials())
            }),
            (Activation::Tanh, kernels::tanh_grad),
            (Activation::Relu, |x| {
                let (v, g) = kernels::relu_grad(x);
                (v, g.partials())
            }),
            (Activation::Sigmoid, kernels::sigmoid_grad),
        ];
        for (act, k) in cases {
            let (mut z, mut d, mut y) = (xs, [f64::NAN; 5], xs);
            act.apply_with_grad(&mut z, &mut d).unwrap();
            act.apply(&mut y);
            for i in 0..xs.len() {
                let (v, [g]) = k(xs[i]);
                assert_eq!((z[i], d[i], y[i]), (v, g, v), "{act:?} at {}", xs[i]);
            }
        }
    }
}
