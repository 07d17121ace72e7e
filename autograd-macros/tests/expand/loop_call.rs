/// A dot product of two slices.
fn dot(w: &[T], x: &[T]) {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s
}

/// Squared error of a linear model over rows of data.
#[wrt(w, b)]
fn loss(w: &[T], b, xs: &[[T; 3]], ys: &[T]) {
    let mut l = 0.0;
    for k in 0..ys.len() {
        let r = dot(w, &xs[k]) + b - ys[k];
        l += r * r;
    }
    l + 0.01 * dot(w, w)
}
