use autograd::grad;

grad! {
    fn f(x) {
        let r = &x;
        r * 2.0
    }
}

fn main() {}
