//! A reference for the random programs: evaluates a function straight from its AST, with
//! Rust's own control flow (a `return` ends the call, a `for` loop runs its body once per
//! index, a local array is a `Vec` written in place), so a lowering that runs the wrong code
//! gives another value than this.

use std::cell::Cell;
use std::collections::HashMap;

use crate::ast::{
    with_text, AssignOp, BinOp, Block, CmpOp, Cond, Expr, ForKind, Function, IndexExpr, Stmt,
};
use crate::ir::Method;

use super::interpret::{dim_value, index_value, method, Arg, Array};

/// How a block ended.
enum End {
    Falls,
    Returns(f64),
}

/// What a name holds.
#[derive(Clone)]
enum Val {
    Num(f64),
    /// A loop variable.
    Index(usize),
    Array(Array),
}

type Scopes = Vec<HashMap<String, Val>>;

pub struct Evaluator<'a> {
    /// The functions of the block, by name.
    pub functions: &'a HashMap<String, &'a Function>,
    /// The largest magnitude of any number computed so far (infinite after a NaN): where it
    /// is large, rounding swallows small terms, and finite differences say nothing.
    pub largest: Cell<f64>,
}

impl<'a> Evaluator<'a> {
    pub fn new(functions: &'a HashMap<String, &'a Function>) -> Self {
        Evaluator {
            functions,
            largest: Cell::new(0.0),
        }
    }
}

fn lookup<'s>(scopes: &'s Scopes, name: &str) -> &'s Val {
    scopes
        .iter()
        .rev()
        .find_map(|scope| scope.get(name))
        .unwrap_or_else(|| panic!("`{name}` is not in scope"))
}

fn array<'s>(scopes: &'s Scopes, name: &str) -> &'s Array {
    match lookup(scopes, name) {
        Val::Array(array) => array,
        _ => panic!("`{name}` is not an array"),
    }
}

fn index(scopes: &Scopes, index: &IndexExpr) -> usize {
    let var = |name: &str| match lookup(scopes, name) {
        Val::Index(i) => Some(*i),
        _ => None,
    };
    let len = |name: &str, rows: bool| {
        let array = array(scopes, name);
        Some(if rows {
            array.cols.expect("rows")
        } else {
            array.len()
        })
    };
    index_value(index, &var, &len)
}

fn indices(scopes: &Scopes, index: &[IndexExpr]) -> Vec<usize> {
    index.iter().map(|i| self::index(scopes, i)).collect()
}

impl Evaluator<'_> {
    /// A function of numbers only.
    pub fn call(&self, function: &Function, args: &[f64]) -> f64 {
        let args: Vec<Arg> = args.iter().map(|&x| Arg::Num(x)).collect();
        self.call_args(function, &args)
    }

    pub fn call_args(&self, function: &Function, args: &[Arg]) -> f64 {
        let mut scopes = vec![HashMap::new()];
        for (param, arg) in function.params.iter().zip(args) {
            let value = match arg {
                Arg::Num(x) => Val::Num(*x),
                Arg::Array(array) => Val::Array(array.clone()),
            };
            scopes[0].insert(param.name.to_string(), value);
        }
        let body = function.body.as_ref().expect("a body");
        match self.block(body, &mut scopes) {
            End::Returns(value) => value,
            End::Falls => panic!("`{}` ends without a value", function.name),
        }
    }

    fn block(&self, block: &Block, scopes: &mut Scopes) -> End {
        scopes.push(HashMap::new());
        let mut end = End::Falls;
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let {
                    name,
                    init: Expr::Repeat { value, len, .. },
                    ..
                } => {
                    let value = self.expr(value, scopes);
                    let array = Array::flat(vec![value; dim_value(len)]);
                    if let Some(scope) = scopes.last_mut() {
                        scope.insert(name.text.to_string(), Val::Array(array));
                    }
                }
                Stmt::Let { name, init, .. } => {
                    let value = self.expr(init, scopes);
                    if let Some(scope) = scopes.last_mut() {
                        scope.insert(name.text.to_string(), Val::Num(value));
                    }
                }
                Stmt::Assign {
                    name, op, value, ..
                } => {
                    let value = self.expr(value, scopes);
                    let slot = scopes
                        .iter_mut()
                        .rev()
                        .find_map(|scope| scope.get_mut(&*name.text))
                        .expect("an assigned variable");
                    let Val::Num(slot) = slot else {
                        panic!("`{name}` is not a number")
                    };
                    *slot = apply(*op, *slot, value);
                }
                Stmt::SetElem {
                    array: name,
                    index,
                    op,
                    value,
                    ..
                } => {
                    let value = self.expr(value, scopes);
                    let at = indices(scopes, index);
                    let slot = scopes
                        .iter_mut()
                        .rev()
                        .find_map(|scope| scope.get_mut(&*name.text))
                        .expect("an assigned array");
                    let Val::Array(array) = slot else {
                        panic!("`{name}` is not an array")
                    };
                    let at = array.offset(&at);
                    array.data[at] = apply(*op, array.data[at], value);
                }
                Stmt::For(for_loop) => {
                    // The range and the arrays are read once, on entry, as Rust does.
                    // Each iteration's bindings: the loop variable, or the elements.
                    let steps: Vec<Vec<(String, Val)>> = match &for_loop.kind {
                        ForKind::Range {
                            var,
                            start,
                            end,
                            inclusive,
                        } => {
                            let (start, end) = (index(scopes, start), index(scopes, end));
                            let range: Vec<usize> = if *inclusive {
                                (start..=end).collect()
                            } else {
                                (start..end).collect()
                            };
                            range
                                .into_iter()
                                .map(|i| vec![(var.text.to_string(), Val::Index(i))])
                                .collect()
                        }
                        ForKind::Elements { elems, arrays } => {
                            let arrays: Vec<&Array> =
                                arrays.iter().map(|a| array(scopes, &a.text)).collect();
                            let n = arrays.iter().map(|a| a.len()).min().unwrap_or(0);
                            (0..n)
                                .map(|i| {
                                    elems
                                        .iter()
                                        .zip(&arrays)
                                        .map(|(e, a)| (e.text.to_string(), Val::Num(a.data[i])))
                                        .collect()
                                })
                                .collect()
                        }
                    };
                    let mut returned = None;
                    for step in steps {
                        scopes.push(step.into_iter().collect());
                        let body_end = self.block(&for_loop.body, scopes);
                        scopes.pop();
                        if let End::Returns(value) = body_end {
                            returned = Some(value);
                            break;
                        }
                    }
                    if let Some(value) = returned {
                        end = End::Returns(value);
                        break;
                    }
                }
                Stmt::If(if_expr) => {
                    let arm = if self.cond(&if_expr.cond, scopes) {
                        Some(&if_expr.then_branch)
                    } else {
                        if_expr.else_branch.as_ref()
                    };
                    if let Some(End::Returns(value)) = arm.map(|arm| self.block(arm, scopes)) {
                        end = End::Returns(value);
                        break;
                    }
                }
                Stmt::Return { value, .. } | Stmt::Tail(value) => {
                    end = End::Returns(self.expr(value, scopes));
                    break;
                }
                Stmt::Unsupported { .. } => panic!("unsupported statement"),
            }
        }
        scopes.pop();
        end
    }

    fn cond(&self, cond: &Cond, scopes: &mut Scopes) -> bool {
        match cond {
            Cond::Cmp { op, lhs, rhs, .. } => {
                let (x, y) = (self.expr(lhs, scopes), self.expr(rhs, scopes));
                match op {
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                }
            }
            Cond::And(a, b) => self.cond(a, scopes) && self.cond(b, scopes),
            Cond::Or(a, b) => self.cond(a, scopes) || self.cond(b, scopes),
            Cond::Not(a) => !self.cond(a, scopes),
            Cond::Bool(value) => *value,
            Cond::Unsupported { .. } => panic!("unsupported condition"),
        }
    }

    fn expr(&self, expr: &Expr, scopes: &mut Scopes) -> f64 {
        let value = self.value(expr, scopes);
        let size = if value.is_nan() {
            f64::INFINITY
        } else {
            value.abs()
        };
        if size > self.largest.get() {
            self.largest.set(size);
        }
        value
    }

    fn value(&self, expr: &Expr, scopes: &mut Scopes) -> f64 {
        match expr {
            Expr::Lit { value, .. } => *value,
            Expr::Var(name) => match lookup(scopes, &name.text) {
                Val::Num(x) => *x,
                _ => panic!("`{name}` is not a number"),
            },
            Expr::Const(_) => std::f64::consts::PI,
            Expr::Binary { op, operands, .. } => {
                let [lhs, rhs] = &**operands;
                let (x, y) = (self.expr(lhs, scopes), self.expr(rhs, scopes));
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                }
            }
            Expr::Neg { expr, .. } => -self.expr(expr, scopes),
            Expr::Method {
                receiver,
                method: name,
                args,
            } => {
                let (m, _) = with_text(name, Method::lookup).expect("a method");
                let x = self.expr(receiver, scopes);
                let rest: Vec<f64> = args.iter().map(|arg| self.expr(arg, scopes)).collect();
                let arg = |i: usize| rest.get(i).copied().unwrap_or(f64::NAN);
                // The value `grad!` computes: `tanh` is `tanh_fast`.
                method(m.as_generated(false), x, arg(0), arg(1))
            }
            Expr::Powi {
                receiver, exponent, ..
            } => self.expr(receiver, scopes).powi(*exponent),
            Expr::Call { func, args } => {
                let args: Vec<Arg> = args.iter().map(|arg| self.argument(arg, scopes)).collect();
                self.call_args(self.functions[&func.to_string()], &args)
            }
            Expr::Ref { .. } => panic!("a reference outside a call"),
            Expr::If(if_expr) => {
                let arm = if self.cond(&if_expr.cond, scopes) {
                    &if_expr.then_branch
                } else {
                    if_expr.else_branch.as_ref().expect("an else")
                };
                match self.block(arm, scopes) {
                    End::Returns(value) => value,
                    End::Falls => panic!("an `if` value without a value"),
                }
            }
            Expr::Index {
                array: name, index, ..
            } => {
                let at = indices(scopes, index);
                let array = array(scopes, &name.text);
                array.data[array.offset(&at)]
            }
            Expr::Len { array: name, .. } => array(scopes, &name.text).len() as f64,
            Expr::Repeat { .. } => panic!("a local array outside `let`"),
            Expr::Unsupported { .. } => panic!("unsupported expression"),
        }
    }
}

impl Evaluator<'_> {
    /// An argument of a call: a number, an array (`xs`, `&xs`) or a row of one (`&m[k]`).
    fn argument(&self, arg: &Expr, scopes: &mut Scopes) -> Arg {
        let inner = match arg {
            Expr::Ref { expr, .. } => expr,
            other => other,
        };
        match inner {
            Expr::Var(name) => {
                if let Val::Array(array) = lookup(scopes, &name.text) {
                    return Arg::Array(array.clone());
                }
            }
            Expr::Index {
                array: name, index, ..
            } => {
                let array = array(scopes, &name.text);
                if let (Some(cols), [row]) = (array.cols, index.as_slice()) {
                    let row = self::index(scopes, row);
                    assert!(row < array.len(), "row {row} of {}", array.len());
                    let start = row * cols;
                    return Arg::Array(Array::flat(array.data[start..start + cols].to_vec()));
                }
            }
            _ => {}
        }
        Arg::Num(self.expr(arg, scopes))
    }
}

fn apply(op: AssignOp, old: f64, value: f64) -> f64 {
    match op {
        AssignOp::Set => value,
        AssignOp::Add => old + value,
        AssignOp::Sub => old - value,
        AssignOp::Mul => old * value,
        AssignOp::Div => old / value,
    }
}
