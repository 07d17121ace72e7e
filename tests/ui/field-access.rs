use autograd::grad;

grad! {
    fn f(x) {
        x.re * 2.0
    }
}

fn main() {}
