//! The camera path without a camera: the real capture code (`CameraSource`, `Paced`) and the
//! audit loop against the scripted camera, as a library and through the binary, on
//! simulated time; and the audit loop with a source that fails mid-run.

#[path = "../common/mod.rs"]
mod common;

mod audit_faults;
mod cli;
mod library;
