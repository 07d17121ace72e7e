use autograd::grad;

grad! {
    fn f(xs: &[T]) {
        let mut h = [0.0; 3];
        for j in 0..3 {
            h[j] = xs[j] * xs[j];
        }
        let mut s = 0.0;
        for j in 0..3 {
            h[j] = h[j].tanh();
            s += h[(j + 1) % 3];
            h[(j + 1) % 3] = s;
        }
        h[0] *= 2.0;
        s
    }
}

fn main() {}
