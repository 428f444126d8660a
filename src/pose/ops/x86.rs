//! The lanes on x86_64 CPUs with AVX2 and FMA (8 lanes), and with AVX-512 (16 lanes).

use super::lanes::{Lanes, Loops};
use std::arch::x86_64::*;

/// AVX2 + FMA (and F16C) lanes. A value exists only once the CPU is known to have them.
#[derive(Clone, Copy)]
pub(super) struct Avx2Fma(());

impl Avx2Fma {
    pub(super) fn detect() -> Option<Self> {
        let all = is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c");
        all.then_some(Avx2Fma(()))
    }

    /// `loops` compiled for AVX2 + FMA + F16C: every `Lanes` call in them is inlined here.
    #[target_feature(enable = "avx2,fma,f16c")]
    fn run_here<K: Loops>(self, loops: K) {
        loops.run(self);
    }

    /// Run `loops` on AVX registers.
    pub(super) fn run<K: Loops>(self, loops: K) {
        // SAFETY: `self` exists, so the CPU has AVX2, FMA and F16C.
        unsafe { self.run_here(loops) }
    }
}

/// Values in an AVX register.
const AVX_LANES: usize = 8;

// SAFETY (every block below): an `Avx2Fma` exists only on a CPU with AVX2, FMA and F16C, and
// loads and stores stay within slices whose length is checked first (a masked load touches
// only the lanes of its mask).
impl Lanes for Avx2Fma {
    const N: usize = AVX_LANES;
    const REGISTERS: usize = 16;
    type V = __m256;

    #[inline(always)]
    fn splat(self, value: f32) -> __m256 {
        unsafe { _mm256_set1_ps(value) }
    }

    #[inline(always)]
    fn load(self, src: &[f32]) -> __m256 {
        let src = &src[..AVX_LANES];
        unsafe { _mm256_loadu_ps(src.as_ptr()) }
    }

    #[inline(always)]
    fn load_half(self, src: &[u16]) -> __m256 {
        let src = &src[..AVX_LANES];
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(src.as_ptr().cast())) }
    }

    #[inline(always)]
    fn load_short(self, src: &[f32]) -> __m256 {
        let n = src.len().min(AVX_LANES) as i32;
        // lane i is loaded where its mask's top bit is set: i < n
        unsafe {
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            _mm256_maskload_ps(src.as_ptr(), mask)
        }
    }

    #[inline(always)]
    unsafe fn load_at(self, src: &[f32], at: usize) -> __m256 {
        debug_assert!(at + AVX_LANES <= src.len());
        unsafe { _mm256_loadu_ps(src.as_ptr().add(at)) }
    }

    #[inline(always)]
    fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_add_ps(a, b) }
    }

    #[inline(always)]
    fn clamp(self, v: __m256, [low, high]: [f32; 2]) -> __m256 {
        unsafe { _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(low)), _mm256_set1_ps(high)) }
    }

    #[inline(always)]
    fn store(self, v: __m256, dst: &mut [f32]) {
        if dst.len() == AVX_LANES {
            unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), v) }
        } else {
            let mut all = [0f32; AVX_LANES];
            unsafe { _mm256_storeu_ps(all.as_mut_ptr(), v) };
            let n = dst.len();
            dst.copy_from_slice(&all[..n]);
        }
    }

    #[inline(always)]
    fn prefetch<T>(self, src: &[T], ahead: usize) {
        prefetch(src, ahead);
    }

    #[inline(always)]
    fn deinterleave(self, a: __m256, b: __m256) -> [__m256; 2] {
        // Within each 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6; then the middle quarters swapped.
        let in_order = |v: __m256| unsafe {
            _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(v)))
        };
        unsafe {
            [
                in_order(_mm256_shuffle_ps::<0b10_00_10_00>(a, b)),
                in_order(_mm256_shuffle_ps::<0b11_01_11_01>(a, b)),
            ]
        }
    }
}

/// Fetch the cache line of `src[ahead]` into every level of the cache: a hint, which neither
/// reads nor faults, so `ahead` may lie past the slice's end.
#[inline(always)]
fn prefetch<T>(src: &[T], ahead: usize) {
    let at = src.as_ptr().wrapping_add(ahead).cast::<i8>();
    // SAFETY: a prefetch is only a hint: it reads nothing and cannot fault, whatever the
    // address (SSE, which every x86_64 CPU has).
    unsafe { _mm_prefetch::<_MM_HINT_T0>(at) }
}

/// AVX-512 lanes (foundation instructions). A value exists only once the CPU is known to have
/// them.
#[derive(Clone, Copy)]
pub(super) struct Avx512(());

impl Avx512 {
    pub(super) fn detect() -> Option<Self> {
        let all = is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c");
        all.then_some(Avx512(()))
    }

    /// `loops` compiled for AVX-512: every `Lanes` call in them is inlined here.
    #[target_feature(enable = "avx512f,avx2,fma,f16c")]
    fn run_here<K: Loops>(self, loops: K) {
        loops.run(self);
    }

    /// Run `loops` on AVX-512 registers.
    pub(super) fn run<K: Loops>(self, loops: K) {
        // SAFETY: `self` exists, so the CPU has AVX-512F, AVX2, FMA and F16C.
        unsafe { self.run_here(loops) }
    }
}

/// Values in an AVX-512 register.
const AVX512_LANES: usize = 16;

/// The mask of the first `n` (at most 16) lanes.
#[inline(always)]
fn first_lanes(n: usize) -> __mmask16 {
    debug_assert!(n <= AVX512_LANES);
    (((1u32 << n) - 1) & 0xffff) as __mmask16
}

// SAFETY (every block below): an `Avx512` exists only on a CPU with AVX-512F, and loads and
// stores stay within slices whose length is checked first (a masked load or store touches
// only the lanes of its mask).
impl Lanes for Avx512 {
    const N: usize = AVX512_LANES;
    const REGISTERS: usize = 32;
    type V = __m512;

    #[inline(always)]
    fn splat(self, value: f32) -> __m512 {
        unsafe { _mm512_set1_ps(value) }
    }

    #[inline(always)]
    fn load(self, src: &[f32]) -> __m512 {
        let src = &src[..AVX512_LANES];
        unsafe { _mm512_loadu_ps(src.as_ptr()) }
    }

    #[inline(always)]
    fn load_half(self, src: &[u16]) -> __m512 {
        let src = &src[..AVX512_LANES];
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(src.as_ptr().cast())) }
    }

    #[inline(always)]
    fn load_short(self, src: &[f32]) -> __m512 {
        let n = src.len().min(AVX512_LANES);
        unsafe { _mm512_maskz_loadu_ps(first_lanes(n), src.as_ptr()) }
    }

    #[inline(always)]
    unsafe fn load_at(self, src: &[f32], at: usize) -> __m512 {
        debug_assert!(at + AVX512_LANES <= src.len());
        unsafe { _mm512_loadu_ps(src.as_ptr().add(at)) }
    }

    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_add_ps(a, b) }
    }

    #[inline(always)]
    fn clamp(self, v: __m512, [low, high]: [f32; 2]) -> __m512 {
        unsafe { _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(low)), _mm512_set1_ps(high)) }
    }

    #[inline(always)]
    fn store(self, v: __m512, dst: &mut [f32]) {
        let n = dst.len();
        assert!(n <= AVX512_LANES);
        if n == AVX512_LANES {
            unsafe { _mm512_storeu_ps(dst.as_mut_ptr(), v) }
        } else {
            unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr(), first_lanes(n), v) }
        }
    }

    #[inline(always)]
    fn prefetch<T>(self, src: &[T], ahead: usize) {
        prefetch(src, ahead);
    }

    #[inline(always)]
    fn deinterleave(self, a: __m512, b: __m512) -> [__m512; 2] {
        // indices 0–15 pick from `a`, 16–31 from `b`
        unsafe {
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            [_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)]
        }
    }
}
