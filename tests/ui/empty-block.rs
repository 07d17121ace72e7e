use autograd::grad;

grad! {}

fn main() {}
