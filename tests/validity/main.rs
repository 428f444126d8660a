//! Validity: the pose pipeline against Google's MediaPipe on real photos, and the posture
//! measures against known geometry (synthetic bodies), known posture (the rendered set) and
//! real webcam framing (photos and clips). `-- --nocapture` prints the figures.

#[path = "../common/mod.rs"]
mod common;

mod clips;
mod pose_reference;
mod real;
mod render;
mod shoulder_margin;
mod side;
mod synthetic;
