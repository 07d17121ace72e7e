#[autograd::differentiable(respect(x))]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {}
