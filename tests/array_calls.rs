//! Calls with array arguments between the functions of one `grad!` block (issue 15): whole
//! arrays passed on, fixed-size arrays by value, rows of arrays of rows, local arrays, scalars
//! mixed in, calls in loops, nested calls. Each gradient is checked against central finite
//! differences of its own forward function, at random lengths that include 0 and 1, and the
//! `_grad_into` of a call in a loop is checked to allocate nothing once its gradient is sized.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use autograd::check::check_grad_slice;
use autograd::grad;

const N: usize = 3;

grad! {
    /// A dot product, as far as the shorter slice goes.
    fn dot(u: &[T], v: &[T]) {
        let mut s = 0.0;
        for (&a, &b) in u.iter().zip(v) {
            s += a * b;
        }
        s
    }

    /// A squared norm without a loop, of an array by value.
    fn sq(v: [T; 3]) {
        v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
    }

    /// A neuron: a nested call, and a scalar among the arrays.
    fn neuron(w: &[T], x: &[T], b) {
        (dot(w, x) + b).tanh()
    }

    /// Rows of a slice passed as `&[T]` (through `neuron` to `dot`) and as `[T; 3]`; a whole
    /// slice passed on; differentiated in `w` and `b` only.
    #[wrt(w, b)]
    pub fn loss(w: &[T], b, xs: &[[T; N]], ys: &[T]) {
        let mut l = 0.0;
        for k in 0..ys.len() {
            let r = neuron(w, &xs[k], b) - ys[k];
            l += r * r + 0.1 * sq(xs[k]) * b;
        }
        l + 0.01 * dot(w, w)
    }

    /// One step of a recurrence: the carried state comes in as a number.
    fn cell(w: [T; 3], h, x: [T; 3]) {
        let mut a = h;
        for i in 0..3 {
            a += w[i] * x[i];
        }
        a.tanh()
    }

    /// A call whose result is the carried variable of the caller's loop.
    pub fn rnn(w: [T; 3], h0, xs: &[[T; 3]]) {
        let mut h = h0;
        for t in 0..xs.len() {
            h = cell(w, h, xs[t]);
        }
        h * h
    }

    /// An early return, `len()` as a number, a loop in the arm that does not return.
    fn mean(v: &[T]) {
        if v.len() < 0.5 {
            return 0.0;
        }
        let mut s = 0.0;
        for i in 0..v.len() {
            s += v[i];
        }
        s / v.len()
    }

    /// A local array and a loop variable named like the caller's.
    fn folded(v: &[T]) {
        let mut h = [0.0; 2];
        for i in 0..v.len() {
            h[i % 2] += v[i].sin();
        }
        h[0] * h[1] + h[0]
    }

    /// Calls in a loop over `i` whose callees loop over `i` too, rows of a fixed-size matrix,
    /// and a local array of the caller passed by reference after it is filled.
    pub fn shadows(m: [[T; 4]; 2], c) {
        let mut h = [0.0; 2];
        let mut s = 0.0;
        for i in 0..2 {
            s += folded(&m[i]) * c + mean(&m[i]);
            h[i] = s;
        }
        s + folded(&h) + mean(&h)
    }

    /// Rows passed whole, and a row's length in the callee.
    fn total(m: &[[T; 3]]) {
        let mut s = 0.0;
        for i in 0..m.len() {
            for j in 0..m[i].len() {
                s += m[i][j] * m[i][j].sin();
            }
        }
        s
    }

    /// Two levels of calls, each taking the whole array on.
    fn outer(m: &[[T; 3]], a) {
        (total(m) * a).sin()
    }

    /// A matrix by value and by reference, a callee of a callee.
    pub fn nested(m: [[T; 3]; 2], rows: &[[T; 3]], a) {
        outer(rows, a) + total(&m) * outer(&m, a) + sq(m[1])
    }

    /// A callee whose `#[wrt]` leaves `v` out: the caller differentiates through it anyway.
    #[wrt(u)]
    fn weighted(u: &[T], v: &[T]) {
        dot(u, v) * dot(v, v)
    }

    #[wrt(xs)]
    pub fn through_wrt(xs: &[T], ys: &[T]) {
        weighted(xs, ys) + weighted(ys, xs)
    }
}

grad! {
    fn norm2(v: &[T]) {
        let mut s = 0.0;
        for i in 0..v.len() {
            s += v[i] * v[i];
        }
        s
    }

    /// Numbers gathered in a local array, then passed on: no array parameter, no loop of its
    /// own.
    pub fn gathered(a, b) {
        let mut h = [0.0; 3];
        h[0] = a;
        h[1] = b;
        h[2] = a * b;
        norm2(&h) + cube(h)
    }

    fn cube(v: [T; 3]) {
        v[0] * v[1] * v[2]
    }

    /// An early return before a local array and a loop.
    fn early(v: &[T], k) {
        if k > 1.0 {
            return k;
        }
        let mut h = [0.0; 2];
        for i in 0..v.len() {
            h[i % 2] += (v[i] * k).sin();
        }
        h[0] * h[1] + k
    }

    /// A typed caller of generic callees.
    pub fn typed(xs: &[f64], rows: &[[f64; 3]], a: f64) -> f64 {
        let mut s = 0.0;
        for k in 0..rows.len() {
            s += norm2(&rows[k]) * a + cube(rows[k]);
        }
        s + early(xs, a)
    }

    /// Calls in the arms of an `if`.
    pub fn branches(xs: &[T], a) {
        let mut s = 0.0;
        if a > 0.0 {
            s = early(xs, a * 3.0);
        } else {
            s = norm2(xs) * a;
        }
        s + early(xs, a)
    }
}

/// A small deterministic generator: values in [-1, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next()).collect()
    }
}

fn assert_passes(check: autograd::Result<autograd::check::GradCheck>, what: &str) {
    let check = check.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(check.passes(1e-6), "{what}: {check:?}");
}

fn rows3(p: &[f64]) -> Vec<[f64; 3]> {
    p.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()
}

#[test]
fn rows_passed_as_slices_and_arrays_in_a_loop() {
    let mut rng = Lcg(1);
    for len in [0, 1, 2, 7] {
        let w = rng.vec(N);
        let b = rng.next();
        let xs = rows3(&rng.vec(N * len));
        let ys = rng.vec(len);
        let mut expected = 0.0;
        for (x, y) in xs.iter().zip(&ys) {
            let d: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
            let r = (d + b).tanh() - y;
            expected += r * r + 0.1 * x.iter().map(|v| v * v).sum::<f64>() * b;
        }
        expected += 0.01 * w.iter().map(|v| v * v).sum::<f64>();
        let (value, g) = loss_grad(&w, b, &xs, &ys);
        assert_eq!(value, loss(&w, b, &xs, &ys));
        assert!((value - expected).abs() <= 1e-12 * (1.0 + expected.abs()));
        assert_eq!(g.w.len(), N);
        let mut flat = w.clone();
        flat.push(b);
        let mut analytic = g.w.clone();
        analytic.push(g.b);
        let check = check_grad_slice(|p| loss(&p[..N], p[N], &xs, &ys), &flat, &analytic);
        assert_passes(check, &format!("loss, {len} rows"));
    }
}

#[test]
fn a_call_carries_the_state_of_a_recurrence() {
    let mut rng = Lcg(2);
    for len in [0, 1, 2, 9] {
        let flat = rng.vec(4 + 3 * len);
        let split = |p: &[f64]| ([p[0], p[1], p[2]], p[3], rows3(&p[4..]));
        let (w, h0, xs) = split(&flat);
        let (value, g) = rnn_grad(w, h0, &xs);
        assert_eq!(value, rnn(w, h0, &xs));
        let mut analytic = g.w.to_vec();
        analytic.push(g.h0);
        analytic.extend(g.xs.iter().flatten());
        let check = check_grad_slice(
            |p| {
                let (w, h0, xs) = split(p);
                rnn(w, h0, &xs)
            },
            &flat,
            &analytic,
        );
        assert_passes(check, &format!("rnn, {len} steps"));
    }
}

#[test]
fn names_of_the_callee_taken_by_the_caller() {
    let mut rng = Lcg(3);
    for _ in 0..4 {
        let flat = rng.vec(9);
        let split = |p: &[f64]| {
            let m = [[p[0], p[1], p[2], p[3]], [p[4], p[5], p[6], p[7]]];
            (m, p[8])
        };
        let (m, c) = split(&flat);
        let (value, g) = shadows_grad(m, c);
        assert_eq!(value, shadows(m, c));
        let mut analytic: Vec<f64> = g.m.iter().flatten().copied().collect();
        analytic.push(g.c);
        let check = check_grad_slice(
            |p| {
                let (m, c) = split(p);
                shadows(m, c)
            },
            &flat,
            &analytic,
        );
        assert_passes(check, "shadows");
    }
}

#[test]
fn nested_calls_with_whole_arrays_of_rows() {
    let mut rng = Lcg(4);
    for len in [0, 1, 3] {
        let flat = rng.vec(6 + 3 * len + 1);
        let split = |p: &[f64]| {
            let m = [[p[0], p[1], p[2]], [p[3], p[4], p[5]]];
            (m, rows3(&p[6..p.len() - 1]), p[p.len() - 1])
        };
        let (m, rows, a) = split(&flat);
        let (value, g) = nested_grad(m, &rows, a);
        assert_eq!(value, nested(m, &rows, a));
        let mut analytic: Vec<f64> = g.m.iter().flatten().copied().collect();
        analytic.extend(g.rows.iter().flatten());
        analytic.push(g.a);
        let check = check_grad_slice(
            |p| {
                let (m, rows, a) = split(p);
                nested(m, &rows, a)
            },
            &flat,
            &analytic,
        );
        assert_passes(check, &format!("nested, {len} rows"));
    }
}

#[test]
fn the_callees_wrt_does_not_stop_the_callers_gradient() {
    let mut rng = Lcg(5);
    for (lx, ly) in [(0, 0), (1, 1), (2, 5), (6, 4)] {
        let xs = rng.vec(lx);
        let ys = rng.vec(ly);
        let (value, g) = through_wrt_grad(&xs, &ys);
        assert_eq!(value, through_wrt(&xs, &ys));
        let check = check_grad_slice(|p| through_wrt(p, &ys), &xs, &g.xs);
        assert_passes(check, &format!("through_wrt, lengths {lx}, {ly}"));
    }
}

#[test]
fn a_local_array_passed_on() {
    let mut rng = Lcg(7);
    for _ in 0..4 {
        let p = rng.vec(2);
        let (value, g) = gathered_grad(p[0], p[1]);
        assert_eq!(value, gathered(p[0], p[1]));
        let check = check_grad_slice(|q| gathered(q[0], q[1]), &p, &[g.a, g.b]);
        assert_passes(check, "gathered");
    }
}

#[test]
fn calls_in_arms_and_early_returns() {
    let mut rng = Lcg(8);
    for (len, a) in [(0, 0.2), (1, -0.5), (3, 0.2), (4, 0.5), (5, 1.5), (2, -2.0)] {
        let xs = rng.vec(len);
        let (value, g) = branches_grad(&xs, a);
        assert_eq!(value, branches(&xs, a));
        let mut flat = xs.clone();
        flat.push(a);
        let mut analytic = g.xs.clone();
        analytic.push(g.a);
        let check = check_grad_slice(|p| branches(&p[..len], p[len]), &flat, &analytic);
        assert_passes(check, &format!("branches, length {len}, a = {a}"));
    }
}

#[test]
fn a_typed_caller_and_second_derivatives() {
    let mut rng = Lcg(9);
    for len in [0, 1, 4] {
        let xs = rng.vec(len);
        let rows = rows3(&rng.vec(3 * len));
        let a = 0.5 * rng.next();
        let (value, g) = typed_grad(&xs, &rows, a);
        assert_eq!(value, typed(&xs, &rows, a));
        let mut flat = xs.clone();
        flat.extend(rows.iter().flatten());
        flat.push(a);
        let mut analytic = g.xs.clone();
        analytic.extend(g.rows.iter().flatten());
        analytic.push(g.a);
        let check = check_grad_slice(
            |p| typed(&p[..len], &rows3(&p[len..p.len() - 1]), p[p.len() - 1]),
            &flat,
            &analytic,
        );
        assert_passes(check, &format!("typed, length {len}"));
    }
    // The Hessian of a function whose callees take a local array, by forward over reverse.
    let (a, b) = (0.3, -0.8);
    let (_, _, hessian) = gathered_hessian(a, b);
    let h = 1e-5;
    let column = |da: f64, db: f64| {
        let up = gathered_grad(a + da, b + db).1.to_array();
        let down = gathered_grad(a - da, b - db).1.to_array();
        [(up[0] - down[0]) / (2.0 * h), (up[1] - down[1]) / (2.0 * h)]
    };
    let numeric = [column(h, 0.0), column(0.0, h)];
    for i in 0..2 {
        for j in 0..2 {
            assert!(
                (hessian[i][j] - numeric[j][i]).abs() < 1e-6,
                "{hessian:?} vs {numeric:?}"
            );
        }
    }
}

/// Counts this thread's allocations.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_call_in_a_loop_allocates_nothing_in_grad_into() {
    let mut rng = Lcg(6);
    let w = rng.vec(N);
    let xs = rows3(&rng.vec(N * 50));
    let ys = rng.vec(50);
    let mut g = LossGrad::default();
    loss_grad_into(&w, 0.5, &xs, &ys, &mut g);
    let before = ALLOCATIONS.with(Cell::get);
    let value = loss_grad_into(&w, 0.5, &xs, &ys, &mut g);
    assert_eq!(ALLOCATIONS.with(Cell::get), before);
    // The count sees allocations: `loss_grad` makes a new gradient.
    let _ = loss_grad(&w, 0.5, &xs, &ys);
    assert!(ALLOCATIONS.with(Cell::get) > before);
    assert_eq!(value, loss(&w, 0.5, &xs, &ys));
}
