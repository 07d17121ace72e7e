//! Property test: loops that read neighbouring elements (`xs[i]`, `xs[i + 1]`, `xs[i - 1]`),
//! the shape of Rosenbrock and of finite differences. Their gradients store into neighbouring
//! elements, which `carry.rs` carries from one iteration to the next, writes once with `=`,
//! and, where the stores fill the whole adjoint array, leaves unzeroed (the interpreter then
//! starts that array as NaN). Ranges `0..xs.len() - 1`, `1..xs.len()`, `1..xs.len() - 1`,
//! `0..=xs.len() - 2`, `2..xs.len()` over lengths 0 to 5 (those that do not wrap around),
//! sums (one pass, fused) and a carried `tanh` (a tape, and a reverse loop that runs
//! downward). Checked as the random loop programs are: value against the evaluator, gradient
//! against finite differences, and the hoisted bounds checks of `bounds.rs` never failing.
//!
//! `AUTOGRAD_STENCILS=N` runs N programs (300 by default).

use proptest::prelude::*;

use super::random_loops::{check_program, Kind};
use super::random_programs::Rng;

/// An array the program loops over: its name and length.
struct Input {
    name: &'static str,
    len: usize,
}

/// `xs[i + o]` for `o` in `offsets`, `p0`, a literal, combined by a few operations.
fn expr(rng: &mut Rng, array: &str, var: &str, offsets: &[i64], depth: usize) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return match rng.below(6) {
            0 => "p0".to_string(),
            1 => ["0.5", "1.5", "2.0"][rng.below(3)].to_string(),
            _ => {
                let o = offsets[rng.below(offsets.len())];
                match o {
                    0 => format!("{array}[{var}]"),
                    o if o > 0 => format!("{array}[{var} + {o}]"),
                    o => format!("{array}[{var} - {}]", -o),
                }
            }
        };
    }
    let a = expr(rng, array, var, offsets, depth - 1);
    match rng.below(7) {
        0 => format!("({a}).tanh()"),
        1 => format!("({a}).sin()"),
        2 => format!("({a}).powi(2)"),
        _ => {
            let b = expr(rng, array, var, offsets, depth - 1);
            let op = ["+", "-", "*"][rng.below(3)];
            format!("({a} {op} {b})")
        }
    }
}

/// A random function of `p0` and two slices (and sometimes `a: [T; 3]`) whose loops read
/// neighbouring elements.
pub fn stencil_program(seed: u64) -> (String, Vec<Kind>) {
    let mut rng = Rng(seed | 1);
    let lens = [0, 1, 2, 3, 4, 5];
    let mut inputs = vec![
        Input {
            name: "xs0",
            len: lens[rng.below(lens.len())],
        },
        Input {
            name: "xs1",
            len: lens[rng.below(lens.len())],
        },
    ];
    let array3 = rng.below(3) == 0;
    if array3 {
        inputs.push(Input { name: "a", len: 3 });
    }
    let mut body = String::from("let mut s = p0 * 0.5;\n");
    let loops = 1 + rng.below(3);
    for l in 0..loops {
        let input = &inputs[rng.below(inputs.len())];
        let (name, len) = (input.name, input.len);
        let var = format!("i{l}");
        // (range, the offsets every iteration may read)
        let (range, offsets): (String, &[i64]) = match rng.below(6) {
            0 if len >= 1 => (format!("0..{name}.len() - 1"), &[0, 1]),
            1 => (format!("1..{name}.len()"), &[-1, 0]),
            2 if len >= 1 => (format!("1..{name}.len() - 1"), &[-1, 0, 1]),
            3 if len >= 2 => (format!("0..={name}.len() - 2"), &[0, 1]),
            4 => (format!("2..{name}.len()"), &[-2, -1, 0]),
            _ => (format!("0..{name}.len()"), &[0]),
        };
        body += &format!("for {var} in {range} {{\n");
        for _ in 0..1 + rng.below(3) {
            let e = expr(&mut rng, name, &var, offsets, 3);
            body += &match rng.below(5) {
                // A carried value that is not a sum: a tape, and a reverse loop downward.
                0 => format!("s = (s * 0.5 + {e}).tanh();\n"),
                1 => format!("s -= {e};\n"),
                _ => format!("s += {e};\n"),
            };
        }
        body += "}\n";
    }
    let mut params = vec!["p0".to_string(), "xs0: &[T]".into(), "xs1: &[T]".into()];
    let mut kinds = vec![
        Kind::Scalar,
        Kind::Slice(inputs[0].len),
        Kind::Slice(inputs[1].len),
    ];
    if array3 {
        params.push("a: [T; 3]".into());
        kinds.push(Kind::Array3);
    }
    let wrt = match rng.below(4) {
        0 => "#[wrt(p0, xs1)]\n",
        _ => "",
    };
    let source = format!("{wrt}fn f({}) {{\n{body}s\n}}", params.join(", "));
    (source, kinds)
}

/// 300 programs a run; `AUTOGRAD_STENCILS=N` runs more.
fn cases() -> u32 {
    std::env::var("AUTOGRAD_STENCILS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn stencil_programs_match_finite_differences(seed in any::<u64>()) {
        let (source, kinds) = stencil_program(seed);
        if let Err(message) = check_program(seed, &source, &kinds) {
            prop_assert!(false, "seed {}: {}", seed, message);
        }
    }
}

#[test]
#[ignore = "a tool: prints a few stencil programs and their gradient code"]
fn print_stencils() {
    for seed in 1..=3u64 {
        let (source, kinds) = stencil_program(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let expanded = crate::expand::grad(source.parse().expect("tokens"));
        println!("{source}\n{kinds:?}\n{expanded}\n");
    }
}
