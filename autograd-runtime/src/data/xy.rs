//! The `x:y` text format of the classic linear-regression demo: one sample per line,
//! `x:y`, for example `0.5:-0.5`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use super::{bad_row, io_error};
use crate::{Error, Real, Result};

/// Loads an `x:y` file into `(xs, ys)`.
///
/// Each line is one sample, two decimal numbers separated by a colon; spaces around either
/// number are allowed. Blank lines and lines starting with `#` are skipped.
///
/// # Errors
///
/// [`Error::Io`] naming the file if it cannot be read; [`Error::BadRow`] with the file and the
/// 1-based line for a line without a colon, with something that is not a number, or with a
/// NaN or infinite value (or one past the largest `T`, such as `1e39` for `f32`);
/// [`Error::EmptyFile`] if no line holds a sample.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-xy-{}.txt", std::process::id()));
/// std::fs::write(&path, "# y = x - 1\n0.5:-0.5\n2:1\n")?;
/// let (xs, ys) = autograd::data::load_xy::<f64>(&path)?;
/// assert_eq!((xs, ys), (vec![0.5, 2.0], vec![-0.5, 1.0]));
///
/// std::fs::write(&path, "0.5:-0.5\n2;1\n")?;
/// let err = autograd::data::load_xy::<f64>(&path).unwrap_err();
/// assert!(err.to_string().ends_with(":2: expected `x:y`, found `2;1`"), "{err}");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_xy<T: Real>(path: impl AsRef<Path>) -> Result<(Vec<T>, Vec<T>)> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut reader = BufReader::new(file);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    // One line buffer for the whole file.
    let mut line = String::new();
    for number in 1.. {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| io_error(path, e))? == 0 {
            break;
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (x, y) = parse_xy(text).map_err(|message| bad_row(path, number, message))?;
        xs.push(x);
        ys.push(y);
    }
    if xs.is_empty() {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok((xs, ys))
}

/// Parses one trimmed `x:y` line; the error says what is wrong with it.
fn parse_xy<T: Real>(text: &str) -> std::result::Result<(T, T), String> {
    let (x, y) = text
        .split_once(':')
        .ok_or_else(|| format!("expected `x:y`, found `{text}`"))?;
    Ok((number("x", x)?, number("y", y)?))
}

fn number<T: Real>(name: &str, text: &str) -> std::result::Result<T, String> {
    let text = text.trim();
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{name} is not a number: `{text}`"))?;
    if !value.is_finite() {
        return Err(format!("{name} is not finite: `{text}`"));
    }
    // A finite f64 can still be past the largest f32.
    let value = T::lit(value);
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!(
            "{name} is too large for {}: `{text}`",
            core::any::type_name::<T>()
        ))
    }
}

/// Writes `xs` and `ys` as an `x:y` file, one sample per line, each number in the shortest
/// form that reads back exactly.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if the slices differ in length; [`Error::Io`] naming the file if
/// it cannot be written.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-write-xy-{}.txt", std::process::id()));
/// autograd::data::write_xy(&path, &[0.5_f64, 2.0], &[-0.5, 1.0])?;
/// assert_eq!(std::fs::read_to_string(&path)?, "0.5:-0.5\n2:1\n");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_xy<T: Real + core::fmt::Display>(
    path: impl AsRef<Path>,
    xs: &[T],
    ys: &[T],
) -> Result<()> {
    let path = path.as_ref();
    if xs.len() != ys.len() {
        return Err(Error::LengthMismatch {
            what: "xs and ys",
            left: xs.len(),
            right: ys.len(),
        });
    }
    let file = File::create(path).map_err(|e| io_error(path, e))?;
    let mut out = BufWriter::new(file);
    for (x, y) in xs.iter().zip(ys) {
        writeln!(out, "{x}:{y}").map_err(|e| io_error(path, e))?;
    }
    out.flush().map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp(name: &str, contents: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("autograd-xy-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn bad_row_of(name: &str, contents: &str) -> (usize, String) {
        let path = temp(name, contents);
        let err = load_xy::<f64>(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        match err {
            Error::BadRow {
                path: p,
                line,
                message,
            } => {
                assert_eq!(p, path);
                (line, message)
            }
            other => panic!("expected BadRow, got {other:?}"),
        }
    }

    #[test]
    fn reads_samples_skipping_blanks_and_comments() {
        let path = temp("ok", "# header\n0.5:-0.5\n\n  -3 : -4 \n1e-3:2E2\r\n");
        let (xs, ys) = load_xy::<f32>(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(xs, [0.5, -3.0, 0.001]);
        assert_eq!(ys, [-0.5, -4.0, 200.0]);
    }

    #[test]
    fn bad_rows_name_the_line_and_the_problem() {
        assert_eq!(
            bad_row_of("colon", "1:0\n\n2 3\n"),
            (3, "expected `x:y`, found `2 3`".into())
        );
        assert_eq!(
            bad_row_of("x", "1:0\nabc:1\n"),
            (2, "x is not a number: `abc`".into())
        );
        assert_eq!(bad_row_of("y", "1:\n"), (1, "y is not a number: ``".into()));
        assert_eq!(
            bad_row_of("extra", "1:2:3\n"),
            (1, "y is not a number: `2:3`".into())
        );
        assert_eq!(
            bad_row_of("nan", "1:NaN\n"),
            (1, "y is not finite: `NaN`".into())
        );
    }

    #[test]
    fn a_value_past_the_largest_f32_is_a_bad_row_not_inf() {
        let path = temp("f32-range", "1:2\n3:1e39\n");
        let err = load_xy::<f32>(&path).unwrap_err();
        let (xs, _) = load_xy::<f64>(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(&err, Error::BadRow { line: 2, message, .. }
                if message == "y is too large for f32: `1e39`"),
            "{err:?}"
        );
        assert_eq!(xs, [1.0, 3.0]);
    }

    #[test]
    fn error_message_names_file_and_line() {
        let path = temp("msg", "0:1\nx\n");
        let err = load_xy::<f64>(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            err,
            format!("{}:2: expected `x:y`, found `x`", path.display())
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let path = std::env::temp_dir().join("autograd-xy-does-not-exist.txt");
        let err = load_xy::<f64>(&path).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(
            err.to_string().contains("autograd-xy-does-not-exist.txt"),
            "{err}"
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let path = temp("empty", "# nothing\n\n");
        let err = load_xy::<f64>(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(err, Error::EmptyFile { .. }), "{err:?}");
    }

    #[test]
    fn write_then_load_round_trips_exactly() {
        let xs = [0.1_f64, -1.0 / 3.0, 1e-300, 12345.678];
        let ys: Vec<f64> = xs.iter().map(|x| x - 1.0).collect();
        let path = std::env::temp_dir().join(format!("autograd-xy-{}-rt", std::process::id()));
        write_xy(&path, &xs, &ys).unwrap();
        let (xs2, ys2) = load_xy::<f64>(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((xs.to_vec(), ys), (xs2, ys2));
        assert!(matches!(
            write_xy(&path, &xs, &[1.0]),
            Err(Error::LengthMismatch { .. })
        ));
    }
}
