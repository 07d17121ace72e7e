//! Op → derivative: the ONE table of the macro.
//!
//! For every op of the body language: its name in the source, how many arguments it takes,
//! and its local partial derivatives, written as IR with a [`Builder`]. The reverse pass asks
//! [`adjoint`] for the terms `(argument, contribution)` that an op's adjoint `dy` sends to its
//! arguments; it knows nothing else about any op. The methods themselves, their names and
//! arities, are listed once in `ir.rs` (`METHODS`).
//!
//! Kink conventions (PyTorch's): `abs'(0) = 0`, `relu'(0) = 0`, `max`/`min` at a tie give each
//! side 1/2, `powi(x, 0)' = 0` and `powf(x, 0)' = 0` (also at `x = 0`), `powf(x, y)` at `x = 0`
//! has `∂/∂y = 0`, `sqrt'(0) = +inf`,
//! `hypot` at the origin has gradient 0, piecewise-constant methods have derivative 0.

use std::f64::consts::{LN_10, LN_2};

use crate::ir::{Builder, Helper, Method, Op, ValueId};

/// The contributions `(argument index, term)` that the adjoint `dy` of node `y = op(args)`
/// sends to the node's arguments. Calls are handled by the caller (`reverse.rs`), which knows
/// their partials.
pub fn adjoint(
    b: &mut Builder,
    op: &Op,
    args: &[ValueId],
    y: ValueId,
    dy: ValueId,
) -> Vec<(usize, ValueId)> {
    let a = args.first().copied().unwrap_or(y);
    let second = args.get(1).copied().unwrap_or(y);
    match op {
        // y = a + b: da += dy, db += dy
        Op::Add => vec![(0, dy), (1, dy)],
        // y = a - b: da += dy, db -= dy
        Op::Sub => vec![(0, dy), (1, b.neg(dy))],
        // y = a * b: da += dy*b, db += dy*a
        Op::Mul => vec![(0, b.mul(dy, second)), (1, b.mul(dy, a))],
        // y = a / b: da += dy/b, db -= (dy/b)*y. One division serves both, and db need not
        // wait for the division that made y (W1a: two dependent divisions were its latency).
        Op::Div => match b.graph.const_value(a).map(|k| -1.0 / k) {
            // y = k / b for k = ±2^n: db -= dy*y/b = dy * y^2 * (-1/k), no division at all
            // (reciprocals: 1/x, a sigmoid or tanh spelled with exp). -1/k is exact only for
            // a power of two; any other k keeps the quotient rule, with no rounded constant.
            Some(c) if is_power_of_two(c) => vec![(1, reciprocal_adjoint(b, y, dy, c))],
            _ => {
                let da = b.div(dy, second);
                let q = b.mul(da, y);
                vec![(0, da), (1, b.neg(q))]
            }
        },
        // y = -a: da -= dy
        Op::Neg => vec![(0, b.neg(dy))],
        // y = a^n: da += dy * n*a^(n-1); powi(a, 0)' = 0
        Op::Powi(0) => vec![],
        Op::Powi(n) => {
            let n_lit = b.lit(f64::from(*n));
            let power = b.powi(a, n - 1);
            let local = b.mul(n_lit, power);
            vec![(0, b.mul(dy, local))]
        }
        Op::Method(method) => method_adjoint(b, *method, a, second, y, dy),
        _ => vec![],
    }
}

fn method_adjoint(
    b: &mut Builder,
    method: Method,
    a: ValueId,
    second: ValueId,
    y: ValueId,
    dy: ValueId,
) -> Vec<(usize, ValueId)> {
    use Method::*;
    // Most rules: da += dy * local.
    let times = |b: &mut Builder, local: ValueId| vec![(0, b.mul(dy, local))];
    match method {
        // y = a^c: da += dy * c*a^(c-1) (0 where c = 0), dc += dy * y*ln(a) (0 at a = 0)
        Powf => {
            let local_a = b.helper(Helper::PowfBase, [a, second]);
            let local_c = b.helper(Helper::PowfExponent, [a, y]);
            vec![(0, b.mul(dy, local_a)), (1, b.mul(dy, local_c))]
        }
        // y = sqrt(a): da += dy * 0.5/y  (+inf at 0)
        Sqrt => {
            let half = b.lit(0.5);
            let local = b.div(half, y);
            times(b, local)
        }
        // y = cbrt(a): da += dy / (3*y^2)
        Cbrt => {
            let three = b.lit(3.0);
            let y2 = b.square(y);
            let denom = b.mul(three, y2);
            vec![(0, b.div(dy, denom))]
        }
        // y = e^a: da += dy * y
        Exp => times(b, y),
        // y = 2^a: da += dy * y*ln2
        Exp2 => {
            let ln2 = b.lit(LN_2);
            let local = b.mul(y, ln2);
            times(b, local)
        }
        // y = e^a - 1: da += dy * (y + 1)
        ExpM1 => {
            let one = b.lit(1.0);
            let local = b.add(y, one);
            times(b, local)
        }
        // y = ln(a): da += dy / a
        Ln => vec![(0, b.div(dy, a))],
        // y = ln(1 + a): da += dy / (1 + a)
        Ln1p => {
            let one = b.lit(1.0);
            let denom = b.add(one, a);
            vec![(0, b.div(dy, denom))]
        }
        // y = log_c(a) = ln a / ln c: da += dy / (a*ln c), dc -= dy*y / (c*ln c)
        Log => {
            let ln_c = b.method(Ln, [second]);
            let denom_a = b.mul(a, ln_c);
            let da = b.div(dy, denom_a);
            let dy_y = b.mul(dy, y);
            let denom_c = b.mul(second, ln_c);
            let q = b.div(dy_y, denom_c);
            vec![(0, da), (1, b.neg(q))]
        }
        // y = log2(a): da += dy / (a*ln2)
        Log2 => {
            let ln2 = b.lit(LN_2);
            let denom = b.mul(a, ln2);
            vec![(0, b.div(dy, denom))]
        }
        // y = log10(a): da += dy / (a*ln10)
        Log10 => {
            let ln10 = b.lit(LN_10);
            let denom = b.mul(a, ln10);
            vec![(0, b.div(dy, denom))]
        }
        // y = sin(a): da += dy * cos(a)
        Sin => {
            let local = b.method(Cos, [a]);
            times(b, local)
        }
        // y = cos(a): da -= dy * sin(a)
        Cos => {
            let sin = b.method(Sin, [a]);
            let term = b.mul(dy, sin);
            vec![(0, b.neg(term))]
        }
        // y = tan(a): da += dy * (1 + y^2)
        Tan => {
            let one = b.lit(1.0);
            let y2 = b.square(y);
            let local = b.add(one, y2);
            times(b, local)
        }
        // y = asin(a): da += dy / sqrt(1 - a^2)
        Asin => {
            let root = sqrt_one_minus_square(b, a);
            vec![(0, b.div(dy, root))]
        }
        // y = acos(a): da -= dy / sqrt(1 - a^2)
        Acos => {
            let root = sqrt_one_minus_square(b, a);
            let q = b.div(dy, root);
            vec![(0, b.neg(q))]
        }
        // y = atan(a): da += dy / (1 + a^2)
        Atan => {
            let one = b.lit(1.0);
            let a2 = b.square(a);
            let denom = b.add(one, a2);
            vec![(0, b.div(dy, denom))]
        }
        // y = atan2(a, c): da += dy * c/(a^2 + c^2), dc -= dy * a/(a^2 + c^2)
        Atan2 => {
            let a2 = b.square(a);
            let c2 = b.square(second);
            let r2 = b.add(a2, c2);
            let local_a = b.div(second, r2);
            let local_c = b.div(a, r2);
            let dc = b.mul(dy, local_c);
            vec![(0, b.mul(dy, local_a)), (1, b.neg(dc))]
        }
        // y = sinh(a): da += dy * cosh(a)
        Sinh => {
            let local = b.method(Cosh, [a]);
            times(b, local)
        }
        // y = cosh(a): da += dy * sinh(a)
        Cosh => {
            let local = b.method(Sinh, [a]);
            times(b, local)
        }
        // y = tanh(a): da += dy * (1 - y^2)
        Tanh | TanhFast => {
            let one = b.lit(1.0);
            let y2 = b.square(y);
            let local = b.sub(one, y2);
            times(b, local)
        }
        // y = asinh(a): da += dy / sqrt(a^2 + 1)
        Asinh => {
            let one = b.lit(1.0);
            let a2 = b.square(a);
            let sum = b.add(a2, one);
            let root = b.method(Sqrt, [sum]);
            vec![(0, b.div(dy, root))]
        }
        // y = acosh(a): da += dy / sqrt(a^2 - 1)
        Acosh => {
            let one = b.lit(1.0);
            let a2 = b.square(a);
            let diff = b.sub(a2, one);
            let root = b.method(Sqrt, [diff]);
            vec![(0, b.div(dy, root))]
        }
        // y = atanh(a): da += dy / (1 - a^2)
        Atanh => {
            let one = b.lit(1.0);
            let a2 = b.square(a);
            let denom = b.sub(one, a2);
            vec![(0, b.div(dy, denom))]
        }
        // y = |a|: da += dy * sign(a), sign(0) = 0
        Abs => {
            let local = b.helper(Helper::Sign, [a]);
            times(b, local)
        }
        // y = max(a, c): da += dy * w, dc += dy * (1 - w); w = 1, 1/2 at a tie, 0
        Max | Min => {
            let helper = if method == Max {
                Helper::MaxWeight
            } else {
                Helper::MinWeight
            };
            let w = b.helper(helper, [a, second]);
            let one = b.lit(1.0);
            let rest = b.sub(one, w);
            vec![(0, b.mul(dy, w)), (1, b.mul(dy, rest))]
        }
        // y = hypot(a, c): da += dy * a/y, dc += dy * c/y (0 at the origin)
        Hypot => {
            let local_a = b.helper(Helper::DivOrZero, [a, y]);
            let local_c = b.helper(Helper::DivOrZero, [second, y]);
            vec![(0, b.mul(dy, local_a)), (1, b.mul(dy, local_c))]
        }
        // y = 1/a: da -= dy * y^2
        Recip => vec![(0, reciprocal_adjoint(b, y, dy, -1.0))],
        // y = a*c + e: da += dy*c, dc += dy*a, de += dy
        MulAdd => vec![(0, b.mul(dy, second)), (1, b.mul(dy, a)), (2, dy)],
        // y = relu(a): da += dy * (a > 0 ? 1 : 0), relu'(0) = 0
        Relu => {
            let local = b.helper(Helper::Step, [a]);
            times(b, local)
        }
        // y = sigmoid(a): da += dy * y*(1 - y)
        Sigmoid => {
            let one = b.lit(1.0);
            let rest = b.sub(one, y);
            let local = b.mul(y, rest);
            times(b, local)
        }
        // y = softplus(a) = ln(1 + e^a): da += dy * sigmoid(a)
        Softplus => {
            let local = b.method(Sigmoid, [a]);
            times(b, local)
        }
        // piecewise constant: derivative 0
        Signum | Floor | Ceil | Round | Trunc => vec![],
    }
}

/// `sqrt(1 - a^2)`
fn sqrt_one_minus_square(b: &mut Builder, a: ValueId) -> ValueId {
    let one = b.lit(1.0);
    let a2 = b.square(a);
    let diff = b.sub(one, a2);
    b.method(Method::Sqrt, [diff])
}

/// For y = k/a: dy * y^2 * c with c = -1/k, what da receives. Exact only for a power-of-two
/// `c`.
fn reciprocal_adjoint(b: &mut Builder, y: ValueId, dy: ValueId, c: f64) -> ValueId {
    let y2 = b.square(y);
    let term = b.mul(dy, y2);
    let c = b.lit(c);
    b.mul(term, c)
}

/// Whether `c` is ±2^n, a normal number: its reciprocal is exact.
pub fn is_power_of_two(c: f64) -> bool {
    c.is_normal() && c.abs().to_bits() & ((1 << 52) - 1) == 0
}
