use autograd::grad;

grad! {
    fn f(x) {
        x.square() + 1.0
    }
}

fn main() {}
