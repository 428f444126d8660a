//! The audit: frame records from a source ([`source`]: a camera, a recording, recorded
//! landmarks) → samples (the median of a burst, movement; [`sampler`]) → the risk engine →
//! the store, one committed transaction per sample ([`session`]). Recordings are replayed on
//! their own clock, a camera on the wall clock.

pub mod pause;
pub mod sampler;
pub mod session;
pub mod source;

pub use pause::{PauseError, PauseFile, PauseRequest};
pub use sampler::{Sample, Sampler};
pub use session::{AuditError, Flow, Observer, Outcome, Plan, Session, Status, stop_on_signals};
pub use source::{Input, OpenError, Pacing, PoseSource, SourceError, each_frame};
