//! W4 of issue 4: compile-time cost. Times the macro's expansion, `expand::grad` on
//! `proc_macro2` tokens, for generated functions of about 10, 100, 300, 1,000 and 3,000
//! operations, to see how it grows.
//!
//! What is timed: the expansion alone. The copy of the input (an `Rc` count increment) is
//! made before the clock starts and the output stream is dropped after it stops, as in a real
//! compile rustc hands the macro its input and keeps the output. The loop used to be
//! `b.iter(|| expand::grad(black_box(t.clone())))`, which also timed dropping the output: at
//! 1,000 operations (spread) that drop is 3.4M of 19.9M instructions.
//! `docs/benchmark-notes.md` (W4) gives the instruction counts and wall times measured both ways.
//!
//! A proc-macro crate cannot export `expand::grad`, so this bench includes the macro's source
//! modules directly (every module of `src/lib.rs` but `tests`); they refer to each other as
//! `crate::<module>`, which resolves in this crate's root.

#![allow(dead_code, unused_imports)]

#[path = "../src/ast.rs"]
mod ast;
#[path = "../src/bounds.rs"]
mod bounds;
#[path = "../src/carry.rs"]
mod carry;
#[path = "../src/check.rs"]
mod check;
#[path = "../src/emit.rs"]
mod emit;
#[path = "../src/errors.rs"]
mod errors;
#[path = "../src/expand.rs"]
mod expand;
#[path = "../src/fallback.rs"]
mod fallback;
#[path = "../src/fastpath.rs"]
mod fastpath;
#[path = "../src/forward.rs"]
mod forward;
#[path = "../src/fuse.rs"]
mod fuse;
#[path = "../src/graph.rs"]
mod graph;
#[path = "../src/hash.rs"]
mod hash;
#[path = "../src/higher.rs"]
mod higher;
#[path = "../src/ir.rs"]
mod ir;
#[path = "../src/lower.rs"]
mod lower;
#[path = "../src/parse.rs"]
mod parse;
#[path = "../src/print.rs"]
mod print;
#[path = "../src/render.rs"]
mod render;
#[path = "../src/reverse.rs"]
mod reverse;
#[path = "../src/rules.rs"]
mod rules;
#[path = "../src/scopes.rs"]
mod scopes;
#[path = "../src/simplify.rs"]
mod simplify;
#[path = "../src/sums.rs"]
mod sums;
#[path = "../src/tokens.rs"]
mod tokens;
#[path = "../src/trace.rs"]
mod trace;

use std::str::FromStr;

use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use proc_macro2::TokenStream;

/// A function of about `ops` operations over four inputs: a chain of `let` statements, each
/// with three operations of mixed kinds, every value used again later (so nothing is dead).
///
/// Statement `k` uses `v(k-1)` and one earlier value `q(k)`: with `Spread`, `q = 5k/7`, so each
/// value has two or three uses; with `FanIn`, `q = 3` for every statement, so `v3` has about
/// `ops / 3` uses and its adjoint is one sum of that many terms.
fn source(ops: usize, shape: Shape) -> String {
    let mut s = String::from("fn f(a, b, c, d) {\n    let v0 = a * b + c;\n");
    let stmts = (ops / 3).max(1);
    let forms = [
        "v{p} * {x} + v{q}.sin()",
        "(v{p} - {x}) / (v{q}.powi(2) + 1.0)",
        "v{p}.tanh() * v{q} - {x}",
        "(v{p} * 0.5).exp() + v{q} * {x}",
        "v{p}.sqrt() - v{q} / ({x} + 2.0)",
        "(v{p} + v{q}).ln_1p() * {x}",
    ];
    let inputs = ["a", "b", "c", "d"];
    for k in 1..stmts {
        let form = forms[k % forms.len()];
        let p = k - 1;
        let q = match shape {
            Shape::Spread => k * 5 / 7,
            Shape::FanIn => 3.min(k - 1),
        };
        let x = inputs[k % 4];
        let e = form
            .replace("{p}", &p.to_string())
            .replace("{q}", &q.to_string())
            .replace("{x}", x);
        // sqrt and ln_1p want nonnegative arguments at run time; that does not matter here.
        s.push_str(&format!("    let v{k} = {e};\n"));
    }
    s.push_str(&format!("    v{} * d\n}}\n", stmts - 1));
    s
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Spread,
    FanIn,
}

fn bench(c: &mut Criterion) {
    run(c, "W4", Shape::Spread);
    run(c, "W4_fanin", Shape::FanIn);
    loops(c);
    traced(c);
}

/// W4 for `#[trace]` (issue 17): the same function expanded without and with `#[trace]`, side
/// by side, so the ratio is what tracing costs the functions that ask for it (the others
/// expand exactly as before: the snapshots check that).
fn traced(c: &mut Criterion) {
    let mut grp = c.benchmark_group("W4_trace");
    grp.sampling_mode(SamplingMode::Flat).sample_size(20);
    for ops in [10, 100, 300] {
        let plain = source(ops, Shape::Spread);
        for (variant, text) in [
            ("plain", plain.clone()),
            ("trace", format!("#[trace]\n{plain}")),
        ] {
            let tokens = TokenStream::from_str(&text).expect("valid tokens");
            let out = expand::grad(tokens.clone()).to_string();
            assert!(
                !out.contains("compile_error"),
                "{variant} {ops} failed:\n{out}"
            );
            eprintln!(
                "W4_trace {variant} {ops} ops: {} characters of output",
                out.len()
            );
            grp.bench_with_input(BenchmarkId::new(variant, ops), &tokens, |b, t| {
                b.iter_batched(|| t.clone(), expand::grad, BatchSize::PerIteration)
            });
        }
    }
    grp.finish();
}

/// Rosenbrock over a slice (issue 15, W5a's function).
const ROSEN: &str = "
    pub fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }";

/// Rosenbrock over an array of `{n}` elements, to see that the expansion does not grow with N.
const ROSEN_N: &str = "
    pub fn rosen_n(x: [T; {n}]) {
        let mut s = 0.0;
        for i in 0..{n} - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }";

/// micrograd's MLP(3, [{n}, {n}, 1]) with arrays, local arrays and loops (W5d's function at
/// `{n}` = 4).
const MLP: &str = "
    #[wrt(w1, b1, w2, b2, w3, b3)]
    pub fn mlp(w1: [[T; 3]; {n}], b1: [T; {n}], w2: [[T; {n}]; {n}], b2: [T; {n}], w3: [T; {n}], b3, x: [T; 3]) {
        let mut h = [0.0; {n}];
        for j in 0..{n} {
            let mut a = b1[j];
            for k in 0..3 {
                a += w1[j][k] * x[k];
            }
            h[j] = a.tanh();
        }
        let mut g = [0.0; {n}];
        for j in 0..{n} {
            let mut a = b2[j];
            for k in 0..{n} {
                a += w2[j][k] * h[k];
            }
            g[j] = a.tanh();
        }
        let mut o = b3;
        for k in 0..{n} {
            o += w3[k] * g[k];
        }
        (o.tanh() - 1.0).powi(2)
    }";

/// The expansion of `source` with `{n}` replaced by `n`; panics on a `compile_error!`.
fn expand_sized(source: &str, n: usize) -> String {
    let tokens = TokenStream::from_str(&source.replace("{n}", &n.to_string())).expect("tokens");
    let out = expand::grad(tokens).to_string();
    assert!(!out.contains("compile_error"), "expansion failed:\n{out}");
    out
}

/// W4 for loops (issue 15): the expansion time of `rosen` and of the MLP, and a check that
/// the expansion does not depend on N: at N = 7 and N = 99,999 the output is the same text
/// but for the number.
fn loops(c: &mut Criterion) {
    for (name, source) in [("rosen_n", ROSEN_N), ("mlp", MLP)] {
        let small = expand_sized(source, 7);
        let large = expand_sized(source, 99_999);
        assert_eq!(
            large.replace("99999", "7"),
            small,
            "the expansion of {name} depends on N beyond the number itself"
        );
        eprintln!(
            "W4_loops {name}: {} characters of output at N = 7, {} at N = 99,999 (the same but for the digits)",
            small.len(),
            large.len()
        );
    }
    let mut grp = c.benchmark_group("W4_loops");
    grp.sampling_mode(SamplingMode::Flat).sample_size(20);
    for (name, source) in [("rosen", ROSEN), ("mlp", MLP)] {
        let out = expand_sized(source, 4);
        eprintln!("W4_loops {name}: {} characters of output", out.len());
        let tokens = TokenStream::from_str(&source.replace("{n}", "4")).expect("tokens");
        grp.bench_with_input(BenchmarkId::from_parameter(name), &tokens, |b, t| {
            b.iter_batched(|| t.clone(), expand::grad, BatchSize::PerIteration)
        });
    }
    grp.finish();
}

fn run(c: &mut Criterion, name: &str, shape: Shape) {
    let mut grp = c.benchmark_group(name);
    // Up to a quarter of a second per expansion: flat sampling, 20 samples.
    grp.sampling_mode(SamplingMode::Flat).sample_size(20);
    for ops in [10, 100, 300, 1_000, 3_000] {
        let tokens = TokenStream::from_str(&source(ops, shape)).expect("valid tokens");
        // The expansion must succeed (no compile_error!).
        let out = expand::grad(tokens.clone()).to_string();
        assert!(
            !out.contains("compile_error"),
            "expansion of {ops} ops failed:\n{out}"
        );
        eprintln!("{name} {ops} ops: {} characters of output", out.len());
        grp.throughput(Throughput::Elements(ops as u64));
        grp.bench_with_input(BenchmarkId::from_parameter(ops), &tokens, |b, t| {
            // Input copied before the clock starts, output dropped after it stops (see above).
            b.iter_batched(|| t.clone(), expand::grad, BatchSize::PerIteration)
        });
    }
    grp.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
