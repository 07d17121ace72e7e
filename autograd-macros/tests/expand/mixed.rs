/// f = a*b + tanh(c) - 0.5*a^2: the reverse sweep comes out as the hand derivation (b - a).
fn mixed(a, b, c) {
    a * b + c.tanh() - 0.5 * a.powi(2)
}
