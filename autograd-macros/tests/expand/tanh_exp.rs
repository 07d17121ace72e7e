/// tanh spelled with one exp, as for a tool without tanh. The derivative is t2 * t2 * t1:
/// the constant adjoint of `1.0 - ...` joins -1/2, and the 1/2 and the 2 of `c * 2.0` cancel.
fn tanh_exp(c) {
    1.0 - 2.0 / ((c * 2.0).exp() + 1.0)
}
/// A power-of-two scaling undone after it, with the literal on the right: exactly `x`.
fn halved(x, y) {
    x * 2.0 * 0.5 + y
}
