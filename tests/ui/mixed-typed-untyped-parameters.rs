use autograd::grad;

grad! {
    fn f(x: f64, y) {
        x * y
    }
}

fn main() {}
