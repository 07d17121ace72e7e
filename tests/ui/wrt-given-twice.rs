use autograd::grad;

grad! {
    #[wrt(x)]
    #[wrt(y)]
    fn f(x, y) {
        x * y
    }
}

fn main() {}
