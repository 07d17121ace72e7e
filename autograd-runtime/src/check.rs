//! Gradient checking, like PyTorch's `gradcheck`: compare an analytic gradient with central
//! finite differences at a point, and report the worst component.
//!
//! [`check_grad`] takes a closure returning the value and the gradient as an array (what a
//! `grad!`-generated `NAME_grad` gives, through `to_array()` or its fields);
//! [`check_grad_slice`] takes a function of a slice and its gradient as a slice (a model's flat
//! parameter vector). [`check_grad_with`] and [`check_grad_slice_with`] take [`Options`]: the
//! five-point difference, a power-of-two step, and a tolerance that allows for the rounding
//! error of the difference itself (what this crate's own rule tests use).
//!
//! ```
//! use autograd::{check::check_grad, grad};
//! grad! { fn f(x, y) { x * y.sin() } }
//! // The generated gradient against finite differences of the generated function.
//! let report = check_grad(|[x, y]: [f64; 2]| (f(x, y), f_grad(x, y).1.to_array()), [2.0, 0.5]);
//! assert!(report.passes(1e-6), "{report}");
//! // A wrong gradient does not pass, and the report says which component is off.
//! let wrong = check_grad(|[x, y]: [f64; 2]| (f(x, y), [y.sin(), y.cos()]), [2.0, 0.5]);
//! assert!(!wrong.passes(1e-6) && wrong.index == 1, "{wrong}");
//! ```

use core::fmt;

use crate::{Error, Real, Result};

/// The outcome of a gradient check: the component where analytic and numeric derivatives
/// disagree most.
///
/// "Most" is measured by `abs_error / (1 + |numeric|)`, the quantity [`passes`](Self::passes)
/// compares with its tolerance: an absolute error for small derivatives, a relative one for
/// large derivatives. A NaN on either side is the worst possible disagreement.
///
/// ```
/// use autograd::check::check_grad;
/// // f(x, y) = x^2 y, gradient (2xy, x^2)
/// let report = check_grad(|[x, y]: [f64; 2]| (x * x * y, [2.0 * x * y, x * x]), [1.5, -0.5]);
/// assert!(report.passes(1e-6), "{report}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// Number of components checked.
    pub len: usize,
    /// Index of the worst component (0 when `len` is 0).
    pub index: usize,
    /// The analytic partial derivative at `index`.
    pub analytic: f64,
    /// The central finite difference at `index`.
    pub numeric: f64,
    /// `|analytic - numeric|`.
    pub abs_error: f64,
    /// `|analytic - numeric| / max(|analytic|, |numeric|)`, 0 when both are 0.
    pub rel_error: f64,
    /// The finite-difference step used at `index`.
    pub step: f64,
    /// The error the [`Options`] allow at `index`: `atol + rtol·|numeric| + noise`, where
    /// `noise` is `noise_ulps · ε · max|f| / step`, the rounding error of the difference. See
    /// [`ok`](Self::ok).
    pub allowed: f64,
}

impl GradCheck {
    /// Whether every component satisfies `|analytic - numeric| <= tol * (1 + |numeric|)`
    /// (PyTorch's `atol + rtol * |numeric|` with `atol = rtol = tol`). False on any NaN.
    ///
    /// Central differences are accurate to about `1e-10` relative in `f64` and `1e-4` in
    /// `f32` for smooth functions, so `1e-6` and `1e-2` are sensible tolerances.
    ///
    /// ```
    /// use autograd::check::check_grad_slice;
    /// // d/dx of x^3 at 2 is 12; claim 12.001.
    /// let report = check_grad_slice(|x: &[f64]| x[0].powi(3), &[2.0], &[12.001])?;
    /// assert!(report.passes(1e-3) && !report.passes(1e-5), "{report}");
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn passes(&self, tol: f64) -> bool {
        self.abs_error <= tol * (1.0 + self.numeric.abs())
    }
}

impl GradCheck {
    /// Whether every component is within the tolerance of the [`Options`] the check ran
    /// with: `abs_error <= allowed` at the worst component, which is the one with the largest
    /// `abs_error / allowed`. False on any NaN.
    ///
    /// ```
    /// use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
    /// let options = Options {
    ///     stencil: Stencil::FivePoint,
    ///     step: Step::PowerOfTwo(1e-5),
    ///     atol: 0.0,
    ///     rtol: 1e-9,
    ///     noise_ulps: 8.0,
    /// };
    /// let x = [0.75_f64];
    /// let good = check_grad_slice_with(&options, |x: &[f64]| x[0].ln(), &x, &[1.0 / 0.75])?;
    /// assert!(good.ok(), "{good}");
    /// let off = check_grad_slice_with(&options, |x: &[f64]| x[0].ln(), &x, &[1.0 / 0.75 + 1e-7])?;
    /// assert!(!off.ok(), "{off}");
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn ok(&self) -> bool {
        self.abs_error <= self.allowed
    }
}

/// The finite-difference formula of a check.
///
/// ```
/// use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
/// // x³ at 1: the central difference is off by h², the five-point one only by rounding.
/// let central = Options { step: Step::PowerOfTwo(1e-3), ..Options::default() };
/// let five = Options { stencil: Stencil::FivePoint, ..central };
/// let f = |x: &[f64]| x[0].powi(3);
/// let c = check_grad_slice_with(&central, f, &[1.0], &[3.0])?;
/// let p = check_grad_slice_with(&five, f, &[1.0], &[3.0])?;
/// assert!(c.abs_error > 1e-7 && p.abs_error < 1e-12, "{c}\n{p}");
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stencil {
    /// `(f(x+h) - f(x-h)) / 2h`: truncation error `O(h²)`, two evaluations per component.
    Central,
    /// `(f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h`: truncation error `O(h⁴)`, four
    /// evaluations per component. Near a singularity at distance `d`, its relative error is
    /// about `(h/d)⁴` against the central difference's `(h/d)²`.
    FivePoint,
}

/// The finite-difference step of a check at a component `x`.
///
/// ```
/// use autograd::check::{check_grad_slice, check_grad_slice_with, Options, Step};
/// let f = |x: &[f64]| x[0] * x[0];
/// // `Auto`, the default, scales with the point.
/// let auto = check_grad_slice(f, &[1e6], &[2e6])?;
/// assert_eq!(auto.step, f64::EPSILON.cbrt() * 1e6);
/// // The power of two nearest 1e-3 · max(1, |0.5|).
/// let options = Options { step: Step::PowerOfTwo(1e-3), ..Options::default() };
/// let pow2 = check_grad_slice_with(&options, f, &[0.5], &[1.0])?;
/// assert_eq!(pow2.step, 2f64.powi(-10));
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// `ε^(1/3) · max(1, |x|)` (`ε` the machine epsilon of the type): balances the central
    /// difference's truncation and rounding errors.
    Auto,
    /// The power of two nearest `r · max(1, |x|)`. At points with fewer significant bits than
    /// the type (`f32` values checked in `f64`), every `x ± kh` is then exact.
    PowerOfTwo(f64),
}

/// How [`check_grad_with`] and [`check_grad_slice_with`] differentiate, and what they allow:
/// a component passes where `|analytic - numeric| <= atol + rtol·|numeric| + noise`, with
/// `noise = noise_ulps · ε · max|f| / h` the rounding error of the difference (`max|f|` over
/// the points it evaluated). The default is what [`check_grad`] does: central differences,
/// [`Step::Auto`], `atol = rtol = 1e-6`, no noise term.
///
/// ```
/// use autograd::check::{check_grad_with, Options, Stencil};
/// let options = Options { stencil: Stencil::FivePoint, ..Options::default() };
/// let report = check_grad_with(&options, |[x]: [f64; 1]| (x.exp(), [x.exp()]), [1.0]);
/// assert!(report.ok(), "{report}");
/// assert!(report.abs_error < 1e-9, "{report}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The difference formula.
    pub stencil: Stencil,
    /// The step.
    pub step: Step,
    /// Absolute tolerance.
    pub atol: f64,
    /// Tolerance relative to `|numeric|`.
    pub rtol: f64,
    /// The rounding error of `f`, in machine epsilons of `max|f|`, allowed on top (0: none).
    pub noise_ulps: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stencil: Stencil::Central,
            step: Step::Auto,
            atol: 1e-6,
            rtol: 1e-6,
            noise_ulps: 0.0,
        }
    }
}

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return write!(f, "gradient check: no components");
        }
        write!(
            f,
            "gradient check of {} components: worst at index {}: analytic {:.9e}, \
             numeric {:.9e}, abs error {:.2e}, rel error {:.2e} (step {:.1e})",
            self.len,
            self.index,
            self.analytic,
            self.numeric,
            self.abs_error,
            self.rel_error,
            self.step
        )
    }
}

/// Checks the gradient returned by `f` against central finite differences of its value at
/// `at`.
///
/// `f` returns `(value, gradient)`; it is called once at `at` for the analytic gradient and
/// twice per component for the differences `(f(x + h e_i) - f(x - h e_i)) / 2h`, with
/// `h = ε^(1/3) · max(1, |x_i|)` (`ε` the machine epsilon of `T`), which balances truncation
/// and rounding error.
///
/// ```
/// use autograd::check::check_grad;
/// // A deliberately wrong gradient of sin(x) * y: the second partial should be sin(x).
/// let report = check_grad(|[x, y]: [f64; 2]| (x.sin() * y, [x.cos() * y, x.cos()]), [1.0, 2.0]);
/// assert!(!report.passes(1e-6));
/// assert_eq!(report.index, 1);
/// println!("{report}");
/// ```
pub fn check_grad<T: Real, const N: usize>(
    f: impl FnMut([T; N]) -> (T, [T; N]),
    at: [T; N],
) -> GradCheck {
    check_grad_with(&Options::default(), f, at)
}

/// [`check_grad`] with the difference, step and tolerance of `options`; read the outcome with
/// [`GradCheck::ok`].
///
/// ```
/// use autograd::check::{check_grad_with, Options, Stencil, Step};
/// let options = Options { stencil: Stencil::FivePoint, step: Step::PowerOfTwo(1e-4), ..Options::default() };
/// let report = check_grad_with(&options, |[x, y]: [f64; 2]| (x * y.sin(), [y.sin(), x * y.cos()]), [2.0, 0.5]);
/// assert!(report.ok(), "{report}");
/// ```
pub fn check_grad_with<T: Real, const N: usize>(
    options: &Options,
    mut f: impl FnMut([T; N]) -> (T, [T; N]),
    at: [T; N],
) -> GradCheck {
    let (_, analytic) = f(at);
    // `at` and `analytic` are both `[T; N]`, and the points the check evaluates are copies
    // of `at`: the lengths agree, so neither the check nor the conversion can fail.
    check_equal_lengths(
        options,
        |x| f(x.try_into().expect("a copy of `at` has length N")).0,
        &at,
        &analytic,
    )
}

/// Checks `analytic`, the claimed gradient of `f` at `x`, against central finite differences
/// of `f`, as [`check_grad`] does.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `x` and `analytic` differ in length: pass one partial
/// derivative per component of `x`, in its order (for a generated gradient of a slice
/// parameter, that parameter's `Vec` field).
///
/// ```
/// use autograd::check::check_grad_slice;
/// // f(x) = sum of squares, gradient 2x.
/// let f = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
/// let x = [0.5_f32, -1.0, 2.0];
/// let grad: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
/// assert!(check_grad_slice(f, &x, &grad)?.passes(1e-2));
/// // One partial short: an error, not a check of the first two.
/// assert!(check_grad_slice(f, &x, &grad[..2]).is_err());
/// # Ok::<(), autograd::Error>(())
/// ```
pub fn check_grad_slice<T: Real>(
    f: impl FnMut(&[T]) -> T,
    x: &[T],
    analytic: &[T],
) -> Result<GradCheck> {
    check_grad_slice_with(&Options::default(), f, x, analytic)
}

/// [`check_grad_slice`] with the difference, step and tolerance of `options`; read the outcome
/// with [`GradCheck::ok`].
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `x` and `analytic` differ in length, as
/// [`check_grad_slice`].
///
/// ```
/// use autograd::check::{check_grad_slice_with, Options, Stencil, Step};
/// let options = Options {
///     stencil: Stencil::FivePoint,
///     step: Step::PowerOfTwo(1e-5),
///     atol: 0.0,
///     rtol: 1e-7,
///     noise_ulps: 8.0,
/// };
/// // tan near its pole: the central difference would be off by ~(h/d)^2.
/// let x = [1.5_f64];
/// let report = check_grad_slice_with(&options, |x: &[f64]| x[0].tan(), &x, &[1.0 / 1.5_f64.cos().powi(2)])?;
/// assert!(report.ok(), "{report}");
/// # Ok::<(), autograd::Error>(())
/// ```
pub fn check_grad_slice_with<T: Real>(
    options: &Options,
    f: impl FnMut(&[T]) -> T,
    x: &[T],
    analytic: &[T],
) -> Result<GradCheck> {
    if x.len() != analytic.len() {
        return Err(Error::LengthMismatch {
            what: "check_grad_slice: the point `x` and the partial derivatives `analytic` \
                   (pass one partial per component of `x`, in its order)",
            left: x.len(),
            right: analytic.len(),
        });
    }
    Ok(check_equal_lengths(options, f, x, analytic))
}

/// The check of [`check_grad_slice_with`], once `x` and `analytic` are known to have one
/// length.
fn check_equal_lengths<T: Real>(
    options: &Options,
    mut f: impl FnMut(&[T]) -> T,
    x: &[T],
    analytic: &[T],
) -> GradCheck {
    let mut point = x.to_vec();
    let mut worst = GradCheck {
        len: x.len(),
        index: 0,
        analytic: 0.0,
        numeric: 0.0,
        abs_error: 0.0,
        rel_error: 0.0,
        step: 0.0,
        allowed: 0.0,
    };
    let mut worst_score = f64::NEG_INFINITY;
    for i in 0..x.len() {
        let h = step(options.step, x[i]);
        let mut at = |k: T| {
            point[i] = x[i] + k * h;
            let value = f(&point);
            point[i] = x[i];
            value
        };
        // Divide by the step actually taken, ((x+h) - (x-h)) / 2, which rounding can make
        // differ from h.
        let taken = ((x[i] + h) - (x[i] - h)) * T::lit(0.5);
        let (numeric, f_max) = match options.stencil {
            Stencil::Central => {
                let (up, down) = (at(T::one()), at(-T::one()));
                ((up - down) / (taken + taken), up.abs().max(down.abs()))
            }
            Stencil::FivePoint => {
                let (m2, m1) = (at(T::lit(-2.0)), at(-T::one()));
                let (p1, p2) = (at(T::one()), at(T::lit(2.0)));
                let numeric =
                    (m2 - T::lit(8.0) * m1 + T::lit(8.0) * p1 - p2) / (T::lit(12.0) * taken);
                (numeric, m2.abs().max(m1.abs()).max(p1.abs()).max(p2.abs()))
            }
        };
        let numeric = to_f64(numeric);
        let analytic = to_f64(analytic[i]);
        let h = to_f64(h);
        let abs_error = (analytic - numeric).abs();
        let scale = analytic.abs().max(numeric.abs());
        let rel_error = if scale == 0.0 { 0.0 } else { abs_error / scale };
        let noise = options.noise_ulps * to_f64(T::epsilon()) * to_f64(f_max) / h;
        let allowed = options.atol + options.rtol * numeric.abs() + noise;
        let score = if abs_error == 0.0 {
            0.0
        } else {
            abs_error / allowed
        };
        // NaN compares false: make it the worst so it is always reported.
        let score = if score.is_nan() { f64::INFINITY } else { score };
        if score > worst_score {
            worst_score = score;
            worst = GradCheck {
                index: i,
                analytic,
                numeric,
                abs_error,
                rel_error,
                step: h,
                allowed,
                ..worst
            };
        }
    }
    worst
}

/// The step of `step` at a component `x`.
fn step<T: Real>(step: Step, x: T) -> T {
    let scale = x.abs().max(T::one());
    match step {
        Step::Auto => T::epsilon().cbrt() * scale,
        Step::PowerOfTwo(r) => {
            let target = T::lit(r) * scale;
            T::lit(2.0).powi(to_f64(target.log2().round()) as i32)
        }
    }
}

fn to_f64<T: Real>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x, y) = x^2 y + sin(y), gradient (2xy, x^2 + cos y).
    fn f(x: f64, y: f64) -> f64 {
        x * x * y + y.sin()
    }

    #[test]
    fn correct_gradient_passes() {
        let r = check_grad(
            |[x, y]: [f64; 2]| (f(x, y), [2.0 * x * y, x * x + y.cos()]),
            [1.5, 0.5],
        );
        assert!(r.passes(1e-8), "{r}");
        assert!(r.abs_error < 1e-8, "{r}");
        assert_eq!(r.len, 2);
    }

    #[test]
    fn wrong_gradient_fails_at_the_wrong_component() {
        // The sign of cos y is wrong in the second partial.
        let r = check_grad(
            |[x, y]: [f64; 2]| (f(x, y), [2.0 * x * y, x * x - y.cos()]),
            [1.5, 0.5],
        );
        assert!(!r.passes(1e-3), "{r}");
        assert_eq!(r.index, 1);
        // By hand: x^2 = 2.25, cos 0.5 = 0.8775825618903728.
        assert!(
            (r.analytic - (2.25 - 0.8775825618903728)).abs() < 1e-12,
            "{r}"
        );
        assert!(
            (r.numeric - (2.25 + 0.8775825618903728)).abs() < 1e-8,
            "{r}"
        );
        assert!((r.abs_error - 2.0 * 0.8775825618903728).abs() < 1e-8, "{r}");
        assert!((r.rel_error - 2.0 * 0.8775825618903728 / 3.1275825618903728).abs() < 1e-8);
        let text = r.to_string();
        assert!(text.contains("worst at index 1"), "{text}");
        assert!(text.contains("numeric 3.127582562e0"), "{text}");
    }

    #[test]
    fn slice_version_in_f32() {
        // f(x) = x0 * x1 * x2: the gradient is the product of the other two.
        let f = |x: &[f32]| x[0] * x[1] * x[2];
        let x = [0.5_f32, -1.5, 2.0];
        let good = [x[1] * x[2], x[0] * x[2], x[0] * x[1]];
        assert!(check_grad_slice(f, &x, &good).unwrap().passes(1e-2));
        let bad = [x[1] * x[2], x[0] * x[2] + 0.1, x[0] * x[1]];
        let r = check_grad_slice(f, &x, &bad).unwrap();
        assert!(!r.passes(1e-2), "{r}");
        assert_eq!(r.index, 1);
    }

    #[test]
    fn nan_is_the_worst_and_fails() {
        let r = check_grad_slice(|x: &[f64]| x[0] + x[1], &[1.0, 1.0], &[1.0, f64::NAN]).unwrap();
        assert_eq!(r.index, 1);
        assert!(!r.passes(1.0), "{r}");
    }

    #[test]
    fn step_scales_with_the_point() {
        let r = check_grad_slice(|x: &[f64]| x[0] * x[0], &[1e6], &[2e6]).unwrap();
        assert!(r.passes(1e-6), "{r}");
        assert!((r.step - 1e6 * f64::EPSILON.cbrt()).abs() < 1e-3, "{r}");
    }

    #[test]
    fn five_point_difference_is_exact_where_the_central_one_is_not() {
        // f = x^3 at 1: the central difference is off by h^2 (f''' h^2 / 6), the five-point
        // one by f^(5) h^4 / 30 = 0, so only rounding is left.
        let central = Options {
            stencil: Stencil::Central,
            step: Step::PowerOfTwo(1e-3),
            atol: 0.0,
            rtol: 1e-9,
            noise_ulps: 8.0,
        };
        let five = Options {
            stencil: Stencil::FivePoint,
            ..central
        };
        let f = |x: &[f64]| x[0].powi(3);
        let r = check_grad_slice_with(&central, f, &[1.0], &[3.0]).unwrap();
        assert!(!r.ok(), "{r}");
        assert_eq!(r.step, 2f64.powi(-10));
        assert!((r.abs_error - r.step * r.step).abs() < 1e-12, "{r}");
        let r = check_grad_slice_with(&five, f, &[1.0], &[3.0]).unwrap();
        assert!(r.ok() && r.abs_error < 1e-12, "{r}");
        // The noise term: 8 eps max|f| / h, max|f| = (1 + 2h)^3.
        let h = r.step;
        let noise = 8.0 * f64::EPSILON * (1.0 + 2.0 * h).powi(3) / h;
        assert!(
            (r.allowed - (1e-9 * r.numeric.abs() + noise)).abs() < 1e-20,
            "{r}"
        );
    }

    #[test]
    fn empty_input_passes_vacuously() {
        let r = check_grad_slice(|_: &[f64]| 0.0, &[], &[]).unwrap();
        assert!(r.passes(0.0));
        assert_eq!(r.to_string(), "gradient check: no components");
    }

    #[test]
    fn a_length_mismatch_is_an_error_that_says_what_to_pass() {
        let mut calls = 0;
        let err = check_grad_slice(
            |_: &[f64]| {
                calls += 1;
                0.0
            },
            &[1.0, 2.0],
            &[1.0],
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    left: 2,
                    right: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "length mismatch: check_grad_slice: the point `x` and the partial derivatives \
             `analytic` (pass one partial per component of `x`, in its order) (2 vs 1)"
        );
        // Nothing was evaluated.
        assert_eq!(calls, 0);
        let more = check_grad_slice_with(&Options::default(), |_: &[f64]| 0.0, &[1.0], &[1.0, 2.0]);
        assert!(matches!(
            more,
            Err(Error::LengthMismatch {
                left: 1,
                right: 2,
                ..
            })
        ));
    }
}
