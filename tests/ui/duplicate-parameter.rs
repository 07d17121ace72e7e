use autograd::grad;

grad! {
    fn f(x, y, x) {
        x * y
    }
}

fn main() {}
