//! ergoaudit's own 1×1 convolution, swapped into the pose models at load time.
//!
//! After the depthwise convolutions, BlazePose's time goes to its 1×1 convolutions: matrix
//! products of a constant `[O, I]` weight matrix with channel-first data `[I, H·W]` (tract
//! declutters them into an `EinSum` such as `IHW,OI->OHW`). tract runs them through its
//! general matrix kernels, packing the data first, at 18–29 GFMA/s here. [`swap_in`] replaces
//! each with [`Pointwise`], whose loops (`kernel.rs`) take the data in strips of pixels
//! (two or four registers of neighbouring pixels are contiguous) against weights packed once
//! at load time and fetched ahead into the cache, and
//! fuse what follows the product in these models: the bias, a ReLU or ReLU6, and the residual
//! addition that closes a bottleneck block. Weights that are mostly zeros (the detector's
//! are three quarters zeros: it was trained sparse for XNNPACK) are packed as a list of the
//! nonzero ones, and only those are multiplied. Dense weights that are all half-precision
//! values exactly (the bundled models' are: Google stored them so) are kept as f16 and
//! widened a panel at a time: the same products in half the memory (heavy's 1×1 weights).

use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::einsum::EinSum;

use super::graph::{
    MatrixProduct, Swap, constant, f32s, filled, fuse_clamp, matrix_product, next_binary, swap_each,
};
use super::lanes::{Lanes, Loops};
use super::run::run_best;
use kernel::{Geometry, Inputs, Packing, ROWS, Residual, SPARSE_DEPTH, Weights, multiply_with};

mod kernel;

/// A 1×1 convolution of f32 channel-first data, with its bias, a clamp (ReLU, ReLU6 or none)
/// and a residual addition fused. Inputs: the data, the weights and bias packed by
/// [`swap_in`], and the residual when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pointwise {
    geometry: Geometry,
    output_shape: TVec<usize>,
}

impl Op for Pointwise {
    fn name(&self) -> StaticName {
        "ergoaudit.Pointwise".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let g = &self.geometry;
        let [low, high] = g.clamp();
        let clamp = format!("clamp {low}..{high}");
        let steps = match g.residual {
            None => clamp,
            Some(Residual::BeforeClamp) => format!("+ residual, {clamp}"),
            Some(Residual::AfterClamp) => format!("{clamp}, + residual"),
        };
        Ok(vec![format!("{} → {} channels × {} pixels, {steps}", g.inputs, g.outputs, g.pixels)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for Pointwise {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let g = &self.geometry;
        let (data, weights, bias, residual) = match &*inputs {
            [data, weights, bias] => (data, weights, bias, None),
            [data, weights, bias, residual] if g.residual.is_some() => {
                (data, weights, bias, Some(f32s(residual)?))
            }
            _ => bail!("Pointwise takes data, weights, bias and a residual if it adds one"),
        };
        let inputs = Inputs { data: f32s(data)?, weights: packed(g, weights)?, bias: f32s(bias)?, residual };
        ensure!(inputs.data.len() == g.inputs * g.pixels, "data is not {} × {}", g.inputs, g.pixels);
        ensure!(inputs.bias.len() == g.row_blocks() * ROWS, "bias of {} values", inputs.bias.len());
        ensure!(
            residual.is_none_or(|r| r.len() == g.outputs * g.pixels),
            "residual is not the output's size"
        );
        // SAFETY: the loops write every element of the output: each strip of pixels for every
        // output channel.
        let output = unsafe {
            filled(&self.output_shape, |output| run_best(Product { geometry: g, inputs, output }))?
        };
        Ok(tvec!(output))
    }
}

impl TypedOp for Pointwise {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 3 + usize::from(self.geometry.residual.is_some()));
        let weights = match self.geometry.packing {
            Packing::Dense => f32::datum_type(),
            Packing::Half => u16::datum_type(),
            Packing::Sparse(_) => u32::datum_type(),
        };
        let types = inputs.iter().enumerate().map(|(i, fact)| (i, fact.datum_type));
        ensure!(types.into_iter().all(|(i, t)| t == if i == 1 { weights } else { f32::datum_type() }));
        Ok(tvec!(f32::fact(&self.output_shape)))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let g = &self.geometry;
        let weights = match g.packing {
            Packing::Sparse(nonzero) => nonzero,
            Packing::Dense | Packing::Half => g.outputs * g.inputs,
        };
        Ok(tvec!((Cost::FMA(f32::datum_type()), (weights * g.pixels).to_dim())))
    }

    as_op!();
}

/// The packed weights, dense, half or sparse as `g` says.
fn packed<'a>(g: &Geometry, weights: &'a Tensor) -> TractResult<Weights<'a>> {
    let dense = g.row_blocks() * ROWS * g.inputs;
    Ok(match g.packing {
        Packing::Dense => {
            let weights = f32s(weights)?;
            ensure!(weights.len() == dense, "dense weights of {} values", weights.len());
            Weights::Dense(weights)
        }
        Packing::Half => {
            let weights = weights.try_as_plain_ram()?.as_slice::<u16>()?;
            ensure!(weights.len() == dense, "half-precision weights of {} values", weights.len());
            Weights::Half(weights)
        }
        Packing::Sparse(nonzero) => {
            let weights = weights.try_as_plain_ram()?.as_slice::<u32>()?;
            let expected = g.sparse_blocks() * g.outputs + 1 + 2 * nonzero;
            ensure!(weights.len() == expected, "sparse weights of {} values", weights.len());
            Weights::Sparse(weights)
        }
    })
}

/// The loops of one product, to run with the best lanes.
struct Product<'a> {
    geometry: &'a Geometry,
    inputs: Inputs<'a>,
    output: &'a mut [f32],
}

impl Loops for Product<'_> {
    #[inline(always)]
    fn run<L: Lanes>(self, lanes: L) {
        multiply_with(lanes, self.geometry, self.inputs, self.output);
    }
}

/// Replace every f32 `EinSum` of a decluttered `model` that is a 1×1 convolution of
/// channel-first data (the data `[1…, I, pixels…]` times constant weights `[O, I]` or
/// `[I, O]` into `[1…, O, pixels…]`) with [`Pointwise`], fusing what follows it through
/// single consumers: an `Add` of a constant per-channel bias, then a `Max` / `Min` with a
/// uniform constant and an `Add` of a tensor of the output's shape, in either order. Returns
/// how many it replaced; any other `EinSum` is left to tract.
pub fn swap_in(model: &mut TypedModel) -> TractResult<usize> {
    swap_each(model, |model, node, einsum: &EinSum| {
        let Some(product) = product_for(model, node, einsum)? else { return Ok(None) };
        let fused = fuse(model, &product, OutletId::new(node.id, 0))?;
        let (weights, packing) = pack_weights(&product)?;
        let bias = pack_bias(&product, &fused)?;
        let op = Pointwise {
            geometry: Geometry {
                inputs: product.inputs,
                outputs: product.outputs,
                pixels: product.pixels,
                clamp_bits: fused.clamp.map(f32::to_bits),
                residual: fused.residual.map(|(_, at)| at),
                packing,
            },
            output_shape: product.output_shape,
        };
        Ok(Some(Swap {
            data: 0,
            op,
            constants: vec![("packed_weights", weights), ("packed_bias", bias)],
            others: fused.residual.iter().map(|&(residual, _)| residual).collect(),
            last: fused.last,
        }))
    })
}

/// A 1×1 convolution found in the model: its sizes and weights.
struct Found {
    inputs: usize,
    outputs: usize,
    pixels: usize,
    output_shape: TVec<usize>,
    /// The weights, and whether they are `[I, O]` rather than `[O, I]`.
    weights: Arc<Tensor>,
    transposed: bool,
    /// The output channels' axis.
    output_axis: usize,
}

/// The product `node` computes, when it is a 1×1 convolution of channel-first data.
fn product_for(model: &TypedModel, node: &TypedNode, einsum: &EinSum) -> TractResult<Option<Found>> {
    let Some(product) = matrix_product(model, node, einsum)? else { return Ok(None) };
    let MatrixProduct { data_shape, output_shape, data_axes, output_axes, .. } = &product;
    // The weights' axis that reaches the output is O, the one in the data is I.
    let (o, i, transposed) = (product.new, product.old, !product.new_first);
    if product.data_input != 0 {
        return Ok(None);
    }
    let (Some(at_i), Some(at_o)) =
        (data_axes.iter().position(|&c| c == i), output_axes.iter().position(|&c| c == o))
    else {
        return Ok(None);
    };
    // Pixels: the same axes after I in the data and after O in the output; before them only
    // axes of size 1, so that the data is `[I, P]` and the output `[O, P]` in memory.
    if data_axes.contains(&o)
        || output_axes.contains(&i)
        || data_axes[at_i + 1..] != output_axes[at_o + 1..]
        || data_shape[..at_i].iter().any(|&d| d != 1)
        || output_shape[..at_o].iter().any(|&d| d != 1)
    {
        return Ok(None);
    }
    let (inputs, outputs) = (data_shape[at_i], output_shape[at_o]);
    let expected: [usize; 2] = if transposed { [inputs, outputs] } else { [outputs, inputs] };
    if product.matrix.shape() != expected || inputs == 0 || outputs == 0 {
        return Ok(None);
    }
    Ok(Some(Found {
        inputs,
        outputs,
        pixels: data_shape[at_i + 1..].iter().product(),
        output_shape: output_shape.clone(),
        weights: product.matrix.clone(),
        transposed,
        output_axis: at_o,
    }))
}

/// What follows a product and is fused into it.
struct Fused {
    /// The bias: one value, or one per output channel (none: zero).
    bias: Option<Arc<Tensor>>,
    clamp: [f32; 2],
    /// The tensor added, and where.
    residual: Option<(OutletId, Residual)>,
    /// The outlet whose value the op computes.
    last: OutletId,
}

/// The bias, clamp and residual that follow `outlet`, the product `found`'s output.
fn fuse(model: &TypedModel, found: &Found, outlet: OutletId) -> TractResult<Fused> {
    let mut fused =
        Fused { bias: None, clamp: [f32::NEG_INFINITY, f32::INFINITY], residual: None, last: outlet };
    if let Some((next, other)) = next_binary(model, outlet, "Add")? {
        // a constant that varies along the output channels at most
        let per_channel = |k: &Tensor| {
            k.rank() == found.output_shape.len()
                && k.shape()
                    .iter()
                    .enumerate()
                    .all(|(axis, &d)| d == 1 || (axis == found.output_axis && d == found.outputs))
        };
        if let Some(bias) = constant(model, other)?.filter(|k| per_channel(k)) {
            fused.bias = Some(bias);
            fused.last = OutletId::new(next.id, 0);
        }
    }
    if let Some((next, residual)) = residual_after(model, found, fused.last)? {
        fused.residual = Some((residual, Residual::BeforeClamp));
        fused.last = next;
    }
    fused.last = fuse_clamp(model, &mut fused.clamp, fused.last)?;
    if fused.residual.is_none()
        && let Some((next, residual)) = residual_after(model, found, fused.last)?
    {
        fused.residual = Some((residual, Residual::AfterClamp));
        fused.last = next;
    }
    Ok(fused)
}

/// The `Add` after `outlet` of a tensor of the output's shape: its output and that tensor.
fn residual_after(
    model: &TypedModel,
    found: &Found,
    outlet: OutletId,
) -> TractResult<Option<(OutletId, OutletId)>> {
    let Some((next, other)) = next_binary(model, outlet, "Add")? else { return Ok(None) };
    let fact = model.outlet_fact(other)?;
    let full = fact.datum_type == f32::datum_type() && fact.shape.as_concrete() == Some(&*found.output_shape);
    Ok(full.then_some((OutletId::new(next.id, 0), other)))
}

/// Weights with at most this share of nonzero values are packed sparse: below it, skipping
/// the zeros (and reading the data where it is) beats the dense loops (measured on the
/// detector, whose 1×1 weights are 25 % nonzero).
const SPARSE_DENSITY: f64 = 0.5;

/// The weights packed for the loops, and how: either `[O / ROWS][I][ROWS]` f32, zero rows
/// past O (as f16 bits when every weight is a half-precision value exactly), or (when sparse)
/// the offsets and pairs of `Weights::Sparse`, as u32.
fn pack_weights(found: &Found) -> TractResult<(Tensor, Packing)> {
    let (i_len, o_len) = (found.inputs, found.outputs);
    let weights = found.weights.cast_to::<f32>()?;
    let weights = f32s(&weights)?;
    let weight =
        |o: usize, i: usize| if found.transposed { weights[i * o_len + o] } else { weights[o * i_len + i] };
    let nonzero = weights.iter().filter(|&&w| w != 0.0).count();
    if (nonzero as f64) <= SPARSE_DENSITY * weights.len() as f64 {
        let blocks = i_len.div_ceil(SPARSE_DEPTH);
        let mut offsets = Vec::with_capacity(blocks * o_len + 1);
        let mut pairs = Vec::with_capacity(2 * nonzero);
        offsets.push(0u32);
        for block in 0..blocks {
            let channels = block * SPARSE_DEPTH..((block + 1) * SPARSE_DEPTH).min(i_len);
            for o in 0..o_len {
                for i in channels.clone() {
                    let w = weight(o, i);
                    if w != 0.0 {
                        pairs.extend([u32::try_from(i)?, w.to_bits()]);
                    }
                }
                offsets.push(u32::try_from(pairs.len() / 2)?);
            }
        }
        offsets.extend(pairs);
        return Ok((tensor1(&offsets), Packing::Sparse(nonzero)));
    }
    let blocks = o_len.div_ceil(ROWS);
    let mut packed = vec![0f32; blocks * i_len * ROWS];
    for (block, panel) in packed.chunks_exact_mut(i_len * ROWS).enumerate() {
        for (i, values) in panel.chunks_exact_mut(ROWS).enumerate() {
            for (r, value) in values.iter_mut().enumerate() {
                let o = block * ROWS + r;
                if o < o_len {
                    *value = weight(o, i);
                }
            }
        }
    }
    let shape = [blocks, i_len, ROWS];
    let halves: Vec<u16> = packed.iter().map(|&w| half::f16::from_f32(w).to_bits()).collect();
    if halves.iter().zip(&packed).all(|(&h, &w)| half::f16::from_bits(h).to_f32().to_bits() == w.to_bits()) {
        return Ok((tensor1(&halves).into_shape(&shape)?, Packing::Half));
    }
    Ok((tensor1(&packed).into_shape(&shape)?, Packing::Dense))
}

/// The bias as `[O]`, padded with zeros to whole blocks of [`ROWS`] output channels.
fn pack_bias(found: &Found, fused: &Fused) -> TractResult<Tensor> {
    let o_len = found.outputs;
    let mut bias = vec![0f32; o_len.div_ceil(ROWS) * ROWS];
    if let Some(values) = &fused.bias {
        match f32s(values)? {
            [one] => bias[..o_len].fill(*one),
            all if all.len() == o_len => bias[..o_len].copy_from_slice(all),
            all => bail!("bias of {} values for {o_len} channels", all.len()),
        }
    }
    Ok(tensor1(&bias))
}

#[cfg(test)]
mod tests {
    use super::super::run::Kind;
    use super::super::testing::{decluttered, isolate, max_difference, random_tensor, run};
    use super::*;
    use tract_onnx::tract_core::ops::binary::TypedBinOp;
    use tract_onnx::tract_core::ops::math;

    /// The largest difference allowed against tract, relative to the output's largest value
    /// (at least 1): rounding, over sums of up to 1152 products of values in [-1, 1).
    const TOLERANCE: f32 = 1e-5;

    /// The difference between tract's output and ours, relative to the output's size.
    fn relative_difference(reference: &Tensor, ours: &Tensor) -> f32 {
        let largest = f32s(reference).unwrap().iter().fold(1f32, |m, v| m.max(v.abs()));
        max_difference(reference, ours) / largest
    }

    #[test]
    fn matches_tracts_product_on_every_1x1_convolution_of_the_bundled_models() {
        let mut shapes_seen = std::collections::HashSet::new();
        // the whole models: the loader, which prunes the outputs it does not use, swaps 45
        // and 41 in the landmark models
        let models = [
            ("pose_detection.onnx", 224, 37),
            ("pose_landmark_full.onnx", 256, 51),
            ("pose_landmark_lite.onnx", 256, 47),
            ("pose_landmark_heavy.onnx", 256, 109),
            ("face_landmark.onnx", 192, 22),
        ];
        let mut fused_kinds = std::collections::HashSet::new();
        let (mut sparse, mut packings) = (0, std::collections::HashSet::new());
        for (file, n, expected) in models {
            let model = decluttered(file, n);
            let mut found = 0;
            for id in model.eval_order().unwrap() {
                let node = model.node(id);
                let Some(einsum) = node.op_as::<EinSum>() else { continue };
                let Some(product) = product_for(&model, node, einsum).unwrap() else { continue };
                found += 1;
                let fused = fuse(&model, &product, OutletId::new(id, 0)).unwrap();
                let kind =
                    (fused.bias.is_some(), fused.clamp.map(f32::to_bits), fused.residual.map(|(_, at)| at));
                fused_kinds.insert(kind);
                let shape = (product.inputs, product.outputs, product.output_shape.clone(), kind);
                if !shapes_seen.insert(shape) {
                    continue;
                }
                // random weights (dense), and the model's own (the detector's are sparse)
                for keep_weights in [false, true] {
                    let seed = shapes_seen.len() as u64;
                    let (mini, input) = isolate(&model, id, seed, keep_weights).unwrap();
                    let reference = run(mini.clone(), &input);

                    let mut swapped = mini.into_decluttered().unwrap();
                    assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{}", node.name);
                    assert!(
                        swapped.nodes().iter().all(|n| !n.op_is::<TypedBinOp>()),
                        "all fused: {}",
                        node.name
                    );
                    let ours = run(swapped.clone(), &input);
                    let difference = relative_difference(&reference, &ours);
                    assert!(difference <= TOLERANCE, "{}: differs from tract by {difference}", node.name);

                    // Every kind of lanes, whatever this machine would choose.
                    let (node, op) = swapped
                        .nodes()
                        .iter()
                        .find_map(|n| n.op_as::<Pointwise>().map(|op| (n, op)))
                        .unwrap();
                    let konst =
                        |i: usize| swapped.outlet_fact(node.inputs[i]).unwrap().konst.clone().unwrap();
                    let (weights, bias) = (konst(1), konst(2));
                    let residual = op.geometry.residual.map(|_| konst(3));
                    let inputs = Inputs {
                        data: f32s(&input).unwrap(),
                        weights: packed(&op.geometry, &weights).unwrap(),
                        bias: f32s(&bias).unwrap(),
                        residual: residual.as_deref().map(|r| f32s(r).unwrap()),
                    };
                    for kind in Kind::tested() {
                        let mut ours = Tensor::zero::<f32>(&op.output_shape).unwrap();
                        let mut view = ours.try_as_plain_ram_mut().unwrap();
                        let output = view.as_slice_mut().unwrap();
                        kind.run(Product { geometry: &op.geometry, inputs, output });
                        let difference = relative_difference(&reference, &ours);
                        assert!(
                            difference <= TOLERANCE,
                            "{}: the {kind:?} loops differ by {difference}",
                            node.name
                        );
                    }
                    packings.insert(std::mem::discriminant(&op.geometry.packing));
                    sparse += usize::from(matches!(op.geometry.packing, Packing::Sparse(_)));
                }
            }
            assert_eq!(found, expected, "1×1 convolutions of {file}");
        }
        // bias alone, bias + ReLU6, bias + residual, bias + residual + ReLU6
        assert!(fused_kinds.len() >= 4, "{fused_kinds:?}");
        // the detector's products, with its own weights
        assert!(sparse >= 20, "{sparse} sparse products");
        // random weights packed as f32, the landmark models' own as f16, the detector's sparse
        assert_eq!(packings.len(), 3, "every packing is exercised");
    }

    /// What follows the product in a test model.
    #[derive(Clone, Copy, Debug)]
    struct Tail {
        bias: bool,
        relu6: bool,
        residual: Option<Residual>,
    }

    /// `data` times random weights of `weight_shape` by the einsum `expression`, then `tail`;
    /// with three weights of every four zero if `sparse`.
    fn product_model(
        expression: &str,
        data: &[usize],
        weight_shape: [usize; 2],
        tail: Tail,
        sparse: bool,
    ) -> TypedModel {
        let mut model = TypedModel::default();
        let source = model.add_source("data", f32::fact(data)).unwrap();
        let mut weights = random_tensor(&weight_shape, 1);
        if sparse {
            let mut view = weights.try_as_plain_ram_mut().unwrap();
            let values = view.as_slice_mut::<f32>().unwrap();
            // zeros wherever a hash of the index says so: uneven counts per output channel
            for (i, value) in values.iter_mut().enumerate() {
                if (i.wrapping_mul(2654435761) >> 7) % 4 != 0 {
                    *value = 0.0;
                }
            }
        }
        let weights = model.add_const("weights", weights).unwrap();
        let einsum = EinSum::new(expression.parse().unwrap(), f32::datum_type());
        let mut wire = model.wire_node("einsum", einsum, &[source, weights]).unwrap()[0];
        let shape = model.outlet_fact(wire).unwrap().shape.as_concrete().unwrap().to_vec();
        let mut binary = |name: &str, op: TypedBinOp, operand: Tensor| {
            let operand = model.add_const(format!("{name}.operand"), operand).unwrap();
            wire = model.wire_node(name, op, &[wire, operand]).unwrap()[0];
        };
        if tail.bias {
            // one value per output channel, on the output's axis O
            let at = expression.split("->").nth(1).and_then(|output| output.find('O')).unwrap();
            let bias_shape: Vec<usize> =
                (0..shape.len()).map(|axis| if axis == at { shape[axis] } else { 1 }).collect();
            binary("bias", math::add(), random_tensor(&bias_shape, 2));
        }
        if tail.residual == Some(Residual::BeforeClamp) {
            binary("residual", math::add(), random_tensor(&shape, 3));
        }
        if tail.relu6 {
            let ones = vec![1; shape.len()];
            binary("max", math::max(), tensor0(0f32).broadcast_into_rank(ones.len()).unwrap());
            binary("min", math::min(), tensor1(&[6f32]).into_shape(&ones).unwrap());
        }
        if tail.residual == Some(Residual::AfterClamp) {
            binary("residual", math::add(), random_tensor(&shape, 3));
        }
        model.select_output_outlets(&[wire]).unwrap();
        model
    }

    #[test]
    fn matches_tract_on_shapes_the_models_do_not_have() {
        let all = Tail { bias: true, relu6: true, residual: Some(Residual::AfterClamp) };
        let before = Tail { residual: Some(Residual::BeforeClamp), ..all };
        let none = Tail { bias: false, relu6: false, residual: None };
        // two input channels; output channels off the blocks of six; pixels off the strips
        // (35, 9, 17, 1); more input channels than one pass sums (300, 520); weights stored
        // [I, O]; a leading axis of size one in the output only; the residual before the clamp
        let cases: [(&str, &[usize], [usize; 2], Tail); 7] = [
            ("IHW,OI->OHW", &[2, 5, 7], [7, 2], all),
            ("NIHW,OI->NOHW", &[1, 300, 3, 3], [13, 300], before),
            ("IHW,IO->OHW", &[20, 4, 4], [20, 9], Tail { residual: None, ..all }),
            ("IHW,OI->NOHW", &[33, 1, 1], [6, 33], none),
            ("IX,OI->OX", &[520, 17], [5, 520], Tail { relu6: false, ..all }),
            ("IHW,OI->OHW", &[8, 16, 16], [64, 8], Tail { bias: false, ..all }),
            ("IHW,OI->OHW", &[24, 3, 7], [10, 24], before),
        ];
        let sparse_cases: [(&str, &[usize], [usize; 2], Tail); 4] = [
            // three blocks of input channels, 49 pixels (a strip in place and a padded one)
            ("NIHW,OI->NOHW", &[1, 300, 7, 7], [13, 300], before),
            ("IHW,IO->OHW", &[20, 5, 7], [20, 9], all),
            // 96 pixels in place and 4 padded; 40 = a strip of 32 and one of 8, in place
            ("IX,OI->OX", &[130, 100], [7, 130], Tail { relu6: false, ..all }),
            ("IX,OI->OX", &[64, 40], [5, 64], none),
        ];
        let all_cases = cases
            .into_iter()
            .map(|case| (case, false))
            .chain(sparse_cases.into_iter().map(|case| (case, true)));
        for (seed, ((expression, data, weights, tail), sparse)) in all_cases.enumerate() {
            let model = product_model(expression, data, weights, tail, sparse);
            let input = random_tensor(data, seed as u64 + 10);
            let reference = run(model.clone(), &input);
            let mut swapped = model.into_decluttered().unwrap();
            assert_eq!(swap_in(&mut swapped).unwrap(), 1, "{expression} {data:?}");
            assert!(
                swapped.nodes().iter().all(|n| !n.op_is::<TypedBinOp>()),
                "{expression} {tail:?}: all fused"
            );
            let op = swapped.nodes().iter().find_map(|n| n.op_as::<Pointwise>()).unwrap();
            assert_eq!(matches!(op.geometry.packing, Packing::Sparse(_)), sparse, "{expression} {data:?}");
            let difference = relative_difference(&reference, &run(swapped, &input));
            assert!(difference <= TOLERANCE, "{expression} {data:?} {tail:?} sparse {sparse}: {difference}");
        }
    }

    #[test]
    fn products_that_are_not_1x1_convolutions_of_channel_first_data_are_left_to_tract() {
        let none = Tail { bias: false, relu6: false, residual: None };
        let cases: [(&str, &[usize], [usize; 2]); 3] = [
            // channel-last data
            ("NHWI,OI->OHW", &[1, 4, 4, 8], [16, 8]),
            // a batch of two
            ("NIHW,OI->NOHW", &[2, 8, 4, 4], [16, 8]),
            // pixels reordered
            ("IHW,OI->OWH", &[8, 4, 5], [16, 8]),
        ];
        for (expression, data, weights) in cases {
            let mut model = product_model(expression, data, weights, none, false).into_decluttered().unwrap();
            assert_eq!(swap_in(&mut model).unwrap(), 0, "{expression}");
        }
    }
}
