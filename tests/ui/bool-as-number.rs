use autograd::grad;

grad! {
    fn f(x) {
        x * true
    }
}

fn main() {}
