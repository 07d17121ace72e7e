use autograd::grad;

grad! {
    fn dot(u: &[T], v: &[T]) {
        let mut s = 0.0;
        for (&a, &b) in u.iter().zip(v) {
            s += a * b;
        }
        s
    }
    fn sq(v: [T; 3]) {
        v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
    }
    fn total(m: &[[T; 3]]) {
        let mut s = 0.0;
        for i in 0..m.len() {
            s += sq(m[i]);
        }
        s
    }
    fn f(xs: &[T], v: [T; 3], m: &[[T; 3]], a) {
        // a fixed-size array where a slice goes: `&v`
        let p = dot(v, xs);
        // by value where it is taken by value: no `&`
        let q = sq(&v);
        // a slice where a fixed length is taken
        let r = sq(xs);
        // rows where numbers are taken, and numbers where rows are
        let s = dot(m, xs) + total(xs);
        // a number, and an expression, where an array goes
        let t = sq(a) + dot(xs, 2.0 * a);
        p + q + r + s + t
    }
}

fn main() {}
