//! Reading a decluttered tract model around an op to swap (constants, consumers, the clamp
//! that follows it, a convolution's frame), patching the op in, and the tensors the ops read
//! and write.

use tract_onnx::prelude::tract_itertools::Itertools;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, PaddingSpec};
use tract_onnx::tract_core::ops::einsum::EinSum;

/// The values of an f32 tensor held in memory.
pub(super) fn f32s(tensor: &Tensor) -> TractResult<&[f32]> {
    tensor.try_as_plain_ram()?.as_slice::<f32>()
}

/// A new f32 tensor of `shape`, its values written by `fill`, without zeroing it first.
///
/// # Safety
/// `fill` writes every element of the slice it is given: nothing may read an element it left.
pub(super) unsafe fn filled(shape: &[usize], fill: impl FnOnce(&mut [f32])) -> TractResult<TValue> {
    // SAFETY: f32 has no invalid bit patterns, and the caller's `fill` writes every element
    // before anything reads the tensor.
    let mut output = unsafe { Tensor::uninitialized::<f32>(shape)? };
    let mut view = output.try_as_plain_ram_mut()?;
    fill(view.as_slice_mut::<f32>()?);
    Ok(output.into_tvalue())
}

/// The node reading `outlet`, when it is the only one and `outlet` is not a model output:
/// only then can `outlet`'s value be fused into the op that computes it.
pub(super) fn single_consumer(model: &TypedModel, outlet: OutletId) -> Option<&TypedNode> {
    let only = model.outlet_successors(outlet).iter().exactly_one().ok()?;
    (!model.output_outlets().ok()?.contains(&outlet)).then(|| model.node(only.node))
}

/// The constant f32 tensor at `outlet`, if it is one.
pub(super) fn constant(model: &TypedModel, outlet: OutletId) -> TractResult<Option<Arc<Tensor>>> {
    let fact = model.outlet_fact(outlet)?;
    Ok(fact.konst.clone().filter(|k| k.datum_type() == f32::datum_type()))
}

/// An f32 `EinSum` of data by a constant matrix (no quantisation), read from its axes
/// mapping: which axis of the matrix reaches the output, and which it shares with the data.
pub(super) struct MatrixProduct {
    /// Which of the node's two inputs is the data; the other is the matrix.
    pub(super) data_input: usize,
    pub(super) matrix: Arc<Tensor>,
    pub(super) data_shape: TVec<usize>,
    pub(super) output_shape: TVec<usize>,
    /// The axes' labels in the data and in the output.
    pub(super) data_axes: Vec<char>,
    pub(super) output_axes: Vec<char>,
    /// The matrix's axis that reaches the output, and its other one.
    pub(super) new: char,
    pub(super) old: char,
    /// Whether the matrix is `[new, old]` rather than `[old, new]`.
    pub(super) new_first: bool,
}

/// The product `node` computes, when it is an f32 `EinSum` of concrete-shaped data by a
/// constant rank-2 matrix.
pub(super) fn matrix_product(
    model: &TypedModel,
    node: &TypedNode,
    einsum: &EinSum,
) -> TractResult<Option<MatrixProduct>> {
    let [a, b] = node.inputs[..] else { return Ok(None) };
    let (data, matrix, data_input) = match (constant(model, a)?, constant(model, b)?) {
        (None, Some(matrix)) => (a, matrix, 0),
        (Some(matrix), None) => (b, matrix, 1),
        _ => return Ok(None),
    };
    let data_fact = model.outlet_fact(data)?;
    let output_fact = model.outlet_fact(OutletId::new(node.id, 0))?;
    let (Some(data_shape), Some(output_shape)) =
        (data_fact.shape.as_concrete(), output_fact.shape.as_concrete())
    else {
        return Ok(None);
    };
    if einsum.q_params.is_some()
        || einsum.operating_dt != f32::datum_type()
        || data_fact.datum_type != f32::datum_type()
        || output_fact.datum_type != f32::datum_type()
        || matrix.rank() != 2
    {
        return Ok(None);
    }
    let labels = |io: InOut| einsum.axes.axes(io).map(|axis| axis.repr).collect::<Vec<char>>();
    let matrix_axes = labels(InOut::In(1 - data_input));
    let output_axes = labels(InOut::Out(0));
    let new_first = output_axes.contains(&matrix_axes[0]);
    let (new, old) =
        if new_first { (matrix_axes[0], matrix_axes[1]) } else { (matrix_axes[1], matrix_axes[0]) };
    Ok(Some(MatrixProduct {
        data_input,
        matrix,
        data_shape: data_shape.into(),
        output_shape: output_shape.into(),
        data_axes: labels(InOut::In(data_input)),
        output_axes,
        new,
        old,
        new_first,
    }))
}

/// The value of a constant f32 input whose elements are all equal.
fn uniform(model: &TypedModel, outlet: OutletId) -> TractResult<Option<f32>> {
    let Some(konst) = constant(model, outlet)? else { return Ok(None) };
    let values = f32s(&konst)?;
    Ok(values.first().copied().filter(|first| values.iter().all(|v| v == first)))
}

/// The binary op reading `outlet` when it is its only consumer, keeps its shape, and has
/// the name `name` (`Add`, `Max`, `Min`): the node and its other input.
pub(super) fn next_binary<'m>(
    model: &'m TypedModel,
    outlet: OutletId,
    name: &str,
) -> TractResult<Option<(&'m TypedNode, OutletId)>> {
    let Some(next) = single_consumer(model, outlet) else { return Ok(None) };
    let Some(bin) = next.op_as::<TypedBinOp>() else { return Ok(None) };
    let [a, b] = next.inputs[..] else { return Ok(None) };
    let other = if a == outlet { b } else { a };
    let same_shape = model.outlet_fact(OutletId::new(next.id, 0))?.shape == model.outlet_fact(outlet)?.shape;
    Ok((bin.0.name() == name && same_shape && other != outlet).then_some((next, other)))
}

/// Fuse the `Max` and then the `Min` with a uniform constant that follow `outlet` (ReLU,
/// ReLU6) into `bounds` (low, high). Returns the outlet the fused clamp ends at.
pub(super) fn fuse_clamp(
    model: &TypedModel,
    bounds: &mut [f32; 2],
    mut outlet: OutletId,
) -> TractResult<OutletId> {
    for (bound, name) in [(0, "Max"), (1, "Min")] {
        let Some((next, other)) = next_binary(model, outlet, name)? else { break };
        let Some(value) = uniform(model, other)? else { break };
        bounds[bound] = value;
        outlet = OutletId::new(next.id, 0);
    }
    Ok(outlet)
}

/// Where a 2-D convolution reads and writes, for the ops that replace one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ConvFrame {
    /// The data's full shape, batch axis included when it has one.
    pub(super) input_shape: TVec<usize>,
    /// The output's full shape.
    pub(super) output_shape: TVec<usize>,
    /// Input height and width.
    pub(super) input_hw: [usize; 2],
    /// Output height and width.
    pub(super) output_hw: [usize; 2],
    pub(super) kernel_hw: [usize; 2],
    pub(super) strides: [usize; 2],
    /// Zero rows above and columns left of the input; the padding below and right is implied
    /// by the output size.
    pub(super) pad_before: [usize; 2],
}

impl ConvFrame {
    /// The output fact of an op over this frame, whose inputs (data, packed weights, bias) are
    /// three f32 tensors, the data of the frame's input shape.
    pub(super) fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 3 && inputs.iter().all(|fact| fact.datum_type == f32::datum_type()));
        ensure!(inputs[0].shape.as_concrete() == Some(&*self.input_shape));
        Ok(tvec!(f32::fact(&self.output_shape)))
    }

    /// Check that `data` holds as many values as the frame's input.
    pub(super) fn check_data(&self, data: &[f32]) -> TractResult<()> {
        ensure!(
            data.len() == self.input_shape.iter().product::<usize>(),
            "data is not {:?}",
            self.input_shape
        );
        Ok(())
    }
}

/// The frame of `conv` (node `node`) when it is one the ops compute: f32 data of a concrete
/// shape with `spec.input_channels` channels, an OIHW kernel of `kernel_len` values and a
/// bias of one value or `spec.output_channels` (both constant), a 2-D kernel without
/// dilation, explicit or no padding, and a non-empty output of the shape tract expects.
pub(super) fn conv_frame(
    model: &TypedModel,
    node: &TypedNode,
    conv: &Conv,
    kernel_len: usize,
) -> TractResult<Option<ConvFrame>> {
    let spec = &conv.pool_spec;
    let data = model.outlet_fact(node.inputs[0])?;
    let Some(input_shape) = data.shape.as_concrete() else { return Ok(None) };
    // a constant input of one of these lengths
    let constant = |i: usize, lengths: &[usize]| {
        model
            .outlet_fact(node.inputs[i])
            .map(|fact| fact.konst.as_ref().is_some_and(|k| lengths.contains(&k.len())))
    };
    if conv.q_params.is_some()
        || data.datum_type != f32::datum_type()
        || conv.kernel_fmt != KernelFormat::OIHW
        || spec.kernel_shape.len() != 2
        || spec.dilations().iter().any(|&d| d != 1)
        || node.inputs.len() != 3
        || !constant(1, &[kernel_len])?
        || !constant(2, &[1, spec.output_channels])?
        || !matches!(spec.padding, PaddingSpec::Explicit(..) | PaddingSpec::Valid)
    {
        return Ok(None);
    }
    let shape = spec.data_format.shape(input_shape)?;
    if *shape.c() != spec.input_channels {
        return Ok(None);
    }
    let input_hw = [shape.hw_dims()[0], shape.hw_dims()[1]];
    let kernel_hw = [spec.kernel_shape[0], spec.kernel_shape[1]];
    let strides = [spec.stride(0), spec.stride(1)];
    let padded = spec.padding.compute(&input_hw, &kernel_hw, &[1, 1], &strides);
    let output_hw = [padded[0].convoluted, padded[1].convoluted];
    let output_shape: TVec<usize> = spec.output_shape(input_shape)?.shape.into_iter().collect();
    let output = model.outlet_fact(OutletId::new(node.id, 0))?;
    if output.shape.as_concrete() != Some(&*output_shape) || output_hw.contains(&0) {
        return Ok(None);
    }
    Ok(Some(ConvFrame {
        input_shape: input_shape.into(),
        output_shape,
        input_hw,
        output_hw,
        kernel_hw,
        strides,
        pad_before: [padded[0].pad_before, padded[1].pad_before],
    }))
}

/// An op of this crate to put in place of a node (and the nodes fused after it), and what it
/// reads.
pub(super) struct Swap<T> {
    /// Which of the node's inputs is the data, the op's first input.
    pub(super) data: usize,
    pub(super) op: T,
    /// The constants the op reads after the data: (name, value).
    pub(super) constants: Vec<(&'static str, Tensor)>,
    /// The model's outlets the op reads after them (a residual).
    pub(super) others: Vec<OutletId>,
    /// The outlet whose value the op computes: the node's own, or that of the last node fused
    /// after it.
    pub(super) last: OutletId,
}

/// Put the op that `find` gives in place of every node of `model` whose op is an `O`, in
/// evaluation order. Returns how many it replaced; the nodes `find` declines stay as they are.
pub(super) fn swap_each<O: TypedOp, T: TypedOp>(
    model: &mut TypedModel,
    find: impl Fn(&TypedModel, &TypedNode, &O) -> TractResult<Option<Swap<T>>>,
) -> TractResult<usize> {
    let candidates: Vec<usize> =
        model.eval_order()?.into_iter().filter(|&id| model.node(id).op_is::<O>()).collect();
    let mut swapped = 0;
    for id in candidates {
        let node = model.node(id);
        let op = node.op_as::<O>().expect("filtered on the op's type");
        let Some(swap) = find(model, node, op)? else { continue };
        replace(model, id, swap)?;
        swapped += 1;
    }
    model.compact()?;
    Ok(swapped)
}

/// Replace what node `id` and the nodes fused after it compute with `swap`'s op.
fn replace<T: TypedOp>(model: &mut TypedModel, id: usize, swap: Swap<T>) -> TractResult<()> {
    let node = model.node(id);
    let op: Box<dyn TypedOp> = Box::new(swap.op);
    let mut patch = TypedModelPatch::new(format!("ergoaudit {} {}", op.name(), node.name));
    let mut inputs = tvec![patch.tap_model(model, node.inputs[swap.data])?];
    for (name, value) in swap.constants {
        inputs.push(patch.add_const(format!("{}.{name}", node.name), value)?);
    }
    for other in swap.others {
        inputs.push(patch.tap_model(model, other)?);
    }
    let wire = patch.wire_node(format!("{}.{}", node.name, op.name()), op, &inputs)?[0];
    patch.shunt_outside(model, swap.last, wire)?;
    patch.apply(model)
}

/// Swap an op of this crate in for every `Conv` of `model` that `find` recognises (it gives
/// the op, its clamp's bounds as f32 bits for a following ReLU or ReLU6 to be fused into, and
/// its packed constants). Returns how many it replaced.
pub(super) fn swap_convs<T: TypedOp>(
    model: &mut TypedModel,
    find: impl Fn(&TypedModel, &TypedNode, &Conv) -> TractResult<Option<(T, Vec<(&'static str, Tensor)>)>>,
    clamp_bits: impl Fn(&mut T) -> &mut [u32; 2],
) -> TractResult<usize> {
    swap_each(model, |model, node, conv: &Conv| {
        let Some((mut op, constants)) = find(model, node, conv)? else { return Ok(None) };
        let mut clamp = clamp_bits(&mut op).map(f32::from_bits);
        let last = fuse_clamp(model, &mut clamp, OutletId::new(node.id, 0))?;
        *clamp_bits(&mut op) = clamp.map(f32::to_bits);
        Ok(Some(Swap { data: 0, op, constants, others: Vec::new(), last }))
    })
}
