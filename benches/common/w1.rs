//! W1 of issue 4, shared by `benches/w1_scalar.rs` and `bench-peers/benches/w1_peers.rs`: the
//! three scalar functions (from `w1_gen.rs`, written by `bench/gen_w1.py`), their points, the
//! hand-written analytic gradients (the limit), central finite differences, and the check that
//! every contender computes the same gradient before it is timed.

#![allow(dead_code)]

use std::hint::black_box;

use autograd::{grad, Real};
use criterion::Criterion;

use crate::rounds::{group, rotated};

include!("w1_gen.rs");

/// W1a at (a, b, c) = (2, 3, 0.5).
pub const A: [f64; 3] = [2.0, 3.0, 0.5];

/// W1b: a point away from the minimum, every coordinate distinct.
pub const B: [f64; 10] = [-1.2, 1.0, -0.7, 0.4, 1.3, -0.2, 0.9, 1.1, -0.5, 0.6];

/// W1c: 41 parameters (W1 4×3, b1, W2 4×4, b2, W3 1×4, b3), none saturating a tanh.
pub fn c_point() -> [f64; 41] {
    core::array::from_fn(|k| 0.45 * (0.9 * k as f64 + 0.1).sin())
}

/// W1a by hand, with the `tanh` that `grad!` computes for `x.tanh()` (`Real::tanh_fast`): the
/// limit for the same computation.
#[inline(never)]
pub fn w1a_hand(p: &[f64; 3]) -> (f64, [f64; 3]) {
    w1a_hand_with(p, f64::tanh_fast)
}

/// W1a by hand with glibc's `tanh` (`f64::tanh`), a reference row: what the same code costs
/// with libm's `tanh`.
#[inline(never)]
pub fn w1a_hand_std_tanh(p: &[f64; 3]) -> (f64, [f64; 3]) {
    w1a_hand_with(p, f64::tanh)
}

/// W1a by hand with the given `tanh`.
#[inline(always)]
pub fn w1a_hand_with(p: &[f64; 3], tanh: impl Fn(f64) -> f64) -> (f64, [f64; 3]) {
    let [a, b, c] = *p;
    let t = tanh(c);
    (a * b + t - 0.5 * a * a, [b - a, a, 1.0 - t * t])
}

/// Rosenbrock by hand: one loop, each term's partials added in place.
#[inline(never)]
pub fn w1b_hand(x: &[f64; 10]) -> (f64, [f64; 10]) {
    let mut f = 0.0;
    let mut g = [0.0; 10];
    for i in 0..9 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        f += 100.0 * t * t + u * u;
        g[i] += -400.0 * t * x[i] - 2.0 * u;
        g[i + 1] += 200.0 * t;
    }
    (f, g)
}

/// The MLP(3, [4, 4, 1]) loss by hand, with `Real::tanh_fast` as [`w1a_hand`].
#[inline(never)]
pub fn w1c_hand(p: &[f64; 41]) -> (f64, [f64; 41]) {
    w1c_hand_with(p, f64::tanh_fast)
}

/// The same with glibc's `tanh`, a reference row as [`w1a_hand_std_tanh`].
#[inline(never)]
pub fn w1c_hand_std_tanh(p: &[f64; 41]) -> (f64, [f64; 41]) {
    w1c_hand_with(p, f64::tanh)
}

/// The MLP(3, [4, 4, 1]) loss by hand with the given `tanh`: forward keeping activations,
/// backward layer by layer.
#[inline(always)]
pub fn w1c_hand_with(p: &[f64; 41], tanh: impl Fn(f64) -> f64) -> (f64, [f64; 41]) {
    let x = [2.0, 3.0, -1.0];
    let mut h = [0.0; 4];
    for j in 0..4 {
        h[j] = tanh(p[3 * j] * x[0] + p[3 * j + 1] * x[1] + p[3 * j + 2] * x[2] + p[12 + j]);
    }
    let mut g2 = [0.0; 4];
    for k in 0..4 {
        let mut z = p[32 + k];
        for j in 0..4 {
            z += p[16 + 4 * k + j] * h[j];
        }
        g2[k] = tanh(z);
    }
    let mut z = p[40];
    for j in 0..4 {
        z += p[36 + j] * g2[j];
    }
    let o = tanh(z);
    let e = o - 1.0;
    let mut g = [0.0; 41];
    let dz3 = 2.0 * e * (1.0 - o * o);
    g[40] = dz3;
    let mut dh = [0.0; 4];
    for k in 0..4 {
        g[36 + k] = dz3 * g2[k];
        let dz = dz3 * p[36 + k] * (1.0 - g2[k] * g2[k]);
        g[32 + k] = dz;
        for j in 0..4 {
            g[16 + 4 * k + j] = dz * h[j];
            dh[j] += dz * p[16 + 4 * k + j];
        }
    }
    for j in 0..4 {
        let dz = dh[j] * (1.0 - h[j] * h[j]);
        g[12 + j] = dz;
        for i in 0..3 {
            g[3 * j + i] = dz * x[i];
        }
    }
    (e * e, g)
}

/// Value and central differences, step `1e-5·max(1, |x_i|)`: 2N + 1 evaluations.
#[inline(always)]
pub fn central<const N: usize>(f: impl Fn(&[f64; N]) -> f64, x: &[f64; N]) -> (f64, [f64; N]) {
    let mut g = [0.0; N];
    let mut y = *x;
    for i in 0..N {
        let h = 1e-5 * x[i].abs().max(1.0);
        y[i] = x[i] + h;
        let up = f(&y);
        y[i] = x[i] - h;
        let down = f(&y);
        y[i] = x[i];
        g[i] = (up - down) / (2.0 * h);
    }
    (f(x), g)
}

#[inline(never)]
pub fn w1a_fd(p: &[f64; 3]) -> (f64, [f64; 3]) {
    central(w1a_f64, p)
}

#[inline(never)]
pub fn w1b_fd(p: &[f64; 10]) -> (f64, [f64; 10]) {
    central(w1b_f64, p)
}

#[inline(never)]
pub fn w1c_fd(p: &[f64; 41]) -> (f64, [f64; 41]) {
    central(w1c_f64, p)
}

/// Largest relative difference between two value-and-gradient results (each component against
/// the larger of the two magnitudes, floored at 1e-300).
pub fn rel_err(got: (f64, &[f64]), want: (f64, &[f64])) -> f64 {
    assert_eq!(got.1.len(), want.1.len());
    let rel = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(1e-300);
    got.1
        .iter()
        .zip(want.1)
        .map(|(&a, &b)| rel(a, b))
        .fold(rel(got.0, want.0), f64::max)
}

/// Panics unless `got` matches the hand-written `want` to `tol` (relative, every component).
pub fn check(name: &str, got: (f64, &[f64]), want: (f64, &[f64]), tol: f64) {
    let err = rel_err(got, want);
    assert!(
        err <= tol,
        "{name}: gradient differs from the hand-written one by {err:e} (relative), more than {tol:e}\n got {got:?}\nwant {want:?}"
    );
    eprintln!("checked {name}: max relative difference {err:.1e} (<= {tol:e})");
}

/// Exact contenders must agree to 1e-9; finite differences only approximate.
pub const EXACT: f64 = 1e-9;
pub const FD_TOL: f64 = 1e-5;

/// A named W1 contender: value and gradient at a point.
pub type Contender<'a, const N: usize> =
    (&'static str, Box<dyn Fn(&[f64; N]) -> (f64, [f64; N]) + 'a>);

/// Round `round` of workload `name` at `p`: checks every contender against `hand` (finite
/// differences, id `fd`, to [`FD_TOL`]; the others to [`EXACT`]), then times each, the round
/// starting with another contender than the one before.
pub fn time_round<const N: usize>(
    c: &mut Criterion,
    (name, round): (&str, usize),
    p: [f64; N],
    hand: fn(&[f64; N]) -> (f64, [f64; N]),
    mut contenders: Vec<Contender<'_, N>>,
) {
    let want = hand(&p);
    for (id, f) in &contenders {
        let got = f(&p);
        let tol = if *id == "fd" { FD_TOL } else { EXACT };
        check(
            &format!("{name} {id}"),
            (got.0, &got.1),
            (want.0, &want.1),
            tol,
        );
    }
    let mut grp = group(c, name, round);
    for (id, f) in rotated(&mut contenders, round) {
        let f = &**f;
        grp.bench_function(*id, |b| b.iter(|| f(black_box(&p))));
    }
    grp.finish();
}
