//! The geometry behind each measure (formulas in `docs/measures.md`).

use super::anatomy::*;
use super::sample::{Measure, Missing, Observation, Optics};
use super::view::{View, usable};
use crate::pose::point;

/// `atan2(y, x)` in degrees.
pub(crate) fn angle_deg(y: f64, x: f64) -> f64 {
    y.atan2(x).to_degrees()
}

/// A point in 2D.
pub(crate) type P2 = (f64, f64);
/// A point or vector in 3D, metres.
pub(crate) type P3 = [f64; 3];

/// A landmark's pixel position.
pub(crate) fn px(obs: &Observation, i: usize) -> P2 {
    let l = &obs.landmarks[i];
    (f64::from(l.x), f64::from(l.y))
}

fn world(obs: &Observation, i: usize) -> Option<P3> {
    obs.world.map(|w| w[i].map(f64::from))
}

fn dist2(a: P2, b: P2) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

fn mid(a: P2, b: P2) -> P2 {
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

pub(crate) fn sub3(a: P3, b: P3) -> P3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn add3(a: P3, b: P3) -> P3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub(crate) fn scale3(a: P3, k: f64) -> P3 {
    a.map(|v| v * k)
}

pub(crate) fn norm3(v: P3) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

fn seen(obs: &Observation, i: usize) -> bool {
    usable(&obs.landmarks[i], obs.width, obs.height)
}

fn visibility(obs: &Observation, ids: &[usize]) -> f64 {
    ids.iter().map(|&i| f64::from(obs.landmarks[i].visibility)).fold(1.0, f64::min)
}

/// Camera-space positions (metres; x right, y down, z depth) of two image points whose
/// true 3D offset `d = a − b` is known: the pinhole model, solved exactly. With
/// `a = Z_a·ray_a`, `b = Z_b·ray_b` and `Z_a = Z_b + d_z`, the x and y components give
/// `Z_b·(ray_a − ray_b) = d_xy − d_z·ray_a` (least squares over the two). Scaling `d`
/// scales both positions.
fn place_pair(obs: &Observation, camera: &Optics, a: P2, b: P2, d: P3) -> Option<(P3, P3)> {
    let f = camera.focal_px(obs.width);
    let (ra, rb) = (ray(obs, f, a), ray(obs, f, b));
    let (ex, ey) = (ra[0] - rb[0], ra[1] - rb[1]);
    let den = ex * ex + ey * ey;
    if den < 1e-12 {
        return None;
    }
    let zb = ((d[0] - d[2] * ra[0]) * ex + (d[1] - d[2] * ra[1]) * ey) / den;
    let za = zb + d[2];
    (za > 0.0 && zb > 0.0).then(|| (ra.map(|v| v * za), rb.map(|v| v * zb)))
}

pub(crate) fn mid3(a: P3, b: P3) -> P3 {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0]
}

pub(crate) fn dot3(a: P3, b: P3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// 1 for an anatomically plausible skeleton; 0.25 when a shoulder sits within half a head
/// of the mouth (the pose model put a shoulder on the chin).
pub(crate) fn plausibility(obs: &Observation) -> f64 {
    let head_ids = [point::NOSE, point::LEFT_EAR, point::RIGHT_EAR, point::MOUTH_LEFT, point::MOUTH_RIGHT];
    if !head_ids.iter().all(|&i| seen(obs, i)) {
        return 1.0;
    }
    let nose = px(obs, point::NOSE);
    let head = dist2(px(obs, point::LEFT_EAR), px(obs, point::RIGHT_EAR))
        .max(dist2(nose, px(obs, point::LEFT_EAR)))
        .max(dist2(nose, px(obs, point::RIGHT_EAR)));
    let mouth = mid(px(obs, point::MOUTH_LEFT), px(obs, point::MOUTH_RIGHT));
    let on_chin = [point::LEFT_SHOULDER, point::RIGHT_SHOULDER]
        .iter()
        .any(|&s| seen(obs, s) && dist2(px(obs, s), mouth) < 0.5 * head);
    if on_chin { 0.25 } else { 1.0 }
}

/// Facing direction in a side view: +1 when the nose points to the image's right.
pub(crate) fn facing(obs: &Observation, view: View, ear: usize) -> f64 {
    if seen(obs, point::NOSE) {
        (px(obs, point::NOSE).0 - px(obs, ear).0).signum()
    } else if view == View::SideRight {
        1.0
    } else {
        -1.0
    }
}

/// The ear and shoulder on the camera's side in a side view (the other side if hidden).
pub(crate) fn near_side(obs: &Observation, view: View) -> Option<(usize, usize)> {
    let left = (point::LEFT_EAR, point::LEFT_SHOULDER);
    let right = (point::RIGHT_EAR, point::RIGHT_SHOULDER);
    let order = if view == View::SideLeft { [left, right] } else { [right, left] };
    order.into_iter().find(|&(e, s)| seen(obs, e) && seen(obs, s))
}

/// What a side-view frame gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SideRaw {
    /// Craniovertebral angle from the tragus and an estimated C7 (needs world landmarks
    /// for the pixel-to-metre scale).
    pub cva_deg: Option<f64>,
    /// Horizontal distance of the tragus in front of C7, metres.
    pub tragus_ahead_of_c7_m: Option<f64>,
    /// Angle of the ear-shoulder line against the trunk line (or the vertical).
    pub neck_flexion_deg: f64,
    /// Whether a hip was seen (trunk line) or the trunk was assumed upright.
    pub trunk_seen: bool,
    /// Weakest visibility of the ear and shoulder used.
    pub visibility: f64,
    /// +1 when the face points to the image's right.
    pub facing: f64,
    /// The ear, the shoulder (camera space, metres) and the estimated C7 and tragus (camera
    /// x and y, metres), when world landmarks placed them.
    pub placed: Option<SidePoints>,
}

/// Where a side view's points are, camera space, metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SidePoints {
    /// BlazePose's near ear.
    pub ear: P3,
    /// BlazePose's near shoulder.
    pub shoulder: P3,
    /// The tragus (camera x, y).
    pub tragus: P2,
    /// C7, estimated from the shoulder (camera x, y).
    pub c7: P2,
}

/// The tragus from BlazePose's near ear at `ear` (camera x, y, metres) in a side view
/// facing `s` (+1: the nose to the image's right): in front of and below the ear (camera y
/// is down), the offset turned with the head's pitch, which the profile shows as the
/// ear→nose line's angle below the horizontal less its angle on a level head.
pub(crate) fn side_tragus(obs: &Observation, ear_px: P2, ear: P2, s: f64) -> P2 {
    let pitch = if seen(obs, point::NOSE) {
        let n = px(obs, point::NOSE);
        (n.1 - ear_px.1).atan2(s * (n.0 - ear_px.0)) - NOSE_BELOW_EARS_M.atan2(EAR_TO_NOSE_M)
    } else {
        0.0
    };
    let (sin, cos) = pitch.sin_cos();
    (
        ear.0 + s * (TRAGUS_AHEAD_OF_EAR_M * cos - TRAGUS_BELOW_EAR_M * sin),
        ear.1 + TRAGUS_AHEAD_OF_EAR_M * sin + TRAGUS_BELOW_EAR_M * cos,
    )
}

/// The ray through pixel `p` (z = 1) for a camera with focal length `f` pixels.
pub(crate) fn ray(obs: &Observation, f: f64, p: P2) -> P3 {
    [(p.0 - f64::from(obs.width) / 2.0) / f, (p.1 - f64::from(obs.height) / 2.0) / f, 1.0]
}

/// Pixel `p` in camera metres (x, y) at depth `z`.
pub(crate) fn at_depth(obs: &Observation, camera: &Optics, p: P2, z: f64) -> P2 {
    let r = ray(obs, camera.focal_px(obs.width), p);
    (r[0] * z, r[1] * z)
}

impl SideRaw {
    /// Needs an ear and the shoulder of the same side. With world landmarks, the two points
    /// are placed in metres: the depth of the pair from the pixels-per-metre scale of their
    /// segment, each point's own depth from BlazePose's world z (the near shoulder is ≈ 12 cm
    /// nearer the camera than the ear, which would otherwise skew the angle by degrees).
    pub fn new(obs: &Observation, camera: &Optics, view: View) -> Option<Self> {
        let (ear, shoulder) = near_side(obs, view)?;
        let s = facing(obs, view, ear);
        let (e, sh) = (px(obs, ear), px(obs, shoulder));
        // both points in metres, from their world-landmark offset (metric, and it knows the
        // near shoulder is ≈ 12 cm nearer the camera than the ear)
        let metric = match (world(obs, ear), world(obs, shoulder)) {
            (Some(we), Some(ws)) => place_pair(obs, camera, e, sh, sub3(we, ws)),
            _ => None,
        };
        let c7 = metric.map(|(_, sm)| (sm[0] - s * C7_BEHIND_SHOULDER_M, sm[1] - C7_ABOVE_SHOULDER_M));
        let tragus = metric.map(|(em, _)| side_tragus(obs, e, (em[0], em[1]), s));
        let cva_deg = tragus.zip(c7).map(|(t, c)| angle_deg(c.1 - t.1, s * (t.0 - c.0)));
        let tragus_ahead_of_c7_m = tragus.zip(c7).map(|(t, c)| s * (t.0 - c.0));
        let hip = [point::LEFT_HIP, point::RIGHT_HIP].into_iter().find(|&h| seen(obs, h));
        let up = hip.map_or((0.0, -1.0), |h| {
            let hp = px(obs, h);
            let n = dist2(sh, hp);
            ((sh.0 - hp.0) / n, (sh.1 - hp.1) / n)
        });
        let v = (e.0 - sh.0, e.1 - sh.1);
        let neck_flexion_deg = s * angle_deg(up.0 * v.1 - up.1 * v.0, up.0 * v.0 + up.1 * v.1);
        Some(SideRaw {
            cva_deg,
            tragus_ahead_of_c7_m,
            neck_flexion_deg,
            trunk_seen: hip.is_some(),
            visibility: visibility(obs, &[ear, shoulder]),
            facing: s,
            placed: metric.zip(tragus).zip(c7).map(|(((ear, shoulder), tragus), c7)| SidePoints {
                ear,
                shoulder,
                tragus,
                c7,
            }),
        })
    }
}

/// Trunk inclination from vertical (positive = leaning forward): the hip→shoulder line in a
/// side view; BlazePose's world landmarks in a front view (hips must be in the frame).
pub(crate) fn trunk_inclination(obs: &Observation, view: View, factor: f64) -> Measure {
    let shoulders = [point::LEFT_SHOULDER, point::RIGHT_SHOULDER];
    let hips = [point::LEFT_HIP, point::RIGHT_HIP];
    match view {
        View::SideLeft | View::SideRight => {
            let pair = shoulders.into_iter().zip(hips).find(|&(s, h)| seen(obs, s) && seen(obs, h));
            let Some((s, h)) = pair else { return Measure::missing(Missing::KeyPointsNotVisible) };
            let ear = if s == point::LEFT_SHOULDER { point::LEFT_EAR } else { point::RIGHT_EAR };
            let sign = facing(obs, view, ear);
            let (sp, hp) = (px(obs, s), px(obs, h));
            Measure::ok(
                angle_deg(sign * (sp.0 - hp.0), hp.1 - sp.1),
                visibility(obs, &[s, h]) * factor,
                "side_hip_to_shoulder",
            )
        }
        _ => {
            if !shoulders.iter().chain(&hips).all(|&i| seen(obs, i)) {
                return Measure::missing(Missing::KeyPointsNotVisible);
            }
            let (Some(sl), Some(sr), Some(hl), Some(hr)) = (
                world(obs, point::LEFT_SHOULDER),
                world(obs, point::RIGHT_SHOULDER),
                world(obs, point::LEFT_HIP),
                world(obs, point::RIGHT_HIP),
            ) else {
                return Measure::missing(Missing::NeedsWorldLandmarks);
            };
            let d = [
                (sl[0] + sr[0] - hl[0] - hr[0]) / 2.0,
                (sl[1] + sr[1] - hl[1] - hr[1]) / 2.0,
                (sl[2] + sr[2] - hl[2] - hr[2]) / 2.0,
            ];
            let c = visibility(obs, &[shoulders[0], shoulders[1], hips[0], hips[1]]) * factor;
            Measure::ok(angle_deg(-d[2], -d[1]), c, "world_hip_to_shoulder")
        }
    }
}

/// Elbow angle (180° = straight arm): in 3D from the world landmarks when present, else in
/// the image plane.
pub(crate) fn elbow_angle(obs: &Observation, elbow: usize, factor: f64) -> Measure {
    let (shoulder, wrist) = (elbow - 2, elbow + 2);
    if ![shoulder, elbow, wrist].iter().all(|&i| seen(obs, i)) {
        return Measure::missing(Missing::KeyPointsNotVisible);
    }
    let c = visibility(obs, &[shoulder, elbow, wrist]) * factor;
    let angle = |u: P3, v: P3| {
        let dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
        (dot / (norm3(u) * norm3(v))).clamp(-1.0, 1.0).acos().to_degrees()
    };
    match (world(obs, shoulder), world(obs, elbow), world(obs, wrist)) {
        (Some(s), Some(e), Some(w)) => Measure::ok(angle(sub3(s, e), sub3(w, e)), c, "world_3d"),
        _ => {
            let (s, e, w) = (px(obs, shoulder), px(obs, elbow), px(obs, wrist));
            Measure::ok(angle([s.0 - e.0, s.1 - e.1, 0.0], [w.0 - e.0, w.1 - e.1, 0.0]), c, "image_2d")
        }
    }
}
