//! The runtime's batch loops run any gradient `grad!` generates: the linear-regression
//! gradient over `xs: &[f32], ys: &[f32]` is one call, serial or threaded.

use autograd::{batch, grad, Gradient};

grad! {
    #[wrt(w, b)]
    fn loss(w, b, x, y) {
        (w * x + b - y).powi(2)
    }
}

#[test]
fn linear_regression_gradient_is_one_call() {
    let xs: Vec<f32> = (0..10_001).map(|i| i as f32 * 1e-3 - 5.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| x - 1.0).collect();
    let (w, b) = (0.5_f32, 0.25_f32);

    let (value, g) = batch::mean_grad((&xs, &ys), |(x, y)| loss_grad(w, b, x, y)).expect("data");
    let (par_value, par_g) =
        batch::par_mean_grad((&xs, &ys), |(x, y)| loss_grad(w, b, x, y)).expect("data");
    assert_eq!((value, g), (par_value, par_g));

    // The same means, summed in f64 by hand from the closed form.
    let n = xs.len() as f64;
    let (mut v, mut dw, mut db) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (&x, &y) in xs.iter().zip(&ys) {
        let r = f64::from(w) * f64::from(x) + f64::from(b) - f64::from(y);
        v += r * r;
        dw += 2.0 * r * f64::from(x);
        db += 2.0 * r;
    }
    let close = |a: f32, e: f64| (f64::from(a) - e).abs() <= 1e-5 * (1.0 + e.abs());
    assert!(close(value, v / n), "{value} vs {}", v / n);
    assert!(close(g.w, dw / n), "{} vs {}", g.w, dw / n);
    assert!(close(g.b, db / n), "{} vs {}", g.b, db / n);
    assert_eq!(<LossGrad<f32> as Gradient>::LEN, 2);
}

#[test]
fn empty_and_mismatched_inputs_are_errors() {
    let f = |(x, y): (f64, f64)| loss_grad(1.0, 0.0, x, y);
    assert!(batch::mean_grad((&[], &[]), f).is_err());
    assert!(batch::mean_grad((&[1.0, 2.0], &[1.0]), f).is_err());
}
