//! W3 of issue 4, every contender in one run, one thread each (`bench/run` sets
//! `RAYON_NUM_THREADS=1`, which candle's CPU matmul obeys): ours and the hand-written
//! `matrixmultiply` step (from the root package's `benches/common/w3.rs`), candle, and burn
//! (ndarray backend + autodiff) when built with `--features burn`.
//!
//! Both workloads run in `W3_ROUNDS` rounds (default 5; `benches/common/rounds.rs`), each round
//! starting with another contender, so that a ratio pairs times taken seconds apart.

use std::hint::black_box;

use bench_peers::w3_candle::CandleMlp;
use candle_core::DType;
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../../benches/common/rounds.rs"]
mod rounds;
#[path = "../../benches/common/w3.rs"]
mod w3;

use w3::*;

fn candle(net: Net, params: &[f64], dtype: DType) -> CandleMlp {
    let d = net.data::<f64>();
    CandleMlp::new(
        net.sizes,
        net.hidden == autograd::nn::Activation::Relu,
        net.softmax,
        params,
        &d.x,
        &d.y,
        &d.labels,
        dtype,
        LR,
    )
    .unwrap()
}

fn run(c: &mut Criterion, name: &str, net: Net) {
    // Checks in f64, to 1e-9: hand-written and candle (and burn) against ours.
    let (l, want) = check_hand(name, net);
    {
        let d = net.data::<f64>();
        let mut ours = Ours::<f64>::new(net);
        ours.grad(&d);
        let mut hg = Hand::with_gemm(net, ours.mlp.params(), HandTanh::Libm, bench_peers::gemm_f64);
        let lg = hg.grad(&d);
        check(&format!("{name} hand gemm-crate"), (lg, l), &hg.grads, &want, 1e-9);
    }
    let params: Vec<f64> = net.mlp::<f64>().params().to_vec();
    let (lc, gc) = candle(net, &params, DType::F64).grad().unwrap();
    check(&format!("{name} candle"), (lc, l), &gc, &want, 1e-9);
    #[cfg(feature = "burn")]
    {
        let dd = net.data::<f64>();
        let (lb, gb) = bench_peers::w3_burn::grad_f64(net.sizes, net.hidden == autograd::nn::Activation::Relu, net.softmax, &params, (&dd.x, &dd.y, &dd.labels), LR);
        check(&format!("{name} burn"), (lb, l), &gb, &want, 1e-9);
    }

    let d = net.data::<f32>();
    let mut ours = Ours::<f32>::new(net);
    let p32 = ours.mlp.params().to_vec();
    let mut hand = Hand::new(net, &p32, HandTanh::Libm);
    let mut fast = Hand::new(net, &p32, HandTanh::Fast);
    let mut hand_gemm = Hand::with_gemm(net, &p32, HandTanh::Libm, bench_peers::gemm_f32);
    let mut cd = candle(net, &params, DType::F32);
    #[cfg(feature = "burn")]
    let dd = net.data::<f64>();
    #[cfg(feature = "burn")]
    let mut bm = bench_peers::w3_burn::BurnStep::new(net.sizes, net.hidden == autograd::nn::Activation::Relu, net.softmax, &params, (&dd.x, &dd.y, &dd.labels), LR);
    let mut contenders: Vec<Contender<'_>> = vec![
        ("ours", Box::new(|| {
            black_box(ours.step(black_box(&d)));
        })),
        ("hand", Box::new(|| {
            black_box(hand.step(black_box(&d)));
        })),
    ];
    if net.hidden == autograd::nn::Activation::Tanh {
        contenders.push(("hand_fast_tanh", Box::new(|| {
            black_box(fast.step(black_box(&d)));
        })));
    }
    contenders.push(("hand_gemm", Box::new(|| {
        black_box(hand_gemm.step(black_box(&d)));
    })));
    contenders.push(("candle", Box::new(|| cd.step().unwrap())));
    #[cfg(feature = "burn")]
    contenders.push(("burn", Box::new(|| bm.step())));
    time_in_rounds(c, name, &mut contenders);
}

fn bench(c: &mut Criterion) {
    run(c, "W3a", W3A);
    run(c, "W3b", W3B);
}

criterion_group!(benches, bench);
criterion_main!(benches);
