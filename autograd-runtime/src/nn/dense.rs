//! `Dense`: a fully connected layer `y = f(x Wᵀ + b)` over a batch of rows.
//!
//! The layer describes a shape; its parameters live in a slice the caller owns (an [`Mlp`]
//! keeps every layer's in one `Vec`), laid out as the weight `W` (`outputs × inputs`,
//! row-major, PyTorch's `Linear` layout) followed by the bias `b` (`outputs`).
//!
//! [`Mlp`]: super::Mlp

use rand::Rng;

use super::gemm::{gemm, View};
use super::{Activation, Init};
use crate::error::values;
use crate::{Error, Real, Result, Scalar};

/// A fully connected layer: `inputs` → `outputs`, then `activation`.
///
/// ```
/// use autograd_runtime::nn::{Activation, Dense};
/// let layer = Dense::new(2, 1, Activation::Identity);
/// let params = [3.0_f64, -1.0, 0.5]; // W = [[3, -1]], b = [0.5]
/// let x = [1.0, 1.0, 2.0, 0.0]; // two rows
/// let mut y = [0.0; 2];
/// layer.forward(&params, &x, &mut y, None)?;
/// assert_eq!(y, [2.5, 6.5]);
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dense {
    /// Width of an input row.
    pub inputs: usize,
    /// Width of an output row.
    pub outputs: usize,
    /// Nonlinearity applied to each output.
    pub activation: Activation,
}

impl Dense {
    /// A layer of this shape.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense};
    /// assert_eq!(Dense::new(3, 4, Activation::Tanh).num_params(), 3 * 4 + 4);
    /// ```
    pub fn new(inputs: usize, outputs: usize, activation: Activation) -> Self {
        Dense {
            inputs,
            outputs,
            activation,
        }
    }

    /// Number of parameters: `outputs × inputs` weights and `outputs` biases.
    ///
    /// For widths whose count does not fit in `usize` (`Dense::new(usize::MAX, 2, ..)`) it
    /// returns `usize::MAX` rather than panicking or wrapping around: no buffer can hold that
    /// many values, and every method that takes the parameters ([`split`](Self::split),
    /// [`init`](Self::init), [`forward`](Self::forward), [`backward`](Self::backward)) returns
    /// [`Error::Invalid`] for such a layer.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense};
    /// assert_eq!(Dense::new(2, 16, Activation::Relu).num_params(), 48);
    /// let huge = Dense::new(usize::MAX, 2, Activation::Relu);
    /// assert_eq!(huge.num_params(), usize::MAX); // saturated
    /// let mut y = [0.0_f64; 2];
    /// assert!(huge.forward(&[], &[], &mut y, None).is_err());
    /// ```
    pub fn num_params(&self) -> usize {
        self.checked_num_params().unwrap_or(usize::MAX)
    }

    fn checked_num_params(&self) -> Option<usize> {
        self.outputs
            .checked_mul(self.inputs)?
            .checked_add(self.outputs)
    }

    /// [`num_params`](Self::num_params) and the number of weights, or `Error::Invalid` for a
    /// layer whose count does not fit in `usize`.
    fn counts(&self) -> Result<(usize, usize)> {
        match self.checked_num_params() {
            // No overflow: the weights are fewer than all parameters.
            Some(n) => Ok((n, n - self.outputs)),
            None => Err(Error::Invalid {
                what: format!("dense layer {} → {}", self.inputs, self.outputs),
                message: "its outputs × inputs + outputs parameters are more than usize can \
                          count: use smaller widths"
                    .into(),
            }),
        }
    }

    /// The shape of the weight, `[outputs, inputs]`.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense};
    /// assert_eq!(Dense::new(2, 16, Activation::Relu).weight_shape(), [16, 2]);
    /// ```
    pub fn weight_shape(&self) -> [usize; 2] {
        [self.outputs, self.inputs]
    }

    /// Splits this layer's parameters (or gradients) into weight and bias.
    ///
    /// # Errors
    /// [`Error::Shape`] if `params` does not have [`num_params`](Self::num_params) elements.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense};
    /// let p = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let (w, b) = Dense::new(2, 2, Activation::Tanh).split(&p)?;
    /// assert_eq!((w, b), (&p[..4], &p[4..]));
    /// assert!(Dense::new(2, 3, Activation::Tanh).split(&p).is_err());
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn split<'a, T>(&self, params: &'a [T]) -> Result<(&'a [T], &'a [T])> {
        let (n, nw) = self.counts()?;
        self.expect("parameters", params.len(), &[n])?;
        Ok(params.split_at(nw))
    }

    /// Draws the weights with `init` from `rng` and sets the biases to zero.
    ///
    /// # Errors
    /// [`Error::Shape`] if `params` does not have [`num_params`](Self::num_params) elements;
    /// [`Error::Invalid`] if the layer has no inputs or outputs, or more parameters than
    /// `usize` can count.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense, Init};
    /// use rand::SeedableRng;
    /// let layer = Dense::new(2, 3, Activation::Relu);
    /// let mut p = vec![1.0_f32; layer.num_params()];
    /// layer.init(&mut p, Init::He, &mut rand::rngs::StdRng::seed_from_u64(0))?;
    /// assert_eq!(&p[6..], &[0.0; 3]);
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn init<T: Real, R: Rng + ?Sized>(
        &self,
        params: &mut [T],
        init: Init,
        rng: &mut R,
    ) -> Result<()> {
        let (n, nw) = self.counts()?;
        self.expect("parameters", params.len(), &[n])?;
        let (w, b) = params.split_at_mut(nw);
        init.fill(w, self.inputs, self.outputs, rng)?;
        b.fill(T::zero());
        Ok(())
    }

    /// Forward pass over a batch: `y = f(x Wᵀ + b)`, with `x` `batch × inputs` and `y`
    /// `batch × outputs`, row-major. With `deriv`, also stores `f'(x Wᵀ + b)` there (same shape
    /// as `y`) for [`backward`](Self::backward).
    ///
    /// # Errors
    /// [`Error::Shape`] if a buffer does not match the layer and the batch; [`Error::Invalid`]
    /// if the layer's parameters, or its outputs for this batch, are more than `usize` can
    /// count. Every shape is checked before anything is written: on error `y` and `deriv` are
    /// as they were.
    ///
    /// ```
    /// use autograd::nn::{Activation, Dense};
    /// let layer = Dense::new(2, 2, Activation::Relu);
    /// let params = [1.0_f64, -1.0, 2.0, 0.0, 0.0, -1.0]; // W = [[1, -1], [2, 0]], b = [0, -1]
    /// let (mut y, mut d) = ([9.0; 2], [9.0; 2]);
    /// layer.forward(&params, &[1.0, 3.0], &mut y, Some(&mut d))?; // one row
    /// // x Wᵀ + b = [1 - 3 + 0, 2 + 0 - 1] = [-2, 1]; relu, and relu' for backward.
    /// assert_eq!((y, d), ([0.0, 1.0], [0.0, 1.0]));
    /// // Three values are not whole rows of two inputs.
    /// assert!(layer.forward(&params, &[1.0; 3], &mut y, None).is_err());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn forward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        y: &mut [T],
        deriv: Option<&mut [T]>,
    ) -> Result<()> {
        let batch = self.batch_of(x)?;
        let (n, nw) = self.counts()?;
        self.expect("parameters", params.len(), &[n])?;
        self.expect("output", y.len(), &[batch, self.outputs])?;
        if let Some(d) = deriv.as_deref() {
            self.expect("derivative", d.len(), &[batch, self.outputs])?;
        }
        let (w, b) = params.split_at(nw);
        for row in y.chunks_exact_mut(self.outputs) {
            row.copy_from_slice(b);
        }
        // y += x · Wᵀ
        let wt = View::new(w, self.outputs, self.inputs).t();
        gemm(View::new(x, batch, self.inputs), wt, T::one(), y);
        match deriv {
            Some(d) => self.activation.apply_with_grad(y, d)?,
            None => self.activation.apply(y),
        }
        Ok(())
    }

    /// Backward pass over the batch of the last [`forward`](Self::forward): given `dy = ∂L/∂y`,
    /// writes `∂L/∂W` and `∂L/∂b` into `grads` (overwriting them; laid out as the parameters)
    /// and, if asked, `∂L/∂x` into `dx`. `dy` is overwritten with `∂L/∂(x Wᵀ + b)`.
    ///
    /// # Errors
    /// As [`forward`](Self::forward): every shape, `dx`'s included, is checked before anything
    /// is written, so on error `dy`, `grads` and `dx` are as they were.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense};
    /// let layer = Dense::new(2, 1, Activation::Identity);
    /// let params = [3.0_f64, -1.0, 0.5];
    /// let x = [1.0, 2.0];
    /// let (mut dy, mut grads, mut dx) = ([1.0], [0.0; 3], [0.0; 2]);
    /// layer.backward(&params, &x, &[1.0], &mut dy, &mut grads, Some(&mut dx))?;
    /// assert_eq!(grads, [1.0, 2.0, 1.0]); // ∂/∂W = x, ∂/∂b = 1
    /// assert_eq!(dx, [3.0, -1.0]); // ∂/∂x = W
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn backward<T: Scalar>(
        &self,
        params: &[T],
        x: &[T],
        deriv: &[T],
        dy: &mut [T],
        grads: &mut [T],
        dx: Option<&mut [T]>,
    ) -> Result<()> {
        let batch = self.batch_of(x)?;
        let (n, nw) = self.counts()?;
        self.expect("parameters", params.len(), &[n])?;
        self.expect("gradients", grads.len(), &[n])?;
        self.expect("output gradient", dy.len(), &[batch, self.outputs])?;
        self.expect("derivative", deriv.len(), &[batch, self.outputs])?;
        if let Some(dx) = dx.as_deref() {
            self.expect("input gradient", dx.len(), &[batch, self.inputs])?;
        }
        // dz = dy ⊙ f'(z)
        for (g, &d) in dy.iter_mut().zip(deriv) {
            *g *= d;
        }
        let dz = View::new(&*dy, batch, self.outputs);
        let (gw, gb) = grads.split_at_mut(nw);
        // ∂L/∂W = dzᵀ · x
        gemm(dz.t(), View::new(x, batch, self.inputs), T::zero(), gw);
        // ∂L/∂b = Σ_rows dz
        gb.fill(T::zero());
        for row in dy.chunks_exact(self.outputs) {
            for (s, &g) in gb.iter_mut().zip(row) {
                *s += g;
            }
        }
        if let Some(dx) = dx {
            // ∂L/∂x = dz · W
            let w = &params[..nw];
            gemm(dz, View::new(w, self.outputs, self.inputs), T::zero(), dx);
        }
        Ok(())
    }

    /// The number of rows in `x`.
    fn batch_of<T>(&self, x: &[T]) -> Result<usize> {
        if self.inputs == 0 || !x.len().is_multiple_of(self.inputs) {
            return Err(Error::Shape {
                what: format!(
                    "the input of dense layer {} → {}",
                    self.inputs, self.outputs
                ),
                expected: format!(
                    "rows of {} features (a multiple of {} values)",
                    self.inputs, self.inputs
                ),
                found: format!("{} values", x.len()),
            });
        }
        Ok(x.len() / self.inputs)
    }

    fn expect(&self, what: &str, len: usize, shape: &[usize]) -> Result<()> {
        let Some(n) = shape.iter().try_fold(1_usize, |n, &d| n.checked_mul(d)) else {
            return Err(Error::Invalid {
                what: format!(
                    "the {what} of dense layer {} → {}",
                    self.inputs, self.outputs
                ),
                message: format!(
                    "a shape of {shape:?} is more values than usize can count: use a smaller \
                     batch"
                ),
            });
        };
        if len == n {
            Ok(())
        } else {
            Err(Error::Shape {
                what: format!(
                    "the {what} of dense layer {} → {}",
                    self.inputs, self.outputs
                ),
                expected: values(shape),
                found: format!("{len} values"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_grad_slice;
    use rand::SeedableRng;

    /// L = Σ c ⊙ y for fixed weights c: its gradients from `backward` against central
    /// differences, for every activation and both GEMM paths (small and matrixmultiply).
    #[test]
    fn backward_matches_finite_differences() {
        for (inputs, outputs, batch) in [(3, 4, 5), (65, 70, 60)] {
            for act in [
                Activation::Identity,
                Activation::Tanh,
                Activation::Relu,
                Activation::Sigmoid,
            ] {
                let layer = Dense::new(inputs, outputs, act);
                let mut rng = rand::rngs::StdRng::seed_from_u64(3);
                let mut p = vec![0.0_f64; layer.num_params()];
                layer.init(&mut p, Init::Xavier, &mut rng).unwrap();
                // Nonzero biases so that relu's kink is away from the sample points.
                let nw = outputs * inputs;
                p[nw..]
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, b)| *b = 0.1 * (i as f64).sin());
                let x: Vec<f64> = (0..batch * inputs)
                    .map(|i| (i as f64 * 0.37).sin())
                    .collect();
                let c: Vec<f64> = (0..batch * outputs)
                    .map(|i| (i as f64 * 0.91).cos())
                    .collect();
                let loss = |p: &[f64], x: &[f64]| {
                    let mut y = vec![0.0; batch * outputs];
                    layer.forward(p, x, &mut y, None).unwrap();
                    y.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
                };
                let mut y = vec![0.0; batch * outputs];
                let mut d = vec![0.0; batch * outputs];
                layer.forward(&p, &x, &mut y, Some(&mut d)).unwrap();
                let mut dy = c.clone();
                let mut g = vec![f64::NAN; layer.num_params()];
                let mut dx = vec![f64::NAN; batch * inputs];
                layer
                    .backward(&p, &x, &d, &mut dy, &mut g, Some(&mut dx))
                    .unwrap();
                // A spread of parameters and inputs (all of them for the small layer), each
                // checked alone, to `1e-6 · max(|numeric|, 1)`.
                let step = if nw > 100 { 97 } else { 1 };
                for i in (0..p.len()).step_by(step) {
                    let at = |v: &[f64]| {
                        let mut q = p.clone();
                        q[i] = v[0];
                        loss(&q, &x)
                    };
                    let r = check_grad_slice(at, &[p[i]], &[g[i]]).unwrap();
                    assert!(
                        r.abs_error < 1e-6 * r.numeric.abs().max(1.0),
                        "{act:?} param {i}: {r}"
                    );
                }
                for i in (0..x.len()).step_by(step) {
                    let at = |v: &[f64]| {
                        let mut y = x.clone();
                        y[i] = v[0];
                        loss(&p, &y)
                    };
                    let r = check_grad_slice(at, &[x[i]], &[dx[i]]).unwrap();
                    assert!(
                        r.abs_error < 1e-6 * r.numeric.abs().max(1.0),
                        "{act:?} input {i}: {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_layer_whose_parameters_overflow_usize_saturates_and_is_refused() {
        let layer = Dense::new(usize::MAX, 2, Activation::Tanh);
        assert_eq!(layer.num_params(), usize::MAX);
        let invalid = |r: Result<()>| {
            let err = r.unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert!(
                err.to_string().contains("more than usize can count"),
                "{err}"
            );
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let (mut y, mut g) = ([0.0_f64; 2], [0.0; 4]);
        invalid(layer.split(&[0.0; 4]).map(|_| ()));
        invalid(layer.init(&mut [0.0_f64; 4], Init::He, &mut rng));
        invalid(layer.forward(&[0.0; 4], &[], &mut y, None));
        invalid(layer.backward(&[0.0; 4], &[], &[], &mut [], &mut g, None));
    }

    #[test]
    fn a_shape_whose_product_overflows_usize_is_an_error() {
        let layer = Dense::new(1, usize::MAX / 2, Activation::Tanh);
        let err = layer.expect("output", 8, &[4, usize::MAX / 2]).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("use a smaller batch"), "{err}");
    }

    #[test]
    fn forward_checks_every_shape_before_it_writes() {
        let layer = Dense::new(2, 3, Activation::Tanh);
        let p = vec![0.5_f64; layer.num_params()];
        let (mut y, mut d) = ([9.0; 6], [9.0; 5]);
        let err = layer
            .forward(&p, &[1.0; 4], &mut y, Some(&mut d))
            .unwrap_err();
        assert!(err.to_string().contains("the derivative"), "{err}");
        assert_eq!((y, d), ([9.0; 6], [9.0; 5]));
    }

    #[test]
    fn backward_checks_every_shape_before_it_writes() {
        let layer = Dense::new(2, 3, Activation::Tanh);
        let p = vec![0.5_f64; layer.num_params()];
        let (mut dy, mut g, mut dx) = ([1.0; 6], [9.0; 9], [9.0; 3]);
        let err = layer
            .backward(&p, &[1.0; 4], &[1.0; 6], &mut dy, &mut g, Some(&mut dx))
            .unwrap_err();
        assert!(err.to_string().contains("the input gradient"), "{err}");
        assert_eq!((dy, g, dx), ([1.0; 6], [9.0; 9], [9.0; 3]));
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let layer = Dense::new(2, 3, Activation::Tanh);
        let p = vec![0.0_f64; layer.num_params()];
        let mut y = vec![0.0; 6];
        assert!(matches!(
            layer.forward(&p, &[1.0; 5], &mut y, None),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            layer.forward(&p, &[1.0; 2], &mut y, None),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            layer.forward(&p[1..], &[1.0; 4], &mut y, None),
            Err(Error::Shape { .. })
        ));
        assert!(layer.forward(&p, &[1.0; 4], &mut y, None).is_ok());
    }
}
