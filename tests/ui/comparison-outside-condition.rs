use autograd::grad;

grad! {
    fn f(x) {
        let positive = x > 0.0;
        x
    }
}

fn main() {}
