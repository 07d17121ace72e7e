//! Runs the core of `examples/line_fit.rs` and checks the fitted line.

#[allow(dead_code)]
#[path = "../examples/line_fit.rs"]
mod line_fit;

#[test]
fn line_fit_finds_y_equals_2x_plus_1() {
    let mut losses = Vec::new();
    let (w, b) = line_fit::fit(500, 0.1, |_, loss| losses.push(loss));
    assert!((w - 2.0).abs() < 1e-9, "w = {w}");
    assert!((b - 1.0).abs() < 1e-9, "b = {b}");
    // Reported every 50 steps; at w = b = 0 the loss is mean(y^2) = (1 + 9 + 25 + 49) / 4.
    assert_eq!(losses.len(), 10);
    assert_eq!(losses[0], 21.0);
    assert!(losses.windows(2).all(|p| p[1] < p[0]), "{losses:?}");
    assert!(losses[9] < 1e-20, "{losses:?}");
}

#[test]
fn gradient_matches_finite_differences() {
    let report = autograd::check::check_grad(
        |[w, b]: [f64; 2]| {
            let (loss, dw, db) = line_fit::loss_and_grad(w, b);
            (loss, [dw, db])
        },
        [0.3, -0.7],
    );
    assert!(report.passes(1e-7), "{report}");
}
