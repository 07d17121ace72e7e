/// Concrete `f32` parameters, a constant and an activation of `autograd::Real`.
#[wrt(x)]
pub fn scaled_softplus(x: f32, k: f32) -> f32 {
    (k * x).softplus() * std::f32::consts::PI + 1e-3
}
