/// A recurrence and a branch, traced: one entry per iteration.
#[trace]
#[wrt(w, h0)]
pub fn rnn(w, h0, xs: &[T]) {
    let mut h = h0;
    for &x in xs {
        h = (w * h + x).tanh();
    }
    let out = if h > 0.0 { h * h } else { -h };
    out
}
