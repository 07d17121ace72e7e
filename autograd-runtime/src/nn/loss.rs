//! Losses: each returns its value and writes its gradient with respect to the predictions (or
//! logits) into a buffer the caller owns, so a training step allocates nothing.
//!
//! All are means over the batch, as PyTorch's default `reduction="mean"`, except [`sse`].
//!
//! A NaN or an infinity in the input is an error ([`Error::NonFinite`]) that names the first
//! element (or row, for softmax cross-entropy) where it is, so it never reaches the gradient
//! and, through an optimizer step, every parameter. So is a loss term that overflows from
//! finite inputs (a squared error above `f64::MAX`, or `f32::MAX`, from predictions that have
//! diverged): its `inf` would say nothing about the model but that it must not take the step.
//! The check costs one comparison per call, of the finished sum; only when it fails is the
//! input walked again to find the element. On error the gradient buffer holds no meaningful
//! values.
//!
//! ```
//! use autograd::nn::loss;
//! let (pred, target) = ([1.0_f64, 2.0, 5.0, 0.0], [0.0, 2.0, 3.0, 0.0]); // errors 1, 0, 2, 0
//! let mut grad = [0.0; 4]; // the caller's buffer, overwritten by each call
//! assert_eq!(loss::sse(&pred, &target, &mut grad)?, 5.0);
//! assert_eq!(grad, [2.0, 0.0, 4.0, 0.0]); // 2 (p - t)
//! assert_eq!(loss::mse(&pred, &target, &mut grad)?, 5.0 / 4.0);
//! assert_eq!(grad, [0.5, 0.0, 1.0, 0.0]); // 2 (p - t) / n
//! assert!(loss::mse(&pred, &target[..3], &mut grad).is_err());
//! # Ok::<(), autograd::Error>(())
//! ```
//!
//! # How they are written
//!
//! MSE and SSE are a `grad!` function (the runtime is the macro's first user): `sse_block`, the
//! squared error of a block of 16 elements (parameters `[T; 16]`), run over the input's whole
//! blocks, with the per-element kernel `kernels::sq_err` (also `grad!`) for the last `len % 16`.
//! Not one function over the slice: the gradient of a `&[T]` parameter is a `Vec<T>` field
//! that `_grad_into` fills, and the caller's `grad: &mut [T]` is no `Vec`, so it would cost a
//! `Vec` per call (an allocation) or a kept one and a copy; a block's gradient is a `[T; 16]`,
//! returned by value and stored straight into `grad`. The blocks' sums are independent, so
//! MSE runs in 0.77–0.84 of the time of the hand-written loop it replaced at 16 elements and
//! 0.36–0.40 at 1,024 and 65,536 (f64 and f32, three runs of `benches/losses.rs`; numbers in
//! `bench/losses.md`). That loop is kept in `loss_by_hand.rs`, the reference of the tests.
//!
//! Binary cross-entropy stays a hand-written loop over the `grad!` kernel `kernels::bce_logit`:
//! summed in `grad!` blocks the same way it took up to 1.12 of the time. Softmax cross-entropy
//! stays hand-written: a `grad!` body cannot index by its `usize` labels, and its rows, of a
//! length known only at run time, would be `&[T]` parameters with `Vec` gradients; the best
//! formulation over slices took 2–3 times as long. Their source says more.

use autograd_macros::grad;

use super::kernels;
use crate::{Error, Real, Result};

/// Elements per call of the generated kernel `sse_block`.
const BLOCK: usize = 16;

grad! {
    /// `scale · Σ (p - t)²` over one block, even and odd elements summed apart: two chains of
    /// additions half as long, which is what a block of 16 waits for.
    #[wrt(pred)]
    #[inline(always)]
    fn sse_block(pred: [T; BLOCK], target: [T; BLOCK], scale) {
        let mut even = 0.0;
        let mut odd = 0.0;
        for i in 0..BLOCK / 2 {
            even += (pred[2 * i] - target[2 * i]).powi(2);
            odd += (pred[2 * i + 1] - target[2 * i + 1]).powi(2);
        }
        (even + odd) * scale
    }
}

/// Mean squared error `Σ (p - t)² / n` over all elements; `grad = 2 (p - t) / n`.
///
/// # Errors
/// [`Error::Empty`] for empty input, [`Error::LengthMismatch`] if `pred`, `target` and `grad`
/// differ in length, [`Error::NonFinite`] with the index of the first element whose
/// prediction (`what: "prediction"`), target (`"target"`) or squared error (it overflows) is
/// NaN or infinite (see the [module docs](self)).
///
/// ```
/// use autograd_runtime::{nn::loss, Error};
/// let mut g = [0.0; 2];
/// let l = loss::mse(&[1.0, 3.0], &[0.0, 1.0], &mut g)?;
/// assert_eq!((l, g), (2.5, [1.0, 2.0]));
/// // A NaN in the data is an error that names its element, not a NaN loss.
/// let err = loss::mse(&[1.0, 3.0], &[0.0, f64::NAN], &mut g).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "target", sample: 1 }), "{err:?}");
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn mse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    lengths(pred.len(), target.len(), grad.len())?;
    let inv = T::one() / T::lit(pred.len() as f64);
    let sum = sq_err_sum(pred, target, grad, inv);
    if !sum.is_finite() {
        return Err(first_non_finite_sq_err(pred, target, inv));
    }
    Ok(sum)
}

/// Sum of squared errors `Σ (p - t)²` (micrograd's loss); `grad = 2 (p - t)`.
///
/// # Errors
/// As [`mse`].
///
/// ```
/// use autograd_runtime::{nn::loss, Error};
/// let mut g = [0.0; 2];
/// assert_eq!(loss::sse(&[1.0, 3.0], &[0.0, 1.0], &mut g)?, 5.0);
/// assert_eq!(g, [2.0, 4.0]);
/// let err = loss::sse(&[1.0, f64::INFINITY], &[0.0, 1.0], &mut g).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "prediction", sample: 1 }), "{err:?}");
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn sse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    lengths(pred.len(), target.len(), grad.len())?;
    let sum = sq_err_sum(pred, target, grad, T::one());
    if !sum.is_finite() {
        return Err(first_non_finite_sq_err(pred, target, T::one()));
    }
    Ok(sum)
}

/// The error for the first element of a non-finite `scale · Σ (p - t)²`: a non-finite
/// prediction or target, else a squared error that overflows, else (every term finite) the
/// sum that overflows. Off the hot path: run only once the sum is known to be bad.
#[cold]
#[inline(never)]
fn first_non_finite_sq_err<T: Real>(pred: &[T], target: &[T], scale: T) -> Error {
    for (i, (&p, &t)) in pred.iter().zip(target).enumerate() {
        let what = if !p.is_finite() {
            "prediction"
        } else if !t.is_finite() {
            "target"
        } else if !(kernels::sq_err(p, t) * scale).is_finite() {
            "squared error (prediction and target are finite; it overflows)"
        } else {
            continue;
        };
        return Error::NonFinite { what, sample: i };
    }
    sum_overflows()
}

/// Every term is finite, their sum is not.
fn sum_overflows() -> Error {
    Error::NonFinite {
        what: "sum of the loss terms (every term is finite; the sum overflows) from",
        sample: 0,
    }
}

/// `scale · Σ (p - t)²`, and its gradient written into `grad` (lengths checked by the caller):
/// whole blocks through `sse_block_grad`, the rest through `kernels::sq_err_grad`.
#[inline(always)]
fn sq_err_sum<T: Real>(pred: &[T], target: &[T], grad: &mut [T], scale: T) -> T {
    let (p_blocks, p_rest) = pred.as_chunks::<BLOCK>();
    let (t_blocks, t_rest) = target.as_chunks::<BLOCK>();
    let (g_blocks, g_rest) = grad.as_chunks_mut::<BLOCK>();
    let mut sum = T::zero();
    for ((p, t), g) in p_blocks.iter().zip(t_blocks).zip(g_blocks) {
        let (v, d) = sse_block_grad(*p, *t, scale);
        sum += v;
        *g = d.pred;
    }
    for ((&p, &t), g) in p_rest.iter().zip(t_rest).zip(g_rest) {
        let (v, d) = kernels::sq_err_grad(p, t);
        sum += v * scale;
        *g = d.p * scale;
    }
    sum
}

/// Binary cross-entropy of logits `z` (predicted probability `σ(z)`) for targets in `[0, 1]`,
/// averaged; `grad = (σ(z) - y) / n`. Computed from the logits, so it is exact in the tails
/// where `σ(z)` rounds to 0 or 1 (PyTorch's `BCEWithLogitsLoss`).
///
/// # Errors
/// As [`mse`], with `what: "logit"` for a non-finite logit and a loss term instead of a
/// squared error.
///
/// ```
/// use autograd_runtime::{nn::loss, Error};
/// let mut g = [0.0; 2];
/// let l = loss::bce_with_logits(&[0.0, 1000.0], &[1.0, 1.0], &mut g)?;
/// assert!((l - 2.0_f64.ln() / 2.0).abs() < 1e-15);
/// assert_eq!(g, [-0.25, 0.0]);
/// let err = loss::bce_with_logits(&[f64::NAN, 0.0], &[1.0, 1.0], &mut g).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "logit", sample: 0 }), "{err:?}");
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn bce_with_logits<T: Real>(logits: &[T], targets: &[T], grad: &mut [T]) -> Result<T> {
    // A hand-written loop over the `grad!` kernel `bce_logit`. The blocks MSE uses, with the
    // same kernel summed over 16 elements, were slower: 0.98–1.06 of this loop's time at 16
    // and 1,024 elements, 1.01–1.12 at 65,536, f64 and f32 (three runs, `bench/losses.md`).
    // Each element costs one `exp` and one `ln_1p` either way, so the blocks have nothing to
    // win, and the stable `max`/`abs` form in a block was slower still (1.07–1.16).
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
    if !sum.is_finite() {
        return Err(first_non_finite_bce(logits, targets));
    }
    Ok(sum / n)
}

/// As [`first_non_finite_sq_err`], for [`bce_with_logits`].
#[cold]
#[inline(never)]
fn first_non_finite_bce<T: Real>(logits: &[T], targets: &[T]) -> Error {
    for (i, (&z, &y)) in logits.iter().zip(targets).enumerate() {
        let what = if !z.is_finite() {
            "logit"
        } else if !y.is_finite() {
            "target"
        } else if !kernels::bce_logit(z, y).is_finite() {
            "loss term (logit and target are finite; it overflows)"
        } else {
            continue;
        };
        return Error::NonFinite { what, sample: i };
    }
    sum_overflows()
}

/// Softmax cross-entropy: `logits` holds one row of `classes = logits.len() / labels.len()`
/// scores per sample, `labels` the true class of each; returns the mean over rows of
/// `logsumexp(row) - row[label]` and writes `grad = (softmax(row) - onehot(label)) / rows`.
/// The row maximum is subtracted before exponentiating, so logits of ±1000 are fine.
///
/// A logit of `-inf` at a class other than the row's label is allowed: it is how a class is
/// masked out (probability 0, gradient 0), and the loss stays finite, as in PyTorch. Any other
/// non-finite logit is an error.
///
/// # Errors
/// [`Error::Empty`] without labels; [`Error::LengthMismatch`] if `grad` and `logits` differ in
/// length; [`Error::Shape`] if `logits` is not `labels.len()` rows of at least one class, or a
/// label is not below `classes`; [`Error::NonFinite`] with the first row (`sample`) that holds
/// a NaN or `+inf` logit or a `-inf` one at its label (`what: "row of logits"`), or whose
/// loss term overflows from finite logits (see the [module docs](self)).
///
/// ```
/// use autograd_runtime::{nn::loss, Error};
/// let logits = [1000.0, -1000.0, 0.0, 0.0]; // two rows of two classes
/// let mut g = [0.0; 4];
/// let l = loss::softmax_cross_entropy(&logits, &[0, 1], &mut g)?;
/// assert!((l - 2.0_f64.ln() / 2.0).abs() < 1e-15); // row 0 is certain, row 1 a coin flip
/// assert_eq!(g, [0.0, 0.0, 0.25, -0.25]);
/// // A masked class: -inf off the label is probability 0.
/// let l = loss::softmax_cross_entropy(&[0.0, f64::NEG_INFINITY], &[0], &mut g[..2])?;
/// assert_eq!((l, &g[..2]), (0.0, &[0.0, 0.0][..]));
/// let err = loss::softmax_cross_entropy(&[0.0, 0.0, 0.0, f64::NAN], &[0, 1], &mut g).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "row of logits", sample: 1 }), "{err:?}");
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
pub fn softmax_cross_entropy<T: Real>(logits: &[T], labels: &[usize], grad: &mut [T]) -> Result<T> {
    // Hand-written. A `grad!` body takes no `usize` labels (parameters are numbers, and an
    // index is built from loop variables, literals, constants and `.len()`, never read from
    // data), and a row whose length is known only at run time is a `&[T]` parameter, whose
    // gradient is a `Vec`. The best formulation there is (`sce_slice` in `benches/losses.rs`:
    // one-hot targets and row maxima as constant slices, a `Vec` gradient kept across calls)
    // computes `exp` three times per logit and took 2.1–2.9× the time of this loop, which
    // computes it once and keeps it in `grad`.
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
    // A NaN or +inf logit makes its row's `total` NaN, a -inf at the label makes its term
    // +inf: either way the sum is not finite.
    if !sum.is_finite() {
        return Err(first_non_finite_sce(logits, labels, classes));
    }
    Ok(sum * inv)
}

/// As [`first_non_finite_sq_err`], for [`softmax_cross_entropy`], by row (the labels were
/// checked to be below `classes`).
#[cold]
#[inline(never)]
fn first_non_finite_sce<T: Real>(logits: &[T], labels: &[usize], classes: usize) -> Error {
    for (r, (row, &label)) in logits.chunks_exact(classes).zip(labels).enumerate() {
        let bad = |(c, &z): (usize, &T)| {
            z.is_nan() || z == T::infinity() || (c == label && z == T::neg_infinity())
        };
        let what = if row.iter().enumerate().any(bad) {
            "row of logits"
        } else {
            // The term as the loss computes it.
            let m = row.iter().copied().fold(T::neg_infinity(), T::max);
            let total: T = row.iter().map(|&z| (z - m).exp()).sum();
            if (m + total.ln() - row[label]).is_finite() {
                continue;
            }
            "loss term (the logits are finite; it overflows) of the row"
        };
        return Error::NonFinite { what, sample: r };
    }
    sum_overflows()
}

// Inline: at 16 elements the call (the bench includes `loss_by_hand.rs`, whose copy inlines)
// was 2–3 ns of a 15–20 ns loss.
#[inline]
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
#[path = "loss_by_hand.rs"]
mod by_hand;

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

    /// Targets for `mse`/`sse` and for `bce_with_logits` (in `[0, 1]`) of length `n`.
    fn targets(n: usize) -> (Vec<f64>, Vec<f64>) {
        let t = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
        let y01 = (0..n).map(|i| [0.0, 1.0, 0.3][i % 3]).collect();
        (t, y01)
    }

    /// Lengths that take only `kernels::sq_err` (1, 12), one block of `sse_block` (16), blocks
    /// and a rest (37).
    #[test]
    fn gradients_match_finite_differences() {
        for n in [1, 12, 16, 37] {
            let x = values(n);
            let (t, y01) = targets(n);
            check(&format!("mse {n}"), &x, &|p, g| mse(p, &t, g));
            check(&format!("sse {n}"), &x, &|p, g| sse(p, &t, g));
            check(&format!("bce_with_logits {n}"), &x, &|z, g| {
                bce_with_logits(z, &y01, g)
            });
        }
        let x = values(12);
        let labels = [2, 0, 1, 1];
        check("softmax_cross_entropy", &x, &|z, g| {
            softmax_cross_entropy(z, &labels, g)
        });
    }

    type Pair<T> = fn(&[T], &[T], &mut [T]) -> Result<T>;

    /// `new` against `old` on the same input: the value to `n ε` relative (the sums are added
    /// in another order), each gradient element to `4 ε · scale · max(|old|, 1)`, where `scale`
    /// is what one element's partial is multiplied by (`1/n` for the mean).
    fn same_as_by_hand<T: Real + std::fmt::Debug>(
        name: &str,
        new: Pair<T>,
        old: Pair<T>,
        a: &[T],
        b: &[T],
        scale: T,
    ) {
        let n = a.len();
        let (mut g_new, mut g_old) = (vec![T::nan(); n], vec![T::nan(); n]);
        let v_new = new(a, b, &mut g_new).unwrap();
        let v_old = old(a, b, &mut g_old).unwrap();
        let tol = T::epsilon() * T::lit(n.max(4) as f64) * v_old.abs().max(T::min_positive_value());
        assert!(
            (v_new - v_old).abs() <= tol,
            "{name} {n}: {v_new:?} vs {v_old:?}"
        );
        for (i, (gn, go)) in g_new.iter().zip(&g_old).enumerate() {
            let tol = T::lit(4.0) * T::epsilon() * scale * go.abs().max(T::one());
            assert!(
                (*gn - *go).abs() <= tol,
                "{name} {n} ∂{i}: {gn:?} vs {go:?}"
            );
        }
    }

    fn compare_with_by_hand<T: Real + std::fmt::Debug>() {
        for n in [1, 2, 15, 16, 17, 33, 100, 1000] {
            let x: Vec<T> = values(n).into_iter().map(T::lit).collect();
            let t: Vec<T> = targets(n).0.into_iter().map(T::lit).collect();
            let inv = T::one() / T::lit(n as f64);
            same_as_by_hand("mse", mse, by_hand::mse, &x, &t, inv);
            same_as_by_hand("sse", sse, by_hand::sse, &x, &t, T::one());
        }
    }

    #[test]
    fn the_grad_blocks_agree_with_the_hand_written_loop() {
        compare_with_by_hand::<f64>();
        compare_with_by_hand::<f32>();
    }

    /// BCE exact at ±1000 and ±10⁴ in both precisions, and `σ(0) - y` at `z = ±0`.
    fn bce_is_stable<T: Real + std::fmt::Debug>() {
        let z: Vec<T> = [1000.0, -1000.0, 1e4, -1e4, 0.0, -0.0, 0.0, 1000.0]
            .repeat(2)
            .into_iter()
            .map(T::lit)
            .collect();
        let y: Vec<T> = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.25, 1.0]
            .repeat(2)
            .into_iter()
            .map(T::lit)
            .collect();
        // Per element: the loss and σ(z) - y.
        let want = [
            (1000.0, 1.0),
            (1000.0, -1.0),
            (0.0, 0.0),
            (0.0, 0.0),
            (2.0_f64.ln(), -0.5),
            (2.0_f64.ln(), 0.5),
            (2.0_f64.ln(), 0.25),
            (0.0, 0.0),
        ];
        let mut g = vec![T::nan(); 16];
        let l = bce_with_logits(&z, &y, &mut g).unwrap();
        let sum: f64 = want.iter().map(|w| w.0).sum::<f64>() * 2.0;
        let want_l = T::lit(sum / 16.0);
        assert!(
            (l - want_l).abs() <= T::lit(8.0) * T::epsilon() * want_l,
            "{l:?}"
        );
        for (i, gi) in g.iter().enumerate() {
            assert_eq!(*gi, T::lit(want[i % 8].1 / 16.0), "∂{i} of {g:?}");
        }
    }

    #[test]
    fn bce_with_logits_is_stable_in_both_precisions() {
        bce_is_stable::<f64>();
        bce_is_stable::<f32>();
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

    /// The `what` and `sample` of an `Error::NonFinite`; panics on anything else.
    fn non_finite<T: std::fmt::Debug>(r: Result<T>) -> (&'static str, usize) {
        match r {
            Err(Error::NonFinite { what, sample }) => (what, sample),
            other => panic!("expected Error::NonFinite, got {other:?}"),
        }
    }

    /// 37 elements: two blocks of `sse_block` and a rest of 5, with `bad` at `at`.
    fn with(at: usize, bad: f64) -> Vec<f64> {
        let mut x = values(37);
        x[at] = bad;
        x
    }

    #[test]
    fn a_non_finite_prediction_is_an_error_naming_its_element() {
        let (t, _) = targets(37);
        let mut g = vec![0.0; 37];
        // In a block, in the rest, and the first of two.
        for (at, bad) in [(20, f64::NAN), (34, f64::INFINITY), (3, f64::NEG_INFINITY)] {
            let mut p = with(at, bad);
            p[at + 1] = f64::NAN;
            assert_eq!(non_finite(mse(&p, &t, &mut g)), ("prediction", at));
            assert_eq!(non_finite(sse(&p, &t, &mut g)), ("prediction", at));
        }
        let err = mse(&with(5, f64::NAN), &t, &mut g).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the prediction at sample 5 is NaN or infinite: check that sample's data and the \
             parameters"
        );
    }

    #[test]
    fn a_non_finite_target_is_an_error_naming_its_element() {
        let p = values(37);
        let mut g = vec![0.0; 37];
        assert_eq!(
            non_finite(mse(&p, &with(33, f64::NAN), &mut g)),
            ("target", 33)
        );
        let mut t = vec![0.0_f32; 16];
        t[15] = f32::INFINITY;
        let p32 = vec![1.0_f32; 16];
        assert_eq!(non_finite(sse(&p32, &t, &mut [0.0; 16])), ("target", 15));
    }

    #[test]
    fn a_squared_error_that_overflows_is_an_error() {
        // Finite inputs, (p - t)² above f32::MAX: predictions that have diverged.
        let p = [0.0_f32, 2e19, 0.0];
        let (what, sample) = non_finite(mse(&p, &[0.0; 3], &mut [0.0; 3]));
        assert_eq!(sample, 1);
        assert!(what.starts_with("squared error"), "{what}");
    }

    #[test]
    fn a_sum_that_overflows_from_finite_terms_is_an_error() {
        // Each (p - t)² is 1e308, their sum is not finite.
        let (what, sample) = non_finite(sse(&[1e154, 1e154], &[0.0; 2], &mut [0.0; 2]));
        assert_eq!(sample, 0);
        assert!(what.starts_with("sum of the loss terms"), "{what}");
    }

    #[test]
    fn a_non_finite_logit_or_target_of_bce_is_an_error_naming_its_element() {
        let (_, y) = targets(37);
        let mut g = vec![0.0; 37];
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            // At an element whose target is 0, 1 and 0.3: no product with it may hide the bad
            // value (0 · inf is NaN, but 0 · x is 0).
            for at in [30, 31, 32] {
                let got = bce_with_logits(&with(at, bad), &y, &mut g);
                assert_eq!(non_finite(got), ("logit", at), "{bad} at {at}");
            }
        }
        let mut y = y;
        y[36] = f64::NAN;
        assert_eq!(
            non_finite(bce_with_logits(&values(37), &y, &mut g)),
            ("target", 36)
        );
    }

    #[test]
    fn a_bce_term_that_overflows_is_an_error() {
        // z - z y = 4e38 > f32::MAX (3.4e38) for a target outside [0, 1].
        let (what, sample) = non_finite(bce_with_logits(&[2e38_f32], &[-1.0], &mut [0.0]));
        assert_eq!(sample, 0);
        assert!(what.starts_with("loss term"), "{what}");
    }

    #[test]
    fn a_nan_or_plus_inf_logit_is_an_error_naming_its_row() {
        let labels = [0, 1, 2, 0];
        let mut g = [0.0; 12];
        for bad in [f64::NAN, f64::INFINITY] {
            for at in [0, 4, 11] {
                let mut z = values(12);
                z[at] = bad;
                let got = softmax_cross_entropy(&z, &labels, &mut g);
                assert_eq!(non_finite(got), ("row of logits", at / 3), "{bad} at {at}");
            }
        }
    }

    #[test]
    fn minus_inf_is_a_masked_class_off_the_label_and_an_error_at_it() {
        // Off the label: probability 0, the other classes as if it were not there.
        let mut g = [0.0; 3];
        let l = softmax_cross_entropy(&[1.0, f64::NEG_INFINITY, 1.0], &[0], &mut g).unwrap();
        assert!((l - 2.0_f64.ln()).abs() < 1e-15, "{l}");
        assert_eq!(g, [-0.5, 0.0, 0.5]);
        // At the label: probability 0 for the true class, an infinite loss.
        let z = [0.0, 0.0, 0.0, 1.0, f64::NEG_INFINITY, 1.0];
        let got = softmax_cross_entropy(&z, &[2, 1], &mut [0.0; 6]);
        assert_eq!(non_finite(got), ("row of logits", 1));
    }

    #[test]
    fn a_softmax_term_that_overflows_is_an_error_naming_its_row() {
        // Finite logits, m - z[label] = 2e308.
        let z = [0.0, 1.0, 1e308, -1e308];
        let (what, sample) = non_finite(softmax_cross_entropy(&z, &[0, 1], &mut [0.0; 4]));
        assert_eq!(sample, 1);
        assert!(what.starts_with("loss term"), "{what}");
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
            sse::<f32>(&[], &[], &mut []),
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
