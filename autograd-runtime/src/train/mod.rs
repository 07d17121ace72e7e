//! Training helpers: the loss-curve plot (and, as they land, the training loop with its
//! progress bar and loss history, and safetensors checkpoints).

mod plot;

pub use plot::{plot_loss, register_font};
