//! W3 of issue 4, light contenders: one f32 training step (forward + backward + SGD update),
//! one thread, for our `Mlp` and the hand-written `matrixmultiply` step (with libm's tanh and
//! with the runtime's, `Real::tanh_fast`). candle and burn are in `bench-peers/benches/w3_peers.rs`, which repeats these so that its ratios
//! come from one run.
//!
//! Both workloads run in `W3_ROUNDS` rounds (default 5; `common/rounds.rs`), each round
//! starting with another contender.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w3.rs"]
mod w3;

use autograd::Scalar;
use w3::*;

fn run(c: &mut Criterion, name: &str, net: Net) {
    // Checked in f64, to 1e-9: ours against the hand-written gradient.
    check_hand(name, net);
    let d = net.data::<f32>();
    let mut ours = Ours::<f32>::new(net);
    let p = ours.mlp.params().to_vec();
    let mut hand = Hand::new(net, &p, HandTanh::Libm);
    let mut fast = Hand::new(net, &p, HandTanh::Fast);
    let mut contenders: Vec<Contender<'_>> = vec![
        (
            "ours",
            Box::new(|| {
                black_box(ours.step(black_box(&d)));
            }),
        ),
        (
            "hand",
            Box::new(|| {
                black_box(hand.step(black_box(&d)));
            }),
        ),
    ];
    if net.hidden == autograd::nn::Activation::Tanh {
        contenders.push((
            "hand_fast_tanh",
            Box::new(|| {
                black_box(fast.step(black_box(&d)));
            }),
        ));
    }
    time_in_rounds(c, name, &mut contenders);
}

/// The two large products of W3b's first layer alone (128 × 784 × 128, f32), through the
/// runtime's large-product path (`Scalar::large`: our packed AVX-512 kernel where the CPU has
/// it) and through `matrixmultiply`: the forward `x·W1ᵀ` (both operands contiguous along the
/// inner dimension) and the weight gradient `dzᵀ·x`.
fn products(c: &mut Criterion) {
    type Product =
        fn((usize, usize, usize), &[f32], (usize, usize), &[f32], (usize, usize), f32, &mut [f32]);
    let paths: [Product; 2] = [f32::large, f32::matrixmultiply];
    let (batch, inputs, outputs) = (128, 784, 128);
    let wave = |n: usize, f: f32| -> Vec<f32> { (0..n).map(|i| (i as f32 * f).sin()).collect() };
    let (x, w, dz) = (
        wave(batch * inputs, 0.37),
        wave(outputs * inputs, 0.11),
        wave(batch * outputs, 0.53),
    );
    // Per product: the contenders' names (ours, matrixmultiply), (m, k, n), A and B with strides.
    let shapes = [
        (
            ["ours_forward", "mm_forward"],
            (batch, inputs, outputs),
            (&x, (inputs, 1)),
            (&w, (1, inputs)),
        ),
        (
            ["ours_weight_grad", "mm_weight_grad"],
            (outputs, batch, inputs),
            (&dz, (1, outputs)),
            (&x, (inputs, 1)),
        ),
    ];
    let mut contenders: Vec<Contender<'_>> = Vec::new();
    for (names, mkn, (a, sa), (b, sb)) in shapes {
        let results = paths.map(|f| {
            let mut out = vec![0.0_f32; mkn.0 * mkn.2];
            f(mkn, a, sa, b, sb, 0.0, &mut out);
            out
        });
        // Both paths agree before anything is timed.
        let scale = results[1].iter().fold(0.0_f32, |m, v| m.max(v.abs()));
        let err = results[0]
            .iter()
            .zip(&results[1])
            .fold(0.0_f32, |m, (p, q)| m.max((p - q).abs()));
        assert!(err <= 1e-5 * scale, "{}: differs by {err}", names[0]);
        for ((name, f), mut out) in names.into_iter().zip(paths).zip(results) {
            contenders.push((
                name,
                Box::new(move || f(mkn, black_box(a), sa, b, sb, 0.0, &mut out)),
            ));
        }
    }
    time_in_rounds(c, "W3b_products", &mut contenders);
}

fn bench(c: &mut Criterion) {
    run(c, "W3a", W3A);
    run(c, "W3b", W3B);
    products(c);
}

criterion_group!(benches, bench);
criterion_main!(benches);
