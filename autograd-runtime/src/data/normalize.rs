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
    /// multiple of `n_features`.
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
        let column = |j: usize| data.iter().skip(j).step_by(n_features).copied();
        let n = (data.len() / n_features) as f64;
        let wide = |x: T| x.to_f64().unwrap_or(f64::NAN);
        let (mut offset, mut scale) = (Vec::new(), Vec::new());
        for j in 0..n_features {
            let (o, s) = match scaling {
                Scaling::MinMax => {
                    let lo = column(j).fold(T::infinity(), T::min);
                    let hi = column(j).fold(T::neg_infinity(), T::max);
                    (lo, hi - lo)
                }
                Scaling::Standard => {
                    // Two passes: the mean first, then squared deviations from it, which
                    // stays accurate when the mean is large compared with the spread; sums
                    // in f64, so f32 data of many samples keeps its precision too.
                    let mean = column(j).map(wide).sum::<f64>() / n;
                    let var = column(j).map(|x| (wide(x) - mean).powi(2)).sum::<f64>() / n;
                    (T::lit(mean), T::lit(var.sqrt()))
                }
            };
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
