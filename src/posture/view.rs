//! Which way the person faces the camera, from the 2D landmarks.

use serde::{Deserialize, Serialize};

use super::anatomy;
use crate::pose::{Landmark, point};

/// Visibility and presence a landmark needs before a measure may use it.
pub const MIN_VISIBILITY: f32 = 0.5;

/// Camera view of the person. `side_left` means the camera sees the subject's left side
/// (their left ear faces the lens); `side_right` the right side.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum View {
    /// Facing the camera (head yaw within ±25°).
    Front,
    /// Turned between front and profile (25–60° of yaw).
    ThreeQuarter,
    /// Profile (yaw beyond 60°), the subject's left side towards the camera.
    SideLeft,
    /// Profile, the subject's right side towards the camera.
    SideRight,
    /// Not enough of the head is visible to tell.
    Unknown,
}

impl View {
    /// The name used in output (`front`, `three_quarter`, `side_left`, …).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// True when landmark `l` is confidently seen inside a `width × height` frame.
pub fn usable(l: &Landmark, width: u32, height: u32) -> bool {
    l.visibility >= MIN_VISIBILITY && l.presence >= MIN_VISIBILITY && inside(l, width, height)
}

/// Largest head yaw still called a front view, degrees.
const FRONT_MAX_YAW_DEG: f64 = 25.0;
/// Smallest head yaw called a profile (side view), degrees.
const SIDE_MIN_YAW_DEG: f64 = 60.0;
/// How far the nose tip stands in front of the eyes, metres (≈ 2.5 cm).
const NOSE_AHEAD_OF_EYES_M: f64 = 0.025;

/// Head yaw from the nose's sideways offset against a pair of landmarks that straddle it:
/// a point `depth` in front of the pair's axis, whose half-span is `half_span`, moves
/// `depth·sin ψ` while the half-span shrinks to `half_span·cos ψ`, so
/// `offset / half-span = (depth / half_span)·tan ψ`. Positive: the nose points to the
/// image's right.
fn yaw_deg(nose_x: f32, a: &Landmark, b: &Landmark, depth_m: f64, half_span_m: f64) -> Option<f64> {
    let half = f64::from((a.x - b.x).hypot(a.y - b.y)) / 2.0;
    if half <= f64::EPSILON {
        return None;
    }
    let offset = f64::from(nose_x - (a.x + b.x) / 2.0) / half;
    Some((offset / (depth_m / half_span_m)).atan().to_degrees())
}

/// Classify the view from the head's yaw: the nose against the ears — or against the eyes
/// when an ear is hidden. With neither pair seen, the one seen ear's side faces the camera.
pub fn classify(lm: &[Landmark], width: u32, height: u32) -> View {
    classify_with_yaw(lm, width, height).0
}

/// [`classify`], also returning the yaw estimate (degrees, positive = nose to the image's
/// right) when there is one.
pub fn classify_with_yaw(lm: &[Landmark], width: u32, height: u32) -> (View, Option<f64>) {
    let ok = |i: usize| usable(&lm[i], width, height);
    if !ok(point::NOSE) {
        return (View::Unknown, None);
    }
    let nose = lm[point::NOSE].x;
    let (le, re) = (&lm[point::LEFT_EAR], &lm[point::RIGHT_EAR]);
    // for the view, a point's predicted position counts even when it lies past the frame
    // edge (a face cut by the edge is still a frontal face)
    let seen = |i: usize| lm[i].visibility >= MIN_VISIBILITY;
    let yaw = if seen(point::LEFT_EAR) && seen(point::RIGHT_EAR) {
        yaw_deg(nose, le, re, anatomy::EAR_TO_NOSE_M, anatomy::BLAZEPOSE_EAR_SPAN_M / 2.0)
    } else if seen(point::LEFT_EYE) && seen(point::RIGHT_EYE) {
        yaw_deg(nose, &lm[point::LEFT_EYE], &lm[point::RIGHT_EYE], NOSE_AHEAD_OF_EYES_M, anatomy::IPD_M / 2.0)
    } else {
        None
    };
    let side = |nose_right: bool| if nose_right { View::SideRight } else { View::SideLeft };
    let view = match yaw {
        Some(y) if y.abs() < FRONT_MAX_YAW_DEG => View::Front,
        Some(y) if y.abs() < SIDE_MIN_YAW_DEG => View::ThreeQuarter,
        Some(y) => side(y > 0.0),
        // one ear seen, the other hidden: a profile
        None => match (ok(point::LEFT_EAR), ok(point::RIGHT_EAR)) {
            (true, false) => side(nose > le.x),
            (false, true) => side(nose > re.x),
            _ => View::Unknown,
        },
    };
    (view, yaw)
}

fn inside(l: &Landmark, width: u32, height: u32) -> bool {
    (0.0..=width as f32).contains(&l.x) && (0.0..=height as f32).contains(&l.y)
}
