//! The DSL's tree: functions, parameters, statements, expressions.
//!
//! `parse.rs` builds it from tokens; every later stage reads it. Every node keeps the span of
//! the user's tokens so that errors and generated code point back at them. Constructs the DSL
//! does not take are kept as `Unsupported` nodes, so `check.rs` can report all of them at once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{Display, Write as _};
use std::rc::Rc;

use proc_macro2::Span;
use quote::format_ident;
use syn::{Attribute, Generics, Ident, Path, Type, Visibility};

/// How the function was written.
pub enum Form {
    /// Inside `grad! { ... }`: the forward function is printed from the tree, with its
    /// numbers converted to the function's type.
    Bang,
    /// `#[differentiable] fn ...`: the user's function is kept as written.
    Attribute(Box<syn::ItemFn>),
}

/// One differentiable function.
pub struct Function {
    pub form: Form,
    /// Attributes carried over to the generated items (`wrt` removed).
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// Generics as written (attribute form only; empty otherwise).
    pub generics: Generics,
    pub params: Vec<Param>,
    /// Return type as written, if any.
    pub ret: Option<Type>,
    /// `#[wrt(a, b)]`: the parameters to differentiate; `None` means all of them.
    pub wrt: Option<Vec<Ident>>,
    /// Where `wrt` was written, for errors about it.
    pub wrt_span: Span,
    /// `#[trace]`: also generate `_graph`, `_trace` and `_source` (where it was written).
    pub trace: Option<Span>,
    /// Whether the signature is whole, so that stubs of it can stand in on error.
    pub stubs: bool,
    /// `None` when the body is missing or did not parse (the error is already recorded).
    pub body: Option<Block>,
}

pub struct Param {
    pub name: Ident,
    /// The number type: `None` for the DSL's untyped parameters (and for `&[T]` inside
    /// `grad!`, whose `T` is the generic number type). For an array, its element's type.
    pub ty: Option<Type>,
    /// A number, or an array of them.
    pub shape: Shape,
    /// Written `mut x` (an error, already reported; the body may then assign `x`).
    pub mutable: bool,
}

/// What a parameter holds: one number, or numbers in an array.
#[derive(Clone)]
pub enum Shape {
    /// `x`, `x: f64`
    Scalar,
    /// `xs: &[T]`: any length; its gradient is a `Vec<T>`.
    Slice,
    /// `x: [T; N]`: its gradient is a `[T; N]`.
    Array(Dim),
    /// `m: &[[T; N]]`: rows of `N`; its gradient is a `Vec<[T; N]>`.
    Rows(Dim),
    /// `m: [[T; N]; M]`: `M` rows of `N`; its gradient is a `[[T; N]; M]`.
    Matrix { rows: Dim, cols: Dim },
}

/// A length known at compile time: an integer literal or a constant (`N`, `consts::DIM`).
pub type Dim = syn::Expr;

impl Shape {
    pub fn is_scalar(&self) -> bool {
        matches!(self, Shape::Scalar)
    }

    /// How many indices reach a number: 0, 1 or 2.
    pub fn rank(&self) -> usize {
        match self {
            Shape::Scalar => 0,
            Shape::Slice | Shape::Array(_) => 1,
            Shape::Rows(_) | Shape::Matrix { .. } => 2,
        }
    }

    /// Whether the gradient holds it in a `Vec` (its length is known only at run time).
    pub fn is_dynamic(&self) -> bool {
        matches!(self, Shape::Slice | Shape::Rows(_))
    }
}

/// `{ stmt; stmt; tail }`. A trailing expression without `;` is `Stmt::Tail`.
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// A variable's name as written: its identifier (printed, and its span for errors) and its
/// text (`r#` included), read once by the parser and shared with the stages that look the name
/// up, which would otherwise format the identifier at each use.
#[derive(Clone)]
pub struct VarName {
    pub ident: Ident,
    pub text: Rc<str>,
}

impl VarName {
    pub fn new(ident: Ident) -> VarName {
        let text = shared_text(&ident);
        VarName { ident, text }
    }

    pub fn span(&self) -> Span {
        self.ident.span()
    }
}

impl Display for VarName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.ident.fmt(f)
    }
}

pub enum Stmt {
    /// `let name = init;` or `let mut name = init;`
    Let {
        name: VarName,
        mutable: bool,
        init: Expr,
    },
    /// `name = value;`, `name += value;` and the other compound assignments.
    Assign {
        name: VarName,
        op: AssignOp,
        op_span: Span,
        value: Expr,
    },
    /// `if ... { } else { }` in statement position (its value, if any, is unused).
    If(IfExpr),
    /// `return value;`
    Return { value: Expr, span: Span },
    /// `for i in a..b { ... }`, `for &x in xs { ... }`
    For(Box<ForLoop>),
    /// `h[j] = value;`, `h[j] += value;`: an element of a local array.
    SetElem {
        array: VarName,
        index: Vec<IndexExpr>,
        op: AssignOp,
        op_span: Span,
        value: Expr,
    },
    /// The block's value: its last expression, without `;`.
    Tail(Expr),
    /// A statement the DSL does not take.
    Unsupported { span: Span, what: String },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

pub enum Expr {
    /// A number.
    Lit {
        value: f64,
        span: Span,
    },
    /// A parameter or a local.
    Var(VarName),
    /// A constant such as `std::f64::consts::PI` or a user's `SCALE`.
    Const(Path),
    Binary {
        op: BinOp,
        op_span: Span,
        /// `[lhs, rhs]`: one allocation for both.
        operands: Box<[Expr; 2]>,
    },
    Neg {
        span: Span,
        expr: Box<Expr>,
    },
    /// `receiver.method(args)`; `f64::method(receiver, args)` is parsed into this too.
    Method {
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Expr>,
    },
    /// `x.powi(n)`: the exponent is an integer literal.
    Powi {
        receiver: Box<Expr>,
        method: Ident,
        exponent: i32,
        exponent_span: Span,
    },
    /// `g(a, b)`: a call to another differentiable function.
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `&xs`, `&m[i]`: an argument of a call, an array passed by reference (parsed only there).
    Ref {
        span: Span,
        expr: Box<Expr>,
    },
    If(Box<IfExpr>),
    /// `xs[i]`, `m[i][j]`: an element of an array.
    Index {
        array: VarName,
        index: Vec<IndexExpr>,
        span: Span,
    },
    /// `xs.len()` used as a number (`s / xs.len()`): the length converted to the number type.
    Len {
        array: VarName,
        span: Span,
    },
    /// `[0.0; N]`: a local array of `N` copies of a number.
    Repeat {
        value: Box<Expr>,
        len: Box<Dim>,
        span: Span,
    },
    /// An expression the DSL does not take; `inner` holds the parts of it that are
    /// expressions (the operands of `%`, the value of a cast), still checked.
    Unsupported {
        span: Span,
        what: String,
        inner: Vec<Expr>,
    },
}

/// A `for` loop.
pub struct ForLoop {
    pub for_span: Span,
    pub kind: ForKind,
    pub body: Block,
}

pub enum ForKind {
    /// `for i in start..end` or `start..=end`.
    Range {
        var: VarName,
        start: IndexExpr,
        end: IndexExpr,
        inclusive: bool,
    },
    /// `for &x in xs` (one array) or `for (&x, &y) in xs.iter().zip(ys)` (several): each name
    /// takes the arrays' elements in turn, as far as the shortest goes.
    Elements {
        elems: Vec<VarName>,
        arrays: Vec<VarName>,
    },
}

/// An integer: an index or a loop bound. Loop variables, integer literals, constants,
/// `xs.len()`, and `+ - * / %` of them.
#[derive(Clone)]
pub enum IndexExpr {
    Var(VarName),
    Lit {
        value: u64,
        span: Span,
    },
    Const(Path),
    /// `xs.len()`, or `m[i].len()` (a row's length, `rows == true`).
    Len {
        array: VarName,
        rows: bool,
    },
    Binary {
        op: IndexOp,
        op_span: Span,
        operands: Box<[IndexExpr; 2]>,
    },
    /// `(e)`, kept as written.
    Paren(Box<IndexExpr>),
    /// `a.min(b)`: the trip count of a zip.
    Min(Box<[IndexExpr; 2]>),
    Unsupported {
        span: Span,
        what: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum IndexOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl IndexOp {
    pub fn text(self) -> &'static str {
        match self {
            IndexOp::Add => "+",
            IndexOp::Sub => "-",
            IndexOp::Mul => "*",
            IndexOp::Div => "/",
            IndexOp::Rem => "%",
        }
    }
}

impl IndexExpr {
    /// Every part, this one first.
    pub fn visit(&self, f: &mut impl FnMut(&IndexExpr)) {
        f(self);
        match self {
            IndexExpr::Binary { operands, .. } | IndexExpr::Min(operands) => {
                operands[0].visit(f);
                operands[1].visit(f);
            }
            IndexExpr::Paren(inner) => inner.visit(f),
            _ => {}
        }
    }
}

pub struct IfExpr {
    pub if_span: Span,
    pub cond: Cond,
    pub then_branch: Block,
    /// `else { }` or `else if ...` (as a block holding one `if` tail).
    pub else_branch: Option<Block>,
}

/// A condition: comparisons of real expressions joined by `&&`, `||`, `!`.
pub enum Cond {
    Cmp {
        op: CmpOp,
        op_span: Span,
        lhs: Expr,
        rhs: Expr,
    },
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Bool(bool),
    Unsupported {
        span: Span,
        what: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Block {
    /// Whether running the block always ends in a value (a tail or a `return`).
    pub fn completes(&self) -> bool {
        self.stmts.iter().any(|stmt| match stmt {
            Stmt::Return { .. } | Stmt::Tail(_) => true,
            Stmt::If(if_expr) => if_expr.completes(),
            _ => false,
        })
    }

    /// Whether the block holds a `for` loop, at any depth.
    pub fn has_loop(&self) -> bool {
        self.stmts.iter().any(|stmt| match stmt {
            Stmt::For(_) => true,
            Stmt::If(if_expr) => if_expr.has_loop(),
            _ => false,
        })
    }
}

impl IfExpr {
    /// Whether an arm holds a `for` loop.
    pub fn has_loop(&self) -> bool {
        self.then_branch.has_loop() || self.else_branch.as_ref().is_some_and(Block::has_loop)
    }

    /// Whether both arms always end in a value.
    pub fn completes(&self) -> bool {
        self.then_branch.completes() && self.else_branch.as_ref().is_some_and(Block::completes)
    }
}

impl Stmt {
    /// The span of the statement, for errors (its first token's).
    pub fn span(&self) -> Span {
        match self {
            Stmt::Let { name, .. } | Stmt::Assign { name, .. } => name.span(),
            Stmt::SetElem { array, .. } => array.span(),
            Stmt::For(for_loop) => for_loop.for_span,
            Stmt::If(if_expr) => if_expr.if_span,
            Stmt::Return { span, .. } | Stmt::Unsupported { span, .. } => *span,
            Stmt::Tail(expr) => expr.span(),
        }
    }
}

impl Expr {
    fn unsupported(span: Span, what: impl Into<String>) -> Expr {
        Expr::Unsupported {
            span,
            what: what.into(),
            inner: Vec::new(),
        }
    }

    /// A number literal, or an `Unsupported` node saying why it is not one.
    pub fn from_lit(lit: &syn::Lit) -> Expr {
        match lit {
            syn::Lit::Float(float) => match float.base10_parse::<f64>() {
                Ok(value) => Expr::Lit {
                    value,
                    span: float.span(),
                },
                Err(error) => Expr::unsupported(float.span(), error.to_string()),
            },
            // Integer literals are numbers of the function's type: `2 * x` means `2.0 * x`.
            syn::Lit::Int(int) => match int.base10_digits().parse::<f64>() {
                Ok(value) => Expr::Lit {
                    value,
                    span: int.span(),
                },
                Err(_) => Expr::unsupported(
                    int.span(),
                    "this number cannot be read; write it like `2.0` or `1e23`",
                ),
            },
            syn::Lit::Str(_) | syn::Lit::ByteStr(_) | syn::Lit::CStr(_) => Expr::unsupported(
                lit.span(),
                "string literals are not supported: values are numbers",
            ),
            syn::Lit::Bool(_) => Expr::unsupported(
                lit.span(),
                "`true` and `false` are supported only as `if` conditions",
            ),
            _ => Expr::unsupported(
                lit.span(),
                "this literal is not supported: values are numbers",
            ),
        }
    }

    /// The span of the expression, for errors (its first token's span).
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit { span, .. }
            | Expr::Neg { span, .. }
            | Expr::Unsupported { span, .. }
            | Expr::Index { span, .. }
            | Expr::Len { span, .. }
            | Expr::Ref { span, .. }
            | Expr::Repeat { span, .. } => *span,
            Expr::Var(name) => name.span(),
            Expr::Const(path) => path
                .segments
                .first()
                .map_or_else(Span::call_site, |s| s.ident.span()),
            Expr::Binary { operands, .. } => operands[0].span(),
            Expr::Method { receiver, .. } | Expr::Powi { receiver, .. } => receiver.span(),
            Expr::Call { func, .. } => func.span(),
            Expr::If(if_expr) => if_expr.if_span,
        }
    }
}

impl Function {
    /// `loss` → `LossGrad`: the gradient struct's name.
    pub fn struct_name(&self) -> Ident {
        let name = self.name.to_string();
        let camel: String = name
            .trim_start_matches("r#")
            .split('_')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            })
            .collect();
        format_ident!("{}Grad", camel, span = self.name.span())
    }

    /// `loss` → `loss_grad`
    pub fn grad_fn_name(&self) -> Ident {
        format_ident!("{}_grad", self.name, span = self.name.span())
    }

    /// Whether parameter `name` is differentiated (listed in `#[wrt]`, or no `#[wrt]` given).
    pub fn is_wrt(&self, name: &Ident) -> bool {
        self.wrt
            .as_ref()
            .is_none_or(|wrt| wrt.iter().any(|w| w == name))
    }
}

/// A name that reads as a constant (`SCALE`, `MAX_STEP`): a free identifier spelled like this is
/// taken as a constant defined outside the function, with derivative 0.
pub fn is_constant_name(ident: &Ident) -> bool {
    with_text(ident, is_constant_text)
}

/// The text of `ident`, to share among the stages that keep it.
pub fn shared_text(ident: &Ident) -> Rc<str> {
    with_text(ident, |text| Rc::from(text))
}

/// `f` of the text of an identifier (`r#` included) or a literal, written into a buffer kept
/// for the next call: `to_string` allocates a new `String` each time, and names are read
/// several times each.
pub fn with_text<R>(token: &impl Display, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
    }
    TEXT.with(|text| match text.try_borrow_mut() {
        Ok(mut text) => {
            text.clear();
            let _ = write!(text, "{token}");
            f(&text)
        }
        // Called again from inside `f`.
        Err(_) => f(&token.to_string()),
    })
}

pub fn is_constant_text(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The number type of a function's parameters, values and result.
#[derive(Clone)]
pub enum Scalar {
    /// Untyped parameters, or `x: T` with `T` a type parameter: generic over `T: Real`.
    Generic(Ident),
    /// `f32` or `f64`.
    Concrete(Ident),
}

impl Scalar {
    pub fn ident(&self) -> &Ident {
        match self {
            Scalar::Generic(ident) | Scalar::Concrete(ident) => ident,
        }
    }
}

/// What later stages need to know about the functions of one `grad!` block, by name.
pub struct Signatures {
    pub by_name: HashMap<String, (usize, Vec<bool>)>,
    /// The parameters of each function that takes an array: a call to it is differentiated
    /// through its body, lowered in place (`lower.rs`).
    pub arrays: HashMap<String, Vec<(Ident, Shape)>>,
}

impl Signatures {
    pub fn new(functions: &[Function]) -> Signatures {
        let by_name = functions
            .iter()
            .map(|f| {
                let wrt = f.params.iter().map(|p| f.is_wrt(&p.name)).collect();
                (f.name.to_string(), (f.params.len(), wrt))
            })
            .collect();
        let arrays = functions
            .iter()
            .filter(|f| f.params.iter().any(|p| !p.shape.is_scalar()))
            .map(|f| {
                let params = f.params.iter().map(|p| (p.name.clone(), p.shape.clone()));
                (f.name.to_string(), params.collect())
            })
            .collect();
        Signatures { by_name, arrays }
    }
}
