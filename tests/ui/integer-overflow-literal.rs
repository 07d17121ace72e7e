use autograd::grad;

grad! {
    fn f(x) {
        x * 99999999999999999999999
    }
}

fn main() {}
