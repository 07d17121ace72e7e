use autograd::grad;

grad! {
    fn f(x) {
        let square = |t| t * t;
        square(x)
    }
}

fn main() {}
