//! Training helpers: the loop ([`Trainer`]: progress bar, loss history, stop on a non-finite
//! loss), the loss-curve plot, and safetensors checkpoints.

mod plot;
mod trainer;

pub use crate::checkpoint::{load_tensors, save_tensors, NamedTensor, TensorMut};
pub use plot::{plot_loss, register_font};
pub use trainer::{Epoch, Trainer};
