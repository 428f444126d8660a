//! ergoaudit's own stem convolution, swapped into the pose models at load time.
//!
//! Each BlazePose model opens with a 3×3, stride-2 convolution of the RGB input (3 input
//! channels, 24 output channels, channel-last). tract runs it as a padding copy, an im2col,
//! a packing and a matrix product, then a ReLU6 of its own: 1.1–1.6 ms per model here for
//! about 11 million multiply-adds. [`swap_in`] replaces it with [`Stem`], which reads each
//! input value once per tap and multiplies it into 24 output channels held in AVX registers
//! (`kernel.rs`), skipping the taps in the padding and fusing the bias and the ReLU6.

use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::Conv;

use super::graph::{conv_frame, f32s, filled, swap_convs};
use super::lanes::{Lanes, Loops};
use super::run::run_best;
use kernel::{Geometry, Inputs, convolve_with};

mod kernel;

/// Input channels a convolution may have at most to be a stem: the loops read one input
/// value per channel and tap, which pays only while channels are few.
const MAX_INPUTS: usize = 4;

/// A dense 2-D convolution of channel-last f32 data with few input channels, with its bias
/// and a clamp (ReLU, ReLU6 or none) fused. Inputs: the data, and the weights and bias packed
/// by [`swap_in`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stem(Geometry);

impl Op for Stem {
    fn name(&self) -> StaticName {
        "ergoaudit.Stem".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let g = &self.0;
        let [low, high] = g.clamp();
        Ok(vec![format!(
            "{} → {} channels, {}×{} stride {:?} pad {:?} on {:?}, clamp {low}..{high}",
            g.inputs,
            g.outputs,
            g.frame.kernel_hw[0],
            g.frame.kernel_hw[1],
            g.frame.strides,
            g.frame.pad_before,
            g.frame.input_shape
        )])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for Stem {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let [data, weights, bias] = &*inputs else { bail!("Stem takes data, weights and bias") };
        let g = &self.0;
        let inputs = Inputs { data: f32s(data)?, weights: f32s(weights)?, bias: f32s(bias)? };
        g.frame.check_data(inputs.data)?;
        ensure!(inputs.weights.len() == g.taps() * g.inputs * g.padded_outputs());
        ensure!(inputs.bias.len() == g.padded_outputs());
        // SAFETY: the loops write every element of the output: every channel of every point
        // of every row.
        let output = unsafe {
            filled(&g.frame.output_shape, |output| run_best(Convolution { geometry: g, inputs, output }))?
        };
        Ok(tvec!(output))
    }
}

impl TypedOp for Stem {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        self.0.frame.output_facts(inputs)
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let points = self.0.frame.output_shape.iter().product::<usize>();
        Ok(tvec!((Cost::FMA(f32::datum_type()), (points * self.0.taps() * self.0.inputs).to_dim())))
    }

    as_op!();
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

/// Replace every f32 convolution of a decluttered `model` that is a stem (channel-last data
/// of at most [`MAX_INPUTS`] channels, one group, no dilation, OIHW kernel and bias constant,
/// one bias or one per channel, concrete shapes) with [`Stem`], fusing a following `Max` /
/// `Min` with a uniform constant (ReLU, ReLU6). Returns how many it replaced.
pub fn swap_in(model: &mut TypedModel) -> TractResult<usize> {
    let find = |model: &TypedModel, node: &TypedNode, conv: &Conv| {
        let Some(op) = stem_for(model, node, conv)? else { return Ok(None) };
        let (weights, bias) = pack_constants(model, node, &op.0)?;
        Ok(Some((op, vec![("packed_weights", weights), ("packed_bias", bias)])))
    };
    swap_convs(model, find, |op: &mut Stem| &mut op.0.clamp_bits)
}

/// The op for `conv` when it is a stem convolution this module computes.
fn stem_for(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<Stem>> {
    let spec = &conv.pool_spec;
    let (inputs, outputs) = (spec.input_channels, spec.output_channels);
    let taps = spec.kernel_shape.iter().product::<usize>();
    if conv.group != 1 || !spec.data_format.c_is_last() || !(1..=MAX_INPUTS).contains(&inputs) {
        return Ok(None);
    }
    let Some(frame) = conv_frame(model, node, conv, outputs * inputs * taps)? else { return Ok(None) };
    Ok(Some(Stem(Geometry {
        frame,
        inputs,
        outputs,
        clamp_bits: [f32::NEG_INFINITY, f32::INFINITY].map(f32::to_bits),
    })))
}

/// The weights as `[taps][C][padded O]` and the bias as `[padded O]`, zeros past O.
fn pack_constants(model: &TypedModel, node: &TypedNode, g: &Geometry) -> TractResult<(Tensor, Tensor)> {
    let konst = |i: usize| -> TractResult<Tensor> {
        let fact = model.outlet_fact(node.inputs[i])?;
        let tensor = fact.konst.clone().context("constant")?;
        Ok(tensor.cast_to::<f32>()?.into_owned())
    };
    let (kernel, bias) = (konst(1)?, konst(2)?);
    let (c, o, taps, padded) = (g.inputs, g.outputs, g.taps(), g.padded_outputs());
    let oihw = f32s(&kernel)?;
    ensure!(oihw.len() == o * c * taps, "kernel of {} values for {o} × {c} × {taps}", oihw.len());
    let mut weights = vec![0f32; taps * c * padded];
    for (tap, ci, out) in
        (0..taps).flat_map(|t| (0..c).flat_map(move |ci| (0..o).map(move |out| (t, ci, out))))
    {
        weights[(tap * c + ci) * padded + out] = oihw[(out * c + ci) * taps + tap];
    }
    let mut packed_bias = vec![0f32; padded];
    match f32s(&bias)? {
        [one] => packed_bias[..o].fill(*one),
        all if all.len() == o => packed_bias[..o].copy_from_slice(all),
        all => bail!("bias of {} values for {o} channels", all.len()),
    }
    Ok((tensor1(&weights), tensor1(&packed_bias)))
}

#[cfg(test)]
mod tests {
    use super::super::run::Kind;
    use super::super::testing::{decluttered, isolate, max_difference, random_tensor, run};
    use super::*;
    use tract_onnx::tract_core::ops::binary::TypedBinOp;
    use tract_onnx::tract_core::ops::cnn::{KernelFormat, PaddingSpec, PoolSpec};
    use tract_onnx::tract_core::ops::nn::DataFormat;

    #[test]
    fn matches_tracts_convolution_on_the_stem_of_every_bundled_model() {
        for (file, n) in [
            ("pose_detection.onnx", 224),
            ("pose_landmark_full.onnx", 256),
            ("pose_landmark_lite.onnx", 256),
            ("pose_landmark_heavy.onnx", 256),
        ] {
            let model = decluttered(file, n);
            let stems: Vec<usize> = model
                .eval_order()
                .unwrap()
                .into_iter()
                .filter(|&id| {
                    let node = model.node(id);
                    node.op_as::<Conv>().is_some_and(|conv| stem_for(&model, node, conv).unwrap().is_some())
                })
                .collect();
            assert_eq!(stems.len(), 1, "{file}");
            let (mini, input) = isolate(&model, stems[0], 7, false).unwrap();
            let reference = run(mini.clone(), &input);
            let mut swapped = mini.into_decluttered().unwrap();
            assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{file}");
            assert!(swapped.nodes().iter().all(|n| !n.op_is::<TypedBinOp>()), "{file}: the ReLU6 is fused");
            let difference = max_difference(&reference, &run(swapped.clone(), &input));
            assert!(difference <= 1e-4, "{file}: differs from tract by {difference}");

            // Every kind of lanes, whatever this machine would choose.
            let (node, op) =
                swapped.nodes().iter().find_map(|n| n.op_as::<Stem>().map(|op| (n, op))).unwrap();
            let konst = |i: usize| swapped.outlet_fact(node.inputs[i]).unwrap().konst.clone().unwrap();
            let (weights, bias) = (konst(1), konst(2));
            let inputs = Inputs {
                data: f32s(&input).unwrap(),
                weights: f32s(&weights).unwrap(),
                bias: f32s(&bias).unwrap(),
            };
            for kind in Kind::tested() {
                let mut ours = Tensor::zero::<f32>(&op.0.frame.output_shape).unwrap();
                let mut view = ours.try_as_plain_ram_mut().unwrap();
                kind.run(Convolution { geometry: &op.0, inputs, output: view.as_slice_mut().unwrap() });
                let difference = max_difference(&reference, &ours);
                assert!(difference <= 1e-4, "{file}: the {kind:?} loops differ by {difference}");
            }
        }
    }

    /// A convolution of `data` (shape and layout) into `outputs` channels, in `group` groups,
    /// with a square kernel and stride, padding before and after, and one bias per channel.
    fn conv_model(
        format: DataFormat,
        data: &[usize],
        (outputs, group): (usize, usize),
        (kernel, stride): (usize, usize),
        (before, after): ([usize; 2], [usize; 2]),
    ) -> TypedModel {
        let inputs = *format.shape(data).unwrap().c();
        let mut model = TypedModel::default();
        let source = model.add_source("data", f32::fact(data)).unwrap();
        let weights =
            model.add_const("kernel", random_tensor(&[outputs, inputs / group, kernel, kernel], 1)).unwrap();
        let bias = model.add_const("bias", random_tensor(&[outputs], 2)).unwrap();
        let padding =
            PaddingSpec::Explicit(before.iter().copied().collect(), after.iter().copied().collect());
        let stride = Some(tvec![stride, stride]);
        let spec = PoolSpec::new(format, tvec![kernel, kernel], padding, None, stride, inputs, outputs);
        let conv = Conv::new(spec, KernelFormat::OIHW, group, None);
        let out = model.wire_node("conv", conv, &[source, weights, bias]).unwrap();
        model.select_output_outlets(&out).unwrap();
        model
    }

    #[test]
    fn matches_tract_on_shapes_the_models_do_not_have() {
        // one, two and four input channels; output channels off the registers (5, 13) and
        // past one block (40); strides 1 and 3; kernels 2 and 5; uneven padding; rows that
        // do not fill the pixel groups; a batch of two
        type Case<'a> = (DataFormat, &'a [usize], usize, (usize, usize), ([usize; 2], [usize; 2]));
        let cases: [Case; 6] = [
            (DataFormat::NHWC, &[1, 9, 11, 3], 24, (3, 2), ([1, 1], [1, 1])),
            (DataFormat::NHWC, &[2, 7, 8, 1], 5, (5, 1), ([2, 0], [2, 4])),
            (DataFormat::HWC, &[10, 10, 2], 13, (3, 3), ([0, 1], [1, 0])),
            (DataFormat::HWC, &[6, 5, 4], 40, (2, 1), ([0, 0], [1, 1])),
            (DataFormat::NHWC, &[1, 16, 16, 3], 16, (3, 2), ([0, 0], [1, 1])),
            (DataFormat::NHWC, &[1, 4, 13, 3], 8, (3, 1), ([3, 3], [3, 3])),
        ];
        for (seed, (format, data, outputs, kernel, padding)) in cases.into_iter().enumerate() {
            let model = conv_model(format, data, (outputs, 1), kernel, padding);
            let input = random_tensor(data, seed as u64 + 10);
            let reference = run(model.clone(), &input);
            let mut swapped = model.into_decluttered().unwrap();
            assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{format:?} {data:?}");
            let difference = max_difference(&reference, &run(swapped, &input));
            assert!(
                difference <= 1e-4,
                "{format:?} {data:?} → {outputs} {kernel:?} {padding:?}: {difference}"
            );
        }
    }

    #[test]
    fn convolutions_that_are_not_stems_are_left_to_tract() {
        let pad = ([1, 1], [1, 1]);
        let cases = [
            // channel-first data
            conv_model(DataFormat::NCHW, &[1, 3, 8, 8], (8, 1), (3, 1), pad),
            // more input channels than a stem has
            conv_model(DataFormat::NHWC, &[1, 8, 8, 5], (8, 1), (3, 1), pad),
            // grouped
            conv_model(DataFormat::NHWC, &[1, 8, 8, 4], (8, 2), (3, 1), pad),
        ];
        for mut model in cases {
            assert_eq!(swap_in(&mut model).unwrap(), 0);
        }
    }
}
