use autograd::grad;

grad! {
    fn f(x) {
        x.erf()
    }
}

fn main() {}
