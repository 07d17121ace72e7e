//! W3 on candle (candle-core + candle-nn, CPU): the same MLP, loss and SGD step.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::optim::{Optimizer, SGD};

/// A candle MLP: per layer a weight `out × in` and a bias, as `Var`s, plus the SGD optimizer.
pub struct CandleMlp {
    pub vars: Vec<(Var, Var)>,
    hidden_relu: bool,
    opt: SGD,
    x: Tensor,
    /// Regression target or class labels (u32).
    target: Tensor,
    softmax: bool,
}

impl CandleMlp {
    /// Builds the MLP from parameters in `Mlp`'s layout, in `dtype`.
    pub fn new(
        sizes: &[usize],
        hidden_relu: bool,
        softmax: bool,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        labels: &[usize],
        dtype: DType,
        lr: f64,
    ) -> candle_core::Result<Self> {
        let dev = Device::Cpu;
        let mut vars = Vec::new();
        let mut at = 0;
        for w in sizes.windows(2) {
            let (i, o) = (w[0], w[1]);
            let wt = Tensor::from_slice(&params[at..at + o * i], (o, i), &dev)?.to_dtype(dtype)?;
            let bt = Tensor::from_slice(&params[at + o * i..at + o * i + o], o, &dev)?.to_dtype(dtype)?;
            vars.push((Var::from_tensor(&wt)?, Var::from_tensor(&bt)?));
            at += o * i + o;
        }
        assert_eq!(at, params.len());
        let batch = x.len() / sizes[0];
        let x = Tensor::from_slice(x, (batch, sizes[0]), &dev)?.to_dtype(dtype)?;
        let target = if softmax {
            let l: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
            Tensor::from_slice(&l, batch, &dev)?
        } else {
            Tensor::from_slice(y, (batch, sizes[sizes.len() - 1]), &dev)?.to_dtype(dtype)?
        };
        let all = vars.iter().flat_map(|(w, b)| [w.clone(), b.clone()]).collect();
        Ok(CandleMlp {
            vars,
            hidden_relu,
            opt: SGD::new(all, lr)?,
            x,
            target,
            softmax,
        })
    }

    pub fn loss(&self) -> candle_core::Result<Tensor> {
        let mut h = self.x.clone();
        let last = self.vars.len() - 1;
        for (l, (w, b)) in self.vars.iter().enumerate() {
            h = h.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())?;
            if l < last {
                h = if self.hidden_relu { h.relu()? } else { h.tanh()? };
            }
        }
        if self.softmax {
            candle_nn::loss::cross_entropy(&h, &self.target)
        } else {
            candle_nn::loss::mse(&h, &self.target)
        }
    }

    /// The loss and the gradient, flattened in `Mlp`'s layout (for the check).
    pub fn grad(&self) -> candle_core::Result<(f64, Vec<f64>)> {
        let loss = self.loss()?;
        let grads = loss.backward()?;
        let mut out = Vec::new();
        for (w, b) in &self.vars {
            for v in [w, b] {
                let g = grads.get(v.as_tensor()).expect("gradient");
                out.extend(g.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?);
            }
        }
        Ok((loss.to_dtype(DType::F64)?.to_scalar::<f64>()?, out))
    }

    /// One training step: forward, backward, SGD update.
    #[inline(never)]
    pub fn step(&mut self) -> candle_core::Result<()> {
        let loss = self.loss()?;
        self.opt.backward_step(&loss)
    }
}
