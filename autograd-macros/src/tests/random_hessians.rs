//! Property test of second order (issue 16): forward over reverse on random programs. The
//! derived gradient program, run by the IR interpreter in dual numbers (`number.rs`) with
//! tangent `v`, gives `H·v`, the mathematics of the generated `f_hvp` (`f_grad` at
//! `autograd::Dual<T>`). At random points of random programs calling every method of the
//! body language (`Methods::All`), scalar ones (`random_programs.rs`) and ones with loops
//! and arrays (`random_loops.rs`), this checks that
//! - the dual run's values are the `f64` run's (value and gradient), and its branches and
//!   kinks the same;
//! - the gradient agrees with central differences of the value (these programs call more
//!   methods than the first-order tests' do);
//! - `H·v` agrees with central differences of the gradient, `(g(x + hv) - g(x - hv)) / 2h`,
//!   for a random `v` and, in scalar programs, for each unit vector `v` (the Hessian's
//!   columns; a loop program has up to 20 of them, checked through the next item instead);
//! - the Hessian assembled from its columns (one dual run each) is symmetric, and `H·v` for
//!   the random `v` is the sum of the columns, both to rounding (see [`ROUNDING`]).
//!
//! Differences are taken as the first-order tests take them: step `1e-6`, agreement within
//! `1e-5 (1 + |difference|)`; a point whose value is not finite or over 1e3, or where any
//! number computed exceeds 1e6 (rounding swallows small terms), is skipped; a comparison whose
//! step crosses a branch or a kink (the traces differ) is not made; nor is one where the
//! differences at steps `1e-7` and `1e-5` disagree with the one at `1e-6` (curvature too large
//! for differences to resolve, near a singularity). The run counts what it compared, and fails
//! if more than a tenth was skipped, so it cannot pass by comparing nothing.
//!
//! `AUTOGRAD_RANDOM_HESSIANS=N` runs N scalar programs (300 by default, 8 points each) and N/5
//! loop programs (3 points each). `hessian_statistics` (ignored) prints the counts and the
//! largest rounding errors seen, against their allowances.

// `H[i][j]` and `v[j]` read as the math.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use super::evaluate::Evaluator;
use super::interpret::{Arg, Interpreter, Run};
use super::number::{Dual, Number};
use super::random_loops::{arguments, local_array_order_rejected, loop_program_with, Kind};
use super::random_programs::{derive_all, parse_all, program_with, Methods, Rng};
use crate::ast::Function;
use crate::ir::Program;

/// The step of the central differences, and the agreement asked of them: those of the
/// first-order tests.
const STEP: f64 = 1e-6;
const TOLERANCE: f64 = 1e-5;

/// Rounding allowed between two computations of one second derivative (`H[i][j]` against
/// `H[j][i]`, a random `H·v` against the sum of the columns): `ROUNDING` times the largest
/// magnitude the dual runs computed (value or tangent), the size of the terms whose rounding
/// errors the two computations accumulate differently; about 9,000 ulps of it. In 1,000
/// programs of each kind the largest error seen was 0.4% of this.
const ROUNDING: f64 = 1e-12;

/// What a program's check compared, and what it could not.
#[derive(Default, Clone, Copy, Debug)]
pub struct Counts {
    pub points: usize,
    /// Points skipped: value not finite or over 1e3, or a number computed over 1e6.
    pub skipped: usize,
    pub compared: usize,
    /// A step crossed a branch or a kink.
    pub crossing: usize,
    /// Differences at three steps disagree with each other.
    pub unreliable: usize,
    /// The largest rounding error seen, as a fraction of its allowance.
    pub worst_rounding: f64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.points += other.points;
        self.skipped += other.skipped;
        self.compared += other.compared;
        self.crossing += other.crossing;
        self.unreliable += other.unreliable;
        self.worst_rounding = self.worst_rounding.max(other.worst_rounding);
    }
}

/// One program of a block, and the numbers it is differentiated in.
struct Subject<'a> {
    interpreter: &'a Interpreter<'a>,
    program: &'a Program,
    names: &'a [String],
    /// The differentiated numbers: (parameter, element).
    coords: Vec<(usize, usize)>,
    /// For each scalar parameter that is differentiated, its place in `Run::gradient`.
    slots: Vec<Option<usize>>,
    source: &'a str,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * (1.0 + b.abs())
}

/// Equal values, NaN equal to NaN (and `0.0` to `-0.0`).
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

impl<'a> Subject<'a> {
    fn new(
        interpreter: &'a Interpreter<'a>,
        program: &'a Program,
        names: &'a [String],
        coords: Vec<(usize, usize)>,
        source: &'a str,
    ) -> Self {
        let mut slot = 0;
        let slots = program
            .grads
            .iter()
            .map(|g| {
                g.map(|_| {
                    slot += 1;
                    slot - 1
                })
            })
            .collect();
        Subject {
            interpreter,
            program,
            names,
            coords,
            slots,
            source,
        }
    }

    fn run<N: Number>(&self, args: &[Arg<N>]) -> Run<N> {
        self.interpreter.run_args(self.program, args, self.names)
    }

    /// The gradient, one entry per differentiated number.
    fn gradient<N: Number>(&self, run: &Run<N>) -> Vec<N> {
        self.coords
            .iter()
            .map(|&(i, e)| match self.slots.get(i).copied().flatten() {
                Some(k) => run.gradient[k],
                None => {
                    run.array_gradients[i]
                        .as_ref()
                        .expect("an adjoint array")
                        .data[e]
                }
            })
            .collect()
    }

    /// `args` moved by `h·v` (one entry of `v` per differentiated number).
    fn shift(&self, args: &[Arg], v: &[f64], h: f64) -> Vec<Arg> {
        let mut args = args.to_vec();
        for (&(i, e), &v) in self.coords.iter().zip(v) {
            match &mut args[i] {
                Arg::Num(x) => *x += h * v,
                Arg::Array(array) => array.data[e] += h * v,
            }
        }
        args
    }

    /// `args` as dual numbers with tangent `v`.
    fn seed(&self, args: &[Arg], v: &[f64]) -> Vec<Arg<Dual>> {
        let mut duals: Vec<Arg<Dual>> = args
            .iter()
            .map(|arg| match arg {
                Arg::Num(x) => Arg::Num(Dual::lit(*x)),
                Arg::Array(array) => Arg::Array(array.map(Dual::lit)),
            })
            .collect();
        for (&(i, e), &v) in self.coords.iter().zip(v) {
            match &mut duals[i] {
                Arg::Num(x) => x.d = v,
                Arg::Array(array) => array.data[e].d = v,
            }
        }
        duals
    }

    /// Central differences of `quantity` (numbers of a run) along `v` at steps 1e-6, then
    /// 1e-7 and 1e-5 where the first disagrees with `want`: each entry `Ok(difference)` or
    /// `Err(why not)`.
    fn differences(
        &self,
        args: &[Arg],
        trace: &[u64],
        v: &[f64],
        want: &[f64],
        quantity: &dyn Fn(&Run) -> Vec<f64>,
        counts: &mut Counts,
    ) -> Vec<Option<f64>> {
        let at = |h: f64| -> Option<Vec<f64>> {
            let (up, down) = (
                self.run(&self.shift(args, v, h)),
                self.run(&self.shift(args, v, -h)),
            );
            (up.trace == trace && down.trace == trace).then(|| {
                let (up, down) = (quantity(&up), quantity(&down));
                up.iter()
                    .zip(&down)
                    .map(|(u, d)| (u - d) / (2.0 * h))
                    .collect()
            })
        };
        let Some(first) = at(STEP) else {
            counts.crossing += want.len();
            return vec![None; want.len()];
        };
        let mut others: Option<Option<(Vec<f64>, Vec<f64>)>> = None;
        let mut out = Vec::with_capacity(want.len());
        for (k, (&numeric, &want)) in first.iter().zip(want).enumerate() {
            if close(want, numeric) {
                counts.compared += 1;
                out.push(Some(numeric));
                continue;
            }
            // The function curves too much for differences to say anything: at other steps
            // they disagree with each other.
            let others = others
                .get_or_insert_with(|| Some((at(STEP / 10.0)?, at(STEP * 10.0)?)))
                .as_ref();
            match others {
                None => counts.crossing += 1,
                Some((small, large)) if !close(small[k], numeric) || !close(large[k], numeric) => {
                    counts.unreliable += 1
                }
                Some(_) => {
                    counts.compared += 1;
                    out.push(Some(numeric));
                    continue;
                }
            }
            out.push(None);
        }
        out
    }

    /// The checks of the module's documentation at `args`, with random direction `v`.
    /// `each`: compare the gradient and the Hessian's columns with differences one
    /// coordinate at a time; otherwise along `v` only (`∇f·v` and `H·v`; the columns are
    /// then checked through the sum that must give `H·v`), which costs 4 runs instead of
    /// `4n` for a program differentiated in `n` numbers.
    fn check_point(&self, args: &[Arg], v: &[f64], each: bool) -> Result<Counts, String> {
        let source = self.source;
        let mut counts = Counts {
            points: 1,
            ..Counts::default()
        };
        let run = self.run(args);
        if !(run.value.is_finite() && run.value.abs() < 1e3) || run.largest > 1e6 {
            counts.skipped += 1;
            return Ok(counts);
        }
        let g = self.gradient(&run);
        let n = self.coords.len();
        // First order: the gradient against differences of the value.
        let directions: Vec<Vec<f64>> = if each {
            (0..n).map(|k| unit(n, k)).collect()
        } else {
            vec![v.to_vec()]
        };
        for direction in &directions {
            let slope: f64 = g.iter().zip(direction).map(|(g, v)| g * v).sum();
            let numeric = self.differences(
                args,
                &run.trace,
                direction,
                &[slope],
                &|r| vec![r.value],
                &mut counts,
            );
            if let Some(numeric) = numeric[0] {
                if !close(slope, numeric) {
                    return Err(format!(
                        "∇f·v at {args:?}, v = {direction:?}: analytic {slope} vs numeric \
                         {numeric}\n{source}"
                    ));
                }
            }
        }
        // Second order: the columns of the Hessian, then the random direction.
        let mut columns: Vec<Vec<f64>> = Vec::with_capacity(n);
        let mut largest: f64 = 0.0;
        for k in 0..=n {
            let direction = if k < n { unit(n, k) } else { v.to_vec() };
            let dual = self.run(&self.seed(args, &direction));
            largest = largest.max(dual.largest);
            let dual_g = self.gradient(&dual);
            if dual.trace != run.trace
                || !same(dual.value.v, run.value)
                || dual_g.iter().zip(&g).any(|(d, g)| !same(d.v, *g))
            {
                return Err(format!(
                    "at {args:?}, the dual run's values are not the f64 run's: value {:?} vs {}, \
                     gradient {dual_g:?} vs {g:?}\n{source}",
                    dual.value, run.value
                ));
            }
            let hv: Vec<f64> = dual_g.iter().map(|d| d.d).collect();
            if k < n && !each {
                columns.push(hv);
                continue;
            }
            let numeric = self.differences(
                args,
                &run.trace,
                &direction,
                &hv,
                &|r| self.gradient(r),
                &mut counts,
            );
            for (i, (&hv, numeric)) in hv.iter().zip(&numeric).enumerate() {
                if let Some(numeric) = *numeric {
                    if !close(hv, numeric) {
                        return Err(format!(
                            "(H·v)[{i}] ({:?}) at {args:?}, v = {direction:?}: forward over \
                             reverse {hv} vs differences of the gradient {numeric}\n{source}",
                            self.coords[i]
                        ));
                    }
                }
            }
            if k < n {
                columns.push(hv);
            } else {
                let allowed = ROUNDING * largest;
                for i in 0..n {
                    let sum: f64 = (0..n).map(|j| columns[j][i] * v[j]).sum();
                    let error = (hv[i] - sum).abs();
                    counts.worst_rounding = counts.worst_rounding.max(error / allowed);
                    if error > allowed {
                        return Err(format!(
                            "(H·v)[{i}] at {args:?}, v = {v:?}: {} vs the sum of the Hessian's \
                             columns {sum} (allowed {allowed:e})\n{source}",
                            hv[i]
                        ));
                    }
                }
            }
        }
        let allowed = ROUNDING * largest;
        for i in 0..n {
            for j in 0..i {
                let error = (columns[j][i] - columns[i][j]).abs();
                counts.worst_rounding = counts.worst_rounding.max(error / allowed);
                if error > allowed {
                    return Err(format!(
                        "at {args:?}, the Hessian is not symmetric: H[{i}][{j}] = {}, \
                         H[{j}][{i}] = {} (allowed {allowed:e})\n{source}",
                        columns[j][i], columns[i][j]
                    ));
                }
            }
        }
        Ok(counts)
    }
}

/// The `k`-th of the `n` unit vectors.
fn unit(n: usize, k: usize) -> Vec<f64> {
    let mut unit = vec![0.0; n];
    unit[k] = 1.0;
    unit
}

/// A number in [-1, 1).
fn uniform(rng: &mut Rng) -> f64 {
    (rng.below(1 << 20) as f64 / f64::from(1 << 20)) * 2.0 - 1.0
}

/// The parameters' names of each function of a block.
fn param_names(functions: &[Function]) -> HashMap<String, Vec<String>> {
    functions
        .iter()
        .map(|f| {
            let params = f.params.iter().map(|p| p.name.to_string()).collect();
            (f.name.to_string(), params)
        })
        .collect()
}

pub const SCALAR_POINTS: usize = 8;
pub const LOOP_POINTS: usize = 3;

/// A random scalar program of `params` parameters, checked at [`SCALAR_POINTS`] points of
/// [-2, 2)^params.
pub fn check_scalar_program(seed: u64, params: usize) -> Result<Counts, String> {
    let source = program_with(seed, params, Methods::All);
    let functions = parse_all(&source);
    let programs = derive_all(&source, &functions);
    let names = param_names(&functions);
    let interpreter = Interpreter {
        functions: &programs,
        params: &names,
    };
    let program = &programs["f"];
    let coords = (0..params)
        .filter(|&i| program.grads[i].is_some())
        .map(|i| (i, 0))
        .collect();
    let subject = Subject::new(&interpreter, program, &names["f"], coords, &source);
    let by_name: HashMap<String, &Function> =
        functions.iter().map(|f| (f.name.to_string(), f)).collect();
    let evaluator = Evaluator::new(&by_name);
    let mut rng = Rng(seed.rotate_left(29) | 1);
    let mut counts = Counts::default();
    for _ in 0..SCALAR_POINTS {
        let x: Vec<f64> = (0..params).map(|_| 2.0 * uniform(&mut rng)).collect();
        let v: Vec<f64> = subject.coords.iter().map(|_| uniform(&mut rng)).collect();
        let args: Vec<Arg> = x.iter().map(|&x| Arg::Num(x)).collect();
        // The derived value is the function's, as Rust runs its source.
        let (value, reference) = (subject.run(&args).value, evaluator.call(by_name["f"], &x));
        if !same(value, reference) && (value - reference).abs() > 1e-12 * (1.0 + reference.abs()) {
            return Err(format!(
                "value at {x:?}: derived {value} vs source {reference}\n{source}"
            ));
        }
        counts.add(subject.check_point(&args, &v, true)?);
    }
    Ok(counts)
}

/// A random program with loops and arrays, checked at [`LOOP_POINTS`] points; every scalar
/// and every element of every array it is differentiated in is a coordinate of the Hessian.
pub fn check_loop_program(seed: u64) -> Result<Counts, String> {
    let (source, kinds) = loop_program_with(seed, Methods::All);
    let mut counts = Counts::default();
    // (Programs `check` rejects are not compared, as in `random_loops.rs`.)
    if local_array_order_rejected(&source).is_some() {
        return Ok(counts);
    }
    let functions = parse_all(&source);
    let programs = derive_all(&source, &functions);
    let names = param_names(&functions);
    let interpreter = Interpreter {
        functions: &programs,
        params: &names,
    };
    let program = &programs["f"];
    let f = functions.iter().find(|f| f.name == "f").expect("f");
    let mut coords = Vec::new();
    for (i, (param, kind)) in f.params.iter().zip(&kinds).enumerate() {
        if !f.is_wrt(&param.name) {
            continue;
        }
        let elements = match kind {
            Kind::Scalar => 1,
            Kind::Slice(len) => *len,
            Kind::Array3 => 3,
            Kind::Rows(rows) => 2 * rows,
        };
        coords.extend((0..elements).map(|e| (i, e)));
    }
    let subject = Subject::new(&interpreter, program, &names["f"], coords, &source);
    let mut rng = Rng(seed.rotate_left(17) | 1);
    for _ in 0..LOOP_POINTS {
        let args = arguments(&mut rng, &kinds);
        let v: Vec<f64> = subject.coords.iter().map(|_| uniform(&mut rng)).collect();
        counts.add(subject.check_point(&args, &v, false)?);
    }
    Ok(counts)
}

/// 300 scalar programs (2,400 points, about 1 s in a debug build) and 60 loop programs (180
/// points, about 2 s: each point runs the program once per differentiated number, up to 20)
/// a run; `AUTOGRAD_RANDOM_HESSIANS=N` runs N and N/5.
fn cases() -> u64 {
    std::env::var("AUTOGRAD_RANDOM_HESSIANS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// The first seed of a run: `AUTOGRAD_RANDOM_HESSIANS_SEED`, or a new one each run (so runs
/// explore new programs, as the first-order property tests do), printed on failure.
fn base_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::env::var("AUTOGRAD_RANDOM_HESSIANS_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        })
}

/// Checks `count` programs from seeds after `base`; panics at the first disagreement, or when
/// the run compared too little to mean anything: more than a tenth of the points skipped, or
/// of the comparisons not made (a step crossed a branch or a kink, or the differences were
/// unreliable). In 1,000 programs of each kind, 0.1% (scalar) and 2% (loops) of the points
/// were skipped, and fewer than 0.1% of the comparisons not made; a single program can have
/// most of its comparisons unreliable (curvature too large), so the count is over the run.
fn check_many(kind: &str, count: u64, check: impl Fn(u64, u64) -> Result<Counts, String>) {
    let base = base_seed();
    let mut total = Counts::default();
    for n in 0..count {
        let seed = base.wrapping_add(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        match check(seed, n) {
            Ok(counts) => total.add(counts),
            Err(message) => panic!(
                "{kind} program of seed {seed} (AUTOGRAD_RANDOM_HESSIANS_SEED={base} runs this \
                 run again): {message}"
            ),
        }
    }
    let tried = total.compared + total.crossing + total.unreliable;
    assert!(
        total.skipped * 10 <= total.points && total.compared * 10 >= tried * 9,
        "{kind} programs compared too little: {total:?} (AUTOGRAD_RANDOM_HESSIANS_SEED={base})"
    );
}

#[test]
fn random_hessians_match_differences_of_the_gradient() {
    check_many("scalar", cases(), |seed, n| {
        check_scalar_program(seed, 1 + (n % 3) as usize)
    });
}

#[test]
fn random_loop_hessians_match_differences_of_the_gradient() {
    check_many("loop", cases() / 5, |seed, _| check_loop_program(seed));
}

/// Runs `AUTOGRAD_RANDOM_HESSIANS` scalar and loop programs (1,000 if unset) from consecutive
/// seeds and prints the counts, the largest rounding error against its allowance, and the
/// shortest failures.
#[test]
#[ignore = "a tool: AUTOGRAD_RANDOM_HESSIANS=N cargo test hessian_statistics -- --ignored --nocapture"]
fn hessian_statistics() {
    let count: u64 = std::env::var("AUTOGRAD_RANDOM_HESSIANS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    for loops in [false, true] {
        let mut total = Counts::default();
        let mut failures: Vec<(u64, String)> = Vec::new();
        for n in 0..count {
            let seed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let result = if loops {
                check_loop_program(seed)
            } else {
                check_scalar_program(seed, 1 + (n % 3) as usize)
            };
            match result {
                Ok(counts) => total.add(counts),
                Err(message) => failures.push((seed, message)),
            }
        }
        failures.sort_by_key(|(_, m)| m.len());
        for (seed, message) in failures.iter().take(3) {
            println!("seed {seed}: {message}\n");
        }
        println!(
            "{} {count} programs, {} failed: {total:?}",
            if loops { "loop" } else { "scalar" },
            failures.len()
        );
    }
}
