use autograd::grad;

grad! {
    fn norm(v: &[T]) {
        let mut s = 0.0;
        for &x in v {
            s += x * x;
        }
        s.sqrt()
    }
    fn f(xs: &[T]) {
        let mut h = [0.0; 3];
        let mut s = 0.0;
        for i in 0..3 {
            h[i] = xs[i].tanh();
            // `norm` reads every element of `h`, some not written yet in this iteration
            s += norm(&h);
        }
        s
    }
}

fn main() {}
