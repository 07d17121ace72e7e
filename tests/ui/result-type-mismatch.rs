use autograd::grad;

grad! {
    fn f(x: f64) -> f32 {
        x
    }
}

fn main() {}
