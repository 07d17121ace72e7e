use autograd::grad;

grad! {
    fn f(x, xs: &[T]) {
        let mut y = x;
        for v in xs.iter().map(|v| v * 2.0) {
            y *= v;
        }
        y
    }
}

fn main() {}
