//! The runtime's training pieces together: CSV → normalise → shuffled mini-batches → Adam in a
//! `Trainer` → checkpoint → reload → same predictions, and a loss-curve plot. The model is
//! logistic regression with a hand-written gradient, checked by `check_grad`.

use autograd_runtime::check::check_grad;
use autograd_runtime::data::{gather_rows, Batches, Csv, Normalizer};
use autograd_runtime::optim::{Adam, Optimizer};
use autograd_runtime::train::{load_tensors, save_tensors, NamedTensor, TensorMut, Trainer};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Binary cross-entropy of `sigmoid(w·x + b)` against label `y`, computed from the logit `z`
/// as `ln(1 + e^z) - y z`, and its gradient: `(sigmoid(z) - y) x` for `w`, `sigmoid(z) - y`
/// for `b`.
fn loss_and_grad(params: [f64; 3], x: [f64; 2], y: f64) -> (f64, [f64; 3]) {
    let [w0, w1, b] = params;
    let z = w0 * x[0] + w1 * x[1] + b;
    let loss = z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
    let d = 1.0 / (1.0 + (-z).exp()) - y;
    (loss, [d * x[0], d * x[1], d])
}

/// 400 points: label 1 when `x0 + 2 x1 > 30`, features on different scales (so normalising
/// matters), written as CSV with an id column and a header.
fn write_data(path: &std::path::Path) {
    let mut rng = StdRng::seed_from_u64(5);
    let mut text = String::from("id,x0,x1,label\n");
    for i in 0..400 {
        let x0: f64 = rng.random_range(0.0..40.0);
        let x1: f64 = rng.random_range(0.0..10.0);
        let label = u8::from(x0 + 2.0 * x1 > 30.0);
        text += &format!("p{i},{x0},{x1},{label}\n");
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn gradient_is_right() {
    for (x, y) in [([0.3, -1.2], 1.0), ([2.0, 0.5], 0.0)] {
        let report = check_grad(|p: [f64; 3]| loss_and_grad(p, x, y), [0.4, -0.3, 0.1]);
        assert!(report.passes(1e-7), "{report}");
    }
}

#[test]
fn train_checkpoint_reload_plot() {
    let dir = std::env::temp_dir().join(format!("autograd-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("data.csv");
    write_data(&csv);

    let features = Csv::new().columns(["x0", "x1"]).load::<f64>(&csv).unwrap();
    let labels = Csv::new()
        .columns(["label"])
        .load::<f64>(&csv)
        .unwrap()
        .into_data();
    let mut xs = features.into_data();
    Normalizer::standard(&xs, 2)
        .unwrap()
        .transform(&mut xs)
        .unwrap();

    let mut params = [0.0; 3];
    let mut opt = Adam::new(0.05);
    let mut batches = Batches::new(labels.len(), 32, 9).unwrap();
    let mut rows = Vec::new();
    let mut trainer = Trainer::new(60).progress(false);
    trainer
        .run(|epoch| {
            for batch in batches.epoch() {
                gather_rows(&xs, 2, batch, &mut rows)?;
                let (mut loss, mut grad) = (0.0, [0.0; 3]);
                for (x, &i) in rows.chunks_exact(2).zip(batch) {
                    let (l, g) = loss_and_grad(params, [x[0], x[1]], labels[i]);
                    loss += l;
                    grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
                }
                let n = batch.len() as f64;
                grad.iter_mut().for_each(|g| *g /= n);
                opt.step(&mut params, &grad)?;
                epoch.record(loss / n)?;
            }
            Ok(())
        })
        .unwrap();

    // Separable data: the loss falls far below ln 2 (a coin flip) and accuracy is high.
    let history = trainer.history();
    assert!(
        history[0] < std::f64::consts::LN_2 && *history.last().unwrap() < 0.1,
        "{history:?}"
    );
    let predict = |p: &[f64; 3], x: &[f64]| p[0] * x[0] + p[1] * x[1] + p[2] > 0.0;
    let correct = xs
        .chunks_exact(2)
        .zip(&labels)
        .filter(|(x, &y)| predict(&params, x) == (y == 1.0))
        .count();
    assert!(correct >= 390, "{correct} of 400 correct");
    // The boundary x0 + 2 x1 = 30 has, in z-scores (std of x0 ≈ 11.5, of x1 ≈ 2.9), weights
    // in the ratio about 11.5 : 5.8, so w0 > w1 > 0.
    assert!(params[0] > params[1] && params[1] > 0.0, "{params:?}");

    // Checkpoint and reload into fresh buffers: identical predictions.
    let ckpt = dir.join("model.safetensors");
    save_tensors(
        &ckpt,
        &[
            NamedTensor::new("w", &[2], &params[..2]),
            NamedTensor::new("b", &[1], &params[2..]),
        ],
    )
    .unwrap();
    let (mut w, mut b) = ([0.0; 2], [0.0; 1]);
    load_tensors(
        &ckpt,
        &mut [
            TensorMut::new("w", &[2], &mut w),
            TensorMut::new("b", &[1], &mut b),
        ],
    )
    .unwrap();
    assert_eq!([w[0], w[1], b[0]], params);

    let png = dir.join("loss.png");
    trainer.plot(&png, "logistic regression").unwrap();
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    std::fs::remove_dir_all(&dir).unwrap();
}
