/// A two-layer network written with a local array.
pub fn mlp(w1: [[T; 3]; 4], b1: [T; 4], w2: [T; 4], b2, x: [T; 3]) {
    let mut h = [0.0; 4];
    for j in 0..4 {
        let mut a = b1[j];
        for k in 0..3 {
            a += w1[j][k] * x[k];
        }
        h[j] = a.tanh();
    }
    let mut out = b2;
    for j in 0..4 {
        out += w2[j] * h[j];
    }
    out
}
