//! Plots for training: the loss curve, drawn by `plotters` to PNG or SVG by the file extension.
//!
//! The machines we build on have no system fonts, so the labels use a subset of DejaVu Sans
//! (ASCII plus a few symbols, 11 kB, license in `assets/LICENSE-DejaVu.txt`) that is compiled
//! into the crate and registered with `plotters` on first use.

use std::path::Path;
use std::sync::Once;

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
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
/// The format follows the extension: `.png` or `.svg`. The x axis is the entry's index (the
/// epoch), labelled at whole epochs only: every one for a short history, every 2, 5, 10, 20,
/// 50, … for a longer one, at most 11 labels. The y axis is logarithmic when every loss is
/// positive and they span more than two decades, linear otherwise.
///
/// A NaN or infinite entry breaks the line: the curve stops before it and starts again after
/// it, so the plot shows where training went wrong instead of drawing a line across. (A
/// history from [`Trainer`](super::Trainer) has none: it stops at the first.) A finite entry
/// with no finite neighbour, a one-entry history among them, is drawn as a dot.
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
/// // A NaN splits the curve in two lines; the dot after it has no neighbour to join.
/// autograd::train::plot_loss(&[1.0, 0.5, f64::NAN, 0.4, f64::NAN], &path, "split")?;
/// let svg = std::fs::read_to_string(&path)?;
/// // In blue: one line (epochs 0 and 1) and one dot (epoch 3).
/// assert_eq!(svg.matches("#0000FF").count(), 2);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_loss(history: &[f64], path: impl AsRef<Path>, title: &str) -> Result<()> {
    let path = path.as_ref();
    let runs = finite_runs(history);
    if runs.is_empty() {
        return Err(Error::Empty {
            what: "loss history",
        });
    }
    register_font();
    let fail = |message: String| Error::Plot {
        path: path.to_path_buf(),
        message,
    };
    let last = history.len() - 1;
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw_loss(&root, &runs, last, title).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        Some(e) if e.eq_ignore_ascii_case("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw_loss(&root, &runs, last, title).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        _ => Err(fail("unsupported extension: use .png or .svg".into())),
    }
}

/// The runs of consecutive finite entries, as `(epoch, loss)` points.
fn finite_runs(history: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    for (i, &loss) in history.iter().enumerate() {
        if !loss.is_finite() {
            open = false;
        } else if open {
            if let Some(run) = runs.last_mut() {
                run.push((i as f64, loss));
            }
        } else {
            runs.push(vec![(i as f64, loss)]);
            open = true;
        }
    }
    runs
}

/// The x axis: epochs `0..=last` (around 0 for one), labelled at [`epoch_ticks`] only.
/// `plotters`' own `f64` axis puts labels at fractions (an axis of 3 epochs at tenths, each
/// printed as a whole number: `0 0 0 1 1 1 1 2 2 2`), and its wrapper with given key points
/// (`with_key_points`) loses the label formatting, hence an axis of our own.
struct EpochAxis {
    coord: RangedCoordf64,
    ticks: Vec<f64>,
}

impl EpochAxis {
    fn new(last: usize) -> Self {
        // One epoch gets an axis around it, so its dot is not drawn on the frame.
        let range = if last == 0 {
            -1.0..1.0
        } else {
            0.0..last as f64
        };
        EpochAxis {
            coord: range.into(),
            ticks: epoch_ticks(last),
        }
    }
}

impl Ranged for EpochAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.coord.map(value, limit)
    }

    /// The ticks for the labelled (bold) grid lines, no light ones between.
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.coord.range()
    }
}

impl ValueFormatter<f64> for EpochAxis {
    fn format(value: &f64) -> String {
        format!("{value:.0}")
    }
}

/// The labelled epochs of an axis from 0 to `last`: every `step` epochs, `step` the smallest
/// of 1, 2, 5, 10, 20, 50, … that gives at most 11 labels.
fn epoch_ticks(last: usize) -> Vec<f64> {
    let mut decade = 1_usize;
    let step = loop {
        if let Some(s) = [1, 2, 5]
            .iter()
            .map(|m| decade.saturating_mul(*m))
            .find(|s| last / s <= 10)
        {
            break s;
        }
        decade = decade.saturating_mul(10);
    };
    (0..=last).step_by(step).map(|e| e as f64).collect()
}

/// Draws the curve on any backend; errors as text, so both backends share one error path.
fn draw_loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    runs: &[Vec<(f64, f64)>],
    last: usize,
    title: &str,
) -> std::result::Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let x = EpochAxis::new(last);
    let (lo, hi) = runs
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let mut chart = ChartBuilder::on(root);
    chart
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70);
    let style = BLUE.stroke_width(2);
    // A line per run; a run of one point has no line to draw, so it is a dot.
    let lines = runs
        .iter()
        .filter(|r| r.len() > 1)
        .map(|r| PathElement::new(r.clone(), style));
    let dots = runs
        .iter()
        .filter(|r| r.len() == 1)
        .map(|r| Circle::new(r[0], 4, style.filled()));
    if lo > 0.0 && hi / lo > 100.0 {
        // Log axis: pad by a factor so the curve does not touch the frame.
        let mut c = chart
            .build_cartesian_2d(x, (lo / 1.2..hi * 1.2).log_scale())
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("epoch")
            .y_desc("loss (log scale)")
            .draw()
            .map_err(err)?;
        c.draw_series(lines).map_err(err)?;
        c.draw_series(dots).map_err(err)?;
    } else {
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
        let mut c = chart
            .build_cartesian_2d(x, lo - pad..hi + pad)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .draw()
            .map_err(err)?;
        c.draw_series(lines).map_err(err)?;
        c.draw_series(dots).map_err(err)?;
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

    /// The texts of an SVG, in order.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                Some(
                    t.split_once('>')?
                        .1
                        .split_once("</text>")?
                        .0
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    /// Plots `history` to SVG and returns its text.
    fn svg_of(history: &[f64], name: &str) -> String {
        let path = temp(name);
        plot_loss(history, &path, "t").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        text
    }

    /// The x labels: the texts that are whole numbers (the losses, between 2 and 3, are
    /// labelled with a decimal point).
    fn epoch_labels(svg: &str) -> Vec<String> {
        texts(svg)
            .into_iter()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .collect()
    }

    #[test]
    fn epochs_are_labelled_once_each_and_whole() {
        for (epochs, want) in [
            (2, &[0, 1][..]),
            (3, &[0, 1, 2]),
            (11, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            (12, &[0, 2, 4, 6, 8, 10]),
            (25, &[0, 5, 10, 15, 20]),
            (1000, &[0, 100, 200, 300, 400, 500, 600, 700, 800, 900]),
        ] {
            let history: Vec<f64> = (0..epochs).map(|i| 2.0 + 1.0 / (1.0 + i as f64)).collect();
            let svg = svg_of(&history, &format!("ticks{epochs}.svg"));
            let want: Vec<String> = want.iter().map(|e| e.to_string()).collect();
            assert_eq!(epoch_labels(&svg), want, "{epochs} epochs");
            // Only the x labels are whole numbers: the y ones are there too.
            assert!(texts(&svg).iter().any(|t| t == "2.5"), "{:?}", texts(&svg));
        }
    }

    #[test]
    fn one_point_is_a_dot_at_epoch_0() {
        let svg = svg_of(&[2.5], "one.svg");
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(!svg.contains("stroke=\"#0000FF\""), "a line of one point");
        assert_eq!(epoch_labels(&svg), ["0"]);
    }

    #[test]
    fn a_non_finite_entry_breaks_the_line() {
        // Epochs 0–1 and 4–5 are lines, epoch 7 a dot; 2, 3 and 6 are gaps.
        let history = [2.1, 2.2, f64::NAN, f64::INFINITY, 2.5, 2.4, f64::NAN, 2.9];
        let svg = svg_of(&history, "gaps.svg");
        let lines: Vec<&str> = svg
            .split("<polyline")
            .filter(|l| l.contains("stroke=\"#0000FF\""))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        for line in lines {
            let points = line
                .split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert_eq!(points.split_whitespace().count(), 2, "{points}");
        }
        assert_eq!(svg.matches("<circle").count(), 1);
        // The axis spans the whole history, gaps included.
        assert_eq!(epoch_labels(&svg), ["0", "1", "2", "3", "4", "5", "6", "7"]);
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
