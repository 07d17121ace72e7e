//! The driver: parse → check → lower → reverse → simplify → emit; on error, fallback.

use proc_macro2::TokenStream;

use crate::ast::Function;
use crate::ast::{Scalar, Signatures};
use crate::check;
use crate::errors::Errors;
use crate::ir::{internal, verify, Program};
use crate::{emit, fallback, fuse, higher, lower, parse, reverse, simplify};

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
        let programs: Vec<syn::Result<Program>> = functions
            .iter()
            .map(|function| derive(function, &signatures, functions))
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

fn generate(
    function: &mut Function,
    scalar: &Scalar,
    program: &Program,
) -> syn::Result<TokenStream> {
    let mut out = emit::emit(function, scalar, program)?;
    out.extend(higher::emit(function, scalar));
    Ok(out)
}

/// The function and its gradient as IR: lower → reverse → simplify, each checked by
/// `ir::verify`. `functions` are the block's, whose bodies calls with arrays go through.
pub fn derive(
    function: &Function,
    signatures: &Signatures,
    functions: &[Function],
) -> syn::Result<Program> {
    let lowered = lower::lower(function, signatures, functions)?;
    let wrt: Vec<bool> = function
        .params
        .iter()
        .map(|p| function.is_wrt(&p.name))
        .collect();
    let arrays: Vec<bool> = function
        .params
        .iter()
        .map(|p| !p.shape.is_scalar())
        .collect();
    let mut program = reverse::differentiate(lowered, &wrt, &arrays)?;
    verify(&program, true)?;
    simplify::simplify(&mut program);
    verify(&program, true)?;
    if fuse::fuse_loops(&mut program) {
        verify(&program, true)?;
        simplify::simplify(&mut program);
        verify(&program, true)?;
    }
    Ok(program)
}
