use autograd::grad;

grad! {
    fn loss(w, 2.0) {
        w
    }
}

fn main() {
    let _ = loss_grad(1.0, 2.0);
}
