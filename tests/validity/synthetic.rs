//! The posture measures on a synthetic upper body with known geometry, projected through a
//! pinhole camera into BlazePose-shaped landmarks and world landmarks.
//!
//! These tests prove the geometry is consistent — perspective, camera distance and tilt,
//! yaw, necks of other lengths than assumed — not that it agrees with real images; that is
//! `tests/validity/render.rs` (a rendered body of known posture) and `tests/validity/clips.rs`
//! (real webcam clips). "BlazePose-shaped" means the points sit where BlazePose puts them,
//! as measured on the rendered set: its ears 1 cm behind and 0.5 cm above the tragi and
//! 12 cm apart, its shoulder points near the joint centres; and when the head pitches, its
//! ears drop `EAR_FOLLOWS_FACE_M × sin(pitch)` further than a rigid head's would while its
//! nose drops only 80 % as far as the nose tip (measured: 75 % from below, 95 % from above).
//!
//! The body is built in metres (X = subject's left, Y = up, Z = forward), hips at the origin.
//! The four families of the issue: (a) the head translated forward with its height
//! unchanged, (b) the neck flexed about C7 with the C7–tragus length fixed, (c) half of each,
//! (d) a shrug with the head unchanged.

use approx::assert_abs_diff_eq;
use ergoaudit::pose::Landmark;
use ergoaudit::posture::anatomy::EAR_FOLLOWS_FACE_M;
use ergoaudit::posture::calibration::Calibrator;
use ergoaudit::posture::{Baseline, FrameMeasures, MeasureId, Missing, Observation, Optics, View, measure};
use proptest::prelude::*;

const W: u32 = 1280;
const H: u32 = 720;

type V3 = [f64; 3];

fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Rotate `v` about the X axis by `deg` (positive: +Z turns towards −Y, the chin goes down).
fn pitch(v: V3, deg: f64) -> V3 {
    let (s, c) = deg.to_radians().sin_cos();
    [v[0], v[1] * c - v[2] * s, v[1] * s + v[2] * c]
}

/// Rotate `v` about the Z axis by `deg` (positive: towards the subject's left shoulder).
fn roll(v: V3, deg: f64) -> V3 {
    let (s, c) = deg.to_radians().sin_cos();
    [v[0] * c + v[1] * s, -v[0] * s + v[1] * c, v[2]]
}

/// A seated upper body.
#[derive(Clone, Copy, Debug)]
struct Body {
    /// C7 to tragus, metres.
    neck: f64,
    /// Craniovertebral angle of the upright posture, degrees.
    cva: f64,
    /// The head moved straight forward, metres (family a).
    translate: f64,
    /// The neck flexed about C7, degrees (family b): the head turns with it.
    flex: f64,
    /// Head pitch on top of the flexion, degrees (looking down, positive).
    pitch: f64,
    /// Head roll, degrees (towards the left shoulder, positive).
    roll: f64,
    /// Shoulders raised, metres (family d).
    shrug: f64,
    /// Clavicle protraction, degrees.
    protraction: f64,
    /// Face size against the assumed one (1 = average).
    face: f64,
    /// Seen from the front (BlazePose's ears then follow the face as it pitches).
    front: bool,
}

impl Body {
    fn upright() -> Self {
        Body {
            neck: 0.11,
            cva: 50.6,
            translate: 0.0,
            flex: 0.0,
            pitch: 0.0,
            roll: 0.0,
            shrug: 0.0,
            protraction: 0.0,
            face: 1.0,
            front: true,
        }
    }

    fn c7() -> V3 {
        [0.0, 0.52, -0.04]
    }

    /// The tragus midpoint.
    fn tragus(&self) -> V3 {
        let c = self.cva.to_radians();
        let neck = pitch([0.0, self.neck * c.sin(), self.neck * c.cos()], self.flex);
        add(add(Body::c7(), neck), [0.0, 0.0, self.translate])
    }

    /// The tragus's horizontal lead over C7, metres.
    fn lead(&self) -> f64 {
        self.tragus()[2] - Body::c7()[2]
    }

    /// The true craniovertebral angle, degrees.
    fn true_cva(&self) -> f64 {
        let t = self.tragus();
        (t[1] - Body::c7()[1]).atan2(t[2] - Body::c7()[2]).to_degrees()
    }

    /// Ear-to-shoulder-landmark height over the upright one.
    fn gap(&self) -> f64 {
        self.tragus()[1] - self.points()[11][1]
    }

    /// The 33 landmarks in body coordinates (metres).
    fn points(&self) -> Vec<V3> {
        let c7 = Body::c7();
        let a = self.protraction.to_radians();
        let clavicle = 0.15;
        let shoulder = |side: f64| {
            [side * (0.03 + clavicle * a.cos()), c7[1] - 0.05 + self.shrug, c7[2] + 0.06 + clavicle * a.sin()]
        };
        let tragus = self.tragus();
        let head_pitch = self.flex + self.pitch;
        // face points relative to the tragus midpoint, head upright (BlazePose's ear is 1 cm
        // behind and 0.5 cm above the tragus)
        let k = self.face;
        let head = |p: V3| add(tragus, roll(pitch(p.map(|v| v * k), head_pitch), self.roll));
        let ear = |side: f64| head([side * 0.06, 0.005, -0.01]);
        let face = |x: f64, y: f64, z: f64| head([x, y + 0.005, z - 0.01]);
        let (sl, sr) = (shoulder(1.0), shoulder(-1.0));
        let nose = {
            let rigid = face(0.0, -0.012, 0.11);
            if self.front {
                let level = add(tragus, [0.0, -0.007 * k, 0.10 * k]);
                // BlazePose's nose: 80 % of the pitch's own drop
                [rigid[0], level[1] + 0.8 * (rigid[1] - level[1]), rigid[2]]
            } else {
                rigid
            }
        };
        let elbow = |s: V3| [s[0], s[1] - 0.28, s[2] + 0.02];
        let wrist = |e: V3| [e[0], e[1], e[2] + 0.26];
        let (el, er) = (elbow(sl), elbow(sr));
        let hip = |side: f64| [side * 0.10, 0.0, 0.0];
        let mut p = vec![[0.0; 3]; 33];
        p[0] = nose;
        p[1] = face(0.018, 0.02, 0.09);
        p[2] = face(0.032, 0.019, 0.085);
        p[3] = face(0.045, 0.018, 0.07);
        p[4] = face(-0.018, 0.02, 0.09);
        p[5] = face(-0.032, 0.019, 0.085);
        p[6] = face(-0.045, 0.018, 0.07);
        p[7] = ear(1.0);
        p[8] = ear(-1.0);
        p[9] = face(0.025, -0.048, 0.085);
        p[10] = face(-0.025, -0.048, 0.085);
        p[11] = sl;
        p[12] = sr;
        p[13] = el;
        p[14] = er;
        p[15] = wrist(el);
        p[16] = wrist(er);
        for (i, q) in p.iter_mut().enumerate().skip(17) {
            *q = match i {
                17 | 19 | 21 => wrist(el),
                18 | 20 | 22 => wrist(er),
                23 | 25 | 27 | 29 | 31 => hip(1.0),
                _ => hip(-1.0),
            };
        }
        p
    }
}

/// Where the camera is.
#[derive(Clone, Copy, Debug)]
enum Shot {
    /// In front of the person, `distance` metres from the upright tragus and aimed at it,
    /// tilted up by `tilt` degrees (so below the tragus, as a laptop's camera is); the body
    /// turned by `yaw` degrees.
    Front { distance: f64, yaw: f64, tilt: f64 },
    /// On the subject's right side at `distance` metres, looking at the neck.
    Side { distance: f64 },
    /// On the subject's left side.
    SideLeft { distance: f64 },
}

/// The camera (70° wide) a shot needs to be told about.
fn camera(shot: Shot) -> Optics {
    let tilt = if let Shot::Front { tilt, .. } = shot { tilt } else { 0.0 };
    Optics { hfov_deg: 70.0, hfov_known: true, pitch_deg: tilt }
}

/// Project a body into BlazePose-shaped landmarks and world landmarks.
fn frame(body: &Body, shot: Shot) -> (Vec<Landmark>, Vec<[f32; 3]>) {
    let f = camera(shot).focal_px(W);
    let body = &Body { front: matches!(shot, Shot::Front { .. }), ..*body };
    let eye_height = Body::upright().tragus()[1];
    let cam: Vec<V3> = body
        .points()
        .iter()
        .map(|&[x, y, z]| match shot {
            Shot::Front { distance, yaw, tilt } => {
                let (s, c) = yaw.to_radians().sin_cos();
                let (x, z) = (x * c + z * s, -x * s + z * c);
                // relative to the upright tragus, level camera axes: x right, y down, z away
                let v = [x, eye_height - y, Body::upright().tragus()[2] - z];
                // turned into the tilted camera's axes, then moved out along its axis
                let (s, c) = tilt.to_radians().sin_cos();
                [v[0], v[1] * c + v[2] * s, -v[1] * s + v[2] * c + distance]
            }
            Shot::Side { distance } => [z, 0.60 - y, distance + x],
            Shot::SideLeft { distance } => [-z, 0.60 - y, distance - x],
        })
        .collect();
    let hips =
        [(cam[23][0] + cam[24][0]) / 2.0, (cam[23][1] + cam[24][1]) / 2.0, (cam[23][2] + cam[24][2]) / 2.0];
    let landmarks = cam
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (u, mut v) = (f * p[0] / p[2] + f64::from(W) / 2.0, f * p[1] / p[2] + f64::from(H) / 2.0);
            if body.front && (i == 7 || i == 8) {
                // BlazePose draws its ears lower when the head pitches (front views, where it
                // was measured; a side view has no pitch cue to correct it with)
                v += f * EAR_FOLLOWS_FACE_M * (body.flex + body.pitch).to_radians().sin() / p[2];
            }
            let inside = (0.0..f64::from(W)).contains(&u) && (0.0..f64::from(H)).contains(&v);
            let vis = if i > 16 || !inside { 0.05 } else { 0.99 };
            Landmark { x: u as f32, y: v as f32, z: 0.0, visibility: vis, presence: vis }
        })
        .collect();
    let world = cam
        .iter()
        .map(|p| [(p[0] - hips[0]) as f32, (p[1] - hips[1]) as f32, (p[2] - hips[2]) as f32])
        .collect();
    (landmarks, world)
}

fn sample(body: &Body, shot: Shot, baseline: Option<&Baseline>) -> FrameMeasures {
    let (lm, world) = frame(body, shot);
    measure(&Observation::landmarks_only(&lm, Some(&world), W, H), &camera(shot), baseline)
}

/// Like [`sample`], every pixel moved by up to `jitter_px`.
fn noisy_sample(body: &Body, shot: Shot, baseline: &Baseline, jitter_px: f32, seed: u32) -> FrameMeasures {
    let (mut lm, world) = frame(body, shot);
    for (i, l) in lm.iter_mut().enumerate() {
        // a fixed pseudo-random pattern per landmark and seed
        let r = |k: u32| (((i as u32 * 7919 + k * 104_729 + seed * 15_485_863) % 1000) as f32 / 500.0) - 1.0;
        l.x += jitter_px * r(1);
        l.y += jitter_px * r(2);
    }
    measure(&Observation::landmarks_only(&lm, Some(&world), W, H), &camera(shot), Some(baseline))
}

fn calibrate(body: &Body, shot: Shot) -> Baseline {
    let (lm, world) = frame(body, shot);
    let mut c = Calibrator::new(camera(shot));
    assert!(c.add(Some(&Observation::landmarks_only(&lm, Some(&world), W, H))));
    c.finish("synthetic".into(), jiff::Timestamp::UNIX_EPOCH).unwrap()
}

fn value(s: &FrameMeasures, id: MeasureId) -> f64 {
    s.get(id).value.unwrap_or_else(|| panic!("{} missing: {:?}", id.name(), s.get(id).missing))
}

/// The neck flexion about C7 that carries the tragus `forward` metres forward.
fn flexion_for(body: &Body, forward: f64) -> f64 {
    let c = body.cva.to_radians();
    let lead = (body.neck * c.cos() + forward) / body.neck;
    c.to_degrees() - lead.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Every front shot the families are checked from: 45–100 cm, level or a laptop's 15° up,
/// the body facing the camera or turned 10°.
fn shots() -> Vec<Shot> {
    let mut v = Vec::new();
    for distance in [0.45, 0.7, 1.0] {
        for (yaw, tilt) in [(0.0, 0.0), (10.0, 0.0), (0.0, 15.0), (-10.0, 15.0)] {
            v.push(Shot::Front { distance, yaw, tilt });
        }
    }
    v
}

/// Check one posture against the geometry: the CVA change within `cva_tol` degrees, the
/// head-forward within 1.5 cm.
fn check(upright: &Body, body: &Body, shot: Shot, baseline: &Baseline, cva_tol: f64, what: &str) {
    let s = sample(body, shot, Some(baseline));
    // the calibration assumes the normal CVA, 50.6°; the body's own is upright.cva
    let cva_change = value(&s, MeasureId::CvaDeg) - 50.6;
    let truth = body.true_cva() - upright.true_cva();
    assert!(
        (cva_change - truth).abs() <= cva_tol,
        "{what}: CVA change {cva_change:.1}°, geometry {truth:.1}° (neck {} cm, {shot:?})",
        upright.neck * 100.0
    );
    let forward = value(&s, MeasureId::HeadForwardCm);
    let truth = (body.lead() - upright.lead()) * 100.0;
    assert!(
        (forward - truth).abs() <= 1.5,
        "{what}: head forward {forward:.2} cm, geometry {truth:.2} cm (neck {} cm, {shot:?})",
        upright.neck * 100.0
    );
}

#[test]
fn family_a_forward_translation_with_the_head_level() {
    for neck in [0.10, 0.12, 0.14] {
        let upright = Body { neck, ..Body::upright() };
        for shot in shots() {
            let baseline = calibrate(&upright, shot);
            for d in [0.01, 0.02, 0.04, 0.06] {
                check(&upright, &Body { translate: d, ..upright }, shot, &baseline, 4.0, "translation");
            }
        }
    }
}

#[test]
fn family_b_flexion_about_c7() {
    // the head turns with the neck, so BlazePose's pitch cue and its ears' extra drop come
    // in. Up to 2 cm forward (≤ 20° of flexion) within 4°; at 3 cm (19–30°) the assumed
    // 11.5 cm neck alone is 3.8° off for a 10 or 14 cm neck, and the pitch cue's parallax at
    // 45 cm adds up to 2.5° more (docs/measures.md)
    for neck in [0.10, 0.12, 0.14] {
        let upright = Body { neck, ..Body::upright() };
        for shot in shots() {
            let baseline = calibrate(&upright, shot);
            for (d, tol) in [(0.01, 4.0), (0.02, 4.0), (0.03, 6.5)] {
                let flex = flexion_for(&upright, d);
                check(&upright, &Body { flex, ..upright }, shot, &baseline, tol, "flexion");
            }
        }
    }
}

#[test]
fn family_c_half_translation_half_flexion() {
    for neck in [0.10, 0.12, 0.14] {
        let upright = Body { neck, ..Body::upright() };
        for shot in shots() {
            let baseline = calibrate(&upright, shot);
            for d in [0.01, 0.02, 0.04] {
                let flex = flexion_for(&upright, d / 2.0);
                check(
                    &upright,
                    &Body { flex, translate: d / 2.0, ..upright },
                    shot,
                    &baseline,
                    4.0,
                    "half each",
                );
            }
        }
    }
}

#[test]
fn family_d_a_shrug_is_not_a_head_drop() {
    for neck in [0.10, 0.12, 0.14] {
        let upright = Body { neck, ..Body::upright() };
        for shot in shots() {
            let baseline = calibrate(&upright, shot);
            for s in [0.01, 0.02, 0.03] {
                let body = Body { shrug: s, ..upright };
                let got = sample(&body, shot, Some(&baseline));
                let cva = value(&got, MeasureId::CvaDeg);
                assert!((cva - 50.6).abs() <= 3.0, "shrug {s}: CVA {cva:.1} ({shot:?})");
                let elevation = value(&got, MeasureId::ShoulderElevation);
                let truth = body.gap() / upright.gap();
                assert!(
                    (elevation - truth).abs() <= 0.03,
                    "shrug {s}: elevation {elevation:.3}, geometry {truth:.3} ({shot:?})"
                );
                assert!(value(&got, MeasureId::HeadForwardCm).abs() <= 1.0);
            }
        }
    }
}

#[test]
fn a_forward_head_is_not_read_as_shrugging() {
    let upright = Body::upright();
    for shot in shots() {
        let baseline = calibrate(&upright, shot);
        for body in
            [Body { translate: 0.04, ..upright }, Body { flex: flexion_for(&upright, 0.03), ..upright }]
        {
            let s = sample(&body, shot, Some(&baseline));
            assert_abs_diff_eq!(value(&s, MeasureId::ShoulderElevation), 1.0, epsilon = 0.03);
        }
    }
}

#[test]
fn the_calibration_posture_reads_as_calibrated() {
    for shot in shots() {
        let upright = Body::upright();
        let baseline = calibrate(&upright, shot);
        let s = sample(&upright, shot, Some(&baseline));
        assert_eq!(s.view, View::Front, "{shot:?}");
        assert_abs_diff_eq!(value(&s, MeasureId::HeadForwardCm), 0.0, epsilon = 0.1);
        assert_abs_diff_eq!(value(&s, MeasureId::CvaDeg), 50.6, epsilon = 0.5);
        assert_abs_diff_eq!(value(&s, MeasureId::NeckFlexionDeg), 0.0, epsilon = 0.5);
        assert_abs_diff_eq!(value(&s, MeasureId::ShoulderRoundingDeg), 0.0, epsilon = 0.5);
        assert_abs_diff_eq!(value(&s, MeasureId::ShoulderElevation), 1.0, epsilon = 0.01);
        assert_abs_diff_eq!(value(&s, MeasureId::TrunkInclinationDeg), 0.0, epsilon = 0.5);
    }
}

#[test]
fn looking_down_reads_as_neck_flexion_not_as_a_forward_head() {
    let upright = Body::upright();
    for shot in shots() {
        let baseline = calibrate(&upright, shot);
        for p in [10.0, 20.0, 30.0] {
            let s = sample(&Body { pitch: p, ..upright }, shot, Some(&baseline));
            let flexion = value(&s, MeasureId::NeckFlexionDeg);
            // BlazePose's nose and ears give the pitch through an effective lever fitted at
            // 50–75 cm (see anatomy.rs); a rigid nose 11 cm in front of the ears reads it
            // 1.2× at 45 cm and 0.7× at 1 m (perspective): within 0.6–1.3× (±1°)
            assert!(
                flexion >= 0.6 * p - 1.0 && flexion <= 1.3 * p + 1.0,
                "pitch {p}: flexion {flexion:.1} ({shot:?})"
            );
            assert_abs_diff_eq!(value(&s, MeasureId::HeadForwardCm), 0.0, epsilon = 0.6);
        }
    }
}

#[test]
fn rounded_shoulders_read_as_rounding_not_as_a_lean_or_a_forward_head() {
    // from the front, protraction brings the shoulders nearer but also narrows them: the two
    // partly cancel in their span, so the reading is low — a third to two thirds of 10°, and
    // beyond ≈ 12° it falls back towards zero (docs/measures.md) — but it never has the
    // wrong sign and is not mistaken for a lean or a forward head
    let upright = Body::upright();
    for shot in shots() {
        let baseline = calibrate(&upright, shot);
        for (a, least) in [(10.0, 3.0), (20.0, -1.0)] {
            let s = sample(&Body { protraction: a, ..upright }, shot, Some(&baseline));
            let rounding = value(&s, MeasureId::ShoulderRoundingDeg);
            assert!(rounding >= least && rounding <= a + 1.0, "protraction {a}: {rounding:.1} ({shot:?})");
            assert_abs_diff_eq!(value(&s, MeasureId::TrunkInclinationDeg), 0.0, epsilon = 1.0);
            assert_abs_diff_eq!(value(&s, MeasureId::HeadForwardCm), 0.0, epsilon = 0.6);
        }
    }
}

#[test]
fn head_tilt_shoulder_tilt_distance_and_elbows() {
    let upright = Body::upright();
    let level = Shot::Front { distance: 0.7, yaw: 0.0, tilt: 0.0 };
    let s = sample(&Body { roll: 12.0, ..upright }, level, None);
    assert_abs_diff_eq!(value(&s, MeasureId::HeadTiltDeg), 12.0, epsilon = 1.0);
    assert_abs_diff_eq!(value(&s, MeasureId::ShoulderTiltDeg), 0.0, epsilon = 0.5);
    for distance in [0.45, 0.7, 1.0] {
        let shot = Shot::Front { distance, yaw: 0.0, tilt: 0.0 };
        let s = sample(&upright, shot, None);
        let p = upright.points();
        let eyes = [(p[2][1] + p[5][1]) / 2.0, (p[2][2] + p[5][2]) / 2.0];
        let (dy, dz) = (upright.tragus()[1] - eyes[0], distance + upright.tragus()[2] - eyes[1]);
        let truth = dy.hypot(dz) * 100.0;
        // the generic face template, not this face: within 6 %
        assert_abs_diff_eq!(value(&s, MeasureId::ViewingDistanceCm), truth, epsilon = truth * 0.06);
    }
    // the arms: upper arm straight down (2 cm forward), forearm level and forward
    let s = sample(&upright, Shot::Front { distance: 1.4, yaw: 0.0, tilt: 0.0 }, None);
    let elbow = 90.0 + (0.02f64 / 0.28).atan().to_degrees();
    assert_abs_diff_eq!(value(&s, MeasureId::ElbowAngleLeftDeg), elbow, epsilon = 0.5);
    assert_abs_diff_eq!(value(&s, MeasureId::ElbowAngleRightDeg), elbow, epsilon = 0.5);
}

#[test]
fn relative_measures_need_a_calibration() {
    let s = sample(&Body::upright(), Shot::Front { distance: 0.7, yaw: 0.0, tilt: 0.0 }, None);
    for id in [
        MeasureId::CvaDeg,
        MeasureId::HeadForwardCm,
        MeasureId::ShoulderRoundingDeg,
        MeasureId::NeckFlexionDeg,
        MeasureId::ShoulderElevation,
    ] {
        assert_eq!(s.get(id).value, None, "{}", id.name());
        assert_eq!(s.get(id).missing, Some(Missing::NeedsCalibration));
    }
    // the head-only measures need none
    assert!(s.get(MeasureId::HeadTiltDeg).value.is_some());
    assert!(s.get(MeasureId::ViewingDistanceCm).value.is_some());
    // without world landmarks the side view has no metric scale
    let (lm, _) = frame(&Body::upright(), Shot::Side { distance: 1.0 });
    let s = measure(&Observation::landmarks_only(&lm, None, W, H), &Optics::default(), None);
    assert_eq!(s.get(MeasureId::CvaDeg).missing, Some(Missing::NeedsWorldLandmarks));
    assert!(s.get(MeasureId::NeckFlexionDeg).value.is_some());
}

#[test]
fn shoulders_a_little_below_the_frame_are_used_further_down_they_are_not() {
    let upright = Body::upright();
    let shot = Shot::Front { distance: 0.5, yaw: 0.0, tilt: 0.0 };
    let (lm, world) = frame(&upright, shot);
    let shoulder_y = f64::from(lm[11].y);
    let mut c = Calibrator::new(camera(shot));
    // crop the frame (from the top) so the shoulders sit 5 % and then 25 % below its edge
    for (below, usable) in [(0.05, true), (0.25, false)] {
        let height = (shoulder_y / (1.0 + below)).round() as u32;
        let obs = Observation::landmarks_only(&lm, Some(&world), W, height);
        let s = measure(&obs, &camera(shot), None);
        assert_eq!(s.get(MeasureId::ShoulderTiltDeg).value.is_some(), usable, "{below}");
        if !usable {
            assert_eq!(s.get(MeasureId::ShoulderTiltDeg).missing, Some(Missing::ShouldersOutOfFrame));
        } else {
            assert!(s.get(MeasureId::ShoulderTiltDeg).confidence < 0.99, "a penalty for the framing");
            assert!(c.add(Some(&obs)));
        }
        // the head-only measures do not care
        assert!(s.get(MeasureId::HeadTiltDeg).value.is_some());
        assert!(s.get(MeasureId::ViewingDistanceCm).value.is_some());
    }
}

#[test]
fn views_are_told_apart() {
    let body = Body::upright();
    let front = |distance, yaw| Shot::Front { distance, yaw, tilt: 0.0 };
    assert_eq!(sample(&body, Shot::Side { distance: 1.0 }, None).view, View::SideRight);
    assert_eq!(sample(&body, Shot::SideLeft { distance: 1.0 }, None).view, View::SideLeft);
    assert_eq!(sample(&body, front(0.7, 20.0), None).view, View::Front);
    assert_eq!(sample(&body, front(0.7, -40.0), None).view, View::ThreeQuarter);
    assert_eq!(sample(&body, front(0.9, 75.0), None).view, View::SideRight);
    assert_eq!(sample(&body, front(0.9, -75.0), None).view, View::SideLeft);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn front_changes_hold_over_ranges(
        translate in 0.0f64..0.05,
        forward_by_flexion in 0.0f64..0.025,
        shrug in 0.0f64..0.025,
        neck in 0.10f64..0.14,
        yaw in -10.0f64..10.0,
        tilt in -15.0f64..20.0,
        distance in 0.45f64..1.0,
    ) {
        let shot = Shot::Front { distance, yaw, tilt };
        let upright = Body { neck, ..Body::upright() };
        let baseline = calibrate(&upright, shot);
        let flex = flexion_for(&upright, forward_by_flexion);
        let body = Body { translate, flex, shrug, ..upright };
        let s = sample(&body, shot, Some(&baseline));
        let forward = (body.lead() - upright.lead()) * 100.0;
        prop_assert!((value(&s, MeasureId::HeadForwardCm) - forward).abs() <= 1.5);
        // within 5°, or a fifth of the change where the head drops far: at 7 cm of forward
        // head 45 cm from the camera the front view reads a 30.6° drop as 24.7°, and a 14.9°
        // drop reads as 18.9° in another corner (the 4° this test had failed on both; 5° or a
        // fifth held over 60 000 random cases)
        let cva_change = value(&s, MeasureId::CvaDeg) - 50.6;
        let truth = body.true_cva() - upright.true_cva();
        prop_assert!((cva_change - truth).abs() <= 5.0f64.max(0.2 * truth.abs()), "{cva_change} vs {truth}");
        // elevation is the shoulders' part of the gap: the head's drop is told apart
        let elevation = 1.0 - shrug / upright.gap();
        prop_assert!((value(&s, MeasureId::ShoulderElevation) - elevation).abs() <= 0.04);
    }

    #[test]
    fn front_changes_survive_a_pixel_of_noise(
        translate in 0.0f64..0.04,
        distance in 0.45f64..0.8,
        seed in 0u32..1000,
    ) {
        // one pixel of jitter on a face 0.5–0.8 m away: the head-forward stays within 1.5 cm;
        // one frame's CVA moves by a few degrees (the audit takes medians over bursts)
        let shot = Shot::Front { distance, yaw: 0.0, tilt: 0.0 };
        let upright = Body::upright();
        let baseline = calibrate(&upright, shot);
        let body = Body { translate, ..upright };
        let s = noisy_sample(&body, shot, &baseline, 1.0, seed);
        let truth = (body.lead() - upright.lead()) * 100.0;
        prop_assert!((value(&s, MeasureId::HeadForwardCm) - truth).abs() <= 1.5, "{} vs {truth}", value(&s, MeasureId::HeadForwardCm));
        let cva_change = value(&s, MeasureId::CvaDeg) - 50.6;
        prop_assert!((cva_change - (body.true_cva() - upright.true_cva())).abs() <= 8.0, "{cva_change}");
    }

    #[test]
    fn side_cva_holds_over_ranges(cva in 25.0f64..70.0, p in -15.0f64..30.0, distance in 0.7f64..2.5) {
        let body = Body { cva, pitch: p, ..Body::upright() };
        let s = sample(&body, Shot::Side { distance }, None);
        prop_assert!((value(&s, MeasureId::CvaDeg) - cva).abs() <= 1.0, "{}", value(&s, MeasureId::CvaDeg));
    }
}

#[test]
fn side_view_cva_is_recovered() {
    for cva in [30.0, 40.0, 45.0, 50.6, 55.0, 65.0] {
        for distance in [0.8, 1.2, 2.0] {
            for p in [-10.0, 0.0, 20.0] {
                let body = Body { cva, pitch: p, ..Body::upright() };
                let s = sample(&body, Shot::Side { distance }, None);
                assert_eq!(s.view, View::SideRight, "cva {cva} at {distance} m");
                let got = value(&s, MeasureId::CvaDeg);
                assert!((got - cva).abs() <= 1.0, "side CVA {got:.2} for {cva} at {distance} m, pitch {p}");
            }
        }
    }
}
