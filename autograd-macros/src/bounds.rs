//! Index arithmetic of loops, and the bounds checks of a loop checked once, before it.
//!
//! A loop's body has no `break`, so every iteration runs its top level; a read of an input
//! there at `xs[i + c]` happens in the last iteration too, at the largest index. If that index
//! is in bounds, every iteration's is, and if it is not, the forward function panics at that
//! read (or earlier). So the gradient may check it before the loop: no input makes it panic
//! where the forward function does not, and LLVM, which cannot see past `0..x.len() - 1`
//! wrapping around in a release build, then drops the check from every iteration.

use std::collections::BTreeMap;
use std::rc::Rc;

use proc_macro2::Span;

use crate::ast::{IndexExpr, IndexOp};
use crate::ir::{ArrayRef, Graph, Inst, Op, RegionId};

/// `var + c`, `var - c` or `var` itself: the offset of `index` from loop variable `var`.
pub fn offset(index: &IndexExpr, var: &str) -> Option<i64> {
    match index {
        IndexExpr::Var(name) if *name.text == *var => Some(0),
        IndexExpr::Binary { op, operands, .. } => {
            let [IndexExpr::Var(name), IndexExpr::Lit { value, .. }] = &**operands else {
                return None;
            };
            let value = i64::try_from(*value).ok()?;
            match op {
                _ if *name.text != *var => None,
                IndexOp::Add => Some(value),
                IndexOp::Sub => Some(-value),
                _ => None,
            }
        }
        IndexExpr::Paren(inner) => offset(inner, var),
        _ => None,
    }
}

fn lit(value: u64) -> IndexExpr {
    IndexExpr::Lit {
        value,
        span: Span::call_site(),
    }
}

fn binary(op: IndexOp, a: IndexExpr, b: IndexExpr) -> IndexExpr {
    IndexExpr::Binary {
        op,
        op_span: Span::call_site(),
        operands: Box::new([a, b]),
    }
}

/// `e + k`, written as simply as it can be: `x.len() - 1` shifted by 1 is `x.len()`. Callers
/// evaluate `e` first where it could overflow (a loop's bound, in its `if a < b`), and the
/// folded form then overflows only where `e + k` does.
pub fn shifted(e: &IndexExpr, k: i64) -> IndexExpr {
    if k == 0 {
        return e.clone();
    }
    // (x ± n) + k: one literal.
    if let IndexExpr::Binary { op, operands, .. } = e {
        if let [x, IndexExpr::Lit { value, .. }] = &**operands {
            let n = i64::try_from(*value).unwrap_or(i64::MAX);
            let total = match op {
                IndexOp::Add => Some(n.saturating_add(k)),
                IndexOp::Sub => Some(k.saturating_sub(n)),
                _ => None,
            };
            if let Some(total) = total {
                return shifted(x, total);
            }
        }
    }
    if let IndexExpr::Lit { value, .. } = e {
        if let Some(sum) = i64::try_from(*value).ok().and_then(|v| v.checked_add(k)) {
            if let Ok(sum) = u64::try_from(sum) {
                return lit(sum);
            }
        }
    }
    let (op, amount) = if k > 0 {
        (IndexOp::Add, k.unsigned_abs())
    } else {
        (IndexOp::Sub, k.unsigned_abs())
    };
    binary(op, e.clone(), lit(amount))
}

/// An index expression as a sum of integer multiples of its parts (loop variables, constants,
/// lengths, and any part that is not `+`, `-` or a product with a literal) and a number: two
/// expressions with the same form are equal for every input where neither overflows.
#[derive(PartialEq, Eq, Debug, Default)]
pub struct Linear {
    terms: BTreeMap<String, i64>,
    constant: i64,
}

impl Linear {
    pub fn of(e: &IndexExpr) -> Linear {
        let mut form = Linear::default();
        form.add(e, 1);
        form.terms.retain(|_, k| *k != 0);
        form
    }

    /// The form of `e + k`.
    pub fn shifted(mut self, k: i64) -> Linear {
        self.constant = self.constant.saturating_add(k);
        self
    }

    fn add(&mut self, e: &IndexExpr, scale: i64) {
        match e {
            IndexExpr::Lit { value, .. } => {
                let value = i64::try_from(*value).unwrap_or(i64::MAX);
                self.constant = self.constant.saturating_add(value.saturating_mul(scale));
            }
            IndexExpr::Paren(inner) => self.add(inner, scale),
            IndexExpr::Binary { op, operands, .. } => {
                let [a, b] = &**operands;
                match op {
                    IndexOp::Add => {
                        self.add(a, scale);
                        self.add(b, scale);
                    }
                    IndexOp::Sub => {
                        self.add(a, scale);
                        self.add(b, -scale);
                    }
                    IndexOp::Mul => match (a, b) {
                        (IndexExpr::Lit { value, .. }, x) | (x, IndexExpr::Lit { value, .. }) => {
                            let value = i64::try_from(*value).unwrap_or(i64::MAX);
                            self.add(x, scale.saturating_mul(value));
                        }
                        _ => self.part(e, scale),
                    },
                    IndexOp::Div | IndexOp::Rem => self.part(e, scale),
                }
            }
            _ => self.part(e, scale),
        }
    }

    fn part(&mut self, e: &IndexExpr, scale: i64) {
        let key = match e {
            IndexExpr::Len { array, rows } => length_key(&array.text, *rows),
            _ => {
                let mut tokens = proc_macro2::TokenStream::new();
                crate::print::write_index(e, &mut tokens);
                tokens.to_string()
            }
        };
        *self.terms.entry(key).or_default() += scale;
    }
}

fn length_key(array: &str, rows: bool) -> String {
    format!("{array}.len() {rows}")
}

/// `xs.len()` (not a row's) as an index expression's form.
pub fn length_form(name: &str) -> Linear {
    let mut form = Linear::default();
    form.terms.insert(length_key(name, false), 1);
    form
}

/// The name of parameter `i` as the user wrote it (`xs` in `xs.len()`).
pub fn param_name(graph: &Graph, i: usize) -> Option<Rc<str>> {
    graph.values.iter().find_map(|(_, value)| match value.op {
        Op::Param(p) if p == i => value.name.as_ref().map(|n| n.text.clone()),
        _ => None,
    })
}

/// One check before a loop: `index < xs.len()`.
pub struct Check {
    pub array: ArrayRef,
    pub index: IndexExpr,
}

/// The checks of a loop's top-level reads of array parameters ahead of its index (`xs[i + 1]`,
/// and stores into their adjoint arrays, which have their lengths), one per array, at its
/// largest index. They hold when the loop runs (`guarded`: under `if a < b`; a loop `0..=b`
/// always runs). Reads at the index itself keep their checks: LLVM drops those where the
/// range allows, and a check in each iteration of `ys[i]` measured no slower.
pub fn loop_checks(graph: &Graph, region: RegionId) -> (bool, Vec<Check>) {
    let Some(header) = graph.header(region) else {
        return (false, Vec::new());
    };
    let var = header.var.to_string();
    let mut largest: BTreeMap<usize, i64> = BTreeMap::new();
    for inst in &graph.blocks[graph.regions[region].bodies[0]].insts {
        let Inst::Value(id) = *inst else { continue };
        let (Op::Load(place) | Op::Store(place, _)) = graph.values[id].op else {
            continue;
        };
        let place = &graph.places[place];
        let ArrayRef::Param(p) = place.array else {
            continue;
        };
        let Some(c) = place.index.first().and_then(|i| offset(i, &var)) else {
            continue;
        };
        if c >= 1 {
            let entry = largest.entry(p).or_insert(c);
            *entry = (*entry).max(c);
        }
    }
    // The last index: `b - 1 + c`, `b + c` for `..=`.
    let last = i64::from(!header.inclusive);
    let checks = largest
        .into_iter()
        .map(|(p, c)| Check {
            array: ArrayRef::Param(p),
            index: shifted(&header.end, c - last),
        })
        .collect();
    let always_runs = header.inclusive && matches!(header.start, IndexExpr::Lit { value: 0, .. });
    (!always_runs, checks)
}
