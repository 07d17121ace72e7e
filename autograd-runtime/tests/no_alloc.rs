//! After the first step, a training step — forward, loss gradient, backward, optimizer step —
//! allocates nothing. A counting global allocator proves it.
//!
//! One test in this file, so no other test allocates on another thread meanwhile; the count is
//! per thread anyway.

mod common;

use common::allocations;

use autograd_runtime::nn::{loss, Activation, Mlp};
use autograd_runtime::optim::{Adam, Optimizer, Sgd};

/// The moons-sized model and batch, with each loss, and a smaller last batch (buffers shrink
/// without freeing, so it allocates nothing either).
#[test]
fn a_training_step_allocates_nothing_after_the_first() {
    let batch = 64;
    let x: Vec<f32> = (0..batch * 2).map(|i| (i as f32 * 0.37).sin()).collect();
    // Learnable targets: the sign of the first input, its tercile.
    let y: Vec<f32> = (0..batch).map(|i| f32::from(x[2 * i] > 0.0)).collect();
    let labels: Vec<usize> = (0..batch)
        .map(|i| usize::from(x[2 * i] > -0.5) + usize::from(x[2 * i] > 0.5))
        .collect();
    let mut mlp = Mlp::<f32>::new(&[2, 16, 16, 1], Activation::Tanh, 0).unwrap();
    let mut classifier = Mlp::<f32>::new(&[2, 32, 3], Activation::Relu, 0).unwrap();
    let mut adam = Adam::new(0.01);
    let mut sgd = Sgd::new(0.05).momentum(0.9);
    let mut dy = vec![0.0_f32; batch];
    let mut dlogits = vec![0.0_f32; batch * 3];

    let mut step = |rows: usize| {
        let out = mlp.forward(&x[..rows * 2]).unwrap();
        let l1 = loss::bce_with_logits(out, &y[..rows], &mut dy[..rows]).unwrap();
        mlp.backward(&dy[..rows]).unwrap();
        let (p, g) = mlp.params_and_grads();
        adam.step(p, g).unwrap();

        let out = mlp.forward(&x[..rows * 2]).unwrap();
        let l2 = loss::mse(out, &y[..rows], &mut dy[..rows]).unwrap();
        mlp.backward(&dy[..rows]).unwrap();

        let logits = classifier.forward(&x[..rows * 2]).unwrap();
        let l3 = loss::softmax_cross_entropy(logits, &labels[..rows], &mut dlogits[..rows * 3]);
        classifier.backward(&dlogits[..rows * 3]).unwrap();
        let (p, g) = classifier.params_and_grads();
        sgd.step(p, g).unwrap();
        // The MSE of the logits only exercises that loss; it is not what is trained.
        assert!(l2.is_finite());
        l1 + l3.unwrap()
    };

    let first = step(batch); // warm-up: buffers and optimizer state are sized here
    let before = allocations();
    let mut last = first;
    for _ in 0..20 {
        last = step(batch);
    }
    step(batch / 2 + 3);
    let during = allocations() - before;
    assert_eq!(
        during, 0,
        "{during} allocations in 21 training steps after the first"
    );
    // The steps did train: the two trained losses went down.
    assert!(last < first, "{last} vs {first}");
    assert_eq!(large_f32_steps_allocate(), 0, "a large f32 model");
    // And the counter counts: allocating is seen.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert_eq!(allocations() - before, 1, "{v:?}");
}

/// Allocations in 5 steps after the first of a model whose products are above 2^16
/// multiply-adds: none for `f32` on a CPU with AVX-512F, where they take the runtime's own
/// packed kernel (elsewhere they go through `matrixmultiply`, which allocates, and this returns
/// 0 without checking).
fn large_f32_steps_allocate() -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        let (batch, inputs) = (32, 300);
        let x: Vec<f32> = (0..batch * inputs)
            .map(|i| (i as f32 * 0.37).sin())
            .collect();
        let labels: Vec<usize> = (0..batch).map(|i| i % 10).collect();
        let mut mlp = Mlp::<f32>::new(&[inputs, 64, 10], Activation::Relu, 0).unwrap();
        let mut sgd = Sgd::new(0.01);
        let mut dlogits = vec![0.0_f32; batch * 10];
        let mut step = || {
            let logits = mlp.forward(&x).unwrap();
            loss::softmax_cross_entropy(logits, &labels, &mut dlogits).unwrap();
            mlp.backward(&dlogits).unwrap();
            let (p, g) = mlp.params_and_grads();
            sgd.step(p, g).unwrap();
        };
        step();
        let before = allocations();
        for _ in 0..5 {
            step();
        }
        return allocations() - before;
    }
    0
}
