//! `e^x` without libm and without branches, for the vectorisable `f32` tanh of
//! [`Real::tanh_fast`](crate::Real::tanh_fast) and the sigmoid of the layers' activation
//! kernels.

use crate::Real;

/// `(s, p)` with `e^x = s (1 + p)`, `s = 2^k` exactly and `p = e^r - 1`, `|r| ≤ ln 2 / 2`,
/// for `0 ≤ x ≤ 708` (`87` for `f32`): exact range reduction `x = k ln 2 + r`, a Taylor
/// polynomial, and `2^k` from the exponent bits ([`Real::pow2i`]).
///
/// No libm and no branches, so loops over it vectorise.
#[inline(always)]
pub(crate) fn exp_parts<T: Real>(x: T) -> (T, T) {
    // Cody–Waite: ln 2 = LN2_HI + LN2_LO with LN2_HI short (9 significant bits), so k·LN2_HI
    // is exact and x - k·LN2_HI is exact by Sterbenz's lemma.
    const LN2_HI: f64 = 0.693_359_375;
    const LN2_LO: f64 = -2.121_944_400_546_905_8e-4;
    // Adding and subtracting 1.5 / eps rounds to the nearest integer (no libm `round`).
    let magic = T::lit(1.5) / T::epsilon();
    let k = (x * T::lit(core::f64::consts::LOG2_E) + magic) - magic;
    let r = (x - k * T::lit(LN2_HI)) - k * T::lit(LN2_LO);
    // e^r - 1 = r + r² (1/2! + r/3! + …): r exact plus a small correction, so the rounding
    // errors of the polynomial hardly reach the result. The degree (last power of r) makes the
    // tail < eps/4 of r on |r| ≤ 0.35.
    let degree = if is_f64::<T>() { 14 } else { 8 };
    let mut q = T::lit(1.0 / factorial(degree));
    for n in (2..degree).rev() {
        q = q * r + T::lit(1.0 / factorial(n));
    }
    let p = r + (r * r) * q;
    (T::pow2i(k), p)
}

/// `n!` as an `f64`, for the polynomial's coefficients (constant-folded).
#[inline(always)]
fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// Whether `T` has `f64`'s precision (constant-folded: picks polynomial degree and limits).
#[inline(always)]
pub(crate) fn is_f64<T: Real>() -> bool {
    T::epsilon() < T::lit(1e-10)
}
