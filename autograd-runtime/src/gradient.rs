//! `Gradient`: what every generated `NameGrad<T>` implements, so that runtime loops can sum and
//! average the gradients of any generated function; `Partials`: how a call inside a `grad!` body
//! reads the partial derivatives of the function it calls.

use core::ops::{Add, AddAssign, Mul};

use crate::Real;

/// A gradient: one partial derivative per differentiated parameter.
///
/// Generated `NameGrad<T>` structs implement it, with `+`, `+=` and `* scalar` field by field.
///
/// ```
/// use autograd::{grad, Gradient};
/// grad! { fn sq(x) { x * x } }
/// let (_, g1) = sq_grad(1.0_f64);
/// let (_, g2) = sq_grad(2.0_f64);
/// let mean = (g1 + g2) * 0.5;
/// assert_eq!(mean.x, 3.0);
/// assert_eq!(SqGrad::<f64>::zero().x, 0.0);
/// ```
pub trait Gradient:
    Copy + PartialEq + Add<Output = Self> + AddAssign + Mul<<Self as Gradient>::Scalar, Output = Self>
{
    /// The scalar type of the partial derivatives.
    ///
    /// ```
    /// use autograd::{grad, Gradient};
    /// grad! { fn sq(x) { x * x } }
    /// fn scalar_of<G: Gradient>(_: G) -> &'static str { std::any::type_name::<G::Scalar>() }
    /// assert_eq!(scalar_of(sq_grad(2.0_f32).1), "f32");
    /// assert_eq!(scalar_of(sq_grad(2.0_f64).1), "f64");
    /// ```
    type Scalar: Real;

    /// Number of partial derivatives.
    ///
    /// ```
    /// use autograd::{grad, Gradient};
    /// grad! {
    ///     fn dist(x, y) { (x * x + y * y).sqrt() }
    ///     // Only `w` is differentiated: one partial.
    ///     #[wrt(w)]
    ///     fn scaled(w, x) { w * x }
    /// }
    /// assert_eq!(DistGrad::<f64>::LEN, 2);
    /// assert_eq!(ScaledGrad::<f64>::LEN, 1);
    /// ```
    const LEN: usize;

    /// The gradient with every partial derivative zero: the start of a sum of gradients.
    ///
    /// ```
    /// use autograd::{grad, Gradient};
    /// grad! { fn f(x, y) { x * y } }
    /// assert_eq!(FGrad::<f64>::zero().to_array(), [0.0, 0.0]);
    /// let total = [1.0, 2.0].into_iter().fold(FGrad::zero(), |sum, x| sum + f_grad(x, 3.0).1);
    /// assert_eq!(total.to_array(), [6.0, 3.0]); // (Σ y, Σ x)
    /// ```
    fn zero() -> Self;

    /// Whether every partial derivative is finite (neither NaN nor infinite).
    ///
    /// The default needs only the operations above: `g · 0` is zero exactly where each
    /// partial is finite (`inf · 0` and `NaN · 0` are NaN, which equals nothing).
    ///
    /// ```
    /// use autograd::{grad, Gradient};
    /// grad! { fn ratio(x, y) { x / y } }
    /// assert!(ratio_grad(1.0_f64, 2.0).1.is_finite());
    /// assert!(!ratio_grad(1.0_f64, 0.0).1.is_finite());
    /// ```
    #[inline]
    fn is_finite(self) -> bool {
        self * <Self::Scalar as num_traits::Zero>::zero() == Self::zero()
    }
}

/// The partial derivatives of a function with respect to each of its arguments, in order.
///
/// A call `g(u, v)` inside a `grad!` body calls `g_grad(u, v)`, which returns
/// `(value, partials)`; `partials` is anything that implements `Partials`: the generated
/// `GGrad<T>`, or a plain array for a hand-written custom derivative.
///
/// ```
/// use autograd::{grad, Real};
/// // A custom derivative: hand-written `softabs` and `softabs_grad`.
/// fn softabs<T: Real>(x: T) -> T { (x * x + T::lit(1e-6)).sqrt() }
/// fn softabs_grad<T: Real>(x: T) -> (T, [T; 1]) {
///     let y = softabs(x);
///     (y, [x / y])
/// }
/// grad! { fn f(x) { 2.0 * softabs(x) } }
/// let (_, g) = f_grad(3.0_f64);
/// assert!((g.x - 2.0).abs() < 1e-6);
/// ```
#[diagnostic::on_unimplemented(
    message = "this call passes {N} arguments, but `{Self}` does not hold {N} partial derivatives",
    label = "needs {N} partial derivatives, one per argument",
    note = "a function from another `grad!` block has partials only for the parameters in its \
            `#[wrt(..)]`: remove `#[wrt(..)]` from it, or put it in the same `grad!` block as \
            this call",
    note = "a hand-written `NAME_grad` returns `(value, [T; N])`, one partial per argument"
)]
pub trait Partials<T, const N: usize> {
    /// The partial derivatives, one per argument of the function, in argument order.
    ///
    /// ```
    /// use autograd::{grad, Partials};
    /// grad! { fn f(x, y) { x * y * y } }
    /// let (_, g) = f_grad(2.0_f64, 3.0);
    /// assert_eq!(Partials::<f64, 2>::partials(g), [9.0, 12.0]); // (y², 2xy)
    /// // A hand-written derivative's array is its own partials.
    /// assert_eq!(Partials::<f64, 1>::partials([4.0]), [4.0]);
    /// ```
    fn partials(self) -> [T; N];
}

impl<T, const N: usize> Partials<T, N> for [T; N] {
    #[inline(always)]
    fn partials(self) -> [T; N] {
        self
    }
}
