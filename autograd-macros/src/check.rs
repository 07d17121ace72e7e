//! AST → errors: everything the macro does not take, found before any code is generated.
//!
//! Checks signatures (parameter types, `wrt`, duplicates), names (unknown, assigned but not
//! `mut`), methods and calls against the rule table, where `return` may stand, and that every
//! path ends in a value. All errors are collected; nothing stops at the first.

use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::Span;
use quote::ToTokens;
use syn::Ident;

use crate::ast::{
    is_constant_name, is_constant_text, with_text, AssignOp, Block, Cond, Dim, Expr, ForKind,
    ForLoop, Function, IfExpr, IndexExpr, Scalar, Shape, Signatures, Stmt, VarName,
};
use crate::errors::Errors;
use crate::ir::{supported_methods, Method};
use crate::scopes::Scopes;

/// Checks that the items the functions of one block generate have distinct names: `f` and
/// `f_grad` would both make `f_grad`, `f` and `f_` would both make `FGrad`.
/// Returns, for each function, whether its names are its own (so it may have stubs).
pub fn check_names(functions: &[Function], errors: &mut Errors) -> Vec<bool> {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    let mut own = Vec::new();
    for function in functions {
        let name = function.name.to_string();
        let generated = [
            name.clone(),
            format!("{name}_grad"),
            function.struct_name().to_string(),
        ];
        if let Some(first) = generated.iter().find_map(|g| seen.get(g)) {
            errors.push(
                function.name.span(),
                format!(
                    "`{name}` generates an item named like one of `{first}`'s (`{first}`, \
                     `{first}_grad` or its gradient struct); rename one of them"
                ),
            );
            own.push(false);
            continue;
        }
        own.push(true);
        for g in generated {
            seen.insert(g, &function.name);
        }
    }
    own
}

/// Checks one function; returns its scalar type when its signature is usable.
/// `#[trace]`'s `f_trace` computes in `f64` (or the function's `f32`): the function can have
/// no generic parameter but its number type.
fn check_trace(function: &Function, scalar: &Scalar, errors: &mut Errors) {
    if function.trace.is_none() {
        return;
    }
    let extra =
        function.generics.params.iter().find(
            |param| !matches!(param, syn::GenericParam::Type(t) if t.ident == *scalar.ident()),
        );
    if let Some(param) = extra {
        errors.push_error(syn::Error::new_spanned(
            param,
            "`#[trace]` takes a function whose only generic parameter is its number type \
             (`f_trace` computes in `f64`): write the length as a number or a constant, or \
             leave `#[trace]` off this function",
        ));
    }
}

pub fn check_function(
    function: &Function,
    signatures: &Signatures,
    errors: &mut Errors,
) -> Option<Scalar> {
    let scalar = check_signature(function, errors);
    if let Some(scalar) = &scalar {
        check_trace(function, scalar, errors);
    }
    if let Some(body) = &function.body {
        let mut checker = Checker {
            function,
            signatures,
            errors,
            scopes: Scopes::new(),
            loop_depth: 0,
            in_arm: false,
            loops: Vec::new(),
            loop_count: 0,
            locals: 0,
            accesses: Vec::new(),
            local_depths: vec![0],
        };
        checker.scopes.push_frame();
        for p in &function.params {
            // A `mut` parameter is already an error; assigning it is not another. A parameter
            // whose type is rejected is an error too; what the body does with it is not another.
            let binding = if p
                .ty
                .as_ref()
                .is_some_and(|ty| !is_number_type(function, ty))
            {
                Binding::Poisoned
            } else if !p.shape.is_scalar() {
                Binding::Array {
                    rank: p.shape.rank(),
                    local: false,
                    id: NO_LOCAL,
                }
            } else if p.mutable {
                Binding::LetMut
            } else {
                Binding::Param
            };
            checker.scopes.declare_ident(&p.name, binding);
        }
        checker.result_block(body);
        checker.check_accesses();
        if !body.completes() {
            let span = body.stmts.last().map_or(body.span, Stmt::span);
            errors.push(
                span,
                format!(
                    "`{}` must end in a value on every path: finish the body with an \
                     expression (no `;`) or `return x;`",
                    function.name
                ),
            );
        }
    }
    scalar
}

fn check_signature(function: &Function, errors: &mut Errors) -> Option<Scalar> {
    if function.params.is_empty() {
        errors.push(
            function.name.span(),
            format!(
                "`{}` has no parameters: there is nothing to differentiate with respect to",
                function.name
            ),
        );
    }
    let mut seen: Vec<&Ident> = Vec::new();
    for param in &function.params {
        if let Some(first) = seen.iter().find(|p| **p == &param.name) {
            errors.push(
                param.name.span(),
                format!("parameter `{first}` is declared twice"),
            );
        }
        seen.push(&param.name);
        for dim in dims(&param.shape) {
            check_dim(dim, errors);
        }
        if is_constant_name(&param.name) {
            errors.push(
                param.name.span(),
                format!(
                    "`{}` is spelled like a constant: names in capitals are constants from \
                     outside the function; name parameters in lowercase",
                    param.name
                ),
            );
        }
    }
    if let Some(wrt) = &function.wrt {
        if wrt.is_empty() {
            errors.push(
                function.wrt_span,
                "`#[wrt()]` is empty: name at least one parameter, or leave `wrt` out to \
                 differentiate with respect to all of them",
            );
        }
        for (i, name) in wrt.iter().enumerate() {
            if !function.params.iter().any(|p| &p.name == name) {
                let params: Vec<String> =
                    function.params.iter().map(|p| p.name.to_string()).collect();
                errors.push(
                    name.span(),
                    format!(
                        "`wrt` names `{name}`, which is not a parameter; parameters: {}",
                        params.join(", ")
                    ),
                );
            } else if wrt[..i].contains(name) {
                errors.push(name.span(), format!("`{name}` is listed twice in `wrt`"));
            }
        }
    }
    scalar_type(function, errors)
}

/// The lengths a parameter's shape names.
fn dims(shape: &Shape) -> Vec<&Dim> {
    match shape {
        Shape::Scalar | Shape::Slice => Vec::new(),
        Shape::Array(n) | Shape::Rows(n) => vec![n],
        Shape::Matrix { rows, cols } => vec![rows, cols],
    }
}

/// A length known at compile time: an integer literal or a constant.
fn check_dim(dim: &Dim, errors: &mut Errors) {
    if !is_known_length(dim) {
        errors.push_error(syn::Error::new_spanned(
            dim,
            "an array's length must be known at compile time: an integer literal or a constant \
             in capitals (`[T; 3]`, `[T; N]`); for a length known only at run time take a slice, \
             `&[T]`",
        ));
    }
}

/// Whether a length is an integer literal or a constant in capitals (`N`, `consts::DIM`).
fn is_known_length(dim: &Dim) -> bool {
    match dim {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(_),
            ..
        }) => true,
        syn::Expr::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| is_constant_name(&s.ident))
        }
        _ => false,
    }
}

/// The type's name when it is a plain name: `f64`, `T`.
pub fn type_name(ty: &syn::Type) -> Option<Ident> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path.path.get_ident().cloned(),
        syn::Type::Paren(paren) => type_name(&paren.elem),
        syn::Type::Group(group) => type_name(&group.elem),
        _ => None,
    }
}

/// Whether `ty` is a type parameters may have: `f32`, `f64` or one of the function's type
/// parameters.
fn is_number_type(function: &Function, ty: &syn::Type) -> bool {
    type_name(ty).is_some_and(|ident| {
        ident == "f32"
            || ident == "f64"
            || function.generics.type_params().any(|p| p.ident == ident)
    })
}

/// What to write instead of a parameter type that is not a number.
fn instead_of(ty: &syn::Type) -> Option<&'static str> {
    let elem = match ty {
        syn::Type::Reference(r) => &*r.elem,
        other => other,
    };
    let is_vec = |ty: &syn::Type| match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Vec"),
        _ => false,
    };
    if matches!(ty, syn::Type::Reference(r) if r.mutability.is_some()) {
        return Some(
            "`&mut` parameters are not supported: parameters are inputs; the gradient comes \
             back in the `_grad` function's result",
        );
    }
    match elem {
        _ if is_vec(elem) => Some(
            "`Vec` is not supported as a parameter; take a slice, `xs: &[T]` (a `&Vec<T>` \
             argument passes as one)",
        ),
        syn::Type::Array(_) if matches!(ty, syn::Type::Reference(_)) => Some(
            "references to arrays are not supported; take the array by value, `x: [T; N]`, or \
             a slice, `x: &[T]`",
        ),
        syn::Type::Slice(_) | syn::Type::Array(_) => Some(
            "arrays hold numbers, or rows of numbers: `&[T]`, `[T; N]`, `&[[T; N]]`, \
             `[[T; N]; M]`",
        ),
        _ if matches!(ty, syn::Type::Reference(_)) && type_name(elem).is_some() => {
            Some("references are not supported; take the number by value")
        }
        _ if is_integer(elem) => Some(
            "integer parameters are not supported: parameters are numbers of the function's \
             type. For a count or a length, use the array's own, `xs.len()`, or a constant \
             (`N` in `[T; N]`, or a `const`); for a number, take it as the function's number \
             type and convert at the call (`n as f64`)",
        ),
        _ => None,
    }
}

/// `usize`, `i32`, ...: what a user reaches for to pass a count.
fn is_integer(ty: &syn::Type) -> bool {
    const INTEGERS: [&str; 12] = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|i| INTEGERS.iter().any(|n| i == n)))
}

/// The function's number type: all parameters untyped (generic), or all of one type.
fn scalar_type(function: &Function, errors: &mut Errors) -> Option<Scalar> {
    let type_params: Vec<&Ident> = function
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    let is_allowed =
        |ident: &Ident| ident == "f32" || ident == "f64" || type_params.contains(&ident);
    let allowed_list = || {
        let mut list = String::from("`f32` or `f64`");
        for param in &type_params {
            list.push_str(&format!(" or `{param}`"));
        }
        list
    };
    let mut scalar: Option<(Scalar, &Ident)> = None;
    let mut ok = true;
    for param in &function.params {
        let this = match &param.ty {
            None => Scalar::Generic(Ident::new("T", Span::call_site())),
            Some(ty) => match type_name(ty) {
                Some(ident) if is_allowed(&ident) => {
                    if type_params.contains(&&ident) {
                        Scalar::Generic(ident)
                    } else {
                        Scalar::Concrete(ident)
                    }
                }
                _ => {
                    let message = match instead_of(ty) {
                        Some(instead) => format!(
                            "parameter `{}` has type `{}`: {instead}",
                            param.name,
                            show_type(ty)
                        ),
                        None => format!(
                            "parameter `{}` has type `{}`: parameters are numbers of type {}, \
                             or untyped (generic over `T: autograd::Real`)",
                            param.name,
                            show_type(ty),
                            allowed_list()
                        ),
                    };
                    errors.push_error(syn::Error::new_spanned(ty, message));
                    ok = false;
                    continue;
                }
            },
        };
        match &scalar {
            None => scalar = Some((this, &param.name)),
            Some((first, first_name)) => {
                let same = match (first, &this) {
                    (Scalar::Generic(a), Scalar::Generic(b))
                    | (Scalar::Concrete(a), Scalar::Concrete(b)) => a == b,
                    _ => false,
                };
                if !same {
                    let describe = |p: &Option<syn::Type>| match p {
                        None => "untyped".to_string(),
                        Some(ty) => format!("`{}`", show_type(ty)),
                    };
                    let first_ty = function
                        .params
                        .iter()
                        .find(|p| &p.name == *first_name)
                        .map(|p| describe(&p.ty))
                        .unwrap_or_default();
                    errors.push(
                        param.ty.as_ref().map_or(param.name.span(), ty_span),
                        format!(
                            "parameter `{}` is {} but `{}` is {}: all parameters of a \
                             differentiable function have one number type (all untyped, or \
                             all `f64`, ...)",
                            param.name,
                            describe(&param.ty),
                            first_name,
                            first_ty
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    let scalar = scalar.map(|(scalar, _)| scalar);
    if let (Some(ret), Some(scalar), true) = (&function.ret, &scalar, ok) {
        let matches = type_name(ret).is_some_and(|ident| &ident == scalar.ident());
        if !matches {
            errors.push(
                ty_span(ret),
                format!(
                    "the result type must be the parameters' type, `{}`",
                    scalar.ident()
                ),
            );
            ok = false;
        }
    }
    if ok {
        scalar
    } else {
        None
    }
}

/// A type as the user wrote it: `&f64`, `Vec<f64>`.
fn show_type(ty: &syn::Type) -> String {
    let text = ty.to_token_stream().to_string();
    [
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        ("& ", "&"),
        (" :: ", "::"),
        (" ,", ","),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to))
}

fn ty_span(ty: &syn::Type) -> Span {
    ty.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

#[derive(Clone, Copy, PartialEq)]
enum Binding {
    Param,
    Let,
    LetMut,
    /// A loop variable: an integer, for indexing.
    Index,
    /// An array parameter (`local: false`, read-only) or a local array, indexed `rank` times.
    Array {
        rank: usize,
        local: bool,
        /// A local array's number, for the order of its reads and writes (`NO_LOCAL` for a
        /// parameter).
        id: usize,
    },
    /// A name whose value was rejected: using it is no further error.
    Poisoned,
}

struct Checker<'a> {
    function: &'a Function,
    signatures: &'a Signatures,
    errors: &'a mut Errors,
    scopes: Scopes<Binding>,
    /// How many `for` loops enclose the code being checked.
    loop_depth: usize,
    /// Whether the code being checked is in an arm of an `if` (inside the innermost loop).
    in_arm: bool,
    /// The loops that enclose the code being checked: their number and variable.
    loops: Vec<(usize, Rc<str>)>,
    loop_count: usize,
    /// How many local arrays have been declared.
    locals: usize,
    /// Every read and write of an element of a local array, in order.
    accesses: Vec<Access>,
    /// For each local array (by number, from 1), how many loops enclose its declaration.
    local_depths: Vec<usize>,
}

/// The `id` of an array parameter's binding.
const NO_LOCAL: usize = 0;

/// A read or a write of an element of a local array.
struct Access {
    local: usize,
    write: bool,
    /// A write that adds to the element (`+=`): computing it again would add twice.
    adds: bool,
    /// The index as written, and its first part if that is a plain name.
    index: String,
    first: Option<String>,
    /// The loops around it, outermost first.
    loops: Vec<(usize, Rc<str>)>,
    span: Span,
}

impl Checker<'_> {
    fn lookup(&self, name: &VarName) -> Option<Binding> {
        self.scopes.get(&name.text).copied()
    }

    fn is_poisoned(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Var(name) if self.lookup(name) == Some(Binding::Poisoned))
    }

    fn names_in_scope(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in self.scopes.frames.iter().flatten() {
            if !names.contains(&&**name) {
                names.push(name);
            }
        }
        names.join(", ")
    }

    fn declare(&mut self, name: &VarName, binding: Binding) {
        if is_constant_text(&name.text) {
            self.errors.push(
                name.span(),
                format!(
                    "`{name}` is spelled like a constant: names in capitals are constants from \
                     outside the function; name locals in lowercase"
                ),
            );
        }
        self.scopes.declare(name.text.clone(), binding);
    }

    /// A block whose value is the function's result: `return` may stand in it, and in the
    /// arms of its `if` statements.
    fn result_block(&mut self, block: &Block) {
        self.block(block, true);
    }

    fn block(&mut self, block: &Block, returns_allowed: bool) {
        self.scopes.push_frame();
        let mut finished = false;
        for stmt in &block.stmts {
            if finished {
                self.errors.push(
                    stmt.span(),
                    "this code never runs: every path before it has already returned",
                );
                break;
            }
            self.stmt(stmt, returns_allowed);
            finished = match stmt {
                Stmt::Return { .. } => true,
                Stmt::If(if_expr) => returns_allowed && if_expr.completes(),
                _ => false,
            };
        }
        self.scopes.pop_frame();
    }

    fn stmt(&mut self, stmt: &Stmt, returns_allowed: bool) {
        match stmt {
            Stmt::Let {
                name,
                mutable,
                init: Expr::Repeat { value, len, span },
            } => {
                self.local_array(value, len, *span);
                if self.in_arm {
                    self.errors.push(
                        name.span(),
                        format!(
                            "declare the local array `{name}` at the top of the function body or \
                             of a loop body, not inside an `if`; set its elements inside the `if`"
                        ),
                    );
                }
                self.locals += 1;
                self.local_depths.push(self.loops.len());
                let binding = Binding::Array {
                    rank: 1,
                    local: *mutable,
                    id: self.locals,
                };
                self.declare(name, binding);
            }
            Stmt::Let {
                name,
                mutable,
                init,
            } => {
                self.expr(init);
                let binding = match (init, mutable) {
                    (Expr::Unsupported { .. }, _) => Binding::Poisoned,
                    (_, true) => Binding::LetMut,
                    (_, false) => Binding::Let,
                };
                self.declare(name, binding);
            }
            Stmt::SetElem {
                array,
                index,
                value,
                op,
                op_span,
            } => {
                if matches!(op, AssignOp::Mul | AssignOp::Div) {
                    self.errors.push(
                        *op_span,
                        format!(
                            "`*=` and `/=` on an element are not supported; write \
                             `{array}[..] = {array}[..] * x;` (elements take `=`, `+=`, `-=`)"
                        ),
                    );
                }
                self.expr(value);
                self.indices(index);
                match self.lookup(array) {
                    Some(Binding::Array {
                        local: true,
                        rank,
                        id,
                    }) => {
                        self.rank(array, rank, index.len(), array.span());
                        if !matches!(op, AssignOp::Mul | AssignOp::Div) {
                            let adds = *op != AssignOp::Set;
                            self.access(id, Some(adds), index, array.span());
                        }
                    }
                    Some(Binding::Array { local: false, .. }) if self.is_param(array) => {
                        self.errors.push(
                            array.span(),
                            format!(
                                "`{array}` is an input: its elements cannot be assigned; copy \
                                 what you need into a local array, `let mut h = [0.0; N];`"
                            ),
                        )
                    }
                    Some(Binding::Array { local: false, .. }) => self.errors.push(
                        array.span(),
                        format!(
                            "`{array}` is not mutable: declare it with `let mut {array} = [0.0; N];`"
                        ),
                    ),
                    Some(Binding::Poisoned) => {}
                    Some(_) => self.errors.push(
                        array.span(),
                        format!("`{array}` is a number, not an array: it cannot be indexed"),
                    ),
                    None => self.unknown(array),
                }
            }
            Stmt::For(for_loop) => self.for_loop(for_loop),
            Stmt::Assign { name, value, .. } => {
                self.expr(value);
                match self.lookup(name) {
                    Some(Binding::Index) => self.errors.push(
                        name.span(),
                        format!("`{name}` is a loop variable: it cannot be assigned"),
                    ),
                    Some(Binding::Array { .. }) => self.errors.push(
                        name.span(),
                        format!("`{name}` is an array: assign its elements, `{name}[i] = ...;`"),
                    ),
                    Some(Binding::LetMut | Binding::Poisoned) => {}
                    Some(Binding::Let) => self.errors.push(
                        name.span(),
                        format!("`{name}` is not mutable: declare it with `let mut {name} = ...;`"),
                    ),
                    Some(Binding::Param) => self.errors.push(
                        name.span(),
                        format!(
                            "parameter `{name}` cannot be assigned; shadow it: \
                             `let mut {name} = {name};`"
                        ),
                    ),
                    None => self.errors.push(
                        name.span(),
                        format!(
                            "cannot assign to unknown name `{name}`; declare it first with \
                             `let mut {name} = ...;`"
                        ),
                    ),
                }
            }
            Stmt::If(if_expr) => {
                self.cond(&if_expr.cond);
                // A statement `if` in a result block may return; its arms have no unused tail.
                self.arm(&if_expr.then_branch, returns_allowed);
                if let Some(else_block) = &if_expr.else_branch {
                    self.arm(else_block, returns_allowed);
                }
            }
            Stmt::Return { value, span } => {
                if self.loop_depth > 0 {
                    self.errors.push(
                        *span,
                        "`return` inside a `for` loop is not supported: a loop runs its whole \
                         range; keep the value in a variable (`let mut best = ...;`) and return \
                         it after the loop",
                    );
                } else if !returns_allowed {
                    self.errors.push(
                        *span,
                        "`return` is supported in the function body and in the branches of \
                         its `if` statements, not inside an `if` used as a value",
                    );
                }
                self.expr(value);
            }
            Stmt::Tail(Expr::If(if_expr)) if returns_allowed => {
                self.cond(&if_expr.cond);
                self.result_arm(&if_expr.then_branch);
                match &if_expr.else_branch {
                    Some(else_block) => self.result_arm(else_block),
                    None => self.errors.push(
                        if_expr.if_span,
                        "an `if` that gives the result needs an `else` branch",
                    ),
                }
            }
            Stmt::Tail(expr) => {
                if let Expr::Var(name) = expr {
                    if matches!(self.lookup(name), Some(Binding::Array { .. })) {
                        self.errors.push(
                            name.span(),
                            format!(
                                "`{name}` is an array, but a differentiable function returns \
                                 one number; return a number computed from it (a sum, a \
                                 loss), or write one function per element"
                            ),
                        );
                        return;
                    }
                }
                self.expr(expr)
            }
            Stmt::Unsupported { span, what } => self.errors.push(*span, what),
        }
    }

    fn is_param(&self, name: &VarName) -> bool {
        self.function.params.iter().any(|p| p.name == name.ident)
    }

    fn unknown(&mut self, name: &VarName) {
        self.errors.push(
            name.span(),
            format!(
                "unknown name `{name}`; in scope: {}. A constant from outside is spelled in \
                 capitals (`SCALE`) or as a path (`std::f64::consts::PI`)",
                self.names_in_scope()
            ),
        );
    }

    // let mut h = [0.0; N];
    fn local_array(&mut self, value: &Expr, len: &Dim, span: proc_macro2::Span) {
        match value {
            Expr::Lit { .. } | Expr::Const(_) => {}
            Expr::Repeat { span, .. } => self.errors.push(
                *span,
                "local arrays have one dimension: `let mut h = [0.0; N];`",
            ),
            other => self.errors.push(
                other.span(),
                "a local array starts as copies of a number: `let mut h = [0.0; N];`; set \
                 its elements afterwards",
            ),
        }
        if !is_known_length(len) {
            self.errors.push_error(syn::Error::new_spanned(
                len,
                "the length of a local array must be known at compile time: an integer \
                 literal or a constant in capitals (`[0.0; 8]`, `[0.0; N]`); a length known \
                 only at run time would need a `Vec`, which a differentiable function does \
                 not allocate",
            ));
        }
        let _ = span;
    }

    /// `for i in a..b { .. }`, `for &x in xs { .. }`
    fn for_loop(&mut self, for_loop: &ForLoop) {
        self.scopes.push_frame();
        match &for_loop.kind {
            ForKind::Range {
                var, start, end, ..
            } => {
                self.index(start);
                self.index(end);
                if self.lookup(var) == Some(Binding::Index) && &*var.text != "_" {
                    self.errors.push(
                        var.span(),
                        format!(
                            "`{var}` is already the variable of an enclosing loop; give this \
                             loop's variable another name"
                        ),
                    );
                }
                self.declare(var, Binding::Index);
            }
            ForKind::Elements { elems, arrays } => {
                for array in arrays {
                    match self.lookup(array) {
                        Some(Binding::Array { rank: 1, .. } | Binding::Poisoned) => {}
                        Some(Binding::Array { .. }) => self.errors.push(
                            array.span(),
                            format!(
                                "`{array}` holds rows: loop over its rows by index, \
                                 `for i in 0..{array}.len()`, and read `{array}[i][j]`"
                            ),
                        ),
                        Some(_) => self.errors.push(
                            array.span(),
                            format!(
                                "`{array}` is a number, not an array: it cannot be looped over"
                            ),
                        ),
                        None => self.unknown(array),
                    }
                }
                for elem in elems {
                    self.declare(elem, Binding::Let);
                }
            }
        }
        self.loop_depth += 1;
        self.loop_count += 1;
        let var = match &for_loop.kind {
            ForKind::Range { var, .. } => var.text.clone(),
            ForKind::Elements { .. } => Rc::from(""),
        };
        self.loops.push((self.loop_count, var));
        let in_arm = std::mem::replace(&mut self.in_arm, false);
        self.block(&for_loop.body, false);
        self.in_arm = in_arm;
        self.loops.pop();
        self.loop_depth -= 1;
        if let Some(Stmt::Tail(expr)) = for_loop.body.stmts.last() {
            self.errors.push(
                expr.span(),
                "this value is unused: a loop's body ends in statements; accumulate the value \
                 into a variable declared before the loop (`s += ...;`)",
            );
        }
        self.scopes.pop_frame();
    }

    /// Records a read or a write of an element of local array `local`.
    /// `write`: `Some(adds)` for a write (`adds` for `+=`, `-=`), `None` for a read.
    fn access(&mut self, local: usize, write: Option<bool>, index: &[IndexExpr], span: Span) {
        if local == NO_LOCAL {
            return;
        }
        let mut text = proc_macro2::TokenStream::new();
        for part in index {
            crate::print::write_index(part, &mut text);
            text.extend(quote::quote!(,));
        }
        let first = match index.first() {
            Some(IndexExpr::Var(name)) => Some(name.text.to_string()),
            _ => None,
        };
        self.accesses.push(Access {
            local,
            write: write.is_some(),
            adds: write == Some(true),
            index: text.to_string(),
            first,
            loops: self.loops.clone(),
            span,
        });
    }

    /// The gradient of a loop computes its body again, from the arrays as the forward code
    /// left them, so a read of a local array inside a loop must see what the forward read saw:
    /// no write to the array may come after it, except a write in the same iteration before it
    /// at the same element, indexed by that loop's variable (`h[j] = ..; .. h[j] ..`).
    fn check_accesses(&mut self) {
        let mut reported = Vec::new();
        for (r, read) in self.accesses.iter().enumerate() {
            // Loops around the array's declaration make a new array each iteration: only the
            // loops inside it repeat accesses to one array.
            let depth = self.local_depths.get(read.local).copied().unwrap_or(0);
            let read_loops = read.loops.get(depth..).unwrap_or_default();
            // A read in the function's body, outside loops, is not computed again.
            if read.write || (depth == 0 && read_loops.is_empty()) {
                continue;
            }
            for (w, write) in self.accesses.iter().enumerate() {
                if !write.write || write.local != read.local || reported.contains(&w) {
                    continue;
                }
                let write_loops = write.loops.get(depth..).unwrap_or_default();
                let common = read_loops
                    .iter()
                    .zip(write_loops)
                    .take_while(|(a, b)| a.0 == b.0)
                    .count();
                let same_iteration = w < r
                    && common > 0
                    && !write.adds
                    && write.index == read.index
                    && read
                        .first
                        .as_deref()
                        .is_some_and(|first| *read_loops[common - 1].1 == *first);
                if w > r || (common > 0 && !same_iteration) {
                    reported.push(w);
                    self.errors.push(
                        write.span,
                        "this element is written after a read of the same local array inside \
                         a loop (or in a later iteration of it), which the gradient does not \
                         support: it computes a loop again from the arrays as they are at the \
                         end; write every element first and read them afterwards (fill the \
                         array in one loop, read it in the next), or, in one loop, write \
                         `h[j] = ..` (not `+=`) before reading `h[j]`, with `j` that loop's variable",
                    );
                }
            }
        }
    }

    fn indices(&mut self, index: &[IndexExpr]) {
        for i in index {
            self.index(i);
        }
    }

    /// An index or a bound: integers only.
    fn index(&mut self, index: &IndexExpr) {
        index.visit(&mut |part| match part {
            IndexExpr::Var(name) => match self.lookup(name) {
                Some(Binding::Index | Binding::Poisoned) => {}
                Some(Binding::Array { .. }) => self.errors.push(
                    name.span(),
                    format!(
                        "`{name}` is an array, not an integer: write `{name}.len()` or an index"
                    ),
                ),
                Some(_) => self.errors.push(
                    name.span(),
                    format!(
                        "`{name}` is a number, not an integer: an index is built from loop \
                         variables, integer literals, constants and `xs.len()`"
                    ),
                ),
                None => self.unknown(name),
            },
            IndexExpr::Len { array, rows } => match self.lookup(array) {
                Some(Binding::Array { rank, .. }) if !*rows || rank == 2 => {}
                Some(Binding::Poisoned) => {}
                Some(Binding::Array { .. }) => self.errors.push(
                    array.span(),
                    format!("`{array}` has no rows: write `{array}.len()`"),
                ),
                Some(_) => self.errors.push(
                    array.span(),
                    format!("`{array}` is a number, not an array: it has no length"),
                ),
                None => self.unknown(array),
            },
            IndexExpr::Unsupported { span, what } => self.errors.push(*span, what),
            _ => {}
        });
    }

    /// An array of `rank` indexed `count` times gives a number only when the two agree.
    fn rank(&mut self, array: &VarName, rank: usize, count: usize, span: proc_macro2::Span) {
        if rank != count {
            let example = if rank == 2 {
                format!("{array}[i][j]")
            } else {
                format!("{array}[i]")
            };
            self.errors.push(
                span,
                format!(
                    "`{array}` takes {rank} ind{}, found {count}: an element is `{example}`",
                    if rank == 1 { "ex" } else { "ices" }
                ),
            );
        }
    }

    /// An arm of a statement `if`. In a result block its tail is the result (when the `if`
    /// is the last statement); elsewhere a tail would be a value nobody uses.
    fn arm(&mut self, block: &Block, returns_allowed: bool) {
        let in_arm = std::mem::replace(&mut self.in_arm, true);
        self.block(block, returns_allowed);
        self.in_arm = in_arm;
        if let Some(Stmt::Tail(expr)) = block.stmts.last() {
            self.errors.push(
                expr.span(),
                "this value is unused: an `if` statement's branches end in statements; to \
                 use the value, make the `if` the last expression or bind it with `let`",
            );
        }
    }

    /// An arm of the `if` that gives the function's result: a result block.
    fn result_arm(&mut self, block: &Block) {
        let in_arm = std::mem::replace(&mut self.in_arm, true);
        self.block(block, true);
        self.in_arm = in_arm;
        if !block.completes() {
            self.errors.push(
                block.span,
                "this branch gives no value: end it with an expression (no `;`) or `return x;`",
            );
        }
    }

    fn value_if(&mut self, if_expr: &IfExpr) {
        self.cond(&if_expr.cond);
        self.value_block(&if_expr.then_branch);
        match &if_expr.else_branch {
            Some(else_block) => self.value_block(else_block),
            None => self.errors.push(
                if_expr.if_span,
                "an `if` used as a value needs an `else` branch",
            ),
        }
    }

    /// The arm of an `if` used as a value: statements, then the value.
    fn value_block(&mut self, block: &Block) {
        let in_arm = std::mem::replace(&mut self.in_arm, true);
        self.block(block, false);
        self.in_arm = in_arm;
        // A misplaced `return` at the end is reported already.
        if !matches!(
            block.stmts.last(),
            Some(Stmt::Tail(_) | Stmt::Return { .. })
        ) {
            self.errors.push(
                block.span,
                "this branch gives no value: end it with an expression (no `;`)",
            );
        }
    }

    fn cond(&mut self, cond: &Cond) {
        match cond {
            Cond::Cmp { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                self.cond(a);
                self.cond(b);
            }
            Cond::Not(a) => self.cond(a),
            Cond::Bool(_) => {}
            Cond::Unsupported { span, what } => self.errors.push(*span, what),
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Lit { .. } | Expr::Const(_) => {}
            Expr::Var(name) => match self.lookup(name) {
                None => self.unknown(name),
                Some(Binding::Index) => self.errors.push(
                    name.span(),
                    format!(
                        "`{name}` is a loop variable, an integer: it indexes arrays (`xs[{name}]`) \
                         but is not a number of the function; pass the numbers you need as data"
                    ),
                ),
                Some(Binding::Array { .. }) => self.errors.push(
                    name.span(),
                    format!(
                        "`{name}` is an array: use an element, `{name}[i]`, or loop over it, \
                         `for &x in {name}`"
                    ),
                ),
                Some(_) => {}
            },
            Expr::Index { array, index, span } => {
                self.indices(index);
                match self.lookup(array) {
                    Some(Binding::Array { rank, id, .. }) => {
                        self.rank(array, rank, index.len(), *span);
                        self.access(id, None, index, *span);
                    }
                    Some(Binding::Poisoned) => {}
                    Some(_) => self.errors.push(
                        array.span(),
                        format!("`{array}` is a number, not an array: it cannot be indexed"),
                    ),
                    None => self.unknown(array),
                }
            }
            Expr::Len { array, .. } => match self.lookup(array) {
                Some(Binding::Array { .. } | Binding::Poisoned) => {}
                Some(_) => self.errors.push(
                    array.span(),
                    format!("`{array}` is a number, not an array: it has no length"),
                ),
                None => self.unknown(array),
            },
            Expr::Repeat { span, .. } => self.errors.push(
                *span,
                "a local array is declared on its own: `let mut h = [0.0; N];`",
            ),
            Expr::Binary { operands, .. } => {
                let [lhs, rhs] = &**operands;
                self.expr(lhs);
                self.expr(rhs);
            }
            Expr::Neg { expr, .. } => self.expr(expr),
            Expr::Method {
                receiver,
                method,
                args,
            } => {
                self.expr(receiver);
                for arg in args {
                    self.expr(arg);
                }
                if !self.is_poisoned(receiver) {
                    self.method(method, args.len());
                }
            }
            Expr::Powi { receiver, .. } => self.expr(receiver),
            Expr::Call { func, args } => {
                let params = self.signatures.arrays.get(&func.to_string());
                for (k, arg) in args.iter().enumerate() {
                    match params.and_then(|params| params.get(k)) {
                        Some((param, shape)) if !shape.is_scalar() => {
                            self.array_argument(func, param, shape, arg);
                        }
                        param => self.number_argument(func, param.map(|(p, _)| p), arg),
                    }
                }
                self.call(func, args.len());
            }
            // Parsed only as an argument; `number_argument` reports it there.
            Expr::Ref { span, .. } => self.errors.push(*span, REFERENCES),
            Expr::If(if_expr) => self.value_if(if_expr),
            Expr::Unsupported { span, what, inner } => {
                // `xs[0]`, `*x`, `v.0` on a name whose type or value was rejected: that
                // rejection is the error.
                if inner.is_empty() || !inner.iter().all(|e| self.is_poisoned(e)) {
                    self.errors.push(*span, what);
                }
                for expr in inner {
                    self.expr(expr);
                }
            }
        }
    }

    fn method(&mut self, method: &Ident, arg_count: usize) {
        if method == "powi" {
            self.errors.push(
                method.span(),
                "`powi` takes an integer literal exponent, like `x.powi(2)` or `x.powi(-1)`; \
                 for a real exponent use `powf`",
            );
            return;
        }
        match with_text(method, Method::lookup) {
            Some((_, expected)) if expected == arg_count => {}
            Some((_, expected)) => self.errors.push(
                method.span(),
                format!(
                    "`{method}` takes {expected} argument{}, found {arg_count}",
                    if expected == 1 { "" } else { "s" }
                ),
            ),
            None => match near_miss(&method.to_string()) {
                Some(instead) => self.errors.push(
                    method.span(),
                    format!("unsupported method `{method}`; write {instead} instead"),
                ),
                None => self.errors.push(
                    method.span(),
                    format!(
                        "unsupported method `{method}`; supported: {}",
                        supported_methods()
                    ),
                ),
            },
        }
    }

    /// An argument of a call where the callee takes a number (or any argument of a function
    /// outside the block): an array there is an error that says what to pass instead.
    fn number_argument(&mut self, func: &Ident, param: Option<&Ident>, arg: &Expr) {
        let inner = match arg {
            Expr::Ref { expr, .. } => expr,
            other => other,
        };
        let array = match inner {
            Expr::Var(name) => match self.lookup(name) {
                Some(Binding::Array { rank, .. }) => Some((name, rank, show_array(name, &[]))),
                _ => None,
            },
            Expr::Index { array, index, .. } => match self.lookup(array) {
                Some(Binding::Array { rank, .. }) if index.len() < rank => {
                    Some((array, rank - index.len(), show_array(array, index)))
                }
                _ => None,
            },
            _ => None,
        };
        let Some((name, rank, text)) = array else {
            match arg {
                Expr::Ref { span, .. } => self.errors.push(*span, REFERENCES),
                _ => self.expr(arg),
            }
            return;
        };
        let element = if rank == 2 { "[i][j]" } else { "[i]" };
        let message = match param {
            _ if !self.signatures.by_name.contains_key(&func.to_string()) => format!(
                "passing the array `{text}` to `{func}`: only functions of the same `grad!` \
                 block take arrays (the gradient goes through their bodies); define `{func}` \
                 in this block, or pass numbers"
            ),
            Some(param) => format!(
                "`{func}` takes a number as `{param}`, and `{text}` is an array: pass an \
                 element, `{text}{element}`"
            ),
            None => format!(
                "`{func}` takes numbers, and `{text}` is an array: pass an element, \
                 `{text}{element}`"
            ),
        };
        self.errors.push(name.span(), message);
    }

    /// An argument of a call where the callee, a function of the block, takes an array: an
    /// array or a row of one, by reference where the parameter is a reference. Its body runs
    /// at the call, so a local array passed here is read like one read inside a loop.
    fn array_argument(&mut self, func: &Ident, param: &Ident, shape: &Shape, arg: &Expr) {
        let (reference, inner) = match arg {
            Expr::Ref { span, expr } => (Some(*span), &**expr),
            other => (None, other),
        };
        let ty = show_shape(shape);
        let (name, index) = match inner {
            Expr::Var(name) => (name, &[][..]),
            Expr::Index { array, index, .. } => (array, index.as_slice()),
            other => {
                self.errors.push(
                    other.span(),
                    format!(
                        "`{func}` takes an array as `{param}` (`{ty}`): pass an array by its \
                         name, or a row of one, `&m[i]`"
                    ),
                );
                return;
            }
        };
        self.indices(index);
        let (rank, id) = match self.lookup(name) {
            Some(Binding::Array { rank, id, .. }) => (rank, id),
            Some(Binding::Poisoned) => return,
            Some(_) => {
                self.errors.push(
                    name.span(),
                    format!(
                        "`{name}` is a number, and `{func}` takes an array as `{param}` (`{ty}`)"
                    ),
                );
                return;
            }
            None => {
                self.unknown(name);
                return;
            }
        };
        let text = show_array(name, index);
        let span = inner.span();
        if index.len() >= rank {
            self.rank(name, rank, index.len(), span);
            return;
        }
        let by_reference = shape.is_dynamic();
        let amp = if by_reference { "&" } else { "" };
        if rank - index.len() != shape.rank() {
            let message = if shape.rank() == 1 {
                format!(
                    "`{text}` holds rows, and `{func}` takes one array of numbers as `{param}` \
                     (`{ty}`): pass a row, `{amp}{text}[i]`"
                )
            } else {
                format!(
                    "`{func}` takes rows as `{param}` (`{ty}`), and `{text}` holds numbers: pass \
                     an array of rows"
                )
            };
            self.errors.push(span, message);
            return;
        }
        // A whole slice parameter is a reference already.
        let dynamic = id == NO_LOCAL
            && index.is_empty()
            && self
                .function
                .params
                .iter()
                .any(|p| p.name == name.ident && p.shape.is_dynamic());
        match (by_reference, reference) {
            (true, None) if !dynamic => self.errors.push(
                span,
                format!("`{func}` takes `{param}` by reference (`{ty}`): write `&{text}`"),
            ),
            (false, Some(amp_span)) => self.errors.push(
                amp_span,
                format!("`{func}` takes `{param}` by value (`{ty}`): write `{text}` without `&`"),
            ),
            (false, None) if dynamic => {
                self.errors.push(
                    span,
                    format!(
                    "`{text}` is a slice, whose length is known only at run time, and `{func}` \
                     takes `{param}` as an array of fixed length (`{ty}`); make `{param}` a \
                     slice, `{}`",
                    if shape.rank() == 2 { "&[[T; N]]" } else { "&[T]" }
                ),
                )
            }
            _ => {}
        }
        if id != NO_LOCAL {
            // The callee may loop over the array: a read in a loop of its own.
            self.loop_count += 1;
            self.loops.push((self.loop_count, Rc::from("")));
            self.access(id, None, index, span);
            self.loops.pop();
        }
    }

    fn call(&mut self, func: &Ident, arg_count: usize) {
        if func == &self.function.name {
            self.errors.push(
                func.span(),
                format!("`{func}` calls itself: recursion is not supported"),
            );
            return;
        }
        if self.scopes.get_ident(func).is_some() {
            self.errors
                .push(func.span(), format!("`{func}` is a number, not a function"));
            return;
        }
        if let Some((expected, _)) = self.signatures.by_name.get(&func.to_string()) {
            if *expected != arg_count {
                self.errors.push(
                    func.span(),
                    format!("`{func}` takes {expected} arguments, found {arg_count}"),
                );
            }
        }
    }
}

const REFERENCES: &str = "references are not supported: parameters and values are numbers";

/// `xs`, `m[i]`: an array argument as written.
fn show_array(name: &VarName, index: &[IndexExpr]) -> String {
    let mut tokens = proc_macro2::TokenStream::new();
    crate::print::write_element(&name.ident, index, &mut tokens);
    show_tokens(tokens)
}

/// `&[T]`, `[T; 3]`, `&[[T; N]]`, `[[T; 3]; 4]`: a parameter's type as a message shows it.
fn show_shape(shape: &Shape) -> String {
    let dim = |dim: &Dim| show_tokens(dim.to_token_stream());
    match shape {
        Shape::Scalar => "T".to_string(),
        Shape::Slice => "&[T]".to_string(),
        Shape::Array(n) => format!("[T; {}]", dim(n)),
        Shape::Rows(n) => format!("&[[T; {}]]", dim(n)),
        Shape::Matrix { rows, cols } => format!("[[T; {}]; {}]", dim(cols), dim(rows)),
    }
}

fn show_tokens(tokens: proc_macro2::TokenStream) -> String {
    let text = tokens.to_string();
    [
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        (" ::", "::"),
        (":: ", "::"),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to))
}

/// Calls with arrays are differentiated through the callee's body, lowered at the call
/// (`lower.rs`), so they cannot recurse: each call that closes a cycle of them is an error.
/// (A function calling itself is reported by `Checker::call`.)
pub fn check_array_recursion(functions: &[Function], signatures: &Signatures, errors: &mut Errors) {
    if signatures.arrays.is_empty() {
        return;
    }
    // For each function, the functions taking arrays it calls, with the call's name token.
    let calls: Vec<Vec<&Ident>> = functions
        .iter()
        .map(|function| {
            let mut calls = Vec::new();
            if let Some(body) = &function.body {
                calls_in_block(body, &mut calls);
            }
            calls.retain(|callee| {
                *callee != &function.name && signatures.arrays.contains_key(&callee.to_string())
            });
            calls
        })
        .collect();
    let index = |name: &Ident| functions.iter().position(|f| &f.name == name);
    for (f, function) in functions.iter().enumerate() {
        for &callee in &calls[f] {
            // A path from the callee back to `function`, by breadth-first search.
            let Some(start) = index(callee) else { continue };
            let mut came_from: Vec<Option<usize>> = vec![None; functions.len()];
            let mut queue = std::collections::VecDeque::from([start]);
            let mut seen = vec![false; functions.len()];
            seen[start] = true;
            let mut found = false;
            while let Some(g) = queue.pop_front() {
                if g == f {
                    found = true;
                    break;
                }
                for next in calls[g].iter().filter_map(|c| index(c)) {
                    if !seen[next] {
                        seen[next] = true;
                        came_from[next] = Some(g);
                        queue.push_back(next);
                    }
                }
            }
            if !found {
                continue;
            }
            let mut chain = vec![f];
            while let Some(g) = chain.last().and_then(|&g| came_from[g]) {
                chain.push(g);
            }
            let path: Vec<String> = std::iter::once(f)
                .chain(chain.into_iter().rev())
                .map(|g| functions[g].name.to_string())
                .collect();
            errors.push(
                callee.span(),
                format!(
                    "`{}` calls `{callee}` with arrays, and `{callee}` leads back to `{}` ({}): a \
                     call with arrays is differentiated through the callee's body, written at \
                     the call, so such calls cannot recurse; write the recursion as a loop",
                    function.name,
                    function.name,
                    path.join(" → ")
                ),
            );
        }
    }
}

/// The functions `block` calls, at any depth, in order.
fn calls_in_block<'b>(block: &'b Block, out: &mut Vec<&'b Ident>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let { init: expr, .. }
            | Stmt::Assign { value: expr, .. }
            | Stmt::Return { value: expr, .. }
            | Stmt::Tail(expr) => calls_in_expr(expr, out),
            Stmt::SetElem { value, .. } => calls_in_expr(value, out),
            Stmt::If(if_expr) => calls_in_if(if_expr, out),
            Stmt::For(for_loop) => calls_in_block(&for_loop.body, out),
            Stmt::Unsupported { .. } => {}
        }
    }
}

fn calls_in_if<'b>(if_expr: &'b IfExpr, out: &mut Vec<&'b Ident>) {
    calls_in_cond(&if_expr.cond, out);
    calls_in_block(&if_expr.then_branch, out);
    if let Some(block) = &if_expr.else_branch {
        calls_in_block(block, out);
    }
}

fn calls_in_cond<'b>(cond: &'b Cond, out: &mut Vec<&'b Ident>) {
    match cond {
        Cond::Cmp { lhs, rhs, .. } => {
            calls_in_expr(lhs, out);
            calls_in_expr(rhs, out);
        }
        Cond::And(a, b) | Cond::Or(a, b) => {
            calls_in_cond(a, out);
            calls_in_cond(b, out);
        }
        Cond::Not(a) => calls_in_cond(a, out),
        Cond::Bool(_) | Cond::Unsupported { .. } => {}
    }
}

fn calls_in_expr<'b>(expr: &'b Expr, out: &mut Vec<&'b Ident>) {
    match expr {
        Expr::Call { func, args } => {
            out.push(func);
            for arg in args {
                calls_in_expr(arg, out);
            }
        }
        Expr::Binary { operands, .. } => {
            for operand in operands.iter() {
                calls_in_expr(operand, out);
            }
        }
        Expr::Neg { expr, .. } | Expr::Ref { expr, .. } => calls_in_expr(expr, out),
        Expr::Method { receiver, args, .. } => {
            calls_in_expr(receiver, out);
            for arg in args {
                calls_in_expr(arg, out);
            }
        }
        Expr::Powi { receiver, .. } => calls_in_expr(receiver, out),
        Expr::If(if_expr) => calls_in_if(if_expr, out),
        Expr::Unsupported { inner, .. } => {
            for expr in inner {
                calls_in_expr(expr, out);
            }
        }
        Expr::Lit { .. }
        | Expr::Var(_)
        | Expr::Const(_)
        | Expr::Index { .. }
        | Expr::Len { .. }
        | Expr::Repeat { .. } => {}
    }
}

/// What to write for a method the rule table does not have but an expression of its methods
/// computes.
fn near_miss(method: &str) -> Option<&'static str> {
    Some(match method {
        "clamp" => "`.max(lo).min(hi)`",
        "square" | "sqr" => "`.powi(2)`",
        "cube" => "`.powi(3)`",
        "pow" => "`.powi(n)` (an integer literal exponent) or `.powf(y)`",
        "log1p" => "`.ln_1p()`",
        "expm1" => "`.exp_m1()`",
        "inv" | "reciprocal" => "`.recip()`",
        "fract" => "`x - x.trunc()`",
        "rem_euclid" => "`x - y.abs() * (x / y.abs()).floor()`",
        "sin_cos" => "`.sin()` and `.cos()` separately",
        "to_degrees" => "`x * (180.0 / std::f64::consts::PI)`",
        "to_radians" => "`x * (std::f64::consts::PI / 180.0)`",
        _ => return None,
    })
}
