use autograd::grad;

grad! {
    fn f(x) {
        loop {
            return x;
        }
    }
}

fn main() {}
