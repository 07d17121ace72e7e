//! A reference for the random programs: evaluates a function straight from its AST, with
//! Rust's own control flow (a `return` ends the call), so a lowering that runs the wrong code
//! after an early return gives another value than this.

use std::collections::HashMap;

use crate::ast::{with_text, BinOp, Block, CmpOp, Cond, Expr, Function, Stmt};
use crate::ir::Method;

use super::interpret::method;

/// How a block ended.
enum End {
    Falls,
    Returns(f64),
}

pub struct Evaluator<'a> {
    /// The functions of the block, by name.
    pub functions: &'a HashMap<String, &'a Function>,
}

impl Evaluator<'_> {
    pub fn call(&self, function: &Function, args: &[f64]) -> f64 {
        let mut scopes = vec![HashMap::new()];
        for (param, &arg) in function.params.iter().zip(args) {
            scopes[0].insert(param.name.to_string(), arg);
        }
        let body = function.body.as_ref().expect("a body");
        match self.block(body, &mut scopes) {
            End::Returns(value) => value,
            End::Falls => panic!("`{}` ends without a value", function.name),
        }
    }

    fn block(&self, block: &Block, scopes: &mut Vec<HashMap<String, f64>>) -> End {
        scopes.push(HashMap::new());
        let mut end = End::Falls;
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let { name, init, .. } => {
                    let value = self.expr(init, scopes);
                    if let Some(scope) = scopes.last_mut() {
                        scope.insert(name.text.to_string(), value);
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
                    *slot = match op {
                        crate::ast::AssignOp::Set => value,
                        crate::ast::AssignOp::Add => *slot + value,
                        crate::ast::AssignOp::Sub => *slot - value,
                        crate::ast::AssignOp::Mul => *slot * value,
                        crate::ast::AssignOp::Div => *slot / value,
                    };
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
                Stmt::For(_) | Stmt::SetElem { .. } => panic!("the evaluator takes no loops"),
            }
        }
        scopes.pop();
        end
    }

    fn cond(&self, cond: &Cond, scopes: &mut Vec<HashMap<String, f64>>) -> bool {
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

    fn expr(&self, expr: &Expr, scopes: &mut Vec<HashMap<String, f64>>) -> f64 {
        match expr {
            Expr::Lit { value, .. } => *value,
            Expr::Var(name) => *scopes
                .iter()
                .rev()
                .find_map(|scope| scope.get(&*name.text))
                .expect("a variable in scope"),
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
                let args: Vec<f64> = args.iter().map(|arg| self.expr(arg, scopes)).collect();
                self.call(self.functions[&func.to_string()], &args)
            }
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
            Expr::Unsupported { .. } => panic!("unsupported expression"),
            Expr::Index { .. } | Expr::Len { .. } | Expr::Repeat { .. } => {
                panic!("the evaluator takes numbers only")
            }
        }
    }
}
