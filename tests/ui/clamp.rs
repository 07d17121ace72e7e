use autograd::grad;

grad! {
    fn f(x) {
        x.clamp(0.0, 1.0)
    }
}

fn main() {}
