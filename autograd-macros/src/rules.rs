//! Op → derivative: the ONE table of the macro.
//!
//! For every op of the body language: its name in the source, how many arguments it takes,
//! and its local partial derivatives, written as IR with a [`Builder`]. The reverse pass asks
//! [`adjoint`] for the terms `(argument, contribution)` that an op's adjoint `dy` sends to its
//! arguments; it knows nothing else about any op. Error messages list supported methods from
//! [`METHODS`], so they cannot go stale.
//!
//! Kink conventions (PyTorch's): `abs'(0) = 0`, `relu'(0) = 0`, `max`/`min` at a tie give each
//! side 1/2, `powi(x, 0)' = 0` and `powf(x, 0)' = 0` (also at `x = 0`), `powf(x, y)` at `x = 0`
//! has `∂/∂y = 0`, `sqrt'(0) = +inf`,
//! `hypot` at the origin has gradient 0, piecewise-constant methods have derivative 0.

use std::f64::consts::{LN_10, LN_2};

use crate::ir::{Builder, NodeId, Op};

/// The methods of the body language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Powf,
    Sqrt,
    Cbrt,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    TanhFast,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Max,
    Min,
    Hypot,
    Recip,
    MulAdd,
    Relu,
    Sigmoid,
    Softplus,
    Signum,
    Floor,
    Ceil,
    Round,
    Trunc,
}

/// Every method: its name, and how many arguments it takes besides the receiver.
/// (`powi` is separate: its exponent is an integer literal, see `Op::Powi`.)
pub const METHODS: &[(&str, usize, Method)] = &[
    ("powf", 1, Method::Powf),
    ("sqrt", 0, Method::Sqrt),
    ("cbrt", 0, Method::Cbrt),
    ("exp", 0, Method::Exp),
    ("exp2", 0, Method::Exp2),
    ("exp_m1", 0, Method::ExpM1),
    ("ln", 0, Method::Ln),
    ("ln_1p", 0, Method::Ln1p),
    ("log", 1, Method::Log),
    ("log2", 0, Method::Log2),
    ("log10", 0, Method::Log10),
    ("sin", 0, Method::Sin),
    ("cos", 0, Method::Cos),
    ("tan", 0, Method::Tan),
    ("asin", 0, Method::Asin),
    ("acos", 0, Method::Acos),
    ("atan", 0, Method::Atan),
    ("atan2", 1, Method::Atan2),
    ("sinh", 0, Method::Sinh),
    ("cosh", 0, Method::Cosh),
    ("tanh", 0, Method::Tanh),
    ("asinh", 0, Method::Asinh),
    ("acosh", 0, Method::Acosh),
    ("atanh", 0, Method::Atanh),
    ("abs", 0, Method::Abs),
    ("max", 1, Method::Max),
    ("min", 1, Method::Min),
    ("hypot", 1, Method::Hypot),
    ("recip", 0, Method::Recip),
    ("mul_add", 2, Method::MulAdd),
    ("relu", 0, Method::Relu),
    ("sigmoid", 0, Method::Sigmoid),
    ("softplus", 0, Method::Softplus),
    ("tanh_fast", 0, Method::TanhFast),
    ("signum", 0, Method::Signum),
    ("floor", 0, Method::Floor),
    ("ceil", 0, Method::Ceil),
    ("round", 0, Method::Round),
    ("trunc", 0, Method::Trunc),
];

impl Method {
    pub fn lookup(name: &str) -> Option<(Method, usize)> {
        METHODS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, extra, method)| (method, extra))
    }

    pub fn name(self) -> &'static str {
        METHODS
            .iter()
            .find(|(_, _, m)| *m == self)
            .map_or("?", |(name, _, _)| name)
    }

    /// Methods of `autograd::Real` rather than of `f32`/`f64` themselves: a concrete-typed
    /// function needs the trait in scope to call them.
    pub fn is_real_trait_method(self) -> bool {
        matches!(
            self,
            Method::Relu | Method::Sigmoid | Method::Softplus | Method::TanhFast
        )
    }

    /// The method the generated code calls for this one. `grad!` computes `x.tanh()` with
    /// `Real::tanh_fast`, as accurate as libm's `tanh` and about twice as fast; the attribute
    /// form keeps `tanh`, because its `_grad` computes the user's function as it is written.
    pub fn as_generated(self, keeps_user_fn: bool) -> Method {
        match self {
            Method::Tanh if !keeps_user_fn => Method::TanhFast,
            other => other,
        }
    }
}

/// The supported methods, for error messages: "powi, powf, sqrt, …".
pub fn supported_methods() -> String {
    let mut names = vec!["powi"];
    names.extend(METHODS.iter().map(|(name, _, _)| *name));
    names.join(", ")
}

/// Derivative helpers in the runtime (`::autograd::__private`), for the rules at kinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Helper {
    Sign,
    Step,
    MaxWeight,
    MinWeight,
    PowfBase,
    PowfExponent,
    DivOrZero,
}

impl Helper {
    pub fn name(self) -> &'static str {
        match self {
            Helper::Sign => "sign",
            Helper::Step => "step",
            Helper::MaxWeight => "max_weight",
            Helper::MinWeight => "min_weight",
            Helper::PowfBase => "powf_base",
            Helper::PowfExponent => "powf_exponent",
            Helper::DivOrZero => "div_or_zero",
        }
    }
}

/// The contributions `(argument index, term)` that the adjoint `dy` of node `y = op(args)`
/// sends to the node's arguments. Calls are handled by the caller (`reverse.rs`), which knows
/// their partials.
pub fn adjoint(
    b: &mut Builder,
    op: &Op,
    args: &[NodeId],
    y: NodeId,
    dy: NodeId,
) -> Vec<(usize, NodeId)> {
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
    a: NodeId,
    second: NodeId,
    y: NodeId,
    dy: NodeId,
) -> Vec<(usize, NodeId)> {
    use Method::*;
    // Most rules: da += dy * local.
    let times = |b: &mut Builder, local: NodeId| vec![(0, b.mul(dy, local))];
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
fn sqrt_one_minus_square(b: &mut Builder, a: NodeId) -> NodeId {
    let one = b.lit(1.0);
    let a2 = b.square(a);
    let diff = b.sub(one, a2);
    b.method(Method::Sqrt, [diff])
}

/// For y = k/a: dy * y^2 * c with c = -1/k, what da receives (`dy * y^2 * -1` simplifies to
/// `-(dy * y^2)`). Exact only for a power-of-two `c`.
fn reciprocal_adjoint(b: &mut Builder, y: NodeId, dy: NodeId, c: f64) -> NodeId {
    let y2 = b.square(y);
    // A constant adjoint joins c (exact, c being ±2^n): `1.0 - 2.0 / u` gives y² * 0.5, not
    // -(y²) * -0.5.
    if let Some(k) = b.graph.const_value(dy).map(|d| d * c) {
        if k.is_normal() {
            let k = b.lit(k);
            return b.mul(y2, k);
        }
    }
    let term = b.mul(dy, y2);
    let c = b.lit(c);
    b.mul(term, c)
}

/// Whether `c` is ±2^n, a normal number: its reciprocal is exact.
pub fn is_power_of_two(c: f64) -> bool {
    c.is_normal() && c.abs().to_bits() & ((1 << 52) - 1) == 0
}
