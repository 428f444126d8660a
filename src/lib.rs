//! ergoaudit: audits workstation posture from a webcam.
//!
//! Data flows one way: [`capture`] (frames: a camera, a video, images) → [`pose`]
//! (BlazePose landmarks) → [`posture`] (measures) → [`risk`] (holds, breaks, scores over
//! time) → [`store`] (SQLite) → [`report`] / [`notify`]. [`replay`] is the landmarks' JSON
//! form, written by `analyze` and read back instead of pixels. [`audit`] joins the stages:
//! it chooses the source, groups frames into samples and runs a session from the first
//! sample to the last; [`thresholds`] and [`config`] sit on top, [`advice`], [`escape`] and
//! [`files`] serve them all. No stage imports a later one and the import graph has no
//! circle (`tests/architecture.rs` draws it from the sources and checks both). This crate is
//! the library behind the `ergoaudit` binary, whose commands only turn options into calls
//! and results into output.

#![warn(missing_docs)]

pub mod advice;
pub mod analysis;
pub mod annotate;
pub mod audit;
pub mod capture;
pub mod clock;
pub mod config;
pub mod escape;
pub mod files;
pub mod notify;
pub mod pose;
pub mod posture;
pub mod replay;
pub mod report;
pub mod risk;
mod stats;
pub mod store;
pub mod thresholds;
