//! Rounds for the nanosecond and millisecond benches (W1, W2, W3): every contender measured for a
//! second, round after round, instead of once for several seconds. The machine's load changes
//! on a scale of seconds, and one long measurement per contender put whole contenders in a
//! busy or a quiet spell. `bench/report.py` takes per contender the median over rounds, and
//! each ratio as the median of the ratios within a round.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

/// Warm-up and measurement time of one contender in one round.
pub const WARM_UP: Duration = Duration::from_millis(300);
pub const MEASURE: Duration = Duration::from_secs(1);

/// The rounds to run, `1..=n`, with `n` from the environment variable `var` (default 5).
pub fn rounds(var: &str) -> std::ops::RangeInclusive<usize> {
    let n = std::env::var(var)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    1..=n.max(1)
}

/// The criterion group of `name` in round `round`: `W1a`, then `W1a_r2`, `W1a_r3`, ...
pub fn group_name(name: &str, round: usize) -> String {
    if round == 1 {
        name.to_string()
    } else {
        format!("{name}_r{round}")
    }
}

/// The group of round `round` of `name`: [`WARM_UP`] and [`MEASURE`] per contender, criterion's
/// default sampling (W1's nanosecond calls).
pub fn group<'c>(c: &'c mut Criterion, name: &str, round: usize) -> BenchmarkGroup<'c, WallTime> {
    let mut grp = c.benchmark_group(group_name(name, round));
    grp.warm_up_time(WARM_UP).measurement_time(MEASURE);
    grp
}

/// [`group`] for contenders of about a millisecond a call (W2, W3): flat sampling keeps the
/// run short, 30 samples.
#[allow(dead_code)] // W1's nanosecond calls keep criterion's default sampling
pub fn flat_group<'c>(
    c: &'c mut Criterion,
    name: &str,
    round: usize,
) -> BenchmarkGroup<'c, WallTime> {
    let mut grp = group(c, name, round);
    grp.sampling_mode(SamplingMode::Flat).sample_size(30);
    grp
}

/// The contenders in the order of round `round`: each round starts with another one, so none is
/// always first (or last) to run.
#[allow(dead_code)] // not every bench that includes this file rotates this way
pub fn rotated<T>(contenders: &mut [T], round: usize) -> impl Iterator<Item = &mut T> {
    let start = (round - 1) % contenders.len().max(1);
    let (before, after) = contenders.split_at_mut(start);
    after.iter_mut().chain(before)
}
