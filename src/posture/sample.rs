//! The posture stage's data: one frame's landmarks in, the measures out, and the camera
//! geometry they assume.

use serde::Serialize;

use super::view::View;
use crate::pose::{Face, Landmark, PoseData};

/// One frame's landmarks, as plain data.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The 33 BlazePose landmarks, image pixels.
    pub landmarks: &'a [Landmark],
    /// The 33 world landmarks (metres), when the estimator provides them.
    pub world: Option<&'a [[f32; 3]]>,
    /// Frame width, pixels.
    pub width: u32,
    /// Frame height, pixels.
    pub height: u32,
    /// The silhouette's top edge above the left and right shoulder (image x, y), when known.
    pub shoulder_tops: Option<[[f32; 2]; 2]>,
    /// What the face mesh found of the face (the points the head's pitch is fitted to), when
    /// known.
    pub face: Option<Face>,
}

impl<'a> Observation<'a> {
    /// Landmarks alone, with no silhouette and no face mesh (synthetic landmarks, or those of
    /// another pose estimator).
    pub fn landmarks_only(
        landmarks: &'a [Landmark],
        world: Option<&'a [[f32; 3]]>,
        width: u32,
        height: u32,
    ) -> Self {
        Observation { landmarks, world, width, height, shoulder_tops: None, face: None }
    }

    /// The landmarks of `pose` in a `width × height` frame.
    pub fn of(pose: &'a PoseData, width: u32, height: u32) -> Self {
        Observation {
            landmarks: &pose.landmarks,
            world: pose.world.as_deref(),
            width,
            height,
            shoulder_tops: pose.shoulder_tops,
            face: pose.face,
        }
    }
}

/// The camera's geometry, as far as the measures need it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Optics {
    /// Horizontal field of view, degrees (`--camera-hfov`; laptop webcams are ≈ 60–80°).
    pub hfov_deg: f64,
    /// Whether the field of view is known — given by the user, or fixed by a calibration at
    /// a distance the user measured (`calibrate --distance`) — rather than assumed. An
    /// absolute viewing distance needs it: with an assumed one it is only relative.
    pub hfov_known: bool,
    /// How far the camera looks up from the horizontal, degrees (`--camera-pitch`; negative:
    /// looking down). A laptop whose screen leans back looks up by ≈ 10–20°; a webcam on top
    /// of a monitor often looks down. It sets which way is horizontal.
    pub pitch_deg: f64,
}

impl Default for Optics {
    fn default() -> Self {
        Optics { hfov_deg: 70.0, hfov_known: false, pitch_deg: 0.0 }
    }
}

impl Optics {
    /// Focal length in pixels for a frame `width` pixels wide (pinhole model).
    pub fn focal_px(&self, width: u32) -> f64 {
        f64::from(width) / 2.0 / (self.hfov_deg.to_radians() / 2.0).tan()
    }
}

/// How far the front estimate of shoulder rounding is off, degrees: the largest error on
/// the rendered bodies of known posture (protraction of 4–14.5° read as 1–6°: 11.9° off on
/// camera A at 50 cm, 14.7° on camera B at 70 cm; `docs/measures.md`).
pub const FRONT_ROUNDING_ERROR_DEG: f64 = 15.0;

/// Why a measure has no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The landmarks it needs are not confidently seen inside the frame.
    KeyPointsNotVisible,
    /// It is relative to a calibrated upright posture, and there is none.
    NeedsCalibration,
    /// It needs BlazePose's world landmarks (metric 3D), which this input lacks.
    NeedsWorldLandmarks,
    /// It cannot be measured from this camera view.
    NotInThisView,
    /// The shoulders lie further below the frame than their estimate can be trusted.
    ShouldersOutOfFrame,
    /// The calibration did not see the shoulders.
    CalibrationLacksShoulders,
    /// The value came out where no human posture is (`anatomy::*_RANGE*`): a measurement
    /// error.
    OutOfRange,
    /// Its confidence is below `--min-confidence` (the audit leaves it out).
    LowConfidence,
    /// It is a length in centimetres and the camera's field of view is not known (only a
    /// change since the calibration can be told).
    FieldOfViewUnknown,
}

impl Missing {
    /// Short human text.
    pub fn text(self) -> &'static str {
        match self {
            Missing::KeyPointsNotVisible => "key points not visible",
            Missing::NeedsCalibration => "needs calibration",
            Missing::NeedsWorldLandmarks => "needs world landmarks",
            Missing::NotInThisView => "not measurable in this view",
            Missing::ShouldersOutOfFrame => "shoulders below the frame",
            Missing::CalibrationLacksShoulders => "calibration saw no shoulders",
            Missing::OutOfRange => "outside the range a human body can take",
            Missing::LowConfidence => "below the confidence threshold",
            Missing::FieldOfViewUnknown => "camera's field of view unknown",
        }
    }

    /// The reason whose [`Missing::text`] this is.
    pub fn from_text(text: &str) -> Option<Missing> {
        <Self as strum::IntoEnumIterator>::iter().find(|m| m.text() == text)
    }
}

/// One measure: a value with its confidence and method, or the reason there is none.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measure {
    /// The value, in the measure's unit.
    pub value: Option<f64>,
    /// 0–1: the weakest visibility among the landmarks used, lowered for views where the
    /// method is less reliable (three-quarter) and for implausible skeletons.
    pub confidence: f64,
    /// How it was computed (see `docs/measures.md`).
    pub method: Option<&'static str>,
    /// Why there is no value.
    pub missing: Option<Missing>,
}

impl Measure {
    pub(crate) fn ok(value: f64, confidence: f64, method: &'static str) -> Self {
        Measure {
            value: Some(value),
            confidence: confidence.clamp(0.0, 1.0),
            method: Some(method),
            missing: None,
        }
    }
    pub(crate) fn missing(why: Missing) -> Self {
        Measure { value: None, confidence: 0.0, method: None, missing: Some(why) }
    }
}

/// The measures, in output order. Their names (`cva_deg`, …) are the JSON keys, config
/// keys and database columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::EnumCount, strum::EnumIter, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum MeasureId {
    /// Craniovertebral angle (head forward), degrees; lower is worse.
    CvaDeg,
    /// Forward translation of the head relative to the shoulders since calibration, cm.
    HeadForwardCm,
    /// Shoulder protraction since calibration, degrees (positive = rounded forward).
    ShoulderRoundingDeg,
    /// Neck flexion, degrees (positive = head down / forward).
    NeckFlexionDeg,
    /// Lateral head tilt, degrees (positive = towards the left shoulder).
    HeadTiltDeg,
    /// Shoulder-line tilt, degrees (positive = left shoulder lower).
    ShoulderTiltDeg,
    /// Ear-to-shoulder distance over the calibrated one (below 1 = shoulders drawn up).
    ShoulderElevation,
    /// Trunk inclination from vertical, degrees (positive = leaning forward).
    TrunkInclinationDeg,
    /// Eyes to camera, cm.
    ViewingDistanceCm,
    /// Left elbow angle, degrees (180 = straight arm).
    ElbowAngleLeftDeg,
    /// Right elbow angle, degrees.
    ElbowAngleRightDeg,
}

impl MeasureId {
    /// How many measures there are.
    pub const COUNT: usize = <Self as strum::EnumCount>::COUNT;

    /// Every measure, in output order.
    pub fn all() -> impl Iterator<Item = MeasureId> {
        <Self as strum::IntoEnumIterator>::iter()
    }

    /// The name used in JSON, config and the database (`cva_deg`, …).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The measure of a name (see [`MeasureId::name`]).
    pub fn from_name(name: &str) -> Option<MeasureId> {
        name.parse().ok()
    }

    /// Human label with unit.
    pub fn label(self) -> &'static str {
        match self {
            MeasureId::CvaDeg => "craniovertebral angle",
            MeasureId::HeadForwardCm => "head forward",
            MeasureId::ShoulderRoundingDeg => "shoulder rounding",
            MeasureId::NeckFlexionDeg => "neck flexion",
            MeasureId::HeadTiltDeg => "head tilt",
            MeasureId::ShoulderTiltDeg => "shoulder tilt",
            MeasureId::ShoulderElevation => "shoulder elevation",
            MeasureId::TrunkInclinationDeg => "trunk inclination",
            MeasureId::ViewingDistanceCm => "viewing distance",
            MeasureId::ElbowAngleLeftDeg => "left elbow angle",
            MeasureId::ElbowAngleRightDeg => "right elbow angle",
        }
    }

    /// Whether a value taken from `view` is judged against the thresholds (and may open a
    /// finding). Shoulder rounding is judged only from the side: from the front the
    /// shoulders' forward shift is a few per cent change of their scale, and the front
    /// estimate is shown as what it is (off by up to [`FRONT_ROUNDING_ERROR_DEG`]), never
    /// judged. Every other measure is judged from any view that gives it.
    pub fn judged_in(self, view: Option<View>) -> bool {
        self != MeasureId::ShoulderRoundingDeg || matches!(view, Some(View::SideLeft | View::SideRight))
    }

    /// Unit suffix for display.
    pub fn unit(self) -> &'static str {
        match self {
            MeasureId::HeadForwardCm | MeasureId::ViewingDistanceCm => " cm",
            MeasureId::ShoulderElevation => "×",
            _ => "°",
        }
    }
}

/// One value per measure, indexed by [`MeasureId`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Measures<T>([T; MeasureId::COUNT]);

impl<T> Measures<T> {
    /// The value of every measure from `f`.
    pub fn from_fn(mut f: impl FnMut(MeasureId) -> T) -> Self {
        let mut ids = MeasureId::all();
        Measures(std::array::from_fn(|_| f(ids.next().expect("one id per measure"))))
    }

    /// Every measure with its value, in output order.
    pub fn iter(&self) -> impl Iterator<Item = (MeasureId, &T)> {
        MeasureId::all().zip(&self.0)
    }

    /// The values, in output order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    /// Another value per measure, from each one's.
    pub fn map<U>(&self, mut f: impl FnMut(MeasureId, &T) -> U) -> Measures<U> {
        Measures::from_fn(|id| f(id, &self[id]))
    }
}

impl<T: Default> Default for Measures<T> {
    fn default() -> Self {
        Measures::from_fn(|_| T::default())
    }
}

impl<T> std::ops::Index<MeasureId> for Measures<T> {
    type Output = T;
    fn index(&self, id: MeasureId) -> &T {
        &self.0[id as usize]
    }
}

impl<T> std::ops::IndexMut<MeasureId> for Measures<T> {
    fn index_mut(&mut self, id: MeasureId) -> &mut T {
        &mut self.0[id as usize]
    }
}

/// The posture measures of one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameMeasures {
    /// Camera view.
    pub view: View,
    /// The measures.
    pub measures: Measures<Measure>,
    /// How much nearer (negative) or further the head is than at the calibration, as a
    /// fraction of the calibrated distance (−0.12: 12 % closer). It needs no known field of
    /// view; `None` without a front calibration or a face fit.
    pub distance_change: Option<f64>,
}

impl FrameMeasures {
    /// One measure.
    pub fn get(&self, id: MeasureId) -> &Measure {
        &self.measures[id]
    }

    /// Every measure with its id.
    pub fn iter(&self) -> impl Iterator<Item = (MeasureId, &Measure)> {
        self.measures.iter()
    }
}
