//! The audit: frame records from a source ([`source`]: a camera, a recording, recorded
//! landmarks) → samples (the median of a burst, movement; [`sampler`]) → the risk engine →
//! the store, one committed transaction per sample ([`session`]). Recordings are replayed on
//! their own clock, a camera on the wall clock.

pub mod calibrate;
pub mod pause;
pub mod recorder;
pub mod sampler;
pub mod session;
pub mod source;

pub use pause::{PauseError, PauseFile, PauseRequest};
pub use recorder::{Opened, Recorded, Recorder};
pub use sampler::{Sampled, Sampler};
pub use session::{AuditError, Flow, Observer, Outcome, Plan, Session, Status, stop_on_signals};
pub use source::{OpenError, Pacing, PoseSource, Source, SourceArg, SourceError, each_frame};
