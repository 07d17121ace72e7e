use autograd::grad;

grad! {
    fn f(x) {
        let y = x;
        y += 1.0;
        y
    }
}

fn main() {}
