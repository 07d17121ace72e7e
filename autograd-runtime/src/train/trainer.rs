//! The training loop helper: runs epochs, shows a progress bar with the running loss, keeps
//! the loss history, and stops on a NaN or infinite loss.

use std::io::IsTerminal;
#[cfg(feature = "plot")]
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Error, Real, Result};

/// How often the running loss is redrawn inside a long epoch.
const REDRAW: Duration = Duration::from_millis(100);

/// Epochs of history reserved up front; a longer run grows the history as it goes. Reserving
/// `epochs` would panic (capacity overflow) for `Trainer::new(usize::MAX)`, an "until it
/// fails" loop.
const RESERVE: usize = 1024;

/// Runs a training loop for a number of epochs.
///
/// You write one epoch as a closure: for each step, compute the loss and gradient, update the
/// parameters, and [`record`](Epoch::record) the loss. The trainer does the rest:
///
/// - a progress bar on stderr with the epoch and the running loss, hidden when stderr is not
///   a terminal (pipes, CI, `cargo test`) or when turned off with
///   [`progress(false)`](Self::progress);
/// - the loss history, one mean loss per epoch, for `plot` (feature `plot`);
/// - stopping with [`Error::NonFiniteLoss`] (naming the epoch and step) as soon as a recorded
///   loss is NaN or infinite, so no further step works on garbage.
///
/// ```
/// use autograd::optim::{Optimizer, Sgd};
/// use autograd::train::Trainer;
/// // Fit y = 3x with one parameter: loss (w x - y)^2, gradient 2 (w x - y) x.
/// let (xs, ys) = ([1.0_f64, 2.0, 3.0], [3.0, 6.0, 9.0]);
/// let mut w = [0.0];
/// let mut opt = Sgd::new(0.02);
/// let mut trainer = Trainer::new(100).progress(false);
/// trainer.run(|epoch| {
///     for (&x, &y) in xs.iter().zip(&ys) {
///         let r = w[0] * x - y;
///         opt.step(&mut w, &[2.0 * r * x])?;
///         epoch.record(r * r)?;
///     }
///     Ok(())
/// })?;
/// assert!((w[0] - 3.0).abs() < 1e-6);
/// assert_eq!(trainer.history().len(), 100);
/// assert!(trainer.history()[99] < trainer.history()[0]);
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Trainer {
    epochs: usize,
    progress: Option<bool>,
    history: Vec<f64>,
}

impl Trainer {
    /// A trainer for `epochs` epochs, with the progress bar shown when stderr is a terminal.
    ///
    /// `epochs` must be at least 1: [`run`](Self::run) returns an error for 0. A huge number
    /// (`usize::MAX`) is fine for a loop that stops on its own, through an error of the
    /// closure.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(5).progress(false);
    /// let mut calls = 0;
    /// trainer.run(|epoch| {
    ///     calls += 1;
    ///     epoch.record(1.0)
    /// })?;
    /// assert_eq!((calls, trainer.history().len()), (5, 5));
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            progress: None,
            history: Vec::with_capacity(epochs.min(RESERVE)),
        }
    }

    /// Forces the progress bar on or off. Even when on, it is only drawn on a terminal.
    ///
    /// `cargo test` run from a terminal gives tests that terminal as stderr, so tests should
    /// turn the bar off: `Trainer::new(n).progress(false)`.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// // The bar is only drawn; training and its history are the same with it on or off.
    /// let mut trainer = Trainer::new(2).progress(false);
    /// trainer.run(|epoch| epoch.record(0.5))?;
    /// assert_eq!(trainer.history(), [0.5, 0.5]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn progress(mut self, show: bool) -> Self {
        self.progress = Some(show);
        self
    }

    /// Runs the epochs, calling `epoch_fn` once per epoch, and returns a [`Summary`] of this
    /// run: an owned value, so the trainer is free again (read [`history`](Self::history) or
    /// call `plot` right after).
    ///
    /// The history is kept across calls, so a second `run` continues the curve (epochs are
    /// numbered on from the first run).
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteLoss`] as soon as a recorded loss is NaN or infinite, even if the
    /// closure ignored the error [`record`](Epoch::record) returned; [`Error::Invalid`] if the
    /// trainer was made for 0 epochs (the closure is not called) or if an epoch records no loss
    /// (there would be nothing to report or plot); any error the closure returns, unchanged.
    /// The history keeps the epochs completed before the error.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(3).progress(false);
    /// let summary = trainer.run(|epoch| epoch.record(1.0 / (1.0 + epoch.index() as f64)))?;
    /// assert_eq!((summary.epochs, summary.last_loss), (3, 1.0 / 3.0));
    /// assert_eq!(trainer.history().len(), 3); // the trainer is not borrowed by `summary`
    /// // No epochs: nothing to train, and no last loss to report.
    /// let err = Trainer::new(0).progress(false).run(|epoch| epoch.record(1.0)).unwrap_err();
    /// assert!(err.to_string().contains("epochs is 0"), "{err}");
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn run<F>(&mut self, mut epoch_fn: F) -> Result<Summary>
    where
        F: FnMut(&mut Epoch<'_>) -> Result<()>,
    {
        if self.epochs == 0 {
            return Err(Error::Invalid {
                what: "Trainer::run".into(),
                message: "epochs is 0, so nothing would be trained: give Trainer::new the \
                          number of epochs to run, at least 1"
                    .into(),
            });
        }
        let start = Instant::now();
        let bar = self.progress_bar();
        let first = self.history.len();
        // Saturating: with `usize::MAX` epochs the loop ends on an error long before.
        for index in first..first.saturating_add(self.epochs) {
            let mut epoch = Epoch {
                index,
                steps: 0,
                sum: 0.0,
                non_finite: None,
                bar: &bar,
                last_draw: None,
            };
            let result = epoch_fn(&mut epoch);
            if let Some((value, step)) = epoch.non_finite.take() {
                bar.abandon_with_message(format!("loss is {value} at epoch {index}, step {step}"));
                return Err(Error::NonFiniteLoss {
                    value,
                    epoch: index,
                    step,
                });
            }
            if let Err(e) = result {
                bar.abandon();
                return Err(e);
            }
            if epoch.steps == 0 {
                bar.abandon();
                return Err(Error::Invalid {
                    what: "Trainer::run".into(),
                    message: format!(
                        "epoch {index} recorded no loss: call epoch.record(loss) at each step"
                    ),
                });
            }
            let mean = epoch.sum / epoch.steps as f64;
            self.history.push(mean);
            if !bar.is_hidden() {
                bar.set_message(format!("loss {mean:.6}"));
            }
            bar.inc(1);
        }
        bar.finish();
        Ok(Summary {
            epochs: self.epochs,
            // At least one epoch ran and pushed its loss.
            last_loss: self.history.last().copied().unwrap_or(f64::NAN),
            elapsed: start.elapsed(),
        })
    }

    /// The mean loss of each epoch run so far.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(2).progress(false);
    /// assert!(trainer.history().is_empty());
    /// trainer.run(|epoch| {
    ///     epoch.record(1.0)?;
    ///     epoch.record(3.0) // mean 2
    /// })?;
    /// trainer.run(|epoch| epoch.record(epoch.index() as f64))?; // epochs 2 and 3
    /// assert_eq!(trainer.history(), [2.0, 2.0, 2.0, 3.0]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn history(&self) -> &[f64] {
        &self.history
    }

    #[cfg(feature = "plot")]
    /// Draws the loss history to a `.png` or `.svg` file; see [`plot_loss`](super::plot_loss).
    ///
    /// # Errors
    ///
    /// As [`plot_loss`](super::plot_loss).
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let path = std::env::temp_dir().join(format!("doc-trainer-plot-{}.svg", std::process::id()));
    /// let mut trainer = Trainer::new(3).progress(false);
    /// trainer.run(|epoch| epoch.record(1.0 / (1.0 + epoch.index() as f64)))?;
    /// trainer.plot(&path, "first run")?;
    /// assert!(std::fs::read_to_string(&path)?.contains("first run"));
    /// # std::fs::remove_file(&path)?;
    /// assert!(trainer.plot(path.with_extension("jpg"), "first run").is_err()); // .png or .svg
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plot(&self, path: impl AsRef<Path>, title: &str) -> Result<()> {
        super::plot_loss(&self.history, path, title)
    }

    fn progress_bar(&self) -> ProgressBar {
        let show = self.progress.unwrap_or(true) && std::io::stderr().is_terminal();
        if !show {
            return ProgressBar::hidden();
        }
        let bar =
            ProgressBar::with_draw_target(Some(self.epochs as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "epoch {pos}/{len} [{bar:30}] {msg} ({elapsed}, eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar
    }
}

/// What one [`Trainer::run`] did. The full curve is [`Trainer::history`].
///
/// ```
/// use autograd::train::Trainer;
/// let mut trainer = Trainer::new(2).progress(false);
/// trainer.run(|epoch| epoch.record(4.0))?;
/// let summary = trainer.run(|epoch| epoch.record(1.0))?;
/// // This run only: two epochs, ending at 1; the history has all four.
/// assert_eq!((summary.epochs, summary.last_loss), (2, 1.0));
/// assert_eq!(trainer.history(), [4.0, 4.0, 1.0, 1.0]);
/// assert!(summary.elapsed < std::time::Duration::from_secs(60));
/// # Ok::<(), autograd::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Epochs run by this call.
    pub epochs: usize,
    /// The mean loss of the last epoch (a run has at least one).
    pub last_loss: f64,
    /// Wall time of this call.
    pub elapsed: Duration,
}

/// One epoch of a [`Trainer::run`]: record each step's loss here.
///
/// ```
/// use autograd::train::Trainer;
/// let mut trainer = Trainer::new(2).progress(false);
/// let err = trainer.run(|epoch| {
///     epoch.record(0.5_f32)?;
///     assert_eq!(epoch.mean_loss(), Some(0.5));
///     if epoch.index() == 1 {
///         epoch.record(f32::NAN)?; // stops training here
///     }
///     Ok(())
/// }).unwrap_err();
/// assert_eq!(err.to_string(), "loss is NaN at epoch 1, step 1: training stopped");
/// assert_eq!(trainer.history(), [0.5]);
/// ```
#[derive(Debug)]
pub struct Epoch<'a> {
    index: usize,
    steps: usize,
    sum: f64,
    non_finite: Option<(String, usize)>,
    bar: &'a ProgressBar,
    last_draw: Option<Instant>,
}

impl Epoch<'_> {
    /// The 0-based index of this epoch.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(2).progress(false);
    /// let mut seen = Vec::new();
    /// for _ in 0..2 {
    ///     trainer.run(|epoch| {
    ///         seen.push(epoch.index());
    ///         epoch.record(1.0)
    ///     })?;
    /// }
    /// assert_eq!(seen, [0, 1, 2, 3]); // a second run numbers on
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Records the loss of one step (usually the mean loss of a mini-batch). The epoch's loss
    /// in the history is the mean of its steps' losses.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteLoss`] if `loss` is NaN or infinite: return it with `?` so that
    /// training stops before the next step. ([`Trainer::run`] stops after the epoch anyway.)
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(1).progress(false);
    /// trainer.run(|epoch| {
    ///     for loss in [1.0_f32, 2.0, 6.0] {
    ///         epoch.record(loss)?;
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(trainer.history(), [3.0]); // the mean of the steps
    /// let err = Trainer::new(1).progress(false).run(|epoch| {
    ///     epoch.record(1.0)?;
    ///     epoch.record(f64::INFINITY)
    /// }).unwrap_err();
    /// assert_eq!(err.to_string(), "loss is inf at epoch 0, step 1: training stopped");
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn record<T: Real>(&mut self, loss: T) -> Result<()> {
        let loss = loss.to_f64().unwrap_or(f64::NAN);
        let step = self.steps;
        if !loss.is_finite() {
            let value = format!("{loss}");
            self.non_finite.get_or_insert((value.clone(), step));
            return Err(Error::NonFiniteLoss {
                value,
                epoch: self.index,
                step,
            });
        }
        self.steps += 1;
        self.sum += loss;
        self.redraw();
        Ok(())
    }

    /// The mean of the losses recorded so far in this epoch, if any.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// Trainer::new(1).progress(false).run(|epoch| {
    ///     assert_eq!(epoch.mean_loss(), None);
    ///     epoch.record(1.0)?;
    ///     epoch.record(2.0)?;
    ///     assert_eq!(epoch.mean_loss(), Some(1.5));
    ///     Ok(())
    /// })?;
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn mean_loss(&self) -> Option<f64> {
        (self.steps > 0).then(|| self.sum / self.steps as f64)
    }

    /// Prints a line to stdout without tearing the progress bar.
    ///
    /// ```
    /// use autograd::train::Trainer;
    /// let mut trainer = Trainer::new(2).progress(false);
    /// trainer.run(|epoch| {
    ///     let loss = 1.0 / (1.0 + epoch.index() as f64);
    ///     epoch.record(loss)?;
    ///     epoch.println(format!("epoch {}: loss {loss}", epoch.index()));
    ///     Ok(())
    /// })?;
    /// assert_eq!(trainer.history(), [1.0, 0.5]);
    /// # Ok::<(), autograd::Error>(())
    /// ```
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| println!("{}", line.as_ref()));
    }

    /// Shows the running loss, at most every [`REDRAW`], and never when the bar is hidden
    /// (so a hidden bar costs no formatting or allocation).
    fn redraw(&mut self) {
        if self.bar.is_hidden() {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_none_or(|t| now - t >= REDRAW) {
            self.last_draw = Some(now);
            self.bar.set_message(format!(
                "loss {:.6} (this epoch so far)",
                self.sum / self.steps as f64
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_the_mean_loss_per_epoch() {
        let mut trainer = Trainer::new(3).progress(false);
        trainer
            .run(|epoch| {
                // Epoch e records e + 1 and e + 3: mean e + 2.
                let e = epoch.index() as f64;
                epoch.record(e + 1.0)?;
                assert_eq!(epoch.mean_loss(), Some(e + 1.0));
                epoch.record(e + 3.0_f32 as f64)
            })
            .unwrap();
        assert_eq!(trainer.history(), [2.0, 3.0, 4.0]);
        // A second run continues the numbering and the history.
        trainer
            .run(|epoch| epoch.record(epoch.index() as f32))
            .unwrap();
        assert_eq!(trainer.history(), [2.0, 3.0, 4.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn nan_stops_training_at_its_step() {
        let mut trainer = Trainer::new(10).progress(false);
        let mut calls = 0;
        let err = trainer
            .run(|epoch| {
                calls += 1;
                for step in 0..5 {
                    let loss = if epoch.index() == 2 && step == 3 {
                        f64::NAN
                    } else {
                        1.0
                    };
                    epoch.record(loss)?;
                }
                Ok(())
            })
            .unwrap_err();
        assert!(
            matches!(&err, Error::NonFiniteLoss { value, epoch: 2, step: 3 } if value == "NaN"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "loss is NaN at epoch 2, step 3: training stopped"
        );
        assert_eq!(calls, 3);
        assert_eq!(trainer.history(), [1.0, 1.0]);
    }

    #[test]
    fn ignored_infinity_still_stops_after_the_epoch() {
        let mut trainer = Trainer::new(10).progress(false);
        let err = trainer
            .run(|epoch| {
                let _ = epoch.record(1.0_f32);
                let _ = epoch.record(f32::INFINITY);
                let _ = epoch.record(f32::NEG_INFINITY);
                Ok(())
            })
            .unwrap_err();
        assert!(
            matches!(&err, Error::NonFiniteLoss { value, epoch: 0, step: 1 } if value == "inf"),
            "{err:?}"
        );
    }

    #[test]
    fn the_closures_error_is_returned() {
        let mut trainer = Trainer::new(3).progress(false);
        let err = trainer
            .run(|_| Err(Error::Empty { what: "test batch" }))
            .unwrap_err();
        assert!(matches!(err, Error::Empty { what: "test batch" }));
    }

    #[test]
    fn zero_epochs_is_an_error_and_the_closure_is_not_called() {
        let mut trainer = Trainer::new(0).progress(false);
        let mut calls = 0;
        let err = trainer
            .run(|epoch| {
                calls += 1;
                epoch.record(1.0)
            })
            .unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("Trainer::run: epochs is 0"),
            "{err}"
        );
        assert_eq!(calls, 0);
        assert!(trainer.history().is_empty());
    }

    /// `usize::MAX` epochs: no capacity overflow up front, and a second run numbers on
    /// without overflowing `first + epochs`.
    #[test]
    fn usize_max_epochs_run_until_the_closure_stops_them() {
        let mut trainer = Trainer::new(usize::MAX).progress(false);
        for stop in [3, 5] {
            let err = trainer
                .run(|epoch| {
                    if epoch.index() == stop {
                        return Err(Error::Empty { what: "done" });
                    }
                    epoch.record(1.0)
                })
                .unwrap_err();
            assert!(matches!(err, Error::Empty { what: "done" }), "{err:?}");
            assert_eq!(trainer.history().len(), stop);
        }
    }

    #[test]
    fn an_epoch_without_loss_is_an_error() {
        let err = Trainer::new(1).progress(false).run(|_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().contains("epoch 0 recorded no loss"),
            "{err}"
        );
    }

    #[cfg(feature = "plot")]
    #[test]
    fn plot_writes_the_history() {
        let path =
            std::env::temp_dir().join(format!("autograd-trainer-{}.svg", std::process::id()));
        let mut trainer = Trainer::new(5).progress(false);
        trainer
            .run(|e| e.record(1.0 / (1.0 + e.index() as f64)))
            .unwrap();
        trainer.plot(&path, "trainer").unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().contains("trainer"));
        std::fs::remove_file(&path).unwrap();
    }
}
