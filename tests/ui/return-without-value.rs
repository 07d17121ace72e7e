use autograd::grad;

grad! {
    fn f(x) {
        if x > 0.0 {
            return;
        }
        x
    }
}

fn main() {}
