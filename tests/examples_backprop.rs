//! Runs `examples/backprop.rs` and checks every number it prints against the value derived by
//! hand, and that its pictures are written.

#[allow(dead_code)]
#[path = "../examples/backprop.rs"]
mod backprop;

use autograd::Trace;
use backprop::{at, walks};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

/// Value and adjoint of the last entry named `name`.
fn node(trace: &Trace, name: &str) -> (f64, Option<f64>) {
    let entry = trace
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in\n{trace}"));
    (entry.value, entry.adjoint)
}

fn assert_node(trace: &Trace, name: &str, value: f64, adjoint: Option<f64>) {
    let (v, a) = node(trace, name);
    assert!(
        close(v, value),
        "{name}: value {v}, by hand {value}\n{trace}"
    );
    match (a, adjoint) {
        (Some(a), Some(b)) => assert!(close(a, b), "{name}: adjoint {a}, by hand {b}\n{trace}"),
        (a, b) => assert_eq!(a, b, "{name}\n{trace}"),
    }
}

fn walk(name: &str) -> backprop::Walk {
    walks()
        .into_iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("no walk {name}"))
}

#[test]
fn drawn_is_micrograds_draw_dot_example() {
    let t = walk("drawn").trace;
    // z = x y = 6, w = z + x = 8; dw/dx = y + 1 = 4, dw/dy = x = 2.
    assert_node(&t, "x", 2.0, Some(4.0));
    assert_node(&t, "y", 3.0, Some(2.0));
    assert_node(&t, "z", 6.0, Some(1.0));
    assert_node(&t, "w", 8.0, Some(1.0));
    assert_eq!(t.entries().len(), 4);
}

#[test]
fn regression_step_is_the_tutorials_chain() {
    let t = walk("regression").trace;
    assert_eq!(at::REGRESSION, (0.09, 0.0, 0.5, 0.095));
    // y_hat = 0.045, diff = -0.05, loss = 0.0025; diff.grad = -0.1 = y_hat.grad,
    // w.grad = -0.1 * 0.5 = -0.05, b.grad = -0.1.
    assert_node(&t, "y_hat", 0.045, Some(-0.1));
    assert_node(&t, "diff", -0.05, Some(-0.1));
    assert_node(&t, "loss", 0.0025, Some(1.0));
    assert_node(&t, "w", 0.09, Some(-0.05));
    assert_node(&t, "b", 0.0, Some(-0.1));
    assert_node(&t, "x", 0.5, None);
    assert_node(&t, "y", 0.095, None);
    let printed = t.to_string();
    for row in ["0.0450", "-0.0500", "0.0025", "-0.1000"] {
        assert!(printed.contains(row), "{row} missing from\n{printed}");
    }
}

#[test]
fn neuron_outputs_0_5498() {
    let t = walk("neuron").trace;
    // z = 0.5·2 − 0.3·3 + 0.1 = 0.2; σ(0.2) = 1 / (1 + e^−0.2) = 0.549834;
    // σ' = σ(1 − σ) = 0.247517; w1.grad = 2σ', w2.grad = 3σ', b.grad = σ'.
    let out = 1.0 / (1.0 + (-0.2f64).exp());
    let ds = out * (1.0 - out);
    assert!((out - 0.549834).abs() < 1e-6);
    assert_node(&t, "z", 0.2, Some(ds));
    assert_node(&t, "out", out, Some(1.0));
    assert_node(&t, "w1", 0.5, Some(2.0 * ds));
    assert_node(&t, "w2", -0.3, Some(3.0 * ds));
    assert_node(&t, "b", 0.1, Some(ds));
    assert!(t.to_string().contains("0.5498"), "{t}");
}

#[test]
fn f_has_partials_b_minus_a_a_and_sech_squared() {
    let t = walk("f").trace;
    let (a, b, c) = at::F;
    assert_node(&t, "a", a, Some(b - a));
    assert_node(&t, "b", b, Some(a));
    assert_node(&t, "c", c, Some(1.0 - c.tanh().powi(2)));
    assert_node(&t, "f", a * b + c.tanh() - a * a / 2.0, Some(1.0));
    assert_node(&t, "half_sq", a * a / 2.0, Some(-1.0));
}

#[test]
fn mlp_trace_matches_its_gradient_and_its_graph_has_every_weight() {
    let w = walk("mlp");
    let [x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c] = at::MLP;
    let (value, grad) = backprop::mlp_grad(x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c);
    assert_node(&w.trace, "y", value, Some(1.0));
    for (name, g) in [
        ("w11", grad.w11),
        ("w12", grad.w12),
        ("w21", grad.w21),
        ("w22", grad.w22),
        ("b1", grad.b1),
        ("b2", grad.b2),
        ("v1", grad.v1),
        ("v2", grad.v2),
        ("c", grad.c),
    ] {
        assert_eq!(node(&w.trace, name).1, Some(g), "{name}");
    }
    // By hand: dy/dv1 = h1, dy/dw11 = v1 (1 - h1²) x1.
    let h1 = (w11 * x1 + w12 * x2 + b1).tanh();
    assert!(close(grad.v1, h1));
    assert!(close(grad.w11, v1 * (1.0 - h1 * h1) * x1));
    for name in ["w11", "w21", "b2", "v2", "h1 = ", "y = "] {
        assert!(w.graph.contains(name), "{name} missing from\n{}", w.graph);
    }
}

#[test]
fn pictures_are_written() {
    let dir = std::env::temp_dir().join(format!("autograd-backprop-{}", std::process::id()));
    let walks = walks();
    backprop::draw(&walks, &dir).expect("pictures written");
    for walk in &walks {
        for file in [
            format!("{}.svg", walk.name),
            format!("{}_graph.svg", walk.name),
            format!("{}.dot", walk.name),
        ] {
            let text = std::fs::read_to_string(dir.join(&file)).expect("written");
            assert!(text.len() > 100, "{file} is nearly empty");
        }
        let svg = std::fs::read_to_string(dir.join(format!("{}.svg", walk.name))).unwrap();
        roxmltree::Document::parse(&svg).expect("well-formed SVG");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
