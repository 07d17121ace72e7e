use autograd::grad;

grad! {
    fn f(x) {
        fn square(t: f64) -> f64 {
            t * t
        }
        x
    }
}

fn main() {}
