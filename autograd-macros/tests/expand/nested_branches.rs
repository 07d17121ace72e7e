/// Nested branches that assign an outer `let mut`, and a compound condition.
fn nested(x, y) {
    let mut v = 0.0;
    if x > 0.0 && !(y > 3.0) {
        if y > 0.0 {
            v += x * y;
        } else {
            v -= (x - y).powi(3);
        }
        v = v + x;
    }
    v + y.sigmoid()
}
