//! Runs the core of `examples/curve_fit.rs` (the same 10,000 samples and 1,000 Adam steps) and
//! checks that the fit recovers the parameters the data were drawn from, as closely as the
//! noise allows.

#[allow(dead_code)]
#[path = "../examples/curve_fit.rs"]
mod curve_fit;

use curve_fit::{data, fit, loss, loss_grad, START, TRUE};

const SIGMA: f64 = 0.1;

/// The standard errors of least squares at the true parameters: with Gaussian noise of
/// deviation σ, the fitted parameters scatter around the true ones with covariance
/// σ²·(JᵀJ)⁻¹, J the model's Jacobian (one row per sample, one column per parameter).
fn standard_errors(ts: &[f64]) -> [f64; 4] {
    let [a, b, omega, phi] = TRUE;
    let mut jtj = [[0.0; 4]; 4];
    for &t in ts {
        let (e, c, s) = (
            (-b * t).exp(),
            (omega * t + phi).cos(),
            (omega * t + phi).sin(),
        );
        let row = [e * c, -t * a * e * c, -t * a * e * s, -a * e * s];
        for i in 0..4 {
            for j in 0..4 {
                jtj[i][j] += row[i] * row[j];
            }
        }
    }
    // The diagonal of the inverse: solve jtj · x = e_k by Gauss–Jordan for each k.
    core::array::from_fn(|k| {
        let mut m = jtj;
        let mut rhs = [0.0; 4];
        rhs[k] = 1.0;
        for col in 0..4 {
            let pivot = (col..4)
                .max_by(|&p, &q| m[p][col].abs().total_cmp(&m[q][col].abs()))
                .unwrap();
            m.swap(col, pivot);
            rhs.swap(col, pivot);
            for r in 0..4 {
                if r != col {
                    let (f, pivot_row) = (m[r][col] / m[col][col], m[col]);
                    for (v, p) in m[r].iter_mut().zip(pivot_row) {
                        *v -= f * p;
                    }
                    rhs[r] -= f * rhs[col];
                }
            }
        }
        SIGMA * (rhs[k] / m[k][k]).sqrt()
    })
}

#[test]
fn the_fit_recovers_the_true_parameters_within_the_noise() {
    let (ts, ys) = data(10_000, SIGMA, 1);
    let mut losses = Vec::new();
    let fitted = fit(&ts, &ys, START, 1000, |_, l| losses.push(l)).unwrap();
    let se = standard_errors(&ts);
    // The least-squares estimate lies within a few standard errors of the truth (5: a
    // Gaussian strays that far once in 1.7 million); the optimiser adds its own error, which
    // the gradient check below bounds far below that.
    for k in 0..4 {
        let err = (fitted[k] - TRUE[k]).abs();
        eprintln!(
            "parameter {k}: error {err:.2e} = {:.2} standard errors",
            err / se[k]
        );
        assert!(
            err < 5.0 * se[k],
            "parameter {k}: fitted {}, true {}, error {err:.2e} > 5 standard errors ({:.2e})",
            fitted[k],
            TRUE[k],
            se[k]
        );
    }
    // At the minimum the mean squared residual is the noise's variance, up to its own
    // sampling error (relative sqrt(2/n) ≈ 1.4% for n = 10,000; 5% allowed).
    let l = loss(fitted[0], fitted[1], fitted[2], fitted[3], &ts, &ys);
    assert!(
        (l / (SIGMA * SIGMA) - 1.0).abs() < 0.05,
        "final loss {l}, noise variance {}",
        SIGMA * SIGMA
    );
    // And it is a minimum: the gradient has (almost) vanished.
    let (_, g) = loss_grad(fitted[0], fitted[1], fitted[2], fitted[3], &ts, &ys);
    let norm = [g.a, g.b, g.omega, g.phi]
        .iter()
        .map(|d| d * d)
        .sum::<f64>()
        .sqrt();
    assert!(norm < 1e-4, "gradient {g:?}");
    // Reported every 250 steps, decreasing.
    assert_eq!(losses.len(), 4);
    assert!(losses[3] < losses[0], "{losses:?}");
}

#[test]
fn the_loss_gradient_matches_finite_differences() {
    let (ts, ys) = data(500, SIGMA, 2);
    let (_, g) = loss_grad(START[0], START[1], START[2], START[3], &ts, &ys);
    let check = autograd::check::check_grad_slice(
        |p| loss(p[0], p[1], p[2], p[3], &ts, &ys),
        &START,
        &[g.a, g.b, g.omega, g.phi],
    )
    .unwrap();
    assert!(check.passes(1e-6), "{check:?}");
}
