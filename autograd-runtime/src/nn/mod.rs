//! Neural-network building blocks: scalar kernels, activations, the dense layer, the MLP and
//! the losses. No graph at run time: each layer's backward pass is written out.

mod activation;
mod dense;
mod gemm;
mod init;
pub mod kernels;
pub mod loss;
mod mlp;

pub use activation::Activation;
pub use dense::Dense;
pub use gemm::Gemm;
pub use init::Init;
pub use mlp::{Mlp, ParamTensor};
