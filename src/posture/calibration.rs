//! The calibrated upright posture ("baseline") that relative measures compare against.

use serde::{Deserialize, Serialize};

use super::anatomy::NORMAL_CVA_DEG;
use super::geometry::{FrontRaw, SideRaw, plausibility};
use super::view::{self, View};
use super::{Camera, Observation};
use crate::stats::median;

/// The calibrated front-view posture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontBaseline {
    /// Frames the medians come from.
    pub frames: usize,
    /// Ear (tragus) depth from the camera, metres.
    pub z_ear_m: f64,
    /// Shoulder-landmark depth, metres (the ears stand the plumb-line offset in front).
    pub z_shoulder_m: f64,
    /// Shoulder width (between BlazePose's shoulder landmarks), metres.
    pub shoulder_width_m: f64,
    /// BlazePose's world-landmark shoulder width, metres.
    pub world_shoulder_width_m: Option<f64>,
    /// Vertical ear-to-shoulder distance, metres.
    pub gap_m: f64,
    /// Angle of the nose below the ear axis, degrees.
    pub nose_angle_deg: Option<f64>,
}

/// The calibrated side-view posture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SideBaseline {
    /// Frames the medians come from.
    pub frames: usize,
    /// Craniovertebral angle, degrees.
    pub cva_deg: f64,
    /// Tragus in front of C7, metres.
    pub tragus_ahead_of_c7_m: f64,
}

/// A calibration profile: the upright reference posture at one desk set-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// When it was recorded (RFC 3339).
    pub created: jiff::Timestamp,
    /// What it was recorded from.
    pub source: String,
    /// The camera field of view it was computed with, degrees.
    pub camera_hfov_deg: f64,
    /// From front-view frames.
    pub front: Option<FrontBaseline>,
    /// From side-view frames.
    pub side: Option<SideBaseline>,
}

impl Baseline {
    /// The CVA of the calibration posture: measured when a side view was calibrated, else
    /// the population normal ([`NORMAL_CVA_DEG`]).
    pub fn reference_cva_deg(&self) -> f64 {
        self.side.as_ref().map_or(NORMAL_CVA_DEG, |s| s.cva_deg)
    }

    /// Keep the parts of `older` this calibration did not record (calibrating the side view
    /// keeps an earlier front view and vice versa, if the camera is the same).
    pub fn merged_with(mut self, older: Baseline) -> Baseline {
        if older.camera_hfov_deg == self.camera_hfov_deg {
            self.front = self.front.or(older.front);
            self.side = self.side.or(older.side);
        }
        self
    }
}

/// Why no baseline could be made.
#[derive(Debug, thiserror::Error)]
#[error(
    "none of the {seen} frames shows a confident upright pose (need a front view with both ears and shoulders, or a side view with an ear and shoulder and world landmarks); sit upright facing the camera, in good light, and try again"
)]
pub struct NoConfidentPose {
    /// Frames looked at.
    pub seen: usize,
}

/// Collects frames of the upright posture and makes a [`Baseline`] from their medians.
#[derive(Debug)]
pub struct Calibrator {
    camera: Camera,
    front: Vec<FrontRaw>,
    side: Vec<SideRaw>,
    seen: usize,
}

impl Calibrator {
    /// Start a calibration for a camera.
    pub fn new(camera: Camera) -> Self {
        Calibrator { camera, front: Vec::new(), side: Vec::new(), seen: 0 }
    }

    /// Offer one frame (`None`: nobody in it). Returns whether it was used: frames with an
    /// implausible skeleton, a three-quarter or unknown view, or the needed key points not
    /// confidently seen are rejected.
    pub fn add(&mut self, obs: Option<&Observation>) -> bool {
        self.seen += 1;
        let Some(obs) = obs else { return false };
        if plausibility(obs) < 1.0 {
            return false;
        }
        match view::classify(obs.landmarks, obs.width, obs.height) {
            View::Front => FrontRaw::new(obs, &self.camera)
                .filter(|r| r.calibrate().is_some())
                .map(|r| self.front.push(r))
                .is_some(),
            v @ (View::SideLeft | View::SideRight) => SideRaw::new(obs, &self.camera, v)
                .filter(|r| r.cva_deg.is_some())
                .map(|r| self.side.push(r))
                .is_some(),
            View::ThreeQuarter | View::Unknown => false,
        }
    }

    /// Frames offered so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The baseline from the medians of the frames used.
    pub fn finish(self, source: String, created: jiff::Timestamp) -> Result<Baseline, NoConfidentPose> {
        let per_frame: Vec<FrontBaseline> = self.front.iter().filter_map(FrontRaw::calibrate).collect();
        let front = (!per_frame.is_empty()).then(|| {
            let m = |f: fn(&FrontBaseline) -> f64| median(per_frame.iter().map(f)).expect("not empty");
            let mo = |f: fn(&FrontBaseline) -> Option<f64>| median(per_frame.iter().filter_map(f));
            FrontBaseline {
                frames: per_frame.len(),
                z_ear_m: m(|b| b.z_ear_m),
                z_shoulder_m: m(|b| b.z_shoulder_m),
                shoulder_width_m: m(|b| b.shoulder_width_m),
                world_shoulder_width_m: mo(|b| b.world_shoulder_width_m),
                gap_m: m(|b| b.gap_m),
                nose_angle_deg: mo(|b| b.nose_angle_deg),
            }
        });
        let side = (!self.side.is_empty()).then(|| {
            let mo = |f: fn(&SideRaw) -> Option<f64>| median(self.side.iter().filter_map(f));
            SideBaseline {
                frames: self.side.len(),
                cva_deg: mo(|r| r.cva_deg).expect("side frames have a CVA"),
                tragus_ahead_of_c7_m: mo(|r| r.tragus_ahead_of_c7_m).expect("side frames have a scale"),
            }
        });
        if front.is_none() && side.is_none() {
            return Err(NoConfidentPose { seen: self.seen });
        }
        Ok(Baseline { created, source, camera_hfov_deg: self.camera.hfov_deg, front, side })
    }
}
