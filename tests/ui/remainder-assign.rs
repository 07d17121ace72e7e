use autograd::grad;

grad! {
    fn wrap(x, y) {
        let mut m = x;
        m %= y;
        m
    }
}

fn main() {}
