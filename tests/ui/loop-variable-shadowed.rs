use autograd::grad;

grad! {
    fn f(m: [[T; 2]; 2]) {
        let mut s = 0.0;
        for i in 0..2 {
            for i in 0..2 {
                s += m[i][i];
            }
        }
        s
    }
}

fn main() {}
