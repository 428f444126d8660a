//! Which way the person faces the camera, from the 2D landmarks.

use serde::{Deserialize, Serialize};

use crate::pose::Landmark;

/// Visibility and presence a landmark needs before a measure may use it.
pub const MIN_VISIBILITY: f32 = 0.5;

/// Landmark indices used here (BlazePose order).
pub(crate) mod idx {
    pub const NOSE: usize = 0;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
}

/// Camera view of the person. `side_left` means the camera sees the subject's left side
/// (their left ear faces the lens); `side_right` the right side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Facing the camera (within about ±25° of yaw).
    Front,
    /// Turned between front and profile.
    ThreeQuarter,
    /// Profile, the subject's left side towards the camera.
    SideLeft,
    /// Profile, the subject's right side towards the camera.
    SideRight,
    /// Not enough of the head and shoulders is visible to tell.
    Unknown,
}

impl View {
    /// The name used in output (`front`, `three_quarter`, `side_left`, …).
    pub fn name(self) -> &'static str {
        match self {
            View::Front => "front",
            View::ThreeQuarter => "three_quarter",
            View::SideLeft => "side_left",
            View::SideRight => "side_right",
            View::Unknown => "unknown",
        }
    }
}

/// True when landmark `l` is confidently seen inside a `width × height` frame.
pub fn usable(l: &Landmark, width: u32, height: u32) -> bool {
    l.visibility >= MIN_VISIBILITY
        && l.presence >= MIN_VISIBILITY
        && (0.0..=width as f32).contains(&l.x)
        && (0.0..=height as f32).contains(&l.y)
}

/// Nose offset from the ear midpoint, in half ear spans, below which the head faces the
/// camera (|offset| = sin(yaw) for a head whose nose sits on the ears' axis mid-plane:
/// 0.42 ≈ 25°).
const FRONT_MAX_OFFSET: f32 = 0.42;
/// Offset beyond which the head is in profile (≈ 65°).
const SIDE_MIN_OFFSET: f32 = 0.9;

/// Classify the view from the ears, nose and shoulders.
///
/// With both ears seen, the nose's horizontal offset from the ear midpoint (in half ear
/// spans) estimates the head's yaw; a shoulder line much narrower than the head confirms a
/// profile. With one ear hidden, the visible ear tells which side faces the camera.
pub fn classify(lm: &[Landmark], width: u32, height: u32) -> View {
    let ok = |i: usize| usable(&lm[i], width, height);
    let (le, re, nose) = (ok(idx::LEFT_EAR), ok(idx::RIGHT_EAR), ok(idx::NOSE));
    if !nose || !(ok(idx::LEFT_SHOULDER) || ok(idx::RIGHT_SHOULDER)) {
        return View::Unknown;
    }
    // which side turns to the camera: the nose points away from the ear seen best
    let side_by_nose = |ear: &Landmark| {
        // the subject's left ear is on the image's right in a frontal view; in a left
        // profile the nose points to the image's left of that ear
        if lm[idx::NOSE].x < ear.x { View::SideLeft } else { View::SideRight }
    };
    match (le, re) {
        (true, true) => {
            let (l, r) = (&lm[idx::LEFT_EAR], &lm[idx::RIGHT_EAR]);
            let half_span = (l.x - r.x).hypot(l.y - r.y) / 2.0;
            if half_span <= f32::EPSILON {
                return side_by_nose(l);
            }
            let offset = (lm[idx::NOSE].x - (l.x + r.x) / 2.0).abs() / half_span;
            if offset < FRONT_MAX_OFFSET {
                View::Front
            } else if offset < SIDE_MIN_OFFSET {
                View::ThreeQuarter
            } else {
                let nearer = if l.z < r.z { l } else { r };
                side_by_nose(nearer)
            }
        }
        (true, false) => side_by_nose(&lm[idx::LEFT_EAR]),
        (false, true) => side_by_nose(&lm[idx::RIGHT_EAR]),
        (false, false) => View::Unknown,
    }
}
