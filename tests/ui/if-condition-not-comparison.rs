use autograd::grad;

grad! {
    fn f(x) {
        if x {
            1.0
        } else {
            x
        }
    }
}

fn main() {}
