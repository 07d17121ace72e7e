use autograd::grad;

grad! {
    fn f(x) {
        println!("x = {}", x);
        x * x
    }
}

fn main() {}
