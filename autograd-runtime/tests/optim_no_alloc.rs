//! After the first step, an optimizer step allocates nothing: counted through a global
//! allocator (its own test binary, so no other test's allocations are counted).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use autograd_runtime::optim::{Adam, AdamW, Optimizer, Sgd};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged. A global allocator can only be written
// with `unsafe impl`; it lives in this test, not in the library.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_of_later_steps(opt: &mut dyn Optimizer<f32>) -> usize {
    let mut params = vec![0.5_f32; 1000];
    let grads = vec![0.1_f32; 1000];
    opt.step(&mut params, &grads); // warm-up: sizes the state
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..10 {
        opt.step(&mut params, &grads);
    }
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

// One test function, so no other test thread allocates while we count.
#[test]
fn steps_after_the_first_do_not_allocate() {
    let sgd = &mut Sgd::new(0.1).momentum(0.9).nesterov(true);
    assert_eq!(allocations_of_later_steps(sgd), 0, "Sgd");
    assert_eq!(allocations_of_later_steps(&mut Adam::default()), 0, "Adam");
    assert_eq!(
        allocations_of_later_steps(&mut AdamW::default()),
        0,
        "AdamW"
    );
    // The counter works: a Vec allocates.
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let v = std::hint::black_box(vec![1u8; 16]);
    assert!(ALLOCATIONS.load(Ordering::Relaxed) > before, "{v:?}");
}
