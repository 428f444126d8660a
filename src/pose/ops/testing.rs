//! What the ops' tests share: random tensors, the bundled models decluttered, one op of a
//! model on its own, and running a model.

use tract_onnx::prelude::{InferenceFact, InferenceModelExt};
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;

use super::graph::{f32s, single_consumer};

/// Deterministic values in [-1, 1): a 64-bit LCG.
pub(super) fn random_tensor(shape: &[usize], seed: u64) -> Tensor {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    tensor1(&values).into_shape(shape).expect("the values fill the shape")
}

/// A bundled model (read from the checkout), decluttered as the loader does.
pub(super) fn decluttered(file: &str, n: usize) -> TypedModel {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(file);
    let mut inference = tract_onnx::onnx().model_for_path(&path).expect("ONNX");
    inference.set_input_fact(0, InferenceFact::dt_shape(f32::datum_type(), [1, n, n, 3])).expect("input");
    inference.into_typed().and_then(|m| m.into_decluttered()).expect("decluttered")
}

/// Node `id` of `model` on its own, with the chain of binary ops (bias, Max, Min, residual
/// Add) that follows it through single consumers, and random data. The node's own constants
/// (kernel, bias) are random unless `keep_constants`; the chain keeps its constants, and its
/// other inputs (a residual) become random constants.
pub(super) fn isolate(
    model: &TypedModel,
    id: usize,
    seed: u64,
    keep_constants: bool,
) -> TractResult<(TypedModel, Tensor)> {
    let node = model.node(id);
    let data_fact = model.outlet_fact(node.inputs[0])?.clone();
    let mut mini = TypedModel::default();
    let data = mini.add_source("data", data_fact.without_value())?;
    let mut inputs = tvec![data];
    for (i, &input) in node.inputs.iter().enumerate().skip(1) {
        let fact = model.outlet_fact(input)?;
        let konst = match fact.konst.clone() {
            Some(konst) if keep_constants => konst.into_tensor(),
            _ => random_tensor(fact.shape.as_concrete().context("constant shape")?, seed + i as u64),
        };
        inputs.push(mini.add_const(format!("const{i}"), konst)?);
    }
    let mut wire = mini.wire_node("op", node.op.clone(), &inputs)?[0];
    let mut outlet = OutletId::new(id, 0);
    while let Some(next) = single_consumer(model, outlet).filter(|n| n.op_is::<TypedBinOp>()) {
        let mut operands = tvec![];
        for (i, &input) in next.inputs.iter().enumerate() {
            let fact = model.outlet_fact(input)?;
            operands.push(if input == outlet {
                wire
            } else if let Some(konst) = fact.konst.clone() {
                mini.add_const(format!("{}.operand", next.name), konst)?
            } else {
                let shape = fact.shape.as_concrete().context("concrete operand")?.to_vec();
                let values = random_tensor(&shape, seed + 10 + i as u64);
                mini.add_const(format!("{}.operand", next.name), values)?
            });
        }
        wire = mini.wire_node(&next.name, next.op.clone(), &operands)?[0];
        outlet = OutletId::new(next.id, 0);
    }
    mini.select_output_outlets(&[wire])?;
    let shape = data_fact.shape.as_concrete().context("concrete data")?.to_vec();
    Ok((mini, random_tensor(&shape, seed)))
}

/// `model` optimised by tract and run on `input`: its first output.
pub(super) fn run(model: TypedModel, input: &Tensor) -> Tensor {
    let output = model
        .into_optimized()
        .and_then(|m| m.into_runnable())
        .and_then(|r| r.run(tvec!(input.clone().into())));
    output.expect("the model runs")[0].clone().into_tensor()
}

/// The largest difference between two f32 tensors of the same shape.
pub(super) fn max_difference(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.shape(), b.shape());
    f32s(a).unwrap().iter().zip(f32s(b).unwrap()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
