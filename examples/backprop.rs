//! Backpropagation, shown: the examples the micrograd tutorials walk by hand, each printed as a
//! trace (every node's value and adjoint, in evaluation order) and drawn as a graph.
//!
//! `#[trace]` on a `grad!` function adds `f_graph()` (its graph as Graphviz DOT, written at
//! compile time), `f_trace(..)` (the values and adjoints at a point) and `f_source()` (the code
//! the macro wrote). Functions without it generate exactly what they did before.
//!
//! Run with `cargo run --release --example backprop`; the pictures go to `target/backprop/`.

use std::path::Path;

use std::error::Error;

use autograd::{grad, Trace};

grad! {
    /// micrograd's `draw_dot` example.
    #[trace]
    pub fn drawn(x, y) {
        let z = x * y;
        let w = z + x;
        w
    }

    /// One step of linear regression: the squared error of `w x + b` at one sample.
    #[trace]
    #[wrt(w, b)]
    pub fn regression(w, b, x, y) {
        let y_hat = w * x + b;
        let diff = y_hat - y;
        let loss = diff.powi(2);
        loss
    }

    /// A sigmoid neuron with two inputs.
    #[trace]
    #[wrt(w1, w2, b)]
    pub fn neuron(w1, w2, b, x1, x2) {
        let z = w1 * x1 + w2 * x2 + b;
        let out = z.sigmoid();
        out
    }

    /// `f = a b + tanh(c) - a²/2`: its partials are `b - a`, `a` and `1 - tanh²(c)`.
    #[trace]
    pub fn f(a, b, c) {
        let ab = a * b;
        let t = c.tanh();
        let half_sq = a.powi(2) / 2.0;
        ab + t - half_sq
    }

    /// A two-layer perceptron, 2 → 2 → 1: tanh hidden units, a linear output.
    #[trace]
    #[wrt(w11, w12, w21, w22, b1, b2, v1, v2, c)]
    pub fn mlp(x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c) {
        let h1 = (w11 * x1 + w12 * x2 + b1).tanh();
        let h2 = (w21 * x1 + w22 * x2 + b2).tanh();
        let y = v1 * h1 + v2 * h2 + c;
        y
    }
}

/// The points of the walk-through.
pub mod at {
    /// `drawn`: x, y.
    pub const DRAWN: (f64, f64) = (2.0, 3.0);
    /// `regression`: w, b, x, y.
    pub const REGRESSION: (f64, f64, f64, f64) = (0.09, 0.0, 0.5, 0.095);
    /// `neuron`: w1, w2, b, x1, x2.
    pub const NEURON: (f64, f64, f64, f64, f64) = (0.5, -0.3, 0.1, 2.0, 3.0);
    /// `f`: a, b, c.
    pub const F: (f64, f64, f64) = (1.5, 2.0, 0.5);
    /// `mlp`: x1, x2, then the weights w11, w12, w21, w22, b1, b2, v1, v2, c.
    pub const MLP: [f64; 11] = [1.0, -2.0, 0.5, -0.25, 0.3, 0.8, 0.1, -0.1, 1.5, -1.0, 0.2];
}

/// One walked example: its name, what a tutorial writes out by hand, its trace and its graph.
pub struct Walk {
    /// The function's name (and the pictures' file names).
    pub name: &'static str,
    /// The chain rule as a tutorial writes it, with this point's numbers.
    pub by_hand: String,
    /// Every node's value and adjoint.
    pub trace: Trace,
    /// The graph as DOT, from `f_graph()`.
    pub graph: &'static str,
}

/// Every example, traced at its point.
pub fn walks() -> Vec<Walk> {
    let (x, y) = at::DRAWN;
    let drawn = Walk {
        name: "drawn",
        by_hand: format!(
            "z = x*y = {z}, w = z + x = {w}\n\
             dw/dw = 1; dw/dz = 1; dw/dx = dz/dx + 1 = y + 1 = {dx}; dw/dy = x = {x}",
            z = x * y,
            w = x * y + x,
            dx = y + 1.0,
        ),
        trace: drawn_trace(x, y),
        graph: drawn_graph(),
    };

    let (w, b, x, y) = at::REGRESSION;
    let y_hat = w * x + b;
    let diff = y_hat - y;
    let regression = Walk {
        name: "regression",
        by_hand: format!(
            "y_hat = w*x + b = {y_hat:.4}, diff = y_hat - y = {diff:.4}, loss = diff² = {loss:.4}\n\
             diff.grad = 2*diff = {d_diff:.4}; y_hat.grad = diff.grad = {d_diff:.4}; \
             w.grad = y_hat.grad * x = {d_w:.4}; b.grad = y_hat.grad = {d_diff:.4}",
            loss = diff * diff,
            d_diff = 2.0 * diff,
            d_w = 2.0 * diff * x,
        ),
        trace: regression_trace(w, b, x, y),
        graph: regression_graph(),
    };

    let (w1, w2, b, x1, x2) = at::NEURON;
    let z = w1 * x1 + w2 * x2 + b;
    let out = 1.0 / (1.0 + (-z).exp());
    let d_z = out * (1.0 - out);
    let neuron = Walk {
        name: "neuron",
        by_hand: format!(
            "z = w1*x1 + w2*x2 + b = {z:.4}, out = σ(z) = {out:.4}\n\
             z.grad = σ(z)(1 - σ(z)) = {d_z:.4}; w1.grad = z.grad * x1 = {d_w1:.4}; \
             w2.grad = z.grad * x2 = {d_w2:.4}; b.grad = z.grad = {d_z:.4}",
            d_w1 = d_z * x1,
            d_w2 = d_z * x2,
        ),
        trace: neuron_trace(w1, w2, b, x1, x2),
        graph: neuron_graph(),
    };

    let (a, b, c) = at::F;
    let f = Walk {
        name: "f",
        by_hand: format!(
            "f = a*b + tanh(c) - a²/2 = {value:.4}\n\
             df/da = b - a = {d_a:.4}; df/db = a = {a:.4}; df/dc = 1 - tanh²(c) = {d_c:.4}",
            value = a * b + c.tanh() - a * a / 2.0,
            d_a = b - a,
            d_c = 1.0 - c.tanh().powi(2),
        ),
        trace: f_trace(a, b, c),
        graph: f_graph(),
    };

    let [x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c] = at::MLP;
    let mlp = Walk {
        name: "mlp",
        by_hand: "y = v1 tanh(w11 x1 + w12 x2 + b1) + v2 tanh(w21 x1 + w22 x2 + b2) + c".into(),
        trace: mlp_trace(x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c),
        graph: mlp_graph(),
    };
    vec![drawn, regression, neuron, f, mlp]
}

/// Writes `NAME.svg` (the trace, micrograd style) and `NAME_graph.svg` (the graph the macro
/// drew at compile time) for each walk into `dir`, and `NAME.dot` for those with Graphviz.
pub fn draw(walks: &[Walk], dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    for walk in walks {
        walk.trace
            .write_svg(dir.join(format!("{}.svg", walk.name)))?;
        walk.trace
            .write_dot(dir.join(format!("{}.dot", walk.name)))?;
        let graph = autograd::trace::dot_to_svg(walk.graph)?;
        std::fs::write(dir.join(format!("{}_graph.svg", walk.name)), graph)?;
        // PNG too with `--features png` (resvg, off by default: it is a large build).
        #[cfg(feature = "png")]
        walk.trace
            .write_png(dir.join(format!("{}.png", walk.name)))?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let walks = walks();
    for walk in &walks {
        println!("== {} ==\n", walk.name);
        println!("By hand:\n{}\n", walk.by_hand);
        println!("Traced:\n{}", walk.trace);
    }
    // `regression_source()` is everything `grad!` wrote for it; here, its gradient function.
    let source = regression_source();
    let gradient: Vec<&str> = source
        .lines()
        .skip_while(|line| !line.contains("fn regression_grad"))
        .take_while(|line| *line != "}")
        .collect();
    println!(
        "The gradient grad! wrote for `regression` (regression_source() has all of it):\n\n{}\n}}\n",
        gradient.join("\n")
    );
    let dir = Path::new("target/backprop");
    draw(&walks, dir)?;
    println!(
        "Pictures: {}/{{drawn,regression,neuron,f,mlp}}.svg (traces), *_graph.svg (graphs)",
        dir.display()
    );
    Ok(())
}
