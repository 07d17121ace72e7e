use autograd::grad;

grad! {
    async fn f(x) {
        x
    }
}

fn main() {}
