use autograd::grad;

grad! {
    fn f(x) {
        if let 0.0 = x {
            1.0
        } else {
            x
        }
    }
}

fn main() {}
