/// Rosenbrock in N dimensions, differentiated in every element.
pub fn rosen(x: &[T]) {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}
