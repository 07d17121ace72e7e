//! Batch loops: run a gradient kernel over arrays of samples — parameters fixed, data varying —
//! and return the mean value and the mean gradient.
//!
//! A kernel is any `Fn(sample…) -> (T, G)` where `G` is a [`Gradient`], typically a closure
//! around a generated `NAME_grad` that fixes the parameters:
//!
//! ```
//! # use autograd_runtime::{Real, Gradient};
//! # #[derive(Clone, Copy, Debug, PartialEq)]
//! # struct LossGrad<T> { w: T, b: T, x: T, y: T }
//! # impl<T: Real> core::ops::Add for LossGrad<T> { type Output = Self;
//! #     fn add(self, o: Self) -> Self { LossGrad { w: self.w + o.w, b: self.b + o.b, x: self.x + o.x, y: self.y + o.y } } }
//! # impl<T: Real> core::ops::AddAssign for LossGrad<T> { fn add_assign(&mut self, o: Self) { *self = *self + o } }
//! # impl<T: Real> core::ops::Mul<T> for LossGrad<T> { type Output = Self;
//! #     fn mul(self, s: T) -> Self { LossGrad { w: self.w * s, b: self.b * s, x: self.x * s, y: self.y * s } } }
//! # impl<T: Real> Gradient for LossGrad<T> { type Scalar = T; const LEN: usize = 4;
//! #     fn zero() -> Self { LossGrad { w: T::zero(), b: T::zero(), x: T::zero(), y: T::zero() } } }
//! // What `grad! { fn loss(w, b, x, y) { (w * x + b - y).powi(2) } }` generates:
//! fn loss_grad<T: Real>(w: T, b: T, x: T, y: T) -> (T, LossGrad<T>) {
//!     let r = w * x + b - y;
//!     let d = r + r;
//!     (r * r, LossGrad { w: d * x, b: d, x: d * w, y: -d })
//! }
//!
//! let xs = [0.0_f32, 1.0, 2.0, 3.0];
//! let ys = [-1.0_f32, 0.0, 1.0, 2.0]; // y = x - 1
//! let (w, b) = (1.0_f32, 0.0_f32);
//! let (loss, g) = autograd_runtime::batch::mean_grad2(&xs, &ys, |x, y| loss_grad(w, b, x, y))?;
//! assert_eq!(loss, 1.0); // every residual is 1
//! assert_eq!((g.w, g.b), (3.0, 2.0)); // mean of 2x and of 2
//! # Ok::<(), autograd_runtime::Error>(())
//! ```
//!
//! # How the loop is built
//!
//! Samples are summed in blocks of [`BLOCK`] samples; each block runs a fixed-width body of
//! [`LANES`] samples with `LANES` independent accumulators (so LLVM can keep them in vector
//! registers without reassociating a float sum), folds the lanes pairwise in a fixed order, then
//! adds its remainder. Block sums are added to the total in order. The `par_` variants compute the
//! same block sums on rayon's threads and add them in the same order, so their results are
//! bit-for-bit those of the serial functions, for any number of threads.
//!
//! The loops run a copy compiled for AVX2 where the CPU has it (detected at run time, so no
//! `-C target-cpu=native` is needed): twice SSE2's lanes, the same operations in the same order,
//! so the same bits on every x86-64 CPU.

use rayon::prelude::*;

use crate::{simd, Error, Gradient, Real, Result};

/// Samples per fixed-width loop body, each with its own accumulator. With 16, LLVM's SLP
/// vectoriser packs the lanes of each field into vectors (`movups` loads, `mulps`/`addps` on
/// four `f32` samples at a time with SSE2, eight with AVX2); with 8 it packed fields of one
/// sample instead, with shuffles, and ran no faster than a plain loop.
pub const LANES: usize = 16;

/// Samples per block: the unit of work of the parallel functions, and the length of the inner
/// sums (partial sums of `BLOCK` samples are then added in order, which bounds rounding error).
pub const BLOCK: usize = 4096;

const _: () = assert!(BLOCK.is_multiple_of(LANES) && LANES.is_power_of_two());

/// Mean value and mean gradient of `f` over `samples`.
///
/// A sample is any `Copy` value: a number, an array `[T; N]` (a row), a tuple.
///
/// # Errors
/// [`Error::Empty`] if `samples` is empty.
///
/// ```
/// use autograd_runtime::batch;
/// // `D` is a one-field gradient struct, as `grad!` would generate for `fn sq(x) { x * x }`.
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let xs = [1.0, 2.0, 3.0, 4.0];
/// let (mean_sq, d) = batch::mean_grad(&xs, |x: f64| (x * x, D(2.0 * x)))?;
/// assert_eq!(mean_sq, 7.5);
/// assert_eq!(d, D(5.0));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn mean_grad<S, T, G, F>(samples: &[S], f: F) -> Result<(T, G)>
where
    S: Copy,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(S) -> (T, G),
{
    serial(Rows(samples), &f)
}

/// Mean value and mean gradient of `f(x, y)` over the pairs `(xs[i], ys[i])`.
///
/// # Errors
/// [`Error::Empty`] if the slices are empty, [`Error::LengthMismatch`] if their lengths differ.
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f32);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f32> for D { type Output = D; fn mul(self, s: f32) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f32; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// // Squared error of y ≈ w·x and its derivative in w, for w = 2.
/// let w = 2.0_f32;
/// let f = |x: f32, y: f32| ((w * x - y).powi(2), D(2.0 * (w * x - y) * x));
/// let (l, d) = batch::mean_grad2(&[1.0, 2.0], &[1.0, 4.0], f)?;
/// assert_eq!((l, d), (0.5, D(1.0)));
/// assert!(batch::mean_grad2(&[1.0], &[1.0, 2.0], f).is_err());
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn mean_grad2<A, B, T, G, F>(xs: &[A], ys: &[B], f: F) -> Result<(T, G)>
where
    A: Copy,
    B: Copy,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(A, B) -> (T, G),
{
    serial(Zip2(xs, ys), &|(x, y)| f(x, y))
}

/// Mean value and mean gradient of `f(x, y, z)` over `(xs[i], ys[i], zs[i])`.
///
/// # Errors
/// [`Error::Empty`] if the slices are empty, [`Error::LengthMismatch`] if their lengths differ.
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// // A plane z ≈ a·x + y: mean residual and its derivative in a.
/// let a = 1.0;
/// let f = |x: f64, y: f64, z: f64| (a * x + y - z, D(x));
/// let (r, d) = batch::mean_grad3(&[1.0, 3.0], &[0.0, 1.0], &[1.0, 2.0], f)?;
/// assert_eq!((r, d), (1.0, D(2.0)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn mean_grad3<A, B, C, T, G, F>(xs: &[A], ys: &[B], zs: &[C], f: F) -> Result<(T, G)>
where
    A: Copy,
    B: Copy,
    C: Copy,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(A, B, C) -> (T, G),
{
    serial(Zip3(xs, ys, zs), &|(x, y, z)| f(x, y, z))
}

/// Mean value and mean gradient of `f([c0[i], c1[i], …])` over `N` columns of equal length:
/// the form for kernels with many data inputs.
///
/// # Errors
/// [`Error::Empty`] if the columns are empty (or `N` is 0), [`Error::LengthMismatch`] if their
/// lengths differ.
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let (x1, x2, x3, x4) = ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]);
/// let (s, d) = batch::mean_grad_cols([&x1, &x2, &x3, &x4], |[a, b, c, e]| (a + b + c + e, D(a)))?;
/// assert_eq!((s, d), (18.0, D(1.5)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn mean_grad_cols<A, T, G, F, const N: usize>(cols: [&[A]; N], f: F) -> Result<(T, G)>
where
    A: Copy,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn([A; N]) -> (T, G),
{
    serial(Cols(cols), &f)
}

/// [`mean_grad`] split across rayon's threads; the result is bit-for-bit that of
/// [`mean_grad`] whatever the number of threads (see the module docs).
///
/// # Errors
/// As [`mean_grad`].
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let xs: Vec<f64> = (0..100_000).map(|i| i as f64 * 1e-5).collect();
/// let f = |x: f64| (x.sin(), D(x.cos()));
/// assert_eq!(batch::par_mean_grad(&xs, f)?, batch::mean_grad(&xs, f)?);
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn par_mean_grad<S, T, G, F>(samples: &[S], f: F) -> Result<(T, G)>
where
    S: Copy + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(S) -> (T, G) + Sync,
{
    parallel(Rows(samples), &f)
}

/// [`mean_grad2`] split across rayon's threads, with the same result bit for bit.
///
/// # Errors
/// As [`mean_grad2`].
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f32);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f32> for D { type Output = D; fn mul(self, s: f32) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f32; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let xs: Vec<f32> = (0..50_000).map(|i| i as f32 / 50_000.0).collect();
/// let ys: Vec<f32> = xs.iter().map(|x| x - 1.0).collect();
/// let f = |x: f32, y: f32| ((x - y).powi(2), D(2.0 * (x - y)));
/// let (l, d) = batch::par_mean_grad2(&xs, &ys, f)?;
/// assert_eq!((l, d), (1.0, D(2.0)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn par_mean_grad2<A, B, T, G, F>(xs: &[A], ys: &[B], f: F) -> Result<(T, G)>
where
    A: Copy + Sync,
    B: Copy + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(A, B) -> (T, G) + Sync,
{
    parallel(Zip2(xs, ys), &|(x, y)| f(x, y))
}

/// [`mean_grad3`] split across rayon's threads, with the same result bit for bit.
///
/// # Errors
/// As [`mean_grad3`].
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let f = |x: f64, y: f64, z: f64| (x * y * z, D(y * z));
/// let (v, d) = batch::par_mean_grad3(&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0], f)?;
/// assert_eq!((v, d), (31.5, D(19.5)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn par_mean_grad3<A, B, C, T, G, F>(xs: &[A], ys: &[B], zs: &[C], f: F) -> Result<(T, G)>
where
    A: Copy + Sync,
    B: Copy + Sync,
    C: Copy + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(A, B, C) -> (T, G) + Sync,
{
    parallel(Zip3(xs, ys, zs), &|(x, y, z)| f(x, y, z))
}

/// [`mean_grad_cols`] split across rayon's threads, with the same result bit for bit.
///
/// # Errors
/// As [`mean_grad_cols`].
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f64);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f64> for D { type Output = D; fn mul(self, s: f64) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f64; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let (a, b) = ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]);
/// let (v, d) = batch::par_mean_grad_cols([&a, &b], |[x, y]| (x - y, D(1.0)))?;
/// assert_eq!((v, d), (1.0, D(1.0)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn par_mean_grad_cols<A, T, G, F, const N: usize>(cols: [&[A]; N], f: F) -> Result<(T, G)>
where
    A: Copy + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn([A; N]) -> (T, G) + Sync,
{
    parallel(Cols(cols), &f)
}

/// Sums a block sequence in order and divides by the number of samples.
#[inline]
fn serial<C, T, G, F>(data: C, f: &F) -> Result<(T, G)>
where
    C: Columns,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    let n = data.checked_len()?;
    let mut total = (T::zero(), G::zero());
    let mut start = 0;
    while start < n {
        let end = n.min(start + BLOCK);
        let (v, g) = block_sum(data.range(start, end), f);
        total.0 += v;
        total.1 += g;
        start = end;
    }
    Ok(mean(total, n))
}

/// The same block sums as [`serial`], computed in parallel, then added in the same order.
#[inline]
fn parallel<C, T, G, F>(data: C, f: &F) -> Result<(T, G)>
where
    C: Columns + Send + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(C::Sample) -> (T, G) + Sync,
{
    let n = data.checked_len()?;
    let mut blocks = vec![(T::zero(), G::zero()); n.div_ceil(BLOCK)];
    // Each task sums a run of consecutive blocks in a plain loop, as `serial` does: one task
    // per block compiled to a slower loop (shuffles and spills; 1.3× on 2 threads, where a
    // loop that only reads the data gains 1.9×). Four runs per thread leave room to balance.
    let run = blocks
        .len()
        .div_ceil(4 * rayon::current_num_threads())
        .max(1);
    blocks
        .par_chunks_mut(run)
        .enumerate()
        .for_each(|(r, sums)| {
            for (i, sum) in sums.iter_mut().enumerate() {
                let b = r * run + i;
                *sum = block_sum(data.range(b * BLOCK, n.min((b + 1) * BLOCK)), f);
            }
        });
    let mut total = (T::zero(), G::zero());
    for (v, g) in blocks {
        total.0 += v;
        total.1 += g;
    }
    Ok(mean(total, n))
}

#[inline]
fn mean<T: Real, G: Gradient<Scalar = T>>((v, g): (T, G), n: usize) -> (T, G) {
    let n = T::lit(n as f64);
    // `Gradient` scales by multiplication only; the value is divided, so it is correctly rounded.
    (v / n, g * (T::one() / n))
}

/// Sum of `f` over one block: a fixed-width body of `LANES` samples with `LANES` independent
/// accumulators, a fixed pairwise fold of the lanes, then the remainder.
///
/// It runs in the copy compiled for AVX2 where the CPU has it (see `simd`): the same operations
/// in the same order, so the same bits, on vectors twice as wide. The serial and the parallel
/// loops both call this one function, so both run the same machine code: with the dispatch
/// around each loop, LLVM compiled the parallel one's inner loop with shuffles between lanes
/// (seen in the disassembly), and the serial one's with more spills.
#[inline]
fn block_sum<C, T, G, F>(data: C, f: &F) -> (T, G)
where
    C: Columns,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    simd::dispatch(
        #[inline(always)]
        |_| {
            let (lanes, chunks, rest) = data.split_lanes();
            let mut v = [T::zero(); LANES];
            let mut g = [G::zero(); LANES];
            for j in 0..chunks {
                for k in 0..LANES {
                    let (vk, gk) = f(C::lane(lanes, j, k));
                    v[k] += vk;
                    g[k] += gk;
                }
            }
            let mut width = LANES;
            while width > 1 {
                width /= 2;
                for k in 0..width {
                    let (vk, gk) = (v[k + width], g[k + width]);
                    v[k] += vk;
                    g[k] += gk;
                }
            }
            let (mut v, mut g) = (v[0], g[0]);
            for i in 0..rest.len() {
                let (vi, gi) = f(rest.get(i));
                v += vi;
                g += gi;
            }
            (v, g)
        },
    )
}

/// Parallel arrays of samples, seen as one sequence of samples.
trait Columns: Copy {
    /// One sample: one element of each column.
    type Sample: Copy;
    /// The columns cut into arrays of `LANES` samples, all of the same length.
    type Lanes: Copy;
    /// The common length; errors if empty or if the columns differ in length.
    fn checked_len(self) -> Result<usize>;
    /// Length, once checked.
    fn len(self) -> usize;
    /// Samples `start..end`.
    fn range(self, start: usize, end: usize) -> Self;
    /// Sample `i`.
    fn get(self, i: usize) -> Self::Sample;
    /// The lane arrays, their number, and the samples left over.
    fn split_lanes(self) -> (Self::Lanes, usize, Self);
    /// Sample `k` of lane array `j`.
    fn lane(lanes: Self::Lanes, j: usize, k: usize) -> Self::Sample;
}

fn nonempty(n: usize) -> Result<usize> {
    if n == 0 {
        Err(Error::Empty { what: "batch" })
    } else {
        Ok(n)
    }
}

fn same_len(left: usize, right: usize) -> Result<()> {
    if left == right {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: "batch inputs",
            left,
            right,
        })
    }
}

/// `xs.as_chunks()` cut to exactly `m` arrays, so that indexing below `m` needs no check.
#[inline(always)]
fn lanes_of<A>(xs: &[A], m: usize) -> &[[A; LANES]] {
    &xs.as_chunks::<LANES>().0[..m]
}

#[derive(Clone, Copy)]
struct Rows<'a, S>(&'a [S]);

impl<'a, S: Copy> Columns for Rows<'a, S> {
    type Sample = S;
    type Lanes = &'a [[S; LANES]];
    fn checked_len(self) -> Result<usize> {
        nonempty(self.0.len())
    }
    #[inline(always)]
    fn len(self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn range(self, start: usize, end: usize) -> Self {
        Rows(&self.0[start..end])
    }
    #[inline(always)]
    fn get(self, i: usize) -> S {
        self.0[i]
    }
    #[inline(always)]
    fn split_lanes(self) -> (Self::Lanes, usize, Self) {
        let m = self.0.len() / LANES;
        (lanes_of(self.0, m), m, self.range(m * LANES, self.0.len()))
    }
    #[inline(always)]
    fn lane(lanes: Self::Lanes, j: usize, k: usize) -> S {
        lanes[j][k]
    }
}

#[derive(Clone, Copy)]
struct Zip2<'a, A, B>(&'a [A], &'a [B]);

impl<'a, A: Copy, B: Copy> Columns for Zip2<'a, A, B> {
    type Sample = (A, B);
    type Lanes = (&'a [[A; LANES]], &'a [[B; LANES]]);
    fn checked_len(self) -> Result<usize> {
        same_len(self.0.len(), self.1.len())?;
        nonempty(self.0.len())
    }
    #[inline(always)]
    fn len(self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn range(self, start: usize, end: usize) -> Self {
        Zip2(&self.0[start..end], &self.1[start..end])
    }
    #[inline(always)]
    fn get(self, i: usize) -> (A, B) {
        (self.0[i], self.1[i])
    }
    #[inline(always)]
    fn split_lanes(self) -> (Self::Lanes, usize, Self) {
        let n = self.0.len();
        let m = n / LANES;
        let lanes = (lanes_of(self.0, m), lanes_of(self.1, m));
        (lanes, m, self.range(m * LANES, n))
    }
    #[inline(always)]
    fn lane(lanes: Self::Lanes, j: usize, k: usize) -> (A, B) {
        (lanes.0[j][k], lanes.1[j][k])
    }
}

#[derive(Clone, Copy)]
struct Zip3<'a, A, B, C>(&'a [A], &'a [B], &'a [C]);

impl<'a, A: Copy, B: Copy, C: Copy> Columns for Zip3<'a, A, B, C> {
    type Sample = (A, B, C);
    type Lanes = (&'a [[A; LANES]], &'a [[B; LANES]], &'a [[C; LANES]]);
    fn checked_len(self) -> Result<usize> {
        same_len(self.0.len(), self.1.len())?;
        same_len(self.0.len(), self.2.len())?;
        nonempty(self.0.len())
    }
    #[inline(always)]
    fn len(self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn range(self, start: usize, end: usize) -> Self {
        Zip3(
            &self.0[start..end],
            &self.1[start..end],
            &self.2[start..end],
        )
    }
    #[inline(always)]
    fn get(self, i: usize) -> (A, B, C) {
        (self.0[i], self.1[i], self.2[i])
    }
    #[inline(always)]
    fn split_lanes(self) -> (Self::Lanes, usize, Self) {
        let n = self.0.len();
        let m = n / LANES;
        let lanes = (
            lanes_of(self.0, m),
            lanes_of(self.1, m),
            lanes_of(self.2, m),
        );
        (lanes, m, self.range(m * LANES, n))
    }
    #[inline(always)]
    fn lane(lanes: Self::Lanes, j: usize, k: usize) -> (A, B, C) {
        (lanes.0[j][k], lanes.1[j][k], lanes.2[j][k])
    }
}

#[derive(Clone, Copy)]
struct Cols<'a, A, const N: usize>([&'a [A]; N]);

impl<'a, A: Copy, const N: usize> Columns for Cols<'a, A, N> {
    type Sample = [A; N];
    type Lanes = [&'a [[A; LANES]]; N];
    fn checked_len(self) -> Result<usize> {
        let n = self.len();
        for c in self.0.iter().skip(1) {
            same_len(n, c.len())?;
        }
        nonempty(n)
    }
    #[inline(always)]
    fn len(self) -> usize {
        self.0.first().map_or(0, |c| c.len())
    }
    #[inline(always)]
    fn range(self, start: usize, end: usize) -> Self {
        Cols(self.0.map(|c| &c[start..end]))
    }
    #[inline(always)]
    fn get(self, i: usize) -> [A; N] {
        self.0.map(|c| c[i])
    }
    #[inline(always)]
    fn split_lanes(self) -> (Self::Lanes, usize, Self) {
        let n = self.len();
        let m = n / LANES;
        (self.0.map(|c| lanes_of(c, m)), m, self.range(m * LANES, n))
    }
    #[inline(always)]
    fn lane(lanes: Self::Lanes, j: usize, k: usize) -> [A; N] {
        lanes.map(|c| c[j][k])
    }
}
