//! After warm-up, the per-step parts of a training loop from `optim`, `data` and `train`
//! allocate nothing: counted per thread by the global allocator of `common`.

mod common;

use common::allocations;

use autograd_runtime::data::{gather_rows, Batches};
use autograd_runtime::optim::{Adam, AdamW, Optimizer, Sgd};
use autograd_runtime::train::Trainer;

fn allocations_of_later_steps(opt: &mut dyn Optimizer<f32>) -> usize {
    let mut params = vec![0.5_f32; 1000];
    let grads = vec![0.1_f32; 1000];
    opt.step(&mut params, &grads).unwrap(); // warm-up: sizes the state
    let before = allocations();
    for _ in 0..10 {
        opt.step(&mut params, &grads).unwrap();
    }
    allocations() - before
}

// One test function, so no other test thread allocates while we count.
#[test]
fn steps_after_warm_up_do_not_allocate() {
    let sgd = &mut Sgd::new(0.1).momentum(0.9).nesterov(true);
    assert_eq!(allocations_of_later_steps(sgd), 0, "Sgd");
    assert_eq!(allocations_of_later_steps(&mut Adam::default()), 0, "Adam");
    assert_eq!(
        allocations_of_later_steps(&mut AdamW::default()),
        0,
        "AdamW"
    );

    // Mini-batches: shuffling an epoch and gathering its rows into a reused buffer.
    let data = vec![1.0_f32; 3 * 1000];
    let mut batches = Batches::new(1000, 32, 7).unwrap();
    let mut rows = Vec::new();
    gather_rows(&data, 3, &(0..32).collect::<Vec<_>>(), &mut rows).unwrap(); // warm-up: sizes `rows`
    let before = allocations();
    for _ in 0..3 {
        for batch in batches.epoch() {
            gather_rows(&data, 3, batch, &mut rows).unwrap();
        }
    }
    assert_eq!(allocations() - before, 0, "Batches + gather_rows");

    // Recording losses in the trainer (progress bar off, as in tests and pipes).
    let mut trainer = Trainer::new(3).progress(false);
    let mut during = Vec::with_capacity(3);
    trainer
        .run(|epoch| {
            let before = allocations();
            for _ in 0..100 {
                epoch.record(0.5_f32)?;
            }
            during.push(allocations() - before);
            Ok(())
        })
        .unwrap();
    assert_eq!(during, [0, 0, 0], "Epoch::record");

    // The counter works: a Vec allocates.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 16]);
    assert!(allocations() > before, "{v:?}");
}
