//! The IR: SSA values in regions.
//!
//! A function is a tree of blocks. A block is a list of instructions; an instruction defines
//! one node (an SSA value: an op and its argument nodes) or is an `if` whose two arms are
//! blocks and whose results are `Phi` nodes. Nodes keep the user's span and, where the user
//! named them, the user's name, so generated code says `yhat` and `d_yhat`. Loops will be
//! another region kind next to `If`.

use std::rc::Rc;

use proc_macro2::Span;

use crate::ast::CmpOp;
use crate::rules::{Helper, Method};

pub type NodeId = usize;
pub type BlockId = usize;
pub type IfId = usize;

/// A node's arguments: up to three inline (every operator, most methods), more on the heap,
/// so most nodes cost no allocation of their own.
#[derive(Clone, Debug)]
pub enum Args {
    Inline(u8, [NodeId; 3]),
    Heap(Vec<NodeId>),
}

impl Args {
    pub fn as_slice(&self) -> &[NodeId] {
        match self {
            Args::Inline(len, ids) => ids.get(..usize::from(*len)).unwrap_or_default(),
            Args::Heap(ids) => ids,
        }
    }

    /// Appends `id`: inline while there is room, then on the heap.
    pub fn push(&mut self, id: NodeId) {
        match self {
            Args::Inline(len, ids) if usize::from(*len) < ids.len() => {
                if let Some(slot) = ids.get_mut(usize::from(*len)) {
                    *slot = id;
                }
                *len += 1;
            }
            Args::Inline(..) => {
                let mut ids = self.to_vec();
                ids.push(id);
                *self = Args::Heap(ids);
            }
            Args::Heap(ids) => ids.push(id),
        }
    }
}

impl Default for Args {
    fn default() -> Self {
        Args::Inline(0, [0; 3])
    }
}

impl std::ops::Deref for Args {
    type Target = [NodeId];
    fn deref(&self) -> &[NodeId] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for Args {
    fn deref_mut(&mut self) -> &mut [NodeId] {
        match self {
            Args::Inline(len, ids) => ids.get_mut(..usize::from(*len)).unwrap_or_default(),
            Args::Heap(ids) => ids,
        }
    }
}

impl<'a> IntoIterator for &'a Args {
    type Item = &'a NodeId;
    type IntoIter = std::slice::Iter<'a, NodeId>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl From<&[NodeId]> for Args {
    fn from(ids: &[NodeId]) -> Self {
        match *ids {
            [] => Args::default(),
            [a] => Args::Inline(1, [a, 0, 0]),
            [a, b] => Args::Inline(2, [a, b, 0]),
            [a, b, c] => Args::Inline(3, [a, b, c]),
            _ => Args::Heap(ids.to_vec()),
        }
    }
}

impl<const N: usize> From<[NodeId; N]> for Args {
    fn from(ids: [NodeId; N]) -> Self {
        Args::from(&ids[..])
    }
}

impl From<Vec<NodeId>> for Args {
    fn from(ids: Vec<NodeId>) -> Self {
        if ids.len() <= 3 {
            Args::from(&ids[..])
        } else {
            Args::Heap(ids)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// The i-th parameter of the function.
    Param(usize),
    /// A number, known at compile time.
    Lit(f64),
    /// A constant path (`std::f64::consts::PI`, `SCALE`): index into `Graph::consts`.
    Const(usize),
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    /// A method of the body language; args are the receiver and then the method's arguments.
    Method(Method),
    /// `a.powi(n)`.
    Powi(i32),
    /// A derivative helper of the runtime (`::autograd::__private::…`).
    Helper(Helper),
    /// A call of another differentiable function through its `_grad` companion: index into
    /// `Graph::calls`. Its value is the function's value.
    Call(usize),
    /// Element k of the partials the call (this node's only argument) returns.
    Partial(usize),
    /// The i-th result of an `if`.
    Phi(IfId, usize),
    Cmp(CmpOp),
    And,
    Or,
    Not,
    Bool(bool),
}

impl Op {
    /// Whether the node is a boolean (a condition) rather than a number.
    pub fn is_bool(&self) -> bool {
        matches!(self, Op::Cmp(_) | Op::And | Op::Or | Op::Not | Op::Bool(_))
    }
}

/// How a node got its name; a stronger name wins when two nodes turn out to be the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameKind {
    /// `d_` + a primal name.
    Adjoint,
    /// The user's `let` name.
    User,
}

#[derive(Clone, Debug)]
pub struct Name {
    /// Shared with the scopes that declared it and the names the renderer takes.
    pub text: Rc<str>,
    pub kind: NameKind,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub args: Args,
    pub span: Span,
    pub name: Option<Name>,
    /// For an adjoint node, the primal node it is the adjoint of.
    pub adjoint_of: Option<NodeId>,
    /// For an `if` result that carries a value out of an arm: that value (same name).
    pub export_of: Option<NodeId>,
}

#[derive(Clone, Debug)]
pub enum Inst {
    Node(NodeId),
    If(IfId),
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub insts: Vec<Inst>,
    /// The block this one is an arm of (through `owner`); `None` for the function's body.
    pub parent: Option<BlockId>,
    /// The `if` this block is an arm of.
    pub owner: Option<IfId>,
}

#[derive(Clone, Debug)]
pub struct If {
    pub cond: NodeId,
    pub then_block: BlockId,
    pub else_block: BlockId,
    /// Result i is `then_values[i]` if `cond`, else `else_values[i]`; `outputs[i]` is its Phi.
    pub outputs: Vec<NodeId>,
    pub then_values: Vec<NodeId>,
    pub else_values: Vec<NodeId>,
    pub span: Span,
}

/// One call of another differentiable function (`Op::Call`).
#[derive(Clone)]
pub struct CallSite {
    pub name: syn::Ident,
    /// For each argument, the node of its partial derivative; `None` where the callee (a
    /// function of the same block with `#[wrt]`) does not differentiate that parameter.
    pub partials: Vec<Option<NodeId>>,
}

#[derive(Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub blocks: Vec<Block>,
    pub ifs: Vec<If>,
    pub consts: Vec<syn::Path>,
    pub calls: Vec<CallSite>,
}

impl Graph {
    pub fn new_block(&mut self, parent: Option<BlockId>, owner: Option<IfId>) -> BlockId {
        self.blocks.push(Block {
            insts: Vec::new(),
            parent,
            owner,
        });
        self.blocks.len() - 1
    }

    /// Adds a node at the end of `block`.
    pub fn push(&mut self, block: BlockId, op: Op, args: impl Into<Args>, span: Span) -> NodeId {
        self.nodes.push(Node {
            op,
            args: args.into(),
            span,
            name: None,
            adjoint_of: None,
            export_of: None,
        });
        let id = self.nodes.len() - 1;
        self.blocks[block].insts.push(Inst::Node(id));
        id
    }

    /// Adds an `if` with empty arms at the end of `block`.
    pub fn push_if(&mut self, block: BlockId, cond: NodeId, span: Span) -> IfId {
        let id = self.ifs.len();
        let then_block = self.new_block(Some(block), Some(id));
        let else_block = self.new_block(Some(block), Some(id));
        self.ifs.push(If {
            cond,
            then_block,
            else_block,
            outputs: Vec::new(),
            then_values: Vec::new(),
            else_values: Vec::new(),
            span,
        });
        self.blocks[block].insts.push(Inst::If(id));
        id
    }

    /// Adds a result to an `if`: `then_value` or `else_value`, as a new Phi node.
    pub fn add_output(&mut self, if_id: IfId, then_value: NodeId, else_value: NodeId) -> NodeId {
        let index = self.ifs[if_id].outputs.len();
        let span = self.ifs[if_id].span;
        self.nodes.push(Node {
            op: Op::Phi(if_id, index),
            args: Args::default(),
            span,
            name: None,
            adjoint_of: None,
            export_of: None,
        });
        let phi = self.nodes.len() - 1;
        let the_if = &mut self.ifs[if_id];
        the_if.outputs.push(phi);
        the_if.then_values.push(then_value);
        the_if.else_values.push(else_value);
        phi
    }

    /// Names `node` `text` unless it has a stronger name already (`text` is converted, and
    /// allocated if it is a `&str`, only when it is kept).
    pub fn name(&mut self, node: NodeId, text: impl Into<Rc<str>>, kind: NameKind) {
        let slot = &mut self.nodes[node].name;
        if slot.as_ref().is_none_or(|name| name.kind < kind) {
            *slot = Some(Name {
                text: text.into(),
                kind,
            });
        }
    }

    /// Whether `node` is a condition rather than a number (an `if` result is what its arms are).
    pub fn is_bool(&self, mut node: NodeId) -> bool {
        while let Op::Phi(if_id, i) = self.nodes[node].op {
            match self
                .ifs
                .get(if_id)
                .and_then(|the_if| the_if.then_values.get(i))
            {
                Some(&value) => node = value,
                None => return false,
            }
        }
        self.nodes[node].op.is_bool()
    }

    pub fn lit_value(&self, node: NodeId) -> Option<f64> {
        match self.nodes[node].op {
            Op::Lit(value) => Some(value),
            _ => None,
        }
    }

    /// The value of a literal or of a negated one (`-2.0` is `Neg(Lit(2.0))` until simplified).
    pub fn const_value(&self, node: NodeId) -> Option<f64> {
        match self.nodes[node].op {
            Op::Neg => self.lit_value(*self.nodes[node].args.first()?).map(|v| -v),
            _ => self.lit_value(node),
        }
    }
}

/// Adds nodes to one block; what `rules.rs` uses to write derivative code.
pub struct Builder<'g> {
    pub graph: &'g mut Graph,
    pub block: BlockId,
    pub span: Span,
}

impl Builder<'_> {
    pub fn op(&mut self, op: Op, args: impl Into<Args>) -> NodeId {
        self.graph.push(self.block, op, args, self.span)
    }
    pub fn lit(&mut self, value: f64) -> NodeId {
        self.op(Op::Lit(value), [])
    }
    pub fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.op(Op::Add, [a, b])
    }
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.op(Op::Sub, [a, b])
    }
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.op(Op::Mul, [a, b])
    }
    pub fn div(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.op(Op::Div, [a, b])
    }
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        self.op(Op::Neg, [a])
    }
    pub fn method(&mut self, method: Method, args: impl Into<Args>) -> NodeId {
        self.op(Op::Method(method), args)
    }
    pub fn helper(&mut self, helper: Helper, args: impl Into<Args>) -> NodeId {
        self.op(Op::Helper(helper), args)
    }
    pub fn powi(&mut self, a: NodeId, n: i32) -> NodeId {
        self.op(Op::Powi(n), [a])
    }
    /// `a * a`
    pub fn square(&mut self, a: NodeId) -> NodeId {
        self.mul(a, a)
    }
}
