//! `#[trace]` (issue 17): the graph a function's `f_graph()` draws, and the values and adjoints
//! its `f_trace(..)` records, against the function and its gradient at the same point.

use autograd::trace::{dot_to_svg, Role};
use autograd::{differentiable, grad, Trace};

grad! {
    #[trace]
    fn drawn(x, y) {
        let z = x * y;
        let w = z + x;
        w
    }

    #[trace]
    #[wrt(w, b)]
    fn line(w, b, x, y) {
        let y_hat = w * x + b;
        let diff = y_hat - y;
        diff.powi(2)
    }

    /// Both arms of a branch, a method, a constant.
    #[trace]
    fn branchy(a, b) {
        let s = a * b;
        let out = if s > 1.0 { s.ln() * a } else { (s - 1.0).exp() + b };
        out + 0.5 * a
    }

    fn sq(t) { t * t }

    /// A call of another function of the block.
    #[trace]
    fn calls(p, q) {
        let u = sq(p) + q;
        u.tanh()
    }

    /// A recurrence: one entry per iteration for the nodes in the loop.
    #[trace]
    #[wrt(w, h0)]
    fn rnn(w, h0, xs: &[T]) {
        let mut h = h0;
        for &x in xs {
            h = (w * h + x).tanh();
        }
        h
    }

    /// Rosenbrock over a slice: the gradient is per element.
    #[trace]
    fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }
}

/// The attribute form, in `f32`.
#[differentiable]
#[trace]
fn cubic(x: f32, k: f32) -> f32 {
    k * x * x * x - x
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

/// The output entry's value and each parameter's adjoint.
fn output(trace: &Trace) -> f64 {
    let outputs: Vec<_> = trace
        .entries()
        .iter()
        .filter(|e| e.role == Role::Output)
        .collect();
    assert_eq!(outputs.len(), 1, "one output entry:\n{trace}");
    assert_eq!(
        outputs[0].adjoint,
        Some(1.0),
        "the output's adjoint is 1:\n{trace}"
    );
    outputs[0].value
}

fn adjoint(trace: &Trace, name: &str) -> f64 {
    trace
        .adjoint_of(name)
        .unwrap_or_else(|| panic!("no adjoint for {name}:\n{trace}"))
}

/// The labels of a DOT graph's nodes (`nK [label="..."...]`), unescaped.
fn node_labels(dot: &str) -> Vec<String> {
    dot.lines()
        .map(str::trim)
        .filter(|line| line.starts_with('n') && line.contains("[label=\""))
        .filter_map(|line| {
            let rest = line.split_once("[label=\"")?.1;
            let mut label = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => label.extend(chars.next()),
                    '"' => return Some(label),
                    c => label.push(c),
                }
            }
            None
        })
        .collect()
}

#[test]
fn drawn_graph_has_one_node_per_operation_with_the_users_names() {
    let dot = drawn_graph();
    assert_eq!(
        node_labels(dot),
        ["x", "y", "z = x * y", "w = z + x"],
        "{dot}"
    );
    assert_eq!(dot.matches("->").count(), 4, "{dot}");
    assert!(
        dot.contains("peripheries=2"),
        "the output is marked:\n{dot}"
    );
}

#[test]
fn drawn_trace_is_micrograds_example() {
    let trace = drawn_trace(2.0, 3.0);
    let rows: Vec<(&str, f64, Option<f64>)> = trace
        .entries()
        .iter()
        .map(|e| (e.name, e.value, e.adjoint))
        .collect();
    // z = x y = 6, w = z + x = 8; dw/dz = 1, dw/dx = y + 1 = 4, dw/dy = x = 2.
    assert_eq!(
        rows,
        [
            ("x", 2.0, Some(4.0)),
            ("y", 3.0, Some(2.0)),
            ("z", 6.0, Some(1.0)),
            ("w", 8.0, Some(1.0)),
        ]
    );
    let (value, grad) = drawn_grad(2.0, 3.0);
    assert_eq!(output(&trace), value);
    assert_eq!(
        (adjoint(&trace, "x"), adjoint(&trace, "y")),
        (grad.x, grad.y)
    );
}

#[test]
fn traces_agree_with_the_function_and_its_gradient() {
    for &(w, b, x, y) in &[(0.09, 0.0, 0.5, 0.095), (-1.5, 2.0, 3.0, -4.0)] {
        let trace = line_trace(w, b, x, y);
        let (value, grad) = line_grad(w, b, x, y);
        assert!(close(output(&trace), value), "{trace}");
        assert!(close(adjoint(&trace, "w"), grad.w), "{trace}");
        assert!(close(adjoint(&trace, "b"), grad.b), "{trace}");
        // Not differentiated: recorded, without an adjoint.
        assert_eq!(trace.get("x").map(|e| e.role), Some(Role::Data));
        assert_eq!(trace.adjoint_of("x"), None);
        // diff.grad = 2 diff, y_hat.grad = diff.grad.
        let diff = w * x + b - y;
        assert!(close(adjoint(&trace, "diff"), 2.0 * diff), "{trace}");
        assert!(close(adjoint(&trace, "y_hat"), 2.0 * diff), "{trace}");
    }
    // Both arms of the branch.
    for &(a, b) in &[(2.0, 3.0), (0.5, 0.25), (-1.0, 2.0)] {
        let trace = branchy_trace(a, b);
        let (value, grad) = branchy_grad(a, b);
        assert!(close(output(&trace), value), "{trace}");
        assert!(close(adjoint(&trace, "a"), grad.a), "{trace}");
        assert!(close(adjoint(&trace, "b"), grad.b), "{trace}");
        assert!(close(trace.value_of("s").unwrap(), a * b));
    }
    for &(p, q) in &[(0.3, -0.2), (1.2, 0.5)] {
        let trace = calls_trace(p, q);
        let (value, grad) = calls_grad(p, q);
        assert!(close(output(&trace), value), "{trace}");
        assert!(close(adjoint(&trace, "p"), grad.p), "{trace}");
        assert!(close(adjoint(&trace, "q"), grad.q), "{trace}");
        // du/dp... through the call: d tanh(u)/du = 1 - tanh²(u).
        let u = p * p + q;
        assert!(
            close(adjoint(&trace, "u"), 1.0 - u.tanh().powi(2)),
            "{trace}"
        );
    }
    let trace = cubic_trace(1.5, 2.0);
    let (value, grad) = cubic_grad(1.5, 2.0);
    assert_eq!(output(&trace), f64::from(value));
    assert_eq!(value, cubic(1.5, 2.0));
    assert_eq!(adjoint(&trace, "x"), f64::from(grad.x));
    assert_eq!(adjoint(&trace, "k"), f64::from(grad.k));
}

#[test]
fn a_loop_has_one_entry_per_iteration_with_its_own_adjoint() {
    let (w, h0) = (0.7, 0.2);
    let xs = [0.5, -1.0, 0.25, 2.0];
    let trace = rnn_trace(w, h0, &xs);
    let (value, grad) = rnn_grad(w, h0, &xs);
    assert!(close(output(&trace), value), "{trace}");
    assert!(close(adjoint(&trace, "w"), grad.w), "{trace}");
    assert!(close(adjoint(&trace, "h0"), grad.h0), "{trace}");
    // Backpropagation through time by hand: h_{k+1} = tanh(w h_k + x_k),
    // dh/dh_k = dh/dh_{k+1} (1 - h_{k+1}²) w.
    let mut hs = vec![h0];
    for &x in &xs {
        hs.push((w * hs[hs.len() - 1] + x).tanh());
    }
    let mut d = vec![0.0; hs.len()];
    d[xs.len()] = 1.0;
    for k in (0..xs.len()).rev() {
        d[k] = d[k + 1] * (1.0 - hs[k + 1] * hs[k + 1]) * w;
    }
    // The carried `h` of iteration k comes from h0, then from the tanh of iteration k - 1.
    let entries = trace.entries();
    let carried: Vec<_> = entries.iter().filter(|e| e.op == "carried").collect();
    assert_eq!(carried.len(), xs.len(), "{trace}");
    for (k, entry) in carried.iter().enumerate() {
        let [from] = entry.inputs[..] else {
            panic!("iteration {k}: one input, not {:?}\n{trace}", entry.inputs);
        };
        let expected = if k == 0 { "h0" } else { "h" };
        assert_eq!(entries[from].name, expected, "iteration {k}\n{trace}");
        assert!(close(entry.value, hs[k]), "iteration {k}\n{trace}");
    }
    // The tanh node of iteration k computes h_{k+1}.
    let tanh: Vec<_> = trace.entries().iter().filter(|e| e.op == "tanh").collect();
    assert_eq!(tanh.len(), xs.len(), "{trace}");
    for (k, entry) in tanh.iter().enumerate() {
        assert!(close(entry.value, hs[k + 1]), "iteration {k}:\n{trace}");
        let adjoint = entry.adjoint.expect("every tanh has an adjoint");
        assert!(
            close(adjoint, d[k + 1]),
            "iteration {k}: {adjoint} vs {}\n{trace}",
            d[k + 1]
        );
    }
}

#[test]
fn element_adjoints_sum_to_the_gradient() {
    let x = [-1.2, 1.0, 0.5, 2.0, -0.3];
    let trace = rosen_trace(&x);
    let (value, grad) = rosen_grad(&x);
    assert!(close(output(&trace), value), "{trace}");
    // Each read of an element is an entry; its adjoints add up to the element's partial.
    let reads: f64 = trace
        .entries()
        .iter()
        .filter(|e| e.op == "index")
        .filter_map(|e| e.adjoint)
        .sum();
    let total: f64 = grad.x.iter().sum();
    assert!(
        (reads - total).abs() <= 1e-9 * total.abs().max(1.0),
        "{reads} vs {total}"
    );
}

/// The text of a well-formed SVG document (panics, with the SVG, if it is not).
fn svg_text(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    doc.descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_graph_and_trace_renders_to_well_formed_svg_with_every_label() {
    let graphs = [
        drawn_graph(),
        line_graph(),
        branchy_graph(),
        calls_graph(),
        rnn_graph(),
        rosen_graph(),
        cubic_graph(),
    ];
    for dot in graphs {
        let svg = dot_to_svg(dot).unwrap_or_else(|e| panic!("{e}\n{dot}"));
        let text = svg_text(&svg);
        for label in node_labels(dot) {
            assert!(
                text.contains(&label),
                "{label:?} missing from the SVG of\n{dot}"
            );
        }
    }
    let traces = [
        drawn_trace(2.0, 3.0),
        line_trace(0.09, 0.0, 0.5, 0.095),
        branchy_trace(2.0, 3.0),
        rnn_trace(0.5, 0.1, &[1.0, 2.0]),
    ];
    for trace in traces {
        let svg = trace.to_svg().unwrap_or_else(|e| panic!("{e}\n{trace}"));
        let text = svg_text(&svg);
        for entry in trace.entries() {
            assert!(
                text.contains(entry.name),
                "{} missing from\n{svg}",
                entry.name
            );
        }
    }
}

#[test]
fn source_shows_the_generated_gradient() {
    let source = drawn_source();
    assert!(
        source.contains("fn drawn_grad<T: ::autograd::Real>(x: T, y: T)"),
        "{source}"
    );
    assert!(source.contains("let z = x * y;"), "{source}");
    assert!(source.contains("pub x: T,"), "{source}");
}

grad! {
    #[trace]
    #[wrt(w, b)]
    fn regression(w, b, x, y) {
        let y_hat = w * x + b;
        let diff = y_hat - y;
        let loss = diff.powi(2);
        loss
    }
}

/// The README's example ("Seeing what was computed"), as written there.
#[test]
fn readme_example_as_written() {
    let trace = regression_trace(0.09, 0.0, 0.5, 0.095);
    println!("{trace}");
    assert_eq!(trace.value_of("y_hat"), Some(0.045));
    assert_eq!(trace.adjoint_of("diff"), Some(2.0 * (0.045 - 0.095))); // -0.1
    assert!(regression_graph().contains("y_hat = w * x + b"));
}
