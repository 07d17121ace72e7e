use autograd::grad;

grad! {
    fn good(x, y) {
        x * y
    }

    fn bad(x, y) {
        x.erf() * y
    }
}

fn main() {
    let _ = good_grad(1.0, 2.0);
    let _ = bad_grad(1.0, 2.0);
    let _: BadGrad<f64> = bad_grad(1.0, 2.0).1;
}
