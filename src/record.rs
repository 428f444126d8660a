//! The per-frame JSON record that `analyze --json` writes (one object per line), so other
//! tools can consume it.
//!
//! ```json
//! {"source": "photo.jpg", "frame": 0, "t_s": null, "width": 640, "height": 480,
//!  "person": true, "detection_score": 0.81,
//!  "landmarks": [[x_px, y_px, z, visibility, presence], ...33],
//!  "world_landmarks": [[x_m, y_m, z_m], ...33], "metrics": {}}
//! ```
//! Landmarks are in BlazePose order ([`crate::pose::LANDMARK_NAMES`]); `z` is MediaPipe's
//! normalised depth (same scale as `x / width`, negative towards the camera); world
//! landmarks are metres with the origin between the hips. With no person, `person` is false
//! and `detection_score`, `landmarks` and `world_landmarks` are null.

use serde::{Deserialize, Serialize};

use crate::capture::Frame;
use crate::pose::Pose;

/// One analysed frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// Where the frame came from.
    pub source: String,
    /// Frame index within the source.
    pub frame: u64,
    /// Time within the source, seconds (null for still images).
    pub t_s: Option<f64>,
    /// Frame width, pixels.
    pub width: u32,
    /// Frame height, pixels.
    pub height: u32,
    /// Whether a person was found.
    pub person: bool,
    /// Detector score of the person.
    pub detection_score: Option<f64>,
    /// 33 × `[x_px, y_px, z, visibility, presence]`.
    pub landmarks: Option<Vec<[f64; 5]>>,
    /// 33 × `[x_m, y_m, z_m]`.
    pub world_landmarks: Option<Vec<[f64; 3]>>,
    /// Posture measures computed from the landmarks.
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

fn round(v: f32, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (f64::from(v) * k).round() / k
}

impl FrameRecord {
    /// The record of `frame` with the pose found in it (if any), values rounded to what the
    /// model resolves (pixels to 0.01, depth to 1e-5, probabilities and metres to 1e-4).
    pub fn new(frame: &Frame, pose: Option<&Pose>) -> Self {
        FrameRecord {
            source: frame.source.clone(),
            frame: frame.index,
            t_s: frame.t_s,
            width: frame.image.width(),
            height: frame.image.height(),
            person: pose.is_some(),
            detection_score: pose.map(|p| round(p.detection_score, 4)),
            landmarks: pose.map(|p| {
                p.landmarks
                    .iter()
                    .map(|l| {
                        [
                            round(l.x, 2),
                            round(l.y, 2),
                            round(l.z, 5),
                            round(l.visibility, 4),
                            round(l.presence, 4),
                        ]
                    })
                    .collect()
            }),
            world_landmarks: pose.map(|p| {
                p.world_landmarks.iter().map(|w| [round(w[0], 4), round(w[1], 4), round(w[2], 4)]).collect()
            }),
            metrics: serde_json::Map::new(),
        }
    }
}
