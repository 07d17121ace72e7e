//! What the optimizers' finite-gradient check costs: one `step` of `Sgd` (plain, momentum,
//! Nesterov) and `Adam` on 10⁶ `f32` parameters, next to the same update written by hand
//! without the check, in one run.
//!
//! ```sh
//! cargo bench --bench optim
//! ```
//!
//! The check is a pass over the gradient of its own, before the update, so that a NaN changes
//! nothing; the update is memory-bound, so the pass shows most where the update reads least
//! (plain SGD).

use std::hint::black_box;

use autograd::optim::{Adam, Optimizer, Sgd};
use criterion::{criterion_group, criterion_main, Criterion};

const N: usize = 1_000_000;

fn inputs() -> (Vec<f32>, Vec<f32>) {
    let params = (0..N).map(|i| (i as f32 * 0.37).sin()).collect();
    let grads = (0..N).map(|i| (i as f32 * 0.11).cos() * 1e-3).collect();
    (params, grads)
}

fn sgd_by_hand(params: &mut [f32], grads: &[f32], lr: f32) {
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= lr * g;
    }
}

fn momentum_by_hand(params: &mut [f32], grads: &[f32], buffer: &mut [f32], nesterov: bool) {
    let (lr, mu) = (1e-3_f32, 0.9_f32);
    for ((p, &g), b) in params.iter_mut().zip(grads).zip(buffer) {
        *b = mu * *b + g;
        let d = if nesterov { g + mu * *b } else { *b };
        *p -= lr * d;
    }
}

fn adam_by_hand(params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32], t: &mut i32) {
    let (lr, b1, b2, eps) = (1e-3_f32, 0.9_f32, 0.999_f32, 1e-8_f32);
    *t += 1;
    let step_size = lr / (1.0 - b1.powi(*t));
    let bias2 = 1.0 - b2.powi(*t);
    for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
        *m = b1 * *m + (1.0 - b1) * g;
        *v = b2 * *v + (1.0 - b2) * g * g;
        *p -= step_size * *m / ((*v / bias2).sqrt() + eps);
    }
}

fn bench(c: &mut Criterion) {
    let (start, grads) = inputs();
    let mut group = c.benchmark_group("optim_1e6_f32");

    let mut params = start.clone();
    group.bench_function("sgd/by_hand", |b| {
        b.iter(|| sgd_by_hand(black_box(&mut params), black_box(&grads), 1e-3))
    });
    let mut params = start.clone();
    let mut opt = Sgd::new(1e-3_f32);
    group.bench_function("sgd/step", |b| {
        b.iter(|| opt.step(black_box(&mut params), black_box(&grads)).unwrap())
    });

    for nesterov in [false, true] {
        let name = if nesterov { "nesterov" } else { "momentum" };
        let mut params = start.clone();
        let mut buffer = vec![0.0_f32; N];
        group.bench_function(format!("{name}/by_hand"), |b| {
            b.iter(|| {
                momentum_by_hand(
                    black_box(&mut params),
                    black_box(&grads),
                    &mut buffer,
                    black_box(nesterov),
                )
            })
        });
        let mut params = start.clone();
        let mut opt = Sgd::new(1e-3_f32).momentum(0.9).nesterov(nesterov);
        group.bench_function(format!("{name}/step"), |b| {
            b.iter(|| opt.step(black_box(&mut params), black_box(&grads)).unwrap())
        });
    }

    let mut params = start.clone();
    let (mut m, mut v, mut t) = (vec![0.0_f32; N], vec![0.0_f32; N], 0);
    group.bench_function("adam/by_hand", |b| {
        b.iter(|| {
            adam_by_hand(
                black_box(&mut params),
                black_box(&grads),
                &mut m,
                &mut v,
                &mut t,
            )
        })
    });
    let mut params = start.clone();
    let mut opt = Adam::new(1e-3_f32);
    group.bench_function("adam/step", |b| {
        b.iter(|| opt.step(black_box(&mut params), black_box(&grads)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
