//! Eight f32 lanes and the few operations on them that the ops' loops need, so that each loop
//! is written once: [`Portable`] runs anywhere, `x86::Avx2Fma` on AVX registers.

/// Values in one lane group: one AVX register of f32.
pub(super) const LANES: usize = 8;

/// Eight f32 lanes and the few operations the loops need.
pub(super) trait Lanes: Copy {
    /// Eight f32 values.
    type V: Copy;
    /// Eight copies of `value`.
    fn splat(self, value: f32) -> Self::V;
    /// The first eight values of `src`.
    fn load(self, src: &[f32]) -> Self::V;
    /// The eight values of `src` from `at`.
    ///
    /// # Safety
    /// `at + 8 <= src.len()`.
    unsafe fn load_at(self, src: &[f32], at: usize) -> Self::V;
    /// `a · b + c`, fused where the machine has the instruction.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `v` clamped to `bounds` (low, high).
    fn clamp(self, v: Self::V, bounds: [f32; 2]) -> Self::V;
    /// The first `dst.len()` (at most eight) lanes of `v` into `dst`.
    fn store(self, v: Self::V, dst: &mut [f32]);
    /// The sixteen values `a`, `b` split into those at even positions and those at odd ones.
    fn deinterleave(self, a: Self::V, b: Self::V) -> [Self::V; 2];

    /// `v` clamped to `bounds`, its first `dst.len()` (at most eight) lanes into `dst`.
    #[inline(always)]
    fn store_clamped(self, v: Self::V, bounds: [f32; 2], dst: &mut [f32]) {
        self.store(self.clamp(v, bounds), dst);
    }
}

/// `src` into `dst`, eight values at a time (the last eight overlapping the ones before):
/// the ops copy short rows, for which a call to `memcpy` costs as much as the copy.
#[inline(always)]
pub(super) fn copy<L: Lanes>(lanes: L, src: &[f32], dst: &mut [f32]) {
    let n = src.len();
    assert!(dst.len() == n);
    if n < LANES {
        dst.copy_from_slice(src);
        return;
    }
    for at in (0..n - LANES).step_by(LANES).chain([n - LANES]) {
        lanes.store(lanes.load(&src[at..]), &mut dst[at..][..LANES]);
    }
}

/// Lanes as plain arrays: any machine.
#[derive(Clone, Copy)]
pub(super) struct Portable;

impl Lanes for Portable {
    type V = [f32; LANES];

    #[inline(always)]
    fn splat(self, value: f32) -> Self::V {
        [value; LANES]
    }

    #[inline(always)]
    fn load(self, src: &[f32]) -> Self::V {
        src[..LANES].try_into().expect("eight values")
    }

    #[inline(always)]
    unsafe fn load_at(self, src: &[f32], at: usize) -> Self::V {
        // SAFETY: the caller keeps `at + 8` within `src`.
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
    fn deinterleave(self, a: Self::V, b: Self::V) -> [Self::V; 2] {
        let at = |i: usize| if i < LANES { a[i] } else { b[i - LANES] };
        [std::array::from_fn(|i| at(2 * i)), std::array::from_fn(|i| at(2 * i + 1))]
    }
}

/// Loops written over [`Lanes`], to be run with the best lanes this machine has (`run.rs`).
pub(super) trait Loops {
    /// Run the loops with `lanes`; every `Lanes` call is inlined into the caller.
    fn run<L: Lanes>(self, lanes: L);
}
