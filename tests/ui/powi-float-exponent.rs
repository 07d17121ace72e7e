use autograd::grad;

grad! {
    fn f(x) {
        x.powi(2.5)
    }
}

fn main() {}
