//! Code size is linear in the source: an `if` with a `return` in it makes the rest of the
//! function conditional without copying it (issue 14: each such `if` used to double it).

use proc_macro2::{TokenStream, TokenTree};

/// `k` statements `if x > i { if y > i + 0.5 { return x * y + i; } }`, then `x - y`.
pub fn early_returns(k: usize) -> String {
    let mut body = String::new();
    for i in 0..k {
        body += &format!("if x > {i}.0 {{ if y > {i}.5 {{ return x * y + {i}.0; }} }}\n");
    }
    format!("fn f(x, y) {{\n{body}x - y\n}}")
}

/// Tokens of the expansion, groups' contents included.
pub fn token_count(tokens: TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => 1 + token_count(group.stream()),
            _ => 1,
        })
        .sum()
}

fn expansion_tokens(k: usize) -> usize {
    let source: TokenStream = early_returns(k).parse().expect("tokens");
    let out = crate::expand::grad(source);
    let text = out.to_string();
    assert!(!text.contains("compile_error"), "k = {k}: {text}");
    token_count(out)
}

#[test]
fn early_returns_grow_linearly() {
    let (k8, k16, k32) = (
        expansion_tokens(8),
        expansion_tokens(16),
        expansion_tokens(32),
    );
    // Linear growth doubles the size from k = 8 to 16 (plus a fixed part); doubling per
    // statement would multiply it by 256.
    assert!(k16 * 2 <= k8 * 5, "k = 8: {k8} tokens, k = 16: {k16}");
    assert!(k32 * 2 <= k16 * 5, "k = 16: {k16} tokens, k = 32: {k32}");
}

#[test]
#[ignore = "prints the sizes; run with --ignored --nocapture"]
fn print_sizes() {
    for k in [2, 4, 6, 8, 10, 16, 32] {
        let source: TokenStream = early_returns(k).parse().expect("tokens");
        let out = crate::expand::grad(source);
        let file = syn::parse2::<syn::File>(out.clone()).expect("parses");
        let lines = prettyplease::unparse(&file).lines().count();
        println!("k = {k}: {} tokens, {lines} lines", token_count(out));
    }
}
