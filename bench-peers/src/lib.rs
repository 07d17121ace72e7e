//! The peer contenders of issue 4's benchmarks: W1 on num-dual, on the `reverse` tape and with
//! symdiff (`w1_gen.rs`, written by `bench/gen_w1.py`), and W3 on candle and burn.

#![allow(clippy::all)]

pub mod w1_gen;
pub mod w3_candle;
#[cfg(feature = "burn")]
pub mod w3_burn;

use nalgebra::{Const, SVector, U1};
use num_dual::{Derivative, DualSVec64};

/// Seeds vector duals at `p` (the i-th with the i-th unit vector), runs `f`, and returns the value
/// and the gradient: one forward pass.
#[inline(always)]
pub fn dual_grad<const N: usize>(
    f: impl Fn(&[DualSVec64<N>; N]) -> DualSVec64<N>,
    p: &[f64; N],
) -> (f64, [f64; N]) {
    let x: [DualSVec64<N>; N] = core::array::from_fn(|i| {
        DualSVec64::new(p[i], Derivative::derivative_generic(Const::<N>, U1, i))
    });
    let r = f(&x);
    let g: SVector<f64, N> = r.eps.unwrap_generic(Const::<N>, U1);
    (r.re, g.into())
}

/// Runs `f` on a tape that is cleared and reused between calls, and returns the value and the
/// gradient with respect to the inputs.
#[inline(always)]
pub fn reverse_grad<const N: usize>(
    tape: &reverse::Tape,
    f: impl for<'a> Fn(&[reverse::Var<'a>; N]) -> reverse::Var<'a>,
    p: &[f64; N],
) -> (f64, [f64; N]) {
    tape.clear();
    let x: [reverse::Var<'_>; N] = core::array::from_fn(|i| tape.add_var(p[i]));
    let r = f(&x);
    let d = r.grad();
    // Inputs were added first, so input i is node i of the tape.
    (r.val, core::array::from_fn(|i| d[i]))
}

macro_rules! gemm_crate_fn {
    ($name:ident, $t:ty) => {
        /// `c = a·b + beta·c` with the `gemm` crate (candle's GEMM), one thread: the
        /// hand-written W3 step's products, to choose the GEMM by measurement.
        #[allow(clippy::too_many_arguments)]
        pub fn $name(
            m: usize,
            k: usize,
            n: usize,
            a: &[$t],
            (rsa, csa): (usize, usize),
            b: &[$t],
            (rsb, csb): (usize, usize),
            beta: $t,
            c: &mut [$t],
        ) {
            let last = |r: usize, c: usize, rs: usize, cs: usize| (r - 1) * rs + (c - 1) * cs;
            assert!(last(m, k, rsa, csa) < a.len() && last(k, n, rsb, csb) < b.len());
            assert_eq!(c.len(), m * n);
            // SAFETY: the asserts keep every element the product touches in bounds; C is a
            // `&mut` slice, so it aliases neither A nor B. gemm computes
            // dst = alpha·dst + beta·lhs·rhs.
            unsafe {
                gemm::gemm(
                    m,
                    n,
                    k,
                    c.as_mut_ptr(),
                    1,
                    n as isize,
                    beta != 0.0,
                    a.as_ptr(),
                    csa as isize,
                    rsa as isize,
                    b.as_ptr(),
                    csb as isize,
                    rsb as isize,
                    beta,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                )
            }
        }
    };
}
gemm_crate_fn!(gemm_f32, f32);
gemm_crate_fn!(gemm_f64, f64);
