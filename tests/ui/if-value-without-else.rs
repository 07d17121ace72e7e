use autograd::grad;

grad! {
    fn f(x) {
        let y = if x > 0.0 { x };
        y
    }
}

fn main() {}
