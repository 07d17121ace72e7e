use autograd::grad;

grad! {
    fn f(p0) {
        let mut s = 0.0;
        let mut h = [1.0; 2];
        for j in 0..2 {
            h[j] += p0;
            s += h[j] * h[j];
        }
        s
    }
}

fn main() {}
