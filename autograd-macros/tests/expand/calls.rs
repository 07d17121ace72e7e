/// A call through a `_grad` companion, and a variable assigned in a branch.
fn softclip(x) {
    let mut y = x.tanh();
    if x > 3.0 {
        y = y * 0.5 + 0.5;
    }
    y
}

fn model(a, b) {
    let s = softclip(a * b);
    s * s + a
}
