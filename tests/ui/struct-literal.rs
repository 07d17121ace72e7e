use autograd::grad;

struct Point {
    x: f64,
    y: f64,
}

grad! {
    fn f(a: f64, b: f64) -> f64 {
        let p = Point { x: a, y: b };
        a + b
    }
}

fn main() {}
