//! Second derivatives (DESIGN.md §2c): `f_hessian`, `f_hvp` and `f_jvp` of `grad!` functions
//! against finite differences of `f_grad`, on functions with branches, early returns, calls,
//! a custom derivative and `#[wrt]`, calling every method of the body language, and on
//! programs of the macro crate's random-program generator; the Hessian's symmetry; `f32`; the
//! attribute form. (The macro crate's `random_hessians` runs forward over reverse on
//! thousands of random programs through its IR interpreter.)
//!
//! At 16 points per function, [`check`] asserts that
//! - `f_hessian`, `f_hvp` and `f_jvp` return `f_grad`'s value (and gradient) bit for bit;
//! - each row `i` of the Hessian agrees with the five-point difference of `∂f/∂p_i` (through
//!   `autograd::check`);
//! - the Hessian is symmetric, to rounding;
//! - `f_hvp(.., v)` is `H·v` and `f_jvp(.., v)` is `∇f·v`, to rounding.

// `H[i][j]` and `v[j]` read as the math.
#![allow(clippy::needless_range_loop)]

use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
use autograd::{differentiable, grad, Real};

/// The difference of `f_grad`: five points, power-of-two steps at f32 points (so every
/// `x ± kh` is exact). The functions here are up to ~60 operations deep, and `∂f/∂p_i`
/// accumulates rounding from each: 64 ulps of `max|∂f/∂p_i|` over the stencil are allowed
/// for that, on top of 1e-6 relative (truncation is ~(h/d)^4, negligible this far from
/// branch boundaries and singularities; a wrong second derivative is off by O(1)).
const FD: Options = Options {
    stencil: Stencil::FivePoint,
    step: Step::PowerOfTwo(1e-5),
    atol: 0.0,
    rtol: 1e-6,
    noise_ulps: 64.0,
};

/// Rounding allowed between two computations of the same sum (H against its transpose, H·v
/// against the sum of `H[i][j] v[j]`), relative to the sum of the magnitudes added.
const ROUNDING: f64 = 1e-13;

/// `(f, ∇f, H)`.
type ValueGradHessian<const N: usize> = (f64, [f64; N], [[f64; N]; N]);

/// `(f, ∇f, H·v)`.
type ValueGradHv<const N: usize> = (f64, [f64; N], [f64; N]);

/// One function's second-order API on arrays: its differentiated parameters in declaration
/// order, the others fixed.
struct Second<const N: usize> {
    grad: fn([f64; N]) -> (f64, [f64; N]),
    hessian: fn([f64; N]) -> ValueGradHessian<N>,
    hvp: fn([f64; N], [f64; N]) -> ValueGradHv<N>,
    jvp: fn([f64; N], [f64; N]) -> (f64, f64),
}

/// `second!(f, f_grad, f_hessian, f_hvp, f_jvp, FGrad, [a, b], const c = 0.5)`: [`Second`]
/// of `f(a, b, c)` with respect to `a` and `b`, `c` fixed (constants come last).
macro_rules! second {
    ($f:ident, $grad:ident, $hessian:ident, $hvp:ident, $jvp:ident, $g:ident,
     [$($w:ident),*] $(, const $c:ident = $cv:expr)*) => {
        Second {
            grad: |x| {
                let [$($w),*] = x;
                $(let $c = $cv;)*
                let (value, g) = $grad($($w,)* $($c),*);
                (value, [$(g.$w),*])
            },
            hessian: |x| {
                let [$($w),*] = x;
                $(let $c = $cv;)*
                let (value, g, h) = $hessian($($w,)* $($c),*);
                (value, [$(g.$w),*], h)
            },
            hvp: |x, v| {
                let v = {
                    let [$($w),*] = v;
                    $g { $($w),* }
                };
                let [$($w),*] = x;
                $(let $c = $cv;)*
                let (value, g, hv) = $hvp($($w,)* $($c,)* v);
                (value, [$(g.$w),*], [$(hv.$w),*])
            },
            jvp: |x, v| {
                let v = {
                    let [$($w),*] = v;
                    $g { $($w),* }
                };
                let [$($w),*] = x;
                $(let $c = $cv;)*
                $jvp($($w,)* $($c,)* v)
            },
        }
    };
}

/// SplitMix64: deterministic points.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// A point in `[lo, hi)^N`, rounded to f32.
    fn point<const N: usize>(&mut self, lo: f64, hi: f64) -> [f64; N] {
        core::array::from_fn(|_| f64::from(self.uniform(lo, hi) as f32))
    }
}

fn bits<const N: usize>(value: f64, g: [f64; N]) -> (u64, [u64; N]) {
    (value.to_bits(), g.map(f64::to_bits))
}

/// The checks of the module doc at 16 points of `[lo, hi)^N`.
fn check<const N: usize>(name: &str, f: Second<N>, lo: f64, hi: f64) {
    let mut rng = Rng(0x5EC0 + N as u64);
    for _ in 0..16 {
        let p: [f64; N] = rng.point(lo, hi);
        let v: [f64; N] = rng.point(-1.0, 1.0);
        let (value, g) = (f.grad)(p);
        let (h_value, h_g, h) = (f.hessian)(p);
        assert_eq!(
            bits(h_value, h_g),
            bits(value, g),
            "{name} at {p:?}: f_hessian's value or gradient"
        );
        for i in 0..N {
            let report =
                check_grad_slice_with(&FD, |q| (f.grad)(q.try_into().unwrap()).1[i], &p, &h[i])
                    .unwrap();
            assert!(
                report.ok(),
                "{name} at {p:?}: row {i} of the Hessian disagrees with the finite difference of the \
                 gradient: {report}, allowed {:e}",
                report.allowed
            );
            for j in 0..N {
                let scale = h[i][j].abs() + h[j][i].abs();
                assert!(
                    (h[i][j] - h[j][i]).abs() <= ROUNDING * scale,
                    "{name} at {p:?}: H[{i}][{j}] = {:e}, H[{j}][{i}] = {:e}",
                    h[i][j],
                    h[j][i]
                );
            }
        }
        let (hv_value, hv_g, hv) = (f.hvp)(p, v);
        assert_eq!(
            bits(hv_value, hv_g),
            bits(value, g),
            "{name} at {p:?}: f_hvp's value or gradient"
        );
        for i in 0..N {
            let want: f64 = (0..N).map(|j| h[i][j] * v[j]).sum();
            let scale: f64 = (0..N).map(|j| (h[i][j] * v[j]).abs()).sum();
            assert!(
                (hv[i] - want).abs() <= ROUNDING * scale,
                "{name} at {p:?}: (H·v)[{i}] = {:e}, the sum is {want:e}",
                hv[i]
            );
        }
        let (jvp_value, d) = (f.jvp)(p, v);
        assert_eq!(
            jvp_value.to_bits(),
            value.to_bits(),
            "{name} at {p:?}: f_jvp's value"
        );
        let want: f64 = (0..N).map(|i| g[i] * v[i]).sum();
        let scale: f64 = (0..N).map(|i| (g[i] * v[i]).abs()).sum();
        assert!(
            (d - want).abs() <= ROUNDING * scale,
            "{name} at {p:?}: jvp {d:e}, ∇f·v {want:e}"
        );
    }
}

// A custom derivative generic over `Real` (as in tests/worked_examples.rs): second order
// differentiates the hand-written gradient.
fn log_sum_exp2<T: Real>(a: T, b: T) -> T {
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

fn log_sum_exp2_grad<T: Real>(a: T, b: T) -> (T, [T; 2]) {
    let value = log_sum_exp2(a, b);
    (value, [(a - value).exp(), (b - value).exp()])
}

grad! {
    /// Smooth, every parameter in every term.
    fn smooth(x, y, z) {
        let r = (x * x + y * y + 0.5).sqrt();
        x * x * y + (y * z).sin() + (x / (z * z + 1.0)).exp() + r.ln() * z.tanh()
    }

    /// A branch taken differently at different points, each arm with its own curvature.
    fn branchy(x, y) {
        if x > y {
            (x - y).powi(3) + x * y
        } else if x + y < -0.5 {
            return (x * y).sin() * x;
        } else {
            (x * y).cosh() + y.sigmoid() * x.softplus()
        }
    }

    /// Calls the custom derivative and a function of this block.
    fn uses_calls(x, y) {
        let s = square(x - y);
        let l = log_sum_exp2(s, 2.0 * y);
        l * x + square(y)
    }

    fn square(x) {
        x * x
    }

    /// `#[wrt]`: the Hessian is 2×2; `x` and `y` are data.
    #[wrt(w, b)]
    fn fit(w, b, x, y) {
        let yhat = (w * x + b).tanh();
        (yhat - y).powi(2) + 0.1 * w * w
    }

    /// Every kind of method, away from its kinks.
    fn methods(a, b) {
        let u = a.atan2(b) + a.hypot(b) + (a * b).mul_add(a, b) + (a - b).abs();
        let v = a.max(b) * b.min(a) + a.relu() * b.cbrt() + (a * 0.3).asinh() + (b * 0.3).atanh();
        u * v + a.exp2() + (a * a + 2.0).log(b * b + 3.0) + (b * b + 1.0).powf(a * 0.5)
    }

    // From the random-program generator of `autograd-macros/src/tests/random_programs.rs`
    // (`program(seed, 3)`), with its callees; two edits, because rustc and clippy warn:
    // seed 11's `-(-(p2))` and seed 101's `(m3) - (m3)` (here `(m3) - (v5)`).
    fn helper(a, b) { a * b.sin() + a.tanh() }
    #[wrt(a)]
    fn helper_wrt(a, k) { (a * k).sin() + k }

    // seed 3
    #[wrt(p0, p1)]
    fn rand3(p0, p1, p2) {
        let v0 = (p2) / ((p0) * (p0) + 1.0);
        if (p1).tanh().exp() > (p1).sin() + 1.0 { return ((p0).sin()).tanh().exp(); }
        let v2 = ((p1).cos()).sigmoid();
        let v3 = if ((p0) * (p0) + 1.0).sqrt() < -(v2) { v2 } else { ((p0) * (p0) + 1.0).sqrt() * -(v2) };
        let v4 = ((1.5) * (0.5)).atan2((helper(p2, 1.5)) * (helper(p2, 1.5)) + 1.0);
        let v5 = p1;
        let v6 = if (v3) + (v2) < 0.7 { ((2.0).tanh()).mul_add((v4).tanh(), 0.5) } else { (v3) + (v2) * 0.7 };
        let v7 = ((1.0) + (p2)) - ((p1).tanh().powi(2));
        if helper_wrt(v0, 2.0) > v4 + 1.0 { return p1; }
        if p0 > -(p2) + 1.0 { return helper_wrt((v3).cos(), 2.0); }
        v2 * v7 + v3
    }

    // seed 11
    #[wrt(p0, p1)]
    fn rand11(p0, p1, p2) {
        let v0 = -(0.0 - (p2)); // the generator's -(-(p2)), which rustc warns about
        let v1 = if (v0).tanh().exp() < 1.0 { helper(v0, (p0).tanh()) } else { (v0).tanh().exp() * 1.0 };
        let v2 = if v0 < (p2).sin() { p1 } else { v0 * (p2).sin() };
        let v3 = -(v2);
        let v4 = p0;
        let v5 = (helper(v0, v1)).cos();
        let v6 = p0;
        let v7 = ((v6) * (v2)).sigmoid();
        v2 * v2 + v3
    }

    // seed 47
    fn rand47(p0, p1, p2) {
        let v0 = -((p1).sin());
        let v1 = if (v0) - (p0) < (p0).atan() { (((p2) * (p2) + 0.5).ln()) + (((1.0) * (1.0) + 1.0).sqrt()) } else { (v0) - (p0) * (p0).atan() };
        let v2 = v1;
        let v3 = (-(p1)).atan2((p2) * (p2) + 1.0);
        let v4 = if (0.5).sigmoid() < ((v0) * (v0) + 1.0).sqrt() { (((3) * (3) + 0.5).ln()).atan2((v0) * (v0) + 1.0) } else { (0.5).sigmoid() * ((v0) * (v0) + 1.0).sqrt() };
        let v5 = if (p0) / ((1.5) * (1.5) + 1.0) < 1.0 { -(0.5) } else { (p0) / ((1.5) * (1.5) + 1.0) * 1.0 };
        let v6 = v0;
        v0 * v6 + v5
    }

    // seed 101
    fn rand101(p0, p1, p2) {
        let v0 = (p0).tanh().exp();
        if (p2).atan2((2.0) * (2.0) + 1.0) > p0 + 1.0 { return helper((v0).cos(), v0); }
        let v2 = ((p2).atan()).mul_add(p2, 0.5);
        let mut m3 = (v2).softplus();
        if (3).tanh() > p2 { if ((v2) * (v2) + 0.5).ln() > 0.5 { return (v0).tanh().exp(); } m3 += ((v2) * (v2) + 0.5).ln(); }
        let v5 = ((v2).cos()).atan();
        if (0.7).cos() < (v5).sigmoid() { let t6 = ((m3) - (v5)) + (3); if t6 > 0.0 { return t6; } m3 *= 0.5; } else { m3 -= (0.7).cos(); }
        v0 * v5 + v2
    }
}

#[test]
fn smooth_function() {
    let f = second!(
        smooth,
        smooth_grad,
        smooth_hessian,
        smooth_hvp,
        smooth_jvp,
        SmoothGrad,
        [x, y, z]
    );
    check("smooth", f, -1.5, 1.5);
}

#[test]
fn branches_and_an_early_return() {
    let f = second!(
        branchy,
        branchy_grad,
        branchy_hessian,
        branchy_hvp,
        branchy_jvp,
        BranchyGrad,
        [x, y]
    );
    check("branchy", f, -1.5, 1.5);
}

#[test]
fn custom_derivative_and_calls() {
    let f = second!(
        uses_calls,
        uses_calls_grad,
        uses_calls_hessian,
        uses_calls_hvp,
        uses_calls_jvp,
        UsesCallsGrad,
        [x, y]
    );
    check("uses_calls", f, -1.5, 1.5);
}

#[test]
fn wrt_restricts_the_hessian() {
    let f = second!(fit, fit_grad, fit_hessian, fit_hvp, fit_jvp, FitGrad, [w, b], const x = 0.7, const y = -0.3);
    check("fit", f, -1.5, 1.5);
    // 2×2, and the data's second derivatives are not there.
    let (_, g, h): (f64, FitGrad<f64>, [[f64; 2]; 2]) = fit_hessian(0.5, -0.2, 0.7, -0.3);
    assert_eq!(g.to_array().len(), 2);
    assert_eq!(h.len(), 2);
}

#[test]
fn every_kind_of_method() {
    let f = second!(
        methods,
        methods_grad,
        methods_hessian,
        methods_hvp,
        methods_jvp,
        MethodsGrad,
        [a, b]
    );
    check("methods", f, 0.3, 1.5);
}

// Every method of the body language (README, "Derivatives and kinks"), with `methods` above:
// trigonometric and hyperbolic, exponentials and logarithms, powers and roots, and the
// piecewise ones, each at second order. Ranges keep arguments inside each method's domain.
grad! {
    /// `sin cos tan asin acos atan sinh cosh tanh tanh_fast asinh acosh atanh`.
    fn trig(a, b) {
        let s = a.sin() * b.cos() + (0.5 * a).tan() + (0.4 * b).asin() * (0.3 * a).acos();
        let h = a.sinh() * b.cosh() + (a * b).tanh() + (a - b).tanh_fast() * a;
        let inverse = a.atan() * b + (b * b + 1.2).acosh() + (0.5 * a).asinh() * (0.6 * b).atanh();
        s * h + inverse
    }

    /// `exp exp2 exp_m1 ln ln_1p log log2 log10 sqrt cbrt powi powf recip`, a constant.
    fn exp_log(a, b) {
        let e = a.exp() * b + b.exp2() * a.exp_m1();
        let l = (a * a + 0.5).ln() * (b * b).ln_1p() + (a * a + 1.0).log(b * b + 2.0);
        let l2 = (b * b + 0.3).log2() * (a * a + 0.7).log10();
        let r = (a * a + b * b).sqrt() + (a * b).cbrt() + (a + 2.0).powi(-2) + b.powi(3) * a;
        let p = (a * a + 0.5).powf(b) + (b * b + 1.0).recip() + a.powi(0) * b;
        e * (l + l2) + r * p * std::f64::consts::PI
    }

    /// `abs max min relu sigmoid softplus hypot mul_add`, and the flat `signum floor ceil
    /// round trunc` (derivative 0; they scale what they multiply).
    fn kinks(a, b) {
        let k = (a - 0.1).abs() * b + a.max(b) * a.min(b) + (a * b).relu().powi(2);
        let s = (a * b).sigmoid() + (a - b).softplus() + a.hypot(b) + a.mul_add(b, a * a);
        let steps = (3.0 * a).floor() + (3.0 * b).ceil() + (a + b).round() * b;
        let more = (2.0 * a).trunc() * a + a.signum() * b;
        k * s + (steps + more) * a * b
    }
}

#[test]
fn every_method_of_the_body_language() {
    let f = second!(
        trig,
        trig_grad,
        trig_hessian,
        trig_hvp,
        trig_jvp,
        TrigGrad,
        [a, b]
    );
    check("trig", f, -1.5, 1.5);
    // `cbrt` is singular at 0: a and b positive.
    let f = second!(
        exp_log,
        exp_log_grad,
        exp_log_hessian,
        exp_log_hvp,
        exp_log_jvp,
        ExpLogGrad,
        [a, b]
    );
    check("exp_log", f, 0.3, 1.5);
    let f = second!(
        kinks,
        kinks_grad,
        kinks_hessian,
        kinks_hvp,
        kinks_jvp,
        KinksGrad,
        [a, b]
    );
    check("kinks", f, -1.5, 1.5);
}

#[test]
fn random_programs() {
    check(
        "rand3",
        second!(rand3, rand3_grad, rand3_hessian, rand3_hvp, rand3_jvp, Rand3Grad, [p0, p1], const p2 = 0.4),
        -1.5,
        1.5,
    );
    check(
        "rand11",
        second!(rand11, rand11_grad, rand11_hessian, rand11_hvp, rand11_jvp, Rand11Grad, [p0, p1], const p2 = -0.8),
        -1.5,
        1.5,
    );
    check(
        "rand47",
        second!(
            rand47,
            rand47_grad,
            rand47_hessian,
            rand47_hvp,
            rand47_jvp,
            Rand47Grad,
            [p0, p1, p2]
        ),
        -1.5,
        1.5,
    );
    check(
        "rand101",
        second!(
            rand101,
            rand101_grad,
            rand101_hessian,
            rand101_hvp,
            rand101_jvp,
            Rand101Grad,
            [p0, p1, p2]
        ),
        -1.5,
        1.5,
    );
}

#[test]
fn hessian_by_hand() {
    // branchy's first arm at (1, 0.25), where x > y: f = (x - y)^3 + xy, so with
    // d = x - y = 0.75: ∇f = (3d² + y, -3d² + x), H = [[6d, -6d + 1], [-6d + 1, 6d]].
    let (_, _, h) = branchy_hessian(1.0_f64, 0.25);
    assert_eq!(h, [[4.5, -3.5], [-3.5, 4.5]]);
    let (_, g, hv) = branchy_hvp(1.0_f64, 0.25, BranchyGrad { x: 1.0, y: 2.0 });
    assert_eq!((g.x, g.y), (3.0 * 0.5625 + 0.25, -3.0 * 0.5625 + 1.0));
    assert_eq!((hv.x, hv.y), (4.5 - 7.0, -3.5 + 9.0));
    let (value, d) = branchy_jvp(1.0_f64, 0.25, BranchyGrad { x: 1.0, y: 2.0 });
    assert_eq!(value, 0.75_f64.powi(3) + 0.25);
    assert_eq!(d, g.x + 2.0 * g.y);
}

/// The harness can fail: a Hessian entry off by one part in 10^5 is caught.
#[test]
#[should_panic(expected = "finite difference of the gradient")]
fn check_rejects_a_hessian_off_by_one_part_in_a_hundred_thousand() {
    let mut f = second!(
        smooth,
        smooth_grad,
        smooth_hessian,
        smooth_hvp,
        smooth_jvp,
        SmoothGrad,
        [x, y, z]
    );
    f.hessian = |[x, y, z]| {
        let (value, g, mut h) = smooth_hessian(x, y, z);
        h[1][1] *= 1.0 + 1e-5;
        (value, g.to_array(), h)
    };
    check("smooth, wrong", f, -1.5, 1.5);
}

#[test]
fn f32_agrees_with_f64() {
    let mut rng = Rng(32);
    for _ in 0..16 {
        let [x, y, z]: [f64; 3] = rng.point(-1.5, 1.5);
        let (_, _, h64) = smooth_hessian(x, y, z);
        let (_, _, h32) = smooth_hessian(x as f32, y as f32, z as f32);
        let scale = h64.iter().flatten().fold(1.0_f64, |m, a| m.max(a.abs()));
        for i in 0..3 {
            for j in 0..3 {
                let error = (f64::from(h32[i][j]) - h64[i][j]).abs();
                // A few dozen f32 operations, each within half an ulp (6e-8).
                assert!(
                    error <= 1e-5 * scale,
                    "H[{i}][{j}] at ({x}, {y}, {z}): f32 {}, f64 {}",
                    h32[i][j],
                    h64[i][j]
                );
            }
        }
        let (_, _, hv) = smooth_hvp(
            x as f32,
            y as f32,
            z as f32,
            SmoothGrad {
                x: 1.0,
                y: 0.0,
                z: 0.0,
            },
        );
        assert_eq!(hv.to_array(), [h32[0][0], h32[1][0], h32[2][0]]);
    }
}

#[differentiable]
fn attr_generic<T: Real>(w: T, x: T) -> T {
    (w * x).tanh() * T::lit(2.0) + w * w * x
}

#[test]
fn attribute_form() {
    let f = second!(
        attr_generic,
        attr_generic_grad,
        attr_generic_hessian,
        attr_generic_hvp,
        attr_generic_jvp,
        AttrGenericGrad,
        [w, x]
    );
    check("attr_generic", f, -1.5, 1.5);
}

// ------------------------------------------------------------------------------------------
// Array parameters: `f_hvp` and `f_jvp` (no `f_hessian`), the direction shaped like the
// gradient.
// ------------------------------------------------------------------------------------------

grad! {
    /// Rosenbrock over a slice.
    fn rosen_slice(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }

    /// A scalar, an array, a matrix, and data as a constant slice.
    #[wrt(a, u, m)]
    fn mixed_shapes(a, u: [T; 3], m: [[T; 2]; 2], data: &[T]) {
        let mut s = a * a * u[0];
        for i in 0..3 {
            s += (u[i] * a).sin() * m[i % 2][(i + 1) % 2];
        }
        for j in 0..data.len() {
            s += (m[0][0] * data[j] + m[1][1]).tanh() * u[2];
        }
        s + m[0][1] * m[1][0] * a
    }
}

/// Checks `(H·v)_i` against the five-point difference of `t ↦ ∂f/∂p_i(p + t v)` at 0.
fn check_hvp_by_differences(name: &str, grad_at: impl Fn(f64) -> Vec<f64>, hv: &[f64]) {
    for (i, &hv_i) in hv.iter().enumerate() {
        let report = check_grad_slice_with(&FD, |t| grad_at(t[0])[i], &[0.0], &[hv_i]).unwrap();
        assert!(
            report.ok(),
            "{name}: (H·v)[{i}] disagrees with the finite difference of the gradient: {report}, \
             allowed {:e}",
            report.allowed
        );
    }
}

#[test]
fn hvp_and_jvp_of_a_slice_parameter() {
    let mut rng = Rng(7);
    for _ in 0..8 {
        let x: [f64; 6] = rng.point(-1.5, 1.5);
        let v: [f64; 6] = rng.point(-1.0, 1.0);
        let (value, g) = rosen_slice_grad(&x);
        let (hv_value, hv_g, hv) = rosen_hvp(&x, &v);
        assert_eq!((hv_value.to_bits(), &hv_g.x), (value.to_bits(), &g.x));
        let at = |t: f64| -> Vec<f64> {
            let y: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + t * b).collect();
            rosen_slice_grad(&y).1.x
        };
        check_hvp_by_differences("rosen_slice", at, &hv.x);
        let (jvp_value, d) = rosen_slice_jvp(&x, RosenSliceGrad { x: v.to_vec() });
        assert_eq!(jvp_value.to_bits(), value.to_bits());
        let want: f64 = g.x.iter().zip(&v).map(|(a, b)| a * b).sum();
        let scale: f64 = g.x.iter().zip(&v).map(|(a, b)| (a * b).abs()).sum();
        assert!(
            (d - want).abs() <= ROUNDING * scale,
            "jvp {d:e}, ∇f·v {want:e}"
        );
    }
}

/// `rosen_slice_hvp` with the direction as a slice.
fn rosen_hvp(x: &[f64], v: &[f64]) -> (f64, RosenSliceGrad<f64>, RosenSliceGrad<f64>) {
    rosen_slice_hvp(x, RosenSliceGrad { x: v.to_vec() })
}

#[test]
#[should_panic(expected = "a slice of 3 numbers has a direction of 2 numbers")]
fn a_direction_of_the_wrong_length_is_an_error() {
    rosen_hvp(&[1.0, 2.0, 3.0], &[1.0, 0.0]);
}

#[test]
fn hvp_of_array_and_matrix_parameters_with_constant_data() {
    let data = [0.3, -0.7, 1.1];
    let mut rng = Rng(8);
    for _ in 0..8 {
        let [a, u0, u1, u2, m00, m01, m10, m11]: [f64; 8] = rng.point(-1.5, 1.5);
        let v: [f64; 8] = rng.point(-1.0, 1.0);
        let (u, m) = ([u0, u1, u2], [[m00, m01], [m10, m11]]);
        let dir = MixedShapesGrad {
            a: v[0],
            u: [v[1], v[2], v[3]],
            m: [[v[4], v[5]], [v[6], v[7]]],
        };
        let (value, g) = mixed_shapes_grad(a, u, m, &data);
        let (hv_value, hv_g, hv) = mixed_shapes_hvp(a, u, m, &data, dir);
        assert_eq!(hv_value.to_bits(), value.to_bits());
        assert_eq!(hv_g, g);
        let flat = |g: &MixedShapesGrad<f64>| -> Vec<f64> {
            let mut out = vec![g.a];
            out.extend(g.u);
            out.extend(g.m.iter().flatten());
            out
        };
        let at = |t: f64| {
            let p: Vec<f64> = [a, u0, u1, u2, m00, m01, m10, m11]
                .iter()
                .zip(&v)
                .map(|(x, e)| x + t * e)
                .collect();
            let (_, g) = mixed_shapes_grad(
                p[0],
                [p[1], p[2], p[3]],
                [[p[4], p[5]], [p[6], p[7]]],
                &data,
            );
            flat(&g)
        };
        check_hvp_by_differences("mixed_shapes", at, &flat(&hv));
        let (jvp_value, d) = mixed_shapes_jvp(a, u, m, &data, dir);
        assert_eq!(jvp_value.to_bits(), value.to_bits());
        let want: f64 = flat(&g).iter().zip(&v).map(|(x, e)| x * e).sum();
        let scale: f64 = flat(&g).iter().zip(&v).map(|(x, e)| (x * e).abs()).sum();
        assert!(
            (d - want).abs() <= ROUNDING * scale,
            "jvp {d:e}, ∇f·v {want:e}"
        );
    }
}

grad! {
    /// A fit to data: the Hessian over the two numbers, the slices held constant.
    #[wrt(w, b)]
    fn sse_fit(w, b, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = (w * xs[i] + b).tanh() - ys[i];
            s += r * r;
        }
        s
    }
}

static XS: [f64; 4] = [-1.0, -0.25, 0.5, 1.5];
static YS: [f64; 4] = [-0.6, -0.1, 0.3, 0.8];

#[test]
fn hessian_over_numbers_with_data_slices() {
    let f = second!(sse_fit, sse_fit_grad, sse_fit_hessian, sse_fit_hvp, sse_fit_jvp, SseFitGrad, [w, b], const xs = &XS[..], const ys = &YS[..]);
    check("sse_fit", f, -1.5, 1.5);
}
