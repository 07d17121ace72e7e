//! Fits a damped oscillation `a·e^(−b·t)·cos(ω·t + φ)` to 10,000 noisy samples: a `grad!` loss
//! written as a loop over slices (the data are constants, `#[wrt]` names the four parameters),
//! minimised with Adam.
//!
//! Run with `cargo run --release --example curve_fit`; it writes `target/curve_fit.png`.

use std::path::{Path, PathBuf};

use autograd::grad;
use autograd::optim::{Adam, Optimizer};
use autograd::{Error, Result};
use plotters::prelude::*;
use rand::{rngs::StdRng, Rng, SeedableRng};

grad! {
    /// Mean squared residual of the model `a·e^(−b·t)·cos(ω·t + φ)` over the samples `(t, y)`.
    #[wrt(a, b, omega, phi)]
    pub fn loss(a, b, omega, phi, ts: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..ts.len() {
            let r = a * (-b * ts[i]).exp() * (omega * ts[i] + phi).cos() - ys[i];
            s += r * r;
        }
        s / ts.len()
    }
}

/// The parameters `[a, b, ω, φ]` the data are drawn from.
pub const TRUE: [f64; 4] = [2.0, 0.3, 2.5, 0.4];

/// The model at `t` for parameters `[a, b, ω, φ]`.
pub fn model(p: [f64; 4], t: f64) -> f64 {
    p[0] * (-p[1] * t).exp() * (p[2] * t + p[3]).cos()
}

/// `n` samples at evenly spaced `t` in [0, 10), `y` the model at [`TRUE`] plus normal noise of
/// standard deviation `sigma`.
pub fn data(n: usize, sigma: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = rand_distr::Normal::new(0.0, sigma).expect("a valid deviation");
    let ts: Vec<f64> = (0..n).map(|i| 10.0 * i as f64 / n as f64).collect();
    let ys = ts
        .iter()
        .map(|&t| model(TRUE, t) + rng.sample(noise))
        .collect();
    (ts, ys)
}

/// Adam from `start` for `steps` full-batch steps, the learning rate decayed from 0.05 to
/// 0.0005 (geometrically) so the last steps settle in the minimum instead of circling it.
/// Calls `report(step, loss)` every 250 steps; returns the fitted `[a, b, ω, φ]`.
pub fn fit(
    ts: &[f64],
    ys: &[f64],
    start: [f64; 4],
    steps: usize,
    mut report: impl FnMut(usize, f64),
) -> Result<[f64; 4]> {
    let (lr0, lr1) = (0.05_f64, 0.0005_f64);
    let mut opt = Adam::new(lr0);
    let mut p = start;
    for step in 0..steps {
        opt.set_learning_rate(lr0 * (lr1 / lr0).powf(step as f64 / steps as f64));
        let (l, g) = loss_grad(p[0], p[1], p[2], p[3], ts, ys);
        if step % 250 == 0 {
            report(step, l);
        }
        opt.step(&mut p, &[g.a, g.b, g.omega, g.phi])?;
    }
    Ok(p)
}

/// A first guess that is only roughly right (amplitude, decay, frequency within about 20%):
/// the loss of a frequency has many local minima, so a fit starts near the answer, as
/// any curve fitter's does.
pub const START: [f64; 4] = [1.5, 0.2, 2.3, 0.0];

/// Draws the samples and the fitted curve to `path`.
pub fn draw(ts: &[f64], ys: &[f64], fitted: [f64; 4], path: &Path) -> Result<()> {
    let plot_error = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    autograd::train::register_font();
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "damped oscillation: 10,000 noisy samples and the fit",
            ("sans-serif", 24),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..10.0, -2.5..2.5)
        .map_err(|e| plot_error(&e))?;
    chart
        .configure_mesh()
        .x_desc("t")
        .y_desc("y")
        .draw()
        .map_err(|e| plot_error(&e))?;
    let dots = ts
        .iter()
        .zip(ys)
        .map(|(&t, &y)| Circle::new((t, y), 1, RGBColor(120, 150, 220).filled()));
    chart.draw_series(dots).map_err(|e| plot_error(&e))?;
    let curve = (0..=1000).map(|k| {
        let t = k as f64 / 100.0;
        (t, model(fitted, t))
    });
    chart
        .draw_series(LineSeries::new(
            curve,
            RGBColor(200, 30, 30).stroke_width(2),
        ))
        .map_err(|e| plot_error(&e))?;
    root.present().map_err(|e| plot_error(&e))?;
    Ok(())
}

/// Where the example writes its image: the workspace's `target/` directory (not tracked).
pub fn output(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name)
}

#[allow(dead_code)] // the tests include this file for its functions, without calling `main`
fn main() -> Result<()> {
    let (ts, ys) = data(10_000, 0.1, 1);
    let fitted = fit(&ts, &ys, START, 1000, |step, l| {
        println!("step {step:4}: loss {l:.5}")
    })?;
    println!("parameter   true   fitted");
    for (name, (t, f)) in ["a", "b", "omega", "phi"]
        .iter()
        .zip(TRUE.iter().zip(&fitted))
    {
        println!("{name:>9} {t:6.3} {f:8.4}");
    }
    let path = output("curve_fit.png");
    std::fs::create_dir_all(path.parent().expect("a directory")).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    draw(&ts, &ys, fitted, &path)?;
    println!("data and fit: {}", path.display());
    Ok(())
}
