//! The lanes on x86_64 CPUs with AVX2 and FMA.

use super::lanes::{LANES, Lanes, Loops};
use std::arch::x86_64::*;

/// AVX2 + FMA lanes. A value exists only once the CPU is known to have both.
#[derive(Clone, Copy)]
pub(super) struct Avx2Fma(());

impl Avx2Fma {
    pub(super) fn detect() -> Option<Self> {
        (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")).then_some(Avx2Fma(()))
    }

    /// `loops` compiled for AVX2 + FMA: every `Lanes` call in them is inlined here.
    #[target_feature(enable = "avx2,fma")]
    fn run_here<K: Loops>(self, loops: K) {
        loops.run(self);
    }

    /// Run `loops` on AVX registers.
    pub(super) fn run<K: Loops>(self, loops: K) {
        // SAFETY: `self` exists, so the CPU has AVX2 and FMA.
        unsafe { self.run_here(loops) }
    }
}

// SAFETY (every block below): an `Avx2Fma` exists only on a CPU with AVX2 and FMA, and
// loads and stores stay within slices whose length is checked first.
impl Lanes for Avx2Fma {
    type V = __m256;

    #[inline(always)]
    fn splat(self, value: f32) -> __m256 {
        unsafe { _mm256_set1_ps(value) }
    }

    #[inline(always)]
    fn load(self, src: &[f32]) -> __m256 {
        let src = &src[..LANES];
        unsafe { _mm256_loadu_ps(src.as_ptr()) }
    }

    #[inline(always)]
    unsafe fn load_at(self, src: &[f32], at: usize) -> __m256 {
        debug_assert!(at + LANES <= src.len());
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
        if dst.len() == LANES {
            unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), v) }
        } else {
            let mut all = [0f32; LANES];
            unsafe { _mm256_storeu_ps(all.as_mut_ptr(), v) };
            let n = dst.len();
            dst.copy_from_slice(&all[..n]);
        }
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
