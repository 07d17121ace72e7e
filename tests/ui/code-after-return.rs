use autograd::grad;

grad! {
    fn f(x) {
        return x;
        x * 2.0
    }
}

fn main() {}
