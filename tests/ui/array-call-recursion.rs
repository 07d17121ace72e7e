use autograd::grad;

grad! {
    fn f(xs: &[T], a) {
        if a > 1.0 {
            return a;
        }
        g(xs, a * 2.0)
    }
    fn g(xs: &[T], a) {
        let mut s = a;
        for &x in xs {
            s += x;
        }
        f(xs, s)
    }
}

fn main() {}
