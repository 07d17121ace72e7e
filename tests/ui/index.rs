use autograd::grad;

grad! {
    fn f(x) {
        x[0] * 2.0
    }
}

fn main() {}
