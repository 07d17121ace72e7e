//! The public contract of DESIGN.md §1: the example exactly as written, and its
//! variants (f32, typed parameters, `#[wrt]`, the attribute form, sums of gradients).

use autograd::{differentiable, grad, Gradient};

mod exact {
    use autograd::grad;
    grad! {
        fn loss(w, b, x, y) {
            (w*x + b - y).powi(2)
        }
    }

    #[test]
    fn readme_example_as_written() {
        let (l, g) = loss_grad(0.5, 1.0, 2.0, 3.0);
        assert_eq!(l, 1.0);
        assert_eq!((g.w, g.b, g.x, g.y), (-4.0, -2.0, -1.0, 2.0));
        assert_eq!(loss(0.5, 1.0, 2.0, 3.0), 1.0);
    }

    #[test]
    fn readme_example_in_f32() {
        let (l, g) = loss_grad(0.5_f32, 1.0, 2.0, 3.0);
        assert_eq!(l, 1.0_f32);
        assert_eq!((g.w, g.b, g.x, g.y), (-4.0, -2.0, -1.0, 2.0));
    }
}

/// A concrete-typed `x.tanh()` calls `Real::tanh_fast`, so the generated functions bring
/// `Real` into scope themselves: this module does not import it.
mod typed_tanh {
    use autograd::grad;
    grad! {
        fn activation(x: f64) { x.tanh() }
        fn activation32(x: f32) { x.tanh() }
    }

    #[test]
    fn typed_tanh_needs_no_import() {
        let (y, g) = activation_grad(0.5);
        assert_eq!(y, activation(0.5));
        assert!((y - 0.5_f64.tanh()).abs() <= f64::EPSILON * y);
        assert_eq!(g.x, 1.0 - y * y);
        let (y, g) = activation32_grad(0.5);
        assert_eq!(y, activation32(0.5));
        assert!((y - 0.5_f32.tanh()).abs() <= f32::EPSILON * y);
        assert_eq!(g.x, 1.0 - y * y);
    }
}

grad! {
    fn typed_loss(w: f64, b: f64, x: f64, y: f64) -> f64 {
        (w*x + b - y).powi(2)
    }

    fn typed_loss32(w: f32, b: f32, x: f32, y: f32) {
        (w*x + b - y).powi(2)
    }

    #[wrt(w, b)]
    fn wrt_loss(w, b, x, y) {
        (w*x + b - y).powi(2)
    }
}

#[test]
fn typed_parameters_keep_their_type() {
    let (l, g): (f64, TypedLossGrad<f64>) = typed_loss_grad(0.5, 1.0, 2.0, 3.0);
    assert_eq!(l, 1.0);
    assert_eq!(g.to_array(), [-4.0, -2.0, -1.0, 2.0]);
    let (l, g): (f32, TypedLoss32Grad<f32>) = typed_loss32_grad(0.5, 1.0, 2.0, 3.0);
    assert_eq!(l, 1.0);
    assert_eq!(g.to_array(), [-4.0, -2.0, -1.0, 2.0]);
}

#[test]
fn wrt_restricts_the_gradient() {
    let (l, g) = wrt_loss_grad(0.5, 1.0, 2.0, 3.0);
    assert_eq!(l, 1.0);
    // Only `w` and `b` have fields.
    let WrtLossGrad { w, b } = g;
    assert_eq!((w, b), (-4.0, -2.0));
    assert_eq!(g.to_array(), [-4.0, -2.0]);
    assert_eq!(<WrtLossGrad<f64> as Gradient>::LEN, 2);
}

#[differentiable]
fn attr_loss(w: f64, b: f64, x: f64, y: f64) -> f64 {
    (w * x + b - y).powi(2)
}

#[differentiable(wrt(w, b))]
fn attr_wrt_loss(w: f32, b: f32, x: f32, y: f32) -> f32 {
    let yhat = w * x + b;
    (yhat - y).powi(2)
}

#[differentiable]
fn attr_generic<T: autograd::Real>(w: T, x: T) -> T {
    (w * x).tanh() * T::lit(2.0)
}

#[test]
fn attribute_form_keeps_the_function_and_adds_its_gradient() {
    assert_eq!(attr_loss(0.5, 1.0, 2.0, 3.0), 1.0);
    let (l, g) = attr_loss_grad(0.5, 1.0, 2.0, 3.0);
    assert_eq!(l, 1.0);
    assert_eq!((g.w, g.b, g.x, g.y), (-4.0, -2.0, -1.0, 2.0));
    assert_eq!(attr_wrt_loss(0.5, 1.0, 2.0, 3.0), 1.0);
    let (l, g) = attr_wrt_loss_grad(0.5, 1.0, 2.0, 3.0);
    assert_eq!(l, 1.0);
    assert_eq!(g.to_array(), [-4.0, -2.0]);
    let (v, g) = attr_generic_grad(0.5_f64, 2.0);
    assert_eq!(v, attr_generic(0.5_f64, 2.0));
    let sech2 = 1.0 - 1.0_f64.tanh().powi(2);
    assert!((g.w - 2.0 * sech2 * 2.0).abs() < 1e-15);
    assert!((g.x - 2.0 * sech2 * 0.5).abs() < 1e-15);
}

#[test]
fn gradients_sum_and_scale() {
    let (_, g1) = typed_loss_grad(0.5, 1.0, 2.0, 3.0);
    let (_, g2) = typed_loss_grad(0.5, 1.0, 1.0, 1.0);
    let mut total = TypedLossGrad::zero();
    total += g1;
    total += g2;
    assert_eq!(total, g1 + g2);
    let mean = total * 0.5;
    let expected = [
        (g1.w + g2.w) / 2.0,
        (g1.b + g2.b) / 2.0,
        (g1.x + g2.x) / 2.0,
        (g1.y + g2.y) / 2.0,
    ];
    assert_eq!(mean.to_array(), expected);
}
