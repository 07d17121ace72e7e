//! W3 of issue 4, light contenders: one f32 training step (forward + backward + SGD update),
//! one thread, for our `Mlp` and the hand-written `matrixmultiply` step (with libm's tanh and
//! with the runtime's vectorisable tanh). candle and burn are in `bench-peers/benches/w3_peers.rs`,
//! which repeats these so that its ratios come from one run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

#[path = "common/w3.rs"]
mod w3;

use w3::*;

fn run(c: &mut Criterion, name: &str, net: Net) {
    // Checked in f64, to 1e-9: ours against the hand-written gradient.
    check_hand(name, net);
    let d = net.data::<f32>();
    let mut ours = Ours::<f32>::new(net);
    let p = ours.mlp.params().to_vec();
    let mut hand = Hand::new(net, &p, HandTanh::Libm);
    let mut fast = Hand::new(net, &p, HandTanh::Fast);
    let mut grp = c.benchmark_group(name);
    grp.sampling_mode(SamplingMode::Flat).sample_size(30);
    grp.bench_function("ours", |b| b.iter(|| ours.step(black_box(&d))));
    grp.bench_function("hand", |b| b.iter(|| hand.step(black_box(&d))));
    if net.hidden == autograd::nn::Activation::Tanh {
        grp.bench_function("hand_fast_tanh", |b| b.iter(|| fast.step(black_box(&d))));
    }
    grp.finish();
}

fn bench(c: &mut Criterion) {
    run(c, "W3a", W3A);
    run(c, "W3b", W3B);
}

criterion_group!(benches, bench);
criterion_main!(benches);
