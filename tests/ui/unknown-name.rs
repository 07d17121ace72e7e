use autograd::grad;

grad! {
    fn f(x) {
        x * scale
    }
}

fn main() {}
