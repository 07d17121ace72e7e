//! Matrix products for the layers: `C = A·B + β C` on strided views, by one of three paths.
//!
//! - Products of at most [`SMALL`] multiply-adds take a direct loop that packs into a
//!   per-thread scratch buffer, and so allocates nothing after its first call, and runs AVX2 +
//!   FMA code when the CPU has them (`simd::dispatch`). On the 2 → 16 → 16 → 1 network of W3a
//!   (BENCHMARKS.md) that made the training step 2× faster than the first direct loop (64 →
//!   32 µs), about as fast as the same step with `matrixmultiply` for every product.
//! - Larger `f32` products on a CPU with AVX-512F take our own packed kernel
//!   (`gemm_avx512.rs`), also on the scratch buffer: 2.3× `matrixmultiply` on the forward
//!   product of W3b's first layer, whose operands `matrixmultiply` packs by strided gathers.
//! - The others go through `matrixmultiply`, which allocates its packing buffer on every call.
//!
//! `matrixmultiply`'s raw-pointer entry points are called after checking that every index the
//! product touches is inside its slice.

use std::cell::RefCell;

use crate::{simd, Real, Scalar};

/// Products with at most this many multiply-adds (`m·k·n`) take the direct loop.
pub const SMALL: usize = 1 << 16;

/// A matrix view: `rows × cols`, element `(i, j)` at `data[i * rs + j * cs]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T> View<'a, T> {
    /// A row-major `rows × cols` matrix.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        View {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// A `rows × cols` matrix with element `(i, j)` at `data[i * rs + j * cs]`.
    pub fn strided(data: &'a [T], rows: usize, cols: usize, (rs, cs): (usize, usize)) -> Self {
        View {
            data,
            rows,
            cols,
            rs,
            cs,
        }
    }

    /// The transpose, without moving data.
    pub fn t(self) -> Self {
        View {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// Panics unless every element the view addresses lies in `data`.
    fn check(&self, what: &str) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.rs + (self.cols - 1) * self.cs;
            assert!(
                last < self.data.len(),
                "gemm: {what} view {}x{} (strides {}, {}) needs {} elements, has {}",
                self.rows,
                self.cols,
                self.rs,
                self.cs,
                last + 1,
                self.data.len()
            );
        }
    }
}

thread_local! {
    static SCRATCH_F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

macro_rules! impl_gemm {
    ($t:ty, $f:path, $scratch:ident, $own:expr) => {
        impl Scalar for $t {
            fn with_scratch<R>(f: impl FnOnce(&mut Vec<$t>) -> R) -> R {
                $scratch.with(|s| f(&mut s.borrow_mut()))
            }

            fn large(
                (m, k, n): (usize, usize, usize),
                a: &[$t],
                (rsa, csa): (usize, usize),
                b: &[$t],
                (rsb, csb): (usize, usize),
                beta: $t,
                c: &mut [$t],
            ) {
                let own: Option<OwnLarge<$t>> = $own;
                match own {
                    Some(own) => {
                        let (va, vb) = (
                            View::strided(a, m, k, (rsa, csa)),
                            View::strided(b, k, n, (rsb, csb)),
                        );
                        check(&va, &vb, c);
                        $scratch.with(|s| own(va, vb, beta, c, &mut s.borrow_mut()))
                    }
                    None => Self::matrixmultiply((m, k, n), a, (rsa, csa), b, (rsb, csb), beta, c),
                }
            }

            fn matrixmultiply(
                (m, k, n): (usize, usize, usize),
                a: &[$t],
                (rsa, csa): (usize, usize),
                b: &[$t],
                (rsb, csb): (usize, usize),
                beta: $t,
                c: &mut [$t],
            ) {
                let (va, vb) = (
                    View::strided(a, m, k, (rsa, csa)),
                    View::strided(b, k, n, (rsb, csb)),
                );
                check(&va, &vb, c);
                let s = |x: usize| isize::try_from(x).expect("gemm: stride overflows isize");
                // SAFETY: `check` proved that every element of A, B and C that a product of these
                // shapes and strides addresses is inside its slice; C is row-major (distinct
                // indices for distinct elements) and a `&mut` slice, so it aliases neither A nor B.
                unsafe {
                    $f(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        s(rsa),
                        s(csa),
                        b.as_ptr(),
                        s(rsb),
                        s(csb),
                        beta,
                        c.as_mut_ptr(),
                        s(n),
                        1,
                    )
                }
            }
        }
    };
}

/// A large-product path of our own, run on this thread's scratch buffer.
type OwnLarge<T> = fn(View<'_, T>, View<'_, T>, T, &mut [T], &mut Vec<T>);

/// For `f32` on x86-64 with AVX-512F: [`gemm_avx512::sgemm`](super::gemm_avx512).
fn own_f32() -> Option<OwnLarge<f32>> {
    #[cfg(target_arch = "x86_64")]
    if super::gemm_avx512::available() {
        return Some(super::gemm_avx512::sgemm);
    }
    None
}

impl_gemm!(f32, matrixmultiply::sgemm, SCRATCH_F32, own_f32());
impl_gemm!(f64, matrixmultiply::dgemm, SCRATCH_F64, None);

/// `c = a·b + beta·c`, `c` row-major `a.rows × b.cols`: the direct loop for small products,
/// [`Scalar::large`] for the others. With `beta = 0`, `c` is overwritten (NaN in it is ignored).
///
/// # Panics
/// If the shapes do not agree or a view reaches past its slice.
pub(crate) fn gemm<T: Scalar>(a: View<'_, T>, b: View<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = check(&a, &b, c);
    if m * k * n <= SMALL {
        direct(a, b, beta, c);
    } else {
        T::large(
            (m, k, n),
            a.data,
            (a.rs, a.cs),
            b.data,
            (b.rs, b.cs),
            beta,
            c,
        );
    }
}

/// Checks the shapes and bounds of `c = a·b` and returns `(m, k, n)`.
fn check<T>(a: &View<'_, T>, b: &View<'_, T>, c: &[T]) -> (usize, usize, usize) {
    assert_eq!(a.cols, b.rows, "gemm: inner dimensions differ");
    a.check("A");
    b.check("B");
    let (m, n) = (a.rows, b.cols);
    assert_eq!(c.len(), m * n, "gemm: C has the wrong length");
    (m, a.cols, n)
}

/// The small-product loop, allocation-free after its first call of a given size: both
/// operands are copied into a per-thread scratch buffer as panels padded with zeros
/// ([`pack`]), so [`kernel`] runs on full `MR × NR` blocks of C with
/// contiguous loads whatever the shapes and strides (`n = 1` and `k = 2` occur in small
/// networks). Compiled for AVX2 + FMA when the CPU has them ([`simd::dispatch`]).
fn direct<T: Scalar>(a: View<'_, T>, b: View<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if beta == T::zero() {
        // β = 0 overwrites, as BLAS does: C may hold NaN from before.
        c.fill(T::zero());
    } else if beta != T::one() {
        c.iter_mut().for_each(|x| *x *= beta);
    }
    if k == 0 || m == 0 || n == 0 {
        return;
    }
    let a_len = m.div_ceil(MR) * MR * k;
    let b_len = n.div_ceil(NR) * NR * k;
    T::with_scratch(|scratch| {
        // Only grows; the packing writes every element it then reads.
        if scratch.len() < a_len + b_len {
            scratch.resize(a_len + b_len, T::zero());
        }
        let (pa, rest) = scratch.split_at_mut(a_len);
        let pb = &mut rest[..b_len];
        simd::dispatch(
            #[inline(always)]
            |fma| {
                pack::<T, MR>(a, pa);
                pack::<T, NR>(b.t(), pb);
                blocks(pa, pb, k, (m, n), c, fma);
            },
        );
    });
}

/// Rows and columns of the block of C that [`kernel`] keeps in registers: `MR` broadcasts of
/// A times one row of `NR` values of B per step (one AVX2 register of `f32`, two of `f64`).
const MR: usize = 4;
const NR: usize = 8;

/// `v` (`rows × k`) as panels of `W` rows, each stored by columns (`W` values per step of the
/// inner dimension); rows past the last are zero. Every element of `out` is written.
///
/// A is packed as it is (`W = MR`), B as Bᵀ (`W = NR`): a panel of Bᵀ stored by columns is a
/// panel of `NR` columns of B stored by rows, what [`kernel`] reads.
#[inline(always)]
fn pack<T: Real, const W: usize>(v: View<'_, T>, out: &mut [T]) {
    let k = v.cols;
    for (panel, i0) in out.chunks_exact_mut(W * k).zip((0..v.rows).step_by(W)) {
        let (cols, _) = panel.as_chunks_mut::<W>();
        if i0 + W <= v.rows && v.cs == 1 {
            // Rows contiguous (A = x, or B = Wᵀ): a transpose of W rows.
            let rows: [&[T]; W] = core::array::from_fn(|r| &v.data[(i0 + r) * v.rs..][..k]);
            for (p, col) in cols.iter_mut().enumerate() {
                *col = core::array::from_fn(|r| rows[r][p]);
            }
        } else if i0 + W <= v.rows && v.rs == 1 {
            // Columns contiguous (A = dzᵀ, or B = a layer input): W values per step.
            for (p, col) in cols.iter_mut().enumerate() {
                col.copy_from_slice(&v.data[p * v.cs + i0..][..W]);
            }
        } else {
            for (p, col) in cols.iter_mut().enumerate() {
                *col = core::array::from_fn(|r| {
                    let i = i0 + r;
                    if i < v.rows {
                        v.data[i * v.rs + p * v.cs]
                    } else {
                        T::zero()
                    }
                });
            }
        }
    }
}

/// `C += A·B` from the packed panels, C row-major `m × n`.
#[inline(always)]
fn blocks<T: Real>(pa: &[T], pb: &[T], k: usize, (m, n): (usize, usize), c: &mut [T], fma: bool) {
    for (a_panel, i0) in pa.chunks_exact(MR * k).zip((0..m).step_by(MR)) {
        for (b_panel, j0) in pb.chunks_exact(NR * k).zip((0..n).step_by(NR)) {
            let acc = kernel(a_panel, b_panel, fma);
            for (acc_r, i) in acc.iter().zip(i0..m) {
                let c_row = &mut c[i * n..(i + 1) * n];
                for (x, &s) in c_row[j0..].iter_mut().zip(acc_r) {
                    *x += s;
                }
            }
        }
    }
}

/// One `MR × NR` block of A·B summed over the whole inner dimension in registers.
#[inline(always)]
fn kernel<T: Real>(a_panel: &[T], b_panel: &[T], fma: bool) -> [[T; NR]; MR] {
    let mut acc = [[T::zero(); NR]; MR];
    let (a_cols, _) = a_panel.as_chunks::<MR>();
    let (b_rows, _) = b_panel.as_chunks::<NR>();
    for (a_col, b_row) in a_cols.iter().zip(b_rows) {
        for (acc_r, &av) in acc.iter_mut().zip(a_col) {
            for (x, &bv) in acc_r.iter_mut().zip(b_row) {
                // One instruction with FMA; without it `mul_add` would be a libm call.
                *x = if fma {
                    av.mul_add(bv, *x)
                } else {
                    *x + av * bv
                };
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Naive triple loop in f64, the reference.
    fn naive(a: View<'_, f64>, b: View<'_, f64>, beta: f64, c0: &[f64]) -> Vec<f64> {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = beta * c0[i * n + j];
                for p in 0..k {
                    s += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    fn values(n: usize, seed: f64) -> Vec<f64> {
        (0..n).map(|i| ((i as f64 + seed) * 0.731).sin()).collect()
    }

    /// Every layout the layers use (A, Aᵀ, B, Bᵀ), both paths (small and `matrixmultiply`),
    /// β ∈ {0, 1, 0.5}, against the naive loop.
    #[test]
    fn both_paths_and_all_layouts_match_the_naive_product() {
        for (m, k, n) in [
            (3, 4, 5),
            (1, 1, 1),
            (7, 2, 16),
            (0, 3, 4),
            (3, 0, 4),
            (13, 5, 19),
            (9, 17, 8),
            (21, 6, 3),
            (70, 65, 66),
            (130, 40, 60),
        ] {
            let big = m * k * n > SMALL;
            let a_rm = values(m * k, 1.0);
            let b_rm = values(k * n, 2.0);
            let a_t = values(k * m, 3.0);
            let b_t = values(n * k, 4.0);
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = if ta {
                    View::new(&a_t, k, m).t()
                } else {
                    View::new(&a_rm, m, k)
                };
                let b = if tb {
                    View::new(&b_t, n, k).t()
                } else {
                    View::new(&b_rm, k, n)
                };
                for beta in [0.0, 1.0, 0.5] {
                    let c0 = values(m * n, 5.0);
                    let want = naive(a, b, beta, &c0);
                    let mut c = c0.clone();
                    gemm(a, b, beta, &mut c);
                    for (x, y) in c.iter().zip(&want) {
                        assert!(
                            (x - y).abs() <= 1e-12 * k as f64,
                            "{m}x{k}x{n} {ta} {tb} {beta} {big}"
                        );
                    }
                    let a32: Vec<f32> = a.data.iter().map(|&x| x as f32).collect();
                    let b32: Vec<f32> = b.data.iter().map(|&x| x as f32).collect();
                    let mut c32: Vec<f32> = c0.iter().map(|&x| x as f32).collect();
                    gemm(like(&a32, a), like(&b32, b), beta as f32, &mut c32);
                    for (x, y) in c32.iter().zip(&want) {
                        // f32 rounding of the inputs (including C's) and of each of k products.
                        let tol = 1e-5 * (k as f64 + 1.0);
                        assert!((*x as f64 - y).abs() <= tol, "f32 {m}x{k}x{n}");
                    }
                }
            }
        }
    }

    /// The kernel both ways, whatever this CPU has: the baseline one (`fma = false`) and the
    /// fused one; the packing starts from NaN, so an element it failed to write would show.
    #[test]
    fn packed_kernel_with_and_without_fma_matches_the_naive_product() {
        let (m, k, n) = (9, 5, 11);
        let (a, b) = (values(m * k, 1.0), values(k * n, 2.0));
        let (va, vb) = (View::new(&a, m, k), View::new(&b, k, n));
        let want = naive(va, vb, 0.0, &vec![0.0; m * n]);
        for fma in [false, true] {
            let mut pa = vec![f64::NAN; m.div_ceil(MR) * MR * k];
            let mut pb = vec![f64::NAN; n.div_ceil(NR) * NR * k];
            pack::<f64, MR>(va, &mut pa);
            pack::<f64, NR>(vb.t(), &mut pb);
            let mut c = vec![0.0; m * n];
            blocks(&pa, &pb, k, (m, n), &mut c, fma);
            for (x, y) in c.iter().zip(&want) {
                assert!((x - y).abs() <= 1e-12 * k as f64, "fma {fma}: {x} vs {y}");
            }
        }
    }

    /// `data` with the shape and strides of `v`.
    fn like<'a, T, U>(data: &'a [T], v: View<'_, U>) -> View<'a, T> {
        View {
            data,
            rows: v.rows,
            cols: v.cols,
            rs: v.rs,
            cs: v.cs,
        }
    }

    #[test]
    #[should_panic(expected = "needs")]
    fn a_view_past_its_data_panics() {
        let a = [1.0_f64; 5];
        let b = [1.0_f64; 6];
        let mut c = [0.0_f64; 4];
        gemm(View::new(&a, 2, 3), View::new(&b, 3, 2), 0.0, &mut c);
    }

    #[test]
    fn beta_zero_overwrites_nan() {
        let a = [1.0_f64; 4];
        let mut c = [f64::NAN; 4];
        gemm(View::new(&a, 2, 2), View::new(&a, 2, 2), 0.0, &mut c);
        assert_eq!(c, [2.0; 4]);
    }
}
