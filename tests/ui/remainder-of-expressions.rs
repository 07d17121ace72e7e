use autograd::grad;

grad! {
    fn f(x, y) {
        x.sin() % (y + 1.0)
    }
}

fn main() {}
