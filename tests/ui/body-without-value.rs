use autograd::grad;

grad! {
    fn f(x) {
        let y = x * 2.0;
    }
}

fn main() {}
