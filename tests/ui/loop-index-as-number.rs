use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            s += w * i;
        }
        s + xs
    }
}

fn main() {}
