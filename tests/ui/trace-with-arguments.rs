use autograd::grad;

grad! {
    #[trace(svg)]
    fn f(x) { x * x }
}

fn main() {}
