//! ergoaudit's own PReLU, swapped into the face mesh at load time.
//!
//! tract expands ONNX's `PRelu(x, slope)` into three ops over the whole tensor: a comparison
//! `0 > x` into a boolean tensor, a product `x · slope`, and a select between them. On the
//! face mesh's 23 PReLUs they cost 1.05 ms of its 2.6 ms. [`swap_in`] replaces each such
//! triple with [`PRelu`], one pass that keeps `x` where it is not negative and scales it by its
//! channel's slope where it is.

use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::logic::Iff;

use super::graph::{Swap, constant, f32s, filled, swap_each};

/// `x < 0 ? x · slope[c] : x` over channel-first f32 data seen as `[outer, channels, inner]`,
/// the slopes a `[channels]` input after the data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PRelu {
    channels: usize,
    inner: usize,
    shape: TVec<usize>,
}

impl Op for PRelu {
    fn name(&self) -> StaticName {
        "ergoaudit.PRelu".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("{} channels × {}", self.channels, self.inner)])
    }

    op_as_typed_op!();
}

impl EvalOp for PRelu {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let [data, slopes] = &*inputs else { bail!("PRelu takes the data and the slopes") };
        let (data, slopes) = (f32s(data)?, f32s(slopes)?);
        let plane = self.channels * self.inner;
        ensure!(slopes.len() == self.channels, "{} slopes for {} channels", slopes.len(), self.channels);
        ensure!(
            plane > 0 && data.len() == self.shape.iter().product::<usize>() && data.len() % plane == 0,
            "data of {} values",
            data.len()
        );
        // SAFETY: the output has as many values as the data, and `chunks_exact_mut` of the
        // output by the channel's length, zipped with the data's, writes every one of them.
        let output = unsafe {
            filled(&self.shape, |output| {
                let channels = output.chunks_exact_mut(self.inner).zip(data.chunks_exact(self.inner));
                for (k, (output, data)) in channels.enumerate() {
                    let slope = slopes[k % self.channels];
                    for (o, &x) in output.iter_mut().zip(data) {
                        *o = if x < 0.0 { x * slope } else { x };
                    }
                }
            })?
        };
        Ok(tvec!(output))
    }
}

impl TypedOp for PRelu {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 2 && inputs[0].datum_type == f32::datum_type());
        Ok(tvec!(f32::fact(&self.shape)))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        Ok(tvec!((Cost::FMA(f32::datum_type()), self.shape.iter().product::<usize>().to_dim())))
    }

    as_op!();
}

/// Replace every PReLU tract expanded in a decluttered `model` — `Iff(0 > x, x · slope, x)`
/// with a constant zero and a constant per-channel slope `[1, C, 1, …]` over channel-first
/// data — with [`PRelu`]. Returns how many it replaced; any other `Iff` is left to tract.
pub fn swap_in(model: &mut TypedModel) -> TractResult<usize> {
    swap_each(model, |model, node, _: &Iff| {
        let Some((op, slopes)) = prelu_for(model, node)? else { return Ok(None) };
        let last = OutletId::new(node.id, 0);
        Ok(Some(Swap { data: 2, op, constants: vec![("slopes", slopes)], others: Vec::new(), last }))
    })
}

/// The PReLU an `Iff` node computes, and its slopes as `[C]`, when it is one.
fn prelu_for(model: &TypedModel, node: &TypedNode) -> TractResult<Option<(PRelu, Tensor)>> {
    let [test, product, x] = node.inputs[..] else { return Ok(None) };
    let binary = |outlet: OutletId, name: &str| {
        let n = model.node(outlet.node);
        n.op_as::<TypedBinOp>().filter(|b| b.1.is_none() && b.0.name() == name).map(|_| n)
    };
    let (Some(test), Some(product)) = (binary(test, "GT"), binary(product, "Mul")) else {
        return Ok(None);
    };
    let zero = constant(model, test.inputs[0])?;
    if test.inputs.get(1) != Some(&x)
        || !zero.is_some_and(|z| f32s(&z).is_ok_and(|v| v.iter().all(|&v| v == 0.0)))
    {
        return Ok(None);
    }
    let Some(slope) = (product.inputs[..] == [x, product.inputs[1]])
        .then(|| constant(model, product.inputs[1]))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let Some(shape) = model.outlet_fact(x)?.shape.as_concrete().map(TVec::from) else { return Ok(None) };
    // the slope varies along the channel axis (axis 1) alone
    let channels = shape.get(1).copied().unwrap_or(0);
    let expected: Vec<usize> = (0..shape.len()).map(|i| if i == 1 { channels } else { 1 }).collect();
    if shape.len() < 2 || channels == 0 || slope.shape() != expected.as_slice() {
        return Ok(None);
    }
    let inner = shape[2..].iter().product();
    let slopes = tensor1(f32s(&slope)?);
    Ok(Some((PRelu { channels, inner, shape }, slopes)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{decluttered, max_difference, random_tensor, run};
    use super::*;

    #[test]
    fn matches_tracts_prelu_on_the_face_mesh() {
        // the whole face mesh, by tract and with every PReLU swapped: the same points
        let model = decluttered("face_landmark.onnx", 192);
        let input = random_tensor(&[1, 192, 192, 3], 7);
        let reference = run(model.clone(), &input);
        let mut swapped = model;
        assert_eq!(swap_in(&mut swapped).unwrap(), 23);
        assert!(max_difference(&reference, &run(swapped, &input)) <= 1e-3);
    }

    #[test]
    fn keeps_positive_values_and_scales_negative_ones_by_their_channel() {
        let mut model = TypedModel::default();
        let source = model.add_source("data", f32::fact([1, 2, 3])).unwrap();
        let slopes = model.add_const("slopes", tensor1(&[0.5f32, -1.0])).unwrap();
        let op = PRelu { channels: 2, inner: 3, shape: tvec![1, 2, 3] };
        let output = model.wire_node("prelu", op, &[source, slopes]).unwrap()[0];
        model.select_output_outlets(&[output]).unwrap();
        let data = tensor1(&[1.0f32, -2.0, 0.0, -4.0, 5.0, -0.5]).into_shape(&[1, 2, 3]).unwrap();
        assert_eq!(f32s(&run(model, &data)).unwrap(), &[1.0, -1.0, 0.0, 4.0, 5.0, 0.5]);
    }
}
