//! A two-moons classifier: an `Mlp` 2 → 16 → 16 → 1 trained with Adam on the binary
//! cross-entropy of its logits separates two interleaved half circles, and the example draws
//! the decision boundary with the points.
//!
//! Run with `cargo run --release --example moons`; it writes `target/moons.png`.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use autograd::nn::{kernels, loss, Activation, Mlp};
use autograd::optim::{Adam, Optimizer};
use autograd::train::Trainer;
use autograd::{Error, Result};
use plotters::prelude::*;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The data: `n` points as rows `[x, y]` and their labels, 0 or 1.
pub struct Moons {
    /// `n × 2`, row-major.
    pub points: Vec<f32>,
    /// One label per point.
    pub labels: Vec<f32>,
}

/// Two interleaved half circles, as scikit-learn's `make_moons`: label 0 on the upper arc
/// `(cos t, sin t)`, label 1 on the lower `(1 - cos t, 0.5 - sin t)`, `t` uniform in [0, π],
/// plus normal noise of standard deviation `noise` on each coordinate. Labels alternate.
pub fn moons(n: usize, noise: f64, seed: u64) -> Moons {
    let mut rng = StdRng::seed_from_u64(seed);
    let jitter = rand_distr::Normal::new(0.0, noise).expect("a valid deviation");
    let mut points = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let t = rng.random_range(0.0..PI);
        let label = i % 2;
        let (x, y) = if label == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        points.push((x + rng.sample(jitter)) as f32);
        points.push((y + rng.sample(jitter)) as f32);
        labels.push(label as f32);
    }
    Moons { points, labels }
}

/// Trains `Mlp::new(&[2, 16, 16, 1], Tanh, seed)?` on the whole data set each step with Adam
/// (learning rate 0.01) on `loss::bce_with_logits`, for `epochs` steps. Returns the model and
/// the loss history.
pub fn train(
    data: &Moons,
    epochs: usize,
    seed: u64,
    progress: bool,
) -> Result<(Mlp<f32>, Vec<f64>)> {
    let mut mlp = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, seed)?;
    let mut opt = Adam::new(0.01);
    let mut dlogits = vec![0.0; data.labels.len()];
    let mut trainer = Trainer::new(epochs).progress(progress);
    trainer.run(|epoch| {
        let logits = mlp.forward(&data.points)?;
        let l = loss::bce_with_logits(logits, &data.labels, &mut dlogits)?;
        mlp.backward(&dlogits)?;
        let (params, grads) = mlp.params_and_grads();
        opt.step(params, grads)?;
        epoch.record(l)
    })?;
    let history = trainer.history().to_vec();
    Ok((mlp, history))
}

/// The fraction of points whose predicted class (logit > 0) is their label.
pub fn accuracy(mlp: &mut Mlp<f32>, data: &Moons) -> Result<f64> {
    let logits = mlp.predict(&data.points)?;
    let right = logits
        .iter()
        .zip(&data.labels)
        .filter(|(z, y)| (**z > 0.0) == (**y > 0.5))
        .count();
    Ok(right as f64 / data.labels.len() as f64)
}

/// Draws the model's probability of class 1 over the plane (red for 0, blue for 1, white at
/// the boundary) and the points on top, to a PNG or SVG file.
pub fn draw(mlp: &mut Mlp<f32>, data: &Moons, path: &Path) -> Result<()> {
    let plot_error = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let (x0, x1, y0, y1) = (-1.6_f32, 2.6_f32, -1.2_f32, 1.7_f32);
    // The probability on a grid of cells, all rows in one batch.
    let (nx, ny) = (210, 145);
    let (dx, dy) = ((x1 - x0) / nx as f32, (y1 - y0) / ny as f32);
    let mut grid = Vec::with_capacity(2 * nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            grid.push(x0 + (i as f32 + 0.5) * dx);
            grid.push(y0 + (j as f32 + 0.5) * dy);
        }
    }
    let probs: Vec<f32> = mlp
        .predict(&grid)?
        .iter()
        .map(|&z| kernels::sigmoid(z))
        .collect();

    autograd::train::register_font();
    let root = BitMapBackend::new(path, (840, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "two moons: decision boundary of an MLP 2-16-16-1",
            ("sans-serif", 24),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| plot_error(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .draw()
        .map_err(|e| plot_error(&e))?;
    let shade = |p: f32| {
        // White at p = 1/2, saturating towards red (p = 0) and blue (p = 1).
        let s = (2.0 * (p - 0.5)).abs().min(1.0);
        let fade = |full: f32| (255.0 - s * (255.0 - full)) as u8;
        if p < 0.5 {
            RGBColor(255, fade(170.0), fade(170.0))
        } else {
            RGBColor(fade(170.0), fade(190.0), 255)
        }
    };
    let cells = grid.chunks_exact(2).zip(&probs).map(|(c, &p)| {
        let (cx, cy) = (c[0] - dx / 2.0, c[1] - dy / 2.0);
        Rectangle::new([(cx, cy), (cx + dx, cy + dy)], shade(p).filled())
    });
    chart.draw_series(cells).map_err(|e| plot_error(&e))?;
    let dots = data
        .points
        .chunks_exact(2)
        .zip(&data.labels)
        .map(|(p, &l)| {
            let color = if l < 0.5 {
                RGBColor(200, 30, 30)
            } else {
                RGBColor(30, 60, 200)
            };
            Circle::new((p[0], p[1]), 3, color.filled())
        });
    chart.draw_series(dots).map_err(|e| plot_error(&e))?;
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
    let data = moons(400, 0.1, 1);
    let start = std::time::Instant::now();
    let (mut mlp, history) = train(&data, 1000, 0, true)?;
    let acc = accuracy(&mut mlp, &data)?;
    println!(
        "1000 full-batch Adam steps on 400 points in {:.2?}: loss {:.4} → {:.4}, training accuracy {:.1}%",
        start.elapsed(),
        history[0],
        history[history.len() - 1],
        100.0 * acc
    );
    assert!(acc >= 0.97, "training accuracy {acc} is below 97%");
    let path = output("moons.png");
    std::fs::create_dir_all(path.parent().expect("a directory")).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    draw(&mut mlp, &data, &path)?;
    println!("decision boundary: {}", path.display());
    Ok(())
}
