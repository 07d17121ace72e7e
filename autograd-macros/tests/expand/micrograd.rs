/// micrograd's example: c = a + b; d = c * a; e = c * d.
fn example(a, b) {
    let c = a + b;
    let d = c * a;
    c * d
}
