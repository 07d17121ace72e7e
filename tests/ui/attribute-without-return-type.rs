#[autograd::differentiable]
fn f(x: f64, y: f64) {
    x * y
}

fn main() {}
