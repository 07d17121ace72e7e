use autograd::grad;

grad! {
    fn g(a) { a * a }
    fn f(xs: &[T]) {
        g(xs)
    }
}

fn main() {}
