//! The fast path reads a body exactly as syn + `convert_block` do, or declines: for random
//! bodies, mutated and crafted ones, whatever `fastpath::block` returns equals syn's reading.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use proptest::prelude::*;
use quote::ToTokens;

use super::no_panic::mutate;
use super::random_programs::{expr, program, Rng};
use crate::ast::{Block, Expr, Stmt, VarName};
use crate::fastpath;
use crate::parse::convert_block;

fn block(block: &Block) -> String {
    let stmts: Vec<String> = block.stmts.iter().map(stmt).collect();
    format!("{{{}}}", stmts.join(" "))
}

fn stmt(stmt: &Stmt) -> String {
    match stmt {
        Stmt::Let {
            name,
            mutable,
            init,
        } => format!("let {mutable} {} = {};", var(name), expr_dump(init)),
        Stmt::Assign {
            name, op, value, ..
        } => format!("{} {}= {};", var(name), *op as u8, expr_dump(value)),
        Stmt::If(_) => "if".into(),
        Stmt::Return { value, .. } => format!("return {};", expr_dump(value)),
        Stmt::Tail(e) => format!("tail {}", expr_dump(e)),
        Stmt::Unsupported { what, .. } => format!("unsupported({what})"),
        Stmt::For(_) => "for".into(),
        Stmt::SetElem { .. } => "set element".into(),
    }
}

/// A variable's name, and whether its text is its identifier's.
fn var(name: &VarName) -> String {
    let ident = name.ident.to_string();
    if *name.text == ident {
        ident
    } else {
        format!("{ident} with the text {}", name.text)
    }
}

fn list(args: &[Expr]) -> String {
    args.iter().map(expr_dump).collect::<Vec<_>>().join(", ")
}

fn expr_dump(expr: &Expr) -> String {
    match expr {
        Expr::Lit { value, .. } => format!("lit({:?}/{})", value, value.to_bits()),
        Expr::Var(name) => format!("var({})", var(name)),
        Expr::Const(path) => format!("const({})", path.to_token_stream()),
        Expr::Binary { op, operands, .. } => {
            let [lhs, rhs] = &**operands;
            format!("({} {op:?} {})", expr_dump(lhs), expr_dump(rhs))
        }
        Expr::Neg { expr, .. } => format!("neg({})", expr_dump(expr)),
        Expr::Method {
            receiver,
            method,
            args,
        } => format!("{}.{method}({})", expr_dump(receiver), list(args)),
        Expr::Powi {
            receiver,
            method,
            exponent,
            ..
        } => format!("{}.{method}#({exponent})", expr_dump(receiver)),
        Expr::Call { func, args } => format!("call {func}({})", list(args)),
        Expr::Ref { expr, .. } => format!("&{}", expr_dump(expr)),
        Expr::If(_) => "if".into(),
        Expr::Unsupported { what, inner, .. } => format!("unsupported({what}; {})", list(inner)),
        Expr::Index { .. } | Expr::Len { .. } | Expr::Repeat { .. } => "array".into(),
    }
}

/// Checks every brace group in `tokens`, at any depth; returns how many the fast path took.
fn check(tokens: TokenStream) -> usize {
    let mut taken = 0;
    for tree in tokens {
        if let TokenTree::Group(group) = tree {
            if group.delimiter() == Delimiter::Brace {
                taken += check_body(&group);
            }
            taken += check(group.stream());
        }
    }
    taken
}

fn check_body(group: &Group) -> usize {
    let Some(fast) = fastpath::block(group) else {
        return 0;
    };
    let slow = syn::parse2::<syn::Block>(TokenStream::from(TokenTree::Group(group.clone())))
        .unwrap_or_else(|error| panic!("the fast path took {group}, which syn rejects: {error}"));
    assert_eq!(
        block(&fast),
        block(&convert_block(&slow, false)),
        "fast path and syn differ on {group}"
    );
    1
}

fn let_chain(seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut vars: Vec<String> = vec!["a".into(), "b".into(), "SCALE".into()];
    let mut body = String::new();
    for k in 0..1 + rng.below(6) {
        let e = expr(&mut rng, &vars, 3);
        body += &format!("let v{k} = {e};\n");
        vars.push(format!("v{k}"));
    }
    format!("fn f(a, b) {{ {body} v0 * -b.powi(-2) - a / b / 2 }}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fast_path_reads_bodies_as_syn_does(
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..4),
    ) {
        for source in [let_chain(seed), program(seed, 2)] {
            for source in [mutate(&source, &edits), source] {
                if let Ok(tokens) = source.parse::<TokenStream>() {
                    check(tokens);
                }
            }
        }
    }
}

#[test]
fn fast_path_reads_crafted_bodies_as_syn_does() {
    let cases = [
        "{ -x.sin() }",
        "{ a - -b }",
        "{ a*-b }",
        "{ a--b }",
        "{ - - a }",
        "{ -a * b - c / d / e }",
        "{ x.powi(-2) + x.powi(3) * x.powi(0) }",
        "{ x.powi(2.0) }",
        "{ x.powi(n) }",
        "{ x.powi((2)) }",
        "{ x.powi(99999999999) }",
        "{ x.powi(-2147483648) }",
        "{ X + Y * PI_2 }",
        "{ 1e-7 * x + 1e20 + 0.0001 + 2u8 + 2.5f32 + 0x10 + 1_000.5 }",
        "{ 2. * x + 007 + 00.50 + 0.1 + 123456789012345678901234567890 + 1.5e3 + 0b1 }",
        "{ x.powi(02) + x.powi(2_0) + x.powi(2i32) + x.powi(0x2) }",
        "{ g(a, b) + g() }",
        "{ g(a, b,) }",
        "{ x = 1.0; x }",
        "{ X = 1.0; X }",
        "{ let mut x = 1.0; x += 2.0; x }",
        "{ let x: f64 = 1.0; x }",
        "{ let _ = 1.0; 2.0 }",
        "{ let x = 1.0;; x }",
        "{ x; }",
        "{ (a) * ((b + c)) }",
        "{ (a, b) }",
        "{ () }",
        "{ a - b - c + d }",
        "{ a.max(b).min(c).sin() }",
        "{ (a + b).mul_add(c, d) }",
        "{ 1.0.sin() }",
        "{ x.y }",
        "{ x.0 }",
        "{ x as f64 }",
        "{ x % y }",
        "{ x == y }",
        "{ f64::sin(x) }",
        "{ std::f64::consts::PI * x }",
        "{ T::lit(0.5) * x }",
        "{ x.sin::<T>() }",
        "{ r#type * 2.0 }",
        "{ let r#let = 1.0; r#let }",
        "{ true }",
        "{ self }",
        "{ x? }",
        "{ x[0] }",
        "{ -1.0 }",
        "{ if x > 0.0 { x } else { -x } }",
        "{ return x; }",
        "{ }",
        "{ a / b /= c }",
        "{ a *= b }",
    ];
    let mut taken = 0;
    for case in cases {
        taken += check(case.parse().expect("tokens"));
    }
    assert!(taken > 20, "the fast path took only {taken} cases");
    // A negative literal token (from another macro, never from source text).
    let negative = proc_macro2::Literal::f64_unsuffixed(-1.0);
    check(quote::quote!({ x * #negative }));
}

#[test]
fn placeholders_stand_for_bodies_only() {
    let source = "fn f(x) -> Foo<{ 3 }> { x * 2.0 } fn g(y) { y.sin() }";
    let mut errors = crate::errors::Errors::default();
    let functions = crate::parse::parse_bang(source.parse().expect("tokens"), &mut errors);
    assert_eq!(functions.len(), 2);
    let ret = functions[0].ret.as_ref().expect("a return type");
    assert_eq!(ret.to_token_stream().to_string(), "Foo < { 3 } >");
    let bodies: Vec<String> = functions
        .iter()
        .map(|f| block(f.body.as_ref().expect("a body")))
        .collect();
    assert_eq!(
        bodies,
        [
            "{tail (var(x) Mul lit(2.0/4611686018427387904))}",
            "{tail var(y).sin()}"
        ]
    );
}
