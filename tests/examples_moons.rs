//! Runs the core of `examples/moons.rs` on less data for fewer steps (the test profile is not
//! optimised): the data lies on its two arcs, training separates them, the image is drawn.

#[allow(dead_code)]
#[path = "../examples/moons.rs"]
mod moons;

#[test]
fn the_data_lies_on_two_arcs() {
    let data = moons::moons(300, 0.1, 1);
    assert_eq!(data.points.len(), 600);
    for (p, &label) in data.points.chunks_exact(2).zip(&data.labels) {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        // Distance from the arc's centre: 1 up to the noise (5 standard deviations of it,
        // per coordinate, bound the radial error by 0.1 · 5 · √2).
        let r = if label == 0.0 {
            x.hypot(y)
        } else {
            assert_eq!(label, 1.0);
            (x - 1.0).hypot(y - 0.5)
        };
        assert!((r - 1.0).abs() < 0.71, "label {label} at ({x}, {y})");
    }
    let ones = data.labels.iter().filter(|&&l| l == 1.0).count();
    assert_eq!(ones, 150);
    // One seed, one data set.
    assert_eq!(moons::moons(300, 0.1, 1).points, data.points);
}

#[test]
fn training_separates_the_moons_and_draws_them() {
    let data = moons::moons(200, 0.1, 1);
    let (mut mlp, history) = moons::train(&data, 150, 0, false).unwrap();
    assert!(
        history[149] < 0.5 * history[0],
        "{} → {}",
        history[0],
        history[149]
    );
    let acc = moons::accuracy(&mut mlp, &data).unwrap();
    assert!(acc >= 0.95, "accuracy {acc}");
    let path = std::env::temp_dir().join(format!("moons-test-{}.png", std::process::id()));
    moons::draw(&mut mlp, &data, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_file(&path).unwrap();
}
