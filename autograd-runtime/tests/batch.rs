//! Every batch function against a naive scalar loop, with one generic helper
//! (as matrixmultiply's `test_a_kernel::<K>` tests every kernel), plus errors and determinism.

use core::ops::{Add, AddAssign, Mul};

use autograd_runtime::batch::{self, BLOCK, LANES};
use autograd_runtime::{Error, Gradient, Real};

/// What `grad!` generates for `fn loss(w, b, x, y) { (w * x + b - y).powi(2) }`, by hand.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LossGrad<T> {
    w: T,
    b: T,
    x: T,
    y: T,
}

impl<T: Real> Add for LossGrad<T> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        LossGrad {
            w: self.w + o.w,
            b: self.b + o.b,
            x: self.x + o.x,
            y: self.y + o.y,
        }
    }
}

impl<T: Real> AddAssign for LossGrad<T> {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl<T: Real> Mul<T> for LossGrad<T> {
    type Output = Self;
    fn mul(self, s: T) -> Self {
        LossGrad {
            w: self.w * s,
            b: self.b * s,
            x: self.x * s,
            y: self.y * s,
        }
    }
}

impl<T: Real> Gradient for LossGrad<T> {
    type Scalar = T;
    const LEN: usize = 4;
    fn zero() -> Self {
        LossGrad {
            w: T::zero(),
            b: T::zero(),
            x: T::zero(),
            y: T::zero(),
        }
    }
}

impl<T: Real> LossGrad<T> {
    fn to_f64(self) -> [f64; 4] {
        [self.w, self.b, self.x, self.y].map(|v| v.to_f64().unwrap())
    }
}

fn loss_grad<T: Real>(w: T, b: T, x: T, y: T) -> (T, LossGrad<T>) {
    let r = w * x + b - y;
    let d = r + r;
    (
        r * r,
        LossGrad {
            w: d * x,
            b: d,
            x: d * w,
            y: -d,
        },
    )
}

/// Sample `i` of the test data: three columns of scattered values.
fn sample<T: Real>(i: usize) -> (T, T, T) {
    let t = i as f64;
    let x = (t * 0.37).sin() * 3.0;
    let y = 2.0 * x - 1.0 + (t * 1.3).cos();
    let s = 0.5 + (t * 0.11).sin().abs();
    (T::lit(x), T::lit(y), T::lit(s))
}

/// The kernel every batch function runs, over (x, y, s): the loss gradient, weighted by s.
fn kernel<T: Real>(x: T, y: T, s: T) -> (T, LossGrad<T>) {
    let (v, g) = loss_grad(T::lit(1.5), T::lit(-0.25), x, y);
    (v * s, g * s)
}

const LENGTHS: [usize; 11] = [
    1,
    LANES - 1,
    LANES,
    LANES + 1,
    5 * LANES + 3,
    BLOCK - 1,
    BLOCK,
    BLOCK + 1,
    BLOCK + LANES,
    3 * BLOCK + 13,
    7 * BLOCK + 5 * LANES + 7,
];

/// The one generic helper: `run(n)` (a batch function over the first `n` samples) must equal the
/// mean of `kernel` over those samples computed by a naive loop in `f64`, within the rounding
/// error bound of a blocked sum in `T`: each term passes through at most
/// `BLOCK/LANES + log2(LANES) + LANES + n/BLOCK` additions, each adding relative error `eps`
/// of the running sum, itself bounded by the sum of absolute values.
fn assert_matches_naive<T: Real>(
    name: &str,
    run: impl Fn(usize) -> Result<(T, LossGrad<T>), Error>,
) {
    for n in LENGTHS {
        let mut sum = [0.0_f64; 5];
        let mut abs = [0.0_f64; 5];
        for i in 0..n {
            let (x, y, s) = sample::<T>(i);
            let (v, g) = kernel(x, y, s);
            let terms = [v.to_f64().unwrap()].into_iter().chain(g.to_f64());
            for (k, t) in terms.enumerate() {
                sum[k] += t;
                abs[k] += t.abs();
            }
        }
        let (v, g) = run(n).unwrap_or_else(|e| panic!("{name}, n = {n}: {e}"));
        let got = [v.to_f64().unwrap()].into_iter().chain(g.to_f64());
        let depth = (BLOCK / LANES + LANES.ilog2() as usize + n.div_ceil(BLOCK) + LANES + 2) as f64;
        let eps = T::epsilon().to_f64().unwrap();
        for (k, got) in got.enumerate() {
            let want = sum[k] / n as f64;
            // + 2 eps for the final scaling by 1/n and its rounding.
            let tol = (depth + 2.0) * eps * abs[k] / n as f64;
            assert!(
                (got - want).abs() <= tol,
                "{name}, n = {n}, component {k}: got {got}, naive {want}, tolerance {tol}"
            );
        }
    }
}

struct Data<T> {
    xs: Vec<T>,
    ys: Vec<T>,
    ss: Vec<T>,
    tuples: Vec<(T, T, T)>,
    rows: Vec<[T; 3]>,
}

fn data<T: Real>() -> Data<T> {
    let n = *LENGTHS.iter().max().unwrap();
    let tuples: Vec<(T, T, T)> = (0..n).map(sample).collect();
    Data {
        xs: tuples.iter().map(|t| t.0).collect(),
        ys: tuples.iter().map(|t| t.1).collect(),
        ss: tuples.iter().map(|t| t.2).collect(),
        rows: tuples.iter().map(|&(x, y, s)| [x, y, s]).collect(),
        tuples,
    }
}

fn every_batch_function<T: Real>() {
    let d = data::<T>();
    let (xs, ys, ss) = (&d.xs, &d.ys, &d.ss);
    let k3 = |(x, y, s)| kernel(x, y, s);
    let ka = |[x, y, s]: [T; 3]| kernel(x, y, s);
    assert_matches_naive::<T>("mean_grad (tuples)", |n| {
        batch::mean_grad(&d.tuples[..n], |(x, y, s)| kernel(x, y, s))
    });
    assert_matches_naive::<T>("mean_grad (rows)", |n| batch::mean_grad(&d.rows[..n], ka));
    assert_matches_naive::<T>("mean_grad (one column)", |n| {
        // The index column carries the sample number: y and s are looked up from it.
        let idx: Vec<usize> = (0..n).collect();
        batch::mean_grad(&idx, |i| {
            let (x, y, s) = sample::<T>(i);
            kernel(x, y, s)
        })
    });
    assert_matches_naive::<T>("mean_grad (two columns)", |n| {
        let rows = &d.rows[..n];
        batch::mean_grad((&xs[..n], rows), |(x, r): (T, [T; 3])| {
            kernel(x, r[1], r[2])
        })
    });
    assert_matches_naive::<T>("mean_grad (three columns)", |n| {
        batch::mean_grad((&xs[..n], &ys[..n], &ss[..n]), k3)
    });
    assert_matches_naive::<T>("mean_grad (four columns)", |n| {
        let idx: Vec<usize> = (0..n).collect();
        batch::mean_grad((&xs[..n], &ys[..n], &ss[..n], &idx), |(x, y, s, i)| {
            assert_eq!((x, y, s), sample::<T>(i));
            kernel(x, y, s)
        })
    });
    assert_matches_naive::<T>("mean_grad (array of columns)", |n| {
        batch::mean_grad([&xs[..n], &ys[..n], &ss[..n]], ka)
    });
    assert_matches_naive::<T>("par_mean_grad (rows)", |n| {
        batch::par_mean_grad(&d.rows[..n], ka)
    });
    assert_matches_naive::<T>("par_mean_grad (two columns)", |n| {
        let rows = &d.rows[..n];
        batch::par_mean_grad((&xs[..n], rows), |(x, r): (T, [T; 3])| {
            kernel(x, r[1], r[2])
        })
    });
    assert_matches_naive::<T>("par_mean_grad (three columns)", |n| {
        batch::par_mean_grad((&xs[..n], &ys[..n], &ss[..n]), k3)
    });
    assert_matches_naive::<T>("par_mean_grad (array of columns)", |n| {
        batch::par_mean_grad([&xs[..n], &ys[..n], &ss[..n]], ka)
    });
}

#[test]
fn every_batch_function_matches_the_naive_loop_f64() {
    every_batch_function::<f64>();
}

#[test]
fn every_batch_function_matches_the_naive_loop_f32() {
    every_batch_function::<f32>();
}

#[test]
fn the_linear_regression_gradient_is_one_call() {
    // y = x - 1 exactly, so at (w, b) = (1, -1) the loss and its gradient vanish,
    // and at (w, b) = (1, 0) every residual is 1: loss 1, d/dw = mean(2x), d/db = 2.
    let xs: Vec<f32> = (0..1000).map(|i| i as f32 / 100.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| x - 1.0).collect();
    let (l, g) = batch::mean_grad((&xs, &ys), |(x, y)| loss_grad(1.0, -1.0, x, y)).unwrap();
    assert_eq!((l, g.w, g.b), (0.0, 0.0, 0.0));
    let (l, g) = batch::mean_grad((&xs, &ys), |(x, y)| loss_grad(1.0, 0.0, x, y)).unwrap();
    assert_eq!((l, g.b), (1.0, 2.0));
    // mean(2x) for x = i/100, i < 1000, is 9.99.
    assert!((g.w - 9.99).abs() < 1e-4, "{}", g.w);
}

fn is_empty<T>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Empty { .. }))
}

fn is_mismatch<T>(r: Result<T, Error>, l: usize, r_: usize) -> bool {
    matches!(r, Err(Error::LengthMismatch { left, right, .. }) if (left, right) == (l, r_))
}

#[test]
fn empty_input_is_an_error() {
    let e: [f64; 0] = [];
    let k1 = |x: f64| kernel(x, x, x);
    let k2 = |(x, y): (f64, f64)| kernel(x, y, 1.0);
    let k3 = |(x, y, s): (f64, f64, f64)| kernel(x, y, s);
    let k4 = |(x, y, s, _): (f64, f64, f64, f64)| kernel(x, y, s);
    let kc = |[x]: [f64; 1]| kernel(x, x, x);
    let k0 = |[]: [f64; 0]| kernel(1.0, 1.0, 1.0);
    let none: [&[f64]; 0] = [];
    assert!(is_empty(batch::mean_grad(&e, k1)));
    assert!(is_empty(batch::mean_grad((&e, &e), k2)));
    assert!(is_empty(batch::mean_grad((&e, &e, &e), k3)));
    assert!(is_empty(batch::mean_grad((&e, &e, &e, &e), k4)));
    assert!(is_empty(batch::mean_grad([&e], kc)));
    assert!(is_empty(batch::mean_grad(none, k0)));
    assert!(is_empty(batch::par_mean_grad(&e, k1)));
    assert!(is_empty(batch::par_mean_grad((&e, &e), k2)));
    assert!(is_empty(batch::par_mean_grad((&e, &e, &e), k3)));
    assert!(is_empty(batch::par_mean_grad((&e, &e, &e, &e), k4)));
    assert!(is_empty(batch::par_mean_grad([&e], kc)));
    assert!(is_empty(batch::par_mean_grad(none, k0)));
}

#[test]
fn slices_of_different_lengths_are_an_error() {
    let (a, b) = ([1.0_f64; 3], [1.0_f64; 5]);
    let k2 = |(x, y): (f64, f64)| kernel(x, y, 1.0);
    let k3 = |(x, y, s): (f64, f64, f64)| kernel(x, y, s);
    let k4 = |(x, y, s, _): (f64, f64, f64, f64)| kernel(x, y, s);
    let kc = |[x, y, s]: [f64; 3]| kernel(x, y, s);
    assert!(is_mismatch(batch::mean_grad((&a, &b), k2), 3, 5));
    assert!(is_mismatch(batch::mean_grad((&a, &a, &b), k3), 3, 5));
    assert!(is_mismatch(batch::mean_grad((&b, &a, &b), k3), 5, 3));
    assert!(is_mismatch(batch::mean_grad((&a, &a, &a, &b), k4), 3, 5));
    assert!(is_mismatch(batch::mean_grad([&a[..], &a, &b], kc), 3, 5));
    assert!(is_mismatch(batch::par_mean_grad((&a, &b), k2), 3, 5));
    assert!(is_mismatch(batch::par_mean_grad((&a, &b, &a), k3), 3, 5));
    assert!(is_mismatch(
        batch::par_mean_grad((&b, &b, &b, &a), k4),
        5,
        3
    ));
    assert!(is_mismatch(
        batch::par_mean_grad([&b[..], &a, &b], kc),
        5,
        3
    ));
    // Empty and mismatched: the mismatch is reported.
    assert!(is_mismatch(batch::mean_grad((&a[..0], &b), k2), 0, 5));
}

#[test]
fn parallel_equals_serial_bit_for_bit_for_any_thread_count() {
    let d = data::<f32>();
    let k = |(x, y): (f32, f32)| kernel(x, y, 1.0);
    let serial = batch::mean_grad((&d.xs, &d.ys), k).unwrap();
    for threads in [1, 2, 3, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for _ in 0..3 {
            let par = pool
                .install(|| batch::par_mean_grad((&d.xs, &d.ys), k))
                .unwrap();
            assert_eq!(par.0.to_bits(), serial.0.to_bits(), "{threads} threads");
            assert_eq!(par.1.to_f64(), serial.1.to_f64(), "{threads} threads");
        }
    }
}

/// The order the module documents, written out as plain scalar code: `LANES` accumulators per
/// block, folded pairwise, then the block's remainder; block sums added in order; the mean.
fn documented_order<T: Real>(samples: &[(T, T, T)]) -> (T, LossGrad<T>) {
    let mut total = (T::zero(), LossGrad::zero());
    for block in samples.chunks(BLOCK) {
        let body = block.len() / LANES * LANES;
        let mut lanes = [(T::zero(), LossGrad::zero()); LANES];
        for (i, &(x, y, s)) in block[..body].iter().enumerate() {
            let (v, g) = kernel(x, y, s);
            lanes[i % LANES].0 += v;
            lanes[i % LANES].1 += g;
        }
        let mut width = LANES;
        while width > 1 {
            width /= 2;
            for k in 0..width {
                let (v, g) = lanes[k + width];
                lanes[k].0 += v;
                lanes[k].1 += g;
            }
        }
        let mut sum = lanes[0];
        for &(x, y, s) in &block[body..] {
            let (v, g) = kernel(x, y, s);
            sum.0 += v;
            sum.1 += g;
        }
        total.0 += sum.0;
        total.1 += sum.1;
    }
    let n = T::lit(samples.len() as f64);
    (total.0 / n, total.1 * (T::one() / n))
}

/// The batch loops run a copy compiled for AVX2 where the CPU has it (`simd::dispatch`); that
/// copy must give the bits of plain scalar code in the documented order (no fused multiply-add,
/// no reordered sum). On a CPU without AVX2 this checks the baseline loop the same way.
fn the_documented_order_bit_for_bit<T: Real>() {
    let d = data::<T>();
    let k3 = |(x, y, s)| kernel(x, y, s);
    for n in LENGTHS {
        let (want_v, want_g) = documented_order(&d.tuples[..n]);
        let want = (
            want_v.to_f64().unwrap().to_bits(),
            want_g.to_f64().map(f64::to_bits),
        );
        for (name, got) in [
            (
                "mean_grad",
                batch::mean_grad((&d.xs[..n], &d.ys[..n], &d.ss[..n]), k3),
            ),
            (
                "par_mean_grad",
                batch::par_mean_grad((&d.xs[..n], &d.ys[..n], &d.ss[..n]), k3),
            ),
        ] {
            let (v, g) = got.unwrap();
            let got = (v.to_f64().unwrap().to_bits(), g.to_f64().map(f64::to_bits));
            assert_eq!(got, want, "{name}, n = {n}");
        }
    }
}

#[test]
fn dispatched_loops_give_the_documented_order_bit_for_bit_f64() {
    the_documented_order_bit_for_bit::<f64>();
}

#[test]
fn dispatched_loops_give_the_documented_order_bit_for_bit_f32() {
    the_documented_order_bit_for_bit::<f32>();
}

/// A NaN or an infinity anywhere in the data is an error naming the first sample where the
/// value or the gradient stops being finite, in the serial and the parallel loop, in the
/// lane body, the remainder and a later block.
#[test]
fn non_finite_samples_are_errors_with_their_index() {
    let n = 2 * BLOCK + 2 * LANES + 3;
    let xs: Vec<f64> = (0..n).map(|i| i as f64 * 1e-3).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 2.0 * x).collect();
    let f = |(x, y): (f64, f64)| loss_grad(2.0, 0.0, x, y);
    assert!(batch::mean_grad((&xs, &ys), f).is_ok());
    for (at, bad) in [
        (5, f64::NAN),
        (BLOCK + 7, f64::INFINITY),
        (n - 1, f64::NEG_INFINITY),
    ] {
        let mut bad_xs = xs.clone();
        bad_xs[at] = bad;
        // A second bad sample later on: the first one is reported.
        bad_xs[n - 2] = f64::NAN;
        let check = |r: Result<(f64, LossGrad<f64>), Error>| match r {
            Err(Error::NonFinite {
                what: "value",
                sample,
            }) => assert_eq!(sample, at.min(n - 2)),
            other => panic!("{bad} at {at}: {other:?}"),
        };
        check(batch::mean_grad((&bad_xs, &ys), f));
        #[cfg(feature = "parallel")]
        check(batch::par_mean_grad((&bad_xs, &ys), f));
    }
    // A finite value with an infinite gradient: reported as the gradient.
    let g = |x: f64| {
        (
            x,
            LossGrad {
                w: 1.0 / x,
                b: 0.0,
                x: 0.0,
                y: 0.0,
            },
        )
    };
    let err = batch::mean_grad(&[1.0, 2.0, 0.0, 3.0], g).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                what: "gradient",
                sample: 2
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the gradient at sample 2 is NaN or infinite: check that sample's data and the parameters"
    );
}
