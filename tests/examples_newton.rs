//! Runs the core of `examples/newton.rs`: Newton's method with `rosen_hessian` reaches the
//! minimum of the 10-dimensional Rosenbrock function in a few dozen iterations, gradient
//! descent from the same start needs thousands.

#[allow(dead_code)]
#[path = "../examples/newton.rs"]
mod newton;

use newton::*;

#[test]
fn newton_converges_in_far_fewer_iterations_than_gradient_descent() {
    let run = newton(start(), 100);
    assert!(run.iterations < 50, "{run:?}");
    assert!(distance_to_minimum(&run.x) < 1e-8, "{run:?}");
    assert!(run.value < 1e-16, "{run:?}");
    let descent = gradient_descent(start(), 100_000);
    assert!(distance_to_minimum(&descent.x) < 1e-6, "{descent:?}");
    assert!(
        descent.iterations > 100 * run.iterations,
        "{descent:?} against {run:?}"
    );
}

#[test]
fn cholesky_solves_a_positive_definite_system_and_rejects_an_indefinite_one() {
    let (_, _, h) = second(&[1.0; N]);
    // At the minimum the Hessian is positive definite: solve H x = H·1 for x = 1.
    let b: [f64; N] = core::array::from_fn(|i| h[i].iter().sum());
    let x = cholesky_solve(&h, &b).expect("positive definite at the minimum");
    assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-10), "{x:?}");
    // At the origin's neighbour (0, 1, 0, …) the first diagonal entry 1200·0 - 400 + 2 < 0.
    let mut p = [0.0; N];
    p[1] = 1.0;
    let (_, _, h) = second(&p);
    assert!(h[0][0] < 0.0);
    assert!(cholesky_solve(&h, &b).is_none());
}

#[test]
fn hessian_matches_the_analytic_one() {
    // Rosenbrock's Hessian by hand: tridiagonal.
    let x: [f64; N] = core::array::from_fn(|i| 0.1 * i as f64 - 0.4);
    let mut want = [[0.0; N]; N];
    for i in 0..N - 1 {
        want[i][i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        want[i][i + 1] = -400.0 * x[i];
        want[i + 1][i] = -400.0 * x[i];
        want[i + 1][i + 1] += 200.0;
    }
    let (_, _, h) = second(&x);
    for i in 0..N {
        for j in 0..N {
            assert!(
                (h[i][j] - want[i][j]).abs() <= 1e-12 * want[i][j].abs().max(1.0),
                "H[{i}][{j}]: {} against {}",
                h[i][j],
                want[i][j]
            );
        }
    }
}
