use autograd::grad;

grad! {
    fn f(xs: &[T]) {
        xs[0] = 1.0;
        xs[0]
    }
}

fn main() {}
