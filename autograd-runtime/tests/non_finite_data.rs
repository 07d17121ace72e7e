//! A NaN in the training data, as a new user hit it: in the usual loop (forward → loss →
//! backward → step) the loss returned `Ok(NaN)` and the step wrote NaN into every parameter
//! before the `Trainer` noticed. Now the loss stops the loop at the bad sample, and an
//! optimizer refuses a NaN gradient however it got there; the model keeps the parameters of
//! its last good step.

#![cfg(all(feature = "nn", feature = "train"))]

use autograd_runtime::nn::{loss, Activation, Mlp};
use autograd_runtime::optim::{Adam, Optimizer};
use autograd_runtime::train::Trainer;
use autograd_runtime::Error;

/// 8 samples of 2 features, 4 per mini-batch; target 7 (batch 1, row 3) is NaN.
fn data() -> (Vec<f32>, Vec<f32>) {
    let x: Vec<f32> = (0..16).map(|i| (i as f32 * 0.7).sin()).collect();
    let mut y: Vec<f32> = (0..8).map(|i| (i as f32 * 0.3).cos()).collect();
    y[7] = f32::NAN;
    (x, y)
}

#[test]
fn a_nan_target_stops_training_at_its_sample_with_the_model_intact() {
    let (x, y) = data();
    let mut mlp = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, 3).unwrap();
    let mut opt = Adam::new(0.01);
    let mut dy = [0.0; 4];
    let mut after_batch_0 = Vec::new();
    let err = Trainer::new(5)
        .progress(false)
        .run(|epoch| {
            for b in 0..2 {
                let out = mlp.forward(&x[8 * b..8 * (b + 1)])?;
                let l = loss::mse(out, &y[4 * b..4 * (b + 1)], &mut dy)?;
                mlp.backward(&dy)?;
                let (params, grads) = mlp.params_and_grads();
                opt.step(params, grads)?;
                epoch.record(l)?;
                after_batch_0 = mlp.params().to_vec();
            }
            Ok(())
        })
        .unwrap_err();
    // Row 3 of the second batch: sample 3 of the loss's input.
    assert!(
        matches!(
            err,
            Error::NonFinite {
                what: "target",
                sample: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(mlp.params(), &after_batch_0[..]);
    assert!(mlp.params().iter().all(|p| p.is_finite()));
}

#[test]
fn a_nan_gradient_that_gets_past_the_loss_is_refused_by_the_step() {
    let (x, y) = data();
    let mut mlp = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, 3).unwrap();
    let mut opt = Adam::new(0.01);
    // The gradient of the MSE written by hand, which no loss function checked.
    let out = mlp.forward(&x[8..]).unwrap().to_vec();
    let dy: Vec<f32> = out
        .iter()
        .zip(&y[4..])
        .map(|(p, t)| 0.5 * (p - t))
        .collect();
    mlp.backward(&dy).unwrap();
    let before = mlp.params().to_vec();
    let (params, grads) = mlp.params_and_grads();
    let err = opt.step(params, grads).unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    // Backward spreads row 3's NaN into every gradient (each weight sums over the rows), so
    // the first bad one is the first of the flat vector.
    assert!(mlp.grads().iter().all(|g| g.is_nan()));
    assert!(
        err.to_string().starts_with("Adam: gradient 0 is NaN"),
        "{err}"
    );
    assert_eq!(mlp.params(), &before[..]);
}
