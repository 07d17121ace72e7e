//! The scalar kernels of the layers and losses, each a pair `NAME(..) -> T` and
//! `NAME_grad(..) -> (T, partials)`: the value and one partial derivative per argument.
//!
//! `relu`, `identity` and the loss terms are written with `grad!`: the runtime is the macro's
//! first user. `tanh` and `sigmoid` are primitives with hand-written derivatives — custom
//! derivatives in the sense of `grad!`, whose bodies may call them like any method. Everything here inlines and has no
//! branches that LLVM cannot turn into selects, so loops over slices of these vectorise.
//!
//! `tanh` is the runtime's one tanh, [`Real::tanh_fast`] (`src/tanh.rs`). `sigmoid` does not
//! call libm (a scalar libm call stops vectorisation): it builds `e^x` from an exact range
//! reduction and a polynomial, in plain arithmetic (`src/exp.rs`), and is accurate to a few ulp
//! (tested against `std` below).
//!
//! ```
//! use autograd::nn::kernels::{sigmoid, sigmoid_grad, sq_err_grad};
//! // A hand-written pair: the partials as an array.
//! assert_eq!(sigmoid_grad(0.0_f64), (sigmoid(0.0), [0.25]));
//! // A `grad!` pair: the partials as a struct, one field per argument.
//! let (value, g) = sq_err_grad(3.0_f64, 1.0); // (p - t)²
//! assert_eq!((value, g.p, g.t), (4.0, 4.0, -4.0));
//! ```

use autograd_macros::grad;

use crate::exp::{exp_parts, is_f64};
use crate::Real;

/// `tanh(x)`: [`Real::tanh_fast`], what `grad!` computes for `x.tanh()` (`src/tanh.rs`; in
/// `f32` branch-free, so loops over buffers vectorise), here as the value half of the kernel
/// pair `tanh`/`tanh_grad`.
///
/// ```
/// use autograd_runtime::nn::kernels::tanh;
/// use autograd_runtime::Real;
/// assert_eq!(tanh(0.5_f64), 0.5_f64.tanh_fast());
/// assert_eq!(tanh(-30.0_f32), -1.0);
/// ```
#[inline(always)]
pub fn tanh<T: Real>(x: T) -> T {
    x.tanh_fast()
}

/// `tanh(x)` and `tanh'(x) = 1 - tanh(x)²`.
///
/// ```
/// use autograd_runtime::nn::kernels::tanh_grad;
/// assert_eq!(tanh_grad(0.0_f64), (0.0, [1.0]));
/// ```
#[inline(always)]
pub fn tanh_grad<T: Real>(x: T) -> (T, [T; 1]) {
    let y = tanh(x);
    (y, [T::one() - y * y])
}

/// `sigmoid(x) = 1 / (1 + e^-x)`, vectorisable: within 2 ulp of the correctly rounded result
/// for `f32`, within 4 ulp of `1 / (1 + exp(-x))` computed with `std` for `f64`.
///
/// Below `-87` (`f32`) or `-708` (`f64`) it returns `1 / (e^87 + 1)` (resp. `e^708`) rather than a
/// subnormal number.
///
/// ```
/// use autograd_runtime::nn::kernels::sigmoid;
/// assert_eq!(sigmoid(0.0_f32), 0.5);
/// assert!((sigmoid(-20.0_f64) - 2.0611536181902037e-9).abs() < 1e-23);
/// ```
#[inline(always)]
pub fn sigmoid<T: Real>(x: T) -> T {
    // With E = e^|x| ≥ 1: sigmoid(x) = E / (E + 1) for x ≥ 0 and 1 / (E + 1) for x < 0, so
    // neither tail cancels.
    let limit = if is_f64::<T>() { 708.0 } else { 87.0 };
    let a = x.abs();
    let a = if a > T::lit(limit) { T::lit(limit) } else { a };
    let (s, p) = exp_parts(a);
    let big = s + s * p;
    let num = if x >= T::zero() { big } else { T::one() };
    num / (big + T::one())
}

/// `sigmoid(x)` and `sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))`.
///
/// ```
/// use autograd_runtime::nn::kernels::sigmoid_grad;
/// assert_eq!(sigmoid_grad(0.0_f64), (0.5, [0.25]));
/// ```
#[inline(always)]
pub fn sigmoid_grad<T: Real>(x: T) -> (T, [T; 1]) {
    let y = sigmoid(x);
    (y, [y * (T::one() - y)])
}

grad! {
    /// `relu(x) = max(x, 0)`, with `relu'(0) = 0` (PyTorch's convention).
    ///
    /// ```
    /// use autograd_runtime::nn::kernels::{relu, relu_grad};
    /// assert_eq!((relu(-2.0_f32), relu(3.0_f32)), (0.0, 3.0));
    /// assert_eq!(relu_grad(0.0_f64).1.x, 0.0);
    /// assert_eq!(relu_grad(2.0_f64).1.x, 1.0);
    /// ```
    #[inline(always)]
    pub fn relu(x) {
        x.relu()
    }

    /// `identity(x) = x`, derivative 1.
    ///
    /// ```
    /// use autograd_runtime::nn::kernels::{identity, identity_grad};
    /// assert_eq!(identity(1.5_f32), 1.5);
    /// assert_eq!(identity_grad(1.5_f32).1.x, 1.0);
    /// ```
    #[inline(always)]
    pub fn identity(x) {
        x
    }

    /// Squared error `(p - t)²` of a prediction `p` for a target `t`.
    ///
    /// ```
    /// use autograd_runtime::nn::kernels::{sq_err, sq_err_grad};
    /// assert_eq!(sq_err(3.0_f64, 1.0), 4.0);
    /// assert_eq!(sq_err_grad(3.0_f64, 1.0).1.to_array(), [4.0, -4.0]);
    /// ```
    #[inline(always)]
    pub fn sq_err(p, t) {
        (p - t).powi(2)
    }

    /// Binary cross-entropy of a logit `z` (the prediction is `sigmoid(z)`) for a target
    /// `y ∈ [0, 1]`: `-y ln σ(z) - (1 - y) ln(1 - σ(z))`, computed as
    /// `max(z, 0) - z y + ln(1 + e^-|z|)`, which neither overflows nor loses the tails.
    /// One branch per sign of `z`: each is smooth, so the derivative is `σ(z) - y` everywhere,
    /// `z = 0` included (a `max` and an `abs` would put conventions at a point that is no kink).
    ///
    /// ```
    /// use autograd_runtime::nn::kernels::{bce_logit, bce_logit_grad};
    /// assert!((bce_logit(0.0_f64, 1.0) - 2.0_f64.ln()).abs() < 1e-15);
    /// assert_eq!(bce_logit(1000.0_f64, 0.0), 1000.0);
    /// let (_, g) = bce_logit_grad(0.0_f64, 1.0);
    /// assert_eq!((g.z, g.y), (-0.5, 0.0));
    /// ```
    #[inline(always)]
    pub fn bce_logit(z, y) {
        if z > 0.0 {
            z - z * y + (-z).exp().ln_1p()
        } else {
            z.exp().ln_1p() - z * y
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite floats of the same sign, `f32`.
    fn ulps32(a: f32, b: f32) -> u32 {
        if a == b {
            return 0;
        }
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    fn ulps64(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    /// Arguments: a dense even grid over [-lim, lim] and a geometric sweep of tiny magnitudes.
    fn args(lim: f64, n: usize) -> impl Iterator<Item = f64> {
        let grid = (0..=n).map(move |i| -lim + 2.0 * lim * i as f64 / n as f64);
        let tiny = (0..400).flat_map(|i| {
            let x = 10f64.powf(-30.0 + i as f64 * 0.075);
            [x, -x]
        });
        grid.chain(tiny)
    }

    #[test]
    fn sigmoid_f32_is_within_2_ulp_of_the_correctly_rounded_result() {
        let mut worst = (0, 0.0);
        for x in args(80.0, 500_000) {
            let x = x as f32;
            let want = (1.0 / (1.0 + (-(x as f64)).exp())) as f32;
            let u = ulps32(sigmoid(x), want);
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(worst.0 <= 2, "{} ulp at {}", worst.0, worst.1);
    }

    #[test]
    fn sigmoid_f64_is_within_4_ulp_of_the_std_formula() {
        let mut worst = (0, 0.0);
        for x in args(700.0, 500_000) {
            let u = ulps64(sigmoid(x), x.sigmoid());
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(worst.0 <= 4, "{} ulp at {}", worst.0, worst.1);
    }

    #[test]
    fn special_values() {
        for f in [tanh::<f64>, sigmoid::<f64>] {
            assert!(f(f64::NAN).is_nan());
        }
        assert!(tanh(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert!(tanh(-0.0_f64).is_sign_negative() && tanh(-0.0_f64) == 0.0);
        assert_eq!(sigmoid(f64::INFINITY), 1.0);
        assert!(sigmoid(f64::NEG_INFINITY) < 1e-307);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert!(sigmoid(f32::NEG_INFINITY) < 1e-37);
        assert_eq!((sigmoid(1e4_f64), sigmoid(1e4_f32)), (1.0, 1.0));
    }

    /// Every `NAME_grad` against `NAME` (value) and central differences (partials).
    fn check<const N: usize>(
        name: &str,
        f: impl Fn([f64; N]) -> f64,
        g: impl Fn([f64; N]) -> (f64, [f64; N]),
        points: &[[f64; N]],
    ) {
        for &x in points {
            let (v, d) = g(x);
            assert_eq!(v, f(x), "{name} value at {x:?}");
            // Each partial alone, to `1e-7 · max(|numeric|, 1)`.
            for (i, di) in d.into_iter().enumerate() {
                let at = |v: &[f64]| {
                    let mut y = x;
                    y[i] = v[0];
                    f(y)
                };
                let r = crate::check::check_grad_slice(at, &[x[i]], &[di]).unwrap();
                let tol = 1e-7 * r.numeric.abs().max(1.0);
                assert!(r.abs_error <= tol, "{name} ∂{i} at {x:?}: {r}");
            }
        }
    }

    fn partials<G: crate::Partials<f64, N>, const N: usize>((v, g): (f64, G)) -> (f64, [f64; N]) {
        (v, g.partials())
    }

    const XS: [f64; 9] = [-7.0, -2.5, -1.0, -0.3, 1e-3, 0.4, 1.0, 3.0, 9.0];

    #[test]
    fn activation_derivatives_match_finite_differences() {
        let pts: Vec<[f64; 1]> = XS.iter().map(|&x| [x]).collect();
        check("tanh", |[x]| tanh(x), |[x]| tanh_grad(x), &pts);
        check("sigmoid", |[x]| sigmoid(x), |[x]| sigmoid_grad(x), &pts);
        check("relu", |[x]| relu(x), |[x]| partials(relu_grad(x)), &pts);
        check(
            "identity",
            |[x]| identity(x),
            |[x]| partials(identity_grad(x)),
            &pts,
        );
    }

    #[test]
    fn loss_term_derivatives_match_finite_differences() {
        let pts: Vec<[f64; 2]> = XS
            .iter()
            .flat_map(|&z| [[z, 0.0], [z, 1.0], [z, 0.3], [z, -1.5]])
            .collect();
        check(
            "sq_err",
            |[p, t]| sq_err(p, t),
            |[p, t]| partials(sq_err_grad(p, t)),
            &pts,
        );
        check(
            "bce_logit",
            |[z, y]| bce_logit(z, y),
            |[z, y]| partials(bce_logit_grad(z, y)),
            &pts,
        );
    }

    #[test]
    fn bce_logit_is_the_cross_entropy_of_the_sigmoid() {
        for &z in &XS {
            for y in [0.0, 0.25, 1.0] {
                let p = 1.0 / (1.0 + (-z).exp());
                let want = -y * p.ln() - (1.0 - y) * (1.0 - p).ln();
                assert!((bce_logit(z, y) - want).abs() < 1e-12, "z={z} y={y}");
            }
        }
        // Tails: no overflow, no lost terms.
        assert_eq!(bce_logit(-1000.0_f64, 1.0), 1000.0);
        assert_eq!(bce_logit(1000.0_f32, 1.0), 0.0);
    }
}
