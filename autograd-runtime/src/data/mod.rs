//! Data: loaders for CSV and for the `x:y` text format, recorded normalisation that can be
//! undone, and shuffled mini-batches from a seeded RNG.
//!
//! Loaders report a bad row as [`crate::Error::BadRow`] with the file and the 1-based line,
//! and an unreadable file as [`crate::Error::Io`] with the file.
//!
//! ```
//! use autograd::data::{gather_rows, Batches, Normalizer};
//! // Four samples of two features, row-major; the second feature is 100 times the first.
//! let mut xs = vec![1.0_f64, 100.0, 2.0, 200.0, 3.0, 300.0, 4.0, 400.0];
//! let norm = Normalizer::standard(&xs, 2)?;
//! norm.transform(&mut xs)?;
//! let (mut batches, mut batch) = (Batches::new(4, 2, 7)?, Vec::new());
//! for indices in batches.epoch() {
//!     gather_rows(&xs, 2, indices, &mut batch)?;
//!     assert_eq!(batch.len(), 2 * 2); // two rows of two features
//!     // Standardised, both features are on one scale.
//!     assert!(batch.chunks(2).all(|row| (row[0] - row[1]).abs() < 1e-12), "{batch:?}");
//! }
//! # Ok::<(), autograd::Error>(())
//! ```

mod batches;
#[cfg(feature = "csv")]
mod csv;
mod normalize;
mod xy;

#[cfg(feature = "csv")]
pub use self::csv::{Column, Csv, Table};
pub use batches::{gather_rows, Batches};
pub use normalize::{Normalizer, Scaling};
pub use xy::{load_xy, write_xy};

use std::path::Path;

use crate::Error;

/// An I/O error that names its file.
fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A bad row that names its file and 1-based line.
fn bad_row(path: &Path, line: usize, message: String) -> Error {
    Error::BadRow {
        path: path.to_path_buf(),
        line,
        message,
    }
}
