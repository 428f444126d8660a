//! Every measure of one frame, by the method its camera view allows.

use super::anatomy::{CVA_RANGE_DEG, HEAD_FORWARD_RANGE_CM, ROUNDING_RANGE_DEG};
use super::calibration::Baseline;
use super::geometry::{self, SideRaw, angle_deg};
use super::sample::{FrameMeasures, Measure, MeasureId, Measures, Missing, Observation, Optics};
use super::view::{self, View};
use super::{front, head, side};
use crate::pose::point;

/// Confidence factor for front-view methods used on a three-quarter view.
const THREE_QUARTER_FACTOR: f64 = 0.6;
/// Confidence factor for a side-view neck flexion without hips (trunk assumed upright).
const NO_TRUNK_FACTOR: f64 = 0.7;

/// Compute every measure for one frame. `baseline` is the calibrated upright posture, if
/// any; measures that are relative to it are `None` (`needs calibration`) without it.
pub fn measure(obs: &Observation, camera: &Optics, baseline: Option<&Baseline>) -> FrameMeasures {
    let view = view::classify(obs.landmarks, obs.width, obs.height);
    let plausibility = geometry::plausibility(obs);
    let mut m = Measures::from_fn(|_| Measure::missing(Missing::NotInThisView));
    let mut distance_change = None;
    let set = |m: &mut Measures<Measure>, id: MeasureId, v: Measure| m[id] = v;
    if view != View::Unknown {
        // the hips' line when they are seen; a front view may fill it from the calibration
        set(&mut m, MeasureId::TrunkInclinationDeg, geometry::trunk_inclination(obs, view, plausibility));
    }
    match view {
        View::Front | View::ThreeQuarter => {
            let factor = if view == View::Front { 1.0 } else { THREE_QUARTER_FACTOR } * plausibility;
            distance_change = front_measures(obs, camera, baseline, factor, &mut m);
        }
        View::SideLeft | View::SideRight => side_measures(obs, camera, baseline, view, plausibility, &mut m),
        View::Unknown => {
            for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::NeckFlexionDeg] {
                set(&mut m, id, Measure::missing(Missing::KeyPointsNotVisible));
            }
        }
    }
    set(&mut m, MeasureId::ElbowAngleLeftDeg, geometry::elbow_angle(obs, point::LEFT_ELBOW, plausibility));
    set(&mut m, MeasureId::ElbowAngleRightDeg, geometry::elbow_angle(obs, point::RIGHT_ELBOW, plausibility));
    FrameMeasures { view, measures: m, distance_change }
}

/// The front view's measures into `m`; returns the head's distance change since the
/// calibration (see [`FrameMeasures::distance_change`]).
fn front_measures(
    obs: &Observation,
    camera: &Optics,
    baseline: Option<&Baseline>,
    factor: f64,
    m: &mut Measures<Measure>,
) -> Option<f64> {
    let lm = obs.landmarks;
    let ok = |i: usize| view::usable(&lm[i], obs.width, obs.height);
    let vis = |ids: &[usize]| ids.iter().map(|&i| f64::from(lm[i].visibility)).fold(1.0, f64::min);
    m[MeasureId::HeadTiltDeg] = if ok(point::LEFT_EAR) && ok(point::RIGHT_EAR) {
        let (a, b) = (&lm[point::LEFT_EAR], &lm[point::RIGHT_EAR]);
        let tilt = angle_deg(f64::from(a.y - b.y), f64::from(a.x - b.x));
        Measure::ok(tilt, vis(&[point::LEFT_EAR, point::RIGHT_EAR]) * factor, "ear_line")
    } else {
        Measure::missing(Missing::KeyPointsNotVisible)
    };
    m[MeasureId::ShoulderTiltDeg] = match front::shoulders(obs) {
        Ok(s) => {
            let (a, b) = (&lm[point::LEFT_SHOULDER], &lm[point::RIGHT_SHOULDER]);
            let tilt = angle_deg(f64::from(a.y - b.y), f64::from(a.x - b.x));
            Measure::ok(
                tilt,
                s.framing_factor() * vis(&[point::LEFT_SHOULDER, point::RIGHT_SHOULDER]) * factor,
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
        m[MeasureId::ViewingDistanceCm] = Measure::missing(Missing::KeyPointsNotVisible);
        for id in relative {
            m[id] = Measure::missing(Missing::KeyPointsNotVisible);
        }
        return None;
    };
    let eyes = geometry::mid3(template.points[point::LEFT_EYE], template.points[point::RIGHT_EYE]);
    let distance = geometry::norm3(pose.place(eyes));
    let sigma = head::depth_noise_fraction(obs) * distance;
    m[MeasureId::ViewingDistanceCm] = if camera.hfov_known {
        Measure::ok(
            distance * 100.0,
            vis(&[point::LEFT_EYE, point::RIGHT_EYE]) * factor / (1.0 + (sigma / 0.05).powi(2)),
            "pinhole_face_fit",
        )
    } else {
        // the face's size in pixels gives its distance only through the focal length
        Measure::missing(Missing::FieldOfViewUnknown)
    };
    let distance_change = front
        .map(|b| geometry::norm3(pose.ear_mid) / b.framing.ear_distance_m - 1.0)
        .filter(|c| c.is_finite());
    let (Some(baseline), Some(front)) = (baseline, front) else {
        for id in relative {
            m[id] = Measure::missing(Missing::NeedsCalibration);
        }
        return distance_change;
    };
    let est = front::estimate(obs, camera, front, &pose, factor, baseline.reference_cva_deg());
    m[MeasureId::CvaDeg] = measured(est.cva_deg, "tragus_vs_c7_vs_calibration");
    m[MeasureId::HeadForwardCm] = measured(est.head_forward_cm, "tragus_vs_c7_vs_calibration");
    m[MeasureId::ShoulderRoundingDeg] = measured(est.rounding_deg, "shoulder_shift_vs_calibration");
    m[MeasureId::NeckFlexionDeg] = measured(est.neck_flexion_deg, est.pitch_method);
    m[MeasureId::ShoulderElevation] = measured(est.elevation, "shoulder_rise_vs_calibration");
    if m[MeasureId::TrunkInclinationDeg].value.is_none() {
        m[MeasureId::TrunkInclinationDeg] = measured(est.trunk_deg, "shoulder_shift_vs_calibration");
    }
    distance_change
}

/// The measure an estimate gives, by `method`, or why there is none.
fn measured(e: front::Estimate, method: &'static str) -> Measure {
    match e {
        Ok((v, c)) => Measure::ok(v, c, method),
        Err(why) => Measure::missing(why),
    }
}

fn side_measures(
    obs: &Observation,
    camera: &Optics,
    baseline: Option<&Baseline>,
    view: View,
    factor: f64,
    m: &mut Measures<Measure>,
) {
    let Some(raw) = SideRaw::new(obs, camera, view) else {
        for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::NeckFlexionDeg] {
            m[id] = Measure::missing(Missing::KeyPointsNotVisible);
        }
        return;
    };
    let c = raw.visibility * factor;
    m[MeasureId::NeckFlexionDeg] = if raw.trunk_seen {
        Measure::ok(raw.neck_flexion_deg, c, "side_ear_shoulder_vs_trunk")
    } else {
        Measure::ok(raw.neck_flexion_deg, c * NO_TRUNK_FACTOR, "side_ear_shoulder_vs_vertical")
    };
    let side = baseline.and_then(|b| b.side.as_ref());
    // against a side calibration: C7 where it was, unless the trunk leaned
    if let Some(points) = side.and_then(|s| s.points.as_ref()) {
        match side::estimate(obs, camera, view, points) {
            Some(e) => {
                let c = e.visibility * factor;
                let ranged = |v, range, method| measured(front::ranged(v, range, c), method);
                m[MeasureId::CvaDeg] = ranged(e.cva_deg, CVA_RANGE_DEG, "side_tragus_vs_calibrated_c7");
                m[MeasureId::HeadForwardCm] =
                    ranged(e.head_forward_cm, HEAD_FORWARD_RANGE_CM, "side_tragus_vs_calibrated_c7");
                m[MeasureId::ShoulderRoundingDeg] =
                    ranged(e.rounding_deg, ROUNDING_RANGE_DEG, "side_shoulder_shift_vs_calibration");
            }
            None => {
                for id in [MeasureId::CvaDeg, MeasureId::HeadForwardCm, MeasureId::ShoulderRoundingDeg] {
                    m[id] = Measure::missing(Missing::KeyPointsNotVisible);
                }
            }
        }
        return;
    }
    m[MeasureId::CvaDeg] = match raw.cva_deg {
        Some(cva) => Measure::ok(cva, c, "side_tragus_to_estimated_c7"),
        None => Measure::missing(Missing::NeedsWorldLandmarks),
    };
    m[MeasureId::HeadForwardCm] = match (raw.tragus_ahead_of_c7_m, side) {
        (None, _) => Measure::missing(Missing::NeedsWorldLandmarks),
        (Some(_), None) => Measure::missing(Missing::NeedsCalibration),
        (Some(now), Some(side)) => {
            Measure::ok((now - side.tragus_ahead_of_c7_m) * 100.0, c, "side_tragus_vs_calibration")
        }
    };
    m[MeasureId::ShoulderRoundingDeg] = Measure::missing(Missing::NeedsCalibration);
}
