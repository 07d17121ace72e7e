//! Batch loops: run a gradient kernel over arrays of samples — parameters fixed, data varying —
//! and return the mean value and the mean gradient.
//!
//! The data are [`Columns`]: one slice of samples, or a tuple of slices of equal length walked
//! together (a sample is then a tuple), or an array of slices (a sample is then an array). A
//! kernel is any `Fn(sample) -> (T, G)` where `G` is a [`Gradient`], typically a closure around
//! a generated `NAME_grad` that fixes the parameters:
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
//! let (loss, g) = autograd_runtime::batch::mean_grad((&xs, &ys), |(x, y)| loss_grad(w, b, x, y))?;
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
//! adds its remainder. Block sums are added to the total in order. `par_mean_grad` (feature
//! `parallel`) computes the same block sums on rayon's threads and add them in the same order,
//! so their results are bit-for-bit those of the serial function, for any number of threads.
//!
//! The loops run a copy compiled for AVX2 where the CPU has it (detected at run time, so no
//! `-C target-cpu=native` is needed): twice SSE2's lanes, the same operations in the same order,
//! so the same bits on every x86-64 CPU.

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{simd, Error, Gradient, Real, Result};

use data::Data;

/// Samples per fixed-width loop body, each with its own accumulator. With 16, LLVM's SLP
/// vectoriser packs the lanes of each field into vectors (`movups` loads, `mulps`/`addps` on
/// four `f32` samples at a time with SSE2, eight with AVX2); with 8 it packed fields of one
/// sample instead, with shuffles, and ran no faster than a plain loop.
///
/// ```
/// use autograd::{batch::{self, BLOCK, LANES}, grad};
/// grad! { fn double(x) { 2.0 * x } }
/// assert!(LANES.is_power_of_two() && BLOCK % LANES == 0);
/// // A batch need not fill the lanes: `LANES + 3` samples are one body and three more.
/// let xs: Vec<f64> = (0..LANES + 3).map(|i| i as f64).collect();
/// let (mean, _) = batch::mean_grad(&xs, double_grad)?;
/// assert_eq!(mean, (LANES + 2) as f64); // the mean of 2i for i < LANES + 3
/// # Ok::<(), autograd::Error>(())
/// ```
pub const LANES: usize = 16;

/// Samples per block: the unit of work of the parallel functions, and the length of the inner
/// sums (partial sums of `BLOCK` samples are then added in order, which bounds rounding error).
///
/// ```
/// use autograd::{batch::{self, BLOCK}, grad};
/// grad! { fn id(x) { x } }
/// // A million `f32` samples: the mean keeps six digits, where one running sum loses two.
/// let xs = vec![0.1_f32; 256 * BLOCK];
/// let (mean, _) = batch::mean_grad(&xs, id_grad)?;
/// assert!((mean - 0.1).abs() < 1e-6, "{mean}");
/// let running = xs.iter().sum::<f32>() / xs.len() as f32;
/// assert!((running - 0.1).abs() > 1e-4, "{running}");
/// # Ok::<(), autograd::Error>(())
/// ```
pub const BLOCK: usize = 4096;

const _: () = assert!(BLOCK.is_multiple_of(LANES) && LANES.is_power_of_two());

/// Mean value and mean gradient of `f` over the samples of `columns`.
///
/// `columns` is one slice (`&[S]`, `&[S; M]` or `&Vec<S>`; a sample is any `Copy` value: a
/// number, an array `[T; N]` for a row, a tuple), a tuple of two to four slices of equal length
/// (`f` takes a tuple of one element of each), or an array of slices (`f` takes an array): see
/// [`Columns`].
///
/// # Errors
/// [`Error::Empty`] if there are no samples, [`Error::LengthMismatch`] if the columns differ in
/// length, [`Error::NonFinite`] with the index of the first sample whose value or gradient is
/// NaN or infinite (from NaN in the data, a division by zero, an overflow). The check costs one
/// comparison per block of [`BLOCK`] samples: a non-finite sample makes its block's sum
/// non-finite, and only then is the block run again to find the sample.
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
/// // One column.
/// let xs = [1.0, 2.0, 3.0, 4.0];
/// let (mean_sq, d) = batch::mean_grad(&xs, |x: f64| (x * x, D(2.0 * x)))?;
/// assert_eq!((mean_sq, d), (7.5, D(5.0)));
///
/// // Two columns: squared error of y ≈ w·x and its derivative in w, for w = 2.
/// let w = 2.0;
/// let f = |(x, y): (f64, f64)| ((w * x - y).powi(2), D(2.0 * (w * x - y) * x));
/// assert_eq!(batch::mean_grad((&[1.0, 2.0], &[1.0, 4.0]), f)?, (0.5, D(1.0)));
/// assert!(batch::mean_grad((&[1.0][..], &[1.0, 2.0][..]), f).is_err());
///
/// // Three columns: a plane z ≈ a·x + y, mean residual and its derivative in a.
/// let (xs, ys, zs) = (vec![1.0, 3.0], vec![0.0, 1.0], vec![1.0, 2.0]);
/// let (r, d) = batch::mean_grad((&xs, &ys, &zs), |(x, y, z)| (x + y - z, D(x)))?;
/// assert_eq!((r, d), (1.0, D(2.0)));
///
/// // Many columns of one type: an array of slices, and the kernel takes an array.
/// let (x1, x2, x3, x4) = ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]);
/// let (s, d) = batch::mean_grad([&x1, &x2, &x3, &x4], |[a, b, c, e]| (a + b + c + e, D(a)))?;
/// assert_eq!((s, d), (18.0, D(1.5)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[inline]
pub fn mean_grad<C, T, G, F>(columns: C, f: F) -> Result<(T, G)>
where
    C: Columns,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    serial(columns.data(), &f)
}

/// [`mean_grad`] split across rayon's threads; the result is bit-for-bit that of
/// [`mean_grad`] whatever the number of threads (see the module docs).
///
/// # Errors
/// As [`mean_grad`], the non-finite check included.
///
/// ```
/// use autograd_runtime::batch;
/// # use autograd_runtime::{Real, Gradient};
/// # #[derive(Clone, Copy, Debug, PartialEq)] struct D(f32);
/// # impl core::ops::Add for D { type Output = D; fn add(self, o: D) -> D { D(self.0 + o.0) } }
/// # impl core::ops::AddAssign for D { fn add_assign(&mut self, o: D) { self.0 += o.0 } }
/// # impl core::ops::Mul<f32> for D { type Output = D; fn mul(self, s: f32) -> D { D(self.0 * s) } }
/// # impl Gradient for D { type Scalar = f32; const LEN: usize = 1; fn zero() -> D { D(0.0) } }
/// let xs: Vec<f32> = (0..100_000).map(|i| i as f32 * 1e-5).collect();
/// let f = |x: f32| (x.sin(), D(x.cos()));
/// assert_eq!(batch::par_mean_grad(&xs, f)?, batch::mean_grad(&xs, f)?);
///
/// let ys: Vec<f32> = xs.iter().map(|x| x - 1.0).collect();
/// let f = |(x, y): (f32, f32)| ((x - y).powi(2), D(2.0 * (x - y)));
/// assert_eq!(batch::par_mean_grad((&xs, &ys), f)?, (1.0, D(2.0)));
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[cfg(feature = "parallel")]
#[inline]
pub fn par_mean_grad<C, T, G, F>(columns: C, f: F) -> Result<(T, G)>
where
    C: Columns,
    C::Data: Send + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(C::Sample) -> (T, G) + Sync,
{
    parallel(columns.data(), &f)
}

/// Sums a block sequence in order and divides by the number of samples.
#[inline]
fn serial<C, T, G, F>(data: C, f: &F) -> Result<(T, G)>
where
    C: Data,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    let n = checked_len(data)?;
    let mut total = (T::zero(), G::zero());
    let mut start = 0;
    while start < n {
        let end = n.min(start + BLOCK);
        let (v, g) = block_sum(data.range(start, end), f);
        check_block(v, g, data.range(start, end), start, f)?;
        total.0 += v;
        total.1 += g;
        start = end;
    }
    check_total(total)?;
    Ok(mean(total, n))
}

/// Errors with the first non-finite sample of a block whose sum `(v, g)` is not finite. A NaN
/// or an infinity in any sample makes the sum non-finite (NaN and ±inf absorb every finite
/// addend; inf + -inf is NaN), so a finite sum needs no further look.
#[inline]
fn check_block<C, T, G, F>(v: T, g: G, block: C, start: usize, f: &F) -> Result<()>
where
    C: Data,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    if v.is_finite() && g.is_finite() {
        return Ok(());
    }
    Err(first_non_finite(block, start, f))
}

/// The error for the first sample of `block` (which starts at sample `start`) whose value or
/// gradient is not finite; if each is finite, the block's sum overflowed.
#[cold]
#[inline(never)]
fn first_non_finite<C, T, G, F>(block: C, start: usize, f: &F) -> Error
where
    C: Data,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    for i in 0..block.len() {
        let (v, g) = f(block.get(i));
        let what = if !v.is_finite() {
            "value"
        } else if !g.is_finite() {
            "gradient"
        } else {
            continue;
        };
        return Error::NonFinite {
            what,
            sample: start + i,
        };
    }
    Error::NonFinite {
        what: "sum of the block (every sample is finite; the sum overflows) that starts",
        sample: start,
    }
}

/// Errors if the sum of the (finite) block sums overflowed.
#[inline]
fn check_total<T: Real, G: Gradient<Scalar = T>>((v, g): (T, G)) -> Result<()> {
    if v.is_finite() && g.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            what: "sum over all samples (every block is finite; the sum overflows) from",
            sample: 0,
        })
    }
}

/// The same block sums as [`serial`], computed in parallel, then added in the same order.
#[cfg(feature = "parallel")]
#[inline]
fn parallel<C, T, G, F>(data: C, f: &F) -> Result<(T, G)>
where
    C: Data + Send + Sync,
    T: Real,
    G: Gradient<Scalar = T> + Send,
    F: Fn(C::Sample) -> (T, G) + Sync,
{
    let n = checked_len(data)?;
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
    for (b, (v, g)) in blocks.into_iter().enumerate() {
        let start = b * BLOCK;
        check_block(v, g, data.range(start, n.min(start + BLOCK)), start, f)?;
        total.0 += v;
        total.1 += g;
    }
    check_total(total)?;
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
    C: Data,
    T: Real,
    G: Gradient<Scalar = T>,
    F: Fn(C::Sample) -> (T, G),
{
    simd::dispatch(
        #[inline(always)]
        |_| {
            let (lanes, chunks, rest) = split_lanes(data);
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

/// Data [`mean_grad`] and `par_mean_grad` walk sample by sample: a slice, a tuple of slices
/// of equal length, or an array of them.
///
/// Sealed: implemented for `&[A]`, `&[A; M]` and `&Vec<A>` (a sample is an `A`), for tuples of
/// two to four of those (a sample is a tuple), and for arrays `[X; N]` of one of those (a
/// sample is an array `[A; N]`). The element types need only be `Copy`.
///
/// ```
/// use autograd_runtime::batch::Columns;
/// fn sample_of<C: Columns>(_: C) -> &'static str { std::any::type_name::<C::Sample>() }
/// let (x, y) = (vec![1.0_f32, 2.0], [0_u8, 1]);
/// assert_eq!(sample_of(&x), "f32");
/// assert_eq!(sample_of((&x, &y)), "(f32, u8)");
/// assert_eq!(sample_of([&x, &x, &x]), "[f32; 3]");
/// ```
pub trait Columns: sealed::Sealed {
    /// One sample: an element of each column.
    ///
    /// ```
    /// use autograd::batch::Columns;
    /// fn sample_of<C: Columns>(_: C) -> &'static str { std::any::type_name::<C::Sample>() }
    /// let (xs, labels) = ([0.5_f64, 1.5], vec![0_u8, 1]);
    /// assert_eq!(sample_of(&xs), "f64");
    /// assert_eq!(sample_of((&xs, &labels)), "(f64, u8)");
    /// assert_eq!(sample_of(&[[1.0_f32, 2.0], [3.0, 4.0]]), "[f32; 2]"); // rows of two
    /// ```
    type Sample: Copy;
    /// The columns as plain slices.
    #[doc(hidden)]
    type Data: data::Data<Sample = Self::Sample>;
    /// The columns as plain slices.
    #[doc(hidden)]
    fn data(self) -> Self::Data;
}

mod sealed {
    /// Seals [`Columns`](super::Columns): public in a private module, so only this file
    /// implements it.
    pub trait Sealed {}
}

/// One column alone: a sample is an element.
impl<X: data::Column> sealed::Sealed for X {}
impl<X: data::Column> Columns for X {
    type Sample = X::Item;
    type Data = X::Slice;
    #[inline(always)]
    fn data(self) -> Self::Data {
        self.slice()
    }
}

/// Tuples of columns: a sample is a tuple.
macro_rules! tuple_columns {
    ($($x:ident),+) => {
        impl<$($x: data::Column),+> sealed::Sealed for ($($x,)+) {}
        impl<$($x: data::Column),+> Columns for ($($x,)+) {
            type Sample = ($($x::Item,)+);
            type Data = ($($x::Slice,)+);
            #[inline(always)]
            #[allow(non_snake_case)]
            fn data(self) -> Self::Data {
                let ($($x,)+) = self;
                ($($x.slice(),)+)
            }
        }
    };
}
tuple_columns!(X, Y);
tuple_columns!(X, Y, Z);
tuple_columns!(X, Y, Z, W);

/// Arrays of columns: a sample is an array.
impl<X: data::Column, const N: usize> sealed::Sealed for [X; N] {}
impl<X: data::Column, const N: usize> Columns for [X; N] {
    type Sample = [X::Item; N];
    type Data = [X::Slice; N];
    #[inline(always)]
    fn data(self) -> Self::Data {
        self.map(|c| c.slice())
    }
}

/// The common length of `data`'s columns; errors if empty or if they differ in length.
fn checked_len<D: data::Data>(data: D) -> Result<usize> {
    let n = data.len();
    data.check_len(n)?;
    if n == 0 {
        Err(Error::Empty { what: "batch" })
    } else {
        Ok(n)
    }
}

/// The lane arrays of `data`, their number, and the samples left over.
#[inline(always)]
fn split_lanes<D: data::Data>(data: D) -> (D::Lanes, usize, D) {
    let n = data.len();
    let m = n / LANES;
    (data.lanes(m), m, data.range(m * LANES, n))
}

/// What the loops see: slices and tuples and arrays of slices, cut into blocks and into arrays
/// of [`LANES`] samples. Public in a private module, so only this file can name it.
mod data {
    use super::{Error, Result, LANES};

    /// One column, as a user passes it: `&[A]`, `&[A; M]` or `&Vec<A>`.
    pub trait Column {
        /// An element.
        type Item: Copy;
        /// The column as a plain slice.
        type Slice: Data<Sample = Self::Item>;
        /// The column as a plain slice.
        fn slice(self) -> Self::Slice;
    }

    impl<'a, A: Copy> Column for &'a [A] {
        type Item = A;
        type Slice = Slice<'a, A>;
        #[inline(always)]
        fn slice(self) -> Slice<'a, A> {
            Slice(self)
        }
    }

    impl<'a, A: Copy, const M: usize> Column for &'a [A; M] {
        type Item = A;
        type Slice = Slice<'a, A>;
        #[inline(always)]
        fn slice(self) -> Slice<'a, A> {
            Slice(self)
        }
    }

    impl<'a, A: Copy> Column for &'a Vec<A> {
        type Item = A;
        type Slice = Slice<'a, A>;
        #[inline(always)]
        fn slice(self) -> Slice<'a, A> {
            Slice(self)
        }
    }

    /// Parallel arrays of samples, seen as one sequence of samples.
    pub trait Data: Copy {
        /// One sample: one element of each column.
        type Sample: Copy;
        /// The columns cut into arrays of `LANES` samples, all of the same length.
        type Lanes: Copy;
        /// The length of the first column.
        fn len(self) -> usize;
        /// Errors unless every column has length `n`.
        fn check_len(self, n: usize) -> Result<()>;
        /// Samples `start..end`.
        fn range(self, start: usize, end: usize) -> Self;
        /// Sample `i`.
        fn get(self, i: usize) -> Self::Sample;
        /// The first `m` lane arrays.
        fn lanes(self, m: usize) -> Self::Lanes;
        /// Sample `k` of lane array `j`.
        fn lane(lanes: Self::Lanes, j: usize, k: usize) -> Self::Sample;
    }

    /// One column.
    #[derive(Clone, Copy)]
    pub struct Slice<'a, A>(&'a [A]);

    impl<'a, A: Copy> Data for Slice<'a, A> {
        type Sample = A;
        type Lanes = &'a [[A; LANES]];
        #[inline(always)]
        fn len(self) -> usize {
            self.0.len()
        }
        fn check_len(self, n: usize) -> Result<()> {
            if self.0.len() == n {
                Ok(())
            } else {
                Err(Error::LengthMismatch {
                    what: "batch inputs",
                    left: n,
                    right: self.0.len(),
                })
            }
        }
        #[inline(always)]
        fn range(self, start: usize, end: usize) -> Self {
            Slice(&self.0[start..end])
        }
        #[inline(always)]
        fn get(self, i: usize) -> A {
            self.0[i]
        }
        /// `as_chunks()` cut to exactly `m` arrays, so that indexing below `m` needs no check.
        #[inline(always)]
        fn lanes(self, m: usize) -> Self::Lanes {
            &self.0.as_chunks::<LANES>().0[..m]
        }
        #[inline(always)]
        fn lane(lanes: Self::Lanes, j: usize, k: usize) -> A {
            lanes[j][k]
        }
    }

    /// Tuples of data, walked together: the length is the first one's.
    macro_rules! tuple_data {
        ($first:ident $(, $x:ident)*) => {
            #[allow(non_snake_case)]
            impl<$first: Data $(, $x: Data)*> Data for ($first, $($x,)*) {
                type Sample = ($first::Sample, $($x::Sample,)*);
                type Lanes = ($first::Lanes, $($x::Lanes,)*);
                #[inline(always)]
                fn len(self) -> usize {
                    self.0.len()
                }
                fn check_len(self, n: usize) -> Result<()> {
                    let ($first, $($x,)*) = self;
                    $first.check_len(n)?;
                    $($x.check_len(n)?;)*
                    Ok(())
                }
                #[inline(always)]
                fn range(self, start: usize, end: usize) -> Self {
                    let ($first, $($x,)*) = self;
                    ($first.range(start, end), $($x.range(start, end),)*)
                }
                #[inline(always)]
                fn get(self, i: usize) -> Self::Sample {
                    let ($first, $($x,)*) = self;
                    ($first.get(i), $($x.get(i),)*)
                }
                #[inline(always)]
                fn lanes(self, m: usize) -> Self::Lanes {
                    let ($first, $($x,)*) = self;
                    ($first.lanes(m), $($x.lanes(m),)*)
                }
                #[inline(always)]
                fn lane(lanes: Self::Lanes, j: usize, k: usize) -> Self::Sample {
                    let ($first, $($x,)*) = lanes;
                    ($first::lane($first, j, k), $($x::lane($x, j, k),)*)
                }
            }
        };
    }
    tuple_data!(P, Q);
    tuple_data!(P, Q, R);
    tuple_data!(P, Q, R, S);

    /// Arrays of data of one type, walked together: the length is the first one's (0 if none).
    impl<P: Data, const N: usize> Data for [P; N] {
        type Sample = [P::Sample; N];
        type Lanes = [P::Lanes; N];
        #[inline(always)]
        fn len(self) -> usize {
            self.first().map_or(0, |c| c.len())
        }
        fn check_len(self, n: usize) -> Result<()> {
            self.iter().try_for_each(|c| c.check_len(n))
        }
        #[inline(always)]
        fn range(self, start: usize, end: usize) -> Self {
            self.map(|c| c.range(start, end))
        }
        #[inline(always)]
        fn get(self, i: usize) -> Self::Sample {
            self.map(|c| c.get(i))
        }
        #[inline(always)]
        fn lanes(self, m: usize) -> Self::Lanes {
            self.map(|c| c.lanes(m))
        }
        #[inline(always)]
        fn lane(lanes: Self::Lanes, j: usize, k: usize) -> Self::Sample {
            lanes.map(|c| P::lane(c, j, k))
        }
    }
}
