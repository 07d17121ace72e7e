//! Writing tokens straight into one stream: what `quote_spanned!` writes, without building a
//! stream per fragment (each costs an allocation) or copying an interpolated stream (each
//! `#stream` copies every token in it).

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

/// An operator or punctuation, `+`, `&&`, `::`: joint characters with `span`.
pub fn op(out: &mut TokenStream, text: &str, span: Span) {
    // Most operators are one or two characters (`+`, `::`): no counting, no iterator
    // adapters, one push for the whole operator.
    match text.as_bytes() {
        [byte] => {
            out.extend([punct(*byte, Spacing::Alone, span)]);
            return;
        }
        [first, second] => {
            out.extend([
                punct(*first, Spacing::Joint, span),
                punct(*second, Spacing::Alone, span),
            ]);
            return;
        }
        _ => {}
    }
    let last = text.chars().count().saturating_sub(1);
    out.extend(text.chars().enumerate().map(|(i, ch)| {
        let spacing = if i < last {
            Spacing::Joint
        } else {
            Spacing::Alone
        };
        let mut punct = Punct::new(ch, spacing);
        punct.set_span(span);
        TokenTree::Punct(punct)
    }));
}

/// `let name =`, or `let mut name =`, in one push (each push passes `proc_macro2`'s wrapper).
/// Without a name, `let =`: the caller's `let` has none to give (not a case that compiles).
pub fn let_binding(out: &mut TokenStream, mutable: bool, name: Option<Ident>, span: Span) {
    let keyword = TokenTree::Ident(Ident::new("let", span));
    let eq = punct(b'=', Spacing::Alone, span);
    match (mutable, name) {
        (false, Some(name)) => out.extend([keyword, TokenTree::Ident(name), eq]),
        (true, Some(name)) => {
            let mutable = TokenTree::Ident(Ident::new("mut", span));
            out.extend([keyword, mutable, TokenTree::Ident(name), eq]);
        }
        (_, None) => out.extend([keyword, eq]),
    }
}

/// The punctuation `byte` (ASCII) with `spacing` and `span`.
pub fn punct(byte: u8, spacing: Spacing, span: Span) -> TokenTree {
    let mut punct = Punct::new(char::from(byte), spacing);
    punct.set_span(span);
    TokenTree::Punct(punct)
}

/// A keyword or a name that is never raw (`let`, `powi`, `autograd`).
pub fn word(out: &mut TokenStream, text: &str, span: Span) {
    out.extend([TokenTree::Ident(Ident::new(text, span))]);
}

pub fn ident(out: &mut TokenStream, ident: &Ident) {
    push_ident(out, ident.clone());
}

/// `ident` itself, moved into `out`.
pub fn push_ident(out: &mut TokenStream, ident: Ident) {
    out.extend([TokenTree::Ident(ident)]);
}

/// `inner` in delimiters, with `span` (a stream taken by value is moved, not copied).
pub fn group(out: &mut TokenStream, delimiter: Delimiter, inner: TokenStream, span: Span) {
    let mut group = Group::new(delimiter, inner);
    group.set_span(span);
    out.extend([TokenTree::Group(group)]);
}

/// `::autograd::__private::name`, all with `span`.
pub fn private_path(out: &mut TokenStream, name: &str, span: Span) {
    for segment in ["autograd", "__private", name] {
        op(out, "::", span);
        word(out, segment, span);
    }
}
