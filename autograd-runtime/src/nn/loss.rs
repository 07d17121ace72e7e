//! Losses: each returns its value and writes its gradient with respect to the predictions (or
//! logits) into a buffer the caller owns, so a training step allocates nothing.
//!
//! All are means over the batch, as PyTorch's default `reduction="mean"`, except [`sse`].
//!
//! MSE, SSE and binary cross-entropy are `grad!` functions (the runtime is the macro's first
//! user): each is a loop over a block of 16 elements (`sse_block`, `bce_block`, parameters
//! `[T; 16]`), run over the input's whole blocks, and the per-element kernels of
//! [`kernels`](super::kernels) (also `grad!`) take the last `len % 16`. Not one function over
//! the slice, because the gradient of a `&[T]` parameter is a `Vec<T>` field that the caller's
//! `grad: &mut [T]` cannot lend without a `Vec` of our own per call (an allocation) or a copy;
//! a block's gradient is a `[T; 16]`, returned by value and stored straight into `grad`. The
//! old hand-written loops are kept in `loss_by_hand.rs`, the reference of the tests below.
//!
//! Softmax cross-entropy stays hand-written: its labels are `usize` indices and its rows have a
//! length known only at run time, neither of which a `grad!` body can take without a
//! `Vec` per call (see [`softmax_cross_entropy`]).

use autograd_macros::grad;

use super::kernels::{self, bce_logit, bce_logit_grad};
use crate::{Error, Real, Result};

/// Elements per call of the generated kernels `sse_block` and `bce_block`.
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

    /// `scale · Σ bce_logit(z, y)` over one block: the per-element kernel of
    /// [`kernels`](super::kernels), whose two branches (one per sign of `z`) neither overflow
    /// nor lose the tails, and whose derivative is `σ(z) - y` everywhere, `z = 0` included.
    #[wrt(z)]
    #[inline(always)]
    fn bce_block(z: [T; BLOCK], y: [T; BLOCK], scale) {
        let mut s = 0.0;
        for i in 0..BLOCK {
            s += bce_logit(z[i], y[i]);
        }
        s * scale
    }
}

/// `scale · Σ f(aᵢ, bᵢ)`, and its gradient in `a` written into `grad` (lengths checked by the
/// caller): whole blocks through `block` (value and gradient of `BLOCK` elements), the rest
/// through `element` (value and partial of one).
#[inline(always)]
fn by_blocks<T: Real>(
    a: &[T],
    b: &[T],
    grad: &mut [T],
    scale: T,
    block: impl Fn([T; BLOCK], [T; BLOCK], T) -> (T, [T; BLOCK]),
    element: impl Fn(T, T) -> (T, T),
) -> T {
    let (a_blocks, a_rest) = a.as_chunks::<BLOCK>();
    let (b_blocks, b_rest) = b.as_chunks::<BLOCK>();
    let (g_blocks, g_rest) = grad.as_chunks_mut::<BLOCK>();
    let mut sum = T::zero();
    for ((a, b), g) in a_blocks.iter().zip(b_blocks).zip(g_blocks) {
        let (v, d) = block(*a, *b, scale);
        sum += v;
        *g = d;
    }
    for ((&a, &b), g) in a_rest.iter().zip(b_rest).zip(g_rest) {
        let (v, d) = element(a, b);
        sum += v * scale;
        *g = d * scale;
    }
    sum
}

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
    lengths(pred.len(), target.len(), grad.len())?;
    let inv = T::one() / T::lit(pred.len() as f64);
    Ok(sq_err_sum(pred, target, grad, inv))
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
    Ok(sq_err_sum(pred, target, grad, T::one()))
}

/// `scale · Σ (p - t)²` and its gradient, for [`mse`] and [`sse`].
#[inline(always)]
fn sq_err_sum<T: Real>(pred: &[T], target: &[T], grad: &mut [T], scale: T) -> T {
    by_blocks(
        pred,
        target,
        grad,
        scale,
        |p, t, scale| {
            let (v, d) = sse_block_grad(p, t, scale);
            (v, d.pred)
        },
        |p, t| {
            let (v, d) = kernels::sq_err_grad(p, t);
            (v, d.p)
        },
    )
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
    let inv = T::one() / T::lit(logits.len() as f64);
    Ok(by_blocks(
        logits,
        targets,
        grad,
        inv,
        |z, y, scale| {
            let (v, d) = bce_block_grad(z, y, scale);
            (v, d.z)
        },
        |z, y| {
            let (v, d) = kernels::bce_logit_grad(z, y);
            (v, d.z)
        },
    ))
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

    /// Lengths that take only the per-element kernels (1, 12), one block (16), blocks and a
    /// rest (37).
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
    /// in another order), each gradient element to `4 ε · scale` absolute, where `scale` is
    /// what one element's partial is multiplied by (`1/n` for the means; BCE's `σ(z) - y`
    /// cancels, so its error is relative to that scale, not to the result).
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
            let (t, y01) = targets(n);
            let t: Vec<T> = t.into_iter().map(T::lit).collect();
            let y01: Vec<T> = y01.into_iter().map(T::lit).collect();
            let inv = T::one() / T::lit(n as f64);
            same_as_by_hand("mse", mse, by_hand::mse, &x, &t, inv);
            same_as_by_hand("sse", sse, by_hand::sse, &x, &t, T::one());
            same_as_by_hand(
                "bce",
                bce_with_logits,
                by_hand::bce_with_logits,
                &x,
                &y01,
                inv,
            );
        }
    }

    #[test]
    fn the_grad_kernels_agree_with_the_hand_written_loops() {
        compare_with_by_hand::<f64>();
        compare_with_by_hand::<f32>();
    }

    /// BCE in a block, where the generated `bce_block` (not the per-element kernel) computes it:
    /// exact at ±1000 and ±10⁴ in both precisions, and `σ(0) - y` at `z = ±0`.
    fn bce_blocks_are_stable<T: Real + std::fmt::Debug>() {
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
    fn bce_with_logits_is_stable_in_blocks() {
        bce_blocks_are_stable::<f64>();
        bce_blocks_are_stable::<f32>();
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
