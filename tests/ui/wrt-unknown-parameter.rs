use autograd::grad;

grad! {
    #[wrt(z)]
    fn f(x, y) {
        x * y
    }
}

fn main() {}
