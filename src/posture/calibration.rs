//! The calibrated upright posture ("baseline") that relative measures compare against.

use serde::{Deserialize, Serialize};

use super::anatomy::NORMAL_CVA_DEG;
use super::front::{self, CalibrationFrame, NoShoulders, SHOULDER_MARGIN};
pub use super::front::{FrontBaseline, ShoulderBaseline};
use super::geometry::{SideRaw, mid3, norm3, plausibility};
use super::head;
use super::sample::{Observation, Optics};
use super::view::{self, View};
use crate::pose::{Face, Landmark, point};
use crate::stats::median;

/// The profile format this build writes; profiles of an older format are refused with a
/// request to calibrate again.
pub const FORMAT: u32 = 2;

/// The calibrated side-view posture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SideBaseline {
    /// Frames the medians come from.
    pub frames: usize,
    /// Craniovertebral angle, degrees.
    pub cva_deg: f64,
    /// Tragus in front of C7, metres.
    pub tragus_ahead_of_c7_m: f64,
    /// Where the points were (camera space, metres; medians), for the measures against
    /// this posture: C7 stays where it was unless the trunk leans. Not in profiles made
    /// before they were kept (those measure each frame on its own).
    #[serde(default)]
    pub points: Option<SideCalibrated>,
}

/// A side calibration's points, camera space, metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SideCalibrated {
    /// +1 when the face pointed to the image's right.
    pub facing: f64,
    /// BlazePose's near ear.
    pub ear: [f64; 3],
    /// BlazePose's near shoulder.
    pub shoulder: [f64; 3],
    /// The tragus (camera x, y).
    pub tragus: [f64; 2],
    /// C7 (camera x, y), estimated from the shoulder.
    pub c7: [f64; 2],
}

/// A calibration profile: the upright reference posture at one desk set-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Profile format ([`FORMAT`]).
    pub format: u32,
    /// When it was recorded (RFC 3339).
    pub created: jiff::Timestamp,
    /// What it was recorded from.
    pub source: String,
    /// The camera field of view it was computed with, degrees.
    pub camera_hfov_deg: f64,
    /// Whether that field of view is known (given, or fixed from `measured_distance_m`)
    /// rather than assumed; a profile whose field of view is known supplies it.
    #[serde(default)]
    pub camera_hfov_known: bool,
    /// The eye-to-camera distance the person measured at the calibration (`calibrate
    /// --distance`), metres: it fixed the field of view.
    #[serde(default)]
    pub measured_distance_m: Option<f64>,
    /// The camera tilt it was computed with, degrees (positive: looking up).
    pub camera_pitch_deg: f64,
    /// Frames offered.
    pub frames_seen: usize,
    /// The landmark model the frames went through (`full`, `lite` or a file); `None` for
    /// recorded landmarks. Another model places the landmarks differently, so a profile is
    /// tied to its model.
    pub model: Option<String>,
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

    /// The camera optics this profile was made with.
    pub fn optics(&self) -> Optics {
        Optics {
            hfov_deg: self.camera_hfov_deg,
            hfov_known: self.camera_hfov_known,
            pitch_deg: self.camera_pitch_deg,
        }
    }

    /// Keep the parts of `older` this calibration did not record (calibrating the side view
    /// keeps an earlier front view and vice versa, if the camera and model are the same).
    pub fn merged_with(mut self, older: Baseline) -> Baseline {
        if older.optics() == self.optics() && older.model == self.model {
            self.front = self.front.or(older.front);
            self.side = self.side.or(older.side);
        }
        self
    }
}

/// Why frames were not used for a calibration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rejections {
    /// Nobody in the frame.
    pub no_person: usize,
    /// A skeleton the pose model got wrong (a shoulder on the chin).
    pub implausible: usize,
    /// The head turned away from the camera (three-quarter view).
    pub turned: usize,
    /// Face points (nose, eyes, ears, mouth) not all seen.
    pub face_not_seen: usize,
    /// A side view without what it needs (an ear and the shoulder of the same side, world
    /// landmarks).
    pub side_incomplete: usize,
}

/// Why no baseline could be made: too few usable frames, with what to change.
#[derive(Debug, thiserror::Error)]
#[error("only {usable} of the {seen} frames show a usable upright pose (need at least half); {advice}")]
pub struct TooFewFrames {
    /// Frames looked at.
    pub seen: usize,
    /// Frames that could be used.
    pub usable: usize,
    /// Why the others could not.
    pub rejected: Rejections,
    /// What to change, in words.
    pub advice: String,
}

/// A frame's landmarks kept for a second look (`None`: nobody in it).
#[derive(Clone, Debug)]
struct Kept {
    landmarks: Vec<Landmark>,
    world: Option<Vec<[f32; 3]>>,
    width: u32,
    height: u32,
    shoulder_tops: Option<[[f32; 2]; 2]>,
    face: Option<Face>,
}

impl Kept {
    fn observation(&self) -> Observation<'_> {
        Observation {
            landmarks: &self.landmarks,
            world: self.world.as_deref(),
            width: self.width,
            height: self.height,
            shoulder_tops: self.shoulder_tops,
            face: self.face,
        }
    }
}

/// The medians of the side frames' points (those facing the way most did).
fn side_points(frames: &[SideRaw]) -> Option<SideCalibrated> {
    let facing = median(frames.iter().map(|r| r.facing))?.signum();
    let placed: Vec<_> = frames.iter().filter(|r| r.facing == facing).filter_map(|r| r.placed).collect();
    let m = |f: &dyn Fn(&super::geometry::SidePoints) -> f64| median(placed.iter().map(f));
    Some(SideCalibrated {
        facing,
        ear: [m(&|p| p.ear[0])?, m(&|p| p.ear[1])?, m(&|p| p.ear[2])?],
        shoulder: [m(&|p| p.shoulder[0])?, m(&|p| p.shoulder[1])?, m(&|p| p.shoulder[2])?],
        tragus: [m(&|p| p.tragus.0)?, m(&|p| p.tragus.1)?],
        c7: [m(&|p| p.c7.0)?, m(&|p| p.c7.1)?],
    })
}

/// Rounds of [`Calibrator::finish_at_distance`] at most (two are usually enough).
const MAX_DISTANCE_ROUNDS: usize = 4;
/// How closely the calibrated distance must agree with the one given.
const DISTANCE_AGREEMENT: f64 = 0.005;
/// The fields of view a webcam can have, degrees (a long lens to a fish-eye).
const MIN_HFOV_DEG: f64 = 15.0;
/// See [`MIN_HFOV_DEG`].
const MAX_HFOV_DEG: f64 = 150.0;

/// Why a calibration at a measured distance failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Too few usable frames.
    #[error(transparent)]
    TooFewFrames(#[from] TooFewFrames),
    /// No front frame showed the face well enough to measure its distance.
    #[error(
        "no frame showed the face from the front, so its distance could not be compared with --distance; face the camera, or calibrate without --distance"
    )]
    NoDistance,
    /// The distance given would need a field of view no webcam has.
    #[error(
        "--distance {:.0} cm would make the camera's field of view {hfov_deg:.0}°, which no webcam has; measure from your eyes to the camera again (in cm, e.g. --distance 60cm)",
        distance_m * 100.0
    )]
    ImplausibleDistance {
        /// The distance given, metres.
        distance_m: f64,
        /// The field of view it would need, degrees.
        hfov_deg: f64,
    },
}

/// Collects frames of the upright posture and makes a [`Baseline`] from their medians.
#[derive(Debug)]
pub struct Calibrator {
    camera: Optics,
    /// Every frame offered, for [`Calibrator::finish_at_distance`]'s second look.
    kept: Vec<Option<Kept>>,
    front: Vec<CalibrationFrame>,
    side: Vec<SideRaw>,
    seen: usize,
    rejected: Rejections,
    shoulders_seen: usize,
    shoulders_out: usize,
}

impl Calibrator {
    /// Start a calibration for a camera.
    pub fn new(camera: Optics) -> Self {
        Calibrator {
            camera,
            kept: Vec::new(),
            front: Vec::new(),
            side: Vec::new(),
            seen: 0,
            rejected: Rejections::default(),
            shoulders_seen: 0,
            shoulders_out: 0,
        }
    }

    /// Offer one frame (`None`: nobody in it). Returns whether it was used: frames with an
    /// implausible skeleton, a three-quarter or unknown view, or the needed key points not
    /// confidently seen are rejected.
    pub fn add(&mut self, obs: Option<&Observation>) -> bool {
        self.seen += 1;
        self.kept.push(obs.map(|o| Kept {
            landmarks: o.landmarks.to_vec(),
            world: o.world.map(<[[f32; 3]]>::to_vec),
            width: o.width,
            height: o.height,
            shoulder_tops: o.shoulder_tops,
            face: o.face,
        }));
        let Some(obs) = obs else {
            self.rejected.no_person += 1;
            return false;
        };
        if plausibility(obs) < 1.0 {
            self.rejected.implausible += 1;
            return false;
        }
        let (view, yaw_deg) = view::classify_with_yaw(obs.landmarks, obs.width, obs.height);
        match view {
            View::Front => match CalibrationFrame::new(obs, &self.camera, yaw_deg) {
                Some(frame) => {
                    match front::shoulders(obs) {
                        Ok(_) => self.shoulders_seen += 1,
                        Err(NoShoulders::BelowFrame) => self.shoulders_out += 1,
                        Err(NoShoulders::NotVisible) => {}
                    }
                    self.front.push(frame);
                    true
                }
                None => {
                    self.rejected.face_not_seen += 1;
                    false
                }
            },
            v @ (View::SideLeft | View::SideRight) => {
                match SideRaw::new(obs, &self.camera, v).filter(|r| r.cva_deg.is_some()) {
                    Some(r) => {
                        self.side.push(r);
                        true
                    }
                    None => {
                        self.rejected.side_incomplete += 1;
                        false
                    }
                }
            }
            View::ThreeQuarter => {
                self.rejected.turned += 1;
                false
            }
            View::Unknown => {
                self.rejected.face_not_seen += 1;
                false
            }
        }
    }

    /// Frames offered so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Frames usable so far.
    pub fn usable(&self) -> usize {
        self.front.len() + self.side.len()
    }

    /// Whether most frames with a person showed them from the side (a camera beside the
    /// desk): the side frames used and those rejected as incomplete side views, against all
    /// frames with a person.
    pub fn shows_a_side_view(&self) -> bool {
        let with_person = self.seen - self.rejected.no_person;
        let side = self.side.len() + self.rejected.side_incomplete;
        with_person > 0 && 2 * side > with_person
    }

    /// What to change when too few frames were usable: the commonest reason frames were
    /// rejected (all of them on a tie), with its count.
    fn advice(&self) -> String {
        let r = &self.rejected;
        let reasons = [
            (r.no_person, "frames showed nobody: sit in front of the camera, in good light"),
            (
                r.face_not_seen,
                "frames did not show the whole face (eyes, ears, nose, mouth): face the camera with your head in the frame and light it from the front",
            ),
            (r.turned, "frames showed the head turned: look straight at the screen"),
            (
                r.implausible,
                "frames confused the pose model: sit back so your head and shoulders are both in view",
            ),
            (
                r.side_incomplete,
                "side-view frames lacked what a side view needs (an ear and the shoulder of the same side, and world landmarks): turn the camera so one side of you is fully in view, and analyse the frames with the pose model",
            ),
        ];
        let worst = reasons.iter().map(|(n, _)| *n).max().unwrap_or(0);
        let tips: Vec<String> = reasons
            .iter()
            .filter(|(n, _)| worst > 0 && *n == worst)
            .map(|(n, tip)| format!("{n} {tip}"))
            .collect();
        if tips.is_empty() {
            "sit upright facing the camera, in good light, and try again".to_owned()
        } else {
            tips.join("; ")
        }
    }

    /// The baseline from the medians of the frames used. Refused when fewer than half of
    /// the frames offered could be used.
    pub fn finish(self, source: String, created: jiff::Timestamp) -> Result<Baseline, TooFewFrames> {
        let usable = self.usable();
        if usable == 0 || usable * 2 < self.seen {
            let advice = self.advice();
            return Err(TooFewFrames { seen: self.seen, usable, rejected: self.rejected, advice });
        }
        let front = front::calibrate(&self.front, &self.camera);
        let side = (!self.side.is_empty()).then(|| {
            let mo = |f: fn(&SideRaw) -> Option<f64>| median(self.side.iter().filter_map(f));
            SideBaseline {
                frames: self.side.len(),
                cva_deg: mo(|r| r.cva_deg).expect("side frames have a CVA"),
                tragus_ahead_of_c7_m: mo(|r| r.tragus_ahead_of_c7_m).expect("side frames have a scale"),
                points: side_points(&self.side),
            }
        });
        if front.is_none() && side.is_none() {
            let advice = self.advice();
            return Err(TooFewFrames { seen: self.seen, usable: 0, rejected: self.rejected, advice });
        }
        Ok(Baseline {
            format: FORMAT,
            created,
            source,
            camera_hfov_deg: self.camera.hfov_deg,
            camera_hfov_known: self.camera.hfov_known,
            measured_distance_m: None,
            camera_pitch_deg: self.camera.pitch_deg,
            frames_seen: self.seen,
            model: None,
            front,
            side,
        })
    }

    /// The baseline, as [`Calibrator::finish`], with the camera's field of view fixed so
    /// that the eyes' median distance in the front frames is `distance_m`, the distance the
    /// person measured from their eyes to the camera. The face's size in pixels gives its
    /// distance through the focal length times the face's real size: fixing the product at
    /// a known distance makes later distances right for this camera *and* this face. The
    /// frames are looked at again with each new field of view until the distance agrees to
    /// 0.5 %.
    pub fn finish_at_distance(
        self,
        distance_m: f64,
        source: String,
        created: jiff::Timestamp,
    ) -> Result<Baseline, CalibrationError> {
        let kept = self.kept.clone();
        let mut camera = Optics { hfov_known: true, ..self.camera };
        let mut baseline = self.finish(source.clone(), created)?;
        for _ in 0..MAX_DISTANCE_ROUNDS {
            let Some(front) = &baseline.front else { return Err(CalibrationError::NoDistance) };
            let eyes = mid3(front.template.points[point::LEFT_EYE], front.template.points[point::RIGHT_EYE]);
            // the eyes' distance in each front frame, as the viewing distance measures it
            let distances = kept.iter().flatten().filter_map(|k| {
                let obs = k.observation();
                (view::classify(obs.landmarks, obs.width, obs.height) == View::Front)
                    .then(|| head::fit(&obs, camera.focal_px(obs.width), &front.template))
                    .flatten()
                    .map(|pose| norm3(pose.place(eyes)) * 100.0)
            });
            let Some(seen_cm) = median(distances) else {
                return Err(CalibrationError::NoDistance);
            };
            if (seen_cm / 100.0 / distance_m - 1.0).abs() < DISTANCE_AGREEMENT {
                break;
            }
            // a face's distance is proportional to the focal length, which goes as
            // 1 / tan(hfov / 2)
            let half = (camera.hfov_deg.to_radians() / 2.0).tan() * (seen_cm / 100.0) / distance_m;
            let hfov_deg = 2.0 * half.atan().to_degrees();
            if !(MIN_HFOV_DEG..=MAX_HFOV_DEG).contains(&hfov_deg) {
                return Err(CalibrationError::ImplausibleDistance { distance_m, hfov_deg });
            }
            camera.hfov_deg = hfov_deg;
            let mut again = Calibrator::new(camera);
            for k in &kept {
                again.add(k.as_ref().map(Kept::observation).as_ref());
            }
            baseline = again.finish(source.clone(), created)?;
        }
        Ok(Baseline { camera_hfov_known: true, measured_distance_m: Some(distance_m), ..baseline })
    }

    /// What to change so the shoulders are measured, when the front frames did not show
    /// them within reach; `None` when they did (or there were no front frames).
    pub fn shoulder_advice(&self) -> Option<String> {
        if self.front.is_empty() || self.shoulders_seen * 2 >= self.front.len() {
            return None;
        }
        Some(if self.shoulders_out > 0 {
            format!(
                "the shoulders were more than {:.0} % of the frame height below its bottom edge in {} of {} frames: tilt the camera down a little or sit further back so they come into view; craniovertebral angle, head-forward, shoulder rounding and elevation need them",
                SHOULDER_MARGIN * 100.0,
                self.shoulders_out,
                self.front.len()
            )
        } else {
            format!(
                "the shoulders were not confidently seen in {} of {} frames: light them and keep them in view; craniovertebral angle, head-forward, shoulder rounding and elevation need them",
                self.front.len() - self.shoulders_seen,
                self.front.len()
            )
        })
    }
}
