//! Property test: random programs with loops and arrays (DESIGN.md §2b): ranges over slice
//! lengths and literals (`..` and `..=`, bounds that use an outer index), `for &x in xs`, zips,
//! nested loops, scalars carried across iterations (`+=`, `-=`, `*=`, `=` of nonlinear
//! functions), `if` inside loops, reads at `i`, `i + 1`, `i - 1` where in range, and local
//! arrays written (`=`, `+=`, `-=`) before they are read, or read in the iteration that wrote
//! them, and calls that pass arrays, rows and local arrays to functions of the block (lowered
//! in place, `ARRAY_CALLEES`). Slice lengths are random, 0 and 1 included; the generator knows them, so every read is
//! in bounds. The derived value must be the AST evaluator's, and the derived gradient (of every
//! scalar and of every element of every differentiated array) central finite differences of
//! the derived value; and the whole expansion must go through without an error.
//!
//! `AUTOGRAD_RANDOM_LOOPS=N` runs N programs (200 by default). `AUTOGRAD_RANDOM_LOOPS_BEYOND=1`
//! also writes the patterns `grad!` gets wrong today, kept out of the default run until they
//! are fixed or rejected: a store into a local array in an `if` arm (lost from the gradient),
//! `h[j] += e` then a read of `h[j]` in the same iteration (the reverse loop replays the `+=`),
//! a loop in an `if` arm (its tape is out of the reverse arm's scope), and a local array
//! written again after a loop read it (that loop's reverse replays it on the new values). Tools, all
//! `#[ignore]`d: `many_loop_programs` (runs many seeds, counts, prints the shortest failures),
//! `print_samples`, `probe` and `probe_values` (a program from a file), and `compile_check`
//! (writes a crate that runs the compiled `f_grad` of the programs, to compare with the
//! interpreter).

use std::collections::HashMap;

use proptest::prelude::*;

use super::evaluate::Evaluator;
use super::interpret::{Arg, Array, Interpreter};
use super::random_programs::{derive_all, expr_with, parse_all, Methods, Rng, CALLEES};
use crate::ast::Function;

/// A parameter of a generated function.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Scalar,
    /// `&[T]` of this length.
    Slice(usize),
    /// `[T; 3]`.
    Array3,
    /// `&[[T; 2]]` of this many rows.
    Rows(usize),
}

/// A local array: its length, whether it may still be written (no loop read it yet), and
/// whether something was stored into it.
struct Local {
    name: String,
    len: usize,
    writable: bool,
    stored: bool,
    /// Stored into at an index of the loop being written, and read there: no other element
    /// may be read until the loops end.
    locked: bool,
    /// How many loops its declaration is in: an array declared in a loop's body is new in
    /// each iteration.
    depth: usize,
}

/// A loop variable and the range its values lie in, `lo..hi` (empty when `hi <= lo`: the
/// body then never runs, and any read in it is in bounds).
struct LoopVar {
    name: String,
    lo: usize,
    hi: usize,
}

struct Gen {
    rng: Rng,
    /// Input arrays: name, length, and whether `for &x in` takes it (a slice).
    inputs: Vec<(String, usize, bool)>,
    /// Input rows: name and number of rows (of 2).
    rows: Vec<(String, usize)>,
    /// Whether to also write the patterns `grad!` gets wrong today
    /// (`AUTOGRAD_RANDOM_LOOPS_BEYOND`, see the module's documentation).
    beyond: bool,
    /// The methods expressions call.
    methods: Methods,
    locals: Vec<Local>,
    /// Numbers in scope.
    vars: Vec<String>,
    /// `let mut` numbers in scope.
    muts: Vec<String>,
    loops: Vec<LoopVar>,
    /// How many loops (of any kind) the current statement is in.
    loop_depth: usize,
    /// How many `if` arms the current statement is in.
    if_depth: usize,
    /// `h[j]` readable in the rest of this iteration: stored with `=` in it.
    written: Vec<String>,
    fresh: usize,
}

impl Gen {
    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn chance(&mut self, n: usize) -> bool {
        self.rng.below(n) == 0
    }

    /// The numbers an expression may read here: variables, and elements in bounds.
    fn atoms(&mut self) -> Vec<String> {
        let mut atoms = self.vars.clone();
        for v in &self.loops {
            let empty = v.hi <= v.lo;
            for (name, len, _) in &self.inputs {
                if empty || v.hi <= *len {
                    atoms.push(format!("{name}[{}]", v.name));
                }
                if empty || v.hi < *len {
                    atoms.push(format!("{name}[{} + 1]", v.name));
                }
                if empty || (v.lo >= 1 && v.hi <= len + 1) {
                    atoms.push(format!("{name}[{} - 1]", v.name));
                }
            }
            for (name, rows) in &self.rows {
                if empty || v.hi <= *rows {
                    atoms.push(format!("{name}[{}][{}]", v.name, v.lo % 2));
                    for w in &self.loops {
                        if w.hi <= w.lo || w.hi <= 2 {
                            atoms.push(format!("{name}[{}][{}]", v.name, w.name));
                        }
                    }
                }
            }
            for local in &self.locals {
                if !local.writable && !local.locked && (empty || v.hi <= local.len) {
                    atoms.push(format!("{}[{}]", local.name, v.name));
                }
            }
        }
        for (name, len, _) in &self.inputs {
            if *len > 0 && self.rng.below(3) == 0 {
                let k = self.rng.below(*len);
                atoms.push(format!("{name}[{k}]"));
            }
            // Only in a loop: a body without one takes the fast path, which reads `xs.len()`
            // as a method of a number and rejects it (reported).
            if !self.loops.is_empty() && self.rng.below(6) == 0 {
                atoms.push(format!("{name}.len()"));
            }
        }
        for local in &self.locals {
            if !local.writable && !local.locked {
                let k = self.rng.below(local.len);
                atoms.push(format!("{}[{k}]", local.name));
            }
        }
        atoms.extend(self.written.iter().cloned());
        if self.chance(4) {
            if let Some(call) = self.array_call() {
                atoms.push(call);
            }
        }
        atoms
    }

    /// A call of one of `ARRAY_CALLEES` with arrays in scope: whole inputs, rows at a loop
    /// variable in range, local arrays that are read from here on.
    fn array_call(&mut self) -> Option<String> {
        let mut slices = Vec::new();
        let mut pairs = Vec::new();
        for (name, _, slice) in &self.inputs {
            slices.push(if *slice {
                name.clone()
            } else {
                format!("&{name}")
            });
        }
        for (name, rows) in &self.rows {
            for v in &self.loops {
                if v.hi <= v.lo || v.hi <= *rows {
                    slices.push(format!("&{name}[{}]", v.name));
                    pairs.push(format!("{name}[{}]", v.name));
                }
            }
        }
        for local in &self.locals {
            if !local.writable && !local.locked {
                slices.push(format!("&{}", local.name));
                if local.len == 2 {
                    pairs.push(local.name.clone());
                }
            }
        }
        let k = self.vars[self.rng.below(self.vars.len())].clone();
        let rng = &mut self.rng;
        let mut pick = |list: &[String]| list.get(rng.below(list.len().max(1))).cloned();
        let (slice, other, pair) = (pick(&slices)?, pick(&slices)?, pick(&pairs));
        // A loop that needs a tape is not supported in an arm (reported).
        let in_arm = self.if_depth > 0 && !self.beyond;
        Some(match self.rng.below(6) {
            0 => format!("sum_sq({slice})"),
            1 if pair.is_some() => format!("pair({}, {k})", pair.unwrap_or_default()),
            2 => format!("dot_zip({slice}, {other}, {k})"),
            3 if !self.rows.is_empty() => format!("rows_total({}, {k})", self.rows[0].0),
            4 if !in_arm => format!("carried({slice}, {k})"),
            _ => format!("early({slice}, {k})"),
        })
    }

    fn expr(&mut self, depth: usize) -> String {
        let atoms = self.atoms();
        expr_with(&mut self.rng, &atoms, depth, self.methods)
    }

    /// `m += e;`, `m = (m * c + e).tanh();`, ...
    fn update(&mut self) -> Option<String> {
        if self.muts.is_empty() {
            return None;
        }
        let m = self.muts[self.rng.below(self.muts.len())].clone();
        let e = self.expr(2);
        Some(match self.rng.below(7) {
            0 | 1 => format!("{m} += {e};\n"),
            2 => format!("{m} -= {e};\n"),
            3 => format!("{m} *= ({e}).tanh() * 0.25 + 1.0;\n"),
            4 => format!("{m} = ({m} * 0.9 + {e}).tanh();\n"),
            5 => format!("{m} = ({m}).sin() + ({e}) * 0.5;\n"),
            _ => format!("{m} = ({m} * {m} + 1.0).ln() * ({e}).sigmoid();\n"),
        })
    }

    /// A store into a writable local array at a loop variable in its bounds (or a literal
    /// index outside loops).
    fn store(&mut self) -> Option<String> {
        // A store in an arm is lost from the gradient today (reported).
        if self.if_depth > 0 && !self.beyond {
            return None;
        }
        let mut choices = Vec::new();
        for (l, local) in self.locals.iter().enumerate() {
            if !local.writable {
                continue;
            }
            for (depth, v) in self.loops.iter().enumerate() {
                if v.hi <= v.lo || v.hi <= local.len {
                    choices.push((l, Some(depth)));
                }
            }
            // At a literal index: outside loops, or into an array new in this iteration.
            if local.depth == self.loop_depth {
                choices.push((l, None));
            }
        }
        if choices.is_empty() {
            return None;
        }
        let (l, depth) = choices[self.rng.below(choices.len())];
        let e = self.expr(2);
        let name = self.locals[l].name.clone();
        let index = match depth {
            Some(depth) => self.loops[depth].name.clone(),
            None => self.rng.below(self.locals[l].len).to_string(),
        };
        let op = ["=", "+=", "-="][self.rng.below(3)];
        self.locals[l].stored = true;
        // `h[j] = e` at the innermost loop's variable: `h[j]` is readable in the rest of the
        // iteration, and the array is read from then on.
        let innermost = depth.is_some() && depth == self.loops.len().checked_sub(1);
        if depth.is_none() && self.loop_depth > 0 && self.chance(2) {
            // Read from here on in this iteration (the array is made again in the next).
            self.locals[l].writable = false;
        }
        if (op == "=" || self.beyond) && innermost && self.chance(2) {
            self.written.push(format!("{name}[{index}]"));
            self.locals[l].writable = false;
            self.locals[l].locked = true;
        }
        Some(format!("{name}[{index}] {op} {e};\n"))
    }

    /// Statements of a block (the function's body at depth 0, or a loop's or an arm's).
    fn stmts(&mut self, count: usize, depth: usize, out: &mut String) {
        for _ in 0..count {
            self.stmt(depth, out);
            // Outside loops, an array written so far may be read from here on.
            if self.loop_depth == 0 {
                for local in &mut self.locals {
                    local.locked = false;
                }
                for l in 0..self.locals.len() {
                    if self.locals[l].stored && self.chance(2) {
                        self.locals[l].writable = false;
                    } else if self.beyond && !self.locals[l].writable && self.chance(4) {
                        // Written again after loops read it: the reverse of those loops
                        // replays them on the new values.
                        self.locals[l].writable = true;
                    }
                }
            }
        }
    }

    fn stmt(&mut self, depth: usize, out: &mut String) {
        let in_loop = self.loop_depth > 0;
        match self.rng.below(12) {
            0 | 1 => {
                let e = self.expr(2);
                let v = self.name("v");
                *out += &format!("let {v} = {e};\n");
                self.vars.push(v);
            }
            2 if !in_loop || self.chance(3) => {
                let e = self.expr(1);
                let m = self.name("m");
                *out += &format!("let mut {m} = {e};\n");
                self.vars.push(m.clone());
                self.muts.push(m);
            }
            3 | 4 => match self.update() {
                Some(update) => *out += &update,
                None => self.stmt(depth, out),
            },
            5 => match self.store() {
                Some(store) => *out += &store,
                None => self.stmt(depth, out),
            },
            6 if depth < 2 && (!in_loop || self.chance(2)) => {
                let len = 1 + self.rng.below(3);
                let h = self.name("h");
                let init = ["0.0", "1.0", "0.5"][self.rng.below(3)];
                *out += &format!("let mut {h} = [{init}; {len}];\n");
                self.locals.push(Local {
                    name: h,
                    len,
                    writable: true,
                    stored: false,
                    locked: false,
                    depth: self.loop_depth,
                });
            }
            // A local array filled by a loop over its indices (a store at the loop's variable,
            // maybe inside inner loops over inputs), read from then on.
            8 if depth < 2 && self.chance(2) => {
                let len = 1 + self.rng.below(4);
                let h = self.name("h");
                let init = ["0.0", "1.0"][self.rng.below(2)];
                *out += &format!("let mut {h} = [{init}; {len}];\n");
                self.locals.push(Local {
                    name: h.clone(),
                    len,
                    writable: true,
                    stored: true,
                    locked: false,
                    depth: self.loop_depth,
                });
                let j = self.name("j");
                let head = if self.chance(2) {
                    format!("0..{h}.len()")
                } else {
                    format!("0..{len}")
                };
                *out += &format!("for {j} in {head} {{\n");
                self.scoped(
                    |g, out| {
                        g.loops.push(LoopVar {
                            name: j.clone(),
                            lo: 0,
                            hi: len,
                        });
                        g.loop_depth += 1;
                        let n = g.rng.below(3);
                        g.stmts(n, depth + 1, out);
                        let e = g.expr(2);
                        let op = ["=", "+=", "-="][g.rng.below(3)];
                        if g.locals.iter().any(|l| l.name == h && l.writable) {
                            *out += &format!("{h}[{j}] {op} {e};\n");
                        }
                        g.loops.pop();
                        g.loop_depth -= 1;
                    },
                    out,
                );
                *out += "}\n";
                if let Some(local) = self.locals.iter_mut().find(|l| l.name == h) {
                    local.writable = false;
                }
            }
            7 if in_loop => {
                let c1 = self.expr(1);
                let c2 = self.expr(1);
                *out += &format!("if {c1} > {c2} {{\n");
                self.if_depth += 1;
                self.scoped(
                    |g, out| {
                        let n = 1 + g.rng.below(2);
                        g.stmts(n, depth + 1, out)
                    },
                    out,
                );
                if self.chance(2) {
                    *out += "} else {\n";
                    self.scoped(
                        |g, out| {
                            let n = 1 + g.rng.below(2);
                            g.stmts(n, depth + 1, out)
                        },
                        out,
                    );
                }
                self.if_depth -= 1;
                *out += "}\n";
            }
            // A loop in an arm keeps its tape in the arm, out of the reverse arm's reach
            // (reported).
            _ if depth < 3 && (self.if_depth == 0 || self.beyond) => self.for_loop(depth, out),
            _ => match self.update() {
                Some(update) => *out += &update,
                None => self.stmt(depth, out),
            },
        }
    }

    /// Runs `f` in a new scope: names it declares are gone after it.
    fn scoped(&mut self, f: impl FnOnce(&mut Gen, &mut String), out: &mut String) {
        let (vars, muts, locals, written) = (
            self.vars.len(),
            self.muts.len(),
            self.locals.len(),
            self.written.len(),
        );
        f(self, out);
        self.vars.truncate(vars);
        self.muts.truncate(muts);
        // A local array of an outer scope that this one read is read from then on.
        let read: Vec<String> = self.written[written..].to_vec();
        self.written.truncate(written);
        self.locals.truncate(locals);
        for local in &mut self.locals {
            if read.iter().any(|r| {
                r.strip_prefix(&local.name)
                    .is_some_and(|r| r.starts_with('['))
            }) {
                local.writable = false;
            }
        }
    }

    fn for_loop(&mut self, depth: usize, out: &mut String) {
        let i = self.name("i");
        let slices: Vec<(String, usize)> = self
            .inputs
            .iter()
            .filter(|(_, _, slice)| *slice)
            .map(|(n, l, _)| (n.clone(), *l))
            .collect();
        let any: Vec<(String, usize)> = self
            .inputs
            .iter()
            .map(|(n, l, _)| (n.clone(), *l))
            .collect();
        let (head, lo, hi, elems): (String, usize, usize, Vec<String>) = match self.rng.below(12) {
            0 | 1 => {
                let (a, len) = any[self.rng.below(any.len())].clone();
                (format!("{i} in 0..{a}.len()"), 0, len, vec![])
            }
            2 => {
                let (a, len) = any[self.rng.below(any.len())].clone();
                (format!("{i} in 1..{a}.len()"), 1, len, vec![])
            }
            3 => {
                let (a, len) = any[self.rng.below(any.len())].clone();
                if len == 0 {
                    (format!("{i} in 0..{a}.len()"), 0, 0, vec![])
                } else {
                    (format!("{i} in 0..{a}.len() - 1"), 0, len - 1, vec![])
                }
            }
            4 => {
                let k = self.rng.below(4);
                (format!("{i} in 0..{k}"), 0, k, vec![])
            }
            5 => {
                let k = self.rng.below(3);
                (format!("{i} in 0..={k}"), 0, k + 1, vec![])
            }
            6 if !self.loops.is_empty() => {
                let u = &self.loops[self.rng.below(self.loops.len())];
                let (name, ulo, uhi) = (u.name.clone(), u.lo, u.hi);
                match self.rng.below(4) {
                    0 => (
                        format!("{i} in 0..{name}"),
                        0,
                        uhi.saturating_sub(1),
                        vec![],
                    ),
                    1 => (format!("{i} in 0..{name} + 1"), 0, uhi, vec![]),
                    2 => (format!("{i} in 0..={name}"), 0, uhi, vec![]),
                    _ => {
                        let (a, len) = any[self.rng.below(any.len())].clone();
                        (format!("{i} in {name}..{a}.len()"), ulo, len, vec![])
                    }
                }
            }
            7 if !self.locals.is_empty() => {
                let local = &self.locals[self.rng.below(self.locals.len())];
                let (name, len) = (local.name.clone(), local.len);
                if self.chance(2) {
                    (format!("{i} in 0..{name}.len()"), 0, len, vec![])
                } else {
                    (format!("{i} in 0..{len}"), 0, len, vec![])
                }
            }
            10 if !self.rows.is_empty() => {
                let (m, rows) = self.rows[self.rng.below(self.rows.len())].clone();
                let over_row = self
                    .loops
                    .iter()
                    .find(|v| v.hi <= v.lo || v.hi <= rows)
                    .map(|v| v.name.clone());
                match over_row {
                    Some(v) if self.chance(2) => {
                        (format!("{i} in 0..{m}[{v}].len()"), 0, 2, vec![])
                    }
                    _ => (format!("{i} in 0..{m}.len()"), 0, rows, vec![]),
                }
            }
            8 if !slices.is_empty() => {
                let (a, _) = slices[self.rng.below(slices.len())].clone();
                let x = self.name("x");
                (format!("&{x} in {a}"), 0, 0, vec![x])
            }
            9 if slices.len() >= 2 => {
                let a = self.rng.below(slices.len());
                let b = (a + 1 + self.rng.below(slices.len() - 1)) % slices.len();
                let (x, y) = (self.name("x"), self.name("y"));
                (
                    format!(
                        "(&{x}, &{y}) in {}.iter().zip({})",
                        slices[a].0, slices[b].0
                    ),
                    0,
                    0,
                    vec![x, y],
                )
            }
            _ => {
                let (a, len) = any[self.rng.below(any.len())].clone();
                (format!("{i} in 0..{a}.len()"), 0, len, vec![])
            }
        };
        *out += &format!("for {head} {{\n");
        self.scoped(
            |g, out| {
                if elems.is_empty() {
                    g.loops.push(LoopVar { name: i, lo, hi });
                }
                g.vars.extend(elems.iter().cloned());
                g.loop_depth += 1;
                let n = 1 + g.rng.below(4);
                g.stmts(n, depth + 1, out);
                // Most loops carry something.
                if g.chance(2) {
                    if let Some(update) = g.update() {
                        *out += &update;
                    }
                }
                if elems.is_empty() {
                    g.loops.pop();
                }
                g.loop_depth -= 1;
            },
            out,
        );
        *out += "}\n";
    }
}

/// Functions that loop programs call with arrays: numbers, a nested call, an early return
/// before a local array, a carried variable that needs a tape. Their loop variables and local
/// arrays are named like the program's (`i1`, `h2`), so some are renamed where they are
/// lowered.
const ARRAY_CALLEES: &str = "
    fn sum_sq(v: &[T]) { let mut s = 0.0; for &x in v { s += x * x; } s }
    fn pair(r: [T; 2], k) { (r[0] * k).sin() + r[1] * r[1] }
    fn dot_zip(u: &[T], v: &[T], c) {
        let mut s = c;
        for (&a, &b) in u.iter().zip(v) { s += a * b; }
        s.tanh()
    }
    fn rows_total(m: &[[T; 2]], k) {
        let mut s = 0.0;
        for i1 in 0..m.len() { s += pair(m[i1], k) * sum_sq(&m[i1]); }
        s
    }
    fn early(v: &[T], k) {
        if k > 1.0 { return k; }
        let mut h2 = [0.0; 2];
        for i2 in 0..v.len() { h2[i2 % 2] += (v[i2] * k).sin(); }
        h2[0] * h2[1] + k
    }
    fn carried(v: &[T], k) {
        let mut s = k;
        for i3 in 0..v.len() { s = (s * 0.5 + v[i3]).tanh(); }
        s
    }
";

/// A random function with loops over arrays, as `grad!` source, and its parameters.
pub fn loop_program(seed: u64) -> (String, Vec<Kind>) {
    loop_program_with(seed, Methods::Smooth)
}

/// A random function with loops over arrays calling `methods`, and its parameters.
pub fn loop_program_with(seed: u64, methods: Methods) -> (String, Vec<Kind>) {
    let mut rng = Rng(seed | 1);
    let scalars = 1 + rng.below(3);
    let slices = 1 + rng.below(2);
    let array3 = rng.below(3) == 0;
    let mut kinds = vec![Kind::Scalar; scalars];
    let mut names: Vec<String> = (0..scalars).map(|i| format!("p{i}")).collect();
    let mut params: Vec<String> = names.clone();
    let mut inputs = Vec::new();
    for s in 0..slices {
        let len = [0, 1, 1, 2, 3, 3, 4, 5][rng.below(8)];
        let name = format!("xs{s}");
        params.push(format!("{name}: &[T]"));
        names.push(name.clone());
        inputs.push((name, len, true));
        kinds.push(Kind::Slice(len));
    }
    let mut rows = Vec::new();
    if rng.below(3) == 0 {
        let count = [0, 1, 2, 3][rng.below(4)];
        params.push("m: &[[T; 2]]".to_string());
        names.push("m".to_string());
        rows.push(("m".to_string(), count));
        kinds.push(Kind::Rows(count));
    }
    if array3 {
        params.push("a: [T; 3]".to_string());
        names.push("a".to_string());
        inputs.push(("a".to_string(), 3, false));
        kinds.push(Kind::Array3);
    }
    let mut gen = Gen {
        rng,
        inputs,
        rows,
        beyond: std::env::var_os("AUTOGRAD_RANDOM_LOOPS_BEYOND").is_some(),
        methods,
        locals: Vec::new(),
        vars: names[..scalars].to_vec(),
        muts: Vec::new(),
        loops: Vec::new(),
        loop_depth: 0,
        if_depth: 0,
        written: Vec::new(),
        fresh: 0,
    };
    let mut body = String::new();
    // A carried sum first, so that most loops have something to carry.
    let e = gen.expr(1);
    body += &format!("let mut s = {e};\n");
    gen.vars.push("s".to_string());
    gen.muts.push("s".to_string());
    let n = 2 + gen.rng.below(5);
    gen.stmts(n, 0, &mut body);
    // The result reads every carried variable, and some local arrays.
    let mut tail: Vec<String> = gen.muts.clone();
    for _ in 0..2 {
        let atoms = gen.atoms();
        tail.push(atoms[gen.rng.below(atoms.len())].clone());
    }
    let tail = tail.join(" + ");
    let wrt = if gen.rng.below(3) == 0 {
        let chosen: Vec<&str> = names
            .iter()
            .filter(|_| gen.rng.below(2) == 0)
            .map(String::as_str)
            .collect();
        if chosen.is_empty() {
            String::new()
        } else {
            format!("#[wrt({})]", chosen.join(", "))
        }
    } else {
        String::new()
    };
    let source = format!(
        "{CALLEES}\n{ARRAY_CALLEES}\n{wrt}\nfn f({}) {{\n{body}{tail}\n}}",
        params.join(", ")
    );
    (source, kinds)
}

/// The arguments for `kinds`, in [-1.5, 1.5).
pub fn arguments(rng: &mut Rng, kinds: &[Kind]) -> Vec<Arg> {
    let mut number = || (rng.below(1 << 20) as f64 / f64::from(1 << 20)) * 3.0 - 1.5;
    kinds
        .iter()
        .map(|kind| match kind {
            Kind::Scalar => Arg::Num(number()),
            Kind::Slice(len) => Arg::Array(Array::flat((0..*len).map(|_| number()).collect())),
            Kind::Array3 => Arg::Array(Array::flat((0..3).map(|_| number()).collect())),
            Kind::Rows(rows) => Arg::Array(Array {
                data: (0..2 * rows).map(|_| number()).collect(),
                cols: Some(2),
            }),
        })
        .collect()
}

/// Changes one number of `args` by `delta`: argument `i`, element `e` of an array.
pub fn nudge(args: &[Arg], i: usize, e: usize, delta: f64) -> Vec<Arg> {
    let mut args = args.to_vec();
    match &mut args[i] {
        Arg::Num(x) => *x += delta,
        Arg::Array(array) => array.data[e] += delta,
    }
    args
}

/// How many partial derivatives a program's check compared, and how many it could not: a
/// step crossed a branch boundary, or differences at three steps disagreed with each other.
#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub compared: usize,
    pub crossing: usize,
    pub unreliable: usize,
}

/// Checks one random program; `Ok(None)` when its value is too large or not finite to
/// compare, `Err` says what disagrees.
pub fn check_loop_program(seed: u64) -> Result<Option<Counts>, String> {
    let (source, kinds) = loop_program(seed);
    check_program(seed, &source, &kinds)
}

/// [`check_loop_program`] of a given program, at arguments from `seed`.
pub fn check_program(seed: u64, source: &str, kinds: &[Kind]) -> Result<Option<Counts>, String> {
    // The generator can nest a write to a local array around a read of it, which `check`
    // rejects (a loop's gradient reads the arrays as the forward code left them): such a
    // program is not compared.
    if let Some(message) = local_array_order_rejected(source) {
        let _ = message;
        return Ok(None);
    }
    let functions = parse_all(source);
    let programs = derive_all(source, &functions);
    // The whole expansion, rendering included, goes through without an error.
    let expanded = crate::expand::grad(source.parse().expect("tokens")).to_string();
    if expanded.contains("compile_error") {
        return Err(format!("the expansion has an error: {expanded}\n{source}"));
    }
    let names: HashMap<String, Vec<String>> = functions
        .iter()
        .map(|f| {
            let params = f.params.iter().map(|p| p.name.to_string()).collect();
            (f.name.to_string(), params)
        })
        .collect();
    let interpreter = Interpreter {
        functions: &programs,
        params: &names,
    };
    let program = &programs["f"];
    let f_names = &names["f"];
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let args = arguments(&mut rng, kinds);
    let run = interpreter.run_args(program, &args, f_names);
    if !(run.value.is_finite() && run.value.abs() < 1e3) {
        return Ok(None);
    }
    let by_name: HashMap<String, &Function> =
        functions.iter().map(|f| (f.name.to_string(), f)).collect();
    let evaluator = Evaluator::new(&by_name);
    let reference = evaluator.call_args(by_name["f"], &args);
    // Rounding swallows small terms added to large ones: finite differences cannot see them.
    if evaluator.largest.get() > 1e6 {
        return Ok(None);
    }
    if (run.value - reference).abs() > 1e-12 * (1.0 + reference.abs()) {
        return Err(format!(
            "value at {args:?}: derived {} vs source {reference}\n{source}",
            run.value
        ));
    }
    let f = by_name["f"];
    let mut scalar = 0;
    let mut counts = Counts::default();
    for (i, (param, kind)) in f.params.iter().zip(kinds).enumerate() {
        let wrt = f.is_wrt(&param.name);
        let elements = match kind {
            Kind::Scalar => 1,
            Kind::Slice(len) => *len,
            Kind::Array3 => 3,
            Kind::Rows(rows) => 2 * rows,
        };
        let analytic: Vec<f64> = match kind {
            Kind::Scalar if wrt => {
                scalar += 1;
                vec![run.gradient[scalar - 1]]
            }
            Kind::Scalar => continue,
            _ => {
                let Some(Some(grad)) = run.array_gradients.get(i) else {
                    return Err(format!("no adjoint array for `{}`\n{source}", param.name));
                };
                if !wrt {
                    if grad.data.iter().any(|&g| g != 0.0) {
                        return Err(format!(
                            "`{}` is not differentiated, yet its adjoint is {:?}\n{source}",
                            param.name, grad.data
                        ));
                    }
                    continue;
                }
                grad.data.clone()
            }
        };
        for (e, &analytic) in analytic.iter().enumerate().take(elements) {
            // The central difference with step h, or `None` when a step crosses a branch
            // boundary (no derivative to compare with there).
            let numeric = |h: f64| {
                let up = interpreter.run_args(program, &nudge(&args, i, e, h), f_names);
                let down = interpreter.run_args(program, &nudge(&args, i, e, -h), f_names);
                (up.trace == run.trace && down.trace == run.trace)
                    .then(|| (up.value - down.value) / (2.0 * h))
            };
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * (1.0 + b.abs());
            let Some(first) = numeric(1e-6) else {
                counts.crossing += 1;
                continue;
            };
            counts.compared += 1;
            if close(analytic, first) {
                continue;
            }
            // A function that loops amplifies: where differences with other steps disagree
            // with each other, they say nothing about the derivative.
            counts.compared -= 1;
            let (Some(small), Some(large)) = (numeric(1e-7), numeric(1e-5)) else {
                counts.crossing += 1;
                continue;
            };
            if !close(small, first) || !close(large, first) {
                counts.unreliable += 1;
                continue;
            }
            // A difference is the mean of the derivative over the step. Where the derivative
            // changes within the step (a carried value amplified many times, then folded by
            // `sin`, makes wiggles finer than 1e-12 whose slope is large though their height
            // is not), differences at every step agree with each other and not with it.
            let derivative_at = |h: f64| {
                let run = interpreter.run_args(program, &nudge(&args, i, e, h), f_names);
                match kind {
                    Kind::Scalar => run.gradient[scalar - 1],
                    _ => run.array_gradients[i]
                        .as_ref()
                        .map_or(f64::NAN, |g| g.data[e]),
                }
            };
            if [-1e-6, -5e-7, 5e-7, 1e-6]
                .iter()
                .any(|&h| !close(derivative_at(h), analytic))
            {
                counts.unreliable += 1;
                continue;
            }
            return Err(format!(
                "∂f/∂{}[{e}] at {args:?}: analytic {analytic} vs numeric {first} (steps 1e-7: \
                 {small}, 1e-5: {large})\n{source}",
                param.name
            ));
        }
    }
    Ok(Some(counts))
}

/// 200 programs a run (about 4 s in a debug build); `AUTOGRAD_RANDOM_LOOPS=N` runs more.
fn cases() -> u32 {
    std::env::var("AUTOGRAD_RANDOM_LOOPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_loop_programs_match_finite_differences(seed in any::<u64>()) {
        if let Err(message) = check_loop_program(seed) {
            prop_assert!(false, "seed {}: {}", seed, message);
        }
    }
}

/// Runs the source in `AUTOGRAD_PROBE` (a file) through parse, check and derive, and prints
/// what happens: for minimising a failing program by hand.
#[test]
#[ignore = "a tool: AUTOGRAD_PROBE=file cargo test probe -- --ignored --nocapture"]
fn probe() {
    let Ok(path) = std::env::var("AUTOGRAD_PROBE") else {
        return;
    };
    let source = std::fs::read_to_string(path).expect("the probe file");
    let mut errors = crate::errors::Errors::default();
    let functions = crate::parse::parse_bang(source.parse().expect("tokens"), &mut errors);
    let signatures = crate::ast::Signatures::new(&functions);
    for function in &functions {
        crate::check::check_function(function, &signatures, &mut errors);
    }
    if let Some(error) = errors.combined() {
        println!("rejected: {error}");
        return;
    }
    for function in &functions {
        match crate::expand::derive(function, &signatures, &functions) {
            Ok(_) => println!("{}: derived", function.name),
            Err(error) => println!("{}: derive failed: {error}", function.name),
        }
    }
}

/// Runs `AUTOGRAD_RANDOM_LOOPS` programs (2,000 if unset) from consecutive seeds and reports
/// how many were compared, skipped and failed, with the shortest failing sources.
#[test]
#[ignore = "a tool: AUTOGRAD_RANDOM_LOOPS=N cargo test many_loop -- --ignored --nocapture"]
fn many_loop_programs() {
    let count: u64 = std::env::var("AUTOGRAD_RANDOM_LOOPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let start: u64 = std::env::var("AUTOGRAD_RANDOM_START")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (mut compared, mut skipped) = (0, 0);
    let mut total = Counts::default();
    let mut failures: Vec<(u64, String)> = Vec::new();
    std::panic::set_hook(Box::new(|_| {}));
    for seed in start..start + count {
        let seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        match std::panic::catch_unwind(|| check_loop_program(seed)) {
            Ok(Ok(Some(counts))) => {
                compared += 1;
                total.compared += counts.compared;
                total.crossing += counts.crossing;
                total.unreliable += counts.unreliable;
            }
            Ok(Ok(None)) => skipped += 1,
            Ok(Err(message)) => failures.push((seed, message)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push((seed, format!("panic: {message}\n{}", loop_program(seed).0)));
            }
        }
    }
    let _ = std::panic::take_hook();
    failures.sort_by_key(|(_, m)| m.len());
    for (seed, message) in failures.iter().take(4) {
        println!("seed {seed}: {message}\n");
    }
    println!(
        "{count} programs: {compared} compared, {skipped} skipped (value not finite or over 1e3, or an intermediate over 1e6), \
         {} failed; partial derivatives: {} compared, {} not (a step crossed a branch), {} not \
         (differences disagree with each other, or the derivative changes within a step)",
        failures.len(),
        total.compared,
        total.crossing,
        total.unreliable
    );
}

#[test]
#[ignore = "a tool: prints a few generated programs"]
fn print_samples() {
    let count: u64 = std::env::var("AUTOGRAD_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    for seed in 1..=count {
        let (source, kinds) = loop_program(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        println!("{source}\n{kinds:?}\n");
    }
}

/// Checks the function `f` of the file `AUTOGRAD_PROBE` at arguments `AUTOGRAD_PROBE_ARGS`
/// (numbers, and arrays as `[a b c]`, separated by `;`): value against the evaluator,
/// gradient against finite differences, printed.
#[test]
#[ignore = "a tool: AUTOGRAD_PROBE=file AUTOGRAD_PROBE_ARGS='0.5; [1 2]; [[1 2] [3 4]]' cargo test probe_values -- --ignored --nocapture"]
fn probe_values() {
    let (Ok(path), Ok(text)) = (
        std::env::var("AUTOGRAD_PROBE"),
        std::env::var("AUTOGRAD_PROBE_ARGS"),
    ) else {
        return;
    };
    let source = std::fs::read_to_string(path).expect("the probe file");
    let args: Vec<Arg> = text
        .split(';')
        .map(|arg| {
            let arg = arg.trim();
            let numbers = |text: &str| -> Vec<f64> {
                text.split(|c: char| c.is_whitespace() || c == '[' || c == ']')
                    .filter(|x| !x.is_empty())
                    .map(|x| x.parse().expect("a number"))
                    .collect()
            };
            // `[[a b] [c d]]`: rows of two.
            if arg.starts_with("[[") {
                return Arg::Array(Array {
                    data: numbers(arg),
                    cols: Some(2),
                });
            }
            match arg.strip_prefix('[') {
                Some(rest) => Arg::Array(Array::flat(numbers(rest))),
                None => Arg::Num(arg.parse().expect("a number")),
            }
        })
        .collect();
    let functions = parse_all(&source);
    let programs = derive_all(&source, &functions);
    let names: HashMap<String, Vec<String>> = functions
        .iter()
        .map(|f| {
            let params = f.params.iter().map(|p| p.name.to_string()).collect();
            (f.name.to_string(), params)
        })
        .collect();
    let interpreter = Interpreter {
        functions: &programs,
        params: &names,
    };
    let by_name: HashMap<String, &Function> =
        functions.iter().map(|f| (f.name.to_string(), f)).collect();
    let evaluator = Evaluator::new(&by_name);
    let run = interpreter.run_args(&programs["f"], &args, &names["f"]);
    println!(
        "value: derived {} source {}",
        run.value,
        evaluator.call_args(by_name["f"], &args)
    );
    println!(
        "scalar gradient: {:?}; largest number: source {}, derived {}",
        run.gradient,
        evaluator.largest.get(),
        run.largest
    );
    for (i, arg) in args.iter().enumerate() {
        let count = match arg {
            Arg::Num(_) => 1,
            Arg::Array(array) => array.data.len(),
        };
        // Three steps: where they disagree, differences are no reference.
        let numeric = |h: f64| -> Vec<f64> {
            (0..count)
                .map(|e| {
                    let up = evaluator.call_args(by_name["f"], &nudge(&args, i, e, h));
                    let down = evaluator.call_args(by_name["f"], &nudge(&args, i, e, -h));
                    (up - down) / (2.0 * h)
                })
                .collect()
        };
        let analytic = run.array_gradients[i].as_ref().map(|a| a.data.clone());
        println!(
            "param {i}: numeric {:?}, analytic array {analytic:?}, numeric at 1e-5 {:?}, at 1e-7 {:?}",
            numeric(1e-6),
            numeric(1e-5),
            numeric(1e-7)
        );
    }
}

/// Writes a crate's `main.rs` to `AUTOGRAD_COMPILE_CHECK` (a path) that runs the compiled
/// `f_grad` of `AUTOGRAD_SAMPLES` loop programs (those the test compares; with
/// `AUTOGRAD_COMPILE_STENCILS`, stencil programs), and next to it `expected.txt` with what the
/// interpreter computes for them: the same numbers, one line per program, to compare after
/// `cargo run` (this checks the interpreter's reading of the generated code: tapes, stores,
/// loop order, and what the interpreter does not run: stack tapes, the checks before loops).
/// A gradient with a `Vec` comes from `f_grad_into` into one the last call left full of NaN.
#[test]
#[ignore = "a tool: AUTOGRAD_COMPILE_CHECK=dir/src/main.rs cargo test compile_check -- --ignored"]
fn compile_check() {
    let Ok(path) = std::env::var("AUTOGRAD_COMPILE_CHECK") else {
        return;
    };
    let count: u64 = std::env::var("AUTOGRAD_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let mut main = String::from("#![allow(warnings)]\n");
    let mut calls = String::new();
    let mut expected = String::new();
    // `AUTOGRAD_COMPILE_STENCILS` set: the stencil programs of `stencils.rs` instead.
    let stencils = std::env::var_os("AUTOGRAD_COMPILE_STENCILS").is_some();
    for n in 1..=count {
        let seed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (source, kinds) = if stencils {
            super::stencils::stencil_program(seed)
        } else {
            loop_program(seed)
        };
        if !matches!(check_program(seed, &source, &kinds), Ok(Some(_))) {
            continue;
        }
        let functions = parse_all(&source);
        let programs = derive_all(&source, &functions);
        let names: HashMap<String, Vec<String>> = functions
            .iter()
            .map(|f| {
                let params = f.params.iter().map(|p| p.name.to_string()).collect();
                (f.name.to_string(), params)
            })
            .collect();
        let interpreter = Interpreter {
            functions: &programs,
            params: &names,
        };
        let mut rng = Rng(seed.rotate_left(17) | 1);
        let args = arguments(&mut rng, &kinds);
        let run = interpreter.run_args(&programs["f"], &args, &names["f"]);
        let f = functions.iter().find(|f| f.name == "f").expect("f");
        let mut lets = String::new();
        let mut passed = Vec::new();
        let mut prints = Vec::new();
        let mut numbers = vec![run.value];
        let mut scalar = 0;
        for (i, (param, arg)) in f.params.iter().zip(&args).enumerate() {
            let name = param.name.to_string();
            match (arg, kinds[i]) {
                (Arg::Num(x), _) => passed.push(format!("{x:?}f64")),
                (Arg::Array(array), Kind::Rows(_)) => {
                    let rows: Vec<String> = array
                        .data
                        .chunks(2)
                        .map(|r| format!("[{:?}, {:?}]", r[0], r[1]))
                        .collect();
                    lets += &format!("let {name}: Vec<[f64; 2]> = vec![{}];\n", rows.join(", "));
                    passed.push(format!("&{name}"));
                }
                (Arg::Array(array), Kind::Array3) => {
                    let items: Vec<String> = array.data.iter().map(|x| format!("{x:?}")).collect();
                    passed.push(format!("[{}]", items.join(", ")));
                }
                (Arg::Array(array), _) => {
                    let items: Vec<String> = array.data.iter().map(|x| format!("{x:?}")).collect();
                    lets += &format!("let {name}: Vec<f64> = vec![{}];\n", items.join(", "));
                    passed.push(format!("&{name}"));
                }
            }
            if f.is_wrt(&param.name) {
                prints.push(format!("print!(\" {{:?}}\", g.{name});"));
                match arg {
                    Arg::Num(_) => {
                        numbers.push(run.gradient[scalar]);
                        scalar += 1;
                    }
                    Arg::Array(_) => numbers.extend(
                        run.array_gradients[i]
                            .as_ref()
                            .map(|a| a.data.clone())
                            .unwrap_or_default(),
                    ),
                }
            }
        }
        // With a slice gradient, `f_grad_into` into a gradient the last call left full of
        // NaN: an element it does not write shows.
        let dirty: Vec<String> = f
            .params
            .iter()
            .zip(&kinds)
            .filter(|(p, _)| f.is_wrt(&p.name))
            .filter_map(|(p, kind)| match kind {
                Kind::Slice(_) => Some(format!("g.{}.fill(f64::NAN);\n", p.name)),
                Kind::Rows(_) => Some(format!("g.{}.fill([f64::NAN; 2]);\n", p.name)),
                _ => None,
            })
            .collect();
        let call = if dirty.is_empty() {
            format!("let (v, g) = f_grad({});\n", passed.join(", "))
        } else {
            format!(
                "let (_, mut g) = f_grad({args});\n{}let v = f_grad_into({args}, &mut g);\n",
                dirty.concat(),
                args = passed.join(", "),
            )
        };
        main += &format!(
            "mod p{n} {{\nuse autograd::grad;\ngrad! {{\n{source}\n}}\n\
             pub fn run() {{\n{lets}{call}print!(\"{n} {{:?}}\", v);\n{}\nprintln!();\n}}\n}}\n",
            prints.join("\n")
        );
        calls += &format!("p{n}::run();\n");
        let numbers: Vec<String> = numbers.iter().map(|x| format!("{x:?}")).collect();
        expected += &format!("{n} {}\n", numbers.join(" "));
    }
    main += &format!("fn main() {{\n{calls}}}\n");
    std::fs::write(&path, main).expect("main.rs");
    let dir = std::path::Path::new(&path)
        .parent()
        .and_then(|p| p.parent())
        .expect("a crate");
    std::fs::write(dir.join("expected.txt"), expected).expect("expected.txt");
}

/// The message of `check` when it rejects `source` for the order of a local array's reads and
/// writes only.
pub fn local_array_order_rejected(source: &str) -> Option<String> {
    let mut errors = crate::errors::Errors::default();
    let functions = crate::parse::parse_bang(source.parse().expect("tokens"), &mut errors);
    let signatures = crate::ast::Signatures::new(&functions);
    for function in &functions {
        crate::check::check_function(function, &signatures, &mut errors);
    }
    let message = errors.combined()?.to_string();
    message
        .contains("written after a read of the same local array")
        .then_some(message)
}
