//! Training helpers: the loop ([`Trainer`]: progress bar, loss history, stop on a non-finite
//! loss), the loss-curve plot, and safetensors checkpoints.
//!
//! ```
//! use autograd::optim::{Optimizer, Sgd};
//! use autograd::train::{load_tensors, plot_loss, save_tensors, NamedTensor, TensorMut, Trainer};
//! // Fit y = 2x with one weight: loss (w x - y)², gradient 2 (w x - y) x.
//! let mut w = [0.0_f64];
//! let mut opt = Sgd::new(0.1);
//! let mut trainer = Trainer::new(50).progress(false);
//! trainer.run(|epoch| {
//!     for (x, y) in [(1.0, 2.0), (2.0, 4.0)] {
//!         let r = w[0] * x - y;
//!         opt.step(&mut w, &[2.0 * r * x])?;
//!         epoch.record(r * r)?;
//!     }
//!     Ok(())
//! })?;
//! assert!((w[0] - 2.0).abs() < 1e-9);
//!
//! let tmp = |name: &str| std::env::temp_dir().join(format!("doc-train-{}-{name}", std::process::id()));
//! let (svg, ckpt) = (tmp("loss.svg"), tmp("w.safetensors"));
//! plot_loss(trainer.history(), &svg, "fit")?;
//! save_tensors(&ckpt, &[NamedTensor::new("w", &[1], &w)])?;
//! let mut restored = [0.0_f64];
//! load_tensors(&ckpt, &mut [TensorMut::new("w", &[1], &mut restored)])?;
//! assert_eq!(restored, w);
//! # std::fs::remove_file(&svg)?;
//! # std::fs::remove_file(&ckpt)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "plot")]
mod plot;
mod trainer;

#[cfg(feature = "safetensors")]
pub use crate::checkpoint::{load_tensors, save_tensors, NamedTensor, TensorMut};
#[cfg(feature = "plot")]
pub use plot::{plot_loss, register_font};
pub use trainer::{Epoch, Summary, Trainer};
