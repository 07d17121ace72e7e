//! `Real`: the scalar type generated code is generic over.
//!
//! It is `num_traits::Float` (every method the `grad!` body language accepts) plus the
//! activations and a literal conversion. Implemented for `f32` and `f64`.

use num_traits::{Float, NumAssign};

/// A real scalar: `f32` or `f64`.
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
    fn lit(x: f64) -> Self;

    /// `relu(x) = max(x, 0)`.
    #[inline]
    fn relu(self) -> Self {
        if self > Self::zero() {
            self
        } else {
            Self::zero()
        }
    }

    /// `sigmoid(x) = 1 / (1 + e^-x)`, computed without overflow for large `|x|`.
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
    #[inline]
    fn softplus(self) -> Self {
        // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)
        self.max(Self::zero()) + (-self.abs()).exp().ln_1p()
    }
}

impl Real for f32 {
    #[inline(always)]
    fn lit(x: f64) -> Self {
        x as f32
    }
}

impl Real for f64 {
    #[inline(always)]
    fn lit(x: f64) -> Self {
        x
    }
}
