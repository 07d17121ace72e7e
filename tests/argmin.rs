//! `autograd::argmin::Problem`: a `grad!` gradient under argmin's solvers.

use autograd::argmin::core::{CostFunction, Executor, Gradient, State};
use autograd::argmin::solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS};
use autograd::argmin::Problem;
use autograd::{batch, grad};

grad! {
    /// Rosenbrock's function, minimum 0 at (1, 1).
    fn rosenbrock(x, y) {
        (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
    }
}

#[test]
fn lbfgs_converges_to_the_rosenbrock_optimum() {
    let problem = Problem::new(
        |p: &[f64]| rosenbrock(p[0], p[1]),
        |p: &[f64]| rosenbrock_grad(p[0], p[1]).1.to_array(),
    );
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(vec![-1.2, 1.0]).max_iters(200))
        .run()
        .unwrap();
    let state = result.state();
    let best = state.get_best_param().unwrap();
    assert!((best[0] - 1.0).abs() < 1e-6, "{best:?}");
    assert!((best[1] - 1.0).abs() < 1e-6, "{best:?}");
    assert!(state.get_best_cost() < 1e-12, "{}", state.get_best_cost());
    assert!(
        state.get_iter() < 200,
        "stopped by its tolerance, not the iteration limit"
    );
}

#[test]
fn the_problem_is_the_generated_function_and_gradient() {
    let problem = Problem::new(
        |p: &[f64]| rosenbrock(p[0], p[1]),
        |p: &[f64]| rosenbrock_grad(p[0], p[1]).1.to_array(),
    );
    let p = vec![0.5, -0.25];
    let (v, g) = rosenbrock_grad(0.5, -0.25);
    assert_eq!(problem.cost(&p).unwrap(), v);
    assert_eq!(problem.gradient(&p).unwrap(), vec![g.x, g.y]);
}

#[test]
fn errors_reach_argmin() {
    grad! {
        #[wrt(w)]
        fn sq(w, x) { (w * x - 1.0).powi(2) }
    }
    let xs = [1.0, 2.0, f64::NAN, 4.0];
    let problem = Problem::new(
        |p: &[f64]| batch::mean_grad(&xs, |x| sq_grad(p[0], x)).map(|r| r.0),
        |p: &[f64]| batch::mean_grad(&xs, |x| sq_grad(p[0], x)).map(|r| r.1.to_array()),
    );
    let err = problem.gradient(&vec![1.0]).unwrap_err();
    assert!(err.to_string().contains("sample 2"), "{err}");
    assert!(problem.cost(&vec![1.0]).is_err());
    // A gradient closure with the wrong number of partials is an error, not a silent truncation.
    let short = Problem::new(|_: &[f64]| 0.0, |_: &[f64]| [0.0]);
    let err = short.gradient(&vec![1.0, 2.0]).unwrap_err();
    assert!(err.to_string().contains("length mismatch"), "{err}");
}
