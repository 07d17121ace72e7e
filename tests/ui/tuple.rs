use autograd::grad;

grad! {
    fn f(x, y) {
        (x * y, x + y)
    }
}

fn main() {}
