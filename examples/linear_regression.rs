//! Linear regression from a data file: write 100,000 noisy samples of y = x - 1 in the `x:y`
//! text format, load them, normalise, and fit w·x + b by mini-batch SGD; then compare with
//! the exact least-squares line and map the fit back to the original units.
//!
//! Run with `cargo run --release --example linear_regression`.

use std::path::Path;

use autograd::data::{load_xy, write_xy, Batches, Normalizer};
use autograd::grad;
use autograd::optim::{Optimizer, Sgd};
use autograd::train::Trainer;
use autograd::Result;
use rand::{rngs::StdRng, Rng, SeedableRng};

grad! {
    /// Squared error of the line `w x + b` at the point `(x, y)`.
    #[wrt(w, b)]
    pub fn sq_error(w, b, x, y) {
        (w * x + b - y).powi(2)
    }
}

/// Mini-batch size: 100,000 samples make 200 steps an epoch.
pub const BATCH: usize = 500;

/// What a run learned, next to the exact answers.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// Learned slope and intercept on the normalised data.
    pub w: f64,
    /// See `w`.
    pub b: f64,
    /// Least-squares slope and intercept of the normalised data, in closed form.
    pub w_exact: f64,
    /// See `w_exact`.
    pub b_exact: f64,
    /// The learned line in the original units (the data's true line is y = x - 1).
    pub w_original: f64,
    /// See `w_original`.
    pub b_original: f64,
    /// Mean loss of the last epoch.
    pub final_loss: f64,
}

/// Writes `rows` samples of y = x - 1 + noise, x uniform in [-10, 10] and the noise normal
/// with standard deviation 0.1, to `path` in the `x:y` format.
pub fn generate(path: &Path, rows: usize, seed: u64) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = rand_distr::Normal::new(0.0, 0.1).expect("a valid deviation");
    let xs: Vec<f64> = (0..rows).map(|_| rng.random_range(-10.0..10.0)).collect();
    let ys: Vec<f64> = xs.iter().map(|x| x - 1.0 + rng.sample(noise)).collect();
    write_xy(path, &xs, &ys)
}

/// Loads `path`, normalises x and y to z-scores, and trains w·x + b with SGD (mini-batches of
/// `BATCH`, shuffled with `seed`) for `epochs` epochs. The learning rate starts at 0.1 and
/// decays by 10% an epoch, so the noise of the mini-batch gradients fades out at the end.
pub fn train(path: &Path, epochs: usize, seed: u64, progress: bool) -> Result<Fit> {
    let (mut xs, mut ys) = load_xy::<f64>(path)?;
    let x_norm = Normalizer::standard(&xs, 1)?;
    let y_norm = Normalizer::standard(&ys, 1)?;
    x_norm.transform(&mut xs)?;
    y_norm.transform(&mut ys)?;

    let mut params = [0.0, 0.0]; // [w, b]
    let mut grads = [0.0, 0.0];
    let mut opt = Sgd::new(0.1);
    let mut batches = Batches::new(xs.len(), BATCH, seed)?;
    let mut trainer = Trainer::new(epochs).progress(progress);
    trainer.run(|epoch| {
        opt.set_learning_rate(0.1 * 0.9_f64.powi(epoch.index() as i32));
        for batch in batches.epoch() {
            let [w, b] = params;
            let (mut loss, mut dw, mut db) = (0.0, 0.0, 0.0);
            for &i in batch {
                let (l, g) = sq_error_grad(w, b, xs[i], ys[i]);
                loss += l;
                dw += g.w;
                db += g.b;
            }
            let n = batch.len() as f64;
            grads = [dw / n, db / n];
            opt.step(&mut params, &grads)?;
            epoch.record(loss / n)?;
        }
        Ok(())
    })?;

    let [w, b] = params;
    let (w_exact, b_exact) = least_squares(&xs, &ys);
    // The learned line in original units: two points through it, mapped back.
    let mut line_x = [0.0, 1.0];
    let mut line_y = [b, w + b];
    x_norm.inverse(&mut line_x)?;
    y_norm.inverse(&mut line_y)?;
    let w_original = (line_y[1] - line_y[0]) / (line_x[1] - line_x[0]);
    let b_original = line_y[0] - w_original * line_x[0];
    Ok(Fit {
        w,
        b,
        w_exact,
        b_exact,
        w_original,
        b_original,
        final_loss: *trainer.history().last().expect("at least one epoch"),
    })
}

/// The least-squares line through the points: w = cov(x, y) / var(x), b = ȳ - w x̄.
pub fn least_squares(xs: &[f64], ys: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let w = cov / var;
    (w, my - w * mx)
}

#[allow(dead_code)] // the tests include this file for `generate` and `train`
fn main() -> Result<()> {
    let path = std::env::temp_dir().join("autograd-linear-regression.txt");
    generate(&path, 100_000, 1)?;
    println!(
        "wrote 100000 samples of y = x - 1 + noise to {}",
        path.display()
    );
    let fit = train(&path, 50, 2, true)?;
    println!("final loss (normalised units): {:.3e}", fit.final_loss);
    println!("on the normalised data:   learned           exact (least squares)   error");
    // Values below the printed precision print as 0, not -0.000000000.
    let tidy = |v: f64| if v.abs() < 5e-10 { 0.0 } else { v };
    let row = |name, learned: f64, exact: f64| {
        let error = (learned - exact).abs();
        let (learned, exact) = (tidy(learned), tidy(exact));
        println!("  {name}                       {learned:<17.9} {exact:<23.9} {error:.1e}");
    };
    row("w", fit.w, fit.w_exact);
    row("b", fit.b, fit.b_exact);
    println!("in the original units:    learned           true line");
    println!("  w                       {:<17.6} 1", fit.w_original);
    println!("  b                       {:<17.6} -1", fit.b_original);
    std::fs::remove_file(&path).map_err(|source| autograd::Error::Io { path, source })?;
    Ok(())
}
