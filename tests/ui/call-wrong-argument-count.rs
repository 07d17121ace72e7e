use autograd::grad;

grad! {
    fn g(a, b) {
        a * b
    }

    fn f(x) {
        g(x)
    }
}

fn main() {}
