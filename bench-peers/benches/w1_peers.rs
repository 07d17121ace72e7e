//! W1 of issue 4, every contender in one run: ours, hand-written, finite differences (from the
//! root package's `benches/common/w1.rs`; the hand-written W1a and W1c also with glibc's `tanh`,
//! a reference row), symdiff, num-dual (`DualSVec64<N>`, one forward
//! pass) and the `reverse` crate (a tape cleared and reused between calls).
//!
//! The three workloads run in `W1_ROUNDS` rounds (default 5; `benches/common/rounds.rs`), each
//! round starting with another contender.

use bench_peers::w1_gen::*;
use bench_peers::{dual_grad, reverse_grad};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../../benches/common/rounds.rs"]
mod rounds;
#[path = "../../benches/common/w1.rs"]
mod w1;

use rounds::rounds;
use w1::*;

#[inline(never)]
fn w1a_symdiff(p: &[f64; 3]) -> (f64, [f64; 3]) {
    (w1a_sym(p), w1a_sym_gradient(p))
}
#[inline(never)]
fn w1b_symdiff(p: &[f64; 10]) -> (f64, [f64; 10]) {
    (w1b_sym(p), w1b_sym_gradient(p))
}
#[cfg(feature = "symdiff_w1c")]
#[inline(never)]
fn w1c_symdiff(p: &[f64; 41]) -> (f64, [f64; 41]) {
    (w1c_sym(p), w1c_sym_gradient(p))
}

#[inline(never)]
fn w1a_numdual(p: &[f64; 3]) -> (f64, [f64; 3]) {
    dual_grad(w1a_dual, p)
}
#[inline(never)]
fn w1b_numdual(p: &[f64; 10]) -> (f64, [f64; 10]) {
    dual_grad(w1b_dual, p)
}
#[inline(never)]
fn w1c_numdual(p: &[f64; 41]) -> (f64, [f64; 41]) {
    dual_grad(w1c_dual, p)
}

fn bench(c: &mut Criterion) {
    for round in rounds("W1_ROUNDS") {
        bench_round(c, round);
    }
}

/// One round of the three workloads.
fn bench_round(c: &mut Criterion, round: usize) {
    let tape = reverse::Tape::new();
    time_round(
        c,
        ("W1a", round),
        A,
        w1a_hand,
        vec![
            ("ours", Box::new(w1a_ours)),
            ("ours_exp_tanh", Box::new(w1ax_ours)),
            ("hand", Box::new(w1a_hand)),
            ("symdiff", Box::new(w1a_symdiff)),
            ("hand_std_tanh", Box::new(w1a_hand_std_tanh)),
            ("num-dual", Box::new(w1a_numdual)),
            ("reverse", Box::new(|p| reverse_grad(&tape, w1a_rev, p))),
            ("fd", Box::new(w1a_fd)),
        ],
    );
    time_round(
        c,
        ("W1b", round),
        B,
        w1b_hand,
        vec![
            ("ours", Box::new(w1b_ours)),
            ("hand", Box::new(w1b_hand)),
            ("symdiff", Box::new(w1b_symdiff)),
            ("num-dual", Box::new(w1b_numdual)),
            ("reverse", Box::new(|p| reverse_grad(&tape, w1b_rev, p))),
            ("fd", Box::new(w1b_fd)),
        ],
    );
    #[allow(unused_mut)]
    let mut w1c: Vec<Contender<'_, 41>> = vec![
        ("ours", Box::new(w1c_ours)),
        ("ours_exp_tanh", Box::new(w1cx_ours)),
        ("hand", Box::new(w1c_hand)),
        ("hand_std_tanh", Box::new(w1c_hand_std_tanh)),
        ("num-dual", Box::new(w1c_numdual)),
        ("reverse", Box::new(|p| reverse_grad(&tape, w1c_rev, p))),
        ("fd", Box::new(w1c_fd)),
    ];
    #[cfg(feature = "symdiff_w1c")]
    w1c.insert(4, ("symdiff", Box::new(w1c_symdiff)));
    time_round(c, ("W1c", round), c_point(), w1c_hand, w1c);
}

criterion_group!(benches, bench);
criterion_main!(benches);
