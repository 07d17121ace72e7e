//! W1 of issue 4, light contenders: scalar gradient latency, f64, value + full gradient per call,
//! for our `_grad`, the hand-written gradient and central finite differences. The peers
//! (symdiff, num-dual, reverse) are in `bench-peers/benches/w1_peers.rs`, which repeats these
//! three so that its ratios come from one run. `bench/run` runs both.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/w1.rs"]
mod w1;

use w1::*;

fn bench(c: &mut Criterion) {
    // Rounds as in bench-peers' W1 (`W1_ROUNDS`, default 5): one second per contender each,
    // groups `W1a`, `W1a_r2`, ...; `bench/report.py` takes the median over rounds.
    let rounds: usize = std::env::var("W1_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    for round in 1..=rounds.max(1) {
        let suffix = if round == 1 {
            String::new()
        } else {
            format!("_r{round}")
        };
        bench_round(c, &suffix);
    }
}

/// One round of the three workloads.
fn bench_round(c: &mut Criterion, suffix: &str) {
    // W1a
    let p = A;
    let want = w1a_hand(&p);
    let (v, g) = w1a_ours(&p);
    check("W1a ours", (v, &g), (want.0, &want.1), EXACT);
    let fd = w1a_fd(&p);
    check("W1a fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1a", suffix);
    grp.bench_function("ours", |b| b.iter(|| w1a_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1a_hand(black_box(&p))));
    grp.bench_function("fd", |b| b.iter(|| w1a_fd(black_box(&p))));
    grp.finish();

    // W1b
    let p = B;
    let want = w1b_hand(&p);
    let (v, g) = w1b_ours(&p);
    check("W1b ours", (v, &g), (want.0, &want.1), EXACT);
    let fd = w1b_fd(&p);
    check("W1b fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1b", suffix);
    grp.bench_function("ours", |b| b.iter(|| w1b_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1b_hand(black_box(&p))));
    grp.bench_function("fd", |b| b.iter(|| w1b_fd(black_box(&p))));
    grp.finish();

    // W1c
    let p = c_point();
    let want = w1c_hand(&p);
    let (v, g) = w1c_ours(&p);
    check("W1c ours", (v, &g), (want.0, &want.1), EXACT);
    let fd = w1c_fd(&p);
    check("W1c fd", (fd.0, &fd.1), (want.0, &want.1), FD_TOL);
    let mut grp = group(c, "W1c", suffix);
    grp.bench_function("ours", |b| b.iter(|| w1c_ours(black_box(&p))));
    grp.bench_function("hand", |b| b.iter(|| w1c_hand(black_box(&p))));
    grp.bench_function("fd", |b| b.iter(|| w1c_fd(black_box(&p))));
    grp.finish();
}

/// A group of one round: a second of measurement per contender.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    suffix: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut grp = c.benchmark_group(format!("{name}{suffix}"));
    grp.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    grp
}

criterion_group!(benches, bench);
criterion_main!(benches);
