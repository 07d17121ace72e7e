/// Squared error of a line.
pub fn loss(w, b, x, y) {
    let yhat = w * x + b;
    (yhat - y).powi(2)
}
