use autograd::differentiable;

#[differentiable]
#[trace]
fn sum_sq<const N: usize>(x: [f64; N]) -> f64 {
    let mut s = 0.0;
    for i in 0..N {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
