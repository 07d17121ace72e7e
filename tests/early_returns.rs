//! Early returns that are taken on some paths of an `if` only (`if a { if b { return ..; } }`),
//! in chains: the gradient compiler lowers the code after each such `if` once, under a flag,
//! instead of copying it into both arms. Values are checked against the same function written
//! as plain Rust, gradients against finite differences, on a grid that takes every path.

use autograd::check::check_grad;
use autograd::grad;

grad! {
    /// Three nested early returns, then a fall-through value.
    fn chain(x, y) {
        if x > 0.0 { if y > 0.5 { return x * y + 0.25; } }
        if x > 1.0 { if y < -1.5 { return (x * y).sin(); } }
        let mut z = x * 0.5 - y;
        if x < -1.0 { z = z * z; if z > 2.0 { return z.sqrt(); } z += y; }
        z * x + y.tanh()
    }

    /// A variable declared after a conditional return is read after the next one.
    fn declared_between(x, y) {
        if y > x { if x > 0.0 { return x - y; } }
        let w = (x * y).exp();
        if w > 3.0 { return w.ln() * y; }
        w * x
    }
}

fn chain_reference(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.5 {
        return x * y + 0.25;
    }
    if x > 1.0 && y < -1.5 {
        return (x * y).sin();
    }
    let mut z = x * 0.5 - y;
    if x < -1.0 {
        z = z * z;
        if z > 2.0 {
            return z.sqrt();
        }
        z += y;
    }
    z * x + y.tanh()
}

fn declared_between_reference(x: f64, y: f64) -> f64 {
    if y > x && x > 0.0 {
        return x - y;
    }
    let w = (x * y).exp();
    if w > 3.0 {
        return w.ln() * y;
    }
    w * x
}

/// Points of a grid that avoids the branch boundaries (finite differences there are
/// meaningless).
fn grid() -> impl Iterator<Item = [f64; 2]> {
    let xs = [-2.3, -1.7, -0.6, 0.3, 0.9, 1.3, 1.9, 2.6];
    let ys = [-2.25, -1.65, -0.55, 0.35, 0.95, 1.35, 1.95, 2.65];
    xs.into_iter()
        .flat_map(move |x| ys.into_iter().map(move |y| [x, y]))
}

#[test]
fn chained_early_returns_match_plain_rust() {
    for [x, y] in grid() {
        let (value, g) = chain_grad(x, y);
        let reference = chain_reference(x, y);
        assert!(
            (value - reference).abs() <= 1e-12 * (1.0 + reference.abs()),
            "chain({x}, {y}) = {value}, plain Rust gives {reference}"
        );
        assert_eq!(value, chain(x, y));
        let report = check_grad(
            |[x, y]| {
                let (v, g) = chain_grad(x, y);
                (v, g.to_array())
            },
            [x, y],
        );
        assert!(report.passes(1e-6), "chain at ({x}, {y}): {report}");
        assert_eq!(g.to_array(), chain_grad(x, y).1.to_array());
    }
}

#[test]
fn declarations_between_early_returns_match_plain_rust() {
    for [x, y] in grid() {
        let (value, _) = declared_between_grad(x, y);
        let reference = declared_between_reference(x, y);
        assert!(
            (value - reference).abs() <= 1e-12 * (1.0 + reference.abs()),
            "declared_between({x}, {y}) = {value}, plain Rust gives {reference}"
        );
        let report = check_grad(
            |[x, y]| {
                let (v, g) = declared_between_grad(x, y);
                (v, g.to_array())
            },
            [x, y],
        );
        assert!(
            report.passes(1e-6),
            "declared_between at ({x}, {y}): {report}"
        );
    }
}
