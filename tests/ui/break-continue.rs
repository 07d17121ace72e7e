use autograd::grad;

grad! {
    fn f(w, xs: &[T]) {
        let mut s = 0.0;
        for &x in xs {
            if x > w {
                break;
            }
            if x < 0.0 {
                continue;
            }
            s += x;
        }
        s
    }
}

fn main() {}
