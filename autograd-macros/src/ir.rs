//! The IR: typed SSA values in blocks, and regions that hold blocks.
//!
//! A function is a tree of blocks. A block is a list of instructions; an instruction defines
//! one value (an op and its argument values) or is a region. A region is one enum of kinds
//! (`If` today; a loop is one more kind): it takes arguments (an `if` its condition), holds
//! bodies (an `if` its two arms), and has results, each the value that every body yields for
//! it (`Op::Result`). Every value has a type, derived from its op and checked by [`verify`];
//! values keep the user's span and, where the user named them, the user's name, so generated
//! code says `yhat` and `d_yhat`.
//!
//! Ids are typed (`ValueId`, `BlockId`, `RegionId`): an id of one arena cannot index another.
//! Ids are only made by the graph that holds them, and each stage ends with [`verify`], so
//! indexing by an id never fails; a malformed graph is an internal error, spanned, never a
//! panic or a silent skip.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use proc_macro2::Span;

use crate::ast::{CmpOp, IndexExpr};
use crate::hash::FastMap;

/// An index into one arena.
pub trait Id: Copy {
    fn new(index: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl Id for $name {
            fn new(index: usize) -> Self {
                // A function of four billion values is far beyond what rustc could compile.
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", stringify!($name), self.0)
            }
        }
    };
}

id!(
    /// An SSA value.
    ValueId
);
id!(
    /// A list of instructions: the function's body, or a body of a region.
    BlockId
);
id!(
    /// A region: an `if` (and, next, a loop).
    RegionId
);
id!(
    /// A constant path the function reads (`std::f64::consts::PI`, `SCALE`).
    ConstId
);
id!(
    /// A call of another differentiable function.
    CallId
);
id!(
    /// An element of an array: which array, at which index (`Op::Load`, `Op::Store`).
    PlaceId
);
id!(
    /// A loop's header: its variable and range.
    LoopId
);
id!(
    /// A local array (`let mut h = [0.0; N];`).
    LocalId
);

/// A vector indexed by one kind of id (rustc's `IndexVec`).
#[derive(Clone, Debug)]
pub struct IdVec<I, T> {
    raw: Vec<T>,
    _id: PhantomData<fn(I)>,
}

impl<I: Id, T> IdVec<I, T> {
    pub fn new() -> Self {
        IdVec {
            raw: Vec::new(),
            _id: PhantomData,
        }
    }

    /// `len` copies of `value`: a side table, one entry per id.
    pub fn filled(value: T, len: usize) -> Self
    where
        T: Clone,
    {
        IdVec {
            raw: vec![value; len],
            _id: PhantomData,
        }
    }

    pub fn push(&mut self, item: T) -> I {
        self.raw.push(item);
        I::new(self.raw.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    pub fn get(&self, id: I) -> Option<&T> {
        self.raw.get(id.index())
    }

    /// Whether `id` is an index of this vector.
    pub fn has(&self, id: I) -> bool {
        id.index() < self.raw.len()
    }

    pub fn ids(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.raw.len()).map(I::new)
    }

    pub fn iter(&self) -> impl Iterator<Item = (I, &T)> {
        self.raw.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }

    /// Grows the table to `len` entries of `value` (for values added after it was made).
    pub fn resize(&mut self, len: usize, value: T)
    where
        T: Clone,
    {
        if len > self.raw.len() {
            self.raw.resize(len, value);
        }
    }
}

impl<I: Id, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(items: It) -> Self {
        IdVec {
            raw: items.into_iter().collect(),
            _id: PhantomData,
        }
    }
}

impl<I: Id, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec::new()
    }
}

impl<I: Id, T> std::ops::Index<I> for IdVec<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        &self.raw[id.index()]
    }
}

impl<I: Id, T> std::ops::IndexMut<I> for IdVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.raw[id.index()]
    }
}

/// A value's arguments: up to three inline (every operator, most methods), more on the heap.
#[derive(Clone, Debug)]
pub enum Args {
    Inline(u8, [ValueId; 3]),
    Heap(Vec<ValueId>),
}

impl Args {
    pub fn as_slice(&self) -> &[ValueId] {
        match self {
            Args::Inline(len, ids) => ids.get(..usize::from(*len)).unwrap_or_default(),
            Args::Heap(ids) => ids,
        }
    }
}

impl Default for Args {
    fn default() -> Self {
        Args::Inline(0, [ValueId(0); 3])
    }
}

impl std::ops::Deref for Args {
    type Target = [ValueId];
    fn deref(&self) -> &[ValueId] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for Args {
    fn deref_mut(&mut self) -> &mut [ValueId] {
        match self {
            Args::Inline(len, ids) => ids.get_mut(..usize::from(*len)).unwrap_or_default(),
            Args::Heap(ids) => ids,
        }
    }
}

impl<'a> IntoIterator for &'a Args {
    type Item = &'a ValueId;
    type IntoIter = std::slice::Iter<'a, ValueId>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl From<&[ValueId]> for Args {
    fn from(ids: &[ValueId]) -> Self {
        let zero = ValueId(0);
        match *ids {
            [] => Args::default(),
            [a] => Args::Inline(1, [a, zero, zero]),
            [a, b] => Args::Inline(2, [a, b, zero]),
            [a, b, c] => Args::Inline(3, [a, b, c]),
            _ => Args::Heap(ids.to_vec()),
        }
    }
}

impl<const N: usize> From<[ValueId; N]> for Args {
    fn from(ids: [ValueId; N]) -> Self {
        Args::from(&ids[..])
    }
}

impl From<Vec<ValueId>> for Args {
    fn from(ids: Vec<ValueId>) -> Self {
        if ids.len() <= 3 {
            Args::from(&ids[..])
        } else {
            Args::Heap(ids)
        }
    }
}

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

/// Every method of the body language, written once: its name, and how many arguments it
/// takes besides the receiver. (`powi` is separate: its exponent is an integer literal, see
/// `Op::Powi`.) Parsing, checking, printing and the error messages all read this table;
/// `rules.rs` gives each its derivative.
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

    /// How many arguments the method takes besides its receiver.
    pub fn extra_args(self) -> usize {
        METHODS
            .iter()
            .find(|(_, _, m)| *m == self)
            .map_or(0, |&(_, extra, _)| extra)
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

    fn arity(self) -> usize {
        match self {
            Helper::Sign | Helper::Step => 1,
            _ => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// The i-th parameter of the function.
    Param(usize),
    /// A number, known at compile time.
    Lit(f64),
    /// A constant path (`std::f64::consts::PI`, `SCALE`).
    Const(ConstId),
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
    Call(CallId),
    /// Element k of the partials the call (this value's only argument) returns.
    Partial(usize),
    /// The i-th result of a region.
    Result(RegionId, usize),
    /// The value of a loop's k-th carried variable at the start of an iteration: defined at
    /// the start of the loop's body; the body yields its value for the next iteration.
    Carried(RegionId, usize),
    /// In a reverse loop: the forward loop's k-th carried variable at the start of the same
    /// iteration, as the forward loop saved it.
    Saved(RegionId, usize),
    /// In a reverse loop: the forward loop's k-th carried variable at the end of the same
    /// iteration (what the body yields for it), as the forward loop saved it.
    SavedEnd(RegionId, usize),
    /// An element of an array: `xs[i]` (an input: read where it is used), `h[j]` (a local
    /// array) or `d_h[j]` (an adjoint array; local and adjoint reads are bound where they
    /// stand, since later stores change them).
    Load(PlaceId),
    /// `place = value` or (`true`) `place += value`: changes an element of a local array or
    /// of an adjoint array. Its one argument is the value; it has no value of its own.
    Store(PlaceId, bool),
    /// `let mut h = [init; N];` (and, `true`, its adjoint array `d_h`, zeroed).
    Declare(LocalId, bool),
    /// `xs.len()` as a number of the function's type: the length of the array, or of the row
    /// of one, at this place (its index, empty or one row's, selects it).
    Count(PlaceId),
    /// Only in the code of `f_trace` (`#[trace]`): hands its one argument to the trace as
    /// the value (`false`) or the adjoint (`true`) of node k of the function's graph.
    Trace(usize, bool),
    /// Whether loop `region`'s range has an index (`a < b`, `a <= b` for `..=`): after the
    /// loop, whether it ran. Read in the block that holds the loop (see `carry.rs`).
    Nonempty(RegionId),
    Cmp(CmpOp),
    And,
    Or,
    Not,
    Bool(bool),
}

/// What a value is. Indices and arrays live in the places and loop headers, not in values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Real,
    Bool,
    /// A statement: a store or a declaration; nothing uses it.
    Unit,
}

impl Op {
    /// A literal or a constant: printed where it is used, so in scope everywhere.
    pub fn is_constant(&self) -> bool {
        matches!(self, Op::Lit(_) | Op::Const(_) | Op::Bool(_))
    }

    /// The type of the value this op makes (a region's result has its bodies' type, given
    /// when the result is added).
    fn result_type(&self) -> Type {
        match self {
            Op::Cmp(_) | Op::And | Op::Or | Op::Not | Op::Bool(_) | Op::Nonempty(_) => Type::Bool,
            Op::Store(..) | Op::Declare(..) | Op::Trace(..) => Type::Unit,
            _ => Type::Real,
        }
    }

    /// A statement that changes memory: kept where it stands, never removed as dead.
    pub fn has_effect(&self) -> bool {
        matches!(self, Op::Store(..) | Op::Declare(..) | Op::Trace(..))
    }

    /// The types of its arguments, and how many (`None`: any number, all real).
    fn arg_types(&self) -> (Type, Option<usize>) {
        match self {
            Op::Param(_)
            | Op::Lit(_)
            | Op::Const(_)
            | Op::Bool(_)
            | Op::Result(..)
            | Op::Carried(..)
            | Op::Saved(..)
            | Op::SavedEnd(..)
            | Op::Load(_)
            | Op::Declare(..)
            | Op::Count(_)
            | Op::Nonempty(_) => (Type::Real, Some(0)),
            Op::Store(..) | Op::Trace(..) => (Type::Real, Some(1)),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Cmp(_) => (Type::Real, Some(2)),
            Op::Neg | Op::Powi(_) | Op::Partial(_) => (Type::Real, Some(1)),
            Op::Method(method) => (Type::Real, Some(1 + method.extra_args())),
            Op::Helper(helper) => (Type::Real, Some(helper.arity())),
            Op::Call(_) => (Type::Real, None),
            Op::And | Op::Or => (Type::Bool, Some(2)),
            Op::Not => (Type::Bool, Some(1)),
        }
    }
}

/// How a value got its name; a stronger name wins when two values turn out to be the same.
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
pub struct Value {
    pub op: Op,
    pub args: Args,
    pub ty: Type,
    pub span: Span,
    pub name: Option<Name>,
    /// For an adjoint, the primal value it is the adjoint of.
    pub adjoint_of: Option<ValueId>,
    /// For a region result that carries a value out of a body: that value (same name).
    pub export_of: Option<ValueId>,
}

#[derive(Clone, Copy, Debug)]
pub enum Inst {
    Value(ValueId),
    Region(RegionId),
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub insts: Vec<Inst>,
    /// The region this block is a body of; `None` for the function's body.
    pub owner: Option<RegionId>,
}

/// The kinds of region. Each stage matches on this once; the rest of a region (arguments,
/// bodies, results) is walked the same way for every kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// `if args[0] { bodies[0] } else { bodies[1] }`.
    If,
    /// `for var in range { bodies[0] }`: `args[k]` is carried variable k's value on entry,
    /// `Carried(k)` its value at the start of an iteration, `yields[0][k]` at the end of one,
    /// `results[k]` after the loop.
    Loop(LoopId),
}

/// A loop's variable and range: `for var in start..end` (`..=` when `inclusive`), run
/// backwards when `reversed`. A reverse loop names the forward loop whose saved values it
/// reads (`Op::Saved`).
#[derive(Clone)]
pub struct LoopHeader {
    pub var: syn::Ident,
    pub start: IndexExpr,
    pub end: IndexExpr,
    pub inclusive: bool,
    pub reversed: bool,
    pub forward: Option<RegionId>,
}

/// What an element belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayRef {
    /// The i-th parameter.
    Param(usize),
    Local(LocalId),
}

/// An element: `array[index[0]][index[1]]`, or of its adjoint array (`d_` + its name).
#[derive(Clone)]
pub struct Place {
    pub array: ArrayRef,
    pub index: Vec<IndexExpr>,
    pub adjoint: bool,
}

/// `let mut name = [init; len];`
#[derive(Clone)]
pub struct LocalArray {
    pub name: syn::Ident,
    pub init: f64,
    pub len: syn::Expr,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub kind: RegionKind,
    /// The values the region reads on entry: an `if`'s condition.
    pub args: Args,
    /// The block the region is an instruction of.
    pub parent: BlockId,
    pub bodies: Vec<BlockId>,
    /// The region's results (`Op::Result` values), in order.
    pub results: Vec<ValueId>,
    /// `yields[b][i]`: what body `b` gives for result `i`.
    pub yields: Vec<Vec<ValueId>>,
    pub span: Span,
}

impl Region {
    /// An `if`'s condition.
    pub fn cond(&self) -> ValueId {
        self.args.first().copied().unwrap_or(ValueId(0))
    }
}

/// One call of another differentiable function (`Op::Call`).
#[derive(Clone)]
pub struct CallSite {
    pub name: syn::Ident,
    /// For each argument, the value of its partial derivative; `None` where the callee (a
    /// function of the same block with `#[wrt]`) does not differentiate that parameter.
    pub partials: Vec<Option<ValueId>>,
}

#[derive(Clone, Default)]
pub struct Graph {
    pub values: IdVec<ValueId, Value>,
    pub blocks: IdVec<BlockId, Block>,
    pub regions: IdVec<RegionId, Region>,
    pub consts: IdVec<ConstId, syn::Path>,
    pub calls: IdVec<CallId, CallSite>,
    pub places: IdVec<PlaceId, Place>,
    /// Each place by what it is, so that the same element written twice is one place.
    place_ids: FastMap<(ArrayRef, bool, String), PlaceId>,
    pub loops: IdVec<LoopId, LoopHeader>,
    pub locals: IdVec<LocalId, LocalArray>,
}

/// A function with its gradient, as IR: what `reverse` makes, `simplify` cleans and `emit`
/// prints.
pub struct Program {
    pub graph: Graph,
    pub root: BlockId,
    /// The function's value.
    pub value: ValueId,
    /// For each parameter: its partial derivative, or `None` when it is not differentiated.
    /// A differentiated parameter the value does not depend on has a `Lit(0)` value.
    pub grads: Vec<Option<ValueId>>,
    /// The array parameters whose adjoint array the gradient assigns in full before anything
    /// else touches it (`carry.rs`): `_grad_into` need not zero it first.
    pub assigned: Vec<usize>,
}

impl Graph {
    pub fn new_block(&mut self, owner: Option<RegionId>) -> BlockId {
        self.blocks.push(Block {
            insts: Vec::new(),
            owner,
        })
    }

    fn new_value(&mut self, op: Op, args: Args, ty: Type, span: Span) -> ValueId {
        self.values.push(Value {
            op,
            args,
            ty,
            span,
            name: None,
            adjoint_of: None,
            export_of: None,
        })
    }

    /// Adds a value at the end of `block`; its type follows from its op.
    pub fn push(&mut self, block: BlockId, op: Op, args: impl Into<Args>, span: Span) -> ValueId {
        let ty = op.result_type();
        let id = self.new_value(op, args.into(), ty, span);
        self.blocks[block].insts.push(Inst::Value(id));
        id
    }

    /// The loops of `block` and of the regions inside it, in program order, onto `out`.
    pub fn collect_loops(&self, block: BlockId, out: &mut Vec<RegionId>) {
        for inst in &self.blocks[block].insts {
            if let Inst::Region(region) = *inst {
                if let RegionKind::Loop(_) = self.regions[region].kind {
                    out.push(region);
                }
                for &body in &self.regions[region].bodies {
                    self.collect_loops(body, out);
                }
            }
        }
    }

    /// A value in no block yet: the caller places it.
    pub fn detached(&mut self, op: Op, args: impl Into<Args>, span: Span) -> ValueId {
        let ty = op.result_type();
        self.new_value(op, args.into(), ty, span)
    }

    /// Adds a region of `kind` with `bodies` empty bodies at the end of `block`.
    pub fn push_region(
        &mut self,
        block: BlockId,
        kind: RegionKind,
        args: impl Into<Args>,
        bodies: usize,
        span: Span,
    ) -> RegionId {
        let id = RegionId::new(self.regions.len());
        let bodies: Vec<BlockId> = (0..bodies).map(|_| self.new_block(Some(id))).collect();
        let yields = vec![Vec::new(); bodies.len()];
        self.regions.push(Region {
            kind,
            args: args.into(),
            parent: block,
            bodies,
            results: Vec::new(),
            yields,
            span,
        });
        self.blocks[block].insts.push(Inst::Region(id));
        id
    }

    /// Adds a loop with an empty body at the end of `block`; `carried` are the carried
    /// variables' values on entry. Returns it and the `Carried` value of each.
    pub fn push_loop(
        &mut self,
        block: BlockId,
        header: LoopHeader,
        carried: &[ValueId],
        span: Span,
    ) -> (RegionId, Vec<ValueId>) {
        let header = self.loops.push(header);
        let region = self.push_region(block, RegionKind::Loop(header), carried, 1, span);
        let body = self.regions[region].bodies[0];
        let values = (0..carried.len())
            .map(|k| self.push(body, Op::Carried(region, k), [], span))
            .collect();
        (region, values)
    }

    /// The place `array[index]` (of its adjoint array when `adjoint`): one id per element as
    /// written, so that loads of one input element are one value where both are in scope.
    pub fn place(&mut self, array: ArrayRef, index: &[IndexExpr], adjoint: bool) -> PlaceId {
        let mut tokens = proc_macro2::TokenStream::new();
        for part in index {
            crate::print::write_index(part, &mut tokens);
            tokens.extend(quote::quote!(;));
        }
        let key = (array, adjoint, tokens.to_string());
        if let Some(&id) = self.place_ids.get(&key) {
            return id;
        }
        let id = self.places.push(Place {
            array,
            index: index.to_vec(),
            adjoint,
        });
        self.place_ids.insert(key, id);
        id
    }

    /// The `Carried` value of loop `region`'s variable `k` (at the start of its body).
    pub fn carried(&self, region: RegionId, k: usize) -> Option<ValueId> {
        let body = *self.regions.get(region)?.bodies.first()?;
        self.blocks[body].insts.iter().find_map(|inst| match *inst {
            Inst::Value(id) if self.values[id].op == Op::Carried(region, k) => Some(id),
            _ => None,
        })
    }

    /// The header of `region` if it is a loop.
    pub fn header_of(&self, region: &Region) -> Option<&LoopHeader> {
        match region.kind {
            RegionKind::Loop(header) => self.loops.get(header),
            RegionKind::If => None,
        }
    }

    /// A loop's header.
    pub fn header(&self, region: RegionId) -> Option<&LoopHeader> {
        match self.regions.get(region)?.kind {
            RegionKind::Loop(header) => self.loops.get(header),
            RegionKind::If => None,
        }
    }

    /// Adds an `if` on `cond` with empty arms at the end of `block`.
    pub fn push_if(&mut self, block: BlockId, cond: ValueId, span: Span) -> RegionId {
        self.push_region(block, RegionKind::If, [cond], 2, span)
    }

    /// Adds a result to a region: body `b` yields `yields[b]` for it. Its type is that of
    /// the first body's value (`verify` checks the others agree).
    pub fn add_result(&mut self, region: RegionId, yields: &[ValueId]) -> ValueId {
        let index = self.regions[region].results.len();
        let span = self.regions[region].span;
        let ty = yields
            .first()
            .and_then(|&v| self.values.get(v))
            .map_or(Type::Real, |v| v.ty);
        let result = self.new_value(Op::Result(region, index), Args::default(), ty, span);
        let r = &mut self.regions[region];
        r.results.push(result);
        for (body, &value) in r.yields.iter_mut().zip(yields) {
            body.push(value);
        }
        result
    }

    /// A literal at the start of `root`, so in scope everywhere (for rewrites that make one).
    pub fn hoisted_lit(&mut self, root: BlockId, value: f64, span: Span) -> ValueId {
        let id = self.new_value(Op::Lit(value), Args::default(), Type::Real, span);
        self.blocks[root].insts.insert(0, Inst::Value(id));
        id
    }

    /// Names `value` `text` unless it has a stronger name already.
    pub fn name(&mut self, value: ValueId, text: impl Into<Rc<str>>, kind: NameKind) {
        let slot = &mut self.values[value].name;
        if slot.as_ref().is_none_or(|name| name.kind < kind) {
            *slot = Some(Name {
                text: text.into(),
                kind,
            });
        }
    }

    pub fn is_bool(&self, value: ValueId) -> bool {
        self.values[value].ty == Type::Bool
    }

    pub fn lit_value(&self, value: ValueId) -> Option<f64> {
        match self.values[value].op {
            Op::Lit(v) => Some(v),
            _ => None,
        }
    }

    /// The value of a literal or of a negated one (`-2.0` is `Neg(Lit(2.0))` until simplified).
    pub fn const_value(&self, value: ValueId) -> Option<f64> {
        match self.values[value].op {
            Op::Neg => self
                .lit_value(*self.values[value].args.first()?)
                .map(|v| -v),
            _ => self.lit_value(value),
        }
    }

    /// Whether `block` is `inner` or encloses it.
    pub fn encloses(&self, block: BlockId, mut inner: BlockId) -> bool {
        loop {
            if inner == block {
                return true;
            }
            match self.blocks[inner].owner {
                Some(region) => inner = self.regions[region].parent,
                None => return false,
            }
        }
    }
}

/// Adds values to one block; what `rules.rs` uses to write derivative code.
pub struct Builder<'g> {
    pub graph: &'g mut Graph,
    pub block: BlockId,
    pub span: Span,
}

impl Builder<'_> {
    pub fn op(&mut self, op: Op, args: impl Into<Args>) -> ValueId {
        self.graph.push(self.block, op, args, self.span)
    }
    pub fn lit(&mut self, value: f64) -> ValueId {
        self.op(Op::Lit(value), [])
    }
    pub fn add(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.op(Op::Add, [a, b])
    }
    pub fn sub(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.op(Op::Sub, [a, b])
    }
    pub fn mul(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.op(Op::Mul, [a, b])
    }
    pub fn div(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.op(Op::Div, [a, b])
    }
    pub fn neg(&mut self, a: ValueId) -> ValueId {
        self.op(Op::Neg, [a])
    }
    pub fn method(&mut self, method: Method, args: impl Into<Args>) -> ValueId {
        self.op(Op::Method(method), args)
    }
    pub fn helper(&mut self, helper: Helper, args: impl Into<Args>) -> ValueId {
        self.op(Op::Helper(helper), args)
    }
    pub fn powi(&mut self, a: ValueId, n: i32) -> ValueId {
        self.op(Op::Powi(n), [a])
    }
    /// `a * a`
    pub fn square(&mut self, a: ValueId) -> ValueId {
        self.mul(a, a)
    }
}

/// Checks that `program` is well formed: every id in range, every value defined once and
/// before its uses, in its block or an enclosing one (`scoped`: after residuals are exported,
/// when the code is about to be printed), every op with the argument types it takes, every
/// region with one yield per result in each body, of the result's type. The first problem is
/// an internal error spanned on the value it concerns.
pub fn verify(program: &Program, scoped: bool) -> syn::Result<()> {
    let graph = &program.graph;
    let mut verifier = Verifier {
        graph,
        defined: IdVec::filled(None, graph.values.len()),
        scoped,
    };
    if !graph.blocks.has(program.root) {
        return Err(internal(Span::call_site(), "the root block is missing"));
    }
    verifier.block(program.root)?;
    let outputs = std::iter::once(program.value).chain(program.grads.iter().flatten().copied());
    for value in outputs {
        verifier.use_of(value, program.root, Span::call_site())?;
    }
    Ok(())
}

/// An internal error of the macro: a bug in autograd, not in the user's code.
pub fn internal(span: Span, message: impl fmt::Display) -> syn::Error {
    syn::Error::new(
        span,
        format!("autograd internal error: {message} (please report this as a bug)"),
    )
}

struct Verifier<'g> {
    graph: &'g Graph,
    /// The block each value is defined in, once it has been seen.
    defined: IdVec<ValueId, Option<BlockId>>,
    scoped: bool,
}

impl Verifier<'_> {
    fn use_of(&self, value: ValueId, block: BlockId, span: Span) -> syn::Result<Type> {
        let Some(v) = self.graph.values.get(value) else {
            return Err(internal(span, format!("{value:?} is out of range")));
        };
        match self.defined[value] {
            None => Err(internal(
                v.span,
                format!("{value:?} is used before it is defined"),
            )),
            Some(defined)
                if self.scoped && !v.op.is_constant() && !self.graph.encloses(defined, block) =>
            {
                Err(internal(
                    v.span,
                    format!("{value:?} is used outside the block that defines it"),
                ))
            }
            Some(_) => Ok(v.ty),
        }
    }

    fn define(&mut self, value: ValueId, block: BlockId, span: Span) -> syn::Result<()> {
        match self.defined.get(value) {
            None => Err(internal(span, format!("{value:?} is out of range"))),
            Some(Some(_)) => Err(internal(span, format!("{value:?} is defined twice"))),
            Some(None) => {
                self.defined[value] = Some(block);
                Ok(())
            }
        }
    }

    fn block(&mut self, block: BlockId) -> syn::Result<()> {
        let graph = self.graph;
        for inst in &graph.blocks[block].insts {
            match *inst {
                Inst::Value(id) => self.value(id, block)?,
                Inst::Region(region) => self.region(region, block)?,
            }
        }
        Ok(())
    }

    fn value(&mut self, id: ValueId, block: BlockId) -> syn::Result<()> {
        let Some(value) = self.graph.values.get(id) else {
            return Err(internal(
                Span::call_site(),
                format!("{id:?} is out of range"),
            ));
        };
        let span = value.span;
        let (arg_type, arity) = value.op.arg_types();
        if arity.is_some_and(|n| n != value.args.len()) {
            return Err(internal(
                span,
                format!("{:?} has {} arguments", value.op, value.args.len()),
            ));
        }
        for &arg in &value.args {
            let ty = self.use_of(arg, block, span)?;
            // A partial's argument is its call; every other op reads values of `arg_type`.
            if ty != arg_type {
                return Err(internal(
                    span,
                    format!("{:?} reads {arg:?} of type {ty:?}", value.op),
                ));
            }
        }
        let in_range = match value.op {
            Op::Const(i) => self.graph.consts.has(i),
            Op::Call(i) => self.graph.calls.has(i),
            Op::Partial(_) => value
                .args
                .first()
                .is_some_and(|&call| matches!(self.graph.values[call].op, Op::Call(_))),
            Op::Result(..) => false,
            Op::Load(place) | Op::Store(place, _) | Op::Count(place) => {
                self.graph.places.has(place)
            }
            Op::Declare(local, _) => self.graph.locals.has(local),
            Op::Carried(region, k) => self.graph.regions.get(region).is_some_and(|r| {
                matches!(r.kind, RegionKind::Loop(_))
                    && r.bodies.first() == Some(&block)
                    && k < r.args.len()
            }),
            Op::Saved(region, k) | Op::SavedEnd(region, k) => self
                .graph
                .regions
                .get(region)
                .is_some_and(|r| matches!(r.kind, RegionKind::Loop(_)) && k < r.args.len()),
            Op::Nonempty(region) => self
                .graph
                .regions
                .get(region)
                .is_some_and(|r| matches!(r.kind, RegionKind::Loop(_)) && r.parent == block),
            _ => true,
        };
        if !in_range {
            return Err(internal(span, format!("malformed {:?}", value.op)));
        }
        if value.ty != value.op.result_type() {
            return Err(internal(
                span,
                format!("{:?} has type {:?}", value.op, value.ty),
            ));
        }
        self.define(id, block, span)
    }

    fn region(&mut self, id: RegionId, block: BlockId) -> syn::Result<()> {
        let Some(region) = self.graph.regions.get(id) else {
            return Err(internal(
                Span::call_site(),
                format!("{id:?} is out of range"),
            ));
        };
        let span = region.span;
        if region.parent != block {
            return Err(internal(span, format!("{id:?} is not in its parent block")));
        }
        let arg_types: Vec<Type> = region
            .args
            .iter()
            .map(|&arg| self.use_of(arg, block, span))
            .collect::<syn::Result<_>>()?;
        let shape_ok = match region.kind {
            RegionKind::If => arg_types == [Type::Bool] && region.bodies.len() == 2,
            RegionKind::Loop(header) => {
                self.graph.loops.has(header)
                    && region.bodies.len() == 1
                    && arg_types.iter().all(|&ty| ty == Type::Real)
                    && region.results.len() == region.args.len()
            }
        };
        if !shape_ok || region.yields.len() != region.bodies.len() {
            return Err(internal(
                span,
                format!("malformed {:?} region", region.kind),
            ));
        }
        for (&body, yields) in region.bodies.iter().zip(&region.yields) {
            let owned = self
                .graph
                .blocks
                .get(body)
                .is_some_and(|b| b.owner == Some(id));
            if !owned {
                return Err(internal(span, format!("{body:?} is not a body of {id:?}")));
            }
            self.block(body)?;
            if yields.len() != region.results.len() {
                return Err(internal(span, "a body does not yield every result"));
            }
            for (&value, &result) in yields.iter().zip(&region.results) {
                let ty = self.use_of(value, body, span)?;
                let result_ty = self.graph.values.get(result).map(|r| r.ty);
                if result_ty != Some(ty) {
                    return Err(internal(
                        span,
                        format!("{result:?} and {value:?} differ in type"),
                    ));
                }
            }
        }
        for (i, &result) in region.results.iter().enumerate() {
            let ok = self
                .graph
                .values
                .get(result)
                .is_some_and(|r| r.op == Op::Result(id, i));
            if !ok {
                return Err(internal(
                    span,
                    format!("{result:?} is not result {i} of {id:?}"),
                ));
            }
            self.define(result, block, span)?;
        }
        Ok(())
    }
}
