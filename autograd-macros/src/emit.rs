//! IR → tokens: the forward function, the `_grad` function and the gradient struct.
//!
//! Generated code resolves every path of ours through `::autograd`, carries the user's
//! visibility and attributes, and allows on its own items the lints its shape can trigger
//! (many arguments, repeated names), never on the user's crate.

use proc_macro2::{Delimiter, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Attribute, Ident};

use crate::ast::{Form, Function, Scalar};
use crate::forward;
use crate::ir::Program;
use crate::render::Renderer;
use crate::tokens;

/// Everything one function generates. The forward function is printed from the body, which
/// is taken: its names are moved into the output, not copied.
pub fn emit(
    function: &mut Function,
    scalar: &Scalar,
    program: &Program,
) -> syn::Result<TokenStream> {
    let grad = grad_fn(function, scalar, program)?;
    let mut out = forward_fn(function, scalar);
    out.extend(grad);
    out.extend(grad_struct(function));
    Ok(out)
}

/// Lints that generated code can trigger by its shape alone: many parameters (one per
/// number), parameters the gradient does not need, rule constants such as `ln 2` written out,
/// the casts of constants to the function's type, and `x = x + y` (the body language's math
/// style, which the forward function keeps as written).
pub fn allowed_lints() -> TokenStream {
    quote! {
        #[allow(
            unused_variables,
            clippy::too_many_arguments,
            clippy::many_single_char_names,
            clippy::excessive_precision,
            clippy::approx_constant,
                        clippy::unnecessary_cast,
            clippy::assign_op_pattern,
        )]
    }
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr")
}

fn is_inline(attr: &Attribute) -> bool {
    attr.path().is_ident("inline")
}

/// Generics, parameters and where clause of the generated functions.
pub struct Signature {
    pub generics: TokenStream,
    pub params: TokenStream,
    pub where_clause: TokenStream,
    pub ty: Ident,
}

pub fn signature(function: &Function, scalar: &Scalar) -> Signature {
    let ty = scalar.ident().clone();
    // Each name once, even in the stubs of a function that declared one twice.
    let mut names: Vec<&Ident> = Vec::new();
    for param in &function.params {
        if !names.contains(&&param.name) {
            names.push(&param.name);
        }
    }
    let params = quote!(#(#names: #ty),*);
    match (scalar, &function.form) {
        (Scalar::Generic(_), Form::Attribute(_)) => {
            let (generics, _, where_clause) = function.generics.split_for_impl();
            // The gradient needs `T: Real`; add the bound unless the user wrote it.
            let has_real_bound = function.generics.type_params().any(|param| {
                param.ident == ty
                    && param.bounds.iter().any(|bound| {
                        matches!(bound, syn::TypeParamBound::Trait(t)
                            if t.path.segments.last().is_some_and(|s| s.ident == "Real"))
                    })
            });
            let where_clause = if has_real_bound {
                quote!(#where_clause)
            } else {
                let predicates = where_clause.map(|w| {
                    let predicates = &w.predicates;
                    quote!(#predicates,)
                });
                quote!(where #predicates #ty: ::autograd::Real)
            };
            Signature {
                generics: quote!(#generics),
                params,
                where_clause,
                ty,
            }
        }
        (Scalar::Generic(_), Form::Bang) => Signature {
            generics: quote!(<#ty: ::autograd::Real>),
            params,
            where_clause: TokenStream::new(),
            ty,
        },
        (Scalar::Concrete(_), Form::Attribute(_)) => {
            let (generics, _, where_clause) = function.generics.split_for_impl();
            Signature {
                generics: quote!(#generics),
                params,
                where_clause: quote!(#where_clause),
                ty,
            }
        }
        (Scalar::Concrete(_), Form::Bang) => Signature {
            generics: TokenStream::new(),
            params,
            where_clause: TokenStream::new(),
            ty,
        },
    }
}

/// Attributes for a generated function: the user's (docs only where asked), plus `#[inline]`
/// unless the user chose an inline attribute.
pub fn fn_attrs(function: &Function, keep_docs: bool) -> TokenStream {
    let attrs = function
        .attrs
        .iter()
        .filter(|attr| keep_docs || !is_doc(attr));
    let inline = (!function.attrs.iter().any(is_inline)).then(|| quote!(#[inline]));
    quote!(#(#attrs)* #inline)
}

/// The attribute form's function, as the user wrote it (without `#[wrt]`).
pub fn original_item(function: &Function) -> TokenStream {
    match &function.form {
        Form::Attribute(item) => {
            let mut item = (**item).clone();
            item.attrs = function.attrs.clone();
            quote!(#item)
        }
        Form::Bang => TokenStream::new(),
    }
}

fn forward_fn(function: &mut Function, scalar: &Scalar) -> TokenStream {
    match &function.form {
        Form::Attribute(_) => original_item(function),
        Form::Bang => {
            let Some(body) = function.body.take() else {
                return TokenStream::new();
            };
            let attrs = fn_attrs(function, true);
            let lints = allowed_lints();
            let vis = &function.vis;
            let name = &function.name;
            let Signature {
                generics,
                params,
                where_clause,
                ty,
            } = signature(function, scalar);
            let stmts = forward::body(body, scalar);
            let mut out = quote! {
                #attrs
                #lints
                #vis fn #name #generics (#params) -> #ty #where_clause
            };
            tokens::group(&mut out, Delimiter::Brace, stmts, Span::call_site());
            out
        }
    }
}

fn grad_fn(function: &Function, scalar: &Scalar, program: &Program) -> syn::Result<TokenStream> {
    let attrs = fn_attrs(function, false);
    let lints = allowed_lints();
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
    let param_names: Vec<Ident> = function.params.iter().map(|p| p.name.clone()).collect();
    let mut reserved = vec![struct_name.to_string()];
    for (_, call) in program.graph.calls.iter() {
        reserved.push(call.name.to_string());
        reserved.push(format!("{}_grad", call.name));
    }
    let mut renderer = Renderer::new(program, scalar, &param_names, &reserved);
    let mut body = if matches!(scalar, Scalar::Concrete(_)) && renderer.uses_real_trait() {
        quote!(
            use ::autograd::Real as _;
        )
    } else {
        TokenStream::new()
    };
    renderer.write_block(program.root, &mut body);
    let value = renderer.expr(program.value);
    let fields = function
        .params
        .iter()
        .zip(&program.grads)
        .filter_map(|(param, grad)| {
            let grad = renderer.expr((*grad)?);
            let field = &param.name;
            Some(quote!(#field: #grad))
        });
    let doc = format!(
        " Value and gradient of [`{name}`], in one pass: `({name}(..), {struct_name} {{ .. }})`.\n\n \
         Generated by `autograd::grad!`."
    );
    let fields: Vec<TokenStream> = fields.collect();
    renderer.finish()?;
    body.extend(quote!((#value, #struct_name { #(#fields),* })));
    let mut out = quote! {
        #[doc = #doc]
        #attrs
        #lints
        #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause
    };
    tokens::group(&mut out, Delimiter::Brace, body, Span::call_site());
    Ok(out)
}

/// The differentiated parameters.
pub fn wrt_params(function: &Function) -> Vec<&Ident> {
    let mut names: Vec<&Ident> = Vec::new();
    for param in &function.params {
        if function.is_wrt(&param.name) && !names.contains(&&param.name) {
            names.push(&param.name);
        }
    }
    names
}

/// `NameGrad<T>` with `to_array`, `Gradient`, `+`, `+=`, `* scalar` and `Partials`.
pub fn grad_struct(function: &Function) -> TokenStream {
    let vis = &function.vis;
    let name = &function.name;
    let struct_name = function.struct_name();
    let cfgs = function.attrs.iter().filter(|a| is_cfg(a));
    let cfgs = quote!(#(#cfgs)*);
    let fields = wrt_params(function);
    let len = proc_macro2::Literal::usize_unsuffixed(fields.len());
    let field_list: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let doc = format!(
        " Gradient of [`{name}`]: one partial derivative per differentiated parameter \
         ({}).\n\n Generated by `autograd::grad!`.",
        field_list.join(", ")
    );
    let to_array_doc = format!(
        " The partial derivatives in parameter order: `[{}]`.",
        field_list.join(", ")
    );
    let field_docs = fields.iter().map(|f| format!(" `∂{name}/∂{f}`"));
    let span = Span::call_site();
    quote_spanned! {span=>
        #[doc = #doc]
        #cfgs
        #[derive(Debug, Clone, Copy, PartialEq)]
        #vis struct #struct_name<T> {
            #( #[doc = #field_docs] pub #fields: T, )*
        }

        #cfgs
        impl<T: ::core::marker::Copy> #struct_name<T> {
            #[doc = #to_array_doc]
            #[inline]
            #vis fn to_array(self) -> [T; #len] {
                [#(self.#fields),*]
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::autograd::Gradient for #struct_name<T> {
            type Scalar = T;
            const LEN: usize = #len;
            #[inline]
            fn zero() -> Self {
                Self { #(#fields: T::zero()),* }
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Add for #struct_name<T> {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self { #(#fields: self.#fields + rhs.#fields),* }
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::AddAssign for #struct_name<T> {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                #(self.#fields += rhs.#fields;)*
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Mul<T> for #struct_name<T> {
            type Output = Self;
            #[inline]
            fn mul(self, scale: T) -> Self {
                Self { #(#fields: self.#fields * scale),* }
            }
        }

        #cfgs
        impl<T: ::core::marker::Copy> ::autograd::Partials<T, #len> for #struct_name<T> {
            #[inline]
            fn partials(self) -> [T; #len] {
                self.to_array()
            }
        }
    }
}
