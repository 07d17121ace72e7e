/// Safe log: the branch not taken is never evaluated, in either pass.
fn safe_ln(x) {
    if x > 0.0 { x.ln() } else { 0.0 }
}
