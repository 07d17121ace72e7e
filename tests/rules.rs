//! Every derivative rule of the body language (DESIGN.md §2, `autograd-macros/src/rules.rs`)
//! against finite differences, one test per operation, in f64 and f32; and the kink
//! conventions, which are exact values rather than limits.
//!
//! Each operation is its own `grad!` function whose body is the operation alone
//! (`fn op_sin(x) { x.sin() }`), so a failure names the rule. At 64 points inside the
//! operation's domain, [`check`] asserts that
//! - `op_grad(..).0` is `op(..)` bit for bit, and is the std (or `Real`) method bit for bit;
//! - the f64 gradient agrees with a central difference ([`check_fd`]);
//! - the f32 gradient agrees with the f64 gradient at the same point ([`check_f32`]).

use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
use autograd::{grad, Real};

// ------------------------------------------------------------------------------------------
// The harness
// ------------------------------------------------------------------------------------------

/// One operation instantiated at one scalar type: the forward function, its `_grad` (value
/// and gradient in declaration order) and the std expression the value must equal.
struct Op<T> {
    forward: fn(&[T]) -> T,
    grad: fn(&[T]) -> (T, Vec<T>),
    reference: fn(&[T]) -> T,
}

/// `check_op!(op_sin, op_sin_grad, |x| x.sin(), points)`: checks `op_sin` in f64 and in f32.
/// The reference expression is written once and instantiated at both types (`T` names the
/// type inside it).
macro_rules! check_op {
    ($f:ident, $f_grad:ident, |$($x:ident),+| $reference:expr, $points:expr) => {
        check(
            stringify!($f),
            &check_op!(@op f64, $f, $f_grad, |$($x),+| $reference),
            &check_op!(@op f32, $f, $f_grad, |$($x),+| $reference),
            &$points,
        )
    };
    (@op $t:ty, $f:ident, $f_grad:ident, |$($x:ident),+| $reference:expr) => {
        Op::<$t> {
            forward: |args| {
                let &[$($x),+] = args else { unreachable!("arity") };
                $f($($x),+)
            },
            grad: |args| {
                let &[$($x),+] = args else { unreachable!("arity") };
                let (value, gradient) = $f_grad($($x),+);
                (value, gradient.to_array().to_vec())
            },
            reference: |args| {
                #[allow(dead_code)]
                type T = $t;
                let &[$($x),+] = args else { unreachable!("arity") };
                $reference
            },
        }
    };
}

/// Runs the three checks of the module doc on `points` (f32-representable, see [`points`]).
fn check(name: &str, op64: &Op<f64>, op32: &Op<f32>, points: &[Vec<f64>]) {
    assert!(points.len() >= 50, "{name}: only {} points", points.len());
    let points32: Vec<Vec<f32>> = points.iter().map(|p| to_f32(p)).collect();
    check_values(name, op64, points);
    check_values(name, op32, &points32);
    check_fd(name, op64.forward, op64.grad, points);
    check_f32(name, op64.grad, op32.grad, points);
}

fn to_f32(p: &[f64]) -> Vec<f32> {
    p.iter().map(|&x| x as f32).collect()
}

/// Bit pattern of a scalar, through f64 (exact for f32), so `-0.0` and `0.0` differ.
fn bits<T: Real>(x: T) -> u64 {
    x.to_f64().expect("a float converts to f64").to_bits()
}

/// The value of `_grad` is the forward function's, and the std method's, bit for bit.
fn check_values<T: Real>(name: &str, op: &Op<T>, points: &[Vec<T>]) {
    for p in points {
        let (value, gradient) = (op.grad)(p);
        let forward = (op.forward)(p);
        let reference = (op.reference)(p);
        assert_eq!(gradient.len(), p.len(), "{name}: one partial per argument");
        assert_eq!(
            bits(value),
            bits(forward),
            "{name} at {p:?}: _grad value {value:?} != forward {forward:?}"
        );
        assert_eq!(
            bits(value),
            bits(reference),
            "{name} at {p:?}: value {value:?} != std {reference:?}"
        );
    }
}

/// Relative tolerance of the f64 gradient against the finite difference. A correct rule
/// lands within ~1e-10 of the difference (see [`check_fd`]); a wrong rule (a sign, a missing
/// factor, `ln 2` for `ln 10`, `a` for `y`) is off by O(1) at almost every point. 1e-7 sits
/// far from both.
const RTOL64: f64 = 1e-7;

/// The evaluation error of the forward function, in units of `f64::EPSILON * |f|`: a few ulps
/// for libm functions; the stencil's coefficients sum to 1.5 in absolute value.
const NOISE_ULPS: f64 = 8.0;

/// How the f64 gradient is checked: the five-point central difference
/// `(f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h` in each argument, through
/// `autograd::check` (the one finite-difference checker), allowing [`RTOL64`] relative to the
/// difference plus its rounding error.
///
/// Why this difference and this step. Near a singularity at distance `d` (the pole of `ln`,
/// `recip`, `tan`; the ends of `asin`'s domain), the truncation error relative to `f'` is
/// about `(h/d)^2` for the two-point difference and `(h/d)^4` for this one. Points stay
/// ≥ 0.05 from singularities, so with `h ≈ 1e-5` that is 4e-8 (too close to [`RTOL64`]) against
/// 2e-15. The rounding error is `≈ 1.5 · (a few ulps of |f|) / h`, ~1e-10 of `|f| / max(1, |x|)`
/// with `h ≈ 1e-5 · max(1, |x|)`: ten times less than at the usual 1e-6, which the five-point
/// difference does not need. So a correct rule agrees to ~1e-10 (measured: ≤ 3e-10).
/// `h` is a power of two and the points are f32 values (24 significant bits), so every
/// `x ± kh` is exact in f64: the step taken is the step divided by. Where the derivative is
/// near 0 but `f` is not (`cos` near 0, `tanh'` far out), a relative test is meaningless, so
/// the rounding error itself, `NOISE_ULPS · eps · max|f| / h`, is allowed on top.
const FD: Options = Options {
    stencil: Stencil::FivePoint,
    step: Step::PowerOfTwo(1e-5),
    atol: 0.0,
    rtol: RTOL64,
    noise_ulps: NOISE_ULPS,
};

/// Checks the f64 gradient against the finite difference of [`FD`] at every point.
fn check_fd(
    name: &str,
    f: impl Fn(&[f64]) -> f64,
    grad: impl Fn(&[f64]) -> (f64, Vec<f64>),
    points: &[Vec<f64>],
) {
    for p in points {
        let (_, analytic) = grad(p);
        let report = check_grad_slice_with(&FD, &f, p, &analytic).unwrap();
        assert!(
            report.ok(),
            "{name} at {p:?}: the gradient disagrees with the finite difference: {report}, \
             allowed {:e}",
            report.allowed
        );
    }
}

/// Relative tolerance of the f32 gradient against the f64 gradient at the same point (the f32
/// point, exactly). Each rule is a handful of f32 operations with ≤ 1 ulp (1.2e-7) of rounding
/// each, amplified at most ~10x by conditioning inside our domains (`1 - a^2` for `asin` near
/// 0.95): ~1e-6 (measured: ≤ 4e-7). 1e-5 leaves a margin and is 10^4 times below an O(1)
/// mistake.
const RTOL32: f64 = 1e-5;

/// Absolute floor for the f32 comparison, in units of `f32::EPSILON * max(1, |f|)`: rules that
/// reuse the output (`tanh' = 1 - y^2`, `sigmoid' = y(1 - y)`) cancel when `y ≈ 1`, leaving an
/// absolute error of a few f32 ulps of 1 on a small derivative. A finite difference in f32
/// would be far noisier (eps32 / h), so the f32 gradient is compared with the f64 one, which
/// [`check_fd`] has already checked.
const FLOOR32_ULPS: f64 = 16.0;

/// Checks the f32 gradient against the f64 gradient at the same point.
fn check_f32(
    name: &str,
    grad64: fn(&[f64]) -> (f64, Vec<f64>),
    grad32: fn(&[f32]) -> (f32, Vec<f32>),
    points: &[Vec<f64>],
) {
    for p in points {
        let (value, g64) = grad64(p);
        let (_, g32) = grad32(&to_f32(p));
        for (i, (&expected, &actual)) in g64.iter().zip(&g32).enumerate() {
            let actual = f64::from(actual);
            let floor = FLOOR32_ULPS * f64::from(f32::EPSILON) * value.abs().max(1.0);
            let allowed = RTOL32 * expected.abs() + floor;
            let error = (actual - expected).abs();
            assert!(
                error <= allowed,
                "{name}: ∂/∂arg{i} at {p:?}: f32 {actual:e}, f64 {expected:e}: error {error:e} \
                 > allowed {allowed:e}"
            );
        }
    }
}

/// The harness can fail: a derivative off by one part in a million is caught by the f64
/// check, and one off by one part in ten thousand by the f32 check.
#[test]
#[should_panic(expected = "finite difference")]
fn check_fd_rejects_a_derivative_off_by_one_part_in_a_million() {
    let wrong = |p: &[f64]| (p[0].sin(), vec![p[0].cos() * (1.0 + 1e-6)]);
    check_fd("sin, wrong", |p| p[0].sin(), wrong, &anywhere(&LINE));
}

#[test]
#[should_panic(expected = "finite difference")]
fn check_fd_rejects_log10_differentiated_as_log2() {
    let wrong = |p: &[f64]| (p[0].log10(), vec![1.0 / (p[0] * std::f64::consts::LN_2)]);
    check_fd(
        "log10, wrong",
        |p| p[0].log10(),
        wrong,
        &anywhere(&POSITIVE),
    );
}

#[test]
#[should_panic(expected = "f32")]
fn check_f32_rejects_a_derivative_off_by_one_part_in_ten_thousand() {
    let right = |p: &[f64]| (p[0].sin(), vec![p[0].cos()]);
    let wrong = |p: &[f32]| (p[0].sin(), vec![p[0].cos() * 1.0001]);
    check_f32("sin, wrong", right, wrong, &anywhere(&LINE));
}

/// SplitMix64: a deterministic generator, so a failing point is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }
}

const POINTS: usize = 64;

/// `POINTS` points, uniform in `ranges` (one range per argument) and rounded to f32, kept
/// where `keep` holds: `keep` keeps them away from singularities and jumps, where a finite
/// difference means nothing.
fn points(ranges: &[(f64, f64)], keep: impl Fn(&[f64]) -> bool) -> Vec<Vec<f64>> {
    let mut rng = Rng(0x5EED_0000 + ranges.len() as u64);
    let mut out = Vec::with_capacity(POINTS);
    for _ in 0..100 * POINTS {
        let p: Vec<f64> = ranges
            .iter()
            .map(|&(lo, hi)| f64::from(rng.uniform(lo, hi) as f32))
            .collect();
        if keep(&p) {
            out.push(p);
            if out.len() == POINTS {
                return out;
            }
        }
    }
    panic!("the domain {ranges:?} keeps too few points");
}

/// Points in `ranges` with no restriction.
fn anywhere(ranges: &[(f64, f64)]) -> Vec<Vec<f64>> {
    points(ranges, |_| true)
}

/// Distance from `x` to the nearest integer.
fn from_integer(x: f64) -> f64 {
    (x - x.round()).abs()
}

// ------------------------------------------------------------------------------------------
// Arithmetic, constants and literals
// ------------------------------------------------------------------------------------------

const SCALE: f64 = 3.0;

grad! {
    fn op_add(a, b) { a + b }
    fn op_sub(a, b) { a - b }
    fn op_mul(a, b) { a * b }
    fn op_div(a, b) { a / b }
    fn op_one_over(x) { 1.0 / x }
    fn op_half_over(x) { -0.5 / x }
    fn op_const_over(x) { -3.0 / x }
    fn op_zero_over(x) { 0.0 / x }
    fn op_one_minus_two_over(x) { 1.0 - 2.0 / x }
    fn op_tanh_by_exp(x) { 1.0 - 2.0 / ((x * 2.0).exp() + 1.0) }
    fn op_scaled_back(x) { x * 2.0 * 0.5 }
    fn op_exact_literals(x) { x * (0.5 * 2.0 + 1.0 - 3.0 / 4.0) }
    fn op_rounded_literals(x) { x * (0.1 * 0.1) + (0.1 + 0.6) }
    fn op_scaled_product(x, y) { x * 2.0 * y * 0.5 }
    fn op_scaled_product_kept(x, y) { x * 2.0 * y * 3.0 - x * 2.0 * y * -0.5 }
    fn op_neg(x) { -x }
    fn op_pi(x) { std::f64::consts::PI * x }
    fn op_scale(x) { SCALE * x }
    fn op_int_literal(x) { 2 * x }
    fn op_ufcs(x) { f64::sin(x) }
    fn op_ufcs_typed(x: f64) { f64::sin(x) }
}

const SQUARE: [(f64, f64); 2] = [(-10.0, 10.0), (-10.0, 10.0)];
const LINE: [(f64, f64); 1] = [(-10.0, 10.0)];

#[test]
fn add() {
    check_op!(op_add, op_add_grad, |a, b| a + b, anywhere(&SQUARE));
    assert_eq!(op_add_grad(0.25, -7.5).1.to_array(), [1.0, 1.0]);
}

#[test]
fn sub() {
    check_op!(op_sub, op_sub_grad, |a, b| a - b, anywhere(&SQUARE));
    assert_eq!(op_sub_grad(0.25, -7.5).1.to_array(), [1.0, -1.0]);
}

#[test]
fn mul() {
    check_op!(op_mul, op_mul_grad, |a, b| a * b, anywhere(&SQUARE));
    assert_eq!(op_mul_grad(0.25, -7.5).1.to_array(), [-7.5, 0.25]);
}

#[test]
fn div() {
    let points = points(&SQUARE, |p| p[1].abs() >= 0.2);
    check_op!(op_div, op_div_grad, |a, b| a / b, points);
    assert_eq!(op_div_grad(3.0, -2.0).1.to_array(), [-0.5, -0.75]);
}

/// A power of two over x has its own rule (`dy * y^2 * (-1/k)`, no division): 1 and -0.5. Any
/// other constant keeps the quotient rule: -3 (whose reciprocal would round) and 0 (0/x is 0,
/// slope 0).
#[test]
fn constant_over_x() {
    let points = points(&LINE, |p| p[0].abs() >= 0.2);
    check_op!(op_one_over, op_one_over_grad, |x| 1.0 / x, points.clone());
    check_op!(
        op_half_over,
        op_half_over_grad,
        |x| -0.5 / x,
        points.clone()
    );
    check_op!(
        op_const_over,
        op_const_over_grad,
        |x| -3.0 / x,
        points.clone()
    );
    check_op!(op_zero_over, op_zero_over_grad, |x| 0.0 / x, points);
    assert_eq!(op_one_over_grad(-2.0).1.x, -0.25);
    assert_eq!(op_half_over_grad(2.0).1.x, 0.125);
    assert_eq!(op_const_over_grad(2.0).1.x, 0.75);
    assert_eq!(op_zero_over_grad(2.0).1.x, 0.0);
    // 1/x at 0 and at infinity: the slope -1/x^2 is -inf and -0 (the quotient rule gives
    // the same).
    assert_eq!(op_one_over_grad(0.0).1.x, f64::NEG_INFINITY);
    assert_eq!(op_one_over_grad(f64::INFINITY).1.x, 0.0);
}

/// The simplifier's constant rewrites: the adjoint -1 of `1.0 - ...` joins the -1/2 of
/// `2.0 / x` (slope 2/x²), the 1/2 and the 2 of `tanh` spelled with `exp` cancel across the
/// `exp` between them (slope 1 - tanh²), `x * 2.0 * 0.5` is `x`. Literal arithmetic folds only
/// where f32 and f64 agree: `0.1 * 0.1` and `0.1 + 0.6` round differently in each, so they stay.
/// The scalings cancel only where their product is 1 (`* 2.0 ... * 3.0` stays).
#[test]
fn constants_folded_exactly() {
    let away_from_zero = points(&LINE, |p| p[0].abs() >= 0.2);
    check_op!(
        op_one_minus_two_over,
        op_one_minus_two_over_grad,
        |x| 1.0 - 2.0 / x,
        away_from_zero
    );
    let moderate = points(&[(-5.0, 5.0)], |_| true);
    check_op!(
        op_tanh_by_exp,
        op_tanh_by_exp_grad,
        |x| 1.0 - 2.0 / ((x * 2.0).exp() + 1.0),
        moderate
    );
    check_op!(
        op_scaled_back,
        op_scaled_back_grad,
        |x| x * 2.0 * 0.5,
        anywhere(&LINE)
    );
    check_op!(
        op_exact_literals,
        op_exact_literals_grad,
        |x| x * (0.5 * 2.0 + 1.0 - 3.0 / 4.0),
        anywhere(&LINE)
    );
    check_op!(
        op_rounded_literals,
        op_rounded_literals_grad,
        |x| x * (0.1 * 0.1) + (0.1 + 0.6),
        anywhere(&LINE)
    );
    check_op!(
        op_scaled_product,
        op_scaled_product_grad,
        |x, y| x * 2.0 * y * 0.5,
        anywhere(&SQUARE)
    );
    check_op!(
        op_scaled_product_kept,
        op_scaled_product_kept_grad,
        |x, y| x * 2.0 * y * 3.0 - x * 2.0 * y * -0.5,
        anywhere(&SQUARE)
    );
    assert_eq!(op_one_minus_two_over_grad(-2.0).1.x, 0.5);
    let t = 0.5_f64.tanh();
    let slope = op_tanh_by_exp_grad(0.5).1.x;
    assert!((slope - (1.0 - t * t)).abs() < 1e-15, "{slope}");
    assert_eq!(op_scaled_back_grad(3.0).1.x, 1.0);
    assert_eq!(op_exact_literals_grad(3.0).1.x, 1.25);
    assert_eq!(op_rounded_literals_grad(3.0_f32).1.x, 0.1_f32 * 0.1);
    assert_eq!(op_rounded_literals_grad(3.0_f64).1.x, 0.1_f64 * 0.1);
}

#[test]
fn neg() {
    check_op!(op_neg, op_neg_grad, |x| -x, anywhere(&LINE));
    assert_eq!(op_neg_grad(2.5).1.x, -1.0);
}

#[test]
fn std_constant() {
    let pi = std::f64::consts::PI;
    check_op!(
        op_pi,
        op_pi_grad,
        |x| T::lit(std::f64::consts::PI) * x,
        anywhere(&LINE)
    );
    assert_eq!(op_pi_grad(-1.5).1.x, pi);
    assert_eq!(op_pi_grad(-1.5_f32).1.x, std::f32::consts::PI);
}

#[test]
fn user_constant() {
    check_op!(
        op_scale,
        op_scale_grad,
        |x| T::lit(SCALE) * x,
        anywhere(&LINE)
    );
    assert_eq!(op_scale_grad(0.75).1.x, 3.0);
    assert_eq!(op_scale_grad(0.75_f32).1.x, 3.0);
}

#[test]
fn integer_literal() {
    check_op!(
        op_int_literal,
        op_int_literal_grad,
        |x| T::lit(2.0) * x,
        anywhere(&LINE)
    );
    assert_eq!(op_int_literal_grad(0.75).1.x, 2.0);
    assert_eq!(op_int_literal_grad(0.75_f32).1.x, 2.0);
}

#[test]
fn ufcs_method_call() {
    check_op!(
        op_ufcs,
        op_ufcs_grad,
        |x| x.sin(),
        anywhere(&[(-20.0, 20.0)])
    );
    // The concrete-typed form: f64 only.
    let points = anywhere(&[(-20.0, 20.0)]);
    let grad = |p: &[f64]| {
        let (value, g) = op_ufcs_typed_grad(p[0]);
        (value, g.to_array().to_vec())
    };
    check_fd("op_ufcs_typed", |p| op_ufcs_typed(p[0]), grad, &points);
    for p in &points {
        let (value, _) = op_ufcs_typed_grad(p[0]);
        assert_eq!(value.to_bits(), op_ufcs_typed(p[0]).to_bits());
        assert_eq!(value.to_bits(), p[0].sin().to_bits());
    }
}

// ------------------------------------------------------------------------------------------
// powi
// ------------------------------------------------------------------------------------------

grad! {
    fn op_powi_m3(x) { x.powi(-3) }
    fn op_powi_m2(x) { x.powi(-2) }
    fn op_powi_m1(x) { x.powi(-1) }
    fn op_powi_0(x) { x.powi(0) }
    fn op_powi_1(x) { x.powi(1) }
    fn op_powi_2(x) { x.powi(2) }
    fn op_powi_3(x) { x.powi(3) }
    fn op_powi_5(x) { x.powi(5) }
}

/// `[-5, 5]`, and for negative exponents at least 0.2 from the pole at 0.
fn powi_points(n: i32) -> Vec<Vec<f64>> {
    points(&[(-5.0, 5.0)], |p| n >= 0 || p[0].abs() >= 0.2)
}

#[test]
fn powi_minus_3() {
    check_op!(op_powi_m3, op_powi_m3_grad, |x| x.powi(-3), powi_points(-3));
}

#[test]
fn powi_minus_2() {
    check_op!(op_powi_m2, op_powi_m2_grad, |x| x.powi(-2), powi_points(-2));
}

#[test]
fn powi_minus_1() {
    check_op!(op_powi_m1, op_powi_m1_grad, |x| x.powi(-1), powi_points(-1));
}

#[test]
fn powi_0() {
    check_op!(op_powi_0, op_powi_0_grad, |x| x.powi(0), powi_points(0));
}

#[test]
fn powi_1() {
    check_op!(op_powi_1, op_powi_1_grad, |x| x.powi(1), powi_points(1));
}

#[test]
fn powi_2() {
    check_op!(op_powi_2, op_powi_2_grad, |x| x.powi(2), powi_points(2));
}

#[test]
fn powi_3() {
    check_op!(op_powi_3, op_powi_3_grad, |x| x.powi(3), powi_points(3));
}

#[test]
fn powi_5() {
    check_op!(op_powi_5, op_powi_5_grad, |x| x.powi(5), powi_points(5));
}

// ------------------------------------------------------------------------------------------
// Powers, roots, exponentials and logarithms
// ------------------------------------------------------------------------------------------

grad! {
    fn op_powf(x, y) { x.powf(y) }
    fn op_sqrt(x) { x.sqrt() }
    fn op_cbrt(x) { x.cbrt() }
    fn op_exp(x) { x.exp() }
    fn op_exp2(x) { x.exp2() }
    fn op_exp_m1(x) { x.exp_m1() }
    fn op_ln(x) { x.ln() }
    fn op_ln_1p(x) { x.ln_1p() }
    fn op_log(x, base) { x.log(base) }
    fn op_log2(x) { x.log2() }
    fn op_log10(x) { x.log10() }
}

/// `(0.05, 100)`: positive, and away from the singularity at 0.
const POSITIVE: [(f64, f64); 1] = [(0.05, 100.0)];

#[test]
fn powf() {
    let points = anywhere(&[(0.05, 10.0), (-3.0, 3.0)]);
    check_op!(op_powf, op_powf_grad, |x, y| x.powf(y), points);
}

#[test]
fn sqrt() {
    check_op!(op_sqrt, op_sqrt_grad, |x| x.sqrt(), anywhere(&POSITIVE));
}

#[test]
fn cbrt() {
    let points = points(&[(-50.0, 50.0)], |p| p[0].abs() >= 0.05);
    check_op!(op_cbrt, op_cbrt_grad, |x| x.cbrt(), points);
}

#[test]
fn exp() {
    check_op!(op_exp, op_exp_grad, |x| x.exp(), anywhere(&[(-20.0, 20.0)]));
}

#[test]
fn exp2() {
    check_op!(
        op_exp2,
        op_exp2_grad,
        |x| x.exp2(),
        anywhere(&[(-30.0, 30.0)])
    );
}

#[test]
fn exp_m1() {
    check_op!(
        op_exp_m1,
        op_exp_m1_grad,
        |x| x.exp_m1(),
        anywhere(&[(-20.0, 20.0)])
    );
}

#[test]
fn ln() {
    check_op!(op_ln, op_ln_grad, |x| x.ln(), anywhere(&POSITIVE));
}

#[test]
fn ln_1p() {
    check_op!(
        op_ln_1p,
        op_ln_1p_grad,
        |x| x.ln_1p(),
        anywhere(&[(-0.95, 100.0)])
    );
}

#[test]
fn log() {
    // The base stays away from 1, where `ln base = 0`.
    let points = points(&[(0.05, 100.0), (0.05, 20.0)], |p| {
        (p[1] - 1.0).abs() >= 0.05
    });
    check_op!(op_log, op_log_grad, |x, base| x.log(base), points);
}

#[test]
fn log2() {
    check_op!(op_log2, op_log2_grad, |x| x.log2(), anywhere(&POSITIVE));
}

#[test]
fn log10() {
    check_op!(op_log10, op_log10_grad, |x| x.log10(), anywhere(&POSITIVE));
}

// ------------------------------------------------------------------------------------------
// Trigonometric and hyperbolic functions
// ------------------------------------------------------------------------------------------

grad! {
    fn op_sin(x) { x.sin() }
    fn op_cos(x) { x.cos() }
    fn op_tan(x) { x.tan() }
    fn op_asin(x) { x.asin() }
    fn op_acos(x) { x.acos() }
    fn op_atan(x) { x.atan() }
    fn op_atan2(a, b) { a.atan2(b) }
    fn op_sinh(x) { x.sinh() }
    fn op_cosh(x) { x.cosh() }
    fn op_tanh(x) { x.tanh() }
    fn op_tanh_fast(x) { x.tanh_fast() }
    fn op_asinh(x) { x.asinh() }
    fn op_acosh(x) { x.acosh() }
    fn op_atanh(x) { x.atanh() }
}

/// `(-0.95, 0.95)`: inside the domain of `asin`, `acos`, `atanh`, away from `±1`.
const OPEN_UNIT: [(f64, f64); 1] = [(-0.95, 0.95)];

#[test]
fn sin() {
    check_op!(op_sin, op_sin_grad, |x| x.sin(), anywhere(&[(-20.0, 20.0)]));
}

#[test]
fn cos() {
    check_op!(op_cos, op_cos_grad, |x| x.cos(), anywhere(&[(-20.0, 20.0)]));
}

#[test]
fn tan() {
    // Away from the poles at π/2 + kπ.
    let points = points(&LINE, |p| p[0].cos().abs() >= 0.1);
    check_op!(op_tan, op_tan_grad, |x| x.tan(), points);
}

#[test]
fn asin() {
    check_op!(op_asin, op_asin_grad, |x| x.asin(), anywhere(&OPEN_UNIT));
}

#[test]
fn acos() {
    check_op!(op_acos, op_acos_grad, |x| x.acos(), anywhere(&OPEN_UNIT));
}

#[test]
fn atan() {
    check_op!(
        op_atan,
        op_atan_grad,
        |x| x.atan(),
        anywhere(&[(-20.0, 20.0)])
    );
}

#[test]
fn atan2() {
    // Away from the origin, and from the branch cut (a = 0, b < 0) where atan2 jumps by 2π.
    let points = points(&SQUARE, |p| {
        p[0].hypot(p[1]) >= 0.1 && !(p[1] < 0.0 && p[0].abs() < 0.01)
    });
    check_op!(op_atan2, op_atan2_grad, |a, b| a.atan2(b), points);
}

#[test]
fn sinh() {
    check_op!(op_sinh, op_sinh_grad, |x| x.sinh(), anywhere(&LINE));
}

#[test]
fn cosh() {
    check_op!(op_cosh, op_cosh_grad, |x| x.cosh(), anywhere(&LINE));
}

/// `grad!` computes `x.tanh()` with `Real::tanh_fast` (src/tanh.rs of the runtime tests its
/// accuracy); the attribute form keeps `f64::tanh` (below).
#[test]
fn tanh() {
    check_op!(op_tanh, op_tanh_grad, |x| x.tanh_fast(), anywhere(&LINE));
}

#[test]
fn tanh_fast() {
    check_op!(
        op_tanh_fast,
        op_tanh_fast_grad,
        |x| x.tanh_fast(),
        anywhere(&LINE)
    );
}

/// The attribute form's `_grad` computes the function as written: with `f64::tanh` where it
/// says `tanh`, with `Real::tanh_fast` where it says `tanh_fast`.
#[autograd::differentiable]
fn attribute_tanh(x: f64) -> f64 {
    x.tanh()
}

#[autograd::differentiable]
fn attribute_tanh_fast(x: f32) -> f32 {
    x.tanh_fast()
}

#[test]
fn the_attribute_form_keeps_std_tanh() {
    for p in anywhere(&LINE) {
        let x = p[0];
        let (value, g) = attribute_tanh_grad(x);
        assert_eq!(value.to_bits(), x.tanh().to_bits(), "at {x}");
        assert_eq!(value.to_bits(), attribute_tanh(x).to_bits(), "at {x}");
        assert_eq!(g.x, 1.0 - value * value, "at {x}");
        let y = x as f32;
        let (value, g) = attribute_tanh_fast_grad(y);
        assert_eq!(value.to_bits(), y.tanh_fast().to_bits(), "at {y}");
        assert_eq!(value.to_bits(), attribute_tanh_fast(y).to_bits(), "at {y}");
        assert_eq!(g.x, 1.0 - value * value, "at {y}");
    }
}

#[test]
fn asinh() {
    check_op!(
        op_asinh,
        op_asinh_grad,
        |x| x.asinh(),
        anywhere(&[(-50.0, 50.0)])
    );
}

#[test]
fn acosh() {
    check_op!(
        op_acosh,
        op_acosh_grad,
        |x| x.acosh(),
        anywhere(&[(1.05, 50.0)])
    );
}

#[test]
fn atanh() {
    check_op!(op_atanh, op_atanh_grad, |x| x.atanh(), anywhere(&OPEN_UNIT));
}

// ------------------------------------------------------------------------------------------
// abs, max, min, hypot, recip, mul_add and the activations
// ------------------------------------------------------------------------------------------

grad! {
    fn op_abs(x) { x.abs() }
    fn op_max(a, b) { a.max(b) }
    fn op_min(a, b) { a.min(b) }
    fn op_hypot(a, b) { a.hypot(b) }
    fn op_recip(x) { x.recip() }
    fn op_mul_add(a, b, c) { a.mul_add(b, c) }
    fn op_relu(x) { x.relu() }
    fn op_sigmoid(x) { x.sigmoid() }
    fn op_softplus(x) { x.softplus() }
}

/// Points on the line away from the kink at 0.
fn off_zero() -> Vec<Vec<f64>> {
    points(&LINE, |p| p[0].abs() >= 0.01)
}

/// Points in the square away from the diagonal, where `max` and `min` have their kink.
fn off_diagonal() -> Vec<Vec<f64>> {
    points(&SQUARE, |p| (p[0] - p[1]).abs() >= 0.01)
}

#[test]
fn abs() {
    check_op!(op_abs, op_abs_grad, |x| x.abs(), off_zero());
}

#[test]
fn max() {
    check_op!(op_max, op_max_grad, |a, b| a.max(b), off_diagonal());
}

#[test]
fn min() {
    check_op!(op_min, op_min_grad, |a, b| a.min(b), off_diagonal());
}

#[test]
fn hypot() {
    let points = points(&SQUARE, |p| p[0].hypot(p[1]) >= 0.1);
    check_op!(op_hypot, op_hypot_grad, |a, b| a.hypot(b), points);
}

#[test]
fn recip() {
    let points = points(&LINE, |p| p[0].abs() >= 0.2);
    check_op!(op_recip, op_recip_grad, |x| x.recip(), points);
}

#[test]
fn mul_add() {
    let points = anywhere(&[(-10.0, 10.0), (-10.0, 10.0), (-10.0, 10.0)]);
    check_op!(
        op_mul_add,
        op_mul_add_grad,
        |a, b, c| a.mul_add(b, c),
        points
    );
    assert_eq!(
        op_mul_add_grad(2.0, -3.0, 5.0).1.to_array(),
        [-3.0, 2.0, 1.0]
    );
}

#[test]
fn relu() {
    check_op!(op_relu, op_relu_grad, |x| x.relu(), off_zero());
}

#[test]
fn sigmoid() {
    check_op!(
        op_sigmoid,
        op_sigmoid_grad,
        |x| x.sigmoid(),
        anywhere(&[(-30.0, 30.0)])
    );
}

#[test]
fn softplus() {
    let points = anywhere(&[(-30.0, 30.0)]);
    check_op!(op_softplus, op_softplus_grad, |x| x.softplus(), points);
}

// ------------------------------------------------------------------------------------------
// Piecewise constant: derivative 0 between the jumps (here) and at them (below)
// ------------------------------------------------------------------------------------------

grad! {
    fn op_signum(x) { x.signum() }
    fn op_floor(x) { x.floor() }
    fn op_ceil(x) { x.ceil() }
    fn op_round(x) { x.round() }
    fn op_trunc(x) { x.trunc() }
}

/// Points on the line away from the integers, where floor, ceil and trunc jump.
fn off_integers() -> Vec<Vec<f64>> {
    points(&LINE, |p| from_integer(p[0]) >= 0.01)
}

#[test]
fn signum() {
    check_op!(op_signum, op_signum_grad, |x| x.signum(), off_zero());
}

#[test]
fn floor() {
    check_op!(op_floor, op_floor_grad, |x| x.floor(), off_integers());
}

#[test]
fn ceil() {
    check_op!(op_ceil, op_ceil_grad, |x| x.ceil(), off_integers());
}

#[test]
fn round() {
    // round jumps at the half-integers.
    let points = points(&LINE, |p| from_integer(p[0] - 0.5) >= 0.01);
    check_op!(op_round, op_round_grad, |x| x.round(), points);
}

#[test]
fn trunc() {
    check_op!(op_trunc, op_trunc_grad, |x| x.trunc(), off_integers());
}

// ------------------------------------------------------------------------------------------
// Kinks and singular points: the conventions of rules.rs, exact values
// ------------------------------------------------------------------------------------------

/// `f_grad(..).0` is `f(..)` and the std method, bit for bit.
fn assert_value<T: Real>(name: &str, value: T, forward: T, reference: T) {
    assert_eq!(bits(value), bits(forward), "{name}: _grad value != forward");
    assert_eq!(bits(value), bits(reference), "{name}: value != std");
}

fn abs_kink<T: Real>() {
    for x in [T::zero(), -T::zero()] {
        let (value, g) = op_abs_grad(x);
        assert_value("abs", value, op_abs(x), x.abs());
        assert_eq!(g.x, T::zero(), "abs'({x:?})");
    }
}

#[test]
fn abs_at_zero_has_derivative_zero() {
    abs_kink::<f64>();
    abs_kink::<f32>();
}

fn relu_kink<T: Real>() {
    for x in [T::zero(), -T::zero()] {
        let (value, g) = op_relu_grad(x);
        assert_value("relu", value, op_relu(x), x.relu());
        assert_eq!(g.x, T::zero(), "relu'({x:?})");
    }
}

#[test]
fn relu_at_zero_has_derivative_zero() {
    relu_kink::<f64>();
    relu_kink::<f32>();
}

fn max_min_tie<T: Real>() {
    let half = T::lit(0.5);
    for a in [-2.5, -0.0, 0.0, 1.0, 3.75].map(T::lit) {
        let (value, g) = op_max_grad(a, a);
        assert_value("max", value, op_max(a, a), a.max(a));
        assert_eq!((g.a, g.b), (half, half), "max at the tie ({a:?}, {a:?})");
        let (value, g) = op_min_grad(a, a);
        assert_value("min", value, op_min(a, a), a.min(a));
        assert_eq!((g.a, g.b), (half, half), "min at the tie ({a:?}, {a:?})");
    }
}

#[test]
fn max_and_min_at_a_tie_give_each_side_one_half() {
    max_min_tie::<f64>();
    max_min_tie::<f32>();
}

fn powi_zero_everywhere<T: Real>() {
    for x in [0.0, -0.0, 1.0, -3.5, 2.0, 1e-30].map(T::lit) {
        let (value, g) = op_powi_0_grad(x);
        assert_value("powi(0)", value, op_powi_0(x), x.powi(0));
        assert_eq!(value, T::one());
        assert_eq!(g.x, T::zero(), "powi(x, 0)' at {x:?}");
    }
}

#[test]
fn powi_0_has_derivative_zero_also_at_zero() {
    powi_zero_everywhere::<f64>();
    powi_zero_everywhere::<f32>();
}

fn powf_zero_base<T: Real>() {
    let zero = T::zero();
    for y in [0.5, 1.0, 2.0, 3.0, -1.0].map(T::lit) {
        let (value, g) = op_powf_grad(zero, y);
        assert_value("powf", value, op_powf(zero, y), zero.powf(y));
        assert_eq!(g.y, T::zero(), "∂ 0^y / ∂y at y = {y:?}");
    }
    // ∂/∂x = y·0^(y-1) where that is finite (and the central difference agrees).
    assert_eq!(op_powf_grad(zero, T::one()).1.x, T::one());
    assert_eq!(op_powf_grad(zero, T::lit(2.0)).1.x, T::zero());
    assert_eq!(op_powf_grad(zero, T::lit(3.0)).1.x, T::zero());
}

#[test]
fn powf_at_zero_base_has_exponent_derivative_zero() {
    powf_zero_base::<f64>();
    powf_zero_base::<f32>();
}

fn powf_zero_zero<T: Real>() {
    let zero = T::zero();
    let (value, g) = op_powf_grad(zero, zero);
    assert_value("powf", value, op_powf(zero, zero), zero.powf(zero));
    assert_eq!(value, T::one());
    // x^0 = 1 for every x, so the central difference is exactly 0; PyTorch gives 0 too.
    assert_eq!(g.x, T::zero(), "∂ x^0 / ∂x at x = 0");
    assert_eq!(g.y, T::zero(), "∂ 0^y / ∂y at y = 0");
}

#[test]
fn powf_with_zero_exponent_at_zero_base_has_derivative_zero() {
    powf_zero_zero::<f64>();
    powf_zero_zero::<f32>();
}

fn sqrt_at_zero<T: Real>() {
    let (value, g) = op_sqrt_grad(T::zero());
    assert_value("sqrt", value, op_sqrt(T::zero()), T::zero().sqrt());
    assert_eq!(g.x, T::infinity(), "sqrt'(0)");
}

#[test]
fn sqrt_at_zero_has_derivative_plus_infinity() {
    sqrt_at_zero::<f64>();
    sqrt_at_zero::<f32>();
}

fn hypot_at_origin<T: Real>() {
    for (a, b) in [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0)] {
        let (a, b) = (T::lit(a), T::lit(b));
        let (value, g) = op_hypot_grad(a, b);
        assert_value("hypot", value, op_hypot(a, b), a.hypot(b));
        assert_eq!(
            g.to_array(),
            [T::zero(), T::zero()],
            "hypot at ({a:?}, {b:?})"
        );
    }
}

#[test]
fn hypot_at_origin_has_gradient_zero() {
    hypot_at_origin::<f64>();
    hypot_at_origin::<f32>();
}

fn piecewise_at_jumps<T: Real>() {
    let xs = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 3.0, 1e6].map(T::lit);
    for x in xs {
        let (value, g) = op_signum_grad(x);
        assert_value("signum", value, op_signum(x), x.signum());
        assert_eq!(g.x, T::zero(), "signum' at {x:?}");
        let (value, g) = op_floor_grad(x);
        assert_value("floor", value, op_floor(x), x.floor());
        assert_eq!(g.x, T::zero(), "floor' at {x:?}");
        let (value, g) = op_ceil_grad(x);
        assert_value("ceil", value, op_ceil(x), x.ceil());
        assert_eq!(g.x, T::zero(), "ceil' at {x:?}");
        let (value, g) = op_round_grad(x);
        assert_value("round", value, op_round(x), x.round());
        assert_eq!(g.x, T::zero(), "round' at {x:?}");
        let (value, g) = op_trunc_grad(x);
        assert_value("trunc", value, op_trunc(x), x.trunc());
        assert_eq!(g.x, T::zero(), "trunc' at {x:?}");
    }
}

#[test]
fn piecewise_constant_methods_have_derivative_zero_at_their_jumps() {
    piecewise_at_jumps::<f64>();
    piecewise_at_jumps::<f32>();
}
