use autograd::grad;

#[allow(unused_macros)] // the macro rejects its use
macro_rules! square {
    ($e:expr) => {
        $e * $e
    };
}

grad! {
    fn f(x) {
        let y = square!(x);
        y + 1.0
    }
}

fn main() {}
