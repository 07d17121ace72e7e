//! IR → tokens: the forward function, the `_grad` function and the gradient struct.
//!
//! Generated code resolves every path of ours through `::autograd`, carries the user's
//! visibility and attributes, and allows on its own items the lints its shape can trigger
//! (many arguments, repeated names), never on the user's crate.

use proc_macro2::{Delimiter, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{Attribute, Ident};

use crate::ast::{Expr, Form, Function, Scalar, Shape, Stmt};
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
pub fn allowed_lints(function: &Function) -> TokenStream {
    // A loop keeps the user's index loops (`for i in 0..xs.len()`), and declares its carried
    // variables `mut` even where the reverse loop does not change them; whether `1..=n - 1`
    // runs is `1 <= n - 1`.
    let loops = uses_arrays(function).then(|| {
        quote!(
            unused_mut,
            clippy::needless_range_loop,
            clippy::int_plus_one,
        )
    });
    quote! {
        #[allow(
            unused_variables,
            clippy::too_many_arguments,
            clippy::many_single_char_names,
            clippy::excessive_precision,
            clippy::approx_constant,
            clippy::unnecessary_cast,
            clippy::assign_op_pattern,
            #loops
        )]
    }
}

/// Whether the function takes arrays or loops over something, or declares a local array (which
/// a call may pass to a callee that loops: outside loops, locals stand in the body itself).
pub fn uses_arrays(function: &Function) -> bool {
    function.params.iter().any(|p| !p.shape.is_scalar())
        || function.body.as_ref().is_some_and(|body| {
            body.has_loop()
                || body.stmts.iter().any(|stmt| {
                    matches!(
                        stmt,
                        Stmt::Let {
                            init: Expr::Repeat { .. },
                            ..
                        }
                    )
                })
        })
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
    let mut types: Vec<TokenStream> = Vec::new();
    for param in &function.params {
        if !names.contains(&&param.name) {
            names.push(&param.name);
            types.push(param_type(&param.shape, &ty));
        }
    }
    let params = quote!(#(#names: #types),*);
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

/// A parameter's type: `T`, `&[T]`, `[T; N]`, `&[[T; N]]`, `[[T; N]; M]`.
pub fn param_type(shape: &Shape, ty: &Ident) -> TokenStream {
    match shape {
        Shape::Scalar => quote!(#ty),
        Shape::Slice => quote!(&[#ty]),
        Shape::Array(n) => quote!([#ty; #n]),
        Shape::Rows(n) => quote!(&[[#ty; #n]]),
        Shape::Matrix { rows, cols } => quote!([[#ty; #cols]; #rows]),
    }
}

/// A gradient field's type: `T`, `Vec<T>`, `[T; N]`, `Vec<[T; N]>`, `[[T; N]; M]`.
fn field_type(shape: &Shape, ty: &Ident) -> TokenStream {
    match shape {
        Shape::Scalar => quote!(#ty),
        Shape::Slice => quote!(::std::vec::Vec<#ty>),
        Shape::Array(n) => quote!([#ty; #n]),
        Shape::Rows(n) => quote!(::std::vec::Vec<[#ty; #n]>),
        Shape::Matrix { rows, cols } => quote!([[#ty; #cols]; #rows]),
    }
}

/// The zero of a gradient field: `T::zero()`, `[T::zero(); N]`, ... (a `Vec` field is empty).
fn field_zero(shape: &Shape, ty: &Ident) -> TokenStream {
    let zero = quote!(<#ty as ::autograd::Real>::lit(0.0));
    match shape {
        Shape::Scalar => zero,
        Shape::Slice | Shape::Rows(_) => quote!(::std::vec::Vec::new()),
        Shape::Array(n) => quote!([#zero; #n]),
        Shape::Matrix { rows, cols } => quote!([[#zero; #cols]; #rows]),
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
            let lints = allowed_lints(function);
            let Some(body) = function.body.take() else {
                return TokenStream::new();
            };
            let attrs = fn_attrs(function, true);
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

/// The renderer of a `_grad` body, with the names it must not take (`reserved`, and each called
/// function and its `_grad`), and the body's first statement: `use ::autograd::Real as _;` where
/// a concrete-typed function calls a method of `Real`.
fn renderer<'a>(
    program: &'a Program,
    scalar: &'a Scalar,
    params: &[Ident],
    mut reserved: Vec<String>,
) -> (Renderer<'a>, TokenStream) {
    for (_, call) in program.graph.calls.iter() {
        reserved.push(call.name.to_string());
        reserved.push(format!("{}_grad", call.name));
    }
    let renderer = Renderer::new(program, scalar, params, &reserved);
    let body = if matches!(scalar, Scalar::Concrete(_)) && renderer.uses_real_trait() {
        quote!(
            use ::autograd::Real as _;
        )
    } else {
        TokenStream::new()
    };
    (renderer, body)
}

fn grad_fn(function: &Function, scalar: &Scalar, program: &Program) -> syn::Result<TokenStream> {
    if function.params.iter().any(|p| !p.shape.is_scalar()) {
        return array_grad_fns(function, scalar, program);
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
    let param_names: Vec<Ident> = function.params.iter().map(|p| p.name.clone()).collect();
    let (mut renderer, mut body) =
        renderer(program, scalar, &param_names, vec![struct_name.to_string()]);
    renderer.with_shapes(function.params.iter().map(|p| p.shape.clone()).collect());
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

/// The `_grad` function of a function with array parameters, and its `_grad_into` when the
/// gradient holds a `Vec`: the reverse code adds into `d_xs[i]`, which is the gradient's own
/// field, zeroed first.
fn array_grad_fns(
    function: &Function,
    scalar: &Scalar,
    program: &Program,
) -> syn::Result<TokenStream> {
    let attrs = fn_attrs(function, false);
    let lints = allowed_lints(function);
    let vis = &function.vis;
    let name = &function.name;
    let grad_name = function.grad_fn_name();
    let into_name = format_ident!("{}_grad_into", function.name, span = function.name.span());
    let struct_name = function.struct_name();
    let Signature {
        generics,
        params,
        where_clause,
        ty,
    } = signature(function, scalar);
    let param_names: Vec<Ident> = function.params.iter().map(|p| p.name.clone()).collect();
    let out_name = if param_names.iter().any(|p| p == "grad") {
        format_ident!("grad_out")
    } else {
        format_ident!("grad")
    };
    let reserved = vec![struct_name.to_string(), out_name.to_string()];
    let (mut renderer, mut body) = renderer(program, scalar, &param_names, reserved);
    renderer.with_shapes(function.params.iter().map(|p| p.shape.clone()).collect());
    let has_vec = function
        .params
        .iter()
        .any(|p| function.is_wrt(&p.name) && p.shape.is_dynamic());
    let zero = quote!(<#ty as ::autograd::Real>::lit(0.0));
    // The gradient's arrays, zeroed, as `d_` + the parameter's name.
    for (i, param) in function.params.iter().enumerate() {
        if param.shape.is_scalar() || !function.is_wrt(&param.name) {
            continue;
        }
        let field = &param.name;
        let d_name = adjoint_array(field);
        // `d_xs` is a slice of `xs`'s length: a `&mut Vec` would have its length loaded again
        // after every store, and LLVM can then tie `d_xs[i]`'s bounds check to `xs[i]`'s.
        body.extend(match &param.shape {
            // Every element is assigned before anything adds to it: no need to zero them.
            Shape::Slice if program.assigned.contains(&i) => quote!(
                #out_name.#field.resize(#field.len(), #zero);
                let #d_name = &mut #out_name.#field[..#field.len()];
            ),
            Shape::Slice => quote!(
                #out_name.#field.clear();
                #out_name.#field.resize(#field.len(), #zero);
                let #d_name = &mut #out_name.#field[..#field.len()];
            ),
            Shape::Rows(n) => quote!(
                #out_name.#field.clear();
                #out_name.#field.resize(#field.len(), [#zero; #n]);
                let #d_name = &mut #out_name.#field[..#field.len()];
            ),
            shape => {
                let zeros = field_zero(shape, &ty);
                if has_vec {
                    quote!(
                        #out_name.#field = #zeros;
                        let #d_name = &mut #out_name.#field;
                    )
                } else {
                    quote!(let mut #d_name = #zeros;)
                }
            }
        });
    }
    renderer.write_block(program.root, &mut body);
    let value = renderer.expr(program.value);
    let mut scalar_fields = Vec::new();
    for (param, grad) in function.params.iter().zip(&program.grads) {
        if let Some(grad) = grad {
            let grad = renderer.expr(*grad);
            scalar_fields.push((&param.name, grad));
        }
    }
    renderer.finish()?;
    let args = param_names.iter();
    if has_vec {
        for (field, grad) in &scalar_fields {
            body.extend(quote!(#out_name.#field = #grad;));
        }
        body.extend(value);
        let into_doc = format!(
            " Value of [`{name}`], and its gradient written into `{out_name}`: every field is \
             overwritten, and a `Vec` field is resized only when its length differs, so a loop \
             that reuses one gradient allocates nothing after the first call.\n\n Generated by \
             `autograd::grad!`."
        );
        let doc = format!(
            " Value and gradient of [`{name}`], in one pass: `({name}(..), {struct_name} {{ .. }})`. \
             To reuse the gradient's memory, call [`{into_name}`].\n\n Generated by `autograd::grad!`."
        );
        let mut out = quote! {
            #[doc = #doc]
            #attrs
            #lints
            #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause {
                let mut #out_name = <#struct_name<#ty> as ::core::default::Default>::default();
                let value = #into_name(#(#args,)* &mut #out_name);
                (value, #out_name)
            }

            #[doc = #into_doc]
            #attrs
            #lints
            #vis fn #into_name #generics (#params, #out_name: &mut #struct_name<#ty>) -> #ty #where_clause
        };
        tokens::group(&mut out, Delimiter::Brace, body, Span::call_site());
        return Ok(out);
    }
    let fields = function.params.iter().filter_map(|param| {
        let field = &param.name;
        if !function.is_wrt(field) {
            return None;
        }
        if param.shape.is_scalar() {
            let (_, grad) = scalar_fields.iter().find(|(f, _)| *f == field)?;
            Some(quote!(#field: #grad))
        } else {
            let d_name = adjoint_array(field);
            Some(quote!(#field: #d_name))
        }
    });
    let fields: Vec<TokenStream> = fields.collect();
    body.extend(quote!((#value, #struct_name { #(#fields),* })));
    let doc = format!(
        " Value and gradient of [`{name}`], in one pass: `({name}(..), {struct_name} {{ .. }})`.\n\n \
         Generated by `autograd::grad!`."
    );
    let mut out = quote! {
        #[doc = #doc]
        #attrs
        #lints
        #vis fn #grad_name #generics (#params) -> (#ty, #struct_name<#ty>) #where_clause
    };
    tokens::group(&mut out, Delimiter::Brace, body, Span::call_site());
    Ok(out)
}

/// `d_xs`: the name the gradient code gives the adjoint array of parameter `xs`.
pub fn adjoint_array(param: &Ident) -> Ident {
    format_ident!("d_{}", param.to_string().trim_start_matches("r#"))
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

/// `NameGrad<T>` of a function with array parameters: fields that mirror them, `Default`
/// (zeros, empty `Vec`s), and `Copy` unless a field is a `Vec`.
fn array_grad_struct(function: &Function) -> TokenStream {
    let vis = &function.vis;
    let name = &function.name;
    let struct_name = function.struct_name();
    let cfgs = function.attrs.iter().filter(|a| is_cfg(a));
    let cfgs = quote!(#(#cfgs)*);
    let ty = Ident::new("T", Span::call_site());
    let params: Vec<&crate::ast::Param> = function
        .params
        .iter()
        .filter(|p| function.is_wrt(&p.name))
        .collect();
    let fields: Vec<&Ident> = params.iter().map(|p| &p.name).collect();
    let types: Vec<TokenStream> = params.iter().map(|p| field_type(&p.shape, &ty)).collect();
    let zeros: Vec<TokenStream> = params.iter().map(|p| field_zero(&p.shape, &ty)).collect();
    let has_vec = params.iter().any(|p| p.shape.is_dynamic());
    let copy = if has_vec { quote!() } else { quote!(Copy,) };
    let default_doc = if has_vec {
        " Zeros, and empty `Vec`s (which `_grad_into` sizes)."
    } else {
        " Zeros."
    };
    let field_list: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    // The data arrays are constants: the gradient may still be a list of numbers.
    let to_array = params.iter().all(|p| p.shape.is_scalar()).then(|| {
        let len = proc_macro2::Literal::usize_unsuffixed(fields.len());
        let doc = format!(
            " The partial derivatives in parameter order: `[{}]`.",
            field_list.join(", ")
        );
        quote! {
            #cfgs
            impl<T: ::core::marker::Copy> #struct_name<T> {
                #[doc = #doc]
                #[inline]
                #vis fn to_array(self) -> [T; #len] {
                    [#(self.#fields),*]
                }
            }
        }
    });
    let doc = format!(
        " Gradient of [`{name}`]: one field per differentiated parameter ({}), shaped like it.\n\n \
         Generated by `autograd::grad!`.",
        field_list.join(", ")
    );
    let field_docs = fields.iter().map(|f| format!(" `∂{name}/∂{f}`"));
    let gradient = (!has_vec).then(|| fixed_gradient_impls(&struct_name, &cfgs, &params));
    quote! {
        #[doc = #doc]
        #cfgs
        #[derive(Debug, Clone, #copy PartialEq)]
        #vis struct #struct_name<T> {
            #( #[doc = #field_docs] pub #fields: #types, )*
        }

        #to_array

        #cfgs
        impl<T: ::autograd::Real> ::core::default::Default for #struct_name<T> {
            #[doc = #default_doc]
            #[inline]
            fn default() -> Self {
                Self { #(#fields: #zeros),* }
            }
        }

        #gradient
    }
}

/// `3` for a length written `3`; `None` for a constant.
fn literal_dim(dim: &crate::ast::Dim) -> Option<usize> {
    match dim {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok(),
        _ => None,
    }
}

/// `Gradient`, `+`, `+=` and `* scalar` for a gradient of numbers and fixed-size arrays (a
/// `Vec` field has no fixed `LEN`, and `Gradient` needs `Copy`), element by element, so
/// `batch::mean_grad` averages it like any other.
fn fixed_gradient_impls(
    struct_name: &Ident,
    cfgs: &TokenStream,
    params: &[&crate::ast::Param],
) -> TokenStream {
    // Lengths written as literals are added up here; constants stay in the sum.
    let mut known: usize = 0;
    let mut lens: Vec<TokenStream> = Vec::new();
    let mut add = Vec::new();
    let mut scale = Vec::new();
    for param in params {
        let f = &param.name;
        match &param.shape {
            Shape::Array(n) => {
                match literal_dim(n) {
                    Some(n) => known += n,
                    None => lens.push(quote!(#n)),
                }
                add.push(quote! {
                    for (a, b) in self.#f.iter_mut().zip(rhs.#f) { *a += b; }
                });
                scale.push(quote! {
                    for a in self.#f.iter_mut() { *a = *a * scale; }
                });
            }
            Shape::Matrix { rows, cols } => {
                match (literal_dim(rows), literal_dim(cols)) {
                    (Some(rows), Some(cols)) => known += rows * cols,
                    _ => lens.push(quote!(#rows * #cols)),
                }
                add.push(quote! {
                    for (row, rhs_row) in self.#f.iter_mut().zip(rhs.#f) {
                        for (a, b) in row.iter_mut().zip(rhs_row) { *a += b; }
                    }
                });
                scale.push(quote! {
                    for row in self.#f.iter_mut() {
                        for a in row.iter_mut() { *a = *a * scale; }
                    }
                });
            }
            _ => {
                known += 1;
                add.push(quote!(self.#f += rhs.#f;));
                scale.push(quote!(self.#f = self.#f * scale;));
            }
        }
    }
    if known > 0 || lens.is_empty() {
        lens.insert(
            0,
            proc_macro2::Literal::usize_unsuffixed(known).into_token_stream(),
        );
    }
    let len = quote!(#(#lens)+*);
    quote! {
        #cfgs
        impl<T: ::autograd::Real> ::autograd::Gradient for #struct_name<T> {
            type Scalar = T;
            const LEN: usize = #len;
            #[inline]
            fn zero() -> Self {
                ::core::default::Default::default()
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::AddAssign for #struct_name<T> {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                #(#add)*
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Add for #struct_name<T> {
            type Output = Self;
            #[inline]
            fn add(mut self, rhs: Self) -> Self {
                self += rhs;
                self
            }
        }

        #cfgs
        impl<T: ::autograd::Real> ::core::ops::Mul<T> for #struct_name<T> {
            type Output = Self;
            #[inline]
            #[allow(clippy::assign_op_pattern)] // `Real` has no `*=`
            fn mul(mut self, scale: T) -> Self {
                #(#scale)*
                self
            }
        }
    }
}

/// `NameGrad<T>` with `to_array`, `Gradient`, `+`, `+=`, `* scalar` and `Partials`.
pub fn grad_struct(function: &Function) -> TokenStream {
    if function.params.iter().any(|p| !p.shape.is_scalar()) {
        return array_grad_struct(function);
    }
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
