//! ergoaudit's own ops for the convolutions where tract is slow on BlazePose's shapes,
//! swapped into each model at load time: the first convolution of the RGB input (`stem`),
//! the depthwise convolutions (`depthwise`) and the 1×1 convolutions (`pointwise`); and the
//! bilinear resizes, which the converted models hold as products with constant matrices
//! (`resize`); and the face mesh's PReLUs (`prelu`). Their
//! loops are written once over a register of f32 lanes (`lanes.rs`), compiled for AVX-512
//! (16 lanes, 32 registers) or AVX2 + FMA (8 lanes, 16 registers) on x86_64 CPUs that have
//! them (`x86.rs`, chosen at run time by `run.rs`) and for plain arrays anywhere else. Each
//! op keeps tract's arithmetic up to rounding: their tests check every kind of lanes the
//! machine has, and plain arrays of 8 and of 16, against tract's own ops on every shape of
//! the bundled models.

use tract_onnx::prelude::{TractResult, TypedModel};

mod depthwise;
mod graph;
mod lanes;
mod pointwise;
mod prelu;
mod resize;
mod run;
mod stem;
#[cfg(test)]
mod testing;
#[cfg(target_arch = "x86_64")]
mod x86;

/// Swap ergoaudit's ops into a decluttered `model`, in place of the convolutions they
/// compute; everything else stays tract's.
pub(crate) fn swap_in(model: &mut TypedModel) -> TractResult<()> {
    stem::swap_in(model)?;
    depthwise::swap_in(model)?;
    pointwise::swap_in(model)?;
    resize::swap_in(model)?;
    prelu::swap_in(model)?;
    Ok(())
}
