//! The hand-written loops that `nn::loss` had for MSE and SSE before they became the `grad!`
//! kernel `sse_block` (as of commit adf9041), kept as the reference its tests compare against
//! and the `old` contender of `benches/losses.rs`, which includes this file. Paths go through
//! `autograd`: in the runtime that names the runtime itself, in the bench the façade crate.

use autograd::nn::kernels;
use autograd::{Error, Real, Result};

/// `nn::loss::mse`, hand-written: `sse`, then a second pass that scales the gradient.
pub fn mse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    let sum = sse(pred, target, grad)?;
    let inv = T::one() / T::lit(pred.len() as f64);
    grad.iter_mut().for_each(|g| *g *= inv);
    Ok(sum / T::lit(pred.len() as f64))
}

/// `nn::loss::sse`, hand-written: one loop over the per-element kernel `sq_err_grad`.
pub fn sse<T: Real>(pred: &[T], target: &[T], grad: &mut [T]) -> Result<T> {
    lengths(pred.len(), target.len(), grad.len())?;
    let mut sum = T::zero();
    for ((&p, &t), g) in pred.iter().zip(target).zip(grad.iter_mut()) {
        let (v, partials) = kernels::sq_err_grad(p, t);
        let dp = partials.p;
        sum += v;
        *g = dp;
    }
    Ok(sum)
}

fn lengths(pred: usize, target: usize, grad: usize) -> Result<()> {
    for (what, other) in [
        ("predictions and targets", target),
        ("predictions and gradient", grad),
    ] {
        if pred != other {
            return Err(Error::LengthMismatch {
                what,
                left: pred,
                right: other,
            });
        }
    }
    if pred == 0 {
        return Err(Error::Empty { what: "loss input" });
    }
    Ok(())
}
