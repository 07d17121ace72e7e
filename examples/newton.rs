//! Newton's method with the Hessian `grad!` writes: minimises the 10-dimensional Rosenbrock
//! function from the origin with `rosen_hessian` and a small Cholesky solve, and compares the
//! number of iterations with gradient descent from the same start.
//!
//! (From the classic start (-1.2, 1, -1.2, 1, …) Newton's method lands in the other minimum of
//! this chained Rosenbrock function, a local one near (-1, 1, …, 1) with f ≈ 3.99, which exists
//! for 4 or more variables; gradient descent happens to reach the global one from there.)
//!
//! Run with `cargo run --release --example newton`.

use autograd::grad;

/// Number of variables.
pub const N: usize = 10;

grad! {
    /// Rosenbrock's function in 10 variables: a long curved valley, minimum 0 at (1, …, 1).
    pub fn rosen(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9) {
        100.0 * (x1 - x0 * x0).powi(2) + (1.0 - x0).powi(2)
            + 100.0 * (x2 - x1 * x1).powi(2) + (1.0 - x1).powi(2)
            + 100.0 * (x3 - x2 * x2).powi(2) + (1.0 - x2).powi(2)
            + 100.0 * (x4 - x3 * x3).powi(2) + (1.0 - x3).powi(2)
            + 100.0 * (x5 - x4 * x4).powi(2) + (1.0 - x4).powi(2)
            + 100.0 * (x6 - x5 * x5).powi(2) + (1.0 - x5).powi(2)
            + 100.0 * (x7 - x6 * x6).powi(2) + (1.0 - x6).powi(2)
            + 100.0 * (x8 - x7 * x7).powi(2) + (1.0 - x7).powi(2)
            + 100.0 * (x9 - x8 * x8).powi(2) + (1.0 - x8).powi(2)
    }
}

/// Value, gradient and Hessian at `x`, through the generated `rosen_hessian`.
pub fn second(x: &[f64; N]) -> (f64, [f64; N], [[f64; N]; N]) {
    let [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9] = *x;
    let (value, grad, hessian) = rosen_hessian(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9);
    (value, grad.to_array(), hessian)
}

/// Value and gradient at `x`, through the generated `rosen_grad`.
pub fn first(x: &[f64; N]) -> (f64, [f64; N]) {
    let [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9] = *x;
    let (value, grad) = rosen_grad(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9);
    (value, grad.to_array())
}

/// The start: the origin.
pub fn start() -> [f64; N] {
    [0.0; N]
}

/// Euclidean distance from `x` to the minimum (1, …, 1).
pub fn distance_to_minimum(x: &[f64; N]) -> f64 {
    x.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>().sqrt()
}

/// Solves `a x = b` for a symmetric positive definite `a` by Cholesky (`a = L Lᵀ`), or `None`
/// if `a` is not positive definite.
pub fn cholesky_solve(a: &[[f64; N]; N], b: &[f64; N]) -> Option<[f64; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    // L y = b, then Lᵀ x = y.
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

/// Where a minimisation stopped.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Iterations taken.
    pub iterations: usize,
    /// The last point.
    pub x: [f64; N],
    /// The function's value there.
    pub value: f64,
}

/// The largest gradient component the minimisations stop at.
pub const TOLERANCE: f64 = 1e-8;

/// Backtracking (Armijo) line search along the descent direction `step` from `x`: the largest
/// of 1, 1/2, 1/4, … that decreases `f` by at least 1e-4 of the linear prediction.
fn line_search(x: &[f64; N], value: f64, grad: &[f64; N], step: &[f64; N]) -> [f64; N] {
    let slope: f64 = (0..N).map(|i| grad[i] * step[i]).sum();
    let mut t = 1.0;
    loop {
        let next: [f64; N] = core::array::from_fn(|i| x[i] + t * step[i]);
        if first(&next).0 <= value + 1e-4 * t * slope || t < 1e-12 {
            return next;
        }
        t *= 0.5;
    }
}

/// Damped Newton: solve `(H + λI) p = -∇f` with the smallest λ in 0, 1e-3, 1e-2, … that makes
/// `H + λI` positive definite, then a line search along `p`.
pub fn newton(start: [f64; N], max_iterations: usize) -> Run {
    let mut x = start;
    for iteration in 0..max_iterations {
        let (value, grad, hessian) = second(&x);
        if grad.iter().all(|g| g.abs() <= TOLERANCE) {
            return Run {
                iterations: iteration,
                x,
                value,
            };
        }
        let minus_grad = grad.map(|g| -g);
        let mut lambda = 0.0;
        let step = loop {
            let mut damped = hessian;
            for (i, row) in damped.iter_mut().enumerate() {
                row[i] += lambda;
            }
            if let Some(step) = cholesky_solve(&damped, &minus_grad) {
                break step;
            }
            lambda = if lambda == 0.0 { 1e-3 } else { 10.0 * lambda };
        };
        x = line_search(&x, value, &grad, &step);
    }
    Run {
        iterations: max_iterations,
        x,
        value: first(&x).0,
    }
}

/// Gradient descent with the same line search, along `-∇f`.
pub fn gradient_descent(start: [f64; N], max_iterations: usize) -> Run {
    let mut x = start;
    for iteration in 0..max_iterations {
        let (value, grad) = first(&x);
        if grad.iter().all(|g| g.abs() <= TOLERANCE) {
            return Run {
                iterations: iteration,
                x,
                value,
            };
        }
        x = line_search(&x, value, &grad, &grad.map(|g| -g));
    }
    Run {
        iterations: max_iterations,
        x,
        value: first(&x).0,
    }
}

#[allow(dead_code)] // the test that runs this file's core has its own main
fn main() {
    let start = start();
    println!("10-dimensional Rosenbrock from {start:?}");
    let run = newton(start, 1000);
    println!(
        "Newton (rosen_hessian + Cholesky): {} iterations, f = {:.3e}, distance to (1, …, 1) = {:.3e}",
        run.iterations,
        run.value,
        distance_to_minimum(&run.x)
    );
    let limit = 100_000;
    let run = gradient_descent(start, limit);
    let stopped = if run.iterations == limit {
        " (stopped at the limit)"
    } else {
        ""
    };
    println!(
        "gradient descent (rosen_grad):     {} iterations{stopped}, f = {:.3e}, distance to (1, …, 1) = {:.3e}",
        run.iterations,
        run.value,
        distance_to_minimum(&run.x)
    );
}
