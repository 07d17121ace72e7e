use autograd::grad;

grad! {
    fn f(p0, xs: &[T]) {
        let mut s = p0;
        if p0 > 0.0 {
            for &x in xs {
                s = (s * x).sin();
            }
        }
        s
    }
}

fn main() {}
