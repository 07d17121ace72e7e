//! On bad input: the errors, plus stubs of the items the user expects.
//!
//! Every function whose signature parsed still gets its forward function, `NAME_grad` and
//! `NameGrad` with the right signatures (bodies that never run), and the `_jvp`, `_hvp` and
//! `_hessian` that call them where they apply (`higher.rs`), so the rest of the user's crate
//! type-checks and the only errors they see are the real ones.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::ast::{Form, Function, Scalar};
use crate::check::type_name;
use crate::emit::{allowed_lints, grad_struct, original_item, signature, wrt_params, Signature};
use crate::higher;

/// `stubs[i]`: whether function `i` gets stubs (not when its signature is incomplete or its
/// names clash with another's).
pub fn emit(
    functions: &[Function],
    scalars: &[Option<Scalar>],
    stubs: &[bool],
    error: syn::Error,
) -> TokenStream {
    let mut out = error.to_compile_error();
    for ((function, scalar), _) in functions
        .iter()
        .zip(scalars)
        .zip(stubs)
        .filter(|(_, &stub)| stub)
    {
        let scalar = scalar.clone().unwrap_or_else(|| stub_scalar(function));
        out.extend(stub_items(function, &scalar));
        out.extend(higher::emit(function, &scalar));
    }
    out
}

fn stub_items(function: &Function, scalar: &Scalar) -> TokenStream {
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = function.grad_fn_name();
    let struct_name = function.struct_name();
    let lints = allowed_lints(function);
    let Signature {
        generics,
        where_clause,
        ty,
        ..
    } = signature(function, scalar);
    let params = stub_params(function, scalar);
    let message = format!("`{name}` did not compile: see the errors of grad!");
    let forward = match &function.form {
        Form::Attribute(_) => original_item(function),
        Form::Bang => quote! {
            #lints
            #vis fn #name #generics (#params) -> #ty #where_clause {
                ::core::unreachable!(#message)
            }
        },
    };
    // With no valid differentiated parameter, a struct without fields would not use `T`.
    let grad_struct = if wrt_params(function).is_empty() {
        quote! {
            #[derive(Debug, Clone, Copy, PartialEq)]
            #vis struct #struct_name<T>(::core::marker::PhantomData<T>);
        }
    } else {
        grad_struct(function)
    };
    quote! {
        #forward
        #lints
        #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause {
            ::core::unreachable!(#message)
        }
        #grad_struct
    }
}

/// The stubs' number type when the signature's was rejected: the first parameter (or else the
/// result) typed `f32`, `f64` or a type parameter, so that calls written for that signature
/// type-check.
fn stub_scalar(function: &Function) -> Scalar {
    let type_params: Vec<&Ident> = function.generics.type_params().map(|p| &p.ident).collect();
    let scalar_of = |ty: &syn::Type| {
        let ident = type_name(ty)?;
        if ident == "f32" || ident == "f64" {
            Some(Scalar::Concrete(ident))
        } else if type_params.contains(&&ident) {
            Some(Scalar::Generic(ident))
        } else {
            None
        }
    };
    let written = function.params.iter().filter_map(|p| p.ty.as_ref());
    written
        .chain(&function.ret)
        .find_map(scalar_of)
        .unwrap_or_else(|| match function.form {
            Form::Bang => Scalar::Generic(Ident::new("T", Span::call_site())),
            // `T` would be undeclared in the user's own signature.
            Form::Attribute(_) => Scalar::Concrete(Ident::new("f64", Span::call_site())),
        })
}

/// Each parameter once, with the number type, or with the type the user wrote where that
/// type is not a number (`xs: &[f64]`, `n: usize`): the stubs then take the arguments the
/// user's own calls pass, and the rejected type is the only error. A written type the stub
/// could not name (an undeclared `T`, a lifetime) becomes `impl Sized`, which takes anything.
fn stub_params(function: &Function, scalar: &Scalar) -> TokenStream {
    let ty = scalar.ident();
    let mut known: Vec<&Ident> = function.generics.type_params().map(|p| &p.ident).collect();
    known.push(ty);
    let mut names: Vec<&Ident> = Vec::new();
    let mut params = Vec::new();
    for param in &function.params {
        if names.contains(&&param.name) {
            continue;
        }
        names.push(&param.name);
        let name = &param.name;
        params.push(match &param.ty {
            Some(written) if type_name(written).is_none_or(|n| n != *ty) => {
                if nameable(written, &known) {
                    quote!(#name: #written)
                } else {
                    quote!(#name: impl ::core::marker::Sized)
                }
            }
            _ => {
                let param_ty = crate::emit::param_type(&param.shape, ty);
                quote!(#name: #param_ty)
            }
        });
    }
    quote!(#(#params),*)
}

/// Whether `ty` names only things in scope at the stub: no lifetime but `'static`, no
/// one-letter type name but the declared ones (`T` in an untyped function is the macro's).
fn nameable(ty: &syn::Type, known: &[&Ident]) -> bool {
    match ty {
        syn::Type::Reference(r) => {
            r.lifetime.as_ref().is_none_or(|l| l.ident == "static") && nameable(&r.elem, known)
        }
        syn::Type::Slice(s) => nameable(&s.elem, known),
        syn::Type::Array(a) => nameable(&a.elem, known),
        syn::Type::Paren(p) => nameable(&p.elem, known),
        syn::Type::Group(g) => nameable(&g.elem, known),
        syn::Type::Tuple(t) => t.elems.iter().all(|e| nameable(e, known)),
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.iter().all(|segment| {
            let text = segment.ident.to_string();
            let placeholder = text.len() == 1 && text.chars().all(|c| c.is_ascii_uppercase());
            (!placeholder || known.contains(&&segment.ident))
                && match &segment.arguments {
                    syn::PathArguments::None => true,
                    syn::PathArguments::AngleBracketed(args) => args.args.iter().all(
                        |arg| matches!(arg, syn::GenericArgument::Type(t) if nameable(t, known)),
                    ),
                    syn::PathArguments::Parenthesized(_) => false,
                }
        }),
        _ => false,
    }
}
