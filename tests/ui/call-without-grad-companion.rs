use autograd::grad;

fn g(x: f64) -> f64 {
    x * x
}

grad! {
    fn f(x: f64) -> f64 {
        g(x) + 1.0
    }
}

fn main() {}
