use autograd::grad;

grad! {
    fn f(x) { x } + fn
}

fn main() {}
