#[autograd::differentiable]
fn f(x: f64, _n: usize) -> f64 {
    x * 2.0
}

fn main() {}
