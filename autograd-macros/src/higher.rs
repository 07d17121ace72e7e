//! Forward mode and second order: `NAME_jvp`, `NAME_hvp` and `NAME_hessian`, assembled from
//! the signature alone.
//!
//! They are not derived from the IR: each calls a function `emit.rs` already wrote at a dual
//! number type (`autograd::Dual`, `autograd::DualN`, which implement `Real`):
//! - `f_jvp(args.., v)` calls `f::<Dual<T>>`, the directional derivative along `v`;
//! - `f_hvp(args.., v)` calls `f_grad::<Dual<T>>`, forward over reverse: the gradient's
//!   derivative along `v` is `H·v`;
//! - `f_hessian(args..)` calls `f_grad::<DualN<T, N>>` once, each differentiated parameter
//!   seeded with its unit vector: the gradient's `N` tangents are the Hessian's rows. Measured
//!   against `N` calls of `f_hvp` (W6 in BENCHMARKS.md): the one pass of `DualN` was faster
//!   on both workloads (10 and 41 parameters).
//!
//! So they exist only where `f` and `f_grad` are generic over the number type: untyped
//! parameters in `grad!` (numbers, or arrays and slices of `T`), or `#[differentiable]` on a
//! `fn f<T: Real>(x: T, ..)` whose only generic parameter is `T`. A function typed `f64` keeps
//! only `f` and `f_grad`. The direction `v` is the gradient struct: one component per
//! differentiated parameter, shaped like it, the others held constant. An array parameter is
//! passed as an array of dual numbers (`Seed` in the runtime), a slice as a `Vec` of them,
//! allocated per call; `f_hessian` exists only where every differentiated parameter is a
//! number (arrays outside `#[wrt]` are data).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{GenericParam, Ident, TypeParamBound, WherePredicate};

use crate::ast::{Form, Function, Param, Scalar};
use crate::check::type_name;
use crate::emit::{allowed_lints, fn_attrs, signature, wrt_params, Signature};

/// `f_jvp`, `f_hvp` and `f_hessian` for `function`, or nothing where they do not apply (see
/// the module doc).
pub fn emit(function: &Function, scalar: &Scalar) -> TokenStream {
    let Scalar::Generic(ty) = scalar else {
        return TokenStream::new();
    };
    let wrt = wrt_params(function);
    if wrt.is_empty() || !scalar_params(function, ty) || !plain_generics(function, ty) {
        return TokenStream::new();
    }
    let attrs = fn_attrs(function, false);
    let lints = allowed_lints(function);
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = function.grad_fn_name();
    let struct_name = function.struct_name();
    let Signature {
        generics,
        params,
        where_clause,
        ty,
    } = signature(function, scalar);
    let jvp_name = format_ident!("{}_jvp", name, span = name.span());
    let hvp_name = format_ident!("{}_hvp", name, span = name.span());
    let hessian_name = format_ident!("{}_hessian", name, span = name.span());
    let v = direction_name(function);
    let n = proc_macro2::Literal::usize_unsuffixed(wrt.len());

    // Each distinct parameter once, in declaration order.
    let mut params_once: Vec<&Param> = Vec::new();
    for param in &function.params {
        if !params_once.iter().any(|p| p.name == param.name) {
            params_once.push(param);
        }
    }
    // The Hessian is over numbers: arrays may be data (outside `#[wrt]`), not variables.
    let scalars_only = params_once
        .iter()
        .all(|p| p.shape.is_scalar() || !wrt.contains(&&p.name));
    let dual = quote!(::autograd::Dual::<#ty>);
    let dual_n = quote!(::autograd::DualN::<#ty, #n>);
    let seed = quote!(::autograd::__private::Seed::<#ty>);
    // `Dual::new(x, v.x)` for a differentiated number, `Dual::constant(c)` for another; an
    // array's elements each with their tangent (`Seed`), a slice's in a `Vec` it borrows.
    let along: Vec<TokenStream> = params_once
        .iter()
        .map(|param| {
            let p = &param.name;
            let wrt = wrt.contains(&p);
            let arg = match (param.shape.is_scalar(), wrt) {
                (true, true) => quote!(#dual::new(#p, #v.#p)),
                (true, false) => quote!(#dual::constant(#p)),
                (false, true) => quote!(#seed::seed(#p, &#v.#p)),
                (false, false) => quote!(#seed::constant::<#dual>(#p)),
            };
            match param.shape.is_dynamic() {
                true => quote!(&#arg),
                false => arg,
            }
        })
        .collect();
    // The i-th differentiated parameter seeded with the i-th unit vector.
    let seeded: Vec<TokenStream> = params_once
        .iter()
        .map(|param| {
            let p = &param.name;
            let arg = match wrt.iter().position(|w| *w == p) {
                Some(i) => {
                    let i = proc_macro2::Literal::usize_unsuffixed(i);
                    quote!(#dual_n::variable(#p, #i))
                }
                None if param.shape.is_scalar() => quote!(#dual_n::constant(#p)),
                None => quote!(#seed::constant::<#dual_n>(#p)),
            };
            match param.shape.is_dynamic() {
                true => quote!(&#arg),
                false => arg,
            }
        })
        .collect();
    // A field of the gradient at dual numbers, split into values and tangents.
    let part = |field: &Ident, tangents: bool| {
        let scalar = params_once
            .iter()
            .any(|p| &p.name == field && p.shape.is_scalar());
        match (scalar, tangents) {
            (true, false) => quote!(grad.#field.re),
            (true, true) => quote!(grad.#field.eps),
            (false, false) => quote!(::autograd::__private::DualParts::values(&grad.#field)),
            (false, true) => quote!(::autograd::__private::DualParts::tangents(&grad.#field)),
        }
    };
    let values: Vec<TokenStream> = wrt.iter().map(|f| part(f, false)).collect();
    let tangents: Vec<TokenStream> = wrt.iter().map(|f| part(f, true)).collect();

    let fields = wrt
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let jvp_doc = format!(
        " Value and directional derivative of [`{name}`] along `{v}`, by forward mode: \
         `({name}(..), ∇{name} · {v})`.\n\n `{v}` has one component per differentiated \
         parameter ({fields}); the others are held constant. Generated by `autograd::grad!`."
    );
    let hvp_doc = format!(
        " Value, gradient and Hessian-vector product of [`{name}`]: `({name}(..), ∇{name}, \
         H·{v})`, in one call of [`{grad_name}`] at dual numbers (forward over reverse).\n\n \
         `{v}` and `H·{v}` have one component per differentiated parameter ({fields}). \
         Generated by `autograd::grad!`."
    );
    let hessian_doc = format!(
        " Value, gradient and Hessian of [`{name}`]: `({name}(..), ∇{name}, H)` with \
         `H[i][j] = ∂²{name}/∂p_i∂p_j`, rows and columns in the order of the differentiated \
         parameters ({fields}), that of `to_array()`. One call of [`{grad_name}`] at \
         `DualN<T, {n}>`.\n\n Generated by `autograd::grad!`."
    );
    let values = quote!(#struct_name { #(#wrt: #values),* });
    let hessian = scalars_only.then(|| {
        quote! {
            #[doc = #hessian_doc]
            #attrs
            #lints
            #[allow(dead_code)]
            #vis fn #hessian_name #generics (#params)
                -> (#ty, #struct_name<#ty>, [[#ty; #n]; #n]) #where_clause
            {
                let (value, grad) = #grad_name(#(#seeded),*);
                (value.re, #values, [#(grad.#wrt.eps),*])
            }
        }
    });
    quote! {
        #[doc = #jvp_doc]
        #attrs
        #lints
        #[allow(dead_code)]
        #vis fn #jvp_name #generics (#params, #v: #struct_name<#ty>) -> (#ty, #ty) #where_clause {
            let value = #name(#(#along),*);
            (value.re, value.eps)
        }

        #[doc = #hvp_doc]
        #attrs
        #lints
        #[allow(dead_code)]
        #vis fn #hvp_name #generics (#params, #v: #struct_name<#ty>)
            -> (#ty, #struct_name<#ty>, #struct_name<#ty>) #where_clause
        {
            let (value, grad) = #grad_name(#(#along),*);
            (value.re, #values, #struct_name { #(#wrt: #tangents),* })
        }

        #hessian
    }
}

/// Every parameter (or array element) untyped or typed as the generic number type.
fn scalar_params(function: &Function, ty: &Ident) -> bool {
    function.params.iter().all(|param| match &param.ty {
        None => true,
        Some(written) => type_name(written).is_some_and(|name| &name == ty),
    })
}

/// The attribute form's generics are `<T: Real>` and nothing else (a bound the dual numbers
/// might not meet, or another parameter to infer, would make the new items fail to compile).
fn plain_generics(function: &Function, ty: &Ident) -> bool {
    let Form::Attribute(_) = function.form else {
        return true;
    };
    let only_real = |bound: &TypeParamBound| {
        matches!(bound, TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| s.ident == "Real"))
    };
    let params_ok = function.generics.params.iter().all(|param| match param {
        GenericParam::Type(param) => &param.ident == ty && param.bounds.iter().all(only_real),
        _ => false,
    });
    let where_ok = function.generics.where_clause.iter().all(|clause| {
        clause.predicates.iter().all(|predicate| match predicate {
            WherePredicate::Type(p) => {
                type_name(&p.bounded_ty).is_some_and(|name| &name == ty)
                    && p.bounds.iter().all(only_real)
            }
            _ => false,
        })
    });
    params_ok && where_ok
}

/// `v`, or `v_`, `v__`, … if a parameter is called that.
fn direction_name(function: &Function) -> Ident {
    let mut name = String::from("v");
    while function.params.iter().any(|p| p.name == name) {
        name.push('_');
    }
    Ident::new(&name, Span::call_site())
}
