//! A `grad!` gradient driven by argmin's L-BFGS: fit a damped oscillation
//! y = a·e^(−b·t)·cos(ω·t + φ) to 10,000 noisy samples, and compare with the runtime's Adam on
//! the same loss (iterations, gradient evaluations, time, fitted parameters).
//!
//! The loss is the mean squared residual, one `grad!` function per sample summed over the data
//! by `batch::mean_grad`; `argmin::Problem` hands it to argmin without copying the data.
//!
//! Run with `cargo run --release --example fit_lbfgs`.

use std::time::{Duration, Instant};

use autograd::argmin::core::{Executor, State};
use autograd::argmin::solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS};
use autograd::argmin::Problem;
use autograd::optim::{Adam, Optimizer};
use autograd::{batch, grad};
use rand::{rngs::StdRng, Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

grad! {
    /// Squared residual of the damped oscillation at one sample `(t, y)`.
    #[wrt(a, b, w, phi)]
    pub fn sq_residual(a, b, w, phi, t, y) {
        let r = a * (-b * t).exp() * (w * t + phi).cos() - y;
        r * r
    }
}

/// The parameters the data are drawn with: a, b, ω, φ.
pub const TRUE: [f64; 4] = [2.0, 0.3, 2.5, 0.5];

/// Where both optimizers start.
pub const START: [f64; 4] = [1.0, 0.1, 2.3, 0.0];

/// `n` samples at uniformly random times in [0, 10] with Gaussian noise of standard deviation
/// `noise`, seeded.
pub fn samples(n: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let normal = Normal::new(0.0, noise).expect("a finite standard deviation");
    let [a, b, w, phi] = TRUE;
    let ts: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..10.0)).collect();
    let ys = ts
        .iter()
        .map(|&t| a * (-b * t).exp() * (w * t + phi).cos() + normal.sample(&mut rng))
        .collect();
    (ts, ys)
}

/// Mean squared residual at `p` and its gradient.
pub fn loss_grad(p: &[f64], ts: &[f64], ys: &[f64]) -> autograd::Result<(f64, [f64; 4])> {
    let (l, g) = batch::mean_grad((ts, ys), |(t, y)| {
        sq_residual_grad(p[0], p[1], p[2], p[3], t, y)
    })?;
    Ok((l, g.to_array()))
}

/// Mean squared residual at `p`, without the gradient.
pub fn loss(p: &[f64], ts: &[f64], ys: &[f64]) -> f64 {
    let s: f64 = ts
        .iter()
        .zip(ys)
        .map(|(&t, &y)| sq_residual(p[0], p[1], p[2], p[3], t, y))
        .sum();
    s / ts.len() as f64
}

/// What a fit reached and what it cost.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The fitted a, b, ω, φ.
    pub params: [f64; 4],
    /// The mean squared residual there.
    pub loss: f64,
    /// Solver iterations (L-BFGS) or steps (Adam).
    pub iterations: u64,
    /// Evaluations of the loss alone.
    pub cost_evals: u64,
    /// Evaluations of the gradient (with the loss).
    pub grad_evals: u64,
    /// Wall time.
    pub time: Duration,
}

/// L-BFGS (memory 7, Moré–Thuente line search) from [`START`], at most `max_iters` iterations.
pub fn fit_lbfgs(
    ts: &[f64],
    ys: &[f64],
    max_iters: u64,
) -> Result<Fit, autograd::argmin::core::Error> {
    let start = Instant::now();
    let problem = Problem::new(
        |p: &[f64]| loss(p, ts, ys),
        |p: &[f64]| loss_grad(p, ts, ys).map(|(_, g)| g),
    );
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(1e-10)?
        .with_tolerance_cost(1e-14)?;
    let result = Executor::new(problem, solver)
        .configure(|state| {
            state
                .param(START.to_vec())
                .max_iters(max_iters)
                .counting(true)
        })
        .run()?;
    let time = start.elapsed();
    let state = result.state();
    let best = state
        .get_best_param()
        .expect("L-BFGS keeps its best parameters");
    let counts = state.get_func_counts();
    Ok(Fit {
        params: [best[0], best[1], best[2], best[3]],
        loss: state.get_best_cost(),
        iterations: state.get_iter(),
        cost_evals: counts.get("cost_count").copied().unwrap_or(0),
        grad_evals: counts.get("gradient_count").copied().unwrap_or(0),
        time,
    })
}

/// Full-batch Adam from [`START`] with learning rate `lr`, until the loss is within a relative
/// `1e-6` of `target` or after `max_steps` steps.
pub fn fit_adam(
    ts: &[f64],
    ys: &[f64],
    lr: f64,
    target: f64,
    max_steps: u64,
) -> autograd::Result<Fit> {
    let start = Instant::now();
    let mut p = START;
    let mut opt = Adam::new(lr);
    let mut steps = 0;
    let mut l = f64::INFINITY;
    while steps < max_steps {
        let (value, g) = loss_grad(&p, ts, ys)?;
        l = value;
        if l <= target * (1.0 + 1e-6) {
            break;
        }
        opt.step(&mut p, &g)?;
        steps += 1;
    }
    Ok(Fit {
        params: p,
        loss: l,
        iterations: steps,
        cost_evals: 0,
        grad_evals: steps + 1,
        time: start.elapsed(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (ts, ys) = samples(10_000, 0.1, 7);
    let lbfgs = fit_lbfgs(&ts, &ys, 200)?;
    let adam = fit_adam(&ts, &ys, 0.01, lbfgs.loss, 20_000)?;
    println!("y = a·e^(−b·t)·cos(ω·t + φ), 10,000 samples, noise σ = 0.1, start {START:?}");
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>10}  {:<44} {:>14}",
        "solver", "iterations", "cost evals", "grad evals", "time", "a, b, ω, φ", "loss"
    );
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>10}  {:<44} {:>14}",
        "truth",
        "",
        "",
        "",
        "",
        format_params(&TRUE),
        format!("{:.9}", loss(&TRUE, &ts, &ys))
    );
    for (name, fit) in [("L-BFGS", &lbfgs), ("Adam", &adam)] {
        println!(
            "{:<8} {:>10} {:>10} {:>10} {:>10}  {:<44} {:>14}",
            name,
            fit.iterations,
            fit.cost_evals,
            fit.grad_evals,
            format!("{:.1?}", fit.time),
            format_params(&fit.params),
            format!("{:.9}", fit.loss)
        );
    }
    Ok(())
}

fn format_params(p: &[f64; 4]) -> String {
    format!("{:.6}, {:.6}, {:.6}, {:.6}", p[0], p[1], p[2], p[3])
}
