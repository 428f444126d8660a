//! Running loops with the best lanes this machine has.

use super::lanes::{Loops, Portable};

/// The lanes a machine may have, widest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Plain arrays of eight: any machine.
    Portable,
    /// AVX2 + FMA (+ F16C) registers of eight.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// AVX-512 registers of sixteen.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// Plain arrays of sixteen: the loops' AVX-512 shapes on any machine, for the tests.
    #[cfg(test)]
    PortableWide,
}

impl Kind {
    /// Every kind this machine's CPU runs, portable first, widest last (checked once).
    pub(super) fn machine() -> &'static [Kind] {
        static KINDS: std::sync::OnceLock<Vec<Kind>> = std::sync::OnceLock::new();
        KINDS.get_or_init(|| {
            let mut kinds = vec![Kind::Portable];
            #[cfg(target_arch = "x86_64")]
            {
                if super::x86::Avx2Fma::detect().is_some() {
                    kinds.push(Kind::Avx2Fma);
                }
                if super::x86::Avx512::detect().is_some() {
                    kinds.push(Kind::Avx512);
                }
            }
            kinds
        })
    }

    /// Every kind the tests run: the machine's, and plain arrays of sixteen.
    #[cfg(test)]
    pub(super) fn tested() -> Vec<Kind> {
        let mut kinds = Kind::machine().to_vec();
        kinds.push(Kind::PortableWide);
        kinds
    }

    /// Values in one register of this kind.
    pub(super) fn width(self) -> usize {
        match self {
            Kind::Portable => 8,
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => 8,
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => 16,
            #[cfg(test)]
            Kind::PortableWide => 16,
        }
    }

    /// The widest kind this machine can run.
    pub(super) fn best() -> Kind {
        *Kind::machine().last().expect("portable is always available")
    }

    /// Run `loops` with this kind of lanes.
    ///
    /// # Panics
    /// If this machine's CPU cannot run this kind (it is not among [`Kind::machine`]).
    pub(super) fn run<K: Loops>(self, loops: K) {
        match self {
            Kind::Portable => loops.run(Portable::<8>),
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => super::x86::Avx2Fma::detect().expect("a CPU with AVX2, FMA and F16C").run(loops),
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => super::x86::Avx512::detect().expect("a CPU with AVX-512").run(loops),
            #[cfg(test)]
            Kind::PortableWide => loops.run(Portable::<16>),
        }
    }
}

/// Run `loops` with the widest lanes this machine has (checked at run time): AVX-512, else
/// AVX2 + FMA, else plain arrays.
pub(super) fn run_best<K: Loops>(loops: K) {
    Kind::best().run(loops);
}

/// Run `loops` with the widest lanes this machine has whose registers divide `n` (loops over
/// `n` channels, or along rows of `n` values, leave no part of a register idle), else with the
/// narrowest vector lanes it has (the least left idle).
pub(super) fn run_best_dividing<K: Loops>(n: usize, loops: K) {
    let machine = Kind::machine();
    let narrowest = machine.get(1).copied().unwrap_or(Kind::Portable);
    let kind = machine.iter().rev().copied().find(|kind| n.is_multiple_of(kind.width())).unwrap_or(narrowest);
    kind.run(loops);
}
