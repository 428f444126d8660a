//! Calibration and the camera test, the two one-off looks at a person that `calibrate` and
//! `cameras --test` take: the frames of any source through the pose model into a
//! [`Calibrator`]; one sample from a camera, and what it saw.

use std::sync::Arc;

use super::source::{OpenError, Source, each_frame};
use crate::capture::CaptureError;
use crate::capture::camera::{Backend, BurstReport, CameraSelector, CameraSource};
use crate::pose::{BlazePose, ModelChoice, PoseEstimator, PosedFrame};
use crate::posture::calibration::Calibrator;
use crate::posture::{MeasureId, Observation, Optics, View, measure};
use crate::replay::{BadLine, LandmarkFile};

/// Frames taken from a camera for a calibration (about two seconds).
pub const CALIBRATION_FRAMES: usize = 30;

/// Why the frames could not be seen.
#[derive(Debug, thiserror::Error)]
pub enum LookError {
    /// The source or the pose model.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A line of a landmarks file.
    #[error(transparent)]
    Line(#[from] BadLine),
}

impl From<CaptureError> for LookError {
    fn from(e: CaptureError) -> Self {
        LookError::Open(OpenError::Capture(e))
    }
}

impl From<crate::pose::PoseError> for LookError {
    fn from(e: crate::pose::PoseError) -> Self {
        LookError::Open(OpenError::Pose(e))
    }
}

/// Offer `calibrator` every frame of `source`: recorded landmarks as they are; images and a
/// video (two frames a second) through `model`, each on its own; a camera's
/// [`CALIBRATION_FRAMES`] in one burst, once `ready` has been told its name (to ask the
/// person to sit upright). An input file that cannot be read is given to `unreadable` and
/// skipped; returns how many were.
pub fn calibrate(
    source: &Source,
    model: &ModelChoice,
    calibrator: &mut Calibrator,
    ready: impl FnOnce(&str),
    mut unreadable: impl FnMut(&CaptureError),
) -> Result<usize, LookError> {
    let mut offer = |frame: &PosedFrame| {
        calibrator.add(frame.pose.as_ref().map(|d| Observation::of(d, frame.width, frame.height)).as_ref());
    };
    match source {
        Source::Landmarks(path) => {
            for record in LandmarkFile::open(path)? {
                offer(&record?.into());
            }
            Ok(0)
        }
        Source::Camera(selector) => {
            let mut camera = CameraSource::new(crate::capture::camera::backend()?, selector, true)?;
            let mut pose = BlazePose::load(model)?;
            ready(camera.label());
            let burst = camera.burst(CALIBRATION_FRAMES)?;
            tracing::info!(report = ?burst.report, "calibration frames taken");
            for frame in burst.frames {
                let found = pose.estimate(&frame.image)?;
                offer(&PosedFrame::new(&frame, found.as_ref()));
            }
            Ok(0)
        }
        Source::Video(path) | Source::Images(path) => {
            let mut failed = 0;
            each_frame(std::slice::from_ref(path), model, 2.0, |frame| -> Result<(), LookError> {
                match frame {
                    Ok((_, posed)) => offer(&posed),
                    Err(e) => {
                        unreadable(&e);
                        failed += 1;
                    }
                }
                Ok(())
            })?;
            Ok(failed)
        }
    }
}

/// What one sample from a camera saw.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The camera's name.
    pub camera: String,
    /// How the burst went (mode, warm-up, brightness, bad frames).
    pub report: BurstReport,
    /// Seconds to open the camera and read the frame, on its clock.
    pub took_s: f64,
    /// Whether a person was found.
    pub person: bool,
    /// The view, when a person was found.
    pub view: Option<View>,
    /// The measures with a value.
    pub measures: Vec<MeasureId>,
}

/// Open the camera `selector` names among `backend`'s once, take one frame, and say what the
/// pose model and the measures (with `optics`) make of it.
pub fn probe(
    backend: Arc<dyn Backend>,
    selector: &CameraSelector,
    model: &ModelChoice,
    optics: &Optics,
) -> Result<Probe, OpenError> {
    let mut camera = CameraSource::new(backend, selector, false)?;
    let mut pose = BlazePose::load(model)?;
    let started = camera.elapsed_s();
    let burst = camera.burst(1)?;
    let took_s = camera.elapsed_s() - started;
    let Some(frame) = burst.frames.first() else {
        let bad = burst.report.bad_frames;
        return Err(CaptureError::CameraFrames { device: camera.label().into(), bad }.into());
    };
    let found = pose.estimate(&frame.image)?;
    let posed = PosedFrame::new(frame, found.as_ref());
    let sample =
        posed.pose.as_ref().map(|d| measure(&Observation::of(d, posed.width, posed.height), optics, None));
    Ok(Probe {
        camera: camera.label().to_owned(),
        report: burst.report,
        took_s,
        person: found.is_some(),
        view: sample.as_ref().map(|s| s.view),
        measures: sample
            .as_ref()
            .map(|s| s.iter().filter(|(_, m)| m.value.is_some()).map(|(id, _)| id).collect())
            .unwrap_or_default(),
    })
}
