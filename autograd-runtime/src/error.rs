//! The one error type of the runtime: every fallible call returns `Result<_, Error>`.

use std::path::PathBuf;

/// What can go wrong at run time: bad shapes, empty or mismatched data, unreadable files,
/// bad rows, non-finite losses, checkpoint problems.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A computation was given no samples.
    #[error("empty input: {what} has no samples")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// Two inputs that must have the same length do not.
    #[error("length mismatch: {what} ({left} vs {right})")]
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// A tensor or buffer has the wrong shape.
    #[error("shape mismatch for {what}: expected {expected:?}, found {found:?}")]
    Shape {
        /// Which tensor.
        what: String,
        /// The shape that was needed.
        expected: Vec<usize>,
        /// The shape that was given.
        found: Vec<usize>,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A row of a data file could not be read.
    #[error("{}:{line}: {message}", path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The loss became NaN or infinite during training.
    #[error("loss is {value} at epoch {epoch}, step {step}: training stopped")]
    NonFiniteLoss {
        /// The loss, as text (`NaN`, `inf`, `-inf`).
        value: String,
        /// 0-based epoch.
        epoch: usize,
        /// 0-based step within the epoch.
        step: usize,
    },
    /// A checkpoint file is not what the model expects.
    #[error("checkpoint {}: {message}", path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Drawing a plot failed.
    #[error("plot {}: {message}", path.display())]
    Plot {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An optimizer with state (momentum, moment estimates) was stepped with another number of
    /// parameters than the one its state was sized for on its first step.
    #[error(
        "optimizer state was sized for {state} parameters but the step got {params}; \
         call reset() to use the optimizer with another model"
    )]
    OptimizerState {
        /// Parameters the state holds.
        state: usize,
        /// Parameters the step was given.
        params: usize,
    },
    /// A data file has no data rows.
    #[error("{}: no data rows", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
}

/// `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
