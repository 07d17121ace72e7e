use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let s = xs.iter().map(|x| x * w).sum();
        s
    }
}

fn main() {}
