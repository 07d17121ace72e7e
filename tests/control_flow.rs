//! The body language beyond single expressions: `let` and shadowing (parameters too),
//! `let mut` with every assignment operator (also from inside a branch), `return` (also early,
//! from inside a branch), `if` / `else if` / `else` as real branches in both passes.
//! Every gradient is checked against central finite differences of the forward function.

use autograd::check::check_grad_slice;
use autograd::grad;

/// Checks `analytic` against central finite differences of `f` at `x`, every component to
/// `1e-6 · (1 + |numeric|)`.
fn assert_gradient(name: &str, f: impl Fn(&[f64]) -> f64, analytic: &[f64], x: &[f64]) {
    let report = check_grad_slice(f, x, analytic).unwrap();
    assert!(report.passes(1e-6), "{name} at {x:?}: {report}");
}

grad! {
    fn shadowing(x, y) {
        let x = x * y;
        let x = x.sin() + y;
        let y = x * x;
        y
    }

    fn assignments(x, y) {
        let mut acc = x;
        acc += y;
        acc *= x;
        acc -= y * 0.5;
        acc /= y;
        acc = acc.tanh() + acc;
        acc
    }

    fn assign_in_branch(x, y) {
        let mut z = x * y;
        let mut w = y;
        if x > 0.0 {
            z += x.exp();
            w = w * 3.0;
        } else if x < -1.0 {
            z = z * z;
        }
        z * w
    }

    fn early_return(x, y) {
        let s = x + y;
        if s > 1.0 {
            return s.ln();
        }
        if s < -1.0 {
            let t = s * s;
            return t.sqrt() + y;
        }
        s * x
    }

    fn else_if_chain(x) {
        if x < -1.0 {
            -x
        } else if x < 0.0 {
            x * x
        } else if x < 2.0 {
            x.sin()
        } else {
            x.ln()
        }
    }

    fn if_as_value(x, y) {
        let k = if x * y > 0.0 && !(y > 3.0) { x.exp() } else { y.cos() };
        k * (if y > 0.0 || x > 2.0 { y } else { x }) + k
    }

    fn nested(x, y) {
        let mut v = 0.0;
        if x > 0.0 {
            if y > 0.0 {
                v += x * y;
            } else {
                v -= (x - y).powi(3);
            }
            v = v + x;
        }
        v + y.sigmoid()
    }

    fn safe_ln(x) {
        if x > 0.0 { x.ln() } else { 0.0 }
    }
}

fn grid2() -> Vec<[f64; 2]> {
    let values = [-2.7, -1.3, -0.6, -0.2, 0.3, 0.8, 1.4, 2.5, 3.7];
    let mut points = Vec::new();
    for &x in &values {
        for &y in &values {
            points.push([x, y]);
        }
    }
    points
}

/// Points at least `gap` away from every branch boundary of the function.
fn away_from(points: Vec<[f64; 2]>, boundary: impl Fn(f64, f64) -> f64, gap: f64) -> Vec<[f64; 2]> {
    points
        .into_iter()
        .filter(|p| boundary(p[0], p[1]).abs() > gap)
        .collect()
}

#[test]
fn shadowed_names_including_parameters() {
    for [x, y] in grid2() {
        let (value, g) = shadowing_grad(x, y);
        assert_eq!(value, shadowing(x, y));
        assert_gradient("shadowing", |p| shadowing(p[0], p[1]), &[g.x, g.y], &[x, y]);
    }
}

#[test]
fn every_assignment_operator() {
    for [x, y] in grid2() {
        let (value, g) = assignments_grad(x, y);
        assert_eq!(value, assignments(x, y));
        assert_gradient(
            "assignments",
            |p| assignments(p[0], p[1]),
            &[g.x, g.y],
            &[x, y],
        );
    }
}

#[test]
fn outer_variables_assigned_inside_branches() {
    let points = away_from(grid2(), |x, _| x * (x + 1.0), 1e-3);
    for [x, y] in points {
        let (value, g) = assign_in_branch_grad(x, y);
        assert_eq!(value, assign_in_branch(x, y));
        assert_gradient(
            "assign_in_branch",
            |p| assign_in_branch(p[0], p[1]),
            &[g.x, g.y],
            &[x, y],
        );
    }
}

#[test]
fn early_returns_from_inside_branches() {
    let points = away_from(grid2(), |x, y| (x + y).abs() - 1.0, 1e-3);
    for [x, y] in points {
        let (value, g) = early_return_grad(x, y);
        assert_eq!(value, early_return(x, y));
        assert_gradient(
            "early_return",
            |p| early_return(p[0], p[1]),
            &[g.x, g.y],
            &[x, y],
        );
    }
}

#[test]
fn else_if_chains() {
    for x in [-3.0, -1.5, -0.7, -0.1, 0.4, 1.9, 2.2, 5.0] {
        let (value, g) = else_if_chain_grad(x);
        assert_eq!(value, else_if_chain(x));
        assert_gradient("else_if_chain", |p| else_if_chain(p[0]), &[g.x], &[x]);
    }
    // Each branch's own derivative, exactly.
    assert_eq!(else_if_chain_grad(-3.0).1.x, -1.0);
    assert_eq!(else_if_chain_grad(-0.5).1.x, -1.0);
    assert_eq!(else_if_chain_grad(1.0).1.x, 1.0_f64.cos());
    assert_eq!(else_if_chain_grad(4.0).1.x, 0.25);
}

#[test]
fn if_as_a_value_with_compound_conditions() {
    let points = away_from(grid2(), |x, y| x * y * (y - 3.0) * (x - 2.0), 1e-3);
    for [x, y] in points {
        let (value, g) = if_as_value_grad(x, y);
        assert_eq!(value, if_as_value(x, y));
        assert_gradient(
            "if_as_value",
            |p| if_as_value(p[0], p[1]),
            &[g.x, g.y],
            &[x, y],
        );
    }
}

#[test]
fn nested_branches() {
    for [x, y] in grid2() {
        let (value, g) = nested_grad(x, y);
        assert_eq!(value, nested(x, y));
        assert_gradient("nested", |p| nested(p[0], p[1]), &[g.x, g.y], &[x, y]);
    }
}

#[test]
fn branch_not_taken_leaks_no_nan() {
    // ln(-1) is NaN; the branch that computes it is not taken, in either pass.
    let (value, g) = safe_ln_grad(-1.0_f64);
    assert_eq!(value, 0.0);
    assert_eq!(g.x, 0.0);
    let (value, g) = safe_ln_grad(-1.0_f32);
    assert_eq!((value, g.x), (0.0, 0.0));
    let (value, g) = safe_ln_grad(2.0_f64);
    assert_eq!(value, 2.0_f64.ln());
    assert_eq!(g.x, 0.5);
}
