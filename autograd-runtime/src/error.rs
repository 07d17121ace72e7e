//! The one error type of the runtime: every fallible call returns `Result<_, Error>`.

use std::path::PathBuf;

/// What can go wrong at run time: bad shapes, empty or mismatched data, unreadable files,
/// bad rows, non-finite losses, checkpoint problems.
///
/// Each variant names what went wrong, and `Display` says it in a sentence:
///
/// ```
/// use autograd::{batch, grad, Error};
/// grad! { fn inv(x) { 1.0 / x } }
/// let err = batch::mean_grad(&[2.0, 0.0, 4.0], inv_grad).unwrap_err();
/// assert!(matches!(err, Error::NonFinite { what: "value", sample: 1 }), "{err:?}");
/// assert!(err.to_string().starts_with("the value at sample 1 is NaN or infinite"), "{err}");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A computation was given no samples.
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// Two inputs that must have the same length do not.
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// A tensor or buffer has the wrong shape.
    Shape {
        /// Which tensor, and where it goes (`"input of Mlp layer 0 (2 → 16)"`).
        what: String,
        /// The shape that was needed, in words (`"rows of 2 features"`).
        expected: String,
        /// The shape that was given, in words (`"3 values, not a whole number of rows"`).
        found: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A row of a data file could not be read.
    BadRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The loss became NaN or infinite during training.
    NonFiniteLoss {
        /// The loss, as text (`NaN`, `inf`, `-inf`).
        value: String,
        /// 0-based epoch.
        epoch: usize,
        /// 0-based step within the epoch.
        step: usize,
    },
    /// A checkpoint file is not what the model expects.
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Drawing a plot failed.
    Plot {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An optimizer with state (momentum, moment estimates) was stepped with another number of
    /// parameters than the one its state was sized for on its first step.
    OptimizerState {
        /// Parameters the state holds.
        state: usize,
        /// Parameters the step was given.
        params: usize,
    },
    /// A batch loop met a NaN or infinite value or gradient.
    NonFinite {
        /// `"value"` or `"gradient"`.
        what: &'static str,
        /// 0-based index of the first sample where it happened.
        sample: usize,
    },
    /// An argument or a call order that cannot work: a zero size, a negative learning rate,
    /// `backward` before `forward`, an epoch without a recorded loss.
    Invalid {
        /// The function or object concerned (`"Mlp::new"`, `"Adam"`).
        what: String,
        /// What is wrong and what to do instead.
        message: String,
    },
    /// A data file has no data rows.
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// A graph picture could not be made: DOT text that does not parse, or a graph the layout
    /// library could not place.
    Graph {
        /// What went wrong and what to do instead.
        message: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Empty { what } => write!(f, "empty input: {what} has no samples"),
            Error::LengthMismatch { what, left, right } => {
                write!(f, "length mismatch: {what} ({left} vs {right})")
            }
            Error::Shape {
                what,
                expected,
                found,
            } => write!(
                f,
                "wrong shape for {what}: expected {expected}, got {found}"
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::BadRow {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            Error::NonFiniteLoss { value, epoch, step } => write!(
                f,
                "loss is {value} at epoch {epoch}, step {step}: training stopped"
            ),
            Error::Checkpoint { path, message } => {
                write!(f, "checkpoint {}: {message}", path.display())
            }
            Error::Plot { path, message } => write!(f, "plot {}: {message}", path.display()),
            Error::OptimizerState { state, params } => write!(
                f,
                "optimizer state was sized for {state} parameters but the step got {params}; \
                 call reset() to use the optimizer with another model"
            ),
            Error::NonFinite { what, sample } => write!(
                f,
                "the {what} at sample {sample} is NaN or infinite: check that sample's data \
                 and the parameters"
            ),
            Error::Invalid { what, message } => write!(f, "{what}: {message}"),
            Error::EmptyFile { path } => write!(f, "{}: no data rows", path.display()),
            Error::Graph { message } => write!(f, "graph picture: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A shape in words for [`Error::Shape`]: `[4, 2]` is "4 × 2 = 8 values", `[3]` "3 values".
#[cfg_attr(not(feature = "nn"), allow(dead_code))]
pub(crate) fn values(shape: &[usize]) -> String {
    let n: usize = shape.iter().product();
    match shape {
        [_] => format!("{n} values"),
        _ => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("{} = {n} values", dims.join(" × "))
        }
    }
}

/// `Result` with the runtime's [`Error`].
///
/// ```
/// use autograd::{batch, grad, Result};
/// grad! { fn sq(x) { x * x } }
/// fn mean_square(xs: &[f64]) -> Result<f64> {
///     Ok(batch::mean_grad(xs, sq_grad)?.0)
/// }
/// assert_eq!(mean_square(&[1.0, 3.0])?, 5.0);
/// assert!(mean_square(&[]).is_err());
/// # Ok::<(), autograd::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
