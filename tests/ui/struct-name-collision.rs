use autograd::grad;

grad! {
    fn f(x) {
        x * 2.0
    }

    fn f_(x) {
        x * 3.0
    }
}

fn main() {}
