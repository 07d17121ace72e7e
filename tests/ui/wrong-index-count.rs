use autograd::grad;

grad! {
    fn f(m: &[[T; 3]], v: [T; 3]) {
        m[0] * v[0][1]
    }
}

fn main() {}
