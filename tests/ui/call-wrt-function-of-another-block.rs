use autograd::grad;

grad! {
    #[wrt(a)]
    fn g(a, b) {
        a * b
    }
}

grad! {
    fn f(x, y) {
        g(x, y) + 1.0
    }
}

fn main() {}
