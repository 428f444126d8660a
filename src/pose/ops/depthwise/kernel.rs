//! The loops of the depthwise convolution, written once over [`Lanes`].

use super::super::graph::ConvFrame;
use super::super::lanes::{Lanes, copy, registers};

/// Output rows computed together in channel-first data, for as many independent accumulators:
/// enough to keep both multiply-add units busy through each one's latency.
const ROWS: usize = 8;

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
    /// output row, rounded up to whole registers of `lanes`.
    pub(super) fn phase_width(&self, lanes: usize) -> usize {
        self.frame.output_hw[1].next_multiple_of(lanes)
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
/// a register of neighbouring outputs under any tap is as many contiguous values.
#[inline(always)]
fn channel_first<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let ([ih, iw], [oh, ow], [kh, kw], [sh, sw]) =
        (g.frame.input_hw, g.frame.output_hw, g.frame.kernel_hw, g.frame.strides);
    let [pad_top, pad_left] = g.frame.pad_before;
    let taps = g.taps();
    let phase_w = g.phase_width(L::N);
    let rows = (oh - 1) * sh + kh;
    let phase_len = rows * phase_w;
    // The padding stays zero: each plane only overwrites the input's own positions.
    let mut padded = vec![0f32; sw * phase_len];
    // Where each tap reads, relative to the first input of the output row and column.
    let offsets: Vec<usize> = (0..kh)
        .flat_map(|ky| (0..kw).map(move |kx| (kx % sw) * phase_len + ky * phase_w + kx / sw))
        .collect();
    let reads = Taps { offsets: &offsets, reach: offsets.iter().copied().max().unwrap_or(0) };
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
        for r in input_rows.clone() {
            let src = &plane[(r - pad_top) * iw..][..iw];
            if sw == 2 {
                // Input column 2m goes to phase column m + pad_left / 2, and 2m + 1 to
                // m + (pad_left + 1) / 2, in phases pad_left % 2 and the other one.
                let (first, second) = padded.split_at_mut(phase_len);
                let (first, second) =
                    (&mut first[r * phase_w..][..phase_w], &mut second[r * phase_w..][..phase_w]);
                let (even, odd) = if pad_left % 2 == 0 { (first, second) } else { (second, first) };
                let (even, odd) = (&mut even[pad_left / 2..], &mut odd[pad_left.div_ceil(2)..]);
                let (even_len, odd_len) = (iw.div_ceil(2).min(even.len()), (iw / 2).min(odd.len()));
                split_columns(lanes, src, &mut even[..even_len], &mut odd[..odd_len]);
                continue;
            }
            for &(phase, first, end) in &phase_columns {
                let src = &src[first * sw + phase - pad_left..];
                let dst = &mut padded[phase * phase_len + r * phase_w..][first..end];
                match sw {
                    1 => copy(lanes, &src[..dst.len()], dst),
                    _ => dst.iter_mut().zip(src.iter().step_by(sw)).for_each(|(dst, &value)| *dst = value),
                }
            }
        }
        let weights = &inputs.kernel[c * taps..][..taps];
        let out_plane = &mut output[c * oh * ow..][..oh * ow];
        let mut y = 0;
        while y + ROWS <= oh {
            output_rows::<L, ROWS>(lanes, g, &padded, reads, weights, inputs.bias[c], y, out_plane);
            y += ROWS;
        }
        // The rows left over, all together: as many accumulators as rows.
        macro_rules! last_rows {
            ($($rows:literal)*) => {
                match oh - y {
                    $($rows => output_rows::<L, $rows>(lanes, g, &padded, reads, weights, inputs.bias[c], y, out_plane),)*
                    _ => {}
                }
            };
        }
        last_rows!(1 2 3 4 5 6 7);
    }
}

/// The values of `src` at even positions into `even`, those at odd positions into `odd`, as
/// many as these hold.
#[inline(always)]
fn split_columns<L: Lanes>(lanes: L, src: &[f32], even: &mut [f32], odd: &mut [f32]) {
    assert!(even.len() <= src.len().div_ceil(2) && odd.len() <= src.len() / 2);
    let whole = even.len().min(odd.len()) / L::N * L::N;
    for m in (0..whole).step_by(L::N) {
        let pair = &src[2 * m..][..2 * L::N];
        let [e, o] = lanes.deinterleave(lanes.load(pair), lanes.load(&pair[L::N..]));
        lanes.store(e, &mut even[m..][..L::N]);
        lanes.store(o, &mut odd[m..][..L::N]);
    }
    for (m, even) in even.iter_mut().enumerate().skip(whole) {
        *even = src[2 * m];
    }
    for (m, odd) in odd.iter_mut().enumerate().skip(whole) {
        *odd = src[2 * m + 1];
    }
}

/// Where each tap of a channel-first plane reads, relative to the first input of the output
/// row and column, and the furthest of these.
#[derive(Clone, Copy)]
struct Taps<'a> {
    offsets: &'a [usize],
    reach: usize,
}

/// `R` output rows of one channel-first plane from row `y`, a register of columns at a time: `R`
/// independent accumulators, so that the multiply-adds do not wait on each other.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn output_rows<L: Lanes, const R: usize>(
    lanes: L,
    g: &Geometry,
    padded: &[f32],
    taps: Taps,
    weights: &[f32],
    bias: f32,
    y: usize,
    out_plane: &mut [f32],
) {
    let (ow, sh, phase_w) = (g.frame.output_hw[1], g.frame.strides[0], g.phase_width(L::N));
    let row_step = sh * phase_w;
    // The furthest any load below reaches: the last row, the last lanes, the furthest tap.
    let furthest = (y + R - 1) * row_step + ow.next_multiple_of(L::N) + taps.reach;
    assert!(furthest <= padded.len(), "the padded plane holds every tap of every output");
    for x0 in (0..ow).step_by(L::N) {
        let mut acc = [lanes.splat(bias); R];
        for (&offset, &w) in taps.offsets.iter().zip(weights) {
            let w = lanes.splat(w);
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: at most `furthest - N`, checked above.
                let input = unsafe { lanes.load_at(padded, (y + r) * row_step + x0 + offset) };
                *acc = lanes.mul_add(w, input, *acc);
            }
        }
        let n = L::N.min(ow - x0);
        for (r, acc) in acc.into_iter().enumerate() {
            lanes.store_clamped(acc, g.clamp(), &mut out_plane[(y + r) * ow + x0..][..n]);
        }
    }
}

/// Channel-last data: away from the border, [`POINTS`] neighbouring output points of a row at
/// a time; at the border one point at a time, with the taps that fall in the padding skipped.
#[inline(always)]
fn channel_last<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let c = g.channels;
    let ([ih, iw], [oh, ow], [kh, kw], [sh, sw], [pad_top, pad_left]) =
        (g.frame.input_hw, g.frame.output_hw, g.frame.kernel_hw, g.frame.strides, g.frame.pad_before);
    // Every tap of a point away from the border, as (tap, offset from its first input point).
    let all_taps: Vec<(usize, usize)> =
        (0..kh).flat_map(|ky| (0..kw).map(move |kx| (ky * kw + kx, (ky * iw + kx) * c))).collect();
    // The output columns whose taps are all inside the input's columns.
    let inside_columns = pad_left.div_ceil(sw)..((iw + pad_left).saturating_sub(kw) / sw + 1).min(ow);
    let mut border_taps: Vec<(usize, usize)> = Vec::with_capacity(g.taps());
    for y in 0..oh {
        let top = y * sh;
        let row_inside = top >= pad_top && top + kh <= ih + pad_top && iw + pad_left >= kw;
        let mut x = 0;
        while x < ow {
            let out = &mut output[(y * ow + x) * c..];
            if row_inside && inside_columns.contains(&x) && x + POINTS <= inside_columns.end {
                let base = ((top - pad_top) * iw + x * sw - pad_left) * c;
                let data = &inputs.data[base..];
                points::<L, 2, POINTS>(lanes, g, Inputs { data, ..inputs }, &all_taps, sw * c, out);
                x += POINTS;
                continue;
            }
            // Offsets of the taps inside, from the first input point.
            border_taps.clear();
            for ky in 0..kh {
                let Some(iy) = (top + ky).checked_sub(pad_top).filter(|&iy| iy < ih) else { continue };
                for kx in 0..kw {
                    let Some(ix) = (x * sw + kx).checked_sub(pad_left).filter(|&ix| ix < iw) else {
                        continue;
                    };
                    border_taps.push((ky * kw + kx, (iy * iw + ix) * c));
                }
            }
            points::<L, 4, 1>(lanes, g, inputs, &border_taps, 0, out);
            x += 1;
        }
    }
}

/// Neighbouring output points computed together in channel-last data away from the border:
/// with two registers of channels each, eight independent accumulators. Run with lanes that
/// divide the channels (`Depthwise` sees to it): the channels past the last whole register
/// are summed one by one.
const POINTS: usize = 4;

/// Every channel of `P` output points whose inputs are `step` values apart, over `taps`
/// (kernel tap, offset of the input point): `V` registers of channels at a time, then the
/// remaining registers, then the last channels one by one.
#[inline(always)]
fn points<L: Lanes, const V: usize, const P: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    taps: &[(usize, usize)],
    step: usize,
    out: &mut [f32],
) {
    let c = g.channels;
    let (blocks, registers) = (c - c % (V * L::N), c - c % L::N);
    for start in (0..blocks).step_by(V * L::N) {
        channel_block::<L, V, P>(lanes, g, inputs, taps, [start, step], out);
    }
    let at = [blocks, step];
    match (registers - blocks) / L::N {
        0 => {}
        1 => channel_block::<L, 1, P>(lanes, g, inputs, taps, at, out),
        2 => channel_block::<L, 2, P>(lanes, g, inputs, taps, at, out),
        _ => channel_block::<L, 3, P>(lanes, g, inputs, taps, at, out),
    }
    let [low, high] = g.clamp();
    for p in 0..P {
        for ch in registers..c {
            let sum = taps.iter().fold(inputs.bias[ch], |sum, &(tap, offset)| {
                sum + inputs.kernel[tap * c + ch] * inputs.data[offset + p * step + ch]
            });
            out[p * c + ch] = sum.max(low).min(high);
        }
    }
}

/// `V` registers of channels from `start` of `P` output points whose inputs are `step` values
/// apart, accumulated in registers over their `taps` (kernel tap, offset of the input point).
#[inline(always)]
fn channel_block<L: Lanes, const V: usize, const P: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    taps: &[(usize, usize)],
    [start, step]: [usize; 2],
    out: &mut [f32],
) {
    let c = g.channels;
    let bias: [L::V; V] = registers(lanes, &inputs.bias[start..]);
    let mut acc = [bias; P];
    for &(tap, offset) in taps {
        // One bounds check per tap: the loads below stay within these values.
        let weights = &inputs.kernel[tap * c + start..][..V * L::N];
        let input = &inputs.data[offset + start..][..(P - 1) * step + V * L::N];
        let weights: [L::V; V] = registers(lanes, weights);
        for (p, acc) in acc.iter_mut().enumerate() {
            for (v, acc) in acc.iter_mut().enumerate() {
                *acc = lanes.mul_add(weights[v], lanes.load(&input[p * step + v * L::N..]), *acc);
            }
        }
    }
    for (p, acc) in acc.into_iter().enumerate() {
        for (v, acc) in acc.into_iter().enumerate() {
            lanes.store_clamped(acc, g.clamp(), &mut out[p * c + start + v * L::N..][..L::N]);
        }
    }
}
