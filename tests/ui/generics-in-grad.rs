use autograd::grad;

grad! {
    fn f<T>(x: T) -> T {
        x
    }
}

fn main() {}
