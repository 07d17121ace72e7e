use autograd::grad;

grad! {
    fn f(x) {
        x ^ 2.0
    }
}

fn main() {}
