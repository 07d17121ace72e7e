//! Generated gradients as [argmin](https://argmin-rs.org) problems, so argmin's solvers
//! (L-BFGS, BFGS, conjugate gradient, Newton-CG, trust region, …) run on them.
//!
//! [`Problem::new`] takes two closures over the parameters, given as a slice of the
//! `Vec<f64>` argmin iterates on: one for the cost (typically the generated forward function,
//! which does no gradient work) and one for the gradient (typically `NAME_grad(..).1.to_array()`).
//! [`Problem::with_hessian`] adds a third, typically `NAME_hessian(..).2`, for the solvers that
//! need second derivatives. The closures borrow their data, so nothing is copied per
//! evaluation; the only allocations are the `Vec`s argmin's `Gradient` and `Hessian` traits
//! return.
//!
//! argmin's `core` and `solver` modules are re-exported here, so no separate dependency on
//! argmin (and no version to keep in step) is needed:
//!
//! ```
//! use autograd::argmin::core::{Executor, State};
//! use autograd::argmin::solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS};
//! use autograd::{argmin::Problem, grad};
//!
//! grad! {
//!     /// Rosenbrock's banana, minimum 0 at (1, 1).
//!     fn rosenbrock(x, y) {
//!         (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//!     }
//! }
//! let problem = Problem::new(
//!     |p: &[f64]| rosenbrock(p[0], p[1]),
//!     |p: &[f64]| rosenbrock_grad(p[0], p[1]).1.to_array(),
//! );
//! let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
//! let result = Executor::new(problem, solver)
//!     .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(100))
//!     .run()?;
//! let best = result.state().get_best_param().unwrap();
//! assert!((best[0] - 1.0).abs() < 1e-6 && (best[1] - 1.0).abs() < 1e-6, "{best:?}");
//! # Ok::<(), autograd::argmin::core::Error>(())
//! ```
//!
//! Over a data set, the closures sum over the samples: with [`batch::mean_grad`](crate::batch)
//! (which returns a `Result`; an error such as a NaN sample stops the solver with that error):
//!
//! ```
//! use autograd::{argmin::Problem, batch, grad};
//! grad! {
//!     #[wrt(w, b)]
//!     fn sq(w, b, x, y) { (w * x + b - y).powi(2) }
//! }
//! let (xs, ys) = (vec![0.0, 1.0, 2.0], vec![1.0, 3.0, 5.0]);
//! let problem = Problem::new(
//!     |p: &[f64]| batch::mean_grad((&xs, &ys), |(x, y)| sq_grad(p[0], p[1], x, y)).map(|r| r.0),
//!     |p: &[f64]| {
//!         batch::mean_grad((&xs, &ys), |(x, y)| sq_grad(p[0], p[1], x, y)).map(|r| r.1.to_array())
//!     },
//! );
//! use autograd::argmin::core::{CostFunction, Gradient};
//! assert_eq!(problem.cost(&vec![2.0, 1.0])?, 0.0);
//! assert_eq!(problem.gradient(&vec![2.0, 0.0])?, vec![-2.0, -2.0]);
//! # Ok::<(), autograd::argmin::core::Error>(())
//! ```
//!
//! # Functions of a slice
//!
//! A function of `x: &[T]` takes argmin's `Vec<f64>` as it is: the cost closure is the
//! function, and the gradient closure moves the gradient's `Vec` field out of `NAME_grad`
//! (no copy: that `Vec` is the one allocation argmin's `Gradient` trait needs per call anyway).
//! Data parameters are captured by the closures:
//!
//! ```
//! use autograd::argmin::core::{Executor, State};
//! use autograd::argmin::solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS};
//! use autograd::{argmin::Problem, grad};
//!
//! grad! {
//!     /// Rosenbrock in any dimension, a loop over the slice; minimum 0 at (1, …, 1).
//!     fn rosen(x: &[T]) {
//!         let mut s = 0.0;
//!         for i in 0..x.len() - 1 {
//!             s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
//!         }
//!         s
//!     }
//!     /// Squared distance of weights `w` to targets `t`, a data parameter.
//!     #[wrt(w)]
//!     fn dist(w: &[T], t: &[T]) {
//!         let mut s = 0.0;
//!         for i in 0..w.len() {
//!             s += (w[i] - t[i]).powi(2);
//!         }
//!         s
//!     }
//! }
//! let problem = Problem::new(rosen, |x: &[f64]| rosen_grad(x).1.x);
//! let result = Executor::new(problem, LBFGS::new(MoreThuenteLineSearch::new(), 7))
//!     .configure(|state| state.param(vec![-1.2, 1.0, -1.2, 1.0]).max_iters(200))
//!     .run()?;
//! let best = result.state().get_best_param().unwrap();
//! assert!(best.iter().all(|v| (v - 1.0).abs() < 1e-6), "{best:?}");
//!
//! let targets = vec![3.0, -1.0];
//! let problem = Problem::new(|w: &[f64]| dist(w, &targets), |w: &[f64]| dist_grad(w, &targets).1.w);
//! let result = Executor::new(problem, LBFGS::new(MoreThuenteLineSearch::new(), 7))
//!     .configure(|state| state.param(vec![0.0, 0.0]).max_iters(50))
//!     .run()?;
//! let best = result.state().get_best_param().unwrap();
//! assert!((best[0] - 3.0).abs() < 1e-6 && (best[1] + 1.0).abs() < 1e-6, "{best:?}");
//! # Ok::<(), autograd::argmin::core::Error>(())
//! ```
//!
//! # Second derivatives
//!
//! A function of scalar parameters also has `NAME_hessian(..) -> (value, gradient, H)`;
//! [`Problem::with_hessian`] makes it argmin's [`Hessian`], for the trust-region solver with
//! the `Steihaug` (or `CauchyPoint`) subproblem: 25 iterations from (−1.2, 1) to Rosenbrock's
//! optimum, where L-BFGS takes 38. The trust region has no convergence test of its own: give
//! it a `target_cost` or an iteration limit. argmin's plain `Newton` and `Dogleg` invert the
//! Hessian, which argmin offers for `nalgebra` and `ndarray` matrices but not for
//! `Vec<Vec<f64>>`; its `NewtonCG` accepts the Hessian but, in argmin 0.11, stalls on
//! Rosenbrock.
//!
//! ```
//! use autograd::argmin::core::{Executor, State};
//! use autograd::argmin::solver::trustregion::{Steihaug, TrustRegion};
//! use autograd::{argmin::Problem, grad};
//!
//! grad! {
//!     fn rosenbrock(x, y) { (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2) }
//! }
//! let problem = Problem::new(
//!     |p: &[f64]| rosenbrock(p[0], p[1]),
//!     |p: &[f64]| rosenbrock_grad(p[0], p[1]).1.to_array(),
//! )
//! .with_hessian(|p: &[f64]| rosenbrock_hessian(p[0], p[1]).2);
//! let result = Executor::new(problem, TrustRegion::new(Steihaug::new()))
//!     .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(100).target_cost(1e-20))
//!     .run()?;
//! let best = result.state().get_best_param().unwrap();
//! assert!((best[0] - 1.0).abs() < 1e-8 && (best[1] - 1.0).abs() < 1e-8, "{best:?}");
//! # Ok::<(), autograd::argmin::core::Error>(())
//! ```

use ::argmin::core::{CostFunction, Error as ArgminError, Gradient, Hessian};

/// argmin's executor, traits and states (`Executor`, `State`, `CostFunction`, …).
#[doc(no_inline)]
pub use ::argmin::core;
/// argmin's solvers (`quasinewton::LBFGS`, `linesearch::MoreThuenteLineSearch`, …).
#[doc(no_inline)]
pub use ::argmin::solver;

/// A cost and its gradient over parameters `&[f64]`, as an argmin problem with
/// `Param = Vec<f64>`: it implements [`CostFunction`] and [`Gradient`], and [`Hessian`]
/// (`Vec<Vec<f64>>`) once [`with_hessian`](Self::with_hessian) gave it one.
///
/// See the [module docs](self) for examples with L-BFGS and a trust region.
///
/// ```
/// use autograd::argmin::core::{CostFunction, Gradient};
/// use autograd::{argmin::Problem, grad};
/// grad! { fn bowl(x, y) { (x - 1.0).powi(2) + y * y } }
/// let problem = Problem::new(|p: &[f64]| bowl(p[0], p[1]), |p: &[f64]| bowl_grad(p[0], p[1]).1.to_array());
/// assert_eq!(problem.cost(&vec![1.0, 0.0])?, 0.0);
/// assert_eq!(problem.gradient(&vec![0.0, 2.0])?, vec![-2.0, 4.0]);
/// // A gradient with another number of partials than parameters is an error.
/// let short = Problem::new(|p: &[f64]| p[0] * p[0], |p: &[f64]| [2.0 * p[0]]);
/// assert!(short.gradient(&vec![1.0, 2.0]).is_err());
/// # Ok::<(), autograd::argmin::core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Problem<C, G, H = ()> {
    cost: C,
    gradient: G,
    hessian: H,
}

impl<C, G> Problem<C, G> {
    /// The problem of minimising `cost`, whose gradient `gradient` computes.
    ///
    /// `cost` returns an `f64` or a `Result<f64, E>`; `gradient` returns one partial derivative
    /// per parameter, in order, as an array (`NameGrad::to_array()`) or a `Vec` (the field of
    /// a slice parameter), or a `Result` of one. An `Err` is passed to argmin, which stops
    /// with it.
    ///
    /// ```
    /// use autograd::argmin::core::{CostFunction, Gradient};
    /// use autograd::{argmin::Problem, grad};
    /// grad! { fn bowl(x, y) { x * x + 4.0 * y * y } }
    /// let p = Problem::new(|p: &[f64]| bowl(p[0], p[1]), |p: &[f64]| bowl_grad(p[0], p[1]).1.to_array());
    /// assert_eq!(p.cost(&vec![1.0, 1.0])?, 5.0);
    /// assert_eq!(p.gradient(&vec![1.0, 1.0])?, vec![2.0, 8.0]);
    /// # Ok::<(), autograd::argmin::core::Error>(())
    /// ```
    pub fn new(cost: C, gradient: G) -> Self {
        Problem {
            cost,
            gradient,
            hessian: (),
        }
    }

    /// The same problem with `hessian` computing its matrix of second derivatives, for argmin's
    /// solvers that need one (`trustregion::TrustRegion`; see the [module docs](self)).
    ///
    /// `hessian` returns the `N × N` matrix, rows and columns in parameter order, as an array
    /// (`NAME_hessian(..).2`) or a `Vec<Vec<f64>>`, or a `Result` of one. A matrix of another
    /// size than the parameters is an error, not a truncation.
    ///
    /// ```
    /// use autograd::argmin::core::Hessian;
    /// use autograd::{argmin::Problem, grad};
    /// grad! { fn saddle(x, y) { x * x * y - y * y } }
    /// let p = Problem::new(|p: &[f64]| saddle(p[0], p[1]), |p: &[f64]| saddle_grad(p[0], p[1]).1.to_array())
    ///     .with_hessian(|p: &[f64]| saddle_hessian(p[0], p[1]).2);
    /// // ∂²/∂x² = 2y, ∂²/∂x∂y = 2x, ∂²/∂y² = -2.
    /// assert_eq!(p.hessian(&vec![3.0, 5.0])?, vec![vec![10.0, 6.0], vec![6.0, -2.0]]);
    /// # Ok::<(), autograd::argmin::core::Error>(())
    /// ```
    pub fn with_hessian<H>(self, hessian: H) -> Problem<C, G, H> {
        Problem {
            cost: self.cost,
            gradient: self.gradient,
            hessian,
        }
    }
}

impl<C, G, H, R> CostFunction for Problem<C, G, H>
where
    C: Fn(&[f64]) -> R,
    R: Cost,
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Vec<f64>) -> Result<f64, ArgminError> {
        (self.cost)(param).into_cost()
    }
}

impl<C, G, H, R> Gradient for Problem<C, G, H>
where
    G: Fn(&[f64]) -> R,
    R: Partials,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, param: &Vec<f64>) -> Result<Vec<f64>, ArgminError> {
        let g = (self.gradient)(param).into_partials()?;
        if g.len() != param.len() {
            return Err(crate::Error::LengthMismatch {
                what: "argmin parameters and the gradient closure's partials",
                left: param.len(),
                right: g.len(),
            }
            .into());
        }
        Ok(g)
    }
}

impl<C, G, H, R> Hessian for Problem<C, G, H>
where
    H: Fn(&[f64]) -> R,
    R: SecondPartials,
{
    type Param = Vec<f64>;
    type Hessian = Vec<Vec<f64>>;

    fn hessian(&self, param: &Vec<f64>) -> Result<Vec<Vec<f64>>, ArgminError> {
        let h = (self.hessian)(param).into_rows()?;
        let n = param.len();
        if let Some(bad) = std::iter::once(h.len())
            .chain(h.iter().map(Vec::len))
            .find(|&len| len != n)
        {
            return Err(crate::Error::LengthMismatch {
                what: "argmin parameters and a dimension of the Hessian closure's matrix",
                left: n,
                right: bad,
            }
            .into());
        }
        Ok(h)
    }
}

/// What a cost closure of a [`Problem`] may return: `f64`, or `Result<f64, E>`.
///
/// ```
/// use autograd::argmin::core::CostFunction;
/// use autograd::{argmin::Problem, batch, grad};
/// grad! { fn sq(x) { x * x } }
/// // The mean of (x - p)² over the data: a `Result`, as `batch::mean_grad` returns one.
/// let xs = vec![1.0, 3.0];
/// let cost = |p: &[f64]| batch::mean_grad(&xs, |x| sq_grad(x - p[0])).map(|r| r.0);
/// let problem = Problem::new(cost, |p: &[f64]| [2.0 * (p[0] - 2.0)]);
/// assert_eq!(problem.cost(&vec![2.0])?, 1.0);
/// // An error (here a NaN parameter) stops the solver, with the runtime's error inside.
/// let err = problem.cost(&vec![f64::NAN]).unwrap_err();
/// assert!(matches!(err.downcast_ref(), Some(autograd::Error::NonFinite { .. })), "{err}");
/// # Ok::<(), autograd::argmin::core::Error>(())
/// ```
pub trait Cost {
    /// The cost, or the error to stop the solver with.
    ///
    /// ```
    /// use autograd::argmin::Cost;
    /// assert_eq!(2.5.into_cost()?, 2.5);
    /// let failed: Result<f64, autograd::Error> = Err(autograd::Error::Empty { what: "batch" });
    /// assert_eq!(failed.into_cost().unwrap_err().to_string(), "empty input: batch has no samples");
    /// # Ok::<(), autograd::argmin::core::Error>(())
    /// ```
    fn into_cost(self) -> Result<f64, ArgminError>;
}

impl Cost for f64 {
    fn into_cost(self) -> Result<f64, ArgminError> {
        Ok(self)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> Cost for Result<f64, E> {
    fn into_cost(self) -> Result<f64, ArgminError> {
        self.map_err(ArgminError::new)
    }
}

/// What a gradient closure of a [`Problem`] may return: `[f64; N]` (a generated gradient's
/// `to_array()`), `Vec<f64>`, or a `Result` of either.
///
/// ```
/// use autograd::argmin::core::Gradient;
/// use autograd::{argmin::Problem, grad};
/// grad! {
///     fn norm2(x: &[T]) {
///         let mut s = 0.0;
///         for i in 0..x.len() {
///             s += x[i] * x[i];
///         }
///         s
///     }
/// }
/// // The gradient of a slice parameter is a `Vec` field.
/// let problem = Problem::new(|x: &[f64]| norm2(x), |x: &[f64]| norm2_grad(x).1.x);
/// assert_eq!(problem.gradient(&vec![1.0, -2.0])?, vec![2.0, -4.0]);
/// # Ok::<(), autograd::argmin::core::Error>(())
/// ```
pub trait Partials {
    /// The partial derivatives, or the error to stop the solver with.
    ///
    /// ```
    /// use autograd::argmin::Partials;
    /// assert_eq!([1.0, 2.0].into_partials()?, vec![1.0, 2.0]);
    /// let failed: Result<Vec<f64>, autograd::Error> = Err(autograd::Error::Empty { what: "batch" });
    /// assert_eq!(failed.into_partials().unwrap_err().to_string(), "empty input: batch has no samples");
    /// # Ok::<(), autograd::argmin::core::Error>(())
    /// ```
    fn into_partials(self) -> Result<Vec<f64>, ArgminError>;
}

impl<const N: usize> Partials for [f64; N] {
    fn into_partials(self) -> Result<Vec<f64>, ArgminError> {
        Ok(self.to_vec())
    }
}

impl Partials for Vec<f64> {
    fn into_partials(self) -> Result<Vec<f64>, ArgminError> {
        Ok(self)
    }
}

impl<P: Partials, E: std::error::Error + Send + Sync + 'static> Partials for Result<P, E> {
    fn into_partials(self) -> Result<Vec<f64>, ArgminError> {
        self.map_err(ArgminError::new)?.into_partials()
    }
}

/// What a Hessian closure of a [`Problem`] may return: `[[f64; N]; N]` (a generated
/// `NAME_hessian(..).2`), `Vec<Vec<f64>>`, or a `Result` of either.
///
/// ```
/// use autograd::argmin::core::Hessian;
/// use autograd::argmin::Problem;
/// // f(x, y) = x² y, written by hand: the Hessian as a `Vec` of rows.
/// let problem = Problem::new(|p: &[f64]| p[0] * p[0] * p[1], |p: &[f64]| [2.0 * p[0] * p[1], p[0] * p[0]])
///     .with_hessian(|p: &[f64]| vec![vec![2.0 * p[1], 2.0 * p[0]], vec![2.0 * p[0], 0.0]]);
/// assert_eq!(problem.hessian(&vec![1.0, 2.0])?, vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
/// // A matrix of another size than the parameters is an error.
/// let wrong = Problem::new(|p: &[f64]| p[0], |_: &[f64]| [1.0, 0.0]).with_hessian(|_: &[f64]| vec![vec![0.0]]);
/// assert!(wrong.hessian(&vec![1.0, 2.0]).is_err());
/// # Ok::<(), autograd::argmin::core::Error>(())
/// ```
pub trait SecondPartials {
    /// The rows of the matrix of second derivatives, or the error to stop the solver with.
    ///
    /// ```
    /// use autograd::argmin::SecondPartials;
    /// assert_eq!([[2.0, 1.0], [1.0, 3.0]].into_rows()?, vec![vec![2.0, 1.0], vec![1.0, 3.0]]);
    /// let failed: Result<[[f64; 1]; 1], autograd::Error> = Err(autograd::Error::Empty { what: "batch" });
    /// assert!(failed.into_rows().is_err());
    /// # Ok::<(), autograd::argmin::core::Error>(())
    /// ```
    fn into_rows(self) -> Result<Vec<Vec<f64>>, ArgminError>;
}

impl<const N: usize> SecondPartials for [[f64; N]; N] {
    fn into_rows(self) -> Result<Vec<Vec<f64>>, ArgminError> {
        Ok(self.iter().map(|row| row.to_vec()).collect())
    }
}

impl SecondPartials for Vec<Vec<f64>> {
    fn into_rows(self) -> Result<Vec<Vec<f64>>, ArgminError> {
        Ok(self)
    }
}

impl<P: SecondPartials, E: std::error::Error + Send + Sync + 'static> SecondPartials
    for Result<P, E>
{
    fn into_rows(self) -> Result<Vec<Vec<f64>>, ArgminError> {
        self.map_err(ArgminError::new)?.into_rows()
    }
}
