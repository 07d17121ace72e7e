/// Sum of squared residuals of a line over data.
#[wrt(w, b)]
pub fn sse(w, b, xs: &[T], ys: &[T]) {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let r = w * xs[i] + b - ys[i];
        s += r * r;
    }
    s
}
