//! W5 of issue 15: gradients of functions with arrays and loops (DESIGN.md §2b), f64, one
//! thread, every contender of a workload in the same run, in `W5_ROUNDS` rounds (default 5;
//! each round starts with another contender, as W1–W3 do, `common/rounds.rs`).
//!
//! - W5a Rosenbrock over a slice at N = 10, 1,000, 100,000: `rosen_grad_into` (one reused
//!   gradient), two hand-written loops (`hand`: value and gradient fused in one pass, each
//!   `g[i]` written once; `hand_zeroed`: `g.fill(0)` then `g[i] +=`, `g[i + 1] +=`, W1b's
//!   hand-written gradient over a slice), the `reverse` tape crate (tape cleared and reused),
//!   num-dual's `gradient` on `DVector` (forward mode with N tangents, so O(N²): N ≤ 1,000).
//! - W5b least squares of a quadratic model over 1,000,000 samples, gradient in (w0, w1, w2):
//!   `quad_sse_grad` (loop over the slices), a hand-written fused loop, and the runtime's
//!   `batch::mean_grad` around a per-sample `grad!` kernel (its mean scaled back to a sum).
//! - W5c a recurrence `h = tanh(w·h + u·x + c)` over T = 1,000 steps, loss `(h − y)²`, gradient
//!   in (w, u, c, h0): `rnn_grad`, hand-written backprop through time (same `tanh_fast`, h of
//!   every step stored), num-dual forward mode with 4 tangents (`DualSVec64<4>`).
//! - W5d micrograd's MLP(3, [4, 4, 1]) written with arrays, local arrays and loops, against W1c's
//!   unrolled `grad!` function and its hand-written gradient (`common/w1.rs`).
//!
//! Before anything is timed, every contender's value and gradient is checked against the
//! hand-written one (relative 1e-9; num-dual computes `tanh` with glibc, we with `tanh_fast`,
//! both within 2 ulp). `bench/w5_table.py` turns criterion's medians into the W5 section of
//! BENCHMARKS.md (ratios to the hand-written contender, the median of the rounds' ratios).
//!
//! ```sh
//! W5_ROUNDS=3 cargo bench --bench w5_loops -- --warm-up-time 1 --measurement-time 3
//! python3 bench/w5_table.py
//! ```

use std::hint::black_box;

use autograd::{batch, grad, Real};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use criterion::{measurement::WallTime, Throughput};
use nalgebra::{DVector, SVector};
use num_dual::{DualDVec64, DualNum, DualSVec64};
use rounds::{rotated, rounds};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w1.rs"]
mod w1;

grad! {
    /// Rosenbrock in N dimensions, differentiated in every element.
    pub fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }

    /// Least squares of a quadratic model over data.
    #[wrt(w0, w1, w2)]
    pub fn quad_sse(w0, w1, w2, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = w0 + w1 * xs[i] + w2 * xs[i] * xs[i] - ys[i];
            s += r * r;
        }
        s
    }

    /// One sample of [`quad_sse`], the kernel for `batch::mean_grad`.
    #[wrt(w0, w1, w2)]
    pub fn quad(w0, w1, w2, x, y) {
        (w0 + w1 * x + w2 * x * x - y).powi(2)
    }

    /// A recurrence: `h` is overwritten each step.
    #[wrt(w, u, c, h0)]
    pub fn rnn(w, u, c, h0, y, xs: &[T]) {
        let mut h = h0;
        for &x in xs {
            h = (w * h + u * x + c).tanh();
        }
        (h - y).powi(2)
    }

    /// micrograd's MLP(3, [4, 4, 1]) with tanh everywhere and loss `(o − 1)²`: W1c with arrays.
    #[wrt(w1, b1, w2, b2, w3, b3)]
    pub fn mlp(w1: [[T; 3]; 4], b1: [T; 4], w2: [[T; 4]; 4], b2: [T; 4], w3: [T; 4], b3, x: [T; 3]) {
        let mut h = [0.0; 4];
        for j in 0..4 {
            let mut a = b1[j];
            for k in 0..3 {
                a += w1[j][k] * x[k];
            }
            h[j] = a.tanh();
        }
        let mut g = [0.0; 4];
        for j in 0..4 {
            let mut a = b2[j];
            for k in 0..4 {
                a += w2[j][k] * h[k];
            }
            g[j] = a.tanh();
        }
        let mut o = b3;
        for k in 0..4 {
            o += w3[k] * g[k];
        }
        (o.tanh() - 1.0).powi(2)
    }
}

/// Deterministic values in [lo, hi) from an integer hash (splitmix64).
fn uniform(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let u = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
            lo + (hi - lo) * u
        })
        .collect()
}

/// Panics unless `got` matches `want` to relative `tol` in every component.
fn check(name: &str, got: (f64, &[f64]), want: (f64, &[f64]), tol: f64) {
    w1::check(name, got, want, tol);
}

const EXACT: f64 = 1e-9;

/// The group of workload `name` in round `round` (`W5b`, `W5b_r2`, ...; see `common/rounds.rs`).
/// Warm-up and measurement times come from the command line (criterion's defaults otherwise).
fn group<'c>(c: &'c mut Criterion, name: &str, round: usize) -> BenchmarkGroup<'c, WallTime> {
    c.benchmark_group(rounds::group_name(name, round))
}

/// [`group`] for calls of a microsecond or more: flat sampling, 30 samples, so criterion does
/// not stretch the measurement time for its 100 linear samples.
fn slow_group<'c>(c: &'c mut Criterion, name: &str, round: usize) -> BenchmarkGroup<'c, WallTime> {
    let mut grp = group(c, name, round);
    grp.sampling_mode(SamplingMode::Flat).sample_size(30);
    grp
}

// ---------------------------------------------------------------------------------------------
// W5a: Rosenbrock over a slice

/// Value and gradient in one pass: term i contributes to g[i] and g[i + 1]; the g[i + 1] part is
/// carried to the next iteration, so every element is written once and nothing is zeroed.
#[inline(never)]
fn rosen_hand(x: &[f64], g: &mut [f64]) -> f64 {
    let n = x.len();
    assert!(n >= 1 && g.len() == n);
    let mut f = 0.0;
    let mut carry = 0.0;
    for i in 0..n - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        f += 100.0 * t * t + u * u;
        g[i] = carry - 400.0 * t * x[i] - 2.0 * u;
        carry = 200.0 * t;
    }
    g[n - 1] = carry;
    f
}

/// The loop most people write (W1b's hand-written gradient over a slice): zero the gradient,
/// then add each term's two partials in place.
#[inline(never)]
fn rosen_hand_zeroed(x: &[f64], g: &mut [f64]) -> f64 {
    g.fill(0.0);
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        f += 100.0 * t * t + u * u;
        g[i] += -400.0 * t * x[i] - 2.0 * u;
        g[i + 1] += 200.0 * t;
    }
    f
}

#[inline(never)]
fn rosen_ours(x: &[f64], g: &mut RosenGrad<f64>) -> f64 {
    rosen_grad_into(x, g)
}

/// The `reverse` crate: the tape is cleared and reused; `grad()` allocates the adjoint vector.
#[inline(never)]
fn rosen_reverse(tape: &reverse::Tape, x: &[f64]) -> (f64, Vec<f64>) {
    tape.clear();
    let v = tape.add_vars(x);
    let mut s = tape.add_var(0.0);
    for i in 0..v.len() - 1 {
        s = s + (v[i + 1] - v[i].powi(2)).powi(2) * 100.0 + (1.0 - v[i]).powi(2);
    }
    let d = s.grad();
    // The inputs were added first: input i is node i.
    (s.val, d[..x.len()].to_vec())
}

/// num-dual's `gradient` on a `DVector`: one forward pass with N tangents per value.
#[inline(never)]
fn rosen_num_dual(x: &DVector<f64>) -> (f64, DVector<f64>) {
    num_dual::gradient(
        |v: DVector<DualDVec64>| {
            let mut s = DualDVec64::from_re(0.0);
            for i in 0..v.len() - 1 {
                let t = &v[i + 1] - v[i].powi(2);
                let u = -&v[i] + 1.0;
                s += t.powi(2) * 100.0 + u.powi(2);
            }
            s
        },
        x,
    )
}

/// A timed call: the contender's value (the gradient stays in the closure's buffers).
type Call<'a> = (&'static str, Box<dyn FnMut(&[f64]) -> f64 + 'a>);

fn w5a(c: &mut Criterion) {
    for n in [10, 1_000, 100_000] {
        let x = uniform(n, 1, -1.2, 1.2);
        let mut g_hand = vec![0.0; n];
        let want = rosen_hand(&x, &mut g_hand);
        let mut g_zeroed = vec![1.0; n];
        let got = rosen_hand_zeroed(&x, &mut g_zeroed);
        check(
            &format!("W5a/{n} hand_zeroed"),
            (got, &g_zeroed),
            (want, &g_hand),
            EXACT,
        );
        let mut g = RosenGrad::default();
        let got = rosen_ours(&x, &mut g);
        check(
            &format!("W5a/{n} ours"),
            (got, &g.x),
            (want, &g_hand),
            EXACT,
        );
        let v = rosen(&x);
        check(&format!("W5a/{n} forward"), (v, &[]), (want, &[]), EXACT);
        let tape = reverse::Tape::new();
        let (v, d) = rosen_reverse(&tape, &x);
        check(&format!("W5a/{n} reverse"), (v, &d), (want, &g_hand), EXACT);
        // num-dual carries N tangents through every operation: O(N²), about 1 s a call at
        // N = 100,000 would be 10⁴ times N = 1,000's; not run there.
        let dual = n <= 1_000;
        let xd = DVector::from_vec(x.clone());
        if dual {
            let (v, d) = rosen_num_dual(&xd);
            let name = format!("W5a/{n} num_dual");
            check(&name, (v, d.as_slice()), (want, &g_hand), EXACT);
        }

        let mut calls: Vec<Call<'_>> = vec![
            ("hand", Box::new(|x| rosen_hand(x, &mut g_hand))),
            (
                "hand_zeroed",
                Box::new(|x| rosen_hand_zeroed(x, &mut g_zeroed)),
            ),
            ("ours", Box::new(|x| rosen_ours(x, &mut g))),
            ("reverse", Box::new(|x| rosen_reverse(&tape, x).0)),
            // Not a contender: the value alone, what the forward loop of `rosen_grad_into` costs.
            ("forward", Box::new(rosen::<f64>)),
        ];
        if dual {
            calls.push(("num_dual", Box::new(|_| rosen_num_dual(black_box(&xd)).0)));
        }
        for round in rounds("W5_ROUNDS") {
            let name = format!("W5a/{n}");
            let mut grp = if n <= 10 {
                group(c, &name, round)
            } else {
                slow_group(c, &name, round)
            };
            grp.throughput(Throughput::Elements(n as u64));
            for (id, f) in rotated(&mut calls, round) {
                grp.bench_function(*id, |b| b.iter(|| f(black_box(&x))));
            }
            grp.finish();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// W5b: least squares of a quadratic model over 1,000,000 samples

const SAMPLES: usize = 1_000_000;
const Q: [f64; 3] = [0.3, -0.7, 1.1];

/// The fused loop: the residual once, the sum and the three partials from it.
#[inline(never)]
fn quad_hand(xs: &[f64], ys: &[f64], w: [f64; 3]) -> (f64, [f64; 3]) {
    let (mut s, mut g0, mut g1, mut g2) = (0.0, 0.0, 0.0, 0.0);
    for (&x, &y) in xs.iter().zip(ys) {
        let r = w[0] + w[1] * x + w[2] * x * x - y;
        s += r * r;
        g0 += r;
        g1 += r * x;
        g2 += r * x * x;
    }
    (s, [2.0 * g0, 2.0 * g1, 2.0 * g2])
}

#[inline(never)]
fn quad_ours(xs: &[f64], ys: &[f64], w: [f64; 3]) -> (f64, [f64; 3]) {
    let (s, g) = quad_sse_grad(w[0], w[1], w[2], xs, ys);
    (s, [g.w0, g.w1, g.w2])
}

/// The runtime's batch loop around the per-sample kernel; its mean times n is the sum.
#[inline(never)]
fn quad_batch(xs: &[f64], ys: &[f64], w: [f64; 3]) -> (f64, [f64; 3]) {
    let (m, g) = batch::mean_grad((xs, ys), |(x, y)| quad_grad(w[0], w[1], w[2], x, y)).unwrap();
    let n = xs.len() as f64;
    (m * n, [g.w0 * n, g.w1 * n, g.w2 * n])
}

fn w5b(c: &mut Criterion) {
    let xs = uniform(SAMPLES, 2, -1.0, 1.0);
    let noise = uniform(SAMPLES, 3, -0.1, 0.1);
    let ys: Vec<f64> = xs
        .iter()
        .zip(&noise)
        .map(|(x, e)| 0.5 - x + 0.8 * x * x + e)
        .collect();
    let want = quad_hand(&xs, &ys, Q);
    type Kernel = fn(&[f64], &[f64], [f64; 3]) -> (f64, [f64; 3]);
    let contenders: [(&str, Kernel); 3] = [
        ("hand", quad_hand),
        ("ours", quad_ours),
        ("batch", quad_batch),
    ];
    let forward: Kernel = |xs, ys, w| (quad_sse(w[0], w[1], w[2], xs, ys), [0.0; 3]);
    for (id, f) in contenders {
        let got = f(&xs, &ys, Q);
        // Sums of a million terms in different orders: agree to about 1e-13 relative.
        check(
            &format!("W5b {id}"),
            (got.0, &got.1),
            (want.0, &want.1),
            EXACT,
        );
    }
    let v = forward(&xs, &ys, Q).0;
    check("W5b forward", (v, &[]), (want.0, &[]), EXACT);
    // Not a contender: the value alone, what the forward loop of `quad_sse_grad` costs.
    let mut contenders = [
        contenders[0],
        contenders[1],
        contenders[2],
        ("forward", forward),
    ];
    for round in rounds("W5_ROUNDS") {
        let mut grp = slow_group(c, "W5b", round);
        grp.throughput(Throughput::Bytes((2 * SAMPLES * 8) as u64));
        for &mut (id, f) in rotated(&mut contenders, round) {
            grp.bench_function(id, |b| {
                b.iter(|| f(black_box(&xs), black_box(&ys), black_box(Q)))
            });
        }
        grp.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// W5c: a recurrence over T = 1,000 steps

const STEPS: usize = 1_000;
/// (w, u, c, h0), and the target y.
const P: [f64; 4] = [0.6, 0.8, -0.1, 0.2];
const Y: f64 = 0.3;

/// Backprop through time by hand: the forward pass stores every h (h[0] = h0, h[t + 1] the
/// output of step t), the backward pass reads h[t] and h[t + 1] and computes no `tanh`.
#[inline(never)]
fn rnn_hand(p: [f64; 4], y: f64, xs: &[f64]) -> (f64, [f64; 4]) {
    let [w, u, c, h0] = p;
    let mut hs = Vec::with_capacity(xs.len() + 1);
    let mut h = h0;
    hs.push(h);
    for &x in xs {
        h = (w * h + u * x + c).tanh_fast();
        hs.push(h);
    }
    let e = h - y;
    let (mut dh, mut dw, mut du, mut dc) = (2.0 * e, 0.0, 0.0, 0.0);
    for t in (0..xs.len()).rev() {
        let (prev, next) = (hs[t], hs[t + 1]);
        let dz = dh * (1.0 - next * next);
        dw += dz * prev;
        du += dz * xs[t];
        dc += dz;
        dh = dz * w;
    }
    (e * e, [dw, du, dc, dh])
}

#[inline(never)]
fn rnn_ours(p: [f64; 4], y: f64, xs: &[f64]) -> (f64, [f64; 4]) {
    let (v, g) = rnn_grad(p[0], p[1], p[2], p[3], y, xs);
    // Not `g.to_array()`: DESIGN.md §2b promises it for all-scalar gradients, but a function
    // with a slice parameter does not get one today.
    (v, [g.w, g.u, g.c, g.h0])
}

/// num-dual forward mode: 4 tangents carried through every step (num-dual's `tanh` is glibc's).
#[inline(never)]
fn rnn_num_dual(p: [f64; 4], y: f64, xs: &[f64]) -> (f64, [f64; 4]) {
    let (v, g) = num_dual::gradient(
        |q: SVector<DualSVec64<4>, 4>| {
            let mut h = q[3];
            for &x in xs {
                h = (q[0] * h + q[1] * x + q[2]).tanh();
            }
            (h - y).powi(2)
        },
        &SVector::from(p),
    );
    (v, g.into())
}

fn w5c(c: &mut Criterion) {
    let xs = uniform(STEPS, 4, -1.0, 1.0);
    let want = rnn_hand(P, Y, &xs);
    type Kernel = fn([f64; 4], f64, &[f64]) -> (f64, [f64; 4]);
    let contenders: [(&str, Kernel); 3] = [
        ("hand", rnn_hand),
        ("ours", rnn_ours),
        ("num_dual", rnn_num_dual),
    ];
    for (id, f) in contenders {
        let got = f(P, Y, &xs);
        check(
            &format!("W5c {id}"),
            (got.0, &got.1),
            (want.0, &want.1),
            EXACT,
        );
    }
    let mut contenders = contenders;
    for round in rounds("W5_ROUNDS") {
        let mut grp = slow_group(c, "W5c", round);
        grp.throughput(Throughput::Elements(STEPS as u64));
        for &mut (id, f) in rotated(&mut contenders, round) {
            grp.bench_function(id, |b| {
                b.iter(|| f(black_box(P), black_box(Y), black_box(&xs)))
            });
        }
        grp.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// W5d: MLP(3, [4, 4, 1]) with arrays and loops against W1c unrolled

/// `mlp_grad` on W1c's 41 parameters (W1 4×3, b1, W2 4×4, b2, W3 1×4, b3), input (2, 3, −1),
/// the gradient returned in the same order.
#[inline(never)]
fn mlp_ours(p: &[f64; 41]) -> (f64, [f64; 41]) {
    let w1: [[f64; 3]; 4] = core::array::from_fn(|j| core::array::from_fn(|k| p[3 * j + k]));
    let b1: [f64; 4] = core::array::from_fn(|j| p[12 + j]);
    let w2: [[f64; 4]; 4] = core::array::from_fn(|j| core::array::from_fn(|k| p[16 + 4 * j + k]));
    let b2: [f64; 4] = core::array::from_fn(|j| p[32 + j]);
    let w3: [f64; 4] = core::array::from_fn(|j| p[36 + j]);
    let (v, g) = mlp_grad(w1, b1, w2, b2, w3, p[40], [2.0, 3.0, -1.0]);
    let mut out = [0.0; 41];
    for j in 0..4 {
        out[3 * j..3 * j + 3].copy_from_slice(&g.w1[j]);
        out[16 + 4 * j..20 + 4 * j].copy_from_slice(&g.w2[j]);
    }
    out[12..16].copy_from_slice(&g.b1);
    out[32..36].copy_from_slice(&g.b2);
    out[36..40].copy_from_slice(&g.w3);
    out[40] = g.b3;
    (v, out)
}

fn w5d(c: &mut Criterion) {
    let p = w1::c_point();
    type Kernel = fn(&[f64; 41]) -> (f64, [f64; 41]);
    let contenders: [(&str, Kernel); 3] = [
        ("hand", w1::w1c_hand),
        ("ours", mlp_ours),
        ("unrolled", w1::w1c_ours),
    ];
    let want = w1::w1c_hand(&p);
    for (id, f) in contenders {
        let got = f(&p);
        check(
            &format!("W5d {id}"),
            (got.0, &got.1),
            (want.0, &want.1),
            EXACT,
        );
    }
    let mut contenders = contenders;
    for round in rounds("W5_ROUNDS") {
        let mut grp = group(c, "W5d", round);
        for &mut (id, f) in rotated(&mut contenders, round) {
            grp.bench_function(id, |b| b.iter(|| f(black_box(&p))));
        }
        grp.finish();
    }
}

criterion_group!(benches, w5a, w5b, w5c, w5d);
criterion_main!(benches);
