//! The loops of the 1×1 convolution, written once over [`Lanes`]: a matrix product of the
//! packed weights `[O, I]` with the channel-first data `[I, P]` (P pixels), into `[O, P]`.

use super::super::lanes::{LANES, Lanes};

/// Output channels computed together: each data load feeds this many accumulators.
pub(super) const ROWS: usize = 6;

/// Registers of pixels computed together at most (24 pixels): with [`ROWS`], 12 accumulators,
/// 3 data registers and one weight fill the 16 AVX registers.
const WIDE: usize = 2;

/// Where a fused residual is added: before or after the clamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Residual {
    BeforeClamp,
    AfterClamp,
}

/// What one 1×1 convolution computes: sizes, the clamp, and whether a residual is added.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Geometry {
    /// Input channels (I).
    pub(super) inputs: usize,
    /// Output channels (O).
    pub(super) outputs: usize,
    /// Pixels per channel (P).
    pub(super) pixels: usize,
    /// The clamp's bounds as f32 bits (an op must be `Eq`): −∞ and +∞ when nothing is fused.
    pub(super) clamp_bits: [u32; 2],
    /// Whether a tensor of the output's shape is added, and where.
    pub(super) residual: Option<Residual>,
}

impl Geometry {
    pub(super) fn clamp(&self) -> [f32; 2] {
        self.clamp_bits.map(f32::from_bits)
    }

    /// Blocks of [`ROWS`] output channels, the last one padded with zero weights.
    pub(super) fn row_blocks(&self) -> usize {
        self.outputs.div_ceil(ROWS)
    }
}

/// The op's inputs: the data `[I, P]`, the weights packed as `[O / ROWS][I][ROWS]` (zero rows
/// past O), the bias padded the same way, and the residual `[O, P]` if there is one.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    pub(super) data: &'a [f32],
    pub(super) weights: &'a [f32],
    pub(super) bias: &'a [f32],
    pub(super) residual: Option<&'a [f32]>,
}

/// Pixels computed together at most: with [`ROWS`] channels, 12 accumulators, 3 data
/// registers and one weight fill the 16 AVX registers.
const STRIP: usize = WIDE * LANES;

/// Input channels summed in one pass over a strip: a block of the packed strip (24 KiB)
/// stays in the level-1 cache while every output channel reads it.
const DEPTH: usize = 256;

/// The loops, inlined into each caller so that they are compiled for its lanes. The data is
/// taken [`STRIP`] pixels at a time, copied into a contiguous zero-padded strip `[I][STRIP]`,
/// and multiplied by every block of output channels.
#[inline(always)]
pub(super) fn multiply_with<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let p = g.pixels;
    assert!(inputs.data.len() == g.inputs * p && output.len() == g.outputs * p);
    assert!(
        inputs.weights.len() == g.row_blocks() * ROWS * g.inputs
            && inputs.bias.len() == g.row_blocks() * ROWS
    );
    assert!(inputs.residual.is_none_or(|r| r.len() == output.len()));
    let mut strip = vec![0f32; g.inputs * STRIP];
    // Sums over the input channels of the blocks before the last one.
    let mut partial = if g.inputs > DEPTH { vec![0f32; g.row_blocks() * ROWS * STRIP] } else { Vec::new() };
    for x in (0..p).step_by(STRIP) {
        let width = STRIP.min(p - x);
        for (row, strip) in inputs.data.chunks_exact(p).zip(strip.chunks_exact_mut(STRIP)) {
            strip[..width].copy_from_slice(&row[x..][..width]);
        }
        let at = Columns { x, width };
        match width.div_ceil(LANES) {
            1 => strip_with::<L, 1>(lanes, g, inputs, &strip, &mut partial, at, output),
            _ => strip_with::<L, WIDE>(lanes, g, inputs, &strip, &mut partial, at, output),
        }
    }
}

/// The output columns of a strip.
#[derive(Clone, Copy)]
struct Columns {
    x: usize,
    width: usize,
}

/// Every output channel of one strip of `V` registers of pixels: [`ROWS`] channels at a
/// time, accumulated in registers over [`DEPTH`] input channels at a time.
#[inline(always)]
fn strip_with<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    strip: &[f32],
    partial: &mut [f32],
    at: Columns,
    output: &mut [f32],
) {
    let i_len = g.inputs;
    assert!(strip.len() == i_len * STRIP && V * LANES <= STRIP);
    let bounds = g.clamp();
    let depths = i_len.div_ceil(DEPTH);
    for depth in 0..depths {
        let first = depth * DEPTH;
        let count = DEPTH.min(i_len - first);
        let strip = &strip[first * STRIP..][..count * STRIP];
        for block in 0..g.row_blocks() {
            let panel = &inputs.weights[(block * i_len + first) * ROWS..][..count * ROWS];
            let mut acc: [[L::V; V]; ROWS] = if depth == 0 {
                std::array::from_fn(|r| [lanes.splat(inputs.bias[block * ROWS + r]); V])
            } else {
                let rows = &partial[block * ROWS * STRIP..][..ROWS * STRIP];
                std::array::from_fn(|r| std::array::from_fn(|v| lanes.load(&rows[r * STRIP + v * LANES..])))
            };
            for (weights, x) in panel.as_chunks::<ROWS>().0.iter().zip(strip.as_chunks::<STRIP>().0) {
                let x: [L::V; V] = std::array::from_fn(|v| lanes.load(&x[v * LANES..]));
                for (acc, &w) in acc.iter_mut().zip(weights) {
                    let w = lanes.splat(w);
                    for (acc, &x) in acc.iter_mut().zip(&x) {
                        *acc = lanes.mul_add(w, x, *acc);
                    }
                }
            }
            if depth + 1 < depths {
                let rows = &mut partial[block * ROWS * STRIP..][..ROWS * STRIP];
                for (r, acc) in acc.into_iter().enumerate() {
                    for (v, acc) in acc.into_iter().enumerate() {
                        lanes.store(acc, &mut rows[r * STRIP + v * LANES..][..LANES]);
                    }
                }
            } else {
                store(lanes, g, inputs.residual, acc, block, at, bounds, output);
            }
        }
    }
}

/// The accumulators of one block of output channels, clamped and with the residual added,
/// into the strip's columns of the output.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn store<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    residual: Option<&[f32]>,
    acc: [[L::V; V]; ROWS],
    block: usize,
    at: Columns,
    bounds: [f32; 2],
    output: &mut [f32],
) {
    let rows = ROWS.min(g.outputs - block * ROWS);
    for (r, acc) in acc.into_iter().enumerate().take(rows) {
        let start = (block * ROWS + r) * g.pixels + at.x;
        let out = &mut output[start..][..at.width];
        let residual = residual.map(|residual| &residual[start..][..at.width]);
        for (v, acc) in acc.into_iter().enumerate() {
            let lanes_at = v * LANES..((v + 1) * LANES).min(at.width);
            let out = &mut out[lanes_at.clone()];
            let Some(residual) = residual.map(|residual| &residual[lanes_at]) else {
                lanes.store(lanes.clamp(acc, bounds), out);
                continue;
            };
            if residual.len() == LANES {
                let value = match g.residual {
                    Some(Residual::BeforeClamp) => lanes.clamp(lanes.add(acc, lanes.load(residual)), bounds),
                    _ => lanes.add(lanes.clamp(acc, bounds), lanes.load(residual)),
                };
                lanes.store(value, out);
            } else {
                // fewer than eight pixels: the residual added one by one
                lanes.store(acc, out);
                for (out, &r) in out.iter_mut().zip(residual) {
                    *out = match g.residual {
                        Some(Residual::BeforeClamp) => (*out + r).max(bounds[0]).min(bounds[1]),
                        _ => out.max(bounds[0]).min(bounds[1]) + r,
                    };
                }
            }
        }
    }
}
