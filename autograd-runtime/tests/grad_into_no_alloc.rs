//! `NAME_grad_into` reuses the gradient it is given: after the first call, which sizes its
//! `Vec` fields, a call at the same length allocates nothing (DESIGN §2b). A counting global
//! allocator proves it; each gradient is also checked against finite differences, so a test
//! cannot pass by computing nothing.
//!
//! The count is per thread, so the tests of this file may run in parallel.

mod common;

use std::hint::black_box;

use autograd::check::check_grad_slice;
use autograd::grad;
use common::allocations;

grad! {
    /// Sum of squared residuals of a line, differentiated in the line only: a `Copy` gradient,
    /// no `_grad_into`.
    #[wrt(w, b)]
    pub fn sse(w, b, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = w * xs[i] + b - ys[i];
            s += r * r;
        }
        s
    }
    /// The same, differentiated in the data too: two `Vec` fields, and `sse_all_grad_into`.
    pub fn sse_all(w, b, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = w * xs[i] + b - ys[i];
            s += r * r;
        }
        s
    }
    pub fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }
    /// The recurrence over a fixed-size array: the trip count is a constant, so the tape is a
    /// stack array.
    pub fn recurrence_array(w, xs: [T; 16]) {
        let mut h = 0.0;
        for i in 0..xs.len() {
            h = (w * h + xs[i]).tanh();
        }
        h
    }
    /// Stack tapes of other constant trip counts: a constant bound (`..=`, from 1), two values
    /// carried (a tape of pairs), and a recurrence inside a loop (a tape in each iteration).
    pub fn constant_loops(w, xs: [T; N], m: [[T; 3]; N]) {
        let mut h = w;
        let mut c = 0.5;
        for i in 1..=N - 1 {
            let g = (w * h + xs[i] - c).tanh();
            c = c * 0.5 + g * xs[i - 1];
            h = g;
        }
        let mut s = 0.0;
        for r in 0..m.len() {
            let mut a = h;
            for k in 0..m[r].len() {
                a = (a * m[r][k] + w).sin();
            }
            s += a * c;
        }
        s
    }
    /// A recurrence: `h` is overwritten each step, so its reverse needs the values it had (a
    /// tape).
    pub fn recurrence(w, xs: &[T]) {
        let mut h = 0.0;
        for i in 0..xs.len() {
            h = (w * h + xs[i]).tanh();
        }
        h
    }
}

/// The length of `constant_loops`' arrays.
const N: usize = 5;

/// Calls after the first that are counted.
const CALLS: usize = 50;
/// The length of the slices.
const LEN: usize = 64;

fn data(n: usize, phase: f64) -> Vec<f64> {
    (0..n).map(|i| (i as f64 * 0.37 + phase).sin()).collect()
}

/// Allocations made by `call`, run `CALLS` times.
fn allocations_of(mut call: impl FnMut() -> f64) -> usize {
    let before = allocations();
    for _ in 0..CALLS {
        black_box(call());
    }
    allocations() - before
}

#[test]
fn the_counter_counts() {
    let before = allocations();
    let v = black_box(vec![1u8; 10]);
    assert_eq!(allocations() - before, 1, "{v:?}");
}

#[test]
fn sse_grad_allocates_nothing() {
    let (xs, ys) = (data(LEN, 0.0), data(LEN, 1.0));
    let (w, b) = (0.8, -0.3);
    let (_, g) = sse_grad(w, b, &xs, &ys);
    let check = check_grad_slice(|p| sse(p[0], p[1], &xs, &ys), &[w, b], &[g.w, g.b]).unwrap();
    assert!(check.passes(1e-6), "{check}");
    // No `Vec` field and no tape (`s += ..` needs none): not even the first call allocates.
    let during = allocations_of(|| {
        let (v, g) = sse_grad(black_box(w), black_box(b), black_box(&xs), black_box(&ys));
        v + g.w + g.b
    });
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls of sse_grad"
    );
}

#[test]
fn sse_all_grad_into_allocates_nothing_after_the_first_call() {
    let (xs, ys) = (data(LEN, 0.0), data(LEN, 1.0));
    let (w, b) = (0.8, -0.3);
    let mut g = SseAllGrad::default();
    let before = allocations();
    sse_all_grad_into(w, b, &xs, &ys, &mut g);
    // One per `Vec` field: `xs` and `ys`.
    assert_eq!(
        allocations() - before,
        2,
        "the first call sizes the two Vec fields"
    );
    let during = allocations_of(|| {
        sse_all_grad_into(black_box(w), b, black_box(&xs), &ys, black_box(&mut g))
    });
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls after the first"
    );
    // The reused gradient is still right: every field against finite differences.
    let mut point = vec![w, b];
    point.extend(&xs);
    point.extend(&ys);
    let mut analytic = vec![g.w, g.b];
    analytic.extend(&g.xs);
    analytic.extend(&g.ys);
    let f = |p: &[f64]| sse_all(p[0], p[1], &p[2..2 + LEN], &p[2 + LEN..]);
    let check = check_grad_slice(f, &point, &analytic).unwrap();
    assert!(check.passes(1e-6), "{check}");
}

#[test]
fn rosen_grad_into_allocates_nothing_after_the_first_call() {
    let x: Vec<f64> = data(LEN, 0.5).iter().map(|v| 1.2 * v).collect();
    let mut g = RosenGrad::default();
    let before = allocations();
    rosen_grad_into(&x, &mut g);
    assert_eq!(
        allocations() - before,
        1,
        "the first call sizes the one Vec field"
    );
    let during = allocations_of(|| rosen_grad_into(black_box(&x), black_box(&mut g)));
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls after the first"
    );
    // A shorter slice shrinks the Vec without freeing it: nothing either.
    let during = allocations_of(|| rosen_grad_into(&x[..LEN / 2], &mut g));
    assert_eq!(during, 0, "{during} allocations at a shorter length");
    rosen_grad_into(&x, &mut g);
    let check = check_grad_slice(rosen, &x, &g.x).unwrap();
    assert!(check.passes(1e-6), "{check}");
}

#[test]
fn recurrence_over_an_array_allocates_nothing() {
    let xs: [f64; 16] = std::array::from_fn(|i| (i as f64 * 0.37 + 2.0).sin());
    let w = 0.7;
    let (value, g) = recurrence_array_grad(w, xs);
    assert_eq!(value, recurrence_array(w, xs));
    let mut point = vec![w];
    point.extend(&xs);
    let mut analytic = vec![g.w];
    analytic.extend(&g.xs);
    let f = |p: &[f64]| recurrence_array(p[0], p[1..].try_into().unwrap());
    let check = check_grad_slice(f, &point, &analytic).unwrap();
    assert!(check.passes(1e-6), "{check}");
    // The tape is `[T; 16 + 1]` on the stack, and the gradient has no `Vec`: not even the
    // first call allocates.
    let during = allocations_of(|| {
        let (v, g) = recurrence_array_grad(black_box(w), black_box(xs));
        v + g.w + g.xs[0]
    });
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls of recurrence_array_grad"
    );
}

#[test]
fn constant_loops_allocate_nothing() {
    let xs: [f64; N] = std::array::from_fn(|i| (i as f64 * 0.61 + 0.3).cos());
    let m: [[f64; 3]; N] =
        std::array::from_fn(|r| std::array::from_fn(|k| (r * 3 + k) as f64 * 0.1 - 0.4));
    let w = 0.4;
    let (value, g) = constant_loops_grad(w, xs, m);
    assert_eq!(value, constant_loops(w, xs, m));
    let mut point = vec![w];
    point.extend(&xs);
    point.extend(m.iter().flatten());
    let mut analytic = vec![g.w];
    analytic.extend(&g.xs);
    analytic.extend(g.m.iter().flatten());
    let f = |p: &[f64]| {
        let xs: [f64; N] = p[1..1 + N].try_into().unwrap();
        let m: [[f64; 3]; N] = std::array::from_fn(|r| p[1 + N + 3 * r..][..3].try_into().unwrap());
        constant_loops(p[0], xs, m)
    };
    let check = check_grad_slice(f, &point, &analytic).unwrap();
    assert!(check.passes(1e-6), "{check}");
    let during = allocations_of(|| {
        let (v, g) = constant_loops_grad(black_box(w), black_box(xs), black_box(m));
        v + g.w
    });
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls of constant_loops_grad"
    );
}

/// The gradient of the recurrence is right, reused or not.
#[test]
fn recurrence_grad_into_is_right() {
    let xs = data(LEN, 2.0);
    let w = 0.7;
    let mut g = RecurrenceGrad::default();
    for _ in 0..3 {
        recurrence_grad_into(w, &xs, &mut g);
    }
    let mut point = vec![w];
    point.extend(&xs);
    let mut analytic = vec![g.w];
    analytic.extend(&g.xs);
    let check = check_grad_slice(|p| recurrence(p[0], &p[1..]), &point, &analytic).unwrap();
    assert!(check.passes(1e-6), "{check}");
}

/// What DESIGN §2b asks of every `_grad_into`, which the recurrence does not meet yet: its
/// tape (`h_tape`, the value of `h` before each step) is a `Vec::with_capacity(n + 1)` made
/// on every call of `recurrence_grad_into`, one allocation per call. Run with `--ignored`
/// once the macro keeps the tape in reusable memory.
#[test]
#[ignore = "the recurrence's tape is a Vec allocated on every call (autograd-macros, loop tape)"]
fn recurrence_grad_into_allocates_nothing_after_the_first_call() {
    let xs = data(LEN, 2.0);
    let mut g = RecurrenceGrad::default();
    recurrence_grad_into(0.7, &xs, &mut g);
    let during = allocations_of(|| recurrence_grad_into(black_box(0.7), black_box(&xs), &mut g));
    assert_eq!(
        during, 0,
        "{during} allocations in {CALLS} calls after the first"
    );
}
