use autograd::{grad, Real};

fn g<T: Real>(a: T, b: T) -> T {
    a * b
}

fn g_grad<T: Real>(a: T, b: T) -> (T, [T; 1]) {
    (a * b, [b])
}

grad! {
    fn f(x, y) {
        g(x, y) + 1.0
    }
}

fn main() {}
