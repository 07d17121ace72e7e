use autograd::grad;

grad! {
    fn loss(x) {
        x * 2.0
    }

    fn loss_grad(x) {
        x * 3.0
    }
}

fn main() {}
