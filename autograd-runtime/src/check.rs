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
/// A check with a step that cannot work returns [`Error::Invalid`] naming the option: the
/// ratio of `PowerOfTwo` must be finite and positive, and the step it gives must change `x`
/// and stay finite in the checked type.
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
    /// the type (`f32` values checked in `f64`), every `x ± kh` is then exact. `r` must be
    /// finite and positive, at least about the type's machine epsilon (smaller steps leave `x`
    /// unchanged) and small enough that the step is finite; `1e-5` (`f64`) or `1e-2` (`f32`)
    /// are typical.
    PowerOfTwo(f64),
}

/// How [`check_grad_with`] and [`check_grad_slice_with`] differentiate, and what they allow:
/// a component passes where `|analytic - numeric| <= atol + rtol·|numeric| + noise`, with
/// `noise = noise_ulps · ε · max|f| / h` the rounding error of the difference (`max|f|` over
/// the points it evaluated). The default is what [`check_grad`] does: central differences,
/// [`Step::Auto`], `atol = rtol = 1e-6`, no noise term. `atol`, `rtol` and `noise_ulps` must
/// be at least 0 (a NaN or negative one is [`Error::Invalid`]).
///
/// ```
/// use autograd::check::{check_grad_with, Options, Stencil};
/// let options = Options { stencil: Stencil::FivePoint, ..Options::default() };
/// let report = check_grad_with(&options, |[x]: [f64; 1]| (x.exp(), [x.exp()]), [1.0])?;
/// assert!(report.ok(), "{report}");
/// assert!(report.abs_error < 1e-9, "{report}");
/// // A negative tolerance is an error, not a check that can never pass.
/// let negative = Options { atol: -1e-6, ..options };
/// assert!(check_grad_with(&negative, |[x]: [f64; 1]| (x.exp(), [x.exp()]), [1.0]).is_err());
/// # Ok::<(), autograd::Error>(())
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
    // `validate` checks only the tolerances, positive here, and `Step::PowerOfTwo`.
    check_grad_with(&Options::default(), f, at).expect("the default options are valid")
}

/// [`check_grad`] with the difference, step and tolerance of `options`; read the outcome with
/// [`GradCheck::ok`].
///
/// # Errors
///
/// [`Error::Invalid`] naming the option if `options` cannot work at `at`: a
/// [`Step::PowerOfTwo`] ratio that is not finite and positive or whose step does not change a
/// component or is infinite, or a NaN or negative `atol`, `rtol` or `noise_ulps`. `f` is not
/// called then.
///
/// ```
/// use autograd::check::{check_grad_with, Options, Stencil, Step};
/// let options = Options { stencil: Stencil::FivePoint, step: Step::PowerOfTwo(1e-4), ..Options::default() };
/// let f = |[x, y]: [f64; 2]| (x * y.sin(), [y.sin(), x * y.cos()]);
/// let report = check_grad_with(&options, f, [2.0, 0.5])?;
/// assert!(report.ok(), "{report}");
/// // A step of 0 would divide by zero: an error that names the option.
/// let zero = Options { step: Step::PowerOfTwo(0.0), ..options };
/// let err = check_grad_with(&zero, f, [2.0, 0.5]).unwrap_err();
/// assert!(err.to_string().starts_with("check::Options::step: Step::PowerOfTwo(0.0)"), "{err}");
/// # Ok::<(), autograd::Error>(())
/// ```
pub fn check_grad_with<T: Real, const N: usize>(
    options: &Options,
    mut f: impl FnMut([T; N]) -> (T, [T; N]),
    at: [T; N],
) -> Result<GradCheck> {
    validate(options, &at)?;
    let (_, analytic) = f(at);
    // `at` and `analytic` are both `[T; N]`, and the points the check evaluates are copies
    // of `at`: the lengths agree, so neither the check nor the conversion can fail.
    Ok(check_equal_lengths(
        options,
        |x| f(x.try_into().expect("a copy of `at` has length N")).0,
        &at,
        &analytic,
    ))
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
/// [`check_grad_slice`]; [`Error::Invalid`] naming the option if `options` cannot work at `x`,
/// as [`check_grad_with`]. `f` is not called then.
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
    validate(options, x)?;
    Ok(check_equal_lengths(options, f, x, analytic))
}

/// Checks that `options` can work at `x`: tolerances that are numbers at least 0, and a step
/// that moves every finite component and stays finite. (A NaN or infinite component is the
/// point's problem, not the options': its check reports NaN, which never passes.)
fn validate<T: Real>(options: &Options, x: &[T]) -> Result<()> {
    let invalid = |option: &str, message: String| Error::Invalid {
        what: format!("check::Options::{option}"),
        message,
    };
    for (name, value) in [
        ("atol", options.atol),
        ("rtol", options.rtol),
        ("noise_ulps", options.noise_ulps),
    ] {
        // NaN would make every check fail.
        if value.is_nan() || value < 0.0 {
            let message = format!("{value:?}: a tolerance must be at least 0 (0 for none)");
            return Err(invalid(name, message));
        }
    }
    let Step::PowerOfTwo(r) = options.step else {
        return Ok(());
    };
    if !(r.is_finite() && r > 0.0) {
        let message = format!(
            "Step::PowerOfTwo({r:?}): the ratio must be finite and greater than 0, such as \
             1e-5 for f64 or 1e-2 for f32 (the step is the power of two nearest r · max(1, |x|))"
        );
        return Err(invalid("step", message));
    }
    let ty = core::any::type_name::<T>();
    for (i, &xi) in x.iter().enumerate().filter(|(_, xi)| xi.is_finite()) {
        let h = step(options.step, xi);
        // The farthest points the stencil evaluates are x ± far.
        let (far, k) = match options.stencil {
            Stencil::Central => (h, ""),
            Stencil::FivePoint => (h + h, "2"),
        };
        let problem = if (xi + h) - (xi - h) == T::zero() {
            format!(
                "too small to change it in {ty}: use a ratio of at least about the precision \
                 of {ty}, {:.1e}",
                to_f64(T::epsilon())
            )
        } else if !((xi + far) - (xi - far)).is_finite() {
            format!("where x ± {k}h overflows {ty}: use a smaller ratio")
        } else {
            continue;
        };
        let message = format!(
            "Step::PowerOfTwo({r:?}) gives the step {:e} at x[{i}] = {xi:?}, {problem}",
            to_f64(h)
        );
        return Err(invalid("step", message));
    }
    Ok(())
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

    /// The error of `check_grad_slice_with` at `x` (f64 or f32), having checked that `f` was
    /// not called.
    fn invalid<T: Real>(options: Options, x: &[T]) -> (String, String) {
        let mut calls = 0;
        let f = |_: &[T]| {
            calls += 1;
            T::zero()
        };
        let err = check_grad_slice_with(&options, f, x, x).unwrap_err();
        assert_eq!(calls, 0, "nothing is evaluated with invalid options");
        match err {
            Error::Invalid { what, message } => (what, message),
            other => panic!("expected Error::Invalid, got {other:?}"),
        }
    }

    fn power_of_two(r: f64) -> Options {
        Options {
            step: Step::PowerOfTwo(r),
            ..Options::default()
        }
    }

    #[test]
    fn a_power_of_two_ratio_that_is_not_finite_and_positive_is_an_error() {
        // 0 or negative used to give step 0 and a report of NaN; NaN quietly gave step 1.
        for r in [0.0, -1e-5, f64::NAN, f64::INFINITY] {
            let (what, message) = invalid(power_of_two(r), &[1.0_f64]);
            assert_eq!(what, "check::Options::step");
            assert_eq!(
                message,
                format!(
                    "Step::PowerOfTwo({r:?}): the ratio must be finite and greater than 0, such \
                     as 1e-5 for f64 or 1e-2 for f32 (the step is the power of two nearest \
                     r · max(1, |x|))"
                )
            );
        }
        // The array version too.
        let err = check_grad_with(&power_of_two(0.0), |[x]: [f64; 1]| (x, [1.0]), [1.0]);
        assert!(matches!(err, Err(Error::Invalid { .. })), "{err:?}");
    }

    #[test]
    fn a_step_too_small_to_change_x_is_an_error() {
        // 2^-30 is below half an ulp of 0.5 in f32, so x ± h == x and the difference is 0 / 0.
        let (what, message) = invalid(power_of_two(1e-9), &[0.5_f32, 1.0]);
        assert_eq!(what, "check::Options::step");
        assert_eq!(
            message,
            "Step::PowerOfTwo(1e-9) gives the step 9.313225746154785e-10 at x[0] = 0.5, too \
             small to change it in f32: use a ratio of at least about the precision of f32, \
             1.2e-7"
        );
        // A ratio below the f32 range rounds to 0 in f32: the same error, not a step of 0.
        let (_, message) = invalid(power_of_two(1e-60), &[1.0_f32]);
        assert!(
            message.starts_with("Step::PowerOfTwo(1e-60) gives the step 0e0"),
            "{message}"
        );
        // In f64, 1e-9 is a fine ratio, and 1e-17 is below its precision.
        let (_, message) = invalid(power_of_two(1e-17), &[1.0_f64]);
        assert!(
            message.contains("too small to change it in f64"),
            "{message}"
        );
        assert!(
            check_grad_slice_with(&power_of_two(1e-9), |x: &[f64]| x[0], &[1.0], &[1.0])
                .unwrap()
                .passes(1e-6)
        );
    }

    #[test]
    fn a_step_that_overflows_is_an_error() {
        // In f32, 1e37 · 1000 is past f32::MAX: the step would be inf.
        let (what, message) = invalid(power_of_two(1e37), &[1.0_f32, 1000.0]);
        assert_eq!(what, "check::Options::step");
        assert_eq!(
            message,
            "Step::PowerOfTwo(1e37) gives the step inf at x[1] = 1000.0, where x ± h overflows \
             f32: use a smaller ratio"
        );
        // The five-point difference also evaluates x ± 2h: 1e308 + 2 · 2^1022 overflows.
        let five = Options {
            stencil: Stencil::FivePoint,
            ..power_of_two(0.5)
        };
        let (_, message) = invalid(five, &[1e308_f64]);
        assert!(
            message.ends_with("where x ± 2h overflows f64: use a smaller ratio"),
            "{message}"
        );
        // A NaN point is the point's problem, not the step's: reported as NaN, as before.
        let r = check_grad_slice_with(&power_of_two(1e-5), |x: &[f64]| x[0], &[f64::NAN], &[1.0])
            .unwrap();
        assert!(!r.passes(1.0), "{r}");
    }

    #[test]
    fn a_nan_or_negative_tolerance_is_an_error() {
        let options = Options::default();
        for (name, options) in [
            (
                "atol",
                Options {
                    atol: -1e-6,
                    ..options
                },
            ),
            (
                "rtol",
                Options {
                    rtol: f64::NAN,
                    ..options
                },
            ),
            (
                "noise_ulps",
                Options {
                    noise_ulps: -8.0,
                    ..options
                },
            ),
        ] {
            let (what, message) = invalid(options, &[1.0_f64]);
            assert_eq!(what, format!("check::Options::{name}"));
            assert!(
                message.ends_with(": a tolerance must be at least 0 (0 for none)"),
                "{message}"
            );
        }
        // 0 is allowed: an exact check, which the exact difference of x ↦ x passes.
        let exact = Options {
            atol: 0.0,
            rtol: 0.0,
            ..power_of_two(1e-5)
        };
        let r = check_grad_slice_with(&exact, |x: &[f64]| x[0], &[1.0], &[1.0]).unwrap();
        assert!(r.ok() && r.abs_error == 0.0, "{r}");
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
