//! Generated gradients as [argmin](https://argmin-rs.org) problems, so argmin's solvers
//! (L-BFGS, BFGS, conjugate gradient, Newton-CG with a line search, …) run on them.
//!
//! [`Problem::new`] takes two closures over the parameters, given as a slice of the
//! `Vec<f64>` argmin iterates on: one for the cost (typically the generated forward function,
//! which does no gradient work) and one for the gradient (typically `NAME_grad(..).1.to_array()`).
//! The closures borrow their data, so nothing is copied per evaluation; the only allocation per
//! gradient is the `Vec` argmin's `Gradient` trait returns.
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

use ::argmin::core::{CostFunction, Error as ArgminError, Gradient};

/// argmin's executor, traits and states (`Executor`, `State`, `CostFunction`, …).
#[doc(no_inline)]
pub use ::argmin::core;
/// argmin's solvers (`quasinewton::LBFGS`, `linesearch::MoreThuenteLineSearch`, …).
#[doc(no_inline)]
pub use ::argmin::solver;

/// A cost and its gradient over parameters `&[f64]`, as an argmin problem with
/// `Param = Vec<f64>`: it implements [`CostFunction`] and [`Gradient`].
///
/// See the [module docs](self) for an example with L-BFGS.
#[derive(Clone, Copy, Debug)]
pub struct Problem<C, G> {
    cost: C,
    gradient: G,
}

impl<C, G> Problem<C, G> {
    /// The problem of minimising `cost`, whose gradient `gradient` computes.
    ///
    /// `cost` returns an `f64` or a `Result<f64, E>`; `gradient` returns one partial derivative
    /// per parameter, in order, as an array (`NameGrad::to_array()`) or a `Vec`, or a `Result`
    /// of one. An `Err` is passed to argmin, which stops with it.
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
        Problem { cost, gradient }
    }
}

impl<C, G, R> CostFunction for Problem<C, G>
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

impl<C, G, R> Gradient for Problem<C, G>
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

/// What a cost closure of a [`Problem`] may return: `f64`, or `Result<f64, E>`.
pub trait Cost {
    /// The cost, or the error to stop the solver with.
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
pub trait Partials {
    /// The partial derivatives, or the error to stop the solver with.
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
