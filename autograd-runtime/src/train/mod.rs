//! Training helpers: the loop ([`Trainer`]: progress bar, loss history, stop on a non-finite
//! loss), the loss-curve plot, and safetensors checkpoints.

#[cfg(feature = "plot")]
mod plot;
mod trainer;

#[cfg(feature = "safetensors")]
pub use crate::checkpoint::{load_tensors, save_tensors, NamedTensor, TensorMut};
#[cfg(feature = "plot")]
pub use plot::{plot_loss, register_font};
pub use trainer::{Epoch, Summary, Trainer};
