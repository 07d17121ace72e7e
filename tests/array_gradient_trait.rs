//! Gradients of functions with fixed-size array parameters implement `Gradient`, so batch loops
//! average them like any other; `Vec` gradients (slices) do not, having no fixed length.

use autograd::{batch, grad, Gradient};

grad! {
    /// Squared error of a linear model with three weights.
    #[wrt(w, b)]
    fn lin(w: [T; 3], b, x: [T; 3], y) {
        (w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b - y).powi(2)
    }

    /// A quadratic form `vᵀ A v`.
    fn quad(a: [[T; 2]; 2], v: [T; 2]) {
        let mut s = 0.0;
        for i in 0..2 {
            for j in 0..2 {
                s += v[i] * a[i][j] * v[j];
            }
        }
        s
    }
}

#[test]
fn len_counts_every_element() {
    assert_eq!(<LinGrad<f64> as Gradient>::LEN, 4);
    assert_eq!(<QuadGrad<f64> as Gradient>::LEN, 6);
}

#[test]
fn arithmetic_is_element_by_element() {
    let (_, g) = quad_grad([[1.0, 2.0], [3.0, 4.0]], [0.5, -1.5]);
    let (_, h) = quad_grad([[-1.0, 0.5], [2.0, 1.0]], [2.0, 1.0]);
    let sum = g + h;
    let mut acc = QuadGrad::<f64>::zero();
    acc += g;
    acc += h;
    assert_eq!(sum, acc);
    let scaled = g * 0.5;
    for i in 0..2 {
        assert_eq!(sum.v[i], g.v[i] + h.v[i]);
        assert_eq!(scaled.v[i], g.v[i] * 0.5);
        for j in 0..2 {
            assert_eq!(sum.a[i][j], g.a[i][j] + h.a[i][j]);
            assert_eq!(scaled.a[i][j], g.a[i][j] * 0.5);
        }
    }
    // ∂(vᵀAv)/∂A = v vᵀ
    assert_eq!(g.a, [[0.25, -0.75], [-0.75, 2.25]]);
}

#[test]
fn mean_grad_averages_array_gradients() {
    let x0 = [1.0, 2.0, -1.0, 0.5];
    let x1 = [0.0, 1.0, 3.0, -2.0];
    let x2 = [2.0, -1.0, 0.5, 1.0];
    let ys = [1.0, 0.0, 2.0, -1.0];
    let (w, b) = ([0.5, -0.25, 1.0], 0.1);
    let (mean, g) = batch::mean_grad((&x0[..], &x1[..], &x2[..], &ys[..]), |(a, c, d, y)| {
        lin_grad(w, b, [a, c, d], y)
    })
    .unwrap();
    // The same mean by hand: 2 r x_k and 2 r, averaged.
    let n = ys.len() as f64;
    let (mut loss, mut dw, mut db) = (0.0, [0.0; 3], 0.0);
    for k in 0..ys.len() {
        let x = [x0[k], x1[k], x2[k]];
        let r = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b - ys[k];
        loss += r * r / n;
        for (d, xi) in dw.iter_mut().zip(x) {
            *d += 2.0 * r * xi / n;
        }
        db += 2.0 * r / n;
    }
    assert!((mean - loss).abs() < 1e-12);
    assert!((g.b - db).abs() < 1e-12);
    for i in 0..3 {
        assert!((g.w[i] - dw[i]).abs() < 1e-12, "{:?} vs {dw:?}", g.w);
    }
}
