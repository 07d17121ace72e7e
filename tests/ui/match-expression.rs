use autograd::grad;

grad! {
    fn f(x) {
        match x {
            _ => x,
        }
    }
}

fn main() {}
