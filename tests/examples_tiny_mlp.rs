//! Runs the core of `examples/tiny_mlp.rs`: the loss falls and the predictions fit.

#[allow(dead_code)]
#[path = "../examples/tiny_mlp.rs"]
mod tiny_mlp;

#[test]
fn tiny_mlp_learns_its_four_samples() {
    let mut reported = Vec::new();
    let (mut mlp, history) = tiny_mlp::train(100, 0.05, 0, |e, l| reported.push((e, l))).unwrap();
    assert_eq!(history.len(), 100);
    assert_eq!(
        reported.iter().map(|r| r.0).collect::<Vec<_>>(),
        (0..100).step_by(10).collect::<Vec<_>>()
    );
    // At the start the outputs are near 0, so the loss is near Σ y² = 4; it ends far below.
    assert!(history[0] > 1.0, "{}", history[0]);
    assert!(
        history[99] < 0.1 * history[0],
        "{} → {}",
        history[0],
        history[99]
    );
    // Each prediction has the sign of its target and is within 0.5 of it.
    let pred = mlp.predict(tiny_mlp::XS.as_flattened()).unwrap();
    for (p, y) in pred.iter().zip(tiny_mlp::YS) {
        assert!((p - y).abs() < 0.5, "{pred:?}");
    }
}

#[test]
fn another_seed_also_trains() {
    let (_, history) = tiny_mlp::train(100, 0.05, 7, |_, _| {}).unwrap();
    assert!(
        history[99] < 0.1 * history[0],
        "{} → {}",
        history[0],
        history[99]
    );
}
