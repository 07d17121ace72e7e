/// A recurrence over a fixed-size array: the tape is a stack array, so the gradient allocates
/// nothing.
#[wrt(w, u, h0)]
pub fn rnn(w, u, h0, xs: [T; 8]) {
    let mut h = h0;
    for i in 0..xs.len() {
        h = (w * h + u * xs[i]).tanh();
    }
    h
}
