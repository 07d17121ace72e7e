use autograd::grad;

grad! {
    fn f(x) {
        let g = x * 2.0;
        g(x)
    }
}

fn main() {}
