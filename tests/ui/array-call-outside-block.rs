use autograd::differentiable;

fn sum(xs: &[f64]) -> f64 {
    xs.iter().sum()
}

#[differentiable]
fn f(xs: &[f64], a: f64) -> f64 {
    sum(xs) * a
}

fn main() {}
