//! The one `tanh` of the runtime per precision: [`Real::tanh_fast`](crate::Real::tanh_fast),
//! which `grad!` calls for `x.tanh()` and the layers apply to whole buffers
//! ([`nn::kernels::tanh`](crate::nn::kernels::tanh)).
//!
//! - `f64` ([`tanh_f64`]): a rational function below 0.7 ([`small`]) and `1 - 2/(e^2|x| + 1)`
//!   above ([`from_exp`]), chosen by a branch; the large one calls libm's `exp`. glibc's `tanh`
//!   goes through `expm1` and costs about as much as two `exp` calls; this is about twice as
//!   fast and more accurate (within 1.2 ulp of the true value against glibc's 1.9; the tests
//!   below check it against a 128-bit reference).
//! - `f32` ([`tanh_f32`]): `(e^2|x| - 1) / (e^2|x| + 1)` in `f32`, with `e^2|x| - 1` from the
//!   polynomial `exp` of `src/exp.rs`: no branch and no libm call, so a loop over a buffer
//!   vectorises (within 2 ulp of the true value). The layers' training steps are `f32` and
//!   spend much of their time here: on W3a (a 2 → 16 → 16 → 1 tanh MLP, `benches/w3_train.rs`)
//!   evaluating the `f64` formulas instead (rounded to `f32`) made our step 1.8× slower
//!   (17.2 µs against 9.6 µs, issue 14's closing note), and a branch-free form of the `f64`
//!   formulas did not win it back.

use crate::exp::exp_parts;

/// Below this `|x|` the rational function, above it `1 - 2/(e^2|x| + 1)`.
const SWITCH: f64 = 0.7;

/// `tanh(z)` for `0 ≤ z < 0.7`: the [7/8] Padé approximant (a convergent of Lambert's continued
/// fraction; integer coefficients, exact in f64), written as `z` minus a correction of at most
/// 14 % of `z`: the rounding errors of the rational part then cost a tenth of an ulp, not two.
#[inline(always)]
fn small(z: f64) -> f64 {
    let u = z * z;
    let m = ((u + 594.0) * u + 45045.0) * u + 675675.0;
    let d = (((u + 630.0) * u + 51975.0) * u + 945945.0) * u + 2027025.0;
    z - z * u * (m / d)
}

/// `tanh(z)` for `z ≥ 0.7` from `e = e^2z`: `1 - 2/(e + 1)` does not cancel there. `e = inf`
/// gives 1; NaN passes through.
#[inline(always)]
fn from_exp(e: f64) -> f64 {
    1.0 - 2.0 / (e + 1.0)
}

/// `tanh(x)` in `f64`, within 1.2 ulp of the true value: one formula, chosen by a branch.
#[inline]
pub(crate) fn tanh_f64(x: f64) -> f64 {
    // tanh is odd: work on |x|, and give the result x's sign (-0.0 stays -0.0).
    let z = x.abs();
    let t = if z < SWITCH {
        small(z)
    } else {
        // e^2z overflows to inf past 355 and the result is then 1.
        from_exp((2.0 * z).exp())
    };
    t.copysign(x)
}

/// `tanh(x)` in `f32`, within 2 ulp of the true value, without a branch or a libm call.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    // tanh |x| = (e^2|x| - 1) / (e^2|x| - 1 + 2): no cancellation for small |x|. Past 20, tanh
    // is 1 in f32; clamping keeps e^2|x| finite (a comparison, so NaN passes through).
    let a = x.abs();
    let a = if a > 20.0 { 20.0 } else { a };
    // e^2a - 1 = s p + (s - 1) with e^2a = s (1 + p): two non-negative terms when s ≥ 2, and
    // p itself when s = 1.
    let (s, p) = exp_parts(a + a);
    let e = s * p + (s - 1.0);
    (e / (e + 2.0)).copysign(x)
}

#[cfg(test)]
mod tests {
    use astro_float::{BigFloat, Consts, RoundingMode};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{tanh_f32, tanh_f64};
    use crate::Real;

    const PRECISION: usize = 128;
    const RM: RoundingMode = RoundingMode::ToEven;

    /// tanh to 128 bits.
    struct Reference(Consts);

    impl Reference {
        fn new() -> Self {
            Reference(Consts::new().expect("astro-float constants"))
        }

        fn tanh(&mut self, x: f64) -> BigFloat {
            BigFloat::from_f64(x, PRECISION).tanh(PRECISION, RM, &mut self.0)
        }

        /// |got - tanh x| in units in the last place of tanh x rounded to `ulp_of`'s type.
        fn ulps(&mut self, got: f64, x: f64, ulp_of: fn(f64) -> f64) -> f64 {
            let want = self.tanh(x);
            let nearest = to_f64(&want);
            let error = BigFloat::from_f64(got, PRECISION).sub(&want, PRECISION, RM);
            (to_f64(&error) / ulp_of(nearest)).abs()
        }
    }

    /// The f64 nearest to `x` (Rust's parsing rounds correctly).
    fn to_f64(x: &BigFloat) -> f64 {
        let text = x.to_string();
        text.parse()
            .unwrap_or_else(|_| panic!("not a number: {text}"))
    }

    fn ulp64(x: f64) -> f64 {
        let x = x.abs();
        if x < f64::MIN_POSITIVE {
            f64::from_bits(1)
        } else {
            // The spacing above x's power of two: exact, unlike next(x) - x at a power of two.
            f64::from_bits(x.to_bits() & (0x7ff << 52)) * f64::EPSILON
        }
    }

    fn ulp32(x: f64) -> f64 {
        let x = (x as f32).abs();
        let ulp = if x < f32::MIN_POSITIVE {
            f32::from_bits(1)
        } else {
            f32::from_bits(x.to_bits() & (0xff << 23)) * f32::EPSILON
        };
        f64::from(ulp)
    }

    /// Log-uniform points of each band, and uniform points across the switch at 0.7.
    fn points(per_band: usize) -> Vec<f64> {
        let mut rng = StdRng::seed_from_u64(7);
        let bands: [(f64, f64); 9] = [
            (1e-310, 1e-300),
            (1e-300, 1e-20),
            (1e-20, 1e-8),
            (1e-8, 1e-3),
            (1e-3, 0.1),
            (0.1, 0.7),
            (0.7, 2.0),
            (2.0, 20.0),
            (20.0, 800.0),
        ];
        let mut xs = Vec::new();
        for (lo, hi) in bands {
            let (lo, hi) = (lo.ln(), hi.ln());
            xs.extend((0..per_band).map(|_| rng.random_range(lo..hi).exp()));
        }
        xs.extend((0..per_band).map(|_| rng.random_range(0.65..0.75)));
        xs
    }

    #[test]
    fn f64_is_within_1_2_ulp_of_the_true_value() {
        let mut reference = Reference::new();
        let mut worst = (0.0, 0.0);
        for x in points(400) {
            for x in [x, -x] {
                let e = reference.ulps(tanh_f64(x), x, ulp64);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        assert!(worst.0 <= 1.2, "{} ulp at x = {:e}", worst.0, worst.1);
    }

    #[test]
    fn f32_is_within_2_ulp_of_the_true_value() {
        let mut reference = Reference::new();
        let mut worst = (0.0, 0.0);
        for x in points(400) {
            let x = f64::from(x as f32);
            if x == 0.0 || x.is_infinite() {
                continue;
            }
            for x in [x, -x] {
                let e = reference.ulps(f64::from(tanh_f32(x as f32)), x, ulp32);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        assert!(worst.0 <= 2.0, "{} ulp at {:e}", worst.0, worst.1);
    }

    #[test]
    fn f32_is_what_tanh_fast_computes() {
        for x in points(100) {
            let x = x as f32;
            assert_eq!(x.tanh_fast().to_bits(), tanh_f32(x).to_bits(), "{x:e}");
        }
    }

    #[test]
    fn special_values() {
        for (x, want) in [
            (0.0, 0.0),
            (f64::INFINITY, 1.0),
            (20.0, 1.0),
            (f64::MAX, 1.0),
            (1e-300, 1e-300),
            (f64::from_bits(1), f64::from_bits(1)),
        ] {
            assert_eq!(tanh_f64(x).to_bits(), want.to_bits(), "tanh({x:e})");
            assert_eq!(tanh_f64(-x).to_bits(), (-want).to_bits(), "tanh({:e})", -x);
        }
        assert!(tanh_f64(f64::NAN).is_nan());
        assert!(f32::NAN.tanh_fast().is_nan());
        assert_eq!((-0.0_f32).tanh_fast().to_bits(), (-0.0_f32).to_bits());
        assert_eq!(f32::NEG_INFINITY.tanh_fast(), -1.0);
        assert_eq!(f32::MIN_POSITIVE.tanh_fast(), f32::MIN_POSITIVE);
    }

    #[test]
    fn odd_and_monotone_across_the_switch() {
        // Every f64 from 2^14 ulp below 0.7 to 2^14 above: the two formulas meet without a step
        // backwards.
        let start = 0.7_f64.to_bits() - (1 << 14);
        let mut previous = tanh_f64(f64::from_bits(start));
        for bits in start + 1..start + (1 << 15) {
            let x = f64::from_bits(bits);
            let t = tanh_f64(x);
            assert!(t >= previous, "tanh({x:e}) = {t:e} < tanh(previous)");
            assert_eq!(tanh_f64(-x).to_bits(), (-t).to_bits());
            previous = t;
        }
    }
}
