//! An interpreter of the IR, for tests: runs the value and the gradient the macro derived,
//! without compiling generated code, in `f64` or in dual numbers (`number.rs`: forward over
//! reverse, the Hessian-vector product). Calls run the callee's own derived program.
//!
//! Loops run as the generated code runs them: a forward loop records its carried variables at
//! the start of every iteration (the tape), and its reverse loop reads them back
//! (`Op::Saved`) in the reverse order. Local arrays are scoped like Rust's `let`: one declared
//! in a loop body is dropped at the end of the iteration, and shadows one of an outer block.

use std::collections::HashMap;

use crate::ast::{CmpOp, IndexExpr, IndexOp};
use crate::ir::{
    ArrayRef, BlockId, Helper, IdVec, Inst, LocalId, Method, Op, Program, RegionId, RegionKind,
    ValueId,
};

use super::number::{helper, Number};

/// An array argument: `rows` rows of `cols` numbers (`cols == None`: a flat slice).
#[derive(Clone, Debug, PartialEq)]
pub struct Array<N = f64> {
    pub data: Vec<N>,
    pub cols: Option<usize>,
}

impl<N: Number> Array<N> {
    pub fn flat(data: Vec<N>) -> Array<N> {
        Array { data, cols: None }
    }

    /// The length `.len()` gives: elements, or rows.
    pub fn len(&self) -> usize {
        match self.cols {
            None => self.data.len(),
            Some(0) => 0,
            Some(cols) => self.data.len() / cols,
        }
    }

    /// Where `self[index[0]]` / `self[index[0]][index[1]]` is in `data`; panics out of bounds,
    /// as Rust would.
    pub fn offset(&self, index: &[usize]) -> usize {
        match (self.cols, index) {
            (None, [i]) => {
                assert!(
                    *i < self.data.len(),
                    "index {i} out of bounds ({})",
                    self.len()
                );
                *i
            }
            (Some(cols), [i, j]) => {
                assert!(
                    *i < self.len() && *j < cols,
                    "index [{i}][{j}] out of bounds"
                );
                i * cols + j
            }
            _ => panic!(
                "{} indices into an array of rank {}",
                index.len(),
                1 + usize::from(self.cols.is_some())
            ),
        }
    }

    fn zeros_like(&self) -> Array<N> {
        Array {
            data: vec![N::lit(0.0); self.data.len()],
            cols: self.cols,
        }
    }

    /// The same shape, each element `f` of the old one.
    pub fn map<M>(&self, f: impl Fn(N) -> M) -> Array<M> {
        Array {
            data: self.data.iter().map(|&x| f(x)).collect(),
            cols: self.cols,
        }
    }
}

/// A parameter's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<N = f64> {
    Num(N),
    Array(Array<N>),
}

impl<N: Number> Arg<N> {
    pub fn num(&self) -> N {
        match self {
            Arg::Num(x) => *x,
            Arg::Array(_) => panic!("an array where a number is expected"),
        }
    }
}

/// The value of an index expression; `var` gives loop variables, `len` arrays' lengths by
/// name (`rows`: the length of a row). Arithmetic is checked, as in a debug build.
pub fn index_value(
    index: &IndexExpr,
    var: &dyn Fn(&str) -> Option<usize>,
    len: &dyn Fn(&str, bool) -> Option<usize>,
) -> usize {
    match index {
        IndexExpr::Var(name) => var(&name.text).unwrap_or_else(|| panic!("no index `{name}`")),
        IndexExpr::Lit { value, .. } => usize::try_from(*value).expect("a small index"),
        IndexExpr::Const(_) => panic!("the tests use no constant indices"),
        IndexExpr::Len { array, rows } => {
            len(&array.text, *rows).unwrap_or_else(|| panic!("no array `{array}`"))
        }
        IndexExpr::Binary { op, operands, .. } => {
            let a = index_value(&operands[0], var, len);
            let b = index_value(&operands[1], var, len);
            let value = match op {
                IndexOp::Add => a.checked_add(b),
                IndexOp::Sub => a.checked_sub(b),
                IndexOp::Mul => a.checked_mul(b),
                IndexOp::Div => a.checked_div(b),
                IndexOp::Rem => a.checked_rem(b),
            };
            value.unwrap_or_else(|| panic!("index arithmetic overflows: {a} {} {b}", op.text()))
        }
        IndexExpr::Paren(inner) => index_value(inner, var, len),
        IndexExpr::Min(operands) => {
            index_value(&operands[0], var, len).min(index_value(&operands[1], var, len))
        }
        IndexExpr::Unsupported { .. } => panic!("an unsupported index"),
    }
}

/// `[x; N]`'s `N`: the tests write literals.
pub fn dim_value(dim: &syn::Expr) -> usize {
    match dim {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().expect("a length"),
        _ => panic!("the tests write array lengths as literals"),
    }
}

/// Value and gradient of a program (one entry per differentiated scalar parameter; for each
/// array parameter, what the reverse code stored into its adjoint array, zeros if nothing),
/// plus the outcomes of every condition evaluated and the side of every kink met (`abs`,
/// `max`, `relu`, `floor`, ... and the helpers of their derivatives), in order: two points
/// with the same trace take the same branches and lie on the same side of every kink.
pub struct Run<N = f64> {
    pub value: N,
    pub gradient: Vec<N>,
    pub array_gradients: Vec<Option<Array<N>>>,
    pub trace: Vec<u64>,
    /// The largest magnitude of any number computed (infinite after a NaN), callees included.
    pub largest: f64,
}

pub struct Interpreter<'a> {
    /// Callees by name.
    pub functions: &'a HashMap<String, Program>,
    /// Each function's parameter names (for `xs.len()` in index expressions).
    pub params: &'a HashMap<String, Vec<String>>,
}

impl Interpreter<'_> {
    /// A function of numbers only.
    pub fn run<N: Number>(&self, program: &Program, args: &[N]) -> Run<N> {
        let args: Vec<Arg<N>> = args.iter().map(|&x| Arg::Num(x)).collect();
        self.run_args(program, &args, &[])
    }

    /// `names`: the parameters' names, for `xs.len()` in loop bounds and indices.
    pub fn run_args<N: Number>(
        &self,
        program: &Program,
        args: &[Arg<N>],
        names: &[String],
    ) -> Run<N> {
        let count = program.graph.values.len();
        let locals = program.graph.locals.len();
        // An adjoint array the program says it assigns in full starts as NaN, as
        // `_grad_into`'s reused gradient holds the last call's: an element it does not
        // assign shows.
        let adjoints = args
            .iter()
            .enumerate()
            .map(|(i, arg)| match arg {
                Arg::Num(_) => None,
                Arg::Array(array) => {
                    let mut zeros = array.zeros_like();
                    if program.assigned.contains(&i) {
                        zeros.data.fill(N::lit(f64::NAN));
                    }
                    Some(zeros)
                }
            })
            .collect();
        let mut state = State {
            values: IdVec::filled(N::lit(f64::NAN), count),
            bools: IdVec::filled(false, count),
            trace: Vec::new(),
            args,
            names,
            adjoints,
            locals: IdVec::filled(None, locals),
            local_adjoints: IdVec::filled(None, locals),
            live: Vec::new(),
            vars: Vec::new(),
            tapes: HashMap::new(),
            saved: HashMap::new(),
            saved_end: HashMap::new(),
            largest: 0.0,
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
            array_gradients: state.adjoints,
            trace: state.trace,
            largest: state.largest,
        }
    }
}

struct State<'a, N> {
    values: IdVec<ValueId, N>,
    bools: IdVec<ValueId, bool>,
    trace: Vec<u64>,
    largest: f64,
    args: &'a [Arg<N>],
    names: &'a [String],
    /// `d_xs` of each array parameter.
    adjoints: Vec<Option<Array<N>>>,
    /// The local arrays in scope, and their adjoint arrays.
    locals: IdVec<LocalId, Option<Array<N>>>,
    local_adjoints: IdVec<LocalId, Option<Array<N>>>,
    /// The local arrays in scope, innermost last (for `h.len()` by name).
    live: Vec<LocalId>,
    /// The loop variables in scope, innermost last.
    vars: Vec<(String, usize)>,
    /// For each forward loop, its carried variables at the start of each iteration of its
    /// last run.
    tapes: HashMap<RegionId, Vec<Vec<N>>>,
    /// For each forward loop whose reverse loop is running: the tape entry of the iteration.
    saved: HashMap<RegionId, Vec<N>>,
    /// The same, at the end of the iteration (`Op::SavedEnd`).
    saved_end: HashMap<RegionId, Vec<N>>,
    program: &'a Program,
    interpreter: &'a Interpreter<'a>,
}

/// A local array shadowed by a declaration, restored when the declaring block ends.
struct Shadowed<N> {
    local: LocalId,
    array: Option<Array<N>>,
    adjoint: Option<Array<N>>,
}

impl<N: Number> State<'_, N> {
    fn block(&mut self, block: BlockId) {
        let graph = &self.program.graph;
        let mut shadowed = Vec::new();
        // The tapes of the forward loops of this block, and what they shadow: the generated
        // code declares a tape where its loop stands, so it is gone when the block ends.
        let mut taped: Vec<(RegionId, Option<Vec<Vec<N>>>)> = Vec::new();
        let live = self.live.len();
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => {
                    if let Op::Declare(local, with_adjoint) = graph.values[id].op {
                        shadowed.push(Shadowed {
                            local,
                            array: self.locals[local].take(),
                            adjoint: self.local_adjoints[local].take(),
                        });
                        let spec = &graph.locals[local];
                        let len = dim_value(&spec.len);
                        self.locals[local] = Some(Array::flat(vec![N::lit(spec.init); len]));
                        if with_adjoint {
                            self.local_adjoints[local] = Some(Array::flat(vec![N::lit(0.0); len]));
                        }
                        self.live.push(local);
                        continue;
                    }
                    self.node(id);
                }
                Inst::Region(region_id) => {
                    let region = &graph.regions[region_id];
                    match region.kind {
                        RegionKind::If => {
                            let taken = self.bools[region.cond()];
                            self.trace.push(u64::from(taken));
                            let arm = usize::from(!taken);
                            self.block(region.bodies[arm]);
                            for (&result, &value) in region.results.iter().zip(&region.yields[arm])
                            {
                                self.values[result] = self.values[value];
                                self.bools[result] = self.bools[value];
                            }
                        }
                        RegionKind::Loop(_) => {
                            self.hoisted_checks(region_id);
                            let forward =
                                graph.header(region_id).is_some_and(|h| h.forward.is_none());
                            let old = self.tapes.get(&region_id).cloned();
                            self.run_loop(region_id);
                            if forward {
                                taped.push((region_id, old));
                            }
                        }
                    }
                }
            }
        }
        self.live.truncate(live);
        for (region, old) in taped.into_iter().rev() {
            match old {
                Some(tape) => self.tapes.insert(region, tape),
                None => self.tapes.remove(&region),
            };
        }
        for old in shadowed.into_iter().rev() {
            self.locals[old.local] = old.array;
            self.local_adjoints[old.local] = old.adjoint;
        }
    }

    fn index(&self, index: &IndexExpr) -> usize {
        let var = |name: &str| {
            self.vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|&(_, v)| v)
        };
        let len = |name: &str, rows: bool| {
            let graph = &self.program.graph;
            let array = self
                .live
                .iter()
                .rev()
                .find(|&&l| graph.locals[l].name == name)
                .and_then(|&l| self.locals[l].as_ref())
                .or_else(|| {
                    let i = self.names.iter().position(|n| n == name)?;
                    match &self.args[i] {
                        Arg::Array(array) => Some(array),
                        Arg::Num(_) => None,
                    }
                })?;
            Some(if rows {
                array.cols.expect("rows")
            } else {
                array.len()
            })
        };
        index_value(index, &var, &len)
    }

    /// The bounds checks the generated code makes before the loop (`bounds.rs`): they never
    /// fail for a program that reads in bounds, as the random programs do.
    fn hoisted_checks(&self, region_id: RegionId) {
        let graph = &self.program.graph;
        let header = graph.header(region_id).expect("a loop header");
        let (guarded, checks) = crate::bounds::loop_checks(graph, region_id);
        if guarded && !self.runs(region_id) {
            return;
        }
        for check in checks {
            let index = self.index(&check.index);
            let len = match check.array {
                ArrayRef::Param(i) => match &self.args[i] {
                    Arg::Array(array) => array.len(),
                    Arg::Num(_) => panic!("parameter {i} is a number"),
                },
                ArrayRef::Local(_) => panic!("a check of a local array"),
            };
            assert!(
                index < len,
                "the check before loop `{}` fails: index {index}, length {len}",
                header.var
            );
        }
    }

    /// Whether a loop's range has an index (`Op::Nonempty`).
    fn runs(&self, region_id: RegionId) -> bool {
        let header = self.program.graph.header(region_id).expect("a loop header");
        let (start, end) = (self.index(&header.start), self.index(&header.end));
        if header.inclusive {
            start <= end
        } else {
            start < end
        }
    }

    fn run_loop(&mut self, region_id: RegionId) {
        let graph = &self.program.graph;
        let region = &graph.regions[region_id];
        let header = graph.header(region_id).expect("a loop header");
        let body = region.bodies[0];
        let start = self.index(&header.start);
        let end = self.index(&header.end);
        let indices: Vec<usize> = if header.inclusive {
            (start..=end).collect()
        } else {
            (start..end).collect()
        };
        let carried: Vec<Option<ValueId>> = (0..region.args.len())
            .map(|k| {
                graph.blocks[body]
                    .insts
                    .iter()
                    .find_map(|inst| match *inst {
                        Inst::Value(id) if graph.values[id].op == Op::Carried(region_id, k) => {
                            Some(id)
                        }
                        _ => None,
                    })
            })
            .collect();
        let mut current: Vec<N> = region.args.iter().map(|&a| self.values[a]).collect();
        let mut tape = Vec::new();
        let order: Vec<(usize, usize)> = if header.reversed {
            indices.iter().copied().enumerate().rev().collect()
        } else {
            indices.iter().copied().enumerate().collect()
        };
        // (A forward loop whose values nothing reads may be gone: then nothing reads its tape.
        // A tape out of scope is missing too: a read of it fails, as the generated code would
        // fail to compile.)
        let forward_tape = header
            .forward
            .and_then(|forward| self.tapes.get(&forward).cloned());
        if let Some(forward_tape) = &forward_tape {
            assert_eq!(
                forward_tape.len(),
                indices.len() + 1,
                "a reverse loop runs another number of iterations than its forward loop recorded"
            );
        }
        let var = header.var.to_string();
        for (t, i) in order {
            if header.forward.is_none() {
                tape.push(current.clone());
            }
            if let (Some(forward), Some(forward_tape)) = (header.forward, &forward_tape) {
                self.saved.insert(forward, forward_tape[t].clone());
                self.saved_end.insert(forward, forward_tape[t + 1].clone());
            }
            for (&c, &value) in carried.iter().zip(&current) {
                if let Some(c) = c {
                    self.values[c] = value;
                }
            }
            self.vars.push((var.clone(), i));
            self.block(body);
            self.vars.pop();
            current = region.yields[0].iter().map(|&v| self.values[v]).collect();
        }
        if let Some(forward) = header.forward {
            self.saved.remove(&forward);
            self.saved_end.remove(&forward);
        }
        if header.forward.is_none() {
            // The values after the loop end the tape (`Op::SavedEnd` of the last iteration).
            tape.push(current.clone());
            self.tapes.insert(region_id, tape);
        }
        for (&result, &value) in region.results.iter().zip(&current) {
            self.values[result] = value;
        }
    }

    /// The array of a place: an input, its `d_` array, a local or a local's `d_` array.
    fn array_mut(&mut self, array: ArrayRef, adjoint: bool) -> &mut Array<N> {
        match (array, adjoint) {
            (ArrayRef::Param(i), false) => panic!("a store into parameter {i}"),
            (ArrayRef::Param(i), true) => self.adjoints[i].as_mut().expect("an array parameter"),
            (ArrayRef::Local(l), false) => self.locals[l].as_mut().expect("a declared local"),
            (ArrayRef::Local(l), true) => self.local_adjoints[l]
                .as_mut()
                .expect("a declared adjoint array"),
        }
    }

    fn array(&self, array: ArrayRef, adjoint: bool) -> &Array<N> {
        match (array, adjoint) {
            (ArrayRef::Param(i), false) => match &self.args[i] {
                Arg::Array(array) => array,
                Arg::Num(_) => panic!("parameter {i} is a number"),
            },
            (ArrayRef::Param(i), true) => self.adjoints[i].as_ref().expect("an array parameter"),
            (ArrayRef::Local(l), false) => self.locals[l].as_ref().expect("a declared local"),
            (ArrayRef::Local(l), true) => self.local_adjoints[l]
                .as_ref()
                .expect("a declared adjoint array"),
        }
    }

    fn node(&mut self, id: ValueId) {
        let graph = &self.program.graph;
        let node = &graph.values[id];
        let nan = N::lit(f64::NAN);
        let a = |i: usize| node.args.get(i).map_or(nan, |&n| self.values[n]);
        let b = |i: usize| node.args.get(i).is_some_and(|&n| self.bools[n]);
        let value = match &node.op {
            Op::Param(i) => self.args[*i].num(),
            Op::Lit(v) => N::lit(*v),
            Op::Const(_) => N::lit(std::f64::consts::PI),
            Op::Add => a(0) + a(1),
            Op::Sub => a(0) - a(1),
            Op::Mul => a(0) * a(1),
            Op::Div => a(0) / a(1),
            Op::Neg => -a(0),
            Op::Powi(n) => a(0).powi(*n),
            Op::Method(m) => {
                let (x, y) = (a(0), a(1));
                let value = N::method(*m, x, y, a(2));
                if let Some(side) = method_kink(*m, x.value(), y.value(), value.value()) {
                    self.trace.push(side);
                }
                value
            }
            Op::Helper(h) => {
                let (x, y) = (a(0), a(1));
                let value = helper(*h, x, y);
                self.trace.push(helper_kink(*h, x.value(), y.value()));
                value
            }
            Op::Call(site) => {
                let call = &graph.calls[*site];
                let name = call.name.to_string();
                let callee = &self.interpreter.functions[&name];
                let args: Vec<Arg<N>> = node
                    .args
                    .iter()
                    .map(|&n| Arg::Num(self.values[n]))
                    .collect();
                let names = self
                    .interpreter
                    .params
                    .get(&name)
                    .cloned()
                    .unwrap_or_default();
                let run = self.interpreter.run_args(callee, &args, &names);
                self.trace.extend(&run.trace);
                self.largest = self.largest.max(run.largest);
                // Partials are read by the Partial nodes that follow.
                for (k, partial) in call.partials.iter().flatten().enumerate() {
                    self.values[*partial] = run.gradient[k];
                }
                run.value
            }
            Op::Partial(_) | Op::Result(..) | Op::Carried(..) => self.values[id],
            Op::Saved(forward, k) => self
                .saved
                .get(forward)
                .expect("a saved value is read only where its forward loop's tape is in scope")[*k],
            Op::SavedEnd(forward, k) => self
                .saved_end
                .get(forward)
                .expect("a saved value is read only where its forward loop's tape is in scope")[*k],
            Op::Load(place) => {
                let place = &graph.places[*place];
                let index: Vec<usize> = place.index.iter().map(|i| self.index(i)).collect();
                let array = self.array(place.array, place.adjoint);
                array.data[array.offset(&index)]
            }
            Op::Store(place, add) => {
                let place = &graph.places[*place];
                let index: Vec<usize> = place.index.iter().map(|i| self.index(i)).collect();
                let value = a(0);
                let array = self.array_mut(place.array, place.adjoint);
                let at = array.offset(&index);
                if *add {
                    array.data[at] = array.data[at] + value;
                } else {
                    array.data[at] = value;
                }
                return;
            }
            Op::Declare(..) => unreachable!("declarations are run by `block`"),
            // Only in `f_trace`'s program, which the random programs do not make.
            Op::Trace(..) => return,
            Op::Count(place) => {
                let place = &graph.places[*place];
                let array = self.array(place.array, place.adjoint);
                N::lit(match place.index.as_slice() {
                    [] => array.len() as f64,
                    // A row's length.
                    _ => array.cols.unwrap_or(0) as f64,
                })
            }
            Op::Nonempty(region) => {
                self.bools[id] = self.runs(*region);
                return;
            }
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
        };
        self.largest = self.largest.max(value.size());
        self.values[id] = value;
    }
}

/// Which side of its kink a method's arguments lie on (`None`: smooth everywhere), for the
/// trace. `abs`, `relu`, `max`, `min`: the sign of the argument or the difference; `signum`,
/// `floor`, ...: the value (a step of the function); `powf` and `hypot`: where their
/// derivatives' conventions apply (exponent 0, base 0, the origin).
fn method_kink(m: Method, x: f64, y: f64, value: f64) -> Option<u64> {
    use Method::*;
    let sign = |x: f64| u64::from(x > 0.0) + 2 * u64::from(x < 0.0);
    match m {
        Abs | Relu => Some(sign(x)),
        Max | Min => Some(sign(x - y)),
        Signum | Floor | Ceil | Round | Trunc => Some(value.to_bits()),
        Powf => Some(u64::from(x == 0.0) + 2 * u64::from(y == 0.0)),
        Hypot => Some(u64::from(x == 0.0 && y == 0.0)),
        _ => None,
    }
}

/// Which of its cases a derivative helper takes, for the trace.
fn helper_kink(h: Helper, x: f64, y: f64) -> u64 {
    let sign = |x: f64| u64::from(x > 0.0) + 2 * u64::from(x < 0.0);
    match h {
        Helper::Sign | Helper::Step => sign(x),
        Helper::MaxWeight | Helper::MinWeight => sign(x - y),
        Helper::PowfBase | Helper::DivOrZero => u64::from(y == 0.0),
        Helper::PowfExponent => u64::from(x == 0.0),
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
