//! W3 of issue 4, light contenders: one f32 training step (forward + backward + SGD update),
//! one thread, for our `Mlp` and the hand-written `matrixmultiply` step (with libm's tanh and
//! with the runtime's vectorisable tanh). candle and burn are in `bench-peers/benches/w3_peers.rs`,
//! which repeats these so that its ratios come from one run.
//!
//! Both workloads run in `W3_ROUNDS` rounds (default 5; `common/rounds.rs`), each round
//! starting with another contender.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w3.rs"]
mod w3;

use autograd::nn::Gemm;
use rounds::{group_name, rotated, rounds, MEASURE, WARM_UP};
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
    for round in rounds("W3_ROUNDS") {
        let mut grp = c.benchmark_group(group_name(name, round));
        grp.sampling_mode(SamplingMode::Flat)
            .sample_size(30)
            .warm_up_time(WARM_UP)
            .measurement_time(MEASURE);
        for (id, f) in rotated(&mut contenders, round) {
            grp.bench_function(*id, |b| b.iter(&mut *f));
        }
        grp.finish();
    }
}

/// The two large products of W3b's first layer alone (128 × 784 × 128, f32), through the
/// runtime's large-product path (`Gemm::large`: our packed AVX-512 kernel where the CPU has
/// it) and through `matrixmultiply`: the forward `x·W1ᵀ` (both operands contiguous along the
/// inner dimension) and the weight gradient `dzᵀ·x`.
fn products(c: &mut Criterion) {
    let (batch, inputs, outputs) = (128, 784, 128);
    let x: Vec<f32> = (0..batch * inputs)
        .map(|i| (i as f32 * 0.37).sin())
        .collect();
    let w: Vec<f32> = (0..outputs * inputs)
        .map(|i| (i as f32 * 0.11).cos())
        .collect();
    let dz: Vec<f32> = (0..batch * outputs)
        .map(|i| (i as f32 * 0.53).sin())
        .collect();
    let mut out = vec![0.0_f32; batch * outputs];
    let mut gw = vec![0.0_f32; outputs * inputs];
    type Product =
        fn((usize, usize, usize), &[f32], (usize, usize), &[f32], (usize, usize), f32, &mut [f32]);
    let paths: [(&str, Product); 2] = [("ours", f32::large), ("mm", f32::matrixmultiply)];
    // Both paths agree before anything is timed.
    let mut want = (Vec::new(), Vec::new());
    for (id, f) in paths {
        f(
            (batch, inputs, outputs),
            &x,
            (inputs, 1),
            &w,
            (1, inputs),
            0.0,
            &mut out,
        );
        f(
            (outputs, batch, inputs),
            &dz,
            (1, outputs),
            &x,
            (inputs, 1),
            0.0,
            &mut gw,
        );
        if want.0.is_empty() {
            want = (out.clone(), gw.clone());
        }
        for (got, want) in [(&out, &want.0), (&gw, &want.1)] {
            let scale = want.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
            let err = got
                .iter()
                .zip(want)
                .fold(0.0_f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(err <= 1e-5 * scale, "W3b products: {id} differs by {err}");
        }
    }
    let mut contenders: Vec<Contender<'_>> = Vec::new();
    for (id, f) in paths {
        let (x, w, out) = (
            &x,
            &w,
            std::cell::RefCell::new(vec![0.0_f32; batch * outputs]),
        );
        contenders.push((
            if id == "ours" {
                "ours_forward"
            } else {
                "mm_forward"
            },
            Box::new(move || {
                let mut out = out.borrow_mut();
                f(
                    (batch, inputs, outputs),
                    black_box(x),
                    (inputs, 1),
                    w,
                    (1, inputs),
                    0.0,
                    &mut out,
                );
            }),
        ));
    }
    for (id, f) in paths {
        let (dz, x, gw) = (
            &dz,
            &x,
            std::cell::RefCell::new(vec![0.0_f32; outputs * inputs]),
        );
        contenders.push((
            if id == "ours" {
                "ours_weight_grad"
            } else {
                "mm_weight_grad"
            },
            Box::new(move || {
                let mut gw = gw.borrow_mut();
                f(
                    (outputs, batch, inputs),
                    black_box(dz),
                    (1, outputs),
                    x,
                    (inputs, 1),
                    0.0,
                    &mut gw,
                );
            }),
        ));
    }
    for round in rounds("W3_ROUNDS") {
        let mut grp = c.benchmark_group(group_name("W3b_products", round));
        grp.sampling_mode(SamplingMode::Flat)
            .sample_size(30)
            .warm_up_time(WARM_UP)
            .measurement_time(MEASURE);
        for (id, f) in rotated(&mut contenders, round) {
            grp.bench_function(*id, |b| b.iter(&mut *f));
        }
        grp.finish();
    }
}

fn bench(c: &mut Criterion) {
    run(c, "W3a", W3A);
    run(c, "W3b", W3B);
    products(c);
}

criterion_group!(benches, bench);
criterion_main!(benches);
