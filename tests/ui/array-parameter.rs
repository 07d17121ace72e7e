use autograd::grad;

grad! {
    fn norm2(p: [f64; 3]) -> f64 {
        p[0] * p[0] + p[1] * p[1] + p[2] * p[2]
    }
}

fn main() {}
