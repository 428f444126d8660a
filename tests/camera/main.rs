//! The camera path without a camera: the real capture code (`CameraSource`, `Paced`) and the
//! audit loop against the scripted camera, as a library and through the binary, on
//! simulated time; the audit loop with a source that fails mid-run; and the desktop's lock
//! and sleep followed over a private D-Bus.

#[path = "../common/mod.rs"]
mod common;

mod audit_faults;
mod cli;
mod desktop;
mod library;
