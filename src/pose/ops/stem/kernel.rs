//! The loops of the stem convolution, written once over [`Lanes`]: channel-last data with a
//! few input channels, a register of output channels at a time.

use super::super::graph::ConvFrame;
use super::super::lanes::{Lanes, MAX_LANES, registers};

/// Output pixels computed together: with up to [`BLOCK`] registers of output channels each,
/// 9 accumulators, 3 weight registers and the input value, within the 16 AVX registers.
const PIXELS: usize = 3;

/// Registers of output channels computed together at most (24 channels).
const BLOCK: usize = 3;

/// What one stem convolution computes: shapes, kernel size, strides, padding and clamp.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Geometry {
    /// Where the convolution reads and writes.
    pub(super) frame: ConvFrame,
    /// Input channels (C).
    pub(super) inputs: usize,
    /// Output channels (O).
    pub(super) outputs: usize,
    /// The clamp's bounds as f32 bits (an op must be `Eq`): −∞ and +∞ when nothing is fused.
    pub(super) clamp_bits: [u32; 2],
}

impl Geometry {
    pub(super) fn taps(&self) -> usize {
        self.frame.kernel_hw[0] * self.frame.kernel_hw[1]
    }

    /// Output channels rounded up to whole registers of any lanes: the packed weights' and
    /// bias' width.
    pub(super) fn padded_outputs(&self) -> usize {
        self.outputs.next_multiple_of(MAX_LANES)
    }

    pub(super) fn clamp(&self) -> [f32; 2] {
        self.clamp_bits.map(f32::from_bits)
    }
}

/// The op's inputs: the data (or one batch item of it), the weights packed as
/// `[taps][C][padded O]` (zeros past O) and the bias `[padded O]`.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    pub(super) data: &'a [f32],
    pub(super) weights: &'a [f32],
    pub(super) bias: &'a [f32],
}

/// The loops, inlined into each caller so that they are compiled for its lanes: each output
/// row, [`BLOCK`] registers of output channels at a time.
#[inline(always)]
pub(super) fn convolve_with<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let input_len = g.frame.input_hw[0] * g.frame.input_hw[1] * g.inputs;
    let output_len = g.frame.output_hw[0] * g.frame.output_hw[1] * g.outputs;
    assert!(inputs.weights.len() == g.taps() * g.inputs * g.padded_outputs());
    assert!(inputs.bias.len() == g.padded_outputs());
    for (data, output) in inputs.data.chunks_exact(input_len).zip(output.chunks_exact_mut(output_len)) {
        let inputs = Inputs { data, ..inputs };
        // the output channels' registers of these lanes (the packing may hold more)
        let registers = g.outputs.next_multiple_of(L::N);
        for y in 0..g.frame.output_hw[0] {
            for first in (0..registers).step_by(BLOCK * L::N) {
                match (registers - first) / L::N {
                    1 => row::<L, 1>(lanes, g, inputs, y, first, output),
                    2 => row::<L, 2>(lanes, g, inputs, y, first, output),
                    _ => row::<L, BLOCK>(lanes, g, inputs, y, first, output),
                }
            }
        }
    }
}

/// Output row `y`, `V` registers of output channels from `first`, [`PIXELS`] pixels at a time.
/// Taps in the padding are skipped.
#[inline(always)]
fn row<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    y: usize,
    first: usize,
    output: &mut [f32],
) {
    let ([ih, iw], ow, [kh, kw], [sh, sw], [pad_top, pad_left]) =
        (g.frame.input_hw, g.frame.output_hw[1], g.frame.kernel_hw, g.frame.strides, g.frame.pad_before);
    let (c, o, padded) = (g.inputs, g.outputs, g.padded_outputs());
    let bias = &inputs.bias[first..][..V * L::N];
    let mut x = 0;
    while x < ow {
        let mut acc: [[L::V; V]; PIXELS] = [registers(lanes, bias); PIXELS];
        // the group's taps all fall inside the input's columns: no check per pixel
        let inside = x * sw >= pad_left && (x + PIXELS - 1) * sw + kw <= iw + pad_left && x + PIXELS <= ow;
        for ky in 0..kh {
            let Some(iy) = (y * sh + ky).checked_sub(pad_top).filter(|&iy| iy < ih) else { continue };
            if inside {
                let base = (iy * iw + x * sw - pad_left) * c;
                for kx in 0..kw {
                    for ci in 0..c {
                        let w = &inputs.weights[((ky * kw + kx) * c + ci) * padded + first..][..V * L::N];
                        let w: [L::V; V] = registers(lanes, w);
                        for (p, acc) in acc.iter_mut().enumerate() {
                            let value = lanes.splat(inputs.data[base + (p * sw + kx) * c + ci]);
                            for (acc, &w) in acc.iter_mut().zip(&w) {
                                *acc = lanes.mul_add(value, w, *acc);
                            }
                        }
                    }
                }
                continue;
            }
            for kx in 0..kw {
                // where each pixel of the group reads, if inside the input
                let columns: [Option<usize>; PIXELS] = std::array::from_fn(|p| {
                    let ix = ((x + p) * sw + kx).checked_sub(pad_left)?;
                    (ix < iw && x + p < ow).then_some((iy * iw + ix) * c)
                });
                for ci in 0..c {
                    let w = &inputs.weights[((ky * kw + kx) * c + ci) * padded + first..][..V * L::N];
                    let w: [L::V; V] = registers(lanes, w);
                    for (acc, column) in acc.iter_mut().zip(columns) {
                        let Some(at) = column else { continue };
                        let value = lanes.splat(inputs.data[at + ci]);
                        for (acc, &w) in acc.iter_mut().zip(&w) {
                            *acc = lanes.mul_add(value, w, *acc);
                        }
                    }
                }
            }
        }
        for (p, acc) in acc.into_iter().enumerate().take(ow - x) {
            let point = &mut output[((y * ow) + x + p) * o..][..o];
            for (v, acc) in acc.into_iter().enumerate() {
                let start = first + v * L::N;
                if start < o {
                    lanes.store_clamped(acc, g.clamp(), &mut point[start..(start + L::N).min(o)]);
                }
            }
        }
        x += PIXELS;
    }
}
