//! W3 on burn 0.22 (ndarray backend behind burn's dispatch `Device`, with autodiff): the same
//! MLP (`burn::nn::Linear` layers, weights loaded from `Mlp`'s), loss and SGD step.

use burn::module::Param;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::activation::{relu, tanh};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};

fn model(sizes: &[usize], params: &[f64], device: &Device, dtype: DType) -> Vec<Linear> {
    let mut layers = Vec::new();
    let mut at = 0;
    for w in sizes.windows(2) {
        let (i, o) = (w[0], w[1]);
        // burn's Linear holds W as `in × out`: the transpose of Mlp's `out × in`.
        let mut wt = vec![0.0; i * o];
        for r in 0..o {
            for c in 0..i {
                wt[c * o + r] = params[at + r * i + c];
            }
        }
        let b = params[at + o * i..at + o * i + o].to_vec();
        let mut lin = LinearConfig::new(i, o).init(device);
        lin.weight = Param::from_tensor(Tensor::<2>::from_data(TensorData::new(wt, [i, o]), (device, dtype)));
        lin.bias = Some(Param::from_tensor(Tensor::<1>::from_data(TensorData::new(b, [o]), (device, dtype))));
        layers.push(lin);
        at += o * i + o;
    }
    assert_eq!(at, params.len());
    layers
}

/// The training state: model, optimizer, data.
pub struct BurnStep {
    model: Option<Vec<Linear>>,
    opt: burn::optim::ModuleOptimizer,
    hidden_relu: bool,
    softmax: bool,
    x: Tensor<2>,
    y: Tensor<2>,
    labels: Tensor<1, Int>,
    device: Device,
    lr: f64,
}

impl BurnStep {
    #[allow(clippy::too_many_arguments)]
    fn with_dtype(
        sizes: &[usize],
        hidden_relu: bool,
        softmax: bool,
        params: &[f64],
        (x, y, labels): (&[f64], &[f64], &[usize]),
        lr: f64,
        dtype: DType,
    ) -> Self {
        let device = Device::default().autodiff();
        let batch = x.len() / sizes[0];
        let o = sizes[sizes.len() - 1];
        let (x, y) = (x.to_vec(), y.to_vec());
        let labels: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        BurnStep {
            model: Some(model(sizes, params, &device, dtype)),
            opt: SgdConfig::new().init(),
            hidden_relu,
            softmax,
            x: Tensor::from_data(TensorData::new(x, [batch, sizes[0]]), (&device, dtype)),
            y: Tensor::from_data(TensorData::new(y, [batch, o]), (&device, dtype)),
            labels: Tensor::from_data(TensorData::new(labels, [batch]), &device),
            device,
            lr,
        }
    }

    /// f32, for timing.
    pub fn new(sizes: &[usize], hidden_relu: bool, softmax: bool, params: &[f64], d: (&[f64], &[f64], &[usize]), lr: f64) -> Self {
        Self::with_dtype(sizes, hidden_relu, softmax, params, d, lr, DType::F32)
    }

    fn loss(&self) -> Tensor<1> {
        let layers = self.model.as_ref().unwrap();
        let mut h = self.x.clone();
        for (l, lin) in layers.iter().enumerate() {
            h = lin.forward(h);
            if l + 1 < layers.len() {
                h = if self.hidden_relu { relu(h) } else { tanh(h) };
            }
        }
        if self.softmax {
            CrossEntropyLossConfig::new()
                .init(&self.device)
                .forward(h, self.labels.clone())
        } else {
            MseLoss::new().forward(h, self.y.clone(), Reduction::Mean)
        }
    }

    /// One training step: forward, backward, SGD update.
    #[inline(never)]
    pub fn step(&mut self) {
        let loss = self.loss();
        let grads = loss.backward();
        let model = self.model.take().unwrap();
        let grads = GradientsParams::from_grads(grads, &model);
        self.model = Some(self.opt.step(self.lr, model, grads));
    }
}

/// Loss and gradient in f64, flattened in `Mlp`'s layout, for the check.
pub fn grad_f64(sizes: &[usize], hidden_relu: bool, softmax: bool, params: &[f64], d: (&[f64], &[f64], &[usize]), lr: f64) -> (f64, Vec<f64>) {
    let s = BurnStep::with_dtype(sizes, hidden_relu, softmax, params, d, lr, DType::F64);
    let loss = s.loss();
    let grads = loss.backward();
    let mut out = Vec::new();
    for lin in s.model.as_ref().unwrap() {
        let gw = lin.weight.grad(&grads).expect("weight gradient");
        let [i, o] = gw.dims();
        let gw: Vec<f64> = gw.into_data().convert::<f64>().try_to_vec().unwrap();
        for r in 0..o {
            for c in 0..i {
                out.push(gw[c * o + r]);
            }
        }
        let gb = lin.bias.as_ref().unwrap().grad(&grads).expect("bias gradient");
        out.extend(gb.into_data().convert::<f64>().try_to_vec::<f64>().unwrap());
    }
    let l: Vec<f64> = loss.into_data().convert::<f64>().try_to_vec().unwrap();
    (l[0], out)
}

