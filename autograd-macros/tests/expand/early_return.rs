/// Huber loss, with an early return and a reassigned `let mut`.
#[wrt(r)]
fn huber(r, delta) {
    let a = r.abs();
    if a <= delta {
        return 0.5 * r * r;
    }
    let mut loss = a - 0.5 * delta;
    loss *= delta;
    loss
}
