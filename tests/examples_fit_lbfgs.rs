//! The core of `examples/fit_lbfgs.rs`: L-BFGS through `autograd::argmin` fits the damped
//! oscillation, and beats the true parameters on the noisy data (it finds the least-squares
//! optimum, which the truth is not).

#[allow(dead_code)]
#[path = "../examples/fit_lbfgs.rs"]
mod fit_lbfgs;

use fit_lbfgs::{fit_lbfgs, loss, loss_grad, samples, TRUE};

#[test]
fn lbfgs_fits_the_damped_oscillation() {
    let (ts, ys) = samples(10_000, 0.1, 7);
    let fit = fit_lbfgs(&ts, &ys, 200).unwrap();
    // Noise of 0.1 over 10,000 samples moves the least-squares optimum from the truth by a
    // few thousandths; a wrong local minimum (another frequency) is far from it.
    for (got, want) in fit.params.iter().zip(TRUE) {
        assert!((got - want).abs() < 0.02, "{:?} vs {TRUE:?}", fit.params);
    }
    assert!(fit.loss <= loss(&TRUE, &ts, &ys), "{fit:?}");
    // The loss's residual variance is the noise's: 0.1² = 0.01, within sampling error.
    assert!((fit.loss - 0.01).abs() < 0.001, "{fit:?}");
    // A stationary point: the gradient there is tiny next to the one at the start.
    let (_, g) = loss_grad(&fit.params, &ts, &ys).unwrap();
    let (_, g0) = loss_grad(&fit_lbfgs::START, &ts, &ys).unwrap();
    let norm = |g: [f64; 4]| g.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!(norm(g) < 1e-6 * norm(g0), "{g:?} vs {g0:?}");
    assert!(fit.grad_evals > 0 && fit.iterations > 0, "{fit:?}");
}
