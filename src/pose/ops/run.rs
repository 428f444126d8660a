//! Running loops with the best lanes this machine has.

use super::lanes::{Loops, Portable};

/// Run `loops` on AVX2 + FMA registers when the CPU has them (checked at run time), on plain
/// arrays otherwise.
pub(super) fn run_best<K: Loops>(loops: K) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx) = super::x86::Avx2Fma::detect() {
        return avx.run(loops);
    }
    loops.run(Portable);
}
