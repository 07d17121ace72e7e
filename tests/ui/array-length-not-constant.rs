use autograd::grad;

grad! {
    fn f(x: [T; 1 + 2]) {
        x[0]
    }
}

fn main() {}
