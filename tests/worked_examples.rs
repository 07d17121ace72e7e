//! The worked examples of the scalar autograd engines this project grew from (micrograd and
//! its tutorials), with their numbers, and calls between differentiable functions, including a
//! hand-written custom derivative.

use autograd::check::check_grad_slice;
use autograd::{grad, Real};

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * (1.0 + b.abs())
}

grad! {
    /// c = a + b; d = c * a; e = c * d
    fn chain(a, b) {
        let c = a + b;
        let d = c * a;
        c * d
    }

    /// e = (a + b) + a * b
    fn sum_and_product(a, b) {
        (a + b) + a * b
    }

    /// The sigmoid neuron: sigmoid(w1*x1 + w2*x2 + b).
    fn neuron(w1, w2, b, x1, x2) {
        (w1 * x1 + w2 * x2 + b).sigmoid()
    }

    /// f = a*b + tanh(c) - 0.5*a^2
    fn mixed(a, b, c) {
        a * b + c.tanh() - 0.5 * a.powi(2)
    }

    /// w = tanh(x^2 + y^2)
    fn bowl(x, y) {
        (x * x + y * y).tanh()
    }
}

#[test]
fn chain_rule_accumulates_through_shared_values() {
    // e = c*d = a(a+b)^2, so de/da = (a+b)^2 + 2a(a+b) = 45 and de/db = 2a(a+b) = 20 at
    // (2, 3). An engine that overwrites gradients instead of adding them (micrograd's
    // famous `=` instead of `+=` bug) loses the path c → d and reports 35 and 10.
    let (e, g) = chain_grad(2.0, 3.0);
    assert_eq!(e, 50.0);
    assert_eq!((g.a, g.b), (45.0, 20.0));
    let (a, b) = (2.0_f64, 3.0_f64);
    assert_eq!(g.a, (a + b).powi(2) + 2.0 * a * (a + b));
    assert_eq!(g.b, 2.0 * a * (a + b));
}

#[test]
fn sum_and_product_gradient() {
    let (e, g) = sum_and_product_grad(2.0, 3.0);
    assert_eq!(e, 11.0);
    assert_eq!((g.a, g.b), (4.0, 3.0));
}

#[test]
fn sigmoid_neuron() {
    let (w1, w2, b, x1, x2) = (0.5, -0.3, 0.1, 2.0, 3.0);
    let (out, g) = neuron_grad(w1, w2, b, x1, x2);
    // z = 0.5*2 - 0.3*3 + 0.1 = 0.2; sigmoid(0.2) = 0.549834
    assert!(close(out, 0.549_834, 1e-6), "output {out}");
    let s = 1.0 / (1.0 + (-0.2_f64).exp());
    let ds = s * (1.0 - s);
    assert!(close(g.w1, ds * x1, 1e-12));
    assert!(close(g.w2, ds * x2, 1e-12));
    assert!(close(g.b, ds, 1e-12));
    // The three gradients: ∂/∂w1 = 0.49503, ∂/∂w2 = 0.74255, ∂/∂b = 0.24752.
    assert!(close(g.w1, 0.495_033, 1e-5));
    assert!(close(g.w2, 0.742_549, 1e-5));
    assert!(close(g.b, 0.247_516, 1e-5));
}

#[test]
fn mixed_expression() {
    let (a, b, c) = (2.0_f64, 3.0, 0.5);
    let (f, g) = mixed_grad(a, b, c);
    // `grad!` computes `tanh` with `Real::tanh_fast` (within 1.2 ulp of `f64::tanh`'s value).
    assert_eq!(f, a * b + c.tanh_fast() - 0.5 * a * a);
    assert!(close(f, a * b + c.tanh() - 0.5 * a * a, 1e-15));
    assert_eq!(g.a, b - a);
    assert_eq!(g.b, a);
    assert!(close(g.c, 1.0 - c.tanh().powi(2), 1e-15));
}

#[test]
fn bowl_against_finite_differences() {
    let (x, y) = (0.5_f64, -1.0_f64);
    let (w, g) = bowl_grad(x, y);
    assert_eq!(w, 1.25_f64.tanh_fast());
    assert!(close(w, 1.25_f64.tanh(), 1e-15));
    let report = check_grad_slice(|p| bowl(p[0], p[1]), &[x, y], &[g.x, g.y]).unwrap();
    assert!(report.passes(1e-8), "{report}");
}

// A custom derivative: log(e^a + e^b), computed stably, with a hand-written gradient (the
// softmax weights) that `grad!` uses whenever a body calls `log_sum_exp2`.
fn log_sum_exp2<T: Real>(a: T, b: T) -> T {
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

fn log_sum_exp2_grad<T: Real>(a: T, b: T) -> (T, [T; 2]) {
    let value = log_sum_exp2(a, b);
    (value, [(a - value).exp(), (b - value).exp()])
}

grad! {
    fn square(x) {
        x * x
    }

    /// Calls a function of the same block and the custom derivative.
    fn uses_calls(x, y) {
        let s = square(x - y);
        let l = log_sum_exp2(s, 2.0 * y);
        l * x + square(y)
    }

    #[wrt(x)]
    fn only_x(x, k) {
        (x * k).sin()
    }

    /// Calls a function whose `#[wrt]` leaves out a parameter it passes a constant to.
    fn calls_only_x(x) {
        only_x(x, 3.0) + x
    }
}

#[test]
fn custom_derivative_is_used_and_stable() {
    // At ±1000 the naive ln(e^a + e^b) overflows; the hand-written pair does not.
    let (value, g) = log_sum_exp2_grad(1000.0_f64, 1000.0);
    assert_eq!(value, 1000.0 + 2.0_f64.ln());
    // 1000 + ln 2 carries 1e-13 of rounding, so the weights are 1/2 to within 1e-12.
    assert!(close(g[0], 0.5, 1e-12) && close(g[1], 0.5, 1e-12), "{g:?}");
    for (x, y) in [(0.3, -0.2), (1.5, 0.7), (-2.0, 1.0), (40.0, -3.0)] {
        let (value, g) = uses_calls_grad(x, y);
        assert_eq!(value, uses_calls(x, y));
        let report = check_grad_slice(|p| uses_calls(p[0], p[1]), &[x, y], &[g.x, g.y]).unwrap();
        assert!(report.passes(1e-6), "at ({x}, {y}): {report}");
    }
}

#[test]
fn calls_respect_the_callees_wrt() {
    let (value, g) = calls_only_x_grad(0.4_f64);
    assert_eq!(value, calls_only_x(0.4));
    assert!(close(g.x, 3.0 * 1.2_f64.cos() + 1.0, 1e-15));
}
