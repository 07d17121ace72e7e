//! Fits the line y = 2x + 1 to four points with a hand-written gradient-descent loop: the
//! smallest complete training loop, with nothing but a loss and its gradient.
//!
//! Run with `cargo run --release --example line_fit`.

use autograd::grad;

grad! {
    /// Squared error of the line `w x + b` at the point `(x, y)`.
    #[wrt(w, b)]
    pub fn sq_error(w, b, x, y) {
        (w * x + b - y).powi(2)
    }
}

/// The four points, exactly on y = 2x + 1.
pub const POINTS: [(f64, f64); 4] = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.0)];

/// Mean squared error of the line `w x + b` over `POINTS`, and its gradient `(d/dw, d/db)`.
pub fn loss_and_grad(w: f64, b: f64) -> (f64, f64, f64) {
    let (mut loss, mut dw, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in POINTS {
        let (l, g) = sq_error_grad(w, b, x, y);
        loss += l;
        dw += g.w;
        db += g.b;
    }
    let n = POINTS.len() as f64;
    (loss / n, dw / n, db / n)
}

/// Gradient descent from w = b = 0: `steps` updates of `p -= lr * dL/dp`. Calls `report`
/// with (step, loss) every 50 steps.
pub fn fit(steps: usize, lr: f64, mut report: impl FnMut(usize, f64)) -> (f64, f64) {
    let (mut w, mut b) = (0.0, 0.0);
    for step in 0..steps {
        let (loss, dw, db) = loss_and_grad(w, b);
        if step % 50 == 0 {
            report(step, loss);
        }
        w -= lr * dw;
        b -= lr * db;
    }
    (w, b)
}

#[allow(dead_code)] // the tests include this file for `fit`, without calling `main`
fn main() {
    let (w, b) = fit(500, 0.1, |step, loss| {
        println!("step {step:4}: loss {loss:.3e}")
    });
    println!("w = {w:.2}, b = {b:.2}   (exact: w = 2, b = 1)");
}
