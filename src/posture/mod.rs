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
mod front;
mod geometry;
pub mod head;
pub mod view;

use serde::Serialize;

use crate::pose::Landmark;
pub use calibration::Baseline;
pub use front::SHOULDER_MARGIN;
use geometry::{SideRaw, angle_deg};
pub use view::View;
use view::idx;

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
}

/// The camera's geometry, as far as the measures need it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    /// Horizontal field of view, degrees (`--camera-hfov`; laptop webcams are ≈ 60–80°).
    pub hfov_deg: f64,
    /// How far the camera looks up from the horizontal, degrees (`--camera-pitch`; negative:
    /// looking down). A laptop whose screen leans back looks up by ≈ 10–20°; a webcam on top
    /// of a monitor often looks down. It sets which way is horizontal.
    pub pitch_deg: f64,
}

impl Default for Camera {
    fn default() -> Self {
        Camera { hfov_deg: 70.0, pitch_deg: 0.0 }
    }
}

impl Camera {
    /// Focal length in pixels for a frame `width` pixels wide (pinhole model).
    pub fn focal_px(&self, width: u32) -> f64 {
        f64::from(width) / 2.0 / (self.hfov_deg.to_radians() / 2.0).tan()
    }
}

/// Why a measure has no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
        }
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
    fn ok(value: f64, confidence: f64, method: &'static str) -> Self {
        Measure {
            value: Some(value),
            confidence: confidence.clamp(0.0, 1.0),
            method: Some(method),
            missing: None,
        }
    }
    fn missing(why: Missing) -> Self {
        Measure { value: None, confidence: 0.0, method: None, missing: Some(why) }
    }
}

/// The measures of one frame, in the order [`MeasureId::ALL`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
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
    /// Every measure, in output order.
    pub const ALL: [MeasureId; 11] = [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::ShoulderRoundingDeg,
        MeasureId::NeckFlexionDeg,
        MeasureId::HeadTiltDeg,
        MeasureId::ShoulderTiltDeg,
        MeasureId::ShoulderElevation,
        MeasureId::TrunkInclinationDeg,
        MeasureId::ViewingDistanceCm,
        MeasureId::ElbowAngleLeftDeg,
        MeasureId::ElbowAngleRightDeg,
    ];

    /// The name used in JSON and config (`cva_deg`, …).
    pub fn name(self) -> &'static str {
        match self {
            MeasureId::CvaDeg => "cva_deg",
            MeasureId::HeadForwardCm => "head_forward_cm",
            MeasureId::ShoulderRoundingDeg => "shoulder_rounding_deg",
            MeasureId::NeckFlexionDeg => "neck_flexion_deg",
            MeasureId::HeadTiltDeg => "head_tilt_deg",
            MeasureId::ShoulderTiltDeg => "shoulder_tilt_deg",
            MeasureId::ShoulderElevation => "shoulder_elevation",
            MeasureId::TrunkInclinationDeg => "trunk_inclination_deg",
            MeasureId::ViewingDistanceCm => "viewing_distance_cm",
            MeasureId::ElbowAngleLeftDeg => "elbow_angle_left_deg",
            MeasureId::ElbowAngleRightDeg => "elbow_angle_right_deg",
        }
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

    /// Unit suffix for display.
    pub fn unit(self) -> &'static str {
        match self {
            MeasureId::HeadForwardCm | MeasureId::ViewingDistanceCm => " cm",
            MeasureId::ShoulderElevation => "×",
            _ => "°",
        }
    }
}

/// The posture measures of one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PostureSample {
    /// Camera view.
    pub view: View,
    /// The measures, indexed like [`MeasureId::ALL`].
    pub measures: [Measure; 11],
}

impl PostureSample {
    /// One measure.
    pub fn get(&self, id: MeasureId) -> &Measure {
        &self.measures[id as usize]
    }

    /// Every measure with its id.
    pub fn iter(&self) -> impl Iterator<Item = (MeasureId, &Measure)> {
        MeasureId::ALL.into_iter().zip(&self.measures)
    }
}

/// Confidence factor for front-view methods used on a three-quarter view.
const THREE_QUARTER_FACTOR: f64 = 0.6;
/// Confidence factor for a side-view neck flexion without hips (trunk assumed upright).
const NO_TRUNK_FACTOR: f64 = 0.7;

/// Compute every measure for one frame. `baseline` is the calibrated upright posture, if
/// any; measures that are relative to it are `None` (`needs calibration`) without it.
pub fn measure(obs: &Observation, camera: &Camera, baseline: Option<&Baseline>) -> PostureSample {
    let view = view::classify(obs.landmarks, obs.width, obs.height);
    let plausibility = geometry::plausibility(obs);
    let mut m = [Measure::missing(Missing::NotInThisView); 11];
    let set = |m: &mut [Measure; 11], id: MeasureId, v: Measure| m[id as usize] = v;
    if view != View::Unknown {
        // the hips' line when they are seen; a front view may fill it from the calibration
        set(&mut m, MeasureId::TrunkInclinationDeg, geometry::trunk_inclination(obs, view, plausibility));
    }
    match view {
        View::Front | View::ThreeQuarter => {
            let factor = if view == View::Front { 1.0 } else { THREE_QUARTER_FACTOR } * plausibility;
            front_measures(obs, camera, baseline, factor, &mut m);
        }
        View::SideLeft | View::SideRight => side_measures(obs, camera, baseline, view, plausibility, &mut m),
        View::Unknown => {
            for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::NeckFlexionDeg] {
                set(&mut m, id, Measure::missing(Missing::KeyPointsNotVisible));
            }
        }
    }
    set(&mut m, MeasureId::ElbowAngleLeftDeg, geometry::elbow_angle(obs, idx::LEFT_ELBOW, plausibility));
    set(&mut m, MeasureId::ElbowAngleRightDeg, geometry::elbow_angle(obs, idx::RIGHT_ELBOW, plausibility));
    PostureSample { view, measures: m }
}

fn front_measures(
    obs: &Observation,
    camera: &Camera,
    baseline: Option<&Baseline>,
    factor: f64,
    m: &mut [Measure; 11],
) {
    let lm = obs.landmarks;
    let ok = |i: usize| view::usable(&lm[i], obs.width, obs.height);
    let vis = |ids: &[usize]| ids.iter().map(|&i| f64::from(lm[i].visibility)).fold(1.0, f64::min);
    m[MeasureId::HeadTiltDeg as usize] = if ok(idx::LEFT_EAR) && ok(idx::RIGHT_EAR) {
        let (a, b) = (&lm[idx::LEFT_EAR], &lm[idx::RIGHT_EAR]);
        let tilt = angle_deg(f64::from(a.y - b.y), f64::from(a.x - b.x));
        Measure::ok(tilt, vis(&[idx::LEFT_EAR, idx::RIGHT_EAR]) * factor, "ear_line")
    } else {
        Measure::missing(Missing::KeyPointsNotVisible)
    };
    m[MeasureId::ShoulderTiltDeg as usize] = match front::shoulders(obs) {
        Ok(s) => {
            let (a, b) = (&lm[idx::LEFT_SHOULDER], &lm[idx::RIGHT_SHOULDER]);
            let tilt = angle_deg(f64::from(a.y - b.y), f64::from(a.x - b.x));
            Measure::ok(
                tilt,
                s.framing_factor() * vis(&[idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER]) * factor,
                "shoulder_line",
            )
        }
        Err(front::NoShoulders::BelowFrame) => Measure::missing(Missing::ShouldersOutOfFrame),
        Err(front::NoShoulders::NotVisible) => Measure::missing(Missing::KeyPointsNotVisible),
    };

    let relative = [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::ShoulderRoundingDeg,
        MeasureId::NeckFlexionDeg,
        MeasureId::ShoulderElevation,
    ];
    let f = camera.focal_px(obs.width);
    let front = baseline.and_then(|b| b.front.as_ref());
    let generic;
    let template = match front {
        Some(b) => &b.template,
        None => {
            generic = head::Template::generic();
            &generic
        }
    };
    let Some(pose) = head::fit(obs, f, template) else {
        m[MeasureId::ViewingDistanceCm as usize] = Measure::missing(Missing::KeyPointsNotVisible);
        for id in relative {
            m[id as usize] = Measure::missing(Missing::KeyPointsNotVisible);
        }
        return;
    };
    let eyes = geometry::mid3(template.points[idx::LEFT_EYE], template.points[idx::RIGHT_EYE]);
    let distance = geometry::norm3(pose.place(eyes));
    let sigma = head::depth_noise_fraction(obs) * distance;
    m[MeasureId::ViewingDistanceCm as usize] = Measure::ok(
        distance * 100.0,
        vis(&[idx::LEFT_EYE, idx::RIGHT_EYE]) * factor / (1.0 + (sigma / 0.05).powi(2)),
        "pinhole_face_fit",
    );
    let (Some(baseline), Some(front)) = (baseline, front) else {
        for id in relative {
            m[id as usize] = Measure::missing(Missing::NeedsCalibration);
        }
        return;
    };
    let est = front::estimate(obs, camera, front, &pose, factor, baseline.reference_cva_deg());
    let put = |e: front::Estimate, method: &'static str| match e {
        Ok((v, c)) => Measure::ok(v, c, method),
        Err(why) => Measure::missing(why),
    };
    m[MeasureId::CvaDeg as usize] = put(est.cva_deg, "tragus_vs_c7_vs_calibration");
    m[MeasureId::HeadForwardCm as usize] = put(est.head_forward_cm, "tragus_vs_c7_vs_calibration");
    m[MeasureId::ShoulderRoundingDeg as usize] = put(est.rounding_deg, "shoulder_shift_vs_calibration");
    m[MeasureId::NeckFlexionDeg as usize] = put(est.neck_flexion_deg, "head_pitch_vs_calibration");
    m[MeasureId::ShoulderElevation as usize] = put(est.elevation, "shoulder_rise_vs_calibration");
    if m[MeasureId::TrunkInclinationDeg as usize].value.is_none() {
        m[MeasureId::TrunkInclinationDeg as usize] = put(est.trunk_deg, "shoulder_shift_vs_calibration");
    }
}

fn side_measures(
    obs: &Observation,
    camera: &Camera,
    baseline: Option<&Baseline>,
    view: View,
    factor: f64,
    m: &mut [Measure; 11],
) {
    let Some(raw) = SideRaw::new(obs, camera, view) else {
        for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::NeckFlexionDeg] {
            m[id as usize] = Measure::missing(Missing::KeyPointsNotVisible);
        }
        return;
    };
    let c = raw.visibility * factor;
    m[MeasureId::CvaDeg as usize] = match raw.cva_deg {
        Some(cva) => Measure::ok(cva, c, "side_tragus_to_estimated_c7"),
        None => Measure::missing(Missing::NeedsWorldLandmarks),
    };
    m[MeasureId::HeadForwardCm as usize] =
        match (raw.tragus_ahead_of_c7_m, baseline.and_then(|b| b.side.as_ref())) {
            (None, _) => Measure::missing(Missing::NeedsWorldLandmarks),
            (Some(_), None) => Measure::missing(Missing::NeedsCalibration),
            (Some(now), Some(side)) => {
                Measure::ok((now - side.tragus_ahead_of_c7_m) * 100.0, c, "side_tragus_vs_calibration")
            }
        };
    m[MeasureId::NeckFlexionDeg as usize] = if raw.trunk_seen {
        Measure::ok(raw.neck_flexion_deg, c, "side_ear_shoulder_vs_trunk")
    } else {
        Measure::ok(raw.neck_flexion_deg, c * NO_TRUNK_FACTOR, "side_ear_shoulder_vs_vertical")
    };
}
