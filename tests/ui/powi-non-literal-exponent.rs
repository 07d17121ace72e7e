use autograd::grad;

grad! {
    fn f(x, n) {
        x.powi(n)
    }
}

fn main() {}
