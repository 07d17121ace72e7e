//! `Init`: how a layer's weights are drawn from a seeded random number generator.

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

use crate::{Error, Real, Result};

/// Weight initialisation. Biases start at zero.
///
/// Samples are drawn in `f64` and rounded to `T`, so an `f32` and an `f64` model from one seed
/// hold the same numbers (to `f32` rounding). With `rand::rngs::StdRng` (ChaCha12, reproducible
/// within `rand` 0.9) the same seed gives the same weights on every machine.
///
/// ```
/// use autograd_runtime::nn::Init;
/// use rand::SeedableRng;
/// let mut w = [0.0_f64; 6];
/// Init::Xavier.fill(&mut w, 2, 3, &mut rand::rngs::StdRng::seed_from_u64(7))?;
/// let bound = (6.0_f64 / 5.0).sqrt();
/// assert!(w.iter().all(|x| x.abs() <= bound) && w.iter().any(|&x| x != 0.0));
/// assert!(Init::He.fill(&mut w, 0, 6, &mut rand::rngs::StdRng::seed_from_u64(7)).is_err());
/// # Ok::<(), autograd_runtime::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Init {
    /// Xavier/Glorot uniform: `U(-a, a)`, `a = √(6 / (fan_in + fan_out))`. For tanh, sigmoid
    /// and linear layers.
    Xavier,
    /// He/Kaiming normal: `N(0, 2 / fan_in)`. For relu layers.
    He,
}

impl Init {
    /// Fills `weights` (`fan_out × fan_in`, row by row) with draws from `rng`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `fan_in` or `fan_out` is zero or `fan_out × fan_in` is more than
    /// `usize` can count; [`Error::Shape`] if `weights` does not hold `fan_out × fan_in` values.
    ///
    /// ```
    /// use autograd::nn::Init;
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let (mut w64, mut w32) = ([0.0_f64; 8], [0.0_f32; 8]);
    /// Init::He.fill(&mut w64, 4, 2, &mut StdRng::seed_from_u64(3))?;
    /// Init::He.fill(&mut w32, 4, 2, &mut StdRng::seed_from_u64(3))?;
    /// // One seed, the same draws in either precision (rounded to f32).
    /// assert!(w64.iter().zip(&w32).all(|(&a, &b)| a as f32 == b));
    /// assert!(w64.iter().all(|&a| a != 0.0));
    /// // 8 weights are not fan_out × fan_in = 3 × 4.
    /// assert!(Init::He.fill(&mut w64, 4, 3, &mut StdRng::seed_from_u64(3)).is_err());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn fill<T: Real, R: Rng + ?Sized>(
        self,
        weights: &mut [T],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Result<()> {
        if fan_in == 0 || fan_out == 0 {
            return Err(Error::Invalid {
                what: format!("Init::{self:?}"),
                message: format!(
                    "fan_in {fan_in} and fan_out {fan_out}: a layer needs at least one input \
                     and one output"
                ),
            });
        }
        let Some(n) = fan_out.checked_mul(fan_in) else {
            return Err(Error::Invalid {
                what: format!("Init::{self:?}"),
                message: format!(
                    "fan_out × fan_in = {fan_out} × {fan_in} is more weights than usize can \
                     count: use smaller widths"
                ),
            });
        };
        if weights.len() != n {
            return Err(Error::Shape {
                what: format!("the weights given to Init::{self:?}"),
                expected: format!("fan_out × fan_in = {fan_out} × {fan_in} = {n} values"),
                found: format!("{} values", weights.len()),
            });
        }
        match self {
            Init::Xavier => {
                // Added in f64: `fan_in + fan_out` may not fit in usize.
                let a = (6.0 / (fan_in as f64 + fan_out as f64)).sqrt();
                let dist = Uniform::new_inclusive(-a, a).expect("finite bounds");
                weights
                    .iter_mut()
                    .for_each(|w| *w = T::lit(dist.sample(rng)));
            }
            Init::He => {
                let dist = Normal::new(0.0, (2.0 / fan_in as f64).sqrt()).expect("finite sd");
                weights
                    .iter_mut()
                    .for_each(|w| *w = T::lit(dist.sample(rng)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fans_whose_product_overflows_usize_are_an_error() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut w = [0.0_f64; 4];
        for init in [Init::Xavier, Init::He] {
            let err = init.fill(&mut w, usize::MAX, 2, &mut rng).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert!(
                err.to_string()
                    .contains("more weights than usize can count"),
                "{err}"
            );
        }
        // `fan_in + fan_out` overflows where the product does not: only a length error.
        let err = Init::Xavier
            .fill(&mut w, usize::MAX, 1, &mut rng)
            .unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err:?}");
    }

    /// Mean and variance of many draws match the distributions' (the standard errors below are
    /// those of a sample of 40,000; the bounds are 5 of them).
    #[test]
    fn draws_have_the_documented_moments() {
        let (fan_in, fan_out) = (200, 200);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for (init, var) in [
            (Init::Xavier, 6.0 / 400.0 / 3.0), // U(-a, a) has variance a²/3
            (Init::He, 2.0 / 200.0),
        ] {
            let mut w = vec![0.0_f64; fan_in * fan_out];
            init.fill(&mut w, fan_in, fan_out, &mut rng).unwrap();
            let n = w.len() as f64;
            let mean = w.iter().sum::<f64>() / n;
            let v = w.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            assert!(mean.abs() < 5.0 * (var / n).sqrt(), "{init:?} mean {mean}");
            // Var of the sample variance ≈ 2σ⁴/n for the normal, less for the uniform.
            assert!(
                (v - var).abs() < 5.0 * var * (2.0 / n).sqrt(),
                "{init:?} var {v} vs {var}"
            );
        }
    }
}
