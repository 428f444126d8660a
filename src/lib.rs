//! ergoaudit: audits workstation posture from a webcam.
//!
//! Data flows one way: [`capture`] (frames: a camera, a video, images) → [`pose`]
//! (BlazePose landmarks) → [`posture`] (measures) → [`risk`] (holds, breaks, findings over
//! time) → [`store`] (SQLite) → [`report`] / [`notify`]. [`audit`] runs that loop as a
//! session (a source, samples of bursts, the engine, the store; the pause file; a facade,
//! [`audit::Recorder`]); [`report`] reads the store back (a report, `status`, an export;
//! a facade, [`report::FromHistory`]). `docs/architecture.md` is the map, with a glossary.
//!
//! The layers, first to last: a module imports only from the layers before its own
//! (`tests/architecture.rs` reads this list and checks every import of `src/`, and that the
//! import graph has no circle):
//!
//! ```text
//! clock escape stats
//! files
//! capture zone desktop team
//! pose
//! posture
//! thresholds
//! risk replay annotate
//! advice store
//! notify
//! config
//! analysis audit
//! report
//! control fleet
//! tray
//! ```
//!
//! [`team`] is what a workstation is told of its team (the database URL, site and department),
//! [`clock`] is time behind a seam, [`desktop`] the desktop's lock, sleep, calls and Do Not
//! Disturb behind another, [`escape`] makes text safe where it goes, [`files`]
//! reads and writes with size limits, `stats` has medians, [`zone`] finds the local time
//! zone; [`thresholds`] holds every limit
//! with its reference and [`config`] resolves them (file, environment, flags) and keeps the
//! calibration profiles; [`replay`] is the landmarks' JSON form; [`advice`] says what to
//! change; [`annotate`] draws a skeleton; [`analysis`] is `analyze`'s output. This crate is
//! the library behind the `ergoaudit` binary ([`control`] answers the desktop on the session
//! bus, [`tray`] shows it in the tray, [`fleet`] keeps a team's figures in PostgreSQL), whose
//! commands only turn options into calls
//! and results into output.

#![warn(missing_docs)]
// nothing in the library prints with a macro that panics when the stream cannot be written
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod advice;
pub mod analysis;
pub mod annotate;
pub mod audit;
pub mod capture;
pub mod clock;
pub mod config;
pub mod control;
pub mod desktop;
pub mod escape;
pub mod files;
pub mod fleet;
pub mod notify;
pub mod pose;
pub mod posture;
pub mod replay;
pub mod report;
pub mod risk;
mod stats;
pub mod store;
pub mod team;
pub mod thresholds;
pub mod tray;
pub mod zone;
