//! The driver: parse → check → lower → reverse → simplify (→ fuse → carry → sums) → emit; on
//! error, fallback.

use proc_macro2::TokenStream;

use crate::ast::Function;
use crate::ast::{Scalar, Signatures};
use crate::check;
use crate::errors::Errors;
use crate::graph::{self, TraceGraph};
use crate::ir::{internal, verify, Program};
use crate::{carry, emit, fallback, fuse, higher, lower, parse, reverse, simplify, sums, trace};

/// `grad! { fn f(x, y) { ... } ... }`
pub fn grad(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut functions = parse::parse_bang(input, &mut errors);
    expand(&mut functions, errors)
}

/// `#[differentiable] fn f(x: f64) -> f64 { ... }`
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    match parse::parse_attribute(args, item.clone(), &mut errors) {
        Some(function) => expand(&mut [function], errors),
        None => {
            let mut out = errors
                .combined()
                .map(|e| e.to_compile_error())
                .unwrap_or_default();
            out.extend(item);
            out
        }
    }
}

/// Emitting takes each function's body (see `emit::emit`); the stubs on error need only the
/// signatures.
fn expand(functions: &mut [Function], mut errors: Errors) -> TokenStream {
    let signatures = Signatures::new(functions);
    let own_names = check::check_names(functions, &mut errors);
    check::check_array_recursion(functions, &signatures, &mut errors);
    let scalars: Vec<Option<Scalar>> = functions
        .iter()
        .map(|function| check::check_function(function, &signatures, &mut errors))
        .collect();
    let mut out = TokenStream::new();
    if errors.is_empty() {
        // Every function is derived before any is emitted: a call with arrays lowers the
        // callee's body, which emitting takes.
        let programs: Vec<syn::Result<Derived>> = functions
            .iter()
            .map(|function| derive_both(function, &signatures, functions))
            .collect();
        for ((function, scalar), program) in functions.iter_mut().zip(&scalars).zip(programs) {
            match (scalar, program) {
                (Some(scalar), Ok(program)) => match generate(function, scalar, &program) {
                    Ok(tokens) => out.extend(tokens),
                    Err(error) => errors.push_error(error),
                },
                (Some(_), Err(error)) => errors.push_error(error),
                (None, _) => errors.push_error(internal(function.name.span(), "no number type")),
            }
        }
    }
    match errors.combined() {
        Some(error) => {
            let stubs: Vec<bool> = functions
                .iter()
                .zip(own_names)
                .map(|(function, own)| function.stubs && own)
                .collect();
            fallback::emit(functions, &scalars, &stubs, error)
        }
        None => out,
    }
}

/// A function's gradient as IR, and for `#[trace]` its graph and recording gradient.
struct Derived {
    program: Program,
    traced: Option<(TraceGraph, Program)>,
}

fn derive_both(
    function: &Function,
    signatures: &Signatures,
    functions: &[Function],
) -> syn::Result<Derived> {
    let program = derive(function, signatures, functions)?;
    let traced = match function.trace {
        Some(span) => Some(derive_traced(function, signatures, functions, span)?),
        None => None,
    };
    Ok(Derived { program, traced })
}

fn generate(
    function: &mut Function,
    scalar: &Scalar,
    derived: &Derived,
) -> syn::Result<TokenStream> {
    let mut out = emit::emit(function, scalar, &derived.program)?;
    if let Some((graph, traced)) = &derived.traced {
        let generated = out.clone();
        out.extend(trace::emit(function, scalar, graph, traced, &generated)?);
    }
    out.extend(higher::emit(function, scalar));
    Ok(out)
}

/// Which parameters are differentiated, and which are arrays.
fn wrt_and_arrays(function: &Function) -> (Vec<bool>, Vec<bool>) {
    function
        .params
        .iter()
        .map(|p| (function.is_wrt(&p.name), !p.shape.is_scalar()))
        .unzip()
}

/// For `#[trace]`: the function's graph, and its gradient as the reverse pass makes it (not
/// simplified: every node keeps its adjoint), recording each value and adjoint.
fn derive_traced(
    function: &Function,
    signatures: &Signatures,
    functions: &[Function],
    span: proc_macro2::Span,
) -> syn::Result<(TraceGraph, Program)> {
    if !cfg!(feature = "trace") {
        return Err(syn::Error::new(
            span,
            "`#[trace]` needs the `trace` feature of autograd, on by default: \
             `autograd = { version = \"0.1\", features = [\"trace\"] }`",
        ));
    }
    let mut lowered = lower::lower(function, signatures, functions)?;
    let graph = graph::build(function, &lowered);
    graph::instrument(&mut lowered.graph, lowered.root, &graph.node_of);
    let (wrt, arrays) = wrt_and_arrays(function);
    let program = reverse::differentiate_traced(lowered, &wrt, &arrays, graph.node_of.clone())?;
    verify(&program, true)?;
    Ok((graph, program))
}

/// The function and its gradient as IR: lower → reverse → simplify, each checked by
/// `ir::verify`. `functions` are the block's, whose bodies calls with arrays go through.
pub fn derive(
    function: &Function,
    signatures: &Signatures,
    functions: &[Function],
) -> syn::Result<Program> {
    let lowered = lower::lower(function, signatures, functions)?;
    let (wrt, arrays) = wrt_and_arrays(function);
    let mut program = reverse::differentiate(lowered, &wrt, &arrays)?;
    verify(&program, true)?;
    simplify::simplify(&mut program);
    verify(&program, true)?;
    if fuse::fuse_loops(&mut program) {
        verify(&program, true)?;
        simplify::simplify(&mut program);
        verify(&program, true)?;
    }
    let carried = carry::carry_stores(&mut program);
    if sums::scale_sums(&mut program) || carried {
        verify(&program, true)?;
        simplify::simplify(&mut program);
    }
    verify(&program, true)?;
    Ok(program)
}
