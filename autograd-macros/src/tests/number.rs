//! The numbers the IR interpreter computes with: `f64`, and [`Dual`], a forward-mode dual
//! number `v + d·ε` written for the tests. Run on duals, a derived gradient program is
//! forward over reverse: seeded with tangent `v`, the tangents of the gradient are `H·v`, the
//! mathematics of the generated `f_hvp` (which runs `f_grad::<autograd::Dual<T>>`).
//!
//! [`Dual`]'s rules follow the runtime's conventions (README, "Derivatives at kinks";
//! `autograd-runtime/src/dual.rs`, `kinks.rs`): comparisons see the value only, `abs'(0) = 0`,
//! `relu'(0) = 0`, a tie of `max`/`min` gives each side 1/2, `powi(x, 0)' = 0`, `powf`'s
//! partials are 0 where the exponent is 0 (base) and at a zero base (exponent), `hypot` has
//! derivative 0 at the origin, `signum floor ceil round trunc` are flat, and an infinite
//! derivative times a zero tangent is 0. Every value is the `f64` one, computed by the same
//! code, so a dual run's values are the `f64` run's bit for bit.
//! `dual_rules_agree_with_the_runtime` compares each method with `autograd::Dual<f64>`.

use std::f64::consts::{LN_10, LN_2};
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::ir::{Helper, Method};

use super::interpret::method;

/// What the interpreter needs of a number.
pub trait Number:
    Copy
    + Debug
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant.
    fn lit(x: f64) -> Self;
    /// The value.
    fn value(self) -> f64;
    /// The largest magnitude it holds (value or tangent), infinite for a NaN.
    fn size(self) -> f64;
    fn powi(self, n: i32) -> Self;
    /// `x.m(y, z)` (arguments beyond the method's are ignored).
    fn method(m: Method, x: Self, y: Self, z: Self) -> Self;
}

fn size(x: f64) -> f64 {
    if x.is_nan() {
        f64::INFINITY
    } else {
        x.abs()
    }
}

impl Number for f64 {
    fn lit(x: f64) -> f64 {
        x
    }
    fn value(self) -> f64 {
        self
    }
    fn size(self) -> f64 {
        size(self)
    }
    fn powi(self, n: i32) -> f64 {
        f64::powi(self, n)
    }
    fn method(m: Method, x: f64, y: f64, z: f64) -> f64 {
        method(m, x, y, z)
    }
}

/// The derivative helpers of `::autograd::__private` (`autograd-runtime/src/kinks.rs`),
/// written once for every [`Number`] as the runtime writes them once for every `Real`: at
/// dual numbers their branches look at the value, and their arithmetic carries the tangent.
pub fn helper<N: Number>(h: Helper, x: N, y: N) -> N {
    let (zero, one) = (N::lit(0.0), N::lit(1.0));
    let weight = |a: N, b: N| {
        if a > b {
            one
        } else if a == b {
            N::lit(0.5)
        } else {
            zero
        }
    };
    match h {
        Helper::Sign => {
            if x > zero {
                one
            } else if x < zero {
                -one
            } else {
                zero
            }
        }
        Helper::Step => {
            if x > zero {
                one
            } else {
                zero
            }
        }
        Helper::MaxWeight => weight(x, y),
        Helper::MinWeight => weight(y, x),
        Helper::PowfBase => {
            if y == zero {
                zero
            } else {
                y * N::method(Method::Powf, x, y - one, zero)
            }
        }
        Helper::PowfExponent => {
            if x == zero {
                zero
            } else {
                y * N::method(Method::Ln, x, zero, zero)
            }
        }
        Helper::DivOrZero => {
            if y == zero {
                zero
            } else {
                x / y
            }
        }
    }
}

/// `v + d·ε` with `ε² = 0`.
#[derive(Clone, Copy, Debug)]
pub struct Dual {
    pub v: f64,
    pub d: f64,
}

impl Dual {
    pub fn new(v: f64, d: f64) -> Dual {
        Dual { v, d }
    }

    /// `f(x)` with value `y` and derivative `dy = f'(x)`: an infinite derivative times a zero
    /// tangent is 0.
    fn chain(self, y: f64, dy: f64) -> Dual {
        Dual::new(y, times(self.d, dy))
    }

    /// `f(a, b)` with value `y` and partials `da`, `db`.
    fn chain2(self, other: Dual, y: f64, da: f64, db: f64) -> Dual {
        Dual::new(y, times(self.d, da) + times(other.d, db))
    }
}

/// `e·d`, 0 where `e = 0` even if `d` is infinite or NaN.
fn times(e: f64, d: f64) -> f64 {
    if e == 0.0 {
        0.0
    } else {
        e * d
    }
}

impl PartialEq for Dual {
    fn eq(&self, other: &Dual) -> bool {
        self.v == other.v
    }
}

impl PartialOrd for Dual {
    fn partial_cmp(&self, other: &Dual) -> Option<std::cmp::Ordering> {
        self.v.partial_cmp(&other.v)
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, b: Dual) -> Dual {
        Dual::new(self.v + b.v, self.d + b.d)
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, b: Dual) -> Dual {
        Dual::new(self.v - b.v, self.d - b.d)
    }
}

impl Mul for Dual {
    type Output = Dual;
    fn mul(self, b: Dual) -> Dual {
        Dual::new(self.v * b.v, self.d * b.v + b.d * self.v)
    }
}

impl Div for Dual {
    type Output = Dual;
    fn div(self, b: Dual) -> Dual {
        let q = self.v / b.v;
        Dual::new(q, (self.d - q * b.d) * b.v.recip())
    }
}

impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual::new(-self.v, -self.d)
    }
}

fn sigmoid(x: f64) -> f64 {
    method(Method::Sigmoid, x, 0.0, 0.0)
}

impl Number for Dual {
    fn lit(x: f64) -> Dual {
        Dual::new(x, 0.0)
    }
    fn value(self) -> f64 {
        self.v
    }
    fn size(self) -> f64 {
        size(self.v).max(size(self.d))
    }
    fn powi(self, n: i32) -> Dual {
        if n == 0 {
            return Dual::lit(1.0);
        }
        self.chain(self.v.powi(n), f64::from(n) * self.v.powi(n - 1))
    }
    fn method(m: Method, a: Dual, b: Dual, c: Dual) -> Dual {
        use Method::*;
        let (x, y) = (a.v, b.v);
        let value = method(m, x, y, c.v);
        match m {
            Powf => {
                let base = helper(Helper::PowfBase, x, y);
                let exponent = helper(Helper::PowfExponent, x, value);
                a.chain2(b, value, base, exponent)
            }
            Sqrt => a.chain(value, 0.5 / value),
            Cbrt => a.chain(value, (3.0 * value * value).recip()),
            Exp => a.chain(value, value),
            Exp2 => a.chain(value, value * LN_2),
            ExpM1 => a.chain(value, value + 1.0),
            Ln => a.chain(value, x.recip()),
            Ln1p => a.chain(value, (1.0 + x).recip()),
            Log => {
                let ln_b = y.ln();
                a.chain2(b, value, (x * ln_b).recip(), -value / (y * ln_b))
            }
            Log2 => a.chain(value, (x * LN_2).recip()),
            Log10 => a.chain(value, (x * LN_10).recip()),
            Sin => a.chain(value, x.cos()),
            Cos => a.chain(value, -x.sin()),
            Tan => a.chain(value, 1.0 + value * value),
            Asin => a.chain(value, (1.0 - x * x).sqrt().recip()),
            Acos => a.chain(value, -(1.0 - x * x).sqrt().recip()),
            Atan => a.chain(value, (1.0 + x * x).recip()),
            Atan2 => {
                let r2 = x * x + y * y;
                a.chain2(b, value, y / r2, -x / r2)
            }
            Sinh => a.chain(value, x.cosh()),
            Cosh => a.chain(value, x.sinh()),
            Tanh | TanhFast => a.chain(value, 1.0 - value * value),
            Asinh => a.chain(value, (x * x + 1.0).sqrt().recip()),
            Acosh => a.chain(value, (x * x - 1.0).sqrt().recip()),
            Atanh => a.chain(value, (1.0 - x * x).recip()),
            Abs => a.chain(value, helper(Helper::Sign, x, 0.0)),
            Max | Min => {
                let first = if m == Max { x > y } else { x < y };
                let second = if m == Max { x < y } else { x > y };
                if y.is_nan() || first {
                    a
                } else if x.is_nan() || second {
                    b
                } else {
                    a.chain2(b, value, 0.5, 0.5)
                }
            }
            Hypot => {
                let da = helper(Helper::DivOrZero, x, value);
                let db = helper(Helper::DivOrZero, y, value);
                a.chain2(b, value, da, db)
            }
            Recip => a.chain(value, -(value * value)),
            MulAdd => Dual::new(value, a.d * y + b.d * x + c.d),
            Relu => Dual::new(value, if x > 0.0 { a.d } else { 0.0 }),
            Sigmoid => a.chain(value, value * (1.0 - value)),
            Softplus => a.chain(value, sigmoid(x)),
            Signum | Floor | Ceil | Round | Trunc => Dual::lit(value),
        }
    }
}

/// Each method and operator of [`Dual`] against `autograd::Dual<f64>`'s, at points and at
/// the kinks: the same tangent (the value is the interpreter's `f64` one, which may differ from the runtime's
/// `sigmoid` in the last bits). So the property tests of `second_order.rs` check the runtime's
/// rules, not only these.
#[test]
fn dual_rules_agree_with_the_runtime() {
    use autograd::{Float, Real};
    type R = autograd::Dual<f64>;
    fn runtime(m: Method, a: R, b: R, c: R) -> R {
        use Method::*;
        match m {
            Powf => a.powf(b),
            Sqrt => a.sqrt(),
            Cbrt => a.cbrt(),
            Exp => a.exp(),
            Exp2 => a.exp2(),
            ExpM1 => a.exp_m1(),
            Ln => a.ln(),
            Ln1p => a.ln_1p(),
            Log => a.log(b),
            Log2 => a.log2(),
            Log10 => a.log10(),
            Sin => a.sin(),
            Cos => a.cos(),
            Tan => a.tan(),
            Asin => a.asin(),
            Acos => a.acos(),
            Atan => a.atan(),
            Atan2 => a.atan2(b),
            Sinh => a.sinh(),
            Cosh => a.cosh(),
            Tanh => Float::tanh(a),
            TanhFast => a.tanh_fast(),
            Asinh => a.asinh(),
            Acosh => a.acosh(),
            Atanh => a.atanh(),
            Abs => a.abs(),
            Max => a.max(b),
            Min => a.min(b),
            Hypot => a.hypot(b),
            Recip => a.recip(),
            MulAdd => a.mul_add(b, c),
            Relu => a.relu(),
            Sigmoid => a.sigmoid(),
            Softplus => a.softplus(),
            Signum => a.signum(),
            Floor => a.floor(),
            Ceil => a.ceil(),
            Round => a.round(),
            Trunc => a.trunc(),
        }
    }
    // (x, y, z): generic points in every method's domain, then kinks.
    let points = [
        (0.3, 1.7, -0.4),
        (0.8, 0.45, 2.5),
        (1.9, 2.2, 0.1),
        (0.0, 0.0, 0.0),
        (0.6, 0.6, 0.0),
        (0.0, 1.5, 0.0),
        (0.7, 0.0, 0.0),
        (-1.3, -1.3, 1.0),
    ];
    let tangents = [
        (1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0),
        (0.7, -0.3, 1.1),
        (0.0, 0.0, 1.0),
    ];
    for &(_, _, m) in crate::ir::METHODS {
        for &(x, y, z) in &points {
            for &(dx, dy, dz) in &tangents {
                let ours = Dual::method(m, Dual::new(x, dx), Dual::new(y, dy), Dual::new(z, dz));
                let theirs = runtime(m, R::new(x, dx), R::new(y, dy), R::new(z, dz));
                let close = |a: f64, b: f64| {
                    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-14 * b.abs()
                };
                assert!(
                    close(ours.v, theirs.re) && close(ours.d, theirs.eps),
                    "{}({x}, {y}, {z}) with tangents ({dx}, {dy}, {dz}): ours {ours:?}, the \
                     runtime's {theirs:?}",
                    m.name()
                );
            }
        }
    }
    // Arithmetic.
    for &(x, y, _) in &points {
        for &(dx, dy, _) in &tangents {
            let (a, b) = (Dual::new(x, dx), Dual::new(y, dy));
            let (ra, rb) = (R::new(x, dx), R::new(y, dy));
            for (op, ours, theirs) in [
                ("+", a + b, ra + rb),
                ("-", a - b, ra - rb),
                ("*", a * b, ra * rb),
                ("/", a / b, ra / rb),
                ("neg", -a, -ra),
            ] {
                let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                assert!(
                    same(ours.v, theirs.re) && same(ours.d, theirs.eps),
                    "({x}, {dx}) {op} ({y}, {dy}): ours {ours:?}, the runtime's {theirs:?}"
                );
            }
        }
    }
    // powi, also at 0 and with exponent 0.
    for n in [-3, -1, 0, 1, 2, 5] {
        for x in [0.0, 0.7, -1.3] {
            let ours = Number::powi(Dual::new(x, 0.9), n);
            let theirs = R::new(x, 0.9).powi(n);
            assert_eq!((ours.v, ours.d), (theirs.re, theirs.eps), "powi({x}, {n})");
        }
    }
}
