#[autograd::differentiable]
fn f(x: f64) -> f64 {
    x.to_degrees()
}

fn main() {
    let _ = f(1.0);
    let _ = f_grad(1.0);
}
