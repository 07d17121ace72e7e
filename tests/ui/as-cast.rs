use autograd::grad;

grad! {
    fn f(x: f64) -> f64 {
        x as f32
    }
}

fn main() {}
