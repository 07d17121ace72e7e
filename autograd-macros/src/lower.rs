//! AST → IR: names resolved to SSA values, `if` as regions.
//!
//! Each `let`, assignment and operation becomes a node; a variable is just the node it holds
//! now, so `z += x` makes a new node named `z`. An `if` becomes a region whose results (Phi
//! nodes) are the variables its arms change, and its value when it has one. A `return` inside
//! an `if` makes the rest of the function part of the other arm, so every path ends in one
//! value: the function's result. Runs only on checked input; anything unexpected is an error,
//! never a panic.

use std::rc::Rc;

use proc_macro2::Span;
use syn::Ident;

use crate::ast::{
    with_text, AssignOp, BinOp, Block, Cond, Expr, Form, Function, IfExpr, Stmt, VarName,
};
use crate::check::Signatures;
use crate::ir::{Args, BlockId, CallSite, Graph, NameKind, NodeId, Op};
use crate::rules::Method;
use crate::scopes::Scopes;

/// A function as IR, before differentiation.
pub struct Lowered {
    pub graph: Graph,
    pub root: BlockId,
    /// The parameters' nodes, in order.
    pub params: Vec<NodeId>,
    /// The function's value.
    pub result: NodeId,
}

pub fn lower(function: &Function, signatures: &Signatures) -> syn::Result<Lowered> {
    let body = function
        .body
        .as_ref()
        .ok_or_else(|| syn::Error::new(function.name.span(), "function has no body"))?;
    let mut graph = Graph::default();
    // Room for the body and the adjoint code `reverse` adds (two to three nodes for each of
    // the body's): growing the lists would copy them when they are large.
    let room = 4 * body.size() + function.params.len();
    graph.nodes.reserve(room);
    let root = graph.new_block(None, None);
    graph.blocks[root].insts.reserve(room);
    let mut params = Vec::new();
    let mut scopes = Scopes::new();
    scopes.reserve(function.params.len() + body.stmts.len());
    scopes.push_frame();
    for (i, param) in function.params.iter().enumerate() {
        let node = graph.push(root, Op::Param(i), [], param.name.span());
        graph.name(node, param.name.to_string(), NameKind::User);
        params.push(node);
        scopes.declare_ident(&param.name, Variable { node });
    }
    let mut lowerer = Lowerer {
        graph,
        block: root,
        scopes,
        signatures,
        keeps_user_fn: matches!(function.form, Form::Attribute(_)),
    };
    let items: Vec<Item> = body.stmts.iter().map(Item::Stmt).collect();
    let result = lowerer.result(&items, body.span)?;
    if !matches!(
        lowerer.graph.nodes[result].op,
        Op::Param(_) | Op::Lit(_) | Op::Const(_)
    ) {
        lowerer
            .graph
            .name(result, function.name.to_string(), NameKind::User);
    }
    Ok(Lowered {
        graph: lowerer.graph,
        root,
        params,
        result,
    })
}

/// A variable in scope (its name is the scope's key): the node it holds now.
#[derive(Clone)]
struct Variable {
    node: NodeId,
}

/// What is left to run on a path: statements, and the ends of the scopes they are in.
#[derive(Clone, Copy)]
enum Item<'a> {
    Stmt(&'a Stmt),
    EndScope,
}

struct Lowerer<'a> {
    graph: Graph,
    block: BlockId,
    scopes: Scopes<Variable>,
    signatures: &'a Signatures,
    /// The attribute form: its `_grad` computes the user's function as written (see
    /// `Method::as_generated`).
    keeps_user_fn: bool,
}

fn error(span: Span, message: &str) -> syn::Error {
    syn::Error::new(span, format!("internal error in grad!: {message}"))
}

impl Lowerer<'_> {
    fn lookup(&self, name: &VarName) -> syn::Result<NodeId> {
        self.scopes
            .get(&name.text)
            .map(|v| v.node)
            .ok_or_else(|| error(name.span(), "unresolved name"))
    }

    fn declare(&mut self, name: &VarName, node: NodeId) {
        self.name_node(node, &name.text);
        self.scopes.declare(name.text.clone(), Variable { node });
    }

    /// Points the innermost variable `name` at a new node (an assignment).
    fn assign(&mut self, name: &VarName, node: NodeId) -> syn::Result<()> {
        self.name_node(node, &name.text);
        let variable = self
            .scopes
            .get_mut(&name.text)
            .ok_or_else(|| error(name.span(), "assignment to an unresolved name"))?;
        variable.node = node;
        Ok(())
    }

    fn name_node(&mut self, node: NodeId, name: &Rc<str>) {
        if !matches!(self.graph.nodes[node].op, Op::Param(_)) {
            self.graph.name(node, name.clone(), NameKind::User);
        }
    }

    fn push(&mut self, op: Op, args: impl Into<Args>, span: Span) -> NodeId {
        self.graph.push(self.block, op, args, span)
    }

    /// Runs `items` to the end of the path; returns the function's result on it.
    fn result(&mut self, items: &[Item], end: Span) -> syn::Result<NodeId> {
        for (i, item) in items.iter().enumerate() {
            let stmt = match item {
                Item::EndScope => {
                    self.scopes.pop_frame();
                    continue;
                }
                Item::Stmt(stmt) => *stmt,
            };
            match stmt {
                Stmt::Return { value, .. } => return self.expr(value),
                Stmt::Tail(Expr::If(if_expr)) => return self.result_if(if_expr, &items[i + 1..]),
                Stmt::Tail(expr) => return self.expr(expr),
                Stmt::If(if_expr)
                    if contains_return(&if_expr.then_branch)
                        || if_expr.else_branch.as_ref().is_some_and(contains_return) =>
                {
                    return self.result_if(if_expr, &items[i + 1..]);
                }
                other => self.stmt(other)?,
            }
        }
        Err(error(end, "a path ends without a value"))
    }

    /// Lowers the condition and adds the `if`: returns it, the block it is in, and its arms.
    fn open_if(&mut self, if_expr: &IfExpr) -> syn::Result<(usize, BlockId, BlockId, BlockId)> {
        let cond = self.cond(&if_expr.cond)?;
        let outer = self.block;
        let if_id = self.graph.push_if(outer, cond, if_expr.if_span);
        let the_if = &self.graph.ifs[if_id];
        Ok((if_id, outer, the_if.then_block, the_if.else_block))
    }

    /// An `if` on the path to the result: each arm runs its statements and then the rest of
    /// the function (`rest`), so a `return` in one arm ends that path alone.
    fn result_if(&mut self, if_expr: &IfExpr, rest: &[Item]) -> syn::Result<NodeId> {
        let (if_id, outer, then_block, else_block) = self.open_if(if_expr)?;
        let saved = self.scopes.clone();

        self.block = then_block;
        let then_value = self.result_arm(Some(&if_expr.then_branch), rest)?;
        self.scopes = saved.clone();
        self.block = else_block;
        let else_value = self.result_arm(if_expr.else_branch.as_ref(), rest)?;
        self.scopes = saved;
        self.block = outer;
        Ok(self.graph.add_output(if_id, then_value, else_value))
    }

    fn result_arm(&mut self, arm: Option<&Block>, rest: &[Item]) -> syn::Result<NodeId> {
        let mut items = Vec::new();
        let mut end = Span::call_site();
        if let Some(block) = arm {
            self.scopes.push_frame();
            items.extend(block.stmts.iter().map(Item::Stmt));
            items.push(Item::EndScope);
            end = block.span;
        }
        items.extend_from_slice(rest);
        self.result(&items, end)
    }

    /// A statement that does not end the path.
    fn stmt(&mut self, stmt: &Stmt) -> syn::Result<()> {
        match stmt {
            Stmt::Let { name, init, .. } => {
                let node = self.expr(init)?;
                self.declare(name, node);
            }
            Stmt::Assign {
                name,
                op,
                op_span,
                value,
            } => {
                let value = self.expr(value)?;
                let node = match op {
                    AssignOp::Set => value,
                    _ => {
                        let old = self.lookup(name)?;
                        let op = match op {
                            AssignOp::Add => Op::Add,
                            AssignOp::Sub => Op::Sub,
                            AssignOp::Mul => Op::Mul,
                            _ => Op::Div,
                        };
                        self.push(op, [old, value], *op_span)
                    }
                };
                self.assign(name, node)?;
            }
            Stmt::If(if_expr) => {
                self.branch(if_expr, false)?;
            }
            Stmt::Return { span, .. } => return Err(error(*span, "misplaced return")),
            Stmt::Tail(expr) => return Err(error(expr.span(), "misplaced tail expression")),
            Stmt::Unsupported { span, .. } => return Err(error(*span, "unsupported statement")),
        }
        Ok(())
    }

    /// An `if` that does not end the path: a statement (`want_value == false`) or an
    /// expression. Its results are its value, if wanted, and every outer variable an arm
    /// assigns.
    fn branch(&mut self, if_expr: &IfExpr, want_value: bool) -> syn::Result<Option<NodeId>> {
        let (if_id, outer, then_block, else_block) = self.open_if(if_expr)?;
        let saved = self.scopes.clone();

        self.block = then_block;
        let then_value = self.arm(Some(&if_expr.then_branch), want_value)?;
        let then_scopes = std::mem::replace(&mut self.scopes, saved.clone());
        self.block = else_block;
        let else_value = self.arm(if_expr.else_branch.as_ref(), want_value)?;
        let else_scopes = std::mem::replace(&mut self.scopes, saved);
        self.block = outer;

        let value = match (then_value, else_value) {
            (Some(t), Some(e)) => Some(self.graph.add_output(if_id, t, e)),
            _ if want_value => return Err(error(if_expr.if_span, "`if` value without else")),
            _ => None,
        };
        // Variables assigned in either arm get a result of the `if`.
        for (depth, scope) in then_scopes.frames.iter().enumerate() {
            for (index, (name, variable)) in scope.iter().enumerate() {
                let before = self.scopes.frames[depth][index].1.node;
                let in_else = else_scopes.frames[depth][index].1.node;
                if variable.node != before || in_else != before {
                    let phi = self.graph.add_output(if_id, variable.node, in_else);
                    self.name_node(phi, name);
                    self.scopes.frames[depth][index].1.node = phi;
                }
            }
        }
        Ok(value)
    }

    fn arm(&mut self, arm: Option<&Block>, want_value: bool) -> syn::Result<Option<NodeId>> {
        let Some(block) = arm else {
            return Ok(None);
        };
        self.scopes.push_frame();
        let mut value = None;
        for stmt in &block.stmts {
            match stmt {
                Stmt::Tail(expr) if want_value => value = Some(self.expr(expr)?),
                other => self.stmt(other)?,
            }
        }
        self.scopes.pop_frame();
        Ok(value)
    }

    fn cond(&mut self, cond: &Cond) -> syn::Result<NodeId> {
        Ok(match cond {
            Cond::Cmp {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                self.push(Op::Cmp(*op), [lhs, rhs], *op_span)
            }
            Cond::And(a, b) => {
                let a = self.cond(a)?;
                let b = self.cond(b)?;
                self.push(Op::And, [a, b], Span::call_site())
            }
            Cond::Or(a, b) => {
                let a = self.cond(a)?;
                let b = self.cond(b)?;
                self.push(Op::Or, [a, b], Span::call_site())
            }
            Cond::Not(a) => {
                let a = self.cond(a)?;
                self.push(Op::Not, [a], Span::call_site())
            }
            Cond::Bool(value) => self.push(Op::Bool(*value), [], Span::call_site()),
            Cond::Unsupported { span, .. } => return Err(error(*span, "unsupported condition")),
        })
    }

    fn expr(&mut self, expr: &Expr) -> syn::Result<NodeId> {
        Ok(match expr {
            Expr::Lit { value, span, .. } => self.push(Op::Lit(*value), [], *span),
            Expr::Var(name) => self.lookup(name)?,
            Expr::Const(path) => {
                let index = self.graph.consts.len();
                self.graph.consts.push(path.clone());
                self.push(Op::Const(index), [], expr.span())
            }
            Expr::Binary {
                op,
                op_span,
                operands,
            } => {
                let [lhs, rhs] = &**operands;
                let lhs = self.expr(lhs)?;
                let rhs = self.expr(rhs)?;
                let op = match op {
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    BinOp::Mul => Op::Mul,
                    BinOp::Div => Op::Div,
                };
                self.push(op, [lhs, rhs], *op_span)
            }
            Expr::Neg { span, expr } => {
                let a = self.expr(expr)?;
                self.push(Op::Neg, [a], *span)
            }
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                let (op, _) = with_text(method, Method::lookup)
                    .ok_or_else(|| error(method.span(), "unknown method"))?;
                let mut nodes = vec![self.expr(receiver)?];
                for arg in args {
                    nodes.push(self.expr(arg)?);
                }
                let op = op.as_generated(self.keeps_user_fn);
                self.push(Op::Method(op), nodes, method.span())
            }
            Expr::Powi {
                receiver,
                method,
                exponent,
                ..
            } => {
                let a = self.expr(receiver)?;
                self.push(Op::Powi(*exponent), [a], method.span())
            }
            Expr::Call { func, args } => self.call(func, args)?,
            Expr::If(if_expr) => self
                .branch(if_expr, true)?
                .ok_or_else(|| error(if_expr.if_span, "`if` without a value"))?,
            Expr::Unsupported { span, .. } => return Err(error(*span, "unsupported expression")),
        })
    }

    /// `g(a, b)`: a Call node, then one Partial node per argument the callee differentiates.
    fn call(&mut self, func: &Ident, args: &[Expr]) -> syn::Result<NodeId> {
        let mut nodes = Vec::new();
        for arg in args {
            nodes.push(self.expr(arg)?);
        }
        let has_partial = match self.signatures.by_name.get(&func.to_string()) {
            Some((_, wrt)) => wrt.clone(),
            None => vec![true; args.len()],
        };
        let site = self.graph.calls.len();
        let call = self.push(Op::Call(site), nodes, func.span());
        let mut partials = Vec::new();
        let mut k = 0;
        for has in has_partial {
            partials.push(if has {
                let partial = self.push(Op::Partial(k), [call], func.span());
                k += 1;
                Some(partial)
            } else {
                None
            });
        }
        self.graph.calls.push(CallSite {
            name: func.clone(),
            partials,
        });
        Ok(call)
    }
}

fn contains_return(block: &Block) -> bool {
    block.stmts.iter().any(|stmt| match stmt {
        Stmt::Return { .. } => true,
        Stmt::If(if_expr) => {
            contains_return(&if_expr.then_branch)
                || if_expr.else_branch.as_ref().is_some_and(contains_return)
        }
        _ => false,
    })
}
