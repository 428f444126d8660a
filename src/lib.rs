//! ergoaudit: audits workstation posture from a webcam.
//!
//! Data flows one way: [`capture`] (frames) → [`pose`] (BlazePose landmarks) →
//! [`posture`] (measures) → [`risk`] (holds, breaks, scores over time) → [`store`] (SQLite)
//! → [`report`] / [`notify`]; [`audit`] is the loop that joins them, [`thresholds`] and
//! [`config`] sit on top. This crate is the library behind the `ergoaudit` binary.

#![warn(missing_docs)]

pub mod advice;
pub mod annotate;
pub mod audit;
pub mod capture;
pub mod config;
pub mod escape;
pub mod files;
pub mod notify;
pub mod pose;
pub mod posture;
pub mod record;
pub mod report;
pub mod risk;
mod stats;
pub mod store;
pub mod thresholds;
