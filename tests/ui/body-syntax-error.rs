use autograd::grad;

grad! {
    fn loss(w, x) {
        w * x +
    }
}

fn main() {
    let _ = loss_grad(1.0, 2.0);
}
