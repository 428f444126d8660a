//! The `ergoaudit` binary as a user runs it: `analyze`, `audit`, `history`, `export`,
//! `report` (and its formats as snapshots), `status`, `pause` and `resume` against a running
//! audit, calibration and thresholds, installation, a history written by the previous
//! version, and team mode against a real PostgreSQL. One test binary (as ripgrep keeps one): each links the pose models' runtime.

#[path = "../common/mod.rs"]
mod common;

mod analyze;
mod audit;
mod fleet;
mod install;
mod live;
mod posture;
mod previous;
mod report;
mod report_formats;
mod trends;
