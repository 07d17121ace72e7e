// Only the real error: the stub gradient type derives what the real one does, so printing
// the result of `f_grad` adds no error of its own.
use autograd::grad;

grad! {
    #[wrt(z)]
    fn f(x, y) {
        x * y
    }
}

fn main() {
    println!("{:?}", f_grad(1.0, 2.0));
}
