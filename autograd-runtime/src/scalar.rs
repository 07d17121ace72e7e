//! `Scalar`: the one sealed trait for what the runtime stores in buffers, `f32` and `f64`.
//!
//! [`Real`] is open (generated code is generic over it, and the dual numbers implement it);
//! matrix products and checkpoints need to know the machine type, so they take a `Scalar`,
//! implemented for exactly `f32` and `f64`. The per-type parts live in the private
//! [`Sealed`] supertrait (the safetensors dtype and bytes, here) and in the hidden matrix
//! product hooks (implemented in `nn/gemm.rs`, next to the kernels they call).

#[cfg(feature = "safetensors")]
use safetensors::Dtype;

use crate::Real;

/// A machine float the layers, optimizers and checkpoints work on: `f32` or `f64`.
///
/// Sealed: implemented for exactly these two. Use it as a bound where [`Real`] is too wide:
///
/// ```
/// use autograd::nn::{Activation, Mlp};
/// use autograd::Scalar;
/// fn tiny<T: Scalar>() -> autograd::Result<Mlp<T>> { Mlp::new(&[2, 3, 1], Activation::Tanh, 7) }
/// assert_eq!(tiny::<f32>()?.params().len(), tiny::<f64>()?.params().len());
/// # Ok::<(), autograd::Error>(())
/// ```
pub trait Scalar: Real + Sealed {
    /// `c = a·b + beta·c` through `matrixmultiply`, `c` row-major. Use the layers instead.
    #[doc(hidden)]
    fn matrixmultiply(
        mkn: (usize, usize, usize),
        a: &[Self],
        a_strides: (usize, usize),
        b: &[Self],
        b_strides: (usize, usize),
        beta: Self,
        c: &mut [Self],
    );

    /// `c = a·b + beta·c` for a product above `nn::gemm::SMALL` multiply-adds, `c` row-major:
    /// for `f32` on a CPU with AVX-512 our own packed kernel, else `matrixmultiply`. Use the
    /// layers instead.
    #[doc(hidden)]
    fn large(
        mkn: (usize, usize, usize),
        a: &[Self],
        a_strides: (usize, usize),
        b: &[Self],
        b_strides: (usize, usize),
        beta: Self,
        c: &mut [Self],
    );

    /// Runs `f` with this thread's scratch buffer, where the small-product loop and our own
    /// large-product kernel pack their operands. It only grows, so after the first product of a
    /// given size nothing is allocated.
    #[doc(hidden)]
    fn with_scratch<R>(f: impl FnOnce(&mut Vec<Self>) -> R) -> R;
}

/// Seals [`Scalar`], and says how a checkpoint stores an element: its dtype and little-endian
/// bytes. Public in a private module, so nothing outside the crate can name or implement it.
pub trait Sealed: Sized {
    /// The safetensors dtype.
    #[cfg(feature = "safetensors")]
    const DTYPE: Dtype;
    #[cfg(feature = "safetensors")]
    /// Appends the little-endian bytes of `self`.
    fn push_le(self, out: &mut Vec<u8>);
    #[cfg(feature = "safetensors")]
    /// Reads a value from exactly `size_of::<Self>()` little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

impl Sealed for f32 {
    #[cfg(feature = "safetensors")]
    const DTYPE: Dtype = Dtype::F32;
    #[cfg(feature = "safetensors")]
    fn push_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[cfg(feature = "safetensors")]
    fn from_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
}

impl Sealed for f64 {
    #[cfg(feature = "safetensors")]
    const DTYPE: Dtype = Dtype::F64;
    #[cfg(feature = "safetensors")]
    fn push_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[cfg(feature = "safetensors")]
    fn from_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
}
