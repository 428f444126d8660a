//! The rendered ground-truth set (`tests/fixtures/render/`): bodies of known posture seen
//! by two virtual webcams. Runs the real pose model on the frames, calibrates on each body's
//! `base` frames and compares every measure with the truth measured on the posed mesh.

use std::collections::BTreeMap;

use ergoaudit::capture::read_image;
use ergoaudit::pose::{BlazePose, Pose, PoseEstimator};
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::posture::{FrameMeasures, MeasureId, Observation, Optics, measure};
use image::RgbImage;
use serde_json::Value;

use super::fixture;

/// The three bodies.
pub const SHAPES: [&str; 3] = ["heavy_man", "slim_woman", "mid_shape"];

/// The trimmed `truth.json`.
pub fn truth() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("render/truth.json")).unwrap()).unwrap()
}

/// One frame: its measures and its truth.
pub struct Measured {
    /// The sequence (`base`, `protrude`, …).
    pub sequence: String,
    /// The frame's index in it.
    pub index: usize,
    /// The measures (`None` when nobody was found).
    pub sample: Option<FrameMeasures>,
    /// The truth's `derived` object.
    pub derived: Value,
    /// The sequence's `base_truth`.
    pub base: Value,
    /// The frame's `pose_params`.
    pub params: Value,
}

impl Measured {
    /// A measure's value.
    pub fn value(&self, id: MeasureId) -> Option<f64> {
        self.sample.as_ref().and_then(|s| s.get(id).value)
    }

    /// A truth field of `derived.delta`.
    pub fn delta(&self, key: &str) -> f64 {
        self.derived["delta"][key].as_f64().unwrap()
    }
}

/// The camera of a body/camera pair: its field of view, and its tilt from the rotation
/// (rows: camera axes in the model frame, z up).
pub fn camera(truth: &Value, shape: &str, cam: &str) -> Optics {
    let c = &truth["sequences"][format!("{shape}/{cam}/base")]["camera"];
    let r = &c["R_model_to_cam"];
    let up = [r[0][2].as_f64().unwrap(), r[1][2].as_f64().unwrap(), r[2][2].as_f64().unwrap()];
    // world up in camera axes is (0, −cos β, sin β) for a camera looking up by β
    let pitch = up[2].atan2(-up[1]).to_degrees();
    Optics { hfov_deg: c["hfov_deg"].as_f64().unwrap(), hfov_known: true, pitch_deg: pitch }
}

/// How a body is calibrated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// With the camera's field of view given.
    FieldOfView,
    /// With the field of view assumed (70°, as without `--camera-hfov`) and fixed by the
    /// eye-to-camera distance of the `base` frames (their median), as `calibrate --distance`.
    Distance,
    /// With the field of view assumed and nothing to fix it: distances only relative.
    Assumed,
}

/// Where the pose model puts the shoulders' midpoint in a body's first `base` frame, pixels
/// from the top.
pub fn shoulder_row(pose: &mut BlazePose, shape: &str, cam: &str) -> f64 {
    let frame = read_image(&fixture(&format!("render/{shape}/{cam}/base/frame_00.jpg"))).unwrap();
    let p = estimate(pose, &frame.image).expect("a person in the base frame");
    f64::from(p.landmarks[11].y + p.landmarks[12].y) / 2.0
}

/// The pose in `image`, found on its own (the detector run, as MediaPipe's static mode).
pub fn estimate(pose: &mut BlazePose, image: &RgbImage) -> Option<Pose> {
    pose.reset();
    pose.estimate(image).unwrap()
}

/// What the posture stage is given of `p`, found in `image`.
pub fn observe<'a>(p: &'a Pose, image: &RgbImage) -> Observation<'a> {
    Observation {
        landmarks: &p.landmarks,
        world: Some(&p.world_landmarks),
        width: image.width(),
        height: image.height(),
        shoulder_tops: p.shoulder_tops,
        face: p.face,
    }
}

/// Measure the `sequences` of one body and camera, each frame on its own (the detector runs
/// on every frame, as MediaPipe's static mode), calibrated on its `base` frames. With
/// `crop_below`, every frame is cut (from the top) so that the shoulders the model finds in
/// the first base frame lie that fraction of the new height below its bottom edge; the
/// camera's tilt then takes the shift of the image centre.
pub fn measure_body(
    pose: &mut BlazePose,
    truth: &Value,
    shape: &str,
    cam: &str,
    sequences: &[&str],
    crop_below: Option<f64>,
    scale: Scale,
) -> Vec<Measured> {
    let mut camera = camera(truth, shape, cam);
    if scale != Scale::FieldOfView {
        camera = Optics { pitch_deg: camera.pitch_deg, ..Optics::default() };
    }
    let full_height = truth["sequences"][format!("{shape}/{cam}/base")]["camera"]["height"].as_u64().unwrap();
    let height = crop_below.map(|p| (shoulder_row(pose, shape, cam) / (1.0 + p)).round() as u32);
    if let Some(h) = height {
        let f = camera.focal_px(truth["cameras"][cam]["width"].as_u64().unwrap() as u32);
        camera.pitch_deg += ((full_height as f64 - f64::from(h)) / 2.0 / f).atan().to_degrees();
    }
    let load = |file: &str| {
        let image = read_image(&fixture(&format!("render/{file}"))).unwrap().image;
        match height {
            Some(h) => image::imageops::crop_imm(&image, 0, 0, image.width(), h).to_image(),
            None => image,
        }
    };
    let frames_of = |seq: &str| truth["sequences"][format!("{shape}/{cam}/{seq}")].clone();

    let mut calibrator = Calibrator::new(camera);
    for f in frames_of("base")["frames"].as_array().unwrap() {
        let image = load(f["file"].as_str().unwrap());
        let found = estimate(pose, &image);
        calibrator.add(found.as_ref().map(|p| observe(p, &image)).as_ref());
    }
    let name = format!("{shape}/{cam}");
    let baseline = if scale == Scale::Distance {
        let eyes_m = |f: &Value| f["derived"]["camera_to_eyes_cm"].as_f64().unwrap() / 100.0;
        let base = frames_of("base");
        let mut distances: Vec<f64> = base["frames"].as_array().unwrap().iter().map(eyes_m).collect();
        distances.sort_by(f64::total_cmp);
        calibrator
            .finish_at_distance(distances[distances.len() / 2], name, jiff::Timestamp::UNIX_EPOCH)
            .unwrap()
    } else {
        calibrator.finish(name, jiff::Timestamp::UNIX_EPOCH).unwrap()
    };
    let camera = Optics { pitch_deg: camera.pitch_deg, ..baseline.optics() };

    let mut out = Vec::new();
    for &seq in sequences {
        let s = frames_of(seq);
        for (index, f) in s["frames"].as_array().unwrap().iter().enumerate() {
            let image = load(f["file"].as_str().unwrap());
            let found = estimate(pose, &image);
            let sample = found.as_ref().map(|p| measure(&observe(p, &image), &camera, Some(&baseline)));
            out.push(Measured {
                sequence: seq.to_owned(),
                index,
                sample,
                derived: f["derived"].clone(),
                base: s["base_truth"].clone(),
                params: f["pose_params"].clone(),
            });
        }
    }
    out
}

/// The figures the table asks for, for one body and camera.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// CVA spread over the base frames, degrees.
    pub base_cva_spread: f64,
    /// Chin poke 0.5–3.5 cm: head-forward error, median and largest, cm.
    pub poke_forward: (f64, f64),
    /// Chin poke: largest CVA-change error, degrees.
    pub poke_cva: f64,
    /// Chin poke: the largest neck flexion it reads as, degrees.
    pub poke_flexion: f64,
    /// Flexion 5–25°: largest neck-flexion error, degrees.
    pub flexion_error: f64,
    /// Flexion of 25°: the reading, degrees.
    pub flexion_25: f64,
    /// Shrug: largest shoulder-elevation error against the mesh's gap ratio.
    pub shrug: f64,
    /// Protraction: the readings (degrees) and the largest error.
    pub rounding: (Vec<f64>, f64),
    /// Lean 4–12°: largest trunk-inclination, head-forward (cm) and CVA-change errors.
    pub lean: (f64, f64, f64),
    /// Combined postures: largest head-forward (cm), CVA-change, neck-flexion and elevation
    /// errors.
    pub combined: (f64, f64, f64, f64),
    /// Drift (head forward 0–3 cm with yaw and roll): median and largest head-forward and
    /// CVA-change errors.
    pub drift: (f64, f64, f64, f64),
    /// Viewing distance: median and largest error, cm.
    pub distance: (f64, f64),
    /// Head tilt against the drift's roll: largest error, degrees.
    pub tilt: f64,
    /// Share of the frames with a value, per measure.
    pub availability: BTreeMap<&'static str, f64>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let avail: Vec<String> =
            self.availability.iter().map(|(k, v)| format!("{k} {:.0}%", v * 100.0)).collect();
        write!(
            f,
            "base CVA spread {:.1}° | chin poke: head-forward err median {:.2} max {:.2} cm, CVA change err {:.1}°, flexion {:.1}° | \
             flexion 5–25° err {:.1}°, 25° reads {:.1}° | shrug err {:.3} | rounding {:?} err {:.1}° | \
             lean: trunk {:.1}° head-forward {:.2} cm CVA {:.1}° | combined: head-forward {:.2} cm CVA {:.1}° \
             flexion {:.1}° elevation {:.3} | drift: head-forward median {:.2} max {:.2} cm, CVA median {:.1} max {:.1}° | \
             viewing distance err median {:.1} max {:.1} cm | head tilt err {:.1}° | values: {}",
            self.base_cva_spread,
            self.poke_forward.0,
            self.poke_forward.1,
            self.poke_cva,
            self.poke_flexion,
            self.flexion_error,
            self.flexion_25,
            self.shrug,
            self.rounding.0.iter().map(|r| (r * 10.0).round() / 10.0).collect::<Vec<_>>(),
            self.rounding.1,
            self.lean.0,
            self.lean.1,
            self.lean.2,
            self.combined.0,
            self.combined.1,
            self.combined.2,
            self.combined.3,
            self.drift.0,
            self.drift.1,
            self.drift.2,
            self.drift.3,
            self.distance.0,
            self.distance.1,
            self.tilt,
            avail.join(", ")
        )
    }
}

/// The median (NaN for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The largest magnitude (0 for none).
pub fn largest(v: impl IntoIterator<Item = f64>) -> f64 {
    v.into_iter().map(f64::abs).fold(0.0, f64::max)
}

/// The calibration posture's CVA the measures assume (the population normal).
const CVA_REFERENCE: f64 = 50.6;

/// Work out the figures from a body's measured frames (every sequence measured).
pub fn figures(frames: &[Measured]) -> Figures {
    let seq = |name: &str, from: usize| -> Vec<&Measured> {
        frames.iter().filter(|m| m.sequence == name && m.index >= from).collect()
    };
    let v = |m: &Measured, id: MeasureId| {
        m.value(id).unwrap_or_else(|| {
            panic!(
                "{} frame {}: no {} ({:?})",
                m.sequence,
                m.index,
                id.name(),
                m.sample.as_ref().map(|s| s.get(id).missing)
            )
        })
    };
    let forward_err = |m: &Measured| v(m, MeasureId::HeadForwardCm) - m.delta("head_forward_vs_c7_cm");
    let cva_err = |m: &Measured| v(m, MeasureId::CvaDeg) - CVA_REFERENCE - m.delta("cva_deg");
    // neck flexion is the head's pitch against the trunk
    let flexion_err = |m: &Measured| {
        v(m, MeasureId::NeckFlexionDeg) - (m.delta("neck_flexion_deg") - m.delta("trunk_inclination_deg"))
    };
    // shoulder elevation is the shoulders' own part of the ear–shoulder gap
    let elevation_truth =
        |m: &Measured| 1.0 - m.delta("shoulder_height_cm") / m.base["ear_acromion_gap_cm"].as_f64().unwrap();

    let base: Vec<f64> = seq("base", 0).iter().map(|m| v(m, MeasureId::CvaDeg)).collect();
    let poke = seq("protrude", 1);
    let flex = seq("flex", 1);
    let high: Vec<&&Measured> = flex.iter().filter(|m| m.delta("neck_flexion_deg") > 15.01).collect();
    let rounding_frames = seq("round", 1);
    let lean = seq("lean", 1);
    let combined: Vec<&Measured> =
        seq("protrude_shrug", 1).into_iter().chain(seq("flex_protrude", 1)).collect();
    let drift = seq("drift", 0);
    let mut availability = BTreeMap::new();
    for id in [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::ShoulderRoundingDeg,
        MeasureId::NeckFlexionDeg,
        MeasureId::ShoulderElevation,
        MeasureId::TrunkInclinationDeg,
        MeasureId::ViewingDistanceCm,
        MeasureId::HeadTiltDeg,
    ] {
        let n = frames.iter().filter(|m| m.value(id).is_some()).count();
        availability.insert(id.name(), n as f64 / frames.len() as f64);
    }
    Figures {
        base_cva_spread: base.iter().copied().fold(f64::MIN, f64::max)
            - base.iter().copied().fold(f64::MAX, f64::min),
        poke_forward: (
            median(poke.iter().map(|m| forward_err(m).abs()).collect()),
            largest(poke.iter().map(|m| forward_err(m))),
        ),
        poke_cva: largest(poke.iter().map(|m| cva_err(m))),
        poke_flexion: largest(poke.iter().map(|m| v(m, MeasureId::NeckFlexionDeg))),
        flexion_error: largest(flex.iter().map(|m| flexion_err(m))),
        flexion_25: high.iter().map(|m| v(m, MeasureId::NeckFlexionDeg)).fold(f64::MAX, f64::min),
        shrug: largest(
            seq("shrug", 1)
                .iter()
                .map(|m| v(m, MeasureId::ShoulderElevation) - m.delta("ear_shoulder_gap_ratio")),
        ),
        rounding: (
            rounding_frames.iter().map(|m| v(m, MeasureId::ShoulderRoundingDeg)).collect(),
            largest(
                rounding_frames
                    .iter()
                    .map(|m| v(m, MeasureId::ShoulderRoundingDeg) - m.delta("protraction_deg")),
            ),
        ),
        lean: (
            largest(
                lean.iter().map(|m| v(m, MeasureId::TrunkInclinationDeg) - m.delta("trunk_inclination_deg")),
            ),
            largest(lean.iter().map(|m| forward_err(m))),
            largest(lean.iter().map(|m| cva_err(m))),
        ),
        combined: (
            largest(combined.iter().map(|m| forward_err(m))),
            largest(combined.iter().map(|m| cva_err(m))),
            largest(combined.iter().map(|m| flexion_err(m))),
            largest(combined.iter().map(|m| v(m, MeasureId::ShoulderElevation) - elevation_truth(m))),
        ),
        drift: (
            median(drift.iter().map(|m| forward_err(m).abs()).collect()),
            largest(drift.iter().map(|m| forward_err(m))),
            median(drift.iter().map(|m| cva_err(m).abs()).collect()),
            largest(drift.iter().map(|m| cva_err(m))),
        ),
        distance: {
            let e: Vec<f64> = frames
                .iter()
                .map(|m| {
                    v(m, MeasureId::ViewingDistanceCm) - m.derived["camera_to_eyes_cm"].as_f64().unwrap()
                })
                .collect();
            (median(e.clone()), largest(e))
        },
        tilt: largest(
            drift.iter().map(|m| v(m, MeasureId::HeadTiltDeg) - m.params["head_roll_deg"].as_f64().unwrap()),
        ),
        availability,
    }
}
