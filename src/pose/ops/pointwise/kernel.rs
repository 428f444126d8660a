//! The loops of the 1×1 convolution, written once over [`Lanes`]: a matrix product of the
//! weights `[O, I]` with the channel-first data `[I, P]` (P pixels), into `[O, P]`. Dense
//! weights are packed in blocks of [`ROWS`] output channels; sparse ones (the detector's,
//! three quarters zeros) as the list of each output channel's nonzero weights.

use super::super::lanes::{Lanes, copy, registers};

/// Output channels computed together: each data load feeds this many accumulators.
pub(super) const ROWS: usize = 6;

/// Registers of pixels computed together by the dense loops. With [`ROWS`] channels: 12
/// accumulators, 2 data registers and a weight within 16 AVX registers (one more and an
/// accumulator spills to the stack); 24, 4 and a weight within 32 AVX-512 ones. The wider
/// strip halves how often the weights are read, which matters on small planes (8×8) whose
/// weights (up to 1.8 MB) do not stay in the level-2 cache.
fn wide<L: Lanes>() -> usize {
    if L::REGISTERS >= 32 { 4 } else { 2 }
}

/// Pixels computed together by the sparse loops (4 AVX registers, 2 AVX-512 ones), in two
/// sets of accumulators. Measured on the detector, 64 pixels were no faster.
const SPARSE_STRIP: usize = 32;

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
    /// How the weights are packed.
    pub(super) packing: Packing,
}

impl Geometry {
    pub(super) fn clamp(&self) -> [f32; 2] {
        self.clamp_bits.map(f32::from_bits)
    }

    /// Blocks of [`SPARSE_DEPTH`] input channels of the sparse loops.
    pub(super) fn sparse_blocks(&self) -> usize {
        self.inputs.div_ceil(SPARSE_DEPTH)
    }

    /// Blocks of [`ROWS`] output channels, the last one padded with zero weights.
    pub(super) fn row_blocks(&self) -> usize {
        self.outputs.div_ceil(ROWS)
    }
}

/// How the weights are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Packing {
    /// `[O / ROWS][I][ROWS]` f32.
    Dense,
    /// The same as half-precision values (f16 bits), when every weight is one exactly (those
    /// of the bundled models are: they were stored so): half the memory, the same products.
    Half,
    /// The nonzero weights only; their count.
    Sparse(usize),
}

/// The weights, packed.
#[derive(Clone, Copy)]
pub(super) enum Weights<'a> {
    /// `[O / ROWS][I][ROWS]`, zero rows past O.
    Dense(&'a [f32]),
    /// The same, as f16 bits.
    Half(&'a [u16]),
    /// For each block of [`SPARSE_DEPTH`] input channels and each output channel, in that
    /// order, the offset of its nonzero weights (which end at the next offset), one more
    /// offset for the end, then the nonzero weights as (input channel, f32 bits) pairs.
    Sparse(&'a [u32]),
}

/// The op's inputs: the data `[I, P]`, the weights, the bias padded to whole blocks of
/// [`ROWS`] output channels, and the residual `[O, P]` if there is one.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    pub(super) data: &'a [f32],
    pub(super) weights: Weights<'a>,
    pub(super) bias: &'a [f32],
    pub(super) residual: Option<&'a [f32]>,
}

/// Values of a strip summed in one pass: a block of the packed strip (32 KiB, with the
/// weights' panel 35 KiB: 128 input channels on AVX-512, 256 on AVX) stays in the level-1
/// cache while every output channel reads it.
const STRIP_BLOCK: usize = 8192;

/// How far ahead of the weights being read they are fetched into the cache: 128 input
/// channels' worth (3 KiB). The weights of a layer on a small plane are read once per frame,
/// from memory (heavy's 272 → 1,632 channels on 8×8 pixels: 1.8 MB), faster than the
/// hardware's own prefetching brings them: measured on heavy, 23.4 → 19.2 ms a frame for its
/// 1×1 convolutions.
const PREFETCH: usize = 128 * ROWS;

/// The loops, inlined into each caller so that they are compiled for its lanes. The data is
/// taken [`wide`] registers of pixels (a strip) at a time, copied into a contiguous
/// zero-padded strip `[I][wide · N]`, and multiplied by every block of output channels.
#[inline(always)]
pub(super) fn multiply_with<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, output: &mut [f32]) {
    let stride = wide::<L>() * L::N;
    let depth = STRIP_BLOCK / stride;
    let p = g.pixels;
    assert!(inputs.data.len() == g.inputs * p && output.len() == g.outputs * p);
    assert!(inputs.bias.len() == g.row_blocks() * ROWS);
    assert!(inputs.residual.is_none_or(|r| r.len() == output.len()));
    let weights = match inputs.weights {
        Weights::Dense(weights) => Panels::Single(weights),
        Weights::Half(weights) => Panels::Half(weights),
        Weights::Sparse(weights) => return sparse(lanes, g, inputs, weights, output),
    };
    assert!(weights.len() == g.row_blocks() * ROWS * g.inputs);
    // a panel of half-precision weights widened, for the block being multiplied
    let mut widened = if matches!(weights, Panels::Half(_)) { vec![0f32; depth * ROWS] } else { Vec::new() };
    let mut buffer = Vec::new();
    let strip = line_aligned(&mut buffer, g.inputs * stride);
    // Sums over the input channels of the blocks before the last one.
    let mut partial = if g.inputs > depth { vec![0f32; g.row_blocks() * ROWS * stride] } else { Vec::new() };
    for x in (0..p).step_by(stride) {
        let at = Columns { x, width: stride.min(p - x) };
        copy_columns(lanes, inputs.data, p, at, strip, stride);
        let scratch = [partial.as_mut_slice(), widened.as_mut_slice()];
        match at.width.div_ceil(L::N) {
            1 => strip_with::<L, 1>(lanes, g, inputs, weights, strip, scratch, at, output),
            2 => strip_with::<L, 2>(lanes, g, inputs, weights, strip, scratch, at, output),
            3 => strip_with::<L, 3>(lanes, g, inputs, weights, strip, scratch, at, output),
            _ => strip_with::<L, 4>(lanes, g, inputs, weights, strip, scratch, at, output),
        }
    }
}

/// `len` zeros in `buffer`, from the start of a cache line: the rows of a strip (64 or 128
/// bytes) then never straddle two lines, so that no load of eight values is split in two.
fn line_aligned(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    const LINE: usize = 64;
    *buffer = vec![0f32; len + LINE / 4];
    // at most 15 values on; if the pointer could not be aligned, the slice is merely unaligned
    let start = buffer.as_ptr().align_offset(LINE).min(LINE / 4);
    &mut buffer[start..][..len]
}

/// The columns `at` of every row of `data` (`[I, p]`) into the rows of `strip` (`[I, stride]`).
#[inline(always)]
fn copy_columns<L: Lanes>(lanes: L, data: &[f32], p: usize, at: Columns, strip: &mut [f32], stride: usize) {
    for (row, strip) in data.chunks_exact(p).zip(strip.chunks_exact_mut(stride)) {
        copy(lanes, &row[at.x..][..at.width], &mut strip[..at.width]);
    }
}

/// The output columns of a strip.
#[derive(Clone, Copy)]
struct Columns {
    x: usize,
    width: usize,
}

/// Dense weights as the loops read them: single precision, or half precision widened a panel
/// at a time.
#[derive(Clone, Copy)]
enum Panels<'a> {
    Single(&'a [f32]),
    Half(&'a [u16]),
}

impl Panels<'_> {
    fn len(&self) -> usize {
        match self {
            Panels::Single(weights) => weights.len(),
            Panels::Half(weights) => weights.len(),
        }
    }
}

/// The half-precision values `src` (f16 bits) into `dst` as f32, those after them fetched
/// ahead into the cache ([`PREFETCH`]'s 3 KiB).
#[inline(always)]
fn widen<L: Lanes>(lanes: L, src: &[u16], dst: &mut [f32]) {
    assert!(src.len() == dst.len());
    let whole = src.len() / L::N * L::N;
    for at in (0..whole).step_by(L::N) {
        lanes.prefetch(&src[at..], 2 * PREFETCH);
        lanes.store(lanes.load_half(&src[at..]), &mut dst[at..][..L::N]);
    }
    for (dst, &half) in dst[whole..].iter_mut().zip(&src[whole..]) {
        *dst = half::f16::from_bits(half).to_f32();
    }
}

/// Every output channel of one strip of `V` registers of pixels: [`ROWS`] channels at a
/// time, accumulated in registers over a block of input channels ([`STRIP_BLOCK`]) at a time.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn strip_with<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    weights: Panels,
    strip: &[f32],
    [partial, widened]: [&mut [f32]; 2],
    at: Columns,
    output: &mut [f32],
) {
    let (i_len, stride) = (g.inputs, wide::<L>() * L::N);
    let block_depth = STRIP_BLOCK / stride;
    assert!(strip.len() == i_len * stride && V * L::N <= stride);
    let depths = i_len.div_ceil(block_depth);
    for depth in 0..depths {
        let first = depth * block_depth;
        let count = block_depth.min(i_len - first);
        let strip = &strip[first * stride..][..count * stride];
        for block in 0..g.row_blocks() {
            let at_panel = (block * i_len + first) * ROWS..(block * i_len + first + count) * ROWS;
            let (panel, fetch_ahead) = match weights {
                Panels::Single(weights) => (&weights[at_panel], true),
                Panels::Half(weights) => {
                    let panel = &mut widened[..count * ROWS];
                    widen(lanes, &weights[at_panel], panel);
                    (&*panel, false)
                }
            };
            let mut acc = [[lanes.splat(0.0); V]; ROWS];
            for (r, acc) in acc.iter_mut().enumerate() {
                *acc = if depth == 0 {
                    [lanes.splat(inputs.bias[block * ROWS + r]); V]
                } else {
                    registers(lanes, &partial[(block * ROWS + r) * stride..])
                };
            }
            for (weights, x) in panel.as_chunks::<ROWS>().0.iter().zip(strip.chunks_exact(stride)) {
                if fetch_ahead {
                    lanes.prefetch(weights.as_slice(), PREFETCH);
                }
                let x: [L::V; V] = registers(lanes, x);
                for (acc, &w) in acc.iter_mut().zip(weights) {
                    let w = lanes.splat(w);
                    for (acc, &x) in acc.iter_mut().zip(&x) {
                        *acc = lanes.mul_add(w, x, *acc);
                    }
                }
            }
            if depth + 1 < depths {
                let rows = &mut partial[block * ROWS * stride..][..ROWS * stride];
                for (r, acc) in acc.into_iter().enumerate() {
                    for (v, acc) in acc.into_iter().enumerate() {
                        lanes.store(acc, &mut rows[r * stride + v * L::N..][..L::N]);
                    }
                }
            } else {
                store(lanes, g, inputs.residual, acc, block * ROWS, at, output);
            }
        }
    }
}

/// Input channels whose nonzero weights one pass over a sparse strip sums: the strip's rows
/// for these channels (16 KiB) stay in the level-1 cache while every output channel reads them.
pub(super) const SPARSE_DEPTH: usize = 128;

/// The sparse loops: [`SPARSE_STRIP`] pixels at a time, copied into a contiguous strip
/// `[I][SPARSE_STRIP]` (so that a weight's input channel gives its data's place by a shift,
/// and the data's rows are not spread over the cache), each output channel accumulated over
/// its nonzero weights only, [`SPARSE_DEPTH`] input channels at a time.
#[inline(always)]
fn sparse<L: Lanes>(lanes: L, g: &Geometry, inputs: Inputs, weights: &[u32], output: &mut [f32]) {
    let p = g.pixels;
    let (offsets, pairs) = weights.split_at(g.sparse_blocks() * g.outputs + 1);
    let ordered = offsets.windows(2).all(|w| w[0] <= w[1]);
    assert!(ordered && offsets.last().is_some_and(|&n| n as usize * 2 == pairs.len()));
    // Every weight's input channel is one of the data's: the loops read the strip unchecked.
    let channels = pairs.iter().step_by(2).fold(0, |highest, &channel| highest.max(channel as usize + 1));
    assert!(channels <= g.inputs, "a sparse weight past the input channels");
    let weights = SparseWeights { offsets, pairs };
    let mut partial = vec![0f32; g.outputs * SPARSE_STRIP];
    // Past the last pixel of a partial strip, its registers hold what the strip before left
    // there (or zeros): computed, never stored.
    let mut buffer = Vec::new();
    let strip = line_aligned(&mut buffer, g.inputs * SPARSE_STRIP);
    for x in (0..p).step_by(SPARSE_STRIP) {
        let at = Columns { x, width: SPARSE_STRIP.min(p - x) };
        copy_columns(lanes, inputs.data, p, at, strip, SPARSE_STRIP);
        match at.width.div_ceil(L::N) {
            1 => sparse_strip::<L, 1>(lanes, g, inputs, weights, strip, &mut partial, at, output),
            2 => sparse_strip::<L, 2>(lanes, g, inputs, weights, strip, &mut partial, at, output),
            3 => sparse_strip::<L, 3>(lanes, g, inputs, weights, strip, &mut partial, at, output),
            _ => sparse_strip::<L, 4>(lanes, g, inputs, weights, strip, &mut partial, at, output),
        }
    }
}

/// Sparse weights: the nonzero weights of output channel `o` among the input channels of
/// block `b` are the (input channel, f32 bits) pairs from `offsets[b·O + o]` to the next.
#[derive(Clone, Copy)]
struct SparseWeights<'a> {
    offsets: &'a [u32],
    pairs: &'a [u32],
}

/// Every output channel of one strip of `V` registers of pixels, over its nonzero weights,
/// one block of input channels at a time (the sums in between kept in `partial`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn sparse_strip<L: Lanes, const V: usize>(
    lanes: L,
    g: &Geometry,
    inputs: Inputs,
    weights: SparseWeights,
    strip: &[f32],
    partial: &mut [f32],
    at: Columns,
    output: &mut [f32],
) {
    assert!(strip.len() == g.inputs * SPARSE_STRIP && V * L::N <= SPARSE_STRIP);
    let load = |channel: u32| -> [L::V; V] {
        let first = channel as usize * SPARSE_STRIP;
        let mut x = [lanes.splat(0.0); V];
        for (v, x) in x.iter_mut().enumerate() {
            // SAFETY: `sparse` checked that every channel is below `g.inputs`, so these
            // `V · N` values are within the strip.
            *x = unsafe { lanes.load_at(strip, first + v * L::N) };
        }
        x
    };
    let blocks = g.sparse_blocks();
    for block in 0..blocks {
        for o in 0..g.outputs {
            let at_o = block * g.outputs + o;
            let (start, end) = (weights.offsets[at_o] as usize, weights.offsets[at_o + 1] as usize);
            let nonzero = &weights.pairs[start * 2..end * 2];
            let sums = &mut partial[o * SPARSE_STRIP..][..V * L::N];
            // Two sets of accumulators, for alternate weights: each multiply-add waits on the
            // one two weights back, not on the previous one.
            let mut even: [L::V; V] =
                if block == 0 { [lanes.splat(inputs.bias[o]); V] } else { registers(lanes, sums) };
            let mut odd = [lanes.splat(0.0); V];
            let (two_by_two, last) = nonzero.as_chunks::<4>();
            for &[c0, w0, c1, w1] in two_by_two {
                let (w0, w1) = (lanes.splat(f32::from_bits(w0)), lanes.splat(f32::from_bits(w1)));
                let (x0, x1) = (load(c0), load(c1));
                for v in 0..V {
                    even[v] = lanes.mul_add(w0, x0[v], even[v]);
                    odd[v] = lanes.mul_add(w1, x1[v], odd[v]);
                }
            }
            if let &[channel, w] = last {
                let (w, x) = (lanes.splat(f32::from_bits(w)), load(channel));
                for v in 0..V {
                    even[v] = lanes.mul_add(w, x[v], even[v]);
                }
            }
            let mut acc = even;
            for (acc, &odd) in acc.iter_mut().zip(&odd) {
                *acc = lanes.add(*acc, odd);
            }
            if block + 1 < blocks {
                for (v, acc) in acc.into_iter().enumerate() {
                    lanes.store(acc, &mut sums[v * L::N..][..L::N]);
                }
            } else {
                store(lanes, g, inputs.residual, [acc], o, at, output);
            }
        }
    }
}

/// The accumulators of `R` output channels from `first`, clamped and with the residual
/// added, into the strip's columns of the output (channels past the last one are dropped).
#[inline(always)]
fn store<L: Lanes, const R: usize, const V: usize>(
    lanes: L,
    g: &Geometry,
    residual: Option<&[f32]>,
    acc: [[L::V; V]; R],
    first: usize,
    at: Columns,
    output: &mut [f32],
) {
    let bounds = g.clamp();
    let rows = R.min(g.outputs - first);
    for (r, acc) in acc.into_iter().enumerate().take(rows) {
        let start = (first + r) * g.pixels + at.x;
        let out = &mut output[start..][..at.width];
        let residual = residual.map(|residual| &residual[start..][..at.width]);
        for (v, acc) in acc.into_iter().enumerate() {
            let lanes_at = v * L::N..((v + 1) * L::N).min(at.width);
            let out = &mut out[lanes_at.clone()];
            let Some(residual) = residual.map(|residual| &residual[lanes_at]) else {
                lanes.store(lanes.clamp(acc, bounds), out);
                continue;
            };
            if residual.len() == L::N {
                let value = match g.residual {
                    Some(Residual::BeforeClamp) => lanes.clamp(lanes.add(acc, lanes.load(residual)), bounds),
                    _ => lanes.add(lanes.clamp(acc, bounds), lanes.load(residual)),
                };
                lanes.store(value, out);
            } else {
                // less than a register of pixels: the residual added one by one
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
