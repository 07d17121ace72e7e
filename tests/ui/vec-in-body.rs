use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let v = vec![0.0; xs.len()];
        let u = Vec::new();
        w
    }
}

fn main() {}
