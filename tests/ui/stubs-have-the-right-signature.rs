use autograd::grad;

grad! {
    fn loss(w, x) {
        (w * x).erf()
    }
}

fn main() {
    // A second, deliberate mistake: its message shows the stub's signature.
    let _: () = loss_grad(1.0, 2.0);
}
