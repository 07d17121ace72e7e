//! W1 of issue 4, light contenders: scalar gradient latency, f64, value + full gradient per call,
//! for our `_grad`, the hand-written gradient (with the `tanh` ours computes, and with glibc's
//! as a reference row) and central finite differences. The peers
//! (symdiff, num-dual, reverse) are in `bench-peers/benches/w1_peers.rs`, which repeats these
//! three so that its ratios come from one run. `bench/run` runs both. Both check and time each
//! workload with `common/w1.rs`'s `time_round`, in `W1_ROUNDS` rounds.

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w1.rs"]
mod w1;

use rounds::rounds;
use w1::*;

fn bench(c: &mut Criterion) {
    for round in rounds("W1_ROUNDS") {
        bench_round(c, round);
    }
}

/// One round of the three workloads.
fn bench_round(c: &mut Criterion, round: usize) {
    time_round(
        c,
        ("W1a", round),
        A,
        w1a_hand,
        vec![
            ("ours", Box::new(w1a_ours)),
            ("hand", Box::new(w1a_hand)),
            ("hand_std_tanh", Box::new(w1a_hand_std_tanh)),
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
            ("fd", Box::new(w1b_fd)),
        ],
    );
    time_round(
        c,
        ("W1c", round),
        c_point(),
        w1c_hand,
        vec![
            ("ours", Box::new(w1c_ours)),
            ("hand", Box::new(w1c_hand)),
            ("hand_std_tanh", Box::new(w1c_hand_std_tanh)),
            ("fd", Box::new(w1c_fd)),
        ],
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
