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

fn bench(c: &mut Criterion) {
    run(c, "W3a", W3A);
    run(c, "W3b", W3B);
}

criterion_group!(benches, bench);
criterion_main!(benches);
