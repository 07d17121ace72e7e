use autograd::grad;

grad! {
    fn f(x) {
        let y;
        y = x;
        y
    }
}

fn main() {}
