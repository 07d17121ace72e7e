use autograd::grad;

grad! {
    #[wrt(w, b)]
    fn sse(w: f64, b: f64, x: f64, ys: &[f64]) -> f64 {
        let r = w * x + b - ys[0];
        r * r
    }
}

fn main() {}
