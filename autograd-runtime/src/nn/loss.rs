//! Losses: each returns its value and writes its gradient with respect to the predictions (or
//! logits) into a buffer the caller owns, so a training step allocates nothing.
//!
//! All are means over the batch, as PyTorch's default `reduction="mean"`, except [`sse`].

use super::kernels;
use crate::{Error, Real, Result};

/// Mean squared error `Σ (p - t)² / n` over all elements; `grad = 2 (p - t) / n`.
///
/// # Errors
/// [`Error::Empty`] for empty input, [`Error::LengthMismatch`] if `pred`, `target` and `grad`
/// differ in length.
///
/// ```
/// use autograd_runtime::nn::loss;
/// let mut g = [0.0; 2];
/// let l = loss::mse(&[1.0, 3.0], &[0.0, 1.0], &mut g)?;
/// assert_eq!((l, g), (2.5, [1.0, 2.0]));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn mse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    let sum = sse(pred, target, grad)?;
    let inv = T::one() / T::lit(pred.len() as f64);
    grad.iter_mut().for_each(|g| *g *= inv);
    Ok(sum / T::lit(pred.len() as f64))
}

/// Sum of squared errors `Σ (p - t)²` (micrograd's loss); `grad = 2 (p - t)`.
///
/// # Errors
/// As [`mse`].
///
/// ```
/// use autograd_runtime::nn::loss;
/// let mut g = [0.0; 2];
/// assert_eq!(loss::sse(&[1.0, 3.0], &[0.0, 1.0], &mut g)?, 5.0);
/// assert_eq!(g, [2.0, 4.0]);
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn sse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    lengths(pred.len(), target.len(), grad.len())?;
    let mut sum = T::zero();
    for ((&p, &t), g) in pred.iter().zip(target).zip(grad.iter_mut()) {
        let (v, partials) = kernels::sq_err_grad(p, t);
        let dp = partials.p;
        sum += v;
        *g = dp;
    }
    Ok(sum)
}

/// Binary cross-entropy of logits `z` (predicted probability `σ(z)`) for targets in `[0, 1]`,
/// averaged; `grad = (σ(z) - y) / n`. Computed from the logits, so it is exact in the tails
/// where `σ(z)` rounds to 0 or 1 (PyTorch's `BCEWithLogitsLoss`).
///
/// # Errors
/// As [`mse`].
///
/// ```
/// use autograd_runtime::nn::loss;
/// let mut g = [0.0; 2];
/// let l = loss::bce_with_logits(&[0.0, 1000.0], &[1.0, 1.0], &mut g)?;
/// assert!((l - 2.0_f64.ln() / 2.0).abs() < 1e-15);
/// assert_eq!(g, [-0.25, 0.0]);
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn bce_with_logits<T: Real>(logits: &[T], targets: &[T], grad: &mut [T]) -> Result<T> {
    lengths(logits.len(), targets.len(), grad.len())?;
    let n = T::lit(logits.len() as f64);
    let inv = T::one() / n;
    let mut sum = T::zero();
    for ((&z, &y), g) in logits.iter().zip(targets).zip(grad.iter_mut()) {
        let (v, partials) = kernels::bce_logit_grad(z, y);
        let dz = partials.z;
        sum += v;
        *g = dz * inv;
    }
    Ok(sum / n)
}

/// Softmax cross-entropy: `logits` holds one row of `classes = logits.len() / labels.len()`
/// scores per sample, `labels` the true class of each; returns the mean over rows of
/// `logsumexp(row) - row[label]` and writes `grad = (softmax(row) - onehot(label)) / rows`.
/// The row maximum is subtracted before exponentiating, so logits of ±1000 are fine.
///
/// # Errors
/// [`Error::Empty`] without labels; [`Error::LengthMismatch`] if `grad` and `logits` differ in
/// length; [`Error::Shape`] if `logits` is not `labels.len()` rows of at least one class, or a
/// label is not below `classes`.
///
/// ```
/// use autograd_runtime::nn::loss;
/// let logits = [1000.0, -1000.0, 0.0, 0.0]; // two rows of two classes
/// let mut g = [0.0; 4];
/// let l = loss::softmax_cross_entropy(&logits, &[0, 1], &mut g)?;
/// assert!((l - 2.0_f64.ln() / 2.0).abs() < 1e-15); // row 0 is certain, row 1 a coin flip
/// assert_eq!(g, [0.0, 0.0, 0.25, -0.25]);
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn softmax_cross_entropy<T: Real>(logits: &[T], labels: &[usize], grad: &mut [T]) -> Result<T> {
    let rows = labels.len();
    if rows == 0 {
        return Err(Error::Empty {
            what: "softmax cross-entropy labels",
        });
    }
    if logits.is_empty() || !logits.len().is_multiple_of(rows) {
        return Err(Error::Shape {
            what: "the logits of softmax cross-entropy".into(),
            expected: format!(
                "{rows} rows (one per label) of at least one class: a multiple of {rows} values"
            ),
            found: format!("{} values", logits.len()),
        });
    }
    if grad.len() != logits.len() {
        return Err(Error::LengthMismatch {
            what: "logits and gradient",
            left: logits.len(),
            right: grad.len(),
        });
    }
    let classes = logits.len() / rows;
    let inv = T::one() / T::lit(rows as f64);
    let mut sum = T::zero();
    for ((row, g), &label) in logits
        .chunks_exact(classes)
        .zip(grad.chunks_exact_mut(classes))
        .zip(labels)
    {
        if label >= classes {
            return Err(Error::Shape {
                what: "a label of softmax cross-entropy".into(),
                expected: format!(
                    "a class index below {classes} (the logits have {classes} per row)"
                ),
                found: format!("label {label}"),
            });
        }
        // logsumexp(row) = m + ln Σ e^(z - m): every exponent ≤ 0, one of them 0.
        let m = row.iter().copied().fold(T::neg_infinity(), T::max);
        let mut total = T::zero();
        for (&z, gi) in row.iter().zip(g.iter_mut()) {
            *gi = (z - m).exp();
            total += *gi;
        }
        sum += m + total.ln() - row[label];
        let scale = inv / total;
        g.iter_mut().for_each(|gi| *gi *= scale);
        g[label] -= inv;
    }
    Ok(sum * inv)
}

fn lengths(pred: usize, target: usize, grad: usize) -> Result<()> {
    for (what, other) in [
        ("predictions and targets", target),
        ("predictions and gradient", grad),
    ] {
        if pred != other {
            return Err(Error::LengthMismatch {
                what,
                left: pred,
                right: other,
            });
        }
    }
    if pred == 0 {
        return Err(Error::Empty { what: "loss input" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Loss<'a> = &'a dyn Fn(&[f64], &mut [f64]) -> Result<f64>;

    /// A loss's gradient against central differences of its value (`check_grad_slice`),
    /// element by element, each to `1e-7 · max(|numeric|, 1e-3)`.
    fn check(name: &str, x: &[f64], loss: Loss<'_>) {
        let mut g = vec![f64::NAN; x.len()];
        loss(x, &mut g).unwrap();
        let mut scratch = vec![0.0; x.len()];
        for i in 0..x.len() {
            let at = |v: &[f64]| {
                let mut y = x.to_vec();
                y[i] = v[0];
                loss(&y, &mut scratch).unwrap()
            };
            let r = crate::check::check_grad_slice(at, &[x[i]], &[g[i]]).unwrap();
            assert!(
                r.abs_error < 1e-7 * r.numeric.abs().max(1e-3),
                "{name} ∂{i}: {r}"
            );
        }
    }

    fn values(n: usize) -> Vec<f64> {
        (0..n).map(|i| (i as f64 * 0.77).sin() * 3.0).collect()
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = values(12);
        let t: Vec<f64> = (0..12).map(|i| (i as f64 * 0.3).cos()).collect();
        let y01: Vec<f64> = (0..12).map(|i| [0.0, 1.0, 0.3][i % 3]).collect();
        let labels = [2, 0, 1, 1];
        check("mse", &x, &|p, g| mse(p, &t, g));
        check("sse", &x, &|p, g| sse(p, &t, g));
        check("bce_with_logits", &x, &|z, g| bce_with_logits(z, &y01, g));
        check("softmax_cross_entropy", &x, &|z, g| {
            softmax_cross_entropy(z, &labels, g)
        });
    }

    #[test]
    fn values_match_their_definitions() {
        let x = values(6);
        let t = [0.5, -1.0, 2.0, 0.0, 1.0, 0.25];
        let mut g = [0.0; 6];
        let want: f64 = x.iter().zip(&t).map(|(p, t)| (p - t) * (p - t)).sum();
        assert!((mse(&x, &t, &mut g).unwrap() - want / 6.0).abs() < 1e-14);
        let y = [0.0, 1.0, 1.0, 0.0, 0.5, 1.0];
        let want: f64 = x
            .iter()
            .zip(&y)
            .map(|(z, y)| {
                let p = 1.0 / (1.0 + (-z).exp());
                -y * p.ln() - (1.0 - y) * (1.0 - p).ln()
            })
            .sum();
        assert!((bce_with_logits(&x, &y, &mut g).unwrap() - want / 6.0).abs() < 1e-14);
        // Two rows of three classes: -ln softmax(row)[label], averaged.
        let labels = [1, 2];
        let want: f64 = x
            .chunks(3)
            .zip(labels)
            .map(|(r, l)| -(r[l].exp() / r.iter().map(|z| z.exp()).sum::<f64>()).ln())
            .sum();
        assert!((softmax_cross_entropy(&x, &labels, &mut g).unwrap() - want / 2.0).abs() < 1e-14);
    }

    #[test]
    fn softmax_cross_entropy_is_stable_at_plus_minus_1000() {
        for (row, label, want) in [
            ([1000.0, 0.0, -1000.0], 0, 0.0),
            ([1000.0, 0.0, -1000.0], 1, 1000.0),
            ([1000.0, 0.0, -1000.0], 2, 2000.0),
            ([-1000.0, -1000.0, -1000.0], 1, 3.0_f64.ln()),
            ([1000.0, 1000.0, -1000.0], 0, 2.0_f64.ln()),
        ] {
            let mut g = [0.0; 3];
            let l = softmax_cross_entropy(&row, &[label], &mut g).unwrap();
            assert!(
                (l - want).abs() <= 1e-12 * want.max(1.0),
                "{row:?} {label}: {l}"
            );
            assert!(g.iter().all(|x| x.is_finite()), "{g:?}");
            // The gradient is softmax - onehot: it sums to 0.
            assert!(g.iter().sum::<f64>().abs() < 1e-15);
        }
        let mut g = [0.0_f32; 2];
        let l = softmax_cross_entropy(&[1000.0_f32, -1000.0], &[1], &mut g).unwrap();
        assert_eq!((l, g), (2000.0, [1.0, -1.0]));
        // And the binary loss at ±1000.
        let mut g = [0.0; 2];
        let l = bce_with_logits(&[1000.0, -1000.0], &[0.0, 1.0], &mut g).unwrap();
        assert_eq!((l, g), (1000.0, [0.5, -0.5]));
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut g = [0.0; 3];
        assert!(matches!(
            mse(&[1.0; 3], &[1.0; 2], &mut g),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            mse(&[1.0; 2], &[1.0; 2], &mut g),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            mse::<f64>(&[], &[], &mut []),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            bce_with_logits::<f64>(&[], &[], &mut []),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            softmax_cross_entropy(&[1.0; 3], &[], &mut g),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            softmax_cross_entropy(&[1.0; 3], &[0, 0], &mut g),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            softmax_cross_entropy(&[1.0; 3], &[3], &mut g),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            softmax_cross_entropy(&[1.0; 4], &[0, 1], &mut g),
            Err(Error::LengthMismatch { .. })
        ));
    }
}
