use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let mut s = 0.0;
        for &x in xs {
            if x > w {
                return x;
            }
            s += x;
        }
        s
    }
}

fn main() {}
