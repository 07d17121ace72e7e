//! W2 of issue 4: batch gradient throughput of linear regression, mean((w·x + b − y)²) over
//! 1,000,000 samples, value + dL/dw + dL/db, f32 and f64.
//!
//! Contenders: our batch loop (`autograd::batch`, serial and on rayon's threads) around the
//! generated `lin_grad`; a naive hand-written loop (one accumulator per quantity); a
//! hand-written loop with 8 independent accumulators. `bench/run` runs this binary twice: built
//! for the default target, and with `RUSTFLAGS="-C target-cpu=native"` in another target
//! directory; the bench ids carry the build (`[default]` / `[native]`) so both runs land in one
//! table. `read` and `read_threaded` are not contenders: they only read the two slices, and
//! show the memory bandwidth a loop over them can reach on one and on two threads.

use std::hint::black_box;

use autograd::{batch, grad, Real};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "common/rounds.rs"]
mod rounds;

use rounds::{flat_group, rotated, rounds};

grad! {
    #[wrt(w, b)]
    pub fn lin(w, b, x, y) {
        (w * x + b - y).powi(2)
    }
}

const N: usize = 1_000_000;
const W: f64 = 2.5;
const B: f64 = 0.3;

/// The build this binary was compiled for, from the target features it may assume.
fn build() -> &'static str {
    if cfg!(target_feature = "avx2") {
        "native"
    } else {
        "default"
    }
}

/// Deterministic data: x in [-1, 1), y = 3x − 1 + small noise, all from an integer hash.
fn data<T: Real>() -> (Vec<T>, Vec<T>) {
    let u = |i: u64, s: u64| {
        let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let xs: Vec<f64> = (0..N as u64).map(|i| u(i, 1)).collect();
    let ys: Vec<f64> = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| 3.0 * x - 1.0 + 0.1 * u(i as u64, 2))
        .collect();
    (
        xs.into_iter().map(T::lit).collect(),
        ys.into_iter().map(T::lit).collect(),
    )
}

#[inline(never)]
fn ours<T: Real>(xs: &[T], ys: &[T], w: T, b: T) -> (T, [T; 2]) {
    let (l, g) = batch::mean_grad((xs, ys), |(x, y)| lin_grad(w, b, x, y)).unwrap();
    (l, [g.w, g.b])
}

#[inline(never)]
fn ours_par<T: Real>(xs: &[T], ys: &[T], w: T, b: T) -> (T, [T; 2]) {
    let (l, g) = batch::par_mean_grad((xs, ys), |(x, y)| lin_grad(w, b, x, y)).unwrap();
    (l, [g.w, g.b])
}

/// The loop anyone would write first: one running sum per output.
#[inline(never)]
fn naive<T: Real>(xs: &[T], ys: &[T], w: T, b: T) -> (T, [T; 2]) {
    let (mut l, mut gw, mut gb) = (T::zero(), T::zero(), T::zero());
    for (&x, &y) in xs.iter().zip(ys) {
        let r = w * x + b - y;
        l += r * r;
        gw += r * x;
        gb += r;
    }
    let n = T::lit(xs.len() as f64);
    let two = T::lit(2.0);
    (l / n, [two * gw / n, two * gb / n])
}

/// Eight independent accumulators per output, so LLVM keeps them in vector registers.
#[inline(never)]
fn acc8<T: Real>(xs: &[T], ys: &[T], w: T, b: T) -> (T, [T; 2]) {
    const L: usize = 8;
    let n = xs.len().min(ys.len());
    let (xc, xr) = xs[..n].as_chunks::<L>();
    let (yc, yr) = ys[..n].as_chunks::<L>();
    let (mut l, mut gw, mut gb) = ([T::zero(); L], [T::zero(); L], [T::zero(); L]);
    for (x, y) in xc.iter().zip(yc) {
        for k in 0..L {
            let r = w * x[k] + b - y[k];
            l[k] += r * r;
            gw[k] += r * x[k];
            gb[k] += r;
        }
    }
    let sum = |a: [T; L]| ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    let (mut l, mut gw, mut gb) = (sum(l), sum(gw), sum(gb));
    for (&x, &y) in xr.iter().zip(yr) {
        let r = w * x + b - y;
        l += r * r;
        gw += r * x;
        gb += r;
    }
    let nn = T::lit(n as f64);
    let two = T::lit(2.0);
    (l / nn, [two * gw / nn, two * gb / nn])
}

/// Not a contender: only reads x and y (a sum, 16 accumulators), the speed limit memory sets
/// for any loop over these slices. With [`read_threaded`] it shows what two threads can gain.
#[inline(never)]
fn read<T: Real>(xs: &[T], ys: &[T]) -> T {
    const L: usize = 16;
    let (xc, _) = xs.as_chunks::<L>();
    let (yc, _) = ys.as_chunks::<L>();
    let mut acc = [T::zero(); L];
    for (x, y) in xc.iter().zip(yc) {
        for k in 0..L {
            acc[k] += x[k] + y[k];
        }
    }
    acc.into_iter().sum()
}

/// [`read`] on two threads, one half each.
#[inline(never)]
fn read_threaded<T: Real>(xs: &[T], ys: &[T]) -> T {
    let h = xs.len() / 2;
    let (a, b) = rayon::join(|| read(&xs[..h], &ys[..h]), || read(&xs[h..], &ys[h..]));
    a + b
}

type Kernel<T> = fn(&[T], &[T], T, T) -> (T, [T; 2]);
/// A loop that only reads x and y: the memory bandwidth any contender is limited by.
type Reader<T> = fn(&[T], &[T]) -> T;

fn run<T: Real>(c: &mut Criterion, name: &str, tol: f64) {
    let (xs, ys) = data::<T>();
    let (w, b) = (T::lit(W), T::lit(B));
    let contenders: [(&str, Kernel<T>); 4] = [
        ("ours", ours),
        ("ours_threaded", ours_par),
        ("naive", naive),
        ("acc8", acc8),
    ];
    // The reference: the same sums in f64, compensated (Neumaier), from the same (rounded) data.
    let reference = {
        let mut s = [(0.0f64, 0.0f64); 3];
        let mut add = |k: usize, v: f64| {
            let (sum, comp) = &mut s[k];
            let t = *sum + v;
            *comp += if sum.abs() >= v.abs() {
                (*sum - t) + v
            } else {
                (v - t) + *sum
            };
            *sum = t;
        };
        let (wf, bf) = (w.to_f64().unwrap(), b.to_f64().unwrap());
        for (&x, &y) in xs.iter().zip(&ys) {
            let (x, y) = (x.to_f64().unwrap(), y.to_f64().unwrap());
            let r = wf * x + bf - y;
            add(0, r * r);
            add(1, 2.0 * r * x);
            add(2, 2.0 * r);
        }
        let n = N as f64;
        s.map(|(a, c)| (a + c) / n)
    };
    for (id, f) in contenders {
        let (l, g) = f(&xs, &ys, w, b);
        let got = [l, g[0], g[1]].map(|v| v.to_f64().unwrap());
        for (k, (&a, &r)) in got.iter().zip(&reference).enumerate() {
            let err = (a - r).abs() / r.abs();
            assert!(
                err <= tol,
                "{name} {id}: output {k} is {a}, reference {r}: relative error {err:e} > {tol:e}"
            );
        }
        eprintln!("checked {name} {id}: {got:?} vs {reference:?}");
    }
    let readers: [(&str, Reader<T>); 2] = [("read", read::<T>), ("read_threaded", read_threaded)];
    for round in rounds("W2_ROUNDS") {
        let mut grp = flat_group(c, name, round);
        grp.throughput(Throughput::Bytes(
            (N * 2 * core::mem::size_of::<T>()) as u64,
        ));
        // Contenders, then readers, by index.
        let mut order: Vec<usize> = (0..contenders.len() + readers.len()).collect();
        for &mut i in rotated(&mut order, round) {
            match contenders.get(i) {
                Some(&(id, f)) => grp.bench_function(format!("{id}[{}]", build()), |bch| {
                    bch.iter(|| f(black_box(&xs), black_box(&ys), black_box(w), black_box(b)))
                }),
                None => {
                    let (id, f) = readers[i - contenders.len()];
                    grp.bench_function(format!("{id}[{}]", build()), |bch| {
                        bch.iter(|| f(black_box(&xs), black_box(&ys)))
                    })
                }
            };
        }
        grp.finish();
    }
}

fn bench(c: &mut Criterion) {
    // f64: every contender to 1e-9 of the compensated sum. f32: the data are rounded to f32
    // and the sums run in f32, so the contenders agree with the reference only to f32 precision.
    run::<f64>(c, "W2_f64", 1e-9);
    run::<f32>(c, "W2_f32", 1e-4);
}

criterion_group!(benches, bench);
criterion_main!(benches);
