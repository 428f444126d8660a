//! The side view against a side calibration. A side camera sees the sagittal plane square
//! on: forward and up are the image's axes, scaled by the depth, which barely changes while
//! the person sits (the calibration's depths are used). No camera sees C7, so it is
//! estimated once, in the calibration posture, from the near shoulder; after that it stays
//! where it was — the camera does not move — unless the trunk leans, which moves the
//! shoulder *and* the head forward together. A chin poke moves the head alone, rounding and a
//! shrug the shoulder alone: neither moves C7, so neither moves the other's measure.

use super::anatomy::CLAVICLE_M;
use super::calibration::SideCalibrated;
use super::geometry::{P2, angle_deg, at_depth, facing, near_side, px, side_tragus};
use super::sample::{Observation, Optics};
use super::view::View;

/// The least ratio of the head's forward shift to the shoulder's that reads as the trunk
/// leaning (a lean about the hips moves the tragus
/// [`TRUNK_HEAD_LEVER`](super::anatomy::TRUNK_HEAD_LEVER) times as far as the
/// shoulder); below it the shoulder moved on its own (rounding), …
const LEAN_RATIO_MIN: f64 = 1.0;
/// … and above this the head moved on its own (a chin poke).
const LEAN_RATIO_MAX: f64 = 1.8;
/// The least forward shift of the shoulder, metres, that can be a lean (below it: noise).
const LEAN_MIN_M: f64 = 0.01;

/// What a side frame gives against a side calibration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SideEstimate {
    /// Craniovertebral angle, degrees.
    pub cva_deg: f64,
    /// The tragus's lead over C7 against the calibration's, cm.
    pub head_forward_cm: f64,
    /// Shoulder protraction: the shoulder's forward shift the trunk did not make, as the
    /// clavicle's swing, degrees.
    pub rounding_deg: f64,
    /// The shoulder's forward shift the trunk did not make, cm.
    pub shoulder_forward_cm: f64,
    /// Weakest visibility of the ear and shoulder.
    pub visibility: f64,
}

/// The measures of a side frame against `base`; `None` without the near ear and shoulder,
/// or when the person faces the other way than at the calibration (another side).
pub(crate) fn estimate(
    obs: &Observation,
    camera: &Optics,
    view: View,
    base: &SideCalibrated,
) -> Option<SideEstimate> {
    let (ear, shoulder) = near_side(obs, view)?;
    let s = facing(obs, view, ear);
    if s != base.facing {
        return None;
    }
    let ear_px = px(obs, ear);
    let e = at_depth(obs, camera, ear_px, base.ear[2]);
    let sh = at_depth(obs, camera, px(obs, shoulder), base.shoulder[2]);
    let t = side_tragus(obs, ear_px, e, s);
    let forward = |p: P2, then: f64| s * (p.0 - then);
    let (ds, dh) = (forward(sh, base.shoulder[0]), forward(t, base.tragus[0]));
    // a lean moves the shoulder and, further, the head the same way; C7 goes with the trunk
    let ratio = dh / ds;
    let lean =
        if ds.abs() >= LEAN_MIN_M && (LEAN_RATIO_MIN..=LEAN_RATIO_MAX).contains(&ratio) { ds } else { 0.0 };
    let c7 = (base.c7[0] + s * lean, base.c7[1]);
    let lead = s * (t.0 - c7.0);
    let lead_then = s * (base.tragus[0] - base.c7[0]);
    let shift = ds - lean;
    let vis = |i: usize| f64::from(obs.landmarks[i].visibility);
    Some(SideEstimate {
        cva_deg: angle_deg(c7.1 - t.1, lead),
        head_forward_cm: (lead - lead_then) * 100.0,
        rounding_deg: (shift / CLAVICLE_M).clamp(-1.0, 1.0).asin().to_degrees(),
        shoulder_forward_cm: shift * 100.0,
        visibility: vis(ear).min(vis(shoulder)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Landmark, point};

    const W: u32 = 640;
    const H: u32 = 480;

    /// A profile facing the image's left, the ear and shoulder at `ear` and `shoulder`
    /// (camera metres at 0.7 and 0.6 m), the nose 11 cm ahead of the ear and level.
    fn frame(camera: &Optics, ear: P2, shoulder: P2) -> Vec<Landmark> {
        let f = camera.focal_px(W);
        let at = |p: P2, z: f64| (p.0 / z * f + f64::from(W) / 2.0, p.1 / z * f + f64::from(H) / 2.0);
        let mut lm = vec![Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 0.0, presence: 0.0 }; 33];
        let mut put = |i: usize, (x, y): (f64, f64)| {
            lm[i] = Landmark { x: x as f32, y: y as f32, z: 0.0, visibility: 0.99, presence: 0.99 };
        };
        put(point::LEFT_EAR, at(ear, 0.7));
        put(point::LEFT_SHOULDER, at(shoulder, 0.6));
        put(point::NOSE, at((ear.0 - 0.11, ear.1 + 0.0107), 0.7));
        lm
    }

    fn base(camera: &Optics) -> SideCalibrated {
        let lm = frame(camera, (0.0, -0.1), (0.05, 0.05));
        let obs = Observation::landmarks_only(&lm, None, W, H);
        let t = side_tragus(&obs, px(&obs, point::LEFT_EAR), (0.0, -0.1), -1.0);
        SideCalibrated {
            facing: -1.0,
            ear: [0.0, -0.1, 0.7],
            shoulder: [0.05, 0.05, 0.6],
            tragus: [t.0, t.1],
            c7: [0.11, 0.0],
        }
    }

    fn measured(camera: &Optics, ear: P2, shoulder: P2) -> SideEstimate {
        let lm = frame(camera, ear, shoulder);
        let obs = Observation::landmarks_only(&lm, None, W, H);
        estimate(&obs, camera, View::SideLeft, &base(camera)).unwrap()
    }

    #[test]
    fn each_movement_moves_its_own_measure() {
        let camera = Optics::default();
        let still = measured(&camera, (0.0, -0.1), (0.05, 0.05));
        assert!(still.head_forward_cm.abs() < 1e-3 && still.rounding_deg.abs() < 1e-3);
        // a chin poke of 2 cm (forward is −x here): the head forward, the CVA down, no rounding
        let poke = measured(&camera, (-0.02, -0.1), (0.05, 0.05));
        assert!((poke.head_forward_cm - 2.0).abs() < 1e-3, "{poke:?}");
        assert!(poke.cva_deg < still.cva_deg - 3.0 && poke.rounding_deg.abs() < 1e-3, "{poke:?}");
        // the shoulder 3 cm forward alone: rounding, the head measures unchanged
        let round = measured(&camera, (0.0, -0.1), (0.02, 0.05));
        assert!((round.shoulder_forward_cm - 3.0).abs() < 1e-3, "{round:?}");
        assert!((round.rounding_deg - (0.03f64 / 0.15).asin().to_degrees()).abs() < 1e-3);
        assert!((round.cva_deg - still.cva_deg).abs() < 1e-3 && round.head_forward_cm.abs() < 1e-3);
        // a shrug of 2 cm: nothing moves but the shoulder's height
        let shrug = measured(&camera, (0.0, -0.1), (0.05, 0.03));
        assert!((shrug.cva_deg - still.cva_deg).abs() < 1e-3 && shrug.rounding_deg.abs() < 1e-3);
        // a lean: the shoulder 4 cm forward, the head 5.6 cm: C7 goes along, no rounding
        let lean = measured(&camera, (-0.056, -0.1), (0.01, 0.05));
        assert!(lean.rounding_deg.abs() < 1e-3, "{lean:?}");
        assert!((lean.head_forward_cm - 1.6).abs() < 1e-3, "{lean:?}");
    }

    #[test]
    fn the_other_side_is_not_compared() {
        let camera = Optics::default();
        let mut lm = frame(&camera, (0.0, -0.1), (0.05, 0.05));
        // the nose behind the ear: facing the image's right
        lm[point::NOSE].x += 300.0;
        let obs = Observation::landmarks_only(&lm, None, W, H);
        assert!(estimate(&obs, &camera, View::SideLeft, &base(&camera)).is_none());
    }
}
