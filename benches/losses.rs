//! The runtime's losses as `grad!` functions (issue 15, "Use it") against hand-written loops, at
//! 16, 1,024 and 65,536 elements, f64 and f32, one thread, in `LOSS_ROUNDS` rounds (default 3;
//! each round starts with another contender, `common/rounds.rs`).
//!
//! - MSE: `new` is `nn::loss::mse`, the `grad!` kernel `sse_block` over blocks of 16; `old` the
//!   hand-written loop it replaced (`autograd-runtime/src/nn/loss_by_hand.rs`).
//! - BCE with logits: `old` is `nn::loss::bce_with_logits`, which stayed a hand-written loop
//!   over the kernel `bce_logit`; `new` the candidate it was measured against, the same kernel
//!   summed over blocks of 16 by a `grad!` function (`bce_block` below, as `nn::loss` would
//!   have it).
//! - Both: `slice_into` is the direct form, one `grad!` function over the slices (`mse_slice`,
//!   `bce_slice`) through `_grad_into` with one reused gradient: what the losses would cost if
//!   `_grad_into` could write into the caller's `&mut [T]`, timed without the copy into `grad`
//!   that the public signature would need today.
//!
//! Softmax cross-entropy, 8 classes per row: `old` is `nn::loss::softmax_cross_entropy` (still
//! hand-written), `slice_into` the best `grad!` formulation there is (`sce_slice`: one-hot
//! targets and row maxima as constant slices, built per call into reused buffers, timed with it).
//!
//! Every contender is checked against `old` before it is timed. `python3 bench/losses_table.py`
//! prints the medians and the ratios to `old` (median over rounds of the per-round ratio).
//!
//! ```sh
//! cargo bench --bench losses
//! python3 bench/losses_table.py
//! ```

use std::hint::black_box;

use autograd::nn::kernels::{bce_logit, bce_logit_grad};
use autograd::nn::loss;
use autograd::{grad, Real};
use criterion::{criterion_group, criterion_main, Criterion};
use rounds::{rotated, rounds};

#[path = "../autograd-runtime/src/nn/loss_by_hand.rs"]
mod by_hand;
#[path = "common/rounds.rs"]
mod rounds;

/// Elements per block of `bce_block`, as `nn::loss`'s `sse_block`.
const BLOCK: usize = 16;

grad! {
    /// The BCE candidate: `scale · Σ bce_logit(z, y)` over a block (`kernels::bce_logit`).
    #[wrt(z)]
    #[inline(always)]
    fn bce_block(z: [T; BLOCK], y: [T; BLOCK], scale) {
        let mut s = 0.0;
        for i in 0..BLOCK {
            s += bce_logit(z[i], y[i]);
        }
        s * scale
    }

    /// MSE as one function over the slices.
    #[wrt(pred)]
    fn mse_slice(pred: &[T], target: &[T]) {
        let mut s = 0.0;
        for i in 0..pred.len() {
            s += (pred[i] - target[i]).powi(2);
        }
        s / pred.len()
    }

    /// BCE with logits as one function over the slices, in the stable form of `nn::loss`.
    #[wrt(z)]
    fn bce_slice(z: &[T], y: &[T]) {
        let mut s = 0.0;
        for i in 0..z.len() {
            s += z[i].max(0.0) - z[i] * y[i] + (-z[i].abs()).exp().ln_1p();
        }
        s / z.len()
    }

    /// Softmax cross-entropy: rows of `z.len() / m.len()` logits, `m` the row maxima (constants:
    /// the value does not depend on them), `onehot` the labels.
    #[wrt(z)]
    fn sce_slice(z: &[T], onehot: &[T], m: &[T]) {
        let mut total = 0.0;
        for r in 0..m.len() {
            let mut s = 0.0;
            for c in 0..z.len() / m.len() {
                s += (z[r * (z.len() / m.len()) + c] - m[r]).exp();
            }
            total += m[r] + s.ln();
        }
        for i in 0..z.len() {
            total -= onehot[i] * z[i];
        }
        total / m.len()
    }
}

/// BCE with logits through [`bce_block`], the rest through `kernels::bce_logit_grad`, with
/// the length checks of `nn::loss`.
fn bce_blocks<T: Real>(z: &[T], y: &[T], grad: &mut [T]) -> autograd::Result<T> {
    if z.len() != y.len() || z.len() != grad.len() || z.is_empty() {
        return Err(autograd::Error::Empty { what: "loss input" });
    }
    let scale = T::one() / T::lit(z.len() as f64);
    let (z_blocks, z_rest) = z.as_chunks::<BLOCK>();
    let (y_blocks, y_rest) = y.as_chunks::<BLOCK>();
    let (g_blocks, g_rest) = grad.as_chunks_mut::<BLOCK>();
    let mut sum = T::zero();
    for ((z, y), g) in z_blocks.iter().zip(y_blocks).zip(g_blocks) {
        let (v, d) = bce_block_grad(*z, *y, scale);
        sum += v;
        *g = d.z;
    }
    for ((&z, &y), g) in z_rest.iter().zip(y_rest).zip(g_rest) {
        let (v, d) = bce_logit_grad(z, y);
        sum += v * scale;
        *g = d.z * scale;
    }
    Ok(sum)
}

const LENGTHS: [usize; 3] = [16, 1024, 65536];
const CLASSES: usize = 8;

/// Deterministic values in [lo, hi) from an integer hash (splitmix64), as W5's.
fn uniform<T: Real>(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<T> {
    (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let u = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
            T::lit(lo + (hi - lo) * u)
        })
        .collect()
}

/// Panics unless `got` matches `want` to `tol` relative to `max(|want|, 1)` in every partial,
/// and in the value to `n ε` relative (the sums are added in another order; `old` adds all `n`
/// terms in one chain, which in f32 at 65,536 elements is off by 1e-5 relative, the blocks by
/// 7e-7).
fn check<T: Real + std::fmt::Debug>(name: &str, got: (T, &[T]), want: (T, &[T]), tol: f64) {
    let close = |a: T, b: T| (a - b).abs() <= T::lit(tol) * b.abs().max(T::one());
    let n = T::lit(got.1.len() as f64);
    let value_tol = (T::epsilon() * n).max(T::lit(tol)) * want.0.abs().max(T::one());
    assert!(
        (got.0 - want.0).abs() <= value_tol,
        "{name}: value {:?} vs {:?}",
        got.0,
        want.0
    );
    for (i, (a, b)) in got.1.iter().zip(want.1).enumerate() {
        assert!(close(*a, *b), "{name}: ∂{i} {a:?} vs {b:?}");
    }
}

type Contender<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Each contender of `group` (name `GROUP`, then `GROUP_r2`, ...) for 1 s per round; calls of
/// 100 µs and more with flat sampling (`rounds::flat_group`), so criterion keeps to that second.
fn time_in_rounds(c: &mut Criterion, group: &str, n: usize, contenders: &mut [Contender<'_>]) {
    for round in rounds("LOSS_ROUNDS") {
        let mut grp = if n >= 65536 {
            rounds::flat_group(c, group, round)
        } else {
            rounds::group(c, group, round)
        };
        for (id, f) in rotated(contenders, round) {
            grp.bench_function(*id, |b| b.iter(&mut *f));
        }
        grp.finish();
    }
}

fn tol<T: Real>() -> f64 {
    if T::epsilon() > T::lit(1e-10) {
        1e-5
    } else {
        1e-12
    }
}

type Loss<T> = fn(&[T], &[T], &mut [T]) -> autograd::Result<T>;
type SliceLoss<T> = fn(&[T], &[T], &mut Vec<T>) -> T;

/// `mse_slice_grad_into` on a gradient whose `Vec` is `g` (moved in and out: no allocation).
fn mse_slice_into<T: Real>(a: &[T], b: &[T], g: &mut Vec<T>) -> T {
    let mut grad = MseSliceGrad {
        pred: std::mem::take(g),
    };
    let v = mse_slice_grad_into(a, b, &mut grad);
    *g = grad.pred;
    v
}

/// `bce_slice_grad_into`, as [`mse_slice_into`].
fn bce_slice_into<T: Real>(a: &[T], b: &[T], g: &mut Vec<T>) -> T {
    let mut grad = BceSliceGrad {
        z: std::mem::take(g),
    };
    let v = bce_slice_grad_into(a, b, &mut grad);
    *g = grad.z;
    v
}

/// MSE (`kind` "mse") or BCE with logits ("bce") of `n` elements in `T`.
fn pointwise<T: Real + std::fmt::Debug>(c: &mut Criterion, kind: &str, ty: &str, n: usize) {
    let name = format!("loss_{kind}_{ty}_n{n}");
    let (a, b): (Vec<T>, Vec<T>);
    let (old, new, slice_into): (Loss<T>, Loss<T>, SliceLoss<T>);
    if kind == "mse" {
        (a, b) = (uniform(n, 1, -3.0, 3.0), uniform(n, 2, -3.0, 3.0));
        (old, new, slice_into) = (by_hand::mse, loss::mse, mse_slice_into);
    } else {
        (a, b) = (uniform(n, 3, -6.0, 6.0), uniform(n, 4, 0.0, 1.0));
        (old, new, slice_into) = (loss::bce_with_logits, bce_blocks, bce_slice_into);
    }
    let mut g_old = vec![T::zero(); n];
    let v_old = old(&a, &b, &mut g_old).unwrap();
    let mut g_new = vec![T::zero(); n];
    let v_new = new(&a, &b, &mut g_new).unwrap();
    check(
        &format!("{name} new"),
        (v_new, &g_new),
        (v_old, &g_old),
        tol::<T>(),
    );
    let mut g_slice = Vec::new();
    let v_slice = slice_into(&a, &b, &mut g_slice);
    check(
        &format!("{name} slice_into"),
        (v_slice, &g_slice),
        (v_old, &g_old),
        tol::<T>(),
    );

    let mut contenders: Vec<Contender<'_>> = vec![
        (
            "old",
            Box::new(|| {
                black_box(old(black_box(&a), black_box(&b), black_box(&mut g_old)).unwrap());
            }),
        ),
        (
            "new",
            Box::new(|| {
                black_box(new(black_box(&a), black_box(&b), black_box(&mut g_new)).unwrap());
            }),
        ),
        (
            "slice_into",
            Box::new(|| {
                black_box(slice_into(
                    black_box(&a),
                    black_box(&b),
                    black_box(&mut g_slice),
                ));
            }),
        ),
    ];
    time_in_rounds(c, &name, n, &mut contenders);
}

/// The `grad!` formulation of softmax cross-entropy with its buffers: one-hot targets and row
/// maxima, sized once and filled per call; the gradient reused.
struct SceSlice<T> {
    onehot: Vec<T>,
    m: Vec<T>,
    grad: SceSliceGrad<T>,
}

impl<T: Real> SceSlice<T> {
    fn new(n: usize) -> Self {
        SceSlice {
            onehot: vec![T::zero(); n],
            m: vec![T::zero(); n / CLASSES],
            grad: SceSliceGrad { z: Vec::new() },
        }
    }

    fn run(&mut self, z: &[T], labels: &[usize]) -> T {
        self.onehot.fill(T::zero());
        let rows = z.chunks_exact(CLASSES).zip(&mut self.m).zip(labels);
        for (r, ((row, m), &label)) in rows.enumerate() {
            *m = row.iter().copied().fold(T::neg_infinity(), T::max);
            self.onehot[r * CLASSES + label] = T::one();
        }
        sce_slice_grad_into(z, &self.onehot, &self.m, &mut self.grad)
    }
}

/// Softmax cross-entropy over `n` logits in rows of `CLASSES`, in `T`.
fn softmax<T: Real + std::fmt::Debug>(c: &mut Criterion, ty: &str, n: usize) {
    let name = format!("loss_sce_{ty}_n{n}");
    let z: Vec<T> = uniform(n, 5, -6.0, 6.0);
    let labels: Vec<usize> = (0..n / CLASSES).map(|r| (r * 7 + 3) % CLASSES).collect();
    let mut g_old = vec![T::zero(); n];
    let v_old = loss::softmax_cross_entropy(&z, &labels, &mut g_old).unwrap();
    let mut sce = SceSlice::new(n);
    let v_slice = sce.run(&z, &labels);
    check(
        &format!("{name} slice_into"),
        (v_slice, &sce.grad.z),
        (v_old, &g_old),
        tol::<T>(),
    );
    let mut contenders: Vec<Contender<'_>> = vec![
        (
            "old",
            Box::new(|| {
                let l = loss::softmax_cross_entropy(black_box(&z), black_box(&labels), &mut g_old);
                black_box(l.unwrap());
            }),
        ),
        (
            "slice_into",
            Box::new(|| {
                black_box(sce.run(black_box(&z), black_box(&labels)));
            }),
        ),
    ];
    time_in_rounds(c, &name, n, &mut contenders);
}

fn losses(c: &mut Criterion) {
    for n in LENGTHS {
        pointwise::<f64>(c, "mse", "f64", n);
        pointwise::<f32>(c, "mse", "f32", n);
        pointwise::<f64>(c, "bce", "f64", n);
        pointwise::<f32>(c, "bce", "f32", n);
        softmax::<f64>(c, "f64", n);
        softmax::<f32>(c, "f32", n);
    }
}

criterion_group!(benches, losses);
criterion_main!(benches);
