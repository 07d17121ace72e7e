//! Plots for training: the loss curve, drawn by `plotters` to PNG or SVG by the file extension.
//!
//! The machines we build on have no system fonts, so the labels use a subset of DejaVu Sans
//! (ASCII plus a few symbols, 11 kB, license in `assets/LICENSE-DejaVu.txt`) that is compiled
//! into the crate and registered with `plotters` on first use.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Error, Result};

/// DejaVu Sans, subset to ASCII, `° ± · × μ σ – — − ≈` (made with fontTools' `pyftsubset`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

/// Size of the image in pixels (SVG units for `.svg`).
const SIZE: (u32, u32) = (800, 500);

/// Registers the bundled font as `plotters`' `"sans-serif"` family, once per process.
///
/// [`plot_loss`] calls it for you. Call it yourself before drawing your own `plotters` charts
/// with text: without a registered font, `plotters` (built without system font support) fails
/// as soon as it lays out a label. Only the characters listed in the module docs have glyphs.
///
/// ```
/// autograd::train::register_font();
/// autograd::train::register_font(); // a second call does nothing
/// ```
pub fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bytes are a valid font checked by the tests, so this cannot fail.
            if plotters::style::register_font("sans-serif", style, FONT).is_err() {
                unreachable!("the bundled font is valid");
            }
        }
    });
}

/// Draws a loss curve, one point per entry of `history` (usually per epoch), to `path`.
///
/// The format follows the extension: `.png` or `.svg`. The y axis is logarithmic when every
/// loss is positive and they span more than two decades, linear otherwise. Non-finite entries
/// are skipped.
///
/// # Errors
///
/// [`Error::Empty`] if `history` has no finite entry, [`Error::Plot`] for another extension or
/// if drawing or writing the file fails.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-loss-{}.svg", std::process::id()));
/// let history = [1.0, 0.5, 0.25, 0.125];
/// autograd::train::plot_loss(&history, &path, "training loss")?;
/// assert!(std::fs::read_to_string(&path)?.starts_with("<svg"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_loss(history: &[f64], path: impl AsRef<Path>, title: &str) -> Result<()> {
    let path = path.as_ref();
    let points: Vec<(f64, f64)> = history
        .iter()
        .enumerate()
        .filter(|(_, loss)| loss.is_finite())
        .map(|(i, &loss)| (i as f64, loss))
        .collect();
    if points.is_empty() {
        return Err(Error::Empty {
            what: "loss history",
        });
    }
    register_font();
    let fail = |message: String| Error::Plot {
        path: path.to_path_buf(),
        message,
    };
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw_loss(&root, &points, title).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        Some(e) if e.eq_ignore_ascii_case("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw_loss(&root, &points, title).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        _ => Err(fail("unsupported extension: use .png or .svg".into())),
    }
}

/// Draws the curve on any backend; errors as text, so both backends share one error path.
fn draw_loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(f64, f64)],
    title: &str,
) -> std::result::Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let x_max = points.last().map_or(1.0, |p| p.0).max(1.0);
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let mut chart = ChartBuilder::on(root);
    chart
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70);
    let line = LineSeries::new(points.iter().copied(), BLUE.stroke_width(2));
    if lo > 0.0 && hi / lo > 100.0 {
        // Log axis: pad by a factor so the curve does not touch the frame.
        let mut c = chart
            .build_cartesian_2d(0.0..x_max, (lo / 1.2..hi * 1.2).log_scale())
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("loss (log scale)")
            .draw()
            .map_err(err)?;
        c.draw_series(line).map_err(err)?;
    } else {
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
        let mut c = chart
            .build_cartesian_2d(0.0..x_max, lo - pad..hi + pad)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("loss")
            .draw()
            .map_err(err)?;
        c.draw_series(line).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("autograd-plot-{}-{name}", std::process::id()))
    }

    #[test]
    fn png_is_a_png_file() {
        let path = temp("loss.png");
        let history: Vec<f64> = (0..50).map(|i| (-(i as f64) / 5.0).exp()).collect();
        plot_loss(&history, &path, "loss").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn svg_has_the_title_and_a_curve() {
        let path = temp("loss.svg");
        plot_loss(&[3.0, 2.0, 2.5, 1.0], &path, "my title").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(text.contains("my title"));
        assert!(text.contains("<polyline"));
    }

    #[test]
    fn one_point_and_constant_history_still_plot() {
        let path = temp("flat.svg");
        plot_loss(&[2.0], &path, "one").unwrap();
        plot_loss(&[2.0, 2.0, 2.0], &path, "flat").unwrap();
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn bad_input_is_an_error() {
        let svg = temp("never.svg");
        assert!(matches!(
            plot_loss(&[], &svg, "t"),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            plot_loss(&[f64::NAN], &svg, "t"),
            Err(Error::Empty { .. })
        ));
        let err = plot_loss(&[1.0], temp("loss.jpg"), "t").unwrap_err();
        assert!(err.to_string().contains("use .png or .svg"), "{err}");
        assert!(!svg.exists());
    }

    #[test]
    fn unwritable_path_is_a_plot_error_naming_the_file() {
        let path = temp("no-such-dir").join("loss.png");
        let err = plot_loss(&[1.0, 0.5], &path, "t").unwrap_err();
        assert!(matches!(err, Error::Plot { .. }), "{err:?}");
        assert!(err.to_string().contains("no-such-dir"), "{err}");
    }
}
