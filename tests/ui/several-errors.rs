use autograd::grad;

grad! {
    fn f(x, n: i32) {
        let y = x.erf();
        for _ in 0..3 {}
        y * scale % 2.0
    }
}

fn main() {}
