use autograd::grad;

grad! {
    fn f(v: Vec<f64>) -> f64 {
        v
    }
}

fn main() {}
