//! Derivatives at kinks: each written once here, so the convention lives in one place. The
//! generated gradients call them through `::autograd::__private` (the table in
//! `autograd-macros/src/rules.rs` says which rule uses which), and the dual numbers call them
//! for the same methods (`dual.rs`), so forward and reverse mode agree at every kink.

use crate::Real;

/// `abs'(x)`: the sign of `x`, and 0 at 0 (PyTorch's convention).
#[inline(always)]
pub fn sign<T: Real>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// `relu'(x)`: 1 where `x > 0`, else 0 (so `relu'(0) = 0`).
#[inline(always)]
pub fn step<T: Real>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else {
        T::zero()
    }
}

/// `∂ max(a, b) / ∂a`: 1 where `a > b`, 1/2 at a tie, else 0. `∂/∂b` is `1 -` this.
#[inline(always)]
pub fn max_weight<T: Real>(a: T, b: T) -> T {
    if a > b {
        T::one()
    } else if a == b {
        T::lit(0.5)
    } else {
        T::zero()
    }
}

/// `∂ min(a, b) / ∂a`: 1 where `a < b`, 1/2 at a tie, else 0. `∂/∂b` is `1 -` this.
#[inline(always)]
pub fn min_weight<T: Real>(a: T, b: T) -> T {
    max_weight(b, a)
}

/// `∂ a^b / ∂a = b a^(b-1)`, and 0 where `b = 0` (`a^0` is 1 for every `a`, even where
/// `a^(b-1)` is infinite).
#[inline(always)]
pub fn powf_base<T: Real>(a: T, b: T) -> T {
    if b == T::zero() {
        T::zero()
    } else {
        b * a.powf(b - T::one())
    }
}

/// `∂ a^b / ∂b = a^b ln a`, and 0 at `a = 0` (where `ln a` is -inf but `a^b` is 0).
#[inline(always)]
pub fn powf_exponent<T: Real>(a: T, y: T) -> T {
    if a == T::zero() {
        T::zero()
    } else {
        y * a.ln()
    }
}

/// `a / b`, and 0 where `b = 0`: `hypot`'s partials at the origin.
#[inline(always)]
pub fn div_or_zero<T: Real>(a: T, b: T) -> T {
    if b == T::zero() {
        T::zero()
    } else {
        a / b
    }
}
