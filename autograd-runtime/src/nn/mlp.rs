//! `Mlp`: a stack of [`Dense`] layers with every parameter in one `Vec` and every gradient in
//! another of the same layout, and the buffers the backward pass needs, owned and reused.

use std::ops::Range;
#[cfg(feature = "safetensors")]
use std::path::Path;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{Activation, Dense, Init};
#[cfg(feature = "safetensors")]
use crate::checkpoint::{load_tensors, save_tensors, NamedTensor, TensorMut};
use crate::{Error, Result, Scalar};

/// A multi-layer perceptron: dense layers with a nonlinearity between them.
///
/// All parameters live in one contiguous `Vec` (layer by layer: the weight stored `[out, in]`
/// row-major, PyTorch's `nn.Linear` layout, then the bias), and the gradients in another of the same layout, so an optimizer
/// updates the whole model with one call. [`forward`](Self::forward) keeps each layer's input
/// and activation derivative in buffers the model owns; [`backward`](Self::backward) writes
/// (overwrites, never accumulates) the gradients. After the first step at a given batch size,
/// a training step allocates nothing (`tests/no_alloc.rs` checks it), except where a layer's
/// products exceed 2^16 multiply-adds (`batch × inputs × outputs`) and are not `f32` on a CPU
/// with AVX-512: those go through `matrixmultiply`, which allocates a packing buffer per
/// product.
///
/// ```
/// use autograd_runtime::nn::{loss, Activation, Mlp};
/// use autograd_runtime::optim::{Optimizer, Sgd};
/// // Learn XOR.
/// let x = [0.0_f64, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
/// let y = [0.0, 1.0, 1.0, 0.0];
/// let mut mlp = Mlp::new(&[2, 8, 1], Activation::Tanh, 1)?;
/// let mut opt = Sgd::new(0.2).momentum(0.9);
/// let mut dy = [0.0; 4];
/// let mut last = f64::INFINITY;
/// for _ in 0..500 {
///     let out = mlp.forward(&x)?;
///     last = loss::mse(out, &y, &mut dy)?;
///     mlp.backward(&dy)?;
///     let (params, grads) = mlp.params_and_grads();
///     opt.step(params, grads)?;
/// }
/// assert!(last < 1e-3, "{last}");
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mlp<T> {
    layers: Vec<Dense>,
    layout: Vec<ParamTensor>,
    params: Vec<T>,
    grads: Vec<T>,
    /// `acts[0]` is the input batch, `acts[l + 1]` the output of layer `l`.
    acts: Vec<Vec<T>>,
    /// `derivs[l]`: the activation derivative of layer `l` at the last training forward.
    derivs: Vec<Vec<T>>,
    /// Two buffers for `∂L/∂(layer output)`, passed back and forth through the layers.
    delta: [Vec<T>; 2],
    /// Whether `acts` and `derivs` hold a training forward that `backward` may use.
    ready: bool,
}

/// Where one named tensor (a layer's weight or bias) lies in [`Mlp::params`].
///
/// ```
/// use autograd::nn::{Activation, Mlp};
/// let mlp = Mlp::<f64>::new(&[3, 2, 1], Activation::Tanh, 0)?;
/// let bias = &mlp.layout()[1]; // after the 2 × 3 weight of layer 0
/// assert_eq!((bias.name.as_str(), bias.shape.as_slice()), ("layers.0.bias", &[2][..]));
/// assert_eq!(bias.range, 6..8);
/// assert_eq!(mlp.params()[bias.range.clone()], [0.0, 0.0]); // biases start at zero
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamTensor {
    /// `layers.{i}.weight` or `layers.{i}.bias`.
    pub name: String,
    /// `[outputs, inputs]` for a weight, `[outputs]` for a bias.
    pub shape: Vec<usize>,
    /// Its elements in the flat parameter (and gradient) vector.
    pub range: Range<usize>,
}

impl<T: Scalar> Mlp<T> {
    /// An MLP with layer widths `sizes` (input first, output last), `activation` after every
    /// hidden layer and a linear output layer — what regressions and the logit losses
    /// ([`loss::bce_with_logits`](super::loss::bce_with_logits),
    /// [`loss::softmax_cross_entropy`](super::loss::softmax_cross_entropy)) want. Weights are
    /// drawn with [`Activation::init`] from `StdRng::seed_from_u64(seed)`: the same seed gives
    /// the same model on every machine.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `sizes` has fewer than two entries or a zero entry, or if the
    /// parameters are more than `usize` can count or the allocator can give.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[2, 16, 16, 1], Activation::Tanh, 0)?;
    /// assert_eq!(mlp.num_params(), (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1));
    /// assert_eq!(mlp.layers()[2].activation, Activation::Identity);
    /// assert!(Mlp::<f32>::new(&[2, 0, 1], Activation::Tanh, 0).is_err());
    /// // More weights than usize can count: an error, not an overflow.
    /// assert!(Mlp::<f32>::new(&[usize::MAX / 2, 4], Activation::Tanh, 0).is_err());
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn new(sizes: &[usize], activation: Activation, seed: u64) -> Result<Self> {
        Self::with_output(sizes, activation, Activation::Identity, seed)
    }

    /// An MLP like [`new`](Self::new) but with `output` after the last layer too: micrograd's
    /// classic tiny MLP is `Mlp::with_output(&[3, 4, 4, 1], Tanh, Tanh, seed)?`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `sizes` has fewer than two entries or a zero entry, or if the
    /// parameters are more than `usize` can count or the allocator can give.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let mut mlp = Mlp::<f64>::with_output(&[3, 4, 4, 1], Activation::Tanh, Activation::Tanh, 0)?;
    /// let y = mlp.predict(&[100.0, -100.0, 100.0])?[0];
    /// assert!(y.abs() <= 1.0);
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn with_output(
        sizes: &[usize],
        hidden: Activation,
        output: Activation,
        seed: u64,
    ) -> Result<Self> {
        Self::from_layers(layers_of(sizes, hidden, output)?, hidden.init(), seed)
    }

    /// An MLP from explicit layers, weights drawn with `init` from `StdRng::seed_from_u64(seed)`
    /// layer after layer, biases zero.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there are no layers, a layer has a zero width, a layer's inputs
    /// differ from the previous layer's outputs, or the parameters are more than `usize` can
    /// count or the allocator can give.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Dense, Init, Mlp};
    /// let layers = vec![Dense::new(2, 8, Activation::Relu), Dense::new(8, 3, Activation::Identity)];
    /// let mlp = Mlp::<f32>::from_layers(layers, Init::He, 42)?;
    /// assert_eq!((mlp.inputs(), mlp.outputs()), (2, 3));
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn from_layers(layers: Vec<Dense>, init: Init, seed: u64) -> Result<Self> {
        let mut mlp = Self::zeroed(layers)?;
        let mut rng = StdRng::seed_from_u64(seed);
        for (i, l) in mlp.layers.iter().enumerate() {
            let r = mlp.layout[2 * i].range.start..mlp.layout[2 * i + 1].range.end;
            l.init(&mut mlp.params[r], init, &mut rng)?;
        }
        Ok(mlp)
    }

    /// An MLP with given weights and biases, one `(weight, bias)` pair per layer, input first:
    /// to reproduce a paper, port a trained PyTorch model, or start two implementations from
    /// the same point.
    ///
    /// Each weight is stored `[out, in]` row-major — PyTorch's `nn.Linear.weight` layout, so
    /// `layer.weight.detach().numpy().ravel()` goes in as it is — and each bias has `out`
    /// values. Layer `l` has `sizes[l]` inputs and `sizes[l + 1]` outputs; `hidden` follows every
    /// layer but the last, `output` the last (`Activation::Identity` for logits).
    ///
    /// # Errors
    /// [`Error::Invalid`] for bad `sizes` (as [`with_output`](Self::with_output)), another
    /// number of `(weight, bias)` pairs than layers, or a NaN or infinite value (the message
    /// names the layer, the tensor and the index); [`Error::Shape`] if a weight or bias has
    /// the wrong number of values (the message names the layer and its `[out, in]` shape).
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// // 2 → 2 → 1: W0 = [[1, 2], [3, 4]] ([out, in]), b0 = [0, 1], W1 = [[1, -1]], b1 = [0.5].
    /// let w0 = [1.0, 2.0, 3.0, 4.0];
    /// let w1 = [1.0, -1.0];
    /// let mut mlp = Mlp::<f64>::from_weights(
    ///     &[2, 2, 1],
    ///     &[(&w0[..], &[0.0, 1.0][..]), (&w1[..], &[0.5][..])],
    ///     Activation::Relu,
    ///     Activation::Identity,
    /// )?;
    /// // x = [1, 1]: hidden relu([1 + 2 + 0, 3 + 4 + 1]) = [3, 8]; output 3 - 8 + 0.5.
    /// assert_eq!(mlp.predict(&[1.0, 1.0])?, [-4.5]);
    /// assert_eq!(mlp.layer_params(0)?, (&w0[..], &[0.0, 1.0][..]));
    /// // A 3 → 1 layer has 3 weights, not 4: an error that names the layer and [out, in].
    /// let err = Mlp::<f64>::from_weights(&[3, 1], &[(&w0[..], &[0.0][..])], Activation::Relu, Activation::Identity);
    /// assert!(err.unwrap_err().to_string().contains("[out, in] = [1, 3]"));
    /// // A NaN weight: an error that names the layer, the tensor and the element.
    /// let bad = [1.0, 2.0, f64::NAN, 4.0];
    /// let err = Mlp::<f64>::from_weights(
    ///     &[2, 2, 1],
    ///     &[(&bad[..], &[0.0, 1.0][..]), (&w1[..], &[0.5][..])],
    ///     Activation::Relu,
    ///     Activation::Identity,
    /// );
    /// assert!(err.unwrap_err().to_string().contains("the weight of layer 0 is NaN at index 2"));
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn from_weights(
        sizes: &[usize],
        weights_and_biases: &[(&[T], &[T])],
        hidden: Activation,
        output: Activation,
    ) -> Result<Self> {
        let mut mlp = Self::zeroed(layers_of(sizes, hidden, output)?)?;
        if weights_and_biases.len() != mlp.layers.len() {
            return Err(Error::Invalid {
                what: format!("Mlp::from_weights for {}", mlp.describe()),
                message: format!(
                    "{} layers need {} (weight, bias) pairs, got {}",
                    mlp.layers.len(),
                    mlp.layers.len(),
                    weights_and_biases.len()
                ),
            });
        }
        for (l, &(w, b)) in weights_and_biases.iter().enumerate() {
            let layer = mlp.layers[l];
            for (t, given, kind) in [(2 * l, w, "weight"), (2 * l + 1, b, "bias")] {
                let tensor = &mlp.layout[t];
                if given.len() != tensor.range.len() {
                    return Err(Error::Shape {
                        what: format!(
                            "the {kind} of layer {l} ({} → {}) of {}",
                            layer.inputs,
                            layer.outputs,
                            mlp.describe()
                        ),
                        expected: if kind == "weight" {
                            format!(
                                "[out, in] = [{}, {}], {} values row-major (PyTorch's layout)",
                                layer.outputs,
                                layer.inputs,
                                tensor.range.len()
                            )
                        } else {
                            format!("{} values, one per output", layer.outputs)
                        },
                        found: format!("{} values", given.len()),
                    });
                }
                if let Some((i, v)) = given.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    let at = if kind == "weight" {
                        format!(
                            " (row {}, column {} of [out, in] = [{}, {}])",
                            i / layer.inputs,
                            i % layer.inputs,
                            layer.outputs,
                            layer.inputs
                        )
                    } else {
                        String::new()
                    };
                    return Err(Error::Invalid {
                        what: format!("Mlp::from_weights for {}", mlp.describe()),
                        message: format!(
                            "the {kind} of layer {l} is {} at index {i}{at}: every weight and \
                             bias must be finite",
                            v.to_f64().unwrap_or(f64::NAN)
                        ),
                    });
                }
                mlp.params[tensor.range.clone()].copy_from_slice(given);
            }
        }
        Ok(mlp)
    }

    /// The model of `layers` with every parameter zero, after checking that the layers chain.
    fn zeroed(layers: Vec<Dense>) -> Result<Self> {
        let invalid = |message: String| Error::Invalid {
            what: "Mlp".into(),
            message,
        };
        if layers.is_empty() {
            return Err(invalid("needs at least one layer".into()));
        }
        for (i, l) in layers.iter().enumerate() {
            if l.inputs == 0 || l.outputs == 0 {
                return Err(invalid(format!(
                    "layer {i} is {} → {}: every width must be at least 1",
                    l.inputs, l.outputs
                )));
            }
        }
        for (i, w) in layers.windows(2).enumerate() {
            if w[0].outputs != w[1].inputs {
                return Err(invalid(format!(
                    "layer {i} has {} outputs but layer {} takes {} inputs: they must be equal",
                    w[0].outputs,
                    i + 1,
                    w[1].inputs
                )));
            }
        }
        let mut layout = Vec::with_capacity(2 * layers.len());
        let mut at = 0_usize;
        for (i, l) in layers.iter().enumerate() {
            // Checked: widths such as 2^33 would overflow `usize` (a panic in debug builds,
            // a wrong layout in release).
            let too_many = || {
                invalid(format!(
                    "layer {i} is {} → {}: the model's parameters are more than usize can \
                     count; use smaller widths",
                    l.inputs, l.outputs
                ))
            };
            let nw = l.outputs.checked_mul(l.inputs).ok_or_else(too_many)?;
            let end = nw
                .checked_add(l.outputs)
                .and_then(|n| n.checked_add(at))
                .ok_or_else(too_many)?;
            layout.push(ParamTensor {
                name: format!("layers.{i}.weight"),
                shape: l.weight_shape().to_vec(),
                range: at..at + nw,
            });
            layout.push(ParamTensor {
                name: format!("layers.{i}.bias"),
                shape: vec![l.outputs],
                range: at + nw..end,
            });
            at = end;
        }
        let (params, grads) = (zeros(at)?, zeros(at)?);
        Ok(Mlp {
            acts: vec![Vec::new(); layers.len() + 1],
            derivs: vec![Vec::new(); layers.len()],
            delta: [Vec::new(), Vec::new()],
            grads,
            layers,
            layout,
            params,
            ready: false,
        })
    }

    /// Training forward pass over a batch `x` (`batch × inputs`, row-major): returns the
    /// output (`batch × outputs`) and keeps what [`backward`](Self::backward) needs.
    ///
    /// # Errors
    /// [`Error::Shape`] if `x.len()` is not a multiple of [`inputs`](Self::inputs).
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// // One 2 → 1 layer: y = 2 x0 - x1 + 0.5.
    /// let (w, b) = ([2.0, -1.0], [0.5]);
    /// let mut mlp = Mlp::<f64>::from_weights(&[2, 1], &[(&w[..], &b[..])], Activation::Tanh, Activation::Identity)?;
    /// assert_eq!(mlp.forward(&[1.0, 1.0, 0.0, 2.0])?, [1.5, -1.5]); // two rows
    /// mlp.backward(&[1.0, 1.0])?; // what backward needs was kept
    /// assert!(mlp.forward(&[1.0, 1.0, 0.0]).is_err()); // not whole rows of 2
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn forward(&mut self, x: &[T]) -> Result<&[T]> {
        self.run(x, true)
    }

    /// Inference: the output for a batch `x`, without keeping derivatives (and invalidating
    /// the last training forward).
    ///
    /// # Errors
    /// [`Error::Shape`] if `x.len()` is not a multiple of [`inputs`](Self::inputs).
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let mut mlp = Mlp::<f64>::new(&[2, 4, 1], Activation::Relu, 7)?;
    /// let batch = mlp.predict(&[1.0, 2.0, 3.0, 4.0])?.to_vec();
    /// assert_eq!(batch.len(), 2);
    /// assert_eq!(mlp.predict(&[3.0, 4.0])?[0], batch[1]); // rows are independent
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn predict(&mut self, x: &[T]) -> Result<&[T]> {
        self.run(x, false)
    }

    fn run(&mut self, x: &[T], train: bool) -> Result<&[T]> {
        let inputs = self.inputs();
        if !x.len().is_multiple_of(inputs) {
            return Err(Error::Shape {
                what: format!("the input of {} (layer 0)", self.describe()),
                expected: format!(
                    "rows of {inputs} features, one row per sample (a multiple of {inputs} values)"
                ),
                found: format!(
                    "{} values ({} whole rows and {} left over)",
                    x.len(),
                    x.len() / inputs,
                    x.len() % inputs
                ),
            });
        }
        let batch = x.len() / inputs;
        self.ready = false;
        // Buffers only grow: after the first call at this batch size nothing is allocated.
        self.acts[0].clear();
        self.acts[0].extend_from_slice(x);
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = self.acts.split_at_mut(l + 1);
            let (input, out) = (&before[l], &mut after[0]);
            out.resize(batch * layer.outputs, T::zero());
            let p = &self.params[self.layout[2 * l].range.start..self.layout[2 * l + 1].range.end];
            let deriv = if train {
                self.derivs[l].resize(batch * layer.outputs, T::zero());
                Some(&mut self.derivs[l][..])
            } else {
                None
            };
            layer.forward(p, input, out, deriv)?;
        }
        self.ready = train;
        Ok(&self.acts[self.layers.len()])
    }

    /// Backward pass for the last [`forward`](Self::forward): given `dy = ∂L/∂output` (same
    /// shape as the output), writes `∂L/∂params` into [`grads`](Self::grads), overwriting the
    /// previous step's (so gradients never accumulate by accident).
    ///
    /// # Errors
    /// [`Error::Shape`] if `dy` does not have the output's shape.
    ///
    /// [`Error::Invalid`] if there was no training forward since construction or the last
    /// [`predict`](Self::predict) or `load`.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// // One 2 → 1 layer: y = 2 x0 - x1 + 0.5.
    /// let (w, b) = ([2.0, -1.0], [0.5]);
    /// let mut mlp = Mlp::<f64>::from_weights(&[2, 1], &[(&w[..], &b[..])], Activation::Tanh, Activation::Identity)?;
    /// mlp.forward(&[1.0, 1.0, 0.0, 2.0])?; // two rows
    /// mlp.backward(&[1.0, 3.0])?; // ∂L/∂y of each row
    /// // ∂L/∂W = 1 · [1, 1] + 3 · [0, 2], ∂L/∂b = 1 + 3.
    /// assert_eq!(mlp.grads(), [1.0, 7.0, 4.0]);
    /// assert!(mlp.backward(&[1.0]).is_err()); // the output had two rows
    /// mlp.predict(&[1.0, 1.0])?;
    /// assert!(mlp.backward(&[1.0]).is_err()); // predict keeps nothing to go back through
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn backward(&mut self, dy: &[T]) -> Result<()> {
        if !self.ready {
            return Err(Error::Invalid {
                what: format!("backward of {}", self.describe()),
                message: "no training forward to go back through: call forward (not predict) \
                          on the batch first, then backward with its loss gradient"
                    .into(),
            });
        }
        let last = self.layers.len() - 1;
        let out_len = self.acts[last + 1].len();
        if dy.len() != out_len {
            let outputs = self.outputs();
            return Err(Error::Shape {
                what: format!(
                    "the output gradient dy of {} (layer {last})",
                    self.describe()
                ),
                expected: format!(
                    "{out_len} values: {} rows of {outputs} outputs, the shape the last forward \
                     returned",
                    out_len / outputs
                ),
                found: format!("{} values", dy.len()),
            });
        }
        let [cur, next] = &mut self.delta;
        cur.clear();
        cur.extend_from_slice(dy);
        for l in (0..=last).rev() {
            let layer = &self.layers[l];
            let r = self.layout[2 * l].range.start..self.layout[2 * l + 1].range.end;
            let input = &self.acts[l];
            let dx = if l > 0 {
                next.resize(input.len(), T::zero());
                Some(&mut next[..])
            } else {
                None
            };
            let (p, g) = (&self.params[r.clone()], &mut self.grads[r]);
            layer.backward(p, input, &self.derivs[l], cur, g, dx)?;
            core::mem::swap(cur, next);
        }
        Ok(())
    }
}

/// `n` zeros, or `Error::Invalid` if they cannot be allocated (more bytes than `isize::MAX`,
/// or more than the allocator gives): `vec!` would panic or abort.
fn zeros<T: Scalar>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|e| Error::Invalid {
        what: "Mlp".into(),
        message: format!(
            "cannot allocate its {n} parameters ({e}): use smaller widths or fewer layers"
        ),
    })?;
    v.resize(n, T::zero());
    Ok(v)
}

/// The layers of widths `sizes`: `hidden` after each but the last, `output` after the last.
fn layers_of(sizes: &[usize], hidden: Activation, output: Activation) -> Result<Vec<Dense>> {
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(Error::Invalid {
            what: "Mlp".into(),
            message: format!(
                "sizes {sizes:?}: give at least an input and an output width, each at least 1 \
                 (e.g. [2, 16, 1])"
            ),
        });
    }
    let last = sizes.len() - 2;
    Ok(sizes
        .windows(2)
        .enumerate()
        .map(|(i, w)| Dense::new(w[0], w[1], if i == last { output } else { hidden }))
        .collect())
}

impl<T> Mlp<T> {
    /// The layer widths as text, for error messages: `"Mlp 2 → 16 → 1"`.
    fn describe(&self) -> String {
        let mut s = format!("Mlp {}", self.inputs());
        for l in &self.layers {
            s += &format!(" → {}", l.outputs);
        }
        s
    }

    /// The layers, input first.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[2, 8, 3], Activation::Relu, 0)?;
    /// let shapes: Vec<_> = mlp.layers().iter().map(|l| (l.inputs, l.outputs, l.activation)).collect();
    /// assert_eq!(shapes, [(2, 8, Activation::Relu), (8, 3, Activation::Identity)]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Width of an input row.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// assert_eq!(Mlp::<f32>::new(&[4, 8, 3], Activation::Relu, 0)?.inputs(), 4);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn inputs(&self) -> usize {
        self.layers[0].inputs
    }

    /// Width of an output row.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// assert_eq!(Mlp::<f32>::new(&[4, 8, 3], Activation::Relu, 0)?.outputs(), 3);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }

    /// Total number of parameters.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[4, 8, 3], Activation::Relu, 0)?;
    /// assert_eq!(mlp.num_params(), (4 * 8 + 8) + (8 * 3 + 3));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    /// All parameters, layer by layer: weight (`outputs × inputs`, row-major), then bias.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// let (w0, b0, w1, b1) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0]);
    /// let layers = [(&w0[..], &b0[..]), (&w1[..], &b1[..])];
    /// let mlp = Mlp::<f64>::from_weights(&[2, 2, 1], &layers, Activation::Tanh, Activation::Identity)?;
    /// assert_eq!(mlp.params(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// All parameters, mutable (to load or perturb them).
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// // One 1 → 1 layer: y = 2 x.
    /// let mut mlp = Mlp::<f64>::from_weights(&[1, 1], &[(&[2.0][..], &[0.0][..])], Activation::Tanh, Activation::Identity)?;
    /// assert_eq!(mlp.predict(&[3.0])?, [6.0]);
    /// mlp.params_mut()[1] = 1.0; // the bias
    /// assert_eq!(mlp.predict(&[3.0])?, [7.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// The gradients of the last [`backward`](Self::backward), in the parameters' layout.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// // One 1 → 1 layer: y = 2 x, so ∂y/∂w = x and ∂y/∂b = 1.
    /// let mut mlp = Mlp::<f64>::from_weights(&[1, 1], &[(&[2.0][..], &[0.0][..])], Activation::Tanh, Activation::Identity)?;
    /// assert_eq!(mlp.grads(), [0.0, 0.0]); // before any backward
    /// mlp.forward(&[3.0])?;
    /// mlp.backward(&[1.0])?;
    /// assert_eq!(mlp.grads(), [3.0, 1.0]);
    /// mlp.forward(&[5.0])?;
    /// mlp.backward(&[1.0])?;
    /// assert_eq!(mlp.grads(), [5.0, 1.0]); // overwritten, not accumulated
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn grads(&self) -> &[T] {
        &self.grads
    }

    /// Parameters and gradients together, for an optimizer: `opt.step(params, grads)`.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// use autograd::optim::{Optimizer, Sgd};
    /// // One 1 → 1 layer: y = 2 x.
    /// let mut mlp = Mlp::<f64>::from_weights(&[1, 1], &[(&[2.0][..], &[0.0][..])], Activation::Tanh, Activation::Identity)?;
    /// mlp.forward(&[3.0])?;
    /// mlp.backward(&[1.0])?; // gradients [x, 1] = [3, 1]
    /// let (params, grads) = mlp.params_and_grads();
    /// Sgd::new(0.5).step(params, grads)?;
    /// assert_eq!(mlp.params(), [2.0 - 0.5 * 3.0, 0.0 - 0.5 * 1.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn params_and_grads(&mut self) -> (&mut [T], &[T]) {
        (&mut self.params, &self.grads)
    }

    /// Each layer's weight and bias: name, shape, and place in [`params`](Self::params).
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, 0)?;
    /// let names: Vec<_> = mlp.layout().iter().map(|t| (t.name.as_str(), t.shape.clone())).collect();
    /// assert_eq!(names, [
    ///     ("layers.0.weight", vec![3, 2]), ("layers.0.bias", vec![3]),
    ///     ("layers.1.weight", vec![1, 3]), ("layers.1.bias", vec![1]),
    /// ]);
    /// assert_eq!(mlp.layout()[3].range, 12..13);
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn layout(&self) -> &[ParamTensor] {
        &self.layout
    }

    /// The weight (`outputs × inputs`, row-major) and bias of layer `l` (0-based).
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no layer `l`.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, 0)?;
    /// let (w, b) = mlp.layer_params(1)?;
    /// assert_eq!((w.len(), b.len()), (3, 1));
    /// assert!(mlp.layer_params(2).is_err());
    /// # Ok::<(), autograd_runtime::Error>(())
    /// ```
    pub fn layer_params(&self, l: usize) -> Result<(&[T], &[T])> {
        // The layout holds a weight and a bias per layer, in layer order.
        let tensors = l
            .checked_mul(2)
            .and_then(|i| Some((self.layout.get(i)?, self.layout.get(i + 1)?)));
        let params = tensors.and_then(|(w, b)| {
            Some((
                self.params.get(w.range.clone())?,
                self.params.get(b.range.clone())?,
            ))
        });
        params.ok_or_else(|| Error::Invalid {
            what: format!("layer_params of {}", self.describe()),
            message: format!(
                "no layer {l}: there are {} layers, numbered from 0",
                self.layers.len()
            ),
        })
    }

    /// The parameters as named tensors, for `train::save_tensors`.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// let mlp = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, 0)?;
    /// let tensors = mlp.named_params();
    /// let names: Vec<_> = tensors.iter().map(|t| (t.name, t.shape)).collect();
    /// assert_eq!(names, [
    ///     ("layers.0.weight", &[3, 2][..]), ("layers.0.bias", &[3][..]),
    ///     ("layers.1.weight", &[1, 3][..]), ("layers.1.bias", &[1][..]),
    /// ]);
    /// assert_eq!(tensors[2].data, &mlp.params()[9..12]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    #[cfg(feature = "safetensors")]
    pub fn named_params(&self) -> Vec<NamedTensor<'_, T>> {
        self.layout
            .iter()
            .map(|t| NamedTensor::new(&t.name, &t.shape, &self.params[t.range.clone()]))
            .collect()
    }
}

#[cfg(feature = "safetensors")]
impl<T: Scalar> Mlp<T> {
    /// Saves the parameters to a safetensors file (atomically), as `layers.{i}.weight` /
    /// `layers.{i}.bias` in PyTorch's `Linear` layout.
    ///
    /// # Errors
    /// As `train::save_tensors`.
    ///
    /// ```
    /// use autograd_runtime::nn::{Activation, Mlp};
    /// let path = std::env::temp_dir().join(format!("doc-mlp-{}.safetensors", std::process::id()));
    /// let a = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, 1)?;
    /// a.save(&path)?;
    /// let mut b = Mlp::<f32>::new(&[2, 4, 1], Activation::Tanh, 2)?;
    /// b.load(&path)?;
    /// assert_eq!(a.params(), b.params());
    /// // A model of another shape cannot load it.
    /// assert!(Mlp::<f32>::new(&[2, 5, 1], Activation::Tanh, 2)?.load(&path).is_err());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_tensors(path, &self.named_params())
    }

    /// Loads parameters saved by [`save`](Self::save) (or any safetensors file with the same
    /// names, dtype and shapes).
    ///
    /// # Errors
    /// As `train::load_tensors`: a missing tensor or a wrong dtype or shape is an error. On error
    /// the parameters may be partly loaded.
    ///
    /// ```
    /// use autograd::nn::{Activation, Mlp};
    /// let path = std::env::temp_dir().join(format!("doc-mlp-load-{}.safetensors", std::process::id()));
    /// let mut trained = Mlp::<f64>::new(&[2, 3, 1], Activation::Relu, 1)?;
    /// trained.save(&path)?;
    /// let mut fresh = Mlp::<f64>::new(&[2, 3, 1], Activation::Relu, 2)?;
    /// fresh.load(&path)?;
    /// assert_eq!(fresh.predict(&[0.5, -1.0])?, trained.predict(&[0.5, -1.0])?);
    /// // The file holds f64 tensors: an f32 model of the same shape cannot load it.
    /// assert!(Mlp::<f32>::new(&[2, 3, 1], Activation::Relu, 2)?.load(&path).is_err());
    /// # std::fs::remove_file(&path)?;
    /// assert!(fresh.load(&path).is_err()); // no file
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let mut rest: &mut [T] = &mut self.params;
        let mut tensors = Vec::with_capacity(self.layout.len());
        for t in &self.layout {
            let (head, tail) = rest.split_at_mut(t.range.len());
            tensors.push(TensorMut::new(&t.name, &t.shape, head));
            rest = tail;
        }
        load_tensors(path, &mut tensors)?;
        self.ready = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_grad_slice;
    use crate::nn::loss;

    fn data(batch: usize, width: usize) -> Vec<f64> {
        (0..batch * width)
            .map(|i| (i as f64 * 0.613).sin() * 1.5)
            .collect()
    }

    /// The loss's gradient through the whole MLP against central differences, for each hidden
    /// activation, including a layer large enough for the matrixmultiply path.
    #[test]
    fn backward_matches_finite_differences() {
        for (sizes, batch) in [(&[3, 5, 4, 2][..], 6), (&[70, 64, 2][..], 64)] {
            for act in [
                Activation::Tanh,
                Activation::Sigmoid,
                Activation::Relu,
                Activation::Identity,
            ] {
                let mut mlp = Mlp::<f64>::new(sizes, act, 11).unwrap();
                // Nonzero biases, so relu's kinks are not hit exactly.
                let n = mlp.num_params();
                for t in mlp.layout.clone() {
                    if t.name.ends_with("bias") {
                        for (k, i) in t.range.enumerate() {
                            mlp.params[i] = 0.05 * (k as f64 + 1.0).cos();
                        }
                    }
                }
                let x = data(batch, sizes[0]);
                let target = data(batch, sizes[sizes.len() - 1]);
                let mut dy = vec![0.0; target.len()];
                let out = mlp.forward(&x).unwrap();
                loss::mse(out, &target, &mut dy).unwrap();
                mlp.backward(&dy).unwrap();
                let grads = mlp.grads().to_vec();
                let step = if n > 200 { 131 } else { 1 };
                for i in (0..n).step_by(step) {
                    let at = |v: &[f64]| {
                        let mut m = mlp.clone();
                        m.params[i] = v[0];
                        let out = m.predict(&x).unwrap().to_vec();
                        loss::mse(&out, &target, &mut vec![0.0; out.len()]).unwrap()
                    };
                    let r = check_grad_slice(at, &[mlp.params[i]], &[grads[i]]).unwrap();
                    assert!(
                        r.abs_error < 1e-6 * r.numeric.abs().max(1e-2),
                        "{act:?} {sizes:?} param {i}: {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn one_seed_gives_one_model_and_another_seed_another() {
        let a = Mlp::<f64>::new(&[2, 16, 16, 1], Activation::Tanh, 5).unwrap();
        let b = Mlp::<f64>::new(&[2, 16, 16, 1], Activation::Tanh, 5).unwrap();
        let c = Mlp::<f64>::new(&[2, 16, 16, 1], Activation::Tanh, 6).unwrap();
        assert_eq!(a.params(), b.params());
        assert_ne!(a.params(), c.params());
        // f32 and f64 models from one seed hold the same numbers, rounded.
        let d = Mlp::<f32>::new(&[2, 16, 16, 1], Activation::Tanh, 5).unwrap();
        assert!(a
            .params()
            .iter()
            .zip(d.params())
            .all(|(&x, &y)| x as f32 == y));
    }

    /// The documented procedure, reproduced independently: layer by layer, weights row by row
    /// from `Uniform(-a, a)` (Xavier) with `StdRng::seed_from_u64(seed)`, biases zero.
    #[test]
    fn initialisation_follows_the_documented_procedure() {
        use rand_distr::{Distribution, Normal, Uniform};
        let sizes = [3, 4, 2];
        let mlp = Mlp::<f64>::new(&sizes, Activation::Tanh, 9).unwrap();
        let mut rng = StdRng::seed_from_u64(9);
        let mut want = Vec::new();
        for w in sizes.windows(2) {
            let a = (6.0 / (w[0] + w[1]) as f64).sqrt();
            let u = Uniform::new_inclusive(-a, a).unwrap();
            want.extend((0..w[0] * w[1]).map(|_| u.sample(&mut rng)));
            want.extend(std::iter::repeat_n(0.0, w[1]));
        }
        assert_eq!(mlp.params(), &want[..]);
        // Relu: He normal.
        let mlp = Mlp::<f64>::new(&[3, 4], Activation::Relu, 9).unwrap();
        let mut rng = StdRng::seed_from_u64(9);
        let n = Normal::new(0.0, (2.0_f64 / 3.0).sqrt()).unwrap();
        let want: Vec<f64> = (0..12).map(|_| n.sample(&mut rng)).collect();
        assert_eq!(&mlp.params()[..12], &want[..]);
    }

    #[test]
    fn layer_params_are_views_of_params() {
        let mlp = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, 0).unwrap();
        let (w, b) = mlp.layer_params(1).unwrap();
        assert_eq!(w, &mlp.params()[9..12]);
        assert_eq!(b, &mlp.params()[12..13]);
    }

    #[test]
    fn a_layer_that_does_not_exist_is_an_error() {
        let mlp = Mlp::<f32>::new(&[2, 3, 1], Activation::Tanh, 0).unwrap();
        let err = mlp.layer_params(2).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "layer_params of Mlp 2 → 3 → 1: no layer 2: there are 2 layers, numbered from 0"
        );
        // Where `2 * l` would overflow.
        assert!(mlp.layer_params(usize::MAX).is_err());
    }

    #[test]
    fn bad_shapes_are_errors_in_words() {
        let mut mlp = Mlp::<f64>::new(&[2, 3, 1], Activation::Tanh, 0).unwrap();
        let err = mlp.forward(&[1.0; 3]).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "wrong shape for the input of Mlp 2 → 3 → 1 (layer 0): expected rows of 2 features, \
             one row per sample (a multiple of 2 values), got 3 values (1 whole rows and 1 left \
             over)"
        );
        mlp.forward(&[1.0; 4]).unwrap();
        let err = mlp.backward(&[1.0; 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong shape for the output gradient dy of Mlp 2 → 3 → 1 (layer 1): expected 2 \
             values: 2 rows of 1 outputs, the shape the last forward returned, got 3 values"
        );
    }

    #[test]
    fn backward_after_predict_is_an_error() {
        let mut mlp = Mlp::<f64>::new(&[2, 3, 1], Activation::Tanh, 0).unwrap();
        mlp.predict(&[1.0; 2]).unwrap();
        let err = mlp.backward(&[1.0]).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().contains("call forward (not predict)"),
            "{err}"
        );
    }

    #[test]
    fn bad_sizes_and_layers_are_errors() {
        for sizes in [&[][..], &[3], &[2, 0, 1], &[0, 1]] {
            let err = Mlp::<f64>::new(sizes, Activation::Tanh, 0).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{sizes:?}: {err:?}");
            assert!(err.to_string().contains("e.g. [2, 16, 1]"), "{err}");
        }
        let err = Mlp::<f64>::from_layers(Vec::new(), Init::He, 0).unwrap_err();
        assert!(err.to_string().contains("at least one layer"), "{err}");
        let layers = vec![
            Dense::new(2, 3, Activation::Tanh),
            Dense::new(4, 1, Activation::Identity),
        ];
        let err = Mlp::<f64>::from_layers(layers, Init::He, 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Mlp: layer 0 has 3 outputs but layer 1 takes 4 inputs: they must be equal"
        );
        let layers = vec![Dense::new(2, 0, Activation::Tanh)];
        assert!(Mlp::<f64>::from_layers(layers, Init::He, 0).is_err());
    }

    #[test]
    fn widths_whose_parameters_overflow_usize_are_an_error() {
        for sizes in [&[usize::MAX, 2][..], &[2, usize::MAX / 2, 4]] {
            let err = Mlp::<f32>::new(sizes, Activation::Tanh, 0).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert!(
                err.to_string().contains("more than usize can count"),
                "{err}"
            );
        }
        // The new user's case: 2^33 × 2^33 weights.
        #[cfg(target_pointer_width = "64")]
        {
            let err = Mlp::<f32>::new(&[1 << 33, 1 << 33], Activation::Tanh, 0).unwrap_err();
            assert!(
                err.to_string().starts_with(
                    "Mlp: layer 0 is 8589934592 → 8589934592: the model's parameters are more \
                     than usize can count"
                ),
                "{err}"
            );
        }
    }

    /// 2^62 `f32` parameters fit in `usize` but not in memory (2^64 bytes): `vec!` would panic.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn parameters_that_cannot_be_allocated_are_an_error() {
        let err = Mlp::<f32>::new(&[1 << 31, 1 << 31], Activation::Tanh, 0).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("Mlp: cannot allocate its"),
            "{err}"
        );
    }

    #[test]
    fn from_weights_with_a_non_finite_value_is_an_error_naming_it() {
        let (w0, b0) = ([0.5; 6], [0.0; 3]);
        let (w1, b1) = ([0.25; 3], [0.0; 1]);
        let build = |pairs: &[(&[f64], &[f64])]| {
            Mlp::<f64>::from_weights(&[2, 3, 1], pairs, Activation::Tanh, Activation::Identity)
        };
        let mut w = w0;
        w[3] = f64::NAN;
        let err = build(&[(&w, &b0), (&w1, &b1)]).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Mlp::from_weights for Mlp 2 → 3 → 1: the weight of layer 0 is NaN at index 3 (row \
             1, column 1 of [out, in] = [3, 2]): every weight and bias must be finite"
        );
        let err = build(&[(&w0, &b0), (&w1, &[f64::NEG_INFINITY])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Mlp::from_weights for Mlp 2 → 3 → 1: the bias of layer 1 is -inf at index 0: \
             every weight and bias must be finite"
        );
        assert!(build(&[(&w0, &b0), (&w1, &b1)]).is_ok());
    }

    /// Weights in PyTorch's `[out, in]` layout give PyTorch's `x Wᵀ + b`, computed here by hand.
    #[test]
    fn from_weights_uses_the_out_in_layout() {
        let w0 = [0.5, -1.0, 2.0, 0.25, 1.5, -0.5]; // [3, 2]
        let b0 = [0.1, 0.2, 0.3];
        let w1 = [1.0, -2.0, 0.5]; // [1, 3]
        let b1 = [-0.25];
        let mut mlp = Mlp::<f64>::from_weights(
            &[2, 3, 1],
            &[(&w0, &b0), (&w1, &b1)],
            Activation::Tanh,
            Activation::Identity,
        )
        .unwrap();
        let x = [0.7, -1.3];
        let h: Vec<f64> = (0..3)
            .map(|o| (w0[2 * o] * x[0] + w0[2 * o + 1] * x[1] + b0[o]).tanh())
            .collect();
        let y = w1[0] * h[0] + w1[1] * h[1] + w1[2] * h[2] + b1[0];
        let got = mlp.predict(&x).unwrap()[0];
        assert!((got - y).abs() < 1e-14, "{got} vs {y}");
        assert_eq!(mlp.layer_params(1).unwrap(), (&w1[..], &b1[..]));
    }

    #[test]
    fn from_weights_with_wrong_counts_is_an_error() {
        let (w0, b0) = ([0.0; 6], [0.0; 3]);
        let (w1, b1) = ([0.0; 3], [0.0; 1]);
        let build = |pairs: &[(&[f64], &[f64])]| {
            Mlp::<f64>::from_weights(&[2, 3, 1], pairs, Activation::Tanh, Activation::Identity)
        };
        let err = build(&[(&w0, &b0)]).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("need 2 (weight, bias) pairs, got 1"),
            "{err}"
        );
        let err = build(&[(&w0, &b0), (&w0, &b1)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong shape for the weight of layer 1 (3 → 1) of Mlp 2 → 3 → 1: expected [out, in] \
             = [1, 3], 3 values row-major (PyTorch's layout), got 6 values"
        );
        let err = build(&[(&w0, &b1), (&w1, &b1)]).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected 3 values, one per output"),
            "{err}"
        );
        assert!(build(&[(&w0, &b0), (&w1, &b1)]).is_ok());
    }
}
