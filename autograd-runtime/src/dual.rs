//! Forward-mode dual numbers: [`Dual<T>`] carries one tangent, [`DualN<T, N>`] carries `N`.
//!
//! Both implement [`Real`], so every function `grad!` generates is also a function of dual
//! numbers: `f::<Dual<T>>` is a directional derivative (forward mode), and `f_grad::<Dual<T>>`
//! is forward over reverse, a Hessian-vector product; `f_grad::<DualN<T, N>>` with the `N`
//! unit vectors as tangents gives the whole Hessian in one pass. The generated `f_jvp`,
//! `f_hvp` and `f_hessian` do exactly that.
//!
//! Every method is written once, for both types (the macro `dual_impls!` below), as the value
//! of the method and the chain rule `ε' = f'(x) ε`. The derivative conventions are the ones
//! of `grad!` (README, "Derivatives at kinks"): `abs'(0) = 0`, `relu'(0) = 0`, `max`/`min` at
//! a tie give each side 1/2, `powi(x, 0)' = 0`, `powf(x, y)` has `∂/∂x = 0` where `y = 0` and
//! `∂/∂y = 0` at `x = 0`, `sqrt'(0) = +inf`, `hypot` at the origin has derivative 0, and the
//! piecewise-constant `signum floor ceil round trunc` have derivative 0. One more: an infinite
//! derivative times a zero tangent is 0, not NaN (the input does not move along the direction),
//! so a constant `sqrt(0.0)` in a function does not spoil its Hessian.
//!
//! Comparisons (`==`, `<`, ...) compare values only: a branch of a `grad!` body takes the
//! same arm for a dual number as for its value.

use core::fmt;
use core::iter::Sum;
use core::num::FpCategory;
use core::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

use num_traits::{Float, Num, NumCast, One, ToPrimitive, Zero};

use crate::Real;

/// A dual number `re + eps·ε` with `ε² = 0`: a value and its derivative along one direction.
///
/// Every operation carries the derivative by the chain rule, so a function evaluated at
/// `Dual::new(x, v)` returns `Dual::new(f(x), f'(x)·v)`. It implements [`Real`], so it goes
/// through every function `grad!` generates; `f_grad` at dual numbers is the Hessian-vector
/// product (what the generated `f_hvp` does).
///
/// ```
/// use autograd::{grad, Dual, Float};
/// grad! { fn f(x, y) { x * x * y + y.sin() } }
/// // d/dt f(1 + t, 2) at t = 0: ∂f/∂x = 2xy = 4.
/// let d = f(Dual::variable(1.0), Dual::constant(2.0));
/// assert_eq!((d.re, d.eps), (f(1.0, 2.0), 4.0));
/// // Forward over reverse: the gradient's derivative along (1, 0) is the Hessian's first column.
/// let (_, g) = f_grad(Dual::new(1.0, 1.0), Dual::new(2.0, 0.0));
/// assert_eq!((g.x.eps, g.y.eps), (2.0 * 2.0, 2.0 * 1.0)); // (∂²f/∂x², ∂²f/∂y∂x)
/// // Kinks follow grad!'s conventions: abs'(0) = 0, a tie of max gives each side 1/2.
/// assert_eq!(Dual::new(0.0, 1.0).abs().eps, 0.0);
/// assert_eq!(Dual::new(1.0, 1.0).max(Dual::new(1.0, 0.0)).eps, 0.5);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Dual<T> {
    /// The value.
    pub re: T,
    /// The tangent: the derivative along the direction the inputs were seeded with.
    pub eps: T,
}

/// A dual number with `N` tangents `re + Σ eps[i]·ε_i` (`ε_i ε_j = 0`): a value and its
/// derivatives along `N` directions at once.
///
/// Seeded with the unit vectors (`DualN::variable(x_i, i)`), one evaluation gives the whole
/// gradient; one evaluation of a generated `f_grad` gives the whole Hessian (what the generated
/// `f_hessian` does). Same methods and conventions as [`Dual`].
///
/// ```
/// use autograd::{DualN, Real};
/// fn f<T: Real>(x: T, y: T) -> T { x * y + x.exp() }
/// let d = f(DualN::<f64, 2>::variable(0.0, 0), DualN::variable(3.0, 1));
/// assert_eq!(d.re, 1.0);
/// assert_eq!(d.eps, [3.0 + 1.0, 0.0]); // (∂f/∂x, ∂f/∂y) = (y + e^x, x)
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DualN<T, const N: usize> {
    /// The value.
    pub re: T,
    /// The tangents: the derivatives along the `N` seeded directions.
    pub eps: [T; N],
}

impl<T: Real> Dual<T> {
    /// The dual number `re + eps·ε`.
    ///
    /// ```
    /// use autograd::Dual;
    /// let d = Dual::new(2.0, 1.0) * Dual::new(3.0, 0.0);
    /// assert_eq!((d.re, d.eps), (6.0, 3.0));
    /// ```
    #[inline(always)]
    pub fn new(re: T, eps: T) -> Self {
        Dual { re, eps }
    }

    /// A constant: tangent 0.
    ///
    /// ```
    /// use autograd::{Dual, Float};
    /// assert_eq!(Dual::constant(2.0_f64).exp().eps, 0.0);
    /// ```
    #[inline(always)]
    pub fn constant(re: T) -> Self {
        Dual::new(re, T::zero())
    }

    /// The variable differentiated with respect to: tangent 1.
    ///
    /// ```
    /// use autograd::{Dual, Float};
    /// assert_eq!(Dual::variable(0.0_f64).sin().eps, 1.0); // cos 0
    /// ```
    #[inline(always)]
    pub fn variable(re: T) -> Self {
        Dual::new(re, T::one())
    }

    #[inline(always)]
    fn map_eps(self, re: T, f: impl Fn(T) -> T) -> Self {
        Dual::new(re, f(self.eps))
    }

    #[inline(always)]
    fn zip_eps(self, other: Self, re: T, f: impl Fn(T, T) -> T) -> Self {
        Dual::new(re, f(self.eps, other.eps))
    }
}

impl<T: Real> From<T> for Dual<T> {
    /// A constant.
    #[inline(always)]
    fn from(re: T) -> Self {
        Dual::constant(re)
    }
}

impl<T: Real, const N: usize> DualN<T, N> {
    /// The dual number `re + Σ eps[i]·ε_i`.
    ///
    /// ```
    /// use autograd::DualN;
    /// let d = DualN::new(2.0, [1.0, 0.0]) * DualN::new(3.0, [0.0, 1.0]);
    /// assert_eq!((d.re, d.eps), (6.0, [3.0, 2.0]));
    /// ```
    #[inline(always)]
    pub fn new(re: T, eps: [T; N]) -> Self {
        DualN { re, eps }
    }

    /// A constant: every tangent 0.
    ///
    /// ```
    /// use autograd::DualN;
    /// assert_eq!(DualN::<f64, 3>::constant(2.0).eps, [0.0; 3]);
    /// ```
    #[inline(always)]
    pub fn constant(re: T) -> Self {
        DualN::new(re, [T::zero(); N])
    }

    /// The `i`-th of `N` variables: tangent the `i`-th unit vector.
    ///
    /// # Panics
    ///
    /// If `i >= N`.
    ///
    /// ```
    /// use autograd::DualN;
    /// assert_eq!(DualN::<f64, 3>::variable(5.0, 1).eps, [0.0, 1.0, 0.0]);
    /// ```
    #[inline(always)]
    pub fn variable(re: T, i: usize) -> Self {
        let mut eps = [T::zero(); N];
        eps[i] = T::one();
        DualN::new(re, eps)
    }

    #[inline(always)]
    fn map_eps(self, re: T, f: impl Fn(T) -> T) -> Self {
        let mut eps = self.eps;
        for e in &mut eps {
            *e = f(*e);
        }
        DualN::new(re, eps)
    }

    #[inline(always)]
    fn zip_eps(self, other: Self, re: T, f: impl Fn(T, T) -> T) -> Self {
        let mut eps = self.eps;
        for (e, o) in eps.iter_mut().zip(other.eps) {
            *e = f(*e, o);
        }
        DualN::new(re, eps)
    }
}

impl<T: Real, const N: usize> Default for DualN<T, N> {
    #[inline(always)]
    fn default() -> Self {
        DualN::constant(T::zero())
    }
}

impl<T: Real, const N: usize> From<T> for DualN<T, N> {
    /// A constant.
    #[inline(always)]
    fn from(re: T) -> Self {
        DualN::constant(re)
    }
}

impl<T: Real> fmt::Display for Dual<T>
where
    T: fmt::Display,
{
    /// `re + epsε`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} + {}ε", self.re, self.eps)
    }
}

/// `e·d`, and 0 where `e = 0` even if `d` is infinite or NaN: an input that does not move
/// along the direction contributes nothing to it.
#[inline(always)]
fn times<T: Real>(e: T, d: T) -> T {
    if e == T::zero() {
        T::zero()
    } else {
        e * d
    }
}

/// The methods, written once for [`Dual`] and [`DualN`]: each type provides `re`, `eps`,
/// `constant`, `map_eps` (a new tangent from each old one) and `zip_eps` (from each pair).
macro_rules! dual_impls {
    ({$($gen:tt)*} $ty:ty) => {
        impl<$($gen)*> $ty {
            /// `f(x)` with derivative `d = f'(x)`: tangent `d·ε`.
            #[inline(always)]
            fn chain(self, re: T, d: T) -> Self {
                if d.is_finite() {
                    self.map_eps(re, |e| e * d)
                } else {
                    self.map_eps(re, |e| times(e, d))
                }
            }

            /// `f(a, b)` with partials `da`, `db`: tangent `da·εa + db·εb`.
            #[inline(always)]
            fn chain2(self, other: Self, re: T, da: T, db: T) -> Self {
                if da.is_finite() && db.is_finite() {
                    self.zip_eps(other, re, |a, b| a * da + b * db)
                } else {
                    self.zip_eps(other, re, |a, b| times(a, da) + times(b, db))
                }
            }

            /// Piecewise constant: tangent 0.
            #[inline(always)]
            fn flat(re: T) -> Self {
                Self::constant(re)
            }
        }

        // ------------------------------------------------------------------------------
        // Comparisons: on the value only.
        // ------------------------------------------------------------------------------

        impl<$($gen)*> PartialEq for $ty {
            #[inline(always)]
            fn eq(&self, other: &Self) -> bool {
                self.re == other.re
            }
        }

        impl<$($gen)*> PartialOrd for $ty {
            #[inline(always)]
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                self.re.partial_cmp(&other.re)
            }
        }

        // ------------------------------------------------------------------------------
        // Arithmetic
        // ------------------------------------------------------------------------------

        impl<$($gen)*> Add for $ty {
            type Output = Self;
            /// `(a + b)' = a' + b'`
            #[inline(always)]
            fn add(self, rhs: Self) -> Self {
                self.zip_eps(rhs, self.re + rhs.re, |a, b| a + b)
            }
        }

        impl<$($gen)*> Sub for $ty {
            type Output = Self;
            /// `(a - b)' = a' - b'`
            #[inline(always)]
            fn sub(self, rhs: Self) -> Self {
                self.zip_eps(rhs, self.re - rhs.re, |a, b| a - b)
            }
        }

        impl<$($gen)*> Mul for $ty {
            type Output = Self;
            /// `(a b)' = a' b + a b'`
            #[inline(always)]
            #[allow(clippy::suspicious_arithmetic_impl)] // the product rule

            fn mul(self, rhs: Self) -> Self {
                let (x, y) = (self.re, rhs.re);
                self.zip_eps(rhs, x * y, |a, b| a * y + b * x)
            }
        }

        impl<$($gen)*> Div for $ty {
            type Output = Self;
            /// `(a / b)' = (a' - (a/b) b') / b`
            #[inline(always)]
            #[allow(clippy::suspicious_arithmetic_impl)] // the quotient rule
            fn div(self, rhs: Self) -> Self {
                let q = self.re / rhs.re;
                let inv = rhs.re.recip();
                self.zip_eps(rhs, q, |a, b| (a - q * b) * inv)
            }
        }

        impl<$($gen)*> Rem for $ty {
            type Output = Self;
            /// `a % b = a - b·trunc(a/b)`: `(a % b)' = a' - trunc(a/b) b'`
            #[inline]
            #[allow(clippy::suspicious_arithmetic_impl)] // the derivative of the remainder
            fn rem(self, rhs: Self) -> Self {
                let k = (self.re / rhs.re).trunc();
                self.zip_eps(rhs, self.re % rhs.re, |a, b| a - k * b)
            }
        }

        impl<$($gen)*> Neg for $ty {
            type Output = Self;
            /// `(-a)' = -a'`
            #[inline(always)]
            fn neg(self) -> Self {
                self.map_eps(-self.re, |e| -e)
            }
        }

        impl<$($gen)*> AddAssign for $ty {
            #[inline(always)]
            fn add_assign(&mut self, rhs: Self) {
                *self = *self + rhs;
            }
        }

        impl<$($gen)*> SubAssign for $ty {
            #[inline(always)]
            fn sub_assign(&mut self, rhs: Self) {
                *self = *self - rhs;
            }
        }

        impl<$($gen)*> MulAssign for $ty {
            #[inline(always)]
            fn mul_assign(&mut self, rhs: Self) {
                *self = *self * rhs;
            }
        }

        impl<$($gen)*> DivAssign for $ty {
            #[inline(always)]
            fn div_assign(&mut self, rhs: Self) {
                *self = *self / rhs;
            }
        }

        impl<$($gen)*> RemAssign for $ty {
            #[inline]
            fn rem_assign(&mut self, rhs: Self) {
                *self = *self % rhs;
            }
        }

        impl<$($gen)*> Sum for $ty {
            #[inline]
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::zero(), |a, b| a + b)
            }
        }

        // ------------------------------------------------------------------------------
        // num-traits plumbing: constants and conversions act on the value.
        // ------------------------------------------------------------------------------

        impl<$($gen)*> Zero for $ty {
            #[inline(always)]
            fn zero() -> Self {
                Self::constant(T::zero())
            }
            #[inline(always)]
            fn is_zero(&self) -> bool {
                self.re.is_zero()
            }
        }

        impl<$($gen)*> One for $ty {
            #[inline(always)]
            fn one() -> Self {
                Self::constant(T::one())
            }
        }

        impl<$($gen)*> Num for $ty {
            type FromStrRadixErr = T::FromStrRadixErr;
            /// A constant.
            fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                T::from_str_radix(s, radix).map(Self::constant)
            }
        }

        impl<$($gen)*> ToPrimitive for $ty {
            /// The value's.
            #[inline]
            fn to_i64(&self) -> Option<i64> {
                self.re.to_i64()
            }
            /// The value's.
            #[inline]
            fn to_u64(&self) -> Option<u64> {
                self.re.to_u64()
            }
            /// The value's.
            #[inline]
            fn to_f64(&self) -> Option<f64> {
                self.re.to_f64()
            }
            /// The value's.
            #[inline]
            fn to_f32(&self) -> Option<f32> {
                self.re.to_f32()
            }
        }

        impl<$($gen)*> NumCast for $ty {
            /// A constant.
            #[inline]
            fn from<P: ToPrimitive>(n: P) -> Option<Self> {
                <T as NumCast>::from(n).map(Self::constant)
            }
        }

        impl<$($gen)*> Real for $ty {
            /// A constant.
            #[inline(always)]
            fn lit(x: f64) -> Self {
                Self::constant(T::lit(x))
            }

            /// `relu'(x) = 1` where `x > 0`, else 0 (0 at 0).
            #[inline]
            fn relu(self) -> Self {
                if self.re > T::zero() {
                    self
                } else {
                    Self::zero()
                }
            }

            /// `sigmoid'(x) = y (1 - y)`
            #[inline]
            fn sigmoid(self) -> Self {
                let y = self.re.sigmoid();
                self.chain(y, y * (T::one() - y))
            }

            /// `softplus'(x) = sigmoid(x)`
            #[inline]
            fn softplus(self) -> Self {
                self.chain(self.re.softplus(), self.re.sigmoid())
            }

            /// `tanh'(x) = 1 - y²`, the value from `T::tanh_fast`.
            #[inline]
            fn tanh_fast(self) -> Self {
                let y = self.re.tanh_fast();
                self.chain(y, T::one() - y * y)
            }
        }

        impl<$($gen)*> Float for $ty {
            #[inline]
            fn nan() -> Self {
                Self::constant(T::nan())
            }
            #[inline]
            fn infinity() -> Self {
                Self::constant(T::infinity())
            }
            #[inline]
            fn neg_infinity() -> Self {
                Self::constant(T::neg_infinity())
            }
            #[inline]
            fn neg_zero() -> Self {
                Self::constant(T::neg_zero())
            }
            #[inline]
            fn min_value() -> Self {
                Self::constant(T::min_value())
            }
            #[inline]
            fn min_positive_value() -> Self {
                Self::constant(T::min_positive_value())
            }
            #[inline]
            fn epsilon() -> Self {
                Self::constant(T::epsilon())
            }
            #[inline]
            fn max_value() -> Self {
                Self::constant(T::max_value())
            }
            #[inline]
            fn is_nan(self) -> bool {
                self.re.is_nan()
            }
            #[inline]
            fn is_infinite(self) -> bool {
                self.re.is_infinite()
            }
            #[inline]
            fn is_finite(self) -> bool {
                self.re.is_finite()
            }
            #[inline]
            fn is_normal(self) -> bool {
                self.re.is_normal()
            }
            #[inline]
            fn is_subnormal(self) -> bool {
                self.re.is_subnormal()
            }
            #[inline]
            fn classify(self) -> FpCategory {
                self.re.classify()
            }
            #[inline]
            fn is_sign_positive(self) -> bool {
                self.re.is_sign_positive()
            }
            #[inline]
            fn is_sign_negative(self) -> bool {
                self.re.is_sign_negative()
            }
            #[inline]
            fn integer_decode(self) -> (u64, i16, i8) {
                self.re.integer_decode()
            }

            /// Piecewise constant: derivative 0.
            #[inline]
            fn floor(self) -> Self {
                Self::flat(self.re.floor())
            }
            /// Piecewise constant: derivative 0.
            #[inline]
            fn ceil(self) -> Self {
                Self::flat(self.re.ceil())
            }
            /// Piecewise constant: derivative 0.
            #[inline]
            fn round(self) -> Self {
                Self::flat(self.re.round())
            }
            /// Piecewise constant: derivative 0.
            #[inline]
            fn trunc(self) -> Self {
                Self::flat(self.re.trunc())
            }
            /// Piecewise constant: derivative 0.
            #[inline]
            fn signum(self) -> Self {
                Self::flat(self.re.signum())
            }
            /// `fract(x) = x - trunc(x)`: derivative 1.
            #[inline]
            fn fract(self) -> Self {
                self.map_eps(self.re.fract(), |e| e)
            }

            /// `abs'(x) = sign(x)`, 0 at 0.
            #[inline]
            fn abs(self) -> Self {
                self.chain(self.re.abs(), crate::kinks::sign(self.re))
            }

            /// `mul_add(a, b) = x a + b`: `x' a + x a' + b'`
            #[inline]
            fn mul_add(self, a: Self, b: Self) -> Self {
                let (x, y) = (self.re, a.re);
                let xa = self.zip_eps(a, self.re.mul_add(a.re, b.re), |ex, ea| ex * y + ea * x);
                xa.zip_eps(b, xa.re, |e, eb| e + eb)
            }

            /// `recip'(x) = -1/x²`
            #[inline]
            fn recip(self) -> Self {
                let y = self.re.recip();
                self.chain(y, -(y * y))
            }

            /// `powi(x, n)' = n x^(n-1)`, and 0 for `n = 0`.
            #[inline]
            fn powi(self, n: i32) -> Self {
                if n == 0 {
                    return Self::one();
                }
                let d = T::lit(<f64 as From<i32>>::from(n)) * self.re.powi(n - 1);
                self.chain(self.re.powi(n), d)
            }

            /// `∂ x^y/∂x = y x^(y-1)` (0 where `y = 0`), `∂ x^y/∂y = x^y ln x` (0 at `x = 0`).
            #[inline]
            fn powf(self, n: Self) -> Self {
                let y = self.re.powf(n.re);
                let dx = crate::kinks::powf_base(self.re, n.re);
                let dn = crate::kinks::powf_exponent(self.re, y);
                self.chain2(n, y, dx, dn)
            }

            /// `sqrt'(x) = 1/(2 sqrt x)`, `+inf` at 0.
            #[inline]
            fn sqrt(self) -> Self {
                let y = self.re.sqrt();
                self.chain(y, T::lit(0.5) / y)
            }

            /// `exp'(x) = e^x`
            #[inline]
            fn exp(self) -> Self {
                let y = self.re.exp();
                self.chain(y, y)
            }

            /// `exp2'(x) = 2^x ln 2`
            #[inline]
            fn exp2(self) -> Self {
                let y = self.re.exp2();
                self.chain(y, y * T::lit(core::f64::consts::LN_2))
            }

            /// `ln'(x) = 1/x`
            #[inline]
            fn ln(self) -> Self {
                self.chain(self.re.ln(), self.re.recip())
            }

            /// `log_b(x) = ln x / ln b`: `∂/∂x = 1/(x ln b)`, `∂/∂b = -log_b(x)/(b ln b)`
            #[inline]
            fn log(self, base: Self) -> Self {
                let ln_b = base.re.ln();
                let y = self.re.log(base.re);
                self.chain2(base, y, (self.re * ln_b).recip(), -y / (base.re * ln_b))
            }

            /// `log2'(x) = 1/(x ln 2)`
            #[inline]
            fn log2(self) -> Self {
                let d = (self.re * T::lit(core::f64::consts::LN_2)).recip();
                self.chain(self.re.log2(), d)
            }

            /// `log10'(x) = 1/(x ln 10)`
            #[inline]
            fn log10(self) -> Self {
                let d = (self.re * T::lit(core::f64::consts::LN_10)).recip();
                self.chain(self.re.log10(), d)
            }

            /// `to_degrees'(x) = 180/π`
            #[inline]
            fn to_degrees(self) -> Self {
                self.chain(self.re.to_degrees(), T::lit(180.0 / core::f64::consts::PI))
            }

            /// `to_radians'(x) = π/180`
            #[inline]
            fn to_radians(self) -> Self {
                self.chain(self.re.to_radians(), T::lit(core::f64::consts::PI / 180.0))
            }

            /// `∂ max(a, b)/∂a = 1` where `a > b`, 1/2 at a tie, else 0; a NaN side is
            /// ignored, as `f64::max` does.
            #[inline]
            fn max(self, other: Self) -> Self {
                if other.re.is_nan() || self.re > other.re {
                    self
                } else if self.re.is_nan() || self.re < other.re {
                    other
                } else {
                    let half = T::lit(0.5);
                    self.chain2(other, self.re.max(other.re), half, half)
                }
            }

            /// `∂ min(a, b)/∂a = 1` where `a < b`, 1/2 at a tie, else 0; a NaN side is
            /// ignored, as `f64::min` does.
            #[inline]
            fn min(self, other: Self) -> Self {
                if other.re.is_nan() || self.re < other.re {
                    self
                } else if self.re.is_nan() || self.re > other.re {
                    other
                } else {
                    let half = T::lit(0.5);
                    self.chain2(other, self.re.min(other.re), half, half)
                }
            }

            /// `max(a - b, 0)`, with `max`'s derivative (1/2 each at `a = b`).
            #[inline]
            #[allow(deprecated)]
            fn abs_sub(self, other: Self) -> Self {
                (self - other).max(Self::zero())
            }

            /// `cbrt'(x) = 1/(3 y²)`
            #[inline]
            fn cbrt(self) -> Self {
                let y = self.re.cbrt();
                self.chain(y, (T::lit(3.0) * y * y).recip())
            }

            /// `∂ hypot(a, b)/∂a = a/h`, `∂/∂b = b/h`; 0 at the origin.
            #[inline]
            fn hypot(self, other: Self) -> Self {
                let h = self.re.hypot(other.re);
                let da = crate::kinks::div_or_zero(self.re, h);
                let db = crate::kinks::div_or_zero(other.re, h);
                self.chain2(other, h, da, db)
            }

            /// `sin'(x) = cos x`
            #[inline]
            fn sin(self) -> Self {
                let (s, c) = self.re.sin_cos();
                self.chain(s, c)
            }

            /// `cos'(x) = -sin x`
            #[inline]
            fn cos(self) -> Self {
                let (s, c) = self.re.sin_cos();
                self.chain(c, -s)
            }

            /// `(sin x, cos x)`
            #[inline]
            fn sin_cos(self) -> (Self, Self) {
                let (s, c) = self.re.sin_cos();
                (self.chain(s, c), self.chain(c, -s))
            }

            /// `tan'(x) = 1 + tan² x`
            #[inline]
            fn tan(self) -> Self {
                let y = self.re.tan();
                self.chain(y, T::one() + y * y)
            }

            /// `asin'(x) = 1/sqrt(1 - x²)`
            #[inline]
            fn asin(self) -> Self {
                let d = (T::one() - self.re * self.re).sqrt().recip();
                self.chain(self.re.asin(), d)
            }

            /// `acos'(x) = -1/sqrt(1 - x²)`
            #[inline]
            fn acos(self) -> Self {
                let d = -(T::one() - self.re * self.re).sqrt().recip();
                self.chain(self.re.acos(), d)
            }

            /// `atan'(x) = 1/(1 + x²)`
            #[inline]
            fn atan(self) -> Self {
                let d = (T::one() + self.re * self.re).recip();
                self.chain(self.re.atan(), d)
            }

            /// `atan2(a, b)`: `∂/∂a = b/(a² + b²)`, `∂/∂b = -a/(a² + b²)`
            #[inline]
            fn atan2(self, other: Self) -> Self {
                let (a, b) = (self.re, other.re);
                let r2 = a * a + b * b;
                self.chain2(other, a.atan2(b), b / r2, -a / r2)
            }

            /// `exp_m1'(x) = e^x`
            #[inline]
            fn exp_m1(self) -> Self {
                let y = self.re.exp_m1();
                self.chain(y, y + T::one())
            }

            /// `ln_1p'(x) = 1/(1 + x)`
            #[inline]
            fn ln_1p(self) -> Self {
                self.chain(self.re.ln_1p(), (T::one() + self.re).recip())
            }

            /// `sinh'(x) = cosh x`
            #[inline]
            fn sinh(self) -> Self {
                self.chain(self.re.sinh(), self.re.cosh())
            }

            /// `cosh'(x) = sinh x`
            #[inline]
            fn cosh(self) -> Self {
                self.chain(self.re.cosh(), self.re.sinh())
            }

            /// `tanh'(x) = 1 - tanh² x`
            #[inline]
            fn tanh(self) -> Self {
                let y = self.re.tanh();
                self.chain(y, T::one() - y * y)
            }

            /// `asinh'(x) = 1/sqrt(x² + 1)`
            #[inline]
            fn asinh(self) -> Self {
                let d = (self.re * self.re + T::one()).sqrt().recip();
                self.chain(self.re.asinh(), d)
            }

            /// `acosh'(x) = 1/sqrt(x² - 1)`
            #[inline]
            fn acosh(self) -> Self {
                let d = (self.re * self.re - T::one()).sqrt().recip();
                self.chain(self.re.acosh(), d)
            }

            /// `atanh'(x) = 1/(1 - x²)`
            #[inline]
            fn atanh(self) -> Self {
                let d = (T::one() - self.re * self.re).recip();
                self.chain(self.re.atanh(), d)
            }
        }
    };
}

dual_impls!({T: Real} Dual<T>);
dual_impls!({T: Real, const N: usize} DualN<T, N>);

/// A parameter of a generated function at dual numbers: what `f_jvp`, `f_hvp` and
/// `f_hessian` pass to `f` and `f_grad` for an array parameter. `Tangent` is the parameter's
/// field in the gradient struct (`[T; N]` for `[T; N]`, `Vec<T>` for `&[T]`, …), the
/// direction's component; `Of<D>` is the parameter with elements of type `D` (`[D; N]`, or a
/// `Vec<D>` to borrow for a slice). Generated code calls it through `::autograd::__private`;
/// not a public API.
#[doc(hidden)]
pub trait Seed<T: Real>: Sized {
    /// The parameter's field in the gradient struct.
    type Tangent;
    /// The parameter with elements of type `D` (owned).
    type Of<D>;
    /// Each element with its tangent.
    ///
    /// # Panics
    ///
    /// If a slice and its tangent differ in length.
    fn seed(self, tangent: &Self::Tangent) -> Self::Of<Dual<T>>;
    /// Each element a constant `D` (a `Dual` or `DualN` with zero tangents).
    fn constant<D: From<T>>(self) -> Self::Of<D>;
}

impl<T: Real, const N: usize> Seed<T> for [T; N] {
    type Tangent = [T; N];
    type Of<D> = [D; N];
    #[inline]
    fn seed(self, tangent: &[T; N]) -> [Dual<T>; N] {
        core::array::from_fn(|i| Dual::new(self[i], tangent[i]))
    }
    #[inline]
    fn constant<D: From<T>>(self) -> [D; N] {
        self.map(D::from)
    }
}

impl<T: Real, const N: usize, const M: usize> Seed<T> for [[T; N]; M] {
    type Tangent = [[T; N]; M];
    type Of<D> = [[D; N]; M];
    #[inline]
    fn seed(self, tangent: &[[T; N]; M]) -> [[Dual<T>; N]; M] {
        core::array::from_fn(|i| self[i].seed(&tangent[i]))
    }
    #[inline]
    fn constant<D: From<T>>(self) -> [[D; N]; M] {
        self.map(|row| row.map(D::from))
    }
}

impl<T: Real> Seed<T> for &[T] {
    type Tangent = Vec<T>;
    type Of<D> = Vec<D>;
    fn seed(self, tangent: &Vec<T>) -> Vec<Dual<T>> {
        assert_eq!(
            self.len(),
            tangent.len(),
            "a slice of {} numbers has a direction of {} numbers",
            self.len(),
            tangent.len()
        );
        self.iter()
            .zip(tangent)
            .map(|(&x, &e)| Dual::new(x, e))
            .collect()
    }
    fn constant<D: From<T>>(self) -> Vec<D> {
        self.iter().map(|&x| D::from(x)).collect()
    }
}

impl<T: Real, const N: usize> Seed<T> for &[[T; N]] {
    type Tangent = Vec<[T; N]>;
    type Of<D> = Vec<[D; N]>;
    fn seed(self, tangent: &Vec<[T; N]>) -> Vec<[Dual<T>; N]> {
        assert_eq!(
            self.len(),
            tangent.len(),
            "a slice of {} rows has a direction of {} rows",
            self.len(),
            tangent.len()
        );
        self.iter()
            .zip(tangent)
            .map(|(row, e)| row.seed(e))
            .collect()
    }
    fn constant<D: From<T>>(self) -> Vec<[D; N]> {
        self.iter().map(|row| row.map(D::from)).collect()
    }
}

/// A gradient field computed at dual numbers, split into values (the gradient) and tangents
/// (the Hessian-vector product), each shaped like the field. Generated code calls it through
/// `::autograd::__private`; not a public API.
#[doc(hidden)]
pub trait DualParts {
    /// The field at real numbers.
    type Real;
    /// The values.
    fn values(&self) -> Self::Real;
    /// The tangents.
    fn tangents(&self) -> Self::Real;
}

impl<T: Real> DualParts for Dual<T> {
    type Real = T;
    #[inline(always)]
    fn values(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn tangents(&self) -> T {
        self.eps
    }
}

impl<T: Real, const N: usize> DualParts for [Dual<T>; N] {
    type Real = [T; N];
    #[inline]
    fn values(&self) -> [T; N] {
        self.map(|d| d.re)
    }
    #[inline]
    fn tangents(&self) -> [T; N] {
        self.map(|d| d.eps)
    }
}

impl<T: Real, const N: usize, const M: usize> DualParts for [[Dual<T>; N]; M] {
    type Real = [[T; N]; M];
    #[inline]
    fn values(&self) -> [[T; N]; M] {
        self.map(|row| row.values())
    }
    #[inline]
    fn tangents(&self) -> [[T; N]; M] {
        self.map(|row| row.tangents())
    }
}

impl<T: Real> DualParts for Vec<Dual<T>> {
    type Real = Vec<T>;
    fn values(&self) -> Vec<T> {
        self.iter().map(|d| d.re).collect()
    }
    fn tangents(&self) -> Vec<T> {
        self.iter().map(|d| d.eps).collect()
    }
}

impl<T: Real, const N: usize> DualParts for Vec<[Dual<T>; N]> {
    type Real = Vec<[T; N]>;
    fn values(&self) -> Vec<[T; N]> {
        self.iter().map(|row| row.values()).collect()
    }
    fn tangents(&self) -> Vec<[T; N]> {
        self.iter().map(|row| row.tangents()).collect()
    }
}
