//! `Real`: the scalar type generated code is generic over.
//!
//! It is `num_traits::Float` plus the activations, `tanh_fast` (the `tanh` of `grad!`) and a
//! literal conversion: every method the `grad!` body language accepts. Implemented for `f32`
//! and `f64`, and for the dual numbers `Dual<T>` and `DualN<T, N>` (`dual.rs`) over any `Real`.

use num_traits::{Float, NumAssign};

/// A real scalar: `f32` or `f64`, or a dual number over one (`autograd::Dual`,
/// `autograd::DualN`) for forward-mode and second derivatives.
///
/// Generated functions with untyped parameters are generic over `T: Real`. Every method of the
/// `grad!` body language is a method of this trait or of its supertrait [`Float`].
///
/// ```
/// use autograd::Real;
/// fn twice_sigmoid<T: Real>(x: T) -> T { T::lit(2.0) * x.sigmoid() }
/// assert_eq!(twice_sigmoid(0.0_f64), 1.0);
/// assert_eq!(twice_sigmoid(0.0_f32), 1.0);
/// ```
pub trait Real:
    Float + NumAssign + Default + core::fmt::Debug + core::iter::Sum + Send + Sync + 'static
{
    /// Converts a literal of the source code to this type: exact for `f64`, rounded to nearest
    /// for `f32`. Inlined, so `T::lit(2.0)` costs nothing at run time.
    ///
    /// ```
    /// use autograd::Real;
    /// fn half<T: Real>(x: T) -> T { x * T::lit(0.5) }
    /// assert_eq!(half(3.0_f32), 1.5);
    /// assert_eq!(f64::lit(0.1), 0.1);
    /// assert_eq!(f32::lit(0.1), 0.1_f32); // the nearest f32
    /// ```
    fn lit(x: f64) -> Self;

    /// `relu(x) = max(x, 0)`.
    ///
    /// ```
    /// use autograd::Real;
    /// assert_eq!(2.5_f64.relu(), 2.5);
    /// assert_eq!((-2.5_f64).relu(), 0.0);
    /// assert_eq!(0.0_f32.relu(), 0.0);
    /// ```
    #[inline]
    fn relu(self) -> Self {
        if self > Self::zero() {
            self
        } else {
            Self::zero()
        }
    }

    /// `sigmoid(x) = 1 / (1 + e^-x)`, computed without overflow for large `|x|`.
    ///
    /// ```
    /// use autograd::Real;
    /// assert_eq!(0.0_f64.sigmoid(), 0.5);
    /// assert!((2.0_f64.sigmoid() - 1.0 / (1.0 + (-2.0_f64).exp())).abs() < 1e-15);
    /// // Far out it saturates to 0 and 1, never NaN (e^800 overflows to inf).
    /// assert_eq!((-800.0_f64).sigmoid(), 0.0);
    /// assert_eq!(800.0_f64.sigmoid(), 1.0);
    /// ```
    #[inline]
    fn sigmoid(self) -> Self {
        if self >= Self::zero() {
            Self::one() / (Self::one() + (-self).exp())
        } else {
            let e = self.exp();
            e / (Self::one() + e)
        }
    }

    /// `softplus(x) = ln(1 + e^x)`, computed without overflow for large `|x|`.
    ///
    /// ```
    /// use autograd::Real;
    /// assert!((0.0_f64.softplus() - 2.0_f64.ln()).abs() < 1e-15);
    /// // ln(1 + e^1000) would be inf; softplus is x there.
    /// assert_eq!(1000.0_f64.softplus(), 1000.0);
    /// // And e^-50 is not lost to rounding in 1 + e^-50.
    /// assert!(((-50.0_f64).softplus() - (-50.0_f64).exp()).abs() < 1e-35);
    /// ```
    #[inline]
    fn softplus(self) -> Self {
        // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)
        self.max(Self::zero()) + (-self.abs()).exp().ln_1p()
    }

    /// `tanh(x)`, the one `grad!` computes for `x.tanh()` and the layers apply to whole buffers
    /// (`src/tanh.rs`, one implementation per precision). `f64`: within 1.2 ulp of the true
    /// value (glibc's `tanh` is within 1.9) and about twice as fast as glibc's, which goes
    /// through `expm1`: a rational function below 0.7 and one `exp` above. `f32`: within 2 ulp,
    /// with no branch and no libm call, so loops over buffers vectorise. Other implementations
    /// of `Real` default to [`Float::tanh`].
    ///
    /// ```
    /// use autograd::Real;
    /// assert!((0.5_f64.tanh_fast() - 0.5_f64.tanh()).abs() <= 2.0 * f64::EPSILON);
    /// assert_eq!((-0.0_f32).tanh_fast().to_bits(), (-0.0_f32).to_bits());
    /// assert_eq!(30.0_f64.tanh_fast(), 1.0);
    /// ```
    #[inline]
    fn tanh_fast(self) -> Self {
        self.tanh()
    }

    /// `2^k` for an integer `k` with `|k| <` the exponent bias (127 for `f32`, 1023 for `f64`),
    /// exact. `f32` and `f64` build it from the exponent bits (vectorisable integer
    /// operations); this default multiplies powers of two. Used by the vectorisable
    /// `exp` of `nn::kernels::sigmoid`.
    ///
    /// ```
    /// use autograd::Real;
    /// assert_eq!(f32::pow2i(10.0), 1024.0);
    /// assert_eq!(f64::pow2i(-3.0), 0.125);
    /// ```
    #[doc(hidden)]
    #[inline]
    fn pow2i(k: Self) -> Self {
        pow2i_by_squaring(k)
    }
}

/// `2^k` by binary exponentiation: the default of [`Real::pow2i`].
fn pow2i_by_squaring<T: Real>(k: T) -> T {
    let (mut s, mut rest, mut base) = (T::one(), k.abs(), T::lit(2.0));
    while rest >= T::one() {
        let half = (rest * T::lit(0.5)).floor();
        if rest - half - half >= T::one() {
            s *= base;
        }
        base = base * base;
        rest = half;
    }
    if k < T::zero() {
        s.recip()
    } else {
        s
    }
}

/// `2^k` from bits: `k + M` with `M = 1.5 · 2^mantissa bits` holds `k` in its low bits
/// (two's complement), which move into the exponent field. No float-to-integer conversion, so
/// it is integer vector code on SSE2 already.
macro_rules! pow2i_from_bits {
    ($t:ty, $mantissa:expr, $bias:expr) => {
        #[inline(always)]
        fn pow2i(k: $t) -> $t {
            const M: $t = 1.5 * (1u64 << $mantissa) as $t;
            let k_bits = (k + M).to_bits().wrapping_sub(M.to_bits());
            <$t>::from_bits(k_bits.wrapping_add($bias) << $mantissa)
        }
    };
}

impl Real for f32 {
    #[inline(always)]
    fn lit(x: f64) -> Self {
        x as f32
    }

    #[inline(always)]
    fn tanh_fast(self) -> Self {
        crate::tanh::tanh_f32(self)
    }

    pow2i_from_bits!(f32, 23, 127);
}

impl Real for f64 {
    #[inline(always)]
    fn lit(x: f64) -> Self {
        x
    }

    #[inline]
    fn tanh_fast(self) -> Self {
        crate::tanh::tanh_f64(self)
    }

    pow2i_from_bits!(f64, 52, 1023);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2i_is_exact_over_the_whole_normal_range() {
        for k in -126..=127 {
            assert_eq!(f32::pow2i(k as f32), 2f32.powi(k), "f32 2^{k}");
        }
        for k in -1022..=1023 {
            assert_eq!(f64::pow2i(k as f64), 2f64.powi(k), "f64 2^{k}");
        }
        for k in -60..=60 {
            assert_eq!(pow2i_by_squaring(k as f64), 2f64.powi(k), "default 2^{k}");
        }
    }
}
