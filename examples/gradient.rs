//! The gradient of a loss, written by `grad!` at compile time, and the code it wrote.
//!
//! `cargo run --release --example gradient` prints the value and gradient of the squared error
//! of a line, checks them against finite differences, and prints the generated Rust (the
//! same text as `cargo expand --example gradient` shows for the `grad!` call, kept in a
//! snapshot test so it is always current).

use autograd::grad;

grad! {
    /// Squared error of a line.
    pub fn loss(w, b, x, y) {
        let yhat = w * x + b;
        (yhat - y).powi(2)
    }
}

/// The expansion of the `grad!` call above, as the snapshot test renders it.
const EXPANSION: &str = include_str!("../autograd-macros/tests/expand/line_loss.expanded.rs");

fn main() {
    let (w, b, x, y) = (0.5_f64, 1.0, 2.0, 3.0);
    let (value, g) = loss_grad(w, b, x, y);
    println!("loss({w}, {b}, {x}, {y}) = {value}");
    println!("gradient: {g:?}");

    let h = 1e-6;
    let numeric = [
        (loss(w + h, b, x, y) - loss(w - h, b, x, y)) / (2.0 * h),
        (loss(w, b + h, x, y) - loss(w, b - h, x, y)) / (2.0 * h),
        (loss(w, b, x + h, y) - loss(w, b, x - h, y)) / (2.0 * h),
        (loss(w, b, x, y + h) - loss(w, b, x, y - h)) / (2.0 * h),
    ];
    println!("finite differences: {numeric:.6?}");
    let worst = g
        .to_array()
        .iter()
        .zip(numeric)
        .map(|(a, n): (&f64, f64)| (a - n).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-6,
        "gradient disagrees with finite differences by {worst}"
    );

    println!("\nWhat grad! wrote (the gradient part):\n");
    let start = EXPANSION.find("pub fn loss_grad").unwrap_or(0);
    let end = EXPANSION[start..]
        .find("\n}\n")
        .map_or(EXPANSION.len(), |i| start + i + 3);
    println!("{}", &EXPANSION[start..end]);
}
