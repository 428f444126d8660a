//! ergoaudit's own depthwise convolution, swapped into the pose models at load time.
//!
//! BlazePose spends about half of every frame in depthwise convolutions (one filter per
//! channel: 3×3 and 5×5, strides 1 and 2, zero padding), and tract 0.23 runs them at 1.4–6
//! GFMA/s on x86_64. [`swap_in`] replaces each of them in a decluttered model with
//! [`Depthwise`], whose loops (`kernel.rs`) work on a register of f32 lanes at a time: as many
//! output columns of one channel when the tensor is channel-first (how tract lays out most of
//! BlazePose after decluttering), as many contiguous channels when it is channel-last. A
//! following ReLU or ReLU6 (tract's `Max` and `Min` with a constant) is fused into the op.
//! The lanes are AVX-512 or AVX registers or plain arrays, chosen at run time (the `ops`
//! module).
//!
//! The op keeps tract's arithmetic up to rounding: the tests check it, both lane kinds,
//! against tract's own convolution on every depthwise shape of the four bundled models.

use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::Conv;

use super::graph::{conv_frame, f32s, filled, swap_convs};
use super::lanes::{Lanes, Loops};
use super::run::run_best_dividing;
use kernel::{Geometry, Inputs, Layout, convolve_with};

mod kernel;

/// A depthwise 2-D convolution of f32 data, with its bias and a clamp (ReLU, ReLU6 or none)
/// fused. Inputs: the data, the kernel packed by [`swap_in`] (`[C, kh·kw]` for channel-first
/// data, `[kh·kw, C]` for channel-last), and the bias `[C]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Depthwise(Geometry);

impl Op for Depthwise {
    fn name(&self) -> StaticName {
        "ergoaudit.Depthwise".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let [low, high] = self.0.clamp();
        Ok(vec![format!(
            "{:?} {}×{} stride {:?} pad {:?} on {:?}, clamp {low}..{high}",
            self.0.layout,
            self.0.frame.kernel_hw[0],
            self.0.frame.kernel_hw[1],
            self.0.frame.strides,
            self.0.frame.pad_before,
            self.0.frame.input_shape
        )])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for Depthwise {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let [data, kernel, bias] = &*inputs else { bail!("Depthwise takes data, kernel and bias") };
        let inputs = Inputs { data: f32s(data)?, kernel: f32s(kernel)?, bias: f32s(bias)? };
        let g = &self.0;
        g.frame.check_data(inputs.data)?;
        ensure!(inputs.kernel.len() == g.channels * g.taps() && inputs.bias.len() == g.channels);
        // SAFETY: the loops write every element of the output: every column of every row of
        // each channel plane (channel-first), every channel of each point (channel-last).
        let output = unsafe {
            filled(&g.frame.output_shape, |output| {
                let loops = Convolution { geometry: g, inputs, output };
                match g.layout {
                    // registers along a row: an 8×8 plane in registers of 16 left half of each
                    // idle (measured: heavy's depthwise 7.1–7.4 → 6.4–6.7 ms, its 8×8 planes 1.6 → 1.3 ms)
                    Layout::ChannelFirst => run_best_dividing(g.frame.output_hw[1], loops),
                    // registers across the channels: none left over for one-by-one sums
                    Layout::ChannelLast => run_best_dividing(g.channels, loops),
                }
            })?
        };
        Ok(tvec!(output))
    }
}

impl TypedOp for Depthwise {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        self.0.frame.output_facts(inputs)
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let points = self.0.frame.output_shape.iter().product::<usize>();
        Ok(tvec!((Cost::FMA(f32::datum_type()), (points * self.0.taps()).to_dim())))
    }

    as_op!();
}

/// Replace every f32 depthwise convolution of a decluttered `model` (group = input channels =
/// output channels, no dilation, OIHW kernel and bias constant, one bias or one per channel,
/// concrete shapes) with
/// [`Depthwise`], fusing a following `Max` / `Min` with a uniform constant (ReLU, ReLU6).
/// Returns how many it replaced; convolutions of any other kind are left to tract.
pub fn swap_in(model: &mut TypedModel) -> TractResult<usize> {
    let find = |model: &TypedModel, node: &TypedNode, conv: &Conv| {
        let Some(op) = depthwise_for(model, node, conv)? else { return Ok(None) };
        let (kernel, bias) = pack_constants(model, node, &op)?;
        Ok(Some((op, vec![("packed_kernel", kernel), ("packed_bias", bias)])))
    };
    swap_convs(model, find, |op: &mut Depthwise| &mut op.0.clamp_bits)
}

/// The op for `conv` when it is a depthwise convolution this module computes.
fn depthwise_for(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<Depthwise>> {
    let spec = &conv.pool_spec;
    let channels = spec.input_channels;
    let taps = spec.kernel_shape.iter().product::<usize>();
    if conv.group != channels || spec.output_channels != channels || channels < 2 {
        return Ok(None);
    }
    let Some(frame) = conv_frame(model, node, conv, channels * taps)? else { return Ok(None) };
    let layout = if spec.data_format.c_is_last() { Layout::ChannelLast } else { Layout::ChannelFirst };
    Ok(Some(Depthwise(Geometry {
        layout,
        frame,
        channels,
        clamp_bits: [f32::NEG_INFINITY, f32::INFINITY].map(f32::to_bits),
    })))
}

/// The kernel in the order the op reads it and the bias as `[C]`.
fn pack_constants(model: &TypedModel, node: &TypedNode, op: &Depthwise) -> TractResult<(Tensor, Tensor)> {
    let konst = |i: usize| -> TractResult<Arc<Tensor>> {
        let fact = model.outlet_fact(node.inputs[i])?;
        let tensor = fact.konst.clone().context("constant")?;
        tensor.cast_to::<f32>().map(|t| Arc::new(t.into_owned()))
    };
    let (kernel, bias) = (konst(1)?, konst(2)?);
    let (c, taps) = (op.0.channels, op.0.taps());
    let oihw = f32s(&kernel)?;
    ensure!(oihw.len() == c * taps, "kernel of {} values for {c} channels × {taps} taps", oihw.len());
    let kernel = match op.0.layout {
        Layout::ChannelFirst => tensor1(oihw).into_shape(&[c, taps])?,
        Layout::ChannelLast => {
            let transposed: Vec<f32> =
                (0..taps).flat_map(|t| (0..c).map(move |ch| oihw[ch * taps + t])).collect();
            tensor1(&transposed).into_shape(&[taps, c])?
        }
    };
    let bias = match f32s(&bias)? {
        [one] => tensor1(&vec![*one; c]),
        all if all.len() == c => tensor1(all),
        all => bail!("bias of {} values for {c} channels", all.len()),
    };
    Ok((kernel, bias))
}

/// The loops of one convolution, to run with the best lanes.
struct Convolution<'a> {
    geometry: &'a Geometry,
    inputs: Inputs<'a>,
    output: &'a mut [f32],
}

impl Loops for Convolution<'_> {
    #[inline(always)]
    fn run<L: Lanes>(self, lanes: L) {
        convolve_with(lanes, self.geometry, self.inputs, self.output);
    }
}

#[cfg(test)]
mod tests {
    use super::super::graph::fuse_clamp;
    use super::super::run::Kind;
    use super::super::testing::{decluttered, isolate, max_difference, random_tensor, run};
    use super::*;
    use tract_onnx::tract_core::ops::binary::TypedBinOp;
    use tract_onnx::tract_core::ops::cnn::{KernelFormat, PaddingSpec, PoolSpec};
    use tract_onnx::tract_core::ops::nn::DataFormat;

    #[test]
    fn matches_tracts_convolution_on_every_depthwise_shape_of_the_bundled_models() {
        let mut shapes_seen = std::collections::HashSet::new();
        let models = [
            ("pose_detection.onnx", 224, 28),
            ("pose_landmark_full.onnx", 256, 38),
            ("pose_landmark_lite.onnx", 256, 34),
            ("pose_landmark_heavy.onnx", 256, 82),
            ("face_landmark.onnx", 192, 20),
        ];
        for (file, n, expected) in models {
            let model = decluttered(file, n);
            let mut found = 0;
            for id in model.eval_order().unwrap() {
                let node = model.node(id);
                let Some(conv) = node.op_as::<Conv>() else { continue };
                let Some(mut op) = depthwise_for(&model, node, conv).unwrap() else { continue };
                found += 1;
                let mut clamp = op.0.clamp();
                fuse_clamp(&model, &mut clamp, OutletId::new(id, 0)).unwrap();
                op.0.clamp_bits = clamp.map(f32::to_bits);
                if !shapes_seen.insert(op.clone()) {
                    continue;
                }
                let (mini, input) = isolate(&model, id, shapes_seen.len() as u64, false).unwrap();
                let reference = run(mini.clone(), &input);

                let mut swapped = mini.into_decluttered().unwrap();
                assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{}", node.name);
                assert!(
                    swapped.nodes().iter().all(|n| !n.op_is::<TypedBinOp>()),
                    "the clamp is fused: {op:?}"
                );
                let ours = run(swapped.clone(), &input);
                let difference = max_difference(&reference, &ours);
                assert!(difference <= 1e-4, "{op:?}: differs from tract by {difference}");

                // Every kind of lanes, whatever this machine would choose.
                let depthwise =
                    swapped.nodes().iter().find_map(|n| n.op_as::<Depthwise>().map(|op| (n, op))).unwrap();
                let constant =
                    |i: usize| swapped.outlet_fact(depthwise.0.inputs[i]).unwrap().konst.clone().unwrap();
                let (kernel, bias) = (constant(1), constant(2));
                let (kernel, bias) = (f32s(&kernel).unwrap(), f32s(&bias).unwrap());
                let inputs = Inputs { data: f32s(&input).unwrap(), kernel, bias };
                for kind in Kind::tested() {
                    let mut ours = Tensor::zero::<f32>(&op.0.frame.output_shape).unwrap();
                    let mut view = ours.try_as_plain_ram_mut().unwrap();
                    let output = view.as_slice_mut().unwrap();
                    kind.run(Convolution { geometry: &depthwise.1.0, inputs, output });
                    let difference = max_difference(&reference, &ours);
                    assert!(
                        difference <= 1e-4,
                        "{op:?}: the {kind:?} loops differ from tract by {difference}"
                    );
                }
            }
            assert_eq!(found, expected, "depthwise convolutions of {file}");
        }
        let layouts: std::collections::HashSet<_> = shapes_seen.iter().map(|op| op.0.layout).collect();
        assert_eq!(layouts.len(), 2, "both layouts are exercised");
    }

    /// A square kernel's size and its stride.
    type KernelStride = (usize, usize);

    /// Padding before and after, per spatial axis.
    type Padding = ([usize; 2], [usize; 2]);

    /// A convolution over `data` (shape and layout) with `group` groups, a square kernel,
    /// padding before and after, and a bias of `bias` values (one: a scalar).
    fn conv_model(
        format: DataFormat,
        data: &[usize],
        group: usize,
        (kernel, stride): KernelStride,
        (before, after): Padding,
        bias: usize,
    ) -> TypedModel {
        let channels = *format.shape(data).unwrap().c();
        let mut model = TypedModel::default();
        let source = model.add_source("data", f32::fact(data)).unwrap();
        let weights = random_tensor(&[channels, channels / group, kernel, kernel], 1);
        let weights = model.add_const("kernel", weights).unwrap();
        let bias_shape: &[usize] = if bias == 1 { &[] } else { &[bias] };
        let bias = model.add_const("bias", random_tensor(bias_shape, 2)).unwrap();
        let padding =
            PaddingSpec::Explicit(before.iter().copied().collect(), after.iter().copied().collect());
        let stride = Some(tvec![stride, stride]);
        let spec = PoolSpec::new(format, tvec![kernel, kernel], padding, None, stride, channels, channels);
        let conv = Conv::new(spec, KernelFormat::OIHW, group, None);
        let out = model.wire_node("conv", conv, &[source, weights, bias]).unwrap();
        model.select_output_outlets(&out).unwrap();
        model
    }

    #[test]
    fn matches_tract_on_shapes_the_models_do_not_have() {
        // channel counts off the blocks of 32, 16 and 8, odd sizes, uneven and large padding,
        // stride 3, a batch of two, rows wide enough for several points at a time
        let cases: [(DataFormat, &[usize], KernelStride, Padding); 10] = [
            (DataFormat::NCHW, &[1, 3, 7, 5], (3, 2), ([2, 0], [0, 2])),
            (DataFormat::NCHW, &[2, 5, 9, 11], (5, 3), ([1, 2], [2, 1])),
            (DataFormat::CHW, &[4, 3, 3], (3, 1), ([3, 3], [3, 3])),
            (DataFormat::NCHW, &[1, 2, 6, 37], (5, 2), ([1, 3], [0, 1])),
            (DataFormat::CHW, &[3, 11, 40], (3, 2), ([0, 0], [1, 1])),
            (DataFormat::NHWC, &[1, 6, 5, 10], (3, 2), ([1, 1], [1, 1])),
            (DataFormat::NHWC, &[2, 4, 4, 43], (5, 1), ([2, 0], [2, 4])),
            (DataFormat::HWC, &[9, 9, 72], (3, 2), ([0, 1], [1, 0])),
            (DataFormat::NHWC, &[1, 5, 23, 20], (3, 2), ([1, 0], [1, 1])),
            (DataFormat::HWC, &[12, 30, 8], (5, 1), ([2, 2], [2, 2])),
        ];
        for (seed, (format, data, kernel, padding)) in cases.into_iter().enumerate() {
            let channels = *format.shape(data).unwrap().c();
            // one bias per channel, or one for all of them
            let bias = if seed % 2 == 0 { channels } else { 1 };
            let model = conv_model(format, data, channels, kernel, padding, bias);
            let input = random_tensor(data, seed as u64 + 10);
            let reference = run(model.clone(), &input);
            let mut swapped = model.into_decluttered().unwrap();
            assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{format:?} {data:?}");
            let difference = max_difference(&reference, &run(swapped, &input));
            assert!(difference <= 1e-4, "{format:?} {data:?} {kernel:?} {padding:?}: {difference}");
        }
    }

    #[test]
    fn a_grouped_convolution_that_is_not_depthwise_is_left_to_tract() {
        let mut model = conv_model(DataFormat::NCHW, &[1, 4, 8, 8], 2, (3, 1), ([1, 1], [1, 1]), 4);
        assert_eq!(swap_in(&mut model).unwrap(), 0);
    }
}
