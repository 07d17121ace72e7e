//! Runs the core of `examples/linear_regression.rs` on 5,000 rows and checks what it learns.

#[allow(dead_code)]
#[path = "../examples/linear_regression.rs"]
mod linear_regression;

use linear_regression::{generate, least_squares, train};

#[test]
fn learns_the_least_squares_line_and_maps_it_back() {
    let path =
        std::env::temp_dir().join(format!("autograd-linreg-test-{}.txt", std::process::id()));
    generate(&path, 5_000, 1).unwrap();
    let fit = train(&path, 50, 2, false).unwrap();
    std::fs::remove_file(&path).unwrap();

    // SGD reaches the closed-form solution of the normalised problem.
    assert!((fit.w - fit.w_exact).abs() < 1e-3, "{fit:?}");
    assert!((fit.b - fit.b_exact).abs() < 1e-3, "{fit:?}");
    // z-scores of y = x - 1 with noise of 0.1 against a spread of x of 20/sqrt(12) ≈ 5.77:
    // the slope is the correlation, sqrt(1 - 0.1²/(5.77² + 0.1²)) ≈ 0.99985, the intercept 0.
    assert!((fit.w_exact - 0.99985).abs() < 1e-3, "{fit:?}");
    assert!(fit.b_exact.abs() < 1e-9, "{fit:?}");
    // Mapped back: the true line y = x - 1, up to the noise's effect on 5,000 samples.
    assert!((fit.w_original - 1.0).abs() < 0.01, "{fit:?}");
    assert!((fit.b_original + 1.0).abs() < 0.01, "{fit:?}");
    // Residual variance in z units: 1 - correlation² ≈ 0.1² / 5.77² ≈ 3e-4.
    assert!(fit.final_loss < 1e-3, "{fit:?}");
}

#[test]
fn least_squares_by_hand() {
    // Points (0, 1), (1, 3), (2, 5): exactly y = 2x + 1.
    let (w, b) = least_squares(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]);
    assert!((w - 2.0).abs() < 1e-15 && (b - 1.0).abs() < 1e-15);
}
