use autograd::grad;

grad! {
    fn f(x) {
        x.max()
    }
}

fn main() {}
