use autograd::grad;
grad! {
    fn f(x, y) { x * x * y + y.sin() }
}
#[test]
fn smoke() {
    let (v, g, h) = f_hessian(1.0_f64, 2.0);
    println!("{v} {g:?} {h:?}");
    let (v, g, hv) = f_hvp(1.0_f64, 2.0, FGrad { x: 1.0, y: 0.0 });
    println!("{v} {g:?} {hv:?}");
    println!("{:?}", f_jvp(1.0_f64, 2.0, FGrad { x: 1.0, y: 0.0 }));
}
