//! Run-time choice of vector instructions for the runtime's hot loops.
//!
//! The crate is compiled for the baseline target (on x86-64: SSE2, 4 `f32` lanes, no FMA),
//! because users should not need `-C target-cpu=native`. [`dispatch`] runs a loop a second
//! time compiled with AVX2 and FMA when the CPU has them, as `matrixmultiply` does for its
//! kernels: twice the lanes and fused multiply-adds for the small matrix products and the
//! activations of a training step (measured in `benches/w3_train.rs`: BENCHMARKS.md, W3a), and
//! twice the lanes for the batch loops (`benches/w2_batch.rs`: W2).

/// Runs `f(fma)` compiled for AVX2 + FMA if this CPU has them (then `fma` is `true`), else for
/// the baseline target (`fma` is `false`).
///
/// `f` must inline into this function for the wider instructions to apply to its body: keep it
/// a closure that calls `#[inline(always)]` code. `fma` tells it whether `mul_add` is one
/// instruction (it is a slow libm call otherwise); after inlining it is a constant.
#[inline(always)]
pub(crate) fn dispatch<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: `avx2_fma` may use AVX2 and FMA instructions, and the CPU has both
            // (checked just above; the check is cached by `std`).
            return unsafe { avx2_fma(f) };
        }
    }
    f(false)
}

/// `f(true)`, compiled with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn avx2_fma<R>(f: impl FnOnce(bool) -> R) -> R {
    f(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_closure_once_and_returns_its_value() {
        let mut calls = 0;
        let v = dispatch(|_| {
            calls += 1;
            21 * 2
        });
        assert_eq!((v, calls), (42, 1));
    }

    #[test]
    fn says_fma_only_where_the_cpu_has_it() {
        let fma = dispatch(|fma| fma);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            fma,
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        );
        #[cfg(not(target_arch = "x86_64"))]
        assert!(!fma);
    }
}
