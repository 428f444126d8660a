//! Front (and three-quarter) view measures against a calibration: where the head and the
//! shoulders are in 3D, and what that says about the neck, the trunk and the shoulders.
//!
//! The head comes from a PnP fit of the face ([`super::head`]); the shoulders from their
//! span (the calibrated width) and their midpoint, even a little below the frame edge. The
//! world's horizontal is the camera's, tilted by `--camera-pitch`. C7, which no camera
//! sees, is placed in the calibration posture at the reference craniovertebral angle and
//! then moves with the trunk. From the front the camera sees the tragus's forward shift
//! (depth) *and* its height against C7; the angle uses both. `docs/measures.md` has every
//! formula and how the parts are told apart.

use serde::{Deserialize, Serialize};

use super::anatomy::*;
use super::face;
use super::geometry::{P3, add3, dot3, mid3, norm3, ray, scale3, sub3};
use super::head::{self, HeadPose, Template};
use super::sample::{Missing, Observation, Optics};
use super::view::MIN_VISIBILITY;
use crate::pose::{Face, point};
use crate::stats::median;

/// How far below the bottom edge a shoulder landmark may lie and still be used, as a
/// fraction of the frame height. Chosen from the crop table in `docs/measures.md`
/// (`tests/validity/shoulder_margin.rs`): rendered bodies cropped so their shoulders sit up to 10 %
/// below the edge keep values in ≥ 94 % of the frames and a chin poke's head-forward error
/// at 0.6–1.3 cm (median); at 15 % it reaches 2.2 cm and values drop under 90 %.
pub const SHOULDER_MARGIN: f64 = 0.10;

/// The calibrated shoulders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShoulderBaseline {
    /// Midpoint of BlazePose's shoulder landmarks, metres, camera space.
    pub mid_m: [f64; 3],
    /// Distance between them, metres.
    pub width_m: f64,
    /// Vertical tragus–shoulder distance, metres.
    pub gap_m: f64,
    /// The midpoint of the silhouette's top edges above the shoulders, metres, camera space
    /// (at the shoulders' depth), when the pose model gave them: a shrug is read from it.
    #[serde(default)]
    pub top_m: Option<[f64; 3]>,
}

/// How the calibration frames were framed (reported by `calibrate`, kept for the record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Framing {
    /// Distance from the camera to the ears, metres.
    pub ear_distance_m: f64,
    /// Distance from the camera to the eyes' midpoint, metres (the viewing distance; not in
    /// profiles made before it was kept).
    #[serde(default)]
    pub eye_distance_m: Option<f64>,
    /// Head yaw, degrees (positive: the face turned towards the image's right, the
    /// subject's left).
    pub yaw_deg: f64,
    /// Where the shoulder landmarks were: how far below the bottom edge, as a fraction of
    /// the frame height (negative: inside the frame); `None` when not seen.
    pub shoulders_below: Option<f64>,
}

/// The calibrated front-view posture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontBaseline {
    /// Frames the medians come from.
    pub frames: usize,
    /// This person's face, fitted in every frame.
    pub template: Template,
    /// Midpoint of the ears, metres, camera space.
    pub ear_mid_m: [f64; 3],
    /// How far BlazePose's nose sat below its ears in the upright posture, metres (the
    /// pitch cue without the face mesh).
    pub nose_drop_m: Option<f64>,
    /// The head's pitch in the upright posture from the face mesh, degrees (positive:
    /// looking down; not in profiles made before it was measured).
    #[serde(default)]
    pub face_pitch_deg: Option<f64>,
    /// The shoulders, when they were seen.
    pub shoulders: Option<ShoulderBaseline>,
    /// How the frames were framed.
    pub framing: Framing,
}

impl FrontBaseline {
    /// Whether it can be measured against: a valid face template and finite positions (a
    /// hand-edited or damaged profile may hold neither).
    pub fn is_valid(&self) -> bool {
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        self.template.is_valid()
            && finite(&self.ear_mid_m)
            && self.ear_mid_m[2] > 0.0
            && self.shoulders.as_ref().is_none_or(|s| {
                finite(&s.mid_m)
                    && s.width_m.is_finite()
                    && s.width_m > 0.0
                    && s.gap_m.is_finite()
                    && s.gap_m > 0.0
            })
    }
}

/// The world's up and the body's forward (towards the camera), in camera axes, for a camera
/// tilted up by `pitch_deg`.
#[derive(Clone, Copy, Debug)]
struct Axes {
    up: P3,
    fwd: P3,
}

impl Axes {
    fn new(camera: &Optics) -> Self {
        let (s, c) = camera.pitch_deg.to_radians().sin_cos();
        Axes { up: [0.0, -c, s], fwd: [0.0, -s, -c] }
    }

    /// `v` turned forward by `angle` radians about the body's left-right axis (up moves
    /// towards forward).
    fn lean(&self, v: P3, angle: f64) -> P3 {
        let (a, b) = (dot3(v, self.up), dot3(v, self.fwd));
        let rest = sub3(v, add3(scale3(self.up, a), scale3(self.fwd, b)));
        let (s, c) = angle.sin_cos();
        add3(rest, add3(scale3(self.up, a * c - b * s), scale3(self.fwd, a * s + b * c)))
    }
}

/// The shoulders as one frame shows them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Shoulders {
    /// Midpoint, pixels.
    mid: (f64, f64),
    /// Span, pixels.
    span: f64,
    /// How far the lower one lies below the bottom edge, fraction of the frame height
    /// (negative: inside).
    below: f64,
    /// The weaker visibility.
    visibility: f64,
}

/// Why the shoulders of a frame cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoShoulders {
    /// Not confidently seen.
    NotVisible,
    /// Further below the frame than [`SHOULDER_MARGIN`].
    BelowFrame,
}

/// The shoulders of a frame: both seen (visibility ≥ 0.5), inside the frame sideways and
/// no further than [`SHOULDER_MARGIN`] below it. Presence (BlazePose's belief that a point
/// lies inside the frame) is not asked for: it is ≈ 0.5 either side of the edge, which is
/// where a laptop camera puts the shoulders.
pub(crate) fn shoulders(obs: &Observation) -> Result<Shoulders, NoShoulders> {
    let (w, h) = (f64::from(obs.width), f64::from(obs.height));
    let (l, r) = (&obs.landmarks[point::LEFT_SHOULDER], &obs.landmarks[point::RIGHT_SHOULDER]);
    let mut below = f64::NEG_INFINITY;
    for p in [l, r] {
        let (x, y) = (f64::from(p.x), f64::from(p.y));
        if p.visibility < MIN_VISIBILITY || !(0.0..=w).contains(&x) || y < 0.0 {
            return Err(NoShoulders::NotVisible);
        }
        below = below.max((y - h) / h);
    }
    if below > SHOULDER_MARGIN {
        return Err(NoShoulders::BelowFrame);
    }
    let span = f64::from(l.x - r.x).hypot(f64::from(l.y - r.y));
    if span < 1.0 {
        return Err(NoShoulders::NotVisible);
    }
    Ok(Shoulders {
        mid: (f64::from(l.x + r.x) / 2.0, f64::from(l.y + r.y) / 2.0),
        span,
        below,
        visibility: f64::from(l.visibility.min(r.visibility)),
    })
}

impl Shoulders {
    /// Confidence factor for how far below the frame they are: 1 inside, down to 0.5 at
    /// the margin (the crop table's head-forward error roughly doubles from the edge to
    /// the margin).
    pub(crate) fn framing_factor(&self) -> f64 {
        1.0 - 0.5 * (self.below / SHOULDER_MARGIN).clamp(0.0, 1.0)
    }

    fn ray(&self, obs: &Observation, f: f64) -> P3 {
        ray(obs, f, self.mid)
    }
}

/// The ray through the midpoint of the silhouette's top edges above the shoulders, if the
/// frame has them.
fn tops_ray(obs: &Observation, f: f64) -> Option<P3> {
    obs.shoulder_tops.map(|[l, r]| {
        ray(obs, f, ((f64::from(l[0]) + f64::from(r[0])) / 2.0, (f64::from(l[1]) + f64::from(r[1])) / 2.0))
    })
}

/// What one calibration frame contributes.
#[derive(Clone, Debug)]
pub(crate) struct CalibrationFrame {
    landmarks: Vec<crate::pose::Landmark>,
    width: u32,
    height: u32,
    shoulder_tops: Option<[[f32; 2]; 2]>,
    face: Option<Face>,
    template: Template,
    /// The head's yaw, as the view was classified with (degrees).
    yaw_deg: Option<f64>,
}

impl CalibrationFrame {
    /// A frontal frame with all eleven face points seen, whose head was classified as
    /// turned by `yaw_deg`.
    pub(crate) fn new(obs: &Observation, camera: &Optics, yaw_deg: Option<f64>) -> Option<Self> {
        let template = Template::from_frame(obs, camera.focal_px(obs.width), Axes::new(camera).fwd)?;
        Some(CalibrationFrame {
            landmarks: obs.landmarks.to_vec(),
            width: obs.width,
            height: obs.height,
            shoulder_tops: obs.shoulder_tops,
            face: obs.face,
            template,
            yaw_deg,
        })
    }

    fn observation(&self) -> Observation<'_> {
        Observation {
            landmarks: &self.landmarks,
            world: None,
            width: self.width,
            height: self.height,
            shoulder_tops: self.shoulder_tops,
            face: self.face,
        }
    }
}

/// The tragus given the ears' midpoint (where a rigid head has them) and the head's pitch
/// change (degrees): the tragus's offset from the ears turns with the head.
fn tragus(ear_mid: P3, axes: &Axes, pitch_deg: Option<f64>) -> P3 {
    let pitch = pitch_deg.unwrap_or(0.0).to_radians();
    let offset = sub3(scale3(axes.fwd, TRAGUS_AHEAD_OF_EAR_M), scale3(axes.up, TRAGUS_BELOW_EAR_M));
    add3(ear_mid, axes.lean(offset, pitch))
}

/// BlazePose's pitch cue: how far its nose sits below its ears' midpoint along the world's
/// up, metres at the ears' depth `z_ears`. Needs the nose and both ears.
fn nose_drop_m(obs: &Observation, f: f64, z_ears: f64, axes: &Axes) -> Option<f64> {
    let ok = |i: usize| super::view::usable(&obs.landmarks[i], obs.width, obs.height);
    if !(ok(point::NOSE) && ok(point::LEFT_EAR) && ok(point::RIGHT_EAR)) {
        return None;
    }
    let (l, r, n) =
        (&obs.landmarks[point::LEFT_EAR], &obs.landmarks[point::RIGHT_EAR], &obs.landmarks[point::NOSE]);
    let down =
        [f64::from(n.x) - f64::from(l.x + r.x) / 2.0, f64::from(n.y) - f64::from(l.y + r.y) / 2.0, 0.0];
    Some(-dot3(scale3(down, z_ears / f), axes.up))
}

/// The calibrated front view from its frames, or `None` without any. The head is the
/// median of the fitted positions; the shoulders, when seen in at least half of the frames,
/// are placed [`SHOULDER_BEHIND_TRAGUS_M`] behind the tragus, which fixes their width.
pub(crate) fn calibrate(frames: &[CalibrationFrame], camera: &Optics) -> Option<FrontBaseline> {
    let templates: Vec<Template> = frames.iter().map(|f| f.template.clone()).collect();
    let template = Template::median_of(&templates)?;
    let axes = Axes::new(camera);
    let mut ears = Vec::new();
    let mut eyes = Vec::new();
    let eye_mid = mid3(template.points[point::LEFT_EYE], template.points[point::RIGHT_EYE]);
    let mut yaws = Vec::new();
    let mut pitches = Vec::new();
    let mut face_pitches = Vec::new();
    let mut seen = Vec::new();
    for frame in frames {
        let obs = frame.observation();
        let f = camera.focal_px(obs.width);
        let Some(head) = head::fit(&obs, f, &template) else { continue };
        ears.push(observed_ears(&obs, f, head.ear_mid[2], 0.0));
        eyes.push(norm3(head.place(eye_mid)));
        yaws.extend(frame.yaw_deg);
        pitches.extend(nose_drop_m(&obs, f, head.ear_mid[2], &axes));
        face_pitches.extend(face::pitch_deg(&obs, f, axes.up));
        if let Ok(s) = shoulders(&obs) {
            seen.push((s.ray(&obs, f), s.span / f, s.below, tops_ray(&obs, f)));
        }
    }
    if ears.is_empty() {
        return None;
    }
    let med3 = |points: &[P3]| -> P3 {
        std::array::from_fn(|k| median(points.iter().map(|p| p[k])).unwrap_or_default())
    };
    let ear_mid = med3(&ears);
    let t0 = tragus(ear_mid, &axes, None);
    // each frame's shoulders on their ray, this far behind the tragus; medians in metres
    let shoulders = (seen.len() * 2 >= ears.len() && !seen.is_empty()).then(|| {
        let placed: Vec<(P3, f64, Option<P3>)> = seen
            .iter()
            .map(|(ray, span_per_f, _, top)| {
                let z = (dot3(t0, axes.fwd) - SHOULDER_BEHIND_TRAGUS_M) / dot3(*ray, axes.fwd);
                (scale3(*ray, z), z * span_per_f, top.map(|t| scale3(t, z)))
            })
            .collect();
        let mid_m = med3(&placed.iter().map(|(m, ..)| *m).collect::<Vec<_>>());
        let width_m = median(placed.iter().map(|(_, w, _)| *w)).unwrap_or_default();
        // the silhouette's tops, when most frames had them
        let tops: Vec<P3> = placed.iter().filter_map(|(.., t)| *t).collect();
        let top_m = (tops.len() * 2 > placed.len()).then(|| med3(&tops));
        ShoulderBaseline { mid_m, width_m, gap_m: dot3(sub3(t0, mid_m), axes.up), top_m }
    });
    let shoulders = shoulders.filter(|s| s.width_m > 0.0 && s.gap_m > 0.0 && s.mid_m[2] > 0.0);
    Some(FrontBaseline {
        frames: ears.len(),
        template,
        ear_mid_m: ear_mid,
        nose_drop_m: median(pitches),
        // the face mesh's, when it saw most frames
        face_pitch_deg: median(face_pitches.iter().copied()).filter(|_| face_pitches.len() * 2 > ears.len()),
        framing: Framing {
            ear_distance_m: norm3(ear_mid),
            eye_distance_m: median(eyes),
            yaw_deg: median(yaws).unwrap_or_default(),
            shoulders_below: median(seen.iter().map(|s| s.2)).filter(|_| shoulders.is_some()),
        },
        shoulders,
    })
}

/// A value with its confidence, or why there is none.
pub(crate) type Estimate = Result<(f64, f64), Missing>;

/// Everything a front frame gives against a calibration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrontEstimate {
    pub cva_deg: Estimate,
    pub head_forward_cm: Estimate,
    pub rounding_deg: Estimate,
    pub neck_flexion_deg: Estimate,
    /// How the head's pitch was read: [`PITCH_FROM_MESH`] or [`PITCH_FROM_NOSE`].
    pub pitch_method: &'static str,
    pub elevation: Estimate,
    pub trunk_deg: Estimate,
}

/// The head's pitch from the face mesh's fit ([`face::pitch_deg`]).
pub(crate) const PITCH_FROM_MESH: &str = "face_mesh_pitch_vs_calibration";
/// The head's pitch from BlazePose's nose against its ears (recordings and profiles made
/// before the face mesh).
pub(crate) const PITCH_FROM_NOSE: &str = "head_pitch_vs_calibration";

impl FrontEstimate {
    /// Without the shoulders (`why`): only the neck flexion, from the head alone.
    fn head_only(why: Missing, neck_flexion_deg: Estimate, pitch_method: &'static str) -> Self {
        let no = Err(why);
        FrontEstimate {
            cva_deg: no,
            head_forward_cm: no,
            rounding_deg: no,
            neck_flexion_deg,
            pitch_method,
            elevation: no,
            trunk_deg: no,
        }
    }
}

/// `1 / (1 + (σ / scale)²)`: how much a value with noise `σ` can be trusted against the
/// smallest change that matters, `scale`.
fn precision(sigma: f64, scale: f64) -> f64 {
    1.0 / (1.0 + (sigma / scale).powi(2))
}

/// Noise of the pitch cue, pixels: BlazePose's nose moves ≈ 1.5 px against its ears from
/// frame to frame on a still face (measured on the rendered set).
const PITCH_NOISE_PX: f64 = 1.5;
/// Noise of the face mesh's pitch, degrees: it moves 0.3–0.8° from frame to frame on a
/// still face (the rendered set's base frames).
const FACE_PITCH_NOISE_DEG: f64 = 1.0;
/// Noise of the shoulder span and height, as a fraction of the span (measured: 0.2–1.2 %).
const SHOULDER_NOISE: f64 = 0.01;

/// Compare a front frame with the calibration. `head` is the frame's fitted head (with the
/// calibration's template), `factor` the view and plausibility confidence factor,
/// `cva_ref_deg` the calibration posture's craniovertebral angle.
pub(crate) fn estimate(
    obs: &Observation,
    camera: &Optics,
    base: &FrontBaseline,
    head: &HeadPose,
    factor: f64,
    cva_ref_deg: f64,
) -> FrontEstimate {
    use Missing;
    let axes = Axes::new(camera);
    let f = camera.focal_px(obs.width);
    let vis = |ids: &[usize]| ids.iter().map(|&i| f64::from(obs.landmarks[i].visibility)).fold(1.0, f64::min);
    let face_vis =
        vis(&[point::NOSE, point::LEFT_EYE, point::RIGHT_EYE, point::LEFT_EAR, point::RIGHT_EAR]) * factor;

    // the head's pitch since the calibration: from the face mesh where the calibration and
    // this frame have it, else from BlazePose's nose against its ears
    let (pitch, pitch_sigma, pitch_vis, pitch_method) =
        match face::pitch_deg(obs, f, axes.up).zip(base.face_pitch_deg) {
            Some((now, then)) => {
                let presence = obs.face.map_or(0.0, |m| f64::from(m.presence));
                (Some(now - then), Some(FACE_PITCH_NOISE_DEG), presence, PITCH_FROM_MESH)
            }
            None => {
                let drop = nose_drop_m(obs, f, head.ear_mid[2], &axes);
                let pitch = drop.zip(base.nose_drop_m).map(|(now, then)| {
                    ((now - then) / NOSE_LEVER_EFFECTIVE_M).clamp(-1.0, 1.0).asin().to_degrees()
                });
                let sigma = drop
                    .map(|_| (PITCH_NOISE_PX * head.ear_mid[2] / f / NOSE_LEVER_EFFECTIVE_M).to_degrees());
                (pitch, sigma, vis(&[point::NOSE]), PITCH_FROM_NOSE)
            }
        };
    let head_only_flexion: Estimate = match (pitch, pitch_sigma) {
        (Some(p), Some(s)) => ranged(p, NECK_FLEXION_RANGE_DEG, face_vis * pitch_vis * precision(s, 5.0)),
        _ => Err(Missing::KeyPointsNotVisible),
    };

    let t = tragus(observed_ears(obs, f, head.ear_mid[2], pitch.unwrap_or(0.0)), &axes, pitch);
    let t0 = tragus(base.ear_mid_m, &axes, None);
    let sigma_depth = head::depth_noise_fraction(obs) * norm3(head.ear_mid);

    let shoulder_reason = |e: NoShoulders| match e {
        NoShoulders::NotVisible => Missing::KeyPointsNotVisible,
        NoShoulders::BelowFrame => Missing::ShouldersOutOfFrame,
    };
    let (sb, sh) = match (&base.shoulders, shoulders(obs)) {
        (Some(b), Ok(s)) => (b, s),
        (None, _) => {
            return FrontEstimate::head_only(
                Missing::CalibrationLacksShoulders,
                head_only_flexion,
                pitch_method,
            );
        }
        (Some(_), Err(e)) => {
            return FrontEstimate::head_only(shoulder_reason(e), head_only_flexion, pitch_method);
        }
    };

    let dh = dot3(sub3(t, t0), axes.fwd);
    // the shoulders in 3D: their calibrated width at today's span
    let z_s = f * sb.width_m / sh.span;
    let s_now = scale3(sh.ray(obs, f), z_s);
    let ds = dot3(sub3(s_now, sb.mid_m), axes.fwd);
    let lean = lean_shift(ds, dh);
    let theta = (lean / TRUNK_LENGTH_M).clamp(-1.0, 1.0).asin();

    let c0 = cva_ref_deg.to_radians();
    let c7_0 =
        sub3(t0, add3(scale3(axes.fwd, NECK_LENGTH_M * c0.cos()), scale3(axes.up, NECK_LENGTH_M * c0.sin())));
    let pivot = sub3(sb.mid_m, scale3(axes.up, TRUNK_LENGTH_M));
    let leaned = |p: P3| add3(pivot, axes.lean(sub3(p, pivot), theta));
    // a shrug raises the shoulders with the head still; a drop lowers the head with the
    // shoulders still; both sinking together is the trunk sinking (camera-fixed rule)
    // the shoulders' rise: the silhouette's top edges above them where the calibration and
    // this frame have them (the skin's rise), else BlazePose's shoulder points (which follow
    // 20–70 % of a shrug)
    // (and the gap a shrug closes: the tragus over the shoulders' top, as the ear–shoulder
    // gap ratio is defined, else over BlazePose's shoulder points)
    let (rise_s, gap_m) = match (sb.top_m, tops_ray(obs, f)) {
        (Some(top0), Some(ray)) => {
            (dot3(sub3(scale3(ray, z_s), leaned(top0)), axes.up), dot3(sub3(t0, top0), axes.up))
        }
        _ => (dot3(sub3(s_now, leaned(sb.mid_m)), axes.up), sb.gap_m),
    };
    let rise_h = dot3(sub3(t, leaned(t0)), axes.up);
    let sink = if rise_s * rise_h > 0.0 { rise_s.signum() * rise_s.abs().min(rise_h.abs()) } else { 0.0 };
    let c7 = add3(leaned(c7_0), scale3(axes.up, sink));
    let shrug = rise_s - sink;

    let (v, v0) = (sub3(t, c7), sub3(t0, c7_0));
    let cva = dot3(v, axes.up).atan2(dot3(v, axes.fwd)).to_degrees();
    let head_forward = dot3(v, axes.fwd) - dot3(v0, axes.fwd);
    let rounding = ((ds - lean) / CLAVICLE_M).clamp(-1.0, 1.0).asin().to_degrees();
    let trunk = theta.to_degrees();

    let sh_vis = sh.visibility * sh.framing_factor() * factor;
    let both = face_vis.min(sh_vis);
    let sigma_s = SHOULDER_NOISE * z_s;
    let cva_sigma = (sigma_depth * dot3(v0, axes.up) / NECK_LENGTH_M.powi(2)).to_degrees();
    let neck_flexion_deg = head_only_flexion.map(|(p, c)| (p - trunk, c.min(sh_vis)));
    FrontEstimate {
        cva_deg: ranged(cva, CVA_RANGE_DEG, both * precision(cva_sigma, 5.0)),
        head_forward_cm: ranged(
            head_forward * 100.0,
            HEAD_FORWARD_RANGE_CM,
            both * precision(sigma_depth * 100.0, 1.0),
        ),
        rounding_deg: ranged(
            rounding,
            ROUNDING_RANGE_DEG,
            sh_vis * precision((sigma_s / CLAVICLE_M).to_degrees(), 5.0),
        ),
        neck_flexion_deg: neck_flexion_deg.and_then(|(v, c)| ranged(v, NECK_FLEXION_RANGE_DEG, c)),
        pitch_method,
        elevation: ranged((gap_m - shrug) / gap_m, ELEVATION_RANGE, both * precision(sigma_s / gap_m, 0.05)),
        trunk_deg: ranged(
            trunk,
            TRUNK_RANGE_DEG,
            sh_vis * precision((sigma_s / TRUNK_LENGTH_M).to_degrees(), 5.0),
        ),
    }
}

/// `value` with its confidence when it lies in `range` (what a human body can do), else
/// `OutOfRange`: a measurement error, not a posture.
/// `value` with its `confidence`, or out of range (no posture reads outside `range`).
pub(crate) fn ranged(value: f64, range: (f64, f64), confidence: f64) -> Estimate {
    if (range.0..=range.1).contains(&value) { Ok((value, confidence)) } else { Err(Missing::OutOfRange) }
}

/// How far forward the trunk's lean carried the shoulders, metres, from how far forward
/// the shoulders (`ds`) and the tragus (`dh`) came: a lean moves both, the tragus
/// [`TRUNK_HEAD_LEVER`] times as far; a head that came further forward than a neck can
/// carry it took the trunk along. What the shoulders moved without the head is protraction,
/// what the head moved without the shoulders is the neck's.
fn lean_shift(ds: f64, dh: f64) -> f64 {
    let head_share = dh / TRUNK_HEAD_LEVER;
    let lean = if ds * head_share > 0.0 && ds.abs() > 0.5 * head_share.abs() {
        if ds.abs() < head_share.abs() { (ds + head_share) / 2.0 } else { head_share }
    } else {
        0.0
    };
    let beyond_neck = (dh - NECK_MAX_FORWARD_M) / TRUNK_HEAD_LEVER;
    if beyond_neck > 0.0 { lean.max(beyond_neck) } else { lean }
}

/// BlazePose's ear midpoint placed at depth `z` (the fitted head's): the fit gives the
/// depth, the landmarks the rest — less the extra drop BlazePose draws them with when the
/// head pitches by `pitch_deg` ([`EAR_FOLLOWS_FACE_M`]).
fn observed_ears(obs: &Observation, f: f64, z: f64, pitch_deg: f64) -> P3 {
    let (l, r) = (&obs.landmarks[point::LEFT_EAR], &obs.landmarks[point::RIGHT_EAR]);
    let u = f64::from(l.x + r.x) / 2.0;
    let v = f64::from(l.y + r.y) / 2.0 - f * EAR_FOLLOWS_FACE_M * pitch_deg.to_radians().sin() / z;
    [(u - f64::from(obs.width) / 2.0) / f * z, (v - f64::from(obs.height) / 2.0) / f * z, z]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_no_body_can_take_are_left_out() {
        assert_eq!(ranged(50.0, CVA_RANGE_DEG, 0.8), Ok((50.0, 0.8)));
        assert_eq!(ranged(5.0, CVA_RANGE_DEG, 0.8), Err(super::Missing::OutOfRange));
        assert_eq!(ranged(-20.0, HEAD_FORWARD_RANGE_CM, 0.8), Err(super::Missing::OutOfRange));
        // a lean of the shoulders alone is protraction; with the head along, a lean
        assert_eq!(lean_shift(0.03, 0.0), 0.0);
        assert!((lean_shift(0.04, 0.056) - 0.04).abs() < 1e-12);
        // a head 10 cm forward with the shoulders still: 4 cm beyond a neck's reach
        assert!((lean_shift(0.0, 0.10) - 0.04 / TRUNK_HEAD_LEVER).abs() < 1e-12);
        assert_eq!(lean_shift(-0.01, 0.02), 0.0);
    }

    #[test]
    fn leaning_turns_up_towards_forward() {
        let axes = Axes::new(&Optics { hfov_deg: 70.0, hfov_known: true, pitch_deg: 0.0 });
        // up is −y in camera space, forward (towards the camera) is −z
        let v = axes.lean(axes.up, 90f64.to_radians());
        for (a, b) in v.iter().zip(axes.fwd) {
            assert!((a - b).abs() < 1e-12);
        }
        let tilted = Axes::new(&Optics { hfov_deg: 70.0, hfov_known: true, pitch_deg: 15.0 });
        assert!((dot3(tilted.up, tilted.fwd)).abs() < 1e-12);
        // a camera tilted up sees the world's up partly along its own +z (away)
        assert!(tilted.up[2] > 0.0 && tilted.up[1] < 0.0);
    }
}
