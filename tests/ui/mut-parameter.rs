use autograd::grad;

grad! {
    fn f(mut x) {
        x *= 2.0;
        x
    }
}

fn main() {}
