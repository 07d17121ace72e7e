use autograd::grad;

grad! {
    #[wrt()]
    fn f(x, y) {
        x * y
    }
}

fn main() {}
