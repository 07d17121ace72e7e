use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        xs[1.0] * w + xs[w]
    }
}

fn main() {}
