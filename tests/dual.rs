//! Every method of `autograd::Dual` against finite differences, one test per method, and the
//! kink conventions (README, "Derivatives at kinks") as exact values.
//!
//! Each method is written once as a generic function `f<T: Real>` and instantiated at `f64`,
//! `Dual<f64>`, `DualN<f64, 2>`, `Dual<Dual<f64>>` and `Dual<f32>`. At 64 points inside its
//! domain, [`check_unary`] / [`check_binary`] assert that
//! - the dual's value is the `f64` method's, bit for bit;
//! - its tangent agrees with the five-point difference of the `f64` method (the options of
//!   `tests/rules.rs`: relative 1e-7 plus the difference's rounding error);
//! - `DualN` carries exactly the same partials, each argument seeded at once;
//! - the second derivative of `Dual<Dual<f64>>` agrees with the difference of the first;
//! - `Dual<f32>` agrees with `Dual<f64>` to 1e-5 relative (plus a few f32 ulps).

use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
use autograd::{Dual, DualN, Float, Real};

/// The finite difference of `tests/rules.rs`.
const FD: Options = Options {
    stencil: Stencil::FivePoint,
    step: Step::PowerOfTwo(1e-5),
    atol: 0.0,
    rtol: 1e-7,
    noise_ulps: 8.0,
};

/// Relative tolerance of `Dual<f32>` against `Dual<f64>`, and its floor in f32 ulps of
/// `max(1, |f|)` (as `tests/rules.rs`'s f32 check).
const RTOL32: f64 = 1e-5;
const FLOOR32_ULPS: f64 = 16.0;

type D = Dual<f64>;
type DD = Dual<Dual<f64>>;

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
}

/// 64 points in `ranges`, rounded to f32 (so `x ± kh` is exact), kept where `keep` holds.
fn points(ranges: &[(f64, f64)], keep: impl Fn(&[f64]) -> bool) -> Vec<Vec<f64>> {
    let mut rng = Rng(0xD0A1 + ranges.len() as u64);
    let mut out = Vec::new();
    while out.len() < 64 {
        let p: Vec<f64> = ranges
            .iter()
            .map(|&(lo, hi)| f64::from(rng.uniform(lo, hi) as f32))
            .collect();
        if keep(&p) {
            out.push(p);
        }
    }
    out
}

fn assert_fd(name: &str, f: impl Fn(&[f64]) -> f64, p: &[f64], analytic: &[f64]) {
    let report = check_grad_slice_with(&FD, f, p, analytic).unwrap();
    assert!(
        report.ok(),
        "{name} at {p:?}: tangent disagrees with the finite difference: {report}, allowed {:e}",
        report.allowed
    );
}

fn assert_f32(name: &str, p: &[f64], value: f64, t64: f64, t32: f32) {
    let floor = FLOOR32_ULPS * f64::from(f32::EPSILON) * value.abs().max(1.0);
    let error = (f64::from(t32) - t64).abs();
    assert!(
        error <= RTOL32 * t64.abs() + floor,
        "{name} at {p:?}: Dual<f32> tangent {t32:e}, Dual<f64> {t64:e}"
    );
}

/// One method of one argument at every type.
struct Unary {
    f64: fn(f64) -> f64,
    dual: fn(D) -> D,
    dual_n: fn(DualN<f64, 2>) -> DualN<f64, 2>,
    dual2: fn(DD) -> DD,
    dual32: fn(Dual<f32>) -> Dual<f32>,
}

fn check_unary(name: &str, op: Unary, points: &[Vec<f64>]) {
    let first = |x: f64| (op.dual)(Dual::variable(x)).eps;
    for p in points {
        let x = p[0];
        let d = (op.dual)(Dual::variable(x));
        assert_eq!(
            d.re.to_bits(),
            (op.f64)(x).to_bits(),
            "{name} at {x}: value"
        );
        assert_fd(name, |q| (op.f64)(q[0]), p, &[d.eps]);
        let n = (op.dual_n)(DualN::new(x, [1.0, -0.5]));
        assert_eq!(n.re.to_bits(), d.re.to_bits(), "{name} at {x}: DualN value");
        assert_eq!(
            n.eps,
            [d.eps, -0.5 * d.eps],
            "{name} at {x}: DualN tangents"
        );
        let dd = (op.dual2)(Dual::new(Dual::variable(x), Dual::constant(1.0)));
        assert_eq!(
            (dd.re.re, dd.re.eps, dd.eps.re),
            (d.re, d.eps, d.eps),
            "{name} at {x}"
        );
        assert_fd(&format!("{name}''"), |q| first(q[0]), p, &[dd.eps.eps]);
        let d32 = (op.dual32)(Dual::variable(x as f32));
        assert_f32(name, p, d.re, d.eps, d32.eps);
    }
}

macro_rules! unary {
    ($test:ident, |$x:ident| $body:expr, $range:expr, |$k:ident| $keep:expr) => {
        #[test]
        fn $test() {
            fn f<T: Real>($x: T) -> T {
                $body
            }
            let op = Unary {
                f64: f::<f64>,
                dual: f::<D>,
                dual_n: f::<DualN<f64, 2>>,
                dual2: f::<DD>,
                dual32: f::<Dual<f32>>,
            };
            check_unary(
                stringify!($test),
                op,
                &points(&[$range], |p| {
                    let $k = p[0];
                    $keep
                }),
            );
        }
    };
    ($test:ident, |$x:ident| $body:expr, $range:expr) => {
        unary!($test, |$x| $body, $range, |_k| true);
    };
}

/// Distance from `x` to the nearest integer.
fn from_integer(x: f64) -> f64 {
    (x - x.round()).abs()
}

const LINE: (f64, f64) = (-3.0, 3.0);
const POSITIVE: (f64, f64) = (0.05, 5.0);

unary!(neg, |x| -x, LINE);
unary!(sqrt, |x| x.sqrt(), POSITIVE);
unary!(cbrt, |x| x.cbrt(), LINE, |x| x.abs() > 0.05);
unary!(exp, |x| x.exp(), LINE);
unary!(exp2, |x| x.exp2(), LINE);
unary!(exp_m1, |x| x.exp_m1(), LINE);
unary!(ln, |x| x.ln(), POSITIVE);
unary!(ln_1p, |x| x.ln_1p(), (-0.95, 4.0));
unary!(log2, |x| x.log2(), POSITIVE);
unary!(log10, |x| x.log10(), POSITIVE);
unary!(sin, |x| x.sin(), LINE);
unary!(cos, |x| x.cos(), LINE);
unary!(
    sin_cos,
    |x| {
        let (s, c) = x.sin_cos();
        s * T::lit(2.0) + c
    },
    LINE
);
unary!(tan, |x| x.tan(), (-1.5, 1.5));
unary!(asin, |x| x.asin(), (-0.95, 0.95));
unary!(acos, |x| x.acos(), (-0.95, 0.95));
unary!(atan, |x| x.atan(), LINE);
unary!(sinh, |x| x.sinh(), LINE);
unary!(cosh, |x| x.cosh(), LINE);
unary!(tanh, |x| x.tanh(), LINE);
unary!(tanh_fast, |x| x.tanh_fast(), LINE);
unary!(asinh, |x| x.asinh(), LINE);
unary!(acosh, |x| x.acosh(), (1.05, 5.0));
unary!(atanh, |x| x.atanh(), (-0.95, 0.95));
unary!(abs, |x| x.abs(), LINE, |x| x.abs() > 0.05);
unary!(recip, |x| x.recip(), LINE, |x| x.abs() > 0.05);
unary!(relu, |x| x.relu(), LINE, |x| x.abs() > 0.05);
unary!(sigmoid, |x| x.sigmoid(), (-8.0, 8.0));
unary!(softplus, |x| x.softplus(), (-8.0, 8.0));
unary!(signum, |x| x.signum(), LINE, |x| x.abs() > 0.05);
unary!(floor, |x| x.floor(), LINE, |x| from_integer(x) > 0.05);
unary!(ceil, |x| x.ceil(), LINE, |x| from_integer(x) > 0.05);
unary!(round, |x| x.round(), LINE, |x| (from_integer(x) - 0.5)
    .abs()
    > 0.05);
unary!(trunc, |x| x.trunc(), LINE, |x| from_integer(x) > 0.05);
unary!(fract, |x| x.fract(), LINE, |x| from_integer(x) > 0.05);
unary!(to_degrees, |x| x.to_degrees(), LINE);
unary!(to_radians, |x| x.to_radians(), LINE);
unary!(powi_minus_3, |x| x.powi(-3), LINE, |x| x.abs() > 0.2);
unary!(powi_minus_1, |x| x.powi(-1), LINE, |x| x.abs() > 0.2);
unary!(powi_0, |x| x.powi(0), LINE);
unary!(powi_1, |x| x.powi(1), LINE);
unary!(powi_2, |x| x.powi(2), LINE);
unary!(powi_5, |x| x.powi(5), LINE);
unary!(lit, |x| x * T::lit(0.1) + T::lit(3.0), LINE);

/// One method of two arguments at every type.
struct Binary {
    f64: fn(f64, f64) -> f64,
    dual: fn(D, D) -> D,
    dual_n: fn(DualN<f64, 2>, DualN<f64, 2>) -> DualN<f64, 2>,
    dual2: fn(DD, DD) -> DD,
    dual32: fn(Dual<f32>, Dual<f32>) -> Dual<f32>,
}

fn check_binary(name: &str, op: Binary, points: &[Vec<f64>]) {
    // The partials of `op.dual` with respect to argument `i` at (a, b).
    let partial = |i: usize, a: f64, b: f64| {
        let seed = |j: usize, x: f64| Dual::new(x, if i == j { 1.0 } else { 0.0 });
        (op.dual)(seed(0, a), seed(1, b))
    };
    for p in points {
        let (a, b) = (p[0], p[1]);
        let (da, db) = (partial(0, a, b), partial(1, a, b));
        assert_eq!(
            da.re.to_bits(),
            (op.f64)(a, b).to_bits(),
            "{name} at {p:?}: value"
        );
        assert_fd(name, |q| (op.f64)(q[0], q[1]), p, &[da.eps, db.eps]);
        let n = (op.dual_n)(DualN::variable(a, 0), DualN::variable(b, 1));
        assert_eq!(n.eps, [da.eps, db.eps], "{name} at {p:?}: DualN tangents");
        for i in 0..2 {
            // Second derivatives ∂²/∂x_i∂x_j for j = 0, 1: the outer tangent along x_i.
            let inner = |j: usize, x: f64| Dual::new(x, if j == i { 1.0 } else { 0.0 });
            let outer = |j: usize, x: f64| Dual::new(inner(j, x), Dual::constant(0.0));
            let mut at = [outer(0, a), outer(1, b)];
            at[i].eps = Dual::constant(1.0);
            let dd = (op.dual2)(at[0], at[1]);
            let first = |q: &[f64]| partial(i, q[0], q[1]).eps;
            // ∂/∂x_j of ∂f/∂x_i, for both j: the outer tangent seeded x_i too, so
            // `dd.eps.eps` is ∂²f/∂x_i²; the mixed partial comes from seeding the other.
            let mut mixed = [outer(0, a), outer(1, b)];
            mixed[1 - i].eps = Dual::constant(1.0);
            let dm = (op.dual2)(mixed[0], mixed[1]);
            let mut second = [0.0; 2];
            second[i] = dd.eps.eps;
            second[1 - i] = dm.eps.eps;
            assert_fd(&format!("{name}'' (row {i})"), first, p, &second);
        }
        let d32 = |i: usize| {
            let seed = |j: usize, x: f64| Dual::new(x as f32, if i == j { 1.0 } else { 0.0 });
            (op.dual32)(seed(0, a), seed(1, b)).eps
        };
        assert_f32(name, p, da.re, da.eps, d32(0));
        assert_f32(name, p, da.re, db.eps, d32(1));
    }
}

macro_rules! binary {
    ($test:ident, |$a:ident, $b:ident| $body:expr, $ranges:expr, |$p:ident| $keep:expr) => {
        #[test]
        fn $test() {
            fn f<T: Real>($a: T, $b: T) -> T {
                $body
            }
            let op = Binary {
                f64: f::<f64>,
                dual: f::<D>,
                dual_n: f::<DualN<f64, 2>>,
                dual2: f::<DD>,
                dual32: f::<Dual<f32>>,
            };
            check_binary(stringify!($test), op, &points(&$ranges, |$p| $keep));
        }
    };
    ($test:ident, |$a:ident, $b:ident| $body:expr, $ranges:expr) => {
        binary!($test, |$a, $b| $body, $ranges, |_p| true);
    };
}

binary!(add, |a, b| a + b, [LINE, LINE]);
binary!(sub, |a, b| a - b, [LINE, LINE]);
binary!(mul, |a, b| a * b, [LINE, LINE]);
binary!(div, |a, b| a / b, [LINE, LINE], |p| p[1].abs() > 0.1);
binary!(rem, |a, b| a % b, [LINE, (0.5, 2.0)], |p| from_integer(
    p[0] / p[1]
) > 0.05);
binary!(
    assign_ops,
    |a, b| {
        let mut s = a;
        s += b;
        s *= a;
        s -= b;
        s /= b;
        s %= T::lit(10.0);
        s
    },
    [(0.5, 2.0), (0.5, 2.0)]
);
binary!(
    sum,
    |a, b| [a, b, a * b].into_iter().sum::<T>(),
    [LINE, LINE]
);
binary!(powf, |a, b| a.powf(b), [POSITIVE, LINE]);
binary!(log, |a, b| a.log(b), [POSITIVE, (1.5, 5.0)]);
binary!(log_base_below_one, |a, b| a.log(b), [POSITIVE, (0.1, 0.7)]);
binary!(atan2, |a, b| a.atan2(b), [LINE, LINE], |p| p[0].hypot(p[1])
    > 0.1);
binary!(hypot, |a, b| a.hypot(b), [LINE, LINE], |p| p[0].hypot(p[1])
    > 0.1);
binary!(max, |a, b| a.max(b), [LINE, LINE], |p| (p[0] - p[1]).abs()
    > 0.05);
binary!(min, |a, b| a.min(b), [LINE, LINE], |p| (p[0] - p[1]).abs()
    > 0.05);
binary!(mul_add, |a, b| a.mul_add(b, a * T::lit(0.5)), [LINE, LINE]);
binary!(
    mul_add_third,
    |a, b| T::lit(1.5).mul_add(b, a),
    [LINE, LINE]
);
#[allow(deprecated)]
fn abs_sub<T: Real>(a: T, b: T) -> T {
    a.abs_sub(b)
}
binary!(
    abs_sub_away_from_the_kink,
    |a, b| abs_sub(a, b),
    [LINE, LINE],
    |p| (p[0] - p[1]).abs() > 0.05
);

// ------------------------------------------------------------------------------------------
// Kinks: the conventions, exactly.
// ------------------------------------------------------------------------------------------

#[test]
fn abs_at_zero_has_derivative_zero() {
    for x in [0.0, -0.0] {
        let d = Dual::new(x, 1.0).abs();
        assert_eq!((d.re, d.eps), (0.0, 0.0));
    }
}

#[test]
fn relu_at_zero_has_derivative_zero() {
    let d = Dual::new(0.0, 1.0).relu();
    assert_eq!((d.re, d.eps), (0.0, 0.0));
    assert_eq!(Dual::new(1e-300, 1.0).relu().eps, 1.0);
}

#[test]
fn max_and_min_split_a_tie() {
    let (a, b) = (Dual::new(2.0, 1.0), Dual::new(2.0, 0.0));
    assert_eq!(a.max(b).eps, 0.5);
    assert_eq!(b.max(a).eps, 0.5);
    assert_eq!(a.min(b).eps, 0.5);
    assert_eq!(b.min(a).eps, 0.5);
    // Both seeded: the derivative of max(x, x) = x is 1.
    assert_eq!(a.max(a).eps, 1.0);
    // A NaN side is ignored, as f64::max does.
    let nan = Dual::new(f64::NAN, 7.0);
    assert_eq!((a.max(nan).re, a.max(nan).eps), (2.0, 1.0));
    assert_eq!((nan.min(a).re, nan.min(a).eps), (2.0, 1.0));
    // DualN splits each tangent.
    let (a, b) = (DualN::new(1.0, [1.0, 0.0]), DualN::new(1.0, [0.0, 4.0]));
    assert_eq!(a.max(b).eps, [0.5, 2.0]);
    assert_eq!(a.min(b).eps, [0.5, 2.0]);
}

#[test]
fn abs_sub_at_the_kink_takes_max_s_half() {
    #[allow(deprecated)]
    let d = Dual::new(1.0, 1.0).abs_sub(Dual::new(1.0, 0.0));
    assert_eq!((d.re, d.eps), (0.0, 0.5));
}

#[test]
fn powi_zero_has_derivative_zero_everywhere() {
    for x in [0.0, -0.0, 2.0, f64::INFINITY] {
        let d = Dual::new(x, 1.0).powi(0);
        assert_eq!((d.re, d.eps), (1.0, 0.0), "at {x}");
    }
    // And its second derivative.
    let dd = Dual::new(Dual::variable(0.0), Dual::constant(1.0)).powi(0);
    assert_eq!(dd.eps.eps, 0.0);
}

#[test]
fn powf_conventions() {
    // ∂/∂y x^y = 0 at x = 0 (ln 0 = -inf, but x^y = 0).
    let d = Dual::constant(0.0).powf(Dual::new(2.0, 1.0));
    assert_eq!((d.re, d.eps), (0.0, 0.0));
    // ∂/∂x x^y = 0 where y = 0, even at x = 0.
    let d = Dual::new(0.0, 1.0).powf(Dual::constant(0.0));
    assert_eq!((d.re, d.eps), (1.0, 0.0));
    let d = Dual::new(3.0, 1.0).powf(Dual::constant(0.0));
    assert_eq!((d.re, d.eps), (1.0, 0.0));
    // ∂/∂x x^2 at 0 is 0, ∂/∂x x^0.5 at 0 is +inf.
    assert_eq!(Dual::new(0.0, 1.0).powf(Dual::constant(2.0)).eps, 0.0);
    assert_eq!(
        Dual::new(0.0, 1.0).powf(Dual::constant(0.5)).eps,
        f64::INFINITY
    );
}

#[test]
fn sqrt_at_zero_has_derivative_infinity() {
    let d = Dual::new(0.0, 1.0).sqrt();
    assert_eq!((d.re, d.eps), (0.0, f64::INFINITY));
    assert_eq!(Dual::new(0.0, -2.0).sqrt().eps, f64::NEG_INFINITY);
    // A constant sqrt(0): tangent 0, not 0 * inf = NaN.
    let d = Dual::constant(0.0).sqrt();
    assert_eq!((d.re, d.eps), (0.0, 0.0));
    let n = DualN::new(0.0, [1.0, 0.0]).sqrt();
    assert_eq!(n.eps, [f64::INFINITY, 0.0]);
}

#[test]
fn hypot_at_the_origin_has_derivative_zero() {
    let d = Dual::new(0.0, 1.0).hypot(Dual::new(0.0, 1.0));
    assert_eq!((d.re, d.eps), (0.0, 0.0));
}

#[test]
fn piecewise_constant_methods_have_derivative_zero_at_their_jumps() {
    for (name, f) in [
        ("signum", (|x: D| x.signum()) as fn(D) -> D),
        ("floor", |x| x.floor()),
        ("ceil", |x| x.ceil()),
        ("round", |x| x.round()),
        ("trunc", |x| x.trunc()),
    ] {
        for x in [0.0, 1.0, -2.0, 0.5, 2.5] {
            assert_eq!(f(Dual::new(x, 1.0)).eps, 0.0, "{name} at {x}");
        }
    }
}

#[test]
fn comparisons_look_at_the_value_only() {
    let (a, b) = (Dual::new(1.0, 5.0), Dual::new(1.0, -5.0));
    assert!(a == b && a <= b && a >= b);
    assert_eq!(a.partial_cmp(&b), Some(core::cmp::Ordering::Equal));
    assert!(Dual::new(0.5, 9.0) < Dual::new(1.0, 0.0));
    assert!(DualN::new(1.0, [1.0, 2.0]) == DualN::new(1.0, [0.0, 0.0]));
}

/// Constants and conversions through the `Real` bound, as generated code reaches them.
fn constants<T: Real>() -> [T; 5] {
    [
        T::lit(2.5),
        T::nan(),
        T::infinity(),
        T::max_value(),
        T::epsilon(),
    ]
}

/// `(T::from(3), x.to_f64(), x.to_i64())`.
type Conversions<T> = (Option<T>, Option<f64>, Option<i64>);

fn conversions<T: Real>(x: T) -> (Conversions<T>, (u64, i16, i8)) {
    ((T::from(3_i32), x.to_f64(), x.to_i64()), x.integer_decode())
}

#[test]
fn constants_and_conversions_have_tangent_zero() {
    let [lit, nan, inf, max, eps] = constants::<D>();
    assert_eq!((lit.re, lit.eps), (2.5, 0.0));
    assert!(nan.re.is_nan() && inf.re == f64::INFINITY && max.re == f64::MAX);
    assert_eq!((eps.re, eps.eps), (f64::EPSILON, 0.0));
    let ((three, to_f64, to_i64), decoded) = conversions(Dual::new(-1.5, 1.0));
    assert_eq!(three.map(|d| (d.re, d.eps)), Some((3.0, 0.0)));
    assert_eq!((to_f64, to_i64), (Some(-1.5), Some(-1)));
    assert_eq!(decoded, conversions(-1.5_f64).1);
    assert_eq!(Dual::from(4.0).eps, 0.0);
    assert_eq!(format!("{}", Dual::new(1.5, -2.0)), "1.5 + -2ε");
    let s: D = [Dual::new(1.0, 1.0), Dual::new(2.0, 3.0)].into_iter().sum();
    assert_eq!((s.re, s.eps), (3.0, 4.0));
}

/// The predicates and constants of `Float`, through the `Real` bound: the value's.
fn predicates<T: Real>(x: T) -> [bool; 7] {
    [
        x.is_nan(),
        x.is_infinite(),
        x.is_finite(),
        x.is_normal(),
        x.is_subnormal(),
        x.is_sign_positive(),
        x.is_sign_negative(),
    ]
}

fn more_constants<T: Real>() -> [T; 4] {
    [
        T::neg_zero(),
        T::neg_infinity(),
        T::min_value(),
        T::min_positive_value(),
    ]
}

#[test]
fn predicates_and_constants_are_the_value_s() {
    for x in [
        0.0,
        -0.0,
        1.5,
        -2.0,
        f64::NAN,
        f64::INFINITY,
        f64::MIN_POSITIVE / 4.0,
    ] {
        assert_eq!(predicates(Dual::new(x, 3.0)), predicates(x), "at {x}");
        assert_eq!(predicates(DualN::new(x, [3.0])), predicates(x), "at {x}");
        assert_eq!(Dual::new(x, 3.0).classify(), x.classify());
    }
    let duals = more_constants::<D>();
    let floats = more_constants::<f64>();
    for (d, f) in duals.iter().zip(floats) {
        assert_eq!((d.re.to_bits(), d.eps), (f.to_bits(), 0.0));
    }
    assert_eq!(parse::<D>("2.5").map(|d| (d.re, d.eps)), Some((2.5, 0.0)));
    assert_eq!(D::default().re, 0.0);
    assert_eq!(DualN::<f64, 3>::default().eps, [0.0; 3]);
}

fn parse<T: Real>(text: &str) -> Option<T> {
    T::from_str_radix(text, 10).ok()
}

#[test]
fn copysign_and_clamp_carry_the_tangent_of_what_they_return() {
    // copysign(x, s) = ±x: tangent ±ε.
    let d = Dual::new(2.0, 1.0).copysign(Dual::new(-1.0, 5.0));
    assert_eq!((d.re, d.eps), (-2.0, -1.0));
    let d = Dual::new(2.0, 1.0).copysign(Dual::new(3.0, 5.0));
    assert_eq!((d.re, d.eps), (2.0, 1.0));
    // clamp(x, lo, hi): x's tangent inside, the bound's outside.
    let (lo, hi) = (Dual::new(0.0, 7.0), Dual::new(1.0, 9.0));
    assert_eq!(Dual::new(0.5, 1.0).clamp(lo, hi).eps, 1.0);
    assert_eq!(Dual::new(-0.5, 1.0).clamp(lo, hi).eps, 7.0);
    assert_eq!(Dual::new(1.5, 1.0).clamp(lo, hi).eps, 9.0);
}
