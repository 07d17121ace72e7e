//! On bad input: the errors, plus stubs of the items the user expects.
//!
//! Every function whose signature parsed still gets its forward function, `NAME_grad` and
//! `NameGrad` with the right signatures (bodies that never run), so the rest of the user's
//! crate type-checks and the only errors they see are the real ones.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::ast::{Form, Function, Scalar};
use crate::emit::{allowed_lints, grad_struct, original_item, signature, wrt_params, Signature};

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
        let scalar = scalar
            .clone()
            .unwrap_or_else(|| Scalar::Generic(Ident::new("T", Span::call_site())));
        out.extend(stub_items(function, &scalar));
    }
    out
}

fn stub_items(function: &Function, scalar: &Scalar) -> TokenStream {
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = function.grad_fn_name();
    let struct_name = function.struct_name();
    let lints = allowed_lints();
    let Signature {
        generics,
        params,
        where_clause,
        ty,
    } = signature(function, scalar);
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
        quote!(#vis struct #struct_name<T>(::core::marker::PhantomData<T>);)
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
