//! Property test: random programs (shared subexpressions, `let mut` reassignments, branches,
//! early returns, also nested and on some paths of an arm only, calls, `#[wrt]`) whose derived
//! gradients, run by the IR interpreter, agree with central finite differences of their
//! derived values.

use std::collections::HashMap;

use proptest::prelude::*;

use super::evaluate::Evaluator;
use super::interpret::Interpreter;
use crate::ast::{Function, Signatures};
use crate::check::check_function;
use crate::errors::Errors;
use crate::expand::derive;
use crate::parse::parse_bang;

/// A small deterministic generator, so a failing case is reproduced by its seed.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[self.below(items.len())]
    }
}

pub const CALLEES: &str = "
    fn helper(a, b) { a * b.sin() + a.tanh() }
    #[wrt(a)]
    fn helper_wrt(a, k) { (a * k).sin() + k }
";

/// Which methods a random expression may call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Methods {
    /// A smooth few (the first-order tests, and the programs `tests/second_order.rs` copies).
    Smooth,
    /// Every method of the body language and `powi` with every kind of exponent, arguments
    /// kept in each method's domain; kinks included (`abs`, `max`, `relu`, `floor`, ...).
    All,
}

/// A random smooth expression over `vars`.
pub fn expr(rng: &mut Rng, vars: &[String], depth: usize) -> String {
    expr_with(rng, vars, depth, Methods::Smooth)
}

/// A random expression over `vars`, with `methods`.
pub fn expr_with(rng: &mut Rng, vars: &[String], depth: usize, methods: Methods) -> String {
    let literals = ["0.5", "1.5", "2.0", "0.7", "3", "1.0"];
    if depth == 0 || rng.below(4) == 0 {
        return if rng.below(5) == 0 {
            literals[rng.below(literals.len())].to_string()
        } else {
            rng.pick(vars).to_string()
        };
    }
    let a = expr_with(rng, vars, depth - 1, methods);
    let b = expr_with(rng, vars, depth - 1, methods);
    let choices = match methods {
        Methods::Smooth => 20,
        Methods::All => 20 + 40,
    };
    match rng.below(choices) {
        0 => format!("({a}) + ({b})"),
        1 => format!("({a}) - ({b})"),
        2 => format!("({a}) * ({b})"),
        3 => format!("({a}) / (({b}) * ({b}) + 1.0)"),
        4 => format!("-({a})"),
        5 => format!("({a}).sin()"),
        6 => format!("({a}).cos()"),
        7 => format!("({a}).tanh()"),
        8 => format!("({a}).sigmoid()"),
        9 => format!("({a}).softplus()"),
        10 => format!("({a}).atan()"),
        11 => format!("(({a}) * ({a}) + 1.0).sqrt()"),
        12 => format!("(({a}) * ({a}) + 0.5).ln()"),
        13 => format!("({a}).tanh().powi(2)"),
        14 => format!("({a}).sin().powi(3)"),
        15 => format!("({a}).tanh().exp()"),
        16 => format!("({a}).mul_add({b}, 0.5)"),
        17 => format!("({a}).atan2(({b}) * ({b}) + 1.0)"),
        18 => format!("helper({a}, {b})"),
        19 => format!("helper_wrt({a}, 2.0)"),
        // Methods::All only.
        20 => format!("(({a}) * ({a}) + 0.5).powf(({b}).tanh() + 1.0)"),
        21 => format!("(0.8).powf({a}) * (({b}) * ({b})).powf(0.0)"),
        22 => format!("(({a}) * ({a}) + 0.2).cbrt() - (-(({b}) * ({b})) - 0.3).cbrt()"),
        23 => format!("({a}).sin().exp2()"),
        24 => format!("({a}).tanh().exp_m1()"),
        25 => format!("(({a}) * ({a})).ln_1p()"),
        26 => format!("(({a}) * ({a}) + 0.5).log(({b}).sigmoid() + 1.5)"),
        27 => format!("(({a}) * ({a}) + 0.5).log2()"),
        28 => format!("(({a}) * ({a}) + 0.5).log10()"),
        29 => format!("({a}).tanh().tan()"),
        30 => format!("(({a}).tanh() * 0.9).asin()"),
        31 => format!("(({a}).tanh() * 0.9).acos()"),
        32 => format!("({a}).tanh().sinh()"),
        33 => format!("({a}).sin().cosh()"),
        34 => format!("({a}).asinh()"),
        35 => format!("(({a}) * ({a}) + 1.5).acosh()"),
        36 => format!("(({a}).tanh() * 0.9).atanh()"),
        37 => format!("({a}).abs()"),
        38 => format!("({a}).max({b})"),
        39 => format!("({a}).min({b})"),
        40 => format!("({a}).hypot({b})"),
        41 => format!("(({a}) * ({a}) + 0.5).recip()"),
        42 => format!("({a}).relu()"),
        43 => format!("({a}).tanh_fast()"),
        44 => format!("({a}).signum() * ({b})"),
        45 => format!("({a}).floor() * ({b})"),
        46 => format!("({a}).ceil() + ({b})"),
        47 => format!("({a}).round() * ({b})"),
        48 => format!("({a}).trunc() - ({b})"),
        49 => format!("(({a}) * ({a}) + 0.5).powi(-2)"),
        50 => format!("({a}).powi(0) * ({b})"),
        51 => format!("({a}).powi(1)"),
        52 => format!("({a}).sin().powi(4)"),
        53 => format!("({a}).exp().min(4.0)"),
        54 => format!("(({a}) * ({a}) + 0.1).sqrt().max(0.5)"),
        55 => format!("std::f64::consts::PI * ({a})"),
        56 => format!("({a}).relu().powi(2)"),
        57 => format!("({a}).mul_add({a}, {b})"),
        58 => format!("(({a}) * ({a}) + 0.25).ln() * ({b}).cos()"),
        _ => format!("(({a}) - ({b})).abs().powi(3)"),
    }
}

/// A random function of `params` parameters, as `grad!` source.
pub fn program(seed: u64, params: usize) -> String {
    program_with(seed, params, Methods::Smooth)
}

/// A random function of `params` parameters calling `methods`, as `grad!` source.
pub fn program_with(seed: u64, params: usize, methods: Methods) -> String {
    let mut rng = Rng(seed | 1);
    let expr = |rng: &mut Rng, vars: &[String], depth: usize| expr_with(rng, vars, depth, methods);
    let names: Vec<String> = (0..params).map(|i| format!("p{i}")).collect();
    let mut vars = names.clone();
    let mut muts: Vec<String> = Vec::new();
    let mut body = String::new();
    for k in 0..3 + rng.below(8) {
        let e = expr(&mut rng, &vars, 2);
        let c1 = expr(&mut rng, &vars, 1);
        let c2 = expr(&mut rng, &vars, 1);
        match rng.below(9) {
            0 | 1 => {
                body += &format!("let v{k} = {e};\n");
                vars.push(format!("v{k}"));
            }
            2 => {
                body += &format!("let mut m{k} = {e};\n");
                vars.push(format!("m{k}"));
                muts.push(format!("m{k}"));
            }
            3 if !muts.is_empty() => {
                let m = rng.pick(&muts).to_string();
                let op = ["+=", "-=", "*="][rng.below(3)];
                body += &format!("{m} {op} {e};\n");
            }
            4 if !muts.is_empty() => {
                let m = rng.pick(&muts).to_string();
                body += &format!("if {c1} > {c2} {{ {m} = {e}; }} else {{ {m} += {c1}; }}\n");
            }
            5 => {
                body += &format!("let v{k} = if {c1} < {c2} {{ {e} }} else {{ {c1} * {c2} }};\n");
                vars.push(format!("v{k}"));
            }
            6 => body += &format!("if {c1} > {c2} + 1.0 {{ return {e}; }}\n"),
            // A return taken on some paths of an arm only, code after it in the arm.
            7 if !muts.is_empty() => {
                let m = rng.pick(&muts).to_string();
                let c3 = expr(&mut rng, &vars, 1);
                body +=
                    &format!("if {c1} > {c2} {{ if {c3} > 0.5 {{ return {e}; }} {m} += {c3}; }}\n");
            }
            8 if !muts.is_empty() => {
                let m = rng.pick(&muts).to_string();
                body += &format!(
                    "if {c1} < {c2} {{ let t{k} = {e}; if t{k} > 0.0 {{ return t{k}; }} \
                     {m} *= 0.5; }} else {{ {m} -= {c1}; }}\n"
                );
            }
            _ => {
                body += &format!("let v{k} = {e};\n");
                vars.push(format!("v{k}"));
            }
        }
    }
    let tail: Vec<String> = (0..3).map(|_| rng.pick(&vars).to_string()).collect();
    let wrt = if rng.below(3) == 0 && params > 1 {
        format!("#[wrt({})]", names[..params - 1].join(", "))
    } else {
        String::new()
    };
    format!(
        "{CALLEES}\n{wrt}\nfn f({}) {{\n{body}{} * {} + {}\n}}",
        names.join(", "),
        tail[0],
        tail[1],
        tail[2]
    )
}

pub fn parse_all(source: &str) -> Vec<Function> {
    let mut errors = Errors::default();
    let functions = parse_bang(source.parse().expect("tokens"), &mut errors);
    let signatures = Signatures::new(&functions);
    for function in &functions {
        check_function(function, &signatures, &mut errors);
    }
    if let Some(error) = errors.combined() {
        panic!("generated program rejected: {error}\n{source}");
    }
    functions
}

pub fn derive_all(source: &str, functions: &[Function]) -> HashMap<String, crate::ir::Program> {
    let signatures = Signatures::new(functions);
    functions
        .iter()
        .map(|f| {
            let program = derive(f, &signatures, functions)
                .unwrap_or_else(|e| panic!("derive failed: {e}\n{source}"));
            (f.name.to_string(), program)
        })
        .collect()
}

/// 200 programs a run; `AUTOGRAD_RANDOM_PROGRAMS=N` runs more.
fn cases() -> u32 {
    std::env::var("AUTOGRAD_RANDOM_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_programs_match_finite_differences(
        seed in any::<u64>(),
        params in 1usize..4,
        point in prop::collection::vec(-2.0f64..2.0, 3),
    ) {
        let source = program(seed, params);
        let functions = parse_all(&source);
        let programs = derive_all(&source, &functions);
        let names: HashMap<String, Vec<String>> = HashMap::new();
        let interpreter = Interpreter { functions: &programs, params: &names };
        let f = &programs["f"];
        let x = &point[..params];
        let run = interpreter.run(f, x);
        prop_assume!(run.value.is_finite() && run.value.abs() < 1e3);
        // The derived value is the function's, as Rust runs its source.
        let by_name: HashMap<String, &Function> =
            functions.iter().map(|f| (f.name.to_string(), f)).collect();
        let evaluator = Evaluator::new(&by_name);
        let reference = evaluator.call(by_name["f"], x);
        prop_assert!(
            (run.value - reference).abs() <= 1e-12 * (1.0 + reference.abs()),
            "value at {:?}: derived {} vs source {}\n{}", x, run.value, reference, source
        );
        let differentiated: Vec<usize> =
            (0..params).filter(|&i| f.grads[i].is_some()).collect();
        prop_assert_eq!(run.gradient.len(), differentiated.len());
        for (k, &i) in differentiated.iter().enumerate() {
            let h = 1e-6;
            let mut plus = x.to_vec();
            let mut minus = x.to_vec();
            plus[i] += h;
            minus[i] -= h;
            let (up, down) = (interpreter.run(f, &plus), interpreter.run(f, &minus));
            // A step that crosses a branch boundary has no derivative to compare with.
            if up.trace != run.trace || down.trace != run.trace {
                continue;
            }
            let numeric = (up.value - down.value) / (2.0 * h);
            let analytic = run.gradient[k];
            prop_assert!(
                (analytic - numeric).abs() <= 1e-5 * (1.0 + numeric.abs()),
                "∂f/∂p{} at {:?}: analytic {} vs numeric {}\n{}",
                i, x, analytic, numeric, source
            );
        }
    }
}
