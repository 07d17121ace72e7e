//! An interpreter of the IR, for tests: runs the value and the gradient the macro derived,
//! in f64, without compiling generated code. Calls run the callee's own derived program.

use std::collections::HashMap;

use crate::ast::CmpOp;
use crate::ir::{BlockId, Helper, IdVec, Inst, Method, Op, Program, ValueId};

/// Value and gradient of a program (one entry per differentiated parameter), plus the
/// outcomes of every condition evaluated, in order (to tell when two points take different
/// branches).
pub struct Run {
    pub value: f64,
    pub gradient: Vec<f64>,
    pub trace: Vec<bool>,
}

pub struct Interpreter<'a> {
    /// Callees by name.
    pub functions: &'a HashMap<String, Program>,
}

impl Interpreter<'_> {
    pub fn run(&self, program: &Program, args: &[f64]) -> Run {
        let mut state = State {
            values: IdVec::filled(f64::NAN, program.graph.values.len()),
            bools: IdVec::filled(false, program.graph.values.len()),
            trace: Vec::new(),
            args,
            program,
            interpreter: self,
        };
        state.block(program.root);
        Run {
            value: state.values[program.value],
            gradient: program
                .grads
                .iter()
                .flatten()
                .map(|&g| state.values[g])
                .collect(),
            trace: state.trace,
        }
    }
}

struct State<'a> {
    values: IdVec<ValueId, f64>,
    bools: IdVec<ValueId, bool>,
    trace: Vec<bool>,
    args: &'a [f64],
    program: &'a Program,
    interpreter: &'a Interpreter<'a>,
}

impl State<'_> {
    fn block(&mut self, block: BlockId) {
        let graph = &self.program.graph;
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => self.node(id),
                Inst::Region(region) => {
                    let region = &graph.regions[region];
                    let taken = self.bools[region.cond()];
                    self.trace.push(taken);
                    let arm = usize::from(!taken);
                    self.block(region.bodies[arm]);
                    for (&result, &value) in region.results.iter().zip(&region.yields[arm]) {
                        self.values[result] = self.values[value];
                        self.bools[result] = self.bools[value];
                    }
                }
            }
        }
    }

    fn node(&mut self, id: ValueId) {
        let graph = &self.program.graph;
        let node = &graph.values[id];
        let a = |i: usize| node.args.get(i).map_or(f64::NAN, |&n| self.values[n]);
        let b = |i: usize| node.args.get(i).is_some_and(|&n| self.bools[n]);
        let value = match &node.op {
            Op::Param(i) => self.args[*i],
            Op::Lit(v) => *v,
            Op::Const(_) => std::f64::consts::PI,
            Op::Add => a(0) + a(1),
            Op::Sub => a(0) - a(1),
            Op::Mul => a(0) * a(1),
            Op::Div => a(0) / a(1),
            Op::Neg => -a(0),
            Op::Powi(n) => a(0).powi(*n),
            Op::Method(m) => method(*m, a(0), a(1), a(2)),
            Op::Helper(h) => helper(*h, a(0), a(1)),
            Op::Call(site) => {
                let call = &graph.calls[*site];
                let callee = &self.interpreter.functions[&call.name.to_string()];
                let args: Vec<f64> = node.args.iter().map(|&n| self.values[n]).collect();
                let run = self.interpreter.run(callee, &args);
                // Partials are read by the Partial nodes that follow.
                for (k, partial) in call.partials.iter().flatten().enumerate() {
                    self.values[*partial] = run.gradient[k];
                }
                run.value
            }
            Op::Partial(_) => self.values[id],
            Op::Result(..) => self.values[id],
            Op::Cmp(op) => {
                let (x, y) = (a(0), a(1));
                self.bools[id] = match op {
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                };
                return;
            }
            Op::And | Op::Or | Op::Not | Op::Bool(_) => {
                self.bools[id] = match node.op {
                    Op::And => b(0) && b(1),
                    Op::Or => b(0) || b(1),
                    Op::Not => !b(0),
                    Op::Bool(v) => v,
                    _ => false,
                };
                return;
            }
            Op::Carried(..)
            | Op::Saved(..)
            | Op::Load(_)
            | Op::Store(..)
            | Op::Declare(..)
            | Op::Count(_) => panic!("the interpreter takes no loops"),
        };
        self.values[id] = value;
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn method(m: Method, x: f64, y: f64, z: f64) -> f64 {
    use Method::*;
    match m {
        Powf => x.powf(y),
        Sqrt => x.sqrt(),
        Cbrt => x.cbrt(),
        Exp => x.exp(),
        Exp2 => x.exp2(),
        ExpM1 => x.exp_m1(),
        Ln => x.ln(),
        Ln1p => x.ln_1p(),
        Log => x.log(y),
        Log2 => x.log2(),
        Log10 => x.log10(),
        Sin => x.sin(),
        Cos => x.cos(),
        Tan => x.tan(),
        Asin => x.asin(),
        Acos => x.acos(),
        Atan => x.atan(),
        Atan2 => x.atan2(y),
        Sinh => x.sinh(),
        Cosh => x.cosh(),
        Tanh => x.tanh(),
        TanhFast => autograd::Real::tanh_fast(x),
        Asinh => x.asinh(),
        Acosh => x.acosh(),
        Atanh => x.atanh(),
        Abs => x.abs(),
        Max => x.max(y),
        Min => x.min(y),
        Hypot => x.hypot(y),
        Recip => x.recip(),
        MulAdd => x.mul_add(y, z),
        Relu => x.max(0.0),
        Sigmoid => sigmoid(x),
        Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Signum => x.signum(),
        Floor => x.floor(),
        Ceil => x.ceil(),
        Round => x.round(),
        Trunc => x.trunc(),
    }
}

fn helper(h: Helper, x: f64, y: f64) -> f64 {
    let weight = |a: f64, b: f64| {
        if a > b {
            1.0
        } else if a == b {
            0.5
        } else {
            0.0
        }
    };
    match h {
        Helper::Sign => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
        Helper::Step => f64::from(u8::from(x > 0.0)),
        Helper::MaxWeight => weight(x, y),
        Helper::MinWeight => weight(y, x),
        Helper::PowfBase => {
            if y == 0.0 {
                0.0
            } else {
                y * x.powf(y - 1.0)
            }
        }
        Helper::PowfExponent => {
            if x == 0.0 {
                0.0
            } else {
                y * x.ln()
            }
        }
        Helper::DivOrZero => {
            if y == 0.0 {
                0.0
            } else {
                x / y
            }
        }
    }
}
