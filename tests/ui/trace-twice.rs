use autograd::grad;

grad! {
    #[trace]
    #[trace]
    fn f(x) { x * x }
}

fn main() {}
