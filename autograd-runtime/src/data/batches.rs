//! Shuffled mini-batches from a seeded RNG: one index buffer, reshuffled in place each epoch.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::{Error, Result};

/// Mini-batches of sample indices `0..n`, in a new random order each epoch.
///
/// The order comes from `rand`'s `StdRng` seeded with `seed`, so the same seed gives the same
/// sequence of epochs on every machine (for a given version of `rand`). The index buffer is
/// allocated once, in [`new`](Self::new), and shuffled in place: an epoch allocates nothing.
///
/// ```
/// use autograd::data::Batches;
/// let mut batches = Batches::new(10, 4, 42)?;
/// let mut seen = Vec::new();
/// for batch in batches.epoch() {
///     assert!(batch.len() <= 4); // 4, 4, then the remaining 2
///     seen.extend_from_slice(batch);
/// }
/// seen.sort();
/// assert_eq!(seen, (0..10).collect::<Vec<_>>()); // every sample once per epoch
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Batches {
    order: Vec<usize>,
    batch_size: usize,
    drop_last: bool,
    rng: StdRng,
}

impl Batches {
    /// Batches of `batch_size` indices out of `0..n`, shuffled by an RNG seeded with `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if `batch_size` is 0, or if the `n` indices do not fit in memory.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// let sizes: Vec<usize> = Batches::new(5, 2, 42)?.epoch().map(<[usize]>::len).collect();
    /// assert_eq!(sizes, [2, 2, 1]);
    /// // The same seed, the same order.
    /// let order = |seed| Batches::new(5, 2, seed).map(|mut b| b.epoch().flatten().copied().collect::<Vec<_>>());
    /// assert_eq!(order(42)?, order(42)?);
    /// assert!(Batches::new(5, 0, 42).is_err());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::Invalid {
                what: "Batches::new".into(),
                message: "batch_size is 0: give at least 1 (or n for full-batch training)".into(),
            });
        }
        // `(0..n).collect()` would panic (or abort) for an `n` past what memory can hold.
        let mut order = Vec::new();
        if order.try_reserve_exact(n).is_err() {
            return Err(Error::Invalid {
                what: "Batches::new".into(),
                message: format!(
                    "n = {n} samples: their indices do not fit in memory; pass the number \
                     of samples of the data set"
                ),
            });
        }
        order.extend(0..n);
        Ok(Self {
            order,
            batch_size,
            drop_last: false,
            rng: StdRng::seed_from_u64(seed),
        })
    }

    /// Drops the last batch of an epoch when it is smaller than `batch_size` (default: keep
    /// it), so every batch has the same size. The dropped samples differ from epoch to epoch.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// let mut batches = Batches::new(10, 4, 0)?.drop_last(true);
    /// assert_eq!(batches.batches_per_epoch(), 2);
    /// assert!(batches.epoch().all(|b| b.len() == 4));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn drop_last(mut self, yes: bool) -> Self {
        self.drop_last = yes;
        self
    }

    /// Number of samples.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// assert_eq!(Batches::new(10, 4, 0)?.len(), 10);
    /// assert_eq!(Batches::new(10, 4, 0)?.drop_last(true).len(), 10); // all of them, not 8
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// assert!(Batches::new(0, 4, 0)?.is_empty());
    /// assert!(!Batches::new(1, 4, 0)?.is_empty());
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Number of batches in an epoch.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// let batches = Batches::new(10, 4, 0)?;
    /// assert_eq!(batches.batches_per_epoch(), 3); // 4 + 4 + 2
    /// assert_eq!(batches.drop_last(true).batches_per_epoch(), 2);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn batches_per_epoch(&self) -> usize {
        if self.drop_last {
            self.len() / self.batch_size
        } else {
            self.len().div_ceil(self.batch_size)
        }
    }

    /// Shuffles, then returns the epoch's batches: slices of indices, each sample once.
    ///
    /// ```
    /// use autograd::data::Batches;
    /// let mut batches = Batches::new(10, 3, 1)?;
    /// let first: Vec<usize> = batches.epoch().flatten().copied().collect();
    /// let second: Vec<usize> = batches.epoch().flatten().copied().collect();
    /// assert_ne!(first, second); // a new order each epoch
    /// let mut sorted = first.clone();
    /// sorted.sort();
    /// assert_eq!(sorted, (0..10).collect::<Vec<_>>()); // each sample once
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn epoch(&mut self) -> core::slice::Chunks<'_, usize> {
        self.order.shuffle(&mut self.rng);
        let len = if self.drop_last {
            self.len() - self.len() % self.batch_size
        } else {
            self.len()
        };
        self.order[..len].chunks(self.batch_size)
    }
}

/// Copies rows `indices` of row-major `data` (`width` values per row) into `out`, replacing
/// its contents; reuse `out` across batches and it stops allocating once it is large enough.
///
/// # Errors
///
/// [`Error::Shape`] if `width` is 0 or `data` is not whole rows of `width`;
/// [`Error::Invalid`] if an index is not a row of `data` (then `out` holds the rows before it).
///
/// ```
/// use autograd::data::gather_rows;
/// let data = [0.0, 0.1, 1.0, 1.1, 2.0, 2.1]; // three rows of two
/// let mut batch = Vec::new();
/// gather_rows(&data, 2, &[2, 0], &mut batch)?;
/// assert_eq!(batch, [2.0, 2.1, 0.0, 0.1]);
/// assert!(gather_rows(&data, 2, &[3], &mut batch).is_err());
/// # Ok::<(), autograd::Error>(())
/// ```
pub fn gather_rows<T: Copy>(
    data: &[T],
    width: usize,
    indices: &[usize],
    out: &mut Vec<T>,
) -> Result<()> {
    if width == 0 || !data.len().is_multiple_of(width) {
        return Err(Error::Shape {
            what: "the data of gather_rows".into(),
            expected: format!("rows of width {width} (a multiple of {width} values, width ≥ 1)"),
            found: format!("{} values", data.len()),
        });
    }
    let rows = data.len() / width;
    out.clear();
    for &i in indices {
        if i >= rows {
            return Err(Error::Invalid {
                what: "gather_rows".into(),
                message: format!(
                    "index {i} is past the last row: the data has {rows} rows of {width}"
                ),
            });
        }
        out.extend_from_slice(&data[i * width..(i + 1) * width]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epochs(seed: u64, count: usize) -> Vec<Vec<usize>> {
        let mut b = Batches::new(20, 6, seed).unwrap();
        (0..count)
            .map(|_| b.epoch().flatten().copied().collect())
            .collect()
    }

    #[test]
    fn every_epoch_is_a_permutation() {
        for order in epochs(7, 3) {
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        }
    }

    #[test]
    fn same_seed_same_order_other_seed_other_order() {
        assert_eq!(epochs(7, 3), epochs(7, 3));
        assert_ne!(epochs(7, 3), epochs(8, 3));
        let e = epochs(7, 2);
        assert_ne!(e[0], e[1], "epochs reshuffle");
        assert_ne!(e[0], (0..20).collect::<Vec<_>>(), "epochs are shuffled");
    }

    #[test]
    fn batch_sizes_with_and_without_drop_last() {
        let mut b = Batches::new(20, 6, 1).unwrap();
        assert_eq!(b.batches_per_epoch(), 4);
        let sizes: Vec<usize> = b.epoch().map(<[usize]>::len).collect();
        assert_eq!(sizes, [6, 6, 6, 2]);
        let mut b = Batches::new(20, 6, 1).unwrap().drop_last(true);
        assert_eq!(b.batches_per_epoch(), 3);
        let sizes: Vec<usize> = b.epoch().map(<[usize]>::len).collect();
        assert_eq!(sizes, [6, 6, 6]);
    }

    #[test]
    fn empty_and_small_sets() {
        let mut b = Batches::new(0, 4, 1).unwrap();
        assert!(b.is_empty());
        assert_eq!(b.epoch().count(), 0);
        let mut b = Batches::new(3, 4, 1).unwrap().drop_last(true);
        assert_eq!(b.epoch().count(), 0);
    }

    #[test]
    fn gather_reuses_the_buffer() {
        let data: Vec<i32> = (0..12).collect();
        let mut out = Vec::with_capacity(6);
        let ptr = out.as_ptr();
        gather_rows(&data, 3, &[3, 1], &mut out).unwrap();
        assert_eq!(out, [9, 10, 11, 3, 4, 5]);
        gather_rows(&data, 3, &[0], &mut out).unwrap();
        assert_eq!(out, [0, 1, 2]);
        assert_eq!(out.as_ptr(), ptr);
    }

    #[test]
    fn zero_batch_size_is_an_error() {
        let err = Batches::new(3, 0, 1).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("give at least 1"), "{err}");
    }

    #[test]
    fn more_samples_than_memory_can_index_is_an_error() {
        for n in [usize::MAX, 1 << 62] {
            let err = Batches::new(n, 32, 1).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
            assert_eq!(
                err.to_string(),
                format!(
                    "Batches::new: n = {n} samples: their indices do not fit in memory; pass \
                     the number of samples of the data set"
                )
            );
        }
    }

    #[test]
    fn bad_rows_and_indices_are_errors() {
        let data = [0, 1, 2, 3, 4, 5];
        let mut out = Vec::new();
        let err = gather_rows(&data, 2, &[0, 3], &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "gather_rows: index 3 is past the last row: the data has 3 rows of 2"
        );
        assert!(matches!(
            gather_rows(&data, 4, &[0], &mut out),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            gather_rows(&data, 0, &[0], &mut out),
            Err(Error::Shape { .. })
        ));
    }
}
