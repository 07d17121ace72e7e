use autograd::grad;

const K: usize = 3;

grad! {
    fn f(x) {
        x * (K as f64)
    }
}

fn main() {}
