use autograd::grad;

grad! {
    fn f(x) {
        let mut y = x;
        for _ in 0..3 {
            y *= x;
        }
        y
    }
}

fn main() {}
