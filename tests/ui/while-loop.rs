use autograd::grad;

grad! {
    fn f(x) {
        let mut y = x;
        while y < 10.0 {
            y *= 2.0;
        }
        y
    }
}

fn main() {}
