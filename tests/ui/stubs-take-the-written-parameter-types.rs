use autograd::grad;

// One mistake: `ys` is a `&Vec`, not a slice. The calls in `main` are written for the
// signature the user meant, and type-check against the stubs.
grad! {
    #[wrt(w, b)]
    fn sse(w: f64, b: f64, x: f64, ys: &Vec<f64>) -> f64 {
        let r = w * x + b - ys[0];
        r * r
    }
}

fn main() {
    let ys = vec![1.0, 2.0];
    let value: f64 = sse(1.0, 2.0, 3.0, &ys);
    let (_, g) = sse_grad(1.0, 2.0, 3.0, &ys);
    let _: f64 = value + g.w + g.b;
}
