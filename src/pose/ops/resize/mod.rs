//! ergoaudit's own bilinear resize along one axis, swapped into the pose models at load time.
//!
//! `models/convert.sh` rewrites each bilinear `Resize` of the models as two products with
//! constant interpolation matrices (`models/tools/resize_as_matmul.py`): `X · Awᵀ` along the
//! columns, then `Ah · (X · Awᵀ)` along the rows. tract declutters them into `EinSum`s
//! (`bmk,kn->bmn`, `mk,bkn->bmn`) and runs them as general matrix products, each with a
//! packing step and a transpose: about 1 ms of the detector and 0.7 ms of a landmark model.
//! Yet each output of an interpolation is a blend of two inputs. [`swap_in`] replaces every
//! such product, whose constant matrix has at most two nonzero weights per output, with
//! [`Resize`], which computes each output row (or column) as that blend.

use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::einsum::EinSum;

use super::graph::{MatrixProduct, Swap, f32s, filled, matrix_product, swap_each};

/// A product along one axis of f32 data with a constant matrix that has at most two nonzero
/// weights per output: the data seen as `[outer, input length, inner]` becomes
/// `[outer, output length, inner]`, each output slice `[inner]` a weighted sum of two input ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resize {
    outer: usize,
    input_len: usize,
    inner: usize,
    /// Per output position: the two input positions it blends, and their weights as f32 bits
    /// (an op must be `Eq`).
    taps: Vec<([u32; 2], [u32; 2])>,
    output_shape: TVec<usize>,
}

impl Resize {
    /// The output position's two input positions and weights.
    fn taps(&self) -> impl Iterator<Item = ([usize; 2], [f32; 2])> + '_ {
        self.taps.iter().map(|(at, weights)| (at.map(|i| i as usize), weights.map(f32::from_bits)))
    }
}

impl Op for Resize {
    fn name(&self) -> StaticName {
        "ergoaudit.Resize".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("{} × [{} → {}] × {}", self.outer, self.input_len, self.taps.len(), self.inner)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for Resize {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let [data] = &*inputs else { bail!("Resize takes the data only") };
        let data = f32s(data)?;
        let (input_len, inner) = (self.input_len, self.inner);
        ensure!(data.len() == self.outer * input_len * inner, "data of {} values", data.len());
        ensure!(self.taps().all(|(at, _)| at.iter().all(|&i| i < input_len)), "a tap past the input");
        let blend = |data: &[f32], output: &mut [f32]| {
            for (output, (at, [w0, w1])) in output.chunks_exact_mut(inner).zip(self.taps()) {
                let (a, b) = (&data[at[0] * inner..][..inner], &data[at[1] * inner..][..inner]);
                for ((output, &a), &b) in output.iter_mut().zip(a).zip(b) {
                    *output = w0 * a + w1 * b;
                }
            }
        };
        let columns = |data: &[f32], output: &mut [f32]| {
            for (output, (at, [w0, w1])) in output.iter_mut().zip(self.taps()) {
                *output = w0 * data[at[0]] + w1 * data[at[1]];
            }
        };
        let output_len = self.taps.len() * inner;
        // SAFETY: every output slice `[output length · inner]` of each outer index is written:
        // `chunks_exact_mut` of the output zipped with as many taps as output positions.
        let output = unsafe {
            filled(&self.output_shape, |output| {
                let pairs = data.chunks_exact(input_len * inner).zip(output.chunks_exact_mut(output_len));
                for (data, output) in pairs {
                    match inner {
                        1 => columns(data, output),
                        _ => blend(data, output),
                    }
                }
            })?
        };
        Ok(tvec!(output))
    }
}

impl TypedOp for Resize {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 1 && inputs[0].datum_type == f32::datum_type());
        Ok(tvec!(f32::fact(&self.output_shape)))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let outputs: usize = self.output_shape.iter().product();
        Ok(tvec!((Cost::FMA(f32::datum_type()), (2 * outputs).to_dim())))
    }

    as_op!();
}

/// Replace every f32 `EinSum` of a decluttered `model` that multiplies data along one of its
/// axes by a constant matrix with at most two nonzero weights per output (an interpolation)
/// with [`Resize`]. Returns how many it replaced; any other `EinSum` is left to tract.
pub fn swap_in(model: &mut TypedModel) -> TractResult<usize> {
    swap_each(model, |model, node, einsum: &EinSum| {
        let Some((op, data)) = resize_for(model, node, einsum)? else { return Ok(None) };
        let last = OutletId::new(node.id, 0);
        Ok(Some(Swap { data, op, constants: Vec::new(), others: Vec::new(), last }))
    })
}

/// The resize `node` computes, and which of its inputs is the data, when it is one.
fn resize_for(model: &TypedModel, node: &TypedNode, einsum: &EinSum) -> TractResult<Option<(Resize, usize)>> {
    let Some(product) = matrix_product(model, node, einsum)? else { return Ok(None) };
    let MatrixProduct { data_shape, output_shape, data_axes, output_axes, new, old, new_first, .. } =
        &product;
    let (new, old, new_first) = (*new, *old, *new_first);
    // The matrix's axis that reaches the output replaces the data's other one, in place;
    // the output may gain leading axes of length 1 (the segmentation's last resize puts the
    // batch axis back), which leave the data's layout as it is.
    let Some(at) = data_axes.iter().position(|&c| c == old) else { return Ok(None) };
    let added = output_axes.len().saturating_sub(data_axes.len());
    if output_shape[..added].iter().any(|&len| len != 1) {
        return Ok(None);
    }
    let mut expected = data_axes.clone();
    expected[at] = new;
    if output_axes[added..] != expected[..] || data_axes.contains(&new) {
        return Ok(None);
    }
    let (input_len, output_len) = (data_shape[at], output_shape[added + at]);
    let matrix_shape = if new_first { [output_len, input_len] } else { [input_len, output_len] };
    if product.matrix.shape() != matrix_shape || input_len == 0 {
        return Ok(None);
    }
    let weights = f32s(&product.matrix)?;
    let weight = |o: usize, i: usize| weights[if new_first { o * input_len + i } else { i * output_len + o }];
    let mut taps = Vec::with_capacity(output_len);
    for o in 0..output_len {
        let nonzero: Vec<(usize, f32)> =
            (0..input_len).map(|i| (i, weight(o, i))).filter(|&(_, w)| w != 0.0).collect();
        let ((i0, w0), (i1, w1)) = match nonzero[..] {
            [] => ((0, 0.0), (0, 0.0)),
            [one] => (one, (one.0, 0.0)),
            [first, second] => (first, second),
            _ => return Ok(None),
        };
        taps.push(([u32::try_from(i0)?, u32::try_from(i1)?], [w0.to_bits(), w1.to_bits()]));
    }
    let op = Resize {
        outer: data_shape[..at].iter().product(),
        input_len,
        inner: data_shape[at + 1..].iter().product(),
        taps,
        output_shape: output_shape.clone(),
    };
    Ok(Some((op, product.data_input)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{decluttered, max_difference, random_tensor, run};
    use super::*;

    /// `op` on its own: random data of `data_shape`, the constant `matrix` as input `matrix_at`.
    fn product_model(
        op: Box<dyn TypedOp>,
        data_shape: &[usize],
        matrix: Tensor,
        matrix_at: usize,
    ) -> TypedModel {
        let mut model = TypedModel::default();
        let data = model.add_source("data", f32::fact(data_shape)).unwrap();
        let matrix = model.add_const("matrix", matrix).unwrap();
        let inputs = if matrix_at == 0 { [matrix, data] } else { [data, matrix] };
        let output = model.wire_node("product", op, &inputs).unwrap()[0];
        model.select_output_outlets(&[output]).unwrap();
        model
    }

    /// `model` run by tract, then with [`Resize`] swapped in (`expected` times), on the same
    /// random data: the largest difference.
    fn difference_after_swap(model: TypedModel, data_shape: &[usize], expected: usize, seed: u64) -> f32 {
        let input = random_tensor(data_shape, seed);
        let reference = run(model.clone(), &input);
        let mut swapped = model.into_decluttered().unwrap();
        assert_eq!(swap_in(&mut swapped).unwrap(), expected);
        max_difference(&reference, &run(swapped, &input))
    }

    #[test]
    fn matches_tracts_product_on_every_resize_of_the_bundled_models() {
        // two products (columns, then rows) per bilinear resize: two resizes in the detector;
        // in each landmark model three in its heatmap branch and two in its segmentation
        // branch, whose last rows product tract declutters with an added unit axis
        // (`mk,bkn->abmn`)
        let models = [
            ("pose_detection.onnx", 224, 4),
            ("pose_landmark_full.onnx", 256, 10),
            ("pose_landmark_lite.onnx", 256, 10),
            ("pose_landmark_heavy.onnx", 256, 10),
        ];
        for (file, n, expected) in models {
            let model = decluttered(file, n);
            let mut found = 0;
            for id in model.eval_order().unwrap() {
                let node = model.node(id);
                let Some(einsum) = node.op_as::<EinSum>() else { continue };
                let Some((op, data_at)) = resize_for(&model, node, einsum).unwrap() else { continue };
                found += 1;
                let data_shape =
                    model.outlet_fact(node.inputs[data_at]).unwrap().shape.as_concrete().unwrap().to_vec();
                let matrix = model.outlet_fact(node.inputs[1 - data_at]).unwrap().konst.clone().unwrap();
                // an interpolation: each output blends two neighbours with weights summing to 1
                assert!(
                    op.taps().all(|(at, w)| at[1].abs_diff(at[0]) <= 1 && (w[0] + w[1] - 1.0).abs() < 1e-6)
                );
                let mini =
                    product_model(Box::new(einsum.clone()), &data_shape, matrix.into_tensor(), 1 - data_at);
                let difference = difference_after_swap(mini, &data_shape, 1, found);
                assert!(difference <= 1e-6, "{file} {}: {difference}", node.name);
            }
            assert_eq!(found, expected, "{file}");
        }
    }

    /// ONNX's linear / half_pixel weights, as `models/tools/resize_as_matmul.py` computes them:
    /// `[output, input]`.
    fn interpolation(input: usize, output: usize) -> Tensor {
        let scale = output as f32 / input as f32;
        let mut m = vec![0f32; output * input];
        for o in 0..output {
            let x = ((o as f32 + 0.5) / scale - 0.5).clamp(0.0, (input - 1) as f32);
            let (i0, f) = (x.floor() as usize, x - x.floor());
            m[o * input + i0] += 1.0 - f;
            m[o * input + (i0 + 1).min(input - 1)] += f;
        }
        tensor1(&m).into_shape(&[output, input]).unwrap()
    }

    #[test]
    fn matches_tract_on_axes_and_matrices_the_models_do_not_have() {
        let einsum =
            |expr: &str| Box::new(EinSum::new(expr.parse().unwrap(), f32::datum_type())) as Box<dyn TypedOp>;
        let transpose = |t: Tensor| t.permute_axes(&[1, 0]).unwrap();
        // (expression, data shape, matrix, where the matrix is)
        let cases: Vec<(&str, Vec<usize>, Tensor, usize)> = vec![
            // along the first axis of four, upsampling by 3
            ("YX,Xbcd->Ybcd", vec![5, 2, 3, 4], interpolation(5, 15), 0),
            // along the last axis, a 4-D tensor, the matrix [input, output] and second
            ("abcX,XY->abcY", vec![2, 3, 4, 6], transpose(interpolation(6, 12)), 1),
            // downsampling, and an axis of inner size 9 (one full register and one value)
            ("bXc,YX->bYc", vec![3, 8, 9], interpolation(8, 3), 1),
            // a row of one weight and one of none
            ("bX,XY->bY", vec![4, 3], tensor2(&[[1.0f32, 0.0, 0.5], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]), 1),
        ];
        for (seed, (expr, data_shape, matrix, matrix_at)) in cases.into_iter().enumerate() {
            let model = product_model(einsum(expr), &data_shape, matrix, matrix_at);
            let difference = difference_after_swap(model, &data_shape, 1, seed as u64);
            assert!(difference <= 1e-6, "{expr} {data_shape:?}: {difference}");
        }
    }

    #[test]
    fn products_that_are_not_a_blend_of_two_are_left_to_tract() {
        let einsum =
            |expr: &str| Box::new(EinSum::new(expr.parse().unwrap(), f32::datum_type())) as Box<dyn TypedOp>;
        // three nonzero weights in an output
        let three = tensor2(&[[0.2f32, 0.3, 0.5], [1.0, 0.0, 0.0]]);
        let model = product_model(einsum("bX,YX->bY"), &[4, 3], three, 1);
        assert_eq!(difference_after_swap(model, &[4, 3], 0, 1), 0.0);
        // a product over two axes of the data (both contracted)
        let model = product_model(einsum("XY,XY->"), &[2, 2], tensor2(&[[1.0f32, 0.0], [0.0, 1.0]]), 1);
        assert_eq!(difference_after_swap(model, &[2, 2], 0, 2), 0.0);
    }
}
