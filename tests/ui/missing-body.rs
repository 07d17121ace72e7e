use autograd::grad;

grad! {
    fn f(x, y);
}

fn main() {}
