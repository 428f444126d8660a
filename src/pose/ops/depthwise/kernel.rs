//! The loops of the depthwise convolution, written once over [`Lanes`].

use super::super::graph::ConvFrame;
use super::super::lanes::{LANES, Lanes};

/// Channels computed together in channel-last data: four registers, so each input load
/// feeds four independent accumulators.
const CHANNEL_BLOCK: usize = 4 * LANES;

/// Output rows computed together in channel-first data, for as many independent accumulators.
const ROWS: usize = 4;

/// How the data tensor is laid out around its spatial axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Layout {
    /// `[N?, C, H, W]`: one plane per channel.
    ChannelFirst,
    /// `[N?, H, W, C]`: channels contiguous at every point.
    ChannelLast,
}

/// What one depthwise convolution computes: shapes, kernel size, strides, padding and clamp.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Geometry {
    pub(super) layout: Layout,
    /// Where the convolution reads and writes.
    pub(super) frame: ConvFrame,
    pub(super) channels: usize,
    /// The clamp's bounds as f32 bits (an op must be `Eq`): −∞ and +∞ when nothing is fused.
    pub(super) clamp_bits: [u32; 2],
}

impl Geometry {
    pub(super) fn taps(&self) -> usize {
        self.frame.kernel_hw[0] * self.frame.kernel_hw[1]
    }

    /// Columns of one stride phase of a padded channel-first row: those read by a whole
    /// output row, rounded up to whole lanes.
    pub(super) fn phase_width(&self) -> usize {
        self.frame.output_hw[1].next_multiple_of(LANES)
            + (self.frame.kernel_hw[1] - 1) / self.frame.strides[1]
    }

    pub(super) fn clamp(&self) -> [f32; 2] {
        self.clamp_bits.map(f32::from_bits)
    }
}

/// The op's inputs: the data (or one batch item of it), the packed kernel and the bias.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    pub(super) data: &'a [f32],
    pub(super) kernel: &'a [f32],
    pub(super) bias: &'a [f32],
}

/// The loops, inlined into each caller so that they are compiled for its lanes.
#[inline(always)]
pub(super) fn convolve_with<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let input_len = g.channels * g.frame.input_hw[0] * g.frame.input_hw[1];
    let output_len = g.channels * g.frame.output_hw[0] * g.frame.output_hw[1];
    for (data, output) in inputs.data.chunks_exact(input_len).zip(output.chunks_exact_mut(output_len)) {
        match g.layout {
            Layout::ChannelFirst => channel_first(lanes, g, Inputs { data, ..inputs }, output),
            Layout::ChannelLast => channel_last(lanes, g, Inputs { data, ..inputs }, output),
        }
    }
}

/// Channel-first data, one plane at a time. The plane is first copied, zero-padded, into one
/// sub-plane per horizontal stride phase (columns `s·j + p` in phase `p`), so that the input of
/// eight neighbouring outputs under any tap is eight contiguous values.
#[inline(always)]
fn channel_first<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let ([ih, iw], [oh, ow], [kh, kw], [sh, sw]) =
        (g.frame.input_hw, g.frame.output_hw, g.frame.kernel_hw, g.frame.strides);
    let [pad_top, pad_left] = g.frame.pad_before;
    let taps = g.taps();
    let phase_w = g.phase_width();
    let rows = (oh - 1) * sh + kh;
    let phase_len = rows * phase_w;
    // The padding stays zero: each plane only overwrites the input's own positions.
    let mut padded = vec![0f32; sw * phase_len];
    // Where each tap reads, relative to the first input of the output row and column.
    let offsets: Vec<usize> = (0..kh)
        .flat_map(|ky| (0..kw).map(move |kx| (kx % sw) * phase_len + ky * phase_w + kx / sw))
        .collect();
    let input_rows = pad_top.min(rows)..(pad_top + ih).min(rows);
    // Per phase: phase column j holds input column j·sw + phase − pad_left, for j in first..end.
    let phase_columns: Vec<(usize, usize, usize)> = (0..sw)
        .map(|phase| {
            let first = pad_left.saturating_sub(phase).div_ceil(sw).min(phase_w);
            let end = (iw + pad_left).saturating_sub(phase).div_ceil(sw).clamp(first, phase_w);
            (phase, first, end)
        })
        .filter(|&(_, first, end)| first < end)
        .collect();
    for c in 0..g.channels {
        let plane = &inputs.data[c * ih * iw..][..ih * iw];
        for &(phase, first, end) in &phase_columns {
            let from = first * sw + phase - pad_left;
            for r in input_rows.clone() {
                let src = &plane[(r - pad_top) * iw + from..];
                let dst = &mut padded[phase * phase_len + r * phase_w..][first..end];
                match sw {
                    1 => dst.copy_from_slice(&src[..dst.len()]),
                    // every second column: `chunks(2)` measured faster here than `step_by(2)`
                    2 => dst.iter_mut().zip(src.chunks(2)).for_each(|(dst, pair)| *dst = pair[0]),
                    _ => dst.iter_mut().zip(src.iter().step_by(sw)).for_each(|(dst, &value)| *dst = value),
                }
            }
        }
        let weights = &inputs.kernel[c * taps..][..taps];
        let out_plane = &mut output[c * oh * ow..][..oh * ow];
        let mut y = 0;
        while y + ROWS <= oh {
            output_rows::<L, ROWS>(lanes, g, &padded, &offsets, weights, inputs.bias[c], y, out_plane);
            y += ROWS;
        }
        for y in y..oh {
            output_rows::<L, 1>(lanes, g, &padded, &offsets, weights, inputs.bias[c], y, out_plane);
        }
    }
}

/// `R` output rows of one channel-first plane from row `y`, eight columns at a time: `R`
/// independent accumulators, so that the multiply-adds do not wait on each other.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn output_rows<L: Lanes, const R: usize>(
    lanes: L,
    g: &Geometry,
    padded: &[f32],
    offsets: &[usize],
    weights: &[f32],
    bias: f32,
    y: usize,
    out_plane: &mut [f32],
) {
    let (ow, sh, phase_w) = (g.frame.output_hw[1], g.frame.strides[0], g.phase_width());
    let row_step = sh * phase_w;
    // The furthest any load below reaches: the last row, the last lanes, the furthest tap.
    let furthest = (y + R - 1) * row_step + ow.next_multiple_of(LANES) + offsets.iter().max().unwrap_or(&0);
    assert!(furthest <= padded.len(), "the padded plane holds every tap of every output");
    for x0 in (0..ow).step_by(LANES) {
        let mut acc = [lanes.splat(bias); R];
        for (&offset, &w) in offsets.iter().zip(weights) {
            let w = lanes.splat(w);
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: at most `furthest - 8`, checked above.
                let input = unsafe { lanes.load_at(padded, (y + r) * row_step + x0 + offset) };
                *acc = lanes.mul_add(w, input, *acc);
            }
        }
        let n = LANES.min(ow - x0);
        for (r, acc) in acc.into_iter().enumerate() {
            lanes.store_clamped(acc, g.clamp(), &mut out_plane[(y + r) * ow + x0..][..n]);
        }
    }
}

/// Channel-last data, one output point at a time: channels in blocks of [`CHANNEL_BLOCK`],
/// then one block of the remaining multiple of eight, then one by one. Taps falling in the
/// padding are skipped.
#[inline(always)]
fn channel_last<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let c = g.channels;
    let wide = c - c % CHANNEL_BLOCK;
    let narrow = c - c % LANES;
    let [low, high] = g.clamp();
    let ([ih, iw], [ow, kw], [sh, sw], [pad_top, pad_left]) =
        (g.frame.input_hw, [g.frame.output_hw[1], g.frame.kernel_hw[1]], g.frame.strides, g.frame.pad_before);
    // Every tap of a point away from the border, as (tap, offset from its first input point).
    let all_taps: Vec<(usize, usize)> = (0..g.frame.kernel_hw[0])
        .flat_map(|ky| (0..kw).map(move |kx| (ky * kw + kx, (ky * iw + kx) * c)))
        .collect();
    let mut border_taps: Vec<(usize, usize)> = Vec::with_capacity(g.taps());
    for (point, out) in output.chunks_exact_mut(c).enumerate() {
        let (top, left) = ((point / ow) * sh, (point % ow) * sw);
        let inside = top >= pad_top
            && left >= pad_left
            && top + g.frame.kernel_hw[0] <= ih + pad_top
            && left + kw <= iw + pad_left;
        // Offsets are relative to `base`: the first input point inside, zero at the border.
        let (taps, base) = if inside {
            (&all_taps, ((top - pad_top) * iw + left - pad_left) * c)
        } else {
            border_taps.clear();
            for ky in 0..g.frame.kernel_hw[0] {
                let Some(iy) = (top + ky).checked_sub(pad_top).filter(|&iy| iy < ih) else { continue };
                for kx in 0..kw {
                    let Some(ix) = (left + kx).checked_sub(pad_left).filter(|&ix| ix < iw) else { continue };
                    border_taps.push((ky * kw + kx, (iy * iw + ix) * c));
                }
            }
            (&border_taps, 0)
        };
        let data = &inputs.data[base..];
        for start in (0..wide).step_by(CHANNEL_BLOCK) {
            channel_block::<L, { CHANNEL_BLOCK / LANES }>(
                lanes,
                g,
                Inputs { data, ..inputs },
                taps,
                start,
                out,
            );
        }
        match (narrow - wide) / LANES {
            0 => {}
            1 => channel_block::<L, 1>(lanes, g, Inputs { data, ..inputs }, taps, wide, out),
            2 => channel_block::<L, 2>(lanes, g, Inputs { data, ..inputs }, taps, wide, out),
            _ => channel_block::<L, 3>(lanes, g, Inputs { data, ..inputs }, taps, wide, out),
        }
        for ch in narrow..c {
            let sum = taps.iter().fold(inputs.bias[ch], |sum, &(tap, offset)| {
                sum + inputs.kernel[tap * c + ch] * data[offset + ch]
            });
            out[ch] = sum.max(low).min(high);
        }
    }
}

/// `V` times eight channels from `start` of one output point, accumulated in registers over
/// its `taps` (kernel tap, offset of the input point).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn channel_block<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    taps: &[(usize, usize)],
    start: usize,
    out: &mut [f32],
) {
    let c = g.channels;
    let mut acc: [L::V; V] = std::array::from_fn(|v| lanes.load(&inputs.bias[start + v * LANES..]));
    for &(tap, offset) in taps {
        // One bounds check per tap: the loads below stay within these `V · 8` values.
        let weights = &inputs.kernel[tap * c + start..][..V * LANES];
        let input = &inputs.data[offset + start..][..V * LANES];
        for (v, acc) in acc.iter_mut().enumerate() {
            let at = v * LANES;
            *acc = lanes.mul_add(lanes.load(&weights[at..]), lanes.load(&input[at..]), *acc);
        }
    }
    for (v, acc) in acc.into_iter().enumerate() {
        lanes.store_clamped(acc, g.clamp(), &mut out[start + v * LANES..][..LANES]);
    }
}
