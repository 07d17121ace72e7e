//! W6 of issue 16: second derivatives, f64, one thread. W6a the full Hessian of the
//! 10-variable Rosenbrock function (W1b), W6b the full Hessian of the W1c MLP loss (41
//! parameters), W6c a Hessian-vector product on W1c. Contenders: the hand-written analytic
//! Hessian (W6a), central differences of the hand-written gradient, ours (`f_hessian`: one
//! pass of `f_grad` at `DualN<f64, N>`), `N` calls of our `f_hvp` (the alternative
//! `f_hessian` was measured against), and num-dual (`hessian` at `Dual2SVec64<N>` for W6a and
//! W6b, one forward pass carrying gradient and Hessian; for W6c a forward pass at the
//! hyper-dual `HyperDualSVec64<41, 1>`, first tangents the unit vectors and second tangent
//! `v`, whose `eps1eps2` is `H·v`), on the same functions written once for num-dual's
//! `DualNum`; a gradient call is a reference row, the unit of W6b's and W6c's targets. Every
//! contender returns value, gradient and Hessian (or H·v) and is checked before it is timed.
//! Run: `cargo bench --bench w6_hessian` (`W6_ROUNDS=n`, default 5), then
//! `python3 bench/w6_summary.py`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::{Const, SMatrix, SVector, U1};
use num_dual::{Derivative, Dual2SVec64, DualNum, HyperDualSVec64, HyperDualVec};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w1.rs"]
mod w1;

use rounds::{group, rotated, rounds};
use w1::*;

/// Value, gradient and Hessian of a function of `N` variables.
type Second<const N: usize> = (f64, [f64; N], [[f64; N]; N]);

/// Rosenbrock's value, gradient and Hessian by hand: one loop, each term's partials added in
/// place (the Hessian is tridiagonal).
#[inline(never)]
fn w6a_hand(x: &[f64; 10]) -> Second<10> {
    let mut f = 0.0;
    let mut g = [0.0; 10];
    let mut h = [[0.0; 10]; 10];
    for i in 0..9 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        f += 100.0 * t * t + u * u;
        g[i] += -400.0 * t * x[i] - 2.0 * u;
        g[i + 1] += 200.0 * t;
        h[i][i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[i][i + 1] = -400.0 * x[i];
        h[i + 1][i] = -400.0 * x[i];
        h[i + 1][i + 1] += 200.0;
    }
    (f, g, h)
}

/// Central differences of a gradient, step `1e-5·max(1, |x_j|)`: 2N + 1 gradient calls.
#[inline(always)]
fn central_hessian<const N: usize>(
    grad: impl Fn(&[f64; N]) -> (f64, [f64; N]),
    x: &[f64; N],
) -> Second<N> {
    let mut h = [[0.0; N]; N];
    let mut y = *x;
    for j in 0..N {
        let step = 1e-5 * x[j].abs().max(1.0);
        y[j] = x[j] + step;
        let up = grad(&y).1;
        y[j] = x[j] - step;
        let down = grad(&y).1;
        y[j] = x[j];
        for i in 0..N {
            h[i][j] = (up[i] - down[i]) / (2.0 * step);
        }
    }
    let (f, g) = grad(x);
    (f, g, h)
}

#[inline(never)]
fn w6a_fd(x: &[f64; 10]) -> Second<10> {
    central_hessian(w1b_hand, x)
}

#[inline(never)]
fn w6a_ours(p: &[f64; 10]) -> Second<10> {
    let (f, g, h) = w1b_hessian(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
    (f, g.to_array(), h)
}

#[inline(never)]
fn w6a_hvps(p: &[f64; 10]) -> Second<10> {
    let mut h = [[0.0; 10]; 10];
    let (mut f, mut g) = (0.0, [0.0; 10]);
    for j in 0..10 {
        let mut v = [0.0; 10];
        v[j] = 1.0;
        let (value, grad, hv) = w1b_hvp(
            p[0],
            p[1],
            p[2],
            p[3],
            p[4],
            p[5],
            p[6],
            p[7],
            p[8],
            p[9],
            W1bGrad {
                p0: v[0],
                p1: v[1],
                p2: v[2],
                p3: v[3],
                p4: v[4],
                p5: v[5],
                p6: v[6],
                p7: v[7],
                p8: v[8],
                p9: v[9],
            },
        );
        (f, g) = (value, grad.to_array());
        for (i, hij) in hv.to_array().into_iter().enumerate() {
            h[i][j] = hij;
        }
    }
    (f, g, h)
}

#[inline(never)]
fn w6b_fd(x: &[f64; 41]) -> Second<41> {
    central_hessian(w1c_hand, x)
}

#[inline(never)]
fn w6b_ours(p: &[f64; 41]) -> Second<41> {
    let (f, g, h) = w1c_hessian(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13],
        p[14], p[15], p[16], p[17], p[18], p[19], p[20], p[21], p[22], p[23], p[24], p[25], p[26],
        p[27], p[28], p[29], p[30], p[31], p[32], p[33], p[34], p[35], p[36], p[37], p[38], p[39],
        p[40],
    );
    (f, g.to_array(), h)
}

#[inline(never)]
fn w6b_hvps(p: &[f64; 41]) -> Second<41> {
    let mut h = [[0.0; 41]; 41];
    let (mut f, mut g) = (0.0, [0.0; 41]);
    for j in 0..41 {
        let mut v = [0.0; 41];
        v[j] = 1.0;
        let (value, grad, hv) = w1c_hvp(
            p[0],
            p[1],
            p[2],
            p[3],
            p[4],
            p[5],
            p[6],
            p[7],
            p[8],
            p[9],
            p[10],
            p[11],
            p[12],
            p[13],
            p[14],
            p[15],
            p[16],
            p[17],
            p[18],
            p[19],
            p[20],
            p[21],
            p[22],
            p[23],
            p[24],
            p[25],
            p[26],
            p[27],
            p[28],
            p[29],
            p[30],
            p[31],
            p[32],
            p[33],
            p[34],
            p[35],
            p[36],
            p[37],
            p[38],
            p[39],
            p[40],
            W1cGrad {
                p0: v[0],
                p1: v[1],
                p2: v[2],
                p3: v[3],
                p4: v[4],
                p5: v[5],
                p6: v[6],
                p7: v[7],
                p8: v[8],
                p9: v[9],
                p10: v[10],
                p11: v[11],
                p12: v[12],
                p13: v[13],
                p14: v[14],
                p15: v[15],
                p16: v[16],
                p17: v[17],
                p18: v[18],
                p19: v[19],
                p20: v[20],
                p21: v[21],
                p22: v[22],
                p23: v[23],
                p24: v[24],
                p25: v[25],
                p26: v[26],
                p27: v[27],
                p28: v[28],
                p29: v[29],
                p30: v[30],
                p31: v[31],
                p32: v[32],
                p33: v[33],
                p34: v[34],
                p35: v[35],
                p36: v[36],
                p37: v[37],
                p38: v[38],
                p39: v[39],
                p40: v[40],
            },
        );
        (f, g) = (value, grad.to_array());
        for (i, hij) in hv.to_array().into_iter().enumerate() {
            h[i][j] = hij;
        }
    }
    (f, g, h)
}

/// Rosenbrock in 10 variables for num-dual, written as W1b (`powi`, the terms in order).
#[inline(always)]
fn rosen_dual<D: DualNum<Primitive = f64> + Copy>(x: &SVector<D, 10>) -> D {
    let term = |i: usize| (x[i + 1] - x[i].powi(2)).powi(2) * 100.0 + (-x[i] + 1.0).powi(2);
    let mut s = term(0);
    for i in 1..9 {
        s += term(i);
    }
    s
}

/// The W1c MLP(3, [4, 4, 1]) loss for num-dual, written as `w1c_hand_with`'s forward pass
/// (num-dual's `tanh` is glibc's; ours is `tanh_fast`, within 1.2 ulp).
#[inline(always)]
fn mlp_dual<D: DualNum<Primitive = f64> + Copy>(p: &SVector<D, 41>) -> D {
    let x = [2.0, 3.0, -1.0];
    let h: [D; 4] = core::array::from_fn(|j| {
        (p[3 * j] * x[0] + p[3 * j + 1] * x[1] + p[3 * j + 2] * x[2] + p[12 + j]).tanh()
    });
    let g: [D; 4] = core::array::from_fn(|k| {
        let mut z = p[32 + k];
        for j in 0..4 {
            z += p[16 + 4 * k + j] * h[j];
        }
        z.tanh()
    });
    let mut z = p[40];
    for j in 0..4 {
        z += p[36 + j] * g[j];
    }
    (z.tanh() - 1.0).powi(2)
}

/// num-dual's `hessian`: one forward pass at `Dual2SVec64<N>` (each number carries its
/// gradient and its `N×N` Hessian).
#[inline(always)]
fn num_dual_hessian<const N: usize>(
    f: impl Fn(&SVector<Dual2SVec64<N>, N>) -> Dual2SVec64<N>,
    x: &[f64; N],
) -> Second<N> {
    let (value, g, h) =
        num_dual::hessian(|v: SVector<Dual2SVec64<N>, N>| f(&v), &SVector::from(*x));
    (
        value,
        core::array::from_fn(|i| g[i]),
        core::array::from_fn(|i| core::array::from_fn(|j| h[(i, j)])),
    )
}

#[inline(never)]
fn w6a_num_dual(x: &[f64; 10]) -> Second<10> {
    num_dual_hessian(rosen_dual, x)
}

#[inline(never)]
fn w6b_num_dual(x: &[f64; 41]) -> Second<41> {
    num_dual_hessian(mlp_dual, x)
}

/// W6c's direction: every component nonzero.
fn direction() -> [f64; 41] {
    core::array::from_fn(|k| 0.3 * (0.7 * k as f64 + 0.2).cos())
}

/// Value, gradient and H·v.
type Hvp = (f64, [f64; 41], [f64; 41]);

#[inline(never)]
fn w6c_ours(p: &[f64; 41], v: &[f64; 41]) -> Hvp {
    let (f, g, hv) = w1c_hvp(
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        p[5],
        p[6],
        p[7],
        p[8],
        p[9],
        p[10],
        p[11],
        p[12],
        p[13],
        p[14],
        p[15],
        p[16],
        p[17],
        p[18],
        p[19],
        p[20],
        p[21],
        p[22],
        p[23],
        p[24],
        p[25],
        p[26],
        p[27],
        p[28],
        p[29],
        p[30],
        p[31],
        p[32],
        p[33],
        p[34],
        p[35],
        p[36],
        p[37],
        p[38],
        p[39],
        p[40],
        W1cGrad {
            p0: v[0],
            p1: v[1],
            p2: v[2],
            p3: v[3],
            p4: v[4],
            p5: v[5],
            p6: v[6],
            p7: v[7],
            p8: v[8],
            p9: v[9],
            p10: v[10],
            p11: v[11],
            p12: v[12],
            p13: v[13],
            p14: v[14],
            p15: v[15],
            p16: v[16],
            p17: v[17],
            p18: v[18],
            p19: v[19],
            p20: v[20],
            p21: v[21],
            p22: v[22],
            p23: v[23],
            p24: v[24],
            p25: v[25],
            p26: v[26],
            p27: v[27],
            p28: v[28],
            p29: v[29],
            p30: v[30],
            p31: v[31],
            p32: v[32],
            p33: v[33],
            p34: v[34],
            p35: v[35],
            p36: v[36],
            p37: v[37],
            p38: v[38],
            p39: v[39],
            p40: v[40],
        },
    );
    (f, g.to_array(), hv.to_array())
}

/// num-dual's hyper-dual numbers: input `i` is `p_i + e_i ε1 + v_i ε2` (`e_i` the `i`-th
/// of 41 unit vectors), so one forward pass gives the gradient (`eps1`) and `H·v`
/// (`eps1eps2`, 41×1).
#[inline(never)]
fn w6c_num_dual(p: &[f64; 41], v: &[f64; 41]) -> Hvp {
    let x: SVector<HyperDualSVec64<41, 1>, 41> = SVector::from_fn(|i, _| {
        HyperDualVec::new(
            p[i],
            Derivative::derivative_generic(Const::<41>, U1, i),
            Derivative::some(SMatrix::<f64, 1, 1>::new(v[i])),
            Derivative::none(),
        )
    });
    let r = mlp_dual(&x);
    let g = r.eps1.unwrap_generic(Const::<41>, U1);
    let hv = r.eps1eps2.unwrap_generic(Const::<41>, Const::<1>);
    (
        r.re,
        core::array::from_fn(|i| g[i]),
        core::array::from_fn(|i| hv[i]),
    )
}

/// Central difference of the hand-written gradient along `v`: 3 gradient calls (2 for H·v, 1
/// for the value and gradient), step `1e-5·max(1, |x|_∞)/|v|_∞`.
#[inline(never)]
fn w6c_fd(x: &[f64; 41], v: &[f64; 41]) -> Hvp {
    let scale = x.iter().fold(1.0_f64, |m, a| m.max(a.abs()));
    let vmax = v.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
    let step = 1e-5 * scale / vmax;
    let up = w1c_hand(&core::array::from_fn(|i| x[i] + step * v[i])).1;
    let down = w1c_hand(&core::array::from_fn(|i| x[i] - step * v[i])).1;
    let (f, g) = w1c_hand(x);
    (
        f,
        g,
        core::array::from_fn(|i| (up[i] - down[i]) / (2.0 * step)),
    )
}

/// The largest difference between two matrices (or vectors), relative to the largest entry of
/// `want`.
fn rel_diff<'a>(
    got: impl IntoIterator<Item = &'a f64>,
    want: impl IntoIterator<Item = &'a f64> + Clone,
) -> f64 {
    let scale = want
        .clone()
        .into_iter()
        .fold(0.0_f64, |m, a| m.max(a.abs()));
    got.into_iter()
        .zip(want)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

/// Panics unless `got` matches `want` (value and gradient exactly to 1e-12 relative, the
/// second derivatives to `tol` relative to their largest entry).
fn check<const N: usize, const M: usize>(
    name: &str,
    got: (f64, [f64; N], &[[f64; N]; M]),
    want: (f64, [f64; N], &[[f64; N]; M]),
    tol: f64,
) {
    let first = rel_diff(&got.1, &want.1).max((got.0 - want.0).abs() / want.0.abs());
    let second = rel_diff(got.2.iter().flatten(), want.2.iter().flatten());
    assert!(
        first <= 1e-12,
        "{name}: value or gradient differs by {first:e}"
    );
    assert!(
        second <= tol,
        "{name}: second derivatives differ by {second:e} > {tol:e}"
    );
    eprintln!("checked {name}: second derivatives within {second:.1e} (<= {tol:e})");
}

/// Exact contenders agree to rounding (num-dual's glibc `tanh` and our `tanh_fast` differ by
/// an ulp or two); differences of a gradient only approximate.
const EXACT2: f64 = 1e-12;
const FD2: f64 = 1e-6;

/// A named contender: one call, its result passed through `black_box`.
type Contender<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// Round `round` of workload `name`, the round starting with another contender than the one
/// before.
fn time(c: &mut Criterion, name: &str, round: usize, mut contenders: Vec<Contender<'_>>) {
    let mut grp = group(c, name, round);
    for (id, f) in rotated(&mut contenders, round) {
        let f = &**f;
        grp.bench_function(*id, |b| b.iter(f));
    }
    grp.finish();
}

fn bench(c: &mut Criterion) {
    let c_at = c_point();
    let v = direction();
    // Checks, once.
    let want = w6a_hand(&B);
    for (id, f, tol) in [
        ("ours", w6a_ours as fn(&_) -> _, EXACT2),
        ("hvps", w6a_hvps, EXACT2),
        ("num_dual", w6a_num_dual, EXACT2),
        ("fd", w6a_fd, FD2),
    ] {
        let got = f(&B);
        check(
            &format!("W6a {id}"),
            (got.0, got.1, &got.2),
            (want.0, want.1, &want.2),
            tol,
        );
    }
    let want = w6b_ours(&c_at);
    let (hand_f, hand_g) = w1c_hand(&c_at);
    let first = rel_diff(&want.1, &hand_g).max((want.0 - hand_f).abs() / hand_f.abs());
    assert!(
        first <= 1e-12,
        "W6b: value or gradient differs from the hand-written by {first:e}"
    );
    for (id, f, tol) in [
        ("hvps", w6b_hvps as fn(&_) -> _, EXACT2),
        ("num_dual", w6b_num_dual, EXACT2),
        ("fd", w6b_fd, FD2),
    ] {
        let got = f(&c_at);
        check(
            &format!("W6b {id}"),
            (got.0, got.1, &got.2),
            (want.0, want.1, &want.2),
            tol,
        );
    }
    let hv: [f64; 41] = core::array::from_fn(|i| (0..41).map(|j| want.2[i][j] * v[j]).sum());
    for (id, f, tol) in [
        ("ours", w6c_ours as fn(&_, &_) -> _, EXACT2),
        ("num_dual", w6c_num_dual, EXACT2),
        ("fd", w6c_fd, FD2),
    ] {
        let got = f(&c_at, &v);
        check(
            &format!("W6c {id}"),
            (got.0, got.1, &[got.2]),
            (want.0, want.1, &[hv]),
            tol,
        );
    }

    for round in rounds("W6_ROUNDS") {
        let b = &B;
        time(
            c,
            "W6a",
            round,
            vec![
                (
                    "hand",
                    Box::new(|| {
                        black_box(w6a_hand(black_box(b)));
                    }),
                ),
                (
                    "fd",
                    Box::new(|| {
                        black_box(w6a_fd(black_box(b)));
                    }),
                ),
                (
                    "ours",
                    Box::new(|| {
                        black_box(w6a_ours(black_box(b)));
                    }),
                ),
                (
                    "hvps",
                    Box::new(|| {
                        black_box(w6a_hvps(black_box(b)));
                    }),
                ),
                (
                    "num_dual",
                    Box::new(|| {
                        black_box(w6a_num_dual(black_box(b)));
                    }),
                ),
            ],
        );
        let p = &c_at;
        time(
            c,
            "W6b",
            round,
            vec![
                (
                    "gradient",
                    Box::new(|| {
                        black_box(w1c_ours(black_box(p)));
                    }),
                ),
                (
                    "fd",
                    Box::new(|| {
                        black_box(w6b_fd(black_box(p)));
                    }),
                ),
                (
                    "ours",
                    Box::new(|| {
                        black_box(w6b_ours(black_box(p)));
                    }),
                ),
                (
                    "hvps",
                    Box::new(|| {
                        black_box(w6b_hvps(black_box(p)));
                    }),
                ),
                (
                    "num_dual",
                    Box::new(|| {
                        black_box(w6b_num_dual(black_box(p)));
                    }),
                ),
            ],
        );
        let v = &v;
        time(
            c,
            "W6c",
            round,
            vec![
                (
                    "gradient",
                    Box::new(|| {
                        black_box(w1c_ours(black_box(p)));
                    }),
                ),
                (
                    "fd",
                    Box::new(|| {
                        black_box(w6c_fd(black_box(p), black_box(v)));
                    }),
                ),
                (
                    "ours",
                    Box::new(|| {
                        black_box(w6c_ours(black_box(p), black_box(v)));
                    }),
                ),
                (
                    "num_dual",
                    Box::new(|| {
                        black_box(w6c_num_dual(black_box(p), black_box(v)));
                    }),
                ),
            ],
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
