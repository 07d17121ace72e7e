//! The macro never panics, whatever tokens it gets: random programs with random tokens
//! deleted, repeated and replaced go through both entry points, which must return tokens.

use proptest::prelude::*;

use super::random_programs::program;
use crate::expand;

const ALPHABET: &[&str] = &[
    "fn", "f", "g", "x", "y", "(", ")", "{", "}", "[", "]", ",", ":", ";", "=", "+", "-", "*", "/",
    "%", ".", "..", "sin", "powi", "powf", "max", "2", "2.0", "-1", "1e400", "let", "mut", "if",
    "else", "return", "for", "in", "while", "loop", "match", "=>", "|", "&", "&&", "||", "!", "<",
    ">", "<=", "==", "#", "wrt", "pub", "->", "T", "f64", "i32", "'a", "\"s\"", "true", "self",
    "as", "::", "std", "PI", "helper", "x_grad", "println", "?", "_",
];

pub fn mutate(source: &str, edits: &[(u8, usize, usize)]) -> String {
    let mut tokens: Vec<String> = source
        .split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    for &(kind, at, with) in edits {
        if tokens.is_empty() {
            break;
        }
        let at = at % tokens.len();
        let new = ALPHABET[with % ALPHABET.len()].to_string();
        match kind % 3 {
            0 => {
                tokens.remove(at);
            }
            1 => tokens.insert(at, new),
            _ => tokens[at] = new,
        }
    }
    tokens.join(" ")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn no_input_makes_the_macro_panic(
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..6),
    ) {
        let source = mutate(&program(seed, 2), &edits);
        // Unbalanced delimiters do not even tokenize: rustc never hands those to a macro.
        if let Ok(tokens) = source.parse::<proc_macro2::TokenStream>() {
            let _ = expand::grad(tokens.clone());
            let _ = expand::differentiable(proc_macro2::TokenStream::new(), tokens.clone());
            let _ = expand::differentiable(tokens.clone(), tokens);
        }
    }
}

#[test]
fn crafted_inputs_do_not_panic() {
    let cases = [
        "",
        "fn",
        "fn f",
        "fn f()",
        "fn f() {}",
        "fn f(x) {}",
        "fn f(x) { x; }",
        "#[wrt] fn f(x) { x }",
        "#[wrt(x, x)] fn f(x) { x }",
        "#[wrt = 1] fn f(x) { x }",
        "fn f(x: ) { x }",
        "fn f(x,,) { x }",
        "fn f(r#type) { r#type * 2.0 }",
        "fn f(r#type, y) { let r#let = r#type * y; r#let.sin() }",
        "fn f(x) { 1e400 * x }",
        "fn f(x) { x.powi(99999999999) }",
        "fn f(x) { x.powi(-2147483648) }",
        "fn f(x) { x.powi(-2147483647) }",
        "fn f(x) { x.powi(2147483647) }",
        "fn f(x) { x.sin(x, x) }",
        "fn f(x) { f64::sin() }",
        "fn f(x) { T::lit(x) }",
        "fn f(x) { if x > 0.0 { return x; } }",
        "fn f(x) { return; }",
        "fn f(x) { let y; y }",
        "fn f(x) { let (a, b) = (x, x); a }",
        "fn f(x) { g(x) } fn g(y) { f(y) }",
        "fn f<T>(x) { x }",
        "pub(crate) fn f(x) -> f32 { x }",
        "fn f(x) where T: Copy { x }",
        "fn f(x) { x } garbage",
        "struct S;",
    ];
    for case in cases {
        let tokens: proc_macro2::TokenStream = case.parse().expect("tokens");
        let _ = expand::grad(tokens.clone());
        let _ = expand::differentiable(proc_macro2::TokenStream::new(), tokens);
    }
    // Raw identifiers are names like any other.
    let output = expand::grad("fn f(r#type) { r#type * 2.0 }".parse().expect("tokens"));
    assert!(!output.to_string().contains("compile_error"), "{output}");
}

#[test]
fn raw_function_names() {
    let output = expand::grad("fn r#type(x) { x * 2.0 }".parse().expect("tokens"));
    assert!(output.to_string().contains("TypeGrad"), "{output}");
}
