//! The classic tiny MLP (micrograd's demo): a 3 → 4 → 4 → 1 network with tanh on every layer
//! learns four samples by gradient descent on the squared error — the whole training API
//! (`Mlp`, a loss, an optimizer, the `Trainer`, a loss plot) in a few lines.
//!
//! Run with `cargo run --release --example tiny_mlp`; it writes `target/tiny_mlp_loss.png`.

use std::path::{Path, PathBuf};

use autograd::nn::{loss, Activation, Mlp};
use autograd::optim::{Optimizer, Sgd};
use autograd::train::Trainer;
use autograd::Result;

/// The four inputs, one row each.
pub const XS: [[f64; 3]; 4] = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
];

/// The targets.
pub const YS: [f64; 4] = [1.0, -1.0, -1.0, 1.0];

/// Trains MLP(3, [4, 4, 1]) with tanh on every layer (the output too, so predictions lie in
/// (-1, 1) like the targets) for `epochs` full-batch steps of plain gradient descent with
/// learning rate `lr` on the sum of squared errors. `report(epoch, loss)` is called every
/// 10 epochs. Returns the model and the loss history (one entry an epoch, before its step).
pub fn train(
    epochs: usize,
    lr: f64,
    seed: u64,
    mut report: impl FnMut(usize, f64),
) -> Result<(Mlp<f64>, Vec<f64>)> {
    let mut mlp = Mlp::with_output(&[3, 4, 4, 1], Activation::Tanh, Activation::Tanh, seed)?;
    let mut opt = Sgd::new(lr);
    let x = XS.as_flattened();
    let mut dy = [0.0; 4];
    let mut trainer = Trainer::new(epochs).progress(false);
    trainer.run(|epoch| {
        let pred = mlp.forward(x)?;
        let l = loss::sse(pred, &YS, &mut dy)?;
        mlp.backward(&dy)?;
        let (params, grads) = mlp.params_and_grads();
        opt.step(params, grads)?;
        epoch.record(l)?;
        if epoch.index() % 10 == 0 {
            report(epoch.index(), l);
        }
        Ok(())
    })?;
    let history = trainer.history().to_vec();
    Ok((mlp, history))
}

/// Where the example writes its image: the workspace's `target/` directory (not tracked).
pub fn output(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name)
}

#[allow(dead_code)] // the tests include this file for `train`, without calling `main`
fn main() -> Result<()> {
    let (mut mlp, history) = train(100, 0.05, 0, |epoch, loss| {
        println!("epoch {epoch:3}: loss {loss:.6}");
    })?;
    println!("final loss {:.6}", history[history.len() - 1]);
    let pred = mlp.predict(XS.as_flattened())?;
    for ((x, y), p) in XS.iter().zip(YS).zip(pred) {
        println!("x = {x:?}: target {y:+.1}, prediction {p:+.4}");
    }
    let path = output("tiny_mlp_loss.png");
    std::fs::create_dir_all(path.parent().expect("a directory")).map_err(|source| {
        autograd::Error::Io {
            path: path.clone(),
            source,
        }
    })?;
    autograd::train::plot_loss(&history, &path, "tiny MLP: sum of squared errors")?;
    println!("loss curve: {}", path.display());
    Ok(())
}
