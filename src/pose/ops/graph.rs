//! Reading a decluttered tract model around an op to swap: constants, consumers, and the
//! clamp (ReLU, ReLU6) that follows it.

use tract_onnx::prelude::tract_itertools::Itertools;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;

/// The values of an f32 tensor held in memory.
pub(super) fn f32s(tensor: &Tensor) -> TractResult<&[f32]> {
    tensor.try_as_plain_ram()?.as_slice::<f32>()
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
