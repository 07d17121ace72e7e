//! Data: loaders for CSV and for the `x:y` text format, recorded normalisation that can be
//! undone, and shuffled mini-batches from a seeded RNG.
//!
//! Loaders report a bad row as [`crate::Error::BadRow`] with the file and the 1-based line,
//! and an unreadable file as [`crate::Error::Io`] with the file.

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
