//! `autograd::argmin::Problem`: a `grad!` gradient (and Hessian) under argmin's solvers.

use autograd::argmin::core::{CostFunction, Executor, Gradient, Hessian, State};
use autograd::argmin::solver::linesearch::MoreThuenteLineSearch;
use autograd::argmin::solver::quasinewton::LBFGS;
use autograd::argmin::solver::trustregion::{Steihaug, TrustRegion};
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
        .configure(|s| s.param(vec![-1.2, 1.0]).max_iters(200).counting(true))
        .run()
        .unwrap();
    let state = result.state();
    println!("L-BFGS, 2-D: {:?}", summary(state));
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

grad! {
    /// Rosenbrock in any dimension, a loop over the slice; minimum 0 at (1, …, 1).
    fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }
    /// A weighted Rosenbrock: the weights are data, captured by the closures.
    #[wrt(x)]
    fn weighted_rosen(x: &[T], c: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += c[i] * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }
}

/// Iterations, cost evaluations, gradient evaluations, Hessian evaluations, best point and
/// best cost of a finished run.
fn summary<S: State<Param = Vec<f64>, Float = f64>>(
    state: &S,
) -> (u64, u64, u64, u64, Vec<f64>, f64) {
    let counts = state.get_func_counts();
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    (
        state.get_iter(),
        count("cost_count"),
        count("gradient_count"),
        count("hessian_count"),
        state.get_best_param().cloned().unwrap_or_default(),
        state.get_best_cost(),
    )
}

type CostFn = fn(&[f64]) -> f64;
type GradFn = fn(&[f64]) -> [f64; 2];
type HessianFn = fn(&[f64]) -> [[f64; 2]; 2];

fn rosenbrock_with_hessian() -> Problem<CostFn, GradFn, HessianFn> {
    Problem::new(
        (|p| rosenbrock(p[0], p[1])) as CostFn,
        (|p| rosenbrock_grad(p[0], p[1]).1.to_array()) as GradFn,
    )
    .with_hessian(|p| rosenbrock_hessian(p[0], p[1]).2)
}

#[test]
fn the_hessian_is_rosenbrocks() {
    // Known in closed form: [[1200x² − 400y + 2, −400x], [−400x, 200]].
    let (x, y) = (-1.2, 1.0);
    let h = rosenbrock_with_hessian().hessian(&vec![x, y]).unwrap();
    let want = [
        [1200.0 * x * x - 400.0 * y + 2.0, -400.0 * x],
        [-400.0 * x, 200.0],
    ];
    for (row, want) in h.iter().zip(want) {
        for (a, b) in row.iter().zip(want) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{h:?} vs {want:?}"
            );
        }
    }
    // A matrix of another size than the parameters is an error, not a truncation.
    let wrong = Problem::new(|_: &[f64]| 0.0, |_: &[f64]| [0.0; 3])
        .with_hessian(|_: &[f64]| vec![vec![0.0; 3], vec![0.0; 2], vec![0.0; 3]]);
    let err = wrong.hessian(&vec![1.0, 2.0, 3.0]).unwrap_err();
    assert!(err.to_string().contains("length mismatch"), "{err}");
    assert!(err.to_string().contains("(3 vs 2)"), "{err}");
}

#[test]
fn trust_region_with_steihaug_converges_on_rosenbrock_in_few_iterations() {
    // argmin's trust region has no convergence test of its own: it stops at the target cost.
    let solver = TrustRegion::new(Steihaug::new());
    let result = Executor::new(rosenbrock_with_hessian(), solver)
        .configure(|s| {
            s.param(vec![-1.2, 1.0])
                .max_iters(100)
                .target_cost(1e-20)
                .counting(true)
        })
        .run()
        .unwrap();
    let (iters, costs, grads, hessians, best, cost) = summary(result.state());
    println!("trust region + Steihaug: {iters} iterations, {costs} costs, {grads} gradients, {hessians} Hessians, {best:?}, cost {cost:e}");
    assert!(
        (best[0] - 1.0).abs() < 1e-9 && (best[1] - 1.0).abs() < 1e-9,
        "{best:?}"
    );
    // L-BFGS takes 38 iterations from here (the first test); exact second derivatives fewer.
    assert!(iters <= 30, "{iters} iterations");
}

#[test]
fn lbfgs_converges_on_10_dimensional_rosenbrock_over_a_slice() {
    // The classic start: −1.2 at even indices, 1 at odd ones.
    let start: Vec<f64> = (0..10)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let problem = Problem::new(rosen, |x: &[f64]| rosen_grad(x).1.x);
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(1e-10)
        .unwrap();
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(start).max_iters(500).counting(true))
        .run()
        .unwrap();
    let (iters, costs, grads, _, best, cost) = summary(result.state());
    println!("L-BFGS, 10-D slice: {iters} iterations, {costs} costs, {grads} gradients, {best:?}, cost {cost:e}");
    assert_eq!(best.len(), 10);
    assert!(best.iter().all(|v| (v - 1.0).abs() < 1e-6), "{best:?}");
    assert!(cost < 1e-12, "{cost}");
    assert!(
        iters < 500,
        "stopped by its tolerance, not the iteration limit"
    );
}

#[test]
fn a_slice_function_with_data_is_a_problem() {
    let c = vec![100.0, 50.0, 10.0, 1.0];
    let problem = Problem::new(
        |x: &[f64]| weighted_rosen(x, &c),
        |x: &[f64]| weighted_rosen_grad(x, &c).1.x,
    );
    let x = vec![0.3, -0.7, 1.1, 0.2, -0.4];
    assert_eq!(problem.cost(&x).unwrap(), weighted_rosen(&x, &c));
    // The gradient against central differences of the cost.
    let g = problem.gradient(&x).unwrap();
    let report =
        autograd::check::check_grad_slice(|x: &[f64]| weighted_rosen(x, &c), &x, &g).unwrap();
    assert!(report.ok(), "{report}");
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(x).max_iters(300))
        .run()
        .unwrap();
    let best = result.state().get_best_param().unwrap();
    assert!(best.iter().all(|v| (v - 1.0).abs() < 1e-5), "{best:?}");
}
