use autograd::grad;

grad! {
    #[wrt(a)]
    fn g(a, b) {
        a * b
    }

    fn f(x, y) {
        g(x, y)
    }
}

fn main() {}
