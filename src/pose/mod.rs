//! Pose estimation: MediaPipe BlazePose (detector + landmark model) on tract-onnx.
//!
//! The pipeline is MediaPipe's, step for step: letterbox the frame into the detector, decode
//! and merge its detections, cut a rotated square region around the person, run the landmark
//! model on it, refine the landmarks with the heatmap and project them back to the frame.
//! On a frame sequence the next region comes from the previous landmarks and the detector
//! only runs again when the person is lost.

mod crop;
mod detector;
mod face;
mod landmarks;
pub mod model;
mod ops;
pub mod point;
pub mod roi;
pub mod scene;
mod silhouette;

use std::borrow::Cow;

use image::RgbImage;

use crate::capture::Frame;
use tract_onnx::prelude::*;

use crop::{Border, warp_to_tensor};
use face::FaceMesh;
pub use face::{BASIS as FACE_BASIS, BASIS_POINTS as FACE_BASIS_POINTS, Face};
pub use landmarks::RawLandmark as Landmark;
pub use model::{ModelChoice, PoseError};
use model::{Runnable, inference, output};
use roi::{Affine, Roi};

/// Body landmarks in a [`Pose`] (BlazePose's 33, in its order).
pub const NUM_LANDMARKS: usize = 33;

/// Pairs of landmarks joined in a drawing of the skeleton (MediaPipe's `POSE_CONNECTIONS`).
pub const SKELETON: [(usize, usize); 35] = [
    (point::NOSE, point::LEFT_EYE_INNER),
    (point::LEFT_EYE_INNER, point::LEFT_EYE),
    (point::LEFT_EYE, point::LEFT_EYE_OUTER),
    (point::LEFT_EYE_OUTER, point::LEFT_EAR),
    (point::NOSE, point::RIGHT_EYE_INNER),
    (point::RIGHT_EYE_INNER, point::RIGHT_EYE),
    (point::RIGHT_EYE, point::RIGHT_EYE_OUTER),
    (point::RIGHT_EYE_OUTER, point::RIGHT_EAR),
    (point::MOUTH_LEFT, point::MOUTH_RIGHT),
    (point::LEFT_SHOULDER, point::RIGHT_SHOULDER),
    (point::LEFT_SHOULDER, point::LEFT_ELBOW),
    (point::LEFT_ELBOW, point::LEFT_WRIST),
    (point::LEFT_WRIST, point::LEFT_PINKY),
    (point::LEFT_WRIST, point::LEFT_INDEX),
    (point::LEFT_WRIST, point::LEFT_THUMB),
    (point::LEFT_PINKY, point::LEFT_INDEX),
    (point::RIGHT_SHOULDER, point::RIGHT_ELBOW),
    (point::RIGHT_ELBOW, point::RIGHT_WRIST),
    (point::RIGHT_WRIST, point::RIGHT_PINKY),
    (point::RIGHT_WRIST, point::RIGHT_INDEX),
    (point::RIGHT_WRIST, point::RIGHT_THUMB),
    (point::RIGHT_PINKY, point::RIGHT_INDEX),
    (point::LEFT_SHOULDER, point::LEFT_HIP),
    (point::RIGHT_SHOULDER, point::RIGHT_HIP),
    (point::LEFT_HIP, point::RIGHT_HIP),
    (point::LEFT_HIP, point::LEFT_KNEE),
    (point::RIGHT_HIP, point::RIGHT_KNEE),
    (point::LEFT_KNEE, point::LEFT_ANKLE),
    (point::RIGHT_KNEE, point::RIGHT_ANKLE),
    (point::LEFT_ANKLE, point::LEFT_HEEL),
    (point::RIGHT_ANKLE, point::RIGHT_HEEL),
    (point::LEFT_HEEL, point::LEFT_FOOT_INDEX),
    (point::RIGHT_HEEL, point::RIGHT_FOOT_INDEX),
    (point::LEFT_ANKLE, point::LEFT_FOOT_INDEX),
    (point::RIGHT_ANKLE, point::RIGHT_FOOT_INDEX),
];

/// MediaPipe's `min_detection_confidence`: detector score needed to report a person.
pub const MIN_DETECTION_SCORE: f32 = 0.5;
/// MediaPipe's `min_tracking_confidence`: landmark-model presence needed to report a person
/// (and to keep tracking without the detector).
pub const MIN_PRESENCE: f32 = 0.5;

/// One person's pose in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Pose {
    /// The 33 body landmarks in image pixels (see [`point`]).
    pub landmarks: Vec<Landmark>,
    /// The same 33 landmarks in metres, origin between the hips (x right, y down,
    /// z away from the camera, as MediaPipe).
    pub world_landmarks: Vec<[f32; 3]>,
    /// Score of the detection the region came from (a probability).
    pub detection_score: f32,
    /// The landmark model's confidence that a person is in the region (a probability).
    pub presence: f32,
    /// The region came from the previous frame's landmarks rather than the detector.
    pub tracked: bool,
    /// The top edge of the person's silhouette above each shoulder point (left, right:
    /// image x, y), from the landmark model's segmentation; `None` where it does not reach.
    pub shoulder_tops: Option<[[f32; 2]; 2]>,
    /// What the face mesh found of the face (the points the head's pitch is fitted to), when
    /// the face was seen well enough.
    pub face: Option<Face>,
}

/// A person's landmarks as plain data: what the posture stage measures, from the model or
/// from a recording.
#[derive(Clone, Debug, PartialEq)]
pub struct PoseData {
    /// The 33 landmarks, image pixels.
    pub landmarks: Vec<Landmark>,
    /// The 33 world landmarks, metres, when known.
    pub world: Option<Vec<[f32; 3]>>,
    /// Score of the detection the person came from.
    pub detection_score: f32,
    /// The silhouette's top edge above each shoulder (see [`Pose::shoulder_tops`]), when
    /// known.
    pub shoulder_tops: Option<[[f32; 2]; 2]>,
    /// What the face mesh found of the face (see [`Pose::face`]), when known.
    pub face: Option<Face>,
}

/// A frame as it leaves the pose stage: where and when it was taken, its size, and the
/// person found in it.
#[derive(Clone, Debug, PartialEq)]
pub struct PosedFrame {
    /// Where the frame came from (a file path or a device name).
    pub source: String,
    /// Index of the frame within its source.
    pub index: u64,
    /// Time of the frame within its source, seconds (`None` for a still image).
    pub t_s: Option<f64>,
    /// Frame width, pixels.
    pub width: u32,
    /// Frame height, pixels.
    pub height: u32,
    /// The person, if one was found.
    pub pose: Option<PoseData>,
}

/// `v` to `decimals` places.
fn round(v: f32, decimals: i32) -> f32 {
    let k = 10f64.powi(decimals);
    ((f64::from(v) * k).round() / k) as f32
}

impl PosedFrame {
    /// `frame` with the pose found in it (if any), its values rounded once to what the
    /// model resolves and a recording keeps (pixels to 0.01, depth to 1e-5, probabilities
    /// and metres to 1e-4), so that a live audit and the replay of its recording agree.
    pub fn new(frame: &Frame, pose: Option<&Pose>) -> Self {
        PosedFrame {
            source: frame.source.clone(),
            index: frame.index,
            t_s: frame.t_s,
            width: frame.image.width(),
            height: frame.image.height(),
            pose: pose.map(|p| PoseData {
                landmarks: p
                    .landmarks
                    .iter()
                    .map(|l| Landmark {
                        x: round(l.x, 2),
                        y: round(l.y, 2),
                        z: round(l.z, 5),
                        visibility: round(l.visibility, 4),
                        presence: round(l.presence, 4),
                    })
                    .collect(),
                world: Some(p.world_landmarks.iter().map(|w| w.map(|v| round(v, 4))).collect()),
                detection_score: round(p.detection_score, 4),
                shoulder_tops: p.shoulder_tops.map(|t| t.map(|p| p.map(|v| round(v, 2)))),
                face: p.face.map(|f| Face {
                    points: f.points.map(|p| p.map(|v| round(v, 2))),
                    presence: round(f.presence, 4),
                }),
            }),
        }
    }
}

/// Something that finds a person's pose in images.
pub trait PoseEstimator {
    /// The pose in `image`, or `None` when nobody is there. Consecutive calls are treated as
    /// frames of one sequence (an estimator may track the person between them).
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError>;
    /// Forget the previous frames: the next image starts a new sequence.
    fn reset(&mut self);
}

/// What the landmark model found in one region.
#[derive(Clone, Debug)]
pub struct RegionLandmarks {
    /// Confidence that a person is in the region.
    pub presence: f32,
    /// The 39 model landmarks (33 body + 6 auxiliary) in image pixels.
    pub landmarks: Vec<Landmark>,
    /// The 39 world landmarks, metres.
    pub world: Vec<[f32; 3]>,
    /// The silhouette's top edge above each shoulder, when found.
    pub shoulder_tops: Option<[[f32; 2]; 2]>,
}

impl RegionLandmarks {
    /// The region MediaPipe would crop in the next frame: from auxiliary landmarks 33 (hip
    /// centre) and 34 (scale point).
    pub fn next_region(&self) -> Roi {
        let p = |j: usize| (self.landmarks[j].x, self.landmarks[j].y);
        Roi::from_alignment(p(point::AUX_HIP_CENTRE), p(point::AUX_SCALE))
    }
}

/// A detection: its score and the region to crop for the landmark model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PersonDetection {
    /// Detector score (a probability).
    pub score: f32,
    /// Region around the person, image pixels.
    pub region: Roi,
}

/// MediaPipe BlazePose on tract: the detector plus a landmark model.
pub struct BlazePose {
    detector: Runnable,
    landmarker: Runnable,
    face_mesh: FaceMesh,
    anchors: Vec<(f32, f32)>,
    redetect_interval: u32,
    track: Option<Track>,
}

/// What tracking carries from one frame to the next.
#[derive(Clone, Copy, Debug)]
struct Track {
    region: Roi,
    detection_score: f32,
    frame_size: (u32, u32),
    /// Frames estimated since the detector last ran.
    since_detection: u32,
}

/// Default for [`BlazePose::with_redetect_interval`]: one second of a 30 fps stream.
pub const DEFAULT_REDETECT_INTERVAL: u32 = 30;

const LANDMARK_OUTPUTS: [(&str, &[usize]); 5] = [
    ("Identity", &[1, landmarks::MODEL_LANDMARKS * 5]),
    ("Identity_1", &[1, 1]),
    ("Identity_2", &[1, landmarks::INPUT_SIZE, landmarks::INPUT_SIZE, 1]),
    ("Identity_3", &[1, landmarks::HEATMAP_SIZE, landmarks::HEATMAP_SIZE, landmarks::MODEL_LANDMARKS]),
    ("Identity_4", &[1, landmarks::MODEL_LANDMARKS * 3]),
];
const DETECTOR_OUTPUTS: [(&str, &[usize]); 2] = [
    ("Identity", &[1, detector::NUM_ANCHORS, detector::VALUES_PER_ANCHOR]),
    ("Identity_1", &[1, detector::NUM_ANCHORS, 1]),
];

impl BlazePose {
    /// Load the bundled detector and the chosen landmark model: the copies built into the
    /// binary, or the files in `$ERGOAUDIT_MODEL_DIR` when it is set. Bundled models are
    /// sha256-checked; a user file must have the landmark model's inputs and outputs.
    /// Tracking between calls to [`PoseEstimator::estimate`] is on, with the detector run
    /// again at least every [`DEFAULT_REDETECT_INTERVAL`] frames.
    pub fn load(choice: &ModelChoice) -> Result<Self, PoseError> {
        let dir = model::models_dir();
        let dir = dir.as_deref();
        let (det_path, detector) =
            model::load_bundled(dir, &model::DETECTOR, detector::INPUT_SIZE, &DETECTOR_OUTPUTS)?;
        let bundled = |model| model::load_bundled(dir, model, landmarks::INPUT_SIZE, &LANDMARK_OUTPUTS);
        let (lm_path, landmarker) = match choice {
            ModelChoice::Full => bundled(&model::LANDMARK_FULL)?,
            ModelChoice::Lite => bundled(&model::LANDMARK_LITE)?,
            ModelChoice::Heavy => bundled(&model::LANDMARK_HEAVY)?,
            ModelChoice::Path(p) => {
                let bytes = crate::files::read(p, crate::files::MODEL)
                    .map_err(|source| PoseError::ModelUnreadable { path: p.clone(), source })?;
                let runnable = model::load(p, Cow::Owned(bytes), landmarks::INPUT_SIZE, &LANDMARK_OUTPUTS)?;
                (p.clone(), runnable)
            }
        };
        let face_mesh = FaceMesh::load(dir)?;
        tracing::info!("pose models: {} and {}, and the face mesh", det_path.display(), lm_path.display());
        Ok(BlazePose {
            detector,
            landmarker,
            face_mesh,
            anchors: detector::anchors(),
            redetect_interval: DEFAULT_REDETECT_INTERVAL,
            track: None,
        })
    }

    /// Run the detector at least every `frames` frames (1: on every frame, as MediaPipe's
    /// static image mode; 0 counts as 1). In between, the region comes from the previous
    /// frame's landmarks. The landmark model's presence score alone can keep a "person" on
    /// an empty scene once tracking is on (it scores a cartoon frame 0.99), so the detector
    /// must get a say regularly.
    pub fn with_redetect_interval(mut self, frames: u32) -> Self {
        self.redetect_interval = frames.max(1);
        self.track = None;
        self
    }

    /// Run the detector on the whole image: the best person detection, or `None` when no
    /// detection reaches [`MIN_DETECTION_SCORE`].
    pub fn detect(&self, image: &RgbImage) -> Result<Option<PersonDetection>, PoseError> {
        let n = detector::INPUT_SIZE;
        let letterbox = Affine::letterbox(image.width(), image.height(), n);
        let input = warp_to_tensor(image, &letterbox, n, 1.0 / 127.5, -1.0, Border::Zero);
        let out = self.detector.run(tvec!(input.into())).map_err(inference)?;
        let found = detector::decode(output(&out, 0)?, output(&out, 1)?, &self.anchors, MIN_DETECTION_SCORE);
        Ok(found.map(|d| {
            let to_image = |(u, v): (f32, f32)| letterbox.apply(u * n as f32, v * n as f32);
            PersonDetection {
                score: d.score,
                region: Roi::from_alignment(to_image(d.keypoints[0]), to_image(d.keypoints[1])),
            }
        }))
    }

    /// Run the landmark model on one region of the image.
    pub fn landmarks(&self, image: &RgbImage, region: &Roi) -> Result<RegionLandmarks, PoseError> {
        let n = landmarks::INPUT_SIZE;
        let input =
            warp_to_tensor(image, &Affine::from_roi(region, n), n, 1.0 / 255.0, 0.0, Border::Replicate);
        let out = self.landmarker.run(tvec!(input.into())).map_err(inference)?;
        let mut raw = output(&out, 0)?.to_vec();
        landmarks::refine_with_heatmap(&mut raw, output(&out, 3)?);
        let projected = landmarks::project(&raw, region, image.width());
        let shoulder_tops = silhouette::Silhouette::new(output(&out, 2)?, *region)
            .and_then(|s| s.shoulder_tops(&projected, image.width(), image.height()));
        Ok(RegionLandmarks {
            presence: output(&out, 1)?[0],
            landmarks: projected,
            world: landmarks::unrotate_world(output(&out, 4)?, region),
            shoulder_tops,
        })
    }
}

impl PoseEstimator for BlazePose {
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError> {
        let frame_size = image.dimensions();
        // a new frame size is a new scene: start from the detector
        let tracked = self.track.take().filter(|t| t.frame_size == frame_size);
        let (region, detection_score, since_detection) = match tracked {
            Some(t) => (t.region, t.detection_score, t.since_detection),
            None => match self.detect(image)? {
                Some(d) => (d.region, d.score, 0),
                None => return Ok(None),
            },
        };
        let found = self.landmarks(image, &region)?;
        if found.presence < MIN_PRESENCE {
            // a lost track gets a second chance from the detector on this same frame
            return if tracked.is_some() { self.estimate(image) } else { Ok(None) };
        }
        if since_detection + 1 < self.redetect_interval {
            self.track = Some(Track {
                region: found.next_region(),
                detection_score,
                frame_size,
                since_detection: since_detection + 1,
            });
        }
        let mut landmarks = found.landmarks;
        let mut world = found.world;
        landmarks.truncate(NUM_LANDMARKS);
        world.truncate(NUM_LANDMARKS);
        let face = self.face_mesh.estimate(image, &landmarks)?;
        Ok(Some(Pose {
            landmarks,
            world_landmarks: world,
            detection_score,
            presence: found.presence,
            tracked: tracked.is_some(),
            shoulder_tops: found.shoulder_tops,
            face,
        }))
    }

    fn reset(&mut self) {
        self.track = None;
    }
}
