use autograd::grad;

grad! {
    fn f(x) {
        x = x * 2.0;
        x
    }
}

fn main() {}
