/// A sigmoid neuron with two inputs.
fn neuron(w1, w2, b, x1, x2) {
    let z = w1 * x1 + w2 * x2 + b;
    z.sigmoid()
}
