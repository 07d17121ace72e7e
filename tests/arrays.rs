//! Arrays and loops in `grad!` (DESIGN.md §2b): every construct's gradient is checked against
//! central finite differences of its own forward function, at random points and lengths that
//! include 0 and 1, and its value against the same function written as plain Rust.

use autograd::check::check_grad_slice;
use autograd::grad;

const N: usize = 3;

grad! {
    /// Sum of squared residuals of a line over data.
    #[wrt(w, b)]
    pub fn sse(w, b, xs: &[T], ys: &[T]) {
        let mut s = 0.0;
        for i in 0..xs.len() {
            let r = w * xs[i] + b - ys[i];
            s += r * r;
        }
        s
    }

    /// Rosenbrock in N dimensions.
    pub fn rosen(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() - 1 {
            s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
        }
        s
    }

    /// A recurrence: `h` is overwritten each step, so the reverse loop reads it back.
    #[wrt(w, u, c, h0)]
    pub fn rnn(w, u, c, h0, y, xs: &[T]) {
        let mut h = h0;
        for &x in xs {
            h = (w * h + u * x + c).tanh();
        }
        (h - y).powi(2)
    }

    /// Two slices side by side, a product carried across iterations, an `if` in the loop.
    pub fn zipped(a, xs: &[T], ys: &[T]) {
        let mut p = 1.0;
        let mut s = 0.0;
        for (&x, &y) in xs.iter().zip(ys) {
            if x > y {
                s += (a * x).sin() * y;
            } else {
                p *= 1.0 + 0.1 * (x - y).powi(2) * a;
            }
        }
        s + p.ln()
    }

    /// Fixed-size arrays by value, an inclusive range, nested loops with an inner bound
    /// that uses the outer index.
    pub fn triangle(m: [[T; 3]; 3], v: [T; 3]) {
        let mut s = 0.0;
        for i in 0..=2 {
            for j in 0..i + 1 {
                s += m[i][j] * v[j] * v[i];
            }
        }
        s.tanh()
    }

    /// Rows of a slice, and the mean through `len()` as a number.
    pub fn row_norms(rows: &[[T; N]]) {
        let mut s = 0.0;
        for i in 0..rows.len() {
            let mut r = 0.0;
            for j in 0..N {
                r += rows[i][j] * rows[i][j];
            }
            s += r.sqrt();
        }
        s / rows.len()
    }

    /// A two-layer network written with a local array.
    pub fn mlp(w1: [[T; 3]; 4], b1: [T; 4], w2: [T; 4], b2, x: [T; 3]) {
        let mut h = [0.0; 4];
        for j in 0..4 {
            let mut a = b1[j];
            for k in 0..3 {
                a += w1[j][k] * x[k];
            }
            h[j] = a.tanh();
        }
        let mut out = b2;
        for j in 0..4 {
            out += w2[j] * h[j];
        }
        out
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

fn assert_passes(check: autograd::check::GradCheck, what: &str) {
    assert!(check.passes(1e-6), "{what}: {check:?}");
}

#[test]
fn sse_matches_plain_rust_and_finite_differences() {
    let mut rng = Lcg(1);
    for len in [0, 1, 2, 7, 40] {
        let xs = rng.vec(len);
        let ys = rng.vec(len);
        let (w, b) = (rng.next(), rng.next());
        let expected: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (w * x + b - y).powi(2))
            .sum();
        let (value, g) = sse_grad(w, b, &xs, &ys);
        assert!((value - expected).abs() <= 1e-12 * (1.0 + expected.abs()));
        assert_eq!(value, sse(w, b, &xs, &ys));
        let check = check_grad_slice(|p| sse(p[0], p[1], &xs, &ys), &[w, b], &[g.w, g.b]).unwrap();
        assert_passes(check, &format!("sse, length {len}"));
    }
}

#[test]
fn rosen_gradient_and_grad_into() {
    let mut rng = Lcg(2);
    let mut g = RosenGrad::default();
    for len in [1, 2, 3, 10, 33] {
        let x = rng.vec(len);
        let (value, fresh) = rosen_grad(&x);
        assert_eq!(value, rosen(&x));
        assert_eq!(fresh.x.len(), len);
        let again = rosen_grad_into(&x, &mut g);
        assert_eq!(again, value);
        assert_eq!(g, fresh);
        let check = check_grad_slice(rosen, &x, &g.x).unwrap();
        assert_passes(check, &format!("rosen, length {len}"));
    }
    // At the minimum every partial derivative is zero.
    let (value, g) = rosen_grad(&[1.0; 5]);
    assert_eq!(value, 0.0);
    assert!(g.x.iter().all(|&d| d == 0.0));
}

#[test]
fn rnn_gradient_through_time() {
    let mut rng = Lcg(3);
    for len in [0, 1, 2, 25] {
        let xs = rng.vec(len);
        let p = [rng.next(), rng.next(), rng.next(), rng.next()];
        let y = rng.next();
        let mut h = p[3];
        for x in &xs {
            h = (p[0] * h + p[1] * x + p[2]).tanh();
        }
        let (value, g) = rnn_grad(p[0], p[1], p[2], p[3], y, &xs);
        assert!((value - (h - y).powi(2)).abs() < 1e-12);
        let check = check_grad_slice(
            |q| rnn(q[0], q[1], q[2], q[3], y, &xs),
            &p,
            &[g.w, g.u, g.c, g.h0],
        )
        .unwrap();
        assert_passes(check, &format!("rnn, length {len}"));
    }
}

#[test]
fn zipped_slices_with_a_branch() {
    let mut rng = Lcg(4);
    for (lx, ly) in [(0, 0), (1, 1), (5, 3), (4, 9)] {
        let xs = rng.vec(lx);
        let ys = rng.vec(ly);
        let a = rng.next();
        let (value, g) = zipped_grad(a, &xs, &ys);
        assert_eq!(value, zipped(a, &xs, &ys));
        assert_eq!(g.xs.len(), lx);
        assert_eq!(g.ys.len(), ly);
        let mut flat = vec![a];
        flat.extend(&xs);
        flat.extend(&ys);
        let mut analytic = vec![g.a];
        analytic.extend(&g.xs);
        analytic.extend(&g.ys);
        let check = check_grad_slice(
            |p| zipped(p[0], &p[1..1 + lx], &p[1 + lx..]),
            &flat,
            &analytic,
        )
        .unwrap();
        assert_passes(check, &format!("zipped, lengths {lx}, {ly}"));
        // Elements past the shorter slice are never read: their partials are exactly 0.
        assert!(g.xs[xs.len().min(ys.len())..].iter().all(|&d| d == 0.0));
        assert!(g.ys[xs.len().min(ys.len())..].iter().all(|&d| d == 0.0));
    }
}

#[test]
fn fixed_arrays_nested_loops() {
    let mut rng = Lcg(5);
    let flat = rng.vec(12);
    let unflatten = |p: &[f64]| {
        let m = [[p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]]];
        (m, [p[9], p[10], p[11]])
    };
    let (m, v) = unflatten(&flat);
    let (value, g) = triangle_grad(m, v);
    assert_eq!(value, triangle(m, v));
    let analytic: Vec<f64> = g.m.iter().flatten().chain(&g.v).copied().collect();
    let check = check_grad_slice(
        |p| {
            let (m, v) = unflatten(p);
            triangle(m, v)
        },
        &flat,
        &analytic,
    )
    .unwrap();
    assert_passes(check, "triangle");
    // Entries above the diagonal are never read.
    assert_eq!([g.m[0][1], g.m[0][2], g.m[1][2]], [0.0; 3]);
}

#[test]
fn rows_of_a_slice() {
    let mut rng = Lcg(6);
    for rows in [1, 2, 6] {
        let flat = rng.vec(rows * N);
        let to_rows =
            |p: &[f64]| -> Vec<[f64; N]> { p.chunks(N).map(|c| [c[0], c[1], c[2]]).collect() };
        let data = to_rows(&flat);
        let (value, g) = row_norms_grad(&data);
        assert_eq!(value, row_norms(&data));
        let analytic: Vec<f64> = g.rows.iter().flatten().copied().collect();
        let check = check_grad_slice(|p| row_norms(&to_rows(p)), &flat, &analytic).unwrap();
        assert_passes(check, &format!("row_norms, {rows} rows"));
    }
}

#[test]
fn mlp_with_a_local_array() {
    let mut rng = Lcg(7);
    let flat = rng.vec(12 + 4 + 4 + 1 + 3);
    let split = |p: &[f64]| {
        let mut w1 = [[0.0; 3]; 4];
        for j in 0..4 {
            for k in 0..3 {
                w1[j][k] = p[3 * j + k];
            }
        }
        let b1 = [p[12], p[13], p[14], p[15]];
        let w2 = [p[16], p[17], p[18], p[19]];
        (w1, b1, w2, p[20], [p[21], p[22], p[23]])
    };
    let (w1, b1, w2, b2, x) = split(&flat);
    let (value, g) = mlp_grad(w1, b1, w2, b2, x);
    assert_eq!(value, mlp(w1, b1, w2, b2, x));
    let mut analytic: Vec<f64> = g.w1.iter().flatten().copied().collect();
    analytic.extend(g.b1);
    analytic.extend(g.w2);
    analytic.push(g.b2);
    analytic.extend(g.x);
    let check = check_grad_slice(
        |p| {
            let (w1, b1, w2, b2, x) = split(p);
            mlp(w1, b1, w2, b2, x)
        },
        &flat,
        &analytic,
    )
    .unwrap();
    assert_passes(check, "mlp");
}

grad! {
    /// A local array written and read in the same iteration, at the loop's index (softmax),
    /// then read again in a later loop.
    pub fn softmax_dot(z: &[T], v: &[T]) {
        let mut e = [0.0; 4];
        let mut total = 0.0;
        for j in 0..4 {
            e[j] = z[j].exp();
            total += e[j];
        }
        let mut s = 0.0;
        for j in 0..4 {
            s += e[j] / total * v[j];
        }
        s
    }

    /// A local array declared inside a loop: a fresh one each iteration.
    pub fn pairwise(x: &[T]) {
        let mut s = 0.0;
        for i in 0..x.len() {
            let mut d = [0.0; 2];
            d[0] = x[i] * x[i];
            d[1] -= x[i];
            s += d[0] * d[1] + d[1].sin();
        }
        s
    }

    /// Concrete element types, and an array by value.
    #[wrt(w, b)]
    fn sse_f64(w: f64, b: f64, x: f64, ys: &[f64]) -> f64 {
        let r = w * x + b - ys[0];
        r * r
    }
    fn norm2(p: [f32; 3]) -> f32 {
        p[0] * p[0] + p[1] * p[1] + p[2] * p[2]
    }
}

/// The attribute form on an ordinary typed function over a slice.
#[autograd::differentiable]
fn mean_abs(w: f64, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += (w * x).abs();
    }
    s / xs.len() as f64
}

#[test]
fn softmax_and_local_arrays_in_loops() {
    let mut rng = Lcg(8);
    let z = rng.vec(4);
    let v = rng.vec(4);
    let (value, g) = softmax_dot_grad(&z, &v);
    assert_eq!(value, softmax_dot(&z, &v));
    let total: f64 = z.iter().map(|z| z.exp()).sum();
    let expected: f64 = z.iter().zip(&v).map(|(z, v)| z.exp() / total * v).sum();
    assert!((value - expected).abs() < 1e-12);
    let mut flat = z.clone();
    flat.extend(&v);
    let mut analytic = g.z.clone();
    analytic.extend(&g.v);
    let check = check_grad_slice(|p| softmax_dot(&p[..4], &p[4..]), &flat, &analytic).unwrap();
    assert_passes(check, "softmax_dot");

    for len in [0, 1, 5] {
        let x = rng.vec(len);
        let (value, g) = pairwise_grad(&x);
        assert_eq!(value, pairwise(&x));
        assert_passes(check_grad_slice(pairwise, &x, &g.x).unwrap(), "pairwise");
    }
}

#[test]
fn typed_arrays_and_the_attribute_form() {
    let ys = [1.5, -2.0];
    let (value, g) = sse_f64_grad(0.5, 1.0, 2.0, &ys);
    assert_eq!(value, 0.25);
    assert_eq!((g.w, g.b), (2.0, 1.0));

    let (value, g) = norm2_grad([1.0_f32, -2.0, 0.5]);
    assert_eq!(value, 5.25);
    assert_eq!(g.p, [2.0, -4.0, 1.0]);

    let xs = [0.5, -1.5, 2.0];
    let (value, g) = mean_abs_grad(0.8, &xs);
    assert_eq!(value, mean_abs(0.8, &xs));
    assert_passes(
        check_grad_slice(|p| mean_abs(p[0], &p[1..]), &[0.8, 0.5, -1.5, 2.0], &{
            let mut a = vec![g.w];
            a.extend(&g.xs);
            a
        })
        .unwrap(),
        "mean_abs",
    );
}

grad! {
    /// A store into a local array inside an `if` arm (no loop).
    fn stored_in_arm(p0, p1) {
        let mut h = [0.0; 1];
        if p1 > 0.0 {
            h[0] = p0 * p0;
        }
        h[0]
    }

    /// The length as a number, in a body without a loop; the gradient has only scalar fields.
    #[wrt(p0)]
    fn per_element(p0, xs: &[T]) {
        p0 / xs.len()
    }
}

#[test]
fn stores_in_arms_and_lengths_without_loops() {
    assert_eq!(
        stored_in_arm_grad(0.5, 1.0),
        (0.25, StoredInArmGrad { p0: 1.0, p1: 0.0 })
    );
    assert_eq!(stored_in_arm_grad(0.5, -1.0).1.p0, 0.0);
    let (value, g) = per_element_grad(0.5, &[1.0, 2.0]);
    assert_eq!(value, 0.25);
    assert_eq!(g.to_array(), [0.5]);
}

grad! {
    /// A local array after an early return: the rest of the body is the `if`'s other arm, and
    /// the array is declared before the `if`, where the reverse `if` sees it.
    fn after_return(v: [T; 3], k) {
        if k > 1.0 {
            return k;
        }
        let mut h = [0.0; 2];
        for i in 0..3 {
            h[i % 2] += (v[i] * k).sin();
        }
        h[0] * h[1] + k
    }
}

#[test]
fn a_local_array_after_an_early_return() {
    for k in [0.5, 2.0] {
        let v = [0.3, -0.7, 0.9];
        let (value, g) = after_return_grad(v, k);
        assert_eq!(value, after_return(v, k));
        let mut flat = v.to_vec();
        flat.push(k);
        let mut analytic = g.v.to_vec();
        analytic.push(g.k);
        let check =
            check_grad_slice(|p| after_return([p[0], p[1], p[2]], p[3]), &flat, &analytic).unwrap();
        assert_passes(check, &format!("after_return, k = {k}"));
    }
}
