//! W3 of issue 4, shared by `benches/w3_train.rs` and `bench-peers/benches/w3_peers.rs`: one
//! training step (forward + backward + SGD update) of an MLP, for our `autograd::nn::Mlp` and
//! for a hand-written baseline on `matrixmultiply` whose buffers are allocated once (the
//! packing buffer `matrixmultiply` allocates inside each product is the only allocation of its
//! step). Both start from the same parameters (the `Mlp`'s), so their gradients can be compared.

#![allow(dead_code)]

use autograd::nn::{loss, Activation, Mlp};
use autograd::optim::{Optimizer, Sgd};
use autograd::Real;
use autograd::Scalar;
use criterion::Criterion;

use crate::rounds::{flat_group, rotated, rounds};

pub const LR: f64 = 0.01;

/// A named training step (or product), timed in rounds.
pub type Contender<'a> = (&'static str, Box<dyn FnMut() + 'a>);

/// Times `contenders` in `W3_ROUNDS` rounds (default 5; `rounds.rs`): groups `name`,
/// `name_r2`, ..., each round starting with another contender.
pub fn time_in_rounds(c: &mut Criterion, name: &str, contenders: &mut [Contender<'_>]) {
    for round in rounds("W3_ROUNDS") {
        let mut grp = flat_group(c, name, round);
        for (id, f) in rotated(contenders, round) {
            grp.bench_function(*id, |b| b.iter(&mut *f));
        }
        grp.finish();
    }
}

/// A workload: layer widths, hidden activation, loss, batch size.
#[derive(Clone, Copy, Debug)]
pub struct Net {
    pub sizes: &'static [usize],
    pub hidden: Activation,
    /// Softmax cross-entropy on class labels if true, else MSE on targets.
    pub softmax: bool,
    pub batch: usize,
}

/// W3a: 2→16→16→1, tanh, MSE, batch 64.
pub const W3A: Net = Net {
    sizes: &[2, 16, 16, 1],
    hidden: Activation::Tanh,
    softmax: false,
    batch: 64,
};

/// W3b: 784→128→10, ReLU, softmax cross-entropy, batch 128.
pub const W3B: Net = Net {
    sizes: &[784, 128, 10],
    hidden: Activation::Relu,
    softmax: true,
    batch: 128,
};

pub const SEED: u64 = 7;

fn hash(i: u64, s: u64) -> f64 {
    let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ s.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Deterministic synthetic data: inputs, regression targets (MSE) and class labels (softmax).
pub struct Data<T> {
    pub x: Vec<T>,
    pub y: Vec<T>,
    pub labels: Vec<usize>,
}

impl Net {
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }
    pub fn outputs(&self) -> usize {
        self.sizes[self.sizes.len() - 1]
    }

    pub fn data<T: Real>(&self) -> Data<T> {
        let (b, i, o) = (self.batch, self.inputs(), self.outputs());
        let x: Vec<f64> = if self.softmax {
            // pixel-like values in [0, 1)
            (0..b * i).map(|k| hash(k as u64, 1)).collect()
        } else {
            (0..b * i).map(|k| 4.0 * hash(k as u64, 1) - 2.0).collect()
        };
        // Regression target: a smooth function of the inputs.
        let y: Vec<f64> = (0..b * o)
            .map(|k| {
                let r = &x[(k / o) * i..(k / o + 1) * i];
                (r.iter().sum::<f64>()).sin() * 0.8
            })
            .collect();
        let labels = (0..b).map(|k| (k * 7 + 3) % o.max(1)).collect();
        Data {
            x: x.into_iter().map(T::lit).collect(),
            y: y.into_iter().map(T::lit).collect(),
            labels,
        }
    }

    /// Our model, seeded: the parameters every contender starts from.
    pub fn mlp<T: Scalar>(&self) -> Mlp<T> {
        let mut m = Mlp::new(self.sizes, self.hidden, SEED).expect("the workload sizes are valid");
        // Nonzero biases (the Mlp starts them at zero), so a ReLU kink is never hit exactly.
        for t in m.layout().to_vec() {
            if t.name.ends_with("bias") {
                for (k, i) in t.range.enumerate() {
                    m.params_mut()[i] = T::lit(0.01 * (k as f64 + 1.0).sin());
                }
            }
        }
        m
    }
}

/// Our training step. Returns the loss before the update.
pub struct Ours<T> {
    pub mlp: Mlp<T>,
    pub opt: Sgd<T>,
    pub dy: Vec<T>,
    pub net: Net,
}

impl<T: Scalar> Ours<T> {
    pub fn new(net: Net) -> Self {
        Ours {
            mlp: net.mlp(),
            opt: Sgd::new(T::lit(LR)),
            dy: vec![T::zero(); net.batch * net.outputs()],
            net,
        }
    }

    /// Forward, loss and backward: the gradient is left in `self.mlp.grads()`.
    pub fn grad(&mut self, d: &Data<T>) -> T {
        let out = self.mlp.forward(&d.x).unwrap();
        let l = if self.net.softmax {
            loss::softmax_cross_entropy(out, &d.labels, &mut self.dy).unwrap()
        } else {
            loss::mse(out, &d.y, &mut self.dy).unwrap()
        };
        self.mlp.backward(&self.dy).unwrap();
        l
    }

    #[inline(never)]
    pub fn step(&mut self, d: &Data<T>) -> T {
        let l = self.grad(d);
        let (p, g) = self.mlp.params_and_grads();
        self.opt
            .step(p, g)
            .expect("the Mlp gives parameters and gradients of one layout");
        l
    }
}

/// A product `c = a·b + beta·c` (`m, k, n`, A and B with `(row, column)` strides, C row-major).
pub type MmFn<T> = fn(usize, usize, usize, &[T], (usize, usize), &[T], (usize, usize), T, &mut [T]);

/// How the hand-written step computes tanh.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HandTanh {
    /// `f32::tanh` / `f64::tanh`: libm, one scalar call per element.
    Libm,
    /// `autograd::nn::kernels::tanh`: the runtime's tanh, `Real::tanh_fast`.
    Fast,
}

/// The hand-written step: the same layout as `Mlp` (per layer W `out × in` row-major, then b),
/// every buffer allocated once.
pub struct Hand<T> {
    net: Net,
    tanh: HandTanh,
    mm: MmFn<T>,
    pub params: Vec<T>,
    pub grads: Vec<T>,
    /// `(weight offset, bias offset)` of each layer.
    offs: Vec<(usize, usize)>,
    /// Output of each layer, post-activation.
    acts: Vec<Vec<T>>,
    delta: Vec<T>,
    delta_prev: Vec<T>,
}

impl<T: Scalar> Hand<T> {
    /// The step with `matrixmultiply` for every product (through the runtime's bounds-checked
    /// call of it, without the runtime's own loop for small products).
    pub fn new(net: Net, params: &[T], tanh: HandTanh) -> Self {
        Self::with_gemm(net, params, tanh, |m, k, n, a, sa, b, sb, beta, c| {
            T::matrixmultiply((m, k, n), a, sa, b, sb, beta, c)
        })
    }

    /// The same step with another GEMM.
    pub fn with_gemm(net: Net, params: &[T], tanh: HandTanh, mm: MmFn<T>) -> Self {
        let mut offs = Vec::new();
        let mut at = 0;
        for w in net.sizes.windows(2) {
            offs.push((at, at + w[0] * w[1]));
            at += w[0] * w[1] + w[1];
        }
        assert_eq!(at, params.len());
        let widest = net.sizes.iter().copied().max().unwrap();
        Hand {
            net,
            tanh,
            mm,
            params: params.to_vec(),
            grads: vec![T::zero(); at],
            offs,
            acts: net.sizes[1..]
                .iter()
                .map(|&o| vec![T::zero(); net.batch * o])
                .collect(),
            delta: vec![T::zero(); net.batch * widest],
            delta_prev: vec![T::zero(); net.batch * widest],
        }
    }

    pub fn grad(&mut self, d: &Data<T>) -> T {
        let net = self.net;
        let nb = net.batch;
        let layers = net.sizes.len() - 1;
        // forward
        for l in 0..layers {
            let (i, o) = (net.sizes[l], net.sizes[l + 1]);
            let (wo, bo) = self.offs[l];
            let (before, after) = self.acts.split_at_mut(l);
            let input: &[T] = if l == 0 { &d.x } else { &before[l - 1] };
            let out = &mut after[0];
            for row in out.chunks_exact_mut(o) {
                row.copy_from_slice(&self.params[bo..bo + o]);
            }
            // out += input · Wᵀ
            (self.mm)(
                nb,
                i,
                o,
                input,
                (i, 1),
                &self.params[wo..bo],
                (1, i),
                T::one(),
                out,
            );
            if l + 1 < layers {
                match (net.hidden, self.tanh) {
                    (Activation::Tanh, HandTanh::Libm) => {
                        out.iter_mut().for_each(|v| *v = v.tanh())
                    }
                    (Activation::Tanh, HandTanh::Fast) => out
                        .iter_mut()
                        .for_each(|v| *v = autograd::nn::kernels::tanh(*v)),
                    (Activation::Relu, _) => out.iter_mut().for_each(|v| *v = v.max(T::zero())),
                    (a, _) => panic!("the hand-written baseline has tanh and relu only, not {a:?}"),
                }
            }
        }
        // loss and dL/d(out)
        let o = net.outputs();
        let out = &self.acts[layers - 1];
        let dy = &mut self.delta[..nb * o];
        let inv = T::one() / T::lit(nb as f64);
        let mut total = T::zero();
        if net.softmax {
            for ((row, g), &label) in out
                .chunks_exact(o)
                .zip(dy.chunks_exact_mut(o))
                .zip(&d.labels)
            {
                let m = row.iter().copied().fold(T::neg_infinity(), T::max);
                let mut s = T::zero();
                for (gv, &z) in g.iter_mut().zip(row) {
                    *gv = (z - m).exp();
                    s += *gv;
                }
                total += s.ln() + m - row[label];
                let r = inv / s;
                g.iter_mut().for_each(|gv| *gv *= r);
                g[label] -= inv;
            }
        } else {
            let inv = T::one() / T::lit((nb * o) as f64);
            for ((g, &p), &t) in dy.iter_mut().zip(out).zip(&d.y) {
                let e = p - t;
                total += e * e;
                *g = T::lit(2.0) * e * inv;
            }
            total *= inv;
            return self.backward(d, total);
        }
        self.backward(d, total * inv)
    }

    fn backward(&mut self, d: &Data<T>, loss: T) -> T {
        let net = self.net;
        let nb = net.batch;
        let layers = net.sizes.len() - 1;
        for l in (0..layers).rev() {
            let (i, o) = (net.sizes[l], net.sizes[l + 1]);
            let (wo, bo) = self.offs[l];
            let dz = &mut self.delta[..nb * o];
            if l + 1 < layers {
                let y = &self.acts[l];
                match net.hidden {
                    Activation::Tanh => dz
                        .iter_mut()
                        .zip(y)
                        .for_each(|(g, &y)| *g *= T::one() - y * y),
                    Activation::Relu => dz.iter_mut().zip(y).for_each(|(g, &y)| {
                        if y <= T::zero() {
                            *g = T::zero()
                        }
                    }),
                    a => panic!("the hand-written baseline has tanh and relu only, not {a:?}"),
                }
            }
            let input: &[T] = if l == 0 { &d.x } else { &self.acts[l - 1] };
            let (gw, gb) = self.grads[wo..bo + o].split_at_mut(bo - wo);
            // dW = dzᵀ · input
            (self.mm)(o, nb, i, dz, (1, o), input, (i, 1), T::zero(), gw);
            gb.fill(T::zero());
            for row in dz.chunks_exact(o) {
                for (s, &g) in gb.iter_mut().zip(row) {
                    *s += g;
                }
            }
            if l > 0 {
                // d(input) = dz · W
                let dx = &mut self.delta_prev[..nb * i];
                (self.mm)(
                    nb,
                    o,
                    i,
                    dz,
                    (o, 1),
                    &self.params[wo..bo],
                    (i, 1),
                    T::zero(),
                    dx,
                );
                core::mem::swap(&mut self.delta, &mut self.delta_prev);
            }
        }
        loss
    }

    #[inline(never)]
    pub fn step(&mut self, d: &Data<T>) -> T {
        let l = self.grad(d);
        let lr = T::lit(LR);
        for (p, &g) in self.params.iter_mut().zip(&self.grads) {
            *p -= lr * g;
        }
        l
    }
}

/// Largest relative difference between two gradients (floored at 1e-3 of the largest
/// magnitude, so that components that are zero up to rounding do not count).
pub fn grad_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs() / a.abs().max(b.abs()).max(1e-3 * scale))
        .fold(0.0, f64::max)
}

/// Panics unless `got` matches `want` to `tol`.
pub fn check(name: &str, loss: (f64, f64), got: &[f64], want: &[f64], tol: f64) {
    let err = grad_err(got, want).max((loss.0 - loss.1).abs() / loss.1.abs());
    assert!(err <= tol, "{name}: differs from ours by {err:e} > {tol:e}");
    eprintln!("checked {name}: max relative difference {err:.1e} (<= {tol:e})");
}

/// Runs one `grad` of ours and of the hand-written step in f64 and checks they agree.
pub fn check_hand(name: &str, net: Net) -> (f64, Vec<f64>) {
    let d = net.data::<f64>();
    let mut ours = Ours::<f64>::new(net);
    let l = ours.grad(&d);
    let want = ours.mlp.grads().to_vec();
    for tanh in [HandTanh::Libm, HandTanh::Fast] {
        let mut hand = Hand::new(net, ours.mlp.params(), tanh);
        let lh = hand.grad(&d);
        check(
            &format!("{name} hand {tanh:?}"),
            (lh, l),
            &hand.grads,
            &want,
            1e-9,
        );
    }
    (l, want)
}
