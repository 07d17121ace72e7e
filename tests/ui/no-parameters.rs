use autograd::grad;

grad! {
    fn f() {
        1.0
    }
}

fn main() {}
