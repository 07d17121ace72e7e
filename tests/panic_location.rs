//! An index out of bounds in a generated function panics at the user's array, not at the
//! `grad!` line: the forward function at the element read, the gradient at the parameter.

use std::sync::{Arc, Mutex};

use autograd::grad;

grad! {
    #[wrt(w, b)]
    fn sse(w, b, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = w * xs[i] + b - ys[i];
            s += r * r;
        }
        s
    }
}

/// The line of the panic `f` raises.
fn panic_line(f: impl FnOnce() + std::panic::UnwindSafe) -> u32 {
    let line = Arc::new(Mutex::new(0));
    let seen = line.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info.location().map_or(0, |l| l.line());
    }));
    let result = std::panic::catch_unwind(f);
    std::panic::set_hook(previous);
    assert!(result.is_err(), "no panic");
    let line = *line.lock().unwrap();
    line
}

#[test]
fn out_of_bounds_points_at_the_array() {
    let (xs, ys) = ([1.0, 2.0, 3.0], [1.0]);
    // One test, so no other test's panic hook interferes.
    assert_eq!(
        panic_line(|| {
            let _ = sse(1.0, 0.0, &xs, &ys);
        }),
        13,
        "the read `ys[i]`"
    );
    assert_eq!(
        panic_line(|| {
            let _ = sse_grad(1.0, 0.0, &xs, &ys);
        }),
        10,
        "the parameter `ys`"
    );
}
