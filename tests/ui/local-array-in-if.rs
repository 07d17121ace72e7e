use autograd::grad;

grad! {
    fn f(x) {
        let mut s = x;
        if x > 0.0 {
            let mut h = [0.0; 2];
            h[0] = x;
            s = h[0] * 2.0;
        }
        s
    }
}

fn main() {}
