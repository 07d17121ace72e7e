//! W1 of issue 4, light contenders: scalar gradient latency, f64, value + full gradient per call,
//! for our `_grad`, the hand-written gradient (with the `tanh` ours computes, and with glibc's
//! as a reference row) and central finite differences. The peers
//! (symdiff, num-dual, reverse) are in `bench-peers/benches/w1_peers.rs`, which repeats these
//! three so that its ratios come from one run. `bench/run` runs both.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/rounds.rs"]
mod rounds;
#[path = "common/w1.rs"]
mod w1;

use rounds::{group_name, rounds, MEASURE, WARM_UP};
use w1::*;

fn bench(c: &mut Criterion) {
    for round in rounds("W1_ROUNDS") {
        bench_round(c, round);
    }
}

/// One round of the three workloads.
fn bench_round(c: &mut Criterion, round: usize) {
    // W1a
    let p = A;
    let want = w1a_hand(&p);
    let (v, g) = w1a_ours(&p);
    check("W1a ours", (v, &g), (want.0, &want.1), EXACT);
    let std = w1a_hand_std_tanh(&p);
    check(
        "W1a hand_std_tanh",
        (std.0, &std.1),
        (want.0, &want.1),
        EXACT,
    );
    let fd = w1a_fd(&p);
    check("W1a fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1a", round);
    grp.bench_function("ours", |b| b.iter(|| w1a_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1a_hand(black_box(&p))));
    grp.bench_function("hand_std_tanh", |b| {
        b.iter(|| w1a_hand_std_tanh(black_box(&p)))
    });
    grp.bench_function("fd", |b| b.iter(|| w1a_fd(black_box(&p))));
    grp.finish();

    // W1b
    let p = B;
    let want = w1b_hand(&p);
    let (v, g) = w1b_ours(&p);
    check("W1b ours", (v, &g), (want.0, &want.1), EXACT);
    let fd = w1b_fd(&p);
    check("W1b fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1b", round);
    grp.bench_function("ours", |b| b.iter(|| w1b_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1b_hand(black_box(&p))));
    grp.bench_function("fd", |b| b.iter(|| w1b_fd(black_box(&p))));
    grp.finish();

    // W1c
    let p = c_point();
    let want = w1c_hand(&p);
    let (v, g) = w1c_ours(&p);
    check("W1c ours", (v, &g), (want.0, &want.1), EXACT);
    let std = w1c_hand_std_tanh(&p);
    check(
        "W1c hand_std_tanh",
        (std.0, &std.1),
        (want.0, &want.1),
        EXACT,
    );
    let fd = w1c_fd(&p);
    check("W1c fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1c", round);
    grp.bench_function("ours", |b| b.iter(|| w1c_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1c_hand(black_box(&p))));
    grp.bench_function("hand_std_tanh", |b| {
        b.iter(|| w1c_hand_std_tanh(black_box(&p)))
    });
    grp.bench_function("fd", |b| b.iter(|| w1c_fd(black_box(&p))));
    grp.finish();
}

/// A group of one round: a second of measurement per contender.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    round: usize,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut grp = c.benchmark_group(group_name(name, round));
    grp.warm_up_time(WARM_UP).measurement_time(MEASURE);
    grp
}

criterion_group!(benches, bench);
criterion_main!(benches);
