use autograd::grad;

grad! {
    fn f(x) {
        let SCALE = 2.0;
        x * SCALE
    }
}

fn main() {}
