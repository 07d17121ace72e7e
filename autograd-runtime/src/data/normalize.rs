//! Normalisation that remembers its statistics, so a model trained on normalised data can have
//! its predictions mapped back to the original units.

use crate::{Error, Real, Result};

/// Which statistics a [`Normalizer`] scales by.
///
/// ```
/// use autograd::data::{Normalizer, Scaling};
/// let data = [0.0_f64, 5.0, 10.0];
/// let norm = Normalizer::fit(Scaling::MinMax, &data, 1)?;
/// assert_eq!((norm.offset(), norm.scale()), (&[0.0][..], &[10.0][..]));
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling {
    /// `(x - min) / (max - min)`: each feature into `[0, 1]`.
    MinMax,
    /// `(x - mean) / std` (z-score; the population standard deviation, dividing by `n`, as
    /// scikit-learn's `StandardScaler`): each feature to mean 0 and variance 1.
    Standard,
}

/// A recorded per-feature affine map `x' = (x - offset) / scale`, fitted to data, with its
/// inverse `x = x' * scale + offset`.
///
/// Data is row-major with `n_features` values per sample (one feature: a plain slice). A
/// constant feature gets `scale = 1`, so it maps to 0 instead of dividing by zero.
///
/// ```
/// use autograd::data::Normalizer;
/// let mut ys = vec![10.0_f64, 20.0, 30.0];
/// let norm = Normalizer::min_max(&ys, 1)?;
/// norm.transform(&mut ys)?;
/// assert_eq!(ys, [0.0, 0.5, 1.0]);
/// // A model's prediction in normalised units, mapped back:
/// let mut prediction = [0.25];
/// norm.inverse(&mut prediction)?;
/// assert_eq!(prediction, [15.0]);
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Normalizer<T> {
    scaling: Scaling,
    offset: Vec<T>,
    scale: Vec<T>,
}

impl<T: Real> Normalizer<T> {
    /// Fits min-max scaling to `data` (row-major, `n_features` per sample).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no samples; [`Error::LengthMismatch`] if `data.len()` is not a
    /// multiple of `n_features`; [`Error::Invalid`] for a NaN or infinite value, or for a
    /// feature so spread out that `x - offset` overflows `T` (min-max: a range past the
    /// largest `T`, such as `f32` data from `-3e38` to `3e38`).
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// // Two features: 0 to 10, and -1 to 1.
    /// let mut data = vec![0.0_f64, -1.0, 10.0, 1.0, 5.0, 0.0];
    /// let norm = Normalizer::min_max(&data, 2)?;
    /// norm.transform(&mut data)?;
    /// assert_eq!(data, [0.0, 0.0, 1.0, 1.0, 0.5, 0.5]);
    /// assert!(Normalizer::min_max(&data, 4).is_err()); // 6 values are no rows of 4
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn min_max(data: &[T], n_features: usize) -> Result<Self> {
        Self::fit(Scaling::MinMax, data, n_features)
    }

    /// Fits z-score scaling to `data` (row-major, `n_features` per sample).
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// // Two features: the first has mean 2 and std 1, the second mean 0 and std 10.
    /// let data = [1.0_f64, 10.0, 3.0, -10.0];
    /// let norm = Normalizer::standard(&data, 2)?;
    /// assert_eq!((norm.offset(), norm.scale()), (&[2.0, 0.0][..], &[1.0, 10.0][..]));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`min_max`](Self::min_max).
    pub fn standard(data: &[T], n_features: usize) -> Result<Self> {
        Self::fit(Scaling::Standard, data, n_features)
    }

    /// Fits `scaling` to `data` (row-major, `n_features` per sample).
    ///
    /// ```
    /// use autograd::data::{Normalizer, Scaling};
    /// // Feature 0 is 1, 3 (mean 2, std 1); feature 1 is constant, so its scale is 1.
    /// let norm = Normalizer::fit(Scaling::Standard, &[1.0_f64, 5.0, 3.0, 5.0], 2)?;
    /// assert_eq!((norm.offset(), norm.scale()), (&[2.0, 5.0][..], &[1.0, 1.0][..]));
    /// assert!(Normalizer::<f64>::fit(Scaling::MinMax, &[], 1).is_err());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`min_max`](Self::min_max).
    pub fn fit(scaling: Scaling, data: &[T], n_features: usize) -> Result<Self> {
        if data.is_empty() || n_features == 0 {
            return Err(Error::Empty {
                what: "data to normalise",
            });
        }
        if !data.len().is_multiple_of(n_features) {
            return Err(Error::LengthMismatch {
                what: "data length vs a multiple of n_features",
                left: data.len(),
                right: data.len() / n_features * n_features,
            });
        }
        // A NaN would make the statistics of its whole feature NaN (or, for min-max, be
        // skipped by `min` and `max`), and every transformed value with them.
        if let Some(i) = data.iter().position(|x| !x.is_finite()) {
            return Err(Error::Invalid {
                what: "Normalizer::fit".into(),
                message: format!(
                    "sample {}, feature {} is {:?}: drop that sample or fill in the value \
                     before fitting (only finite values have a mean and a range)",
                    i / n_features,
                    i % n_features,
                    data[i]
                ),
            });
        }
        let column = |j: usize| data.iter().skip(j).step_by(n_features).copied();
        let n = (data.len() / n_features) as f64;
        let wide = |x: T| x.to_f64().unwrap_or(f64::NAN);
        let (mut offset, mut scale) = (Vec::new(), Vec::new());
        for j in 0..n_features {
            // Statistics in f64, so neither `max - min` of f32 data nor sums overflow.
            let (o, s) = match scaling {
                Scaling::MinMax => {
                    let lo = column(j).map(wide).fold(f64::INFINITY, f64::min);
                    let hi = column(j).map(wide).fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi - lo)
                }
                Scaling::Standard => {
                    // Two passes: the mean first, then squared deviations from it, which
                    // stays accurate when the mean is large compared with the spread; sums
                    // in f64, so f32 data of many samples keeps its precision too.
                    // Past 1e100 the squares (and their sums) could overflow f64, so such a
                    // feature is summed in units of 2^600, a power of two: exact both ways.
                    let max_abs = column(j).map(|x| wide(x).abs()).fold(0.0, f64::max);
                    let unit = if max_abs > 1e100 { 2f64.powi(600) } else { 1.0 };
                    let mean = column(j).map(|x| wide(x) / unit).sum::<f64>() / n;
                    let var = column(j)
                        .map(|x| (wide(x) / unit - mean).powi(2))
                        .sum::<f64>()
                        / n;
                    (mean * unit, var.sqrt() * unit)
                }
            };
            // `transform` computes `x - offset` in `T`: on the fitted data that difference,
            // at most the range (the min-max scale), must be a finite `T`.
            let o = T::lit(o);
            let reach = column(j)
                .map(|x| (wide(x) - wide(o)).abs())
                .fold(0.0, f64::max);
            if !T::lit(reach).is_finite() {
                let lo = column(j).fold(T::infinity(), T::min);
                let hi = column(j).fold(T::neg_infinity(), T::max);
                let from = match scaling {
                    Scaling::MinMax => "min",
                    Scaling::Standard => "mean",
                };
                let max = T::max_value();
                let or_f64 = if wide(max) < f64::MAX {
                    ", or load it as f64"
                } else {
                    ""
                };
                return Err(Error::Invalid {
                    what: "Normalizer::fit".into(),
                    message: format!(
                        "feature {j} spans {lo:?} to {hi:?}: x - {from} reaches {reach:.3e}, \
                         past the largest {} ({max:?}), so normalising it would overflow; \
                         divide the feature by a power of ten before fitting{or_f64}",
                        core::any::type_name::<T>(),
                    ),
                });
            }
            let s = T::lit(s);
            offset.push(o);
            scale.push(if s > T::zero() { s } else { T::one() });
        }
        Ok(Self {
            scaling,
            offset,
            scale,
        })
    }

    /// The kind of scaling.
    ///
    /// ```
    /// use autograd::data::{Normalizer, Scaling};
    /// assert_eq!(Normalizer::standard(&[1.0_f64, 2.0], 1)?.scaling(), Scaling::Standard);
    /// assert_eq!(Normalizer::min_max(&[1.0_f64, 2.0], 1)?.scaling(), Scaling::MinMax);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn scaling(&self) -> Scaling {
        self.scaling
    }

    /// Number of features.
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// let norm = Normalizer::min_max(&[1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0], 3)?;
    /// assert_eq!(norm.n_features(), 3);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.offset.len()
    }

    /// Per feature, what is subtracted: the minimum or the mean.
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// let data = [4.0_f64, 10.0, 2.0, 30.0]; // two samples of two features
    /// assert_eq!(Normalizer::min_max(&data, 2)?.offset(), [2.0, 10.0]); // the minima
    /// assert_eq!(Normalizer::standard(&data, 2)?.offset(), [3.0, 20.0]); // the means
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn offset(&self) -> &[T] {
        &self.offset
    }

    /// Per feature, what is divided by after subtracting: the range or the standard
    /// deviation (1 for a constant feature).
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// let data = [4.0_f64, 10.0, 2.0, 10.0]; // the second feature is constant
    /// assert_eq!(Normalizer::min_max(&data, 2)?.scale(), [2.0, 1.0]);
    /// assert_eq!(Normalizer::standard(&data, 2)?.scale(), [1.0, 1.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn scale(&self) -> &[T] {
        &self.scale
    }

    /// Normalises row-major `data` in place.
    ///
    /// # Errors
    ///
    /// [`Error::Shape`] if `data.len()` is not a multiple of the number of features (nothing
    /// is changed then).
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// let norm = Normalizer::min_max(&[0.0_f64, 4.0], 1)?;
    /// // New data, in the units the normaliser was fitted on.
    /// let mut xs = [1.0, 8.0];
    /// norm.transform(&mut xs)?;
    /// assert_eq!(xs, [0.25, 2.0]); // past the fitted range, past 1
    /// let two_features = Normalizer::min_max(&[0.0_f64, 1.0, 2.0, 3.0], 2)?;
    /// assert!(two_features.transform(&mut xs[..1]).is_err()); // half a row
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn transform(&self, data: &mut [T]) -> Result<()> {
        for row in self.rows(data)? {
            for ((x, &o), &s) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *x = (*x - o) / s;
            }
        }
        Ok(())
    }

    /// Maps normalised row-major `data` back to the original units, in place.
    ///
    /// # Errors
    ///
    /// As [`transform`](Self::transform).
    ///
    /// ```
    /// use autograd::data::Normalizer;
    /// let norm = Normalizer::standard(&[10.0_f64, 30.0], 1)?; // mean 20, std 10
    /// let mut predictions = [0.0, -1.5];
    /// norm.inverse(&mut predictions)?;
    /// assert_eq!(predictions, [20.0, 5.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn inverse(&self, data: &mut [T]) -> Result<()> {
        for row in self.rows(data)? {
            for ((x, &o), &s) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *x = *x * s + o;
            }
        }
        Ok(())
    }

    fn rows<'a>(&self, data: &'a mut [T]) -> Result<core::slice::ChunksExactMut<'a, T>> {
        let width = self.n_features();
        if !data.len().is_multiple_of(width) {
            return Err(Error::Shape {
                what: format!("the data of a normaliser of {width} features"),
                expected: format!("rows of {width} values (a multiple of {width})"),
                found: format!("{} values", data.len()),
            });
        }
        Ok(data.chunks_exact_mut(width))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_by_hand() {
        // Feature 0: 2, 4, 6 (min 2, range 4); feature 1: -1, -1, -1 (constant).
        let mut data = vec![2.0_f64, -1.0, 4.0, -1.0, 6.0, -1.0];
        let norm = Normalizer::min_max(&data, 2).unwrap();
        assert_eq!(norm.offset(), [2.0, -1.0]);
        assert_eq!(norm.scale(), [4.0, 1.0]);
        norm.transform(&mut data).unwrap();
        assert_eq!(data, [0.0, 0.0, 0.5, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn standard_by_hand() {
        // 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, variance 3.5.
        let mut data = vec![1.0_f64, 2.0, 3.0, 6.0];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert_eq!(norm.scaling(), Scaling::Standard);
        assert_eq!(norm.offset(), [3.0]);
        assert!((norm.scale()[0] - 3.5_f64.sqrt()).abs() < 1e-15);
        norm.transform(&mut data).unwrap();
        let s = 3.5_f64.sqrt();
        for (got, want) in data.iter().zip([-2.0 / s, -1.0 / s, 0.0, 3.0 / s]) {
            assert!((got - want).abs() < 1e-15, "{data:?}");
        }
    }

    #[test]
    fn inverse_undoes_transform() {
        let original = vec![0.5_f32, 100.0, -3.0, 250.0, 7.25, -80.0];
        for scaling in [Scaling::MinMax, Scaling::Standard] {
            let norm = Normalizer::fit(scaling, &original, 2).unwrap();
            let mut data = original.clone();
            norm.transform(&mut data).unwrap();
            assert_ne!(data, original);
            norm.inverse(&mut data).unwrap();
            for (a, b) in data.iter().zip(&original) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{scaling:?}: {data:?}"
                );
            }
        }
    }

    #[test]
    fn large_offset_keeps_precision() {
        // Mean 1e8 + 1, deviations ±1: a one-pass E[x²] - E[x]² rounds them away (1e16 is past 2^53).
        let data = [1e8, 1e8 + 2.0];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert_eq!(norm.scale(), [1.0]);
        assert_eq!(norm.offset(), [1e8 + 1.0]);
    }

    #[test]
    fn f32_statistics_are_summed_in_f64() {
        // A million copies of 0.1: an f32 running sum drifts about 1% off (each addition
        // rounds at the sum's magnitude), which would shift the mean and make the constant
        // column look spread out.
        let data = vec![0.1_f32; 1_000_000];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert_eq!(norm.offset(), [0.1]);
        assert_eq!(norm.scale(), [1.0]);
    }

    #[test]
    fn min_max_range_past_the_type_is_an_error_not_nan() {
        // In f32, the range 6e38 is past f32::MAX: no f32 scale can hold it, and `x - min`
        // overflows too. It used to be scale inf, transform [0, 0, NaN], inverse all NaN.
        let data = [-3e38_f32, 0.0, 3e38];
        let err = Normalizer::min_max(&data, 1).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Normalizer::fit: feature 0 spans -3e38 to 3e38: x - min reaches 6.000e38, past \
             the largest f32 (3.4028235e38), so normalising it would overflow; divide the \
             feature by a power of ten before fitting, or load it as f64"
        );
        // The same values in f64 normalise exactly, both ways.
        let wide = [-3e38_f64, 0.0, 3e38];
        let norm = Normalizer::min_max(&wide, 1).unwrap();
        let mut xs = wide;
        norm.transform(&mut xs).unwrap();
        assert_eq!(xs, [0.0, 0.5, 1.0]);
        norm.inverse(&mut xs).unwrap();
        assert_eq!(xs, wide);
        // f64 has no wider type to suggest.
        let err = Normalizer::min_max(&[-f64::MAX, f64::MAX], 1).unwrap_err();
        assert!(err.to_string().ends_with("before fitting"), "{err}");
    }

    #[test]
    fn standard_scaling_of_that_f32_data_round_trips() {
        // Mean 0, so `x - mean` stays within f32; the statistics are computed in f64.
        let data = [-3e38_f32, 0.0, 3e38];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert_eq!(norm.offset(), [0.0]);
        let std = (2.0 * 3e38_f32 as f64 * 3e38_f32 as f64 / 3.0).sqrt() as f32;
        assert_eq!(norm.scale(), [std]);
        let mut xs = data;
        norm.transform(&mut xs).unwrap();
        let z = 1.5_f32.sqrt(); // 3e38 / sqrt(6e76 / 3)
        for (got, want) in xs.iter().zip([-z, 0.0, z]) {
            assert!((got - want).abs() < 1e-6, "{xs:?}");
        }
        norm.inverse(&mut xs).unwrap();
        for (got, want) in xs.iter().zip(data) {
            assert!((got - want).abs() <= 1e-6 * want.abs(), "{xs:?}");
        }
    }

    #[test]
    fn standard_scaling_of_huge_f64_data_round_trips() {
        // Squares past 1e308 and sums past f64::MAX used to give scale or offset inf, and
        // transform 0 or -inf, inverse NaN.
        let data = [-1e200_f64, 1e200];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert_eq!((norm.offset(), norm.scale()), (&[0.0][..], &[1e200][..]));
        let mut xs = data;
        norm.transform(&mut xs).unwrap();
        assert_eq!(xs, [-1.0, 1.0]);
        norm.inverse(&mut xs).unwrap();
        assert_eq!(xs, data);

        let data = [1.5e308_f64, 1.7e308];
        let norm = Normalizer::standard(&data, 1).unwrap();
        assert!(
            (norm.offset()[0] - 1.6e308).abs() <= 1e-15 * 1.6e308,
            "{norm:?}"
        );
        assert!((norm.scale()[0] - 1e307).abs() <= 1e-14 * 1e307, "{norm:?}");
        let mut xs = data;
        norm.transform(&mut xs).unwrap();
        for (got, want) in xs.iter().zip([-1.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{xs:?}");
        }
        norm.inverse(&mut xs).unwrap();
        for (got, want) in xs.iter().zip(data) {
            assert!((got - want).abs() <= 1e-14 * want, "{xs:?}");
        }
    }

    #[test]
    fn nan_or_infinite_data_is_an_error_naming_the_sample_and_feature() {
        for scaling in [Scaling::MinMax, Scaling::Standard] {
            let err = Normalizer::fit(scaling, &[1.0_f32, 2.0, 3.0, f32::NAN], 2).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert_eq!(
                err.to_string(),
                "Normalizer::fit: sample 1, feature 1 is NaN: drop that sample or fill in the \
                 value before fitting (only finite values have a mean and a range)"
            );
            let err = Normalizer::fit(scaling, &[f64::NEG_INFINITY, 2.0], 1).unwrap_err();
            assert!(
                err.to_string().contains("sample 0, feature 0 is -inf"),
                "{err}"
            );
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(matches!(
            Normalizer::<f64>::min_max(&[], 1),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            Normalizer::min_max(&[1.0_f64, 2.0, 3.0], 2),
            Err(Error::LengthMismatch { .. })
        ));
    }

    #[test]
    fn transform_of_ragged_data_is_an_error() {
        let norm = Normalizer::min_max(&[1.0_f64, 2.0, 3.0, 4.0], 2).unwrap();
        let mut data = [1.0, 2.0, 3.0];
        let err = norm.transform(&mut data).unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong shape for the data of a normaliser of 2 features: expected rows of 2 values \
             (a multiple of 2), got 3 values"
        );
        assert_eq!(data, [1.0, 2.0, 3.0]);
        assert!(norm.inverse(&mut data).is_err());
    }
}
