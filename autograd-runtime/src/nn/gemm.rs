//! Matrix products for the layers: `C = A·B + β C` on strided views, through `matrixmultiply`
//! for large products and a direct loop for small ones.
//!
//! Why two paths: `matrixmultiply` packs its operands into a buffer it allocates on every call,
//! which breaks the promise that a training step allocates nothing. Products of at most
//! [`SMALL`] multiply-adds take the direct loop, which allocates nothing after its first call.
//! The price is speed: `matrixmultiply` picks AVX/FMA kernels at run time, and the direct loop
//! (compiled for the baseline target) was 2–5× slower on products of 8k–64k multiply-adds
//! when measured (forward and backward of a 16 → 16 layer over 256 rows: ~80 µs against
//! ~25 µs, on a shared 2-core VM). Lowering [`SMALL`] trades the allocation-free guarantee for
//! that speed.
//!
//! This file holds the runtime's only `unsafe` block: `matrixmultiply`'s raw-pointer entry
//! points, called after checking that every index the product touches is inside its slice.

use std::cell::RefCell;

use crate::Real;

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

/// A [`Real`] that `matrixmultiply` can multiply: `f32` and `f64`.
pub trait Gemm: Real + sealed::Sealed {
    /// `c = a·b + beta·c` through `matrixmultiply`, `c` row-major. Use the layers instead.
    #[doc(hidden)]
    fn matrixmultiply(
        mkn: (usize, usize, usize),
        a: &[Self],
        a_strides: (usize, usize),
        b: &[Self],
        b_strides: (usize, usize),
        beta: Self,
        c: &mut [Self],
    );

    /// Runs `f` with this thread's scratch buffer for the small-product loop. It only grows,
    /// so after the first product of a given size nothing is allocated.
    #[doc(hidden)]
    fn with_scratch<R>(f: impl FnOnce(&mut Vec<Self>) -> R) -> R;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

thread_local! {
    static SCRATCH_F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

macro_rules! impl_gemm {
    ($t:ty, $f:path, $scratch:ident) => {
        impl Gemm for $t {
            fn with_scratch<R>(f: impl FnOnce(&mut Vec<$t>) -> R) -> R {
                $scratch.with(|s| f(&mut s.borrow_mut()))
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
                let va = View {
                    data: a,
                    rows: m,
                    cols: k,
                    rs: rsa,
                    cs: csa,
                };
                let vb = View {
                    data: b,
                    rows: k,
                    cols: n,
                    rs: rsb,
                    cs: csb,
                };
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

impl_gemm!(f32, matrixmultiply::sgemm, SCRATCH_F32);
impl_gemm!(f64, matrixmultiply::dgemm, SCRATCH_F64);

/// `c = a·b + beta·c`, `c` row-major `a.rows × b.cols`: the direct loop for small products,
/// `matrixmultiply` for the others. With `beta = 0`, `c` is overwritten (NaN in it is ignored).
///
/// # Panics
/// If the shapes do not agree or a view reaches past its slice.
pub(crate) fn gemm<T: Gemm>(a: View<'_, T>, b: View<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = check(&a, &b, c);
    if m * k * n <= SMALL {
        direct(a, b, beta, c);
    } else {
        T::matrixmultiply(
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

/// The small-product loop, allocation-free after its first call: register blocks of C
/// ([`tiled`]) fed by contiguous rows of B. The forward product `x Wᵀ` reads B = Wᵀ by
/// columns, so there B is first copied, transposed, into a per-thread scratch buffer (`n·k`
/// copies for `m·n·k` multiply-adds).
fn direct<T: Gemm>(a: View<'_, T>, b: View<'_, T>, beta: T, c: &mut [T]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if n == 0 {
        return;
    }
    if beta == T::zero() {
        // β = 0 overwrites, as BLAS does: C may hold NaN from before.
        c.fill(T::zero());
    } else if beta != T::one() {
        c.iter_mut().for_each(|x| *x *= beta);
    }
    if k == 0 || m == 0 {
        return;
    }
    if b.cs == 1 && b.rs >= n {
        tiled(a, b.data, b.rs, n, c);
    } else {
        T::with_scratch(|scratch| {
            scratch.clear();
            for p in 0..k {
                scratch.extend((0..n).map(|j| b.data[p * b.rs + j * b.cs]));
            }
            tiled(a, scratch, n, n, c);
        });
    }
}

/// Rows and columns of the block of C that [`tiled`] keeps in registers.
const MR: usize = 4;
const NR: usize = 8;

/// `C += A·B` with C row-major (`n` wide) and B's row `p` at `b[p * rs..][..n]`, `n ≤ rs`.
///
/// Blocks of `MR × NR` elements of C are summed in local accumulators over the whole inner
/// dimension, then added to C once: per step of `p`, one row of `NR` values of B and `MR`
/// values of A feed `MR · NR` multiply-adds, which LLVM turns into vector operations on
/// registers. The strips of C that do not fill a block are plain row axpys.
fn tiled<T: Real>(a: View<'_, T>, b: &[T], rs: usize, n: usize, c: &mut [T]) {
    let (m, k) = (a.rows, a.cols);
    let (m_full, n_full) = (m / MR * MR, n / NR * NR);
    for i in (0..m_full).step_by(MR) {
        for j in (0..n_full).step_by(NR) {
            let mut acc = [[T::zero(); NR]; MR];
            for p in 0..k {
                let brow = b[p * rs + j..]
                    .first_chunk::<NR>()
                    .expect("B row in bounds");
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    let av = a.data[(i + r) * a.rs + p * a.cs];
                    for (x, &bv) in acc_r.iter_mut().zip(brow) {
                        *x += av * bv;
                    }
                }
            }
            for (r, acc_r) in acc.iter().enumerate() {
                let crow = &mut c[(i + r) * n + j..][..NR];
                for (x, &s) in crow.iter_mut().zip(acc_r) {
                    *x += s;
                }
            }
        }
    }
    let mut strip = |rows: core::ops::Range<usize>, cols: core::ops::Range<usize>| {
        if cols.is_empty() {
            return;
        }
        for i in rows {
            let crow = &mut c[i * n + cols.start..i * n + cols.end];
            for p in 0..k {
                let aip = a.data[i * a.rs + p * a.cs];
                let brow = &b[p * rs + cols.start..][..cols.len()];
                for (x, &bv) in crow.iter_mut().zip(brow) {
                    *x += aip * bv;
                }
            }
        }
    };
    strip(0..m, n_full..n);
    strip(m_full..m, 0..n_full);
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
