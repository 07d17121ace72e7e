/// micrograd's `draw_dot` example.
#[trace]
fn drawn(x, y) {
    let z = x * y;
    let w = z + x;
    w
}
