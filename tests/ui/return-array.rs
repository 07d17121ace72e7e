use autograd::grad;

grad! {
    fn f(w) {
        let mut h = [0.0; 3];
        h[0] = w;
        h
    }
}

fn main() {}
