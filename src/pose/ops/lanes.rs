//! A register of f32 lanes and the few operations on it that the ops' loops need, so that each
//! loop is written once: [`Portable`] runs anywhere, `x86::Avx2Fma` on AVX registers (8
//! lanes), `x86::Avx512` on AVX-512 ones (16 lanes).

/// The most lanes a register has, whatever the machine: what weights packed once at load time
/// are padded to, so that they suit every lanes.
pub(super) const MAX_LANES: usize = 16;

/// A register of [`Lanes::N`] f32 lanes and the few operations the loops need.
pub(super) trait Lanes: Copy {
    /// Values in one register: 8 or 16, a divisor of [`MAX_LANES`].
    const N: usize;
    /// Vector registers the machine has for these lanes: 16 (AVX), 32 (AVX-512).
    const REGISTERS: usize;
    /// `N` f32 values.
    type V: Copy;
    /// `N` copies of `value`.
    fn splat(self, value: f32) -> Self::V;
    /// The first `N` values of `src`.
    fn load(self, src: &[f32]) -> Self::V;
    /// The first `N` half-precision values of `src` (f16 bits), widened to f32.
    fn load_half(self, src: &[u16]) -> Self::V;
    /// The values of `src` (at most `N`) in the first lanes, zeros in the others.
    fn load_short(self, src: &[f32]) -> Self::V;
    /// The `N` values of `src` from `at`.
    ///
    /// # Safety
    /// `at + N <= src.len()`.
    unsafe fn load_at(self, src: &[f32], at: usize) -> Self::V;
    /// `a · b + c`, fused where the machine has the instruction.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `v` clamped to `bounds` (low, high).
    fn clamp(self, v: Self::V, bounds: [f32; 2]) -> Self::V;
    /// The first `dst.len()` (at most `N`) lanes of `v` into `dst`.
    fn store(self, v: Self::V, dst: &mut [f32]);
    /// The `2N` values `a`, `b` split into those at even positions and those at odd ones.
    fn deinterleave(self, a: Self::V, b: Self::V) -> [Self::V; 2];

    /// A hint that the values of `src` from `ahead` (which may lie past its end) will be read
    /// soon: they are fetched into the cache where the machine can.
    fn prefetch<T>(self, src: &[T], ahead: usize);

    /// `v` clamped to `bounds`, its first `dst.len()` (at most `N`) lanes into `dst`.
    #[inline(always)]
    fn store_clamped(self, v: Self::V, bounds: [f32; 2], dst: &mut [f32]) {
        self.store(self.clamp(v, bounds), dst);
    }
}

/// The first `V` registers of `src`. A loop rather than `std::array::from_fn`, whose closure
/// is compiled outside the caller's CPU features: measured, its loads were not inlined.
#[inline(always)]
pub(super) fn registers<L: Lanes, const V: usize>(lanes: L, src: &[f32]) -> [L::V; V] {
    let src = &src[..V * L::N];
    let mut out = [lanes.splat(0.0); V];
    for (v, out) in out.iter_mut().enumerate() {
        *out = lanes.load(&src[v * L::N..]);
    }
    out
}

/// `src` into `dst`, a register at a time (the last one overlapping the ones before): the ops
/// copy short rows, for which a call to `memcpy` costs as much as the copy.
#[inline(always)]
pub(super) fn copy<L: Lanes>(lanes: L, src: &[f32], dst: &mut [f32]) {
    let n = src.len();
    assert!(dst.len() == n);
    if n < L::N {
        lanes.store(lanes.load_short(src), dst);
        return;
    }
    for at in (0..n - L::N).step_by(L::N).chain([n - L::N]) {
        lanes.store(lanes.load(&src[at..]), &mut dst[at..][..L::N]);
    }
}

/// Lanes as plain arrays of `W` values: any machine. `Portable<8>` is the fallback; the tests
/// also run `Portable<16>`, the loops' shape on AVX-512, on any machine.
#[derive(Clone, Copy)]
pub(super) struct Portable<const W: usize>;

impl<const W: usize> Lanes for Portable<W> {
    const N: usize = W;
    /// As many as the machine whose registers these lanes stand for.
    const REGISTERS: usize = if W >= 16 { 32 } else { 16 };
    type V = [f32; W];

    #[inline(always)]
    fn splat(self, value: f32) -> Self::V {
        [value; W]
    }

    #[inline(always)]
    fn load(self, src: &[f32]) -> Self::V {
        src[..W].try_into().expect("a register's values")
    }

    #[inline(always)]
    fn load_short(self, src: &[f32]) -> Self::V {
        std::array::from_fn(|i| src.get(i).copied().unwrap_or(0.0))
    }

    #[inline(always)]
    fn load_half(self, src: &[u16]) -> Self::V {
        let src = &src[..W];
        std::array::from_fn(|i| half::f16::from_bits(src[i]).to_f32())
    }

    #[inline(always)]
    unsafe fn load_at(self, src: &[f32], at: usize) -> Self::V {
        // SAFETY: the caller keeps `at + W` within `src`.
        std::array::from_fn(|i| unsafe { *src.get_unchecked(at + i) })
    }

    #[inline(always)]
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] * b[i] + c[i])
    }

    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] + b[i])
    }

    #[inline(always)]
    fn clamp(self, v: Self::V, [low, high]: [f32; 2]) -> Self::V {
        v.map(|v| v.max(low).min(high))
    }

    #[inline(always)]
    fn store(self, v: Self::V, dst: &mut [f32]) {
        let n = dst.len();
        dst.copy_from_slice(&v[..n]);
    }

    #[inline(always)]
    fn prefetch<T>(self, _: &[T], _: usize) {}

    #[inline(always)]
    fn deinterleave(self, a: Self::V, b: Self::V) -> [Self::V; 2] {
        let at = |i: usize| if i < W { a[i] } else { b[i - W] };
        [std::array::from_fn(|i| at(2 * i)), std::array::from_fn(|i| at(2 * i + 1))]
    }
}

/// Loops written over [`Lanes`], to be run with the best lanes this machine has (`run.rs`).
pub(super) trait Loops {
    /// Run the loops with `lanes`; every `Lanes` call is inlined into the caller.
    fn run<L: Lanes>(self, lanes: L);
}
