use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let n = xs.len();
        let mut h = [0.0; n];
        h[0] = w;
        h[0]
    }
}

fn main() {}
