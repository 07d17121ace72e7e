/// A recurrence over a sequence (keeps the tape: `h` is overwritten each step).
#[wrt(w, u, c, h0)]
pub fn rnn(w, u, c, h0, y, xs: &[T]) {
    let mut h = h0;
    for &x in xs {
        h = (w * h + u * x + c).tanh();
    }
    (h - y).powi(2)
}
