//! Posture measures from landmarks: the craniovertebral angle, head-forward translation,
//! shoulder rounding, neck flexion and the rest, each with the method that is valid for the
//! camera view, a confidence, and `None` (with the reason) when the key points it needs are
//! not seen. Knows nothing of cameras or models: it takes plain landmark data, so it is
//! tested with synthetic and recorded landmarks.
//!
//! Conventions: image coordinates have y down; world landmarks are BlazePose's (metres,
//! camera-aligned: x right, y down, z away from the camera). "Left" is the subject's left.
//! Angles are degrees. See `docs/measures.md` for every formula.

pub mod anatomy;
pub mod calibration;
mod face;
mod front;
mod geometry;
pub mod head;
pub mod view;

mod measure;
mod sample;
mod side;

pub use calibration::Baseline;
pub use front::SHOULDER_MARGIN;
pub use measure::measure;
pub use sample::{
    FRONT_ROUNDING_ERROR_DEG, FrameMeasures, Measure, MeasureId, Measures, Missing, Observation, Optics,
};
pub use view::View;
